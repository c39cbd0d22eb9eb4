package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Signer certificates of /pengaturan/sertifikat: the village admin sees
// them and may revoke one with a reason (letters signed before stay valid;
// the CA holder lists it in the next CRL), but never issues one. Issuance is an
// enrolment (enrolment.go): the official asks with their own login and
// passphrase, the CA holder at the kabupaten approves.

// certificateRow is one certificate in the list.
type certificateRow struct {
	surat.SignerCertificate
	Official string
	Status   string // Aktif, Kedaluwarsa, Dicabut, Belum berlaku
	Active   bool
}

// NotBeforeWIB is the start of validity in WIB.
func (r certificateRow) NotBeforeWIB() string { return surat.FormatDate(surat.LetterTime(r.NotBefore)) }

// NotAfterWIB is the end of validity in WIB.
func (r certificateRow) NotAfterWIB() string { return surat.FormatDate(surat.LetterTime(r.NotAfter)) }

// RevokedWIB is when the certificate was revoked, in WIB.
func (r certificateRow) RevokedWIB() string {
	if r.RevokedAt == nil {
		return ""
	}
	return minuteWIB(*r.RevokedAt)
}

// FingerprintGroups is the fingerprint in groups of four, easier to read
// aloud and compare.
func (r certificateRow) FingerprintGroups() string {
	var parts []string
	for i := 0; i < len(r.Fingerprint); i += 4 {
		parts = append(parts, r.Fingerprint[i:min(i+4, len(r.Fingerprint))])
	}
	return strings.Join(parts, " ")
}

// certificatesPage lists the village's certificates.
type certificatesPage struct {
	basePage
	Tabs         []settingsTab
	Certificates []certificateRow
}

// certificatePage shows one certificate with the revocation form.
type certificatePage struct {
	basePage
	Tabs        []settingsTab
	Certificate certificateRow
	// Unlisted: revoked, and the current CRL does not list it yet.
	Unlisted bool
	Reason   string
	Errors   map[string]string
}

// certificateRowOf describes a certificate at now.
func certificateRowOf(cert surat.SignerCertificate, official string, now time.Time) certificateRow {
	r := certificateRow{SignerCertificate: cert, Official: official}
	switch {
	case cert.RevokedAt != nil:
		r.Status = "Dicabut"
	case now.Before(cert.NotBefore):
		r.Status = "Belum berlaku"
	case !now.Before(cert.NotAfter):
		r.Status = "Kedaluwarsa"
	default:
		r.Status, r.Active = "Aktif", true
	}
	return r
}

// certOfficialNames maps the village's officials' ids to their names.
func (s *Server) certOfficialNames(ctx context.Context, vid int64) (map[int64]string, error) {
	os, err := s.store.Officials(ctx, vid)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(os))
	for _, o := range os {
		m[o.ID] = o.Name + " (" + o.Jabatan + ")"
	}
	return m, nil
}

// handleCertificates lists the village's signer certificates.
func (s *Server) handleCertificates(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return err
	}
	certs, err := s.store.SignerCertificates(ctx, vid)
	if err != nil {
		return err
	}
	names, err := s.certOfficialNames(ctx, vid)
	if err != nil {
		return err
	}
	p := certificatesPage{basePage: s.base(c, "Sertifikat tanda tangan elektronik"),
		Tabs: settingsTabs("/pengaturan/sertifikat")}
	now := s.now()
	for _, cert := range certs {
		p.Certificates = append(p.Certificates, certificateRowOf(cert, names[cert.OfficialID], now))
	}
	s.settingsNotice(c, &p.basePage)
	s.render(c, http.StatusOK, "settings_certificates", p)
	return nil
}

// villageCertificate is the certificate named by :id, of the admin's
// village; another village's is not found.
func (s *Server) villageCertificate(c *gin.Context) (int64, certificateRow, error) {
	ctx := c.Request.Context()
	vid, err := adminVillage(c)
	if err != nil {
		return 0, certificateRow{}, err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return 0, certificateRow{}, err
	}
	cert, err := s.store.CertificateByID(ctx, id)
	if err != nil {
		return 0, certificateRow{}, err
	}
	if cert.VillageID != vid {
		return 0, certificateRow{}, fmt.Errorf("certificate %d of another village: %w", id, surat.ErrNotFound)
	}
	names, err := s.certOfficialNames(ctx, vid)
	if err != nil {
		return 0, certificateRow{}, err
	}
	return vid, certificateRowOf(*cert, names[cert.OfficialID], s.now()), nil
}

// handleCertificate shows one certificate and, while it is not revoked,
// the revocation form.
func (s *Server) handleCertificate(c *gin.Context) error {
	_, row, err := s.villageCertificate(c)
	if err != nil {
		return err
	}
	return s.renderCertificate(c, http.StatusOK, row, "", nil)
}

func (s *Server) renderCertificate(c *gin.Context, status int, row certificateRow, reason string, errs map[string]string) error {
	p := certificatePage{basePage: s.base(c, "Sertifikat "+row.Serial), Tabs: settingsTabs("/pengaturan/sertifikat"),
		Certificate: row, Reason: reason, Errors: errs}
	if row.RevokedAt != nil {
		_, unlisted, err := s.issuance.UnlistedRevocations(c.Request.Context())
		if err != nil {
			return err
		}
		for _, u := range unlisted {
			p.Unlisted = p.Unlisted || u.ID == row.ID
		}
	}
	s.render(c, status, "settings_certificate", p)
	return nil
}

// handleCertificateRevoke revokes a certificate of the village.
func (s *Server) handleCertificateRevoke(c *gin.Context) error {
	ctx := c.Request.Context()
	vid, row, err := s.villageCertificate(c)
	if err != nil {
		return err
	}
	iss := s.issuance
	reason := strings.TrimSpace(c.PostForm("reason"))
	p := surat.Problems{}
	if fields, ok := surat.FieldErrors(surat.ValidateReason("reason", reason)); ok {
		p.Add("reason", fields["reason"])
	}
	if row.RevokedAt != nil {
		p.AddCode("reason", surat.ProblemCertificateRevoked)
	}
	if len(p) > 0 {
		return s.renderCertificate(c, http.StatusUnprocessableEntity, row, reason, p)
	}
	_, err = iss.RevokeCertificate(ctx, actorOf(currentUser(c)), vid, row.ID, reason)
	if errors.Is(err, surat.ErrConflict) {
		// Revoked by someone else between the check above and now.
		err = surat.Invalid("reason", surat.ProblemCertificateRevoked)
	}
	if err != nil {
		pr := classify(err, s.now())
		if !inlineRefusal(pr) {
			return err
		}
		return s.renderCertificate(c, pr.Status, row, reason, pr.Fields)
	}
	redirectWithNotice(c, "/pengaturan/sertifikat", "sertifikat-cabut")
	return nil
}
