package workflow

// Step names a line of a case's timeline: its registration (Opened), a
// transition (an Event) or an activity (an Activity). The timeline, the
// audit of a case and the report read steps by this one type.
type Step string

// Opened is the first step of every case: its registration.
const Opened Step = "open"

// Step returns the event's name as a step of the timeline.
func (e Event) Step() Step { return Step(e) }

// Step returns the activity's name as a step of the timeline.
func (a Activity) Step() Step { return Step(a) }

// Transition reports whether the step changed the state: an event of Table.
func (s Step) Transition() bool { return Event(s).Known() }

// Label returns the step's Chinese name.
func (s Step) Label() string {
	switch {
	case s.Transition():
		return Event(s).Label()
	case s == Opened:
		return "登记"
	}
	return Activity(s).Label()
}

// additive are the activities that only add to a case's record and change
// nothing a person deciding a step reads: a form opened before one of them
// was recorded is still current. Two records of a mediation session, or a
// 督办 note beside an agreement being typed, do not conflict; a move, a new
// mediator, a new deadline or a new party do.
var additive = []Activity{LogSession, AddNote, FollowUp, Supervise, RightsNotice, Attach, ReportPolice, Supplement, FlagOverdue}

// Additive reports whether the step only adds to the case's record.
func (s Step) Additive() bool {
	for _, a := range additive {
		if s == a.Step() {
			return true
		}
	}
	return false
}
