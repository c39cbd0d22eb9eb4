package store

import (
	"context"
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

// CreateImportJob stores a dry-run-checked upload of the village as a job
// waiting for confirmation, and removes the village's jobs older than a day.
func (s *Store) CreateImportJob(ctx context.Context, villageID int64, j *ImportJob) error {
	j.ID, j.VillageID, j.Status = 0, villageID, ImportReady
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("import_jobs").Where("village_id = ? AND created_at < ? AND status <> ?",
			villageID, s.now().Add(-24*time.Hour), ImportRunning).Delete(nil).Error; err != nil {
			return err
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

// StartImportJob moves a ready job of the village to running and returns
// its file. Only one caller can start a job: a second (a double-clicked
// button) gets surat.ErrConflict, a job of another village
// surat.ErrNotFound.
func (s *Store) StartImportJob(ctx context.Context, villageID, id int64) ([]byte, error) {
	var content []byte
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		now := s.now()
		res := tx.Table("import_jobs").Where("village_id = ? AND id = ? AND status = ?", villageID, id, ImportReady).
			Updates(map[string]any{"status": ImportRunning, "started_at": now, "updated_at": now})
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
		var j struct{ Content []byte }
		if err := tx.Table("import_jobs").Select("content").Where("id = ?", id).Take(&j).Error; err != nil {
			return err
		}
		content = j.Content
		return nil
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("start import job %d", id), err)
	}
	return content, nil
}

// FinishImportJob ends a running job of the village with the result, or
// with failure (a message for the clerk) when failure is not "". The file
// is dropped either way.
func (s *Store) FinishImportJob(ctx context.Context, villageID, id int64, res surat.ImportResult, failure string) error {
	now := s.now()
	set := map[string]any{"content": nil, "finished_at": now, "updated_at": now}
	if failure != "" {
		set["status"], set["error"] = ImportFailed, failure
	} else {
		set["status"] = ImportDone
		set["created"], set["updated"] = res.Created, res.Updated
		set["households_created"], set["households_updated"] = res.HouseholdsCreated, res.HouseholdsUpdated
	}
	err := s.db.WithContext(ctx).Table("import_jobs").
		Where("village_id = ? AND id = ? AND status = ?", villageID, id, ImportRunning).Updates(set).Error
	return translate(fmt.Sprintf("finish import job %d", id), err)
}
