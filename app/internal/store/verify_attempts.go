package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// HitLimit counts one attempt in bucket against a limit of limit attempts
// per window, atomically and in the database, so that the limit holds
// under parallel requests and across replicas and restarts. A window starts
// with the first attempt after the previous one ended. When the limit is
// already reached the attempt is not counted: ok is false and retry is how
// long until the window ends.
//
// The count is one conditional UPDATE, which the database runs as one
// step per row on SQLite and MySQL alike: of many parallel attempts,
// exactly limit get through.
func (s *Store) HitLimit(ctx context.Context, bucket string, limit int, window time.Duration) (ok bool, retry time.Duration, err error) {
	ok, _, retry, err = s.hitLimit(ctx, "verify_attempts", bucket, limit, window)
	return ok, retry, err
}

// hitLimit is one attempt of HitLimit or TakeAuthAttempt on table, in one
// transaction. hits is the count after this attempt when ok. A deadlock
// victim (MySQL, or a Galera certification conflict) counted nothing, and
// the transaction runs again (s.retry).
func (s *Store) hitLimit(ctx context.Context, table, bucket string, limit int, window time.Duration) (ok bool, hits int, retry time.Duration, err error) {
	now := s.now().Unix()
	win := int64(window / time.Second)
	cutoff := now - win
	release, err := s.gateCounters(ctx)
	if err != nil {
		return false, 0, 0, fmt.Errorf("store: count attempt: %w", err)
	}
	defer release()
	err = s.retry(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			// The row exists from the first attempt on; creating it counts
			// nothing.
			if err := tx.Exec("INSERT INTO "+table+" (bucket, window_start, hits) VALUES (?, ?, 0)"+
				s.onConflict([]string{"bucket"}, ""), bucket, now).Error; err != nil {
				return err
			}
			// hits is assigned before window_start: MySQL evaluates the
			// assignments in order, each seeing the ones before.
			res := tx.Exec(`UPDATE `+table+` SET
			hits = CASE WHEN window_start <= ? THEN 1 ELSE hits + 1 END,
			window_start = CASE WHEN window_start <= ? THEN ? ELSE window_start END
			WHERE bucket = ? AND (window_start <= ? OR hits < ?)`, cutoff, cutoff, now, bucket, cutoff, limit)
			if res.Error != nil {
				return res.Error
			}
			ok = res.RowsAffected == 1
			var row struct {
				WindowStart int64
				Hits        int
			}
			if err := tx.Table(table).Select("window_start, hits").Where("bucket = ?", bucket).
				Take(&row).Error; err != nil {
				return err
			}
			hits = row.Hits
			retry = time.Duration(row.WindowStart+win-now) * time.Second
			return nil
		})
	})
	if err != nil {
		return false, 0, 0, fmt.Errorf("store: count attempt: %w", err)
	}
	return ok, hits, max(retry, time.Second), nil
}

// PurgeAttempts deletes the counters of windows that started before
// before, which hold nothing a limit still needs, and returns how many.
func (s *Store) PurgeAttempts(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec("DELETE FROM verify_attempts WHERE window_start < ?", before.Unix())
	if res.Error != nil {
		return 0, fmt.Errorf("store: purge attempts: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// gateCounters waits until this process may write a sign-in or lookup
// counter and returns the function that lets the next one go. On SQLite
// every writer takes the one database lock, and dozens of parallel
// attempts polling for it with the driver's busy handler starved some
// past busy_timeout (SQLITE_BUSY under a parallel guessing attack); queued
// here they take turns in order. A SQLite database has one serving
// process, so the gate is whole. MySQL needs none: its row locks queue.
func (s *Store) gateCounters(ctx context.Context) (func(), error) {
	if s.counterGate == nil {
		return func() {}, nil
	}
	select {
	case s.counterGate <- struct{}{}:
		return func() { <-s.counterGate }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
