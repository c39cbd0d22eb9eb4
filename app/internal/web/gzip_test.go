package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestVerifyPageGzip fetches the verification page as a phone browser does
// (Accept-Encoding: gzip) and as a client that does not compress: the
// compressed page is smaller, decompresses (with the standard library's
// reader, not the writer's) to the page the other client gets, and says so
// in its headers; a client that refuses gzip with q=0 gets plain HTML.
func TestVerifyPageGzip(t *testing.T) {
	f := newVerifyFixture(t, storetest.SQLite)
	e := f.e
	l := f.sign(t)
	path := "/v/" + *l.VerifyCode
	plain := e.do("GET", path, nil, nil)
	if plain.Code != http.StatusOK || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("plain page: %d, Content-Encoding %q", plain.Code, plain.Header().Get("Content-Encoding"))
	}
	zipped := e.do("GET", path, nil, http.Header{"Accept-Encoding": {"gzip, deflate, br, zstd"}})
	if zipped.Code != http.StatusOK || zipped.Header().Get("Content-Encoding") != "gzip" ||
		zipped.Header().Get("Vary") != "Accept-Encoding" || zipped.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("gzip page: %d, headers %v", zipped.Code, zipped.Header())
	}
	if zipped.Body.Len() >= plain.Body.Len()/2 {
		t.Errorf("compressed page %d bytes, plain %d", zipped.Body.Len(), plain.Body.Len())
	}
	got := gunzip(t, zipped.Body)
	// The pages differ only in the minute of "Diperiksa pada".
	cut := func(s string) string { a, _, _ := strings.Cut(s, `id="checked"`); return a }
	if cut(string(got)) != cut(plain.Body.String()) || !strings.Contains(string(got), `id="status">ASLI<`) {
		t.Errorf("decompressed page differs from the plain one")
	}
	refused := e.do("GET", path, nil, http.Header{"Accept-Encoding": {"gzip;q=0, identity"}})
	if refused.Header().Get("Content-Encoding") != "" || !strings.Contains(refused.Body.String(), "ASLI") {
		t.Errorf("gzip;q=0 got Content-Encoding %q", refused.Header().Get("Content-Encoding"))
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                           false,
		"gzip":                       true,
		"GZIP":                       true,
		"deflate, gzip;q=1.0, br":    true,
		"gzip;q=0":                   false,
		"gzip; q=0.000":              false,
		"gzip;q=0.5":                 true,
		"br, zstd":                   false,
		"*":                          true,
		"*;q=0":                      false,
		"gzip;q=0, *":                false,
		"identity":                   false,
		"x-gzip-ish, deflate":        false,
		"deflate;q=0.5, *;q=0.1":     true,
		"gzip;q=notanumber, deflate": true,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// TestStaticGzip fetches the style sheet as a phone browser does: it comes
// compressed, decompresses to the file the page links, and a client
// without gzip gets the file as it is.
func TestStaticGzip(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	page := e.do("GET", "/login", nil, nil).Body.String()
	i := strings.Index(page, "/static/")
	if i < 0 {
		t.Fatal("login page links no static file")
	}
	href := page[i : i+strings.Index(page[i:], `"`)]
	if !strings.HasSuffix(href, "/style.css") {
		t.Fatalf("first static link %q is not the style sheet", href)
	}
	plain := e.do("GET", href, nil, nil)
	zipped := e.do("GET", href, nil, http.Header{"Accept-Encoding": {"gzip"}})
	if plain.Code != http.StatusOK || zipped.Code != http.StatusOK || plain.Header().Get("Content-Encoding") != "" ||
		zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Header().Get("Cache-Control") != plain.Header().Get("Cache-Control") {
		t.Fatalf("style sheet: %d %v / %d %v", plain.Code, plain.Header(), zipped.Code, zipped.Header())
	}
	got := gunzip(t, zipped.Body)
	if string(got) != plain.Body.String() || zipped.Body.Len() > plain.Body.Len()/3 {
		t.Errorf("compressed style sheet: %d bytes for %d, equal after decompressing: %v",
			zipped.Body.Len(), plain.Body.Len(), string(got) == plain.Body.String())
	}
}

// gunzip decompresses a response body with the standard library's reader.
func gunzip(t *testing.T, body io.Reader) []byte {
	t.Helper()
	zr, err := gzip.NewReader(body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
