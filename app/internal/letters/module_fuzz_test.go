package letters

import (
	"io/fs"
	"strings"
	"testing"

	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// FuzzParseModule feeds the module parser arbitrary files, starting from
// every built-in module: no panic, and a file it accepts yields a module
// with a code, a title and a body, that parses again to the same code.
//
//	go test -run '^$' -fuzz FuzzParseModule -fuzztime 1m ./app/internal/letters
func FuzzParseModule(f *testing.F) {
	files, err := fs.Glob(lettertpl.FS, "*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no module files: %v", err)
	}
	for _, name := range files {
		data, err := fs.ReadFile(lettertpl.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, data)
	}
	f.Add("x.yaml", []byte("code: x\n"))
	f.Add("x.yaml", []byte("code: &a [*a]\n"))
	f.Add("x.yaml", []byte("a: &a [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"))
	f.Add("x.yaml", []byte("\t- : :"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if !strings.HasSuffix(name, ".yaml") {
			name += ".yaml"
		}
		m, err := ParseModule(name, data)
		if err != nil {
			return
		}
		if m.Code == "" || m.Title == "" {
			t.Fatalf("accepted a module without code or title: %+v", m)
		}
		again, err := ParseModule(name, data)
		if err != nil || again.Code != m.Code {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}
