package surat

import (
	"strings"
	"time"
)

// RootCA is the deployment's root certificate authority as stored: its
// certificate, its private key sealed under the root passphrase (never in
// clear), and the latest certificate revocation list it signed. The newest
// root is the active one; older roots stay so that letters signed under them
// can still be checked.
type RootCA struct {
	ID         int64
	CommonName string
	// Fingerprint is the SHA-256 of the certificate's DER, lower-case hex.
	Fingerprint string
	CertPEM     string `gorm:"column:cert_pem"`
	// SealedKey is the JSON blob made by package pki (Argon2id +
	// AES-256-GCM); only the root passphrase opens it.
	SealedKey string
	// CRLNumber is the number of the latest CRL; every new CRL takes the
	// next one.
	CRLNumber int64 `gorm:"column:crl_number"`
	// CRLDER is the latest CRL in DER, nil before the first one.
	CRLDER       []byte     `gorm:"column:crl_der"`
	CRLUpdatedAt *time.Time `gorm:"column:crl_updated_at"`
	CreatedAt    time.Time
}

// SignerCertificate is the certificate of one signing official of a
// village, with the official's private key sealed under the passphrase the
// official chose at issuance. The passphrase is never stored; five wrong
// ones in a row lock signing for a while (SignLockedUntil).
type SignerCertificate struct {
	ID         int64
	VillageID  int64
	OfficialID int64
	RootID     int64
	// Serial is the certificate serial number in lower-case hex without
	// leading zeros, as shown by the verification page.
	Serial string
	// Fingerprint is the SHA-256 of the certificate's DER, lower-case hex.
	Fingerprint string
	CertPEM     string `gorm:"column:cert_pem"`
	SealedKey   string
	NotBefore   time.Time
	NotAfter    time.Time
	// RevokedAt is when the certificate was revoked, nil while it is not.
	// Letters signed before stay valid.
	RevokedAt    *time.Time
	RevokeReason string
	// SignFailures counts wrong passphrases since the last success or lock.
	SignFailures int
	// SignLockedUntil, when in the future, refuses every signing attempt.
	SignLockedUntil *time.Time
	// ApprovedBy is the CA holder who issued it: the kabupaten admin who
	// approved the official's enrolment, or the operator of `app pki issue`.
	ApprovedBy string
	CreatedAt  time.Time
}

// Revoked reports whether the certificate has been revoked.
func (c *SignerCertificate) Revoked() bool { return c.RevokedAt != nil }

// UsableAt reports whether the certificate may sign at t: issued, not
// expired and not revoked.
func (c *SignerCertificate) UsableAt(t time.Time) bool {
	return c.RevokedAt == nil && !t.Before(c.NotBefore) && t.Before(c.NotAfter)
}

// LockedAt reports whether signing with the certificate is locked at t
// after repeated wrong passphrases.
func (c *SignerCertificate) LockedAt(t time.Time) bool {
	return c.SignLockedUntil != nil && t.Before(*c.SignLockedUntil)
}

// Sign lock-out policy: after MaxSignFailures wrong passphrases in a row,
// signing with that certificate is refused for SignLockDuration.
const (
	MaxSignFailures  = 5
	SignLockDuration = 15 * time.Minute
)

// ValidVerifyCode reports whether code has the shape of a verification
// code: 26 characters of the base32 alphabet (A-Z, 2-7), which is 128 bits
// without padding. Lower case is not accepted; callers that want to be
// lenient upper-case first. Every public scan asks it, so it tests the
// bytes itself rather than with a regular expression (a third of a
// microsecond less a scan).
func ValidVerifyCode(code string) bool {
	if len(code) != VerifyCodeLen {
		return false
	}
	for i := range len(code) {
		if c := code[i]; (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// VerifyCodeLen is the length of a verification code.
const VerifyCodeLen = 26

// NormalizeSerial is a certificate serial as stored: lower-case hex without
// a 0x prefix, colons or leading zeros.
func NormalizeSerial(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "0x")
	s = strings.ReplaceAll(s, ":", "")
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

// EnrolmentStatus is where a certificate enrolment stands.
type EnrolmentStatus string

// The statuses of an enrolment. Only a pending one can be decided, once.
const (
	EnrolmentPending   EnrolmentStatus = "menunggu"
	EnrolmentApproved  EnrolmentStatus = "disetujui"
	EnrolmentRejected  EnrolmentStatus = "ditolak"
	EnrolmentCancelled EnrolmentStatus = "dibatalkan"
)

// Label is the status as the pages show it.
func (s EnrolmentStatus) Label() string {
	switch s {
	case EnrolmentPending:
		return "Menunggu persetujuan"
	case EnrolmentApproved:
		return "Disetujui"
	case EnrolmentRejected:
		return "Ditolak"
	case EnrolmentCancelled:
		return "Dibatalkan (diganti permohonan baru)"
	}
	return string(s)
}

// ReasonReplacedByNewCertificate is the revocation reason of an official's
// certificate when the CA issues them a new one: an official has at most
// one active certificate.
const ReasonReplacedByNewCertificate = "diganti sertifikat baru"

// CertificateEnrolment is an official's request for a signer certificate:
// the key pair made when they asked, its private key sealed under the
// passphrase they chose (nobody else knows it), waiting for the CA holder.
type CertificateEnrolment struct {
	ID         int64
	VillageID  int64
	OfficialID int64
	// UserID is the penandatangan login that asked; approval links it to
	// the official.
	UserID       int64
	PublicKeyDER []byte `gorm:"column:public_key_der"`
	// KeyFingerprint is the SHA-256 of PublicKeyDER, lower-case hex.
	KeyFingerprint string
	SealedKey      string
	Status         EnrolmentStatus
	RejectReason   string
	// CertificateID is the certificate issued on approval.
	CertificateID *int64
	DecidedBy     string
	DecidedAt     *time.Time
	CreatedAt     time.Time
}
