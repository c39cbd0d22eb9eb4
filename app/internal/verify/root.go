package verify

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The deployment's public trust anchors: the active root certificate, which
// a verifier installs as trusted to check our signatures offline (pdfsig,
// Acrobat), and the latest certificate revocation list, the CRL
// distribution point named in every signer certificate.

// Root is the active root CA as the public pages show it.
type Root struct {
	CommonName string
	// Fingerprint is the SHA-256 of the root certificate, lower-case hex.
	Fingerprint string
	// Display is the fingerprint the way browsers and certutil print it:
	// upper-case hex pairs separated by colons.
	Display string
}

// rootCacheTTL is how long the public pages show a root CA without asking
// the database again. A new root is made by `app pki init`, possibly in
// another process, so it cannot invalidate this cache; a minute of delay is
// harmless, and every verification page would otherwise pay for the query.
const rootCacheTTL = time.Minute

// rootCache holds the last active root read from the database.
type rootCache struct {
	mu   sync.Mutex
	root *Root
	at   time.Time
}

// Root returns the active root CA, or nil (and no error) before
// `app pki init`. Only a found root is cached, so the first root shows up
// at once; the *Root returned is shared and must not be changed.
func (s *Service) Root(ctx context.Context) (*Root, error) {
	rc := &s.root
	now := s.now()
	rc.mu.Lock()
	if rc.root != nil && fresh(rc.at, now, rootCacheTTL) {
		r := rc.root
		rc.mu.Unlock()
		return r, nil
	}
	rc.mu.Unlock()
	r, err := s.store.ActiveRoot(ctx)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := &Root{CommonName: r.CommonName, Fingerprint: r.Fingerprint, Display: displayFingerprint(r.Fingerprint)}
	rc.mu.Lock()
	rc.root, rc.at = v, now
	rc.mu.Unlock()
	return v, nil
}

// displayFingerprint writes a lower-case hex fingerprint as upper-case
// pairs separated by colons ("AB:CD:..."); what is not hex is only
// upper-cased.
func displayFingerprint(fp string) string {
	if len(fp)%2 != 0 || strings.Trim(fp, "0123456789abcdefABCDEF") != "" {
		return strings.ToUpper(fp)
	}
	var b strings.Builder
	b.Grow(len(fp) * 3 / 2)
	for i := 0; i < len(fp); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strings.ToUpper(fp[i : i+2]))
	}
	return b.String()
}

// RootCertificate returns the DER of the active root certificate, read
// fresh, or an error wrapping surat.ErrNotFound before `app pki init`.
func (s *Service) RootCertificate(ctx context.Context) ([]byte, error) {
	r, err := s.store.ActiveRoot(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: root certificate: %w", err)
	}
	block, _ := pem.Decode([]byte(r.CertPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("verify: root %d: stored certificate is not PEM", r.ID)
	}
	return block.Bytes, nil
}

// CRL returns the DER of the active root's latest certificate revocation
// list, read fresh, or an error wrapping surat.ErrNotFound when there is no
// root or no CRL yet.
func (s *Service) CRL(ctx context.Context) ([]byte, error) {
	r, err := s.store.ActiveRoot(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: crl: %w", err)
	}
	if len(r.CRLDER) == 0 {
		return nil, fmt.Errorf("verify: root %d has no CRL yet: %w", r.ID, surat.ErrNotFound)
	}
	return r.CRLDER, nil
}
