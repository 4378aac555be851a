package integration

// The FUSE front end: `zvfs fuse --mount mem:/data MNT` serves the same
// backends as a run, to processes zvfs did not start. Every script of
// testdata/scenarios runs natively in a fresh tmpfs and with D=MNT/data
// under a fresh `zvfs fuse`, and the two must print the same, as in
// TestVFSScenarios. Under CI=true a missing /dev/fuse or fusermount3 fails.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fuseKnownDifferent lists the scenarios whose output differs through FUSE
// for reasons that are FUSE's, not zvfs's, with the reason. They are run
// and their differences logged, not failed.
var fuseKnownDifferent = map[string]string{
	"renamedir.py": "the FUSE door finds an open directory's node again by its path (go-fuse issue 55)",
	"cwdmoves.py":  "stat(\".\") in a removed working directory is ENOENT: the FUSE node is found again by its path (go-fuse issue 55)",
	"sockets.py": "connect(2) checks write permission on a socket file in the kernel, which for FUSE happens " +
		"only with default_permissions; the door checks in its handlers, which a connect never reaches",
}

// requireFuse checks that this machine can mount FUSE file systems.
func requireFuse(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "root, to mount FUSE file systems for every user")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		missing(t, "/dev/fuse: %v", err)
	}
	need(t, "fusermount3")
}

// fuseServer is a running `zvfs fuse`.
type fuseServer struct {
	mnt    string
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan struct{}
	err    error
}

// startFuse runs `zvfs fuse ARGS MNT` and waits until MNT/ready exists.
func startFuse(t *testing.T, ready string, args ...string) *fuseServer {
	t.Helper()
	s := &fuseServer{mnt: hostDir(t, "zvfs-fuse-mnt-"), done: make(chan struct{})}
	s.cmd = exec.Command(zvfsBin, append(append([]string{"fuse"}, args...), s.mnt)...)
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(s.mnt, ready)); err == nil {
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("zvfs fuse exited before serving: %v\n%s", s.err, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("zvfs fuse: %s did not appear in 10s\n%s", ready, s.stderr.String())
		}
	}
}

// stop tears the server down whatever its state (test cleanup).
func (s *fuseServer) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	exec.Command("umount", "-l", s.mnt).Run()
	s.cmd.Process.Kill()
	<-s.done
}

// unmount unmounts MNT as a user would and checks that zvfs fuse exits 0.
func (s *fuseServer) unmount(t *testing.T) {
	t.Helper()
	var out []byte
	var err error
	for i := 0; i < 50; i++ { // a process of the scenario may still be letting go
		if out, err = exec.Command("fusermount3", "-u", s.mnt).CombinedOutput(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("fusermount3 -u %s: %v: %s", s.mnt, err, out)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("zvfs fuse still running 10s after the unmount\n%s", s.stderr.String())
	}
	if s.err != nil {
		t.Fatalf("zvfs fuse: %v\n%s", s.err, s.stderr.String())
	}
}

// fuseRun runs argv with D=MNT/data under a fresh `zvfs fuse --mount
// mem:/data MNT`, then unmounts it.
func fuseRun(t *testing.T, argv []string) outcome {
	t.Helper()
	s := startFuse(t, "data", "--mount", "mem:/data")
	d := filepath.Join(s.mnt, "data")
	w := hostDir(t, "zvfs-fuse-cwd-")
	r := run(t, w, append([]string{"D=" + d}, scenarioEnv...), expand(argv, d)...)
	s.unmount(t)
	return normalise("zvfs fuse", r, d, w)
}

// TestFuseScenarios runs every script of testdata/scenarios natively and
// through zvfs fuse.
func TestFuseScenarios(t *testing.T) {
	requireFuse(t)
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios in testdata/scenarios (%v)", err)
	}
	sort.Strings(files)
	for _, f := range files {
		interp, ok := scenarioInterp[filepath.Ext(f)]
		if !ok {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name, script := filepath.Base(f), string(b)
		t.Run(name, func(t *testing.T) {
			need(t, interp)
			need(t, scriptTools(script)...)
			argv := []string{interp, "-c", script}
			native := nativeRun(t, "native", "zvfs-fuse-", argv)
			got := fuseRun(t, argv)
			if why, known := fuseKnownDifferent[name]; known {
				if native != got {
					t.Logf("differs through FUSE, as known (%s)", why)
				}
				return
			}
			compareOutcomes(t, native, got)
		})
	}
}

// scriptTools reads a script's "# need: TOOL..." lines.
func scriptTools(script string) []string {
	var tools []string
	for _, line := range strings.Split(script, "\n") {
		if rest, ok := strings.CutPrefix(line, "# need:"); ok {
			tools = append(tools, strings.Fields(rest)...)
		}
	}
	return tools
}

// TestFuseOverlaySnapshot: changes made through FUSE to an overlay end in
// the snapshot written at unmount, and the lower directory is untouched.
func TestFuseOverlaySnapshot(t *testing.T) {
	requireFuse(t)
	lower := hostDir(t, "zvfs-fuse-lower-")
	lowerTree(t, lower)
	before := treeState(t, lower)
	snap := filepath.Join(t.TempDir(), "s.tar")
	s := startFuse(t, "src/a.txt", "--mount", "overlay:/src="+lower, "--snapshot", snap)
	script := `set -e; cd "$1/src"
echo new > new.txt; echo more >> a.txt; rm b.txt; mkdir nd; chmod 600 dir/x.txt
ln -s new.txt nl; mv exec.sh dir/sub/; cat a.txt; ls`
	r := run(t, t.TempDir(), nil, "sh", "-c", script, "sh", s.mnt)
	if r.code != 0 {
		t.Fatalf("writing through FUSE: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := "alpha\nmore\na.txt\ndir\nempty\nh1\nh2\nlink\nnd\nnew.txt\nnl\nro.txt\n"; r.stdout != want {
		t.Errorf("through FUSE:\n%s", lineDiff(want, r.stdout))
	}
	s.unmount(t)
	got := strings.Join(tarEntries(t, snap), "\n") + "\n"
	want := strings.Join([]string{
		"0 .wh.b.txt 0", "0 .wh.exec.sh 0", "0 a.txt 644", "5 dir/ 755", "5 dir/sub/ 755",
		"0 dir/sub/exec.sh 755", "0 dir/x.txt 600", "5 nd/ 755", "0 new.txt 644", "2 nl 777 -> new.txt", "",
	}, "\n")
	if got != want {
		t.Errorf("snapshot entries:\n%s", lineDiff(want, got))
	}
	if after := treeState(t, lower); after != before {
		t.Errorf("the lower tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestFuseInterrupt: SIGTERM unmounts and zvfs fuse exits 0.
func TestFuseInterrupt(t *testing.T) {
	requireFuse(t)
	s := startFuse(t, "data", "--mount", "mem:/data")
	if err := os.WriteFile(filepath.Join(s.mnt, "data", "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("zvfs fuse still running 10s after SIGTERM\n%s", s.stderr.String())
	}
	if s.err != nil {
		t.Fatalf("zvfs fuse: %v\n%s", s.err, s.stderr.String())
	}
	if b, err := os.ReadFile("/proc/self/mounts"); err == nil && strings.Contains(string(b), s.mnt) {
		t.Errorf("%s is still mounted", s.mnt)
	}
}

// capWrite: a file with capabilities (security.capability) written by an
// unprivileged user loses them, as the kernel removes them then.
const capWrite = `
import os, struct
p = os.environ["D"] + "/capf"
open(p, "w").write("x")
os.chmod(p, 0o777)
os.setxattr(p, "security.capability", struct.pack("<IIIII", 0x02000000, 1, 0, 0, 0))
pid = os.fork()
if pid == 0:
    os.setgid(65534)
    os.setuid(65534)
    fd = os.open(p, os.O_WRONLY)
    os.write(fd, b"y")
    os.close(fd)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print("written", status == 0)
try:
    print("capabilities", os.getxattr(p, "security.capability").hex())
except OSError as e:
    print("capabilities gone", e.errno)
`

// TestFuseCapabilitiesWritten: through the FUSE door, the kernel's removal
// of a written file's capabilities, sent with the writer's credentials,
// goes through, as on tmpfs (it failed the write with EPERM).
func TestFuseCapabilitiesWritten(t *testing.T) {
	requireFuse(t)
	need(t, "python3")
	native := nativeRun(t, "native", "zvfs-fusecap-", []string{"python3", "-c", capWrite})
	s := startFuse(t, "d", "--mount", "mem:/d,mode=777")
	r := run(t, t.TempDir(), []string{"D=" + filepath.Join(s.mnt, "d")}, "python3", "-c", capWrite)
	if r.code != 0 || r.stdout != native.stdout {
		t.Errorf("through FUSE: exit %d\n%s%s\nnative:\n%s", r.code, r.stdout, r.stderr, native.stdout)
	}
}

// TestFuseOverlayInodes: through the FUSE door, an overlay's lower files
// (numbered by the host, here a fresh tmpfs that starts from small
// numbers) and the files written into it (numbered by mem from 1) never
// share an inode number. The kernel took two files with one number for
// links of one inode and gave one's pages for the other: a build read
// another file's bytes (NUL bytes, a truncated header) now and then. Every
// file keeps its own content, every name its own st_ino, and readdir's
// d_ino is stat's.
func TestFuseOverlayInodes(t *testing.T) {
	requireFuse(t)
	need(t, "python3")
	lower := tmpfsDir(t, "zvfs-fuse-ino-")
	for i := 0; i < 40; i++ {
		if err := os.WriteFile(filepath.Join(lower, fmt.Sprintf("low%02d", i)), []byte(strings.Repeat(fmt.Sprintf("lower %d\n", i), i+1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := startFuse(t, "src/low00", "--mount", "overlay:/src="+lower)
	script := `
import os, sys
d = os.path.join(sys.argv[1], "src")
for i in range(40):
    with open(os.path.join(d, "new%02d" % i), "w") as f:
        f.write(("new %d\n" % i) * (i + 3))
os.mkdir(os.path.join(d, "newdir"))
bad = 0
for i in range(40):
    for kind, n in (("lower", i + 1), ("new", i + 3)):
        name = ("low%02d" if kind == "lower" else "new%02d") % i
        got = open(os.path.join(d, name)).read()
        if got != ("%s %d\n" % (kind, i)) * n:
            print("content of", name, repr(got[:40])); bad += 1
inos = {}
for e in os.scandir(d):
    st = os.stat(os.path.join(d, e.name), follow_symlinks=False)
    if e.inode() != st.st_ino:
        print("d_ino of", e.name, e.inode(), "st_ino", st.st_ino); bad += 1
    if st.st_ino in inos:
        print("inode", st.st_ino, "of", e.name, "and", inos[st.st_ino]); bad += 1
    inos[st.st_ino] = e.name
print(len(inos), "names,", bad, "wrong")
`
	r := run(t, t.TempDir(), nil, "python3", "-c", script, s.mnt)
	if r.code != 0 || r.stdout != "81 names, 0 wrong\n" {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	s.unmount(t)
}
