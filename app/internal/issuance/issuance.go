// Package issuance is the write path of a letter: it turns a request (module,
// subjects, fields) into a validated document, keeps drafts, and signs an
// approved letter in one transaction: number, final render with the QR code
// and the TTE footer, PAdES signature, self-verification and the stored PDF.
// It also runs the deployment's small CA (root, signer certificates,
// revocation and CRL) on top of packages pki and store.
//
// Every call that reads a village's data takes the village id from the
// caller, who takes it from the authenticated actor; a letter or resident of
// another village is surat.ErrNotFound.
package issuance

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/blob"
	"github.com/suratdesa/suratdesa/app/internal/files"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/metrics"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Errors of the signing and PKI calls. Callers test them with errors.Is.
var (
	// ErrWrongPassphrase means the passphrase does not open the signer's (or
	// the root's) key. Nothing was signed and no number was used.
	ErrWrongPassphrase = errors.New("issuance: wrong passphrase")
	// ErrWrongRootPassphrase is ErrWrongPassphrase for the root CA's key
	// (issuing or revoking a certificate, renewing the CRL); errors.Is
	// matches both.
	ErrWrongRootPassphrase = fmt.Errorf("%w of the root CA", ErrWrongPassphrase)
	// ErrNoCertificate means the signing official has no certificate that
	// may sign now (none issued, expired or revoked).
	ErrNoCertificate = errors.New("issuance: official has no usable certificate")
	// ErrNotSigner means the actor's user is not linked to the official who
	// is the letter's signer.
	ErrNotSigner = errors.New("issuance: actor is not the letter's signer")
	// ErrNoRoot means the deployment has no root CA yet (`app pki init`).
	ErrNoRoot = errors.New("issuance: no root CA")
	// ErrNotRevoker means the actor may not revoke a signed letter at once,
	// nor confirm or reject a request to: only a signer of the village (a
	// penandatangan linked to one of its officials) may. A clerk asks with
	// RequestRevocation.
	ErrNotRevoker = errors.New("issuance: only a signer of the village revokes signed letters")
)

// LockedError is returned when signing with a certificate is locked after
// repeated wrong passphrases. It matches surat.ErrLocked under errors.Is.
type LockedError struct {
	Until time.Time
}

// Error says until when signing is locked.
func (e *LockedError) Error() string {
	return "issuance: signing locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Is lets errors.Is(err, surat.ErrLocked) match.
func (e *LockedError) Is(target error) bool { return target == surat.ErrLocked }

// LockedUntil is when signing opens again.
func (e *LockedError) LockedUntil() time.Time { return e.Until }

// RootLockedError is returned when opening the root CA's key is refused
// after repeated wrong root passphrases (by the user, or by everybody
// together). It matches surat.ErrLocked under errors.Is.
type RootLockedError struct {
	Until time.Time
}

// Error says until when the root is locked.
func (e *RootLockedError) Error() string {
	return "issuance: root CA locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Is lets errors.Is(err, surat.ErrLocked) match.
func (e *RootLockedError) Is(target error) bool { return target == surat.ErrLocked }

// LockedUntil is when the root opens again.
func (e *RootLockedError) LockedUntil() time.Time { return e.Until }

// Deps is what the service needs, wired by main.
type Deps struct {
	Store *store.Store
	// Catalogue is the built-in letter catalogue (templates/letters); the
	// service puts the kabupaten's and each village's templates from the
	// store over it (ModulesFor).
	Catalogue *letters.Catalogue
	Renderer  *pdf.Renderer
	// Files is the blob store of PDFs and logos with the database's
	// pending list. Signed PDFs are kept under
	// letters/<village id>/<random hex>.pdf (never a NIK or name in the
	// key).
	Files *files.Keeper
	// StorageDir is the folder of a folder blob store built when Files is
	// nil ("storage" when empty too).
	StorageDir string
	// BaseURL is the public URL; the verification URL is BaseURL + "/v/" + code.
	BaseURL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Log receives operational messages; nil discards them. Passphrases and
	// keys are never logged.
	Log *slog.Logger
	// KDF are the Argon2id costs for sealing new keys (auth.DefaultParams in
	// production; tests pass cheap ones).
	KDF auth.Params
	// MatchKey hashes the subjects' NIKs and names stored with a signed
	// letter for the public paper match (surat.NewMatchKey of APP_SECRET);
	// nil stores none, and such letters cannot be matched.
	MatchKey *surat.MatchKey
	// Metrics records signing and render durations and letters signed;
	// nil records nothing.
	Metrics *metrics.Metrics
	// Attempts counts signing attempts per certificate in the database
	// before a key is decrypted; nil makes one on Store.
	Attempts *attempt.Counter
	// Hashing bounds concurrent Argon2id work (key unlocks);
	// auth.SlotsFor(KDF) when nil. Main passes the process-wide one.
	Hashing *auth.Slots
}

// Service issues, signs and revokes letters and runs the PKI. It is safe for
// concurrent use.
type Service struct {
	d Deps
	// modules resolves each village's catalogue: the built-in modules
	// with the kabupaten's and the village's templates over them.
	modules *letters.Resolver
}

// New checks d and returns the service. Store, Catalogue and Renderer are
// required.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Catalogue == nil || d.Renderer == nil {
		return nil, errors.New("issuance: store, catalogue and renderer are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.KDF == (auth.Params{}) {
		d.KDF = auth.DefaultParams
	}
	if d.Files == nil {
		dir := d.StorageDir
		if dir == "" {
			dir = "storage"
		}
		bs, err := blob.OpenDir(dir)
		if err != nil {
			return nil, fmt.Errorf("issuance: %w", err)
		}
		d.Files = &files.Keeper{Blobs: bs, Store: d.Store, Log: d.Log}
	}
	if d.Hashing == nil {
		d.Hashing = auth.SlotsFor(d.KDF)
	}
	if d.Attempts == nil {
		a, err := attempt.New(d.Store, "")
		if err != nil {
			return nil, err
		}
		d.Attempts = a
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	return &Service{d: d, modules: letters.NewResolver(d.Catalogue, d.Store)}, nil
}

// Request is a letter as a form, the API or a resident's request submits it.
type Request struct {
	Module   string
	Subjects map[string]SubjectRef // by the module's subject role
	Fields   map[string]string
	// SignerOfficialID is the signing official; 0 means the village's kepala
	// desa.
	SignerOfficialID int64
}

// SubjectRef names the people of one subject role.
type SubjectRef struct {
	ResidentID int64         // a resident of the caller's village, or
	Person     *surat.Person // a typed non-resident identity (roles that allow it)
	Items      []SubjectRef  // list roles (heirs, followers)
	Relation   string        // hubungan, for list items that ask for it
}

// BatchResult is the outcome of one letter of SignBatch.
type BatchResult struct {
	LetterID int64
	Letter   *surat.Letter
	Err      error
}

// Unprintable returns the first character of text that letters cannot
// print (the renderer has no glyph for it), and whether there is one: for
// the texts outside a letter's form that every letter prints, the village
// profile and the officials.
func (s *Service) Unprintable(text string) (rune, bool) { return s.d.Renderer.Unprintable(text) }

// Builtin returns the catalogue of the built-in modules, without any
// kabupaten or village template: what `app letters` and the module files
// in the binary hold. A village's letters use ModulesFor.
func (s *Service) Builtin() *letters.Catalogue { return s.d.Catalogue }

// RendererReady prepares the PDF renderer's fonts if no letter has been
// rendered yet (the server does not at start-up, see pdf.NewLazyRenderer)
// and returns the error that prevented it, or nil; for /readyz.
func (s *Service) RendererReady() error { return s.d.Renderer.Ready() }

// VerifyURL is the public verification URL of a code: BaseURL + "/v/" + code.
func (s *Service) VerifyURL(code string) string { return s.d.BaseURL + "/v/" + code }
