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
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// postFiles posts a multipart form with files under their own field names.
func (b *browser) postFiles(path string, values url.Values, files map[string][]byte) response {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range values {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for field, content := range files {
		fw, err := w.CreateFormFile(field, "berkas.pdf")
		if err != nil {
			b.t.Fatal(err)
		}
		fw.Write(content)
	}
	w.Close()
	resp, err := b.c.Post(b.base+path, w.FormDataContentType(), &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

// wantStatus fails unless r has status code.
func wantStatus(t *testing.T, what string, r response, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("%s = %d, want %d (to %q): %s", what, r.Code, code, r.Header.Get("Location"), snippet(r.Body))
	}
}

// hrefs lists the same-site links of a page's menu and main part, without
// static files, anchors and downloads of other origins.
func hrefs(t *testing.T, doc string) []string {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" {
			if h, ok := getAttr(n, "href"); ok && strings.HasPrefix(h, "/") && !strings.HasPrefix(h, "/static/") {
				seen[h] = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	out := make([]string, 0, len(seen))
	for h := range seen {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// TestNoLinkLeadsToAForbiddenPage opens the dashboard of every role (and
// the resident's Layanan Mandiri home), follows every link of its menu and
// its page, and follows the links of those pages once more: none answers
// 403, 404 or 500. The kepala desa's dashboard used to link to request
// pages that answered "Akses ditolak".
func TestNoLinkLeadsToAForbiddenPage(t *testing.T) {
	e := newMandiriEnv(t, storetest.SQLite)
	lv := e.villageForLetters("3505122001", "Sumberejo", "")
	e.sekdes(lv, "")
	e.user(nil, "kabupaten", surat.RoleAdminKabupaten)
	// Some work for every list: a signed letter, a submitted one, a
	// returned one, a request under review, a request returned.
	l := e.approvedLetter(lv)
	e.call("POST", letterPath(l.ID)+"/sign", lv.tokens["kades"], map[string]string{"passphrase": testSignPass}, http.StatusOK, nil)
	var sub letterJSON
	e.call("POST", "/api/v1/letters", lv.tokens["operator"], domisili(lv.res.ID, nil), http.StatusCreated, &sub)
	e.call("POST", letterPath(sub.ID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, &sub)
	var ret letterJSON
	e.call("POST", "/api/v1/letters", lv.tokens["operator"], domisili(lv.res.ID, nil), http.StatusCreated, &ret)
	e.call("POST", letterPath(ret.ID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, &ret)
	e.call("POST", letterPath(ret.ID)+"/return", lv.tokens["kades"], map[string]string{"reason": "Perbaiki keperluan"}, http.StatusOK, nil)
	pin := e.issuePIN("operator", lv.res.NIK)
	rtok := e.residentToken(lv.res.NIK, pin, "583920")
	var rq mandiriRequestJSON
	e.call("POST", "/api/v1/mandiri/requests", rtok, domisili(lv.res.ID, nil), http.StatusCreated, &rq)
	if rec := e.uploadAPI(rtok, rq.ID, map[string][]byte{"ktp.pdf": tinyPDF}); rec.Code != http.StatusCreated {
		t.Fatalf("upload: %d", rec.Code)
	}

	type start struct {
		name string
		open func() (*browser, string)
	}
	staff := func(user string) func() (*browser, string) {
		return func() (*browser, string) {
			br := e.browser()
			br.login(user)
			return br, "/dashboard"
		}
	}
	for _, st := range []start{
		{"admin desa", staff("admin")}, {"operator", staff("operator")}, {"kepala desa", staff("kades")},
		{"sekretaris desa", staff("sekdes")}, {"penandatangan tanpa pejabat", staff("petugas")},
		{"admin kabupaten", staff("kabupaten")},
		{"warga", func() (*browser, string) { return e.residentBrowser(lv.res.NIK, "583920", "583920"), "/mandiri" }},
	} {
		t.Run(st.name, func(t *testing.T) {
			br, home := st.open()
			page := br.get(home)
			wantStatus(t, home, page, http.StatusOK)
			visited := map[string]bool{home: true}
			frontier := hrefs(t, page.Body)
			for depth := 0; depth < 2; depth++ {
				var next []string
				for _, h := range frontier {
					if visited[h] || strings.HasPrefix(h, "/v/") || strings.HasSuffix(h, ".pdf") || strings.Contains(h, "/lampiran/") {
						continue
					}
					visited[h] = true
					r := br.get(h)
					switch {
					case r.Code == http.StatusSeeOther || r.Code == http.StatusFound:
						// A redirect (e.g. / to the dashboard) is fine.
					case r.Code != http.StatusOK:
						t.Errorf("%s: %s links to %s, which answers %d", st.name, home, h, r.Code)
					default:
						next = append(next, hrefs(t, r.Body)...)
					}
				}
				frontier = next
			}
			if len(visited) < 5 {
				t.Errorf("%s: only %d pages visited", st.name, len(visited))
			}
		})
	}
}

// TestSignerMenuCountsWhatWaits: the kepala desa's menu and dashboard show
// the letters waiting for them, and the status cards link to filtered
// lists.
func TestSignerMenuCountsWhatWaits(t *testing.T) {
	e := newLetterEnv(t, storetest.SQLite)
	lv := e.villageForLetters("3505122001", "Sumberejo", "")
	for range 2 {
		var l letterJSON
		e.call("POST", "/api/v1/letters", lv.tokens["operator"], domisili(lv.res.ID, nil), http.StatusCreated, &l)
		e.call("POST", letterPath(l.ID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, nil)
	}
	kades := e.browser()
	kades.login("kades")
	d := kades.get("/dashboard")
	if got := textByID(t, d.Body, "nav-count"); got != "2" {
		t.Errorf("menu count %q, want 2", got)
	}
	if n := attr(t, d.Body, "span", "data-count", "2", "class"); n != "count" {
		t.Errorf("Menunggu Anda has no group counting 2: %s", snippet(textByID(t, d.Body, "todo")))
	}
	if !strings.Contains(d.Body, `href="/surat?status=diajukan&amp;dari=2026-11-01&amp;sampai=2026-11-30"`) {
		t.Error("status card does not link to the filtered archive")
	}
	op := e.browser()
	op.login("operator")
	if got := textByID(t, op.get("/dashboard").Body, "nav-count"); got != "" {
		t.Errorf("operator's menu count %q", got)
	}
}

// TestDeadEndsOfTheLetterPage walks the letter page's ways out over HTML:
// delete a draft, withdraw a submitted letter, approve and sign in one
// step (also for a selection in the queue), a new signer when the signer
// cannot sign, and a manual number by the admin desa.
func TestDeadEndsOfTheLetterPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		op, kades, adm := e.browser(), e.browser(), e.browser()
		op.login("operator")
		kades.login("kades")
		adm.login("admin")
		newLetter := func() int64 {
			csrf, token := newLetterForm(t, op)
			return createdLetter(t, op.post("/surat/baru/sk_domisili", letterFormValues(csrf, token, lv.res.ID)))
		}
		post := func(br *browser, path string, v url.Values) response {
			if v == nil {
				v = url.Values{}
			}
			v.Set(csrfField, pageCSRF(t, br))
			return br.post(path, v)
		}

		// Delete a draft.
		id := newLetter()
		page := op.get(fmt.Sprintf("/surat/%d", id))
		if attr(t, page.Body, "button", "id", "delete-btn", "type") == "" {
			t.Error("a draft offers no delete button")
		}
		r := post(op, fmt.Sprintf("/surat/%d/hapus", id), nil)
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/surat?ok=dihapus" {
			t.Fatalf("delete: %d %q", r.Code, r.Header.Get("Location"))
		}
		wantStatus(t, "deleted letter", op.get(fmt.Sprintf("/surat/%d", id)), http.StatusNotFound)
		wantStatus(t, "kades deletes", post(kades, fmt.Sprintf("/surat/%d/hapus", newLetter()), nil), http.StatusForbidden)

		// Withdraw a submitted letter to fix a typo, then submit again.
		id = newLetter()
		wantStatus(t, "submit", post(op, fmt.Sprintf("/surat/%d/ajukan", id), nil), http.StatusSeeOther)
		r = post(op, fmt.Sprintf("/surat/%d/tarik", id), nil)
		wantStatus(t, "withdraw", r, http.StatusSeeOther)
		if got := textByID(t, op.get(fmt.Sprintf("/surat/%d", id)).Body, "letter-status"); got != "Draf" {
			t.Errorf("after withdrawing: %q", got)
		}
		wantStatus(t, "withdraw a draft", post(op, fmt.Sprintf("/surat/%d/tarik", id), nil), http.StatusConflict)
		wantStatus(t, "submit again", post(op, fmt.Sprintf("/surat/%d/ajukan", id), nil), http.StatusSeeOther)

		// Approve and sign in one step.
		show := kades.get(fmt.Sprintf("/surat/%d", id))
		version := attr(t, show.Body, "form", "id", "approve-sign-form", "id")
		if version == "" {
			t.Fatalf("the kepala desa is offered no Setujui dan tandatangani: %s", snippet(show.Body))
		}
		l, err := e.st.LetterByID(context.Background(), lv.v.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		r = post(kades, fmt.Sprintf("/surat/%d/setujui-tandatangani", id), url.Values{"version": {fmt.Sprint(l.Version)},
			"passphrase": {"salah"}})
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-as-passphrase") == "" {
			t.Fatalf("wrong passphrase: %d %q", r.Code, textByID(t, r.Body, "e-as-passphrase"))
		}
		r = post(kades, fmt.Sprintf("/surat/%d/setujui-tandatangani", id), url.Values{"version": {fmt.Sprint(l.Version)},
			"passphrase": {testSignPass}})
		if r.Code != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?ok=ditandatangani") {
			t.Fatalf("approve and sign: %d %q %s", r.Code, r.Header.Get("Location"), snippet(r.Body))
		}
		if got := textByID(t, kades.get(fmt.Sprintf("/surat/%d", id)).Body, "letter-status"); got != "Ditandatangani" {
			t.Errorf("after approve and sign: %q", got)
		}

		// A selection in the queue, one submitted and one approved.
		a, c := newLetter(), newLetter()
		for _, x := range []int64{a, c} {
			wantStatus(t, "submit", post(op, fmt.Sprintf("/surat/%d/ajukan", x), nil), http.StatusSeeOther)
		}
		lc, _ := e.st.LetterByID(context.Background(), lv.v.ID, c)
		wantStatus(t, "approve", post(kades, fmt.Sprintf("/surat/%d/setujui", c), url.Values{"version": {fmt.Sprint(lc.Version)}}),
			http.StatusSeeOther)
		q := kades.get("/persetujuan")
		va := attr(t, q.Body, "input", "name", fmt.Sprintf("v%d", a), "value")
		if !strings.Contains(q.Body, fmt.Sprintf(`value="%d"`, a)) || va == "" {
			t.Fatalf("queue lacks the submitted letter %d: %s", a, snippet(q.Body))
		}
		r = post(kades, "/persetujuan/tandatangani", url.Values{"id": {fmt.Sprint(a), fmt.Sprint(c)},
			fmt.Sprintf("v%d", a): {va}, "passphrase": {testSignPass}})
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "2 dari 2 surat berhasil ditandatangani") {
			t.Fatalf("batch approve and sign: %d %s", r.Code, snippet(textByID(t, r.Body, "batch-results")))
		}

		// A letter whose signer cannot sign: the u.b. official has neither
		// certificate nor login. The form does not offer them, the letter
		// page says what is wrong and offers the kepala desa instead.
		ub := &surat.Official{Name: "Agus Priyanto", Jabatan: "Kasi Pemerintahan", CanSignUB: true, Active: true}
		if err := e.st.CreateOfficial(context.Background(), surat.Actor{Username: "test"}, lv.v.ID, ub); err != nil {
			t.Fatal(err)
		}
		form := op.get("/surat/baru/sk_domisili")
		if strings.Contains(textByID(t, form.Body, "f-signer_official_id"), "Agus Priyanto") {
			t.Error("the letter form offers an official without certificate or login")
		}
		if why := textByID(t, form.Body, "unready-signers"); !strings.Contains(why, "Agus Priyanto") || !strings.Contains(why, "sertifikat") {
			t.Errorf("the form does not say why the official is missing: %q", why)
		}
		var stuck letterJSON
		e.call("POST", "/api/v1/letters", lv.tokens["operator"], domisili(lv.res.ID, func(m map[string]any) {
			m["signer_official_id"] = ub.ID
		}), http.StatusCreated, &stuck)
		e.call("POST", letterPath(stuck.ID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, &stuck)
		page = op.get(fmt.Sprintf("/surat/%d", stuck.ID))
		if got := textByID(t, page.Body, "signer-not-ready"); !strings.Contains(got, "Agus Priyanto") {
			t.Fatalf("no notice about the signer: %q", got)
		}
		r = post(op, fmt.Sprintf("/surat/%d/penandatangan", stuck.ID), url.Values{signerField: {fmt.Sprint(ub.ID)}})
		wantStatus(t, "change to an unready signer", r, http.StatusUnprocessableEntity)
		r = post(op, fmt.Sprintf("/surat/%d/penandatangan", stuck.ID), url.Values{signerField: {fmt.Sprint(lv.head.ID)}})
		wantStatus(t, "change signer", r, http.StatusSeeOther)
		if kp := kades.get(fmt.Sprintf("/surat/%d", stuck.ID)); attr(t, kp.Body, "button", "id", "approve-sign-btn", "type") == "" {
			t.Error("after the change the kepala desa cannot approve and sign")
		}

		// A manual number by the admin desa only.
		id = newLetter()
		wantStatus(t, "operator numbers", post(op, fmt.Sprintf("/surat/%d/nomor", id), url.Values{"manual_seq": {"77"},
			"manual_reason": {"Agenda"}}), http.StatusForbidden)
		r = post(adm, fmt.Sprintf("/surat/%d/nomor", id), url.Values{"manual_seq": {"77"}})
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-manual_reason") == "" {
			t.Fatalf("manual number without a reason: %d %q", r.Code, textByID(t, r.Body, "e-manual_reason"))
		}
		wantStatus(t, "manual number", post(adm, fmt.Sprintf("/surat/%d/nomor", id), url.Values{"manual_seq": {"77"},
			"manual_reason": {"Nomor dari buku agenda kertas"}}), http.StatusSeeOther)
		if got := textByID(t, adm.get(fmt.Sprintf("/surat/%d", id)).Body, "manual-number"); !strings.HasPrefix(got, "77 (tahun 2026)") {
			t.Errorf("manual number shown as %q", got)
		}
		acts := letterAuditActions(t, e.st, lv.v.ID, id)
		if !acts["letter.manual_number"] {
			t.Errorf("manual number not audited: %v", acts)
		}
	})
}

// TestVerificationOverHTML: with verification on, the sekretaris desa sees
// the letter in the queue and verifies it; the kepala desa cannot approve
// before.
func TestVerificationOverHTML(t *testing.T) {
	e := newLetterEnv(t, storetest.SQLite)
	lv := e.villageForLetters("3505122001", "Sumberejo", "")
	e.sekdes(lv, "")
	adm := e.browser()
	adm.login("admin")
	r := adm.post("/pengaturan/alur", url.Values{csrfField: {adm.csrf("/pengaturan/alur")}, "verify_sekdes": {"true"},
		"webhook_format": {"json"}})
	wantStatus(t, "save workflow", r, http.StatusSeeOther)
	var l letterJSON
	e.call("POST", "/api/v1/letters", lv.tokens["operator"], domisili(lv.res.ID, nil), http.StatusCreated, &l)
	e.call("POST", letterPath(l.ID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, &l)
	kades := e.browser()
	kades.login("kades")
	page := kades.get(fmt.Sprintf("/surat/%d", l.ID))
	if textByID(t, page.Body, "verify-pending") == "" || attr(t, page.Body, "button", "id", "approve-sign-btn", "type") != "" {
		t.Errorf("kades page before verification: pending %q", textByID(t, page.Body, "verify-pending"))
	}
	sek := e.browser()
	sek.login("sekdes")
	q := sek.get("/persetujuan")
	if !strings.Contains(textByID(t, q.Body, "to-verify"), "Budi Santoso") {
		t.Fatalf("sekdes queue: %s", snippet(q.Body))
	}
	r = sek.post(fmt.Sprintf("/surat/%d/verifikasi", l.ID), url.Values{csrfField: {pageCSRF(t, sek)}, "version": {fmt.Sprint(l.Version)}})
	wantStatus(t, "verify", r, http.StatusSeeOther)
	page = kades.get(fmt.Sprintf("/surat/%d", l.ID))
	if attr(t, page.Body, "button", "id", "approve-sign-btn", "type") == "" || textByID(t, page.Body, "verified") == "" {
		t.Errorf("kades page after verification: verified %q", textByID(t, page.Body, "verified"))
	}
}

// TestResidentRequestDeadEnds: a returned request goes back to the clerk
// when the resident uploads the requested document; the resident sees the
// values they sent; "Kirim ulang" works; the clerk sees the checklist; a
// letter made from the request shows the request with its documents to
// the signer, who may open the request.
func TestResidentRequestDeadEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		adm := e.browser()
		adm.login("admin")
		r := adm.post("/pengaturan/surat/sk_domisili", url.Values{csrfField: {adm.csrf("/pengaturan/surat/sk_domisili")},
			"enabled": {"true"}, "online": {"true"}, "kode_surat": {"470"}, "validity_days": {"30"},
			"requirements": {"Surat Pengantar RT/RW\nFotokopi KTP"}})
		wantStatus(t, "save requirements", r, http.StatusSeeOther)

		pin := e.issuePIN("operator", lv.res.NIK)
		res := e.residentBrowser(lv.res.NIK, pin, "583920")
		mods := res.get("/mandiri/layanan")
		if !strings.Contains(mods.Body, "Surat Pengantar RT/RW") {
			t.Error("the module list does not name the requirements")
		}
		form := res.get("/mandiri/permohonan/baru?modul=sk_domisili")
		if !strings.Contains(textByID(t, form.Body, "requirements"), "Fotokopi KTP") {
			t.Error("the request form does not list the requirements")
		}
		r = res.postFiles("/mandiri/permohonan", url.Values{csrfField: {attr(t, form.Body, "input", "name", csrfField, "value")},
			"module": {"sk_domisili"}, "subject.pemohon": {fmt.Sprint(lv.res.ID)},
			"field.keperluan": {"Membuka rekening tabungan"}, "field.status_tinggal": {"Tetap"}},
			map[string][]byte{"syarat.2": tinyPDF})
		wantStatus(t, "create request", r, http.StatusSeeOther)
		var reqID int64
		fmt.Sscanf(r.Header.Get("Location"), "/mandiri/permohonan/%d", &reqID)

		op := e.browser()
		op.login("operator")
		cp := op.get(fmt.Sprintf("/permohonan/%d", reqID))
		check := textByID(t, cp.Body, "checklist")
		if !strings.Contains(check, "✗ Surat Pengantar RT/RW") || !strings.Contains(check, "✓ Fotokopi KTP") {
			t.Errorf("clerk checklist %q", check)
		}
		r = op.post(fmt.Sprintf("/permohonan/%d/kembalikan", reqID), url.Values{csrfField: {pageCSRF(t, op)},
			"message": {"Lampirkan surat pengantar RT"}})
		wantStatus(t, "return request", r, http.StatusSeeOther)

		page := res.get(fmt.Sprintf("/mandiri/permohonan/%d", reqID))
		if !strings.Contains(textByID(t, page.Body, "entries"), "Membuka rekening tabungan") {
			t.Errorf("the resident does not see what they sent: %q", textByID(t, page.Body, "entries"))
		}
		if textByID(t, page.Body, "what-next") == "" {
			t.Error("the resident is not told what to do")
		}
		r = res.postFiles(fmt.Sprintf("/mandiri/permohonan/%d/lampiran", reqID),
			url.Values{csrfField: {attr(t, page.Body, "input", "name", csrfField, "value")}}, map[string][]byte{"syarat.1": tinyPDF})
		if r.Code != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?ok=lampiran-dikirim") {
			t.Fatalf("upload to a returned request: %d %q", r.Code, r.Header.Get("Location"))
		}
		queue := op.get("/permohonan")
		if !strings.Contains(queue.Body, fmt.Sprintf(`href="/permohonan/%d"`, reqID)) {
			t.Fatal("the corrected request is not back in the clerk's queue")
		}
		if got := textByID(t, op.get(fmt.Sprintf("/permohonan/%d", reqID)).Body, "checklist"); strings.Contains(got, "✗") {
			t.Errorf("checklist after the upload: %q", got)
		}
		// Returned again, sent back as it is.
		r = op.post(fmt.Sprintf("/permohonan/%d/kembalikan", reqID), url.Values{csrfField: {pageCSRF(t, op)},
			"message": {"Bawa KK asli ke kantor"}})
		wantStatus(t, "return again", r, http.StatusSeeOther)
		page = res.get(fmt.Sprintf("/mandiri/permohonan/%d", reqID))
		r = res.post(fmt.Sprintf("/mandiri/permohonan/%d/kirim-ulang", reqID),
			url.Values{csrfField: {attr(t, page.Body, "input", "name", csrfField, "value")}})
		wantStatus(t, "resubmit", r, http.StatusSeeOther)
		rq, err := e.st.RequestByID(context.Background(), lv.v.ID, reqID)
		if err != nil || rq.Effective != surat.RequestInReview {
			t.Fatalf("after Kirim ulang: %v, %v", rq, err)
		}

		// The clerk makes the letter; the kepala desa reviews it with the
		// request and its documents.
		r = op.post(fmt.Sprintf("/permohonan/%d/proses", reqID), url.Values{csrfField: {pageCSRF(t, op)}})
		wantStatus(t, "open request", r, http.StatusSeeOther)
		letterPage := r.Header.Get("Location")
		r = op.post(letterPage+"/ajukan", url.Values{csrfField: {pageCSRF(t, op)}})
		wantStatus(t, "submit", r, http.StatusSeeOther)
		kades := e.browser()
		kades.login("kades")
		kp := kades.get(letterPage)
		panel := textByID(t, kp.Body, "request-panel")
		if !strings.Contains(panel, fmt.Sprintf("permohonan warga #%d", reqID)) || !strings.Contains(panel, "Fotokopi KTP") {
			t.Fatalf("the signer does not see the request: %q", panel)
		}
		as, err := e.st.Attachments(context.Background(), lv.v.ID, reqID)
		if err != nil || len(as) != 2 {
			t.Fatalf("attachments %v, %v", as, err)
		}
		inline := kades.get(fmt.Sprintf("/permohonan/%d/lampiran/%d/lihat", reqID, as[0].ID))
		if inline.Code != http.StatusOK || inline.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(inline.Header.Get("Content-Disposition"), "inline") ||
			!strings.Contains(inline.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
			t.Errorf("inline attachment: %d %q %q", inline.Code, inline.Header.Get("Content-Type"), inline.Header.Get("Content-Disposition"))
		}
		if !strings.Contains(kp.Body, fmt.Sprintf(`src="/permohonan/%d/lampiran/%d/lihat"`, reqID, as[0].ID)) {
			t.Error("the letter page does not preview the PDF")
		}
		rp := kades.get(fmt.Sprintf("/permohonan/%d", reqID))
		if rp.Code != http.StatusOK || strings.Contains(rp.Body, "/proses") {
			t.Errorf("the signer's view of the request: %d, actions shown %t", rp.Code, strings.Contains(rp.Body, "/proses"))
		}
		wantStatus(t, "signer returns a request", kades.post(fmt.Sprintf("/permohonan/%d/kembalikan", reqID),
			url.Values{csrfField: {pageCSRF(t, kades)}, "message": {"x"}}), http.StatusForbidden)
	})
}

// TestLetterFromResidentAndHousehold: "Buat surat" on a resident's page and
// on a household's page opens the module list and the form with the
// resident already chosen.
func TestLetterFromResidentAndHousehold(t *testing.T) {
	e := newLetterEnv(t, storetest.SQLite)
	lv := e.villageForLetters("3505122001", "Sumberejo", "")
	other := e.village("3505122002", "Lain")
	stranger := e.resident(other, "3505121501800009", "Orang Lain")
	op := e.browser()
	op.login("operator")
	rp := op.get(fmt.Sprintf("/penduduk/%d", lv.res.ID))
	href := attr(t, rp.Body, "a", "id", "new-letter", "href")
	if href != fmt.Sprintf("/surat/baru?penduduk=%d", lv.res.ID) {
		t.Fatalf("resident page Buat surat = %q", href)
	}
	mods := op.get(href)
	if !strings.Contains(textByID(t, mods.Body, "letter-for"), "Budi Santoso") ||
		attr(t, mods.Body, "a", "id", "m-sk_domisili", "href") != "/surat/baru/sk_domisili?penduduk="+fmt.Sprint(lv.res.ID) {
		t.Fatalf("module list for a resident: %q", attr(t, mods.Body, "a", "id", "m-sk_domisili", "href"))
	}
	form := op.get("/surat/baru/sk_domisili?penduduk=" + fmt.Sprint(lv.res.ID))
	if v := attr(t, form.Body, "input", "name", "subject.pemohon", "value"); v != fmt.Sprint(lv.res.ID) {
		t.Errorf("form subject = %q", v)
	}
	wantStatus(t, "another village's resident", op.get(fmt.Sprintf("/surat/baru?penduduk=%d", stranger.ID)), http.StatusNotFound)
	h := lv.res.HouseholdID
	hp := op.get(fmt.Sprintf("/keluarga/%d", *h))
	hhref := attr(t, hp.Body, "a", "id", "new-letter", "href")
	if hhref != fmt.Sprintf("/surat/baru?keluarga=%d", *h) {
		t.Fatalf("household page Buat surat = %q", hhref)
	}
	form = op.get(fmt.Sprintf("/surat/baru/sp_kartu_keluarga?keluarga=%d", *h))
	if form.Code != http.StatusOK || !strings.Contains(form.Body, "Budi Santoso") {
		t.Errorf("household form: %d", form.Code)
	}
	kades := e.browser()
	kades.login("kades")
	if attr(t, kades.get(fmt.Sprintf("/penduduk/%d", lv.res.ID)).Body, "a", "id", "new-letter", "href") != "" {
		t.Error("a signer is offered Buat surat")
	}
}

// webhookSink records what a local webhook receives.
type webhookSink struct {
	mu     sync.Mutex
	bodies []string
	auths  []string
}

func (w *webhookSink) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	w.bodies = append(w.bodies, string(b))
	w.auths = append(w.auths, r.Header.Get("Authorization"))
	w.mu.Unlock()
	rw.Write([]byte("ok"))
}

// TestWorkflowSettingsPages: the admin sets a webhook (an unknown
// placeholder is refused), sends a test message to a local receiver, lists
// notifications with their state and retries a failed one; sets where a
// number sequence continues; gives a user an e-mail address. Other roles
// are refused.
func TestWorkflowSettingsPages(t *testing.T) {
	e := newLetterEnv(t, storetest.SQLite)
	lv := e.villageForLetters("3505122001", "Sumberejo", "")
	sink := &webhookSink{}
	hook := httptest.NewServer(sink)
	t.Cleanup(hook.Close)
	adm := e.browser()
	adm.login("admin")
	csrf := adm.csrf("/pengaturan/alur")
	r := adm.post("/pengaturan/alur", url.Values{csrfField: {csrf}, "webhook_url": {hook.URL},
		"webhook_body": {`{"target":"{{nik}}"}`}, "webhook_format": {"json"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(textByID(t, r.Body, "e-webhook_body"), "{{nik}}") {
		t.Fatalf("unknown placeholder: %d %q", r.Code, textByID(t, r.Body, "e-webhook_body"))
	}
	r = adm.post("/pengaturan/alur", url.Values{csrfField: {csrf}, "verify_sekdes": {"true"}, "webhook_format": {"json"}})
	if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-verify_sekdes") == "" {
		t.Fatalf("verification without a sekdes: %d", r.Code)
	}
	const gatewayToken = "Bearer rahasia-gateway-7f3a"
	save := func(auth string) {
		t.Helper()
		r := adm.post("/pengaturan/alur", url.Values{csrfField: {csrf}, "webhook_url": {hook.URL + "/kirim"},
			"webhook_auth": {auth}, "webhook_body": {`{"target":"{{telepon}}","message":"{{pesan}}"}`},
			"webhook_format": {"json"}, "webhook_staff": {"true"}})
		wantStatus(t, "save webhook", r, http.StatusSeeOther)
	}
	sendTest := func() string {
		t.Helper()
		r := adm.post("/pengaturan/alur/uji", url.Values{csrfField: {csrf}, "telepon": {"0812 3456 7890"}})
		if r.Code != http.StatusOK || textByID(t, r.Body, "test-result") == "" {
			t.Fatalf("test message: %d %q", r.Code, textByID(t, r.Body, "test-error"))
		}
		if strings.Contains(r.Body, "rahasia-gateway") {
			t.Error("the test page shows the stored Authorization value")
		}
		sink.mu.Lock()
		defer sink.mu.Unlock()
		return sink.auths[len(sink.auths)-1]
	}
	save(gatewayToken)
	if got := sendTest(); got != gatewayToken {
		t.Errorf("Authorization sent %q, want the stored token", got)
	}
	sink.mu.Lock()
	got := strings.Join(sink.bodies, "\n")
	sink.mu.Unlock()
	if !strings.Contains(got, `"target":"6281234567890"`) || !strings.Contains(got, "Pesan uji") {
		t.Errorf("webhook got %q", got)
	}
	// The gateway's token is write-only: never shown back, kept by a save
	// with the field empty, removed with "-".
	if page := adm.get("/pengaturan/alur"); strings.Contains(page.Body, "rahasia-gateway") ||
		!strings.Contains(page.Body, "Sudah tersimpan") {
		t.Errorf("settings page shows the token or not that one is stored: %s", snippet(page.Body))
	}
	save("")
	if got := sendTest(); got != gatewayToken {
		t.Errorf("after a save with the field empty, Authorization %q", got)
	}
	save("-")
	if got := sendTest(); got != "" {
		t.Errorf("after removing it, Authorization %q", got)
	}
	// A failed notification, listed and retried.
	if err := e.st.SaveWorkflowSettings(context.Background(), surat.Actor{Username: "admin"}, lv.v.ID, &surat.WorkflowSettings{
		WebhookURL: hook.URL + "/kirim", WebhookBody: `{"m":"{{pesan}}"}`, WebhookFormat: "json", WebhookStaff: true}); err != nil {
		t.Fatal(err)
	}
	var l letterJSON
	e.call("POST", "/api/v1/letters", lv.tokens["operator"], domisili(lv.res.ID, nil), http.StatusCreated, &l)
	e.call("POST", letterPath(l.ID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, nil)
	w := e.srv.notify.NewWorker()
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	page, err := e.st.Notifications(context.Background(), lv.v.ID, store.NotificationFilter{})
	if err != nil || page.Total != 1 || page.Items[0].Status != surat.NotificationSent {
		t.Fatalf("notifications %+v, %v", page, err)
	}
	list := adm.get("/pengaturan/pemberitahuan")
	if !strings.Contains(textByID(t, list.Body, "notifications"), "Terkirim") {
		t.Errorf("delivery state not shown: %s", snippet(textByID(t, list.Body, "notifications")))
	}
	wantStatus(t, "retry a sent one", adm.post(fmt.Sprintf("/pengaturan/pemberitahuan/%d/ulang", page.Items[0].ID),
		url.Values{csrfField: {csrf}}), http.StatusConflict)
	// Penomoran: continue at 235; below the last is refused.
	num := adm.get("/pengaturan/penomoran")
	scope := attr(t, num.Body, "input", "name", "scope", "value")
	wantStatus(t, "start at 235", adm.post("/pengaturan/penomoran", url.Values{csrfField: {csrf}, "scope": {scope},
		"next": {"235"}}), http.StatusSeeOther)
	if got := textByID(t, adm.get("/pengaturan/penomoran").Body, "series-0-last"); !strings.Contains(got, "/235/") {
		t.Errorf("next number shown %q", got)
	}
	r = adm.post("/pengaturan/penomoran", url.Values{csrfField: {csrf}, "scope": {scope}, "next": {"10"}})
	if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-next-0") == "" {
		t.Errorf("restart below the last: %d", r.Code)
	}
	// A user's e-mail address.
	users, _ := e.st.VillageUsers(context.Background(), lv.v.ID)
	var kadesID int64
	for _, u := range users {
		if u.Username == "kades" {
			kadesID = u.ID
		}
	}
	r = adm.post(fmt.Sprintf("/pengaturan/pengguna/%d", kadesID), url.Values{csrfField: {csrf}, "full_name": {"Slamet Riyadi"},
		"role": {"penandatangan"}, "official_id": {fmt.Sprint(lv.head.ID)}, "email": {"bukan-email"}})
	wantStatus(t, "bad e-mail", r, http.StatusUnprocessableEntity)
	r = adm.post(fmt.Sprintf("/pengaturan/pengguna/%d", kadesID), url.Values{csrfField: {csrf}, "full_name": {"Slamet Riyadi"},
		"role": {"penandatangan"}, "official_id": {fmt.Sprint(lv.head.ID)}, "email": {"kades@desa.example"}})
	wantStatus(t, "e-mail", r, http.StatusSeeOther)
	if u, _ := e.st.UserByID(context.Background(), kadesID); u.Email != "kades@desa.example" {
		t.Errorf("e-mail stored as %q", u.Email)
	}
	op := e.browser()
	op.login("operator")
	for _, p := range []string{"/pengaturan/alur", "/pengaturan/pemberitahuan", "/pengaturan/penomoran"} {
		wantStatus(t, "operator "+p, op.get(p), http.StatusForbidden)
	}
}

var auditCodeRE = regexp.MustCompile(`\b[a-z_]+\.[a-z_]+\b`)

// TestReviewFixes: the settings list reads a module's validity as the
// letters have it; the audit log speaks Indonesian and links to records;
// the import offers a template that imports cleanly; login and every page
// link to Layanan Mandiri; the phone menu has its button.
func TestReviewFixes(t *testing.T) {
	e := newMandiriEnv(t, storetest.SQLite)
	lv := e.villageForLetters("3505122001", "Sumberejo", "")
	adm := e.browser()
	adm.login("admin")
	csrf := adm.csrf("/pengaturan/surat/sk_domisili")
	// Saved with validity 0 (the module's period): "1 bulan", not "0 hari".
	if err := e.st.SaveLetterSetting(context.Background(), surat.Actor{Username: "admin"}, lv.v.ID,
		&surat.LetterSettings{Module: "sk_domisili", Enabled: true, KodeSurat: "470", Online: true}); err != nil {
		t.Fatal(err)
	}
	list := adm.get("/pengaturan/surat")
	row := textByID(t, list.Body, "m-sk_domisili")
	if strings.Contains(row, "0 hari") || !strings.Contains(row, "1 bulan") {
		t.Errorf("validity in the list: %q", row)
	}
	if form := adm.get("/pengaturan/surat/sk_domisili"); attr(t, form.Body, "input", "name", "validity_days", "value") != "30" {
		t.Errorf("validity in the form: %q", attr(t, form.Body, "input", "name", "validity_days", "value"))
	}
	// Audit: request and account actions read as words, with links.
	pin := e.issuePIN("operator", lv.res.NIK)
	tok := e.residentToken(lv.res.NIK, pin, "583920")
	var rq mandiriRequestJSON
	e.call("POST", "/api/v1/mandiri/requests", tok, domisili(lv.res.ID, nil), http.StatusCreated, &rq)
	audit := adm.get("/audit")
	table := textByID(t, audit.Body, "audit")
	if codes := auditCodeRE.FindAllString(table, -1); len(codes) > 0 {
		t.Errorf("raw action codes in the audit log: %v", codes)
	}
	if !strings.Contains(table, "Warga mengganti PIN") || !strings.Contains(table, "Permohonan warga masuk") {
		t.Errorf("audit labels: %s", snippet(table))
	}
	if !strings.Contains(audit.Body, fmt.Sprintf(`href="/permohonan/%d"`, rq.ID)) {
		t.Error("audit entry of a request does not link to it")
	}
	// The import template.
	up := adm.get("/penduduk/impor")
	tpl := attr(t, up.Body, "a", "download", "contoh-impor-penduduk.csv", "href")
	if tpl == "" {
		t.Fatal("no template link on the import page")
	}
	f := adm.get(tpl)
	recs, problems, err := importer.Parse(strings.NewReader(f.Body), "contoh.csv")
	if f.Code != http.StatusOK || err != nil || len(problems) != 0 || len(recs) != 2 {
		t.Errorf("template: %d, %d records, problems %v, %v", f.Code, len(recs), problems, err)
	}
	// Links to Layanan Mandiri and the menu button.
	anon := e.browser()
	login := anon.get("/login")
	if attr(t, login.Body, "p", "id", "mandiri-link", "class") == "" || !strings.Contains(login.Body, `href="/mandiri/masuk"`) {
		t.Error("the login page has no link to Layanan Mandiri")
	}
	if home := anon.get("/"); home.Code != http.StatusSeeOther || !strings.Contains(anon.get(home.Header.Get("Location")).Body,
		`href="/mandiri/masuk"`) {
		t.Error("/ leads to no link to Layanan Mandiri")
	}
	if d := adm.get("/dashboard"); attr(t, d.Body, "label", "id", "menu-button", "for") != "menu-toggle" {
		t.Error("no menu button")
	}
	_ = csrf
}

// TestWorkflowRoutesStayInTheVillage: every new letter route answers 404
// for a letter of another village, before anything changes; a
// notification of another village cannot be retried.
func TestWorkflowRoutesStayInTheVillage(t *testing.T) {
	e := newLetterEnv(t, storetest.SQLite)
	a := e.villageForLetters("3505122001", "Sumberejo", "")
	b := e.villageForLetters("3505122002", "Lain", "b")
	var foreign letterJSON
	e.call("POST", "/api/v1/letters", b.tokens["operator"], domisili(b.res.ID, nil), http.StatusCreated, &foreign)
	e.call("POST", letterPath(foreign.ID)+"/submit", b.tokens["operator"], nil, http.StatusOK, &foreign)
	op, kades, adm := e.browser(), e.browser(), e.browser()
	op.login("operator")
	kades.login("kades")
	adm.login("admin")
	for _, tc := range []struct {
		br   *browser
		path string
		form url.Values
	}{
		{op, "hapus", nil}, {op, "tarik", nil}, {op, "penandatangan", url.Values{signerField: {fmt.Sprint(a.head.ID)}}},
		{adm, "nomor", url.Values{"manual_seq": {"5"}, "manual_reason": {"x"}}},
		{kades, "verifikasi", url.Values{"version": {"2"}}},
		{kades, "setujui-tandatangani", url.Values{"version": {"2"}, "passphrase": {testSignPass}}},
	} {
		v := url.Values{csrfField: {pageCSRF(t, tc.br)}}
		for k, vs := range tc.form {
			v[k] = vs
		}
		r := tc.br.post(fmt.Sprintf("/surat/%d/%s", foreign.ID, tc.path), v)
		if r.Code != http.StatusNotFound {
			t.Errorf("POST /surat/<other village>/%s = %d, want 404", tc.path, r.Code)
		}
	}
	got, err := e.st.LetterByID(context.Background(), b.v.ID, foreign.ID)
	if err != nil || got.Status != surat.LetterSubmitted || got.Version != foreign.Version || got.ManualSeq != nil {
		t.Errorf("the other village's letter changed: %+v, %v", got, err)
	}
	// A notification of the other village.
	if err := e.st.SaveWorkflowSettings(context.Background(), surat.Actor{Username: "admin"}, b.v.ID,
		&surat.WorkflowSettings{WebhookURL: "http://127.0.0.1:1/", WebhookBody: `{"m":"{{pesan}}"}`, WebhookFormat: "json",
			WebhookStaff: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.notify.NewWorker().RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	page, err := e.st.Notifications(context.Background(), b.v.ID, store.NotificationFilter{})
	if err != nil || page.Total == 0 {
		t.Fatalf("other village's notifications: %v, %v", page, err)
	}
	r := adm.post(fmt.Sprintf("/pengaturan/pemberitahuan/%d/ulang", page.Items[0].ID), url.Values{csrfField: {pageCSRF(t, adm)}})
	if r.Code != http.StatusNotFound {
		t.Errorf("retry of another village's notification = %d", r.Code)
	}
	if list := adm.get("/pengaturan/pemberitahuan"); strings.Contains(list.Body, fmt.Sprintf(`id="n-%d"`, page.Items[0].ID)) {
		t.Error("the admin sees another village's notification")
	}
}

// TestResidentContactPage: a resident opts in (a phone number with spaces
// is stored as 62...), is refused without consent, and opts out.
func TestResidentContactPage(t *testing.T) {
	e := newMandiriEnv(t, storetest.SQLite)
	lv := e.villageForLetters("3505122001", "Sumberejo", "")
	pin := e.issuePIN("operator", lv.res.NIK)
	res := e.residentBrowser(lv.res.NIK, pin, "583920")
	csrf := attr(t, res.get("/mandiri/pemberitahuan").Body, "input", "name", csrfField, "value")
	r := res.post("/mandiri/pemberitahuan", url.Values{csrfField: {csrf}, "telepon": {"0812 3456 7890"}})
	if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-setuju") == "" {
		t.Fatalf("without consent: %d", r.Code)
	}
	r = res.post("/mandiri/pemberitahuan", url.Values{csrfField: {csrf}, "telepon": {"0812 3456 7890"},
		"email": {"budi@example.org"}, "setuju": {"ya"}})
	wantStatus(t, "opt in", r, http.StatusSeeOther)
	acc, err := e.st.ResidentAccountOf(context.Background(), lv.v.ID, lv.res.ID)
	if err != nil || acc.NotifyPhone != "6281234567890" || acc.NotifyConsentAt == nil {
		t.Fatalf("account %+v, %v", acc, err)
	}
	page := res.get("/mandiri/pemberitahuan")
	if textByID(t, page.Body, "contact-on") == "" || attr(t, page.Body, "input", "name", "telepon", "value") != "081234567890" {
		t.Errorf("settings page after opting in: %q", attr(t, page.Body, "input", "name", "telepon", "value"))
	}
	wantStatus(t, "opt out", res.post("/mandiri/pemberitahuan", url.Values{csrfField: {csrf}, "berhenti": {"ya"}}), http.StatusSeeOther)
	if acc, _ := e.st.ResidentAccountOf(context.Background(), lv.v.ID, lv.res.ID); acc.NotifyConsentAt != nil || acc.NotifyPhone != "" {
		t.Errorf("after opting out: %+v", acc)
	}
}
