package letters_test

import (
	"strings"
	"testing"
	"time"

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

	// Few aliases of a long value: a 25 KB paragraph anchored once and
	// named 2,000 times is a 42 KB file of 2,000 values, under both
	// limits above, and 50 MB of text once expanded (4,900 aliases took
	// 9.4 s to parse and held 598 MB).
	b.Reset()
	b.WriteString("code: sk_bom\nbody:\n- &p {paragraph: \"" + strings.Repeat("x", 25<<10) + "\"}\n")
	b.WriteString(strings.Repeat("- *p\n", 2000))
	if b.Len() > letters.MaxModuleBytes {
		t.Fatalf("test file of %d bytes is over the file limit", b.Len())
	}
	start := time.Now()
	_, err = letters.ParseModule("alias.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "KB of text") || time.Since(start) > 5*time.Second {
		t.Errorf("aliases of a long value: %v after %v", err, time.Since(start))
	}
	ps = letters.FileProblems([]byte(b.String()), err)
	if len(ps) != 1 || !strings.HasPrefix(ps[0].Message, "alias YAML membuat teks berkas melebihi 256 KB") {
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
