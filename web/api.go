package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

type apiParty struct {
	Side     string `json:"side"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

type apiCase struct {
	ID           int64      `json:"id"`
	Number       string     `json:"number"`
	Code         string     `json:"code"`
	State        string     `json:"state"`
	StateLabel   string     `json:"state_label"`
	Version      int        `json:"version"`
	Location     string     `json:"location"`
	Handling     string     `json:"handling"`
	Source       string     `json:"source"`
	Category     string     `json:"category"`
	Amount       float64    `json:"amount"`
	People       int        `json:"people"`
	Risk         string     `json:"risk"`
	Flags        []string   `json:"flags"`
	Summary      string     `json:"summary"`
	OpenedAt     time.Time  `json:"opened_at"`
	AcceptedAt   *time.Time `json:"accepted_at"`
	AgreedAt     *time.Time `json:"agreed_at"`
	ClosedAt     *time.Time `json:"closed_at"`
	DueAt        *time.Time `json:"due_at"`
	OverallDueAt *time.Time `json:"overall_due_at"`
	Overdue      bool       `json:"overdue"`
	Parties      []apiParty `json:"parties"`
	// Partner is the partner body the case waits on, Sender the one that
	// referred it in with its ExternalID; "" for none.
	Partner    string `json:"partner,omitempty"`
	Sender     string `json:"sender,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
}

// apiCases turns cases into their JSON, the parties masked for the caller.
func (s *Server) apiCases(c echo.Context, cases ...*engine.Case) ([]apiCase, error) {
	ctx := c.Request().Context()
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return nil, err
	}
	parties, err := s.Engine.ShowParties(ctx, actor(c), cases, c.Request().URL.Path)
	if err != nil {
		return nil, err
	}
	out := make([]apiCase, len(cases))
	for i, k := range cases {
		out[i] = s.toAPICase(tree, k, parties[i])
	}
	return out, nil
}

func (s *Server) toAPICase(tree *engine.Tree, k *engine.Case, parties []engine.Party) apiCase {
	a := apiCase{ID: k.ID, Number: k.Number, Code: k.Code, State: string(k.State), StateLabel: k.State.Label(),
		Version: k.Version, Location: tree.Unit(k.LocationUnitID).Code, Handling: tree.Unit(k.HandlingUnitID).Code,
		Source: k.Source, Category: k.Category, Amount: float64(k.Amount) / 100, People: k.People, Risk: string(k.Risk),
		Flags: k.Flags, Summary: k.Summary, OpenedAt: k.OpenedAt, AcceptedAt: k.AcceptedAt, AgreedAt: k.AgreedAt,
		ClosedAt: k.ClosedAt, DueAt: k.DueAt, OverallDueAt: k.OverallDueAt, Overdue: k.Overdue(s.Engine.Now())}
	if a.Flags == nil {
		a.Flags = []string{}
	}
	if u := tree.Unit(k.PartnerUnitID); u != nil {
		a.Partner = u.Code
	}
	if u := tree.Unit(k.SenderUnitID); u != nil {
		a.Sender, a.ExternalID = u.Code, k.ExternalID
	}
	for _, p := range parties {
		a.Parties = append(a.Parties, apiParty{Side: p.Side, Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber, Phone: p.Phone})
	}
	return a
}

func (s *Server) handleAPICaseList(c echo.Context) error {
	f := parseListFilter(c)
	list := s.Engine.Cases
	if f.Mine {
		list = s.Engine.Work
	}
	cases, total, err := list(c.Request().Context(), actor(c), f.engineFilter(s.Engine.Now()))
	if err != nil {
		return err
	}
	out, err := s.apiCases(c, cases...)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"total": total, "page": f.Page, "cases": out})
}

// apiQueue is the caller's queue (see queue.Queue): its lists of cases,
// empty where the role has none.
type apiQueue struct {
	Count      int           `json:"count"`
	Awaiting   []apiCase     `json:"awaiting"`
	Referred   []apiCase     `json:"referred"`
	SentIn     []apiCase     `json:"sent_in"`
	Registered []apiCase     `json:"registered"`
	Pressed    []apiPressed  `json:"pressed"`
	FollowUps  []apiCase     `json:"follow_ups"`
	ToArchive  []apiCase     `json:"to_archive"`
	Overdue    []apiCase     `json:"overdue"`
	Units      []apiUnitLoad `json:"units"`
}

// apiPressed is a pressed case with its latest 督办.
type apiPressed struct {
	Case apiCase   `json:"case"`
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Note string    `json:"note"`
}

// apiUnitLoad is a unit's open, overdue and pressed cases.
type apiUnitLoad struct {
	Unit    string `json:"unit"`
	Name    string `json:"name"`
	Open    int    `json:"open"`
	Overdue int    `json:"overdue"`
	Pressed int    `json:"pressed"`
}

func (s *Server) handleAPIQueue(c echo.Context) error {
	ctx := c.Request().Context()
	q, err := s.Queues.Queue(ctx, actor(c))
	if err != nil {
		return err
	}
	out := apiQueue{Pressed: []apiPressed{}, Units: []apiUnitLoad{}}
	if out.Count, err = s.Queues.QueueCount(ctx, actor(c)); err != nil {
		return err
	}
	for _, l := range []struct {
		from []*engine.Case
		into *[]apiCase
	}{{q.Awaiting, &out.Awaiting}, {q.Referred, &out.Referred}, {q.SentIn, &out.SentIn}, {q.Registered, &out.Registered}, {q.FollowUps, &out.FollowUps},
		{q.ToArchive, &out.ToArchive}, {q.Overdue, &out.Overdue}} {
		if *l.into, err = s.apiCases(c, l.from...); err != nil {
			return err
		}
	}
	for _, p := range q.Pressed {
		k, err := s.apiCases(c, p.Case)
		if err != nil {
			return err
		}
		out.Pressed = append(out.Pressed, apiPressed{Case: k[0], At: p.Event.At, By: p.Event.ActorName, Note: p.Event.Data.Note})
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	for _, l := range q.Units {
		u := tree.Unit(l.UnitID)
		out.Units = append(out.Units, apiUnitLoad{Unit: u.Code, Name: u.Name, Open: l.Open, Overdue: l.Overdue, Pressed: l.Pressed})
	}
	return c.JSON(http.StatusOK, out)
}

// caseID reads the case id of the address.
func caseID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, engine.Errorf(engine.ENOTFOUND, "案件不存在。")
	}
	return id, nil
}

func (s *Server) caseParam(c echo.Context) (*engine.Case, error) {
	id, err := caseID(c)
	if err != nil {
		return nil, err
	}
	return s.Engine.FindCase(c.Request().Context(), actor(c), id)
}

func (s *Server) handleAPICase(c echo.Context) error {
	k, err := s.caseParam(c)
	if err != nil {
		return err
	}
	out, err := s.apiCases(c, k)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out[0])
}

type apiEvent struct {
	Seq       int              `json:"seq"`
	Name      string           `json:"name"`
	Label     string           `json:"label"`
	From      string           `json:"from,omitempty"`
	To        string           `json:"to"`
	Actor     string           `json:"actor"`
	Role      string           `json:"role"`
	At        time.Time        `json:"at"`
	Reason    string           `json:"reason,omitempty"`
	Automatic bool             `json:"automatic"`
	Data      engine.EventData `json:"data"`
	// The record the step wrote, as the case file holds it: what a
	// session, a visit, an agreement or a judicial confirmation said.
	Session      *apiSession      `json:"session,omitempty"`
	Visit        *apiVisit        `json:"visit,omitempty"`
	Agreement    *apiAgreement    `json:"agreement,omitempty"`
	Confirmation *apiConfirmation `json:"confirmation,omitempty"`
}

// handleAPIEvents answers a case's timeline with what each step recorded,
// read from its file as the actor may see it.
func (s *Server) handleAPIEvents(c echo.Context) error {
	k, err := s.caseParam(c)
	if err != nil {
		return err
	}
	f, err := s.Files.CaseFile(c.Request().Context(), actor(c), k.ID, c.Request().URL.Path)
	if err != nil {
		return err
	}
	out := apiEvents(f.Timeline)
	for i, en := range f.Entries {
		if x := en.Session; x != nil {
			out[i].Session = ptr(toAPISession(x))
		}
		if v := en.Visit; v != nil {
			out[i].Visit = ptr(toAPIVisit(v))
		}
		if a := en.Agreement; a != nil {
			out[i].Agreement = ptr(toAPIAgreement(a))
		}
		if x := en.Confirmation; x != nil {
			out[i].Confirmation = ptr(toAPIConfirmation(x))
		}
	}
	return c.JSON(http.StatusOK, out)
}

func ptr[T any](v T) *T { return &v }

func toAPISession(x *engine.Session) apiSession {
	return apiSession{At: x.At, Place: x.Place, Participants: x.Participants, Record: x.Record}
}

func toAPIVisit(v *engine.FollowUp) apiVisit {
	return apiVisit{At: v.At, Visited: v.Visited, Performed: v.Performed, Findings: v.Findings,
		Satisfaction: v.Satisfaction, Sued: v.Sued, Recurred: v.Recurred}
}

func toAPIAgreement(a *engine.Agreement) apiAgreement {
	return apiAgreement{ID: a.ID, Kind: a.Kind, Facts: a.Facts, Terms: a.Terms, Performance: a.Performance,
		Due: a.DueAt, Amount: float64(a.Amount) / 100, SignedAt: a.SignedAt, Place: a.Place, Copies: a.Copies, Tier: string(a.Tier),
		OralConfirmed: a.OralConfirmed, Shared: a.Shared}
}

func toAPIConfirmation(x *engine.Confirmation) apiConfirmation {
	return apiConfirmation{Kind: x.Kind, Court: x.Court, Number: x.Number, Day: x.Day}
}

type apiTransition struct {
	Event    string   `json:"event"`
	Label    string   `json:"label"`
	From     []string `json:"from"`
	To       string   `json:"to"`
	Roles    []string `json:"roles"`
	Requires []string `json:"requires"`
	Optional []string `json:"optional,omitempty"`
	Reasons  []string `json:"reasons,omitempty"`
}

// handleAPIWorkflow publishes the workflow table and its diagram, as data.
func (s *Server) handleAPIWorkflow(c echo.Context) error {
	var rows []apiTransition
	for _, t := range workflow.Table {
		r := apiTransition{Event: string(t.Event), Label: t.Label(), To: string(t.To), Reasons: t.Reasons}
		for _, f := range t.From {
			r.From = append(r.From, string(f))
		}
		for _, g := range t.Grants {
			r.Roles = append(r.Roles, string(g.Role))
		}
		for _, f := range t.Requires {
			r.Requires = append(r.Requires, string(f))
		}
		for _, f := range t.Optional {
			r.Optional = append(r.Optional, string(f))
		}
		rows = append(rows, r)
	}
	return c.JSON(http.StatusOK, map[string]any{"transitions": rows, "mermaid": workflow.Diagram()})
}

// apiFile is a case's whole file (卷宗) as JSON.
type apiFile struct {
	Case          apiCase           `json:"case"`
	Timeline      []apiEvent        `json:"timeline"`
	Agreements    []apiAgreement    `json:"agreements"`
	Sessions      []apiSession      `json:"sessions"`
	Visits        []apiVisit        `json:"visits"`
	Referrals     []apiReferral     `json:"referrals"`
	Confirmations []apiConfirmation `json:"confirmations"`
	Notices       []apiNotice       `json:"notices"`
	ConfirmBy     *time.Time        `json:"confirm_by"`
	ArchiveNo     string            `json:"archive_no"`
	Missing       []string          `json:"missing"`
	Documents     []apiDocument     `json:"documents"`
}

type apiAgreement struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	Facts         string     `json:"facts"`
	Terms         string     `json:"terms"`
	Performance   string     `json:"performance"`
	Due           *time.Time `json:"due"`
	Amount        float64    `json:"amount"`
	SignedAt      time.Time  `json:"signed_at"`
	Place         string     `json:"place"`
	Copies        int        `json:"copies"`
	Tier          string     `json:"tier"`
	OralConfirmed bool       `json:"oral_confirmed"`
	Shared        bool       `json:"shared"`
}

type apiSession struct {
	At           time.Time `json:"at"`
	Place        string    `json:"place"`
	Participants string    `json:"participants"`
	Record       string    `json:"record"`
}

type apiVisit struct {
	At           time.Time `json:"at"`
	Visited      string    `json:"visited"`
	Performed    bool      `json:"performed"`
	Findings     string    `json:"findings"`
	Satisfaction string    `json:"satisfaction"`
	Sued         bool      `json:"sued"`
	Recurred     bool      `json:"recurred"`
}

type apiReferral struct {
	Partner    string     `json:"partner"`
	Reason     string     `json:"reason"`
	At         time.Time  `json:"at"`
	Due        time.Time  `json:"due"`
	SignedAt   *time.Time `json:"signed_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Result     string     `json:"result"`
	// OnTime: the partner's feedback came by the deadline.
	OnTime bool `json:"on_time"`
}

type apiConfirmation struct {
	Kind   string `json:"kind"`
	Court  string `json:"court"`
	Number string `json:"number"`
	Day    string `json:"day"`
}

type apiNotice struct {
	To    string    `json:"to"`
	Given time.Time `json:"given"`
}

type apiDocument struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// handleAPIFile answers a case's whole file: every record and document.
func (s *Server) handleAPIFile(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	f, err := s.Files.CaseFile(c.Request().Context(), actor(c), id, c.Request().URL.Path)
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return err
	}
	out := apiFile{Case: s.toAPICase(tree, f.Case, f.Parties), ConfirmBy: f.ConfirmBy, ArchiveNo: f.Case.ArchiveNo, Missing: f.Missing,
		Timeline: apiEvents(f.Timeline), Agreements: []apiAgreement{}, Sessions: []apiSession{}, Visits: []apiVisit{},
		Referrals: []apiReferral{}, Confirmations: []apiConfirmation{}, Notices: []apiNotice{}}
	for _, a := range f.Agreements {
		out.Agreements = append(out.Agreements, toAPIAgreement(a))
	}
	for _, x := range f.Sessions {
		out.Sessions = append(out.Sessions, toAPISession(x))
	}
	for _, v := range f.Visits {
		out.Visits = append(out.Visits, toAPIVisit(v))
	}
	for _, r := range f.Referrals {
		out.Referrals = append(out.Referrals, apiReferral{Partner: r.Partner, Reason: r.Reason, At: r.At, Due: r.DueAt,
			SignedAt: r.SignedAt, ResolvedAt: r.ResolvedAt, Result: r.Result, OnTime: r.OnTime()})
	}
	for _, x := range f.Confirmations {
		out.Confirmations = append(out.Confirmations, toAPIConfirmation(x))
	}
	for _, n := range f.Notices {
		out.Notices = append(out.Notices, apiNotice{To: n.To, Given: n.Given})
	}
	for _, d := range f.Documents {
		out.Documents = append(out.Documents, apiDocument{Key: d.Key, Title: d.Title,
			URL: fmt.Sprintf("/cases/%d/documents/%s", f.Case.ID, d.Key)})
	}
	return c.JSON(http.StatusOK, out)
}

// apiEvents turns a timeline into its JSON.
func apiEvents(evs []*engine.Event) []apiEvent {
	out := make([]apiEvent, len(evs))
	for i, e := range evs {
		out[i] = apiEvent{Seq: e.Seq, Name: string(e.Name), Label: e.Label(), From: string(e.From), To: string(e.To),
			Actor: e.ActorName, Role: string(e.Role), At: e.At, Reason: e.Reason, Automatic: e.Automatic, Data: e.Data}
	}
	return out
}
