package web

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/sign"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The PDF check of the verification page: POST /v/<code>/periksa takes a PDF
// (multipart field "berkas"), compares its SHA-256 with the issued letter's,
// verifies its signature against our root CAs, and shows a verdict. Nothing
// of the upload is stored or logged.

// maxVerifyUpload is the largest PDF the check accepts. Our letters are a
// few hundred kilobytes; a scan re-saved by a phone app can be larger.
const maxVerifyUpload = 20 << 20

// uploadSlack is room for the multipart headers around the file.
const uploadSlack = 64 << 10

// uploadField is the form field of the PDF.
const uploadField = "berkas"

// maxConcurrentUploads bounds the memory held by uploads being checked: each
// holds its PDF in memory while it is hashed and verified.
const maxConcurrentUploads = 4

// publicState is the state of the public verification routes: their rate
// limits, the upload slots and the caches of the root CA, villages and
// officials.
type publicState struct {
	page, upload *limiter // nil when disabled
	uploadSlots  chan struct{}
	root         rootCache
	refs         refCache
}

func newPublicState(rl *RateLimits, now func() time.Time) *publicState {
	if rl == nil {
		d := DefaultRateLimits()
		rl = &d
	}
	p := &publicState{uploadSlots: make(chan struct{}, maxConcurrentUploads)}
	if !rl.Disabled {
		p.page = newLimiter(rl.Verify, now, maxBuckets)
		p.upload = newLimiter(rl.Upload, now, maxBuckets)
	}
	return p
}

// isVerifyUpload reports whether r is a PDF check, whose body limit is the
// upload handler's own (larger than maxBodyBytes, and answered with a
// verdict on the page rather than the generic error page).
func isVerifyUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v/") &&
		strings.HasSuffix(r.URL.Path, "/periksa")
}

// limitBodies is limitBody(maxBodyBytes) for every route but the PDF check,
// which limits its body itself.
func (s *Server) limitBodies() gin.HandlerFunc {
	def := s.limitBody(maxBodyBytes)
	return func(c *gin.Context) {
		if isVerifyUpload(c.Request) {
			return
		}
		def(c)
	}
}

// uploadVerdict is the result of a PDF check, shown under the letter's
// facts.
type uploadVerdict struct {
	// Kind is a stable machine code: identical, other_document, not_pdf,
	// too_big, no_file, unsigned, untrusted, altered, appended,
	// revoked_certificate or invalid.
	Kind    string
	OK      bool // the file is the letter and the letter is ASLI
	Title   string
	Message string
	Checks  []uploadCheck
	SHA256  string // of the upload, "" when nothing was read
	status  int
}

// uploadCheck is one line of the check list.
type uploadCheck struct {
	Label, Result string
	OK            bool
}

func verdictFor(kind string, status int, title, msg string) *uploadVerdict {
	return &uploadVerdict{Kind: kind, Title: title, Message: msg, status: status}
}

var (
	verdictTooBig = func() *uploadVerdict {
		return verdictFor("too_big", http.StatusRequestEntityTooLarge, "Berkas terlalu besar",
			fmt.Sprintf("Berkas lebih besar dari %d MB dan tidak diperiksa. Surat dari aplikasi ini biasanya kurang dari 1 MB; "+
				"unggah berkas PDF asli yang Anda terima, bukan hasil pindaian.", maxVerifyUpload>>20))
	}
	verdictNoFile = func() *uploadVerdict {
		return verdictFor("no_file", http.StatusBadRequest, "Belum ada berkas",
			"Pilih berkas PDF surat yang ingin diperiksa, lalu tekan Periksa.")
	}
)

// handleVerifyUpload checks an uploaded PDF against the letter of the code.
func (s *Server) handleVerifyUpload(c *gin.Context) error {
	code, ok := verifyCodeParam(c)
	if !ok || code != c.Param("code") {
		return s.verifyNotFound(c)
	}
	if err := checkSameOrigin(c, s.cfg.BaseURL); err != nil {
		return err
	}
	ctx := c.Request.Context()
	v, err := s.loadVerification(ctx, code)
	if errors.Is(err, surat.ErrNotFound) {
		return s.verifyNotFound(c)
	}
	if err != nil {
		return err
	}
	select {
	case s.public.uploadSlots <- struct{}{}:
		defer func() { <-s.public.uploadSlots }()
	case <-ctx.Done():
		return ctx.Err()
	}
	data, verdict := readUpload(c)
	if verdict == nil {
		if verdict, err = s.checkUpload(ctx, v, data); err != nil {
			return err
		}
	}
	s.log.InfoContext(ctx, "pdf checked", "verdict", verdict.Kind)
	return s.renderVerify(c, verdict.status, v, verdict)
}

// readUpload reads the PDF of the form without ever holding more than
// maxVerifyUpload bytes of it: a body declared larger is refused before a
// byte is read, one that turns out larger is cut off.
func readUpload(c *gin.Context) ([]byte, *uploadVerdict) {
	if c.Request.ContentLength > maxVerifyUpload+uploadSlack {
		return nil, verdictTooBig()
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxVerifyUpload+uploadSlack)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, verdictNoFile()
	}
	var tooBig *http.MaxBytesError
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, verdictNoFile()
		}
		if errors.As(err, &tooBig) {
			return nil, verdictTooBig()
		}
		if err != nil {
			return nil, verdictNoFile()
		}
		if part.FormName() != uploadField {
			// Other fields are ignored; the body limit bounds them.
			if _, err := io.Copy(io.Discard, part); errors.As(err, &tooBig) {
				return nil, verdictTooBig()
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, maxVerifyUpload+1))
		switch {
		case errors.As(err, &tooBig), len(data) > maxVerifyUpload:
			return nil, verdictTooBig()
		case err != nil:
			return nil, verdictNoFile()
		case len(data) == 0:
			return nil, verdictNoFile()
		}
		return data, nil
	}
}

// checkUpload compares data with the letter v and verifies its signature.
func (s *Server) checkUpload(ctx context.Context, v *verification, data []byte) (*uploadVerdict, error) {
	roots, err := s.rootPool(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	u := &uploadVerdict{SHA256: hex.EncodeToString(sum[:]), status: http.StatusOK}
	identical := u.SHA256 == v.PDFSHA256
	res := sign.Verify(data, roots, s.now())

	// The signer certificate's revocation, from our records: a certificate
	// revoked after the signing leaves the signature valid.
	var revokedBefore, revokedAfter bool
	var certRevokedAt time.Time
	if res.Trusted && res.SignerCert != nil {
		cert, err := s.store.CertificateBySerial(ctx, surat.NormalizeSerial(res.SignerCert.SerialNumber.Text(16)))
		switch {
		case errors.Is(err, surat.ErrNotFound):
		case err != nil:
			return nil, err
		case cert.RevokedAt != nil:
			certRevokedAt = *cert.RevokedAt
			if !res.SigningTime.IsZero() && cert.RevokedAt.After(res.SigningTime) {
				revokedAfter = true
			} else {
				revokedBefore = true
			}
		}
	}

	u.Checks = append(u.Checks, uploadCheck{Label: "Sama dengan PDF surat ini (SHA-256)", OK: identical,
		Result: yesNo(identical, "ya, sama persis", "tidak, berkasnya berbeda")})
	if res.Code != sign.CodeNotPDF {
		u.Checks = append(u.Checks, uploadCheck{Label: "Tanda tangan elektronik", OK: res.Signed,
			Result: yesNo(res.Signed, "ada", "tidak ada")})
	}
	if res.Signed {
		u.Checks = append(u.Checks,
			uploadCheck{Label: "Tanda tangan mencakup seluruh berkas", OK: res.CoversWholeFile,
				Result: yesNo(res.CoversWholeFile, "ya", "tidak, ada data tambahan setelah penandatanganan")},
			uploadCheck{Label: "Isi tidak berubah sejak ditandatangani", OK: res.DigestOK,
				Result: yesNo(res.DigestOK, "ya", "tidak, isi telah diubah")},
			uploadCheck{Label: "Sertifikat diterbitkan oleh CA akar aplikasi ini", OK: res.Trusted,
				Result: yesNo(res.Trusted, "ya", "tidak")})
	}
	if res.Trusted {
		c := uploadCheck{Label: "Status sertifikat penanda tangan", OK: !revokedBefore, Result: "tidak dicabut"}
		switch {
		case revokedBefore:
			c.Result = "dicabut pada " + timeWIB(certRevokedAt) + ", sebelum dokumen ditandatangani"
		case revokedAfter:
			c.Result = "dicabut pada " + timeWIB(certRevokedAt) + ", setelah dokumen ditandatangani (tanda tangan tetap sah)"
		}
		u.Checks = append(u.Checks, c)
	}

	switch {
	case res.Code == sign.CodeNotPDF:
		u.Kind, u.Title = "not_pdf", "Bukan berkas PDF"
		u.Message = "Berkas yang diunggah bukan dokumen PDF, sehingga tidak dapat diperiksa. Unggah berkas PDF surat yang Anda terima."
		u.Checks = u.Checks[:0]
	case identical:
		u.Kind, u.Title = "identical", "Berkas sama dengan surat yang diterbitkan"
		u.Message = "Berkas ini sama persis, byte demi byte, dengan PDF surat yang ditandatangani dan disimpan oleh desa."
		u.OK = v.Status == statusAuthentic
		if !u.OK {
			u.Message += " Perhatikan status surat di atas: " + string(v.Status) + "."
		}
	case res.Code == sign.CodeUnsigned:
		u.Kind, u.Title = "unsigned", "Tidak ada tanda tangan elektronik"
		u.Message = "Berkas PDF ini tidak memiliki tanda tangan elektronik, jadi bukan surat asli dari aplikasi ini " +
			"(misalnya hasil pindaian, cetak ulang, atau ketik ulang)."
	case res.Code == sign.CodeNotWholeFile:
		u.Kind, u.Title = "appended", "Ada tambahan setelah ditandatangani"
		u.Message = "Tanda tangan tidak mencakup seluruh berkas: ada data yang ditambahkan ke PDF setelah ditandatangani. " +
			"Isi yang tampil bisa berbeda dari yang ditandatangani."
	case res.Code == sign.CodeDigestMismatch:
		u.Kind, u.Title = "altered", "Isi dokumen telah diubah"
		u.Message = "Berkas ini pernah ditandatangani, tetapi isinya telah diubah sesudahnya. Jangan menerima berkas ini sebagai surat asli."
	case res.Code == sign.CodeUntrusted:
		u.Kind, u.Title = "untrusted", "Ditandatangani pihak lain"
		u.Message = "Berkas ini ditandatangani dengan sertifikat yang tidak diterbitkan oleh CA aplikasi ini, " +
			"jadi bukan surat yang ditandatangani melalui aplikasi ini."
	case res.Valid && revokedBefore:
		u.Kind, u.Title = "revoked_certificate", "Sertifikat sudah dicabut"
		u.Message = "Berkas ini ditandatangani dengan sertifikat yang sudah dicabut sebelum penandatanganan, sehingga tanda tangannya tidak sah."
	case res.Valid:
		u.Kind, u.Title = "other_document", "Dokumen lain"
		u.Message = "Tanda tangan pada berkas ini sah dan dibuat dengan sertifikat dari CA aplikasi ini, tetapi berkasnya " +
			"bukan surat dengan kode ini. Periksa kode QR pada berkas tersebut untuk melihat surat yang dimaksud."
	default:
		u.Kind, u.Title = "invalid", "Tanda tangan tidak sah"
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
func (s *Server) rootPool(ctx context.Context) (*x509.CertPool, error) {
	roots, err := s.store.Roots(ctx)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, r := range roots {
		cert, err := pki.ParseCertificatePEM([]byte(r.CertPEM))
		if err != nil {
			return nil, fmt.Errorf("root %d: %w", r.ID, err)
		}
		pool.AddCert(cert)
	}
	return pool, nil
}

// checkSameOrigin refuses a form posted from another site. The public form
// has no session and so no CSRF token, and the check stores nothing; this
// only keeps other sites from using our server as their PDF checker through
// their visitors' browsers.
func checkSameOrigin(c *gin.Context, baseURL string) error {
	if c.GetHeader("Sec-Fetch-Site") == "cross-site" {
		return fmt.Errorf("cross-site upload: %w", errCSRF)
	}
	origin := c.GetHeader("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil {
		return fmt.Errorf("bad origin: %w", errCSRF)
	}
	if base, err := url.Parse(baseURL); err == nil && base.Scheme == u.Scheme && base.Host == u.Host {
		return nil
	}
	if u.Host == c.Request.Host {
		return nil
	}
	return fmt.Errorf("upload from origin %s: %w", u.Host, errCSRF)
}
