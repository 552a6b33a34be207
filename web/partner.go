package web

import (
	"net/http"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/labstack/echo/v4"
)

// apiAuth lets an API call in by its session, with the CSRF token on a
// POST, or by a partner system's token in "Authorization: Bearer …". A
// token call has no session and no cookie another site could make a
// browser send, so it needs no CSRF token; it acts as the partner body the
// token belongs to.
func (s *Server) apiAuth(session echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		bySession := session(s.csrf(s.requireUser(next)))
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
			if err != nil {
				return err
			}
			c.Set(userKey, &engine.User{Name: a.Name, DisplayName: a.Name, Role: a.Role, UnitID: a.UnitID})
			c.Response().Header().Set("Cache-Control", "no-store")
			return next(c)
		}
	}
}

// apiReferralIn is a dispute a partner refers into mediation through the
// API. Location, a grid's code, may be left out: the desk sets it.
type apiReferralIn struct {
	ExternalID string             `json:"external_id"`
	Category   string             `json:"category"`
	Location   string             `json:"location"`
	Amount     float64            `json:"amount"` // yuan
	People     int                `json:"people"`
	Risk       string             `json:"risk"`
	Flags      []string           `json:"flags"`
	Summary    string             `json:"summary"`
	Requests   string             `json:"requests"`
	Parties    []engine.PartyJSON `json:"parties"`
}

// handleAPIReferral registers a dispute a partner refers in: 201 with the
// new case, or 200 with the case its external_id made before.
func (s *Server) handleAPIReferral(c echo.Context) error {
	ctx := c.Request().Context()
	var body apiReferralIn
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	n := &engine.NewCase{Category: body.Category, People: body.People, Risk: engine.Risk(body.Risk), Flags: body.Flags,
		Summary: body.Summary, Requests: body.Requests, ExternalID: body.ExternalID, Amount: engine.FenFromYuan(body.Amount)}
	if n.People == 0 {
		n.People = max(len(body.Parties), 1)
	}
	if n.Risk == "" {
		n.Risk = engine.RiskGreen
	}
	for _, p := range body.Parties {
		n.Parties = append(n.Parties, p.Party())
	}
	if body.Location != "" {
		tree, err := s.Engine.Tree(ctx)
		if err != nil {
			return err
		}
		u, err := tree.Find("location", body.Location)
		if err != nil {
			return err
		}
		n.LocationID = u.ID
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
