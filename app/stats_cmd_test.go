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
// migration 00120, counting in letter_month_counts only, or past 00130,
// adding residents and households without counting them) and checks that
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
		residents := sum("SELECT COUNT(*) FROM residents")
		households := sum("SELECT COUNT(*) FROM households")
		if signed == 0 || alive == 0 || households == 0 || residents == alive {
			t.Fatalf("the demo has %d signed letters, %d residents (%d alive) in %d households; want some of each, and some not alive",
				signed, residents, alive, households)
		}
		counters := map[string]struct {
			q    string
			want int64
		}{
			"letter_month_counts":        {"SELECT SUM(signed) FROM letter_month_counts", signed},
			"letter_month_totals":        {"SELECT SUM(signed) FROM letter_month_totals", signed},
			"letter_module_months":       {"SELECT SUM(signed) FROM letter_module_months", signed},
			"village_stats (alive)":      {"SELECT SUM(residents_alive) FROM village_stats", alive},
			"village_stats (residents)":  {"SELECT SUM(residents) FROM village_stats", residents},
			"village_stats (households)": {"SELECT SUM(households) FROM village_stats", households},
		}
		var logged bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logged, nil))
		if !checkCounters(ctx, st, time.Now(), log) || logged.Len() > 0 {
			t.Errorf("the counters of a fresh signing disagree:\n%s", logged.String())
		}
		// Each counter broken alone: the check must warn, naming the
		// command, when the letter counters disagree with each other or a
		// register counter with its rows (alive residents it does not
		// count: replicas of every version keep them), and the recount
		// must put every counter right.
		for _, c := range []struct {
			q       string
			checked bool
		}{
			{"DELETE FROM letter_month_totals", true},
			{"UPDATE letter_module_months SET signed = signed + 5", true},
			{"UPDATE village_stats SET residents = residents - 1", true},
			{"UPDATE village_stats SET households = households + 2", true},
			{"UPDATE village_stats SET residents_alive = 0", false},
		} {
			if _, err := db.Exec(c.q); err != nil {
				t.Fatal(err)
			}
			if c.checked && (checkCounters(ctx, st, time.Now(), log) || !strings.Contains(logged.String(), "app stats recount")) {
				t.Errorf("after %q the check passes; the log says:\n%s", c.q, logged.String())
			}
			logged.Reset()
			out, err := stats("recount")
			if err != nil || !strings.Contains(out, "dihitung ulang") {
				t.Fatalf("app stats recount: %v\n%s", err, out)
			}
			for table, ctr := range counters {
				if got := sum(ctr.q); got != ctr.want {
					t.Errorf("%s sums to %d after the recount, the rows say %d", table, got, ctr.want)
				}
			}
			if !checkCounters(ctx, st, time.Now(), log) || logged.Len() > 0 {
				t.Errorf("the counters disagree after the recount:\n%s", logged.String())
			}
		}
		if _, err := stats("count"); err == nil || !strings.Contains(err.Error(), "app stats recount") {
			t.Errorf("unknown action: %v", err)
		}
		if _, err := stats("recount", "extra"); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
			t.Errorf("extra argument: %v", err)
		}
	})
}
