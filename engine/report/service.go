// Package report computes the figures of DESIGN §6 for a unit's subtree and
// a period (a month, a quarter or a year), and keeps the monthly dispute
// sweeps (拉网式排查) whose counts it shows. Each definition is written once,
// in FigureTable and its rules; the store sums the same rules in SQL.
package report

import (
	"context"
	"time"

	"github.com/grassroots/mediation/engine"
)

// Store is what the report needs from persistence.
type Store interface {
	// ReportFacts returns the facts of the cases located in units that the
	// period [start, end) may count (see CaseFacts).
	ReportFacts(ctx context.Context, units []int64, start, end time.Time) ([]CaseFacts, error)
	// ReportPeriod reads the data of the period [start, end) for the cases
	// located in units (see PeriodData), the mediators' work only when
	// mediators is set.
	ReportPeriod(ctx context.Context, units []int64, start, end time.Time, mediators bool) (*PeriodData, error)
	// PeriodCases reads the cases part of ReportPeriod alone.
	PeriodCases(ctx context.Context, units []int64, start, end time.Time) ([]PeriodCase, error)
	// TownPeriod reads the data of the period [start, end) for whole towns,
	// whose units are units: their months' counts (PeriodData.Towns) and
	// times to agreement instead of their cases. ok is false when the
	// period is not whole months of the counts, which the store keeps in
	// its own time zone.
	TownPeriod(ctx context.Context, towns, units []int64, start, end time.Time, mediators bool) (d *PeriodData, ok bool, err error)
	// TownCounts reads the towns' months' counts of [start, end), ok as
	// TownPeriod's.
	TownCounts(ctx context.Context, towns []int64, start, end time.Time) (counts []TownCounts, ok bool, err error)
	// ReferralCounts counts, by partner unit among partners, the referrals
	// of the cases located in units that the period [start, end) saw (see
	// ReferralCount); units nil, of every case.
	ReferralCounts(ctx context.Context, units, partners []int64, start, end time.Time) ([]ReferralCount, error)
	// TrainingTenthsOfUsers sums the training hours, in tenths, of the
	// registry's rows of these accounts in a year.
	TrainingTenthsOfUsers(ctx context.Context, users []int64, year int) (map[int64]int, error)
	// MediatorCounts counts the mediators of the units, 专职 and 兼职: the
	// registry's rows, and the accounts of role mediator without one as
	// 兼职.
	MediatorCounts(ctx context.Context, units []int64) (fullTime, partTime int, err error)
	// PartyRecords reads, for the cases located in units, the
	// applications parties made online that the period [start, end) may
	// count, and the ratings given in it.
	PartyRecords(ctx context.Context, units []int64, start, end time.Time) ([]Application, []RatingRecord, error)
	// LedgerCounts reads the ledger's figures of each of the units from
	// start to end (see LedgerFigures); a unit without any may be missing.
	LedgerCounts(ctx context.Context, units []int64, start, end time.Time) (map[int64]*LedgerFigures, error)
	// SaveSweep files a sweep. Returns ECONFLICT if the grid filed that
	// month already.
	SaveSweep(ctx context.Context, s *Sweep) error
	// Sweeps returns the sweeps of the months filed by the grids in units.
	Sweeps(ctx context.Context, units []int64, months []string) ([]*Sweep, error)
	// SweepCounts counts, for each of units, the sweeps it filed of the
	// months from first to last (2026-01 to 2026-12) and the disputes they
	// found; a unit that filed none may be missing.
	SweepCounts(ctx context.Context, units []int64, first, last string) ([]SweepCount, error)
	// Cases returns the cases that match f (the list behind a figure).
	Cases(ctx context.Context, f engine.CaseFilter) ([]*engine.Case, int, error)
}

// Service runs the report's use cases on the engine's unit tree, clock,
// time zone and lists.
type Service struct {
	*engine.Engine
	Store Store
}

// New returns the report's service on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }
