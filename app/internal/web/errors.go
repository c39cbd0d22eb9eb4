package web

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/surat"
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

// problem is an error classified for the caller: an HTTP status, an English
// machine code and an Indonesian message that is safe to show.
type problem struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
	// Rows are the bad rows of a rejected import.
	Rows []surat.RowError
	// RetryAfter, when positive, is sent as a Retry-After header (seconds).
	RetryAfter int
}

// classify maps err to what the caller may see. It is the only place where
// errors become statuses. Anything it does not recognise is a 500 whose
// message reveals nothing about the cause.
func classify(err error, now time.Time) problem {
	if p, ok := classifyMandiri(err, now); ok {
		return p
	}
	var (
		ve     *surat.ValidationError
		locked *lockedError
		tooBig *http.MaxBytesError
		bad    *badRequestError
		media  *unsupportedMediaError
		rows   *surat.ImportError
	)
	switch {
	case errors.As(err, &ve):
		return problem{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
			Message: "Data belum benar. Periksa isian yang ditandai.", Fields: ve.Fields}
	case errors.As(err, &rows):
		return problem{Status: http.StatusUnprocessableEntity, Code: "import_rejected",
			Message: fmt.Sprintf("Berkas ditolak: %d masalah pada baris data. Tidak ada data yang diubah; perbaiki baris yang disebut lalu unggah lagi.", len(rows.Rows)),
			Rows:    rows.Rows}
	case errors.As(err, &media):
		return problem{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: media.Msg}
	case errors.As(err, &tooBig):
		return problem{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large",
			Message: fmt.Sprintf("Data yang dikirim terlalu besar (paling besar %d MB).", tooBig.Limit>>20)}
	case errors.As(err, &bad):
		return problem{Status: http.StatusBadRequest, Code: "bad_request", Message: bad.Msg}
	case errors.As(err, &locked):
		mins := int(locked.Until.Sub(now).Minutes()) + 1
		return problem{Status: http.StatusTooManyRequests, Code: "account_locked",
			Message:    fmt.Sprintf("Akun dikunci sementara karena terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %d menit.", mins),
			RetryAfter: max(1, int(locked.Until.Sub(now).Seconds())+1)}
	case errors.Is(err, errInvalidCredentials):
		return problem{Status: http.StatusUnauthorized, Code: "invalid_credentials",
			Message: "Nama pengguna atau kata sandi salah."}
	case errors.Is(err, errCSRF):
		return problem{Status: http.StatusForbidden, Code: "csrf_failed",
			Message: "Formulir ini sudah kedaluwarsa atau tidak berasal dari halaman kami. Muat ulang halaman, lalu kirim lagi."}
	case errors.Is(err, errMethodNotAllowed):
		return problem{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Message: "Metode permintaan ini tidak didukung di alamat ini."}
	case errors.Is(err, surat.ErrNotFound):
		return problem{Status: http.StatusNotFound, Code: "not_found", Message: "Data atau halaman tidak ditemukan."}
	case errors.Is(err, surat.ErrForbidden):
		return problem{Status: http.StatusForbidden, Code: "forbidden", Message: "Anda tidak berwenang melakukan ini."}
	case errors.Is(err, surat.ErrUnauthorized):
		return problem{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "Silakan masuk terlebih dahulu."}
	case errors.Is(err, surat.ErrConflict):
		return problem{Status: http.StatusConflict, Code: "conflict",
			Message: "Data ini telah diubah oleh pengguna lain. Muat ulang data terbaru, lalu ulangi perubahan Anda."}
	}
	return problem{Status: http.StatusInternalServerError, Code: "internal_error",
		Message: "Terjadi kesalahan pada server. Silakan coba lagi; bila terus berulang, hubungi admin dengan menyebutkan kode permintaan."}
}

// classifyMandiri maps the errors of package mandiri and the request
// states (Layanan Mandiri) for classify.
func classifyMandiri(err error, now time.Time) (problem, bool) {
	var (
		locked  *mandiri.LockedError
		blocked *mandiri.IPBlockedError
		attach  *mandiri.AttachmentError
		state   *surat.RequestStateError
	)
	switch {
	case errors.Is(err, mandiri.ErrInvalidCredentials):
		return problem{Status: http.StatusUnauthorized, Code: "invalid_credentials", Message: "NIK atau PIN salah."}, true
	case errors.As(err, &locked):
		return classify(&lockedError{Until: locked.Until}, now), true
	case errors.As(err, &blocked):
		secs := max(1, int(blocked.Until.Sub(now).Seconds())+1)
		return problem{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: fmt.Sprintf(
			"Terlalu banyak percobaan masuk yang gagal dari jaringan ini. Coba lagi dalam %d menit.", secs/60+1),
			RetryAfter: secs}, true
	case errors.As(err, &attach) && attach.TooLarge:
		return problem{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large", Message: fmt.Sprintf(
			"Lampiran terlalu besar: paling besar %d MB per berkas.", mandiri.MaxAttachmentBytes>>20)}, true
	case errors.As(err, &attach):
		return problem{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "Lampiran harus berupa foto JPEG/PNG atau berkas PDF. Berkas lain (juga yang hanya diganti namanya) tidak diterima."}, true
	case errors.As(err, &state):
		return problem{Status: http.StatusConflict, Code: "invalid_state", Message: state.Message()}, true
	}
	return problem{}, false
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
	// Rows lists every bad row of a rejected import.
	Rows []rowErrorJSON `json:"rows,omitempty"`
	// RequestID lets a caller quote the failing request to an admin.
	RequestID string `json:"request_id,omitempty"`
}

// writeJSONError writes err as {"error", "message", "fields"} with the
// status classify chose.
func (s *Server) writeJSONError(c *gin.Context, err error) {
	p := classify(err, s.now())
	s.logProblem(c, p, err)
	if p.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="suratdesa"`)
	}
	body := errorBody{Error: p.Code, Message: p.Message, Fields: p.Fields}
	if len(p.Rows) > 0 {
		body.Rows = rowErrorsOut(p.Rows)
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
	if p.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(p.RetryAfter))
	}
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
