package letters

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The demo register: a few households of Desa Sumberejo and a few people
// from elsewhere, named "personas" so module files can say who appears in
// their preview (subject key "example", e.g. "example: bayi" or, for a list
// with hubungan, "example: [istri:Istri, anak_dewasa:Anak]").
//
// demoPersonas maps each persona to a short description; the data is built
// by demoWorld, relative to the preview date where an age matters.
var demoPersonas = map[string]string{
	"kepala_keluarga":  "Slamet Santoso, kepala keluarga, laki-laki, kawin",
	"istri":            "Sri Wahyuni, istri Slamet Santoso",
	"anak_dewasa":      "Dimas Prasetyo, anak, laki-laki, belum kawin, 20-an",
	"pelajar":          "Ayu Lestari, anak, perempuan, pelajar SMA",
	"nenek_almarhumah": "Suparti, orang tua Slamet Santoso, tercatat meninggal",
	"ayah_muda":        "Fajar Nugroho, kepala keluarga muda, laki-laki",
	"ibu_muda":         "Rina Yuliani, istri Fajar Nugroho",
	"bayi":             "Anisa Putri Nugroho, bayi berumur sembilan hari",
	"janda":            "Kartini Rahayu, kepala keluarga, cerai mati",
	"duda":             "Rudi Hartono, anak Kartini Rahayu, cerai hidup",
	"pemudi":           "Wulan Sari, anak Kartini Rahayu, perempuan, belum kawin",
	"remaja":           "Rizki Hidayat, cucu Kartini Rahayu, 15 tahun",
	"luar_desa_pria":   "Hendra Gunawan, bukan penduduk, Kota Kediri",
	"luar_desa_wanita": "Dewi Anggraini, bukan penduduk, Desa Tegalasri",
	"saksi_luar":       "Bambang Susilo, bukan penduduk, Desa Kalipucung",
	"almarhum_luar":    "Sukardi, bukan penduduk tercatat, sudah meninggal, tanpa NIK",
	"bayi_baru":        "Muhammad Alif Nugroho, bayi lahir tiga hari lalu, belum terdaftar dan belum ber-NIK",
	"pria_kristen":     "Yohanes Kristianto, bukan penduduk, Kristen, belum kawin",
	"wanita_kristen":   "Maria Susanti, bukan penduduk, Kristen, belum kawin",
	"ayah_kristen":     "Paulus Sutrisno, ayah Yohanes Kristianto, bukan penduduk",
	"ibu_kristen":      "Elisabeth Wahyuningsih, ibu Yohanes Kristianto, bukan penduduk",
}

// personaOrder is the order in which a role without an example is filled.
var personaOrder = []string{"kepala_keluarga", "istri", "anak_dewasa", "pelajar", "ayah_muda",
	"ibu_muda", "bayi", "janda", "duda", "pemudi", "remaja", "nenek_almarhumah",
	"luar_desa_pria", "luar_desa_wanita", "saksi_luar", "almarhum_luar", "bayi_baru",
	"pria_kristen", "wanita_kristen", "ayah_kristen", "ibu_kristen"}

func personaNames() string {
	names := make([]string, 0, len(demoPersonas))
	for n := range demoPersonas {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// splitExample splits "persona:Hubungan" into its parts.
func splitExample(s string) (persona, relation string) {
	persona, relation, _ = strings.Cut(s, ":")
	return strings.TrimSpace(persona), strings.TrimSpace(relation)
}

type world struct {
	village   surat.Village
	officials []surat.Official
	residents map[string]*surat.Resident
	persons   map[string]*surat.Person
	members   map[int64][]surat.Resident
	deaths    map[string]time.Time // register dates of death by persona
}

// DemoVillage is the village of the demo register, the same as the one
// the demo database seeds.
func DemoVillage() surat.Village {
	return surat.Village{
		ID: 1, Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur",
		Address: "Jl. Raya Sumberejo No. 1", PostalCode: "66151",
		Phone: "(0342) 555-0101", Email: "pemdes@sumberejo.desa.id",
		NumberFormat: surat.DefaultNumberFormat, NumberScope: surat.ScopeModule, Paper: surat.PaperF4,
	}
}

// DemoOfficials are the demo village's signers: the kepala desa (signs
// directly), the sekretaris desa (a.n.) and a kasi (u.b.).
func DemoOfficials() []surat.Official {
	return []surat.Official{
		{ID: 1, VillageID: 1, Name: "H. Suparman, S.Sos.", Jabatan: "Kepala Desa", IsHead: true, Active: true},
		{ID: 2, VillageID: 1, Name: "Dwi Rahayu Lestari, S.E.", NIP: "NIPD. 19850312 201001 2 004",
			Jabatan: "Sekretaris Desa", CanSignAN: true, Active: true},
		{ID: 4, VillageID: 1, Name: "Siti Nurjanah", NIP: "NIPD. 19880105 201501 2 001",
			Jabatan: "Kasi Pelayanan", CanSignUB: true, Active: true},
	}
}

func demoWorld(now time.Time) *world {
	w := &world{village: DemoVillage(), officials: DemoOfficials(),
		residents: map[string]*surat.Resident{}, persons: map[string]*surat.Person{},
		members: map[int64][]surat.Resident{}, deaths: map[string]time.Time{}}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	today := day(now.Year(), now.Month(), now.Day())
	hh := map[int64]*surat.Household{
		11: {ID: 11, VillageID: 1, NoKK: "3505121503080001", Address: "Jl. Melati No. 12", RT: "002", RW: "001", Dusun: "Krajan"},
		12: {ID: 12, VillageID: 1, NoKK: "3505120207180002", Address: "Jl. Mawar No. 7", RT: "001", RW: "003", Dusun: "Sumberagung"},
		13: {ID: 13, VillageID: 1, NoKK: "3505121110090003", Address: "Jl. Kenanga No. 21", RT: "003", RW: "005", Dusun: "Karanganyar"},
	}
	serial := 0
	add := func(persona string, id, household int64, r surat.Resident) {
		serial++
		d := r.BirthDate.Day()
		if r.Sex == surat.SexFemale {
			d += 40
		}
		r.NIK = fmt.Sprintf("350512%02d%02d%02d%04d", d, int(r.BirthDate.Month()), r.BirthDate.Year()%100, serial)
		hid := household
		r.ID, r.VillageID, r.HouseholdID, r.Household = id, 1, &hid, hh[household]
		r.Citizenship = surat.CitizenWNI
		if r.LifeStatus == 0 {
			r.LifeStatus = surat.LifeAlive
		}
		if r.Relation == surat.RelationHead {
			head := id
			hh[household].HeadID = &head
		}
		if r.BloodType == 0 {
			r.BloodType = surat.BloodUnknown
		}
		w.residents[persona] = &r
		w.members[household] = append(w.members[household], r)
	}
	add("kepala_keluarga", 101, 11, surat.Resident{Name: "Slamet Santoso", Sex: surat.SexMale, BirthPlace: "Blitar",
		BirthDate: day(1978, 3, 15), Religion: 1, MaritalStatus: 2, Education: 5, Occupation: 9, Relation: 1,
		BloodType: 4, FatherName: "Karto Wiryo", MotherName: "Suparti", Phone: "081234567801"})
	add("istri", 102, 11, surat.Resident{Name: "Sri Wahyuni", Sex: surat.SexFemale, BirthPlace: "Kediri",
		BirthDate: day(1981, 8, 2), Religion: 1, MaritalStatus: 2, Education: 4, Occupation: 2, Relation: 3,
		BloodType: 1, FatherName: "Sumarno", MotherName: "Painem"})
	add("anak_dewasa", 103, 11, surat.Resident{Name: "Dimas Prasetyo", Sex: surat.SexMale, BirthPlace: "Blitar",
		BirthDate: day(2001, 5, 20), Religion: 1, MaritalStatus: 1, Education: 8, Occupation: 15, Relation: 4,
		BloodType: 4, FatherName: "Slamet Santoso", MotherName: "Sri Wahyuni", Phone: "085736112233"})
	add("pelajar", 104, 11, surat.Resident{Name: "Ayu Lestari", Sex: surat.SexFemale, BirthPlace: "Blitar",
		BirthDate: today.AddDate(-17, -4, -3), Religion: 1, MaritalStatus: 1, Education: 4, Occupation: 3,
		Relation: 4, FatherName: "Slamet Santoso", MotherName: "Sri Wahyuni"})
	add("nenek_almarhumah", 105, 11, surat.Resident{Name: "Suparti", Sex: surat.SexFemale, BirthPlace: "Blitar",
		BirthDate: day(1941, 1, 30), Religion: 1, MaritalStatus: 4, Education: 1, Occupation: 1, Relation: 7,
		LifeStatus: surat.LifeDead, FatherName: "Atmo Sentono", MotherName: "Sainem"})
	w.deaths["nenek_almarhumah"] = today.AddDate(0, -2, -3)
	add("ayah_muda", 201, 12, surat.Resident{Name: "Fajar Nugroho", Sex: surat.SexMale, BirthPlace: "Tulungagung",
		BirthDate: day(1995, 6, 14), Religion: 1, MaritalStatus: 2, Education: 5, Occupation: 88, Relation: 1,
		BloodType: 2, FatherName: "Sugeng Riyadi", MotherName: "Tumini", Phone: "082145678900"})
	add("ibu_muda", 202, 12, surat.Resident{Name: "Rina Yuliani", Sex: surat.SexFemale, BirthPlace: "Blitar",
		BirthDate: day(1998, 2, 3), Religion: 1, MaritalStatus: 2, Education: 8, Occupation: 65, Relation: 3,
		BloodType: 1, FatherName: "Joko Susanto", MotherName: "Endang Lestari"})
	add("bayi", 203, 12, surat.Resident{Name: "Anisa Putri Nugroho", Sex: surat.SexFemale, BirthPlace: "Blitar",
		BirthDate: today.AddDate(0, 0, -9), Religion: 1, MaritalStatus: 1, Education: 1, Occupation: 1,
		Relation: 4, FatherName: "Fajar Nugroho", MotherName: "Rina Yuliani"})
	add("janda", 301, 13, surat.Resident{Name: "Kartini Rahayu", Sex: surat.SexFemale, BirthPlace: "Blitar",
		BirthDate: day(1963, 4, 21), Religion: 1, MaritalStatus: 4, Education: 4, Occupation: 84, Relation: 1,
		FatherName: "Kasiman", MotherName: "Sarinah"})
	add("duda", 302, 13, surat.Resident{Name: "Rudi Hartono", Sex: surat.SexMale, BirthPlace: "Blitar",
		BirthDate: day(1988, 9, 10), Religion: 1, MaritalStatus: 3, Education: 5, Occupation: 81, Relation: 4,
		FatherName: "Sukardi", MotherName: "Kartini Rahayu"})
	add("pemudi", 303, 13, surat.Resident{Name: "Wulan Sari", Sex: surat.SexFemale, BirthPlace: "Malang",
		BirthDate: day(1999, 12, 1), Religion: 1, MaritalStatus: 1, Education: 7, Occupation: 74, Relation: 4,
		FatherName: "Sukardi", MotherName: "Kartini Rahayu"})
	add("remaja", 304, 13, surat.Resident{Name: "Rizki Hidayat", Sex: surat.SexMale, BirthPlace: "Blitar",
		BirthDate: today.AddDate(-15, -2, -11), Religion: 1, MaritalStatus: 1, Education: 3, Occupation: 3,
		Relation: 6, FatherName: "Rudi Hartono", MotherName: "Yuliana"})
	w.persons["luar_desa_pria"] = &surat.Person{NIK: "3571021204900003", Name: "Hendra Gunawan",
		BirthPlace: "Kediri", BirthDate: day(1990, 4, 12), Sex: surat.SexMale, Religion: 1, Occupation: 15,
		Citizenship: surat.CitizenWNI,
		Address:     "Jl. Diponegoro No. 45 RT 004 / RW 002, Kelurahan Bandar Lor, Kecamatan Mojoroto, Kota Kediri"}
	w.persons["luar_desa_wanita"] = &surat.Person{NIK: "3505066507960002", Name: "Dewi Anggraini",
		BirthPlace: "Blitar", BirthDate: day(1996, 7, 25), Sex: surat.SexFemale, Religion: 1, Occupation: 88,
		Citizenship: surat.CitizenWNI,
		Address:     "Dusun Ngrejo RT 001 / RW 002, Desa Tegalasri, Kecamatan Wlingi, Kabupaten Blitar"}
	w.persons["saksi_luar"] = &surat.Person{NIK: "3505121708700012", Name: "Bambang Susilo",
		BirthPlace: "Blitar", BirthDate: day(1970, 8, 17), Sex: surat.SexMale, Religion: 1, Occupation: 9,
		Citizenship: surat.CitizenWNI,
		Address:     "Jl. Cendana No. 3 RT 002 / RW 001, Desa Kalipucung, Kecamatan Sanankulon, Kabupaten Blitar"}
	w.persons["bayi_baru"] = &surat.Person{Name: "Muhammad Alif Nugroho", BirthPlace: "Blitar",
		BirthDate: today.AddDate(0, 0, -3), Sex: surat.SexMale, Religion: 1, Citizenship: surat.CitizenWNI}
	w.persons["pria_kristen"] = &surat.Person{NIK: "3571011809940004", Name: "Yohanes Kristianto",
		BirthPlace: "Kediri", BirthDate: day(1994, 9, 18), Sex: surat.SexMale, Religion: 2, Occupation: 65,
		Citizenship: surat.CitizenWNI, Address: "Jl. Hayam Wuruk No. 20 RT 001 / RW 004, Kelurahan Dandangan, Kecamatan Kota, Kota Kediri"}
	w.persons["wanita_kristen"] = &surat.Person{NIK: "3505126303970005", Name: "Maria Susanti",
		BirthPlace: "Blitar", BirthDate: day(1997, 3, 23), Sex: surat.SexFemale, Religion: 2, Occupation: 73,
		Citizenship: surat.CitizenWNI, Address: "Jl. Anggrek No. 4 RT 004 / RW 002 Dusun Krajan, Desa Sumberejo, Kecamatan Sanankulon, Kabupaten Blitar"}
	w.persons["ayah_kristen"] = &surat.Person{NIK: "3571010305650001", Name: "Paulus Sutrisno",
		BirthPlace: "Kediri", BirthDate: day(1965, 5, 3), Sex: surat.SexMale, Religion: 2, Occupation: 5,
		Citizenship: surat.CitizenWNI, Address: "Jl. Hayam Wuruk No. 20 RT 001 / RW 004, Kelurahan Dandangan, Kecamatan Kota, Kota Kediri"}
	w.persons["ibu_kristen"] = &surat.Person{NIK: "3571014711680002", Name: "Elisabeth Wahyuningsih",
		BirthPlace: "Kediri", BirthDate: day(1968, 11, 7), Sex: surat.SexFemale, Religion: 2, Occupation: 2,
		Citizenship: surat.CitizenWNI, Address: "Jl. Hayam Wuruk No. 20 RT 001 / RW 004, Kelurahan Dandangan, Kecamatan Kota, Kota Kediri"}
	w.persons["almarhum_luar"] = &surat.Person{Name: "Sukardi", BirthPlace: "Blitar", BirthDate: day(1958, 10, 5),
		Sex: surat.SexMale, Religion: 1, Occupation: 9, Citizenship: surat.CitizenWNI,
		Address: "Jl. Kenanga No. 21 RT 003 / RW 005 Dusun Karanganyar, Desa Sumberejo"}
	return w
}

// subject returns persona as the subject of a role of kind k.
func (w *world) subject(persona string, k SubjectKind) Subject {
	if r := w.residents[persona]; r != nil {
		cp := *r
		s := Subject{Resident: &cp, Members: append([]surat.Resident(nil), w.members[*r.HouseholdID]...),
			DeathDate: w.deaths[persona]}
		return s
	}
	if p := w.persons[persona]; p != nil && k.AllowsTyped() {
		cp := *p
		return Subject{Person: &cp}
	}
	return Subject{}
}

// Demo builds a plausible input for module m dated now: the demo village
// and its kepala desa as signer, the personas named by each role's example
// (or the first fitting ones), and every field's example. It is a draft
// without a number. Building it succeeds for every module of the shipped
// catalogue; the preview command and the tests use it.
func Demo(m *Module, now time.Time) Input {
	w := demoWorld(now)
	in := Input{
		Module:   m.Code,
		Village:  w.village,
		Subjects: map[string]Subject{},
		Fields:   map[string]string{},
		Signer:   Signer{Official: w.officials[0], Mode: SignDirect},
		Date:     now,
		Draft:    true,
	}
	used := map[string]bool{}
	for _, s := range m.Subjects {
		var sub Subject
		if len(s.Example) > 0 {
			if s.Kind.IsList() {
				for _, ex := range s.Example {
					name, rel := splitExample(ex)
					item := w.subject(name, s.Kind)
					item.Members, item.Relation = nil, rel
					sub.Items = append(sub.Items, item)
				}
			} else {
				sub = w.subject(s.Example[0], s.Kind)
			}
		} else if s.Required {
			sub = w.pick(m, &s, in, used)
		}
		for _, p := range append([]Subject{sub}, sub.Items...) {
			if p.Resident != nil {
				used[p.Resident.NIK] = true
			}
		}
		if sub.given() {
			in.Subjects[s.Role] = sub
		}
	}
	for _, f := range m.Fields {
		if f.Example == "" {
			continue
		}
		v := f.Example
		if f.Type == TypeDate {
			if d, ok := relativeDate(v, now); ok {
				v = d.Format("2006-01-02")
			}
		}
		in.Fields[f.Name] = v
	}
	return in
}

// pick finds the first persona that satisfies the role's rules, for roles
// without an example.
func (w *world) pick(m *Module, s *SubjectSpec, in Input, used map[string]bool) Subject {
	e := &env{m: m, village: w.village, at: in.Date}
	count := 1
	if s.Kind.IsList() {
		count = max(s.Min, 1)
	}
	var items []Subject
	for _, name := range personaOrder {
		sub := w.subject(name, s.Kind)
		if !sub.given() || (sub.Resident != nil && used[sub.Resident.NIK]) {
			continue
		}
		if sub.Resident != nil {
			if e.residentProblem(s, sub.Resident, in.Date) != "" {
				continue
			}
			if o := in.Subjects[s.SameHousehold]; s.SameHousehold != "" &&
				(o.Resident == nil || !sameHousehold(sub.Resident, o.Resident)) {
				continue
			}
		} else if s.Sex != 0 && sub.Person.Sex != s.Sex {
			continue
		}
		if !s.Kind.IsList() {
			return sub
		}
		if len(s.ItemRelations) > 0 {
			sub.Relation = s.ItemRelations[0]
		}
		items = append(items, sub)
		if len(items) == count {
			return Subject{Items: items}
		}
	}
	return Subject{Items: items}
}

// DemoIn is Demo for a preview in village v: the letter is issued by v (its
// letterhead and name) and signed by signer, and every demo resident is
// moved into v, so that a resident of v may take the place of one of them.
// Nothing of it is stored.
func DemoIn(m *Module, now time.Time, v surat.Village, signer Signer) Input {
	in := Demo(m, now)
	in.Village, in.Signer = v, signer
	for role, sub := range in.Subjects {
		in.Subjects[role] = rehome(sub, v.ID)
	}
	return in
}

// rehome copies sub with its residents, households and members moved into
// village id.
func rehome(sub Subject, id int64) Subject {
	move := func(r surat.Resident) surat.Resident {
		r.VillageID = id
		if r.Household != nil {
			h := *r.Household
			h.VillageID = id
			r.Household = &h
		}
		return r
	}
	if sub.Resident != nil {
		r := move(*sub.Resident)
		sub.Resident = &r
	}
	members := make([]surat.Resident, len(sub.Members))
	for i, mr := range sub.Members {
		members[i] = move(mr)
	}
	sub.Members = members
	items := make([]Subject, len(sub.Items))
	for i, it := range sub.Items {
		items[i] = rehome(it, id)
	}
	sub.Items = items
	return sub
}
