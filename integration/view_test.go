package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// The namespace view (view/, vfs/publish.go, preload/stub/view.c): the stub
// answers lookups of names in mounts from shared memory. These tests check
// that it does, and that its answers are the kernel's where it cannot be
// sure of them: moved or inaccessible memory, changed credentials, a view
// too small to hold the tree. TestConsistencyDifferential checks its answers
// under concurrent changes.

// TestViewAnswersWithoutAsking: repeated stats, accesses, readlinks and
// opens of names in a mount reach the supervisor only until the directory
// is published.
func TestViewAnswersWithoutAsking(t *testing.T) {
	requireHook(t)
	r := run(t, t.TempDir(), nil, zvfsBin, "stats", "--mount", "mem:/data", "--", "sh", "-c",
		`echo hi > /data/f; ln -s f /data/l; mkdir /data/d
		 for i in $(seq 300); do test -e /data/f; test -r /data/l; test -e /data/nope; test -d /data/d; done
		 for i in $(seq 100); do read x < /data/f; done; readlink /data/l; cat /data/l`)
	if r.code != 0 || r.stdout != "f\nhi\n" {
		t.Fatalf("exit %d\nstdout %q\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// About 1 300 lookups and opens; the supervisor answers the changes
	// and the first lookups.
	if n := answeredByZvfs(t, r.stderr); n > 40 {
		t.Errorf("the supervisor answered %d calls; the view should have answered most:\n%s", n, r.stderr)
	}
}

// TestViewOverlayLookups: in an overlay, untouched host files are opened
// by their host path, names below a directory that does not exist are
// ENOENT, and getcwd of a working directory in the mount is answered, all
// from the view: the lookups a compiler makes searching its include path.
func TestViewOverlayLookups(t *testing.T) {
	requireHook(t)
	need(t, "sh", "seq", "pwd")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "include", "reg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "include", "reg", "reg.h"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, t.TempDir(), nil, zvfsBin, "stats", "--mount", "overlay:/src="+dir, "--", "sh", "-c",
		`cd /src; test -e include/reg/reg.h
		 for i in $(seq 200); do read x < include/reg/reg.h; test -e /src/include/sys/cdefs.h || test -e include/reg/reg/limits.h; done
		 for i in $(seq 20); do /bin/pwd; done | sort -u; echo "$x"`)
	if r.code != 0 || r.stdout != "/src\nhi\n" {
		t.Fatalf("exit %d\nstdout %q\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// About 600 lookups, opens and getcwds.
	if n := answeredByZvfs(t, r.stderr); n > 20 {
		t.Errorf("the supervisor answered %d calls; the view should have answered most:\n%s", n, r.stderr)
	}
}

// TestReaddirPositions: directory streams in a mount keep the kernel's
// shared position through rewinddir, seekdir, dup and fork, with the
// end of a listing answered without asking (the supervisor's mark in the
// placeholder), compared with tmpfs.
func TestReaddirPositions(t *testing.T) {
	differential(t, cprog(t, "vfs_readdir"), "$D")
}

// TestViewDirfd: lookups relative to directory descriptors, however the
// descriptor was opened or duplicated, before and after the names below it
// change (the view answers them for a directory zvfs opened).
func TestViewDirfd(t *testing.T) {
	differential(t, cprog(t, "vfs_dirfd"), "$D")
}

// TestViewDirfdRace: creates and unlinks through a directory descriptor
// while another process keeps renaming the directory, or swapping it with
// another so that its path leads there now and then, all land in it, as
// with the kernel: the stub sends them by the directory's path from the
// view, and again with the descriptor when a rename came in between; the
// supervisor lets no directory move while such a call runs (dirMoving).
func TestViewDirfdRace(t *testing.T) {
	differential(t, cprog(t, "vfs_dirrace"), "$D")
}

// answeredByZvfs is the number of calls `zvfs stats` says the supervisor
// answered.
func answeredByZvfs(t *testing.T, stderr string) int {
	t.Helper()
	m := regexp.MustCompile(`(\d+) of them on virtual paths and descriptors, answered by zvfs`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no count of answered calls:\n%s", stderr)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestViewBadPointers: pointers that were good a moment ago and are not
// any more (unmapped, PROT_NONE, read-only since) are EFAULT, for paths in
// a mount (answered by the view) and on the host, as natively.
func TestViewBadPointers(t *testing.T) {
	differential(t, cprog(t, "vfs_efault"), "$D")
}

// TestViewSetuid: a root process that looked names up, then became
// another user, gets that user's answers (the view's permission checks
// follow the credentials; the supervisor's /proc entries are out of its
// reach, so opens ask).
func TestViewSetuid(t *testing.T) {
	differential(t, cprog(t, "vfs_setuid_view"), "$D")
}

// TestViewFull: with a view of 24 entries, far fewer than the scenarios
// create, every scenario still gives its native output.
func TestViewFull(t *testing.T) {
	t.Setenv("ZVFS_VIEW_ENTRIES", "24")
	vfsScenarios(t, scenarioInterp, nil)
}

// TestViewDeadSupervisor: once the supervisor is gone, a name the view
// holds still answers what it was (nothing can change it any more); an
// open of a mem file (through the supervisor's /proc entries, gone too)
// and anything else the view cannot answer is EIO, never a hang. The
// shell's builtins make the calls: a process started after the supervisor
// died is not hooked at all.
func TestViewDeadSupervisor(t *testing.T) {
	requireHook(t)
	// A killed zvfs cannot remove its socket directory: keep it in the
	// test's temporary directory.
	r := run(t, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, zvfsBin, "--mount", "mem:/data", "--", "sh", "-c",
		`echo hi > /data/f; test -e /data/f
		 kill -9 $PPID; sleep 0.2
		 test -e /data/f && echo exists
		 read x < /data/f 2>/dev/null && echo "read $x" || echo read failed
		 echo new > /data/g 2>/dev/null || echo create failed
		 true`)
	out := r.stdout
	if out != "exists\nread failed\ncreate failed\n" {
		t.Errorf("after the supervisor died: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, out, r.stderr)
	}
	t.Logf("after the supervisor died:\n%s", out)
}

// TestViewOrdinaryUser: zvfs run by an ordinary user (uid 65534) maps its
// view in every process of the run and answers lookups from it: the
// supervisor's /proc entries are the user's own.
func TestViewOrdinaryUser(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "root, to run zvfs as another user")
	}
	requireHook(t)
	need(t, "setpriv", "sh", "seq")
	home := hostDir(t, "zvfs-view-user-")
	if err := os.Chown(home, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	seed := filepath.Join(home, "seed")
	if err := os.Mkdir(seed, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(seed, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "XDG_CACHE_HOME=" + home, "TMPDIR=" + home}
	argv := append(append([]string(nil), nobody...), zvfsBin, "stats", "--mount", "mem:/data="+seed, "--", "sh", "-c",
		`echo hi > /data/f; ln -s f /data/l; chmod 600 /data/f
		 for i in $(seq 300); do test -r /data/f; test -e /data/nope; test -w /data/l; done
		 for i in $(seq 100); do read x < /data/l; done; echo "$x $(id -u)"; readlink /data/l`)
	r := run(t, home, env, argv...)
	if r.code != 0 || r.stdout != "hi 65534\nf\n" {
		t.Fatalf("exit %d\nstdout %q\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if n := answeredByZvfs(t, r.stderr); n > 40 {
		t.Errorf("the supervisor answered %d of about 1 000 lookups; the view should have:\n%s", n, r.stderr)
	}
}

// TestViewStatAfterWriterExits: once a process that was handed a file to
// write has ended (its connection with it), a stat of the file from
// another process (make's, of each target its compiler wrote) is answered
// by the view with the file's size, not by the supervisor: the
// connection's end has the file re-described (vfs.Namespace.Recheck). As
// root and as nobody, in mem and in an overlay.
func TestViewStatAfterWriterExits(t *testing.T) {
	requireHook(t)
	need(t, "sh", "seq", "stat", "sort", "tr")
	asEachUser(t, "zvfs-stat-writer-", func(t *testing.T, user, w, mnt string) {
		lower, _, _ := lowerTreeOf(t, w, user, "x")
		for _, spec := range []string{"mem:/d", "overlay:/d=" + lower} {
			argv, env := asUser(t, user, mnt, "stats", "--mount", spec, "--", "sh", "-c",
				`for i in $(seq 40); do sh -c "echo $i > /d/f$i"; stat -c %s /d/f$i; done | sort -u | tr '\n' ' '`)
			r := run(t, w, env, argv...)
			if want := "2 3 "; r.code != 0 || r.stdout != want {
				t.Fatalf("%s: exit %d\nstdout %q, want %q\nstderr:\n%s", spec, r.code, r.stdout, want, r.stderr)
			}
			// 40 creates; the stats only where a writer's end came late.
			if n := answeredByZvfs(t, r.stderr); n > 50 {
				t.Errorf("%s: the supervisor answered %d calls for 40 creates and 40 stats; the view should have answered the stats:\n%s", spec, n, r.stderr)
			}
		}
	})
}
