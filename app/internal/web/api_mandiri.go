package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The resident API under /api/v1/mandiri, for a mobile app. A resident
// token is a resident session of kind "api"; it opens only these routes,
// and staff tokens do not open them. Every id in a path is checked against
// the resident: another resident's request or letter is 404.

// mandiriTokenRequest is the body of POST /api/v1/mandiri/auth/token.
// KodeDesa is required only when the deployment serves several villages.
type mandiriTokenRequest struct {
	KodeDesa string `json:"kode_desa"`
	NIK      string `json:"nik"`
	PIN      string `json:"pin"`
}

// mandiriTokenResponse is a new resident token, shown once.
type mandiriTokenResponse struct {
	Token     string    `json:"token"`
	TokenType string    `json:"token_type"`
	ExpiresAt time.Time `json:"expires_at"`
	// MustChangePIN is true while the resident has the clerk's PIN; every
	// other call answers 403 pin_change_required until POST /pin.
	MustChangePIN bool `json:"must_change_pin"`
}

// handleAPIMandiriToken exchanges NIK and PIN for a resident token. An
// unknown NIK and a wrong PIN give the same 401 body.
func (s *Server) handleAPIMandiriToken(c *gin.Context) error {
	var req mandiriTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request.Context()
	login, err := s.mandiri.Login(ctx, mandiri.Credentials{KodeDesa: req.KodeDesa, NIK: req.NIK, PIN: req.PIN,
		IP: clientAddress(c)})
	if pr, ok := s.residentLoginProblem(err); ok {
		if pr.RetryAfter > 0 {
			c.Header("Retry-After", strconv.Itoa(pr.RetryAfter))
		}
		if pr.Status == http.StatusUnauthorized {
			c.Header("WWW-Authenticate", `Bearer realm="suratdesa-mandiri"`)
		}
		c.AbortWithStatusJSON(pr.Status, errorBody{Error: pr.Code, Message: pr.Message})
		return nil
	} else if err != nil {
		return err
	}
	token, sess, err := s.newResidentSession(ctx, login.Account.ID, sessionKindAPI, mandiriTokenTTL)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "resident api token issued", "account_id", login.Account.ID)
	c.JSON(http.StatusOK, mandiriTokenResponse{Token: token, TokenType: "Bearer", ExpiresAt: sess.ExpiresAt.UTC(),
		MustChangePIN: login.Account.MustChange})
	return nil
}

// handleAPIMandiriTokenDelete revokes the resident token in use.
func (s *Server) handleAPIMandiriTokenDelete(c *gin.Context) error {
	if err := s.store.DeleteResidentSession(c.Request.Context(), currentResidentSession(c).TokenHash); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// mandiriPINRequest is the body of POST /api/v1/mandiri/pin.
type mandiriPINRequest struct {
	PINLama string `json:"pin_lama"`
	PINBaru string `json:"pin_baru"`
}

// handleAPIMandiriPIN replaces the resident's PIN; other tokens and
// sessions of the account end.
func (s *Server) handleAPIMandiriPIN(c *gin.Context) error {
	var req mandiriPINRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request.Context()
	login := currentResident(c)
	next := strings.TrimSpace(req.PINBaru)
	if err := s.mandiri.ChangePIN(ctx, login, currentResidentSession(c).TokenHash, req.PINLama, next, next); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "resident PIN changed", "account_id", login.Account.ID)
	c.Status(http.StatusNoContent)
	return nil
}

// mandiriMemberJSON is a member of the resident's KK, a possible subject.
type mandiriMemberJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Self     bool   `json:"self"`
}

// mandiriMeJSON is the signed-in resident and their KK.
type mandiriMeJSON struct {
	Name    string              `json:"name"`
	Village string              `json:"village"`
	Members []mandiriMemberJSON `json:"members"`
}

// handleAPIMandiriMe returns the resident's name, village and KK members,
// whose ids are the only ones a request may name.
func (s *Server) handleAPIMandiriMe(c *gin.Context) error {
	ctx := c.Request.Context()
	login := currentResident(c)
	v, err := s.store.VillageByID(ctx, login.Account.VillageID)
	if err != nil {
		return err
	}
	members, err := s.mandiri.Household(ctx, &login.Resident)
	if err != nil {
		return err
	}
	out := mandiriMeJSON{Name: login.Resident.Name, Village: v.Sebutan + " " + v.Name, Members: []mandiriMemberJSON{}}
	for _, r := range members {
		out.Members = append(out.Members, mandiriMemberJSON{ID: r.ID, Name: r.Name,
			Relation: surat.FamilyRelation.Label(r.Relation), Self: r.ID == login.Resident.ID})
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// handleAPIMandiriModules lists the modules the village offers online.
func (s *Server) handleAPIMandiriModules(c *gin.Context) error {
	ms, err := s.mandiri.OfferedModules(c.Request.Context(), currentResident(c).Account.VillageID)
	if err != nil {
		return err
	}
	out := struct {
		Items []moduleJSON `json:"items"`
	}{Items: []moduleJSON{}}
	for _, m := range ms {
		out.Items = append(out.Items, moduleOut(m))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// mandiriRequestBody is the body of POST and PUT /api/v1/mandiri/requests.
type mandiriRequestBody struct {
	Module   string                          `json:"module"`
	Subjects map[string]surat.RequestSubject `json:"subjects"`
	Fields   map[string]string               `json:"fields"`
	// Version is the version being corrected (PUT only; 0 skips the check).
	Version int `json:"version"`
}

// mandiriRequestJSON is a request as the resident sees it.
type mandiriRequestJSON struct {
	ID          int64                           `json:"id"`
	Module      string                          `json:"module"`
	ModuleTitle string                          `json:"module_title"`
	Status      string                          `json:"status"`
	StatusLabel string                          `json:"status_label"`
	SubjectID   int64                           `json:"subject_id"`
	Subjects    map[string]surat.RequestSubject `json:"subjects"`
	Fields      map[string]string               `json:"fields"`
	// Message is the clerk's message while the request is belum_lengkap.
	Message     string                  `json:"message"`
	LetterID    *int64                  `json:"letter_id"`
	Version     int                     `json:"version"`
	SubmittedAt time.Time               `json:"submitted_at"`
	UpdatedAt   time.Time               `json:"updated_at"`
	Attachments []mandiriAttachmentJSON `json:"attachments"`
	Timeline    []mandiriEventJSON      `json:"timeline"`
}

// mandiriAttachmentJSON is a supporting document of a request.
type mandiriAttachmentJSON struct {
	ID          int64     `json:"id"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	// Requirement is the required document the upload meets.
	Requirement string `json:"requirement,omitempty"`
}

// mandiriEventJSON is a timeline entry.
type mandiriEventJSON struct {
	At      time.Time `json:"at"`
	Status  string    `json:"status"`
	ByClerk bool      `json:"by_clerk"`
	Message string    `json:"message"`
}

// mandiriRequestOut builds the full view of a request; the letter is linked
// only once the resident may download it.
func (s *Server) mandiriRequestOut(c *gin.Context, r *surat.LetterRequest, full bool) (mandiriRequestJSON, error) {
	f, err := r.Form()
	if err != nil {
		return mandiriRequestJSON{}, err
	}
	if f.Subjects == nil {
		f.Subjects = map[string]surat.RequestSubject{}
	}
	if f.Fields == nil {
		f.Fields = map[string]string{}
	}
	out := mandiriRequestJSON{ID: r.ID, Module: r.Module, ModuleTitle: s.moduleTitleOf(c, r.Module), Status: string(r.Effective),
		StatusLabel: r.Effective.Label(), SubjectID: r.SubjectResidentID, Subjects: f.Subjects, Fields: f.Fields,
		Version: r.Version, SubmittedAt: r.SubmittedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Attachments: []mandiriAttachmentJSON{}, Timeline: []mandiriEventJSON{}}
	if r.Effective.Editable() {
		out.Message = r.Message
	}
	if r.Effective == surat.RequestReady || r.Effective == surat.RequestTaken {
		out.LetterID = r.LetterID
	}
	if !full {
		return out, nil
	}
	ctx := c.Request.Context()
	as, err := s.store.Attachments(ctx, r.VillageID, r.ID)
	if err != nil {
		return out, err
	}
	for _, a := range as {
		out.Attachments = append(out.Attachments, mandiriAttachmentJSON{ID: a.ID, ContentType: a.ContentType, Size: a.Size,
			CreatedAt: a.CreatedAt.UTC(), Requirement: a.Requirement})
	}
	es, err := s.store.RequestEvents(ctx, r.VillageID, r.ID)
	if err != nil {
		return out, err
	}
	for _, e := range es {
		out.Timeline = append(out.Timeline, mandiriEventJSON{At: e.CreatedAt.UTC(), Status: string(e.Status),
			ByClerk: e.ByClerk, Message: e.Message})
	}
	// The steps derived from the letter have no event row; they are dated
	// from the letter itself.
	if r.LetterID != nil && (r.Effective == surat.RequestAwaitingSignature || r.Effective == surat.RequestReady) {
		l, err := s.store.LetterByID(ctx, r.VillageID, *r.LetterID)
		if err != nil {
			return out, err
		}
		ev := mandiriEventJSON{At: l.UpdatedAt.UTC(), Status: string(r.Effective), ByClerk: true,
			Message: "Surat menunggu tanda tangan elektronik"}
		if r.Effective == surat.RequestReady && l.SignedAt != nil {
			ev.At, ev.Message = l.SignedAt.UTC(), "Surat ditandatangani secara elektronik dan dapat diunduh"
		}
		out.Timeline = append(out.Timeline, ev)
	}
	return out, nil
}

// handleAPIMandiriRequestList lists the resident's requests, newest first.
func (s *Server) handleAPIMandiriRequestList(c *gin.Context) error {
	login := currentResident(c)
	rs, err := s.store.RequestsOfResident(c.Request.Context(), login.Account.VillageID, login.Resident.ID)
	if err != nil {
		return err
	}
	out := struct {
		Items []mandiriRequestJSON `json:"items"`
	}{Items: []mandiriRequestJSON{}}
	for i := range rs {
		j, err := s.mandiriRequestOut(c, &rs[i], false)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, j)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// apiResidentRequest loads one of the resident's requests by :id.
func (s *Server) apiResidentRequest(c *gin.Context) (*store.ResidentLogin, *surat.LetterRequest, error) {
	login := currentResident(c)
	id, err := pathID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	r, err := s.store.RequestOfResident(c.Request.Context(), login.Account.VillageID, login.Resident.ID, id)
	return login, r, err
}

// handleAPIMandiriRequestShow returns one of the resident's requests.
func (s *Server) handleAPIMandiriRequestShow(c *gin.Context) error {
	_, r, err := s.apiResidentRequest(c)
	if err != nil {
		return err
	}
	return s.writeMandiriRequest(c, http.StatusOK, r)
}

func (s *Server) writeMandiriRequest(c *gin.Context, status int, r *surat.LetterRequest) error {
	out, err := s.mandiriRequestOut(c, r, true)
	if err != nil {
		return err
	}
	c.JSON(status, out)
	return nil
}

// handleAPIMandiriRequestCreate checks and stores a new request (status
// sedang_diperiksa). Documents are added afterwards with POST
// .../attachments.
func (s *Server) handleAPIMandiriRequestCreate(c *gin.Context) error {
	ctx := c.Request.Context()
	login := currentResident(c)
	var body mandiriRequestBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	r, err := s.mandiri.CreateRequest(ctx, login, mandiri.Submission{Module: body.Module,
		Form: surat.RequestForm{Subjects: body.Subjects, Fields: body.Fields}})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "resident request created", "request_id", r.ID, "module", r.Module)
	c.Header("Location", fmt.Sprintf("/api/v1/mandiri/requests/%d", r.ID))
	return s.writeMandiriRequest(c, http.StatusCreated, r)
}

// handleAPIMandiriRequestUpdate corrects a request returned as incomplete
// and sends it back for review.
func (s *Server) handleAPIMandiriRequestUpdate(c *gin.Context) error {
	ctx := c.Request.Context()
	login, r, err := s.apiResidentRequest(c)
	if err != nil {
		return err
	}
	var body mandiriRequestBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	upd, err := s.mandiri.UpdateRequest(ctx, login, r.ID, mandiri.Correction{Module: body.Module,
		Form: surat.RequestForm{Subjects: body.Subjects, Fields: body.Fields}, Version: body.Version})
	if err != nil {
		return err
	}
	return s.writeMandiriRequest(c, http.StatusOK, upd)
}

// handleAPIMandiriRequestCancel cancels a request before signing.
func (s *Server) handleAPIMandiriRequestCancel(c *gin.Context) error {
	login, r, err := s.apiResidentRequest(c)
	if err != nil {
		return err
	}
	out, err := s.mandiri.CancelRequest(c.Request.Context(), login, r.ID)
	if err != nil {
		return err
	}
	return s.writeMandiriRequest(c, http.StatusOK, out)
}

// handleAPIMandiriAttachmentAdd adds the documents of a multipart upload
// (field "lampiran", one or more files) to a request that is not yet
// signed. Too large is 413, not JPEG/PNG/PDF 415; nothing is stored then.
func (s *Server) handleAPIMandiriAttachmentAdd(c *gin.Context) error {
	ctx := c.Request.Context()
	login, r, err := s.apiResidentRequest(c)
	if err != nil {
		return err
	}
	if c.ContentType() != "multipart/form-data" {
		return &unsupportedMediaError{Msg: "Kirim lampiran sebagai multipart/form-data dengan kolom \"lampiran\"."}
	}
	if err := c.Request.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooBig
		}
		return &badRequestError{Msg: "Isi unggahan tidak dapat dibaca."}
	}
	labels, err := s.mandiri.RequirementLabels(ctx, login.Account.VillageID, r.Module)
	if err != nil {
		return err
	}
	if err := s.mandiri.AddAttachments(ctx, login, r.ID, uploadsOf(c, labels)); err != nil {
		return err
	}
	fresh, err := s.store.RequestOfResident(ctx, login.Account.VillageID, login.Resident.ID, r.ID)
	if err != nil {
		return err
	}
	return s.writeMandiriRequest(c, http.StatusCreated, fresh)
}

// mandiriLetterJSON is one of the resident's letters.
type mandiriLetterJSON struct {
	ID        int64      `json:"id"`
	Module    string     `json:"module"`
	Title     string     `json:"title"`
	Number    string     `json:"number"`
	Status    string     `json:"status"`
	SignedAt  *time.Time `json:"signed_at"`
	VerifyURL string     `json:"verify_url"`
	PDFURL    string     `json:"pdf_url"`
}

// handleAPIMandiriLetterList lists the resident's letters with their
// verification links.
func (s *Server) handleAPIMandiriLetterList(c *gin.Context) error {
	login := currentResident(c)
	ls, err := s.store.ResidentLetters(c.Request.Context(), login.Account.VillageID, login.Resident.ID)
	if err != nil {
		return err
	}
	out := struct {
		Items []mandiriLetterJSON `json:"items"`
	}{Items: []mandiriLetterJSON{}}
	for _, l := range ls {
		j := mandiriLetterJSON{ID: l.ID, Module: l.Module, Title: s.moduleTitleOf(c, l.Module), Number: l.NumberString(),
			Status: string(l.Status)}
		if l.SignedAt != nil {
			t := l.SignedAt.UTC()
			j.SignedAt = &t
		}
		if l.VerifyCode != nil {
			j.VerifyURL = s.issuance.VerifyURL(*l.VerifyCode)
		}
		if l.Status == surat.LetterSigned {
			j.PDFURL = fmt.Sprintf("/api/v1/mandiri/letters/%d/pdf", l.ID)
		}
		out.Items = append(out.Items, j)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// handleAPIMandiriLetterPDF sends the signed PDF of one of the resident's
// letters; any other id is 404.
func (s *Server) handleAPIMandiriLetterPDF(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.mandiri.LetterPDF(c.Request.Context(), currentResident(c), id)
	if err != nil {
		return err
	}
	sendMandiriPDF(c, fmt.Sprintf("surat-%d.pdf", id), b)
	return nil
}
