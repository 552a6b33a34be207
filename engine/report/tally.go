package report

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
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
	// MomentMediated is when the case's mediation ended: its first agree,
	// fail or withdraw event. An agreement always comes first, as failing
	// and withdrawing close the case.
	MomentMediated Moment = "mediated"
)

// Moments are the moments of a case's facts, in a fixed order: the store
// reports which of them fell in a period as a set of bits in this order
// (see PeriodCase.In).
var Moments = []Moment{MomentOpened, MomentAccepted, MomentReferred, MomentAgreed, MomentClosed, MomentArchived, MomentMediated}

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
	case MomentMediated:
		if c.AgreedAt != nil {
			return c.AgreedAt
		}
		if c.Outcome == workflow.Failed || c.Outcome == workflow.Withdrawn {
			return c.ClosedAt
		}
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
// in FigureTable, and read on one case's facts (In) or on what a period
// needs of a case (counts).
//
// A case counts when its Moment falls in the period and it has the
// Outcome, the agreement Tier and Kind, the Flag and the Source of the
// rule, where these are set. A rule with AtEnd counts instead the cases open (or open
// and overdue) at the period's end, which only the facts can tell.
type Rule struct {
	Moment  Moment
	Outcome workflow.State
	Tier    workflow.Level
	Kind    string
	Flag    string
	Source  string
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
	return in(c.At(r.Moment), start, end) && r.matches(c.Outcome, c.AgreedTier, c.AgreedKind, c.Flags, c.Source)
}

// counts tests whether a case counts in a rule without AtEnd for the period
// the case was read for; bit is the bit of the rule's moment (momentBit),
// found once for the loop over every case of a period.
func (r Rule) counts(bit uint, c *PeriodCase) bool {
	return c.Moments&bit != 0 && r.matches(c.Outcome, c.AgreedTier, c.AgreedKind, c.Flags, c.Source)
}

// matches tests the values of a case that the rule asks for besides its
// moment.
func (r Rule) matches(outcome workflow.State, tier workflow.Level, kind string, flags []string, source string) bool {
	return (r.Outcome == "" || outcome == r.Outcome) && (r.Tier == "" || tier == r.Tier) &&
		(r.Kind == "" || kind == r.Kind) && (r.Flag == "" || slices.Contains(flags, r.Flag)) &&
		(r.Source == "" || source == r.Source)
}

// PeriodCase is what a period's figures need of one case in scope: which of
// its moments fell in the period, the values rules test, and what figures
// add up. It holds no times, so that the store reads it cheaply for every
// case of a county's year.
type PeriodCase struct {
	LocationUnitID  int64
	CommitteeID     int64 // whose file the case is, 0 before its mediation ended
	Category        string
	Source          string
	Outcome         workflow.State
	AgreedTier      workflow.Level
	AgreedKind      string
	Flags           []string
	People          int
	AgreementAmount int64 // of the first agreement, fen
	// Moments has bit i set when Moments[i] fell in the period.
	Moments uint
	// AgreementSeconds, for a case agreed in the period after being
	// accepted, is the time from its first acceptance to its first
	// agreement, in seconds.
	AgreementSeconds *float64
}

// In reports whether the case's moment m fell in the period.
func (c *PeriodCase) In(m Moment) bool { return c.Moments&momentBit(m) != 0 }

// momentBit is m's bit in PeriodCase.Moments, 0 for no moment.
func momentBit(m Moment) uint {
	if i := slices.Index(Moments, m); i >= 0 {
		return 1 << i
	}
	return 0
}

// periodCase is what the period [start, end) needs of a case's facts.
func periodCase(c *CaseFacts, start, end time.Time) PeriodCase {
	p := PeriodCase{LocationUnitID: c.LocationUnitID, CommitteeID: c.CommitteeID, Category: c.Category, Source: c.Source, Outcome: c.Outcome,
		AgreedTier: c.AgreedTier, AgreedKind: c.AgreedKind, Flags: c.Flags, People: c.People, AgreementAmount: c.AgreementAmount}
	for i, m := range Moments {
		if in(c.At(m), start, end) {
			p.Moments |= 1 << i
		}
	}
	if in(c.AgreedAt, start, end) && c.AcceptedAt != nil {
		s := c.AgreedAt.Sub(*c.AcceptedAt).Seconds()
		p.AgreementSeconds = &s
	}
	return p
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
// located in a scope: what the period needs of each case in it, the facts
// of the cases open at its end, the counted events and the mediators' work.
// The store reads it from the case columns and the events (ReportPeriod);
// the engine also builds it by replaying the event log, to check the store.
//
// For a scope of whole towns the store may instead give what the cases and
// events add up to, town by town, from the months' counts it keeps (Towns,
// which may also hold the cases open and overdue at the end: EndCount),
// with the times to agreement that a median needs (Durations), and what
// the cases of each committee add up to, for the committees' table
// (Committees).
type PeriodData struct {
	Cases      []PeriodCase
	AtEnd      []CaseFacts
	Events     []EventCount
	Mediators  []MediatorCount
	Towns      []TownCounts
	Durations  []Duration
	Committees []TownCounts
}

// Counts are what a period's cases and events add up to, by name: each sum
// of periodSums by its key, the cases accepted by category and by source,
// and the counted events by kind. They add up across cases, towns and
// months, so the store keeps them by town and month, changed with each
// write, and a province's year is read from them.
type Counts map[string]int64

// The names of Counts besides the sums' keys.
const (
	categoryCount = "category:"
	sourceCount   = "source:"
	eventCount    = "event:"
)

// add adds what the case adds up to in its period.
func (n Counts) add(c *PeriodCase) {
	for _, s := range periodSums {
		if s.rule.counts(s.bit, c) {
			n[s.key] += s.value(c)
		}
	}
	if c.In(MomentAccepted) {
		n[categoryCount+c.Category]++
		n[sourceCount+c.Source]++
	}
}

// key names the event count in Counts. Only a confirmation's kind counts.
func (ev EventCount) key() string {
	confirmation := ""
	if ev.Name == string(workflow.Confirm) {
		confirmation = ev.Confirmation
	}
	return eventCount + ev.Name + ":" + strconv.FormatBool(ev.Automatic) + ":" + confirmation
}

// event reads an event count's key back.
func event(key string) (EventCount, bool) {
	rest, ok := strings.CutPrefix(key, eventCount)
	parts := strings.SplitN(rest, ":", 3)
	if !ok || len(parts) != 3 {
		return EventCount{}, false
	}
	return EventCount{Name: parts[0], Automatic: parts[1] == "true", Confirmation: parts[2]}, true
}

// TownCounts are what one town's cases and events add up to in a period,
// or with CommitteeID set, its cases whose file is that committee's.
type TownCounts struct {
	TownID      int64
	CommitteeID int64
	Counts      Counts
}

// Duration is the time from a case's first acceptance to its first
// agreement, for a case agreed in the period after being accepted.
type Duration struct {
	LocationUnitID int64
	Seconds        float64
}

// MonthCounts returns what a case adds up to in each month (in loc) that
// one of its moments fell in, by the month's key (2026-03): the counts its
// facts give over that month. The store keeps their sums by town and
// month, taking a case's counts away and adding them anew as it changes.
func MonthCounts(c *CaseFacts, loc *time.Location) map[string]Counts {
	out := map[string]Counts{}
	for _, m := range Moments {
		at := c.At(m)
		if at == nil {
			continue
		}
		local := at.In(loc)
		key := local.Format("2006-01")
		if out[key] != nil {
			continue
		}
		start := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc)
		p := periodCase(c, start, start.AddDate(0, 1, 0))
		n := Counts{}
		n.add(&p)
		out[key] = n
	}
	return out
}

// The cases open and overdue at a month's end are kept in the months'
// counts as changes: a month's row holds how many more cases of its town
// were open (or overdue) at its end than at the end of the month before,
// so that the figure at an instant is the sum of the rows of every month up
// to it, and no period's end is read case by case. Between two moves (the
// events that change a case's state, deadlines or suspension) a case's
// columns hold: it counts as open at every month end after the move that
// opened it, up to the one after the move that ends it; as overdue from
// its first deadline on as well.

// EndCount names the change of the cases at the months' ends in state in
// Counts.
func EndCount(state EndState) string { return endCount + string(state) }

const endCount = "end:"

// EndChanges returns what a case's move at at, from the columns of before
// (nil for a new case) to those of after, changes in the counts of the
// cases open and overdue at the months' ends (in loc), by the month's key.
// A month's end counts a case by the state after its last event before it:
// an event at t moves the figure of the month t falls in, and a deadline at
// d that of the month before the instant d (one exactly at a month's start
// has passed by the end of the month before).
func EndChanges(before, after *engine.Case, at time.Time, loc *time.Location) map[string]Counts {
	out := map[string]Counts{}
	add := func(t time.Time, state EndState, v int64) {
		month := t.In(loc).Format("2006-01")
		n := out[month]
		if n == nil {
			n = Counts{}
			out[month] = n
		}
		if n[EndCount(state)] += v; n[EndCount(state)] == 0 {
			delete(n, EndCount(state))
		}
		if len(n) == 0 {
			delete(out, month)
		}
	}
	if before != nil && before.State.Open() {
		add(at, EndOpen, -1)
		// An overdue case stops counting after the move; one that was
		// not yet takes back the count its deadline had put ahead.
		if from := before.OverdueFrom(); from != nil && !from.After(at) {
			add(at, EndOverdue, -1)
		} else if from != nil {
			add(from.Add(-time.Nanosecond), EndOverdue, -1)
		}
	}
	if after.State.Open() {
		add(at, EndOpen, 1)
		if from := after.OverdueFrom(); from != nil {
			add(later(from.Add(-time.Nanosecond), at), EndOverdue, 1)
		}
	}
	return out
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// EventMonth returns the month (in loc) and the name in Counts of an event
// that figures count, ok false for the others.
func EventMonth(ev *engine.Event, loc *time.Location) (month, key string, ok bool) {
	if !slices.Contains(FigureEvents, string(ev.Name)) {
		return "", "", false
	}
	count := EventCount{Name: string(ev.Name), Automatic: ev.Automatic, Confirmation: ev.Data.Confirmation}
	return ev.At.In(loc).Format("2006-01"), count.key(), true
}

// FactsOf returns the facts of a case as its columns hold them now.
func FactsOf(k *engine.Case) CaseFacts {
	return CaseFacts{ID: k.ID, LocationUnitID: k.LocationUnitID, CommitteeID: k.CommitteeID, Category: k.Category, Source: k.Source,
		People: k.People, Flags: k.Flags, OpenedAt: k.OpenedAt, AcceptedAt: k.AcceptedAt, ReferredAt: k.ReferredAt,
		AgreedAt: k.AgreedAt, AgreedTier: k.AgreedTier, AgreedKind: k.AgreedKind, AgreementAmount: k.AgreementAmount,
		ClosedAt: k.ClosedAt, Outcome: k.Outcome, ArchivedAt: k.ArchivedAt, StateAtEnd: k.State}
}

// measure is what a periodSum adds up over the cases its rule counts.
type measure int

const (
	measureCases measure = iota
	measurePeople
	measureAmount // of the first agreement, in fen
)

// periodSum is one additive part of a period's figures: the cases a rule
// counts, or their people or agreed amounts, and where it goes.
type periodSum struct {
	// key names the sum in Counts, and in the months' counts the store
	// keeps: it is stored, so it never changes.
	key  string
	rule Rule
	bit  uint // of the rule's moment
	of   measure
	add  func(t *tally, v int64)
}

// value is what the sum adds for one case that counts.
func (s periodSum) value(c *PeriodCase) int64 {
	switch s.of {
	case measurePeople:
		return int64(c.People)
	case measureAmount:
		return c.AgreementAmount
	}
	return 1
}

// periodSums are the additive parts of a period's figures: each figure of
// FigureTable that counts cases in the period, then the people and amounts
// some figures need.
var periodSums = sums()

// tally is a period's figures being added up, with the agreed amount kept in
// fen until the end.
type tally struct {
	Figures
	fen int64
}

func sums() []periodSum {
	var out []periodSum
	keys := map[string]bool{}
	add := func(key string, r Rule, of measure, to func(t *tally, v int64)) {
		if keys[key] {
			panic("report: two sums named " + key)
		}
		keys[key] = true
		out = append(out, periodSum{key: key, rule: r, bit: momentBit(r.Moment), of: of, add: to})
	}
	for _, fig := range FigureTable {
		if fig.Cases == nil || fig.Cases.AtEnd != "" {
			continue
		}
		count := fig.Count
		add(fig.Key, *fig.Cases, measureCases, func(t *tally, v int64) { *count(&t.Figures) += int(v) })
	}
	add("people_involved", Rule{Moment: MomentAccepted}, measurePeople, func(t *tally, v int64) { t.PeopleInvolved += int(v) })
	add("agreement_fen", Rule{Moment: MomentAgreed}, measureAmount, func(t *tally, v int64) { t.fen += v })
	for _, p := range []struct {
		flag string
		to   func(f *Figures) *PeopleCount
	}{
		{engine.FlagCivilToCriminal, func(f *Figures) *PeopleCount { return &f.Prevented.CivilToCriminal }},
		{engine.FlagGroupPetition, func(f *Figures) *PeopleCount { return &f.Prevented.GroupPetition }},
		{engine.FlagGroupFight, func(f *Figures) *PeopleCount { return &f.Prevented.GroupFight }},
		{engine.FlagSuicide, func(f *Figures) *PeopleCount { return &f.Prevented.Suicide }},
	} {
		add("prevented_people:"+p.flag, Rule{Moment: MomentAgreed, Flag: p.flag}, measurePeople, func(t *tally, v int64) { p.to(&t.Figures).People += int(v) })
	}
	return out
}

// split parts the data on the cases by the part each is located in (part
// maps a unit to the index of its part, among n; a unit it lacks is in
// none), in one pass however many parts there are. The mediators' work,
// which the report shows for its whole scope, is left out. (A province's
// cities, each filtering its year's 771,830 times to agreement in turn,
// took a tenth of a second.)
func (d *PeriodData) split(part map[int64]int, n int) []*PeriodData {
	out := make([]*PeriodData, n)
	for i := range out {
		out[i] = &PeriodData{}
	}
	splitInto(d.Cases, part, out, func(c PeriodCase) int64 { return c.LocationUnitID }, func(p *PeriodData) *[]PeriodCase { return &p.Cases })
	splitInto(d.AtEnd, part, out, func(c CaseFacts) int64 { return c.LocationUnitID }, func(p *PeriodData) *[]CaseFacts { return &p.AtEnd })
	splitInto(d.Events, part, out, func(ev EventCount) int64 { return ev.LocationUnitID }, func(p *PeriodData) *[]EventCount { return &p.Events })
	splitInto(d.Towns, part, out, func(t TownCounts) int64 { return t.TownID }, func(p *PeriodData) *[]TownCounts { return &p.Towns })
	splitInto(d.Durations, part, out, func(x Duration) int64 { return x.LocationUnitID }, func(p *PeriodData) *[]Duration { return &p.Durations })
	return out
}

// splitInto appends each element of xs to the field of the part its unit
// is in.
func splitInto[T any](xs []T, part map[int64]int, parts []*PeriodData, unit func(T) int64, field func(*PeriodData) *[]T) {
	for _, x := range xs {
		if i, ok := part[unit(x)]; ok {
			f := field(parts[i])
			*f = append(*f, x)
		}
	}
}
