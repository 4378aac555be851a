// contenders.go: the ways a workload is run — natively, under zvfs's hook,
// through zvfs's FUSE front end, fuse-overlayfs, proot and the kernel's
// overlayfs — each as a setup that shows the workload's tree at a path and
// says how to start a program there.

package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// contender is one way of running a workload.
type contender struct {
	name, desc string
	probe      func(s *suite) string                     // why it cannot run here; "" if it can
	setup      func(s *suite, seed string) (*env, error) // seed: the tree the workload starts with
}

// env is a contender set up for one run.
type env struct {
	dir  string   // where the workload's tree is seen
	wrap []string // the argv prefix that runs a program under the contender
	undo []func() // run in reverse order by close
}

// argv is the command line that runs a under the contender.
func (e *env) argv(a ...string) []string {
	return append(append([]string{}, e.wrap...), a...)
}

func (e *env) close() {
	for i := len(e.undo) - 1; i >= 0; i-- {
		e.undo[i]()
	}
}

// The contenders' names.
const (
	Native        = "native"
	ZvfsMem       = "zvfs-mem"
	ZvfsOverlay   = "zvfs-overlay"
	ZvfsNet       = "zvfs-net"
	FuseMem       = "fuse-mem"
	FuseOverlay   = "fuse-overlay"
	FuseOverlayfs = "fuse-overlayfs"
	Proot         = "proot"
	KernelOverlay = "overlayfs"
)

func contenders() []contender {
	return []contender{
		{Native, "no tool: a copy of the tree in the scratch directory (a tmpfs when root)", nil, setupNative},
		{ZvfsMem, "zvfs hook, the tree in a mem mount (zvfs --mount mem:/zvfs-bench=TREE)", probeHook, hookSetup("mem")},
		{ZvfsOverlay, "zvfs hook, an overlay mount over the tree (zvfs --mount overlay:/zvfs-bench=TREE)", probeHook, hookSetup("overlay")},
		{ZvfsNet, "zvfs --net: the tree in a mem mount, every process caught by the seccomp net, no stub (what a run gets where address 0 cannot be mapped)", probeNet, netSetup},
		{FuseMem, "zvfs fuse --mount mem:/=TREE MNT, the program run natively in MNT", probeFuse, fuseSetup("mem")},
		{FuseOverlay, "zvfs fuse --mount overlay:/=TREE MNT, the program run natively in MNT", probeFuse, fuseSetup("overlay")},
		{FuseOverlayfs, "fuse-overlayfs over the tree (lowerdir=TREE, upper in the scratch directory)", probeFuseOverlayfs, setupFuseOverlayfs},
		{Proot, "proot -b COPY:/zvfs-bench (ptrace)", probeProot, setupProot},
		{KernelOverlay, "mount -t overlay over the tree: the in-kernel reference", probeKernelOverlay, setupKernelOverlay},
	}
}

// copyTree copies seed into a fresh directory, removed by the env's close.
func (s *suite) copyTree(seed string, e *env) (string, error) {
	d, err := s.fresh("copy")
	if err != nil {
		return "", err
	}
	e.undo = append(e.undo, func() { os.RemoveAll(d) })
	if out, err := exec.Command("cp", "-a", seed+"/.", d).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cp: %v: %s", err, firstLine(out))
	}
	return d, nil
}

func setupNative(s *suite, seed string) (*env, error) {
	e := &env{}
	d, err := s.copyTree(seed, e)
	e.dir = d
	return e, err
}

func hookSetup(kind string) func(*suite, string) (*env, error) {
	return func(s *suite, seed string) (*env, error) {
		spec := fmt.Sprintf("%s:%s=%s", kind, target, seed)
		return &env{dir: target, wrap: []string{s.opt.Zvfs, "--mount", spec, "--"}}, nil
	}
}

// probeHook runs zvfs with a mount, as the contenders do: where address 0
// cannot be mapped that is the seccomp net alone, which the results then
// show (zvfs says so on stderr).
func probeHook(s *suite) string {
	out, err := command(s.ctx, s.opt.Zvfs, "--mount", "mem:"+target, "--", "/bin/true").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("zvfs --mount mem:%s -- /bin/true: %v: %s", target, err, firstLine(out))
	}
	return ""
}

func probeNet(s *suite) string {
	out, err := command(s.ctx, s.opt.Zvfs, "--net", "--mount", "mem:"+target, "--", "/bin/true").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("zvfs --net -- /bin/true: %v: %s", err, firstLine(out))
	}
	return ""
}

func netSetup(s *suite, seed string) (*env, error) {
	spec := fmt.Sprintf("mem:%s=%s", target, seed)
	return &env{dir: target, wrap: []string{s.opt.Zvfs, "--net", "--mount", spec, "--"}}, nil
}

func probeFuse(s *suite) string {
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return "no usable /dev/fuse: " + err.Error()
	}
	f.Close()
	if os.Geteuid() != 0 {
		if _, err := lookPath("fusermount3"); err != nil {
			return "not root and no fusermount3"
		}
	}
	return ""
}

func fuseSetup(kind string) func(*suite, string) (*env, error) {
	return func(s *suite, seed string) (*env, error) {
		return s.startFuse(kind + ":/=" + seed)
	}
}

// startFuse runs `zvfs fuse --mount spec MNT` in the background until the
// env is closed, which unmounts MNT and waits for the server to end.
func (s *suite) startFuse(spec string) (*env, error) {
	mnt, err := s.fresh("fuse")
	if err != nil {
		return nil, err
	}
	e := &env{dir: mnt, undo: []func(){func() { os.Remove(mnt) }}}
	cmd := exec.Command(s.opt.Zvfs, "fuse", "--mount", spec, mnt)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return e, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := waitMounted(mnt, exited); err != nil {
		cmd.Process.Kill()
		<-exited
		return e, fmt.Errorf("zvfs fuse: %v: %s", err, firstLine([]byte(stderr.String())))
	}
	e.undo = append(e.undo, func() {
		unmount(mnt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	return e, nil
}

// waitMounted waits until dir is a mount point, or the server ends.
func waitMounted(dir string, exited <-chan error) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if isMountPoint(dir) {
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited before mounting (%v)", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	return errors.New("not mounted after 10s")
}

// isMountPoint reports whether dir is in /proc/self/mountinfo.
func isMountPoint(dir string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

// unmount unmounts dir, retrying while it is busy, then detaching it.
func unmount(dir string) {
	for i := 0; i < 50; i++ {
		err := syscall.Unmount(dir, 0)
		if err == nil {
			return
		}
		if err != syscall.EBUSY {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if exec.Command("fusermount3", "-u", dir).Run() == nil {
		return
	}
	syscall.Unmount(dir, syscall.MNT_DETACH)
}

// overlayDirs makes the upper, work and mount directories of an overlay.
func (s *suite) overlayDirs(e *env) (upper, work, mnt string, err error) {
	base, err := s.fresh("ovl")
	if err != nil {
		return "", "", "", err
	}
	e.undo = append(e.undo, func() { os.RemoveAll(base) })
	upper, work, mnt = filepath.Join(base, "upper"), filepath.Join(base, "work"), filepath.Join(base, "mnt")
	for _, d := range []string{upper, work, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", "", "", err
		}
	}
	return upper, work, mnt, nil
}

func probeFuseOverlayfs(s *suite) string {
	if _, err := lookPath("fuse-overlayfs"); err != nil {
		return "fuse-overlayfs not installed"
	}
	return probeFuse(s)
}

func setupFuseOverlayfs(s *suite, seed string) (*env, error) {
	e := &env{}
	upper, work, mnt, err := s.overlayDirs(e)
	if err != nil {
		return e, err
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", seed, upper, work)
	if out, err := exec.Command("fuse-overlayfs", "-o", opts, mnt).CombinedOutput(); err != nil {
		return e, fmt.Errorf("fuse-overlayfs: %v: %s", err, firstLine(out))
	}
	e.dir = mnt
	e.undo = append(e.undo, func() { unmount(mnt) })
	return e, nil
}

func probeProot(s *suite) string {
	if _, err := lookPath("proot"); err != nil {
		return "proot not installed"
	}
	if out, err := command(s.ctx, "proot", "/bin/true").CombinedOutput(); err != nil {
		return fmt.Sprintf("proot /bin/true: %v: %s", err, firstLine(out))
	}
	return ""
}

func setupProot(s *suite, seed string) (*env, error) {
	e := &env{dir: target}
	d, err := s.copyTree(seed, e)
	e.wrap = []string{"proot", "-b", d + ":" + target}
	return e, err
}

func probeKernelOverlay(s *suite) string {
	if os.Geteuid() != 0 {
		return "needs root to mount"
	}
	lower, err := s.fresh("probe")
	if err != nil {
		return err.Error()
	}
	defer os.Remove(lower)
	e, err := setupKernelOverlay(s, lower)
	if e != nil {
		e.close()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func setupKernelOverlay(s *suite, seed string) (*env, error) {
	e := &env{}
	upper, work, mnt, err := s.overlayDirs(e)
	if err != nil {
		return e, err
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", seed, upper, work)
	if err := syscall.Mount("overlay", mnt, "overlay", 0, opts); err != nil {
		return e, fmt.Errorf("mount -t overlay: %w", err)
	}
	e.dir = mnt
	e.undo = append(e.undo, func() { unmount(mnt) })
	return e, nil
}

// lookPath finds a program; python3 prefers /usr/bin's over a shim.
func lookPath(name string) (string, error) {
	if name == "python3" {
		if _, err := os.Stat("/usr/bin/python3"); err == nil {
			return "/usr/bin/python3", nil
		}
	}
	return exec.LookPath(name)
}

// firstLine is the first non-empty line of out, for error messages.
func firstLine(out []byte) string {
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "(no output)"
}
