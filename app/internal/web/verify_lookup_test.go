package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestVerifyLookupByNumber finds a letter by its number and date at
// /periksa, as someone with the paper and no QR scanner would, in a
// deployment of one village and then of two.
func TestVerifyLookupByNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		l := f.sign(t)
		number, code := l.NumberString(), *l.VerifyCode
		date := surat.LetterTime(*l.IssuedAt).Format("2006-01-02")
		wrongDate := surat.LetterTime(*l.IssuedAt).AddDate(0, 0, -1).Format("2006-01-02")
		lookup := func(q url.Values) *response {
			t.Helper()
			rec := e.do("GET", "/periksa?"+q.Encode(), nil, nil)
			return &response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
		}

		// One village: it is not asked for.
		page := lookup(url.Values{})
		if page.Code != http.StatusOK || !strings.Contains(page.Body, `name="nomor"`) || strings.Contains(page.Body, `name="desa"`) {
			t.Fatalf("lookup page of a single village: %d", page.Code)
		}
		tests := []struct {
			name   string
			q      url.Values
			status int
			field  string // id of the field message, for 422
		}{
			{"as printed", url.Values{"nomor": {number}, "tanggal": {date}}, http.StatusSeeOther, ""},
			{"with spaces and a lower-case month", url.Values{"nomor": {" " + strings.ReplaceAll(strings.ToLower(number), "/", " / ") + " "},
				"tanggal": {date}}, http.StatusSeeOther, ""},
			{"the day before", url.Values{"nomor": {number}, "tanggal": {wrongDate}}, http.StatusNotFound, ""},
			{"unknown number", url.Values{"nomor": {"470/999/3505122001/I/2020"}, "tanggal": {date}}, http.StatusNotFound, ""},
			{"no date", url.Values{"nomor": {number}}, http.StatusUnprocessableEntity, "tanggal-error"},
			{"not a date", url.Values{"nomor": {number}, "tanggal": {"kemarin"}}, http.StatusUnprocessableEntity, "tanggal-error"},
			{"no number", url.Values{"nomor": {""}, "tanggal": {date}}, http.StatusUnprocessableEntity, "nomor-error"},
		}
		var notFound string
		for _, tc := range tests {
			r := lookup(tc.q)
			if r.Code != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, r.Code, tc.status)
				continue
			}
			switch tc.status {
			case http.StatusSeeOther:
				if r.Header.Get("Location") != "/v/"+code {
					t.Errorf("%s: to %q, want /v/%s", tc.name, r.Header.Get("Location"), code)
				}
			case http.StatusNotFound:
				msg := textByID(t, r.Body, "number-error")
				if notFound == "" {
					notFound = msg
				}
				if msg == "" || msg != notFound {
					t.Errorf("%s: message %q; every miss says the same (%q)", tc.name, msg, notFound)
				}
			case http.StatusUnprocessableEntity:
				if textByID(t, r.Body, tc.field) == "" {
					t.Errorf("%s: no message at #%s", tc.name, tc.field)
				}
			}
		}

		// A second village with a letter of the same number: the village
		// is asked for, and decides which letter is found.
		other := e.village("3505122002", "Tegalasri")
		// (The verify service caches the village list for a minute.)
		e.clock.Advance(time.Minute + time.Second)
		if page := lookup(url.Values{}); !strings.Contains(page.Body, `name="desa"`) || !strings.Contains(page.Body, "Desa Tegalasri") {
			t.Error("with two villages the form does not ask for the village")
		}
		r := lookup(url.Values{"nomor": {number}, "tanggal": {date}})
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "desa-error") == "" {
			t.Errorf("two villages, none chosen: %d %q", r.Code, textByID(t, r.Body, "desa-error"))
		}
		if r := lookup(url.Values{"nomor": {number}, "tanggal": {date}, "desa": {f.village.Code}}); r.Code != http.StatusSeeOther ||
			r.Header.Get("Location") != "/v/"+code {
			t.Errorf("right village: %d to %q", r.Code, r.Header.Get("Location"))
		}
		if r := lookup(url.Values{"nomor": {number}, "tanggal": {date}, "desa": {other.Code}}); r.Code != http.StatusNotFound {
			t.Errorf("the other village: %d, want 404", r.Code)
		}
		if r := lookup(url.Values{"nomor": {number}, "tanggal": {date}, "desa": {"9999999999"}}); r.Code != http.StatusNotFound {
			t.Errorf("an unknown village: %d, want 404", r.Code)
		}
		// The code lookup still works beside it.
		if r := lookup(url.Values{"kode": {strings.ToLower(code)}}); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/v/"+code {
			t.Errorf("code lookup: %d to %q", r.Code, r.Header.Get("Location"))
		}
	})
}

// TestVerifyLookupRateLimited: the number lookup is limited like /v.
func TestVerifyLookupRateLimited(t *testing.T) {
	f := newVerifyFixture(t, storetest.SQLite, withRateLimits(RateLimits{
		Verify: RateLimit{PerMinute: 60, Burst: 3}, Upload: RateLimit{PerMinute: 10, Burst: 1}}))
	l := f.sign(t)
	q := "/periksa?" + url.Values{"nomor": {"470/999/1/I/2020"}, "tanggal": {"2026-01-01"}}.Encode()
	for i := range 3 {
		if rec := f.e.getFrom("192.0.2.50", q); rec.Code != http.StatusNotFound {
			t.Fatalf("guess %d = %d, want 404", i+1, rec.Code)
		}
	}
	rec := f.e.getFrom("192.0.2.50", "/periksa?"+url.Values{"nomor": {l.NumberString()},
		"tanggal": {surat.LetterTime(*l.IssuedAt).Format("2006-01-02")}}.Encode())
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("fourth lookup = %d, want 429 with Retry-After", rec.Code)
	}
}
