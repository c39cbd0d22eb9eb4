package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestHealthz: /healthz is liveness, 200 while the process serves, even
// with the database gone (readiness is /readyz's job).
func TestHealthz(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rec := e.do("GET", "/healthz", nil, nil)
		if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
			t.Fatalf("GET /healthz = %d %s, want 200 ok", rec.Code, rec.Body)
		}
		if rec := e.do("HEAD", "/healthz", nil, nil); rec.Code != http.StatusOK {
			t.Errorf("HEAD /healthz = %d, want 200", rec.Code)
		}
		if err := e.st.Close(); err != nil {
			t.Fatal(err)
		}
		if rec := e.do("GET", "/healthz", nil, nil); rec.Code != http.StatusOK {
			t.Errorf("GET /healthz with the database closed = %d, want 200 (the process lives)", rec.Code)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, withBaseURL("https://surat.example.id"))
		for _, path := range []string{"/login", "/api/v1/residents", "/healthz", "/tidak-ada"} {
			rec := e.do("GET", path, nil, nil)
			for header, want := range map[string]string{
				"X-Content-Type-Options":    "nosniff",
				"Referrer-Policy":           "same-origin",
				"X-Frame-Options":           "DENY",
				"Strict-Transport-Security": "max-age=31536000",
				"Cache-Control":             "no-store",
			} {
				if got := rec.Header().Get(header); got != want {
					t.Errorf("GET %s: %s = %q, want %q", path, header, got, want)
				}
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") ||
				!strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("GET %s: CSP %q", path, csp)
			}
			if rec.Header().Get("X-Request-ID") == "" {
				t.Errorf("GET %s: no X-Request-ID", path)
			}
		}
	})
}

func TestBodyLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		tok := e.token("operator")
		// A JSON string that goes on past the limit, so the decoder has to
		// read that far before it could find anything wrong.
		big := append([]byte(`{"name":"`), bytes.Repeat([]byte("a"), 11<<20)...)

		tests := []struct {
			name    string
			path    string
			ctype   string
			chunked bool // hide the length, so the limit trips while reading
			json    bool
		}{
			{"api, length declared", "/api/v1/residents", "application/json", false, true},
			{"api, chunked", "/api/v1/residents", "application/json", true, true},
			{"form, length declared", "/login", "application/x-www-form-urlencoded", false, false},
			{"form, chunked", "/login", "application/x-www-form-urlencoded", true, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var body io.Reader = bytes.NewReader(big)
				if tt.chunked {
					body = io.MultiReader(bytes.NewReader(big)) // not a type httptest can measure
				}
				req := httptest.NewRequest("POST", tt.path, body)
				req.Header.Set("Content-Type", tt.ctype)
				req.Header.Set("Authorization", "Bearer "+tok)
				if tt.chunked {
					req.ContentLength = -1
				}
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusRequestEntityTooLarge {
					t.Fatalf("POST %s with 11 MB = %d, want 413", tt.path, rec.Code)
				}
				const msg = "Data yang dikirim terlalu besar (paling besar 10 MB)."
				if tt.json {
					var eb errorBody
					decode(t, rec, &eb)
					if eb.Error != "payload_too_large" || eb.Message != msg {
						t.Errorf("body %+v", eb)
					}
				} else if got := textByID(t, rec.Body.String(), "error-message"); got != msg {
					t.Errorf("page message %q, want %q", got, msg)
				}
			})
		}
	})
}

func TestNotFoundAndMethod(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	rec := e.do("GET", "/tidak-ada", nil, nil)
	if rec.Code != http.StatusNotFound || textByID(t, rec.Body.String(), "error-message") != "Data atau halaman tidak ditemukan." {
		t.Errorf("HTML 404 = %d %s", rec.Code, rec.Body)
	}
	rec = e.do("GET", "/api/v1/tidak-ada", nil, nil)
	var eb errorBody
	decode(t, rec, &eb)
	if rec.Code != http.StatusNotFound || eb.Error != "not_found" {
		t.Errorf("JSON 404 = %d %s", rec.Code, rec.Body)
	}
	rec = e.do("DELETE", "/login", nil, nil)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /login = %d, want 405", rec.Code)
	}
}

func TestStatic(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	page := e.do("GET", "/login", nil, nil).Body.String()
	css := attr(t, page, "link", "rel", "stylesheet", "href")
	if !strings.HasPrefix(css, "/static/") || !strings.HasSuffix(css, "/style.css") {
		t.Fatalf("stylesheet href %q", css)
	}
	rec := e.do("GET", css, nil, nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s = %d %s", css, rec.Code, rec.Header().Get("Content-Type"))
	}
	if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", got)
	}
	if rec := e.do("GET", "/static/000000000000/style.css", nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("stale hash = %d, want 404", rec.Code)
	}
}

// TestAccessLog checks that the access log has what an operator needs and
// nothing it must not: no query string (searches carry NIKs), no tokens, no
// passwords.
func TestAccessLog(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	v := e.village("3505122001", "Sumberejo")
	e.user(v, "operator", surat.RoleOperator)
	tok := e.token("operator")
	const nik = "3505121501800001"
	rec := e.api("GET", "/api/v1/residents?q="+nik, tok, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("search = %d", rec.Code)
	}
	e.api("POST", "/api/v1/residents", tok, budi(nil))
	logs := e.logs.String()
	for _, secret := range []string{nik, tok, testPassword, "3505120101080001"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{"method=GET", "path=/api/v1/residents", "status=200", "duration_ms=",
		"request_id=" + rec.Header().Get("X-Request-ID")} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestRecoverPanic runs the recovery middleware on an engine built here,
// since the real route table has no route that panics.
func TestRecoverPanic(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	eng := gin.New()
	eng.Use(e.srv.requestID(), e.srv.recoverPanic())
	eng.GET("/meledak", func(*gin.Context) { panic("boom") })
	eng.GET("/api/v1/meledak", func(*gin.Context) { panic("boom") })

	rec := httptest.NewRecorder()
	eng.ServeHTTP(rec, httptest.NewRequest("GET", "/meledak", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("HTML panic = %d, want 500", rec.Code)
	}
	if got := textByID(t, rec.Body.String(), "error-message"); !strings.HasPrefix(got, "Terjadi kesalahan pada server") {
		t.Errorf("HTML panic message %q", got)
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Error("the panic value leaked into the page")
	}

	rec = httptest.NewRecorder()
	eng.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/meledak", nil))
	var eb errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || rec.Code != http.StatusInternalServerError ||
		eb.Error != "internal_error" || eb.RequestID == "" {
		t.Errorf("JSON panic = %d %s", rec.Code, rec.Body)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "msg=panic") || !strings.Contains(logs, "boom") {
		t.Errorf("panic not logged:\n%s", logs)
	}
}

// TestInternalErrorsDoNotLeak checks the adapters on an error they do not
// know: a generic message for the caller, the cause in the log.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	eng := gin.New()
	eng.Use(e.srv.requestID())
	cause := io.ErrUnexpectedEOF
	eng.GET("/x", e.srv.page(func(*gin.Context) error { return cause }))
	eng.GET("/api/x", e.srv.api(func(*gin.Context) error { return cause }))
	for _, path := range []string{"/x", "/api/x"} {
		rec := httptest.NewRecorder()
		eng.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), cause.Error()) {
			t.Errorf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
	}
	if !strings.Contains(e.logs.String(), cause.Error()) {
		t.Error("the cause was not logged")
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want int
		code string
	}{
		{surat.ErrNotFound, http.StatusNotFound, "not_found"},
		{surat.ErrForbidden, http.StatusForbidden, "forbidden"},
		{surat.ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
		{surat.ErrConflict, http.StatusConflict, "conflict"},
		{&surat.ValidationError{Fields: map[string]string{"nik": "x"}}, http.StatusUnprocessableEntity, "validation_failed"},
		{&http.MaxBytesError{Limit: 10 << 20}, http.StatusRequestEntityTooLarge, "payload_too_large"},
		{errCSRF, http.StatusForbidden, "csrf_failed"},
		{errInvalidCredentials, http.StatusUnauthorized, "invalid_credentials"},
		{&lockedError{}, http.StatusTooManyRequests, "account_locked"},
		{io.EOF, http.StatusInternalServerError, "internal_error"},
	}
	for _, tt := range tests {
		p := classify(tt.err, time.Now())
		if p.Status != tt.want || p.Code != tt.code || p.Message == "" {
			t.Errorf("classify(%v) = %d %q %q, want %d %q", tt.err, p.Status, p.Code, p.Message, tt.want, tt.code)
		}
	}
}
