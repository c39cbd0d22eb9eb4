package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The archive (buku agenda surat keluar): the village's letters, searchable
// and paginated, with the signed PDF, revocation and replacement, and the
// register of a date range as an XLSX file.

const (
	archivePerPage = 25
	// maxExportRows bounds one export; a village issues a few thousand
	// letters a year.
	maxExportRows = 20000
)

// archiveFilter is the archive's search as typed.
type archiveFilter struct {
	Query, Module, Status, From, To string
	Page                            int
}

// archivePage is /surat.
type archivePage struct {
	basePage
	Filter   archiveFilter
	Modules  []moduleItem
	Statuses []statusOption
	Letters  []archiveRow
	Total    int64
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
	Errors   map[string]string
	// ExportURL downloads the register for the current search.
	ExportURL string
	CanCreate bool
}

// statusReturned is the archive's filter for drafts a signer returned.
const statusReturned = "dikembalikan"

// statusOption is one status of the filter.
type statusOption struct{ Value, Label string }

// archiveRow is one letter of the archive.
type archiveRow struct {
	ID          int64
	Number      string
	Date        string
	ModuleTitle string
	SubjectName string
	Status      surat.LetterStatus
	StatusLabel string
	Signed      bool
}

// parseArchiveFilter reads the search and reports bad dates or values as
// field messages; the store filter is usable whenever the messages are
// empty.
func (s *Server) parseArchiveFilter(c *gin.Context) (archiveFilter, store.LetterFilter, map[string]string) {
	f := archiveFilter{Query: strings.TrimSpace(c.Query("q")), Module: c.Query("jenis"), Status: c.Query("status"),
		From: strings.TrimSpace(c.Query("dari")), To: strings.TrimSpace(c.Query("sampai"))}
	f.Page, _ = strconv.Atoi(c.Query("hal"))
	if f.Page < 1 {
		f.Page = 1
	}
	errs := map[string]string{}
	sf := store.LetterFilter{Query: f.Query, Module: f.Module, Page: f.Page, PerPage: archivePerPage}
	if f.Status == statusReturned {
		sf.Returned = true
	} else if f.Status != "" {
		if st := surat.LetterStatus(f.Status); st.Valid() {
			sf.Status = st
		} else {
			errs["status"] = "Status tidak dikenal"
		}
	}
	if f.Module != "" && s.moduleTitleOf(c, f.Module) == f.Module {
		errs["jenis"] = "Jenis surat tidak dikenal"
	}
	// Dates are calendar days of the letters' civil time (WIB): "sampai"
	// includes its whole day.
	day := func(v, field, label string) time.Time {
		if v == "" {
			return time.Time{}
		}
		d, err := surat.ParseDate(v)
		if err != nil {
			errs[field] = label + " harus berupa tanggal yang benar (HH-BB-TTTT)"
			return time.Time{}
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, surat.LetterTime(d).Location())
	}
	from, to := day(f.From, "dari", "Tanggal awal"), day(f.To, "sampai", "Tanggal akhir")
	if !from.IsZero() {
		sf.From = from
		f.From = from.Format("2006-01-02")
	}
	if !to.IsZero() {
		sf.To = to.AddDate(0, 0, 1)
		f.To = to.Format("2006-01-02")
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		errs["sampai"] = "Tanggal akhir tidak boleh sebelum tanggal awal"
	}
	return f, sf, errs
}

// query is the archive search as URL parameters, with page hal.
func (f archiveFilter) query(hal int) string {
	v := url.Values{}
	for k, val := range map[string]string{"q": f.Query, "jenis": f.Module, "status": f.Status, "dari": f.From, "sampai": f.To} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if hal > 1 {
		v.Set("hal", strconv.Itoa(hal))
	}
	return v.Encode()
}

// handleArchive shows the village's letters.
func (s *Server) handleArchive(c *gin.Context) error {
	f, sf, errs := s.parseArchiveFilter(c)
	return s.renderArchive(c, f, sf, errs)
}

func (s *Server) renderArchive(c *gin.Context, f archiveFilter, sf store.LetterFilter, errs map[string]string) error {
	ctx, vid := c.Request.Context(), villageOf(c)
	p := archivePage{basePage: s.base(c, "Arsip surat"), Filter: f, Errors: errs, CanCreate: isClerk(currentUser(c))}
	if p.Flash == "" {
		p.Flash = notice(c)
	}
	cat, err := s.catalogue(c)
	if err != nil {
		return err
	}
	for _, m := range cat.Modules() {
		p.Modules = append(p.Modules, moduleItem{Code: m.Code, Title: m.Title})
	}
	for _, st := range surat.LetterStatuses() {
		p.Statuses = append(p.Statuses, statusOption{Value: string(st), Label: st.Label()})
		if st == surat.LetterDraft {
			p.Statuses = append(p.Statuses, statusOption{Value: statusReturned, Label: "Draf yang dikembalikan penandatangan"})
		}
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
		s.render(c, status, "letter_archive", p)
		return nil
	}
	page, err := s.store.ListLetters(ctx, vid, sf)
	if err != nil {
		return err
	}
	for _, l := range page.Letters {
		p.Letters = append(p.Letters, s.archiveRow(c, &l))
	}
	p.Total, p.Page = page.Total, page.Page
	p.Pages = int((page.Total + int64(page.PerPage) - 1) / int64(page.PerPage))
	if p.Page > 1 {
		p.PrevURL = "/surat?" + f.query(p.Page-1)
	}
	if p.Page < p.Pages {
		p.NextURL = "/surat?" + f.query(p.Page+1)
	}
	p.ExportURL = "/surat/ekspor.xlsx?" + f.query(1)
	s.render(c, status, "letter_archive", p)
	return nil
}

// archiveRow is l as one line of the archive and the register.
func (s *Server) archiveRow(c *gin.Context, l *surat.Letter) archiveRow {
	r := archiveRow{ID: l.ID, Number: l.NumberString(), ModuleTitle: s.moduleTitleOf(c, l.Module), SubjectName: l.SubjectName,
		Status: l.Status, StatusLabel: l.Status.Label(), Signed: l.VerifyCode != nil && l.PDFPath != ""}
	r.Date = surat.FormatDate(surat.LetterTime(letterDate(l)))
	return r
}

// letterDate is the letter's date: the issue date once signed, the
// creation time before.
func letterDate(l *surat.Letter) time.Time {
	if l.IssuedAt != nil {
		return *l.IssuedAt
	}
	return l.CreatedAt
}

// handleLetterDownload sends a signed letter's PDF as stored. The file name
// is the letter number, which holds no personal data.
func (s *Server) handleLetterDownload(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	iss := s.issuance
	l, b, err := iss.SignedPDF(c.Request.Context(), villageOf(c), id)
	if err != nil {
		return err
	}
	writePDF(c, b, pdfFileName(l), c.Query("lihat") == "1")
	return nil
}

// handleLetterReplace starts a corrected draft of a signed letter and opens
// it for editing.
func (s *Server) handleLetterReplace(c *gin.Context) error {
	iss := s.issuance
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	nl, err := iss.Replace(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), id)
	if err != nil {
		return s.letterRefusal(c, id, err, letterPage{})
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=pengganti", nl.ID))
	return nil
}

// registerColumns are the columns of the exported register.
var registerColumns = []string{"No", "Nomor Surat", "Tanggal", "Jenis Surat", "Nama", "Status", "Penandatangan"}

// handleLetterExport sends the register (buku agenda surat keluar) of the
// searched letters as XLSX, oldest first. It needs a date range, so that an
// export is a register of a period rather than everything.
func (s *Server) handleLetterExport(c *gin.Context) error {
	f, sf, errs := s.parseArchiveFilter(c)
	if f.From == "" && errs["dari"] == "" {
		errs["dari"] = "Isi tanggal awal untuk mengekspor buku agenda"
	}
	if f.To == "" && errs["sampai"] == "" {
		errs["sampai"] = "Isi tanggal akhir untuk mengekspor buku agenda"
	}
	if len(errs) > 0 {
		return s.renderArchive(c, f, sf, errs)
	}
	ctx, vid := c.Request.Context(), villageOf(c)
	officials, err := s.officialNames(ctx, vid)
	if err != nil {
		return err
	}
	var all []surat.Letter
	sf.PerPage = 100
	for sf.Page = 1; ; sf.Page++ {
		page, err := s.store.ListLetters(ctx, vid, sf)
		if err != nil {
			return err
		}
		if page.Total > maxExportRows {
			errs["dari"] = fmt.Sprintf("Terlalu banyak surat (%d) untuk satu berkas; persempit rentang tanggal (paling banyak %d).",
				page.Total, maxExportRows)
			return s.renderArchive(c, f, sf, errs)
		}
		all = append(all, page.Letters...)
		if len(page.Letters) < sf.PerPage || int64(len(all)) >= page.Total {
			break
		}
	}
	xf := excelize.NewFile()
	defer xf.Close()
	const sheet = "Buku Agenda"
	if err := xf.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	head, err := xf.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for i, col := range registerColumns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := xf.SetCellValue(sheet, cell, col); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if err := xf.SetRowStyle(sheet, 1, 1, head); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// The register reads oldest first; the list comes newest first.
	for i := range all {
		l := &all[len(all)-1-i]
		r := s.archiveRow(c, l)
		signer := ""
		if l.SignerOfficialID != nil {
			signer = officials[*l.SignerOfficialID]
		}
		vals := []any{i + 1, r.Number, r.Date, r.ModuleTitle, r.SubjectName, r.StatusLabel, signer}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := xf.SetSheetRow(sheet, cell, &vals); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	for i, w := range []float64{6, 32, 20, 36, 30, 16, 36} {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := xf.SetColWidth(sheet, col, col, w); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	var buf bytes.Buffer
	if err := xf.Write(&buf); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	name := fmt.Sprintf("buku-agenda-%s-%s.xlsx", f.From, f.To)
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
	return nil
}
