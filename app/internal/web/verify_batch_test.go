package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// batch posts a bulk check with key ("" sends none) and returns the
// answer.
func (e *env) batch(key string, codes []string) *httptest.ResponseRecorder {
	e.t.Helper()
	b, err := json.Marshal(map[string]any{"codes": codes})
	if err != nil {
		e.t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if key != "" {
		h.Set("X-Api-Key", key)
	}
	return e.do("POST", "/api/v1/verify/batch", strings.NewReader(string(b)), h)
}

// TestVerifyAPIKeys is the kabupaten admin's key page: a key is issued and
// shown once, kept only as its SHA-256, opens the bulk check, is audited,
// and once revoked opens nothing. No other role reaches the page.
func TestVerifyAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		l := f.sign(t)
		e.user(nil, "kabupaten", surat.RoleAdminKabupaten)
		e.user(f.village, "admindesa", surat.RoleAdminDesa)
		kab := e.browser()
		kab.login("kabupaten")

		r := kab.get("/kabupaten/kunci-api")
		if r.Code != http.StatusOK || textByID(t, r.Body, "no-keys") == "" {
			t.Fatalf("empty key page: %d", r.Code)
		}
		csrf := kab.csrf("/kabupaten/kunci-api")
		if r := kab.post("/kabupaten/kunci-api", url.Values{csrfField: {csrf}, "institution": {"  "}}); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("key without an institution = %d", r.Code)
		}
		r = kab.post("/kabupaten/kunci-api", url.Values{csrfField: {csrf}, "institution": {"Bank Rakyat Indonesia Unit Sanankulon"}})
		key := textByID(t, r.Body, "new-key-value")
		if r.Code != http.StatusCreated || !regexp.MustCompile(`^sdv_[a-z2-7]{52}$`).MatchString(key) {
			t.Fatalf("issue key = %d, key %q", r.Code, key)
		}
		list := kab.get("/kabupaten/kunci-api")
		if strings.Contains(list.Body, key) || !strings.Contains(list.Body, key[:12]) {
			t.Error("the list shows the whole key, or not its beginning")
		}

		// Only the SHA-256 is stored: no column holds the key.
		db, err := sql.Open(string(b), e.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var prefix, hash, institution string
		if err := db.QueryRow("SELECT key_prefix, key_hash, institution FROM verify_api_keys").Scan(&prefix, &hash, &institution); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(key))
		if hash != hex.EncodeToString(sum[:]) || prefix != key[:12] || strings.Contains(hash+prefix+institution, key[12:]) {
			t.Errorf("stored key: prefix %q hash %q", prefix, hash)
		}

		// Other roles are refused the page and its forms.
		for _, user := range []string{"admindesa", "operator"} {
			br := e.browser()
			br.login(user)
			c := br.csrf("/dashboard")
			if r := br.get("/kabupaten/kunci-api"); r.Code != http.StatusForbidden {
				t.Errorf("%s GET keys = %d", user, r.Code)
			}
			if r := br.post("/kabupaten/kunci-api", url.Values{csrfField: {c}, "institution": {"Bank"}}); r.Code != http.StatusForbidden {
				t.Errorf("%s POST keys = %d", user, r.Code)
			}
		}

		// The key opens the bulk check.
		if rec := e.batch(key, []string{*l.VerifyCode}); rec.Code != http.StatusOK {
			t.Fatalf("bulk check with the key = %d %s", rec.Code, rec.Body)
		}
		ks, err := e.st.APIKeys(context.Background())
		if err != nil || len(ks) != 1 || ks[0].Uses != 1 || ks[0].LastUsedAt == nil {
			t.Errorf("key after one use: %+v %v", ks, err)
		}

		// Revoked, it opens nothing.
		id := ks[0].ID
		r = kab.post(fmt.Sprintf("/kabupaten/kunci-api/%d/cabut", id), url.Values{csrfField: {csrf}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("revoke key = %d", r.Code)
		}
		if rec := e.batch(key, []string{*l.VerifyCode}); rec.Code != http.StatusUnauthorized {
			t.Errorf("bulk check with a revoked key = %d", rec.Code)
		}
		if got := textByID(t, kab.get("/kabupaten/kunci-api").Body, fmt.Sprintf("k-%d", id)); !strings.Contains(got, "Dicabut") {
			t.Errorf("revoked key row: %q", got)
		}

		page, err := e.st.AuditEntries(context.Background(), store.AuditFilter{Entity: "verify_api_key"})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]bool{}
		for _, a := range page.Entries {
			actions[a.Action] = true
			if strings.Contains(a.Detail, key) || strings.Contains(a.Detail, hash) {
				t.Error("the audit log holds the key or its hash")
			}
		}
		if !actions["api_key.create"] || !actions["api_key.revoke"] {
			t.Errorf("audit actions %v", actions)
		}
	})
}

// TestVerifyBatch checks many codes at once: every status in the order
// sent, the same facts as the verification page and nothing personal, the
// limits on the batch and on the key.
func TestVerifyBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newVerifyFixture(t, b)
		e := f.e
		ctx := context.Background()
		ok, revoked := f.sign(t), f.sign(t)
		if _, err := f.iss.Revoke(ctx, f.signer, f.village.ID, revoked.ID,
			surat.Revocation{Reason: surat.ReasonDataError, Note: "NIK " + vfNIK + " salah"}); err != nil {
			t.Fatal(err)
		}
		kab := surat.Actor{Username: "kabupaten", Role: surat.RoleAdminKabupaten}
		key, _, err := e.srv.verify.IssueAPIKey(ctx, kab, "Sekolah Menengah Atas Negeri 1")
		if err != nil {
			t.Fatal(err)
		}

		for name, k := range map[string]string{"no key": "", "wrong key": "sdv_" + strings.Repeat("a", 52), "not a key": "Bearer x"} {
			rec := e.batch(k, []string{*ok.VerifyCode})
			var eb errorBody
			decode(t, rec, &eb)
			if rec.Code != http.StatusUnauthorized || eb.Error != "unauthorized" {
				t.Errorf("%s: %d %+v", name, rec.Code, eb)
			}
		}

		codes := []string{*ok.VerifyCode, strings.ToLower(*revoked.VerifyCode), "AAAAAAAAAAAAAAAAAAAAAAAAAA", "bukan kode", *ok.VerifyCode}
		rec := e.batch(key, codes)
		if rec.Code != http.StatusOK {
			t.Fatalf("batch = %d %s", rec.Code, rec.Body)
		}
		var out batchJSON
		decode(t, rec, &out)
		want := []verify.Status{verify.Authentic, verify.Revoked, verify.NotFound, verify.NotFound, verify.Authentic}
		if len(out.Results) != len(want) {
			t.Fatalf("%d results, want %d", len(out.Results), len(want))
		}
		for i, r := range out.Results {
			if r.Code != codes[i] || r.Status != want[i] || (r.Verification == nil) != (want[i] == verify.NotFound) {
				t.Errorf("result %d: %+v, want %s for %s", i, r, want[i], codes[i])
			}
		}
		if v := out.Results[0].Verification; v.Letter.Number != ok.NumberString() || v.Subject != "S**** W**** N****" ||
			v.Village.Name != "Desa Sumberejo" {
			t.Errorf("facts of the authentic letter: %+v", v)
		}
		if rv := out.Results[1].Verification.Revocation; rv == nil || rv.ReasonCode != surat.ReasonDataError {
			t.Errorf("revocation in the batch: %+v", rv)
		}
		body := rec.Body.String()
		for _, s := range []string{vfNIK, vfKK, vfName, "Sulastri", vfStreet, vfBirthPlace, "1985-08-17", vfPurpose} {
			if strings.Contains(body, s) {
				t.Errorf("bulk answer holds %q", s)
			}
		}

		// Batch size: none, and more than 100.
		many := make([]string, verify.MaxBatch+1)
		for i := range many {
			many[i] = *ok.VerifyCode
		}
		for name, codes := range map[string][]string{"empty": {}, "101 codes": many} {
			rec := e.batch(key, codes)
			var eb errorBody
			decode(t, rec, &eb)
			if rec.Code != http.StatusUnprocessableEntity || eb.Fields["codes"] == "" {
				t.Errorf("%s: %d %+v", name, rec.Code, eb)
			}
		}
		if rec := e.batch(key, many[:verify.MaxBatch]); rec.Code != http.StatusOK {
			t.Errorf("100 codes = %d", rec.Code)
		}

		// The key's limit: BatchPerKey requests a minute, then 429 (the
		// requests above count too, so it comes within BatchPerKey more).
		var limited *httptest.ResponseRecorder
		for i := range verify.BatchPerKey + 1 {
			rec := e.batch(key, []string{*ok.VerifyCode})
			if rec.Code == http.StatusTooManyRequests {
				limited = rec
				break
			}
			if rec.Code != http.StatusOK {
				t.Fatalf("request %d = %d", i, rec.Code)
			}
		}
		if limited == nil {
			t.Fatal("no 429 after BatchPerKey requests")
		}
		if ra, _ := strconv.Atoi(limited.Header().Get("Retry-After")); ra < 1 || ra > 60 {
			t.Errorf("Retry-After %q", limited.Header().Get("Retry-After"))
		}
		// Another key is not affected; the first is free again a minute
		// later.
		other, _, err := e.srv.verify.IssueAPIKey(ctx, kab, "Bank Jatim")
		if err != nil {
			t.Fatal(err)
		}
		if rec := e.batch(other, []string{*ok.VerifyCode}); rec.Code != http.StatusOK {
			t.Errorf("another key while the first is limited = %d", rec.Code)
		}
		e.clock.Advance(time.Minute + time.Second)
		if rec := e.batch(key, []string{*ok.VerifyCode}); rec.Code != http.StatusOK {
			t.Errorf("a minute later = %d", rec.Code)
		}
	})
}
