package web

import (
	"encoding/pem"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The deployment's public PKI files, served from package verify: the active
// root certificate, which a verifier installs as trusted to check our
// signatures offline (pdfsig, Acrobat), and the latest certificate
// revocation list, the CRL distribution point named in every signer
// certificate.

// pkiCacheControl lets verifiers and proxies keep the files for a while;
// a new root or CRL shows up within five minutes.
const pkiCacheControl = "public, max-age=300"

// handleRootCert serves the active root certificate in DER as
// application/pkix-cert (RFC 2585), or 404 before a root exists. With
// ?format=pem it is PEM text instead.
func (s *Server) handleRootCert(c *gin.Context) error {
	der, err := s.verify.RootCertificate(c.Request.Context())
	if err != nil {
		return err
	}
	c.Header("Cache-Control", pkiCacheControl)
	if c.Query("format") == "pem" {
		c.Header("Content-Disposition", `attachment; filename="suratdesa-root.pem"`)
		c.Data(http.StatusOK, "application/x-pem-file", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
		return nil
	}
	c.Header("Content-Disposition", `attachment; filename="suratdesa-root.crt"`)
	c.Data(http.StatusOK, "application/pkix-cert", der)
	return nil
}

// handleCRL serves the active root's latest CRL in DER as
// application/pkix-crl, or 404 when there is no root or no CRL yet.
func (s *Server) handleCRL(c *gin.Context) error {
	crl, err := s.verify.CRL(c.Request.Context())
	if err != nil {
		return err
	}
	c.Header("Cache-Control", pkiCacheControl)
	c.Data(http.StatusOK, "application/pkix-crl", crl)
	return nil
}
