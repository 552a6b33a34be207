package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/ledger"
)

var ctx = context.Background()

// person is a listing of 张三, the applicant of enginetest's NewCase, by
// his phone, at grid G11, owned by the grid's mediator.
func person(colour ledger.Colour) *ledger.NewEntry {
	return &ledger.NewEntry{Kind: ledger.KindPerson, Name: "张三", Phone: "138 0000 0001", Unit: "G11", Category: "邻里积怨",
		Reason: "与邻居因排水沟多次争吵，扬言要动手。", Colour: colour, Owners: []string{"mediator@G11"}, Approver: "麟湖村党支部书记"}
}

func add(t *testing.T, en *enginetest.Env, who string, n *ledger.NewEntry) *ledger.Entry {
	t.Helper()
	e, err := en.Ledger.Add(ctx, en.Actors[who], n)
	if err != nil {
		t.Fatalf("list %s: %v", n.Name, err)
	}
	return e
}

const day = 24 * time.Hour

// TestReviewCadence: the next review falls due by the colour, from the
// listing and then from each contact; the owner's queue shows it from a
// day before; once past due it is on the supervisor's overdue list and may
// be pressed once, until a contact sets the next review.
func TestReviewCadence(t *testing.T) {
	for _, tc := range []struct {
		colour ledger.Colour
		due    time.Duration
	}{
		{ledger.Red, 7 * day}, {ledger.Orange, 14 * day}, {ledger.Yellow, 30 * day}, {ledger.Blue, 90 * day},
	} {
		t.Run(string(tc.colour), func(t *testing.T) {
			en := enginetest.New(t)
			listed := en.Now()
			e := add(t, en, "mediator@G11", person(tc.colour))
			if want := listed.Add(tc.due); e.ReviewDue == nil || !e.ReviewDue.Equal(want) {
				t.Errorf("review due %v, want %v", e.ReviewDue, want)
			}
		})
	}

	en := enginetest.New(t)
	en.Ledger.Policy.ReviewDays[ledger.Red] = 3
	owner, sup := en.Actors["mediator@G11"], en.Actors["supervisor@T1"]
	e := add(t, en, "mediator@G11", person(ledger.Red))
	for _, step := range []struct {
		after           time.Duration
		queued, overdue bool
		press           string // the refusal of a 督办, "" when it is recorded
	}{
		{after: 1 * day, press: "该条目的走访尚未超期，无需督办。"},
		{after: 2*day + time.Hour, queued: true, press: "该条目的走访尚未超期，无需督办。"},
		{after: 3*day + time.Minute, queued: true, overdue: true},
		{after: 3*day + time.Hour, queued: true, overdue: true, press: "该条目已于3月5日09:01督办过，等待包保责任人走访。"},
	} {
		en.Clock.Set(e.ListedAt.Add(step.after))
		due, err := en.Ledger.Due(ctx, owner)
		if err != nil || (len(due) == 1) != step.queued {
			t.Errorf("after %v: the owner's queue holds %d entries (%v), want queued=%v", step.after, len(due), err, step.queued)
		}
		late, err := en.Ledger.Overdue(ctx, sup)
		if err != nil || (len(late) == 1) != step.overdue {
			t.Errorf("after %v: the overdue list holds %d entries (%v), want overdue=%v", step.after, len(late), err, step.overdue)
		}
		_, err = en.Ledger.Press(ctx, sup, e.ID, "请尽快走访。")
		if engine.ErrorMessage(err) != step.press && !(step.press == "" && err == nil) {
			t.Errorf("after %v: press: %v, want %q", step.after, err, step.press)
		}
	}
	// A contact that lowers the colour sets the next review by the new one.
	contacted := en.Now()
	got, err := en.Ledger.RecordContact(ctx, owner, e.ID, &ledger.Contact{Method: "走访", Findings: "已和解，情绪稳定。",
		Colour: ledger.Yellow, Reason: "双方已签订协议并履行。"})
	if err != nil {
		t.Fatal(err)
	}
	if want := contacted.Add(30 * day); !got.ReviewDue.Equal(want) || got.Colour != ledger.Yellow || got.PressedNow() {
		t.Errorf("after the contact: %s, due %v (want %v), pressed %v", got.Colour, got.ReviewDue, want, got.PressedNow())
	}
	if due, _ := en.Ledger.Due(ctx, owner); len(due) != 0 {
		t.Errorf("the owner's queue still holds the entry reviewed")
	}
}

// TestListingRefused: each mistake of a listing is named on its field, in
// words a clerk understands, and nothing is saved.
func TestListingRefused(t *testing.T) {
	en := enginetest.New(t)
	add(t, en, "mediator@G11", person(ledger.Red))
	for _, tc := range []struct {
		name   string
		change func(n *ledger.NewEntry)
		who    string
		field  string
		says   string
	}{
		{"no kind", func(n *ledger.NewEntry) { n.Kind = "" }, "mediator@G11", "kind", "请选择类别：重点人员、重点群体或重点领域/场所。"},
		{"a bad ID number", func(n *ledger.NewEntry) { n.IDNumber = "330411196505120012" }, "mediator@G11", "id_number", "身份证号码“330411196505120012”无效（应为18位，末位校验码需正确；只有重点人员填写）。"},
		{"a bad phone", func(n *ledger.NewEntry) { n.Phone = "12345" }, "mediator@G11", "phone", "电话号码“12345”无效（手机11位，或带区号的固定电话）。"},
		{"a group of one", func(n *ledger.NewEntry) { n.Kind, n.Phone = ledger.KindGroup, "" }, "mediator@G11", "people", "请填写群体的人数（至少2人）。"},
		{"another village's grid", func(n *ledger.NewEntry) { n.Unit = "G21" }, "mediator@G11", "unit", "单位“G21”不在您的辖区内。"},
		{"a category not configured", func(n *ledger.NewEntry) { n.Category = "脾气不好" }, "mediator@G11", "category", "请选择列管原因：矛盾纠纷易激化、精神障碍、信访老户、欠薪群体、邻里积怨、征迁、婚姻家庭、其他。"},
		{"no colour", func(n *ledger.NewEntry) { n.Colour = "purple" }, "mediator@G11", "colour", "请选择风险等级：红色、橙色、黄色或蓝色。"},
		{"no approver", func(n *ledger.NewEntry) { n.Approver = "" }, "mediator@G11", "approver", "请填写列管的审批人。"},
		{"an owner of another town", func(n *ledger.NewEntry) { n.Owners = []string{"mediator@T2"} }, "mediator@G11", "owners", "包保责任人“mediator@T2”不是本单位及上下级的调解员或督办人员。"},
		{"the desk as owner", func(n *ledger.NewEntry) { n.Owners = []string{"intake@T1"} }, "mediator@G11", "owners", "包保责任人“intake@T1”不是本单位及上下级的调解员或督办人员。"},
		{"a person listed already", func(*ledger.NewEntry) {}, "mediator@V1", "id_number", "此人已在台账上（第1号，张三），请在该条目中记录。"},
	} {
		n := person(ledger.Orange)
		tc.change(n)
		_, err := en.Ledger.Add(ctx, en.Actors[tc.who], n)
		if engine.ErrorCode(err) != engine.EINVALID || engine.ErrorField(err) != tc.field || engine.ErrorFields(err)[tc.field] != tc.says {
			t.Errorf("%s: %v (field %q), want %q on %s", tc.name, err, engine.ErrorField(err), tc.says, tc.field)
		}
	}
	if _, err := en.Ledger.Add(ctx, en.Actors["intake@T1"], person(ledger.Red)); engine.ErrorMessage(err) != "重点人员台账供调解员和督办人员使用。" {
		t.Errorf("the desk lists: %v", err)
	}
	if list, n, _ := en.Ledger.List(ctx, engine.System, ledger.Filter{}, "测试"); n != 1 || len(list) != 1 {
		t.Errorf("%d entries after the refusals, want 1", n)
	}
}

// TestLedgerScope: an entry's particulars are shown in full to its owners
// and its unit, masked above, each full view audited; another town, a
// partner's liaison and the desk do not see it; only a supervisor takes it
// off the ledger, after which no contact is recorded and the case page
// no longer warns of the person.
func TestLedgerScope(t *testing.T) {
	en := enginetest.New(t)
	c := en.NewCase(t)
	e := add(t, en, "mediator@G11", person(ledger.Red))

	for _, tc := range []struct {
		who   string
		phone string
		err   string
	}{
		{"mediator@G11", "13800000001", ""},
		{"supervisor@T1", "138****0001", ""},
		{"mediator@V1", "138****0001", ""},
		{"supervisor@T2", "", "台账条目不存在。"},
		{"partner@P1", "", "重点人员台账供调解员和督办人员使用。"},
		{"intake@T1", "", "重点人员台账供调解员和督办人员使用。"},
	} {
		v, err := en.Ledger.Show(ctx, en.Actors[tc.who], e.ID)
		switch {
		case tc.err != "":
			if engine.ErrorMessage(err) != tc.err {
				t.Errorf("%s opens the entry: %v, want %q", tc.who, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.who, err)
		case v.Entry.Phone != tc.phone || len(v.Cases) != 1 || v.Cases[0].ID != c.ID || len(v.Records) != 1:
			t.Errorf("%s sees phone %q, %d cases, %d records", tc.who, v.Entry.Phone, len(v.Cases), len(v.Records))
		}
	}
	if err := en.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := en.Accounts.Audit(ctx, engine.System, engine.AuditFilter{Action: engine.AuditUnmask})
	if err != nil || len(rows) != 1 || rows[0].ActorName != "mediator@G11" || rows[0].Detail != "台账条目：重点人员第1号（张三）" {
		t.Errorf("audit of the full views: %+v %v", rows, err)
	}

	full, _ := en.DB.FindCase(ctx, c.ID)
	marks, err := en.Ledger.Marks(ctx, en.Actors["mediator@G11"], full)
	if err != nil || len(marks) != 1 || marks[0] != (ledger.Mark{Party: "张三", EntryID: e.ID, Colour: ledger.Red, Category: "邻里积怨"}) {
		t.Errorf("the case page's marks: %+v %v", marks, err)
	}
	if _, err := en.Ledger.Delist(ctx, en.Actors["mediator@G11"], e.ID, 0, "已化解"); engine.ErrorMessage(err) != "销号和督办由督办人员进行。" {
		t.Errorf("a mediator delists: %v", err)
	}
	if _, err := en.Ledger.Delist(ctx, en.Actors["supervisor@T1"], e.ID, 0, " "); engine.ErrorMessage(err) != "请写明销号的理由（如矛盾已化解、人员已迁出）。" {
		t.Errorf("a delisting without reason: %v", err)
	}
	if _, err := en.Ledger.Delist(ctx, en.Actors["supervisor@T1"], e.ID, 1, "矛盾已化解，协议已履行。"); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Ledger.RecordContact(ctx, en.Actors["mediator@G11"], e.ID, &ledger.Contact{Method: "电话", Findings: "情况稳定。"}); engine.ErrorMessage(err) != "该条目已于2026年3月2日销号。" {
		t.Errorf("a contact after delisting: %v", err)
	}
	if marks, _ := en.Ledger.Marks(ctx, en.Actors["mediator@G11"], full); len(marks) != 0 {
		t.Errorf("a delisted person still marked: %+v", marks)
	}
	v, _ := en.Ledger.Show(ctx, en.Actors["supervisor@T1"], e.ID)
	if last := v.Records[len(v.Records)-1]; last.Kind != ledger.RecordDelisted || last.Approver != "supervisor@T1" || last.Reason != "矛盾已化解，协议已履行。" {
		t.Errorf("the delisting's record: %+v", last)
	}
}
