package web

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The letter API: the clerk's workflow (draft, submit, approve or return,
// sign, revoke, replace) over JSON with a bearer token. Every letter is read
// and written in the caller's village; a letter of another village answers
// 404 on every route, before the body is even looked at.

// wib is the civil time zone letters are dated in (see surat.LetterTime).
var wib = surat.LetterTime(time.Time{}).Location()

// moduleJSON is a letter module as the API lists it: enough for a client to
// build the form of a letter. Staff (/api/v1/modules) and residents
// (/api/v1/mandiri/modules) get the same shape.
type moduleJSON struct {
	Code        string        `json:"code"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	KodeSurat   string        `json:"kode_surat"`
	Validity    string        `json:"validity"`
	Online      bool          `json:"online"`
	Subjects    []subjectSpec `json:"subjects"`
	Fields      []fieldSpec   `json:"fields"`
	// Requirements are the documents (syarat) the village asks for; a
	// resident uploads the n-th as multipart field "syarat.<n>".
	Requirements []string `json:"requirements,omitempty"`
}

// subjectSpec is one subject role of a module.
type subjectSpec struct {
	Role     string `json:"role"`
	Label    string `json:"label"`
	Kind     string `json:"kind"`
	Required bool   `json:"required"`
	// List says the role takes "items"; Person says a typed identity
	// ("person") is accepted besides a resident_id.
	List   bool `json:"list"`
	Person bool `json:"person"`
	Min    int  `json:"min,omitempty"`
	Max    int  `json:"max,omitempty"`
	// Relations are the choices of each list item's "hubungan".
	Relations []string `json:"relations,omitempty"`
}

// fieldSpec is one extra field of a module.
type fieldSpec struct {
	Name      string   `json:"name"`
	Label     string   `json:"label"`
	Type      string   `json:"type"`
	Required  bool     `json:"required"`
	Options   []string `json:"options,omitempty"`
	MaxLength int      `json:"max_length,omitempty"`
	Default   string   `json:"default,omitempty"`
	Hint      string   `json:"hint,omitempty"`
}

func moduleOut(vm issuance.VillageModule) moduleJSON {
	m := vm.Module
	out := moduleJSON{Code: m.Code, Title: m.Title, Description: m.Description, KodeSurat: m.Klasifikasi,
		Validity: vm.Validity(), Online: vm.Online(), Subjects: []subjectSpec{}, Fields: []fieldSpec{},
		Requirements: vm.Requirements()}
	if vm.Settings != nil && vm.Settings.KodeSurat != "" {
		out.KodeSurat = vm.Settings.KodeSurat
	}
	for _, s := range m.Subjects {
		out.Subjects = append(out.Subjects, subjectSpec{Role: s.Role, Label: s.Label, Kind: string(s.Kind),
			Required: s.Required, List: s.Kind.IsList(), Person: s.Kind.AllowsTyped(), Min: s.Min, Max: s.Max,
			Relations: s.ItemRelations})
	}
	for _, f := range m.Fields {
		out.Fields = append(out.Fields, fieldSpec{Name: f.Name, Label: f.Label, Type: string(f.Type),
			Required: f.Required, Options: f.Options, MaxLength: f.MaxLength, Default: f.Default, Hint: f.Hint})
	}
	return out
}

// handleAPIModuleList lists the letter modules the caller's village has
// enabled, ordered by code.
func (s *Server) handleAPIModuleList(c *gin.Context) error {
	vms, err := s.issuance.VillageModules(c.Request.Context(), villageOf(c))
	if err != nil {
		return err
	}
	out := struct {
		Items []moduleJSON `json:"items"`
	}{Items: []moduleJSON{}}
	for _, vm := range vms {
		out.Items = append(out.Items, moduleOut(vm))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// personJSON is a typed identity of someone outside the register. The names
// are those of the letter's field messages ("subject.pemohon.nama"), so a
// client can put each message next to its input.
type personJSON struct {
	NIK         string    `json:"nik,omitempty"`
	Name        string    `json:"nama"`
	BirthPlace  string    `json:"tempat_lahir,omitempty"`
	BirthDate   string    `json:"tanggal_lahir,omitempty"`
	Sex         *enumJSON `json:"jenis_kelamin,omitempty"`
	Religion    *enumJSON `json:"agama,omitempty"`
	Occupation  *enumJSON `json:"pekerjaan,omitempty"`
	Citizenship *enumJSON `json:"kewarganegaraan,omitempty"`
	Address     string    `json:"alamat,omitempty"`
}

// subjectJSON names the people of one subject role: a resident, a typed
// person, or a list of items (each a resident or person with its hubungan).
type subjectJSON struct {
	ResidentID int64         `json:"resident_id,omitempty"`
	Person     *personJSON   `json:"person,omitempty"`
	Items      []subjectJSON `json:"items,omitempty"`
	Relation   string        `json:"hubungan,omitempty"`
}

func personOut(p *surat.Person) *personJSON {
	out := &personJSON{NIK: p.NIK, Name: p.Name, BirthPlace: p.BirthPlace,
		Sex: enumOf(surat.Sex, p.Sex), Religion: enumOf(surat.Religion, p.Religion),
		Occupation: enumOf(surat.Occupation, p.Occupation), Citizenship: enumOf(surat.Citizenship, p.Citizenship),
		Address: p.Address}
	if !p.BirthDate.IsZero() {
		out.BirthDate = p.BirthDate.Format(dateLayout)
	}
	return out
}

func subjectOut(r issuance.SubjectRef) subjectJSON {
	out := subjectJSON{ResidentID: r.ResidentID, Relation: r.Relation}
	if r.Person != nil {
		out.Person = personOut(r.Person)
	}
	for _, it := range r.Items {
		out.Items = append(out.Items, subjectOut(it))
	}
	return out
}

// letterLinks are the API addresses of a letter and, once signed, its
// public verification page.
type letterLinks struct {
	Self       string `json:"self"`
	PDF        string `json:"pdf"`
	Verify     string `json:"verify,omitempty"`
	Replaces   string `json:"replaces,omitempty"`
	ReplacedBy string `json:"replaced_by,omitempty"`
}

// letterJSON is a letter as the API shows it. Subjects and Fields, the
// letter's form, come only with a single letter, not in lists.
type letterJSON struct {
	ID               int64                  `json:"id"`
	Module           string                 `json:"module"`
	ModuleTitle      string                 `json:"module_title"`
	Status           surat.LetterStatus     `json:"status"`
	StatusLabel      string                 `json:"status_label"`
	SubjectName      string                 `json:"subject_name"`
	SignerOfficialID *int64                 `json:"signer_official_id"`
	Version          int                    `json:"version"`
	Number           string                 `json:"number,omitempty"`
	VerifyURL        string                 `json:"verify_url,omitempty"`
	SHA256           string                 `json:"sha256,omitempty"`
	IssuedAt         string                 `json:"issued_at,omitempty"` // letter date, YYYY-MM-DD
	SignedAt         *time.Time             `json:"signed_at,omitempty"`
	ValidUntil       string                 `json:"valid_until,omitempty"`
	RevokedAt        *time.Time             `json:"revoked_at,omitempty"`
	RevokeReason     string                 `json:"revoke_reason,omitempty"`
	RevokeCode       surat.RevocationReason `json:"revoke_code,omitempty"`
	ReturnReason     string                 `json:"return_reason,omitempty"`
	ReplacesID       *int64                 `json:"replaces_id,omitempty"`
	ReplacedByID     *int64                 `json:"replaced_by_id,omitempty"`
	VerifiedAt       *time.Time             `json:"verified_at,omitempty"`
	ManualSeq        *int                   `json:"manual_seq,omitempty"`
	CreatedAt        time.Time              `json:"created_at"`
	UpdatedAt        time.Time              `json:"updated_at"`
	Subjects         map[string]subjectJSON `json:"subjects,omitempty"`
	Fields           map[string]string      `json:"fields,omitempty"`
	Links            letterLinks            `json:"links"`
}

func letterPath(id int64) string { return fmt.Sprintf("/api/v1/letters/%d", id) }

func (s *Server) letterOut(c *gin.Context, l *surat.Letter) letterJSON {
	out := letterJSON{ID: l.ID, Module: l.Module, Status: l.Status, StatusLabel: l.Status.Label(),
		SubjectName: l.SubjectName, SignerOfficialID: l.SignerOfficialID, Version: l.Version,
		Number: l.NumberString(), SHA256: l.PDFSHA256, RevokeReason: l.RevokeReason, ReturnReason: l.ReturnReason,
		RevokeCode: l.RevokeCode, ReplacesID: l.ReplacesID, ReplacedByID: l.ReplacedByID, ManualSeq: l.ManualSeq,
		CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC(),
		Links: letterLinks{Self: letterPath(l.ID), PDF: letterPath(l.ID) + "/pdf"}}
	out.ModuleTitle = s.moduleTitleOf(c, l.Module)
	if l.VerifyCode != nil {
		out.VerifyURL = s.issuance.VerifyURL(*l.VerifyCode)
		out.Links.Verify = out.VerifyURL
	}
	if l.IssuedAt != nil {
		out.IssuedAt = surat.LetterTime(*l.IssuedAt).Format(dateLayout)
	}
	if l.SignedAt != nil {
		t := l.SignedAt.UTC()
		out.SignedAt = &t
	}
	if l.ValidUntil != nil {
		out.ValidUntil = surat.LetterTime(*l.ValidUntil).Format(dateLayout)
	}
	if l.RevokedAt != nil {
		t := l.RevokedAt.UTC()
		out.RevokedAt = &t
	}
	if l.VerifiedAt != nil {
		t := l.VerifiedAt.UTC()
		out.VerifiedAt = &t
	}
	if l.ReplacesID != nil {
		out.Links.Replaces = letterPath(*l.ReplacesID)
	}
	if l.ReplacedByID != nil {
		out.Links.ReplacedBy = letterPath(*l.ReplacedByID)
	}
	return out
}

// letterDetail is letterOut with the letter's form decoded.
func (s *Server) letterDetail(c *gin.Context, l *surat.Letter) (letterJSON, error) {
	out := s.letterOut(c, l)
	req, err := s.issuance.RequestOf(l)
	if err != nil {
		return out, fmt.Errorf("letter %d form: %w", l.ID, err)
	}
	out.Subjects = map[string]subjectJSON{}
	for role, ref := range req.Subjects {
		out.Subjects[role] = subjectOut(ref)
	}
	out.Fields = req.Fields
	if out.Fields == nil {
		out.Fields = map[string]string{}
	}
	return out, nil
}

// apiPersonInput is a typed identity as a client sends it; enumerations take
// an id, a label or the object the API returns.
type apiPersonInput struct {
	NIK         string    `json:"nik"`
	Name        string    `json:"nama"`
	BirthPlace  string    `json:"tempat_lahir"`
	BirthDate   string    `json:"tanggal_lahir"`
	Sex         enumInput `json:"jenis_kelamin"`
	Religion    enumInput `json:"agama"`
	Occupation  enumInput `json:"pekerjaan"`
	Citizenship enumInput `json:"kewarganegaraan"`
	Address     string    `json:"alamat"`
}

// apiSubjectInput is one subject role as a client sends it: exactly one of
// resident_id, person and items.
type apiSubjectInput struct {
	ResidentID int64             `json:"resident_id"`
	Person     *apiPersonInput   `json:"person"`
	Items      []apiSubjectInput `json:"items"`
	Relation   string            `json:"hubungan"`
}

// apiLetterInput is the body of POST /api/v1/letters and PUT
// /api/v1/letters/:id.
type apiLetterInput struct {
	Module           string                     `json:"module"`
	Subjects         map[string]apiSubjectInput `json:"subjects"`
	Fields           map[string]string          `json:"fields"`
	SignerOfficialID int64                      `json:"signer_official_id"`
	// Version is the version last read; required on PUT.
	Version int `json:"version"`
}

// toRequest converts the input into an issuance request, reporting what
// cannot even be converted (a malformed date, an unknown enumeration label,
// two kinds of subject at once) under the keys the letter's own messages
// use: "subject.<role>[.<item>].<field>".
func (in apiLetterInput) toRequest(p surat.Problems) issuance.Request {
	req := issuance.Request{Module: strings.TrimSpace(in.Module), Subjects: map[string]issuance.SubjectRef{},
		Fields: map[string]string{}, SignerOfficialID: in.SignerOfficialID}
	for role, sub := range in.Subjects {
		req.Subjects[role] = sub.toRef(letters.SubjectKey(role), p)
	}
	for k, v := range in.Fields {
		req.Fields[k] = v
	}
	if in.SignerOfficialID < 0 {
		p.Add("signer_official_id", "Pejabat penandatangan tidak ditemukan di desa ini")
	}
	return req
}

func (in apiSubjectInput) toRef(key string, p surat.Problems) issuance.SubjectRef {
	ref := issuance.SubjectRef{ResidentID: in.ResidentID, Relation: strings.TrimSpace(in.Relation)}
	given := 0
	if in.ResidentID != 0 {
		given++
	}
	if in.Person != nil {
		given++
	}
	if len(in.Items) > 0 {
		given++
	}
	switch {
	case given > 1:
		p.Add(key, "Isi salah satu saja: resident_id, person atau items")
	case in.ResidentID < 0:
		p.Add(key, "Penduduk tidak ditemukan di desa ini")
	}
	if in.Person != nil {
		ref.Person = in.Person.toDomain(key, p)
	}
	for i, it := range in.Items {
		ref.Items = append(ref.Items, it.toRef(key+"."+strconv.Itoa(i+1), p))
	}
	return ref
}

func (in apiPersonInput) toDomain(key string, p surat.Problems) *surat.Person {
	per := &surat.Person{NIK: strings.TrimSpace(in.NIK), Name: strings.TrimSpace(in.Name),
		BirthPlace: strings.TrimSpace(in.BirthPlace), Address: strings.TrimSpace(in.Address),
		Sex:         in.Sex.resolve(surat.Sex, key+".jenis_kelamin", p),
		Religion:    in.Religion.resolve(surat.Religion, key+".agama", p),
		Occupation:  in.Occupation.resolve(surat.Occupation, key+".pekerjaan", p),
		Citizenship: in.Citizenship.resolve(surat.Citizenship, key+".kewarganegaraan", p)}
	if d := strings.TrimSpace(in.BirthDate); d != "" {
		t, err := time.Parse(dateLayout, d)
		if err != nil {
			p.Add(surat.PersonKey(key, surat.PersonBirthDate), "Tanggal lahir harus berformat TTTT-BB-HH, mis. 1980-01-15")
		} else {
			per.BirthDate = t
		}
	}
	return per
}

// inputProblems returns nil when the body converted cleanly (p is empty).
// Otherwise it also validates what did convert, so that a 422 lists every
// problem of the letter at once, not only those of the conversion.
func (s *Server) inputProblems(c *gin.Context, p surat.Problems, req issuance.Request) error {
	if len(p) == 0 {
		return nil
	}
	if _, bad := p["module"]; !bad {
		if _, err := s.issuance.Validate(c.Request.Context(), villageOf(c), req); err != nil {
			fields, ok := surat.FieldErrors(inputKeys(err))
			if !ok {
				return err
			}
			for k, msg := range fields {
				p.Add(k, msg)
			}
		}
	}
	return p.Err()
}

// inputKeys renames the issuance's field key for the signing official,
// "penandatangan", to the body's "signer_official_id", so every message of a
// 422 names what the client sent.
func inputKeys(err error) error {
	fields, ok := surat.FieldErrors(err)
	if !ok {
		return err
	}
	if msg, ok := fields["penandatangan"]; ok {
		out := make(map[string]string, len(fields))
		for k, v := range fields {
			out[k] = v
		}
		delete(out, "penandatangan")
		if _, taken := out["signer_official_id"]; !taken {
			out["signer_official_id"] = msg
		}
		return &surat.ValidationError{Fields: out}
	}
	return err
}

// routeLetter loads the letter of the route from the caller's village. Every
// handler of a letter route calls it before reading the body, so a letter of
// another village is 404 whatever the body holds.
func (s *Server) routeLetter(c *gin.Context) (*surat.Letter, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.store.LetterByID(c.Request.Context(), villageOf(c), id)
}

// changeLetter answers a change of the route's letter: the letter is loaded
// from the caller's village (404 for another village's) before change reads
// the body, and the changed letter is the answer (200).
func (s *Server) changeLetter(c *gin.Context, change func(ctx context.Context, actor surat.Actor, villageID int64,
	l *surat.Letter) (*surat.Letter, error)) error {
	l, err := s.routeLetter(c)
	if err != nil {
		return err
	}
	l, err = change(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), l)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.letterOut(c, l))
	return nil
}

// writeLetterDetail answers with the letter and its form; a 201 also
// carries the letter's Location.
func (s *Server) writeLetterDetail(c *gin.Context, status int, l *surat.Letter) error {
	out, err := s.letterDetail(c, l)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		c.Header("Location", letterPath(l.ID))
	}
	c.JSON(status, out)
	return nil
}

// handleAPILetterCreate validates the body and stores it as a draft of the
// caller's village: 201 with the draft, 422 with a message per field.
func (s *Server) handleAPILetterCreate(c *gin.Context) error {
	var in apiLetterInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p := surat.Problems{}
	req := in.toRequest(p)
	if req.Module == "" {
		p.Add("module", "Jenis surat wajib diisi")
	} else if cat, err := s.catalogue(c); err != nil {
		return err
	} else if cat.Module(req.Module) == nil {
		p.Add("module", "Jenis surat tidak dikenal")
	}
	if in.Version != 0 {
		p.Add("version", "Versi hanya dikirim saat mengubah surat")
	}
	if err := s.inputProblems(c, p, req); err != nil {
		return err
	}
	l, err := s.issuance.CreateDraft(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), req)
	if err != nil {
		return inputKeys(err)
	}
	return s.writeLetterDetail(c, http.StatusCreated, l)
}

// handleAPILetterUpdate replaces the form of a draft with the body, which
// must carry the version last read: 409 when the letter changed meanwhile or
// is no longer a draft.
func (s *Server) handleAPILetterUpdate(c *gin.Context) error {
	l, err := s.routeLetter(c)
	if err != nil {
		return err
	}
	var in apiLetterInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p := surat.Problems{}
	req := in.toRequest(p)
	switch req.Module {
	case "":
		req.Module = l.Module
	case l.Module:
	default:
		p.Add("module", "Jenis surat tidak dapat diubah; buat surat baru untuk jenis lain")
	}
	if in.Version <= 0 {
		p.Add("version", "Versi data wajib dikirim (nilai version dari data yang terakhir dibaca)")
	}
	if err := s.inputProblems(c, p, req); err != nil {
		return err
	}
	l, err = s.issuance.UpdateDraft(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), l.ID, in.Version, req)
	if err != nil {
		return inputKeys(err)
	}
	return s.writeLetterDetail(c, http.StatusOK, l)
}

// letterList is one page of letters.
type letterList struct {
	Items   []letterJSON `json:"items"`
	Total   int64        `json:"total"`
	Page    int          `json:"page"`
	PerPage int          `json:"per_page"`
}

// handleAPILetterList lists the caller's village's letters, newest first:
// status (code or label), module, q (part of the number or the subject's
// name), from and to (letter date, YYYY-MM-DD, both inclusive), page and
// per_page (at most 100).
func (s *Server) handleAPILetterList(c *gin.Context) error {
	p := surat.Problems{}
	f := store.LetterFilter{Query: c.Query("q"), Page: 1, PerPage: 25}
	if st := strings.TrimSpace(c.Query("status")); st != "" {
		for _, ls := range surat.LetterStatuses() {
			if strings.EqualFold(st, string(ls)) || strings.EqualFold(st, ls.Label()) {
				f.Status = ls
			}
		}
		if f.Status == "" {
			p.Add("status", "Status surat tidak dikenal")
		}
	}
	if m := strings.TrimSpace(c.Query("module")); m != "" {
		cat, err := s.catalogue(c)
		if err != nil {
			return err
		}
		if cat.Module(m) == nil {
			p.Add("module", "Jenis surat tidak dikenal")
		}
		f.Module = m
	}
	dateParam := func(name string) time.Time {
		v := strings.TrimSpace(c.Query(name))
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(dateLayout, v, wib)
		if err != nil {
			p.Add(name, "Tanggal harus berformat TTTT-BB-HH, mis. 2026-11-23")
		}
		return t
	}
	f.From = dateParam("from")
	if to := dateParam("to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // inclusive: up to the end of that day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		p.Add("to", "Tanggal akhir tidak boleh sebelum tanggal awal")
	}
	pageParams(c, p, &f.Page, &f.PerPage)
	if err := p.Err(); err != nil {
		return err
	}
	res, err := s.store.ListLetters(c.Request.Context(), villageOf(c), f)
	if err != nil {
		return err
	}
	out := letterList{Items: make([]letterJSON, len(res.Letters)), Total: res.Total, Page: res.Page, PerPage: res.PerPage}
	for i := range res.Letters {
		out.Items[i] = s.letterOut(c, &res.Letters[i])
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// handleAPILetterShow returns one letter of the caller's village with its
// form.
func (s *Server) handleAPILetterShow(c *gin.Context) error {
	l, err := s.routeLetter(c)
	if err != nil {
		return err
	}
	return s.writeLetterDetail(c, http.StatusOK, l)
}

// reasonInput is the body of return and revoke.
type reasonInput struct {
	Reason string `json:"reason"`
	// ReplacedBy, on revoke, is the id of the letter of the same village
	// that replaces the revoked one.
	ReplacedBy int64 `json:"replaced_by"`
}

// versionInput is the optional body of approve: the version the signer
// reviewed. Without it the letter is approved as it is stored now.
type versionInput struct {
	Version int `json:"version"`
}

// optionalJSON decodes a body when there is one; an empty body leaves v
// unchanged.
func optionalJSON(c *gin.Context, v any) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	return decodeJSON(c, v)
}

// handleAPILetterSubmit sends a draft for approval.
func (s *Server) handleAPILetterSubmit(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		return s.issuance.Submit(ctx, actor, villageID, l.ID)
	})
}

// handleAPILetterReturn sends a submitted or approved letter back to draft
// with a reason for the clerk.
func (s *Server) handleAPILetterReturn(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		var in reasonInput
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		if in.ReplacedBy != 0 {
			return nil, &badRequestError{Msg: `Kolom "replaced_by" hanya untuk pencabutan surat.`}
		}
		return s.issuance.Return(ctx, actor, villageID, l.ID, in.Reason)
	})
}

// handleAPILetterApprove approves a submitted letter. With {"version": n}
// the approval fails with 409 when the letter is no longer what the signer
// reviewed.
func (s *Server) handleAPILetterApprove(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		in := versionInput{Version: l.Version}
		if err := optionalJSON(c, &in); err != nil {
			return nil, err
		}
		return s.issuance.Approve(ctx, actor, villageID, l.ID, in.Version)
	})
}

// passphraseInput is the body of sign and sign-batch.
type passphraseInput struct {
	Passphrase string  `json:"passphrase"`
	IDs        []int64 `json:"ids"`
}

// requirePassphrase reports an empty passphrase on its field.
func requirePassphrase(pass string, p surat.Problems) {
	if pass == "" {
		p.AddCode("passphrase", surat.ProblemPassphraseRequired)
	}
}

// handleAPILetterSign numbers, signs and stores an approved letter with the
// signer's passphrase: 200 with the letter (number, verify_url, sha256,
// signed_at). A wrong passphrase signs nothing and uses no number.
func (s *Server) handleAPILetterSign(c *gin.Context) error {
	return s.changeLetter(c, func(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
		var in passphraseInput
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		p := surat.Problems{}
		requirePassphrase(in.Passphrase, p)
		if in.IDs != nil {
			p.Add("ids", "Daftar surat hanya untuk tanda tangan sekaligus (/api/v1/letters/sign-batch)")
		}
		if err := p.Err(); err != nil {
			return nil, err
		}
		return s.issuance.Sign(ctx, actor, villageID, l.ID, in.Passphrase)
	})
}

// batchItem is the outcome for one letter of a batch signature.
type batchItem struct {
	ID      int64       `json:"id"`
	OK      bool        `json:"ok"`
	Letter  *letterJSON `json:"letter,omitempty"`
	Error   string      `json:"error,omitempty"`
	Message string      `json:"message,omitempty"`
}

// handleAPILetterSignBatch signs several approved letters with one
// passphrase. A wrong passphrase or a lock fails the whole request; other
// problems are reported per letter, and the rest are signed.
func (s *Server) handleAPILetterSignBatch(c *gin.Context) error {
	var in passphraseInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p := surat.Problems{}
	requirePassphrase(in.Passphrase, p)
	if fields, ok := surat.FieldErrors(issuance.CheckBatch(in.IDs)); ok {
		p.Add("ids", fields["ids"])
	}
	if err := p.Err(); err != nil {
		return err
	}
	results, err := s.issuance.SignBatch(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), in.IDs, in.Passphrase)
	if err != nil {
		return err
	}
	return s.writeBatch(c, results)
}

// unsafeFileChars are the characters a download's file name never carries.
var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// pdfFileName names a letter's PDF by its module and number ("/" and other
// unsafe characters become "-"), or by its id while it has no number; never
// by a name or NIK.
func pdfFileName(l *surat.Letter) string {
	if n := l.NumberString(); n != "" {
		return l.Module + "_" + strings.Trim(unsafeFileChars.ReplaceAllString(n, "-"), "-") + ".pdf"
	}
	return fmt.Sprintf("%s_draf_%d.pdf", l.Module, l.ID)
}

// handleAPILetterPDF downloads a signed letter's stored PDF, byte for byte
// what was signed, or the DRAF preview of a letter not signed yet.
func (s *Server) handleAPILetterPDF(c *gin.Context) error {
	l, err := s.routeLetter(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	var body []byte
	if l.PDFPath != "" {
		if l, body, err = s.issuance.SignedPDF(ctx, villageOf(c), l.ID); err != nil {
			return err
		}
	} else if body, err = s.issuance.DraftPDF(ctx, villageOf(c), l.ID); err != nil {
		return err
	}
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": pdfFileName(l)}))
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/pdf", body)
	return nil
}

// handleAPILetterReplace starts the correction of a signed letter: 201 with
// a new draft copying it, which replaces it once signed.
func (s *Server) handleAPILetterReplace(c *gin.Context) error {
	l, err := s.routeLetter(c)
	if err != nil {
		return err
	}
	nl, err := s.issuance.Replace(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), l.ID)
	if err != nil {
		return err
	}
	return s.writeLetterDetail(c, http.StatusCreated, nl)
}
