package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/casefile"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/queue"
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
// like a case number searches numbers, anything else the parties' names and
// the summaries.
func (f listFilter) engineFilter(now time.Time) engine.CaseFilter {
	ef := engine.CaseFilter{Category: f.Category, Source: f.Source, Offset: (f.Page - 1) * pageSize, Limit: pageSize}
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
		ef.Text = f.Q
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

func (s *Server) handleCaseList(c echo.Context) error {
	ctx := c.Request().Context()
	f := parseListFilter(c)
	role := currentUser(c).Role
	// A user's first view starts with their queue; a mediator's list is
	// their unit's work.
	first := len(c.QueryParams()) == 0
	if first && role == workflow.RoleMediator {
		f.Mine = true
	}
	now := s.Engine.Now()
	var cases []*engine.Case
	var total int
	var err error
	ef := f.engineFilter(now)
	ef.CountUpTo = countBound(f.Page) + 1
	if f.Mine {
		cases, total, err = s.Engine.Work(ctx, actor(c), ef)
	} else {
		cases, total, err = s.Engine.Cases(ctx, actor(c), ef)
	}
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
			Due: s.countdown(k.DueAt), Overdue: k.Overdue(now)}
		if k.State.Level() != "" {
			rows[i].Overall = s.countdown(k.OverallDueAt)
		}
	}
	var q *queue.Queue
	var loads []unitLoad
	var visits []*ledger.Entry
	if first || f.Mine {
		if q, err = s.Queues.Queue(ctx, actor(c)); err != nil {
			return err
		}
		// The ledger's entries the user answers for, due for a visit.
		if visits, err = s.Ledger.Due(ctx, actor(c)); err != nil {
			return err
		}
		for _, l := range q.Units {
			loads = append(loads, unitLoad{l, tree.Unit(l.UnitID).Name})
		}
	}
	// A count that reached its bound says so: there are more. A search
	// that tests the cases one by one counts to the page's end and one
	// more, which shows as "30+" on the first page (as does a list of
	// exactly 31, truly).
	more := false
	switch {
	case total > countBound(f.Page):
		more, total = true, countBound(f.Page)
	case total == f.Page*pageSize+1:
		more, total = true, f.Page*pageSize
	}
	pages := max(1, (total+pageSize-1)/pageSize)
	data := map[string]any{"Rows": rows, "Total": total, "More": more, "Filter": f, "Page": f.Page, "Pages": pages, "Queue": q, "Units": loads, "Visits": visits,
		"Role": role, "States": workflow.States, "Categories": s.Engine.CurrentLists().CategoryNames(), "Sources": s.Engine.CurrentLists().SourceNames(),
		"Prev": "", "Next": ""}
	if f.Page > 1 {
		data["Prev"] = f.url(f.Page - 1)
	}
	if f.Page < pages || more {
		data["Next"] = f.url(f.Page + 1)
	}
	return s.render(c, http.StatusOK, viewCases, "案件", data)
}

// countBound is how far a list counts its cases when it shows the page: a
// thousand past the page's first case, so that a large town's list shows
// "1000+" rather than counting every case it holds.
func countBound(page int) int { return (page-1)*pageSize + 1000 }

// unitLoad is a unit's load with its name.
type unitLoad struct {
	queue.UnitLoad
	Name string
}

// partyView is a party as the page shows it, in words.
type partyView struct {
	Side, Name, Sex, IDNumber, Phone, Address, Consent string
}

func partyViews(parties []engine.Party) []partyView {
	out := make([]partyView, len(parties))
	for i, p := range parties {
		out[i] = partyView{Side: map[string]string{engine.SideApplicant: "申请人", engine.SideRespondent: "被申请人"}[p.Side],
			Name: p.Name, Sex: p.Sex, IDNumber: p.IDNumber, Phone: p.Phone, Address: p.Address,
			Consent: map[string]string{"yes": "同意", "no": "不同意", "": "未询问"}[p.Consent]}
	}
	return out
}

func (s *Server) handleCaseView(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	return s.showCase(c, http.StatusOK, id, "")
}

// showConflict shows the case as it is now with the reason the user's change
// was not saved.
func (s *Server) showConflict(c echo.Context, id int64, err error) error {
	return s.showCase(c, http.StatusConflict, id, engine.ErrorMessage(err))
}

func (s *Server) showCase(c echo.Context, status int, id int64, problem string) error {
	ctx, where := c.Request().Context(), c.Request().URL.Path
	var f *casefile.CaseFile
	var err error
	if c.QueryParam("timeline") == "all" {
		f, err = s.Files.CaseFile(ctx, actor(c), id, where)
	} else {
		f, err = s.Files.CasePage(ctx, actor(c), id, where, casefile.Fold{Head: foldHead, Tail: foldTail})
	}
	if err != nil {
		return err
	}
	var flags []string
	for _, fl := range f.Case.Flags {
		flags = append(flags, s.Engine.CurrentLists().FlagName(fl))
	}
	primary, secondary := buttons(f.Transitions, f.Activities)
	head, tail := f.Entries, []casefile.Entry(nil)
	if f.Folded > 0 {
		head, tail = f.Entries[:f.FoldAt], f.Entries[f.FoldAt:]
	}
	marks, err := s.Ledger.Marks(ctx, actor(c), f.Case)
	if err != nil {
		return err
	}
	return s.render(c, status, viewCase, f.Case.Number, map[string]any{"File": f, "Case": f.Case, "Parties": partyViews(f.Parties),
		"Flags": flags, "Error": problem, "Marks": marks, "Buttons": primary, "Secondary": secondary, "Head": head, "Tail": tail, "Folded": f.Folded})
}

// The case page shows the first foldHead and the last foldTail events of a
// long timeline and every event between that is not a note; the notes
// between fold behind a link, so that a case of hundreds of notes costs
// about as much to show as a short one.
const foldHead, foldTail = 5, 20

// button is one action of the case page.
type button struct {
	Action, Label string
}

// buttons lists the case page's actions, the events first and then the
// activities, with every row that records a follow-up visit folded into one
// 回访 among the events.
func buttons(trs []workflow.Transition, acts []workflow.ActivityRule) (primary, secondary []button) {
	visit := false
	add := func(into *[]button, action, label string) {
		if !slices.ContainsFunc(workflow.VisitOutcomes, func(o workflow.VisitOutcome) bool { return o.Action == action }) {
			*into = append(*into, button{action, label})
		} else if !visit {
			visit = true
			primary = append(primary, button{workflow.VisitAction, "回访"})
		}
	}
	for _, tr := range trs {
		add(&primary, string(tr.Event), tr.Label())
	}
	for _, r := range acts {
		add(&secondary, string(r.Activity), r.Label)
	}
	return primary, secondary
}

// handleHealth answers that the process lives (liveness): it does not ask
// the database, so that a busy or full database does not get a working
// process restarted; /readyz does.
func (s *Server) handleHealth(c echo.Context) error { return c.String(http.StatusOK, "ok") }

// handleReady answers whether this server can take work: its database
// takes a write within a second and has room for it. A load balancer sends
// requests to the servers that are ready; a monitor pages on the reason.
func (s *Server) handleReady(c echo.Context) error {
	if err := s.readiness.check(c.Request().Context(), s.Engine.Now(), s.Engine.Ready); err != nil {
		return c.String(http.StatusServiceUnavailable, err.Error())
	}
	return c.String(http.StatusOK, "ready")
}

// readiness keeps the last answer of the database's readiness for a second:
// anyone may ask /readyz, and each check takes the database's writer, so
// however often it is asked the database is asked once a second at most.
type readiness struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

func (r *readiness) check(ctx context.Context, now time.Time, ask func(context.Context) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && now.Sub(r.at) < time.Second {
		return r.err
	}
	r.at, r.err = now, ask(ctx)
	return r.err
}
