package opensid_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/letters/opensid"
)

// OpenSID's own export (two of its formats, testdata/README.md) converts
// into module files the loader accepts and the preview builds, with the
// codes that have an equivalent mapped and the rest listed.
func TestConvertRealExport(t *testing.T) {
	data, err := os.ReadFile("testdata/template_surat_tinymce.json")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := opensid.Convert(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 {
		t.Fatalf("converted %d formats, want 2", len(ts))
	}
	byCode := map[string]opensid.Template{}
	for _, tpl := range ts {
		byCode[tpl.Code] = tpl
		if len(tpl.Problems) > 0 {
			t.Errorf("%s: the loader refuses the draft: %+v", tpl.Code, tpl.Problems)
			continue
		}
		m, err := letters.ParseModule(tpl.Code+".yaml", tpl.Source)
		if err != nil {
			t.Fatalf("%s: %v", tpl.Code, err)
		}
		if _, err := m.Build(letters.Demo(m, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))); err != nil {
			t.Errorf("%s: the preview does not build: %v", tpl.Code, err)
		}
	}

	usaha, ok := byCode["opensid_keterangan_usaha"]
	if !ok {
		t.Fatalf("no opensid_keterangan_usaha among %v", ts)
	}
	m, err := letters.ParseModule("x.yaml", usaha.Source)
	if err != nil {
		t.Fatal(err)
	}
	if m.Title != "Surat Keterangan Usaha" || m.Klasifikasi != "500" || !m.Online || m.Validity.String() != "1 bulan" {
		t.Errorf("module header: %q %q online=%v %s", m.Title, m.Klasifikasi, m.Online, m.Validity)
	}
	if f := m.Field("nama_usaha"); f == nil || !f.Required || f.Label != "Nama usaha" || f.Type != letters.TypeText {
		t.Errorf("field nama_usaha: %+v", f)
	}
	if f := m.Field("keperluan"); f == nil || f.Type != letters.TypeTextarea {
		t.Errorf("field keperluan: %+v", f)
	}
	src := string(usaha.Source)
	for _, want := range []string{
		`Nama Lengkap: "{{pemohon.nama | upper}}"`, // [NAma]: upper case
		`NIK / No. KTP: "{{pemohon.nik}}"`,
		"yang memiliki usaha {{field.nama_usaha}}.",
		"caption: Pemegang Surat", // the applicant's signature beside the official's
	} {
		if !strings.Contains(src, want) {
			t.Errorf("the module file lacks %q:\n%s", want, src)
		}
	}
	if strings.Contains(src, "<") || strings.Contains(src, "style=") {
		t.Errorf("HTML left in the module file:\n%s", src)
	}
	if !slices.Contains(usaha.Mapped, "[form_keperluan] → {{field.keperluan}}") {
		t.Errorf("mapped %q", usaha.Mapped)
	}

	jual := byCode["opensid_keterangan_jual_beli"]
	mj, err := letters.ParseModule("x.yaml", jual.Source)
	if err != nil {
		t.Fatal(err)
	}
	if s := mj.Subject("pembeli"); s == nil || s.Kind != letters.KindPerson {
		t.Errorf("pembeli: %+v", s)
	}
	if f := mj.Field("rincian_barang"); f == nil {
		t.Error("the barang group's field rincian_barang is missing")
	}
	if !containsPrefix(jual.Unmapped, "isian [form_nama_ketua_adat] tidak dipakai") {
		t.Errorf("unmapped %q", jual.Unmapped)
	}
}

func containsPrefix(xs []string, p string) bool {
	for _, x := range xs {
		if strings.HasPrefix(x, p) {
			return true
		}
	}
	return false
}

func TestConvertRefusesOtherFiles(t *testing.T) {
	for _, data := range []string{`{"a":1}`, `[1,2]`, `not json`, `[]`} {
		if _, err := opensid.Convert([]byte(data)); !errors.Is(err, opensid.ErrNotExport) {
			t.Errorf("%s: %v, want ErrNotExport", data, err)
		}
	}
}
