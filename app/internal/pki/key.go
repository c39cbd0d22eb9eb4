package pki

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/suratdesa/suratdesa/app/internal/auth"
)

// MinPassphraseLen is the shortest passphrase, in characters, that may seal
// a key.
const MinPassphraseLen = 8

// Errors of the sealed-key functions. None of them, nor any wrapped error,
// ever contains the passphrase or key bytes.
var (
	// ErrWrongPassphrase means the passphrase does not open the blob. A
	// ciphertext altered at rest looks the same: AES-GCM cannot tell them
	// apart, and the remedy (revoke and re-issue) is the same.
	ErrWrongPassphrase = errors.New("pki: wrong passphrase")
	// ErrKeyMismatch means the blob belongs to another certificate or
	// village, or the key inside does not match the certificate.
	ErrKeyMismatch = errors.New("pki: key does not belong to this certificate")
	// ErrMalformedKey means the blob is not a sealed key this package made.
	ErrMalformedKey = errors.New("pki: malformed sealed key")
	// ErrKeyWiped means Sign was called after Wipe.
	ErrKeyWiped = errors.New("pki: key has been wiped")
)

// sealedKey is the stored form of a private key: JSON with the Argon2id
// parameters next to the ciphertext, so the cost can be raised later without
// breaking old blobs. Cert and Village repeat what the AAD binds, only to
// tell a mismatch from a wrong passphrase; decryption uses the caller's
// values, so editing them gains nothing.
type sealedKey struct {
	Version int    `json:"v"`
	KDF     string `json:"kdf"`
	Time    uint32 `json:"t"`
	Memory  uint32 `json:"m"` // KiB
	Threads uint8  `json:"p"`
	Salt    []byte `json:"salt"`
	Nonce   []byte `json:"nonce"`
	Cert    string `json:"cert"` // SHA-256 fingerprint of the certificate, hex
	// Key, set instead of Cert on a key sealed at enrolment (before its
	// certificate existed), is the SHA-256 of its public key (PKIX DER),
	// hex; the AAD then binds the public key instead of the certificate.
	Key        string `json:"key,omitempty"`
	Village    int64  `json:"village"`
	Ciphertext []byte `json:"ct"`
}

const (
	sealVersion = 1
	sealKDF     = "argon2id"
	// Bounds on parameters read from a blob, so a forged blob cannot make
	// the server allocate gigabytes or spin for minutes.
	maxKDFMemory = 1 << 20 // KiB = 1 GiB
	maxKDFTime   = 16
	gcmNonceSize = 12 // the standard nonce of cipher.NewGCM
)

// SealKey encrypts a PKCS#8 DER private key under passphrase: AES-256-GCM
// with a key derived by Argon2id (kdf; zero value means auth.DefaultParams)
// from a random 16-byte salt, a random nonce, and additional data binding
// the blob to cert's fingerprint and villageID (0 for the root CA). It does
// not keep or modify pkcs8.
//
// It returns ErrWeakPassphrase for a passphrase shorter than
// MinPassphraseLen, ErrInvalidRequest for a nil cert, an empty key or bad
// kdf values, or an error from the random source.
func SealKey(pkcs8 []byte, passphrase string, cert *x509.Certificate, villageID int64, kdf auth.Params) ([]byte, error) {
	if cert == nil || len(pkcs8) == 0 {
		return nil, fmt.Errorf("%w: a key and its certificate are required", ErrInvalidRequest)
	}
	if err := checkPassphrase(passphrase); err != nil {
		return nil, err
	}
	if kdf == (auth.Params{}) {
		kdf = auth.DefaultParams
	}
	if err := checkKDF(kdf); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	s := sealedKey{
		Version: sealVersion, KDF: sealKDF,
		Time: kdf.Time, Memory: kdf.Memory, Threads: kdf.Threads,
		Cert: Fingerprint(cert), Village: villageID,
	}
	return s.seal(passphrase, pkcs8, additionalData(cert, villageID))
}

// seal fills s with a random salt and nonce and pkcs8 encrypted under the
// key derived from passphrase, bound to ad, and encodes it.
func (s sealedKey) seal(passphrase string, pkcs8, ad []byte) ([]byte, error) {
	s.Salt = make([]byte, 16)
	if _, err := rand.Read(s.Salt); err != nil {
		return nil, fmt.Errorf("pki: salt: %w", err)
	}
	aead, err := newAEAD(passphrase, s)
	if err != nil {
		return nil, err
	}
	s.Nonce = make([]byte, gcmNonceSize)
	if _, err := rand.Read(s.Nonce); err != nil {
		return nil, fmt.Errorf("pki: nonce: %w", err)
	}
	s.Ciphertext = aead.Seal(nil, s.Nonce, pkcs8, ad)
	blob, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("pki: seal: %w", err)
	}
	return blob, nil
}

// DecryptKey opens a blob made by SealKey (or NewRootCA / IssueSigner) for
// cert and villageID (0 for the root CA) and returns the private key. Call
// Wipe on it as soon as the signing is done. Decryption deliberately costs
// the blob's Argon2id time and memory (with auth.DefaultParams, 64 MiB and
// about 80 ms on an idle 2-core server, several times that under load).
//
// It returns ErrMalformedKey for a blob that does not parse or has
// out-of-range parameters, ErrKeyMismatch when the blob was sealed for
// another certificate or village or the key does not match cert, and
// ErrWrongPassphrase when authentication fails.
func DecryptKey(blob []byte, passphrase string, cert *x509.Certificate, villageID int64) (*Key, error) {
	var s sealedKey
	if err := json.Unmarshal(blob, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedKey, err)
	}
	if s.Version != sealVersion || s.KDF != sealKDF || len(s.Salt) < 16 {
		return nil, fmt.Errorf("%w: unsupported version or KDF", ErrMalformedKey)
	}
	if err := checkKDF(auth.Params{Time: s.Time, Memory: s.Memory, Threads: s.Threads}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedKey, err)
	}
	if len(s.Nonce) != gcmNonceSize {
		return nil, fmt.Errorf("%w: nonce size", ErrMalformedKey)
	}
	if cert == nil || s.Village != villageID {
		return nil, ErrKeyMismatch
	}
	aad := additionalData(cert, villageID)
	if s.Key != "" {
		// Sealed at enrolment: bound to the certificate's public key.
		if s.Cert != "" || s.Key != PublicKeyFingerprint(cert.RawSubjectPublicKeyInfo) {
			return nil, ErrKeyMismatch
		}
		aad = publicKeyAdditionalData(cert.RawSubjectPublicKeyInfo, villageID)
	} else if s.Cert != Fingerprint(cert) {
		return nil, ErrKeyMismatch
	}
	aead, err := newAEAD(passphrase, s)
	if err != nil {
		return nil, err
	}
	der, err := aead.Open(nil, s.Nonce, s.Ciphertext, aad)
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		wipe(der)
		return nil, fmt.Errorf("%w: PKCS#8", ErrMalformedKey)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || !priv.PublicKey.Equal(cert.PublicKey) {
		wipe(der)
		return nil, ErrKeyMismatch
	}
	pub := priv.PublicKey
	return &Key{pub: &pub, priv: priv, der: der}, nil
}

// ChangePassphrase re-seals blob under newPassphrase with fresh salt and
// nonce and kdf (zero value: auth.DefaultParams). Errors are those of
// DecryptKey and SealKey.
func ChangePassphrase(blob []byte, oldPassphrase, newPassphrase string, cert *x509.Certificate, villageID int64, kdf auth.Params) ([]byte, error) {
	if err := checkPassphrase(newPassphrase); err != nil {
		return nil, err
	}
	key, err := DecryptKey(blob, oldPassphrase, cert, villageID)
	if err != nil {
		return nil, err
	}
	defer key.Wipe()
	return SealKey(key.der, newPassphrase, cert, villageID, kdf)
}

// Key is a decrypted ECDSA private key. It implements crypto.Signer until
// Wipe is called, after which Sign returns ErrKeyWiped. It is safe for
// concurrent use.
//
// Wiping is best effort. Wipe zeroes the PKCS#8 bytes this package decrypted
// and drops the reference to the parsed key; the derived AES key and the
// byte copy of the passphrase are zeroed as soon as they are used. Go gives
// no stronger guarantee: the parsed *ecdsa.PrivateKey holds the scalar in
// memory owned by crypto/ecdsa (its big.Int field is deprecated and its
// internal copy unreachable), which stays until the garbage collector reuses
// it; the runtime may have copied memory while moving stacks; the AES key
// schedule and Argon2 state live in library-owned memory; and the passphrase
// itself arrives as an immutable string. Keeping a decrypted Key for one
// request or one batch, then wiping it, narrows the window; it does not
// close it.
type Key struct {
	pub  *ecdsa.PublicKey
	mu   sync.RWMutex
	priv *ecdsa.PrivateKey // nil after Wipe
	der  []byte
}

// Public returns the public key, also after Wipe.
func (k *Key) Public() crypto.PublicKey {
	return k.pub
}

// Sign signs digest with the key (see crypto.Signer). It returns ErrKeyWiped
// after Wipe.
func (k *Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.priv == nil {
		return nil, ErrKeyWiped
	}
	return k.priv.Sign(rand, digest, opts)
}

// Wipe zeroes the key material it can reach and makes the key unusable.
// Calling it twice is harmless.
func (k *Key) Wipe() {
	k.mu.Lock()
	defer k.mu.Unlock()
	wipe(k.der)
	k.der = nil
	k.priv = nil
}

func newAEAD(passphrase string, s sealedKey) (cipher.AEAD, error) {
	pass := []byte(passphrase)
	key := argon2.IDKey(pass, s.Salt, s.Time, s.Memory, s.Threads, 32)
	wipe(pass)
	defer wipe(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("pki: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("pki: GCM: %w", err)
	}
	return aead, nil
}

// PendingKey is a signer key pair made at enrolment, before the CA
// certifies it: the public key to certify and the private key sealed under
// the official's passphrase, bound to that public key and the village.
// Once certified, DecryptKey opens SealedKey for the certificate.
type PendingKey struct {
	PublicKeyDER []byte // PKIX, DER
	SealedKey    []byte
}

// NewPendingKey generates an ECDSA P-256 key pair for an official of
// villageID and seals its private key under passphrase (Argon2id with kdf,
// zero value auth.DefaultParams; AES-256-GCM), as SealKey does but bound to
// the public key, since no certificate exists yet. The passphrase never
// leaves this call. Errors: ErrWeakPassphrase, ErrInvalidRequest for a
// non-positive village or bad kdf values, or an error of the random source.
func NewPendingKey(passphrase string, villageID int64, kdf auth.Params) (*PendingKey, error) {
	if villageID <= 0 {
		return nil, fmt.Errorf("%w: village id must be positive", ErrInvalidRequest)
	}
	if err := checkPassphrase(passphrase); err != nil {
		return nil, err
	}
	if kdf == (auth.Params{}) {
		kdf = auth.DefaultParams
	}
	if err := checkKDF(kdf); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generate key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("pki: marshal public key: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: marshal key: %w", err)
	}
	defer wipe(pkcs8)
	s := sealedKey{
		Version: sealVersion, KDF: sealKDF,
		Time: kdf.Time, Memory: kdf.Memory, Threads: kdf.Threads,
		Key: PublicKeyFingerprint(pub), Village: villageID,
	}
	blob, err := s.seal(passphrase, pkcs8, publicKeyAdditionalData(pub, villageID))
	if err != nil {
		return nil, err
	}
	return &PendingKey{PublicKeyDER: pub, SealedKey: blob}, nil
}

// PublicKeyFingerprint is the SHA-256 of a public key in PKIX DER, lower-case
// hex: what an enrolment shows so the CA holder and the official can compare.
func PublicKeyFingerprint(publicKeyDER []byte) string {
	sum := sha256.Sum256(publicKeyDER)
	return hex.EncodeToString(sum[:])
}

// publicKeyAdditionalData binds a blob sealed at enrolment to one public key
// and one village.
func publicKeyAdditionalData(publicKeyDER []byte, villageID int64) []byte {
	fp := sha256.Sum256(publicKeyDER)
	var b bytes.Buffer
	b.WriteString("suratdesa/pki sealed pending key v1\x00")
	b.Write(fp[:])
	_ = binary.Write(&b, binary.BigEndian, villageID)
	return b.Bytes()
}

// additionalData binds a blob to one certificate and one village.
func additionalData(cert *x509.Certificate, villageID int64) []byte {
	fp := sha256.Sum256(cert.Raw)
	var b bytes.Buffer
	b.WriteString("suratdesa/pki sealed key v1\x00")
	b.Write(fp[:])
	_ = binary.Write(&b, binary.BigEndian, villageID)
	return b.Bytes()
}

func checkPassphrase(p string) error {
	if utf8.RuneCountInString(p) < MinPassphraseLen {
		return ErrWeakPassphrase
	}
	return nil
}

func checkKDF(p auth.Params) error {
	switch {
	case p.Time < 1 || p.Time > maxKDFTime:
		return fmt.Errorf("argon2id time %d out of range 1..%d", p.Time, maxKDFTime)
	case p.Threads < 1:
		return errors.New("argon2id needs at least one thread")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxKDFMemory:
		return fmt.Errorf("argon2id memory %d KiB out of range", p.Memory)
	}
	return nil
}

// wipe zeroes b; a named helper so the intent reads at each call site.
func wipe(b []byte) {
	clear(b)
}
