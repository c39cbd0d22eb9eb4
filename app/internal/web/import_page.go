package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The import page works in two steps. The upload is parsed and imported as
// a dry run (all the work, rolled back), and the report is shown: every bad
// row with its column and reason, or what the import would change and the
// warnings to check. The checked file is kept in import_jobs; "Impor" then
// starts the import in the background and the page shows a progress bar,
// which a small script (static/import.js) updates by polling the job's
// status, or, without JavaScript, a refresh of the page. The import is one
// transaction: a file is applied whole or not at all.
const (
	// importTimeout bounds one background import; a job still running
	// after importStale is shown as interrupted (the process ended: its
	// transaction was rolled back).
	importTimeout = 10 * time.Minute
	importStale   = 15 * time.Minute

	// maxConcurrentImports bounds the resident files one process parses
	// and imports at once, dry runs included: each holds its file, up to
	// importer.MaxRows parsed records and a long transaction. An upload
	// waits importSlotWait for a slot and is then turned away as busy
	// (503); a confirmed import waits in the background, its file still in
	// the database.
	maxConcurrentImports = 2
	importSlotWait       = 10 * time.Second
)

// errImportsBusy refuses an upload that found no import slot in time.
var errImportsBusy = errors.New("every import slot is busy")

// takeImportSlot takes one of the process's import slots, waiting at most
// wait (or until ctx ends); release gives it back.
func (s *Server) takeImportSlot(ctx context.Context, wait time.Duration) (release func(), err error) {
	return takeSlot(ctx, s.importSlots, wait, errImportsBusy)
}

// takeSlot puts a token into slots, a semaphore of the process, waiting at
// most wait (then busy) or until ctx ends (then ctx's error); release takes
// the token out again.
func takeSlot(ctx context.Context, slots chan struct{}, wait time.Duration, busy error) (release func(), err error) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-t.C:
		return nil, busy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// importStopped is the note on a job whose import the server's shutdown
// stopped: the job is ready again, its file kept (RequeueImportJob).
const importStopped = "Impor sebelumnya dihentikan karena server dimatikan; tidak ada data yang diubah. " +
	"Tekan tombol Impor untuk menjalankannya lagi."

// importInterrupted is the note on a job whose process died while it ran
// (importStale): it can be started again, its file kept.
const importInterrupted = "Impor sebelumnya terputus sebelum selesai; tidak ada data yang diubah. " +
	"Tekan tombol Impor untuk menjalankannya lagi."

// importUploadPage is /penduduk/impor.
type importUploadPage struct {
	basePage
	Error string // beside the file input
	// Rows are the first problems of a rejected file, RowsTotal how many
	// it has in all.
	Rows      []surat.RowError
	RowsTotal int
	Filename  string
	MaxMB     int
}

// importJobPage is /penduduk/impor/:id.
type importJobPage struct {
	basePage
	Job      *store.ImportJob
	Warnings []surat.RowError
	Progress importProgress
	// Error is why the import did not start, beside its button.
	Error string
}

// importProgress is the job state the page and the polling script show.
type importProgress struct {
	Status  string `json:"status"`
	Label   string `json:"label"`
	Percent int    `json:"percent"`
	Done    bool   `json:"done"`
	Message string `json:"message"`
}

func (s *Server) renderImportUpload(c *gin.Context, status int, p importUploadPage) {
	p.basePage = s.base(c, "Impor penduduk")
	p.MaxMB = maxBodyBytes >> 20
	s.render(c, status, "import_upload", p)
}

// handleImportForm shows the upload form.
func (s *Server) handleImportForm(c *gin.Context) error {
	s.renderImportUpload(c, http.StatusOK, importUploadPage{})
	return nil
}

// handleImportUpload checks an uploaded CSV or XLSX file with a dry run.
// A file that is not a spreadsheet (415), too large (413) or has bad rows
// (422, every row listed) is reported on the upload page and kept nowhere;
// a good file becomes a job waiting for confirmation (303 to its page).
func (s *Server) handleImportUpload(c *gin.Context) error {
	fail := func(name string, err error) error {
		pr := classify(err, s.now())
		if pr.Status >= 500 {
			return err
		}
		p := importUploadPage{Filename: name, Rows: pr.Rows, RowsTotal: pr.RowsTotal, Error: pr.Message}
		if msg := pr.Fields["file"]; msg != "" {
			p.Error = msg
		}
		s.renderImportUpload(c, pr.Status, p)
		return nil
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fail("", uploadError(err))
	}
	name := filepath.Base(fh.Filename)
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, importer.MaxFileSize+1))
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	release, err := s.takeImportSlot(c.Request.Context(), s.importSlotWait)
	if err != nil {
		return fail(name, err)
	}
	defer release()
	recs, problems, err := importer.Parse(bytes.NewReader(content), name)
	if err := importRefusal(err, problems); err != nil {
		return fail(name, err)
	}
	ctx := c.Request.Context()
	vid := villageOf(c)
	u := currentUser(c)
	start := time.Now()
	res, err := s.store.ImportResidents(ctx, actorOf(u), vid, recs, true)
	if err != nil {
		return fail(name, err)
	}
	warnings, err := json.Marshal(importer.Warnings(recs))
	if err != nil {
		return fmt.Errorf("import warnings: %w", err)
	}
	job := &store.ImportJob{UserID: u.ID, Filename: name, Content: content, RowsTotal: len(recs),
		Created: res.Created, Updated: res.Updated, HouseholdsCreated: res.HouseholdsCreated,
		HouseholdsUpdated: res.HouseholdsUpdated, Warnings: string(warnings),
		DryRunMS: max(1, time.Since(start).Milliseconds())}
	if err := s.store.CreateImportJob(ctx, vid, job); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penduduk/impor/%d", job.ID))
	return nil
}

// importJobOf loads the :id job of the caller's village.
func (s *Server) importJobOf(c *gin.Context) (*store.ImportJob, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.store.ImportJobByID(c.Request.Context(), villageOf(c), id)
}

// progressOf describes a job for the page and the polling script. While it
// runs, the bar advances with the time spent against the dry run's time
// (the same work on the same rows), held below 100 until the commit.
func (s *Server) progressOf(j *store.ImportJob) importProgress {
	switch j.Status {
	case store.ImportReady:
		return importProgress{Status: j.Status, Label: "Siap diimpor", Percent: 0}
	case store.ImportRunning:
		if s.staleImport(j) {
			// Done, so that the polling script reloads the page, which
			// offers the import again.
			return importProgress{Status: store.ImportReady, Label: "Terputus", Done: true, Message: importInterrupted}
		}
		pct := 1
		if j.StartedAt != nil && j.DryRunMS > 0 {
			pct = int(s.now().Sub(*j.StartedAt).Milliseconds() * 100 / j.DryRunMS)
		}
		return importProgress{Status: j.Status, Label: "Sedang mengimpor…", Percent: min(max(pct, 1), 95)}
	case store.ImportDone:
		return importProgress{Status: j.Status, Label: "Selesai", Percent: 100, Done: true,
			Message: fmt.Sprintf("Impor selesai: %d penduduk baru, %d diperbarui, %d KK baru, %d KK diperbarui.",
				j.Created, j.Updated, j.HouseholdsCreated, j.HouseholdsUpdated)}
	}
	return importProgress{Status: j.Status, Label: "Gagal", Done: true, Message: j.Error}
}

// handleImportJob shows a job: the dry-run report with the Impor button,
// the progress of a running import, or its result.
func (s *Server) handleImportJob(c *gin.Context) error {
	j, err := s.importJobOf(c)
	if err != nil {
		return err
	}
	return s.renderImportJob(c, http.StatusOK, j, "")
}

// staleImport reports whether j has been running for longer than an
// import may: its process died, and the job can be started again.
func (s *Server) staleImport(j *store.ImportJob) bool {
	return j.Status == store.ImportRunning && j.StartedAt != nil && s.now().Sub(*j.StartedAt) > importStale
}

func (s *Server) renderImportJob(c *gin.Context, status int, j *store.ImportJob, failure string) error {
	p := importJobPage{basePage: s.base(c, "Impor penduduk"), Job: j, Progress: s.progressOf(j), Error: failure}
	switch {
	case failure != "":
	case s.staleImport(j):
		p.Error = importInterrupted
	case j.Status == store.ImportReady:
		p.Error = j.Error // why an import of it stopped, "" before the first
	}
	if j.Warnings != "" {
		if err := json.Unmarshal([]byte(j.Warnings), &p.Warnings); err != nil {
			return fmt.Errorf("import job %d warnings: %w", j.ID, err)
		}
	}
	s.render(c, status, "import_job", p)
	return nil
}

// handleImportStatus is the job's progress as JSON, polled by import.js.
func (s *Server) handleImportStatus(c *gin.Context) error {
	j, err := s.importJobOf(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.progressOf(j))
	return nil
}

// handleImportRun starts the import of a checked job in the background and
// returns to its page. Only the first of two clicks starts it; the second
// just shows the page.
func (s *Server) handleImportRun(c *gin.Context) error {
	j, err := s.importJobOf(c)
	if err != nil {
		return err
	}
	vid := villageOf(c)
	ctx := c.Request.Context()
	err = s.store.StartImportJob(ctx, vid, j.ID, s.now().Add(-importStale))
	switch {
	case errors.Is(err, store.ErrImportRunning):
		return s.renderImportJob(c, http.StatusConflict, j,
			"Impor berkas lain untuk desa ini sedang berjalan. Tunggu sampai selesai, lalu impor berkas ini.")
	case errors.Is(err, surat.ErrConflict):
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penduduk/impor/%d", j.ID))
		return nil
	case err != nil:
		return err
	}
	actor := actorOf(currentUser(c))
	bg, cancel := context.WithTimeout(s.background, importTimeout)
	s.work.Go(func() {
		defer cancel()
		s.runImport(bg, actor, vid, j)
	})
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penduduk/impor/%d", j.ID))
	return nil
}

// runImport waits for an import slot, reads the kept file, parses it again
// and imports it in one transaction, then records the outcome on the job.
// The file is read only once the slot is taken: imports waiting for a slot
// hold nothing of it.
func (s *Server) runImport(ctx context.Context, actor surat.Actor, villageID int64, j *store.ImportJob) {
	var res surat.ImportResult
	failure := ""
	var recs []surat.ImportRecord
	var problems *surat.ImportError
	var loadErr, parseErr error
	release, slotErr := s.takeImportSlot(ctx, importTimeout)
	if slotErr == nil {
		defer release()
		var content []byte
		if content, loadErr = s.store.ImportJobContent(ctx, villageID, j.ID); loadErr == nil {
			recs, problems, parseErr = importer.Parse(bytes.NewReader(content), j.Filename)
		}
	}
	var err error
	switch {
	case (slotErr != nil || loadErr != nil) && s.background.Err() != nil:
		failure = importStopped
	case slotErr != nil:
		failure = "Server terlalu sibuk untuk mengimpor berkas ini sekarang; tidak ada data yang diubah. Unggah berkas lagi nanti."
	case loadErr != nil:
		s.log.ErrorContext(ctx, "import file not read", "job_id", j.ID, "err", loadErr)
		failure = "Impor gagal karena kesalahan server; tidak ada data yang diubah. Coba lagi atau hubungi admin."
	case parseErr != nil:
		failure = "Berkas ditolak: " + parseErr.Error()
	case problems != nil:
		failure = fmt.Sprintf("Berkas ditolak: %d masalah pada baris data. Tidak ada data yang diubah.", problems.Count())
	default:
		// The import ends its job as done in its own transaction.
		res, err = s.store.ImportResidentsForJob(ctx, actor, villageID, j.ID, recs)
		var rowErr *surat.ImportError
		switch {
		case err == nil:
			s.log.InfoContext(ctx, "residents imported", "village_id", villageID, "job_id", j.ID, "rows", len(recs),
				"created", res.Created, "updated", res.Updated)
			return
		case errors.As(err, &rowErr):
			failure = fmt.Sprintf("Berkas ditolak: %d masalah pada baris data. Tidak ada data yang diubah.", rowErr.Count())
		case s.background.Err() != nil:
			failure = importStopped
		case err != nil:
			s.log.ErrorContext(ctx, "import failed", "job_id", j.ID, "err", err)
			failure = "Impor gagal karena kesalahan server; tidak ada data yang diubah. Coba lagi atau hubungi admin."
		}
	}
	// Recorded even when the import was stopped: a bounded wait of its own.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if failure == importStopped {
		if err := s.store.RequeueImportJob(fctx, villageID, j.ID, importStopped); err != nil {
			s.log.ErrorContext(ctx, "stopped import job not requeued", "job_id", j.ID, "err", err)
			return
		}
		s.log.InfoContext(ctx, "import stopped by shutdown, job ready again", "village_id", villageID, "job_id", j.ID)
		return
	}
	if err := s.store.FinishImportJob(fctx, villageID, j.ID, res, failure); err != nil {
		s.log.ErrorContext(ctx, "import job not finished", "job_id", j.ID, "err", err)
		return
	}
	s.log.InfoContext(ctx, "residents not imported", "village_id", villageID, "job_id", j.ID, "rows", len(recs))
}
