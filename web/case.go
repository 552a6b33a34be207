package web

import (
	"fmt"
	"log/slog"
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
	Source   string
	Q        string
	Overdue  bool
	Mine     bool // only the cases the user's unit handles
	Page     int
}

func parseListFilter(c echo.Context) listFilter {
	f := listFilter{State: c.QueryParam("state"), Category: c.QueryParam("category"), Source: c.QueryParam("source"),
		Q: strings.TrimSpace(c.QueryParam("q")), Overdue: c.QueryParam("overdue") == "1", Mine: c.QueryParam("mine") == "1"}
	f.Page, _ = strconv.Atoi(c.QueryParam("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	return f
}

// engineFilter turns the query into the engine's filter; a query that looks
// like a case number searches numbers, anything else party names.
func (f listFilter) engineFilter(now time.Time, unit int64) engine.CaseFilter {
	ef := engine.CaseFilter{Category: f.Category, Source: f.Source, Offset: (f.Page - 1) * pageSize, Limit: pageSize}
	if f.Mine {
		ef.Handling = []int64{unit}
		if f.State == "" {
			// A queue holds what still needs work: open cases, and agreements
			// waiting for their follow-up visit.
			ef.States = []workflow.State{workflow.Registered, workflow.Grid, workflow.Village, workflow.Town,
				workflow.Referred, workflow.Agreed}
		}
	}
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
	for k, x := range map[string]string{"state": f.State, "category": f.Category, "source": f.Source, "q": f.Q} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if f.Overdue {
		v.Set("overdue", "1")
	}
	if f.Mine {
		v.Set("mine", "1")
	}
	v.Set("page", strconv.Itoa(page))
	return "/cases?" + v.Encode()
}

type caseRow struct {
	Case     *engine.Case
	Handling string
	Parties  string
	Due      string
	Overall  string
	Overdue  bool
}

// pressedCase is a case a supervisor pressed (督办), shown at the top of the
// handling mediators' queue.
type pressedCase struct {
	Case  *engine.Case
	Event *engine.Event
}

func (s *Server) handleCaseList(c echo.Context) error {
	ctx := c.Request().Context()
	f := parseListFilter(c)
	if len(c.QueryParams()) == 0 && currentUser(c).Role == workflow.RoleMediator {
		// A mediator's first view is their queue.
		f.Mine = true
	}
	now := s.Engine.Now()
	cases, total, err := s.Engine.Cases(ctx, actor(c), f.engineFilter(now, currentUser(c).UnitID))
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
		if k.State.Level() != "" {
			rows[i].Overall = countdown(k.OverallDueAt, now)
		}
	}
	pressed, err := s.pressed(c)
	if err != nil {
		return err
	}
	pages := max(1, (total+pageSize-1)/pageSize)
	data := map[string]any{"Rows": rows, "Total": total, "Filter": f, "Page": f.Page, "Pages": pages, "Pressed": pressed,
		"States": workflow.States, "Categories": engine.Categories, "Sources": engine.Sources, "Prev": "", "Next": ""}
	if f.Page > 1 {
		data["Prev"] = f.url(f.Page - 1)
	}
	if f.Page < pages {
		data["Next"] = f.url(f.Page + 1)
	}
	return s.render(c, http.StatusOK, "cases", "案件", data)
}

// pressed returns the open cases of the user's unit that a supervisor
// pressed since their tier clock started, with the 督办 note.
func (s *Server) pressed(c echo.Context) ([]pressedCase, error) {
	ctx := c.Request().Context()
	u := currentUser(c)
	if u.Role != workflow.RoleMediator {
		return nil, nil
	}
	cases, _, err := s.Engine.Cases(ctx, actor(c), engine.CaseFilter{Handling: []int64{u.UnitID},
		States: []workflow.State{workflow.Registered, workflow.Grid, workflow.Village, workflow.Town, workflow.Referred}, Limit: 500})
	if err != nil {
		return nil, err
	}
	var out []pressedCase
	for _, k := range cases {
		if k.SupervisedAt == nil || (k.TierStartedAt != nil && k.SupervisedAt.Before(*k.TierStartedAt)) {
			continue
		}
		if ev := s.lastPress(c, k); ev != nil {
			out = append(out, pressedCase{k, ev})
		}
	}
	return out, nil
}

// lastPress returns the latest 督办 on a case since its tier clock started.
func (s *Server) lastPress(c echo.Context, k *engine.Case) *engine.Event {
	if k.SupervisedAt == nil || (k.TierStartedAt != nil && k.SupervisedAt.Before(*k.TierStartedAt)) {
		return nil
	}
	evs, err := s.Engine.Timeline(c.Request().Context(), actor(c), k.ID)
	if err != nil {
		return nil
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Name == string(workflow.Supervise) {
			return evs[i]
		}
	}
	return nil
}

// partyView is a party as the viewer may see it: ID and phone masked unless
// the viewer handles the case.
type partyView struct {
	Side, Name, Sex, IDNumber, Phone, Address, Consent string
}

func (s *Server) partyViews(c echo.Context, k *engine.Case, withAddress bool) []partyView {
	handles := s.Engine.Handles(actor(c), k)
	var out []partyView
	shown := false
	for _, p := range k.Parties {
		v := partyView{Side: map[string]string{engine.SideApplicant: "申请人", engine.SideRespondent: "被申请人"}[p.Side],
			Name: p.Name, Sex: p.Sex, IDNumber: p.MaskedIDNumber(), Phone: p.MaskedPhone(),
			Consent: map[string]string{"yes": "同意", "no": "不同意", "": "未询问"}[p.Consent]}
		if handles {
			v.IDNumber, v.Phone = p.IDNumber, p.Phone
			shown = shown || p.IDNumber != "" || p.Phone != ""
		}
		if withAddress && handles {
			v.Address = p.Address
		}
		out = append(out, v)
	}
	if shown {
		// Every view of unmasked personal data is logged (DESIGN §9).
		slog.Info("personal data shown", "user", currentUser(c).Name, "case", k.Number, "path", c.Request().URL.Path)
	}
	return out
}

func (s *Server) handleCaseView(c echo.Context) error {
	k, err := s.caseParam(c)
	if err != nil {
		return err
	}
	return s.showCase(c, http.StatusOK, k, "")
}

// showConflict shows the case as it is now with the reason the user's change
// was not saved.
func (s *Server) showConflict(c echo.Context, k *engine.Case, err error) error {
	return s.showCase(c, http.StatusConflict, k, engine.ErrorMessage(err))
}

func (s *Server) showCase(c echo.Context, status int, k *engine.Case, problem string) error {
	ctx := c.Request().Context()
	a := actor(c)
	timeline, err := s.Engine.Timeline(ctx, a, k.ID)
	if err != nil {
		return err
	}
	agreements, err := s.Engine.Agreements(ctx, a, k.ID)
	if err != nil {
		return err
	}
	trs, acts, err := s.Engine.Allowed(ctx, a, k)
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	var flags []string
	for _, f := range k.Flags {
		flags = append(flags, engine.FlagNames[f])
	}
	mediator := ""
	if k.MediatorID != 0 {
		if u, err := s.Engine.FindUser(ctx, k.MediatorID); err == nil {
			mediator = u.Actor().Name
		}
	}
	return s.render(c, status, "case", k.Number, map[string]any{
		"Case": k, "Timeline": timeline, "Parties": s.partyViews(c, k, false), "Flags": flags,
		"Location": tree.Path(k.LocationUnitID), "Handling": tree.Path(k.HandlingUnitID), "Mediator": mediator,
		"Transitions": trs, "Activities": acts, "Agreements": agreements, "Handles": s.Engine.Handles(a, k),
		"Deadlines": s.Engine.Deadlines(ctx, k, timeline, agreements), "Pressed": s.lastPress(c, k), "Error": problem,
	})
}

func (s *Server) handleHealth(c echo.Context) error {
	if _, err := s.Engine.Setting(c.Request().Context(), "session_secret"); err != nil {
		return c.String(http.StatusServiceUnavailable, fmt.Sprintf("database: %v", err))
	}
	return c.String(http.StatusOK, "ok")
}
