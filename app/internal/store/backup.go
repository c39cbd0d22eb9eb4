package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
)

// Dialect is "sqlite" or "mysql".
func (s *Store) Dialect() string { return s.dialect }

// VacuumInto writes a consistent copy of a SQLite database to path (which
// must not exist), while other connections keep writing: SQLite's VACUUM
// INTO reads one snapshot.
func (s *Store) VacuumInto(ctx context.Context, path string) error {
	if s.dialect != "sqlite" {
		return errors.New("store: VACUUM INTO is for SQLite only")
	}
	if err := s.db.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("store: vacuum into: %w", err)
	}
	return nil
}

// TableCounts counts the rows of every table of the schema (goose's
// version table included), for a backup's manifest and the check after a
// restore.
func (s *Store) TableCounts(ctx context.Context) (map[string]int64, error) {
	db := s.db.WithContext(ctx)
	var tables []string
	var err error
	if s.dialect == "mysql" {
		err = db.Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'").
			Scan(&tables).Error
	} else {
		err = db.Raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").Scan(&tables).Error
	}
	if err != nil {
		return nil, fmt.Errorf("store: list tables: %w", err)
	}
	sort.Strings(tables)
	out := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := db.Table(t).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("store: count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// Empty reports whether the deployment holds no village, user or letter
// yet (a fresh database a backup may be restored into).
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT (SELECT COUNT(*) FROM villages) + (SELECT COUNT(*) FROM users) +
		(SELECT COUNT(*) FROM letters) + (SELECT COUNT(*) FROM pki_roots)`).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: empty: %w", err)
	}
	return n == 0, nil
}
