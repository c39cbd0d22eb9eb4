package sign

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestSignRenderedLetter signs what the application's renderer produces (an
// F4 letter with embedded UTF-8 fonts, a logo, the QR code and the TTE
// footer) and runs the independent checks on it.
func TestSignRenderedLetter(t *testing.T) {
	f := newFixture(t, "Root CA Test")
	signed := mustSign(t, f.signer, renderLetter(t))
	if res := Verify(signed, f.roots, time.Now()); !res.Valid {
		t.Fatalf("Verify: %s %v", res.Code, res.Problems)
	}
	checkQpdf(t, signed)
	out, _ := runPdfsig(t, newNSSDB(t, f.root), signed)
	t.Logf("pdfsig:\n%s", out)
	for _, want := range []string{"Signature Validation: Signature is Valid.", "Total document signed", "Certificate Validation: Certificate is Trusted."} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfsig output lacks %q", want)
		}
	}
	if tampered := flip(signed, producerOffset(t, signed)); Verify(tampered, f.roots, time.Now()).Code != CodeDigestMismatch {
		t.Error("a flipped byte in the rendered letter is not a digest mismatch")
	}
}

// BenchmarkSignRenderedLetter is BenchmarkSign over the application's real
// one-page letter (embedded fonts, QR code), about 28 KB.
func BenchmarkSignRenderedLetter(b *testing.B) {
	f := newFixture(b, "Root CA Bench")
	letter := renderLetter(b)
	meta := testMeta()
	ctx := context.Background()
	b.SetBytes(int64(len(letter)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.signer.Sign(ctx, letter, meta); err != nil {
			b.Fatal(err)
		}
	}
}

// renderLetter renders a one-page signed-letter layout with app/internal/pdf.
func renderLetter(t testing.TB) []byte {
	t.Helper()
	doc := &surat.Document{
		Paper: "F4",
		Village: surat.Village{
			Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Wlingi",
			Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur",
			Address: "Jl. Raya Sumberejo No. 1",
		},
		Title:  "Surat Keterangan Domisili",
		Number: "470/012/35.05.12.2001/XI/2026",
		Blocks: []surat.Block{
			{Kind: surat.Paragraph, Text: "Yang bertanda tangan di bawah ini Kepala Desa Sumberejo menerangkan dengan sebenarnya bahwa :"},
			{Kind: surat.Rows, Rows: []surat.Row{{Label: "Nama", Value: "Ni Luh Putu Ayu Wédari"}}},
			{Kind: surat.Paragraph, Text: "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya."},
		},
		Place:  "Sumberejo",
		Date:   time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		Signer: surat.SignerBlock{Jabatan: "Kepala Desa Sumberejo", Name: "SUTRISNO"},
		Seal: &surat.Seal{
			VerifyURL: "http://localhost:8080/v/QK3M7ZJ2XW5TNB4RCY6HD8PAFE",
			Footer:    "Dokumen ini ditandatangani secara elektronik oleh Kepala Desa Sumberejo.",
		},
	}
	r, err := pdf.NewRenderer()
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	rendered, err := r.Render(doc, pdf.Options{})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return rendered
}
