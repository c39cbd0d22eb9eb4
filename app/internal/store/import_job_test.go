package store_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/importer/importertest"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestImportJobEndsWithItsImport: a job's import and its end are one
// transaction, so a process killed between them cannot leave residents
// imported under a job that says nothing changed. An import whose job is no
// longer running (ended meanwhile) is rolled back; a job left running by a
// dead process is removed, file and all, by the village's next upload a day
// later.
func TestImportJobEndsWithItsImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		var mu sync.Mutex
		now := fixedNow()
		st := storetest.Open(t, b, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		e := newLetterEnv(t, st, "3505122001", "module")
		recs, problems, err := importer.Parse(bytes.NewReader(importertest.ValidCSV(3)), "data.csv")
		if err != nil || problems != nil {
			t.Fatal(err, problems)
		}
		before, err := st.CountResidents(ctx, e.village.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		op := &surat.User{Username: "operator", PasswordHash: "x", Role: surat.RoleOperator, VillageID: &e.village.ID}
		if err := st.CreateUser(ctx, admin, op); err != nil {
			t.Fatal(err)
		}
		newJob := func() int64 {
			j := &store.ImportJob{UserID: op.ID, Filename: "data.csv", Content: importertest.ValidCSV(3), RowsTotal: 3}
			if err := st.CreateImportJob(ctx, e.village.ID, j); err != nil {
				t.Fatal(err)
			}
			return j.ID
		}

		// Ended meanwhile (stopped): the import is rolled back.
		stopped := newJob()
		if err := st.StartImportJob(ctx, e.village.ID, stopped, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.FinishImportJob(ctx, e.village.ID, stopped, surat.ImportResult{}, "dihentikan"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ImportResidentsForJob(ctx, admin, e.village.ID, stopped, recs); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("import for an ended job: %v, want ErrConflict", err)
		}
		if n, _ := st.CountResidents(ctx, e.village.ID, 0); n != before {
			t.Errorf("%d residents after the refused import, want %d", n, before)
		}

		// Running: the import ends the job as done, its file dropped.
		ok := newJob()
		if err := st.StartImportJob(ctx, e.village.ID, ok, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		res, err := st.ImportResidentsForJob(ctx, admin, e.village.ID, ok, recs)
		if err != nil || res.Created != 3 {
			t.Fatalf("import: %+v %v", res, err)
		}
		j, err := st.ImportJobByID(ctx, e.village.ID, ok)
		if err != nil || j.Status != store.ImportDone || j.Created != 3 || j.FinishedAt == nil {
			t.Fatalf("job after its import: %+v %v", j, err)
		}
		if _, err := st.ImportJobContent(ctx, e.village.ID, ok); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("the done job still gives its file: %v", err)
		}

		// Left running by a dead process: gone a day later, with its file.
		dead := newJob()
		if err := st.StartImportJob(ctx, e.village.ID, dead, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		now = now.Add(25 * time.Hour)
		mu.Unlock()
		newJob()
		if _, err := st.ImportJobByID(ctx, e.village.ID, dead); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("a job left running a day ago: %v, want it removed", err)
		}
	})
}
