package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDeployKit lints deploy/ against the program, as no container can be
// built where the tests run: every command the kit runs is one of the
// program's, with flags it has; every MEDIATION_ variable it sets is one
// the program reads; the container builds the way the Makefile does (cgo,
// the fts5 tag) with the Go of go.mod, and runs as a user of its own.
func TestDeployKit(t *testing.T) {
	files, err := filepath.Glob("../../deploy/*")
	if err != nil || len(files) < 4 {
		t.Fatalf("deploy/: %v %v", files, err)
	}
	kit := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		kit[filepath.Base(f)] = string(b)
	}

	// usage returns the flags a command's -h lists, and the environment
	// variables it read.
	asked := map[string]bool{}
	usage := func(args ...string) string {
		var errb bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &errb, Stderr: &errb,
			Getenv: func(k string) string { asked[k] = true; return "" }}
		err := m.Run(context.Background(), append(args, "-h"))
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("mediation %s -h: %v", strings.Join(args, " "), err)
		}
		return errb.String()
	}

	// The commands the kit runs: in a shell line or ExecStart, and in the
	// compose file's command arrays.
	var commands [][]string
	for name, text := range kit {
		for _, m := range regexp.MustCompile(`(?m)(?:^|[\s/])mediation ([a-z][a-z-]*(?: [^\n]*)?)$`).FindAllStringSubmatch(text, -1) {
			commands = append(commands, append([]string{name}, strings.Fields(m[1])...))
		}
		for _, m := range regexp.MustCompile(`command: \[([^\]]*)\]`).FindAllStringSubmatch(text, -1) {
			words := []string{name}
			for _, w := range strings.Split(m[1], ",") {
				words = append(words, strings.Trim(strings.TrimSpace(w), `"`))
			}
			commands = append(commands, words)
		}
	}
	if len(commands) < 6 {
		t.Fatalf("only %d commands found in the kit: %v", len(commands), commands)
	}
	for _, c := range commands {
		file, sub := c[0], c[1]
		if sub == "build" || sub == "run" {
			continue // podman's own words in the Containerfile's comment
		}
		listed := usage(sub)
		for _, w := range c[2:] {
			if name, ok := strings.CutPrefix(w, "--"); ok {
				name, _, _ = strings.Cut(name, "=")
				if !strings.Contains(listed, "  -"+name+" ") && !strings.Contains(listed, "  -"+name+"\n") {
					t.Errorf("%s: mediation %s has no flag --%s", file, sub, name)
				}
			}
		}
	}

	// The variables the kit sets, bar the compose file's own secret, are
	// the program's.
	usage("serve")
	usage("setup-link")
	for name, text := range kit {
		for _, v := range regexp.MustCompile(`MEDIATION_[A-Z_]+`).FindAllString(text, -1) {
			if v != "MEDIATION_DB_PASSWORD" && !asked[v] {
				t.Errorf("%s sets %s, which the program does not read", name, v)
			}
		}
	}

	// The container: the Go of go.mod, cgo, the fts5 tag, a user of its own.
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(mod))
	cf := kit["Containerfile"]
	from := regexp.MustCompile(`(?m)^FROM \S*golang:(\d+\.\d+)`).FindStringSubmatch(cf)
	if goVersion == nil || from == nil || from[1] != goVersion[1] {
		t.Errorf("the container builds with Go %v, go.mod asks for %v", from, goVersion)
	}
	build := regexp.MustCompile(`(?m)^RUN .*go build.*$`).FindString(cf)
	for _, want := range []string{"CGO_ENABLED=1", "-tags sqlite_fts5", "./cmd/mediation"} {
		if !strings.Contains(build, want) {
			t.Errorf("the container's build %q lacks %s", build, want)
		}
	}
	users := regexp.MustCompile(`(?m)^USER (\S+)`).FindAllStringSubmatch(cf, -1)
	if len(users) == 0 || slices.Contains([]string{"root", "0"}, users[len(users)-1][1]) {
		t.Errorf("the container runs as %v", users)
	}
	for _, want := range []string{"NoNewPrivileges=yes", "StateDirectory=mediation", "User=mediation", "--secure-cookies"} {
		if !strings.Contains(kit["mediation.service"], want) {
			t.Errorf("the systemd unit lacks %s", want)
		}
	}
}
