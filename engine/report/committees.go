package report

import (
	"context"
	"slices"
	"time"

	"github.com/grassroots/mediation/engine"
)

// CommitteeFigures are a committee's part of the Ministry's figures: the
// figures of DESIGN §6 that count the cases by how their mediation ended,
// over the cases whose file is the committee's (the committee whose
// mediation ended them, Case.CommitteeID). A case re-mediated after its
// agreement counts for the committee that mediated it last.
type CommitteeFigures struct {
	Mediated         int            `json:"mediated"`
	Agreed           int            `json:"agreed"`
	Failed           int            `json:"failed"`
	Withdrawn        int            `json:"withdrawn"`
	SuccessRate      *float64       `json:"success_rate"`
	Preventive       int            `json:"preventive"`
	AgreementAmount  float64        `json:"agreement_amount"`
	AgreementsByKind AgreementKinds `json:"agreements_by_kind"`
	Prevented        Prevention     `json:"prevented"`
	// Ratings are the parties' ratings of the committee given in the
	// period (those of the cases whose file is the committee's).
	Ratings RatingCounts `json:"ratings"`
}

// committeeFigures takes a committee's part of the figures of its cases.
func committeeFigures(f Figures) CommitteeFigures {
	return CommitteeFigures{Mediated: f.Mediated, Agreed: f.Agreed, Failed: f.Failed, Withdrawn: f.Withdrawn,
		SuccessRate: f.SuccessRate, Preventive: f.Preventive, AgreementAmount: f.AgreementAmount,
		AgreementsByKind: f.AgreementsByKind, Prevented: f.Prevented}
}

// CommitteeRow is one committee's row, or with Name empty, the row of all
// the committees of a kind.
type CommitteeRow struct {
	Name string `json:"name,omitempty"`
	Kind string `json:"kind"`
	CommitteeFigures
}

// Organisation is the Ministry's table of organisations (人民调解组织情况):
// the committees serving the units of the subtree by kind, their studios,
// and the mediators of its registry, 专职 and 兼职 (an account of role
// mediator not on the registry counts as 兼职).
type Organisation struct {
	Committees map[string]int `json:"committees"`
	Studios    int            `json:"studios"`
	FullTime   int            `json:"full_time"`
	PartTime   int            `json:"part_time"`
}

// byCommittee splits the period's cases, or its towns' counts, by the
// committee whose file each case is, in one pass however many committees
// there are.
func (d *PeriodData) byCommittee() map[int64]*PeriodData {
	out := map[int64]*PeriodData{}
	of := func(id int64) *PeriodData {
		if out[id] == nil {
			out[id] = &PeriodData{}
		}
		return out[id]
	}
	for _, c := range d.Cases {
		part := of(c.CommitteeID)
		part.Cases = append(part.Cases, c)
	}
	for _, t := range d.Committees {
		part := of(t.CommitteeID)
		part.Towns = append(part.Towns, t)
	}
	return out
}

// committeeRows computes a row per committee serving the subtree of root,
// and per committee of another unit that mediated cases located in it,
// then a row per kind, in CommitteeKinds' order.
func committeeRows(t *engine.Tree, root int64, d *PeriodData, ratings []RatingRecord, start, end time.Time, l engine.Lists) ([]CommitteeRow, []CommitteeRow) {
	ratingsOf := ratingsBy(ratings, func(r RatingRecord) int64 { return r.CommitteeID })
	split := d.byCommittee()
	var committees []*engine.Committee
	listed := map[int64]bool{}
	for _, c := range t.CommitteesUnder(root) {
		if c.StudioOf == 0 {
			committees, listed[c.ID] = append(committees, c), true
		}
	}
	// Committees of other units that mediated cases located here, or were
	// rated for them, in the order of their ids: those whose row counts
	// anything in the period (below).
	var others []int64
	for id := range split {
		others = append(others, id)
	}
	for id := range ratingsOf {
		others = append(others, id)
	}
	slices.Sort(others)
	ours := len(committees)
	for _, id := range others {
		if c := t.Committee(id); c != nil && !listed[c.ID] {
			committees, listed[c.ID] = append(committees, c), true
		}
	}
	of := func(id int64) *PeriodData {
		if part := split[id]; part != nil {
			return part
		}
		return &PeriodData{}
	}
	byKind := map[string]*PeriodData{}
	rows := make([]CommitteeRow, 0, len(committees))
	kindRatings := map[string]*RatingCounts{}
	for i, c := range committees {
		row := CommitteeRow{Name: c.Name, Kind: c.Kind,
			CommitteeFigures: committeeFigures(figures(of(c.ID), start, end, l))}
		if r := ratingsOf[c.ID]; r != nil {
			row.Ratings = *r
		}
		if i >= ours && row.CommitteeFigures == (CommitteeFigures{}) {
			// Another unit's committee whose file holds a case located
			// here that the period counts in nothing: a case it closed
			// before and touched since.
			continue
		}
		rows = append(rows, row)
		if byKind[c.Kind] == nil {
			byKind[c.Kind] = &PeriodData{}
		}
		byKind[c.Kind].Cases = append(byKind[c.Kind].Cases, of(c.ID).Cases...)
		byKind[c.Kind].Towns = append(byKind[c.Kind].Towns, of(c.ID).Towns...)
	}
	for _, r := range ratings {
		if c := t.Committee(r.CommitteeID); c != nil && listed[c.ID] {
			if kindRatings[c.Kind] == nil {
				kindRatings[c.Kind] = &RatingCounts{}
			}
			kindRatings[c.Kind].add(r.Value)
		}
	}
	kinds := []CommitteeRow{}
	for _, k := range engine.CommitteeKinds {
		part := byKind[k.Key]
		if part == nil {
			part = &PeriodData{}
		}
		row := CommitteeRow{Kind: k.Key, CommitteeFigures: committeeFigures(figures(part, start, end, l))}
		if r := kindRatings[k.Key]; r != nil {
			row.Ratings = *r
		}
		kinds = append(kinds, row)
	}
	return rows, kinds
}

// organisation counts the committees and mediators of root's subtree.
func (e *Service) organisation(ctx context.Context, t *engine.Tree, root int64) (Organisation, error) {
	o := Organisation{Committees: map[string]int{}}
	for _, k := range engine.CommitteeKinds {
		o.Committees[k.Key] = 0
	}
	for _, c := range t.CommitteesUnder(root) {
		if c.StudioOf != 0 {
			o.Studios++
		} else {
			o.Committees[c.Kind]++
		}
	}
	var err error
	o.FullTime, o.PartTime, err = e.Store.MediatorCounts(ctx, t.Subtree(root))
	return o, err
}
