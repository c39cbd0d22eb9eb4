// Package verify is the public check of a letter: what anyone who scans a
// letter's QR code may learn about it, and what an uploaded PDF proves.
//
// Lookup reads a signed letter by its verification code and decides its
// status as the public sees it (ASLI, DICABUT, DIGANTI, KEDALUWARSA; an
// unknown code is TIDAK DITEMUKAN), the state of its signer certificate and
// the masked subject name; CheckPDF compares an uploaded file with the
// letter and verifies its signature against the deployment's root CAs.
// Nothing here knows HTTP: package web parses requests, calls this package
// once and renders the result as HTML or JSON.
//
// What is shown follows docs/design.md §7: the status, village, letter type,
// number, dates, signer, certificate and the PDF's SHA-256, and of the
// person only a masked name; never a NIK, KK number, birth date, address
// or the letter body.
//
// The Indonesian words of the public check (the status words, the sentence
// under each, the signer certificate's state, the upload verdicts and their
// check lines, the statement of what the signature proves) live in this
// package and nowhere else; the web templates print them as they are.
package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Deps is what the service needs, wired by main.
type Deps struct {
	// Store is the database; required.
	Store *store.Store
	// Catalogue names the letter types; required.
	Catalogue *letters.Catalogue
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MatchKey hashes what a paper match compares (surat.NewMatchKey of
	// APP_SECRET, the key issuance stores the letters' digests with); nil
	// means no letter can be matched.
	MatchKey *surat.MatchKey
}

// Service answers the public check. Build it with New; it is safe for
// concurrent use. It caches the names of villages and officials and the
// active root CA for a minute each (see cache.go), and the letters it has
// looked up while Watch runs (letter_cache.go).
type Service struct {
	store *store.Store
	cat   *letters.Catalogue
	// modules reads the kabupaten's and villages' module versions a
	// letter was built with, cached by version id (they never change).
	modules *letters.Resolver
	now     func() time.Time
	key     *surat.MatchKey

	refs     refCache
	root     rootCache
	villages villageListCache
	letters  *letterCache
}

// New checks d and returns the service. It fails when the store or the
// catalogue is missing.
func New(d Deps) (*Service, error) {
	if d.Store == nil {
		return nil, errors.New("verify: store is required")
	}
	if d.Catalogue == nil {
		return nil, errors.New("verify: catalogue is required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{store: d.Store, cat: d.Catalogue, modules: letters.NewResolver(d.Catalogue, d.Store), now: d.Now,
		key: d.MatchKey, letters: newLetterCache()}, nil
}

// Result is everything the public may know about one signed letter: the
// facts the verification page and its JSON twin show.
type Result struct {
	Code   string
	Status Status

	VillageName string // "Desa Sumberejo"
	Kecamatan   string // "Kecamatan Sanankulon"
	Kabupaten   string // "Kabupaten Blitar"
	VillageCode string // kode desa Kemendagri
	// LogoVersion names the village's current logo (it changes with the
	// logo, so a logo URL carrying it may be cached); "" when the village
	// has none.
	LogoVersion string

	Module      string // module code
	LetterType  string // module title from the catalogue, or the code of a module no longer in it
	Number      string
	IssuedAt    time.Time // the letter's date
	SignedAt    time.Time
	ValidUntil  *time.Time // nil for a letter that does not expire
	RevokedAt   *time.Time // letter revoked or replaced at
	Replacement string     // verification code of the replacing letter, "" while it is unsigned
	// Reason is the public reason a revoked or replaced letter stopped
	// being valid; the staff's note is never read.
	Reason surat.RevocationReason

	SignerName   string
	SignerOffice string
	Cert         *Certificate // nil for a letter signed before certificates were stored

	SubjectMasked string // MaskName of the subject's name
	PDFSHA256     string

	// Root is the active root CA, nil before `app pki init`: the anchor a
	// reader installs to check the signature offline.
	Root *Root

	letterID int64 // for the paper match; never shown
}

// Certificate is the letter's signer certificate as the public sees it.
type Certificate struct {
	Serial      string // lower-case hex
	Fingerprint string // SHA-256 of the DER, lower-case hex
	NotBefore   time.Time
	NotAfter    time.Time
	RevokedAt   *time.Time
	// RevokedAfterSigning: the certificate was revoked after this letter
	// was signed, which leaves the letter's signature valid.
	RevokedAfterSigning bool
}

// Lookup returns the public facts of the letter with code, which must be
// in canonical form (NormalizeCode). A malformed or unknown code, a letter
// that was never signed, or one in a state the public never sees is an
// error wrapping surat.ErrNotFound; other errors are the database's.
//
// The letter and its certificate are read in one query, or come from this
// replica's letter cache while Watch keeps it fresh: a revocation shows on
// every replica within maxStale (letter_cache.go). The village, the signing
// official and the root CA come from one-minute caches. A replaced letter
// costs one more query, for its replacement's code. The status is decided
// on every call, so a letter expires on time.
func (s *Service) Lookup(ctx context.Context, code string) (*Result, error) {
	f, ok := s.letters.get(code)
	if !ok {
		st := s.letters.current() // before the read: see letterCache.put
		var err error
		if f, err = s.readLetter(ctx, code, st); err != nil {
			return nil, err
		}
		s.letters.put(code, st, f)
	}
	r := &Result{
		Code:          code,
		Module:        f.str(factModule),
		LetterType:    f.str(factTitle),
		Number:        f.str(factNumber),
		IssuedAt:      f.at(factIssued),
		SignedAt:      f.at(factSigned),
		ValidUntil:    f.opt(factValidUntil),
		SubjectMasked: f.str(factSubject),
		PDFSHA256:     f.str(factPDF),
		letterID:      f.id,
	}
	var err error
	r.Status, err = decideStatus(surat.LetterStatus(f.str(factStatus)), r.ValidUntil, s.now())
	if err != nil {
		return nil, fmt.Errorf("verify: letter %d: %w", f.id, err)
	}
	switch r.Status {
	case Revoked, Replaced:
		r.RevokedAt, r.Reason = f.opt(factRevoked), surat.RevocationReason(f.str(factRevokeCode))
		if r.Status == Replaced {
			r.Replacement = f.str(factReplacement)
		}
	}
	vil, err := s.refs.village(ctx, s, f.villageID)
	if err != nil {
		return nil, fmt.Errorf("verify: village of letter %d: %w", f.id, err)
	}
	r.VillageName, r.Kecamatan, r.Kabupaten, r.VillageCode = vil.name, vil.kecamatan, vil.kabupaten, vil.code
	r.LogoVersion = vil.logoVersion
	if f.signerID != 0 {
		o, err := s.refs.official(ctx, s, f.villageID, f.signerID)
		if err != nil {
			return nil, fmt.Errorf("verify: signer of letter %d: %w", f.id, err)
		}
		r.SignerName, r.SignerOffice = o.name, o.office
	}
	if f.hasCert {
		revokedAt := f.opt(factCertRevoked)
		r.Cert = &Certificate{Serial: f.str(factCertSerial), Fingerprint: f.str(factCertFingerprint),
			NotBefore: f.at(factCertNotBefore), NotAfter: f.at(factCertNotAfter), RevokedAt: revokedAt,
			RevokedAfterSigning: revokedAfter(revokedAt, r.SignedAt)}
	}
	if r.Root, err = s.Root(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// readLetter reads what Lookup caches of the letter with code: the row with
// its certificate, its module's title and, for a replaced letter, the
// replacing letter's code. The row is read as the database was after the
// fence of st, the state it is cached under (nil: as it is now).
func (s *Service) readLetter(ctx context.Context, code string, st *watchState) (letterFacts, error) {
	var l *store.PublicLetter
	var err error
	if st != nil {
		l, err = s.store.PublicLetterSeenSince(ctx, code, st.fence)
	} else {
		l, err = s.store.PublicLetterByVerifyCode(ctx, code)
	}
	if err != nil {
		return letterFacts{}, fmt.Errorf("verify: %w", err)
	}
	if l.SignedAt == nil || l.IssuedAt == nil || l.Number == nil {
		return letterFacts{}, fmt.Errorf("verify: letter %d has a code but was never signed: %w", l.ID, surat.ErrNotFound)
	}
	title, err := s.letterTitle(ctx, l)
	if err != nil {
		return letterFacts{}, err
	}
	var replacement string
	if l.Status == surat.LetterReplaced && l.ReplacedByID != nil {
		nl, err := s.store.LetterByID(ctx, l.VillageID, *l.ReplacedByID)
		if err != nil {
			return letterFacts{}, fmt.Errorf("verify: replacement of letter %d: %w", l.ID, err)
		}
		if nl.VerifyCode != nil {
			replacement = *nl.VerifyCode
		}
	}
	return packFacts(l, title, replacement), nil
}

// revokedAfter reports whether a certificate revoked at revokedAt (nil: not
// revoked) was still valid when a document was signed at signedAt.
func revokedAfter(revokedAt *time.Time, signedAt time.Time) bool {
	return revokedAt != nil && revokedAt.After(signedAt)
}

// letterTitle is the title of the letter's module as it was built: of the
// kabupaten's or village's version of the module file it records, else of
// the built-in module; the code when neither is known any more.
func (s *Service) letterTitle(ctx context.Context, l *store.PublicLetter) (string, error) {
	if l.TemplateID != nil {
		m, err := s.modules.Version(ctx, l.VillageID, *l.TemplateID)
		switch {
		case err == nil:
			return m.Title, nil
		case !errors.Is(err, surat.ErrNotFound) && !errors.Is(err, letters.ErrTemplateInvalid):
			return "", fmt.Errorf("verify: module of letter %d: %w", l.ID, err)
		}
	}
	if m := s.cat.Module(l.Module); m != nil {
		return m.Title, nil
	}
	return l.Module, nil
}
