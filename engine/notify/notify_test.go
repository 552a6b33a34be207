package notify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/notify"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

// inbox lists a user's notifications as kind: text, newest first.
func inbox(t *testing.T, en *enginetest.Env, who string) []string {
	t.Helper()
	ns, _, err := en.Notices.Notifications(ctx, en.Actors[who], 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, n.Kind+": "+n.Text)
	}
	return out
}

// TestNotifications: a case routed or escalated tells the mediators of the
// unit that takes it (not the one who acted), a 督办 tells the handling
// unit's mediators, a partner's feedback the desk of the town, and the
// scheduler warns once of a deadline within 24 hours and of a follow-up
// due; each in the transaction of its cause.
func TestNotifications(t *testing.T) {
	en := enginetest.New(t)
	c := en.CaseIn(t, workflow.Grid)
	want := map[string][]string{"mediator@G11": {"routed: 受理·分流到网格：邻里纠纷转由麟湖村第1网格调解，本阶段期限至3月5日 09:00。"}}
	if _, err := en.Fire(ctx, en.Actors["mediator@G11"], c.ID, workflow.Escalate, engine.Input{Reason: "调解不成"}); err != nil {
		t.Fatal(err)
	}
	want["mediator@V1"] = []string{"escalated: 上报：邻里纠纷转由麟湖村调解，本阶段期限至3月9日 09:00。"}
	if _, err := en.Record(ctx, en.Actors["supervisor@T1"], c.ID, workflow.Supervise, engine.Input{Note: "请三日内办结"}); err != nil {
		t.Fatal(err)
	}
	want["mediator@V1"] = append([]string{"supervise: 督办（supervisor@T1）：请三日内办结"}, want["mediator@V1"]...)
	// The desk's other clerk is told of the feedback the first recorded.
	clerk := &engine.User{Name: "intake2@T1", Role: workflow.RoleIntake, UnitID: en.Units["T1"].ID, PasswordHash: "x"}
	if err := en.DB.CreateUser(ctx, clerk); err != nil {
		t.Fatal(err)
	}
	en.Actors[clerk.Name] = clerk.Actor()
	r := en.CaseIn(t, workflow.Referred)
	if _, err := en.Fire(ctx, en.Actors["intake@T1"], r.ID, workflow.PartnerClose, engine.Input{Result: "派出所已处理完毕"}); err != nil {
		t.Fatal(err)
	}
	want["intake2@T1"] = []string{"feedback: 移交单位已办结：派出所已处理完毕"}
	for _, who := range []string{"mediator@G11", "mediator@V1", "intake@T1", "intake2@T1", "mediator@G12", "supervisor@T1", "mediator@T2"} {
		if got := inbox(t, en, who); !slices.Equal(got, want[who]) {
			t.Errorf("%s was told %q, want %q", who, got, want[who])
		}
	}
	// The village's case is due on 9 March; a day before, the scheduler
	// warns its mediators once however often it runs.
	en.Clock.Advance(6*24*time.Hour + 9*time.Hour)
	for range 2 {
		if _, err := en.Scheduler.Warn(ctx, en.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if got := inbox(t, en, "mediator@V1"); len(got) != 3 || got[0] != "deadline: 本阶段调解期限将至：3月9日 09:00到期。" {
		t.Errorf("the village was warned %q", got)
	}
	// Reading one marks it; another's is not found.
	ns, unread, _ := en.Notices.Notifications(ctx, en.Actors["mediator@V1"], 10)
	if unread != 3 {
		t.Errorf("%d unread", unread)
	}
	if _, err := en.Notices.ReadNotification(ctx, en.Actors["mediator@G11"], ns[0].ID); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("reading another's notification: %v", err)
	}
	if _, err := en.Notices.ReadNotification(ctx, en.Actors["mediator@V1"], ns[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := en.Notices.Unread(ctx, en.Actors["mediator@V1"]); n != 2 {
		t.Errorf("%d unread after reading one", n)
	}
	if _, err := en.Notices.ReadNotification(ctx, en.Actors["mediator@V1"], 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := en.Notices.Unread(ctx, en.Actors["mediator@V1"]); n != 0 {
		t.Errorf("%d unread after reading all", n)
	}
}

// receiver is a webhook that fails its first calls and remembers each
// idempotency key it accepted, dropping repeats as a real one would.
type receiver struct {
	mu       sync.Mutex
	failures int
	calls    int
	accepted map[string]notify.Delivery
	repeats  int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.calls <= r.failures {
		http.Error(w, "gateway busy", http.StatusServiceUnavailable)
		return
	}
	var d notify.Delivery
	if err := json.NewDecoder(req.Body).Decode(&d); err != nil || req.Header.Get("Idempotency-Key") != d.Key {
		http.Error(w, "bad delivery", http.StatusBadRequest)
		return
	}
	if _, seen := r.accepted[d.Key]; seen {
		r.repeats++
	}
	r.accepted[d.Key] = d
	w.WriteHeader(http.StatusNoContent)
}

// TestWebhookDelivery: N notifications give N deliveries through a webhook
// that fails its first calls, despite a worker stopped mid-way and a new
// one started (as after a restart), each under its own key; nothing is
// sent twice once accepted.
func TestWebhookDelivery(t *testing.T) {
	en := enginetest.New(t)
	en.Deliver = true
	rcv := &receiver{failures: 3, accepted: map[string]notify.Delivery{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	hook := &notify.Webhook{URL: srv.URL}
	const cases = 5
	for range cases {
		en.CaseIn(t, workflow.Grid)
	}
	if n, _ := en.DB.Backlog(ctx); n != cases {
		t.Fatalf("backlog %d, want %d", n, cases)
	}
	// The first worker meets the failures, sends the rest, and stops.
	sent, failed, err := en.Notices.DeliverPass(ctx, hook.Send)
	if err != nil || sent != cases-3 || failed != 3 {
		t.Fatalf("first pass: sent %d, failed %d, %v", sent, failed, err)
	}
	// A new worker, right away: what failed waits for its backoff.
	if sent, failed, err = en.Notices.DeliverPass(ctx, hook.Send); err != nil || sent+failed != 0 {
		t.Fatalf("second pass: sent %d, failed %d, %v", sent, failed, err)
	}
	en.Clock.Advance(11 * time.Second)
	if sent, _, err = en.Notices.DeliverPass(ctx, hook.Send); err != nil || sent != 3 {
		t.Fatalf("after the backoff: sent %d, %v", sent, err)
	}
	if sent, _, _ = en.Notices.DeliverPass(ctx, hook.Send); sent != 0 {
		t.Errorf("a pass with nothing due sent %d", sent)
	}
	if len(rcv.accepted) != cases || rcv.repeats != 0 {
		t.Errorf("accepted %d, repeats %d, want %d and 0", len(rcv.accepted), rcv.repeats, cases)
	}
	for key, d := range rcv.accepted {
		if !strings.HasPrefix(key, "mediation-notification-") || d.User != "mediator@G11" || d.CaseNumber == "" || d.Kind != engine.NotifyRouted {
			t.Errorf("delivery %s: %+v", key, d)
		}
	}
	if n, _ := en.DB.Backlog(ctx); n != 0 {
		t.Errorf("backlog %d after delivery", n)
	}
}

// TestDeliveryLease: a worker that claimed notifications and died leaves
// them to another after the lease; the receiver may then see one twice,
// and drops the repeat by its key.
func TestDeliveryLease(t *testing.T) {
	en := enginetest.New(t)
	en.Deliver = true
	en.CaseIn(t, workflow.Grid)
	claimed, err := en.DB.ClaimDeliveries(ctx, en.Now(), en.Now().Add(2*time.Minute), 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %d, %v", len(claimed), err)
	}
	if again, _ := en.DB.ClaimDeliveries(ctx, en.Now(), en.Now().Add(2*time.Minute), 10); len(again) != 0 {
		t.Errorf("a claimed notification was claimed again within its lease")
	}
	en.Clock.Advance(3 * time.Minute)
	rcv := &receiver{accepted: map[string]notify.Delivery{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	if sent, _, err := en.Notices.DeliverPass(context.Background(), (&notify.Webhook{URL: srv.URL}).Send); err != nil || sent != 1 {
		t.Fatalf("after the lease: sent %d, %v", sent, err)
	}
	if d := rcv.accepted[notify.DeliveryKey(claimed[0])]; d.ID != claimed[0].ID {
		t.Errorf("the delivery after the lease has another key: %+v", rcv.accepted)
	}
}

// TestPartyNotifications: with parties notified, a party with a phone is
// sent its receipt and acceptance (one without a phone nothing), never
// read in the application.
func TestPartyNotifications(t *testing.T) {
	en := enginetest.New(t)
	en.NotifyParties = true
	// sent claims the deliveries due and returns those not claimed before:
	// an undelivered one is claimed again once its lease has passed.
	seen := map[string]bool{}
	sent := func() []string {
		t.Helper()
		claimed, err := en.DB.ClaimDeliveries(ctx, en.Now(), en.Now().Add(time.Minute), 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range claimed {
			if line := n.Phone + " " + n.Text; !seen[line] {
				seen[line], out = true, append(out, line)
			}
		}
		return out
	}
	c := en.CaseIn(t, workflow.Grid)
	if got, want := sent(), []string{
		"13800000001 您反映的纠纷已登记，查询码" + c.Code + "，可凭查询码和您的电话查询办理进度。",
		"13800000001 您的纠纷已受理，由麟湖村人民调解委员会调解。",
	}; !slices.Equal(got, want) {
		t.Errorf("the parties were sent\n%q\nwant\n%q", got, want)
	}
	if got := inbox(t, en, "mediator@G11"); len(got) != 1 {
		t.Errorf("the grid's inbox %q", got)
	}
	// Escalated by the scheduler, the case stays with 麟湖村's committee
	// from the grid to the village, and the parties are told when it
	// goes to the town's.
	var err error
	for range 2 {
		en.Clock.Advance(time.Hour)
		if c, err = en.Fire(ctx, engine.System, c.ID, workflow.Escalate, engine.Input{Reason: workflow.ReasonOverdue, Automatic: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := sent(), []string{"13800000001 您的纠纷因超期自动上报，转由油车港镇人民调解委员会调解。"}; !slices.Equal(got, want) {
		t.Errorf("after two escalations the parties were sent\n%q\nwant\n%q", got, want)
	}
	// The town's mediator fixes the next session, then the parties agree
	// in writing on Monday 2 March: they are told when and where to come,
	// and the last day to apply for judicial confirmation (30 days on, 1
	// April, before the courts close), each with the code alone.
	town := en.Actors["mediator@T1"]
	next := time.Date(2026, 3, 5, 14, 0, 0, 0, en.Location)
	if c, err = en.Record(ctx, town, c.ID, workflow.LogSession, engine.Input{Version: c.Version,
		Session: &engine.Session{Place: "镇调委会调解室", Record: "双方陈述。", NextAt: &next}}); err != nil {
		t.Fatal(err)
	}
	if c, err = en.Fire(ctx, town, c.ID, workflow.Agree, engine.Input{Version: c.Version, Agreement: &engine.Agreement{Kind: engine.AgreementWritten,
		Terms: "李四疏通水沟。", Performance: "当面"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := sent(), []string{
		"13800000001 您的纠纷定于3月5日14:00在镇调委会调解室调解，请准时参加。查询码" + c.Code + "。",
		"13800000001 您的纠纷已达成调解协议，请按协议履行。如需司法确认，请在2026年4月1日17时前与对方共同向人民法院申请。查询码" + c.Code + "。",
	}; !slices.Equal(got, want) {
		t.Errorf("after a session and an agreement the parties were sent\n%q\nwant\n%q", got, want)
	}
}

// TestReportToThePolice: a mediator who finds a risk of violence reports it
// to the police station and keeps mediating (人民调解法 Art. 25); the
// station's liaison reads the report, the case stays where it was.
func TestReportToThePolice(t *testing.T) {
	en := enginetest.New(t)
	med := en.Actors["mediator@V1"]
	c := en.CaseIn(t, workflow.Village)
	after, err := en.Record(ctx, med, c.ID, workflow.ReportPolice, engine.Input{Partner: "派出所", Note: "被申请人扬言报复，已劝离现场"})
	if err != nil {
		t.Fatal(err)
	}
	if after.State != workflow.Village || after.HandlingUnitID != c.HandlingUnitID || after.PartnerUnitID != 0 {
		t.Errorf("the report moved the case: %s at %d, waiting on %d", after.State, after.HandlingUnitID, after.PartnerUnitID)
	}
	want := []string{"report: 麟湖村人民调解委员会报告：邻里纠纷有激化风险，调解继续进行。被申请人扬言报复，已劝离现场（报告人：mediator@V1）"}
	if got := inbox(t, en, "partner@P1"); !slices.Equal(got, want) {
		t.Errorf("the station's inbox %q, want %q", got, want)
	}
	_, err = en.Record(ctx, med, c.ID, workflow.ReportPolice, engine.Input{Partner: "派出所"})
	if engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("a report without what was reported: %v", err)
	}
}

// TestPartnerWebhookGuard: an administrator cannot point a partner's
// webhook at this machine, the cloud's metadata address or the private
// network unless the configuration allows the host by name; a delivery to
// a partner connects to no such address whatever the name resolves to,
// and follows no redirect (a 307 to an internal address delivers nothing
// there).
func TestPartnerWebhookGuard(t *testing.T) {
	en := enginetest.New(t)
	save := func(code, hook string) error {
		return en.SaveUnit(ctx, &engine.Unit{Code: code, Name: "信访办" + code, Level: workflow.LevelPartner, Kind: "信访办", Webhook: hook}, "T1")
	}
	for _, tc := range []struct {
		hook string
		ok   bool
	}{
		{"http://169.254.169.254/latest/meta-data/", false},
		{"http://127.0.0.1:5432/", false},
		{"http://localhost:8080/hook", false},
		{"http://[::1]/hook", false},
		{"http://10.0.0.5/hook", false},
		{"http://192.168.1.20/hook", false},
		{"https://xf.example/hook", true},
	} {
		if err := save("P8", tc.hook); (err == nil) != tc.ok {
			t.Errorf("webhook %s: %v, want allowed %v", tc.hook, err, tc.ok)
		}
	}
	en.WebhookHosts = []string{"10.0.0.5"}
	if err := save("P8", "http://10.0.0.5/hook"); err != nil {
		t.Errorf("an internal host the configuration allows: %v", err)
	}

	inside := &receiver{accepted: map[string]notify.Delivery{}}
	internal := httptest.NewServer(inside)
	defer internal.Close()
	redirect := httptest.NewServer(http.RedirectHandler(internal.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	n := &engine.Notification{ID: 7, Kind: engine.NotifyRouted, Text: "x", Webhook: internal.URL}
	if err := (&notify.Webhook{Partners: notify.PartnerClient(nil)}).Send(ctx, n); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("a delivery to this machine: %v, want refused", err)
	}
	allowed := &notify.Webhook{Partners: notify.PartnerClient([]string{"127.0.0.1"})}
	if err := allowed.Send(ctx, n); err != nil || len(inside.accepted) != 1 {
		t.Errorf("a delivery to an allowed host: %v, %d delivered", err, len(inside.accepted))
	}
	n.ID, n.Webhook = 8, redirect.URL
	if err := allowed.Send(ctx, n); err == nil || len(inside.accepted) != 1 {
		t.Errorf("a redirected delivery: %v, %d delivered, want a failure and none carried on", err, len(inside.accepted))
	}
}
