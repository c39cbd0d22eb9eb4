package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestResidentSessionLogin checks the one query that reads a resident's
// session, account and resident against the account and resident as
// ResidentLoginByNIK reads them, with every optional column of the account
// filled, and the sessions it must not find.
func TestResidentSessionLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "module")
		o := newLetterEnv(t, st, "3505122002", "module")
		clerk := &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &e.village.ID}
		if err := st.CreateUser(ctx, admin, clerk); err != nil {
			t.Fatal(err)
		}
		e.clerk.UserID = clerk.ID // the PIN's issuer
		var accounts []*surat.ResidentAccount
		for _, env := range []*letterEnv{e, o} {
			acc, err := st.IssueResidentPIN(ctx, env.clerk, env.village.ID, env.resident.ID, "hash-"+env.village.Code)
			if err != nil {
				t.Fatal(err)
			}
			accounts = append(accounts, acc)
		}
		if _, err := st.SetResidentContact(ctx, e.village.ID, accounts[0].ID, "081234567890", "warga@contoh.id", true); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordPINSuccess(ctx, accounts[0].ID); err != nil {
			t.Fatal(err)
		}
		created := fixedNow().Add(-time.Hour).Truncate(time.Second)
		expires := fixedNow().Add(time.Hour).Truncate(time.Second)
		for i, s := range []*store.ResidentSession{
			{TokenHash: strings.Repeat("a", 64), Kind: "web", AccountID: accounts[0].ID, CSRFToken: "csrf-a", ExpiresAt: expires, CreatedAt: created},
			{TokenHash: strings.Repeat("b", 64), Kind: "api", AccountID: accounts[1].ID, ExpiresAt: expires, CreatedAt: created},
			{TokenHash: strings.Repeat("c", 64), Kind: "web", AccountID: accounts[0].ID, CSRFToken: "csrf-c",
				ExpiresAt: fixedNow().Add(-time.Second), CreatedAt: created},
		} {
			if err := st.CreateResidentSession(ctx, s); err != nil {
				t.Fatalf("session %d: %v", i, err)
			}
		}

		sess, l, err := st.ResidentSessionLogin(ctx, strings.Repeat("a", 64), "web")
		if err != nil {
			t.Fatal(err)
		}
		if sess.AccountID != accounts[0].ID || sess.CSRFToken != "csrf-a" || sess.Kind != "web" ||
			sess.TokenHash != strings.Repeat("a", 64) || !sess.ExpiresAt.Equal(expires) || !sess.CreatedAt.Equal(created) {
			t.Errorf("session = %+v", sess)
		}
		want, err := st.ResidentLoginByNIK(ctx, e.village.ID, e.resident.NIK)
		if err != nil {
			t.Fatal(err)
		}
		if a := want.Account; a.NotifyPhone == "" || a.NotifyEmail == "" || a.NotifyConsentAt == nil ||
			a.LastLoginAt == nil || a.IssuedBy == nil || a.PINHash == "" {
			t.Fatalf("the account lacks a column the test means to compare: %+v", a)
		}
		if !reflect.DeepEqual(l.Account, want.Account) {
			t.Errorf("account\n%+v\nwant\n%+v", l.Account, want.Account)
		}
		if !reflect.DeepEqual(l.Resident, want.Resident) {
			t.Errorf("resident\n%+v\nwant\n%+v", l.Resident, want.Resident)
		}
		// The other village's resident, by an API token.
		if _, l, err := st.ResidentSessionLogin(ctx, strings.Repeat("b", 64), "api"); err != nil ||
			l.Resident.ID != o.resident.ID || l.Account.VillageID != o.village.ID || l.Account.PINHash != "hash-3505122002" {
			t.Errorf("API token: %+v, %v", l, err)
		}

		for _, c := range []struct{ name, hash, kind string }{
			{"a web session asked for as an API token", strings.Repeat("a", 64), "api"},
			{"an API token asked for as a web session", strings.Repeat("b", 64), "web"},
			{"an expired session", strings.Repeat("c", 64), "web"},
			{"an unknown token", strings.Repeat("d", 64), "web"},
		} {
			if _, _, err := st.ResidentSessionLogin(ctx, c.hash, c.kind); !errors.Is(err, surat.ErrNotFound) {
				t.Errorf("%s: %v, want not found", c.name, err)
			}
		}
		// A resident who moved away: the session no longer opens anything.
		r, err := st.ResidentByID(ctx, e.village.ID, e.resident.ID)
		if err != nil {
			t.Fatal(err)
		}
		r.LifeStatus = surat.LifeMoved
		if err := st.UpdateResident(ctx, e.clerk, e.village.ID, r, r.Household); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.ResidentSessionLogin(ctx, strings.Repeat("a", 64), "web"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("session of a resident who moved: %v", err)
		}
	})
}

// BenchmarkResidentSessionLogin is the lookup every request of a
// signed-in resident starts with.
func BenchmarkResidentSessionLogin(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(string(backend), func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b, backend, fixedNow)
			e := newLetterEnv(b, st, "3505122001", "module")
			acc, err := st.IssueResidentPIN(ctx, e.clerk, e.village.ID, e.resident.ID, "hash")
			if err != nil {
				b.Fatal(err)
			}
			sess := &store.ResidentSession{TokenHash: strings.Repeat("a", 64), Kind: "web", AccountID: acc.ID,
				CSRFToken: "csrf", ExpiresAt: fixedNow().Add(time.Hour), CreatedAt: fixedNow()}
			if err := st.CreateResidentSession(ctx, sess); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, _, err := st.ResidentSessionLogin(ctx, sess.TokenHash, "web"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
