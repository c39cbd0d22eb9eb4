package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// files holds the HTML templates and the static assets.
//
//go:embed templates static
var files embed.FS

// requiredPages are pages the server itself renders outside any handler's
// own template (errors, login). Every file in templates/pages is a page named
// after the file; New fails when a required one is missing, so a missing file
// is a start-up error rather than a 500 at the first visit.
var requiredPages = []string{"login", "setup", "dashboard", "error"}

// pageTemplate is one page's own template set: the layout, the partials and
// the page's "content" block. Sets are separate so that two pages defining
// "content" cannot overwrite each other. A page is parsed on its first
// use, not at start-up: the pages are most of the templates, embedded in
// the binary and so parsed by the tests before any release
// (TestEveryPageParsesAsAWhole), and most server processes use a few of
// them.
type pageTemplate struct {
	file string
	base *template.Template // the layout and the partials, cloned for the page
	once sync.Once
	t    *template.Template
	err  error
}

// parsed returns the page's template set, parsing it on the first call;
// concurrent first callers wait for the one parse.
func (p *pageTemplate) parsed() (*template.Template, error) {
	p.once.Do(func() { p.t, p.err = parsePage(p.base, p.file) })
	return p.t, p.err
}

// basePage is what the layout needs; every page struct embeds it.
type basePage struct {
	Title string
	// User is the signed-in user, nil on public pages.
	User *surat.User
	// CSRFToken goes into a hidden csrf_token field of every POST form.
	CSRFToken string
	// Flash is a one-time notice carried over a redirect.
	Flash string
	Nav   []navItem
}

// navItem is one entry of the main menu.
type navItem struct {
	Label, Href string
	Active      bool
	// Count is the number of things waiting there (a signer's letters),
	// shown beside the label; 0 shows nothing.
	Count int
}

// errorPage is the page of every HTML error.
type errorPage struct {
	basePage
	Status    int
	Message   string
	Details   []string
	RequestID string
}

// fieldView is one labelled form input with its error, rendered by the
// "field" partial.
type fieldView struct {
	Name, Label, Type, Value, Error string
	Hint, Autocomplete, List        string
	Required, Autofocus             bool
}

// field builds a fieldView for the "field" partial. opts are key=value
// pairs: type, hint, autocomplete, list, and the bare words required and
// autofocus.
func field(name, label, value string, errs map[string]string, opts ...string) (fieldView, error) {
	f := fieldView{Name: name, Label: label, Type: "text", Value: value, Error: errs[name]}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "type":
			f.Type = v
		case "hint":
			f.Hint = v
		case "autocomplete":
			f.Autocomplete = v
		case "list":
			f.List = v
		case "required":
			f.Required = true
		case "autofocus":
			f.Autofocus = true
		default:
			return f, fmt.Errorf("field %s: unknown option %q", name, o)
		}
	}
	if f.Type == "password" {
		f.Value = "" // a password is never sent back to the browser
	}
	return f, nil
}

// assetSet is the embedded static files with their content hashes, served
// under /static/<hash>/<name> so that they can be cached for a year and a
// changed file gets a new URL.
type assetSet struct {
	byName map[string]asset
}

type asset struct {
	hash        string
	contentType string
	body        []byte
}

func loadAssets() (*assetSet, error) {
	set := &assetSet{byName: map[string]asset{}}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		set.byName[strings.TrimPrefix(p, "static/")] = asset{hash: hex.EncodeToString(sum[:])[:12], contentType: ct, body: b}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return set, nil
}

// url is the cache-busting path of a static file; it fails for a file that
// does not exist, so a typo in a template fails at start-up.
func (a *assetSet) url(name string) (string, error) {
	f, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + f.hash + "/" + name, nil
}

// templateFuncs are the functions the templates may call. statement is
// the constant sentence of what a signature proves, a function rather than
// a value of the page so that the verification page's skeleton holds it
// (skeleton.go).
func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{"asset": s.assets.url, "field": field, "scopeLabel": scopeLabel,
		"inc": func(i int) int { return i + 1 }, "statement": func() string { return verify.Statement }}
}

// parsePages parses the layout and the partials, once, and returns every
// page of templates/pages, to be parsed on first use into a clone of them
// (html/template's Clone copies the parse trees, so escaping one page's
// set leaves the others alone).
func (s *Server) parsePages() (map[string]*pageTemplate, error) {
	funcs := s.templateFuncs()
	partials, err := fs.Glob(files, "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	pageFiles, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	// Named after the first file, so the layout is parsed into it and a
	// page's set holds the same templates as parsing the layout, the
	// partials and the page into template.New(page) together.
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(files, append([]string{"templates/layout.html"}, partials...)...)
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	pages := make(map[string]*pageTemplate, len(pageFiles))
	for _, file := range pageFiles {
		pages[strings.TrimSuffix(path.Base(file), ".html")] = &pageTemplate{file: file, base: base}
	}
	for _, name := range requiredPages {
		if pages[name] == nil {
			return nil, fmt.Errorf("web: no template for page %s", name)
		}
	}
	return pages, nil
}

// parsePage parses the page in file into a clone of base (the layout and
// the partials). The template returned is named after the page, as parsing
// layout, partials and page together into template.New(page) names it.
func parsePage(base *template.Template, file string) (*template.Template, error) {
	name := strings.TrimSuffix(path.Base(file), ".html")
	set, err := base.Clone()
	if err != nil {
		return nil, fmt.Errorf("web: template %s: %w", name, err)
	}
	t, err := set.New(name).ParseFS(files, file)
	if err != nil {
		return nil, fmt.Errorf("web: template %s: %w", name, err)
	}
	if t.Lookup("content") == nil {
		return nil, fmt.Errorf("web: template %s defines no content block", name)
	}
	return t, nil
}

// execute renders page name into a buffer, so a failing template never
// writes half a page.
func (s *Server) execute(name string, data any) ([]byte, error) {
	p, ok := s.pages[name]
	if !ok {
		return nil, fmt.Errorf("web: no page %q", name)
	}
	t, err := p.parsed()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, fmt.Errorf("web: render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// render writes page name with status, or the fallback 500 page when the
// template fails.
func (s *Server) render(c *gin.Context, status int, name string, data any) {
	b, err := s.execute(name, data)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "render failed", "page", name, "err", err)
		status, b = http.StatusInternalServerError, s.fallback
	}
	c.Data(status, "text/html; charset=utf-8", b)
}

// renderFallback pre-renders the plain 500 page used when rendering fails.
func (s *Server) renderFallback() ([]byte, error) {
	p := classify(fmt.Errorf("fallback"), s.now())
	return s.execute("error", errorPage{basePage: basePage{Title: errorTitle(p.Status)}, Status: p.Status, Message: p.Message})
}

// base fills the layout data for the current request.
func (s *Server) base(c *gin.Context, title string) basePage {
	b := basePage{Title: title, Flash: s.takeFlash(c)}
	if u := currentUser(c); u != nil {
		b.User = u
		b.Nav = navFor(u.Role, c.Request.URL.Path)
		if n := s.signerQueueCount(c, u); n > 0 {
			for i := range b.Nav {
				if b.Nav[i].Href == "/persetujuan" {
					b.Nav[i].Count = n
				}
			}
		}
	}
	if sess := currentSession(c); sess != nil {
		b.CSRFToken = sess.CSRFToken
	}
	return b
}

// navFor is the main menu for a role, with the current page marked. It
// lists only pages that exist; the clerk pages of later issues add their
// entries here, each behind the roles that may use it.
func navFor(role surat.Role, current string) []navItem {
	items := []navItem{{Label: "Dasbor", Href: "/dashboard"}}
	switch role {
	case surat.RoleAdminDesa, surat.RoleOperator, surat.RoleSigner:
		items = append(items, navItem{Label: "Surat", Href: "/surat"})
	}
	if role == surat.RoleSigner {
		items = append(items, navItem{Label: "Persetujuan", Href: "/persetujuan"},
			navItem{Label: "Sertifikat saya", Href: "/sertifikat-saya"})
	}
	switch role {
	case surat.RoleAdminDesa, surat.RoleOperator, surat.RoleSigner:
		items = append(items, navItem{Label: "Penduduk", Href: "/penduduk"}, navItem{Label: "Keluarga", Href: "/keluarga"},
			navItem{Label: "Permohonan", Href: "/permohonan"})
	}
	switch role {
	case surat.RoleAdminDesa:
		items = append(items, navItem{Label: "Pengaturan", Href: "/pengaturan"}, navItem{Label: "Audit", Href: "/audit"})
	case surat.RoleAdminKabupaten:
		items = append(items, navItem{Label: "Desa", Href: "/kabupaten/desa"},
			navItem{Label: "Rekap", Href: "/kabupaten/rekap"}, navItem{Label: "Templat surat", Href: "/kabupaten/surat"},
			navItem{Label: "Kunci API", Href: "/kabupaten/kunci-api"},
			navItem{Label: "Sertifikat", Href: "/kabupaten/sertifikat"},
			navItem{Label: "Audit", Href: "/audit"})
	}
	for i := range items {
		items[i].Active = items[i].Href == current || strings.HasPrefix(current, items[i].Href+"/")
	}
	return items
}
