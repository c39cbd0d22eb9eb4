package web

import (
	"bytes"
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// withVerifyStorage gives the verification fixture a storage directory
// shared by the server and its issuance service, so that a logo uploaded
// on the settings page is the one the public page shows.
func withVerifyStorage(t *testing.T) envOption {
	dir := t.TempDir()
	return func(d *Deps) {
		d.Config.Storage = dir
		d.Issuance = testIssuance(t, d, dir)
	}
}

// TestVerifyPageIdentityAndGuide reads the verification page as a teller
// and as a chat preview would: the issuing village and kabupaten with the
// village logo in the header, a title and Open Graph tags naming the
// letter type and the village (nothing personal), the guide above the
// facts, technical details under their own heading, the check time for the
// printed receipt.
func TestVerifyPageIdentityAndGuide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b, withVerifyStorage(t))
		e := f.e
		l := f.sign(t)
		code := *l.VerifyCode

		// Without a logo the header has none, and the logo route is 404.
		page := e.do("GET", "/v/"+code, nil, nil).Body.String()
		if strings.Contains(page, "/logo") {
			t.Error("a logo is shown for a village without one")
		}
		if rec := e.do("GET", "/desa/"+f.village.Code+"/logo", nil, nil); rec.Code != http.StatusNotFound {
			t.Errorf("logo of a village without one = %d", rec.Code)
		}

		e.user(f.village, "admindesa", surat.RoleAdminDesa)
		br := e.browser()
		br.login("admindesa")
		if r := uploadLogo(t, br, br.csrf("/pengaturan/logo"), "lambang.png", pngOf(t, 120, 120)); r.Code != http.StatusSeeOther {
			t.Fatalf("logo upload = %d", r.Code)
		}
		// The page caches the village for a minute.
		e.clock.Advance(time.Minute + time.Second)
		rec := e.do("GET", "/v/"+code, nil, nil)
		page = rec.Body.String()
		if got := textByID(t, page, "issuer"); !strings.Contains(got, "Desa Sumberejo") || !strings.Contains(got, "Kabupaten Blitar") {
			t.Errorf("header %q does not name village and kabupaten", got)
		}
		m := regexp.MustCompile(`<img src="(/desa/3505122001/logo\?v=[0-9a-f]{12})"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no versioned logo in the header: %.600s", page)
		}
		logo := e.do("GET", m[1], nil, nil)
		if logo.Code != http.StatusOK || logo.Header().Get("Content-Type") != "image/png" ||
			!strings.Contains(logo.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s = %d %s %q", m[1], logo.Code, logo.Header().Get("Content-Type"), logo.Header().Get("Cache-Control"))
		}
		if _, err := png.Decode(bytes.NewReader(logo.Body.Bytes())); err != nil {
			t.Errorf("logo is not a PNG: %v", err)
		}
		if rec := e.do("GET", "/desa/"+f.village.Code+"/logo", nil, nil); rec.Code != http.StatusOK ||
			rec.Header().Get("Cache-Control") != "public, max-age=86400" {
			t.Errorf("unversioned logo = %d %q", rec.Code, rec.Header().Get("Cache-Control"))
		}
		if rec := e.do("GET", "/desa/9999999999/logo", nil, nil); rec.Code != http.StatusNotFound {
			t.Errorf("logo of an unknown village = %d", rec.Code)
		}

		// Title and Open Graph: the letter type and the village.
		title := "Verifikasi Surat Keterangan Domisili — Desa Sumberejo"
		if got := textOf(t, page, "title"); got != title+" · suratdesa" {
			t.Errorf("title %q", got)
		}
		og := map[string]string{
			"og:title":       title,
			"og:description": "Periksa keaslian Surat Keterangan Domisili yang diterbitkan Desa Sumberejo, Kabupaten Blitar.",
			"og:url":         "http://localhost:8080/v/" + code,
			"og:image":       "http://localhost:8080" + m[1],
		}
		for prop, want := range og {
			if got := attr(t, page, "meta", "property", prop, "content"); got != want {
				t.Errorf("%s = %q, want %q", prop, got, want)
			}
		}
		head := page[:strings.Index(page, "</head>")]
		for _, s := range []string{"S****", vfNIK, "Sulastri", l.NumberString()} {
			if strings.Contains(head, s) {
				t.Errorf("the page head (shown in link previews) holds %q", s)
			}
		}

		// The guide comes before the facts, the technical details after
		// the paper match, under their own heading.
		order := []string{`id="status"`, `id="guide"`, "<h1>", `id="number"`, `id="cocokkan"`, `id="expert-title"`,
			`id="uncertified"`, `id="cert-serial"`, `id="periksa"`}
		last := -1
		for _, s := range order {
			i := strings.Index(page, s)
			if i < 0 || i < last {
				t.Errorf("%s is missing or out of order", s)
			}
			last = i
		}
		if got := textByID(t, page, "guide-means"); !strings.Contains(got, "ASLI") || !strings.Contains(got, "Desa Sumberejo") {
			t.Errorf("what ASLI means: %q", got)
		}
		if got := textByID(t, page, "guide-not-proof"); !strings.Contains(got, "kertas") {
			t.Errorf("what ASLI does not prove: %q", got)
		}
		if got := textByID(t, page, "uncertified"); !strings.Contains(got, "tidak tersertifikasi") || !strings.Contains(got, "tetap sah") {
			t.Errorf("the sentence on the uncertified signature: %q", got)
		}
		if got := textByID(t, page, "checked"); !strings.HasPrefix(got, "Diperiksa pada ") || !strings.Contains(got, "WIB") {
			t.Errorf("check time on the receipt: %q", got)
		}
		if strings.Contains(page, "<script") {
			t.Error("the public page needs no JavaScript")
		}

		// A revoked letter: no guide to compare, no match form.
		if _, err := f.iss.Revoke(t.Context(), f.signer, f.village.ID, l.ID, surat.Revocation{Reason: surat.ReasonDataError}); err != nil {
			t.Fatal(err)
		}
		page = e.do("GET", "/v/"+code, nil, nil).Body.String()
		if strings.Contains(page, `id="guide"`) || strings.Contains(page, "/cocokkan") {
			t.Error("a revoked letter's page still guides to compare or match")
		}
	})
}

// textOf is the text of the first element with that tag name.
func textOf(t *testing.T, doc, tag string) string {
	t.Helper()
	n := findNode(t, doc, func(n *html.Node) bool { return n.Data == tag })
	if n == nil || n.FirstChild == nil {
		return ""
	}
	return strings.TrimSpace(n.FirstChild.Data)
}
