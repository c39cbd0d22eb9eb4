package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Session and login policy.
const (
	sessionCookie = "suratdesa_session"
	csrfCookie    = "suratdesa_csrf"
	flashCookie   = "suratdesa_flash"
	csrfField     = "csrf_token"

	sessionKindWeb = "web"
	sessionKindAPI = "api"
	webSessionTTL  = 12 * time.Hour
	apiTokenTTL    = 30 * 24 * time.Hour
)

// Keys of values handlers find in the gin context.
const (
	ctxUser    = "suratdesa.user"
	ctxSession = "suratdesa.session"
	ctxAnonTok = "suratdesa.anon_csrf"
)

// flashMessages are the only notices a flash cookie can carry: the cookie
// holds the key, never free text.
var flashMessages = map[string]string{
	"setup_done": "Pengaturan awal selesai. Silakan masuk dengan akun admin yang baru dibuat.",
	"logged_out": "Anda telah keluar.",
}

func csrfKeyFrom(secret string) ([]byte, error) {
	if secret != "" {
		return []byte(secret), nil
	}
	// Without a configured secret (tests, or main not passing one) forms
	// shown before login are signed with a key that lives as long as the
	// process: a restart merely asks users to reload the login page.
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("web: csrf key: %w", err)
	}
	return k, nil
}

// hostPrefix is the cookie name prefix that browsers accept only on a
// Secure cookie set by this very host for Path=/ without a Domain: a
// sibling subdomain cannot plant or overwrite such a cookie.
const hostPrefix = "__Host-"

// cookieName is the name of the cookie name on the wire: with the __Host-
// prefix when the public URL is HTTPS.
func (s *Server) cookieName(name string) string {
	if s.cfg.Secure() {
		return hostPrefix + name
	}
	return name
}

// cookie reads the cookie name (under its wire name, see cookieName).
func (s *Server) cookie(c *gin.Context, name string) (string, error) {
	return c.Cookie(s.cookieName(name))
}

// setCookie sets an HttpOnly, SameSite=Lax cookie for the whole site, Secure
// and __Host- prefixed when the public URL is HTTPS. maxAge < 0 deletes it.
func (s *Server) setCookie(c *gin.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: s.cookieName(name), Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.Secure()}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else {
		ck.MaxAge = int(maxAge.Seconds())
		ck.Expires = s.now().Add(maxAge)
	}
	http.SetCookie(c.Writer, ck)
}

// currentUser is the signed-in user, or nil.
func currentUser(c *gin.Context) *surat.User {
	if v, ok := c.Get(ctxUser); ok {
		return v.(*surat.User)
	}
	return nil
}

// currentSession is the browser session or API token in use, or nil.
func currentSession(c *gin.Context) *store.Session {
	if v, ok := c.Get(ctxSession); ok {
		return v.(*store.Session)
	}
	return nil
}

// actorOf is the domain actor for the signed-in user.
func actorOf(u *surat.User) surat.Actor {
	a := surat.Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	if u.VillageID != nil {
		a.VillageID = *u.VillageID
	}
	return a
}

// newSession creates a session of kind for the user and returns its secret
// token; only the token's hash is stored.
func (s *Server) newSession(ctx context.Context, userID int64, kind string, ttl time.Duration) (string, *store.Session, error) {
	// Bearer requests carry no cookies, so an API session needs no CSRF
	// token.
	token, csrf, err := sessionTokens(kind != sessionKindAPI)
	if err != nil {
		return "", nil, err
	}
	sess := &store.Session{TokenHash: auth.TokenHash(token), Kind: kind, UserID: userID, CSRFToken: csrf,
		ExpiresAt: s.now().UTC().Add(ttl), CreatedAt: s.now().UTC()}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// sessionTokens returns a new session's secret token and, when withCSRF,
// its CSRF token ("" otherwise).
func sessionTokens(withCSRF bool) (token, csrf string, err error) {
	if token, err = auth.NewToken(32); err != nil {
		return "", "", err
	}
	if withCSRF {
		if csrf, err = auth.NewToken(32); err != nil {
			return "", "", err
		}
	}
	return token, csrf, nil
}

// loadSession puts the browser session's user into the context when the
// session cookie names a live session, and drops a cookie that does not.
func (s *Server) loadSession(c *gin.Context) error {
	return loadCookieSession(s, c, sessionCookie, s.store.SessionUser, ctxSession, ctxUser)
}

// loadCookieSession looks up the web session named by the cookie with
// lookup and puts the session and its login into the context under
// sessKey and loginKey; a cookie that names no live session is dropped.
func loadCookieSession[S, L any](s *Server, c *gin.Context, cookie string,
	lookup func(ctx context.Context, tokenHash, kind string) (S, L, error), sessKey, loginKey string) error {
	ck, err := s.cookie(c, cookie)
	if err != nil || ck == "" {
		return nil
	}
	sess, login, err := lookup(c.Request.Context(), auth.TokenHash(ck), sessionKindWeb)
	switch {
	case errors.Is(err, surat.ErrNotFound):
		s.setCookie(c, cookie, "", -1)
		return nil
	case err != nil:
		return err
	}
	c.Set(loginKey, login)
	c.Set(sessKey, sess)
	return nil
}

// requireUser sends visitors without a session to the login page.
func (s *Server) requireUser(c *gin.Context) error {
	if currentUser(c) != nil {
		return nil
	}
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Redirect(http.StatusSeeOther, "/login")
		c.Abort()
		return nil
	}
	return surat.ErrUnauthorized
}

// anonCSRFToken is the CSRF token for forms shown before login (login and
// setup). The browser gets a random cookie; the form carries an HMAC of it,
// so a token cannot be forged without the server's secret even by someone
// who can plant cookies.
func (s *Server) anonCSRFToken(c *gin.Context) (string, error) {
	if v, ok := c.Get(ctxAnonTok); ok {
		return v.(string), nil
	}
	seed, err := s.cookie(c, csrfCookie)
	if err != nil || len(seed) < 32 {
		if seed, err = auth.NewToken(32); err != nil {
			return "", err
		}
		s.setCookie(c, csrfCookie, seed, webSessionTTL)
	}
	tok := s.signCSRF(seed)
	c.Set(ctxAnonTok, tok)
	return tok, nil
}

func (s *Server) signCSRF(seed string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf:" + seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// parseForm parses a form post, multipart or not, for the CSRF checks: an
// oversized body is its *http.MaxBytesError, any other failure a bad
// request.
func parseForm(c *gin.Context) error {
	var err error
	if c.ContentType() == "multipart/form-data" {
		err = c.Request.ParseMultipartForm(8 << 20)
	} else {
		err = c.Request.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooBig
		}
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	return nil
}

// anonCSRFForms are the only forms that take the anonymous CSRF token (an
// HMAC of a cookie): the ones shown before anyone is signed in. Every other
// form needs the token of the session that showed it, so a token obtained
// with a planted cookie opens no authenticated form.
var anonCSRFForms = map[string]bool{"/login": true, "/setup": true, "/mandiri/masuk": true}

// checkCSRF compares the form's csrf_token with the session's token, or,
// on the forms shown before login (anonCSRFForms), with the HMAC of the
// CSRF cookie. It parses the form, so an oversized body is reported here as
// *http.MaxBytesError.
func (s *Server) checkCSRF(c *gin.Context) error {
	if err := parseForm(c); err != nil {
		return err
	}
	got := c.Request.PostFormValue(csrfField)
	if got == "" {
		return errCSRF
	}
	if sess := currentSession(c); sess != nil && sess.CSRFToken != "" &&
		subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) == 1 {
		return nil
	}
	if !anonCSRFForms[c.FullPath()] {
		return errCSRF
	}
	if seed, err := s.cookie(c, csrfCookie); err == nil && seed != "" &&
		subtle.ConstantTimeCompare([]byte(got), []byte(s.signCSRF(seed))) == 1 {
		return nil
	}
	return errCSRF
}

// setFlash shows the notice named key on the next page.
func (s *Server) setFlash(c *gin.Context, key string) {
	s.setCookie(c, flashCookie, key, time.Minute)
}

// takeFlash returns and clears the pending notice, if any.
func (s *Server) takeFlash(c *gin.Context) string {
	key, err := s.cookie(c, flashCookie)
	if err != nil || key == "" {
		return ""
	}
	s.setCookie(c, flashCookie, "", -1)
	return flashMessages[key]
}
