package sign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"

	"github.com/smallstep/pkcs7"
)

// oidSigningCertificateV2 is id-aa-signingCertificateV2 (RFC 5035), the
// signed attribute PAdES B-B requires to bind the signer certificate.
var oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}

// signingCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, ... }
type signingCertificateV2 struct {
	Certs []essCertIDv2
}

// essCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, issuerSerial }.
// hashAlgorithm is omitted: DER leaves out a DEFAULT value and ours is SHA-256.
type essCertIDv2 struct {
	CertHash     []byte
	IssuerSerial issuerSerial `asn1:"optional"`
}

// issuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }.
type issuerSerial struct {
	Issuer asn1.RawValue // GeneralNames with one directoryName
	Serial *big.Int
}

// newSigningCertificateV2 builds the attribute value for cert.
func newSigningCertificateV2(cert *x509.Certificate) (signingCertificateV2, error) {
	// directoryName is [4] EXPLICIT Name inside the GeneralNames SEQUENCE.
	dirName, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer})
	if err != nil {
		return signingCertificateV2{}, fmt.Errorf("sign: encode issuer: %w", err)
	}
	hash := sha256.Sum256(cert.Raw)
	return signingCertificateV2{Certs: []essCertIDv2{{
		CertHash: hash[:],
		IssuerSerial: issuerSerial{
			Issuer: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: dirName},
			Serial: cert.SerialNumber,
		},
	}}}, nil
}

// buildCMS returns a detached CMS SignedData over content: SHA-256 digest,
// the key's signature (ECDSA with SHA-256 for our keys), cert and chain in
// the certificate set, and the signed attributes content-type,
// message-digest, signing-time and signingCertificateV2.
func buildCMS(content []byte, cert *x509.Certificate, chain []*x509.Certificate, key crypto.Signer) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		return nil, fmt.Errorf("sign: CMS: %w", err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	scv2, err := newSigningCertificateV2(cert)
	if err != nil {
		return nil, err
	}
	cfg := pkcs7.SignerInfoConfig{ExtraSignedAttributes: []pkcs7.Attribute{{Type: oidSigningCertificateV2, Value: scv2}}}
	if len(chain) > 0 {
		// AddSignerChain also checks that cert is issued by chain[0].
		err = sd.AddSignerChain(cert, key, chain, cfg)
	} else {
		err = sd.AddSigner(cert, key, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("sign: CMS signer: %w", err)
	}
	sd.Detach()
	der, err := sd.Finish()
	if err != nil {
		return nil, fmt.Errorf("sign: CMS encode: %w", err)
	}
	return der, nil
}

// checkSigningCertificateV2 reports whether the signed attribute, when
// present, names cert. ok is true when the attribute is absent (signatures
// made by other tools may lack it) and false when it names another
// certificate or does not parse.
func checkSigningCertificateV2(p7 *pkcs7.PKCS7, cert *x509.Certificate) (present, ok bool) {
	var attr asn1.RawValue
	if err := p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &attr); err != nil {
		return false, true
	}
	// SigningCertificateV2 -> certs -> first ESSCertIDv2 -> its first
	// element, which must be the certHash OCTET STRING: an
	// AlgorithmIdentifier there would mean a hash other than SHA-256,
	// which we do not accept.
	certs, ok := firstElement(attr)
	if !ok {
		return true, false
	}
	id, ok := firstElement(certs)
	if !ok {
		return true, false
	}
	hash, ok := firstElement(id)
	if !ok || hash.Class != asn1.ClassUniversal || hash.Tag != asn1.TagOctetString {
		return true, false
	}
	want := sha256.Sum256(cert.Raw)
	return true, bytes.Equal(hash.Bytes, want[:])
}

// firstElement returns the first element inside a constructed value.
func firstElement(v asn1.RawValue) (asn1.RawValue, bool) {
	if !v.IsCompound {
		return asn1.RawValue{}, false
	}
	var first asn1.RawValue
	if _, err := asn1.Unmarshal(v.Bytes, &first); err != nil {
		return asn1.RawValue{}, false
	}
	return first, true
}

// contentsRoom is the room to reserve in /Contents for s's CMS: the size of
// the CMS buildCMS makes with s's certificates and a key that returns the
// longest signature s.Key can, plus contentsSlack. It returns
// ErrSignatureTooLarge when that exceeds MaxContentsSize, or an error for a
// key type whose signature length is unknown. It is measured once per
// signer.
func (s *LocalSigner) contentsRoom() (int, error) {
	s.roomOnce.Do(func() { s.room, s.roomErr = s.measureRoom() })
	return s.room, s.roomErr
}

// measureRoom is contentsRoom measured.
func (s *LocalSigner) measureRoom() (int, error) {
	longest, err := longestSignature(s.Key.Public())
	if err != nil {
		return 0, err
	}
	cms, err := buildCMS(nil, s.Cert, s.Chain, sizingKey{s.Key.Public(), longest})
	if err != nil {
		return 0, err
	}
	room := len(cms) + contentsSlack
	if room > MaxContentsSize {
		return 0, fmt.Errorf("%w: %d bytes needed, at most %d", ErrSignatureTooLarge, room, MaxContentsSize)
	}
	return room, nil
}

// sizingKey stands in for a key when measuring a CMS: it signs nothing and
// returns a fixed signature of the longest length the real key can give.
type sizingKey struct {
	public    crypto.PublicKey
	signature []byte
}

func (k sizingKey) Public() crypto.PublicKey { return k.public }

func (k sizingKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return k.signature, nil
}

// longestSignature is a signature of the greatest length a key of this
// public key's type and size produces: for ECDSA the DER SEQUENCE of two
// integers with their high bit set (a leading zero byte each), for RSA the
// modulus size, for Ed25519 64 bytes.
func longestSignature(pub crypto.PublicKey) ([]byte, error) {
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		n := (pub.Curve.Params().BitSize + 7) / 8
		v := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(8*n)), big.NewInt(1))
		return asn1.Marshal(struct{ R, S *big.Int }{v, v})
	case *rsa.PublicKey:
		return make([]byte, pub.Size()), nil
	case ed25519.PublicKey:
		return make([]byte, ed25519.SignatureSize), nil
	}
	return nil, fmt.Errorf("sign: unsupported key type %T", pub)
}
