package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/queue"
	"github.com/grassroots/mediation/workflow"
)

// queueBench times the desk's and a grid mediator's queues over the
// generated cases against the hand-written SQL behind them: the same
// statements (a count and a page of each list, soonest due first) and the
// parties of the cases read, on the same indexes.
func queueBench(ctx context.Context, e *queue.Service, raw *sql.DB, cases, rounds int) error {
	tree, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	town, grid := tree.ByCode("T01"), tree.ByCode("T01-V1-G1")
	desk, err := benchUser(ctx, e.Engine, "intake@T01", workflow.RoleIntake, town.ID)
	if err != nil {
		return err
	}
	mediator, err := benchUser(ctx, e.Engine, "mediator@T01-V1-G1", workflow.RoleMediator, grid.ID)
	if err != nil {
		return err
	}
	now := e.Now()
	subtree := tree.Subtree(town.ID)
	scope := func(units []int64) (string, []any) {
		in := "(?" + strings.Repeat(", ?", len(units)-1) + ")"
		return "(location_unit_id IN " + in + " OR handling_unit_id IN " + in + ")", append(int64Args(units), int64Args(units)...)
	}
	inTown, townArgs := scope(subtree)
	since := now.AddDate(0, 0, -30).UTC()
	soon := now.Add(72 * time.Hour).UTC()
	type list struct {
		cond string
		args []any
	}
	deskLists := []list{
		{inTown + " AND state = 'registered'", townArgs},
		{inTown + " AND state = 'referred'", townArgs},
		{inTown + " AND created_by = ? AND opened_at >= ?", append(append([]any{}, townArgs...), desk.UserID, since)},
	}
	// A unit's own cases are in its subtree: their lists need no scope.
	mediatorLists := []list{
		{"handling_unit_id = ? AND state IN " + sqlList(workflow.WorkStates()), []any{grid.ID}},
		{"handling_unit_id = ? AND state = 'agreed' AND due_at <= ?", []any{grid.ID, soon}},
		{"handling_unit_id = ? AND closed_at IS NOT NULL AND accepted_at IS NOT NULL AND archived_at IS NULL", []any{grid.ID}},
		{"handling_unit_id = ? AND state IN " + sqlList(workflow.OpenStates()) +
			" AND supervised_at IS NOT NULL AND (tier_started_at IS NULL OR supervised_at >= tier_started_at)", []any{grid.ID}},
	}
	var deskEng, deskRaw, medEng, medRaw []time.Duration
	var q *queue.Queue
	var work int
	for range rounds {
		t0 := time.Now()
		if q, err = e.Queue(ctx, desk); err != nil {
			return err
		}
		deskEng = append(deskEng, time.Since(t0))
		t0 = time.Now()
		for _, l := range deskLists {
			if err := rawList(ctx, raw, l.cond, l.args, 50); err != nil {
				return err
			}
		}
		deskRaw = append(deskRaw, time.Since(t0))
		t0 = time.Now()
		if _, err := e.Queue(ctx, mediator); err != nil {
			return err
		}
		if _, work, err = e.Work(ctx, mediator, engine.CaseFilter{Limit: 30}); err != nil {
			return err
		}
		medEng = append(medEng, time.Since(t0))
		t0 = time.Now()
		for i, l := range mediatorLists {
			limit := 50
			if i == 0 {
				limit = 30
			}
			if err := rawList(ctx, raw, l.cond, l.args, limit); err != nil {
				return err
			}
		}
		medRaw = append(medRaw, time.Since(t0))
	}
	fmt.Printf("\nqueues over %d cases (SQLite): the desk of T01 (%d awaiting, %d referred, %d registered by the clerk), "+
		"the mediator of T01-V1-G1 (%d cases in hand)\n", cases, len(q.Awaiting), len(q.Referred), len(q.Registered), work)
	fmt.Printf("%d rounds, median shown\n\n", rounds)
	fmt.Printf("%-58s %10s\n", "", "median")
	fmt.Printf("%-58s %10s\n", "raw: the desk queue's statements and parties", med(deskRaw))
	fmt.Printf("%-58s %10s\n", "engine: the desk queue (Engine.Queue)", med(deskEng))
	fmt.Printf("%-58s %10s\n", "raw: the mediator queue's statements and parties", med(medRaw))
	fmt.Printf("%-58s %10s\n", "engine: the mediator queue (Engine.Queue and Work)", med(medEng))
	fmt.Printf("\ndesk queue: engine / raw = %.2fx (target: within 3x)\n", ratio(deskEng, deskRaw))
	fmt.Printf("mediator queue: engine / raw = %.2fx (target: within 3x)\n", ratio(medEng, medRaw))
	return nil
}

// benchUser returns the account of name, making it on first use; the
// desk's clerk then registers 200 disputes, to have some of their own.
func benchUser(ctx context.Context, e *engine.Engine, name string, role workflow.Role, unit int64) (engine.Actor, error) {
	u, err := e.Store.FindUserByName(ctx, name)
	if err == nil {
		return u.Actor(), nil
	}
	if engine.ErrorCode(err) != engine.ENOTFOUND {
		return engine.Actor{}, err
	}
	u = &engine.User{Name: name, Role: role, UnitID: unit, PasswordHash: "-"}
	if err := e.Store.CreateUser(ctx, u); err != nil {
		return engine.Actor{}, err
	}
	if role != workflow.RoleIntake {
		return u.Actor(), nil
	}
	tree, err := e.Tree(ctx)
	if err != nil {
		return engine.Actor{}, err
	}
	grid := tree.ByCode("T01-V2-G1")
	if grid == nil {
		return engine.Actor{}, errors.New("no grid T01-V2-G1")
	}
	for i := range 200 {
		_, err := e.OpenCase(ctx, u.Actor(), &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: grid.ID, People: 2,
			Risk: engine.RiskGreen, Summary: "两户因排水沟堵塞发生争执。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: fmt.Sprintf("申请人%d", i), Phone: fmt.Sprintf("139%08d", i)}}})
		if err != nil {
			return engine.Actor{}, err
		}
	}
	return u.Actor(), nil
}

// rawList is one list of a queue in hand-written SQL: its count, a page
// soonest due first, and the parties of the page's cases.
func rawList(ctx context.Context, db *sql.DB, cond string, args []any, limit int) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases WHERE "+cond, args...).Scan(&n); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, "SELECT id, number, state, category, due_at, handling_unit_id FROM cases WHERE "+cond+
		" ORDER BY (due_at IS NULL), due_at, id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id, unit int64
		var number, state, category string
		var due sql.NullTime
		if err := rows.Scan(&id, &number, &state, &category, &due, &unit); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return err
	}
	prows, err := db.QueryContext(ctx, "SELECT case_id, side, name, id_number, phone FROM parties WHERE case_id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+") ORDER BY case_id, id", int64Args(ids)...)
	if err != nil {
		return err
	}
	defer prows.Close()
	for prows.Next() {
		var caseID int64
		var side, name, idNumber, phone string
		if err := prows.Scan(&caseID, &side, &name, &idNumber, &phone); err != nil {
			return err
		}
	}
	return prows.Err()
}
