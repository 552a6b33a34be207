package schedule

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// warnBefore is how long before a deadline its handlers are warned.
const warnBefore = 24 * time.Hour

// Warn gives the warnings of the scheduler at now, each once: to the
// mediators of the unit that handles a case whose deadline falls within
// 24 hours, and of one whose agreement's follow-up visit falls due within
// engine.FollowUpSoon. It returns how many cases it warned of.
func (e *Service) Warn(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for _, w := range []struct {
		states []workflow.State
		within time.Duration
		kind   string
		text   string
	}{
		{workflow.TierStates(), warnBefore, engine.NotifyDeadline, "本阶段调解期限将至：%s到期。"},
		{[]workflow.State{workflow.Agreed}, engine.FollowUpSoon, engine.NotifyFollowUp, "协议回访期限将至：请在%s前回访。"},
	} {
		by := now.Add(w.within)
		for offset := 0; ; offset += 500 {
			cases, _, err := e.Cases(ctx, engine.System, engine.CaseFilter{States: w.states, DueAfter: &now, DueBy: &by, Offset: offset, Limit: 500})
			if err != nil {
				return n, err
			}
			var out []*engine.Notification
			for _, c := range cases {
				if c.SuspendedAt != nil {
					continue
				}
				out = append(out, &engine.Notification{Unit: c.HandlingUnitID, Role: workflow.RoleMediator, CaseID: c.ID, Kind: w.kind,
					Text: fmt.Sprintf(w.text, c.DueAt.In(e.Location).Format("1月2日 15:04")), Dedup: w.kind + ":" + strconv.FormatInt(c.DueAt.Unix(), 10),
					CreatedAt: now.UTC(), Deliver: e.Deliver})
			}
			if err := e.Store.Notify(ctx, out...); err != nil {
				return n, err
			}
			n += len(out)
			if len(cases) < 500 {
				break
			}
		}
	}
	return n, nil
}
