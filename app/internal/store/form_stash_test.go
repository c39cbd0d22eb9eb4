package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestSignedOutStashQuota replays the stash attack of issue 12 (64 MB
// written without logging in): a form kept while signed out needs a
// session that really existed, and one session keeps at most
// MaxStashesPerSession forms and MaxStashBytesPerSession bytes, even when
// the posts come in parallel.
func TestSignedOutStashQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		v := newVillage(t, st, "3505122001", "Sumberejo")
		u := &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &v.ID}
		if err := st.CreateUser(ctx, admin, u); err != nil {
			t.Fatal(err)
		}
		sess := &store.Session{TokenHash: strings.Repeat("a", 64), Kind: "web", UserID: u.ID, CSRFToken: "c",
			ExpiresAt: fixedNow().Add(-time.Hour), CreatedAt: fixedNow().Add(-13 * time.Hour)}
		if err := st.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		stash := func(i int, data string) *store.FormStash {
			return &store.FormStash{KeyHash: fmt.Sprintf("%064d", i), Path: "/penduduk/baru", Data: data}
		}

		// Anonymous: a session hash that never existed.
		err := st.SaveSignedOutStash(ctx, strings.Repeat("b", 64), stash(0, "nik=1"), time.Hour)
		if !errors.Is(err, surat.ErrUnauthorized) {
			t.Fatalf("anonymous stash: %v, want ErrUnauthorized", err)
		}
		if n, _ := st.CountFormStashes(ctx); n != 0 {
			t.Fatalf("anonymous stash wrote %d rows", n)
		}

		// Twenty parallel posts of one session: exactly the cap is kept.
		var wg sync.WaitGroup
		var mu sync.Mutex
		saved, refused := 0, 0
		for i := 1; i <= 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := st.SaveSignedOutStash(ctx, sess.TokenHash, stash(i, "nik=1&nama=Budi"), time.Hour)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					saved++
				case errors.Is(err, store.ErrStashQuota), errors.Is(err, surat.ErrConflict):
					refused++
				default:
					t.Errorf("stash %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if saved != store.MaxStashesPerSession {
			t.Errorf("saved %d stashes of one session in parallel, want %d (refused %d)", saved, store.MaxStashesPerSession, refused)
		}
		if n, _ := st.CountFormStashes(ctx); n != int64(saved) {
			t.Errorf("%d rows for %d saved stashes", n, saved)
		}
		got, err := st.ClaimFormStash(ctx, fmt.Sprintf("%064d", 1), u.ID)
		if err == nil && (got.UserID == nil || *got.UserID != u.ID) {
			t.Errorf("stash owner %v, want the session's user %d", got.UserID, u.ID)
		}
	})
}

// TestSignedOutStashBytes: the bytes of one session's forms are capped too.
func TestSignedOutStashBytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		v := newVillage(t, st, "3505122001", "Sumberejo")
		u := &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &v.ID}
		if err := st.CreateUser(ctx, admin, u); err != nil {
			t.Fatal(err)
		}
		sess := &store.Session{TokenHash: strings.Repeat("c", 64), Kind: "web", UserID: u.ID, CSRFToken: "c",
			ExpiresAt: fixedNow().Add(-time.Hour), CreatedAt: fixedNow().Add(-13 * time.Hour)}
		if err := st.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		big := strings.Repeat("x", store.MaxStashBytesPerSession-100)
		if err := st.SaveSignedOutStash(ctx, sess.TokenHash, &store.FormStash{KeyHash: strings.Repeat("1", 64),
			Path: "/p", Data: big}, time.Hour); err != nil {
			t.Fatal(err)
		}
		err := st.SaveSignedOutStash(ctx, sess.TokenHash, &store.FormStash{KeyHash: strings.Repeat("2", 64),
			Path: "/p", Data: strings.Repeat("y", 200)}, time.Hour)
		if !errors.Is(err, store.ErrStashQuota) {
			t.Fatalf("stash beyond the byte cap: %v, want ErrStashQuota", err)
		}
	})
}
