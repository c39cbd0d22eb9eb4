package mandiri

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// OfferedModules lists the modules the village offers residents online:
// not disabled, and marked online in the village's settings or, without a
// settings row, by the module file's default. Sorted by title.
func (s *Service) OfferedModules(ctx context.Context, villageID int64) ([]issuance.VillageModule, error) {
	vms, err := s.d.Issuance.VillageModules(ctx, villageID)
	if err != nil {
		return nil, err
	}
	var out []issuance.VillageModule
	for _, vm := range vms {
		if vm.Online() {
			out = append(out, vm)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Title < out[j].Title })
	return out, nil
}

// OfferedModule returns the module with that code when the village offers
// it online, and a *surat.ValidationError on "module" otherwise.
func (s *Service) OfferedModule(ctx context.Context, villageID int64, code string) (issuance.VillageModule, error) {
	ms, err := s.OfferedModules(ctx, villageID)
	if err != nil {
		return issuance.VillageModule{}, err
	}
	for _, m := range ms {
		if m.Code == code {
			return m, nil
		}
	}
	return issuance.VillageModule{}, &surat.ValidationError{Fields: map[string]string{
		"module": "Jenis surat ini tidak dapat diajukan secara mandiri di desa ini. Silakan datang ke kantor desa."}}
}

// Household is the resident's KK members (the resident included), or the
// resident alone without a KK: the only people a request may name.
func (s *Service) Household(ctx context.Context, r *surat.Resident) ([]surat.Resident, error) {
	if r.HouseholdID == nil {
		return []surat.Resident{*r}, nil
	}
	return s.d.Store.HouseholdMembers(ctx, r.VillageID, *r.HouseholdID)
}

// Submission is a resident's new request.
type Submission struct {
	Module string
	Form   surat.RequestForm
	// Files are supporting documents sent with the request.
	Files []Upload
}

// CreateRequest checks and stores a new request of the signed-in resident
// (status sedang diperiksa) with its documents. Nothing is stored (no row,
// no file) when anything is refused: a module the village does not offer
// online or a form the resident must fix is a *surat.ValidationError (see
// checkForm; "lampiran" for too many documents or more bytes than
// store.RequestQuota.MaxRequestBytes), a refused document an
// *AttachmentError, a resident with MaxOpen open requests or a village
// whose attachments fill its quota a *surat.LimitError.
func (s *Service) CreateRequest(ctx context.Context, login *store.ResidentLogin, sub Submission) (*surat.LetterRequest, error) {
	vid := login.Account.VillageID
	m, err := s.OfferedModule(ctx, vid, strings.TrimSpace(sub.Module))
	if err != nil {
		return nil, err
	}
	formData, subjectID, err := s.checkForm(ctx, login, m.Module, sub.Form)
	if err != nil {
		return nil, err
	}
	if err := checkRequirements(m, sub.Files); err != nil {
		return nil, err
	}
	if err := s.checkQuota(sub.Files); err != nil {
		return nil, err
	}
	files, err := s.storeUploads(ctx, vid, sub.Files)
	if err != nil {
		return nil, err
	}
	r := &surat.LetterRequest{ResidentID: login.Resident.ID, SubjectResidentID: subjectID, Module: m.Code, FormData: formData}
	if err := s.d.Store.CreateRequest(ctx, vid, r, attachmentsOf(files)); err != nil {
		s.discard(ctx, files)
		return nil, s.quotaError(attachmentLimit(err))
	}
	return r, nil
}

// EditableRequest returns one of the resident's requests with its module
// for the correction form. Another resident's request is
// surat.ErrNotFound; one the clerk has not returned as incomplete a
// *surat.RequestStateError; a module no longer offered online a
// *surat.ValidationError on "module".
func (s *Service) EditableRequest(ctx context.Context, login *store.ResidentLogin, id int64) (*surat.LetterRequest, issuance.VillageModule, error) {
	r, err := s.editable(ctx, login, id)
	if err != nil {
		return nil, issuance.VillageModule{}, err
	}
	m, err := s.OfferedModule(ctx, login.Account.VillageID, r.Module)
	if err != nil {
		return nil, issuance.VillageModule{}, err
	}
	return r, m, nil
}

func (s *Service) editable(ctx context.Context, login *store.ResidentLogin, id int64) (*surat.LetterRequest, error) {
	r, err := s.d.Store.RequestOfResident(ctx, login.Account.VillageID, login.Resident.ID, id)
	if err != nil {
		return nil, err
	}
	if !r.Effective.Editable() {
		return nil, &surat.RequestStateError{From: r.Effective, Action: surat.RequestEdit}
	}
	return r, nil
}

// Correction is the resident's corrected form of a returned request.
type Correction struct {
	// Module is the request's own module or "": the letter type cannot
	// change.
	Module string
	Form   surat.RequestForm
	// Version is the version being corrected; 0 skips the check.
	Version int
}

// UpdateRequest saves the resident's correction of a request the clerk
// returned as incomplete and sends it back for review. Errors are those of
// EditableRequest, then a *surat.ValidationError for the form (a changed
// module on "module"), surat.ErrConflict for a stale version.
func (s *Service) UpdateRequest(ctx context.Context, login *store.ResidentLogin, id int64, c Correction) (*surat.LetterRequest, error) {
	r, err := s.editable(ctx, login, id)
	if err != nil {
		return nil, err
	}
	if c.Module != "" && c.Module != r.Module {
		return nil, &surat.ValidationError{Fields: map[string]string{
			"module": "Jenis surat tidak dapat diganti; batalkan dan ajukan permohonan baru"}}
	}
	m, err := s.OfferedModule(ctx, login.Account.VillageID, r.Module)
	if err != nil {
		return nil, err
	}
	formData, subjectID, err := s.checkForm(ctx, login, m.Module, c.Form)
	if err != nil {
		return nil, err
	}
	upd := &surat.LetterRequest{ID: r.ID, Module: m.Code, SubjectResidentID: subjectID, FormData: formData, Version: c.Version}
	if err := s.d.Store.UpdateRequest(ctx, login.Account.VillageID, login.Resident.ID, upd); err != nil {
		return nil, err
	}
	return upd, nil
}

// CancelRequest cancels one of the resident's requests before its letter is
// signed. Another resident's request is surat.ErrNotFound; a signed, taken
// or cancelled one a *surat.RequestStateError.
//
// The request's documents are deleted with it: their rows in the
// cancelling transaction, then their files.
func (s *Service) CancelRequest(ctx context.Context, login *store.ResidentLogin, id int64) (*surat.LetterRequest, error) {
	r, removed, err := s.d.Store.CancelRequest(ctx, login.Account.VillageID, login.Resident.ID, id)
	if err != nil {
		return nil, err
	}
	s.removeAttachmentFiles(ctx, removed)
	return r, nil
}

// AddAttachments adds documents to one of the resident's requests that is
// not yet signed. Another resident's request is surat.ErrNotFound; a
// refused document an *AttachmentError; no document, or more than a
// request may carry (in number or bytes), a *surat.ValidationError on
// "lampiran"; a village whose attachments fill its quota a
// *surat.LimitError; a closed request a *surat.RequestStateError. Nothing
// is kept on error.
//
// A request the clerk returned as incomplete goes back to the clerk's queue
// with the documents: adding what was asked for is the resident's answer.
// A document tagged with a requirement the module does not have is a
// *surat.ValidationError on "lampiran".
func (s *Service) AddAttachments(ctx context.Context, login *store.ResidentLogin, id int64, uploads []Upload) error {
	vid := login.Account.VillageID
	r, err := s.d.Store.RequestOfResident(ctx, vid, login.Resident.ID, id)
	if err != nil {
		return err
	}
	if vm, err := s.villageModule(ctx, vid, r.Module); err != nil {
		return err
	} else if err := checkRequirements(vm, uploads); err != nil {
		return err
	}
	if err := s.checkQuota(uploads); err != nil {
		return err
	}
	files, err := s.storeUploads(ctx, vid, uploads)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &surat.ValidationError{Fields: map[string]string{"lampiran": "Pilih berkas yang akan dilampirkan"}}
	}
	if err := s.d.Store.AddAttachments(ctx, vid, login.Resident.ID, id, attachmentsOf(files)); err != nil {
		s.discard(ctx, files)
		return s.quotaError(attachmentLimit(err))
	}
	return nil
}

// Resubmit sends one of the resident's requests that a clerk returned as
// incomplete back for review as it is ("Kirim ulang"), when the resident
// has nothing to change (say, they brought the document to the office).
// Another resident's request is surat.ErrNotFound; one in any other status
// a *surat.RequestStateError.
func (s *Service) Resubmit(ctx context.Context, login *store.ResidentLogin, id int64) (*surat.LetterRequest, error) {
	return s.d.Store.ResubmitRequest(ctx, login.Account.VillageID, login.Resident.ID, id)
}

// villageModule is the village's module code with its settings, also when
// it is no longer offered online (a request made before keeps its
// requirements); an unknown module is surat.ErrNotFound.
func (s *Service) villageModule(ctx context.Context, villageID int64, code string) (issuance.VillageModule, error) {
	vms, err := s.d.Issuance.VillageModules(ctx, villageID)
	if err != nil {
		return issuance.VillageModule{}, err
	}
	for _, vm := range vms {
		if vm.Code == code {
			return vm, nil
		}
	}
	return issuance.VillageModule{}, fmt.Errorf("mandiri: module %q: %w", code, surat.ErrNotFound)
}

// Requirements lists the required documents of a request's module with the
// document that meets each (nil while none does), for the resident and the
// clerk's checklist.
func (s *Service) Requirements(ctx context.Context, villageID int64, r *surat.LetterRequest, as []surat.Attachment) ([]RequirementCheck, error) {
	vm, err := s.villageModule(ctx, villageID, r.Module)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []RequirementCheck
	for _, label := range vm.Requirements() {
		rc := RequirementCheck{Label: label}
		for i := range as {
			if as[i].Requirement == label {
				rc.Attachments = append(rc.Attachments, as[i])
			}
		}
		out = append(out, rc)
	}
	return out, nil
}

// RequirementLabels are the required documents of a module of the village,
// in order ("syarat.<n>" upload fields count from 1); none for a module
// without settings or unknown.
func (s *Service) RequirementLabels(ctx context.Context, villageID int64, module string) ([]string, error) {
	vm, err := s.villageModule(ctx, villageID, module)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return vm.Requirements(), nil
}

// RequirementCheck is one required document of a request and the uploads
// that meet it.
type RequirementCheck struct {
	Label       string
	Attachments []surat.Attachment
}

// Met reports whether a document was uploaded for the requirement.
func (rc RequirementCheck) Met() bool { return len(rc.Attachments) > 0 }

// checkRequirements refuses uploads tagged with a requirement module vm
// does not have.
func checkRequirements(vm issuance.VillageModule, uploads []Upload) error {
	known := map[string]bool{}
	for _, r := range vm.Requirements() {
		known[r] = true
	}
	for _, u := range uploads {
		if u.Requirement != "" && !known[u.Requirement] {
			return surat.Invalid("lampiran", surat.ProblemRequirementKnown)
		}
	}
	return nil
}

// SetContact stores where the resident wants to be notified (a mobile
// number for the village's WhatsApp/Telegram gateway, an e-mail address)
// with their consent, or clears both when consent is false. Messages carry
// a short description and a link, never a NIK, KK or birth date. Problems
// are a *surat.ValidationError on "telepon", "email" or "setuju".
func (s *Service) SetContact(ctx context.Context, login *store.ResidentLogin, phone, email string, consent bool) (*surat.ResidentAccount, error) {
	p := surat.Problems{}
	phone, msg := surat.NormalizePhone(phone)
	if msg != "" {
		p.Add("telepon", msg)
	}
	email = strings.TrimSpace(email)
	if msg := surat.ValidateEmail(email); msg != "" {
		p.Add("email", msg)
	}
	if consent && phone == "" && email == "" && len(p) == 0 {
		p.Add("telepon", "Isi nomor HP atau alamat e-mail untuk menerima pemberitahuan")
	}
	if !consent && (phone != "" || email != "") {
		p.Add("setuju", "Centang persetujuan untuk menerima pemberitahuan")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.d.Store.SetResidentContact(ctx, login.Account.VillageID, login.Account.ID, phone, email, consent)
}

// LetterPDF returns the signed PDF of one of the resident's letters (about
// them, or linked to their request) and records the download: their ready
// request for it becomes sudah diambil. Any other letter, and one not
// signed, is surat.ErrNotFound.
func (s *Service) LetterPDF(ctx context.Context, login *store.ResidentLogin, letterID int64) ([]byte, error) {
	vid := login.Account.VillageID
	l, err := s.d.Store.ResidentLetter(ctx, vid, login.Resident.ID, letterID)
	if err != nil {
		return nil, err
	}
	if l.Status != surat.LetterSigned {
		return nil, fmt.Errorf("mandiri: letter %d is %s: %w", letterID, l.Status, surat.ErrNotFound)
	}
	_, b, err := s.d.Issuance.SignedPDF(ctx, vid, letterID)
	if err != nil {
		return nil, err
	}
	if _, err := s.d.Store.MarkLetterTaken(ctx, vid, login.Resident.ID, letterID); err != nil {
		return nil, err
	}
	return b, nil
}

// checkForm checks a resident's form for module m before anything is
// stored. The KK rule: every person named must be the resident or a member
// of the resident's KK (nobody else, whatever ids are sent). The main
// subject must be given, roles and fields must be the module's, and the
// module's own rules must hold (issuance.Validate; the signer and other
// clerk-side choices are not reported, they are not the resident's to
// fix). It returns the form as stored and the main subject's resident id,
// or a *surat.ValidationError keyed "subject.<role>" and "field.<name>".
func (s *Service) checkForm(ctx context.Context, login *store.ResidentLogin, m *letters.Module, f surat.RequestForm) (string, int64, error) {
	if f.Fields == nil {
		f.Fields = map[string]string{}
	}
	if f.Subjects == nil {
		f.Subjects = map[string]surat.RequestSubject{}
	}
	members, err := s.Household(ctx, &login.Resident)
	if err != nil {
		return "", 0, err
	}
	inKK := map[int64]bool{}
	for _, r := range members {
		inKK[r.ID] = true
	}
	p := surat.Problems{}
	for role, sub := range f.Subjects {
		spec := m.Subject(role)
		if spec == nil {
			p.Add(letters.SubjectKey(role), "Peran "+role+" tidak dikenal untuk "+m.Title)
			continue
		}
		for _, id := range (surat.RequestForm{Subjects: map[string]surat.RequestSubject{role: sub}}).ResidentIDs() {
			if !inKK[id] {
				p.Add(letters.SubjectKey(role), spec.Label+": hanya Anda sendiri atau anggota KK Anda yang dapat dipilih. "+
					"Untuk orang lain, ajukan di kantor desa.")
			}
		}
		if spec.Kind.IsList() && sub.ResidentID != 0 {
			p.Add(letters.SubjectKey(role), spec.Label+" harus berupa daftar")
		}
	}
	main := m.Subjects[0]
	mainID := f.Subjects[main.Role].ResidentID
	if mainID == 0 && len(f.Subjects[main.Role].Items) > 0 {
		mainID = f.Subjects[main.Role].Items[0].ResidentID
	}
	if mainID == 0 {
		p.Add(letters.SubjectKey(main.Role), main.Label+" wajib dipilih")
	}
	for name := range f.Fields {
		if m.Field(name) == nil {
			p.Add(letters.FieldKey(name), "Isian tidak dikenal untuk "+m.Title)
		}
	}
	if err := p.Err(); err != nil {
		return "", 0, err
	}
	_, err = s.d.Issuance.Validate(ctx, login.Account.VillageID, issuanceRequest(m.Code, f))
	if fields, ok := surat.FieldErrors(err); ok {
		for k, msg := range fields {
			if strings.HasPrefix(k, "subject.") || strings.HasPrefix(k, "field.") {
				p.Add(k, msg)
			}
		}
		if err := p.Err(); err != nil {
			return "", 0, err
		}
	} else if err != nil {
		return "", 0, err
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "", 0, fmt.Errorf("mandiri: encode request form: %w", err)
	}
	return string(b), mainID, nil
}

// issuanceRequest turns a resident's form into the request the issuance
// service validates and drafts from; the signer is the village's kepala
// desa until the clerk chooses another.
func issuanceRequest(module string, f surat.RequestForm) issuance.Request {
	req := issuance.Request{Module: module, Subjects: map[string]issuance.SubjectRef{}, Fields: map[string]string{}}
	var conv func(rs surat.RequestSubject) issuance.SubjectRef
	conv = func(rs surat.RequestSubject) issuance.SubjectRef {
		ref := issuance.SubjectRef{ResidentID: rs.ResidentID, Relation: rs.Relation}
		for _, it := range rs.Items {
			ref.Items = append(ref.Items, conv(it))
		}
		return ref
	}
	for role, rs := range f.Subjects {
		req.Subjects[role] = conv(rs)
	}
	for k, v := range f.Fields {
		req.Fields[k] = v
	}
	return req
}
