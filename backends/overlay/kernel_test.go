// kernel_test.go holds the differential tests: the same lower tree is
// built twice, a real overlayfs is mounted over one copy and an overlay.FS
// made over the other, the same steps run on both (system calls on the
// mount, the afero API on the FS), and every step's errno and output and
// the merged tree after it (listing, contents, modes, owners, link counts)
// must agree. The lower copy of the FS must be unchanged at the end.
//
// A step is "op arg... [=WANT] [~DIFF]": WANT (an errno name or "ok") is
// what the kernel must answer, to keep the scenario honest; ~DIFF marks a
// documented difference: the kernel answers DIFF where the overlay
// succeeds, and the kernel side then does what mv does on EXDEV (copy and
// remove), so that the trees can still be compared.

package overlay

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// step is one parsed line of a scenario.
type step struct {
	line string
	op   string
	args []string
	want string
	diff string
}

func parseStep(line string) step {
	s := step{line: line}
	for _, f := range strings.Fields(line) {
		switch {
		case strings.HasPrefix(f, "="):
			s.want = f[1:]
		case strings.HasPrefix(f, "~"):
			s.diff = f[1:]
		case s.op == "":
			s.op = f
		default:
			s.args = append(s.args, f)
		}
	}
	return s
}

// outcome is what one step gave: an errno name ("" for success) and the
// output of reading operations.
type outcome struct {
	err string
	out string
}

func (s step) arg(i int) string {
	if i < len(s.args) {
		return s.args[i]
	}
	return ""
}

func (s step) num(i int) int {
	n, _ := strconv.ParseInt(s.arg(i), 0, 64)
	return int(n)
}

// kernelRunner runs steps with system calls under a kernel overlay mount.
type kernelRunner struct{ root string }

// p is the kernel path of rel, not cleaned ("d/.." stays as it is).
func (k kernelRunner) p(rel string) string { return k.root + "/" + rel }

func (k kernelRunner) run(s step) outcome {
	out, err := k.do(s)
	if err != nil && s.diff != "" && errName(err) == s.diff {
		err = k.fallback(s)
	}
	return outcome{errName(err), out}
}

func (k kernelRunner) do(s step) (string, error) {
	a, b := k.p(s.arg(0)), k.p(s.arg(1))
	switch s.op {
	case "read":
		data, err := os.ReadFile(a)
		return string(data), err
	case "append":
		return "", kwrite(a, unix.O_WRONLY|unix.O_APPEND, s.arg(1))
	case "put":
		return "", kwrite(a, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, s.arg(1))
	case "excl":
		return "", kwrite(a, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, "")
	case "openw":
		return "", kwrite(a, unix.O_WRONLY, "")
	case "opentrunc":
		return "", kwrite(a, unix.O_RDONLY|unix.O_TRUNC, "")
	case "opendir":
		return "", kwrite(a, unix.O_RDONLY|unix.O_DIRECTORY, "")
	case "chmod":
		return "", unix.Chmod(a, uint32(s.num(1)))
	case "chown":
		return "", unix.Chown(a, s.num(1), s.num(2))
	case "lchown":
		return "", unix.Lchown(a, s.num(1), s.num(2))
	case "truncate":
		return "", unix.Truncate(a, int64(s.num(1)))
	case "unlink":
		return "", unix.Unlink(a)
	case "rmdir":
		return "", unix.Rmdir(a)
	case "mkdir":
		return "", unix.Mkdir(a, uint32(s.num(1)))
	case "rename":
		return "", unix.Rename(a, b)
	case "noreplace":
		return "", unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_NOREPLACE)
	case "exchange":
		return "", unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	case "link":
		return "", unix.Link(a, b)
	case "symlink":
		return "", unix.Symlink(s.arg(0), b)
	case "utimes":
		return "", lutimesFollow(a, time.Unix(int64(s.num(1)), 0))
	case "removeall":
		return "", os.RemoveAll(a)
	}
	return k.query(s, a)
}

// query runs the steps that only read.
func (k kernelRunner) query(s step, a string) (string, error) {
	switch s.op {
	case "readlink":
		return os.Readlink(a)
	case "stat", "lstat":
		var st unix.Stat_t
		stat := unix.Stat
		if s.op == "lstat" {
			stat = unix.Lstat
		}
		if err := stat(a, &st); err != nil {
			return "", err
		}
		ms := hostStat(&st)
		return describeStat(&ms), nil
	case "mtime":
		var st unix.Stat_t
		err := unix.Stat(a, &st)
		return strconv.FormatInt(st.Mtim.Sec, 10), err
	case "ls":
		ents, err := os.ReadDir(a)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return strings.Join(names, " "), err
	case "fchmod", "fdstat":
		return k.fdStep(s, a)
	}
	return "", fmt.Errorf("unknown step %q", s.line)
}

// fdStep opens a read-only descriptor and then changes the file through
// it (fchmod) or by its path (chmod), and reports fstat of the
// descriptor.
func (k kernelRunner) fdStep(s step, a string) (string, error) {
	fd, err := unix.Open(a, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	if s.op == "fchmod" {
		err = unix.Fchmod(fd, uint32(s.num(1)))
	} else {
		err = unix.Chmod(a, uint32(s.num(1)))
	}
	if err != nil {
		return "", err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return "", err
	}
	ms := hostStat(&st)
	return describeStat(&ms), nil
}

func kwrite(p string, flag int, data string) error {
	fd, err := unix.Open(p, flag|unix.O_CLOEXEC, 0644)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if data != "" {
		_, err = unix.Write(fd, []byte(data))
	}
	return err
}

func lutimesFollow(p string, tm time.Time) error {
	ts := []unix.Timespec{unix.NsecToTimespec(tm.UnixNano()), unix.NsecToTimespec(tm.UnixNano())}
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, 0)
}

// fallback does on the kernel side what the overlay does where the kernel
// refuses with EXDEV: a rename by copy and removal, as mv does.
func (k kernelRunner) fallback(s step) error {
	if s.op != "rename" {
		return fmt.Errorf("no fallback for %q", s.line)
	}
	src, dst := k.p(s.arg(0)), k.p(s.arg(1))
	if err := copyHost(src, dst); err != nil {
		return err
	}
	return os.RemoveAll(src)
}

// copyHost copies the host tree src to dst with modes, owners and times.
func copyHost(src, dst string) error {
	var st unix.Stat_t
	if err := unix.Lstat(src, &st); err != nil {
		return err
	}
	var err error
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		err = copyHostDir(src, dst)
	case unix.S_IFLNK:
		var t string
		if t, err = os.Readlink(src); err == nil {
			err = os.Symlink(t, dst)
		}
	default:
		var b []byte
		if b, err = os.ReadFile(src); err == nil {
			err = os.WriteFile(dst, b, 0600)
		}
	}
	if err == nil {
		err = os.Lchown(dst, int(st.Uid), int(st.Gid))
	}
	if err == nil && st.Mode&unix.S_IFMT != unix.S_IFLNK {
		err = unix.Chmod(dst, st.Mode&07777)
	}
	if err == nil {
		err = lutimes(dst, time.Unix(st.Mtim.Unix()))
	}
	return err
}

func copyHostDir(src, dst string) error {
	if err := os.Mkdir(dst, 0700); err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := copyHost(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// describeStat is describe without content: for stat steps.
func describeStat(st *mem.Stat) string {
	typ := map[uint32]string{unix.S_IFDIR: "d", unix.S_IFREG: "f", unix.S_IFLNK: "l"}[st.Mode&unix.S_IFMT]
	s := fmt.Sprintf("%s %04o %d:%d n%d", typ, st.Mode&07777, st.Uid, st.Gid, st.Nlink)
	if typ != "d" {
		s += " s" + strconv.FormatInt(st.Size, 10)
	}
	return s
}

// overlayRunner runs steps through the afero API of an overlay.
type overlayRunner struct{ fs *FS }

func (o overlayRunner) run(s step) outcome {
	out, err := o.do(s)
	return outcome{errName(err), out}
}

func (o overlayRunner) do(s step) (string, error) {
	fs := o.fs
	a, b := "/"+s.arg(0), "/"+s.arg(1)
	switch s.op {
	case "read":
		data, err := afero.ReadFile(fs, a)
		return string(data), err
	case "append":
		return "", owrite(fs, a, os.O_WRONLY|os.O_APPEND, s.arg(1))
	case "put":
		return "", owrite(fs, a, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, s.arg(1))
	case "excl":
		return "", owrite(fs, a, os.O_WRONLY|os.O_CREATE|os.O_EXCL, "")
	case "openw":
		return "", owrite(fs, a, os.O_WRONLY, "")
	case "opentrunc":
		return "", owrite(fs, a, os.O_RDONLY|os.O_TRUNC, "")
	case "opendir":
		return "", owrite(fs, a, os.O_RDONLY|unix.O_DIRECTORY, "")
	case "chmod":
		return "", fs.Chmod(a, os.FileMode(s.num(1)))
	case "chown":
		return "", fs.Chown(a, s.num(1), s.num(2))
	case "lchown":
		return "", fs.Lchown(a, s.num(1), s.num(2))
	case "truncate":
		return "", fs.Truncate(a, int64(s.num(1)))
	case "unlink":
		return "", fs.Unlink(a)
	case "rmdir":
		return "", fs.Rmdir(a)
	case "mkdir":
		return "", fs.Mkdir(a, os.FileMode(s.num(1)))
	case "rename":
		return "", fs.Rename(a, b)
	case "noreplace":
		return "", fs.RenameFlags(a, b, unix.RENAME_NOREPLACE)
	case "exchange":
		return "", fs.RenameFlags(a, b, unix.RENAME_EXCHANGE)
	case "link":
		return "", fs.Link(a, b)
	case "symlink":
		return "", fs.Symlink(s.arg(0), b)
	case "utimes":
		tm := time.Unix(int64(s.num(1)), 0)
		return "", fs.Utimens(a, &tm, &tm, true)
	case "removeall":
		return "", fs.RemoveAll(a)
	}
	return o.query(s, a)
}

func (o overlayRunner) query(s step, a string) (string, error) {
	fs := o.fs
	switch s.op {
	case "readlink":
		return fs.Readlink(a)
	case "stat", "lstat":
		stat := fs.Stat
		if s.op == "lstat" {
			stat = fs.Lstat
		}
		fi, err := stat(a)
		if err != nil {
			return "", err
		}
		st, _ := statOf(fi)
		return describeStat(&st), nil
	case "mtime":
		fi, err := fs.Stat(a)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(fi.ModTime().Unix(), 10), nil
	case "ls":
		d, err := fs.Open(a)
		if err != nil {
			return "", err
		}
		defer d.Close()
		names, err := d.Readdirnames(-1)
		sort.Strings(names)
		return strings.Join(names, " "), err
	case "fchmod", "fdstat":
		return o.fdStep(s, a)
	}
	return "", fmt.Errorf("unknown step %q", s.line)
}

func (o overlayRunner) fdStep(s step, a string) (string, error) {
	f, err := o.fs.OpenFile(a, os.O_RDONLY, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if s.op == "fchmod" {
		err = f.(interface{ Chmod(os.FileMode) error }).Chmod(os.FileMode(s.num(1)))
	} else {
		err = o.fs.Chmod(a, os.FileMode(s.num(1)))
	}
	if err != nil {
		return "", err
	}
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	st, _ := statOf(fi)
	return describeStat(&st), nil
}

func owrite(fs afero.Fs, p string, flag int, data string) error {
	f, err := fs.OpenFile(p, flag, 0644)
	if err != nil {
		return err
	}
	defer f.Close()
	if data != "" {
		_, err = io.WriteString(f, data)
	}
	return err
}

// mountOverlay mounts a kernel overlayfs of lower in a temporary
// directory, with an upper directory that looks like lower's root, and
// returns the mount point.
func mountOverlay(t *testing.T, lower string) string {
	t.Helper()
	base := t.TempDir()
	// Users must be able to reach the mount point.
	for _, d := range []string{base, filepath.Dir(base)} {
		if err := os.Chmod(d, 0755); err != nil {
			t.Fatal(err)
		}
	}
	upper, work, mnt := filepath.Join(base, "u"), filepath.Join(base, "w"), filepath.Join(base, "m")
	for _, d := range []string{upper, work, mnt} {
		if err := os.Mkdir(d, 0755); err != nil {
			t.Fatal(err)
		}
	}
	if err := lutimes(upper, baseTime); err != nil {
		t.Fatal(err)
	}
	opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	if err := unix.Mount("overlay", mnt, "overlay", 0, opts); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount overlay: %v", err)
		}
		t.Skipf("cannot mount an overlayfs (%v): no differential test", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
			unix.Unmount(mnt, unix.MNT_DETACH)
		}
	})
	return mnt
}

// runKernelDiff runs one scenario on both sides and compares.
func runKernelDiff(t *testing.T, steps []string) {
	requireRoot(t)
	old := unix.Umask(0)
	defer unix.Umask(old)
	mnt := mountOverlay(t, newLower(t, lowerTree))
	ours := newLower(t, lowerTree)
	before := snapshot(t, ours)
	fs := New([]Layer{HostDir(ours)}, nil)
	k, o := kernelRunner{root: mnt}, overlayRunner{fs: fs}
	diffLines(t, "initial tree", listHost(t, mnt), listFS(t, fs))
	for _, line := range steps {
		s := parseStep(line)
		ko, oo := k.run(s), o.run(s)
		if s.want != "" && ko.err != strings.TrimPrefix(s.want, "ok") {
			t.Errorf("%q: the kernel says %q (the scenario expects %s)", line, ko.err, s.want)
		}
		if s.diff != "" {
			ko.err = "" // a documented difference, brought in line by the fallback
		}
		if ko != oo {
			t.Errorf("%q: kernel %+v, overlay %+v", line, ko, oo)
		}
		diffLines(t, fmt.Sprintf("tree after %q", line), listHost(t, mnt), listFS(t, fs))
		if t.Failed() {
			return
		}
	}
	diffLines(t, "lower tree", before, snapshot(t, ours))
}

func TestKernelRead(t *testing.T) {
	runKernelDiff(t, []string{
		"read a.txt", "read d/sub/g", "stat a.txt", "stat d", "stat d/sub", "stat hl2",
		"ls /", "ls d", "readlink sym", "read sym", "read dsym/f", "ls dsym",
		"stat broken =ENOENT", "lstat broken", "lstat sym", "stat dsym",
		"read nosuch =ENOENT", "read a.txt/x =ENOTDIR", "ls a.txt =ENOTDIR",
		"mtime a.txt", "mtime d",
	})
}

func TestKernelAppendChmod(t *testing.T) {
	runKernelDiff(t, []string{
		"append a.txt more", "read a.txt", "stat a.txt",
		"append d/sub/g more", "read d/sub/g", "stat d/sub", "ls d/sub",
		"chmod b.txt 0640", "stat b.txt", "mtime b.txt", "read b.txt",
		"chmod d 0700", "stat d", "ls d",
		"chmod hl1 0600", "stat hl1", "stat hl2",
		"chmod sym 0600", "lstat sym", "stat a.txt",
		"utimes exec.sh 1000000", "mtime exec.sh",
		"openw ro/x", "read ro/x", "opentrunc b.txt", "read b.txt",
	})
}

func TestKernelUnlinkRecreate(t *testing.T) {
	runKernelDiff(t, []string{
		"unlink a.txt", "stat a.txt =ENOENT", "ls /", "read a.txt =ENOENT",
		"put a.txt new", "read a.txt", "stat a.txt",
		"unlink d/f", "ls d", "excl d/f", "stat d/f", "unlink d/f", "unlink d/f =ENOENT",
		"unlink sym", "readlink sym =ENOENT", "read a.txt",
		"unlink hl1", "stat hl2",
		"unlink a.txt", "symlink b.txt a.txt", "read a.txt",
	})
}

func TestKernelRmdir(t *testing.T) {
	runKernelDiff(t, []string{
		"rmdir e", "stat e =ENOENT", "ls /",
		"rmdir d =ENOTEMPTY", "rmdir d/sub =ENOTEMPTY",
		"unlink d/sub/g", "rmdir d/sub =ENOTEMPTY", "unlink d/sub/h", "ls d/sub",
		"rmdir d/sub", "unlink d/f", "ls d", "rmdir d", "stat d =ENOENT", "ls /",
		"rmdir ro =ENOTEMPTY", "removeall ro", "stat ro =ENOENT",
		"rmdir a.txt =ENOTDIR", "rmdir nosuch =ENOENT",
	})
}

func TestKernelMkdirOverDeleted(t *testing.T) {
	runKernelDiff(t, []string{
		"removeall d", "stat d =ENOENT",
		"mkdir d 0700", "ls d", "stat d", "stat d/f =ENOENT", "stat d/sub =ENOENT",
		"put d/f new", "ls d", "read d/f",
		"mkdir d/sub 0755", "ls d/sub",
		"rmdir e", "mkdir e 0711", "stat e", "ls e",
		"unlink b.txt", "mkdir b.txt 0755", "stat b.txt", "ls b.txt",
	})
}

func TestKernelRenameFile(t *testing.T) {
	runKernelDiff(t, []string{
		"rename a.txt z.txt", "read z.txt", "stat a.txt =ENOENT", "ls /",
		"rename b.txt d/b", "ls d", "read d/b",
		"rename z.txt d/f", "read d/f", "ls d",
		"noreplace d/f exec.sh =EEXIST", "noreplace d/f a.txt", "read a.txt",
		"rename sym sym2", "readlink sym2", "read sym2",
		"rename d/sub/g d/sub/h", "ls d/sub", "read d/sub/h",
		"rename hl1 hl3", "stat hl3", "stat hl2",
		"exchange a.txt exec.sh", "read a.txt", "read exec.sh", "stat a.txt", "stat exec.sh",
		"rename a.txt a.txt", "rename hl2 e", "ls e",
	})
}

func TestKernelRenameDir(t *testing.T) {
	runKernelDiff(t, []string{
		"rename d d2 ~EXDEV", "ls d2", "ls d2/sub", "read d2/sub/g", "stat d =ENOENT",
		"mkdir d 0755", "ls d", "stat d",
		"mkdir n2 0755", "rename n2 d2/sub =ENOTEMPTY", "rename n2 d2/sub/g =ENOTDIR", "rename d2 d2/sub/x =EINVAL",
		"mkdir n 0755", "put n/x new", "rename n d/n", "ls d/n", "read d/n/x",
		"rename d2/sub e ~EXDEV", "ls e", "stat d2/sub =ENOENT", "ls d2",
		"rename ro d/ro ~EXDEV", "ls d/ro", "stat d/ro",
	})
}

func TestKernelLinks(t *testing.T) {
	runKernelDiff(t, []string{
		"link a.txt a2", "stat a.txt", "stat a2", "append a2 x", "read a.txt",
		"link d d3 =EPERM", "link hl1 hl3", "stat hl3", "stat hl2",
		"link nosuch x =ENOENT", "link b.txt a.txt =EEXIST", "link sym sym3", "lstat sym3",
		"link d/sub/g d/g2", "ls d", "stat d/sub/g",
		"symlink a.txt s2", "readlink s2", "read s2", "symlink x a.txt =EEXIST",
		"symlink d/sub ds", "ls ds", "read ds/g", "lstat ds",
		"unlink a.txt", "symlink gone a.txt", "readlink a.txt", "stat a.txt =ENOENT",
	})
}

func TestKernelTruncateOwners(t *testing.T) {
	runKernelDiff(t, []string{
		"truncate a.txt 2", "read a.txt", "truncate b.txt 0", "stat b.txt", "read b.txt",
		"truncate d =EISDIR", "truncate nosuch =ENOENT", "truncate exec.sh 100", "stat exec.sh",
		"chown owned 0 0", "stat owned", "lchown sym 1000 1000", "lstat sym", "stat sym",
		"chown d/sub 1000 1000", "stat d/sub", "ls d/sub",
	})
}

func TestKernelErrors(t *testing.T) {
	runKernelDiff(t, []string{
		"excl a.txt =EEXIST", "excl d =EEXIST", "excl sym =EEXIST",
		"openw d =EISDIR", "opendir a.txt =ENOTDIR", "opendir d",
		"rmdir a.txt =ENOTDIR", "read a.txt/x =ENOTDIR", "put a.txt/x y =ENOTDIR",
		"unlink d =EISDIR", "mkdir a.txt 0755 =EEXIST", "mkdir d 0755 =EEXIST",
		"mkdir nosuch/x 0755 =ENOENT", "rename d a.txt =ENOTDIR", "rename a.txt d =EISDIR",
		"rename nosuch x =ENOENT", "rmdir . =EINVAL", "rmdir d/.. =ENOTEMPTY",
		"read broken =ENOENT", "put broken made", "read nowhere",
		"truncate a.txt -1 =EINVAL",
	})
}

func TestKernelDescriptors(t *testing.T) {
	runKernelDiff(t, []string{
		"fchmod a.txt 0600", "stat a.txt",
		"fdstat b.txt 0640", "stat b.txt",
		"fchmod d/sub/g 0400", "stat d/sub/g", "stat d/sub",
		"fchmod d 0711", "stat d",
	})
}

func TestKernelOverWhiteouts(t *testing.T) {
	runKernelDiff(t, []string{
		"unlink a.txt", "rename b.txt a.txt", "read a.txt", "stat b.txt =ENOENT",
		"unlink exec.sh", "symlink a.txt exec.sh", "read exec.sh",
		"unlink hl1", "link hl2 hl1", "stat hl1",
		"removeall d", "mkdir n 0755", "put n/x x", "rename n d", "ls d", "stat d",
		"mkdir m 0700", "rename m e", "ls e", "stat e",
		"rmdir ro =ENOTEMPTY", "unlink ro/x", "mkdir ro/y 0755", "rmdir ro =ENOTEMPTY", "rmdir ro/y", "rmdir ro",
		"mkdir ro 0700", "ls ro",
		"put pub/q q", "rename pub/q d/q", "rename d/q pub/p", "read pub/p", "ls pub",
		"unlink dsym", "mkdir dsym 0755", "ls dsym", "rmdir dsym", "symlink d dsym", "ls dsym",
		"mkdir tmp/sub 0755", "exchange tmp/sub tmp/r", "lstat tmp/sub", "ls tmp/r",
		"exchange a.txt hl1", "read a.txt", "read hl1",
	})
}
