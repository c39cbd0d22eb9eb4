package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// The PDF check of the verification page: POST /v/<code>/periksa takes a PDF
// (multipart field "berkas") and shows verify.Service.CheckPDF's verdict
// under the letter's facts. This file reads the upload within its limits;
// the comparison and the signature check are package verify's. Nothing of
// the upload is stored or logged.

// uploadSlack is room for the multipart headers around the file.
const uploadSlack = 64 << 10

// uploadField is the form field of the PDF.
const uploadField = "berkas"

// maxConcurrentUploads bounds the memory held by uploads being checked: each
// holds its PDF in memory while it is hashed and verified.
const maxConcurrentUploads = 4

// uploadSlotWait is how long an upload waits for a free slot before it is
// turned away as busy (503 with Retry-After), rather than waiting as long as
// the client does.
const uploadSlotWait = 5 * time.Second

// uploadReadTimeout is how long an upload holding a slot may take to arrive:
// a letter of ours is some 20 KB, a 5 MB scan takes 25 s at 1.6 Mbit/s.
// Without it four bodies that never finish held every slot for the
// server's two-minute ReadTimeout, and their sender simply reconnected.
const uploadReadTimeout = 30 * time.Second

// errUploadsBusy refuses an upload that found no free slot in time.
var errUploadsBusy = errors.New("every upload slot is busy")

// errUploadRunning refuses an upload from a client address that already
// has one waiting or being checked: one address cannot hold every slot.
var errUploadRunning = errors.New("an upload from this address is running")

// publicState is the HTTP state of the public verification routes: their
// rate limits and the upload slots.
type publicState struct {
	page, upload *limiter // nil when disabled
	uploadSlots  chan struct{}
	// uploading holds the client addresses with an upload waiting for or
	// holding a slot; at most one each.
	mu        sync.Mutex
	uploading map[string]bool
	// slotWait and readTimeout are uploadSlotWait and uploadReadTimeout
	// (shorter in tests).
	slotWait, readTimeout time.Duration
}

// takeUploadSlot reserves the address's one upload and then a slot, within
// uploadSlotWait; release gives both back.
func (p *publicState) takeUploadSlot(ctx context.Context, addr string) (release func(), err error) {
	p.mu.Lock()
	if p.uploading[addr] {
		p.mu.Unlock()
		return nil, errUploadRunning
	}
	p.uploading[addr] = true
	p.mu.Unlock()
	forget := func() {
		p.mu.Lock()
		delete(p.uploading, addr)
		p.mu.Unlock()
	}
	free, err := takeSlot(ctx, p.uploadSlots, p.slotWait, errUploadsBusy)
	if err != nil {
		forget()
		return nil, err
	}
	return func() { free(); forget() }, nil
}

func newPublicState(rl *RateLimits, now func() time.Time) *publicState {
	if rl == nil {
		d := DefaultRateLimits()
		rl = &d
	}
	p := &publicState{uploadSlots: make(chan struct{}, maxConcurrentUploads), uploading: map[string]bool{},
		slotWait: uploadSlotWait, readTimeout: uploadReadTimeout}
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

// verdictStatus is the HTTP status of the page showing a verdict: the
// check itself succeeded whatever it found, unless there was nothing to
// check.
func verdictStatus(k verify.VerdictKind) int {
	switch k {
	case verify.TooBig:
		return http.StatusRequestEntityTooLarge
	case verify.NoFile:
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// handleVerifyUpload checks an uploaded PDF against the letter of the code.
func (s *Server) handleVerifyUpload(c *gin.Context) error {
	code, ok := verify.NormalizeCode(c.Param("code"))
	if !ok || code != c.Param("code") {
		return s.verifyNotFound(c)
	}
	if err := checkSameOrigin(c, s.cfg.BaseURL); err != nil {
		return err
	}
	ctx := c.Request.Context()
	r, err := s.verify.Lookup(ctx, code)
	if errors.Is(err, surat.ErrNotFound) {
		return s.verifyNotFound(c)
	}
	if err != nil {
		return err
	}
	release, err := s.public.takeUploadSlot(ctx, clientAddress(c))
	if err != nil {
		return err
	}
	defer release()
	// Not supported only where there is no connection (tests' recorders).
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(s.public.readTimeout))
	data, verdict := readUpload(c)
	if verdict == nil {
		if verdict, err = s.verify.CheckPDF(ctx, r, data); err != nil {
			return err
		}
	}
	s.log.InfoContext(ctx, "pdf checked", "verdict", verdict.Kind)
	s.renderVerify(c, verdictStatus(verdict.Kind), r, verdict)
	return nil
}

// readUpload reads the PDF of the form without ever holding more than
// verify.MaxUpload bytes of it: a body declared larger is refused before a
// byte is read, one that turns out larger is cut off.
func readUpload(c *gin.Context) ([]byte, *verify.Verdict) {
	if c.Request.ContentLength > verify.MaxUpload+uploadSlack {
		return nil, verify.VerdictTooBig()
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, verify.MaxUpload+uploadSlack)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, verify.VerdictNoFile()
	}
	var tooBig *http.MaxBytesError
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, verify.VerdictNoFile()
		}
		if errors.As(err, &tooBig) {
			return nil, verify.VerdictTooBig()
		}
		if err != nil {
			return nil, verify.VerdictNoFile()
		}
		if part.FormName() != uploadField {
			// Other fields are ignored; the body limit bounds them.
			if _, err := io.Copy(io.Discard, part); errors.As(err, &tooBig) {
				return nil, verify.VerdictTooBig()
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, verify.MaxUpload+1))
		switch {
		case errors.As(err, &tooBig), len(data) > verify.MaxUpload:
			return nil, verify.VerdictTooBig()
		case err != nil:
			return nil, verify.VerdictNoFile()
		case len(data) == 0:
			return nil, verify.VerdictNoFile()
		}
		return data, nil
	}
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
