package web

import (
	"net/http"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/labstack/echo/v4"
)

func (s *Server) handleLookupForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "lookup", "办理进度查询", map[string]any{})
}

// handleLookup shows a party the state of their case, given its public code
// and their phone number; no personal data is shown. Failed tries count
// against the same limit as logins.
func (s *Server) handleLookup(c echo.Context) error {
	code := strings.TrimSpace(c.FormValue("code"))
	key := "lookup|" + c.RealIP()
	if !s.limiter.allow(key) {
		return s.render(c, http.StatusTooManyRequests, "lookup", "办理进度查询",
			map[string]any{"Code": code, "Error": "查询失败次数过多，请5分钟后再试。"})
	}
	k, err := s.Engine.LookUp(c.Request().Context(), code, c.FormValue("phone"))
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		s.limiter.fail(key)
		return s.render(c, http.StatusNotFound, "lookup", "办理进度查询", map[string]any{"Code": code, "Error": engine.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "lookup", "办理进度查询", map[string]any{"Case": k, "Handling": tree.Path(k.HandlingUnitID)})
}
