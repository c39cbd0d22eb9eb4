package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The public verification page /v/<code> and its JSON twin
// /api/v1/verify/<code>. Anyone who scans a letter's QR code lands here
// without logging in, so the page shows what proves or disproves the letter
// (status, village, type, number, dates, signer, certificate, the PDF's
// SHA-256) and nothing about the person beyond a masked name: never a NIK,
// KK number, birth date, address or the letter body (docs/design.md §7). The
// PDF upload check lives in verify_upload.go.

// verifyStatus is the big word at the top of the page, also the "status"
// of the JSON answer.
type verifyStatus string

// The statuses of a letter as the public sees it. TIDAK DITEMUKAN is only
// ever the 404 page.
const (
	statusAuthentic verifyStatus = "ASLI"
	statusRevoked   verifyStatus = "DICABUT"
	statusReplaced  verifyStatus = "DIGANTI"
	statusExpired   verifyStatus = "KEDALUWARSA"
	statusNotFound  verifyStatus = "TIDAK DITEMUKAN"
)

// verification is everything the public may know about one signed letter,
// shared by the page and the JSON answer.
type verification struct {
	Code   string
	Status verifyStatus

	VillageName string // "Desa Sumberejo"
	Kecamatan   string // "Kecamatan Sanankulon"
	Kabupaten   string // "Kabupaten Blitar"
	VillageCode string // kode desa Kemendagri

	Module      string // module code
	LetterType  string // module title from the catalogue
	Number      string
	IssuedAt    time.Time // the letter's date
	SignedAt    time.Time
	ValidUntil  *time.Time
	RevokedAt   *time.Time // letter revoked or replaced at
	Reason      string     // why it was revoked or replaced
	Replacement string     // verification code of the replacing letter

	SignerName   string
	SignerOffice string
	Cert         *certView // nil for a letter signed before certificates were stored

	SubjectMasked string
	PDFSHA256     string
}

// certView is the signer certificate as the public page shows it.
type certView struct {
	Serial      string // lower-case hex
	Fingerprint string // SHA-256 of the DER, lower-case hex
	NotBefore   time.Time
	NotAfter    time.Time
	RevokedAt   *time.Time
	// RevokedAfterSigning: the certificate was revoked after this letter
	// was signed, which leaves the letter's signature valid.
	RevokedAfterSigning bool
}

// loadVerification looks up the letter with code (already checked with
// surat.ValidVerifyCode) and everything shown about it. An unknown code, or
// a letter that was never signed, is surat.ErrNotFound. The letter and its
// certificate are read fresh on every call, so a revocation shows at once;
// the village and the signing official come from a one-minute cache.
func (s *Server) loadVerification(ctx context.Context, code string) (*verification, error) {
	l, err := s.store.PublicLetterByVerifyCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if l.SignedAt == nil || l.IssuedAt == nil || l.Number == nil {
		return nil, fmt.Errorf("letter %d has a code but was never signed: %w", l.ID, surat.ErrNotFound)
	}
	v := &verification{
		Code:          code,
		Module:        l.Module,
		LetterType:    s.letterTitle(l.Module),
		Number:        *l.Number,
		IssuedAt:      *l.IssuedAt,
		SignedAt:      *l.SignedAt,
		ValidUntil:    l.ValidUntil,
		SubjectMasked: maskName(l.SubjectName),
		PDFSHA256:     l.PDFSHA256,
	}
	vil, err := s.public.refs.village(ctx, s, l.VillageID)
	if err != nil {
		return nil, fmt.Errorf("village of letter %d: %w", l.ID, err)
	}
	v.VillageName, v.Kecamatan, v.Kabupaten, v.VillageCode = vil.name, vil.kecamatan, vil.kabupaten, vil.code
	if l.SignerOfficialID != nil {
		o, err := s.public.refs.official(ctx, s, l.VillageID, *l.SignerOfficialID)
		if err != nil {
			return nil, fmt.Errorf("signer of letter %d: %w", l.ID, err)
		}
		v.SignerName, v.SignerOffice = o.name, o.office
	}
	if l.CertSerial != nil && l.CertFingerprint != nil && l.CertNotBefore != nil && l.CertNotAfter != nil {
		v.Cert = &certView{Serial: *l.CertSerial, Fingerprint: *l.CertFingerprint, NotBefore: *l.CertNotBefore,
			NotAfter: *l.CertNotAfter, RevokedAt: l.CertRevokedAt}
		v.Cert.RevokedAfterSigning = l.CertRevokedAt != nil && l.CertRevokedAt.After(v.SignedAt)
	}

	switch l.Status {
	case surat.LetterRevoked:
		v.Status, v.RevokedAt, v.Reason = statusRevoked, l.RevokedAt, l.RevokeReason
	case surat.LetterReplaced:
		v.Status, v.RevokedAt = statusReplaced, l.RevokedAt
		if l.ReplacedByID != nil {
			nl, err := s.store.LetterByID(ctx, l.VillageID, *l.ReplacedByID)
			if err != nil {
				return nil, fmt.Errorf("replacement of letter %d: %w", l.ID, err)
			}
			if nl.VerifyCode != nil {
				v.Replacement = *nl.VerifyCode
			}
		}
	case surat.LetterSigned:
		v.Status = statusAuthentic
		if l.ValidUntil != nil && s.now().After(*l.ValidUntil) {
			v.Status = statusExpired
		}
	default:
		return nil, fmt.Errorf("letter %d is %s: %w", l.ID, l.Status, surat.ErrNotFound)
	}
	return v, nil
}

// refCacheTTL is how long a village's or official's name is shown without
// reading it again. Names are display only (the letter's validity never
// depends on them) and change rarely, while every scan would otherwise
// pay two more queries.
const refCacheTTL = time.Minute

// maxCachedRefs bounds the cache; a deployment for a whole province has
// some 8,000 villages.
const maxCachedRefs = 20_000

// refCache holds villages and officials of the public page by id.
type refCache struct {
	mu        sync.Mutex
	villages  map[int64]cachedVillage
	officials map[int64]cachedOfficial
}

type cachedVillage struct {
	name, kecamatan, kabupaten, code string
	at                               time.Time
}

type cachedOfficial struct {
	name, office string
	at           time.Time
}

func fresh(at, now time.Time) bool { return !now.Before(at) && now.Sub(at) < refCacheTTL }

func (rc *refCache) village(ctx context.Context, s *Server, id int64) (cachedVillage, error) {
	now := s.now()
	rc.mu.Lock()
	c, ok := rc.villages[id]
	rc.mu.Unlock()
	if ok && fresh(c.at, now) {
		return c, nil
	}
	vil, err := s.store.VillageByID(ctx, id)
	if err != nil {
		return cachedVillage{}, err
	}
	c = cachedVillage{name: strings.TrimSpace(vil.Sebutan + " " + vil.Name), kecamatan: "Kecamatan " + vil.Kecamatan,
		kabupaten: strings.TrimSpace(vil.SebutanKab + " " + vil.Kabupaten), code: vil.Code, at: now}
	rc.mu.Lock()
	if rc.villages == nil || len(rc.villages) >= maxCachedRefs {
		rc.villages = make(map[int64]cachedVillage)
	}
	rc.villages[id] = c
	rc.mu.Unlock()
	return c, nil
}

func (rc *refCache) official(ctx context.Context, s *Server, villageID, id int64) (cachedOfficial, error) {
	now := s.now()
	rc.mu.Lock()
	c, ok := rc.officials[id]
	rc.mu.Unlock()
	if ok && fresh(c.at, now) {
		return c, nil
	}
	o, err := s.store.OfficialByID(ctx, villageID, id)
	if err != nil {
		return cachedOfficial{}, err
	}
	c = cachedOfficial{name: o.Name, office: o.Jabatan, at: now}
	rc.mu.Lock()
	if rc.officials == nil || len(rc.officials) >= maxCachedRefs {
		rc.officials = make(map[int64]cachedOfficial)
	}
	rc.officials[id] = c
	rc.mu.Unlock()
	return c, nil
}

// letterTitle is the catalogue title of a module, or its code when the
// server runs without the issuance service (some tests) or the module has
// left the catalogue.
func (s *Server) letterTitle(module string) string {
	if s.issuance != nil {
		if m := s.issuance.Catalogue().Module(module); m != nil {
			return m.Title
		}
	}
	return module
}

// maskName keeps the first letter of every word of a name and replaces the
// rest with four asterisks, whatever the word's length, so the mask does not
// give away how long the name is: "Budi Santoso" -> "B**** S****".
func maskName(name string) string {
	words := strings.Fields(name)
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + "****"
	}
	return strings.Join(words, " ")
}

// verifyCodeParam returns the request's code, upper-cased so that a code
// typed in lower case still works, and whether it has the shape of a code.
func verifyCodeParam(c *gin.Context) (code string, ok bool) {
	code = strings.ToUpper(c.Param("code"))
	return code, surat.ValidVerifyCode(code)
}

// verifyPage is the data of templates/pages/verify.html.
type verifyPage struct {
	basePage
	V      *verifyView
	Root   *rootShown     // nil before `app pki init`
	Upload *uploadVerdict // the result of a PDF check, nil on GET
	// MaxUploadMB is the upload limit shown next to the form.
	MaxUploadMB int
}

// verifyNotFoundPage is the data of templates/pages/verify_notfound.html:
// the same page for an unknown and for a malformed code.
type verifyNotFoundPage struct {
	basePage
	Root *rootView
}

// handleVerify shows the public verification page of a letter.
func (s *Server) handleVerify(c *gin.Context) error {
	code, ok := verifyCodeParam(c)
	if !ok {
		return s.verifyNotFound(c)
	}
	if code != c.Param("code") {
		c.Redirect(http.StatusMovedPermanently, "/v/"+code)
		return nil
	}
	v, err := s.loadVerification(c.Request.Context(), code)
	if errors.Is(err, surat.ErrNotFound) {
		return s.verifyNotFound(c)
	}
	if err != nil {
		return err
	}
	return s.renderVerify(c, http.StatusOK, v, nil)
}

// renderVerify writes the verification page, with an upload verdict after a
// PDF check.
func (s *Server) renderVerify(c *gin.Context, status int, v *verification, u *uploadVerdict) error {
	root, err := s.rootView(c.Request.Context())
	if err != nil {
		return err
	}
	p := verifyPage{basePage: s.base(c, "Verifikasi surat"), V: newVerifyView(v), Root: showRoot(root), Upload: u,
		MaxUploadMB: maxVerifyUpload >> 20}
	// The status can change at any moment (revocation), so nothing may
	// cache it; securityHeaders already says no-store.
	s.renderPooled(c, status, "verify", p)
	return nil
}

// verifyPageBuffers recycles the buffers the verification page is rendered
// into: the page is some 3.5 kB and served for every scan of a QR code.
var verifyPageBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 8<<10)) }}

// renderPooled is render with a buffer from verifyPageBuffers: the page is
// still rendered whole before anything is written, and a failing template
// gives the fallback 500 page.
func (s *Server) renderPooled(c *gin.Context, status int, name string, data any) {
	p, ok := s.pages[name]
	if !ok {
		s.render(c, status, name, data) // reports the missing page
		return
	}
	buf := verifyPageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 {
			buf.Reset()
			verifyPageBuffers.Put(buf)
		}
	}()
	if err := p.t.ExecuteTemplate(buf, "layout", data); err != nil {
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
	root, err := s.rootView(c.Request.Context())
	if err != nil {
		return err
	}
	s.render(c, http.StatusNotFound, "verify_notfound",
		verifyNotFoundPage{basePage: s.base(c, "Surat tidak ditemukan"), Root: root})
	c.Abort()
	return nil
}

// verifyJSON is the JSON twin of the verification page.
type verifyJSON struct {
	Code        string            `json:"code"`
	Status      verifyStatus      `json:"status"`
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
	At     *string `json:"at,omitempty"`
	Reason string  `json:"reason,omitempty"`
}

type verifyReplacementJSON struct {
	Code string `json:"code"`
	URL  string `json:"url"`
}

// handleAPIVerify answers GET /api/v1/verify/<code> with the page's facts
// as JSON, or the JSON 404 for an unknown or malformed code.
func (s *Server) handleAPIVerify(c *gin.Context) error {
	code, ok := verifyCodeParam(c)
	if !ok {
		return fmt.Errorf("malformed verify code: %w", surat.ErrNotFound)
	}
	ctx := c.Request.Context()
	v, err := s.loadVerification(ctx, code)
	if err != nil {
		return err
	}
	root, err := s.rootView(ctx)
	if err != nil {
		return err
	}
	out := verifyJSON{
		Code:   v.Code,
		Status: v.Status,
		Village: verifyVillageJSON{Name: v.VillageName, Code: v.VillageCode, Kecamatan: v.Kecamatan,
			Kabupaten: v.Kabupaten},
		Letter: verifyLetterJSON{Module: v.Module, Type: v.LetterType, Number: v.Number,
			IssuedOn: surat.LetterTime(v.IssuedAt).Format(time.DateOnly), SignedAt: wibRFC3339(v.SignedAt),
			ValidUntil: optWIB(v.ValidUntil)},
		Signer:    verifySignerJSON{Name: v.SignerName, Office: v.SignerOffice},
		Subject:   v.SubjectMasked,
		PDFSHA256: v.PDFSHA256,
		Statement: signatureStatement,
	}
	if v.Cert != nil {
		out.Certificate = &verifyCertJSON{Serial: v.Cert.Serial, SHA256: v.Cert.Fingerprint,
			NotBefore: wibRFC3339(v.Cert.NotBefore), NotAfter: wibRFC3339(v.Cert.NotAfter),
			Revoked: v.Cert.RevokedAt != nil, RevokedAt: optWIB(v.Cert.RevokedAt),
			RevokedAfterSigning: v.Cert.RevokedAfterSigning}
	}
	if v.Status == statusRevoked || v.Status == statusReplaced {
		out.Revocation = &verifyRevocationJSON{At: optWIB(v.RevokedAt), Reason: v.Reason}
	}
	if v.Replacement != "" {
		out.ReplacedBy = &verifyReplacementJSON{Code: v.Replacement, URL: s.cfg.BaseURL + "/v/" + v.Replacement}
	}
	if root != nil {
		out.RootSHA256 = root.Fingerprint
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// signatureStatement is the honest sentence of what the signature proves
// (docs/signing.md §1): our own CA, not a certified one.
const signatureStatement = "Surat ini ditandatangani secara elektronik menggunakan sertifikat elektronik " +
	"yang diterbitkan oleh CA (otoritas sertifikat) milik penyelenggara aplikasi ini, bukan oleh " +
	"Penyelenggara Sertifikasi Elektronik Indonesia seperti BSrE. Menurut UU ITE dan PP 71/2019 ini " +
	"adalah tanda tangan elektronik tidak tersertifikasi. Tanda tangan ini membuktikan bahwa berkas PDF " +
	"tidak berubah sejak ditandatangani dengan sertifikat pejabat di atas; status surat yang berlaku " +
	"(asli, dicabut, diganti, kedaluwarsa) adalah yang tertera di halaman ini."

func wibRFC3339(t time.Time) string { return surat.LetterTime(t).Format(time.RFC3339) }

func optWIB(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := wibRFC3339(*t)
	return &s
}

// timeWIB prints a moment in WIB with the Indonesian time separator:
// "23 November 2026, 10.05 WIB".
func timeWIB(t time.Time) string {
	w := surat.LetterTime(t)
	return surat.FormatDate(w) + ", " + w.Format("15.04") + " WIB"
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
	Reason                     string // why it was revoked
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
	Statement     string
}

// certShown is the signer certificate on the page.
type certShown struct {
	Serial, Fingerprint string
	Validity            string // "1 Januari 2026 s.d. 1 Januari 2027"
	// Status says whether the certificate was revoked, and what that means
	// for this letter's signature.
	Status string
}

// newVerifyView words a verification for the page.
func newVerifyView(v *verification) *verifyView {
	w := &verifyView{Code: v.Code, Status: string(v.Status), Reason: v.Reason, Replacement: v.Replacement,
		Revoked: v.Status == statusRevoked, Replaced: v.Status == statusReplaced, Expired: v.Status == statusExpired,
		LetterType: v.LetterType, Number: v.Number,
		VillageLine: v.VillageName + ", " + v.Kecamatan + ", " + v.Kabupaten,
		IssuedWIB:   surat.FormatDate(surat.LetterTime(v.IssuedAt)), ValidUntilWIB: dateWIB(v.ValidUntil),
		SubjectMasked: v.SubjectMasked, SignedWIB: timeWIB(v.SignedAt), SignerLine: v.SignerName,
		PDFSHA256: v.PDFSHA256, Statement: signatureStatement}
	switch v.Status {
	case statusAuthentic:
		w.StatusClass = "ok"
		w.StatusText = "Surat ini diterbitkan dan ditandatangani secara elektronik oleh pemerintah desa di bawah ini dan masih berlaku."
	case statusRevoked:
		w.StatusClass = "bad"
		w.StatusText = "Surat ini telah dicabut oleh pemerintah desa dan tidak berlaku lagi."
	case statusReplaced:
		w.StatusClass = "bad"
		w.StatusText = "Surat ini telah diganti dengan surat baru dan tidak berlaku lagi."
	case statusExpired:
		w.StatusClass = "warn"
		w.StatusText = "Surat ini asli, tetapi masa berlakunya telah habis."
	default:
		w.StatusClass = "bad"
	}
	if v.RevokedAt != nil {
		w.RevokedWIB = timeWIB(*v.RevokedAt)
	}
	if v.SignerOffice != "" {
		w.SignerLine += ", " + v.SignerOffice
	}
	if c := v.Cert; c != nil {
		w.Cert = &certShown{Serial: c.Serial, Fingerprint: c.Fingerprint,
			Validity: dateWIB(&c.NotBefore) + " s.d. " + dateWIB(&c.NotAfter), Status: "Tidak dicabut"}
		switch {
		case c.RevokedAt == nil:
		case c.RevokedAfterSigning:
			w.Cert.Status = "Dicabut pada " + timeWIB(*c.RevokedAt) + ", setelah surat ini ditandatangani. " +
				"Tanda tangan pada surat ini tetap sah; surat yang ditandatangani sesudahnya dengan sertifikat ini tidak sah."
		default:
			w.Cert.Status = "Dicabut pada " + timeWIB(*c.RevokedAt) +
				", sebelum surat ini ditandatangani: tanda tangan pada surat ini tidak dapat dipercaya."
		}
	}
	return w
}

// rootShown is the root CA as templates/partials/verify_root.html prints
// it: the fields that partial reads of a *rootView, with the fingerprint
// already in its display form.
type rootShown struct {
	CommonName string
	Display    string
}

// lastRootShown remembers the display form of the last root shown: the
// root cache hands out the same *rootView for a minute, and formatting the
// fingerprint costs 32 Sprintf calls.
var lastRootShown atomic.Pointer[struct {
	root  *rootView
	shown *rootShown
}]

// showRoot is the root for the page, nil when there is none yet.
func showRoot(r *rootView) *rootShown {
	if r == nil {
		return nil
	}
	if last := lastRootShown.Load(); last != nil && last.root == r {
		return last.shown
	}
	shown := &rootShown{CommonName: r.CommonName, Display: r.Display()}
	lastRootShown.Store(&struct {
		root  *rootView
		shown *rootShown
	}{r, shown})
	return shown
}

// verifyLookupPage is the data of templates/pages/verify_lookup.html, the
// public entry page for someone who has a letter but no QR scanner.
type verifyLookupPage struct {
	basePage
	Root  *rootView
	Code  string
	Error string
}

// handleVerifyLookup shows the form to type a verification code, and sends
// a well-formed code (?kode=) on to its page. The code is the part after
// /v/ in the letter's QR link; spaces and dashes typed with it are ignored.
func (s *Server) handleVerifyLookup(c *gin.Context) error {
	p := verifyLookupPage{basePage: s.base(c, "Periksa keaslian surat")}
	status := http.StatusOK
	if raw, ok := c.GetQuery("kode"); ok {
		code := strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(raw)))
		if i := strings.LastIndex(code, "/V/"); i >= 0 { // a whole link pasted
			code = code[i+3:]
		}
		if surat.ValidVerifyCode(code) {
			c.Redirect(http.StatusSeeOther, "/v/"+code)
			return nil
		}
		p.Code = raw
		p.Error = "Kode verifikasi terdiri dari 26 huruf A-Z dan angka 2-7: bagian setelah /v/ pada tautan kode QR surat."
		status = http.StatusUnprocessableEntity
	}
	root, err := s.rootView(c.Request.Context())
	if err != nil {
		return err
	}
	p.Root = root
	s.render(c, status, "verify_lookup", p)
	return nil
}
