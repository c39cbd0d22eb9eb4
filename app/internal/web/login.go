package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
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
	u, err := s.authenticate(ctx, f.Username, f.Password, clientAddress(c))
	switch {
	case errors.Is(err, errInvalidCredentials):
		// 422 rather than 401: the form was read but its content is
		// refused, and a 401 would demand a WWW-Authenticate challenge
		// that a login form does not have.
		p.Error = classify(err, s.now()).Message
		return s.renderLogin(c, http.StatusUnprocessableEntity, p)
	case err != nil:
		// A lock, a limit or busy hashing slots: the form again, with the
		// wait in words and in Retry-After.
		pr := classify(err, s.now())
		if pr.RetryAfter <= 0 {
			return err
		}
		c.Header("Retry-After", fmt.Sprint(pr.RetryAfter))
		p.Error = pr.Message
		return s.renderLogin(c, pr.Status, p)
	}
	if old, err := s.cookie(c, sessionCookie); err == nil && old != "" {
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
	// The pre-login CSRF seed is spent: the session has its own token.
	s.setCookie(c, csrfCookie, "", -1)
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

// The staff login limits. Every attempt is counted in the database before
// the password is checked (package attempt), so parallel guesses cannot
// overtake the count; unknown usernames are counted exactly like known
// ones, by a keyed hash of the typed name.
const (
	// maxLoginFailures wrong passwords from one client address on one
	// username within lockoutDuration lock that username for that address
	// only: guesses from elsewhere cannot lock the kepala desa out. As many
	// attempts of the pair may be checked in the window (loginRules), so
	// that parallel guesses cannot overtake the count; while right ones
	// still being checked fill it, the next is told to retry in a moment
	// (authenticate).
	maxLoginFailures = 5
	lockoutDuration  = 15 * time.Minute
	// maxAccountAttempts attempts on one username from all addresses
	// together within accountWindow slow the account down for everybody
	// until the window ends (at most a minute): enough to stop a
	// distributed guesser, never a lock-out.
	maxAccountAttempts = 10
	accountWindow      = time.Minute
	// maxLoginAttemptsPerIP failed logins from one address within
	// loginIPWindow, whatever usernames they name, block that address
	// until the window ends.
	maxLoginAttemptsPerIP = 30
	loginIPWindow         = 15 * time.Minute
)

// loginRules are the limits of one staff login attempt, in the order they
// are counted: the client address, the username from that address, the
// username from everywhere.
func (s *Server) loginRules(username, ip string) []attempt.Rule {
	return []attempt.Rule{
		{Bucket: s.attempts.Bucket("login-ip", ip), Max: maxLoginAttemptsPerIP, Window: loginIPWindow},
		{Bucket: s.attempts.Bucket("login-pair", username, ip), Max: maxLoginFailures, Window: lockoutDuration},
		{Bucket: s.attempts.Bucket("login-acct", username), Max: maxAccountAttempts, Window: accountWindow},
	}
}

// loginLockouts are the locks of the client address and of the username
// from that address: their tries are loginRules' first two rules, and only
// their wrong passwords lock.
func (s *Server) loginLockouts(rules []attempt.Rule, username, ip string) (address, pair attempt.Lockout) {
	return attempt.NewLockout(rules[0], s.attempts.Bucket("login-ip-failed", ip)),
		attempt.NewLockout(rules[1], s.attempts.Bucket("login-pair-failed", username, ip))
}

// authenticate checks a username and password from the client address ip
// for both the login form and the token endpoint. Before any password is
// checked the attempt is counted (loginRules): over a limit it is a
// *rateLimitedError (the address), a *lockedError (the username from this
// address) or a *loginThrottledError (the username from everywhere), and
// the password is not checked at all. Otherwise exactly one Argon2id
// verification runs, against the account's hash or a dummy hash with the
// same parameters, inside a hashing slot (auth.ErrBusy when none is free,
// and the attempt is not counted). An unknown user, a disabled account or
// a wrong password all return errInvalidCredentials, except the attempt
// that uses up the last try, which returns the *lockedError at once; the
// answers, their timing and the locks are the same for unknown usernames.
//
// The address's and the pair's attempts in the window are bounded as they
// start, but only their wrong passwords block or lock them
// (loginLockouts): an API client asking for tokens from several workers
// at once, or an office's staff behind one address signing in at the
// start of the day, with the right passwords, fill a bound while their
// attempts are still checked, and the next is auth.ErrBusy (503, retry in
// a moment), not a block or lock-out of 15 minutes.
func (s *Server) authenticate(ctx context.Context, username, password, ip string) (*surat.User, error) {
	rules := s.loginRules(username, ip)
	address, lock := s.loginLockouts(rules, username, ip)
	counted, err := s.attempts.Take(ctx, rules...)
	var limit *attempt.LimitError
	switch {
	case errors.As(err, &limit) && limit.Rule.Bucket == rules[0].Bucket:
		return nil, s.attempts.Refusal(ctx, address, &rateLimitedError{Retry: limit.Until.Sub(s.now())})
	case errors.As(err, &limit) && limit.Rule.Bucket == rules[1].Bucket:
		return nil, s.attempts.Refusal(ctx, lock, &lockedError{Until: limit.Until})
	case errors.As(err, &limit):
		return nil, &loginThrottledError{Until: limit.Until}
	case err != nil:
		return nil, err
	}
	u, err := s.store.UserByUsername(ctx, username)
	if err != nil && !errors.Is(err, surat.ErrNotFound) {
		return nil, err
	}
	hash := s.dummyHash
	if err == nil {
		hash = u.PasswordHash
	} else {
		u = nil
	}
	err = s.hashing.Verify(password, hash)
	switch {
	case errors.Is(err, auth.ErrBusy):
		// Nothing was checked, so nothing counts.
		if rerr := s.attempts.Refund(ctx, rules[0].Bucket, rules[1].Bucket, rules[2].Bucket); rerr != nil {
			return nil, rerr
		}
		return nil, err
	case errors.Is(err, auth.ErrMismatch) || u == nil || u.Disabled:
		// The address's failure blocks its next attempts; this one is
		// answered as a wrong password still.
		if _, err := s.attempts.Failed(ctx, address); err != nil {
			return nil, err
		}
		// The lock lasts as long as the tries' window, which began no
		// later than the failures'.
		locked, err := s.attempts.Failed(ctx, lock)
		if err != nil {
			return nil, err
		}
		if locked {
			if u != nil {
				s.log.WarnContext(ctx, "account locked for one address", "user_id", u.ID)
				if err := s.store.AuditLock(ctx, u.VillageID, "user", u.ID,
					"locked for one client address after repeated failed logins"); err != nil {
					return nil, err
				}
			}
			return nil, &lockedError{Until: counted[1].WindowEnds}
		}
		return nil, errInvalidCredentials
	case err != nil:
		return nil, fmt.Errorf("verify password of user %d: %w", u.ID, err)
	}
	// A right password: the failures of this address on this account no
	// longer count, and this attempt counts against no limit.
	if err := s.attempts.Forget(ctx, lock.Tries.Bucket, lock.Failures.Bucket); err != nil {
		return nil, err
	}
	if err := s.attempts.Refund(ctx, rules[0].Bucket, rules[2].Bucket); err != nil {
		return nil, err
	}
	if err := s.store.RecordLoginSuccess(ctx, u.ID); err != nil {
		return nil, err
	}
	return u, nil
}
