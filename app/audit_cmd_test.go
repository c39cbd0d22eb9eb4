package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

func TestAuditVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, nil)
		res, err := demo.Seed(ctx, st, cheapParams, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		env := envFor(map[string]string{"APP_DB": string(b), "APP_DSN": dsn, "APP_SECRET": testSecret, "APP_STORAGE": t.TempDir(),
			"APP_LOG_LEVEL": "warn"})
		audit := func(args ...string) (string, error) {
			var out bytes.Buffer
			err := run(ctx, append([]string{"audit"}, args...), env, nil, &out)
			return out.String(), err
		}

		out, err := audit("verify")
		if err != nil {
			t.Fatalf("intact log: %v\n%s", err, out)
		}
		if !strings.Contains(out, "utuh   Desa Sumberejo (kode 3505122001): ") || !strings.Contains(out, "0 rusak") {
			t.Errorf("intact log output:\n%s", out)
		}
		out, err = audit("verify", "--village", demo.VillageCode)
		if err != nil || !strings.Contains(out, "1 rantai") || strings.Contains(out, "Tingkat aplikasi") {
			t.Errorf("one village: %v\n%s", err, out)
		}
		if _, err := audit("verify", "--village", "9999999999"); err == nil || !strings.Contains(err.Error(), "tidak ditemukan") {
			t.Errorf("unknown village: %v", err)
		}
		if _, err := audit("check"); err == nil || !strings.Contains(err.Error(), "audit verify") {
			t.Errorf("unknown action: %v", err)
		}

		// Someone with database access rewrites one entry of the village.
		db, err := sql.Open(string(b), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var id int64
		var action string
		if err := db.QueryRow("SELECT id, action FROM audit_log WHERE village_id = ? ORDER BY id LIMIT 1 OFFSET 5",
			res.Village.ID).Scan(&id, &action); err != nil {
			t.Fatal(err)
		}
		const secret = "3505121501800001"
		if _, err := db.Exec("UPDATE audit_log SET detail = ? WHERE id = ?", "NIK "+secret, id); err != nil {
			t.Fatal(err)
		}
		out, err = audit("verify")
		want := fmt.Sprintf("entri %d", id)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("tampered log: error %v, want one naming %q\n%s", err, want, out)
		}
		if !strings.Contains(out, "RUSAK  Desa Sumberejo") || !strings.Contains(out, want+" (") ||
			!strings.Contains(out, ", "+action+")") || !strings.Contains(out, "1 rusak") {
			t.Errorf("tampered log output lacks the entry's id, time and action:\n%s", out)
		}
		if strings.Contains(out+err.Error(), secret) {
			t.Error("the output repeats the tampered entry's detail")
		}
		if !strings.Contains(out, "utuh   Tingkat aplikasi") {
			t.Errorf("the deployment-wide chain is untouched and should read intact:\n%s", out)
		}
	})
}
