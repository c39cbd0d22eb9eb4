package sign

import (
	"context"
	"testing"
	"time"
)

// BenchmarkSign is the signing overhead on top of rendering: reading the
// structure of an already rendered one-page PDF, appending the update and
// building the CMS with an already decrypted key.
func BenchmarkSign(b *testing.B) {
	f := newFixture(b, "Root CA Bench")
	pdf := renderPDF(b, "Yang bertanda tangan di bawah ini menerangkan bahwa ...")
	meta := testMeta()
	ctx := context.Background()
	b.SetBytes(int64(len(pdf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.signer.Sign(ctx, pdf, meta); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is what an upload on the public page costs.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, "Root CA Bench")
	signed := mustSign(b, f.signer, renderPDF(b, "Yang bertanda tangan di bawah ini menerangkan bahwa ..."))
	now := time.Now()
	b.SetBytes(int64(len(signed)))
	b.ReportAllocs()
	for b.Loop() {
		if res := Verify(signed, f.roots, now); !res.Valid {
			b.Fatal(res.Code)
		}
	}
}

// BenchmarkSignAndVerify is what finalising one letter costs besides
// rendering, key decryption and storage.
func BenchmarkSignAndVerify(b *testing.B) {
	f := newFixture(b, "Root CA Bench")
	pdf := renderPDF(b, "Yang bertanda tangan di bawah ini menerangkan bahwa ...")
	meta := testMeta()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := SignAndVerify(ctx, f.signer, pdf, meta, f.roots, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
