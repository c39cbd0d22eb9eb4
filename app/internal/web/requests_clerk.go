package web

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
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
	p := requestQueuePage{basePage: s.base(c, "Permohonan Warga"), Status: string(status)}
	p.Statuses = append(p.Statuses, requestStatusOption{Value: "", Label: "Perlu ditangani", Selected: status == ""})
	for _, st := range surat.RequestStatuses() {
		p.Statuses = append(p.Statuses, requestStatusOption{Value: string(st), Label: st.Label(), Selected: st == status})
	}
	for _, r := range rs {
		row := s.requestRowOf(&r.LetterRequest)
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
	Attachments []mandiriAttachmentRow
	Timeline    []timelineEntry
	LetterID    int64
	CanOpen     bool
	CanReturn   bool
	CanCollect  bool
	Error       string
	Errors      map[string]string
	ReturnMsg   string
}

func (s *Server) renderClerkRequest(c *gin.Context, status int, r *surat.LetterRequest, p clerkRequestPage) error {
	ctx := c.Request.Context()
	p.basePage = s.base(c, fmt.Sprintf("Permohonan #%d", r.ID))
	p.Request = s.requestRowOf(r)
	p.Status = r.Effective
	p.CanOpen = r.Effective == surat.RequestInReview && s.issuance != nil
	p.CanReturn = r.Effective == surat.RequestInReview
	p.CanCollect = r.Effective == surat.RequestReady
	if r.LetterID != nil {
		p.LetterID = *r.LetterID
	}
	req, err := s.store.ResidentByID(ctx, r.VillageID, r.ResidentID)
	if err != nil {
		return err
	}
	p.Request.Requester = req.Name
	f, err := requestFormOf(r)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, id := range f.ResidentIDs() {
		if res, err := s.store.ResidentByID(ctx, r.VillageID, id); err == nil {
			names[id] = res.Name
		}
	}
	if s.issuance != nil {
		if m := s.issuance.Catalogue().Module(r.Module); m != nil {
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
				p.Entries = append(p.Entries, requestEntryView{Label: sp.Label, Value: strings.Join(ns, ", ")})
			}
			for _, fs := range m.Fields {
				if v := f.Fields[fs.Name]; v != "" {
					p.Entries = append(p.Entries, requestEntryView{Label: fs.Label, Value: v})
				}
			}
		}
	}
	if len(p.Entries) == 0 {
		keys := make([]string, 0, len(f.Fields))
		for k := range f.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p.Entries = append(p.Entries, requestEntryView{Label: k, Value: f.Fields[k]})
		}
	}
	as, err := s.store.Attachments(ctx, r.VillageID, r.ID)
	if err != nil {
		return err
	}
	p.Attachments = mandiriAttachmentRows(as)
	if p.Timeline, err = s.timelineOf(c, r); err != nil {
		return err
	}
	s.render(c, status, "permohonan_detail", p)
	return nil
}

// clerkRequest loads the :id request of the clerk's village.
func (s *Server) clerkRequest(c *gin.Context) (*surat.LetterRequest, error) {
	id, err := paramID(c)
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
// letter draft (or refreshes the draft after the resident's correction)
// and opens the letter page. The request stays sedang diperiksa; it shows
// menunggu tanda tangan once the letter is submitted, and siap diambil
// once it is signed.
func (s *Server) handleClerkRequestOpen(c *gin.Context) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	vid := *u.VillageID
	r, err := s.clerkRequest(c)
	if err != nil {
		return err
	}
	if r.Effective != surat.RequestInReview {
		return s.renderStateError(c, &store.RequestStateError{Status: r.Effective,
			Msg: "Permohonan berstatus " + r.Effective.Label() + " tidak dapat diproses lagi."})
	}
	f, err := requestFormOf(r)
	if err != nil {
		return err
	}
	req := issuanceRequest(r.Module, f)
	actor := actorOf(u)
	var letterID int64
	if r.LetterID != nil {
		l, err := s.store.LetterByID(ctx, vid, *r.LetterID)
		if err != nil {
			return err
		}
		if l.Status == surat.LetterDraft {
			if l, err = s.issuance.UpdateDraft(ctx, actor, vid, l.ID, l.Version, req); err != nil {
				return s.clerkDraftProblem(c, r, err)
			}
		}
		letterID = l.ID
		if _, err := s.store.OpenRequest(ctx, actor, vid, r.ID, letterID); err != nil {
			return s.renderStateError(c, err)
		}
	} else {
		// The draft is stored in the same transaction that claims the
		// request, so a clerk who loses a race leaves no letter behind.
		l, err := s.issuance.NewDraft(ctx, vid, req)
		if err != nil {
			return s.clerkDraftProblem(c, r, err)
		}
		if _, err := s.store.OpenRequestDraft(ctx, actor, vid, r.ID, l); err != nil {
			if _, ok := surat.FieldErrors(err); ok {
				return s.clerkDraftProblem(c, r, err)
			}
			return s.renderStateError(c, err)
		}
		letterID = l.ID
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
	_, changed, err := s.store.CollectRequest(ctx, actorOf(u), *u.VillageID, r.ID)
	if err != nil {
		return s.renderStateError(c, err)
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
	if _, err := s.store.ReturnRequest(c.Request.Context(), actorOf(u), *u.VillageID, r.ID, msg); err != nil {
		if fields, ok := surat.FieldErrors(err); ok {
			return s.renderClerkRequest(c, http.StatusUnprocessableEntity, r, clerkRequestPage{Errors: fields, ReturnMsg: msg})
		}
		return s.renderStateError(c, err)
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/permohonan/%d", r.ID))
	return nil
}

// handleClerkAttachment sends one document of a request of the clerk's
// village, under a name without personal data.
func (s *Server) handleClerkAttachment(c *gin.Context) error {
	r, err := s.clerkRequest(c)
	if err != nil {
		return err
	}
	aid, err := paramInt(c, "aid")
	if err != nil {
		return err
	}
	a, err := s.store.AttachmentByID(c.Request.Context(), r.VillageID, r.ID, aid)
	if err != nil {
		return err
	}
	b, err := s.readAttachmentFile(a)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="lampiran-%d-%d%s"`, r.ID, a.ID, attachmentExt(a.ContentType)))
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
}

// handlePINIssueForm shows the PIN form.
func (s *Server) handlePINIssueForm(c *gin.Context) error {
	s.render(c, http.StatusOK, "mandiri_pin_issue", pinIssuePage{basePage: s.base(c, "PIN Layanan Mandiri")})
	return nil
}

// handlePINIssue generates a 6-digit PIN for the resident with the typed
// NIK, stores its hash (the resident must change it at first login) and
// shows it once on a printable slip. The NIK travels in the form body,
// never in a URL.
func (s *Server) handlePINIssue(c *gin.Context) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	vid := *u.VillageID
	nik := strings.TrimSpace(c.PostForm("nik"))
	p := pinIssuePage{NIK: nik, Errors: map[string]string{}}
	if msg := surat.ValidateDigits16(nik, "NIK"); msg != "" {
		p.Errors["nik"] = msg
	}
	var res *surat.Resident
	if len(p.Errors) == 0 {
		var err error
		res, err = s.store.ResidentByNIK(ctx, vid, nik)
		switch {
		case err == nil:
		case errors.Is(err, surat.ErrNotFound):
			p.Errors["nik"] = "Penduduk dengan NIK ini tidak ada di desa Anda"
		default:
			return err
		}
	}
	if len(p.Errors) > 0 {
		p.basePage = s.base(c, "PIN Layanan Mandiri")
		s.render(c, http.StatusUnprocessableEntity, "mandiri_pin_issue", p)
		return nil
	}
	_, existed := s.store.ResidentAccountOf(ctx, vid, res.ID)
	pin, err := newPIN()
	if err != nil {
		return err
	}
	hash, err := auth.Hash(pin, s.params)
	if err != nil {
		return err
	}
	if _, err := s.store.IssueResidentPIN(ctx, actorOf(u), vid, res.ID, hash); err != nil {
		if fields, ok := surat.FieldErrors(err); ok {
			p.basePage = s.base(c, "PIN Layanan Mandiri")
			p.Errors = fields
			s.render(c, http.StatusUnprocessableEntity, "mandiri_pin_issue", p)
			return nil
		}
		return err
	}
	v, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "resident PIN issued", "resident_id", res.ID)
	slip := pinSlipPage{basePage: s.base(c, "Slip PIN Layanan Mandiri"), Village: v, Name: res.Name, NIK: res.NIK, PIN: pin,
		Reset: existed == nil, LoginURL: strings.TrimRight(s.cfg.BaseURL, "/") + "/mandiri/masuk",
		IssuedAt: mandiriDateTime(s.now())}
	s.render(c, http.StatusOK, "mandiri_pin_slip", slip)
	return nil
}

// newPIN draws a uniformly random 6-digit PIN from crypto/rand that is not
// trivially guessable (surat.ValidatePIN), since the resident may keep
// using it until first login.
func newPIN() (string, error) {
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return "", fmt.Errorf("web: PIN: %w", err)
		}
		pin := fmt.Sprintf("%06d", n.Int64())
		if surat.ValidatePIN(pin) == "" {
			return pin, nil
		}
	}
}
