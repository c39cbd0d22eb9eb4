package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestDashboardFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		clock := newClock(time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC)) // 1 March 06:30 WIB
		st := storetest.Open(t, b, clock.Now)
		a := newLetterEnv(t, st, "3505122001", "module")
		other := newLetterEnv(t, st, "3505122002", "module")
		sign := func(e *letterEnv, module string) {
			t.Helper()
			if _, err := e.finalize(e.approved(t, module).ID); err != nil {
				t.Fatal(err)
			}
		}
		sign(a, "sk_domisili")
		clock.Set(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
		sign(a, "sk_domisili")
		sign(a, "sk_usaha")
		a.draft(t, "sk_usaha")
		sign(other, "sk_usaha")

		months, err := st.SignedPerMonth(ctx, a.village.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		want := [12]int64{2: 1, 10: 2}
		if months != want {
			t.Errorf("signed per month %v, want %v (the February 23:30 UTC letter is March in WIB)", months, want)
		}
		from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(0, 1, 0)
		byStatus, err := st.LetterCountsByStatus(ctx, a.village.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, kc := range byStatus {
			got[kc.Key] = kc.N
		}
		if got["ditandatangani"] != 2 || got["draf"] != 1 || len(got) != 2 {
			t.Errorf("by status %v", got)
		}
		byModule, err := st.LetterCountsByModule(ctx, a.village.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(byModule) != 2 || byModule[0] != (store.KeyCount{Key: "sk_usaha", N: 2}) {
			t.Errorf("by module %v", byModule)
		}
		yFrom := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		page, err := st.VillageSummaries(ctx, yFrom, yFrom.AddDate(1, 0, 0), store.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		sums := page.Villages
		if len(sums) != 2 || sums[0].Letters+sums[1].Letters != 4 || sums[0].Residents != 1 {
			t.Errorf("summaries %+v", sums)
		}
		// A search narrows the list; a page beyond the last is empty.
		if one, err := st.VillageSummaries(ctx, yFrom, yFrom.AddDate(1, 0, 0), store.VillageFilter{Query: sums[1].Name}); err != nil ||
			one.Total != 1 || len(one.Villages) != 1 || one.Villages[0].ID != sums[1].ID {
			t.Errorf("search %q: %+v %v", sums[1].Name, one, err)
		}
		if far, err := st.VillageSummaries(ctx, yFrom, yFrom.AddDate(1, 0, 0), store.VillageFilter{Page: 3, PerPage: 1}); err != nil ||
			far.Total != 2 || len(far.Villages) != 0 {
			t.Errorf("page 3 of 1: %+v %v", far, err)
		}
		recap, err := st.LetterRecap(ctx, yFrom, yFrom.AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		wantRecap := []store.RecapRow{{a.village.ID, "sk_domisili", 2}, {a.village.ID, "sk_usaha", 1}, {other.village.ID, "sk_usaha", 1}}
		if len(recap) != len(wantRecap) {
			t.Fatalf("recap %v, want %v", recap, wantRecap)
		}
		for i := range recap {
			if recap[i] != wantRecap[i] {
				t.Errorf("recap[%d] = %v, want %v", i, recap[i], wantRecap[i])
			}
		}
	})
}

func TestOfficialsUsersAndVillages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, nil)
		a := newLetterEnv(t, st, "3505122001", "module")
		other := newLetterEnv(t, st, "3505122002", "module")

		// One active head per village.
		second := &surat.Official{Name: "Budi", Jabatan: "Kepala Desa", IsHead: true, Active: true}
		if fields, ok := surat.FieldErrors(st.SaveOfficial(ctx, admin, a.village.ID, second)); !ok || fields["role"] == "" {
			t.Errorf("second head: %v", fields)
		}
		second.Active = false
		if err := st.SaveOfficial(ctx, admin, a.village.ID, second); err != nil {
			t.Fatalf("inactive second head: %v", err)
		}
		// Another village's official cannot be updated through village A.
		o := *other.signer
		o.Name = "Penyusup"
		if err := st.SaveOfficial(ctx, admin, a.village.ID, &o); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("update B's official as A: %v", err)
		}

		u := &surat.User{Username: "operator1", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &a.village.ID}
		if err := st.CreateUser(ctx, admin, u); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateVillageUser(ctx, admin, other.village.ID, u.ID, store.UserChange{Role: surat.RoleOperator}); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("update A's user as B: %v", err)
		}
		if _, err := st.UpdateVillageUser(ctx, admin, a.village.ID, u.ID, store.UserChange{Role: surat.RoleAdminKabupaten}); err == nil {
			t.Error("made a village user admin_kabupaten")
		}
		// A village admin makes a penandatangan but never links it to an
		// official: only an approved enrolment does.
		got, err := st.UpdateVillageUser(ctx, admin, a.village.ID, u.ID,
			store.UserChange{FullName: "Tanda Tangan", Role: surat.RoleSigner})
		if err != nil || got.Role != surat.RoleSigner || got.OfficialID != nil {
			t.Fatalf("update user: %+v %v", got, err)
		}
		if err := st.ResetVillageUserPassword(ctx, admin, other.village.ID, u.ID, "h"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("reset A's user as B: %v", err)
		}

		// A village with a taken code and username: both reported, nothing
		// created.
		v := &surat.Village{Code: "3505122001", Name: "X", Sebutan: "Desa", Kecamatan: "K", Kabupaten: "B",
			SebutanKab: "Kabupaten", Provinsi: "P", NumberScope: "module", Paper: "F4"}
		err = st.CreateVillageWithAdmin(ctx, admin, v, &surat.User{Username: "operator1", PasswordHash: "h"})
		if fields, ok := surat.FieldErrors(err); !ok || fields["code"] == "" || fields["username"] == "" {
			t.Errorf("duplicate village: %v", err)
		}
		v.Code = "3505122003"
		nu := &surat.User{Username: "adminbaru", PasswordHash: "h"}
		if err := st.CreateVillageWithAdmin(ctx, admin, v, nu); err != nil {
			t.Fatal(err)
		}
		if nu.Role != surat.RoleAdminDesa || *nu.VillageID != v.ID {
			t.Errorf("first admin %+v", nu)
		}

		// Audit filter by village, entity and actor.
		page, err := st.AuditEntries(ctx, store.AuditFilter{VillageID: a.village.ID, Entity: "user"})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			if e.Entity != "user" || e.VillageID == nil || *e.VillageID != a.village.ID {
				t.Errorf("audit entry outside the filter: %+v", e)
			}
		}
		if page.Total != 2 { // user.create and user.update
			t.Errorf("user audit entries of A: %d, want 2", page.Total)
		}
	})
}
