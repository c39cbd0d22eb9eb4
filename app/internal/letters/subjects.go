package letters

import (
	"fmt"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// checkSubjects validates every role of the module and fills e.one and
// e.many with what the body shows.
func (e *env) checkSubjects(in Input, p surat.Problems, today time.Time) {
	for role := range in.Subjects {
		if e.m.Subject(role) == nil {
			p.Add(SubjectKey(role), "Peran "+role+" tidak dikenal untuk "+e.m.Title)
		}
	}
	for i := range e.m.Subjects {
		s := &e.m.Subjects[i]
		key := SubjectKey(s.Role)
		sub := in.Subjects[s.Role]
		if !sub.given() {
			if s.Required {
				p.Add(key, s.Label+" wajib diisi")
			}
			continue
		}
		switch s.Kind {
		case KindResident, KindPerson:
			if v, ok := e.checkParty(s, sub, key, p, today); ok {
				e.one[s.Role] = v
			}
		case KindHousehold:
			v, ok := e.checkParty(s, sub, key, p, today)
			if !ok {
				continue
			}
			e.one[s.Role] = v
			members, msg := householdMembers(sub.Resident, sub.Members)
			if msg != "" {
				p.Add(key, msg)
				continue
			}
			var views []*partyView
			for j := range members {
				r := &members[j]
				if r.Household == nil {
					r.Household = sub.Resident.Household
				}
				views = append(views, e.view(r, nil, ""))
			}
			e.many[s.Role+".anggota"] = views
		case KindResidentList, KindPersonList:
			e.checkList(s, sub, key, p, today)
		}
	}
	e.checkRelations(p)
}

// checkParty checks one person of a single role or a list.
func (e *env) checkParty(s *SubjectSpec, sub Subject, key string, p surat.Problems, today time.Time) (*partyView, bool) {
	switch {
	case sub.Resident != nil:
		if msg := e.residentProblem(s, sub.Resident, today); msg != "" {
			p.Add(key, msg)
			return nil, false
		}
		r := sub.Resident
		address := ""
		if r.Household != nil {
			address = r.Household.Address + " " + r.Household.Dusun
		}
		for _, t := range [...]struct{ label, text string }{{"Nama " + r.Name, r.Name},
			{"Tempat lahir " + r.Name, r.BirthPlace}, {"Nama ayah " + r.Name, r.FatherName},
			{"Nama ibu " + r.Name, r.MotherName}, {"Alamat " + r.Name, address}} {
			if msg := e.unprintableText(t.label, t.text); msg != "" {
				p.Add(key, msg+" (perbaiki data penduduk)")
				return nil, false
			}
		}
		if s.Kind == KindHousehold && sub.Resident.Household == nil {
			p.Add(key, "Data KK "+strings.ToLower(s.Label)+" tidak ditemukan")
			return nil, false
		}
		return e.view(sub.Resident, sub.Members, sub.Relation), true
	case sub.Person != nil:
		if !s.Kind.AllowsTyped() {
			p.Add(key, s.Label+" harus dipilih dari data penduduk "+villageName(&e.village))
			return nil, false
		}
		before := len(p)
		sub.Person.Validate(p, key, today)
		typedMissing(s, sub.Person, p, key)
		for _, t := range [...]struct{ detail, label, text string }{{surat.PersonName, "Nama", sub.Person.Name},
			{surat.PersonBirthPlace, "Tempat lahir", sub.Person.BirthPlace}, {surat.PersonAddress, "Alamat", sub.Person.Address}} {
			if msg := e.unprintableText(t.label, t.text); msg != "" {
				p.Add(surat.PersonKey(key, t.detail), msg)
			}
		}
		if s.Sex != 0 {
			switch {
			case sub.Person.Sex == 0:
				p.Add(key+".jenis_kelamin", "Jenis kelamin wajib dipilih")
			case sub.Person.Sex != s.Sex:
				p.Add(key, s.Label+" harus "+strings.ToLower(surat.Sex.Label(s.Sex)))
			}
		}
		if len(p) > before {
			return nil, false
		}
		return &partyView{per: sub.Person, relation: sub.Relation, village: &e.village, at: e.at}, true
	}
	p.Add(key, s.Label+" wajib diisi")
	return nil, false
}

func (e *env) view(r *surat.Resident, members []surat.Resident, relation string) *partyView {
	return &partyView{res: r, members: members, relation: relation, village: &e.village, at: e.at}
}

// residentProblem applies the role's rules to a resident and returns the
// first broken one as an Indonesian message, or "".
func (e *env) residentProblem(s *SubjectSpec, r *surat.Resident, today time.Time) string {
	v := &e.village
	if r.VillageID != v.ID || (r.Household != nil && r.Household.VillageID != v.ID) {
		return r.Name + " bukan penduduk " + villageName(v)
	}
	if !containsInt(s.LifeStatus, r.LifeStatus) {
		switch {
		case r.LifeStatus == surat.LifeDead:
			return r.Name + " tercatat sudah meninggal dunia"
		case r.LifeStatus == surat.LifeMoved:
			return r.Name + " tercatat sudah pindah dari " + villageName(v)
		case r.LifeStatus == surat.LifeAlive && containsInt(s.LifeStatus, surat.LifeDead):
			return r.Name + " tercatat masih hidup; catat dahulu peristiwa kematiannya di data penduduk"
		default:
			return fmt.Sprintf("%s berstatus %s dalam data penduduk", r.Name, surat.LifeStatus.Label(r.LifeStatus))
		}
	}
	if s.Sex != 0 && r.Sex != s.Sex {
		return fmt.Sprintf("%s harus %s; %s tercatat %s", s.Label, strings.ToLower(surat.Sex.Label(s.Sex)),
			r.Name, strings.ToLower(surat.Sex.Label(r.Sex)))
	}
	if len(s.MaritalStatus) > 0 && !containsInt(s.MaritalStatus, r.MaritalStatus) {
		return fmt.Sprintf("%s harus berstatus %s; %s tercatat %s", s.Label,
			labels(surat.MaritalStatus, s.MaritalStatus), r.Name, labelOr(surat.MaritalStatus, r.MaritalStatus))
	}
	if len(s.Relations) > 0 && !containsInt(s.Relations, r.Relation) {
		return fmt.Sprintf("%s harus berkedudukan %s dalam KK; %s tercatat %s", s.Label,
			labels(surat.FamilyRelation, s.Relations), r.Name, labelOr(surat.FamilyRelation, r.Relation))
	}
	if s.WajibKTP && r.MaritalStatus == surat.MaritalSingle {
		if age := surat.AgeOn(r.BirthDate, today); age < 17 {
			return fmt.Sprintf("%s belum wajib KTP-el (umur %d tahun dan belum pernah kawin)", r.Name, age)
		}
	}
	return ""
}

func labels(e surat.Enum, ids []int) string {
	var out []string
	for _, id := range ids {
		out = append(out, e.Label(id))
	}
	if len(out) > 1 {
		return strings.Join(out[:len(out)-1], ", ") + " atau " + out[len(out)-1]
	}
	return strings.Join(out, "")
}

func labelOr(e surat.Enum, id int) string {
	if l := e.Label(id); l != "" {
		return l
	}
	return "tanpa keterangan"
}

// householdMembers checks that the members belong to r's KK and returns the
// living ones in KK order.
func householdMembers(r *surat.Resident, members []surat.Resident) ([]surat.Resident, string) {
	if len(members) == 0 {
		return nil, "Anggota keluarga dalam KK tidak ditemukan"
	}
	if r.HouseholdID == nil {
		return nil, r.Name + " tidak terdaftar dalam KK mana pun"
	}
	var out []surat.Resident
	for _, m := range members {
		if m.HouseholdID == nil || *m.HouseholdID != *r.HouseholdID || m.VillageID != r.VillageID {
			return nil, "Anggota keluarga tidak sesuai dengan KK " + r.Name
		}
		if m.LifeStatus == surat.LifeAlive {
			out = append(out, m)
		}
	}
	sortMembers(out)
	return out, ""
}

func (e *env) checkList(s *SubjectSpec, sub Subject, key string, p surat.Problems, today time.Time) {
	n := len(sub.Items)
	if s.Min > 0 && n < s.Min {
		p.Add(key, fmt.Sprintf("%s paling sedikit %d orang", s.Label, s.Min))
	}
	if s.Max > 0 && n > s.Max {
		p.Add(key, fmt.Sprintf("%s paling banyak %d orang", s.Label, s.Max))
	}
	seen := map[string]int{}
	var views []*partyView
	for i, item := range sub.Items {
		ikey := SubjectKey(s.Role, i+1)
		v, ok := e.checkParty(s, item, ikey, p, today)
		if !ok {
			continue
		}
		if id := identity(v); id != "" {
			if first, dup := seen[id]; dup {
				p.Add(ikey, fmt.Sprintf("%s sudah tercantum sebagai %s ke-%d", v.name(), strings.ToLower(s.Label), first))
				continue
			}
			seen[id] = i + 1
		}
		if len(s.ItemRelations) > 0 {
			rel := matchOption(s.ItemRelations, item.Relation)
			if rel == "" {
				if strings.TrimSpace(item.Relation) == "" {
					p.Add(ikey+".hubungan", "Hubungan wajib dipilih")
				} else {
					p.Add(ikey+".hubungan", "Hubungan harus salah satu dari: "+strings.Join(s.ItemRelations, ", "))
				}
				continue
			}
			v.relation = rel
		}
		views = append(views, v)
	}
	if len(views) > 0 {
		e.many[s.Role] = views
	}
}

func matchOption(options []string, s string) string {
	want := normOption(s)
	for _, o := range options {
		if normOption(o) == want {
			return o
		}
	}
	return ""
}

// identity is what makes two people the same: the NIK. Typed identities
// without a NIK cannot be compared.
func identity(v *partyView) string {
	if v == nil {
		return ""
	}
	return personAttrOf(v, "nik")
}

// checkRelations applies same_household and different_from, which need
// every role resolved first.
func (e *env) checkRelations(p surat.Problems) {
	for i := range e.m.Subjects {
		s := &e.m.Subjects[i]
		key := SubjectKey(s.Role)
		people := e.many[s.Role]
		if !s.Kind.IsList() {
			people = nil
			if v := e.one[s.Role]; v != nil {
				people = []*partyView{v}
			}
		}
		for n, v := range people {
			k := key
			if s.Kind.IsList() {
				k = SubjectKey(s.Role, n+1)
			}
			if o := s.SameHousehold; o != "" && v.res != nil {
				other := e.one[o]
				if other != nil && other.res != nil && !sameHousehold(v.res, other.res) {
					p.Add(k, fmt.Sprintf("%s harus satu KK dengan %s", v.name(), strings.ToLower(e.m.Subject(o).Label)))
				}
			}
			for _, o := range s.DifferentFrom {
				for _, other := range e.peopleOf(o) {
					if id := identity(v); id != "" && id == identity(other) {
						p.Add(k, fmt.Sprintf("%s tidak boleh orang yang sama dengan %s", s.Label,
							strings.ToLower(e.m.Subject(o).Label)))
					}
				}
			}
		}
	}
}

func (e *env) peopleOf(role string) []*partyView {
	if v := e.one[role]; v != nil {
		return []*partyView{v}
	}
	return e.many[role]
}

func sameHousehold(a, b *surat.Resident) bool {
	return a.HouseholdID != nil && b.HouseholdID != nil && *a.HouseholdID == *b.HouseholdID
}
