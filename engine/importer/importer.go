package importer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/form"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/grassroots/mediation/workflow"
)

// ImportLine is one line of an import file: a unit or a case with its whole
// history.
type ImportLine struct {
	Type string `json:"type"`

	// Units.
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	Parent     string `json:"parent"`
	CasePrefix string `json:"case_prefix"`
	Address    string `json:"address"`
	Phone      string `json:"phone"`
	// Kind is a partner body's kind (派出所, 法庭, …), for level partner,
	// or a committee's (engine.CommitteeKinds). Left out of a case's
	// canonical form when empty, so that a case keeps the key of its
	// content that earlier versions stored (see importKeys); so are the
	// fields of committees and mediators below.
	Kind string `json:"kind,omitempty"`

	// Committees (type committee): the unit served, by code; the seal's
	// text, the founding date, and for a studio its committee, by name.
	Unit      string `json:"unit,omitempty"`
	Seal      string `json:"seal,omitempty"`
	FoundedOn string `json:"founded_on,omitempty"`
	StudioOf  string `json:"studio_of,omitempty"`
	// Mediators (type mediator): the account, by user name, or a person
	// without one, by name and unit; the committee served, by name, and
	// the role on it; 专职 or not, appointment and grade. Phone is above.
	User        string `json:"user,omitempty"`
	Committee   string `json:"committee,omitempty"`
	Role        string `json:"role,omitempty"`
	FullTime    bool   `json:"full_time,omitempty"`
	AppointedOn string `json:"appointed_on,omitempty"`
	Grade       string `json:"grade,omitempty"`

	// Cases.
	Source       string        `json:"source"`
	Category     string        `json:"category"`
	Location     string        `json:"location"`
	OpenedAt     time.Time     `json:"opened_at"`
	Amount       float64       `json:"amount"` // yuan
	People       int           `json:"people"`
	Risk         string        `json:"risk"`
	Flags        []string      `json:"flags"`
	CrossVillage bool          `json:"cross_village"`
	Summary      string        `json:"summary"`
	Requests     string        `json:"requests"`
	Parties      []form.Party  `json:"parties"`
	Events       []ImportEvent `json:"events"`
	// ExternalID, when given, names the case in the system it comes from:
	// a second line with the same id is the same case, whatever else it
	// says.
	ExternalID string `json:"external_id"`
}

// maxLine bounds one line of an import file; a longer one is reported
// with its number and skipped, and the lines after it still load.
const maxLine = 16 << 20

// ImportEvent is one event of an imported history: its name and time, who
// did it (optional: a user name), and its data as the API carries it.
type ImportEvent struct {
	Event string    `json:"event"`
	At    time.Time `json:"at"`
	By    string    `json:"by"`
	// Committee names the committee that acted, for a history that
	// records it; left out, the step is its actor's unit's committee's.
	Committee string `json:"committee,omitempty"`
	form.Action
}

// ImportOptions steer an import.
type ImportOptions struct {
	// DryRun checks every line through the same path without writing.
	DryRun bool
	// Progress, when set, is called after each line with the lines done.
	Progress func(done int)
}

// ImportResult counts what an import did. A line that failed is listed in
// Errors with its number and reason; the other lines still load.
type ImportResult struct {
	Lines   int
	Units   int
	Cases   int
	Events  int
	Skipped int // cases imported before, recognised by their content
	// Registry counts the committees and mediators kept.
	Registry int
	Errors   []LineError
}

// LineError is why one line of an import failed.
type LineError struct {
	Line int
	Err  error
}

func (e LineError) Error() string {
	return fmt.Sprintf("第%d行：%s", e.Line, engine.ErrorMessage(e.Err))
}

// Import loads units and case histories from JSON lines. Every case goes
// through the same checks and workflow as a live one, under the system actor
// and with its own timestamps; a case whose history breaks the workflow is
// rejected whole. Import is idempotent: a case line seen before (same
// content) is skipped, and a unit line updates the unit with its code.
func (e *Service) Import(ctx context.Context, r io.Reader, opt ImportOptions) (*ImportResult, error) {
	t, err := e.Tree(ctx)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{}
	dry := newDryTree(t)
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, tooLong, err := readLine(br, maxLine)
		if err != nil && !errors.Is(err, io.EOF) {
			return res, engine.Errorf(engine.EINVALID, "读取第%d行后出错：%v", res.Lines, err)
		}
		if line == nil && !tooLong && errors.Is(err, io.EOF) {
			break
		}
		res.Lines++
		// A byte-order mark, as some editors write, starts the file.
		line = bytes.TrimSpace(bytes.TrimPrefix(line, []byte("\ufeff")))
		switch {
		case tooLong:
			res.Errors = append(res.Errors, LineError{res.Lines, engine.Errorf(engine.EINVALID, "这一行超过 %d MB，已跳过。", maxLine>>20)})
		case len(line) > 0 && line[0] != '#':
			if err := e.importLine(ctx, line, opt.DryRun, dry, res); err != nil {
				if engine.ErrorCode(err) == engine.EINTERNAL && ctx.Err() != nil {
					return res, err
				}
				res.Errors = append(res.Errors, LineError{res.Lines, err})
			}
		}
		if opt.Progress != nil {
			opt.Progress(res.Lines)
		}
		if errors.Is(err, io.EOF) {
			return res, nil
		}
	}
	return res, nil
}

// readLine reads one line of at most max bytes, without its newline. A
// longer line is read to its end and dropped: tooLong says so.
func readLine(r *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		part, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(part) > max+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, part...)
			}
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if tooLong {
				return nil, true, err
			}
			if len(line) == 0 && err != nil {
				return nil, false, err
			}
			return bytes.TrimSuffix(line, []byte("\n")), false, err
		}
	}
}

func (e *Service) importLine(ctx context.Context, raw []byte, dryRun bool, dry *dryTree, res *ImportResult) error {
	var l ImportLine
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return engine.Errorf(engine.EINVALID, "不是有效的JSON记录：%v", err)
	}
	switch l.Type {
	case "unit":
		u := &engine.Unit{Code: strings.TrimSpace(l.Code), Name: strings.TrimSpace(l.Name), Level: workflow.Level(l.Level), CasePrefix: l.CasePrefix,
			Address: strings.TrimSpace(l.Address), Phone: strings.TrimSpace(l.Phone), Kind: strings.TrimSpace(l.Kind)}
		if err := e.importUnit(ctx, u, l.Parent, dryRun, dry); err != nil {
			return err
		}
		res.Units++
		return nil
	case "committee":
		c := &engine.Committee{Name: l.Name, Kind: strings.TrimSpace(l.Kind), Seal: l.Seal, FoundedOn: l.FoundedOn}
		if err := e.Registry.ImportCommittee(ctx, dry.tree(), c, l.Unit, l.StudioOf, dryRun); err != nil {
			return err
		}
		res.Registry++
		return dry.kept(ctx, e.Engine, dryRun, c)
	case "mediator":
		m := &registry.Mediator{Name: l.Name, Phone: l.Phone, FullTime: l.FullTime, AppointedOn: l.AppointedOn, Grade: l.Grade}
		if err := e.Registry.ImportMediator(ctx, dry.tree(), m, l.User, l.Unit, l.Committee, strings.TrimSpace(l.Role), dryRun); err != nil {
			return err
		}
		res.Registry++
		return dry.kept(ctx, e.Engine, dryRun, nil)
	case "case":
		key, old, err := importKeys(&l, raw)
		if err != nil {
			return err
		}
		for _, k := range []string{key, old} {
			if seen, err := e.Store.ImportedCase(ctx, k); err != nil {
				return err
			} else if seen || dry.seen[k] {
				res.Skipped++
				return nil
			}
		}
		made, err := e.importPartners(ctx, &l, dryRun, dry)
		if err != nil {
			return err
		}
		res.Units += made
		reg, err := e.replay(ctx, dry.tree(), &l, key, dry.users)
		if err != nil {
			return err
		}
		if dryRun {
			dry.seen[key] = true
		} else if err := e.Store.CreateCases(ctx, reg); err != nil {
			return err
		}
		res.Cases++
		res.Events += len(reg.History)
		return nil
	}
	return engine.Errorf(engine.EINVALID, "type 必须是 unit、committee、mediator 或 case，而不是“%s”。", l.Type)
}

// importUnit saves a unit of an import, or in a dry run adds it to the
// tree the run sees.
func (e *Service) importUnit(ctx context.Context, u *engine.Unit, parent string, dryRun bool, dry *dryTree) error {
	if dryRun {
		return dry.add(u, parent)
	}
	if err := e.SaveUnit(ctx, u, parent); err != nil {
		return err
	}
	t, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	dry.base = t
	return nil
}

// importPartners maps the partner a history's referrals name by a word
// (派出所, 法庭, …), as systems before the 141 linkage did, to the partner
// body of that kind of the case's town, creating it when the town has
// none. It returns how many it created.
func (e *Service) importPartners(ctx context.Context, l *ImportLine, dryRun bool, dry *dryTree) (int, error) {
	made := 0
	for _, ie := range l.Events {
		t := dry.tree()
		loc, word := t.ByCode(l.Location), strings.TrimSpace(ie.Partner)
		kind, ok := engine.PartnerKindNamed(word)
		if ie.Event != string(workflow.Refer) || loc == nil || !ok || t.Town(loc.ID) == nil {
			continue
		}
		if _, err := t.Partner(&engine.Case{LocationUnitID: loc.ID}, word); err == nil {
			continue
		}
		town := t.Town(loc.ID)
		u := &engine.Unit{Code: town.Code + "-" + kind.Key, Name: town.Name + kind.Name, Level: workflow.LevelPartner, Kind: kind.Name}
		if err := e.importUnit(ctx, u, town.Code, dryRun, dry); err != nil {
			return made, err
		}
		made++
	}
	return made, nil
}

// importKeys names an imported case so that a second import knows it: by
// its external id when the line gives one, or else by its content as
// parsed, written out again in one canonical form, so that the same case
// with other spacing or field order is the same case. old is the key of
// the line's exact bytes, which imports before this rule stored.
func importKeys(l *ImportLine, raw []byte) (key, old string, err error) {
	sum := sha256.Sum256(raw)
	old = hex.EncodeToString(sum[:16])
	if id := strings.TrimSpace(l.ExternalID); id != "" {
		return "ext:" + id, old, nil
	}
	// The same instant written in another zone is the same case.
	c := *l
	c.OpenedAt = c.OpenedAt.UTC()
	c.Events = slices.Clone(c.Events)
	for i := range c.Events {
		c.Events[i].At = c.Events[i].At.UTC()
	}
	canonical, err := json.Marshal(&c)
	if err != nil {
		return "", "", err
	}
	sum = sha256.Sum256(canonical)
	return "c:" + hex.EncodeToString(sum[:16]), old, nil
}

// replay builds an imported case and runs its history through the workflow in
// memory, returning the changes to write.
func (e *Service) replay(ctx context.Context, t *engine.Tree, l *ImportLine, key string, users map[string]*engine.User) (*engine.Registration, error) {
	loc := t.ByCode(l.Location)
	if loc == nil {
		return nil, engine.Invalid("location", "纠纷发生地网格“%s”不存在（请先导入单位）。", l.Location)
	}
	if l.OpenedAt.IsZero() {
		return nil, engine.Invalid("opened_at", "缺少登记时间 opened_at（RFC 3339 格式）。")
	}
	dispute := form.Case{Source: l.Source, Category: l.Category, Location: l.Location, Amount: form.Yuan(engine.FenFromYuan(l.Amount)),
		People: l.People, Risk: l.Risk, Flags: l.Flags, CrossVillage: l.CrossVillage, Summary: l.Summary, Requests: l.Requests,
		Parties: l.Parties}
	n, err := dispute.NewCase(t)
	if err != nil {
		return nil, err
	}
	n.At, n.ImportKey = l.OpenedAt, key
	var steps []engine.Step
	last := n.At
	for i, ie := range l.Events {
		if ie.At.IsZero() {
			return nil, eventError(i, ie.Event, engine.Invalid("at", "缺少事件时间 at。"))
		}
		if ie.At.Before(last) {
			return nil, eventError(i, ie.Event, engine.Invalid("at", "事件时间早于前一事件。"))
		}
		last = ie.At
		in, err := ie.Input(e.Location)
		if err != nil {
			return nil, eventError(i, ie.Event, err)
		}
		// A history is replayed as it happened: no version to check, and
		// an escalation for lateness was the scheduler's.
		in.Version, in.At, in.Automatic = 0, ie.At, ie.Reason == workflow.ReasonOverdue
		by, err := e.importUser(ctx, ie.By, users)
		if err != nil {
			return nil, eventError(i, ie.Event, err)
		}
		var committee *engine.Committee
		if name := strings.TrimSpace(ie.Committee); name != "" {
			if committee = t.CommitteeNamed(name, loc.ID); committee == nil {
				return nil, eventError(i, ie.Event, engine.Invalid("committee", "调解委员会“%s”不存在（请先导入它）。", name))
			}
		}
		step := engine.Step{Input: in}
		var grants func(c *engine.Case) []workflow.Grant
		if ev := workflow.Event(ie.Event); ev.Known() {
			step.Event = ev
			grants = func(c *engine.Case) []workflow.Grant {
				tr, _ := workflow.Lookup(c.State, ev)
				return tr.Grants
			}
		} else {
			step.Activity = workflow.Activity(ie.Event)
			rule, _ := step.Activity.Rule()
			grants = func(*engine.Case) []workflow.Grant { return rule.Grants }
		}
		step.By = func(c *engine.Case) engine.Actor {
			if in.Automatic {
				return engine.System
			}
			a := historyActor(t, c, grants(c), by)
			if committee != nil {
				a.Committee = committee.ID
			}
			return a
		}
		steps = append(steps, step)
	}
	accept, _ := workflow.Lookup(workflow.Registered, workflow.AcceptTown)
	desk := historyActor(t, &engine.Case{State: workflow.Registered, LocationUnitID: loc.ID}, accept.Grants, nil)
	reg, err := e.Plan(ctx, t, desk, n, steps)
	if se := (*engine.StepError)(nil); errors.As(err, &se) {
		return nil, eventError(se.Index, l.Events[se.Index].Event, se.Err)
	}
	if err != nil {
		return nil, err
	}
	// A history is the past: the deadlines that passed before the import
	// were dealt with, or not, back then. They are marked as flagged, so
	// that the scheduler neither escalates nor flags a ledger of old cases
	// the moment it arrives; it acts on the deadlines that pass from now.
	final := reg.Case
	if n := len(reg.History); n > 0 {
		final = reg.History[n-1].Case
	}
	if passed := final.LatestPassed(e.Now()); passed != nil {
		final.FlaggedDueAt = passed
	}
	return reg, nil
}

// importUser finds the user an imported event names, nil for none; users
// caches them for the file.
func (e *Service) importUser(ctx context.Context, name string, users map[string]*engine.User) (*engine.User, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nil
	}
	if u, ok := users[name]; ok {
		return u, nil
	}
	u, err := e.Store.FindUserByName(ctx, name)
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		return nil, engine.Invalid("by", "用户“%s”不存在（by 须为已有账号的用户名，或留空）。", name)
	}
	if err != nil {
		return nil, err
	}
	users[name] = u
	return u, nil
}

// historyActor is who did a step on c in an imported history: the user the
// history names, or else the staff of the unit the workflow table grants the
// step to first (the desk of the town, or the mediators of the handling
// unit), unnamed. Either way the step is replayed.
func historyActor(t *engine.Tree, c *engine.Case, grants []workflow.Grant, by *engine.User) engine.Actor {
	if by != nil {
		return engine.Replaying(by.Actor())
	}
	a := engine.Actor{Role: workflow.RoleIntake}
	unit := t.Town(c.LocationUnitID)
	if len(grants) > 0 {
		a.Role = grants[0].Role
		if grants[0].Scope == workflow.AtHandlingUnit {
			unit = t.Unit(c.HandlingUnitID)
		}
	}
	if unit != nil {
		a.UnitID, a.Name = unit.ID, unit.Name+a.Role.Label()
	}
	return engine.Replaying(a)
}

// eventError names the event of an imported history that failed.
func eventError(i int, event string, err error) error {
	return engine.Errorf(engine.ErrorCode(err), "第%d个事件（%s）：%s", i+1, event, engine.ErrorMessage(err))
}

// dryTree is the unit tree as an import sees it: the stored units plus, in a
// dry run, those the file declared so far, with stand-in ids.
type dryTree struct {
	base  *engine.Tree
	extra []*engine.Unit
	// committees are those a dry run has checked, as the store would keep
	// them.
	committees []*engine.Committee
	cache      *engine.Tree
	seen       map[string]bool // case lines a dry run has passed
	users      map[string]*engine.User
}

func newDryTree(t *engine.Tree) *dryTree {
	return &dryTree{base: t, seen: map[string]bool{}, users: map[string]*engine.User{}}
}

func (d *dryTree) tree() *engine.Tree {
	if len(d.extra) == 0 && len(d.committees) == 0 {
		return d.base
	}
	if d.cache == nil {
		d.cache = d.base.Extend(d.extra, d.committees)
	}
	return d.cache
}

// kept follows a committee or mediator an import kept: a dry run adds a
// new committee to the tree it sees; a real one reads the tree again.
func (d *dryTree) kept(ctx context.Context, e *engine.Engine, dryRun bool, c *engine.Committee) error {
	if dryRun {
		if c != nil && c.ID == 0 {
			c.ID = -int64(1000000 + len(d.committees))
			d.committees, d.cache = append(d.committees, c), nil
		}
		return nil
	}
	t, err := e.Tree(ctx)
	d.base, d.cache = t, nil
	return err
}

func (d *dryTree) add(u *engine.Unit, parentCode string) error {
	t := d.tree()
	if err := t.Place(u, parentCode); err != nil {
		return err
	}
	if t.ByCode(u.Code) != nil {
		return nil
	}
	u.ID = -int64(len(d.extra) + 1)
	d.extra = append(d.extra, u)
	d.cache = nil
	return nil
}
