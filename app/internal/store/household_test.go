package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// A household search by name finds the households whose head holds the
// name, in the village only: not those where another member does, and
// after a rename, the new name and not the old one. A term too short for
// a trigram and an address still match.
func TestFindHouseholdsByHeadName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		a := newVillage(t, st, "3505122001", "Sumberejo")
		other := newVillage(t, st, "3505122002", "Kalipang")
		add := func(v *surat.Village, nik, name string, rel int, kk, address string) *surat.Resident {
			t.Helper()
			r, h := person(nik, name)
			r.Relation = rel
			h.NoKK, h.Address = kk, address
			if err := st.CreateResident(ctx, admin, v.ID, r, h); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			return r
		}
		add(a, "3505121501800001", "Budi Santoso", surat.RelationHead, "3505120101080001", "Jl. Mawar 1")
		add(a, "3505125501100002", "Sari Kurniasih", 4, "3505120101080001", "")
		kurniasih := add(a, "3505121501800003", "Kurniasih Rahayu", surat.RelationHead, "3505120101080002", "Jl. Kenanga 2")
		add(a, "3505125501100004", "Bunga Lestari", 4, "3505120101080002", "")
		add(a, "3505121501800005", "Joko Wibowo", surat.RelationHead, "3505120101080003", "Dusun Santosan")
		add(other, "3505121501800001", "Budi Santoso", surat.RelationHead, "3505120201080001", "Jl. Mawar 1")

		heads := func(t *testing.T, v *surat.Village, q string) []string {
			t.Helper()
			res, err := st.FindHouseholds(ctx, v.ID, store.HouseholdQuery{Text: q})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			var got []string
			for _, h := range res.Households {
				got = append(got, h.HeadName)
			}
			if res.Count != len(got) {
				t.Errorf("search %q: count %d, %d listed", q, res.Count, len(got))
			}
			slices.Sort(got)
			return got
		}
		// A search reads up to householdsAtOnce matches in one pass and
		// counts and pages them itself, or leaves the count and the pages
		// after the first to the database when more match: every way,
		// with the default and with one or two at once.
		for _, atOnce := range []int{0, 1, 2} {
			store.SetSearchAtOnce(st, atOnce)
			t.Run(fmt.Sprintf("%d at once", atOnce), func(t *testing.T) {
				for _, c := range []struct {
					q    string
					want []string
				}{
					{"santoso", []string{"Budi Santoso"}},               // the head's name
					{"SANTOS", []string{"Budi Santoso", "Joko Wibowo"}}, // and an address
					{"kurniasih", []string{"Kurniasih Rahayu"}},         // not Sari, a child
					{"bu", []string{"Budi Santoso"}},                    // no trigram: not Bunga, a child
					{"kenanga", []string{"Kurniasih Rahayu"}},
					{"wibowo", []string{"Joko Wibowo"}},
					{"xyz", nil},
				} {
					if got := heads(t, a, c.q); !slices.Equal(got, c.want) {
						t.Errorf("search %q in %s: %q, want %q", c.q, a.Name, got, c.want)
					}
				}
				if got := heads(t, other, "santoso"); !slices.Equal(got, []string{"Budi Santoso"}) {
					t.Errorf("search in %s: %q", other.Name, got)
				}
				if got := heads(t, other, "kurniasih"); got != nil {
					t.Errorf("search in %s found %s's head: %q", other.Name, a.Name, got)
				}

				// A search pages by No. KK, one household at a time, both ways.
				var forward []string
				var after int64
				for range 4 {
					res, err := st.FindHouseholds(ctx, a.ID, store.HouseholdQuery{Text: "a", Limit: 1, After: after})
					if err != nil {
						t.Fatal(err)
					}
					if len(res.Households) != 1 || res.Count != 3 {
						t.Fatalf("page after %d: %d households, count %d", after, len(res.Households), res.Count)
					}
					forward = append(forward, res.Households[0].NoKK)
					after = res.Households[0].ID
					if !res.HasNext {
						break
					}
				}
				if want := []string{"3505120101080001", "3505120101080002", "3505120101080003"}; !slices.Equal(forward, want) {
					t.Errorf("pages forward: %q, want %q", forward, want)
				}
				res, err := st.FindHouseholds(ctx, a.ID, store.HouseholdQuery{Text: "a", Limit: 2, Before: after})
				if err != nil || len(res.Households) != 2 || res.Households[0].NoKK != "3505120101080001" ||
					res.Households[1].NoKK != "3505120101080002" || res.HasPrev || !res.HasNext {
					t.Errorf("page before the last: %+v, %v", res, err)
				}
			})
		}
		store.SetSearchAtOnce(st, 0)

		// A renamed head is found by the new name only.
		got, err := st.ResidentByID(ctx, a.ID, kurniasih.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Name = "Kurniawati Rahayu"
		if err := st.UpdateResident(ctx, admin, a.ID, got, got.Household); err != nil {
			t.Fatalf("rename: %v", err)
		}
		if got := heads(t, a, "kurniasih"); got != nil {
			t.Errorf("old name still finds %q", got)
		}
		if got := heads(t, a, "kurniawati"); !slices.Equal(got, []string{"Kurniawati Rahayu"}) {
			t.Errorf("new name finds %q", got)
		}
	})
}

// TestHouseholdSearchPastTheCountCap searches 1,002 households that all
// match (their address): the single pass reads one more than the count's
// cap, shows the cap and the first page from it, and the pages after the
// first come from the database.
func TestHouseholdSearchPastTheCountCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		a := newVillage(t, st, "3505122001", "Sumberejo")
		if _, err := st.ImportResidents(ctx, admin, a.ID, registerRecords(4*1002), false); err != nil {
			t.Fatal(err)
		}
		kks := func(res *store.HouseholdResults) []string {
			var got []string
			for _, h := range res.Households {
				got = append(got, h.NoKK)
			}
			return got
		}
		want := func(from, to int) []string { // the No. KK of registerRecords' households from..to
			var w []string
			for i := from; i <= to; i++ {
				w = append(w, fmt.Sprintf("350512%010d", i))
			}
			return w
		}
		first, err := st.FindHouseholds(ctx, a.ID, store.HouseholdQuery{Text: "mawar"})
		if err != nil {
			t.Fatal(err)
		}
		if first.Count != store.ResidentCountCap || !first.CountCapped || first.HasPrev || !first.HasNext ||
			!slices.Equal(kks(first), want(1, 25)) {
			t.Fatalf("first page: count %d capped %v, prev %v next %v, %q", first.Count, first.CountCapped,
				first.HasPrev, first.HasNext, kks(first))
		}
		next, err := st.FindHouseholds(ctx, a.ID, store.HouseholdQuery{Text: "mawar", After: first.Households[24].ID})
		if err != nil {
			t.Fatal(err)
		}
		if next.Count != store.ResidentCountCap || !next.CountCapped || !next.HasPrev || !next.HasNext ||
			!slices.Equal(kks(next), want(26, 50)) {
			t.Fatalf("second page: count %d capped %v, prev %v next %v, %q", next.Count, next.CountCapped,
				next.HasPrev, next.HasNext, kks(next))
		}
		back, err := st.FindHouseholds(ctx, a.ID, store.HouseholdQuery{Text: "mawar", Before: next.Households[0].ID})
		if err != nil || !slices.Equal(kks(back), want(1, 25)) || back.HasPrev || !back.HasNext {
			t.Fatalf("back to the first page: %q, prev %v next %v, %v", kks(back), back.HasPrev, back.HasNext, err)
		}
		// A narrower search is counted exactly from the same single pass.
		narrow, err := st.FindHouseholds(ctx, a.ID, store.HouseholdQuery{Text: "mawar", Dusun: "Krajan"})
		if err != nil || narrow.CountCapped || narrow.Count != 201 {
			t.Fatalf("search in a dusun: count %d capped %v, %v", narrow.Count, narrow.CountCapped, err)
		}
	})
}
