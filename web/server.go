// Package web is the HTTP interface: server-rendered pages in Chinese and a
// JSON API under /api/v1, on Echo v4. It is the only package that imports
// Echo; everything it does goes through the engine.
package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/apply"
	"github.com/grassroots/mediation/engine/casefile"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/notify"
	"github.com/grassroots/mediation/engine/partner"
	"github.com/grassroots/mediation/engine/queue"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/engine/subsidy"
	"github.com/grassroots/mediation/templates"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Server serves the web interface and the API.
type Server struct {
	Services

	echo      *echo.Echo
	demo      bool
	secure    bool
	metrics   *Metrics
	users     userCache
	sessions  *scs.SessionManager
	pages     map[view]*template.Template
	failures  failureLog
	readiness readiness
}

// Options are how a deployment serves.
type Options struct {
	// Secure says the pages reach browsers over HTTPS (directly or through
	// a proxy): cookies are Secure and __Host- prefixed, and HSTS is sent.
	Secure bool
	// SessionLifetime ends a session however busy it is (12 hours by
	// default); SessionIdle ends one left unused (2 hours by default).
	SessionLifetime, SessionIdle time.Duration
	// Demo shows the demo's accounts and password on the login page: only
	// a server started with --demo does.
	Demo bool
	// TrustedProxies are the addresses (CIDR ranges) of the proxies whose
	// X-Forwarded-For names the client. Without them the client is the
	// address that connected, whatever the headers say.
	TrustedProxies []*net.IPNet
	// Metrics, when set, records each request (see NewMetrics).
	Metrics *Metrics
}

// Services are the engine's case core and its rooms, which the pages and
// the API serve.
type Services struct {
	Engine   *engine.Engine
	Reports  *report.Service
	Accounts *account.Service
	Notices  *notify.Service
	Files    *casefile.Service
	Partners *partner.Service
	Parties  *apply.Service
	Queues   *queue.Service
	Ledger   *ledger.Service
	Registry *registry.Service
	// Subsidies lists and adjusts 以案定补.
	Subsidies *subsidy.Service
}

// Store is what the rooms keep their data in: the one store that
// implements each room's own interface.
type Store interface {
	report.Store
	account.Store
	notify.Store
	casefile.Store
	partner.Store
	apply.Store
	queue.Store
	ledger.Store
	registry.Store
	subsidy.Store
}

// NewServices builds the rooms on the engine e and the store st.
func NewServices(e *engine.Engine, st Store) Services {
	// The ledger's owners are told of new cases of the persons they answer
	// for.
	led := ledger.New(e, st)
	e.Watchers = led
	return Services{Engine: e, Reports: report.New(e, st), Accounts: account.New(e, st), Notices: notify.New(e, st),
		Files: casefile.New(e, st), Partners: partner.New(e, st),
		Parties: apply.New(e, st), Queues: queue.New(e, st), Ledger: led, Registry: registry.New(e, st), Subsidies: subsidy.New(e, st)}
}

// NewServer builds the server: it parses every template, so a broken
// template fails at start-up, not on a request.
func NewServer(svc Services, opt Options) (*Server, error) {
	if opt.SessionLifetime <= 0 {
		opt.SessionLifetime = 12 * time.Hour
	}
	if opt.SessionIdle <= 0 {
		opt.SessionIdle = 2 * time.Hour
	}
	s := &Server{Services: svc, demo: opt.Demo, secure: opt.Secure, sessions: newSessions(svc.Accounts, opt), metrics: opt.Metrics}
	var err error
	if s.pages, err = parsePages(s.funcs()); err != nil {
		return nil, err
	}
	s.echo = echo.New()
	s.echo.HideBanner, s.echo.HidePort = true, true
	s.echo.HTTPErrorHandler = s.handleError
	s.echo.IPExtractor = echo.ExtractIPDirect()
	if len(opt.TrustedProxies) > 0 {
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range opt.TrustedProxies {
			trust = append(trust, echo.TrustIPRange(n))
		}
		s.echo.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	}
	s.echo.Use(middleware.Recover())
	hsts := 0
	if opt.Secure {
		// Over HTTPS, browsers are told to come back over HTTPS only.
		hsts = 365 * 24 * 3600
	}
	s.echo.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
		HSTSMaxAge:            hsts,
	}))
	s.echo.Use(s.logRequests)
	s.echo.Use(sameOrigin(http.NewCrossOriginProtection()))
	s.routes()
	return s, nil
}

// ServeHTTP makes the server an http.Handler, for tests and for wrapping.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// ListenAndServe serves on addr until ctx ends, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: listen %s: %w", addr, err)
	}
	// A slow client gets 10 seconds for its headers; the whole request and
	// answer have minutes, for photos uploaded and downloaded over a
	// village's mobile network.
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// requestID is the id a request's log line carries and its answer says
// (X-Request-ID): the proxy's, when it sent a plain one, or a new one, so
// that a user's report of a failure finds its line.
func requestID(c echo.Context) string {
	if id := c.Request().Header.Get(echo.HeaderXRequestID); len(id) > 0 && len(id) <= 64 && engine.Printable(id, 64) == id && !strings.ContainsAny(id, " \"") {
		return id
	}
	id, err := randomToken()
	if err != nil {
		return "-"
	}
	return id[:16]
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := requestID(c)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		// The path may carry a case id, never personal data: searches and
		// lookups send theirs in the query or the body.
		var user int64
		if u := currentUser(c); u != nil {
			user = u.ID
		}
		took := time.Since(start)
		slog.Info("request", "id", id, "method", c.Request().Method, "path", c.Request().URL.Path, "route", c.Path(),
			"status", c.Response().Status, "duration_ms", float64(took.Microseconds())/1000, "user", user, "addr", c.RealIP())
		if s.metrics != nil {
			s.metrics.observe(c.Path(), c.Request().Method, c.Response().Status, took)
		}
		return nil
	}
}

// funcs are the helpers every template may use. Times are shown in the
// engine's time zone and counted down from the engine's clock.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"yuan": engine.Yuan,
		// callable tells a phone shown in full, which a tap may call, from
		// a masked one.
		"callable": func(phone string) bool { return phone != "" && !strings.Contains(phone, "*") },
		"when": func(t any) string {
			if v, ok := timeOf(t); ok {
				return v.In(s.Engine.Location).Format("2006-01-02 15:04")
			}
			return ""
		},
		"countdown": func(t any) string {
			if v, ok := timeOf(t); ok {
				return s.countdown(&v)
			}
			return ""
		},
		// late says how late an overdue case is, on the deadline it
		// missed first: the one figure of every list of overdue cases.
		"late": s.late,
		// since says how long ago t was: how long a referral has waited
		// to be signed for.
		"since": func(t any) string {
			if v, ok := timeOf(t); ok {
				return span(s.Engine.Now().Sub(v))
			}
			return ""
		},
		"date": s.date,
		// subsidyGrade names a grade of 以案定补.
		"subsidyGrade": engine.SubsidyGradeLabel,
		"rate":         report.FormatRate,
		"join":         strings.Join,
		// sides are the parties' sides a form offers.
		"sides": func() any { return engine.Sides },
		// satisfactions are the answers on the parties' satisfaction.
		"satisfactions": func() any { return engine.Satisfactions },
		// subjects are what an agreement may settle.
		"subjects": func() any { return engine.AgreementSubjects },
		"inc":      func(i int) int { return i + 1 },
		"add":      func(a, b int) int { return a + b },
		"sub":      func(a, b int) int { return a - b },
		// kb says a file's size in KB, or MB from 1 MB on.
		"kb": func(n int64) string {
			if n >= 1<<20 {
				return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
			}
			return fmt.Sprintf("%d KB", (n+1023)/1024)
		},
		// flagName names a case's flag by its key.
		"flagName": func(key string) string { return s.Engine.CurrentLists().FlagName(key) },
		// registryKey names a mediator of the registry in its forms.
		"registryKey": registryKey,
		// chosen tells a form which of its checkboxes were ticked.
		"chosen": chosen,
		// hasPrefix tells the kinds of documents apart by their keys.
		"hasPrefix": strings.HasPrefix,
		// lines splits a text into its non-empty lines, as numbered terms,
		// each without the number a person typed before it: the list
		// numbers them 一、二、 itself.
		"lines": func(text string) []string {
			var out []string
			for _, l := range strings.Split(text, "\n") {
				if l = strings.TrimSpace(enumerator.ReplaceAllString(l, "$1")); l != "" {
					out = append(out, l)
				}
			}
			return out
		},
		// clause drops the punctuation a person typed at the end of a
		// phrase the document continues: 「银行转账。」 then 「，于…前」.
		"clause": func(s string) string { return strings.TrimRight(strings.TrimSpace(s), "。；，、.;, ") },
		// until says when a period ends: its last day and hour.
		"until": func(t *time.Time) string { return s.Engine.Until(*t) },
		// confirmBy is the last day an agreement prints for applying for
		// its judicial confirmation.
		"confirmBy": s.Engine.ConfirmDeadline,
		// dict passes several values to a shared template.
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

// enumerator matches the number typed before a term: 「一、」「（二）」
// 「3.」「4、」「5）」, not the 「1.5」 of an amount that begins it.
var enumerator = regexp.MustCompile(`^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+(?:[、)）]|[.．]\s*))(\D|$)`)

// timeOf reads a time or a set *time.Time.
func timeOf(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v, true
	case *time.Time:
		if v != nil {
			return *v, true
		}
	}
	return time.Time{}, false
}

// date shows the day of a time, as 2026年10月7日.
func (s *Server) date(t any) string {
	if v, ok := timeOf(t); ok {
		return v.In(s.Engine.Location).Format("2006年1月2日")
	}
	return ""
}

// countdown says how long until t from the engine's clock, or how long since.
func (s *Server) countdown(t *time.Time) string { return countdown(t, s.Engine.Now()) }

// late says how long an overdue case is late and on which deadline:
// 「已超期1天12小时（调解总期限）」; "" for a case not overdue.
func (s *Server) late(k *engine.Case) string {
	now := s.Engine.Now()
	name, at := k.Missed(now)
	if at == nil {
		return ""
	}
	return countdown(at, now) + "（" + name + "）"
}

// countdown says how long until t, or how long since, in days and hours.
func countdown(t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	d := t.Sub(now)
	if d < 0 {
		return "已超期" + span(-d)
	}
	return "剩余" + span(d)
}

// span says a duration in days and hours, or hours, or minutes.
func span(d time.Duration) string {
	days, hours := int(d.Hours())/24, int(d.Hours())%24
	switch {
	case days > 0:
		return fmt.Sprintf("%d天%d小时", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d小时", hours)
	}
	return fmt.Sprintf("%d分钟", int(d.Minutes()))
}

// view names a page's template: templates/<view>.html, parsed with the
// layout and the partials.
type view string

// The views, one per template file.
const (
	viewAction        view = "action"
	viewAdmin         view = "admin"
	viewAssess        view = "assess"
	viewAudit         view = "audit"
	viewCase          view = "case"
	viewCases         view = "cases"
	viewDocument      view = "document"
	viewDoorstep      view = "doorstep"
	viewError         view = "error"
	viewFigure        view = "figure"
	viewLedger        view = "ledger"
	viewLedgerEntry   view = "ledger_entry"
	viewLedgerNew     view = "ledger_new"
	viewLogin         view = "login"
	viewLookup        view = "lookup"
	viewNew           view = "new"
	viewNotifications view = "notifications"
	viewOverdue       view = "overdue"
	viewPassword      view = "password"
	viewReceipt       view = "receipt"
	viewRegistry      view = "registry"
	viewCommittees    view = "committees"
	viewApply         view = "apply"
	viewApplied       view = "applied"
	viewPoster        view = "poster"
	viewSubsidies     view = "subsidies"
	viewReport        view = "report"
	viewSessions      view = "sessions"
	viewSetup         view = "setup"
	viewSweep         view = "sweep"
)

// views lists every view: the server does not start without the file of
// each, nor with a page's file that no view names.
var views = []view{viewApply, viewApplied, viewPoster, viewAction, viewAdmin, viewAssess, viewAudit, viewCase, viewCases, viewCommittees, viewDocument, viewDoorstep, viewError, viewFigure, viewLedger, viewLedgerEntry, viewLedgerNew, viewLogin, viewLookup, viewNew, viewNotifications, viewOverdue, viewPassword, viewReceipt, viewRegistry, viewReport, viewSessions, viewSetup, viewSubsidies, viewSweep}

// parsePages parses every view's template once, at start-up. A template
// that reads a key its data lacks fails the page instead of printing
// "<no value>".
func parsePages(funcs template.FuncMap) (map[view]*template.Template, error) {
	base, err := template.New("").Option("missingkey=error").Funcs(funcs).ParseFS(templates.FS, "layout.html", "partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	files, err := fs.Glob(templates.FS, "*.html")
	if err != nil {
		return nil, err
	}
	pages := map[view]*template.Template{}
	for _, v := range views {
		t, err := template.Must(base.Clone()).ParseFS(templates.FS, string(v)+".html")
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		pages[v] = t
	}
	for _, f := range files {
		if v := view(strings.TrimSuffix(f, ".html")); pages[v] == nil && f != "layout.html" && f != "partials.html" {
			return nil, fmt.Errorf("web: templates/%s belongs to no view", f)
		}
	}
	return pages, nil
}

// sameOrigin refuses a POST that a browser says came from another site
// (Sec-Fetch-Site, or an Origin unlike the Host), before the CSRF token is
// even looked at.
func sameOrigin(cop *http.CrossOriginProtection) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cop.Check(c.Request()) != nil {
				return engine.Errorf(engine.EFORBIDDEN, "这次提交没有被接受：浏览器说它不是从本系统的页面发出的（重新提交了历史中的旧页面，或来自其他网站）。请打开案件页面，刷新后重新操作；已保存的内容不会丢失。")
			}
			return next(c)
		}
	}
}
