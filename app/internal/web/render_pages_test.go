package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
)

// pageSet is page name's parsed template set on srv, or a failed test.
func pageSet(t testing.TB, srv *Server, name string) *template.Template {
	t.Helper()
	p, ok := srv.pages[name]
	if !ok {
		t.Fatalf("no page %q", name)
	}
	set, err := p.parsed()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestEveryPageParsesAsAWhole: every page parses (the server parses a page
// only when it is first used), and its set, a clone of the layout and the
// partials parsed once with the page added, holds the same templates with
// the same parse trees as parsing the layout, the partials and the page
// together.
func TestEveryPageParsesAsAWhole(t *testing.T) {
	assets, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{assets: assets}
	pages, err := s.parsePages()
	if err != nil {
		t.Fatal(err)
	}
	funcs := s.templateFuncs()
	partials, err := fs.Glob(files, "templates/partials/*.html")
	if err != nil {
		t.Fatal(err)
	}
	pageFiles, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != len(pageFiles) || len(pageFiles) < len(requiredPages) {
		t.Fatalf("%d pages for %d files", len(pages), len(pageFiles))
	}
	for _, file := range pageFiles {
		name := strings.TrimSuffix(path.Base(file), ".html")
		patterns := append([]string{"templates/layout.html"}, partials...)
		whole, err := template.New(name).Funcs(funcs).ParseFS(files, append(patterns, file)...)
		if err != nil {
			t.Fatal(err)
		}
		set, err := pages[name].parsed()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got, want := trees(set), trees(whole)
		if set.Name() != name || !slices.Equal(names(got), names(want)) {
			t.Errorf("%s: root %q, templates %q; want %q, %q", name, set.Name(), names(got), name, names(want))
			continue
		}
		for n, tree := range want {
			if got[n] != tree {
				t.Errorf("%s: template %q differs:\n%s\nwant\n%s", name, n, got[n], tree)
			}
		}
	}
}

// TestConcurrentFirstUseOfPages executes every page from four goroutines
// at once on pages no one has used yet: each page is parsed once, the
// clones of the shared layout and partials do not disturb each other, and
// every goroutine gets the same bytes. CI runs it under -race.
func TestConcurrentFirstUseOfPages(t *testing.T) {
	assets, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{assets: assets}
	if s.pages, err = s.parsePages(); err != nil {
		t.Fatal(err)
	}
	// Empty data renders most pages whole (a missing key prints nothing);
	// the others fail on a value they need, the same way every time.
	type result struct {
		out []byte
		err string
	}
	var mu sync.Mutex
	first := map[string]result{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			<-start
			for name := range s.pages {
				out, err := s.execute(name, map[string]any{})
				r := result{out: out}
				if err != nil {
					r.err = err.Error()
				}
				mu.Lock()
				if prev, ok := first[name]; !ok {
					first[name] = r
				} else if !bytes.Equal(prev.out, r.out) || prev.err != r.err {
					t.Errorf("%s: executions differ: %q %q / %q %q", name, prev.out, prev.err, r.out, r.err)
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	whole := 0
	for _, r := range first {
		if r.err == "" && bytes.Contains(r.out, []byte("</html>")) {
			whole++
		}
	}
	if r := first["dashboard"]; r.err != "" || whole < len(first)/2 {
		t.Errorf("%d of %d pages rendered whole; dashboard: %q", whole, len(first), r.err)
	}
	for name, p := range s.pages {
		if _, err := p.parsed(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// trees maps every template of t's set to its parse tree as text ("" for
// one without a tree).
func trees(t *template.Template) map[string]string {
	out := map[string]string{}
	for _, x := range t.Templates() {
		out[x.Name()] = ""
		if x.Tree != nil && x.Tree.Root != nil {
			out[x.Name()] = x.Tree.Root.String()
		}
	}
	return out
}

func names(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// BenchmarkParsePages is the start-up cost of the page templates: the
// layout and the partials (the pages are parsed on first use).
func BenchmarkParsePages(b *testing.B) {
	assets, err := loadAssets()
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{assets: assets}
	for b.Loop() {
		if _, err := s.parsePages(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseEveryPage is the cost of parsing every page, which the
// server spreads over the pages' first uses.
func BenchmarkParseEveryPage(b *testing.B) {
	assets, err := loadAssets()
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{assets: assets}
	for b.Loop() {
		pages, err := s.parsePages()
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range pages {
			if _, err := p.parsed(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
