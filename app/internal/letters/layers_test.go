package letters_test

import (
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// The loader refuses files too large to be a module and YAML aliases that
// would make it walk far more values than the file holds.
func TestParseModuleBounds(t *testing.T) {
	src := builtinFiles(t)["sk_usaha"]
	big := append([]byte("# "+strings.Repeat("x", letters.MaxModuleBytes)+"\n"), src...)
	if _, err := letters.ParseModule("besar.yaml", big); err == nil || !strings.Contains(err.Error(), "at most 65536 are allowed") {
		t.Errorf("a large file: %v", err)
	}
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 'b'; i <= 'h'; i++ {
		prev := string(i - 1)
		b.WriteString(string(i) + ": &" + string(i) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
	}
	b.WriteString("code: *h\n")
	_, err := letters.ParseModule("alias.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "YAML aliases expand the file") {
		t.Errorf("an alias bomb: %v", err)
	}
	ps := letters.FileProblems([]byte(b.String()), err)
	if len(ps) != 1 || !strings.HasPrefix(ps[0].Message, "alias YAML membuat berkas melebihi") {
		t.Errorf("problems %+v", ps)
	}
}

// A layer replaces a module by its code or adds one; the catalogue below
// is not changed.
func TestCatalogueWith(t *testing.T) {
	base, err := letters.Load(lettertpl.FS)
	if err != nil {
		t.Fatal(err)
	}
	src := string(builtinFiles(t)["sk_usaha"])
	over, err := letters.ParseModule("sk_usaha.yaml", []byte(strings.Replace(src, "title: Surat Keterangan Usaha", "title: Usaha Desa", 1)))
	if err != nil {
		t.Fatal(err)
	}
	added, err := letters.ParseModule("x.yaml", []byte(strings.Replace(src, "code: sk_usaha", "code: sk_usaha_tani", 1)))
	if err != nil {
		t.Fatal(err)
	}
	c := base.With(over, added)
	if c.Module("sk_usaha").Title != "Usaha Desa" || c.Module("sk_usaha_tani") == nil || len(c.Modules()) != len(base.Modules())+1 {
		t.Errorf("layered catalogue: %q, %v, %d modules", c.Module("sk_usaha").Title, c.Module("sk_usaha_tani"), len(c.Modules()))
	}
	if base.Module("sk_usaha").Title != "Surat Keterangan Usaha" || base.Module("sk_usaha_tani") != nil {
		t.Error("the catalogue below changed")
	}
	if o := base.Module("sk_usaha").Origin; o.Layer != letters.LayerBuiltin || len(o.SHA256) != 64 || o.Label() != "Bawaan" {
		t.Errorf("built-in origin %+v", o)
	}
}
