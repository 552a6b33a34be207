package ledger

import (
	"context"
	"slices"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Assessment is the weekly 研判 of a town or a county (绿春's weekly 会商):
// what is gravest on the ledger, the major disputes and their reports, the
// reviews overdue, the villages whose disputes rise, and the new disputes
// that repeat a person or a place of the last 90 days.
type Assessment struct {
	// Unit is where it is held, From and To the week it covers.
	Unit     *engine.Unit
	From, To time.Time
	// Entries are the red and orange entries still listed.
	Entries []*Entry
	// Overdue are the entries whose review is past due at To.
	Overdue []*Entry
	// Major are the open major disputes with their latest 专报.
	Major []MajorCase
	// Rising are the villages with more disputes in the last four weeks
	// than in the four before.
	Rising []Trend
	// Similar are this week's disputes that repeat an earlier one.
	Similar []Similar
}

// MajorCase is an open major dispute and when it was last reported.
type MajorCase struct {
	Case *engine.Case
	// Reported is the latest 专报 or 续报, nil before the first.
	Reported *time.Time
	// Due: it has no report yet, or none in the last
	// engine.MajorReportEvery.
	Due bool
}

// Trend is a village's disputes in the last four weeks and the four before.
type Trend struct {
	Unit       *engine.Unit
	Now, Since int
}

// Similar is a new dispute that repeats an earlier one of the last 90
// days: the same party (by ID number or phone) or the same grid and
// category.
type Similar struct {
	Case, Earlier *engine.Case
	// Why names what repeats: a party's name, or the place.
	Why string
}

// similarDays is how far back a new dispute is compared.
const similarDays = 90

// Assess builds the week's assessment of the actor's unit, the week ending
// at to.
func (s *Service) Assess(ctx context.Context, a engine.Actor, to time.Time) (*Assessment, error) {
	if err := s.May(ctx, a, workflow.FeatureAssess); err != nil {
		return nil, err
	}
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	out := &Assessment{Unit: t.Unit(a.UnitID), From: to.Add(-7 * 24 * time.Hour), To: to}
	for _, c := range []Colour{Red, Orange} {
		list, _, err := s.List(ctx, a, Filter{Colour: c, Limit: 200}, "研判")
		if err != nil {
			return nil, err
		}
		out.Entries = append(out.Entries, list...)
	}
	if out.Overdue, _, err = s.List(ctx, a, Filter{DueBy: &to, Limit: 200}, "研判"); err != nil {
		return nil, err
	}
	major, _, err := s.Cases(ctx, a, engine.CaseFilter{Major: true, States: workflow.OpenStates(), Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, c := range major {
		m := MajorCase{Case: c}
		events, err := s.Engine.Store.Events(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, ev := range events {
			if ev.Name == workflow.MajorReport.Step() {
				at := ev.At
				m.Reported = &at
			}
		}
		m.Due = m.Reported == nil || to.Sub(*m.Reported) >= engine.MajorReportEvery
		out.Major = append(out.Major, m)
	}
	// Those waiting for a report first, the longest waiting first.
	slices.SortStableFunc(out.Major, func(x, y MajorCase) int {
		if x.Due != y.Due {
			if x.Due {
				return -1
			}
			return 1
		}
		return x.Case.OpenedAt.Compare(y.Case.OpenedAt)
	})
	if out.Rising, err = s.rising(ctx, a, t, to); err != nil {
		return nil, err
	}
	out.Similar, err = s.similar(ctx, a, out.From, to)
	return out, err
}

// rising counts each village's disputes of the last four weeks against the
// four before, and keeps those that rose.
func (s *Service) rising(ctx context.Context, a engine.Actor, t *engine.Tree, to time.Time) ([]Trend, error) {
	month := 28 * 24 * time.Hour
	from, before := to.Add(-month), to.Add(-2*month)
	var out []Trend
	for _, id := range t.Subtree(a.UnitID) {
		u := t.Unit(id)
		if u == nil || u.Level != workflow.LevelVillage {
			continue
		}
		count := func(since, until time.Time) (int, error) {
			_, n, err := s.Cases(ctx, engine.System, engine.CaseFilter{Units: t.Subtree(u.ID), OpenedSince: &since, OpenedBefore: &until, Limit: 1})
			return n, err
		}
		now, err := count(from, to)
		if err != nil {
			return nil, err
		}
		was, err := count(before, from)
		if err != nil {
			return nil, err
		}
		if now > was {
			out = append(out, Trend{Unit: u, Now: now, Since: was})
		}
	}
	slices.SortFunc(out, func(x, y Trend) int { return (y.Now - y.Since) - (x.Now - x.Since) })
	return out, nil
}

// similar finds the disputes registered from from to to that repeat one
// of the 90 days before them: a party of the same ID number or phone, or
// the same grid and category.
func (s *Service) similar(ctx context.Context, a engine.Actor, from, to time.Time) ([]Similar, error) {
	recent, _, err := s.Cases(ctx, a, engine.CaseFilter{OpenedSince: &from, OpenedBefore: &to, Limit: 200})
	if err != nil {
		return nil, err
	}
	var out []Similar
	for _, c := range recent {
		since := c.OpenedAt.Add(-similarDays * 24 * time.Hour)
		earlier := func(k *engine.Case) bool {
			return k.ID != c.ID && k.OpenedAt.Before(c.OpenedAt) && !k.OpenedAt.Before(since)
		}
		found := false
		for _, p := range c.Parties {
			ids, err := s.Store.CasesOfPerson(ctx, p.IDNumber, p.Phone, 5)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				k, err := s.FindCase(ctx, a, id)
				if err == nil && earlier(k) {
					out = append(out, Similar{Case: c, Earlier: k, Why: "当事人" + p.Name})
					found = true
					break
				}
			}
			if found {
				break
			}
		}
		if found {
			continue
		}
		// The grid is the actor's, as the case is: the system reads it.
		same, _, err := s.Cases(ctx, engine.System, engine.CaseFilter{Units: []int64{c.LocationUnitID}, Category: c.Category, OpenedSince: &since,
			OpenedBefore: &c.OpenedAt, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(same) > 0 {
			out = append(out, Similar{Case: c, Earlier: same[0], Why: "同一网格的" + c.Category + "纠纷"})
		}
	}
	slices.SortStableFunc(out, func(x, y Similar) int { return y.Case.OpenedAt.Compare(x.Case.OpenedAt) })
	return out, nil
}
