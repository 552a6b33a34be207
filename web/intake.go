package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/form"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// intakeForm is everything the new-case and doorstep forms show.
type intakeForm struct {
	// Colleagues are the registry's people a 门前调's record may name as
	// having mediated too.
	Colleagues    []string
	V             values
	E             map[string]string
	Summary       string
	Parties       []partyForm
	Sources       []string
	Categories    []string
	Risks         []engine.Risk
	Flags         []check
	Routes        []check
	RejectReasons []string
	Villages      []villageGrids
	Route         engine.Route
	Decisions     []decision
	Duplicates    []*engine.Case
	GridName      string
	// Partner is the partner body of a liaison referring a dispute in,
	// and Town the town whose desk receives it; nil for the others.
	Partner *engine.Unit
	Town    string
}

type villageGrids struct {
	Name  string
	Grids []*engine.Unit
}

type decision struct{ Value, Label string }

// decisions are what a user of role may do with a new dispute: keep it for
// review, or accept it to a level or refuse it where the workflow table
// grants the role that event (a grid mediator accepts at the grid only).
func decisions(role workflow.Role) []decision {
	out := []decision{{"register", "暂不受理，登记待审查"}}
	for _, tr := range workflow.From(workflow.Registered) {
		granted := slices.ContainsFunc(tr.Grants, func(g workflow.Grant) bool { return g.Role == role })
		if tr.Event == workflow.Withdraw || tr.Event == workflow.Refer || !granted {
			continue
		}
		out = append(out, decision{string(tr.Event), tr.Label()})
	}
	return out
}

// newIntakeForm fills the choices of the forms for the user's subtree.
func (s *Server) newIntakeForm(c echo.Context, v values, errs map[string]string, parties []*engine.Party) (*intakeForm, error) {
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return nil, err
	}
	form, _ := c.FormParams()
	f := &intakeForm{V: v, E: errs, Sources: s.Engine.CurrentLists().SourceNames(), Categories: s.Engine.CurrentLists().CategoryNames(),
		Risks: engine.Risks, RejectReasons: workflow.RejectReasons,
		Routes: checks(workflow.Routes, form["routes"]), Decisions: decisions(actor(c).Role)}
	if f.E == nil {
		f.E = map[string]string{}
	}
	if v["people"] == "" {
		v["people"] = "2"
	}

	for _, fl := range s.Engine.CurrentLists().Flags {
		f.Flags = append(f.Flags, check{Name: fl.Name, Key: fl.Key, On: slices.Contains(form["flags"], fl.Key)})
	}
	root := currentUser(c).UnitID
	if p := tree.Unit(root); p != nil && p.Level == workflow.LevelPartner {
		// A partner refers in from its kind's source, anywhere its town
		// or county holds; the desk decides.
		f.Partner, f.Town, root = p, tree.Unit(p.ParentID).Name, p.ParentID
		f.Sources = []string{engine.PartnerSource(p)}
		f.Decisions = []decision{{"register", "移送调解"}}
	}
	for _, id := range tree.Subtree(root) {
		u := tree.Unit(id)
		if u.Level != workflow.LevelVillage {
			continue
		}
		f.Villages = append(f.Villages, villageGrids{Name: u.Name, Grids: tree.OpenChildren(u.ID)})
	}
	switch u := tree.Unit(root); {
	case u == nil:
	case u.Level == workflow.LevelVillage:
		f.Villages = []villageGrids{{Name: u.Name, Grids: tree.OpenChildren(u.ID)}}
	case u.Level == workflow.LevelGrid:
		// A grid mediator registers what happens in the own grid, the one
		// choice, already chosen.
		f.Villages = []villageGrids{{Name: tree.Unit(u.ParentID).Name, Grids: []*engine.Unit{u}}}
		if v["location"] == "" {
			v["location"] = strconv.FormatInt(u.ID, 10)
		}
	}
	f.Parties = partyForms(parties, errs, 2)
	f.Route = s.Engine.Suggest(factsOf(v, form["flags"]))
	// A new form offers the suggested level: pressing 登记 accepts the
	// dispute there, as the desk mostly does; keeping it for review is a
	// choice the clerk makes, and the default where the user may not accept
	// at the suggested level.
	if v["decision"] == "" {
		v["decision"] = "register"
		if ev := acceptAt(f.Route.Level); slices.ContainsFunc(f.Decisions, func(d decision) bool { return d.Value == ev }) {
			v["decision"] = ev
		}
	}
	if len(errs) > 0 {
		f.Summary = fmt.Sprintf("有%d处需要更正，见标红的说明。", len(errs))
	}
	return f, nil
}

func factsOf(v values, flags []string) engine.Facts {
	amount, _ := engine.ParseYuan(v["amount"])
	people, _ := strconv.Atoi(v["people"])
	return engine.Facts{Category: v["category"], Amount: amount, People: people, Risk: engine.Risk(v["risk"]),
		Flags: flags, CrossVillage: v["cross_village"] == "1"}
}

// parseNewCase reads the facts and parties of a new dispute; what does not
// convert is reported by field, and the rest kept.
func (s *Server) parseNewCase(c echo.Context) (*engine.NewCase, map[string]string, error) {
	params, _ := c.FormParams()
	var fc form.Case
	errs := fieldErrors(form.Decode(&fc, params))
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return nil, nil, err
	}
	n, err := fc.NewCase(tree)
	for k, m := range fieldErrors(err) {
		errs[k] = m
	}
	return n, errs, nil
}

// mayRegister refuses the roles that do not register disputes.
func (s *Server) mayRegister(c echo.Context) error {
	if !s.Engine.Abilities(c.Request().Context(), actor(c)).Register {
		return engine.Errorf(engine.EFORBIDDEN, "%s不登记纠纷。", currentUser(c).Role.Label())
	}
	return nil
}

func (s *Server) handleNewCaseForm(c echo.Context) error {
	if err := s.mayRegister(c); err != nil {
		return err
	}
	v := values{"risk": string(engine.RiskGreen)}
	if src := c.QueryParam("source"); slices.Contains(s.Engine.CurrentLists().SourceNames(), src) {
		v["source"] = src
	}
	f, err := s.newIntakeForm(c, v, nil, nil)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewNew, "登记纠纷", f)
}

// handleCreateCase registers a dispute with the desk's decision, all in one
// transaction, after warning of likely duplicates.
func (s *Server) handleCreateCase(c echo.Context) error {
	if err := s.mayRegister(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := formValues(c)
	n, errs, err := s.parseNewCase(c)
	if err != nil {
		return err
	}
	if v["add_party"] != "" || v["refresh"] != "" {
		parties := n.Parties
		if v["add_party"] != "" {
			parties = append(parties, &engine.Party{Side: engine.SideRespondent, Kind: engine.KindPerson})
		}
		f, err := s.newIntakeForm(c, v, nil, parties)
		if err != nil {
			return err
		}
		f.Parties = partyForms(parties, nil, len(parties))
		return s.render(c, http.StatusOK, viewNew, "登记纠纷", f)
	}
	steps, stepErrs := deskDecision(c, v)
	for k, m := range stepErrs {
		errs[k] = m
	}
	fail := func(status int, errs map[string]string, dups []*engine.Case) error {
		f, err := s.newIntakeForm(c, v, errs, n.Parties)
		if err != nil {
			return err
		}
		f.Duplicates = dups
		if len(dups) > 0 && len(errs) == 0 {
			f.Summary = "发现可能重复的案件，请核实后再登记。"
		}
		return s.render(c, status, viewNew, "登记纠纷", f)
	}
	if len(errs) > 0 {
		// The form says every mistake at once: what the engine would
		// refuse as well as what could not be read.
		for k, m := range engine.ErrorFields(s.Partners.CheckNewCase(ctx, actor(c), *n)) {
			if errs[k] == "" {
				errs[k] = m
			}
		}
		return fail(http.StatusUnprocessableEntity, errs, nil)
	}
	if v["confirm_duplicates"] != "1" {
		dups, err := s.Queues.Duplicates(ctx, actor(c), n)
		if err != nil {
			return err
		}
		if len(dups) > 0 {
			return fail(http.StatusOK, nil, dups)
		}
	}
	var k *engine.Case
	if currentUser(c).Role == workflow.RolePartner {
		k, _, err = s.Partners.OpenReferral(ctx, actor(c), n)
	} else {
		k, err = s.Engine.OpenCase(ctx, actor(c), n, steps...)
	}
	if engine.ErrorCode(err) == engine.EINVALID {
		return fail(http.StatusUnprocessableEntity, deskErrors(err, v["decision"]), nil)
	}
	if err != nil {
		return err
	}
	if err := s.flashRegistered(c, k, steps); err != nil {
		return err
	}
	if currentUser(c).Role == workflow.RolePartner {
		// The receipt is the desk's to the parties; a partner follows the
		// case on its page.
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/cases/%d", k.ID))
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/cases/%d/receipt", k.ID))
}

// flashRegistered leaves, for the page after, the number of a case just
// registered and what its last event did with it.
func (s *Server) flashRegistered(c echo.Context, k *engine.Case, steps []engine.Step) error {
	msg := "已登记" + k.Number + "。"
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Event != "" {
			out, err := s.Engine.Outcome(c.Request().Context(), k, string(steps[i].Event))
			if err != nil {
				return err
			}
			msg += out
			break
		}
	}
	s.sessions.Put(c.Request().Context(), sessionFlash, msg)
	return nil
}

// deskDecision turns the desk's choice into the steps that follow
// registration.
func deskDecision(c echo.Context, v values) ([]engine.Step, map[string]string) {
	form, _ := c.FormParams()
	switch d := v["decision"]; {
	case d == "register":
		return nil, nil
	case d == string(workflow.Reject):
		return []engine.Step{{Event: workflow.Reject, Input: engine.Input{Reason: v["reject_reason"], Routes: form["routes"]}}}, nil
	case workflow.Event(d).Accepts():
		return []engine.Step{{Event: workflow.Event(d), Input: engine.Input{Reason: v["accept_reason"]}}}, nil
	}
	return nil, map[string]string{"decision": "请选择如何处理。"}
}

// deskErrors moves the errors of the desk's decision to its inputs.
func deskErrors(err error, decision string) map[string]string {
	out := map[string]string{}
	for k, m := range engine.ErrorFields(err) {
		switch {
		case k == "reason" && decision == string(workflow.Reject):
			k = "reject_reason"
		case k == "reason":
			k = "accept_reason"
		case k == "consent" || k == "unit":
			k = "decision"
		}
		out[k] = m
	}
	if len(out) == 0 {
		out["decision"] = engine.ErrorMessage(err)
	}
	return out
}

// handleRoute answers the routing suggestion for the facts typed so far.
func (s *Server) handleRoute(c echo.Context) error {
	v := values{}
	for k, vs := range c.QueryParams() {
		v[k] = vs[0]
	}
	r := s.Engine.Suggest(factsOf(v, c.QueryParams()["flags"]))
	// The amount as read from what was typed ("5万" is 50000), for the
	// form to show before it is sent; "" when there is none or it cannot
	// be read.
	read := ""
	if fen, err := engine.ParseYuan(v["amount"]); err == nil && strings.TrimSpace(v["amount"]) != "" {
		read = engine.Yuan(fen)
	}
	return c.JSON(http.StatusOK, map[string]any{"level": r.Level, "level_label": r.Level.Label(), "reasons": r.Reasons,
		"event": acceptAt(r.Level), "amount_read": read})
}

// acceptAt is the workflow table's event that accepts a registered dispute
// at level, or the desk's "keep for review" when none does.
func acceptAt(level workflow.Level) string {
	for _, tr := range workflow.From(workflow.Registered) {
		if tr.Event.Accepts() && tr.To.Level() == level {
			return string(tr.Event)
		}
	}
	return "register"
}

func (s *Server) doorstepGrid(c echo.Context) (*engine.Unit, error) {
	if !s.Engine.Abilities(c.Request().Context(), actor(c)).Doorstep {
		return nil, engine.Errorf(engine.EFORBIDDEN, "门前调由网格调解员在本网格使用。")
	}
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return nil, err
	}
	return tree.Unit(currentUser(c).UnitID), nil
}

func (s *Server) handleDoorstepForm(c echo.Context) error {
	grid, err := s.doorstepGrid(c)
	if err != nil {
		return err
	}
	f, err := s.newIntakeForm(c, values{"agreement.kind": engine.AgreementOral, "session.place": grid.Name, "notice_given": "1"}, nil, nil)
	if err != nil {
		return err
	}
	f.GridName = grid.Name
	if f.Colleagues, err = s.Registry.Colleagues(c.Request().Context(), grid.ID); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewDoorstep, "门前调", f)
}

// handleDoorstep registers a dispute at the gate, accepts it to the grid,
// logs the session and records the agreement, in one transaction.
func (s *Server) handleDoorstep(c echo.Context) error {
	grid, err := s.doorstepGrid(c)
	if err != nil {
		return err
	}
	v := formValues(c)
	params, _ := c.FormParams()
	params.Set("source", "门前调")
	params.Set("location", grid.Code)
	params.Set("risk", string(engine.RiskGreen))
	v["source"], v["location"], v["risk"] = "门前调", grid.Code, string(engine.RiskGreen)
	n, errs, err := s.parseNewCase(c)
	if err != nil {
		return err
	}
	in, inErrs := parseInput(c, s.Engine.Location)
	for k, m := range inErrs {
		errs[k] = m
	}
	render := func(status int, errs map[string]string, parties []*engine.Party) error {
		f, err := s.newIntakeForm(c, v, errs, parties)
		if err != nil {
			return err
		}
		f.GridName = grid.Name
		if f.Colleagues, err = s.Registry.Colleagues(c.Request().Context(), grid.ID); err != nil {
			return err
		}
		if v["add_party"] != "" {
			f.Parties = partyForms(parties, nil, len(parties))
		}
		return s.render(c, status, viewDoorstep, "门前调", f)
	}
	if v["add_party"] != "" {
		return render(http.StatusOK, nil, append(n.Parties, &engine.Party{Side: engine.SideRespondent, Kind: engine.KindPerson}))
	}
	if len(errs) > 0 {
		return render(http.StatusUnprocessableEntity, errs, n.Parties)
	}
	if in.Session == nil {
		in.Session = &engine.Session{}
	}
	if in.Agreement == nil {
		in.Agreement = &engine.Agreement{}
	}
	steps := []engine.Step{{Event: workflow.AcceptGrid, Input: engine.Input{Reason: "门前调，就地受理"}}}
	if v["notice_given"] == "1" {
		var names []string
		for _, p := range n.Parties {
			names = append(names, p.Name)
		}
		steps = append(steps, engine.Step{Activity: workflow.RightsNotice, Input: engine.Input{Notice: &engine.Notice{To: strings.Join(names, "、")}}})
	}
	steps = append(steps, engine.Step{Activity: workflow.LogSession, Input: engine.Input{Session: in.Session}},
		engine.Step{Event: workflow.Agree, Input: engine.Input{Agreement: in.Agreement}})
	k, err := s.Engine.OpenCase(c.Request().Context(), actor(c), n, steps...)
	if engine.ErrorCode(err) == engine.EINVALID {
		return render(http.StatusUnprocessableEntity, engine.ErrorFields(err), n.Parties)
	}
	if err != nil {
		return err
	}
	if err := s.flashRegistered(c, k, steps); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/cases/%d", k.ID))
}
