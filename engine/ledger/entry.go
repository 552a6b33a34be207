// Package ledger is the ledger of key persons, groups and places under
// dynamic management (重点人员、重点群体、重点领域/场所台账, DESIGN §10):
// entries under a unit with the reason they are listed, a risk colour and
// owners (包保责任人), reviewed by contact at a cadence set by their
// colour; every listing, contact, change of colour, 督办 and 销号 is a
// record of the entry's history, never an edit. Persons match the parties
// of cases by ID number or phone, masked and audited as parties are.
package ledger

import (
	"time"
)

// Kind is what an entry is about.
type Kind string

// The kinds of entries.
const (
	KindPerson Kind = "person"
	KindGroup  Kind = "group"
	KindPlace  Kind = "place"
)

// Kinds are the kinds in the order forms offer them.
var Kinds = []Kind{KindPerson, KindGroup, KindPlace}

// Label names the kind as the ledger's title does.
func (k Kind) Label() string {
	switch k {
	case KindPerson:
		return "重点人员"
	case KindGroup:
		return "重点群体"
	case KindPlace:
		return "重点领域/场所"
	}
	return string(k)
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return k == KindPerson || k == KindGroup || k == KindPlace }

// Colour is an entry's risk colour (四色预警), red the gravest.
type Colour string

// The colours, gravest first.
const (
	Red    Colour = "red"
	Orange Colour = "orange"
	Yellow Colour = "yellow"
	Blue   Colour = "blue"
)

// Colours are the colours, gravest first.
var Colours = []Colour{Red, Orange, Yellow, Blue}

// Label names the colour.
func (c Colour) Label() string {
	switch c {
	case Red:
		return "红色"
	case Orange:
		return "橙色"
	case Yellow:
		return "黄色"
	case Blue:
		return "蓝色"
	}
	return string(c)
}

// Valid reports whether c is one of Colours.
func (c Colour) Valid() bool { return c == Red || c == Orange || c == Yellow || c == Blue }

// Entry is one person, group or place on the ledger.
type Entry struct {
	ID   int64
	Kind Kind
	// Name is the person's name, the group's (e.g. 某工地欠薪农民工) or
	// the place's.
	Name string
	// IDNumber, Phone and Address are a person's particulars (a group's
	// contact's phone, a place's address); masked as parties' are.
	IDNumber string
	Phone    string
	Address  string
	// People is a group's size, 0 for a person or a place.
	People   int
	UnitID   int64
	Category string // why listed, from Policy.Categories
	Reason   string // what happened, in words
	Colour   Colour
	// Owners are the users who answer for the entry (包保责任人).
	Owners     []int64
	ListedAt   time.Time
	ListedBy   int64
	ReviewedAt *time.Time // the latest contact, nil before any
	// ReviewDue is when the next contact is due, nil once delisted.
	ReviewDue  *time.Time
	PressedAt  *time.Time // the latest 督办
	DelistedAt *time.Time
	// Sweep is the 拉网式 sweep that found the entry, 0 if none did.
	Sweep   int64
	Version int
}

// Overdue reports whether the entry's review is past due at now.
func (e *Entry) Overdue(now time.Time) bool { return e.ReviewDue != nil && now.After(*e.ReviewDue) }

// PressedNow reports whether the entry was pressed (督办) since its review
// fell due.
func (e *Entry) PressedNow() bool {
	return e.PressedAt != nil && e.ReviewDue != nil && e.PressedAt.After(*e.ReviewDue)
}

// RecordKind is what a record of an entry's history says happened.
type RecordKind string

// The kinds of records.
const (
	RecordListed   RecordKind = "listed"
	RecordContact  RecordKind = "contact"
	RecordPressed  RecordKind = "pressed"
	RecordDelisted RecordKind = "delisted"
)

// Label names the record as the history shows it.
func (k RecordKind) Label() string {
	switch k {
	case RecordListed:
		return "列管"
	case RecordContact:
		return "走访联系"
	case RecordPressed:
		return "督办"
	case RecordDelisted:
		return "销号"
	}
	return string(k)
}

// Record is one step of an entry's history.
type Record struct {
	ID        int64
	EntryID   int64
	Kind      RecordKind
	At        time.Time
	ActorID   int64
	ActorName string
	// Method is how a contact was made: 走访, 电话 or 面谈.
	Method   string
	Findings string
	// ColourFrom and ColourTo are the colour before and after the record,
	// equal when a contact confirmed it.
	ColourFrom Colour
	ColourTo   Colour
	// Reason says why: a listing's, a change of colour's, a 销号's, or a
	// 督办's note.
	Reason string
	// Approver is who approved a listing or a 销号.
	Approver string
	// Due is, for a contact, the review it answered: made by then, it was
	// on time.
	Due *time.Time
}

// Late reports whether a contact came after the review it answered.
func (r *Record) Late() bool { return r.Due != nil && r.At.After(*r.Due) }

// Methods are the ways of a contact.
var Methods = []string{"走访", "电话", "面谈"}
