package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters/opensid"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// handlerFunc is what every handler is: it writes a response on success and
// returns an error otherwise, which one of the adapters below turns into a
// status code and an HTML or JSON body.
type handlerFunc func(c *gin.Context) error

// Errors of the HTTP layer itself. The domain's sentinels live in surat.
var (
	// errCSRF means a form came without the session's CSRF token.
	errCSRF = errors.New("csrf token missing or wrong")
	// errInvalidCredentials means an unknown user, a wrong password or a
	// disabled account; the three are deliberately indistinguishable.
	errInvalidCredentials = errors.New("invalid credentials")
	// errMethodNotAllowed means the path exists but not for this method.
	errMethodNotAllowed = errors.New("method not allowed")
)

// badRequestError is a request the server cannot parse at all (malformed
// JSON, a wrong content type). Msg is Indonesian and shown to the caller.
type badRequestError struct{ Msg string }

func (e *badRequestError) Error() string { return "bad request: " + e.Msg }

// unsupportedMediaError is an upload of a kind the server does not take.
// Msg is Indonesian and shown to the caller.
type unsupportedMediaError struct{ Msg string }

func (e *unsupportedMediaError) Error() string { return "unsupported media: " + e.Msg }

// lockedError is a login refused because the account is locked until Until.
type lockedError struct{ Until time.Time }

func (e *lockedError) Error() string { return "account locked" }

func (e *lockedError) Unwrap() error { return surat.ErrLocked }

// loginThrottledError is a login refused because the account had too many
// attempts from all addresses together in a short window: the account is
// slowed down for everybody, never locked, until Until.
type loginThrottledError struct{ Until time.Time }

func (e *loginThrottledError) Error() string { return "login throttled" }

// statusClientClosedRequest is nginx's status for a request whose client
// closed the connection before the answer.
const statusClientClosedRequest = 499

// busyRetryAfter is the Retry-After, in seconds, of a request refused
// because every password hashing slot was busy.
const busyRetryAfter = 2

// problem is an error classified for the caller: an HTTP status, an English
// machine code and an Indonesian message that is safe to show.
type problem struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
	// Rows are the bad rows of a rejected import (the first
	// surat.MaxReportedRows), RowsTotal how many there are in all.
	Rows      []surat.RowError
	RowsTotal int
	// RetryAfter, when positive, is sent as a Retry-After header (seconds).
	RetryAfter int
}

// errorRule is one row of the error table: the errors it matches, and what
// the caller sees of them. detail, when set, completes the problem from the
// error itself (its fields, the time a lock ends, a status label).
type errorRule struct {
	match   func(err error) bool
	status  int
	code    string
	message string
	detail  func(err error, now time.Time, p *problem)
}

// is matches errors that wrap target.
func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// as matches errors that wrap a *T.
func as[T error]() func(error) bool {
	return func(err error) bool {
		var t T
		return errors.As(err, &t)
	}
}

// asT returns the *T err wraps, for a detail function whose rule matched
// with as[T].
func asT[T error](err error) T {
	var t T
	errors.As(err, &t)
	return t
}

// waitFor is how long until until, in whole seconds and in the minutes the
// messages name, both rounded up and at least 1.
func waitFor(until, now time.Time) (secs, mins int) {
	d := until.Sub(now)
	return max(1, int(math.Ceil(d.Seconds()))), max(1, int(math.Ceil(d.Minutes())))
}

// wrongPassphraseMessage is the refusal of a wrong signing passphrase.
const wrongPassphraseMessage = "Frasa sandi salah. Surat tidak ditandatangani dan tidak ada nomor surat yang terpakai."

// errorTable maps every error a handler may return to what the caller
// sees, HTML and JSON alike; the first matching row wins, so specific rows
// come before the sentinels they also match (a wrong passphrase before
// ErrLocked, a refused status change before ErrConflict). It is the only
// place where errors become statuses and words; an error no row matches is
// a 500 that reveals nothing.
var errorTable = []errorRule{
	// The client went away (closed the tab, lost the signal): nobody reads
	// the answer, and it is not the server's failure, so it is not logged
	// as one. 499 is the status nginx logs for it.
	{match: is(context.Canceled), status: statusClientClosedRequest, code: "client_closed_request",
		message: "Permintaan dibatalkan sebelum selesai."},
	{match: as[*surat.ValidationError](), status: http.StatusUnprocessableEntity, code: "validation_failed",
		message: "Data belum benar. Periksa isian yang ditandai.",
		detail: func(err error, _ time.Time, p *problem) {
			p.Fields = asT[*surat.ValidationError](err).Fields
		}},
	{match: as[*surat.ImportError](), status: http.StatusUnprocessableEntity, code: "import_rejected",
		detail: func(err error, _ time.Time, p *problem) {
			ie := asT[*surat.ImportError](err)
			p.Rows, p.RowsTotal = ie.Rows, ie.Count()
			p.Message = fmt.Sprintf("Berkas ditolak: %d masalah pada baris data. Tidak ada data yang diubah; perbaiki baris yang disebut lalu unggah lagi.", ie.Count())
			if ie.Count() > len(ie.Rows) {
				p.Message += fmt.Sprintf(" Hanya %d masalah pertama yang ditampilkan.", len(ie.Rows))
			}
		}},
	{match: as[*unsupportedMediaError](), status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
		detail: func(err error, _ time.Time, p *problem) { p.Message = asT[*unsupportedMediaError](err).Msg }},
	{match: as[*surat.LimitError](), status: http.StatusTooManyRequests, code: "limit_exceeded",
		detail: func(err error, _ time.Time, p *problem) { p.Message = asT[*surat.LimitError](err).Msg }},
	{match: as[*http.MaxBytesError](), status: http.StatusRequestEntityTooLarge, code: "payload_too_large",
		detail: func(err error, _ time.Time, p *problem) {
			p.Message = fmt.Sprintf("Data yang dikirim terlalu besar (paling besar %d MB).", asT[*http.MaxBytesError](err).Limit>>20)
		}},
	{match: as[*issuance.TemplateError](), status: http.StatusUnprocessableEntity, code: "template_invalid",
		detail: func(err error, _ time.Time, p *problem) {
			te := asT[*issuance.TemplateError](err)
			p.Message = fmt.Sprintf("Templat belum benar: %d masalah. Tidak ada yang disimpan; perbaiki baris yang disebut.", len(te.Problems))
			p.Fields = map[string]string{}
			for _, pr := range te.Problems {
				key := "berkas"
				if pr.Line > 0 {
					key = fmt.Sprintf("baris %d", pr.Line)
				}
				if p.Fields[key] != "" {
					p.Fields[key] += "; "
				}
				p.Fields[key] += pr.Message
			}
		}},
	{match: is(opensid.ErrNotExport), status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
		message: "Berkas bukan ekspor templat surat OpenSID (template_surat_tinymce.json)."},
	{match: as[*badRequestError](), status: http.StatusBadRequest, code: "bad_request",
		detail: func(err error, _ time.Time, p *problem) { p.Message = asT[*badRequestError](err).Msg }},
	{match: func(err error) bool { a := asT[*mandiri.AttachmentError](err); return a != nil && a.TooLarge },
		status: http.StatusRequestEntityTooLarge, code: "payload_too_large",
		message: fmt.Sprintf("Lampiran terlalu besar: paling besar %d MB per berkas.", mandiri.MaxAttachmentBytes>>20)},
	{match: as[*mandiri.AttachmentError](), status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
		message: "Lampiran harus berupa foto JPEG/PNG atau berkas PDF. Berkas lain (juga yang hanya diganti namanya) tidak diterima."},

	// Signing. The wrong passphrase that locks signing says so at once.
	{match: is(issuance.ErrWrongRootPassphrase), status: http.StatusUnprocessableEntity, code: "wrong_root_passphrase",
		message: "Frasa sandi root CA salah. Tidak ada yang diubah.",
		detail:  wrongPassphraseDetail[*issuance.RootLockedError]("root_passphrase", "Frasa sandi root CA salah", "root CA")},
	{match: as[*issuance.RootLockedError](), status: http.StatusTooManyRequests, code: "root_locked",
		detail: lockedDetail[*issuance.RootLockedError]("Root CA dikunci sementara karena frasa sandi salah berulang kali. Coba lagi dalam %d menit.")},
	{match: is(issuance.ErrWrongPassphrase), status: http.StatusUnprocessableEntity, code: "wrong_passphrase",
		message: wrongPassphraseMessage,
		detail:  wrongPassphraseDetail[*issuance.LockedError]("passphrase", "Frasa sandi salah", "penandatanganan")},
	{match: as[*issuance.LockedError](), status: http.StatusTooManyRequests, code: "signing_locked",
		detail: lockedDetail[*issuance.LockedError]("Penandatanganan dikunci sementara karena frasa sandi salah berulang kali. Coba lagi dalam %d menit.")},
	{match: is(issuance.ErrNotSigner), status: http.StatusForbidden, code: "not_signer",
		message: "Anda bukan pejabat penandatangan surat ini."},
	{match: is(issuance.ErrNoCertificate), status: http.StatusConflict, code: "no_certificate",
		message: "Pejabat penandatangan belum memiliki sertifikat tanda tangan elektronik yang berlaku. Pejabat itu mengajukannya sendiri di menu Sertifikat saya; pemegang CA di kabupaten menyetujuinya."},
	{match: is(issuance.ErrNoRoot), status: http.StatusConflict, code: "no_root_ca",
		message: "Sertifikat induk (root CA) belum dibuat. Minta administrator server menjalankan perintah \"app pki init\"."},

	// Revocation of signed letters and the public paper match.
	{match: is(issuance.ErrNotRevoker), status: http.StatusForbidden, code: "not_revoker",
		message: "Surat yang sudah ditandatangani hanya dapat dicabut oleh penandatangan desa. Ajukan pencabutan; penandatangan akan mengonfirmasi atau menolaknya."},
	{match: is(surat.ErrRevocationPending), status: http.StatusConflict, code: "revocation_pending",
		message: "Pencabutan surat ini sudah diajukan dan menunggu konfirmasi penandatangan desa."},
	{match: is(surat.ErrNoRevocationRequest), status: http.StatusConflict, code: "no_revocation_request",
		message: "Tidak ada pengajuan pencabutan untuk surat ini (mungkin sudah diputuskan). Muat ulang halaman."},
	{match: is(verify.ErrNotMatchable), status: http.StatusConflict, code: "letter_not_valid",
		message: "Surat ini sudah dicabut atau diganti, jadi tidak berlaku lagi apa pun isi kertasnya. Pencocokan tidak dilakukan."},
	{match: is(verify.ErrMatchUnavailable), status: http.StatusConflict, code: "match_unavailable",
		message: "Surat ini tidak dapat dicocokkan dengan data itu: data pencocokannya tidak tersimpan (misalnya surat ditandatangani sebelum fitur ini ada, atau orang dalam surat tidak memiliki NIK). Periksa berkas PDF surat atau tanyakan ke kantor desa."},
	{match: as[*verify.LimitedError](), status: http.StatusTooManyRequests, code: "rate_limited",
		detail: func(err error, now time.Time, p *problem) {
			secs, mins := waitFor(now.Add(asT[*verify.LimitedError](err).Retry), now)
			p.Message = fmt.Sprintf("Batas percobaan tercapai; batas ini mencegah data ditebak dengan mencoba-coba. Coba lagi dalam %d menit.", mins)
			p.RetryAfter = secs
		}},

	{match: as[*issuance.EnrolLimitError](), status: http.StatusTooManyRequests, code: "rate_limited",
		detail: func(err error, now time.Time, p *problem) {
			secs, _ := waitFor(now.Add(asT[*issuance.EnrolLimitError](err).Retry), now)
			p.Message = fmt.Sprintf("Batas %d permohonan sertifikat per hari untuk akun ini tercapai. Coba lagi dalam %d jam.",
				issuance.MaxEnrolmentsPerDay, (secs+3599)/3600)
			p.RetryAfter = secs
		}},

	// Logins and limits.
	{match: as[*lockedError](), status: http.StatusTooManyRequests, code: "account_locked",
		detail: func(err error, now time.Time, p *problem) {
			secs, mins := waitFor(asT[*lockedError](err).Until, now)
			p.Message = fmt.Sprintf("Akun dikunci sementara karena terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %d menit.", mins)
			p.RetryAfter = secs
		}},
	{match: as[*loginThrottledError](), status: http.StatusTooManyRequests, code: "login_throttled",
		detail: func(err error, now time.Time, p *problem) {
			secs, _ := waitFor(asT[*loginThrottledError](err).Until, now)
			p.Message = fmt.Sprintf("Terlalu banyak percobaan masuk ke akun ini dalam waktu singkat. Coba lagi dalam %d detik.", secs)
			p.RetryAfter = secs
		}},
	{match: is(auth.ErrBusy), status: http.StatusServiceUnavailable, code: "server_busy",
		message: "Server sedang sibuk memeriksa kata sandi dari banyak permintaan. Coba lagi dalam beberapa detik.",
		detail:  func(_ error, _ time.Time, p *problem) { p.RetryAfter = busyRetryAfter }},
	{match: as[*mandiri.LockedError](), status: http.StatusTooManyRequests, code: "account_locked",
		detail: func(err error, now time.Time, p *problem) {
			secs, mins := waitFor(asT[*mandiri.LockedError](err).Until, now)
			p.Message = fmt.Sprintf("Akun dikunci sementara karena terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %d menit.", mins)
			p.RetryAfter = secs
		}},
	{match: as[*mandiri.IPBlockedError](), status: http.StatusTooManyRequests, code: "rate_limited",
		detail: func(err error, now time.Time, p *problem) {
			secs, mins := waitFor(asT[*mandiri.IPBlockedError](err).Until, now)
			p.Message = fmt.Sprintf("Terlalu banyak percobaan masuk yang gagal dari jaringan ini. Coba lagi dalam %d menit.", mins)
			p.RetryAfter = secs
		}},
	{match: is(errImportsBusy), status: http.StatusServiceUnavailable, code: "server_busy",
		message: "Server sedang mengimpor berkas penduduk lain. Coba lagi dalam beberapa detik.",
		detail:  func(_ error, _ time.Time, p *problem) { p.RetryAfter = busyRetryAfter }},
	{match: is(errUploadsBusy), status: http.StatusServiceUnavailable, code: "server_busy",
		message: "Layanan pemeriksaan berkas sedang sibuk. Coba lagi dalam beberapa detik.",
		detail:  func(_ error, _ time.Time, p *problem) { p.RetryAfter = busyRetryAfter }},
	{match: is(errUploadRunning), status: http.StatusTooManyRequests, code: "rate_limited",
		message: "Masih ada pemeriksaan berkas lain dari jaringan Anda. Tunggu sampai selesai, lalu coba lagi.",
		detail:  func(_ error, _ time.Time, p *problem) { p.RetryAfter = busyRetryAfter }},
	{match: as[*rateLimitedError](), status: http.StatusTooManyRequests, code: "rate_limited",
		detail: func(err error, _ time.Time, p *problem) {
			secs := asT[*rateLimitedError](err).retryAfterSeconds()
			p.Message = fmt.Sprintf("Terlalu banyak permintaan dari alamat Anda. Coba lagi dalam %d detik.", secs)
			p.RetryAfter = secs
		}},
	{match: is(errInvalidCredentials), status: http.StatusUnauthorized, code: "invalid_credentials",
		message: "Nama pengguna atau kata sandi salah."},
	{match: is(mandiri.ErrInvalidCredentials), status: http.StatusUnauthorized, code: "invalid_credentials",
		message: "NIK atau PIN salah."},
	{match: is(errCSRF), status: http.StatusForbidden, code: "csrf_failed",
		message: "Formulir ini sudah kedaluwarsa atau tidak berasal dari halaman kami. Muat ulang halaman, lalu kirim lagi."},
	{match: is(errMethodNotAllowed), status: http.StatusMethodNotAllowed, code: "method_not_allowed",
		message: "Metode permintaan ini tidak didukung di alamat ini."},

	// The workflow, then the sentinels every layer wraps.
	{match: as[*surat.TransitionError](), status: http.StatusConflict, code: "invalid_transition",
		detail: func(err error, _ time.Time, p *problem) { p.Message = asT[*surat.TransitionError](err).Message() }},
	{match: as[*surat.RequestStateError](), status: http.StatusConflict, code: "invalid_state",
		detail: func(err error, _ time.Time, p *problem) { p.Message = asT[*surat.RequestStateError](err).Message() }},
	{match: is(surat.ErrVerificationPending), status: http.StatusConflict, code: "verification_pending",
		message: "Surat ini harus diverifikasi sekretaris desa lebih dulu sebelum disetujui."},
	{match: is(surat.ErrNotVerifier), status: http.StatusForbidden, code: "not_verifier",
		message: "Hanya sekretaris desa (pejabat yang menandatangani a.n.) yang memverifikasi surat."},
	{match: is(surat.ErrNoChannel), status: http.StatusConflict, code: "no_channel",
		message: "Belum ada alamat webhook untuk mengirim pemberitahuan."},
	{match: is(surat.ErrNotFound), status: http.StatusNotFound, code: "not_found",
		message: "Data atau halaman tidak ditemukan."},
	{match: is(surat.ErrForbidden), status: http.StatusForbidden, code: "forbidden",
		message: "Anda tidak berwenang melakukan ini."},
	{match: is(surat.ErrUnauthorized), status: http.StatusUnauthorized, code: "unauthorized",
		message: "Silakan masuk terlebih dahulu."},
	{match: is(surat.ErrConflict), status: http.StatusConflict, code: "conflict",
		message: "Data ini telah diubah oleh pengguna lain. Muat ulang data terbaru, lalu ulangi perubahan Anda."},
}

// internalProblem is the answer to an error no row of the table matches.
var internalProblem = problem{Status: http.StatusInternalServerError, Code: "internal_error",
	Message: "Terjadi kesalahan pada server. Silakan coba lagi; bila terus berulang, hubungi admin dengan menyebutkan kode permintaan."}

// classify maps err to what the caller may see, by the first row of
// errorTable that matches it.
func classify(err error, now time.Time) problem {
	for _, r := range errorTable {
		if !r.match(err) {
			continue
		}
		p := problem{Status: r.status, Code: r.code, Message: r.message}
		if r.detail != nil {
			r.detail(err, now, &p)
		}
		return p
	}
	return internalProblem
}

// inlineRefusal reports whether a page shows p beside the form that caused
// it (the letter page, the signing queue) rather than on the error page: a
// refusal the user can act on there — invalid input, a status that does
// not allow the action, a signer who may not sign, a lock.
func inlineRefusal(p problem) bool {
	switch p.Status {
	case http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusTooManyRequests:
		return true
	}
	return false
}

// retryAfter sets the Retry-After header a problem asks for.
func (s *Server) retryAfter(c *gin.Context, p problem) {
	if p.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(p.RetryAfter))
	}
}

// logProblem logs a server-side failure with its cause; client errors are
// left to the access log. The message of err may name ids but never personal
// data: store errors carry ids, not NIKs.
func (s *Server) logProblem(c *gin.Context, p problem, err error) {
	if p.Status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "request failed", "path", c.Request.URL.Path, "err", err)
	}
}

// page adapts a handler of an HTML route: an error becomes the error page.
func (s *Server) page(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.renderError(c, err)
		}
	}
}

// api adapts a handler of a JSON route: an error becomes a JSON error body.
func (s *Server) api(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeJSONError(c, err)
		}
	}
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error   string            `json:"error"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Rows lists the first 1,000 bad rows of a rejected import, RowsTotal
	// how many there are in all.
	Rows      []rowErrorJSON `json:"rows,omitempty"`
	RowsTotal int            `json:"rows_total,omitempty"`
	// RequestID lets a caller quote the failing request to an admin.
	RequestID string `json:"request_id,omitempty"`
}

// writeJSONError writes err as {"error", "message", "fields"} with the
// status classify chose.
func (s *Server) writeJSONError(c *gin.Context, err error) {
	p := classify(err, s.now())
	s.logProblem(c, p, err)
	s.retryAfter(c, p)
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="suratdesa"`)
	}
	body := errorBody{Error: p.Code, Message: p.Message, Fields: p.Fields}
	if len(p.Rows) > 0 {
		body.Rows, body.RowsTotal = rowErrorsOut(p.Rows), p.RowsTotal
	}
	if p.Status >= 500 {
		body.RequestID = requestID(c)
	}
	c.AbortWithStatusJSON(p.Status, body)
}

// renderError writes err as the HTML error page with the status classify
// chose.
func (s *Server) renderError(c *gin.Context, err error) {
	p := classify(err, s.now())
	s.logProblem(c, p, err)
	s.retryAfter(c, p)
	pg := errorPage{basePage: s.base(c, errorTitle(p.Status)), Status: p.Status, Message: p.Message}
	if p.Status >= 500 {
		pg.RequestID = requestID(c)
	}
	for _, msg := range p.Fields {
		pg.Details = append(pg.Details, msg)
	}
	sort.Strings(pg.Details)
	s.render(c, p.Status, "error", pg)
	c.Abort()
}

// errorTitle is the heading of the error page for status.
func errorTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Tidak ditemukan"
	case http.StatusForbidden:
		return "Akses ditolak"
	case http.StatusUnauthorized:
		return "Perlu masuk"
	case http.StatusConflict:
		return "Data berubah"
	case http.StatusRequestEntityTooLarge:
		return "Data terlalu besar"
	case http.StatusTooManyRequests:
		return "Terlalu banyak percobaan"
	case http.StatusUnprocessableEntity:
		return "Data belum benar"
	case http.StatusBadRequest:
		return "Permintaan tidak dapat dibaca"
	}
	return "Terjadi kesalahan"
}

// lockedUntil is a lock-out error of the issuance service.
type lockedUntil interface {
	error
	LockedUntil() time.Time
}

// wrongPassphraseDetail marks field with label and, when the wrong
// passphrase was the last try and set a lock of type L, says that what is
// now locked and for how long.
func wrongPassphraseDetail[L lockedUntil](field, label, what string) func(error, time.Time, *problem) {
	return func(err error, now time.Time, p *problem) {
		p.Fields = map[string]string{field: label}
		var locked L
		if errors.As(err, &locked) {
			secs, mins := waitFor(locked.LockedUntil(), now)
			p.Message += fmt.Sprintf(" Karena frasa sandi salah berulang kali, %s dikunci selama %d menit.", what, mins)
			p.RetryAfter = secs
		}
	}
}

// lockedDetail is the message (format with the minutes left) and the
// Retry-After of a lock of type L.
func lockedDetail[L lockedUntil](format string) func(error, time.Time, *problem) {
	return func(err error, now time.Time, p *problem) {
		secs, mins := waitFor(asT[L](err).LockedUntil(), now)
		p.Message = fmt.Sprintf(format, mins)
		p.RetryAfter = secs
	}
}
