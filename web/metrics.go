package web

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/schedule"
	"github.com/grassroots/mediation/workflow"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus series: requests by route pattern
// and status, the engine's changes by event and its scheduler's passes, the
// notifications waiting for delivery and the database pools. They are
// served, with the runtime's profiles, on an address of their own (see
// Handler), never on the pages' address.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.HistogramVec
	changes     *prometheus.CounterVec
	passes      prometheus.Counter
	escalations prometheus.Counter
	flagged     prometheus.Counter
	sweepTime   prometheus.Histogram
}

// Database is what the metrics read of the database: its connection pools,
// by name, how many statements it sent and how many write transactions it
// committed.
type Database interface {
	Pools() map[string]*sql.DB
	Statements() int64
	Commits() int64
	// Backlog counts the notifications waiting for delivery.
	Backlog(ctx context.Context) (int, error)
	// Size is the bytes the database takes; FreeDisk the space left on the
	// disk that holds it, ok false where the database is another server.
	Size(ctx context.Context) (int64, error)
	FreeDisk() (free uint64, ok bool)
}

// readGauge is a series read when it is scraped, within five seconds; -1
// says it could not be read.
func readGauge(name, help string, read func(context.Context) (float64, error)) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := read(ctx)
		if err != nil {
			return -1
		}
		return v
	})
}

// errNoDisk says the database's disk is another server's.
var errNoDisk = errors.New("web: the database's disk is not this server's")

// NewMetrics registers the series of e and its database, and makes itself
// e's observer; the scheduler's too is set to it by whoever runs it.
func NewMetrics(e *engine.Engine, db Database) *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mediation_http_request_duration_seconds",
		Help: "Time to answer a request, by route pattern, method and status.", Buckets: prometheus.DefBuckets},
		[]string{"route", "method", "status"})
	m.changes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mediation_transitions_total",
		Help: "Events and activities written to cases, by name."}, []string{"event"})
	m.passes = prometheus.NewCounter(prometheus.CounterOpts{Name: "mediation_scheduler_passes_total",
		Help: "Passes of the deadline scheduler."})
	m.escalations = prometheus.NewCounter(prometheus.CounterOpts{Name: "mediation_scheduler_escalations_total",
		Help: "Cases the scheduler escalated for a passed deadline."})
	m.flagged = prometheus.NewCounter(prometheus.CounterOpts{Name: "mediation_scheduler_flagged_total",
		Help: "Passed deadlines the scheduler flagged for supervisors."})
	m.sweepTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mediation_scheduler_pass_duration_seconds",
		Help: "Time of a pass of the deadline scheduler.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)})
	backlog := readGauge("mediation_notification_backlog", "Notifications waiting for delivery to the webhook.",
		func(ctx context.Context) (float64, error) {
			n, err := db.Backlog(ctx)
			return float64(n), err
		})
	statements := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "mediation_db_statements_total",
		Help: "SQL statements sent to the database."}, func() float64 { return float64(db.Statements()) })
	commits := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "mediation_db_commits_total",
		Help: "Write transactions committed; on SQLite, changes of cases written together share one."}, func() float64 { return float64(db.Commits()) })
	size := readGauge("mediation_db_size_bytes", "Bytes the database takes (SQLite: the file and its write-ahead log).",
		func(ctx context.Context) (float64, error) {
			n, err := db.Size(ctx)
			return float64(n), err
		})
	free := readGauge("mediation_disk_free_bytes", "Free space on the disk that holds a SQLite database; -1 on PostgreSQL.",
		func(context.Context) (float64, error) {
			n, ok := db.FreeDisk()
			if !ok {
				return 0, errNoDisk
			}
			return float64(n), nil
		})
	m.registry.MustRegister(m.requests, m.changes, m.passes, m.escalations, m.flagged, m.sweepTime, backlog, statements, commits, size, free,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, pool := range db.Pools() {
		m.registry.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	e.Observer = m
	return m
}

// Changed counts an event or activity written.
func (m *Metrics) Changed(name workflow.Step) { m.changes.WithLabelValues(string(name)).Inc() }

// Swept counts a pass of the deadline scheduler.
func (m *Metrics) Swept(res schedule.DeadlineResult, took time.Duration) {
	m.passes.Inc()
	m.escalations.Add(float64(res.Escalated))
	m.flagged.Add(float64(res.Flagged))
	m.sweepTime.Observe(took.Seconds())
}

// observe records one request.
func (m *Metrics) observe(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(took.Seconds())
}

// Handler serves /metrics and, when profiles is set, the runtime's
// profiles under /debug/pprof/. Neither asks who is calling: the metrics
// address is for the machine's own monitoring, and the profiles (which
// show the program's memory and arguments) are served only when the
// operator asks for them.
func (m *Metrics) Handler(profiles bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	if profiles {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}
