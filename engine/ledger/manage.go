package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// NewEntry is what a listing gives: the form's and the API's fields.
type NewEntry struct {
	Kind     Kind   `json:"kind"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Address  string `json:"address"`
	People   int    `json:"people"`
	// Unit is the code of the unit the entry is kept under: the actor's
	// own or one below it, a grid at the lowest.
	Unit     string `json:"unit"`
	Category string `json:"category"`
	Reason   string `json:"reason"`
	Colour   Colour `json:"colour"`
	// Owners are the login names of the users who answer for the entry.
	Owners []string `json:"owners"`
	// Approver is who approved the listing; a supervisor listing approves
	// it themselves.
	Approver string `json:"approver"`
	// Sweep is the id of the actor's 拉网式 sweep that found it, 0 if
	// none did.
	Sweep int64 `json:"sweep,omitempty"`
	// At is when a history being replayed listed it (see engine.When).
	At time.Time `json:"-"`
}

// Add lists a person, group or place. Every mistake is named at once, by
// field; a person already listed under the same ID number or phone is
// refused, naming the entry.
func (s *Service) Add(ctx context.Context, a engine.Actor, n *NewEntry) (*Entry, error) {
	if err := s.May(ctx, a, workflow.FeatureLedger); err != nil {
		return nil, err
	}
	if err := engine.CheckText(n); err != nil {
		return nil, err
	}
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	var v engine.FieldErrors
	n.Name, n.Address, n.Reason = strings.TrimSpace(n.Name), strings.TrimSpace(n.Address), strings.TrimSpace(n.Reason)
	n.IDNumber, n.Phone, n.Approver = engine.CleanIDNumber(n.IDNumber), engine.CleanPhone(n.Phone), strings.TrimSpace(n.Approver)
	if !n.Kind.Valid() {
		v.Add("kind", "请选择类别：重点人员、重点群体或重点领域/场所。")
	}
	switch {
	case n.Name == "":
		v.Add("name", "请填写姓名或名称。")
	case utf8.RuneCountInString(n.Name) > 100:
		v.Add("name", "姓名或名称不能超过100个字。")
	}
	if n.IDNumber != "" && (n.Kind != KindPerson || !engine.ValidIDNumber(n.IDNumber)) {
		v.Add("id_number", "身份证号码“%s”无效（应为18位，末位校验码需正确；只有重点人员填写）。", n.IDNumber)
	}
	if n.Phone != "" && !engine.ValidPhone(n.Phone) {
		v.Add("phone", "电话号码“%s”无效（手机11位，或带区号的固定电话）。", n.Phone)
	}
	if n.Kind == KindGroup && n.People < 2 {
		v.Add("people", "请填写群体的人数（至少2人）。")
	}
	if n.Kind != KindGroup && n.People != 0 {
		v.Add("people", "只有重点群体填写人数。")
	}
	unit := t.ByCode(n.Unit)
	switch {
	case n.Unit == "":
		v.Add("unit", "请选择所属单位。")
	case unit == nil || !t.Contains(a.UnitID, unit.ID) && a.Role != workflow.RoleSystem:
		v.Add("unit", "单位“%s”不在您的辖区内。", n.Unit)
	case unit.Level == workflow.LevelPartner:
		v.Add("unit", "台账记在镇（街道）、村（社区）或网格下，不记在联动单位下。")
	}
	if !slices.Contains(s.Policy.Categories, n.Category) {
		v.Add("category", "请选择列管原因：%s。", strings.Join(s.Policy.Categories, "、"))
	}
	if n.Reason == "" {
		v.Add("reason", "请写明列管的事由。")
	}
	if !n.Colour.Valid() {
		v.Add("colour", "请选择风险等级：红色、橙色、黄色或蓝色。")
	}
	if n.Approver == "" && a.Role == workflow.RoleSupervisor {
		n.Approver = a.Name
	}
	if n.Approver == "" {
		v.Add("approver", "请填写列管的审批人。")
	}
	if n.Sweep != 0 {
		unit, _, err := s.Store.SweepOf(ctx, n.Sweep)
		if err != nil || (a.Role != workflow.RoleSystem && !t.Contains(a.UnitID, unit)) {
			v.Add("sweep", "没有这次排查的填报，或不是本单位辖区的排查。")
		}
	}
	var owners []int64
	if len(n.Owners) == 0 {
		v.Add("owners", "请至少指定一名包保责任人。")
	}
	for _, name := range n.Owners {
		u, err := s.Engine.Store.FindUserByName(ctx, strings.TrimSpace(name))
		ok := err == nil && u.DisabledAt == nil && (u.Role == workflow.RoleMediator || u.Role == workflow.RoleSupervisor)
		if ok && unit != nil {
			ok = t.Contains(u.UnitID, unit.ID) || t.Contains(unit.ID, u.UnitID)
		}
		if !ok {
			v.Add("owners", "包保责任人“%s”不是本单位及上下级的调解员或督办人员。", name)
			continue
		}
		if !slices.Contains(owners, u.ID) {
			owners = append(owners, u.ID)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if n.Kind == KindPerson && (n.IDNumber != "" || n.Phone != "") {
		same, err := s.Store.Listed(ctx, nonEmpty(n.IDNumber), nonEmpty(n.Phone))
		if err != nil {
			return nil, err
		}
		if len(same) > 0 {
			return nil, engine.Invalid("id_number", "此人已在台账上（第%d号，%s），请在该条目中记录。", same[0].ID, same[0].Name)
		}
	}
	now := s.When(a, n.At)
	e := &Entry{Kind: n.Kind, Name: n.Name, IDNumber: n.IDNumber, Phone: n.Phone, Address: n.Address, People: n.People,
		UnitID: unit.ID, Category: n.Category, Reason: n.Reason, Colour: n.Colour, Owners: owners,
		ListedAt: now, ListedBy: a.UserID, ReviewDue: s.nextReview(n.Colour, now), Sweep: n.Sweep, Version: 1}
	r := &Record{Kind: RecordListed, At: now, ActorID: a.UserID, ActorName: a.Name, ColourTo: n.Colour,
		Reason: n.Category + "：" + n.Reason, Approver: n.Approver}
	if err := s.Store.CreateEntry(ctx, e, r); err != nil {
		return nil, err
	}
	return e, nil
}

// Contact is a contact with an entry: how, what was found, and the colour
// it confirms or changes to, with why.
type Contact struct {
	Method   string `json:"method"`
	Findings string `json:"findings"`
	// Colour is the colour after the contact; "" confirms the colour.
	Colour Colour `json:"colour"`
	Reason string `json:"reason"`
	// Version is the entry's version the form showed; 0 skips the check,
	// a contact only adding to the history.
	Version int `json:"version"`
	// At is when a history being replayed made it (see engine.When).
	At time.Time `json:"-"`
}

// RecordContact records a contact with an entry by one who may see it: the
// review is done and the next falls due by the colour after it.
func (s *Service) RecordContact(ctx context.Context, a engine.Actor, id int64, c *Contact) (*Entry, error) {
	e, err := s.entry(ctx, a, id, workflow.FeatureLedger)
	if err != nil {
		return nil, err
	}
	if err := engine.CheckText(c); err != nil {
		return nil, err
	}
	var v engine.FieldErrors
	c.Findings, c.Reason = strings.TrimSpace(c.Findings), strings.TrimSpace(c.Reason)
	if !slices.Contains(Methods, c.Method) {
		v.Add("method", "请选择联系方式：%s。", strings.Join(Methods, "、"))
	}
	if c.Findings == "" {
		v.Add("findings", "请写明了解到的情况。")
	}
	if c.Colour == "" {
		c.Colour = e.Colour
	}
	if !c.Colour.Valid() {
		v.Add("colour", "请选择风险等级：红色、橙色、黄色或蓝色。")
	} else if c.Colour != e.Colour && c.Reason == "" {
		v.Add("reason", "风险等级由%s改为%s，请说明理由。", e.Colour.Label(), c.Colour.Label())
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.current(e, c.Version); err != nil {
		return nil, err
	}
	now := s.When(a, c.At)
	r := &Record{Kind: RecordContact, At: now, ActorID: a.UserID, ActorName: a.Name, Method: c.Method, Findings: c.Findings,
		ColourFrom: e.Colour, ColourTo: c.Colour, Reason: c.Reason, Due: e.ReviewDue}
	e.Colour, e.ReviewedAt, e.ReviewDue = c.Colour, &now, s.nextReview(c.Colour, now)
	return e, s.save(ctx, e, r)
}

// Press presses (督办) an entry whose review is overdue, once until its
// next review; the owners find it marked in their queue.
func (s *Service) Press(ctx context.Context, a engine.Actor, id int64, note string) (*Entry, error) {
	e, err := s.entry(ctx, a, id, workflow.FeatureLedgerReview)
	if err != nil {
		return nil, err
	}
	if err := engine.CheckText(&struct{ Note string }{note}); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	switch {
	case !e.Overdue(now):
		return nil, engine.Errorf(engine.ECONFLICT, "该条目的走访尚未超期，无需督办。")
	case e.PressedNow():
		return nil, engine.Errorf(engine.ECONFLICT, "该条目已于%s督办过，等待包保责任人走访。", e.PressedAt.In(s.Location).Format("1月2日15:04"))
	}
	e.PressedAt = &now
	return e, s.save(ctx, e, &Record{Kind: RecordPressed, At: now, ActorID: a.UserID, ActorName: a.Name,
		ColourFrom: e.Colour, ColourTo: e.Colour, Reason: strings.TrimSpace(note)})
}

// Delist takes an entry off the ledger (销号), the supervisor approving it
// with a reason; its history stays.
func (s *Service) Delist(ctx context.Context, a engine.Actor, id int64, version int, reason string) (*Entry, error) {
	e, err := s.entry(ctx, a, id, workflow.FeatureLedgerReview)
	if err != nil {
		return nil, err
	}
	if err := engine.CheckText(&struct{ Reason string }{reason}); err != nil {
		return nil, err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return nil, engine.Invalid("reason", "请写明销号的理由（如矛盾已化解、人员已迁出）。")
	}
	if err := s.current(e, version); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	e.DelistedAt, e.ReviewDue = &now, nil
	return e, s.save(ctx, e, &Record{Kind: RecordDelisted, At: now, ActorID: a.UserID, ActorName: a.Name,
		ColourFrom: e.Colour, ColourTo: e.Colour, Reason: reason, Approver: a.Name})
}

// entry returns an entry still on the ledger that the actor may see and
// act on with feature f.
func (s *Service) entry(ctx context.Context, a engine.Actor, id int64, f workflow.Feature) (*Entry, error) {
	if err := s.May(ctx, a, f); err != nil {
		return nil, err
	}
	e, err := s.find(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if e.DelistedAt != nil {
		return nil, engine.Errorf(engine.ECONFLICT, "该条目已于%s销号。", e.DelistedAt.In(s.Location).Format("2006年1月2日"))
	}
	return e, nil
}

// find returns an entry under the actor's unit, or one they answer for.
func (s *Service) find(ctx context.Context, a engine.Actor, id int64) (*Entry, error) {
	e, err := s.Store.FindEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Role == workflow.RoleSystem || slices.Contains(e.Owners, a.UserID) {
		return e, nil
	}
	t, err := s.TreeWith(ctx, a.UnitID, e.UnitID)
	if err != nil {
		return nil, err
	}
	if a.Role == workflow.RolePartner || !t.Contains(a.UnitID, e.UnitID) {
		return nil, engine.Errorf(engine.ENOTFOUND, "台账条目不存在。")
	}
	return e, nil
}

// current refuses a change made on a form that showed an older version.
func (s *Service) current(e *Entry, version int) error {
	if version != 0 && version != e.Version {
		return engine.Errorf(engine.ECONFLICT, "您打开本页之后，该条目有了新的记录，请看过后再提交。")
	}
	return nil
}

func (s *Service) save(ctx context.Context, e *Entry, r *Record) error {
	r.EntryID = e.ID
	e.Version++
	if err := s.Store.UpdateEntry(ctx, e, r); err != nil {
		e.Version--
		return err
	}
	return nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// Label names an entry in an audit row and a list: its kind, number and
// name.
func (e *Entry) Label() string {
	return fmt.Sprintf("%s第%d号（%s）", e.Kind.Label(), e.ID, e.Name)
}
