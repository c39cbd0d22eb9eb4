package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestNameSearchMatchesEveryName compares the name search, which narrows
// by trigrams, with a plain scan of the register in Go: for terms rare and
// common, short and long, with spaces, with filters, after creating,
// renaming and importing residents, and across two villages.
func TestNameSearchMatchesEveryName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		a := newVillage(t, st, "3505122001", "Sumberejo")
		other := newVillage(t, st, "3505122002", "Kalipang")
		recs := seedRegister(t, st, a.ID, 3000)
		seedRegister(t, st, other.ID, 500)
		// A rename through the form and one through a second import.
		page, err := st.SearchResidents(ctx, a.ID, store.ResidentFilter{Query: recs[5].Resident.Name, PerPage: 1})
		if err != nil || len(page.Residents) != 1 {
			t.Fatalf("resident 5: %v", err)
		}
		r := page.Residents[0]
		r.Name = "Zulaikha  Qomariyah"
		if err := st.UpdateResident(ctx, admin, a.ID, &r, r.Household); err != nil {
			t.Fatal(err)
		}
		recs[9].Resident.Name = "Xaverius Qomar"
		if _, err := st.ImportResidents(ctx, admin, a.ID, recs[6:10], false); err != nil {
			t.Fatal(err)
		}
		names := map[int64]surat.Resident{}
		for p := 1; ; p++ {
			all, err := st.SearchResidents(ctx, a.ID, store.ResidentFilter{Page: p, PerPage: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range all.Residents {
				names[r.ID] = r
			}
			if len(all.Residents) < 100 {
				break
			}
		}
		for _, tc := range []struct {
			term   string
			status int
		}{
			{"santo", 0}, {"SANTO", 0}, {"wibowo", surat.LifeAlive}, {"ti w", 0}, {"qomar", 0}, {"Qomariyah", 0},
			{"zulaikha qomar", 0}, {"xyz", 0}, {"ri", 0}, {"budi budi", 0}, {"sri", surat.LifeDead}, {"a", 0},
			{"Xaverius", 0}, {"maryati", surat.LifeMoved},
		} {
			var want []int64
			for id, r := range names {
				if strings.Contains(strings.ToLower(r.Name), strings.ToLower(tc.term)) &&
					(tc.status == 0 || r.LifeStatus == tc.status) {
					want = append(want, id)
				}
			}
			var got []int64
			q := store.ResidentQuery{Text: tc.term, LifeStatus: tc.status, Limit: 100}
			for {
				res, err := st.FindResidents(ctx, a.ID, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res.Residents {
					got = append(got, r.ID)
				}
				if !res.HasNext {
					if want := min(len(want), store.ResidentCountCap); res.Count != want {
						t.Errorf("%q: count %d, want %d", tc.term, res.Count, want)
					}
					break
				}
				q.After = res.Residents[len(res.Residents)-1].ID
			}
			slices.Sort(got)
			slices.Sort(want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%q (status %d): %d matches, a scan finds %d", tc.term, tc.status, len(got), len(want))
			}
			// The API's numbered pages find the same residents, in name
			// order, with the exact total.
			var paged []int64
			prev := ""
			for p := 1; ; p++ {
				res, err := st.SearchResidents(ctx, a.ID, store.ResidentFilter{Query: tc.term, LifeStatus: tc.status,
					Page: p, PerPage: 100})
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != int64(len(want)) {
					t.Errorf("%q page %d: total %d, want %d", tc.term, p, res.Total, len(want))
				}
				for _, r := range res.Residents {
					if r.Name < prev {
						t.Errorf("%q: %q after %q, not in name order", tc.term, r.Name, prev)
					}
					prev = r.Name
					paged = append(paged, r.ID)
				}
				if len(res.Residents) < 100 {
					break
				}
			}
			slices.Sort(paged)
			if fmt.Sprint(paged) != fmt.Sprint(want) {
				t.Errorf("%q (status %d): SearchResidents finds %d, a scan finds %d", tc.term, tc.status, len(paged), len(want))
			}
		}
	})
}

// TestNameGramsBackfill stores residents before migration 00081 and checks
// that 00082 makes them findable by part of the name.
func TestNameGramsBackfill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		a := newVillage(t, st, "3505122001", "Sumberejo")
		seedRegister(t, st, a.ID, 50)
		if err := store.MigrateDownTo(ctx, st, 80); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := st.FindResidents(ctx, a.ID, store.ResidentQuery{Text: "santoso"})
		if err != nil || res.Count == 0 {
			t.Fatalf("after the backfill: %d matches, %v", res.Count, err)
		}
	})
}

// The search remembers how common each trigram is, to choose which
// postings to walk. A remembered count that is out of date must never
// change what is found: a name written after a search that counted its
// trigrams (none then) is found by the next search, with the right count.
func TestNameSearchAfterTrigramCountsChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		a := newVillage(t, st, "3505122001", "Sumberejo")
		recs := seedRegister(t, st, a.ID, 60)
		for _, term := range []string{"qomariyah", "siti qomar"} {
			res, err := st.FindResidents(ctx, a.ID, store.ResidentQuery{Text: term})
			if err != nil || res.Count != 0 {
				t.Fatalf("%q before: %v, %+v", term, err, res)
			}
		}
		// Three residents take the name, one of them through a re-import.
		page, err := st.SearchResidents(ctx, a.ID, store.ResidentFilter{PerPage: 2})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range page.Residents {
			r.Name = fmt.Sprintf("Siti Qomariyah %d", i)
			if err := st.UpdateResident(ctx, admin, a.ID, &r, r.Household); err != nil {
				t.Fatal(err)
			}
		}
		recs[40].Resident.Name = "Siti Qomariyah Lestari"
		if _, err := st.ImportResidents(ctx, admin, a.ID, recs[40:41], false); err != nil {
			t.Fatal(err)
		}
		for _, term := range []string{"qomariyah", "siti qomar", "QOMAR"} {
			res, err := st.FindResidents(ctx, a.ID, store.ResidentQuery{Text: term})
			if err != nil {
				t.Fatal(err)
			}
			if res.Count != 3 || len(res.Residents) != 3 {
				t.Errorf("%q after: count %d, %d shown, want 3", term, res.Count, len(res.Residents))
			}
			api, err := st.SearchResidents(ctx, a.ID, store.ResidentFilter{Query: term})
			if err != nil {
				t.Fatal(err)
			}
			if api.Total != 3 || len(api.Residents) != 3 {
				t.Errorf("%q after, API: total %d, %d listed, want 3", term, api.Total, len(api.Residents))
			}
		}
	})
}

// TestNameSearchWalksTheRarerCommonTrigram searches a village where every
// trigram of "wibowo a" is held by more than the first count's cap of
// names, "o a" by the fewest: the search walks "o a" (counted on past the
// cap, once), and finds every match all the same. Without the second
// count it walked "wib", the first.
func TestNameSearchWalksTheRarerCommonTrigram(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		a := newVillage(t, st, "3505122001", "Sumberejo")
		recs := registerRecords(1500)
		for i := range recs {
			given := "Budi"
			if i%4 != 0 {
				given = "Adi" // 1,125 names hold "o a"
			}
			recs[i].Resident.Name = fmt.Sprintf("Wibowo %s %d", given, i)
		}
		if _, err := st.ImportResidents(ctx, admin, a.ID, recs, false); err != nil {
			t.Fatal(err)
		}
		for range 2 { // counted, then remembered
			gram, err := store.RarestGram(st, ctx, a.ID, "wibowo a")
			if err != nil || gram != "o a" {
				t.Fatalf("rarest trigram of %q = %q, %v; want %q", "wibowo a", gram, err, "o a")
			}
		}
		res, err := st.FindResidents(ctx, a.ID, store.ResidentQuery{Text: "wibowo a", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != 1000 || !res.CountCapped || len(res.Residents) != 100 ||
			!strings.HasPrefix(res.Residents[0].Name, "Wibowo Adi ") {
			t.Errorf("search: count %d capped %v, %d shown, first %q", res.Count, res.CountCapped,
				len(res.Residents), res.Residents[0].Name)
		}
		// Under the cap the first count decides: "bud" and "udi" are held by
		// 375 names, "di " by all.
		if gram, err := store.RarestGram(st, ctx, a.ID, "budi 1"); err != nil || gram != "bud" {
			t.Errorf("rarest trigram of %q = %q, %v; want %q", "budi 1", gram, err, "bud")
		}
	})
}
