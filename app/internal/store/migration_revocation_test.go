package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestMigration40CodesOldRevocations runs 00040 over letters revoked and
// replaced with free-text reasons, as every letter was before: they get the
// codes "other" and "replaced", the public lookup reads only the code, and
// the old text stays in the database as the internal note. Rolling back
// and migrating again works.
func TestMigration40CodesOldRevocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, fixedNow)
		// The village is created through the store at the newest schema;
		// the rest of the test works at version 39 with plain SQL.
		v := newVillage(t, st, "3505122001", "Sumberejo")
		if err := store.MigrateDownTo(ctx, st, 39); err != nil {
			t.Fatalf("down to 39: %v", err)
		}
		db, err := sql.Open(string(b), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		const now = "2026-11-23 03:00:00"
		const note = "Alamat salah: Jl. Kenanga 41, NIK 3505125708850003"
		letter := func(status, code, reason string) {
			t.Helper()
			if _, err := db.ExecContext(ctx, `INSERT INTO letters (village_id, module, status, form_data, number, verify_code,
				issued_at, signed_at, revoked_at, revoke_reason, created_at, updated_at)
				VALUES (?, 'sk_domisili', ?, '{}', ?, ?, ?, ?, ?, ?, ?, ?)`,
				v.ID, status, code, code, now, now, now, reason, now, now); err != nil {
				t.Fatal(err)
			}
		}
		codes := map[string]string{"dicabut": "AAAAAAAAAAAAAAAAAAAAAAAAAA", "diganti": "BBBBBBBBBBBBBBBBBBBBBBBBBB",
			"ditandatangani": "CCCCCCCCCCCCCCCCCCCCCCCCCC"}
		letter("dicabut", codes["dicabut"], note)
		letter("diganti", codes["diganti"], "Diganti dengan surat nomor 470/002/3505122001/XI/2026")
		letter("ditandatangani", codes["ditandatangani"], "")

		for round := range 2 {
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatalf("round %d: migrate: %v", round, err)
			}
			want := map[string]surat.RevocationReason{"dicabut": surat.ReasonOther, "diganti": surat.ReasonReplaced,
				"ditandatangani": ""}
			for status, code := range codes {
				got, err := st.PublicLetterByVerifyCode(ctx, code)
				if err != nil {
					t.Fatal(err)
				}
				if got.RevokeCode != want[status] {
					t.Errorf("round %d: %s letter has code %q, want %q", round, status, got.RevokeCode, want[status])
				}
			}
			var kept string
			if err := db.QueryRowContext(ctx, "SELECT revoke_reason FROM letters WHERE verify_code = ?", codes["dicabut"]).
				Scan(&kept); err != nil || kept != note {
				t.Errorf("round %d: internal note %q %v", round, kept, err)
			}
			if round == 0 {
				if err := store.MigrateDownTo(ctx, st, 39); err != nil {
					t.Fatalf("down to 39 again: %v", err)
				}
			}
		}
		if got := surat.ReasonOther.Label(); got != "Alasan lain (tidak diumumkan)" {
			t.Errorf("the public label of old revocations is %q", got)
		}
	})
}
