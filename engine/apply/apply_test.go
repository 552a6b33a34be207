package apply_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/apply"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/form"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

func application(phone string) *form.Application {
	return &form.Application{Location: "G11", Category: "邻里", Summary: "邻居家的空调外机正对我家窗户，噪音很大，协商无果。",
		Requests: "请求调解，移走空调外机。", Applicant: form.Party{Name: "周敏", Phone: phone}, Other: form.Party{Name: "吴刚", Phone: "13905739999"}}
}

func photo() []*engine.Upload {
	return []*engine.Upload{engine.NewUpload("外机.jpg", 4, strings.NewReader("\xff\xd8\xff\xe0"))}
}

// TestApplyOnline: a party's application with a photo waits for the town's
// desk as a dispute the applicant registered, with the photo attached; a
// bad one is refused field by field and writes nothing; the limits per
// phone (3 a day) and per address (10 a day) hold, and a refused
// application costs nothing against them.
func TestApplyOnline(t *testing.T) {
	en := enginetest.New(t)
	c, err := en.Parties.Apply(ctx, application("139 0573 0001"), photo(), "203.0.113.5")
	if err != nil {
		t.Fatal(err)
	}
	if c.State != workflow.Registered || c.HandlingUnitID != en.Units["T1"].ID || c.Source != engine.SourceApplication || c.Code == "" {
		t.Errorf("the application: %s at %d from %s, code %q", c.State, c.HandlingUnitID, c.Source, c.Code)
	}
	events, _ := en.DB.Events(ctx, c.ID)
	if len(events) != 2 || events[0].Role != workflow.RoleParty || events[0].ActorName != "周敏" || events[1].Name != workflow.Attach.Step() {
		t.Errorf("the timeline: %+v", events)
	}
	if files, _ := en.DB.Attachments(ctx, c.ID); len(files) != 1 || files[0].Name != "外机.jpg" {
		t.Errorf("the photo: %+v", files)
	}
	if queue, _, _ := en.Work(ctx, en.Actors["intake@T1"], engine.CaseFilter{Handling: []int64{en.Units["T1"].ID}, States: []workflow.State{workflow.Registered}}); !slices.ContainsFunc(queue, func(k *engine.Case) bool { return k.ID == c.ID }) {
		t.Errorf("the desk does not see the application")
	}
	before, _, _ := en.DB.Cases(ctx, engine.CaseFilter{})
	for _, tc := range []struct {
		change func(a *form.Application)
		files  int
		field  string
	}{
		{func(a *form.Application) { a.Applicant.Name = " " }, 0, "applicant.name"},
		{func(a *form.Application) { a.Applicant.Phone = "12345" }, 0, "applicant.phone"},
		{func(a *form.Application) { a.Summary = "吵架" }, 0, "summary"},
		{func(a *form.Application) { a.Location = "V1" }, 0, "location"},
		{func(a *form.Application) {}, 6, "files"},
	} {
		a := application("13905730002")
		tc.change(a)
		var files []*engine.Upload
		for range tc.files {
			files = append(files, photo()...)
		}
		if _, err := en.Parties.Apply(ctx, a, files, "203.0.113.5"); engine.ErrorCode(err) != engine.EINVALID || engine.ErrorField(err) != tc.field {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
	big := []*engine.Upload{engine.NewUpload("大.jpg", 11<<20, strings.NewReader(""))}
	if _, err := en.Parties.Apply(ctx, application("13905730002"), big, "203.0.113.5"); engine.ErrorCode(err) != engine.ETOOLARGE {
		t.Errorf("an 11 MB photo: %v", err)
	}
	if after, _, _ := en.DB.Cases(ctx, engine.CaseFilter{}); len(after) != len(before) {
		t.Errorf("refused applications wrote %d cases", len(after)-len(before))
	}
	// Two more with the first phone, then it waits; from the address, ten
	// in all, then it waits.
	for i := range 2 {
		if _, err := en.Parties.Apply(ctx, application("13905730001"), nil, "203.0.113.5"); err != nil {
			t.Fatalf("application %d: %v", i+2, err)
		}
	}
	if _, err := en.Parties.Apply(ctx, application("13905730001"), nil, "198.51.100.9"); engine.ErrorCode(err) != engine.ETOOMANY {
		t.Errorf("a fourth with one phone: %v", err)
	}
	for i := range 7 {
		if _, err := en.Parties.Apply(ctx, application("1390573010"+string(rune('0'+i))), nil, "203.0.113.5"); err != nil {
			t.Fatalf("application %d from the address: %v", i+4, err)
		}
	}
	if _, err := en.Parties.Apply(ctx, application("13905730200"), nil, "203.0.113.5"); engine.ErrorCode(err) != engine.ETOOMANY {
		t.Errorf("an eleventh from one address: %v", err)
	}
	en.Clock.Advance(apply.ApplyWindow + time.Minute)
	if _, err := en.Parties.Apply(ctx, application("13905730200"), nil, "203.0.113.5"); err != nil {
		t.Errorf("a day later: %v", err)
	}
}

// TestPartyFollows: the applicant follows the case in plain words (the next
// session fixed, where and when to come), writes
// to the committee, confirms performance and rates the service once; the
// other party's phone opens the case but shows none of the applicant's
// words; a phone of another case opens nothing, and acts on nothing. A
// 不满意 tells the town's supervisors.
func TestPartyFollows(t *testing.T) {
	en := enginetest.New(t)
	c, err := en.Parties.Apply(ctx, application("13905730001"), nil, "203.0.113.5")
	if err != nil {
		t.Fatal(err)
	}
	other := en.NewCase(t)
	if _, err := en.Parties.Progress(ctx, c.Code, "13800000001"); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("another case's phone: %v", err)
	}
	if _, err := en.Parties.Act(ctx, other.Code, "13905730001", workflow.PartyMessage, engine.Input{Note: "你好"}); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("a message to another case: %v", err)
	}
	if _, err := en.Parties.Act(ctx, c.Code, "13905730001", workflow.PartyMessage, engine.Input{Note: "对方今天又开了一整夜。"}); err != nil {
		t.Fatal(err)
	}
	desk := en.Actors["intake@T1"]
	c, _ = en.DB.FindCase(ctx, c.ID)
	if c, err = en.Fire(ctx, desk, c.ID, workflow.AcceptGrid, engine.Input{Version: c.Version, Unit: "G11"}); err != nil {
		t.Fatal(err)
	}
	med := en.Actors["mediator@G11"]
	next := en.Now().Add(72 * time.Hour)
	if c, err = en.Record(ctx, med, c.ID, workflow.LogSession, engine.Input{Version: c.Version,
		Session: &engine.Session{Place: "麟湖村调解室", Record: "双方陈述。", NextAt: &next}}); err != nil {
		t.Fatal(err)
	}
	if p, err := en.Parties.Progress(ctx, c.Code, "13905730001"); err != nil ||
		p.Next != "请于3月5日09:00到麟湖村调解室参加调解；有新的情况或材料，可以在下面留言、上传。" {
		t.Errorf("before the next session: %v %q", err, p.Next)
	}
	if c, err = en.Fire(ctx, med, c.ID, workflow.Agree, engine.Input{Version: c.Version, Agreement: &engine.Agreement{Kind: engine.AgreementWritten,
		Terms: "吴刚将空调外机移至东侧墙面。", Performance: "本周内自行移装"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Parties.Act(ctx, c.Code, "13905730001", workflow.PartyConfirm, engine.Input{Note: "外机已经移走。"}); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Parties.Act(ctx, c.Code, "13905730001", workflow.PartyRating, engine.Input{Rating: &engine.Rating{Value: "fair", Comment: "处理及时。"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Parties.Act(ctx, c.Code, "13905730001", workflow.PartyRating, engine.Input{Rating: &engine.Rating{Value: "satisfied"}}); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Errorf("a second rating: %v", err)
	}
	p, err := en.Parties.Progress(ctx, c.Code, "13905730001")
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, s := range p.Steps {
		steps = append(steps, s.Text)
	}
	want := []string{"您的调解申请已提交，等待受理。", "您留言：对方今天又开了一整夜。", "已受理，由麟湖村人民调解委员会调解。",
		"调解员组织了一次调解。下次调解：3月5日09:00，麟湖村调解室。", "双方达成调解协议。",
		"您确认协议已履行：外机已经移走。", "您评价调解服务：基本满意。"}
	if !slices.Equal(steps, want) || !p.Rated || p.CanConfirm == false || !strings.Contains(p.Next, "协议履行后，请在下面确认。") {
		t.Errorf("the applicant reads\n%q\nwant\n%q\nrated %v, next %q", steps, want, p.Rated, p.Next)
	}
	events, _ := en.DB.Events(ctx, c.ID)
	last := events[len(events)-1]
	if last.Data.Rating == nil || last.Data.Rating.Mediator != "mediator@G11" || last.CommitteeID == 0 {
		t.Errorf("the rating's record: %+v", last.Data.Rating)
	}
	// 吴刚 reads the steps, not 周敏's words.
	q, err := en.Parties.Progress(ctx, c.Code, "13905739999")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range q.Steps {
		if strings.Contains(s.Text, "一整夜") || strings.Contains(s.Text, "外机已经移走") || strings.Contains(s.Text, "基本满意") {
			t.Errorf("the other side reads %q", s.Text)
		}
	}
	if _, err := en.Parties.Act(ctx, c.Code, "13905739999", workflow.PartyRating, engine.Input{Rating: &engine.Rating{Value: "dissatisfied", Comment: "协议对我不公平。"}}); err != nil {
		t.Fatal(err)
	}
	inbox, _, err := en.DB.Notifications(ctx, en.Actors["supervisor@T1"].UserID, 10)
	if err != nil || len(inbox) == 0 || inbox[0].Kind != engine.NotifyRating || !strings.Contains(inbox[0].Text, "吴刚对邻里纠纷的调解服务评价为不满意：协议对我不公平。") {
		t.Errorf("the supervisor's inbox: %v %+v", err, inbox)
	}
}
