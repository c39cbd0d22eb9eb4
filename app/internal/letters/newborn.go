package letters

import (
	"strings"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// SHDK ids used when placing a newborn in a KK (surat.FamilyRelation).
const (
	shdkHead       = 1
	shdkHusband    = 2
	shdkWife       = 3
	shdkChild      = 4
	shdkInLaw      = 5
	shdkGrandchild = 6
	shdkOtherKin   = 9
	educationNone  = 1 // TIDAK / BELUM SEKOLAH
	occupationNone = 1 // BELUM/TIDAK BEKERJA
)

// OffersNewResident reports whether letters of m offer to add a typed
// person to the register once signed (the module's new_resident).
func (m *Module) OffersNewResident() bool { return m.newResident != nil }

// NewResident is the register record that a letter's typed person would
// get once the letter is signed, for a module that declares new_resident
// (SK Kelahiran: the newborn, who has no NIK yet): name, sex, place and
// date of birth, religion and citizenship (the child's, else the mother's
// or father's), BELUM KAWIN, no schooling and no occupation yet, the
// parents' names, and the KK of the mother (else the father) when a
// resident, with the child's relation in it: ANAK of a head, husband or
// wife, CUCU of a child or child-in-law, FAMILI LAIN otherwise. The NIK is
// left empty for the clerk to type once Dukcapil issues it.
//
// ok is false when the module declares no new_resident or the person is
// already a resident. in must build (Build's errors are returned).
func (c *Catalogue) NewResident(in Input) (r *surat.Resident, ok bool, err error) {
	m := c.Module(in.Module)
	if m == nil {
		return nil, false, nil
	}
	return m.NewResident(in)
}

// NewResident is Catalogue.NewResident with this module.
func (m *Module) NewResident(in Input) (r *surat.Resident, ok bool, err error) {
	if m.newResident == nil {
		return nil, false, nil
	}
	if _, err := m.Build(in); err != nil {
		return nil, false, err
	}
	spec := m.newResident
	child := in.Subjects[spec.role]
	if child.Person == nil || child.Resident != nil {
		return nil, false, nil
	}
	p := child.Person
	r = &surat.Resident{VillageID: in.Village.ID, Name: strings.TrimSpace(p.Name), Sex: p.Sex,
		BirthPlace: strings.TrimSpace(p.BirthPlace), BirthDate: p.BirthDate, Religion: p.Religion,
		MaritalStatus: surat.MaritalSingle, Education: educationNone, Occupation: occupationNone,
		Citizenship: p.Citizenship, BloodType: surat.BloodUnknown, LifeStatus: surat.LifeAlive}
	father, mother := in.Subjects[spec.father], in.Subjects[spec.mother]
	r.FatherName, r.MotherName = subjectName(father), subjectName(mother)
	for _, parent := range []Subject{mother, father} {
		if r.Religion == 0 {
			r.Religion = subjectReligion(parent)
		}
		if r.Citizenship == 0 && parent.Resident != nil {
			r.Citizenship = parent.Resident.Citizenship
		}
	}
	if r.Citizenship == 0 {
		r.Citizenship = surat.CitizenWNI
	}
	for _, parent := range []Subject{mother, father} {
		res := parent.Resident
		if res == nil || res.HouseholdID == nil || res.Household == nil {
			continue
		}
		id := *res.HouseholdID
		h := *res.Household
		r.HouseholdID, r.Household = &id, &h
		switch res.Relation {
		case shdkHead, shdkHusband, shdkWife:
			r.Relation = shdkChild
		case shdkChild, shdkInLaw:
			r.Relation = shdkGrandchild
		default:
			r.Relation = shdkOtherKin
		}
		break
	}
	return r, true, nil
}

func subjectName(s Subject) string {
	switch {
	case s.Resident != nil:
		return s.Resident.Name
	case s.Person != nil:
		return strings.TrimSpace(s.Person.Name)
	}
	return ""
}

func subjectReligion(s Subject) int {
	switch {
	case s.Resident != nil:
		return s.Resident.Religion
	case s.Person != nil:
		return s.Person.Religion
	}
	return 0
}
