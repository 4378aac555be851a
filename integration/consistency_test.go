package integration

import (
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestConsistencyDifferential runs testdata/vfs_consistency.c, a writer
// changing a few names through a fixed sequence of calls while two readers
// stat, access, readlink, open and read them and list their directory, in
// a kernel tmpfs (which shows that the checks accept what a kernel does),
// a mem: mount, and overlays over a host directory that holds the initial
// tree (so that lower files are copied up, renamed over and whited out).
// Every answer a reader gets must be one the directory was in at some
// moment of the call (the program's comment says exactly what that
// allows), with no mismatch anywhere.
//
// The overlays differ in the mode of the host directory, which becomes the
// mount's root: 0755, and the namespace view answers nearly every call in
// the stub; 0700, and a good share of them (some 40% of stat and access
// when measured) reach the supervisor, so that both ways of answering are
// checked.
func TestConsistencyDifferential(t *testing.T) {
	prog := cprog(t, "vfs_consistency")
	t.Run("native-tmpfs", func(t *testing.T) {
		consistencyRun(t, prog, consistencyTmpfs(t))
	})
	t.Run("mem", func(t *testing.T) {
		requireHook(t)
		consistencyRun(t, zvfsBin, "--mount", "mem:/zc", "--", prog, "/zc")
	})
	t.Run("overlay", func(t *testing.T) { consistencyOverlay(t, prog, 0o755) })
	t.Run("overlay-private", func(t *testing.T) { consistencyOverlay(t, prog, 0o700) })
}

// consistencyOverlay runs the program on an overlay over a host directory
// of the given mode holding its initial tree, and checks that the host
// directory did not change.
func consistencyOverlay(t *testing.T, prog string, mode os.FileMode) {
	requireHook(t)
	lower := t.TempDir()
	if err := os.Chmod(lower, mode); err != nil {
		t.Fatal(err)
	}
	if r := run(t, t.TempDir(), nil, prog, "-s", lower); r.code != 0 {
		t.Fatalf("writing the lower tree: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	before := treeState(t, lower)
	consistencyRun(t, zvfsBin, "--mount", "overlay:/zo="+lower, "--", prog, "-o", "-p", "/zo")
	if after := treeState(t, lower); after != before {
		t.Errorf("the lower tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

var consistencySummary = regexp.MustCompile(`(?m)^checks (\d+) mismatches (\d+)$`)

// consistencyRun runs argv, logs the program's counts and fails the test
// unless it reported no mismatch.
func consistencyRun(t *testing.T, argv ...string) {
	t.Helper()
	r := run(t, t.TempDir(), nil, argv...)
	sum := consistencySummary.FindStringSubmatch(r.stdout)
	steps, _, _ := strings.Cut(r.stdout, "\n")
	if sum != nil {
		t.Logf("%s; %s checks, %s mismatches; run time %v", steps, sum[1], sum[2], r.elapsed.Round(time.Millisecond))
	}
	if r.code != 0 || sum == nil || sum[2] != "0" {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// consistencyTmpfs is an empty directory on a kernel tmpfs: in the
// temporary directory or /dev/shm if they are tmpfs, else on a tmpfs
// mounted for the test.
func consistencyTmpfs(t *testing.T) string {
	t.Helper()
	const tmpfsMagic = 0x01021994
	isTmpfs := func(p string) bool {
		var st syscall.Statfs_t
		return syscall.Statfs(p, &st) == nil && st.Type == tmpfsMagic
	}
	if d := t.TempDir(); isTmpfs(d) {
		return d
	}
	if isTmpfs("/dev/shm") {
		d, err := os.MkdirTemp("/dev/shm", "zvfs-consistency-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return tmpfsDir(t, "zvfs-consistency-")
}
