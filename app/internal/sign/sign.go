// Package sign puts a PAdES baseline B-B signature on a rendered PDF and
// verifies signed PDFs, ours or uploaded ones.
//
// A signature is an incremental update appended to the PDF (docs/signing.md
// §3): a /Sig dictionary with /SubFilter /ETSI.CAdES.detached whose
// /ByteRange covers the whole file except the hex /Contents, an invisible
// signature widget on the first page, an AcroForm with /SigFlags 3, and a
// detached CMS SignedData (SHA-256, ECDSA) carrying the signer certificate,
// the root, and the signingCertificateV2 attribute PAdES requires.
//
// The package imports no HTTP, database or rendering code: it takes bytes and
// returns bytes or a verdict.
package sign

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"
)

// The room reserved for the CMS in /Contents, in bytes of DER (written as
// twice as many hex digits), is sized for each signature: the size of the
// CMS the signer makes, measured by building it with a stand-in key that
// returns the longest signature the real key can (contentsRoom), plus
// contentsSlack. A fixed room would have to fit the longest names and
// chains: 8 KB of it, 16 KB of hex, would be most of a one-page letter,
// whose CMS with a P-256 signer and root is about 1.7 KB.
const (
	// contentsSlack is room beyond the measured CMS. The measure is an
	// upper bound already; the slack covers what could differ between
	// the measuring and the real signature, such as a signing time that
	// crosses into GeneralizedTime (two bytes).
	contentsSlack = 64
	// MaxContentsSize caps the room: a CMS larger than this (a chain of
	// many certificates) is refused with ErrSignatureTooLarge.
	MaxContentsSize = 16384
)

// Errors returned by Sign. Callers test them with errors.Is.
var (
	// ErrUnsupportedPDF means the input is not a PDF this signer can update
	// safely: unreadable, encrypted, using cross-reference streams, or
	// without pages. The wrapped message says which.
	ErrUnsupportedPDF = errors.New("sign: unsupported PDF")
	// ErrSignatureTooLarge means the CMS did not fit in the room reserved
	// for it, or would need more than MaxContentsSize; no output is
	// produced rather than a corrupt file.
	ErrSignatureTooLarge = errors.New("sign: signature larger than the reserved space")
	// ErrSelfCheck means SignAndVerify produced a PDF that its own
	// verification rejects; the PDF must not be stored.
	ErrSelfCheck = errors.New("sign: signed PDF failed verification")
)

// Meta is what the signature dictionary says about the signing, shown by PDF
// readers in the signature panel.
type Meta struct {
	Name        string    // signer's name as shown, e.g. "SUTRISNO"
	Reason      string    // e.g. "Surat Keterangan Domisili 470/12/2026"
	Location    string    // e.g. "Desa Sumberejo, Kabupaten Malang"
	SigningTime time.Time // written to /M; zero means the current time
}

// Signer signs a rendered PDF. LocalSigner signs with a key held by this
// application; a certified provider (BSrE's signing service) can implement
// the same interface later.
type Signer interface {
	// Sign returns pdf with a signature appended. pdf is not modified.
	Sign(ctx context.Context, pdf []byte, meta Meta) ([]byte, error)
}

// LocalSigner signs with a certificate of our own CA and its decrypted key.
type LocalSigner struct {
	Cert  *x509.Certificate   // the signer certificate
	Chain []*x509.Certificate // issuers above Cert up to and including the root
	Key   crypto.Signer       // Cert's private key, e.g. a *pki.Key

	// room is contentsRoom's answer, measured at the first signature: it
	// depends only on the fields above, which must not change once the
	// signer has signed. Measuring builds a whole CMS with the
	// certificates (0.2-0.3 ms); a batch signs every letter with one
	// signer.
	roomOnce sync.Once
	room     int
	roomErr  error
}

// Sign appends a PAdES B-B signature to pdf as an incremental update. The
// CMS signing-time attribute is the wall clock at signing (the pkcs7 library
// sets it); meta.SigningTime goes to /M and should be the same moment.
//
// It returns ErrUnsupportedPDF when pdf cannot be updated safely,
// ErrSignatureTooLarge when the CMS outgrows its room or MaxContentsSize,
// the context's error when ctx is done, or an error from the key.
func (s *LocalSigner) Sign(ctx context.Context, pdf []byte, meta Meta) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.Cert == nil || s.Key == nil {
		return nil, errors.New("sign: signer has no certificate or key")
	}
	if meta.SigningTime.IsZero() {
		meta.SigningTime = time.Now()
	}
	room, err := s.contentsRoom()
	if err != nil {
		return nil, err
	}
	doc, err := prepare(pdf, meta, room)
	if err != nil {
		return nil, err
	}
	cms, err := buildCMS(doc.signedContent(), s.Cert, s.Chain, s.Key)
	if err != nil {
		return nil, err
	}
	if err := doc.fillContents(cms); err != nil {
		return nil, err
	}
	return doc.out, nil
}

// SignAndVerify signs pdf with s, then verifies the result against roots at
// now, as docs/signing.md §3 requires before anything is stored. It returns the signed PDF
// and the verification result.
//
// It returns the error of s.Sign, or ErrSelfCheck wrapping the verdict when
// the signed PDF does not verify as valid.
func SignAndVerify(ctx context.Context, s Signer, pdf []byte, meta Meta, roots *x509.CertPool, now time.Time) ([]byte, Result, error) {
	signed, err := s.Sign(ctx, pdf, meta)
	if err != nil {
		return nil, Result{}, err
	}
	res := Verify(signed, roots, now)
	if !res.Valid {
		return nil, res, fmt.Errorf("%w: %s", ErrSelfCheck, res.Code)
	}
	return signed, res, nil
}
