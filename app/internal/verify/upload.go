package verify

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/sign"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// MaxUpload is the largest PDF the check accepts. Our letters are a few
// hundred kilobytes; a scan re-saved by a phone app can be larger. The
// caller reads no more than this and answers TooBig beyond it.
const MaxUpload = 20 << 20

// VerdictKind is the stable machine code of a verdict.
type VerdictKind string

// The verdicts of a PDF check.
const (
	// Identical: byte for byte the PDF the village signed and stored.
	Identical VerdictKind = "identical"
	// OtherDocument: validly signed under our root, but another document.
	OtherDocument VerdictKind = "other_document"
	// NotPDF: the file is not a PDF at all.
	NotPDF VerdictKind = "not_pdf"
	// TooBig: larger than MaxUpload, not checked.
	TooBig VerdictKind = "too_big"
	// NoFile: nothing was uploaded.
	NoFile VerdictKind = "no_file"
	// Unsigned: a PDF without an electronic signature.
	Unsigned VerdictKind = "unsigned"
	// Untrusted: signed with a certificate our root CAs did not issue.
	Untrusted VerdictKind = "untrusted"
	// Altered: signed, but the signed bytes were changed since.
	Altered VerdictKind = "altered"
	// Appended: signed, with data added after the signed range.
	Appended VerdictKind = "appended"
	// RevokedCertificate: signed with one of our certificates that was
	// revoked before the signing.
	RevokedCertificate VerdictKind = "revoked_certificate"
	// Invalid: any other broken signature; the message says what.
	Invalid VerdictKind = "invalid"
)

// Verdict is the result of a PDF check, shown under the letter's facts.
type Verdict struct {
	Kind    VerdictKind
	OK      bool // the file is the letter and the letter is ASLI
	Title   string
	Message string
	// Checks is the list of what was checked, in order; empty when the
	// file could not be checked at all.
	Checks []Check
	SHA256 string // of the upload, "" when nothing was read
}

// Check is one line of a verdict's check list.
type Check struct {
	Label, Result string
	OK            bool
}

// VerdictTooBig is the verdict on a file larger than MaxUpload.
func VerdictTooBig() *Verdict {
	return &Verdict{Kind: TooBig, Title: "Berkas terlalu besar",
		Message: fmt.Sprintf("Berkas lebih besar dari %d MB dan tidak diperiksa. Surat dari aplikasi ini biasanya kurang dari 1 MB; "+
			"unggah berkas PDF asli yang Anda terima, bukan hasil pindaian.", MaxUpload>>20)}
}

// VerdictNoFile is the verdict on a form sent without a file.
func VerdictNoFile() *Verdict {
	return &Verdict{Kind: NoFile, Title: "Belum ada berkas",
		Message: "Pilih berkas PDF surat yang ingin diperiksa, lalu tekan Periksa."}
}

// CheckPDF compares the uploaded pdf with the letter r (a Lookup result)
// and verifies its signature against every root CA this deployment has
// had, and its signer certificate against our revocation records. The
// verdict is about the file; r.Status stays the letter's status. Errors are
// the database's, or a stored root that does not parse.
func (s *Service) CheckPDF(ctx context.Context, r *Result, pdf []byte) (*Verdict, error) {
	roots, err := s.rootPool(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(pdf)
	u := &Verdict{SHA256: hex.EncodeToString(sum[:])}
	identical := u.SHA256 == r.PDFSHA256
	res := sign.Verify(pdf, roots, s.now())

	// The signer certificate's revocation, from our records: a certificate
	// revoked after the signing leaves the signature valid.
	var revokedBefore, revokedLater bool
	var certRevokedAt time.Time
	if res.Trusted && res.SignerCert != nil {
		cert, err := s.store.CertificateBySerial(ctx, surat.NormalizeSerial(res.SignerCert.SerialNumber.Text(16)))
		switch {
		case errors.Is(err, surat.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("verify: signer certificate of an upload: %w", err)
		case cert.RevokedAt != nil:
			certRevokedAt = *cert.RevokedAt
			if !res.SigningTime.IsZero() && revokedAfter(cert.RevokedAt, res.SigningTime) {
				revokedLater = true
			} else {
				revokedBefore = true
			}
		}
	}

	u.Checks = append(u.Checks, Check{Label: "Sama dengan PDF surat ini (SHA-256)", OK: identical,
		Result: yesNo(identical, "ya, sama persis", "tidak, berkasnya berbeda")})
	if res.Code != sign.CodeNotPDF {
		u.Checks = append(u.Checks, Check{Label: "Tanda tangan elektronik", OK: res.Signed,
			Result: yesNo(res.Signed, "ada", "tidak ada")})
	}
	if res.Signed {
		u.Checks = append(u.Checks,
			Check{Label: "Tanda tangan mencakup seluruh berkas", OK: res.CoversWholeFile,
				Result: yesNo(res.CoversWholeFile, "ya", "tidak, ada data tambahan setelah penandatanganan")},
			Check{Label: "Isi tidak berubah sejak ditandatangani", OK: res.DigestOK,
				Result: yesNo(res.DigestOK, "ya", "tidak, isi telah diubah")},
			Check{Label: "Sertifikat diterbitkan oleh CA akar aplikasi ini", OK: res.Trusted,
				Result: yesNo(res.Trusted, "ya", "tidak")})
	}
	if res.Trusted {
		c := Check{Label: "Status sertifikat penanda tangan", OK: !revokedBefore, Result: "tidak dicabut"}
		switch {
		case revokedBefore:
			c.Result = "dicabut pada " + TimeWIB(certRevokedAt) + ", sebelum dokumen ditandatangani"
		case revokedLater:
			c.Result = "dicabut pada " + TimeWIB(certRevokedAt) + ", setelah dokumen ditandatangani (tanda tangan tetap sah)"
		}
		u.Checks = append(u.Checks, c)
	}

	switch {
	case res.Code == sign.CodeNotPDF:
		u.Kind, u.Title = NotPDF, "Bukan berkas PDF"
		u.Message = "Berkas yang diunggah bukan dokumen PDF, sehingga tidak dapat diperiksa. Unggah berkas PDF surat yang Anda terima."
		u.Checks = u.Checks[:0]
	case identical:
		u.Kind, u.Title = Identical, "Berkas sama dengan surat yang diterbitkan"
		u.Message = "Berkas ini sama persis, byte demi byte, dengan PDF surat yang ditandatangani dan disimpan oleh desa."
		u.OK = r.Status == Authentic
		if !u.OK {
			u.Message += " Perhatikan status surat di atas: " + string(r.Status) + "."
		}
	case res.Code == sign.CodeUnsigned:
		u.Kind, u.Title = Unsigned, "Tidak ada tanda tangan elektronik"
		u.Message = "Berkas PDF ini tidak memiliki tanda tangan elektronik, jadi bukan surat asli dari aplikasi ini " +
			"(misalnya hasil pindaian, cetak ulang, atau ketik ulang)."
	case res.Code == sign.CodeNotWholeFile:
		u.Kind, u.Title = Appended, "Ada tambahan setelah ditandatangani"
		u.Message = "Tanda tangan tidak mencakup seluruh berkas: ada data yang ditambahkan ke PDF setelah ditandatangani. " +
			"Isi yang tampil bisa berbeda dari yang ditandatangani."
	case res.Code == sign.CodeDigestMismatch:
		u.Kind, u.Title = Altered, "Isi dokumen telah diubah"
		u.Message = "Berkas ini pernah ditandatangani, tetapi isinya telah diubah sesudahnya. Jangan menerima berkas ini sebagai surat asli."
	case res.Code == sign.CodeUntrusted:
		u.Kind, u.Title = Untrusted, "Ditandatangani pihak lain"
		u.Message = "Berkas ini ditandatangani dengan sertifikat yang tidak diterbitkan oleh CA aplikasi ini, " +
			"jadi bukan surat yang ditandatangani melalui aplikasi ini."
	case res.Valid && revokedBefore:
		u.Kind, u.Title = RevokedCertificate, "Sertifikat sudah dicabut"
		u.Message = "Berkas ini ditandatangani dengan sertifikat yang sudah dicabut sebelum penandatanganan, sehingga tanda tangannya tidak sah."
	case res.Valid:
		u.Kind, u.Title = OtherDocument, "Dokumen lain"
		u.Message = "Tanda tangan pada berkas ini sah dan dibuat dengan sertifikat dari CA aplikasi ini, tetapi berkasnya " +
			"bukan surat dengan kode ini. Periksa kode QR pada berkas tersebut untuk melihat surat yang dimaksud."
	default:
		u.Kind, u.Title = Invalid, "Tanda tangan tidak sah"
		u.Message = res.Message
	}
	return u, nil
}

func yesNo(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

// rootPool is every stored root CA, the current one and earlier ones, so
// letters signed under an earlier root still verify. It is built per
// check: uploads are rare and rate-limited.
func (s *Service) rootPool(ctx context.Context) (*x509.CertPool, error) {
	roots, err := s.store.Roots(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: roots: %w", err)
	}
	pool := x509.NewCertPool()
	for _, r := range roots {
		cert, err := pki.ParseCertificatePEM([]byte(r.CertPEM))
		if err != nil {
			return nil, fmt.Errorf("verify: root %d: %w", r.ID, err)
		}
		pool.AddCert(cert)
	}
	return pool, nil
}
