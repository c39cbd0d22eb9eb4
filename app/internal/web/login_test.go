package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

const wrongCredentials = "Nama pengguna atau kata sandi salah."

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		e.disabledUser(v, "lama")

		tests := []struct {
			name, username, password string
			wantStatus               int
			wantLocation             string
			wantError                string            // the form-level message
			wantFields               map[string]string // field messages
			wantUsernameKept         string
		}{
			{name: "success", username: "operator", password: testPassword,
				wantStatus: http.StatusSeeOther, wantLocation: "/dashboard"},
			{name: "username typed in capitals", username: "  Operator ", password: testPassword,
				wantStatus: http.StatusSeeOther, wantLocation: "/dashboard"},
			{name: "wrong password", username: "operator", password: "salah-sekali",
				wantStatus: http.StatusUnprocessableEntity, wantError: wrongCredentials, wantUsernameKept: "operator"},
			{name: "unknown user", username: "siapa", password: testPassword,
				wantStatus: http.StatusUnprocessableEntity, wantError: wrongCredentials, wantUsernameKept: "siapa"},
			{name: "disabled user", username: "lama", password: testPassword,
				wantStatus: http.StatusUnprocessableEntity, wantError: wrongCredentials},
			{name: "empty fields", wantStatus: http.StatusUnprocessableEntity,
				wantFields: map[string]string{"username": "Nama pengguna wajib diisi", "password": "Kata sandi wajib diisi"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				br := e.browser()
				r := br.post("/login", url.Values{"username": {tt.username}, "password": {tt.password},
					csrfField: {br.csrf("/login")}})
				if r.Code != tt.wantStatus {
					t.Fatalf("POST /login = %d, want %d", r.Code, tt.wantStatus)
				}
				if got := r.Header.Get("Location"); got != tt.wantLocation {
					t.Errorf("Location = %q, want %q", got, tt.wantLocation)
				}
				if got := textByID(t, r.Body, "form-error"); got != tt.wantError {
					t.Errorf("form error = %q, want %q", got, tt.wantError)
				}
				for f, want := range tt.wantFields {
					if got := textByID(t, r.Body, "e-"+f); got != want {
						t.Errorf("field %s error = %q, want %q", f, got, want)
					}
				}
				if tt.wantUsernameKept != "" {
					if got := attr(t, r.Body, "input", "name", "username", "value"); got != tt.wantUsernameKept {
						t.Errorf("username kept = %q, want %q", got, tt.wantUsernameKept)
					}
					if got := attr(t, r.Body, "input", "name", "password", "value"); got != "" {
						t.Errorf("password sent back to the browser: %q", got)
					}
				}
				if tt.wantLocation == "/dashboard" {
					d := br.get("/dashboard")
					if d.Code != http.StatusOK {
						t.Fatalf("GET /dashboard after login = %d", d.Code)
					}
				}
			})
		}
	})
}

func TestLoginLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		br := e.browser()
		attempt := func(password string) response {
			return br.post("/login", url.Values{"username": {"operator"}, "password": {password},
				csrfField: {br.csrf("/login")}})
		}
		for i := 1; i <= 4; i++ {
			if r := attempt("salah"); r.Code != http.StatusUnprocessableEntity {
				t.Fatalf("failure %d: got %d, want 422", i, r.Code)
			}
		}
		r := attempt("salah")
		if r.Code != http.StatusTooManyRequests {
			t.Fatalf("fifth failure: got %d, want 429", r.Code)
		}
		if got := textByID(t, r.Body, "form-error"); !strings.HasPrefix(got, "Akun dikunci sementara") {
			t.Errorf("lock message = %q", got)
		}
		if r.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After header")
		}
		// The right password does not open a locked account...
		if r := attempt(testPassword); r.Code != http.StatusTooManyRequests {
			t.Fatalf("correct password while locked: got %d, want 429", r.Code)
		}
		// ...nor does the API from the same address...
		if rec := e.apiFrom("127.0.0.1", "POST", "/api/v1/auth/token", map[string]string{"username": "operator",
			"password": testPassword}); rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), `"account_locked"`) {
			t.Fatalf("token while locked: %d %s", rec.Code, rec.Body)
		}
		// ...but the lock is of this client only: from another address the
		// account opens, so guesses cannot lock the owner out.
		if rec := e.api("POST", "/api/v1/auth/token", "", map[string]string{"username": "operator",
			"password": testPassword}); rec.Code != http.StatusOK {
			t.Fatalf("token from another address: %d %s", rec.Code, rec.Body)
		}
		// Fifteen minutes later it opens again.
		e.clock.Advance(lockoutDuration + time.Second)
		if r := attempt(testPassword); r.Code != http.StatusSeeOther {
			t.Fatalf("after the lock: got %d, want 303", r.Code)
		}
	})
}

func TestSessionCookie(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		for _, tt := range []struct {
			baseURL    string
			wantSecure bool
		}{
			{"http://localhost:8080", false},
			{"https://surat.blitarkab.go.id", true},
		} {
			t.Run(tt.baseURL, func(t *testing.T) {
				e := newEnv(t, b, withBaseURL(tt.baseURL))
				v := e.village("3505122001", "Sumberejo")
				e.user(v, "admin", surat.RoleAdminDesa)

				// Fetch the form to get the pre-login CSRF cookie and token.
				form := e.do("GET", "/login", nil, nil)
				pre := cookie(form.Header(), e.srv.cookieName(csrfCookie))
				if pre == nil {
					t.Fatal("no CSRF cookie on the login form")
				}
				tok := attr(t, form.Body.String(), "input", "name", csrfField, "value")
				body := url.Values{"username": {"admin"}, "password": {testPassword}, csrfField: {tok}}.Encode()
				rec := e.do("POST", "/login", strings.NewReader(body), http.Header{
					"Content-Type": {"application/x-www-form-urlencoded"},
					"Cookie":       {pre.Name + "=" + pre.Value}})
				if rec.Code != http.StatusSeeOther {
					t.Fatalf("login = %d", rec.Code)
				}
				c := cookie(rec.Header(), e.srv.cookieName(sessionCookie))
				if c == nil {
					t.Fatal("no session cookie")
				}
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tt.wantSecure || c.Path != "/" {
					t.Errorf("cookie HttpOnly=%v SameSite=%v Secure=%v Path=%q, want true Lax %v /",
						c.HttpOnly, c.SameSite, c.Secure, c.Path, tt.wantSecure)
				}
				// The cookie outlives the session by the time a form typed
				// when it ran out may still be kept (the server refuses the
				// expired session itself).
				if want := int((webSessionTTL + store.SignedOutStashSessionAge).Seconds()); c.MaxAge != want {
					t.Errorf("MaxAge = %d, want %d", c.MaxAge, want)
				}
				// The database holds the token's hash, never the token.
				if _, _, err := e.st.SessionUser(context.Background(), c.Value, sessionKindWeb); err == nil {
					t.Error("session found by the raw token: the token is stored in clear")
				}
				sess, u, err := e.st.SessionUser(context.Background(), auth.TokenHash(c.Value), sessionKindWeb)
				if err != nil || u.Username != "admin" {
					t.Fatalf("session by hash: %v", err)
				}
				if want := e.clock.Now().Add(webSessionTTL); !sess.ExpiresAt.Equal(want) {
					t.Errorf("expires %v, want %v", sess.ExpiresAt, want)
				}
				if got := rec.Header().Get("Strict-Transport-Security") != ""; got != tt.wantSecure {
					t.Errorf("HSTS present = %v, want %v", got, tt.wantSecure)
				}
			})
		}
	})
}

func TestSessionRotationAndLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "admin", surat.RoleAdminDesa)
		br := e.browser()
		br.login("admin")
		first := br.sessionToken()

		// A login from a browser that still holds a session replaces it, so
		// a session id planted before login is worthless after it.
		form := e.do("GET", "/login", nil, nil)
		pre := cookie(form.Header(), csrfCookie)
		body := url.Values{"username": {"admin"}, "password": {testPassword},
			csrfField: {attr(t, form.Body.String(), "input", "name", csrfField, "value")}}.Encode()
		rec := e.do("POST", "/login", strings.NewReader(body), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"},
			"Cookie":       {pre.Name + "=" + pre.Value + "; " + sessionCookie + "=" + first}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("second login = %d", rec.Code)
		}
		if c := cookie(rec.Header(), sessionCookie); c == nil || c.Value == first {
			t.Fatal("login kept the old session token")
		}
		if _, _, err := e.st.SessionUser(context.Background(), auth.TokenHash(first), sessionKindWeb); err == nil {
			t.Error("old session still valid after a new login")
		}

		br = e.browser()
		br.login("admin")
		second := br.sessionToken()
		// Logout needs the session's CSRF token.
		dash := br.get("/dashboard")
		tok := attr(t, dash.Body, "input", "name", csrfField, "value")
		if r := br.post("/logout", url.Values{}); r.Code != http.StatusForbidden {
			t.Fatalf("logout without token = %d, want 403", r.Code)
		}
		r := br.post("/logout", url.Values{csrfField: {tok}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("logout = %d to %q", r.Code, r.Header.Get("Location"))
		}
		if _, _, err := e.st.SessionUser(context.Background(), auth.TokenHash(second), sessionKindWeb); err == nil {
			t.Error("session still valid after logout")
		}
		if r := br.get("/login"); !strings.Contains(r.Body, "Anda telah keluar.") {
			t.Errorf("no logout notice on the login page")
		}
		if r := br.get("/dashboard"); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("dashboard after logout = %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
		}
		// Logging out again, with no session, just goes to the login page.
		if r := br.post("/logout", url.Values{}); r.Code != http.StatusSeeOther {
			t.Errorf("second logout = %d, want 303", r.Code)
		}
	})
}

func TestCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "admin", surat.RoleAdminDesa)
		const want = "Formulir ini sudah kedaluwarsa atau tidak berasal dari halaman kami. Muat ulang halaman, lalu kirim lagi."
		tests := []struct {
			name  string
			token func(br *browser) string
		}{
			{"missing", func(*browser) string { return "" }},
			{"wrong", func(*browser) string { return "bukan-token" }},
			{"another browser's", func(*browser) string { return e.browser().csrf("/login") }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				br := e.browser()
				br.csrf("/login") // the browser has its own CSRF cookie
				form := url.Values{"username": {"admin"}, "password": {testPassword}}
				if tok := tt.token(br); tok != "" {
					form.Set(csrfField, tok)
				}
				r := br.post("/login", form)
				if r.Code != http.StatusForbidden {
					t.Fatalf("POST /login = %d, want 403", r.Code)
				}
				if got := textByID(t, r.Body, "error-message"); got != want {
					t.Errorf("message = %q, want %q", got, want)
				}
				if cookie(r.Header, sessionCookie) != nil {
					t.Error("a session was started despite the CSRF failure")
				}
			})
		}
	})
}

func TestHomeAndDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		a := e.village("3505122001", "Sumberejo")
		e.village("3505122002", "Kalipang")
		e.user(a, "admin", surat.RoleAdminDesa)
		e.user(nil, "kabupaten", surat.RoleAdminKabupaten)
		e.resident(a, "3505121501800001", "Budi Santoso")

		anon := e.browser()
		if r := anon.get("/"); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("GET / anonymous = %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
		}
		if r := anon.get("/dashboard"); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("GET /dashboard anonymous = %d to %q", r.Code, r.Header.Get("Location"))
		}

		br := e.browser()
		br.login("admin")
		if r := br.get("/"); r.Header.Get("Location") != "/dashboard" {
			t.Errorf("GET / signed in goes to %q", r.Header.Get("Location"))
		}
		if r := br.get("/login"); r.Header.Get("Location") != "/dashboard" {
			t.Errorf("GET /login signed in goes to %q", r.Header.Get("Location"))
		}
		d := br.get("/dashboard")
		for id, want := range map[string]string{
			"village":          "Desa Sumberejo, Kecamatan Sanankulon, Kabupaten Blitar",
			"count-alive":      "1",
			"count-residents":  "1",
			"count-households": "1",
		} {
			if got := textByID(t, d.Body, id); got != want {
				t.Errorf("dashboard #%s = %q, want %q", id, got, want)
			}
		}
		if !strings.Contains(d.Body, "Admin Desa") || !strings.Contains(d.Body, "Selamat datang, Pengguna admin") {
			t.Error("dashboard lacks the role label or welcome")
		}
		if got := attr(t, d.Body, "a", "aria-current", "page", "href"); got != "/dashboard" {
			t.Errorf("current nav item = %q, want /dashboard", got)
		}

		kab := e.browser()
		kab.login("kabupaten")
		d = kab.get("/dashboard")
		if got := textByID(t, d.Body, "villages"); !strings.Contains(got, "Kalipang") || !strings.Contains(got, "Sumberejo") {
			t.Errorf("kabupaten dashboard villages = %q", got)
		}
	})
}
