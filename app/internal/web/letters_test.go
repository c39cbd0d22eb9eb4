package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// letterFormValues is a valid sk_domisili form about resident id, as the
// browser posts it.
func letterFormValues(csrf, token string, residentID int64) url.Values {
	return url.Values{
		csrfField:               {csrf},
		formTokenField:          {token},
		"subject.pemohon.mode":  {modeResident},
		"subject.pemohon":       {fmt.Sprint(residentID)},
		"subject.pemohon.cari":  {""},
		"field.keperluan":       {"Persyaratan membuka rekening bank"},
		"field.status_tinggal":  {"Tetap"},
		"field.alamat_domisili": {""},
		"field.tinggal_sejak":   {""},
		signerField:             {""},
	}
}

// newLetterForm opens the sk_domisili form and returns its CSRF and form
// tokens.
func newLetterForm(t *testing.T, br *browser) (csrf, token string) {
	t.Helper()
	r := br.get("/surat/baru/sk_domisili")
	if r.Code != http.StatusOK {
		t.Fatalf("GET form = %d", r.Code)
	}
	csrf = attr(t, r.Body, "input", "name", csrfField, "value")
	token = attr(t, r.Body, "input", "name", formTokenField, "value")
	if csrf == "" || token == "" {
		t.Fatalf("form without csrf (%q) or form token (%q)", csrf, token)
	}
	return csrf, token
}

var letterLocation = regexp.MustCompile(`^/surat/([0-9]+)\?ok=`)

// createdLetter returns the id a create redirected to.
func createdLetter(t *testing.T, r response) int64 {
	t.Helper()
	m := letterLocation.FindStringSubmatch(r.Header.Get("Location"))
	if r.Code != http.StatusSeeOther || m == nil {
		t.Fatalf("create: got %d to %q, want 303 to /surat/<id>; body: %s", r.Code, r.Header.Get("Location"), snippet(r.Body))
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

func snippet(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// pageCSRF is the session's CSRF token, read from any page.
func pageCSRF(t *testing.T, br *browser) string {
	t.Helper()
	return br.csrf("/surat")
}

func letterAuditActions(t *testing.T, st *store.Store, villageID, letterID int64) map[string]bool {
	t.Helper()
	es, err := st.AuditLog(context.Background(), villageID, 500)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range es {
		if e.Entity == "letter" && e.EntityID == letterID {
			got[e.Action] = true
		}
	}
	return got
}

func letterPDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestLetterPagesWorkflow walks one letter through the clerk and signer
// pages: create (twice with the same form: one letter), preview, submit,
// approve, a wrong passphrase, sign, download, archive search, export and
// revoke, with the audit trail.
func TestLetterPagesWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		op := e.browser()
		op.login("operator")

		// The module list offers sk_domisili with its description.
		r := op.get("/surat/baru?q=domisili")
		if r.Code != http.StatusOK || !strings.Contains(r.Body, `href="/surat/baru/sk_domisili"`) ||
			!strings.Contains(r.Body, "Menerangkan tempat tinggal") {
			t.Fatalf("module list: %d %s", r.Code, snippet(r.Body))
		}
		if strings.Contains(r.Body, `href="/surat/baru/sk_usaha"`) {
			t.Error("search for domisili lists sk_usaha")
		}

		csrf, token := newLetterForm(t, op)
		form := letterFormValues(csrf, token, lv.res.ID)
		id := createdLetter(t, op.post("/surat/baru/sk_domisili", form))
		// The same form again (double click, reload): no second letter.
		again := op.post("/surat/baru/sk_domisili", form)
		if again.Code != http.StatusSeeOther || again.Header.Get("Location") != fmt.Sprintf("/surat/%d?ok=sudah", id) {
			t.Fatalf("second submission: %d to %q", again.Code, again.Header.Get("Location"))
		}
		page, err := e.st.ListLetters(context.Background(), lv.v.ID, store.LetterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 1 {
			t.Fatalf("letters after a double submit = %d, want 1", page.Total)
		}

		show := op.get(fmt.Sprintf("/surat/%d", id))
		if got := textByID(t, show.Body, "letter-status"); got != "Draf" {
			t.Errorf("status = %q, want Draf", got)
		}
		if !strings.Contains(show.Body, "Budi Santoso") || !strings.Contains(show.Body, "Persyaratan membuka rekening bank") {
			t.Errorf("letter page lacks subject or purpose: %s", snippet(show.Body))
		}
		prev := op.get(fmt.Sprintf("/surat/%d/pratinjau.pdf", id))
		if prev.Code != http.StatusOK || prev.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(prev.Header.Get("Content-Disposition"), "inline") {
			t.Fatalf("preview: %d %q %q", prev.Code, prev.Header.Get("Content-Type"), prev.Header.Get("Content-Disposition"))
		}
		if txt := letterPDFText(t, []byte(prev.Body)); !strings.Contains(txt, "DRAF") || !strings.Contains(txt, "BUDI SANTOSO") {
			t.Errorf("preview text lacks DRAF or the name:\n%s", txt)
		}

		r = op.post(fmt.Sprintf("/surat/%d/ajukan", id), url.Values{csrfField: {pageCSRF(t, op)}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("submit = %d: %s", r.Code, snippet(r.Body))
		}

		kades := e.browser()
		kades.login("kades")
		q := kades.get("/persetujuan")
		if q.Code != http.StatusOK || !strings.Contains(q.Body, fmt.Sprintf(`href="/surat/%d"`, id)) {
			t.Fatalf("queue lacks the letter: %d", q.Code)
		}
		kcsrf := pageCSRF(t, kades)
		r = kades.post(fmt.Sprintf("/surat/%d/setujui", id), url.Values{csrfField: {kcsrf}, "version": {"2"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("approve = %d: %s", r.Code, snippet(r.Body))
		}
		r = kades.post(fmt.Sprintf("/surat/%d/tandatangani", id), url.Values{csrfField: {kcsrf}, "passphrase": {"salah-sekali"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(textByID(t, r.Body, "e-passphrase"), "Frasa sandi salah") {
			t.Fatalf("wrong passphrase: %d %q", r.Code, textByID(t, r.Body, "e-passphrase"))
		}
		if v := attr(t, r.Body, "input", "name", "passphrase", "value"); v != "" {
			t.Errorf("passphrase sent back: %q", v)
		}
		r = kades.post(fmt.Sprintf("/surat/%d/tandatangani", id), url.Values{csrfField: {kcsrf}, "passphrase": {testSignPass}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("sign = %d: %s", r.Code, snippet(r.Body))
		}
		if strings.Contains(e.logs.String(), testSignPass) {
			t.Error("the passphrase appears in the log")
		}
		signed := kades.get(fmt.Sprintf("/surat/%d", id))
		number := strings.TrimPrefix(textByID(t, signed.Body, "letter-number"), "Nomor ")
		if textByID(t, signed.Body, "letter-status") != "Ditandatangani" || number == "" {
			t.Fatalf("after signing: status %q number %q", textByID(t, signed.Body, "letter-status"), number)
		}
		dl := op.get(fmt.Sprintf("/surat/%d/unduh.pdf", id))
		if dl.Code != http.StatusOK || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") ||
			strings.Contains(dl.Header.Get("Content-Disposition"), "Budi") {
			t.Fatalf("download: %d %q", dl.Code, dl.Header.Get("Content-Disposition"))
		}
		if txt := letterPDFText(t, []byte(dl.Body)); !strings.Contains(txt, number) || strings.Contains(txt, "DRAF") {
			t.Errorf("signed PDF lacks number %q or still says DRAF", number)
		}

		// Archive: by name, by number, by status; and the export.
		for _, query := range []string{"q=budi", "q=" + url.QueryEscape(number), "status=ditandatangani&jenis=sk_domisili"} {
			a := op.get("/surat?" + query)
			if a.Code != http.StatusOK || !strings.Contains(a.Body, fmt.Sprintf(`href="/surat/%d"`, id)) {
				t.Errorf("archive %s does not list the letter (%d)", query, a.Code)
			}
		}
		if a := op.get("/surat?q=tidak-ada-nama-ini"); strings.Contains(a.Body, fmt.Sprintf(`href="/surat/%d"`, id)) {
			t.Error("archive search for another name lists the letter")
		}
		x := op.get("/surat/ekspor.xlsx?dari=2026-11-01&sampai=2026-11-30")
		if x.Code != http.StatusOK {
			t.Fatalf("export = %d: %s", x.Code, snippet(x.Body))
		}
		xf, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatalf("export is no XLSX: %v", err)
		}
		rows, err := xf.GetRows("Buku Agenda")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || strings.Join(rows[0], "|") != strings.Join(registerColumns, "|") {
			t.Fatalf("export rows = %q", rows)
		}
		if got := rows[1]; got[1] != number || got[3] != "Surat Keterangan Domisili" || got[4] != "Budi Santoso" ||
			got[5] != "Ditandatangani" || !strings.HasPrefix(got[6], "Slamet Riyadi") {
			t.Errorf("export row = %q", got)
		}
		if x := op.get("/surat/ekspor.xlsx?dari=2026-12-01&sampai=2026-11-01"); x.Code != http.StatusUnprocessableEntity ||
			textByID(t, x.Body, "e-sampai") == "" {
			t.Errorf("export with reversed dates = %d %q", x.Code, textByID(t, x.Body, "e-sampai"))
		}

		// Replace: a new draft linked to the signed letter, opened for the
		// clerk; a second replacement while it is open is refused.
		ocsrf := pageCSRF(t, op)
		r = op.post(fmt.Sprintf("/surat/%d/ganti", id), url.Values{csrfField: {ocsrf}})
		repl := createdLetter(t, r)
		if !strings.HasSuffix(r.Header.Get("Location"), "?ok=pengganti") {
			t.Errorf("replace redirected to %q", r.Header.Get("Location"))
		}
		nl, err := e.st.LetterByID(context.Background(), lv.v.ID, repl)
		if err != nil {
			t.Fatal(err)
		}
		if nl.Status != surat.LetterDraft || nl.ReplacesID == nil || *nl.ReplacesID != id {
			t.Errorf("replacement: %s replaces %v, want a draft replacing %d", nl.Status, nl.ReplacesID, id)
		}
		if r := op.post(fmt.Sprintf("/surat/%d/ganti", id), url.Values{csrfField: {ocsrf}}); r.Code != http.StatusConflict ||
			textByID(t, r.Body, "action-error") == "" {
			t.Errorf("second replacement = %d %q", r.Code, textByID(t, r.Body, "action-error"))
		}

		// Revoke: the operator asks with a public reason and an internal
		// note (the reason is required); the letter stays valid until the
		// kepala desa confirms.
		r = op.post(fmt.Sprintf("/surat/%d/cabut", id), url.Values{csrfField: {ocsrf}, "note": {"Salah alamat"}})
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-reason_code") != "Pilih alasan pencabutan" ||
			!strings.Contains(r.Body, "Salah alamat") {
			t.Fatalf("revoke without reason: %d %q", r.Code, textByID(t, r.Body, "e-reason_code"))
		}
		r = op.post(fmt.Sprintf("/surat/%d/cabut", id), url.Values{csrfField: {ocsrf}, "reason_code": {"data_error"},
			"note": {"Salah alamat domisili"}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != fmt.Sprintf("/surat/%d?ok=cabut-diajukan", id) {
			t.Fatalf("revocation request = %d to %q: %s", r.Code, r.Header.Get("Location"), snippet(r.Body))
		}
		show = op.get(fmt.Sprintf("/surat/%d", id))
		if got := textByID(t, show.Body, "letter-status"); got != "Ditandatangani" {
			t.Errorf("after the request: %q", got)
		}
		if textByID(t, show.Body, "revoke-waiting") == "" || strings.Contains(show.Body, "revoke-confirm-btn") {
			t.Errorf("operator's view of the pending request: %s", snippet(show.Body))
		}
		show = kades.get(fmt.Sprintf("/surat/%d", id))
		if textByID(t, show.Body, "request-label") != "Data dalam surat keliru" || !strings.Contains(show.Body, "revoke-confirm-btn") {
			t.Errorf("kepala desa's view of the pending request: %s", snippet(show.Body))
		}
		if !strings.Contains(kades.get("/persetujuan").Body, fmt.Sprintf(`href="/surat/%d"`, id)) {
			t.Error("the signer's queue does not list the revocation request")
		}
		r = kades.post(fmt.Sprintf("/surat/%d/cabut/setujui", id), url.Values{csrfField: {kcsrf}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("confirm = %d: %s", r.Code, snippet(r.Body))
		}
		show = op.get(fmt.Sprintf("/surat/%d", id))
		if got := textByID(t, show.Body, "letter-status"); got != "Dicabut" {
			t.Errorf("after confirmation: %q", got)
		}
		if textByID(t, show.Body, "revoke-label") != "Data dalam surat keliru" || textByID(t, show.Body, "revoke-note") != "Salah alamat domisili" {
			t.Errorf("revoked letter page: %q / %q", textByID(t, show.Body, "revoke-label"), textByID(t, show.Body, "revoke-note"))
		}

		got := letterAuditActions(t, e.st, lv.v.ID, id)
		for _, a := range []string{"letter.create", "letter.submit", "letter.approve", "letter.finalize",
			"letter.revoke_request", "letter.revoke"} {
			if !got[a] {
				t.Errorf("no audit row %s for the letter (have %v)", a, got)
			}
		}
	})
}

// TestLetterFormErrors checks that a refused form comes back with the
// messages beside the inputs and the input kept, and creates nothing.
func TestLetterFormErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		e.resident(lv.v, "3505124101900002", "Budi Santosa") // a near namesake
		op := e.browser()
		op.login("operator")

		csrf, token := newLetterForm(t, op)
		form := letterFormValues(csrf, token, lv.res.ID)
		form.Set("field.keperluan", "")
		form.Set("field.status_tinggal", "Istana")
		form.Set("field.alamat_domisili", "Jl. Mawar 7")
		r := op.post("/surat/baru/sk_domisili", form)
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid form = %d", r.Code)
		}
		if got := textByID(t, r.Body, "e-field.keperluan"); got == "" {
			t.Error("no message beside keperluan")
		}
		if got := textByID(t, r.Body, "e-field.status_tinggal"); !strings.Contains(got, "Status tempat tinggal") {
			t.Errorf("status_tinggal message = %q", got)
		}
		if got := textByID(t, r.Body, "f-field.alamat_domisili"); got != "Jl. Mawar 7" {
			t.Errorf("alamat kept = %q", got)
		}
		if got := attr(t, r.Body, "input", "name", "subject.pemohon", "value"); got != fmt.Sprint(lv.res.ID) {
			t.Errorf("picked resident kept = %q", got)
		}
		if got := attr(t, r.Body, "input", "name", formTokenField, "value"); got != token {
			t.Errorf("form token changed to %q", got)
		}

		// Typed without picking: a name matching two residents asks which.
		form = letterFormValues(csrf, token, 0)
		form.Set("subject.pemohon", "")
		form.Set("subject.pemohon.cari", "Budi Santos")
		r = op.post("/surat/baru/sk_domisili", form)
		if r.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(textByID(t, r.Body, "e-subject.pemohon"), "Ada 2 penduduk") {
			t.Fatalf("ambiguous name: %d %q", r.Code, textByID(t, r.Body, "e-subject.pemohon"))
		}
		if strings.Count(r.Body, `type="radio" name="subject.pemohon"`) != 2 {
			t.Errorf("want two candidates to choose from")
		}
		// A typed identity with a bad NIK is reported beside that input.
		form = letterFormValues(csrf, token, 0)
		form.Set("subject.pemohon.mode", modeTyped)
		form.Set("subject.pemohon.nama", "Andi Pendatang")
		form.Set("subject.pemohon.nik", "123")
		r = op.post("/surat/baru/sk_domisili", form)
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-subject.pemohon.nik") == "" {
			t.Fatalf("bad typed NIK: %d %q", r.Code, textByID(t, r.Body, "e-subject.pemohon.nik"))
		}
		if got := attr(t, r.Body, "input", "name", "subject.pemohon.nama", "value"); got != "Andi Pendatang" {
			t.Errorf("typed name kept = %q", got)
		}
		page, err := e.st.ListLetters(context.Background(), lv.v.ID, store.LetterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 0 {
			t.Fatalf("refused forms created %d letters", page.Total)
		}
		// Typed the only match: taken without picking. The same token works
		// now, since refused submissions released it.
		form = letterFormValues(csrf, token, 0)
		form.Set("subject.pemohon", "")
		form.Set("subject.pemohon.cari", "Budi Santoso")
		id := createdLetter(t, op.post("/surat/baru/sk_domisili", form))
		l, err := e.st.LetterByID(context.Background(), lv.v.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if l.SubjectResidentID == nil || *l.SubjectResidentID != lv.res.ID {
			t.Errorf("subject = %v, want resident %d", l.SubjectResidentID, lv.res.ID)
		}

		// Edit keeps the stored values and a stale version is refused.
		ed := op.get(fmt.Sprintf("/surat/%d/ubah", id))
		if got := textByID(t, ed.Body, "f-field.keperluan"); got != "Persyaratan membuka rekening bank" {
			t.Fatalf("edit form keperluan = %q", got)
		}
		edit := letterFormValues(csrf, "", lv.res.ID)
		edit.Del(formTokenField)
		edit.Set("version", "1")
		edit.Set("field.keperluan", "Melamar pekerjaan")
		if r := op.post(fmt.Sprintf("/surat/%d/ubah", id), edit); r.Code != http.StatusSeeOther {
			t.Fatalf("edit = %d: %s", r.Code, snippet(r.Body))
		}
		edit.Set("field.keperluan", "Versi lama")
		if r := op.post(fmt.Sprintf("/surat/%d/ubah", id), edit); r.Code != http.StatusConflict {
			t.Fatalf("stale edit = %d, want 409", r.Code)
		}
		if got := textByID(t, op.get(fmt.Sprintf("/surat/%d", id)).Body, "letter-status"); got != "Draf" {
			t.Errorf("status %q", got)
		}
		if !strings.Contains(op.get(fmt.Sprintf("/surat/%d", id)).Body, "Melamar pekerjaan") {
			t.Error("the first edit was lost")
		}
	})
}

// TestLetterReturnAndBatchSign returns one letter with a reason and signs
// two others as a batch with one passphrase.
func TestLetterReturnAndBatchSign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		op := e.browser()
		op.login("operator")
		var ids []int64
		for range 3 {
			csrf, token := newLetterForm(t, op)
			id := createdLetter(t, op.post("/surat/baru/sk_domisili", letterFormValues(csrf, token, lv.res.ID)))
			if r := op.post(fmt.Sprintf("/surat/%d/ajukan", id), url.Values{csrfField: {csrf}}); r.Code != http.StatusSeeOther {
				t.Fatalf("submit %d = %d", id, r.Code)
			}
			ids = append(ids, id)
		}
		kades := e.browser()
		kades.login("kades")
		kc := pageCSRF(t, kades)
		// Return without a reason: refused beside the field.
		r := kades.post(fmt.Sprintf("/surat/%d/kembalikan", ids[0]), url.Values{csrfField: {kc}, "reason": {""}})
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-reason") != "Alasan wajib diisi" {
			t.Fatalf("return without reason: %d %q", r.Code, textByID(t, r.Body, "e-reason"))
		}
		r = kades.post(fmt.Sprintf("/surat/%d/kembalikan", ids[0]), url.Values{csrfField: {kc}, "reason": {"Keperluan kurang jelas"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("return = %d", r.Code)
		}
		if got := textByID(t, op.get(fmt.Sprintf("/surat/%d/ubah", ids[0])).Body, "return-reason"); !strings.Contains(got, "Keperluan kurang jelas") {
			t.Errorf("the clerk does not see the reason: %q", got)
		}
		for _, id := range ids[1:] {
			if r := kades.post(fmt.Sprintf("/surat/%d/setujui", id), url.Values{csrfField: {kc}, "version": {"2"}}); r.Code != http.StatusSeeOther {
				t.Fatalf("approve %d = %d", id, r.Code)
			}
		}
		batch := url.Values{csrfField: {kc}, "id": {fmt.Sprint(ids[1]), fmt.Sprint(ids[2])}}
		r = kades.post("/persetujuan/tandatangani", batch)
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-passphrase") != "Frasa sandi wajib diisi" {
			t.Fatalf("batch without passphrase: %d %q", r.Code, textByID(t, r.Body, "e-passphrase"))
		}
		batch.Set("passphrase", testSignPass)
		r = kades.post("/persetujuan/tandatangani", batch)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "2 dari 2 surat berhasil ditandatangani") {
			t.Fatalf("batch sign: %d %s", r.Code, snippet(r.Body))
		}
		for _, id := range ids[1:] {
			l, err := e.st.LetterByID(context.Background(), lv.v.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			if l.Status != surat.LetterSigned || l.NumberString() == "" {
				t.Errorf("letter %d: %s %q", id, l.Status, l.NumberString())
			}
		}
	})
}

// TestLetterPagesAccess checks every letter route for every role: clerks
// draft, signers approve and sign, everyone of the village reads, the
// kabupaten admin has no village, and another village's letter is 404.
func TestLetterPagesAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		e.villageForLetters("3505122002", "Sumberagung", "b_")
		e.user(nil, "kab", surat.RoleAdminKabupaten)
		op := e.browser()
		op.login("operator")
		csrf, token := newLetterForm(t, op)
		id := createdLetter(t, op.post("/surat/baru/sk_domisili", letterFormValues(csrf, token, lv.res.ID)))

		type route struct{ method, path string }
		routes := []route{
			{"GET", "/surat"}, {"GET", "/surat/baru"}, {"GET", "/surat/baru/sk_domisili"},
			{"POST", "/surat/baru/sk_domisili"}, {"POST", "/surat/cari-penduduk"},
			{"GET", fmt.Sprintf("/surat/%d", id)}, {"GET", fmt.Sprintf("/surat/%d/pratinjau.pdf", id)},
			{"GET", fmt.Sprintf("/surat/%d/ubah", id)}, {"POST", fmt.Sprintf("/surat/%d/ubah", id)},
			{"POST", fmt.Sprintf("/surat/%d/cabut", id)}, {"POST", fmt.Sprintf("/surat/%d/ganti", id)},
			{"POST", fmt.Sprintf("/surat/%d/cabut/setujui", id)}, {"POST", fmt.Sprintf("/surat/%d/cabut/tolak", id)},
			{"POST", fmt.Sprintf("/surat/%d/setujui", id)}, {"POST", fmt.Sprintf("/surat/%d/kembalikan", id)},
			{"POST", fmt.Sprintf("/surat/%d/tandatangani", id)},
			{"GET", "/persetujuan"}, {"POST", "/persetujuan/tandatangani"},
		}
		clerkOnly := map[string]bool{"/surat/baru": true, "/surat/baru/sk_domisili": true, "/surat/cari-penduduk": true,
			fmt.Sprintf("/surat/%d/ubah", id): true, fmt.Sprintf("/surat/%d/ganti", id): true}
		signerOnly := map[string]bool{fmt.Sprintf("/surat/%d/setujui", id): true, fmt.Sprintf("/surat/%d/kembalikan", id): true,
			fmt.Sprintf("/surat/%d/tandatangani", id): true, "/persetujuan": true, "/persetujuan/tandatangani": true}
		// Revoking: clerks ask, a signer of the village (linked to an
		// official, unlike petugas) revokes or decides a request.
		revoking := map[string]bool{fmt.Sprintf("/surat/%d/cabut", id): true}
		deciding := map[string]bool{fmt.Sprintf("/surat/%d/cabut/setujui", id): true, fmt.Sprintf("/surat/%d/cabut/tolak", id): true}
		forbidden := func(user, path string) bool {
			switch {
			case user == "kab":
				return true
			case clerkOnly[path]:
				return user == "kades" || user == "petugas"
			case signerOnly[path]:
				return user == "operator" || user == "admin"
			case revoking[path]:
				return user == "petugas"
			case deciding[path]:
				return user != "kades"
			}
			return false
		}
		for _, user := range []string{"operator", "admin", "kades", "petugas", "kab"} {
			br := e.browser()
			br.login(user)
			csrf := br.csrf("/dashboard")
			for _, rt := range routes {
				var r response
				if rt.method == "GET" {
					r = br.get(rt.path)
				} else {
					r = br.post(rt.path, url.Values{csrfField: {csrf}})
				}
				if forbidden(user, rt.path) {
					if r.Code != http.StatusForbidden {
						t.Errorf("%s %s %s = %d, want 403", user, rt.method, rt.path, r.Code)
					}
				} else if r.Code == http.StatusForbidden || r.Code == http.StatusNotFound || r.Code >= 500 {
					t.Errorf("%s %s %s = %d, want access", user, rt.method, rt.path, r.Code)
				}
			}
		}
		// Another village's users: 404 for this village's letter on every
		// letter route they may otherwise use.
		for _, user := range []string{"b_operator", "b_kades"} {
			br := e.browser()
			br.login(user)
			csrf := br.csrf("/dashboard")
			for _, rt := range routes {
				if !strings.Contains(rt.path, fmt.Sprintf("/%d", id)) || forbidden(strings.TrimPrefix(user, "b_"), rt.path) {
					continue
				}
				var r response
				if rt.method == "GET" {
					r = br.get(rt.path)
				} else {
					r = br.post(rt.path, url.Values{csrfField: {csrf}, "version": {"1"}, "reason": {"x"}, "passphrase": {"x"}})
				}
				if r.Code != http.StatusNotFound {
					t.Errorf("%s %s %s = %d, want 404", user, rt.method, rt.path, r.Code)
				}
			}
		}
		l, err := e.st.LetterByID(context.Background(), lv.v.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if l.Status != surat.LetterDraft {
			t.Errorf("the probes changed the letter to %s", l.Status)
		}
	})
}

// TestResidentPicker checks the picker's JSON: the village's residents only,
// masked NIKs.
func TestResidentPicker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		other := e.villageForLetters("3505122002", "Sumberagung", "b_")
		_ = other
		op := e.browser()
		op.login("operator")
		tok := op.csrf("/surat/baru")
		for _, q := range []string{"budi", "350512150180"} {
			r := op.post("/surat/cari-penduduk", url.Values{csrfField: {tok}, "q": {q}})
			if r.Code != http.StatusOK {
				t.Fatalf("picker %s = %d", q, r.Code)
			}
			var got residentSearchResponse
			if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
				t.Fatal(err)
			}
			if got.Total != 1 || len(got.Results) != 1 || got.Results[0].ID != lv.res.ID {
				t.Fatalf("picker %s = %+v, want only resident %d of this village", q, got, lv.res.ID)
			}
			if strings.Contains(r.Body, lv.res.NIK) || !strings.Contains(got.Results[0].Info, "350512••••••0001") {
				t.Errorf("NIK not masked: %s", r.Body)
			}
		}
		r := op.post("/surat/cari-penduduk", url.Values{csrfField: {tok}, "q": {"b"}})
		if !strings.Contains(r.Body, `"results":[]`) {
			t.Errorf("one letter searches: %s", r.Body)
		}
		// A NIK never travels in a URL: the GET is gone, and the POST wants
		// the session's CSRF token.
		if r := op.get("/surat/cari-penduduk?q=" + lv.res.NIK); r.Code == http.StatusOK || strings.Contains(r.Body, lv.res.Name) {
			t.Errorf("GET with the NIK in the query = %d %s", r.Code, r.Body)
		}
		if r := op.post("/surat/cari-penduduk", url.Values{"q": {"budi"}}); r.Code != http.StatusForbidden || strings.Contains(r.Body, lv.res.Name) {
			t.Errorf("POST without the CSRF token = %d %s", r.Code, r.Body)
		}
	})
}

// TestLetterDoubleSubmitConcurrent sends the same form five times at once,
// as an impatient double (or quintuple) click does: one letter, and every
// response leads to it.
func TestLetterDoubleSubmitConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		op := e.browser()
		op.login("operator")
		csrf, token := newLetterForm(t, op)
		form := letterFormValues(csrf, token, lv.res.ID)
		const n = 5
		locs := make(chan string, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := op.c.PostForm(op.base+"/surat/baru/sk_domisili", form)
				if err != nil {
					locs <- "error: " + err.Error()
					return
				}
				resp.Body.Close()
				locs <- fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
			}()
		}
		wg.Wait()
		close(locs)
		page, err := e.st.ListLetters(context.Background(), lv.v.ID, store.LetterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 1 {
			t.Fatalf("%d letters from one form submitted %d times", page.Total, n)
		}
		id := page.Letters[0].ID
		for loc := range locs {
			if loc != fmt.Sprintf("303 /surat/%d?ok=dibuat", id) && loc != fmt.Sprintf("303 /surat/%d?ok=sudah", id) {
				t.Errorf("response %q, want a redirect to letter %d", loc, id)
			}
		}
	})
}

// TestArchivePagination pages through the archive 25 letters at a time.
func TestArchivePagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		ctx := context.Background()
		for i := range 27 {
			l := &surat.Letter{Module: "sk_domisili", SubjectName: fmt.Sprintf("Warga %02d", i+1), FormData: "{}"}
			if err := e.st.CreateLetter(ctx, surat.Actor{Username: "test"}, lv.v.ID, l); err != nil {
				t.Fatal(err)
			}
		}
		op := e.browser()
		op.login("operator")
		p1 := op.get("/surat?status=draf")
		if got := textByID(t, p1.Body, "archive-total"); got != "27 surat · halaman 1 dari 2" {
			t.Errorf("page 1 total = %q", got)
		}
		if n := strings.Count(p1.Body, "<tr>"); n != 25+1 {
			t.Errorf("page 1 rows = %d, want 25 and the header", n-1)
		}
		next := attr(t, p1.Body, "a", "id", "next-page", "href")
		if next != "/surat?hal=2&status=draf" {
			t.Fatalf("next page link = %q", next)
		}
		p2 := op.get(next)
		if n := strings.Count(p2.Body, "<tr>"); n != 2+1 || !strings.Contains(p2.Body, "Warga 01") {
			t.Errorf("page 2 rows = %d (want 2), oldest letter listed: %v", n-1, strings.Contains(p2.Body, "Warga 01"))
		}
		if r := op.get("/surat?dari=kemarin"); r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-dari") == "" {
			t.Errorf("bad date = %d %q", r.Code, textByID(t, r.Body, "e-dari"))
		}
	})
}

// TestLetterFormSurvivesExpiredSession sends the form after the session
// has expired: the clerk logs in again and finds the input as typed, and
// sending it then creates the letter.
func TestLetterFormSurvivesExpiredSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		op := e.browser()
		op.login("operator")
		csrf, token := newLetterForm(t, op)
		form := letterFormValues(csrf, token, lv.res.ID)
		form.Set("field.keperluan", "Pendaftaran sekolah anak")
		e.clock.Advance(webSessionTTL + time.Minute)

		r := op.post("/surat/baru/sk_domisili", form)
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("post after expiry: %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
		}
		r = op.post("/login", url.Values{"username": {"operator"}, "password": {testPassword}, csrfField: {op.csrf("/login")}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/surat/baru/sk_domisili" {
			t.Fatalf("login: %d to %q, want back to the form", r.Code, r.Header.Get("Location"))
		}
		back := op.get("/surat/baru/sk_domisili")
		if got := textByID(t, back.Body, "f-field.keperluan"); got != "Pendaftaran sekolah anak" {
			t.Errorf("kept keperluan = %q", got)
		}
		if got := textByID(t, back.Body, "form-error"); got != keptNotice {
			t.Errorf("notice = %q", got)
		}
		if got := attr(t, back.Body, "input", "name", "subject.pemohon", "value"); got != fmt.Sprint(lv.res.ID) {
			t.Errorf("kept resident = %q", got)
		}
		// The stash is used once: a reload shows an empty form.
		if again := op.get("/surat/baru/sk_domisili"); textByID(t, again.Body, "f-field.keperluan") != "" {
			t.Error("the kept input shows a second time")
		}
		form.Set(csrfField, attr(t, back.Body, "input", "name", csrfField, "value"))
		form.Set(formTokenField, attr(t, back.Body, "input", "name", formTokenField, "value"))
		id := createdLetter(t, op.post("/surat/baru/sk_domisili", form))
		if !strings.Contains(op.get(fmt.Sprintf("/surat/%d", id)).Body, "Pendaftaran sekolah anak") {
			t.Error("the letter lacks the kept input")
		}
	})
}
