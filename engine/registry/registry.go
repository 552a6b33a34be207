// Package registry is the registry of mediators (人民调解员名册, DESIGN §10):
// each person who mediates, with an account of role mediator or without one
// (a 村干部 named on a 门前调's records), 专职 or 兼职, appointed when and of
// which grade; and the trainings they attend, whose hours the registry adds
// up by year.
package registry

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Mediator is one person on the registry.
type Mediator struct {
	// ID is the registry's row, 0 for an account whose particulars were
	// never kept; UserID the account, 0 for one without an account.
	ID     int64
	UserID int64
	Name   string
	// UnitID is the mediator's unit; CommitteeID the committee (or studio)
	// they serve when it is not their unit's own, 0 when it is.
	UnitID      int64
	CommitteeID int64
	Phone       string
	FullTime    bool
	AppointedOn string // 2024-03-01
	Grade       string
	// Tenths are the training hours, in tenths, of the year the registry
	// was read for.
	Tenths int
}

// Hours are the mediator's training hours of the year read.
func (m *Mediator) Hours() float64 { return float64(m.Tenths) / 10 }

// Grades are the grades a mediator may hold, the first the highest (雅安's
// four grades, DOMAIN).
var Grades = []string{"一级", "二级", "三级", "四级"}

// Training is a training of mediators: when, how long, on what, who came.
type Training struct {
	ID     int64
	UnitID int64 // the unit that held it
	HeldOn string
	Tenths int // hours, in tenths
	Topic  string
	// Attendees are the registry's rows that attended; Names, their names,
	// as read.
	Attendees  []int64
	Names      []string
	RecordedBy int64
	RecordedAt time.Time
}

// Hours are the training's hours.
func (t *Training) Hours() float64 { return float64(t.Tenths) / 10 }

// Store is what the registry keeps its rows in.
type Store interface {
	// Mediators returns the registry's rows of the units.
	Mediators(ctx context.Context, units []int64) ([]*Mediator, error)
	// SaveMediator writes m: a new row, or over its row (by id, or by its
	// account's), setting m.ID.
	SaveMediator(ctx context.Context, m *Mediator) error
	// CreateTraining writes a training and its attendance, making the rows
	// of the accounts among the attendees that have none (ID 0), in one
	// transaction; it sets the ids.
	CreateTraining(ctx context.Context, t *Training, attendees []*Mediator) error
	// Trainings returns the trainings held by the units in a year, newest
	// first, with their attendees' names.
	Trainings(ctx context.Context, units []int64, year int) ([]*Training, error)
	// TrainingTenths sums each row's hours of training, in tenths, in a
	// year.
	TrainingTenths(ctx context.Context, ids []int64, year int) (map[int64]int, error)
	CommitteeStore
}

// Service keeps the registry on the engine's unit tree and permissions.
type Service struct {
	*engine.Engine
	Store Store
}

// New returns the registry's service on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }

// Registry returns the mediators of the actor's subtree: the rows kept and
// the accounts of role mediator without one, each with their training
// hours of the year, by unit and name.
func (s *Service) Registry(ctx context.Context, a engine.Actor, year int) ([]*Mediator, error) {
	r, err := s.reach(ctx, a)
	if err != nil {
		return nil, err
	}
	t, units := r.t, r.units()
	out, err := s.Store.Mediators(ctx, units)
	if err != nil {
		return nil, err
	}
	kept := map[int64]bool{}
	var ids []int64
	for _, m := range out {
		kept[m.UserID], ids = true, append(ids, m.ID)
	}
	users, err := s.Engine.Store.Users(ctx, units)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Role == workflow.RoleMediator && u.DisabledAt == nil && !kept[u.ID] {
			out = append(out, &Mediator{UserID: u.ID, Name: u.Actor().Name, UnitID: u.UnitID})
		}
	}
	tenths, err := s.Store.TrainingTenths(ctx, ids, year)
	if err != nil {
		return nil, err
	}
	for _, m := range out {
		m.Tenths = tenths[m.ID]
	}
	slices.SortStableFunc(out, func(x, y *Mediator) int {
		if c := strings.Compare(t.Path(x.UnitID), t.Path(y.UnitID)); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
	return out, nil
}

// Save keeps a mediator's particulars: a row kept (ID set), an account's
// without one (UserID set), or a new person without an account. An
// account's name and unit are the account's. Every mistake is named by
// field.
func (s *Service) Save(ctx context.Context, a engine.Actor, m *Mediator) error {
	r, err := s.reach(ctx, a)
	if err != nil {
		return err
	}
	return s.save(ctx, r, m)
}

// save keeps a mediator's particulars within r (see Save).
func (s *Service) save(ctx context.Context, r reach, m *Mediator) error {
	t := r.t
	if err := engine.CheckText(m); err != nil {
		return err
	}
	var v engine.FieldErrors
	if m.ID != 0 {
		// A row kept stays whose it is: an account's, or a person's.
		rows, err := s.Store.Mediators(ctx, r.units())
		if err != nil {
			return err
		}
		i := slices.IndexFunc(rows, func(row *Mediator) bool { return row.ID == m.ID })
		if i < 0 {
			return engine.Errorf(engine.ENOTFOUND, "辖区内没有这位调解员。")
		}
		m.UserID = rows[i].UserID
	}
	if m.UserID != 0 {
		u, err := s.Engine.Store.FindUser(ctx, m.UserID)
		if err != nil || u.Role != workflow.RoleMediator || !r.has(u.UnitID) {
			return engine.Errorf(engine.ENOTFOUND, "辖区内没有这个调解员账号。")
		}
		m.Name, m.UnitID = u.Actor().Name, u.UnitID
	}
	m.Name, m.Phone, m.AppointedOn = strings.TrimSpace(m.Name), engine.CleanPhone(m.Phone), strings.TrimSpace(m.AppointedOn)
	if m.Name == "" || len([]rune(m.Name)) > 50 {
		v.Add("name", "请填写调解员姓名（50字以内）。")
	}
	if u := t.Unit(m.UnitID); u == nil || u.Level == workflow.LevelPartner || !r.has(u.ID) {
		v.Add("unit", "请选择本辖区内调解员所在的单位。")
	}
	if m.Phone != "" && !engine.ValidPhone(m.Phone) {
		v.Add("phone", "电话号码“%s”无效（手机11位，或带区号的固定电话）。", m.Phone)
	}
	if m.AppointedOn != "" {
		if d, err := time.Parse(time.DateOnly, m.AppointedOn); err != nil || d.After(s.Now()) {
			v.Add("appointed_on", "聘任日期“%s”应为今天或以前的日期，如 2024-03-01。", m.AppointedOn)
		}
	}
	if m.Grade != "" && !slices.Contains(Grades, m.Grade) {
		v.Add("grade", "等级应为%s之一。", strings.Join(Grades, "、"))
	}
	if c := t.Committee(m.CommitteeID); m.CommitteeID != 0 && (c == nil || !r.has(c.UnitID)) {
		v.Add("committee", "请选择本辖区内的调解委员会或工作室。")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if r.dry {
		return nil
	}
	if err := s.Store.SaveMediator(ctx, m); err != nil {
		return err
	}
	// The committee an account serves is the one its steps record.
	s.ForgetTree()
	return nil
}

// NewTraining is a training as a form or the API gives it: attendees by
// their registry row, or by their account for one without a row yet.
type NewTraining struct {
	HeldOn    string  `json:"held_on"`
	Hours     float64 `json:"hours"`
	Topic     string  `json:"topic"`
	Mediators []int64 `json:"mediators"`
	Accounts  []int64 `json:"accounts"`
}

// RecordTraining records a training the actor's unit held, and who of its
// registry attended.
func (s *Service) RecordTraining(ctx context.Context, a engine.Actor, n *NewTraining) (*Training, error) {
	reg, err := s.Registry(ctx, a, s.Now().In(s.Location).Year())
	if err != nil {
		return nil, err
	}
	if err := engine.CheckText(n); err != nil {
		return nil, err
	}
	var v engine.FieldErrors
	n.Topic = strings.TrimSpace(n.Topic)
	held, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(n.HeldOn), s.Location)
	if err != nil || held.After(s.Now()) || held.Year() < 2000 {
		v.Add("held_on", "培训日期“%s”应为今天或以前的日期，如 2026-11-20。", n.HeldOn)
	}
	tenths := int(n.Hours*10 + 0.5)
	if tenths < 5 || tenths > 400 {
		v.Add("hours", "培训学时应在0.5到40小时之间。")
	}
	if n.Topic == "" {
		v.Add("topic", "请填写培训内容。")
	}
	var attendees []*Mediator
	for _, m := range reg {
		if (m.ID != 0 && slices.Contains(n.Mediators, m.ID)) || (m.ID == 0 && slices.Contains(n.Accounts, m.UserID)) {
			attendees = append(attendees, m)
		}
	}
	if len(attendees) == 0 || len(attendees) != len(n.Mediators)+len(n.Accounts) {
		v.Add("attendees", "请勾选参加培训的本辖区调解员。")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	tr := &Training{UnitID: a.UnitID, HeldOn: held.Format(time.DateOnly), Tenths: tenths, Topic: n.Topic, RecordedBy: a.UserID,
		RecordedAt: s.Now().UTC()}
	if err := s.Store.CreateTraining(ctx, tr, attendees); err != nil {
		return nil, err
	}
	return tr, nil
}

// Trainings returns the trainings the actor's subtree held in a year.
func (s *Service) Trainings(ctx context.Context, a engine.Actor, year int) ([]*Training, error) {
	r, err := s.reach(ctx, a)
	if err != nil {
		return nil, err
	}
	return s.Store.Trainings(ctx, r.units(), year)
}

// reach is the part of the unit tree whose registry is kept: an actor's
// subtree, or for an import the whole tree (root 0).
type reach struct {
	t    *engine.Tree
	root int64
	// dry checks what would be kept and writes nothing, for an import's
	// dry run.
	dry bool
}

// has reports whether a unit lies in the reach.
func (r reach) has(unit int64) bool {
	if r.root == 0 {
		return r.t.Unit(unit) != nil
	}
	return r.t.Contains(r.root, unit)
}

// units returns the ids of the reach's units.
func (r reach) units() []int64 {
	if r.root != 0 {
		return r.t.Subtree(r.root)
	}
	var out []int64
	for _, u := range r.t.Units() {
		out = append(out, u.ID)
	}
	return out
}

// committees returns the committees of the reach's units.
func (r reach) committees() []*engine.Committee {
	if r.root != 0 {
		return r.t.CommitteesUnder(r.root)
	}
	var out []*engine.Committee
	for _, u := range r.t.Roots() {
		out = append(out, r.t.CommitteesUnder(u.ID)...)
	}
	return out
}

// reach refuses an actor the registry is not for, and returns the actor's
// subtree, whose registry it is.
func (s *Service) reach(ctx context.Context, a engine.Actor) (reach, error) {
	if err := s.May(ctx, a, workflow.FeatureRegistry); err != nil {
		return reach{}, err
	}
	t, err := s.Tree(ctx)
	if err != nil {
		return reach{}, err
	}
	return reach{t: t, root: a.UnitID}, nil
}
