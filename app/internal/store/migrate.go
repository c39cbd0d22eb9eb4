package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/pressly/goose/v3/lock"
)

// gooseTable is goose's version table (its default name).
const gooseTable = "goose_db_version"

// Migrate applies every pending migration and returns how many ran. It
// holds a lock for the whole run, so several processes migrating one
// database at once (replicas started together, a one-shot migrate job next
// to a --migrate start) apply each migration exactly once: on MySQL a lock
// row in goose_lock with a lease that a killed process loses after 30
// seconds (a row, not GET_LOCK, because Galera does not replicate GET_LOCK
// to the other nodes), on SQLite an exclusive file lock next to the
// database file. A process waits up to ten minutes for the lock.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	locker, release, err := s.migrationLocker()
	if err != nil {
		return 0, err
	}
	defer release()
	// The lock is taken here rather than handed to goose (WithLocker):
	// goose checks for pending migrations, and creates its version table,
	// before it locks, and on Galera three processes creating that table
	// at once left it without its version-0 row ("missing zero version
	// migration"), failing all three.
	if err := locker.Lock(ctx, s.sqlDB); err != nil {
		return 0, fmt.Errorf("store: migration lock: %w", err)
	}
	defer locker.Unlock(context.WithoutCancel(ctx), s.sqlDB)
	p, err := s.gooseProvider()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("store: migrate: %w", err)
	}
	return len(res), nil
}

// migrationLocker returns the lock Migrate holds, and a function that
// releases what it opened.
func (s *Store) migrationLocker() (lock.Locker, func(), error) {
	if s.dialect == "mysql" {
		l, err := lock.NewMySQLTableLocker(
			lock.WithTableLockTimeout(time.Second, 600),
			lock.WithTableUnlockTimeout(time.Second, 30))
		if err != nil {
			return nil, nil, fmt.Errorf("store: migration lock: %w", err)
		}
		return l, func() {}, nil
	}
	if s.path == "" || s.path == ":memory:" {
		// Only this process sees the database.
		return noLock{}, func() {}, nil
	}
	f := flock.New(s.path + ".migrate-lock")
	return fileLock{f}, func() { f.Close() }, nil
}

// fileLock is the SQLite migration lock: one file per database, locked
// exclusively (flock), released by the kernel when a process dies.
type fileLock struct{ f *flock.Flock }

func (l fileLock) Lock(ctx context.Context, _ *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	ok, err := l.f.TryLockContext(ctx, 100*time.Millisecond)
	if err != nil || !ok {
		return fmt.Errorf("store: migration lock %s: %w", l.f.Path(), errors.Join(err, ctx.Err()))
	}
	return nil
}

func (l fileLock) Unlock(context.Context, *sql.DB) error { return l.f.Unlock() }

// noLock is the lock of an in-memory database.
type noLock struct{}

func (noLock) Lock(context.Context, *sql.DB) error   { return nil }
func (noLock) Unlock(context.Context, *sql.DB) error { return nil }

// MigrationState is one migration and whether it has been applied.
type MigrationState struct {
	Version   int64
	Source    string
	Applied   bool
	AppliedAt time.Time
}

// MigrationStatus lists every migration this binary knows, in order, and
// whether the database has it. It only reads: on a database never
// migrated every migration is pending, and nothing is created.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, err := s.gooseProvider()
	if err != nil {
		return nil, err
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	var out []MigrationState
	for _, src := range p.ListSources() {
		m := MigrationState{Version: src.Version, Source: filepath.Base(src.Path)}
		if m.Source == "." || m.Source == "" {
			m.Source = fmt.Sprintf("%05d (Go)", src.Version)
		}
		m.AppliedAt, m.Applied = applied[src.Version]
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// PendingMigrations lists the migrations this binary knows that the
// database has not applied, for a start that must not run on an old
// schema and for /readyz. It only reads.
func (s *Store) PendingMigrations(ctx context.Context) ([]MigrationState, error) {
	all, err := s.MigrationStatus(ctx)
	if err != nil {
		return nil, err
	}
	var pending []MigrationState
	for _, m := range all {
		if !m.Applied {
			pending = append(pending, m)
		}
	}
	return pending, nil
}

// appliedMigrations reads goose's version table: applied versions and
// when. A database without the table has none.
func (s *Store) appliedMigrations(ctx context.Context) (map[int64]time.Time, error) {
	var exists int64
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if s.dialect == "mysql" {
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	}
	if err := s.sqlDB.QueryRowContext(ctx, q, gooseTable).Scan(&exists); err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	applied := map[int64]time.Time{}
	if exists == 0 {
		return applied, nil
	}
	// goose inserts a row per applied migration (is_applied true) and
	// deletes it on the way down; version 0 is its own marker.
	rows, err := s.sqlDB.QueryContext(ctx,
		"SELECT version_id, tstamp FROM "+gooseTable+" WHERE version_id > 0 AND is_applied ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int64
		var at sql.NullString
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("store: migration status: %w", err)
		}
		applied[v] = parseGooseTime(at.String)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	return applied, nil
}

// parseGooseTime reads a tstamp as either driver returns it as text.
func parseGooseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
