package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// maxBodyBytes caps every request body. The largest legitimate upload is a
// resident spreadsheet; 10 MB holds well over 10,000 rows.
const maxBodyBytes = 10 << 20

type requestIDKey struct{}

const ctxRequestID = "suratdesa.request_id"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID gives every request an id, taken from a sane X-Request-ID header
// (a proxy's) or made up, echoes it in the response and puts it in the
// request context, where the logger picks it up.
func (s *Server) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !requestIDPattern.MatchString(id) {
			b := make([]byte, 8)
			if _, err := rand.Read(b); err != nil {
				id = fmt.Sprintf("t%x", time.Now().UnixNano())
			} else {
				id = hex.EncodeToString(b)
			}
		}
		c.Set(ctxRequestID, id)
		c.Header("X-Request-ID", id)
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, id))
		c.Next()
	}
}

// requestID returns the current request's id.
func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// requestIDHandler adds the request id of the context to every record, so
// handlers log with the plain server logger and still get it.
type requestIDHandler struct{ slog.Handler }

// Handle adds request_id when the context carries one.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// accessLog logs one line per request: method, path without the query
// string (searches carry NIKs and names there), status, size and duration.
// Health checks log at debug level so load-balancer polling stays quiet.
func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case c.Request.URL.Path == "/healthz":
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("client_ip", c.ClientIP()),
		}
		if u := currentUser(c); u != nil {
			attrs = append(attrs, slog.Int64("user_id", u.ID))
		}
		s.log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
	}
}

// recoverPanic turns a panic in a handler into a logged 500 response: the
// error page for HTML routes, a JSON error for the API.
func (s *Server) recoverPanic() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			s.log.ErrorContext(c.Request.Context(), "panic", "path", c.Request.URL.Path,
				"panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			if c.Writer.Written() {
				c.Abort()
				return
			}
			p := classify(fmt.Errorf("panic"), s.now())
			if isAPI(c) {
				c.AbortWithStatusJSON(p.Status, errorBody{Error: p.Code, Message: p.Message, RequestID: requestID(c)})
				return
			}
			s.render(c, p.Status, "error", errorPage{basePage: basePage{Title: errorTitle(p.Status)},
				Status: p.Status, Message: p.Message, RequestID: requestID(c)})
			c.Abort()
		}()
		c.Next()
	}
}

// contentSecurityPolicy allows only our own scripts, styles, images and
// form targets, and no framing.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. Responses are
// not cached by default because pages and API answers hold personal data;
// the static handler overrides that.
func (s *Server) securityHeaders() gin.HandlerFunc {
	set := securityHeaderValues
	if s.cfg.Secure() {
		set = append(slices.Clone(set), headerValue{"Strict-Transport-Security", []string{"max-age=31536000"}})
	}
	return func(c *gin.Context) {
		h := c.Writer.Header()
		for _, v := range set {
			// Every response shares the value slices: Header.Set and
			// Header.Add replace or grow a slice, never write into it.
			h[v.key] = v.values
		}
		c.Next()
	}
}

// headerValue is a canonical header name and its values.
type headerValue struct {
	key    string
	values []string
}

// securityHeaderValues are the headers securityHeaders sets on every
// response, made once instead of a slice per header per request.
var securityHeaderValues = []headerValue{
	{"Content-Security-Policy", []string{contentSecurityPolicy}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"Referrer-Policy", []string{"same-origin"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	{"Cache-Control", []string{"no-store"}},
}

// limitBody refuses a body declared larger than n at once and cuts off one
// that turns out larger while being read; handlers then get an
// *http.MaxBytesError, which the adapters report as 413.
func (s *Server) limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			s.fail(c, &http.MaxBytesError{Limit: n})
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}

// isAPI reports whether the request is for the JSON API.
func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }

// fail writes err with the adapter that fits the route: JSON under /api/,
// the HTML error page elsewhere.
func (s *Server) fail(c *gin.Context, err error) {
	if isAPI(c) {
		s.writeJSONError(c, err)
		return
	}
	s.renderError(c, err)
}

// csrf is the form-protection middleware of every HTML POST route: the
// form's token, then its text (formText).
func (s *Server) csrf(c *gin.Context) error {
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	return formText(c.Request.PostForm)
}

// formText refuses a form with a name or value that is not UTF-8. A
// browser sends the pages' own encoding, UTF-8; other bytes come from a
// client of another kind, and the two engines would part ways on them:
// MySQL refuses to store them (error 1366, a server error for the clerk),
// SQLite stores them as they are.
func formText(form url.Values) error {
	for k, vs := range form {
		ok := utf8.ValidString(k)
		for _, v := range vs {
			ok = ok && utf8.ValidString(v)
		}
		if !ok {
			return &badRequestError{Msg: "Isian formulir memuat karakter yang tidak sah (bukan teks UTF-8)."}
		}
	}
	return nil
}

// requireRole lets only the given roles through; others get ErrForbidden.
func requireRole(roles ...surat.Role) handlerFunc {
	return func(c *gin.Context) error {
		u := currentUser(c)
		if u == nil {
			return surat.ErrUnauthorized
		}
		for _, r := range roles {
			if u.Role == r {
				return nil
			}
		}
		return fmt.Errorf("role %s may not %s %s: %w", u.Role, c.Request.Method, c.FullPath(), surat.ErrForbidden)
	}
}

// requireVillage lets only users who belong to a village through: resident
// data is always read and written in the caller's own village, and the
// kabupaten admin has none.
func requireVillage(c *gin.Context) error {
	u := currentUser(c)
	if u == nil {
		return surat.ErrUnauthorized
	}
	if u.VillageID == nil {
		return fmt.Errorf("user %d has no village: %w", u.ID, surat.ErrForbidden)
	}
	return nil
}
