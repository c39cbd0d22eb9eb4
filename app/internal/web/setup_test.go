package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func setupValues(token string, change func(url.Values)) url.Values {
	f := url.Values{
		csrfField: {token}, "setup_code": {"a1b2c3d4"},
		"code": {"3505122001"}, "name": {"Sumberejo"}, "sebutan": {"Desa"}, "kecamatan": {"Sanankulon"},
		"kabupaten": {"Blitar"}, "sebutan_kab": {"Kabupaten"}, "provinsi": {"Jawa Timur"},
		"address":   {"Jl. Raya Sumberejo 1"},
		"full_name": {"Siti Aminah"}, "username": {"siti"}, "password": {"kuat-sekali-1"}, "password_confirm": {"kuat-sekali-1"},
	}
	if change != nil {
		change(f)
	}
	return f
}

func TestSetup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, withSetupCode("A1B2C3D4"))
		br := e.browser()

		for _, path := range []string{"/", "/login"} {
			if r := br.get(path); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/setup" {
				t.Errorf("GET %s with no users = %d to %q, want 303 to /setup", path, r.Code, r.Header.Get("Location"))
			}
		}
		tok := br.csrf("/setup")

		if r := br.post("/setup", setupValues("", nil)); r.Code != http.StatusForbidden {
			t.Errorf("setup without CSRF token = %d, want 403", r.Code)
		}

		// Every problem at once, with the input kept.
		r := br.post("/setup", setupValues(tok, func(f url.Values) {
			f.Set("setup_code", "salah")
			f.Set("code", "35051")
			f.Set("kecamatan", "")
			f.Set("password", "pendek")
			f.Set("password_confirm", "pendek")
		}))
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid setup = %d, want 422", r.Code)
		}
		for field, want := range map[string]string{
			"setup_code": "Kode pengaturan salah. Pakai kode yang dicetak saat server dijalankan.",
			"code":       "Kode desa harus 10 digit angka sesuai kode wilayah Kemendagri (mis. 3505122001)",
			"kecamatan":  "Kecamatan wajib diisi",
			"password":   "Kata sandi minimal 8 karakter",
		} {
			if got := textByID(t, r.Body, "e-"+field); got != want {
				t.Errorf("field %s: got %q, want %q", field, got, want)
			}
		}
		for field, want := range map[string]string{"name": "Sumberejo", "code": "35051", "username": "siti", "setup_code": "", "password": ""} {
			if got := attr(t, r.Body, "input", "name", field, "value"); got != want {
				t.Errorf("input %s kept as %q, want %q", field, got, want)
			}
		}
		if n, _ := e.st.CountUsers(context.Background()); n != 0 {
			t.Fatalf("a failed setup created %d users", n)
		}

		// A username the store rejects comes back as a field error too.
		r = br.post("/setup", setupValues(tok, func(f url.Values) { f.Set("username", "s!") }))
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-username") == "" {
			t.Fatalf("bad username = %d, field error %q", r.Code, textByID(t, r.Body, "e-username"))
		}
		if _, err := e.st.VillageByCode(context.Background(), "3505122001"); err == nil {
			t.Fatal("a rejected setup left its village behind")
		}

		// Success: the code is case-insensitive.
		r = br.post("/setup", setupValues(tok, nil))
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("setup = %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
		}
		v, err := e.st.VillageByCode(context.Background(), "3505122001")
		if err != nil || v.Name != "Sumberejo" || v.Address != "Jl. Raya Sumberejo 1" {
			t.Fatalf("village after setup: %+v, %v", v, err)
		}
		u, err := e.st.UserByUsername(context.Background(), "siti")
		if err != nil || u.Role != surat.RoleAdminDesa || u.VillageID == nil || *u.VillageID != v.ID {
			t.Fatalf("admin after setup: %+v, %v", u, err)
		}
		if r := br.get("/login"); r.Code != http.StatusOK {
			t.Errorf("GET /login after setup = %d, want 200", r.Code)
		}

		// Setup is gone once a user exists.
		if r := br.get("/setup"); r.Code != http.StatusNotFound {
			t.Errorf("GET /setup after setup = %d, want 404", r.Code)
		}
		if r := br.post("/setup", setupValues(tok, func(f url.Values) { f.Set("username", "penyusup") })); r.Code != http.StatusNotFound {
			t.Errorf("POST /setup after setup = %d, want 404", r.Code)
		}
		// Even a request that raced past the check cannot add a second admin.
		err = e.st.SetupFirstAdmin(context.Background(),
			&surat.Village{Code: "3505122002", Name: "Lain", Sebutan: "Desa", Kecamatan: "K", Kabupaten: "B",
				SebutanKab: "Kabupaten", Provinsi: "P", NumberScope: "module", Paper: "F4"},
			&surat.User{Username: "penyusup", PasswordHash: u.PasswordHash})
		if !errors.Is(err, surat.ErrConflict) {
			t.Errorf("second SetupFirstAdmin: got %v, want ErrConflict", err)
		}
		if _, err := e.st.VillageByCode(context.Background(), "3505122002"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("refused setup left a village: %v", err)
		}
		r = br.post("/login", url.Values{"username": {"siti"}, "password": {"kuat-sekali-1"}, csrfField: {br.csrf("/login")}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/dashboard" {
			t.Fatalf("login as the new admin = %d to %q", r.Code, r.Header.Get("Location"))
		}
	})
}

func TestSetupClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		tests := []struct {
			name  string
			code  string
			users bool
		}{
			{"users exist", "A1B2C3D4", true},
			{"no setup code", "", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, b, withSetupCode(tt.code))
				if tt.users {
					e.user(e.village("3505122009", "Ada"), "admin", surat.RoleAdminDesa)
				}
				if rec := e.do("GET", "/setup", nil, nil); rec.Code != http.StatusNotFound {
					t.Errorf("GET /setup = %d, want 404", rec.Code)
				}
				if rec := e.do("GET", "/login", nil, nil); rec.Code != http.StatusOK {
					t.Errorf("GET /login = %d, want 200", rec.Code)
				}
			})
		}
	})
}

// TestSetupCodeParallelGuesses sends 40 wrong setup codes at once from one
// address: at most maxSetupAttemptsPerIP are compared, the right code is
// then refused from that address, and another address can still finish
// setup.
func TestSetupCodeParallelGuesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		const code = "K7Q2M4X9ZT3W5R8N6PYA2B4C6D"
		e := newEnv(t, b, withSetupCode(code))
		br := e.browser()
		tok := br.csrf("/setup")
		var (
			mu       sync.Mutex
			wg       sync.WaitGroup
			statuses = map[int]int{}
		)
		for i := range attackers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := br.c.PostForm(br.base+"/setup", setupValues(tok, func(f url.Values) {
					f.Set("setup_code", fmt.Sprintf("TEBAKAN%019d", i))
				}))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if n := statuses[http.StatusUnprocessableEntity]; n > maxSetupAttemptsPerIP ||
			n+statuses[http.StatusTooManyRequests] != attackers {
			t.Errorf("statuses %v, want at most %d codes compared", statuses, maxSetupAttemptsPerIP)
		}
		if r := br.post("/setup", setupValues(tok, func(f url.Values) { f.Set("setup_code", code) })); r.Code != http.StatusTooManyRequests ||
			r.Header.Get("Retry-After") == "" {
			t.Fatalf("right code from the blocked address: %d", r.Code)
		}
		// Another address (the router's default test client).
		form := e.do("GET", "/setup", nil, nil)
		seed := cookie(form.Header(), csrfCookie)
		f := setupValues(attr(t, form.Body.String(), "input", "name", csrfField, "value"),
			func(f url.Values) { f.Set("setup_code", strings.ToLower(code)) })
		rec := e.do("POST", "/setup", strings.NewReader(f.Encode()), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Cookie": {seed.Name + "=" + seed.Value}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("setup from another address: %d", rec.Code)
		}
	})
}

// TestWeakPasswordsRefused tries guessable first-admin passwords: common
// ones, the username and the village's name are refused with an Indonesian
// message; the demo's password is not.
func TestWeakPasswordsRefused(t *testing.T) {
	e := newEnv(t, storetest.SQLite, withSetupCode("A1B2C3D4"))
	br := e.browser()
	tok := br.csrf("/setup")
	for _, pw := range []string{"12345678", "password", "sitiaminah", "Sumberejo", "qwertyuiop", "admin123"} {
		r := br.post("/setup", setupValues(tok, func(f url.Values) {
			f.Set("username", "sitiaminah")
			f.Set("password", pw)
			f.Set("password_confirm", pw)
		}))
		if got := textByID(t, r.Body, "e-password"); r.Code != http.StatusUnprocessableEntity ||
			!strings.HasPrefix(got, "Kata sandi terlalu mudah ditebak") {
			t.Errorf("password %q: %d %q", pw, r.Code, got)
		}
	}
	r := br.post("/setup", setupValues(tok, func(f url.Values) {
		f.Set("username", "sitiaminah")
		f.Set("password", "demo12345")
		f.Set("password_confirm", "demo12345")
	}))
	if r.Code != http.StatusSeeOther {
		t.Errorf("demo12345: %d %q", r.Code, textByID(t, r.Body, "e-password"))
	}
}
