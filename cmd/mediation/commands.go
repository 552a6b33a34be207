package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/apply"
	"github.com/grassroots/mediation/engine/demo"
	"github.com/grassroots/mediation/engine/export"
	"github.com/grassroots/mediation/engine/importer"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/notify"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/engine/schedule"
	"github.com/grassroots/mediation/engine/subsidy"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/web"
	"github.com/grassroots/mediation/workflow"
	"golang.org/x/term"
)

func (m *Main) serve(ctx context.Context, args []string) error {
	fs, o := m.flags("serve")
	addr := fs.String("addr", envOr(m.Getenv("MEDIATION_ADDR"), ":8080"), "监听地址")
	withDemo := fs.Bool("demo", false, "数据库为空时先载入演示镇")
	secure := fs.Bool("secure-cookies", false, "经 HTTPS 提供（直接或经代理）：Cookie 只经 HTTPS 发送并带 __Host- 前缀，并发送 HSTS")
	metricsAddr := fs.String("metrics-addr", m.Getenv("MEDIATION_METRICS_ADDR"), "指标（/metrics）的监听地址，如 127.0.0.1:9090；默认不开")
	profiles := fs.Bool("pprof", false, "在指标地址上同时提供性能剖析（/debug/pprof/）；仅供排查问题时临时打开")
	initDB := fs.Bool("init", false, "数据库不存在时新建（首次部署）")
	noJobs := fs.Bool("no-jobs", false, "不运行期限调度和对外推送（恢复备份后核对、预发环境、导入历史台账时用）")
	migrate := fs.Bool("migrate", false, "数据库结构较旧时先迁移（升级后首次启动；请先备份）")
	logFormat := fs.String("log-format", envOr(m.Getenv("MEDIATION_LOG_FORMAT"), "text"), "日志格式：text 或 json")
	logLevel := fs.String("log-level", envOr(m.Getenv("MEDIATION_LOG_LEVEL"), "info"), "日志级别：debug、info、warn 或 error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := m.setLogger(*logFormat, *logLevel); err != nil {
		return err
	}
	slog.Info("starting", "version", version, "schema", store.SchemaVersion(), "no_jobs", *noJobs)
	// A demo is made on a database of its own, new or not.
	o.store = store.Options{Create: *initDB || *withDemo, Migrate: *migrate || *initDB || *withDemo}
	db, e, cfg, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	every, err := cfg.interval()
	if err != nil {
		return err
	}
	if *withDemo {
		if err := m.loadDemo(ctx, e, db, 600, true); err != nil {
			return err
		}
	}
	lifetime, idle, err := cfg.sessions()
	if err != nil {
		return err
	}
	proxies, err := cfg.proxies()
	if err != nil {
		return err
	}
	if on, _ := account.New(e, db).DemoUsers(ctx); len(on) > 0 && !*withDemo {
		fmt.Fprintln(m.Stderr, "注意：这个数据库装有演示数据，演示账号的密码是公开的：正式使用前请为这些账号设置新密码（mediation user passwd）或换用新的数据库。")
	}
	var metrics *web.Metrics
	if *metricsAddr != "" {
		metrics = web.NewMetrics(e, db)
		ln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fmt.Errorf("指标的监听地址 %s：%w", *metricsAddr, err)
		}
		msrv := &http.Server{Handler: metrics.Handler(*profiles), ReadHeaderTimeout: 10 * time.Second}
		go msrv.Serve(ln)
		defer msrv.Close()
		fmt.Fprintf(m.Stderr, "指标：http://%s/metrics\n", displayAddr(ln.Addr()))
	}
	svc := web.NewServices(e, db)
	if svc.Ledger.Policy, err = cfg.ledgerPolicy(); err != nil {
		return err
	}
	srv, err := web.NewServer(svc, web.Options{Secure: *secure, SessionLifetime: lifetime, SessionIdle: idle, Demo: *withDemo,
		TrustedProxies: proxies, Metrics: metrics})
	if err != nil {
		return err
	}
	hook, deliverEvery, err := cfg.delivery()
	if err != nil {
		return err
	}
	sched, stop := context.WithCancel(ctx)
	var workers sync.WaitGroup
	scheduler := schedule.New(e, db)
	if metrics != nil {
		scheduler.Observer = metrics
	}
	workers.Go(func() { e.RunAuditWriter(sched, time.Second) })
	if *noJobs {
		// A restored copy or a staging server must not escalate the
		// cases it holds, nor text their parties.
		fmt.Fprintln(m.Stderr, "未运行期限调度和对外推送（--no-jobs）：不会自动上报、提醒或发送通知。")
	} else {
		workers.Go(func() { scheduler.Run(sched, every) })
		workers.Go(func() { notify.New(e, db).RunDeliveries(sched, hook.Send, deliverEvery) })
	}
	// What an administrator saves on the console on another server
	// reaches this one within consoleEvery.
	workers.Go(func() { account.New(e, db).WatchConsoleSettings(sched, consoleEvery) })
	defer func() {
		stop()
		workers.Wait()
	}()
	// A database without accounts is set up from a one-time link.
	// The link is a secret: it goes to a terminal, never into a log
	// (standard error under a service manager is one).
	setup := ""
	if m.terminal() {
		if setup, err = account.New(e, db).SetupToken(ctx); err != nil {
			return err
		}
	} else if users, err := db.Users(ctx, nil); err != nil {
		return err
	} else if len(users) == 0 {
		fmt.Fprintln(m.Stderr, "这是一个新的数据库：请在终端运行 mediation setup-link 取得一次性设置链接（链接不写入日志）。")
	}
	return srv.ListenAndServe(ctx, *addr, func(a net.Addr) {
		fmt.Fprintf(m.Stderr, "调解系统已启动：http://%s\n", displayAddr(a))
		if setup != "" {
			fmt.Fprintf(m.Stderr, "这是一个新的数据库：请在一小时内打开 http://%s/setup?token=%s 创建第一个单位和系统管理员（链接只能用一次）。\n",
				displayAddr(a), setup)
		}
		if m.Ready != nil {
			m.Ready(a)
		}
	})
}

// terminal reports whether standard error is a person's terminal rather
// than a log.
func (m *Main) terminal() bool {
	f, ok := m.Stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// setupLink prints a new one-time setup link for a database without
// accounts, replacing any earlier one, to standard output: the operator
// runs it in a terminal, and the link is in no log.
func (m *Main) setupLink(ctx context.Context, args []string) error {
	fs, o := m.flags("setup-link")
	base := fs.String("base", envOr(m.Getenv("MEDIATION_BASE_URL"), "http://localhost:8080"), "网站地址，如 https://tiaojie.example.gov.cn")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, e, _, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	token, err := account.New(e, db).SetupToken(ctx)
	if err != nil {
		return err
	}
	if token == "" {
		return fmt.Errorf("这个数据库已经设置过（已有账号），请登录；账号用 mediation user 管理")
	}
	fmt.Fprintf(m.Stdout, "%s/setup?token=%s\n一小时内有效，只能用一次；再次运行本命令会使这个链接失效。\n", strings.TrimRight(*base, "/"), token)
	return nil
}

// setLogger points the process's log at m.Log in the format and from the
// level given.
func (m *Main) setLogger(format, level string) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("--log-level 须为 debug、info、warn 或 error，不是“%s”", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	switch format {
	case "text":
		h = slog.NewTextHandler(m.Log, opts)
	case "json":
		h = slog.NewJSONHandler(m.Log, opts)
	default:
		return fmt.Errorf("--log-format 须为 text 或 json，不是“%s”", format)
	}
	if m.Log != nil {
		slog.SetDefault(slog.New(h))
	}
	return nil
}

// consoleEvery is how often a server reads the console's settings again.
const consoleEvery = 30 * time.Second

// displayAddr turns a wildcard listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func envOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (m *Main) demo(ctx context.Context, args []string) error {
	fs, o := m.flags("demo")
	n := fs.Int("cases", 600, "一年的案件数")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.store = store.Options{Create: true, Migrate: true}
	db, e, _, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	return m.loadDemo(ctx, e, db, *n, false)
}

// loadDemo builds the demo town; ifEmpty makes an existing town no error.
func (m *Main) loadDemo(ctx context.Context, e *engine.Engine, db *store.DB, n int, ifEmpty bool) error {
	t, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	if len(t.Units()) > 0 {
		if ifEmpty {
			if on, err := account.New(e, db).DemoUsers(ctx); err == nil && len(on) > 0 {
				m.printAccounts()
			}
			return nil
		}
		return engine.Errorf(engine.ECONFLICT, "数据库中已有单位，演示数据只能载入空数据库。")
	}
	p := m.progress("载入演示案件", n, "件")
	res, err := demo.Build(ctx, e, demo.Rooms{Ledger: ledger.New(e, db), Registry: registry.New(e, db), Parties: apply.New(e, db)}, n, uint64(time.Now().UnixNano()), func(done, _ int) { p(done) })
	p(-1)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "演示镇“油车港镇”已载入：%d 件案件，%d 个办理事件。\n", res.Cases, res.Events)
	m.printAccounts()
	return nil
}

func (m *Main) printAccounts() {
	fmt.Fprintf(m.Stderr, "演示账号（密码均为 %s）：\n", demo.Password)
	for _, a := range demo.Accounts {
		fmt.Fprintf(m.Stderr, "  %-9s %s · %s\n", a.Name, a.Role.Label(), a.Unit)
	}
}

// progress returns a function that shows work done on the terminal: call it
// with the count done, and with -1 at the end. It prints nothing when stderr
// is not a terminal.
func (m *Main) progress(what string, total int, unit string) func(done int) {
	f, ok := m.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(int) {}
	}
	start, last, lastDone := time.Now(), time.Time{}, 0
	return func(done int) {
		end := done < 0
		if end {
			done = lastDone
		}
		lastDone = done
		if !end && time.Since(last) < 200*time.Millisecond && done != total {
			return
		}
		last = time.Now()
		rate := float64(done) / max(time.Since(start).Seconds(), 0.001)
		fmt.Fprintf(m.Stderr, "\r%s：%d/%d %s（%.0f %s/秒）", what, done, total, unit, rate, unit)
		if end {
			fmt.Fprintln(m.Stderr)
		}
	}
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	fs, o := m.flags("migrate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.store = store.Options{Create: true, Migrate: true}
	db, _, _, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	names, err := db.Migrations(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "数据库结构已是最新（%d 个迁移）：%s\n", len(names), strings.Join(names, ", "))
	return nil
}

func (m *Main) importFile(ctx context.Context, args []string) error {
	fs, o := m.flags("import")
	dry := fs.Bool("dry-run", false, "只检查，不写入")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("用法：mediation import [--dry-run] FILE.jsonl")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("读取 %s：%w", fs.Arg(0), err)
	}
	total := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		total++
	}
	db, e, _, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	p := m.progress("导入", total, "行")
	res, err := importer.New(e, db).Import(ctx, bytes.NewReader(data), importer.ImportOptions{DryRun: *dry, Progress: p})
	p(-1)
	if err != nil {
		return err
	}
	for _, le := range res.Errors {
		fmt.Fprintln(m.Stderr, le.Error())
	}
	verb := "导入"
	if *dry {
		verb = "检查通过（未写入）"
	}
	fmt.Fprintf(m.Stdout, "%d 行：%s单位 %d 个、调解组织和调解员 %d 条、案件 %d 件（事件 %d 个）；已导入过而跳过的案件 %d 件；出错 %d 行。\n",
		res.Lines, verb, res.Units, res.Registry, res.Cases, res.Events, res.Skipped, len(res.Errors))
	if len(res.Errors) > 0 {
		return fmt.Errorf("%d 行未能导入，见上", len(res.Errors))
	}
	return nil
}

func (m *Main) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("用法：mediation user add|list|passwd|disable|enable")
	}
	fs, o := m.flags("user " + args[0])
	name := fs.String("name", "", "用户名（登录名）")
	display := fs.String("display", "", "显示的姓名")
	role := fs.String("role", "", "角色：intake|mediator|supervisor|admin|partner")
	unit := fs.String("unit", "", "所属单位编码")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, e, _, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "add":
		t, err := e.Tree(ctx)
		if err != nil {
			return err
		}
		u := t.ByCode(*unit)
		if u == nil {
			return engine.Invalid("unit", "单位“%s”不存在（用 --unit 指定单位编码；单位由 import 导入）。", *unit)
		}
		pw, err := m.readPassword()
		if err != nil {
			return err
		}
		nu := &engine.User{Name: *name, DisplayName: *display, Role: workflow.Role(*role), UnitID: u.ID}
		if err := e.CreateUser(ctx, nu, pw); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "已创建账号 %s（%s · %s）。\n", nu.Name, nu.Role.Label(), u.Name)
	case "list":
		t, err := e.Tree(ctx)
		if err != nil {
			return err
		}
		users, err := db.Users(ctx, nil)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "用户名\t姓名\t角色\t单位\t状态")
		for _, u := range users {
			state := "在用"
			if u.DisabledAt != nil {
				state = "已停用"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.DisplayName, u.Role.Label(), t.Path(u.UnitID), state)
		}
		return w.Flush()
	case "passwd":
		target := *name
		if target == "" && fs.NArg() == 1 {
			target = fs.Arg(0)
		}
		if target == "" {
			return errors.New("用法：mediation user passwd NAME")
		}
		pw, err := m.readPassword()
		if err != nil {
			return err
		}
		if err := account.New(e, db).ChangePassword(ctx, target, pw); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "已修改 %s 的密码。\n", target)
	case "disable", "enable":
		target := *name
		if target == "" && fs.NArg() == 1 {
			target = fs.Arg(0)
		}
		if target == "" {
			return fmt.Errorf("用法：mediation user %s NAME", args[0])
		}
		if err := account.New(e, db).SetDisabled(ctx, target, args[0] == "disable"); err != nil {
			return err
		}
		if args[0] == "disable" {
			fmt.Fprintf(m.Stdout, "已停用 %s，其所有登录均已结束。\n", target)
		} else {
			fmt.Fprintf(m.Stdout, "已恢复 %s。\n", target)
		}
	default:
		return fmt.Errorf("未知的子命令“user %s”", args[0])
	}
	return nil
}

// token makes, lists and revokes the API tokens of partner bodies.
func (m *Main) token(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("用法：mediation token create --unit CODE --name NAME | list | revoke ID")
	}
	fs, o := m.flags("token " + args[0])
	unit := fs.String("unit", "", "联动单位编码")
	name := fs.String("name", "", "令牌名称，如对接的系统名")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, e, _, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "create":
		tok, secret, err := account.New(e, db).CreateToken(ctx, engine.System, *unit, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "已为 %s 创建接口令牌 #%d（%s）。令牌只显示这一次，请妥善交给对方系统：\n%s\n", *unit, tok.ID, tok.Name, secret)
	case "list":
		t, err := e.Tree(ctx)
		if err != nil {
			return err
		}
		toks, err := account.New(e, db).Tokens(ctx, engine.System)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "编号\t名称\t单位\t创建\t最近使用\t状态")
		for _, tok := range toks {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", tok.ID, tok.Name, t.Unit(tok.UnitID).Name, m.day(e, &tok.CreatedAt),
				m.day(e, tok.LastUsedAt), map[bool]string{true: "已吊销", false: "有效"}[tok.RevokedAt != nil])
		}
		return w.Flush()
	case "revoke":
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || fs.NArg() != 1 {
			return errors.New("用法：mediation token revoke ID（编号见 mediation token list）")
		}
		if err := account.New(e, db).RevokeToken(ctx, engine.System, id); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "已吊销接口令牌 #%d。\n", id)
	default:
		return fmt.Errorf("未知的子命令“token %s”", args[0])
	}
	return nil
}

// day writes a time as its day in the towns' zone, "—" for none.
func (m *Main) day(e *engine.Engine, t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.In(e.Location).Format(time.DateOnly)
}

// readPassword reads a new password: twice, hidden, from a terminal, or as
// the first line of standard input otherwise. Never from a flag, which would
// leave it in the shell history and the process list.
func (m *Main) readPassword() (string, error) {
	if f, ok := m.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(m.Stderr, "新密码：")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(m.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(m.Stderr, "再输入一次：")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(m.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("两次输入的密码不一致")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("请从标准输入提供密码")
	}
	return pw, nil
}

func (m *Main) workflow(args []string) error {
	if len(args) > 0 {
		return errors.New("用法：mediation workflow")
	}
	fmt.Fprint(m.Stdout, workflow.Diagram())
	return nil
}

func (m *Main) backup(ctx context.Context, args []string) error {
	fs, o := m.flags("backup")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("用法：mediation backup FILE")
	}
	db, _, _, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已备份到 %s。\n", fs.Arg(0))
	return nil
}

func (m *Main) deadlines(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New("用法：mediation deadlines run [--now RFC3339]")
	}
	fs, o := m.flags("deadlines run")
	nowFlag := fs.String("now", "", "按这个时刻检查（RFC 3339，默认现在）")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var now time.Time
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("--now“%s”应为 RFC 3339 格式，如 2026-10-01T08:00:00+08:00", *nowFlag)
		}
		now = t
	}
	db, e, _, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	if now.IsZero() {
		now = e.Now()
	}
	res, err := schedule.New(e, db).RunDeadlines(ctx, now)
	fmt.Fprintf(m.Stdout, "期限检查（%s）：超期自动上报 %d 件，提醒督办 %d 件。\n", now.In(e.Location).Format("2006-01-02 15:04"), res.Escalated, res.Flagged)
	return err
}

// report writes a unit's report of a month, a quarter or a year.
func (m *Main) report(ctx context.Context, args []string) error {
	writers := map[string]func(io.Writer, *report.Report, engine.Lists) error{
		"table": export.Text, "csv": export.CSV, "xlsx": export.XLSX,
		"moj-csv": func(w io.Writer, r *report.Report, _ engine.Lists) error { return export.MOJCSV(w, r) },
		"json": func(w io.Writer, r *report.Report, _ engine.Lists) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(r)
		},
	}
	return m.sheet(ctx, "report", args, []string{"table", "csv", "xlsx", "json", "moj-csv"}, "（moj-csv：人民调解工作统计表）",
		func(w io.Writer, e *engine.Engine, db *store.DB, format, code, period string) error {
			r, err := report.New(e, db).Report(ctx, engine.System, code, period)
			if err != nil {
				return err
			}
			return writers[format](w, r, e.CurrentLists())
		})
}

// subsidy writes a unit's 以案定补 of a month, a quarter or a year: by
// mediator, by committee and case by case.
func (m *Main) subsidy(ctx context.Context, args []string) error {
	writers := map[string]func(io.Writer, *subsidy.Sheet) error{
		"table": export.SubsidyText, "csv": export.SubsidyCSV, "xlsx": export.SubsidyXLSX}
	return m.sheet(ctx, "subsidy", args, []string{"table", "csv", "xlsx"}, "",
		func(w io.Writer, e *engine.Engine, db *store.DB, format, code, period string) error {
			sh, err := subsidy.New(e, db).Sheet(ctx, engine.System, code, period)
			if err != nil {
				return err
			}
			return writers[format](w, sh)
		})
}

// sheet runs a command that writes a unit's period in one of formats (the
// first by default; note adds to the flag's help): it reads the flags,
// refuses a format not among them before opening the database, and writes
// what write makes (see periodSheet).
func (m *Main) sheet(ctx context.Context, name string, args []string, formats []string, note string,
	write func(w io.Writer, e *engine.Engine, db *store.DB, format, code, period string) error) error {
	listed := strings.Join(formats[:len(formats)-1], "、") + " 或 " + formats[len(formats)-1]
	fs, o := m.flags(name)
	p := periodFlags(fs, formats[0], "格式："+listed+note)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !slices.Contains(formats, *p.format) {
		return fmt.Errorf("--format 须为 %s，而不是“%s”", listed, *p.format)
	}
	return m.periodSheet(ctx, o, p, func(w io.Writer, e *engine.Engine, db *store.DB, code, period string) error {
		return write(w, e, db, *p.format, code, period)
	})
}

// sheetFlags are the flags of a command that writes a unit's period.
type sheetFlags struct {
	month, quarter, year, unit, format, out *string
}

// periodFlags declares the flags of a command that writes a unit's period,
// its format format by default, help naming the formats.
func periodFlags(fs *flag.FlagSet, format, help string) sheetFlags {
	return sheetFlags{
		month:   fs.String("month", "", "月份，如 2026-10（默认上月）"),
		quarter: fs.String("quarter", "", "季度，如 2026Q4"),
		year:    fs.String("year", "", "年份，如 2026"),
		unit:    fs.String("unit", "", "单位编码（默认最上级单位）"),
		format:  fs.String("format", format, help),
		out:     fs.String("out", "", "写入文件（默认标准输出；xlsx 必须指定）"),
	}
}

// periodSheet writes what write makes of the flags' unit (the top one by
// default) and period (last month by default) to their file, or to the
// standard output.
func (m *Main) periodSheet(ctx context.Context, o *options, f sheetFlags,
	write func(w io.Writer, e *engine.Engine, db *store.DB, code, period string) error) error {
	unit, out, format := *f.unit, *f.out, *f.format
	period := ""
	for _, p := range []string{*f.month, *f.quarter, *f.year} {
		if p != "" && period != "" {
			return errors.New("--month、--quarter 和 --year 只能选一个")
		}
		if p != "" {
			period = p
		}
	}
	if format == "xlsx" && out == "" {
		return errors.New("xlsx 格式请用 --out 指定文件")
	}
	db, e, _, err := m.open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	code := unit
	if code == "" {
		t, err := e.Tree(ctx)
		if err != nil {
			return err
		}
		if roots := t.Roots(); len(roots) > 0 {
			code = roots[0].Code
		}
	}
	if period == "" {
		period = e.Now().In(e.Location).AddDate(0, -1, 0).Format("2006-01")
	}
	// Made whole before anything is written: a failure leaves no file
	// half written.
	var buf bytes.Buffer
	if err := write(&buf, e, db, code, period); err != nil {
		return err
	}
	if out == "" {
		_, err := buf.WriteTo(m.Stdout)
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "已写入 %s。\n", out)
	return nil
}
