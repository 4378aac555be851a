package integration

import (
	"os"
	"strings"
	"testing"
)

// TestAddressZeroUnavailable raises vm.mmap_min_addr for the duration of the
// test and drops CAP_SYS_RAWIO (which root needs to map below it): without
// mounts zvfs must refuse at once with one line naming the fix; with mounts
// it runs through the seccomp net alone; and a descendant that loses the
// capability must stop with a clear message, never crash.
func TestAddressZeroUnavailable(t *testing.T) {
	requireHook(t)
	need(t, "setpriv")
	if os.Getuid() != 0 {
		missing(t, "root (to change vm.mmap_min_addr)")
	}
	const knob = "/proc/sys/vm/mmap_min_addr"
	old, err := os.ReadFile(knob)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(knob, []byte("65536"), 0o644); err != nil {
		missing(t, "writable %s: %v", knob, err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(knob, old, 0o644); err != nil {
			t.Errorf("restore %s: %v", knob, err)
		}
	})
	drop := []string{"setpriv", "--bounding-set=-sys_rawio", "--inh-caps=-sys_rawio", "--"}

	r := run(t, t.TempDir(), nil, append(drop, zvfsBin, "--", "/bin/echo", "ran")...)
	if r.code != 126 || r.stdout != "" {
		t.Errorf("zvfs without address 0: exit %d, stdout %q; want 126 and nothing run", r.code, r.stdout)
	}
	msg := strings.TrimSpace(r.stderr)
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "address 0") || !strings.Contains(msg, "sysctl -w vm.mmap_min_addr=0") {
		t.Errorf("want one line naming the fix, got %q", r.stderr)
	}

	// With mounts, the seccomp net serves them alone, for root without the
	// capability and for an ordinary user: one line says so and how to get
	// the fast path.
	script := `echo ran > /data/f && cat /data/f && cd /data && mkdir d && ls -la | wc -l && stat -c '%U %a' /data`
	for _, who := range [][]string{drop, nobody} {
		zvfs := userZvfs(t, userBin(t))
		r := run(t, "/", []string{"HOME=/nonexistent"}, append(append([]string{}, who...), zvfs, "--mount", "mem:/data", "--", "sh", "-c", script)...)
		owner := "root 755"
		if who[1] != drop[1] {
			owner = "nobody 755"
		}
		if r.code != 0 || r.stdout != "ran\n5\n"+owner+"\n" {
			t.Errorf("%v: mounts without address 0: exit %d, stdout %q, stderr %q", who, r.code, r.stdout, r.stderr)
		}
		msg := strings.TrimSpace(r.stderr)
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "address 0") || !strings.Contains(msg, "sysctl -w vm.mmap_min_addr=0") {
			t.Errorf("%v: want one line saying the mode and the fix, got %q", who, r.stderr)
		}
	}

	r = underZvfs(t, t.TempDir(), append(drop, "/bin/echo", "ran")...)
	if r.code != 126 || r.stdout != "" || !strings.Contains(r.stderr, "address 0") {
		t.Errorf("descendant without address 0: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestUserPreloadKept: an LD_PRELOAD the user set stays in force, after the
// stub, in the program and in what it execs.
func TestUserPreloadKept(t *testing.T) {
	requireHook(t)
	need(t, "gcc")
	dir := t.TempDir()
	src := dir + "/mine.c"
	os.WriteFile(src, []byte(`#include <unistd.h>
__attribute__((constructor)) static void hello(void) { write(2, "mine loaded\n", 12); }
`), 0o644)
	lib := dir + "/libmine.so"
	if r := run(t, dir, nil, "gcc", "-shared", "-fPIC", "-o", lib, src); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, dir, []string{"LD_PRELOAD=" + lib}, zvfsBin, "stats", "--", "sh", "-c", "/bin/true")
	if n := strings.Count(r.stderr, "mine loaded"); n != 2 || r.code != 0 {
		t.Errorf("user preload loaded %d times (want 2: sh and true), exit %d:\n%s", n, r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "in 2 processes") {
		t.Errorf("the stub was not loaded in both processes:\n%s", r.stderr)
	}
}
