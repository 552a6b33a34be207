package web_test

import (
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// documentCases fills five cases on a fixed clock, one for each way a file
// ends, through the engine as the people who work them.
func documentCases(t *testing.T) (*site, map[string]*engine.Case) {
	t.Helper()
	now := time.Date(2026, 9, 1, 1, 30, 0, 0, time.UTC)
	s := newSiteAt(t, func() time.Time { return now })
	tick := func() { now = now.Add(26 * time.Hour) }
	a := func(name string) engine.Actor {
		u, err := s.db.FindUserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return u.Actor()
	}
	desk, grid := a("intake@T1"), a("mediator@G11")
	open := func(by engine.Actor, source, category string) *engine.Case {
		tick()
		k, err := s.e.OpenCase(ctx, by, &engine.NewCase{Source: source, Category: category, LocationID: s.units["G11"].ID, People: 2,
			Risk: engine.RiskGreen, Amount: 300000, Summary: "两户因宅基地围墙位置发生争执，多次协商未果。", Requests: "请求确认围墙界址。",
			Parties: []*engine.Party{
				{Side: engine.SideApplicant, Name: "沈国平", Sex: "男", Ethnicity: "汉族", IDNumber: "330411197003150020", Phone: "13900000009",
					Address: "麟湖村3组12号", Occupation: "农民", Consent: "yes"},
				{Side: engine.SideRespondent, Kind: engine.KindOrg, Name: "嘉兴市麟湖农业发展有限公司", Representative: "徐建华",
					Address: "麟湖村工业区1号", Consent: "yes"}}})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	do := func(k *engine.Case, by engine.Actor, ev workflow.Event, act workflow.Activity, in engine.Input) *engine.Case {
		t.Helper()
		tick()
		in.Version = k.Version
		var err error
		if ev != "" {
			k, err = s.e.Fire(ctx, by, k.ID, ev, in)
		} else {
			k, err = s.e.Record(ctx, by, k.ID, act, in)
		}
		if err != nil {
			t.Fatalf("%s%s: %v", ev, act, err)
		}
		return k
	}
	notice := engine.Input{Notice: &engine.Notice{To: "沈国平、嘉兴市麟湖农业发展有限公司"}}
	session := engine.Input{Session: &engine.Session{Place: "麟湖村调解室", Participants: "沈国平、徐建华、网格员",
		Record: "告知双方权利义务。双方陈述围墙位置的来历，调解员现场丈量，释法明理。"}}
	out := map[string]*engine.Case{}

	k := open(desk, "当事人申请", "房屋宅基地")
	k = do(k, desk, workflow.AcceptGrid, "", engine.Input{Reason: "双方同意先由网格调解"})
	k = do(k, grid, "", workflow.RightsNotice, notice)
	k = do(k, grid, "", workflow.LogSession, session)
	due := now.Add(10 * 24 * time.Hour)
	k = do(k, grid, workflow.Agree, "", engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten,
		Facts: "围墙越界0.3米，双方对界址有争议。", Terms: "一、以原围墙为界。\n二、被申请人补偿申请人2万元。", Performance: "银行转账。",
		DueAt: &due, Amount: 2000000, Place: "麟湖村调解室"}})
	k = do(k, grid, "", workflow.Confirm, engine.Input{Confirmation: &engine.Confirmation{Kind: engine.ConfirmApplied, Court: "嘉兴市秀洲区人民法院"}})
	k = do(k, grid, workflow.Fulfil, "", engine.Input{Visit: &engine.FollowUp{Visited: "沈国平", Findings: "补偿款已到账，双方无异议。",
		Satisfaction: "satisfied"}})
	out["written"] = do(k, grid, "", workflow.Archive, engine.Input{})

	k = open(grid, "门前调", "邻里")
	k = do(k, grid, workflow.AcceptGrid, "", engine.Input{Reason: "门前调，就地受理"})
	k = do(k, grid, "", workflow.RightsNotice, notice)
	k = do(k, grid, "", workflow.LogSession, session)
	out["oral"] = do(k, grid, workflow.Agree, "", engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementOral,
		Terms: "被申请人当场赔礼道歉并赔偿500元。", Amount: 50000, OralConfirmed: true}})

	k = open(desk, "当事人申请", "房屋宅基地")
	out["refusal"] = do(k, desk, workflow.Reject, "", engine.Input{Reason: "已由法院/公安/行政机关受理", Routes: []string{"诉讼", "仲裁"}})

	k = open(desk, "当事人申请", "房屋宅基地")
	k = do(k, desk, workflow.AcceptGrid, "", engine.Input{Reason: "双方同意先由网格调解"})
	k = do(k, grid, "", workflow.RightsNotice, notice)
	k = do(k, grid, "", workflow.LogSession, session)
	out["failure"] = do(k, grid, workflow.Fail, "", engine.Input{Reason: "双方对界址分歧过大", Routes: []string{"诉讼"}})

	// The village committee accepts and hears the case; the town's settles
	// it: each document names the committee that acted.
	village, town := a("mediator@V1"), a("mediator@T1")
	k = open(desk, "当事人申请", "房屋宅基地")
	k = do(k, desk, workflow.AcceptVillage, "", engine.Input{Unit: "V1", Reason: "发生地在麟湖村"})
	k = do(k, village, "", workflow.RightsNotice, notice)
	k = do(k, village, "", workflow.LogSession, session)
	k = do(k, village, workflow.Escalate, "", engine.Input{Reason: "超出调解能力"})
	k = do(k, town, "", workflow.LogSession, session)
	out["escalated"] = do(k, town, workflow.Agree, "", engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten,
		Facts: "围墙越界0.3米。", Terms: "以原围墙为界。", Performance: "当场拆除越界部分", Place: "油车港镇矛调中心"}})

	k = open(desk, "公安移交(警调)", "房屋宅基地")
	k = do(k, desk, workflow.Refer, "", engine.Input{Partner: "派出所", Reason: "一方扬言报复，有民转刑风险"})
	out["referral"] = do(k, desk, workflow.PartnerClose, "", engine.Input{Result: "派出所已训诫并调处完毕，双方签订和解书。"})
	return s, out
}

var spaces = regexp.MustCompile(`\s+`)

// TestDocumentsGolden prints the whole file of each case and compares each
// document's text with testdata/documents; run with -update to rewrite
// them. The elements the law requires are asserted by name besides.
func TestDocumentsGolden(t *testing.T) {
	s, cases := documentCases(t)
	c := s.login(t, "mediator@G11")
	desk, town := s.login(t, "intake@T1"), s.login(t, "mediator@T1")
	// Reprinted five years on, the documents say what they said: a
	// party's age is the age on the document's date.
	later := time.Date(2031, 9, 1, 1, 30, 0, 0, time.UTC)
	s.e.Now = func() time.Time { return later }
	for name, k := range cases {
		t.Run(name, func(t *testing.T) {
			viewer := c
			switch name {
			case "refusal", "referral":
				viewer = desk
			case "escalated":
				viewer = town
			}
			code, body := viewer.get(casePath(k, "/documents"))
			if code != 200 {
				t.Fatalf("the file: %d", code)
			}
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			texts := map[string]string{}
			doc.Find("article.doc").Each(func(_ int, a *goquery.Selection) {
				title := strings.TrimSpace(a.Find("h1").First().Text())
				text := strings.TrimSpace(spaces.ReplaceAllString(a.Text(), " "))
				texts[title] += text
				b.WriteString("== " + title + "\n" + text + "\n")
			})
			golden := filepath.Join("..", "testdata", "documents", name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Errorf("the file differs from %s; run go test -tags sqlite_fts5 ./web -run TestDocumentsGolden -update and read the diff\n%s", golden, b.String())
			}
			for _, check := range documentChecks[name] {
				got, printed := texts[check.doc]
				if check.text == "" && printed != check.present {
					t.Errorf("%s printed=%v, want %v", check.doc, printed, check.present)
				}
				if check.text != "" && strings.Contains(got, check.text) != check.present {
					t.Errorf("%s: %q present=%v, want %v", check.doc, check.text, !check.present, check.present)
				}
			}
		})
	}
}

// documentChecks are the elements the law and the Ministry's formats
// require of each document, by name.
var documentChecks = map[string][]struct {
	doc, text string
	present   bool
}{
	"written": {
		{"人民调解协议书", "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效", true},
		{"人民调解协议书", "本协议一式3份，当事人各执一份，人民调解委员会留存一份", true},
		// The list numbers the terms; the numbers typed before them go.
		{"人民调解协议书", "自愿达成如下协议 以原围墙为界。被申请人补偿申请人2万元。", true},
		{"人民调解协议书", "共同向人民法院申请司法确认", true},
		{"人民调解协议书", "沈国平，男，汉族，56岁，农民，身份证号码：330411197003150020，住址：麟湖村3组12号，联系电话：13900000009", true},
		{"人民调解协议书", "法定代表人：徐建华", true},
		{"人民调解协议书", "麟湖村人民调解委员会（印）", true},
		{"人民调解协议书", "签订地点：麟湖村调解室", true},
		{"人民调解协议书", "银行转账，于2026年9月15日前履行完毕。", true},
		{"人民调解卷宗", "卷号（2026）油麟人调字第2号", true},
		{"人民调解卷宗", "立卷人mediator@G11", true},
		{"卷内目录", "10卷内备考表（封底）", true},
		{"人民调解卷宗", "本卷共 10 份文书", true},
		{"卷内备考表", "本卷共有文书 10 份", true},
		{"人民调解权利义务告知书", "具有法律约束力，当事人应当按照约定履行", true},
		{"人民调解权利义务告知书", "在当事人自愿、平等的基础上进行", true},
		{"结案报告", "卷号（2026）油麟人调字第2号", true},
		{"结案报告", "履行情况经回访，协议已履行完毕", true},
		{"结案报告", "纠纷事实两户因宅基地围墙位置发生争执", true},
		{"人民调解申请书", "被申请人对调解的意见：嘉兴市麟湖农业发展有限公司 ☑同意调解", true},
		{"人民调解回访记录", "当事人满意度满意 是否起诉否 纠纷有无反复、激化无", true},
		{"人民调解协议书", "人民调解协议书 （2026）油麟人调字第2号", true},
		{"人民调解回访记录", "协议编号（2026）油麟人调字第2号", true},
		{"人民调解受理通知书", "联系电话：0573-83002", true},
		{"人民调解受理通知书", "由本委员会在麟湖村第1网格的人民调解员负责调解", true},
		{"司法确认情况记录", "嘉兴市秀洲区人民法院", true},
	},
	"oral": {
		{"口头协议登记表", "自达成之日起生效", true},
		{"口头协议登记表", "一式", false},
		{"口头协议登记表", "司法确认", false},
		{"人民调解受理登记表", "门前调", true},
	},
	"refusal": {
		{"不予受理告知书", "沈国平、嘉兴市麟湖农业发展有限公司：", true},
		{"不予受理告知书", "沈国平于2026年9月16日申请调解其与嘉兴市麟湖农业发展有限公司之间的房屋宅基地纠纷", true},
		{"不予受理告知书", "因该纠纷已由人民法院、公安机关或者其他行政机关受理或者解决，本委员会决定不予受理", true},
		{"卷内备考表", "", false},
		{"不予受理告知书", "可以通过诉讼、仲裁等途径依法解决", true},
		{"人民调解受理通知书", "", false},
		{"结案报告", "", false},
		{"人民调解卷宗", "卷号不立卷（未经受理）", true},
	},
	"failure": {
		{"调解终止书", "因双方对界址分歧过大，未能达成协议", true},
		{"调解终止书", "可以通过诉讼等途径依法解决", true},
		{"人民调解记录", "麟湖村调解室", true},
	},
	"escalated": {
		{"人民调解申请书", "本人自愿申请麟湖村人民调解委员会调解", true},
		{"人民调解受理通知书", "本委员会已于2026年9月25日受理，由本委员会人民调解员负责调解", true},
		{"人民调解受理通知书", "麟湖村人民调解委员会（印）", true},
		{"人民调解权利义务告知书", "麟湖村人民调解委员会（印）", true},
		{"人民调解协议书", "油车港镇人民调解委员会（印）", true},
		{"人民调解协议书", "麟湖村人民调解委员会", false},
		{"人民调解卷宗", "人民调解委员会油车港镇人民调解委员会", true},
	},
	"referral": {
		{"移交函", "派出所：", true},
		{"移交函", "因一方扬言报复，有民转刑风险，现移交你单位依法处理", true},
		{"移交函", "派出所已训诫并调处完毕", true},
		{"人民调解受理登记表", "☑公安移交(警调) □法院委派(诉调)", true},
		{"人民调解受理登记表", "当事人声明", true},
		{"结案报告", "", false},
	},
}

// TestVisitForm records a 回访 through the form with the Ministry's
// questions answered, reads them back through the API, and gets a form
// with an answer it does not know back filled in.
func TestVisitForm(t *testing.T) {
	s := newSite(t)
	c := s.login(t, "mediator@G11")
	k := s.caseNow(t, "agreed")
	form := url.Values{"version": {strconv.Itoa(k.Version)}, "outcome": {"followup"}, "visit.visited": {"张三"},
		"visit.findings": {"尚欠一半未付"}, "visit.satisfaction": {"very"}, "visit.sued": {"true"}, "visit.recurred": {"true"}}
	code, body := c.post(casePath(k, "/do/visit"), form)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "满意度只能是满意、基本满意或不满意") ||
		!strings.Contains(body, "尚欠一半未付") || !strings.Contains(body, `name="visit.sued" value="true" checked`) {
		t.Fatalf("an unknown answer: %d", code)
	}
	form.Set("visit.satisfaction", "dissatisfied")
	if code, _ := c.post(casePath(k, "/do/visit"), form); code != http.StatusSeeOther {
		t.Fatalf("the visit: %d", code)
	}
	_, file := c.get(fmt.Sprintf("/api/v1/cases/%d/file", k.ID))
	want := `"visited":"张三","performed":false,"findings":"尚欠一半未付","satisfaction":"dissatisfied","sued":true,"recurred":true`
	if !strings.Contains(file, want) {
		t.Errorf("the file's visits lack %s:\n%s", want, file)
	}
}
