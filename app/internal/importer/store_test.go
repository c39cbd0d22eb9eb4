package importer_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

var clerk = surat.Actor{Username: "operator"}

func fixedNow() time.Time { return time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC) }

func newVillage(t testing.TB, st *store.Store) *surat.Village {
	t.Helper()
	v := &surat.Village{Code: "3505122001", Name: "Sumberejo", Sebutan: "Desa", Kecamatan: "Sumberejo",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: "module", Paper: "F4"}
	if err := st.CreateVillage(context.Background(), clerk, v); err != nil {
		t.Fatalf("create village: %v", err)
	}
	return v
}

// TestImportIntoRegister runs a file through Parse and store.ImportResidents:
// a dry run changes nothing and counts right, the real run stores what the
// file says, and importing the file again only updates.
func TestImportIntoRegister(t *testing.T) {
	rows := register(40)
	data := buildXLSX(t, sheet{name: "Penduduk", rows: rows})
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		v := newVillage(t, st)

		recs, problems, err := importer.Parse(bytes.NewReader(data), "penduduk.xlsx")
		if err != nil || problems.Count() != 0 {
			t.Fatalf("parse: %v %+v", err, problems)
		}
		households := map[string]bool{}
		for _, r := range recs {
			households[r.Household.NoKK] = true
		}
		if len(recs) != 40 {
			t.Fatalf("got %d records, want 40", len(recs))
		}

		res, err := st.ImportResidents(ctx, clerk, v.ID, recs, true)
		if err != nil {
			t.Fatalf("dry run: %v", err)
		}
		want := surat.ImportResult{Created: 40, HouseholdsCreated: len(households)}
		if res != want {
			t.Errorf("dry run: got %+v, want %+v", res, want)
		}
		if n, _ := st.CountResidents(ctx, v.ID, 0); n != 0 {
			t.Fatalf("dry run stored %d residents", n)
		}
		if n, _ := st.CountHouseholds(ctx, v.ID); n != 0 {
			t.Fatalf("dry run stored %d households", n)
		}

		recs, _, _ = importer.Parse(bytes.NewReader(data), "penduduk.xlsx")
		res, err = st.ImportResidents(ctx, clerk, v.ID, recs, false)
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if res != want {
			t.Errorf("import: got %+v, want %+v", res, want)
		}
		if n, _ := st.CountResidents(ctx, v.ID, 0); n != 40 {
			t.Errorf("stored %d residents, want 40", n)
		}
		if n, _ := st.CountHouseholds(ctx, v.ID); n != int64(len(households)) {
			t.Errorf("stored %d households, want %d", n, len(households))
		}
		first := household(0)[1] // the wife of the first household
		got, err := st.ResidentByNIK(ctx, v.ID, first.nik)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != first.nama || got.Sex != surat.SexFemale || got.Relation != 3 ||
			!got.BirthDate.Equal(first.lahir.(time.Time)) || got.LifeStatus != surat.LifeAlive || got.Version != 1 {
			t.Errorf("stored %+v", got)
		}
		if got.Household == nil || got.Household.NoKK != first.noKK || got.Household.RT != first.rt ||
			got.Household.Dusun != first.dusun || got.Household.HeadID == nil {
			t.Errorf("household %+v", got.Household)
		}

		// The same file again: everyone is matched by NIK and updated.
		recs, _, _ = importer.Parse(bytes.NewReader(data), "penduduk.xlsx")
		res, err = st.ImportResidents(ctx, clerk, v.ID, recs, false)
		if err != nil {
			t.Fatalf("re-import: %v", err)
		}
		if want := (surat.ImportResult{Updated: 40}); res != want {
			t.Errorf("re-import: got %+v, want %+v", res, want)
		}
		if n, _ := st.CountResidents(ctx, v.ID, 0); n != 40 {
			t.Errorf("re-import left %d residents, want 40", n)
		}
		if n, _ := st.CountHouseholds(ctx, v.ID); n != int64(len(households)) {
			t.Errorf("re-import left %d households, want %d", n, len(households))
		}

		// A corrected file: one name changed, one resident died, one new.
		changed := append([][]any{}, rows...)
		p := household(0)[0]
		p.nama, p.status = "BUDI SANTOSO BARU", "MATI"
		changed[1] = p.row()
		changed = append(changed, register(41)[41])
		data2 := buildXLSX(t, sheet{name: "Penduduk", rows: changed})
		recs, problems, err = importer.Parse(bytes.NewReader(data2), "penduduk-baru.xlsx")
		if err != nil || problems.Count() != 0 {
			t.Fatalf("parse corrected file: %v %+v", err, problems)
		}
		res, err = st.ImportResidents(ctx, clerk, v.ID, recs, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 1 || res.Updated != 40 {
			t.Errorf("corrected file: %+v", res)
		}
		got, _ = st.ResidentByNIK(ctx, v.ID, p.nik)
		if got.Name != "BUDI SANTOSO BARU" || got.LifeStatus != surat.LifeDead || got.Version != 3 {
			t.Errorf("after correction: %+v", got)
		}
	})
}

// TestImportRejectedFileChangesNothing: a file with bad rows is reported by
// Parse, and the store refuses records with a problem Parse cannot see.
func TestImportRejectedFileChangesNothing(t *testing.T) {
	rows := register(10)
	bad := household(0)[1]
	bad.nik = "3505129901850001" // day 99
	rows = append(rows, bad.row())
	data := buildXLSX(t, sheet{name: "Penduduk", rows: rows})
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		v := newVillage(t, st)
		recs, problems, err := importer.Parse(bytes.NewReader(data), "penduduk.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		if problems.Count() != 1 || problems.Rows[0].Row != 12 || problems.Rows[0].Column != "nik" {
			t.Fatalf("problems: %+v", problems)
		}
		// A caller that imports anyway still cannot half-apply: the store
		// re-checks and refuses a bad record along with the rest.
		recs[3].Resident.NIK = "123"
		_, err = st.ImportResidents(ctx, clerk, v.ID, recs, false)
		var ie *surat.ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("got %v, want *surat.ImportError", err)
		}
		if n, _ := st.CountResidents(ctx, v.ID, 0); n != 0 {
			t.Errorf("a refused import stored %d residents", n)
		}
	})
}
