package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// The public verification page /v/<code> and its JSON twin
// /api/v1/verify/<code>: HTTP only. What the public may know about a
// letter, its status and every word about them come from package verify;
// these handlers parse the code, call verify.Service.Lookup and render. The
// PDF upload check lives in verify_upload.go.

// verifyPage is the data of templates/pages/verify.html.
type verifyPage struct {
	basePage
	V      *verifyView
	Root   *verify.Root    // nil before `app pki init`
	Upload *verify.Verdict // the result of a PDF check, nil on GET
	// MaxUploadMB is the upload limit shown next to the form.
	MaxUploadMB int
	// Match is the answer of a paper match, nil on GET; MatchError is a
	// refused match (a malformed NIK, the limit reached), "" otherwise.
	Match      *verify.MatchOutcome
	MatchError string
	// ShowMatch: the match section is shown (a matchable letter, or a
	// refusal to say).
	ShowMatch bool
	// Checked says when and where this page was produced, for the printed
	// receipt.
	Checked string
	// PageURL and OGImage are the absolute URLs of the page and of the
	// village logo ("" without one) for the Open Graph tags.
	PageURL, OGImage string
}

// verifyNotFoundPage is the data of templates/pages/verify_notfound.html:
// the same page for an unknown and for a malformed code.
type verifyNotFoundPage struct {
	basePage
	Status     verify.Status
	StatusText string
	Root       *verify.Root
}

// handleVerify shows the public verification page of a letter.
func (s *Server) handleVerify(c *gin.Context) error {
	code, ok := verify.NormalizeCode(c.Param("code"))
	if !ok {
		return s.verifyNotFound(c)
	}
	if code != c.Param("code") {
		c.Redirect(http.StatusMovedPermanently, "/v/"+code)
		return nil
	}
	r, err := s.verify.Lookup(c.Request.Context(), code)
	if errors.Is(err, surat.ErrNotFound) {
		return s.verifyNotFound(c)
	}
	if err != nil {
		return err
	}
	s.renderVerify(c, http.StatusOK, r, nil)
	return nil
}

// renderVerify writes the verification page, with an upload verdict after a
// PDF check.
func (s *Server) renderVerify(c *gin.Context, status int, r *verify.Result, u *verify.Verdict) {
	s.renderVerifyPage(c, status, r, verifyPage{Upload: u})
}

// renderVerifyPage writes the verification page of r with p's upload
// verdict or match answer.
func (s *Server) renderVerifyPage(c *gin.Context, status int, r *verify.Result, p verifyPage) {
	v := newVerifyView(r)
	p.basePage = s.base(c, v.PageTitle)
	p.V, p.Root, p.MaxUploadMB = v, r.Root, verify.MaxUpload>>20
	// Every value the template prints costs a reflective call, so the
	// lines are put together here.
	p.PageURL, p.OGImage = s.cfg.BaseURL+"/v/"+r.Code, s.absolute(v.LogoURL)
	p.ShowMatch = v.Matchable || p.MatchError != ""
	p.Checked = "Diperiksa pada " + verify.TimeWIB(s.now()) + " di " + p.PageURL
	// The status can change at any moment (revocation), so nothing may
	// cache it; securityHeaders already says no-store.
	if p.Upload == nil && p.Match == nil && p.MatchError == "" && p.User == nil && s.verifySkeletons != nil {
		buf := verifyPageBuffers.Get().(*bytes.Buffer)
		defer recycle(&verifyPageBuffers, buf)
		// The page is compressed for a browser that accepts it: a page
		// scanned from a phone on a slow connection, 6 kB of HTML that
		// compress to under 3 kB, and one that carries no secret of the
		// reader's (no session, no CSRF token), so compressing it next to
		// reflected input gives nothing away (BREACH).
		var gz *bytes.Buffer
		if acceptsGzip(c.GetHeader("Accept-Encoding")) {
			gz = gzipBuffers.Get().(*bytes.Buffer)
			defer recycle(&gzipBuffers, gz)
		}
		if s.verifySkeletons.render(buf, gz, &p) {
			c.Header("Vary", "Accept-Encoding")
			if gz != nil && gz.Len() > 0 {
				c.Header("Content-Encoding", "gzip")
				writeWhole(c, status, "text/html; charset=utf-8", gz.Bytes())
				return
			}
			writeWhole(c, status, "text/html; charset=utf-8", buf.Bytes())
			return
		}
		buf.Reset()
	}
	s.renderPooled(c, status, "verify", &p)
}

// verifyPageBuffers recycles the buffers the verification page is rendered
// into: the page is some 6 kB and served for every scan of a QR code.
var verifyPageBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 8<<10)) }}

// recycle empties b and puts it back in pool, unless a large page made it
// grow beyond 64 kB: the pool keeps what is common.
func recycle(pool *sync.Pool, b *bytes.Buffer) {
	if b.Cap() <= 64<<10 {
		b.Reset()
		pool.Put(b)
	}
}

// renderPooled is render with a buffer from verifyPageBuffers: the page is
// still rendered whole before anything is written, and a failing template
// gives the fallback 500 page.
func (s *Server) renderPooled(c *gin.Context, status int, name string, data any) {
	p, ok := s.pages[name]
	if !ok {
		s.render(c, status, name, data) // reports the missing page
		return
	}
	t, err := p.parsed()
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "render failed", "page", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/html; charset=utf-8", s.fallback)
		return
	}
	buf := verifyPageBuffers.Get().(*bytes.Buffer)
	defer recycle(&verifyPageBuffers, buf)
	if err := t.ExecuteTemplate(buf, "layout", data); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render failed", "page", name, "err", fmt.Errorf("web: render %s: %w", name, err))
		c.Data(http.StatusInternalServerError, "text/html; charset=utf-8", s.fallback)
		return
	}
	// c.Data copies the bytes into the response before returning, so the
	// buffer can go back to the pool.
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// verifyNotFound writes the one 404 page of the verification routes, the
// same bytes for a code that does not exist and one that cannot exist.
func (s *Server) verifyNotFound(c *gin.Context) error {
	root, err := s.verify.Root(c.Request.Context())
	if err != nil {
		return err
	}
	s.render(c, http.StatusNotFound, "verify_notfound", verifyNotFoundPage{basePage: s.base(c, "Surat tidak ditemukan"),
		Status: verify.NotFound, StatusText: verify.NotFound.Sentence(), Root: root})
	c.Abort()
	return nil
}

// verifyJSON is the JSON twin of the verification page.
type verifyJSON struct {
	Code        string            `json:"code"`
	Status      verify.Status     `json:"status"`
	Village     verifyVillageJSON `json:"village"`
	Letter      verifyLetterJSON  `json:"letter"`
	Signer      verifySignerJSON  `json:"signer"`
	Certificate *verifyCertJSON   `json:"certificate"`
	// Subject is the subject's name masked, e.g. "B**** S****".
	Subject   string `json:"subject"`
	PDFSHA256 string `json:"pdf_sha256"`
	// Revocation is set for DICABUT and DIGANTI.
	Revocation *verifyRevocationJSON `json:"revocation,omitempty"`
	// ReplacedBy is the replacing letter of a DIGANTI letter.
	ReplacedBy *verifyReplacementJSON `json:"replaced_by,omitempty"`
	// RootSHA256 is the fingerprint of the active root CA.
	RootSHA256 string `json:"root_sha256,omitempty"`
	// Statement says, in Indonesian, what the signature proves.
	Statement string `json:"statement"`
}

type verifyVillageJSON struct {
	Name      string `json:"name"`
	Code      string `json:"code"`
	Kecamatan string `json:"kecamatan"`
	Kabupaten string `json:"kabupaten"`
	// LogoURL is the village's logo, when it has one.
	LogoURL string `json:"logo_url,omitempty"`
}

type verifyLetterJSON struct {
	Module     string  `json:"module"`
	Type       string  `json:"type"`
	Number     string  `json:"number"`
	IssuedOn   string  `json:"issued_on"`             // YYYY-MM-DD, the letter's date
	SignedAt   string  `json:"signed_at"`             // RFC 3339 in WIB
	ValidUntil *string `json:"valid_until,omitempty"` // RFC 3339 in WIB
}

type verifySignerJSON struct {
	Name   string `json:"name"`
	Office string `json:"office"`
}

type verifyCertJSON struct {
	Serial              string  `json:"serial"`
	SHA256              string  `json:"sha256"`
	NotBefore           string  `json:"not_before"`
	NotAfter            string  `json:"not_after"`
	Revoked             bool    `json:"revoked"`
	RevokedAt           *string `json:"revoked_at,omitempty"`
	RevokedAfterSigning bool    `json:"revoked_after_signing"`
}

type verifyRevocationJSON struct {
	At *string `json:"at,omitempty"`
	// ReasonCode is one of the fixed reasons (surat.RevocationReason),
	// Reason its Indonesian label; the staff's note is never published.
	ReasonCode surat.RevocationReason `json:"reason_code,omitempty"`
	Reason     string                 `json:"reason,omitempty"`
}

type verifyReplacementJSON struct {
	Code string `json:"code"`
	URL  string `json:"url"`
}

// handleAPIVerify answers GET /api/v1/verify/<code> with the page's facts
// as JSON, or the JSON 404 for an unknown or malformed code.
func (s *Server) handleAPIVerify(c *gin.Context) error {
	code, ok := verify.NormalizeCode(c.Param("code"))
	if !ok {
		return fmt.Errorf("malformed verify code: %w", surat.ErrNotFound)
	}
	r, err := s.verify.Lookup(c.Request.Context(), code)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.newVerifyJSON(r))
	return nil
}

// newVerifyJSON is the JSON answer of r.
func (s *Server) newVerifyJSON(r *verify.Result) verifyJSON {
	out := verifyJSON{
		Code:   r.Code,
		Status: r.Status,
		Village: verifyVillageJSON{Name: r.VillageName, Code: r.VillageCode, Kecamatan: r.Kecamatan,
			Kabupaten: r.Kabupaten, LogoURL: s.absolute(villageLogoURL(r.VillageCode, r.LogoVersion))},
		Letter: verifyLetterJSON{Module: r.Module, Type: r.LetterType, Number: r.Number,
			IssuedOn: surat.LetterTime(r.IssuedAt).Format(time.DateOnly), SignedAt: wibRFC3339(r.SignedAt),
			ValidUntil: optWIB(r.ValidUntil)},
		Signer:    verifySignerJSON{Name: r.SignerName, Office: r.SignerOffice},
		Subject:   r.SubjectMasked,
		PDFSHA256: r.PDFSHA256,
		Statement: verify.Statement,
	}
	if r.Cert != nil {
		out.Certificate = &verifyCertJSON{Serial: r.Cert.Serial, SHA256: r.Cert.Fingerprint,
			NotBefore: wibRFC3339(r.Cert.NotBefore), NotAfter: wibRFC3339(r.Cert.NotAfter),
			Revoked: r.Cert.RevokedAt != nil, RevokedAt: optWIB(r.Cert.RevokedAt),
			RevokedAfterSigning: r.Cert.RevokedAfterSigning}
	}
	if r.Status == verify.Revoked || r.Status == verify.Replaced {
		out.Revocation = &verifyRevocationJSON{At: optWIB(r.RevokedAt), ReasonCode: r.Reason, Reason: r.Reason.Label()}
	}
	if r.Replacement != "" {
		out.ReplacedBy = &verifyReplacementJSON{Code: r.Replacement, URL: s.cfg.BaseURL + "/v/" + r.Replacement}
	}
	if r.Root != nil {
		out.RootSHA256 = r.Root.Fingerprint
	}
	return out
}

func wibRFC3339(t time.Time) string { return surat.LetterTime(t).Format(time.RFC3339) }

func optWIB(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := wibRFC3339(*t)
	return &s
}

// dateWIB prints the WIB date of t, "" for nil.
func dateWIB(t *time.Time) string {
	if t == nil {
		return ""
	}
	return surat.FormatDate(surat.LetterTime(*t))
}

// verifyView is what templates/pages/verify.html prints of a verification,
// every sentence and date already worked out, so that the template only
// reads fields: in html/template each method call or comparison is a
// reflective call, and this page is served for every scan of a QR code.
type verifyView struct {
	Code string
	// Status is the big word, StatusClass the banner's CSS modifier (ok,
	// bad or warn), StatusText the sentence under it.
	Status, StatusClass, StatusText string
	// Exactly one of Revoked, Replaced and Expired is true for those
	// statuses. RevokedWIB is when the letter was revoked or replaced.
	Revoked, Replaced, Expired bool
	RevokedWIB                 string
	Reason                     string // the public reason it was revoked, a fixed label
	Replacement                string // verification code of the replacing letter

	LetterType  string
	Number      string
	VillageLine string // "Desa Sumberejo, Kecamatan Sanankulon, Kabupaten Blitar"
	IssuedWIB   string // the letter's date: "23 November 2026"
	// ValidUntilWIB is the end of validity, "" when the letter does not
	// expire.
	ValidUntilWIB string
	SubjectMasked string
	SignedWIB     string // "23 November 2026, 10.05 WIB"
	SignerLine    string // "Bambang Sutejo, Kepala Desa"
	Cert          *certShown
	PDFSHA256     string

	// VillageName and Kabupaten head the page; LogoURL is the village's
	// logo, "" when it has none.
	VillageName, Kabupaten, LogoURL string
	// PageTitle and Description name the letter type and the village, for
	// the title and the Open Graph tags of a link shared in a chat; they
	// hold no personal data.
	PageTitle, Description string
	// Matchable: the paper match is offered (ASLI and KEDALUWARSA).
	Matchable bool
}

// certShown is the signer certificate on the page.
type certShown struct {
	Serial, Fingerprint string
	Validity            string // "1 Januari 2026 s.d. 1 Januari 2027"
	// Status says whether the certificate was revoked, and what that means
	// for this letter's signature.
	Status string
}

// newVerifyView lays a verification out for the page.
func newVerifyView(r *verify.Result) *verifyView {
	w := &verifyView{Code: r.Code, Status: string(r.Status), StatusText: r.Status.Sentence(),
		Reason: r.Reason.Label(), Replacement: r.Replacement,
		Revoked: r.Status == verify.Revoked, Replaced: r.Status == verify.Replaced, Expired: r.Status == verify.Expired,
		LetterType: r.LetterType, Number: r.Number,
		VillageLine: r.VillageName + ", " + r.Kecamatan + ", " + r.Kabupaten,
		IssuedWIB:   surat.FormatDate(surat.LetterTime(r.IssuedAt)), ValidUntilWIB: dateWIB(r.ValidUntil),
		SubjectMasked: r.SubjectMasked, SignedWIB: verify.TimeWIB(r.SignedAt), SignerLine: r.SignerName,
		PDFSHA256: r.PDFSHA256}
	w.Matchable = r.Status == verify.Authentic || r.Status == verify.Expired
	w.VillageName, w.Kabupaten, w.LogoURL = r.VillageName, r.Kabupaten, villageLogoURL(r.VillageCode, r.LogoVersion)
	w.PageTitle = "Verifikasi " + r.LetterType + " — " + r.VillageName
	w.Description = "Periksa keaslian " + r.LetterType + " yang diterbitkan " + r.VillageName + ", " + r.Kabupaten + "."
	switch r.Status {
	case verify.Authentic:
		w.StatusClass = "ok"
	case verify.Expired:
		w.StatusClass = "warn"
	default:
		w.StatusClass = "bad"
	}
	if r.RevokedAt != nil {
		w.RevokedWIB = verify.TimeWIB(*r.RevokedAt)
	}
	if r.SignerOffice != "" {
		w.SignerLine += ", " + r.SignerOffice
	}
	if c := r.Cert; c != nil {
		w.Cert = &certShown{Serial: c.Serial, Fingerprint: c.Fingerprint,
			Validity: dateWIB(&c.NotBefore) + " s.d. " + dateWIB(&c.NotAfter), Status: c.State()}
	}
	return w
}

// verifyLookupPage is the data of templates/pages/verify_lookup.html, the
// public entry page for someone who has a letter but no QR scanner: by its
// code, or by its number and date.
type verifyLookupPage struct {
	basePage
	Root  *verify.Root
	Code  string
	Error string
	// Number, Date (YYYY-MM-DD) and Village are the number form's input;
	// Villages lists the villages when there are several, the form then
	// asks which one. NumberError is the number form's refusal, Errors its
	// field messages.
	Number, Date, Village string
	Villages              []verify.VillageChoice
	NumberError           string
	Errors                map[string]string
}

// handleVerifyLookup shows the forms to find a letter without its QR code.
// A well-formed code (?kode=, verify.CodeFromInput says what is accepted)
// or a letter found by number and date (?nomor=&tanggal=&desa=) is sent on
// to its page.
func (s *Server) handleVerifyLookup(c *gin.Context) error {
	ctx := c.Request.Context()
	p := verifyLookupPage{basePage: s.base(c, "Periksa keaslian surat"), Errors: map[string]string{}}
	status := http.StatusOK
	if raw, ok := c.GetQuery("kode"); ok {
		if code, ok := verify.CodeFromInput(raw); ok {
			c.Redirect(http.StatusSeeOther, "/v/"+code)
			return nil
		}
		p.Code = raw
		p.Error = "Kode verifikasi terdiri dari 26 huruf A-Z dan angka 2-7: bagian setelah /v/ pada tautan kode QR surat."
		status = http.StatusUnprocessableEntity
	}
	villages, err := s.verify.Villages(ctx)
	if err != nil {
		return err
	}
	if len(villages) > 1 {
		p.Villages = villages
	}
	if number, ok := c.GetQuery("nomor"); ok {
		p.Number, p.Date, p.Village = number, c.Query("tanggal"), c.Query("desa")
		q := verify.NumberQuery{VillageCode: p.Village, Number: number}
		if d, err := time.Parse(time.DateOnly, p.Date); err == nil {
			q.Date = d
		}
		code, err := s.verify.FindByNumber(ctx, q)
		if err == nil {
			c.Redirect(http.StatusSeeOther, "/v/"+code)
			return nil
		}
		pr := classify(err, s.now())
		if pr.Status != http.StatusNotFound && !inlineRefusal(pr) {
			return err
		}
		status = pr.Status
		p.Errors = pr.Fields
		p.NumberError = pr.Message
		if pr.Status == http.StatusNotFound {
			p.NumberError = "Tidak ada surat dengan nomor dan tanggal itu. Periksa kembali nomor, tanggal" +
				" (tanggal surat, bukan tanggal tanda tangan) dan desanya. Surat yang tidak ditemukan tidak dapat dianggap asli."
		}
	}
	root, err := s.verify.Root(ctx)
	if err != nil {
		return err
	}
	p.Root = root
	s.render(c, status, "verify_lookup", p)
	return nil
}
