package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Officials (perangkat desa) of /pengaturan/pejabat: who may appear in a
// letter's signer block and in which role: the kepala desa in their own
// name, the sekretaris "a.n. Kepala Desa", a kasi or kaur "u.b.".

// Signing roles of an official as the form names them.
const (
	signRoleNone = ""
	signRoleHead = "kepala"
	signRoleAN   = "an"
	signRoleUB   = "ub"
)

// signRoleChoice is one option of the signing-role select.
type signRoleChoice struct{ Value, Label string }

var signRoleChoices = []signRoleChoice{
	{signRoleHead, "Kepala desa (menandatangani atas nama sendiri)"},
	{signRoleAN, "Sekretaris / a.n. Kepala Desa"},
	{signRoleUB, "Kasi / Kaur (u.b.)"},
	{signRoleNone, "Tidak menandatangani surat"},
}

// signRoleOf is the form value of an official's signing role.
func signRoleOf(o *surat.Official) string {
	switch {
	case o.IsHead:
		return signRoleHead
	case o.CanSignAN:
		return signRoleAN
	case o.CanSignUB:
		return signRoleUB
	}
	return signRoleNone
}

// signRoleLabel is the short label of an official's signing role.
func signRoleLabel(o *surat.Official) string {
	switch signRoleOf(o) {
	case signRoleHead:
		return "Kepala desa"
	case signRoleAN:
		return "a.n. (sekretaris)"
	case signRoleUB:
		return "u.b. (kasi/kaur)"
	}
	return "—"
}

// officialForm is an official as the form submits it.
type officialForm struct {
	Name    string `form:"name"`
	Jabatan string `form:"jabatan"`
	NIP     string `form:"nip"`
	Role    string `form:"role"`
	Active  bool   `form:"active"`
}

// officialRow is an official in the list.
type officialRow struct {
	surat.Official
	RoleLabel string
}

// officialsPage lists the officials with a form for a new one; the same
// struct edits one official when Editing is set.
type officialsPage struct {
	basePage
	Tabs      []settingsTab
	Officials []officialRow
	Editing   *surat.Official
	Form      officialForm
	Errors    map[string]string
	Roles     []signRoleChoice
}

// handleOfficials lists the village's officials.
func (s *Server) handleOfficials(c *gin.Context) error {
	return s.renderOfficials(c, http.StatusOK, officialForm{Active: true}, nil)
}

func (s *Server) renderOfficials(c *gin.Context, status int, f officialForm, errs map[string]string) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	os, err := s.store.Officials(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	p := officialsPage{basePage: s.base(c, "Pejabat desa"), Tabs: settingsTabs("/pengaturan/pejabat"), Form: f,
		Errors: errs, Roles: signRoleChoices}
	for i := range os {
		p.Officials = append(p.Officials, officialRow{Official: os[i], RoleLabel: signRoleLabel(&os[i])})
	}
	s.settingsNotice(c, &p.basePage)
	s.render(c, status, "settings_officials", p)
	return nil
}

// officialFromForm applies the form to o.
func officialFromForm(f officialForm, o *surat.Official) {
	o.Name, o.Jabatan, o.NIP, o.Active = f.Name, f.Jabatan, f.NIP, f.Active
	o.IsHead, o.CanSignAN, o.CanSignUB = f.Role == signRoleHead, f.Role == signRoleAN, f.Role == signRoleUB
}

// bindOfficial reads the form and checks the role value, and that letters
// can print the name and jabatan.
func (s *Server) bindOfficial(c *gin.Context) (officialForm, surat.Problems, error) {
	var f officialForm
	if err := c.ShouldBind(&f); err != nil {
		return f, nil, &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	p := surat.Problems{}
	switch f.Role {
	case signRoleNone, signRoleHead, signRoleAN, signRoleUB:
	default:
		p.Add("role", "Pilih peran penandatanganan dari daftar")
	}
	s.checkPrintable(p, printableText{"name", "Nama", f.Name}, printableText{"jabatan", "Jabatan", f.Jabatan})
	return f, p, nil
}

// handleOfficialCreate adds an official.
func (s *Server) handleOfficialCreate(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	f, p, err := s.bindOfficial(c)
	if err != nil {
		return err
	}
	if len(p) > 0 {
		return s.renderOfficials(c, http.StatusUnprocessableEntity, f, p)
	}
	var o surat.Official
	officialFromForm(f, &o)
	err = s.store.SaveOfficial(c.Request.Context(), actorOf(currentUser(c)), vid, &o)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderOfficials(c, http.StatusUnprocessableEntity, f, fields)
	}
	if err != nil {
		return err
	}
	redirectWithNotice(c, "/pengaturan/pejabat", "pejabat")
	return nil
}

// handleOfficialForm shows one official for editing.
func (s *Server) handleOfficialForm(c *gin.Context) error {
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.store.OfficialByID(c.Request.Context(), vid, id)
	if err != nil {
		return err
	}
	f := officialForm{Name: o.Name, Jabatan: o.Jabatan, NIP: o.NIP, Role: signRoleOf(o), Active: o.Active}
	return s.renderOfficial(c, http.StatusOK, o, f, nil)
}

func (s *Server) renderOfficial(c *gin.Context, status int, o *surat.Official, f officialForm, errs map[string]string) error {
	p := officialsPage{basePage: s.base(c, "Ubah pejabat"), Tabs: settingsTabs("/pengaturan/pejabat"), Editing: o,
		Form: f, Errors: errs, Roles: signRoleChoices}
	s.render(c, status, "settings_official", p)
	return nil
}

// handleOfficialUpdate saves one official.
func (s *Server) handleOfficialUpdate(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.store.OfficialByID(ctx, vid, id)
	if err != nil {
		return err
	}
	f, p, err := s.bindOfficial(c)
	if err != nil {
		return err
	}
	if len(p) > 0 {
		return s.renderOfficial(c, http.StatusUnprocessableEntity, o, f, p)
	}
	no := *o
	officialFromForm(f, &no)
	err = s.store.SaveOfficial(ctx, actorOf(currentUser(c)), vid, &no)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderOfficial(c, http.StatusUnprocessableEntity, o, f, fields)
	}
	if err != nil {
		return err
	}
	redirectWithNotice(c, "/pengaturan/pejabat", "pejabat")
	return nil
}

// officialLabel names an official in selects: name and jabatan.
func officialLabel(o surat.Official) string {
	l := o.Name + " — " + o.Jabatan
	if !o.Active {
		l += " (nonaktif)"
	}
	return l
}

// idString formats an id for a form value.
func idString(id int64) string { return strconv.FormatInt(id, 10) }
