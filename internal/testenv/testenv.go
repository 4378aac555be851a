// Package testenv holds the checks tests make of this machine before they
// run real programs under zvfs: address 0 mappable, tools installed. Under
// CI=true a missing prerequisite fails the test instead of skipping it, so
// a broken .ci/run cannot pass by skipping.
package testenv

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/zvfs/zvfs/supervisor"
)

// InCI says whether the tests run in CI, where every prerequisite must have
// been installed.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test, or fails it in CI.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("prerequisite missing in CI: "+format, args...)
	}
	t.Skipf("prerequisite missing: "+format, args...)
}

// RequireHook checks that this machine lets zvfs map address 0.
func RequireHook(t testing.TB) {
	t.Helper()
	if err := supervisor.CheckAddressZero(); err != nil {
		Missing(t, "%v", err)
	}
	if InCI() {
		if v, _ := supervisor.MmapMinAddr(); v != "0" {
			t.Fatalf(".ci/run must set vm.mmap_min_addr=0 (it is %s)", v)
		}
	}
}

// Need checks that the tools are installed.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			Missing(t, "%s not installed", tool)
		}
	}
}

// GoBuild builds the command in package pkg (an import path) into a
// temporary directory of t and returns the binary's path.
func GoBuild(t testing.TB, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// Result is how a command ended.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs argv with a time limit of two minutes and returns its output
// and exit status (128+N for signal N); it fails t if argv cannot be run.
func Run(t testing.TB, argv ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%q: timed out\nstdout:\n%s\nstderr:\n%s", argv, so.String(), se.String())
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%q: %v", argv, err)
	}
	code := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	return Result{Stdout: so.String(), Stderr: se.String(), Code: code}
}
