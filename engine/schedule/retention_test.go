package schedule_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/workflow"
)

// TestRetention: three years after it closed, a case never taken into
// mediation keeps its figures but not its parties' particulars: names
// become 当事人甲 and 当事人乙 in the parties, the summary and the notes, ID
// numbers and phones go, the attachments' content goes, and the search no
// longer finds it by a name. A case taken into mediation (a file) and a
// case closed less than three years ago keep everything.
func TestRetention(t *testing.T) {
	en := enginetest.New(t)
	en.Retention = engine.Retention{UnfiledYears: 3}
	desk := en.Actors["intake@T1"]

	// register opens a case of two named parties, with a note and a photo
	// that repeat their particulars, and closes it as the path says.
	register := func(path ...workflow.Event) *engine.Case {
		t.Helper()
		c, err := en.OpenCase(ctx, desk, &engine.NewCase{
			Source: "当事人申请", Category: "邻里", LocationID: en.Units["G11"].ID, People: 2, Risk: engine.RiskGreen,
			Summary: "欧阳明华（电话13800000001）称司马光远堵塞排水沟。",
			Parties: []*engine.Party{
				{Side: engine.SideApplicant, Name: "欧阳明华", Phone: "13800000001", IDNumber: "330411198001010010", Consent: "yes"},
				{Side: engine.SideRespondent, Name: "司马光远", Phone: "13900000002", Consent: "yes"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = en.Record(ctx, desk, c.ID, workflow.AddNote, engine.Input{Version: c.Version, Note: "司马光远来电称已请人疏通。"}); err != nil {
			t.Fatal(err)
		}
		photo := []byte("\xff\xd8\xff\xe0 a photo of the ditch")
		if _, err := en.Attach(ctx, desk, c.ID, c.Version, []*engine.Upload{engine.NewUpload("欧阳明华家门口.jpg", int64(len(photo)), bytes.NewReader(photo))}); err != nil {
			t.Fatal(err)
		}
		for _, ev := range path {
			c = reload(t, en, c.ID)
			tr, _ := workflow.Lookup(c.State, ev)
			if c, err = en.Fire(ctx, en.ActorFor(t, tr.Grants, c), c.ID, ev, en.ValidInput(tr, c)); err != nil {
				t.Fatalf("%s: %v", ev, err)
			}
		}
		return c
	}
	old := register(workflow.Reject)
	filed := register(workflow.AcceptGrid, workflow.Fail)
	en.Clock.Advance(2 * 365 * 24 * time.Hour)
	recent := register(workflow.Withdraw)
	en.Clock.Advance(367 * 24 * time.Hour)

	n, err := en.Scheduler.Anonymise(ctx, en.Now())
	if err != nil || n != 1 {
		t.Fatalf("anonymised %d cases (%v), want 1", n, err)
	}
	if n, err := en.Scheduler.Anonymise(ctx, en.Now()); err != nil || n != 0 {
		t.Fatalf("a second pass anonymised %d cases (%v), want 0", n, err)
	}

	got := reload(t, en, old.ID)
	if got.AnonymisedAt == nil || !got.AnonymisedAt.Equal(en.Now()) {
		t.Errorf("anonymised at %v, want %v", got.AnonymisedAt, en.Now())
	}
	if got.Summary != "当事人甲（电话（已删除））称当事人乙堵塞排水沟。" {
		t.Errorf("summary %q", got.Summary)
	}
	if got.State != workflow.Rejected || got.Category != "邻里" || got.People != 2 || !got.OpenedAt.Equal(old.OpenedAt) || got.ClosedAt == nil {
		t.Errorf("the figures changed: %+v", got)
	}
	parties := got.Parties
	want := []string{"当事人甲", "当事人乙"}
	for i, p := range parties {
		if p.Name != want[i] || p.Phone != "" || p.IDNumber != "" {
			t.Errorf("party %d: %q %q %q, want %q with no phone or ID number", i, p.Name, p.Phone, p.IDNumber, want[i])
		}
	}
	events, err := en.DB.Events(ctx, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, ev := range events {
		if ev.Name == workflow.AddNote.Step() {
			notes = append(notes, ev.Data.Note)
		}
	}
	if strings.Join(notes, "|") != "当事人乙来电称已请人疏通。" {
		t.Errorf("notes %q", notes)
	}
	files, err := en.DB.Attachments(ctx, old.ID)
	if err != nil || len(files) != 1 {
		t.Fatalf("attachments %v, %v", files, err)
	}
	if f := files[0]; f.RemovedAt == nil || f.Name != "附件" || f.Size != 0 {
		t.Errorf("attachment %+v, want its content removed", f)
	}
	var body bytes.Buffer
	if err := en.DB.CopyAttachment(ctx, files[0].ID, &body); err != nil || body.Len() != 0 {
		t.Errorf("the removed attachment still reads %d bytes (%v)", body.Len(), err)
	}
	if _, err := en.OpenAttachment(ctx, desk, files[0].ID, true); engine.ErrorMessage(err) != "该附件已于2029年3月3日按保管期限删除。" {
		t.Errorf("opening the removed attachment: %v", err)
	}

	// The search finds the filed and the recent case by a name, not the
	// anonymised one: by three characters through the text index, and by
	// two tested on the cases one by one.
	for _, q := range []string{"欧阳明", "光远"} {
		found, _, err := en.Cases(ctx, desk, engine.CaseFilter{Text: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range found {
			ids = append(ids, c.ID)
		}
		if len(ids) != 2 || !containsAll(ids, filed.ID, recent.ID) {
			t.Errorf("the search by %q found %v, want %d and %d", q, ids, filed.ID, recent.ID)
		}
	}
	for _, id := range []int64{filed.ID, recent.ID} {
		c := reload(t, en, id)
		fs, _ := en.DB.Attachments(ctx, id)
		if c.AnonymisedAt != nil || c.Summary != "欧阳明华（电话13800000001）称司马光远堵塞排水沟。" || c.Parties[0].Phone != "13800000001" || fs[0].RemovedAt != nil {
			t.Errorf("case %d (%s) lost its particulars", id, c.State)
		}
	}
}

func containsAll(ids []int64, want ...int64) bool {
	for _, w := range want {
		found := false
		for _, id := range ids {
			found = found || id == w
		}
		if !found {
			return false
		}
	}
	return true
}
