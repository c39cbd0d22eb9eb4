package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// mandiriEnv is a server with issuance, a root CA and an attachment store.
type mandiriEnv struct {
	*letterEnv
	storage string
}

func withStorage(dir string) envOption { return func(d *Deps) { d.Config.Storage = dir } }

func newMandiriEnv(t *testing.T, b storetest.Backend) *mandiriEnv {
	t.Helper()
	var iss *issuance.Service
	dir := t.TempDir()
	e := newEnv(t, b, withIssuance(t, &iss), withStorage(dir))
	if _, err := iss.InitRoot(context.Background(), surat.Actor{Username: "test", Role: surat.RoleAdminKabupaten},
		"Test Root CA", testRootPass); err != nil {
		t.Fatalf("init root: %v", err)
	}
	return &mandiriEnv{letterEnv: &letterEnv{env: e, iss: iss}, storage: dir}
}

// member adds a resident to the KK of the village's test households
// (helpers_test.go puts every e.resident into KK 3505120101080001), or to
// KK noKK when given.
func (e *mandiriEnv) member(v *surat.Village, nik, name, noKK string) *surat.Resident {
	e.t.Helper()
	if noKK == "" {
		return e.resident(v, nik, name)
	}
	r := &surat.Resident{NIK: nik, Name: name, BirthPlace: "Blitar", BirthDate: time.Date(1985, 3, 2, 0, 0, 0, 0, time.UTC),
		Sex: surat.SexFemale, Religion: 1, MaritalStatus: 2, Relation: surat.RelationHead, Citizenship: 1,
		LifeStatus: surat.LifeAlive}
	h := &surat.Household{NoKK: noKK, Address: "Jl. Mawar 9", RT: "003", RW: "001", Dusun: "Krajan"}
	if err := e.st.CreateResident(context.Background(), surat.Actor{Username: "test"}, v.ID, r, h); err != nil {
		e.t.Fatalf("create resident: %v", err)
	}
	return r
}

var pinRE = regexp.MustCompile(`^[0-9]{6}$`)

// issuePIN has the clerk (a browser signed in as username) issue a PIN for
// nik through the clerk page and returns the PIN printed on the slip.
func (e *mandiriEnv) issuePIN(username, nik string) string {
	e.t.Helper()
	br := e.browser()
	br.login(username)
	r := br.post("/permohonan/akun", url.Values{"nik": {nik}, csrfField: {br.csrf("/permohonan/akun")}})
	if r.Code != http.StatusOK {
		e.t.Fatalf("issue PIN: %d %s", r.Code, r.Body)
	}
	pin := textByID(e.t, r.Body, "pin")
	if !pinRE.MatchString(pin) {
		e.t.Fatalf("slip PIN %q is not 6 digits", pin)
	}
	return pin
}

// residentToken logs a resident in through the API and, when the PIN is
// the clerk's, replaces it with newPIN. It returns the token.
func (e *mandiriEnv) residentToken(nik, pin, newPIN string) string {
	e.t.Helper()
	var tr mandiriTokenResponse
	e.call("POST", "/api/v1/mandiri/auth/token", "", map[string]string{"nik": nik, "pin": pin}, http.StatusOK, &tr)
	if tr.MustChangePIN {
		e.call("POST", "/api/v1/mandiri/pin", tr.Token, map[string]string{"pin_lama": pin, "pin_baru": newPIN},
			http.StatusNoContent, nil)
	}
	return tr.Token
}

// residentBrowser signs a resident in through the form, changing the
// clerk's PIN to newPIN.
func (e *mandiriEnv) residentBrowser(nik, pin, newPIN string) *browser {
	e.t.Helper()
	br := e.browser()
	r := br.post("/mandiri/masuk", url.Values{"nik": {nik}, "pin": {pin}, csrfField: {br.csrf("/mandiri/masuk")}})
	if r.Code != http.StatusSeeOther {
		e.t.Fatalf("resident login: %d %s", r.Code, r.Body)
	}
	if r.Header.Get("Location") == "/mandiri/pin" {
		r = br.post("/mandiri/pin", url.Values{"pin_lama": {pin}, "pin_baru": {newPIN}, "pin_ulang": {newPIN},
			csrfField: {br.csrf("/mandiri/pin")}})
		if r.Code != http.StatusSeeOther {
			e.t.Fatalf("change PIN: %d %s", r.Code, r.Body)
		}
	}
	return br
}

// multipartBody builds a multipart form of values and files (field name to
// file content).
func multipartBody(t *testing.T, values url.Values, files map[string][]byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range values {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, content := range files {
		fw, err := w.CreateFormFile("lampiran", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

func (b *browser) postMultipart(path string, values url.Values, files map[string][]byte) response {
	b.t.Helper()
	body, ct := multipartBody(b.t, values, files)
	resp, err := b.c.Post(b.base+path, ct, body)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

// uploadAPI posts files to a request's attachments with a resident token.
func (e *mandiriEnv) uploadAPI(token string, requestID int64, files map[string][]byte) *httptest.ResponseRecorder {
	e.t.Helper()
	body, ct := multipartBody(e.t, nil, files)
	return e.do("POST", fmt.Sprintf("/api/v1/mandiri/requests/%d/attachments", requestID), body,
		http.Header{"Content-Type": {ct}, "Authorization": {"Bearer " + token}})
}

// A minimal but complete PDF and PNG, and an executable renamed .pdf.
var (
	tinyPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" +
		"trailer<</Root 1 0 R>>\n%%EOF\n")
	fakeExe = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
)

// storedFiles lists the files under the attachment store.
func (e *mandiriEnv) storedFiles() []string {
	e.t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(e.storage, "attachments"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func (e *mandiriEnv) requestCount(villageID, residentID int64) int {
	e.t.Helper()
	rs, err := e.st.RequestsOfResident(context.Background(), villageID, residentID)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(rs)
}

func TestMandiriFullFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		budi := lv.res
		siti := e.resident(lv.v, "3505124512850002", "Siti Aminah") // same KK as Budi
		ctx := context.Background()

		// The clerk issues a PIN; the slip shows it once and the audit log
		// records the issue without it.
		pin := e.issuePIN("operator", budi.NIK)
		if acts := auditActionsOf(t, e.st, lv.v.ID, "resident_account"); !contains(acts, "resident_account.create") {
			t.Errorf("audit actions %v, want resident_account.create", acts)
		}

		// First login forces a new PIN; every other page sends there.
		br := e.browser()
		r := br.post("/mandiri/masuk", url.Values{"nik": {budi.NIK}, "pin": {pin}, csrfField: {br.csrf("/mandiri/masuk")}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/mandiri/pin" {
			t.Fatalf("first login: %d to %q", r.Code, r.Header.Get("Location"))
		}
		if r := br.get("/mandiri/layanan"); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/mandiri/pin" {
			t.Errorf("page before PIN change: %d to %q", r.Code, r.Header.Get("Location"))
		}
		for _, trivial := range []string{"123456", "000000", "121212", "654321"} {
			r = br.post("/mandiri/pin", url.Values{"pin_lama": {pin}, "pin_baru": {trivial}, "pin_ulang": {trivial},
				csrfField: {br.csrf("/mandiri/pin")}})
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "terlalu mudah ditebak") {
				t.Errorf("trivial PIN %s: %d", trivial, r.Code)
			}
		}
		r = br.post("/mandiri/pin", url.Values{"pin_lama": {pin}, "pin_baru": {"583920"}, "pin_ulang": {"583920"},
			csrfField: {br.csrf("/mandiri/pin")}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("change PIN: %d %s", r.Code, r.Body)
		}

		// The resident sees the modules offered online with what each needs.
		r = br.get("/mandiri/layanan")
		if r.Code != http.StatusOK || !strings.Contains(r.Body, `id="m-sk_domisili"`) || strings.Contains(r.Body, `id="m-sk_kematian"`) {
			t.Fatalf("modules page: %d, domisili offered and kematian not expected:\n%s", r.Code, r.Body)
		}
		if !strings.Contains(textByID(t, r.Body, "m-sk_domisili"), "Keperluan") {
			t.Errorf("module needs not listed: %q", textByID(t, r.Body, "m-sk_domisili"))
		}

		// The form is about the resident by default and offers only the KK.
		r = br.get("/mandiri/permohonan/baru?modul=sk_domisili")
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "Siti Aminah") {
			t.Fatalf("form: %d", r.Code)
		}
		// Submitting for Siti (same KK) with a PDF attachment.
		tok := attr(t, r.Body, "input", "name", csrfField, "value")
		r = br.postMultipart("/mandiri/permohonan", url.Values{csrfField: {tok}, "module": {"sk_domisili"},
			"subject.pemohon": {fmt.Sprint(siti.ID)}, "field.keperluan": {"Membuka rekening bank"},
			"field.status_tinggal": {"Tetap"}}, map[string][]byte{"ktp-" + siti.NIK + ".pdf": tinyPDF})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("create request: %d %s", r.Code, r.Body)
		}
		var reqID int64
		fmt.Sscanf(r.Header.Get("Location"), "/mandiri/permohonan/%d", &reqID)
		rq, err := e.st.RequestOfResident(ctx, lv.v.ID, budi.ID, reqID)
		if err != nil {
			t.Fatal(err)
		}
		if rq.Effective != surat.RequestInReview || rq.SubjectResidentID != siti.ID || rq.ResidentID != budi.ID {
			t.Errorf("stored request %+v", rq)
		}
		files := e.storedFiles()
		if len(files) != 1 || strings.Contains(files[0], siti.NIK) || strings.Contains(files[0], "ktp") ||
			!strings.Contains(files[0], filepath.Join("attachments", fmt.Sprint(lv.v.ID))) {
			t.Errorf("stored files %v", files)
		}
		r = br.get(fmt.Sprintf("/mandiri/permohonan/%d", reqID))
		if got := textByID(t, r.Body, "status"); got != "Sedang Diperiksa" {
			t.Errorf("status shown %q", got)
		}

		// The clerk's queue shows it; returning it needs a message.
		clerk := e.browser()
		clerk.login("operator")
		r = clerk.get("/permohonan")
		if !strings.Contains(textByID(t, r.Body, "requests"), "Siti Aminah") {
			t.Errorf("queue: %s", textByID(t, r.Body, "requests"))
		}
		detail := fmt.Sprintf("/permohonan/%d", reqID)
		r = clerk.post(detail+"/kembalikan", url.Values{"message": {""}, csrfField: {clerk.csrf(detail)}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("return without message: %d", r.Code)
		}
		r = clerk.post(detail+"/kembalikan", url.Values{"message": {"Lampirkan foto KK yang jelas"}, csrfField: {clerk.csrf(detail)}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("return: %d %s", r.Code, r.Body)
		}
		r = br.get(fmt.Sprintf("/mandiri/permohonan/%d", reqID))
		if textByID(t, r.Body, "status") != "Belum Lengkap" || !strings.Contains(textByID(t, r.Body, "clerk-message"), "foto KK") {
			t.Errorf("returned request page: status %q message %q", textByID(t, r.Body, "status"), textByID(t, r.Body, "clerk-message"))
		}
		// The resident corrects it and adds the document.
		edit := fmt.Sprintf("/mandiri/permohonan/%d/ubah", reqID)
		r = br.post(edit, url.Values{csrfField: {br.csrf(edit)}, "version": {fmt.Sprint(rq.Version + 1)},
			"subject.pemohon": {fmt.Sprint(siti.ID)}, "field.keperluan": {"Membuka rekening tabungan"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("correct request: %d %s", r.Code, r.Body)
		}

		// Opening it creates the prefilled draft and leads to the letter.
		r = clerk.post(detail+"/proses", url.Values{csrfField: {clerk.csrf(detail)}})
		if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/surat/") {
			t.Fatalf("open request: %d to %q %s", r.Code, r.Header.Get("Location"), r.Body)
		}
		rq, _ = e.st.RequestByID(ctx, lv.v.ID, reqID)
		if rq.LetterID == nil || rq.Effective != surat.RequestInReview {
			t.Fatalf("opened request %+v", rq)
		}
		letterID := *rq.LetterID
		draft, err := e.st.LetterByID(ctx, lv.v.ID, letterID)
		if err != nil || draft.Status != surat.LetterDraft || draft.SubjectResidentID == nil || *draft.SubjectResidentID != siti.ID ||
			!strings.Contains(draft.FormData, "rekening tabungan") {
			t.Fatalf("draft %+v, %v", draft, err)
		}

		// Submitted: waiting for the signature; signed: ready, automatically.
		resTok := e.residentToken(budi.NIK, "583920", "")
		var got mandiriRequestJSON
		var l letterJSON
		e.call("POST", letterPath(letterID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, &l)
		e.call("GET", fmt.Sprintf("/api/v1/mandiri/requests/%d", reqID), resTok, nil, http.StatusOK, &got)
		if got.Status != string(surat.RequestAwaitingSignature) || got.LetterID != nil {
			t.Errorf("after submit: %s letter %v", got.Status, got.LetterID)
		}
		e.call("POST", letterPath(letterID)+"/approve", lv.tokens["kades"], map[string]int{"version": l.Version}, http.StatusOK, &l)
		e.call("POST", letterPath(letterID)+"/sign", lv.tokens["kades"], map[string]string{"passphrase": testSignPass}, http.StatusOK, &l)
		e.call("GET", fmt.Sprintf("/api/v1/mandiri/requests/%d", reqID), resTok, nil, http.StatusOK, &got)
		if got.Status != string(surat.RequestReady) || got.LetterID == nil || *got.LetterID != letterID {
			t.Fatalf("after signing: %s letter %v", got.Status, got.LetterID)
		}
		r = clerk.get("/permohonan?status=siap_diambil")
		if !strings.Contains(textByID(t, r.Body, "requests"), "Siti Aminah") {
			t.Errorf("queue filtered on siap_diambil misses the request")
		}
		// Signed letters cannot be cancelled any more.
		var eb errorBody
		e.call("POST", fmt.Sprintf("/api/v1/mandiri/requests/%d/cancel", reqID), resTok, nil, http.StatusConflict, &eb)
		if eb.Error != "invalid_state" || !strings.Contains(eb.Message, "Siap Diambil") {
			t.Errorf("cancel after signing: %+v", eb)
		}

		// The resident downloads the signed PDF; the request is then taken.
		r = br.get(fmt.Sprintf("/mandiri/surat/%d/pdf", letterID))
		if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" ||
			strings.Contains(r.Header.Get("Content-Disposition"), siti.NIK) {
			t.Fatalf("pdf: %d %s %s", r.Code, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
		}
		if txt := pdfText(t, []byte(r.Body)); !strings.Contains(strings.ToUpper(txt), "SITI AMINAH") {
			t.Errorf("pdf text lacks the subject:\n%s", txt)
		}
		e.call("GET", fmt.Sprintf("/api/v1/mandiri/requests/%d", reqID), resTok, nil, http.StatusOK, &got)
		if got.Status != string(surat.RequestTaken) {
			t.Errorf("after download: %s", got.Status)
		}

		// Past letters carry the verification link, which the public page
		// resolves to the letter.
		var ls struct{ Items []mandiriLetterJSON }
		e.call("GET", "/api/v1/mandiri/letters", resTok, nil, http.StatusOK, &ls)
		if len(ls.Items) != 1 || ls.Items[0].ID != letterID || !strings.Contains(ls.Items[0].VerifyURL, "/v/") {
			t.Fatalf("letters: %+v", ls.Items)
		}
		code := ls.Items[0].VerifyURL[strings.LastIndex(ls.Items[0].VerifyURL, "/")+1:]
		if vl, err := e.st.PublicLetterByVerifyCode(ctx, code); err != nil || vl.ID != letterID {
			t.Errorf("PublicLetterByVerifyCode: %+v %v", vl, err)
		}
		if rec := e.do("GET", "/v/"+code, nil, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ASLI") ||
			strings.Contains(rec.Body.String(), siti.NIK) {
			t.Errorf("public verification page: %d", rec.Code)
		}
		r = br.get("/mandiri/surat")
		if !strings.Contains(r.Body, "/v/"+code) {
			t.Errorf("letters page lacks the verification link")
		}
		// The resident's session opens no staff page.
		for _, p := range []string{"/dashboard", "/permohonan", "/surat"} {
			if r := br.get(p); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
				t.Errorf("resident session on %s: %d to %q", p, r.Code, r.Header.Get("Location"))
			}
		}
	})
}

func TestMandiriRequestAPIAndIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		budi := lv.res
		ani := e.member(lv.v, "3505124101900003", "Ani Lestari", "3505120101080099") // another KK
		budiPIN, aniPIN := e.issuePIN("operator", budi.NIK), e.issuePIN("operator", ani.NIK)
		// With one village the NIK alone identifies the resident.
		e.residentToken(budi.NIK, budiPIN, "583920")
		aniTok := e.residentToken(ani.NIK, aniPIN, "480917")
		// A second village, with a resident of the same NIK as Budi: now
		// the kode desa decides which Budi logs in.
		other := e.villageForLetters("3505122002", "Sumberagung", "b_")
		otherPIN := e.issuePIN("b_operator", other.res.NIK)
		otherTok := e.loginWithKode("3505122002", other.res.NIK, otherPIN)
		if rec := e.api("GET", "/api/v1/mandiri/requests", otherTok, nil); rec.Code != http.StatusForbidden ||
			!strings.Contains(rec.Body.String(), "pin_change_required") {
			t.Errorf("API before the PIN change: %d %s", rec.Code, rec.Body)
		}
		e.call("POST", "/api/v1/mandiri/pin", otherTok, map[string]string{"pin_lama": otherPIN, "pin_baru": "739104"},
			http.StatusNoContent, nil)
		var eb errorBody
		e.call("POST", "/api/v1/mandiri/auth/token", "", map[string]string{"nik": budi.NIK, "pin": "583920"},
			http.StatusUnprocessableEntity, &eb)
		if eb.Fields["kode_desa"] == "" {
			t.Errorf("login without kode desa in a multi-village deployment: %+v", eb)
		}
		budiTok := e.loginWithKode("3505122001", budi.NIK, "583920")

		var me mandiriMeJSON
		e.call("GET", "/api/v1/mandiri/me", budiTok, nil, http.StatusOK, &me)
		if len(me.Members) != 1 || me.Members[0].ID != budi.ID || !me.Members[0].Self {
			t.Errorf("me: %+v", me)
		}
		var req mandiriRequestJSON
		e.call("POST", "/api/v1/mandiri/requests", budiTok, domisili(budi.ID, nil), http.StatusCreated, &req)
		path := fmt.Sprintf("/api/v1/mandiri/requests/%d", req.ID)
		if rec := e.uploadAPI(budiTok, req.ID, map[string][]byte{"foto.png": pngOf(t, 4, 4)}); rec.Code != http.StatusCreated {
			t.Fatalf("upload: %d %s", rec.Code, rec.Body)
		}

		// Another resident of the village, a resident of another village
		// and staff tokens get 404 or 401 for Budi's request.
		for name, tok := range map[string]string{"ani": aniTok, "other village": otherTok} {
			for _, p := range []string{path, path + "/cancel", path + "/attachments"} {
				method := "GET"
				if p != path {
					method = "POST"
				}
				if rec := e.api(method, p, tok, nil); rec.Code != http.StatusNotFound {
					t.Errorf("%s %s %s = %d, want 404", name, method, p, rec.Code)
				}
			}
			if rec := e.api("PUT", path, tok, domisili(budi.ID, nil)); rec.Code != http.StatusNotFound {
				t.Errorf("%s PUT = %d", name, rec.Code)
			}
		}
		if rec := e.api("GET", path, lv.tokens["operator"], nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("staff token on resident API = %d, want 401", rec.Code)
		}
		if rec := e.api("GET", "/api/v1/residents", budiTok, nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("resident token on staff API = %d, want 401", rec.Code)
		}
		if rec := e.api("GET", letterPath(1), budiTok, nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("resident token on letter API = %d, want 401", rec.Code)
		}
		// A clerk of the other village cannot open it.
		ob := e.browser()
		ob.login("b_operator")
		if r := ob.get(fmt.Sprintf("/permohonan/%d", req.ID)); r.Code != http.StatusNotFound {
			t.Errorf("other village clerk: %d", r.Code)
		}
		// A resident's browser session never opens staff pages, and a
		// staff session never opens resident pages.
		staff := e.browser()
		staff.login("operator")
		if r := staff.get("/mandiri"); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/mandiri/masuk" {
			t.Errorf("staff on /mandiri: %d %q", r.Code, r.Header.Get("Location"))
		}

		// Letters: Budi's signed letter is his; Ani and the other village
		// get 404 for its PDF.
		l := e.approvedLetter(lv)
		e.call("POST", letterPath(l.ID)+"/sign", lv.tokens["kades"], map[string]string{"passphrase": testSignPass}, http.StatusOK, &l)
		if rec := e.api("GET", fmt.Sprintf("/api/v1/mandiri/letters/%d/pdf", l.ID), budiTok, nil); rec.Code != http.StatusOK {
			t.Errorf("own letter pdf: %d %s", rec.Code, rec.Body)
		}
		for name, tok := range map[string]string{"ani": aniTok, "other village": otherTok} {
			if rec := e.api("GET", fmt.Sprintf("/api/v1/mandiri/letters/%d/pdf", l.ID), tok, nil); rec.Code != http.StatusNotFound {
				t.Errorf("%s letter pdf = %d, want 404", name, rec.Code)
			}
			var ls struct{ Items []mandiriLetterJSON }
			e.call("GET", "/api/v1/mandiri/letters", tok, nil, http.StatusOK, &ls)
			if len(ls.Items) != 0 {
				t.Errorf("%s sees letters %+v", name, ls.Items)
			}
		}

		// Cancel works before signing, once.
		e.call("POST", path+"/cancel", budiTok, nil, http.StatusOK, &req)
		if req.Status != string(surat.RequestCancelled) {
			t.Errorf("cancelled: %s", req.Status)
		}
		e.call("POST", path+"/cancel", budiTok, nil, http.StatusConflict, &eb)
		// Editing is only for returned requests.
		e.call("PUT", path, budiTok, domisili(budi.ID, nil), http.StatusConflict, &eb)
	})
}

// loginWithKode logs in through the API with a kode desa.
func (e *mandiriEnv) loginWithKode(kode, nik, pin string) string {
	e.t.Helper()
	var tr mandiriTokenResponse
	e.call("POST", "/api/v1/mandiri/auth/token", "", map[string]string{"kode_desa": kode, "nik": nik, "pin": pin}, http.StatusOK, &tr)
	return tr.Token
}

func TestMandiriBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		budi := lv.res
		ani := e.member(lv.v, "3505124101900003", "Ani Lestari", "3505120101080099")
		tok := e.residentToken(budi.NIK, e.issuePIN("operator", budi.NIK), "583920")
		ctx := context.Background()

		// A subject outside the KK: a clear message, nothing stored.
		var eb errorBody
		e.call("POST", "/api/v1/mandiri/requests", tok, domisili(ani.ID, nil), http.StatusUnprocessableEntity, &eb)
		if !strings.Contains(eb.Fields["subject.pemohon"], "anggota KK Anda") {
			t.Errorf("outside KK: %+v", eb)
		}
		// A module the village does not offer online.
		e.call("POST", "/api/v1/mandiri/requests", tok, domisili(budi.ID, func(m map[string]any) { m["module"] = "sk_kematian" }),
			http.StatusUnprocessableEntity, &eb)
		if !strings.Contains(eb.Fields["module"], "tidak dapat diajukan secara mandiri") {
			t.Errorf("not offered: %+v", eb)
		}
		// Switched off by the village.
		if err := e.st.SaveLetterSetting(ctx, surat.Actor{Username: "test"}, lv.v.ID,
			&surat.LetterSettings{Module: "sk_domisili", Enabled: true, Online: false}); err != nil {
			t.Fatal(err)
		}
		e.call("POST", "/api/v1/mandiri/requests", tok, domisili(budi.ID, nil), http.StatusUnprocessableEntity, &eb)
		if eb.Fields["module"] == "" {
			t.Errorf("module switched off: %+v", eb)
		}
		if rec := e.api("GET", "/api/v1/mandiri/modules", tok, nil); strings.Contains(rec.Body.String(), `"sk_domisili"`) {
			t.Errorf("modules still lists sk_domisili")
		}
		if n := e.requestCount(lv.v.ID, budi.ID); n != 0 {
			t.Fatalf("%d requests stored after refusals", n)
		}
		if err := e.st.SaveLetterSetting(ctx, surat.Actor{Username: "test"}, lv.v.ID,
			&surat.LetterSettings{Module: "sk_domisili", Enabled: true, Online: true, ValidityDays: 90}); err != nil {
			t.Fatal(err)
		}
		// The resident sees the validity the village set, as the clerk does.
		var offered struct{ Items []moduleJSON }
		e.call("GET", "/api/v1/mandiri/modules", tok, nil, http.StatusOK, &offered)
		validity := map[string]string{}
		for _, m := range offered.Items {
			validity[m.Code] = m.Validity
		}
		if validity["sk_domisili"] != "90 hari" || validity["sk_usaha"] != "1 bulan" {
			t.Errorf("offered validity %v, want sk_domisili 90 hari and sk_usaha its module period", validity)
		}
		// A missing required field is the module's own message.
		e.call("POST", "/api/v1/mandiri/requests", tok, domisili(budi.ID, func(m map[string]any) {
			m["fields"] = map[string]any{}
		}), http.StatusUnprocessableEntity, &eb)
		if eb.Fields["field.keperluan"] == "" {
			t.Errorf("missing keperluan: %+v", eb)
		}

		// Uploads: an executable renamed .pdf and an oversize PDF are
		// refused and leave nothing behind.
		var req mandiriRequestJSON
		e.call("POST", "/api/v1/mandiri/requests", tok, domisili(budi.ID, nil), http.StatusCreated, &req)
		if rec := e.uploadAPI(tok, req.ID, map[string][]byte{"ktp.pdf": fakeExe}); rec.Code != http.StatusUnsupportedMediaType {
			t.Errorf("exe as pdf: %d %s", rec.Code, rec.Body)
		}
		big := append(append([]byte{}, tinyPDF[:9]...), bytes.Repeat([]byte("0"), mandiri.MaxAttachmentBytes)...)
		big = append(big, []byte("\n%%EOF\n")...)
		if rec := e.uploadAPI(tok, req.ID, map[string][]byte{"big.pdf": big}); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("oversize pdf: %d %s", rec.Code, rec.Body)
		}
		// A PDF header without the end of a PDF is not a PDF.
		if rec := e.uploadAPI(tok, req.ID, map[string][]byte{"cut.pdf": []byte("%PDF-1.4\nnot really")}); rec.Code != http.StatusUnsupportedMediaType {
			t.Errorf("truncated pdf: %d", rec.Code)
		}
		if as, _ := e.st.Attachments(ctx, lv.v.ID, req.ID); len(as) != 0 || len(e.storedFiles()) != 0 {
			t.Errorf("refused uploads stored: %d rows, files %v", len(as), e.storedFiles())
		}
		if rec := e.uploadAPI(tok, req.ID, map[string][]byte{"ktp.pdf": tinyPDF}); rec.Code != http.StatusCreated {
			t.Errorf("valid pdf: %d %s", rec.Code, rec.Body)
		}

		// The HTML form shows the upload refusal and stores no request.
		br := e.residentBrowser(budi.NIK, "583920", "")
		before := e.requestCount(lv.v.ID, budi.ID)
		r := br.postMultipart("/mandiri/permohonan", url.Values{csrfField: {br.csrf("/mandiri/permohonan/baru?modul=sk_domisili")},
			"module": {"sk_domisili"}, "subject.pemohon": {fmt.Sprint(budi.ID)}, "field.keperluan": {"Bank"}},
			map[string][]byte{"surat.pdf": fakeExe})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(textByID(t, r.Body, "e-lampiran"), "JPEG/PNG") {
			t.Errorf("form with exe: %d %q", r.Code, textByID(t, r.Body, "e-lampiran"))
		}
		r = br.postMultipart("/mandiri/permohonan", url.Values{csrfField: {br.csrf("/mandiri/permohonan/baru?modul=sk_domisili")},
			"module": {"sk_domisili"}, "subject.pemohon": {fmt.Sprint(ani.ID)}, "field.keperluan": {"Bank"}}, nil)
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(textByID(t, r.Body, "e-subject-pemohon"), "anggota KK Anda") {
			t.Errorf("form outside KK: %d %q", r.Code, textByID(t, r.Body, "e-subject-pemohon"))
		}
		if r := br.get("/mandiri/permohonan/baru?modul=sk_kematian"); r.Code != http.StatusNotFound {
			t.Errorf("form of a module not offered: %d", r.Code)
		}
		if n := e.requestCount(lv.v.ID, budi.ID); n != before {
			t.Errorf("requests %d after refused forms, want %d", n, before)
		}
		if files := e.storedFiles(); len(files) != 1 {
			t.Errorf("files after refused forms: %v", files)
		}
	})
}

func TestMandiriLoginEnumerationAndLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		budi := lv.res
		pin := e.issuePIN("operator", budi.NIK)
		dead := e.member(lv.v, "3505124101900003", "Almarhum Tono", "3505120101080099")
		deadPIN := e.issuePIN("operator", dead.NIK)
		dr, err := e.st.ResidentByID(context.Background(), lv.v.ID, dead.ID)
		if err != nil {
			t.Fatal(err)
		}
		dr.LifeStatus = surat.LifeDead
		if err := e.st.UpdateResident(context.Background(), surat.Actor{Username: "test"}, lv.v.ID, dr, dr.Household); err != nil {
			t.Fatal(err)
		}

		login := func(nik, pin string) (int, string) {
			r := e.api("POST", "/api/v1/mandiri/auth/token", "", map[string]string{"nik": nik, "pin": pin})
			return r.Code, r.Body.String()
		}
		// Unknown NIK, wrong PIN, and the right PIN of a dead resident: the
		// same status and body (that each costs one Argon2id check is
		// package mandiri's test).
		unknownCode, unknownBody := login("3505129999990009", "583920")
		wrongCode, wrongBody := login(budi.NIK, "000001")
		deadCode, deadBody := login(dead.NIK, deadPIN)
		if unknownCode != http.StatusUnauthorized || wrongCode != unknownCode || deadCode != unknownCode ||
			wrongBody != unknownBody || deadBody != unknownBody {
			t.Errorf("answers differ:\nunknown %d %s\nwrong   %d %s\ndead    %d %s", unknownCode, unknownBody,
				wrongCode, wrongBody, deadCode, deadBody)
		}
		// The HTML form answers alike too.
		br := e.browser()
		page := func(nik string) (int, string) {
			r := br.post("/mandiri/masuk", url.Values{"nik": {nik}, "pin": {"000001"}, csrfField: {br.csrf("/mandiri/masuk")}})
			return r.Code, textByID(t, r.Body, "form-error")
		}
		c1, m1 := page("3505129999990008")
		c2, m2 := page(budi.NIK)
		if c1 != http.StatusUnprocessableEntity || c1 != c2 || m1 != m2 || m1 != "NIK atau PIN salah." {
			t.Errorf("form answers: %d %q / %d %q", c1, m1, c2, m2)
		}

		// Budi has 2 failures; 3 more lock him, the right PIN included.
		for i := 0; i < 2; i++ {
			if code, _ := login(budi.NIK, "000001"); code != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+3, code)
			}
		}
		code, body := login(budi.NIK, "000001")
		if code != http.StatusTooManyRequests || !strings.Contains(body, "account_locked") {
			t.Fatalf("fifth failure: %d %s", code, body)
		}
		if code, _ := login(budi.NIK, pin); code != http.StatusTooManyRequests {
			t.Errorf("right PIN while locked: %d", code)
		}
		// An unknown NIK locks after five failures just the same.
		ghost := "3505129999990007"
		var ghostLast int
		var ghostBody string
		for i := 0; i < 5; i++ {
			ghostLast, ghostBody = login(ghost, "000001")
		}
		if ghostLast != http.StatusTooManyRequests || !strings.Contains(ghostBody, "account_locked") {
			t.Errorf("unknown NIK after 5 failures: %d %s", ghostLast, ghostBody)
		}
		e.clock.Advance(16 * time.Minute)
		if code, body := login(budi.NIK, pin); code != http.StatusOK || !strings.Contains(body, `"must_change_pin":true`) {
			t.Errorf("after the lock-out: %d %s", code, body)
		}
		if acts := auditActionsOf(t, e.st, lv.v.ID, "resident_account"); !contains(acts, "resident_account.lock") {
			t.Errorf("no lock audit row: %v", acts)
		}
	})
}

func TestMandiriIPLimit(t *testing.T) {
	e := newMandiriEnv(t, storetest.SQLite)
	lv := e.villageForLetters("3505122001", "Sumberejo", "")
	pin := e.issuePIN("operator", lv.res.NIK)
	for i := 0; i < mandiri.MaxIPFailures; i++ {
		nik := fmt.Sprintf("35051299999900%02d", i)
		if r := e.api("POST", "/api/v1/mandiri/auth/token", "", map[string]string{"nik": nik, "pin": "000001"}); r.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, r.Code)
		}
	}
	r := e.api("POST", "/api/v1/mandiri/auth/token", "", map[string]string{"nik": lv.res.NIK, "pin": pin})
	if r.Code != http.StatusTooManyRequests || r.Header().Get("Retry-After") == "" || !strings.Contains(r.Body.String(), "rate_limited") {
		t.Errorf("after %d failures from one IP: %d %s", mandiri.MaxIPFailures, r.Code, r.Body)
	}
	e.clock.Advance(mandiri.IPFailureWindow + time.Second)
	if r := e.api("POST", "/api/v1/mandiri/auth/token", "", map[string]string{"nik": lv.res.NIK, "pin": pin}); r.Code != http.StatusOK {
		t.Errorf("after the window: %d %s", r.Code, r.Body)
	}
}
