package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zvfs/zvfs/internal/testenv"
)

type counts struct {
	Read, Write struct{ Calls, Bytes, Errors int64 }
}

func runStats(t *testing.T, bin string, argv ...string) (counts, testenv.Result) {
	t.Helper()
	js := filepath.Join(t.TempDir(), "stats.json")
	r := testenv.Run(t, append([]string{bin, "--json", js, "--"}, argv...)...)
	var c counts
	b, err := os.ReadFile(js)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, r.Stderr)
	}
	return c, r
}

// TestStats counts dd's reads and writes: it moves exactly what it is told
// to, and zvfs stats, which counts every call in the stub, must agree on
// the number of calls.
func TestStats(t *testing.T) {
	testenv.RequireHook(t)
	testenv.Need(t, "dd")
	bin := testenv.GoBuild(t, "github.com/zvfs/zvfs/examples/stats")
	c, r := runStats(t, bin, "dd", "if=/dev/zero", "of=/dev/null", "bs=4096", "count=300", "status=none")
	if r.Code != 0 {
		t.Fatalf("status %d\n%s", r.Code, r.Stderr)
	}
	if c.Read.Calls < 300 || c.Read.Bytes < 300*4096 || c.Write.Calls != 300 || c.Write.Bytes != 300*4096 {
		t.Errorf("counts %+v, want 300 writes of 4096 bytes and at least as many read", c)
	}
	// The same program under zvfs stats.
	zvfs := testenv.GoBuild(t, "github.com/zvfs/zvfs/cmd/zvfs")
	js := filepath.Join(t.TempDir(), "zvfs.json")
	testenv.Run(t, zvfs, "stats", "--json", js, "--", "dd", "if=/dev/zero", "of=/dev/null", "bs=4096", "count=300", "status=none")
	var z struct{ Syscalls map[string]int64 }
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &z); err != nil {
		t.Fatal(err)
	}
	if z.Syscalls["read"] != c.Read.Calls || z.Syscalls["write"] != c.Write.Calls {
		t.Errorf("zvfs stats counted read %d write %d; the hooks saw %d and %d",
			z.Syscalls["read"], z.Syscalls["write"], c.Read.Calls, c.Write.Calls)
	}
}

// TestStatsShell: many processes, a pipe, failures counted as errors, and
// a mount in the same run.
func TestStatsShell(t *testing.T) {
	testenv.RequireHook(t)
	bin := testenv.GoBuild(t, "github.com/zvfs/zvfs/examples/stats")
	js := filepath.Join(t.TempDir(), "stats.json")
	r := testenv.Run(t, bin, "--json", js, "--mount", "mem:/data", "--", "sh", "-c",
		"seq 1 20000 > /data/n && wc -l < /data/n && cat /data/n | tail -1 && cat /data/missing 2>/dev/null; cat < /dev/null")
	if r.Code != 0 || r.Stdout != "20000\n20000\n" {
		t.Fatalf("status %d stdout %q\n%s", r.Code, r.Stdout, r.Stderr)
	}
	var c counts
	b, _ := os.ReadFile(js)
	json.Unmarshal(b, &c)
	// seq writes 108894 bytes; wc and cat read them, and tail the pipe.
	if c.Write.Bytes < 108894+108894 || c.Read.Bytes < 3*108894 {
		t.Errorf("counts %+v", c)
	}
}

// TestSupervisorGone: a hooked call made after the supervisor died fails
// with EIO instead of hanging, and the process goes on.
func TestSupervisorGone(t *testing.T) {
	testenv.RequireHook(t)
	testenv.Need(t, "python3")
	bin := testenv.GoBuild(t, "github.com/zvfs/zvfs/examples/stats")
	dir := t.TempDir()
	// The killed supervisor cannot remove its socket directory: make it
	// in a directory the test removes.
	t.Setenv("TMPDIR", t.TempDir())
	// The program reports through mkdir, which stats does not hook.
	prog := `import errno, os, signal, sys, time
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(0.3)
try:
    os.write(1, b"x")
    os.mkdir(sys.argv[1] + "/ok")
except OSError as e:
    os.mkdir(sys.argv[1] + "/" + errno.errorcode[e.errno])
`
	r := testenv.Run(t, bin, "--", "python3", "-c", prog, dir)
	if r.Code != 128+9 {
		t.Errorf("stats status %d, want 137 (killed)", r.Code)
	}
	var names []string
	for i := 0; i < 50 && len(names) == 0; i++ {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if len(names) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(names) != 1 || names[0] != "EIO" {
		t.Errorf("the write after the supervisor died gave %v, want EIO", names)
	}
}
