package surat

import "time"

// Person is the identity of someone who is not in the village register (a
// buyer from another village, a deceased parent, a witness from elsewhere),
// typed in by the clerk. It is OpenSID's "penduduk luar desa" block: only
// the name is required; NIK, when given, must be a valid 16-digit NIK.
type Person struct {
	NIK         string    `json:"nik,omitempty"`
	Name        string    `json:"nama"`
	BirthPlace  string    `json:"tempat_lahir,omitempty"`
	BirthDate   time.Time `json:"tanggal_lahir,omitzero"`
	Sex         int       `json:"jenis_kelamin,omitempty"`
	Religion    int       `json:"agama,omitempty"`
	Occupation  int       `json:"pekerjaan,omitempty"`
	Citizenship int       `json:"kewarganegaraan,omitempty"`
	Address     string    `json:"alamat,omitempty"`
}

// Validate checks the typed identity and records Indonesian messages in p
// under prefix + "." + field (nik, nama, tempat_lahir, tanggal_lahir,
// jenis_kelamin, agama, pekerjaan, kewarganegaraan, alamat). now is the
// current time (injected), against which a birth date may not lie in the
// future.
func (ps *Person) Validate(p Problems, prefix string, now time.Time) {
	key := func(detail string) string { return PersonKey(prefix, detail) }
	if ps.NIK != "" {
		if _, err := ParseNIK(ps.NIK); err != nil {
			p.Add(key(PersonNIK), err.Error())
		}
	}
	switch n := len([]rune(ps.Name)); {
	case n == 0:
		p.Add(key(PersonName), "Nama wajib diisi")
	case n > 100:
		p.Add(key(PersonName), "Nama paling banyak 100 karakter")
	default:
		if msg := ValidateName(ps.Name); msg != "" {
			p.Add(key(PersonName), msg)
		}
	}
	if len([]rune(ps.BirthPlace)) > 100 {
		p.Add(key(PersonBirthPlace), "Tempat lahir paling banyak 100 karakter")
	}
	if !ps.BirthDate.IsZero() {
		if ps.BirthDate.After(now) {
			p.Add(key(PersonBirthDate), "Tanggal lahir tidak boleh di masa depan")
		} else if ps.BirthDate.Year() < 1880 {
			p.Add(key(PersonBirthDate), "Tanggal lahir terlalu lampau")
		}
	}
	enum := func(field string, e Enum, v int) {
		if v != 0 && !e.Valid(v) {
			p.Add(key(field), e.Title+" tidak dikenal")
		}
	}
	enum(PersonSex, Sex, ps.Sex)
	enum(PersonReligion, Religion, ps.Religion)
	enum(PersonOccupation, Occupation, ps.Occupation)
	enum(PersonCitizenship, Citizenship, ps.Citizenship)
	if len([]rune(ps.Address)) > 300 {
		p.Add(key(PersonAddress), "Alamat paling banyak 300 karakter")
	}
}
