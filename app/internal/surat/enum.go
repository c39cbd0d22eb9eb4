package surat

import "strings"

// Option is one value of a population-register enumeration: the id stored in
// the database (the same ids OpenSID uses, so exports map one to one) and the
// label printed on letters.
type Option struct {
	ID    int
	Label string
}

// Enum is an immutable enumeration such as agama or pekerjaan.
type Enum struct {
	Name    string // machine name, e.g. "agama"
	Title   string // Indonesian name shown in forms, e.g. "Agama"
	Options []Option
}

// Label returns the label for id, or "" when id is not part of the enumeration.
func (e Enum) Label(id int) string {
	for _, o := range e.Options {
		if o.ID == id {
			return o.Label
		}
	}
	return ""
}

// Valid reports whether id is part of the enumeration.
func (e Enum) Valid(id int) bool { return e.Label(id) != "" }

// Lookup finds the id for a label, ignoring case, surrounding space and the
// spacing around slashes ("SLTA / SEDERAJAT" equals "SLTA/SEDERAJAT"), so
// spreadsheets typed by hand still match.
func (e Enum) Lookup(label string) (int, bool) {
	want := normLabel(label)
	for _, o := range e.Options {
		if normLabel(o.Label) == want {
			return o.ID, true
		}
	}
	return 0, false
}

func normLabel(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, " /", "/")
	s = strings.ReplaceAll(s, "/ ", "/")
	return strings.Join(strings.Fields(s), " ")
}

func opts(labels ...string) []Option {
	o := make([]Option, len(labels))
	for i, l := range labels {
		o[i] = Option{ID: i + 1, Label: l}
	}
	return o
}

// The enumerations of the population register, with OpenSID's ids
// (docs/design.md §10).
var (
	Sex = Enum{Name: "jenis_kelamin", Title: "Jenis Kelamin", Options: opts("LAKI-LAKI", "PEREMPUAN")}

	Religion = Enum{Name: "agama", Title: "Agama", Options: opts(
		"ISLAM", "KRISTEN", "KATHOLIK", "HINDU", "BUDHA", "KHONGHUCU",
		"KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA")}

	MaritalStatus = Enum{Name: "status_kawin", Title: "Status Perkawinan", Options: opts(
		"BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI")}

	FamilyRelation = Enum{Name: "shdk", Title: "Hubungan dalam Keluarga", Options: opts(
		"KEPALA KELUARGA", "SUAMI", "ISTRI", "ANAK", "MENANTU", "CUCU", "ORANGTUA",
		"MERTUA", "FAMILI LAIN", "PEMBANTU", "LAINNYA")}

	Education = Enum{Name: "pendidikan_kk", Title: "Pendidikan dalam KK", Options: opts(
		"TIDAK / BELUM SEKOLAH", "BELUM TAMAT SD/SEDERAJAT", "TAMAT SD / SEDERAJAT",
		"SLTP/SEDERAJAT", "SLTA / SEDERAJAT", "DIPLOMA I / II",
		"AKADEMI/ DIPLOMA III/S. MUDA", "DIPLOMA IV/ STRATA I", "STRATA II", "STRATA III")}

	Occupation = Enum{Name: "pekerjaan", Title: "Pekerjaan", Options: opts(
		"BELUM/TIDAK BEKERJA", "MENGURUS RUMAH TANGGA", "PELAJAR/MAHASISWA", "PENSIUNAN",
		"PEGAWAI NEGERI SIPIL (PNS)", "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)",
		"PERDAGANGAN", "PETANI/PEKEBUN", "PETERNAK", "NELAYAN/PERIKANAN", "INDUSTRI",
		"KONSTRUKSI", "TRANSPORTASI", "KARYAWAN SWASTA", "KARYAWAN BUMN", "KARYAWAN BUMD",
		"KARYAWAN HONORER", "BURUH HARIAN LEPAS", "BURUH TANI/PERKEBUNAN",
		"BURUH NELAYAN/PERIKANAN", "BURUH PETERNAKAN", "PEMBANTU RUMAH TANGGA",
		"TUKANG CUKUR", "TUKANG LISTRIK", "TUKANG BATU", "TUKANG KAYU", "TUKANG SOL SEPATU",
		"TUKANG LAS/PANDAI BESI", "TUKANG JAHIT", "TUKANG GIGI", "PENATA RIAS",
		"PENATA BUSANA", "PENATA RAMBUT", "MEKANIK", "SENIMAN", "TABIB", "PARAJI",
		"PERANCANG BUSANA", "PENTERJEMAH", "IMAM MASJID", "PENDETA", "PASTOR", "WARTAWAN",
		"USTADZ/MUBALIGH", "JURU MASAK", "PROMOTOR ACARA", "ANGGOTA DPR-RI", "ANGGOTA DPD",
		"ANGGOTA BPK", "PRESIDEN", "WAKIL PRESIDEN", "ANGGOTA MAHKAMAH KONSTITUSI",
		"ANGGOTA KABINET KEMENTERIAN", "DUTA BESAR", "GUBERNUR", "WAKIL GUBERNUR", "BUPATI",
		"WAKIL BUPATI", "WALIKOTA", "WAKIL WALIKOTA", "ANGGOTA DPRD PROVINSI",
		"ANGGOTA DPRD KABUPATEN/KOTA", "DOSEN", "GURU", "PILOT", "PENGACARA", "NOTARIS",
		"ARSITEK", "AKUNTAN", "KONSULTAN", "DOKTER", "BIDAN", "PERAWAT", "APOTEKER",
		"PSIKIATER/PSIKOLOG", "PENYIAR TELEVISI", "PENYIAR RADIO", "PELAUT", "PENELITI",
		"SOPIR", "PIALANG", "PARANORMAL", "PEDAGANG", "PERANGKAT DESA", "KEPALA DESA",
		"BIARAWATI", "WIRASWASTA", "LAINNYA")}

	BloodType = Enum{Name: "golongan_darah", Title: "Golongan Darah", Options: opts(
		"A", "B", "AB", "O", "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", "TIDAK TAHU")}

	Citizenship = Enum{Name: "kewarganegaraan", Title: "Kewarganegaraan", Options: opts(
		"WNI", "WNA", "DUA KEWARGANEGARAAN")}

	// LifeStatus is OpenSID's status dasar; ids 5, 7 and 8 are unused there too.
	LifeStatus = Enum{Name: "status_dasar", Title: "Status Dasar", Options: []Option{
		{1, "HIDUP"}, {2, "MATI"}, {3, "PINDAH"}, {4, "HILANG"}, {6, "PERGI"}, {9, "TIDAK VALID"}}}
)

// Enumerations lists every register enumeration by machine name, for forms,
// imports and the letter catalogue's enum checks.
func Enumerations() []Enum {
	return []Enum{Sex, Religion, MaritalStatus, FamilyRelation, Education, Occupation,
		BloodType, Citizenship, LifeStatus}
}

// Ids of values the rules below refer to by meaning.
const (
	SexMale   = 1
	SexFemale = 2

	MaritalSingle = 1

	RelationHead = 1

	LifeAlive = 1
	LifeDead  = 2
	LifeMoved = 3

	CitizenWNI   = 1
	BloodUnknown = 13
)
