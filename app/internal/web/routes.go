package web

import (
	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// routes registers every route of the application. It is the one place to
// read to see the whole HTTP surface.
func (s *Server) routes() {
	e := s.engine
	e.Use(s.requestID(), s.accessLog(), s.recoverPanic(), s.securityHeaders(), s.limitBody(maxBodyBytes))
	e.NoRoute(func(c *gin.Context) {
		if !isAPI(c) {
			// Show the 404 page with the user's menu; a broken session
			// just leaves the page anonymous.
			if err := s.loadSession(c); err != nil {
				s.log.WarnContext(c.Request.Context(), "session on 404 page", "err", err)
			}
		}
		s.fail(c, surat.ErrNotFound)
	})
	e.NoMethod(func(c *gin.Context) { s.fail(c, errMethodNotAllowed) })

	// Public pages. Every HTML route knows the browser session, if any;
	// every HTML form is checked for its CSRF token.
	pages := e.Group("/", s.page(s.loadSession))
	pages.GET("/", s.page(s.handleHome))
	pages.GET("/login", s.page(s.handleLoginForm))
	pages.POST("/login", s.page(s.csrf), s.page(s.handleLogin))
	pages.POST("/logout", s.page(s.handleLogout)) // checks CSRF itself, see handleLogout
	pages.GET("/setup", s.page(s.handleSetupForm))
	pages.POST("/setup", s.page(s.csrf), s.page(s.handleSetup))

	// Resident pages (permohonan, Layanan Mandiri) come with their own issue.

	// Clerk pages: staff of every role, signed in.
	clerk := pages.Group("/", s.page(s.requireUser))
	clerk.GET("/dashboard", s.page(s.handleDashboard))

	// JSON API, bearer tokens. Resident data always belongs to the caller's
	// village; the kabupaten admin has none and gets 403. Signers read only.
	api := e.Group("/api/v1")
	api.POST("/auth/token", s.api(s.handleAPITokenCreate))
	authed := api.Group("", s.api(s.requireBearer))
	authed.DELETE("/auth/token", s.api(s.handleAPITokenDelete))
	residents := authed.Group("/residents", s.api(requireVillage))
	residents.GET("", s.api(s.handleAPIResidentList))
	residents.GET("/:id", s.api(s.handleAPIResidentShow))
	clerks := residents.Group("", s.api(requireRole(surat.RoleAdminDesa, surat.RoleOperator)))
	clerks.POST("", s.api(s.handleAPIResidentCreate))
	clerks.PUT("/:id", s.api(s.handleAPIResidentUpdate))
	clerks.POST("/import", s.api(s.handleAPIResidentImport))

	// Static files, under their content hash.
	e.GET("/static/:hash/:name", s.page(s.handleStatic))

	// Health.
	e.GET("/healthz", s.handleHealth)
	e.HEAD("/healthz", s.handleHealth)
}
