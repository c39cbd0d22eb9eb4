package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Passphrases of the test PKI.
const (
	testRootPass = "akar-rahasia-123"
	testSignPass = "tanda-tangan-456"
)

// withIssuance gives the server its issuance service and *iss receives it.
func withIssuance(t *testing.T, iss **issuance.Service) envOption {
	return func(d *Deps) {
		*iss = testIssuance(t, d, "")
		d.Issuance = *iss
	}
}

// letterVillage is a village ready for letters: a kepala desa with a
// signer certificate, a resident, and the users operator, admin and kades
// (the kepala desa's account) with their tokens.
type letterVillage struct {
	v      *surat.Village
	head   *surat.Official
	res    *surat.Resident
	tokens map[string]string
}

// letterEnv is a server with the issuance service and one root CA.
type letterEnv struct {
	*env
	iss *issuance.Service
}

func newLetterEnv(t *testing.T, b storetest.Backend) *letterEnv {
	t.Helper()
	var iss *issuance.Service
	e := newEnv(t, b, withIssuance(t, &iss))
	if _, err := iss.InitRoot(context.Background(), surat.Actor{Username: "test", Role: surat.RoleAdminKabupaten},
		"Test Root CA", testRootPass); err != nil {
		t.Fatalf("init root: %v", err)
	}
	return &letterEnv{env: e, iss: iss}
}

// villageForLetters sets up a village; prefix keeps usernames unique.
func (e *letterEnv) villageForLetters(code, name, prefix string) *letterVillage {
	e.t.Helper()
	ctx := context.Background()
	v := e.village(code, name)
	head := &surat.Official{Name: "Slamet Riyadi", Jabatan: "Kepala Desa", IsHead: true, Active: true}
	if err := e.st.CreateOfficial(ctx, surat.Actor{Username: "test"}, v.ID, head); err != nil {
		e.t.Fatalf("create official: %v", err)
	}
	if _, err := e.iss.IssueCertificate(ctx, surat.Actor{Username: "test", Role: surat.RoleAdminKabupaten},
		v.ID, head.ID, testRootPass, testSignPass); err != nil {
		e.t.Fatalf("issue certificate: %v", err)
	}
	lv := &letterVillage{v: v, head: head, res: e.resident(v, "3505121501800001", "Budi Santoso"), tokens: map[string]string{}}
	e.user(v, prefix+"operator", surat.RoleOperator)
	e.user(v, prefix+"admin", surat.RoleAdminDesa)
	e.user(v, prefix+"petugas", surat.RoleSigner) // a signer without an official
	hash, err := auth.Hash(testPassword, testParams)
	if err != nil {
		e.t.Fatal(err)
	}
	kades := &surat.User{Username: prefix + "kades", FullName: "Slamet Riyadi", PasswordHash: hash,
		Role: surat.RoleSigner, VillageID: &v.ID, OfficialID: &head.ID}
	if err := e.st.CreateUser(ctx, surat.Actor{Username: "test"}, kades); err != nil {
		e.t.Fatalf("create kades: %v", err)
	}
	for _, u := range []string{"operator", "admin", "petugas", "kades"} {
		lv.tokens[u] = e.token(prefix + u)
	}
	return lv
}

// domisili is a valid create body for sk_domisili about resident id.
func domisili(id int64, change func(map[string]any)) map[string]any {
	m := map[string]any{
		"module":   "sk_domisili",
		"subjects": map[string]any{"pemohon": map[string]any{"resident_id": id}},
		"fields":   map[string]any{"keperluan": "Persyaratan membuka rekening bank", "status_tinggal": "Tetap"},
	}
	if change != nil {
		change(m)
	}
	return m
}

// call sends a JSON request and checks the status; the decoded body, when
// out is not nil, replaces what out held.
func (e *letterEnv) call(method, path, token string, body any, want int, out any) {
	e.t.Helper()
	rec := e.api(method, path, token, body)
	if rec.Code != want {
		e.t.Fatalf("%s %s = %d, want %d: %s", method, path, rec.Code, want, rec.Body)
	}
	if out != nil {
		reflect.ValueOf(out).Elem().SetZero()
		decode(e.t, rec, out)
	}
}

// approvedLetter drafts, submits and approves a domisili letter.
func (e *letterEnv) approvedLetter(lv *letterVillage) letterJSON {
	e.t.Helper()
	var l letterJSON
	e.call("POST", "/api/v1/letters", lv.tokens["operator"], domisili(lv.res.ID, nil), http.StatusCreated, &l)
	e.call("POST", letterPath(l.ID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, &l)
	e.call("POST", letterPath(l.ID)+"/approve", lv.tokens["kades"], map[string]int{"version": l.Version}, http.StatusOK, &l)
	return l
}

// pdfText is the text of a PDF as pdftotext extracts it.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; CI installs it")
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// numbered counts the village's letters that carry a number.
func (e *letterEnv) numbered(vid int64) int {
	e.t.Helper()
	page, err := e.st.ListLetters(context.Background(), vid, store.LetterFilter{PerPage: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, l := range page.Letters {
		if l.Number != nil {
			n++
		}
	}
	return n
}

func TestAPILetterFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		op, kades := lv.tokens["operator"], lv.tokens["kades"]

		// The module list is what a client builds its form from.
		var mods struct{ Items []moduleJSON }
		e.call("GET", "/api/v1/modules", op, nil, http.StatusOK, &mods)
		var dom *moduleJSON
		for i := range mods.Items {
			if mods.Items[i].Code == "sk_domisili" {
				dom = &mods.Items[i]
			}
		}
		if len(mods.Items) != len(testCatalogue(t).Modules()) || dom == nil || dom.Title != "Surat Keterangan Domisili" ||
			len(dom.Subjects) != 1 || dom.Subjects[0].Role != "pemohon" || !dom.Subjects[0].Person {
			t.Fatalf("modules: %d items, sk_domisili %+v", len(mods.Items), dom)
		}
		var keperluan, status *fieldSpec
		for i := range dom.Fields {
			switch dom.Fields[i].Name {
			case "keperluan":
				keperluan = &dom.Fields[i]
			case "status_tinggal":
				status = &dom.Fields[i]
			}
		}
		if keperluan == nil || !keperluan.Required || keperluan.Type != "textarea" ||
			status == nil || strings.Join(status.Options, "|") != "Tetap|Sementara/kos|Kontrak" {
			t.Errorf("fields: keperluan %+v status_tinggal %+v", keperluan, status)
		}

		// Create.
		rec := e.api("POST", "/api/v1/letters", op, domisili(lv.res.ID, nil))
		if rec.Code != http.StatusCreated {
			t.Fatalf("create = %d %s", rec.Code, rec.Body)
		}
		var l letterJSON
		decode(t, rec, &l)
		if rec.Header().Get("Location") != letterPath(l.ID) || l.Links.Self != letterPath(l.ID) ||
			l.Links.PDF != letterPath(l.ID)+"/pdf" {
			t.Errorf("Location %q links %+v", rec.Header().Get("Location"), l.Links)
		}
		if l.Status != surat.LetterDraft || l.StatusLabel != "Draf" || l.Module != "sk_domisili" ||
			l.ModuleTitle != "Surat Keterangan Domisili" || l.SubjectName != "Budi Santoso" || l.Version != 1 ||
			l.Number != "" || l.SignerOfficialID == nil || *l.SignerOfficialID != lv.head.ID ||
			l.Subjects["pemohon"].ResidentID != lv.res.ID || l.Fields["keperluan"] != "Persyaratan membuka rekening bank" {
			t.Errorf("draft %+v", l)
		}

		// Edit with the version read; the same stale version again is 409.
		body := domisili(lv.res.ID, func(m map[string]any) {
			m["fields"] = map[string]any{"keperluan": "Melamar pekerjaan", "tinggal_sejak": "2020-05-01"}
			m["version"] = l.Version
		})
		e.call("PUT", letterPath(l.ID), op, body, http.StatusOK, &l)
		if l.Version != 2 || l.Fields["keperluan"] != "Melamar pekerjaan" || l.Fields["status_tinggal"] != "" {
			t.Errorf("updated %+v", l)
		}
		var eb errorBody
		e.call("PUT", letterPath(l.ID), op, body, http.StatusConflict, &eb)
		if eb.Error != "conflict" {
			t.Errorf("stale edit: %+v", eb)
		}
		delete(body, "version")
		e.call("PUT", letterPath(l.ID), op, body, http.StatusUnprocessableEntity, &eb)
		if eb.Fields["version"] == "" {
			t.Errorf("edit without version: %+v", eb)
		}

		// The unsigned letter's PDF is the draft, named without a person.
		rec = e.api("GET", letterPath(l.ID)+"/pdf", kades, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" {
			t.Fatalf("draft pdf = %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		_, params, err := mime.ParseMediaType(rec.Header().Get("Content-Disposition"))
		if err != nil || params["filename"] != fmt.Sprintf("sk_domisili_draf_%d.pdf", l.ID) {
			t.Errorf("draft Content-Disposition %q", rec.Header().Get("Content-Disposition"))
		}
		if text := pdfText(t, rec.Body.Bytes()); !strings.Contains(text, "BUDI SANTOSO") || !strings.Contains(text, "Melamar pekerjaan") {
			t.Errorf("draft PDF text lacks the subject or the purpose:\n%s", text)
		}

		// Submit, return with a reason, submit again, approve.
		e.call("POST", letterPath(l.ID)+"/submit", op, nil, http.StatusOK, &l)
		if l.Status != surat.LetterSubmitted {
			t.Fatalf("submitted: %s", l.Status)
		}
		e.call("POST", letterPath(l.ID)+"/return", kades, map[string]string{"reason": " "}, http.StatusUnprocessableEntity, &eb)
		if eb.Fields["reason"] != "Alasan wajib diisi" {
			t.Errorf("return without reason: %+v", eb)
		}
		e.call("POST", letterPath(l.ID)+"/return", kades, map[string]string{"reason": "Alamat kurang lengkap"}, http.StatusOK, &l)
		if l.Status != surat.LetterDraft || l.ReturnReason != "Alamat kurang lengkap" {
			t.Errorf("returned: %+v", l)
		}
		e.call("POST", letterPath(l.ID)+"/submit", op, nil, http.StatusOK, &l)
		e.call("POST", letterPath(l.ID)+"/approve", kades, map[string]int{"version": l.Version - 1}, http.StatusConflict, nil)
		// Without a version, the letter is approved as stored.
		e.call("POST", letterPath(l.ID)+"/approve", kades, nil, http.StatusOK, &l)
		if l.Status != surat.LetterApproved {
			t.Fatalf("approved: %s", l.Status)
		}

		// A wrong passphrase signs nothing and takes no number.
		e.call("POST", letterPath(l.ID)+"/sign", kades, map[string]string{"passphrase": "bukan-ini"}, http.StatusUnprocessableEntity, &eb)
		if eb.Error != "wrong_passphrase" || eb.Fields["passphrase"] == "" || strings.Contains(eb.Message, "bukan-ini") {
			t.Errorf("wrong passphrase: %+v", eb)
		}
		if n := e.numbered(lv.v.ID); n != 0 {
			t.Errorf("%d numbered letters after a wrong passphrase", n)
		}
		e.call("POST", letterPath(l.ID)+"/sign", kades, map[string]string{}, http.StatusUnprocessableEntity, &eb)
		if eb.Fields["passphrase"] != "Frasa sandi wajib diisi" {
			t.Errorf("empty passphrase: %+v", eb)
		}
		// A penandatangan who is not the letter's signer cannot sign it.
		e.call("POST", letterPath(l.ID)+"/sign", lv.tokens["petugas"], map[string]string{"passphrase": testSignPass},
			http.StatusForbidden, &eb)
		if eb.Error != "not_signer" {
			t.Errorf("foreign signer: %+v", eb)
		}

		// Sign.
		var signed letterJSON
		e.call("POST", letterPath(l.ID)+"/sign", kades, map[string]string{"passphrase": testSignPass}, http.StatusOK, &signed)
		const wantNumber = "470/001/3505122001/XI/2026"
		if signed.Status != surat.LetterSigned || signed.Number != wantNumber || len(signed.SHA256) != 64 ||
			!strings.HasPrefix(signed.VerifyURL, "http://localhost:8080/v/") || len(signed.VerifyURL) != len("http://localhost:8080/v/")+26 ||
			signed.SignedAt == nil || signed.IssuedAt != "2026-11-23" || signed.Links.Verify != signed.VerifyURL {
			t.Fatalf("signed %+v", signed)
		}
		// Signing twice is refused and numbers nothing more.
		e.call("POST", letterPath(l.ID)+"/sign", kades, map[string]string{"passphrase": testSignPass}, http.StatusConflict, &eb)
		if eb.Error != "invalid_transition" || eb.Message != "Surat ini sudah berstatus Ditandatangani." {
			t.Errorf("double sign: %+v", eb)
		}
		if n := e.numbered(lv.v.ID); n != 1 {
			t.Errorf("%d numbered letters after signing twice, want 1", n)
		}
		var again letterJSON
		e.call("GET", letterPath(l.ID), op, nil, http.StatusOK, &again)
		if again.Number != wantNumber || again.SHA256 != signed.SHA256 || again.Status != surat.LetterSigned {
			t.Errorf("after double sign: %+v", again)
		}
		// A signed letter is no longer a draft.
		body["version"] = again.Version
		e.call("PUT", letterPath(l.ID), op, body, http.StatusConflict, &eb)
		if eb.Error != "invalid_transition" {
			t.Errorf("edit of a signed letter: %+v", eb)
		}

		// The PDF is the signed file, byte for byte.
		rec = e.api("GET", letterPath(l.ID)+"/pdf", op, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" {
			t.Fatalf("signed pdf = %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		sum := sha256.Sum256(rec.Body.Bytes())
		if hex.EncodeToString(sum[:]) != signed.SHA256 {
			t.Errorf("downloaded PDF SHA-256 %x, signed %s", sum, signed.SHA256)
		}
		cd := rec.Header().Get("Content-Disposition")
		disp, params, err := mime.ParseMediaType(cd)
		if err != nil || disp != "attachment" || params["filename"] != "sk_domisili_470-001-3505122001-XI-2026.pdf" {
			t.Errorf("signed Content-Disposition %q", cd)
		}
		if strings.Contains(strings.ToLower(cd), "budi") || strings.Contains(cd, lv.res.NIK) {
			t.Errorf("file name names the person: %q", cd)
		}
		text := pdfText(t, rec.Body.Bytes())
		if !strings.Contains(text, wantNumber) {
			t.Errorf("signed PDF text lacks the number %s:\n%s", wantNumber, text)
		}

		// Lists and filters.
		var other letterJSON
		e.call("POST", "/api/v1/letters", op, domisili(lv.res.ID, nil), http.StatusCreated, &other)
		listTests := []struct {
			query string
			want  []int64
		}{
			{"", []int64{other.ID, l.ID}},
			{"?status=ditandatangani", []int64{l.ID}},
			{"?status=Draf", []int64{other.ID}},
			{"?q=001%2F3505122001", []int64{l.ID}},
			{"?q=budi", []int64{other.ID, l.ID}},
			{"?module=sk_domisili&from=2026-11-23&to=2026-11-23", []int64{other.ID, l.ID}},
			{"?to=2026-11-22", nil},
			{"?module=sk_kelahiran", nil},
			{"?per_page=1&page=2", []int64{l.ID}},
		}
		for _, tt := range listTests {
			var page letterList
			e.call("GET", "/api/v1/letters"+tt.query, kades, nil, http.StatusOK, &page)
			var got []int64
			for _, it := range page.Items {
				got = append(got, it.ID)
				if it.Subjects != nil || it.Fields != nil {
					t.Errorf("list %q carries the form of letter %d", tt.query, it.ID)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("list %q: got %v, want %v", tt.query, got, tt.want)
			}
		}
		e.call("GET", "/api/v1/letters?status=hilang&module=sk_tidak_ada&from=kemarin&per_page=0", kades, nil,
			http.StatusUnprocessableEntity, &eb)
		if len(eb.Fields) != 4 {
			t.Errorf("bad list filters: %+v", eb.Fields)
		}

		// Revoke: a reason code is required; the operator only asks, the
		// kepala desa confirms, and then the letter is dicabut.
		e.call("POST", letterPath(l.ID)+"/revoke", op, map[string]string{}, http.StatusUnprocessableEntity, &eb)
		if eb.Fields["reason_code"] != "Pilih alasan pencabutan" {
			t.Errorf("revoke without reason: %+v", eb)
		}
		var asked revocationRequestJSON
		e.call("POST", letterPath(l.ID)+"/revoke", op,
			map[string]string{"reason_code": "applicant_request", "note": "Pemohon pindah domisili"}, http.StatusAccepted, &asked)
		if asked.LetterID != l.ID || asked.ReasonCode != surat.ReasonApplicantRequest || asked.Reason != "Atas permintaan pemohon" ||
			asked.Note != "Pemohon pindah domisili" {
			t.Errorf("revocation request %+v", asked)
		}
		var still letterJSON
		e.call("GET", letterPath(l.ID), op, nil, http.StatusOK, &still)
		if still.Status != surat.LetterSigned {
			t.Errorf("after the operator's request the letter is %s", still.Status)
		}
		e.call("POST", letterPath(l.ID)+"/revoke", op, map[string]string{"reason_code": "data_error"}, http.StatusConflict, &eb)
		if eb.Error != "revocation_pending" {
			t.Errorf("second request: %+v", eb)
		}
		var revoked letterJSON
		e.call("POST", letterPath(l.ID)+"/revoke/confirm", kades, nil, http.StatusOK, &revoked)
		if revoked.Status != surat.LetterRevoked || revoked.RevokeReason != "Pemohon pindah domisili" || revoked.RevokedAt == nil ||
			revoked.RevokeCode != surat.ReasonApplicantRequest || revoked.Number != wantNumber {
			t.Errorf("revoked %+v", revoked)
		}
		// The revoked letter's PDF is still the signed file.
		rec = e.api("GET", letterPath(l.ID)+"/pdf", op, nil)
		if sum := sha256.Sum256(rec.Body.Bytes()); rec.Code != http.StatusOK || hex.EncodeToString(sum[:]) != signed.SHA256 {
			t.Errorf("PDF of the revoked letter = %d, sha %x", rec.Code, sum)
		}
		e.call("POST", letterPath(l.ID)+"/revoke", kades, map[string]string{"reason_code": "other", "note": "Lagi"},
			http.StatusConflict, &eb)
		if eb.Error != "invalid_transition" {
			t.Errorf("second revoke: %+v", eb)
		}
		e.call("POST", letterPath(l.ID)+"/revoke/confirm", kades, nil, http.StatusConflict, &eb)
		if eb.Error != "no_revocation_request" {
			t.Errorf("confirming again: %+v", eb)
		}
		// No passphrase ever reaches the log.
		for _, secret := range []string{testSignPass, testRootPass, "bukan-ini"} {
			if strings.Contains(e.logs.String(), secret) {
				t.Errorf("log contains the passphrase %q", secret)
			}
		}
	})
}

func TestAPILetterBatchReplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		op, kades := lv.tokens["operator"], lv.tokens["kades"]
		a, bl := e.approvedLetter(lv), e.approvedLetter(lv)
		var draft letterJSON
		e.call("POST", "/api/v1/letters", op, domisili(lv.res.ID, nil), http.StatusCreated, &draft)

		var eb errorBody
		e.call("POST", "/api/v1/letters/sign-batch", kades, map[string]any{"ids": []int64{}, "passphrase": ""},
			http.StatusUnprocessableEntity, &eb)
		if eb.Fields["ids"] == "" || eb.Fields["passphrase"] == "" {
			t.Errorf("empty batch: %+v", eb)
		}
		e.call("POST", "/api/v1/letters/sign-batch", kades, map[string]any{"ids": []int64{a.ID, a.ID}, "passphrase": testSignPass},
			http.StatusUnprocessableEntity, &eb)
		if eb.Fields["ids"] == "" {
			t.Errorf("duplicate ids: %+v", eb)
		}
		e.call("POST", "/api/v1/letters/sign-batch", kades, map[string]any{"ids": []int64{a.ID, bl.ID}, "passphrase": "salah"},
			http.StatusUnprocessableEntity, &eb)
		if eb.Error != "wrong_passphrase" || e.numbered(lv.v.ID) != 0 {
			t.Errorf("batch with a wrong passphrase: %+v, %d numbered", eb, e.numbered(lv.v.ID))
		}

		var res struct {
			Signed, Failed int
			Results        []batchItem
		}
		e.call("POST", "/api/v1/letters/sign-batch", kades,
			map[string]any{"ids": []int64{a.ID, draft.ID, bl.ID, 999999}, "passphrase": testSignPass}, http.StatusOK, &res)
		if res.Signed != 2 || res.Failed != 2 || len(res.Results) != 4 {
			t.Fatalf("batch: %+v", res)
		}
		want := []struct {
			id     int64
			ok     bool
			code   string
			number string
		}{
			{a.ID, true, "", "470/001/3505122001/XI/2026"},
			{draft.ID, false, "invalid_transition", ""},
			{bl.ID, true, "", "470/002/3505122001/XI/2026"},
			{999999, false, "not_found", ""},
		}
		for i, w := range want {
			r := res.Results[i]
			if r.ID != w.id || r.OK != w.ok || r.Error != w.code || (w.ok && (r.Letter == nil || r.Letter.Number != w.number)) ||
				(!w.ok && r.Message == "") {
				t.Errorf("result %d: %+v (letter %+v), want %+v", i, r, r.Letter, w)
			}
		}

		// Replace b: a new draft copying it, linked both ways once signed.
		rec := e.api("POST", letterPath(bl.ID)+"/replace", op, nil)
		if rec.Code != http.StatusCreated {
			t.Fatalf("replace = %d %s", rec.Code, rec.Body)
		}
		var repl letterJSON
		decode(t, rec, &repl)
		if repl.Status != surat.LetterDraft || repl.ReplacesID == nil || *repl.ReplacesID != bl.ID ||
			repl.Links.Replaces != letterPath(bl.ID) || repl.Fields["keperluan"] != "Persyaratan membuka rekening bank" ||
			repl.Subjects["pemohon"].ResidentID != lv.res.ID || rec.Header().Get("Location") != letterPath(repl.ID) {
			t.Errorf("replacement %+v", repl)
		}
		e.call("POST", letterPath(draft.ID)+"/replace", op, nil, http.StatusConflict, &eb)
		if eb.Error != "invalid_transition" {
			t.Errorf("replacing a draft: %+v", eb)
		}

		// Revoke a, naming b as its replacement.
		tests := []struct {
			name       string
			replacedBy int64
			wantField  string
		}{
			{"itself", a.ID, "Surat tidak dapat menggantikan dirinya sendiri"},
			{"unknown", 999999, "Surat pengganti tidak ditemukan di desa ini"},
			{"a draft", draft.ID, "Surat pengganti harus surat yang sudah ditandatangani dan masih berlaku (sekarang berstatus Draf)"},
		}
		for _, tt := range tests {
			e.call("POST", letterPath(a.ID)+"/revoke", kades, map[string]any{"note": "Salah ketik", "replaced_by": tt.replacedBy},
				http.StatusUnprocessableEntity, &eb)
			if eb.Fields["replaced_by"] != tt.wantField {
				t.Errorf("replaced_by %s: %+v", tt.name, eb.Fields)
			}
		}
		var gone letterJSON
		// The operator's request is overtaken by the kepala desa revoking
		// directly, which drops it.
		var asked revocationRequestJSON
		e.call("POST", letterPath(a.ID)+"/revoke", op, map[string]any{"note": "Salah ketik", "replaced_by": bl.ID},
			http.StatusAccepted, &asked)
		if asked.ReasonCode != surat.ReasonReplaced || asked.ReplacedBy == nil || *asked.ReplacedBy != bl.ID {
			t.Errorf("request to replace: %+v", asked)
		}
		e.call("POST", letterPath(a.ID)+"/revoke", kades, map[string]any{"note": "Salah ketik nama jalan", "replaced_by": bl.ID},
			http.StatusOK, &gone)
		if gone.Status != surat.LetterReplaced || gone.ReplacedByID == nil || *gone.ReplacedByID != bl.ID ||
			gone.Links.ReplacedBy != letterPath(bl.ID) || gone.RevokeReason != "Salah ketik nama jalan" ||
			gone.RevokeCode != surat.ReasonReplaced {
			t.Errorf("revoked with replacement: %+v", gone)
		}
	})
}

func TestAPILetterValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		theirs := e.villageForLetters("3505122002", "Kalipang", "b_")
		op := lv.tokens["operator"]

		person := map[string]any{"nama": "Rina Wulandari", "nik": "3505125501900002", "tanggal_lahir": "1990-01-15",
			"jenis_kelamin": "PEREMPUAN", "agama": 1, "pekerjaan": map[string]any{"id": 9}, "alamat": "Jl. Kenanga 5, Malang"}
		tests := []struct {
			name   string
			body   map[string]any
			fields map[string]string
		}{
			{"no module", domisili(lv.res.ID, func(m map[string]any) { delete(m, "module") }),
				map[string]string{"module": "Jenis surat wajib diisi"}},
			{"unknown module", domisili(lv.res.ID, func(m map[string]any) { m["module"] = "sk_naga" }),
				map[string]string{"module": "Jenis surat tidak dikenal"}},
			{"missing required field and subject", domisili(lv.res.ID, func(m map[string]any) {
				m["subjects"], m["fields"] = map[string]any{}, map[string]any{}
			}), map[string]string{"field.keperluan": "Keperluan wajib diisi", "subject.pemohon": "Pemohon wajib diisi"}},
			{"resident of another village", domisili(theirs.res.ID, nil),
				map[string]string{"subject.pemohon": "Penduduk tidak ditemukan di desa ini"}},
			{"unknown field and option", domisili(lv.res.ID, func(m map[string]any) {
				m["fields"] = map[string]any{"keperluan": "x", "warna": "biru", "status_tinggal": "Menumpang"}
			}), map[string]string{"field.warna": "Isian tidak dikenal untuk Surat Keterangan Domisili"}},
			{"bad typed person", domisili(0, func(m map[string]any) {
				m["subjects"] = map[string]any{"pemohon": map[string]any{"person": map[string]any{
					"nama": "", "nik": "123", "tanggal_lahir": "15-01-1990", "agama": "JEDI"}}}
			}), map[string]string{
				"subject.pemohon.tanggal_lahir": "Tanggal lahir harus berformat TTTT-BB-HH, mis. 1980-01-15",
				"subject.pemohon.agama":         "Agama tidak dikenal",
				"subject.pemohon.nama":          "Nama wajib diisi",
				"subject.pemohon.nik":           "NIK harus 16 digit angka (sekarang 3 karakter)",
			}},
			{"resident and person at once", domisili(lv.res.ID, func(m map[string]any) {
				m["subjects"] = map[string]any{"pemohon": map[string]any{"resident_id": lv.res.ID, "person": person}}
			}), map[string]string{"subject.pemohon": "Isi salah satu saja: resident_id, person atau items"}},
			{"unknown signer", domisili(lv.res.ID, func(m map[string]any) { m["signer_official_id"] = theirs.head.ID }),
				map[string]string{"signer_official_id": "Pejabat penandatangan tidak ditemukan di desa ini"}},
			{"version on create", domisili(lv.res.ID, func(m map[string]any) { m["version"] = 3 }),
				map[string]string{"version": "Versi hanya dikirim saat mengubah surat"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.api("POST", "/api/v1/letters", op, tt.body)
				if rec.Code != http.StatusUnprocessableEntity {
					t.Fatalf("create = %d, want 422: %s", rec.Code, rec.Body)
				}
				var eb errorBody
				decode(t, rec, &eb)
				if eb.Error != "validation_failed" {
					t.Errorf("error %q", eb.Error)
				}
				for f, want := range tt.fields {
					if got := eb.Fields[f]; got != want {
						t.Errorf("field %s: got %q, want %q (all: %v)", f, got, want, eb.Fields)
					}
				}
			})
		}
		// A typed person is fine for sk_domisili, and the form round-trips.
		var l letterJSON
		e.call("POST", "/api/v1/letters", op, domisili(0, func(m map[string]any) {
			m["subjects"] = map[string]any{"pemohon": map[string]any{"person": person}}
		}), http.StatusCreated, &l)
		p := l.Subjects["pemohon"].Person
		if l.SubjectName != "Rina Wulandari" || p == nil || p.BirthDate != "1990-01-15" || p.Sex == nil || p.Sex.Label != "PEREMPUAN" ||
			p.Occupation == nil || p.Occupation.ID != 9 || p.Address != "Jl. Kenanga 5, Malang" {
			t.Errorf("typed person letter %+v person %+v", l, p)
		}
		// Malformed bodies.
		for _, body := range []string{`{"module":"sk_domisili","village_id":2}`, `not json`, ``} {
			rec := e.do("POST", "/api/v1/letters", strings.NewReader(body),
				http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + op}})
			if rec.Code != http.StatusBadRequest {
				t.Errorf("body %q = %d, want 400", body, rec.Code)
			}
		}
		// Nothing of the refused requests was stored: only the typed-person letter.
		var page letterList
		e.call("GET", "/api/v1/letters", op, nil, http.StatusOK, &page)
		if page.Total != 1 {
			t.Errorf("%d letters stored, want 1", page.Total)
		}

		// A module the village has disabled is neither listed nor accepted.
		if err := e.st.SaveLetterSetting(context.Background(), surat.Actor{Username: "test"}, lv.v.ID,
			&surat.LetterSettings{Module: "sk_domisili", Enabled: false}); err != nil {
			t.Fatal(err)
		}
		var mods struct{ Items []moduleJSON }
		e.call("GET", "/api/v1/modules", op, nil, http.StatusOK, &mods)
		for _, m := range mods.Items {
			if m.Code == "sk_domisili" {
				t.Error("disabled module listed")
			}
		}
		var eb errorBody
		e.call("POST", "/api/v1/letters", op, domisili(lv.res.ID, nil), http.StatusUnprocessableEntity, &eb)
		if eb.Fields["module"] == "" {
			t.Errorf("disabled module accepted: %+v", eb)
		}
	})
}

func TestAPILetterRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		e.user(nil, "kabupaten", surat.RoleAdminKabupaten)
		kab := e.token("kabupaten")
		l := e.approvedLetter(lv)
		one := letterPath(l.ID)
		create := domisili(lv.res.ID, nil)

		tests := []struct {
			user, method, path string
			body               any
			want               int
		}{
			{"", "GET", "/api/v1/letters", nil, http.StatusUnauthorized},
			{"", "GET", "/api/v1/modules", nil, http.StatusUnauthorized},
			{"", "POST", one + "/sign", map[string]string{"passphrase": testSignPass}, http.StatusUnauthorized},
			{"kades", "POST", "/api/v1/letters", create, http.StatusForbidden},
			{"kades", "PUT", one, create, http.StatusForbidden},
			{"kades", "POST", one + "/submit", nil, http.StatusForbidden},
			{"kabupaten", "POST", one + "/revoke", map[string]string{"reason_code": "data_error"}, http.StatusForbidden},
			{"operator", "POST", one + "/revoke/confirm", nil, http.StatusForbidden},
			{"admin", "POST", one + "/revoke/reject", map[string]string{"reason": "x"}, http.StatusForbidden},
			{"kades", "POST", one + "/replace", nil, http.StatusForbidden},
			{"operator", "POST", one + "/approve", nil, http.StatusForbidden},
			{"operator", "POST", one + "/return", map[string]string{"reason": "x"}, http.StatusForbidden},
			{"operator", "POST", one + "/sign", map[string]string{"passphrase": testSignPass}, http.StatusForbidden},
			{"admin", "POST", one + "/sign", map[string]string{"passphrase": testSignPass}, http.StatusForbidden},
			{"admin", "POST", "/api/v1/letters/sign-batch", map[string]any{"ids": []int64{l.ID}, "passphrase": testSignPass}, http.StatusForbidden},
			{"kabupaten", "GET", "/api/v1/modules", nil, http.StatusForbidden},
			{"kabupaten", "GET", "/api/v1/letters", nil, http.StatusForbidden},
			{"kabupaten", "GET", one, nil, http.StatusForbidden},
			{"kabupaten", "GET", one + "/pdf", nil, http.StatusForbidden},
			{"kabupaten", "POST", "/api/v1/letters", create, http.StatusForbidden},
			{"kabupaten", "POST", one + "/sign", map[string]string{"passphrase": testSignPass}, http.StatusForbidden},
			// Every role of the village reads.
			{"kades", "GET", "/api/v1/modules", nil, http.StatusOK},
			{"kades", "GET", one, nil, http.StatusOK},
			{"petugas", "GET", "/api/v1/letters", nil, http.StatusOK},
			{"admin", "GET", one + "/pdf", nil, http.StatusOK},
			{"operator", "GET", one, nil, http.StatusOK},
			{"admin", "POST", "/api/v1/letters", create, http.StatusCreated},
		}
		for _, tt := range tests {
			tok := lv.tokens[tt.user]
			if tt.user == "kabupaten" {
				tok = kab
			}
			rec := e.api(tt.method, tt.path, tok, tt.body)
			if rec.Code != tt.want {
				t.Errorf("%s %s as %q = %d, want %d: %s", tt.method, tt.path, tt.user, rec.Code, tt.want, rec.Body)
			}
		}
		// None of the refused calls moved the letter.
		var got letterJSON
		e.call("GET", one, lv.tokens["operator"], nil, http.StatusOK, &got)
		if got.Status != surat.LetterApproved || got.Version != l.Version {
			t.Errorf("letter after refused calls: %s v%d, want disetujui v%d", got.Status, got.Version, l.Version)
		}
	})
}

// TestAPILetterVillageIsolation proves that users of village A get 404 for
// every letter route of a letter of village B, whatever the body, and that
// nothing of B's letter changes.
func TestAPILetterVillageIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		a := e.villageForLetters("3505122001", "Sumberejo", "")
		bv := e.villageForLetters("3505122002", "Kalipang", "b_")
		signedB := e.approvedLetter(bv)
		e.call("POST", letterPath(signedB.ID)+"/sign", bv.tokens["kades"], map[string]string{"passphrase": testSignPass},
			http.StatusOK, &signedB)
		approvedB := e.approvedLetter(bv)
		var draftB letterJSON
		e.call("POST", "/api/v1/letters", bv.tokens["operator"], domisili(bv.res.ID, nil), http.StatusCreated, &draftB)
		mine := e.approvedLetter(a)

		routes := []struct {
			user, method, suffix string
			letter               letterJSON
			body                 any
		}{
			{"operator", "GET", "", draftB, nil},
			{"kades", "GET", "", signedB, nil},
			{"operator", "GET", "/pdf", signedB, nil},
			{"operator", "GET", "/pdf", draftB, nil},
			{"operator", "PUT", "", draftB, domisili(a.res.ID, func(m map[string]any) { m["version"] = draftB.Version })},
			{"admin", "PUT", "", draftB, map[string]any{}},
			{"operator", "POST", "/submit", draftB, nil},
			{"operator", "POST", "/revoke", signedB, map[string]any{"reason_code": "data_error"}},
			{"kades", "POST", "/revoke", signedB, map[string]any{"reason_code": "data_error"}},
			{"operator", "POST", "/revoke", signedB, map[string]any{}},
			{"operator", "POST", "/revoke", signedB, map[string]any{"replaced_by": mine.ID}},
			{"kades", "POST", "/revoke/confirm", signedB, nil},
			{"kades", "POST", "/revoke/reject", signedB, map[string]any{"reason": "Coba"}},
			{"admin", "POST", "/replace", signedB, nil},
			{"kades", "POST", "/approve", approvedB, nil},
			{"kades", "POST", "/return", approvedB, map[string]any{"reason": "Coba"}},
			{"kades", "POST", "/return", approvedB, map[string]any{}},
			{"kades", "POST", "/sign", approvedB, map[string]any{"passphrase": testSignPass}},
			{"kades", "POST", "/sign", approvedB, map[string]any{"passphrase": "salah"}},
			{"kades", "POST", "/sign", approvedB, map[string]any{}},
		}
		for _, r := range routes {
			path := letterPath(r.letter.ID) + r.suffix
			rec := e.api(r.method, path, a.tokens[r.user], r.body)
			if rec.Code != http.StatusNotFound {
				t.Errorf("%s %s as village A's %s = %d, want 404: %s", r.method, path, r.user, rec.Code, rec.Body)
				continue
			}
			var eb errorBody
			decode(t, rec, &eb)
			if eb.Error != "not_found" {
				t.Errorf("%s %s: error %q", r.method, path, eb.Error)
			}
		}
		// Revoking A's own letter with B's letter as the replacement: B's
		// letter is not found there either.
		mineSigned := mine
		e.call("POST", letterPath(mine.ID)+"/sign", a.tokens["kades"], map[string]string{"passphrase": testSignPass},
			http.StatusOK, &mineSigned)
		var eb errorBody
		e.call("POST", letterPath(mine.ID)+"/revoke", a.tokens["operator"],
			map[string]any{"note": "Salah", "replaced_by": signedB.ID}, http.StatusUnprocessableEntity, &eb)
		if eb.Fields["replaced_by"] != "Surat pengganti tidak ditemukan di desa ini" {
			t.Errorf("foreign replacement: %+v", eb)
		}
		// A batch naming B's letter signs nothing of B's.
		var res struct{ Results []batchItem }
		e.call("POST", "/api/v1/letters/sign-batch", a.tokens["kades"],
			map[string]any{"ids": []int64{approvedB.ID}, "passphrase": testSignPass}, http.StatusOK, &res)
		if len(res.Results) != 1 || res.Results[0].OK || res.Results[0].Error != "not_found" {
			t.Errorf("batch with B's letter: %+v", res.Results)
		}
		// B's lists never show up in A's.
		var page letterList
		e.call("GET", "/api/v1/letters?q=Budi", a.tokens["operator"], nil, http.StatusOK, &page)
		for _, it := range page.Items {
			if it.ID == signedB.ID || it.ID == approvedB.ID || it.ID == draftB.ID {
				t.Errorf("A's list shows B's letter %d", it.ID)
			}
		}

		// B's letters are as they were.
		for _, want := range []letterJSON{signedB, approvedB, draftB} {
			var got letterJSON
			e.call("GET", letterPath(want.ID), bv.tokens["operator"], nil, http.StatusOK, &got)
			if got.Status != want.Status || got.Version != want.Version || got.Number != want.Number {
				t.Errorf("B's letter %d: %s v%d %q, want %s v%d %q", want.ID, got.Status, got.Version, got.Number,
					want.Status, want.Version, want.Number)
			}
		}
		if n := e.numbered(bv.v.ID); n != 1 {
			t.Errorf("village B has %d numbered letters, want 1", n)
		}
	})
}

// TestAPILetterSignLock checks that wrong passphrases take no number, that
// the fifth locks signing with Retry-After, and that the lock ends.
func TestAPILetterSignLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		kades := lv.tokens["kades"]
		l := e.approvedLetter(lv)
		sign := letterPath(l.ID) + "/sign"
		for i := 1; i <= 5; i++ {
			rec := e.api("POST", sign, kades, map[string]string{"passphrase": fmt.Sprintf("salah-%d", i)})
			var eb errorBody
			decode(t, rec, &eb)
			if rec.Code != http.StatusUnprocessableEntity || eb.Error != "wrong_passphrase" {
				t.Fatalf("wrong passphrase %d = %d %+v", i, rec.Code, eb)
			}
			if locked := rec.Header().Get("Retry-After") != ""; locked != (i == 5) {
				t.Errorf("attempt %d: Retry-After %q", i, rec.Header().Get("Retry-After"))
			}
		}
		rec := e.api("POST", sign, kades, map[string]string{"passphrase": testSignPass})
		var eb errorBody
		decode(t, rec, &eb)
		if rec.Code != http.StatusTooManyRequests || eb.Error != "signing_locked" || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("locked signer = %d %+v Retry-After %q", rec.Code, eb, rec.Header().Get("Retry-After"))
		}
		if n := e.numbered(lv.v.ID); n != 0 {
			t.Errorf("%d numbered letters while locked", n)
		}
		e.clock.Advance(16 * time.Minute)
		var signed letterJSON
		e.call("POST", sign, kades, map[string]string{"passphrase": testSignPass}, http.StatusOK, &signed)
		// Six refused attempts used no number.
		if signed.Number != "470/001/3505122001/XI/2026" {
			t.Errorf("number after refused attempts %q", signed.Number)
		}
	})
}

// sekdes adds the sekretaris desa to the village: an active official who
// signs a.n., with a penandatangan login (prefix+"sekdes") and no
// certificate, and returns the login's token. They verify letters.
func (e *letterEnv) sekdes(lv *letterVillage, prefix string) string {
	e.t.Helper()
	ctx := context.Background()
	o := &surat.Official{Name: "Dwi Rahayu", Jabatan: "Sekretaris Desa", CanSignAN: true, Active: true}
	if err := e.st.CreateOfficial(ctx, surat.Actor{Username: "test"}, lv.v.ID, o); err != nil {
		e.t.Fatalf("create sekdes: %v", err)
	}
	hash, err := auth.Hash(testPassword, testParams)
	if err != nil {
		e.t.Fatal(err)
	}
	u := &surat.User{Username: prefix + "sekdes", FullName: "Dwi Rahayu", PasswordHash: hash, Role: surat.RoleSigner,
		VillageID: &lv.v.ID, OfficialID: &o.ID, Email: prefix + "sekdes@desa.example"}
	if err := e.st.CreateUser(ctx, surat.Actor{Username: "test"}, u); err != nil {
		e.t.Fatalf("create sekdes user: %v", err)
	}
	return e.token(prefix + "sekdes")
}
