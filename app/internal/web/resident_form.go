package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// A form posted after the session expired is not lost: keepFormWhenSignedOut
// stores its fields server-side under a random key (form_stashes, so every
// replica behind a load balancer finds it), puts the key in a short-lived
// HttpOnly cookie and sends the browser to the login page. After login,
// afterLogin gives the stash to the user and returns to the form, whose GET
// handler fills it from the stash once. Nothing is saved until the clerk
// presses Simpan again.
const (
	resumeCookie = "suratdesa_resume"
	resumeTTL    = 30 * time.Minute
	// maxStashBytes bounds what a signed-out POST may leave in the database.
	maxStashBytes = 16 << 10
)

// residentFormValues is the resident form as typed, kept verbatim so that a
// rejected form comes back with exactly the user's input. Field names are
// the validation messages' keys.
type residentFormValues struct {
	NIK           string `form:"nik"`
	Name          string `form:"name"`
	BirthPlace    string `form:"birth_place"`
	BirthDate     string `form:"birth_date"`
	Sex           string `form:"sex"`
	Religion      string `form:"religion"`
	MaritalStatus string `form:"marital_status"`
	Relation      string `form:"relation"`
	Education     string `form:"education"`
	Occupation    string `form:"occupation"`
	Citizenship   string `form:"citizenship"`
	BloodType     string `form:"blood_type"`
	FatherName    string `form:"father_name"`
	MotherName    string `form:"mother_name"`
	Phone         string `form:"phone"`
	NoKK          string `form:"no_kk"`
	Address       string `form:"address"`
	RT            string `form:"rt"`
	RW            string `form:"rw"`
	Dusun         string `form:"dusun"`
	Version       string `form:"version"`
	// ConfirmNIK carries the token of the NIK warnings the clerk accepted.
	ConfirmNIK string `form:"konfirmasi_nik"`
}

// formEnum reads a select's value: an id, or anything else as a label that
// will not resolve (and so is reported as unknown).
func formEnum(v string) enumInput {
	v = strings.TrimSpace(v)
	if v == "" {
		return enumInput{}
	}
	if n, err := strconv.Atoi(v); err == nil {
		return enumInput{ID: n}
	}
	return enumInput{Label: v}
}

// input converts the form to the API's input, so both check the register
// rules the same way.
func (f residentFormValues) input() residentInput {
	v, _ := strconv.Atoi(strings.TrimSpace(f.Version))
	return residentInput{NIK: f.NIK, Name: f.Name, BirthPlace: f.BirthPlace, BirthDate: f.BirthDate,
		Sex: formEnum(f.Sex), Religion: formEnum(f.Religion), MaritalStatus: formEnum(f.MaritalStatus),
		Relation: formEnum(f.Relation), Education: formEnum(f.Education), Occupation: formEnum(f.Occupation),
		Citizenship: formEnum(f.Citizenship), BloodType: formEnum(f.BloodType),
		FatherName: f.FatherName, MotherName: f.MotherName, Phone: f.Phone, Version: v,
		NoKK: f.NoKK, Address: f.Address, RT: f.RT, RW: f.RW, Dusun: f.Dusun}
}

func enumValue(id int) string {
	if id == 0 {
		return ""
	}
	return strconv.Itoa(id)
}

// residentValues is the form filled from a stored resident.
func residentValues(r *surat.Resident) residentFormValues {
	f := residentFormValues{NIK: r.NIK, Name: r.Name, BirthPlace: r.BirthPlace,
		Sex: enumValue(r.Sex), Religion: enumValue(r.Religion), MaritalStatus: enumValue(r.MaritalStatus),
		Relation: enumValue(r.Relation), Education: enumValue(r.Education), Occupation: enumValue(r.Occupation),
		Citizenship: enumValue(r.Citizenship), BloodType: enumValue(r.BloodType),
		FatherName: r.FatherName, MotherName: r.MotherName, Phone: r.Phone, Version: strconv.Itoa(r.Version)}
	if !r.BirthDate.IsZero() {
		f.BirthDate = r.BirthDate.Format(dateLayout)
	}
	if h := r.Household; h != nil {
		f.NoKK, f.Address, f.RT, f.RW, f.Dusun = h.NoKK, h.Address, h.RT, h.RW, h.Dusun
	}
	return f
}

// conflictRow is one field that differs between the clerk's input and the
// version another clerk saved meanwhile.
type conflictRow struct{ Label, Mine, Theirs string }

// selectView is one labelled select of the resident form.
type selectView struct {
	Name, Label, Value, Error string
	Required                  bool
	Options                   []surat.Option
}

// residentFormPage is /penduduk/baru and /penduduk/:id/ubah.
type residentFormPage struct {
	basePage
	Action     string
	Editing    bool
	ResidentID int64
	Form       residentFormValues
	Errors     map[string]string
	// Warnings are NIK mismatches the clerk must confirm before saving;
	// WarningToken goes into the confirmation checkbox.
	Warnings     []string
	WarningToken string
	// Conflict lists the differences with the version saved meanwhile.
	Conflict []conflictRow
	Restored bool
	Dusuns   []string
}

// Select builds a select of enumeration e for the template.
func (p residentFormPage) Select(name string, required bool) (selectView, error) {
	enums := map[string]surat.Enum{"sex": surat.Sex, "religion": surat.Religion, "marital_status": surat.MaritalStatus,
		"relation": surat.FamilyRelation, "education": surat.Education, "occupation": surat.Occupation,
		"citizenship": surat.Citizenship, "blood_type": surat.BloodType}
	e, ok := enums[name]
	if !ok {
		return selectView{}, fmt.Errorf("no enumeration for field %q", name)
	}
	vals := map[string]string{"sex": p.Form.Sex, "religion": p.Form.Religion, "marital_status": p.Form.MaritalStatus,
		"relation": p.Form.Relation, "education": p.Form.Education, "occupation": p.Form.Occupation,
		"citizenship": p.Form.Citizenship, "blood_type": p.Form.BloodType}
	return selectView{Name: name, Label: e.Title, Value: vals[name], Error: p.Errors[name], Required: required,
		Options: e.Options}, nil
}

// warningToken names a set of NIK warnings, so a confirmation covers only
// the warnings the clerk actually saw.
func warningToken(ws []string) string {
	sum := sha256.Sum256([]byte(strings.Join(ws, "\n")))
	return hex.EncodeToString(sum[:8])
}

func (s *Server) newResidentFormPage(c *gin.Context, title string) (residentFormPage, error) {
	ds, err := s.store.Dusuns(c.Request.Context(), villageOf(c))
	return residentFormPage{basePage: s.base(c, title), Errors: map[string]string{}, Dusuns: ds}, err
}

// handleResidentNew shows the empty form, or the input kept from before a
// login.
func (s *Server) handleResidentNew(c *gin.Context) error {
	p, err := s.newResidentFormPage(c, "Tambah penduduk")
	if err != nil {
		return err
	}
	p.Action = "/penduduk/baru"
	p.Form.Citizenship = enumValue(surat.CitizenWNI)
	if kept, ok, err := s.restoreForm(c); err != nil {
		return err
	} else if ok {
		p.Form, p.Restored = kept, true
	}
	s.render(c, http.StatusOK, "resident_form", p)
	return nil
}

// handleResidentCreate adds a resident: 303 to the new resident, or the
// form again with field errors (422) or NIK warnings to confirm (422).
func (s *Server) handleResidentCreate(c *gin.Context) error {
	var f residentFormValues
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	p, err := s.newResidentFormPage(c, "Tambah penduduk")
	if err != nil {
		return err
	}
	p.Action, p.Form = "/penduduk/baru", f
	r, h, err := f.input().toDomain(s.now(), nil)
	if err == nil && s.needsConfirmation(&p, r) {
		s.render(c, http.StatusUnprocessableEntity, "resident_form", p)
		return nil
	}
	if err == nil {
		err = s.store.CreateResident(c.Request.Context(), actorOf(currentUser(c)), villageOf(c), r, h)
	}
	if fields, ok := surat.FieldErrors(err); ok {
		p.Errors = fields
		s.render(c, http.StatusUnprocessableEntity, "resident_form", p)
		return nil
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penduduk/%d?pesan=dibuat", r.ID))
	return nil
}

// needsConfirmation puts r's NIK warnings on the page and reports true
// when the clerk has not yet confirmed exactly these warnings.
func (s *Server) needsConfirmation(p *residentFormPage, r *surat.Resident) bool {
	ws := r.Warnings()
	if len(ws) == 0 {
		return false
	}
	tok := warningToken(ws)
	if p.Form.ConfirmNIK == tok {
		return false
	}
	p.Warnings, p.WarningToken = ws, tok
	return true
}

// handleResidentEdit shows a resident of the village in the form.
func (s *Server) handleResidentEdit(c *gin.Context) error {
	r, err := s.routeResident(c)
	if err != nil {
		return err
	}
	id := r.ID
	p, err := s.newResidentFormPage(c, "Ubah data "+r.Name)
	if err != nil {
		return err
	}
	p.Action, p.Editing, p.ResidentID, p.Form = fmt.Sprintf("/penduduk/%d/ubah", id), true, id, residentValues(r)
	if kept, ok, err := s.restoreForm(c); err != nil {
		return err
	} else if ok {
		p.Form, p.Restored = kept, true
	}
	s.render(c, http.StatusOK, "resident_form", p)
	return nil
}

// handleResidentUpdate saves the form over a resident of the village when
// nobody saved it since the form was loaded: 303 to the resident, 422 with
// field errors or NIK warnings, or 409 with the form kept and the fields
// another clerk changed meanwhile shown side by side. After a 409 the form
// carries the current version, so pressing Simpan again deliberately
// replaces the colleague's values.
func (s *Server) handleResidentUpdate(c *gin.Context) error {
	prev, err := s.routeResident(c)
	if err != nil {
		return err
	}
	ctx, vid, id := c.Request.Context(), villageOf(c), prev.ID
	var f residentFormValues
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	p, err := s.newResidentFormPage(c, "Ubah data "+prev.Name)
	if err != nil {
		return err
	}
	p.Action, p.Editing, p.ResidentID, p.Form = fmt.Sprintf("/penduduk/%d/ubah", id), true, id, f
	in := f.input()
	r, h, err := in.toDomain(s.now(), prev)
	if err == nil && in.Version <= 0 {
		err = &surat.ValidationError{Fields: map[string]string{"form": "Formulir ini tidak membawa versi data; muat ulang halaman ubah."}}
	}
	if err == nil && s.needsConfirmation(&p, r) {
		s.render(c, http.StatusUnprocessableEntity, "resident_form", p)
		return nil
	}
	if err == nil {
		r.ID = id
		err = s.store.UpdateResident(ctx, actorOf(currentUser(c)), vid, r, h)
	}
	switch fields, ok := surat.FieldErrors(err); {
	case ok:
		p.Errors = fields
		s.render(c, http.StatusUnprocessableEntity, "resident_form", p)
		return nil
	case errors.Is(err, surat.ErrConflict):
		cur, err := s.store.ResidentByID(ctx, vid, id)
		if err != nil {
			return err
		}
		p.Conflict = conflictRows(f, residentValues(cur))
		p.Form.Version = strconv.Itoa(cur.Version)
		s.render(c, http.StatusConflict, "resident_form", p)
		return nil
	case err != nil:
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penduduk/%d?pesan=disimpan", id))
	return nil
}

// conflictRows lists the fields where mine differs from theirs, with
// enumeration ids shown as labels.
func conflictRows(mine, theirs residentFormValues) []conflictRow {
	label := func(e surat.Enum, v string) string {
		if n, err := strconv.Atoi(v); err == nil && e.Valid(n) {
			return e.Label(n)
		}
		return v
	}
	rows := []struct {
		label   string
		m, t    string
		enum    *surat.Enum
		enumVal bool
	}{
		{"NIK", mine.NIK, theirs.NIK, nil, false},
		{"Nama lengkap", mine.Name, theirs.Name, nil, false},
		{"Tempat lahir", mine.BirthPlace, theirs.BirthPlace, nil, false},
		{"Tanggal lahir", mine.BirthDate, theirs.BirthDate, nil, false},
		{surat.Sex.Title, mine.Sex, theirs.Sex, &surat.Sex, true},
		{surat.Religion.Title, mine.Religion, theirs.Religion, &surat.Religion, true},
		{surat.MaritalStatus.Title, mine.MaritalStatus, theirs.MaritalStatus, &surat.MaritalStatus, true},
		{surat.FamilyRelation.Title, mine.Relation, theirs.Relation, &surat.FamilyRelation, true},
		{surat.Education.Title, mine.Education, theirs.Education, &surat.Education, true},
		{surat.Occupation.Title, mine.Occupation, theirs.Occupation, &surat.Occupation, true},
		{surat.Citizenship.Title, mine.Citizenship, theirs.Citizenship, &surat.Citizenship, true},
		{surat.BloodType.Title, mine.BloodType, theirs.BloodType, &surat.BloodType, true},
		{"Nama ayah", mine.FatherName, theirs.FatherName, nil, false},
		{"Nama ibu", mine.MotherName, theirs.MotherName, nil, false},
		{"Telepon", mine.Phone, theirs.Phone, nil, false},
		{"No. KK", mine.NoKK, theirs.NoKK, nil, false},
		{"Alamat", mine.Address, theirs.Address, nil, false},
		{"RT", mine.RT, theirs.RT, nil, false},
		{"RW", mine.RW, theirs.RW, nil, false},
		{"Dusun", mine.Dusun, theirs.Dusun, nil, false},
	}
	var out []conflictRow
	for _, r := range rows {
		m, t := strings.TrimSpace(r.m), strings.TrimSpace(r.t)
		if r.enumVal {
			m, t = label(*r.enum, m), label(*r.enum, t)
		}
		if m != t {
			out = append(out, conflictRow{Label: r.label, Mine: m, Theirs: t})
		}
	}
	return out
}

// keepFormWhenSignedOut lets a signed-in request through. For a POST
// whose session has expired it keeps the form's fields (see resumeCookie)
// for that session's user and redirects to the login page instead of
// failing. A cross-site POST is refused (403): nobody else's page may plant
// input into a clerk's form. A browser that was never signed in is sent
// to the login page and nothing is kept; a session that keeps
// store.MaxStashesPerSession forms already is refused (429).
func (s *Server) keepFormWhenSignedOut(c *gin.Context) error {
	if currentUser(c) != nil {
		return nil
	}
	if err := http.NewCrossOriginProtection().Check(c.Request); err != nil {
		return fmt.Errorf("signed-out form post: %v: %w", err, surat.ErrForbidden)
	}
	sessionKey, err := c.Cookie(sessionCookie)
	if err != nil || sessionKey == "" {
		c.Redirect(http.StatusSeeOther, "/login")
		c.Abort()
		return nil
	}
	if err := c.Request.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooBig
		}
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	kept := url.Values{}
	for k, v := range c.Request.PostForm {
		if k != csrfField {
			kept[k] = v
		}
	}
	data := kept.Encode()
	if len(data) > maxStashBytes {
		return &http.MaxBytesError{Limit: maxStashBytes}
	}
	key, err := auth.NewToken(24)
	if err != nil {
		return err
	}
	err = s.store.SaveSignedOutStash(c.Request.Context(), auth.TokenHash(sessionKey),
		&store.FormStash{KeyHash: auth.TokenHash(key), Path: c.Request.URL.Path, Data: data}, resumeTTL)
	switch {
	case errors.Is(err, surat.ErrUnauthorized):
		c.Redirect(http.StatusSeeOther, "/login")
		c.Abort()
		return nil
	case errors.Is(err, store.ErrStashQuota):
		return &surat.LimitError{Msg: fmt.Sprintf("Sudah ada %d formulir yang disimpan sejak sesi Anda berakhir. Masuk lagi untuk melanjutkan; isian ini tidak disimpan.",
			store.MaxStashesPerSession)}
	case err != nil:
		return err
	}
	s.setCookie(c, resumeCookie, key, resumeTTL)
	s.log.InfoContext(c.Request.Context(), "form kept for after login", "path", c.Request.URL.Path)
	c.Redirect(http.StatusSeeOther, "/login")
	c.Abort()
	return nil
}

// afterLogin is where a fresh login goes: back to the form kept by
// keepFormWhenSignedOut when this browser has one, else the dashboard.
func (s *Server) afterLogin(c *gin.Context, u *surat.User) (string, error) {
	key, err := s.cookie(c, resumeCookie)
	if err != nil || key == "" {
		return "/dashboard", nil
	}
	st, err := s.store.ClaimFormStash(c.Request.Context(), auth.TokenHash(key), u.ID)
	switch {
	case errors.Is(err, surat.ErrNotFound):
		s.setCookie(c, resumeCookie, "", -1)
		return "/dashboard", nil
	case err != nil:
		return "", err
	}
	if !strings.HasPrefix(st.Path, "/") || strings.HasPrefix(st.Path, "//") {
		return "/dashboard", nil
	}
	return st.Path, nil
}

// restoreForm returns the resident form kept for this browser and user at
// the current path, once: the stash is deleted and the cookie cleared.
func (s *Server) restoreForm(c *gin.Context) (residentFormValues, bool, error) {
	var f residentFormValues
	key, err := s.cookie(c, resumeCookie)
	if err != nil || key == "" {
		return f, false, nil
	}
	ctx := c.Request.Context()
	uid := currentUser(c).ID
	st, err := s.store.FormStashFor(ctx, auth.TokenHash(key), uid)
	switch {
	case errors.Is(err, surat.ErrNotFound):
		s.setCookie(c, resumeCookie, "", -1)
		return f, false, nil
	case err != nil:
		return f, false, err
	case st.Path != c.Request.URL.Path:
		return f, false, nil
	}
	if err := s.store.DeleteFormStash(ctx, st.KeyHash, uid); err != nil {
		return f, false, err
	}
	s.setCookie(c, resumeCookie, "", -1)
	vals, err := url.ParseQuery(st.Data)
	if err != nil {
		return f, false, fmt.Errorf("kept form: %w", err)
	}
	get := vals.Get
	f = residentFormValues{NIK: get("nik"), Name: get("name"), BirthPlace: get("birth_place"), BirthDate: get("birth_date"),
		Sex: get("sex"), Religion: get("religion"), MaritalStatus: get("marital_status"), Relation: get("relation"),
		Education: get("education"), Occupation: get("occupation"), Citizenship: get("citizenship"),
		BloodType: get("blood_type"), FatherName: get("father_name"), MotherName: get("mother_name"),
		Phone: get("phone"), NoKK: get("no_kk"), Address: get("address"), RT: get("rt"), RW: get("rw"),
		Dusun: get("dusun"), Version: get("version")}
	return f, true, nil
}
