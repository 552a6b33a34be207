package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRegistryPages: the town's supervisor registers a village cadre who
// mediates without an account (a refused form comes back as typed), keeps
// a mediator account's particulars, and records a training of both; the
// registry shows the year's hours, on the page and in the API. A mediator
// has no registry to open, but names the cadre on a session's record.
func TestRegistryPages(t *testing.T) {
	s, _ := newSiteOnClock(t)
	sup := s.login(t, "supervisor@T1")
	code, page := sup.get("/registry")
	if code != http.StatusOK || !strings.Contains(page, `<a href="/registry">调解员</a>`) || !strings.Contains(page, "mediator@G11") {
		t.Fatalf("the registry: %d", code)
	}
	cadre := url.Values{"name": {"王建华"}, "unit": {"G11"}, "phone": {"12345"}, "grade": {"四级"}}
	if code, page := sup.post("/registry", cadre); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "电话号码“12345”无效") || !strings.Contains(page, `value="王建华"`) {
		t.Errorf("a bad phone: %d", code)
	}
	cadre.Set("phone", "139 0000 1111")
	cadre.Del("csrf")
	if code, _ := sup.post("/registry", cadre); code != http.StatusSeeOther {
		t.Fatalf("the cadre: %d", code)
	}
	_, page = sup.get("/registry")
	edit := regexp.MustCompile(`<td data-label="姓名">mediator@G11</td>(?s:.*?)href="/registry\?edit=(u\d+)#mediator-form"`).FindStringSubmatch(page)
	if edit == nil {
		t.Fatalf("no edit link for mediator@G11")
	}
	_, form := sup.get("/registry?edit=" + edit[1])
	if !strings.Contains(form, `name="name" value="mediator@G11"`) {
		t.Errorf("the edit form is not filled with the account")
	}
	if code, _ := sup.post("/registry", url.Values{"edit": {edit[1]}, "name": {"mediator@G11"}, "unit": {"G11"}, "full_time": {"1"},
		"appointed_on": {"2024-03-01"}, "grade": {"二级"}}); code != http.StatusSeeOther {
		t.Fatalf("the account's particulars: %d", code)
	}
	_, page = sup.get("/registry")
	keys := regexp.MustCompile(`name="attendees" value="(m\d+)"[^>]*> (王建华|mediator@G11)`).FindAllStringSubmatch(page, -1)
	if len(keys) != 2 {
		t.Fatalf("the training form offers %v", keys)
	}
	if code, _ := sup.post("/registry/trainings", url.Values{"held_on": {"2026-02-20"}, "hours": {"3.5"}, "topic": {"人民调解法解读"},
		"attendees": {keys[0][1], keys[1][1]}}); code != http.StatusSeeOther {
		t.Fatalf("training: %d", code)
	}
	_, page = sup.get("/registry")
	for _, want := range []string{"已记录培训“人民调解法解读”，2人参加。", "2026-02-20 · 人民调解法解读 · 3.5 小时", `<td data-label="专职/兼职">专职</td>`,
		`<td data-label="培训学时">3.5 小时</td>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the registry lacks %q", want)
		}
	}
	if code, api := sup.get("/api/v1/mediators"); code != http.StatusOK ||
		!strings.Contains(api, `"account":false,"appointed_on":"","committee":"麟湖村人民调解委员会","full_time":false,"grade":"四级","name":"王建华","phone":"13900001111","training_hours":3.5`) {
		t.Errorf("the API: %d %s", code, api)
	}
	if code, _ := s.login(t, "mediator@G11").get("/registry"); code != http.StatusForbidden {
		t.Errorf("a mediator opens the registry: %d", code)
	}
	// The grid's mediator names the cadre on a session's record, picking
	// him from the registry; the 调解记录 prints both.
	med := s.login(t, "mediator@G11")
	grid := s.cases["grid"]
	if _, form := med.get(casePath(grid, "/do/session")); !strings.Contains(form, `<option value="王建华">`) {
		t.Errorf("the session's form does not offer the cadre")
	}
	if _, form := med.get("/doorstep"); !strings.Contains(form, `<option value="王建华">`) {
		t.Errorf("the 门前调 form does not offer the cadre")
	}
	if code, _ := med.post(casePath(grid, "/do/session"), url.Values{"version": {strconv.Itoa(s.caseNow(t, "grid").Version)},
		"session.record": {"双方陈述，村干部王建华协助调解。"}, "session.mediators": {"王建华"}}); code != http.StatusSeeOther {
		t.Fatalf("the session: %d", code)
	}
	if _, file := med.get(casePath(grid, "/documents")); !strings.Contains(file, "<tr><th>调解员</th><td>mediator@G11、王建华</td></tr>") {
		t.Errorf("the 调解记录 does not name the cadre")
	}
}
