package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Statuses of an import job.
const (
	ImportReady   = "siap"     // dry run passed, waiting for the clerk to confirm
	ImportRunning = "berjalan" // importing in the background
	ImportDone    = "selesai"
	ImportFailed  = "gagal"
)

// ImportJob is an uploaded resident file between its dry run and its
// import, and the state of that import.
type ImportJob struct {
	ID        int64
	VillageID int64
	UserID    int64
	Filename  string
	// Content is the uploaded file; it is cleared when the job ends and not
	// loaded by ImportJobByID (see ImportJobContent).
	Content           []byte
	Status            string
	RowsTotal         int
	Created           int
	Updated           int
	HouseholdsCreated int
	HouseholdsUpdated int
	// Warnings is the dry run's warnings as JSON, for the report page.
	Warnings string
	// DryRunMS is how long the dry run took; the import does the same work,
	// so it is the estimate behind the progress bar.
	DryRunMS   int64 `gorm:"column:dry_run_ms"`
	Error      string
	StartedAt  *time.Time
	FinishedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// maxReadyImportJobs bounds the checked uploads a village keeps waiting
// for confirmation, each holding its file (up to importer.MaxFileSize): a
// new one beyond it drops the oldest. A clerk confirms the file just
// checked; older ones are uploads given up on.
const maxReadyImportJobs = 5

// ErrImportRunning refuses to start an import while another import of the
// village runs: two imports into one register at once would contend for
// the same households, and each holds a long transaction.
var ErrImportRunning = errors.New("store: another import of the village is running")

// CreateImportJob stores a dry-run-checked upload of the village as a job
// waiting for confirmation, removes the village's jobs older than a day
// (a running one once it is an hour old: it died with its process) and
// keeps at most maxReadyImportJobs waiting, dropping the oldest. The
// village's row is locked, so parallel uploads cannot pass the bound
// together.
func (s *Store) CreateImportJob(ctx context.Context, villageID int64, j *ImportJob) error {
	j.ID, j.VillageID, j.Status = 0, villageID, ImportReady
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := s.lockVillage(tx, villageID); err != nil {
			return err
		}
		// A job still running an hour after it started died with its
		// process (an import is stopped after ten minutes): it goes too,
		// with the file it kept.
		if err := tx.Table("import_jobs").Where("village_id = ? AND created_at < ? AND (status <> ? OR started_at < ?)",
			villageID, s.now().Add(-24*time.Hour), ImportRunning, s.now().Add(-time.Hour)).Delete(nil).Error; err != nil {
			return err
		}
		// The bound holds, so this lists at most maxReadyImportJobs.
		var ready []int64
		if err := tx.Table("import_jobs").Where("village_id = ? AND status = ?", villageID, ImportReady).
			Order("id DESC").Pluck("id", &ready).Error; err != nil {
			return err
		}
		if len(ready) >= maxReadyImportJobs {
			if err := tx.Table("import_jobs").Where("village_id = ? AND id IN ?", villageID,
				ready[maxReadyImportJobs-1:]).Delete(nil).Error; err != nil {
				return err
			}
		}
		return tx.Table("import_jobs").Create(j).Error
	})
	return translate("create import job", err)
}

// ImportJobByID returns a job of the village without its file, or
// surat.ErrNotFound (also for other villages' jobs).
func (s *Store) ImportJobByID(ctx context.Context, villageID, id int64) (*ImportJob, error) {
	var j ImportJob
	err := s.db.WithContext(ctx).Table("import_jobs").Omit("content").Where("village_id = ? AND id = ?", villageID, id).
		Take(&j).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("import job %d", id), err)
	}
	j.Content = nil
	return &j, nil
}

// StartImportJob moves a ready job of the village to running, or starts
// again a job that has been running since before staleBefore: its process
// died (an import is stopped long before that), its transaction was
// rolled back, and the file is still kept. Only one caller can start a
// job: a second (a double-clicked button) gets surat.ErrConflict, a job of
// another village surat.ErrNotFound. While another job of the village
// runs, having started after staleBefore, it is ErrImportRunning; the
// village's row is locked, so two jobs cannot start together.
func (s *Store) StartImportJob(ctx context.Context, villageID, id int64, staleBefore time.Time) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := s.lockVillage(tx, villageID); err != nil {
			return err
		}
		var running int64
		if err := tx.Table("import_jobs").Where("village_id = ? AND status = ? AND id <> ? AND started_at > ?",
			villageID, ImportRunning, id, staleBefore.UTC()).Count(&running).Error; err != nil {
			return err
		}
		if running > 0 {
			return ErrImportRunning
		}
		now := s.now()
		res := tx.Table("import_jobs").Where("village_id = ? AND id = ? AND (status = ? OR status = ? AND started_at < ?)",
			villageID, id, ImportReady, ImportRunning, staleBefore.UTC()).
			Updates(map[string]any{"status": ImportRunning, "started_at": now, "error": "", "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			var n int64
			if err := tx.Table("import_jobs").Where("village_id = ? AND id = ?", villageID, id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("import job %d: %w", id, surat.ErrNotFound)
			}
			return fmt.Errorf("import job %d is not ready: %w", id, surat.ErrConflict)
		}
		return nil
	})
	if errors.Is(err, ErrImportRunning) {
		return err
	}
	return translate(fmt.Sprintf("start import job %d", id), err)
}

// ImportJobContent returns the file of a running job of the village, or
// surat.ErrNotFound.
func (s *Store) ImportJobContent(ctx context.Context, villageID, id int64) ([]byte, error) {
	var j struct{ Content []byte }
	err := s.db.WithContext(ctx).Table("import_jobs").Select("content").
		Where("village_id = ? AND id = ? AND status = ?", villageID, id, ImportRunning).Take(&j).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("import job %d file", id), err)
	}
	return j.Content, nil
}

// RequeueImportJob puts a running job of the village back to ready, with
// note for the clerk and its file kept: its import was stopped with
// nothing changed (the server shut down), and the clerk starts it again
// with one click rather than uploading the file again. A job not running
// is surat.ErrConflict.
func (s *Store) RequeueImportJob(ctx context.Context, villageID, id int64, note string) error {
	now := s.now()
	r := s.db.WithContext(ctx).Table("import_jobs").Where("village_id = ? AND id = ? AND status = ?", villageID, id, ImportRunning).
		Updates(map[string]any{"status": ImportReady, "started_at": nil, "error": note, "updated_at": now})
	if r.Error != nil {
		return translate(fmt.Sprintf("requeue import job %d", id), r.Error)
	}
	if r.RowsAffected != 1 {
		return fmt.Errorf("store: requeue import job %d: not running: %w", id, surat.ErrConflict)
	}
	return nil
}

// FinishImportJob ends a running job of the village with the result, or
// with failure (a message for the clerk) when failure is not "". The file
// is dropped either way. An import that succeeded ends its job inside its
// own transaction (ImportResidentsForJob).
func (s *Store) FinishImportJob(ctx context.Context, villageID, id int64, res surat.ImportResult, failure string) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		err := s.finishImportJob(tx, villageID, id, res, failure)
		if errors.Is(err, surat.ErrConflict) {
			return nil // ended already
		}
		return err
	})
	return translate(fmt.Sprintf("finish import job %d", id), err)
}

// finishImportJob ends a running job inside tx; a job not running is
// surat.ErrConflict.
func (s *Store) finishImportJob(tx *gorm.DB, villageID, id int64, res surat.ImportResult, failure string) error {
	now := s.now()
	set := map[string]any{"content": nil, "finished_at": now, "updated_at": now}
	if failure != "" {
		set["status"], set["error"] = ImportFailed, failure
	} else {
		set["status"] = ImportDone
		set["created"], set["updated"] = res.Created, res.Updated
		set["households_created"], set["households_updated"] = res.HouseholdsCreated, res.HouseholdsUpdated
	}
	r := tx.Table("import_jobs").Where("village_id = ? AND id = ? AND status = ?", villageID, id, ImportRunning).Updates(set)
	if r.Error != nil {
		return r.Error
	}
	if r.RowsAffected != 1 {
		return fmt.Errorf("import job %d is not running: %w", id, surat.ErrConflict)
	}
	return nil
}
