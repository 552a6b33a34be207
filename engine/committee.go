package engine

import (
	"slices"
	"strings"

	"github.com/grassroots/mediation/workflow"
)

// Committee is a people's mediation committee (人民调解委员会, 人民调解法
// Art. 8): a record of its own, serving a unit. Every village (community)
// and town has its own, made with the unit; a supervisor adds the others: a
// trade committee (行业性专业性) or an enterprise's hosted by a unit, and a
// committee's studios (个人调解工作室, StudioOf set), which mediate under
// their committee's seal.
type Committee struct {
	ID     int64
	UnitID int64 // the unit it serves, or hosts it
	Name   string
	// Kind is one of CommitteeKinds' keys.
	Kind string
	// Seal is the text of its seal, printed on its documents.
	Seal      string
	FoundedOn string // 2019-06-01, "" when not known
	StudioOf  int64  // the committee a studio belongs to, 0 for a committee
	// Address and Phone are its unit's, printed on documents and shown to
	// parties.
	Address string
	Phone   string
}

// Committee kinds: the Ministry's four types of committee (人民调解工作统计
// 表) and the rest. A village's and a town's own are named as their levels.
const (
	CommitteeVillage    = string(workflow.LevelVillage)
	CommitteeTown       = string(workflow.LevelTown)
	CommitteeEnterprise = "enterprise"
	CommitteeTrade      = "trade"
	CommitteeOther      = "other"
)

// CommitteeKinds names the kinds in the Ministry's order.
var CommitteeKinds = []struct{ Key, Label string }{
	{CommitteeVillage, "村(居)"},
	{CommitteeTown, "乡镇(街道)"},
	{CommitteeEnterprise, "企事业单位"},
	{CommitteeTrade, "行业性专业性"},
	{CommitteeOther, "其他"},
}

// CommitteeKindLabel returns a kind's Chinese name, or the key when unknown.
func CommitteeKindLabel(kind string) string {
	if i := slices.IndexFunc(CommitteeKinds, func(k struct{ Key, Label string }) bool { return k.Key == kind }); i >= 0 {
		return CommitteeKinds[i].Label
	}
	return kind
}

// KindLabel is the committee's kind in Chinese.
func (c *Committee) KindLabel() string { return CommitteeKindLabel(c.Kind) }

// OwnCommittee is the committee the store makes with a village or town: the
// unit's name and 人民调解委员会, its seal the same.
func OwnCommittee(u *Unit) *Committee {
	name := u.Name + "人民调解委员会"
	return &Committee{UnitID: u.ID, Name: name, Kind: string(u.Level), Seal: name}
}

// HasOwnCommittee reports whether a unit has a committee of its own: a
// village (community) or a town.
func HasOwnCommittee(u *Unit) bool {
	return u.Level == workflow.LevelVillage || u.Level == workflow.LevelTown
}

// Committees are the committees the tree is loaded with, and the
// committees the accounts of the registry serve when it is not their
// unit's own (a town's mediator on its trade committee).
type Committees struct {
	All    []*Committee
	Serves map[int64]int64 // account → committee
}

// withCommittees indexes the committees on the tree, each with its unit's
// address and phone.
func (t *Tree) withCommittees(cs Committees) {
	t.committees, t.own, t.serves = map[int64]*Committee{}, map[int64]*Committee{}, cs.Serves
	for _, c := range cs.All {
		if u := t.byID[c.UnitID]; u != nil {
			c.Address, c.Phone = u.Address, u.Phone
		}
		t.committees[c.ID] = c
		if (c.Kind == CommitteeVillage || c.Kind == CommitteeTown) && c.StudioOf == 0 {
			t.own[c.UnitID] = c
		}
	}
}

// Extend returns a tree of t's units and committees, the units extra,
// each village and town among them with its own committee as the store
// would make it, numbered below zero, and the committees more: what an
// import's dry run reads.
func (t *Tree) Extend(extra []*Unit, more []*Committee) *Tree {
	cs := Committees{Serves: t.serves}
	for _, c := range t.committees {
		cs.All = append(cs.All, c)
	}
	cs.All = append(cs.All, more...)
	for _, u := range extra {
		if HasOwnCommittee(u) {
			c := OwnCommittee(u)
			c.ID = -int64(len(cs.All) + 1)
			cs.All = append(cs.All, c)
		}
	}
	n := NewTree(append(t.Units(), extra...))
	n.withCommittees(cs)
	return n
}

// Committee returns the committee with id, or nil.
func (t *Tree) Committee(id int64) *Committee { return t.committees[id] }

// CommitteeOf returns the committee of a unit: its own, or its village's
// for a grid, which has mediators but no committee of its own; nil for a
// partner body or a county. Committees are not a hierarchy: each document
// of a file names the committee that acted (人民调解法 Art. 8, 34).
func (t *Tree) CommitteeOf(id int64) *Committee {
	u := t.Unit(id)
	if u != nil && u.Level == workflow.LevelGrid {
		u = t.Unit(u.ParentID)
	}
	if u == nil {
		return nil
	}
	return t.own[u.ID]
}

// ActingCommittee is the committee a step by a acts for: the one the
// account serves on the registry (a studio's committee for a studio's
// mediator), or its unit's; for the system's steps, the committee of the
// case's handling unit; none for a partner body's.
func (t *Tree) ActingCommittee(a Actor, handling int64) *Committee {
	switch {
	case t.committees[a.Committee] != nil:
		return t.committees[a.Committee]
	case a.Role == workflow.RolePartner:
		return nil
	case a.UserID == 0:
		return t.CommitteeOf(handling)
	}
	if c := t.committees[t.serves[a.UserID]]; c != nil {
		if c.StudioOf != 0 {
			return t.committees[c.StudioOf]
		}
		return c
	}
	if c := t.CommitteeOf(a.UnitID); c != nil {
		return c
	}
	return t.CommitteeOf(handling)
}

// CommitteeNamed finds a committee by name: the one serving unit or the
// nearest unit above it, or else any of that name; nil for none.
func (t *Tree) CommitteeNamed(name string, unit int64) *Committee {
	var found *Committee
	for _, c := range t.committees {
		if c.Name != name {
			continue
		}
		if t.Contains(c.UnitID, unit) {
			return c
		}
		if found == nil || c.ID < found.ID {
			found = c
		}
	}
	return found
}

// CommitteesUnder returns the committees serving units in root's subtree,
// studios after their committee, by unit code and name.
func (t *Tree) CommitteesUnder(root int64) []*Committee {
	var out []*Committee
	for _, c := range t.committees {
		if t.Contains(root, c.UnitID) {
			out = append(out, c)
		}
	}
	// A studio sorts under its committee.
	key := func(c *Committee) string {
		if p := t.committees[c.StudioOf]; p != nil {
			return t.byID[p.UnitID].Code + "\x00" + p.Name + "\x00" + c.Name
		}
		return t.byID[c.UnitID].Code + "\x00" + c.Name
	}
	slices.SortFunc(out, func(x, y *Committee) int { return strings.Compare(key(x), key(y)) })
	return out
}
