// Package mandiri is the policy of Layanan Mandiri, the residents'
// self-service: how a resident signs in with NIK and PIN (lock-outs, the
// per-address limit, answers that never tell whether a NIK exists), how a
// clerk issues or resets a PIN, who a resident may request a letter for
// (themself or a member of their own KK), what a request may carry and
// when it may change, and how a clerk turns a request into a letter draft.
//
// The HTTP layer decodes a form or a JSON body, calls one method here and
// renders the result; the words of the errors that are not field messages
// live in the web layer's error table. Every call takes the village from
// the signed-in resident or clerk; another village's data is
// surat.ErrNotFound.
package mandiri

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
)

// Deps is what the service needs, wired by main.
type Deps struct {
	// Store is the database; required.
	Store *store.Store
	// Issuance validates requests against the letter catalogue, drafts
	// letters from them and reads signed PDFs; required.
	Issuance *issuance.Service
	// StorageDir is a folder for attachments, used only when Files is nil
	// (tests and tools without a blob store).
	StorageDir string
	// Files is the blob store of attachments; nil keeps them in a folder
	// store at StorageDir, or with the issuance service's files when
	// StorageDir is empty too.
	Files *files.Keeper
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// PINParams are the Argon2id costs of PIN hashes (auth.DefaultParams
	// when zero; tests pass cheap ones).
	PINParams auth.Params
	// Log receives account lock-outs; nil discards. NIKs and PINs are never
	// logged.
	Log *slog.Logger
	// Attempts counts PIN checks in the database before they run; nil makes
	// one on Store with a per-process key. Main passes the shared one.
	Attempts *attempt.Counter
	// Hashing bounds concurrent Argon2id work (auth.SlotsFor(PINParams)
	// when nil); main passes the process-wide one.
	Hashing *auth.Slots
}

// Service is the Layanan Mandiri policy. It is safe for concurrent use;
// every counter of failed logins lives in the database.
type Service struct {
	d Deps
	// dummyHash is what a PIN is checked against when the NIK has no usable
	// account, so such a login costs exactly what a real one does.
	dummyHash string
	// verify checks a PIN against a hash: auth.Verify. Every login attempt
	// calls it exactly once, with the account's hash or dummyHash.
	verify func(pin, hash string) error
}

// New checks d and returns the service. Store and Issuance are required.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Issuance == nil {
		return nil, errors.New("mandiri: store and issuance are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.PINParams == (auth.Params{}) {
		d.PINParams = auth.DefaultParams
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Files == nil && d.StorageDir != "" {
		bs, err := blob.OpenDir(d.StorageDir)
		if err != nil {
			return nil, fmt.Errorf("mandiri: %w", err)
		}
		d.Files = &files.Keeper{Blobs: bs, Store: d.Store, Log: d.Log}
	} else if d.Files == nil {
		d.Files = d.Issuance.Files()
	}
	h, err := auth.DummyHash(d.PINParams)
	if err != nil {
		return nil, fmt.Errorf("mandiri: dummy hash: %w", err)
	}
	if d.Hashing == nil {
		d.Hashing = auth.SlotsFor(d.PINParams)
	}
	if d.Attempts == nil {
		if d.Attempts, err = attempt.New(d.Store, ""); err != nil {
			return nil, err
		}
	}
	return &Service{d: d, dummyHash: h, verify: auth.Verify}, nil
}
