package web

import (
	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// routes registers every route of the application. It is the one place to
// read to see the whole HTTP surface.
func (s *Server) routes() {
	e := s.engine
	e.Use(s.requestID(), s.accessLog(), s.countRequests(), s.recoverPanic(), s.securityHeaders(), s.limitBodies())
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

	// Public verification of a letter (QR code), rate-limited per client
	// IP; the PDF check has its own body limit (see limitBodies) and no
	// CSRF token, since it stores nothing (it checks the Origin instead).
	pages.GET("/v/:code", s.rateLimit(s.public.page), s.countLookup("page"), s.page(s.handleVerify))
	pages.POST("/v/:code/periksa", s.rateLimit(s.public.upload), s.page(s.handleVerifyUpload))
	pages.GET("/periksa", s.rateLimit(s.public.page), s.page(s.handleVerifyLookup))
	// The paper match: a NIK or name typed from the paper against the
	// letter's stored keyed hashes, limited per letter and client in the
	// database (verify.MatchPerClient); same-origin like the PDF check.
	pages.POST("/v/:code/cocokkan", s.rateLimit(s.public.page), s.page(s.handleVerifyMatch))
	// The issuing village's logo, for the verification page's header.
	pages.GET("/desa/:kode/logo", s.rateLimit(s.public.page), s.page(s.handleVillageLogo))

	// Resident pages (Layanan Mandiri): their own cookie and session table,
	// never the staff session; every request and letter id is checked
	// against the signed-in resident (another resident's is 404).
	mandiri := e.Group("/mandiri", s.page(s.loadResident))
	mandiri.GET("/masuk", s.page(s.handleMandiriLoginForm))
	mandiri.POST("/masuk", s.page(s.csrf), s.page(s.handleMandiriLogin))
	mandiri.POST("/keluar", s.page(s.handleMandiriLogout)) // checks CSRF itself
	resident := mandiri.Group("", s.page(s.requireResident))
	resident.GET("", s.page(s.handleMandiriHome))
	resident.GET("/pin", s.page(s.handleMandiriPINForm))
	resident.POST("/pin", s.page(s.residentCSRF), s.page(s.handleMandiriPIN))
	resident.GET("/layanan", s.page(s.handleMandiriModules))
	resident.GET("/permohonan/baru", s.page(s.handleMandiriRequestNew))
	resident.POST("/permohonan", s.page(s.residentCSRF), s.page(s.handleMandiriRequestCreate))
	resident.GET("/permohonan/:id", s.page(s.handleMandiriRequestShow))
	resident.GET("/permohonan/:id/ubah", s.page(s.handleMandiriRequestEditForm))
	resident.POST("/permohonan/:id/ubah", s.page(s.residentCSRF), s.page(s.handleMandiriRequestUpdate))
	resident.POST("/permohonan/:id/batal", s.page(s.residentCSRF), s.page(s.handleMandiriRequestCancel))
	resident.POST("/permohonan/:id/lampiran", s.page(s.residentCSRF), s.page(s.handleMandiriAttachmentAdd))
	resident.POST("/permohonan/:id/kirim-ulang", s.page(s.residentCSRF), s.page(s.handleMandiriRequestResubmit))
	resident.GET("/pemberitahuan", s.page(s.handleMandiriContactForm))
	resident.POST("/pemberitahuan", s.page(s.residentCSRF), s.page(s.handleMandiriContact))
	resident.GET("/surat", s.page(s.handleMandiriLetters))
	resident.GET("/surat/:id/pdf", s.page(s.handleMandiriLetterPDF))

	// Clerk pages: staff of every role, signed in.
	clerk := pages.Group("/", s.page(s.requireUser))
	clerk.GET("/dashboard", s.page(s.handleDashboard))

	// Resident register of the caller's village: every village role reads;
	// operator and admin_desa write (penandatangan 403, the kabupaten admin
	// 403 everywhere: no village). A resident, household or import job of
	// another village is 404. The create and edit POSTs sit outside
	// requireUser: with an expired session keepFormWhenSignedOut keeps the
	// input and sends the clerk to log in and back to the form.
	residentReaders := s.page(requireVillage)
	residentWriters := s.page(requireRole(surat.RoleAdminDesa, surat.RoleOperator))
	people := clerk.Group("/penduduk", residentReaders)
	people.GET("", s.page(s.handleResidentList))
	people.POST("", s.page(s.csrf), s.page(s.handleResidentSearch))
	people.GET("/baru", residentWriters, s.page(s.handleResidentNew))
	people.GET("/impor", residentWriters, s.page(s.handleImportForm))
	people.POST("/impor", residentWriters, s.page(s.csrf), s.page(s.handleImportUpload))
	people.GET("/impor/:id", residentWriters, s.page(s.handleImportJob))
	people.GET("/impor/:id/status", residentWriters, s.api(s.handleImportStatus))
	people.POST("/impor/:id/jalankan", residentWriters, s.page(s.csrf), s.page(s.handleImportRun))
	people.GET("/:id", s.page(s.handleResidentShow))
	people.GET("/:id/ubah", residentWriters, s.page(s.handleResidentEdit))
	people.POST("/:id/meninggal", residentWriters, s.page(s.csrf), s.page(s.handleResidentDeath))
	people.POST("/:id/pindah", residentWriters, s.page(s.csrf), s.page(s.handleResidentMoved))
	keep := s.page(s.keepFormWhenSignedOut)
	pages.POST("/penduduk/baru", keep, s.page(s.requireUser), residentReaders, residentWriters, s.page(s.csrf),
		s.page(s.handleResidentCreate))
	pages.POST("/penduduk/:id/ubah", keep, s.page(s.requireUser), residentReaders, residentWriters, s.page(s.csrf),
		s.page(s.handleResidentUpdate))
	households := clerk.Group("/keluarga", residentReaders)
	households.GET("", s.page(s.handleHouseholdList))
	households.POST("", s.page(s.csrf), s.page(s.handleHouseholdSearch))
	households.GET("/:id", s.page(s.handleHouseholdShow))

	// Residents' requests (permohonan) and their PINs: operators and
	// village admins of the request's village act on them; the signer
	// reads them (the request behind a letter to sign, its documents).
	requests := clerk.Group("/permohonan", s.page(requireVillage))
	requestClerks := s.page(requireRole(surat.RoleAdminDesa, surat.RoleOperator))
	requestReaders := s.page(requireRole(surat.RoleAdminDesa, surat.RoleOperator, surat.RoleSigner))
	requests.GET("", requestReaders, s.page(s.handleRequestQueue))
	requests.GET("/akun", requestClerks, s.page(s.handlePINIssueForm))
	requests.POST("/akun", requestClerks, s.page(s.csrf), s.page(s.handlePINIssue))
	requests.GET("/:id", requestReaders, s.page(s.handleClerkRequestShow))
	requests.POST("/:id/proses", requestClerks, s.page(s.csrf), s.page(s.handleClerkRequestOpen))
	requests.POST("/:id/kembalikan", requestClerks, s.page(s.csrf), s.page(s.handleClerkRequestReturn))
	requests.POST("/:id/diambil", requestClerks, s.page(s.csrf), s.page(s.handleClerkRequestCollected))
	requests.GET("/:id/lampiran/:aid", requestReaders, s.page(s.handleClerkAttachment))
	requests.GET("/:id/lampiran/:aid/lihat", requestReaders, s.page(s.handleClerkAttachmentInline))

	// Letter pages of the caller's village: every village role reads the
	// archive and a letter; clerks (operator, admin_desa) draft, edit,
	// submit, revoke and replace; the penandatangan approves, returns and
	// signs. A letter of another village is 404 on every route.
	letterPages := clerk.Group("/surat", s.page(requireVillage))
	draftsman := s.page(requireRole(surat.RoleAdminDesa, surat.RoleOperator))
	signer := s.page(requireRole(surat.RoleSigner))
	letterPages.GET("", s.page(s.handleArchive))
	letterPages.GET("/ekspor.xlsx", s.page(s.handleLetterExport))
	letterPages.GET("/baru", draftsman, s.page(s.handleLetterModules))
	letterPages.GET("/baru/:module", draftsman, s.page(s.handleLetterNew))
	// A POST: the clerk types NIKs and KK numbers into the picker, and a
	// URL's query ends up in browser history and proxy logs.
	letterPages.POST("/cari-penduduk", s.api(requireRole(surat.RoleAdminDesa, surat.RoleOperator)), s.api(s.csrf),
		s.api(s.handleResidentPicker))
	letterPages.GET("/:id", s.page(s.handleLetterShow))
	letterPages.GET("/:id/pratinjau.pdf", s.page(s.handleLetterPreview))
	letterPages.GET("/:id/unduh.pdf", s.page(s.handleLetterDownload))
	letterPages.GET("/:id/ubah", draftsman, s.page(s.handleLetterEditForm))
	letterPages.GET("/:id/tambah-penduduk", draftsman, s.page(s.handleLetterNewResident))
	// The letter form's POSTs keep the input over an expired session (see
	// keepFormWhenSignedOut), like the resident form's.
	keepLetter := s.page(s.keepFormWhenSignedOut)
	pages.POST("/surat/baru/:module", keepLetter, s.page(s.requireUser), s.page(requireVillage), draftsman,
		s.page(s.csrf), s.page(s.handleLetterCreate))
	pages.POST("/surat/:id/ubah", keepLetter, s.page(s.requireUser), s.page(requireVillage), draftsman,
		s.page(s.csrf), s.page(s.handleLetterUpdate))
	letterPages.POST("/:id/ajukan", draftsman, s.page(s.csrf), s.page(s.handleLetterSubmit))
	letterPages.POST("/:id/perbarui-templat", draftsman, s.page(s.csrf), s.page(s.handleLetterRerender))
	// Revoking a signed letter: a clerk asks, a signer revokes at once or
	// confirms or rejects the request (issuance decides).
	letterPages.POST("/:id/cabut", s.page(requireRole(surat.RoleAdminDesa, surat.RoleOperator, surat.RoleSigner)),
		s.page(s.csrf), s.page(s.handleLetterRevoke))
	letterPages.POST("/:id/cabut/setujui", signer, s.page(s.csrf), s.page(s.handleLetterRevokeConfirm))
	letterPages.POST("/:id/cabut/tolak", signer, s.page(s.csrf), s.page(s.handleLetterRevokeReject))
	letterPages.POST("/:id/ganti", draftsman, s.page(s.csrf), s.page(s.handleLetterReplace))
	letterPages.POST("/:id/hapus", draftsman, s.page(s.csrf), s.page(s.handleLetterDelete))
	letterPages.POST("/:id/tarik", draftsman, s.page(s.csrf), s.page(s.handleLetterWithdraw))
	letterPages.POST("/:id/penandatangan", s.page(requireRole(surat.RoleAdminDesa, surat.RoleOperator, surat.RoleSigner)),
		s.page(s.csrf), s.page(s.handleLetterChangeSigner))
	letterPages.POST("/:id/nomor", s.page(requireRole(surat.RoleAdminDesa)), s.page(s.csrf), s.page(s.handleLetterManualNumber))
	letterPages.POST("/:id/verifikasi", signer, s.page(s.csrf), s.page(s.handleLetterVerify))
	letterPages.POST("/:id/setujui-tandatangani", signer, s.page(s.csrf), s.page(s.handleLetterApproveSign))
	letterPages.POST("/:id/setujui", signer, s.page(s.csrf), s.page(s.handleLetterApprove))
	letterPages.POST("/:id/kembalikan", signer, s.page(s.csrf), s.page(s.handleLetterReturn))
	letterPages.POST("/:id/tandatangani", signer, s.page(s.csrf), s.page(s.handleLetterSign))
	// The official's own certificates: a penandatangan enrols a key under
	// a passphrase only they know; the CA holder approves below.
	mine := clerk.Group("/sertifikat-saya", s.page(requireVillage), signer)
	mine.GET("", s.page(s.handleMyCertificates))
	mine.POST("", s.page(s.csrf), s.page(s.handleEnrol))
	queue := clerk.Group("/persetujuan", s.page(requireVillage), signer)
	queue.GET("", s.page(s.handleQueue))
	queue.POST("/tandatangani", s.page(s.csrf), s.page(s.handleBatchSign))

	// Village settings: admin_desa only, always of their own village; an
	// official, user or certificate id of another village is 404.
	settings := clerk.Group("/pengaturan", s.page(requireRole(surat.RoleAdminDesa)))
	settings.GET("", s.page(s.handleSettings))
	settings.POST("", s.page(s.csrf), s.page(s.handleSettingsSave))
	settings.GET("/contoh-nomor", s.page(s.handleNumberExample))
	settings.GET("/logo", s.page(s.handleLogo))
	settings.POST("/logo", s.page(s.csrf), s.page(s.handleLogoUpload))
	settings.POST("/logo/hapus", s.page(s.csrf), s.page(s.handleLogoDelete))
	settings.GET("/surat", s.page(s.handleLetterSettings))
	settings.GET("/surat/:module", s.page(s.handleLetterSettingForm))
	settings.POST("/surat/:module", s.page(s.csrf), s.page(s.handleLetterSettingSave))
	s.templateRoutes(settings.Group("/surat"))
	settings.GET("/pejabat", s.page(s.handleOfficials))
	settings.POST("/pejabat", s.page(s.csrf), s.page(s.handleOfficialCreate))
	settings.GET("/pejabat/:id", s.page(s.handleOfficialForm))
	settings.POST("/pejabat/:id", s.page(s.csrf), s.page(s.handleOfficialUpdate))
	settings.GET("/pengguna", s.page(s.handleUsers))
	settings.POST("/pengguna", s.page(s.csrf), s.page(s.handleUserCreate))
	settings.GET("/pengguna/:id", s.page(s.handleUserForm))
	settings.POST("/pengguna/:id", s.page(s.csrf), s.page(s.handleUserUpdate))
	settings.POST("/pengguna/:id/sandi", s.page(s.csrf), s.page(s.handleUserPassword))
	settings.GET("/alur", s.page(s.handleWorkflowSettings))
	settings.POST("/alur", s.page(s.csrf), s.page(s.handleWorkflowSave))
	settings.POST("/alur/uji", s.page(s.csrf), s.page(s.handleWorkflowTest))
	settings.GET("/pemberitahuan", s.page(s.handleNotifications))
	settings.POST("/pemberitahuan/:id/ulang", s.page(s.csrf), s.page(s.handleNotificationRetry))
	settings.GET("/penomoran", s.page(s.handleNumbering))
	settings.POST("/penomoran", s.page(s.csrf), s.page(s.handleNumberingStart))
	// The village admin sees and revokes certificates, never issues one:
	// issuance is the official's enrolment approved by the CA holder.
	settings.GET("/sertifikat", s.page(s.handleCertificates))
	settings.GET("/sertifikat/:id", s.page(s.handleCertificate))
	settings.POST("/sertifikat/:id/cabut", s.page(s.csrf), s.page(s.handleCertificateRevoke))

	// Kabupaten admin: villages and counts only, never a village's
	// residents or letters.
	kabupaten := clerk.Group("/kabupaten", s.page(requireRole(surat.RoleAdminKabupaten)))
	kabupaten.GET("/desa", s.page(s.handleKabupatenVillages))
	kabupaten.POST("/desa", s.page(s.csrf), s.page(s.handleKabupatenVillageCreate))
	kabupaten.GET("/rekap", s.page(s.handleKabupatenRecap))
	kabupaten.GET("/kunci-api", s.page(s.handleAPIKeys))
	kabupaten.POST("/kunci-api", s.page(s.csrf), s.page(s.handleAPIKeyCreate))
	kabupaten.POST("/kunci-api/:id/cabut", s.page(s.csrf), s.page(s.handleAPIKeyRevoke))
	// The kabupaten admin holds the CA: approves (root passphrase) or
	// rejects the officials' certificate enrolments of every village.
	kabupaten.GET("/sertifikat", s.page(s.handleCAEnrolments))
	kabupaten.POST("/sertifikat/:id/setujui", s.page(s.csrf), s.page(s.handleCAEnrolmentApprove))
	kabupaten.POST("/sertifikat/:id/tolak", s.page(s.csrf), s.page(s.handleCAEnrolmentReject))
	// It also issues the CRL: after a village admin revokes a certificate
	// and before the current CRL runs out.
	kabupaten.POST("/crl", s.page(s.csrf), s.page(s.handleCACRLRenew))
	kabupaten.GET("/surat", s.page(s.handleKabupatenTemplates))
	s.templateRoutes(kabupaten.Group("/surat"))

	// Audit log: a village admin reads their village's, the kabupaten
	// admin every village's.
	clerk.GET("/audit", s.page(requireRole(surat.RoleAdminDesa, surat.RoleAdminKabupaten)), s.page(s.handleAudit))

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

	// Letters of the caller's village: clerks (operator, admin_desa) draft,
	// submit, revoke and replace; the penandatangan approves, returns and
	// signs; every role of the village reads. A letter of another village
	// is 404 on every route.
	authed.GET("/modules", s.api(requireVillage), s.api(s.handleAPIModuleList))
	letterRoutes := authed.Group("/letters", s.api(requireVillage))
	letterClerk := s.api(requireRole(surat.RoleAdminDesa, surat.RoleOperator))
	letterSigner := s.api(requireRole(surat.RoleSigner))
	letterRoutes.GET("", s.api(s.handleAPILetterList))
	letterRoutes.POST("", letterClerk, s.api(s.handleAPILetterCreate))
	letterRoutes.POST("/sign-batch", letterSigner, s.api(s.handleAPILetterSignBatch))
	letterRoutes.POST("/approve-sign", letterSigner, s.api(s.handleAPILetterApproveSignBatch))
	letterRoutes.DELETE("/:id", letterClerk, s.api(s.handleAPILetterDelete))
	letterRoutes.POST("/:id/withdraw", letterClerk, s.api(s.handleAPILetterWithdraw))
	letterRoutes.POST("/:id/verify", letterSigner, s.api(s.handleAPILetterVerify))
	letterRoutes.POST("/:id/approve-sign", letterSigner, s.api(s.handleAPILetterApproveSign))
	letterRoutes.PUT("/:id/signer", s.api(requireRole(surat.RoleAdminDesa, surat.RoleOperator, surat.RoleSigner)),
		s.api(s.handleAPILetterSigner))
	letterRoutes.PUT("/:id/number", s.api(requireRole(surat.RoleAdminDesa)), s.api(s.handleAPILetterNumber))
	authed.GET("/signers", s.api(requireVillage), s.api(s.handleAPISigners))
	letterRoutes.GET("/:id", s.api(s.handleAPILetterShow))
	letterRoutes.PUT("/:id", letterClerk, s.api(s.handleAPILetterUpdate))
	letterRoutes.GET("/:id/pdf", s.api(s.handleAPILetterPDF))
	letterRoutes.POST("/:id/submit", letterClerk, s.api(s.handleAPILetterSubmit))
	letterRoutes.POST("/:id/revoke", s.api(requireRole(surat.RoleAdminDesa, surat.RoleOperator, surat.RoleSigner)),
		s.api(s.handleAPILetterRevoke))
	letterRoutes.POST("/:id/revoke/confirm", letterSigner, s.api(s.handleAPILetterRevokeConfirm))
	letterRoutes.POST("/:id/revoke/reject", letterSigner, s.api(s.handleAPILetterRevokeReject))
	letterRoutes.POST("/:id/replace", letterClerk, s.api(s.handleAPILetterReplace))
	letterRoutes.POST("/:id/return", letterSigner, s.api(s.handleAPILetterReturn))
	letterRoutes.POST("/:id/approve", letterSigner, s.api(s.handleAPILetterApprove))
	letterRoutes.POST("/:id/sign", letterSigner, s.api(s.handleAPILetterSign))

	// Resident API (Layanan Mandiri app): resident tokens only, which open
	// nothing else; staff tokens do not open these routes.
	mandiriAPI := api.Group("/mandiri")
	mandiriAPI.POST("/auth/token", s.api(s.handleAPIMandiriToken))
	residentAPI := mandiriAPI.Group("", s.api(s.requireResidentBearer))
	residentAPI.DELETE("/auth/token", s.api(s.handleAPIMandiriTokenDelete))
	residentAPI.POST("/pin", s.api(s.handleAPIMandiriPIN))
	residentAPI.GET("/me", s.api(s.handleAPIMandiriMe))
	residentAPI.GET("/modules", s.api(s.handleAPIMandiriModules))
	residentAPI.GET("/requests", s.api(s.handleAPIMandiriRequestList))
	residentAPI.POST("/requests", s.api(s.handleAPIMandiriRequestCreate))
	residentAPI.GET("/requests/:id", s.api(s.handleAPIMandiriRequestShow))
	residentAPI.PUT("/requests/:id", s.api(s.handleAPIMandiriRequestUpdate))
	residentAPI.POST("/requests/:id/cancel", s.api(s.handleAPIMandiriRequestCancel))
	residentAPI.POST("/requests/:id/attachments", s.api(s.handleAPIMandiriAttachmentAdd))
	residentAPI.POST("/requests/:id/resubmit", s.api(s.handleAPIMandiriRequestResubmit))
	residentAPI.GET("/notifications", s.api(s.handleAPIMandiriContact))
	residentAPI.PUT("/notifications", s.api(s.handleAPIMandiriContactSave))
	residentAPI.GET("/letters", s.api(s.handleAPIMandiriLetterList))
	residentAPI.GET("/letters/:id/pdf", s.api(s.handleAPIMandiriLetterPDF))

	// The OpenAPI description of /api/v1.
	e.GET("/api/openapi.json", s.handleOpenAPI)

	// Public verification, JSON twin of /v/:code.
	e.GET("/api/v1/verify/:code", s.rateLimit(s.public.page), s.countLookup("api"), s.api(s.handleAPIVerify))
	e.POST("/api/v1/verify/:code/match", s.rateLimit(s.public.page), s.api(s.handleAPIVerifyMatch))
	// Bulk check for institutions, behind a key a kabupaten admin issues
	// (X-Api-Key), limited per key in the database (verify.BatchPerKey).
	e.POST("/api/v1/verify/batch", s.rateLimit(s.public.page), s.api(s.handleAPIVerifyBatch))

	// The deployment's root certificate and CRL (the CRL distribution
	// point of every signer certificate).
	e.GET("/pki/root.crt", s.rateLimit(s.public.page), s.page(s.handleRootCert))
	e.GET("/pki/crl.der", s.rateLimit(s.public.page), s.page(s.handleCRL))

	// Static files, under their content hash.
	e.GET("/static/:hash/:name", s.page(s.handleStatic))

	// Health: /healthz says the process is alive (for restarts), /readyz
	// that it can serve (for the load balancer); /metrics is for
	// Prometheus, from loopback or with APP_METRICS_TOKEN (metrics.go).
	e.GET("/healthz", s.handleHealth)
	e.HEAD("/healthz", s.handleHealth)
	e.GET("/readyz", s.handleReady)
	e.HEAD("/readyz", s.handleReady)
	if s.metrics != nil {
		e.GET("/metrics", s.handleMetrics)
	}
}

// templateRoutes registers the letter template editor under g: the
// village admin's /pengaturan/surat and the kabupaten admin's
// /kabupaten/surat (the group's role check decides who gets in;
// templateScope which layer is edited). "baru" and "templat" are path
// words, so no letter type may be called that.
func (s *Server) templateRoutes(g *gin.RouterGroup) {
	g.GET("/baru", s.page(s.handleTemplateNewForm))
	g.POST("/baru", s.page(s.csrf), s.page(s.handleTemplateNew))
	g.GET("/templat/impor", s.page(s.handleTemplateImportForm))
	g.POST("/templat/impor", s.page(s.csrf), s.page(s.handleTemplateImport))
	g.GET("/templat/unduh.zip", s.page(s.handleTemplateLayerDownload))
	g.GET("/:module/templat", s.page(s.handleTemplateEditor))
	g.POST("/:module/templat", s.page(s.csrf), s.page(s.handleTemplateSave))
	g.POST("/:module/templat/panel", s.page(s.csrf), s.page(s.handleTemplatePanel))
	g.POST("/:module/templat/periksa", s.page(s.csrf), s.page(s.handleTemplateCheck))
	g.POST("/:module/templat/pratinjau", s.page(s.csrf), s.page(s.handleTemplatePreview))
	g.GET("/:module/templat/pratinjau.pdf", s.page(s.handleTemplatePreviewSaved))
	g.GET("/:module/templat/unduh", s.page(s.handleTemplateDownload))
	g.POST("/:module/templat/hapus", s.page(s.csrf), s.page(s.handleTemplateRemove))
	g.GET("/:module/templat/versi", s.page(s.handleTemplateVersions))
	g.GET("/:module/templat/versi/:v", s.page(s.handleTemplateDiff))
	g.POST("/:module/templat/versi/:v/pulihkan", s.page(s.csrf), s.page(s.handleTemplateRestore))
}
