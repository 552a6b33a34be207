package apply

import (
	"context"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Progress is what a party who looked up their case is shown: its number,
// state and registration, the committee handling it and its phone to call,
// and, while it is mediated, the stage's deadline; once agreed, when the
// agreement is to be performed and by when the parties may apply for
// judicial confirmation, instead of the internal deadlines. It holds no
// personal data.
type Progress struct {
	Number    string
	Code      string
	State     workflow.State
	OpenedAt  time.Time
	Committee *engine.Committee
	StageDue  *time.Time
	PerformBy *time.Time
	ConfirmBy *time.Time
	// Steps are the steps so far in plain words, Next what the party is
	// to do now.
	Steps []Step
	Next  string
	// CanMessage, CanConfirm and CanRate say which of a party's steps the
	// workflow table allows now; Rated that this party has rated.
	CanMessage, CanConfirm, CanRate, Rated bool
}

// Progress finds a party's case by its public code and the party's phone
// (see LookUp) and tells them how it stands.
func (e *Service) Progress(ctx context.Context, code, phone string) (*Progress, error) {
	c, err := e.LookUp(ctx, code, phone)
	if err != nil {
		return nil, err
	}
	t, err := e.Tree(ctx)
	if err != nil {
		return nil, err
	}
	p := &Progress{Number: c.Number, Code: c.Code, State: c.State, OpenedAt: c.OpenedAt, Committee: t.FileCommittee(c)}
	if c.State.Kind() == workflow.KindTier {
		p.StageDue = c.DueAt
	}
	timeline, err := e.Engine.Store.Events(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	sessions, err := e.Engine.Store.Sessions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	p.Steps, p.Rated = e.follow(t, c, partyOf(c, phone), timeline, sessions)
	can := func(act workflow.Activity) bool {
		_, _, ok := workflow.LookupActivity(c.State, act)
		return ok && engine.OfferActivity(c, act)
	}
	p.CanMessage, p.CanConfirm, p.CanRate = can(workflow.PartyMessage), can(workflow.PartyConfirm), can(workflow.PartyRating)
	if c.AgreedAt != nil {
		ags, err := e.Store.Agreements(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		steps, err := e.Store.Confirmations(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if len(ags) > 0 {
			p.PerformBy, p.ConfirmBy = ags[len(ags)-1].DueAt, e.ConfirmWindow(c, ags, steps)
		}
	}
	p.Next = e.next(p, c, sessions)
	return p, nil
}

// LookUp finds a case for a party by its public code and the party's phone
// number (DESIGN §1: parties never log in). Returns ENOTFOUND, with the same
// message, whether the code or the phone is wrong, so that neither can be
// guessed apart; only its field, "phone" when the code exists, tells the
// throttle which to count the failure against.
func (e *Service) LookUp(ctx context.Context, code, phone string) (*engine.Case, error) {
	code, phone = plainCode(code), engine.CleanPhone(phone)
	notFound := engine.Errorf(engine.ENOTFOUND, "查询码或电话号码不正确，请核对受理回执。")
	if code == "" || phone == "" || engine.CheckText(struct{ Code, Phone string }{code, phone}) != nil {
		return nil, notFound
	}
	c, err := e.Store.FindCaseBy(ctx, code)
	if engine.ErrorCode(err) == engine.ENOTFOUND || (err == nil && c.Code != code) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	for _, p := range c.Parties {
		if p.Phone != "" && engine.CleanPhone(p.Phone) == phone {
			return c, nil
		}
	}
	notFound.Field = "phone"
	return nil, notFound
}

// plainCode writes a case's code as typed, with spaces or dashes, in
// lower case or full-width letters, the way the receipt prints it.
func plainCode(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' {
			return -1
		}
		return r
	}, strings.TrimSpace(s)))
}
