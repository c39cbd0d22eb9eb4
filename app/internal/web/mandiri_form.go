package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// mandiriMember is a KK member offered for a subject role.
type mandiriMember struct {
	ID       int64
	Label    string
	Selected bool
	// Relation is the chosen hubungan of a list item.
	Relation string
}

// mandiriSubjectInput is one subject role of the request form.
type mandiriSubjectInput struct {
	Role, Label string
	List        bool
	Required    bool
	Members     []mandiriMember
	// Relations are the hubungan choices of each list item, when asked.
	Relations []string
	Error     string
}

// requestFormPage is the request form, for a new request or a correction.
type requestFormPage struct {
	mandiriBase
	Module   offeredModuleView
	Action   string
	Editing  bool
	Version  int
	Message  string // the clerk's message when correcting
	Subjects []mandiriSubjectInput
	Fields   []fieldInput
	Error    string
	Errors   map[string]string
}

// requestFormView builds the form of module m for a resident's KK members
// with the values of f and the messages of errs.
func requestFormView(m *letters.Module, self int64, members []surat.Resident, f surat.RequestForm, errs map[string]string) ([]mandiriSubjectInput, []fieldInput) {
	var subs []mandiriSubjectInput
	for i, sp := range m.Subjects {
		in := mandiriSubjectInput{Role: sp.Role, Label: sp.Label, List: sp.Kind.IsList(), Required: sp.Required,
			Relations: sp.ItemRelations, Error: errs[letters.SubjectKey(sp.Role)]}
		chosen := f.Subjects[sp.Role]
		picked := map[int64]string{}
		if chosen.ResidentID != 0 {
			picked[chosen.ResidentID] = chosen.Relation
		}
		for _, it := range chosen.Items {
			picked[it.ResidentID] = it.Relation
		}
		if f.Subjects == nil && i == 0 && !in.List {
			picked[self] = "" // a new form is about the resident themself
		}
		for _, r := range members {
			rel, ok := picked[r.ID]
			label := r.Name
			if l := surat.FamilyRelation.Label(r.Relation); l != "" {
				label += " (" + strings.ToLower(l) + ")"
			}
			in.Members = append(in.Members, mandiriMember{ID: r.ID, Label: label, Selected: ok, Relation: rel})
		}
		subs = append(subs, in)
	}
	var fields []fieldInput
	for i := range m.Fields {
		fs := &m.Fields[i]
		fields = append(fields, fieldInputFor(fs, f.Fields[fs.Name], errs[letters.FieldKey(fs.Name)]))
	}
	return subs, fields
}

// postedRequestForm reads the request form of module m from a posted HTML
// form: subject.<role> holds resident ids (one, or several for a list),
// relation.<role>.<id> a list item's hubungan, field.<name> the values.
// Values that are not ids become 0 and fail the KK check.
func postedRequestForm(c *gin.Context, m *letters.Module) surat.RequestForm {
	f := surat.RequestForm{Subjects: map[string]surat.RequestSubject{}, Fields: map[string]string{}}
	for _, sp := range m.Subjects {
		vals := c.PostFormArray(letters.SubjectKey(sp.Role))
		var sub surat.RequestSubject
		for _, v := range vals {
			if strings.TrimSpace(v) == "" {
				continue
			}
			id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || id <= 0 {
				id = -1
			}
			if sp.Kind.IsList() {
				sub.Items = append(sub.Items, surat.RequestSubject{ResidentID: id,
					Relation: strings.TrimSpace(c.PostForm(fmt.Sprintf("relation.%s.%d", sp.Role, id)))})
			} else {
				sub.ResidentID = id
			}
		}
		if sub.ResidentID != 0 || len(sub.Items) > 0 {
			f.Subjects[sp.Role] = sub
		}
	}
	for _, fs := range m.Fields {
		if v := strings.TrimSpace(c.PostForm(letters.FieldKey(fs.Name))); v != "" {
			f.Fields[fs.Name] = v
		}
	}
	return f
}

func (s *Server) renderRequestForm(c *gin.Context, status int, login *store.ResidentLogin, m issuance.VillageModule, p requestFormPage, f surat.RequestForm) error {
	members, err := s.mandiri.Household(c.Request.Context(), &login.Resident)
	if err != nil {
		return err
	}
	title := "Ajukan " + m.Title
	if p.Editing {
		title = "Perbaiki permohonan"
	}
	p.mandiriBase = s.mandiriBaseFor(c, title)
	p.Module = offeredModuleViewOf(m)
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.Subjects, p.Fields = requestFormView(m.Module, login.Resident.ID, members, f, p.Errors)
	if len(p.Errors) > 0 && p.Error == "" {
		p.Error = "Permohonan belum dapat dikirim. Periksa isian yang ditandai."
		if msg := p.Errors["module"]; msg != "" {
			p.Error = msg
		}
	}
	s.render(c, status, "mandiri_request_form", p)
	return nil
}

// handleMandiriRequestNew shows the form of an offered module
// (?modul=<code>); a module the village does not offer is 404.
func (s *Server) handleMandiriRequestNew(c *gin.Context) error {
	login := currentResident(c)
	m, err := s.mandiri.OfferedModule(c.Request.Context(), login.Account.VillageID, c.Query("modul"))
	if _, ok := surat.FieldErrors(err); ok {
		return fmt.Errorf("module %q not offered: %w", c.Query("modul"), surat.ErrNotFound)
	} else if err != nil {
		return err
	}
	return s.renderRequestForm(c, http.StatusOK, login, m, requestFormPage{Action: "/mandiri/permohonan"}, surat.RequestForm{})
}

// handleMandiriRequestCreate checks and stores a new request with its
// attachments. A module the village does not offer online is the error
// page; any other problem re-shows the form with messages. Either way
// nothing is stored: no request row, no file.
func (s *Server) handleMandiriRequestCreate(c *gin.Context) error {
	ctx := c.Request.Context()
	login := currentResident(c)
	m, err := s.mandiri.OfferedModule(ctx, login.Account.VillageID, c.PostForm("module"))
	if err != nil {
		return err
	}
	f := postedRequestForm(c, m.Module)
	r, err := s.mandiri.CreateRequest(ctx, login, mandiri.Submission{Module: m.Code, Form: f,
		Files: uploadsOf(c, m.Requirements())})
	if msg := s.uploadProblem(err); msg != "" {
		p := requestFormPage{Action: "/mandiri/permohonan", Errors: map[string]string{"lampiran": msg}}
		return s.renderRequestForm(c, http.StatusUnprocessableEntity, login, m, p, f)
	}
	if fields, ok := surat.FieldErrors(err); ok {
		p := requestFormPage{Action: "/mandiri/permohonan", Errors: fields}
		return s.renderRequestForm(c, http.StatusUnprocessableEntity, login, m, p, f)
	} else if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "resident request created", "request_id", r.ID, "module", r.Module)
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/mandiri/permohonan/%d?ok=dikirim", r.ID))
	return nil
}

// uploadsOf is the files of the posted form: "lampiran" for any
// document, "syarat.<n>" for the n-th of the module's required documents
// (requirements, from 1), which each upload is tagged with.
func uploadsOf(c *gin.Context, requirements []string) []mandiri.Upload {
	mf := c.Request.MultipartForm
	if mf == nil {
		return nil
	}
	var out []mandiri.Upload
	for _, fh := range mf.File["lampiran"] {
		out = append(out, mandiri.Upload{Size: fh.Size, Open: func() (io.ReadCloser, error) { return fh.Open() }})
	}
	for i, label := range requirements {
		for _, fh := range mf.File["syarat."+strconv.Itoa(i+1)] {
			out = append(out, mandiri.Upload{Size: fh.Size, Requirement: label,
				Open: func() (io.ReadCloser, error) { return fh.Open() }})
		}
	}
	return out
}

// uploadProblem is the Indonesian message for a refused document, shown on
// the form's "lampiran" field, or "".
func (s *Server) uploadProblem(err error) string {
	var refused *mandiri.AttachmentError
	if errors.As(err, &refused) {
		return classify(err, s.now()).Message
	}
	if fields, ok := surat.FieldErrors(err); ok && fields["lampiran"] != "" {
		return fields["lampiran"]
	}
	return ""
}

// requestDetailPage is one of the resident's requests.
type requestDetailPage struct {
	mandiriBase
	Request     requestRow
	Subject     string
	Message     string
	Timeline    []timelineEntry
	Attachments []mandiriAttachmentRow
	// Entries are what the resident submitted; Checklist the module's
	// required documents and which were uploaded.
	Entries   []requestEntryView
	Checklist []mandiriRequirement
	// CanResubmit offers "Kirim ulang" for a returned request.
	CanResubmit bool
	CanEdit     bool
	CanCancel   bool
	CanAttach   bool
	LetterID    int64
	Download    bool
	VerifyURL   string
}

// mandiriAttachmentRow is one document of a request.
type mandiriAttachmentRow struct {
	ID          int64
	Kind        string
	Size        string
	Requirement string
}

func mandiriAttachmentRows(as []surat.Attachment) []mandiriAttachmentRow {
	var out []mandiriAttachmentRow
	for _, a := range as {
		out = append(out, mandiriAttachmentRow{ID: a.ID, Kind: a.Kind(), Size: fmt.Sprintf("%d KB", (a.Size+1023)/1024),
			Requirement: a.Requirement})
	}
	return out
}

// mandiriRequirement is one required document of a request, with the
// upload field that meets it.
type mandiriRequirement struct {
	Field string // "syarat.<n>"
	Label string
	Met   bool
}

// handleMandiriRequestShow shows one of the resident's requests with its
// timeline; another resident's request is 404.
func (s *Server) handleMandiriRequestShow(c *gin.Context) error {
	ctx := c.Request.Context()
	login := currentResident(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.store.RequestOfResident(ctx, login.Account.VillageID, login.Resident.ID, id)
	if err != nil {
		return err
	}
	p := requestDetailPage{mandiriBase: s.mandiriBaseFor(c, "Permohonan #"+strconv.FormatInt(r.ID, 10)),
		Request: s.requestRowOf(c, r), CanEdit: r.Effective.Editable(), CanResubmit: r.Effective.Editable(),
		CanCancel: r.Effective.Cancellable(), CanAttach: r.Effective.Cancellable()}
	if p.Entries, err = s.requestEntries(c, r); err != nil {
		return err
	}
	if r.Effective.Editable() {
		p.Message = r.Message
	}
	subj, err := s.store.ResidentByID(ctx, r.VillageID, r.SubjectResidentID)
	if err != nil {
		return err
	}
	p.Subject = subj.Name
	if p.Timeline, err = s.timelineOf(c, r); err != nil {
		return err
	}
	as, err := s.store.Attachments(ctx, r.VillageID, r.ID)
	if err != nil {
		return err
	}
	p.Attachments = mandiriAttachmentRows(as)
	checks, err := s.mandiri.Requirements(ctx, r.VillageID, r, as)
	if err != nil {
		return err
	}
	for i, rc := range checks {
		p.Checklist = append(p.Checklist, mandiriRequirement{Field: "syarat." + strconv.Itoa(i+1), Label: rc.Label, Met: rc.Met()})
	}
	if r.LetterID != nil && (r.Effective == surat.RequestReady || r.Effective == surat.RequestTaken) {
		l, err := s.store.LetterByID(ctx, r.VillageID, *r.LetterID)
		if err != nil {
			return err
		}
		p.LetterID = l.ID
		p.Download = l.Status == surat.LetterSigned
		if l.VerifyCode != nil {
			p.VerifyURL = s.issuance.VerifyURL(*l.VerifyCode)
		}
	}
	s.render(c, http.StatusOK, "mandiri_request", p)
	return nil
}

// residentRequestForEdit loads a request of the resident that the clerk
// returned as incomplete, with its module, for the correction form.
func (s *Server) residentRequestForEdit(c *gin.Context) (*store.ResidentLogin, *surat.LetterRequest, issuance.VillageModule, error) {
	login := currentResident(c)
	id, err := pathID(c, "id")
	if err != nil {
		return nil, nil, issuance.VillageModule{}, err
	}
	r, m, err := s.mandiri.EditableRequest(c.Request.Context(), login, id)
	return login, r, m, err
}

// handleMandiriRequestEditForm shows the correction form of a request the
// clerk returned as incomplete.
func (s *Server) handleMandiriRequestEditForm(c *gin.Context) error {
	login, r, m, err := s.residentRequestForEdit(c)
	if err != nil {
		return err
	}
	f, err := r.Form()
	if err != nil {
		return err
	}
	p := requestFormPage{Action: fmt.Sprintf("/mandiri/permohonan/%d/ubah", r.ID), Editing: true, Version: r.Version,
		Message: r.Message}
	return s.renderRequestForm(c, http.StatusOK, login, m, p, f)
}

// handleMandiriRequestUpdate saves a correction and sends the request back
// for review.
func (s *Server) handleMandiriRequestUpdate(c *gin.Context) error {
	login, r, m, err := s.residentRequestForEdit(c)
	if err != nil {
		return err
	}
	f := postedRequestForm(c, m.Module)
	version, _ := strconv.Atoi(c.PostForm("version"))
	_, err = s.mandiri.UpdateRequest(c.Request.Context(), login, r.ID, mandiri.Correction{Form: f, Version: version})
	if fields, ok := surat.FieldErrors(err); ok {
		p := requestFormPage{Action: fmt.Sprintf("/mandiri/permohonan/%d/ubah", r.ID), Editing: true, Version: r.Version,
			Message: r.Message, Errors: fields}
		return s.renderRequestForm(c, http.StatusUnprocessableEntity, login, m, p, f)
	} else if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/mandiri/permohonan/%d?ok=diperbaiki", r.ID))
	return nil
}

// handleMandiriRequestCancel cancels one of the resident's requests before
// signing.
func (s *Server) handleMandiriRequestCancel(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.mandiri.CancelRequest(c.Request.Context(), currentResident(c), id); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/mandiri/permohonan/%d?ok=dibatalkan", id))
	return nil
}

// handleMandiriAttachmentAdd adds documents to one of the resident's open
// requests; a refused document is a message on the error page.
func (s *Server) handleMandiriAttachmentAdd(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, login := c.Request.Context(), currentResident(c)
	r, err := s.store.RequestOfResident(ctx, login.Account.VillageID, login.Resident.ID, id)
	if err != nil {
		return err
	}
	labels, err := s.mandiri.RequirementLabels(ctx, login.Account.VillageID, r.Module)
	if err != nil {
		return err
	}
	err = s.mandiri.AddAttachments(ctx, login, id, uploadsOf(c, labels))
	if msg := s.uploadProblem(err); msg != "" {
		return &surat.ValidationError{Fields: map[string]string{"lampiran": msg}}
	} else if err != nil {
		return err
	}
	ok := "lampiran"
	if r.Effective == surat.RequestIncomplete {
		ok = "lampiran-dikirim"
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/mandiri/permohonan/%d?ok=%s", id, ok))
	return nil
}

// handleMandiriRequestResubmit sends a returned request back to the
// clerk as it is ("Kirim ulang").
func (s *Server) handleMandiriRequestResubmit(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.mandiri.Resubmit(c.Request.Context(), currentResident(c), id); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/mandiri/permohonan/%d?ok=dikirim-ulang", id))
	return nil
}
