package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"
)

// TestPendingKeyCertified follows an enrolment: the official's key pair
// is made and sealed first, the CA certifies its public key later, and only
// the official's passphrase opens the key for that certificate and village.
func TestPendingKeyCertified(t *testing.T) {
	root, rootKey := newRoot(t)
	pending, err := NewPendingKey(signerPass, villageID, cheapKDF)
	if err != nil {
		t.Fatalf("NewPendingKey: %v", err)
	}
	req := signerRequest()
	req.Passphrase = ""
	cert, err := CertifyKey(root.Cert, rootKey, pending.PublicKeyDER, req)
	if err != nil {
		t.Fatalf("CertifyKey: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root.Cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: testNow,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}); err != nil {
		t.Fatalf("certified key does not chain to the root: %v", err)
	}
	if got, want := cert.Subject.CommonName, "SUTRISNO, S.Pd."; got != want {
		t.Errorf("CN = %q, want %q", got, want)
	}
	key, err := DecryptKey(pending.SealedKey, signerPass, cert, villageID)
	if err != nil {
		t.Fatalf("DecryptKey: %v", err)
	}
	defer key.Wipe()
	digest := sha256.Sum256([]byte("surat"))
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil || !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), digest[:], sig) {
		t.Fatalf("signature with the enrolled key does not verify: %v", err)
	}

	if _, err := DecryptKey(pending.SealedKey, "salah-sekali", cert, villageID); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	if _, err := DecryptKey(pending.SealedKey, signerPass, cert, villageID+1); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("other village: %v, want ErrKeyMismatch", err)
	}
	other := newSigner(t, root, rootKey)
	if _, err := DecryptKey(pending.SealedKey, signerPass, other.Cert, villageID); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("another certificate: %v, want ErrKeyMismatch", err)
	}
	// Changing the passphrase reseals it bound to the certificate.
	blob, err := ChangePassphrase(pending.SealedKey, signerPass, "frasa baru sekali", cert, villageID, cheapKDF)
	if err != nil {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	k2, err := DecryptKey(blob, "frasa baru sekali", cert, villageID)
	if err != nil {
		t.Fatalf("DecryptKey after change: %v", err)
	}
	k2.Wipe()
}

func TestPendingKeyRejects(t *testing.T) {
	if _, err := NewPendingKey("pendek", villageID, cheapKDF); !errors.Is(err, ErrWeakPassphrase) {
		t.Errorf("short passphrase: %v", err)
	}
	if _, err := NewPendingKey(signerPass, 0, cheapKDF); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("no village: %v", err)
	}
	root, rootKey := newRoot(t)
	// A root public key (P-256 but not ours to certify twice) is fine to
	// parse; garbage and another curve are not.
	if _, err := CertifyKey(root.Cert, rootKey, []byte("not a key"), signerRequest()); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("garbage public key: %v", err)
	}
	p, err := NewPendingKey(signerPass, villageID, cheapKDF)
	if err != nil {
		t.Fatal(err)
	}
	bad := signerRequest()
	bad.Subject.Name = ""
	if _, err := CertifyKey(root.Cert, rootKey, p.PublicKeyDER, bad); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("no name: %v", err)
	}
	// A blob sealed for a key, edited to claim a certificate, is refused.
	cert, err := CertifyKey(root.Cert, rootKey, p.PublicKeyDER, signerRequest())
	if err != nil {
		t.Fatal(err)
	}
	forged := editBlob(t, p.SealedKey, func(s *sealedKey) { s.Cert = Fingerprint(cert) })
	if _, err := DecryptKey(forged, signerPass, cert, villageID); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("blob with both bindings: %v", err)
	}
}
