package importer

import (
	"strings"
	"unicode"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// field is a resident or household attribute a column can fill.
type field int

const (
	fNIK field = iota
	fName
	fNoKK
	fSex
	fBirthPlace
	fBirthDate
	fReligion
	fMarital
	fRelation
	fEducation
	fOccupation
	fCitizenship
	fBloodType
	fLifeStatus
	fFatherName
	fMotherName
	fPhone
	fAddress
	fRT
	fRW
	fDusun
	numFields
)

// fieldSpec describes one field: its Indonesian name for messages, the
// header names it accepts (compared after normHeader; OpenSID's column name
// first, as OpenSID spells it), whether the file must have the column, and the key
// surat.Resident.Validate / surat.Household.Validate report it under.
type fieldSpec struct {
	label    string
	names    []string
	required bool
	enum     *surat.Enum
	key      string
}

// fields lists every accepted column. Required are the columns without which
// no row could pass the register's rules (surat.Resident.Validate): a file
// missing one is refused as a whole rather than with the same message on
// every row. Citizenship and status dasar default to WNI and HIDUP.
var fields = [numFields]fieldSpec{
	fNIK:        {label: "NIK", names: []string{"nik", "nomorindukkependudukan", "noinduk", "noktp"}, required: true, key: "nik"},
	fName:       {label: "Nama", names: []string{"nama", "namalengkap", "namapenduduk"}, required: true, key: "name"},
	fNoKK:       {label: "No. KK", names: []string{"no_kk", "nomorkk", "kk", "nokartukeluarga", "nomorkartukeluarga"}, required: true, key: "no_kk"},
	fSex:        {label: "Jenis Kelamin", names: []string{"sex", "jeniskelamin", "kelamin", "jk", "lp"}, required: true, enum: &surat.Sex, key: "sex"},
	fBirthPlace: {label: "Tempat Lahir", names: []string{"tempatlahir", "tmplahir", "tptlahir"}, required: true, key: "birth_place"},
	fBirthDate:  {label: "Tanggal Lahir", names: []string{"tanggallahir", "tgllahir", "tgllhr"}, required: true, key: "birth_date"},
	fReligion:   {label: "Agama", names: []string{"agama_id", "agama"}, required: true, enum: &surat.Religion, key: "religion"},
	fMarital: {label: "Status Perkawinan", names: []string{"status_kawin", "statusperkawinan", "statuskawinid", "perkawinan", "statusnikah"},
		required: true, enum: &surat.MaritalStatus, key: "marital_status"},
	fRelation: {label: "Hubungan dalam Keluarga", names: []string{"kk_level", "shdk", "hubungandalamkeluarga", "hubungandalamkeluargashdk",
		"statushubungandalamkeluarga", "hubungandalamkk", "statushubungan", "hubungankeluarga", "hubungan"},
		required: true, enum: &surat.FamilyRelation, key: "relation"},
	fEducation: {label: "Pendidikan", names: []string{"pendidikan_kk_id", "pendidikan", "pendidikankk", "pendidikandalamkk", "pendidikanterakhir"},
		enum: &surat.Education, key: "education"},
	fOccupation:  {label: "Pekerjaan", names: []string{"pekerjaan_id", "pekerjaan"}, enum: &surat.Occupation, key: "occupation"},
	fCitizenship: {label: "Kewarganegaraan", names: []string{"warganegara_id", "kewarganegaraan", "warganegara"}, enum: &surat.Citizenship, key: "citizenship"},
	fBloodType:   {label: "Golongan Darah", names: []string{"golongan_darah_id", "golongandarah", "goldarah"}, enum: &surat.BloodType, key: "blood_type"},
	// "status" is status dasar only in a file without OpenSID's columns (see
	// mapHeader): in OpenSID "status" is TETAP / TIDAK TETAP.
	fLifeStatus: {label: "Status Dasar", names: []string{"status_dasar", "statushidup", "status"}, enum: &surat.LifeStatus, key: "life_status"},
	fFatherName: {label: "Nama Ayah", names: []string{"nama_ayah", "ayah"}, key: "father_name"},
	fMotherName: {label: "Nama Ibu", names: []string{"nama_ibu", "ibu", "namaibukandung"}, key: "mother_name"},
	fPhone:      {label: "Telepon", names: []string{"telepon", "notelepon", "nomortelepon", "telp", "notelp", "hp", "nohp", "nomorhp", "telepon/hp"}, key: "phone"},
	fAddress:    {label: "Alamat", names: []string{"alamat", "alamatkk"}, key: "address"},
	fRT:         {label: "RT", names: []string{"rt"}, key: "rt"},
	fRW:         {label: "RW", names: []string{"rw"}, key: "rw"},
	fDusun:      {label: "Dusun", names: []string{"dusun", "namadusun"}, key: "dusun"},
}

// normHeader makes header matching forgiving: case, spaces, underscores,
// dots, dashes, slashes, colons, asterisks (a "required" mark) and any
// parenthesized hint such as "Tanggal Lahir (DD-MM-YYYY)" are ignored.
func normHeader(h string) string {
	var b strings.Builder
	depth := 0
	for _, r := range strings.ToLower(h) {
		switch {
		case r == '(' || r == '[':
			depth++
		case r == ')' || r == ']':
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// headerIndex maps normalized header names to fields and alias priority.
type aliasRef struct {
	f    field
	prio int
}

func headerIndex() map[string]aliasRef {
	m := map[string]aliasRef{}
	for f := field(0); f < numFields; f++ {
		for i, n := range fields[f].names {
			m[normHeader(n)] = aliasRef{f, i}
		}
	}
	return m
}

// header is the result of reading a file's header row.
type header struct {
	row    int            // row number of the header
	col    [numFields]int // column index per field, -1 when absent
	titles []string       // header text per column, as in the file
}

// mapHeader matches the cells of a candidate header row to fields. When two
// columns name the same field under different names (agama and agama_id),
// the better-known name wins; the same name twice is ambiguous and
// reported as dup.
func mapHeader(r row, idx map[string]aliasRef) (h header, matched int, dup string) {
	h.row = r.num
	h.titles = make([]string, len(r.cells))
	prio := [numFields]int{}
	for f := range h.col {
		h.col[f] = -1
	}
	// In OpenSID "status" is status penduduk (1 TETAP, 2 TIDAK TETAP); read
	// as status dasar its 2 would mean MATI. So "status" is status dasar only
	// in a file that has no status dasar column and no OpenSID id columns.
	statusIsOpenSID := false
	for _, c := range r.cells {
		switch normHeader(c.text) {
		case "statusdasar", "statushidup", "kklevel", "agamaid", "pekerjaanid", "warganegaraid",
			"golongandarahid", "pendidikankkid":
			statusIsOpenSID = true
		}
	}
	for i, c := range r.cells {
		title := strings.TrimSpace(c.text)
		h.titles[i] = title
		n := normHeader(title)
		a, ok := idx[n]
		if !ok || (n == "status" && statusIsOpenSID) {
			continue
		}
		if prev := h.col[a.f]; prev >= 0 {
			if prio[a.f] == a.prio {
				dup = title
			}
			if prio[a.f] <= a.prio {
				continue
			}
		} else {
			matched++
		}
		h.col[a.f], prio[a.f] = i, a.prio
	}
	return h, matched, dup
}

// missing lists the required fields the header lacks.
func (h *header) missing() []field {
	var out []field
	for f := field(0); f < numFields; f++ {
		if fields[f].required && h.col[f] < 0 {
			out = append(out, f)
		}
	}
	return out
}

// title is the column header of field f as written in the file.
func (h *header) title(f field) string {
	if i := h.col[f]; i >= 0 && i < len(h.titles) && h.titles[i] != "" {
		return h.titles[i]
	}
	return fields[f].label
}
