package letters

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// env is what a module body is evaluated against. At load time (live ==
// false) it holds only the module, every value is "" and value reports
// unknown names; at build time it holds the validated input.
type env struct {
	m       *Module
	live    bool
	village surat.Village
	at      time.Time // letter date
	until   time.Time // end of validity; zero when the letter does not expire
	number  string
	kode    string
	signer  signerView
	fields  map[string]fieldValue   // by field name; every declared field present
	one     map[string]*partyView   // single subjects by role; absent when not given
	many    map[string][]*partyView // lists by role, household members by "<role>.anggota"
	// unprintable is Input.Unprintable, nil when nothing is checked.
	unprintable func(string) (rune, bool)
}

// unprintableText is the message for text, labelled label, that holds a
// character the letter cannot print, or "".
func (e *env) unprintableText(label, text string) string {
	if e.unprintable == nil {
		return ""
	}
	if c, bad := e.unprintable(text); bad {
		return surat.UnprintableMessage(label, c)
	}
	return ""
}

// partyView is one person as seen by placeholders: a resident (with their
// household and KK members when known) or a typed identity.
type partyView struct {
	res      *surat.Resident
	per      *surat.Person
	members  []surat.Resident
	relation string // chosen hubungan of a list item
	village  *surat.Village
	at       time.Time
	// died is the date of death (register, or the role's died_on field);
	// zero when unknown.
	died time.Time
}

type signerView struct {
	name    string
	jabatan string // office as printed in the opening sentence
	nip     string
}

// value resolves a placeholder path. item and no are the current row of a
// table (scopeItem). The error, possible only at load time, explains an
// unknown name.
func (e *env) value(path []string, sc scope, item *partyView, no int) (string, error) {
	if sc == scopeItem {
		if len(path) != 1 {
			return "", msgf("table columns use {{no}}, {{hubungan}} or a person attribute such as {{nama}}")
		}
		switch path[0] {
		case "no":
			return strconv.Itoa(no), nil
		case "hubungan":
			if item == nil {
				return "", nil
			}
			if item.relation != "" {
				return item.relation, nil
			}
			return personAttrOf(item, "hubungan_kk"), nil
		}
		if v, ok := personAttr(item, path[0]); ok {
			return v, nil
		}
		return "", msgf("a table row has no attribute %q (%s, no, hubungan)", path[0], personAttrNames)
	}
	head := path[0]
	attr := ""
	if len(path) > 1 {
		attr = path[1]
	}
	switch head {
	case "desa":
		if len(path) == 2 {
			if v, ok := villageAttr(&e.village, attr); ok {
				return v, nil
			}
		}
		return "", msgf("desa has no attribute %q (%s)", strings.Join(path[1:], "."), villageAttrNames)
	case "penandatangan":
		if len(path) == 2 {
			switch attr {
			case "nama":
				return e.signer.name, nil
			case "jabatan":
				return e.signer.jabatan, nil
			case "nip":
				return e.signer.nip, nil
			}
		}
		return "", msgf("penandatangan has no attribute %q (nama, jabatan, nip)", strings.Join(path[1:], "."))
	case "surat":
		if len(path) == 2 {
			switch attr {
			case "judul":
				return strings.ToUpper(e.m.Title), nil
			case "nomor":
				return e.number, nil
			case "kode":
				return e.kode, nil
			case "tanggal", "berlaku_mulai":
				return surat.FormatDate(e.at), nil
			case "berlaku_sampai": // "" when the letter does not expire
				return surat.FormatDate(e.until), nil
			}
		}
		return "", msgf("surat has no attribute %q (judul, nomor, kode, tanggal, berlaku_mulai, berlaku_sampai)",
			strings.Join(path[1:], "."))
	case "field":
		return e.fieldValue(path)
	}
	s := e.m.Subject(head)
	if s == nil {
		return "", msgf("%q is neither a role of this module nor desa, penandatangan, surat or field", head)
	}
	if len(path) != 2 {
		return "", msgf("use %s.<attribute>, e.g. %s.nama", head, head)
	}
	if s.Kind.IsList() {
		if attr == "jumlah" {
			if !e.live {
				return "", nil
			}
			return strconv.Itoa(len(e.many[head])), nil
		}
		return "", msgf("%s is a list: use {{%s.jumlah}} or a table with source %s", head, head, head)
	}
	if s.Kind == KindHousehold && attr == "jumlah_anggota" {
		if !e.live {
			return "", nil
		}
		return strconv.Itoa(len(e.many[head+".anggota"])), nil
	}
	v, ok := personAttr(e.one[head], attr)
	if !ok {
		extra := ""
		if s.Kind == KindHousehold {
			extra = ", jumlah_anggota"
		}
		return "", msgf("%s has no attribute %q (%s%s)", head, attr, personAttrNames, extra)
	}
	return v, nil
}

func (e *env) fieldValue(path []string) (string, error) {
	if len(path) < 2 || len(path) > 3 {
		return "", msgf("use field.<name>, e.g. field.keperluan")
	}
	f := e.m.Field(path[1])
	if f == nil {
		return "", msgf("no field %q is declared", path[1])
	}
	v := e.fields[f.Name]
	if len(path) == 2 {
		return v.text, nil
	}
	switch {
	case path[2] == "terbilang" && (f.Type == TypeInt || f.Type == TypeMoney):
		if !v.set {
			return "", nil
		}
		if f.Type == TypeMoney {
			return terbilang(v.num) + " rupiah", nil
		}
		return terbilang(v.num), nil
	case path[2] == "hari" && f.Type == TypeDate:
		if !v.set {
			return "", nil
		}
		return surat.DayName(v.date.Weekday()), nil
	}
	return "", msgf("field %s (%s) has no %q (int and money have .terbilang, date has .hari)",
		f.Name, f.Type, path[2])
}

// condsTrue reports whether every condition holds.
func (e *env) condsTrue(cs []*cond) bool {
	for _, c := range cs {
		if !e.condTrue(c) {
			return false
		}
	}
	return true
}

// condTrue evaluates a checked condition.
func (e *env) condTrue(c *cond) bool {
	var got bool
	if len(c.path) == 1 && e.m.Subject(c.path[0]) != nil {
		role := c.path[0]
		got = e.one[role] != nil || len(e.many[role]) > 0
	} else {
		v, _ := e.value(c.path, scopeTop, nil, 0)
		if c.path[0] == "field" && len(c.path) == 2 {
			v = e.fields[c.path[1]].raw
		}
		switch c.op {
		case "":
			got = v != ""
		case "=":
			got = strings.EqualFold(v, c.lit)
		case "!=":
			got = !strings.EqualFold(v, c.lit)
		}
	}
	return got != c.negate
}

// render fills t in. empty reports whether t had placeholders and all of
// them were empty, so a row like "{{field.luas}} m2" can print "-" instead
// of a dangling unit. Empty placeholders inside running text print "-".
func (e *env) render(t tmpl, sc scope, item *partyView, no int) (text string, empty bool) {
	var b strings.Builder
	phs, filled := 0, 0
	for _, s := range t.segs {
		if s.ph == nil {
			b.WriteString(s.lit)
			continue
		}
		phs++
		v := ""
		for _, p := range s.ph.paths {
			if v, _ = e.value(p, sc, item, no); v != "" {
				break
			}
		}
		switch {
		case v == "":
			v = "-"
		case s.ph.upper:
			filled++
			v = strings.ToUpper(v)
		case s.ph.lower:
			filled++
			v = strings.ToLower(v)
		case s.ph.lcfirst:
			filled++
			v = lowerFirst(v)
		default:
			filled++
		}
		b.WriteString(v)
	}
	return b.String(), phs > 0 && filled == 0
}

const personAttrNames = "nama, nik, no_kk, kepala_keluarga, tempat_lahir, tanggal_lahir, hari_lahir, ttl, usia, " +
	"jenis_kelamin, jk, agama, status_kawin, pendidikan, pekerjaan, kewarganegaraan, golongan_darah, " +
	"hubungan_kk, alamat, alamat_lengkap, rt, rw, dusun, nama_ayah, nama_ibu, telepon, status, " +
	"tanggal_meninggal, usia_meninggal, almarhum, bin, sebutan_pasangan, id_dtks"

// personAttr returns attribute name of p; p may be nil (a subject not
// given, or the load-time check), which yields "". ok is false for an
// unknown name.
func personAttr(p *partyView, name string) (v string, ok bool) {
	var get func(p *partyView) string
	switch name {
	case "nama":
		get = func(p *partyView) string { return p.name() }
	case "nik":
		get = func(p *partyView) string {
			if p.res != nil {
				return p.res.NIK
			}
			return p.per.NIK
		}
	case "no_kk":
		get = func(p *partyView) string {
			if h := p.household(); h != nil {
				return h.NoKK
			}
			return ""
		}
	case "kepala_keluarga":
		get = func(p *partyView) string {
			if p.res == nil {
				return ""
			}
			if p.res.Relation == surat.RelationHead {
				return p.res.Name
			}
			h := p.household()
			for _, m := range p.members {
				if m.Relation == surat.RelationHead || (h != nil && h.HeadID != nil && *h.HeadID == m.ID) {
					return m.Name
				}
			}
			return ""
		}
	case "tempat_lahir":
		get = func(p *partyView) string { return p.birthPlace() }
	case "tanggal_lahir":
		get = func(p *partyView) string { return surat.FormatDate(p.birthDate()) }
	case "ttl":
		get = func(p *partyView) string {
			place, date := p.birthPlace(), surat.FormatDate(p.birthDate())
			switch {
			case place != "" && date != "":
				return place + ", " + date
			case place != "":
				return place
			}
			return date
		}
	case "hari_lahir":
		get = func(p *partyView) string {
			if b := p.birthDate(); !b.IsZero() {
				return surat.DayName(b.Weekday())
			}
			return ""
		}
	case "usia":
		get = func(p *partyView) string {
			if !p.died.IsZero() {
				return ageText(p.birthDate(), p.died)
			}
			return ageText(p.birthDate(), p.at)
		}
	case "tanggal_meninggal":
		get = func(p *partyView) string { return surat.FormatDate(p.died) }
	case "usia_meninggal":
		get = func(p *partyView) string {
			if p.died.IsZero() {
				return ""
			}
			return ageText(p.birthDate(), p.died)
		}
	case "almarhum":
		// The sex-specific word for the deceased.
		get = func(p *partyView) string {
			switch p.sex() {
			case surat.SexMale:
				return "almarhum"
			case surat.SexFemale:
				return "almarhumah"
			}
			return "almarhum/almarhumah"
		}
	case "bin":
		// "bin" for a son, "binti" for a daughter.
		get = func(p *partyView) string {
			switch p.sex() {
			case surat.SexMale:
				return "bin"
			case surat.SexFemale:
				return "binti"
			}
			return "bin/binti"
		}
	case "sebutan_pasangan":
		// The word for this person's spouse: "suami" of a woman, "istri"
		// of a man.
		get = func(p *partyView) string {
			switch p.sex() {
			case surat.SexMale:
				return "istri"
			case surat.SexFemale:
				return "suami"
			}
			return "suami/istri"
		}
	case "id_dtks":
		get = func(p *partyView) string {
			if h := p.household(); h != nil {
				return h.DTKSID
			}
			return ""
		}
	case "jenis_kelamin":
		get = func(p *partyView) string { return surat.Sex.Label(p.sex()) }
	case "jk":
		get = func(p *partyView) string {
			switch p.sex() {
			case surat.SexMale:
				return "L"
			case surat.SexFemale:
				return "P"
			}
			return ""
		}
	case "agama":
		get = func(p *partyView) string {
			if p.res != nil {
				return surat.Religion.Label(p.res.Religion)
			}
			return surat.Religion.Label(p.per.Religion)
		}
	case "status_kawin":
		get = func(p *partyView) string {
			return p.resEnum(surat.MaritalStatus, p.resInt(func(r *surat.Resident) int { return r.MaritalStatus }))
		}
	case "pendidikan":
		get = func(p *partyView) string {
			return p.resEnum(surat.Education, p.resInt(func(r *surat.Resident) int { return r.Education }))
		}
	case "pekerjaan":
		get = func(p *partyView) string {
			if p.res != nil {
				return surat.Occupation.Label(p.res.Occupation)
			}
			return surat.Occupation.Label(p.per.Occupation)
		}
	case "kewarganegaraan":
		get = func(p *partyView) string {
			if p.res != nil {
				return surat.Citizenship.Label(p.res.Citizenship)
			}
			return surat.Citizenship.Label(p.per.Citizenship)
		}
	case "golongan_darah":
		get = func(p *partyView) string {
			return p.resEnum(surat.BloodType, p.resInt(func(r *surat.Resident) int { return r.BloodType }))
		}
	case "hubungan_kk":
		get = func(p *partyView) string {
			return p.resEnum(surat.FamilyRelation, p.resInt(func(r *surat.Resident) int { return r.Relation }))
		}
	case "status":
		get = func(p *partyView) string {
			return p.resEnum(surat.LifeStatus, p.resInt(func(r *surat.Resident) int { return r.LifeStatus }))
		}
	case "alamat":
		get = func(p *partyView) string {
			if p.res != nil {
				return residentAddress(p.household())
			}
			return p.per.Address
		}
	case "alamat_lengkap":
		get = func(p *partyView) string {
			if p.res == nil {
				return p.per.Address
			}
			a := residentAddress(p.household())
			if p.village == nil || p.village.Name == "" {
				return a
			}
			region := villageRegion(p.village)
			if a == "" {
				return region
			}
			return a + ", " + region
		}
	case "rt":
		get = func(p *partyView) string { return p.householdPart(func(h *surat.Household) string { return h.RT }) }
	case "rw":
		get = func(p *partyView) string { return p.householdPart(func(h *surat.Household) string { return h.RW }) }
	case "dusun":
		get = func(p *partyView) string { return p.householdPart(func(h *surat.Household) string { return h.Dusun }) }
	case "nama_ayah":
		get = func(p *partyView) string {
			if p.res != nil {
				return p.res.FatherName
			}
			return ""
		}
	case "nama_ibu":
		get = func(p *partyView) string {
			if p.res != nil {
				return p.res.MotherName
			}
			return ""
		}
	case "telepon":
		get = func(p *partyView) string {
			if p.res != nil {
				return p.res.Phone
			}
			return ""
		}
	default:
		return "", false
	}
	if p == nil || (p.res == nil && p.per == nil) {
		return "", true
	}
	return strings.TrimSpace(get(p)), true
}

// personAttrOf is personAttr for a name known to exist.
func personAttrOf(p *partyView, name string) string {
	v, _ := personAttr(p, name)
	return v
}

func (p *partyView) name() string {
	if p.res != nil {
		return p.res.Name
	}
	return p.per.Name
}

func (p *partyView) birthPlace() string {
	if p.res != nil {
		return p.res.BirthPlace
	}
	return p.per.BirthPlace
}

func (p *partyView) birthDate() time.Time {
	if p.res != nil {
		return p.res.BirthDate
	}
	return p.per.BirthDate
}

func (p *partyView) sex() int {
	if p.res != nil {
		return p.res.Sex
	}
	return p.per.Sex
}

func (p *partyView) household() *surat.Household {
	if p.res != nil {
		return p.res.Household
	}
	return nil
}

func (p *partyView) householdPart(get func(*surat.Household) string) string {
	if h := p.household(); h != nil {
		return get(h)
	}
	return ""
}

// resInt reads a register-only attribute; typed identities have none.
func (p *partyView) resInt(get func(*surat.Resident) int) int {
	if p.res != nil {
		return get(p.res)
	}
	return 0
}

func (p *partyView) resEnum(e surat.Enum, id int) string { return e.Label(id) }

// residentAddress is the address as OpenSID prints it:
// "Jl. Melati No. 12 RT 002 / RW 001 Dusun Krajan".
func residentAddress(h *surat.Household) string {
	if h == nil {
		return ""
	}
	parts := []string{}
	if a := strings.TrimSpace(h.Address); a != "" {
		parts = append(parts, a)
	}
	switch {
	case h.RT != "" && h.RW != "":
		parts = append(parts, "RT "+h.RT+" / RW "+h.RW)
	case h.RT != "":
		parts = append(parts, "RT "+h.RT)
	case h.RW != "":
		parts = append(parts, "RW "+h.RW)
	}
	if h.Dusun != "" {
		parts = append(parts, "Dusun "+h.Dusun)
	}
	return strings.Join(parts, " ")
}

// villageRegion is "Desa Sumberejo, Kecamatan Sanankulon, Kabupaten Blitar".
func villageRegion(v *surat.Village) string {
	s := villageName(v)
	if v.Kecamatan != "" {
		s += ", Kecamatan " + v.Kecamatan
	}
	if v.Kabupaten != "" {
		s += ", " + sebutanKab(v) + " " + v.Kabupaten
	}
	return s
}

func villageName(v *surat.Village) string {
	sebutan := v.Sebutan
	if sebutan == "" {
		sebutan = "Desa"
	}
	return sebutan + " " + v.Name
}

func sebutanKab(v *surat.Village) string {
	if v.SebutanKab == "" {
		return "Kabupaten"
	}
	return v.SebutanKab
}

const villageAttrNames = "nama, sebutan, nama_lengkap, kecamatan, kabupaten, sebutan_kabupaten, provinsi, " +
	"kode, alamat, kode_pos, telepon, email, wilayah"

// villageAttr returns attribute name of the village; ok is false for an
// unknown name.
func villageAttr(v *surat.Village, name string) (string, bool) {
	switch name {
	case "nama":
		return v.Name, true
	case "sebutan":
		if v.Sebutan == "" {
			return "Desa", true
		}
		return v.Sebutan, true
	case "nama_lengkap":
		return villageName(v), true
	case "kecamatan":
		return v.Kecamatan, true
	case "kabupaten":
		return v.Kabupaten, true
	case "sebutan_kabupaten":
		return sebutanKab(v), true
	case "provinsi":
		return v.Provinsi, true
	case "kode":
		return v.Code, true
	case "alamat":
		return v.Address, true
	case "kode_pos":
		return v.PostalCode, true
	case "telepon":
		return v.Phone, true
	case "email":
		return v.Email, true
	case "wilayah":
		if v.Name == "" {
			return "", true
		}
		return villageRegion(v), true
	}
	return "", false
}

// ageText is an age as letters print it: "48 tahun", or for babies
// "3 bulan" / "9 hari"; "" without a birth date.
func ageText(birth, at time.Time) string {
	if birth.IsZero() || birth.After(at) {
		return ""
	}
	if y := surat.AgeOn(birth, at); y > 0 {
		return fmt.Sprintf("%d tahun", y)
	}
	months := (at.Year()-birth.Year())*12 + int(at.Month()) - int(birth.Month())
	if at.Day() < birth.Day() {
		months--
	}
	if months > 0 {
		return fmt.Sprintf("%d bulan", months)
	}
	b := time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)
	a := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	return fmt.Sprintf("%d hari", int(a.Sub(b).Hours()/24))
}

// lowerFirst lower-cases the first letter of s, unless the second is upper
// case too (an acronym such as "KPR" or "SKCK").
func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) == 0 || !unicode.IsUpper(r[0]) || (len(r) > 1 && unicode.IsUpper(r[1])) {
		return s
	}
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// tidyParagraph fixes what joining typed values into a sentence breaks: a
// doubled full stop ("mestinya..") and a missing one at the end. An
// ellipsis ("...") is kept.
func tidyParagraph(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '.' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '.' {
			j++
		}
		if j-i == 2 {
			b.WriteByte('.')
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	s = b.String()
	if s != "" {
		last, _ := utf8.DecodeLastRuneInString(s)
		if unicode.IsLetter(last) || unicode.IsDigit(last) {
			s += "."
		}
	}
	return s
}
