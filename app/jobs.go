package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// sessionPurgeEvery is how often serve deletes expired sessions. Expired
// rows already open nothing; purging keeps the tables small and leaves no
// stale token hashes lying around.
const sessionPurgeEvery = time.Hour

// purgeSessions deletes expired staff and resident sessions, and sign-in
// attempt counters of windows a day old, at once and then every interval,
// until ctx is done. A failed round is logged and retried at
// the next tick. With several replicas each one purges; the deletes are
// idempotent, so that costs only a few cheap queries.
func purgeSessions(ctx context.Context, st *store.Store, every time.Duration, log *slog.Logger) {
	repeat(ctx, every, func() {
		n, err := st.PurgeExpiredSessions(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("purging expired sessions failed", "err", err)
		case n > 0:
			log.Info("expired sessions purged", "rows", n)
		}
		// Sign-in counters whose windows (15 minutes at most) are long
		// over hold nothing a lock-out still needs.
		if n, err := st.PurgeAuthAttempts(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
			log.Warn("purging sign-in attempt counters failed", "err", err)
		} else if n > 0 {
			log.Debug("sign-in attempt counters purged", "rows", n)
		}
	})
}

// attemptPurgeEvery is how often serve deletes the counters of the public
// match and bulk-check limits whose windows are long over.
const attemptPurgeEvery = time.Hour

// maintainVerification backfills the paper-match digests of letters signed
// before they existed (or under a changed APP_SECRET) once at start, then
// purges old attempt counters every interval, until ctx is done. Both are
// idempotent, so every replica may run them.
func maintainVerification(ctx context.Context, iss *issuance.Service, ver *verify.Service, every time.Duration, log *slog.Logger) {
	switch n, err := iss.BackfillMatchKeys(ctx); {
	case ctx.Err() != nil:
		return
	case err != nil:
		log.Warn("backfilling match keys failed", "err", err)
	case n > 0:
		log.Info("match keys backfilled", "letters", n)
	}
	repeat(ctx, every, func() {
		n, err := ver.PurgeAttempts(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("purging verification attempts failed", "err", err)
		case n > 0:
			log.Debug("verification attempts purged", "rows", n)
		}
	})
}

// counterCheckEvery is how often serve checks the dashboards' counters
// (checkCounters).
const counterCheckEvery = time.Hour

// checkCounters checks once that the letter counters agree with each other
// over this year and the last, and the register counters with their rows,
// and warns, naming the command that mends them, when they do not:
// replicas of an older version changed rows after a migration that added a
// counter. It reports whether they agree.
func checkCounters(ctx context.Context, st *store.Store, now time.Time, log *slog.Logger) bool {
	sums, err := st.CounterSumsSince(ctx, surat.LetterTime(now).Year()-1)
	switch {
	case ctx.Err() != nil:
		return true
	case err != nil:
		log.Warn("checking the dashboard counters failed", "err", err)
		return true
	case !sums.Agree():
		log.Warn(`the dashboards' counters disagree: rows were changed by a replica of an older version; run "app stats recount" once every replica runs this one`,
			"by_village_month_type", sums.ByVillageMonthType, "by_village_month", sums.ByVillageMonth,
			"by_month_type", sums.ByMonthType, "residents", sums.Residents, "resident_rows", sums.ResidentRows,
			"households", sums.Households, "household_rows", sums.HouseholdRows)
		return false
	}
	return true
}

// watchCounters runs checkCounters at once and then every interval, until
// ctx is done. Each replica checks; it costs three sums over two years of
// counter rows and a count of the residents and households (about 45 ms at
// 300,000 residents on MariaDB).
func watchCounters(ctx context.Context, st *store.Store, every time.Duration, log *slog.Logger) {
	repeat(ctx, every, func() { checkCounters(ctx, st, time.Now(), log) })
}

// repeat calls fn at once and then every interval, until ctx is done; a
// call that fails is logged by fn and retried at the next tick.
func repeat(ctx context.Context, every time.Duration, fn func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
