package pdf

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestConcurrentFirstRendersOfLazyRenderer renders from four goroutines at
// once on a Renderer from NewLazyRenderer, whose fonts are not prepared
// yet: one render prepares them, the others wait, and every render gives
// the bytes a Renderer from NewRenderer gives. CI runs it under -race.
func TestConcurrentFirstRendersOfLazyRenderer(t *testing.T) {
	docs := map[string]*surat.Document{"one page": onePageDoc(), "long": longDoc()}
	docs["one page"].LogoPNG = testLogo()
	docs["long"].Seal = testSeal()
	want := map[string][]byte{}
	ready := newTestRenderer(t)
	for name, doc := range docs {
		want[name] = render(t, ready, doc)
	}

	r := NewLazyRenderer()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		for name, doc := range docs {
			wg.Go(func() {
				<-start
				got, err := r.Render(doc, Options{})
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				if !bytes.Equal(got, want[name]) {
					t.Errorf("%s: differs from NewRenderer's", name)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	if err := r.Ready(); err != nil {
		t.Errorf("Ready after renders: %v", err)
	}
}

// TestLazyRendererFontError: fonts that cannot be prepared make Ready and
// every Render return the error, and nothing panics.
func TestLazyRendererFontError(t *testing.T) {
	broken := errors.New("pdf: read font: broken")
	r := &Renderer{load: func() ([]byte, []byte, error) { return nil, nil, broken }}
	if err := r.Ready(); !errors.Is(err, broken) {
		t.Fatalf("Ready = %v, want %v", err, broken)
	}
	for range 2 {
		if out, err := r.Render(onePageDoc(), Options{}); !errors.Is(err, broken) || out != nil {
			t.Errorf("Render = %d bytes, %v; want the font error", len(out), err)
		}
	}
	// Fonts that load but are not TrueType fail in the same way.
	r = &Renderer{load: func() ([]byte, []byte, error) { return []byte("not a font"), []byte("not a font"), nil }}
	if err := r.Ready(); err == nil {
		t.Fatal("Ready = nil for fonts that are not TrueType")
	}
	if _, err := r.Render(onePageDoc(), Options{}); err == nil {
		t.Error("Render succeeded with fonts that are not TrueType")
	}
}
