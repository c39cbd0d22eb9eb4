package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// loginForm is the login form's input.
type loginForm struct {
	Username string `form:"username"`
	Password string `form:"password"`
}

// loginPage is the login form, with the username kept after a failure.
type loginPage struct {
	basePage
	Username string
	// Error is a message about the whole form (wrong password, lock-out).
	Error  string
	Errors map[string]string
}

// handleHome sends a visitor where they belong: first-run setup, the
// dashboard, or the login page.
func (s *Server) handleHome(c *gin.Context) error {
	open, err := s.setupOpen(c.Request.Context())
	switch {
	case err != nil:
		return err
	case open:
		c.Redirect(http.StatusSeeOther, "/setup")
	case currentUser(c) != nil:
		c.Redirect(http.StatusSeeOther, "/dashboard")
	default:
		c.Redirect(http.StatusSeeOther, "/login")
	}
	return nil
}

// handleLoginForm shows the login form.
func (s *Server) handleLoginForm(c *gin.Context) error {
	open, err := s.setupOpen(c.Request.Context())
	if err != nil {
		return err
	}
	if open {
		c.Redirect(http.StatusSeeOther, "/setup")
		return nil
	}
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/dashboard")
		return nil
	}
	return s.renderLogin(c, http.StatusOK, loginPage{})
}

func (s *Server) renderLogin(c *gin.Context, status int, p loginPage) error {
	tok, err := s.anonCSRFToken(c)
	if err != nil {
		return err
	}
	p.basePage = s.base(c, "Masuk")
	p.CSRFToken = tok
	s.render(c, status, "login", p)
	return nil
}

// handleLogin checks the credentials and, on success, starts a new session
// (dropping any previous one, so a planted session id is worthless) and
// redirects to the dashboard.
func (s *Server) handleLogin(c *gin.Context) error {
	var f loginForm
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	f.Username = normalizeUsername(f.Username)
	p := loginPage{Username: f.Username, Errors: map[string]string{}}
	if f.Username == "" {
		p.Errors["username"] = "Nama pengguna wajib diisi"
	}
	if f.Password == "" {
		p.Errors["password"] = "Kata sandi wajib diisi"
	}
	if len(p.Errors) > 0 {
		return s.renderLogin(c, http.StatusUnprocessableEntity, p)
	}
	ctx := c.Request.Context()
	u, err := s.authenticate(ctx, f.Username, f.Password)
	var locked *lockedError
	switch {
	case errors.Is(err, errInvalidCredentials):
		// 422 rather than 401: the form was read but its content is
		// refused, and a 401 would demand a WWW-Authenticate challenge
		// that a login form does not have.
		p.Error = classify(err, s.now()).Message
		return s.renderLogin(c, http.StatusUnprocessableEntity, p)
	case errors.As(err, &locked):
		pr := classify(err, s.now())
		c.Header("Retry-After", fmt.Sprint(pr.RetryAfter))
		p.Error = pr.Message
		return s.renderLogin(c, pr.Status, p)
	case err != nil:
		return err
	}
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		if err := s.store.DeleteSession(ctx, auth.TokenHash(old)); err != nil {
			return err
		}
	}
	token, _, err := s.newSession(ctx, u.ID, sessionKindWeb, webSessionTTL)
	if err != nil {
		return err
	}
	// The cookie outlives the session by the time a form posted after the
	// expiry may still be kept for this session (keepFormWhenSignedOut);
	// the server refuses the expired session itself.
	s.setCookie(c, sessionCookie, token, webSessionTTL+store.SignedOutStashSessionAge)
	s.log.InfoContext(ctx, "login", "user_id", u.ID)
	// Back to a form kept when the previous session expired, if any.
	target, err := s.afterLogin(c, u)
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, target)
	return nil
}

// handleLogout ends the browser session. Without a live session there is
// nothing to end and it simply goes to the login page, so an expired
// session never shows a CSRF error for pressing "Keluar".
func (s *Server) handleLogout(c *gin.Context) error {
	sess := currentSession(c)
	if sess == nil {
		c.Redirect(http.StatusSeeOther, "/login")
		return nil
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	if err := s.store.DeleteSession(c.Request.Context(), sess.TokenHash); err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, "", -1)
	s.setFlash(c, "logged_out")
	c.Redirect(http.StatusSeeOther, "/login")
	return nil
}

// normalizeUsername trims and lower-cases a typed username; stored names
// are lower case.
func normalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// authenticate checks a username and password for both the login form and
// the token endpoint. It returns errInvalidCredentials for an unknown user,
// a disabled account or a wrong password alike, taking about as long in
// each case, and a *lockedError while the account is locked. The fifth
// consecutive wrong password locks the account for lockoutDuration.
func (s *Server) authenticate(ctx context.Context, username, password string) (*surat.User, error) {
	u, err := s.store.UserByUsername(ctx, username)
	if errors.Is(err, surat.ErrNotFound) {
		// Spend the time a real check costs, so response times do not tell
		// which usernames exist. The result is meaningless by design.
		_ = auth.Verify(password, s.dummyHash)
		return nil, errInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if u.LockedUntil != nil && u.LockedUntil.After(s.now()) {
		_ = auth.Verify(password, s.dummyHash) // same cost as any other attempt
		return nil, &lockedError{Until: *u.LockedUntil}
	}
	err = auth.Verify(password, u.PasswordHash)
	switch {
	case errors.Is(err, auth.ErrMismatch):
		if u.Disabled {
			return nil, errInvalidCredentials
		}
		until, err := s.store.RecordLoginFailure(ctx, u.ID, maxLoginFailures, lockoutDuration)
		if err != nil {
			return nil, err
		}
		if until != nil {
			s.log.WarnContext(ctx, "account locked", "user_id", u.ID)
			return nil, &lockedError{Until: *until}
		}
		return nil, errInvalidCredentials
	case err != nil:
		return nil, fmt.Errorf("verify password of user %d: %w", u.ID, err)
	case u.Disabled:
		return nil, errInvalidCredentials
	}
	if err := s.store.RecordLoginSuccess(ctx, u.ID); err != nil {
		return nil, err
	}
	return u, nil
}
