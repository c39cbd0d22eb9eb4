// Package letters is the letter catalogue: it loads the module files of
// templates/letters (one YAML file per letter type), checks them once at
// start-up, validates what a clerk or resident submits for a module, and
// builds the typed surat.Document the PDF renderer draws.
//
// The file format is described in templates/letters/README.md. Every
// placeholder, field type, enumeration and rule in a module file is checked
// by Load, so a typo stops the application with the file and line instead of
// printing "<no value>" in a signed letter.
package letters

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/parallel"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// SubjectKind says who or what a subject role of a module is.
type SubjectKind string

// The subject kinds.
const (
	// KindResident is one resident of the village, picked from the register.
	KindResident SubjectKind = "resident"
	// KindPerson is a resident or a typed non-resident identity (surat.Person).
	KindPerson SubjectKind = "person"
	// KindHousehold is a resident together with the members of their KK.
	KindHousehold SubjectKind = "household"
	// KindResidentList is a list of residents (followers, for example).
	KindResidentList SubjectKind = "resident_list"
	// KindPersonList is a list of residents or typed identities (heirs).
	KindPersonList SubjectKind = "person_list"
)

func (k SubjectKind) valid() bool {
	switch k {
	case KindResident, KindPerson, KindHousehold, KindResidentList, KindPersonList:
		return true
	}
	return false
}

// IsList reports whether the kind holds several people.
func (k SubjectKind) IsList() bool { return k == KindResidentList || k == KindPersonList }

// AllowsTyped reports whether a typed non-resident identity is accepted.
func (k SubjectKind) AllowsTyped() bool { return k == KindPerson || k == KindPersonList }

// FieldType is the type of an extra field of a module.
type FieldType string

// The field types.
const (
	TypeText     FieldType = "text"     // one line
	TypeTextarea FieldType = "textarea" // several lines
	TypeDate     FieldType = "date"     // 2006-01-02, 02-01-2006 or 02/01/2006
	TypeTime     FieldType = "time"     // 15:04 or 15.04
	TypeInt      FieldType = "int"      // whole number
	TypeMoney    FieldType = "money"    // rupiah, "1500000", "1.500.000" or "Rp 1.500.000"
	TypeEnum     FieldType = "enum"     // one of Options
)

func (t FieldType) valid() bool {
	switch t {
	case TypeText, TypeTextarea, TypeDate, TypeTime, TypeInt, TypeMoney, TypeEnum:
		return true
	}
	return false
}

// Module is one letter type, as read from its file.
type Module struct {
	Code        string // e.g. "sk_domisili"; unique in the catalogue
	Title       string // e.g. "Surat Keterangan Domisili"
	Description string // one line for the module picker
	// Klasifikasi is the default kode surat (Permendagri 78/2012 code); a
	// village may override it in its Settings.
	Klasifikasi string
	Validity    Validity
	// Online says whether residents may request the letter themselves by
	// default.
	Online bool
	// Requirements are the documents an applicant brings (persyaratan),
	// shown on the letter's forms; empty when the module names none.
	Requirements []string
	Subjects     []SubjectSpec // in form order; the first is the main subject
	Fields       []FieldSpec   // in form order
	File         string        // file name inside the catalogue file system
	// Origin says which layer of the catalogue the module comes from and
	// which version of its file it is.
	Origin Origin

	source      []byte // the file as read
	body        []block
	signatures  []sigGroupSpec
	forms       []formSpec
	newResident *newResidentSpec
	codeLine    int
}

// Subject returns the spec of role, or nil.
func (m *Module) Subject(role string) *SubjectSpec {
	for i := range m.Subjects {
		if m.Subjects[i].Role == role {
			return &m.Subjects[i]
		}
	}
	return nil
}

// Field returns the spec of the field called name, or nil.
func (m *Module) Field(name string) *FieldSpec {
	for i := range m.Fields {
		if m.Fields[i].Name == name {
			return &m.Fields[i]
		}
	}
	return nil
}

// MainRole is the role of the letter's main subject (the first one), whose
// name the verification page shows masked.
func (m *Module) MainRole() string { return m.Subjects[0].Role }

// Validity is a letter's validity period, e.g. 1 bulan or 30 hari.
type Validity struct {
	Count int
	Unit  string // hari, minggu, bulan or tahun
}

// String prints the period as written in module files: "1 bulan".
func (v Validity) String() string { return fmt.Sprintf("%d %s", v.Count, v.Unit) }

// Until is the last day of validity for a letter issued on issued. A
// period in months or years ends on the same day of the month, or on the
// month's last day when it has no such day: "1 bulan" from 31 January ends
// on 28 February (29 in a leap year), as a clerk counts it, not on 3 March
// (time.AddDate).
func (v Validity) Until(issued time.Time) time.Time {
	switch v.Unit {
	case "hari":
		return issued.AddDate(0, 0, v.Count)
	case "minggu":
		return issued.AddDate(0, 0, 7*v.Count)
	case "bulan":
		return addMonths(issued, v.Count)
	default: // tahun
		return addMonths(issued, 12*v.Count)
	}
}

// addMonths is t n calendar months later (earlier for n < 0), on the same
// day of the month or the month's last day when it is shorter.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	// Day 0 of the month after the target is the target's last day.
	last := time.Date(y, m+time.Month(n)+1, 0, 0, 0, 0, 0, t.Location()).Day()
	return time.Date(y, m+time.Month(n), min(d, last), hh, mm, ss, t.Nanosecond(), t.Location())
}

func parseValidity(s string) (Validity, error) {
	var v Validity
	parts := strings.Fields(s)
	if len(parts) != 2 {
		return v, msgf("validity %q must be a number and a unit, e.g. \"1 bulan\" or \"30 hari\"", s)
	}
	if _, err := fmt.Sscanf(parts[0], "%d", &v.Count); err != nil || v.Count < 1 || v.Count > 3650 ||
		fmt.Sprint(v.Count) != parts[0] {
		return v, msgf("validity %q: the number must be between 1 and 3650", s)
	}
	switch parts[1] {
	case "hari", "minggu", "bulan", "tahun":
		v.Unit = parts[1]
	default:
		return v, msgf("validity %q: unit must be hari, minggu, bulan or tahun", s)
	}
	return v, nil
}

// SubjectSpec is one role of a module: who the letter is about or who takes
// part in it, with the rules the chosen people must satisfy.
type SubjectSpec struct {
	Role     string // machine name, e.g. "pemohon"; prefix of its placeholders
	Label    string // Indonesian label, e.g. "Pemohon"
	Kind     SubjectKind
	Required bool
	// LifeStatus lists the status dasar values a resident may have (default
	// HIDUP only). Typed identities carry no status and are not checked.
	LifeStatus []int
	// Sex, when not 0, is the only sex allowed (surat.SexMale/SexFemale).
	Sex int
	// MaritalStatus, when not empty, lists the allowed status perkawinan.
	MaritalStatus []int
	// Relations, when not empty, lists the allowed SHDK of a resident.
	Relations []int
	// SameHousehold names a role whose resident must share this resident's
	// KK (typed identities are not checked).
	SameHousehold string
	// DifferentFrom names roles that must be other people.
	DifferentFrom []string
	// Min and Max bound the number of people in a list (0 = no bound).
	Min, Max int
	// ItemRelations, for lists, are the options of each item's hubungan
	// (e.g. an heir's relation to the deceased); empty means none is asked.
	ItemRelations []string
	// WajibKTP requires a resident who must hold a KTP-el: 17 or older, or
	// ever married.
	WajibKTP bool
	// MarkDeadOnSign tells the letter store to record this resident as MATI
	// when the letter is signed (sk_kematian); building the letter changes
	// nothing.
	MarkDeadOnSign bool
	// DiedOn names the date field that holds this person's date of death.
	// For a resident whose death the register records, the register's date
	// is used: the field may be left empty, and a different date is refused.
	// Otherwise the field is required.
	DiedOn string
	// TypedRequired lists the attributes a typed identity must have besides
	// its name (a newborn: jenis_kelamin, tempat_lahir, tanggal_lahir).
	TypedRequired []string
	// Example names the demo persona(s) used for previews.
	Example []string

	line       int
	diedOnLine int
}

// FieldSpec is one extra field of a module.
type FieldSpec struct {
	Name     string // machine name; placeholder {{field.<name>}}
	Label    string // Indonesian label for forms and messages
	Type     FieldType
	Required bool
	// MaxLength bounds text and textarea values in characters (defaults 200
	// and 1000).
	MaxLength int
	// Min and Max bound int and money values when HasMin/HasMax.
	Min, Max       int64
	HasMin, HasMax bool
	// Options are the choices of an enum field (from the file, or the labels
	// of the register enumeration named by Enum).
	Options []string
	Enum    string // register enumeration name (agama, pekerjaan...), or ""
	Default string // value used when the submitted one is empty
	// NotFuture rejects a date after the letter's date (birth, death...).
	NotFuture bool
	// NotPast rejects a date before the letter's date (a planned event).
	NotPast bool
	// NotBefore names a date field this date may not precede.
	NotBefore string
	// Digits, when not 0, requires a text of exactly that many digits
	// (a No. KK or NIK typed by hand).
	Digits  int
	Hint    string // help text for forms
	Example string // demo value for previews
	line    int
}

// Catalogue is the loaded, checked set of modules. It is immutable and safe
// for concurrent use.
type Catalogue struct {
	modules []*Module
	byCode  map[string]*Module
}

// Module returns the module with the given code, or nil.
func (c *Catalogue) Module(code string) *Module { return c.byCode[code] }

// Modules lists every module, ordered by code.
func (c *Catalogue) Modules() []*Module { return append([]*Module(nil), c.modules...) }

// LoadError is a problem in a module file, at a line. Msg is English, for
// logs and CI; Indonesian says the same for the people who edit modules in
// the browser.
type LoadError struct {
	File string
	Line int
	Msg  string

	// format and args made Msg; Indonesian translates format and formats
	// the same args.
	format string
	args   []any
}

// newLoadError is a LoadError whose message is fmt.Sprintf(format, args...).
func newLoadError(file string, line int, format string, args ...any) *LoadError {
	return &LoadError{File: file, Line: line, Msg: fmt.Sprintf(format, args...), format: format, args: args}
}

// Error prints "file:line: message", the form editors and CI logs link to.
func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads every *.yaml file at the root of fsys as one module and checks
// it. It returns every problem found, each a *LoadError naming file and line
// (joined with errors.Join), or a catalogue in which every placeholder,
// field type, enumeration and rule is known to be valid.
func Load(fsys fs.FS) (*Catalogue, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("letters: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("letters: no module files (*.yaml) found")
	}
	sort.Strings(names)
	// The files are read and parsed on every CPU (a module's parse depends
	// on its file alone), then checked against each other in name order, so
	// the errors come out in the same order as from one goroutine.
	type parsed struct {
		m    *Module
		errs []error
	}
	out := make([]parsed, len(names))
	parallel.For(len(names), runtime.GOMAXPROCS(0), func(i int) {
		data, err := fs.ReadFile(fsys, names[i])
		if err != nil {
			out[i].errs = []error{newLoadError(names[i], 0, "%s", err.Error())}
			return
		}
		out[i].m, out[i].errs = parseModule(path.Base(names[i]), data)
	})
	c := &Catalogue{byCode: map[string]*Module{}}
	seen := map[string]string{} // code -> file, including files with errors
	var errs []error
	for i, name := range names {
		m, ferrs := out[i].m, out[i].errs
		errs = append(errs, ferrs...)
		if m == nil {
			continue
		}
		if prev, dup := seen[m.Code]; dup {
			errs = append(errs, newLoadError(name, m.codeLine, "duplicate code %q (already defined in %s)", m.Code, prev))
			continue
		}
		seen[m.Code] = name
		if len(ferrs) == 0 {
			c.byCode[m.Code] = m
			c.modules = append(c.modules, m)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(c.modules, func(i, j int) bool { return c.modules[i].Code < c.modules[j].Code })
	return c, nil
}

// registerEnum finds a register enumeration by its machine name.
func registerEnum(name string) (surat.Enum, bool) {
	for _, e := range surat.Enumerations() {
		if e.Name == name {
			return e, true
		}
	}
	return surat.Enum{}, false
}

func enumNames() string {
	var names []string
	for _, e := range surat.Enumerations() {
		names = append(names, e.Name)
	}
	return strings.Join(names, ", ")
}
