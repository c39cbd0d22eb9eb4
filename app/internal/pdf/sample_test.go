package pdf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestWriteSamples writes sample letters to $PDF_SAMPLE_DIR for a person to
// look at; without the variable it does nothing.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("PDF_SAMPLE_DIR")
	if dir == "" {
		t.Skip("set PDF_SAMPLE_DIR to write sample PDFs")
	}
	r := newTestRenderer(t)
	sealed := longDoc()
	sealed.Seal = testSeal()
	draft := longDoc()
	draft.Draft = true
	draft.Number = ""
	one := onePageDoc()
	one.Seal = testSeal()
	a4 := onePageDoc()
	a4.Paper = "A4"
	a4.LogoPNG = testLogo()
	ub := onePageDoc()
	ub.Signer = longDoc().Signer
	ub.Blocks = append(ub.Blocks, longDoc().Blocks[7])
	for name, doc := range map[string]*surat.Document{
		"sealed": sealed, "draft": draft, "one": one, "a4": a4, "ub": ub,
	} {
		if err := os.WriteFile(filepath.Join(dir, name+".pdf"), render(t, r, doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Every shipped module as a sealed letter, as the golden tests render
	// it (the drafts are what "app letters preview" writes).
	c := shippedCatalogue(t)
	for i, m := range c.Modules() {
		p := filepath.Join(dir, "sealed_"+m.Code+".pdf")
		if err := os.WriteFile(p, render(t, r, sealedModuleDoc(t, c, m, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
