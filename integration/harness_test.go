// Package integration runs real programs under the built zvfs binary and
// compares them with native runs. Nothing here is mocked: the tests build
// cmd/zvfs, compile small C programs with gcc, and need vm.mmap_min_addr=0
// (or CAP_SYS_RAWIO). Under CI=true a missing prerequisite fails the test
// instead of skipping it.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zvfs/zvfs/internal/testenv"
	"github.com/zvfs/zvfs/supervisor"
)

var (
	zvfsBin string
	workDir string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zvfs-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	zvfsBin = filepath.Join(dir, "zvfs")
	build := exec.Command("go", "build", "-o", zvfsBin, "github.com/zvfs/zvfs/cmd/zvfs")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build zvfs: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func inCI() bool { return testenv.InCI() }

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	testenv.Missing(t, format, args...)
}

func requireHook(t testing.TB) {
	t.Helper()
	testenv.RequireHook(t)
}

// requireRoot is for tests that run programs as another user: CI runs as
// root and must not skip them.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("needs root, to run as another user")
	}
	t.Skip("needs root, to run as another user")
}

func need(t testing.TB, tools ...string) {
	t.Helper()
	testenv.Need(t, tools...)
}

var compiled sync.Map // source name → binary path

// cprog compiles testdata/NAME.c once per test binary run.
func cprog(t testing.TB, name string, flags ...string) string {
	t.Helper()
	need(t, "gcc")
	key := name + strings.Join(flags, " ")
	if p, ok := compiled.Load(key); ok {
		return p.(string)
	}
	src, err := filepath.Abs(filepath.Join("testdata", name+".c"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(workDir, fmt.Sprintf("%s-%d", name, len(key)))
	args := append([]string{"-O2", "-pthread", "-o", out, src}, flags...)
	if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, b)
	}
	compiled.Store(key, out)
	return out
}

type result struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

// run runs argv in dir with extra environment and a generous time limit.
func run(t testing.TB, dir string, env []string, argv ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: so.String(), stderr: se.String(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("%v: timed out\nstdout:\n%s\nstderr:\n%s", argv, r.stdout, r.stderr)
	}
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("%v: %v", argv, err)
		}
	}
	r.code = exitStatus(cmd.ProcessState)
	return r
}

func exitStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// underZvfs runs argv under zvfs.
func underZvfs(t testing.TB, dir string, argv ...string) result {
	t.Helper()
	return run(t, dir, nil, append([]string{zvfsBin, "--"}, argv...)...)
}

// stats runs argv under `zvfs stats --json` and returns the parsed counts.
func stats(t testing.TB, dir string, argv ...string) (supervisor.Stats, result) {
	t.Helper()
	js := filepath.Join(t.TempDir(), "stats.json")
	r := run(t, dir, nil, append([]string{zvfsBin, "stats", "--json", js, "--"}, argv...)...)
	return readStats(t, js, r), r
}

// readStats parses the JSON file js that the run r of `zvfs stats --json`
// wrote.
func readStats(t testing.TB, js string, r result) supervisor.Stats {
	t.Helper()
	var st supervisor.Stats
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatalf("stats file: %v\nstderr:\n%s", err, r.stderr)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// same runs argv natively and under zvfs in copies of nothing (fresh temp
// dirs) and requires identical stdout and exit status.
func same(t *testing.T, argv ...string) result {
	t.Helper()
	native := run(t, t.TempDir(), nil, argv...)
	hooked := underZvfs(t, t.TempDir(), argv...)
	if native.stdout != hooked.stdout || native.code != hooked.code {
		t.Fatalf("%v differs under zvfs\nnative (exit %d):\n%s\nzvfs (exit %d):\n%s\nzvfs stderr:\n%s",
			argv, native.code, native.stdout, hooked.code, hooked.stdout, hooked.stderr)
	}
	return hooked
}
