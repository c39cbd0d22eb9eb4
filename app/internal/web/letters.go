package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The clerk's letter pages: choosing a module, the form generated from the
// module's subjects and fields, the resident picker, the draft with its
// preview, editing and submitting. Signing is in letters_sign.go, the
// archive in letters_archive.go.

// Form input names of the letter form. Subjects and fields use the keys the
// catalogue reports problems under ("subject.<role>", "field.<name>"), so a
// message lands beside its input without translation.
const (
	formTokenField = "form_token"
	signerField    = "signer_official_id"
	// modeResident and modeTyped choose, for roles that allow both, between
	// a resident of the register and a typed identity.
	modeResident = "penduduk"
	modeTyped    = "luar"
	// maxListSlots bounds the rows of a list role (heirs, followers).
	maxListSlots = 15
)

// letterNotices are the one-time notices a letter page shows after a
// redirect, named by the ?ok= key, so the URL never carries free text.
var letterNotices = map[string]string{
	"dibuat":         "Draf surat tersimpan. Periksa pratinjau, lalu ajukan untuk persetujuan.",
	"diubah":         "Perubahan draf tersimpan.",
	"diajukan":       "Surat diajukan untuk persetujuan.",
	"disetujui":      "Surat disetujui dan siap ditandatangani.",
	"dikembalikan":   "Surat dikembalikan ke draf beserta alasannya.",
	"ditandatangani": "Surat ditandatangani secara elektronik dan diberi nomor.",
	"dicabut":        "Surat dicabut. Halaman verifikasinya kini menyatakan DICABUT.",
	"cabut-diajukan": "Pencabutan diajukan. Surat tetap berlaku sampai penandatangan desa mengonfirmasinya.",
	"cabut-ditolak":  "Pengajuan pencabutan ditolak; surat tetap berlaku.",
	"pengganti":      "Draf pengganti dibuat dari surat lama. Perbaiki isinya, lalu ajukan.",
	"sudah":          "Formulir ini sudah dikirim sebelumnya; surat yang sudah dibuat ditampilkan.",
	"diproses":       "Formulir yang sama masih diproses. Surat yang dibuat akan muncul di daftar ini; jangan kirim ulang.",
	"templat-baru":   "Draf dibuat ulang dengan templat terbaru jenis surat ini.",
}

// notice is the message of the ?ok= key of the request, or "".
func notice(c *gin.Context) string {
	if msg, ok := letterNotices[c.Query("ok")]; ok {
		return msg
	}
	return workflowNotices[c.Query("ok")]
}

// isClerk reports whether the user drafts and manages letters.
func isClerk(u *surat.User) bool {
	return u.Role == surat.RoleAdminDesa || u.Role == surat.RoleOperator
}

// isSigner reports whether the user approves and signs letters.
func isSigner(u *surat.User) bool { return u.Role == surat.RoleSigner }

// ---- module picker ----

// moduleItem is one module of the picker.
type moduleItem struct {
	Code, Title, Description string
}

// letterModulesPage lists the village's enabled modules.
type letterModulesPage struct {
	basePage
	Query   string
	Modules []moduleItem
	Total   int
	// For is the resident the new letter is about, when the clerk came
	// from their page (or their household's).
	For *letterPrefill
}

// enabledModules lists the catalogue's modules the village has not
// disabled, ordered by title.
func (s *Server) enabledModules(ctx context.Context, villageID int64) ([]*letters.Module, error) {
	vms, err := s.issuance.VillageModules(ctx, villageID)
	if err != nil {
		return nil, err
	}
	out := make([]*letters.Module, len(vms))
	for i, vm := range vms {
		out[i] = vm.Module
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Title < out[j].Title })
	return out, nil
}

// handleLetterModules shows the searchable list of modules a clerk can
// issue. The search works without JavaScript (?q=); letters.js filters the
// list as the clerk types.
func (s *Server) handleLetterModules(c *gin.Context) error {
	mods, err := s.enabledModules(c.Request.Context(), villageOf(c))
	if err != nil {
		return err
	}
	pf, err := s.prefillOf(c)
	if err != nil {
		return err
	}
	p := letterModulesPage{basePage: s.base(c, "Buat surat"), Query: strings.TrimSpace(c.Query("q")), Total: len(mods), For: pf}
	q := strings.ToLower(p.Query)
	for _, m := range mods {
		if q != "" && !strings.Contains(strings.ToLower(m.Title+" "+m.Description+" "+m.Code), q) {
			continue
		}
		p.Modules = append(p.Modules, moduleItem{Code: m.Code, Title: m.Title, Description: m.Description})
	}
	s.render(c, http.StatusOK, "letter_modules", p)
	return nil
}

// enabledModule returns the module named by :module when the village has it
// enabled, and surat.ErrNotFound otherwise.
func (s *Server) enabledModule(c *gin.Context) (*letters.Module, error) {
	cat, err := s.catalogue(c)
	if err != nil {
		return nil, err
	}
	m := cat.Module(c.Param("module"))
	if m == nil {
		return nil, fmt.Errorf("module %q: %w", c.Param("module"), surat.ErrNotFound)
	}
	set, err := s.store.LetterSettings(c.Request.Context(), villageOf(c))
	if err != nil {
		return nil, err
	}
	if ls, ok := set[m.Code]; ok && !ls.Enabled {
		return nil, fmt.Errorf("module %q disabled: %w", m.Code, surat.ErrNotFound)
	}
	return m, nil
}

// ---- the letter form ----

// letterFormPage is the form of a new letter or of a draft being edited.
type letterFormPage struct {
	basePage
	Module  *letters.Module
	Action  string
	Cancel  string
	Token   string // idempotency token of a new letter's form
	Version int    // version of the draft being edited
	Edit    bool
	// ReturnReason is why the signer returned the draft, shown when editing.
	ReturnReason string
	Subjects     []subjectInput
	Fields       []fieldInput
	Signers      []signerOption
	SignerID     string
	SignerError  string
	// Unready lists the officials who may sign by their office but cannot
	// now, with the reason ("no certificate", "no login"); NoSigner says
	// nobody can.
	Unready  []string
	NoSigner bool
	// FormError is a message about the whole form; Other lists problems
	// that belong to no input on the page.
	FormError string
	Other     []string
}

// signerOption is one official who may sign.
type signerOption struct {
	ID    string
	Label string
}

// subjectInput is one subject role of the form.
type subjectInput struct {
	Role, Label string
	Key         string // "subject.<role>"
	List        bool
	AllowsTyped bool
	Required    bool
	Error       string
	One         personInput   // single roles
	Items       []personInput // list roles
	Min, Max    int
}

// personInput is one person of a role: a resident picked from the register
// or, where the role allows it, a typed identity.
type personInput struct {
	Key           string // input name prefix, e.g. "subject.pemohon" or "subject.ahli_waris.2"
	Label         string
	Mode          string // modeResident or modeTyped
	AllowsTyped   bool
	ResidentID    string
	ResidentLabel string
	Search        string
	Candidates    []residentHit
	Person        typedPerson
	Relation      string
	Relations     []string
	Error         string
	Errors        map[string]string
}

// personDetail is one input of a typed person: a text input (Kind
// "text", "numeric" or "date") or, with Options, a choice.
type personDetail struct {
	Name, Label, Value, Kind, Error string
	Options                         []surat.Option
}

// Selected reports whether option id is the detail's value.
func (d personDetail) Selected(id int) bool { return strconv.Itoa(id) == d.Value }

// detail is the input of one detail of the typed person.
func (p personInput) detail(detail, label, value, kind string, options []surat.Option) personDetail {
	name := surat.PersonKey(p.Key, detail)
	return personDetail{Name: name, Label: label, Value: value, Kind: kind, Error: p.Errors[name], Options: options}
}

// Identity are the typed person's name, NIK, birth place and birth date.
func (p personInput) Identity() []personDetail {
	return []personDetail{
		p.detail(surat.PersonName, "Nama lengkap", p.Person.Nama, "text", nil),
		p.detail(surat.PersonNIK, "NIK (bila ada)", p.Person.NIK, "numeric", nil),
		p.detail(surat.PersonBirthPlace, "Tempat lahir", p.Person.TempatLahir, "text", nil),
		p.detail(surat.PersonBirthDate, "Tanggal lahir", p.Person.TanggalLahir, "date", nil),
	}
}

// Choices are the typed person's sex, religion, occupation and
// citizenship, chosen from the register's enumerations.
func (p personInput) Choices() []personDetail {
	return []personDetail{
		p.detail(surat.PersonSex, surat.Sex.Title, p.Person.JenisKelamin, "select", surat.Sex.Options),
		p.detail(surat.PersonReligion, surat.Religion.Title, p.Person.Agama, "select", surat.Religion.Options),
		p.detail(surat.PersonOccupation, surat.Occupation.Title, p.Person.Pekerjaan, "select", surat.Occupation.Options),
		p.detail(surat.PersonCitizenship, surat.Citizenship.Title, p.Person.Kewarganegaraan, "select", surat.Citizenship.Options),
	}
}

// Address is the typed person's address.
func (p personInput) Address() personDetail {
	return p.detail(surat.PersonAddress, "Alamat", p.Person.Alamat, "text", nil)
}

// typedPerson is a typed identity as typed.
type typedPerson struct {
	Nama, NIK, TempatLahir, TanggalLahir, Alamat    string
	JenisKelamin, Agama, Pekerjaan, Kewarganegaraan string
}

// fieldInput is one field of the module.
type fieldInput struct {
	Name, Label, Hint, Value, Error string
	// Control is "input", "textarea" or "select"; InputType the type of an
	// input; InputMode its inputmode.
	Control, InputType, InputMode string
	Required                      bool
	Options                       []string
	MaxLength                     int
}

// handleLetterNew shows the empty form of a module, with a fresh
// idempotency token.
func (s *Server) handleLetterNew(c *gin.Context) error {
	m, err := s.enabledModule(c)
	if err != nil {
		return err
	}
	tok, err := auth.NewToken(24)
	if err != nil {
		return err
	}
	p := letterFormPage{Module: m, Action: "/surat/baru/" + m.Code, Cancel: "/surat/baru", Token: tok}
	kept, ok, err := s.restoreLetterForm(c)
	if err != nil {
		return err
	}
	if !ok {
		pf, err := s.prefillOf(c)
		if err != nil {
			return err
		}
		if pf != nil {
			p.Cancel += "?" + pf.Query
		}
		return s.renderLetterForm(c, http.StatusOK, p, prefillValues(m, pf), nil)
	}
	if t := kept.Get(formTokenField); t != "" {
		p.Token = t
	}
	p.FormError = keptNotice
	return s.renderLetterForm(c, http.StatusOK, p, kept, nil)
}

// keptNotice tells a clerk whose session expired mid-form that the input
// survived the login.
const keptNotice = "Sesi Anda sempat berakhir. Isian Anda tersimpan dan ditampilkan lagi; periksa, lalu kirim."

// restoreLetterForm returns, once, the letter form this browser's user
// sent to the current path while signed out (kept by
// keepFormWhenSignedOut).
func (s *Server) restoreLetterForm(c *gin.Context) (url.Values, bool, error) {
	key, err := s.cookie(c, resumeCookie)
	if err != nil || key == "" {
		return nil, false, nil
	}
	ctx, uid := c.Request.Context(), currentUser(c).ID
	st, err := s.store.FormStashFor(ctx, auth.TokenHash(key), uid)
	switch {
	case errors.Is(err, surat.ErrNotFound):
		s.setCookie(c, resumeCookie, "", -1)
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case st.Path != c.Request.URL.Path:
		return nil, false, nil
	}
	if err := s.store.DeleteFormStash(ctx, st.KeyHash, uid); err != nil {
		return nil, false, err
	}
	s.setCookie(c, resumeCookie, "", -1)
	vals, err := url.ParseQuery(st.Data)
	if err != nil {
		return nil, false, fmt.Errorf("kept letter form: %w", err)
	}
	return vals, true, nil
}

// handleLetterCreate validates the submitted form and stores a new draft.
// A refused form comes back with the messages beside the inputs and the
// input kept (422). The same form submitted twice creates one letter: the
// second submission is sent to the letter of the first (see
// issuance.CreateDraftOnce).
func (s *Server) handleLetterCreate(c *gin.Context) error {
	m, err := s.enabledModule(c)
	if err != nil {
		return err
	}
	ctx, u, vid := c.Request.Context(), currentUser(c), villageOf(c)
	form := c.Request.PostForm
	p := letterFormPage{Module: m, Action: "/surat/baru/" + m.Code, Cancel: "/surat/baru", Token: form.Get(formTokenField)}
	if p.Token == "" {
		// A form without a token did not come from our page (or from a page
		// older than this feature); give it a fresh one and let the clerk
		// send it again rather than risk a duplicate.
		if p.Token, err = auth.NewToken(24); err != nil {
			return err
		}
		p.FormError = "Formulir tidak lengkap. Periksa isian, lalu kirim lagi."
		return s.renderLetterForm(c, http.StatusUnprocessableEntity, p, form, nil)
	}
	req, problems, err := s.requestFromForm(ctx, vid, m, form)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		_, err := s.issuance.Validate(ctx, vid, req)
		fields, _ := surat.FieldErrors(mergeProblems(problems, err))
		if fields == nil {
			return err
		}
		return s.renderLetterForm(c, http.StatusUnprocessableEntity, p, form, fields)
	}
	id, outcome, err := s.issuance.CreateDraftOnce(ctx, actorOf(u), vid, p.Token, req)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderLetterForm(c, http.StatusUnprocessableEntity, p, form, fields)
	} else if err != nil {
		return err
	}
	switch outcome {
	case issuance.FormCreated:
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=dibuat", id))
	case issuance.FormRepeated:
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=sudah", id))
	default:
		// The first submission is still being processed after all the
		// waiting: show the archive, where its letter will appear, rather
		// than create a second one.
		c.Redirect(http.StatusSeeOther, "/surat?ok=diproses")
	}
	return nil
}

// mergeProblems adds the service's field messages (from err, a
// *surat.ValidationError) to the form's own and returns them as one error;
// another error is returned as it is.
func mergeProblems(p surat.Problems, err error) error {
	if err != nil {
		fields, ok := surat.FieldErrors(err)
		if !ok {
			return err
		}
		for k, v := range fields {
			p.Add(k, v)
		}
	}
	return p.Err()
}

// handleLetterEditForm shows a draft in the form.
func (s *Server) handleLetterEditForm(c *gin.Context) error {
	l, m, err := s.draftForEdit(c)
	if err != nil {
		return err
	}
	iss := s.issuance
	req, err := iss.RequestOf(l)
	if err != nil {
		return err
	}
	p := letterFormPage{Module: m, Action: fmt.Sprintf("/surat/%d/ubah", l.ID), Cancel: fmt.Sprintf("/surat/%d", l.ID),
		Version: l.Version, Edit: true, ReturnReason: l.ReturnReason}
	kept, ok, err := s.restoreLetterForm(c)
	if err != nil {
		return err
	}
	if ok {
		// The version typed against stays, so that a draft changed by
		// someone else meanwhile is still reported as a conflict.
		if v, err := strconv.Atoi(kept.Get("version")); err == nil {
			p.Version = v
		}
		p.FormError = keptNotice
		return s.renderLetterForm(c, http.StatusOK, p, kept, nil)
	}
	return s.renderLetterForm(c, http.StatusOK, p, valuesFromRequest(m, req), nil)
}

// handleLetterUpdate saves an edited draft. A draft changed meanwhile by
// someone else is a 409, not a silent overwrite.
func (s *Server) handleLetterUpdate(c *gin.Context) error {
	l, m, err := s.draftForEdit(c)
	if err != nil {
		return err
	}
	iss := s.issuance
	ctx, vid := c.Request.Context(), villageOf(c)
	form := c.Request.PostForm
	version, _ := strconv.Atoi(form.Get("version"))
	p := letterFormPage{Module: m, Action: fmt.Sprintf("/surat/%d/ubah", l.ID), Cancel: fmt.Sprintf("/surat/%d", l.ID),
		Version: version, Edit: true, ReturnReason: l.ReturnReason}
	req, problems, err := s.requestFromForm(ctx, vid, m, form)
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		_, err = iss.UpdateDraft(ctx, actorOf(currentUser(c)), vid, l.ID, version, req)
	} else {
		_, err = iss.Validate(ctx, vid, req)
		err = mergeProblems(problems, err)
	}
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderLetterForm(c, http.StatusUnprocessableEntity, p, form, fields)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=diubah", l.ID))
	return nil
}

// draftForEdit loads the :id letter of the village with its module; a
// letter past draft is a conflict explained in Indonesian.
func (s *Server) draftForEdit(c *gin.Context) (*surat.Letter, *letters.Module, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	l, err := s.store.LetterByID(c.Request.Context(), villageOf(c), id)
	if err != nil {
		return nil, nil, err
	}
	if l.Status != surat.LetterDraft {
		return nil, nil, &surat.TransitionError{LetterID: l.ID, From: l.Status, To: surat.LetterDraft, Edit: true}
	}
	// The form is the village's current module: saving the draft renders
	// it with that version.
	cat, err := s.catalogue(c)
	if err != nil {
		return nil, nil, err
	}
	m := cat.Module(l.Module)
	if m == nil {
		return nil, nil, fmt.Errorf("letter %d has unknown module %q", l.ID, l.Module)
	}
	return l, m, nil
}

// renderLetterForm fills p from the typed (or stored) values and the
// problems, and renders it.
func (s *Server) renderLetterForm(c *gin.Context, status int, p letterFormPage, v url.Values, errs map[string]string) error {
	ctx, vid := c.Request.Context(), villageOf(c)
	if errs == nil {
		errs = map[string]string{}
	}
	title := p.Module.Title
	if p.Edit {
		title = "Ubah draf: " + title
	}
	p.basePage = s.base(c, title)
	used := map[string]bool{}
	mark := func(keys ...string) {
		for _, k := range keys {
			used[k] = true
		}
	}
	for i := range p.Module.Subjects {
		sp := &p.Module.Subjects[i]
		key := letters.SubjectKey(sp.Role)
		si := subjectInput{Role: sp.Role, Label: sp.Label, Key: key, List: sp.Kind.IsList(),
			AllowsTyped: sp.Kind.AllowsTyped(), Required: sp.Required, Error: errs[key], Min: sp.Min, Max: sp.Max}
		mark(key)
		if !si.List {
			pi, err := s.personFromValues(ctx, vid, sp, key, sp.Label, v, errs)
			if err != nil {
				return err
			}
			si.One = pi
			markPerson(mark, key)
		} else {
			n := listCount(v, sp.Role)
			slots := min(max(n+1, sp.Min, 2), listMax(sp))
			for j := 1; j <= slots; j++ {
				ik := letters.SubjectKey(sp.Role, j)
				pi, err := s.personFromValues(ctx, vid, sp, ik, fmt.Sprintf("%s ke-%d", sp.Label, j), v, errs)
				if err != nil {
					return err
				}
				si.Items = append(si.Items, pi)
				mark(ik, ik+".hubungan")
				markPerson(mark, ik)
			}
		}
		p.Subjects = append(p.Subjects, si)
	}
	for i := range p.Module.Fields {
		f := &p.Module.Fields[i]
		name := letters.FieldKey(f.Name)
		mark(name)
		p.Fields = append(p.Fields, fieldInputFor(f, v.Get(name), errs[name]))
	}
	// Only officials who can sign now are offered (an active certificate
	// and a login linked to them): a letter for anyone else would be
	// approved and then stuck. The others are named with the reason.
	_, states, err := s.signerStates(ctx, vid)
	if err != nil {
		return err
	}
	p.SignerID = v.Get(signerField)
	for _, st := range states {
		if st.Ready() && st.Official.IsHead {
			p.Signers = append(p.Signers, signerOption{ID: "", Label: "Kepala desa (bawaan): " + st.Official.Name})
			break
		}
	}
	for _, st := range states {
		o := st.Official
		id := strconv.FormatInt(o.ID, 10)
		switch {
		case st.Ready():
			p.Signers = append(p.Signers, signerOption{ID: id, Label: o.Name + " — " + o.Jabatan})
		case id == p.SignerID:
			p.Signers = append(p.Signers, signerOption{ID: id, Label: o.Name + " — " + o.Jabatan + " (belum dapat menandatangani)"})
			p.Unready = append(p.Unready, o.Name+" ("+o.Jabatan+"): "+st.Why())
		case o.Active && (o.IsHead || o.CanSignAN || o.CanSignUB):
			p.Unready = append(p.Unready, o.Name+" ("+o.Jabatan+"): "+st.Why())
		}
	}
	p.NoSigner = len(p.Signers) == 0
	p.SignerError = errs[signerField]
	if p.SignerError == "" {
		p.SignerError = errs["penandatangan"]
	}
	mark(signerField, "penandatangan")
	for k, msg := range errs {
		if !used[k] {
			p.Other = append(p.Other, msg)
		}
	}
	sort.Strings(p.Other)
	if len(errs) > 0 && p.FormError == "" {
		p.FormError = "Surat belum dapat disimpan. Periksa isian yang ditandai."
	}
	s.render(c, status, "letter_form", p)
	return nil
}

func markPerson(mark func(...string), key string) {
	for _, d := range surat.PersonDetails {
		mark(surat.PersonKey(key, d))
	}
}

// listMax is the number of rows a list role may show.
func listMax(sp *letters.SubjectSpec) int {
	if sp.Max > 0 && sp.Max < maxListSlots {
		return sp.Max
	}
	return maxListSlots
}

// firstValue is the first non-empty value of key: a resident chosen among
// several candidates comes as a second value beside the picker's empty
// hidden input.
func firstValue(v url.Values, key string) string {
	for _, s := range v[key] {
		if s != "" {
			return s
		}
	}
	return ""
}

// listCount is the number of rows of list role the values fill (the last
// row with anything in it).
func listCount(v url.Values, role string) int {
	n := 0
	for j := 1; j <= maxListSlots; j++ {
		ik := letters.SubjectKey(role, j)
		if firstValue(v, ik) != "" || strings.TrimSpace(v.Get(ik+".cari")) != "" ||
			strings.TrimSpace(v.Get(surat.PersonKey(ik, surat.PersonName))) != "" {
			n = j
		}
	}
	return n
}

// personFromValues builds one person's inputs from the values, looking up
// the picked resident's label.
func (s *Server) personFromValues(ctx context.Context, vid int64, sp *letters.SubjectSpec, key, label string,
	v url.Values, errs map[string]string) (personInput, error) {
	get := func(detail string) string { return v.Get(surat.PersonKey(key, detail)) }
	pi := personInput{Key: key, Label: label, AllowsTyped: sp.Kind.AllowsTyped(), Mode: v.Get(key + ".mode"),
		ResidentID: firstValue(v, key), Search: v.Get(key + ".cari"), Relation: v.Get(key + ".hubungan"),
		Relations: sp.ItemRelations, Error: errs[key], Errors: errs,
		Person: typedPerson{Nama: get(surat.PersonName), NIK: get(surat.PersonNIK), TempatLahir: get(surat.PersonBirthPlace),
			TanggalLahir: get(surat.PersonBirthDate), Alamat: get(surat.PersonAddress),
			JenisKelamin: get(surat.PersonSex), Agama: get(surat.PersonReligion),
			Pekerjaan: get(surat.PersonOccupation), Kewarganegaraan: get(surat.PersonCitizenship)}}
	if pi.Mode != modeTyped || !pi.AllowsTyped {
		pi.Mode = modeResident
	}
	if id, err := strconv.ParseInt(pi.ResidentID, 10, 64); err == nil && id > 0 {
		r, err := s.store.ResidentByID(ctx, vid, id)
		switch {
		case errors.Is(err, surat.ErrNotFound):
			pi.ResidentID = ""
		case err != nil:
			return pi, err
		default:
			pi.ResidentLabel = residentLabel(r, s.now())
			pi.Search = r.Name
		}
	} else {
		pi.ResidentID = ""
	}
	if pi.ResidentID == "" && pi.Mode == modeResident && strings.TrimSpace(pi.Search) != "" {
		hits, _, err := s.findResidents(ctx, vid, pi.Search, 6)
		if err != nil {
			return pi, err
		}
		if len(hits) > 1 {
			pi.Candidates = hits
		}
	}
	return pi, nil
}

// fieldInputFor builds the input of a module field.
func fieldInputFor(f *letters.FieldSpec, value, msg string) fieldInput {
	in := fieldInput{Name: letters.FieldKey(f.Name), Label: f.Label, Hint: f.Hint, Value: value, Error: msg,
		Required: f.Required, Control: "input", InputType: "text", MaxLength: f.MaxLength}
	switch f.Type {
	case letters.TypeTextarea:
		in.Control = "textarea"
	case letters.TypeDate:
		in.InputType = "date"
		// A date typed as 17-08-2026 is kept as typed; the date input only
		// shows ISO values, so convert what parses.
		if d, err := surat.ParseDate(value); err == nil {
			in.Value = d.Format("2006-01-02")
		}
	case letters.TypeTime:
		in.InputType = "time"
	case letters.TypeInt:
		in.InputMode = "numeric"
	case letters.TypeMoney:
		in.InputMode = "numeric"
		if in.Hint == "" {
			in.Hint = "Dalam rupiah, mis. 1.500.000"
		}
	case letters.TypeEnum:
		in.Control = "select"
		in.Options = f.Options
	}
	if f.Default != "" && in.Hint == "" {
		in.Hint = "Bila dikosongkan: " + f.Default
	}
	return in
}

// requestFromForm turns the posted form into an issuance request. Problems
// the form itself finds (a resident name that matches several people, a
// typed birth date that is no date) come back as field messages; the
// catalogue's rules are the service's job.
func (s *Server) requestFromForm(ctx context.Context, vid int64, m *letters.Module, v url.Values) (issuance.Request, surat.Problems, error) {
	req := issuance.Request{Module: m.Code, Subjects: map[string]issuance.SubjectRef{}, Fields: map[string]string{}}
	p := surat.Problems{}
	for i := range m.Subjects {
		sp := &m.Subjects[i]
		key := letters.SubjectKey(sp.Role)
		if !sp.Kind.IsList() {
			ref, given, err := s.refFromValues(ctx, vid, sp, key, v, p)
			if err != nil {
				return req, nil, err
			}
			if given {
				req.Subjects[sp.Role] = ref
			}
			continue
		}
		var items []issuance.SubjectRef
		for j := 1; j <= listCount(v, sp.Role); j++ {
			ik := letters.SubjectKey(sp.Role, j)
			ref, given, err := s.refFromValues(ctx, vid, sp, ik, v, p)
			if err != nil {
				return req, nil, err
			}
			if given {
				ref.Relation = strings.TrimSpace(v.Get(ik + ".hubungan"))
				items = append(items, ref)
			}
		}
		if len(items) > 0 {
			req.Subjects[sp.Role] = issuance.SubjectRef{Items: items}
		}
	}
	for i := range m.Fields {
		name := m.Fields[i].Name
		req.Fields[name] = v.Get(letters.FieldKey(name))
	}
	if sid := strings.TrimSpace(v.Get(signerField)); sid != "" {
		id, err := strconv.ParseInt(sid, 10, 64)
		if err != nil || id <= 0 {
			p.Add(signerField, "Pilih pejabat penandatangan dari daftar")
		} else {
			req.SignerOfficialID = id
		}
	}
	return req, p, nil
}

// refFromValues reads one person. When the clerk typed a name or NIK but
// did not pick from the suggestions (no JavaScript, or typed too fast), the
// register is searched: one match is taken, several are offered to choose.
func (s *Server) refFromValues(ctx context.Context, vid int64, sp *letters.SubjectSpec, key string, v url.Values,
	p surat.Problems) (issuance.SubjectRef, bool, error) {
	mode := v.Get(key + ".mode")
	if mode == modeTyped && sp.Kind.AllowsTyped() {
		per, given := typedFromValues(key, v, p)
		if !given {
			return issuance.SubjectRef{}, false, nil
		}
		return issuance.SubjectRef{Person: per}, true, nil
	}
	if id, err := strconv.ParseInt(firstValue(v, key), 10, 64); err == nil && id > 0 {
		return issuance.SubjectRef{ResidentID: id}, true, nil
	}
	q := strings.TrimSpace(v.Get(key + ".cari"))
	if q == "" {
		return issuance.SubjectRef{}, false, nil
	}
	hits, total, err := s.findResidents(ctx, vid, q, 6)
	if err != nil {
		return issuance.SubjectRef{}, false, err
	}
	switch {
	case total == 0:
		p.Add(key, "Tidak ada penduduk yang cocok dengan “"+q+"”. Periksa ejaan nama atau NIK.")
	case total == 1:
		return issuance.SubjectRef{ResidentID: hits[0].ID}, true, nil
	default:
		many := fmt.Sprintf("Ada %d", total)
		if total > store.ResidentCountCap {
			many = fmt.Sprintf("Ada lebih dari %d", store.ResidentCountCap)
		}
		p.Add(key, many+" penduduk yang cocok dengan “"+q+"”; pilih salah satu.")
	}
	// Not resolved: reported above; the role counts as given so that the
	// service does not add "wajib diisi" on top.
	return issuance.SubjectRef{}, false, nil
}

// typedFromValues reads a typed identity; it is given when any of its
// inputs is filled.
func typedFromValues(key string, v url.Values, p surat.Problems) (*surat.Person, bool) {
	get := func(detail string) string { return strings.TrimSpace(v.Get(surat.PersonKey(key, detail))) }
	per := &surat.Person{Name: get(surat.PersonName), NIK: get(surat.PersonNIK), BirthPlace: get(surat.PersonBirthPlace),
		Address: get(surat.PersonAddress)}
	given := per.Name != "" || per.NIK != "" || per.BirthPlace != "" || per.Address != "" || get(surat.PersonBirthDate) != ""
	if d := get(surat.PersonBirthDate); d != "" {
		t, err := surat.ParseDate(d)
		if err != nil {
			p.Add(surat.PersonKey(key, surat.PersonBirthDate), "Tanggal lahir harus berupa tanggal yang benar (HH-BB-TTTT)")
		} else {
			per.BirthDate = t
		}
	}
	enum := func(f string, dst *int) {
		s := get(f)
		if s == "" {
			return
		}
		given = true
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1 // reported by Person.Validate as unknown
		}
		*dst = n
	}
	enum(surat.PersonSex, &per.Sex)
	enum(surat.PersonReligion, &per.Religion)
	enum(surat.PersonOccupation, &per.Occupation)
	enum(surat.PersonCitizenship, &per.Citizenship)
	return per, given
}

// valuesFromRequest is the inverse of requestFromForm, for editing a
// stored draft.
func valuesFromRequest(m *letters.Module, req issuance.Request) url.Values {
	v := url.Values{}
	put := func(key string, ref issuance.SubjectRef) {
		switch {
		case ref.Person != nil:
			ps := ref.Person
			set := func(detail, value string) { v.Set(surat.PersonKey(key, detail), value) }
			v.Set(key+".mode", modeTyped)
			set(surat.PersonName, ps.Name)
			set(surat.PersonNIK, ps.NIK)
			set(surat.PersonBirthPlace, ps.BirthPlace)
			if !ps.BirthDate.IsZero() {
				set(surat.PersonBirthDate, ps.BirthDate.Format("2006-01-02"))
			}
			set(surat.PersonAddress, ps.Address)
			for d, n := range map[string]int{surat.PersonSex: ps.Sex, surat.PersonReligion: ps.Religion,
				surat.PersonOccupation: ps.Occupation, surat.PersonCitizenship: ps.Citizenship} {
				if n != 0 {
					set(d, strconv.Itoa(n))
				}
			}
		case ref.ResidentID != 0:
			v.Set(key+".mode", modeResident)
			v.Set(key, strconv.FormatInt(ref.ResidentID, 10))
		}
		if ref.Relation != "" {
			v.Set(key+".hubungan", ref.Relation)
		}
	}
	for i := range m.Subjects {
		sp := &m.Subjects[i]
		key := letters.SubjectKey(sp.Role)
		ref, ok := req.Subjects[sp.Role]
		if !ok {
			continue
		}
		if sp.Kind.IsList() {
			for j, item := range ref.Items {
				put(key+"."+strconv.Itoa(j+1), item)
			}
			continue
		}
		put(key, ref)
	}
	for name, val := range req.Fields {
		v.Set(letters.FieldKey(name), val)
	}
	if req.SignerOfficialID != 0 {
		v.Set(signerField, strconv.FormatInt(req.SignerOfficialID, 10))
	}
	return v
}

// ---- resident picker ----

// residentHit is one resident the picker offers. It carries what a clerk
// needs to tell namesakes apart, with the NIK masked.
type residentHit struct {
	ID   int64  `json:"id"`
	Name string `json:"nama"`
	Info string `json:"info"`
}

// residentLabel is "NAME · info" for a picked resident.
func residentLabel(r *surat.Resident, now time.Time) string {
	return r.Name + " · " + residentInfo(r, now)
}

// residentInfo is the masked NIK, sex, age, address and, when not HIDUP,
// the status dasar.
func residentInfo(r *surat.Resident, now time.Time) string {
	parts := []string{"NIK " + maskNIK(r.NIK)}
	if r.Sex == surat.SexMale {
		parts = append(parts, "L")
	} else if r.Sex == surat.SexFemale {
		parts = append(parts, "P")
	}
	if !r.BirthDate.IsZero() {
		parts = append(parts, fmt.Sprintf("%d th", surat.AgeOn(r.BirthDate, now)))
	}
	if h := r.Household; h != nil {
		addr := strings.TrimSpace(h.Dusun)
		if h.RT != "" || h.RW != "" {
			addr = strings.TrimSpace(addr + " RT " + h.RT + "/RW " + h.RW)
		}
		if addr != "" {
			parts = append(parts, addr)
		}
	}
	if r.LifeStatus != surat.LifeAlive {
		parts = append(parts, surat.LifeStatus.Label(r.LifeStatus))
	}
	return strings.Join(parts, " · ")
}

// maskNIK keeps the region code and the last four digits: enough to tell
// two namesakes apart on a shared screen, not enough to copy the NIK.
func maskNIK(nik string) string {
	if len(nik) != 16 {
		return "••••"
	}
	return nik[:6] + "••••••" + nik[12:]
}

// findResidents searches the village's register for a name or a NIK/KK
// prefix and returns at most limit hits and the number of matches, which is
// store.ResidentCountCap+1 when there are more than the cap.
func (s *Server) findResidents(ctx context.Context, vid int64, q string, limit int) ([]residentHit, int64, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) < 2 {
		return []residentHit{}, 0, nil
	}
	res, err := s.store.FindResidents(ctx, vid, store.ResidentQuery{Text: q, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	now := s.now()
	hits := make([]residentHit, 0, len(res.Residents))
	for i := range res.Residents {
		r := &res.Residents[i]
		hits = append(hits, residentHit{ID: r.ID, Name: r.Name, Info: residentInfo(r, now)})
	}
	total := int64(res.Count)
	if res.CountCapped {
		total = store.ResidentCountCap + 1
	}
	return hits, total, nil
}

// residentSearchResponse is the picker's JSON.
type residentSearchResponse struct {
	Results []residentHit `json:"results"`
	Total   int64         `json:"total"`
}

// handleResidentPicker answers the picker's search: POST
// /surat/cari-penduduk with q and the CSRF token in the form, never in the
// URL, since q is often a NIK or KK number. It is part of the clerk's
// session (cookie), not of the bearer API, and answers at most ten
// residents of the village.
func (s *Server) handleResidentPicker(c *gin.Context) error {
	hits, total, err := s.findResidents(c.Request.Context(), villageOf(c), c.PostForm("q"), 10)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, residentSearchResponse{Results: hits, Total: total})
	return nil
}

// ---- the letter page ----

// letterPage shows one letter with what the user may do with it now.
type letterPage struct {
	basePage
	Letter      *surat.Letter
	ModuleTitle string
	Subjects    []labelValue
	Fields      []labelValue
	SignerName  string
	CreatedBy   string
	VerifyURL   string
	CanEdit     bool // clerk, draft
	CanSubmit   bool
	CanApprove  bool // signer, diajukan
	CanReturn   bool // signer, diajukan or disetujui
	CanSign     bool // signer, disetujui
	CanRevoke   bool // signer, ditandatangani: revokes at once
	CanReplace  bool
	HasPreview  bool // unsigned letters have a DRAF preview
	Signed      bool
	// CanAddResident offers "Tambahkan ke data penduduk" (a clerk, a
	// signed letter whose module declares new_resident).
	CanAddResident bool
	ReplacesID     int64
	ReplacedByID   int64
	// Template is the version of the module the letter is built with
	// ("Bawaan", "Desa versi 3"); TemplateNow the village's current one
	// when it differs (TemplateChanged) for a letter not signed yet.
	Template        string
	TemplateChanged bool
	TemplateNow     string
	// ActionError is a refusal of the last action; Errors hold field
	// messages of the action forms (reason, passphrase); Reason keeps a
	// typed reason.
	ActionError string
	Errors      map[string]string
	Reason      string
	Status      int

	// The workflow of issue 18 (see fillWorkflow).
	CanDelete      bool // clerk, draft
	CanWithdraw    bool // clerk, diajukan
	CanVerify      bool // the sekretaris desa, verification pending
	CanApproveSign bool // the letter's signer, diajukan and verified or needing no verification
	VerifyPending  bool
	VerifiedBy     string
	VerifiedAt     string
	// SignerNotReady says why the letter's signer cannot sign; then
	// CanChangeSigner offers SignerChoices.
	SignerNotReady  string
	CanChangeSigner bool
	SignerChoices   []signerOption
	// CanNumber offers the admin desa the manual number form.
	CanNumber     bool
	ManualCurrent string
	ManualSeq     string
	ManualReason  string
	// Request is the resident's request the letter was drafted from.
	Request *requestPanel
	// Revocation of a signed letter: a clerk asks (CanRequestRevoke), a
	// signer revokes at once (CanRevoke) or decides a pending request
	// (CanDecideRevoke). RevokeRequest is the pending request, RevokeReasons
	// the public reasons to choose from; ReasonCode and Note keep the
	// revocation form's input. RevokeLabel is the public reason of a
	// revoked letter.
	CanRequestRevoke bool
	CanDecideRevoke  bool
	RevokeRequest    *revokeRequestView
	RevokeReasons    []reasonOption
	ReasonCode       string
	Note             string
	RevokeLabel      string
}

// revokeRequestView is a pending revocation request on the letter page.
type revokeRequestView struct {
	Reason, Note, By, At string
	// ReplacedByID is the replacing letter of a request to mark the letter
	// diganti, 0 otherwise.
	ReplacedByID int64
}

// reasonOption is one public revocation reason of the form.
type reasonOption struct{ Code, Label string }

// revokeReasonOptions lists the reasons a plain revocation may give.
func revokeReasonOptions() []reasonOption {
	rs := surat.RevocationReasons()
	out := make([]reasonOption, len(rs))
	for i, r := range rs {
		out[i] = reasonOption{Code: string(r), Label: r.Label()}
	}
	return out
}

// labelValue is one line of the letter's content.
type labelValue struct{ Label, Value string }

// handleLetterShow shows a letter of the village.
func (s *Server) handleLetterShow(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	l, err := s.store.LetterByID(c.Request.Context(), villageOf(c), id)
	if err != nil {
		return err
	}
	p := letterPage{Errors: map[string]string{}}
	return s.renderLetter(c, http.StatusOK, l, p)
}

// renderLetter fills the letter page for l and the current user.
func (s *Server) renderLetter(c *gin.Context, status int, l *surat.Letter, p letterPage) error {
	iss := s.issuance
	ctx, u, vid := c.Request.Context(), currentUser(c), villageOf(c)
	p.Letter = l
	p.ModuleTitle = l.Module
	title := "Surat"
	m, err := iss.LetterModule(ctx, vid, l)
	if err != nil && !errors.Is(err, surat.ErrNotFound) {
		return err
	}
	if m != nil {
		p.ModuleTitle = m.Title
		title = m.Title
		p.Template = m.Origin.Label()
	}
	if st := l.Status; st == surat.LetterDraft || st == surat.LetterSubmitted || st == surat.LetterApproved {
		ts, err := iss.LetterTemplateStatus(ctx, vid, l)
		if err != nil {
			return err
		}
		p.TemplateChanged, p.TemplateNow = ts.Changed, ts.Current.Label()
	}
	p.basePage = s.base(c, title)
	if p.Flash == "" {
		p.Flash = notice(c)
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if m != nil {
		req, err := iss.RequestOf(l)
		if err != nil {
			return err
		}
		if p.Subjects, err = s.subjectLines(ctx, vid, m, req); err != nil {
			return err
		}
		for i := range m.Fields {
			f := &m.Fields[i]
			if v := strings.TrimSpace(req.Fields[f.Name]); v != "" {
				p.Fields = append(p.Fields, labelValue{Label: f.Label, Value: v})
			}
		}
	}
	if l.SignerOfficialID != nil {
		if o, err := s.store.OfficialByID(ctx, vid, *l.SignerOfficialID); err == nil {
			p.SignerName = o.Name + " — " + o.Jabatan
		} else if !errors.Is(err, surat.ErrNotFound) {
			return err
		}
	}
	if l.CreatedBy != nil {
		if cu, err := s.store.UserByID(ctx, *l.CreatedBy); err == nil && cu.VillageID != nil && *cu.VillageID == vid {
			p.CreatedBy = cu.Username
			if cu.FullName != "" {
				p.CreatedBy = cu.FullName
			}
		} else if err != nil && !errors.Is(err, surat.ErrNotFound) {
			return err
		}
	}
	clerk, signer := isClerk(u), isSigner(u)
	st := l.Status
	p.CanEdit = clerk && st == surat.LetterDraft
	p.CanSubmit = p.CanEdit
	p.CanApprove = signer && st == surat.LetterSubmitted
	p.CanReturn = signer && (st == surat.LetterSubmitted || st == surat.LetterApproved)
	p.CanSign = signer && st == surat.LetterApproved
	if err := s.fillRevocation(ctx, vid, l, &p, clerk, signer); err != nil {
		return err
	}
	p.CanReplace = clerk && st == surat.LetterSigned && l.ReplacedByID == nil
	p.HasPreview = st == surat.LetterDraft || st == surat.LetterSubmitted || st == surat.LetterApproved
	p.Signed = l.VerifyCode != nil && l.PDFPath != ""
	p.CanAddResident = clerk && st == surat.LetterSigned && m != nil && m.OffersNewResident()
	if err := s.fillWorkflow(ctx, u, l, &p); err != nil {
		return err
	}
	if l.VerifyCode != nil {
		p.VerifyURL = iss.VerifyURL(*l.VerifyCode)
	}
	if l.ReplacesID != nil {
		p.ReplacesID = *l.ReplacesID
	}
	if l.ReplacedByID != nil {
		p.ReplacedByID = *l.ReplacedByID
	}
	s.render(c, status, "letter_show", p)
	return nil
}

// subjectLines names the people of the letter, role by role.
func (s *Server) subjectLines(ctx context.Context, vid int64, m *letters.Module, req issuance.Request) ([]labelValue, error) {
	var out []labelValue
	name := func(ref issuance.SubjectRef) (string, error) {
		switch {
		case ref.Person != nil:
			return ref.Person.Name + " (bukan penduduk desa)", nil
		case ref.ResidentID != 0:
			r, err := s.store.ResidentByID(ctx, vid, ref.ResidentID)
			if errors.Is(err, surat.ErrNotFound) {
				return "(penduduk tidak ditemukan)", nil
			}
			if err != nil {
				return "", err
			}
			return residentLabel(r, s.now()), nil
		}
		return "", nil
	}
	for i := range m.Subjects {
		sp := &m.Subjects[i]
		ref, ok := req.Subjects[sp.Role]
		if !ok {
			continue
		}
		if sp.Kind.IsList() {
			for j, item := range ref.Items {
				n, err := name(item)
				if err != nil {
					return nil, err
				}
				if item.Relation != "" {
					n += " — " + item.Relation
				}
				out = append(out, labelValue{Label: fmt.Sprintf("%s %d", sp.Label, j+1), Value: n})
			}
			continue
		}
		n, err := name(ref)
		if err != nil {
			return nil, err
		}
		out = append(out, labelValue{Label: sp.Label, Value: n})
	}
	return out, nil
}

// handleLetterSubmit sends a draft for approval.
func (s *Server) handleLetterSubmit(c *gin.Context) error {
	return s.letterAction(c, "diajukan", func(ctx context.Context, a surat.Actor, vid, id int64) (*surat.Letter, error) {
		return s.issuance.Submit(ctx, a, vid, id)
	})
}

// letterAction runs a status change on the :id letter and redirects to it
// with a notice; a refusal the clerk can understand (wrong status, missing
// signer, reason) is shown on the letter page.
func (s *Server) letterAction(c *gin.Context, ok string,
	act func(ctx context.Context, a surat.Actor, vid, id int64) (*surat.Letter, error)) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, vid := c.Request.Context(), villageOf(c)
	l, err := act(ctx, actorOf(currentUser(c)), vid, id)
	if err == nil {
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("/surat/%d?ok=%s", l.ID, ok))
		return nil
	}
	return s.letterRefusal(c, id, err, letterPage{Reason: strings.TrimSpace(c.Request.PostFormValue("reason"))})
}

// letterRefusal shows the letter again with the reason an action was
// refused, when the refusal is one the user can act on (see
// inlineRefusal); other errors go to the error page. Status and words are
// the error table's, as on the API.
func (s *Server) letterRefusal(c *gin.Context, id int64, err error, p letterPage) error {
	pr := classify(err, s.now())
	if !inlineRefusal(pr) {
		return err
	}
	s.logProblem(c, pr, err)
	s.retryAfter(c, pr)
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	for k, v := range pr.Fields {
		p.Errors[k] = v
	}
	p.ActionError = pr.Message
	if msg := pr.Fields[signerField]; msg != "" {
		p.ActionError = msg
	}
	l, lerr := s.store.LetterByID(c.Request.Context(), villageOf(c), id)
	if lerr != nil {
		return errors.Join(err, lerr)
	}
	return s.renderLetter(c, pr.Status, l, p)
}

// handleLetterPreview renders the DRAF PDF of an unsigned letter inline. It
// may be framed by our own letter page, nothing else.
func (s *Server) handleLetterPreview(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	iss := s.issuance
	b, err := iss.DraftPDF(c.Request.Context(), villageOf(c), id)
	if err != nil {
		return err
	}
	writePDF(c, b, fmt.Sprintf("draf-surat-%d.pdf", id), true)
	return nil
}

// writePDF sends a PDF, inline (viewed in the browser, framable by our own
// pages) or as a download. name must hold no personal data.
func writePDF(c *gin.Context, b []byte, name string, inline bool) {
	disp := "attachment"
	if inline {
		disp = "inline"
		c.Header("X-Frame-Options", "SAMEORIGIN")
		c.Header("Content-Security-Policy", "frame-ancestors 'self'")
	}
	c.Header("Content-Disposition", fmt.Sprintf(`%s; filename="%s"`, disp, name))
	c.Data(http.StatusOK, "application/pdf", b)
}
