package report

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// CaseFacts are what the report needs to know of one case for one period.
// The event log's replay (ReportFromLog) produces them for every case in
// scope and tallies them into PeriodData; the store reads the same data
// from the case columns, summing in SQL what the rules of FigureTable
// declare, and produces CaseFacts only for the cases open at the period's
// end and for the list behind a figure. figures turns PeriodData into the
// report, so that each definition of DESIGN §6 is written once, below.
type CaseFacts struct {
	ID              int64
	LocationUnitID  int64
	CommitteeID     int64 // the committee whose file the case is (Case.CommitteeID)
	Category        string
	Source          string
	People          int
	Flags           []string
	OpenedAt        time.Time
	AcceptedAt      *time.Time // first acceptance
	ReferredAt      *time.Time // first referral
	AgreedAt        *time.Time // first agreement
	AgreedTier      workflow.Level
	AgreedKind      string // of the first agreement
	AgreementAmount int64  // of the first agreement, fen
	ClosedAt        *time.Time
	Outcome         workflow.State
	ArchivedAt      *time.Time
	// StateAtEnd is the case's state at the month's end, from its last
	// transition before it.
	StateAtEnd workflow.State
	// OverdueAtEnd: open at the end with a deadline passed by then.
	OverdueAtEnd bool
	// LastMediator is the mediator who last recorded anything on the case
	// before the month's end, 0 if none. The store reads it only for the
	// cases overdue at the end, the only ones the report asks it of.
	LastMediator int64
}

// Count is a number and its share of the whole (0-1), null when the whole
// is 0.
type Count struct {
	Count int      `json:"count"`
	Share *float64 `json:"share"`
}

// PeopleCount counts cases and the people they involve.
type PeopleCount struct {
	Cases  int `json:"cases"`
	People int `json:"people"`
}

// Figures are the figures of DESIGN §6 for one month and scope.
type Figures struct {
	// Registered: cases created in the month.
	Registered int `json:"registered"`
	// Accepted: cases whose first acceptance (accept_*) fell in the month.
	Accepted int `json:"accepted"`
	// Rejected, Agreed, Failed, Withdrawn, Referred: cases whose first such
	// event fell in the month; a case counts once per figure.
	Rejected  int `json:"rejected"`
	Agreed    int `json:"agreed"`
	Failed    int `json:"failed"`
	Withdrawn int `json:"withdrawn"`
	Referred  int `json:"referred"`
	// OpenAtEnd: cases registered, in mediation or referred at the month's end.
	OpenAtEnd int `json:"open_at_end"`
	// OverdueAtEnd: open cases whose state or overall deadline had passed
	// at the month's end (suspended clocks excepted).
	OverdueAtEnd int `json:"overdue_at_end"`
	// Fulfilled: cases closed in the period with their agreement performed.
	Fulfilled int `json:"fulfilled"`
	// Mediated (调解纠纷数, the Ministry's): cases whose mediation ended in
	// the period, with a first agree, fail or withdraw event in it; a case
	// counts once.
	Mediated int `json:"mediated"`
	// SuccessRate (调解成功率, the Ministry's) = agreed / mediated, one
	// cohort, so it never passes 1; null when nothing was mediated.
	SuccessRate *float64 `json:"success_rate"`
	// Preventive (预防纠纷数, the Ministry's): disputes found by the sweeps
	// (source 网格排查) and settled before they broke out: such cases
	// agreed in the period.
	Preventive int `json:"preventive"`
	// GrassrootsRate = agreements at grid or village / all agreements;
	// null when there were none.
	GrassrootsRate *float64 `json:"grassroots_rate"`
	// AgreedByTier: agreements by the tier the case was at when agreed.
	AgreedByTier struct {
		Grid    int `json:"grid"`
		Village int `json:"village"`
		Town    int `json:"town"`
	} `json:"agreed_by_tier"`
	// Escalations: escalate events in the month, by hand and by the
	// scheduler (超期自动上报).
	Escalations struct {
		Manual    int `json:"manual"`
		Automatic int `json:"automatic"`
	} `json:"escalations"`
	// DaysToAgreement: over the cases agreed in the month, the days of 24
	// hours from first acceptance to agreement; null when none.
	DaysToAgreement struct {
		Mean   *float64 `json:"mean"`
		Median *float64 `json:"median"`
	} `json:"days_to_agreement"`
	// AgreementAmount: the sum of the amounts of the month's agreements, yuan.
	AgreementAmount float64 `json:"agreement_amount"`
	// PeopleInvolved: people involved in the cases accepted in the month.
	PeopleInvolved int `json:"people_involved"`
	// ByCategory, BySource: the cases accepted in the month.
	ByCategory map[string]Count `json:"by_category"`
	BySource   map[string]Count `json:"by_source"`
	// BySourceMOJ: the cases accepted in the period by the Ministry's
	// three sources, by the roll-up of Lists.
	BySourceMOJ map[string]Count `json:"by_source_moj"`
	// ByCategoryMOJ: the cases accepted in the period by the Ministry's 15
	// categories (a category it lacks counts under 其他).
	ByCategoryMOJ map[string]Count `json:"by_category_moj"`
	// AgreementsByKind: the cases agreed in the period by the kind of
	// their agreement.
	AgreementsByKind AgreementKinds `json:"agreements_by_kind"`
	// Prevented: cases agreed in the period that carry one of the
	// Ministry's prevention flags, and the people they involve.
	Prevented Prevention `json:"prevented"`
	// Followups: follow-up visits (回访) recorded in the month, those that
	// closed an agreement not performed among them.
	Followups int `json:"followups"`
	// Unperformed: cases closed in the month because their agreement was
	// not performed (未履行·告知诉讼).
	Unperformed int `json:"unperformed"`
	// Confirmations: joint applications for judicial confirmation recorded
	// in the month, and court decisions that confirmed an agreement.
	Confirmations struct {
		Applied   int `json:"applied"`
		Confirmed int `json:"confirmed"`
	} `json:"confirmations"`
	// Archived: case files archived (归档) in the month.
	Archived int `json:"archived"`
}

// AgreementKinds counts agreements written and oral.
type AgreementKinds struct {
	Written int `json:"written"`
	Oral    int `json:"oral"`
}

// Prevention counts the cases that carry each of the Ministry's prevention
// flags, and the people they involve.
type Prevention struct {
	CivilToCriminal PeopleCount `json:"civil_to_criminal"`
	GroupPetition   PeopleCount `json:"group_petition"`
	GroupFight      PeopleCount `json:"group_fight"`
	Suicide         PeopleCount `json:"suicide"`
}

// ChildRow is one child unit's figures and sweeps.
type ChildRow struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Figures
	Sweeps  SweepFigures  `json:"sweeps"`
	Ledger  LedgerFigures `json:"ledger"`
	Parties PartyFigures  `json:"parties"`
}

// MediatorRow is one mediator's month.
type MediatorRow struct {
	Name string `json:"name"`
	// Workload: the cases the mediator recorded anything on in the month.
	Workload int `json:"workload"`
	// Agreements the mediator recorded in the month.
	Agreements int `json:"agreements"`
	// Overdue: cases overdue at the month's end that the mediator was the
	// last to work on.
	Overdue int `json:"overdue"`
	// TrainingHours are the mediator's training hours of the period's
	// year, from the registry.
	TrainingHours float64 `json:"training_hours"`
	// Ratings are the parties' ratings of the mediator given in the
	// period.
	Ratings RatingCounts `json:"ratings"`
	userID  int64
}

// ReferralCount is what the period saw of the referrals to one partner
// body (the 141 linkage): made in it, answered in it by the deadline and
// after it, sent back for mediation among those answered, and still
// waiting for an answer at its end.
type ReferralCount struct {
	PartnerUnitID int64
	Referred      int
	OnTime        int
	Late          int
	Returned      int
	Waiting       int
}

// PartnerRow is a partner body's row of the report: its referrals (see
// ReferralCount).
type PartnerRow struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Referred int    `json:"referred"`
	OnTime   int    `json:"on_time"`
	Late     int    `json:"late"`
	Returned int    `json:"returned"`
	Waiting  int    `json:"waiting"`
}

// SweepFigures are the period's dispute sweeps (拉网式排查): how many were
// filed, the disputes they found, and the grids that filed none.
type SweepFigures struct {
	Filed         int      `json:"filed"`
	DisputesFound int      `json:"disputes_found"`
	GridsMissing  []string `json:"grids_missing"`
}

// Report is the report of DESIGN §6 for a period and a unit's subtree.
type Report struct {
	// Period is 2026-10, 2026Q4 or 2026; Month repeats it for a month.
	Period   string `json:"period"`
	Month    string `json:"month,omitempty"`
	Unit     string `json:"unit"`
	UnitName string `json:"unit_name"`
	Figures
	Children  []ChildRow    `json:"children"`
	Mediators []MediatorRow `json:"mediators"`
	Partners  []PartnerRow  `json:"partners"`
	Sweeps    SweepFigures  `json:"sweeps"`
	Ledger    LedgerFigures `json:"ledger"`
	// Committees are the rows by committee, CommitteeKinds by kind of
	// committee, and Organisation the committees and mediators.
	Committees     []CommitteeRow `json:"committees"`
	CommitteeKinds []CommitteeRow `json:"committee_kinds"`
	Organisation   Organisation   `json:"organisation"`
	// Parties are the applications made online and the parties' ratings.
	Parties            PartyFigures `json:"parties"`
	PreviousPeriod     *Figures     `json:"previous_period"`
	SamePeriodLastYear *Figures     `json:"same_period_last_year"`
}

// Period is the span a report covers: a month (2026-10), a quarter (2026Q4)
// or a year (2026), from local midnight in the towns' time zone to local
// midnight.
type Period struct {
	Key        string
	Start, End time.Time
	months     int
}

// Months returns the months of the period, as 2026-10.
func (p Period) Months() []string {
	var out []string
	for m := p.Start; m.Before(p.End); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// IsMonth reports whether the period is one month.
func (p Period) IsMonth() bool { return p.months == 1 }

// shift returns the period n periods later (earlier when n < 0).
func (p Period) shift(n int) Period { return periodAt(p.Start.AddDate(0, n*p.months, 0), p.months) }

// lastYear returns the same period a year before.
func (p Period) lastYear() Period { return periodAt(p.Start.AddDate(-1, 0, 0), p.months) }

func periodAt(start time.Time, months int) Period {
	p := Period{Start: start, End: start.AddDate(0, months, 0), months: months}
	switch months {
	case 1:
		p.Key = start.Format("2006-01")
	case 3:
		p.Key = fmt.Sprintf("%dQ%d", start.Year(), (int(start.Month())+2)/3)
	default:
		p.Key = start.Format("2006")
	}
	return p
}

var quarterRE = regexp.MustCompile(`^(\d{4})[Qq]([1-4])$`)

// ParsePeriod reads a period: 2026-10, 2026Q4 or 2026.
func (e *Service) ParsePeriod(s string) (Period, error) { return ParsePeriodIn(e.Location, s) }

// ParsePeriodIn reads a period in the towns' time zone loc.
func ParsePeriodIn(loc *time.Location, s string) (Period, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01", s, loc); err == nil {
		return periodAt(t, 1), nil
	}
	if m := quarterRE.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		return periodAt(time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, loc), 3), nil
	}
	if t, err := time.ParseInLocation("2006", s, loc); err == nil && len(s) == 4 {
		return periodAt(t, 12), nil
	}
	return Period{}, engine.Invalid("period", "统计期“%s”无效，应为月份（2026-10）、季度（2026Q4）或年份（2026）。", s)
}

// MonthBounds returns a month's first instant and the next month's, at local
// midnight in the towns' time zone.
func (e *Service) MonthBounds(month string) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", month, e.Location)
	if err != nil {
		return time.Time{}, time.Time{}, engine.Invalid("month", "月份“%s”无效，应如 2026-10。", month)
	}
	return t, t.AddDate(0, 1, 0), nil
}

// Report computes the report of a unit's subtree for a period (a month, a
// quarter or a year) from the case columns, with the previous period and
// the same period a year before. A quarter or a year is computed over its
// whole span, never by adding months.
func (e *Service) Report(ctx context.Context, a engine.Actor, unitCode, period string) (*Report, error) {
	return e.report(ctx, a, unitCode, period, e.monthFromStore)
}

// monthSource reads a period's data; the mediators' work only when asked,
// for the period a report is of.
type monthSource func(ctx context.Context, s scope, start, end time.Time, mediators bool) (*PeriodData, error)

// scope is the cases a period is read for: those located in units. Towns,
// when set, are the towns units are made of, whole: the period may then be
// read from their months' counts, if nothing in it is split below a town.
type scope struct {
	units, towns []int64
}

// scopeOf is the scope of a unit's subtree; split says that the figures
// are wanted below its towns (a town's report has a row per village).
func scopeOf(t *engine.Tree, unit *engine.Unit, split bool) scope {
	s := scope{units: t.Subtree(unit.ID)}
	if rank := unit.Level.Rank(); rank < workflow.LevelTown.Rank() || split && rank == workflow.LevelTown.Rank() {
		return s
	}
	s.towns = []int64{}
	for _, id := range s.units {
		if t.Unit(id).Level == workflow.LevelTown {
			s.towns = append(s.towns, id)
		}
	}
	return s
}

func (e *Service) report(ctx context.Context, a engine.Actor, unitCode, period string, src monthSource) (*Report, error) {
	t, unit, p, err := e.reportScope(ctx, a, unitCode, period)
	if err != nil {
		return nil, err
	}
	// The period, the two it is compared with and the sweeps are read side
	// by side, and each period's figures computed as soon as it is read; a
	// year's previous period is the year before, read once.
	type read struct {
		data     *PeriodData
		fig      Figures
		children []Figures
		err      error
	}
	children := t.Children(unit.ID)
	reads := map[string]*read{}
	var wg sync.WaitGroup
	for _, q := range []Period{p, p.shift(-1), p.lastYear()} {
		if reads[q.Key] != nil {
			continue
		}
		rd := &read{}
		reads[q.Key] = rd
		wg.Go(func() {
			// The report's period is split by child; those it is compared
			// with are not.
			if rd.data, rd.err = src(ctx, scopeOf(t, unit, q.Key == p.Key), q.Start, q.End, q.Key == p.Key); rd.err != nil {
				return
			}
			rd.fig = figures(rd.data, q.Start, q.End, e.CurrentLists())
			if q.Key != p.Key {
				return
			}
			part := map[int64]int{}
			for i, child := range children {
				for _, id := range t.Subtree(child.ID) {
					part[id] = i
				}
			}
			for _, data := range rd.data.split(part, len(children)) {
				rd.children = append(rd.children, figures(data, q.Start, q.End, e.CurrentLists()))
			}
		})
	}
	var sweeps []SweepCount
	var referrals []ReferralCount
	var org Organisation
	var apps []Application
	var ratings []RatingRecord
	var sweepErr, referralErr, ledgerErr, orgErr, partyErr error
	wg.Go(func() { org, orgErr = e.organisation(ctx, t, unit.ID) })
	wg.Go(func() { apps, ratings, partyErr = e.Store.PartyRecords(ctx, t.Subtree(unit.ID), p.Start, p.End) })
	ledgers := make([]LedgerFigures, len(children)+1)
	wg.Go(func() {
		var byUnit map[int64]*LedgerFigures
		if byUnit, ledgerErr = e.Store.LedgerCounts(ctx, t.Subtree(unit.ID), p.Start, p.End); ledgerErr != nil {
			return
		}
		for i, u := range append([]*engine.Unit{unit}, children...) {
			ledgers[i] = LedgerFigures{AtEnd: map[string]int{}}
			for _, id := range t.Subtree(u.ID) {
				ledgers[i].add(byUnit[id])
			}
		}
	})
	wg.Go(func() {
		months := p.Months()
		sweeps, sweepErr = e.Store.SweepCounts(ctx, sweepers(t, unit, workflow.LevelGrid, workflow.LevelVillage, workflow.LevelTown), months[0], months[len(months)-1])
	})
	wg.Go(func() {
		referrals, referralErr = e.Store.ReferralCounts(ctx, referredFrom(t, unit), t.PartnersAround(unit.ID), p.Start, p.End)
	})
	wg.Wait()
	if err := errors.Join(sweepErr, referralErr, ledgerErr, orgErr, partyErr); err != nil {
		return nil, err
	}
	for _, rd := range reads {
		if rd.err != nil {
			return nil, rd.err
		}
	}
	main := reads[p.Key]
	mediators := ratedMediators(mediatorRows(main.data), ratings)
	if err := e.trainingHours(ctx, mediators, p.Start.In(e.Location).Year()); err != nil {
		return nil, err
	}
	r := &Report{Period: p.Key, Unit: unit.Code, UnitName: unit.Name, Figures: main.fig,
		Mediators: mediators, Partners: partnerRows(t, referrals), Sweeps: sweepFigures(t, unit, sweeps), Ledger: ledgers[0],
		Organisation: org, Parties: partyFigures(apps, ratings, nil, p.Start, p.End)}
	r.Committees, r.CommitteeKinds = committeeRows(t, unit.ID, main.data, ratings, p.Start, p.End, e.CurrentLists())
	if p.IsMonth() {
		r.Month = p.Key
	}
	for i, child := range children {
		units := map[int64]bool{}
		for _, id := range t.Subtree(child.ID) {
			units[id] = true
		}
		r.Children = append(r.Children, ChildRow{Code: child.Code, Name: child.Name, Figures: main.children[i],
			Sweeps: sweepFigures(t, child, sweeps), Ledger: ledgers[i+1], Parties: partyFigures(apps, ratings, units, p.Start, p.End)})
	}
	r.PreviousPeriod, r.SamePeriodLastYear = &reads[p.shift(-1).Key].fig, &reads[p.lastYear().Key].fig
	return r, nil
}

// referredFrom returns the units whose cases' referrals the report of unit
// counts, or nil when its subtree is the whole tree: every referral is then
// of a case of its own, and none need be looked up (over a province, 47,000
// look-ups of a case by its id, half a second).
func referredFrom(t *engine.Tree, unit *engine.Unit) []int64 {
	if roots := t.Roots(); len(roots) == 1 && roots[0].ID == unit.ID {
		return nil
	}
	return t.Subtree(unit.ID)
}

// partnerRows names the partner bodies of the period's referrals, ordered
// by code.
func partnerRows(t *engine.Tree, counts []ReferralCount) []PartnerRow {
	out := []PartnerRow{}
	for _, n := range counts {
		p := t.Unit(n.PartnerUnitID)
		if p == nil {
			continue
		}
		out = append(out, PartnerRow{Code: p.Code, Name: p.Name, Kind: p.Kind, Referred: n.Referred, OnTime: n.OnTime,
			Late: n.Late, Returned: n.Returned, Waiting: n.Waiting})
	}
	slices.SortFunc(out, func(a, b PartnerRow) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// reportScope finds the unit and the period of a report the actor may read.
func (e *Service) reportScope(ctx context.Context, a engine.Actor, unitCode, period string) (*engine.Tree, *engine.Unit, Period, error) {
	t, err := e.Tree(ctx)
	if err != nil {
		return nil, nil, Period{}, err
	}
	unit, err := t.Find("unit", unitCode)
	if err != nil {
		return nil, nil, Period{}, err
	}
	if err := e.mayReport(ctx, t, a, unit); err != nil {
		return nil, nil, Period{}, err
	}
	p, err := e.ParsePeriod(period)
	return t, unit, p, err
}

// mayReport refuses a report outside the actor's subtree, or to a role
// without reports.
func (e *Service) mayReport(ctx context.Context, t *engine.Tree, a engine.Actor, unit *engine.Unit) error {
	if a.Role == workflow.RoleSystem {
		return nil
	}
	if err := e.May(ctx, a, workflow.FeatureReport); err != nil {
		return err
	}
	if !t.Contains(a.UnitID, unit.ID) {
		return engine.Errorf(engine.EFORBIDDEN, "您只能查看本单位及下级单位的报表。")
	}
	return nil
}

// PeriodFigures computes one period's figures for a unit's subtree from the
// case columns: the report without its comparisons, rows and sweeps.
func (e *Service) PeriodFigures(ctx context.Context, a engine.Actor, unitCode, period string) (Figures, error) {
	t, unit, p, err := e.reportScope(ctx, a, unitCode, period)
	if err != nil {
		return Figures{}, err
	}
	data, err := e.monthFromStore(ctx, scopeOf(t, unit, false), p.Start, p.End, false)
	if err != nil {
		return Figures{}, err
	}
	return figures(data, p.Start, p.End, e.CurrentLists()), nil
}

// TrendPoint is one month of the trend line.
type TrendPoint struct {
	Month      string
	Registered int
	Accepted   int
	Agreed     int
}

// Trend returns the n months up to the last month of period of a unit's
// subtree, oldest first. Each month's figures come from the same rules as
// its report, over the cases of the month alone: the trend shows none of
// the figures that need the open cases at its end or the events.
func (e *Service) Trend(ctx context.Context, a engine.Actor, unitCode, period string, n int) ([]TrendPoint, error) {
	t, unit, p, err := e.reportScope(ctx, a, unitCode, period)
	if err != nil {
		return nil, err
	}
	s := scopeOf(t, unit, false)
	last := p.End.AddDate(0, -1, 0)
	out := make([]TrendPoint, 0, n)
	for i := n - 1; i >= 0; i-- {
		m := last.AddDate(0, -i, 0).Format("2006-01")
		start, end, err := e.MonthBounds(m)
		if err != nil {
			return nil, err
		}
		d, err := e.monthCases(ctx, s, start, end)
		if err != nil {
			return nil, err
		}
		f := figures(d, start, end, e.CurrentLists())
		out = append(out, TrendPoint{Month: m, Registered: f.Registered, Accepted: f.Accepted, Agreed: f.Agreed})
	}
	return out, nil
}

func in(t *time.Time, start, end time.Time) bool {
	return t != nil && !t.Before(start) && t.Before(end)
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// Figure declares one figure of the report (DESIGN §6) once: its key, its
// label, and how it is read. A figure that counts cases also says which
// cases count (Cases) and where the count is kept (Count); the report, the
// store's sums, the case list behind the figure and every export use these.
type Figure struct {
	Key   string
	Label string
	// Value reads a figure that does not count cases; nil when Count is set.
	Value func(f *Figures) *float64
	// Cases says which cases count in the figure.
	Cases *Rule
	Count func(f *Figures) *int
}

// Get returns the figure's value in f, nil where it is undefined.
func (fig Figure) Get(f *Figures) *float64 {
	if fig.Count != nil {
		v := float64(*fig.Count(f))
		return &v
	}
	return fig.Value(f)
}

// CountsCases reports whether the figure counts cases, so that its cases
// can be listed.
func (fig Figure) CountsCases() bool { return fig.Cases != nil }

func number(v int) *float64 { f := float64(v); return &f }

func percent(r *float64) *float64 {
	if r == nil {
		return nil
	}
	v := *r * 100
	return &v
}

// FigureTable is the report's summary, in the order it is shown.
var FigureTable = []Figure{
	{Key: "registered", Label: "登记", Cases: &Rule{Moment: MomentOpened},
		Count: func(f *Figures) *int { return &f.Registered }},
	{Key: "accepted", Label: "受理", Cases: &Rule{Moment: MomentAccepted},
		Count: func(f *Figures) *int { return &f.Accepted }},
	{Key: "rejected", Label: "不予受理", Cases: &Rule{Moment: MomentClosed, Outcome: workflow.Rejected}, Count: func(f *Figures) *int { return &f.Rejected }},
	{Key: "agreed", Label: "调解成功", Cases: &Rule{Moment: MomentAgreed},
		Count: func(f *Figures) *int { return &f.Agreed }},
	{Key: "failed", Label: "调解终止", Cases: &Rule{Moment: MomentClosed, Outcome: workflow.Failed}, Count: func(f *Figures) *int { return &f.Failed }},
	{Key: "withdrawn", Label: "当事人撤回", Cases: &Rule{Moment: MomentClosed, Outcome: workflow.Withdrawn}, Count: func(f *Figures) *int { return &f.Withdrawn }},
	{Key: "referred", Label: "移交", Cases: &Rule{Moment: MomentReferred},
		Count: func(f *Figures) *int { return &f.Referred }},
	{Key: "open_at_end", Label: "期末在办", Cases: &Rule{AtEnd: EndOpen},
		Count: func(f *Figures) *int { return &f.OpenAtEnd }},
	{Key: "overdue_at_end", Label: "期末超期", Cases: &Rule{AtEnd: EndOverdue},
		Count: func(f *Figures) *int { return &f.OverdueAtEnd }},
	{Key: "fulfilled", Label: "履行完毕", Cases: &Rule{Moment: MomentClosed, Outcome: workflow.Fulfilled}, Count: func(f *Figures) *int { return &f.Fulfilled }},
	{Key: "mediated", Label: "调解纠纷数", Cases: &Rule{Moment: MomentMediated},
		Count: func(f *Figures) *int { return &f.Mediated }},
	{Key: "preventive", Label: "预防纠纷数", Cases: &Rule{Moment: MomentAgreed, Source: engine.SourceSweep},
		Count: func(f *Figures) *int { return &f.Preventive }},
	{Key: "success_rate", Label: "调解成功率(%)", Value: func(f *Figures) *float64 { return percent(f.SuccessRate) }},
	{Key: "grassroots_rate", Label: "基层化解率(%)", Value: func(f *Figures) *float64 { return percent(f.GrassrootsRate) }},
	{Key: "agreed_grid", Label: "网格调成", Cases: &Rule{Moment: MomentAgreed, Tier: workflow.LevelGrid}, Count: func(f *Figures) *int { return &f.AgreedByTier.Grid }},
	{Key: "agreed_village", Label: "村(社区)调成", Cases: &Rule{Moment: MomentAgreed, Tier: workflow.LevelVillage},
		Count: func(f *Figures) *int { return &f.AgreedByTier.Village }},
	{Key: "agreed_town", Label: "镇(街道)调成", Cases: &Rule{Moment: MomentAgreed, Tier: workflow.LevelTown}, Count: func(f *Figures) *int { return &f.AgreedByTier.Town }},
	{Key: "escalations_manual", Label: "人工上报", Value: func(f *Figures) *float64 { return number(f.Escalations.Manual) }},
	{Key: "escalations_automatic", Label: "超期自动上报", Value: func(f *Figures) *float64 { return number(f.Escalations.Automatic) }},
	{Key: "days_to_agreement_mean", Label: "受理至调成平均天数", Value: func(f *Figures) *float64 { return f.DaysToAgreement.Mean }},
	{Key: "days_to_agreement_median", Label: "受理至调成天数中位数", Value: func(f *Figures) *float64 { return f.DaysToAgreement.Median }},
	{Key: "agreement_amount", Label: "协议金额(元)", Value: func(f *Figures) *float64 { v := f.AgreementAmount; return &v }},
	{Key: "people_involved", Label: "涉及人数", Value: func(f *Figures) *float64 { return number(f.PeopleInvolved) }},
	{Key: "agreements_written", Label: "书面协议", Cases: &Rule{Moment: MomentAgreed, Kind: engine.AgreementWritten}, Count: func(f *Figures) *int { return &f.AgreementsByKind.Written }},
	{Key: "agreements_oral", Label: "口头协议", Cases: &Rule{Moment: MomentAgreed, Kind: engine.AgreementOral}, Count: func(f *Figures) *int { return &f.AgreementsByKind.Oral }},
	{Key: "prevented_civil_to_criminal", Label: "防止民转刑(件)", Cases: &Rule{Moment: MomentAgreed, Flag: engine.FlagCivilToCriminal},
		Count: func(f *Figures) *int { return &f.Prevented.CivilToCriminal.Cases }},
	{Key: "prevented_civil_to_criminal_people", Label: "防止民转刑(人)",
		Value: func(f *Figures) *float64 { return number(f.Prevented.CivilToCriminal.People) }},
	{Key: "prevented_group_petition", Label: "防止群体性上访(件)", Cases: &Rule{Moment: MomentAgreed, Flag: engine.FlagGroupPetition},
		Count: func(f *Figures) *int { return &f.Prevented.GroupPetition.Cases }},
	{Key: "prevented_group_petition_people", Label: "防止群体性上访(人)",
		Value: func(f *Figures) *float64 { return number(f.Prevented.GroupPetition.People) }},
	{Key: "prevented_group_fight", Label: "防止群体性械斗(件)", Cases: &Rule{Moment: MomentAgreed, Flag: engine.FlagGroupFight},
		Count: func(f *Figures) *int { return &f.Prevented.GroupFight.Cases }},
	{Key: "prevented_group_fight_people", Label: "防止群体性械斗(人)",
		Value: func(f *Figures) *float64 { return number(f.Prevented.GroupFight.People) }},
	{Key: "prevented_suicide", Label: "防止自杀(件)", Cases: &Rule{Moment: MomentAgreed, Flag: engine.FlagSuicide},
		Count: func(f *Figures) *int { return &f.Prevented.Suicide.Cases }},
	{Key: "prevented_suicide_people", Label: "防止自杀(人)",
		Value: func(f *Figures) *float64 { return number(f.Prevented.Suicide.People) }},
	{Key: "followups", Label: "回访", Value: func(f *Figures) *float64 { return number(f.Followups) }},
	{Key: "unperformed", Label: "协议未履行结案", Cases: &Rule{Moment: MomentClosed, Outcome: workflow.Unperformed}, Count: func(f *Figures) *int { return &f.Unperformed }},
	{Key: "confirmations_applied", Label: "申请司法确认", Value: func(f *Figures) *float64 { return number(f.Confirmations.Applied) }},
	{Key: "confirmations_confirmed", Label: "司法确认有效", Value: func(f *Figures) *float64 { return number(f.Confirmations.Confirmed) }},
	{Key: "archived", Label: "归档", Cases: &Rule{Moment: MomentArchived},
		Count: func(f *Figures) *int { return &f.Archived }},
}

// FigureByKey returns the figure with key.
func FigureByKey(key string) (Figure, bool) {
	for _, f := range FigureTable {
		if f.Key == key {
			return f, true
		}
	}
	return Figure{}, false
}

// figures computes a period's figures from its data: what its cases and
// events add up to, from the cases one by one or from the towns' counts,
// then the cases open at its end and the times to agreement.
func figures(d *PeriodData, start, end time.Time, l engine.Lists) Figures {
	n := Counts{}
	days := make([]float64, 0, len(d.Durations))
	for i := range d.Cases {
		c := &d.Cases[i]
		n.add(c)
		if c.AgreementSeconds != nil {
			days = append(days, *c.AgreementSeconds/86400)
		}
	}
	for _, ev := range d.Events {
		n[ev.key()] += int64(ev.Count)
	}
	for _, town := range d.Towns {
		for k, v := range town.Counts {
			n[k] += v
		}
	}
	for _, x := range d.Durations {
		days = append(days, x.Seconds/86400)
	}
	t := &tally{}
	f := &t.Figures
	for _, s := range periodSums {
		s.add(t, n[s.key])
	}
	f.ByCategory, f.BySource, f.BySourceMOJ, f.ByCategoryMOJ = map[string]Count{}, map[string]Count{}, map[string]Count{}, map[string]Count{}
	for k, v := range n {
		if v == 0 {
			// A town's month keeps a name its cases no longer count in.
			continue
		}
		if category, ok := strings.CutPrefix(k, categoryCount); ok {
			addCount(f.ByCategory, category, v)
			addCount(f.ByCategoryMOJ, l.CategoryMOJ(category), v)
		}
		if source, ok := strings.CutPrefix(k, sourceCount); ok {
			addCount(f.BySource, source, v)
			addCount(f.BySourceMOJ, l.SourceMOJ(source), v)
		}
		if ev, ok := event(k); ok {
			ev.Count = int(v)
			f.countEvent(ev)
		}
	}
	// The cases open at the end are read one by one, or summed from the
	// towns' months up to it.
	for _, fig := range FigureTable {
		if fig.Cases == nil || fig.Cases.AtEnd == "" {
			continue
		}
		*fig.Count(f) += int(n[EndCount(fig.Cases.AtEnd)])
		for i := range d.AtEnd {
			if fig.Cases.In(&d.AtEnd[i], start, end) {
				*fig.Count(f)++
			}
		}
	}
	for _, m := range []map[string]Count{f.ByCategory, f.BySource, f.BySourceMOJ, f.ByCategoryMOJ} {
		for k, v := range m {
			v.Share = ratio(v.Count, f.Accepted)
			m[k] = v
		}
	}
	f.SuccessRate = ratio(f.Agreed, f.Mediated)
	f.GrassrootsRate = ratio(f.AgreedByTier.Grid+f.AgreedByTier.Village, f.Agreed)
	if len(days) > 0 {
		sum := 0.0
		for _, d := range days {
			sum += d
		}
		sort.Float64s(days)
		mean := round2(sum / float64(len(days)))
		median := days[len(days)/2]
		if len(days)%2 == 0 {
			median = (days[len(days)/2-1] + days[len(days)/2]) / 2
		}
		median = round2(median)
		f.DaysToAgreement.Mean, f.DaysToAgreement.Median = &mean, &median
	}
	// The sum is kept in fen, exact; yuan are for showing it.
	f.AgreementAmount = float64(t.fen) / 100
	return *f
}

// addCount adds v to the count of key.
func addCount(m map[string]Count, key string, v int64) {
	c := m[key]
	c.Count += int(v)
	m[key] = c
}

// countEvent adds a count of events to the figures that count them.
func (f *Figures) countEvent(ev EventCount) {
	switch ev.Name {
	case string(workflow.Escalate):
		if ev.Automatic {
			f.Escalations.Automatic += ev.Count
		} else {
			f.Escalations.Manual += ev.Count
		}
	case string(workflow.FollowUp), string(workflow.Fulfil), string(workflow.CloseUnperformed):
		f.Followups += ev.Count
	case string(workflow.Confirm):
		switch ev.Confirmation {
		case engine.ConfirmApplied:
			f.Confirmations.Applied += ev.Count
		case engine.ConfirmConfirmed:
			f.Confirmations.Confirmed += ev.Count
		}
	}
}

// FigureCases lists the cases behind one of a month's figures for a unit's
// subtree: the list each figure on the report page links to. The figure
// may also be a category or source: "category:邻里", "source:门前调"
// (cases accepted in the month).
func (e *Service) FigureCases(ctx context.Context, a engine.Actor, unitCode, period, figure string) ([]*engine.Case, error) {
	t, unit, p, err := e.reportScope(ctx, a, unitCode, period)
	if err != nil {
		return nil, err
	}
	start, end := p.Start, p.End
	test, ok := func() (func(c *CaseFacts) bool, bool) {
		if cat, ok := strings.CutPrefix(figure, "category:"); ok {
			return func(c *CaseFacts) bool { return in(c.AcceptedAt, start, end) && c.Category == cat }, true
		}
		if src, ok := strings.CutPrefix(figure, "source:"); ok {
			return func(c *CaseFacts) bool { return in(c.AcceptedAt, start, end) && c.Source == src }, true
		}
		fig, ok := FigureByKey(figure)
		return func(c *CaseFacts) bool { return fig.Cases.In(c, start, end) }, ok && fig.CountsCases()
	}()
	if !ok {
		return nil, engine.Invalid("figure", "没有“%s”这项指标。", figure)
	}
	facts, err := e.Store.ReportFacts(ctx, t.Subtree(unit.ID), start, end)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for i := range facts {
		if test(&facts[i]) {
			ids = append(ids, facts[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cases, _, err := e.Store.Cases(ctx, engine.CaseFilter{IDs: ids, Limit: len(ids)})
	return cases, err
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// mediatorRows is the period of every mediator who worked a case in scope,
// busiest first.
func mediatorRows(d *PeriodData) []MediatorRow {
	counts := slices.Clone(d.Mediators)
	sort.Slice(counts, func(i, j int) bool {
		a, b := counts[i], counts[j]
		if a.Cases != b.Cases {
			return a.Cases > b.Cases
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ActorID < b.ActorID
	})
	out := make([]MediatorRow, len(counts))
	byID := map[int64]*MediatorRow{}
	for i, m := range counts {
		out[i] = MediatorRow{Name: m.Name, Workload: m.Cases, Agreements: m.Agreements, userID: m.ActorID}
		if m.ActorID != 0 {
			byID[m.ActorID] = &out[i]
		}
	}
	for _, c := range d.AtEnd {
		if r := byID[c.LastMediator]; c.OverdueAtEnd && r != nil {
			r.Overdue++
		}
	}
	return out
}

// ratedMediators adds to the mediators' rows the ratings given of them,
// and a row for each mediator rated who did nothing else in the period.
func ratedMediators(rows []MediatorRow, ratings []RatingRecord) []MediatorRow {
	type who struct {
		id   int64
		name string
	}
	byWho := ratingsBy(ratings, func(r RatingRecord) who {
		if r.MediatorID != 0 {
			return who{id: r.MediatorID}
		}
		return who{name: r.Mediator}
	})
	for i := range rows {
		k := who{id: rows[i].userID}
		if k.id == 0 {
			k.name = rows[i].Name
		}
		if c := byWho[k]; c != nil {
			rows[i].Ratings = *c
			delete(byWho, k)
		}
	}
	for _, r := range ratings {
		k := who{id: r.MediatorID}
		if k.id == 0 {
			k.name = r.Mediator
		}
		if c := byWho[k]; c != nil && r.Mediator != "" {
			rows = append(rows, MediatorRow{Name: r.Mediator, Ratings: *c, userID: r.MediatorID})
			delete(byWho, k)
		}
	}
	return rows
}

// trainingHours fills the mediators' training hours of year.
func (e *Service) trainingHours(ctx context.Context, rows []MediatorRow, year int) error {
	var users []int64
	for _, r := range rows {
		if r.userID != 0 {
			users = append(users, r.userID)
		}
	}
	if len(users) == 0 {
		return nil
	}
	tenths, err := e.Store.TrainingTenthsOfUsers(ctx, users, year)
	if err != nil {
		return err
	}
	for i := range rows {
		rows[i].TrainingHours = float64(tenths[rows[i].userID]) / 10
	}
	return nil
}

// monthFromStore reads the period from the case columns, or for whole
// towns from their months' counts when it may.
func (e *Service) monthFromStore(ctx context.Context, s scope, start, end time.Time, mediators bool) (*PeriodData, error) {
	if s.towns != nil {
		d, ok, err := e.Store.TownPeriod(ctx, s.towns, s.units, start, end, mediators)
		if ok || err != nil {
			return d, err
		}
	}
	return e.Store.ReportPeriod(ctx, s.units, start, end, mediators)
}

// monthCases reads what a period's cases add up to, without the cases open
// at its end or the events: from the towns' counts when it may.
func (e *Service) monthCases(ctx context.Context, s scope, start, end time.Time) (*PeriodData, error) {
	if s.towns != nil {
		towns, ok, err := e.Store.TownCounts(ctx, s.towns, start, end)
		if ok || err != nil {
			return &PeriodData{Towns: towns}, err
		}
	}
	cases, err := e.Store.PeriodCases(ctx, s.units, start, end)
	return &PeriodData{Cases: cases}, err
}

// FormatRate shows a rate as a percentage, or "—" when it is null.
func FormatRate(r *float64) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}
