package store_test

import (
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/workflow"
)

// TestPartnersMigration checks how migrations 0026 and 0027 map the
// referrals recorded when a partner was a word: each town gets a partner
// unit of each word its referrals used, the referrals and the case waiting
// on one name it, and a referral sent back is counted as one.
func TestPartnersMigration(t *testing.T) {
	db := storetest.Open(t)
	e := engine.New(db)
	for _, u := range []*engine.Unit{
		{Code: "T", Name: "测试镇", Level: workflow.LevelTown, CasePrefix: "测"},
		{Code: "TV", Name: "甲村", Level: workflow.LevelVillage},
		{Code: "TG", Name: "甲村第1网格", Level: workflow.LevelGrid},
		{Code: "T-POLICE", Name: "测试派出所", Level: workflow.LevelPartner, Kind: "派出所"},
		{Code: "T-COURT", Name: "测试法庭", Level: workflow.LevelPartner, Kind: "法庭"},
	} {
		parent := map[string]string{"TV": "T", "TG": "TV", "T-POLICE": "T", "T-COURT": "T"}[u.Code]
		if err := e.SaveUnit(ctx, u, parent); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := e.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	open := func(steps ...engine.Step) *engine.Case {
		c, err := e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: tree.ByCode("TG").ID,
			People: 2, Risk: engine.RiskGreen, Summary: "两户因排水沟发生争执。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "张三"}}}, steps...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	waiting := open(engine.Step{Event: workflow.Refer, Input: engine.Input{Partner: "派出所", Reason: "民转刑风险"}})
	returned := open(engine.Step{Event: workflow.Refer, Input: engine.Input{Partner: "法庭", Reason: "涉诉"}},
		engine.Step{Event: workflow.Return, Input: engine.Input{Reason: "宜先调解"}})
	if err := db.ForgetPartners(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"0026_partners.sql", "0027_partner_webhooks.sql"} {
		if err := db.RerunData(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	units, err := db.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]*engine.Unit{}
	for _, u := range units {
		if u.Level == workflow.LevelPartner {
			made[u.Code] = u
		}
	}
	police, court := made["T-PCS"], made["T-FT"]
	if len(made) != 2 || police == nil || court == nil || police.Name != "测试镇派出所" || police.Kind != "派出所" ||
		court.Name != "测试镇法庭" || court.Kind != "法庭" || police.ParentID != tree.ByCode("T").ID {
		t.Fatalf("partner units %+v", made)
	}
	for _, tc := range []struct {
		c        *engine.Case
		partner  int64
		waitOn   int64
		returned bool
	}{{waiting, police.ID, police.ID, false}, {returned, court.ID, 0, true}} {
		refs, err := db.Referrals(ctx, tc.c.ID)
		if err != nil || len(refs) != 1 || refs[0].PartnerUnitID != tc.partner || refs[0].Returned != tc.returned {
			t.Errorf("case %d: referrals %+v, %v", tc.c.ID, refs[0], err)
		}
		c, err := db.FindCase(ctx, tc.c.ID)
		if err != nil || c.PartnerUnitID != tc.waitOn {
			t.Errorf("case %d waits on %d, want %d", tc.c.ID, c.PartnerUnitID, tc.waitOn)
		}
	}
}
