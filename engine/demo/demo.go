// Package demo builds the demo town 油车港镇: its unit tree, one account per
// role, and a year of cases made through the engine, so that every page and
// report has something to show.
package demo

import (
	"cmp"
	"context"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/apply"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/partner"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/grassroots/mediation/workflow"
)

// Password is the demo accounts' password. It is published (the README,
// the login page of a server started with --demo) and kept nowhere: the
// database holds its hash, as of every password, and each account's mark
// of still being on it.
const Password = "youchegang"

// Account is a demo login.
type Account struct {
	Name string
	Role workflow.Role
	Unit string
}

// Accounts are the logins the README and the login page name.
var Accounts = []Account{
	{"jiedai", workflow.RoleIntake, "油车港镇"},
	{"wangge", workflow.RoleMediator, "正阳社区第1网格"},
	{"cuntiao", workflow.RoleMediator, "麟湖村"},
	{"zhentiao", workflow.RoleMediator, "油车港镇"},
	{"duban", workflow.RoleSupervisor, "油车港镇"},
	{"xianju", workflow.RoleSupervisor, "嘉兴市秀洲区"},
	{"admin", workflow.RoleAdmin, "油车港镇"},
	{"xianguan", workflow.RoleAdmin, "嘉兴市秀洲区"},
	{"paichusuo", workflow.RolePartner, "油车港派出所"},
	{"fating", workflow.RolePartner, "油车港人民法庭"},
	{"xinfang", workflow.RolePartner, "油车港镇信访办"},
	{"laodong", workflow.RolePartner, "油车港镇劳动仲裁"},
	{"shichang", workflow.RolePartner, "油车港市场监管所"},
	{"jiaojing", workflow.RolePartner, "油车港交警中队"},
	{"bumen", workflow.RolePartner, "油车港镇其他部门"},
}

// partnerName names a town's partner body of a kind as the town calls it.
func partnerName(town, kind string) string {
	short := strings.TrimSuffix(town, "镇")
	switch kind {
	case "派出所":
		return short + "派出所"
	case "法庭":
		return short + "人民法庭"
	case "市场监管":
		return short + "市场监管所"
	case "交警":
		return short + "交警中队"
	}
	return town + kind
}

// Rooms are the rooms the demo fills besides the cases: the ledger of key
// persons and the registry of mediators.
type Rooms struct {
	Ledger   *ledger.Service
	Registry *registry.Service
	// Parties apply and rate online.
	Parties *apply.Service
}

// Result says what Build made.
type Result struct {
	Cases  int
	Events int
}

type village struct {
	code, name string
	grids      int
}

// towns are the demo county's towns: 油车港镇, and a smaller second town so
// that the county's report has two rows.
var towns = []struct {
	code, name, prefix string
	villages           []village
}{
	{"YCG", "油车港镇", "油", []village{{"LH", "麟湖村", 3}, {"MS", "马厍村", 3}, {"SF", "胜丰村", 3}, {"LJ", "陆家村", 3},
		{"YH", "永红村", 2}, {"ZY", "正阳社区", 3}, {"YC", "油车港社区", 3}}},
	{"XC", "新塍镇", "新", []village{{"LD", "洛东村", 2}, {"XQ", "新庆村", 2}}},
}

// county is the demo's 区/县司法局 above the towns.
const county = "嘉兴市秀洲区"

// Build makes the demo town on an empty database: units, accounts and about
// perYear cases over the year before now. It refuses a database that has
// units already. progress, when set, is called after each case.
func Build(ctx context.Context, e *engine.Engine, rooms Rooms, perYear int, seed uint64, progress func(done, total int)) (*Result, error) {
	t, err := e.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if len(t.Units()) > 0 {
		return nil, engine.Errorf(engine.ECONFLICT, "数据库中已有单位，演示数据只能载入空数据库。")
	}
	b := &builder{e: e, rng: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: e.Now().UTC(),
		desks: map[int64]engine.Actor{}, mediators: map[int64]engine.Actor{}, partners: map[int64]engine.Actor{}}
	if err := b.units(ctx); err != nil {
		return nil, err
	}
	if err := b.accounts(ctx, Password); err != nil {
		return nil, err
	}
	if err := b.registry(ctx, rooms.Registry); err != nil {
		return nil, err
	}
	res := &Result{}
	starts := make([]time.Time, perYear)
	for i := range starts {
		// Disputes come in during the desk's working hours, 8:00 to 18:00.
		day := b.now.In(e.Location).AddDate(0, 0, -b.rng.IntN(365))
		starts[i] = time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, e.Location).
			Add(time.Duration(b.rng.IntN(10*60)) * time.Minute).UTC()
		if starts[i].After(b.now) {
			starts[i] = b.now.Add(-time.Hour)
		}
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	for i, at := range starts {
		n, err := b.dispute(ctx, at)
		if err != nil {
			return nil, fmt.Errorf("demo: case %d: %w", i+1, err)
		}
		res.Cases++
		res.Events += n
		if progress != nil {
			progress(i+1, len(starts))
		}
	}
	n, err := b.queue(ctx)
	if err != nil {
		return nil, err
	}
	res.Cases += n
	if err := b.keyLedger(ctx, rooms.Ledger); err != nil {
		return nil, err
	}
	if n, err = b.parties(ctx, rooms.Parties); err != nil {
		return nil, err
	}
	res.Cases += n
	return res, nil
}

type builder struct {
	e         *engine.Engine
	rng       *mrand.Rand
	now       time.Time
	tree      *engine.Tree
	grids     []*engine.Unit
	desks     map[int64]engine.Actor // by town
	mediators map[int64]engine.Actor // by unit
	traffic   int64                  // the town's traffic committee
	partners  map[int64]engine.Actor // by partner body
}

func (b *builder) units(ctx context.Context) error {
	phone := 0
	save := func(code, name, town string, level workflow.Level, parent, prefix string) error {
		phone++
		u := &engine.Unit{Code: code, Name: name, Level: level, CasePrefix: prefix}
		if level == workflow.LevelPartner {
			u.Kind = prefix
			u.CasePrefix, u.Address, u.Phone = "", "嘉兴市秀洲区"+name, fmt.Sprintf("0573-8359%04d", phone)
		}
		switch level {
		case workflow.LevelCounty:
			u.Address, u.Phone = "嘉兴市秀洲区洪兴西路1号 秀洲区司法局", "0573-82720000"
		case workflow.LevelTown:
			u.Address, u.Phone = "嘉兴市秀洲区"+name+"社会治理中心 矛盾纠纷调处化解窗口", fmt.Sprintf("0573-8358%04d", phone)
		case workflow.LevelVillage:
			u.Address, u.Phone = "嘉兴市秀洲区"+town+name+"村(居)民委员会", fmt.Sprintf("0573-8358%04d", phone)
		}
		return b.e.SaveUnit(ctx, u, parent)
	}
	if err := save("XZQ", county, "", workflow.LevelCounty, "", ""); err != nil {
		return err
	}
	for _, town := range towns {
		if err := save(town.code, town.name, town.name, workflow.LevelTown, "XZQ", town.prefix); err != nil {
			return err
		}
		for _, k := range engine.PartnerKinds {
			if err := save(town.code+"-"+k.Key, partnerName(town.name, k.Name), town.name, workflow.LevelPartner, town.code, k.Name); err != nil {
				return err
			}
		}
		for _, v := range town.villages {
			vc := town.code + "-" + v.code
			if err := save(vc, v.name, town.name, workflow.LevelVillage, town.code, ""); err != nil {
				return err
			}
			for g := 1; g <= v.grids; g++ {
				if err := save(fmt.Sprintf("%s-%02d", vc, g), fmt.Sprintf("%s第%d网格", v.name, g), town.name, workflow.LevelGrid, vc, ""); err != nil {
					return err
				}
			}
		}
	}
	t, err := b.e.Tree(ctx)
	if err != nil {
		return err
	}
	b.tree = t
	for _, u := range t.Units() {
		if u.Level == workflow.LevelGrid {
			b.grids = append(b.grids, u)
		}
	}
	return nil
}

func (b *builder) accounts(ctx context.Context, pw string) error {
	byName := map[string]*engine.Unit{}
	for _, u := range b.tree.Units() {
		byName[u.Name] = u
	}
	add := func(name, display string, role workflow.Role, unit *engine.Unit) error {
		u := &engine.User{Name: name, DisplayName: display, Role: role, UnitID: unit.ID, Demo: true}
		if err := b.e.CreateUser(ctx, u, pw); err != nil {
			return err
		}
		// The builder replays a year that has passed: every step is the
		// account's own, at the time the walk gives.
		a := engine.Replaying(u.Actor())
		switch role {
		case workflow.RoleIntake:
			b.desks[unit.ID] = a
		case workflow.RoleMediator:
			if _, ok := b.mediators[unit.ID]; !ok {
				b.mediators[unit.ID] = a
			}
		case workflow.RolePartner:
			b.partners[unit.ID] = a
		}
		return nil
	}
	partners := map[int64]bool{}
	for _, a := range Accounts {
		if err := add(a.Name, b.name(), a.Role, byName[a.Unit]); err != nil {
			return err
		}
		partners[byName[a.Unit].ID] = a.Role == workflow.RolePartner
	}
	for _, u := range b.tree.Units() {
		if u.Level == workflow.LevelTown {
			if _, ok := b.desks[u.ID]; !ok {
				if err := add("jd-"+u.Code, b.name(), workflow.RoleIntake, u); err != nil {
					return err
				}
			}
		}
		if u.Level == workflow.LevelPartner {
			if _, ok := partners[u.ID]; !ok {
				if err := add("ld-"+u.Code, b.name(), workflow.RolePartner, u); err != nil {
					return err
				}
			}
			continue
		}
		if _, ok := b.mediators[u.ID]; ok || u.Level == workflow.LevelCounty {
			continue
		}
		if err := add("tj-"+strings.TrimPrefix(u.Code, "YCG-"), b.name(), workflow.RoleMediator, u); err != nil {
			return err
		}
	}
	return nil
}

// referrer is the partner body of the grid's town that refers disputes in
// from source, the first of PartnerKinds; nil for the other sources.
func (b *builder) referrer(grid *engine.Unit, source string) *engine.Unit {
	for _, k := range engine.PartnerKinds {
		if k.Source != source {
			continue
		}
		for _, p := range b.tree.Partners(grid.ID) {
			if p.Kind == k.Name {
				return p
			}
		}
	}
	return nil
}

// desk is the intake desk of the town a case arose in.
func (b *builder) desk(c *engine.Case) engine.Actor { return b.desks[b.tree.Town(c.LocationUnitID).ID] }

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐沈钱顾陆姚蒋")
	given    = []string{"建国", "美华", "国平", "秀英", "志强", "丽娟", "伟", "芳", "敏", "军", "静", "磊", "洋", "勇",
		"艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "玉兰", "海燕", "建华", "晓东", "文斌"}
)

func (b *builder) name() string {
	return string(surnames[b.rng.IntN(len(surnames))]) + given[b.rng.IntN(len(given))]
}

// queue gives the demo grid mediator's grid a few disputes in hand, so that
// their queue shows work on the first login: one waiting at the desk, two
// being mediated, one of them with a day left, and one waiting on the
// police station.
func (b *builder) queue(ctx context.Context) (int, error) {
	var grid *engine.Unit
	for _, u := range b.tree.Units() {
		if u.Name == Accounts[1].Unit {
			grid = u
		}
	}
	for i, ago := range []time.Duration{4 * time.Hour, 26 * time.Hour, 50 * time.Hour} {
		at := b.now.Add(-ago)
		c, err := b.e.OpenCase(ctx, b.desks[b.tree.Town(grid.ID).ID], &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: grid.ID,
			People: 2, Risk: engine.RiskGreen, Summary: []string{"楼上漏水殃及楼下，双方就维修费用争执。",
				"邻居在公共楼道堆放杂物，多次协商未果。", "宠物犬夜间吠叫扰民，邻里发生口角。"}[i],
			Requests: "请求调解。", At: at,
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: b.name(), Phone: fmt.Sprintf("139%08d", b.rng.IntN(1e8)), Consent: "yes"},
				{Side: engine.SideRespondent, Name: b.name(), Consent: "yes"}}})
		if err != nil {
			return i, err
		}
		if i > 0 {
			if _, err := b.e.Fire(ctx, b.desk(c), c.ID, workflow.AcceptGrid, engine.Input{At: at.Add(time.Hour)}); err != nil {
				return i, err
			}
		}
	}
	// And one the desk referred to the police station two days ago, still
	// waiting on it, for the liaison's queue.
	at := b.now.Add(-50 * time.Hour)
	c, err := b.e.OpenCase(ctx, b.desks[b.tree.Town(grid.ID).ID], &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: grid.ID,
		People: 2, Risk: engine.RiskRed, Flags: []string{engine.FlagCivilToCriminal}, Summary: "两户因占道停车多次争吵，一方扬言报复。",
		Requests: "请求调解。", At: at,
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: b.name(), Phone: fmt.Sprintf("139%08d", b.rng.IntN(1e8)), Consent: "yes"},
			{Side: engine.SideRespondent, Name: b.name(), Consent: "yes"}}})
	if err != nil {
		return 3, err
	}
	if _, err := b.e.Fire(ctx, b.desk(c), c.ID, workflow.Refer, engine.Input{At: at.Add(time.Hour), Partner: "派出所",
		Reason: "一方扬言报复，有民转刑风险"}); err != nil {
		return 3, err
	}
	return 4, nil
}

// stories gives each category a plausible account and a typical amount in yuan.
var stories = map[string]struct {
	summary string
	amount  int
}{
	"婚姻家庭":   {"夫妻因家庭开支和子女抚养问题发生矛盾，女方要求调解。", 0},
	"邻里":     {"相邻两户因排水沟堵塞、雨水倒灌发生争执。", 2000},
	"房屋宅基地":  {"两户因宅基地界址及围墙位置发生纠纷。", 30000},
	"合同":     {"农资买卖合同货款未结清，双方对数量有争议。", 15000},
	"生产经营":   {"合伙经营养殖场，退伙分配利润产生分歧。", 60000},
	"损害赔偿":   {"小区两位业主因车辆刮擦赔偿问题发生争执。", 1500},
	"山林土地":   {"承包地边界不清，双方对种植范围有争议。", 8000},
	"征地拆迁":   {"村民对征地补偿款分配方案有异议。", 120000},
	"环境污染":   {"村民反映附近厂房夜间噪声和粉尘扰民。", 5000},
	"劳动争议":   {"工人追讨被拖欠的工资，与企业协商未果。", 40000},
	"消费":     {"消费者购买的电动车存在质量问题，要求退货。", 3500},
	"医疗":     {"患者家属对村卫生室诊疗结果有异议，要求赔偿。", 20000},
	"道路交通事故": {"电动自行车与小轿车相撞，双方就赔偿金额争执。", 12000},
	"物业":     {"业主与物业公司因停车管理费发生纠纷。", 1200},
	"其他":     {"村民之间因借用农机具损坏发生争执。", 2500},
}

// categoryWeights and sourceWeights make the demo's mix look like a town's
// in published reports: marriage and family and neighbours lead, and most
// disputes come from the parties or the mediators' own rounds, a few
// percent from partner bodies. A category or source a configuration adds
// weighs 1.
var (
	categoryWeights = map[string]int{"婚姻家庭": 22, "邻里": 24, "房屋宅基地": 10, "合同": 6, "生产经营": 4, "损害赔偿": 9,
		"山林土地": 4, "征地拆迁": 3, "环境污染": 2, "劳动争议": 4, "消费": 2, "医疗": 1, "道路交通事故": 5, "物业": 2, "其他": 2}
	sourceWeights = map[string]int{"当事人申请": 55, engine.SourceSweep: 16, "门前调": 23, "公安移交(警调)": 3,
		"法院委派(诉调)": 1, "信访转办(访调)": 1, "12345/部门转办": 1}
)

// pick draws one of names with the weights given, 1 for those not given.
func (b *builder) pick(names []string, weights map[string]int) string {
	total := 0
	for _, n := range names {
		total += cmp.Or(weights[n], 1)
	}
	x := b.rng.IntN(total)
	for _, n := range names {
		if x -= cmp.Or(weights[n], 1); x < 0 {
			return n
		}
	}
	return names[len(names)-1]
}

// dispute makes one case and walks it through a plausible history, stopping
// at now: the recent ones stay open, some of them late. It returns the
// number of events made after registration.
func (b *builder) dispute(ctx context.Context, at time.Time) (int, error) {
	r := b.rng
	category := b.pick(b.e.CurrentLists().CategoryNames(), categoryWeights)
	source := b.pick(b.e.CurrentLists().SourceNames(), sourceWeights)
	grid := b.grids[r.IntN(len(b.grids))]
	st := stories[category]
	amount := int64(0)
	if st.amount > 0 {
		amount = int64(float64(st.amount)*(0.3+r.Float64()*1.7)) * 100
	}
	people := 2
	if r.IntN(8) == 0 {
		people += r.IntN(12)
	}
	risk := engine.RiskGreen
	switch x := r.IntN(20); {
	case x == 0:
		risk = engine.RiskRed
	case x < 4:
		risk = engine.RiskYellow
	}
	var flags []string
	if risk == engine.RiskRed && r.IntN(2) == 0 {
		flags = append(flags, engine.FlagCivilToCriminal)
	}
	if people >= 10 && r.IntN(2) == 0 {
		flags = append(flags, []string{engine.FlagGroupPetition, engine.FlagGroupFight}[r.IntN(2)])
	}
	if category == "婚姻家庭" && r.IntN(12) == 0 {
		flags = append(flags, engine.FlagSuicide)
	}
	opener := b.desks[b.tree.Town(grid.ID).ID]
	if source == "门前调" || source == "网格排查" {
		opener = b.mediators[grid.ID]
	}
	dispute := &engine.NewCase{
		Source: source, Category: category, LocationID: grid.ID, Amount: amount, People: people, Risk: risk, Flags: flags,
		Summary: st.summary, Requests: "请求依法调解。", At: at,
		Parties: []*engine.Party{
			{Side: engine.SideApplicant, Name: b.name(), Sex: []string{"男", "女"}[r.IntN(2)], Phone: fmt.Sprintf("13%09d", r.IntN(1e9)), Consent: "yes"},
			{Side: engine.SideRespondent, Name: b.name(), Sex: []string{"男", "女"}[r.IntN(2)], Phone: fmt.Sprintf("15%09d", r.IntN(1e9)), Consent: "yes"},
		},
	}
	var c *engine.Case
	var err error
	if p := b.referrer(grid, source); p != nil {
		// 警调, 诉调, 访调: the partner body refers the dispute in.
		c, _, err = partner.New(b.e, b.e.Store).OpenReferral(ctx, b.partners[p.ID], dispute)
	} else {
		c, err = b.e.OpenCase(ctx, opener, dispute)
	}
	if err != nil {
		return 0, err
	}
	w := &walk{b: b, c: c, at: at}
	n, err := w.run(ctx)
	if err != nil {
		return n, err
	}
	return w.archive(ctx)
}

// archive files most closed cases taken into mediation a week or two after
// they closed; a file that lacks a record stays unarchived, for the queue
// to show.
func (w *walk) archive(ctx context.Context) (int, error) {
	// The case's id decides, so that the walks of other cases go as before.
	if !w.c.State.Terminal() || w.c.ID%10 < 3 || !engine.OfferActivity(w.c, workflow.Archive) {
		return w.events, nil
	}
	w.at = w.c.ClosedAt.Add(time.Duration(7*24+w.c.ID%(7*24)) * time.Hour)
	if !w.at.Before(w.b.now) {
		return w.events, nil
	}
	err := w.record(ctx, workflow.Archive, engine.Input{})
	if engine.ErrorCode(err) == engine.EINVALID {
		return w.events, nil
	}
	return w.events, err
}

type walk struct {
	b       *builder
	c       *engine.Case
	at      time.Time
	events  int
	noticed bool // the parties were told their rights and duties
}

// later moves the walk's clock on by minHours to maxHours; false means the
// step would fall after now, or the case stalls, and it stays where it is.
func (w *walk) later(minHours, maxHours int) bool {
	w.at = w.at.Add(time.Duration(minHours)*time.Hour + time.Duration(w.b.rng.IntN((maxHours-minHours)*60+1))*time.Minute)
	if w.b.now.Sub(w.at) < 40*24*time.Hour && w.b.rng.IntN(4) == 0 {
		// A recent case stalls here: the queues and the overdue list need some.
		return false
	}
	return w.at.Before(w.b.now)
}

// actor is who takes the walk's next step: the handling unit's mediator,
// for the town's traffic committee when the town mediates a road
// accident, or the desk.
func (w *walk) actor() engine.Actor {
	if a, ok := w.b.mediators[w.c.HandlingUnitID]; ok {
		if w.c.Category == "道路交通事故" && w.c.HandlingUnitID == w.b.tree.ByCode("YCG").ID {
			a.Committee = w.b.traffic
		}
		return a
	}
	return w.b.desk(w.c)
}

func (w *walk) fire(ctx context.Context, a engine.Actor, ev workflow.Event, in engine.Input) error {
	in.At = w.at
	c, err := w.b.e.Fire(ctx, a, w.c.ID, ev, in)
	if err != nil {
		return fmt.Errorf("%s from %s: %w", ev, w.c.State, err)
	}
	w.c = c
	w.events++
	return nil
}

func (w *walk) record(ctx context.Context, act workflow.Activity, in engine.Input) error {
	in.At = w.at
	c, err := w.b.e.Record(ctx, w.actor(), w.c.ID, act, in)
	if err != nil {
		return fmt.Errorf("%s in %s: %w", act, w.c.State, err)
	}
	w.c = c
	w.events++
	return nil
}

func (w *walk) run(ctx context.Context) (int, error) {
	r := w.b.rng
	if !w.later(1, 30) {
		return 0, nil
	}
	var err error
	switch x := r.IntN(100); {
	case x < 3:
		err = w.fire(ctx, w.b.desk(w.c), workflow.Reject, engine.Input{Reason: workflow.RejectReasons[r.IntN(3)], Routes: []string{"诉讼"}})
		return w.events, err
	case x < 5:
		err = w.fire(ctx, w.b.desk(w.c), workflow.Withdraw, engine.Input{Party: w.c.Parties[0].Name, Reason: "双方已自行和解"})
		return w.events, err
	case x < 12 || w.c.HasFlag(engine.FlagCivilToCriminal):
		if err = w.fire(ctx, w.b.desk(w.c), workflow.Refer, engine.Input{Partner: "派出所", Reason: "有治安或民转刑风险，移交派出所"}); err != nil {
			return w.events, err
		}
		return w.referred(ctx)
	}
	route := w.b.e.Suggest(w.c.Facts())
	accept := map[workflow.Level]workflow.Event{workflow.LevelGrid: workflow.AcceptGrid,
		workflow.LevelVillage: workflow.AcceptVillage, workflow.LevelTown: workflow.AcceptTown}[route.Level]
	if err = w.fire(ctx, w.b.desk(w.c), accept, engine.Input{}); err != nil {
		return w.events, err
	}
	return w.mediate(ctx)
}

// mediate works the case at its tier until it leaves the tiers or time runs out.
func (w *walk) mediate(ctx context.Context) (int, error) {
	r := w.b.rng
	for w.c.State.Level() != "" {
		days := w.b.e.TownsPolicy().StateDays(w.c.State)
		if !w.later(4, 24*days*5/4) {
			return w.events, nil
		}
		if w.at.After(*w.c.DueAt) && w.c.State != workflow.Town {
			// The tier ran out of time: the scheduler escalates at the deadline.
			w.at = *w.c.DueAt
			if err := w.fire(ctx, engine.System, workflow.Escalate, engine.Input{Reason: workflow.ReasonOverdue, Automatic: true}); err != nil {
				return w.events, err
			}
			continue
		}
		if !w.noticed {
			// The parties are told their rights and duties before the
			// first session.
			w.noticed = true
			if err := w.record(ctx, workflow.RightsNotice, engine.Input{Notice: &engine.Notice{
				To: w.c.Parties[0].Name + "、" + w.c.Parties[1].Name}}); err != nil {
				return w.events, err
			}
		}
		if err := w.record(ctx, workflow.LogSession, engine.Input{Session: &engine.Session{
			Place: w.b.tree.Unit(w.c.HandlingUnitID).Name + "调解室", Participants: w.c.Parties[0].Name + "、" + w.c.Parties[1].Name,
			Record: "告知双方权利义务，双方陈述事实，调解员释法明理、提出调解方案。"}}); err != nil {
			return w.events, err
		}
		x := r.IntN(100)
		var err error
		switch {
		case x < 72:
			err = w.agree(ctx)
			if err == nil {
				return w.followUp(ctx)
			}
		case x < 86 && w.c.State != workflow.Town:
			err = w.fire(ctx, w.actor(), workflow.Escalate, engine.Input{Reason: workflow.EscalateReasons[r.IntN(3)]})
		case x < 88 && w.c.State != workflow.Grid:
			kids := w.b.tree.Children(w.c.HandlingUnitID)
			var target string
			for _, k := range kids {
				if w.b.tree.Contains(k.ID, w.c.LocationUnitID) {
					target = k.Code
				}
			}
			err = w.fire(ctx, w.actor(), workflow.HandDown, engine.Input{Unit: target, Reason: "案情简单，交由下级就近调解"})
		case x < 94:
			err = w.fire(ctx, w.actor(), workflow.Fail, engine.Input{Reason: "双方分歧过大，调解不成", Routes: []string{"诉讼", "仲裁"}[:1+r.IntN(2)]})
		case x < 97:
			err = w.fire(ctx, w.actor(), workflow.Withdraw, engine.Input{Party: w.c.Parties[0].Name, Reason: "申请人决定起诉"})
		default:
			if err = w.fire(ctx, w.actor(), workflow.Refer, engine.Input{Partner: "派出所", Reason: "一方扬言报复，有民转刑风险"}); err == nil {
				return w.referred(ctx)
			}
		}
		if err != nil {
			return w.events, err
		}
	}
	return w.events, nil
}

func (w *walk) agree(ctx context.Context) error {
	r := w.b.rng
	kind := engine.AgreementOral
	if w.c.Amount > 500000 || r.IntN(2) == 0 {
		kind = engine.AgreementWritten
	}
	due := w.at.AddDate(0, 0, 7+r.IntN(20))
	amount := w.c.Amount * int64(40+r.IntN(50)) / 100
	return w.fire(ctx, w.actor(), workflow.Agree, engine.Input{Agreement: &engine.Agreement{
		Kind: kind, Amount: amount, DueAt: &due, OralConfirmed: kind == engine.AgreementOral,
		Place: w.b.tree.Unit(w.c.HandlingUnitID).Name + "调解室", Facts: w.c.Summary, Terms: "经调解，双方自愿达成如下协议：被申请人向申请人支付" + engine.Yuan(amount) + "元，双方就此纠纷再无其他争议。",
		Performance: "被申请人于履行期限前以银行转账方式一次性支付。"}})
}

// followUp visits an agreed case after its performance date and closes it.
func (w *walk) followUp(ctx context.Context) (int, error) {
	r := w.b.rng
	w.at = *w.c.DueAt
	w.at = w.at.Add(-time.Duration(r.IntN(10*24)) * time.Hour)
	if !w.at.Before(w.b.now) {
		return w.events, nil
	}
	// Some parties to a written agreement apply together for judicial
	// confirmation within the window, before the visit.
	if by := w.b.e.ConfirmDeadline(w.c, &engine.Agreement{Kind: w.c.AgreementKind, Subject: w.c.AgreementSubject, SignedAt: *w.c.AgreedAt}); by != nil && r.IntN(6) == 0 {
		applied := w.c.AgreedAt.Add(time.Duration(2+r.IntN(10)) * 24 * time.Hour)
		if applied.Before(*by) && applied.Before(w.b.now) {
			at := w.at
			w.at = applied
			if err := w.record(ctx, workflow.Confirm, engine.Input{Confirmation: &engine.Confirmation{Kind: engine.ConfirmApplied,
				Court: "嘉兴市秀洲区人民法院"}}); err != nil {
				return w.events, err
			}
			w.at = at
			if next := applied.Add(24 * time.Hour); w.at.Before(next) {
				w.at = next
			}
			if !w.at.Before(w.b.now) {
				return w.events, nil
			}
		}
	}
	visit := &engine.FollowUp{Visited: w.c.Parties[0].Name, Findings: "协议已履行完毕，双方满意。", Satisfaction: "satisfied"}
	switch x := r.IntN(100); {
	case x < 3:
		return w.events, w.fire(ctx, w.actor(), workflow.Remediate, engine.Input{Reason: "协议未履行", Consent: true})
	case x < 4:
		return w.events, w.fire(ctx, w.actor(), workflow.CloseUnperformed, engine.Input{Routes: []string{"诉讼"},
			Visit: &engine.FollowUp{Visited: w.c.Parties[0].Name, Findings: "经督促，被申请人仍未履行协议，已告知申请人可向人民法院起诉。"}})
	}
	return w.events, w.fire(ctx, w.actor(), workflow.Fulfil, engine.Input{Visit: visit})
}

// referred waits for the partner's feedback.
func (w *walk) referred(ctx context.Context) (int, error) {
	// The referrals of the last three weeks still wait on the partner:
	// its liaison's queue needs some.
	if w.b.now.Sub(w.at) < 21*24*time.Hour {
		return w.events, nil
	}
	if !w.later(24, 24*20) {
		return w.events, nil
	}
	if w.b.rng.IntN(10) < 7 {
		return w.events, w.fire(ctx, w.b.desk(w.c), workflow.PartnerClose, engine.Input{Result: "已依法处理完毕，当事人无异议。"})
	}
	if err := w.fire(ctx, w.b.desk(w.c), workflow.Return, engine.Input{Reason: "属民事纠纷，退回调解"}); err != nil {
		return w.events, err
	}
	return w.mediate(ctx)
}
