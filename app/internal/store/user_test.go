package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestSessionUser reads a session and its user with one query: the right
// session and user come back, and a session of another kind, an expired
// one, one of a disabled user or an unknown token is not found.
func TestSessionUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, fixedNow)
		v := newVillage(t, st, "3505122001", "Sumberejo")
		users := make([]*surat.User, 2)
		for i, name := range []string{"operator", "kades"} {
			users[i] = &surat.User{Username: name, FullName: "Nama " + name, PasswordHash: "x",
				Role: surat.RoleOperator, VillageID: &v.ID, Email: name + "@desa.id"}
			if err := st.CreateUser(ctx, admin, users[i]); err != nil {
				t.Fatal(err)
			}
		}
		created := fixedNow().Add(-time.Hour).Truncate(time.Second)
		expires := fixedNow().Add(11 * time.Hour).Truncate(time.Second)
		for i, s := range []*store.Session{
			{TokenHash: strings.Repeat("a", 64), Kind: "web", UserID: users[0].ID, CSRFToken: "csrf-a", ExpiresAt: expires, CreatedAt: created},
			{TokenHash: strings.Repeat("b", 64), Kind: "web", UserID: users[1].ID, CSRFToken: "csrf-b", ExpiresAt: expires, CreatedAt: created},
			{TokenHash: strings.Repeat("c", 64), Kind: "api", UserID: users[0].ID, CSRFToken: "", ExpiresAt: expires, CreatedAt: created},
			{TokenHash: strings.Repeat("d", 64), Kind: "web", UserID: users[0].ID, CSRFToken: "csrf-d",
				ExpiresAt: fixedNow().Add(-time.Second), CreatedAt: created},
		} {
			if err := st.CreateSession(ctx, s); err != nil {
				t.Fatalf("session %d: %v", i, err)
			}
		}

		sess, u, err := st.SessionUser(ctx, strings.Repeat("a", 64), "web")
		if err != nil {
			t.Fatal(err)
		}
		if sess.UserID != users[0].ID || sess.CSRFToken != "csrf-a" || sess.Kind != "web" ||
			!sess.ExpiresAt.Equal(expires) || !sess.CreatedAt.Equal(created) {
			t.Errorf("session = %+v", sess)
		}
		if u.ID != users[0].ID || u.Username != "operator" || u.FullName != "Nama operator" ||
			u.Email != "operator@desa.id" || u.VillageID == nil || *u.VillageID != v.ID || u.Role != surat.RoleOperator {
			t.Errorf("user = %+v", u)
		}
		if _, u, err := st.SessionUser(ctx, strings.Repeat("b", 64), "web"); err != nil || u.Username != "kades" {
			t.Errorf("second session: user %+v, %v", u, err)
		}
		if _, u, err := st.SessionUser(ctx, strings.Repeat("c", 64), "api"); err != nil || u.ID != users[0].ID {
			t.Errorf("API token: user %+v, %v", u, err)
		}

		for _, c := range []struct{ name, hash, kind string }{
			{"a web session asked for as an API token", strings.Repeat("a", 64), "api"},
			{"an API token asked for as a web session", strings.Repeat("c", 64), "web"},
			{"an expired session", strings.Repeat("d", 64), "web"},
			{"an unknown token", strings.Repeat("e", 64), "web"},
		} {
			if _, _, err := st.SessionUser(ctx, c.hash, c.kind); !errors.Is(err, surat.ErrNotFound) {
				t.Errorf("%s: %v, want not found", c.name, err)
			}
		}

		// A disabled account's sessions are deleted when it is disabled;
		// one left behind is refused all the same.
		if _, err := storetest.SQL(t, b, dsn).Exec("UPDATE users SET disabled = ? WHERE id = ?", true, users[1].ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.SessionUser(ctx, strings.Repeat("b", 64), "web"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("session of a disabled user: %v, want not found", err)
		}
	})
}

// BenchmarkSessionUser is the lookup every signed-in request starts with.
func BenchmarkSessionUser(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(string(be), func(b *testing.B) { benchmarkSessionUser(b, be) })
	}
}

func benchmarkSessionUser(b *testing.B, be storetest.Backend) {
	ctx := context.Background()
	st := storetest.Open(b, be, fixedNow)
	v := &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sumberejo",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: surat.ScopeModule, Paper: "F4"}
	if err := st.CreateVillage(ctx, admin, v); err != nil {
		b.Fatal(err)
	}
	u := &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &v.ID}
	if err := st.CreateUser(ctx, admin, u); err != nil {
		b.Fatal(err)
	}
	hash := strings.Repeat("a", 64)
	if err := st.CreateSession(ctx, &store.Session{TokenHash: hash, Kind: "web", UserID: u.ID, CSRFToken: "c",
		ExpiresAt: fixedNow().Add(time.Hour), CreatedAt: fixedNow()}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := st.SessionUser(ctx, hash, "web"); err != nil {
			b.Fatal(err)
		}
	}
}
