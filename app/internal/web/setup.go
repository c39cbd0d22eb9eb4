package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The first-run setup code limits: wrong codes per client address, and
// from all addresses together, per window.
const (
	maxSetupAttemptsPerIP = 10
	maxSetupAttempts      = 100
	setupWindow           = 15 * time.Minute
)

// setupForm is first-run setup's input: the one-time code, the village
// profile and the first admin.
type setupForm struct {
	SetupCode string `form:"setup_code"`
	villageForm
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
	return s.renderSetup(c, http.StatusOK, setupPage{Form: setupForm{villageForm: villageForm{Sebutan: "Desa", SebutanKab: "Kabupaten"}}})
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
	f.SetupCode = strings.TrimSpace(f.SetupCode)
	f.normalize()

	// Every try of the code is counted in the database before the code is
	// compared: per client address, and from everywhere together.
	rules := []attempt.Rule{
		{Bucket: s.attempts.Bucket("setup-ip", clientAddress(c)), Max: maxSetupAttemptsPerIP, Window: setupWindow},
		{Bucket: s.attempts.Bucket("setup-all"), Max: maxSetupAttempts, Window: setupWindow},
	}
	var limit *attempt.LimitError
	if _, err := s.attempts.Take(ctx, rules...); errors.As(err, &limit) {
		return &rateLimitedError{Retry: limit.Until.Sub(s.now())}
	} else if err != nil {
		return err
	}
	v := f.village()
	p := surat.Problems{}
	typed := strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(f.SetupCode))
	if subtle.ConstantTimeCompare([]byte(typed), []byte(strings.ToUpper(s.setupCode))) != 1 {
		p.Add("setup_code", "Kode pengaturan salah. Pakai kode yang dicetak saat server dijalankan.")
	} else if err := s.attempts.Refund(ctx, rules[0].Bucket, rules[1].Bucket); err != nil {
		// The right code: only wrong ones count.
		return err
	}
	f.check(p, v, "Nama lengkap wajib diisi")
	s.checkPrintable(p, villageTexts(v)...)
	if len(p) > 0 {
		return s.renderSetup(c, http.StatusUnprocessableEntity, setupPage{Form: f, Errors: p})
	}

	hash, err := s.hashing.Hash(f.Password, s.params)
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
