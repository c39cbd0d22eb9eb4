package issuance_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// reworded is sk_domisili with its closing sentence reworded and an
// optional field "nomor_pengantar" shown as a row.
func reworded(t testing.TB, e *env) []byte {
	t.Helper()
	src := string(e.svc.Builtin().Module("sk_domisili").Source())
	old := "Demikian surat keterangan ini dibuat dengan sebenarnya untuk dipergunakan\n      sebagaimana mestinya."
	if !strings.Contains(src, old) {
		t.Fatalf("sk_domisili's closing sentence moved; update the test")
	}
	src = strings.Replace(src, old, "Demikian surat keterangan domisili ini kami buat agar dapat dipergunakan\n      seperlunya.", 1)
	src = strings.Replace(src, "fields:\n", `fields:
  - name: nomor_pengantar
    label: Nomor surat pengantar RT
    type: text
    example: 12/RT.02/XI/2026
`, 1)
	src = strings.Replace(src, `      - Keperluan: "{{field.keperluan}}"`, `      - Keperluan: "{{field.keperluan}}"
      - label: Pengantar RT
        value: "{{field.nomor_pengantar}}"
        if: field.nomor_pengantar`, 1)
	return []byte(src)
}

func (e *env) sign(t testing.TB, req issuance.Request) *surat.Letter {
	t.Helper()
	l := e.approved(t, req)
	l, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return l
}

// A village's template changes new letters; a signed letter keeps its
// PDF, and a draft keeps the version it was drafted with until it is
// rendered again.
func TestVillageTemplatePinsLetters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		r := e.residents(t, 1)[0]
		old := e.sign(t, domisili(r))
		_, oldPDF, err := e.svc.SignedPDF(e.ctx, e.village.ID, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if old.TemplateID != nil || old.TemplateSHA256 != e.svc.Builtin().Module("sk_domisili").Origin.SHA256 {
			t.Errorf("a letter of the built-in module records template %v %q", old.TemplateID, old.TemplateSHA256)
		}
		draft, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, domisili(r))
		if err != nil {
			t.Fatal(err)
		}

		v, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_domisili", reworded(t, e), "Kalimat penutup", 0)
		if err != nil {
			t.Fatal(err)
		}
		if v.Version != 1 || v.State != surat.TemplateActive || v.Author != "admin" {
			t.Errorf("saved version %+v", v)
		}

		req := domisili(r)
		req.Fields["nomor_pengantar"] = "07/RT.02/XI/2026"
		nl := e.sign(t, req)
		if nl.TemplateID == nil || *nl.TemplateID != v.ID || nl.TemplateSHA256 != v.SHA256 {
			t.Errorf("new letter records template %v %q, want %d %q", nl.TemplateID, nl.TemplateSHA256, v.ID, v.SHA256)
		}
		_, newPDF, err := e.svc.SignedPDF(e.ctx, e.village.ID, nl.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, again, err := e.svc.SignedPDF(e.ctx, e.village.ID, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, oldPDF) {
			t.Error("the signed letter's PDF changed after the template was saved")
		}

		st, err := e.svc.LetterTemplateStatus(e.ctx, e.village.ID, e.letter(t, draft.ID))
		if err != nil {
			t.Fatal(err)
		}
		if !st.Changed || st.Current.Version != 1 || st.Drafted.TemplateID != 0 {
			t.Errorf("draft's template status %+v, want changed from built-in to version 1", st)
		}
		draftPDF, err := e.svc.DraftPDF(e.ctx, e.village.ID, draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		rer, err := e.svc.RerenderDraft(e.ctx, e.operator, e.village.ID, draft.ID, draft.Version)
		if err != nil {
			t.Fatal(err)
		}
		if rer.TemplateID == nil || *rer.TemplateID != v.ID {
			t.Errorf("re-rendered draft records %v", rer.TemplateID)
		}
		if st, _ := e.svc.LetterTemplateStatus(e.ctx, e.village.ID, rer); st.Changed {
			t.Error("a re-rendered draft still reports a changed template")
		}
		rerPDF, err := e.svc.DraftPDF(e.ctx, e.village.ID, draft.ID)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("pdftotext", func(t *testing.T) {
			requireTool(t, "pdftotext", "poppler-utils")
			text := func(b []byte) string { return strings.Join(strings.Fields(pdftotext(t, b)), " ") }
			if got := text(newPDF); !strings.Contains(got, "kami buat agar dapat dipergunakan seperlunya") ||
				!strings.Contains(got, "Pengantar RT : 07/RT.02/XI/2026") {
				t.Errorf("new letter:\n%s", got)
			}
			if got := text(oldPDF); !strings.Contains(got, "dibuat dengan sebenarnya") {
				t.Errorf("old letter:\n%s", got)
			}
			if got := text(draftPDF); strings.Contains(got, "kami buat") {
				t.Error("the draft drafted before the change was rendered with the new version")
			}
			if got := text(rerPDF); !strings.Contains(got, "kami buat") {
				t.Error("the re-rendered draft does not use the new version")
			}
		})
	})
}

// The loader refuses a broken file with its line, in Indonesian, and
// nothing is stored; a save over a newer version is a conflict.
func TestTemplateRefusals(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	src := bytes.Replace(reworded(t, e), []byte("{{pemohon.nik}}"), []byte("{{pemohon.nikk}}"), 1)
	_, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_domisili", src, "", 0)
	var te *issuance.TemplateError
	if !errors.As(err, &te) || len(te.Problems) != 1 {
		t.Fatalf("got %v, want one template problem", err)
	}
	p := te.Problems[0]
	lines := strings.Split(string(src), "\n")
	if p.Line < 1 || !strings.Contains(lines[p.Line-1], "{{pemohon.nikk}}") ||
		!strings.HasPrefix(p.Message, `kode isian {{pemohon.nikk}} tidak dikenal: pemohon tidak punya data "nikk"`) ||
		p.Path != "body › #2 › rows › NIK" {
		t.Errorf("problem %+v (line %q)", p, lines[max(p.Line-1, 0)])
	}
	if h, _ := e.svc.TemplateHistory(e.ctx, e.village.ID, "sk_domisili"); len(h) != 0 {
		t.Errorf("a refused file was stored: %+v", h)
	}
	// Renaming the code is not an edit of this module.
	ren := bytes.Replace(reworded(t, e), []byte("code: sk_domisili"), []byte("code: sk_tempat_tinggal"), 1)
	if _, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_domisili", ren, "", 0); !errors.As(err, &te) ||
		te.Problems[0].Line != 3 {
		t.Errorf("renamed code: %v", err)
	}
	if _, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_domisili", reworded(t, e), "", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_domisili", reworded(t, e), "", 0); !errors.Is(err, surat.ErrConflict) {
		t.Errorf("a save from version 0 over version 1: %v, want ErrConflict", err)
	}
	if _, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "SK Baru", reworded(t, e), "", 0); err == nil {
		t.Error("a code with capitals and a space was accepted")
	}
}

// The kabupaten's layer applies to every village until a village has its
// own; a village's layer is invisible to the others; versions restore.
func TestTemplateLayers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		kab := surat.Actor{Username: "kabupaten", Role: surat.RoleAdminKabupaten}
		other := &surat.Village{Code: "3505122002", Name: "Tegalasri", Sebutan: "Desa", Kecamatan: "Sanankulon",
			Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
		if err := e.st.CreateVillage(e.ctx, kab, other); err != nil {
			t.Fatal(err)
		}
		title := func(villageID int64, code string) string {
			t.Helper()
			cat, err := e.svc.ModulesFor(e.ctx, villageID)
			if err != nil {
				t.Fatal(err)
			}
			if m := cat.Module(code); m != nil {
				return m.Title
			}
			return ""
		}
		usaha := string(e.svc.Builtin().Module("sk_usaha").Source())
		kabSrc := strings.Replace(usaha, "title: Surat Keterangan Usaha", "title: Surat Keterangan Usaha Mikro", 1)
		if _, err := e.svc.SaveTemplate(e.ctx, kab, surat.KabupatenLayer, "sk_usaha", []byte(kabSrc), "", 0); err != nil {
			t.Fatal(err)
		}
		for _, v := range []int64{e.village.ID, other.ID, 0} {
			if got := title(v, "sk_usaha"); got != "Surat Keterangan Usaha Mikro" {
				t.Errorf("village %d: title %q, want the kabupaten's", v, got)
			}
		}
		vilSrc := strings.Replace(usaha, "title: Surat Keterangan Usaha", "title: Surat Keterangan Usaha Desa", 1)
		v1, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_usaha", []byte(vilSrc), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := title(e.village.ID, "sk_usaha"); got != "Surat Keterangan Usaha Desa" {
			t.Errorf("own village: %q", got)
		}
		if got := title(other.ID, "sk_usaha"); got != "Surat Keterangan Usaha Mikro" {
			t.Errorf("other village: %q, want the kabupaten's", got)
		}

		// A new letter type of one village only.
		baru := strings.Replace(usaha, "code: sk_usaha", "code: sk_usaha_tani", 1)
		baru = strings.Replace(baru, "title: Surat Keterangan Usaha", "title: Surat Keterangan Usaha Tani", 1)
		nv, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_usaha_tani", []byte(baru), "Jenis baru", 0)
		if err != nil {
			t.Fatal(err)
		}
		if title(e.village.ID, "sk_usaha_tani") == "" || title(other.ID, "sk_usaha_tani") != "" || title(0, "sk_usaha_tani") != "" {
			t.Error("a village's new letter type is not its own")
		}
		if _, err := e.svc.Template(e.ctx, other.ID, "sk_usaha_tani"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("other village opens the type: %v", err)
		}
		if _, err := e.st.TemplateVersion(e.ctx, other.ID, nv.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("other village reads the version: %v", err)
		}

		// Second version, then restore the first.
		v2src := strings.Replace(vilSrc, "Usaha Desa", "Usaha Warga", 1)
		if _, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_usaha", []byte(v2src), "", 1); err != nil {
			t.Fatal(err)
		}
		if got := title(e.village.ID, "sk_usaha"); got != "Surat Keterangan Usaha Warga" {
			t.Errorf("after version 2: %q", got)
		}
		r3, err := e.svc.RestoreTemplate(e.ctx, e.admin, e.village.ID, "sk_usaha", 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if r3.Version != 3 || r3.Source != v1.Source || r3.Note != "Dipulihkan dari versi 1" {
			t.Errorf("restored %+v", r3)
		}
		if got := title(e.village.ID, "sk_usaha"); got != "Surat Keterangan Usaha Desa" {
			t.Errorf("after restoring version 1: %q", got)
		}
		cmp, err := e.svc.CompareTemplate(e.ctx, e.village.ID, "sk_usaha", 2)
		if err != nil {
			t.Fatal(err)
		}
		var diff []string
		for _, h := range cmp.Hunks {
			for _, l := range h.Lines {
				if l.Op != ' ' {
					diff = append(diff, string(l.Op)+l.Text)
				}
			}
		}
		if strings.Join(diff, "\n") != "-title: Surat Keterangan Usaha Desa\n+title: Surat Keterangan Usaha Warga" {
			t.Errorf("diff of version 2:\n%s", strings.Join(diff, "\n"))
		}
		first, err := e.svc.CompareTemplate(e.ctx, e.village.ID, "sk_usaha", 1)
		if err != nil || first.BelowLabel != "Kabupaten versi 1" || len(first.Hunks) != 1 {
			t.Errorf("version 1 against the kabupaten's: %+v %v", first, err)
		}

		// Removing the village's file brings the kabupaten's back.
		if _, err := e.svc.RemoveTemplate(e.ctx, e.admin, e.village.ID, "sk_usaha", "", 3); err != nil {
			t.Fatal(err)
		}
		if got := title(e.village.ID, "sk_usaha"); got != "Surat Keterangan Usaha Mikro" {
			t.Errorf("after removal: %q", got)
		}

		// Every change is audited with the hashes of before and after.
		log, err := e.st.AuditLog(e.ctx, e.village.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		var saves int
		for _, a := range log {
			if a.Entity == "letter_template" {
				saves++
				if a.AfterHash == "" {
					t.Errorf("audit %s without an after hash", a.Action)
				}
				if a.Action == "template.restore" && a.BeforeHash == "" {
					t.Error("a restore audited without the hash of the version before")
				}
			}
		}
		if saves != 5 {
			t.Errorf("%d template entries in the village's audit chain, want 5", saves)
		}
		if chk, err := e.st.VerifyAuditChain(e.ctx, e.village.ID); err != nil || !chk.Intact() {
			t.Errorf("audit chain: %+v %v", chk, err)
		}
	})
}

// Exporting a village's layer and importing it into another village gives
// the same files, byte for byte.
func TestTemplateExportImportRoundTrip(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	other := &surat.Village{Code: "3505122002", Name: "Tegalasri", Sebutan: "Desa", Kecamatan: "Sanankulon",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := e.st.CreateVillage(e.ctx, surat.Actor{Username: "test"}, other); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_domisili", reworded(t, e), "", 0); err != nil {
		t.Fatal(err)
	}
	usaha := string(e.svc.Builtin().Module("sk_usaha").Source())
	baru := strings.Replace(usaha, "code: sk_usaha", "code: sk_usaha_tani", 1)
	if _, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_usaha_tani", []byte(baru), "", 0); err != nil {
		t.Fatal(err)
	}
	files, err := e.svc.ExportLayer(e.ctx, e.village.ID)
	if err != nil || len(files) != 2 {
		t.Fatalf("export: %d files, %v", len(files), err)
	}
	res, err := e.svc.ImportTemplates(e.ctx, surat.Actor{Username: "admin2"}, other.ID, files, "")
	if err != nil || len(res.Saved) != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	back, err := e.svc.ExportLayer(e.ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if back[i].Name != files[i].Name || !bytes.Equal(back[i].Data, files[i].Data) {
			t.Errorf("%s came back different", files[i].Name)
		}
	}
	a, _ := e.svc.ModulesFor(e.ctx, e.village.ID)
	b, _ := e.svc.ModulesFor(e.ctx, other.ID)
	for _, code := range []string{"sk_domisili", "sk_usaha_tani"} {
		if !bytes.Equal(a.Module(code).Source(), b.Module(code).Source()) || a.Module(code).Origin.SHA256 != b.Module(code).Origin.SHA256 {
			t.Errorf("%s differs between the villages", code)
		}
	}
	// Importing the same files again changes nothing.
	res, err = e.svc.ImportTemplates(e.ctx, surat.Actor{Username: "admin2"}, other.ID, back, "")
	if err != nil || len(res.Saved) != 0 || len(res.Unchanged) != 2 {
		t.Errorf("second import: %+v %v", res, err)
	}
	// One broken file stops the whole import.
	broken := append(back, issuance.TemplateFile{Name: "rusak.yaml", Data: []byte("code: sk_rusak\ntitle: [\n")})
	if _, err := e.svc.ImportTemplates(e.ctx, surat.Actor{Username: "admin2"}, other.ID, broken, ""); err == nil {
		t.Error("an import with a broken file succeeded")
	}
}

// A change saved through one replica is seen by the next lookup of another
// replica whose cache holds the old catalogue.
func TestTemplateCacheAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		clk := &clock{}
		st1, dsn := storetest.OpenDSN(t, b, clk.Now)
		res, err := demo.Seed(ctx, st1, cheapKDF, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		st2, err := store.Open(ctx, store.Options{Driver: string(b), DSN: dsn, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st2.Close() })
		cat, r := shared()
		svc := func(st *store.Store) *issuance.Service {
			s, err := issuance.New(issuance.Deps{Store: st, Catalogue: cat, Renderer: r, StorageDir: t.TempDir(),
				BaseURL: baseURL, Now: clk.Now, KDF: cheapKDF})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		one, two := svc(st1), svc(st2)
		vid := res.Village.ID
		titleOn := func(s *issuance.Service) string {
			c, err := s.ModulesFor(ctx, vid)
			if err != nil {
				t.Fatal(err)
			}
			return c.Module("sk_usaha").Title
		}
		if titleOn(two) != "Surat Keterangan Usaha" { // warms replica two's cache
			t.Fatal("unexpected built-in title")
		}
		src := strings.Replace(string(cat.Module("sk_usaha").Source()), "title: Surat Keterangan Usaha",
			"title: Surat Keterangan Usaha Kecil", 1)
		admin := surat.Actor{Username: "admin"}
		if _, err := one.SaveTemplate(ctx, admin, vid, "sk_usaha", []byte(src), "", 0); err != nil {
			t.Fatal(err)
		}
		if got := titleOn(two); got != "Surat Keterangan Usaha Kecil" {
			t.Errorf("replica two still says %q", got)
		}
		if _, err := two.SaveTemplate(ctx, admin, surat.KabupatenLayer, "sk_pengantar",
			cat.Module("sk_pengantar").Source(), "", 0); err != nil {
			t.Fatal(err)
		}
		c, err := one.ModulesFor(ctx, vid)
		if err != nil {
			t.Fatal(err)
		}
		if c.Module("sk_pengantar").Origin.Layer != "kabupaten" || c.Module("sk_usaha").Origin.Layer != "desa" {
			t.Errorf("replica one: sk_pengantar from %s, sk_usaha from %s", c.Module("sk_pengantar").Origin.Layer,
				c.Module("sk_usaha").Origin.Layer)
		}
	})
}

// An export in OpenSID's format becomes drafts: stored, shown in the
// editor, offered to no clerk until saved as active.
func TestImportOpenSID(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	data, err := os.ReadFile("../letters/opensid/testdata/template_surat_tinymce.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.ImportOpenSID(e.ctx, e.admin, e.village.ID, data)
	if err != nil || len(got) != 2 {
		t.Fatalf("import: %d, %v", len(got), err)
	}
	cat, _ := e.svc.ModulesFor(e.ctx, e.village.ID)
	if cat.Module("opensid_keterangan_usaha") != nil {
		t.Error("a draft is offered before it was saved as active")
	}
	v, err := e.svc.Template(e.ctx, e.village.ID, "opensid_keterangan_usaha")
	if err != nil {
		t.Fatal(err)
	}
	if v.Newest.State != surat.TemplateDraft || v.Current != nil || len(v.Problems) != 0 {
		t.Errorf("view of the draft: %+v", v)
	}
	if _, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, v.Code, []byte(v.Source), "Diperiksa", v.Base); err != nil {
		t.Fatal(err)
	}
	cat, _ = e.svc.ModulesFor(e.ctx, e.village.ID)
	if m := cat.Module("opensid_keterangan_usaha"); m == nil || m.Title != "Surat Keterangan Usaha" {
		t.Errorf("after saving: %+v", m)
	}
	r := e.residents(t, 1)[0]
	pdf, err := e.svc.PreviewTemplate(e.ctx, e.village.ID, v.Code, []byte(v.Source), r.ID)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("preview with a resident: %v", err)
	}
	if _, err := e.svc.PreviewTemplate(e.ctx, e.village.ID, v.Code, []byte(v.Source), 999999); !errors.Is(err, surat.ErrNotFound) {
		t.Errorf("preview with an unknown resident: %v", err)
	}
}
