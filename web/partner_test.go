package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
)

// partners are the liaisons of newSite: of the police station the referred
// case waits on, of the town's court, and of the other town's police.
var partners = []string{"partner@P1", "partner@P2", "partner@P3"}

// TestPartnerScenarios states what a partner's liaison may open and do:
// only the case referred to their body, with the parties in full for its
// 民转刑 risk; no page of the desk, the mediators or the supervisors; no
// other case, which answers as one that does not exist; and on its case
// only the referral's own steps.
func TestPartnerScenarios(t *testing.T) {
	s := newSite(t)
	var table []scenario
	//                                      P1   P2   P3
	for _, row := range []struct {
		path     string
		statuses []int
	}{
		{"/cases", []int{200, 200, 200}},
		{"/cases/new", []int{200, 200, 200}},
		{"/doorstep", []int{403, 403, 403}},
		{"/overdue", []int{403, 403, 403}},
		{"/reports", []int{403, 403, 403}},
		{"/sweeps", []int{403, 403, 403}},
		{"/audit", []int{403, 403, 403}},
		{"/admin", []int{403, 403, 403}},
		{"/cases/{referred}", []int{200, 404, 404}},
		{"/api/v1/cases/{referred}", []int{200, 404, 404}},
		{"/api/v1/cases/{referred}/file", []int{200, 404, 404}},
		{"/cases/{referred}/documents", []int{200, 404, 404}},
	} {
		for i, st := range row.statuses {
			table = append(table, scenario{name: row.path + " as " + partners[i], user: partners[i], path: row.path, status: st})
		}
	}
	// Every other case is outside every partner's scope, page and API.
	for _, key := range []string{"grid", "registered", "agreed", "other"} {
		for _, p := range partners {
			for _, path := range []string{"/cases/{" + key + "}", "/api/v1/cases/{" + key + "}", "/api/v1/cases/{" + key + "}/events",
				"/cases/{" + key + "}/receipt", "/cases/{" + key + "}/documents", "/cases/{" + key + "}/do/note"} {
				table = append(table, scenario{name: path + " as " + p, user: p, path: path, status: 404,
					hasNot: []string{"table.parties"}})
			}
		}
	}
	table = append(table, []scenario{
		{name: "the liaison's queue holds the referral, unsigned", user: "partner@P1", path: "/cases", status: 200,
			has: []string{"#awaiting-feedback:contains('移交本单位待办理')", "#awaiting-feedback:contains('未签收（已移交')",
				"#awaiting-feedback a[href='/cases/{referred}/documents']:contains('移交函')", "td a:contains('{referred.number}')"},
			hasNot: []string{"td a:contains('{grid.number}')", "td a:contains('{registered.number}')", "td a:contains('{other.number}')"}},
		{name: "another partner's list is empty", user: "partner@P2", path: "/cases", status: 200,
			hasNot: []string{"#awaiting-feedback", "td a:contains('{referred.number}')"}},
		{name: "the liaison's buttons", user: "partner@P1", path: "/cases/{referred}", status: 200,
			actions: []string{"return", "partner_close", "note", "sign"},
			has:     []string{"table.parties td:contains('13900000002')", "table.parties td:contains('330411198803030021')"}},
		{name: "the liaison lists no attachment", user: "partner@P1", path: "/api/v1/cases/{referred}/attachments", status: 200,
			contains: []string{"[]"}},
		{name: "the liaison's file holds only the referral letter", user: "partner@P1", path: "/cases/{referred}/documents", status: 200,
			has: []string{"article.doc h1:contains('移交函')"}, hasNot: []string{"#doc-cover", "#doc-application"}},
		{name: "the referral-in form", user: "partner@P2", path: "/cases/new", status: 200,
			has:    []string{"h1:contains('移送纠纷')", "#source:contains('法院委派(诉调)')", "select[name=location] option:contains('不清楚')"},
			hasNot: []string{"select[name=source]", "input[name=decision][value=accept_grid]"}},
	}...)
	clients := map[string]*client{}
	for _, sc := range table {
		t.Run(sc.name, func(t *testing.T) { s.run(t, clients, sc) })
	}
}

// TestPartnerWrites fires every event and activity as each partner's
// liaison on the referred case: the police station it waits on may sign,
// note, and close it or send it back, and nothing else (409 where the
// state allows no such step, 403 where the table grants it to others);
// the other partners are answered as for a case that does not exist;
// nothing they are refused changes anything.
func TestPartnerWrites(t *testing.T) {
	s := newSite(t)
	// Literal: the steps of the workflow table and how the station's
	// liaison is answered on a case referred to it.
	conflict := []string{"events/accept_grid", "events/accept_village", "events/accept_town", "events/reject", "events/escalate",
		"events/hand_down", "events/agree", "events/fail", "events/withdraw", "events/refer", "events/fulfil", "events/remediate",
		"events/close_unperformed", "activities/session", "activities/add_party", "activities/assign", "activities/followup",
		"activities/suspend", "activities/resume", "activities/extend", "activities/rights_notice", "activities/confirm",
		"activities/archive"}
	forbidden := []string{"activities/supervise", "activities/risk", "activities/overdue"}
	allowed := []string{"events/return", "events/partner_close", "activities/note", "activities/sign"}
	var table []scenario
	for _, step := range append(append(append([]string{}, conflict...), forbidden...), allowed...) {
		for _, p := range []string{"partner@P2", "partner@P3"} {
			table = append(table, scenario{name: step + " as " + p, user: p, path: "/api/v1/cases/{referred}/" + step,
				json: `{"version":{referred.v},"note":"x","reason":"x","result":"x"}`, status: http.StatusNotFound})
		}
	}
	for _, step := range conflict {
		table = append(table, scenario{name: step + " as partner@P1", user: "partner@P1", path: "/api/v1/cases/{referred}/" + step,
			json: `{"version":{referred.v},"note":"x","reason":"x"}`, status: http.StatusConflict})
	}
	for _, step := range forbidden {
		table = append(table, scenario{name: step + " as partner@P1", user: "partner@P1", path: "/api/v1/cases/{referred}/" + step,
			json: `{"version":{referred.v},"note":"x","reason":"x","risk":"green"}`, status: http.StatusForbidden})
	}
	for _, key := range []string{"grid", "registered", "agreed", "other"} {
		table = append(table, scenario{name: "a note on " + key + " as partner@P1", user: "partner@P1", path: "/api/v1/cases/{" + key + "}/activities/note",
			json: `{"version":{` + key + `.v},"note":"x"}`, status: http.StatusNotFound})
	}
	table = append(table, []scenario{
		{name: "the station signs for it", user: "partner@P1", path: "/api/v1/cases/{referred}/activities/sign",
			json: `{"version":{referred.v}}`, status: 200, contains: []string{`"partner":"P1"`}, moves: map[string]int{"referred": 1}},
		{name: "signed once", user: "partner@P1", path: "/api/v1/cases/{referred}/activities/sign",
			json: `{"version":{referred.v}}`, status: http.StatusConflict},
		{name: "the station notes progress", user: "partner@P1", path: "/api/v1/cases/{referred}/activities/note",
			json: `{"version":{referred.v},"note":"已传唤钱伟"}`, status: 200, moves: map[string]int{"referred": 1}},
		{name: "the station closes it", user: "partner@P1", method: http.MethodPost, path: "/cases/{referred}/do/partner_close",
			form: map[string][]string{"version": {"{referred.v}"}, "result": {"已训诫，双方和解。"}}, status: http.StatusSeeOther,
			moves: map[string]int{"referred": 1}, flash: "已移交办结：案件现为“移交办结”。"},
		{name: "the station still reads it, with the phones masked now", user: "partner@P1", path: "/cases/{referred}", status: 200,
			actions: []string{}, has: []string{"#state:contains('移交办结')", "table.parties td:contains('139****0002')", ".referral:contains('按期反馈')"}},
		{name: "the desk sees the feedback on time", user: "intake@T1", path: "/cases/{referred}", status: 200,
			has: []string{".referral:contains('签收')", ".referral:contains('按期反馈')", ".referral:contains('已训诫，双方和解。')"}},
	}...)
	clients := map[string]*client{}
	for _, sc := range table {
		t.Run(sc.name, func(t *testing.T) { s.run(t, clients, sc) })
	}
}

// partnerCall is a partner system's call: its token, no cookie, no CSRF
// token.
func partnerCall(t *testing.T, s *site, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(resp.Cookies()) > 0 {
		t.Errorf("%s %s set a cookie", method, path)
	}
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestJourneyPartnerAPI: the court's system refers a dispute in twice
// under one id of its own and gets one case; the desk accepts it at the
// town, whose mediator records an agreement; the court reads the outcome,
// not the terms; the police station's token sees none of it; a revoked
// token is refused.
func TestJourneyPartnerAPI(t *testing.T) {
	s := newSite(t)
	_, court, err := account.New(s.e, s.db).CreateToken(ctx, engine.System, "P2", "法院诉调对接")
	if err != nil {
		t.Fatal(err)
	}
	_, police, err := account.New(s.e, s.db).CreateToken(ctx, engine.System, "P1", "警务平台")
	if err != nil {
		t.Fatal(err)
	}
	referral := `{"external_id":"（2026）浙0411民诉前调88号","category":"合同","amount":36000,"summary":"买卖合同货款纠纷，诉前委派调解。",
		"parties":[{"side":"applicant","name":"朱丽","phone":"13900000019"},{"side":"respondent","name":"钱军"}]}`
	code, first := partnerCall(t, s, http.MethodPost, "/api/v1/referrals", "Bearer "+court, referral)
	if code != http.StatusCreated || first["state"] != "registered" || first["source"] != "法院委派(诉调)" || first["location"] != "T1" ||
		first["sender"] != "P2" || first["external_id"] != "（2026）浙0411民诉前调88号" {
		t.Fatalf("referred in: %d %v", code, first)
	}
	code, again := partnerCall(t, s, http.MethodPost, "/api/v1/referrals", "Bearer "+court, referral)
	if code != http.StatusOK || again["id"] != first["id"] {
		t.Fatalf("the same id again: %d %v", code, again)
	}
	if code, bad := partnerCall(t, s, http.MethodPost, "/api/v1/referrals", "Bearer "+court, `{"external_id":"x","category":"合同"}`); code != http.StatusUnprocessableEntity {
		t.Errorf("a referral without its facts: %d %v", code, bad)
	}
	id := int64(first["id"].(float64))
	path := fmt.Sprintf("/api/v1/cases/%d", id)

	desk := s.login(t, "intake@T1")
	desk.get("/cases")
	if code, body := desk.postJSON(path+"/events/accept_town", `{"version":1,"reason":"法院委派，由镇调委会调解"}`, desk.csrf); code != http.StatusOK {
		t.Fatalf("accept: %d %s", code, body)
	}
	town := s.login(t, "mediator@T1")
	town.get("/cases")
	if _, form := town.get(fmt.Sprintf("/cases/%d/do/agree", id)); !strings.Contains(form, `name="agreement.shared"`) ||
		!strings.Contains(form, "当事人同意将协议内容告知移送单位（油车港人民法庭）") {
		t.Errorf("the agreement form offers no consent to tell the court")
	}
	town.get("/cases")
	if code, body := town.postJSON(path+"/events/agree", `{"version":2,"agreement":{"kind":"written","terms":"钱军于十日内支付货款3.6万元。","performance":"银行转账","amount":36000}}`, town.csrf); code != http.StatusOK {
		t.Fatalf("agree: %d %s", code, body)
	}

	code, got := partnerCall(t, s, http.MethodGet, path, "Bearer "+court, "")
	if code != http.StatusOK || got["state"] != "agreed" || got["state_label"] != "已达成协议·履行中" || got["agreed_at"] == nil {
		t.Fatalf("the court reads: %d %v", code, got)
	}
	code, file := partnerCall(t, s, http.MethodGet, path+"/file", "Bearer "+court, "")
	if code != http.StatusOK || len(file["agreements"].([]any)) != 0 || strings.Contains(fmt.Sprint(file), "钱军于十日内") {
		t.Errorf("the court reads the terms: %d %v", code, file["agreements"])
	}
	if code, _ := partnerCall(t, s, http.MethodGet, path, "Bearer "+police, ""); code != http.StatusNotFound {
		t.Errorf("the police station reads the court's case: %d", code)
	}
	code, queue := partnerCall(t, s, http.MethodGet, "/api/v1/queue", "Bearer "+court, "")
	if code != http.StatusOK || len(queue["sent_in"].([]any)) != 1 || len(queue["referred"].([]any)) != 0 || queue["count"] != float64(0) {
		t.Errorf("the court's queue: %d %v", code, queue)
	}
	code, list := partnerCall(t, s, http.MethodGet, "/api/v1/cases", "Bearer "+police, "")
	if code != http.StatusOK || strings.Contains(fmt.Sprint(list["cases"]), "诉前委派") || list["total"] != float64(1) {
		t.Errorf("the police station's list: %d %v", code, list)
	}
	if code, _ := partnerCall(t, s, http.MethodPost, path+"/events/remediate", "Bearer "+court, `{"version":3,"reason":"协议未履行","consent":true}`); code != http.StatusForbidden {
		t.Errorf("the court reopens the mediation: %d", code)
	}

	toks, err := account.New(s.e, s.db).Tokens(ctx, engine.System)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if tok.Name == "法院诉调对接" {
			if err := account.New(s.e, s.db).RevokeToken(ctx, engine.System, tok.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, auth := range []string{"Bearer " + court, "Bearer med_nothing", "Basic " + court} {
		if code, body := partnerCall(t, s, http.MethodGet, path, auth, ""); code != http.StatusUnauthorized {
			t.Errorf("%.12s…: %d %v", auth, code, body)
		}
	}
}

// TestConsoleKeepsPartners: the administrator adds a partner body with its
// kind and webhook, is told what is wrong with a bad one, makes a token
// shown once, and revokes it.
func TestConsoleKeepsPartners(t *testing.T) {
	s := newSite(t)
	table := []scenario{
		{name: "a partner body", user: "admin@T1", method: http.MethodPost, path: "/admin/units", status: http.StatusSeeOther,
			form: map[string][]string{"code": {"P9"}, "name": {"油车港镇信访办"}, "level": {"partner"}, "parent": {"T1"}, "kind": {"信访办"},
				"webhook": {"https://xf.example/hook"}},
			flash: "已保存单位“油车港镇信访办”。"},
		{name: "the console lists it with its kind", user: "admin@T1", path: "/admin", status: 200,
			has: []string{"#units td:contains('联动单位·信访办')", "#units input[name=webhook][value='https://xf.example/hook']"}},
		{name: "a partner body without its kind", user: "admin@T1", method: http.MethodPost, path: "/admin/units", status: http.StatusUnprocessableEntity,
			form: map[string][]string{"code": {"P8"}, "name": {"某部门"}, "level": {"partner"}, "parent": {"T1"}},
			has:  []string{"#problem:contains('联动单位类别须为以下之一')"}},
		{name: "a partner body under a village", user: "admin@T1", method: http.MethodPost, path: "/admin/units", status: http.StatusUnprocessableEntity,
			form: map[string][]string{"code": {"P8"}, "name": {"某部门"}, "level": {"partner"}, "parent": {"V1"}, "kind": {"其他部门"}},
			has:  []string{"#problem:contains('联动单位须挂在镇(街道)或县(区)之下')"}},
		{name: "a webhook that is no address", user: "admin@T1", method: http.MethodPost, path: "/admin/units", status: http.StatusUnprocessableEntity,
			form: map[string][]string{"code": {"P8"}, "name": {"某部门"}, "level": {"partner"}, "parent": {"T1"}, "kind": {"其他部门"}, "webhook": {"ftp://x"}},
			has:  []string{"#problem:contains('推送地址须为')"}},
		{name: "a liaison's account at a village", user: "admin@T1", method: http.MethodPost, path: "/admin/accounts", status: http.StatusUnprocessableEntity,
			form: map[string][]string{"name": {"xf"}, "role": {"partner"}, "unit": {"V1"}},
			has:  []string{"#problem:contains('联动单位联络员须属于联动单位')"}},
		{name: "a token, shown in the answer alone", user: "admin@T1", method: http.MethodPost, path: "/admin/tokens", status: http.StatusOK,
			form: map[string][]string{"unit": {"P9"}, "name": {"信访系统"}}, has: []string{"p.flash:contains('已新建接口令牌 #1（信访系统）：med_')"}},
		{name: "the token listed, not its secret", user: "admin@T1", path: "/admin", status: 200,
			has: []string{"#tokens td:contains('信访系统')", "#tokens td:contains('油车港镇 / 油车港镇信访办')", "#tokens td:contains('有效')",
				"#accounts tr:contains('partner@P1') td:contains('油车港镇 / 油车港派出所')"}, lacks: []string{"med_"}},
		{name: "a token for a town", user: "admin@T1", method: http.MethodPost, path: "/admin/tokens", status: http.StatusUnprocessableEntity,
			form: map[string][]string{"unit": {"T1"}, "name": {"x"}}, has: []string{"#problem:contains('接口令牌只发给联动单位')"}},
		{name: "a supervisor makes no token", user: "supervisor@T1", method: http.MethodPost, path: "/admin/tokens", status: http.StatusForbidden,
			form: map[string][]string{"unit": {"P9"}, "name": {"x"}}},
		{name: "revoked", user: "admin@T1", method: http.MethodPost, path: "/admin/tokens/1/revoke", status: http.StatusSeeOther,
			flash: "已吊销接口令牌 #1，使用它的请求将被拒绝。"},
		{name: "listed as revoked", user: "admin@T1", path: "/admin", status: 200, has: []string{"#tokens td:contains('已吊销')"}},
	}
	clients := map[string]*client{}
	for _, sc := range table {
		t.Run(sc.name, func(t *testing.T) { s.run(t, clients, sc) })
	}
}
