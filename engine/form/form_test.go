package form_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/form"
	"github.com/grassroots/mediation/workflow"
)

// TestActionDates reads an agreement's performance date as a date in the
// towns' time zone or as an RFC 3339 time, and refuses anything else.
func TestActionDates(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for due, want := range map[string]time.Time{
		"2026-12-31":                time.Date(2026, 12, 31, 0, 0, 0, 0, cst),
		"2026-12-31T10:00:00+08:00": time.Date(2026, 12, 31, 10, 0, 0, 0, cst),
	} {
		j := form.Action{Reason: "r", Agreement: &form.Agreement{Kind: "oral", Terms: "t", Due: due, Amount: 1250}}
		in, err := j.Input(cst)
		if err != nil || !in.Agreement.DueAt.Equal(want) || in.Agreement.Amount != 1250 || in.Reason != "r" {
			t.Errorf("%s: %+v %v", due, in.Agreement, err)
		}
	}
	j := form.Action{Agreement: &form.Agreement{Due: "31/12/2026"}}
	if _, err := j.Input(cst); engine.ErrorField(err) != "agreement.due" {
		t.Errorf("a bad date: %v", err)
	}
}

// FuzzActionJSON checks the API's body decoding as the handler does it:
// whatever the body, the decoder and the text check never panic, text that
// passes the check is valid UTF-8 without NUL, and an amount is in range
// or one the checks refuse.
func FuzzActionJSON(f *testing.F) {
	enginetest.Seeds(f, "input.json")
	f.Fuzz(func(t *testing.T, body string) {
		var j form.Action
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if dec.Decode(&j) != nil {
			return
		}
		in, err := j.Input(engine.New(nil).Location)
		if err != nil {
			if engine.ErrorMessage(err) == "" {
				t.Fatalf("an error without a message: %v", err)
			}
			return
		}
		if engine.CheckText(&in) != nil {
			return
		}
		texts := []string{in.Reason, in.Note, in.Party, in.Result, in.Unit, in.Partner}
		if a := in.Agreement; a != nil {
			texts = append(texts, a.Terms, a.Facts, a.Performance, a.Place)
			if a.Amount != -1 && a.Amount != engine.MaxFen+1 && (a.Amount < 0 || a.Amount > engine.MaxFen) {
				t.Fatalf("amount %d fen out of range", a.Amount)
			}
		}
		for _, s := range texts {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("%q passed the text check", s)
			}
		}
	})
}

// TestDecodeCase reads a page's form of a new dispute: numbers and amounts
// as a person types them, the parties' rows by index with the empty ones
// dropped, and every value that does not convert reported by its field
// while the others are kept.
func TestDecodeCase(t *testing.T) {
	tree := engine.NewTree([]*engine.Unit{{ID: 1, Code: "T1", Name: "油车港镇", Level: workflow.LevelTown},
		{ID: 2, Code: "V1", Name: "麟湖村", Level: workflow.LevelVillage, ParentID: 1},
		{ID: 3, Code: "G11", Name: "麟湖村第1网格", Level: workflow.LevelGrid, ParentID: 2}})
	values := url.Values{"source": {"当事人申请"}, "category": {"邻里"}, "location": {"3"}, "amount": {"5,000"},
		"people": {"2"}, "risk": {"green"}, "flags": {"civil_to_criminal", "suicide"}, "cross_village": {"1"},
		"summary": {"两户因排水沟堵塞发生争执。"}, "csrf": {"token"},
		"parties.0.side": {"applicant"}, "parties.0.name": {"张三"}, "parties.0.phone": {"13800000001"},
		"parties.1.side": {"respondent"}, "parties.1.name": {""},
		"parties.2.side": {"respondent"}, "parties.2.name": {"李四"}}
	var c form.Case
	if err := form.Decode(&c, values); err != nil {
		t.Fatal(err)
	}
	n, err := c.NewCase(tree)
	if err != nil {
		t.Fatal(err)
	}
	if n.LocationID != 3 || n.Amount != 500000 || n.People != 2 || !n.CrossVillage || len(n.Flags) != 2 ||
		len(n.Parties) != 2 || n.Parties[0].Name != "张三" || n.Parties[0].Phone != "13800000001" || n.Parties[1].Name != "李四" {
		t.Errorf("got %+v, parties %+v", n, n.Parties)
	}
	// The location by its code, as the API and the import send it.
	c.Location = "G11"
	if n, err := c.NewCase(tree); err != nil || n.LocationID != 3 {
		t.Errorf("by code: %v %v", n, err)
	}
	c.Location = "G99"
	if _, err := c.NewCase(tree); engine.ErrorField(err) != "location" {
		t.Errorf("an unknown grid: %v", err)
	}

	values.Set("people", "两")
	values.Set("amount", "五千")
	var bad form.Case
	err = form.Decode(&bad, values)
	fields := engine.ErrorFields(err)
	if engine.ErrorCode(err) != engine.EINVALID || fields["people"] != "请填写涉及人数（整数）。" ||
		fields["amount"] != "金额“五千”无效，请填写0至100亿之间的数字（单位：元，可写“5万”“5,000元”）。" {
		t.Errorf("bad numbers: %v %v", err, fields)
	}
	if bad.Summary != "两户因排水沟堵塞发生争执。" || len(bad.Parties) != 3 {
		t.Errorf("the rest of the form was lost: %+v", bad)
	}
}

// TestDecodeAction reads an action's form: a part left wholly empty is
// not given, a filled one is, and a bad number of days is told as such.
func TestDecodeAction(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	var a form.Action
	if err := form.Decode(&a, url.Values{"version": {"3"}, "reason": {"调解不成"}, "routes": {"诉讼", "仲裁"},
		"agreement.kind": {""}, "agreement.terms": {""}, "session.place": {"网格服务站"}, "session.record": {"双方陈述。"},
		"consent": {"1"}}); err != nil {
		t.Fatal(err)
	}
	in, err := a.Input(cst)
	if err != nil || in.Version != 3 || in.Agreement != nil || in.Session == nil || in.Session.Place != "网格服务站" ||
		!in.Consent || len(in.Routes) != 2 {
		t.Errorf("got %+v %v", in, err)
	}
	err = form.Decode(&form.Action{}, url.Values{"days": {"十"}})
	if engine.ErrorFields(err)["days"] != "请填写天数（整数）。" {
		t.Errorf("bad days: %v", err)
	}
}
