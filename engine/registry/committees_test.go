package registry_test

import (
	"fmt"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/casefile"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/grassroots/mediation/workflow"
)

// TestCommitteeOnAnotherServer: a second server read the committees before
// the town's supervisor added its traffic committee and put the town's
// mediator on it. It prints the agreement the mediator sealed on the first
// server as the traffic committee's at once, though its tree lacked the
// committee; once it rereads its tree (as WatchConsoleSettings has it do
// every 30 s), its own steps by that mediator are the traffic committee's.
func TestCommitteeOnAnotherServer(t *testing.T) {
	en := enginetest.New(t)
	other := engine.New(en.DB)
	other.Now = en.Now
	if _, err := other.Tree(ctx); err != nil {
		t.Fatal(err)
	}
	sup := en.Actors["supervisor@T1"]
	traffic := &engine.Committee{Name: "油车港镇交通事故纠纷人民调解委员会", Kind: engine.CommitteeTrade, UnitID: en.Units["T1"].ID}
	if err := en.Registry.SaveCommittee(ctx, sup, traffic); err != nil {
		t.Fatal(err)
	}
	town := en.Actors["mediator@T1"]
	if err := en.Registry.Save(ctx, sup, &registry.Mediator{UserID: town.UserID, CommitteeID: traffic.ID}); err != nil {
		t.Fatal(err)
	}
	c := en.CaseIn(t, workflow.Town)
	c, err := en.Fire(ctx, town, c.ID, workflow.Agree, engine.Input{Version: c.Version, Agreement: &engine.Agreement{Kind: engine.AgreementWritten,
		Terms: "赔偿修车费1200元。", Performance: "当场支付", Amount: 120000}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := casefile.New(other, en.DB).CaseFile(ctx, town, c.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Document("agreement-" + itoa(f.Agreements[0].ID))
	if err != nil || d.Committee == nil || d.Committee.Name != traffic.Name || f.Agreements[0].Number != "（2026）油交人调字第1号" {
		t.Errorf("the other server prints the agreement as %v's (%v), number %q", d.Committee, err, f.Agreements[0].Number)
	}
	// The other server's own steps: its tree, reread, has the mediator on
	// the traffic committee.
	other.ForgetTree()
	k := en.CaseIn(t, workflow.Town)
	if k, err = other.Record(ctx, town, k.ID, workflow.LogSession, engine.Input{Version: k.Version, Session: &engine.Session{Record: "双方陈述。"}}); err != nil {
		t.Fatal(err)
	}
	events, _ := en.DB.Events(ctx, k.ID)
	if last := events[len(events)-1]; last.CommitteeID != traffic.ID {
		t.Errorf("the other server's session is the committee %d's, want %d", last.CommitteeID, traffic.ID)
	}
}

func itoa(n int64) string { return fmt.Sprint(n) }
