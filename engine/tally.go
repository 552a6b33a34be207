package engine

import (
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Moment names a time in a case's facts that a figure counts in a period.
type Moment string

// The moments of a case's facts.
const (
	MomentOpened   Moment = "opened"
	MomentAccepted Moment = "accepted"
	MomentReferred Moment = "referred"
	MomentAgreed   Moment = "agreed"
	MomentClosed   Moment = "closed"
	MomentArchived Moment = "archived"
)

// At returns the case's time for m, nil if the case has none.
func (c *CaseFacts) At(m Moment) *time.Time {
	switch m {
	case MomentOpened:
		return &c.OpenedAt
	case MomentAccepted:
		return c.AcceptedAt
	case MomentReferred:
		return c.ReferredAt
	case MomentAgreed:
		return c.AgreedAt
	case MomentClosed:
		return c.ClosedAt
	case MomentArchived:
		return c.ArchivedAt
	}
	return nil
}

// EndState is what a rule asks of a case at the period's end.
type EndState string

// The states at the end that figures count.
const (
	EndOpen    EndState = "open"
	EndOverdue EndState = "overdue"
)

// Rule says which cases a figure counts in a period. It is declared once,
// in FigureTable, and read on one case's facts (In) or on a group of cases
// that share everything the rule tests besides its moment (see FactGroup).
//
// A case counts when its Moment falls in the period and it has the
// Outcome, the agreement Tier and Kind, and the Flag of the rule, where
// these are set. A rule with AtEnd counts instead the cases open (or open
// and overdue) at the period's end, which only the facts can tell.
type Rule struct {
	Moment  Moment
	Outcome workflow.State
	Tier    workflow.Level
	Kind    string
	Flag    string
	AtEnd   EndState
}

// In tests whether a case counts in the rule for [start, end).
func (r Rule) In(c *CaseFacts, start, end time.Time) bool {
	switch r.AtEnd {
	case EndOpen:
		return c.StateAtEnd.Open()
	case EndOverdue:
		return c.StateAtEnd.Open() && c.OverdueAtEnd
	}
	return in(c.At(r.Moment), start, end) && r.matches(c.Outcome, c.AgreedTier, c.AgreedKind, c.Flags)
}

// matches tests the values of a case, or of a group of cases, that the
// rule asks for besides its moment.
func (r Rule) matches(outcome workflow.State, tier workflow.Level, kind string, flags []string) bool {
	return (r.Outcome == "" || outcome == r.Outcome) && (r.Tier == "" || tier == r.Tier) &&
		(r.Kind == "" || kind == r.Kind) && (r.Flag == "" || slices.Contains(flags, r.Flag))
}

// Measure is what a Tally adds up over the cases whose moment fell in the
// period.
type Measure string

// The measures of a tally.
const (
	MeasureCases  Measure = "cases"
	MeasurePeople Measure = "people"
	// MeasureAmount adds up the amounts of the cases' first agreements, in
	// fen.
	MeasureAmount Measure = "amount"
)

// Tally is one additive quantity the store adds up over each group of
// cases: the cases whose Moment fell in the period, or their people or
// agreed amounts.
type Tally struct {
	Moment Moment
	Of     Measure
}

// of returns what the tally adds for one case whose moment fell in the
// period.
func (t Tally) of(c *CaseFacts) int64 {
	switch t.Of {
	case MeasurePeople:
		return int64(c.People)
	case MeasureAmount:
		return c.AgreementAmount
	}
	return 1
}

// FactGroup is the cases in scope that share a location and every value a
// rule tests besides its moment, with the tallies of PeriodTallies over
// them: Values[i] is the i-th.
type FactGroup struct {
	LocationUnitID int64
	Outcome        workflow.State
	AgreedTier     workflow.Level
	AgreedKind     string
	Flags          []string
	Values         []int64
}

// Breakdown counts the cases of one location, category and source accepted
// in the period.
type Breakdown struct {
	LocationUnitID int64
	Category       string
	Source         string
	Count          int
}

// AgreementSpan is the time from a case's first acceptance to its first
// agreement, for a case agreed in the period.
type AgreementSpan struct {
	LocationUnitID int64
	Seconds        float64
}

// EventCount counts a period's events of one kind on the cases of one
// location: escalations by hand or by the scheduler, follow-up visits, and
// judicial confirmation steps by their kind.
type EventCount struct {
	LocationUnitID int64
	Name           string
	Automatic      bool
	Confirmation   string
	Count          int
}

// FigureEvents are the events a period's figures count: escalations,
// follow-up visits and judicial confirmation steps.
var FigureEvents = []string{string(workflow.Escalate), string(workflow.FollowUp), string(workflow.Fulfil),
	string(workflow.CloseUnperformed), string(workflow.Confirm)}

// MediatorCount is one mediator's period: the cases they recorded anything
// on and the agreements they recorded. A mediator is known by their
// account, or, in an imported history that names nobody, by the name on
// the events (麟湖村调解员); Name is the least of the names on their events.
type MediatorCount struct {
	ActorID    int64
	Name       string
	Cases      int
	Agreements int
}

// PeriodData is what a period's figures are computed from, for the cases
// located in a scope: the groups of cases with their tallies, the cases
// accepted by category and source, the facts of the cases open at the
// period's end, the spans to agreement, the counted events and the
// mediators' work. The store reads it from the case columns and the events
// (ReportPeriod); the engine also builds it by replaying the event log, to
// check the store.
type PeriodData struct {
	Groups    []FactGroup
	Accepted  []Breakdown
	AtEnd     []CaseFacts
	Spans     []AgreementSpan
	Events    []EventCount
	Mediators []MediatorCount
}

// periodSum is one additive part of a period's figures: a tally over the
// groups a rule matches, and where it goes in the figures.
type periodSum struct {
	rule  Rule
	tally int // index in PeriodTallies
	add   func(t *tally, v int64)
}

// PeriodTallies are the tallies the store adds up over each group of cases,
// as the period's sums need them.
var PeriodTallies, periodSums = sums()

// tally is a period's figures being added up, with the agreed amount kept in
// fen until the end.
type tally struct {
	Figures
	fen int64
}

// sums lists the additive parts of a period's figures: each figure of
// FigureTable that counts cases in the period, then the people and amounts
// some figures need.
func sums() ([]Tally, []periodSum) {
	var tallies []Tally
	var out []periodSum
	add := func(r Rule, of Measure, to func(t *tally, v int64)) {
		k := slices.Index(tallies, Tally{r.Moment, of})
		if k < 0 {
			k = len(tallies)
			tallies = append(tallies, Tally{r.Moment, of})
		}
		out = append(out, periodSum{rule: r, tally: k, add: to})
	}
	for _, fig := range FigureTable {
		if fig.Cases == nil || fig.Cases.AtEnd != "" {
			continue
		}
		count := fig.Count
		add(*fig.Cases, MeasureCases, func(t *tally, v int64) { *count(&t.Figures) += int(v) })
	}
	add(Rule{Moment: MomentAccepted}, MeasurePeople, func(t *tally, v int64) { t.PeopleInvolved += int(v) })
	add(Rule{Moment: MomentAgreed}, MeasureAmount, func(t *tally, v int64) { t.fen += v })
	for _, p := range []struct {
		flag string
		to   func(f *Figures) *PeopleCount
	}{
		{FlagCivilToCriminal, func(f *Figures) *PeopleCount { return &f.Prevented.CivilToCriminal }},
		{FlagGroupPetition, func(f *Figures) *PeopleCount { return &f.Prevented.GroupPetition }},
		{FlagGroupFight, func(f *Figures) *PeopleCount { return &f.Prevented.GroupFight }},
		{FlagSuicide, func(f *Figures) *PeopleCount { return &f.Prevented.Suicide }},
	} {
		add(Rule{Moment: MomentAgreed, Flag: p.flag}, MeasurePeople, func(t *tally, v int64) { p.to(&t.Figures).People += int(v) })
	}
	return tallies, out
}

// periodFromFacts builds a period's data from the facts of the cases in
// scope and the period's events, as the store reads it from the columns.
func periodFromFacts(facts []CaseFacts, events []MonthEvent, start, end time.Time) *PeriodData {
	d := &PeriodData{}
	type group struct {
		loc         int64
		outcome     workflow.State
		tier        workflow.Level
		kind, flags string
	}
	groups := map[group]int{}
	type breakdown struct {
		loc           int64
		category, src string
	}
	accepted := map[breakdown]int{}
	location := map[int64]int64{}
	for i := range facts {
		c := &facts[i]
		location[c.ID] = c.LocationUnitID
		g := group{c.LocationUnitID, c.Outcome, c.AgreedTier, c.AgreedKind, strings.Join(c.Flags, ",")}
		k, ok := groups[g]
		if !ok {
			k = len(d.Groups)
			groups[g] = k
			d.Groups = append(d.Groups, FactGroup{LocationUnitID: g.loc, Outcome: g.outcome, AgreedTier: g.tier, AgreedKind: g.kind,
				Flags: c.Flags, Values: make([]int64, len(PeriodTallies))})
		}
		for i, t := range PeriodTallies {
			if in(c.At(t.Moment), start, end) {
				d.Groups[k].Values[i] += t.of(c)
			}
		}
		if in(c.AcceptedAt, start, end) {
			b := breakdown{c.LocationUnitID, c.Category, c.Source}
			k, ok := accepted[b]
			if !ok {
				k = len(d.Accepted)
				accepted[b] = k
				d.Accepted = append(d.Accepted, Breakdown{LocationUnitID: b.loc, Category: b.category, Source: b.src})
			}
			d.Accepted[k].Count++
		}
		if c.StateAtEnd.Open() {
			d.AtEnd = append(d.AtEnd, *c)
		}
		if in(c.AgreedAt, start, end) && c.AcceptedAt != nil {
			d.Spans = append(d.Spans, AgreementSpan{LocationUnitID: c.LocationUnitID, Seconds: c.AgreedAt.Sub(*c.AcceptedAt).Seconds()})
		}
	}
	type kind struct {
		loc          int64
		name         string
		automatic    bool
		confirmation string
	}
	counts := map[kind]int{}
	type who struct {
		id   int64
		name string
	}
	mediators := map[who]*MediatorCount{}
	cases := map[who]map[int64]bool{}
	for _, ev := range events {
		if slices.Contains(FigureEvents, ev.Name) {
			k := kind{location[ev.CaseID], ev.Name, ev.Automatic, ev.Confirmation}
			if _, ok := counts[k]; !ok {
				d.Events = append(d.Events, EventCount{LocationUnitID: k.loc, Name: k.name, Automatic: k.automatic, Confirmation: k.confirmation})
			}
			counts[k]++
		}
		if ev.Role != workflow.RoleMediator {
			continue
		}
		k := who{ev.ActorID, ""}
		if ev.ActorID == 0 {
			k.name = ev.ActorName
		}
		m := mediators[k]
		if m == nil {
			m = &MediatorCount{ActorID: ev.ActorID, Name: ev.ActorName}
			mediators[k], cases[k] = m, map[int64]bool{}
		}
		m.Name = min(m.Name, ev.ActorName)
		cases[k][ev.CaseID] = true
		if ev.Name == string(workflow.Agree) {
			m.Agreements++
		}
	}
	for i := range d.Events {
		ev := &d.Events[i]
		ev.Count = counts[kind{ev.LocationUnitID, ev.Name, ev.Automatic, ev.Confirmation}]
	}
	for k, m := range mediators {
		m.Cases = len(cases[k])
		d.Mediators = append(d.Mediators, *m)
	}
	return d
}

// only returns the part of the data on the cases located in units (the
// mediators' work excepted, which the report shows for its whole scope).
func (d *PeriodData) only(units map[int64]bool) *PeriodData {
	out := &PeriodData{}
	for _, g := range d.Groups {
		if units[g.LocationUnitID] {
			out.Groups = append(out.Groups, g)
		}
	}
	for _, b := range d.Accepted {
		if units[b.LocationUnitID] {
			out.Accepted = append(out.Accepted, b)
		}
	}
	for _, c := range d.AtEnd {
		if units[c.LocationUnitID] {
			out.AtEnd = append(out.AtEnd, c)
		}
	}
	for _, s := range d.Spans {
		if units[s.LocationUnitID] {
			out.Spans = append(out.Spans, s)
		}
	}
	for _, ev := range d.Events {
		if units[ev.LocationUnitID] {
			out.Events = append(out.Events, ev)
		}
	}
	return out
}
