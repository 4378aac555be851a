// diff_test.go holds the differential harness: each scenario (scenarios_test.go)
// is a list of operations in the language of steps_test.go, run once by a child
// process chrooted into a real tmpfs (as root, then as the scenario's user)
// and once on an FS; the errno and output of every step and the final tree
// listing must be the same.

package mem

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// scenario is one differential test. setup runs as root; steps run as cred
// (root if nil).
type scenario struct {
	name  string
	cred  *Cred
	setup []string
	steps []string
}

// Environment of the child process.
const (
	envScenario = "ZVFS_MEM_SCENARIO"
	envRoot     = "ZVFS_MEM_ROOT"
)

func TestMain(m *testing.M) {
	if js := os.Getenv(envScenario); js != "" {
		os.Exit(childMain(js, os.Getenv(envRoot)))
	}
	os.Exit(m.Run())
}

// scenarioJSON carries a scenario to the child process.
type scenarioJSON struct {
	Name         string
	Cred         *Cred
	Setup, Steps []string
}

// childMain runs the scenario given in JSON on the real kernel inside root
// and prints the outcomes as JSON.
func childMain(js, root string) int {
	var sj scenarioJSON
	if err := json.Unmarshal([]byte(js), &sj); err != nil {
		fmt.Fprintln(os.Stderr, "scenario:", err)
		return 2
	}
	sc := &scenario{name: sj.Name, cred: sj.Cred, setup: sj.Setup, steps: sj.Steps}
	// One thread for every step: Go's Setuid gives each thread credentials
	// of its own, and linkat(AT_EMPTY_PATH) by a user wants the very
	// credentials the descriptor was opened with.
	runtime.LockOSThread()
	if err := syscall.Chroot(root); err != nil {
		fmt.Fprintln(os.Stderr, "chroot:", err)
		return 2
	}
	if err := os.Chdir("/"); err != nil {
		fmt.Fprintln(os.Stderr, "chdir:", err)
		return 2
	}
	syscall.Umask(0) // modes are taken as given on both sides
	r := &hostRunner{fds: map[int]int{}}
	res, err := runSteps(r.run, sc.setup, nil)
	if err == nil && sc.cred != nil {
		groups := make([]int, len(sc.cred.Groups))
		for i, g := range sc.cred.Groups {
			groups[i] = int(g)
		}
		if err = syscall.Setgroups(groups); err == nil {
			if err = syscall.Setgid(int(sc.cred.Gid)); err == nil {
				err = syscall.Setuid(int(sc.cred.Uid))
			}
		}
	}
	if err == nil {
		res, err = runSteps(r.run, sc.steps, res)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 2
	}
	return 0
}

// mountTmpfs mounts a fresh tmpfs in a temporary directory for the test.
// Without the privilege to mount, the test is skipped (failed under CI).
func mountTmpfs(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "mode=0755"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs: %v", err)
		}
		t.Skipf("cannot mount a tmpfs (%v): no differential test", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

func TestDifferential(t *testing.T) {
	base := mountTmpfs(t)
	seen := map[string]bool{}
	for i, sc := range scenarios() {
		if seen[sc.name] {
			t.Fatalf("two scenarios called %s", sc.name)
		}
		seen[sc.name] = true
		t.Run(sc.name, func(t *testing.T) {
			runDifferential(t, filepath.Join(base, strconv.Itoa(i)), sc)
		})
	}
}

// runDifferential runs sc on the tmpfs directory root (made here) and on
// a new FS, and compares.
func runDifferential(t *testing.T, root string, sc scenario) {
	if err := os.Mkdir(root, 0755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0755); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(scenarioJSON{Name: sc.name, Cred: sc.cred, Setup: sc.setup, Steps: sc.steps})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	// A race-enabled child would sleep a second at exit.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), envScenario+"="+string(js), envRoot+"="+root, "GORACE="+gorace)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	var host []outcome
	if err := json.Unmarshal(out, &host); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}

	fs := New()
	defer fs.Close()
	r := &memRunner{fs: fs, files: map[int]*File{}}
	mem, err := runSteps(r.run, sc.setup, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.cred != nil {
		r.fs = fs.As(linuxvfs.Who(*sc.cred)).(*FS)
	}
	mem, err = runSteps(r.run, sc.steps, mem)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.files {
		f.Close()
	}

	lines := append(append([]string(nil), sc.setup...), sc.steps...)
	if len(host) != len(lines) || len(mem) != len(lines) {
		t.Fatalf("outcomes: %d from tmpfs, %d from mem, for %d steps", len(host), len(mem), len(lines))
	}
	for j, line := range lines {
		o, _ := parseOp(line)
		// RemoveAll stops at the first error in directory order, which is
		// name order here and newest first on tmpfs.
		orderOnly := o.name == "removeall" && host[j].Err != "" && mem[j].Err != ""
		if host[j] != mem[j] && !orderOnly {
			t.Errorf("step %d %q: tmpfs %+v, mem %+v", j, line, host[j], mem[j])
		}
		if o.want != "" {
			got := host[j].Err
			if got == "" {
				got = "ok"
			}
			if got != o.want {
				t.Errorf("step %q: the kernel says %s (scenario expects %s)", line, got, o.want)
			}
		}
	}
	diffLines(t, "tree", listHost(t, root, true), listMem(t, fs, true))
	checkTree(t, fs)
}
