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

// addAlive moves the village's count of alive residents by delta, inside
// tx.
func addAlive(tx *gorm.DB, villageID, delta int64) error {
	if delta == 0 {
		return nil
	}
	err := tx.Exec("UPDATE village_stats SET residents_alive = residents_alive + ? WHERE village_id = ?", delta, villageID).Error
	if err != nil {
		return fmt.Errorf("count alive residents: %w", err)
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
			"INSERT INTO village_stats (village_id, residents_alive) SELECT v.id, " +
				"(SELECT COUNT(*) FROM residents r WHERE r.village_id = v.id AND r.life_status = 1) FROM villages v",
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

// SignedSums are the letters signed since a year as the three letter
// counters count them. They agree unless something signed letters without
// counting them in all three: a replica of a version older than migration
// 00120 during a rolling update, or rows written by plain SQL.
type SignedSums struct {
	ByVillageMonthType, ByVillageMonth, ByMonthType int64
}

// Agree tells whether the three sums are equal.
func (s SignedSums) Agree() bool {
	return s.ByVillageMonthType == s.ByVillageMonth && s.ByVillageMonth == s.ByMonthType
}

// SignedSumsSince sums the three letter counters from January of year on,
// in one statement, so that all three are read from one snapshot: a
// finalising transaction changes them together.
func (s *Store) SignedSumsSince(ctx context.Context, year int) (SignedSums, error) {
	var out SignedSums
	err := s.db.WithContext(ctx).Raw("SELECT "+
		"COALESCE((SELECT SUM(signed) FROM letter_month_counts WHERE year >= ?), 0), "+
		"COALESCE((SELECT SUM(signed) FROM letter_month_totals WHERE year >= ?), 0), "+
		"COALESCE((SELECT SUM(signed) FROM letter_module_months WHERE year >= ?), 0)", year, year, year).
		Row().Scan(&out.ByVillageMonthType, &out.ByVillageMonth, &out.ByMonthType)
	return out, translate("sum signed letter counters", err)
}
