package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

var admin = surat.Actor{Username: "tester"}

func fixedNow() time.Time { return time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC) }

func newVillage(t *testing.T, st *store.Store, code, name string) *surat.Village {
	t.Helper()
	v := &surat.Village{Code: code, Name: name, Sebutan: "Desa", Kecamatan: "Sumberejo", Kabupaten: "Blitar",
		SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := st.CreateVillage(context.Background(), admin, v); err != nil {
		t.Fatalf("create village: %v", err)
	}
	return v
}

func person(nik, name string) (*surat.Resident, *surat.Household) {
	return &surat.Resident{NIK: nik, Name: name, BirthPlace: "Blitar",
			BirthDate: time.Date(1980, 1, 15, 0, 0, 0, 0, time.UTC), Sex: surat.SexMale, Religion: 1,
			MaritalStatus: 2, Relation: surat.RelationHead, Citizenship: 1, LifeStatus: surat.LifeAlive},
		&surat.Household{NoKK: "3505120101080001", Address: "Jl. Melati 3", RT: "001", RW: "002", Dusun: "Krajan"}
}

func TestResidentLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		a := newVillage(t, st, "3505122001", "Sumberejo")
		bv := newVillage(t, st, "3505122002", "Kalipang")

		r, h := person("3505121501800001", "Budi Santoso")
		if err := st.CreateResident(ctx, admin, a.ID, r, h); err != nil {
			t.Fatalf("create: %v", err)
		}
		if r.HouseholdID == nil || r.Version != 1 {
			t.Fatalf("got household %v version %d", r.HouseholdID, r.Version)
		}

		// Same NIK again in the same village: a field error on nik.
		dup, h2 := person("3505121501800001", "Budi Lain")
		err := st.CreateResident(ctx, admin, a.ID, dup, h2)
		if f, ok := surat.FieldErrors(err); !ok || f["nik"] == "" {
			t.Fatalf("duplicate NIK: got %v, want field error on nik", err)
		}
		// The same NIK in another village is a different person record.
		other, h3 := person("3505121501800001", "Budi Kalipang")
		if err := st.CreateResident(ctx, admin, bv.ID, other, h3); err != nil {
			t.Fatalf("same NIK other village: %v", err)
		}

		// Village B cannot read village A's resident.
		if _, err := st.ResidentByID(ctx, bv.ID, r.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("cross-village read: got %v, want ErrNotFound", err)
		}
		got, err := st.ResidentByID(ctx, a.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Budi Santoso" || got.Household == nil || got.Household.Dusun != "Krajan" ||
			!got.BirthDate.Equal(r.BirthDate) {
			t.Errorf("read back %+v household %+v", got, got.Household)
		}

		// Two clerks edit the same version: the second is told.
		first := *got
		first.Name = "Budi Santoso Putra"
		if err := st.UpdateResident(ctx, admin, a.ID, &first, h); err != nil {
			t.Fatalf("first update: %v", err)
		}
		second := *got
		second.Phone = "08123"
		if err := st.UpdateResident(ctx, admin, a.ID, &second, h); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("stale update: got %v, want ErrConflict", err)
		}
		// Village B cannot update it either.
		third := first
		if err := st.UpdateResident(ctx, admin, bv.ID, &third, h); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("cross-village update: got %v, want ErrNotFound", err)
		}

		page, err := st.SearchResidents(ctx, a.ID, store.ResidentFilter{Query: "putra"})
		if err != nil || page.Total != 1 || page.Residents[0].ID != r.ID {
			t.Errorf("search by name: %+v %v", page, err)
		}
		page, err = st.SearchResidents(ctx, a.ID, store.ResidentFilter{Query: "350512010108"})
		if err != nil || page.Total != 1 {
			t.Errorf("search by KK prefix: %+v %v", page, err)
		}
		page, err = st.SearchResidents(ctx, a.ID, store.ResidentFilter{Dusun: "Krajan", RT: "001"})
		if err != nil || page.Total != 1 {
			t.Errorf("search by dusun/RT: %+v %v", page, err)
		}
		page, err = st.SearchResidents(ctx, bv.ID, store.ResidentFilter{Query: "putra"})
		if err != nil || page.Total != 0 {
			t.Errorf("search leaks across villages: %+v %v", page, err)
		}

		if c, err := st.VerifyAuditChain(ctx, a.ID); err != nil || !c.Intact() {
			t.Errorf("audit chain broken: %+v %v", c, err)
		}
		log, _ := st.AuditLog(ctx, a.ID, 50)
		if len(log) < 3 {
			t.Errorf("audit entries = %d, want create village, household, resident, update", len(log))
		}
	})
}

func TestImportIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		v := newVillage(t, st, "3505122001", "Sumberejo")
		r, h := person("3505121501800001", "Budi Santoso")
		if err := st.CreateResident(ctx, admin, v.ID, r, h); err != nil {
			t.Fatal(err)
		}
		rec := func(row int, nik, name, kk string) surat.ImportRecord {
			p, hh := person(nik, name)
			hh.NoKK = kk
			return surat.ImportRecord{Row: row, Resident: *p, Household: *hh}
		}
		good := []surat.ImportRecord{
			rec(2, "3505121501800001", "Budi Santoso Baru", "3505120101080001"),
			rec(3, "3505125501850002", "Siti Aminah", "3505120101080002"),
		}
		good[1].Resident.Sex = surat.SexFemale
		bad := append(append([]surat.ImportRecord{}, good...), rec(4, "12345", "Salah", "3505120101080003"))
		_, err := st.ImportResidents(ctx, admin, v.ID, bad, false)
		var ie *surat.ImportError
		if !errors.As(err, &ie) || len(ie.Rows) == 0 || ie.Rows[0].Row != 4 || ie.Rows[0].Column != "nik" {
			t.Fatalf("bad file: got %v", err)
		}
		if n, _ := st.CountResidents(ctx, v.ID, 0); n != 1 {
			t.Fatalf("a rejected import changed the register: %d residents", n)
		}
		res, err := st.ImportResidents(ctx, admin, v.ID, good, true)
		if err != nil || res.Created != 1 || res.Updated != 1 {
			t.Fatalf("dry run: %+v %v", res, err)
		}
		if n, _ := st.CountResidents(ctx, v.ID, 0); n != 1 {
			t.Fatalf("a dry run changed the register: %d residents", n)
		}
		res, err = st.ImportResidents(ctx, admin, v.ID, good, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 1 || res.Updated != 1 || res.HouseholdsCreated != 1 {
			t.Errorf("result %+v", res)
		}
		got, _ := st.ResidentByID(ctx, v.ID, r.ID)
		if got.Name != "Budi Santoso Baru" || got.Version != 2 {
			t.Errorf("upsert did not update: %+v", got)
		}
		// Importing the same file again changes nothing but versions.
		res, err = st.ImportResidents(ctx, admin, v.ID, good, false)
		if err != nil || res.Created != 0 || res.Updated != 2 {
			t.Errorf("re-import: %+v %v", res, err)
		}
	})
}

func TestAuditChainUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, nil)
		v := newVillage(t, st, "3505122001", "Sumberejo")
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				o := &surat.Official{Name: "Perangkat", Jabatan: "Kaur", Active: true}
				errs <- st.CreateOfficial(ctx, admin, v.ID, o)
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if c, err := st.VerifyAuditChain(ctx, v.ID); err != nil || !c.Intact() {
			t.Errorf("audit chain forked: %+v %v", c, err)
		}
	})
}

func TestLoginLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		v := newVillage(t, st, "3505122001", "Sumberejo")
		u := &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &v.ID}
		if err := st.CreateUser(ctx, admin, u); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 5; i++ {
			until, err := st.RecordLoginFailure(ctx, u.ID, 5, 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if (until != nil) != (i == 5) {
				t.Errorf("failure %d: locked=%v", i, until)
			}
		}
		got, _ := st.UserByID(ctx, u.ID)
		if got.LockedUntil == nil || !got.LockedUntil.Equal(fixedNow().Add(15*time.Minute)) {
			t.Errorf("locked until %v", got.LockedUntil)
		}
		dup := &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &v.ID}
		if f, ok := surat.FieldErrors(st.CreateUser(ctx, admin, dup)); !ok || f["username"] == "" {
			t.Error("duplicate username accepted")
		}
	})
}

func TestMigrationStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b, nil)
		ms, err := st.MigrationStatus(context.Background())
		if err != nil || len(ms) == 0 || !ms[0].Applied {
			t.Fatalf("status %+v %v", ms, err)
		}
		n, err := st.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Errorf("second migrate ran %d: %v", n, err)
		}
	})
}
