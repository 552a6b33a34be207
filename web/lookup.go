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
	keys := account.LookupKeys(strings.ToUpper(code), c.RealIP())
	if wait, err := s.Accounts.Wait(ctx, keys); err != nil {
		return err
	} else if wait > 0 {
		return s.render(c, http.StatusTooManyRequests, viewLookup, "办理进度查询",
			lookupView{Code: code, Error: account.WaitMessage(wait)})
	}
	p, err := s.Parties.Progress(ctx, code, c.FormValue("phone"))
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		if err := s.Accounts.Failed(ctx, keys); err != nil {
			return err
		}
		return s.render(c, http.StatusNotFound, viewLookup, "办理进度查询", lookupView{Code: code, Error: engine.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewLookup, "办理进度查询", lookupView{Progress: p})
}
