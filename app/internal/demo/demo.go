// Package demo fills a database with one deterministic demo village: about
// two hundred residents in sixty households across three dusun, the village
// officials and the demo logins. Running it again changes nothing.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Password is the password of every demo login.
const Password = "demo12345"

// VillageCode is the kode desa of the demo village.
const VillageCode = "3505122001"

// OnlineModules are the letter modules the demo village saves settings
// for, offered to residents online (Layanan Mandiri) with the documents
// each asks for; the other modules whose files say online: true are
// offered too.
var OnlineModules = []string{"sk_pengantar", "sk_domisili", "sk_tidak_mampu", "sk_usaha", "sp_skck"}

// demoRequirements are the documents the demo village asks for.
func demoRequirements(module string) []string {
	switch module {
	case "sk_domisili", "sk_usaha":
		return []string{"Surat Pengantar RT/RW", "Fotokopi KTP"}
	case "sk_tidak_mampu":
		return []string{"Surat Pengantar RT/RW", "Fotokopi KK", "Fotokopi KTP"}
	case "sp_skck":
		return []string{"Fotokopi KTP", "Fotokopi KK"}
	}
	return nil
}

// Login is a demo account as printed at start.
type Login struct {
	Username string
	Role     surat.Role
	Official string
	// Email gets the account's notifications (with APP_SMTP_URL set, a
	// mail catcher shows them).
	Email string
}

// Logins are the demo accounts, all with Password.
var Logins = []Login{
	{"admin", surat.RoleAdminDesa, "", "admin@sumberejo.desa.example"},
	{"operator", surat.RoleOperator, "", "operator@sumberejo.desa.example"},
	{"kades", surat.RoleSigner, "Kepala Desa", "kades@sumberejo.desa.example"},
	// sekretaris is a penandatangan not yet linked to an official: it shows
	// enrolment (Sertifikat saya), approved by the kabupaten login.
	{"sekretaris", surat.RoleSigner, "", "sekretaris@sumberejo.desa.example"},
	// kabupaten holds the demo CA (root passphrase SigningPassphrase) and
	// approves enrolments.
	{"kabupaten", surat.RoleAdminKabupaten, "", "kabupaten@blitar.example"},
}

// Result says what Seed did.
type Result struct {
	Village       *surat.Village
	Created       bool // false when the demo village already existed
	Residents     int
	Households    int
	Officials     int
	UsersCreated  int
	ResidentsSeen int64
}

var actor = surat.Actor{Username: "demo"}

// Seed creates the demo village, its officials, residents and logins unless
// they exist. now fixes birth dates relative to the current year.
func Seed(ctx context.Context, st *store.Store, params auth.Params, now time.Time) (*Result, error) {
	res := &Result{}
	v, err := st.VillageByCode(ctx, VillageCode)
	switch {
	case errors.Is(err, surat.ErrNotFound):
		v = &surat.Village{
			Code: VillageCode, Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
			Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur",
			Address: "Jl. Raya Sumberejo No. 1", PostalCode: "66151", Phone: "(0342) 555-0101",
			Email: "pemdes@sumberejo.desa.id", NumberFormat: surat.DefaultNumberFormat,
			NumberScope: surat.ScopeModule, Paper: surat.PaperF4,
		}
		if err := st.CreateVillage(ctx, actor, v); err != nil {
			return nil, fmt.Errorf("demo: village: %w", err)
		}
		res.Created = true
		// Offer the letters residents ask for most in Layanan Mandiri,
		// so that the demo shows the self-service flow.
		for _, m := range OnlineModules {
			ls := &surat.LetterSettings{Module: m, Enabled: true, Online: true}
			ls.SetRequirements(demoRequirements(m))
			if err := st.SaveLetterSetting(ctx, actor, v.ID, ls); err != nil {
				return nil, fmt.Errorf("demo: settings of %s: %w", m, err)
			}
		}
	case err != nil:
		return nil, fmt.Errorf("demo: %w", err)
	}
	res.Village = v

	officials, err := st.Officials(ctx, v.ID)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if len(officials) == 0 {
		for _, o := range demoOfficials() {
			o := o
			o.Active = true
			if err := st.CreateOfficial(ctx, actor, v.ID, &o); err != nil {
				return nil, fmt.Errorf("demo: official %s: %w", o.Jabatan, err)
			}
			officials = append(officials, o)
		}
		res.Officials = len(officials)
	}

	if n, err := st.CountResidents(ctx, v.ID, 0); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	} else if n == 0 {
		recs := Residents(now)
		r, err := st.ImportResidents(ctx, actor, v.ID, recs, false)
		if err != nil {
			return nil, fmt.Errorf("demo: residents: %w", err)
		}
		res.Residents, res.Households = r.Created, r.HouseholdsCreated
	}
	res.ResidentsSeen, _ = st.CountResidents(ctx, v.ID, 0)

	for _, l := range Logins {
		if _, err := st.UserByUsername(ctx, l.Username); err == nil {
			continue
		} else if !errors.Is(err, surat.ErrNotFound) {
			return nil, fmt.Errorf("demo: %w", err)
		}
		hash, err := auth.Hash(Password, params)
		if err != nil {
			return nil, err
		}
		vid := v.ID
		u := &surat.User{Username: l.Username, PasswordHash: hash, Role: l.Role, VillageID: &vid, Email: l.Email}
		if l.Role == surat.RoleAdminKabupaten {
			u.VillageID = nil
		}
		for i := range officials {
			if l.Official != "" && officials[i].Jabatan == l.Official {
				id := officials[i].ID
				u.OfficialID = &id
				u.FullName = officials[i].Name
			}
		}
		if u.FullName == "" {
			u.FullName = map[string]string{"admin": "Admin Desa Sumberejo", "operator": "Rina Operator",
				"sekretaris": "Dwi Rahayu Lestari", "kabupaten": "Admin Kabupaten (pemegang CA)"}[l.Username]
		}
		if err := st.CreateUser(ctx, actor, u); err != nil {
			return nil, fmt.Errorf("demo: user %s: %w", l.Username, err)
		}
		res.UsersCreated++
	}
	return res, nil
}

func demoOfficials() []surat.Official {
	return []surat.Official{
		{Name: "H. Suparman, S.Sos.", NIP: "", Jabatan: "Kepala Desa", IsHead: true},
		{Name: "Dwi Rahayu Lestari, S.E.", NIP: "NIPD. 19850312 201001 2 004", Jabatan: "Sekretaris Desa", CanSignAN: true},
		{Name: "Agus Priyanto", NIP: "NIPD. 19790821 200701 1 002", Jabatan: "Kasi Pemerintahan", CanSignUB: true},
		{Name: "Siti Nurjanah", NIP: "NIPD. 19880105 201501 2 001", Jabatan: "Kasi Pelayanan", CanSignUB: true},
		{Name: "Bambang Hermanto", NIP: "NIPD. 19760430 200301 1 003", Jabatan: "Kasi Kesejahteraan"},
		{Name: "Wahyu Setiawan", NIP: "NIPD. 19900917 201801 1 001", Jabatan: "Kaur Keuangan"},
		{Name: "Endah Sulistyowati", NIP: "NIPD. 19920224 201901 2 002", Jabatan: "Kaur Tata Usaha dan Umum"},
	}
}

var (
	maleNames = []string{"Slamet", "Budi", "Agus", "Joko", "Sugeng", "Hadi", "Eko", "Bambang", "Sutrisno",
		"Wahyudi", "Teguh", "Rudi", "Yusuf", "Ahmad", "Imam", "Priyo", "Darmaji", "Suwito", "Heru", "Rahmat",
		"Dimas", "Fajar", "Rizki", "Bayu", "Arif", "Nur Hidayat", "Mochammad", "Wawan", "Yanto", "Gunawan"}
	femaleNames = []string{"Sri", "Siti", "Sumiati", "Suparti", "Endang", "Wahyuni", "Dewi", "Lestari",
		"Rina", "Yuliani", "Ani", "Tri", "Nurul", "Fitri", "Indah", "Ratna", "Puji", "Kartini", "Ayu",
		"Dian", "Wulan", "Anisa", "Tutik", "Mulyani", "Ningsih", "Rohmah", "Eni", "Umi", "Winarti", "Ida"}
	familyNames = []string{"Santoso", "Wibowo", "Susanto", "Purnomo", "Setiawan", "Prasetyo", "Hartono",
		"Kurniawan", "Nugroho", "Saputra", "Handoko", "Utomo", "Rahayu", "Sulistyo", "Hidayat", "Pratama",
		"Wijaya", "Mulyono", "Suryadi", "Haryanto"}
	places = []string{"Blitar", "Blitar", "Blitar", "Kediri", "Tulungagung", "Malang", "Surabaya"}
	dusuns = []struct {
		name string
		rw   []string
	}{{"Krajan", []string{"001", "002"}}, {"Sumberagung", []string{"003", "004"}}, {"Karanganyar", []string{"005"}}}
	streets = []string{"Jl. Melati", "Jl. Mawar", "Jl. Kenanga", "Jl. Anggrek", "Jl. Flamboyan", "Jl. Cempaka"}
)

// Residents returns the demo register: sixty households, deterministic for
// a given year of now.
func Residents(now time.Time) []surat.ImportRecord {
	rng := rand.New(rand.NewPCG(2001, 3505))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	year := now.Year()
	serial := 0
	nik := func(birth time.Time, sex int) string {
		serial++
		day := birth.Day()
		if sex == surat.SexFemale {
			day += 40
		}
		return fmt.Sprintf("350512%02d%02d%02d%04d", day, int(birth.Month()), birth.Year()%100, serial)
	}
	birth := func(age int) time.Time {
		return time.Date(year-age, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	}
	var recs []surat.ImportRecord
	row := 1
	add := func(h surat.Household, r surat.Resident) {
		row++
		r.BirthPlace = pick(places)
		r.Citizenship = surat.CitizenWNI
		if r.LifeStatus == 0 {
			r.LifeStatus = surat.LifeAlive
		}
		r.BloodType = 1 + rng.IntN(13)
		r.NIK = nik(r.BirthDate, r.Sex)
		recs = append(recs, surat.ImportRecord{Row: row, Resident: r, Household: h})
	}
	for i := 0; i < 60; i++ {
		d := dusuns[i%len(dusuns)]
		rw := d.rw[(i/len(dusuns))%len(d.rw)]
		issued := time.Date(2008+rng.IntN(17), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		h := surat.Household{
			NoKK:    fmt.Sprintf("350512%02d%02d%02d%04d", issued.Day(), int(issued.Month()), issued.Year()%100, 100+i),
			Address: fmt.Sprintf("%s No. %d", pick(streets), 1+rng.IntN(80)),
			RT:      fmt.Sprintf("%03d", 1+rng.IntN(4)), RW: rw, Dusun: d.name,
		}
		family := pick(familyNames)
		religion := 1
		if n := rng.IntN(20); n == 0 {
			religion = 2
		} else if n == 1 {
			religion = 3
		}
		headAge := 28 + rng.IntN(40)
		headMale := rng.IntN(10) > 0
		head := surat.Resident{Relation: surat.RelationHead, Religion: religion, BirthDate: birth(headAge),
			MaritalStatus: 2, Education: 3 + rng.IntN(6), Occupation: []int{9, 9, 20, 88, 84, 15, 19, 65, 85}[rng.IntN(9)],
			FatherName: pick(maleNames) + " " + pick(familyNames), MotherName: pick(femaleNames)}
		if headMale {
			head.Sex, head.Name = surat.SexMale, pick(maleNames)+" "+family
		} else {
			head.Sex, head.Name, head.MaritalStatus = surat.SexFemale, pick(femaleNames)+" "+family, 4
		}
		add(h, head)
		if headMale {
			add(h, surat.Resident{Relation: 3, Sex: surat.SexFemale, Religion: religion, MaritalStatus: 2,
				Name: pick(femaleNames) + " " + pick(femaleNames), BirthDate: birth(headAge - 3 + rng.IntN(5)),
				Education: 3 + rng.IntN(4), Occupation: []int{2, 2, 84, 88, 20}[rng.IntN(5)],
				FatherName: pick(maleNames), MotherName: pick(femaleNames)})
		}
		kids := rng.IntN(4)
		if i%5 == 0 {
			kids++
		}
		for k := 0; k < kids && headAge-20-k*3 >= 0; k++ {
			age := headAge - 22 - k*3 - rng.IntN(3)
			if age < 0 {
				age = rng.IntN(3)
			}
			kid := surat.Resident{Relation: 4, Religion: religion, BirthDate: birth(age), MaritalStatus: 1,
				FatherName: head.Name, MotherName: pick(femaleNames)}
			if rng.IntN(2) == 0 {
				kid.Sex, kid.Name = surat.SexMale, pick(maleNames)+" "+pick(familyNames)
			} else {
				kid.Sex, kid.Name = surat.SexFemale, pick(femaleNames)+" "+pick(femaleNames)
			}
			switch {
			case age < 6:
				kid.Education, kid.Occupation = 1, 1
			case age < 19:
				kid.Education, kid.Occupation = 2+min(age/6, 3), 3
			default:
				kid.Education, kid.Occupation = 5+rng.IntN(4), []int{15, 88, 3, 19}[rng.IntN(4)]
				if age > 26 {
					kid.MaritalStatus = 2
				}
			}
			add(h, kid)
		}
		if i%7 == 3 {
			elder := surat.Resident{Relation: 7, Religion: religion, BirthDate: birth(headAge + 25),
				Sex: surat.SexFemale, Name: pick(femaleNames) + " " + pick(familyNames), MaritalStatus: 4,
				Education: 2, Occupation: 1}
			if i%14 == 3 {
				elder.LifeStatus = surat.LifeDead
			}
			add(h, elder)
		}
		if i == 11 {
			recs[len(recs)-1].Resident.LifeStatus = surat.LifeMoved
		}
	}
	return recs
}
