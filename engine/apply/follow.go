package apply

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Step is a step of the case as a party reads it, in plain words.
type Step struct {
	At   time.Time
	Text string
}

// follow tells the party p the steps of c so far, in plain words and with
// nobody else's words or personal data: what the committees did, and what
// p sent; what the other side sent is named, not shown. It says too
// whether p has rated the service.
func (e *Service) follow(t *engine.Tree, c *engine.Case, p *engine.Party, timeline []*engine.Event, sessions []*engine.Session) (steps []Step, rated bool) {
	next := map[int64]*engine.Session{}
	for _, s := range sessions {
		if s.NextAt != nil {
			next[s.EventID] = s
		}
	}
	committee := func(ev *engine.Event) string {
		if cm := t.CommitteeOf(ev.UnitID); cm != nil {
			return cm.Name + phoneClause(cm.Phone)
		}
		return "调解组织"
	}
	for _, ev := range timeline {
		own := ev.Role == workflow.RoleParty && ev.ActorName == p.Name
		text := ""
		switch name := workflow.Event(ev.Name); {
		case ev.Name == workflow.Opened:
			text = "纠纷已登记。"
			if ev.Role == workflow.RoleParty {
				text = "您的调解申请已提交，等待受理。"
			}
		case name.Accepts():
			text = "已受理，由" + committee(ev) + "调解。"
		case name == workflow.Escalate, name == workflow.HandDown, name == workflow.Return:
			text = "转由" + committee(ev) + "调解。"
		case name == workflow.Reject:
			text = "不予受理（" + ev.Reason + "），可以通过" + joinRoutes(ev.Data.Routes) + "解决。"
		case name == workflow.Refer:
			text = "已移交" + ev.Data.Partner + "依法处理。"
		case plainSteps[name] != "":
			text = plainSteps[name]
		case name == workflow.Fail:
			text = "调解未能达成协议，可以通过" + joinRoutes(ev.Data.Routes) + "解决。"
		case name == workflow.CloseUnperformed:
			text = "协议未履行，本案办结，可以通过" + joinRoutes(ev.Data.Routes) + "解决。"
		case ev.Name == workflow.LogSession.Step():
			text = "调解员组织了一次调解。"
			if s := next[ev.ID]; s != nil {
				text += "下次调解：" + s.NextAt.In(e.Location).Format("1月2日15:04") + "，" + s.NextPlace + "。"
			}
		case ev.Name == workflow.PartyMessage.Step() && own:
			text = "您留言：" + ev.Data.Note
		case ev.Name == workflow.PartyMessage.Step():
			text = "另一方当事人留言。"
		case ev.Name == workflow.Attach.Step() && own:
			text = "您提交了材料：" + ev.Data.Files
		case ev.Name == workflow.PartyConfirm.Step() && own:
			text = "您确认协议已履行：" + ev.Data.Note
		case ev.Name == workflow.PartyRating.Step() && own:
			text, rated = "您评价调解服务："+ev.Data.Rating.Label()+"。", true
		}
		if text != "" {
			steps = append(steps, Step{At: ev.At, Text: text})
		}
	}
	return steps, rated
}

// plainSteps words the steps a party reads as they are.
var plainSteps = map[workflow.Event]string{workflow.Agree: "双方达成调解协议。", workflow.Withdraw: "申请已撤回。",
	workflow.Fulfil: "协议已履行，本案办结。", workflow.PartnerClose: "移交单位已办结。"}

func phoneClause(phone string) string {
	if phone == "" {
		return ""
	}
	return "（电话 " + phone + "）"
}

func joinRoutes(routes []string) string {
	if len(routes) == 0 {
		return "诉讼等途径"
	}
	return strings.Join(routes, "、")
}

// next says what the party is to do now: the next session fixed, if one
// is still to come.
func (e *Service) next(p *Progress, c *engine.Case, sessions []*engine.Session) string {
	when := func(t *time.Time) string { return t.In(e.Location).Format("2006年1月2日") }
	switch {
	case c.State == workflow.Registered:
		return "请保持电话畅通：接待中心将尽快决定是否受理，并告诉您由哪个调解组织调解。"
	case c.State == workflow.Referred:
		return "纠纷已移交相关部门，请等候其联系。"
	case c.State.Kind() == workflow.KindTier:
		if n := len(sessions); n > 0 && sessions[n-1].NextAt != nil && sessions[n-1].NextAt.After(e.Now()) {
			s := sessions[n-1]
			return "请于" + s.NextAt.In(e.Location).Format("1月2日15:04") + "到" + s.NextPlace + "参加调解；有新的情况或材料，可以在下面留言、上传。"
		}
		return "请保持电话畅通，调解员会联系您约定调解的时间和地点；有新的情况或材料，可以在下面留言、上传。"
	case c.State == workflow.Agreed:
		s := "请按调解协议履行"
		if p.PerformBy != nil {
			s += "（履行期限 " + when(p.PerformBy) + "）"
		}
		s += "。"
		if p.ConfirmBy != nil {
			s += fmt.Sprintf("如需司法确认，请在%s前与对方共同向人民法院申请。", p.ConfirmBy.In(e.Location).Format("2006年1月2日15时"))
		}
		return s + "协议履行后，请在下面确认。"
	case !p.Rated && p.CanRate:
		return "本案已办结。欢迎您评价这次调解服务。"
	}
	return "本案已办结。"
}

// Act records a party's step on the case found by its code and the
// party's phone (see LookUp): a message (with files), a confirmation of
// performance or a rating, as the workflow table's party grants allow.
func (e *Service) Act(ctx context.Context, code, phone string, act workflow.Activity, in engine.Input) (*engine.Case, error) {
	c, err := e.LookUp(ctx, code, phone)
	if err != nil {
		return nil, err
	}
	if err := checkFiles(in.Files); err != nil {
		return nil, err
	}
	in.Version = c.Version
	return e.Record(ctx, engine.PartyActor(c, partyOf(c, phone)), c.ID, act, in)
}

// partyOf is the party of c with phone, whom LookUp found.
func partyOf(c *engine.Case, phone string) *engine.Party {
	phone = engine.CleanPhone(phone)
	for _, p := range c.Parties {
		if p.Phone != "" && engine.CleanPhone(p.Phone) == phone {
			return p
		}
	}
	return c.Parties[0]
}
