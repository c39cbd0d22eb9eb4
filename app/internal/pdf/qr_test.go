package pdf

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

var updateQR = flag.Bool("update-qr", false, "rewrite testdata/qr_upstream.txt from the QR codes go-qrcode draws now")

// qrGolden holds what upstream go-qrcode (v0.0.0-20200617195104-da1b6568686e,
// before third_party/go-qrcode's changes) drew for qrCases: the code's
// width, its mask and a digest of its modules, a line per case and level.
// It was written with -update-qr before the module was vendored; the
// vendored copy must draw every code the same, so a letter's QR code is
// what it was.
const qrGolden = "testdata/qr_upstream.txt"

// qrCases are the texts the golden file covers: verification URLs as the
// letters carry them (every base URL length a deployment may have) and
// texts in each of the QR code's data modes, of lengths up to versions
// past 30, where codes have the most error-correction blocks.
func qrCases() []string {
	r := rand.New(rand.NewPCG(15, 2026))
	const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	pick := func(alphabet string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	var cases []string
	for i := range 120 {
		host := pick("abcdefghijklmnopqrstuvwxyz", 3+i%40)
		cases = append(cases, "https://"+host+".desa.id/v/"+pick(b32, 26))
	}
	for i := range 60 {
		n := 1 + r.IntN(40+i*25)
		cases = append(cases, pick("0123456789", n))
		cases = append(cases, pick("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", n))
		cases = append(cases, pick("abcdefghij KLM é–·ü0123456789/?=&", n))
	}
	return cases
}

var qrLevels = []qrcode.RecoveryLevel{qrcode.Low, qrcode.Medium, qrcode.High, qrcode.Highest}

// qrDigest is a case's line of the golden file.
func qrDigest(text string, level qrcode.RecoveryLevel) (string, error) {
	q, err := qrcode.New(text, level)
	if err != nil {
		return "", err
	}
	bm := q.Bitmap()
	h := sha256.New()
	for _, row := range bm {
		b := make([]byte, len(row))
		for i, dark := range row {
			if dark {
				b[i] = 1
			}
		}
		h.Write(b)
	}
	return fmt.Sprintf("%d %d %s", len(bm), q.VersionNumber, hex.EncodeToString(h.Sum(nil))[:24]), nil
}

// TestQRCodesAsUpstream draws every case at every error-correction level
// and compares it with what upstream drew.
func TestQRCodesAsUpstream(t *testing.T) {
	var got []string
	for i, text := range qrCases() {
		for _, level := range qrLevels {
			d, err := qrDigest(text, level)
			if err != nil {
				// A text too long for the level: upstream refused it too.
				d = "error"
			}
			got = append(got, fmt.Sprintf("%d %d %s", i, level, d))
		}
	}
	if *updateQR {
		if err := os.WriteFile(qrGolden, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(qrGolden)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		want = append(want, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("%s has %d lines, the cases give %d", qrGolden, len(want), len(got))
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] {
			bad++
			if bad <= 5 {
				t.Errorf("case %s: drawn as %q, upstream drew %q", strings.Fields(want[i])[0], got[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d codes differ from upstream's", bad, len(got))
	}
}

// BenchmarkQRCode draws a letter's QR code: a verification URL at level M,
// as drawQR asks go-qrcode for it.
func BenchmarkQRCode(b *testing.B) {
	url := "https://sumberejo.blitarkab.desa.id/v/UJ6FMLK5RZSZHGBX3GGQSUK3NI"
	b.ReportAllocs()
	for b.Loop() {
		q, err := qrcode.New(url, qrcode.Medium)
		if err != nil {
			b.Fatal(err)
		}
		if len(q.Bitmap()) == 0 {
			b.Fatal("empty code")
		}
	}
}
