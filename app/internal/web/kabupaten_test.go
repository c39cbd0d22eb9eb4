package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// jpegOf encodes a w×h JPEG.
func jpegOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: uint8(y), G: 90, B: 30, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// letterAt stores a letter of module in the village and moves it to
// status: drafts stay drafts, signed letters are numbered by the store's
// FinalizeLetter at the env's clock (the PDF itself is not the subject of
// these tests).
func (e *adminEnv) letterAt(v *surat.Village, head *surat.Official, module string, status surat.LetterStatus) *surat.Letter {
	e.t.Helper()
	l := &surat.Letter{Module: module, SubjectName: "Warga Uji", FormData: "{}", SignerOfficialID: &head.ID}
	if err := e.st.CreateLetter(e.ctx, e.testActor, v.ID, l); err != nil {
		e.t.Fatalf("create letter: %v", err)
	}
	if status == surat.LetterDraft {
		return l
	}
	l, err := e.st.Submit(e.ctx, e.testActor, v.ID, l.ID)
	if err != nil {
		e.t.Fatalf("submit: %v", err)
	}
	if status == surat.LetterSubmitted {
		return l
	}
	if l, err = e.st.Approve(e.ctx, e.testActor, v.ID, l.ID, l.Version); err != nil {
		e.t.Fatalf("approve: %v", err)
	}
	if status == surat.LetterApproved {
		return l
	}
	code, err := randomFileName(16)
	if err != nil {
		e.t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(code))
	verify := strings.ToUpper(strings.NewReplacer("0", "A", "1", "B", "8", "C", "9", "D").Replace(code))[:26]
	l, err = e.st.FinalizeLetter(e.ctx, e.testActor, v.ID, l.ID, "470", func(n surat.LetterNumber) (store.FinalArtifact, error) {
		return store.FinalArtifact{VerifyCode: verify, PDFPath: "letters/test/" + code + ".pdf",
			PDFSHA256: hex.EncodeToString(sum[:])}, nil
	})
	if err != nil {
		e.t.Fatalf("finalize: %v", err)
	}
	return l
}

func TestDashboardCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		// March: two signed letters; November (now): one signed, one
		// draft, one submitted; village B: one signed, never counted for A.
		e.clock.Advance(-time.Duration(8*30*24) * time.Hour) // late March 2026
		e.letterAt(e.a, e.headA, "sk_domisili", surat.LetterSigned)
		e.letterAt(e.a, e.headA, "sk_usaha", surat.LetterSigned)
		e.clock.Advance(time.Duration(8*30*24) * time.Hour)
		e.letterAt(e.a, e.headA, "sk_domisili", surat.LetterSigned)
		e.letterAt(e.a, e.headA, "sk_domisili", surat.LetterDraft)
		e.letterAt(e.a, e.headA, "sk_usaha", surat.LetterSubmitted)
		e.letterAt(e.b, e.headB, "sk_domisili", surat.LetterSigned)
		// One resident request waits for the office in village A, one in B.
		for _, vr := range []struct {
			v *surat.Village
			r *surat.Resident
		}{{e.a, e.resident(e.a, "3505124101800002", "Siti Aminah")}, {e.b, e.resident(e.b, "3505124101800003", "Sri Wahyuni")}} {
			req := &surat.LetterRequest{ResidentID: vr.r.ID, SubjectResidentID: vr.r.ID, Module: "sk_domisili", FormData: "{}"}
			if err := e.st.CreateRequest(e.ctx, vr.v.ID, req, nil); err != nil {
				t.Fatal(err)
			}
		}

		for _, who := range []string{"admina", "operatora", "kadesa"} {
			br, _ := e.as(who)
			r := br.get("/dashboard")
			if r.Code != http.StatusOK {
				t.Fatalf("%s dashboard = %d", who, r.Code)
			}
			for id, want := range map[string]string{
				"month-total": "3", "status-draf": "1", "status-diajukan": "1", "status-ditandatangani": "1",
				"status-dicabut": "0", "year-total": "3",
				"requests-sedang_diperiksa": "1", "requests-siap_diambil": "0",
			} {
				if got := textByID(t, r.Body, id); got != want {
					t.Errorf("%s: #%s = %q, want %q", who, id, got, want)
				}
			}
			desc := textByID(t, r.Body, "chart-desc")
			if !strings.Contains(desc, "Maret 2") || !strings.Contains(desc, "November 1") || !strings.Contains(desc, "Januari 0") {
				t.Errorf("%s: chart description %q", who, desc)
			}
			if !strings.Contains(textByID(t, r.Body, "by-module"), "Surat Keterangan Domisili") {
				t.Errorf("%s: by module %q", who, textByID(t, r.Body, "by-module"))
			}
			if textByID(t, r.Body, "chart-title") == "" || !strings.Contains(r.Body, `role="img"`) {
				t.Errorf("%s: chart has no accessible title", who)
			}
		}
		// No certificate is near its end yet; 30 days before the end of
		// village A's, the dashboard warns.
		br, _ := e.as("admina")
		if r := br.get("/dashboard"); textByID(t, r.Body, "expiring") != "" || textByID(t, r.Body, "crl-expiring") != "" {
			t.Error("warning about certificates or a CRL that are far from expiring")
		}
		// Seven days before the CRL runs out every dashboard says so.
		root, err := e.st.ActiveRoot(e.ctx)
		if err != nil || root.CRLUpdatedAt == nil {
			t.Fatalf("active root %+v: %v", root, err)
		}
		e.clock.Advance(root.CRLUpdatedAt.Add(issuance.CRLValidity).Sub(e.clock.Now()) - 8*24*time.Hour)
		br, _ = e.as("admina")
		if w := textByID(t, br.get("/dashboard").Body, "crl-expiring"); w != "" {
			t.Errorf("CRL warning 8 days ahead: %q", w)
		}
		e.clock.Advance(2 * 24 * time.Hour)
		for _, who := range []string{"admina", "kabupaten"} {
			b, _ := e.as(who)
			if w := textByID(t, b.get("/dashboard").Body, "crl-expiring"); !strings.Contains(w, "6 hari lagi") || !strings.Contains(w, "app pki crl") {
				t.Errorf("%s: CRL warning 6 days ahead = %q", who, w)
			}
		}
		e.clock.Advance(e.certA.NotAfter.Sub(e.clock.Now()) - 10*24*time.Hour)
		br, _ = e.as("admina") // the old session has long expired
		r := br.get("/dashboard")
		if w := textByID(t, r.Body, "expiring"); !strings.Contains(w, "Sutrisno") || !strings.Contains(w, "10 hari lagi") {
			t.Errorf("expiry warning %q", w)
		}

		// The kabupaten admin: counts per village.
		kb, _ := e.as("kabupaten")
		r = kb.get("/dashboard")
		rows := textByID(t, r.Body, "villages")
		if !strings.Contains(rows, "Sumberejo") || !strings.Contains(rows, "Kedungrejo") {
			t.Errorf("kabupaten dashboard villages %q", rows)
		}
	})
}

func TestKabupatenVillages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		e.resident(e.a, "3505124101800001", "Budi Santoso")
		e.letterAt(e.a, e.headA, "sk_domisili", surat.LetterSigned)
		e.letterAt(e.a, e.headA, "sk_domisili", surat.LetterSigned)
		e.letterAt(e.a, e.headA, "sk_usaha", surat.LetterSigned)
		e.letterAt(e.b, e.headB, "sk_usaha", surat.LetterSigned)
		e.letterAt(e.b, e.headB, "sk_usaha", surat.LetterDraft)
		br, tok := e.as("kabupaten")

		r := br.get("/kabupaten/desa")
		if got := textByID(t, r.Body, fmt.Sprintf("v-%d", e.a.ID)); !strings.Contains(got, "35.05.12.2001") {
			t.Errorf("village A row %q", got)
		}
		if strings.Contains(r.Body, "Budi Santoso") || strings.Contains(r.Body, "3505124101800001") {
			t.Error("the kabupaten page shows a resident")
		}
		form := func(change func(url.Values)) url.Values {
			f := url.Values{csrfField: {tok}, "code": {"35.05.12.2003"}, "name": {"Jati"}, "sebutan": {"Desa"},
				"kecamatan": {"Sanankulon"}, "kabupaten": {"Blitar"}, "sebutan_kab": {"Kabupaten"}, "provinsi": {"Jawa Timur"},
				"full_name": {"Admin Jati"}, "username": {"adminjati"}, "password": {"jati-rahasia-1"}, "password_confirm": {"jati-rahasia-1"}}
			if change != nil {
				change(f)
			}
			return f
		}
		// Bad input: a taken code and username are reported beside their
		// fields; nothing is created.
		r = br.post("/kabupaten/desa", form(func(f url.Values) {
			f.Set("code", "3505122001")
			f.Set("username", "admina")
		}))
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-code") != "Kode desa 3505122001 sudah terdaftar" ||
			textByID(t, r.Body, "e-username") != "Nama pengguna sudah dipakai" {
			t.Fatalf("duplicate village = %d %q %q", r.Code, textByID(t, r.Body, "e-code"), textByID(t, r.Body, "e-username"))
		}
		r = br.post("/kabupaten/desa", form(func(f url.Values) { f.Set("code", "35051"); f.Set("name", "") }))
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-code") == "" || textByID(t, r.Body, "e-name") == "" ||
			attr(t, r.Body, "input", "name", "code", "value") != "35051" {
			t.Fatalf("bad village = %d", r.Code)
		}
		if vs, _ := e.st.Villages(e.ctx); len(vs) != 2 {
			t.Fatalf("refused creations left %d villages", len(vs))
		}
		if r := br.post("/kabupaten/desa", form(nil)); r.Code != http.StatusSeeOther {
			t.Fatalf("create village = %d: %s", r.Code, textByID(t, r.Body, "form-error"))
		}
		v, err := e.st.VillageByCode(e.ctx, "3505122003")
		if err != nil || v.Name != "Jati" {
			t.Fatalf("new village %+v %v", v, err)
		}
		if acts := auditActionsOf(t, e.st, v.ID, ""); !contains(acts, "village.create") || !contains(acts, "user.create") {
			t.Errorf("new village audit %v", acts)
		}
		nb := e.browser()
		r = nb.post("/login", url.Values{"username": {"adminjati"}, "password": {"jati-rahasia-1"}, csrfField: {nb.csrf("/login")}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("new admin login = %d", r.Code)
		}
		if r := nb.get("/pengaturan"); r.Code != http.StatusOK || !strings.Contains(r.Body, "35.05.12.2003") {
			t.Errorf("new admin settings = %d", r.Code)
		}

		// Recap: this year, and a range without letters.
		r = br.get("/kabupaten/rekap")
		if got := textByID(t, r.Body, "recap-total"); got != "4" {
			t.Errorf("recap total %q, want 4", got)
		}
		if !strings.Contains(r.Body, `data-village="3505122001" data-total="3"`) || !strings.Contains(r.Body, `data-village="3505122002" data-total="1"`) {
			t.Errorf("recap per village wrong")
		}
		r = br.get("/kabupaten/rekap?dari=2025-01-01&sampai=2025-12-31")
		if got := textByID(t, r.Body, "recap-total"); got != "0" {
			t.Errorf("recap 2025 total %q", got)
		}
		r = br.get("/kabupaten/rekap?dari=2026-12-01&sampai=2026-01-01")
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-sampai") == "" {
			t.Errorf("reversed range = %d", r.Code)
		}
		// No access to a village's residents or letters.
		for _, path := range []string{"/surat", "/surat/baru"} {
			if r := br.get(path); r.Code != http.StatusForbidden {
				t.Errorf("kabupaten GET %s = %d, want 403", path, r.Code)
			}
		}
	})
}

func TestAuditPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		e.resident(e.a, "3505124101800001", "Budi Santoso")
		e.resident(e.b, "3505124101800002", "Warga Kedungrejo")
		// Sixty changes in village A to page through.
		for i := 0; i < 60; i++ {
			o := *e.headA
			o.NIP = fmt.Sprintf("%d", 1000+i)
			if err := e.st.SaveOfficial(e.ctx, surat.Actor{UserID: e.adminA.ID, Username: "admina"}, e.a.ID, &o); err != nil {
				t.Fatal(err)
			}
		}
		br, _ := e.as("admina")
		r := br.get("/audit")
		if r.Code != http.StatusOK {
			t.Fatalf("audit = %d", r.Code)
		}
		if strings.Contains(r.Body, "3505124101800001") || strings.Contains(r.Body, "Kedungrejo") {
			t.Error("audit page shows a NIK or another village")
		}
		if !strings.Contains(textByID(t, r.Body, "audit-count"), "1–50 dari") {
			t.Errorf("count %q", textByID(t, r.Body, "audit-count"))
		}
		next := attr(t, r.Body, "a", "id", "next", "href")
		if next == "" {
			t.Fatal("no next page link")
		}
		r = br.get(next)
		if !strings.Contains(textByID(t, r.Body, "audit-count"), "51–") {
			t.Errorf("page 2 count %q", textByID(t, r.Body, "audit-count"))
		}
		// Filters: entity, user, date.
		r = br.get("/audit?entitas=resident")
		if !strings.Contains(textByID(t, r.Body, "audit"), "Penduduk ditambahkan") || strings.Contains(textByID(t, r.Body, "audit"), "Pejabat") {
			t.Errorf("entity filter: %q", textByID(t, r.Body, "audit-count"))
		}
		r = br.get(fmt.Sprintf("/audit?pengguna=%d", e.adminA.ID))
		if got := textByID(t, r.Body, "audit-count"); !strings.Contains(got, "dari 60 ") {
			t.Errorf("user filter: %q", got)
		}
		r = br.get("/audit?dari=2027-01-01")
		if got := textByID(t, r.Body, "audit-count"); got != "Tidak ada catatan yang cocok." {
			t.Errorf("date filter: %q", got)
		}
		r = br.get("/audit?dari=kemarin&entitas=rahasia")
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-dari") == "" || textByID(t, r.Body, "e-entitas") == "" {
			t.Errorf("bad filters = %d", r.Code)
		}
		// The village admin cannot widen the scope with ?desa=.
		r = br.get(fmt.Sprintf("/audit?desa=%d&entitas=resident", e.b.ID))
		if got := textByID(t, r.Body, "audit-count"); !strings.Contains(got, "dari 1 ") {
			t.Errorf("village admin with ?desa=B: %q", got)
		}
		// The kabupaten admin sees every village, or one.
		kb, _ := e.as("kabupaten")
		r = kb.get("/audit?entitas=resident")
		if got := textByID(t, r.Body, "audit-count"); !strings.Contains(got, "dari 2 ") {
			t.Errorf("kabupaten all villages: %q", got)
		}
		r = kb.get(fmt.Sprintf("/audit?entitas=resident&desa=%d", e.b.ID))
		if got := textByID(t, r.Body, "audit-count"); !strings.Contains(got, "dari 1 ") || !strings.Contains(r.Body, "Kedungrejo") {
			t.Errorf("kabupaten one village: %q", got)
		}
	})
}

func TestAuditSummaryMasksNumbers(t *testing.T) {
	got := auditSummary(surat.AuditEntry{Entity: "resident", EntityID: 7, Detail: "nik 3505124101800001 kk 3505120101080001"})
	if strings.ContainsAny(strings.ReplaceAll(got, "#7", ""), "0123456789") {
		t.Errorf("summary %q keeps digits of a NIK or KK", got)
	}
}

// TestKabupatenVillageListPages pages and searches the village list of a
// kabupaten with more villages than a page holds.
func TestKabupatenVillageListPages(t *testing.T) {
	e := newAdminEnv(t, storetest.SQLite)
	for i := range 60 {
		v := &surat.Village{Code: fmt.Sprintf("35051230%02d", i), Name: fmt.Sprintf("Zamrud %02d", i), Sebutan: "Desa",
			Kecamatan: "Talun", Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur",
			NumberScope: surat.ScopeModule, Paper: surat.PaperF4}
		if err := e.st.CreateVillage(e.ctx, surat.Actor{Username: "test"}, v); err != nil {
			t.Fatal(err)
		}
	}
	br, _ := e.as("kabupaten")
	first := br.get("/kabupaten/desa")
	if first.Code != http.StatusOK || !strings.Contains(textByID(t, first.Body, "village-totals"), "62 desa") {
		t.Fatalf("first page %d, totals %q", first.Code, textByID(t, first.Body, "village-totals"))
	}
	if n := strings.Count(first.Body, `<tr id="v-`); n != 50 {
		t.Errorf("first page shows %d villages, want 50", n)
	}
	next := br.get("/kabupaten/desa?halaman=2")
	if n := strings.Count(next.Body, `<tr id="v-`); n != 12 || !strings.Contains(next.Body, "Zamrud 59") {
		t.Errorf("second page shows %d villages", n)
	}
	found := br.get("/kabupaten/desa?q=" + url.QueryEscape("Zamrud 07"))
	if n := strings.Count(found.Body, `<tr id="v-`); n != 1 || !strings.Contains(textByID(t, found.Body, "village-totals"), "1 desa") {
		t.Errorf("search shows %d villages, totals %q", n, textByID(t, found.Body, "village-totals"))
	}
}
