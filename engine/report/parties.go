package report

import (
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// RatingCounts count the parties' ratings of the service (服务评价) given
// in the period, and the 满意率: satisfied and basically satisfied over
// all ratings, null when there were none.
type RatingCounts struct {
	Satisfied    int      `json:"satisfied"`
	Fair         int      `json:"fair"`
	Dissatisfied int      `json:"dissatisfied"`
	Rate         *float64 `json:"rate"`
}

func (r *RatingCounts) add(value string) {
	switch value {
	case "satisfied":
		r.Satisfied++
	case "fair":
		r.Fair++
	case engine.Dissatisfied:
		r.Dissatisfied++
	}
	r.Rate = ratio(r.Satisfied+r.Fair, r.Satisfied+r.Fair+r.Dissatisfied)
}

// Total is how many ratings there were.
func (r RatingCounts) Total() int { return r.Satisfied + r.Fair + r.Dissatisfied }

// PartyFigures are the parties' side of a period (DESIGN §10): the
// applications parties made online in it, the applications accepted in it
// (first taken into mediation) and refused in it (不予受理), and the
// ratings given in it.
type PartyFigures struct {
	Applied  int          `json:"applied"`
	Accepted int          `json:"accepted"`
	Refused  int          `json:"refused"`
	Ratings  RatingCounts `json:"ratings"`
}

// Application is what the parties' figures need of a case a party applied
// for online.
type Application struct {
	LocationUnitID int64
	OpenedAt       time.Time
	AcceptedAt     *time.Time
	ClosedAt       *time.Time
	Outcome        workflow.State
}

// RatingRecord is a party's rating as the figures read it: where the case
// lies, the committee and the mediator rated, and the answer.
type RatingRecord struct {
	LocationUnitID int64
	CommitteeID    int64
	MediatorID     int64
	Mediator       string
	Value          string
}

// partyFigures counts the applications and ratings of the locations in
// units (nil for all) in [start, end).
func partyFigures(apps []Application, ratings []RatingRecord, units map[int64]bool, start, end time.Time) PartyFigures {
	var f PartyFigures
	for _, a := range apps {
		if units != nil && !units[a.LocationUnitID] {
			continue
		}
		if in(&a.OpenedAt, start, end) {
			f.Applied++
		}
		if in(a.AcceptedAt, start, end) {
			f.Accepted++
		}
		if a.Outcome == workflow.Rejected && in(a.ClosedAt, start, end) {
			f.Refused++
		}
	}
	for _, r := range ratings {
		if units == nil || units[r.LocationUnitID] {
			f.Ratings.add(r.Value)
		}
	}
	return f
}

// ratingsBy counts the ratings by a key of theirs.
func ratingsBy[K comparable](ratings []RatingRecord, key func(RatingRecord) K) map[K]*RatingCounts {
	out := map[K]*RatingCounts{}
	for _, r := range ratings {
		k := key(r)
		if out[k] == nil {
			out[k] = &RatingCounts{}
		}
		out[k].add(r.Value)
	}
	return out
}
