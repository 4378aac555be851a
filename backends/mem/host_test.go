// host_test.go holds hostRunner, which carries out the differential tests'
// steps with system calls on a real tmpfs, in the chrooted child process.

package mem

import (
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// hostRunner runs steps with system calls (in the chrooted child).
type hostRunner struct{ fds map[int]int }

func (r *hostRunner) run(o op) outcome {
	p, q := o.s(0), o.s(1)
	switch o.name {
	case "mkdir":
		return result("", unix.Mkdir(p, o.mode(1, 0755)))
	case "mkdirall":
		return result("", os.MkdirAll(p, linuxvfs.FileMode(o.mode(1, 0755))))
	case "put":
		fd, err := unix.Open(p, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, o.mode(2, 0644))
		if err != nil {
			return result("", err)
		}
		defer unix.Close(fd)
		_, err = unix.Write(fd, []byte(q))
		return result("", err)
	case "cat":
		b, err := os.ReadFile(p)
		return result(string(b), err)
	case "open":
		fd, err := unix.Open(q, o.flags(2)|unix.O_CLOEXEC, o.mode(3, 0644))
		if err == nil {
			r.fds[o.h()] = fd
		}
		return result("", err)
	case "write":
		n, err := unix.Write(r.fd(o), []byte(q))
		return count(n, err)
	case "pwrite":
		n, err := unix.Pwrite(r.fd(o), []byte(q), o.n(2))
		return count(n, err)
	case "read":
		b := make([]byte, o.n(1))
		n, err := unix.Read(r.fd(o), b)
		return result(string(b[:max(n, 0)]), err)
	case "pread":
		b := make([]byte, o.n(1))
		n, err := unix.Pread(r.fd(o), b, o.n(2))
		return result(string(b[:max(n, 0)]), err)
	case "seek":
		var st unix.Stat_t
		if unix.Fstat(r.fd(o), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return outcome{Out: "dir"} // directory offsets are tmpfs's own
		}
		off, err := unix.Seek(r.fd(o), o.n(1), int(o.n(2)))
		return count(int(off), err)
	case "close":
		err := unix.Close(r.fd(o))
		delete(r.fds, o.h())
		return result("", err)
	case "fstat":
		var st unix.Stat_t
		if err := unix.Fstat(r.fd(o), &st); err != nil {
			return result("", err)
		}
		return result(describeHost(&st), nil)
	case "ftruncate":
		return result("", unix.Ftruncate(r.fd(o), o.n(1)))
	case "readdir":
		names, err := hostNames(r.fd(o))
		return result(strings.Join(names, ","), err)
	case "ls":
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return result("", err)
		}
		defer unix.Close(fd)
		names, err := hostNames(fd)
		return result(strings.Join(names, ","), err)
	case "unlink":
		return result("", unix.Unlink(p))
	case "rmdir":
		return result("", unix.Rmdir(p))
	case "remove":
		return result("", os.Remove(p))
	case "removeall":
		return result("", os.RemoveAll(p))
	case "rename":
		return result("", unix.Renameat2(unix.AT_FDCWD, p, unix.AT_FDCWD, q, uint(o.flags(2))))
	case "link":
		return result("", unix.Link(p, q))
	case "flink":
		return result("", unix.Linkat(r.fd(o), "", unix.AT_FDCWD, q, unix.AT_EMPTY_PATH))
	case "symlink":
		return result("", unix.Symlink(p, q))
	case "readlink":
		t, err := os.Readlink(p)
		return result(t, err)
	case "stat", "lstat":
		var st unix.Stat_t
		var err error
		if o.name == "stat" {
			err = unix.Stat(p, &st)
		} else {
			err = unix.Lstat(p, &st)
		}
		if err != nil {
			return result("", err)
		}
		return result(describeHost(&st), nil)
	case "chmod":
		return result("", unix.Chmod(p, o.mode(1, 0)))
	case "chown":
		return result("", unix.Chown(p, int(o.n(1)), int(o.n(2))))
	case "lchown":
		return result("", unix.Lchown(p, int(o.n(1)), int(o.n(2))))
	case "truncate":
		return result("", unix.Truncate(p, o.n(1)))
	case "utimes", "lutimes":
		ts := []unix.Timespec{unix.NsecToTimespec(fixedTime.UnixNano()), unix.NsecToTimespec(fixedTime.UnixNano())}
		flags := 0
		if o.name == "lutimes" {
			flags = unix.AT_SYMLINK_NOFOLLOW
		}
		return result("", unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, flags))
	case "touch", "ltouch":
		ts := []unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
		flags := 0
		if o.name == "ltouch" {
			flags = unix.AT_SYMLINK_NOFOLLOW
		}
		return result("", unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, flags))
	case "fchmod":
		return result("", unix.Fchmod(r.fd(o), o.mode(1, 0)))
	case "fchown":
		return result("", unix.Fchown(r.fd(o), int(o.n(1)), int(o.n(2))))
	case "futimes":
		t := fixedTime
		return result("", futimens(r.fd(o), &t, &t))
	case "ftouch":
		ts := [2]unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
		return result("", utimensat(r.fd(o), &ts))
	case "dup":
		fd, err := unix.FcntlInt(uintptr(r.fd(o)), unix.F_DUPFD_CLOEXEC, 0)
		if err == nil {
			r.fds[int(o.n(1))] = fd
		}
		return result("", err)
	}
	panic("unknown step " + o.line)
}

func (r *hostRunner) fd(o op) int {
	if fd, ok := r.fds[o.h()]; ok {
		return fd
	}
	return 1 << 20 // EBADF
}

// hostNames lists a directory descriptor, sorted.
func hostNames(fd int) ([]string, error) {
	buf := make([]byte, 8192)
	var names []string
	for {
		n, err := unix.ReadDirent(fd, buf)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	sort.Strings(names)
	return names, nil
}
