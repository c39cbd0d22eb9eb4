package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// attackers is how many requests each parallel attack sends at once.
const attackers = 40

// inParallel runs f attackers times at once and counts the machine codes
// of the JSON answers ("ok" for a 2xx).
func inParallel(t *testing.T, f func(i int) *httptest.ResponseRecorder) map[string]int {
	t.Helper()
	return inParallelN(t, attackers, f)
}

// inParallelN is inParallel with n requests.
func inParallelN(t *testing.T, n int, f func(i int) *httptest.ResponseRecorder) map[string]int {
	t.Helper()
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		codes = map[string]int{}
		start = make(chan struct{})
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec := f(i)
			code := "ok"
			if rec.Code >= 300 {
				var eb errorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error == "" {
					code = fmt.Sprintf("status %d", rec.Code)
				} else {
					code = eb.Error
				}
				if rec.Code == http.StatusTooManyRequests || rec.Code == http.StatusServiceUnavailable {
					if rec.Header().Get("Retry-After") == "" {
						code += " without Retry-After"
					}
				}
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

// topUp sends sequential wrong attempts after a parallel burst until one
// is refused with locked, and returns how many were checked (answered
// checked) before. An attempt that found every hashing slot busy during
// the burst was given back (it checked nothing), so the burst may have
// left the limit one or two attempts short; the total checked must still
// stay within the limit.
func topUp(t *testing.T, try func() *httptest.ResponseRecorder, checked, locked string) int {
	t.Helper()
	n := 0
	for range 30 {
		var eb errorBody
		rec := try()
		_ = json.Unmarshal(rec.Body.Bytes(), &eb)
		switch eb.Error {
		case checked:
			n++
		case locked:
			return n
		default:
			t.Fatalf("top-up attempt: %d %s", rec.Code, rec.Body)
		}
	}
	t.Fatalf("no lock after %d more attempts", n)
	return n
}

// onlyCodes fails unless every answer has one of the allowed codes.
func onlyCodes(t *testing.T, what string, codes map[string]int, allowed ...string) {
	t.Helper()
	n, total := 0, 0
	for _, a := range allowed {
		n += codes[a]
	}
	for _, c := range codes {
		total += c
	}
	if n != total {
		t.Errorf("%s: answers %v, want only %v", what, codes, allowed)
	}
}

// TestParallelStaffLoginLockout sends 40 wrong passwords at once for one
// account from one address, on the token API and on the login form: at
// most the limit are checked, the right password is refused afterwards
// from that address, and an unknown username is answered exactly alike.
func TestParallelStaffLoginLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "kades", surat.RoleSigner)
		e.user(v, "sekdes", surat.RoleOperator)
		const ip = "198.51.100.7"
		token := func(username, password string) *httptest.ResponseRecorder {
			return e.apiFrom(ip, "POST", "/api/v1/auth/token", map[string]string{"username": username, "password": password})
		}
		for _, username := range []string{"kades", "tidakada"} {
			codes := inParallel(t, func(i int) *httptest.ResponseRecorder {
				return token(username, fmt.Sprintf("tebakan-%02d", i))
			})
			onlyCodes(t, username, codes, "invalid_credentials", "account_locked", "rate_limited", "server_busy")
			codes["invalid_credentials"] += topUp(t, func() *httptest.ResponseRecorder { return token(username, "lagi-salah") },
				"invalid_credentials", "account_locked")
			if n := codes["invalid_credentials"]; n > maxLoginFailures-1 {
				t.Errorf("%s: %d wrong passwords checked of %d sent (%v), want at most %d and then a lock",
					username, n, attackers, codes, maxLoginFailures)
			}
		}
		if rec := token("kades", testPassword); rec.Code != http.StatusTooManyRequests ||
			!strings.Contains(rec.Body.String(), `"account_locked"`) {
			t.Fatalf("right password after the attack: %d %s", rec.Code, rec.Body)
		}
		// The owner, elsewhere, is not locked out (issue 12 item 7).
		if rec := e.apiFrom("203.0.113.9", "POST", "/api/v1/auth/token",
			map[string]string{"username": "kades", "password": testPassword}); rec.Code != http.StatusOK {
			t.Fatalf("right password from another address: %d %s", rec.Code, rec.Body)
		}

		// The login form: 40 parallel posts with one planted form token.
		br := e.browser()
		tok := br.csrf("/login")
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for i := range attackers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := br.c.PostForm(br.base+"/login", url.Values{"username": {"sekdes"},
					"password": {fmt.Sprintf("tebakan-%02d", i)}, csrfField: {tok}})
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
		if n := statuses[http.StatusUnprocessableEntity]; n+statuses[http.StatusTooManyRequests]+
			statuses[http.StatusServiceUnavailable] != attackers {
			t.Errorf("login form: statuses %v, want only wrong password, locked or busy", statuses)
		}
		// As with the API (topUp): attempts that found every hashing slot
		// busy were given back, so wrong passwords follow one at a time
		// until the lock answers; all told, no more than the limit were
		// checked.
		checked := statuses[http.StatusUnprocessableEntity]
		for i := 0; ; i++ {
			r := br.post("/login", url.Values{"username": {"sekdes"}, "password": {"lagi-salah"}, csrfField: {tok}})
			if r.Code == http.StatusTooManyRequests {
				break
			}
			if r.Code != http.StatusUnprocessableEntity || i == 30 {
				t.Fatalf("login form top-up: %d after %d more", r.Code, i)
			}
			checked++
		}
		if checked > maxLoginFailures-1 {
			t.Errorf("login form: %d wrong passwords checked (%v), want at most %d", checked, statuses, maxLoginFailures-1)
		}
		r := br.post("/login", url.Values{"username": {"sekdes"}, "password": {testPassword}, csrfField: {tok}})
		if r.Code != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" ||
			!strings.HasPrefix(textByID(t, r.Body, "form-error"), "Akun dikunci sementara") {
			t.Fatalf("login form, right password after the attack: %d %s", r.Code, textByID(t, r.Body, "form-error"))
		}
	})
}

// TestParallelRightLogins: an API client asks for tokens from twelve
// workers at once, with the right password, from one address. While five
// are being checked the others are told to retry in a moment
// (server_busy), none that the account is locked; each busy one gets its
// token when sent again, and a wrong password afterwards is answered as
// only a wrong password.
func TestParallelRightLogins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "kades", surat.RoleSigner)
		token := func(password string) *httptest.ResponseRecorder {
			return e.apiFrom("198.51.100.8", "POST", "/api/v1/auth/token",
				map[string]string{"username": "kades", "password": password})
		}
		rightAtOnce(t, token, testPassword, "salah-sekali")
	})
}

// rightAtOnce signs in with the right secret from twelve requests at once:
// each is signed in or told the server is busy (never locked out), each
// busy one is signed in when sent again, and a wrong secret afterwards is
// only a wrong one.
func rightAtOnce(t *testing.T, login func(secret string) *httptest.ResponseRecorder, right, wrong string) {
	t.Helper()
	codes := inParallelN(t, 12, func(int) *httptest.ResponseRecorder { return login(right) })
	onlyCodes(t, "right secrets at once", codes, "ok", "server_busy")
	for range codes["server_busy"] {
		if rec := login(right); rec.Code != http.StatusOK {
			t.Fatalf("busy login sent again: %d %s", rec.Code, rec.Body)
		}
	}
	if rec := login(wrong); rec.Code != http.StatusUnauthorized ||
		!strings.Contains(rec.Body.String(), `"invalid_credentials"`) {
		t.Fatalf("a wrong secret afterwards: %d %s", rec.Code, rec.Body)
	}
}

// TestParallelRightLoginsFromOneAddress signs 40 staff in at once from
// one address with their right passwords, as a kabupaten office behind
// one NAT address does at the start of the day: each is signed in or told
// the server is busy, none that the address is blocked for the rest of
// the window.
func TestParallelRightLoginsFromOneAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		for i := range attackers {
			e.user(v, fmt.Sprintf("staf%02d", i), surat.RoleOperator)
		}
		login := func(i int) *httptest.ResponseRecorder {
			return e.apiFrom("198.51.100.9", "POST", "/api/v1/auth/token",
				map[string]string{"username": fmt.Sprintf("staf%02d", i), "password": testPassword})
		}
		codes := inParallel(t, login)
		onlyCodes(t, "right passwords of many accounts at once", codes, "ok", "server_busy")
		t.Logf("answers: %v", codes)
		for i := range attackers {
			if rec := login(i); rec.Code != http.StatusOK {
				t.Fatalf("staf%02d again: %d %s", i, rec.Code, rec.Body)
			}
		}
	})
}

// TestStaffLoginSlowsDownGlobally spreads wrong passwords for one account
// over many addresses: after maxAccountAttempts in a minute everybody is
// slowed down (never locked), unknown usernames alike, and a minute later
// the owner signs in.
func TestStaffLoginSlowsDownGlobally(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "kades", surat.RoleSigner)
		for _, username := range []string{"kades", "tidakada"} {
			for i := range maxAccountAttempts {
				rec := e.apiFrom(fmt.Sprintf("198.51.100.%d", i+1), "POST", "/api/v1/auth/token",
					map[string]string{"username": username, "password": "salah-sekali"})
				if rec.Code != http.StatusUnauthorized {
					t.Fatalf("%s attempt %d: %d %s", username, i+1, rec.Code, rec.Body)
				}
			}
			rec := e.apiFrom("203.0.113.1", "POST", "/api/v1/auth/token",
				map[string]string{"username": username, "password": testPassword})
			if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), `"login_throttled"`) ||
				rec.Header().Get("Retry-After") == "" {
				t.Fatalf("%s after %d failures from many addresses: %d %s", username, maxAccountAttempts, rec.Code, rec.Body)
			}
		}
		e.clock.Advance(accountWindow)
		if rec := e.apiFrom("203.0.113.1", "POST", "/api/v1/auth/token",
			map[string]string{"username": "kades", "password": testPassword}); rec.Code != http.StatusOK {
			t.Fatalf("a minute later: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestLoginPerAddressLimit tries many usernames from one address: after
// maxLoginAttemptsPerIP failures the address is refused before any
// password is checked, whatever username it names. An IPv6 client counts as
// its /64 network, which it usually holds whole: stepping through its
// addresses gains nothing.
func TestLoginPerAddressLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "kades", surat.RoleSigner)
		for _, from := range []func(i int) string{
			func(int) string { return "198.51.100.20" },
			func(i int) string { return fmt.Sprintf("2001:db8:7:9:%x::%x", i, i+1) },
		} {
			addressLimit(t, e, from)
		}
		// Another /64 is another client.
		if rec := e.apiFrom("2001:db8:7:a::1", "POST", "/api/v1/auth/token",
			map[string]string{"username": "kades", "password": testPassword}); rec.Code != http.StatusOK {
			t.Errorf("right password from the next /64: %d %s", rec.Code, rec.Body)
		}
	})
}

// addressLimit sends maxLoginAttemptsPerIP+5 wrong logins from from(i) and
// checks that the last five and a right password are refused.
func addressLimit(t *testing.T, e *env, from func(i int) string) {
	t.Helper()
	codes := map[string]int{}
	for i := range maxLoginAttemptsPerIP + 5 {
		rec := e.apiFrom(from(i), "POST", "/api/v1/auth/token",
			map[string]string{"username": fmt.Sprintf("orang%02d", i), "password": "salah-sekali"})
		var eb errorBody
		_ = json.Unmarshal(rec.Body.Bytes(), &eb)
		codes[eb.Error]++
	}
	if codes["invalid_credentials"] != maxLoginAttemptsPerIP || codes["rate_limited"] != 5 {
		t.Errorf("answers %v, want %d invalid_credentials then rate_limited", codes, maxLoginAttemptsPerIP)
	}
	ip := from(maxLoginAttemptsPerIP + 5)
	if rec := e.apiFrom(ip, "POST", "/api/v1/auth/token",
		map[string]string{"username": "kades", "password": testPassword}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("right password from the blocked address %s: %d %s", ip, rec.Code, rec.Body)
	}
}

// TestParallelResidentLockouts attacks the resident sign-in: 40 parallel
// wrong PINs for one NIK (and for an unknown NIK), 40 parallel wrong old
// PINs on the PIN change, and 40 parallel NIKs from one address.
func TestParallelResidentLockouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		budi := lv.res
		siti := e.member(lv.v, "3505124101900004", "Siti Aminah", "3505120101080077")
		budiPIN := e.issuePIN("operator", budi.NIK)
		sitiPIN := e.issuePIN("operator", siti.NIK)
		const ip = "198.51.100.30"
		login := func(nik, pin string) *httptest.ResponseRecorder {
			return e.apiFrom(ip, "POST", "/api/v1/mandiri/auth/token", map[string]string{"nik": nik, "pin": pin})
		}

		// The old-PIN check of a PIN change, from a signed-in resident.
		const sitiNew = "480917"
		tok := e.residentToken(siti.NIK, sitiPIN, sitiNew)
		codes := inParallel(t, func(i int) *httptest.ResponseRecorder {
			return e.api("POST", "/api/v1/mandiri/pin", tok, map[string]string{
				"pin_lama": fmt.Sprintf("9%05d", i*7+1), "pin_baru": "602846"})
		})
		onlyCodes(t, "PIN change", codes, "validation_failed", "account_locked", "server_busy")
		codes["validation_failed"] += topUp(t, func() *httptest.ResponseRecorder {
			return e.api("POST", "/api/v1/mandiri/pin", tok, map[string]string{"pin_lama": "911111", "pin_baru": "602846"})
		}, "validation_failed", "account_locked")
		if n := codes["validation_failed"]; n > mandiri.MaxPINFailures-1 {
			t.Errorf("PIN change: %d wrong old PINs checked (%v), want at most %d", n, codes, mandiri.MaxPINFailures-1)
		}
		if rec := e.api("POST", "/api/v1/mandiri/pin", tok, map[string]string{"pin_lama": sitiNew,
			"pin_baru": "602846"}); rec.Code != http.StatusTooManyRequests {
			t.Errorf("right old PIN after the attack: %d %s", rec.Code, rec.Body)
		}
		// It is the same lock as the login's.
		if rec := login(siti.NIK, sitiNew); rec.Code != http.StatusTooManyRequests {
			t.Errorf("login after the PIN change attack: %d %s", rec.Code, rec.Body)
		}

		for _, nik := range []string{budi.NIK, "3505129999990007"} {
			codes := inParallel(t, func(i int) *httptest.ResponseRecorder {
				return login(nik, fmt.Sprintf("7%05d", i*13+2))
			})
			// While parallel attempts are in flight the address may reach
			// its limit too (rate_limited), before the NIK's refusals give
			// their address attempts back.
			onlyCodes(t, "login", codes, "invalid_credentials", "account_locked", "rate_limited", "server_busy")
			codes["invalid_credentials"] += topUp(t, func() *httptest.ResponseRecorder { return login(nik, "811111") },
				"invalid_credentials", "account_locked")
			if n := codes["invalid_credentials"]; n > mandiri.MaxPINFailures-1 {
				t.Errorf("login: %d wrong PINs checked (%v), want at most %d", n, codes, mandiri.MaxPINFailures-1)
			}
		}
		if rec := login(budi.NIK, budiPIN); rec.Code != http.StatusTooManyRequests {
			t.Fatalf("right PIN after the attack: %d %s", rec.Code, rec.Body)
		}

		// Many NIKs from one address: at most MaxIPFailures are checked.
		e.clock.Advance(mandiri.IPFailureWindow)
		codes = inParallel(t, func(i int) *httptest.ResponseRecorder {
			return e.apiFrom("198.51.100.31", "POST", "/api/v1/mandiri/auth/token",
				map[string]string{"nik": fmt.Sprintf("35051299999901%02d", i), "pin": "583920"})
		})
		onlyCodes(t, "address", codes, "invalid_credentials", "rate_limited", "server_busy")
		next := 0
		codes["invalid_credentials"] += topUp(t, func() *httptest.ResponseRecorder {
			next++
			return e.apiFrom("198.51.100.31", "POST", "/api/v1/mandiri/auth/token",
				map[string]string{"nik": fmt.Sprintf("35051299999902%02d", next), "pin": "583920"})
		}, "invalid_credentials", "rate_limited")
		if n := codes["invalid_credentials"]; n > mandiri.MaxIPFailures {
			t.Errorf("one address: %d logins checked (%v), want at most %d", n, codes, mandiri.MaxIPFailures)
		}
	})
}

// TestParallelRightPINs signs one resident in with the right PIN from
// twelve requests at once (rightAtOnce), as a resident tapping "Masuk"
// again and again on a slow connection does.
func TestParallelRightPINs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		const pin = "480917"
		e.residentToken(lv.res.NIK, e.issuePIN("operator", lv.res.NIK), pin)
		login := func(pin string) *httptest.ResponseRecorder {
			return e.apiFrom("198.51.100.32", "POST", "/api/v1/mandiri/auth/token",
				map[string]string{"nik": lv.res.NIK, "pin": pin})
		}
		rightAtOnce(t, login, pin, "911111")

		// The same through the form, from one browser: a login that is not
		// signed in shows the form again with why and when to retry.
		br := e.browser()
		form := url.Values{"nik": {lv.res.NIK}, "pin": {pin}, csrfField: {br.csrf("/mandiri/masuk")}}
		var (
			mu      sync.Mutex
			answers = map[string]int{}
			wg      sync.WaitGroup
		)
		for range 12 {
			wg.Go(func() {
				answer := "no answer"
				if resp, err := br.c.PostForm(br.base+"/mandiri/masuk", form); err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					answer = fmt.Sprintf("%d", resp.StatusCode)
					if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" &&
						strings.Contains(string(body), "Coba lagi dalam beberapa detik") && strings.Contains(string(body), `name="pin"`) {
						answer = "form: busy"
					}
				}
				mu.Lock()
				answers[answer]++
				mu.Unlock()
			})
		}
		wg.Wait()
		t.Logf("right PINs at once through the form: %v", answers)
		if answers["303"]+answers["form: busy"] != 12 {
			t.Fatalf("right PINs at once through the form: %v, want each signed in (303) or the form saying busy", answers)
		}
	})
}

// TestParallelRightPINsFromOneAddress signs 40 residents in at once from
// one address with their right PINs, as a village hall's residents behind
// one address do on a service day: each is signed in or told the server
// is busy, none that the address is blocked for the rest of the window.
func TestParallelRightPINsFromOneAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		const n = attackers
		niks, pins := make([]string, n), make([]string, n)
		for i := range n {
			niks[i] = fmt.Sprintf("35051241019001%02d", i)
			e.member(lv.v, niks[i], fmt.Sprintf("Warga %02d", i), "")
			pins[i] = e.issuePIN("operator", niks[i])
		}
		login := func(i int) *httptest.ResponseRecorder {
			return e.apiFrom("198.51.100.33", "POST", "/api/v1/mandiri/auth/token",
				map[string]string{"nik": niks[i], "pin": pins[i]})
		}
		codes := inParallelN(t, n, login)
		onlyCodes(t, "right PINs of many residents at once", codes, "ok", "server_busy")
		t.Logf("answers: %v", codes)
		for i := range n {
			if rec := login(i); rec.Code != http.StatusOK {
				t.Fatalf("resident %d again: %d %s", i, rec.Code, rec.Body)
			}
		}
	})
}

// TestParallelSigningPassphrase sends 40 wrong signing passphrases at once
// (sign, then sign-batch): at most the limit open the key, the right
// passphrase is refused afterwards, and nothing is numbered.
func TestParallelSigningPassphrase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		l := e.approvedLetter(lv)
		kades := lv.tokens["kades"]
		for _, path := range []string{letterPath(l.ID) + "/sign", "/api/v1/letters/sign-batch"} {
			codes := inParallel(t, func(i int) *httptest.ResponseRecorder {
				body := map[string]any{"passphrase": fmt.Sprintf("tebakan-frasa-%02d", i)}
				if strings.HasSuffix(path, "batch") {
					body["ids"] = []int64{l.ID}
				}
				return e.api("POST", path, kades, body)
			})
			onlyCodes(t, path, codes, "wrong_passphrase", "signing_locked", "server_busy")
			if codes["wrong_passphrase"] < 5 {
				codes["wrong_passphrase"] += topUp(t, func() *httptest.ResponseRecorder {
					return e.api("POST", letterPath(l.ID)+"/sign", kades, map[string]string{"passphrase": "masih-salah-juga"})
				}, "wrong_passphrase", "signing_locked")
			}
			if n := codes["wrong_passphrase"]; n > 5 {
				t.Errorf("%s: %d wrong passphrases tried (%v), want at most %d", path, n, codes, 5)
			}
			rec := e.api("POST", letterPath(l.ID)+"/sign", kades, map[string]string{"passphrase": testSignPass})
			if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), `"signing_locked"`) {
				t.Fatalf("right passphrase after the attack on %s: %d %s", path, rec.Code, rec.Body)
			}
			if n := e.numbered(lv.v.ID); n != 0 {
				t.Fatalf("%d letters numbered", n)
			}
			e.clock.Advance(surat.SignLockDuration + time.Second)
		}
		if rec := e.api("POST", letterPath(l.ID)+"/sign", kades, map[string]string{"passphrase": testSignPass}); rec.Code != http.StatusOK {
			t.Fatalf("after the lock: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestParallelRightPassphrases signs 40 letters at once with the right
// passphrase, as an API client with several workers (or a kepala desa with
// several tabs) does: the tries still being checked fill the limit on
// attempts, so some are told the server is busy, but none is locked out
// as if it were a wrong passphrase, and each one sent again is signed.
func TestParallelRightPassphrases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		kades := lv.tokens["kades"]
		ids := make([]int64, attackers)
		for i := range ids {
			ids[i] = e.approvedLetter(lv).ID
		}
		sign := func(i int) *httptest.ResponseRecorder {
			return e.api("POST", letterPath(ids[i])+"/sign", kades, map[string]string{"passphrase": testSignPass})
		}
		codes := inParallel(t, sign)
		onlyCodes(t, "right passphrases at once", codes, "ok", "server_busy")
		for i, id := range ids {
			var l letterJSON
			e.call("GET", letterPath(id), kades, nil, http.StatusOK, &l)
			if l.Status == surat.LetterSigned {
				continue
			}
			if rec := sign(i); rec.Code != http.StatusOK {
				t.Fatalf("letter %d sent again: %d %s", id, rec.Code, rec.Body)
			}
		}
		if n := e.numbered(lv.v.ID); n != attackers {
			t.Errorf("%d letters numbered, want %d", n, attackers)
		}
	})
}
