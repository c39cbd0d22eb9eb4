package web

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestVerifyPageGzipFromSkeleton fetches the verification page compressed,
// as a phone does: it comes from the skeleton's compressed plan, reads back
// with the standard library's reader to the very page a client without
// gzip gets, and is no bigger than gzip's fastest level makes the same page
// (what the page was compressed with before) plus a tenth.
func TestVerifyPageGzipFromSkeleton(t *testing.T) {
	f := newVerifyFixture(t, storetest.SQLite)
	l := f.sign(t)
	path := "/v/" + *l.VerifyCode
	// The env's clock stands still: both pages say the same "Diperiksa pada".
	plain := f.e.do("GET", path, nil, nil)
	zipped := f.e.do("GET", path, nil, http.Header{"Accept-Encoding": {"gzip"}})
	if plain.Code != http.StatusOK || zipped.Code != http.StatusOK || zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("plain %d, gzip %d %v", plain.Code, zipped.Code, zipped.Header())
	}
	if len(f.e.srv.verifySkeletons.shapes) == 0 {
		t.Fatal("the page was not served from a skeleton")
	}
	got := gunzip(t, bytes.NewReader(zipped.Body.Bytes()))
	if !bytes.Equal(got, plain.Body.Bytes()) {
		t.Fatalf("decompressed page differs from the plain one:\n%s\n---\n%s", got, plain.Body.String())
	}
	var fastest bytes.Buffer
	zw, _ := kgzip.NewWriterLevel(&fastest, kgzip.BestSpeed)
	zw.Write(plain.Body.Bytes())
	zw.Close()
	t.Logf("page %d bytes: plan %d, fastest level %d", plain.Body.Len(), zipped.Body.Len(), fastest.Len())
	if zipped.Body.Len() > fastest.Len()*11/10 {
		t.Errorf("compressed page %d bytes, gzip's fastest level %d", zipped.Body.Len(), fastest.Len())
	}
}

// FuzzSkeletonGzip compresses pages made of arbitrary parts and values,
// the parts planned ahead as a skeleton's are: the standard library's
// reader must give back the page, checksum and length included.
func FuzzSkeletonGzip(f *testing.F) {
	f.Add([]byte("<p>\xffnilai\xff</p><p>\xffnilai lain\xff</p>"))
	f.Add([]byte("abcabcabcabc\xffabc\xffabcabc\xff\xff\xffabcabcabcabcabcabc"))
	f.Add(bytes.Repeat([]byte("<dd>Desa Sumberejo</dd>\xff"), 40))
	f.Add(append(append([]byte("awal yang diulang \xff"), bytes.Repeat([]byte("jauh "), 7000)...), "\xffawal yang diulang"...))
	f.Fuzz(func(t *testing.T, data []byte) {
		pieces := strings.Split(string(data), "\xff")
		var sk skeleton
		var values []string
		for i, p := range pieces {
			if i%2 == 0 {
				sk.parts = append(sk.parts, p)
			} else {
				values = append(values, p)
				sk.slots = append(sk.slots, skeletonSlot{leaf: len(values) - 1})
			}
		}
		if len(sk.parts) == len(sk.slots) {
			sk.parts = append(sk.parts, "")
		}
		sk.gz = newGzPlan(sk.parts, planDeflate(sk.parts))
		var page, gz bytes.Buffer
		starts := sk.write(&page, func(leaf int) string { return values[leaf] }, nil)
		sk.writeGzip(&gz, page.Bytes(), starts)
		if got := gunzip(t, &gz); !bytes.Equal(got, page.Bytes()) {
			t.Fatalf("read back %d bytes, page %d", len(got), page.Len())
		}
	})
}

// TestDeflateCodeTables writes blocks of literals in Huffman codes made
// for skewed, sparse and tiny alphabets, with the code tables run-length
// coded as a dynamic block sends them; the standard library's reader must
// read them back. The skewed frequencies would make a tree deeper than 15
// bits, which deflate forbids.
func TestDeflateCodeTables(t *testing.T) {
	fib := make([]int, 286)
	a, b := 1, 1
	for s := 'A'; s <= 'Z'; s++ {
		fib[s] = a
		a, b = b, a+b
	}
	fib[256] = 1
	sparse := make([]int, 286)
	for _, s := range "0123456789abcdef" {
		sparse[s] = 3
	}
	sparse[256] = 1
	tiny := make([]int, 286)
	tiny['x'], tiny[256] = 5, 1
	for name, tc := range map[string]struct {
		freq []int
		text string
	}{
		"skewed": {fib, "ABCDEFGHIJKLMNOPQRSTUVWXYZZZZYXA"},
		"sparse": {sparse, "e645a1c47af31488e24bf15a33008a4f"},
		"tiny":   {tiny, "xxxxx"},
	} {
		lengths := huffmanLengths(tc.freq, 15)
		kraft := 0.0
		for s, l := range lengths {
			if (l == 0) != (tc.freq[s] == 0) || l > 15 {
				t.Fatalf("%s: symbol %d of frequency %d has length %d", name, s, tc.freq[s], l)
			}
			if l > 0 {
				kraft += 1 / float64(int(1)<<l)
			}
		}
		if kraft != 1 {
			t.Errorf("%s: Kraft sum %v, want a complete code", name, kraft)
		}
		distLen := make([]uint8, 30)
		distLen[0] = 1
		var lit [286]huffCode
		canonical(lengths, lit[:])
		var w bitWriter
		w.put(1, 1)
		w.put(2, 2)
		writeCodeTables(&w, lengths, distLen)
		w.literalText(&lit, tc.text)
		w.put(lit[256].code, uint(lit[256].len))
		got, err := io.ReadAll(flate.NewReader(bytes.NewReader(w.flush())))
		if err != nil || string(got) != tc.text {
			t.Errorf("%s: read back %q, %v", name, got, err)
		}
	}
}

// TestDeflateLengthAndDistanceCodes checks every copy length and distance
// against the tables of RFC 1951 §3.2.5, and writeGzip's table of distance
// symbols (distanceSym) against distanceCode.
func TestDeflateLengthAndDistanceCodes(t *testing.T) {
	lengthBase := []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
		67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra := []uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	for length := 3; length <= 258; length++ {
		sym, extra, bits := lengthCode(length)
		i := sym - 257
		if i < 0 || i >= len(lengthBase) || bits != lengthExtra[i] || lengthBase[i]+extra != length || extra < 0 || extra >= 1<<bits {
			t.Fatalf("length %d: symbol %d, extra %d in %d bits", length, sym, extra, bits)
		}
	}
	distBase := []int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
		1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	for d := 1; d <= deflateMaxDistance; d++ {
		code, extra, bits := distanceCode(d)
		wantBits := uint(max(0, code/2-1))
		if code < 0 || code >= 30 || bits != wantBits || distBase[code]+extra != d || extra < 0 || extra >= 1<<bits {
			t.Fatalf("distance %d: code %d, extra %d in %d bits", d, code, extra, bits)
		}
		if sym := distanceSym(d); sym != code || distanceBase[sym] != distBase[code] || uint(distanceExtraBits[sym]) != bits {
			t.Fatalf("distance %d: table symbol %d (base %d, %d extra bits), code %d", d, sym, distanceBase[sym], distanceExtraBits[sym], code)
		}
	}
}

// TestSkeletonGzipRandomPages compresses pages of random parts and values
// over small alphabets, which repeat a lot, of up to 40 kB each, so that
// copies reach across values and beyond deflate's 32 kB window: every page
// must read back whole.
func TestSkeletonGzipRandomPages(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 9))
	for it := range 600 {
		alpha := []byte("ab <>&\"'x/ ,")[:1+rnd.IntN(12)]
		gen := func(n int) string {
			b := make([]byte, n)
			for i := range b {
				b[i] = alpha[rnd.IntN(len(alpha))]
			}
			if rnd.IntN(5) == 0 {
				b = bytes.Repeat(b, 1+rnd.IntN(8))
			}
			return string(b)
		}
		var sk skeleton
		var values []string
		np := 1 + rnd.IntN(8)
		for i := range np {
			sk.parts = append(sk.parts, gen(rnd.IntN([]int{5, 50, 500, 5000}[rnd.IntN(4)])))
			if i+1 < np {
				sz := rnd.IntN([]int{5, 50, 500, 40000}[rnd.IntN(4)])
				values = append(values, gen(sz))
				sk.slots = append(sk.slots, skeletonSlot{leaf: len(values) - 1})
			}
		}
		sk.gz = newGzPlan(sk.parts, planDeflate(sk.parts))
		var page, gz bytes.Buffer
		starts := sk.write(&page, func(leaf int) string { return values[leaf] }, nil)
		sk.writeGzip(&gz, page.Bytes(), starts)
		if got := gunzip(t, &gz); !bytes.Equal(got, page.Bytes()) {
			t.Fatalf("iteration %d: read back %d bytes, page %d", it, len(got), page.Len())
		}
	}
}
