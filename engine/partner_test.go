package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
)

// TestReferralToAPartner follows a 民转刑-risk case the desk refers to the
// police station: its liaison alone of the partners sees it, with the
// parties in full; signs for it, notes progress and closes it with its
// result, on time; and still reads it afterwards.
func TestReferralToAPartner(t *testing.T) {
	en := enginetest.New(t)
	desk, pcs, court, other := en.Actors["intake@T1"], en.Actors["partner@P1"], en.Actors["partner@P2"], en.Actors["partner@P3"]
	c := en.NewCase(t)
	if _, err := en.Record(ctx, desk, c.ID, workflow.UpdateRisk, engine.Input{Risk: engine.RiskRed, Reason: "扬言报复"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []engine.Actor{pcs, court, other} {
		if _, err := en.FindCase(ctx, a, c.ID); engine.ErrorCode(err) != engine.ENOTFOUND {
			t.Fatalf("%s before the referral: %v", a.Name, err)
		}
	}
	if _, err := en.Fire(ctx, desk, c.ID, workflow.Refer, engine.Input{Partner: "园区派出所", Reason: "民转刑风险"}); engine.ErrorCode(err) != engine.EINVALID ||
		engine.ErrorMessage(err) != "请选择移交单位（油车港派出所、油车港人民法庭）。" {
		t.Fatalf("an unknown partner: %v", err)
	}
	c, err := en.Fire(ctx, desk, c.ID, workflow.Refer, engine.Input{Partner: "P1", Reason: "民转刑风险"})
	if err != nil {
		t.Fatal(err)
	}
	if c.PartnerUnitID != en.Units["P1"].ID || c.SignedAt != nil {
		t.Fatalf("referred: partner %d signed %v", c.PartnerUnitID, c.SignedAt)
	}
	for _, tc := range []struct {
		a    engine.Actor
		want string
	}{{pcs, ""}, {court, engine.ENOTFOUND}, {other, engine.ENOTFOUND}} {
		if _, err := en.FindCase(ctx, tc.a, c.ID); engine.ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.a.Name, err, tc.want)
		}
		_, n, err := en.Cases(ctx, tc.a, engine.CaseFilter{})
		if want := map[bool]int{true: 1, false: 0}[tc.want == ""]; err != nil || n != want {
			t.Errorf("%s lists %d cases, %v; want %d", tc.a.Name, n, err, want)
		}
	}
	// Without the 民转刑 flag the liaison sees the phones masked.
	shown, err := en.ShowParties(ctx, pcs, []*engine.Case{c}, "test")
	if err != nil || shown[0][0].Phone != "138****0001" {
		t.Fatalf("masked phone %q, %v", shown[0][0].Phone, err)
	}
	flagged := *c
	flagged.Flags = []string{engine.FlagCivilToCriminal}
	if shown, _ = en.ShowParties(ctx, pcs, []*engine.Case{&flagged}, "test"); shown[0][0].Phone != "13800000001" {
		t.Errorf("a 民转刑 referral shows %q", shown[0][0].Phone)
	}
	if shown, _ = en.ShowParties(ctx, court, []*engine.Case{&flagged}, "test"); shown[0][0].Phone != "138****0001" {
		t.Errorf("another partner sees %q", shown[0][0].Phone)
	}

	en.Clock.Advance(24 * time.Hour)
	if c, err = en.Record(ctx, pcs, c.ID, workflow.Sign, engine.Input{}); err != nil || c.SignedAt == nil {
		t.Fatalf("sign: %v", err)
	}
	if _, err := en.Record(ctx, pcs, c.ID, workflow.Sign, engine.Input{}); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Errorf("signed twice: %v", err)
	}
	if _, err := en.Record(ctx, court, c.ID, workflow.AddNote, engine.Input{Note: "我院已知悉"}); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("another partner's note: %v", err)
	}
	if c, err = en.Record(ctx, pcs, c.ID, workflow.AddNote, engine.Input{Note: "已约谈双方，训诫一方。"}); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Fire(ctx, pcs, c.ID, workflow.Agree, engine.Input{}); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Errorf("a partner agrees: %v", err)
	}
	en.Clock.Advance(3 * 24 * time.Hour)
	// The desk files a photo: the liaison neither lists nor opens it.
	if _, err := en.Record(ctx, desk, c.ID, workflow.Attach, engine.Input{
		Files: []*engine.Upload{engine.NewUpload("现场.pdf", 9, strings.NewReader("%PDF-1.4\n"))}}); err != nil {
		t.Fatal(err)
	}
	files, err := en.CaseAttachments(ctx, desk, c.ID)
	if err != nil || len(files) != 1 {
		t.Fatalf("the desk's attachments: %v, %v", files, err)
	}
	if got, err := en.CaseAttachments(ctx, pcs, c.ID); err != nil || len(got) != 0 {
		t.Errorf("the liaison lists %v, %v", got, err)
	}
	if _, err := en.OpenAttachment(ctx, pcs, files[0].ID, true); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("the liaison opens an attachment: %v", err)
	}
	if c, err = en.Fire(ctx, pcs, c.ID, workflow.PartnerClose, engine.Input{Result: "已依法处置，双方具结悔过。"}); err != nil {
		t.Fatal(err)
	}
	if c.State != workflow.PartnerClosed || c.PartnerUnitID != 0 {
		t.Fatalf("closed: %s, partner %d", c.State, c.PartnerUnitID)
	}
	refs, err := en.DB.Referrals(ctx, c.ID)
	if err != nil || len(refs) != 1 {
		t.Fatalf("referrals %v, %v", refs, err)
	}
	r := refs[0]
	if r.Partner != "油车港派出所" || r.SignedAt == nil || !r.SignedAt.Equal(time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)) ||
		r.Result != "已依法处置，双方具结悔过。" || !r.OnTime() {
		t.Errorf("referral %+v", r)
	}
	// The liaison still reads the case it closed, and its list keeps it.
	if _, err := en.FindCase(ctx, pcs, c.ID); err != nil {
		t.Errorf("after closing: %v", err)
	}
	if _, n, _ := en.Cases(ctx, pcs, engine.CaseFilter{}); n != 1 {
		t.Errorf("after closing the list has %d", n)
	}
	// It reads the mediation's steps without their details, and no
	// agreement.
	file, err := en.Files.CaseFile(ctx, pcs, c.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range file.Timeline {
		switch ev.Name {
		case "risk":
			if ev.Reason != "" || ev.Data.Risk != "" {
				t.Errorf("a partner reads the risk's details: %q %v", ev.Reason, ev.Data)
			}
		case "note":
			if ev.Data.Note != "已约谈双方，训诫一方。" {
				t.Errorf("its own note: %v", ev.Data)
			}
		case "partner_close":
			if ev.Data.Result != "已依法处置，双方具结悔过。" {
				t.Errorf("its result: %v", ev.Data)
			}
		}
	}
}

// TestReferralIntoMediation follows a dispute the court refers in without
// knowing its grid: it lands at the desk, located at the court's town, from
// 法院委派(诉调); the same external id returns the same case; the desk's
// routing locates it; the court follows it, the police station does not.
func TestReferralIntoMediation(t *testing.T) {
	en := enginetest.New(t)
	court, pcs, desk := en.Actors["partner@P2"], en.Actors["partner@P1"], en.Actors["intake@T1"]
	dispute := func() *engine.NewCase {
		return &engine.NewCase{Category: "合同", People: 2, Risk: engine.RiskGreen, ExternalID: "（2026）浙0411民诉前调123号",
			Summary: "买卖合同货款纠纷，诉前委派调解。", Parties: []*engine.Party{
				{Side: engine.SideApplicant, Name: "朱丽", Phone: "13900000009"}, {Side: engine.SideRespondent, Name: "钱军"}}}
	}
	if _, _, err := en.Partners.OpenReferral(ctx, desk, dispute()); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("the desk refers in: %v", err)
	}
	c, created, err := en.Partners.OpenReferral(ctx, court, dispute())
	if err != nil || !created {
		t.Fatalf("refer in: %v, created %v", err, created)
	}
	if c.State != workflow.Registered || c.Source != "法院委派(诉调)" || c.LocationUnitID != en.Units["T1"].ID ||
		c.HandlingUnitID != en.Units["T1"].ID || c.SenderUnitID != en.Units["P2"].ID {
		t.Fatalf("referred in: %+v", c)
	}
	again, created, err := en.Partners.OpenReferral(ctx, court, dispute())
	if err != nil || created || again.ID != c.ID {
		t.Fatalf("the same id again: case %d created %v, %v", again.ID, created, err)
	}
	if _, n, _ := en.Cases(ctx, engine.System, engine.CaseFilter{}); n != 1 {
		t.Errorf("%d cases after the same referral twice", n)
	}
	elsewhere := dispute()
	elsewhere.ExternalID, elsewhere.LocationID = "", en.Units["G31"].ID
	if _, _, err := en.Partners.OpenReferral(ctx, court, elsewhere); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("a dispute of another town: %v", err)
	}
	if _, err := en.FindCase(ctx, pcs, c.ID); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("another partner: %v", err)
	}
	// The desk must name the grid: none lies above the town.
	if _, err := en.Fire(ctx, desk, c.ID, workflow.AcceptGrid, engine.Input{Reason: "就近调解"}); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("accepted without a grid: %v", err)
	}
	if _, err := en.Fire(ctx, desk, c.ID, workflow.AcceptGrid, engine.Input{Unit: "G31", Reason: "就近调解"}); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("accepted at another town's grid: %v", err)
	}
	if c, err = en.Fire(ctx, desk, c.ID, workflow.AcceptGrid, engine.Input{Unit: "G12", Reason: "就近调解"}); err != nil {
		t.Fatal(err)
	}
	if c.LocationUnitID != en.Units["G12"].ID || c.HandlingUnitID != en.Units["G12"].ID {
		t.Errorf("routed: location %d handling %d", c.LocationUnitID, c.HandlingUnitID)
	}
	if _, err := en.FindCase(ctx, court, c.ID); err != nil {
		t.Errorf("the court follows its case: %v", err)
	}
	if _, err := en.Fire(ctx, court, c.ID, workflow.Fail, engine.Input{Reason: "x", Routes: []string{"诉讼"}}); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("the court ends mediation: %v", err)
	}
	// The parties agree, and agree to tell the court the terms: the court
	// reads them, and no other partner.
	agreement := &engine.Agreement{Kind: engine.AgreementWritten, Terms: "钱军分两期支付货款。", Performance: "转账", Shared: true}
	if c, err = en.Fire(ctx, en.Actors["mediator@G12"], c.ID, workflow.Agree, engine.Input{Agreement: agreement}); err != nil {
		t.Fatal(err)
	}
	if ags, err := en.Agreements(ctx, court, c.ID); err != nil || len(ags) != 1 || ags[0].Terms != "钱军分两期支付货款。" {
		t.Errorf("the court reads %+v, %v", ags, err)
	}
	file, err := en.Files.CaseFile(ctx, court, c.ID, "test")
	if err != nil || len(file.Agreements) != 1 || len(file.Documents) != 1 || file.Documents[0].Title != "人民调解协议书" {
		t.Errorf("the court's file: %d agreements, documents %+v, %v", len(file.Agreements), file.Documents, err)
	}
}

// TestTokens makes, uses and revokes a partner's API token.
func TestTokens(t *testing.T) {
	en := enginetest.New(t)
	if _, _, err := en.Accounts.CreateToken(ctx, en.Actors["admin@T1"], "T1", "法院系统"); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("a token for a town: %v", err)
	}
	if _, _, err := en.Accounts.CreateToken(ctx, en.Actors["admin@T1"], "P2", " "); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("a token without a name: %v", err)
	}
	if _, _, err := en.Accounts.CreateToken(ctx, en.Actors["supervisor@T1"], "P2", "法院诉调系统"); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("a supervisor makes a token: %v", err)
	}
	tok, secret, err := en.Accounts.CreateToken(ctx, en.Actors["admin@T1"], "P2", "法院诉调系统")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Hash == secret || tok.Hash != account.HashToken(secret) {
		t.Fatal("the secret is kept, or its hash is not")
	}
	a, err := en.Accounts.TokenActor(ctx, secret)
	if err != nil || a.Role != workflow.RolePartner || a.UnitID != en.Units["P2"].ID || a.Name != "油车港人民法庭（接口：法院诉调系统）" {
		t.Fatalf("token actor %+v, %v", a, err)
	}
	toks, err := en.Accounts.Tokens(ctx, en.Actors["admin@T1"])
	if err != nil || len(toks) != 1 || toks[0].LastUsedAt == nil {
		t.Fatalf("tokens %+v, %v", toks, err)
	}
	if _, err := en.Accounts.Tokens(ctx, en.Actors["supervisor@T1"]); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("a supervisor lists tokens: %v", err)
	}
	if err := en.Accounts.RevokeToken(ctx, en.Actors["admin@T1"], tok.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, secret + "x", "", "Bearer"} {
		if _, err := en.Accounts.TokenActor(ctx, s); engine.ErrorCode(err) != engine.EUNAUTHORIZED {
			t.Errorf("token %q: %v", s, err)
		}
	}
	if err := en.Accounts.RevokeToken(ctx, en.Actors["admin@T1"], tok.ID); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("revoked twice: %v", err)
	}
}

// TestPartnersAreTold checks who hears of a referral: the liaisons of the
// body referred to, in the application, and the systems of the partners a
// case concerns, at their own webhook, on each change of its state.
func TestPartnersAreTold(t *testing.T) {
	en := enginetest.New(t)
	pcs := en.Units["P1"]
	pcs.Webhook = "https://jw.example/mediation"
	if err := en.SaveUnit(ctx, pcs, "T1"); err != nil {
		t.Fatal(err)
	}
	c := en.NewCase(t)
	if _, err := en.Fire(ctx, en.Actors["intake@T1"], c.ID, workflow.Refer, engine.Input{Partner: "派出所", Reason: "民转刑风险"}); err != nil {
		t.Fatal(err)
	}
	ns, unread, err := en.DB.Notifications(ctx, en.Actors["partner@P1"].UserID, 10)
	if err != nil || unread != 1 || ns[0].Kind != engine.NotifyReferral || ns[0].Text != "油车港镇移交邻里纠纷（民转刑风险），请签收，并于3月17日前反馈。" {
		t.Fatalf("the liaison's notifications: %+v, %d, %v", ns, unread, err)
	}
	if _, n, _ := en.DB.Notifications(ctx, en.Actors["partner@P2"].UserID, 10); n != 0 {
		t.Errorf("another partner was told %d times", n)
	}
	if _, err := en.Fire(ctx, en.Actors["partner@P1"], c.ID, workflow.PartnerClose, engine.Input{Result: "已处置"}); err != nil {
		t.Fatal(err)
	}
	var posted []string
	sent, failed, err := en.Notices.DeliverPass(ctx, func(_ context.Context, n *engine.Notification) error {
		posted = append(posted, n.Webhook+" "+n.Kind+" "+n.Text)
		return nil
	})
	want := []string{"https://jw.example/mediation progress 移交：现为“已移交·待反馈”。",
		"https://jw.example/mediation progress 移交办结：现为“移交办结”。"}
	if err != nil || sent != 2 || failed != 0 || strings.Join(posted, "\n") != strings.Join(want, "\n") {
		t.Errorf("posted %q (%d sent, %d failed, %v), want %q", posted, sent, failed, err, want)
	}
}

// TestReportCountsReferrals counts a month's referrals by partner body:
// made, answered by the deadline and after it, sent back, and waiting at
// the month's end. The figures are stated literally.
func TestReportCountsReferrals(t *testing.T) {
	en := enginetest.New(t)
	desk := en.Actors["intake@T1"]
	refer := func(partner string) *engine.Case {
		c := en.NewCase(t)
		c, err := en.Fire(ctx, desk, c.ID, workflow.Refer, engine.Input{Partner: partner, Reason: "移交"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// 2 March: four referrals to the police station, one to the court.
	closedOnTime, returned, late := refer("P1"), refer("P1"), refer("P1")
	refer("P1")
	refer("P2")
	en.Clock.Advance(5 * 24 * time.Hour)
	if _, err := en.Fire(ctx, en.Actors["partner@P1"], closedOnTime.ID, workflow.PartnerClose, engine.Input{Result: "已处理"}); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Fire(ctx, en.Actors["partner@P1"], returned.ID, workflow.Return, engine.Input{Reason: "属民事纠纷，宜调解"}); err != nil {
		t.Fatal(err)
	}
	// The deadline is 15 days; the third answers on 23 March.
	en.Clock.Advance(16 * 24 * time.Hour)
	if _, err := en.Fire(ctx, en.Actors["partner@P1"], late.ID, workflow.PartnerClose, engine.Input{Result: "已处理"}); err != nil {
		t.Fatal(err)
	}
	r, err := en.Reports.Report(ctx, engine.System, "T1", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	want := []report.PartnerRow{
		{Code: "P1", Name: "油车港派出所", Kind: "派出所", Referred: 4, OnTime: 2, Late: 1, Returned: 1, Waiting: 1},
		{Code: "P2", Name: "油车港人民法庭", Kind: "法庭", Referred: 1, Waiting: 1},
	}
	if fmt.Sprint(r.Partners) != fmt.Sprint(want) {
		t.Errorf("partners\n got %+v\nwant %+v", r.Partners, want)
	}
	// April sees none made or answered; the two still waiting remain.
	r, err = en.Reports.Report(ctx, engine.System, "T1", "2026-04")
	if err != nil {
		t.Fatal(err)
	}
	want = []report.PartnerRow{{Code: "P1", Name: "油车港派出所", Kind: "派出所", Waiting: 1}, {Code: "P2", Name: "油车港人民法庭", Kind: "法庭", Waiting: 1}}
	if fmt.Sprint(r.Partners) != fmt.Sprint(want) {
		t.Errorf("April\n got %+v\nwant %+v", r.Partners, want)
	}
	// The village 马厍村 referred nothing: the town's partner bodies count
	// none of its cases.
	r, err = en.Reports.Report(ctx, engine.System, "V2", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Partners) != 0 {
		t.Errorf("the village's partners: %+v", r.Partners)
	}
}

// TestReferralsThatAreNot: judicial confirmation and a lawsuit are not
// hand-overs to the court; the refusal says what to record instead.
func TestReferralsThatAreNot(t *testing.T) {
	en := enginetest.New(t)
	med := en.Actors["mediator@G11"]
	c := en.CaseIn(t, workflow.Grid)
	for _, tc := range []struct{ reason, want string }{
		{"申请司法确认", "司法确认由双方当事人共同向人民法院申请，不是移交：请在案件中记录“司法确认”。"},
		{"涉及诉讼，移交人民法庭", "告知当事人向人民法院起诉是告知其他解决途径，不是移交：请以“调解不成”或“撤回”结束调解，并告知诉讼途径。"},
		{"当事人准备起诉", "告知当事人向人民法院起诉是告知其他解决途径，不是移交：请以“调解不成”或“撤回”结束调解，并告知诉讼途径。"},
	} {
		_, err := en.Fire(ctx, med, c.ID, workflow.Refer, engine.Input{Partner: "法庭", Reason: tc.reason})
		if engine.ErrorMessage(err) != tc.want {
			t.Errorf("a referral %q: %v, want %s", tc.reason, err, tc.want)
		}
		en.Unchanged(t, c, "a referral that is not one")
	}
	if _, err := en.Fire(ctx, med, c.ID, workflow.Refer, engine.Input{Partner: "派出所", Reason: "一方扬言报复，有民转刑风险"}); err != nil {
		t.Errorf("a referral to the police: %v", err)
	}
}
