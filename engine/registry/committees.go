package registry

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
)

// Member is a mediator of the registry on a committee, in a role.
type Member struct {
	MediatorID int64  `json:"mediator_id"`
	Name       string `json:"name"`
	Role       string `json:"role"`
}

// Roles are the roles on a committee (人民调解法 Art. 9: a 主任, and 副主任
// where needed, among its 委员), the first the highest.
var Roles = []string{"主任", "副主任", "委员"}

// SortMembers orders members by role, then name.
func SortMembers(ms []Member) {
	slices.SortStableFunc(ms, func(x, y Member) int { return slices.Index(Roles, x.Role) - slices.Index(Roles, y.Role) })
}

// CommitteeStore is where committees and their members are kept.
type CommitteeStore interface {
	// SaveCommittee writes a committee, over its row or new, setting its
	// id.
	SaveCommittee(ctx context.Context, c *engine.Committee) error
	// Members returns the members of the committees, by committee, 主任
	// first.
	Members(ctx context.Context, committees []int64) (map[int64][]Member, error)
	// SetMembers replaces a committee's members.
	SetMembers(ctx context.Context, committee int64, members []Member) error
}

// CommitteeEntry is a committee of the actor's subtree with its members.
type CommitteeEntry struct {
	*engine.Committee
	Members []Member
}

// Committees returns the committees of the actor's subtree, studios after
// their committee, with their members.
func (s *Service) Committees(ctx context.Context, a engine.Actor) ([]*CommitteeEntry, error) {
	r, err := s.reach(ctx, a)
	if err != nil {
		return nil, err
	}
	cs := r.committees()
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	members, err := s.Store.Members(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*CommitteeEntry, len(cs))
	for i, c := range cs {
		out[i] = &CommitteeEntry{Committee: c, Members: members[c.ID]}
	}
	return out, nil
}

// SaveCommittee keeps a committee of the actor's subtree: a new one (ID 0)
// serving UnitID, or the particulars of one kept. A village's or town's own
// committee keeps its kind and unit; another is of the kinds a supervisor
// adds (企事业单位、行业性专业性、其他) or a studio of a committee (StudioOf
// set, of its committee's kind and unit). Every mistake is named by field.
func (s *Service) SaveCommittee(ctx context.Context, a engine.Actor, c *engine.Committee) error {
	r, err := s.reach(ctx, a)
	if err != nil {
		return err
	}
	return s.saveCommittee(ctx, r, c)
}

// saveCommittee keeps a committee within r (see SaveCommittee).
func (s *Service) saveCommittee(ctx context.Context, r reach, c *engine.Committee) error {
	t := r.t
	if err := engine.CheckText(c); err != nil {
		return err
	}
	var v engine.FieldErrors
	if c.ID != 0 {
		old := t.Committee(c.ID)
		if old == nil || !r.has(old.UnitID) {
			return engine.Errorf(engine.ENOTFOUND, "辖区内没有这个调解委员会。")
		}
		c.UnitID, c.StudioOf = old.UnitID, old.StudioOf
		if old.StudioOf == 0 && (old.Kind == engine.CommitteeVillage || old.Kind == engine.CommitteeTown) {
			c.Kind = old.Kind
		}
	}
	c.Name, c.Seal, c.FoundedOn = strings.TrimSpace(c.Name), strings.TrimSpace(c.Seal), strings.TrimSpace(c.FoundedOn)
	if c.Name == "" || len([]rune(c.Name)) > 60 {
		v.Add("name", "请填写调解委员会（工作室）名称（60字以内）。")
	}
	if c.Seal == "" {
		c.Seal = c.Name
	}
	if len([]rune(c.Seal)) > 60 {
		v.Add("seal", "印章文字应在60字以内。")
	}
	if c.FoundedOn != "" {
		if d, err := time.Parse(time.DateOnly, c.FoundedOn); err != nil || d.After(s.Now()) {
			v.Add("founded_on", "成立日期“%s”应为今天或以前的日期，如 2019-06-01。", c.FoundedOn)
		}
	}
	if c.StudioOf != 0 {
		parent := t.Committee(c.StudioOf)
		if parent == nil || parent.StudioOf != 0 || !r.has(parent.UnitID) {
			v.Add("studio_of", "工作室应属于本辖区内的一个调解委员会。")
		} else {
			c.UnitID, c.Kind = parent.UnitID, parent.Kind
		}
	} else if c.ID == 0 {
		if u := t.Unit(c.UnitID); u == nil || !engine.HasOwnCommittee(u) || !r.has(u.ID) {
			v.Add("unit", "请选择本辖区内的村(社区)或镇(街道)作为调解委员会的设立单位。")
		}
		if !slices.Contains([]string{engine.CommitteeEnterprise, engine.CommitteeTrade, engine.CommitteeOther}, c.Kind) {
			v.Add("kind", "新设的调解委员会应为企事业单位、行业性专业性或其他类型；村(居)和乡镇(街道)调解委员会随单位设立。")
		}
	}
	if err := v.Err(); err != nil || r.dry {
		return err
	}
	if err := s.Store.SaveCommittee(ctx, c); err != nil {
		return err
	}
	s.ForgetTree()
	return nil
}

// SetMembers names a committee's members from the registry of the actor's
// subtree, each with a role; one 主任 at most.
func (s *Service) SetMembers(ctx context.Context, a engine.Actor, committee int64, members []Member) error {
	r, err := s.reach(ctx, a)
	if err != nil {
		return err
	}
	return s.setMembers(ctx, r, committee, members)
}

// setMembers names a committee's members within r (see SetMembers).
func (s *Service) setMembers(ctx context.Context, r reach, committee int64, members []Member) error {
	if c := r.t.Committee(committee); c == nil || !r.has(c.UnitID) {
		return engine.Errorf(engine.ENOTFOUND, "辖区内没有这个调解委员会。")
	}
	rows, err := s.Store.Mediators(ctx, r.units())
	if err != nil {
		return err
	}
	var v engine.FieldErrors
	heads := 0
	for i, m := range members {
		j := slices.IndexFunc(rows, func(row *Mediator) bool { return row.ID == m.MediatorID })
		switch {
		case j < 0:
			v.Add("members", "成员应为本辖区调解员名册中的人员。")
		case !slices.Contains(Roles, m.Role):
			v.Add("members", "%s的职务应为%s之一。", rows[j].Name, strings.Join(Roles, "、"))
		default:
			members[i].Name = rows[j].Name
		}
		if m.Role == Roles[0] {
			heads++
		}
	}
	if heads > 1 {
		v.Add("members", "一个调解委员会只设一名主任。")
	}
	if err := v.Err(); err != nil || r.dry {
		return err
	}
	return s.Store.SetMembers(ctx, committee, members)
}

// ImportCommittee keeps a committee an import names by the unit it serves
// and its name, on the tree t the import sees: over the committee of that
// name serving the unit, or new, a studio of the committee named studioOf
// when given. A dry run checks it and writes nothing.
func (s *Service) ImportCommittee(ctx context.Context, t *engine.Tree, c *engine.Committee, unitCode, studioOf string, dryRun bool) error {
	r := reach{t: t, dry: dryRun}
	u, err := r.t.Find("unit", strings.TrimSpace(unitCode))
	if err != nil {
		return err
	}
	c.UnitID = u.ID
	if studioOf != "" {
		parent := r.t.CommitteeNamed(strings.TrimSpace(studioOf), u.ID)
		if parent == nil {
			return engine.Invalid("studio_of", "调解委员会“%s”不存在（请先导入它）。", studioOf)
		}
		c.StudioOf = parent.ID
	}
	if old := r.t.CommitteeNamed(strings.TrimSpace(c.Name), u.ID); old != nil && old.UnitID == u.ID {
		c.ID = old.ID
	}
	return s.saveCommittee(ctx, r, c)
}

// ImportMediator keeps a mediator an import names, on the tree t the
// import sees: an account's row, by the account's name (user), or a
// person's, by unit and name; serving the committee named, in role on it
// when a role is given. A dry run checks it and writes nothing.
func (s *Service) ImportMediator(ctx context.Context, t *engine.Tree, m *Mediator, user, unitCode, committee, role string, dryRun bool) error {
	r := reach{t: t, dry: dryRun}
	if user = strings.TrimSpace(user); user != "" {
		u, err := s.Engine.Store.FindUserByName(ctx, user)
		if err != nil {
			return engine.Invalid("user", "用户“%s”不存在。", user)
		}
		m.UserID, m.UnitID = u.ID, u.UnitID
	} else {
		u, err := r.t.Find("unit", strings.TrimSpace(unitCode))
		if err != nil {
			return err
		}
		m.UnitID = u.ID
	}
	rows, err := s.Store.Mediators(ctx, []int64{m.UnitID})
	if err != nil {
		return err
	}
	for _, row := range rows {
		if (m.UserID != 0 && row.UserID == m.UserID) || (m.UserID == 0 && row.UserID == 0 && row.Name == strings.TrimSpace(m.Name)) {
			m.ID = row.ID
		}
	}
	var on *engine.Committee
	if committee = strings.TrimSpace(committee); committee != "" {
		if on = r.t.CommitteeNamed(committee, m.UnitID); on == nil {
			return engine.Invalid("committee", "调解委员会“%s”不存在（请先导入它）。", committee)
		}
		if own := r.t.CommitteeOf(m.UnitID); own == nil || own.ID != on.ID {
			m.CommitteeID = on.ID
		}
	}
	if role != "" && on == nil {
		return engine.Invalid("role", "写明职务（role）时也要写明所在的调解委员会（committee）。")
	}
	if err := s.save(ctx, r, m); err != nil || on == nil || role == "" {
		return err
	}
	if !slices.Contains(Roles, role) {
		return engine.Invalid("role", "职务应为%s之一。", strings.Join(Roles, "、"))
	}
	if dryRun {
		return nil
	}
	members, err := s.Store.Members(ctx, []int64{on.ID})
	if err != nil {
		return err
	}
	kept := slices.DeleteFunc(members[on.ID], func(x Member) bool { return x.MediatorID == m.ID || (x.Role == Roles[0] && role == Roles[0]) })
	return s.setMembers(ctx, r, on.ID, append(kept, Member{MediatorID: m.ID, Role: role}))
}

// Colleagues names the people of the registry who serve the committee of
// unit (a grid's is its village's), for a session's record to name those
// who took part: a village cadre without an account among them.
func (s *Service) Colleagues(ctx context.Context, unit int64) ([]string, error) {
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	committee := t.CommitteeOf(unit)
	if committee == nil {
		return nil, nil
	}
	rows, err := s.Store.Mediators(ctx, t.Subtree(committee.UnitID))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range rows {
		if !slices.Contains(out, m.Name) {
			out = append(out, m.Name)
		}
	}
	slices.Sort(out)
	return out, nil
}
