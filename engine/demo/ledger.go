package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/workflow"
)

// keyEntry is one of the demo's ledger entries: its kind, colour and where
// it is kept, with whom answering for it; persons are parties of the
// demo's cases.
type keyEntry struct {
	kind     ledger.Kind
	colour   ledger.Colour
	name     string
	phone    string // a person's
	people   int
	unit     string // the unit's name
	owner    string // the owner's login name
	category string
	reason   string
}

// keyEntries are the demo's groups and places, one of each colour; the
// persons come from the cases.
var keyEntries = []keyEntry{
	{ledger.KindGroup, ledger.Red, "胜丰村某建筑工地讨薪农民工", "", 14, "胜丰村", "zhentiao", "欠薪群体", "工程款未结，14名农民工多次聚集讨薪，扬言集体上访。"},
	{ledger.KindGroup, ledger.Orange, "麟湖村征迁安置户", "", 8, "麟湖村", "cuntiao", "征迁", "对安置房分配顺序有异议，多次到村委会反映。"},
	{ledger.KindGroup, ledger.Yellow, "正阳社区某小区业主", "", 30, "正阳社区", "wangge", "邻里积怨", "业主与物业因停车位收费长期对立。"},
	{ledger.KindGroup, ledger.Blue, "陆家村土地承包户", "", 6, "陆家村", "zhentiao", "其他", "承包合同到期后续包条件未谈妥。"},
	{ledger.KindPlace, ledger.Red, "油车港镇某化工厂周边", "", 0, "油车港镇", "zhentiao", "矛盾纠纷易激化", "厂区异味扰民，周边村民多次拦车。"},
	{ledger.KindPlace, ledger.Orange, "正阳社区农贸市场", "", 0, "正阳社区", "wangge", "其他", "摊位费调整引发商户不满，曾发生推搡。"},
	{ledger.KindPlace, ledger.Yellow, "麟湖村渔塘承包区", "", 0, "麟湖村", "cuntiao", "其他", "渔塘界址和用水时段争议反复出现。"},
	{ledger.KindPlace, ledger.Blue, "马厍村废品收购点", "", 0, "马厍村", "zhentiao", "其他", "堆放占道，邻近住户时有投诉。"},
}

// personReasons are what the demo's persons are listed for, by colour.
var personReasons = map[ledger.Colour][2]string{
	ledger.Red:    {"矛盾纠纷易激化", "调解中情绪激动，扬言报复对方。"},
	ledger.Orange: {"信访老户", "同一事项多次越级上访。"},
	ledger.Yellow: {"邻里积怨", "与邻居纠纷反复，一年内多次报警。"},
	ledger.Blue:   {"婚姻家庭", "家庭矛盾已调处，仍需关注。"},
}

// keyLedger lists the demo's key persons, groups and places: the groups
// and places above and two parties of the town's cases of each colour, each
// with a listing and two contacts, so that a third of them are overdue
// for review now, a third due within the day and the rest in good time;
// and one person taken off the ledger.
func (b *builder) keyLedger(ctx context.Context, led *ledger.Service) error {
	byName := map[string]*engine.Unit{}
	for _, u := range b.tree.Units() {
		byName[u.Name] = u
	}
	cases, _, err := b.e.Cases(ctx, engine.System, engine.CaseFilter{States: []workflow.State{workflow.Grid, workflow.Village, workflow.Town, workflow.Agreed, workflow.Fulfilled}, Limit: 400})
	if err != nil {
		return err
	}
	entries := append([]keyEntry(nil), keyEntries...)
	taken := map[string]bool{}
	for _, colour := range ledger.Colours {
		found := 0
		for _, c := range cases {
			if found == 2 || b.tree.Town(c.LocationUnitID).Name != "油车港镇" {
				continue
			}
			p := c.Parties[0]
			if p.Phone == "" || taken[p.Phone] {
				continue
			}
			taken[p.Phone] = true
			found++
			unit, owner := b.tree.Unit(c.LocationUnitID), "zhentiao"
			if unit.Name == "正阳社区第1网格" {
				owner = "wangge"
			}
			why := personReasons[colour]
			entries = append(entries, keyEntry{ledger.KindPerson, colour, p.Name, p.Phone, 0, unit.Name, owner, why[0], why[1]})
		}
	}
	listers := map[string]engine.Actor{}
	for _, name := range []string{"zhentiao", "cuntiao", "wangge", "duban"} {
		u, err := b.e.Store.FindUserByName(ctx, name)
		if err != nil {
			return err
		}
		listers[name] = engine.Replaying(u.Actor())
	}
	for i, k := range entries {
		cadence := time.Duration(led.Policy.ReviewDays[k.colour]) * 24 * time.Hour
		var last time.Time
		switch i % 3 {
		case 0: // two days overdue
			last = b.now.Add(-cadence - 48*time.Hour)
		case 1: // due within the day
			last = b.now.Add(-cadence + 12*time.Hour)
		default:
			last = b.now.Add(-cadence / 2)
		}
		listed := last.Add(-2 * cadence)
		n := &ledger.NewEntry{Kind: k.kind, Name: k.name, Phone: k.phone, People: k.people, Unit: byName[k.unit].Code,
			Category: k.category, Reason: k.reason, Colour: k.colour, Owners: []string{k.owner}, Approver: "镇综治中心主任", At: listed}
		if k.kind == ledger.KindPlace {
			n.Address = k.unit + "辖区"
		}
		// The town's mediator lists every entry, its owner keeps it.
		e, err := led.Add(ctx, listers["zhentiao"], n)
		if err != nil {
			return fmt.Errorf("demo: the ledger's %s: %w", n.Name, err)
		}
		for j, at := range []time.Time{listed.Add(cadence), last} {
			findings := []string{"当面了解近况，情绪基本稳定，已做疏导。", "电话回访，暂无新的矛盾。"}[j]
			if _, err := led.RecordContact(ctx, listers[k.owner], e.ID, &ledger.Contact{Method: []string{"走访", "电话"}[j],
				Findings: findings, At: at}); err != nil {
				return err
			}
		}
		if i == len(entries)-1 {
			if _, err := led.Delist(ctx, listers["duban"], e.ID, 0, "矛盾已化解，连续三次走访情况稳定。"); err != nil {
				return err
			}
		}
	}
	return nil
}
