package web

import (
	"io/fs"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/grassroots/mediation/templates"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes lists every route, one a line, by who may use it.
func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.handleHealth)
	e.GET("/readyz", s.handleReady)
	static, _ := fs.Sub(templates.FS, "static")
	e.GET("/static/*", handleStatic(static))

	// Bodies are bounded: a form never needs more than 2 MiB, an API call
	// 1 MiB; a larger one gets 413 before anything reads it.
	forms, calls := middleware.BodyLimit("2M"), middleware.BodyLimit("1M")

	// Every page and call but the static files has a session. The
	// session is checked before anything reads a body.
	session := s.session()

	// Public pages, whose forms are small. POSTs carry a CSRF token.
	public := e.Group("", middleware.BodyLimit("64K"), session, s.csrf)
	public.GET("/login", s.handleLoginForm)
	public.POST("/login", s.handleLogin)
	public.GET("/lookup", s.handleLookupForm)
	public.POST("/lookup", s.handleLookup)
	public.GET("/apply", s.handleApplyForm)
	public.GET("/apply/done", s.handleApplyDone)
	public.GET("/apply/poster", s.handleApplyPoster)
	public.GET("/apply/qr.png", s.handleApplyQR)
	public.GET("/setup", s.handleSetupForm)
	public.POST("/setup", s.handleSetup)

	// A party's application and steps carry their photos: bounded by what
	// a party may send at once, spooled, their CSRF token read from the
	// parsed form.
	party := e.Group("", middleware.BodyLimit(applyBodyLimit()), session, spool, s.csrf)
	party.POST("/apply", s.handleApply)
	party.POST("/lookup/:act", s.handlePartyAct)
	// The same application as JSON, for a township's app or 解纠纷码
	// system: no session, the same checks and limits.
	e.POST("/api/v1/applications", s.handleAPIApplication, calls)

	// Pages for logged-in users.
	pages := e.Group("", forms, session, s.requireUser, s.csrf)
	pages.POST("/logout", s.handleLogout)
	pages.GET("/admin", s.handleAdmin)
	pages.POST("/admin/units", s.handleAdminUnit)
	pages.POST("/admin/settings", s.handleAdminSettings)
	pages.POST("/admin/units/:code/:action", s.handleAdminCloseUnit)
	pages.POST("/admin/accounts", s.handleAdminAccount)
	pages.POST("/admin/tokens", s.handleAdminToken)
	pages.POST("/admin/tokens/:id/revoke", s.handleAdminToken)
	pages.POST("/admin/accounts/:name/:action", s.handleAdminAccountAction)
	pages.GET("/password", s.handlePasswordForm)
	pages.POST("/password", s.handlePassword)
	pages.GET("/sessions", s.handleSessions)
	pages.GET("/notifications", s.handleNotifications)
	pages.POST("/notifications/:id/read", s.handleReadNotification)
	pages.POST("/sessions/end", s.handleEndSession)
	pages.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/cases") })
	pages.GET("/cases", s.handleCaseList)
	pages.GET("/cases/new", s.handleNewCaseForm)
	pages.POST("/cases", s.handleCreateCase)
	pages.GET("/doorstep", s.handleDoorstepForm)
	pages.POST("/doorstep", s.handleDoorstep)
	pages.GET("/overdue", s.handleOverdue)
	pages.GET("/reports", s.handleReport)
	pages.GET("/reports/cases", s.handleFigureCases)
	pages.GET("/reports/export.csv", s.handleReportExport)
	pages.GET("/reports/export.xlsx", s.handleReportExport)
	pages.GET("/reports/export.moj.csv", s.handleReportExport)
	pages.GET("/sweeps", s.handleSweepForm)
	pages.POST("/sweeps", s.handleSweep)
	pages.GET("/assess", s.handleAssess)
	pages.GET("/registry", s.handleRegistry)
	pages.POST("/registry", s.handleRegistrySave)
	pages.POST("/registry/trainings", s.handleTraining)
	pages.GET("/subsidies", s.handleSubsidies)
	pages.GET("/subsidies/export.csv", s.handleSubsidyExport)
	pages.GET("/subsidies/export.xlsx", s.handleSubsidyExport)
	pages.POST("/subsidies/:id", s.handleSubsidyAdjust)
	pages.GET("/committees", s.handleCommittees)
	pages.POST("/committees", s.handleCommitteeSave)
	pages.POST("/committees/:id/members", s.handleCommitteeMembers)
	pages.GET("/ledger", s.handleLedger)
	pages.GET("/ledger/new", s.handleLedgerForm)
	pages.POST("/ledger", s.handleLedgerAdd)
	pages.GET("/ledger/:id", s.handleLedgerEntry)
	pages.POST("/ledger/:id/:step", s.handleLedgerStep)
	pages.GET("/audit", s.handleAudit)
	pages.GET("/audit.csv", s.handleAudit)
	pages.GET("/cases/:id", s.handleCaseView)
	pages.GET("/cases/:id/receipt", s.handleReceipt)
	pages.GET("/cases/:id/agreements/:aid", s.handleAgreement)
	pages.GET("/cases/:id/documents", s.handleFile)
	pages.GET("/cases/:id/documents/:doc", s.handleDocument)
	pages.GET("/cases/:id/do/:action", s.handleActionForm)
	pages.POST("/cases/:id/do/:action", s.handleAction)

	// Uploads carry files up to a case's limit, spooled to temporary
	// files once the session is known to be a user's; their CSRF token is
	// read from the parsed form.
	files := e.Group("", s.uploadLimit(), session, s.requireUser, spool, s.csrf)
	files.POST("/cases/:id/do/attach", s.handleAction)
	files.POST("/api/v1/cases/:id/attachments", s.handleAPIAttach)
	pages.GET("/attachments/:id", s.handleAttachment)

	// JSON API for logged-in users, whose POSTs carry the CSRF token in
	// the X-CSRF-Token header, and for partner systems with a token.
	e.GET("/api/v1/openapi.json", s.handleOpenAPI)
	api := e.Group("/api/v1", calls, s.apiAuth(session))
	api.POST("/referrals", s.handleAPIReferral)
	api.GET("/workflow", s.handleAPIWorkflow)
	api.GET("/route", s.handleRoute)
	api.GET("/reports", s.handleAPIReport)
	api.GET("/queue", s.handleAPIQueue)
	api.GET("/notifications", s.handleAPINotifications)
	api.POST("/notifications/:id/read", s.handleAPIReadNotification)
	api.GET("/mediators", s.handleAPIMediators)
	api.GET("/committees", s.handleAPICommittees)
	api.GET("/subsidies", s.handleAPISubsidies)
	api.GET("/key-persons", s.handleAPILedger)
	api.POST("/key-persons", s.handleAPILedgerAdd)
	api.GET("/key-persons/:id", s.handleAPILedgerEntry)
	api.POST("/key-persons/:id/contacts", s.handleAPILedgerContact)
	api.GET("/cases", s.handleAPICaseList)
	api.GET("/cases/:id", s.handleAPICase)
	api.GET("/cases/:id/events", s.handleAPIEvents)
	api.GET("/cases/:id/file", s.handleAPIFile)
	api.GET("/cases/:id/attachments", s.handleAPIAttachments)
	api.GET("/attachments/:id", s.handleAttachment)
	api.POST("/cases/:id/:kind/:name", s.handleAPIAction)
}

// handleStatic serves the style sheet, scripts and images. A path that
// names no file, however it is spelled (%ff, ../), is 404.
func handleStatic(files fs.FS) echo.HandlerFunc {
	server := http.FileServer(http.FS(files))
	return func(c echo.Context) error {
		name, err := url.PathUnescape(c.Param("*"))
		if err != nil || !utf8.ValidString(name) || !fs.ValidPath(name) {
			return echo.ErrNotFound
		}
		if f, err := fs.Stat(files, name); err != nil || f.IsDir() {
			return echo.ErrNotFound
		}
		r := c.Request().Clone(c.Request().Context())
		r.URL.Path = "/" + name
		server.ServeHTTP(c.Response(), r)
		return nil
	}
}
