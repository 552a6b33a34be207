package demo

import (
	"context"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/apply"
	"github.com/grassroots/mediation/engine/form"
	"github.com/grassroots/mediation/workflow"
)

// parties gives the demo town what its parties do online: an application
// made this morning from 麟湖村's QR code, waiting for the desk; and the
// ratings of the parties of the agreements of the last 30 days, most
// satisfied, one not, which the supervisors are told of.
func (b *builder) parties(ctx context.Context, p *apply.Service) (int, error) {
	grid := b.tree.ByCode("YCG-LH-01")
	if _, err := p.Apply(ctx, &form.Application{Location: grid.Code, Category: "邻里",
		Summary:   "隔壁新装的空调外机正对我家卧室窗户，夜里噪音很大，找对方说了两次没有结果。",
		Requests:  "请求调解，把外机移到别处。",
		Applicant: form.Party{Name: b.name(), Phone: "13905730301"}, Other: form.Party{Name: b.name()}}, nil, "demo"); err != nil {
		return 0, err
	}
	since := b.now.Add(-30 * 24 * time.Hour)
	cases, _, err := b.e.Store.Cases(ctx, engine.CaseFilter{States: []workflow.State{workflow.Agreed, workflow.Fulfilled}, Limit: 500})
	if err != nil {
		return 1, err
	}
	values := []string{"satisfied", "satisfied", "fair", "satisfied", "fair", "dissatisfied", "satisfied", "fair"}
	rated := 0
	for _, c := range cases {
		if rated == len(values) {
			break
		}
		if c.AgreedAt == nil || c.AgreedAt.Before(since) || c.Parties[0].Phone == "" {
			continue
		}
		comment := map[string]string{"satisfied": "调解员很耐心，处理及时。", "fair": "总体可以，希望回访再及时些。",
			"dissatisfied": "赔偿数额偏低，对结果不太满意。"}[values[rated]]
		if _, err := p.Act(ctx, c.Code, c.Parties[0].Phone, workflow.PartyRating, engine.Input{Rating: &engine.Rating{Value: values[rated],
			Comment: comment}}); err != nil {
			return 1, err
		}
		rated++
	}
	return 1, nil
}
