package engine

import (
	"sort"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Unit is a node of the 141 tree: a town, a village or community, or a grid
// (DESIGN §3).
type Unit struct {
	ID       int64
	Code     string
	Name     string
	Level    workflow.Level
	ParentID int64 // 0 for a root
	// CasePrefix is set on towns: the first character of the case number,
	// as 油 in 油调〔2026〕0007号.
	CasePrefix string
	// Address and Phone are printed on documents and shown to parties.
	Address string
	Phone   string
	// ClosedAt is when the unit was closed: it takes no new cases and is
	// not offered as a choice; nil while it works.
	ClosedAt *time.Time
	// Kind is a partner body's kind, from PartnerKinds; "" for the others.
	Kind string
	// Webhook is where a partner's system is told of its cases' changes;
	// "" for none.
	Webhook string
}

// Tree is the unit tree in memory. Units change seldom, and every permission
// check walks the tree, so engine keeps one and replaces it whole.
type Tree struct {
	byID     map[int64]*Unit
	byCode   map[string]*Unit
	children map[int64][]*Unit
	// partners are the partner bodies attached to each town or county,
	// apart from the children: they handle no mediation and hold no cases.
	partners map[int64][]*Unit
	// committees by id, each unit's own, and the committee an account
	// serves when not its unit's (see Committees).
	committees, own map[int64]*Committee
	serves          map[int64]int64
}

// NewTree indexes units.
func NewTree(units []*Unit) *Tree {
	t := &Tree{byID: map[int64]*Unit{}, byCode: map[string]*Unit{}, children: map[int64][]*Unit{}, partners: map[int64][]*Unit{}}
	for _, u := range units {
		t.byID[u.ID] = u
		t.byCode[u.Code] = u
	}
	for _, u := range units {
		switch {
		case u.ParentID == 0:
		case u.Level == workflow.LevelPartner:
			t.partners[u.ParentID] = append(t.partners[u.ParentID], u)
		default:
			t.children[u.ParentID] = append(t.children[u.ParentID], u)
		}
	}
	for _, m := range []map[int64][]*Unit{t.children, t.partners} {
		for _, kids := range m {
			sort.Slice(kids, func(i, j int) bool { return kids[i].Code < kids[j].Code })
		}
	}
	return t
}

// Unit returns the unit with id, or nil.
func (t *Tree) Unit(id int64) *Unit { return t.byID[id] }

// ByCode returns the unit with code, or nil.
func (t *Tree) ByCode(code string) *Unit { return t.byCode[code] }

// Find returns the unit with code, or EINVALID on field, naming the code,
// when there is none.
func (t *Tree) Find(field, code string) (*Unit, error) {
	if u := t.byCode[code]; u != nil {
		return u, nil
	}
	return nil, Invalid(field, "单位“%s”不存在。", code)
}

// Children returns the direct children of id, ordered by code.
func (t *Tree) Children(id int64) []*Unit { return t.children[id] }

// OpenChildren returns the units directly below id that are not closed:
// those a form offers.
func (t *Tree) OpenChildren(id int64) []*Unit {
	var out []*Unit
	for _, u := range t.children[id] {
		if u.ClosedAt == nil {
			out = append(out, u)
		}
	}
	return out
}

// Roots returns the units without a parent, ordered by code.
func (t *Tree) Roots() []*Unit {
	var out []*Unit
	for _, u := range t.byID {
		if u.ParentID == 0 {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Contains reports whether unit id lies in the subtree rooted at root
// (a unit contains itself).
func (t *Tree) Contains(root, id int64) bool {
	for u := t.byID[id]; u != nil; u = t.byID[u.ParentID] {
		if u.ID == root {
			return true
		}
		if u.ParentID == 0 {
			break
		}
	}
	return false
}

// Ancestor returns the unit at level among id and its ancestors, or nil.
func (t *Tree) Ancestor(id int64, level workflow.Level) *Unit {
	for u := t.byID[id]; u != nil; u = t.byID[u.ParentID] {
		if u.Level == level {
			return u
		}
		if u.ParentID == 0 {
			break
		}
	}
	return nil
}

// Town returns the town that id belongs to, or nil.
func (t *Tree) Town(id int64) *Unit { return t.Ancestor(id, workflow.LevelTown) }

// Subtree returns the ids of root and every unit below it.
func (t *Tree) Subtree(root int64) []int64 {
	if t.byID[root] == nil {
		return nil
	}
	out := []int64{root}
	for i := 0; i < len(out); i++ {
		for _, k := range t.children[out[i]] {
			out = append(out, k.ID)
		}
	}
	return out
}

// Units returns every unit, ordered by code.
func (t *Tree) Units() []*Unit {
	out := make([]*Unit, 0, len(t.byID))
	for _, u := range t.byID {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Path returns the names from the town down to id, as 油车港镇 / 麟湖村 / 第3网格.
func (t *Tree) Path(id int64) string {
	var names []string
	for u := t.byID[id]; u != nil; u = t.byID[u.ParentID] {
		names = append([]string{u.Name}, names...)
		if u.Level == workflow.LevelTown || u.ParentID == 0 {
			break
		}
	}
	s := ""
	for i, n := range names {
		if i > 0 {
			s += " / "
		}
		s += n
	}
	return s
}

// Place checks u before it is saved under the unit with parentCode ("" for
// a root) and sets its parent: the parent must exist and be one level up,
// and a unit keeps its level.
func (t *Tree) Place(u *Unit, parentCode string) error {
	var parent *Unit
	if parentCode != "" {
		if parent = t.ByCode(parentCode); parent == nil {
			return Invalid("parent", "上级单位“%s”不存在。", parentCode)
		}
		u.ParentID = parent.ID
	}
	if err := u.Validate(parent); err != nil {
		return err
	}
	if old := t.ByCode(u.Code); old != nil && old.Level != u.Level {
		return Invalid("level", "单位“%s”已存在且层级为%s，不能改为%s。", u.Code, old.Level.Label(), u.Level.Label())
	}
	return nil
}

// Validate checks a unit before it is saved under parent (nil for a root).
func (u *Unit) Validate(parent *Unit) error {
	switch {
	case u.Code == "":
		return Invalid("code", "单位编码不能为空。")
	case u.Name == "":
		return Invalid("name", "单位名称不能为空。")
	case !u.Level.Valid():
		return Invalid("level", "单位层级必须是 province、city、county、town、village、grid 或 partner。")
	case u.Level == workflow.LevelPartner:
		return u.validatePartner(parent)
	case u.Kind != "":
		return Invalid("kind", "只有联动单位设单位类别。")
	case u.Level != workflow.LevelTown && u.CasePrefix != "":
		return Invalid("case_prefix", "只有镇(街道)设案号前缀。")
	case u.Level == workflow.LevelTown && u.CasePrefix == "":
		return Invalid("case_prefix", "镇(街道)必须设案号前缀（如“油”）。")
	case parent == nil && u.Level.Rank() < workflow.LevelTown.Rank():
		return Invalid("parent", "%s单位必须有上级单位。", u.Level.Label())
	case parent != nil && parent.Level.Rank() != u.Level.Rank()+1:
		return Invalid("parent", "%s的上级必须是%s，而“%s”是%s。", u.Level.Label(), levelAbove(u.Level).Label(), parent.Name, parent.Level.Label())
	}
	return nil
}

func levelAbove(l workflow.Level) workflow.Level {
	for _, c := range []workflow.Level{workflow.LevelVillage, workflow.LevelTown, workflow.LevelCounty, workflow.LevelCity, workflow.LevelProvince} {
		if c.Rank() == l.Rank()+1 {
			return c
		}
	}
	return ""
}
