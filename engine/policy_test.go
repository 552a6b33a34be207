package engine_test

import (
	"encoding/json"
	"testing"
	"time"

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

// TestNationalCalendar reads the State Council's holidays and make-up
// working days of 2025 and 2026, which the engine uses unless told
// otherwise.
func TestNationalCalendar(t *testing.T) {
	cal := engine.New(nil).Calendar
	loc := time.FixedZone("CST", 8*3600)
	for day, working := range map[string]bool{
		"2025-01-01": false, // 元旦
		"2025-01-26": true,  // a Sunday worked for 春节
		"2025-02-04": false, // 春节's last day
		"2025-10-08": false, // 国庆、中秋's last day
		"2025-10-11": true,  // a Saturday worked
		"2026-01-04": true,  // a Sunday worked for 元旦
		"2026-02-23": false, // 春节's last day
		"2026-09-25": false, // 中秋
		"2026-10-07": false, // 国庆's last day
		"2026-10-08": true,  // the Thursday after
		"2026-10-10": true,  // a Saturday worked
		"2026-10-11": false, // an ordinary Sunday
		"2026-10-12": true,  // an ordinary Monday
	} {
		d, _ := time.ParseInLocation(time.DateOnly, day, loc)
		if got := cal.Working(d, loc); got != working {
			t.Errorf("%s working %v, want %v", day, got, working)
		}
	}
}

// TestConfirmWindowSkipsHolidays: the window for judicial confirmation is
// 30 days from the day after the agreement took effect (民法典 Art. 201); a
// last day on a holiday or a weekend moves to the first working day after
// it (Art. 203, 民诉法 Art. 85), on the national calendar by default, and
// ends when the courts stop business (Art. 203(2)), or at 24时 where a
// configuration says none.
func TestConfirmWindowSkipsHolidays(t *testing.T) {
	e := engine.New(nil)
	loc := e.Location
	for _, tc := range []struct {
		signed string
		closes time.Duration
		ends   string
	}{
		{"2026-09-01", engine.DefaultCourtCloses, "2026年10月8日17时"},  // the 30th day is 10-01, in 国庆
		{"2026-08-15", engine.DefaultCourtCloses, "2026年9月14日17时"},  // the 30th day is a Monday
		{"2026-08-16", engine.DefaultCourtCloses, "2026年9月15日17时"},  // a Tuesday
		{"2026-08-20", engine.DefaultCourtCloses, "2026年9月20日17时"},  // the 30th day, 09-19, a Saturday; 09-20, a Sunday, is worked
		{"2026-08-22", engine.DefaultCourtCloses, "2026年9月21日17时"},  // the 30th day, 09-21, a Monday
		{"2026-08-26", engine.DefaultCourtCloses, "2026年9月28日17时"},  // the 30th day, 09-25, starts 中秋, which ends on Sunday 09-27
		{"2025-09-05", engine.DefaultCourtCloses, "2025年10月9日17时"},  // the 30th day, 10-05, in 2025's 国庆
		{"2025-09-10", engine.DefaultCourtCloses, "2025年10月10日17时"}, // the 30th day, a working Friday after 国庆
		{"2026-09-01", 17*time.Hour + 30*time.Minute, "2026年10月8日17时30分"},
		{"2026-09-01", 0, "2026年10月8日24时"},
	} {
		e.Calendar.CourtCloses = tc.closes
		signed, _ := time.ParseInLocation(time.DateOnly, tc.signed, loc)
		ag := &engine.Agreement{Kind: engine.AgreementWritten, SignedAt: signed.Add(10 * time.Hour)}
		end := e.ConfirmDeadline(&engine.Case{Category: "邻里"}, ag)
		if end == nil {
			t.Fatalf("%s: no window", tc.signed)
		}
		if got := e.Until(*end); got != tc.ends {
			t.Errorf("agreement of %s: the window ends %s, want %s", tc.signed, got, tc.ends)
		}
	}
}
