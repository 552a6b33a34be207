package engine

import (
	"context"
	"io"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Store is what the case core needs from persistence, in three parts. The
// store package implements it on SQLite and PostgreSQL. Every method that
// writes does so in one transaction: it either happens whole or not at all.
type Store interface {
	CaseStore
	RecordStore
	DirectoryStore
}

// CaseStore keeps the cases: their registration, their changes and the
// lists of them.
type CaseStore interface {
	// CreateCases inserts new cases, each with its parties, its first event
	// and its history, all in one transaction. It issues each case's number
	// (the next of its town and year) in the same transaction, setting the
	// case's Seq, Number and ID.
	CreateCases(ctx context.Context, regs ...*Registration) error
	// FindCase returns a case with its parties. Returns ENOTFOUND if none.
	FindCase(ctx context.Context, id int64) (*Case, error)
	// FindCaseBy returns the case with that number or public code. Returns
	// ENOTFOUND if none.
	FindCaseBy(ctx context.Context, numberOrCode string) (*Case, error)
	// ImportedCase reports whether a case with the import key exists.
	ImportedCase(ctx context.Context, key string) (bool, error)
	// CaseByExternal returns the case a partner unit referred in under its
	// own id. Returns ENOTFOUND if none.
	CaseByExternal(ctx context.Context, senderID int64, externalID string) (*Case, error)
	// Cases returns one page of the cases that match f, and how many match.
	Cases(ctx context.Context, f CaseFilter) ([]*Case, int, error)
	// Transition changes one case: it loads the case with its parties,
	// passes it to decide, and writes the change decide returns in one write
	// transaction: the case's new columns if its version is still ch.Version,
	// the event, and the records that come with it. When another writer
	// moved the case between the read and the write, it loads the case and
	// calls decide again (a few times at most), so decide must write
	// nothing itself. An error from decide is returned as is, with nothing
	// written. Returns ENOTFOUND if there is no such case, ECONFLICT if the
	// case kept moving.
	Transition(ctx context.Context, id int64, decide func(*Case) (*Change, error)) (*Case, error)
	// TransitionBatch changes many cases in one write transaction, each as
	// Transition does but read without its parties: the deadline scheduler,
	// its caller, decides by the deadlines alone, and reading the parties
	// of a million cases' due ones took a seventh of its first pass. A case
	// whose decide fails is left as it is and its error returned in its
	// place; a failed write rolls everything back and is returned.
	TransitionBatch(ctx context.Context, ids []int64, decide func(*Case) (*Change, error)) ([]error, error)
	// DueCases returns the ids of the cases whose deadlines the scheduler has
	// to deal with at now (see Engine.Sweep).
	DueCases(ctx context.Context, now time.Time) ([]int64, error)
	// Optimize refreshes the statistics the database's planner picks its
	// indexes by.
	Optimize(ctx context.Context) error
}

// RecordStore reads the records of a case's file: its timeline and what its
// events wrote.
type RecordStore interface {
	// Events returns a case's timeline, oldest first.
	Events(ctx context.Context, caseID int64) ([]*Event, error)
	// Timeline returns a case's timeline without the notes between its
	// first head events and its last tail.
	Timeline(ctx context.Context, caseID int64, head, tail int) ([]*Event, error)
	// Agreements returns a case's agreements, oldest first.
	Agreements(ctx context.Context, caseID int64) ([]*Agreement, error)
	// Referrals returns a case's referrals, oldest first.
	Referrals(ctx context.Context, caseID int64) ([]*Referral, error)
	// ReferredTo reports whether the case was ever referred to the partner
	// unit.
	ReferredTo(ctx context.Context, caseID, unitID int64) (bool, error)
	// Sessions returns a case's mediation session records, oldest first.
	Sessions(ctx context.Context, caseID int64) ([]*Session, error)
	// FollowUps returns a case's follow-up visits, oldest first.
	FollowUps(ctx context.Context, caseID int64) ([]*FollowUp, error)
	// Confirmations returns a case's steps of judicial confirmation,
	// oldest first.
	Confirmations(ctx context.Context, caseID int64) ([]*Confirmation, error)
	// Attachments returns a case's attachments, oldest first, without
	// their content.
	Attachments(ctx context.Context, caseID int64) ([]*Attachment, error)
	// Attachment returns one attachment without its content. Returns
	// ENOTFOUND if none.
	Attachment(ctx context.Context, id int64) (*Attachment, error)
	// CopyAttachment writes an attachment's content to w, a piece at a
	// time.
	CopyAttachment(ctx context.Context, id int64, w io.Writer) error
}

// DirectoryStore keeps what surrounds the cases: the unit tree, the
// accounts as the engine reads them, the settings, the audit trail and the
// notifications the scheduler writes.
type DirectoryStore interface {
	// Ready reports whether the database takes a write now, and has the
	// room for it.
	Ready(ctx context.Context) error
	// Units returns every unit.
	Units(ctx context.Context) ([]*Unit, error)
	// Committees returns every committee, and the committees the accounts
	// of the registry serve when not their unit's own.
	Committees(ctx context.Context) (Committees, error)
	// SaveUnit inserts u, or updates the unit with u's code; it sets u.ID.
	SaveUnit(ctx context.Context, u *Unit) error
	// CloseUnit closes a unit at at, or opens it again (nil).
	CloseUnit(ctx context.Context, id int64, at *time.Time) error
	// CreateUser inserts u and sets u.ID. Returns ECONFLICT if the name is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUser returns the user with id. Returns ENOTFOUND if none.
	FindUser(ctx context.Context, id int64) (*User, error)
	// FindUserByName returns the user with name. Returns ENOTFOUND if none.
	FindUserByName(ctx context.Context, name string) (*User, error)
	// Users returns users, those of units when units is not empty.
	Users(ctx context.Context, units []int64) ([]*User, error)
	// Setting returns a stored setting, "" when unset.
	Setting(ctx context.Context, key string) (string, error)
	// SetSetting stores a setting.
	SetSetting(ctx context.Context, key, value string) error
	// AddAudit appends rows to the audit trail, in one statement.
	AddAudit(ctx context.Context, entries ...*AuditEntry) error
	// AuditEntries returns the latest audit rows that f selects, newest
	// first: of the staff of units when units is not nil.
	AuditEntries(ctx context.Context, units []int64, f AuditFilter) ([]*AuditEntry, error)
	// PruneAudit deletes the audit rows older than before.
	PruneAudit(ctx context.Context, before time.Time) error
	// PruneSessions deletes the sessions expired by now.
	PruneSessions(ctx context.Context, now time.Time) error
	// Notify writes notifications outside any event (the scheduler's
	// warnings), skipping those whose Dedup a recipient has for the case.
	Notify(ctx context.Context, ns ...*Notification) error
}

// Registration is everything a new case writes: the case, the format of its
// number, its first event, and the changes that follow at once.
type Registration struct {
	Case    *Case
	Number  func(seq int) string
	First   *Event
	History []*Change
	// Notify are the notifications of the registration itself.
	Notify []*Notification
}

// Change is everything one event writes.
type Change struct {
	Case      *Case // the case as it is after the event
	Version   int   // the version the event was decided on
	Event     *Event
	Party     *Party
	Agreement *Agreement
	Session   *Session
	FollowUp  *FollowUp
	Referral  *Referral
	// Resolve, when set, closes the case's open referral with this result.
	Resolve *Referral
	// Signed, when set, is when the partner signed for the open referral.
	Signed       *time.Time
	Confirmation *Confirmation
	// Attachments are the files the event adds to the case file.
	Attachments []*Attachment
	// Notify are the notifications the event causes.
	Notify []*Notification
	// Archive, when set, numbers the case's file and sets Case.ArchiveNo:
	// with the number of the case's latest agreement when the same
	// committee sealed it, else the committee's next number of the year.
	Archive *Numbering
	// AgreementNo, when set, numbers the agreement the same way and sets
	// Agreement.Number and CommitteeID.
	AgreementNo *Numbering
	// Subsidy is what archiving the file earned (以案定补).
	Subsidy *Subsidy
}

// CaseFilter selects cases. Zero fields select everything.
type CaseFilter struct {
	// IDs limits the cases to these.
	IDs []int64
	// Units limits the cases to those whose location or handling unit is in
	// the list (the visibility rule of DESIGN §3). Nil means no limit.
	Units []int64
	// WholeTowns says that Units holds whole towns (the subtree of a town or
	// of a unit above towns). A case is handled inside the town of its
	// location (the workflow's targets never leave it), so that its
	// location alone then places it in Units.
	WholeTowns bool
	// TownUnits holds the units of the towns whose cases Units selects (the
	// subtree of the town a unit below towns lies in, Units itself from a
	// town up): every such case is located there. A search by number or
	// text may look its cases up among these locations alone, before Units
	// decides; nil leaves the search to every town's cases.
	TownUnits []int64
	// Handling limits the cases to those handled by one of these units.
	Handling []int64
	// Partner limits the cases to those of a partner unit: referred to it
	// now or before, or sent in by it.
	Partner int64
	// WaitingOn keeps the cases referred to this partner unit and waiting
	// on it now; SentBy those this partner unit referred in.
	WaitingOn int64
	SentBy    int64
	States    []workflow.State
	Category  string
	Source    string
	// OverdueAt, when set, keeps the open cases overdue at that time.
	OverdueAt *time.Time
	// DueBy and DueAfter, when set, keep the cases whose current deadline
	// falls at or before DueBy, and after DueAfter.
	DueBy    *time.Time
	DueAfter *time.Time
	// Number matches a case number or public code, in part.
	Number string
	// Text matches a party's name or the case's summary, in part.
	Text string
	// Pressed keeps the cases pressed (督办) since their tier clock
	// started (see Case.PressedNow).
	Pressed bool
	// Unarchived keeps the closed cases taken into mediation whose file is
	// not archived yet.
	Unarchived bool
	// CreatedBy keeps the cases this user registered.
	CreatedBy int64
	// OpenedSince, when set, keeps the cases registered at or after it;
	// OpenedBefore, before it.
	OpenedSince  *time.Time
	OpenedBefore *time.Time
	// Major keeps the major disputes (see Case.Major).
	Major  bool
	Offset int
	Limit  int
	// CountUpTo, when positive, stops the count of the cases that match
	// there: a list of a large town shows its first page without counting
	// every case it holds.
	CountUpTo int
}
