package web

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The clerk's side of Layanan Mandiri: the queue of residents' requests
// (/permohonan), opening a request into a prefilled letter draft,
// returning it as incomplete with a message, the documents, and issuing or
// resetting a resident's PIN. Operators and village admins only; every id
// is looked up in the clerk's own village.

// requestQueuePage is the clerk's queue of requests.
type requestQueuePage struct {
	basePage
	Status   string
	Statuses []requestStatusOption
	Requests []requestRow
	// IsClerk shows the clerks' links (a signer only reads).
	IsClerk bool
}

// requestStatusOption is one choice of the queue's status filter.
type requestStatusOption struct {
	Value, Label string
	Selected     bool
}

// handleRequestQueue lists the village's requests, oldest first; by default
// those the office still has to handle.
func (s *Server) handleRequestQueue(c *gin.Context) error {
	vid := *currentUser(c).VillageID
	status := surat.RequestStatus(c.Query("status"))
	if status != "" && !status.Valid() {
		status = ""
	}
	rs, err := s.store.RequestQueue(c.Request.Context(), vid, status, 200)
	if err != nil {
		return err
	}
	p := requestQueuePage{basePage: s.base(c, "Permohonan Warga"), Status: string(status), IsClerk: isClerk(currentUser(c))}
	p.Statuses = append(p.Statuses, requestStatusOption{Value: "", Label: "Perlu ditangani", Selected: status == ""})
	for _, st := range surat.RequestStatuses() {
		p.Statuses = append(p.Statuses, requestStatusOption{Value: string(st), Label: st.Label(), Selected: st == status})
	}
	for _, r := range rs {
		row := s.requestRowOf(c, &r.LetterRequest)
		row.Requester, row.Subject = r.RequesterName, r.SubjectName
		p.Requests = append(p.Requests, row)
	}
	s.render(c, http.StatusOK, "permohonan", p)
	return nil
}

// requestEntryView is one module field or subject of a request, labelled.
type requestEntryView struct {
	Label, Value string
}

// clerkRequestPage is one request for the clerk.
type clerkRequestPage struct {
	basePage
	Request     requestRow
	Status      surat.RequestStatus
	Entries     []requestEntryView
	Attachments []attachmentView
	Checklist   []requirementView
	Timeline    []timelineEntry
	// IsClerk: the user may act on the request (a signer only reads).
	IsClerk    bool
	LetterID   int64
	CanOpen    bool
	CanReturn  bool
	CanCollect bool
	Error      string
	Errors     map[string]string
	ReturnMsg  string
}

func (s *Server) renderClerkRequest(c *gin.Context, status int, r *surat.LetterRequest, p clerkRequestPage) error {
	ctx := c.Request.Context()
	p.basePage = s.base(c, fmt.Sprintf("Permohonan #%d", r.ID))
	p.Request = s.requestRowOf(c, r)
	p.Status = r.Effective
	p.IsClerk = isClerk(currentUser(c))
	p.CanOpen = p.IsClerk && r.Effective == surat.RequestInReview
	p.CanReturn = p.IsClerk && r.Effective == surat.RequestInReview
	p.CanCollect = p.IsClerk && r.Effective == surat.RequestReady
	if r.LetterID != nil {
		p.LetterID = *r.LetterID
	}
	req, err := s.store.ResidentByID(ctx, r.VillageID, r.ResidentID)
	if err != nil {
		return err
	}
	p.Request.Requester = req.Name
	if p.Entries, err = s.requestEntries(c, r); err != nil {
		return err
	}
	panel, err := s.requestPanelOf(ctx, r)
	if err != nil {
		return err
	}
	p.Attachments, p.Checklist = panel.Attachments, panel.Checklist
	if p.Timeline, err = s.timelineOf(c, r); err != nil {
		return err
	}
	s.render(c, status, "permohonan_detail", p)
	return nil
}

// requestEntries are the people and values a request's form names, as the
// resident filled them in.
func (s *Server) requestEntries(c *gin.Context, r *surat.LetterRequest) ([]requestEntryView, error) {
	var entries []requestEntryView
	f, err := r.Form()
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, id := range f.ResidentIDs() {
		if res, err := s.store.ResidentByID(c.Request.Context(), r.VillageID, id); err == nil {
			names[id] = res.Name
		}
	}
	cat, err := s.catalogue(c)
	if err != nil {
		return nil, err
	}
	if m := cat.Module(r.Module); m != nil {
		for _, sp := range m.Subjects {
			sub, ok := f.Subjects[sp.Role]
			if !ok {
				continue
			}
			var ns []string
			if sub.ResidentID != 0 {
				ns = append(ns, names[sub.ResidentID])
			}
			for _, it := range sub.Items {
				n := names[it.ResidentID]
				if it.Relation != "" {
					n += " (" + it.Relation + ")"
				}
				ns = append(ns, n)
			}
			entries = append(entries, requestEntryView{Label: sp.Label, Value: strings.Join(ns, ", ")})
		}
		for _, fs := range m.Fields {
			if v := f.Fields[fs.Name]; v != "" {
				entries = append(entries, requestEntryView{Label: fs.Label, Value: v})
			}
		}
	}
	if len(entries) == 0 {
		keys := make([]string, 0, len(f.Fields))
		for k := range f.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			entries = append(entries, requestEntryView{Label: k, Value: f.Fields[k]})
		}
	}
	return entries, nil
}

// clerkRequest loads the :id request of the clerk's village.
func (s *Server) clerkRequest(c *gin.Context) (*surat.LetterRequest, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.store.RequestByID(c.Request.Context(), *currentUser(c).VillageID, id)
}

// handleClerkRequestShow shows one request with its data, documents and
// timeline.
func (s *Server) handleClerkRequestShow(c *gin.Context) error {
	r, err := s.clerkRequest(c)
	if err != nil {
		return err
	}
	return s.renderClerkRequest(c, http.StatusOK, r, clerkRequestPage{})
}

// handleClerkRequestOpen turns a request under review into a prefilled
// letter draft, or refreshes the draft after the resident's correction
// (mandiri.Service.OpenRequest), and opens the letter page.
func (s *Server) handleClerkRequestOpen(c *gin.Context) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	r, err := s.clerkRequest(c)
	if err != nil {
		return err
	}
	letterID, err := s.mandiri.OpenRequest(ctx, actorOf(u), *u.VillageID, r.ID)
	if _, ok := surat.FieldErrors(err); ok {
		return s.clerkDraftProblem(c, r, err)
	} else if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "request opened", "request_id", r.ID, "letter_id", letterID)
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d", letterID))
	return nil
}

// handleClerkRequestCollected records that the resident collected the
// signed letter on paper at the office: siap diambil becomes sudah
// diambil. A second click changes nothing; any other status is a 409 with
// the reason.
func (s *Server) handleClerkRequestCollected(c *gin.Context) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	r, err := s.clerkRequest(c)
	if err != nil {
		return err
	}
	changed, err := s.mandiri.CollectRequest(ctx, actorOf(u), *u.VillageID, r.ID)
	if err != nil {
		return err
	}
	if changed {
		s.log.InfoContext(ctx, "request collected at the office", "request_id", r.ID)
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/permohonan/%d", r.ID))
	return nil
}

// clerkDraftProblem shows the request again with the reasons the letter
// could not be drafted (for instance a resident whose data no longer fits
// the module's rules), so the clerk can return it with a message.
func (s *Server) clerkDraftProblem(c *gin.Context, r *surat.LetterRequest, err error) error {
	fields, ok := surat.FieldErrors(err)
	if !ok {
		return err
	}
	return s.renderClerkRequest(c, http.StatusUnprocessableEntity, r, clerkRequestPage{
		Error:  "Draf surat belum dapat dibuat dari permohonan ini. Kembalikan ke pemohon dengan pesan bila datanya kurang.",
		Errors: fields})
}

// handleClerkRequestReturn returns a request as incomplete with a message
// for the resident.
func (s *Server) handleClerkRequestReturn(c *gin.Context) error {
	u := currentUser(c)
	r, err := s.clerkRequest(c)
	if err != nil {
		return err
	}
	msg := c.PostForm("message")
	err = s.mandiri.ReturnRequest(c.Request.Context(), actorOf(u), *u.VillageID, r.ID, msg)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderClerkRequest(c, http.StatusUnprocessableEntity, r, clerkRequestPage{Errors: fields, ReturnMsg: msg})
	} else if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/permohonan/%d", r.ID))
	return nil
}

// handleClerkAttachment sends one document of a request of the clerk's
// village, under a name without personal data.
func (s *Server) handleClerkAttachment(c *gin.Context) error {
	return s.sendClerkAttachment(c, "attachment")
}

// handleClerkAttachmentInline shows one document of a request inside our
// own pages (an image or a PDF, as sniffed at upload): framable only by
// our pages, and sandboxed so that a hostile file runs nothing on our
// origin.
func (s *Server) handleClerkAttachmentInline(c *gin.Context) error {
	return s.sendClerkAttachment(c, "inline")
}

// sendClerkAttachment sends the document :aid of the request :id of the
// clerk's village, as an attachment to save or inline in our own pages.
func (s *Server) sendClerkAttachment(c *gin.Context, disposition string) error {
	r, err := s.clerkRequest(c)
	if err != nil {
		return err
	}
	aid, err := pathID(c, "aid")
	if err != nil {
		return err
	}
	a, err := s.store.AttachmentByID(c.Request.Context(), r.VillageID, r.ID, aid)
	if err != nil {
		return err
	}
	b, err := s.mandiri.ReadAttachment(c.Request.Context(), a)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf(`%s; filename="lampiran-%d-%d%s"`, disposition, r.ID, a.ID, attachmentExt(a.ContentType)))
	if disposition == "inline" {
		c.Header("X-Frame-Options", "SAMEORIGIN")
		csp := "frame-ancestors 'self'"
		if a.ContentType != "application/pdf" {
			// Chromium's PDF viewer does not run in a sandboxed document;
			// images need nothing that a sandbox forbids.
			csp += "; sandbox"
		}
		c.Header("Content-Security-Policy", csp)
		c.Header("Cache-Control", "private, no-store")
	}
	c.Data(http.StatusOK, a.ContentType, b)
	return nil
}

// pinIssuePage is the clerk's form to issue or reset a resident's PIN.
type pinIssuePage struct {
	basePage
	NIK    string
	Errors map[string]string
}

// pinSlipPage is the printable slip with a freshly issued PIN. It is the
// only time the PIN is shown; the server keeps its hash only.
type pinSlipPage struct {
	basePage
	Village  *surat.Village
	Name     string
	NIK      string
	PIN      string
	Reset    bool
	LoginURL string
	IssuedAt string
	// Offered are the letters the village offers online, with the
	// documents each asks for.
	Offered []offeredModuleView
}

// handlePINIssueForm shows the PIN form.
func (s *Server) handlePINIssueForm(c *gin.Context) error {
	s.render(c, http.StatusOK, "mandiri_pin_issue", pinIssuePage{basePage: s.base(c, "PIN Layanan Mandiri")})
	return nil
}

// handlePINIssue issues or resets the PIN of the resident with the typed
// NIK (mandiri.Service.IssuePIN) and shows it once on a printable slip.
// The NIK travels in the form body, never in a URL.
func (s *Server) handlePINIssue(c *gin.Context) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	vid := *u.VillageID
	nik := strings.TrimSpace(c.PostForm("nik"))
	issued, err := s.mandiri.IssuePIN(ctx, actorOf(u), vid, nik)
	if fields, ok := surat.FieldErrors(err); ok {
		p := pinIssuePage{basePage: s.base(c, "PIN Layanan Mandiri"), NIK: nik, Errors: fields}
		s.render(c, http.StatusUnprocessableEntity, "mandiri_pin_issue", p)
		return nil
	} else if err != nil {
		return err
	}
	v, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return err
	}
	res := issued.Resident
	s.log.InfoContext(ctx, "resident PIN issued", "resident_id", res.ID)
	slip := pinSlipPage{basePage: s.base(c, "Slip PIN Layanan Mandiri"), Village: v, Name: res.Name, NIK: res.NIK,
		PIN: issued.PIN, Reset: issued.Reset, LoginURL: strings.TrimRight(s.cfg.BaseURL, "/") + "/mandiri/masuk",
		IssuedAt: mandiriDateTime(s.now())}
	offered, err := s.mandiri.OfferedModules(ctx, vid)
	if err != nil {
		return err
	}
	for _, m := range offered {
		slip.Offered = append(slip.Offered, offeredModuleViewOf(m))
	}
	s.render(c, http.StatusOK, "mandiri_pin_slip", slip)
	return nil
}

// attachmentExt is the file extension for a download name.
func attachmentExt(ct string) string {
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	}
	return ".pdf"
}
