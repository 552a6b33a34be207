package ledger

import (
	"context"
	"time"

	"github.com/grassroots/mediation/engine"
)

// Store is what the ledger keeps its entries in.
type Store interface {
	// CreateEntry writes a new entry with its owners and the record of its
	// listing, setting their ids.
	CreateEntry(ctx context.Context, e *Entry, r *Record) error
	// UpdateEntry writes the entry's new state with the record that
	// changed it, if the entry is still at version-1 (ECONFLICT if not).
	UpdateEntry(ctx context.Context, e *Entry, r *Record) error
	// FindEntry returns an entry with its owners. Returns ENOTFOUND if none.
	FindEntry(ctx context.Context, id int64) (*Entry, error)
	// Entries lists the entries that match f, gravest and most overdue
	// first, and counts them.
	Entries(ctx context.Context, f Filter) ([]*Entry, int, error)
	// EntryRecords returns an entry's history, oldest first.
	EntryRecords(ctx context.Context, id int64) ([]*Record, error)
	// Listed returns the entries still on the ledger of persons with one of
	// the ID numbers or phones.
	Listed(ctx context.Context, idNumbers, phones []string) ([]*Entry, error)
	// SweepOf returns the unit and month of a sweep filed. Returns
	// EINVALID if there is none.
	SweepOf(ctx context.Context, id int64) (unit int64, month string, err error)
	// CasesOfPerson returns the ids of the cases, newest first, a party of
	// which has the ID number or the phone ("" matches nothing).
	CasesOfPerson(ctx context.Context, idNumber, phone string, limit int) ([]int64, error)
}

// Filter selects entries.
type Filter struct {
	// Units limits the entries to those under these units; set from the
	// actor's subtree, or from Unit's.
	Units []int64
	// Unit, a unit's code, keeps the entries under it, within the actor's
	// subtree.
	Unit   string
	Kind   Kind
	Colour Colour
	// Owner keeps the entries a user answers for.
	Owner int64
	// DueBy, when set, keeps the entries still listed whose review falls
	// due at or before it.
	DueBy *time.Time
	// Delisted keeps the entries taken off the ledger instead of those on
	// it; with Sweeps, both are kept.
	Delisted bool
	// Sweeps keeps the entries these sweeps found.
	Sweeps []int64
	Limit  int
	Offset int
}

// Policy is how the ledger is kept: the days between reviews by colour
// and the categories an entry is listed under.
type Policy struct {
	ReviewDays map[Colour]int
	Categories []string
}

// DefaultPolicy reviews red entries weekly, orange fortnightly, yellow
// monthly and blue quarterly.
func DefaultPolicy() Policy {
	return Policy{
		ReviewDays: map[Colour]int{Red: 7, Orange: 14, Yellow: 30, Blue: 90},
		Categories: []string{"矛盾纠纷易激化", "精神障碍", "信访老户", "欠薪群体", "邻里积怨", "征迁", "婚姻家庭", "其他"},
	}
}

// Service keeps the ledger on the engine's unit tree and permissions.
type Service struct {
	*engine.Engine
	Store  Store
	Policy Policy
}

// New returns the ledger's service on e and s with the default policy.
func New(e *engine.Engine, s Store) *Service {
	return &Service{Engine: e, Store: s, Policy: DefaultPolicy()}
}

// nextReview is when an entry of colour reviewed at from is to be
// reviewed next.
func (s *Service) nextReview(colour Colour, from time.Time) *time.Time {
	days := s.Policy.ReviewDays[colour]
	if days <= 0 {
		days = DefaultPolicy().ReviewDays[colour]
	}
	t := from.Add(time.Duration(days) * 24 * time.Hour).UTC()
	return &t
}
