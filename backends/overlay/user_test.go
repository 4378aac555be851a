// user_test.go holds the differential tests run as an ordinary user: the
// kernel side runs its steps in a child process (this test binary again)
// that has dropped to the user's IDs; the overlay side runs them through
// FS.As. Errors, outputs, the final tree and the untouched lower tree are
// compared as in kernel_test.go.

package overlay

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// envChild carries the child's job.
const envChild = "ZVFS_OVERLAY_STEPS"

// childJob is what the child does: run Steps under Root as the user.
type childJob struct {
	Root   string
	Cred   linuxvfs.Who
	Steps  []string
	Output [][2]string
}

func TestMain(m *testing.M) {
	if js := os.Getenv(envChild); js != "" {
		os.Exit(childMain(js))
	}
	os.Exit(m.Run())
}

// childMain runs a job and prints the outcomes as JSON.
func childMain(js string) int {
	var job childJob
	if err := json.Unmarshal([]byte(js), &job); err != nil {
		fmt.Fprintln(os.Stderr, "job:", err)
		return 2
	}
	groups := make([]int, len(job.Cred.Groups))
	for i, g := range job.Cred.Groups {
		groups[i] = int(g)
	}
	// Go applies these to every thread of the process.
	if err := syscall.Setgroups(groups); err != nil {
		fmt.Fprintln(os.Stderr, "setgroups:", err)
		return 2
	}
	if err := syscall.Setgid(int(job.Cred.Gid)); err != nil {
		fmt.Fprintln(os.Stderr, "setgid:", err)
		return 2
	}
	if err := syscall.Setuid(int(job.Cred.Uid)); err != nil {
		fmt.Fprintln(os.Stderr, "setuid:", err)
		return 2
	}
	unix.Umask(0)
	k := kernelRunner{root: job.Root}
	for _, line := range job.Steps {
		o := k.run(parseStep(line))
		job.Output = append(job.Output, [2]string{o.err, o.out})
	}
	if err := json.NewEncoder(os.Stdout).Encode(job.Output); err != nil {
		return 2
	}
	return 0
}

// runChild runs steps on the kernel mount as the user c.
func runChild(t *testing.T, root string, c linuxvfs.Who, steps []string) []outcome {
	js, err := json.Marshal(childJob{Root: root, Cred: c, Steps: steps})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), envChild+"="+string(js), "GORACE="+gorace)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	var res [][2]string
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	outs := make([]outcome, len(res))
	for i, r := range res {
		outs[i] = outcome{r[0], r[1]}
	}
	return outs
}

// runUserDiff runs steps as user c on both sides and compares.
func runUserDiff(t *testing.T, c linuxvfs.Who, steps []string) {
	requireRoot(t)
	old := unix.Umask(0)
	defer unix.Umask(old)
	mnt := mountOverlay(t, newLower(t, lowerTree))
	ours := newLower(t, lowerTree)
	before := snapshot(t, ours)
	fs := New([]Layer{HostDir(ours)}, nil)
	kernel := runChild(t, mnt, c, steps)
	o := overlayRunner{fs: fs.As(c).(*FS)}
	if len(kernel) != len(steps) {
		t.Fatalf("%d outcomes from the kernel for %d steps", len(kernel), len(steps))
	}
	for i, line := range steps {
		s := parseStep(line)
		ko, oo := kernel[i], o.run(s)
		if s.want != "" && ko.err != strings.TrimPrefix(s.want, "ok") {
			t.Errorf("%q: the kernel says %q (the scenario expects %s)", line, ko.err, s.want)
		}
		if ko != oo {
			t.Errorf("%q: kernel %+v, overlay %+v", line, ko, oo)
		}
	}
	diffLines(t, "final tree", listHost(t, mnt), listFS(t, fs))
	diffLines(t, "lower tree", before, snapshot(t, ours))
	diffLines(t, "upper layer", nil, unchanged(t, fs, steps, kernel))
}

// unchanged lists what the upper layer holds for the steps that failed:
// a refused change must not have copied anything up. It returns the
// upper paths named by failed steps that are not named by any step that
// succeeded.
func unchanged(t *testing.T, fs *FS, steps []string, outs []outcome) []string {
	t.Helper()
	ok := map[string]bool{}
	for i, line := range steps {
		if outs[i].err == "" {
			for _, a := range parseStep(line).args {
				for p := a; p != "." && p != "/" && p != ""; p = parentOf(p) {
					ok[p] = true
				}
			}
		}
	}
	var bad []string
	for i, line := range steps {
		s := parseStep(line)
		if outs[i].err == "" || len(s.args) == 0 || ok[s.args[0]] {
			continue
		}
		if _, err := fs.Upper().Lstat("/" + s.args[0]); err == nil {
			bad = append(bad, "copied up by a failed step: "+line)
		}
	}
	return bad
}

func parentOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

var user = linuxvfs.Who{Uid: 1000, Gid: 1000}

func TestUserReads(t *testing.T) {
	runUserDiff(t, user, []string{
		"read a.txt", "read b.txt =EACCES", "read owned", "read d/sub/g =EACCES", "ls d/sub =EACCES",
		"ls d", "stat d/sub", "stat d/sub/g =EACCES", "read grp/f", "ls grp", "read dsym/f",
		"opendir ro", "readlink sym", "read sym",
	})
}

func TestUserChanges(t *testing.T) {
	runUserDiff(t, user, []string{
		"append a.txt x =EACCES", "openw b.txt =EACCES", "opentrunc a.txt =EACCES",
		"chmod a.txt 0777 =EPERM", "chmod owned 0600", "chown owned 1000 1000", "chown owned 0 0 =EPERM",
		"chown owned -1 0 =EPERM", "chown a.txt -1 -1", "lchown sym 1000 -1 =EPERM",
		"utimes a.txt 5 =EPERM", "utimes owned 5", "truncate a.txt 0 =EACCES", "truncate pub/p 1",
		"append grp/f more", "read grp/f", "append suid more", "stat suid",
		"chmod grp 0777 =EPERM", "chmod d/sub/g 0600 =EACCES",
	})
}

func TestUserNames(t *testing.T) {
	runUserDiff(t, user, []string{
		"put new x =EACCES", "mkdir ro/y 0755 =EACCES", "unlink ro/x =EACCES", "put d/new x =EACCES",
		"put pub/new x", "mkdir pub/dir 0755", "unlink pub/p", "put pub/p again",
		"unlink tmp/r =EPERM", "unlink tmp/u", "rename tmp/r tmp/x =EPERM", "put tmp/mine m",
		"link a.txt pub/l =EPERM", "link owned pub/l", "link pub/new pub/l2", "symlink a.txt pub/s",
		"rmdir e =EACCES", "rename pub/new pub/dir/n", "rename grp/f grp/g", "ls grp",
		"rename pub/dir tmp/dir", "rename e pub/e =EACCES", "rmdir ro =EACCES",
		"excl grp/f", "excl grp/g =EEXIST", "removeall pub",
	})
}
