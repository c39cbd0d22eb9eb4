package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestStatsCountersAgreeWithRows changes residents and signs letters by
// every path that moves a counter, some of them concurrently, and checks
// the kabupaten figures (read from the counters) against counts of the
// rows themselves, for ranges of whole and partial months.
func TestStatsCountersAgreeWithRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		clock := newClock(time.Date(2026, 1, 31, 18, 0, 0, 0, time.UTC)) // 1 February 01:00 WIB
		st, dsn := storetest.OpenDSN(t, b, clock.Now)
		a := newLetterEnv(t, st, "3505122001", surat.ScopeModule)
		other := newLetterEnv(t, st, "3505122002", surat.ScopeModule)

		// Residents: created one by one (concurrently), imported (new and
		// updated, alive and not, with households new and known), marked
		// dead by an event, moved to another household.
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				r, h := person(fmt.Sprintf("3505121501809%03d", i), fmt.Sprintf("Warga %d", i))
				h.NoKK = fmt.Sprintf("3505120101089%03d", i)
				if i%4 == 3 {
					r.LifeStatus = surat.LifeMoved
				}
				if err := st.CreateResident(ctx, admin, a.village.ID, r, h); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var recs []surat.ImportRecord
		for i := range 6 { // 0..2 update existing residents, 3..5 are new
			r, h := person(fmt.Sprintf("3505121501809%03d", i*4+1), fmt.Sprintf("Impor %d", i))
			if i >= 3 {
				r.NIK = fmt.Sprintf("3505121501808%03d", i)
			}
			h.NoKK = fmt.Sprintf("3505120101088%03d", i)
			if i%2 == 0 {
				r.LifeStatus = surat.LifeDead
			}
			recs = append(recs, surat.ImportRecord{Row: i + 2, Resident: *r, Household: *h})
		}
		if _, err := st.ImportResidents(ctx, admin, a.village.ID, recs, false); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ImportResidents(ctx, admin, other.village.ID, recs, true); err != nil { // a dry run counts nothing
			t.Fatal(err)
		}
		page, err := st.SearchResidents(ctx, a.village.ID, store.ResidentFilter{LifeStatus: surat.LifeAlive, PerPage: 1})
		if err != nil || len(page.Residents) == 0 {
			t.Fatalf("an alive resident: %v", err)
		}
		r := page.Residents[0]
		if err := st.RecordResidentExit(ctx, admin, a.village.ID, r.ID, r.Version, &store.ResidentEvent{
			Kind: store.EventDeath, EventDate: clock.Now(), Reason: "Sakit"}); err != nil {
			t.Fatal(err)
		}

		// A resident joins a household that exists (the village has no new
		// household), then moves to one that does not yet (it has one).
		joiner, h := person("3505121501807001", "Anggota Baru")
		joiner.Relation, h.NoKK = 4, "3505120101089000"
		if err := st.CreateResident(ctx, admin, a.village.ID, joiner, h); err != nil {
			t.Fatal(err)
		}
		moved := *h
		moved.NoKK = "3505120101087001"
		if err := st.UpdateResident(ctx, admin, a.village.ID, joiner, &moved); err != nil {
			t.Fatal(err)
		}

		// Letters signed across three months, three of them (two of one
		// type) in one transaction, and one draft that does not count.
		sign := func(e *letterEnv, module string) {
			t.Helper()
			if _, err := e.finalize(e.approved(t, module).ID); err != nil {
				t.Fatal(err)
			}
		}
		sign(a, "sk_domisili")
		clock.Set(time.Date(2026, 3, 15, 3, 0, 0, 0, time.UTC))
		var batch []store.FinalizeItem
		for _, m := range []string{"sk_usaha", "sk_kelahiran", "sk_usaha"} {
			batch = append(batch, store.FinalizeItem{LetterID: a.approved(t, m).ID, DefaultKodeSurat: "470"})
		}
		if _, err := st.FinalizeLetters(ctx, a.clerk, a.village.ID, batch, 2, fakeSign); err != nil {
			t.Fatal(err)
		}
		sign(other, "sk_usaha")
		clock.Set(time.Date(2026, 4, 30, 16, 59, 0, 0, time.UTC)) // 30 April 23:59 WIB
		sign(a, "sk_usaha")
		clock.Set(time.Date(2026, 4, 30, 17, 1, 0, 0, time.UTC)) // 1 May 00:01 WIB
		sign(other, "sk_domisili")
		a.draft(t, "sk_usaha")

		direct := storetest.SQL(t, b, dsn)
		wib := surat.LetterTime(time.Time{}).Location()
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, wib) }
		for _, rg := range [][2]time.Time{
			{day(2026, 1, 1), day(2027, 1, 1)},   // whole months only
			{day(2026, 2, 1), day(2026, 2, 2)},   // one day
			{day(2026, 1, 20), day(2026, 4, 10)}, // partial, whole, partial
			{day(2026, 4, 30), day(2026, 5, 2)},  // across a month boundary
			{day(2026, 3, 15), day(2026, 3, 15)}, // empty
		} {
			recap, err := st.LetterRecap(ctx, rg[0], rg[1])
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, r := range recap {
				got[fmt.Sprintf("%d/%s", r.VillageID, r.Module)] = r.N
			}
			want := map[string]int64{}
			rows, err := direct.Query("SELECT village_id, module, COUNT(*) FROM letters WHERE signed_at >= ? AND signed_at < ? GROUP BY village_id, module",
				rg[0].UTC(), rg[1].UTC())
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var v, n int64
				var m string
				if err := rows.Scan(&v, &m, &n); err != nil {
					t.Fatal(err)
				}
				want[fmt.Sprintf("%d/%s", v, m)] = n
			}
			rows.Close()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("recap %s..%s = %v, the rows say %v", rg[0].Format("2006-01-02"), rg[1].Format("2006-01-02"), got, want)
			}
			checkKabupatenSums(t, st, direct, rg[0], rg[1])
		}
		// One village by name: the sums of the villages matching a filter.
		one, err := st.LetterRecapPage(ctx, day(2026, 1, 1), day(2027, 1, 1), store.VillageFilter{Query: a.village.Name})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(one.Modules) != "[{0 sk_domisili 1} {0 sk_kelahiran 1} {0 sk_usaha 3}]" || one.Total != 5 {
			t.Errorf("recap of %s: modules %v, total %d; want sk_domisili 1, sk_kelahiran 1, sk_usaha 3, total 5",
				a.village.Name, one.Modules, one.Total)
		}
		before := counterRows(t, direct)

		// Counting afresh from the rows changes nothing.
		if err := st.RecountStats(ctx); err != nil {
			t.Fatal(err)
		}
		if after := counterRows(t, direct); after != before {
			t.Errorf("the counters kept by signing:\n%s\ncounted afresh:\n%s", before, after)
		}
		sums, err := st.VillageSummaries(ctx, day(2026, 1, 1), day(2027, 1, 1), store.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var allAlive, allSigned int64
		for _, s := range sums.Villages {
			var alive, signed int64
			if err := direct.QueryRow("SELECT COUNT(*) FROM residents WHERE village_id = ? AND life_status = ?",
				s.ID, surat.LifeAlive).Scan(&alive); err != nil {
				t.Fatal(err)
			}
			if err := direct.QueryRow("SELECT COUNT(*) FROM letters WHERE village_id = ? AND signed_at IS NOT NULL",
				s.ID).Scan(&signed); err != nil {
				t.Fatal(err)
			}
			if s.Residents != alive || s.Letters != signed {
				t.Errorf("village %s: counters say %d alive, %d signed; the rows %d and %d",
					s.Code, s.Residents, s.Letters, alive, signed)
			}
			var rows store.VillageCounts
			if err := direct.QueryRow("SELECT (SELECT COUNT(*) FROM residents WHERE village_id = ?), "+
				"(SELECT COUNT(*) FROM households WHERE village_id = ?)", s.ID, s.ID).Scan(&rows.Residents, &rows.Households); err != nil {
				t.Fatal(err)
			}
			rows.Alive = alive
			if got, err := st.VillageCounts(ctx, s.ID); err != nil || got != rows {
				t.Errorf("village %s: the dashboard's counts %+v (%v), the rows say %+v", s.Code, got, err, rows)
			}
			allAlive, allSigned = allAlive+alive, allSigned+signed
		}
		if sums.Total != 2 || sums.Residents != allAlive || sums.Letters != allSigned {
			t.Errorf("totals: %d villages, %d alive, %d signed; want 2, %d, %d",
				sums.Total, sums.Residents, sums.Letters, allAlive, allSigned)
		}
	})
}

// checkKabupatenSums checks the kabupaten pages' sums over every village
// for [from, to) against counts of the letters themselves: the letters per
// village (VillageSummaries, from letter_month_totals) and per letter type
// (LetterRecapPage, from letter_module_months).
func checkKabupatenSums(t *testing.T, st *store.Store, direct *sql.DB, from, to time.Time) {
	t.Helper()
	ctx := context.Background()
	count := func(group string) map[string]int64 {
		rows, err := direct.Query("SELECT "+group+", COUNT(*) FROM letters WHERE signed_at >= ? AND signed_at < ? GROUP BY "+group,
			from.UTC(), to.UTC())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			out[k] = n
		}
		return out
	}
	span := from.Format("2006-01-02") + ".." + to.Format("2006-01-02")
	sums, err := st.VillageSummaries(ctx, from, to, store.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got, total := map[string]int64{}, int64(0)
	for _, v := range sums.Villages {
		if v.Letters > 0 {
			got[fmt.Sprint(v.ID)] = v.Letters
		}
		total += v.Letters
	}
	want := count("village_id")
	if fmt.Sprint(got) != fmt.Sprint(want) || sums.Letters != total {
		t.Errorf("letters per village %s = %v (total %d), the rows say %v", span, got, sums.Letters, want)
	}
	recap, err := st.LetterRecapPage(ctx, from, to, store.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got, total = map[string]int64{}, 0
	for _, m := range recap.Modules {
		got[m.Module] = m.N
		total += m.N
	}
	if want := count("module"); fmt.Sprint(got) != fmt.Sprint(want) || recap.Total != total {
		t.Errorf("letters per type %s = %v (total %d), the rows say %v", span, got, recap.Total, want)
	}
}

// counterRows are the rows of the letter and register counters, as text.
func counterRows(t *testing.T, direct *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT village_id, year, month, module, signed FROM letter_month_counts ORDER BY 1, 2, 3, 4",
		"SELECT village_id, year, month, '', signed FROM letter_month_totals ORDER BY 1, 2, 3",
		"SELECT shard, year, month, module, signed FROM letter_module_months ORDER BY 1, 2, 3, 4",
		"SELECT village_id, residents, residents_alive, '', households FROM village_stats ORDER BY 1",
	} {
		rows, err := direct.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, y, m, n int64
			var mod string
			if err := rows.Scan(&a, &y, &m, &mod, &n); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%d %d-%02d %s %d; ", a, y, m, mod, n)
		}
		rows.Close()
		b.WriteString("\n")
	}
	return b.String()
}

// TestSignedCountersAcrossVillagesAtOnce has sixteen villages sign batches
// of three letter types at once, each village in its own order of types,
// two villages to each shard of letter_module_months. Every transaction
// takes the shared rows in the same order, so none may deadlock or be run
// again, and the sums must come out as the letters say.
func TestSignedCountersAcrossVillagesAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, nil)
		types := []string{"sk_usaha", "sk_domisili", "sk_kelahiran"}
		const villages, rounds = 16, 3
		envs := make([]*letterEnv, villages)
		batches := make([][][]store.FinalizeItem, villages)
		for v := range envs {
			envs[v] = newLetterEnv(t, st, fmt.Sprintf("35051220%02d", v+1), surat.ScopeModule)
			for range rounds {
				var batch []store.FinalizeItem
				for i := range types {
					m := types[(v+i)%len(types)]
					if v%2 == 1 {
						m = types[(v+len(types)-i)%len(types)]
					}
					batch = append(batch, store.FinalizeItem{LetterID: envs[v].approved(t, m).ID, DefaultKodeSurat: "470"})
				}
				batches[v] = append(batches[v], batch)
			}
		}
		retries := st.TxRetries()
		start := make(chan struct{})
		var wg sync.WaitGroup
		for v, e := range envs {
			wg.Go(func() {
				<-start
				for _, batch := range batches[v] {
					if _, err := st.FinalizeLetters(ctx, e.clerk, e.village.ID, batch, 1, fakeSign); err != nil {
						t.Errorf("village %d: %v", v+1, err)
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		if n := st.TxRetries() - retries; n != 0 {
			t.Errorf("%d transactions were run again after a deadlock or lock wait", n)
		}
		now := time.Now()
		checkKabupatenSums(t, st, storetest.SQL(t, b, dsn), now.AddDate(-1, 0, 0), now.AddDate(0, 0, 1))
	})
}
