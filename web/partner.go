package web

import (
	"net/http"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/form"
	"github.com/labstack/echo/v4"
)

// apiAuth lets an API call in by its session, with the CSRF token on a
// POST, or by a partner system's token in "Authorization: Bearer …". A
// token call has no session and no cookie another site could make a
// browser send, so it needs no CSRF token; it acts as the partner body the
// token belongs to.
func (s *Server) apiAuth(session echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		bySession := session(s.requireUser(s.csrf(next)))
		return func(c echo.Context) error {
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			if h == "" {
				return bySession(c)
			}
			secret, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				return engine.Errorf(engine.EUNAUTHORIZED, "Authorization 请求头应为“Bearer 令牌”。")
			}
			a, err := s.Accounts.TokenActor(c.Request().Context(), strings.TrimSpace(secret))
			if engine.ErrorCode(err) == engine.EUNAUTHORIZED {
				detail := engine.Printable(c.Request().Method+" "+c.Request().URL.Path+" 无效的接口令牌，来自 "+c.RealIP(), 200)
				if aerr := s.Engine.Audited(c.Request().Context(), engine.Actor{Name: "接口令牌"}, engine.AuditRefused, 0, detail); aerr != nil {
					return aerr
				}
			}
			if err != nil {
				return err
			}
			c.Set(userKey, &engine.User{Name: a.Name, DisplayName: a.Name, Role: a.Role, UnitID: a.UnitID})
			c.Response().Header().Set("Cache-Control", "no-store")
			return next(c)
		}
	}
}

// handleAPIReferral registers a dispute a partner refers in: 201 with the
// new case, or 200 with the case its external_id made before.
func (s *Server) handleAPIReferral(c echo.Context) error {
	ctx := c.Request().Context()
	// The source follows the partner's kind; the location, a grid's
	// code, may be left out for the desk to set; people and risk default
	// to the parties named and green.
	var body form.Case
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	n, err := body.NewCase(tree)
	if err != nil {
		return err
	}
	if n.People == 0 {
		n.People = max(len(n.Parties), 1)
	}
	if n.Risk == "" {
		n.Risk = engine.RiskGreen
	}
	k, created, err := s.Partners.OpenReferral(ctx, actor(c), n)
	if err != nil {
		return err
	}
	out, err := s.apiCases(c, k)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, out[0])
}
