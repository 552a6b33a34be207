package main

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/web"
	"github.com/grassroots/mediation/workflow"
)

// httpBench serves the web interface in process on 127.0.0.1 and loads it
// with a bounded number of users, each with a session of its own, for a
// while per figure and round: the case page (a short and a long timeline) and the
// mediator's queue with one and with eight users, and the API's note and
// event with one and eight users, each against a raw transaction doing the
// same write, in the same run on the same kind of database.
func httpBench(ctx context.Context, syncMode string, d time.Duration, rounds int) error {
	w, err := newTown(ctx, syncMode, 64)
	if err != nil {
		return err
	}
	defer w.close()
	db, e, cases, raw := w.db, w.e, w.cases, w.raw
	t, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	med, err := benchMediator(ctx, e)
	if err != nil {
		return err
	}
	// The long case has 500 events, the short one 10.
	short, long := cases[0], cases[1]
	for _, grow := range []struct {
		c      *engine.Case
		events int
	}{{short, 10}, {long, 500}} {
		c := grow.c
		for c.Version < grow.events {
			if c, err = e.Record(ctx, med.Actor(), c.ID, workflow.AddNote, engine.Input{Version: c.Version, Note: "电话联系了双方"}); err != nil {
				return err
			}
		}
	}
	// The requests' log lines would bury the figures.
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	base, stop, err := serve(web.NewServices(e, db))
	if err != nil {
		return err
	}
	defer stop()
	users, err := logins([]string{base}, "mediator@G", 8)
	if err != nil {
		return err
	}
	supervisors, err := logins([]string{base}, "supervisor@T", 8)
	if err != nil {
		return err
	}

	// Each figure is a number of users doing one thing; start readies a
	// run of it (the writers' cases, with their versions now) and returns
	// what each user does.
	type spec struct {
		name  string
		users []*visitor
		start func() (func(u int, v *visitor) error, error)
	}
	var specs []spec
	page := func(path string) func() (func(int, *visitor) error, error) {
		return func() (func(int, *visitor) error, error) {
			return func(_ int, v *visitor) error { return v.get(path) }, nil
		}
	}
	for _, n := range []int{1, 8} {
		for _, p := range []struct{ name, path string }{
			{"case page, 10 events", fmt.Sprintf("/cases/%d", short.ID)},
			{"case page, 500 events", fmt.Sprintf("/cases/%d", long.ID)},
			{"mediator's queue (/cases)", "/cases"},
		} {
			specs = append(specs, spec{fmt.Sprintf("%s, %d user(s)", p.name, n), users[:n], page(p.path)})
		}
	}
	// Each user writes on cases of its own, so that no two writers race;
	// each run starts from the versions the one before left.
	grid := t.ByCode("G").ID
	mine := func(n int, do func(own []*owned, u int) error) func() (func(int, *visitor) error, error) {
		return func() (func(int, *visitor) error, error) {
			own, err := ownCases(ctx, db, cases[2:], n)
			return func(u int, _ *visitor) error { return do(own, u) }, err
		}
	}
	// The floor of any write over HTTP: the raw transaction behind a bare
	// handler of the standard library, no session, no JSON, no engine.
	var bare []*owned
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	bareServer := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := strconv.Atoi(r.URL.Query().Get("u"))
		if err := rawNote(raw, bare[u], grid); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"version":0}`)
	})}
	go bareServer.Serve(ln2)
	defer bareServer.Close()
	floor := &visitor{base: "http://" + ln2.Addr().String(), client: &http.Client{}}
	units := []int64{grid, t.ByCode("V").ID}
	for _, n := range []int{1, 8} {
		specs = append(specs,
			spec{fmt.Sprintf("raw: note transaction, %d writer(s)", n), make([]*visitor, n),
				mine(n, func(own []*owned, u int) error { return rawNote(raw, own[u], grid) })},
			spec{fmt.Sprintf("raw: the same behind a bare HTTP handler, %d user(s)", n), make([]*visitor, n), func() (func(int, *visitor) error, error) {
				var err error
				bare, err = ownCases(ctx, db, cases[2:], n)
				return func(u int, _ *visitor) error {
					_, err := floor.post(fmt.Sprintf("/?u=%d", u), "{}")
					return err
				}, err
			}},
			spec{fmt.Sprintf("API note POST, %d user(s)", n), users[:n], func() (func(int, *visitor) error, error) {
				own, err := ownCases(ctx, db, cases[2:], n)
				return apiNote(own), err
			}},
			spec{fmt.Sprintf("raw: event transaction, %d writer(s)", n), make([]*visitor, n),
				mine(n, func(own []*owned, u int) error { return rawEvent(ctx, raw, own[u], units) })},
			spec{fmt.Sprintf("API event POST (escalate, hand_down), %d user(s)", n), supervisors[:n], func() (func(int, *visitor) error, error) {
				own, err := ownCases(ctx, db, cases[2:], n)
				return apiMove(own), err
			}})
	}

	// The figures are taken in rounds, forwards and backwards in turn, so
	// that the machine's drift falls alike on a figure and the one it is
	// compared with; the median round counts.
	fmt.Printf("\nthe web interface over HTTP on 127.0.0.1 (SQLite, synchronous=%s), %s a round, the median of %d rounds\n\n", syncMode, d, rounds)
	fmt.Printf("%-52s %8s %10s %10s\n", "", "req/s", "p50", "p99")
	type figure struct {
		rate float64
		lat  []time.Duration
	}
	taken := make([][]figure, len(specs))
	for r := range rounds {
		for k := range specs {
			i := k
			if r%2 == 1 {
				i = len(specs) - 1 - k
			}
			do, err := specs[i].start()
			if err != nil {
				return err
			}
			rate, lat, err := load(specs[i].users, d, do)
			if err != nil {
				return fmt.Errorf("%s: %w", specs[i].name, err)
			}
			taken[i] = append(taken[i], figure{rate, lat})
		}
	}
	figures := map[string]figure{}
	for i, sp := range specs {
		slices.SortFunc(taken[i], func(a, b figure) int { return cmp.Compare(a.rate, b.rate) })
		m := taken[i][len(taken[i])/2]
		figures[sp.name] = m
		fmt.Printf("%-52s %8.0f %10s %10s\n", sp.name, m.rate, pct(m.lat, 50), pct(m.lat, 99))
	}
	ratio := func(a, b string) float64 { return figures[a].rate / figures[b].rate }
	fmt.Printf("\nlong / short case page: %.2fx with 1 user, %.2fx with 8 (target: at least 0.5x)\n",
		ratio("case page, 500 events, 1 user(s)", "case page, 10 events, 1 user(s)"),
		ratio("case page, 500 events, 8 user(s)", "case page, 10 events, 8 user(s)"))
	fmt.Printf("8 users / 1 user: case page %.2fx, queue %.2fx (target: at least 1.6x)\n",
		ratio("case page, 10 events, 8 user(s)", "case page, 10 events, 1 user(s)"),
		ratio("mediator's queue (/cases), 8 user(s)", "mediator's queue (/cases), 1 user(s)"))
	fmt.Printf("the bare HTTP handler / raw transaction: %.2fx with 1 user, %.2fx with 8 (the floor of any write over HTTP)\n",
		ratio("raw: the same behind a bare HTTP handler, 1 user(s)", "raw: note transaction, 1 writer(s)"),
		ratio("raw: the same behind a bare HTTP handler, 8 user(s)", "raw: note transaction, 8 writer(s)"))
	fmt.Printf("API note / raw transaction: %.2fx with 1 user (target: at least 0.5x), %.2fx with 8 (target: at least 0.6x)\n",
		ratio("API note POST, 1 user(s)", "raw: note transaction, 1 writer(s)"),
		ratio("API note POST, 8 user(s)", "raw: note transaction, 8 writer(s)"))
	fmt.Printf("API event / raw transaction: %.2fx with 1 user (target: at least 0.5x), %.2fx with 8 (target: at least 0.6x)\n",
		ratio("API event POST (escalate, hand_down), 1 user(s)", "raw: event transaction, 1 writer(s)"),
		ratio("API event POST (escalate, hand_down), 8 user(s)", "raw: event transaction, 8 writer(s)"))
	return nil
}

// benchPassword is the password of the bench's mediator.
const benchPassword = "压测用的足够长的密码"

// benchMediator makes the grid G's mediator, who notes on its cases, and
// the town T's supervisor, who moves them between the grid and the village.
func benchMediator(ctx context.Context, e *engine.Engine) (*engine.User, error) {
	t, err := e.Tree(ctx)
	if err != nil {
		return nil, err
	}
	med := &engine.User{Name: "mediator@G", Role: workflow.RoleMediator, UnitID: t.ByCode("G").ID}
	sup := &engine.User{Name: "supervisor@T", Role: workflow.RoleSupervisor, UnitID: t.ByCode("T").ID}
	for _, u := range []*engine.User{med, sup} {
		// A database kept from an earlier run has them already.
		if old, err := e.Store.FindUserByName(ctx, u.Name); err == nil {
			*u = *old
			continue
		}
		if err := u.SetPassword(benchPassword); err != nil {
			return nil, err
		}
		if err := e.Store.CreateUser(ctx, u); err != nil {
			return nil, err
		}
	}
	return med, nil
}

// serve serves the web interface of svc on a free port of 127.0.0.1 and
// returns its address and how to stop it.
func serve(svc web.Services) (string, func(), error) {
	srv, err := web.NewServer(svc, web.Options{})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), func() { hs.Close() }, nil
}

// logins opens n sessions of the bench's user name, dealt in turn to the
// servers at bases.
func logins(bases []string, name string, n int) ([]*visitor, error) {
	users := make([]*visitor, n)
	for i := range users {
		var err error
		if users[i], err = login(bases[i%len(bases)], name, benchPassword); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// apiNote is a user's note through the API on the next of its own cases.
func apiNote(own []*owned) func(int, *visitor) error {
	return func(u int, v *visitor) error {
		w := own[u]
		w.next++
		id := w.ids[w.next%len(w.ids)]
		version, err := v.post(fmt.Sprintf("/api/v1/cases/%d/activities/note", id), fmt.Sprintf(`{"version":%d,"note":"电话联系了双方"}`, w.versions[id]))
		w.versions[id] = version
		return err
	}
}

// apiMove is a supervisor's event through the API on the next of its own
// cases: up to the village, or back down to the grid.
func apiMove(own []*owned) func(int, *visitor) error {
	return func(u int, v *visitor) error {
		w := own[u]
		w.next++
		id := w.ids[w.next%len(w.ids)]
		ev, body, to := "escalate", fmt.Sprintf(`{"version":%d,"reason":"调解不成"}`, w.versions[id]), "village"
		if w.states[id] == "village" {
			ev, body, to = "hand_down", fmt.Sprintf(`{"version":%d,"unit":"G","reason":"交网格就近调解"}`, w.versions[id]), "grid"
		}
		version, err := v.post(fmt.Sprintf("/api/v1/cases/%d/events/%s", id, ev), body)
		w.versions[id], w.states[id] = version, to
		return err
	}
}

// rawEvent is the raw limit of apiMove's event (see rawMove).
func rawEvent(ctx context.Context, raw *sql.DB, w *owned, units []int64) error {
	w.next++
	id := w.ids[w.next%len(w.ids)]
	to, err := rawMove(ctx, raw, id, w.versions[id], w.states[id], units)
	if err != nil {
		return err
	}
	w.versions[id], w.states[id] = w.versions[id]+1, to
	return nil
}

// visitor is one logged-in browser session.
type visitor struct {
	base   string
	client *http.Client
	csrf   string
}

// login opens a session as name.
func login(base, name, password string) (*visitor, error) {
	jar, _ := cookiejar.New(nil)
	v := &visitor{base: base, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if err := v.get("/login"); err != nil {
		return nil, err
	}
	resp, err := v.client.PostForm(base+"/login", url.Values{"name": {name}, "password": {password}, "csrf": {v.csrf}})
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login %s: %s", name, resp.Status)
	}
	return v, v.get("/cases")
}

// get reads a page, keeping its CSRF token.
func (v *visitor) get(path string) error {
	resp, err := v.client.Get(v.base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if t := resp.Header.Get("X-CSRF-Token"); t != "" {
		v.csrf = t
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return nil
}

// post sends a JSON call and returns the case's version after it.
func (v *visitor) post(path, body string) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, v.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", v.csrf)
	resp, err := v.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Version int `json:"version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		return 0, errors.Join(err, fmt.Errorf("POST %s: %s", path, resp.Status))
	}
	return out.Version, nil
}

// load runs do for each user in turn, all users at once, for d, and
// returns the rate of completed requests and their latencies.
func load(users []*visitor, d time.Duration, do func(u int, v *visitor) error) (float64, []time.Duration, error) {
	var mu sync.Mutex
	var lat []time.Duration
	var first error
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	start := time.Now()
	for u, v := range users {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(stop) {
				t0 := time.Now()
				if err := do(u, v); err != nil {
					mu.Lock()
					first = errors.Join(first, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if first != nil {
		return 0, nil, first
	}
	return float64(len(lat)) / time.Since(start).Seconds(), lat, nil
}

// owned are a writer's cases and their versions now.
type owned struct {
	ids      []int64
	versions map[int64]int
	states   map[int64]string
	next     int
}

// ownCases deals the cases out to writers, with their versions now.
func ownCases(ctx context.Context, db *store.DB, cases []*engine.Case, writers int) ([]*owned, error) {
	out := make([]*owned, writers)
	for w := range out {
		out[w] = &owned{versions: map[int64]int{}, states: map[int64]string{}}
	}
	for i, c := range cases {
		cur, err := db.FindCase(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		w := out[i%writers]
		w.ids, w.versions[c.ID], w.states[c.ID] = append(w.ids, c.ID), cur.Version, string(cur.State)
	}
	return out, nil
}

// rawNote is the raw limit of a note: an UPDATE of the case's version with
// its check and an INSERT of the event, in one transaction.
func rawNote(raw *sql.DB, w *owned, unit int64) error {
	w.next++
	id := w.ids[w.next%len(w.ids)]
	v := w.versions[id]
	now := time.Now().UTC()
	tx, err := raw.Begin()
	if err != nil {
		return err
	}
	res, err := tx.Exec(`UPDATE cases SET version = $1, last_event_at = $2 WHERE id = $3 AND version = $4`, v+1, now, id, v)
	if err == nil {
		if k, _ := res.RowsAffected(); k != 1 {
			err = fmt.Errorf("case %d moved", id)
		}
	}
	if err == nil {
		_, err = tx.Exec(`INSERT INTO case_events (case_id, seq, name, from_state, to_state, unit_id, actor_name, role, at, reason, automatic, data)
			VALUES ($1, $2, 'note', 'grid', 'grid', $3, 'mediator@G', 'mediator', $4, '', FALSE, '{"note":"电话联系了双方"}')`, id, v+1, unit, now)
	}
	if err != nil {
		tx.Rollback()
		return err
	}
	w.versions[id] = v + 1
	return tx.Commit()
}
