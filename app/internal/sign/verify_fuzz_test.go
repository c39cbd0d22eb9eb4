package sign

import (
	"bytes"
	"testing"
	"time"
)

// FuzzVerify feeds Verify arbitrary bytes, starting from a signed PDF and
// its damaged variants. It calls the unguarded verify, so a panic that
// Verify's recover would hide still fails the fuzzer, and it checks that
// nothing but a fully checked signature is ever called valid.
//
//	go test -run '^$' -fuzz FuzzVerify -fuzztime 1m ./app/internal/sign
func FuzzVerify(f *testing.F) {
	fx := newFixture(f, "Root CA Fuzz")
	pdf := renderPDF(f, "Isi surat.")
	signed := mustSign(f, fx.signer, pdf)
	br, _ := lastByteRange(signed)
	padding := bytes.Clone(signed)
	padding[br[2]-3] = '1' // a nonzero digit in the padding after the CMS

	f.Add(signed)
	f.Add(pdf)
	f.Add([]byte{})
	f.Add([]byte("%PDF-1.3\n/ByteRange [0 10 20 5]"))
	f.Add([]byte("%PDF-1.7\n/ByteRange [0 9 11 0] <>"))
	f.Add([]byte("%PDF-1.7\n/ByteRange[0 9 13 0]<3000>"))
	f.Add(signed[:br[1]+40])
	f.Add(append(bytes.Clone(signed), "\n%%EOF\n"...))
	f.Add(padding)
	f.Add(bytes.ReplaceAll(bytes.Clone(signed), []byte("/ByteRange"), []byte("/ByteRangf")))
	// Offsets that overflow or point outside the file, and two signatures.
	f.Add([]byte("%PDF-1.7\n/ByteRange [0 9223372036854775807 -1 9223372036854775807] <00>"))
	f.Add([]byte("%PDF-1.7\n/ByteRange [0 999999999 999999999 999999999] <00>"))
	f.Add([]byte("%PDF-1.7\n/ByteRange [-5 9 11 0] <00>"))
	f.Add(append(bytes.Clone(signed), signed[br[1]-200:]...))

	now := time.Now()
	f.Fuzz(func(t *testing.T, b []byte) {
		res := verify(b, fx.roots, now)
		valid := res.Code == ""
		if valid && !(res.Signed && res.CoversWholeFile && res.DigestOK && res.SignatureOK && res.Trusted) {
			t.Fatalf("no problem recorded but flags %+v", res)
		}
		// Every byte outside /Contents is signed, and inside it the CMS
		// is signed and the padding must be zero: the only valid input is
		// the signed file itself.
		if valid && !bytes.Equal(b, signed) {
			t.Fatalf("a modified file verified as valid")
		}
	})
}
