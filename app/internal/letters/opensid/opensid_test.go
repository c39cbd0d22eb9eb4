package opensid_test

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/letters/opensid"
)

// A sample export in OpenSID's format (two letter formats written for
// these tests, testdata/README.md) converts into module files the loader
// accepts and the preview builds, with the codes that have an equivalent
// mapped and the rest listed.
func TestConvertSampleExport(t *testing.T) {
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
	preview := map[string]string{}
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
		doc, err := m.Build(letters.Demo(m, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)))
		if err != nil {
			t.Errorf("%s: the preview does not build: %v", tpl.Code, err)
			continue
		}
		preview[tpl.Code] = letters.PlainText(doc)
	}

	// Keterangan Usaha: one resident, fields of every kind, rows in
	// cells and rows in one cell.
	usaha, ok := byCode["opensid_keterangan_usaha"]
	if !ok {
		t.Fatalf("no opensid_keterangan_usaha among %v", ts)
	}
	m, err := letters.ParseModule("x.yaml", usaha.Source)
	if err != nil {
		t.Fatal(err)
	}
	if m.Title != "Surat Keterangan Usaha" || m.Klasifikasi != "503" || !m.Online || m.Validity.String() != "2 bulan" {
		t.Errorf("module header: %q %q online=%v %s", m.Title, m.Klasifikasi, m.Online, m.Validity)
	}
	// syarat_surat as a JSON list in a string; id 13 is not one OpenSID
	// installs.
	if want := []string{"Surat Pengantar RT/RW", "Fotokopi KTP"}; !slices.Equal(m.Requirements, want) {
		t.Errorf("requirements %q, want %q", m.Requirements, want)
	}
	if len(m.Subjects) != 1 || m.Subjects[0].Role != "pemohon" || m.Subjects[0].Kind != letters.KindResident {
		t.Errorf("subjects: %+v", m.Subjects)
	}
	if f := m.Field("nama_usaha"); f == nil || !f.Required || f.Label != "Nama usaha" || f.Type != letters.TypeText ||
		f.Hint != "Nama atau merek usaha yang dijalankan" {
		t.Errorf("field nama_usaha: %+v", f)
	}
	if f := m.Field("keperluan"); f == nil || f.Type != letters.TypeTextarea || !f.Required {
		t.Errorf("field keperluan: %+v", f)
	}
	if f := m.Field("lama_usaha"); f == nil || f.Type != letters.TypeInt || f.Required ||
		!f.HasMin || f.Min != 0 || !f.HasMax || f.Max != 80 {
		t.Errorf("field lama_usaha (number with min and max): %+v", f)
	}
	if f := m.Field("bentuk_usaha"); f == nil || f.Type != letters.TypeEnum ||
		!slices.Equal(f.Options, []string{"Perseorangan", "Kelompok", "Koperasi"}) {
		t.Errorf("field bentuk_usaha (select-manual): %+v", f)
	}
	if f := m.Field("no_hp_usaha"); f == nil || f.Type != letters.TypeText {
		t.Errorf("field no_hp_usaha (a phone number typed as number stays text): %+v", f)
	}
	src := string(usaha.Source)
	for _, want := range []string{
		`Nama: "{{pemohon.nama | upper}}"`, // [NAma]: upper case; "a." dropped
		`NIK: "{{pemohon.nik}}"`,           // [Nik]: as stored
		`Tempat Tinggal: "{{pemohon.alamat}}, [sebutan_dusun] {{pemohon.dusun}}"`,
		"menjalankan usaha {{field.nama_usaha}} yang berlokasi di {{field.alamat_usaha}}",
		`Keperluan Surat: "{{field.keperluan | lower}}"`, // "Label : value" in one cell; [form_keperluan] lower case
		`Masa Berlaku: "{{surat.berlaku_mulai}} s.d. {{surat.berlaku_sampai}}"`,
		"caption: Pemilik Usaha", // the applicant's signature beside the official's
	} {
		if !strings.Contains(src, want) {
			t.Errorf("the module file lacks %q:\n%s", want, src)
		}
	}
	for _, gone := range []string{"<", "style=", "[judul_surat]", "[format_nomor_surat]", "[qr_code]", "[nama_pamong]"} {
		if strings.Contains(strings.ToLower(src), gone) {
			t.Errorf("%q left in the module file:\n%s", gone, src)
		}
	}
	for _, want := range []string{"[form_keperluan] → {{field.keperluan | lower}}", "[nama] → {{pemohon.nama | upper}}",
		`tanda tangan "Pemilik Usaha" → blok tanda tangan pemohon`} {
		if !slices.Contains(usaha.Mapped, want) {
			t.Errorf("mapped lacks %q: %q", want, usaha.Mapped)
		}
	}
	for _, want := range []string{"kode [sebutan_dusun] tidak ada padanannya; dibiarkan sebagai teks",
		"syarat nomor 13 tidak dikenal; tulis di requirements"} {
		if !slices.Contains(usaha.Unmapped, want) {
			t.Errorf("unmapped lacks %q: %q", want, usaha.Unmapped)
		}
	}
	if !strings.Contains(src, "# Belum dipetakan: kode [sebutan_dusun] tidak ada padanannya") {
		t.Errorf("the unmapped code is not listed at the top of the file:\n%s", src)
	}
	if p := preview["opensid_keterangan_usaha"]; !strings.Contains(p, "Pemilik Usaha") ||
		!strings.Contains(p, "contoh keperluan") {
		t.Errorf("usaha preview:\n%s", p)
	}

	// Keterangan Jual Beli: a seller from the register, a buyer who may
	// be typed in, a group of fields that is not a person, and both
	// parties signing.
	jual, ok := byCode["opensid_keterangan_jual_beli"]
	if !ok {
		t.Fatalf("no opensid_keterangan_jual_beli among %v", ts)
	}
	mj, err := letters.ParseModule("x.yaml", jual.Source)
	if err != nil {
		t.Fatal(err)
	}
	if mj.Title != "Surat Keterangan Jual Beli" || mj.Klasifikasi != "500" || mj.Online || mj.Validity.String() != "14 hari" {
		t.Errorf("module header: %q %q online=%v %s", mj.Title, mj.Klasifikasi, mj.Online, mj.Validity)
	}
	if want := []string{"Fotokopi KK", "Fotokopi KTP"}; !slices.Equal(mj.Requirements, want) {
		t.Errorf("requirements %q, want %q", mj.Requirements, want)
	}
	if s := mj.Subject("pembeli"); s == nil || s.Kind != letters.KindPerson || s.Label != "Pembeli" {
		t.Errorf("pembeli: %+v", s)
	}
	if mj.Subject("barang") != nil || len(mj.Subjects) != 2 {
		t.Errorf("the barang group became a subject: %+v", mj.Subjects)
	}
	if f := mj.Field("uraian_barang"); f == nil || f.Type != letters.TypeTextarea || !f.Required {
		t.Errorf("the barang group's field uraian_barang: %+v", f)
	}
	if f := mj.Field("harga_jual"); f == nil || f.Type != letters.TypeInt || !f.HasMin || f.Min != 1 || f.HasMax {
		t.Errorf("the barang group's field harga_jual: %+v", f)
	}
	if mj.Field("nama_saksi_pembeli") != nil {
		t.Error("a field the body does not use was kept")
	}
	srcj := string(jual.Source)
	for _, want := range []string{
		`Nama Lengkap: "{{pembeli.nama | upper}}"`,
		`Tempat, Tanggal Lahir: "{{pembeli.tempat_lahir}}, {{pembeli.tanggal_lahir}}"`,
		`Umur: "{{pemohon.usia}} tahun"`,
		"status: [hidup, pindah]",
		"Penjual menyerahkan {{field.jenis_barang}} berupa {{field.uraian_barang | lower}}",
		"paragraph: PIHAK PEMBELI", // a heading of the body
	} {
		if !strings.Contains(srcj, want) {
			t.Errorf("the module file lacks %q:\n%s", want, srcj)
		}
	}
	for _, want := range []string{`tanda tangan "Penjual," → blok tanda tangan pemohon`,
		`tanda tangan "Pembeli," → blok tanda tangan pembeli`, "subjek pembeli → peran pembeli"} {
		if !slices.Contains(jual.Mapped, want) {
			t.Errorf("mapped lacks %q: %q", want, jual.Mapped)
		}
	}
	for _, want := range []string{"isian [form_nama_saksi] tidak dipakai di isi surat; dilewati",
		`format nomor "[kode_surat]/[nomor_surat,3]/JB/[tahun]" tidak diimpor; atur di Pengaturan jenis surat`} {
		if !slices.Contains(jual.Unmapped, want) {
			t.Errorf("unmapped lacks %q: %q", want, jual.Unmapped)
		}
	}
	if p := preview["opensid_keterangan_jual_beli"]; !strings.Contains(p, "Penjual,") || !strings.Contains(p, "Pembeli,") {
		t.Errorf("jual beli preview without both parties' signatures:\n%s", p)
	}
}

func TestConvertRefusesOtherFiles(t *testing.T) {
	for _, data := range []string{`{"a":1}`, `[1,2]`, `not json`, `[]`} {
		if _, err := opensid.Convert([]byte(data)); !errors.Is(err, opensid.ErrNotExport) {
			t.Errorf("%s: %v, want ErrNotExport", data, err)
		}
	}
}

// A field of another person is renamed after that person
// (nama_saksi_pembeli) while OpenSID's template keeps the plain code
// ([form_nama_saksi]): the code still finds its field.
func TestConvertFieldOfAnotherPerson(t *testing.T) {
	data, err := os.ReadFile("testdata/template_surat_tinymce.json")
	if err != nil {
		t.Fatal(err)
	}
	var exports []map[string]any
	if err := json.Unmarshal(data, &exports); err != nil {
		t.Fatal(err)
	}
	for _, e := range exports {
		if e["url_surat"] == "surat-keterangan-jual-beli" {
			tpl := e["template"].(string)
			if !strings.Contains(tpl, "[Form_jenis_barang]") {
				t.Fatal("the sample's jual beli template lost [Form_jenis_barang]")
			}
			e["template"] = strings.Replace(tpl, "[Form_jenis_barang]", "[Form_jenis_barang] (saksi: [form_nama_saksi])", 1)
		}
	}
	data, err = json.Marshal(exports)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := opensid.Convert(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range ts {
		if tpl.Code != "opensid_keterangan_jual_beli" {
			continue
		}
		if !strings.Contains(string(tpl.Source), "{{field.nama_saksi_pembeli") {
			t.Errorf("[form_nama_saksi] not mapped to the buyer's field:\n%s", tpl.Source)
		}
		for _, u := range tpl.Unmapped {
			if strings.Contains(u, "form_nama_saksi") {
				t.Errorf("still listed as unmapped: %q", u)
			}
		}
		if _, err := letters.ParseModule(tpl.Code+".yaml", tpl.Source); err != nil {
			t.Errorf("the loader refuses the draft: %v", err)
		}
		return
	}
	t.Fatal("no opensid_keterangan_jual_beli")
}

// TestConvertStopsAtMaxFormats: an 8 MB export of some 300,000 minimal
// formats, all named alike, took two minutes to convert before all but 200
// were dropped; the conversion now stops at MaxFormats. Formats whose
// names make the same code are numbered, each code once.
func TestConvertStopsAtMaxFormats(t *testing.T) {
	one := `{"nama":"Keterangan Usaha","template":"<p>Yang bertanda tangan [nama_desa]</p>"},`
	var b strings.Builder
	b.WriteString("[")
	for b.Len()+len(one)+1 < opensid.MaxExportBytes {
		b.WriteString(one)
	}
	data := strings.TrimSuffix(b.String(), ",") + "]"
	start := time.Now()
	ts, err := opensid.Convert([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); len(ts) != opensid.MaxFormats || took > 20*time.Second {
		t.Errorf("%d formats after %v, want %d", len(ts), took, opensid.MaxFormats)
	}
	seen := map[string]bool{}
	for _, tpl := range ts {
		if seen[tpl.Code] {
			t.Fatalf("code %s given twice", tpl.Code)
		}
		seen[tpl.Code] = true
	}
	if !seen[ts[0].Code] || !seen[ts[0].Code+"_2"] || !seen[ts[0].Code+"_200"] {
		t.Errorf("codes %s, %s_2 … %s_200 expected", ts[0].Code, ts[0].Code, ts[0].Code)
	}
}
