package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// AuthAttempt is the outcome of TakeAuthAttempt.
type AuthAttempt struct {
	// OK is true when the attempt was counted and may go ahead.
	OK bool
	// Hits is the number of attempts counted in the window, this one
	// included when OK.
	Hits int
	// WindowEnds is when the window (and any lock it holds) ends.
	WindowEnds time.Time
}

// TakeAuthAttempt counts one sign-in attempt in bucket against limit
// attempts per window, atomically and in the database (table
// auth_attempts), before the caller checks the password: of many parallel
// attempts exactly limit get through, on SQLite and MySQL, across replicas
// and restarts. A window starts with the first attempt after the previous
// one ended. When the limit is reached the attempt is not counted and OK is
// false.
func (s *Store) TakeAuthAttempt(ctx context.Context, bucket string, limit int, window time.Duration) (AuthAttempt, error) {
	ok, hits, retry, err := s.hitLimit(ctx, "auth_attempts", bucket, limit, window)
	if err != nil {
		return AuthAttempt{}, err
	}
	return AuthAttempt{OK: ok, Hits: hits, WindowEnds: s.now().Add(retry).Truncate(time.Second)}, nil
}

// ForgetAuthAttempts ends the windows of buckets, as after a successful
// sign-in: their counts start again from zero.
func (s *Store) ForgetAuthAttempts(ctx context.Context, buckets ...string) error {
	if len(buckets) == 0 {
		return nil
	}
	release, err := s.gateCounters(ctx)
	if err != nil {
		return fmt.Errorf("store: forget attempts: %w", err)
	}
	defer release()
	// A deadlock victim (or a Galera certification conflict) deleted
	// nothing; delete again (s.retry).
	err = s.retry(ctx, func() error {
		return s.db.WithContext(ctx).Exec("DELETE FROM auth_attempts WHERE bucket IN ?", buckets).Error
	})
	if err != nil {
		return fmt.Errorf("store: forget attempts: %w", err)
	}
	return nil
}

// RefundAuthAttempts takes back one counted attempt from each bucket, for
// an attempt that turned out not to need counting (a right password under
// a per-address limit, or an attempt refused by a later limit).
func (s *Store) RefundAuthAttempts(ctx context.Context, buckets ...string) error {
	if len(buckets) == 0 {
		return nil
	}
	release, err := s.gateCounters(ctx)
	if err != nil {
		return fmt.Errorf("store: refund attempts: %w", err)
	}
	defer release()
	err = s.retry(ctx, func() error {
		return s.db.WithContext(ctx).Exec("UPDATE auth_attempts SET hits = hits - 1 WHERE bucket IN ? AND hits > 0",
			buckets).Error
	})
	if err != nil {
		return fmt.Errorf("store: refund attempts: %w", err)
	}
	return nil
}

// PurgeAuthAttempts deletes the counters of windows that started before
// before and returns how many; callers pass a time older than the longest
// window in use.
func (s *Store) PurgeAuthAttempts(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec("DELETE FROM auth_attempts WHERE window_start < ?", before.Unix())
	if res.Error != nil {
		return 0, fmt.Errorf("store: purge auth attempts: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// AuthAttemptHits is the count of bucket's current window, 0 when it has
// none (or the window is over).
func (s *Store) AuthAttemptHits(ctx context.Context, bucket string, window time.Duration) (int, error) {
	var hits []int
	err := s.db.WithContext(ctx).Table("auth_attempts").Select("hits").
		Where("bucket = ? AND window_start > ?", bucket, s.now().Add(-window).Unix()).Scan(&hits).Error
	if err != nil {
		return 0, fmt.Errorf("store: attempt hits: %w", err)
	}
	if len(hits) == 0 {
		return 0, nil
	}
	return hits[0], nil
}

// AuditLock records in the audit log that too many wrong passwords or PINs
// locked a sign-in (entity "user" or "resident_account"), for the village
// of that account (nil for a kabupaten user); the lock itself lives in
// auth_attempts.
func (s *Store) AuditLock(ctx context.Context, villageID *int64, entity string, id int64, detail string) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		return s.appendAudit(tx, surat.Actor{Username: "system"}, villageID, entity+".lock", entity, id, nil, nil, detail)
	})
	return translate("audit lock", err)
}
