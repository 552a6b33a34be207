package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestDefaultPolicy reads DESIGN §4's defaults off the workflow table.
func TestDefaultPolicy(t *testing.T) {
	p := engine.DefaultPolicy()
	for s, want := range map[workflow.State]int{workflow.Registered: 2, workflow.Grid: 3, workflow.Village: 7,
		workflow.Town: 20, workflow.Referred: 15, workflow.Agreed: 15, workflow.Fulfilled: 0} {
		if got := p.StateDays(s); got != want {
			t.Errorf("%s: %d days, want %d", s, got, want)
		}
	}
	if p.Overall != 30 {
		t.Errorf("overall %d days, want 30", p.Overall)
	}
	for s, want := range map[workflow.State]string{workflow.Grid: "escalate", workflow.Village: "escalate",
		workflow.Town: "supervise", workflow.Registered: "supervise", workflow.Referred: "supervise"} {
		if got := p.Action(s); got != want {
			t.Errorf("%s overdue: %s, want %s", s, got, want)
		}
	}
	// Each call gives maps of its own: changing one policy leaves the
	// next default as it was.
	p.Days[workflow.Grid] = 9
	if engine.DefaultPolicy().StateDays(workflow.Grid) != 3 {
		t.Error("changing a policy changed the defaults")
	}
}

// TestPolicyJSON reads a policy as the configuration file and the console
// write it, over the defaults, and as the console of earlier versions
// saved it.
func TestPolicyJSON(t *testing.T) {
	for _, tc := range []struct {
		name, json            string
		grid, agreed, overall int
		working               bool
		village               string
		code                  string
	}{
		{"configuration file", `{"grid": 4, "overall": 40, "on_overdue": {"village": "supervise"}, "working_days": true}`, 4, 15, 40, true, "supervise", ""},
		{"follow-up by its older name", `{"followup": 20}`, 3, 20, 30, false, "escalate", ""},
		{"console of earlier versions", `{"Registered":2,"Grid":5,"Village":7,"Town":20,"Overall":30,"Referred":15,"FollowUp":10,"OnOverdue":{"grid":"escalate"},"WorkingDays":true}`, 5, 10, 30, true, "supervise", ""},
		{"no such deadline", `{"fulfilled": 3}`, 0, 0, 0, false, "", engine.EINVALID},
		{"days not a number", `{"grid": "three"}`, 0, 0, 0, false, "", engine.EINVALID},
	} {
		p := engine.DefaultPolicy()
		err := json.Unmarshal([]byte(tc.json), &p)
		if engine.ErrorCode(err) != tc.code {
			t.Errorf("%s: error %v, want code %q", tc.name, err, tc.code)
			continue
		}
		if tc.code != "" {
			continue
		}
		if p.StateDays(workflow.Grid) != tc.grid || p.StateDays(workflow.Agreed) != tc.agreed || p.Overall != tc.overall ||
			p.WorkingDays != tc.working || p.Action(workflow.Village) != tc.village {
			t.Errorf("%s: got %+v", tc.name, p)
		}
	}
	// What the console saves reads back the same.
	p := engine.DefaultPolicy()
	p.Days[workflow.Town] = 25
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back engine.Policy
	if err := json.Unmarshal(b, &back); err != nil || back.StateDays(workflow.Town) != 25 || back.Validate() != nil {
		t.Errorf("round trip of %s: %+v %v", b, back, err)
	}
}
