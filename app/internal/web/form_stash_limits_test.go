package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestSignedOutFormStashLimits: a browser that never signed in cannot keep
// forms (issue 12 wrote 64 MB that way), and a session that has expired
// keeps at most store.MaxStashesPerSession, then gets 429.
func TestSignedOutFormStashLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)

		anon := e.browser()
		form := url.Values{"nik": {"3505121501800001"}, "name": {strings.Repeat("A", 1000)}}
		r := anon.post("/penduduk/baru", form)
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("anonymous POST = %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
		}
		if strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), resumeCookie+"=") {
			t.Fatal("an anonymous POST got a kept-form cookie")
		}

		br := e.browser()
		br.login("operator")
		session := br.sessionToken()
		e.clock.Advance(webSessionTTL + time.Minute)
		// The server drops the expired cookie from a browser; an attacker
		// replays it, as here.
		post := func() response {
			req, _ := http.NewRequest("POST", br.base+"/penduduk/baru", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			return read(t, resp)
		}
		for i := 1; i <= store.MaxStashesPerSession; i++ {
			if r := post(); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" ||
				!strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), resumeCookie+"=") {
				t.Fatalf("expired POST %d = %d to %q, want the form kept", i, r.Code, r.Header.Get("Location"))
			}
		}
		r = post()
		if r.Code != http.StatusTooManyRequests || !strings.Contains(r.Body, "formulir yang disimpan") {
			t.Fatalf("POST beyond the stash cap = %d, want 429 with the reason", r.Code)
		}
	})
}
