package letters

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// ruleCase is one broken rule: a change to a module's demo input and the
// field error it must cause.
type ruleCase struct {
	name   string
	mutate func(in *Input)
	key    string // the error key, e.g. "subject.pemohon" or "field.tanggal_lahir"
	msg    string // part of the Indonesian message
}

// casesFor derives, from what module m declares, one case per rule: every
// required subject and field, every subject rule (life status, village,
// sex, marital status, SHDK, wajib KTP, same KK, different people, list
// bounds, each item's hubungan) and every field rule (type, length, digits,
// range, dates not in the future or past or before another date, enum
// options). Rules whose role the demo input leaves empty are skipped.
func casesFor(m *Module, base Input) []ruleCase {
	var cs []ruleCase
	add := func(name, key, msg string, mutate func(in *Input)) {
		cs = append(cs, ruleCase{name: name, key: key, msg: msg, mutate: mutate})
	}
	// first returns the person a role holds: the subject itself, or the
	// first item of a list.
	first := func(in *Input, role string) *Subject {
		s, ok := in.Subjects[role]
		if !ok {
			return nil
		}
		if len(s.Items) > 0 {
			return &s.Items[0]
		}
		in.Subjects[role] = s
		return &s
	}

	for _, s := range m.Subjects {
		role, key := s.Role, "subject."+s.Role
		sub, given := base.Subjects[role]
		if s.Required {
			add(role+" missing", key, "wajib diisi", func(in *Input) { delete(in.Subjects, role) })
		}
		if !given {
			continue
		}
		pkey := key // where a problem of the (first) person is reported
		if s.Kind.IsList() {
			pkey = key + ".1"
		}
		if s.Kind.IsList() {
			if s.Min > 1 {
				add(role+" too few", key, fmt.Sprintf("paling sedikit %d orang", s.Min), func(in *Input) {
					in.Subjects[role] = Subject{Items: in.Subjects[role].Items[:1]}
				})
			}
			if s.Max > 0 {
				add(role+" too many", key, fmt.Sprintf("paling banyak %d orang", s.Max), func(in *Input) {
					items := in.Subjects[role].Items
					var more []Subject
					for len(more) <= s.Max {
						more = append(more, items...)
					}
					in.Subjects[role] = Subject{Items: more}
				})
			}
			if len(s.ItemRelations) > 0 {
				add(role+" unknown hubungan", pkey+".hubungan", "Hubungan harus salah satu dari", func(in *Input) {
					in.Subjects[role].Items[0].Relation = "Tetangga jauh"
				})
			}
		}
		p := sub
		if s.Kind.IsList() {
			p = sub.Items[0]
		}
		if p.Resident != nil {
			if !containsInt(s.LifeStatus, surat.LifeDead) {
				add(role+" dead", pkey, "tercatat sudah meninggal dunia", func(in *Input) {
					first(in, role).Resident.LifeStatus = surat.LifeDead
				})
			}
			if !containsInt(s.LifeStatus, surat.LifeMoved) {
				add(role+" moved", pkey, "tercatat sudah pindah", func(in *Input) {
					first(in, role).Resident.LifeStatus = surat.LifeMoved
				})
			}
			if !containsInt(s.LifeStatus, surat.LifeAlive) {
				add(role+" alive", pkey, "tercatat masih hidup", func(in *Input) {
					first(in, role).Resident.LifeStatus = surat.LifeAlive
				})
			}
			add(role+" of another village", pkey, "bukan penduduk Desa Sumberejo", func(in *Input) {
				first(in, role).Resident.VillageID = 99
			})
			if s.Sex != 0 {
				add(role+" wrong sex", pkey, "harus "+strings.ToLower(surat.Sex.Label(s.Sex)), func(in *Input) {
					first(in, role).Resident.Sex = 3 - s.Sex
				})
			}
			if len(s.MaritalStatus) > 0 {
				other := 0
				for _, id := range []int{1, 2, 3, 4} {
					if !containsInt(s.MaritalStatus, id) {
						other = id
						break
					}
				}
				add(role+" wrong status kawin", pkey, "harus berstatus", func(in *Input) {
					first(in, role).Resident.MaritalStatus = other
				})
			}
			if len(s.Relations) > 0 {
				other := 0
				for id := 1; id <= 11; id++ {
					if !containsInt(s.Relations, id) && surat.FamilyRelation.Valid(id) {
						other = id
						break
					}
				}
				add(role+" wrong SHDK", pkey, "harus berkedudukan", func(in *Input) {
					first(in, role).Resident.Relation = other
				})
			}
			if s.WajibKTP {
				add(role+" not wajib KTP", pkey, "belum wajib KTP-el", func(in *Input) {
					r := first(in, role).Resident
					r.MaritalStatus = surat.MaritalSingle
					r.BirthDate = testNow.AddDate(-12, 0, 0)
				})
			}
			if s.SameHousehold != "" {
				add(role+" of another KK", pkey, "harus satu KK dengan", func(in *Input) {
					other := int64(999)
					first(in, role).Resident.HouseholdID = &other
				})
			}
			if !s.Kind.AllowsTyped() {
				add(role+" typed identity", pkey, "harus dipilih dari data penduduk", func(in *Input) {
					typed := persona("luar_desa_pria", KindPerson)
					if s.Kind.IsList() {
						in.Subjects[role].Items[0] = typed
					} else {
						in.Subjects[role] = typed
					}
				})
			}
		}
		if p.Person != nil {
			if s.Sex != 0 {
				add(role+" typed, wrong sex", pkey, "harus "+strings.ToLower(surat.Sex.Label(s.Sex)), func(in *Input) {
					first(in, role).Person.Sex = 3 - s.Sex
				})
			}
			add(role+" typed, born in the future", pkey+".tanggal_lahir", "tidak boleh di masa depan", func(in *Input) {
				first(in, role).Person.BirthDate = testNow.AddDate(0, 0, 2)
			})
			add(role+" typed, bad NIK", pkey+".nik", "16 digit", func(in *Input) {
				first(in, role).Person.NIK = "35051201"
			})
			for _, a := range s.TypedRequired {
				add(role+" typed, no "+a, pkey+"."+a, "wajib", func(in *Input) {
					ps := first(in, role).Person
					switch a {
					case "jenis_kelamin":
						ps.Sex = 0
					case "tempat_lahir":
						ps.BirthPlace = ""
					case "tanggal_lahir":
						ps.BirthDate = time.Time{}
					case "nik":
						ps.NIK = ""
					case "agama":
						ps.Religion = 0
					case "pekerjaan":
						ps.Occupation = 0
					case "kewarganegaraan":
						ps.Citizenship = 0
					case "alamat":
						ps.Address = ""
					}
				})
			}
		}
		if f := s.DiedOn; f != "" && p.Resident != nil && !p.DeathDate.IsZero() {
			add(role+" death date unlike the register's", "field."+f, "tercatat di data penduduk", func(in *Input) {
				in.Fields[f] = p.DeathDate.AddDate(0, 0, -1).Format("2006-01-02")
			})
		}
		if f := s.DiedOn; f != "" {
			add(role+" death date missing", "field."+f, "wajib diisi", func(in *Input) {
				r := in.Subjects[role]
				r.DeathDate = time.Time{}
				in.Subjects[role] = r
				if r.Resident != nil {
					r.Resident.LifeStatus = surat.LifeAlive
					if !containsInt(s.LifeStatus, surat.LifeAlive) {
						r.Resident.LifeStatus = surat.LifeDead
					}
				}
				delete(in.Fields, f)
			})
		}
		for _, o := range s.DifferentFrom {
			if _, ok := base.Subjects[o]; !ok {
				continue
			}
			if other := first(&base, o); other.Resident == nil && other.Person.NIK == "" {
				continue // a typed person without NIK (a newborn) cannot be compared
			}
			// The same NIK makes the same person; nothing else changes, so
			// this rule alone is broken.
			add(role+" same as "+o, pkey, "tidak boleh orang yang sama dengan", func(in *Input) {
				nik := personAttrOf(&partyView{res: first(in, o).Resident, per: first(in, o).Person}, "nik")
				if q := first(in, role); q.Resident != nil {
					q.Resident.NIK = nik
				} else {
					q.Person.NIK = nik
				}
			})
		}
	}

	for _, f := range m.Fields {
		name, key := f.Name, "field."+f.Name
		set := func(v string) func(in *Input) { return func(in *Input) { in.Fields[name] = v } }
		if f.Required && f.Default == "" {
			add(name+" empty", key, "wajib", set(""))
		}
		switch f.Type {
		case TypeText, TypeTextarea:
			add(name+" too long", key, fmt.Sprintf("paling banyak %d karakter", f.MaxLength), set(strings.Repeat("a", f.MaxLength+1)))
			if f.Digits > 0 {
				add(name+" not digits", key, fmt.Sprintf("harus %d digit angka", f.Digits), set(strings.Repeat("1", f.Digits-1)+"x"))
			}
		case TypeInt, TypeMoney:
			add(name+" not a number", key, "harus berupa", set("dua puluh"))
			switch {
			case f.HasMin && f.Min > 0:
				add(name+" below minimum", key, "paling sedikit", set(fmt.Sprint(f.Min-1)))
			case f.HasMin:
				// Amounts are typed without a sign: a negative one is not a
				// number at all.
				add(name+" negative", key, "harus berupa", set(fmt.Sprint(f.Min-1)))
			}
			if f.HasMax {
				add(name+" above maximum", key, "paling banyak", set(fmt.Sprint(f.Max+1)))
			}
		case TypeDate:
			add(name+" not a date", key, "harus berupa tanggal yang benar", set("30-02-2020"))
			if f.NotFuture {
				add(name+" in the future", key, "tidak boleh melewati tanggal surat", set(testNow.AddDate(0, 0, 1).Format("2006-01-02")))
			}
			if f.NotPast {
				add(name+" in the past", key, "tidak boleh sebelum tanggal surat", set(testNow.AddDate(0, 0, -1).Format("2006-01-02")))
			}
			if o := f.NotBefore; o != "" {
				add(name+" before "+o, key, "tidak boleh sebelum", func(in *Input) {
					in.Fields[o] = testNow.AddDate(0, 0, 10).Format("2006-01-02")
					in.Fields[name] = testNow.AddDate(0, 0, 9).Format("2006-01-02")
				})
			}
		case TypeTime:
			add(name+" not a time", key, "harus berupa jam yang benar", set("24:61"))
		case TypeEnum:
			add(name+" not an option", key, "", set("Pilihan yang tidak ada"))
		}
	}
	add("unknown field", "field.tidak_ada", "Isian tidak dikenal", func(in *Input) { in.Fields["tidak_ada"] = "x" })
	return cs
}

// TestEveryModuleEnforcesItsRules breaks, one at a time, every rule each
// module declares, starting from its valid demo input, and checks that
// Build refuses with an Indonesian message on the right key and returns no
// document.
func TestEveryModuleEnforcesItsRules(t *testing.T) {
	c := shipped(t)
	total := 0
	for _, m := range c.Modules() {
		t.Run(m.Code, func(t *testing.T) {
			base := Demo(m, testNow)
			if _, err := c.Build(base); err != nil {
				t.Fatalf("demo input rejected: %v", err)
			}
			cases := casesFor(m, base)
			subjectRules := 0
			for _, tc := range cases {
				if strings.HasPrefix(tc.key, "subject.") && !strings.HasSuffix(tc.name, " missing") {
					subjectRules++
				}
				in := Demo(m, testNow) // fresh copies of every person
				tc.mutate(&in)
				doc, err := c.Build(in)
				fields, ok := surat.FieldErrors(err)
				switch {
				case !ok:
					t.Errorf("%s: got document %v, error %v; want a field error on %s", tc.name, doc != nil, err, tc.key)
				case fields[tc.key] == "":
					t.Errorf("%s: no error on %s; got %v", tc.name, tc.key, fields)
				case !strings.Contains(fields[tc.key], tc.msg):
					t.Errorf("%s: %s = %q, want it to contain %q", tc.name, tc.key, fields[tc.key], tc.msg)
				case doc != nil:
					t.Errorf("%s: a document came back with the error", tc.name)
				}
			}
			if subjectRules == 0 {
				t.Errorf("no subject rule was tested for %s", m.Code)
			}
			total += len(cases)
		})
	}
	t.Logf("%d broken rules checked in %d modules", total, len(c.Modules()))
}
