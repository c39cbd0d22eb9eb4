package letters

import (
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// build builds in or fails the test.
func mustBuild(t *testing.T, c *Catalogue, in Input) *surat.Document {
	t.Helper()
	doc, err := c.Build(in)
	if err != nil {
		t.Fatalf("Build %s: %v", in.Module, err)
	}
	return doc
}

// blockSummary is a signature block as "caption|name|materai|official".
func blockSummary(b surat.SignatureBlock) string {
	s := strings.Join(b.Caption, " / ") + "|" + b.Name
	if b.Materai {
		s += "|materai"
	}
	if b.Official {
		s += "|official"
	}
	return s
}

func groupsSummary(gs []surat.SignatureGroup) [][]string {
	var out [][]string
	for _, g := range gs {
		row := []string{g.Heading}
		for _, b := range g.Blocks {
			row = append(row, blockSummary(b))
		}
		out = append(out, row)
	}
	return out
}

func TestSignatureBlocks(t *testing.T) {
	c := shipped(t)
	tests := []struct {
		module string
		mutate func(in *Input)
		want   [][]string
	}{
		{"surat_kuasa", nil, [][]string{
			{"", "Yang Menerima Kuasa,|Rudi Hartono", "Yang Memberi Kuasa,|Kartini Rahayu|materai"},
			{"", "Mengetahui,||official"},
		}},
		{"sk_usaha", nil, [][]string{{"", "Pemegang Surat,|Slamet Santoso", "||official"}}},
		{"sk_tidak_mampu", nil, [][]string{{"", "Pemegang Surat,|Slamet Santoso", "||official"}}},
		{"sk_jual_beli", nil, [][]string{
			{"", "Pembeli,|Hendra Gunawan", "Penjual,|Slamet Santoso|materai"},
			{"", "Saksi,|Mulyono, Ketua RT 002", "Mengetahui,||official"},
		}},
		{"sk_jual_beli", func(in *Input) { delete(in.Fields, "saksi_ketua_adat") }, [][]string{
			{"", "Pembeli,|Hendra Gunawan", "Penjual,|Slamet Santoso|materai"},
			{"", "Mengetahui,||official"},
		}},
		{"sk_ahli_waris", nil, [][]string{
			{"Para ahli waris:", "1. Anak|Slamet Santoso", "2. Cucu|Dewi Anggraini"},
			{"Saksi-saksi:", "Saksi I,|Kartini Rahayu", "Saksi II,|Bambang Susilo"},
			{"Mengetahui:", "Camat Sanankulon|", "||official"},
		}},
		{"sk_ahli_waris", func(in *Input) { in.Fields["mengetahui_camat"] = "Tidak" }, [][]string{
			{"Para ahli waris:", "1. Anak|Slamet Santoso", "2. Cucu|Dewi Anggraini"},
			{"Saksi-saksi:", "Saksi I,|Kartini Rahayu", "Saksi II,|Bambang Susilo"},
			{"Mengetahui:", "||official"},
		}},
		// A module without signatures leaves the official's block to the
		// renderer.
		{"sk_domisili", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			in := Demo(c.Module(tt.module), testNow)
			if tt.mutate != nil {
				tt.mutate(&in)
			}
			got := groupsSummary(mustBuild(t, c, in).Signatures)
			if strings.Join(flatten(got), "\n") != strings.Join(flatten(tt.want), "\n") {
				t.Errorf("signatures\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, " || "))
	}
	return out
}

// TestMarriageForms: sp_nikah attaches N1 for the groom and for the bride
// (one form declared once, its short names standing for each one's roles),
// N2, N4, N5, and N6 only when a previous spouse died, for whichever of the
// two was widowed.
func TestMarriageForms(t *testing.T) {
	c := shipped(t)
	in := Demo(c.Module("sp_nikah"), testNow)
	in.Number = "472.3/001/3505122001/XI/2026"
	in.Draft = false
	doc := mustBuild(t, c, in)
	var codes []string
	for _, f := range doc.Forms {
		codes = append(codes, f.Code)
	}
	if got, want := strings.Join(codes, ","), "Model N1,Model N1,Model N2,Model N4,Model N5"; got != want {
		t.Fatalf("forms %s, want %s", got, want)
	}
	value := func(f surat.AttachedForm, label string) string {
		for _, b := range f.Blocks {
			for _, r := range b.Rows {
				if r.Label == label {
					return r.Value
				}
			}
		}
		return "(none)"
	}
	groom, bride := doc.Forms[0], doc.Forms[1]
	for _, tc := range []struct {
		f           surat.AttachedForm
		name, educ  string
		bin, status string
	}{
		{groom, "DIMAS PRASETYO", "DIPLOMA IV/ STRATA I", "Slamet Santoso", "Jejaka"},
		{bride, "WULAN SARI", "AKADEMI/ DIPLOMA III/S. MUDA", "Sukardi", "Perawan"},
	} {
		if got := value(tc.f, "1. Nama"); got != tc.name {
			t.Errorf("N1 name %q, want %q", got, tc.name)
		}
		if got := value(tc.f, "8. Pendidikan Terakhir"); got != tc.educ {
			t.Errorf("N1 of %s: education %q, want %q", tc.name, got, tc.educ)
		}
		if got := value(tc.f, "9. Bin/Binti"); got != tc.bin {
			t.Errorf("N1 of %s: bin %q, want %q", tc.name, got, tc.bin)
		}
		if got := value(tc.f, "11. Status Perkawinan"); got != tc.status {
			t.Errorf("N1 of %s: status %q, want %q", tc.name, got, tc.status)
		}
		if tc.f.Number != in.Number {
			t.Errorf("N1 number %q", tc.f.Number)
		}
		if len(tc.f.Signatures) != 1 || !tc.f.Signatures[0].Blocks[0].Official {
			t.Errorf("N1 is not signed by the official: %v", tc.f.Signatures)
		}
	}
	// The parents' full identity: the groom's father is a resident, the
	// bride's a typed person without NIK.
	if got := value(groom, "Nomor Induk Kependudukan (NIK)"); got != "3505121503780001" {
		t.Errorf("groom's father's NIK %q", got)
	}
	if got := value(bride, "Nama Lengkap dan Alias"); got != "SUKARDI" {
		t.Errorf("bride's father %q", got)
	}
	n4 := doc.Forms[3]
	if got := groupsSummary(n4.Signatures); len(got) != 1 || got[0][1] != "Calon Suami,|Dimas Prasetyo" ||
		got[0][2] != "Sumberejo, 23 November 2026 / Calon Istri,|Wulan Sari" {
		t.Errorf("N4 signatures %q", got)
	}

	// A widowed bride: N6 for her late husband, signed by the official.
	in.Fields["status_kawin_wanita"] = "Janda"
	in.Fields["nama_suami_terdahulu"] = "Agus Salim"
	in.Fields["tanggal_meninggal_pasangan_terdahulu"] = "2023-05-17"
	in.Fields["tempat_meninggal_pasangan_terdahulu"] = "RSUD Ngudi Waluyo Wlingi"
	doc = mustBuild(t, c, in)
	last := doc.Forms[len(doc.Forms)-1]
	if last.Code != "Model N6" || len(doc.Forms) != 6 {
		t.Fatalf("forms %d, last %s", len(doc.Forms), last.Code)
	}
	for label, want := range map[string]string{
		"Nama Lengkap dan Alias":             "AGUS SALIM",
		"Telah Meninggal Dunia pada Tanggal": "17 Mei 2023",
		"1. Nama Lengkap dan Alias":          "WULAN SARI",
	} {
		if got := value(last, label); got != want {
			t.Errorf("N6 %s = %q, want %q", label, got, want)
		}
	}
	if !strings.Contains(PlainText(doc), "yang bersangkutan adalah suami dari:") {
		t.Error("N6 of a widow does not call the deceased her suami")
	}
	if got := value(doc.Forms[1], "12. Nama Istri/Suami Terdahulu"); got != "Agus Salim" {
		t.Errorf("bride's N1 previous husband %q", got)
	}
	if got := value(doc.Forms[0], "12. Nama Istri/Suami Terdahulu"); got != "-" {
		t.Errorf("groom's N1 previous wife %q, want -", got)
	}
}

// TestDeathFromRegister: the register's date of death is printed and the
// age at death computed from it; the sex-specific word follows the sex.
func TestDeathFromRegister(t *testing.T) {
	c := shipped(t)
	in := Demo(c.Module("sk_kematian"), testNow)
	died := in.Subjects["almarhum"].DeathDate
	if died.IsZero() {
		t.Fatal("demo persona has no register date of death")
	}
	doc := mustBuild(t, c, in)
	text := PlainText(doc)
	for _, want := range []string{"Umur                 : 85 tahun", surat.DayName(died.Weekday()) + ", " + surat.FormatDate(died),
		"Jenis Pelaporan : Kematian"} {
		if !strings.Contains(text, want) {
			t.Errorf("sk_kematian lacks %q\n%s", want, text)
		}
	}

	squash := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	in = Demo(c.Module("sk_ahli_waris"), testNow)
	text = squash(PlainText(mustBuild(t, c, in)))
	if !strings.Contains(text, "ahli waris lain dari almarhumah.") || strings.Contains(text, "almarhum/") {
		t.Errorf("sk_ahli_waris of a woman does not say almarhumah\n%s", text)
	}
	in.Subjects["pewaris"] = persona("almarhum_luar", KindPerson)
	in.Fields["tanggal_meninggal"] = "2025-02-10"
	text = squash(PlainText(mustBuild(t, c, in)))
	if !strings.Contains(text, "ahli waris lain dari almarhum.") || !strings.Contains(text, "Umur : 66 tahun") {
		t.Errorf("sk_ahli_waris of a typed man\n%s", text)
	}
}

// TestNewbornWithoutNIK: a typed newborn without NIK builds, prints the day
// of birth, and offers the register record that the clerk can add after
// signing, in the mother's KK.
func TestNewbornWithoutNIK(t *testing.T) {
	c := shipped(t)
	m := c.Module("sk_kelahiran")
	if !m.OffersNewResident() {
		t.Fatal("sk_kelahiran offers no new resident")
	}
	in := Demo(m, testNow)
	baby := in.Subjects["anak"].Person
	if baby == nil || baby.NIK != "" {
		t.Fatalf("demo newborn is not a typed person without NIK: %+v", in.Subjects["anak"])
	}
	text := strings.Join(strings.Fields(PlainText(mustBuild(t, c, in))), " ")
	born := baby.BirthDate
	if want := "Hari/Tanggal Lahir : " + surat.DayName(born.Weekday()) + ", " + surat.FormatDate(born); !strings.Contains(text, want) {
		t.Errorf("lacks %q\n%s", want, text)
	}
	if strings.Contains(text, "NUGROHO NIK : -") {
		t.Errorf("prints an empty NIK row for the newborn")
	}

	r, ok, err := c.NewResident(in)
	if err != nil || !ok {
		t.Fatalf("NewResident: %v, %v", ok, err)
	}
	mother := in.Subjects["ibu"].Resident
	if r.Name != baby.Name || r.Sex != surat.SexMale || !r.BirthDate.Equal(born) || r.BirthPlace != "Blitar" ||
		r.NIK != "" || r.Relation != 4 || r.MaritalStatus != surat.MaritalSingle || r.Religion != 1 ||
		r.FatherName != "Fajar Nugroho" || r.MotherName != "Rina Yuliani" ||
		r.HouseholdID == nil || *r.HouseholdID != *mother.HouseholdID || r.Household.NoKK != mother.Household.NoKK {
		t.Errorf("resident %+v", r)
	}

	// A grandchild: the mother is a child in her parents' KK.
	in.Subjects["ibu"] = persona("pemudi", KindPerson)
	delete(in.Subjects, "ayah")
	r, _, err = c.NewResident(in)
	if err != nil || r.Relation != 6 || r.FatherName != "" {
		t.Errorf("grandchild: %v %+v", err, r)
	}

	// A newborn typed without sex or birth date is refused.
	in = Demo(m, testNow)
	in.Subjects["anak"].Person.Sex = 0
	in.Subjects["anak"].Person.BirthDate = time.Time{}
	_, err = c.Build(in)
	fields, _ := surat.FieldErrors(err)
	if fields["subject.anak.jenis_kelamin"] != "Jenis kelamin wajib dipilih" ||
		fields["subject.anak.tanggal_lahir"] != "Tanggal lahir wajib diisi" {
		t.Errorf("got %v", fields)
	}

	// A child already in the register offers nothing.
	in = Demo(m, testNow)
	in.Subjects["anak"] = persona("bayi", KindPerson)
	if _, ok, err := c.NewResident(in); ok || err != nil {
		t.Errorf("registered child: ok %v err %v", ok, err)
	}
	if _, ok, _ := c.NewResident(Demo(c.Module("sk_domisili"), testNow)); ok {
		t.Error("sk_domisili offers a new resident")
	}
}
