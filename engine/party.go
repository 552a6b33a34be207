package engine

import (
	"slices"
	"strings"

	"github.com/grassroots/mediation/workflow"
)

// Rating is a party's rating of the service (服务评价): one of
// Satisfactions' values and a comment; the engine adds the mediator rated,
// the one whose step ended the mediation, or the assigned one.
type Rating struct {
	Value      string `json:"value"`
	Comment    string `json:"comment,omitempty"`
	MediatorID int64  `json:"mediator_id,omitempty"`
	Mediator   string `json:"mediator,omitempty"`
}

// Label is the rating in Chinese.
func (r *Rating) Label() string { return SatisfactionLabel(r.Value) }

// SatisfactionLabel names an answer of Satisfactions, "" for none.
func SatisfactionLabel(v string) string {
	if i := slices.IndexFunc(Satisfactions, func(s struct{ Value, Label string }) bool { return s.Value == v }); i >= 0 {
		return Satisfactions[i].Label
	}
	return ""
}

// Satisfied reports whether the rating counts toward the 满意率: 满意 or
// 基本满意.
func (r *Rating) Satisfied() bool { return r.Value == "satisfied" || r.Value == "fair" }

// Dissatisfied is the value of a 不满意 rating, which the town's
// supervisors are told of.
const Dissatisfied = "dissatisfied"

// PartyActor returns the actor of a party who proved case c by its code and
// the phone of p: it may act on that case alone, as the workflow table's
// OwnCase grants say, under the party's name.
func PartyActor(c *Case, p *Party) Actor {
	return Actor{Name: p.Name, Role: workflow.RoleParty, Case: c.ID}
}

// PartyFeedback says what the parties told the committee from the
// look-up that a 回访 reads: their confirmations of performance and their
// ratings, each with who and when.
func (e *Engine) PartyFeedback(timeline []*Event) []string {
	var out []string
	for _, ev := range timeline {
		day := ev.At.In(e.Location).Format("1月2日")
		switch {
		case ev.Name == workflow.PartyConfirm.Step():
			out = append(out, day+" "+ev.ActorName+"确认已履行："+ev.Data.Note)
		case ev.Name == workflow.PartyRating.Step() && ev.Data.Rating != nil:
			line := day + " " + ev.ActorName + "评价：" + ev.Data.Rating.Label()
			if ev.Data.Rating.Comment != "" {
				line += "——" + ev.Data.Rating.Comment
			}
			out = append(out, line)
		}
	}
	return out
}

// checkRating checks a party's rating.
func checkRating(in *Input) error {
	if in.Rating == nil || SatisfactionLabel(in.Rating.Value) == "" {
		return Invalid("rating.value", "请选择满意、基本满意或不满意。")
	}
	in.Rating.Comment = strings.TrimSpace(in.Rating.Comment)
	if len([]rune(in.Rating.Comment)) > 500 {
		return Invalid("rating.comment", "评价意见请在500字以内。")
	}
	return nil
}

// rated is the mediator a rating of c is of: the one whose step ended its
// mediation, else the assigned one.
func rated(c *Case, timeline []*Event) (int64, string) {
	for i := len(timeline) - 1; i >= 0; i-- {
		if ev := timeline[i]; ev.Transition() && workflow.Event(ev.Name).EndsMediation() {
			return ev.ActorID, ev.ActorName
		}
	}
	return c.MediatorID, ""
}
