package web

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// templateFormValues reads the values a browser would send with the form whose id
// is formID: inputs (checked boxes only), textareas and selects, in page
// order.
func templateFormValues(t *testing.T, doc, formID string) url.Values {
	t.Helper()
	f := findNode(t, doc, func(n *html.Node) bool { v, ok := getAttr(n, "id"); return n.Data == "form" && ok && v == formID })
	if f == nil {
		t.Fatalf("no form #%s in the page", formID)
	}
	out := url.Values{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, _ := getAttr(n, "name")
			switch n.Data {
			case "input":
				typ, _ := getAttr(n, "type")
				_, checked := getAttr(n, "checked")
				val, _ := getAttr(n, "value")
				switch {
				case name == "" || typ == "submit" || typ == "file":
				case (typ == "checkbox" || typ == "radio") && !checked:
				default:
					out.Add(name, val)
				}
			case "textarea":
				var sb strings.Builder
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					sb.WriteString(c.Data)
				}
				// A browser drops one newline right after <textarea>.
				out.Add(name, strings.TrimPrefix(sb.String(), "\n"))
			case "select":
				val := ""
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type != html.ElementNode || c.Data != "option" {
						continue
					}
					v, _ := getAttr(c, "value")
					if _, sel := getAttr(c, "selected"); sel || val == "" {
						val = v
					}
				}
				out.Add(name, val)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(f)
	return out
}

// postFile sends a multipart form with one file.
func (b *browser) postFile(path string, fields url.Values, file string, data []byte) response {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	fw, err := w.CreateFormFile("file", file)
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	resp, err := b.c.Post(b.base+path, w.FormDataContentType(), &body)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

// issueSigned drafts an sk_domisili through the clerk pages with extra
// fields, has the kepala desa approve and sign it, and returns its id.
func issueSigned(t *testing.T, op, kades *browser, residentID int64, extra url.Values) int64 {
	t.Helper()
	csrf, token := newLetterForm(t, op)
	form := letterFormValues(csrf, token, residentID)
	for k, v := range extra {
		form[k] = v
	}
	id := createdLetter(t, op.post("/surat/baru/sk_domisili", form))
	if r := op.post(fmt.Sprintf("/surat/%d/ajukan", id), url.Values{csrfField: {pageCSRF(t, op)}}); r.Code != http.StatusSeeOther {
		t.Fatalf("submit = %d: %s", r.Code, snippet(r.Body))
	}
	kc := pageCSRF(t, kades)
	if r := kades.post(fmt.Sprintf("/surat/%d/setujui", id), url.Values{csrfField: {kc}, "version": {"2"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("approve = %d: %s", r.Code, snippet(r.Body))
	}
	if r := kades.post(fmt.Sprintf("/surat/%d/tandatangani", id), url.Values{csrfField: {kc}, "passphrase": {testSignPass}}); r.Code != http.StatusSeeOther {
		t.Fatalf("sign = %d: %s", r.Code, snippet(r.Body))
	}
	return id
}

// squash is pdftotext's text with white space squashed.
func squash(t *testing.T, pdf string) string {
	return strings.Join(strings.Fields(letterPDFText(t, []byte(pdf))), " ")
}

const oldClosing = "Demikian surat keterangan ini dibuat dengan sebenarnya untuk dipergunakan\n      sebagaimana mestinya."

// TestTemplateEditorChangesNewLettersOnly is the village admin's story: an
// invalid edit is refused by line and changes nothing; the wording of
// sk_domisili changes in the YAML and a field is added with the side
// panel; a new letter uses both while the PDF of a letter signed before
// stays byte for byte the same; a draft made before offers to be rendered
// again; an old version is restored.
func TestTemplateEditorChangesNewLettersOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newLetterEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		op, kades, adm := e.browser(), e.browser(), e.browser()
		op.login("operator")
		kades.login("kades")
		adm.login("admin")

		oldID := issueSigned(t, op, kades, lv.res.ID, nil)
		oldPDF := op.get(fmt.Sprintf("/surat/%d/unduh.pdf", oldID))
		if oldPDF.Code != http.StatusOK {
			t.Fatalf("download = %d", oldPDF.Code)
		}
		csrf, token := newLetterForm(t, op)
		draftID := createdLetter(t, op.post("/surat/baru/sk_domisili", letterFormValues(csrf, token, lv.res.ID)))

		const editor = "/pengaturan/surat/sk_domisili/templat"
		r := adm.get(editor)
		if r.Code != http.StatusOK || !strings.Contains(textByID(t, r.Body, "template-status"), "Berlaku: Bawaan") {
			t.Fatalf("editor: %d %s", r.Code, snippet(textByID(t, r.Body, "template-status")))
		}
		form := templateFormValues(t, r.Body, "yaml-form")
		src := form.Get("source")
		if !strings.HasPrefix(src, "# Surat Keterangan Domisili") || !strings.Contains(src, oldClosing) {
			t.Fatalf("the editor does not hold the built-in file:\n%s", src)
		}

		// An invalid edit: 422, the line named in Indonesian, nothing stored.
		broken := strings.Replace(src, `NIK: "{{pemohon.nik}}"`, `NIK: "{{pemohon.nikk}}"`, 1)
		line := 0
		for i, l := range strings.Split(broken, "\n") {
			if strings.Contains(l, "pemohon.nikk") {
				line = i + 1
			}
		}
		form.Set("source", broken)
		r = adm.post(editor, form)
		problems := textByID(t, r.Body, "problem-list")
		want := fmt.Sprintf(`Baris %d (body › #2 › rows › NIK): kode isian {{pemohon.nikk}} tidak dikenal: pemohon tidak punya data "nikk"`, line)
		if r.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(problems, want) {
			t.Fatalf("invalid edit: %d %q\nwant prefix %q", r.Code, problems, want)
		}
		if cls := attr(t, r.Body, "span", "id", fmt.Sprintf("L%d", line), "class"); cls != "bad" {
			t.Errorf("line %d not marked in the gutter (class %q)", line, cls)
		}
		if got := templateFormValues(t, r.Body, "yaml-form").Get("source"); got != broken {
			t.Error("the refused file was not kept in the editor")
		}
		if h, _ := e.iss.TemplateHistory(context.Background(), lv.v.ID, "sk_domisili"); len(h) != 0 {
			t.Fatalf("a refused file was stored: %d versions", len(h))
		}
		// The live check says the same without a page load.
		chk := adm.post(editor+"/periksa", url.Values{csrfField: {form.Get(csrfField)}, "source": {broken}})
		if chk.Code != http.StatusOK || !strings.Contains(chk.Body, `"ok":false`) || !strings.Contains(chk.Body, fmt.Sprintf(`"line":%d`, line)) {
			t.Errorf("live check: %d %s", chk.Code, chk.Body)
		}

		// The wording, in the YAML.
		reworded := strings.Replace(src, oldClosing, "Demikian surat keterangan domisili ini kami buat agar dapat dipergunakan\n      seperlunya.", 1)
		form.Set("source", reworded)
		form.Set("note", "Kalimat penutup")
		r = adm.post(editor, form)
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != editor+"?ok=disimpan" {
			t.Fatalf("save: %d %q %s", r.Code, r.Header.Get("Location"), snippet(textByID(t, r.Body, "problem-list")))
		}

		// A field, with the side panel.
		r = adm.get(editor)
		if !strings.Contains(textByID(t, r.Body, "template-status"), "Berlaku: Desa versi 1") {
			t.Errorf("after saving: %q", textByID(t, r.Body, "template-status"))
		}
		panel := templateFormValues(t, r.Body, "panel-form")
		if panel.Get("base_version") != "1" || panel.Get("title") != "Surat Keterangan Domisili" {
			t.Fatalf("panel form: %v", panel)
		}
		panel.Set("new_name", "nomor_pengantar")
		panel.Set("new_label", "Nomor surat pengantar RT")
		panel.Set("new_type", "text")
		panel.Set("new_example", "12/RT.02/XI/2026")
		panel.Set("requirements", "Surat pengantar RT/RW\nFotokopi KTP")
		panel.Set("note", "Nomor pengantar RT")
		r = adm.post(editor+"/panel", panel)
		if r.Code != http.StatusSeeOther {
			t.Fatalf("panel: %d %s %s", r.Code, textByID(t, r.Body, "problem-list"), textByID(t, r.Body, "template-refusal"))
		}

		// A new letter uses both.
		form2 := op.get("/surat/baru/sk_domisili")
		if !strings.Contains(form2.Body, `name="field.nomor_pengantar"`) || textByID(t, form2.Body, "requirements") == "" {
			t.Fatalf("the letter form lacks the new field or the requirements")
		}
		newID := issueSigned(t, op, kades, lv.res.ID, url.Values{"field.nomor_pengantar": {"07/RT.02/XI/2026"}})
		text := squash(t, op.get(fmt.Sprintf("/surat/%d/unduh.pdf", newID)).Body)
		for _, want := range []string{"kami buat agar dapat dipergunakan seperlunya", "Nomor Surat Pengantar RT : 07/RT.02/XI/2026"} {
			if !strings.Contains(text, want) {
				t.Errorf("the new letter lacks %q:\n%s", want, text)
			}
		}
		if got := textByID(t, op.get(fmt.Sprintf("/surat/%d", newID)).Body, "letter-template"); got != "Desa versi 2" {
			t.Errorf("new letter's template %q", got)
		}
		// The letter signed before: the same bytes, its own template.
		again := op.get(fmt.Sprintf("/surat/%d/unduh.pdf", oldID))
		if again.Code != http.StatusOK || again.Body != oldPDF.Body {
			t.Error("the PDF of the letter signed before the change is not byte-identical")
		}
		if got := squash(t, again.Body); strings.Contains(got, "kami buat") {
			t.Error("the old letter reads the new wording")
		}
		if got := textByID(t, op.get(fmt.Sprintf("/surat/%d", oldID)).Body, "letter-template"); got != "Bawaan" {
			t.Errorf("old letter's template %q", got)
		}

		// The draft made before: flagged, rendered again on request.
		show := op.get(fmt.Sprintf("/surat/%d", draftID))
		if notice := textByID(t, show.Body, "template-changed"); !strings.Contains(notice, "draf: Bawaan; sekarang: Desa versi 2") {
			t.Fatalf("draft notice %q", notice)
		}
		if strings.Contains(squash(t, op.get(fmt.Sprintf("/surat/%d/pratinjau.pdf", draftID)).Body), "kami buat") {
			t.Error("the draft's preview uses the new version before it was rendered again")
		}
		r = op.post(fmt.Sprintf("/surat/%d/perbarui-templat", draftID), url.Values{csrfField: {pageCSRF(t, op)}, "version": {"1"}})
		if r.Code != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?ok=templat-baru") {
			t.Fatalf("re-render: %d %q %s", r.Code, r.Header.Get("Location"), snippet(r.Body))
		}
		show = op.get(fmt.Sprintf("/surat/%d", draftID))
		if textByID(t, show.Body, "template-changed") != "" || textByID(t, show.Body, "letter-template") != "Desa versi 2" {
			t.Errorf("after re-render: notice %q template %q", textByID(t, show.Body, "template-changed"),
				textByID(t, show.Body, "letter-template"))
		}
		if !strings.Contains(squash(t, op.get(fmt.Sprintf("/surat/%d/pratinjau.pdf", draftID)).Body), "kami buat") {
			t.Error("the re-rendered draft's preview lacks the new wording")
		}

		// Versions: the diff of version 2 shows the added field; version 1
		// restored drops it again.
		vers := adm.get(editor + "/versi")
		if vers.Code != http.StatusOK || !strings.Contains(textByID(t, vers.Body, "v2"), "Nomor pengantar RT") {
			t.Fatalf("versions: %d %q", vers.Code, textByID(t, vers.Body, "v2"))
		}
		d := adm.get(editor + "/versi/2")
		if diff := textByID(t, d.Body, "diff"); !strings.Contains(diff, "+  - name: nomor_pengantar") ||
			!strings.Contains(diff, "+  - Fotokopi KTP") || strings.Contains(diff, "Kecamatan {{desa.kecamatan}}") {
			t.Errorf("diff of version 2:\n%s", diff)
		}
		r = adm.post(editor+"/versi/1/pulihkan", url.Values{csrfField: {pageCSRF(t, adm)}, "base_version": {"2"}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != editor+"?ok=dipulihkan" {
			t.Fatalf("restore: %d %q", r.Code, r.Header.Get("Location"))
		}
		if f := op.get("/surat/baru/sk_domisili"); strings.Contains(f.Body, `name="field.nomor_pengantar"`) {
			t.Error("after restoring version 1 the form still asks for the field of version 2")
		}
		if got := textByID(t, adm.get(editor+"/versi").Body, "v3"); !strings.Contains(got, "Dipulihkan dari versi 1") {
			t.Errorf("version 3: %q", got)
		}
		// A restore from a stale page is a conflict, and changes nothing.
		if r := adm.post(editor+"/versi/2/pulihkan", url.Values{csrfField: {pageCSRF(t, adm)}, "base_version": {"2"}}); r.Code != http.StatusConflict {
			t.Errorf("stale restore = %d", r.Code)
		}

		// The verification page names the letter type by the title of the
		// version the letter was built with, whatever the village renames
		// it to later.
		cur := templateFormValues(t, adm.get(editor).Body, "yaml-form")
		cur.Set("source", strings.Replace(cur.Get("source"), "title: Surat Keterangan Domisili", "title: Surat Keterangan Tempat Tinggal", 1))
		if r := adm.post(editor, cur); r.Code != http.StatusSeeOther {
			t.Fatalf("rename: %d %s", r.Code, textByID(t, r.Body, "problem-list"))
		}
		nl, err := e.st.LetterByID(context.Background(), lv.v.ID, newID)
		if err != nil || nl.VerifyCode == nil {
			t.Fatalf("signed letter %d: %v", newID, err)
		}
		if page := e.do("GET", "/v/"+*nl.VerifyCode, nil, nil).Body.String(); !strings.Contains(page, "Surat Keterangan Domisili") ||
			strings.Contains(page, "Tempat Tinggal") {
			t.Error("the verification page does not name the letter type as it was signed")
		}
		if r := op.get("/surat/baru?q=tinggal"); !strings.Contains(r.Body, "Surat Keterangan Tempat Tinggal") {
			t.Error("the renamed type is not offered under its new title")
		}

		// Every change is in the village's audit chain with both hashes.
		es, err := e.st.AuditLog(context.Background(), lv.v.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range es {
			if a.Entity == "letter_template" {
				actions = append(actions, a.Action)
				if a.AfterHash == "" || (a.Action != "template.save" || a.EntityID != 1) && a.BeforeHash == "" {
					t.Errorf("audit %s %d: before %q after %q", a.Action, a.EntityID, a.BeforeHash, a.AfterHash)
				}
			}
		}
		sort.Strings(actions)
		if strings.Join(actions, ",") != "template.restore,template.save,template.save,template.save" {
			t.Errorf("template audit entries %v", actions)
		}
	})
}

// TestTemplateLayersOverHTTP: the kabupaten's template applies to every
// village until a village has its own; a village's templates are invisible
// to another; only admins reach the editor, with a CSRF token.
func TestTemplateLayersOverHTTP(t *testing.T) {
	e := newLetterEnv(t, storetest.SQLite)
	a := e.villageForLetters("3505122001", "Sumberejo", "")
	e.villageForLetters("3505122002", "Tegalasri", "b")
	e.user(nil, "kab", surat.RoleAdminKabupaten)
	kab, admA, admB, opA, opB := e.browser(), e.browser(), e.browser(), e.browser(), e.browser()
	kab.login("kab")
	admA.login("admin")
	admB.login("badmin")
	opA.login("operator")
	opB.login("boperator")

	usaha := func(br *browser) string {
		t.Helper()
		return textByID(t, br.get("/surat/baru?q=usaha").Body, "m-sk_usaha")
	}
	if usaha(opA) != "Surat Keterangan Usaha" || usaha(opB) != "Surat Keterangan Usaha" {
		t.Fatal("unexpected built-in title")
	}

	// The kabupaten changes the title: every village.
	r := kab.get("/kabupaten/surat/sk_usaha/templat")
	if r.Code != http.StatusOK {
		t.Fatalf("kabupaten editor: %d", r.Code)
	}
	f := templateFormValues(t, r.Body, "yaml-form")
	kabSrc := strings.Replace(f.Get("source"), "title: Surat Keterangan Usaha", "title: Surat Keterangan Usaha Mikro", 1)
	f.Set("source", kabSrc)
	if r := kab.post("/kabupaten/surat/sk_usaha/templat", f); r.Code != http.StatusSeeOther {
		t.Fatalf("kabupaten save: %d %s", r.Code, textByID(t, r.Body, "problem-list"))
	}
	if usaha(opA) != "Surat Keterangan Usaha Mikro" || usaha(opB) != "Surat Keterangan Usaha Mikro" {
		t.Errorf("after the kabupaten's change: %q, %q", usaha(opA), usaha(opB))
	}
	if got := textByID(t, kab.get("/kabupaten/surat").Body, "t-sk_usaha"); !strings.Contains(got, "Kabupaten versi 1") {
		t.Errorf("kabupaten list: %q", got)
	}

	// Village A overrides it: A only.
	r = admA.get("/pengaturan/surat/sk_usaha/templat")
	if !strings.Contains(textByID(t, r.Body, "template-status"), "Berlaku: Kabupaten versi 1") {
		t.Errorf("village editor: %q", textByID(t, r.Body, "template-status"))
	}
	f = templateFormValues(t, r.Body, "yaml-form")
	f.Set("source", strings.Replace(f.Get("source"), "Usaha Mikro", "Usaha Desa Sumberejo", 1))
	if r := admA.post("/pengaturan/surat/sk_usaha/templat", f); r.Code != http.StatusSeeOther {
		t.Fatalf("village save: %d", r.Code)
	}
	if usaha(opA) != "Surat Keterangan Usaha Desa Sumberejo" || usaha(opB) != "Surat Keterangan Usaha Mikro" {
		t.Errorf("after village A's change: A %q, B %q", usaha(opA), usaha(opB))
	}

	// A new letter type of A: B never sees it, by any route.
	r = admA.post("/pengaturan/surat/baru", url.Values{csrfField: {pageCSRF(t, admA)}, "code": {"sk_usaha_tani"}, "dari": {"sk_usaha"}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/pengaturan/surat/sk_usaha_tani/templat?dari=sk_usaha" {
		t.Fatalf("new type: %d %q", r.Code, r.Header.Get("Location"))
	}
	r = admA.get(r.Header.Get("Location"))
	f = templateFormValues(t, r.Body, "yaml-form")
	if !strings.Contains(f.Get("source"), "code: sk_usaha_tani") {
		t.Fatalf("new type's file: %s", f.Get("source"))
	}
	f.Set("source", strings.Replace(f.Get("source"), "title: Surat Keterangan Usaha Desa Sumberejo", "title: Surat Keterangan Usaha Tani", 1))
	if r := admA.post("/pengaturan/surat/sk_usaha_tani/templat", f); r.Code != http.StatusSeeOther {
		t.Fatalf("new type save: %d %s", r.Code, textByID(t, r.Body, "problem-list"))
	}
	if r := opA.get("/surat/baru/sk_usaha_tani"); r.Code != http.StatusOK {
		t.Errorf("A's operator cannot draft the new type: %d", r.Code)
	}
	for _, path := range []string{"/surat/baru/sk_usaha_tani"} {
		if r := opB.get(path); r.Code != http.StatusNotFound {
			t.Errorf("B's operator GET %s = %d, want 404", path, r.Code)
		}
	}
	for _, path := range []string{"/pengaturan/surat/sk_usaha_tani/templat", "/pengaturan/surat/sk_usaha_tani/templat/versi",
		"/pengaturan/surat/sk_usaha_tani/templat/versi/1", "/pengaturan/surat/sk_usaha_tani/templat/unduh"} {
		if r := admB.get(path); r.Code != http.StatusNotFound {
			t.Errorf("B's admin GET %s = %d, want 404", path, r.Code)
		}
	}
	if r := admB.get("/pengaturan/surat/sk_usaha/templat/versi"); strings.Contains(r.Body, "Sumberejo") {
		t.Error("B's version list shows A's version")
	}
	if r := admB.post("/pengaturan/surat/sk_usaha/templat/versi/1/pulihkan", url.Values{csrfField: {pageCSRF(t, admB)},
		"base_version": {"0"}}); r.Code != http.StatusNotFound {
		t.Errorf("B restoring A's version = %d, want 404", r.Code)
	}
	if r := admB.get("/pengaturan/surat"); strings.Contains(r.Body, "sk_usaha_tani") {
		t.Error("B's list shows A's new type")
	}

	// Only admins, with a CSRF token; the kabupaten routes for the
	// kabupaten admin only.
	if r := opA.get("/pengaturan/surat/sk_domisili/templat"); r.Code != http.StatusForbidden {
		t.Errorf("operator on the editor = %d", r.Code)
	}
	if r := admA.get("/kabupaten/surat/sk_domisili/templat"); r.Code != http.StatusForbidden {
		t.Errorf("village admin on the kabupaten editor = %d", r.Code)
	}
	if r := kab.get("/pengaturan/surat/sk_domisili/templat"); r.Code != http.StatusForbidden {
		t.Errorf("kabupaten admin on a village editor = %d", r.Code)
	}
	if r := admA.post("/pengaturan/surat/sk_domisili/templat", url.Values{"source": {"x"}}); r.Code != http.StatusForbidden {
		t.Errorf("save without CSRF = %d", r.Code)
	}
	_ = a
}

// TestTemplateExportImportOverHTTP: a village's templates downloaded as a
// zip and uploaded to another village give the same files; one OpenSID
// export becomes drafts listed for review.
func TestTemplateExportImportOverHTTP(t *testing.T) {
	e := newLetterEnv(t, storetest.SQLite)
	e.villageForLetters("3505122001", "Sumberejo", "")
	b := e.villageForLetters("3505122002", "Tegalasri", "b")
	admA, admB := e.browser(), e.browser()
	admA.login("admin")
	admB.login("badmin")
	for _, code := range []string{"sk_domisili", "sk_usaha"} {
		r := admA.get("/pengaturan/surat/" + code + "/templat")
		f := templateFormValues(t, r.Body, "yaml-form")
		f.Set("source", strings.Replace(f.Get("source"), "title: Surat Keterangan", "title: Surat Keterangan Desa", 1))
		if r := admA.post("/pengaturan/surat/"+code+"/templat", f); r.Code != http.StatusSeeOther {
			t.Fatalf("save %s: %d", code, r.Code)
		}
	}
	zipA := admA.get("/pengaturan/surat/templat/unduh.zip")
	if zipA.Code != http.StatusOK || zipA.Header.Get("Content-Disposition") != `attachment; filename="templat-desa-3505122001.zip"` {
		t.Fatalf("export: %d %q", zipA.Code, zipA.Header.Get("Content-Disposition"))
	}
	r := admB.postFile("/pengaturan/surat/templat/impor", url.Values{csrfField: {pageCSRF(t, admB)}}, "templat.zip", []byte(zipA.Body))
	if r.Code != http.StatusOK || !strings.Contains(textByID(t, r.Body, "import-result"), "disimpan sebagai versi 1") {
		t.Fatalf("import: %d %s %s", r.Code, textByID(t, r.Body, "import-error"), textByID(t, r.Body, "import-problems"))
	}
	zipB := admB.get("/pengaturan/surat/templat/unduh.zip")
	if a, bb := unzipAll(t, zipA.Body), unzipAll(t, zipB.Body); len(a) != 2 || fmt.Sprint(a) != fmt.Sprint(bb) {
		t.Errorf("round trip: %d files, equal %v", len(a), fmt.Sprint(a) == fmt.Sprint(bb))
	}
	for _, code := range []string{"sk_domisili", "sk_usaha"} {
		ya := admA.get("/pengaturan/surat/" + code + "/templat/unduh").Body
		yb := admB.get("/pengaturan/surat/" + code + "/templat/unduh").Body
		if ya != yb || !strings.Contains(yb, "title: Surat Keterangan Desa") {
			t.Errorf("%s differs after the round trip", code)
		}
	}
	// A broken file in the zip: nothing stored.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("sk_rusak.yaml")
	w.Write([]byte("code: sk_rusak\ntitle: Rusak\n"))
	zw.Close()
	r = admB.postFile("/pengaturan/surat/templat/impor", url.Values{csrfField: {pageCSRF(t, admB)}}, "rusak.zip", buf.Bytes())
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(textByID(t, r.Body, "import-problems"), "sk_rusak.yaml") {
		t.Errorf("broken import: %d %q", r.Code, textByID(t, r.Body, "import-problems"))
	}

	// An export in OpenSID's format: drafts, listed for review, offered to
	// nobody yet.
	data, err := os.ReadFile("../letters/opensid/testdata/template_surat_tinymce.json")
	if err != nil {
		t.Fatal(err)
	}
	r = admB.postFile("/pengaturan/surat/templat/impor", url.Values{csrfField: {pageCSRF(t, admB)}}, "template_surat_tinymce.json", data)
	if r.Code != http.StatusOK || !strings.Contains(textByID(t, r.Body, "opensid"), "opensid_keterangan_usaha") ||
		!strings.Contains(textByID(t, r.Body, "opensid"), "Lolos pemeriksaan") {
		t.Fatalf("OpenSID import: %d %s", r.Code, snippet(textByID(t, r.Body, "opensid")))
	}
	if got := textByID(t, admB.get("/pengaturan/surat").Body, "drafts"); !strings.Contains(got, "Surat Keterangan Jual Beli") {
		t.Errorf("drafts list: %q", got)
	}
	ed := admB.get("/pengaturan/surat/opensid_keterangan_usaha/templat")
	if ed.Code != http.StatusOK || !strings.Contains(ed.Body, "masih <strong>draf</strong>") {
		t.Fatalf("draft editor: %d", ed.Code)
	}
	op := e.browser()
	op.login("boperator")
	if r := op.get("/surat/baru/opensid_keterangan_usaha"); r.Code != http.StatusNotFound {
		t.Errorf("a draft is offered to the operator: %d", r.Code)
	}
	f := templateFormValues(t, ed.Body, "yaml-form")
	if r := admB.post("/pengaturan/surat/opensid_keterangan_usaha/templat", f); r.Code != http.StatusSeeOther {
		t.Fatalf("activating the draft: %d %s", r.Code, textByID(t, r.Body, "problem-list"))
	}
	if r := op.get("/surat/baru/opensid_keterangan_usaha"); r.Code != http.StatusOK || !strings.Contains(r.Body, `name="field.nama_usaha"`) {
		t.Errorf("the activated import: %d", r.Code)
	}
	// Preview with a resident of the village, and a resident of another
	// village is refused.
	pv := admB.post("/pengaturan/surat/opensid_keterangan_usaha/templat/pratinjau", url.Values{csrfField: {f.Get(csrfField)},
		"source": {f.Get("source")}, "data": {"penduduk"}, "penduduk": {fmt.Sprint(b.res.ID)}})
	if pv.Code != http.StatusOK || pv.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("preview with a resident: %d %s", pv.Code, snippet(pv.Body))
	}
	if txt := squash(t, pv.Body); !strings.Contains(txt, "BUDI SANTOSO") || !strings.Contains(txt, "DRAF") || !strings.Contains(txt, "TEGALASRI") {
		t.Errorf("preview text:\n%s", txt)
	}
	if pv := admB.post("/pengaturan/surat/opensid_keterangan_usaha/templat/pratinjau", url.Values{csrfField: {f.Get(csrfField)},
		"source": {f.Get("source")}, "data": {"penduduk"}, "penduduk": {"999999"}}); pv.Code != http.StatusNotFound {
		t.Errorf("preview with an unknown resident: %d", pv.Code)
	}
}

// unzipAll returns "name=content" of every file of a zip, sorted.
func unzipAll(t *testing.T, data string) []string {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		out = append(out, f.Name+"="+string(b))
	}
	sort.Strings(out)
	return out
}
