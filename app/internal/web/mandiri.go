package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// mandiriBase is what every resident page needs: the layout data and the
// signed-in resident for the resident menu.
type mandiriBase struct {
	basePage
	Resident *surat.Resident
}

// mandiriBaseFor fills the layout data of a resident page. The staff menu
// stays empty: resident pages never show staff links.
func (s *Server) mandiriBaseFor(c *gin.Context, title string) mandiriBase {
	b := mandiriBase{basePage: basePage{Title: title}}
	if login := currentResident(c); login != nil {
		b.Resident = &login.Resident
	}
	if sess := currentResidentSession(c); sess != nil {
		b.CSRFToken = sess.CSRFToken
	}
	if msg := mandiriNotices[c.Query("ok")]; msg != "" {
		b.Flash = msg
	}
	return b
}

// mandiriNotices are the only notices a redirect can ask a resident page to
// show (?ok=<key>); the query never carries free text.
var mandiriNotices = map[string]string{
	"dikirim":          "Permohonan terkirim. Petugas desa akan memeriksanya.",
	"diperbaiki":       "Perbaikan terkirim. Petugas desa akan memeriksanya lagi.",
	"dibatalkan":       "Permohonan dibatalkan.",
	"lampiran":         "Lampiran ditambahkan.",
	"lampiran-dikirim": "Lampiran ditambahkan dan permohonan dikirim kembali kepada petugas desa untuk diperiksa.",
	"dikirim-ulang":    "Permohonan dikirim ulang. Petugas desa akan memeriksanya lagi.",
	"pemberitahuan":    "Pengaturan pemberitahuan disimpan.",
	"pin":              "PIN baru tersimpan. Gunakan PIN ini untuk masuk berikutnya.",
	"keluar":           "Anda telah keluar.",
}

// mandiriLoginPage is the resident login form.
type mandiriLoginPage struct {
	mandiriBase
	MultiVillage  bool
	KodeDesa, NIK string
	Error         string
	Errors        map[string]string
}

func (s *Server) renderMandiriLogin(c *gin.Context, status int, p mandiriLoginPage) error {
	tok, err := s.anonCSRFToken(c)
	if err != nil {
		return err
	}
	if p.MultiVillage, err = s.mandiri.MultiVillage(c.Request.Context()); err != nil {
		return err
	}
	p.mandiriBase = s.mandiriBaseFor(c, "Masuk Layanan Mandiri")
	p.CSRFToken = tok
	s.render(c, status, "mandiri_login", p)
	return nil
}

// handleMandiriLoginForm shows the resident login, or the resident's home
// when already signed in.
func (s *Server) handleMandiriLoginForm(c *gin.Context) error {
	if currentResident(c) != nil {
		c.Redirect(http.StatusSeeOther, "/mandiri")
		return nil
	}
	return s.renderMandiriLogin(c, http.StatusOK, mandiriLoginPage{})
}

// handleMandiriLogin checks NIK and PIN and starts a resident session. The
// answer to an unknown NIK and to a wrong PIN is the same page with the
// same status (see mandiri.Service.Login).
func (s *Server) handleMandiriLogin(c *gin.Context) error {
	ctx := c.Request.Context()
	p := mandiriLoginPage{KodeDesa: strings.TrimSpace(c.PostForm("kode_desa")), NIK: strings.TrimSpace(c.PostForm("nik"))}
	login, err := s.mandiri.Login(ctx, mandiri.Credentials{KodeDesa: p.KodeDesa, NIK: p.NIK, PIN: c.PostForm("pin"),
		IP: clientAddress(c)})
	if fields, ok := surat.FieldErrors(err); ok {
		p.Errors = fields
		return s.renderMandiriLogin(c, http.StatusUnprocessableEntity, p)
	}
	if pr, ok := s.residentLoginProblem(err); ok {
		if pr.RetryAfter > 0 {
			c.Header("Retry-After", strconv.Itoa(pr.RetryAfter))
		}
		if pr.Status == http.StatusUnauthorized {
			pr.Status = http.StatusUnprocessableEntity // a form answer, as on the staff login
		}
		p.Error = pr.Message
		return s.renderMandiriLogin(c, pr.Status, p)
	} else if err != nil {
		return err
	}
	if old, err := s.cookie(c, mandiriCookie); err == nil && old != "" {
		if err := s.store.DeleteResidentSession(ctx, auth.TokenHash(old)); err != nil {
			return err
		}
	}
	token, _, err := s.newResidentSession(ctx, login.Account.ID, sessionKindWeb, mandiriSessionTTL)
	if err != nil {
		return err
	}
	s.setCookie(c, mandiriCookie, token, mandiriSessionTTL)
	s.log.InfoContext(ctx, "resident login", "account_id", login.Account.ID)
	if login.Account.MustChange {
		c.Redirect(http.StatusSeeOther, "/mandiri/pin")
		return nil
	}
	c.Redirect(http.StatusSeeOther, "/mandiri")
	return nil
}

// handleMandiriLogout ends the resident session.
func (s *Server) handleMandiriLogout(c *gin.Context) error {
	sess := currentResidentSession(c)
	if sess == nil {
		c.Redirect(http.StatusSeeOther, "/mandiri/masuk")
		return nil
	}
	if err := s.residentCSRF(c); err != nil {
		return err
	}
	if err := s.store.DeleteResidentSession(c.Request.Context(), sess.TokenHash); err != nil {
		return err
	}
	s.setCookie(c, mandiriCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/mandiri/masuk?ok=keluar")
	return nil
}

// mandiriPINPage is the PIN change form.
type mandiriPINPage struct {
	mandiriBase
	MustChange bool
	Errors     map[string]string
}

// handleMandiriPINForm shows the PIN change form; after a clerk issued a
// PIN it is the only page the resident can open.
func (s *Server) handleMandiriPINForm(c *gin.Context) error {
	p := mandiriPINPage{mandiriBase: s.mandiriBaseFor(c, "Ganti PIN"), MustChange: currentResident(c).Account.MustChange}
	s.render(c, http.StatusOK, "mandiri_pin", p)
	return nil
}

// handleMandiriPIN stores the resident's new PIN.
func (s *Server) handleMandiriPIN(c *gin.Context) error {
	ctx := c.Request.Context()
	login := currentResident(c)
	err := s.mandiri.ChangePIN(ctx, login, currentResidentSession(c).TokenHash,
		c.PostForm("pin_lama"), strings.TrimSpace(c.PostForm("pin_baru")), strings.TrimSpace(c.PostForm("pin_ulang")))
	if fields, ok := surat.FieldErrors(err); ok {
		p := mandiriPINPage{mandiriBase: s.mandiriBaseFor(c, "Ganti PIN"), MustChange: login.Account.MustChange, Errors: fields}
		s.render(c, http.StatusUnprocessableEntity, "mandiri_pin", p)
		return nil
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "resident PIN changed", "account_id", login.Account.ID)
	c.Redirect(http.StatusSeeOther, "/mandiri?ok=pin")
	return nil
}

// requestRow is one request in a resident's or a clerk's list.
type requestRow struct {
	ID          int64
	Module      string
	Title       string
	Status      surat.RequestStatus
	SubmittedAt string
	Requester   string
	Subject     string
}

// residentLetterRow is one of a resident's letters.
type residentLetterRow struct {
	ID           int64
	Title        string
	Number       string
	SignedAt     string
	Status       surat.LetterStatus
	VerifyURL    string
	Downloadable bool
}

// mandiriHomePage is the resident's home: their requests and letters.
type mandiriHomePage struct {
	mandiriBase
	Requests []requestRow
	Letters  []residentLetterRow
	// ToFix are requests the clerk returned for the resident to complete;
	// Ready are requests whose letter is signed and waits to be taken.
	ToFix, Ready []requestRow
	// Notified says the resident opted in to notifications.
	Notified bool
}

// handleMandiriHome shows the resident's requests and letters.
func (s *Server) handleMandiriHome(c *gin.Context) error {
	ctx := c.Request.Context()
	login := currentResident(c)
	p := mandiriHomePage{mandiriBase: s.mandiriBaseFor(c, "Layanan Mandiri")}
	rs, err := s.store.RequestsOfResident(ctx, login.Account.VillageID, login.Resident.ID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		row := s.requestRowOf(c, &r)
		p.Requests = append(p.Requests, row)
		switch r.Effective {
		case surat.RequestIncomplete:
			p.ToFix = append(p.ToFix, row)
		case surat.RequestReady:
			p.Ready = append(p.Ready, row)
		}
	}
	p.Notified = login.Account.NotifyConsentAt != nil
	if p.Letters, err = s.residentLetterRows(c, login); err != nil {
		return err
	}
	s.render(c, http.StatusOK, "mandiri_home", p)
	return nil
}

func (s *Server) requestRowOf(c *gin.Context, r *surat.LetterRequest) requestRow {
	return requestRow{ID: r.ID, Module: r.Module, Title: s.moduleTitleOf(c, r.Module), Status: r.Effective,
		SubmittedAt: surat.FormatDate(surat.LetterTime(r.SubmittedAt))}
}

func (s *Server) residentLetterRows(c *gin.Context, login *store.ResidentLogin) ([]residentLetterRow, error) {
	ls, err := s.store.ResidentLetters(c.Request.Context(), login.Account.VillageID, login.Resident.ID)
	if err != nil {
		return nil, err
	}
	var out []residentLetterRow
	for _, l := range ls {
		row := residentLetterRow{ID: l.ID, Title: s.moduleTitleOf(c, l.Module), Number: l.NumberString(), Status: l.Status,
			Downloadable: l.Status == surat.LetterSigned}
		if l.SignedAt != nil {
			row.SignedAt = surat.FormatDate(surat.LetterTime(*l.SignedAt))
		}
		if l.VerifyCode != nil {
			row.VerifyURL = s.issuance.VerifyURL(*l.VerifyCode)
		}
		out = append(out, row)
	}
	return out, nil
}

// offeredModuleView describes an offered module and what it needs.
type offeredModuleView struct {
	Code, Title, Description string
	Validity                 string
	// Needs lists the people and entries the form asks for, marking the
	// required ones.
	Needs []string
	// Requirements are the documents the resident brings or attaches.
	Requirements []string
}

func offeredModuleViewOf(vm issuance.VillageModule) offeredModuleView {
	m := vm.Module
	v := offeredModuleView{Code: m.Code, Title: m.Title, Description: m.Description, Validity: vm.Validity(),
		Requirements: vm.Requirements()}
	for _, sp := range m.Subjects {
		n := sp.Label
		if !sp.Required {
			n += " (bila ada)"
		}
		v.Needs = append(v.Needs, n)
	}
	for _, f := range m.Fields {
		n := f.Label
		if !f.Required {
			n += " (bila ada)"
		}
		v.Needs = append(v.Needs, n)
	}
	return v
}

// mandiriModulesPage lists the letters a resident can request online.
type mandiriModulesPage struct {
	mandiriBase
	Modules []offeredModuleView
}

// handleMandiriModules lists the modules the village offers online with
// what each needs.
func (s *Server) handleMandiriModules(c *gin.Context) error {
	login := currentResident(c)
	ms, err := s.mandiri.OfferedModules(c.Request.Context(), login.Account.VillageID)
	if err != nil {
		return err
	}
	p := mandiriModulesPage{mandiriBase: s.mandiriBaseFor(c, "Ajukan Surat")}
	for _, m := range ms {
		p.Modules = append(p.Modules, offeredModuleViewOf(m))
	}
	s.render(c, http.StatusOK, "mandiri_modules", p)
	return nil
}

// mandiriLettersPage lists the resident's letters.
type mandiriLettersPage struct {
	mandiriBase
	Letters []residentLetterRow
}

// handleMandiriLetters lists the resident's letters with their
// verification links.
func (s *Server) handleMandiriLetters(c *gin.Context) error {
	p := mandiriLettersPage{mandiriBase: s.mandiriBaseFor(c, "Surat Saya")}
	var err error
	if p.Letters, err = s.residentLetterRows(c, currentResident(c)); err != nil {
		return err
	}
	s.render(c, http.StatusOK, "mandiri_letters", p)
	return nil
}

// handleMandiriLetterPDF sends the signed PDF of one of the resident's
// letters; any other letter id is 404. The download marks the resident's
// ready request for it as taken (sudah diambil).
func (s *Server) handleMandiriLetterPDF(c *gin.Context) error {
	login := currentResident(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.mandiri.LetterPDF(c.Request.Context(), login, id)
	if err != nil {
		return err
	}
	sendMandiriPDF(c, fmt.Sprintf("surat-%d.pdf", id), b)
	return nil
}

// sendMandiriPDF writes a PDF download under a name without personal data.
func sendMandiriPDF(c *gin.Context, name string, b []byte) {
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Data(http.StatusOK, "application/pdf", b)
}

// timelineEntry is one line of a request's timeline.
type timelineEntry struct {
	At      string
	Status  string
	Who     string
	Message string
}

// timelineOf is a request's stored events, followed by the steps derived
// from its letter (waiting for the signature, signed), which have no event
// row of their own.
func (s *Server) timelineOf(c *gin.Context, r *surat.LetterRequest) ([]timelineEntry, error) {
	ctx := c.Request.Context()
	es, err := s.store.RequestEvents(ctx, r.VillageID, r.ID)
	if err != nil {
		return nil, err
	}
	var out []timelineEntry
	for _, e := range es {
		t := timelineEntry{At: mandiriDateTime(e.CreatedAt), Message: e.Message, Who: "Pemohon"}
		if e.Status != "" {
			t.Status = e.Status.Label()
		}
		if e.ByClerk {
			t.Who = "Petugas desa"
		}
		out = append(out, t)
	}
	if r.LetterID != nil {
		l, err := s.store.LetterByID(ctx, r.VillageID, *r.LetterID)
		if err != nil {
			return nil, err
		}
		switch {
		case l.Status == surat.LetterSubmitted || l.Status == surat.LetterApproved:
			out = append(out, timelineEntry{At: mandiriDateTime(l.UpdatedAt), Status: surat.RequestAwaitingSignature.Label(),
				Who: "Petugas desa", Message: "Surat menunggu tanda tangan elektronik"})
		case l.SignedAt != nil:
			out = append(out, timelineEntry{At: mandiriDateTime(*l.SignedAt), Status: surat.RequestReady.Label(),
				Who: "Petugas desa", Message: "Surat ditandatangani secara elektronik dan dapat diunduh"})
		}
	}
	return out, nil
}

// mandiriDateTime prints a time as "23 November 2026 10.00 WIB".
func mandiriDateTime(t time.Time) string {
	lt := surat.LetterTime(t)
	return surat.FormatDate(lt) + " " + lt.Format("15.04") + " WIB"
}
