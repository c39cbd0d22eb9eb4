package issuance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// formData is a request as stored in letters.form_data: residents by id
// (resolved again, within the village, whenever the letter is built), typed
// identities in full, field values as submitted and the signing official.
type formData struct {
	Module           string                 `json:"module"`
	Subjects         map[string]subjectData `json:"subjects,omitempty"`
	Fields           map[string]string      `json:"fields,omitempty"`
	SignerOfficialID int64                  `json:"signer_official_id,omitempty"`
}

type subjectData struct {
	ResidentID int64         `json:"resident_id,omitempty"`
	Person     *surat.Person `json:"person,omitempty"`
	Items      []subjectData `json:"items,omitempty"`
	Relation   string        `json:"relation,omitempty"`
}

func toSubjectData(r SubjectRef) subjectData {
	d := subjectData{ResidentID: r.ResidentID, Person: r.Person, Relation: r.Relation}
	for _, it := range r.Items {
		d.Items = append(d.Items, toSubjectData(it))
	}
	return d
}

func (d subjectData) ref() SubjectRef {
	r := SubjectRef{ResidentID: d.ResidentID, Person: d.Person, Relation: d.Relation}
	for _, it := range d.Items {
		r.Items = append(r.Items, it.ref())
	}
	return r
}

// encodeRequest is the JSON stored for req, whose signer is already resolved.
func encodeRequest(req Request) (string, error) {
	fd := formData{Module: req.Module, Fields: req.Fields, SignerOfficialID: req.SignerOfficialID}
	if len(req.Subjects) > 0 {
		fd.Subjects = make(map[string]subjectData, len(req.Subjects))
		for role, r := range req.Subjects {
			fd.Subjects[role] = toSubjectData(r)
		}
	}
	b, err := json.Marshal(fd)
	if err != nil {
		return "", fmt.Errorf("issuance: encode form data: %w", err)
	}
	return string(b), nil
}

// RequestOf decodes a stored letter's form data back into the request that
// made it. The module is the letter's; the signer is the letter's signing
// official.
func (s *Service) RequestOf(l *surat.Letter) (Request, error) {
	var fd formData
	if err := json.Unmarshal([]byte(l.FormData), &fd); err != nil {
		return Request{}, fmt.Errorf("issuance: form data of letter %d: %w", l.ID, err)
	}
	req := Request{Module: l.Module, Fields: fd.Fields, SignerOfficialID: fd.SignerOfficialID}
	if l.SignerOfficialID != nil {
		req.SignerOfficialID = *l.SignerOfficialID
	}
	if len(fd.Subjects) > 0 {
		req.Subjects = make(map[string]SubjectRef, len(fd.Subjects))
		for role, d := range fd.Subjects {
			req.Subjects[role] = d.ref()
		}
	}
	return req, nil
}

// prepared is a request resolved against the register of one village:
// everything letters.Catalogue.Build needs except the date and number, and
// what the letter row records about it.
type prepared struct {
	module   *letters.Module
	village  *surat.Village
	settings *surat.LetterSettings // nil: the module's defaults
	in       letters.Input
	// req is the request with its signer resolved (never 0).
	req         Request
	signer      surat.Official
	subjectID   *int64
	subjectName string
	// markDead are the residents the letter records as MATI once signed.
	markDead []int64
}

// build builds the document dated at (any time zone; it is converted to the
// letters' civil time) with number, or as a draft when number is "".
func (p *prepared) build(at time.Time, number string) (*surat.Document, error) {
	in := p.in
	in.Date = surat.LetterTime(at)
	in.Number = number
	in.Draft = number == ""
	return p.module.Build(in)
}

// prepare resolves req within villageID with the village's current module
// of req.Module (see prepareWith).
func (s *Service) prepare(ctx context.Context, villageID int64, req Request) (*prepared, error) {
	cat, err := s.ModulesFor(ctx, villageID)
	if err != nil {
		return nil, err
	}
	m := cat.Module(req.Module)
	if m == nil {
		return nil, &surat.ValidationError{Fields: map[string]string{
			"module": fmt.Sprintf("Jenis surat %q tidak dikenal", req.Module)}}
	}
	return s.prepareWith(ctx, villageID, m, req)
}

// prepareLetter resolves the stored request of letter l with the version
// of its module the letter was drafted with (see LetterModule).
func (s *Service) prepareLetter(ctx context.Context, villageID int64, l *surat.Letter) (*prepared, error) {
	req, err := s.RequestOf(l)
	if err != nil {
		return nil, err
	}
	m, err := s.LetterModule(ctx, villageID, l)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, &surat.ValidationError{Fields: map[string]string{
			"module": fmt.Sprintf("Jenis surat %q tidak dikenal", l.Module)}}
	}
	if err != nil {
		return nil, err
	}
	return s.prepareWith(ctx, villageID, m, req)
}

// prepareWith resolves req within villageID for module m: the village's
// settings for it, every resident (with household and KK members) and the
// signing official. Residents and officials are only looked up in
// villageID, so one of another village is "not found" like a wrong id.
// Problems the user can fix are a *surat.ValidationError, checked together
// with the catalogue's own rules.
func (s *Service) prepareWith(ctx context.Context, villageID int64, m *letters.Module, req Request) (*prepared, error) {
	v, err := s.d.Store.VillageByID(ctx, villageID)
	if err != nil {
		return nil, fmt.Errorf("issuance: village %d: %w", villageID, err)
	}
	p := &prepared{module: m, village: v, req: req}
	switch set, err := s.d.Store.LetterSetting(ctx, villageID, m.Code); {
	case err == nil:
		p.settings = set
	case !errors.Is(err, surat.ErrNotFound):
		return nil, fmt.Errorf("issuance: settings of %s: %w", m.Code, err)
	}
	problems := surat.Problems{}
	r := resolver{s: s, ctx: ctx, villageID: villageID, problems: problems, households: map[int64][]surat.Resident{}}
	subjects := make(map[string]letters.Subject, len(req.Subjects))
	for role, ref := range req.Subjects {
		spec := m.Subject(role)
		kind := letters.KindResident
		if spec != nil {
			kind = spec.Kind
		}
		sub, err := r.subject(letters.SubjectKey(role), kind, ref, false)
		if err != nil {
			return nil, err
		}
		if spec != nil && spec.DiedOn != "" && sub.Resident != nil && sub.Resident.LifeStatus == surat.LifeDead {
			if sub.DeathDate, err = s.deathDate(ctx, villageID, sub.Resident.ID); err != nil {
				return nil, err
			}
		}
		subjects[role] = sub
		if spec != nil && spec.MarkDeadOnSign && sub.Resident != nil {
			p.markDead = append(p.markDead, sub.Resident.ID)
		}
	}
	p.subjectID, p.subjectName = mainSubject(subjects[m.MainRole()])

	signer, err := s.signerOf(ctx, v, req.SignerOfficialID, problems)
	if err != nil {
		return nil, err
	}
	p.req.SignerOfficialID = signer.Official.ID
	p.signer = signer.Official
	logo, err := s.VillageLogo(ctx, v)
	if err != nil {
		return nil, err
	}
	p.in = letters.Input{Module: m.Code, Village: *v, Logo: logo, Settings: p.settings, Subjects: subjects,
		Fields: req.Fields, Signer: signer, Unprintable: s.d.Renderer.Unprintable}
	if len(problems) > 0 {
		// Report the register problems together with the catalogue's.
		if _, err := p.build(s.d.Now(), ""); err != nil {
			fields, ok := surat.FieldErrors(err)
			if !ok {
				return nil, err
			}
			for k, msg := range fields {
				problems.Add(k, msg)
			}
		}
		return nil, problems.Err()
	}
	return p, nil
}

// deathDate is the date of the latest death the register records for a
// resident of the village, or zero when none is recorded (a resident marked
// MATI by a signed death letter has no event of its own).
func (s *Service) deathDate(ctx context.Context, villageID, residentID int64) (time.Time, error) {
	events, err := s.d.Store.ResidentEvents(ctx, villageID, residentID)
	if err != nil {
		return time.Time{}, fmt.Errorf("issuance: events of resident %d: %w", residentID, err)
	}
	var died time.Time
	for _, e := range events {
		if e.Kind == store.EventDeath {
			d := e.EventDate.UTC()
			died = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		}
	}
	return died, nil
}

// mainSubject is the resident id (nil for a typed identity) and name of the
// letter's main subject; for a list, its first person.
func mainSubject(sub letters.Subject) (*int64, string) {
	for len(sub.Items) > 0 && sub.Resident == nil && sub.Person == nil {
		sub = sub.Items[0]
	}
	switch {
	case sub.Resident != nil:
		id := sub.Resident.ID
		return &id, sub.Resident.Name
	case sub.Person != nil:
		return nil, strings.TrimSpace(sub.Person.Name)
	}
	return nil, ""
}

// resolver looks subjects up in one village's register.
type resolver struct {
	s          *Service
	ctx        context.Context
	villageID  int64
	problems   surat.Problems
	households map[int64][]surat.Resident
}

// subject resolves one role, or one item of a list role, at key. A
// resident that does not exist in the village is a problem at key;
// database failures are returned as errors.
func (r *resolver) subject(key string, kind letters.SubjectKind, ref SubjectRef, item bool) (letters.Subject, error) {
	sub := letters.Subject{Person: ref.Person, Relation: ref.Relation}
	for i, it := range ref.Items {
		item, err := r.subject(key+"."+strconv.Itoa(i+1), kind, it, true)
		if err != nil {
			return sub, err
		}
		sub.Items = append(sub.Items, item)
	}
	if ref.ResidentID == 0 {
		return sub, nil
	}
	if ref.Person != nil {
		r.problems.Add(key, "Pilih penduduk atau isi identitas, tidak keduanya")
		return sub, nil
	}
	res, err := r.s.d.Store.ResidentByID(r.ctx, r.villageID, ref.ResidentID)
	if errors.Is(err, surat.ErrNotFound) {
		r.problems.Add(key, "Penduduk tidak ditemukan di desa ini")
		return sub, nil
	} else if err != nil {
		return sub, fmt.Errorf("issuance: resident %d: %w", ref.ResidentID, err)
	}
	sub.Resident = res
	// KK members: the whole household for a household role, the kepala
	// keluarga's name for a single person. List items need none.
	if res.HouseholdID != nil && !kind.IsList() && !item {
		members, ok := r.households[*res.HouseholdID]
		if !ok {
			if members, err = r.s.d.Store.HouseholdMembers(r.ctx, r.villageID, *res.HouseholdID); err != nil {
				return sub, fmt.Errorf("issuance: household of resident %d: %w", res.ID, err)
			}
			r.households[*res.HouseholdID] = members
		}
		sub.Members = append([]surat.Resident(nil), members...)
	}
	return sub, nil
}

// signerOf resolves the signing official of village v: officialID, or the
// active kepala desa when it is 0. How the official signs follows their
// role: the kepala desa in person, an official who may sign a.n. on behalf
// of the kepala desa, one who may sign u.b. under the sekretaris. A problem
// is recorded under "penandatangan"; the catalogue checks the rest.
func (s *Service) signerOf(ctx context.Context, v *surat.Village, officialID int64, problems surat.Problems) (letters.Signer, error) {
	officials, err := s.d.Store.Officials(ctx, v.ID)
	if err != nil {
		return letters.Signer{}, fmt.Errorf("issuance: officials of village %d: %w", v.ID, err)
	}
	var sg letters.Signer
	var found bool
	for _, o := range officials {
		switch {
		case o.IsHead && o.Active && sg.HeadJabatan == "":
			sg.HeadJabatan = o.Jabatan
		case o.CanSignAN && o.Active && sg.ANJabatan == "":
			sg.ANJabatan = o.Jabatan
		}
		if !found && ((officialID == 0 && o.IsHead && o.Active) || (officialID != 0 && o.ID == officialID)) {
			sg.Official, found = o, true
		}
	}
	if !found {
		if officialID == 0 {
			problems.Add("penandatangan", "Desa belum mempunyai kepala desa yang aktif; pilih pejabat penandatangan")
		} else {
			problems.Add("penandatangan", "Pejabat penandatangan tidak ditemukan di desa ini")
		}
		return sg, nil
	}
	switch o := sg.Official; {
	case o.IsHead:
		sg.Mode = letters.SignDirect
	case o.CanSignAN:
		sg.Mode = letters.SignAN
	case o.CanSignUB:
		sg.Mode = letters.SignUB
	default:
		sg.Mode = letters.SignDirect // refused by the catalogue with a clear message
	}
	return sg, nil
}

// Validate resolves the request's residents and signer within villageID
// and builds the document as a draft dated now. Problems the user can fix
// come back as *surat.ValidationError with Indonesian messages keyed
// "module", "subject.<role>" (list items "subject.<role>.<n>"),
// "field.<name>" and "penandatangan"; a resident id of another village is
// reported like an unknown one.
func (s *Service) Validate(ctx context.Context, villageID int64, req Request) (*surat.Document, error) {
	p, err := s.prepare(ctx, villageID, req)
	if err != nil {
		return nil, err
	}
	return p.build(s.d.Now(), "")
}

// letterOf is the draft row of a prepared, valid request.
func (p *prepared) letterOf() (*surat.Letter, error) {
	data, err := encodeRequest(p.req)
	if err != nil {
		return nil, err
	}
	signer := p.signer.ID
	l := &surat.Letter{Module: p.module.Code, SubjectResidentID: p.subjectID, SubjectName: p.subjectName,
		FormData: data, SignerOfficialID: &signer, TemplateSHA256: p.module.Origin.SHA256}
	if id := p.module.Origin.TemplateID; id != 0 {
		l.TemplateID = &id
	}
	return l, nil
}

// NewDraft validates req like Validate and returns the draft row it would
// store, without storing it, for a caller that stores the letter together
// with other changes in one transaction (store.OpenRequestDraft). Errors
// are those of Validate.
func (s *Service) NewDraft(ctx context.Context, villageID int64, req Request) (*surat.Letter, error) {
	p, err := s.prepare(ctx, villageID, req)
	if err != nil {
		return nil, err
	}
	if _, err := p.build(s.d.Now(), ""); err != nil {
		return nil, err
	}
	return p.letterOf()
}

// CreateDraft validates req like Validate and stores it as a new draft of
// the village created by actor. Errors: *surat.ValidationError for the
// user's mistakes (also a module the village has disabled), or the store's.
func (s *Service) CreateDraft(ctx context.Context, actor surat.Actor, villageID int64, req Request) (*surat.Letter, error) {
	l, err := s.NewDraft(ctx, villageID, req)
	if err != nil {
		return nil, err
	}
	if err := s.d.Store.CreateLetter(ctx, actor, villageID, l); err != nil {
		return nil, fmt.Errorf("issuance: create draft: %w", err)
	}
	return l, nil
}

// UpdateDraft validates req and saves it over the village's draft letterID
// if that is still at version. The module of a letter cannot change.
// Errors: surat.ErrNotFound (also for another village's letter),
// *surat.ValidationError, *surat.TransitionError for a letter past draft,
// surat.ErrConflict for a stale version.
func (s *Service) UpdateDraft(ctx context.Context, actor surat.Actor, villageID, letterID int64, version int, req Request) (*surat.Letter, error) {
	old, err := s.d.Store.LetterByID(ctx, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: letter %d: %w", letterID, err)
	}
	if req.Module == "" {
		req.Module = old.Module
	}
	if req.Module != old.Module {
		return nil, surat.Invalid("module", surat.ProblemModuleFixed)
	}
	p, err := s.prepare(ctx, villageID, req)
	if err != nil {
		return nil, err
	}
	if _, err := p.build(s.d.Now(), ""); err != nil {
		return nil, err
	}
	l, err := p.letterOf()
	if err != nil {
		return nil, err
	}
	l.ID, l.Version = letterID, version
	if err := s.d.Store.UpdateLetterDraft(ctx, actor, villageID, l); err != nil {
		return nil, fmt.Errorf("issuance: update draft %d: %w", letterID, err)
	}
	return l, nil
}

// PreviewPDF renders req as a draft dated now (DRAF watermark, no QR code,
// no number). Nothing is stored. Errors are those of Validate.
func (s *Service) PreviewPDF(ctx context.Context, villageID int64, req Request) ([]byte, error) {
	doc, err := s.Validate(ctx, villageID, req)
	if err != nil {
		return nil, err
	}
	return s.render(doc, time.Time{})
}

// DraftPDF renders a letter of the village that is not signed yet as a
// draft dated now, from its stored form data, with the version of its
// module it was drafted with (the one it would be signed with). A signed, revoked or replaced
// letter has no draft (surat.ErrConflict: serve SignedPDF instead); one of
// another village is surat.ErrNotFound. A letter whose residents have since
// left the register is a *surat.ValidationError.
func (s *Service) DraftPDF(ctx context.Context, villageID, letterID int64) ([]byte, error) {
	l, err := s.d.Store.LetterByID(ctx, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: letter %d: %w", letterID, err)
	}
	if l.Status.Final() || l.Status == surat.LetterSigned {
		return nil, fmt.Errorf("issuance: letter %d is %s, it has no draft: %w", letterID, l.Status, surat.ErrConflict)
	}
	p, err := s.prepareLetter(ctx, villageID, l)
	if err != nil {
		return nil, err
	}
	doc, err := p.build(s.d.Now(), "")
	if err != nil {
		return nil, err
	}
	return s.render(doc, time.Time{})
}

// render draws doc; created zero means the document date.
func (s *Service) render(doc *surat.Document, created time.Time) ([]byte, error) {
	start := time.Now()
	b, err := s.d.Renderer.Render(doc, pdf.Options{Created: created})
	s.d.Metrics.ObserveRender(time.Since(start))
	if err != nil {
		return nil, fmt.Errorf("issuance: render: %w", err)
	}
	return b, nil
}
