// Package storetest opens migrated databases for tests: SQLite in a temporary
// directory always, and a fresh MySQL/MariaDB database when
// APP_TEST_MYSQL_DSN is set (created for the test and dropped after it).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/suratdesa/suratdesa/app/internal/store"
)

// Backend names a database kind a test can run on.
type Backend string

// The backends.
const (
	SQLite Backend = "sqlite"
	MySQL  Backend = "mysql"
)

// Backends returns SQLite, plus MySQL when APP_TEST_MYSQL_DSN is set.
func Backends() []Backend {
	if os.Getenv("APP_TEST_MYSQL_DSN") != "" {
		return []Backend{SQLite, MySQL}
	}
	return []Backend{SQLite}
}

// Each runs fn as a subtest once per backend.
func Each(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(string(b), func(t *testing.T) { fn(t, b) })
	}
}

// Open returns a migrated, empty store on backend b, closed (and for MySQL,
// dropped) when the test ends. now may be nil for the real clock.
func Open(t testing.TB, b Backend, now func() time.Time) *store.Store {
	t.Helper()
	st, _ := OpenDSN(t, b, now)
	return st
}

// OpenDSN is Open that also returns the driver DSN, for tests that start the
// whole application against the same database.
func OpenDSN(t testing.TB, b Backend, now func() time.Time) (*store.Store, string) {
	t.Helper()
	return openDSN(t, b, now, store.RequestQuota{})
}

// OpenQuota is Open with a request quota, for tests of the quotas.
func OpenQuota(t testing.TB, b Backend, now func() time.Time, q store.RequestQuota) *store.Store {
	t.Helper()
	st, _ := openDSN(t, b, now, q)
	return st
}

func openDSN(t testing.TB, b Backend, now func() time.Time, q store.RequestQuota) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	var dsn string
	switch b {
	case SQLite:
		dsn = filepath.Join(t.TempDir(), "test.db")
	case MySQL:
		dsn = createMySQLDatabase(t)
	default:
		t.Fatalf("unknown backend %q", b)
	}
	st, err := store.Open(ctx, store.Options{Driver: string(b), DSN: dsn, Now: now, Quota: q})
	if err != nil {
		t.Fatalf("open %s: %v", b, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", b, err)
	}
	return st, dsn
}

func createMySQLDatabase(t testing.TB) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(os.Getenv("APP_TEST_MYSQL_DSN"))
	if err != nil {
		t.Fatalf("APP_TEST_MYSQL_DSN: %v", err)
	}
	rnd := make([]byte, 6)
	rand.Read(rnd)
	name := "suratdesa_test_" + hex.EncodeToString(rnd)
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE " + name)
		admin.Close()
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// SQL opens a plain database/sql connection to the database of dsn (as
// OpenDSN returned it), closed when the test ends, for tests that check
// rows with their own SQL.
func SQL(t testing.TB, b Backend, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if b == MySQL {
		driver = "mysql"
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatalf("dsn: %v", err)
		}
		cfg.ParseTime = true
		dsn = cfg.FormatDSN()
	}
	if b == SQLite {
		dsn += "?_time_format=sqlite" // times written and compared as the store writes them
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", b, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
