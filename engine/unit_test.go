package engine_test

import (
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/workflow"
)

// TestUnitLevels checks the tree's levels against Unit.Validate: a level
// sits under the one above it, and only a town or a unit above towns
// stands at the root.
func TestUnitLevels(t *testing.T) {
	province := &engine.Unit{Code: "P", Name: "浙江省", Level: workflow.LevelProvince}
	city := &engine.Unit{Code: "P1", Name: "杭州市", Level: workflow.LevelCity}
	county := &engine.Unit{Code: "C1", Name: "余杭区", Level: workflow.LevelCounty}
	town := &engine.Unit{Code: "T1", Name: "良渚街道", Level: workflow.LevelTown, CasePrefix: "良"}
	village := &engine.Unit{Code: "V1", Name: "麟湖村", Level: workflow.LevelVillage}
	for _, tc := range []struct {
		unit, parent *engine.Unit
		refused      string // a part of the refusal, "" when accepted
	}{
		{province, nil, ""},
		{city, nil, ""},
		{county, nil, ""},
		{town, nil, ""},
		{city, province, ""},
		{county, city, ""},
		{town, county, ""},
		{village, town, ""},
		{village, nil, "村(社区)单位必须有上级单位"},
		{county, province, "县(区)的上级必须是市"},
		{town, city, "镇(街道)的上级必须是县(区)"},
		{city, county, "市的上级必须是省"},
		{&engine.Unit{Code: "X", Name: "某地", Level: "region"}, nil, "单位层级必须是 province、city、county、town、village、grid 或 partner"},
	} {
		err := tc.unit.Validate(tc.parent)
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%s under %v: refused: %v", tc.unit.Name, tc.parent, err)
		case tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)):
			t.Errorf("%s under %v: got %v, want %q", tc.unit.Name, tc.parent, err, tc.refused)
		}
	}
	if workflow.LevelProvince.Label() != "省" || workflow.LevelCity.Label() != "市" {
		t.Errorf("labels: %q, %q", workflow.LevelProvince.Label(), workflow.LevelCity.Label())
	}
}

// TestUnitKeepsItsTown moves units of the test towns: a village or a grid
// whose cases lie there stays in its town, and says why; one without cases
// moves, and a grid with cases moves to another village of its town.
func TestUnitKeepsItsTown(t *testing.T) {
	en := enginetest.New(t)
	en.NewCase(t) // at G11, in V1 of T1
	for _, tc := range []struct {
		code, name, level, parent string
		refused                   string
	}{
		{"V1", "麟湖村", "village", "T2", "“麟湖村”已有案件，不能移到新塍镇：案件按登记时所在的镇(街道)编号和统计。"},
		{"G11", "麟湖村第1网格", "grid", "V3", "“麟湖村第1网格”已有案件，不能移到新塍镇：案件按登记时所在的镇(街道)编号和统计。"},
		{"G11", "麟湖村第1网格", "grid", "V2", ""},
		{"V2", "马厍村", "village", "T2", "“马厍村”已有案件，不能移到新塍镇：案件按登记时所在的镇(街道)编号和统计。"},
		{"G12", "麟湖村第2网格", "grid", "V3", ""},
	} {
		u := &engine.Unit{Code: tc.code, Name: tc.name, Level: workflow.Level(tc.level)}
		err := en.SaveUnit(ctx, u, tc.parent)
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%s under %s: %v", tc.code, tc.parent, err)
		case tc.refused != "" && (engine.ErrorCode(err) != engine.EINVALID || engine.ErrorMessage(err) != tc.refused):
			t.Errorf("%s under %s: %v, want %q", tc.code, tc.parent, err, tc.refused)
		}
	}
	tree, err := en.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for code, town := range map[string]string{"V1": "T1", "G11": "T1", "V2": "T1", "G12": "T2"} {
		if got := tree.Town(tree.ByCode(code).ID).Code; got != town {
			t.Errorf("%s is in %s, want %s", code, got, town)
		}
	}
}
