package integration

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// lowerTree writes the tree the overlay scenarios start from.
func lowerTree(t *testing.T, dir string) {
	t.Helper()
	files := []struct {
		path, content string
		mode          os.FileMode
	}{
		{"a.txt", "alpha\n", 0o644},
		{"b.txt", "bravo\n", 0o644},
		{"ro.txt", "read only\n", 0o444},
		{"exec.sh", "#!/bin/sh\necho run\n", 0o755},
		{"dir/x.txt", "x-ray\n", 0o644},
		{"dir/sub/y.txt", "yankee\n", 0o640},
		{"h1", "hard\n", 0o644},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.content), f.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, f.mode)
	}
	for _, err := range []error{
		os.Link(filepath.Join(dir, "h1"), filepath.Join(dir, "h2")),
		os.Symlink("a.txt", filepath.Join(dir, "link")),
		os.Mkdir(filepath.Join(dir, "empty"), 0o755),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// treeState is a host tree's content, modes and times, to prove it was not
// touched.
func treeState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "%s %v %d", rel, fi.Mode(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %x", sha256.Sum256(data))
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			b.WriteString(" -> " + l)
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// kernelOverlay mounts a real overlayfs with lower as its lower layer.
func kernelOverlay(t *testing.T, lower string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "root, to mount an overlayfs")
	}
	base := t.TempDir()
	up, work, mnt := filepath.Join(base, "upper"), filepath.Join(base, "work"), filepath.Join(base, "mnt")
	for _, d := range []string{up, work, mnt} {
		os.Mkdir(d, 0o755)
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, up, work)
	if out, err := exec.Command("mount", "-t", "overlay", "overlay", "-o", opts, mnt).CombinedOutput(); err != nil {
		missing(t, "mount -t overlay: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
			exec.Command("umount", "-l", mnt).Run()
		}
	})
	return mnt
}

// TestOverlayScenarios runs each script of testdata/overlay on a kernel
// overlayfs and under `zvfs --mount overlay:/src=LOWER` over identical lower
// trees, compares what they print, and checks that zvfs left its lower tree
// as it was.
func TestOverlayScenarios(t *testing.T) {
	requireHook(t)
	overlayScenarios(t, nil, func(t *testing.T, lower, interp, script string, w string) outcome {
		return normalise("zvfs overlay", run(t, w, append([]string{"D=/src"}, scenarioEnv...),
			zvfsBin, "--mount", "overlay:/src="+lower, "--", interp, "-c", script), "/src", w)
	})
}

// TestFuseOverlayScenarios runs the same scripts through `zvfs fuse
// --mount overlay:/src=LOWER`, against kernel overlayfs.
func TestFuseOverlayScenarios(t *testing.T) {
	requireFuse(t)
	overlayScenarios(t, fuseKnownDifferent, func(t *testing.T, lower, interp, script string, w string) outcome {
		s := startFuse(t, "src/a.txt", "--mount", "overlay:/src="+lower)
		d := filepath.Join(s.mnt, "src")
		r := run(t, w, append([]string{"D=" + d}, scenarioEnv...), interp, "-c", script)
		s.unmount(t)
		return normalise("zvfs fuse overlay", r, d, w)
	})
}

// overlayScenarios runs each script of testdata/overlay on a kernel
// overlayfs and with zvfs (by under, over a lower tree of its own),
// compares what they print, and checks that zvfs left its lower tree as
// it was. The scripts named in known may differ, for the reason given.
func overlayScenarios(t *testing.T, known map[string]string, under func(t *testing.T, lower, interp, script, w string) outcome) {
	files, err := filepath.Glob(filepath.Join("testdata", "overlay", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no overlay scenarios: %v", err)
	}
	sort.Strings(files)
	for _, f := range files {
		interp, ok := scenarioInterp[filepath.Ext(f)]
		if !ok {
			continue
		}
		script, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			need(t, interp)
			kl, zl := t.TempDir(), t.TempDir()
			lowerTree(t, kl)
			lowerTree(t, zl)
			before := treeState(t, zl)
			mnt := kernelOverlay(t, kl)
			w := t.TempDir()
			native := normalise("kernel overlayfs", run(t, w, append([]string{"D=" + mnt}, scenarioEnv...), interp, "-c", string(script)), mnt, w)
			z := under(t, zl, interp, string(script), w)
			if why, ok := known[filepath.Base(f)]; !ok {
				compareOutcomes(t, native, z)
			} else if native != z {
				t.Logf("%s differs, as known (%s)", z.label, why)
			}
			if after := treeState(t, zl); after != before {
				t.Errorf("the lower tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// tarEntries lists a tarball's entries as "TYPE NAME MODE[ -> LINK]".
func tarEntries(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		e := fmt.Sprintf("%c %s %o", h.Typeflag, h.Name, h.Mode&0o7777)
		if h.Linkname != "" {
			e += " -> " + h.Linkname
		}
		out = append(out, e)
	}
	return out
}

// cProject writes a C project of n translation units, a header tree and a
// Makefile. Each unit registers itself at start, so that the program works
// with any subset of them; it prints how many it found and their sum.
func cProject(t testing.TB, dir string, n int) {
	t.Helper()
	write := func(p, s string) {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("include/reg/reg.h", "#pragma once\nvoid reg(int n);\n#include \"reg/limits.h\"\n")
	write("include/reg/limits.h", "#pragma once\n#define MAXUNITS 1000\n")
	write("include/util.h", "#pragma once\n#include <stdio.h>\n#define UNIT(n) __attribute__((constructor)) static void unit_##n(void) { reg(n); }\n")
	for i := 0; i < n; i++ {
		write(fmt.Sprintf("u%02d.c", i), fmt.Sprintf("#include \"reg/reg.h\"\n#include \"util.h\"\nUNIT(%d)\nint f%d(int x) { return x * %d; }\n", i, i, i))
	}
	write("main.c", "#include <stdio.h>\n#include \"reg/reg.h\"\nstatic int count, sum;\nvoid reg(int n) { count++; sum += n; }\nint main(void) { printf(\"units %d sum %d\\n\", count, sum); return 0; }\n")
	write("Makefile", "SRCS := $(sort $(wildcard *.c))\nOBJS := $(SRCS:.c=.o)\nCFLAGS := -O2 -Iinclude\nprog: $(OBJS)\n\t$(CC) -o $@ $^\n%.o: %.c $(wildcard include/*.h include/*/*.h)\n\t$(CC) $(CFLAGS) -c -o $@ $<\n")
}

// TestHermeticBuild builds a 30-unit C project through an overlay: the host
// tree stays as it was, the snapshot holds exactly the build's outputs, a
// second run on top of it finds nothing to do, and a deletion reaches the
// next snapshot as a whiteout.
func TestHermeticBuild(t *testing.T) {
	requireHook(t)
	need(t, "make", "gcc", "tar")
	proj, out := t.TempDir(), t.TempDir()
	cProject(t, proj, 30)
	before := treeState(t, proj)
	snap := filepath.Join(out, "s.tar")
	r := run(t, out, nil, zvfsBin, "--mount", "overlay:/src="+proj, "--snapshot", snap, "--",
		"make", "-s", "-C", "/src", "-j2")
	if r.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if after := treeState(t, proj); after != before {
		t.Fatalf("the project tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	var want []string
	for i := 0; i < 30; i++ {
		want = append(want, fmt.Sprintf("0 u%02d.o 644", i))
	}
	want = append(want, "0 main.o 644", "0 prog 755")
	sort.Strings(want)
	got := tarEntries(t, snap)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("snapshot entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// GNU tar reads it.
	if b, err := exec.Command("tar", "-tvf", snap).CombinedOutput(); err != nil || !strings.Contains(string(b), "prog") {
		t.Fatalf("tar -tvf: %v\n%s", err, b)
	}
	// On top of the snapshot: the program runs, and make has nothing to do.
	r = run(t, out, nil, zvfsBin, "--mount", "overlay:/src="+proj+",layers="+snap, "--",
		"sh", "-c", "/src/prog && make -C /src")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "units 30 sum 435\n") || !strings.Contains(r.stdout, "is up to date") {
		t.Fatalf("second run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A source deleted in the overlay: the build works without it, and its
	// whiteout is in the snapshot.
	snap2 := filepath.Join(out, "s2.tar")
	r = run(t, out, nil, zvfsBin, "--mount", "overlay:/src="+proj+",layers="+snap, "--snapshot", snap2, "--",
		"sh", "-c", "rm /src/u07.c /src/u07.o /src/prog && make -s -C /src && /src/prog")
	if r.code != 0 || r.stdout != "units 29 sum 428\n" {
		t.Fatalf("build without u07.c: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	entries := strings.Join(tarEntries(t, snap2), "\n")
	for _, e := range []string{"0 .wh.u07.c", "0 .wh.u07.o", "0 prog"} {
		if !strings.Contains(entries, e) {
			t.Errorf("second snapshot lacks %q:\n%s", e, entries)
		}
	}
	if after := treeState(t, proj); after != before {
		t.Fatalf("the project tree changed in the second build")
	}
	// zvfs diff says what the layer did.
	r = run(t, out, nil, zvfsBin, "diff", snap2)
	if r.code != 0 || !strings.Contains(r.stdout, "D /u07.c") || !strings.Contains(r.stdout, "prog") {
		t.Fatalf("zvfs diff: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestSnapshotDeterministic: the same build twice, with SOURCE_DATE_EPOCH,
// gives byte-identical snapshots.
func TestSnapshotDeterministic(t *testing.T) {
	requireHook(t)
	need(t, "make", "gcc")
	proj, out := t.TempDir(), t.TempDir()
	cProject(t, proj, 5)
	var sums []string
	for i := 0; i < 2; i++ {
		snap := filepath.Join(out, fmt.Sprintf("s%d.tar", i))
		r := run(t, out, []string{"SOURCE_DATE_EPOCH=1700000000"}, zvfsBin, "--mount", "overlay:/src="+proj,
			"--snapshot", snap, "--", "sh", "-c", "make -s -C /src && mkdir /src/d && ln -s prog /src/d/l && ln /src/prog /src/d/hard && rm /src/u01.c")
		if r.code != 0 {
			t.Fatalf("run %d: %s", i, r.stderr)
		}
		b, err := os.ReadFile(snap)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, fmt.Sprintf("%x", sha256.Sum256(b)))
	}
	if sums[0] != sums[1] {
		t.Fatalf("two identical runs gave different snapshots: %v", sums)
	}
}

// TestSnapshotWriterModes: the modes that tar x and install give the files
// they write through their descriptors (an fchmod the stub answers, which
// leaves the mode on the file's memfd) are the modes the snapshot records.
func TestSnapshotWriterModes(t *testing.T) {
	requireHook(t)
	need(t, "tar", "install")
	lower, out := t.TempDir(), t.TempDir()
	archive := filepath.Join(out, "in.tar")
	modes := map[string]int64{"x/a": 0o640, "x/b": 0o755, "x/c": 0o600, "x/d": 0o444, "x/e": 0o1711}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "x/", Mode: 0o750, Typeflag: tar.TypeDir}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x/a", "x/b", "x/c", "x/d", "x/e"} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: modes[name], Size: 3, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte("hi\n"))
	}
	tw.Close()
	if err := os.WriteFile(archive, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(out, "snap.tar")
	r := run(t, out, nil, zvfsBin, "--mount", "overlay:/src="+lower, "--snapshot", snap, "--", "sh", "-c",
		"tar -xf "+archive+" -C /src && install -m 0751 /bin/true /src/t && stat -c '%n %a' /src/x/* /src/t")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	modes["x"], modes["t"] = 0o750, 0o751
	got := map[string]int64{}
	for _, e := range tarEntries(t, snap) {
		var typ byte
		var name string
		var mode int64
		if _, err := fmt.Sscanf(e, "%c %s %o", &typ, &name, &mode); err == nil {
			got[strings.TrimSuffix(name, "/")] = mode
		}
	}
	for name, want := range modes {
		if got[name] != want {
			t.Errorf("%s: snapshot mode %o, want %o (the run saw: %s)", name, got[name], want, r.stdout)
		}
	}
}

// TestSnapshotOnFailure: the snapshot is written when the program fails and
// when it is killed by a signal.
func TestSnapshotOnFailure(t *testing.T) {
	requireHook(t)
	proj, out := t.TempDir(), t.TempDir()
	lowerTree(t, proj)
	for i, script := range []string{"echo x > /src/new; exit 3", "echo x > /src/new; kill -9 $$"} {
		snap := filepath.Join(out, fmt.Sprintf("f%d.tar", i))
		r := run(t, out, nil, zvfsBin, "--mount", "overlay:/src="+proj, "--snapshot", snap, "--", "sh", "-c", script)
		if r.code != 3 && r.code != 128+9 {
			t.Fatalf("%q: exit %d %s", script, r.code, r.stderr)
		}
		if e := tarEntries(t, snap); len(e) != 1 || !strings.HasPrefix(e[0], "0 new ") {
			t.Fatalf("%q: snapshot %v", script, e)
		}
		if m, _ := filepath.Glob(filepath.Join(out, "*.tmp*")); len(m) > 0 {
			t.Fatalf("temporary files left: %v", m)
		}
	}
}

// TestTarMount mounts a snapshot read-only and lists it.
func TestTarMount(t *testing.T) {
	requireHook(t)
	need(t, "tar")
	src, out := t.TempDir(), t.TempDir()
	lowerTree(t, src)
	arch := filepath.Join(out, "a.tar.gz")
	if b, err := exec.Command("tar", "-czf", arch, "-C", src, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, b)
	}
	r := run(t, out, nil, zvfsBin, "--mount", "tar:/ref="+arch, "--", "sh", "-c",
		"cat /ref/dir/sub/y.txt; readlink /ref/link; stat -c '%a %h' /ref/ro.txt /ref/h1; (echo x > /ref/new) 2>&1 | sed 's/.*: //'; ls /ref | tr '\\n' ' '")
	want := "yankee\na.txt\n444 1\n644 2\nRead-only file system\na.txt b.txt dir empty exec.sh h1 h2 link ro.txt "
	if r.code != 0 || r.stdout != want {
		t.Fatalf("exit %d\n%q\nwant\n%q\n%s", r.code, r.stdout, want, r.stderr)
	}
}

// TestReport: --report lists what the run read, wrote, created and deleted
// in each mount, and the programs it ran.
func TestReport(t *testing.T) {
	requireHook(t)
	proj, out := t.TempDir(), t.TempDir()
	lowerTree(t, proj)
	rep := filepath.Join(out, "r.json")
	r := run(t, out, nil, zvfsBin, "--mount", "overlay:/src="+proj, "--mount", "mem:/tmpx", "--report", rep, "--",
		"sh", "-c", "cat /src/a.txt > /tmpx/copy; echo 1 >> /src/b.txt; rm /src/dir/x.txt; mkdir /src/n; cp /bin/true /tmpx/t; /tmpx/t")
	if r.code != 0 {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	s := string(bytes.Join(bytes.Fields(b), nil))
	for _, want := range []string{
		`"/src":{"read":["/src/a.txt"],"written":["/src/b.txt"],"created":["/src/n"],"deleted":["/src/dir/x.txt"]}`,
		`"/tmpx":{"read":["/tmpx/t"],"written":[],"created":["/tmpx/copy","/tmpx/t"],"deleted":[]}`,
		`"/tmpx/t"`, `/cp"`, `/cat"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %s:\n%s", want, b)
		}
	}
}

// TestZvfsDiff: zvfs diff says what a snapshot adds, changes and deletes,
// as text and as JSON, and GNU tar reads the snapshot without a warning.
func TestZvfsDiff(t *testing.T) {
	requireHook(t)
	need(t, "tar")
	proj, out := t.TempDir(), t.TempDir()
	lowerTree(t, proj)
	snap := filepath.Join(out, "s.tar")
	r := run(t, out, nil, zvfsBin, "--mount", "overlay:/src="+proj, "--snapshot", snap, "--", "sh", "-c",
		"echo more >> /src/b.txt && rm /src/a.txt /src/dir/sub/y.txt && echo n > /src/new && mkdir /src/nd")
	if r.code != 0 {
		t.Fatalf("run: %s", r.stderr)
	}
	r = run(t, out, nil, zvfsBin, "diff", snap)
	want := "D /a.txt\nM /b.txt\nM /dir\nM /dir/sub\nD /dir/sub/y.txt\nA /nd\nA /new\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("zvfs diff: exit %d\n%s\nwant\n%s%s", r.code, r.stdout, want, r.stderr)
	}
	r = run(t, out, nil, zvfsBin, "diff", "--json", snap)
	if r.code != 0 || !strings.Contains(r.stdout, `"kind": "D"`) || !strings.Contains(r.stdout, `"path": "/new"`) {
		t.Fatalf("zvfs diff --json: %s %s", r.stdout, r.stderr)
	}
	if b, err := exec.Command("tar", "-tvf", snap).CombinedOutput(); err != nil || strings.Contains(string(b), "tar:") {
		t.Fatalf("tar -tvf: %v\n%s", err, b)
	}
	if r := run(t, out, nil, zvfsBin, "diff", filepath.Join(out, "missing.tar")); r.code != 1 || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("missing file: exit %d %q", r.code, r.stderr)
	}
}

// TestOverlayErrnoC runs the raw-system-call programs of the mem scenarios
// on an overlay over an empty lower directory, against a kernel overlayfs
// whose upper layer is a tmpfs (so that sizes and link counts are tmpfs's
// on both sides).
func TestOverlayErrnoC(t *testing.T) {
	for _, name := range []string{"vfs_errno", "vfs_fattr"} {
		t.Run(name, func(t *testing.T) { overlayDifferential(t, name) })
	}
}

// overlayDifferential runs testdata/NAME.c with its directory on a zvfs
// overlay over an empty lower directory and on a kernel overlayfs, and
// compares.
func overlayDifferential(t *testing.T, name string) {
	requireHook(t)
	prog := cprog(t, name)
	lower := t.TempDir()
	base := tmpfsDir(t, "zvfs-ovl-upper-")
	up, work, mnt := filepath.Join(base, "upper"), filepath.Join(base, "work"), t.TempDir()
	os.Mkdir(up, 0o755)
	os.Mkdir(work, 0o755)
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, up, work)
	if out, err := exec.Command("mount", "-t", "overlay", "overlay", "-o", opts, mnt).CombinedOutput(); err != nil {
		missing(t, "mount -t overlay: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	w := t.TempDir()
	native := normalise("kernel overlayfs", run(t, w, scenarioEnv, prog, mnt), mnt, w)
	zl := t.TempDir()
	z := normalise("zvfs overlay", run(t, w, scenarioEnv, zvfsBin, "--mount", "overlay:/src="+zl, "--", prog, "/src"), "/src", w)
	compareOutcomes(t, native, z)
}

// TestSnapshotSpecs: --snapshot needs an overlay; with several, it must
// name one; bad overlay specs, and files zvfs could not write at the end
// (in a missing directory, onto a directory, inside a mount, a name that
// is a flag), are one line, exit 2, and nothing runs.
func TestSnapshotSpecs(t *testing.T) {
	requireHook(t)
	a, b, out := t.TempDir(), t.TempDir(), t.TempDir()
	ran := filepath.Join(out, "ran")
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--mount", "overlay:/a=" + a, "--snapshot", "--", "touch", ran}, 2},
		{[]string{"--mount", "overlay:/a=" + a, "--snapshot", filepath.Join(out, "no", "s.tar"), "--", "touch", ran}, 2},
		{[]string{"--mount", "overlay:/a=" + a, "--snapshot", out, "--", "touch", ran}, 2},
		{[]string{"--mount", "overlay:/a=" + a, "--snapshot", "/a/s.tar", "--", "touch", ran}, 2},
		{[]string{"--mount", "overlay:/a=" + a, "--report", filepath.Join(out, "no", "r.json"), "--", "touch", ran}, 2},
		{[]string{"--snapshot", "s.tar", "--", "true"}, 2},
		{[]string{"--mount", "mem:/m", "--snapshot", "s.tar", "--", "true"}, 2},
		{[]string{"--mount", "overlay:/a=" + a, "--mount", "overlay:/b=" + b, "--snapshot", "s.tar", "--", "true"}, 2},
		{[]string{"--mount", "overlay:/a=" + a, "--snapshot", "/b=s.tar", "--", "true"}, 2},
		{[]string{"--mount", "overlay:/a", "--", "true"}, 2},
		{[]string{"--mount", "overlay:/a=" + a + ",layers=" + filepath.Join(out, "none.tar"), "--", "true"}, 2},
		{[]string{"--mount", "tar:/t=" + a, "--", "true"}, 2},
		{[]string{"--mount", "overlay:/a=" + a, "--mount", "overlay:/b=" + b, "--snapshot", "/b=s.tar", "--", "sh", "-c", "echo x > /b/f"}, 0},
	} {
		r := run(t, out, nil, append([]string{zvfsBin}, c.args...)...)
		if r.code != c.code || (c.code == 2 && strings.Count(r.stderr, "\n") != 1) {
			t.Errorf("%v: exit %d, stderr %q", c.args, r.code, r.stderr)
		}
	}
	if e := tarEntries(t, filepath.Join(out, "s.tar")); len(e) != 1 || !strings.HasPrefix(e[0], "0 f ") {
		t.Errorf("snapshot of /b: %v", e)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("a run with an unusable output file ran its program")
	}
	if os.Geteuid() == 0 {
		// An ordinary user, a directory they may not write in.
		zvfs := userZvfs(t, userBin(t))
		base := hostDir(t, "zvfs-snapcheck-")
		lower := filepath.Join(base, "lower")
		os.Mkdir(lower, 0o755)
		r := run(t, "/", nil, append(append([]string{}, nobody...), zvfs, "--mount", "overlay:/a="+lower,
			"--snapshot", filepath.Join(base, "s.tar"), "--", "true")...)
		if r.code != 2 || !strings.Contains(r.stderr, "cannot write in "+base) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("as nobody, into %s: exit %d, stderr %q", base, r.code, r.stderr)
		}
	}
}

// TestSnapshotSpecialFiles: FIFOs and devices made in an overlay travel in
// its snapshot (a socket file does not, as tar does not archive one), and
// a run stacked on it has them again, working: a FIFO passes data, the
// device reaches its driver.
func TestSnapshotSpecialFiles(t *testing.T) {
	requireHook(t)
	need(t, "python3")
	lower, out, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	snap := filepath.Join(out, "s.tar")
	env := []string{"TMPDIR=" + tmp} // where the host nodes go, and must be gone from after the run
	r := run(t, out, env, zvfsBin, "--mount", "overlay:/src="+lower, "--snapshot", snap, "--", "sh", "-c",
		`mkfifo -m 640 /src/p && mknod /src/zero c 1 5 && python3 -c 'import os, stat; os.mknod("/src/s", 0o600 | stat.S_IFSOCK)'`)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got, want := strings.Join(tarEntries(t, snap), "\n"), "6 p 640\n3 zero 644"; got != want {
		t.Errorf("snapshot:\n%s\nwant:\n%s", got, want)
	}
	r = run(t, out, env, zvfsBin, "--mount", "overlay:/src="+lower+",layers="+snap, "--", "sh", "-c",
		`stat -c '%n %F %a %t:%T' /src/p /src/zero && (echo through > /src/p &) && cat /src/p && head -c 3 /src/zero | od -An -tx1`)
	want := "/src/p fifo 640 0:0\n/src/zero character special file 644 1:5\nthrough\n 00 00 00\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("stacked run: exit %d\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
	if entries, _ := os.ReadDir(lower); len(entries) != 0 {
		t.Errorf("the lower directory was written: %v", entries)
	}
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		if e.Name() != fmt.Sprintf("zvfs-%d", os.Getuid()) { // the stub's cache, kept on purpose
			t.Errorf("left in TMPDIR: %s", e.Name())
		}
	}
}

// TestSpecialFilesAsUser: an ordinary user makes and uses FIFOs in a mem
// mount (theirs) and an overlay; making a device is EPERM, as natively.
func TestSpecialFilesAsUser(t *testing.T) {
	requireHook(t)
	requireRoot(t)
	zvfs := userZvfs(t, userBin(t))
	lower := hostDir(t, "zvfs-special-lower-")
	if err := os.Chown(lower, 65534, 65534); err != nil { // the overlay's root is the user's
		t.Fatal(err)
	}
	script := `for d in /m /o; do mkfifo $d/p && (echo "through $d" > $d/p &) && cat $d/p; done
mknod /m/c c 1 3 2>/dev/null; echo "mknod: $?"; ls -l /m /o | cut -c1-10 | grep '^p'`
	r := run(t, "/", []string{"HOME=/nonexistent"}, append(append([]string{}, nobody...), zvfs,
		"--mount", "mem:/m", "--mount", "overlay:/o="+lower, "--", "sh", "-c", script)...)
	want := "through /m\nthrough /o\nmknod: 1\nprw-r--r--\nprw-r--r--\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
}

// TestXattrsThroughTools: cp -a and tar --xattrs keep extended attributes
// inside an overlay, and the snapshot carries them (SCHILY.xattr.*) to a
// run stacked on it.
func TestXattrsThroughTools(t *testing.T) {
	requireHook(t)
	need(t, "python3", "tar", "cp")
	lower, out := t.TempDir(), t.TempDir()
	snap := filepath.Join(out, "s.tar")
	get := `python3 -c 'import os, sys; print([os.getxattr(p, "user.k").decode() for p in sys.argv[1:]])'`
	r := run(t, out, nil, zvfsBin, "--mount", "overlay:/src="+lower, "--snapshot", snap, "--", "sh", "-c",
		`set -e; cd /src; echo x > f; python3 -c 'import os; os.setxattr("f", "user.k", b"v")'
cp -a f g; tar --xattrs -cf t.tar f; mkdir u; tar --xattrs -xf t.tar -C u; rm t.tar
`+get+` f g u/f`)
	if r.code != 0 || r.stdout != "['v', 'v', 'v']\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	f, err := os.Open(snap)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, found := tar.NewReader(f), 0
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.PAXRecords["SCHILY.xattr.user.k"] == "v" {
			found++
		}
	}
	if found != 3 {
		t.Errorf("%d entries of the snapshot carry user.k, want 3 (f, g, u/f)", found)
	}
	r = run(t, out, nil, zvfsBin, "--mount", "overlay:/src="+lower+",layers="+snap, "--", "sh", "-c", "cd /src && "+get+" f g u/f")
	if r.code != 0 || r.stdout != "['v', 'v', 'v']\n" {
		t.Errorf("stacked run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
