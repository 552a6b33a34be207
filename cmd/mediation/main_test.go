package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/store/storetest"
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

func TestImportCommand(t *testing.T) {
	dsn := storetest.DSN(t)
	out, _, err := run(t, dsn, "", "import", "--dry-run", "../../testdata/import/town.jsonl")
	if err != nil || !strings.Contains(out, "案件 7 件") || !strings.Contains(out, "未写入") {
		t.Fatalf("dry run: %s %v", out, err)
	}
	out, _, err = run(t, dsn, "", "import", "../../testdata/import/town.jsonl")
	if err != nil || !strings.Contains(out, "单位 6 个、案件 7 件（事件 15 个）") {
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
	dsn := storetest.DSN(t)
	if _, _, err := run(t, dsn, "", "import", "../../testdata/import/town.jsonl"); err != nil {
		t.Fatal(err)
	}
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
	if err != nil || !strings.Contains(out, "lisi") || !strings.Contains(out, "油车港镇 / 麟湖村") {
		t.Fatalf("list: %s %v", out, err)
	}
}

func TestWorkflowCommand(t *testing.T) {
	out, _, err := run(t, "", "", "workflow")
	want, _ := os.ReadFile("../../testdata/workflow.mmd")
	if err != nil || out != string(want) {
		t.Fatalf("workflow printed %q, %v", out, err)
	}
}

// TestServeDemo runs the whole program as `serve --demo` does on an empty
// database and fetches its pages.
func TestServeDemo(t *testing.T) {
	dsn := storetest.DSN(t)
	if _, _, err := run(t, dsn, "", "demo", "--cases", "60"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	var errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb, Ready: func(a net.Addr) { addr <- a },
		Getenv: func(string) string { return "" }}
	go func() { done <- m.Run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--demo"}) }()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, errb.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	for path, want := range map[string]string{"/healthz": "ok", "/login": "演示账号"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	if !strings.Contains(errb.String(), "jiedai") {
		t.Errorf("serve --demo on a demo database did not print the accounts:\n%s", errb.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

func TestBackupCommand(t *testing.T) {
	if storetest.PostgresDSN() != "" {
		t.Skip("backup copies SQLite files")
	}
	dsn := storetest.DSN(t)
	if _, _, err := run(t, dsn, "", "import", "../../testdata/import/town.jsonl"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.db")
	if _, _, err := run(t, dsn, "", "backup", path); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "file:"+path, "", "import", "--dry-run", "../../testdata/import/town.jsonl")
	if err != nil || !strings.Contains(out, "跳过的案件 7 件") {
		t.Fatalf("the backup lacks the cases: %s %v", out, err)
	}
}
