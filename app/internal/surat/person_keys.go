package surat

// The details of a typed person (someone outside the register), as the
// letter form's inputs, the API's JSON and the problems of Person.Validate
// name them. A detail's key is the person's key, a dot and the detail.
const (
	PersonName        = "nama"
	PersonNIK         = "nik"
	PersonBirthPlace  = "tempat_lahir"
	PersonBirthDate   = "tanggal_lahir"
	PersonSex         = "jenis_kelamin"
	PersonReligion    = "agama"
	PersonOccupation  = "pekerjaan"
	PersonCitizenship = "kewarganegaraan"
	PersonAddress     = "alamat"
)

// PersonDetails lists every detail of a typed person in form order.
var PersonDetails = []string{PersonName, PersonNIK, PersonBirthPlace, PersonBirthDate, PersonSex,
	PersonReligion, PersonOccupation, PersonCitizenship, PersonAddress}

// PersonKey is the key of one detail of the typed person whose key is
// person: "subject.saksi.nama".
func PersonKey(person, detail string) string { return person + "." + detail }
