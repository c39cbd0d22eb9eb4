package pdf

import (
	"sort"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// benchmarkRender renders doc b.N times with a shared Renderer, as a server
// does, and reports beside the mean (ns/op) the median wall time, the
// process CPU time per render (GC included) and the PDF size. The median is
// the figure to quote: a garbage collection now and then, or another
// process on the machine, inflates the mean.
func benchmarkRender(b *testing.B, doc *surat.Document) {
	r := newTestRenderer(b)
	render(b, r, doc) // the logo is prepared once, as in a running server
	benchmarkLoop(b, func() ([]byte, error) { return r.Render(doc, Options{}) })
}

// benchmarkLoop runs render b.N times and reports the figures
// benchmarkRender describes.
func benchmarkLoop(b *testing.B, render func() ([]byte, error)) {
	times := make([]time.Duration, 0, b.N)
	size := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		out, err := render()
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	cpu := processCPU() - cpu0
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}

// BenchmarkRenderOnePage is the signed one-page letter: logo, ten data
// rows, three paragraphs, the signer block with QR code and TTE sentence.
func BenchmarkRenderOnePage(b *testing.B) {
	doc := onePageDoc()
	doc.LogoPNG = testLogo()
	doc.Seal = testSeal()
	benchmarkRender(b, doc)
}

// BenchmarkRenderOnePageDraft is the same letter as a draft preview.
func BenchmarkRenderOnePageDraft(b *testing.B) {
	doc := onePageDoc()
	doc.LogoPNG = testLogo()
	doc.Draft, doc.Number = true, ""
	benchmarkRender(b, doc)
}

// BenchmarkRenderTwoPages is a long signed letter with every block kind.
func BenchmarkRenderTwoPages(b *testing.B) {
	doc := longDoc()
	doc.Seal = testSeal()
	benchmarkRender(b, doc)
}

// BenchmarkNewRenderer is the one-off cost of preparing the fonts.
func BenchmarkNewRenderer(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := NewRenderer(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderOnePageParallel renders the signed one-page letter from
// every CPU at once with one shared Renderer, as concurrent requests of a
// server do; ns/op is wall time divided by letters, so on N cores it is
// about the single-letter figure divided by N when rendering scales.
func BenchmarkRenderOnePageParallel(b *testing.B) {
	doc := onePageDoc()
	doc.LogoPNG = testLogo()
	doc.Seal = testSeal()
	r := newTestRenderer(b)
	render(b, r, doc)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Render(doc, Options{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRenderModule renders shipped modules built from the demo
// register, sealed as the signing step renders them: sk_pengantar (one
// page), sk_tidak_mampu (one page with the household table) and
// sk_kelahiran (two pages).
func BenchmarkRenderModule(b *testing.B) {
	c := shippedCatalogue(b)
	for i, m := range c.Modules() {
		if m.Code != "sk_pengantar" && m.Code != "sk_tidak_mampu" && m.Code != "sk_kelahiran" {
			continue
		}
		doc := sealedModuleDoc(b, c, m, i)
		b.Run(m.Code, func(b *testing.B) { benchmarkRender(b, doc) })
	}
}
