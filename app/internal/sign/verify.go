package sign

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/smallstep/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Code is the machine-readable verdict of Verify, stable for the JSON API.
type Code string

// Verdicts, from the first check to the last. A Result's Code is the first
// problem found, or CodeValid.
const (
	CodeValid           Code = "valid"
	CodeNotPDF          Code = "not_pdf"
	CodeUnsigned        Code = "unsigned"
	CodeMalformed       Code = "malformed_signature"
	CodeNotWholeFile    Code = "not_whole_file"
	CodeDigestMismatch  Code = "digest_mismatch"
	CodeBadSignature    Code = "bad_signature"
	CodeUntrusted       Code = "untrusted_chain"
	CodeCertNotValid    Code = "certificate_not_valid_at_signing"
	CodeCertUsage       Code = "certificate_usage"
	CodeFutureSignature Code = "signing_time_in_future"
)

// Message returns the Indonesian sentence shown to citizens and officials
// for c, or "" for an unknown code.
func (c Code) Message() string {
	switch c {
	case CodeValid:
		return "Tanda tangan elektronik sah: dokumen tidak berubah sejak ditandatangani dan sertifikat penanda tangan diterbitkan oleh CA aplikasi ini."
	case CodeNotPDF:
		return "Berkas ini bukan dokumen PDF."
	case CodeUnsigned:
		return "Dokumen PDF ini tidak memiliki tanda tangan elektronik."
	case CodeMalformed:
		return "Tanda tangan elektronik pada dokumen ini rusak atau tidak dapat dibaca."
	case CodeNotWholeFile:
		return "Tanda tangan tidak mencakup seluruh dokumen: ada data yang ditambahkan atau diubah setelah dokumen ditandatangani."
	case CodeDigestMismatch:
		return "Isi dokumen telah diubah setelah ditandatangani."
	case CodeBadSignature:
		return "Tanda tangan elektronik tidak cocok dengan sertifikat penanda tangan."
	case CodeUntrusted:
		return "Sertifikat penanda tangan tidak diterbitkan oleh CA aplikasi ini, sehingga tanda tangan tidak dapat dipercaya."
	case CodeCertNotValid:
		return "Sertifikat penanda tangan tidak berlaku pada waktu penandatanganan."
	case CodeCertUsage:
		return "Sertifikat penanda tangan tidak diperuntukkan bagi tanda tangan dokumen."
	case CodeFutureSignature:
		return "Waktu penandatanganan yang tercantum berada di masa depan."
	}
	return ""
}

// Problem is one failed check.
type Problem struct {
	Code    Code
	Message string // Indonesian
}

// Result is what Verify found. Valid is true only when every check passed.
type Result struct {
	Signed          bool // a signature dictionary with a readable ByteRange was found
	CoversWholeFile bool // the ByteRange spans the file except the /Contents hex
	DigestOK        bool // the hash of the ranges matches the signed message-digest
	SignatureOK     bool // the signed attributes verify under the signer certificate (false when not reached)
	Trusted         bool // the signer certificate chains to roots with a signing usage
	Valid           bool

	SignerCert  *x509.Certificate   // nil when the CMS could not be read
	Chain       []*x509.Certificate // signer up to the root, when Trusted
	SigningTime time.Time           // the CMS signing-time attribute (claimed by the signer), UTC

	Code     Code   // first problem, or CodeValid
	Message  string // Indonesian sentence for Code
	Problems []Problem
}

func (r *Result) fail(c Code) {
	if r.Code == "" {
		r.Code, r.Message = c, c.Message()
	}
	for _, p := range r.Problems {
		if p.Code == c {
			return
		}
	}
	r.Problems = append(r.Problems, Problem{Code: c, Message: c.Message()})
}

// clockSkew is how far a claimed signing time may lie ahead of now.
const clockSkew = 5 * time.Minute

// Verify checks the last signature of pdf: that its ByteRange covers the
// whole file except the /Contents hex string, that the CMS digest matches the
// ranges, that the signature verifies under the signer certificate, and that
// the certificate chains to roots with emailProtection usage and a
// digitalSignature or contentCommitment key usage. The chain is checked at
// the CMS signing time, so letters signed while a certificate was valid stay
// valid after it expires; a signing time later than now is refused.
// Revocation is not checked here: the caller knows it from its records.
//
// Verify never panics and returns no error: every failure, including input
// that is not a PDF, is a verdict in the Result. A nil roots trusts nothing.
func Verify(pdf []byte, roots *x509.CertPool, now time.Time) (res Result) {
	defer func() {
		if r := recover(); r != nil {
			res.Valid = false
			res.fail(CodeMalformed)
		}
	}()
	res = verify(pdf, roots, now)
	if res.Code == "" {
		res.Valid = true
		res.Code, res.Message = CodeValid, CodeValid.Message()
	}
	return res
}

func verify(pdf []byte, roots *x509.CertPool, now time.Time) (res Result) {
	if !isPDF(pdf) {
		res.fail(CodeNotPDF)
		return res
	}
	br, found := lastByteRange(pdf)
	if !found {
		res.fail(CodeUnsigned)
		return res
	}
	res.Signed = true
	gap, ok := contentsGap(pdf, br)
	if !ok {
		res.fail(CodeMalformed)
		return res
	}
	res.CoversWholeFile = br[2]+br[3] == len(pdf)
	if !res.CoversWholeFile {
		res.fail(CodeNotWholeFile)
	}

	der := make([]byte, hex.DecodedLen(len(gap)))
	if _, err := hex.Decode(der, gap); err != nil {
		res.fail(CodeMalformed)
		return res
	}
	if !wellFormedDER(der) {
		res.fail(CodeMalformed)
		return res
	}
	p7, err := pkcs7.Parse(der)
	if err != nil || len(p7.Signers) != 1 || len(p7.Signers[0].AuthenticatedAttributes) == 0 {
		res.fail(CodeMalformed)
		return res
	}
	res.SignerCert = p7.GetOnlySigner()
	if res.SignerCert == nil {
		res.fail(CodeMalformed)
		return res
	}
	var signingTime time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &signingTime); err == nil {
		res.SigningTime = signingTime.UTC()
	}

	// pkcs7 checks, in this order: message digest, signing time within the
	// certificate's validity, signature over the signed attributes.
	hasher := &rangeHasher{pdf: pdf, br: br}
	p7.Hasher = hasher
	err = p7.Verify()
	var mismatch *pkcs7.MessageDigestMismatchError
	var badTime *pkcs7.SigningTimeNotValidError
	switch {
	case err == nil:
		res.DigestOK, res.SignatureOK = true, true
	case errors.As(err, &mismatch):
		res.fail(CodeDigestMismatch)
	case errors.As(err, &badTime):
		res.DigestOK = true
		res.fail(CodeCertNotValid)
	default:
		// pkcs7 compares the digest right after hashing, so a hash
		// computed without a mismatch error means the digest matched.
		res.DigestOK = hasher.hashed
		res.fail(CodeBadSignature)
	}
	if present, ok := checkSigningCertificateV2(p7, res.SignerCert); present && !ok {
		res.SignatureOK = false
		res.fail(CodeBadSignature)
	}

	at := res.SigningTime
	if at.IsZero() {
		at = now
	} else if at.After(now.Add(clockSkew)) {
		res.fail(CodeFutureSignature)
	}
	res.Chain, res.Trusted = checkChain(&res, p7.Certificates, roots, at)
	return res
}

// checkChain verifies the signer certificate against roots at time at and
// records the reason when it fails.
func checkChain(res *Result, certs []*x509.Certificate, roots *x509.CertPool, at time.Time) ([]*x509.Certificate, bool) {
	if roots == nil {
		roots = x509.NewCertPool() // never fall back to the system roots
	}
	leaf := res.SignerCert
	intermediates := x509.NewCertPool()
	for _, c := range certs {
		if c != leaf {
			intermediates.AddCert(c)
		}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	})
	var invalid x509.CertificateInvalidError
	switch {
	case err == nil:
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		res.fail(CodeCertNotValid)
		return nil, false
	case errors.As(err, &invalid) && invalid.Reason == x509.IncompatibleUsage:
		res.fail(CodeCertUsage)
		return nil, false
	default:
		res.fail(CodeUntrusted)
		return nil, false
	}
	// x509.Verify checks extended key usage only; the key usage bits are
	// ours to check.
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		res.fail(CodeCertUsage)
		return nil, false
	}
	return chains[0], true
}

// isPDF reports whether the header %PDF- is within the first 1024 bytes, as
// readers accept.
func isPDF(b []byte) bool {
	return bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-"))
}

// lastByteRange finds the last /ByteRange [a b c d] in the file. The
// signature dictionary can never sit in a compressed object stream (its
// offsets refer to raw file bytes), so a byte scan finds every signature; a
// decoy /ByteRange elsewhere cannot pass the checks that follow because they
// demand that the signed ranges cover the whole file.
func lastByteRange(pdf []byte) ([4]int, bool) {
	key := []byte("/ByteRange")
	end := len(pdf)
	for {
		i := bytes.LastIndex(pdf[:end], key)
		if i < 0 {
			return [4]int{}, false
		}
		if br, ok := parseByteRange(pdf[i+len(key):]); ok {
			return br, true
		}
		end = i
	}
}

// parseByteRange reads "[a b c d]" after optional white space.
func parseByteRange(b []byte) ([4]int, bool) {
	var br [4]int
	b = bytes.TrimLeft(b[:min(len(b), 128)], " \t\r\n\f\x00")
	if len(b) == 0 || b[0] != '[' {
		return br, false
	}
	closeAt := bytes.IndexByte(b, ']')
	if closeAt < 0 {
		return br, false
	}
	fields := bytes.Fields(b[1:closeAt])
	if len(fields) != 4 {
		return br, false
	}
	for i, f := range fields {
		n, err := strconv.Atoi(string(f))
		if err != nil || n < 0 {
			return br, false
		}
		br[i] = n
	}
	return br, true
}

// contentsGap checks that br describes two ranges around one hex string
// "<...>" inside the file, starting at 0, and returns the hex digits.
func contentsGap(pdf []byte, br [4]int) ([]byte, bool) {
	start, end := br[1], br[2]
	if br[0] != 0 || start <= 0 || end <= start+1 || br[3] < 0 ||
		end > len(pdf) || br[3] > len(pdf)-end {
		return nil, false
	}
	gap := pdf[start:end]
	if gap[0] != '<' || gap[len(gap)-1] != '>' {
		return nil, false
	}
	hexDigits := gap[1 : len(gap)-1]
	if len(hexDigits)%2 != 0 {
		return nil, false
	}
	for _, c := range hexDigits {
		if !isHex(c) {
			return nil, false
		}
	}
	return hexDigits, true
}

// maxDERDepth bounds the nesting of the CMS's ASN.1 elements. Ours nest
// about a dozen deep (the certificates' extensions are the deepest); the
// bound only has to be far above that.
const maxDERDepth = 64

// wellFormedDER reports whether the decoded /Contents is one DER element,
// with definite lengths and nested at most maxDERDepth deep, followed by
// nothing but zero padding. pkcs7.Parse converts BER to DER recursively,
// one call per nesting level, with no bound: an 8 MB /Contents of nested
// indefinite-length SEQUENCEs (30 80 30 80 ...) overflowed the goroutine
// stack, which kills the whole process (no recover catches it), and a
// quarter of that took 830 MB. Every signer this package verifies against
// is ours, and ours writes DER, so BER is refused before pkcs7 sees it.
// The padding is outside the signed ranges, so without the check on it it
// could be changed without any verdict changing.
func wellFormedDER(der []byte) bool {
	s := cryptobyte.String(der)
	var elem cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&elem, &tag) || !nestedWithin(elem, tag, maxDERDepth) {
		return false
	}
	for _, b := range s {
		if b != 0 {
			return false
		}
	}
	return true
}

// nestedWithin reports whether the body of an element with the given tag,
// and of everything inside it, is definite-length DER nested at most depth
// constructed levels deep.
func nestedWithin(body cryptobyte.String, tag cbasn1.Tag, depth int) bool {
	if tag&0x20 == 0 { // primitive
		return true
	}
	if depth == 0 {
		return false
	}
	for !body.Empty() {
		var inner cryptobyte.String
		var innerTag cbasn1.Tag
		if !body.ReadAnyASN1(&inner, &innerTag) || !nestedWithin(inner, innerTag, depth-1) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// rangeHasher hashes the two signed byte ranges in place. pkcs7 asks its
// Hasher for the digest of the content; the content of a detached PDF
// signature is the ranges, and hashing them where they lie saves a copy of
// the whole file (uploads may be large).
type rangeHasher struct {
	pdf    []byte
	br     [4]int
	hashed bool // Hash was called
}

// Hash ignores r, which holds the empty detached content.
func (h *rangeHasher) Hash(fn crypto.Hash, _ io.Reader) ([]byte, error) {
	if !fn.Available() {
		return nil, errors.New("sign: hash not available")
	}
	h.hashed = true
	d := fn.New()
	d.Write(h.pdf[h.br[0] : h.br[0]+h.br[1]])
	d.Write(h.pdf[h.br[2] : h.br[2]+h.br[3]])
	return d.Sum(nil), nil
}
