package mandiri

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The resident login limits.
const (
	// MaxPINFailures wrong PINs in a row lock an account for
	// LockoutDuration (the same 15 minutes as staff accounts). A NIK
	// without a usable account locks alike.
	MaxPINFailures  = 5
	LockoutDuration = 15 * time.Minute
	// MaxIPFailures failed resident logins from one client address within
	// IPFailureWindow block further attempts from it until the window
	// ends, whatever NIK they name.
	MaxIPFailures   = 20
	IPFailureWindow = 15 * time.Minute
)

// ErrInvalidCredentials means an unknown NIK, a NIK without an account, a
// resident who died or moved away, or a wrong PIN; the four are
// deliberately indistinguishable.
var ErrInvalidCredentials = errors.New("mandiri: invalid NIK or PIN")

// LockedError is a login refused because the account (or the NIK, when it
// has no usable account) is locked until Until. It matches surat.ErrLocked.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string { return "mandiri: resident account locked" }

// Unwrap makes errors.Is(err, surat.ErrLocked) true.
func (e *LockedError) Unwrap() error { return surat.ErrLocked }

// IPBlockedError is a login refused because the client address made too
// many failed attempts recently; it may try again at Until.
type IPBlockedError struct{ Until time.Time }

func (e *IPBlockedError) Error() string {
	return "mandiri: too many failed resident logins from this address"
}

// Credentials is what a resident types to sign in, with the client's
// address. KodeDesa is needed only when the deployment serves more than
// one village, since NIKs are unique per village only.
type Credentials struct {
	KodeDesa, NIK, PIN string
	// IP is the client address the per-address limit counts.
	IP string
}

// Login checks a resident's credentials for the login form and the token
// endpoint and returns the account with its resident. A missing or
// malformed NIK, a missing PIN and a missing or unknown kode desa are a
// *surat.ValidationError on "nik", "pin" and "kode_desa" (nothing is
// counted then). Otherwise an unknown NIK, a NIK without an account, a
// resident who died or moved, and a wrong PIN all return
// ErrInvalidCredentials after exactly one PIN verification (against a dummy
// hash when there is no usable account), and all count towards the same
// lock-out, so neither the answer, its time nor a lock-out tells whether a
// NIK exists. A locked account is a *LockedError, a client address with
// too many failures an *IPBlockedError.
func (s *Service) Login(ctx context.Context, c Credentials) (*store.ResidentLogin, error) {
	nik, pin := strings.TrimSpace(c.NIK), strings.TrimSpace(c.PIN)
	p := surat.Problems{}
	if nik == "" {
		p.Add("nik", "NIK wajib diisi")
	} else if msg := surat.ValidateDigits16(nik, "NIK"); msg != "" {
		p.Add("nik", msg)
	}
	if pin == "" {
		p.Add("pin", "PIN wajib diisi")
	}
	villageID, err := s.residentVillage(ctx, c.KodeDesa)
	if fields, ok := surat.FieldErrors(err); ok {
		for k, v := range fields {
			p.Add(k, v)
		}
	} else if err != nil {
		return nil, err
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.authenticate(ctx, villageID, nik, pin, c.IP)
}

// MultiVillage reports whether the login must ask for the kode desa.
func (s *Service) MultiVillage(ctx context.Context) (bool, error) {
	vs, err := s.d.Store.Villages(ctx)
	return len(vs) > 1, err
}

// residentVillage resolves the village a resident login names: the only
// village of a single-village deployment, else the one with the typed kode
// desa (dots allowed, as printed). An unknown kode desa is reported on the
// field; it reveals nothing about residents.
func (s *Service) residentVillage(ctx context.Context, kode string) (int64, error) {
	vs, err := s.d.Store.Villages(ctx)
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

// authenticate checks NIK and PIN within villageID; see Login.
func (s *Service) authenticate(ctx context.Context, villageID int64, nik, pin, ip string) (*store.ResidentLogin, error) {
	if until := s.byIP.blockedUntil(ip); !until.IsZero() {
		_ = s.verify(pin, s.dummyHash)
		return nil, &IPBlockedError{Until: until}
	}
	login, err := s.d.Store.ResidentLoginByNIK(ctx, villageID, nik)
	if err != nil && !errors.Is(err, surat.ErrNotFound) {
		return nil, err
	}
	if err != nil || !login.Resident.CanBeSubject() {
		key := phantomKey(villageID, nik)
		if until := s.phantom.blockedUntil(key); !until.IsZero() {
			_ = s.verify(pin, s.dummyHash)
			return nil, &LockedError{Until: until}
		}
		_ = s.verify(pin, s.dummyHash) // the cost of a real check; the result means nothing
		s.byIP.fail(ip)
		if until := s.phantom.fail(key); !until.IsZero() {
			return nil, &LockedError{Until: until}
		}
		return nil, ErrInvalidCredentials
	}
	acc := &login.Account
	if acc.LockedUntil != nil && acc.LockedUntil.After(s.d.Now()) {
		_ = s.verify(pin, s.dummyHash)
		return nil, &LockedError{Until: *acc.LockedUntil}
	}
	err = s.verify(pin, acc.PINHash)
	switch {
	case errors.Is(err, auth.ErrMismatch):
		s.byIP.fail(ip)
		until, err := s.d.Store.RecordPINFailure(ctx, acc.ID, MaxPINFailures, LockoutDuration)
		if err != nil {
			return nil, err
		}
		if until != nil {
			s.d.Log.WarnContext(ctx, "resident account locked", "account_id", acc.ID)
			return nil, &LockedError{Until: *until}
		}
		return nil, ErrInvalidCredentials
	case err != nil:
		return nil, fmt.Errorf("mandiri: verify PIN of account %d: %w", acc.ID, err)
	}
	if err := s.d.Store.RecordPINSuccess(ctx, acc.ID); err != nil {
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

// failureCounter counts failures per key in memory, with the injected
// clock: once a key reaches limit failures it is blocked for block, and the
// count starts again. Used for the per-address limit and for NIKs without
// an account, so that those lock exactly like real accounts and a lock-out
// reveals nothing.
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
// or the zero time. Failures older than block no longer count. When the
// counter holds maxFailureKeys keys, those whose failures have expired and
// that are not blocked are forgotten first.
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
