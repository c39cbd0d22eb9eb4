package web

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

const adminRootPass = "root-rahasia-1"

// withAdminIssuance gives the server the issuance service and a storage
// directory shared by both, so that a logo uploaded through the settings
// page is the one the issuance service reads.
func withAdminIssuance(t *testing.T, storage string, iss **issuance.Service) envOption {
	return func(d *Deps) {
		*iss = testIssuance(t, d, storage)
		d.Issuance, d.Config.Storage = *iss, storage
	}
}

// adminEnv is two villages with staff of every role, a kabupaten admin, an
// official and a certificate in each village, and a root CA.
type adminEnv struct {
	*env
	iss       *issuance.Service
	storage   string
	a, b      *surat.Village
	headA     *surat.Official
	headB     *surat.Official
	certA     *surat.SignerCertificate
	certB     *surat.SignerCertificate
	adminA    *surat.User
	operatorA *surat.User
	signerA   *surat.User
	adminB    *surat.User
	kabupaten *surat.User
	testActor surat.Actor
	ctx       context.Context
}

func newAdminEnv(t *testing.T, b storetest.Backend) *adminEnv {
	t.Helper()
	storage := t.TempDir()
	var iss *issuance.Service
	e := &adminEnv{env: newEnv(t, b, withAdminIssuance(t, storage, &iss)), storage: storage}
	e.iss, e.ctx = iss, context.Background()
	e.testActor = surat.Actor{Username: "test"}
	e.a = e.village("3505122001", "Sumberejo")
	e.b = e.village("3505122002", "Kedungrejo")
	e.headA = e.official(e.a, "Sutrisno", "Kepala Desa")
	e.headB = e.official(e.b, "Wahyudi", "Kepala Desa")
	e.adminA = e.user(e.a, "admina", surat.RoleAdminDesa)
	e.operatorA = e.user(e.a, "operatora", surat.RoleOperator)
	e.signerA = e.user(e.a, "kadesa", surat.RoleSigner)
	e.adminB = e.user(e.b, "adminb", surat.RoleAdminDesa)
	e.kabupaten = e.user(nil, "kabupaten", surat.RoleAdminKabupaten)
	if _, err := iss.InitRoot(e.ctx, e.testActor, "Root CA Uji", adminRootPass); err != nil {
		t.Fatalf("init root: %v", err)
	}
	var err error
	if e.certA, err = iss.IssueCertificate(e.ctx, e.testActor, e.a.ID, e.headA.ID, adminRootPass, "kades-rahasia-a"); err != nil {
		t.Fatalf("certificate A: %v", err)
	}
	if e.certB, err = iss.IssueCertificate(e.ctx, e.testActor, e.b.ID, e.headB.ID, adminRootPass, "kades-rahasia-b"); err != nil {
		t.Fatalf("certificate B: %v", err)
	}
	return e
}

func (e *adminEnv) official(v *surat.Village, name, jabatan string) *surat.Official {
	e.t.Helper()
	o := &surat.Official{Name: name, Jabatan: jabatan, IsHead: true, Active: true}
	if err := e.st.SaveOfficial(context.Background(), surat.Actor{Username: "test"}, v.ID, o); err != nil {
		e.t.Fatalf("official: %v", err)
	}
	return o
}

// as is a browser signed in as username ("" for anonymous) with the CSRF
// token of its session.
func (e *adminEnv) as(username string) (*browser, string) {
	e.t.Helper()
	br := e.browser()
	if username == "" {
		return br, ""
	}
	br.login(username)
	return br, br.csrf("/dashboard")
}

// auditActions are the actions logged on the village's chain for an entity.
func auditActionsOf(t *testing.T, st *store.Store, villageID int64, entity string) []string {
	t.Helper()
	page, err := st.AuditEntries(context.Background(), store.AuditFilter{VillageID: villageID, Entity: entity, PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range page.Entries {
		out = append(out, en.Action)
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestAdminAccessControl checks every route of the settings, kabupaten and
// audit pages for every role: who gets the page, who gets 403, anonymous
// visitors are sent to the login page, and a village admin gets 404 for
// another village's officials, users and certificates.
func TestAdminAccessControl(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		const (
			kab  = "kabupaten"
			adm  = "admina"
			opr  = "operatora"
			sig  = "kadesa"
			anon = ""
		)
		gets := []struct {
			path    string
			allowed []string
		}{
			{"/dashboard", []string{kab, adm, opr, sig}},
			{"/pengaturan", []string{adm}},
			{"/pengaturan/contoh-nomor?format=%5Bnomor_surat%5D%2F%5Btahun%5D", []string{adm}},
			{"/pengaturan/surat", []string{adm}},
			{"/pengaturan/surat/sk_domisili", []string{adm}},
			{"/pengaturan/pejabat", []string{adm}},
			{fmt.Sprintf("/pengaturan/pejabat/%d", e.headA.ID), []string{adm}},
			{"/pengaturan/pengguna", []string{adm}},
			{fmt.Sprintf("/pengaturan/pengguna/%d", e.operatorA.ID), []string{adm}},
			{"/pengaturan/sertifikat", []string{adm}},
			{fmt.Sprintf("/pengaturan/sertifikat/%d", e.certA.ID), []string{adm}},
			{"/kabupaten/desa", []string{kab}},
			{"/kabupaten/rekap", []string{kab}},
			{"/kabupaten/sertifikat", []string{kab}},
			{"/sertifikat-saya", []string{sig}},
			{"/audit", []string{kab, adm}},
		}
		posts := []string{
			"/pengaturan", "/pengaturan/logo", "/pengaturan/logo/hapus", "/pengaturan/surat/sk_domisili",
			"/pengaturan/pejabat", fmt.Sprintf("/pengaturan/pejabat/%d", e.headA.ID),
			"/pengaturan/pengguna", fmt.Sprintf("/pengaturan/pengguna/%d", e.operatorA.ID),
			fmt.Sprintf("/pengaturan/pengguna/%d/sandi", e.operatorA.ID),
			fmt.Sprintf("/pengaturan/sertifikat/%d/cabut", e.certA.ID),
			"/kabupaten/desa", "/sertifikat-saya",
		}
		postAllowed := func(path string) string {
			switch {
			case strings.HasPrefix(path, "/kabupaten"):
				return kab
			case strings.HasPrefix(path, "/sertifikat-saya"):
				return sig
			}
			return adm
		}
		for _, who := range []string{kab, adm, opr, sig, anon} {
			br, tok := e.as(who)
			for _, g := range gets {
				r := br.get(g.path)
				want := http.StatusForbidden
				switch {
				case who == anon:
					want = http.StatusSeeOther
				case contains(g.allowed, who):
					want = http.StatusOK
				}
				if r.Code != want {
					t.Errorf("%q GET %s = %d, want %d", who, g.path, r.Code, want)
				}
				if who == anon && r.Header.Get("Location") != "/login" {
					t.Errorf("anonymous GET %s went to %q, want /login", g.path, r.Header.Get("Location"))
				}
			}
			for _, path := range posts {
				r := br.post(path, url.Values{csrfField: {tok}})
				switch {
				case who == anon:
					if r.Code != http.StatusUnauthorized && r.Code != http.StatusForbidden {
						t.Errorf("anonymous POST %s = %d, want 401", path, r.Code)
					}
				case who == postAllowed(path):
					// The empty form is refused as input (or, for
					// removing a missing logo, done), never as access.
					if r.Code != http.StatusUnprocessableEntity && r.Code != http.StatusSeeOther {
						t.Errorf("%q POST %s = %d, want 422 or 303", who, path, r.Code)
					}
				default:
					if r.Code != http.StatusForbidden {
						t.Errorf("%q POST %s = %d, want 403", who, path, r.Code)
					}
				}
			}
		}
		// Nothing changed: the refused posts touched no official, user or
		// certificate.
		if c, err := e.st.CertificateByID(e.ctx, e.certA.ID); err != nil || c.RevokedAt != nil {
			t.Errorf("certificate A after refused posts: %+v, %v", c, err)
		}

		// Village A's admin and village B's ids.
		br, tok := e.as(adm)
		for _, path := range []string{
			fmt.Sprintf("/pengaturan/pejabat/%d", e.headB.ID),
			fmt.Sprintf("/pengaturan/pengguna/%d", e.adminB.ID),
			fmt.Sprintf("/pengaturan/pengguna/%d", e.kabupaten.ID),
			fmt.Sprintf("/pengaturan/sertifikat/%d", e.certB.ID),
			"/pengaturan/pejabat/abc", "/pengaturan/surat/tidak_ada",
		} {
			if r := br.get(path); r.Code != http.StatusNotFound {
				t.Errorf("admin A GET %s = %d, want 404", path, r.Code)
			}
		}
		for path, form := range map[string]url.Values{
			fmt.Sprintf("/pengaturan/pejabat/%d", e.headB.ID): {"name": {"Penyusup"}, "jabatan": {"Kepala Desa"},
				"role": {"kepala"}, "active": {"true"}},
			fmt.Sprintf("/pengaturan/pengguna/%d", e.adminB.ID):        {"full_name": {"X"}, "role": {"operator"}},
			fmt.Sprintf("/pengaturan/pengguna/%d/sandi", e.adminB.ID):  {"password": {"baru-sekali-1"}, "password_confirm": {"baru-sekali-1"}},
			fmt.Sprintf("/pengaturan/sertifikat/%d/cabut", e.certB.ID): {"reason": {"uji"}},
		} {
			form.Set(csrfField, tok)
			if r := br.post(path, form); r.Code != http.StatusNotFound {
				t.Errorf("admin A POST %s = %d, want 404", path, r.Code)
			}
		}
		if o, _ := e.st.OfficialByID(e.ctx, e.b.ID, e.headB.ID); o.Name != "Wahyudi" {
			t.Errorf("village B's official renamed to %q by village A's admin", o.Name)
		}
		if c, _ := e.st.CertificateByID(e.ctx, e.certB.ID); c.RevokedAt != nil {
			t.Error("village B's certificate revoked by village A's admin")
		}
		if u, _ := e.st.UserByID(e.ctx, e.adminB.ID); u.Role != surat.RoleAdminDesa {
			t.Errorf("village B's admin now %s", u.Role)
		}
	})
}

func TestVillageProfileSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		br, tok := e.as("admina")
		good := func(change func(url.Values)) url.Values {
			f := url.Values{csrfField: {tok}, "name": {"Sumberejo Baru"}, "sebutan": {"Desa"}, "kecamatan": {"Sanankulon"},
				"kabupaten": {"Blitar"}, "sebutan_kab": {"Kabupaten"}, "provinsi": {"Jawa Timur"},
				"address": {"Jl. Raya 1"}, "postal_code": {"66151"}, "phone": {"(0342) 123456"}, "email": {"desa@contoh.go.id"},
				"website": {"sumberejo.desa.id"}, "paper": {"A4"},
				"number_format": {"[kode_surat]/[nomor_surat,4]/DS/[bulan_romawi]/[tahun]"}, "number_scope": {"village"}}
			if change != nil {
				change(f)
			}
			return f
		}
		// Bad input: every problem beside its field, the input kept,
		// nothing saved.
		r := br.post("/pengaturan", good(func(f url.Values) {
			f.Set("number_format", "[nomor_surat]/[bulan]")
			f.Set("name", "")
			f.Set("email", "bukan-email")
			f.Set("paper", "Letter")
			f.Set("postal_code", "12")
		}))
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad profile = %d, want 422", r.Code)
		}
		for field, want := range map[string]string{
			"number_format": "Kode [bulan] tidak dikenal",
			"name":          "Nama desa wajib diisi",
			"email":         "Alamat email tidak valid",
			"paper":         "Ukuran kertas harus F4 atau A4",
			"postal_code":   "Kode pos 5 digit angka",
		} {
			if got := textByID(t, r.Body, "e-"+field); !strings.HasPrefix(got, want) {
				t.Errorf("field %s: got %q, want %q...", field, got, want)
			}
		}
		if got := attr(t, r.Body, "input", "name", "number_format", "value"); got != "[nomor_surat]/[bulan]" {
			t.Errorf("number format kept as %q", got)
		}
		if v, _ := e.st.VillageByID(e.ctx, e.a.ID); v.Name != "Sumberejo" || v.Paper != "F4" {
			t.Errorf("a refused save changed the village: %+v", v)
		}

		r = br.post("/pengaturan", good(nil))
		if r.Code != http.StatusSeeOther {
			t.Fatalf("good profile = %d, want 303: %s", r.Code, textByID(t, r.Body, "form-error"))
		}
		v, err := e.st.VillageByID(e.ctx, e.a.ID)
		if err != nil || v.Name != "Sumberejo Baru" || v.Paper != "A4" || v.NumberScope != "village" ||
			v.NumberFormat != "[kode_surat]/[nomor_surat,4]/DS/[bulan_romawi]/[tahun]" || v.Code != "3505122001" {
			t.Fatalf("village after save: %+v, %v", v, err)
		}
		if !contains(auditActionsOf(t, e.st, e.a.ID, "village"), "village.update") {
			t.Error("no village.update audit row")
		}
		// The example: the seventh sk_domisili (klasifikasi from the
		// catalogue) this month, November 2026.
		page := br.get(r.Header.Get("Location"))
		want := testCatalogue(t).Module("sk_domisili").Klasifikasi + "/0007/DS/XI/2026"
		if got := textByID(t, page.Body, "number-example"); got != want {
			t.Errorf("example = %q, want %q", got, want)
		}
		// The live example the script asks for.
		for q, want := range map[string]numberExample{
			"format=" + url.QueryEscape("[nomor_surat,2]-[tahun]"): {Example: "07-2026"},
			"format=" + url.QueryEscape("[nomor_surat]"):           {Error: "Format nomor surat harus memuat [tahun], karena nomor urut dimulai lagi setiap tahun"},
			"format=":                          {Error: "Format nomor surat wajib diisi"},
			"module=sk_usaha&format=":          {Example: testCatalogue(t).Module("sk_usaha").Klasifikasi + "/0007/DS/XI/2026"},
			"format=" + url.QueryEscape("[x]"): {Error: "Kode [x] tidak dikenal; gunakan [kode_surat], [nomor_surat,3], [kode_desa], [bulan_romawi] dan [tahun]"},
		} {
			r := br.get("/pengaturan/contoh-nomor?" + q)
			var got numberExample
			if err := json.Unmarshal([]byte(r.Body), &got); err != nil || r.Code != http.StatusOK {
				t.Fatalf("example %s: %d %s", q, r.Code, r.Body)
			}
			if got != want {
				t.Errorf("example %s = %+v, want %+v", q, got, want)
			}
		}
	})
}

// pngOf encodes a w×h image with a transparent corner.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{R: 20, G: 120, B: uint8(x % 256), A: 255})
		}
	}
	img.Set(0, 0, color.NRGBA{})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadLogo posts a file as the logo form does.
func uploadLogo(t *testing.T, br *browser, tok, name string, data []byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField(csrfField, tok); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("logo", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := br.c.Post(br.base+"/pengaturan/logo", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func TestLogoUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		br, tok := e.as("admina")
		big := make([]byte, maxLogoBytes+10)
		copy(big, pngOf(t, 10, 10))
		for name, tt := range map[string]struct {
			file string
			data []byte
			want string
		}{
			"text":       {"logo.png", []byte("bukan gambar sama sekali"), "Logo harus berkas gambar PNG atau JPEG"},
			"gif":        {"logo.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "Logo harus berkas gambar PNG atau JPEG"},
			"broken png": {"logo.png", pngOf(t, 20, 20)[:60], "Berkas logo rusak atau tidak dapat dibaca"},
			"too large":  {"logo.png", big, "Ukuran logo paling besar 1 MB"},
		} {
			r := uploadLogo(t, br, tok, tt.file, tt.data)
			if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-logo") != tt.want {
				t.Errorf("%s: %d %q, want 422 %q", name, r.Code, textByID(t, r.Body, "e-logo"), tt.want)
			}
		}
		if v, _ := e.st.VillageByID(e.ctx, e.a.ID); v.LogoPath != "" {
			t.Fatalf("a refused logo was saved: %q", v.LogoPath)
		}

		r := uploadLogo(t, br, tok, "lambang desa 3505.png", pngOf(t, 1000, 500))
		if r.Code != http.StatusSeeOther {
			t.Fatalf("upload = %d: %s", r.Code, textByID(t, r.Body, "e-logo"))
		}
		v, _ := e.st.VillageByID(e.ctx, e.a.ID)
		if !strings.HasPrefix(v.LogoPath, fmt.Sprintf("logos/%d/", e.a.ID)) || strings.Contains(v.LogoPath, "lambang") {
			t.Fatalf("logo path %q", v.LogoPath)
		}
		stored, err := os.ReadFile(filepath.Join(e.storage, v.LogoPath))
		if err != nil {
			t.Fatal(err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(stored))
		if err != nil || format != "png" || cfg.Width != 400 || cfg.Height != 200 {
			t.Errorf("stored logo: %s %dx%d %v, want png 400x200", format, cfg.Width, cfg.Height, err)
		}
		// The issuance service finds the same file for the kop.
		if got, err := e.iss.VillageLogo(context.Background(), v); err != nil || !bytes.Equal(got, stored) {
			t.Errorf("issuance reads %d bytes, %v; want the stored %d", len(got), err, len(stored))
		}
		page := br.get("/pengaturan")
		src := attr(t, page.Body, "img", "id", "logo", "src")
		if img := br.get(src); img.Code != http.StatusOK || img.Body != string(stored) {
			t.Errorf("GET %s = %d, %d bytes", src, img.Code, len(img.Body))
		}
		// A JPEG replaces it; the old file is gone.
		jpegData := jpegOf(t, 300, 300)
		if r := uploadLogo(t, br, tok, "x.jpg", jpegData); r.Code != http.StatusSeeOther {
			t.Fatalf("jpeg upload = %d", r.Code)
		}
		if _, err := os.Stat(filepath.Join(e.storage, v.LogoPath)); !os.IsNotExist(err) {
			t.Errorf("old logo still there: %v", err)
		}
		v2, _ := e.st.VillageByID(e.ctx, e.a.ID)
		stored, _ = os.ReadFile(filepath.Join(e.storage, v2.LogoPath))
		if _, format, err := image.DecodeConfig(bytes.NewReader(stored)); err != nil || format != "png" {
			t.Errorf("jpeg stored as %s, %v; want png", format, err)
		}
		if n := len(auditActionsOf(t, e.st, e.a.ID, "village")); n < 2 {
			t.Errorf("%d village audit rows after two logos, want 2 or more", n)
		}
		// Removing it.
		if r := br.post("/pengaturan/logo/hapus", url.Values{csrfField: {tok}}); r.Code != http.StatusSeeOther {
			t.Fatalf("remove = %d", r.Code)
		}
		if v3, _ := e.st.VillageByID(e.ctx, e.a.ID); v3.LogoPath != "" {
			t.Errorf("logo path after removal %q", v3.LogoPath)
		}
	})
}

func TestLetterModuleSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		br, tok := e.as("admina")
		r := br.get("/pengaturan/surat")
		if r.Code != http.StatusOK {
			t.Fatalf("list = %d", r.Code)
		}
		for _, m := range testCatalogue(t).Modules() {
			if !strings.Contains(r.Body, `id="m-`+m.Code+`"`) {
				t.Errorf("module %s not listed", m.Code)
			}
		}
		if n := len(testCatalogue(t).Modules()); n != 33 {
			t.Errorf("catalogue has %d modules, want 33", n)
		}
		r = br.post("/pengaturan/surat/sk_usaha", url.Values{csrfField: {tok}, "kode_surat": {"500/??"},
			"number_format": {"[nomor_surat]"}, "validity_days": {"0"}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad module settings = %d", r.Code)
		}
		for _, f := range []string{"kode_surat", "number_format", "validity_days"} {
			if textByID(t, r.Body, "e-"+f) == "" {
				t.Errorf("no message for %s", f)
			}
		}
		if attr(t, r.Body, "input", "name", "kode_surat", "value") != "500/??" {
			t.Error("kode surat input not kept")
		}
		r = br.post("/pengaturan/surat/sk_usaha", url.Values{csrfField: {tok}, "kode_surat": {"500.2"},
			"number_format": {"[kode_surat]/[nomor_surat,3]/[tahun]"}, "validity_days": {"60"}, "online": {"true"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("good module settings = %d: %s", r.Code, r.Body)
		}
		ls, err := e.st.LetterSetting(e.ctx, e.a.ID, "sk_usaha")
		if err != nil || ls.Enabled || ls.KodeSurat != "500.2" || ls.ValidityDays != 60 || !ls.Online ||
			ls.NumberFormat != "[kode_surat]/[nomor_surat,3]/[tahun]" {
			t.Fatalf("stored settings %+v, %v", ls, err)
		}
		if !contains(auditActionsOf(t, e.st, e.a.ID, "letter_setting"), "letter_setting.create") {
			t.Error("no letter_setting audit row")
		}
		if _, err := e.st.LetterSetting(e.ctx, e.b.ID, "sk_usaha"); err == nil {
			t.Error("village B got village A's module settings")
		}
		page := br.get("/pengaturan/surat/sk_usaha")
		if got := textByID(t, page.Body, "number-example"); got != "500.2/007/2026" {
			t.Errorf("module example %q", got)
		}
	})
}

func TestOfficialsAndUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		br, tok := e.as("admina")
		// A second active kepala desa is refused.
		r := br.post("/pengaturan/pejabat", url.Values{csrfField: {tok}, "name": {"Budi"}, "jabatan": {"Kepala Desa"},
			"role": {"kepala"}, "active": {"true"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(textByID(t, r.Body, "e-role"), "Sutrisno") {
			t.Fatalf("second head = %d %q", r.Code, textByID(t, r.Body, "e-role"))
		}
		r = br.post("/pengaturan/pejabat", url.Values{csrfField: {tok}, "name": {""}, "jabatan": {"Sekretaris Desa"},
			"nip": {"12ab"}, "role": {"an"}})
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-name") != "Nama wajib diisi" ||
			textByID(t, r.Body, "e-nip") == "" || attr(t, r.Body, "input", "name", "jabatan", "value") != "Sekretaris Desa" {
			t.Fatalf("bad official = %d", r.Code)
		}
		r = br.post("/pengaturan/pejabat", url.Values{csrfField: {tok}, "name": {"Siti Aminah, S.E."},
			"jabatan": {"Sekretaris Desa"}, "nip": {"19800101 200501 2 001"}, "role": {"an"}, "active": {"true"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("new official = %d", r.Code)
		}
		os, _ := e.st.Officials(e.ctx, e.a.ID)
		var sek *surat.Official
		for i := range os {
			if os[i].Name == "Siti Aminah, S.E." {
				sek = &os[i]
			}
		}
		if sek == nil || !sek.CanSignAN || sek.IsHead || !sek.Active {
			t.Fatalf("officials %+v", os)
		}
		// Edit: now u.b., inactive.
		r = br.post(fmt.Sprintf("/pengaturan/pejabat/%d", sek.ID), url.Values{csrfField: {tok}, "name": {"Siti Aminah, S.E."},
			"jabatan": {"Kasi Pelayanan"}, "role": {"ub"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("edit official = %d", r.Code)
		}
		if o, _ := e.st.OfficialByID(e.ctx, e.a.ID, sek.ID); !o.CanSignUB || o.CanSignAN || o.Active || o.Jabatan != "Kasi Pelayanan" {
			t.Errorf("edited official %+v", o)
		}
		acts := auditActionsOf(t, e.st, e.a.ID, "official")
		if !contains(acts, "official.create") || !contains(acts, "official.update") {
			t.Errorf("official audit actions %v", acts)
		}

		// Users: create a signer linked to the kepala desa.
		r = br.post("/pengaturan/pengguna", url.Values{csrfField: {tok}, "username": {"Operator2"}, "full_name": {"Dewi"},
			"role": {"admin_kabupaten"}, "official_id": {idString(e.headB.ID)}, "password": {"pendek"}, "password_confirm": {"pendek"}})
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-role") == "" ||
			textByID(t, r.Body, "e-password") == "" || attr(t, r.Body, "input", "name", "username", "value") != "operator2" {
			t.Fatalf("bad user = %d", r.Code)
		}
		// A penandatangan is created unlinked: an official_id the admin
		// sends along (an old form, or a forged one) links nothing.
		r = br.post("/pengaturan/pengguna", url.Values{csrfField: {tok}, "username": {"sekdes"}, "full_name": {"Siti"},
			"role": {"penandatangan"}, "official_id": {idString(sek.ID)}, "password": {"rahasia-baru-1"}, "password_confirm": {"rahasia-baru-1"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("new user = %d %s", r.Code, textByID(t, r.Body, "form-error"))
		}
		u, err := e.st.UserByUsername(e.ctx, "sekdes")
		if err != nil || u.Role != surat.RoleSigner || u.OfficialID != nil || *u.VillageID != e.a.ID {
			t.Fatalf("new user %+v %v", u, err)
		}
		// The new user can log in; resetting the password ends the session.
		other := e.browser()
		r = other.post("/login", url.Values{"username": {"sekdes"}, "password": {"rahasia-baru-1"}, csrfField: {other.csrf("/login")}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("login as new user = %d", r.Code)
		}
		r = br.post(fmt.Sprintf("/pengaturan/pengguna/%d/sandi", u.ID), url.Values{csrfField: {tok},
			"password": {"lebih-baru-22"}, "password_confirm": {"lebih-baru-22"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("reset = %d", r.Code)
		}
		if r := other.get("/dashboard"); r.Code != http.StatusSeeOther {
			t.Errorf("session after password reset = %d, want 303 to login", r.Code)
		}
		// Disable: refused for oneself, done for the operator.
		r = br.post(fmt.Sprintf("/pengaturan/pengguna/%d", e.adminA.ID), url.Values{csrfField: {tok}, "full_name": {"A"},
			"role": {"operator"}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("demoting oneself = %d, want 422", r.Code)
		}
		opBrowser, _ := e.as("operatora")
		r = br.post(fmt.Sprintf("/pengaturan/pengguna/%d", e.operatorA.ID), url.Values{csrfField: {tok},
			"full_name": {"Operator Lama"}, "role": {"operator"}, "disabled": {"true"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("disable = %d", r.Code)
		}
		if r := opBrowser.get("/dashboard"); r.Code != http.StatusSeeOther {
			t.Errorf("disabled operator's session still works: %d", r.Code)
		}
		acts = auditActionsOf(t, e.st, e.a.ID, "user")
		for _, want := range []string{"user.create", "user.password_reset", "user.update"} {
			if !contains(acts, want) {
				t.Errorf("no %s audit row in %v", want, acts)
			}
		}
		page, _ := e.st.AuditEntries(e.ctx, store.AuditFilter{VillageID: e.a.ID, PerPage: 200})
		for _, en := range page.Entries {
			if strings.Contains(en.Detail, "rahasia") || strings.Contains(en.Detail, "argon2") {
				t.Errorf("audit detail leaks a password: %q", en.Detail)
			}
		}
	})
}

func TestCertificatePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		br, tok := e.as("admina")
		page := br.get("/pengaturan/sertifikat")
		if !strings.Contains(page.Body, e.certA.Serial) || strings.Contains(page.Body, e.certB.Serial) {
			t.Fatal("certificate list is not village A's")
		}
		// The village admin issues no certificate: the old issuance form is
		// gone, and its POST, with a valid root passphrase, does nothing.
		if strings.Contains(page.Body, `name="signer_passphrase"`) || strings.Contains(page.Body, `name="root_passphrase"`) {
			t.Error("the certificate list still offers an issuance form")
		}
		r := br.post("/pengaturan/sertifikat", url.Values{csrfField: {tok}, "official_id": {idString(e.headA.ID)},
			"root_passphrase": {adminRootPass}, "signer_passphrase": {"kades-baru-123"}, "signer_passphrase_confirm": {"kades-baru-123"}})
		if r.Code != http.StatusNotFound && r.Code != http.StatusForbidden && r.Code != http.StatusMethodNotAllowed {
			t.Errorf("admin POST /pengaturan/sertifikat = %d, want 404, 403 or 405", r.Code)
		}
		if certs, _ := e.st.SignerCertificates(e.ctx, e.a.ID); len(certs) != 1 {
			t.Fatalf("certificates after the admin's issuance attempt: %d, want 1", len(certs))
		}
		// Revoke the first: a reason is required, the root passphrase is
		// not asked (it is the CA holder's).
		path := fmt.Sprintf("/pengaturan/sertifikat/%d/cabut", e.certA.ID)
		form := br.get(fmt.Sprintf("/pengaturan/sertifikat/%d", e.certA.ID))
		if strings.Contains(form.Body, `name="root_passphrase"`) || !strings.Contains(form.Body, `name="reason"`) {
			t.Error("the revocation form asks for the root passphrase or no reason")
		}
		r = br.post(path, url.Values{csrfField: {tok}, "reason": {""}})
		if r.Code != http.StatusUnprocessableEntity || textByID(t, r.Body, "e-reason") != "Alasan wajib diisi" {
			t.Fatalf("revoke without reason = %d", r.Code)
		}
		rootBefore, _ := e.st.ActiveRoot(e.ctx)
		r = br.post(path, url.Values{csrfField: {tok}, "reason": {"Kunci bocor"}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/pengaturan/sertifikat?ok=sertifikat-cabut" {
			t.Fatalf("revoke = %d %s", r.Code, r.Header.Get("Location"))
		}
		c, _ := e.st.CertificateByID(e.ctx, e.certA.ID)
		if c.RevokedAt == nil || c.RevokeReason != "Kunci bocor" {
			t.Fatalf("certificate after revoke %+v", c)
		}
		if r := br.post(path, url.Values{csrfField: {tok}, "reason": {"lagi"}}); r.Code != http.StatusUnprocessableEntity ||
			!strings.Contains(textByID(t, r.Body, "e-reason"), "sudah dicabut") {
			t.Errorf("revoking twice = %d %q", r.Code, textByID(t, r.Body, "e-reason"))
		}
		detail := br.get(fmt.Sprintf("/pengaturan/sertifikat/%d", e.certA.ID))
		if textByID(t, detail.Body, "status") == "" || !strings.HasPrefix(textByID(t, detail.Body, "status"), "Dicabut") {
			t.Errorf("status after revoke %q", textByID(t, detail.Body, "status"))
		}
		if !strings.Contains(textByID(t, detail.Body, "crl-unlisted"), "belum tercantum") {
			t.Error("the revoked certificate's page does not say the CRL does not list it yet")
		}
		if root, _ := e.st.ActiveRoot(e.ctx); root.CRLNumber != rootBefore.CRLNumber {
			t.Errorf("CRL %d issued by the village admin's revocation (was %d)", root.CRLNumber, rootBefore.CRLNumber)
		}

		// The CA holder sees the revocation waiting, on the dashboard and
		// the certificate page, and issues the CRL with the root passphrase.
		kab, ktok := e.as("kabupaten")
		if got := textByID(t, kab.get("/dashboard").Body, "unlisted-revocations"); !strings.HasPrefix(got, "1 sertifikat yang dicabut") {
			t.Errorf("kabupaten dashboard: %q", got)
		}
		ca := kab.get("/kabupaten/sertifikat")
		row := textByID(t, ca.Body, fmt.Sprintf("u-%d", e.certA.ID))
		if !strings.Contains(row, "Kunci bocor") || !strings.Contains(row, e.certA.Serial) || !strings.Contains(row, "Sumberejo") || !strings.Contains(row, "Sutrisno") {
			t.Errorf("unlisted revocation row %q", row)
		}
		if r := kab.post("/kabupaten/crl", url.Values{csrfField: {ktok}, "root_passphrase": {"salah-sekali"}}); r.Code != http.StatusUnprocessableEntity ||
			textByID(t, r.Body, "crl-error") != "Frasa sandi root CA salah" {
			t.Fatalf("CRL with a wrong root passphrase = %d %q", r.Code, textByID(t, r.Body, "crl-error"))
		}
		if r := kab.post("/kabupaten/crl", url.Values{csrfField: {ktok}, "root_passphrase": {adminRootPass}}); r.Code != http.StatusSeeOther ||
			r.Header.Get("Location") != "/kabupaten/sertifikat?ok=crl" {
			t.Fatalf("CRL = %d %s", r.Code, r.Header.Get("Location"))
		}
		ca = kab.get("/kabupaten/sertifikat?ok=crl")
		if textByID(t, ca.Body, "crl-number") != strconv.FormatInt(rootBefore.CRLNumber+1, 10) || textByID(t, ca.Body, "crl-complete") == "" {
			t.Errorf("CA page after the CRL: number %q", textByID(t, ca.Body, "crl-number"))
		}
		if textByID(t, kab.get("/dashboard").Body, "unlisted-revocations") != "" {
			t.Error("the dashboard still counts the revocation the CRL lists")
		}
		crl, err := x509.ParseRevocationList([]byte(br.get("/pki/crl.der").Body))
		if err != nil || len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Text(16) != e.certA.Serial {
			t.Errorf("published CRL: %v %v", crl, err)
		}
		if textByID(t, br.get(fmt.Sprintf("/pengaturan/sertifikat/%d", e.certA.ID)).Body, "crl-unlisted") != "" {
			t.Error("the certificate's page still says the CRL does not list it")
		}
		// Neither a village admin nor a signer issues the CRL.
		if r := br.post("/kabupaten/crl", url.Values{csrfField: {tok}, "root_passphrase": {adminRootPass}}); r.Code != http.StatusForbidden {
			t.Errorf("village admin POST /kabupaten/crl = %d, want 403", r.Code)
		}
		if root, _ := e.st.ActiveRoot(e.ctx); root.CRLNumber != rootBefore.CRLNumber+1 {
			t.Errorf("CRL number %d, want %d", root.CRLNumber, rootBefore.CRLNumber+1)
		}
		acts := auditActionsOf(t, e.st, e.a.ID, "signer_certificate")
		if !contains(acts, "pki.certificate.issue") || !contains(acts, "pki.certificate.revoke") {
			t.Errorf("certificate audit actions %v", acts)
		}
		if strings.Contains(e.logs.String(), "kades-baru-123") || strings.Contains(e.logs.String(), adminRootPass) {
			t.Error("a passphrase appears in the log")
		}
	})
}

// TestPrintedTextsMustBePrintable saves a village profile and an official
// with characters the letters' fonts cannot draw: each is refused beside
// its field, where every letter of the village would have printed "?" in
// the kop or the signer block. Latin accents are saved.
func TestPrintedTextsMustBePrintable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		br, tok := e.as("admina")
		profile := url.Values{csrfField: {tok}, "name": {"Sumberejo ꦱꦸꦩ꧀ꦧꦼꦫꦺꦗ"}, "sebutan": {"Desa"}, "kecamatan": {"Sanankulon"},
			"kabupaten": {"Blitar"}, "sebutan_kab": {"Kabupaten"}, "provinsi": {"Jawa Timur"},
			"address": {"Jl. Raya 1 🏠"}, "postal_code": {"66151"}, "phone": {"(0342) 123456"}, "email": {"desa@contoh.go.id"},
			"website": {"sumberejo.desa.id"}, "paper": {"A4"},
			"number_format": {"[kode_surat]/[nomor_surat,4]/DS/[bulan_romawi]/[tahun]"}, "number_scope": {"village"}}
		r := br.post("/pengaturan", profile)
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("profile in Javanese script = %d, want 422", r.Code)
		}
		for field, label := range map[string]string{"name": "Nama desa", "address": "Alamat"} {
			if got := textByID(t, r.Body, "e-"+field); !strings.HasPrefix(got, label+" memuat karakter") ||
				!strings.Contains(got, "tidak dapat dicetak pada surat") {
				t.Errorf("field %s: %q", field, got)
			}
		}
		profile.Set("name", "Sumberéjo")
		profile.Set("address", "Jl. Raya 1")
		if r := br.post("/pengaturan", profile); r.Code != http.StatusSeeOther {
			t.Fatalf("profile with an accent = %d, want 303", r.Code)
		}

		r = br.post("/pengaturan/pejabat", url.Values{csrfField: {tok}, "name": {"Siti Aminah"}, "jabatan": {"Kasi Pelayanan ✅"},
			"role": {"ub"}, "active": {"true"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(textByID(t, r.Body, "e-jabatan"), "Jabatan memuat karakter") {
			t.Fatalf("official with an emoji = %d %q", r.Code, textByID(t, r.Body, "e-jabatan"))
		}
	})
}
