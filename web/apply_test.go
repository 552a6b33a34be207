package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestApplyPages: a party opens 麟湖村's form from its QR code, is refused
// with a phone mistyped and gets the form back as typed, then applies with
// a photo; the receipt gives the code, the desk's queue has the dispute
// with the photo, and the party follows it and writes from the look-up.
// The JSON twin takes an application too and keeps the same limit per
// phone; a poster prints the QR code of the form.
func TestApplyPages(t *testing.T) {
	s := newSite(t)
	p := s.client(t)
	code, page := p.get("/apply?unit=V1")
	if code != http.StatusOK || !strings.Contains(page, `<option value="G11">麟湖村第1网格</option>`) || strings.Contains(page, "洛东村") {
		t.Fatalf("the form of 麟湖村: %d", code)
	}
	fields := map[string]string{"csrf": p.csrf, "applicant.name": "周敏", "applicant.phone": "1390573", "other.name": "吴刚",
		"location": "G11", "category": "邻里", "summary": "邻居家的空调外机正对我家窗户，噪音很大，协商无果。"}
	code, _, page = p.send("/apply?unit=V1", fields, upload{"外机.png", pngPhoto(t, 90)})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "请填写您的电话号码") ||
		!strings.Contains(page, "邻居家的空调外机正对我家窗户") || !strings.Contains(page, `value="周敏"`) {
		t.Fatalf("a mistyped phone: %d", code)
	}
	fields["applicant.phone"], fields["csrf"] = "139 0573 0001", p.csrf
	code, head, _ := p.send("/apply?unit=V1", fields, upload{"外机.png", pngPhoto(t, 90)})
	if code != http.StatusSeeOther || head.Get("Location") != "/apply/done" {
		t.Fatalf("the application: %d %s", code, head.Get("Location"))
	}
	code, page = p.get("/apply/done")
	m := regexp.MustCompile(`<code id="code">(\w+)</code>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no code on the receipt: %d\n%s", code, page)
	}
	desk := s.login(t, "intake@T1")
	if _, queue := desk.get("/cases"); !strings.Contains(queue, "周敏") {
		t.Errorf("the desk's queue lacks the application")
	}
	k, err := s.db.FindCaseBy(ctx, m[1])
	if err != nil || k.Source != engine.SourceApplication || k.HandlingUnitID != s.units["T1"].ID {
		t.Fatalf("the case: %v %+v", err, k)
	}
	if files, _ := s.db.Attachments(ctx, k.ID); len(files) != 1 || files[0].Name != "外机.png" {
		t.Errorf("the photo: %+v", files)
	}
	code, page = p.post("/lookup", url.Values{"code": {m[1]}, "phone": {"13905730001"}})
	if code != http.StatusOK || !strings.Contains(page, "您的调解申请已提交，等待受理。") || !strings.Contains(page, `id="message-form"`) ||
		strings.Contains(page, `id="rate-form"`) {
		t.Fatalf("the look-up: %d\n%s", code, page)
	}
	if code, page := p.post("/lookup/message", url.Values{"code": {m[1]}, "phone": {"13905730001"}, "note": {" "}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `id="act-error"`) {
		t.Errorf("an empty message: %d", code)
	}
	if code, page := p.post("/lookup/message", url.Values{"code": {m[1]}, "phone": {"13905730001"}, "note": {"对方今天又开了一整夜。"}}); code != http.StatusOK ||
		!strings.Contains(page, "已收到您的留言") || !strings.Contains(page, "您留言：对方今天又开了一整夜。") {
		t.Errorf("the message: %d", code)
	}
	// Another case's phone reaches nothing of this one.
	if code, _ := p.post("/lookup/rate", url.Values{"code": {m[1]}, "phone": {"13800000001"}, "rating": {"satisfied"}}); code != http.StatusNotFound {
		t.Errorf("a rating with another case's phone: %d", code)
	}
	if events, _ := s.db.Events(ctx, k.ID); events[len(events)-1].Name != workflow.PartyMessage.Step() {
		t.Errorf("the last step: %s", events[len(events)-1].Name)
	}
	// The JSON twin: two more with the same phone, then it waits.
	body := `{"location":"G11","category":"邻里","summary":"楼上漏水到我家厨房，物业不管。","applicant":{"name":"周敏","phone":"13905730001"}}`
	for i, want := range []int{http.StatusCreated, http.StatusCreated, http.StatusTooManyRequests} {
		resp, err := http.Post(s.URL+"/api/v1/applications", "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != want || (want == http.StatusCreated && out["code"] == "") {
			t.Errorf("application %d by JSON: %d %v", i+1, resp.StatusCode, out)
		}
	}
	if code, page := p.get("/apply/poster?unit=V1"); code != http.StatusOK || !strings.Contains(page, `<img src="/apply/qr.png?unit=V1"`) ||
		!strings.Contains(page, "麟湖村") {
		t.Errorf("the poster: %d", code)
	}
	if code, head, png := p.download("/apply/qr.png?unit=V1"); code != http.StatusOK || head.Get("Content-Type") != "image/png" ||
		!bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("the QR code: %d %s", code, head.Get("Content-Type"))
	}
}
