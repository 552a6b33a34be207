package ledger

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// List lists the entries under the actor's unit that match f, masked as
// Show masks them.
func (s *Service) List(ctx context.Context, a engine.Actor, f Filter, where string) ([]*Entry, int, error) {
	if err := s.May(ctx, a, workflow.FeatureLedger); err != nil {
		return nil, 0, err
	}
	if a.Role != workflow.RoleSystem {
		t, err := s.TreeWith(ctx, a.UnitID)
		if err != nil {
			return nil, 0, err
		}
		if f.Units = t.Subtree(a.UnitID); len(f.Units) == 0 {
			return nil, 0, nil
		}
	}
	if f.Unit != "" {
		t, err := s.Tree(ctx)
		if err != nil {
			return nil, 0, err
		}
		u := t.ByCode(f.Unit)
		if u == nil || (a.Role != workflow.RoleSystem && !t.Contains(a.UnitID, u.ID)) {
			return nil, 0, engine.Invalid("unit", "单位“%s”不在您的辖区内。", f.Unit)
		}
		f.Units = t.Subtree(u.ID)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	f.Offset = max(f.Offset, 0)
	list, n, err := s.Store.Entries(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	shown, err := s.show(ctx, a, list, where)
	return shown, n, err
}

// Due lists the entries the actor answers for whose review falls due
// within a day or is past: their queue.
func (s *Service) Due(ctx context.Context, a engine.Actor) ([]*Entry, error) {
	if !s.Abilities(ctx, a).Ledger {
		return nil, nil
	}
	by := s.Now().Add(24 * time.Hour)
	list, _, err := s.Store.Entries(ctx, Filter{Owner: a.UserID, DueBy: &by, Limit: 100})
	if err != nil {
		return nil, err
	}
	return s.show(ctx, a, list, "待走访")
}

// Overdue lists the entries under the actor's unit whose review is past
// due, for 督办.
func (s *Service) Overdue(ctx context.Context, a engine.Actor) ([]*Entry, error) {
	now := s.Now()
	list, _, err := s.List(ctx, a, Filter{DueBy: &now, Limit: 200}, "超期未走访")
	return list, err
}

// View is an entry's page: the entry as the viewer may see it, where it is
// kept, who answers for it, its history and the cases of its person.
type View struct {
	Entry    *Entry
	Unmasked bool
	Unit     string
	// Found says which sweep found the entry, "" if none did.
	Found   string
	Owners  []string
	Records []*Record
	Cases   []*engine.Case
}

// casesShown bounds the cases an entry's page lists.
const casesShown = 20

// Show returns an entry's page for the actor.
func (s *Service) Show(ctx context.Context, a engine.Actor, id int64) (*View, error) {
	if err := s.May(ctx, a, workflow.FeatureLedger); err != nil {
		return nil, err
	}
	e, err := s.find(ctx, a, id)
	if err != nil {
		return nil, err
	}
	shown, err := s.show(ctx, a, []*Entry{e}, "台账条目")
	if err != nil {
		return nil, err
	}
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	v := &View{Entry: shown[0], Unmasked: s.unmasks(a, e), Unit: t.Path(e.UnitID)}
	if e.Sweep != 0 {
		unit, month, err := s.Store.SweepOf(ctx, e.Sweep)
		if err != nil {
			return nil, err
		}
		v.Found = fmt.Sprintf("%s %s拉网式排查发现", t.Path(unit), month)
	}
	for _, id := range e.Owners {
		if u, err := s.Engine.Store.FindUser(ctx, id); err == nil {
			v.Owners = append(v.Owners, u.Actor().Name+"（"+t.Path(u.UnitID)+"）")
		}
	}
	if v.Records, err = s.Store.EntryRecords(ctx, e.ID); err != nil {
		return nil, err
	}
	if e.Kind == KindPerson {
		ids, err := s.Store.CasesOfPerson(ctx, e.IDNumber, e.Phone, casesShown)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if c, err := s.FindCase(ctx, a, id); err == nil {
				v.Cases = append(v.Cases, c)
			}
		}
	}
	return v, nil
}

// unmasks reports whether the actor sees an entry's particulars in full:
// its owners and the users of its own unit, as the handling unit sees a
// case's parties.
func (s *Service) unmasks(a engine.Actor, e *Entry) bool {
	return a.Role == workflow.RoleSystem || slices.Contains(e.Owners, a.UserID) ||
		(a.Role != workflow.RoleAdmin && a.UnitID != 0 && a.UnitID == e.UnitID)
}

// show returns copies of the entries with their particulars masked for
// the actor, and queues an audit row for each shown in full.
func (s *Service) show(ctx context.Context, a engine.Actor, list []*Entry, where string) ([]*Entry, error) {
	out := make([]*Entry, len(list))
	for i, e := range list {
		v := *e
		if s.unmasks(a, e) {
			if e.IDNumber != "" || e.Phone != "" {
				if err := s.AuditShown(ctx, a, where+"："+e.Label()); err != nil {
					return nil, err
				}
			}
		} else {
			v.IDNumber, v.Phone, v.Address = engine.MaskIDNumber(e.IDNumber), engine.MaskPhone(e.Phone), ""
		}
		out[i] = &v
	}
	return out, nil
}

// Mark says that a party of a case is on the ledger: which entry, its
// colour and category; EntryID is 0 when the viewer may not open it.
type Mark struct {
	Party    string
	EntryID  int64
	Colour   Colour
	Category string
}

// Marks returns the parties of c that are on the ledger, for a viewer who
// may read the ledger: the case page warns of them.
func (s *Service) Marks(ctx context.Context, a engine.Actor, c *engine.Case) ([]Mark, error) {
	if !s.Abilities(ctx, a).Ledger {
		return nil, nil
	}
	found, err := s.listedParties(ctx, c.Parties)
	if err != nil {
		return nil, err
	}
	var out []Mark
	for _, f := range found {
		m := Mark{Party: f.party.Name, Colour: f.entry.Colour, Category: f.entry.Category}
		if _, err := s.find(ctx, a, f.entry.ID); err == nil {
			m.EntryID = f.entry.ID
		}
		out = append(out, m)
	}
	return out, nil
}

// Watching names the owners of the parties of a new case who are on the
// ledger (engine.Watchers): the engine tells them of it.
func (s *Service) Watching(ctx context.Context, parties []*engine.Party) ([]engine.Watch, error) {
	found, err := s.listedParties(ctx, parties)
	if err != nil {
		return nil, err
	}
	var out []engine.Watch
	for _, f := range found {
		for _, u := range f.entry.Owners {
			out = append(out, engine.Watch{UserID: u, Party: f.party.Name, Colour: f.entry.Colour.Label()})
		}
	}
	return out, nil
}

// listed is a party found on the ledger, with its entry.
type listed struct {
	party *engine.Party
	entry *Entry
}

// listedParties finds the parties on the ledger by ID number or phone, in
// their order, each with the first entry of theirs.
func (s *Service) listedParties(ctx context.Context, parties []*engine.Party) ([]listed, error) {
	var ids, phones []string
	for _, p := range parties {
		ids, phones = append(ids, nonEmpty(p.IDNumber)...), append(phones, nonEmpty(p.Phone)...)
	}
	if len(ids)+len(phones) == 0 {
		return nil, nil
	}
	entries, err := s.Store.Listed(ctx, ids, phones)
	if err != nil {
		return nil, err
	}
	var out []listed
	for _, p := range parties {
		for _, e := range entries {
			if (p.IDNumber != "" && p.IDNumber == e.IDNumber) || (p.Phone != "" && p.Phone == e.Phone) {
				out = append(out, listed{p, e})
				break
			}
		}
	}
	return out, nil
}
