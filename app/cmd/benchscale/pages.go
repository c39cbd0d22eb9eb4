package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/notify"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
	"github.com/suratdesa/suratdesa/app/internal/web"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

// pages times the kabupaten pages and the name search, n times each.
func pages(ctx context.Context, driver, dsn string, n int, out io.Writer) error {
	st, err := store.Open(ctx, store.Options{Driver: driver, DSN: dsn})
	if err != nil {
		return err
	}
	defer st.Close()
	cat, err := letters.Load(lettertpl.FS)
	if err != nil {
		return err
	}
	r, err := pdf.NewRenderer()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "benchscale")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	iss, err := issuance.New(issuance.Deps{Store: st, Catalogue: cat, Renderer: r, StorageDir: dir,
		BaseURL: "http://127.0.0.1", KDF: cheapKDF})
	if err != nil {
		return err
	}
	ver, err := verify.New(verify.Deps{Store: st, Catalogue: cat, Now: time.Now})
	if err != nil {
		return err
	}
	mand, err := mandiri.New(mandiri.Deps{Store: st, Issuance: iss, StorageDir: dir, Now: time.Now, PINParams: cheapKDF})
	if err != nil {
		return err
	}
	notes, err := notify.New(notify.Deps{Store: st, Modules: iss, BaseURL: "http://127.0.0.1",
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	srv, err := web.New(web.Deps{Log: slog.New(slog.DiscardHandler), Store: st, Now: time.Now, PasswordParams: cheapKDF,
		Config: config.Config{BaseURL: "http://127.0.0.1", Secret: strings.Repeat("s", 32)}, Issuance: iss,
		Verify: ver, Mandiri: mand, Notify: notes})
	if err != nil {
		return err
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	kab, err := login(ts.URL, kabUser)
	if err != nil {
		return err
	}
	desa, err := login(ts.URL, bigAdmin)
	if err != nil {
		return err
	}
	desaCSRF, err := sessionCSRF(desa, ts.URL)
	if err != nil {
		return err
	}
	wib := surat.LetterTime(time.Now())
	today := wib.Format("2006-01-02")
	monthStart := wib.Format("2006-01") + "-01"
	for _, m := range []struct {
		name   string
		client *http.Client
		path   string
		form   url.Values // POSTed when not nil
	}{
		{"kabupaten dashboard", kab, "/dashboard", nil},
		{"kabupaten village list", kab, "/kabupaten/desa", nil},
		{"kabupaten recap (year)", kab, "/kabupaten/rekap", nil},
		{"village dashboard, big village", desa, "/dashboard", nil},
		{"letter archive, big village", desa, "/surat", nil},
		{"letter archive, big village, page 40", desa, "/surat?hal=40", nil},
		{"letter archive, big village, this month", desa, "/surat?dari=" + monthStart + "&sampai=" + today, nil},
		{"letter archive, big village, search (number)", desa, "/surat?q=0123", nil},
		{"household list, big village", desa, "/keluarga", nil},
		{"household search, big village (head: santo)", desa, "/keluarga?q=santo", nil},
		{"household search, big village (rare: xyz)", desa, "/keluarga?q=xyz", nil},
		{"name search, big village (santo)", desa, "/penduduk?q=santo", nil},
		{"name search, big village (wibowo a)", desa, "/penduduk?q=" + url.QueryEscape("wibowo a"), nil},
		{"name search, big village (rare: xyz)", desa, "/penduduk?q=xyz", nil},
		{"name search, letter picker (santo)", desa, "/surat/cari-penduduk", url.Values{"q": {"santo"}, "csrf_token": {desaCSRF}}},
	} {
		times := make([]time.Duration, 0, n)
		for range n + 2 { // two warm-up requests
			start := time.Now()
			var resp *http.Response
			if m.form != nil {
				resp, err = m.client.PostForm(ts.URL+m.path, m.form)
			} else {
				resp, err = m.client.Get(ts.URL + m.path)
			}
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s %s = %d", resp.Request.Method, m.path, resp.StatusCode)
			}
			times = append(times, time.Since(start))
		}
		times = times[2:]
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		fmt.Fprintf(out, "%s\t%.1f\t%.1f\n", m.name, ms(times[len(times)/2]), ms(times[len(times)*95/100]))
	}
	// The search itself, without the page around it: the store's query
	// for the big village (the first one seeded).
	big, err := st.VillageByCode(ctx, bigVillageCode)
	if err != nil {
		return err
	}
	for _, term := range []string{"santo", "wibowo a", "xyz"} {
		times := make([]time.Duration, 0, n)
		for range n + 2 {
			start := time.Now()
			if _, err := st.FindResidents(ctx, big.ID, store.ResidentQuery{Text: term, Limit: 25}); err != nil {
				return err
			}
			times = append(times, time.Since(start))
		}
		times = times[2:]
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		fmt.Fprintf(out, "name search query, store (%s)\t%.1f\t%.1f\n", term, ms(times[len(times)/2]), ms(times[len(times)*95/100]))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// sessionCSRF is the CSRF token of c's session, read off its dashboard.
func sessionCSRF(c *http.Client, base string) (string, error) {
	resp, err := c.Get(base + "/dashboard")
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(b)
	if m == nil {
		return "", errors.New("no CSRF token on the dashboard")
	}
	return string(m[1]), nil
}

// login signs in through the login form and returns a client with the
// session cookie.
func login(base, username string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(b)
	if m == nil {
		return nil, errors.New("no CSRF token on the login page")
	}
	resp, err = c.PostForm(base+"/login", url.Values{"csrf_token": {string(m[1])}, "username": {username},
		"password": {benchPass}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.Request.URL.Path == "/login" {
		return nil, fmt.Errorf("login as %s failed (%d)", username, resp.StatusCode)
	}
	return c, nil
}
