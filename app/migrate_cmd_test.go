package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// testSecret is APP_SECRET for tests in MySQL mode, where it is required.
const testSecret = "test-secret-0123456789abcdef0123456789"

// emptyDatabase returns APP_DB, APP_DSN and a plain connection for a
// database that does not exist yet on backend b (MySQL: a fresh name on
// the APP_TEST_MYSQL_DSN server, dropped after the test; SQLite: a file in
// a new directory).
func emptyDatabase(t *testing.T, b storetest.Backend) (dsn string, db *sql.DB) {
	t.Helper()
	if b == storetest.SQLite {
		dsn = filepath.Join(t.TempDir(), "suratdesa.db")
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return dsn, db
	}
	cfg, err := mysql.ParseDSN(os.Getenv("APP_TEST_MYSQL_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	rnd := make([]byte, 6)
	rand.Read(rnd)
	name := "suratdesa_empty_" + hex.EncodeToString(rnd)
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name)
		admin.Close()
	})
	cfg.DBName = name
	return cfg.FormatDSN(), admin
}

// TestMigrateUpInParallel starts three "app migrate up" at once on an
// empty database: all succeed (the others wait for the lock, then find
// nothing to do), every migration is recorded once, and the schema is
// complete. In MySQL mode the database does not exist yet and
// APP_DB_CREATE lets each of them create it.
func TestMigrateUpInParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		dsn, _ := emptyDatabase(t, b)
		env := envFor(map[string]string{"APP_DB": string(b), "APP_DSN": dsn, "APP_SECRET": testSecret,
			"APP_STORAGE": t.TempDir(), "APP_LOG_LEVEL": "warn", "APP_DB_CREATE": "true"})
		ctx := context.Background()
		const procs = 3
		var wg sync.WaitGroup
		errs := make([]error, procs)
		outs := make([]bytes.Buffer, procs)
		for i := range procs {
			wg.Go(func() { errs[i] = run(ctx, []string{"migrate", "up"}, env, nil, &outs[i]) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("migrate up %d: %v\n%s", i, err, outs[i].String())
			}
		}
		var status bytes.Buffer
		if err := run(ctx, []string{"migrate", "status"}, env, nil, &status); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(status.String()), "\n")
		if len(lines) < 15 {
			t.Fatalf("migrate status lists %d migrations:\n%s", len(lines), status.String())
		}
		for _, l := range lines {
			if !strings.Contains(l, "applied") {
				t.Errorf("not applied after parallel runs: %s", l)
			}
		}
		// Each migration recorded exactly once, and the schema answers.
		conn := storetest.SQL(t, b, dsn)
		var dups int
		if err := conn.QueryRow("SELECT COUNT(*) FROM (SELECT version_id FROM goose_db_version GROUP BY version_id " +
			"HAVING COUNT(*) > 1) d").Scan(&dups); err != nil {
			t.Fatal(err)
		}
		if dups != 0 {
			t.Errorf("%d migrations recorded more than once", dups)
		}
		var applied int
		if err := conn.QueryRow("SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if applied != len(lines) {
			t.Errorf("goose_db_version has %d migrations, status lists %d", applied, len(lines))
		}
		for _, table := range []string{"letters", "letter_counters", "audit_log", "residents"} {
			if _, err := conn.Exec("SELECT COUNT(*) FROM " + table); err != nil {
				t.Errorf("table %s after parallel migrations: %v", table, err)
			}
		}
	})
}

// TestMissingMySQLDatabase: a server without the database is reported as
// exactly that, with the two ways out, and not as "not reachable".
func TestMissingMySQLDatabase(t *testing.T) {
	if os.Getenv("APP_TEST_MYSQL_DSN") == "" {
		t.Skip("APP_TEST_MYSQL_DSN not set")
	}
	dsn, admin := emptyDatabase(t, storetest.MySQL)
	env := map[string]string{"APP_DB": "mysql", "APP_DSN": dsn, "APP_SECRET": testSecret,
		"APP_STORAGE": t.TempDir(), "APP_LOG_LEVEL": "warn"}
	var out bytes.Buffer
	err := run(context.Background(), []string{"migrate", "status"}, envFor(env), nil, &out)
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "APP_DB_CREATE") ||
		strings.Contains(err.Error(), "not reachable") {
		t.Fatalf("missing database: %v", err)
	}
	cfg, _ := mysql.ParseDSN(dsn)
	var n int
	admin.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", cfg.DBName).Scan(&n)
	if n != 0 {
		t.Error("the database was created without APP_DB_CREATE")
	}
	env["APP_DB_CREATE"] = "true"
	if err := run(context.Background(), []string{"migrate", "up"}, envFor(env), nil, &out); err != nil {
		t.Fatalf("with APP_DB_CREATE: %v", err)
	}
}
