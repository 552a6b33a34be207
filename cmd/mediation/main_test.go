package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/xuri/excelize/v2"
)

// run runs the program with args and stdin on the test's database.
func run(t *testing.T, dsn, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "MEDIATION_DB" {
				return dsn
			}
			return ""
		}}
	err := m.Run(context.Background(), args)
	return out.String(), errb.String(), err
}

// newDatabase returns a new database made the one way a deployment makes
// one: by the migrate command.
func newDatabase(t *testing.T) string {
	t.Helper()
	dsn := storetest.DSN(t)
	if out, _, err := run(t, dsn, "", "migrate"); err != nil || !strings.Contains(out, "数据库结构已是最新") {
		t.Fatalf("migrate: %s %v", out, err)
	}
	return dsn
}

// townDatabase returns a new database holding the town of
// testdata/import/town.jsonl, imported as an operator would.
func townDatabase(t *testing.T) string {
	t.Helper()
	dsn := newDatabase(t)
	if _, _, err := run(t, dsn, "", "import", "../../testdata/import/town.jsonl"); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// TestSchemaGuard: a command other than migrate refuses a database file
// that does not exist, writing nothing (a nightly backup with a mistyped
// path fails); no command opens a database a newer version migrated; an
// older schema is migrated only by migrate or serve --migrate, and backup
// never migrates. Migrating fills what the newest migration adds from the
// cases already there.
func TestSchemaGuard(t *testing.T) {
	if storetest.PostgresDSN() != "" {
		t.Skip("the database files are SQLite's")
	}
	dir := t.TempDir()
	missing := filepath.Join(dir, "mediaton.db")
	copyTo := filepath.Join(dir, "backup.db")
	_, _, err := run(t, "file:"+missing, "", "backup", copyTo)
	if err == nil || err.Error() != "数据库文件 "+missing+" 不存在（路径写错了？）；新建数据库请用 mediation migrate 或 mediation serve --init" {
		t.Errorf("backup of a missing file: %v", err)
	}
	for _, p := range []string{missing, copyTo} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s was written: %v", p, err)
		}
	}
	if out, _, err := run(t, "", "", "version"); err != nil || !strings.Contains(out, fmt.Sprintf("（数据库结构版本 %d）", store.SchemaVersion())) {
		t.Errorf("version: %q %v", out, err)
	}

	dsn := townDatabase(t)
	db, err := sql.Open("sqlite3", strings.TrimPrefix(dsn, "file:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ours := store.SchemaVersion()
	// A newer program's migration.
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', CURRENT_TIMESTAMP)", ours+1); err != nil {
		t.Fatal(err)
	}
	newer := fmt.Sprintf("数据库的结构版本为 %d，本程序（%d）比它旧：数据库已由更新版本的程序迁移。请使用新版本程序，或恢复升级前的备份后再用本版本", ours+1, ours)
	for _, args := range [][]string{{"migrate"}, {"backup", copyTo}, {"user", "list"}} {
		if _, _, err := run(t, dsn, "", args...); err == nil || err.Error() != newer {
			t.Errorf("%s on a newer schema: %v", args[0], err)
		}
	}
	// An older program's database: the newest migrations undone, in the
	// tables and in the record. A new migration adds its undoing here.
	undo := map[int][]string{
		32: {"DROP INDEX cases_unfiled", "ALTER TABLE cases DROP COLUMN anonymised_at", "ALTER TABLE attachments DROP COLUMN removed_at"},
		33: {"DROP TABLE ledger_records", "DROP TABLE ledger_owners", "DROP TABLE ledger_entries"},
		34: {"DROP TABLE training_attendance", "DROP TABLE trainings", "DROP TABLE mediators"},
		35: {"DROP INDEX cases_report", "ALTER TABLE cases DROP COLUMN committee_id", "ALTER TABLE case_events DROP COLUMN committee_id",
			"ALTER TABLE mediators DROP COLUMN committee_id",
			"CREATE TABLE archive_sequences (committee_id BIGINT, year INTEGER, last INTEGER, PRIMARY KEY (committee_id, year))",
			"DROP TABLE committee_sequences", "DROP TABLE committee_members", "DROP TABLE committees",
			"CREATE INDEX cases_report ON cases(location_unit_id)"},
		36: {"DROP TABLE subsidy_adjustments", "DROP TABLE subsidies"},
		37: {"ALTER TABLE sessions DROP COLUMN next_at", "ALTER TABLE sessions DROP COLUMN next_place", "ALTER TABLE sessions DROP COLUMN mediators"},
		38: {"DROP INDEX parties_id_number", "DROP INDEX parties_phone", "CREATE INDEX parties_id_number ON parties(id_number)",
			"CREATE INDEX parties_phone ON parties(phone)"},
		39: {"DROP TABLE number_text"},
		40: {"DROP INDEX cases_location_category"},
		41: {"DROP INDEX cases_agreed", "DROP TABLE month_counts", "DELETE FROM settings WHERE key = 'month_counts_zone'"},
		42: {"ALTER TABLE cases DROP COLUMN moved_at"},
		43: {"DROP INDEX case_events_applications", "DROP INDEX case_events_ratings"},
		44: {"DROP INDEX cases_report", "CREATE INDEX cases_report ON cases(location_unit_id)"},
		45: {"ALTER TABLE month_counts DROP COLUMN open_change", "ALTER TABLE month_counts DROP COLUMN overdue_change"},
		46: {"DROP INDEX month_counts_ends"},
		47: {}, // it changes only PostgreSQL's indexes
		48: {"ALTER TABLE cases DROP COLUMN party_names"},
		49: {}, // it changes only PostgreSQL's indexes
		50: {"DROP INDEX case_events_major_reports"},
		51: {}, // it changes only PostgreSQL's indexes
	}
	if undo[ours] == nil {
		t.Fatalf("the newest migration is %d: add its undoing to the test", ours)
	}
	// The migrations from 48 on are undone, newest first: 48 fills a
	// column from the rows there, which migrating again must do.
	const oldest = 48
	for v := ours; v >= oldest; v-- {
		for _, stmt := range undo[v] {
			if _, err := db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.Exec("DELETE FROM schema_migrations WHERE version >= ?", oldest); err != nil {
		t.Fatal(err)
	}
	older := fmt.Sprintf("数据库的结构版本为 %d，本程序需要 %d：请先备份，再运行 mediation migrate（或 mediation serve --migrate）", oldest-1, ours)
	if _, _, err := run(t, dsn, "", "backup", copyTo); err == nil || err.Error() != older {
		t.Errorf("backup of an older schema: %v", err)
	}
	if out, _, err := run(t, dsn, "", "migrate"); err != nil || !strings.Contains(out, "数据库结构已是最新") {
		t.Errorf("migrate: %s %v", out, err)
	}
	if _, _, err := run(t, dsn, "", "backup", copyTo); err != nil {
		t.Errorf("backup after migrating: %v", err)
	}
	// Migration 48 wrote the names of the parties of the cases it found.
	var names string
	if err := db.QueryRow("SELECT party_names FROM cases ORDER BY id LIMIT 1").Scan(&names); err != nil || names != "陈明\n周强\n" {
		t.Errorf("the first case's party names after migrating: %q %v", names, err)
	}
	// The database and its copy hold ID numbers and phones: their owner
	// alone reads them.
	for _, p := range []string{strings.TrimPrefix(dsn, "file:"), copyTo} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, st.Mode().Perm())
		}
	}
}

// TestTokenCommand makes a partner's token, lists it and revokes it; the
// secret is printed once and listed never.
func TestTokenCommand(t *testing.T) {
	dsn := townDatabase(t)
	out, _, err := run(t, dsn, "", "token", "create", "--unit", "YCG-PCS", "--name", "警务平台")
	if err != nil || !strings.Contains(out, "已为 YCG-PCS 创建接口令牌 #1（警务平台）") {
		t.Fatalf("create: %s %v", out, err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, "med_") || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	if _, _, err := run(t, dsn, "", "token", "create", "--unit", "YCG", "--name", "x"); err == nil || !strings.Contains(message(err), "接口令牌只发给联动单位") {
		t.Errorf("a town's token: %v", err)
	}
	out, _, err = run(t, dsn, "", "token", "list")
	if err != nil || !strings.Contains(out, "警务平台") || !strings.Contains(out, "油车港镇派出所") || !strings.Contains(out, "有效") || strings.Contains(out, secret) {
		t.Fatalf("list: %s %v", out, err)
	}
	if out, _, err = run(t, dsn, "", "token", "revoke", "1"); err != nil || !strings.Contains(out, "已吊销接口令牌 #1") {
		t.Fatalf("revoke: %s %v", out, err)
	}
	if out, _, _ = run(t, dsn, "", "token", "list"); !strings.Contains(out, "已吊销") {
		t.Errorf("list after revoking: %s", out)
	}
	if _, _, err := run(t, dsn, "", "token", "revoke", "1"); err == nil || !strings.Contains(message(err), "不存在或已吊销") {
		t.Errorf("revoked twice: %v", err)
	}
}

func TestImportCommand(t *testing.T) {
	dsn := newDatabase(t)
	out, _, err := run(t, dsn, "", "import", "--dry-run", "../../testdata/import/town.jsonl")
	if err != nil || !strings.Contains(out, "案件 7 件") || !strings.Contains(out, "未写入") {
		t.Fatalf("dry run: %s %v", out, err)
	}
	out, _, err = run(t, dsn, "", "import", "../../testdata/import/town.jsonl")
	if err != nil || !strings.Contains(out, "单位 7 个、调解组织和调解员 0 条、案件 7 件（事件 15 个）") {
		t.Fatalf("import: %s %v", out, err)
	}
	out, _, err = run(t, dsn, "", "import", "../../testdata/import/town.jsonl")
	if err != nil || !strings.Contains(out, "跳过的案件 7 件") {
		t.Fatalf("second import: %s %v", out, err)
	}
	out, errs, err := run(t, dsn, "", "import", "../../testdata/import/broken.jsonl")
	if err == nil || !strings.Contains(errs, "第5行：") || !strings.Contains(errs, "第6行：") {
		t.Fatalf("broken import: %s %s %v", out, errs, err)
	}
}

func TestUserCommands(t *testing.T) {
	dsn := townDatabase(t)
	out, _, err := run(t, dsn, "s3cret-pass\n", "user", "add", "--name", "lisi", "--role", "mediator", "--unit", "YCG-LH")
	if err != nil || !strings.Contains(out, "调解员 · 麟湖村") {
		t.Fatalf("add: %s %v", out, err)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"s3cret-pass\n", []string{"user", "add", "--name", "lisi", "--role", "mediator", "--unit", "YCG-LH"}, "已被使用"},
		{"short\n", []string{"user", "add", "--name", "wang", "--role", "mediator", "--unit", "YCG-LH"}, "密码至少8位"},
		{"s3cret-pass\n", []string{"user", "add", "--name", "wang", "--role", "boss", "--unit", "YCG-LH"}, "角色必须是"},
		{"s3cret-pass\n", []string{"user", "add", "--name", "wang", "--role", "intake", "--unit", "NOPE"}, "单位“NOPE”不存在"},
		{"new-password\n", []string{"user", "passwd", "nobody"}, "不存在"},
	} {
		_, _, err := run(t, dsn, tc.stdin, tc.args...)
		if err == nil || !strings.Contains(message(err), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, _, err := run(t, dsn, "new-password\n", "user", "passwd", "lisi"); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, dsn, "", "user", "list")
	if err != nil || !strings.Contains(out, "lisi") || !strings.Contains(out, "油车港镇 / 麟湖村") || !strings.Contains(out, "在用") {
		t.Fatalf("list: %s %v", out, err)
	}
	if out, _, err := run(t, dsn, "", "user", "disable", "lisi"); err != nil || !strings.Contains(out, "已停用 lisi") {
		t.Fatalf("disable: %s %v", out, err)
	}
	if out, _, _ := run(t, dsn, "", "user", "list"); !strings.Contains(out, "已停用") {
		t.Errorf("list after disable: %s", out)
	}
	if _, _, err := run(t, dsn, "", "user", "disable", "nobody"); err == nil || !strings.Contains(err.Error(), "不存在") {
		t.Errorf("disabling nobody: %v", err)
	}
}

func TestWorkflowCommand(t *testing.T) {
	out, _, err := run(t, "", "", "workflow")
	want, _ := os.ReadFile("../../testdata/workflow.mmd")
	if err != nil || out != string(want) {
		t.Fatalf("workflow printed %q, %v", out, err)
	}
}

// serve runs the whole program as `serve` with args on dsn until the test
// ends, and returns its address and what it wrote to standard error.
func serve(t *testing.T, dsn string, args ...string) (string, *bytes.Buffer) {
	t.Helper()
	return serveLogging(t, dsn, nil, args...)
}

// serveLogging is serve with the server's log written to log (nil leaves
// the process's logger as it is).
func serveLogging(t *testing.T, dsn string, log io.Writer, args ...string) (string, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	var errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb, Log: log, Ready: func(a net.Addr) { addr <- a },
		Getenv: func(string) string { return "" }}
	go func() { done <- m.Run(ctx, append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case a := <-addr:
		return "http://" + a.String(), &errb
	case err := <-done:
		done <- nil
		t.Fatalf("serve stopped: %v\n%s", err, errb.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil
}

// page fetches a page and fails the test unless it answers 200.
func page(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", url, resp.StatusCode)
	}
	return string(body)
}

// TestServeDemo runs the whole program as `serve --demo` does on an empty
// database and fetches its pages.
func TestServeDemo(t *testing.T) {
	dsn := newDatabase(t)
	if _, _, err := run(t, dsn, "", "demo", "--cases", "60"); err != nil {
		t.Fatal(err)
	}
	base, errb := serve(t, dsn, "--demo")
	for path, want := range map[string]string{"/healthz": "ok", "/login": "演示账号"} {
		if body := page(t, base+path); !strings.Contains(body, want) {
			t.Errorf("%s lacks %q: %q", path, want, body)
		}
	}
	if !strings.Contains(errb.String(), "jiedai") {
		t.Errorf("serve --demo on a demo database did not print the accounts:\n%s", errb.String())
	}
}

// TestDemoIsExplicit checks that the demo's password shows only on a
// server started with --demo: without it the login page is plain and the
// log warns that the database holds the demo; an account given its own
// password leaves the list.
func TestDemoIsExplicit(t *testing.T) {
	dsn := newDatabase(t)
	if _, _, err := run(t, dsn, "", "demo", "--cases", "20"); err != nil {
		t.Fatal(err)
	}
	base, errb := serve(t, dsn)
	if body := page(t, base+"/login"); strings.Contains(body, "演示账号") || strings.Contains(body, "jiedai") {
		t.Errorf("serve without --demo shows the demo accounts:\n%s", body)
	}
	if !strings.Contains(errb.String(), "这个数据库装有演示数据") {
		t.Errorf("serve without --demo on a demo database gave no warning:\n%s", errb.String())
	}
	if _, _, err := run(t, dsn, "一个新的足够长的密码\n", "user", "passwd", "jiedai"); err != nil {
		t.Fatal(err)
	}
	base, _ = serve(t, dsn, "--demo")
	body := page(t, base+"/login")
	if strings.Contains(body, "jiedai") || !strings.Contains(body, "wangge") {
		t.Errorf("after jiedai's new password, the demo list:\n%s", body)
	}
}

func TestBackupCommand(t *testing.T) {
	if storetest.PostgresDSN() != "" {
		t.Skip("backup copies SQLite files")
	}
	dsn := townDatabase(t)
	path := filepath.Join(t.TempDir(), "b.db")
	if _, _, err := run(t, dsn, "", "backup", path); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "file:"+path, "", "import", "--dry-run", "../../testdata/import/town.jsonl")
	if err != nil || !strings.Contains(out, "跳过的案件 7 件") {
		t.Fatalf("the backup lacks the cases: %s %v", out, err)
	}
}

// TestDeadlinesCommand: an imported ledger's past is not acted on (its
// overdue cases are neither escalated nor flagged when it arrives); the
// deadlines that pass after the import are, once, at the minute they pass.
func TestDeadlinesCommand(t *testing.T) {
	dsn := townDatabase(t)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(shanghai).Truncate(time.Minute)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	// Registered a day ago: the desk's two days end tomorrow. Taken by the
	// grid two days ago: its three days end tomorrow too.
	ledger := filepath.Join(t.TempDir(), "recent.jsonl")
	lines := fmt.Sprintf(`{"type":"case","source":"当事人申请","category":"邻里","location":"YCG-LH-01","opened_at":%q,"people":2,"risk":"green","summary":"两户因排水沟堵塞发生争执。","parties":[{"side":"applicant","name":"甲"},{"side":"respondent","name":"乙"}],"events":[]}
{"type":"case","source":"当事人申请","category":"邻里","location":"YCG-LH-01","opened_at":%q,"people":2,"risk":"green","summary":"两户因院墙滴水发生争执。","parties":[{"side":"applicant","name":"丙"},{"side":"respondent","name":"丁"}],"events":[{"event":"accept_grid","at":%q,"unit":"YCG-LH-01"}]}
`, at(-24*time.Hour), at(-49*time.Hour), at(-48*time.Hour))
	if err := os.WriteFile(ledger, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, dsn, "", "import", ledger); err != nil {
		t.Fatalf("import: %s %v", out, err)
	}
	for _, step := range []struct {
		when time.Duration
		want string
	}{
		{0, "超期自动上报 0 件，提醒督办 0 件"},
		{24*time.Hour - time.Minute, "超期自动上报 0 件，提醒督办 0 件"},
		{24 * time.Hour, "超期自动上报 1 件，提醒督办 1 件"},
		{24*time.Hour + 5*time.Minute, "超期自动上报 0 件，提醒督办 0 件"},
	} {
		out, _, err := run(t, dsn, "", "deadlines", "run", "--now", at(step.when))
		if err != nil || !strings.Contains(out, step.want) {
			t.Errorf("at now+%v: %s %v, want %s", step.when, out, err, step.want)
		}
	}
	if _, _, err := run(t, dsn, "", "deadlines", "run", "--now", "tomorrow"); err == nil {
		t.Fatal("a bad --now was accepted")
	}
}

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dsn := newDatabase(t)
	good := write("good.json", `{"sweep_interval":"1m","deadlines":{"grid":2,"response_hours":{"red":4},"on_overdue":{"grid":"escalate","village":"supervise"}},
		"towns":{"YCG":{"working_days":true,"village":5}},"calendar":{"holidays":["2026-10-01"],"workdays":["2026-10-10"]},
		"routing":{"town_amount":50000},"retention":{"file":"30年","unfiled_years":5},
		"ledger":{"review_days":{"red":3},"categories":["邻里积怨","其他"]},"subsidy":{"amounts":{"simple":80}}}`)
	if _, _, err := run(t, dsn, "", "import", "--config", good, "../../testdata/import/town.jsonl"); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for body, want := range map[string]string{
		`{"deadlines":{"grid":0}}`:                                    "须在1到365天之间",
		`{"deadlines":{"on_overdue":{"town":"escalate"}}}`:            "只有网格和村(社区)",
		`{"calendar":{"holidays":["10/01/2026"]}}`:                    "2006-01-02",
		`{"sweep_interval":"often"}`:                                  "sweep_interval",
		`{"deadline":{}}`:                                             "unknown field",
		`{"towns":{"YCG":{"on_overdue":{"grid":"ignore"}}}}`:          "escalate 或 supervise",
		`{"notify":{"webhook":"ftp://sms.example"}}`:                  "不是 http(s) 地址",
		`{"attachments":{"max_mb":0,"case_max_mb":100}}`:              "配置项 attachments 无效",
		`{"db_pool_size":-1}`:                                         "db_pool_size",
		`{"notify":{"parties":true}}`:                                 "需要 notify.webhook",
		`{"notify":{"webhook":"http://sms.example","interval":"0s"}}`: "notify.interval",
		`{"retention":{"file":"很久"}}`:                                 "应为“永久”“长期”“短期”或年数如“30年”",
		`{"retention":{"unfiled_years":-1}}`:                          "retention.unfiled_years",
		`{"ledger":{"review_days":{"purple":7}}}`:                     "配置项 ledger.review_days 应按 red、orange、yellow、blue 设为1到365天",
		`{"ledger":{"categories":[]}}`:                                "ledger.categories",
		`{"deadlines":{"response_hours":{"red":0}}}`:                  "响应时限须按风险等级",
		`{"subsidy":{"amounts":{"easy":50}}}`:                         "配置项 subsidy.amounts 应按 simple、ordinary、difficult、major",
	} {
		p := write("bad.json", body)
		_, _, err := run(t, dsn, "", "serve", "--config", p, "--addr", "127.0.0.1:0")
		if err == nil || !strings.Contains(err.Error()+engine.ErrorMessage(err), want) {
			t.Errorf("%s: got %v, want %q", body, err, want)
		}
	}
}

// TestCountsInTheConfiguredZone: the reports' months' counts are kept in
// the time zone of the database's migration, which a migration told
// another changes; commands configured otherwise, or not at all, keep them
// in it.
func TestCountsInTheConfiguredZone(t *testing.T) {
	dsn := townDatabase(t)
	config := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(config, []byte(`{"time_zone":"Asia/Urumqi"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	zone := func() string {
		db, err := store.OpenWith(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		zone, err := db.Setting(context.Background(), "month_counts_zone")
		if err != nil {
			t.Fatal(err)
		}
		return zone
	}
	if z := zone(); z != "Asia/Shanghai" {
		t.Errorf("a new database keeps its counts in %q", z)
	}
	if _, _, err := run(t, dsn, "", "import", "--config", config, "../../testdata/import/subsidy.jsonl"); err != nil {
		t.Fatal(err)
	}
	if z := zone(); z != "Asia/Shanghai" {
		t.Errorf("a command configured otherwise moved the counts to %q", z)
	}
	if _, _, err := run(t, dsn, "", "migrate", "--config", config); err != nil {
		t.Fatal(err)
	}
	if z := zone(); z != "Asia/Urumqi" {
		t.Errorf("the migration told another zone left the counts in %q", z)
	}
}

// TestSubsidyCommand writes a month's 以案定补 of two archived cases: an
// oral agreement at a grid (简易, 80 yuan on the configured schedule) and a
// written one the town mediated (疑难复杂, 300 by default); as a table, as
// CSV and as a workbook read back.
func TestSubsidyCommand(t *testing.T) {
	dsn := newDatabase(t)
	config := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(config, []byte(`{"subsidy":{"amounts":{"simple":80}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, dsn, "", "import", "--config", config, "../../testdata/import/subsidy.jsonl"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, dsn, "", "subsidy", "--month", "2026-10", "--unit", "T")
	if err != nil || !strings.Contains(out, "测试镇 2026-10 以案定补") || !regexp.MustCompile(`合计\s+2\s+1\s+0\s+1\s+0\s+380`).MatchString(out) {
		t.Errorf("table: %v\n%s", err, out)
	}
	out, _, err = run(t, dsn, "", "subsidy", "--month", "2026-10", "--unit", "T", "--format", "csv")
	for _, want := range []string{"甲村人民调解委员会,1,1,0,0,0,80", "测试镇人民调解委员会,1,0,0,1,0,300",
		"测调〔2026〕0001号,甲村第1网格调解员,简易,2026-10-09,80,,0,80", "测调〔2026〕0002号,测试镇调解员,疑难复杂,2026-10-16,300,,0,300"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("csv lacks %q: %v\n%s", want, err, out)
		}
	}
	path := filepath.Join(t.TempDir(), "s.xlsx")
	if _, _, err := run(t, dsn, "", "subsidy", "--quarter", "2026Q4", "--unit", "T", "--format", "xlsx", "--out", path); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows, err := f.GetRows("按调解员"); err != nil || len(rows) != 5 || strings.Join(rows[4], ",") != "合计,,2,1,0,1,0,380" {
		t.Errorf("the workbook: %q %v", rows, err)
	}
	for _, args := range [][]string{{"--month", "2026-13"}, {"--format", "pdf"}, {"--unit", "NOPE"}, {"--format", "xlsx"},
		{"--month", "2026-10", "--year", "2026"}} {
		if _, _, err := run(t, dsn, "", append([]string{"subsidy"}, args...)...); err == nil {
			t.Errorf("subsidy %v succeeded", args)
		}
	}
}

func TestReportCommand(t *testing.T) {
	dsn := newDatabase(t)
	if _, _, err := run(t, dsn, "", "import", "../../testdata/import/month.jsonl"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, dsn, "", "report", "--month", "2026-10", "--unit", "T", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("../../testdata/report/2026-10.json")
	if out != string(want) {
		t.Errorf("report --format json differs from testdata/report/2026-10.json:\n%s", out)
	}
	out, _, err = run(t, dsn, "", "report", "--month", "2026-10", "--unit", "T")
	if err != nil || !strings.Contains(out, "调解成功率(%)") || !strings.Contains(out, "60") {
		t.Errorf("table: %v\n%s", err, out)
	}
	path := filepath.Join(t.TempDir(), "r.xlsx")
	if _, _, err := run(t, dsn, "", "report", "--month", "2026-10", "--unit", "T", "--format", "xlsx", "--out", path); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() < 1000 {
		t.Errorf("xlsx: %v", err)
	}
	for _, args := range [][]string{{"--month", "2026-13"}, {"--format", "pdf"}, {"--unit", "NOPE"}, {"--format", "xlsx"}} {
		if _, _, err := run(t, dsn, "", append([]string{"report"}, args...)...); err == nil {
			t.Errorf("report %v succeeded", args)
		}
	}
}

// TestMetricsAddress: serve --metrics-addr serves the metrics on that
// address, and says where.
func TestMetricsAddress(t *testing.T) {
	dsn := newDatabase(t)
	if _, _, err := run(t, dsn, "", "demo", "--cases", "20"); err != nil {
		t.Fatal(err)
	}
	base, errb := serve(t, dsn, "--metrics-addr", "127.0.0.1:0")
	page(t, base+"/login")
	at := regexp.MustCompile(`指标：(http://\S+/metrics)`).FindStringSubmatch(errb.String())
	if at == nil {
		t.Fatalf("serve did not say where the metrics are:\n%s", errb.String())
	}
	if body := page(t, at[1]); !strings.Contains(body, `mediation_http_request_duration_seconds_count{method="GET",route="/login",status="200"} 1`) {
		t.Errorf("the metrics lack the login page's request:\n%.2000s", body)
	}
}

// TestServeWithoutJobs: a restored copy served with --no-jobs escalates
// and flags nothing, though some of its cases are overdue; served without
// it, the same database is escalated at once.
func TestServeWithoutJobs(t *testing.T) {
	if storetest.PostgresDSN() != "" {
		t.Skip("the copy is a SQLite file")
	}
	dsn := newDatabase(t)
	// The demo's year leaves cases overdue now.
	if _, _, err := run(t, dsn, "", "demo", "--cases", "60"); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "restored.db")
	if _, _, err := run(t, dsn, "", "backup", copyPath); err != nil {
		t.Fatal(err)
	}
	// Nobody acts on the cases here: every step the servers write is the
	// scheduler's (an escalation or a 超期提醒).
	steps := func(path string) int {
		db, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM case_events").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := steps(copyPath)
	base, errb := serve(t, "file:"+copyPath, "--no-jobs")
	page(t, base+"/healthz")
	time.Sleep(500 * time.Millisecond)
	if n := steps(copyPath); n != before {
		t.Errorf("serve --no-jobs wrote %d steps", n-before)
	}
	if !strings.Contains(errb.String(), "未运行期限调度和对外推送（--no-jobs）：不会自动上报、提醒或发送通知。") {
		t.Errorf("the log does not say the jobs are off:\n%s", errb.String())
	}
	base, _ = serve(t, dsn)
	page(t, base+"/healthz")
	for deadline := time.Now().Add(20 * time.Second); steps(strings.TrimPrefix(dsn, "file:")) == before && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if steps(strings.TrimPrefix(dsn, "file:")) == before {
		t.Error("serve with its jobs escalated nothing either: the test shows nothing")
	}
}

// lockedBuffer is a log the server writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestJSONLog: serve --log-format json writes one JSON object a line: the
// start with the version and the schema, and each request with its id
// (the one its answer carries) and the client's address.
func TestJSONLog(t *testing.T) {
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	dsn := newDatabase(t)
	var log lockedBuffer
	base, _ := serveLogging(t, dsn, &log, "--no-jobs", "--log-format", "json", "--log-level", "info")
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("X-Request-ID")
	// The request's line is written once its answer has gone.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(log.String(), `"path":"/healthz"`) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	var started, requested bool
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line that is not JSON: %q", line)
		}
		switch rec["msg"] {
		case "starting":
			started = rec["version"] == version && rec["schema"] == float64(store.SchemaVersion())
		case "request":
			requested = requested || (rec["path"] == "/healthz" && rec["id"] == id && id != "" && rec["addr"] == "127.0.0.1")
		}
	}
	if !started || !requested {
		t.Errorf("the log lacks the start (%v) or the request with its id %q and address (%v):\n%s", started, id, requested, log.String())
	}
	if _, _, err := run(t, dsn, "", "serve", "--log-format", "xml"); err == nil || err.Error() != "--log-format 须为 text 或 json，不是“xml”" {
		t.Errorf("a wrong format: %v", err)
	}
}

// TestSetupLinkNotLogged: a server whose standard error is a log (not a
// terminal) does not print the one-time setup link there; setup-link
// prints one to the operator's terminal, and a second one spends the
// first.
func TestSetupLinkNotLogged(t *testing.T) {
	dsn := newDatabase(t)
	base, errb := serve(t, dsn, "--no-jobs")
	if log := errb.String(); strings.Contains(log, "token=") || !strings.Contains(log, "这是一个新的数据库：请在终端运行 mediation setup-link 取得一次性设置链接（链接不写入日志）。") {
		t.Errorf("the log:\n%s", log)
	}
	link := regexp.MustCompile(`^http://localhost:8080(/setup\?token=[a-z0-9]+)\n一小时内有效，只能用一次；再次运行本命令会使这个链接失效。\n$`)
	out, _, err := run(t, dsn, "", "setup-link")
	first := link.FindStringSubmatch(out)
	if err != nil || first == nil {
		t.Fatalf("setup-link: %q %v", out, err)
	}
	status := func(path string) int {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := status(first[1]); code != http.StatusOK {
		t.Errorf("the printed link: %d", code)
	}
	out, _, _ = run(t, dsn, "", "setup-link")
	second := link.FindStringSubmatch(out)
	if second == nil || status(first[1]) != http.StatusNotFound || status(second[1]) != http.StatusOK {
		t.Errorf("a second link does not spend the first: %q", out)
	}
}

// TestRestoreDrill is the README's restore procedure for SQLite, under
// writes: while a partner's platform sends disputes in through the API of
// a running server, a backup is taken; every dispute acknowledged (201)
// before the backup began is in it, and every case in it is whole (its
// parties and first step). Put in place of the database and served with
// --no-jobs, the copy opens without migrating and answers /readyz.
func TestRestoreDrill(t *testing.T) {
	if storetest.PostgresDSN() != "" {
		t.Skip("the copy is a SQLite file; PostgreSQL's drill uses pg_dump (README)")
	}
	dsn := townDatabase(t)
	out, _, err := run(t, dsn, "", "token", "create", "--unit", "YCG-PCS", "--name", "警务平台")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	base, _ := serve(t, dsn, "--no-jobs")

	var (
		mu    sync.Mutex
		acked []string // the external ids answered 201, in order
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("JQ-%d-%05d", w, i)
				body := fmt.Sprintf(`{"external_id":%q,"category":"邻里","summary":"邻里之间因噪音发生口角。","parties":[{"side":"applicant","name":"朱丽"},{"side":"respondent","name":"钱军"}]}`, id)
				req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/referrals", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Errorf("send %s: %v", id, err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("send %s: %d", id, resp.StatusCode)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		})
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	for deadline := time.Now().Add(30 * time.Second); count() < 100 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := slices.Clone(acked)
	mu.Unlock()
	copyPath := filepath.Join(t.TempDir(), "nightly.db")
	if _, _, err := run(t, dsn, "", "backup", copyPath); err != nil {
		t.Fatal(err)
	}
	during := count() - len(before)
	for deadline := time.Now().Add(5 * time.Second); count() < len(before)+during+20 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if len(before) < 100 {
		t.Fatalf("only %d disputes acknowledged before the backup", len(before))
	}

	restored := filepath.Join(t.TempDir(), "mediation.db")
	data, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(restored, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", restored)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	held := map[string]bool{}
	rows, err := db.Query("SELECT external_id FROM cases WHERE external_id IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		held[id] = true
	}
	rows.Close()
	missing := 0
	for _, id := range before {
		if !held[id] {
			missing++
		}
	}
	var broken int
	if err := db.QueryRow(`SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM parties p WHERE p.case_id = c.id)
		OR NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)`).Scan(&broken); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d disputes acknowledged before the backup, %d while it ran, %d in all; the copy holds %d of them", len(before), during, count(), len(held))
	if missing > 0 || broken > 0 {
		t.Errorf("the copy lacks %d acknowledged disputes and holds %d cases without parties or steps", missing, broken)
	}
	if len(held) > count() {
		t.Errorf("the copy holds %d disputes, more than the %d acknowledged", len(held), count())
	}
	base, _ = serve(t, "file:"+restored, "--no-jobs")
	page(t, base+"/readyz")
}

// TestImportIntoRunningServer: a ledger of overdue history imported into a
// server whose scheduler runs every second, with a webhook configured,
// escalates nothing, flags nothing and sends nothing.
func TestImportIntoRunningServer(t *testing.T) {
	dsn := townDatabase(t)
	if _, _, err := run(t, dsn, "一个足够长的密码\n", "user", "add", "--name", "zhuren", "--role", "supervisor", "--unit", "YCG"); err != nil {
		t.Fatal(err)
	}
	var posts sync.WaitGroup
	var sent atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		defer posts.Done()
		sent.Add(1)
	}))
	t.Cleanup(hook.Close)
	config := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(config, fmt.Appendf(nil, `{"sweep_interval":"1s","notify":{"webhook":%q,"interval":"1s"}}`, hook.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errb := serve(t, dsn, "--config", config, "--metrics-addr", "127.0.0.1:0")
	at := regexp.MustCompile(`指标：(http://\S+/metrics)`).FindStringSubmatch(errb.String())
	if at == nil {
		t.Fatalf("serve did not say where the metrics are:\n%s", errb.String())
	}
	passes := func() int {
		m := regexp.MustCompile(`(?m)^mediation_scheduler_passes_total (\d+)`).FindStringSubmatch(page(t, at[1]))
		if m == nil {
			t.Fatal("no count of the scheduler's passes")
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}

	// Registered thirty days ago, taken by the grid the next day and never
	// settled: every deadline it had passed long before the import.
	now := time.Now()
	ledger := filepath.Join(t.TempDir(), "history.jsonl")
	line := fmt.Sprintf(`{"type":"case","source":"当事人申请","category":"邻里","location":"YCG-LH-01","opened_at":%q,"people":2,"risk":"green","summary":"两户因院墙滴水发生争执。","parties":[{"side":"applicant","name":"丙"},{"side":"respondent","name":"丁"}],"events":[{"event":"accept_grid","at":%q,"unit":"YCG-LH-01"}]}`+"\n",
		now.Add(-30*24*time.Hour).Format(time.RFC3339), now.Add(-29*24*time.Hour).Format(time.RFC3339))
	if err := os.WriteFile(ledger, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, dsn, "", "import", ledger); err != nil || !strings.Contains(out, "案件 1 件") {
		t.Fatalf("import: %s %v", out, err)
	}
	for from, deadline := passes(), time.Now().Add(30*time.Second); passes() < from+3 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	body := page(t, at[1])
	for _, want := range []string{"mediation_scheduler_escalations_total 0", "mediation_scheduler_flagged_total 0", "mediation_notification_backlog 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("the metrics lack %q", want)
		}
	}
	posts.Wait()
	if n := sent.Load(); n != 0 {
		t.Errorf("the webhook was sent %d notifications", n)
	}
}
