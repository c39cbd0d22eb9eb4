package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

var cheapParams = auth.Params{Time: 1, Memory: 1024, Threads: 1}

// sessionRows opens a connection of its own on dsn and reports which of the
// token hashes still have a row in table.
func sessionRows(t *testing.T, b storetest.Backend, dsn, table string, hashes ...string) map[string]bool {
	t.Helper()
	db, err := sql.Open(string(b), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	left := map[string]bool{}
	for _, h := range hashes {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM "+table+" WHERE token_hash = ?", h).Scan(&n); err != nil {
			t.Fatal(err)
		}
		left[h] = n > 0
	}
	return left
}

// sessionFixture seeds the demo village and returns a staff user id and a
// resident account id to hang sessions on.
func sessionFixture(t *testing.T, st *store.Store) (userID, accountID int64) {
	t.Helper()
	ctx := context.Background()
	res, err := demo.Seed(ctx, st, cheapParams, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByUsername(ctx, "operator")
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.SearchResidents(ctx, res.Village.ID, store.ResidentFilter{LifeStatus: surat.LifeAlive, PerPage: 1})
	if err != nil || len(page.Residents) == 0 {
		t.Fatalf("a living resident: %v %v", page, err)
	}
	hash, err := auth.Hash("582913", cheapParams)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := st.IssueResidentPIN(ctx, surat.Actor{Username: "test"}, res.Village.ID, page.Residents[0].ID, hash)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID, acc.ID
}

func addStaffSession(t *testing.T, st *store.Store, userID int64, hash string, expires time.Time) {
	t.Helper()
	err := st.CreateSession(context.Background(), &store.Session{TokenHash: hash, Kind: "web", UserID: userID,
		CSRFToken: "csrf", ExpiresAt: expires.UTC(), CreatedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
}

func addResidentSession(t *testing.T, st *store.Store, accountID int64, hash string, expires time.Time) {
	t.Helper()
	err := st.CreateResidentSession(context.Background(), &store.ResidentSession{TokenHash: hash, Kind: "web",
		AccountID: accountID, CSRFToken: "csrf", ExpiresAt: expires.UTC(), CreatedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
}

// waitGone polls until none of hashes has a row left in table.
func waitGone(t *testing.T, b storetest.Backend, dsn, table string, hashes ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		left := sessionRows(t, b, dsn, table, hashes...)
		gone := true
		for _, ok := range left {
			gone = gone && !ok
		}
		if gone {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s rows still there: %v", table, left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPurgeSessionsJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st, dsn := storetest.OpenDSN(t, b, nil)
		userID, accountID := sessionFixture(t, st)
		now := time.Now()
		// A staff session is kept store.SignedOutStashSessionAge past its
		// expiry (a form typed when it ran out can still be stashed).
		addStaffSession(t, st, userID, "staff-expired", now.Add(-store.SignedOutStashSessionAge-time.Minute))
		addStaffSession(t, st, userID, "staff-recently-expired", now.Add(-time.Minute))
		addStaffSession(t, st, userID, "staff-live", now.Add(time.Hour))
		addResidentSession(t, st, accountID, "resident-expired", now.Add(-time.Minute))
		addResidentSession(t, st, accountID, "resident-live", now.Add(time.Hour))

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() {
			purgeSessions(ctx, st, 50*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
			close(done)
		}()
		waitGone(t, b, dsn, "sessions", "staff-expired")
		waitGone(t, b, dsn, "resident_sessions", "resident-expired")

		// A session that expires after the first round goes at a later tick.
		addResidentSession(t, st, accountID, "resident-expiring", time.Now().Add(200*time.Millisecond))
		waitGone(t, b, dsn, "resident_sessions", "resident-expiring")

		if left := sessionRows(t, b, dsn, "sessions", "staff-recently-expired"); !left["staff-recently-expired"] {
			t.Error("a staff session that expired a minute ago was purged before its stash time ran out")
		}
		if left := sessionRows(t, b, dsn, "sessions", "staff-live"); !left["staff-live"] {
			t.Error("the unexpired staff session was purged")
		}
		if left := sessionRows(t, b, dsn, "resident_sessions", "resident-live"); !left["resident-live"] {
			t.Error("the unexpired resident session was purged")
		}
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("purge job did not stop when its context ended")
		}
	})
}

// TestServePurgesExpiredSessions checks the wiring: serve starts the purge
// job, and shuts down cleanly with it running.
func TestServePurgesExpiredSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st, dsn := storetest.OpenDSN(t, b, nil)
		userID, _ := sessionFixture(t, st)
		addStaffSession(t, st, userID, "old-session", time.Now().Add(-store.SignedOutStashSessionAge-time.Hour))
		addStaffSession(t, st, userID, "current-session", time.Now().Add(time.Hour))

		addr := freeAddr(t)
		env := envFor(map[string]string{"APP_DB": string(b), "APP_DSN": dsn, "APP_SECRET": testSecret, "APP_STORAGE": t.TempDir(),
			"APP_ADDR": addr, "APP_LOG_LEVEL": "warn"})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"serve"}, env, nil, io.Discard) }()
		waitHealthy(t, "http://"+addr, done)
		waitGone(t, b, dsn, "sessions", "old-session")
		if left := sessionRows(t, b, dsn, "sessions", "current-session"); !left["current-session"] {
			t.Error("serve purged an unexpired session")
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run after shutdown: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("server did not shut down")
		}
	})
}
