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
// the case's progress with the party's forms (which carry the code and the
// phone the party typed, checked again with every step), what a step just
// recorded, or what to fix in the form that comes back.
type lookupView struct {
	Code, Phone, Error, Done string
	Progress                 *apply.Progress
	V                        values
	Ratings                  []struct{ Value, Label string }
}

func (s *Server) handleLookupForm(c echo.Context) error {
	return s.render(c, http.StatusOK, viewLookup, "办理进度查询", lookupView{Code: engine.Printable(c.QueryParam("code"), 40)})
}

// handleLookup shows a party how their case stands (apply.Progress),
// given its public code and their phone number.
func (s *Server) handleLookup(c echo.Context) error { return s.lookup(c, nil) }

// lookup checks a party's code and phone, failed tries counting against
// the same limit as logins, takes the party's step when do is given, and
// shows the case's progress: no one else's personal data or words.
func (s *Server) lookup(c echo.Context, do func() (string, error)) error {
	ctx := c.Request().Context()
	code, phone := strings.TrimSpace(c.FormValue("code")), strings.TrimSpace(c.FormValue("phone"))
	again := func(status int, msg string) error {
		return s.render(c, status, viewLookup, "办理进度查询", lookupView{Code: engine.Printable(code, 40), Error: msg})
	}
	try := account.LookupTry(strings.ToUpper(code), c.RealIP())
	if wait, err := s.Accounts.Admit(ctx, try); err != nil {
		return err
	} else if wait > 0 {
		return again(http.StatusTooManyRequests, account.WaitMessage(wait))
	}
	p, err := s.Parties.Progress(ctx, code, phone)
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
	view := lookupView{Code: p.Code, Phone: phone, Progress: p, V: values{}, Ratings: engine.Satisfactions}
	status := http.StatusOK
	if do != nil {
		done, err := do()
		switch engine.ErrorCode(err) {
		case "":
			view.Done = done
			if view.Progress, err = s.Parties.Progress(ctx, code, phone); err != nil {
				return err
			}
		case engine.EINVALID, engine.ECONFLICT, engine.ETOOLARGE, engine.EUNSUPPORTED:
			// The form comes back as typed, saying what to fix.
			view.Error, view.V = engine.ErrorMessage(err), formValues(c)
			status = http.StatusUnprocessableEntity
			if engine.ErrorCode(err) == engine.ECONFLICT {
				status = http.StatusConflict
			}
		default:
			return err
		}
	}
	return s.render(c, status, viewLookup, "办理进度查询", view)
}
