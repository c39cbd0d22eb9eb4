package sign

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// withContents replaces the signature of a signed PDF by cms: the
// /Contents gap of the same length holds cms in hex, zero-padded, so the
// /ByteRange still covers the whole file.
func withContents(t *testing.T, signed, cms []byte) []byte {
	t.Helper()
	br, ok := lastByteRange(signed)
	if !ok {
		t.Fatal("no /ByteRange")
	}
	room := (br[2] - br[1] - 2) / 2
	if len(cms) > room {
		t.Fatalf("CMS of %d bytes does not fit the %d-byte gap", len(cms), room)
	}
	out := bytes.Clone(signed)
	hex.Encode(out[br[1]+1:], append(bytes.Clone(cms), make([]byte, room-len(cms))...))
	return out
}

// unsignedWithContents is a minimal PDF whose signature dictionary holds
// cms as its /Contents, with a /ByteRange around it covering the file: the
// shape an attacker uploads to /v/<code>/periksa, of any size up to the
// upload limit.
func unsignedWithContents(cms []byte) []byte {
	hx := hex.EncodeToString(cms)
	head := func(br string) string { return "%PDF-1.7\n1 0 obj <</Type/Sig/ByteRange " + br + " /Contents " }
	const tail = " >> endobj\n%%EOF\n"
	probe := head(fmt.Sprintf("[0 %010d %010d %010d]", 0, 0, 0))
	start, end := len(probe), len(probe)+len(hx)+2
	total := end + len(tail)
	return []byte(head(fmt.Sprintf("[0 %010d %010d %010d]", start, end, total-end)) + "<" + hx + ">" + tail)
}

// nestedDER is n SEQUENCEs, each holding the next, around a NULL, in DER.
func nestedDER(n int) []byte {
	header := func(bodyLen int) []byte {
		var b cryptobyte.Builder
		b.AddUint8(0x30)
		switch {
		case bodyLen < 0x80:
			b.AddUint8(uint8(bodyLen))
		case bodyLen < 0x100:
			b.AddUint8(0x81)
			b.AddUint8(uint8(bodyLen))
		case bodyLen < 0x10000:
			b.AddUint8(0x82)
			b.AddUint16(uint16(bodyLen))
		default:
			b.AddUint8(0x83)
			b.AddUint24(uint32(bodyLen))
		}
		return b.BytesOrPanic()
	}
	// The length of each level's body, from the innermost out.
	bodies := make([]int, n)
	size := 2 // the NULL
	for i := range bodies {
		bodies[i] = size
		size += len(header(size))
	}
	out := make([]byte, 0, size)
	for i := n - 1; i >= 0; i-- {
		out = append(out, header(bodies[i])...)
	}
	return append(out, 0x05, 0x00)
}

// TestVerifyRefusesBERBeforeParsing sends what crashed the process: a
// /Contents of 2,000,000 nested indefinite-length SEQUENCEs (30 80 ...),
// 8 MB in the upload, which pkcs7's recursive BER-to-DER conversion walked
// until the goroutine stack overflowed (a fatal error no recover catches).
// Without the DER check this test does not fail: it kills the test binary.
func TestVerifyRefusesBERBeforeParsing(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	signed := mustSign(t, f.signer, renderPDF(t, "Isi surat."))

	bomb := unsignedWithContents(bytes.Repeat([]byte{0x30, 0x80}, 2_000_000))
	if res := Verify(bomb, f.roots, time.Now()); res.Code != CodeMalformed || res.Valid {
		t.Errorf("nested indefinite-length BER: %s, want %s", res.Code, CodeMalformed)
	}
	// Definite lengths, but nested deeper than any CMS of ours.
	if res := Verify(unsignedWithContents(nestedDER(100_000)), f.roots, time.Now()); res.Code != CodeMalformed {
		t.Errorf("100,000 nested SEQUENCEs: %s, want %s", res.Code, CodeMalformed)
	}

	// Our own CMS, re-encoded with an indefinite outer length (BER as some
	// other signers write it), is refused too; in DER it is valid.
	br, _ := lastByteRange(signed)
	gap, _ := contentsGap(signed, br)
	der := make([]byte, hex.DecodedLen(len(gap)))
	if _, err := hex.Decode(der, gap); err != nil {
		t.Fatal(err)
	}
	s := cryptobyte.String(der)
	var body cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) {
		t.Fatal("our CMS is not a DER SEQUENCE")
	}
	ber := append(append([]byte{0x30, 0x80}, body...), 0, 0)
	if res := Verify(withContents(t, signed, ber), f.roots, time.Now()); res.Code != CodeMalformed {
		t.Errorf("our CMS as indefinite-length BER: %s, want %s", res.Code, CodeMalformed)
	}
	if res := Verify(withContents(t, signed, der[:len(der)-len(s)]), f.roots, time.Now()); !res.Valid {
		t.Errorf("our CMS written back unchanged: %s %v", res.Code, res.Problems)
	}
}

func TestWellFormedDER(t *testing.T) {
	for _, tt := range []struct {
		name string
		der  []byte
		want bool
	}{
		{"NULL", []byte{0x05, 0x00}, true},
		{"nested to the bound", nestedDER(maxDERDepth), true},
		{"nested one past the bound", nestedDER(maxDERDepth + 1), false},
		{"zero padding", append(nestedDER(3), 0, 0, 0), true},
		{"text after the element", append(nestedDER(3), 0, 1), false},
		{"indefinite length", []byte{0x30, 0x80, 0x05, 0x00, 0x00, 0x00}, false},
		{"length beyond the input", []byte{0x30, 0x05, 0x05, 0x00}, false},
		{"long form for a short length", []byte{0x30, 0x81, 0x02, 0x05, 0x00}, false},
		{"inner element cut short", []byte{0x30, 0x02, 0x04, 0x05}, false},
		{"empty", nil, false},
	} {
		if got := wellFormedDER(tt.der); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// BenchmarkVerifyBERBomb is the cost of refusing the 8 MB upload of nested
// indefinite-length SEQUENCEs.
func BenchmarkVerifyBERBomb(b *testing.B) {
	bomb := unsignedWithContents(bytes.Repeat([]byte{0x30, 0x80}, 2_000_000))
	b.SetBytes(int64(len(bomb)))
	b.ReportAllocs()
	for b.Loop() {
		if res := Verify(bomb, nil, time.Now()); res.Code != CodeMalformed {
			b.Fatal(res.Code)
		}
	}
}
