// Package queue gathers what a person has to deal with now: the queue of
// their role, the count beside it in the navigation bar, and, for the
// desk about to register a dispute, the open cases it may duplicate.
package queue

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Store is what the queues read from persistence besides the engine's.
type Store interface {
	// Workload counts, by handling unit in units, the open cases, those
	// overdue at now and those pressed since their tier clock started.
	Workload(ctx context.Context, units []int64, now time.Time) ([]UnitLoad, error)
	// LatestEvents returns, by case, the latest event named name of each
	// of the cases.
	LatestEvents(ctx context.Context, caseIDs []int64, name string) (map[int64]*engine.Event, error)
	// Duplicates returns the open cases with a party whose ID number is in
	// ids or phone in phones, or whose name is in names at a location in
	// units, with their parties.
	Duplicates(ctx context.Context, ids, phones, names []string, units []int64) ([]*engine.Case, error)
}

// Service reads the queues on the engine's cases and permissions.
type Service struct {
	*engine.Engine
	Store Store
}

// New returns the queues' service on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }

// Queue is what a user has to deal with now, by their role (each list
// soonest due first, so the overdue lead, and bounded by queueLimit; the
// case list finds the rest):
//   - the desk: the disputes registered and awaiting its decision, the
//     referrals waiting on a partner's feedback, and the disputes the clerk
//     registered in the last 30 days, whose parties they may call back;
//   - a mediator: the cases of their unit pressed (督办) with the latest
//     note, its agreements whose follow-up visit falls due within
//     engine.FollowUpSoon, and its closed cases whose file waits for archiving;
//   - a supervisor: the subtree's overdue and pressed cases, and the open,
//     overdue and pressed cases of each unit that handles some;
//   - a partner's liaison: the referrals waiting on their body, and the
//     disputes their body referred in, latest first.
type Queue struct {
	Awaiting   []*engine.Case
	Referred   []*engine.Case
	SentIn     []*engine.Case
	Registered []*engine.Case
	Pressed    []Pressed
	FollowUps  []*engine.Case
	ToArchive  []*engine.Case
	Overdue    []*engine.Case
	Units      []UnitLoad
	// ToArchiveTotal and SentInTotal count the whole of the two lists that
	// grow long and wait, which the page folds below the active work.
	ToArchiveTotal, SentInTotal int
}

// Pressed is a pressed case with its latest 督办.
type Pressed struct {
	Case  *engine.Case
	Event *engine.Event
}

// UnitLoad is a unit's open cases, and how many of them are overdue and
// pressed.
type UnitLoad struct {
	UnitID                 int64
	Open, Overdue, Pressed int
}

// queueLimit bounds each list of a queue.
const queueLimit = 50

// Queue returns the actor's queue (see Queue); it is empty for a role that
// has none.
func (e *Service) Queue(ctx context.Context, a engine.Actor) (*Queue, error) {
	q := &Queue{}
	now := e.Now()
	type part struct {
		into  *[]*engine.Case
		f     engine.CaseFilter
		total *int
	}
	var parts []part
	var pressed engine.CaseFilter
	switch a.Role {
	case workflow.RoleIntake:
		since := now.AddDate(0, 0, -engine.CallBackDays)
		parts = []part{
			{&q.Awaiting, engine.CaseFilter{States: []workflow.State{workflow.Registered}}, nil},
			{&q.Referred, engine.CaseFilter{States: []workflow.State{workflow.Referred}}, nil},
		}
		if a.UserID != 0 {
			parts = append(parts, part{&q.Registered, engine.CaseFilter{CreatedBy: a.UserID, OpenedSince: &since}, nil})
		}
	case workflow.RoleMediator:
		soon := now.Add(engine.FollowUpSoon)
		unit := []int64{a.UnitID}
		parts = []part{
			{&q.FollowUps, engine.CaseFilter{Handling: unit, States: []workflow.State{workflow.Agreed}, DueBy: &soon}, nil},
			{&q.ToArchive, engine.CaseFilter{Handling: unit, Unarchived: true}, &q.ToArchiveTotal},
		}
		pressed = engine.CaseFilter{Handling: unit, States: workflow.OpenStates(), Pressed: true}
	case workflow.RolePartner:
		parts = []part{
			{&q.Referred, engine.CaseFilter{WaitingOn: a.UnitID, States: []workflow.State{workflow.Referred}}, nil},
			// What the body referred in and is not closed yet, its
			// agreements being performed among them; the closed ones are
			// in the case list.
			{&q.SentIn, engine.CaseFilter{SentBy: a.UnitID, States: append(workflow.OpenStates(), workflow.Agreed)}, &q.SentInTotal},
		}
	case workflow.RoleSupervisor:
		parts = []part{{&q.Overdue, engine.CaseFilter{OverdueAt: &now}, nil}}
		pressed = engine.CaseFilter{States: workflow.OpenStates(), Pressed: true}
		t, err := e.Tree(ctx)
		if err != nil {
			return nil, err
		}
		if q.Units, err = e.Store.Workload(ctx, t.Subtree(a.UnitID), now); err != nil {
			return nil, err
		}
	default:
		return q, nil
	}
	for _, part := range parts {
		part.f.Limit = queueLimit
		cases, total, err := e.Cases(ctx, a, part.f)
		if err != nil {
			return nil, err
		}
		*part.into = cases
		if part.total != nil {
			*part.total = total
		}
	}
	if !pressed.Pressed {
		return q, nil
	}
	pressed.Limit = queueLimit
	cases, _, err := e.Cases(ctx, a, pressed)
	if err != nil || len(cases) == 0 {
		return q, err
	}
	ids := make([]int64, len(cases))
	for i, c := range cases {
		ids[i] = c.ID
	}
	last, err := e.Store.LatestEvents(ctx, ids, string(workflow.Supervise))
	if err != nil {
		return nil, err
	}
	for _, c := range cases {
		if ev := last[c.ID]; ev != nil {
			q.Pressed = append(q.Pressed, Pressed{c, ev})
		}
	}
	return q, nil
}

// QueueCount is the number the navigation bar shows beside the actor's
// queue: the disputes awaiting the desk's decision, the open cases and
// agreements a mediator's unit handles, the overdue cases of a
// supervisor's subtree, the referrals waiting on a partner's body; 0 for
// the other roles.
func (e *Service) QueueCount(ctx context.Context, a engine.Actor) (int, error) {
	var n int
	var err error
	switch a.Role {
	case workflow.RoleIntake:
		_, n, err = e.Cases(ctx, a, engine.CaseFilter{States: []workflow.State{workflow.Registered}, Limit: 1})
	case workflow.RoleMediator:
		_, n, err = e.Work(ctx, a, engine.CaseFilter{Limit: 1})
	case workflow.RoleSupervisor:
		now := e.Now()
		_, n, err = e.Cases(ctx, a, engine.CaseFilter{OverdueAt: &now, Limit: 1})
	case workflow.RolePartner:
		_, n, err = e.Cases(ctx, a, engine.CaseFilter{WaitingOn: a.UnitID, Limit: 1})
	}
	return n, err
}

// Duplicates lists the open cases, among those the actor may see, that may
// be the same dispute as n: they share a party's ID number or phone, or have
// the same party names in the same village.
func (e *Service) Duplicates(ctx context.Context, a engine.Actor, n *engine.NewCase) ([]*engine.Case, error) {
	if err := engine.CheckText(n); err != nil {
		return nil, err
	}
	t, err := e.TreeWith(ctx, n.LocationID, a.UnitID)
	if err != nil {
		return nil, err
	}
	var ids, phones, names []string
	for _, p := range n.Parties {
		if p.IDNumber != "" {
			ids = append(ids, strings.ToUpper(strings.TrimSpace(p.IDNumber)))
		}
		if p.Phone != "" {
			phones = append(phones, strings.TrimSpace(p.Phone))
		}
		if p.Name != "" {
			names = append(names, strings.TrimSpace(p.Name))
		}
	}
	var village []int64
	if v := t.Ancestor(n.LocationID, workflow.LevelVillage); v != nil && len(names) > 0 {
		village = t.Subtree(v.ID)
	}
	found, err := e.Store.Duplicates(ctx, ids, phones, names, village)
	if err != nil {
		return nil, err
	}
	var out []*engine.Case
	for _, c := range found {
		if !engine.CanSee(t, a, c) {
			continue
		}
		if sharesContact(c, ids, phones) || (slices.Contains(village, c.LocationUnitID) && hasAllNames(c, names)) {
			out = append(out, c)
		}
	}
	return out, nil
}

func sharesContact(c *engine.Case, ids, phones []string) bool {
	for _, p := range c.Parties {
		if (p.IDNumber != "" && slices.Contains(ids, p.IDNumber)) || (p.Phone != "" && slices.Contains(phones, p.Phone)) {
			return true
		}
	}
	return false
}

func hasAllNames(c *engine.Case, names []string) bool {
	if len(names) == 0 {
		return false
	}
	have := map[string]bool{}
	for _, p := range c.Parties {
		have[p.Name] = true
	}
	for _, n := range names {
		if !have[n] {
			return false
		}
	}
	return true
}
