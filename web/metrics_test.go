package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine/schedule"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/web"
)

// TestMetrics: after a few requests, an escalation and a scheduler pass,
// the metrics address serves the named series, and the runtime's profiles
// only when asked to; the pages' address serves neither.
func TestMetrics(t *testing.T) {
	s := newSite(t)
	m := web.NewMetrics(s.e, s.db)
	srv, err := web.NewServer(web.NewServices(s.e, s.db), web.Options{Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	pages := &site{Server: httptest.NewServer(srv), e: s.e, db: s.db, units: s.units, cases: s.cases}
	defer pages.Close()
	metrics := httptest.NewServer(m.Handler(true))
	defer metrics.Close()
	plain := httptest.NewServer(m.Handler(false))
	defer plain.Close()
	c := pages.login(t, "mediator@G11")
	grid := s.caseNow(t, "grid")
	c.get(casePath(grid, ""))
	if code, _ := c.post(casePath(grid, "/do/escalate"), url.Values{"version": {itoa(grid.Version)}, "reason": {"调解不成"}}); code != http.StatusSeeOther {
		t.Fatalf("escalate: %d", code)
	}
	scheduler := schedule.New(s.e, s.db)
	scheduler.Observer = m
	if _, err := scheduler.RunDeadlines(ctx, s.e.Now()); err != nil {
		t.Fatal(err)
	}
	get := func(base, path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get(metrics.URL, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`mediation_http_request_duration_seconds_count{method="GET",route="/cases",status="200"} 1`,
		`mediation_http_request_duration_seconds_count{method="POST",route="/cases/:id/do/:action",status="303"} 1`,
		`mediation_transitions_total{event="escalate"} 1`,
		`mediation_scheduler_passes_total 1`,
		`mediation_scheduler_escalations_total 0`,
		`mediation_notification_backlog 0`,
		`mediation_db_statements_total `,
		`mediation_db_commits_total `,
		`go_sql_open_connections{db_name=`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The database's size and the disk's free space, for an alert before
	// the disk fills: on SQLite both are read from the file's disk.
	gauge := func(name string) float64 {
		m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("/metrics lacks %s", name)
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if size := gauge("mediation_db_size_bytes"); size < 100<<10 {
		t.Errorf("the database takes %v bytes, want its schema's at least", size)
	}
	free := gauge("mediation_disk_free_bytes")
	if storetest.PostgresDSN() == "" && free <= 0 || storetest.PostgresDSN() != "" && free != -1 {
		t.Errorf("free disk %v", free)
	}
	if code, body := get(metrics.URL, "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/: %d", code)
	}
	if code, _ := get(plain.URL, "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("/debug/pprof/ without --pprof: %d, want 404", code)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if code, body := c.get(path); code != http.StatusNotFound || strings.Contains(body, "mediation_") || strings.Contains(body, "goroutine") {
			t.Errorf("the pages' address answers %s with %d", path, code)
		}
	}
}
