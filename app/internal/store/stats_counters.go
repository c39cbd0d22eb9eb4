package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The kabupaten pages read counters that the transactions which change
// residents and letters keep up to date (migration 00080): the alive
// residents per village in village_stats, and the letters signed per
// village, month (letter time) and module in letter_month_counts. Counters
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

// countSigned counts one letter of module signed at signedAt, inside tx.
func (s *Store) countSigned(tx *gorm.DB, villageID int64, module string, signedAt time.Time) error {
	lt := surat.LetterTime(signedAt)
	err := tx.Exec("INSERT INTO letter_month_counts (village_id, year, month, module, signed) VALUES (?, ?, ?, ?, 1)"+
		s.onConflict([]string{"village_id", "year", "month", "module"}, "signed = signed + 1"),
		villageID, lt.Year(), int(lt.Month()), module).Error
	if err != nil {
		return fmt.Errorf("count signed letter: %w", err)
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
		} {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return translate("recount stats", err)
}
