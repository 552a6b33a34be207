package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// The row types mirror the tables; GORM tags stay here, out of engine.

type unitRow struct {
	ID         int64
	Code       string
	Name       string
	Level      string
	ParentID   *int64
	CasePrefix string
	Address    string
	Phone      string
	ClosedAt   *time.Time
	Kind       string
	Webhook    string
}

func (unitRow) TableName() string { return "units" }

func (r *unitRow) toUnit() *engine.Unit {
	u := &engine.Unit{ID: r.ID, Code: r.Code, Name: r.Name, Level: workflow.Level(r.Level), CasePrefix: r.CasePrefix,
		Address: r.Address, Phone: r.Phone, ClosedAt: utcPtr(r.ClosedAt), Kind: r.Kind, Webhook: r.Webhook}
	if r.ParentID != nil {
		u.ParentID = *r.ParentID
	}
	return u
}

type userRow struct {
	ID           int64
	Name         string
	DisplayName  string
	Role         string
	UnitID       int64
	PasswordHash string
	CreatedAt    time.Time
	Demo         bool
	DisabledAt   *time.Time
	MustChange   bool
}

func (userRow) TableName() string { return "users" }

func (r *userRow) toUser() *engine.User {
	return &engine.User{ID: r.ID, Name: r.Name, DisplayName: r.DisplayName, Role: workflow.Role(r.Role),
		UnitID: r.UnitID, PasswordHash: r.PasswordHash, CreatedAt: r.CreatedAt, Demo: r.Demo,
		DisabledAt: utcPtr(r.DisabledAt), MustChange: r.MustChange}
}

type caseRow struct {
	ID               int64
	TownID           int64
	Year             int
	Seq              int
	Number           string
	Code             string
	State            string
	Version          int
	LocationUnitID   int64
	HandlingUnitID   int64
	MediatorID       *int64
	Source           string
	Category         string
	Amount           int64
	People           int
	Risk             string
	Flags            string
	CrossVillage     bool
	Summary          string
	Requests         string
	OpenedAt         time.Time
	AcceptedAt       *time.Time
	ReferredAt       *time.Time
	AgreedAt         *time.Time
	AgreedTier       string
	AgreementAmount  int64
	AgreedKind       string
	AgreementKind    string
	AgreementSubject string
	ClosedAt         *time.Time
	Outcome          string
	ArchiveNo        *string
	ArchivedAt       *time.Time
	TierStartedAt    *time.Time
	DueAt            *time.Time
	OverallDueAt     *time.Time
	SuspendedAt      *time.Time
	SupervisedAt     *time.Time
	FlaggedDueAt     *time.Time
	LastEventAt      *time.Time
	CreatedBy        *int64
	ImportKey        *string
	PartnerUnitID    *int64
	SignedAt         *time.Time
	SenderUnitID     *int64
	ExternalID       *string
	AnonymisedAt     *time.Time
	CommitteeID      *int64
	MovedAt          *time.Time
}

func (caseRow) TableName() string { return "cases" }

// caseColumns and caseRow.fields list the columns in one order, so that the
// hot reads scan rows without GORM's reflection.
var caseColumns = strings.Join([]string{"id", "town_id", "year", "seq", "number", "code", "state", "version",
	"location_unit_id", "handling_unit_id", "mediator_id", "source", "category", "amount", "people", "risk", "flags",
	"cross_village", "summary", "requests", "opened_at", "accepted_at", "referred_at", "agreed_at", "agreed_tier", "agreement_amount",
	"agreed_kind", "agreement_kind", "agreement_subject", "closed_at", "outcome", "archive_no", "archived_at", "tier_started_at", "due_at", "overall_due_at", "suspended_at", "supervised_at",
	"flagged_due_at", "last_event_at", "created_by", "import_key", "partner_unit_id", "signed_at", "sender_unit_id", "external_id", "anonymised_at", "committee_id", "moved_at"}, ", ")

// values returns the columns after id, in caseColumns order, to insert.
func (r *caseRow) values() []any {
	return []any{r.TownID, r.Year, r.Seq, r.Number, r.Code, r.State, r.Version,
		r.LocationUnitID, r.HandlingUnitID, r.MediatorID, r.Source, r.Category, r.Amount, r.People, r.Risk, r.Flags,
		r.CrossVillage, r.Summary, r.Requests, r.OpenedAt, r.AcceptedAt, r.ReferredAt, r.AgreedAt, r.AgreedTier, r.AgreementAmount,
		r.AgreedKind, r.AgreementKind, r.AgreementSubject, r.ClosedAt, r.Outcome, r.ArchiveNo, r.ArchivedAt, r.TierStartedAt, r.DueAt, r.OverallDueAt, r.SuspendedAt, r.SupervisedAt,
		r.FlaggedDueAt, r.LastEventAt, r.CreatedBy, r.ImportKey, r.PartnerUnitID, r.SignedAt, r.SenderUnitID, r.ExternalID, r.AnonymisedAt, r.CommitteeID, r.MovedAt}
}

func (r *caseRow) fields() []any {
	return []any{&r.ID, &r.TownID, &r.Year, &r.Seq, &r.Number, &r.Code, &r.State, &r.Version,
		&r.LocationUnitID, &r.HandlingUnitID, &r.MediatorID, &r.Source, &r.Category, &r.Amount, &r.People, &r.Risk, &r.Flags,
		&r.CrossVillage, &r.Summary, &r.Requests, &r.OpenedAt, &r.AcceptedAt, &r.ReferredAt, &r.AgreedAt, &r.AgreedTier, &r.AgreementAmount,
		&r.AgreedKind, &r.AgreementKind, &r.AgreementSubject, &r.ClosedAt, &r.Outcome, &r.ArchiveNo, &r.ArchivedAt, &r.TierStartedAt, &r.DueAt, &r.OverallDueAt, &r.SuspendedAt, &r.SupervisedAt,
		&r.FlaggedDueAt, &r.LastEventAt, &r.CreatedBy, &r.ImportKey, &r.PartnerUnitID, &r.SignedAt, &r.SenderUnitID, &r.ExternalID, &r.AnonymisedAt, &r.CommitteeID, &r.MovedAt}
}

func (r *caseRow) toCase() *engine.Case {
	c := &engine.Case{
		ID: r.ID, TownID: r.TownID, Year: r.Year, Seq: r.Seq, Number: r.Number, Code: r.Code,
		State: workflow.State(r.State), Version: r.Version,
		LocationUnitID: r.LocationUnitID, HandlingUnitID: r.HandlingUnitID, MediatorID: deref(r.MediatorID),
		Source: r.Source, Category: r.Category, Amount: r.Amount, People: r.People, Risk: engine.Risk(r.Risk),
		CrossVillage: r.CrossVillage, Summary: r.Summary, Requests: r.Requests,
		OpenedAt: r.OpenedAt.UTC(), AcceptedAt: utc(r.AcceptedAt), ReferredAt: utc(r.ReferredAt), AgreedAt: utc(r.AgreedAt),
		AgreedTier: workflow.Level(r.AgreedTier), AgreementAmount: r.AgreementAmount, AgreedKind: r.AgreedKind, AgreementKind: r.AgreementKind, AgreementSubject: r.AgreementSubject,
		ClosedAt: utc(r.ClosedAt), Outcome: workflow.State(r.Outcome), ArchivedAt: utc(r.ArchivedAt),
		TierStartedAt: utc(r.TierStartedAt), DueAt: utc(r.DueAt), OverallDueAt: utc(r.OverallDueAt),
		SuspendedAt: utc(r.SuspendedAt), SupervisedAt: utc(r.SupervisedAt), FlaggedDueAt: utc(r.FlaggedDueAt),
		LastEventAt:   derefTime(r.LastEventAt),
		CreatedBy:     deref(r.CreatedBy),
		PartnerUnitID: deref(r.PartnerUnitID), SignedAt: utc(r.SignedAt), SenderUnitID: deref(r.SenderUnitID),
		AnonymisedAt: utc(r.AnonymisedAt), CommitteeID: deref(r.CommitteeID), MovedAt: utc(r.MovedAt),
	}
	if r.ExternalID != nil {
		c.ExternalID = *r.ExternalID
	}
	if r.Flags != "" {
		c.Flags = strings.Split(r.Flags, ",")
	}
	if r.ImportKey != nil {
		c.ImportKey = *r.ImportKey
	}
	if r.ArchiveNo != nil {
		c.ArchiveNo = *r.ArchiveNo
	}
	return c
}

func fromCase(c *engine.Case) *caseRow {
	r := &caseRow{
		ID: c.ID, TownID: c.TownID, Year: c.Year, Seq: c.Seq, Number: c.Number, Code: c.Code,
		State: string(c.State), Version: c.Version, LocationUnitID: c.LocationUnitID, HandlingUnitID: c.HandlingUnitID,
		MediatorID: nilIfZero(c.MediatorID), Source: c.Source, Category: c.Category, Amount: c.Amount, People: c.People,
		Risk: string(c.Risk), Flags: strings.Join(c.Flags, ","), CrossVillage: c.CrossVillage,
		Summary: c.Summary, Requests: c.Requests, OpenedAt: c.OpenedAt,
		CreatedBy: nilIfZero(c.CreatedBy), SenderUnitID: nilIfZero(c.SenderUnitID),
	}
	r.setMutable(c)
	if c.ImportKey != "" {
		r.ImportKey = &c.ImportKey
	}
	if c.ExternalID != "" {
		r.ExternalID = &c.ExternalID
	}
	return r
}

// setMutable copies the columns an event may change.
func (r *caseRow) setMutable(c *engine.Case) {
	r.State, r.Version = string(c.State), c.Version
	r.LocationUnitID, r.HandlingUnitID, r.MediatorID = c.LocationUnitID, c.HandlingUnitID, nilIfZero(c.MediatorID)
	r.PartnerUnitID, r.SignedAt = nilIfZero(c.PartnerUnitID), c.SignedAt
	r.Risk = string(c.Risk)
	r.AcceptedAt, r.ReferredAt, r.AgreedAt, r.AgreedTier, r.AgreementAmount = c.AcceptedAt, c.ReferredAt, c.AgreedAt, string(c.AgreedTier), c.AgreementAmount
	r.AgreedKind, r.AgreementKind, r.AgreementSubject, r.ClosedAt, r.Outcome = c.AgreedKind, c.AgreementKind, c.AgreementSubject, c.ClosedAt, string(c.Outcome)
	r.ArchiveNo, r.ArchivedAt = nil, c.ArchivedAt
	if c.ArchiveNo != "" {
		r.ArchiveNo = &c.ArchiveNo
	}
	r.TierStartedAt, r.DueAt, r.OverallDueAt = c.TierStartedAt, c.DueAt, c.OverallDueAt
	r.CommitteeID = nilIfZero(c.CommitteeID)
	r.SuspendedAt, r.SupervisedAt, r.FlaggedDueAt = c.SuspendedAt, c.SupervisedAt, c.FlaggedDueAt
	r.LastEventAt = utc(&c.LastEventAt)
	r.MovedAt = utc(c.MovedAt)
}

// mutableColumns are the columns an event may change, in the order of
// mutableValues.
var mutableColumns = []string{"state", "version", "handling_unit_id", "mediator_id", "risk",
	"accepted_at", "referred_at", "agreed_at", "agreed_tier", "agreement_amount", "agreed_kind", "agreement_kind", "agreement_subject", "closed_at", "outcome",
	"archive_no", "archived_at",
	"tier_started_at", "due_at", "overall_due_at", "suspended_at", "supervised_at", "flagged_due_at", "last_event_at", "committee_id", "moved_at"}

// placeColumns are the columns few events change: where the case is
// located (a dispute referred in is located on acceptance) and the partner
// it waits on. They are written apart, and only when they change: SQLite
// rewrites every index that holds an assigned column, and the location
// leads most of them.
var placeColumns = []string{"location_unit_id", "partner_unit_id", "signed_at"}

// placeValues returns the values of placeColumns.
func (r *caseRow) placeValues() []any { return []any{r.LocationUnitID, r.PartnerUnitID, r.SignedAt} }

// moved reports whether one of placeColumns changed from before to r.
func (r *caseRow) moved(before *caseRow) bool {
	now, was := r.placeValues(), before.placeValues()
	for i := range now {
		if !sameValue(now[i], was[i]) {
			return true
		}
	}
	return false
}

// lightColumns are the mutable columns no index of the cases holds, and the
// last event's time (see updateCaseLight).
var lightColumns = []string{"version", "mediator_id", "risk", "agreement_kind", "agreement_subject", "archive_no", "tier_started_at", "supervised_at",
	"flagged_due_at", "last_event_at"}

// mutableValues returns the values of mutableColumns.
func (r *caseRow) mutableValues() []any {
	return []any{r.State, r.Version, r.HandlingUnitID, r.MediatorID, r.Risk,
		r.AcceptedAt, r.ReferredAt, r.AgreedAt, r.AgreedTier, r.AgreementAmount, r.AgreedKind, r.AgreementKind, r.AgreementSubject, r.ClosedAt, r.Outcome,
		r.ArchiveNo, r.ArchivedAt, r.TierStartedAt, r.DueAt, r.OverallDueAt, r.SuspendedAt, r.SupervisedAt, r.FlaggedDueAt, r.LastEventAt,
		r.CommitteeID, r.MovedAt}
}

// changed returns the values of the columns an UPDATE from before to r
// must assign: the light ones when no other column changed, or else all.
func (r *caseRow) changed(before *caseRow) (string, []any) {
	now, was := r.mutableValues(), before.mutableValues()
	for i, col := range mutableColumns {
		if !slices.Contains(lightColumns, col) && !sameValue(now[i], was[i]) {
			return updateCase, now
		}
	}
	light := make([]any, 0, len(lightColumns))
	for i, col := range mutableColumns {
		if slices.Contains(lightColumns, col) {
			light = append(light, now[i])
		}
	}
	return updateCaseLight, light
}

// sameValue reports whether two values of a column are equal: nil pointers
// alike, the values pointed to equal, times at the same instant.
func sameValue(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Pointer {
		if va.IsNil() || vb.IsNil() {
			return va.IsNil() == vb.IsNil()
		}
		va, vb = va.Elem(), vb.Elem()
	}
	if ta, ok := va.Interface().(time.Time); ok {
		return ta.Equal(vb.Interface().(time.Time))
	}
	return va.Interface() == vb.Interface()
}

type partyRow struct {
	ID             int64
	CaseID         int64
	Side           string
	Kind           string
	Name           string
	Sex            string
	IDNumber       string `gorm:"column:id_number"`
	Phone          string
	Address        string
	Consent        string
	Ethnicity      string
	BirthDate      string
	Occupation     string
	Representative string
}

func (partyRow) TableName() string { return "parties" }

const partyColumns = "id, case_id, side, kind, name, sex, id_number, phone, address, consent, ethnicity, birth_date, occupation, representative"

func (r *partyRow) fields() []any {
	return []any{&r.ID, &r.CaseID, &r.Side, &r.Kind, &r.Name, &r.Sex, &r.IDNumber, &r.Phone, &r.Address, &r.Consent,
		&r.Ethnicity, &r.BirthDate, &r.Occupation, &r.Representative}
}

// values returns the columns after id, in partyColumns order, to insert.
func (r *partyRow) values() []any {
	return []any{r.CaseID, r.Side, r.Kind, r.Name, r.Sex, r.IDNumber, r.Phone, r.Address, r.Consent,
		r.Ethnicity, r.BirthDate, r.Occupation, r.Representative}
}

func fromParty(caseID int64, p *engine.Party) *partyRow {
	return &partyRow{CaseID: caseID, Side: p.Side, Kind: p.Kind, Name: p.Name, Sex: p.Sex,
		IDNumber: p.IDNumber, Phone: p.Phone, Address: p.Address, Consent: p.Consent,
		Ethnicity: p.Ethnicity, BirthDate: p.BirthDate, Occupation: p.Occupation, Representative: p.Representative}
}

func (r *partyRow) toParty() *engine.Party {
	return &engine.Party{ID: r.ID, CaseID: r.CaseID, Side: r.Side, Kind: r.Kind, Name: r.Name, Sex: r.Sex,
		IDNumber: r.IDNumber, Phone: r.Phone, Address: r.Address, Consent: r.Consent,
		Ethnicity: r.Ethnicity, BirthDate: r.BirthDate, Occupation: r.Occupation, Representative: r.Representative}
}

type eventRow struct {
	ID           int64
	CaseID       int64
	Seq          int
	Name         string
	FromState    string
	ToState      string
	UnitID       int64
	ActorID      *int64
	ActorName    string
	Role         string
	At           time.Time
	Reason       string
	Automatic    bool
	Data         string
	DueAt        *time.Time
	OverallDueAt *time.Time
	SuspendedAt  *time.Time
	CommitteeID  *int64
}

func (eventRow) TableName() string { return "case_events" }

// eventColumns and eventRow.fields list the columns in one order, for the
// hand-written reads.
const eventColumns = "e.id, e.case_id, e.seq, e.name, e.from_state, e.to_state, e.unit_id, e.actor_id, e.actor_name, e.role, " +
	"e.at, e.reason, e.automatic, e.data, e.due_at, e.overall_due_at, e.suspended_at, e.committee_id"

func (r *eventRow) fields() []any {
	return []any{&r.ID, &r.CaseID, &r.Seq, &r.Name, &r.FromState, &r.ToState, &r.UnitID, &r.ActorID, &r.ActorName, &r.Role,
		&r.At, &r.Reason, &r.Automatic, &r.Data, &r.DueAt, &r.OverallDueAt, &r.SuspendedAt, &r.CommitteeID}
}

func fromEvent(caseID int64, e *engine.Event) (*eventRow, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, err
	}
	return &eventRow{CaseID: caseID, Seq: e.Seq, Name: string(e.Name), FromState: string(e.From), ToState: string(e.To),
		UnitID: e.UnitID, ActorID: nilIfZero(e.ActorID), ActorName: e.ActorName, Role: string(e.Role),
		At: e.At, Reason: e.Reason, Automatic: e.Automatic, Data: string(data),
		DueAt: utc(e.DueAt), OverallDueAt: utc(e.OverallDueAt), SuspendedAt: utc(e.SuspendedAt), CommitteeID: nilIfZero(e.CommitteeID)}, nil
}

func (r *eventRow) toEvent() (*engine.Event, error) {
	e := &engine.Event{ID: r.ID, CaseID: r.CaseID, Seq: r.Seq, Name: workflow.Step(r.Name), From: workflow.State(r.FromState),
		To: workflow.State(r.ToState), UnitID: r.UnitID, ActorID: deref(r.ActorID), ActorName: r.ActorName,
		Role: workflow.Role(r.Role), At: r.At.UTC(), Reason: r.Reason, Automatic: r.Automatic,
		DueAt: utc(r.DueAt), OverallDueAt: utc(r.OverallDueAt), SuspendedAt: utc(r.SuspendedAt), CommitteeID: deref(r.CommitteeID)}
	if err := json.Unmarshal([]byte(r.Data), &e.Data); err != nil {
		return nil, fmt.Errorf("store: event %d: bad data: %w", r.ID, err)
	}
	return e, nil
}

type agreementRow struct {
	ID            int64
	CaseID        int64
	EventID       int64
	Kind          string
	Facts         string
	Terms         string
	Performance   string
	DueAt         *time.Time
	Amount        int64
	SignedAt      time.Time
	Copies        int
	Tier          string
	Place         string
	OralConfirmed bool
	Shared        bool
	Subject       string
	Number        string
	CommitteeID   int64
}

func (agreementRow) TableName() string { return "agreements" }

type sessionRow struct {
	ID           int64
	CaseID       int64
	EventID      int64
	At           time.Time
	Place        string
	Participants string
	Record       string
	NextAt       *time.Time
	NextPlace    string
	Mediators    string
}

func (sessionRow) TableName() string { return "sessions" }

type followUpRow struct {
	ID           int64
	CaseID       int64
	EventID      int64
	At           time.Time
	Visited      string
	Performed    bool
	Findings     string
	Satisfaction string
	Sued         bool
	Recurred     bool
}

func (followUpRow) TableName() string { return "follow_ups" }

type confirmationRow struct {
	ID          int64
	CaseID      int64
	EventID     int64
	AgreementID int64
	Kind        string
	Court       string
	Number      string
	Day         string
	RecordedAt  time.Time
}

func (confirmationRow) TableName() string { return "confirmations" }

type referralRow struct {
	ID            int64
	CaseID        int64
	EventID       int64
	Partner       string
	Reason        string
	At            time.Time
	DueAt         time.Time
	ResolvedAt    *time.Time
	Result        string
	PartnerUnitID *int64
	SignedAt      *time.Time
	Returned      bool
}

func (referralRow) TableName() string { return "referrals" }

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func nilIfZero(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
