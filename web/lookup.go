package web

import (
	"net/http"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/apply"
	"github.com/labstack/echo/v4"
)

// lookupView is the look-up page: the code typed and what went wrong, or
// the case's progress.
type lookupView struct {
	Code, Error string
	Progress    *apply.Progress
}

func (s *Server) handleLookupForm(c echo.Context) error {
	return s.render(c, http.StatusOK, viewLookup, "办理进度查询", lookupView{})
}

// handleLookup shows a party how their case stands (engine.Progress),
// given its public code and their phone number; no personal data is shown.
// Failed tries count against the same limit as logins.
func (s *Server) handleLookup(c echo.Context) error {
	ctx := c.Request().Context()
	code := strings.TrimSpace(c.FormValue("code"))
	again := func(status int, msg string) error {
		return s.render(c, status, viewLookup, "办理进度查询", lookupView{Code: engine.Printable(code, 40), Error: msg})
	}
	try := account.LookupTry(strings.ToUpper(code), c.RealIP())
	if wait, err := s.Accounts.Admit(ctx, try); err != nil {
		return err
	} else if wait > 0 {
		return again(http.StatusTooManyRequests, account.WaitMessage(wait))
	}
	p, err := s.Parties.Progress(ctx, code, c.FormValue("phone"))
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		// The code exists when only the phone was wrong: the failure
		// counts against the case, else against the address.
		wait, ferr := s.Accounts.Refuse(ctx, try, engine.ErrorField(err) == "phone")
		if ferr != nil {
			return ferr
		}
		if aerr := s.Engine.Audited(ctx, engine.Actor{Name: "当事人查询"}, engine.AuditLookupFailed, 0,
			"查询码 "+engine.Printable(code, 40)+"，来自 "+engine.Printable(c.RealIP(), 64)); aerr != nil {
			return aerr
		}
		if wait > 0 {
			return again(http.StatusTooManyRequests, account.WaitMessage(wait))
		}
		return again(http.StatusNotFound, engine.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewLookup, "办理进度查询", lookupView{Progress: p})
}
