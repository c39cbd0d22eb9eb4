package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// residentForm is a valid resident form; the NIK matches the birth date
// 15-01-1980 and a man.
func residentForm(csrf string) url.Values {
	return url.Values{csrfField: {csrf}, "nik": {"3505121501800007"}, "name": {"Joko Susilo"},
		"birth_place": {"Blitar"}, "birth_date": {"1980-01-15"}, "sex": {"1"}, "religion": {"1"},
		"marital_status": {"2"}, "relation": {"1"}, "citizenship": {"1"}, "education": {"5"}, "occupation": {""},
		"blood_type": {""}, "no_kk": {"3505120101090002"}, "address": {"Jl. Kenanga 7"}, "rt": {"002"}, "rw": {"001"},
		"dusun": {"Krajan"}, "father_name": {"Sastro"}, "mother_name": {"Sumi"}, "phone": {""}}
}

func residentAuditActions(t *testing.T, st *store.Store, villageID int64) []string {
	t.Helper()
	es, err := st.AuditLog(context.Background(), villageID, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Action
	}
	return out
}

func countAudit(t *testing.T, st *store.Store, villageID int64, action string) int {
	n := 0
	for _, a := range residentAuditActions(t, st, villageID) {
		if a == action {
			n++
		}
	}
	return n
}

func TestResidentPagesAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		va := e.village("3505122001", "Sumberejo")
		vb := e.village("3505122002", "Kalipang")
		e.user(va, "admin", surat.RoleAdminDesa)
		e.user(va, "operator", surat.RoleOperator)
		e.user(va, "kades", surat.RoleSigner)
		e.user(nil, "kab", surat.RoleAdminKabupaten)
		e.user(vb, "opb", surat.RoleOperator)
		ra := e.resident(va, "3505121501800001", "Budi Santoso")
		rb := e.resident(vb, "3505121501800002", "Bejo Kalipang")
		hhA, hhB := *ra.HouseholdID, *rb.HouseholdID

		reads := []string{"/penduduk", fmt.Sprintf("/penduduk/%d", ra.ID), "/keluarga", fmt.Sprintf("/keluarga/%d", hhA)}
		writesGet := []string{"/penduduk/baru", fmt.Sprintf("/penduduk/%d/ubah", ra.ID), "/penduduk/impor"}
		writesPost := []string{"/penduduk/baru", fmt.Sprintf("/penduduk/%d/ubah", ra.ID),
			fmt.Sprintf("/penduduk/%d/meninggal", ra.ID), fmt.Sprintf("/penduduk/%d/pindah", ra.ID)}
		foreign := []string{fmt.Sprintf("/penduduk/%d", rb.ID), fmt.Sprintf("/penduduk/%d/ubah", rb.ID),
			fmt.Sprintf("/keluarga/%d", hhB)}

		for _, c := range []struct {
			user              string
			read, write, post int
		}{
			{"admin", 200, 200, 0},
			{"operator", 200, 200, 0},
			{"kades", 200, 403, 403},
			{"kab", 403, 403, 403},
		} {
			t.Run(c.user, func(t *testing.T) {
				br := e.browser()
				br.login(c.user)
				for _, p := range reads {
					if r := br.get(p); r.Code != c.read {
						t.Errorf("GET %s = %d, want %d", p, r.Code, c.read)
					}
				}
				for _, p := range writesGet {
					if r := br.get(p); r.Code != c.write {
						t.Errorf("GET %s = %d, want %d", p, r.Code, c.write)
					}
				}
				if c.post == 0 {
					return
				}
				tok := br.csrf("/dashboard")
				for _, p := range writesPost {
					form := residentForm(tok)
					form.Set("version", "1")
					form.Set("tanggal", "2026-11-01")
					form.Set("keterangan", "uji")
					form.Set("tujuan", "Malang")
					if r := br.post(p, form); r.Code != c.post {
						t.Errorf("POST %s = %d, want %d", p, r.Code, c.post)
					}
				}
			})
		}
		// Nothing was changed by the refused posts.
		got, err := e.st.ResidentByID(context.Background(), va.ID, ra.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 1 || got.LifeStatus != surat.LifeAlive {
			t.Fatalf("resident changed by refused posts: version %d status %d", got.Version, got.LifeStatus)
		}

		// Village A's operator gets 404 for everything of village B,
		// reading and writing.
		br := e.browser()
		br.login("operator")
		for _, p := range foreign {
			if r := br.get(p); r.Code != http.StatusNotFound {
				t.Errorf("GET %s of other village = %d, want 404", p, r.Code)
			}
		}
		tok := br.csrf("/dashboard")
		for _, p := range []string{fmt.Sprintf("/penduduk/%d/ubah", rb.ID), fmt.Sprintf("/penduduk/%d/meninggal", rb.ID)} {
			form := residentForm(tok)
			form.Set("version", "1")
			form.Set("tanggal", "2026-11-01")
			form.Set("keterangan", "uji")
			if r := br.post(p, form); r.Code != http.StatusNotFound {
				t.Errorf("POST %s of other village = %d, want 404", p, r.Code)
			}
		}
		if gotB, _ := e.st.ResidentByID(context.Background(), vb.ID, rb.ID); gotB.Version != 1 {
			t.Fatalf("other village's resident changed: version %d", gotB.Version)
		}
		// A form without its CSRF token changes nothing.
		form := residentForm("")
		if r := br.post("/penduduk/baru", form); r.Code != http.StatusForbidden {
			t.Fatalf("POST without CSRF = %d, want 403", r.Code)
		}
	})
}

func TestResidentCreateEditAndStaleEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "op1", surat.RoleOperator)
		e.user(v, "op2", surat.RoleAdminDesa)
		ctx := context.Background()
		br := e.browser()
		br.login("op1")

		// Bad input: the form comes back with the input and a message
		// beside the field, and nothing is stored.
		form := residentForm(br.csrf("/penduduk/baru"))
		form.Set("nik", "35051215018")
		form.Set("sex", "")
		r := br.post("/penduduk/baru", form)
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad form = %d, want 422", r.Code)
		}
		if got := attr(t, r.Body, "input", "name", "nik", "value"); got != "35051215018" {
			t.Errorf("nik kept = %q", got)
		}
		if got := attr(t, r.Body, "input", "name", "name", "value"); got != "Joko Susilo" {
			t.Errorf("name kept = %q", got)
		}
		if !strings.Contains(textByID(t, r.Body, "e-nik"), "16 digit") || textByID(t, r.Body, "e-sex") == "" {
			t.Errorf("field errors: nik %q sex %q", textByID(t, r.Body, "e-nik"), textByID(t, r.Body, "e-sex"))
		}
		if n, _ := e.st.CountResidents(ctx, v.ID, 0); n != 0 {
			t.Fatalf("bad form stored %d residents", n)
		}

		// A NIK that says "woman" for a man is a warning to confirm, not a
		// silent accept.
		form = residentForm(br.csrf("/penduduk/baru"))
		form.Set("nik", "3505125501800007")
		r = br.post("/penduduk/baru", form)
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(textByID(t, r.Body, "nik-warnings"), "jenis kelamin") {
			t.Fatalf("NIK mismatch = %d, warnings %q", r.Code, textByID(t, r.Body, "nik-warnings"))
		}
		if n, _ := e.st.CountResidents(ctx, v.ID, 0); n != 0 {
			t.Fatal("unconfirmed warning stored the resident")
		}
		form.Set("konfirmasi_nik", attr(t, r.Body, "input", "name", "konfirmasi_nik", "value"))
		r = br.post("/penduduk/baru", form)
		if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/penduduk/") {
			t.Fatalf("confirmed = %d to %q", r.Code, r.Header.Get("Location"))
		}
		created, err := e.st.ResidentByNIK(ctx, v.ID, "3505125501800007")
		if err != nil {
			t.Fatal(err)
		}
		if countAudit(t, e.st, v.ID, "resident.create") != 1 {
			t.Fatalf("audit: %v", residentAuditActions(t, e.st, v.ID))
		}
		show := br.get(r.Header.Get("Location"))
		if show.Code != 200 || textByID(t, show.Body, "resident-name") != "Joko Susilo" || textByID(t, show.Body, "notice") == "" {
			t.Fatalf("detail after create: %d %q", show.Code, textByID(t, show.Body, "resident-name"))
		}

		// Stale edit: both clerks open the form; the first saves, the
		// second is told and overwrites nothing.
		edit := fmt.Sprintf("/penduduk/%d/ubah", created.ID)
		br2 := e.browser()
		br2.login("op2")
		page1, page2 := br.get(edit), br2.get(edit)
		f1, f2 := formValues(t, page1.Body), formValues(t, page2.Body)
		f1.Set("konfirmasi_nik", attr(t, br.post(edit, f1).Body, "input", "name", "konfirmasi_nik", "value"))
		f1.Set("name", "Joko Susilo Wibowo")
		if r := br.post(edit, f1); r.Code != http.StatusSeeOther {
			t.Fatalf("first save = %d", r.Code)
		}
		f2.Set("name", "Joko S.")
		f2.Set("konfirmasi_nik", f1.Get("konfirmasi_nik"))
		r = br2.post(edit, f2)
		if r.Code != http.StatusConflict {
			t.Fatalf("stale save = %d, want 409", r.Code)
		}
		conflict := textByID(t, r.Body, "conflict")
		if !strings.Contains(conflict, "Joko S.") || !strings.Contains(conflict, "Joko Susilo Wibowo") {
			t.Fatalf("conflict shows %q, want both names", conflict)
		}
		if got := attr(t, r.Body, "input", "name", "name", "value"); got != "Joko S." {
			t.Fatalf("stale form lost the input: %q", got)
		}
		stored, _ := e.st.ResidentByID(ctx, v.ID, created.ID)
		if stored.Name != "Joko Susilo Wibowo" || stored.Version != 2 {
			t.Fatalf("after stale save: %q version %d", stored.Name, stored.Version)
		}
		// Saving again after reading the differences is deliberate.
		f2 = formValues(t, r.Body)
		if r := br2.post(edit, f2); r.Code != http.StatusSeeOther {
			t.Fatalf("deliberate save = %d", r.Code)
		}
		if stored, _ = e.st.ResidentByID(ctx, v.ID, created.ID); stored.Name != "Joko S." || stored.Version != 3 {
			t.Fatalf("after deliberate save: %q version %d", stored.Name, stored.Version)
		}
		if countAudit(t, e.st, v.ID, "resident.update") != 2 {
			t.Fatalf("audit: %v", residentAuditActions(t, e.st, v.ID))
		}
	})
}

// formValues reads every input and selected option of the page's resident
// form (the one with a nik field), as a browser would submit it.
func formValues(t *testing.T, doc string) url.Values {
	t.Helper()
	v := url.Values{}
	n := findNode(t, doc, func(n *html.Node) bool {
		a, _ := getAttr(n, "action")
		return n.Data == "form" && strings.HasPrefix(a, "/penduduk/") && strings.HasSuffix(a, "/ubah")
	})
	if n == nil {
		t.Fatal("no edit form")
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, _ := getAttr(n, "name")
			switch n.Data {
			case "input":
				typ, _ := getAttr(n, "type")
				val, _ := getAttr(n, "value")
				if name != "" && typ != "checkbox" {
					v.Set(name, val)
				}
			case "select":
				v.Set(name, "")
				for o := n.FirstChild; o != nil; o = o.NextSibling {
					if _, sel := getAttr(o, "selected"); sel && o.Data == "option" {
						val, _ := getAttr(o, "value")
						v.Set(name, val)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return v
}

func TestResidentFormSurvivesExpiredSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		ctx := context.Background()
		br := e.browser()
		br.login("operator")
		form := residentForm(br.csrf("/penduduk/baru"))

		// The clerk types for longer than the session lives.
		e.clock.Advance(webSessionTTL + time.Minute)
		r := br.post("/penduduk/baru", form)
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("expired POST = %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
		}
		if n, _ := e.st.CountResidents(ctx, v.ID, 0); n != 0 {
			t.Fatal("expired session stored a resident")
		}
		// Logging in leads back to the form, filled with the input.
		lr := br.post("/login", url.Values{"username": {"operator"}, "password": {testPassword}, csrfField: {br.csrf("/login")}})
		if lr.Code != http.StatusSeeOther || lr.Header.Get("Location") != "/penduduk/baru" {
			t.Fatalf("login = %d to %q, want /penduduk/baru", lr.Code, lr.Header.Get("Location"))
		}
		page := br.get("/penduduk/baru")
		if textByID(t, page.Body, "restored") == "" {
			t.Fatal("restored form has no notice")
		}
		for _, k := range []string{"nik", "name", "birth_date", "no_kk", "address", "father_name"} {
			if got := attr(t, page.Body, "input", "name", k, "value"); got != form.Get(k) {
				t.Errorf("restored %s = %q, want %q", k, got, form.Get(k))
			}
		}
		if got := attr(t, page.Body, "option", "selected", "", "value"); got == "" {
			t.Error("no select restored")
		}
		// Once: a reload shows the empty form.
		if again := br.get("/penduduk/baru"); attr(t, again.Body, "input", "name", "nik", "value") != "" {
			t.Error("kept input shown twice")
		}
		// And saving it works.
		restored := url.Values{}
		for k, vs := range form {
			restored[k] = vs
		}
		restored.Set(csrfField, br.csrf("/penduduk/baru"))
		if r := br.post("/penduduk/baru", restored); r.Code != http.StatusSeeOther {
			t.Fatalf("save after login = %d", r.Code)
		}
		if _, err := e.st.ResidentByNIK(ctx, v.ID, form.Get("nik")); err != nil {
			t.Fatal(err)
		}

		// A cross-site post without a session is refused, not kept.
		req, _ := http.NewRequest("POST", br.base+"/penduduk/baru", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site signed-out POST = %d, want 403", resp.StatusCode)
		}
	})
}

// TestFormRefusesBytesThatAreNotText posts the resident form with an
// address, and then a field name, holding bytes that are not UTF-8, as
// only a client other than a browser sends: the clerk gets the message
// on both engines (MySQL used to refuse the row with a server error,
// SQLite stored it), and nothing is stored. Multipart forms are read the
// same way.
func TestFormRefusesBytesThatAreNotText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		v := e.village("3505122001", "Sumberejo")
		e.user(v, "operator", surat.RoleOperator)
		br := e.browser()
		br.login("operator")

		form := residentForm(br.csrf("/penduduk/baru"))
		form.Set("address", "Jl. Kenanga \xff7")
		withKey := residentForm(br.csrf("/penduduk/baru"))
		withKey.Set("catatan\xc3", "x")
		for _, r := range []response{
			br.post("/penduduk/baru", form),
			br.post("/penduduk/baru", withKey),
			br.postMultipart("/penduduk/baru", form, nil),
		} {
			if r.Code != http.StatusBadRequest || !strings.Contains(r.Body, "bukan teks UTF-8") {
				t.Errorf("form with bytes that are not text = %d, want 400 with the message", r.Code)
			}
		}
		if n, err := e.st.CountResidents(context.Background(), v.ID, 0); err != nil || n != 0 {
			t.Fatalf("stored %d residents, %v", n, err)
		}
		// The same form as text is taken.
		form.Set("address", "Jl. Kenanga 7")
		if r := br.post("/penduduk/baru", form); r.Code != http.StatusSeeOther {
			t.Errorf("the form as text = %d, want 303", r.Code)
		}
	})
}
