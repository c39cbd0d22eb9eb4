package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// rowErrorJSON is one problem or warning of an import row.
type rowErrorJSON struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

func rowErrorsOut(rows []surat.RowError) []rowErrorJSON {
	out := make([]rowErrorJSON, len(rows))
	for i, r := range rows {
		out[i] = rowErrorJSON{Row: r.Row, Column: r.Column, Reason: r.Reason}
	}
	return out
}

// uploadError is the error of a multipart request without a readable
// "file": too large (413), or missing (422 on "file").
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooBig
	}
	return &surat.ValidationError{Fields: map[string]string{
		"file": "Pilih berkas .xlsx atau .csv untuk diunggah (kolom \"file\")."}}
}

// importRefusal is the error of a spreadsheet importer.Parse refused: too
// large (413), not a spreadsheet (415), unreadable (422 on "file") or with
// bad rows (422, the first surat.MaxReportedRows listed with the total);
// nil when the file parsed cleanly.
func importRefusal(err error, problems *surat.ImportError) error {
	switch {
	case errors.Is(err, importer.ErrTooLarge):
		return &http.MaxBytesError{Limit: importer.MaxFileSize}
	case errors.Is(err, importer.ErrUnsupportedFormat):
		return &unsupportedMediaError{Msg: "Berkas ditolak: " + err.Error()}
	case err != nil:
		// The importer's messages are Indonesian and meant for the clerk.
		return &surat.ValidationError{Fields: map[string]string{"file": "Berkas ditolak: " + err.Error()}}
	case problems != nil:
		return problems
	}
	return nil
}

// importReport is the answer to an import or its dry run.
type importReport struct {
	DryRun            bool           `json:"dry_run"`
	Rows              int            `json:"rows"`
	Created           int            `json:"created"`
	Updated           int            `json:"updated"`
	HouseholdsCreated int            `json:"households_created"`
	HouseholdsUpdated int            `json:"households_updated"`
	Warnings          []rowErrorJSON `json:"warnings"`
}

// handleAPIResidentImport reads the CSV or XLSX file of the multipart field
// "file" into the caller's village: every row is upserted by NIK in one
// transaction, or none is. With dry_run=1 it does all the work and rolls it
// back, reporting what an import would change. A file with bad rows is 422
// import_rejected listing the first 1,000 problems (row, column, reason)
// and rows_total; a file that is not a spreadsheet is 415, one of more than
// importer.MaxRows rows 422.
func (s *Server) handleAPIResidentImport(c *gin.Context) error {
	dryRun := c.Query("dry_run") == "1" || c.Query("dry_run") == "true"
	fh, err := c.FormFile("file")
	if err != nil {
		return uploadError(err)
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open uploaded file: %w", err)
	}
	defer f.Close()

	ctx := c.Request.Context()
	release, err := s.takeImportSlot(ctx, s.importSlotWait)
	if err != nil {
		return err
	}
	defer release()
	recs, problems, err := importer.Parse(f, fh.Filename)
	if err := importRefusal(err, problems); err != nil {
		return err
	}
	res, err := s.store.ImportResidents(ctx, actorOf(currentUser(c)), villageOf(c), recs, dryRun)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "residents imported", "village_id", villageOf(c), "dry_run", dryRun, "rows", len(recs),
		"created", res.Created, "updated", res.Updated)
	c.JSON(http.StatusOK, importReport{DryRun: dryRun, Rows: len(recs), Created: res.Created, Updated: res.Updated,
		HouseholdsCreated: res.HouseholdsCreated, HouseholdsUpdated: res.HouseholdsUpdated,
		Warnings: rowErrorsOut(importer.Warnings(recs))})
	return nil
}
