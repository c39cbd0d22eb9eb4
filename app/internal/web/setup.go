package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// setupForm is first-run setup's input: the one-time code, the village
// profile and the first admin.
type setupForm struct {
	SetupCode       string `form:"setup_code"`
	Code            string `form:"code"`
	Name            string `form:"name"`
	Sebutan         string `form:"sebutan"`
	Kecamatan       string `form:"kecamatan"`
	Kabupaten       string `form:"kabupaten"`
	SebutanKab      string `form:"sebutan_kab"`
	Provinsi        string `form:"provinsi"`
	Address         string `form:"address"`
	FullName        string `form:"full_name"`
	Username        string `form:"username"`
	Password        string `form:"password"`
	PasswordConfirm string `form:"password_confirm"`
}

// setupPage is the setup form with the input kept and field messages.
type setupPage struct {
	basePage
	Form   setupForm
	Errors map[string]string
}

// handleSetupForm shows first-run setup while no user exists; afterwards
// the page does not exist.
func (s *Server) handleSetupForm(c *gin.Context) error {
	open, err := s.setupOpen(c.Request.Context())
	if err != nil {
		return err
	}
	if !open {
		return surat.ErrNotFound
	}
	return s.renderSetup(c, http.StatusOK, setupPage{Form: setupForm{Sebutan: "Desa", SebutanKab: "Kabupaten"}})
}

func (s *Server) renderSetup(c *gin.Context, status int, p setupPage) error {
	tok, err := s.anonCSRFToken(c)
	if err != nil {
		return err
	}
	p.basePage = s.base(c, "Pengaturan awal")
	p.CSRFToken = tok
	p.Form.Password, p.Form.PasswordConfirm, p.Form.SetupCode = "", "", ""
	s.render(c, status, "setup", p)
	return nil
}

// handleSetup creates the village and its first admin in one transaction,
// then sends the new admin to the login page.
func (s *Server) handleSetup(c *gin.Context) error {
	ctx := c.Request.Context()
	open, err := s.setupOpen(ctx)
	if err != nil {
		return err
	}
	if !open {
		return surat.ErrNotFound
	}
	var f setupForm
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	for _, p := range []*string{&f.SetupCode, &f.Code, &f.Name, &f.Sebutan, &f.Kecamatan, &f.Kabupaten,
		&f.SebutanKab, &f.Provinsi, &f.Address, &f.FullName} {
		*p = strings.TrimSpace(*p)
	}
	f.Username = normalizeUsername(f.Username)

	v := &surat.Village{Code: f.Code, Name: f.Name, Sebutan: f.Sebutan, Kecamatan: f.Kecamatan,
		Kabupaten: f.Kabupaten, SebutanKab: f.SebutanKab, Provinsi: f.Provinsi, Address: f.Address,
		NumberFormat: surat.DefaultNumberFormat, NumberScope: "module", Paper: "F4"}
	p := surat.Problems{}
	if subtle.ConstantTimeCompare([]byte(strings.ToUpper(f.SetupCode)), []byte(strings.ToUpper(s.setupCode))) != 1 {
		p.Add("setup_code", "Kode pengaturan salah. Pakai kode yang dicetak saat server dijalankan.")
	}
	if fields, ok := surat.FieldErrors(v.Validate()); ok {
		for k, msg := range fields {
			p.Add(k, msg)
		}
	}
	if len([]rune(v.Address)) > 200 {
		p.Add("address", "Alamat paling banyak 200 karakter")
	}
	if f.FullName == "" {
		p.Add("full_name", "Nama lengkap wajib diisi")
	} else if len([]rune(f.FullName)) > 100 {
		p.Add("full_name", "Nama lengkap paling banyak 100 karakter")
	}
	if f.Username == "" {
		p.Add("username", "Nama pengguna wajib diisi")
	}
	if msg := auth.ValidatePassword(f.Password); msg != "" {
		p.Add("password", msg)
	} else if f.Password != f.PasswordConfirm {
		p.Add("password_confirm", "Ulangi kata sandi yang sama")
	}
	if len(p) > 0 {
		return s.renderSetup(c, http.StatusUnprocessableEntity, setupPage{Form: f, Errors: p})
	}

	hash, err := auth.Hash(f.Password, s.params)
	if err != nil {
		return err
	}
	u := &surat.User{Username: f.Username, FullName: f.FullName, PasswordHash: hash}
	err = s.store.SetupFirstAdmin(ctx, v, u)
	if fields, ok := surat.FieldErrors(err); ok {
		return s.renderSetup(c, http.StatusUnprocessableEntity, setupPage{Form: f, Errors: fields})
	}
	if errors.Is(err, surat.ErrConflict) {
		// Someone finished setup a moment ago.
		s.setupDone.Store(true)
		return surat.ErrNotFound
	}
	if err != nil {
		return err
	}
	s.setupDone.Store(true)
	s.log.InfoContext(ctx, "first-run setup done", "village_id", v.ID, "user_id", u.ID)
	s.setFlash(c, "setup_done")
	c.Redirect(http.StatusSeeOther, "/login")
	return nil
}
