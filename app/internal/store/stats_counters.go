package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The kabupaten pages read counters that the transactions which change
// residents and letters keep up to date (migration 00080): the alive
// residents per village in village_stats, and the letters signed per
// village, month (letter time) and module in letter_month_counts, with
// two coarser sums of it (migration 00120): per village and month in
// letter_month_totals, per month and module over all villages in
// letter_module_months. Counters
// move by deltas, which commute: two transactions that change residents of
// one village at once both count, whatever order they commit in.

// createVillageStats gives a new village its counter row, inside tx.
func createVillageStats(tx *gorm.DB, villageID int64) error {
	if err := tx.Exec("INSERT INTO village_stats (village_id, residents_alive) VALUES (?, 0)", villageID).Error; err != nil {
		return fmt.Errorf("village stats: %w", err)
	}
	return nil
}

// aliveDelta is how a change of life status from before to after moves the
// count of alive residents: +1, -1 or 0. A new resident has before 0.
func aliveDelta(before, after int) int64 {
	var d int64
	if before == surat.LifeAlive {
		d--
	}
	if after == surat.LifeAlive {
		d++
	}
	return d
}

// villageDelta is how a transaction moves its village's register counters
// in village_stats.
type villageDelta struct {
	residents, alive, households int64
}

// addVillageStats moves the village's register counters by d, inside tx.
func addVillageStats(tx *gorm.DB, villageID int64, d villageDelta) error {
	if d == (villageDelta{}) {
		return nil
	}
	err := tx.Exec("UPDATE village_stats SET residents = residents + ?, residents_alive = residents_alive + ?, "+
		"households = households + ? WHERE village_id = ?", d.residents, d.alive, d.households, villageID).Error
	if err != nil {
		return fmt.Errorf("count residents: %w", err)
	}
	return nil
}

// moduleShards is how many rows of letter_module_months share each month
// and letter type (migration 00120): a village counts in shard
// village_id % moduleShards, so that villages signing at the same moment
// seldom wait for the same row.
const moduleShards = 8

// signedKey is a month (letter time) and a letter type.
type signedKey struct {
	year, month int
	module      string
}

// signedCounts are the letters a finalising transaction signs, by month and
// letter type, counted at its end by flush.
type signedCounts map[signedKey]int64

// add counts one letter of module signed at signedAt.
func (c signedCounts) add(module string, signedAt time.Time) {
	lt := surat.LetterTime(signedAt)
	c[signedKey{lt.Year(), int(lt.Month()), module}]++
}

// flush adds the counts of the village's letters to letter_month_counts,
// letter_month_totals and letter_module_months, inside tx, just before it
// commits. Every finalising transaction takes these rows in one order (the
// tables in that order, the keys sorted), so two villages signing at once
// cannot deadlock on the shared rows of letter_module_months, and each
// holds them only while it commits.
func (c signedCounts) flush(s *Store, tx *gorm.DB, villageID int64) error {
	keys := make([]signedKey, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b signedKey) int {
		return cmp.Or(cmp.Compare(a.year, b.year), cmp.Compare(a.month, b.month), strings.Compare(a.module, b.module))
	})
	// add adds n to the counter of table whose key columns hold vals.
	add := func(table string, key []string, n int64, vals ...any) error {
		q := "INSERT INTO " + table + " (" + strings.Join(key, ", ") + ", signed) VALUES (" +
			strings.Repeat("?, ", len(key)) + "?)" + s.onConflict(key, "signed = signed + ?")
		if err := tx.Exec(q, append(vals, n, n)...).Error; err != nil {
			return fmt.Errorf("count signed letters in %s: %w", table, err)
		}
		return nil
	}
	for _, k := range keys {
		if err := add("letter_month_counts", []string{"village_id", "year", "month", "module"}, c[k],
			villageID, k.year, k.month, k.module); err != nil {
			return err
		}
	}
	// The keys of one month are next to each other: one row per month.
	for i := 0; i < len(keys); {
		k, n := keys[i], int64(0)
		for ; i < len(keys) && keys[i].year == k.year && keys[i].month == k.month; i++ {
			n += c[keys[i]]
		}
		if err := add("letter_month_totals", []string{"village_id", "year", "month"}, n, villageID, k.year, k.month); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if err := add("letter_module_months", []string{"year", "month", "module", "shard"}, c[k],
			k.year, k.month, k.module, villageID%moduleShards); err != nil {
			return err
		}
	}
	return nil
}

// RecountStats recomputes every counter from the rows, in one transaction:
// for rows written by plain SQL (a bulk load, a restore from another
// system) that bypassed the store.
func (s *Store) RecountStats(ctx context.Context) error {
	month := map[string][2]string{
		"sqlite": {"CAST(strftime('%Y', signed_at, '+7 hours') AS INTEGER)", "CAST(strftime('%m', signed_at, '+7 hours') AS INTEGER)"},
		"mysql":  {"YEAR(DATE_ADD(signed_at, INTERVAL 7 HOUR))", "MONTH(DATE_ADD(signed_at, INTERVAL 7 HOUR))"},
	}[s.dialect]
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		for _, q := range []string{
			"DELETE FROM village_stats",
			"INSERT INTO village_stats (village_id, residents, residents_alive, households) SELECT v.id, " +
				"(SELECT COUNT(*) FROM residents r WHERE r.village_id = v.id), " +
				"(SELECT COUNT(*) FROM residents r WHERE r.village_id = v.id AND r.life_status = 1), " +
				"(SELECT COUNT(*) FROM households h WHERE h.village_id = v.id) FROM villages v",
			"DELETE FROM letter_month_counts",
			"INSERT INTO letter_month_counts (village_id, year, month, module, signed) SELECT village_id, " +
				month[0] + ", " + month[1] + ", module, COUNT(*) FROM letters WHERE signed_at IS NOT NULL " +
				"GROUP BY village_id, " + month[0] + ", " + month[1] + ", module",
			"DELETE FROM letter_month_totals",
			"INSERT INTO letter_month_totals (village_id, year, month, signed) " +
				"SELECT village_id, year, month, SUM(signed) FROM letter_month_counts GROUP BY village_id, year, month",
			"DELETE FROM letter_module_months",
			"INSERT INTO letter_module_months (shard, year, month, module, signed) " +
				"SELECT village_id % " + strconv.Itoa(moduleShards) + ", year, month, module, SUM(signed) " +
				"FROM letter_month_counts GROUP BY village_id % " + strconv.Itoa(moduleShards) + ", year, month, module",
		} {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return translate("recount stats", err)
}

// CounterSums are what the dashboards' counters say, beside what the rows
// say where that is cheap to count. They agree unless something changed
// rows without counting them: a replica of a version older than the
// migration that added a counter (00120 for the letters, 00130 for the
// residents and households) during a rolling update, or rows written by
// plain SQL.
type CounterSums struct {
	// The letters signed since a year, as the three letter counters
	// count them.
	ByVillageMonthType, ByVillageMonth, ByMonthType int64
	// The residents and households in village_stats, and in their tables.
	Residents, ResidentRows, Households, HouseholdRows int64
}

// Agree tells whether every counter agrees with the others and the rows.
func (s CounterSums) Agree() bool {
	return s.ByVillageMonthType == s.ByVillageMonth && s.ByVillageMonth == s.ByMonthType &&
		s.Residents == s.ResidentRows && s.Households == s.HouseholdRows
}

// CounterSumsSince sums the three letter counters from January of year on,
// and the register counters against their rows, in one statement, so that
// everything is read from one snapshot: a transaction changes rows and
// their counters together.
func (s *Store) CounterSumsSince(ctx context.Context, year int) (CounterSums, error) {
	var out CounterSums
	err := s.db.WithContext(ctx).Raw("SELECT "+
		"COALESCE((SELECT SUM(signed) FROM letter_month_counts WHERE year >= ?), 0), "+
		"COALESCE((SELECT SUM(signed) FROM letter_month_totals WHERE year >= ?), 0), "+
		"COALESCE((SELECT SUM(signed) FROM letter_module_months WHERE year >= ?), 0), "+
		"COALESCE((SELECT SUM(residents) FROM village_stats), 0), (SELECT COUNT(*) FROM residents), "+
		"COALESCE((SELECT SUM(households) FROM village_stats), 0), (SELECT COUNT(*) FROM households)", year, year, year).
		Row().Scan(&out.ByVillageMonthType, &out.ByVillageMonth, &out.ByMonthType,
		&out.Residents, &out.ResidentRows, &out.Households, &out.HouseholdRows)
	return out, translate("sum counters", err)
}
