package report

import (
	"context"
	"slices"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// The oracle: the same report computed by replaying every case's event log
// in Go, to check the store's SQL against. It lives in the tests alone.

// ReportFromLog computes the same report by replaying every case's event
// log. It is slower; it exists to check the fast one.
func (e *Service) ReportFromLog(ctx context.Context, a engine.Actor, unitCode, period string) (*Report, error) {
	return e.report(ctx, a, unitCode, period, e.monthFromLog)
}

// loggedEvent is an event of the period, as the event log's replay reads it.
type loggedEvent struct {
	CaseID int64
	Name   string
	// Confirmation is the kind of a judicial confirmation step, "" for
	// other events.
	Confirmation string
	ActorID      int64
	ActorName    string
	Role         workflow.Role
	Automatic    bool
}

// monthFromLog replays the event log of every case in scope.
func (e *Service) monthFromLog(ctx context.Context, s scope, start, end time.Time, mediators bool) (*PeriodData, error) {
	units := s.units
	var facts []CaseFacts
	var events []loggedEvent
	for offset := 0; ; offset += 500 {
		cases, _, err := e.Store.Cases(ctx, engine.CaseFilter{Units: units, Offset: offset, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			if !slices.Contains(units, c.LocationUnitID) || !c.OpenedAt.Before(end) {
				continue
			}
			evs, err := e.Engine.Store.Events(ctx, c.ID)
			if err != nil {
				return nil, err
			}
			f := CaseFacts{ID: c.ID, LocationUnitID: c.LocationUnitID, Category: c.Category, Source: c.Source,
				People: c.People, Flags: c.Flags, OpenedAt: c.OpenedAt}
			var last *engine.Event
			for _, ev := range evs {
				at := ev.At
				if at.Before(end) {
					last = ev
					if ev.Role == workflow.RoleMediator {
						f.LastMediator = ev.ActorID
					}
				}
				if !at.Before(start) && at.Before(end) {
					events = append(events, loggedEvent{CaseID: c.ID, Name: string(ev.Name), Confirmation: ev.Data.Confirmation, ActorID: ev.ActorID,
						ActorName: ev.ActorName, Role: ev.Role, Automatic: ev.Automatic})
				}
				switch {
				case ev.Transition() && ev.To.Kind() == workflow.KindTier && f.AcceptedAt == nil:
					f.AcceptedAt = &at
				case ev.Name == workflow.Refer.Step() && f.ReferredAt == nil:
					f.ReferredAt = &at
				case ev.Name == workflow.Agree.Step() && f.AgreedAt == nil:
					f.AgreedAt, f.AgreedTier = &at, ev.From.Level()
					f.AgreedKind, f.AgreementAmount = ev.Data.AgreementKind, ev.Data.Amount
				}
				if ev.Name == workflow.Archive.Step() && f.ArchivedAt == nil {
					f.ArchivedAt = &at
				}
				if ev.Transition() && (ev.To == workflow.Agreed || ev.To == workflow.Failed || ev.To == workflow.Withdrawn) {
					f.CommitteeID = ev.CommitteeID
				}
				if ev.Transition() && ev.To.Terminal() && f.ClosedAt == nil {
					f.ClosedAt, f.Outcome = &at, ev.To
				}
			}
			if last != nil {
				f.StateAtEnd = last.To
				snap := &engine.Case{State: last.To, DueAt: last.DueAt, OverallDueAt: last.OverallDueAt, SuspendedAt: last.SuspendedAt}
				f.OverdueAtEnd = snap.State.Open() && snap.LatestPassed(end) != nil
			}
			facts = append(facts, f)
		}
		if len(cases) < 500 {
			break
		}
	}
	d := periodFromFacts(facts, events, start, end)
	if !mediators {
		d.Mediators = nil
	}
	return d, nil
}

// periodFromFacts builds a period's data from the facts of the cases in
// scope and the period's events, as the store reads it from the columns.
func periodFromFacts(facts []CaseFacts, events []loggedEvent, start, end time.Time) *PeriodData {
	d := &PeriodData{}
	location := map[int64]int64{}
	for i := range facts {
		c := &facts[i]
		location[c.ID] = c.LocationUnitID
		d.Cases = append(d.Cases, periodCase(c, start, end))
		if c.StateAtEnd.Open() {
			d.AtEnd = append(d.AtEnd, *c)
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
