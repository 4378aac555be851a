package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The benchmarks measure zvfs against native runs in the same process, so
// the ratios hold on a noisy machine. Run them with
//
//	go test -run '^$' -bench . -benchtime 1x ./integration/
//
// Each reports its figures as custom metrics; ns/op is the time the whole
// comparison took and means nothing by itself.

// BenchmarkPassThrough: the cost the hook adds to a system call it passes to
// the kernel (a raw getppid loop), best of 5 runs each.
func BenchmarkPassThrough(b *testing.B) {
	requireHook(b)
	loop := cprog(b, "getppid_loop")
	const n = "2000000"
	for i := 0; i < b.N; i++ {
		native, hooked := 1e18, 1e18
		for k := 0; k < 5; k++ {
			native = min(native, perCall(b, run(b, b.TempDir(), nil, loop, n)))
			hooked = min(hooked, perCall(b, underZvfs(b, b.TempDir(), loop, n)))
		}
		b.ReportMetric(native, "native-ns/call")
		b.ReportMetric(hooked, "zvfs-ns/call")
		b.ReportMetric(hooked-native, "added-ns/call")
	}
}

func perCall(b *testing.B, r result) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(r.stdout), 64)
	if err != nil || r.code != 0 {
		b.Fatalf("getppid_loop: %q %s", r.stdout, r.stderr)
	}
	return v
}

// BenchmarkProcessStart: what each exec inside a run costs (a shell loop of
// /bin/true and of bash -c true, warm site cache), and zvfs's own start.
func BenchmarkProcessStart(b *testing.B) {
	requireHook(b)
	need(b, "bash")
	const execs = 300
	loops := map[string]string{
		"true":      "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done",
		"bash-true": "i=0; while [ $i -lt 300 ]; do bash -c true; i=$((i+1)); done",
	}
	for i := 0; i < b.N; i++ {
		for name, script := range loops {
			underZvfs(b, b.TempDir(), "sh", "-c", "/bin/true") // warm the site cache
			native, hooked := time.Duration(1<<62), time.Duration(1<<62)
			for k := 0; k < 3; k++ {
				native = min(native, run(b, b.TempDir(), nil, "sh", "-c", script).elapsed)
				hooked = min(hooked, underZvfs(b, b.TempDir(), "sh", "-c", script).elapsed)
			}
			b.ReportMetric(float64(native.Microseconds())/execs, name+"-native-us/exec")
			b.ReportMetric(float64(hooked.Microseconds())/execs, name+"-zvfs-us/exec")
			b.ReportMetric(float64((hooked-native).Microseconds())/execs, name+"-added-us/exec")
		}
		native, hooked := time.Duration(1<<62), time.Duration(1<<62)
		for k := 0; k < 10; k++ {
			native = min(native, run(b, b.TempDir(), nil, "/bin/true").elapsed)
			hooked = min(hooked, underZvfs(b, b.TempDir(), "/bin/true").elapsed)
		}
		b.ReportMetric(float64(native.Microseconds()), "true-native-us")
		b.ReportMetric(float64(hooked.Microseconds()), "zvfs-true-us")
	}
}

// BenchmarkMake: a parallel build of a 30-unit C project (make -j2: gcc,
// cc1, as, ld), from clean, natively and under zvfs, best of 3 each.
func BenchmarkMake(b *testing.B) {
	requireHook(b)
	need(b, "make", "gcc")
	dir := b.TempDir()
	var objs []string
	for i := 0; i < 30; i++ {
		src := fmt.Sprintf("#include <stdio.h>\n#include <string.h>\nint f%d(const char *s) { char b[64]; snprintf(b, sizeof b, \"%%s-%d\", s); return (int)strlen(b); }\n", i, i)
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("u%d.c", i)), []byte(src), 0o644)
		objs = append(objs, fmt.Sprintf("u%d.o", i))
	}
	var calls strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&calls, "int f%d(const char *);\n", i)
	}
	calls.WriteString("int main(void) { int n = 0;\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&calls, "n += f%d(\"x\");\n", i)
	}
	calls.WriteString("return n == 0; }\n")
	os.WriteFile(filepath.Join(dir, "main.c"), []byte(calls.String()), 0o644)
	mk := "prog: main.o " + strings.Join(objs, " ") + "\n\t$(CC) -o $@ $^\n%.o: %.c\n\t$(CC) -O2 -c -o $@ $<\nclean:\n\trm -f *.o prog\n"
	os.WriteFile(filepath.Join(dir, "Makefile"), []byte(mk), 0o644)
	// Three ways under zvfs: no mounts (the hook alone), a mount the build
	// never touches (every path call is classified), and the whole build
	// inside a mem mount seeded from the tree.
	modes := []struct {
		name string
		argv []string
	}{
		{"native", []string{"make", "-s", "-j2"}},
		{"zvfs", []string{zvfsBin, "--", "make", "-s", "-j2"}},
		{"zvfs-unused-mount", []string{zvfsBin, "--mount", "mem:/zvfs-unused", "--", "make", "-s", "-j2"}},
		{"zvfs-in-mem", []string{zvfsBin, "--mount", "mem:/src=" + dir, "--", "make", "-s", "-j2", "-C", "/src"}},
	}
	for i := 0; i < b.N; i++ {
		best := map[string]time.Duration{}
		for k := 0; k < 3; k++ {
			for _, m := range modes {
				run(b, dir, nil, "make", "-s", "clean")
				r := run(b, dir, nil, m.argv...)
				if r.code != 0 {
					b.Fatalf("%s: %s", m.name, r.stderr)
				}
				if d, ok := best[m.name]; !ok || r.elapsed < d {
					best[m.name] = r.elapsed
				}
			}
		}
		native := best["native"]
		b.ReportMetric(float64(native.Milliseconds()), "native-ms")
		for _, m := range modes[1:] {
			b.ReportMetric(float64(best[m.name].Milliseconds()), m.name+"-ms")
			b.ReportMetric(float64(best[m.name])/float64(native), m.name+"-ratio")
		}
	}
}

// BenchmarkVFS: file operations on a mem mount against the same operations
// on a real tmpfs, in one run (best of 3 each): ratios, not absolutes, are
// the figures to read.
func BenchmarkVFS(b *testing.B) {
	requireHook(b)
	prog := cprog(b, "vfs_bench")
	tmpfs := b.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "tmpfs", tmpfs).CombinedOutput(); err != nil {
		missing(b, "mount tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", tmpfs).Run()
	const n = "3000"
	parse := func(r result) map[string]float64 {
		if r.code != 0 {
			b.Fatalf("vfs_bench: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		m := map[string]float64{}
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			f := strings.Fields(line)
			if len(f) == 2 {
				v, _ := strconv.ParseFloat(f[1], 64)
				m[f[0]] = v
			}
		}
		return m
	}
	for i := 0; i < b.N; i++ {
		best := func(into, got map[string]float64) {
			for k, v := range got {
				if old, ok := into[k]; !ok || v < old {
					into[k] = v
				}
			}
		}
		native, hooked := map[string]float64{}, map[string]float64{}
		for k := 0; k < 3; k++ {
			os.RemoveAll(filepath.Join(tmpfs, "dir"))
			best(native, parse(run(b, b.TempDir(), nil, prog, tmpfs, n)))
			best(hooked, parse(run(b, b.TempDir(), nil, zvfsBin, "--mount", "mem:/data", "--", prog, "/data", n)))
		}
		for name, nv := range native {
			b.ReportMetric(nv, name+"-native-ns")
			b.ReportMetric(hooked[name], name+"-zvfs-ns")
			b.ReportMetric(hooked[name]/nv, name+"-ratio")
		}
	}
}

// BenchmarkHermeticBuild: the overlay build of TestHermeticBuild's 30-unit
// project (make -j2, from clean), natively in a copy of the tree, under
// zvfs with an overlay, under fuse-overlayfs and under proot -b (the tools
// a user would pick instead), best of 3 each, as ratios to native; and the
// time and size of zvfs's snapshot of the build. A contender that is not
// installed is reported absent.
func BenchmarkHermeticBuild(b *testing.B) {
	requireHook(b)
	need(b, "make", "gcc")
	proj := b.TempDir()
	cProject(b, proj, 30)
	copyTree := func() string {
		d := b.TempDir()
		if out, err := exec.Command("cp", "-a", proj+"/.", d).CombinedOutput(); err != nil {
			b.Fatalf("cp: %v %s", err, out)
		}
		return d
	}
	type contender struct {
		name  string
		setup func() (argv []string, cleanup func(), ok bool)
	}
	contenders := []contender{
		{"native", func() ([]string, func(), bool) {
			return []string{"make", "-s", "-j2", "-C", copyTree()}, func() {}, true
		}},
		{"zvfs-overlay", func() ([]string, func(), bool) {
			return []string{zvfsBin, "--mount", "overlay:/src=" + proj, "--", "make", "-s", "-j2", "-C", "/src"}, func() {}, true
		}},
		{"fuse-overlayfs", func() ([]string, func(), bool) {
			if _, err := exec.LookPath("fuse-overlayfs"); err != nil {
				return nil, nil, false
			}
			base := b.TempDir()
			up, work, mnt := filepath.Join(base, "u"), filepath.Join(base, "w"), filepath.Join(base, "m")
			for _, d := range []string{up, work, mnt} {
				os.Mkdir(d, 0o755)
			}
			if out, err := exec.Command("fuse-overlayfs", "-o", "lowerdir="+proj+",upperdir="+up+",workdir="+work, mnt).CombinedOutput(); err != nil {
				b.Logf("fuse-overlayfs: %v %s", err, out)
				return nil, nil, false
			}
			return []string{"make", "-s", "-j2", "-C", mnt}, func() { exec.Command("umount", mnt).Run() }, true
		}},
		{"proot", func() ([]string, func(), bool) {
			if _, err := exec.LookPath("proot"); err != nil {
				return nil, nil, false
			}
			return []string{"proot", "-b", copyTree() + ":/src", "make", "-s", "-j2", "-C", "/src"}, func() {}, true
		}},
	}
	for i := 0; i < b.N; i++ {
		best := map[string]time.Duration{}
		for k := 0; k < 3; k++ {
			for _, c := range contenders {
				argv, cleanup, ok := c.setup()
				if !ok {
					continue
				}
				r := run(b, b.TempDir(), nil, argv...)
				cleanup()
				if r.code != 0 {
					b.Fatalf("%s: exit %d %s", c.name, r.code, r.stderr)
				}
				if d, ok := best[c.name]; !ok || r.elapsed < d {
					best[c.name] = r.elapsed
				}
			}
		}
		native := best["native"]
		b.ReportMetric(float64(native.Milliseconds()), "native-ms")
		for _, c := range contenders[1:] {
			d, ok := best[c.name]
			if !ok {
				b.Logf("%s: absent (not installed)", c.name)
				continue
			}
			b.ReportMetric(float64(d.Milliseconds()), c.name+"-ms")
			b.ReportMetric(float64(d)/float64(native), c.name+"-ratio")
		}
		// The snapshot of the build's upper layer.
		snap := filepath.Join(b.TempDir(), "s.tar")
		r := run(b, b.TempDir(), nil, zvfsBin, "--verbose", "--mount", "overlay:/src="+proj, "--snapshot", snap, "--", "make", "-s", "-j2", "-C", "/src")
		var size int64
		var took time.Duration
		for _, line := range strings.Split(r.stderr, "\n") {
			if strings.HasPrefix(line, "zvfs: snapshot of") {
				f := strings.Fields(line)
				fmt.Sscan(f[len(f)-4], &size)
				took, _ = time.ParseDuration(f[len(f)-1])
			}
		}
		b.ReportMetric(float64(size)/1024, "snapshot-KiB")
		b.ReportMetric(float64(took.Microseconds())/1000, "snapshot-write-ms")
	}
}

// TestBenchInterrupt: `zvfs bench` interrupted while a zvfs run of it is
// going on ends that run with SIGTERM, so the run removes its socket
// directory; with SIGKILL it was left in $TMPDIR.
func TestBenchInterrupt(t *testing.T) {
	requireHook(t)
	need(t, "gcc")
	tmp := t.TempDir()
	cmd := exec.Command(zvfsBin, "bench", "--quick", "--out", filepath.Join(tmp, "bench.json"))
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Wait for a zvfs run of the bench that lasts (not the probe's run of
	// /bin/true; not a FUSE server, which makes no socket), then interrupt the bench alone (not its process group,
	// as a terminal's ^C would).
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("no lasting zvfs run started by the bench\n%s", out.String())
		}
		if c := childWith(cmd.Process.Pid, "--mount"); c > 0 {
			time.Sleep(300 * time.Millisecond)
			if childWith(cmd.Process.Pid, "--mount") == c {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err == nil {
		t.Fatalf("bench interrupted exited 0\n%s", out.String())
	}
	if !strings.Contains(out.String(), "interrupted") {
		t.Errorf("bench output does not say it was interrupted:\n%s", out.String())
	}
	ents, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if _, err := os.Stat(filepath.Join(tmp, e.Name(), "sock")); err == nil || strings.HasPrefix(e.Name(), "zvfs-bench-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// childWith returns a child of pid whose first argument is arg, or 0.
func childWith(pid int, arg string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		i := strings.LastIndexByte(string(stat), ')')
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(pid) {
			continue
		}
		cl, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if a := strings.Split(string(cl), "\x00"); len(a) > 1 && a[1] == arg {
			c, _ := strconv.Atoi(e.Name())
			return c
		}
	}
	return 0
}
