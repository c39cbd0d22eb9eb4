package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestMigration7KeepsRowsAndAddsTheCertificateKey runs 00007 (a table
// rebuild on SQLite, nothing on MySQL) over a database with letters that
// point at each other and at a certificate, a form token and a session
// pointing at them, and a deleted letter's id: every row and id survives,
// no id is handed out twice, and letters.certificate_id is now a foreign
// key. Rolling back and migrating again works too.
func TestMigration7KeepsRowsAndAddsTheCertificateKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, fixedNow)
		raw := dsn
		if b == storetest.SQLite {
			raw += "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" // as the store's own connections
		}
		db, err := sql.Open(string(b), raw)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		exec := func(q string, args ...any) (sql.Result, error) { return db.ExecContext(ctx, q, args...) }
		must := func(q string, args ...any) int64 {
			t.Helper()
			res, err := exec(q, args...)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			id, _ := res.LastInsertId()
			return id
		}

		v := newVillage(t, st, "3505122001", "Sumberejo")
		o := &surat.Official{Name: "Kepala", Jabatan: "Kepala Desa", IsHead: true, Active: true}
		if err := st.CreateOfficial(ctx, admin, v.ID, o); err != nil {
			t.Fatal(err)
		}
		// Raw SQL: the users table of schema 6 lacks columns that
		// surat.User has since gained.
		u := &surat.User{ID: must(`INSERT INTO users (village_id, username, password_hash, role, created_at, updated_at)
			VALUES (?, 'operator', 'x', 'operator', '2026-11-23 03:00:00', '2026-11-23 03:00:00')`, v.ID)}
		root := &surat.RootCA{CommonName: "Root", Fingerprint: "aa", CertPEM: "pem", SealedKey: "key"}
		if err := st.SaveRoot(ctx, admin, root); err != nil {
			t.Fatal(err)
		}
		cert := &surat.SignerCertificate{VillageID: v.ID, OfficialID: o.ID, RootID: root.ID, Serial: "0a",
			Fingerprint: "bb", CertPEM: "pem", SealedKey: "key", NotBefore: fixedNow(), NotAfter: fixedNow().AddDate(2, 0, 0)}
		if err := st.CreateSignerCertificate(ctx, admin, cert, nil); err != nil {
			t.Fatal(err)
		}
		// The rows above are written through the store at the newest
		// schema; the rest of the test works at version 6 with plain SQL.
		if err := store.MigrateDownTo(ctx, st, 6); err != nil {
			t.Fatalf("down to 6: %v", err)
		}
		const now = "2026-11-23 03:00:00"
		letter := func(status string, certID any) int64 {
			return must(`INSERT INTO letters (village_id, module, status, form_data, certificate_id, created_at, updated_at)
				VALUES (?, 'sk_domisili', ?, '{}', ?, ?, ?)`, v.ID, status, certID, now, now)
		}
		signed := letter("diganti", cert.ID)
		draft := letter("draf", nil)
		gone := letter("draf", nil)
		must("UPDATE letters SET replaced_by_id = ? WHERE id = ?", draft, signed)
		must("UPDATE letters SET replaces_id = ? WHERE id = ?", signed, draft)
		must("DELETE FROM letters WHERE id = ?", gone)
		must(`INSERT INTO letter_form_tokens (token, village_id, user_id, letter_id, created_at) VALUES ('tok', ?, ?, ?, ?)`,
			v.ID, u.ID, draft, now)
		if err := st.CreateSession(ctx, &store.Session{TokenHash: "sess", Kind: "web", UserID: u.ID,
			ExpiresAt: fixedNow().Add(time.Hour), CreatedAt: fixedNow()}); err != nil {
			t.Fatal(err)
		}

		check := func(when string) {
			t.Helper()
			var got struct {
				cert                sql.NullInt64
				replacedBy, replace sql.NullInt64
				token               int64
			}
			if err := db.QueryRowContext(ctx, "SELECT certificate_id, replaced_by_id FROM letters WHERE id = ?", signed).
				Scan(&got.cert, &got.replacedBy); err != nil {
				t.Fatalf("%s: signed letter: %v", when, err)
			}
			if err := db.QueryRowContext(ctx, "SELECT replaces_id FROM letters WHERE id = ?", draft).Scan(&got.replace); err != nil {
				t.Fatalf("%s: draft: %v", when, err)
			}
			if err := db.QueryRowContext(ctx, "SELECT letter_id FROM letter_form_tokens WHERE token = 'tok'").Scan(&got.token); err != nil {
				t.Fatalf("%s: form token: %v", when, err)
			}
			if got.cert.Int64 != cert.ID || got.replacedBy.Int64 != draft || got.replace.Int64 != signed || got.token != draft {
				t.Errorf("%s: rows changed: %+v", when, got)
			}
			if _, _, err := st.SessionUser(ctx, "sess", "web"); err != nil {
				t.Errorf("%s: session: %v", when, err)
			}
		}

		if n, err := st.Migrate(ctx); err != nil || n < 1 {
			t.Fatalf("migrate: %d migrations, %v", n, err)
		}
		check("after 00007")
		if next := letter("draf", nil); next <= gone {
			t.Errorf("new letter got id %d, at or below the deleted letter's %d", next, gone)
		}
		if _, err := exec(`INSERT INTO letters (village_id, module, status, form_data, certificate_id, created_at, updated_at)
			VALUES (?, 'sk_domisili', 'draf', '{}', 999999, ?, ?)`, v.ID, now, now); err == nil {
			t.Error("a letter naming no certificate was stored: letters.certificate_id is no foreign key")
		}
		if b == storetest.SQLite {
			if bad := rowsOf(t, db, "PRAGMA foreign_key_check"); len(bad) != 0 {
				t.Errorf("foreign key violations after 00007: %v", bad)
			}
			if _, err := exec("INSERT INTO sessions (token_hash, kind, user_id, expires_at, created_at) VALUES (NULL, 'web', ?, ?, ?)",
				u.ID, now, now); err == nil {
				t.Error("a session without a token hash was stored")
			}
		}

		if err := store.MigrateDownTo(ctx, st, 6); err != nil {
			t.Fatalf("down from 00007: %v", err)
		}
		check("after rolling 00007 back")
		if b == storetest.SQLite {
			// A letter naming a certificate that does not exist (possible
			// before 00007 on SQLite) stops the migration, which changes
			// nothing.
			must("UPDATE letters SET certificate_id = 999999 WHERE id = ?", draft)
			if _, err := st.Migrate(ctx); err == nil {
				t.Fatal("00007 ran over a letter naming no certificate")
			}
			var version int64
			if err := db.QueryRowContext(ctx, "SELECT MAX(version_id) FROM goose_db_version").Scan(&version); err != nil || version != 6 {
				t.Errorf("after the failed migration the schema is at %d (%v), want 6", version, err)
			}
			must("UPDATE letters SET certificate_id = NULL WHERE id = ?", draft)
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatalf("migrate again: %v", err)
		}
		check("after migrating again")
	})
}

// TestMigrationNumberedBelowTheNewestStillRuns: a database that already has
// a higher-numbered migration (work merged in another order) gets a lower
// one that arrives later, instead of refusing to start.
func TestMigrationNumberedBelowTheNewestStillRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		ms, err := st.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		newest := ms[len(ms)-1].Version
		if newest <= 7 {
			t.Skipf("no migration above 00007 (newest %d): nothing can be out of order", newest)
		}
		if err := store.MigrateApply(ctx, st, 7, false); err != nil {
			t.Fatalf("roll back 00007 alone: %v", err)
		}
		n, err := st.Migrate(ctx)
		if err != nil || n != 1 {
			t.Fatalf("migrate with 00007 below the newest (%d) applied: %d migrations, %v", newest, n, err)
		}
		ms, err = st.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if !m.Applied {
				t.Errorf("migration %d not applied", m.Version)
			}
		}
	})
}
