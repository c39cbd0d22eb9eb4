package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
)

// cheapKDF keeps tests fast; production uses auth.DefaultParams.
var cheapKDF = auth.Params{Time: 1, Memory: 1024, Threads: 1}

const (
	rootPass   = "root passphrase 1"
	signerPass = "demo12345"
	villageID  = 7
	crlURL     = "https://desa.example/pki/crl.der"
)

var testNow = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func newRoot(t testing.TB) (*Credential, *Key) {
	t.Helper()
	root, err := NewRootCA("Root CA Surat Desa Kabupaten Contoh", testNow, rootPass, cheapKDF)
	if err != nil {
		t.Fatalf("NewRootCA: %v", err)
	}
	key, err := DecryptKey(root.SealedKey, rootPass, root.Cert, 0)
	if err != nil {
		t.Fatalf("DecryptKey(root): %v", err)
	}
	t.Cleanup(key.Wipe)
	return root, key
}

func signerRequest() SignerRequest {
	return SignerRequest{
		Subject: SignerSubject{
			Name: "SUTRISNO, S.Pd.", Jabatan: "Kepala Desa", Village: "Sumberejo",
			Kabupaten: "Kabupaten Malang", VillageID: villageID,
		},
		Passphrase: signerPass,
		Now:        testNow,
		CRLURL:     crlURL,
		KDF:        cheapKDF,
	}
}

func newSigner(t testing.TB, root *Credential, rootKey crypto.Signer) *Credential {
	t.Helper()
	c, err := IssueSigner(root.Cert, rootKey, signerRequest())
	if err != nil {
		t.Fatalf("IssueSigner: %v", err)
	}
	return c
}

// newSignerKey issues a signer certificate and opens its key, wiped when
// the test ends.
func newSignerKey(t testing.TB, root *Credential, rootKey crypto.Signer) (*Credential, *Key) {
	t.Helper()
	signer := newSigner(t, root, rootKey)
	key, err := DecryptKey(signer.SealedKey, signerPass, signer.Cert, villageID)
	if err != nil {
		t.Fatalf("DecryptKey(signer): %v", err)
	}
	t.Cleanup(key.Wipe)
	return signer, key
}

func TestNewRootCA(t *testing.T) {
	root, key := newRoot(t)
	c := root.Cert
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
		t.Errorf("basic constraints: IsCA=%v valid=%v maxPathLen=%d zero=%v, want CA with pathlen 0",
			c.IsCA, c.BasicConstraintsValid, c.MaxPathLen, c.MaxPathLenZero)
	}
	if got, want := c.KeyUsage, x509.KeyUsageCertSign|x509.KeyUsageCRLSign; got != want {
		t.Errorf("KeyUsage = %v, want %v", got, want)
	}
	if len(c.SubjectKeyId) == 0 {
		t.Error("SubjectKeyId is empty")
	}
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", c.PublicKey)
	}
	if years := c.NotAfter.Sub(c.NotBefore).Hours() / 24 / 365; years < 10 || years > 15 {
		t.Errorf("validity %.1f years, want 10-15", years)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("root is not self-signed: %v", err)
	}
	if c.Subject.CommonName != "Root CA Surat Desa Kabupaten Contoh" {
		t.Errorf("CN = %q", c.Subject.CommonName)
	}
	if !key.Public().(*ecdsa.PublicKey).Equal(c.PublicKey) {
		t.Error("decrypted root key does not match the certificate")
	}
}

func TestIssueSigner(t *testing.T) {
	root, rootKey := newRoot(t)
	signer := newSigner(t, root, rootKey)
	c := signer.Cert

	if err := c.CheckSignatureFrom(root.Cert); err != nil {
		t.Fatalf("signer not issued by root: %v", err)
	}
	subject := c.Subject
	if subject.CommonName != "SUTRISNO, S.Pd." ||
		strings.Join(subject.Organization, "|") != "Pemerintah Desa Sumberejo" ||
		strings.Join(subject.Locality, "|") != "Kabupaten Malang" ||
		strings.Join(subject.Country, "|") != "ID" {
		t.Errorf("subject = %v", subject)
	}
	var title string
	for _, n := range subject.Names {
		if n.Type.Equal(oidTitle) {
			title, _ = n.Value.(string)
		}
	}
	if title != "Kepala Desa" {
		t.Errorf("title = %q, want Kepala Desa", title)
	}
	if got, want := c.KeyUsage, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment; got != want {
		t.Errorf("KeyUsage = %v, want %v", got, want)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageEmailProtection {
		t.Errorf("ExtKeyUsage = %v, want [emailProtection]", c.ExtKeyUsage)
	}
	if len(c.UnknownExtKeyUsage) != 1 || !c.UnknownExtKeyUsage[0].Equal(oidDocumentSigning) {
		t.Errorf("UnknownExtKeyUsage = %v, want [documentSigning]", c.UnknownExtKeyUsage)
	}
	if c.IsCA {
		t.Error("signer certificate is a CA")
	}
	if len(c.CRLDistributionPoints) != 1 || c.CRLDistributionPoints[0] != crlURL {
		t.Errorf("CRLDistributionPoints = %v", c.CRLDistributionPoints)
	}
	if !bytes.Equal(c.AuthorityKeyId, root.Cert.SubjectKeyId) {
		t.Error("AuthorityKeyId does not match the root's SubjectKeyId")
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
		t.Errorf("serial %v: want positive, at most 128 bits", c.SerialNumber)
	}
	if got, want := c.NotAfter.Sub(c.NotBefore), MaxSignerValidity; got != want {
		t.Errorf("validity %v, want %v", got, want)
	}
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", c.PublicKey)
	}

	roots := x509.NewCertPool()
	roots.AddCert(root.Cert)
	if _, err := c.Verify(x509.VerifyOptions{
		Roots: roots, CurrentTime: testNow.Add(time.Hour),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}); err != nil {
		t.Errorf("chain does not verify for emailProtection: %v", err)
	}

	other := newSigner(t, root, rootKey)
	if other.Cert.SerialNumber.Cmp(c.SerialNumber) == 0 {
		t.Error("two certificates got the same serial")
	}
}

func TestIssueSignerRejects(t *testing.T) {
	root, rootKey := newRoot(t)
	signer, signerKey := newSignerKey(t, root, rootKey)

	tests := []struct {
		name   string
		root   *x509.Certificate
		key    crypto.Signer
		change func(*SignerRequest)
		want   error
	}{
		{"validity above two years", root.Cert, rootKey, func(r *SignerRequest) { r.Validity = MaxSignerValidity + time.Hour }, ErrInvalidRequest},
		{"missing name", root.Cert, rootKey, func(r *SignerRequest) { r.Subject.Name = " " }, ErrInvalidRequest},
		{"missing village id", root.Cert, rootKey, func(r *SignerRequest) { r.Subject.VillageID = 0 }, ErrInvalidRequest},
		{"missing CRL URL", root.Cert, rootKey, func(r *SignerRequest) { r.CRLURL = "" }, ErrInvalidRequest},
		{"before the root", root.Cert, rootKey, func(r *SignerRequest) { r.Now = testNow.Add(-time.Hour) }, ErrInvalidRequest},
		{"short passphrase", root.Cert, rootKey, func(r *SignerRequest) { r.Passphrase = "1234567" }, ErrWeakPassphrase},
		{"issuer not a CA", signer.Cert, signerKey, func(*SignerRequest) {}, ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := signerRequest()
			tt.change(&req)
			_, err := IssueSigner(tt.root, tt.key, req)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}

	// A key that does not match the root certificate cannot issue.
	stray, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := IssueSigner(root.Cert, stray, signerRequest()); err == nil {
		t.Error("IssueSigner with a foreign root key succeeded")
	}
}

func TestIssueSignerClipsToRoot(t *testing.T) {
	root, rootKey := newRoot(t)
	req := signerRequest()
	req.Now = root.Cert.NotAfter.Add(-24 * time.Hour)
	c, err := IssueSigner(root.Cert, rootKey, req)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Cert.NotAfter.Equal(root.Cert.NotAfter) {
		t.Errorf("NotAfter = %v, want clipped to root's %v", c.Cert.NotAfter, root.Cert.NotAfter)
	}
}

func TestDecryptKey(t *testing.T) {
	root, rootKey := newRoot(t)
	signer := newSigner(t, root, rootKey)

	key, err := DecryptKey(signer.SealedKey, signerPass, signer.Cert, villageID)
	if err != nil {
		t.Fatalf("DecryptKey: %v", err)
	}
	digest := sha256.Sum256([]byte("surat"))
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !ecdsa.VerifyASN1(signer.Cert.PublicKey.(*ecdsa.PublicKey), digest[:], sig) {
		t.Error("signature by the decrypted key does not verify under the certificate")
	}
	der := key.der
	key.Wipe()
	if !bytes.Equal(der, make([]byte, len(der))) {
		t.Error("Wipe left PKCS#8 bytes non-zero")
	}
	if _, err := key.Sign(rand.Reader, digest[:], crypto.SHA256); !errors.Is(err, ErrKeyWiped) {
		t.Errorf("Sign after Wipe: err = %v, want ErrKeyWiped", err)
	}
	if key.Public() == nil {
		t.Error("Public() is nil after Wipe")
	}
	key.Wipe() // harmless twice

	other := newSigner(t, root, rootKey)
	tampered := editBlob(t, signer.SealedKey, func(s *sealedKey) { s.Ciphertext[0] ^= 1 })
	hugeKDF := editBlob(t, signer.SealedKey, func(s *sealedKey) { s.Time, s.Memory, s.Threads = 3, 1<<22, 2 })
	tests := []struct {
		name       string
		blob       []byte
		passphrase string
		cert       *x509.Certificate
		village    int64
		want       error
	}{
		{"wrong passphrase", signer.SealedKey, "demo12346", signer.Cert, villageID, ErrWrongPassphrase},
		{"altered ciphertext", tampered, signerPass, signer.Cert, villageID, ErrWrongPassphrase},
		{"another certificate", signer.SealedKey, signerPass, other.Cert, villageID, ErrKeyMismatch},
		{"another village", signer.SealedKey, signerPass, signer.Cert, villageID + 1, ErrKeyMismatch},
		{"root blob for the signer", root.SealedKey, rootPass, signer.Cert, villageID, ErrKeyMismatch},
		{"not a blob", []byte("not json"), signerPass, signer.Cert, villageID, ErrMalformedKey},
		{"huge KDF memory", hugeKDF, signerPass, signer.Cert, villageID, ErrMalformedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := DecryptKey(tt.blob, tt.passphrase, tt.cert, tt.village)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if k != nil {
				t.Error("got a key along with the error")
			}
			if strings.Contains(err.Error(), tt.passphrase) {
				t.Errorf("error %q contains the passphrase", err)
			}
		})
	}
}

func TestSealedKeyFormat(t *testing.T) {
	root, rootKey := newRoot(t)
	signer, key := newSignerKey(t, root, rootKey)

	blob := signer.SealedKey
	if bytes.Contains(blob, []byte(signerPass)) {
		t.Error("blob contains the passphrase")
	}
	var s sealedKey
	if err := json.Unmarshal(blob, &s); err != nil {
		t.Fatal(err)
	}
	scalar, err := key.priv.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Ciphertext, key.der[:32]) || bytes.Contains(s.Ciphertext, scalar) {
		t.Error("ciphertext contains the private key in clear")
	}
	if s.KDF != "argon2id" || s.Time != cheapKDF.Time || s.Memory != cheapKDF.Memory || s.Threads != cheapKDF.Threads {
		t.Errorf("stored KDF %s t=%d m=%d p=%d, want argon2id %+v", s.KDF, s.Time, s.Memory, s.Threads, cheapKDF)
	}
	if len(s.Salt) != 16 || len(s.Nonce) != 12 {
		t.Errorf("salt %d bytes, nonce %d bytes; want 16 and 12", len(s.Salt), len(s.Nonce))
	}
	if s.Cert != Fingerprint(signer.Cert) || s.Village != villageID {
		t.Errorf("blob names cert %s village %d", s.Cert, s.Village)
	}

	// Sealing the same key twice gives different salt, nonce and ciphertext.
	again, err := SealKey(key.der, signerPass, signer.Cert, villageID, cheapKDF)
	if err != nil {
		t.Fatal(err)
	}
	var s2 sealedKey
	if err := json.Unmarshal(again, &s2); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(s.Salt, s2.Salt) || bytes.Equal(s.Nonce, s2.Nonce) || bytes.Equal(s.Ciphertext, s2.Ciphertext) {
		t.Error("two seals share salt, nonce or ciphertext")
	}
}

func TestSealKeyDefaultKDF(t *testing.T) {
	if testing.Short() {
		t.Skip("Argon2id at 64 MiB")
	}
	root, rootKey := newRoot(t)
	signer, key := newSignerKey(t, root, rootKey)
	blob, err := SealKey(key.der, signerPass, signer.Cert, villageID, auth.Params{})
	if err != nil {
		t.Fatal(err)
	}
	var s sealedKey
	if err := json.Unmarshal(blob, &s); err != nil {
		t.Fatal(err)
	}
	if got := (auth.Params{Time: s.Time, Memory: s.Memory, Threads: s.Threads}); got != auth.DefaultParams {
		t.Errorf("zero KDF sealed with %+v, want %+v", got, auth.DefaultParams)
	}
	if _, err := DecryptKey(blob, signerPass, signer.Cert, villageID); err != nil {
		t.Errorf("DecryptKey with default parameters: %v", err)
	}
}

func TestChangePassphrase(t *testing.T) {
	root, rootKey := newRoot(t)
	signer := newSigner(t, root, rootKey)
	blob, err := ChangePassphrase(signer.SealedKey, signerPass, "new passphrase", signer.Cert, villageID, cheapKDF)
	if err != nil {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	if _, err := DecryptKey(blob, signerPass, signer.Cert, villageID); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("old passphrase: err = %v, want ErrWrongPassphrase", err)
	}
	key, err := DecryptKey(blob, "new passphrase", signer.Cert, villageID)
	if err != nil {
		t.Fatalf("new passphrase: %v", err)
	}
	key.Wipe()
	if _, err := ChangePassphrase(signer.SealedKey, "wrong one!", "new passphrase", signer.Cert, villageID, cheapKDF); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong old passphrase: err = %v, want ErrWrongPassphrase", err)
	}
	if _, err := ChangePassphrase(signer.SealedKey, signerPass, "short", signer.Cert, villageID, cheapKDF); !errors.Is(err, ErrWeakPassphrase) {
		t.Errorf("short new passphrase: err = %v, want ErrWeakPassphrase", err)
	}
}

func TestCreateCRL(t *testing.T) {
	root, rootKey := newRoot(t)
	signer := newSigner(t, root, rootKey)
	revokedAt := testNow.Add(48 * time.Hour)
	der, err := CreateCRL(root.Cert, rootKey, []Revoked{{Serial: signer.Cert.SerialNumber, Time: revokedAt, ReasonCode: 1}},
		3, testNow.Add(72*time.Hour), testNow.Add(72*time.Hour+7*24*time.Hour))
	if err != nil {
		t.Fatalf("CreateCRL: %v", err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("ParseRevocationList: %v", err)
	}
	if err := crl.CheckSignatureFrom(root.Cert); err != nil {
		t.Errorf("CRL signature: %v", err)
	}
	if crl.Number.Cmp(big.NewInt(3)) != 0 {
		t.Errorf("CRL number %v, want 3", crl.Number)
	}
	if len(crl.RevokedCertificateEntries) != 1 {
		t.Fatalf("%d entries, want 1", len(crl.RevokedCertificateEntries))
	}
	e := crl.RevokedCertificateEntries[0]
	if e.SerialNumber.Cmp(signer.Cert.SerialNumber) != 0 || !e.RevocationTime.Equal(revokedAt) || e.ReasonCode != 1 {
		t.Errorf("entry serial %v time %v reason %d, want %v %v 1", e.SerialNumber, e.RevocationTime, e.ReasonCode, signer.Cert.SerialNumber, revokedAt)
	}

	empty, err := CreateCRL(root.Cert, rootKey, nil, 1, testNow, testNow.Add(time.Hour))
	if err != nil {
		t.Fatalf("empty CRL: %v", err)
	}
	if crl, err := x509.ParseRevocationList(empty); err != nil || len(crl.RevokedCertificateEntries) != 0 {
		t.Errorf("empty CRL: %v, %d entries", err, len(crl.RevokedCertificateEntries))
	}
	if _, err := CreateCRL(root.Cert, rootKey, nil, 0, testNow, testNow.Add(time.Hour)); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("CRL number 0: err = %v, want ErrInvalidRequest", err)
	}
}

func TestFingerprintAndPEM(t *testing.T) {
	root, _ := newRoot(t)
	sum := sha256.Sum256(root.Cert.Raw)
	if got, want := Fingerprint(root.Cert), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	display := DisplayFingerprint(root.Cert)
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(display) {
		t.Errorf("DisplayFingerprint = %s", display)
	}
	if got := strings.ToLower(strings.ReplaceAll(display, ":", "")); got != Fingerprint(root.Cert) {
		t.Errorf("display form %s does not match %s", display, Fingerprint(root.Cert))
	}

	pemBytes := CertificatePEM(root.Cert)
	got, err := ParseCertificatePEM(append([]byte("junk\n"), pemBytes...))
	if err != nil {
		t.Fatalf("ParseCertificatePEM: %v", err)
	}
	if !got.Equal(root.Cert) {
		t.Error("PEM round trip changed the certificate")
	}
	if _, err := ParseCertificatePEM([]byte("no pem here")); err == nil {
		t.Error("ParseCertificatePEM accepted input without a certificate")
	}
}

// BenchmarkDecryptKey measures opening a signer key with the production
// Argon2id parameters: the deliberate cost of every signing session.
func BenchmarkDecryptKey(b *testing.B) {
	root, rootKey := newRoot(b)
	req := signerRequest()
	req.KDF = auth.DefaultParams
	signer, err := IssueSigner(root.Cert, rootKey, req)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		key, err := DecryptKey(signer.SealedKey, signerPass, signer.Cert, villageID)
		if err != nil {
			b.Fatal(err)
		}
		key.Wipe()
	}
}

// editBlob returns blob with edit applied to its decoded form.
func editBlob(t *testing.T, blob []byte, edit func(*sealedKey)) []byte {
	t.Helper()
	var s sealedKey
	if err := json.Unmarshal(blob, &s); err != nil {
		t.Fatal(err)
	}
	edit(&s)
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
