package web

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// The buyer of the sale letter: a typed person from another village.
const (
	vfBuyerNIK  = "3505121206880005"
	vfBuyerName = "Hadi Kusnanto"
)

// matchHTML posts the paper-match form of the page of code from a client.
func (e *env) matchHTML(ip, code string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v/"+code+"/cocokkan", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = ip + ":4711"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// matchJSON posts the JSON paper match of code from a client.
func (e *env) matchJSON(ip, code string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/verify/"+code+"/match", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = ip + ":4711"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// signSale signs a sk_jual_beli: the fixture's resident sells to a typed
// buyer from another village, so the letter has two subjects.
func (f *verifyFixture) signSale(t *testing.T) *surat.Letter {
	t.Helper()
	req := issuance.Request{Module: "sk_jual_beli",
		Subjects: map[string]issuance.SubjectRef{
			"penjual": {ResidentID: f.resident.ID},
			"pembeli": {Person: &surat.Person{NIK: vfBuyerNIK, Name: vfBuyerName, Sex: surat.SexMale}},
		},
		Fields: map[string]string{"jenis_barang": "Seekor sapi betina", "rincian_barang": "Sapi limosin, cokelat"}}
	l, err := f.iss.CreateDraft(context.Background(), f.clerk, f.village.ID, req)
	if err != nil {
		t.Fatalf("create draft: %v", err)
	}
	return f.signDraft(t, l)
}

// TestVerifyMatchOutcomes runs every outcome of the paper match through the
// router, HTML and JSON: a match and a mismatch by NIK and by name (names
// compared without case, spacing or punctuation), a letter with two
// subjects, malformed input, a revoked letter and a letter without match
// data.
func TestVerifyMatchOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		code := *f.sign(t).VerifyCode
		sale := *f.signSale(t).VerifyCode
		revoked := f.sign(t)
		if _, err := f.iss.Revoke(context.Background(), f.signer, f.village.ID, revoked.ID,
			surat.Revocation{Reason: surat.ReasonApplicantRequest}); err != nil {
			t.Fatal(err)
		}
		// A letter signed by a service without a match key has nothing to
		// compare with.
		bare, err := issuance.New(issuance.Deps{Store: e.st, Catalogue: testCatalogue(t), Renderer: letterPDF,
			StorageDir: t.TempDir(), BaseURL: "http://localhost:8080", Now: e.clock.Now, KDF: testParams})
		if err != nil {
			t.Fatal(err)
		}
		draft, err := bare.CreateDraft(context.Background(), f.clerk, f.village.ID, issuance.Request{Module: "sk_domisili",
			Subjects: map[string]issuance.SubjectRef{"pemohon": {ResidentID: f.resident.ID}},
			Fields:   map[string]string{"keperluan": vfPurpose, "status_tinggal": "Tetap"}})
		if err != nil {
			t.Fatal(err)
		}
		if draft, err = e.st.Submit(context.Background(), f.clerk, f.village.ID, draft.ID); err != nil {
			t.Fatal(err)
		}
		if draft, err = e.st.Approve(context.Background(), f.signer, f.village.ID, draft.ID, draft.Version); err != nil {
			t.Fatal(err)
		}
		unmatched, err := bare.Sign(context.Background(), f.signer, f.village.ID, draft.ID, vfSignPass)
		if err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name   string
			code   string
			form   url.Values
			status int
			result string // #match-result on the page
			apiErr string // error code of the JSON twin, "" for an answer
			match  bool
		}{
			{"NIK matches", code, url.Values{"nik": {vfNIK}}, 200, "COCOK", "", true},
			{"NIK typed with spaces and dots", code, url.Values{"nik": {"3505 1257.0885-0003"}}, 200, "COCOK", "", true},
			{"another NIK", code, url.Values{"nik": {"3505125708850004"}}, 200, "TIDAK COCOK", "", false},
			{"full name", code, url.Values{"nama": {vfName}}, 200, "COCOK", "", true},
			{"name in capitals, odd spacing and punctuation", code, url.Values{"nama": {"  SULASTRI   widya-ningrum. "}}, 200, "COCOK", "", true},
			{"part of the name", code, url.Values{"nama": {"Sulastri"}}, 200, "TIDAK COCOK", "", false},
			{"seller of the sale", sale, url.Values{"nik": {vfNIK}}, 200, "COCOK", "", true},
			{"buyer of the sale", sale, url.Values{"nik": {vfBuyerNIK}}, 200, "COCOK", "", true},
			{"buyer's name", sale, url.Values{"nama": {"hadi kusnanto"}}, 200, "COCOK", "", true},
			{"nobody of the sale", sale, url.Values{"nik": {"3505121206880006"}}, 200, "TIDAK COCOK", "", false},
			{"NIK too short", code, url.Values{"nik": {"35051257"}}, 422, "", "validation_failed", false},
			{"NIK with letters", code, url.Values{"nik": {"3505125708850O03"}}, 422, "", "validation_failed", false},
			{"both given", code, url.Values{"nik": {vfNIK}, "nama": {vfName}}, 422, "", "validation_failed", false},
			{"nothing given", code, url.Values{}, 422, "", "validation_failed", false},
			{"name without letters", code, url.Values{"nama": {"123 --"}}, 422, "", "validation_failed", false},
			{"revoked letter", *revoked.VerifyCode, url.Values{"nik": {vfNIK}}, 409, "", "letter_not_valid", false},
			{"letter without match data", *unmatched.VerifyCode, url.Values{"nik": {vfNIK}}, 409, "", "match_unavailable", false},
		}
		for i, tc := range tests {
			// Each case from its own client, so that none meets a limit.
			ip := "198.51.100." + strconv.Itoa(i+1)
			rec := e.matchHTML(ip, tc.code, tc.form)
			page := rec.Body.String()
			if rec.Code != tc.status {
				t.Errorf("%s: HTML %d, want %d", tc.name, rec.Code, tc.status)
			}
			if got := textByID(t, page, "match-result"); got != tc.result {
				t.Errorf("%s: verdict %q, want %q", tc.name, got, tc.result)
			}
			if tc.result == "" && textByID(t, page, "match-error") == "" {
				t.Errorf("%s: no message on the page", tc.name)
			}
			if tc.status == 200 && textByID(t, page, "status") != "ASLI" {
				t.Errorf("%s: the page around the verdict says %q", tc.name, textByID(t, page, "status"))
			}
			for _, typed := range append(tc.form["nik"], tc.form["nama"]...) {
				if typed != "" && strings.Contains(page, typed) {
					t.Errorf("%s: the page shows what was typed (%q)", tc.name, typed)
				}
			}

			body := map[string]string{}
			if v := tc.form.Get("nik"); v != "" {
				body["nik"] = v
			}
			if v := tc.form.Get("nama"); v != "" {
				body["nama"] = v
			}
			api := e.matchJSON("203.0.113."+strconv.Itoa(i+1), tc.code, body)
			if api.Code != tc.status {
				t.Errorf("%s: JSON %d, want %d: %s", tc.name, api.Code, tc.status, api.Body)
			}
			if tc.apiErr != "" {
				var eb errorBody
				decode(t, api, &eb)
				if eb.Error != tc.apiErr || eb.Message == "" {
					t.Errorf("%s: JSON error %+v, want %s", tc.name, eb, tc.apiErr)
				}
				continue
			}
			if got, want := api.Body.String(), `{"match":`+strconv.FormatBool(tc.match)+`}`; got != want {
				t.Errorf("%s: JSON %s, want %s", tc.name, got, want)
			}
		}

		// The revoked letter's page offers no match form.
		if strings.Contains(e.do("GET", "/v/"+*revoked.VerifyCode, nil, nil).Body.String(), "/cocokkan") {
			t.Error("the page of a revoked letter offers the paper match")
		}
		// Unknown and malformed codes: the verification 404.
		for _, c := range []string{"AAAAAAAAAAAAAAAAAAAAAAAAAA", "abc"} {
			if rec := e.matchHTML("198.51.100.200", c, url.Values{"nik": {vfNIK}}); rec.Code != http.StatusNotFound {
				t.Errorf("match on %s = %d, want 404", c, rec.Code)
			}
			if rec := e.matchJSON("198.51.100.200", c, map[string]string{"nik": vfNIK}); rec.Code != http.StatusNotFound {
				t.Errorf("JSON match on %s = %d, want 404", c, rec.Code)
			}
		}
		// A form posted from another site is refused.
		req := httptest.NewRequest(http.MethodPost, "/v/"+code+"/cocokkan", strings.NewReader("nik="+vfNIK))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://bank-palsu.example")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("cross-site match = %d, want 403", rec.Code)
		}
	})
}

// TestVerifyMatchLimit guesses at one letter the way an attacker would:
// from one address, in parallel; then from many addresses; then through a
// second server (a replica) on the same database. The limits hold in every
// case, answer 429 with Retry-After, and end with their window.
func TestVerifyMatchLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		code := *f.sign(t).VerifyCode

		// 20 wrong NIKs at once from one address: exactly 5 are compared.
		var (
			wg               sync.WaitGroup
			mu               sync.Mutex
			answered, denied int
		)
		for i := range 20 {
			wg.Go(func() {
				nik := "35051257088500" + strconv.Itoa(10+i)
				rec := e.matchJSON("198.51.100.7", code, map[string]string{"nik": nik})
				mu.Lock()
				defer mu.Unlock()
				switch rec.Code {
				case http.StatusOK:
					answered++
				case http.StatusTooManyRequests:
					denied++
					if rec.Header().Get("Retry-After") == "" {
						t.Error("429 without Retry-After")
					}
				default:
					t.Errorf("parallel guess: %d %s", rec.Code, rec.Body)
				}
			})
		}
		wg.Wait()
		if answered != verify.MatchPerClient || denied != 20-verify.MatchPerClient {
			t.Errorf("20 parallel guesses: %d compared, %d refused; want %d compared", answered, denied, verify.MatchPerClient)
		}
		// The right NIK from the same address is refused too: the limit
		// does not depend on what is typed.
		rec := e.matchHTML("198.51.100.7", code, url.Values{"nik": {vfNIK}})
		if rec.Code != http.StatusTooManyRequests || textByID(t, rec.Body.String(), "match-result") != "" ||
			!strings.Contains(textByID(t, rec.Body.String(), "match-error"), "Coba lagi") {
			t.Errorf("sixth try on the page = %d, %q", rec.Code, textByID(t, rec.Body.String(), "match-error"))
		}
		if ra, _ := strconv.Atoi(rec.Header().Get("Retry-After")); ra < 3000 || ra > 3600 {
			t.Errorf("Retry-After %q, want about an hour", rec.Header().Get("Retry-After"))
		}

		// Other addresses: the letter's own limit (all clients together)
		// stops them after MatchPerLetter tries in all, and a replica on
		// the same database counts with the first server.
		replica, err := New(Deps{Store: e.st, Config: e.srv.cfg, Now: e.clock.Now, PasswordParams: testParams,
			Issuance: e.srv.issuance, Verify: testVerify(t, e.st, e.clock.Now, surat.NewMatchKey(e.srv.cfg.Secret)),
			Mandiri: e.srv.mandiri, Notify: e.srv.notify, RateLimits: &RateLimits{Disabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		servers := []http.Handler{e.h, replica.Handler()}
		compared := verify.MatchPerClient
		for i := 0; compared < verify.MatchPerLetter; i++ {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/verify/"+code+"/match", strings.NewReader(`{"nik":"`+vfNIK+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = "203.0.113." + strconv.Itoa(i/verify.MatchPerClient+1) + ":1"
			rec := httptest.NewRecorder()
			servers[i%2].ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Body.String() != `{"match":true}` {
				t.Fatalf("try %d of the letter: %d %s", compared+1, rec.Code, rec.Body)
			}
			compared++
		}
		for _, h := range servers {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/verify/"+code+"/match", strings.NewReader(`{"nik":"`+vfNIK+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = "192.0.2.99:1"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusTooManyRequests {
				t.Errorf("a fresh address after %d tries on the letter = %d, want 429", compared, rec.Code)
			}
		}
		// The plain page still works while the match is limited.
		if rec := e.do("GET", "/v/"+code, nil, nil); rec.Code != http.StatusOK {
			t.Errorf("GET /v while the match is limited = %d", rec.Code)
		}

		// An hour later the window is over.
		e.clock.Advance(time.Hour + time.Second)
		if rec := e.matchJSON("198.51.100.7", code, map[string]string{"nik": vfNIK}); rec.Code != http.StatusOK {
			t.Errorf("after the window: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestVerifyMatchLeavesNoTrace looks for the typed NIK and name, and for
// the client's address, in the log and in every row the public match
// writes (verify_attempts, and the digests it reads).
func TestVerifyMatchLeavesNoTrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		code := *f.sign(t).VerifyCode
		typedNIK, typedName := "3505129912990007", "Ratna Kumalasari Dewi"
		e.matchHTML("198.51.100.33", code, url.Values{"nik": {typedNIK}})
		e.matchJSON("198.51.100.33", code, map[string]string{"nama": typedName})
		e.matchJSON("198.51.100.33", code, map[string]string{"nik": vfNIK})

		logs := e.logs.String()
		if !strings.Contains(logs, "paper matched") {
			t.Fatal("the match was not logged at all")
		}
		for _, s := range []string{typedNIK, typedName, "Ratna", vfNIK, vfName, "Sulastri"} {
			if strings.Contains(logs, s) {
				t.Errorf("log holds %q", s)
			}
		}

		db, err := sql.Open(string(b), e.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query("SELECT bucket, window_start, hits FROM verify_attempts")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		bucketRE := regexp.MustCompile(`^match:[A-Z2-7]{26}(:[0-9a-f]{32})?$`)
		n := 0
		for rows.Next() {
			var bucket string
			var start, hits int64
			if err := rows.Scan(&bucket, &start, &hits); err != nil {
				t.Fatal(err)
			}
			n++
			if !bucketRE.MatchString(bucket) || strings.Contains(bucket, "198.51") {
				t.Errorf("attempt row names %q", bucket)
			}
		}
		if n != 2 {
			t.Errorf("%d attempt rows, want 2 (the letter, the client on the letter)", n)
		}
		var digests int
		if err := db.QueryRow("SELECT COUNT(*) FROM letter_match_keys WHERE digest LIKE ? OR digest LIKE ?",
			"%"+vfNIK+"%", "%"+typedNIK+"%").Scan(&digests); err != nil || digests != 0 {
			t.Errorf("letter_match_keys holds a NIK: %d %v", digests, err)
		}
	})
}
