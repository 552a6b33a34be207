package web

import (
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// actionForm is the form of one event or activity: exactly the fields the
// workflow table says it requires.
type actionForm struct {
	Case *engine.Case
	// Name is the action of the form's address; Act the event or activity
	// it does, which differs on the 回访 form, whose outcome picks it.
	Name   string
	Act    string
	Label  string
	Fields []workflow.Field
	// Outcomes are the 回访 form's choices.
	Outcomes []decision
	// routes are the other ways to resolve a dispute that a FieldRoutes
	// offers.
	routes []string
	Units  []*engine.Unit
	// Optional are the fields the form offers besides Fields.
	Optional []workflow.Field
	Reasons  []string
	Routes   []check
	Partners []*engine.Unit
	// Feedback is what the parties told from the look-up, which the 回访
	// form shows.
	Feedback []string
	// Colleagues are the registry's people a session's record may name as
	// having mediated too.
	Colleagues []string
	// Sender names the partner body that referred the case in, "" for
	// none: the parties may agree to tell it their agreement's terms.
	Sender    string
	Mediators []*engine.User
	Risks     []engine.Risk
	NewParty  partyForm
	// ConfirmKinds are the steps of judicial confirmation to choose from;
	// ConfirmBy ends the window to apply.
	ConfirmKinds []decision
	ConfirmBy    *time.Time
	// Route is the level the routing suggests for a dispute being accepted
	// elsewhere, whose reason the form then asks for; nil otherwise.
	Route *engine.Route
	// MaxFile says how large an attachment may be.
	MaxFile string
	V       values
	E       map[string]string
	Summary string
}

// lookupAction finds what the actor may do named name on c: a transition or
// an activity from the workflow table, or the 回访 that records one of
// those.
func (s *Server) lookupAction(c echo.Context, k *engine.Case, name string) (*actionForm, *workflow.Transition, error) {
	trs, acts, err := s.Engine.Allowed(c.Request().Context(), actor(c), k)
	if err != nil {
		return nil, nil, err
	}
	if name == workflow.VisitAction {
		if f, tr := visitForm(c, k, trs, acts); f != nil {
			return f, tr, nil
		}
	}
	for _, tr := range trs {
		if string(tr.Event) == name {
			return &actionForm{Case: k, Name: name, Act: name, Label: tr.Label(), Fields: tr.Requires, Optional: tr.Optional,
				Reasons: tr.PersonReasons(), routes: tr.RoutesOf()}, &tr, nil
		}
	}
	for _, r := range acts {
		if string(r.Activity) == name {
			return &actionForm{Case: k, Name: name, Act: name, Label: r.Label, Fields: r.Requires, routes: workflow.Routes}, nil, nil
		}
	}
	if _, _, ok := workflow.LookupActivity(k.State, workflow.Activity(name)); ok && !engine.OfferActivity(k, workflow.Activity(name)) {
		return nil, nil, engine.Errorf(engine.ECONFLICT, "本案现在不能%s。", workflow.Activity(name).Label())
	}
	if _, known, _ := workflow.LookupActivity(k.State, workflow.Activity(name)); known || workflow.Event(name).Known() || name == workflow.VisitAction {
		return nil, nil, engine.Errorf(engine.EFORBIDDEN, "本案当前为“%s”，您不能执行这项操作。", k.State.Label())
	}
	return nil, nil, engine.Errorf(engine.ENOTFOUND, "没有这项操作。")
}

// visitForm is the one 回访 form: its outcomes are the rows recording a
// visit that the actor may use on c, and the outcome posted picks the row
// it does (none until one is chosen). It is nil when no such row is
// allowed.
func visitForm(c echo.Context, k *engine.Case, trs []workflow.Transition, acts []workflow.ActivityRule) (*actionForm, *workflow.Transition) {
	f := &actionForm{Case: k, Name: workflow.VisitAction, Label: "回访", Fields: []workflow.Field{workflow.FieldVisit}}
	var chosen *workflow.Transition
	pick := c.FormValue("outcome")
	for _, o := range workflow.VisitOutcomes {
		for _, tr := range trs {
			if string(tr.Event) == o.Action {
				f.Outcomes = append(f.Outcomes, decision{o.Action, o.Label})
				if tr.Needs(workflow.FieldRoutes) {
					f.Fields, f.routes = append(f.Fields, workflow.FieldRoutes), tr.RoutesOf()
				}
				if pick == o.Action {
					f.Act, chosen = o.Action, &tr
				}
			}
		}
		for _, r := range acts {
			if string(r.Activity) == o.Action {
				f.Outcomes = append(f.Outcomes, decision{o.Action, o.Label})
				if pick == o.Action {
					f.Act = o.Action
				}
			}
		}
	}
	if len(f.Outcomes) == 0 {
		return nil, nil
	}
	return f, chosen
}

// fill adds the choices the form's fields need.
func (s *Server) fill(c echo.Context, f *actionForm, tr *workflow.Transition) error {
	ctx := c.Request().Context()
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	f.Routes = checks(f.routes, form["routes"])
	for _, k := range []string{engine.ConfirmApplied, engine.ConfirmConfirmed, engine.ConfirmRefused, engine.ConfirmNone} {
		f.ConfirmKinds = append(f.ConfirmKinds, decision{k, engine.ConfirmLabels[k]})
	}
	f.Partners = tree.Partners(f.Case.LocationUnitID)
	if slices.Contains(f.Fields, workflow.FieldSession) {
		if f.Colleagues, err = s.Registry.Colleagues(ctx, f.Case.HandlingUnitID); err != nil {
			return err
		}
	}
	if f.Name == workflow.VisitAction {
		timeline, err := s.Engine.Store.Events(ctx, f.Case.ID)
		if err != nil {
			return err
		}
		f.Feedback = s.Engine.PartyFeedback(timeline)
	}
	if u := tree.Unit(f.Case.SenderUnitID); u != nil {
		f.Sender = u.Name
	}
	f.MaxFile = fmt.Sprintf("%d MB", s.Engine.MaxAttachment>>20)
	f.Risks = []engine.Risk{engine.RiskGreen, engine.RiskYellow, engine.RiskRed}
	if f.E == nil {
		f.E = map[string]string{}
	}
	if f.V == nil {
		var names []string
		for _, p := range f.Case.Parties {
			names = append(names, p.Name)
		}
		today := s.Engine.Now().In(s.Engine.Location).Format(time.DateOnly)
		f.V = values{"agreement.kind": engine.AgreementWritten, "risk": string(f.Case.Risk), "notice.to": strings.Join(names, "、"),
			"notice.given": today, "confirmation.day": today}
	}
	if tr != nil {
		if r := s.Engine.Suggest(f.Case.Facts()); tr.Event.Accepts() && r.Level != tr.To.Level() {
			f.Route = &r
		}
		switch tr.Target {
		case workflow.ChosenUnit:
			if u := tree.Ancestor(f.Case.LocationUnitID, tr.To.Level()); u != nil {
				f.Units = []*engine.Unit{u}
			}
		case workflow.ChildUnit:
			f.Units = tree.OpenChildren(f.Case.HandlingUnitID)
			if f.V["unit"] == "" {
				for _, u := range f.Units {
					if tree.Contains(u.ID, f.Case.LocationUnitID) {
						f.V["unit"] = u.Code
					}
				}
			}
		}
	}
	for _, fl := range f.Fields {
		switch fl {
		case workflow.FieldMediator:
			if f.Mediators, err = s.Engine.Mediators(ctx, f.Case.HandlingUnitID); err != nil {
				return err
			}
		case workflow.FieldConfirm:
			ags, err := s.Engine.Agreements(ctx, actor(c), f.Case.ID)
			if err != nil {
				return err
			}
			if n := len(ags); n > 0 {
				f.ConfirmBy = s.Engine.ConfirmDeadline(f.Case, ags[n-1])
			}
		}
	}
	var party []*engine.Party
	if p := newParty(f.V.params()); p != nil {
		party = []*engine.Party{p.Party()}
	}
	// An error of a whole record (no visit filled in at all) is shown
	// at its first input.
	for whole, first := range firstInput {
		if m, ok := f.E[whole]; ok && f.E[first] == "" {
			delete(f.E, whole)
			f.E[first] = m
		}
	}
	errs := map[string]string{}
	for k, m := range f.E {
		// The engine numbers a new party after the case's others.
		if _, rest, ok := cutParty(k); ok {
			errs["parties.0."+rest] = m
		}
	}
	f.NewParty = partyForms(party, errs, 1)[0]
	f.NewParty.Num = len(f.Case.Parties) + 1
	if len(f.E) > 0 {
		f.Summary = fmt.Sprintf("有%d处需要更正，见标红的说明。", len(f.E))
		// A message about something the form has no input for is said
		// in the summary itself.
		for k, m := range f.E {
			if !f.hasInput(k) {
				f.Summary = fmt.Sprintf("有%d处需要更正：%s", len(f.E), m)
			}
		}
	}
	return nil
}

// firstInput names the first input of each record a form fills in.
var firstInput = map[string]string{"visit": "visit.visited", "agreement": "agreement.terms", "session": "session.record",
	"notice": "notice.to", "confirmation": "confirmation.kind", "new_party": "parties.0.name"}

// hasInput reports whether the form shows the error of an input named
// name: one of its fields, or a part of one (agreement.terms).
func (f *actionForm) hasInput(name string) bool {
	if name == "outcome" {
		return len(f.Outcomes) > 0
	}
	for _, fl := range slices.Concat(f.Fields, f.Optional) {
		switch {
		case string(fl) == name, strings.HasPrefix(name, string(fl)+"."):
			return true
		case fl == workflow.FieldNewParty && strings.HasPrefix(name, "parties."):
			return true
		}
	}
	return false
}

// cutParty splits "parties.N.field".
func cutParty(k string) (int, string, bool) {
	var n int
	var rest string
	if _, err := fmt.Sscanf(k, "parties.%d.%s", &n, &rest); err != nil {
		return 0, "", false
	}
	return n, rest, true
}

// action finds the case and the action of the request.
func (s *Server) action(c echo.Context) (*engine.Case, *actionForm, *workflow.Transition, error) {
	k, err := s.caseParam(c)
	if err != nil {
		return nil, nil, nil, err
	}
	// The upload's route names its action in the pattern itself.
	name := c.Param("action")
	if name == "" {
		name = path.Base(c.Path())
	}
	f, tr, err := s.lookupAction(c, k, name)
	return k, f, tr, err
}

func (s *Server) handleActionForm(c echo.Context) error {
	_, f, tr, err := s.action(c)
	if err != nil {
		return err
	}
	if err := s.fill(c, f, tr); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewAction, f.Label, f)
}

// handleAction fires the event or records the activity. Bad input re-renders
// the form with its messages; a change by someone else meanwhile shows the
// case as it is now.
func (s *Server) handleAction(c echo.Context) error {
	k, f, tr, err := s.action(c)
	if err != nil {
		return err
	}
	v := formValues(c)
	in, errs := parseInput(c, s.Engine.Location)
	if f.Act == "" {
		errs["outcome"] = "请选择回访结果。"
	}
	files, closeFiles, err := uploads(c)
	defer closeFiles()
	if err != nil {
		return err
	}
	in.Files = files
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		ctx := c.Request().Context()
		var done *engine.Case
		if tr != nil {
			done, err = s.Engine.Fire(ctx, actor(c), k.ID, tr.Event, in)
		} else {
			done, err = s.Engine.Record(ctx, actor(c), k.ID, workflow.Activity(f.Act), in)
		}
		switch engine.ErrorCode(err) {
		case "":
			// The page after says what changed.
			msg, err := s.Engine.Outcome(ctx, done, f.Act)
			if err != nil {
				return err
			}
			s.sessions.Put(ctx, sessionFlash, msg)
			return c.Redirect(http.StatusSeeOther, "/cases/"+strconv.FormatInt(k.ID, 10))
		case engine.EINVALID:
			errs = engine.ErrorFields(err)
			if len(errs) == 0 {
				errs = map[string]string{"reason": engine.ErrorMessage(err)}
			}
		case engine.ETOOLARGE, engine.EUNSUPPORTED:
			errs, status = engine.ErrorFields(err), statusOf[engine.ErrorCode(err)]
		case engine.ECONFLICT:
			if engine.ErrorField(err) != "version" {
				return s.showConflict(c, k.ID, err)
			}
			return s.staleForm(c, f, tr, v, err)
		default:
			return err
		}
	}
	f.V, f.E = v, errs
	if err := s.fill(c, f, tr); err != nil {
		return err
	}
	return s.render(c, status, viewAction, f.Label, f)
}

// staleForm brings back a form sent from a page the case has moved on
// from, filled in as it was sent, saying what changed. When the step still
// fits the case, the form now carries the current version, so that sending
// it again, having read the changes, records it; when it no longer fits,
// the form says so and keeps the text for the user to copy.
func (s *Server) staleForm(c echo.Context, f *actionForm, tr *workflow.Transition, v values, stale error) error {
	summary := engine.ErrorMessage(stale)
	k, err := s.caseParam(c)
	if err != nil {
		return err
	}
	if now, nowTr, err := s.lookupAction(c, k, f.Name); err == nil {
		f, tr = now, nowTr
		summary += "您填写的内容都在下面，核对无误请再次提交。"
	} else {
		summary += engine.ErrorMessage(err) + "您填写的内容都在下面，可复制留存。"
	}
	f.V = v
	if err := s.fill(c, f, tr); err != nil {
		return err
	}
	f.Summary = summary
	return s.render(c, http.StatusConflict, viewAction, f.Label, f)
}
