package apply

import (
	"context"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/form"
	"github.com/grassroots/mediation/workflow"
)

// The limits on applications, which need no account: from one address at
// most ApplyPerAddress, and with one phone at most ApplyPerPhone, in
// ApplyWindow; at most ApplyFiles photos or documents of ApplyBytes
// together, each within the engine's bounds of attachments, and a summary
// of ApplySummary characters. A party's message later takes as many.
const (
	ApplyWindow     = 24 * time.Hour
	ApplyPerAddress = 10
	ApplyPerPhone   = 3
	ApplyFiles      = 5
	ApplyBytes      = 20 << 20
	ApplySummary    = 2000
)

// checkFiles bounds the files a party sends at once.
func checkFiles(files []*engine.Upload) error {
	var total int64
	for _, f := range files {
		total += f.Size
	}
	switch {
	case len(files) > ApplyFiles:
		return engine.Invalid("files", "一次最多上传%d个文件。", ApplyFiles)
	case total > ApplyBytes:
		return engine.Errorf(engine.ETOOLARGE, "文件合计不能超过%dMB，请减少或压缩照片后再上传。", ApplyBytes>>20)
	}
	return nil
}

// Apply registers a party's own application, from addr: it waits for the
// desk of the town where the dispute arose, as a dispute registered by the
// applicant (source 当事人申请), with the files attached in the same
// transaction. The applicant is told its number and code at once; the
// desk sees the usual duplicate warning. Nothing is written when anything
// is refused.
func (s *Service) Apply(ctx context.Context, ap *form.Application, files []*engine.Upload, addr string) (*engine.Case, error) {
	if err := engine.CheckText(ap); err != nil {
		return nil, err
	}
	phone := engine.CleanPhone(ap.Applicant.Phone)
	var v engine.FieldErrors
	if strings.TrimSpace(ap.Applicant.Name) == "" {
		v.Add("applicant.name", "请填写您的姓名。")
	}
	if !engine.ValidPhone(phone) {
		v.Add("applicant.phone", "请填写您的电话号码（手机11位，或带区号的固定电话），查询进度时要用。")
	}
	if n := len([]rune(strings.TrimSpace(ap.Summary))); n < 10 || n > ApplySummary {
		v.Add("summary", "请用10到%d字说明发生了什么事。", ApplySummary)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := checkFiles(files); err != nil {
		return nil, err
	}
	keys := []string{"apply-from:" + addr, "apply-phone:" + phone}
	now := s.Now()
	counts, _, err := s.Store.Failures(ctx, keys, now.Add(-ApplyWindow))
	if err != nil {
		return nil, err
	}
	if counts[keys[0]] >= ApplyPerAddress || counts[keys[1]] >= ApplyPerPhone {
		return nil, engine.Errorf(engine.ETOOMANY, "今天提交的申请已经很多了。如有新的纠纷，请明天再申请，或直接到镇(街道)矛盾纠纷调处化解中心申请。")
	}
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	n, err := ap.Case().NewCase(t)
	if err != nil {
		return nil, err
	}
	if u := t.Unit(n.LocationID); u == nil || u.Level != workflow.LevelGrid || u.ClosedAt != nil {
		return nil, engine.Invalid("location", "请选择纠纷发生地所在的网格。")
	}
	applicant := n.Parties[0]
	var steps []engine.Step
	if len(files) > 0 {
		steps = append(steps, engine.Step{Activity: workflow.Attach, Input: engine.Input{Files: files},
			By: func(c *engine.Case) engine.Actor { return engine.PartyActor(c, applicant) }})
	}
	c, err := s.OpenCase(ctx, engine.Actor{Name: applicant.Name, Role: workflow.RoleParty}, n, steps...)
	if err != nil {
		return nil, err
	}
	// Counted once it is made: a refused application costs nothing.
	if err := s.Store.Fail(ctx, keys, now, now.Add(-ApplyWindow)); err != nil {
		return nil, err
	}
	return c, nil
}

// Applied returns the application with code that its applicant's browser
// names, for its receipt: an application still waiting for the desk and
// made within ApplyWindow, else ENOTFOUND.
func (s *Service) Applied(ctx context.Context, code string) (*engine.Case, error) {
	c, err := s.Store.FindCaseBy(ctx, plainCode(code))
	if err != nil || c.Code != plainCode(code) || c.Source != engine.SourceApplication || c.CreatedBy != 0 ||
		s.Now().Sub(c.OpenedAt) > ApplyWindow {
		return nil, engine.Errorf(engine.ENOTFOUND, "没有这份申请。")
	}
	return c, nil
}
