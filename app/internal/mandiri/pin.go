package mandiri

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// IssuedPIN is a PIN a clerk just issued. PIN is shown once, on the slip;
// the database keeps its hash only.
type IssuedPIN struct {
	Resident *surat.Resident
	PIN      string
	// Reset is true when the resident already had an account, whose
	// sessions have now ended.
	Reset bool
}

// IssuePIN creates the Layanan Mandiri account of the village's resident
// with that NIK, or resets it, with a fresh random 6-digit PIN that the
// resident must change at the next login. A malformed NIK, one of nobody in
// the village, and a resident who died or moved away are a
// *surat.ValidationError on "nik".
func (s *Service) IssuePIN(ctx context.Context, actor surat.Actor, villageID int64, nik string) (*IssuedPIN, error) {
	nik = strings.TrimSpace(nik)
	if msg := surat.ValidateDigits16(nik, "NIK"); msg != "" {
		return nil, &surat.ValidationError{Fields: map[string]string{"nik": msg}}
	}
	res, err := s.d.Store.ResidentByNIK(ctx, villageID, nik)
	switch {
	case errors.Is(err, surat.ErrNotFound):
		return nil, &surat.ValidationError{Fields: map[string]string{"nik": "Penduduk dengan NIK ini tidak ada di desa Anda"}}
	case err != nil:
		return nil, err
	}
	_, err = s.d.Store.ResidentAccountOf(ctx, villageID, res.ID)
	if err != nil && !errors.Is(err, surat.ErrNotFound) {
		return nil, err
	}
	out := &IssuedPIN{Resident: res, Reset: err == nil}
	if out.PIN, err = newPIN(); err != nil {
		return nil, err
	}
	hash, err := s.d.Hashing.Hash(out.PIN, s.d.PINParams)
	if err != nil {
		return nil, fmt.Errorf("mandiri: hash PIN: %w", err)
	}
	var inactive *surat.InactiveResidentError
	_, err = s.d.Store.IssueResidentPIN(ctx, actor, villageID, res.ID, hash)
	switch {
	case errors.As(err, &inactive):
		return nil, &surat.ValidationError{Fields: map[string]string{"nik": "Penduduk ini berstatus " +
			surat.LifeStatus.Label(inactive.LifeStatus) + " dan tidak dapat memakai layanan mandiri"}}
	case err != nil:
		return nil, err
	}
	// A fresh PIN from the clerk ends any lock-out of the NIK.
	lock := s.accountLock(villageID, nik)
	if err := s.d.Attempts.Forget(ctx, lock.Tries.Bucket, lock.Failures.Bucket); err != nil {
		return nil, err
	}
	return out, nil
}

// ChangePIN replaces the signed-in resident's PIN: current must be right,
// next not trivial (surat.ValidatePIN), typed twice alike (again) and
// different from current. Every other session of the account ends;
// keepTokenHash names the session that made the change. The resident's
// mistakes are a *surat.ValidationError on "pin_lama", "pin_baru" and
// "pin_ulang". The old PIN counts against the login's limit of the NIK
// before it is checked: a *LockedError when that is reached (also by the
// wrong old PIN that reaches it), auth.ErrBusy when no hashing slot is
// free.
func (s *Service) ChangePIN(ctx context.Context, login *store.ResidentLogin, keepTokenHash, current, next, again string) error {
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
	// The old PIN is guessed as a login is, so it counts against the same
	// lock, before it is checked.
	lock := s.accountLock(login.Account.VillageID, login.Resident.NIK)
	counted, err := s.d.Attempts.Take(ctx, lock.Tries)
	var limit *attempt.LimitError
	if errors.As(err, &limit) {
		return s.d.Attempts.Refusal(ctx, lock, &LockedError{Until: limit.Until})
	} else if err != nil {
		return err
	}
	err = s.checkPIN(current, login.Account.PINHash)
	switch {
	case errors.Is(err, auth.ErrBusy):
		if rerr := s.d.Attempts.Refund(ctx, lock.Tries.Bucket); rerr != nil {
			return rerr
		}
		return err
	case errors.Is(err, auth.ErrMismatch):
		locked, err := s.d.Attempts.Failed(ctx, lock)
		if err != nil {
			return err
		}
		if locked {
			return &LockedError{Until: counted[0].WindowEnds}
		}
		return &surat.ValidationError{Fields: map[string]string{"pin_lama": "PIN lama salah"}}
	case err != nil:
		return fmt.Errorf("mandiri: verify PIN of account %d: %w", login.Account.ID, err)
	}
	if err := s.d.Attempts.Forget(ctx, lock.Tries.Bucket, lock.Failures.Bucket); err != nil {
		return err
	}
	hash, err := s.d.Hashing.Hash(next, s.d.PINParams)
	if err != nil {
		return fmt.Errorf("mandiri: hash PIN: %w", err)
	}
	return s.d.Store.ChangeResidentPIN(ctx, login.Account.ID, hash, keepTokenHash)
}

// newPIN draws a uniformly random 6-digit PIN from crypto/rand that is not
// trivially guessable (surat.ValidatePIN), since the resident may keep
// using it until first login.
func newPIN() (string, error) {
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return "", fmt.Errorf("mandiri: PIN: %w", err)
		}
		pin := fmt.Sprintf("%06d", n.Int64())
		if surat.ValidatePIN(pin) == "" {
			return pin, nil
		}
	}
}
