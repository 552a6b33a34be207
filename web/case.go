package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

const pageSize = 30

// listFilter is the case list's query string.
type listFilter struct {
	State    string
	Category string
	Q        string
	Overdue  bool
	Page     int
}

func parseListFilter(c echo.Context) listFilter {
	f := listFilter{State: c.QueryParam("state"), Category: c.QueryParam("category"),
		Q: strings.TrimSpace(c.QueryParam("q")), Overdue: c.QueryParam("overdue") == "1"}
	f.Page, _ = strconv.Atoi(c.QueryParam("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	return f
}

// engineFilter turns the query into the engine's filter; a query that looks
// like a case number searches numbers, anything else party names.
func (f listFilter) engineFilter(now time.Time) engine.CaseFilter {
	ef := engine.CaseFilter{Category: f.Category, Offset: (f.Page - 1) * pageSize, Limit: pageSize}
	if s := workflow.State(f.State); s.Valid() {
		ef.States = []workflow.State{s}
	}
	if f.Overdue {
		ef.OverdueAt = &now
	}
	switch {
	case f.Q == "":
	case strings.ContainsAny(f.Q, "0123456789〔") || strings.Contains(f.Q, "调"):
		ef.Number = f.Q
	default:
		ef.Party = f.Q
	}
	return ef
}

func (f listFilter) url(page int) string {
	v := url.Values{}
	for k, x := range map[string]string{"state": f.State, "category": f.Category, "q": f.Q} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if f.Overdue {
		v.Set("overdue", "1")
	}
	v.Set("page", strconv.Itoa(page))
	return "/cases?" + v.Encode()
}

type caseRow struct {
	Case     *engine.Case
	Handling string
	Parties  string
	Due      string
	Overdue  bool
}

func (s *Server) handleCaseList(c echo.Context) error {
	ctx := c.Request().Context()
	f := parseListFilter(c)
	now := s.Engine.Now()
	cases, total, err := s.Engine.Cases(ctx, actor(c), f.engineFilter(now))
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	rows := make([]caseRow, len(cases))
	for i, k := range cases {
		var names []string
		for _, p := range k.Parties {
			names = append(names, p.Name)
		}
		rows[i] = caseRow{Case: k, Handling: tree.Unit(k.HandlingUnitID).Name, Parties: strings.Join(names, "、"),
			Due: countdown(k.DueAt, now), Overdue: k.Overdue(now)}
	}
	pages := max(1, (total+pageSize-1)/pageSize)
	data := map[string]any{"Rows": rows, "Total": total, "Filter": f, "Page": f.Page, "Pages": pages,
		"States": workflow.States, "Categories": engine.Categories, "Prev": "", "Next": ""}
	if f.Page > 1 {
		data["Prev"] = f.url(f.Page - 1)
	}
	if f.Page < pages {
		data["Next"] = f.url(f.Page + 1)
	}
	return s.render(c, http.StatusOK, "cases", "案件", data)
}

// partyView is a party as the viewer may see it: ID and phone masked unless
// the viewer handles the case.
type partyView struct {
	Side, Name, IDNumber, Phone string
}

func (s *Server) handleCaseView(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return engine.Errorf(engine.ENOTFOUND, "案件不存在。")
	}
	k, err := s.Engine.FindCase(ctx, actor(c), id)
	if err != nil {
		return err
	}
	timeline, err := s.Engine.Timeline(ctx, actor(c), id)
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	handles := currentUser(c).UnitID == k.HandlingUnitID
	var parties []partyView
	for _, p := range k.Parties {
		v := partyView{Side: map[string]string{engine.SideApplicant: "申请方", engine.SideRespondent: "被申请方"}[p.Side], Name: p.Name,
			IDNumber: p.MaskedIDNumber(), Phone: p.MaskedPhone()}
		if handles {
			v.IDNumber, v.Phone = p.IDNumber, p.Phone
		}
		parties = append(parties, v)
	}
	var flags []string
	for _, f := range k.Flags {
		flags = append(flags, engine.FlagNames[f])
	}
	return s.render(c, http.StatusOK, "case", k.Number, map[string]any{
		"Case": k, "Timeline": timeline, "Parties": parties, "Flags": flags,
		"Location": tree.Path(k.LocationUnitID), "Handling": tree.Path(k.HandlingUnitID),
	})
}

func (s *Server) handleHealth(c echo.Context) error {
	if _, err := s.Engine.Setting(c.Request().Context(), "session_secret"); err != nil {
		return c.String(http.StatusServiceUnavailable, fmt.Sprintf("database: %v", err))
	}
	return c.String(http.StatusOK, "ok")
}
