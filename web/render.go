package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/notify"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// page wraps every page's data with what the layout needs.
type page struct {
	Title    string
	User     *engine.User
	UnitName string
	Can      engine.Abilities
	CSRF     string
	Flash    string
	// Queue is the number the navigation bar shows beside the case list,
	// and QueueLabel says what it counts (see Engine.QueueCount).
	Queue      int
	QueueLabel string
	// Unread counts the user's unread notifications, as the navigation bar
	// shows them: "99+" past notify.UnreadCap.
	Unread string
	Data   any
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(c echo.Context, status int, name view, title string, data any) error {
	t := s.pages[name]
	p := page{Title: title, User: currentUser(c), Data: data}
	p.CSRF, _ = c.Get("csrf").(string)
	// A message the last action left for the page after it, where the
	// request has a session (the CSRF middleware ran).
	if p.CSRF != "" {
		p.Flash = s.sessions.PopString(c.Request().Context(), sessionFlash)
	}
	if once, ok := c.Get(onceKey).(string); ok {
		p.Flash = once
	}
	if p.User != nil {
		if tree, err := s.Engine.Tree(c.Request().Context()); err == nil && tree.Unit(p.User.UnitID) != nil {
			p.UnitName = tree.Unit(p.User.UnitID).Name
		}
		if p.User.DisplayName == "" {
			p.User.DisplayName = p.User.Name
		}
		p.Can = s.Engine.Abilities(c.Request().Context(), p.User.Actor())
		n, err := s.Queues.QueueCount(c.Request().Context(), p.User.Actor())
		if err != nil {
			return err
		}
		p.Queue, p.QueueLabel = n, queueLabels[p.User.Role]
		unread, err := s.Notices.Unread(c.Request().Context(), p.User.Actor())
		if err != nil {
			return err
		}
		p.Unread = unreadLabel(unread)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// queueLabels say what the navigation bar's count counts, by role.
var queueLabels = map[workflow.Role]string{workflow.RoleIntake: "待受理", workflow.RoleMediator: "本单位在办",
	workflow.RoleSupervisor: "超期", workflow.RolePartner: "待办理的移交"}

// statusOf maps the engine's error codes to HTTP statuses: the one place
// that does.
var statusOf = map[string]int{
	engine.EINVALID:      http.StatusUnprocessableEntity,
	engine.EMALFORMED:    http.StatusBadRequest,
	engine.ENOTFOUND:     http.StatusNotFound,
	engine.ECONFLICT:     http.StatusConflict,
	engine.EFORBIDDEN:    http.StatusForbidden,
	engine.EUNAUTHORIZED: http.StatusUnauthorized,
	engine.EINTERNAL:     http.StatusInternalServerError,
	engine.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	engine.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	engine.ETOOMANY:      http.StatusTooManyRequests,
}

var titleOf = map[int]string{
	http.StatusBadRequest:            "请求有误",
	http.StatusRequestEntityTooLarge: "提交的内容过大",
	http.StatusUnprocessableEntity:   "填写有误",
	http.StatusNotFound:              "找不到页面",
	http.StatusConflict:              "操作冲突",
	http.StatusForbidden:             "无权操作",
	http.StatusUnauthorized:          "请先登录",
	http.StatusMethodNotAllowed:      "不支持的请求",
	http.StatusUnsupportedMediaType:  "不支持的文件类型",
	http.StatusInternalServerError:   "系统错误",
}

// messageOf explains the statuses that Echo and its middleware answer
// themselves, where the title alone would not say what to do.
var messageOf = map[int]string{
	http.StatusRequestEntityTooLarge: "提交的内容超过上限（表单 2 MB，接口 1 MB），请删减后重新提交。",
}

// handleError is Echo's error handler: it turns any error into a page or a
// JSON body with a Chinese message, and logs only internal errors.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg, code := http.StatusInternalServerError, engine.ErrorMessage(err), engine.ErrorCode(err)
	if he, ok := err.(*echo.HTTPError); ok {
		status, code = he.Code, engine.EMALFORMED
		for c, st := range statusOf {
			if st == status {
				code = c
			}
		}
		msg = messageOf[status]
		if msg == "" {
			msg = titleOf[status]
		}
		if msg == "" {
			msg = http.StatusText(status)
		}
	} else {
		status = statusOf[engine.ErrorCode(err)]
	}
	if status >= 500 {
		s.failures.log(time.Now(), c.Request().Method, c.Request().URL.Path, err)
	}
	// A logged-in user refused something, or asking for what is not there
	// or not theirs to see (a probe of other units' case numbers), is a
	// line of the audit trail.
	if u := currentUser(c); u != nil && (status == http.StatusForbidden || status == http.StatusNotFound) {
		detail := engine.Printable(c.Request().Method+" "+c.Request().URL.Path+" "+msg, 200)
		if aerr := s.Engine.Audited(c.Request().Context(), u.Actor(), engine.AuditRefused, 0, detail); aerr != nil {
			slog.Error("audit", "err", aerr)
		}
	}
	api := len(c.Path()) >= 4 && c.Path()[:4] == "/api" || len(c.Request().URL.Path) >= 5 && c.Request().URL.Path[:5] == "/api/"
	var rerr error
	switch {
	case api:
		rerr = c.JSON(status, map[string]any{"error": map[string]any{"code": code, "message": msg,
			"field": engine.ErrorField(err), "fields": engine.ErrorFields(err)}})
	case status == http.StatusUnauthorized:
		rerr = c.Redirect(http.StatusSeeOther, "/login")
	default:
		rerr = s.render(c, status, viewError, titleOf[status], map[string]string{"Title": titleOf[status], "Message": msg})
	}
	if rerr != nil {
		slog.Error("error page failed", "err", rerr)
	}
}

// unreadLabel is the navigation bar's count of n unread notifications:
// nothing for none, and "99+" once the count reaches notify.UnreadCap.
func unreadLabel(n int) string {
	switch {
	case n <= 0:
		return ""
	case n >= notify.UnreadCap:
		return strconv.Itoa(notify.UnreadCap-1) + "+"
	}
	return strconv.Itoa(n)
}
