package main

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// TestStatsRecount signs three letters, has the counters go wrong (as a
// replica of an older version leaves them during a rolling update past
// migration 00120, counting in letter_month_counts only) and checks that
// `app stats recount` puts every counter right from the rows, and that the
// check serve runs every hour tells the broken counters from the right ones.
func TestStatsRecount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, nil)
		storage := t.TempDir()
		fx := approvedLetters(t, st, storage, 3)
		results, err := fx.iss.SignBatch(ctx, fx.kades, fx.village, fx.ids, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Err != nil {
				t.Fatalf("sign letter %d: %v", r.LetterID, r.Err)
			}
		}
		env := envFor(map[string]string{"APP_DB": string(b), "APP_DSN": dsn, "APP_SECRET": testSecret, "APP_STORAGE": storage,
			"APP_LOG_LEVEL": "warn"})
		stats := func(args ...string) (string, error) {
			var out bytes.Buffer
			err := run(ctx, append([]string{"stats"}, args...), env, nil, &out)
			return out.String(), err
		}
		db, err := sql.Open(string(b), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		sum := func(q string) int64 {
			t.Helper()
			var n sql.NullInt64
			if err := db.QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n.Int64
		}
		signed := sum("SELECT COUNT(*) FROM letters WHERE signed_at IS NOT NULL")
		alive := sum("SELECT COUNT(*) FROM residents WHERE life_status = 1")
		if signed == 0 || alive == 0 {
			t.Fatalf("the demo has %d signed letters and %d alive residents; want some of each", signed, alive)
		}
		counters := map[string]string{
			"letter_month_counts":  "SELECT SUM(signed) FROM letter_month_counts",
			"letter_month_totals":  "SELECT SUM(signed) FROM letter_month_totals",
			"letter_module_months": "SELECT SUM(signed) FROM letter_module_months",
			"village_stats":        "SELECT SUM(residents_alive) FROM village_stats",
		}
		var logged bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logged, nil))
		if !checkCounters(ctx, st, time.Now(), log) || logged.Len() > 0 {
			t.Errorf("the counters of a fresh signing disagree:\n%s", logged.String())
		}
		for _, q := range []string{
			"DELETE FROM letter_month_totals",
			"UPDATE letter_module_months SET signed = signed + 5",
			"UPDATE village_stats SET residents_alive = 0",
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if got := sum(counters["letter_month_totals"]); got != 0 {
			t.Fatalf("letter_month_totals still sums to %d", got)
		}

		if checkCounters(ctx, st, time.Now(), log) || !strings.Contains(logged.String(), "app stats recount") {
			t.Errorf("broken counters pass the check; the log says:\n%s", logged.String())
		}
		logged.Reset()

		out, err := stats("recount")
		if err != nil || !strings.Contains(out, "dihitung ulang") {
			t.Fatalf("app stats recount: %v\n%s", err, out)
		}
		for table, q := range counters {
			want := signed
			if table == "village_stats" {
				want = alive
			}
			if got := sum(q); got != want {
				t.Errorf("%s sums to %d after the recount, the rows say %d", table, got, want)
			}
		}
		if !checkCounters(ctx, st, time.Now(), log) || logged.Len() > 0 {
			t.Errorf("the counters disagree after the recount:\n%s", logged.String())
		}
		if _, err := stats("count"); err == nil || !strings.Contains(err.Error(), "app stats recount") {
			t.Errorf("unknown action: %v", err)
		}
		if _, err := stats("recount", "extra"); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
			t.Errorf("extra argument: %v", err)
		}
	})
}
