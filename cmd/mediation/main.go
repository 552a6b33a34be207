// Command mediation runs the three-tier dispute mediation system: the web
// server, the demo town, imports, accounts and the workflow diagram. It only
// wires the packages together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // The towns' time zone must load on machines without zoneinfo.

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/store"
)

// version is set at build time by the Makefile.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Log: os.Stderr, Getenv: os.Getenv}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "错误："+message(err))
		}
		os.Exit(1)
	}
}

// message is what the command line says of an error: the engine's message
// for domain errors, the error itself otherwise (the operator needs it).
func message(err error) string {
	if engine.ErrorCode(err) != engine.EINTERNAL {
		return engine.ErrorMessage(err)
	}
	return err.Error()
}

// Main is the program, with its standard streams and environment as fields so
// that a test can run it whole.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Log receives serve's log, as --log-format and --log-level say; nil
	// leaves the process's logger as it is.
	Log    io.Writer
	Getenv func(string) string
	// Ready, when set, is told the address the server listens on.
	Ready func(net.Addr)
}

const usage = `用法：mediation <命令> [选项]

命令：
  serve     启动网页服务（--addr :8080；--init 新建数据库；--migrate 升级数据库结构；--no-jobs 不运行期限调度和推送；--demo 在空数据库上先载入演示镇）
  demo      在空数据库上载入演示镇 油车港镇
  migrate   新建数据库，或升级数据库结构
  setup-link 打印一次性设置链接（新数据库创建第一个单位和系统管理员；只打印到终端，不写日志）
  import    导入单位和案件历史（JSON Lines；--dry-run 只检查不写入）
  user      管理账号：user add | user list | user passwd NAME
  token     联动单位的接口令牌：token create --unit CODE --name NAME | token list | token revoke ID
  report    月报：report --month 2026-10 --unit CODE --format table|csv|xlsx|json [--out FILE]
  subsidy   以案定补：subsidy --month 2026-10|--quarter 2026Q4|--year 2026 --unit CODE --format table|csv|xlsx [--out FILE]
  workflow  打印流程状态图（Mermaid）
  backup    在服务运行时备份 SQLite 数据库到文件
  deadlines deadlines run [--now RFC3339]：检查一次期限（超期上报、提醒督办）
  version   打印版本和数据库结构版本

每个命令都接受 --db（或环境变量 MEDIATION_DB）：
  SQLite 文件（默认 file:data/mediation.db）或 postgres://… 连接串；
以及 --config（或 MEDIATION_CONFIG）：JSON 配置文件，见 README。
`

// Run runs one command.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return m.serve(ctx, rest)
	case "demo":
		return m.demo(ctx, rest)
	case "migrate":
		return m.migrate(ctx, rest)
	case "import":
		return m.importFile(ctx, rest)
	case "user":
		return m.user(ctx, rest)
	case "token":
		return m.token(ctx, rest)
	case "workflow":
		return m.workflow(rest)
	case "backup":
		return m.backup(ctx, rest)
	case "setup-link":
		return m.setupLink(ctx, rest)
	case "deadlines":
		return m.deadlines(ctx, rest)
	case "report":
		return m.report(ctx, rest)
	case "subsidy":
		return m.subsidy(ctx, rest)
	case "version":
		fmt.Fprintf(m.Stdout, "mediation %s（数据库结构版本 %d）\n", version, store.SchemaVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprint(m.Stderr, usage)
	return fmt.Errorf("未知命令“%s”", cmd)
}

// options are the flags every command shares, and what the command may do
// to the database it opens: only migrate, demo and serve told so create a
// database or bring its schema up to date.
type options struct {
	dsn    string
	config string
	store  store.Options
}

// flags returns a flag set with the flags every command shares.
func (m *Main) flags(name string) (*flag.FlagSet, *options) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	o := &options{}
	fs.StringVar(&o.dsn, "db", envOr(m.Getenv("MEDIATION_DB"), store.DefaultDSN), "数据库：SQLite 文件（file:路径）或 postgres:// 连接串")
	fs.StringVar(&o.config, "config", m.Getenv("MEDIATION_CONFIG"), "配置文件（JSON：各镇期限、工作日日历、分流阈值）")
	return fs, o
}

// open reads the configuration, opens the store and builds the engine on it.
func (m *Main) open(ctx context.Context, o *options) (*store.DB, *engine.Engine, *Config, error) {
	cfg, err := loadConfig(o.config)
	if err != nil {
		return nil, nil, nil, err
	}
	// The store keeps the reports' months in the engine's time zone.
	if o.store.Zone, err = cfg.location(); err != nil {
		return nil, nil, nil, err
	}
	db, err := store.OpenWith(ctx, o.dsn, o.store)
	if err != nil {
		return nil, nil, nil, err
	}
	if n := cfg.DBPoolSize; n != 0 {
		if n < 1 || n > 1000 {
			db.Close()
			return nil, nil, nil, fmt.Errorf("配置项 db_pool_size 须在1到1000之间")
		}
		db.SetPoolSize(n)
	}
	e := engine.New(db)
	if err := cfg.configure(e); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	// What the administrator saved on the console goes over the file.
	if err := account.New(e, db).ApplyConsoleSettings(ctx); err != nil {
		db.Close()
		return nil, nil, nil, fmt.Errorf("控制台保存的期限和清单无法应用（与配置文件冲突？）：%s", engine.ErrorMessage(err))
	}
	return db, e, cfg, nil
}
