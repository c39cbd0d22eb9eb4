package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Staff accounts of /pengaturan/pengguna: a village admin creates accounts
// with a role, resets passwords and disables accounts. Which official a
// penandatangan signs as is not theirs to set: only the CA holder's
// approval of the official's own enrolment links the two (see
// enrolment.go), so an official_id in these forms is ignored.

// villageRoles are the roles a village admin can give.
var villageRoles = []surat.Role{surat.RoleAdminDesa, surat.RoleOperator, surat.RoleSigner}

// userForm is an account as the create and edit forms submit it.
type userForm struct {
	Username        string `form:"username"`
	FullName        string `form:"full_name"`
	Role            string `form:"role"`
	Disabled        bool   `form:"disabled"`
	Email           string `form:"email"`
	Password        string `form:"password"`
	PasswordConfirm string `form:"password_confirm"`
}

// officialChoice is one official in a select.
type officialChoice struct{ Value, Label string }

// userRow is an account in the list.
type userRow struct {
	surat.User
	Official string
}

// usersPage lists the accounts with a form for a new one; with Editing set
// it edits one account.
type usersPage struct {
	basePage
	Tabs    []settingsTab
	Users   []userRow
	Editing *surat.User
	Self    bool // Editing is the signed-in admin
	Form    userForm
	Errors  map[string]string
	Roles   []surat.Role
	// LinkedOfficial names the official the edited penandatangan signs
	// as, shown read-only.
	LinkedOfficial string
}

// handleUsers lists the village's accounts.
func (s *Server) handleUsers(c *gin.Context) error {
	return s.renderUsers(c, http.StatusOK, userForm{Role: string(surat.RoleOperator)}, nil)
}

func (s *Server) renderUsers(c *gin.Context, status int, f userForm, errs map[string]string) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	us, err := s.store.VillageUsers(ctx, vid)
	if err != nil {
		return err
	}
	names, err := s.officialNames(ctx, vid)
	if err != nil {
		return err
	}
	f.Password, f.PasswordConfirm = "", ""
	p := usersPage{basePage: s.base(c, "Pengguna"), Tabs: settingsTabs("/pengaturan/pengguna"), Form: f, Errors: errs,
		Roles: villageRoles}
	for _, u := range us {
		r := userRow{User: u}
		if u.OfficialID != nil {
			r.Official = names[*u.OfficialID]
		}
		p.Users = append(p.Users, r)
	}
	s.settingsNotice(c, &p.basePage)
	s.render(c, status, "settings_users", p)
	return nil
}

// parseUserForm reads the role of the form.
func parseUserForm(f *userForm, p surat.Problems) surat.Role {
	role := surat.Role(f.Role)
	valid := false
	for _, r := range villageRoles {
		valid = valid || r == role
	}
	if !valid {
		p.Add("role", "Pilih peran: admin desa, operator atau penandatangan")
	}
	if len([]rune(f.FullName)) > 100 {
		p.Add("full_name", "Nama lengkap paling banyak 100 karakter")
	} else if msg := surat.ValidateName(f.FullName); msg != "" {
		p.Add("full_name", msg)
	}
	return role
}

// handleUserCreate adds an account to the village.
func (s *Server) handleUserCreate(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	var f userForm
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	f.Username, f.FullName = normalizeUsername(f.Username), strings.TrimSpace(f.FullName)
	p := surat.Problems{}
	if f.Username == "" {
		p.Add("username", "Nama pengguna wajib diisi")
	}
	if f.FullName == "" {
		p.Add("full_name", "Nama lengkap wajib diisi")
	}
	role := parseUserForm(&f, p)
	if msg := auth.ValidatePassword(f.Password, f.Username, f.FullName, s.villageName(c.Request.Context(), vid)); msg != "" {
		p.Add("password", msg)
	} else if f.Password != f.PasswordConfirm {
		p.Add("password_confirm", "Ulangi kata sandi yang sama")
	}
	if len(p) > 0 {
		return s.renderUsers(c, http.StatusUnprocessableEntity, f, p)
	}
	hash, err := s.hashing.Hash(f.Password, s.params)
	if err != nil {
		return err
	}
	u := &surat.User{Username: f.Username, FullName: f.FullName, PasswordHash: hash, Role: role, VillageID: &vid,
		Email: strings.TrimSpace(f.Email)}
	err = s.store.CreateUser(ctx, actorOf(currentUser(c)), u)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderUsers(c, http.StatusUnprocessableEntity, f, fields)
	}
	if err != nil {
		return err
	}
	redirectWithNotice(c, "/pengaturan/pengguna", "pengguna")
	return nil
}

// editedUser is the account named by :id, of the admin's village.
func (s *Server) editedUser(c *gin.Context) (int64, *surat.User, error) {
	vid, err := adminVillage(c)
	if err != nil {
		return 0, nil, err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return 0, nil, err
	}
	u, err := s.store.VillageUser(c.Request.Context(), vid, id)
	return vid, u, err
}

// handleUserForm shows one account for editing.
func (s *Server) handleUserForm(c *gin.Context) error {
	vid, u, err := s.editedUser(c)
	if err != nil {
		return err
	}
	f := userForm{Username: u.Username, FullName: u.FullName, Role: string(u.Role), Disabled: u.Disabled, Email: u.Email}
	return s.renderUser(c, http.StatusOK, vid, u, f, nil)
}

func (s *Server) renderUser(c *gin.Context, status int, vid int64, u *surat.User, f userForm, errs map[string]string) error {
	names, err := s.officialNames(c.Request.Context(), vid)
	if err != nil {
		return err
	}
	f.Password, f.PasswordConfirm = "", ""
	p := usersPage{basePage: s.base(c, "Ubah pengguna"), Tabs: settingsTabs("/pengaturan/pengguna"), Editing: u,
		Self: u.ID == currentUser(c).ID, Form: f, Errors: errs, Roles: villageRoles}
	if u.OfficialID != nil {
		p.LinkedOfficial = names[*u.OfficialID]
	}
	s.render(c, status, "settings_user", p)
	return nil
}

// handleUserUpdate saves an account's name, role, official and status.
func (s *Server) handleUserUpdate(c *gin.Context) error {
	vid, u, err := s.editedUser(c)
	if err != nil {
		return err
	}
	var f userForm
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	f.Username, f.FullName = u.Username, strings.TrimSpace(f.FullName)
	p := surat.Problems{}
	role := parseUserForm(&f, p)
	if u.ID == currentUser(c).ID && (role != surat.RoleAdminDesa || f.Disabled) {
		// An admin who demotes or disables themselves may leave the
		// village without anyone who can manage it.
		p.Add("role", "Anda tidak dapat mengubah peran atau menonaktifkan akun Anda sendiri")
	}
	if len(p) > 0 {
		return s.renderUser(c, http.StatusUnprocessableEntity, vid, u, f, p)
	}
	_, err = s.store.UpdateVillageUser(c.Request.Context(), actorOf(currentUser(c)), vid, u.ID,
		store.UserChange{FullName: f.FullName, Role: role, Disabled: f.Disabled, Email: f.Email})
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderUser(c, http.StatusUnprocessableEntity, vid, u, f, fields)
	}
	if err != nil {
		return err
	}
	redirectWithNotice(c, "/pengaturan/pengguna", "pengguna")
	return nil
}

// villageName is the name of village vid for the password rule, "" when
// it cannot be read (the rule then merely knows one word less).
func (s *Server) villageName(ctx context.Context, vid int64) string {
	v, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return ""
	}
	return v.Name
}

// handleUserPassword sets a new password for an account and ends its
// sessions.
func (s *Server) handleUserPassword(c *gin.Context) error {
	vid, u, err := s.editedUser(c)
	if err != nil {
		return err
	}
	pw, confirm := c.PostForm("password"), c.PostForm("password_confirm")
	p := surat.Problems{}
	if msg := auth.ValidatePassword(pw, u.Username, u.FullName, s.villageName(c.Request.Context(), vid)); msg != "" {
		p.Add("password", msg)
	} else if pw != confirm {
		p.Add("password_confirm", "Ulangi kata sandi yang sama")
	}
	if len(p) > 0 {
		f := userForm{Username: u.Username, FullName: u.FullName, Role: string(u.Role), Disabled: u.Disabled, Email: u.Email}
		return s.renderUser(c, http.StatusUnprocessableEntity, vid, u, f, p)
	}
	hash, err := s.hashing.Hash(pw, s.params)
	if err != nil {
		return err
	}
	if err := s.store.ResetVillageUserPassword(c.Request.Context(), actorOf(currentUser(c)), vid, u.ID, hash); err != nil {
		return err
	}
	if u.ID == currentUser(c).ID {
		// The admin's own sessions are gone too: start again at login.
		c.Redirect(http.StatusSeeOther, "/login")
		return nil
	}
	redirectWithNotice(c, "/pengaturan/pengguna", "sandi")
	return nil
}
