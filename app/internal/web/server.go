// Package web is suratdesa's HTTP layer: the Gin router with every route,
// handlers that return errors to one HTML and one JSON adapter, middleware,
// server-side sessions and the embedded HTML templates and CSS. It calls the
// store with the village of the authenticated user and never passes
// *gin.Context further down. Decisions live in the services below it: the
// public check of a letter (status, masking, upload verdicts) is package
// verify, whose handlers here only parse, call it once and render.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/metrics"
	"github.com/suratdesa/suratdesa/app/internal/notify"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/verify"
)

// Deps is everything the web layer needs, wired by main.
type Deps struct {
	// Log receives the access log and errors; nil discards them.
	Log *slog.Logger
	// Store is the database; required.
	Store *store.Store
	// Config supplies the public URL (Secure cookies and HSTS when it is
	// HTTPS), the trusted proxies and the secret that signs pre-login forms.
	Config config.Config
	// Now is the clock; time.Now in production, a fixed clock in tests.
	Now func() time.Time
	// PasswordParams are the Argon2id costs for new password hashes
	// (auth.DefaultParams in production; tests pass cheap ones).
	PasswordParams auth.Params
	// SetupCode is the one-time code printed by main when the database has
	// no users; first-run setup requires it. Empty disables setup.
	SetupCode string
	// Issuance is the letter lifecycle (draft, submit, approve, return,
	// sign, revoke, replace), the catalogue and the PKI; required.
	Issuance *issuance.Service
	// Verify is the public check of letters (the /v/ pages, their JSON
	// twin and the PKI files); required.
	Verify *verify.Service
	// Mandiri is the residents' self-service (Layanan Mandiri) policy:
	// resident logins, PINs, requests and opening them into drafts;
	// required.
	Mandiri *mandiri.Service
	// RateLimits are the per-IP limits of the public verification routes;
	// nil means DefaultRateLimits.
	RateLimits *RateLimits
	// Notify checks and tests a village's webhook and says whether e-mail
	// is configured; required.
	Notify *notify.Service
	// Metrics counts requests and verification lookups and serves
	// /metrics; nil serves no /metrics and records nothing.
	Metrics *metrics.Metrics
	// Attempts counts login and setup attempts in the database; nil makes
	// one on Store keyed with Config.Secret. Main passes the one the other
	// services share.
	Attempts *attempt.Counter
	// Hashing bounds concurrent Argon2id work; nil sizes slots of its own
	// (auth.SlotsFor). Main passes the one the other services share, so
	// the bound holds for the whole process.
	Hashing *auth.Slots
}

// Server serves suratdesa over HTTP. Build it with New; it is safe for
// concurrent use.
type Server struct {
	log    *slog.Logger
	store  *store.Store
	cfg    config.Config
	now    func() time.Time
	params auth.Params

	// issuance is the letter lifecycle, the catalogue and the PKI.
	issuance *issuance.Service
	// verify is the public check behind verify*.go and pki_public.go.
	verify *verify.Service
	// public holds the rate limits and upload slots of the public
	// verification routes.
	public *publicState
	// importSlots bounds the resident files parsed and imported at once
	// (import_page.go).
	importSlots chan struct{}
	// importSlotWait is importSlotWait (shorter in tests).
	importSlotWait time.Duration
	// background is the context of the work the server starts beyond a
	// request (a confirmed import); Close cancels it and waits for that
	// work in background.
	background     context.Context
	stopBackground context.CancelFunc
	work           sync.WaitGroup
	// mandiri decides everything about residents' self-service.
	mandiri *mandiri.Service
	// notify checks webhooks and sends test messages.
	notify *notify.Service
	// metrics is nil when the server was built without them.
	metrics *metrics.Metrics

	setupCode string
	// setupDone caches that users exist, after which setup never reopens
	// and the user count need not be asked for again.
	setupDone atomic.Bool

	// csrfKey signs the CSRF token of forms shown before login.
	csrfKey []byte
	// dummyHash is verified against when a login names an unknown user, so
	// that such a login costs as long as a wrong password.
	dummyHash string
	// attempts counts login and setup attempts before they are checked.
	attempts *attempt.Counter
	// hashing bounds concurrent password hashing and checking.
	hashing *auth.Slots

	pages map[string]*pageTemplate
	// verifySkeletons serves the verification page without executing its
	// template for every scan (skeleton.go); nil when the page's templates
	// do not allow it.
	verifySkeletons *skeletonSet
	assets          *assetSet
	fallback        []byte // a pre-rendered 500 page for when rendering fails
	engine          *gin.Engine
}

// New checks d, parses every template once and builds the router. It fails
// when a dependency is missing, a template does not parse or a trusted proxy
// is not an IP address or CIDR.
func New(d Deps) (*Server, error) {
	if d.Store == nil || d.Issuance == nil || d.Verify == nil || d.Mandiri == nil || d.Notify == nil {
		return nil, errors.New("web: store, issuance, verify, mandiri and notify are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.PasswordParams == (auth.Params{}) {
		d.PasswordParams = auth.DefaultParams
	}
	s := &Server{
		log:       slog.New(requestIDHandler{d.Log.Handler()}),
		store:     d.Store,
		cfg:       d.Config,
		now:       d.Now,
		params:    d.PasswordParams,
		setupCode: d.SetupCode,
		issuance:  d.Issuance,
		verify:    d.Verify,
		mandiri:   d.Mandiri,
		notify:    d.Notify,
		metrics:   d.Metrics,
		attempts:  d.Attempts,
		hashing:   d.Hashing,
	}
	if s.hashing == nil {
		s.hashing = auth.SlotsFor(s.params)
	}
	if s.attempts == nil {
		a, err := attempt.New(d.Store, d.Config.Secret)
		if err != nil {
			return nil, err
		}
		s.attempts = a
	}
	s.public = newPublicState(d.RateLimits, s.now)
	s.importSlots, s.importSlotWait = make(chan struct{}, maxConcurrentImports), importSlotWait
	s.background, s.stopBackground = context.WithCancel(context.Background())
	var err error
	if s.csrfKey, err = csrfKeyFrom(d.Config.Secret); err != nil {
		return nil, err
	}
	if s.dummyHash, err = auth.DummyHash(s.params); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = s.parsePages(); err != nil {
		return nil, err
	}
	if p, ok := s.pages["verify"]; ok {
		t, err := p.parsed()
		if err != nil {
			return nil, err
		}
		s.verifySkeletons = newSkeletonSet(t, "layout")
	}
	if s.fallback, err = s.renderFallback(); err != nil {
		return nil, err
	}
	// Gin's debug mode prints every route and warnings to stdout at start;
	// routes.go is the route table, and only this package may import Gin,
	// so the mode is set here. Tests set gin.TestMode in TestMain first.
	if gin.Mode() == gin.DebugMode {
		gin.SetMode(gin.ReleaseMode)
	}
	s.engine = gin.New()
	s.engine.MaxMultipartMemory = 8 << 20
	s.engine.HandleMethodNotAllowed = true
	if err := s.engine.SetTrustedProxies(d.Config.TrustedProxies); err != nil {
		return nil, fmt.Errorf("web: trusted proxies: %w", err)
	}
	s.routes()
	return s, nil
}

// Handler returns the router as an http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Close stops the work the server started beyond its requests and waits
// for it: an import still running is rolled back and its job ended as
// stopped, so that a restart leaves no job running and nothing half done.
// Call it after the HTTP server has shut down and before the store closes.
func (s *Server) Close() {
	s.stopBackground()
	s.work.Wait()
}

// setupOpen reports whether first-run setup is available: a setup code was
// given and no user exists yet.
func (s *Server) setupOpen(ctx context.Context) (bool, error) {
	if s.setupCode == "" || s.setupDone.Load() {
		return false, nil
	}
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		s.setupDone.Store(true)
		return false, nil
	}
	return true, nil
}
