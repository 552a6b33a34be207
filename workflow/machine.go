package workflow

import (
	"context"
	"errors"

	"github.com/looplab/fsm"
)

// events converts the table to looplab/fsm's form.
func events() fsm.Events {
	out := make(fsm.Events, 0, len(Table))
	for _, t := range Table {
		src := make([]string, len(t.From))
		for i, s := range t.From {
			src[i] = string(s)
		}
		out = append(out, fsm.EventDesc{Name: string(t.Event), Src: src, Dst: string(t.To)})
	}
	return out
}

// Guard checks a transition before it happens; a non-nil error cancels it and
// leaves the state unchanged.
type Guard func(t Transition) error

// ErrNotAllowed is returned by Fire when the event cannot leave the current
// state.
var ErrNotAllowed = errors.New("workflow: event not allowed in this state")

// ErrUnknownEvent is returned by Fire for an event the table does not declare.
var ErrUnknownEvent = errors.New("workflow: unknown event")

// Fire builds a fresh machine at state from, runs guard in its before_event
// callback and fires ev. It returns the new state, or the guard's error, or
// ErrNotAllowed / ErrUnknownEvent. The machine runs on a context that cannot
// be cancelled, so a client that goes away cannot leave it half-way.
func Fire(ctx context.Context, from State, ev Event, guard Guard) (State, error) {
	m := fsm.NewFSM(string(from), events(), fsm.Callbacks{
		"before_event": func(_ context.Context, e *fsm.Event) {
			t, _ := Lookup(State(e.Src), Event(e.Event))
			if guard != nil {
				if err := guard(t); err != nil {
					e.Cancel(err)
				}
			}
		},
	})
	err := m.Event(context.WithoutCancel(ctx), string(ev))
	var canceled fsm.CanceledError
	var invalid fsm.InvalidEventError
	var unknown fsm.UnknownEventError
	switch {
	case err == nil:
		return State(m.Current()), nil
	case errors.As(err, &canceled):
		return from, canceled.Err
	case errors.As(err, &invalid):
		return from, ErrNotAllowed
	case errors.As(err, &unknown):
		return from, ErrUnknownEvent
	}
	return from, err
}

// Diagram returns the state diagram in Mermaid syntax, drawn by looplab/fsm
// from the table.
func Diagram() string {
	m := fsm.NewFSM(string(Registered), events(), nil)
	out, err := fsm.VisualizeForMermaidWithGraphType(m, fsm.StateDiagram)
	if err != nil {
		panic(err) // StateDiagram is a constant type that looplab/fsm supports.
	}
	return out
}
