package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

var (
	benchFirst = []string{"Budi", "Siti", "Agus", "Dewi", "Slamet", "Sri", "Joko", "Rina", "Bambang", "Wahyu",
		"Endang", "Teguh", "Yuliani", "Heru", "Lestari", "Eko", "Ratna", "Dwi", "Nur", "Hadi", "Sugeng", "Wulan",
		"Puji", "Ahmad", "Tri", "Sumarni", "Imam", "Kartini", "Rudi", "Suparmi"}
	benchLast = []string{"Santoso", "Rahayu", "Wibowo", "Lestari", "Susanto", "Purnomo", "Hidayat", "Setiawan",
		"Kurniawan", "Handayani", "Prasetyo", "Saputra", "Utomo", "Wijaya", "Nugroho", "Yulianto", "Maryati",
		"Suryani", "Haryanto", "Mulyono"}
	benchDusun = []string{"Krajan", "Sumberagung", "Kedungrejo", "Ngemplak", "Tegalsari"}
)

// registerRecords builds n residents in households of four, spread over
// five dusun, ten RW and five RT each, with NIKs that follow the rules.
// Resident i has NIK benchNIK(i).
func registerRecords(n int) []surat.ImportRecord {
	recs := make([]surat.ImportRecord, n)
	base := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		hh := i / 4
		birth := base.AddDate(0, 0, i%20000)
		sex := surat.SexMale + i%2
		rel := surat.RelationHead
		if i%4 != 0 {
			rel = 4 // ANAK
		}
		status := surat.LifeAlive
		switch i % 50 {
		case 7:
			status = surat.LifeDead
		case 13:
			status = surat.LifeMoved
		}
		recs[i] = surat.ImportRecord{Row: i + 2,
			Resident: surat.Resident{NIK: benchNIK(i, birth, sex), Name: benchFirst[i%len(benchFirst)] + " " +
				benchFirst[(i/7)%len(benchFirst)] + " " + benchLast[(i/3)%len(benchLast)],
				BirthPlace: "Blitar", BirthDate: birth, Sex: sex, Religion: 1, MaritalStatus: 1, Relation: rel,
				Citizenship: surat.CitizenWNI, LifeStatus: status},
			Household: surat.Household{NoKK: fmt.Sprintf("350512%010d", hh+1), Address: "Jl. Mawar",
				Dusun: benchDusun[hh%len(benchDusun)], RW: fmt.Sprintf("%03d", hh%10+1), RT: fmt.Sprintf("%03d", hh%5+1)},
		}
	}
	return recs
}

func benchNIK(i int, birth time.Time, sex int) string {
	day := birth.Day()
	if sex == surat.SexFemale {
		day += 40
	}
	return fmt.Sprintf("350512%02d%02d%02d%04d", day, int(birth.Month()), birth.Year()%100, i/20000+1)
}

func seedRegister(tb testing.TB, st *store.Store, villageID int64, n int) []surat.ImportRecord {
	tb.Helper()
	recs := registerRecords(n)
	if _, err := st.ImportResidents(context.Background(), admin, villageID, recs, false); err != nil {
		tb.Fatalf("seed %d residents: %v", n, err)
	}
	return recs
}

func TestFindResidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		a := newVillage(t, st, "3505122001", "Sumberejo")
		other := newVillage(t, st, "3505122002", "Kalipang")
		recs := seedRegister(t, st, a.ID, 400)
		seedRegister(t, st, other.ID, 40)

		// Walk every page forward, then back, and see each resident once.
		seen := map[int64]bool{}
		var pages []*store.ResidentResults
		q := store.ResidentQuery{Limit: 30}
		for {
			res, err := st.FindResidents(ctx, a.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Count != 400 || res.CountCapped {
				t.Fatalf("count = %d capped %v, want 400", res.Count, res.CountCapped)
			}
			for i, r := range res.Residents {
				if r.VillageID != a.ID {
					t.Fatalf("resident %d of village %d in list of %d", r.ID, r.VillageID, a.ID)
				}
				if seen[r.ID] {
					t.Fatalf("resident %d on two pages", r.ID)
				}
				seen[r.ID] = true
				if i > 0 && r.Name < res.Residents[i-1].Name {
					t.Fatalf("not ordered by name: %q after %q", r.Name, res.Residents[i-1].Name)
				}
				if r.Household == nil {
					t.Fatalf("resident %d without household", r.ID)
				}
			}
			pages = append(pages, res)
			if !res.HasNext {
				break
			}
			q.After, q.Before = res.Residents[len(res.Residents)-1].ID, 0
		}
		if len(seen) != 400 || len(pages) != 14 {
			t.Fatalf("saw %d residents on %d pages, want 400 on 14", len(seen), len(pages))
		}
		// Back from the last page gives the same second-to-last page.
		last := pages[len(pages)-1]
		back, err := st.FindResidents(ctx, a.ID, store.ResidentQuery{Limit: 30, Before: last.Residents[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		want := pages[len(pages)-2]
		if len(back.Residents) != 30 || back.Residents[0].ID != want.Residents[0].ID || !back.HasNext || !back.HasPrev {
			t.Fatalf("back page: got %d residents from %d (prev %v next %v), want 30 from %d",
				len(back.Residents), back.Residents[0].ID, back.HasPrev, back.HasNext, want.Residents[0].ID)
		}

		// A cursor of another village's resident is ignored, not followed.
		otherRes, err := st.FindResidents(ctx, other.ID, store.ResidentQuery{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		first, err := st.FindResidents(ctx, a.ID, store.ResidentQuery{Limit: 30, After: otherRes.Residents[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		if first.HasPrev || first.Residents[0].ID != pages[0].Residents[0].ID {
			t.Fatalf("foreign cursor: got first %d prev %v, want first page", first.Residents[0].ID, first.HasPrev)
		}

		cases := []struct {
			name string
			q    store.ResidentQuery
			want func(surat.ImportRecord) bool
		}{
			{"name substring", store.ResidentQuery{Text: "rahayu"}, func(r surat.ImportRecord) bool {
				return containsFold(r.Resident.Name, "rahayu")
			}},
			{"NIK exact", store.ResidentQuery{Text: recs[123].Resident.NIK}, func(r surat.ImportRecord) bool {
				return r.Resident.NIK == recs[123].Resident.NIK
			}},
			{"NIK prefix", store.ResidentQuery{Text: recs[123].Resident.NIK[:10]}, func(r surat.ImportRecord) bool {
				return r.Resident.NIK[:10] == recs[123].Resident.NIK[:10] || r.Household.NoKK[:10] == recs[123].Resident.NIK[:10]
			}},
			{"KK", store.ResidentQuery{Text: recs[200].Household.NoKK}, func(r surat.ImportRecord) bool {
				return r.Household.NoKK == recs[200].Household.NoKK
			}},
			{"dusun RW RT", store.ResidentQuery{Dusun: "Krajan", RW: "001", RT: "001"}, func(r surat.ImportRecord) bool {
				return r.Household.Dusun == "Krajan" && r.Household.RW == "001" && r.Household.RT == "001"
			}},
			{"dead women", store.ResidentQuery{LifeStatus: surat.LifeDead, Sex: surat.SexFemale}, func(r surat.ImportRecord) bool {
				return r.Resident.LifeStatus == surat.LifeDead && r.Resident.Sex == surat.SexFemale
			}},
			{"moved", store.ResidentQuery{LifeStatus: surat.LifeMoved}, func(r surat.ImportRecord) bool {
				return r.Resident.LifeStatus == surat.LifeMoved
			}},
			{"wildcards match literally", store.ResidentQuery{Text: "%_%"}, func(surat.ImportRecord) bool { return false }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				want := 0
				for _, r := range recs {
					if c.want(r) {
						want++
					}
				}
				c.q.Limit = 100
				res, err := st.FindResidents(ctx, a.ID, c.q)
				if err != nil {
					t.Fatal(err)
				}
				if res.Count != want || (want <= 100 && len(res.Residents) != want) {
					t.Fatalf("got count %d, %d shown, want %d", res.Count, len(res.Residents), want)
				}
			})
		}
	})
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// BenchmarkFindResidents measures one page of the clerk's resident list in
// a village of 100,000 residents on SQLite, for the common searches.
func BenchmarkFindResidents(b *testing.B) {
	st := storetest.Open(b, storetest.SQLite, fixedNow)
	v := &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sanankulon",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := st.CreateVillage(context.Background(), admin, v); err != nil {
		b.Fatal(err)
	}
	recs := seedRegister(b, st, v.ID, 100_000)
	ctx := context.Background()
	mid, err := st.FindResidents(ctx, v.ID, store.ResidentQuery{Text: "Wulan"})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		q    store.ResidentQuery
	}{
		{"first_page", store.ResidentQuery{}},
		{"name_substring", store.ResidentQuery{Text: "ratna hadi"}},
		{"name_rare", store.ResidentQuery{Text: "tidak ada nama ini"}},
		{"name_next_page", store.ResidentQuery{Text: "Wulan", After: mid.Residents[len(mid.Residents)-1].ID}},
		{"nik", store.ResidentQuery{Text: recs[54321].Resident.NIK}},
		{"kk", store.ResidentQuery{Text: recs[777].Household.NoKK}},
		{"dusun_rw_rt", store.ResidentQuery{Dusun: "Ngemplak", RW: "004", RT: "004"}},
		{"dusun", store.ResidentQuery{Dusun: "Krajan"}},
		{"empty_area", store.ResidentQuery{Dusun: "Ngemplak", RW: "003"}},
		{"nik_prefix_broad", store.ResidentQuery{Text: "35051201"}},
		{"status_moved", store.ResidentQuery{LifeStatus: surat.LifeMoved}},
		{"women_alive_name", store.ResidentQuery{Text: "sri", Sex: surat.SexFemale, LifeStatus: surat.LifeAlive}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := st.FindResidents(ctx, v.ID, c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The dusun filter lists each dusun of the village once, in order, without
// the empty one and without another village's.
func TestDusunsListsEachOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		a := newVillage(t, st, "3505122001", "Sumberejo")
		other := newVillage(t, st, "3505122002", "Kalipang")
		recs := registerRecords(60)
		for i := range recs[:4] {
			recs[i].Household.Dusun = ""
		}
		if _, err := st.ImportResidents(ctx, admin, a.ID, recs, false); err != nil {
			t.Fatal(err)
		}
		others := registerRecords(8)
		for i := range others {
			others[i].Household.Dusun = "Wetan"
		}
		if _, err := st.ImportResidents(ctx, admin, other.ID, others, false); err != nil {
			t.Fatal(err)
		}
		got, err := st.Dusuns(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := "[Kedungrejo Krajan Ngemplak Sumberagung Tegalsari]"; fmt.Sprint(got) != want {
			t.Errorf("dusun of %s: %v, want %s", a.Name, got, want)
		}
		got, err = st.Dusuns(ctx, other.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[Wetan]" {
			t.Errorf("dusun of %s: %v, want [Wetan]", other.Name, got)
		}

		// A village with more dusun than the filter offers lists the
		// first store.MaxDusuns of them in order, each once.
		many := newVillage(t, st, "3505122003", "Jatinom")
		recs = registerRecords(4 * (store.MaxDusuns + 3))
		for i := range recs {
			recs[i].Household.Dusun = fmt.Sprintf("Dusun %03d", store.MaxDusuns+2-i/4)
		}
		if _, err := st.ImportResidents(ctx, admin, many.ID, recs, false); err != nil {
			t.Fatal(err)
		}
		got, err = st.Dusuns(ctx, many.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != store.MaxDusuns || got[0] != "Dusun 000" || got[store.MaxDusuns-1] != fmt.Sprintf("Dusun %03d", store.MaxDusuns-1) ||
			!slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != store.MaxDusuns {
			t.Errorf("dusun of %s: %d, from %q to %q, want %d in order from \"Dusun 000\"", many.Name, len(got),
				got[0], got[len(got)-1], store.MaxDusuns)
		}
	})
}
