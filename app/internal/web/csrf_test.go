package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestCSRFPlantedAnonymousToken replays issue 12's CSRF fixation: an
// attacker loads the login page, plants its CSRF cookie in a signed-in
// admin's browser (from a sibling subdomain, say) and has the browser post
// the page's anonymous token to the form that creates an admin. The token
// opens only the pre-login forms; the authenticated form wants the
// session's own token.
func TestCSRFPlantedAnonymousToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "admin", surat.RoleAdminDesa)

		attacker := e.browser()
		anonTok := attacker.csrf("/login")
		base, err := url.Parse(attacker.base)
		if err != nil {
			t.Fatal(err)
		}
		var seed *http.Cookie
		for _, c := range attacker.c.Jar.Cookies(base) {
			if c.Name == csrfCookie {
				seed = c
			}
		}
		if seed == nil {
			t.Fatal("the login page set no CSRF cookie")
		}

		victim := e.browser()
		preLogin := victim.csrf("/login")
		victim.login("admin")
		if victim.cookieNamed(csrfCookie) != "" {
			t.Error("the pre-login CSRF cookie survived the login")
		}
		victim.c.Jar.SetCookies(base, []*http.Cookie{{Name: csrfCookie, Value: seed.Value, Path: "/"}})
		form := url.Values{"username": {"penyusup"}, "full_name": {"Penyusup"}, "role": {string(surat.RoleAdminDesa)},
			"password": {"Kuat-Sekali-9182"}, "password_confirm": {"Kuat-Sekali-9182"}}
		for name, tok := range map[string]string{"planted anonymous token": anonTok, "pre-login token": preLogin} {
			form.Set(csrfField, tok)
			if r := victim.post("/pengaturan/pengguna", form); r.Code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", name, r.Code)
			}
		}
		if _, err := e.st.UserByUsername(t.Context(), "penyusup"); err == nil {
			t.Fatal("the planted token created an admin")
		}
		// The session's own token does it, so the refusal was the token's.
		form.Set(csrfField, victim.csrf("/pengaturan/pengguna"))
		if r := victim.post("/pengaturan/pengguna", form); r.Code != http.StatusSeeOther {
			t.Fatalf("with the session's token: %d", r.Code)
		}
	})
}

// TestHostPrefixedCookies checks that over HTTPS every cookie carries the
// __Host- prefix (Secure, Path=/, no Domain), so a sibling subdomain
// cannot plant one, and that a session cookie without it is ignored.
func TestHostPrefixedCookies(t *testing.T) {
	e := newEnv(t, storetest.SQLite, withBaseURL("https://surat.example.id"))
	v := e.village("3505122001", "Sumberejo")
	e.user(v, "admin", surat.RoleAdminDesa)
	rec := e.do("GET", "/login", nil, nil)
	var seed *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == hostPrefix+csrfCookie {
			seed = c
		}
	}
	if seed == nil || !seed.Secure || seed.Path != "/" || seed.Domain != "" {
		t.Fatalf("login page cookies %v, want a Secure __Host- CSRF cookie", rec.Header().Values("Set-Cookie"))
	}
	body := rec.Body.String()
	i := strings.Index(body, `name="csrf_token" value="`)
	if i < 0 {
		t.Fatal("no csrf_token in the login page")
	}
	tok := body[i+len(`name="csrf_token" value="`):]
	tok = tok[:strings.IndexByte(tok, '"')]
	form := url.Values{"username": {"admin"}, "password": {testPassword}, csrfField: {tok}}
	// The unprefixed cookie is not the CSRF cookie over HTTPS.
	rec = e.do("POST", "/login", strings.NewReader(form.Encode()), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Cookie": {csrfCookie + "=" + seed.Value}})
	if rec.Code != http.StatusForbidden {
		t.Errorf("login with an unprefixed CSRF cookie: %d, want 403", rec.Code)
	}
	rec = e.do("POST", "/login", strings.NewReader(form.Encode()), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Cookie": {hostPrefix + csrfCookie + "=" + seed.Value}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("login: %d", rec.Code)
	}
	var session *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == hostPrefix+sessionCookie {
			session = c
		}
	}
	if session == nil || !session.Secure || !session.HttpOnly {
		t.Fatalf("login cookies %v, want a Secure HttpOnly __Host- session cookie", rec.Header().Values("Set-Cookie"))
	}
	if rec := e.do("GET", "/dashboard", nil, http.Header{"Cookie": {sessionCookie + "=" + session.Value}}); rec.Code != http.StatusSeeOther {
		t.Errorf("dashboard with the unprefixed session cookie: %d, want a redirect to the login", rec.Code)
	}
	if rec := e.do("GET", "/dashboard", nil, http.Header{"Cookie": {hostPrefix + sessionCookie + "=" + session.Value}}); rec.Code != http.StatusOK {
		t.Errorf("dashboard with the session cookie: %d", rec.Code)
	}
}
