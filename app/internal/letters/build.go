package letters

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Input is everything needed to build one letter. The caller resolves
// residents from the register (with their Household, and the KK members
// where the module shows them); the catalogue checks them against the
// module's rules and never trusts that the caller did.
type Input struct {
	Module  string        // module code, e.g. "sk_domisili"
	Village surat.Village // the issuing village; every resident must belong to it
	Logo    []byte        // village logo for the kop (PNG or JPEG), or nil
	// Settings are the village's settings for the module (kode surat,
	// validity, enabled); nil means the module's defaults.
	Settings *surat.LetterSettings
	// Subjects holds the people of the letter by role. Roles the module
	// does not declare are rejected.
	Subjects map[string]Subject
	// Fields holds the submitted field values, as typed in a form or sent
	// as JSON strings. Names the module does not declare are rejected.
	Fields map[string]string
	Signer Signer
	// Date is the letter date, from the injected clock, in the village's
	// civil time (surat.LetterTime): its calendar day is the one printed.
	Date time.Time
	// Number is the full letter number, or "" for a draft or a letter not
	// yet numbered.
	Number string
	Draft  bool
	// Unprintable finds the first character of a text that the renderer
	// would print as "?" (pdf.Renderer.Unprintable): such text in a field
	// or a person's name, birthplace or address is refused with a message,
	// rather than a signed letter showing "MUHAMMAD ????". Nil checks
	// nothing.
	Unprintable func(string) (rune, bool)
}

// Subject is one role's people. Which members are used depends on the
// role's kind:
//   - resident: Resident (with Household; Members optional, used for the
//     kepala keluarga's name)
//   - person: Resident, or Person for a typed non-resident identity
//   - household: Resident and Members (the whole KK, head included)
//   - resident_list, person_list: Items, each a Resident or a Person, with
//     Relation when the role asks for each item's hubungan
type Subject struct {
	Resident *surat.Resident
	Person   *surat.Person
	Members  []surat.Resident
	Items    []Subject
	Relation string
	// DeathDate is the register's date of death of a Resident recorded
	// MATI (its death event), or zero when none is recorded.
	DeathDate time.Time
}

func (s Subject) given() bool { return s.Resident != nil || s.Person != nil || len(s.Items) > 0 }

// SignMode is how the official signs (docs/design.md §4).
type SignMode string

// The signing modes.
const (
	// SignDirect: the kepala desa signs in their own name ("" means the same).
	SignDirect SignMode = "langsung"
	// SignAN: "a.n. Kepala Desa", signed by an official allowed to (CanSignAN).
	SignAN SignMode = "an"
	// SignUB: "a.n. Kepala Desa / Sekretaris Desa / u.b.", signed by an
	// official allowed to (CanSignUB).
	SignUB SignMode = "ub"
)

// Signer is the official who signs and how.
type Signer struct {
	Official surat.Official
	Mode     SignMode
	// HeadJabatan is the kepala desa's office for the "a.n." line; "" means
	// "Kepala Desa" (or "Lurah" in a kelurahan).
	HeadJabatan string
	// ANJabatan is, for u.b., the office of the official on whose behalf the
	// signer acts; "" means "Sekretaris Desa" (or "Sekretaris Kelurahan").
	ANJabatan string
}

// Build validates in and returns the complete letter document.
//
// Problems the user can fix are returned as a *surat.ValidationError with
// Indonesian messages keyed "module", "subject.<role>" (list items
// "subject.<role>.<n>", typed identities "subject.<role>.nama" etc.),
// "field.<name>" and "penandatangan". A missing letter date is a
// programming error and returned as a plain error.
func (c *Catalogue) Build(in Input) (*surat.Document, error) {
	m := c.Module(in.Module)
	if m == nil {
		return nil, &surat.ValidationError{Fields: map[string]string{
			"module": fmt.Sprintf("Jenis surat %q tidak dikenal", in.Module)}}
	}
	return m.Build(in)
}

// Build is Catalogue.Build with this module, whatever in.Module says: the
// way a letter is built with the version of its module it was drafted with
// (see Origin).
func (m *Module) Build(in Input) (*surat.Document, error) {
	if in.Date.IsZero() {
		return nil, errors.New("letters: build " + m.Code + ": no letter date")
	}
	if in.Settings != nil && !in.Settings.Enabled {
		return nil, &surat.ValidationError{Fields: map[string]string{
			"module": m.Title + " tidak diaktifkan untuk " + villageName(&in.Village)}}
	}
	today := time.Date(in.Date.Year(), in.Date.Month(), in.Date.Day(), 0, 0, 0, 0, time.UTC)
	e := &env{
		m: m, live: true, village: in.Village, at: in.Date, number: in.Number, unprintable: in.Unprintable,
		kode:   m.kodeSurat(in.Settings),
		fields: map[string]fieldValue{},
		one:    map[string]*partyView{},
		many:   map[string][]*partyView{},
	}
	if until, ok := m.ValidUntil(in.Date, in.Settings); ok {
		e.until = until
	}
	p := surat.Problems{}
	e.checkSubjects(in, p, today)
	e.checkFields(in, p, today)
	e.checkDeaths(in, p)
	sb, sv := signerBlock(in, p)
	e.signer = sv
	if err := p.Err(); err != nil {
		return nil, err
	}
	paper := in.Village.Paper
	if paper == "" {
		paper = surat.PaperF4
	}
	return &surat.Document{
		Paper:      paper,
		Village:    in.Village,
		LogoPNG:    in.Logo,
		Title:      strings.ToUpper(m.Title),
		Number:     in.Number,
		Blocks:     e.evalBlocks(m.body),
		Place:      in.Village.Name,
		Date:       in.Date,
		Signer:     sb,
		Signatures: e.signatures(m.signatures),
		Forms:      e.forms(),
		Draft:      in.Draft,
	}, nil
}

func (e *env) checkFields(in Input, p surat.Problems, today time.Time) {
	for name := range in.Fields {
		if e.m.Field(name) == nil {
			p.Add(FieldKey(name), "Isian tidak dikenal untuk "+e.m.Title)
		}
	}
	for i := range e.m.Fields {
		f := &e.m.Fields[i]
		key := FieldKey(f.Name)
		raw := in.Fields[f.Name]
		if strings.TrimSpace(raw) == "" {
			raw = f.Default
		}
		v, msg := f.parse(raw, today)
		if msg == "" {
			msg = e.unprintableText(f.Label, raw)
		}
		if msg != "" {
			p.Add(key, msg)
			continue
		}
		if !v.set && f.Required {
			if f.Type == TypeEnum {
				p.Add(key, f.Label+" wajib dipilih")
			} else {
				p.Add(key, f.Label+" wajib diisi")
			}
			continue
		}
		e.fields[f.Name] = v
	}
	for i := range e.m.Fields {
		f := &e.m.Fields[i]
		if f.NotBefore == "" {
			continue
		}
		v, other := e.fields[f.Name], e.fields[f.NotBefore]
		if v.set && other.set && v.date.Before(other.date) {
			p.Add(FieldKey(f.Name), f.Label+" tidak boleh sebelum "+strings.ToLower(e.m.Field(f.NotBefore).Label))
		}
	}
}

// evalBlocks evaluates body blocks (of the letter or a form).
func (e *env) evalBlocks(bs []block) []surat.Block {
	var out []surat.Block
	for _, b := range bs {
		if !e.condsTrue(b.cond) {
			continue
		}
		switch b.kind {
		case surat.Paragraph:
			text, _ := e.render(b.text, scopeTop, nil, 0)
			out = append(out, surat.Block{Kind: b.kind, Text: tidyParagraph(text)})
		case surat.Heading:
			text, _ := e.render(b.text, scopeTop, nil, 0)
			out = append(out, surat.Block{Kind: b.kind, Text: strings.TrimSpace(text)})
		case surat.Rows:
			if rows := e.evalRows(b.rows); len(rows) > 0 {
				out = append(out, surat.Block{Kind: surat.Rows, Rows: rows, Indent: b.indent})
			}
		case surat.Table:
			items := e.many[b.table.source]
			if len(items) == 0 {
				continue
			}
			t := surat.Block{Kind: surat.Table}
			for _, c := range b.table.columns {
				t.Header = append(t.Header, c.header)
			}
			for i, item := range items {
				row := make([]string, len(b.table.columns))
				for j, c := range b.table.columns {
					v, empty := e.render(c.value, scopeItem, item, i+1)
					if empty {
						v = "-"
					}
					row[j] = v
				}
				t.Cells = append(t.Cells, row)
			}
			out = append(out, t)
		}
	}
	return out
}

// evalRows evaluates label : value rows, leaving out those whose condition
// fails.
func (e *env) evalRows(rs []rowSpec) []surat.Row {
	var rows []surat.Row
	for _, r := range rs {
		if !e.condsTrue(r.cond) {
			continue
		}
		v, empty := e.render(r.value, scopeTop, nil, 0)
		if empty {
			v = "-"
		}
		rows = append(rows, surat.Row{Label: r.label, Value: v})
	}
	return rows
}

// checkDeaths applies died_on: a resident whose death the register
// records has that date, and a typed date that differs is refused; anyone
// else needs the date typed. The date is then the person's date of death
// for {{<role>.tanggal_meninggal}} and {{<role>.usia_meninggal}}.
func (e *env) checkDeaths(in Input, p surat.Problems) {
	for i := range e.m.Subjects {
		s := &e.m.Subjects[i]
		v := e.one[s.Role]
		if s.DiedOn == "" || v == nil {
			continue
		}
		f := e.m.Field(s.DiedOn)
		key := "field." + f.Name
		typed := e.fields[f.Name]
		registered := in.Subjects[s.Role].DeathDate
		switch {
		case v.res != nil && v.res.LifeStatus == surat.LifeDead && !registered.IsZero():
			if typed.set && !typed.date.Equal(registered) {
				p.Add(key, fmt.Sprintf("%s tercatat di data penduduk %s; kosongkan isian ini atau samakan",
					f.Label, surat.FormatDate(registered)))
				continue
			}
			v.died = registered
			e.fields[f.Name] = fieldValue{set: true, raw: registered.Format("2006-01-02"),
				text: surat.FormatDate(registered), date: registered}
		case !typed.set:
			if _, bad := p[key]; !bad {
				p.Add(key, f.Label+" wajib diisi")
			}
		default:
			if b := v.birthDate(); !b.IsZero() && typed.date.Before(b) {
				p.Add(key, f.Label+" tidak boleh sebelum tanggal lahir")
				continue
			}
			v.died = typed.date
		}
	}
}

// signerBlock checks the signer and lays out the signature block and the
// office named in the opening sentence.
func signerBlock(in Input, p surat.Problems) (surat.SignerBlock, signerView) {
	s, v := in.Signer, &in.Village
	o := s.Official
	const key = "penandatangan"
	if o.Name == "" {
		p.Add(key, "Penandatangan wajib dipilih")
		return surat.SignerBlock{}, signerView{}
	}
	if o.VillageID != v.ID {
		p.Add(key, o.Name+" bukan perangkat "+villageName(v))
	} else if !o.Active {
		p.Add(key, o.Name+" tidak lagi aktif sebagai perangkat desa")
	} else if (o.ActiveFrom != nil && in.Date.Before(*o.ActiveFrom)) ||
		(o.ActiveUntil != nil && in.Date.After(*o.ActiveUntil)) {
		p.Add(key, o.Name+" tidak menjabat pada tanggal surat")
	}
	head := s.HeadJabatan
	if head == "" {
		head = "Kepala " + sebutanOf(v)
		if strings.EqualFold(v.Sebutan, "Kelurahan") {
			head = "Lurah"
		}
	}
	headOffice := office(head, v)
	sb := surat.SignerBlock{Name: o.Name, NIP: nipLine(o.NIP)}
	sv := signerView{name: o.Name, nip: sb.NIP}
	switch s.Mode {
	case SignDirect, "":
		if !o.IsHead {
			p.Add(key, o.Name+" bukan kepala desa; pilih tanda tangan a.n. atau u.b.")
		}
		sb.Jabatan = office(o.Jabatan, v)
		sv.jabatan = sb.Jabatan
	case SignAN:
		if !o.CanSignAN {
			p.Add(key, o.Name+" tidak berwenang menandatangani atas nama (a.n.) kepala desa")
		}
		sb.Above = []string{"a.n. " + headOffice}
		sb.Jabatan = o.Jabatan
		sv.jabatan = office(o.Jabatan, v) + ", atas nama " + headOffice
	case SignUB:
		if !o.CanSignUB {
			p.Add(key, o.Name+" tidak berwenang menandatangani untuk beliau (u.b.)")
		}
		an := s.ANJabatan
		if an == "" {
			an = "Sekretaris " + sebutanOf(v)
		}
		sb.Above = []string{"a.n. " + headOffice, an, "u.b."}
		sb.Jabatan = o.Jabatan
		sv.jabatan = office(o.Jabatan, v) + ", atas nama " + headOffice
	default:
		p.Add(key, fmt.Sprintf("Cara tanda tangan %q tidak dikenal", s.Mode))
	}
	return sb, sv
}

func sebutanOf(v *surat.Village) string {
	if v.Sebutan == "" {
		return "Desa"
	}
	return v.Sebutan
}

// office names a jabatan with its village: "Kepala Desa" -> "Kepala Desa
// Sumberejo", "Kasi Pelayanan" -> "Kasi Pelayanan Desa Sumberejo",
// "Lurah" -> "Lurah Sumberejo".
func office(jabatan string, v *surat.Village) string {
	j := strings.TrimSpace(jabatan)
	lj, ls := strings.ToLower(j), strings.ToLower(sebutanOf(v))
	switch {
	case v.Name == "" || strings.HasSuffix(lj, strings.ToLower(v.Name)):
		return j
	case strings.HasSuffix(lj, " "+ls) || lj == "lurah":
		return j + " " + v.Name
	}
	return j + " " + sebutanOf(v) + " " + v.Name
}

// nipLine prints the official's number as stored ("NIP. ...", "NIPD. ...");
// a bare number is labelled NIP, as an 18-digit civil-servant number is.
func nipLine(nip string) string {
	nip = strings.TrimSpace(nip)
	if nip == "" || strings.HasPrefix(strings.ToUpper(nip), "NIP") {
		return nip
	}
	return "NIP. " + nip
}

// sortMembers puts KK members in the order a KK lists them: by SHDK, then
// eldest first.
func sortMembers(ms []surat.Resident) {
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].Relation != ms[j].Relation {
			return ms[i].Relation < ms[j].Relation
		}
		return ms[i].BirthDate.Before(ms[j].BirthDate)
	})
}
