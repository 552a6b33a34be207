package report_test

import (
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/export"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
)

// TestLedgerFigures: March's ledger in 油车港镇. 张三 (red, G11) is listed on
// the 2nd and reviewed on time on the 5th, then late on the 20th, which
// makes him yellow; a group (G12) is listed and taken off; February's
// sweep of G11 found a place (G12), taken off on the 25th before any
// dispute, and a person, taken off on the 26th after a dispute of his was
// registered; one 专报 is sent. At the month's end one entry is listed,
// yellow; one risk was settled before it became a dispute.
func TestLedgerFigures(t *testing.T) {
	en := enginetest.New(t)
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h-8, 0, 0, 0, time.UTC) }
	sweep := &report.Sweep{Month: "2026-02", SweptOn: "2026-02-20", Households: 50, Risks: "某渔塘界址争议。"}
	if err := en.Reports.FileSweep(ctx, en.Actors["mediator@G11"], sweep, false); err != nil {
		t.Fatal(err)
	}
	list := func(at time.Time, who string, n *ledger.NewEntry) *ledger.Entry {
		t.Helper()
		en.Clock.Set(at)
		n.Owners, n.Approver, n.Reason = []string{"mediator@V1"}, "村书记", "列管事由。"
		e, err := en.Ledger.Add(ctx, en.Actors[who], n)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	step := func(at time.Time, do func() error) {
		t.Helper()
		en.Clock.Set(at)
		if err := do(); err != nil {
			t.Fatal(err)
		}
	}
	sup := en.Actors["supervisor@T1"]
	zhang := list(day(2, 9), "mediator@G11", &ledger.NewEntry{Kind: ledger.KindPerson, Name: "张三", Phone: "13900000009", Unit: "G11",
		Category: "邻里积怨", Colour: ledger.Red})
	group := list(day(2, 10), "mediator@V1", &ledger.NewEntry{Kind: ledger.KindGroup, Name: "某工地农民工", People: 6, Unit: "G12",
		Category: "欠薪群体", Colour: ledger.Orange})
	place := list(day(3, 9), "mediator@V1", &ledger.NewEntry{Kind: ledger.KindPlace, Name: "渔塘承包区", Unit: "G12",
		Category: "其他", Colour: ledger.Blue, Sweep: sweep.ID})
	person := list(day(3, 10), "mediator@V1", &ledger.NewEntry{Kind: ledger.KindPerson, Name: "张三", Phone: "13800000001", Unit: "G11",
		Category: "邻里积怨", Colour: ledger.Yellow, Sweep: sweep.ID})
	en.Clock.Set(day(4, 9))
	en.NewCase(t) // 张三 of 13800000001 in a dispute
	step(day(5, 9), func() error {
		_, err := en.Ledger.RecordContact(ctx, en.Actors["mediator@V1"], zhang.ID, &ledger.Contact{Method: "电话", Findings: "稳定。"})
		return err
	})
	en.Clock.Set(day(6, 9))
	major, err := en.OpenCase(ctx, en.Actors["intake@T1"], &engine.NewCase{Source: "当事人申请", Category: "劳动争议", LocationID: en.Units["G12"].ID,
		People: 12, Risk: engine.RiskRed, Summary: "12名工人讨薪。", Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "王五"},
			{Side: engine.SideRespondent, Name: "某公司", Kind: engine.KindOrg}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := en.Record(ctx, en.Actors["supervisor@T1"], major.ID, workflow.MajorReport, engine.Input{Version: major.Version,
		Major: &engine.MajorReport{Measures: "约谈。", Next: "调解。"}}); err != nil {
		t.Fatal(err)
	}
	step(day(10, 9), func() error { _, err := en.Ledger.Delist(ctx, sup, group.ID, 0, "已结清工资。"); return err })
	step(day(20, 9), func() error {
		_, err := en.Ledger.RecordContact(ctx, en.Actors["mediator@V1"], zhang.ID, &ledger.Contact{Method: "走访", Findings: "已和好。",
			Colour: ledger.Yellow, Reason: "双方和解。"})
		return err
	})
	step(day(25, 9), func() error { _, err := en.Ledger.Delist(ctx, sup, place.ID, 0, "界址已划定。"); return err })
	step(day(26, 9), func() error { _, err := en.Ledger.Delist(ctx, sup, person.ID, 0, "纠纷已调结。"); return err })
	en.Clock.Set(time.Date(2026, 4, 2, 1, 0, 0, 0, time.UTC))

	r, err := en.Reports.Report(ctx, engine.System, "T1", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	want := report.LedgerFigures{AtEnd: map[string]int{"yellow": 1}, Listed: 4, Delisted: 3, Reviews: 2, OnTime: 1, MajorReports: 1, Prevented: 1}
	if !same(r.Ledger, want) {
		t.Errorf("油车港镇's March: %+v, want %+v", r.Ledger, want)
	}
	for _, c := range r.Children {
		var w report.LedgerFigures
		switch c.Code {
		case "V1":
			w = want
		case "V2":
			w = report.LedgerFigures{AtEnd: map[string]int{}}
		}
		if !same(c.Ledger, w) {
			t.Errorf("%s's March: %+v, want %+v", c.Name, c.Ledger, w)
		}
	}
	// The Ministry's 预防纠纷数 counts the risk the sweep settled.
	moj := export.MOJ(r)
	if total := moj.Rows[len(moj.Rows)-1]; moj.Header[4] != "预防纠纷数" || total[0] != "合计" || total[4] != "1" {
		t.Errorf("the Ministry's table: %q %q", moj.Header[4], total)
	}
	if feb, _ := en.Reports.Report(ctx, engine.System, "T1", "2026-02"); !same(feb.Ledger, report.LedgerFigures{AtEnd: map[string]int{}}) {
		t.Errorf("February: %+v", feb.Ledger)
	}
}

func same(a, b report.LedgerFigures) bool {
	if !maps.Equal(a.AtEnd, b.AtEnd) {
		return false
	}
	a.AtEnd, b.AtEnd = nil, nil
	return reflect.DeepEqual(a, b)
}
