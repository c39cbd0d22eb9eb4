// Package pki is the deployment's small certificate authority: the root CA,
// one signer certificate per signing official, their private keys sealed
// under a passphrase, and the certificate revocation list.
//
// Every key is ECDSA P-256 (docs/signing.md §2: Ed25519 is not verifiable by pdfsig or
// Acrobat, RSA-3072 breaks some signers). The package does no I/O: callers
// store certificates (DER or PEM) and sealed key blobs wherever they like.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
)

// Validity periods. The root outlives every signer certificate it issues by
// a wide margin, so letters stay checkable long after their signer's term.
const (
	RootValidity      = 15 * 365 * 24 * time.Hour
	MaxSignerValidity = 2 * 365 * 24 * time.Hour
)

// oidDocumentSigning is id-kp-documentSigning (RFC 9336). It is added next to
// emailProtection, never alone: NSS (pdfsig) rejects a certificate whose only
// extended key usage is documentSigning (docs/signing.md §2).
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// oidTitle is the X.520 title attribute, where the signer's jabatan goes.
var oidTitle = asn1.ObjectIdentifier{2, 5, 4, 12}

// Errors returned by this package. Callers test them with errors.Is.
var (
	// ErrInvalidRequest means an argument is missing or out of range; the
	// wrapped message says which.
	ErrInvalidRequest = errors.New("pki: invalid request")
	// ErrWeakPassphrase means a new passphrase is shorter than MinPassphraseLen.
	ErrWeakPassphrase = errors.New("pki: passphrase too short")
)

// Credential is a newly made certificate with its private key sealed under
// the passphrase chosen at issuance (see SealKey). Store both; the key is
// only usable through DecryptKey.
type Credential struct {
	Cert      *x509.Certificate
	SealedKey []byte
}

// NewRootCA creates the deployment's self-signed root CA: ECDSA P-256,
// CA:TRUE with path length 0, keyCertSign|cRLSign, a subject key identifier,
// valid from now for RootValidity. Its key is sealed under passphrase with
// kdf (zero value: auth.DefaultParams) and bound to the root's fingerprint
// with village id 0.
//
// It returns ErrInvalidRequest for an empty commonName or a zero now,
// ErrWeakPassphrase for a short passphrase, or an error from key generation.
func NewRootCA(commonName string, now time.Time, passphrase string, kdf auth.Params) (*Credential, error) {
	commonName = strings.TrimSpace(commonName)
	if commonName == "" || now.IsZero() {
		return nil, fmt.Errorf("%w: root CA needs a common name and a time", ErrInvalidRequest)
	}
	if err := checkPassphrase(passphrase); err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName, Country: []string{"ID"}},
		NotBefore:             now,
		NotAfter:              now.Add(RootValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	return issue(tmpl, nil, nil, passphrase, 0, kdf)
}

// SignerSubject names the official a signer certificate is issued to.
type SignerSubject struct {
	Name      string // person's name with titles, the certificate's CN
	Jabatan   string // office, e.g. "Kepala Desa"; the certificate's title
	Village   string // village name without "Desa", e.g. "Sumberejo"
	Kabupaten string // the certificate's locality, e.g. "Kabupaten Malang"
	VillageID int64  // binds the sealed key to the village; never in the certificate
}

// SignerRequest is everything IssueSigner needs besides the root.
type SignerRequest struct {
	Subject    SignerSubject
	Passphrase string        // chosen by the official; seals the new key
	Now        time.Time     // start of validity
	Validity   time.Duration // 0 means MaxSignerValidity; more than that is refused
	CRLURL     string        // CRL distribution point, <base URL>/pki/crl.der
	KDF        auth.Params   // zero value means auth.DefaultParams
}

// IssueSigner issues a signer certificate under root: ECDSA P-256, subject
// CN=name, title=jabatan, O=Pemerintah Desa <village>, L=<kabupaten>, C=ID,
// KeyUsage digitalSignature|contentCommitment, ExtKeyUsage emailProtection
// plus documentSigning, the CRL distribution point, a random 128-bit serial.
// NotAfter is clipped to the root's. The new key is sealed under
// req.Passphrase and bound to the certificate and req.Subject.VillageID.
//
// It returns ErrInvalidRequest for a missing field, a non-positive village
// id, a validity above MaxSignerValidity, a root that is not a CA or has
// expired at req.Now; ErrWeakPassphrase for a short passphrase; or the error
// of x509.CreateCertificate (for instance a rootKey not matching root).
func IssueSigner(root *x509.Certificate, rootKey crypto.Signer, req SignerRequest) (*Credential, error) {
	tmpl, err := signerTemplate(root, rootKey, req)
	if err != nil {
		return nil, err
	}
	if err := checkPassphrase(req.Passphrase); err != nil {
		return nil, err
	}
	return issue(tmpl, root, rootKey, req.Passphrase, req.Subject.VillageID, req.KDF)
}

// CertifyKey issues a signer certificate under root, exactly as IssueSigner
// does, for a key pair made earlier by NewPendingKey: publicKeyDER is its
// public key (PKIX, DER). The private key stays sealed where it is; the CA
// never sees it nor the passphrase. req.Passphrase and req.KDF are ignored.
//
// Errors: those of IssueSigner about the request and the root, and
// ErrInvalidRequest for a public key that is not ECDSA P-256.
func CertifyKey(root *x509.Certificate, rootKey crypto.Signer, publicKeyDER []byte, req SignerRequest) (*x509.Certificate, error) {
	tmpl, err := signerTemplate(root, rootKey, req)
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKIXPublicKey(publicKeyDER)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %v", ErrInvalidRequest, err)
	}
	pub, ok := parsed.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: public key is not ECDSA P-256", ErrInvalidRequest)
	}
	if tmpl.SerialNumber, err = randomSerial(); err != nil {
		return nil, err
	}
	if tmpl.SubjectKeyId, err = subjectKeyID(pub); err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, pub, rootKey)
	if err != nil {
		return nil, fmt.Errorf("pki: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parse new certificate: %w", err)
	}
	return cert, nil
}

// signerTemplate checks req and root and returns the template of a signer
// certificate, without serial, key identifier or key.
func signerTemplate(root *x509.Certificate, rootKey crypto.Signer, req SignerRequest) (*x509.Certificate, error) {
	s := req.Subject
	switch {
	case root == nil || rootKey == nil:
		return nil, fmt.Errorf("%w: root certificate and key are required", ErrInvalidRequest)
	case !root.IsCA || root.KeyUsage&x509.KeyUsageCertSign == 0:
		return nil, fmt.Errorf("%w: root certificate is not a CA", ErrInvalidRequest)
	case strings.TrimSpace(s.Name) == "" || strings.TrimSpace(s.Jabatan) == "" ||
		strings.TrimSpace(s.Village) == "" || strings.TrimSpace(s.Kabupaten) == "":
		return nil, fmt.Errorf("%w: name, jabatan, village and kabupaten are required", ErrInvalidRequest)
	case s.VillageID <= 0:
		return nil, fmt.Errorf("%w: village id must be positive", ErrInvalidRequest)
	case req.Now.IsZero():
		return nil, fmt.Errorf("%w: issuance time is required", ErrInvalidRequest)
	case req.Now.Before(root.NotBefore) || !req.Now.Before(root.NotAfter):
		return nil, fmt.Errorf("%w: root certificate is not valid at %s", ErrInvalidRequest, req.Now.UTC().Format(time.RFC3339))
	case req.Validity < 0 || req.Validity > MaxSignerValidity:
		return nil, fmt.Errorf("%w: validity must be at most %s", ErrInvalidRequest, MaxSignerValidity)
	case req.CRLURL == "":
		return nil, fmt.Errorf("%w: CRL URL is required", ErrInvalidRequest)
	}
	validity := req.Validity
	if validity == 0 {
		validity = MaxSignerValidity
	}
	notAfter := req.Now.Add(validity)
	if notAfter.After(root.NotAfter) {
		notAfter = root.NotAfter
	}
	return &x509.Certificate{
		Subject: pkix.Name{
			CommonName:   strings.TrimSpace(s.Name),
			Organization: []string{"Pemerintah Desa " + strings.TrimSpace(s.Village)},
			Locality:     []string{strings.TrimSpace(s.Kabupaten)},
			Country:      []string{"ID"},
			ExtraNames:   []pkix.AttributeTypeAndValue{{Type: oidTitle, Value: strings.TrimSpace(s.Jabatan)}},
		},
		NotBefore:             req.Now,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidDocumentSigning},
		BasicConstraintsValid: true,
		IsCA:                  false,
		CRLDistributionPoints: []string{req.CRLURL},
	}, nil
}

// issue generates a P-256 key, completes tmpl with a random serial and the
// key's identifier, signs it with parentKey under parent (self-signed when
// parent is nil; the AuthorityKeyId comes from parent's SubjectKeyId), and
// seals the new key bound to the certificate and villageID.
func issue(tmpl, parent *x509.Certificate, parentKey crypto.Signer, passphrase string, villageID int64, kdf auth.Params) (*Credential, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generate key: %w", err)
	}
	if tmpl.SerialNumber, err = randomSerial(); err != nil {
		return nil, err
	}
	if tmpl.SubjectKeyId, err = subjectKeyID(&key.PublicKey); err != nil {
		return nil, err
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("pki: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parse new certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: marshal key: %w", err)
	}
	defer wipe(pkcs8)
	blob, err := SealKey(pkcs8, passphrase, cert, villageID, kdf)
	if err != nil {
		return nil, err
	}
	return &Credential{Cert: cert, SealedKey: blob}, nil
}

// Revoked is one entry of a CRL. ReasonCode follows RFC 5280 §5.3.1
// (0 unspecified, 1 keyCompromise, 3 affiliationChanged, 4 superseded,
// 5 cessationOfOperation, ...).
type Revoked struct {
	Serial     *big.Int
	Time       time.Time
	ReasonCode int
}

// CreateCRL returns a DER CRL signed by root listing revoked, numbered
// number (must grow with every CRL issued), valid from now to nextUpdate.
//
// It returns ErrInvalidRequest for a nil root or key, a non-positive number,
// a nextUpdate not after now or an entry without serial, or the error of
// x509.CreateRevocationList.
func CreateCRL(root *x509.Certificate, rootKey crypto.Signer, revoked []Revoked, number int64, now, nextUpdate time.Time) ([]byte, error) {
	if root == nil || rootKey == nil || number <= 0 || !nextUpdate.After(now) {
		return nil, fmt.Errorf("%w: CRL needs root, key, a positive number and nextUpdate after now", ErrInvalidRequest)
	}
	entries := make([]x509.RevocationListEntry, 0, len(revoked))
	for _, r := range revoked {
		if r.Serial == nil {
			return nil, fmt.Errorf("%w: revoked entry without serial", ErrInvalidRequest)
		}
		entries = append(entries, x509.RevocationListEntry{
			SerialNumber:   r.Serial,
			RevocationTime: r.Time,
			ReasonCode:     r.ReasonCode,
		})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(number),
		ThisUpdate:                now,
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: entries,
	}, root, rootKey)
	if err != nil {
		return nil, fmt.Errorf("pki: create CRL: %w", err)
	}
	return der, nil
}

// Fingerprint returns the SHA-256 of the certificate's DER in lower-case hex,
// the form stored and compared.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// DisplayFingerprint returns the SHA-256 fingerprint as upper-case hex pairs
// separated by colons, the form browsers and certutil show.
func DisplayFingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// CertificatePEM encodes cert as one PEM "CERTIFICATE" block.
func CertificatePEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// ParseCertificatePEM parses the first PEM "CERTIFICATE" block of data. It
// returns an error when there is no such block or it does not parse.
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("pki: no CERTIFICATE PEM block")
		}
		if block.Type == "CERTIFICATE" {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("pki: parse certificate: %w", err)
			}
			return cert, nil
		}
	}
}

// randomSerial returns a random positive serial of at most 128 bits
// (RFC 5280 allows up to 20 octets; CA/B asks for 64+ bits of entropy).
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("pki: serial: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// subjectKeyID is RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey
// bits. SHA-1 is an identifier here, not a security function.
func subjectKeyID(pub *ecdsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("pki: marshal public key: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("pki: parse public key: %w", err)
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:], nil
}
