package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Layanan Mandiri login policy. A resident signs in with NIK and a 6-digit
// PIN, plus the kode desa when the deployment serves more than one village
// (NIKs are unique per village only). Resident sessions live in their own
// table under their own cookie, so a resident's session or token can never
// open a staff route, and a staff session never opens a resident page.
const (
	mandiriCookie     = "suratdesa_mandiri"
	mandiriSessionTTL = 4 * time.Hour
	mandiriTokenTTL   = 30 * 24 * time.Hour

	// maxPINFailures wrong PINs in a row lock an account for
	// lockoutDuration (the same 15 minutes as staff accounts).
	maxPINFailures = 5
	// maxIPFailures failed resident logins from one client IP within
	// ipFailureWindow block further attempts from it until the window
	// ends, whatever NIK they name.
	maxIPFailures   = 20
	ipFailureWindow = 15 * time.Minute
)

// Keys of the resident's values in the gin context.
const (
	ctxResident        = "suratdesa.resident"
	ctxResidentSession = "suratdesa.resident_session"
)

// errPINChangeRequired means the resident still has the PIN a clerk issued
// and must choose their own before doing anything else.
var errPINChangeRequired = errors.New("resident must change the issued PIN")

// ipBlockedError is a resident login refused because the client IP made too
// many failed attempts recently.
type ipBlockedError struct{ Until time.Time }

func (e *ipBlockedError) Error() string { return "too many failed resident logins from this address" }

// failureCounter counts failures per key in memory, with the injected
// clock: once a key reaches limit failures it is blocked for block, and the
// count starts again. Used for the per-IP limit and for NIKs without an
// account, so that those lock exactly like real accounts and a lock-out
// reveals nothing. Replicas count separately; the database lock-out of real
// accounts is shared.
type failureCounter struct {
	limit int
	block time.Duration
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	count   int
	first   time.Time
	blocked time.Time
}

// maxFailureKeys bounds the memory of a failureCounter.
const maxFailureKeys = 100_000

func newFailureCounter(limit int, block time.Duration, now func() time.Time) *failureCounter {
	return &failureCounter{limit: limit, block: block, now: now, keys: map[string]*failures{}}
}

// blockedUntil returns the end of key's block, or the zero time.
func (f *failureCounter) blockedUntil(key string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.keys[key]; ok && e.blocked.After(f.now()) {
		return e.blocked
	}
	return time.Time{}
}

// fail counts a failure of key and returns the end of the block it causes,
// or the zero time. Failures older than block no longer count.
func (f *failureCounter) fail(key string) time.Time {
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.keys[key]
	if !ok || now.Sub(e.first) >= f.block {
		if len(f.keys) >= maxFailureKeys {
			for k, old := range f.keys {
				if now.Sub(old.first) >= f.block && !old.blocked.After(now) {
					delete(f.keys, k)
				}
			}
		}
		e = &failures{first: now}
		f.keys[key] = e
	}
	e.count++
	if e.count >= f.limit {
		e.blocked = now.Add(f.block)
		e.count, e.first = 0, now
		return e.blocked
	}
	return time.Time{}
}

// mandiriAuth is the resident login machinery of a Server.
type mandiriAuth struct {
	// dummyHash is what a PIN is checked against when the NIK has no usable
	// account, so such a login costs exactly what a real one does.
	dummyHash string
	// verify checks a PIN against a hash: auth.Verify. Every login attempt
	// calls it exactly once, with the account's hash or dummyHash.
	verify  func(pin, hash string) error
	byIP    *failureCounter
	phantom *failureCounter
}

func newMandiriAuth(p auth.Params, now func() time.Time) (*mandiriAuth, error) {
	h, err := auth.DummyHash(p)
	if err != nil {
		return nil, fmt.Errorf("web: resident dummy hash: %w", err)
	}
	return &mandiriAuth{dummyHash: h, verify: auth.Verify,
		byIP:    newFailureCounter(maxIPFailures, ipFailureWindow, now),
		phantom: newFailureCounter(maxPINFailures, lockoutDuration, now)}, nil
}

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

// residentVillage resolves the village a resident login names: the only
// village of a single-village deployment, else the one with the typed kode
// desa. An unknown kode desa is reported on the field; it reveals nothing
// about residents.
func (s *Server) residentVillage(ctx context.Context, kode string) (int64, error) {
	vs, err := s.store.Villages(ctx)
	if err != nil {
		return 0, err
	}
	if len(vs) == 1 {
		return vs[0].ID, nil
	}
	kode = strings.ReplaceAll(strings.TrimSpace(kode), ".", "")
	if kode == "" {
		return 0, &surat.ValidationError{Fields: map[string]string{"kode_desa": "Kode desa wajib diisi"}}
	}
	for _, v := range vs {
		if v.Code == kode {
			return v.ID, nil
		}
	}
	return 0, &surat.ValidationError{Fields: map[string]string{"kode_desa": "Kode desa tidak terdaftar"}}
}

// multiVillage reports whether the login form must ask for the kode desa.
func (s *Server) multiVillage(ctx context.Context) (bool, error) {
	vs, err := s.store.Villages(ctx)
	return len(vs) > 1, err
}

// authenticateResident checks NIK and PIN for the login form and the token
// endpoint. An unknown NIK, a NIK without an account, a resident who died or
// moved, and a wrong PIN all return errInvalidCredentials after exactly one
// PIN verification (against the dummy hash when there is no usable account),
// and all count towards the same 5-failure lock-out, so neither the answer,
// its time nor a lock-out tells whether a NIK exists. A locked account is a
// *lockedError; a client IP with too many failures an *ipBlockedError.
func (s *Server) authenticateResident(ctx context.Context, villageID int64, nik, pin, ip string) (*store.ResidentLogin, error) {
	m := s.mandiri
	if until := m.byIP.blockedUntil(ip); !until.IsZero() {
		_ = m.verify(pin, m.dummyHash)
		return nil, &ipBlockedError{Until: until}
	}
	login, err := s.store.ResidentLoginByNIK(ctx, villageID, nik)
	if err != nil && !errors.Is(err, surat.ErrNotFound) {
		return nil, err
	}
	if err != nil || !login.Resident.CanBeSubject() {
		key := phantomKey(villageID, nik)
		if until := m.phantom.blockedUntil(key); !until.IsZero() {
			_ = m.verify(pin, m.dummyHash)
			return nil, &lockedError{Until: until}
		}
		_ = m.verify(pin, m.dummyHash) // the cost of a real check; the result means nothing
		m.byIP.fail(ip)
		if until := m.phantom.fail(key); !until.IsZero() {
			return nil, &lockedError{Until: until}
		}
		return nil, errInvalidCredentials
	}
	acc := &login.Account
	if acc.LockedUntil != nil && acc.LockedUntil.After(s.now()) {
		_ = m.verify(pin, m.dummyHash)
		return nil, &lockedError{Until: *acc.LockedUntil}
	}
	err = m.verify(pin, acc.PINHash)
	switch {
	case errors.Is(err, auth.ErrMismatch):
		m.byIP.fail(ip)
		until, err := s.store.RecordPINFailure(ctx, acc.ID, maxPINFailures, lockoutDuration)
		if err != nil {
			return nil, err
		}
		if until != nil {
			s.log.WarnContext(ctx, "resident account locked", "account_id", acc.ID)
			return nil, &lockedError{Until: *until}
		}
		return nil, errInvalidCredentials
	case err != nil:
		return nil, fmt.Errorf("verify PIN of account %d: %w", acc.ID, err)
	}
	if err := s.store.RecordPINSuccess(ctx, acc.ID); err != nil {
		return nil, err
	}
	return login, nil
}

// phantomKey names a NIK without a usable account in the failure counter;
// hashed so the process never holds a list of typed NIKs.
func phantomKey(villageID int64, nik string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(villageID, 10) + "|" + nik))
	return hex.EncodeToString(sum[:])
}

// residentLoginProblem is the answer to a failed resident login, the same
// for the form and the API: status, code, Indonesian message and
// Retry-After seconds (0 for none). ok is false for errors that are not
// about the credentials.
func (s *Server) residentLoginProblem(err error) (status int, code, msg string, retry int, ok bool) {
	var (
		locked  *lockedError
		blocked *ipBlockedError
	)
	switch {
	case errors.Is(err, errInvalidCredentials):
		return http.StatusUnauthorized, "invalid_credentials", "NIK atau PIN salah.", 0, true
	case errors.As(err, &locked):
		pr := classify(err, s.now())
		return pr.Status, pr.Code, pr.Message, pr.RetryAfter, true
	case errors.As(err, &blocked):
		secs := max(1, int(blocked.Until.Sub(s.now()).Seconds())+1)
		return http.StatusTooManyRequests, "rate_limited", fmt.Sprintf(
			"Terlalu banyak percobaan masuk yang gagal dari jaringan ini. Coba lagi dalam %d menit.", secs/60+1), secs, true
	}
	return 0, "", "", 0, false
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

// changePIN checks and stores a resident's new PIN: the current PIN must be
// right, the new one not trivial, typed twice alike and different from the
// current one.
func (s *Server) changePIN(ctx context.Context, login *store.ResidentLogin, sess *store.ResidentSession, current, next, again string) error {
	p := surat.Problems{}
	if current == "" {
		p.Add("pin_lama", "PIN lama wajib diisi")
	}
	if msg := surat.ValidatePIN(next); msg != "" {
		p.Add("pin_baru", msg)
	} else if next == current {
		p.Add("pin_baru", "PIN baru harus berbeda dari PIN lama")
	}
	if again != next {
		p.Add("pin_ulang", "Ulangi PIN baru dengan angka yang sama")
	}
	if err := p.Err(); err != nil {
		return err
	}
	err := s.mandiri.verify(current, login.Account.PINHash)
	switch {
	case errors.Is(err, auth.ErrMismatch):
		return &surat.ValidationError{Fields: map[string]string{"pin_lama": "PIN lama salah"}}
	case err != nil:
		return fmt.Errorf("verify PIN of account %d: %w", login.Account.ID, err)
	}
	hash, err := auth.Hash(next, s.params)
	if err != nil {
		return err
	}
	if err := s.store.ChangeResidentPIN(ctx, login.Account.ID, hash, sess.TokenHash); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "resident PIN changed", "account_id", login.Account.ID)
	return nil
}
