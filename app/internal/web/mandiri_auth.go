package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Layanan Mandiri sessions. A resident signs in with NIK and a 6-digit
// PIN, plus the kode desa when the deployment serves more than one village
// (the policy is package mandiri's). Resident sessions live in their own
// table under their own cookie, so a resident's session or token can never
// open a staff route, and a staff session never opens a resident page.
const (
	mandiriCookie     = "suratdesa_mandiri"
	mandiriSessionTTL = 4 * time.Hour
	mandiriTokenTTL   = 30 * 24 * time.Hour
)

// Keys of the resident's values in the gin context.
const (
	ctxResident        = "suratdesa.resident"
	ctxResidentSession = "suratdesa.resident_session"
)

// errPINChangeRequired means the resident still has the PIN a clerk issued
// and must choose their own before doing anything else.
var errPINChangeRequired = errors.New("resident must change the issued PIN")

// currentResident is the signed-in resident with their account, or nil.
func currentResident(c *gin.Context) *store.ResidentLogin {
	if v, ok := c.Get(ctxResident); ok {
		return v.(*store.ResidentLogin)
	}
	return nil
}

func currentResidentSession(c *gin.Context) *store.ResidentSession {
	if v, ok := c.Get(ctxResidentSession); ok {
		return v.(*store.ResidentSession)
	}
	return nil
}

// residentLoginProblem is the answer to a refused resident login (wrong
// NIK or PIN, a lock-out, too many failures from the address, a PIN not
// checked yet because the server is busy), the same for the form and the
// API; ok is false for other errors.
func (s *Server) residentLoginProblem(err error) (problem, bool) {
	var (
		locked  *mandiri.LockedError
		blocked *mandiri.IPBlockedError
	)
	if errors.Is(err, mandiri.ErrInvalidCredentials) || errors.As(err, &locked) || errors.As(err, &blocked) ||
		errors.Is(err, auth.ErrBusy) {
		return classify(err, s.now()), true
	}
	return problem{}, false
}

// newResidentSession starts a resident session of kind and returns its
// secret token; only the token's hash is stored.
func (s *Server) newResidentSession(ctx context.Context, accountID int64, kind string, ttl time.Duration) (string, *store.ResidentSession, error) {
	token, csrf, err := sessionTokens(kind == sessionKindWeb)
	if err != nil {
		return "", nil, err
	}
	sess := &store.ResidentSession{TokenHash: auth.TokenHash(token), Kind: kind, AccountID: accountID,
		CSRFToken: csrf, ExpiresAt: s.now().UTC().Add(ttl), CreatedAt: s.now().UTC()}
	if err := s.store.CreateResidentSession(ctx, sess); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// loadResident puts the resident of the mandiri cookie into the context
// when it names a live session, and drops a cookie that does not.
func (s *Server) loadResident(c *gin.Context) error {
	return loadCookieSession(s, c, mandiriCookie, s.store.ResidentSessionLogin, ctxResidentSession, ctxResident)
}

// requireResident sends visitors without a resident session to the
// resident login, and a resident who still has the issued PIN to the PIN
// change form.
func (s *Server) requireResident(c *gin.Context) error {
	login := currentResident(c)
	get := c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead
	switch {
	case login == nil && get:
		c.Redirect(http.StatusSeeOther, "/mandiri/masuk")
		c.Abort()
		return nil
	case login == nil:
		return surat.ErrUnauthorized
	case login.Account.MustChange && c.FullPath() != "/mandiri/pin":
		if get {
			c.Redirect(http.StatusSeeOther, "/mandiri/pin")
			c.Abort()
			return nil
		}
		return fmt.Errorf("%w: %w", errPINChangeRequired, surat.ErrForbidden)
	}
	return nil
}

// residentCSRF checks the csrf_token of a signed-in resident's form against
// the resident session's token.
func (s *Server) residentCSRF(c *gin.Context) error {
	if err := parseForm(c); err != nil {
		return err
	}
	got := c.Request.PostFormValue(csrfField)
	sess := currentResidentSession(c)
	if got == "" || sess == nil || sess.CSRFToken == "" ||
		subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
		return errCSRF
	}
	return nil
}

// requireResidentBearer authenticates a resident API request by its bearer
// token (a resident "api" session). Staff tokens are not resident tokens
// and get 401 here, as resident tokens do on staff routes.
func (s *Server) requireResidentBearer(c *gin.Context) error {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return surat.ErrUnauthorized
	}
	sess, login, err := s.store.ResidentSessionLogin(c.Request.Context(), auth.TokenHash(token), sessionKindAPI)
	if errors.Is(err, surat.ErrNotFound) {
		return fmt.Errorf("resident bearer token: %w", surat.ErrUnauthorized)
	}
	if err != nil {
		return err
	}
	c.Set(ctxResident, login)
	c.Set(ctxResidentSession, sess)
	if login.Account.MustChange && c.FullPath() != "/api/v1/mandiri/pin" {
		c.AbortWithStatusJSON(http.StatusForbidden, errorBody{Error: "pin_change_required",
			Message: "Ganti PIN dari petugas dengan PIN pilihan Anda sendiri lebih dulu (POST /api/v1/mandiri/pin)."})
		return nil
	}
	return nil
}
