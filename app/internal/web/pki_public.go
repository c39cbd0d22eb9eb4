package web

import (
	"context"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The deployment's public PKI files: the active root certificate, which a
// verifier installs as trusted to check our signatures offline (pdfsig,
// Acrobat), and the latest certificate revocation list, the CRL
// distribution point named in every signer certificate.

// rootView is the active root CA as the public pages show it.
type rootView struct {
	CommonName string
	// Fingerprint is the SHA-256 of the root certificate, lower-case hex.
	Fingerprint string
}

// Display is the fingerprint the way browsers and certutil print it:
// upper-case hex pairs separated by colons.
func (r *rootView) Display() string {
	b, err := hex.DecodeString(r.Fingerprint)
	if err != nil {
		return strings.ToUpper(r.Fingerprint)
	}
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}

// rootCacheTTL is how long the public pages show a root CA without asking
// the database again. A new root is made by `app pki init`, possibly in
// another process, so it cannot invalidate this cache; a minute of delay is
// harmless, and every verification page would otherwise pay for the query.
const rootCacheTTL = time.Minute

// rootCache holds the last active root read from the database.
type rootCache struct {
	mu   sync.Mutex
	view *rootView
	at   time.Time
}

// rootView returns the active root CA, or nil before `app pki init`. Only
// a found root is cached, so the first root shows up at once.
func (s *Server) rootView(ctx context.Context) (*rootView, error) {
	rc := &s.public.root
	now := s.now()
	rc.mu.Lock()
	if rc.view != nil && now.Sub(rc.at) < rootCacheTTL && !now.Before(rc.at) {
		v := rc.view
		rc.mu.Unlock()
		return v, nil
	}
	rc.mu.Unlock()
	r, err := s.store.ActiveRoot(ctx)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := &rootView{CommonName: r.CommonName, Fingerprint: r.Fingerprint}
	rc.mu.Lock()
	rc.view, rc.at = v, now
	rc.mu.Unlock()
	return v, nil
}

// pkiCacheControl lets verifiers and proxies keep the files for a while;
// a new root or CRL shows up within five minutes.
const pkiCacheControl = "public, max-age=300"

// handleRootCert serves the active root certificate in DER as
// application/pkix-cert (RFC 2585), or 404 before a root exists. With
// ?format=pem it is PEM text instead.
func (s *Server) handleRootCert(c *gin.Context) error {
	r, err := s.store.ActiveRoot(c.Request.Context())
	if err != nil {
		return err
	}
	block, _ := pem.Decode([]byte(r.CertPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return fmt.Errorf("root %d: stored certificate is not PEM", r.ID)
	}
	c.Header("Cache-Control", pkiCacheControl)
	if c.Query("format") == "pem" {
		c.Header("Content-Disposition", `attachment; filename="suratdesa-root.pem"`)
		c.Data(http.StatusOK, "application/x-pem-file", pem.EncodeToMemory(block))
		return nil
	}
	c.Header("Content-Disposition", `attachment; filename="suratdesa-root.crt"`)
	c.Data(http.StatusOK, "application/pkix-cert", block.Bytes)
	return nil
}

// handleCRL serves the active root's latest CRL in DER as
// application/pkix-crl, or 404 when there is no root or no CRL yet.
func (s *Server) handleCRL(c *gin.Context) error {
	r, err := s.store.ActiveRoot(c.Request.Context())
	if err != nil {
		return err
	}
	if len(r.CRLDER) == 0 {
		return fmt.Errorf("root %d has no CRL yet: %w", r.ID, surat.ErrNotFound)
	}
	c.Header("Cache-Control", pkiCacheControl)
	c.Data(http.StatusOK, "application/pkix-crl", r.CRLDER)
	return nil
}
