package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartFromTable: a process whose every mapped file an earlier process
// of the run already mapped starts without asking the supervisor (the
// stub finds the sites in the view's start table) and is hooked all the
// same: its own system-call site runs rewritten and its calls reach the
// mount. A program rewritten in place (same inode, same size, new times)
// is asked about again, and runs its new code. As root and as an ordinary
// user, whose rewritten copies live in their own cache directory; and on a
// kernel without the PROCMAP_QUERY ioctl (the stub reads the text of
// /proc/self/maps).
func TestStartFromTable(t *testing.T) {
	requireHook(t)
	need(t, "sh", "cat")
	one, two := cprog(t, "start"), cprog(t, "start", `-DVERSION="two"`)
	// Then from the mount, where the program runs from a memfd: the
	// second start finds it in the table by /proc/self/exe.
	const script = `echo hi > /data/f; ./start /data/f; ./start /data/f; cat start2 > start; ./start /data/f; ./start /data/f
cp start /data/p && /data/p /data/f && /data/p /data/f`
	const want = "one asked hi\none table hi\ntwo asked hi\ntwo table hi\ntwo asked hi\ntwo table hi\n"
	type user struct {
		name  string
		argv  []string // how to become the user, or to run as on another kernel
		other bool     // another user, who must own the files
	}
	users := []user{{"self", nil, false}, {"self-maps-text", []string{cprog(t, "noquery")}, false}}
	if os.Geteuid() == 0 {
		users = append(users, user{"nobody", nobody, true})
	}
	for _, u := range users {
		t.Run(u.name, func(t *testing.T) {
			dir := hostDir(t, "zvfs-start-")
			copyPrograms(t, dir, map[string]string{"start": one, "start2": two})
			// The mount starts as a copy of seed, the user's (a mount's
			// root is otherwise root's).
			seed := filepath.Join(dir, "seed")
			if err := os.Mkdir(seed, 0o755); err != nil {
				t.Fatal(err)
			}
			env := []string{"HOME=" + dir, "XDG_CACHE_HOME=" + dir, "TMPDIR=" + dir}
			if u.other {
				for _, p := range []string{dir, seed, filepath.Join(dir, "start"), filepath.Join(dir, "start2")} {
					if err := os.Chown(p, 65534, 65534); err != nil {
						t.Fatal(err)
					}
				}
			}
			argv := append(append([]string(nil), u.argv...), zvfsBin, "--mount", "mem:/data="+seed, "--", "sh", "-c", script)
			r := run(t, dir, env, argv...)
			if r.code != 0 || r.stdout != want {
				t.Fatalf("exit %d\nstdout %q, want %q\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
			}
		})
	}
}

// TestStartFromTableNoMounts: a run without mounts (for its hooks or its
// counts) has a start table too: a program's later starts ask nothing.
// --verbose counts the hellos: sh's and the program's first start. Under
// `zvfs stats` too, where the processes that send none are counted all
// the same, with their calls. As root and as nobody.
func TestStartFromTableNoMounts(t *testing.T) {
	requireHook(t)
	need(t, "sh")
	prog := cprog(t, "start")
	asEachUser(t, "zvfs-start-", func(t *testing.T, user, w, mnt string) {
		copyPrograms(t, w, map[string]string{"start": prog})
		if err := os.WriteFile(filepath.Join(w, "f"), []byte("hi\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		const script = "./start f; ./start f; ./start f"
		argv, env := asUser(t, user, mnt, "--verbose", "--", "sh", "-c", script)
		r := run(t, w, env, argv...)
		if r.code != 0 || !strings.Contains(r.stderr, "zvfs: 2 hellos ") {
			t.Fatalf("exit %d, want 2 hellos (sh and the first start)\nstdout %q\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		out := filepath.Join(w, "stats.json")
		argv, env = asUser(t, user, mnt, "stats", "--verbose", "--json", out, "--", "sh", "-c", script)
		r = run(t, w, env, argv...)
		if r.code != 0 || !strings.Contains(r.stderr, "zvfs: 2 hellos ") {
			t.Fatalf("stats: exit %d, want 2 hellos\nstdout %q\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		// Each start writes its line with a call of its own.
		if st := readStats(t, out, r); st.Processes != 4 || st.Syscalls["write"] < 3 || st.Syscalls["execve"] < 3 {
			t.Fatalf("stats: %d processes, calls %v; want 4, with 3 writes and 3 execs at least", st.Processes, st.Syscalls)
		}
	})
}

// TestStartAcrossRuns: what one run's hellos answered is in the next run's
// start table (the cache directory's starts file): the program's first
// start in the next run asks nothing, and is hooked all the same. A file
// changed since (the program rewritten in place) is asked about again; a
// run whose cache lost its rewritten copies rewrites in place; a damaged
// starts file is ignored. As root and as an ordinary user.
func TestStartAcrossRuns(t *testing.T) {
	requireHook(t)
	need(t, "sh", "cat")
	one, two := cprog(t, "start"), cprog(t, "start", `-DVERSION="two"`)
	type user struct {
		name  string
		argv  []string
		other bool
	}
	users := []user{{"self", nil, false}}
	if os.Geteuid() == 0 {
		users = append(users, user{"nobody", nobody, true})
	}
	for _, u := range users {
		t.Run(u.name, func(t *testing.T) {
			dir := hostDir(t, "zvfs-starts-")
			seed := filepath.Join(dir, "seed")
			if err := os.Mkdir(seed, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(seed, "f"), []byte("hi\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			copyPrograms(t, dir, map[string]string{"start": one, "start2": two})
			if u.other {
				for _, p := range []string{dir, seed, filepath.Join(seed, "f"), filepath.Join(dir, "start"), filepath.Join(dir, "start2")} {
					if err := os.Chown(p, 65534, 65534); err != nil {
						t.Fatal(err)
					}
				}
			}
			env := []string{"HOME=" + dir, "XDG_CACHE_HOME=" + dir, "TMPDIR=" + dir}
			runOnce := func(script, want string) {
				t.Helper()
				argv := append(append([]string(nil), u.argv...), zvfsBin, "--mount", "mem:/data="+seed, "--", "sh", "-c", script)
				r := run(t, dir, env, argv...)
				if r.code != 0 || r.stdout != want {
					t.Fatalf("%s: exit %d\nstdout %q, want %q\nstderr:\n%s", script, r.code, r.stdout, want, r.stderr)
				}
			}
			runOnce("./start /data/f", "one asked hi\n")
			runOnce("./start /data/f", "one table hi\n")
			runOnce("cat start2 > start; ./start /data/f", "two asked hi\n")
			runOnce("./start /data/f", "two table hi\n")
			// The copies gone: the table still names them; the stub
			// rewrites the pages in place.
			if err := os.RemoveAll(filepath.Join(dir, "zvfs", "patched")); err != nil {
				t.Fatal(err)
			}
			runOnce("./start /data/f", "two table hi\n")
			starts := filepath.Join(dir, "zvfs", "starts")
			b, err := os.ReadFile(starts)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0xff
			if err := os.WriteFile(starts, b[:len(b)-3], 0o600); err != nil {
				t.Fatal(err)
			}
			runOnce("./start /data/f", "two asked hi\n")
			runOnce("./start /data/f", "two table hi\n")
		})
	}
}

// copyPrograms copies each program (by the name it gets) into dir.
func copyPrograms(t *testing.T, dir string, progs map[string]string) {
	t.Helper()
	for name, src := range progs {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
