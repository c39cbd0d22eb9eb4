package mandiri

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The resident login limits.
const (
	// MaxPINFailures PIN checks of one NIK within LockoutDuration (the
	// same 15 minutes as staff accounts) lock it until the window ends; a
	// right PIN starts the count again. A NIK without a usable account
	// locks alike, and the old-PIN check of a PIN change counts the same.
	MaxPINFailures  = 5
	LockoutDuration = 15 * time.Minute
	// MaxIPFailures failed resident logins from one client address within
	// IPFailureWindow block further attempts from it until the window
	// ends, whatever NIK they name. Both limits are counted in the
	// database before the PIN is checked (package attempt).
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
// NIK exists. A locked NIK is a *LockedError, a client address with too
// many failures an *IPBlockedError; both are decided in the database
// before any PIN is checked, and then none is. auth.ErrBusy means every
// hashing slot was taken (nothing counted).
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

// accountLock is the lock of the NIK in the village: its tries bound the
// PIN checks as they start, and only its wrong PINs lock it (see
// attempt.Lockout). The same buckets whether or not the NIK has an
// account, for logins and for the old-PIN check of a PIN change alike.
func (s *Service) accountLock(villageID int64, nik string) attempt.Lockout {
	village := strconv.FormatInt(villageID, 10)
	return attempt.NewLockout(attempt.Rule{Bucket: s.d.Attempts.Bucket("pin-nik", village, nik),
		Max: MaxPINFailures, Window: LockoutDuration}, s.d.Attempts.Bucket("pin-nik-failed", village, nik))
}

// ipLock is the limit on failed resident logins from one client address:
// its tries bound the PIN checks as they start, and only its wrong PINs
// block the address (see attempt.Lockout).
func (s *Service) ipLock(ip string) attempt.Lockout {
	return attempt.NewLockout(attempt.Rule{Bucket: s.d.Attempts.Bucket("pin-ip", ip),
		Max: MaxIPFailures, Window: IPFailureWindow}, s.d.Attempts.Bucket("pin-ip-failed", ip))
}

// checkPIN runs one PIN verification inside a hashing slot: auth.ErrBusy
// at once when none is free.
func (s *Service) checkPIN(pin, hash string) error {
	if err := s.d.Hashing.Acquire(); err != nil {
		return err
	}
	defer s.d.Hashing.Release()
	return s.verify(pin, hash)
}

// authenticate checks NIK and PIN within villageID; see Login. The attempt
// is counted in the database before the PIN is checked (the address, then
// the NIK's tries), so parallel guesses cannot overtake the count: over a
// limit no PIN is checked at all. Only wrong PINs lock the NIK
// (accountLock) or block the address (ipLock); a try refused while the
// tries in flight are still being checked is auth.ErrBusy.
func (s *Service) authenticate(ctx context.Context, villageID int64, nik, pin, ip string) (*store.ResidentLogin, error) {
	address, lock := s.ipLock(ip), s.accountLock(villageID, nik)
	rules := []attempt.Rule{address.Tries, lock.Tries}
	counted, err := s.d.Attempts.Take(ctx, rules...)
	var limit *attempt.LimitError
	switch {
	case errors.As(err, &limit) && limit.Rule.Bucket == rules[0].Bucket:
		return nil, s.d.Attempts.Refusal(ctx, address, &IPBlockedError{Until: limit.Until})
	case errors.As(err, &limit):
		return nil, s.d.Attempts.Refusal(ctx, lock, &LockedError{Until: limit.Until})
	case err != nil:
		return nil, err
	}
	login, err := s.d.Store.ResidentLoginByNIK(ctx, villageID, nik)
	if err != nil && !errors.Is(err, surat.ErrNotFound) {
		return nil, err
	}
	usable := err == nil && login.Resident.CanBeSubject()
	hash := s.dummyHash // the cost of a real check; the result means nothing
	if usable {
		hash = login.Account.PINHash
	}
	err = s.checkPIN(pin, hash)
	switch {
	case errors.Is(err, auth.ErrBusy):
		// Nothing was checked, so nothing counts.
		if rerr := s.d.Attempts.Refund(ctx, rules[0].Bucket, rules[1].Bucket); rerr != nil {
			return nil, rerr
		}
		return nil, err
	case errors.Is(err, auth.ErrMismatch) || !usable:
		// The address's failure blocks its next attempts; this one is
		// answered as a wrong PIN still.
		if _, err := s.d.Attempts.Failed(ctx, address); err != nil {
			return nil, err
		}
		// The lock lasts as long as the tries' window, which began no
		// later than the failures'.
		locked, err := s.d.Attempts.Failed(ctx, lock)
		if err != nil {
			return nil, err
		}
		if locked {
			if usable {
				s.d.Log.WarnContext(ctx, "resident account locked", "account_id", login.Account.ID)
				if err := s.d.Store.AuditLock(ctx, &villageID, "resident_account", login.Account.ID,
					"locked after repeated wrong PINs"); err != nil {
					return nil, err
				}
			}
			return nil, &LockedError{Until: counted[1].WindowEnds}
		}
		return nil, ErrInvalidCredentials
	case err != nil:
		return nil, fmt.Errorf("mandiri: verify PIN of account %d: %w", login.Account.ID, err)
	}
	if err := s.d.Attempts.Forget(ctx, lock.Tries.Bucket, lock.Failures.Bucket); err != nil {
		return nil, err
	}
	if err := s.d.Attempts.Refund(ctx, rules[0].Bucket); err != nil {
		return nil, err
	}
	if err := s.d.Store.RecordPINSuccess(ctx, login.Account.ID); err != nil {
		return nil, err
	}
	return login, nil
}
