// setid_test.go tests the set-user-ID and set-group-ID bits of files
// written or truncated through kernel descriptors by other users (the
// descriptors the supervisor hands to programs), against a real tmpfs: the
// writes are made by a thread that has taken the user's credentials.

package mem

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"unsafe"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// asUser runs f on a thread of its own with the credentials c (no
// capabilities unless c.Uid is 0), as a program of that user would run:
// the thread ends with it, so the change reaches nothing else.
func asUser(c Cred, f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread goes with the goroutine
		done <- func() error {
			if c.Uid == 0 {
				return f()
			}
			// Raw system calls change this thread only.
			var groups unsafe.Pointer
			if len(c.Groups) > 0 {
				groups = unsafe.Pointer(&c.Groups[0])
			}
			if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(c.Groups)), uintptr(groups), 0); e != 0 {
				return fmt.Errorf("setgroups: %w", e)
			}
			if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(c.Gid), uintptr(c.Gid), uintptr(c.Gid)); e != 0 {
				return fmt.Errorf("setresgid: %w", e)
			}
			if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(c.Uid), uintptr(c.Uid), uintptr(c.Uid)); e != 0 {
				return fmt.Errorf("setresuid: %w", e)
			}
			return f()
		}()
	}()
	return <-done
}

// setIDSide is what the test does on one side (tmpfs or an FS), as root
// unless said otherwise.
type setIDSide struct {
	put    func(name string) error // create, mode 0600
	chmod  func(name string, mode uint32) error
	chown  func(name string, uid, gid int) error
	open   func(name string) (int, error) // a kernel descriptor, O_WRONLY
	stat   func(name string) (uint32, error)
	fstat  func(fd int) (uint32, error)
	tmp    func() (int, error) // an O_TMPFILE file, mode 0600: a kernel descriptor, O_RDWR
	fchmod func(fd int, mode uint32) error
	// viewWrite writes to name as user c through the file system itself,
	// not through a kernel descriptor.
	viewWrite func(c Cred, name string) error
}

// setIDWriters are the users who write: the file's owner and group is
// given with each.
var setIDWriters = []struct {
	name     string
	c        Cred
	uid, gid int
}{
	{"owner", Cred{Uid: 1000, Gid: 1000}, 1000, 1000},
	{"member", Cred{Uid: 1000, Gid: 1000, Groups: []uint32{70}}, 0, 70},
	{"other", Cred{Uid: 1000, Gid: 1000}, 0, 0},
	{"root", Cred{}, 1000, 1000},
}

func errText(err error) string {
	var e unix.Errno
	if errors.As(err, &e) {
		return unix.ErrnoName(e)
	}
	return err.Error()
}

// setIDTranscript runs the test's sequence on one side and describes what
// it saw.
func setIDTranscript(t *testing.T, s setIDSide) []string {
	t.Helper()
	var out []string
	mode := func(m uint32, err error) string {
		if err != nil {
			return errText(err)
		}
		return fmt.Sprintf("%04o", m&07777)
	}
	kernelOp := func(c Cred, fd int, op string) error {
		return asUser(c, func() error {
			if op == "ftruncate" {
				return unix.Ftruncate(fd, 1)
			}
			_, err := unix.Write(fd, []byte("x"))
			return err
		})
	}
	step := func(what string, err error) {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// After a write or truncation as each writer.
	for _, m := range []uint32{04777, 02777, 06777, 02767, 06767, 04767} {
		for _, w := range setIDWriters {
			for _, op := range []string{"write", "ftruncate", "view-write"} {
				name := fmt.Sprintf("%s-%s-%04o", w.name, op, m)
				step("put "+name, s.put(name))
				step("chown "+name, s.chown(name, w.uid, w.gid))
				step("chmod "+name, s.chmod(name, m))
				if op == "view-write" {
					out = append(out, fmt.Sprintf("%s: %v", name, s.viewWrite(w.c, name)))
					out = append(out, fmt.Sprintf("%s: stat %s", name, mode(s.stat(name))))
					continue
				}
				fd, err := s.open(name)
				step("open "+name, err)
				err = kernelOp(w.c, fd, op)
				out = append(out, fmt.Sprintf("%s: %v fstat %s stat %s", name, err, mode(s.fstat(fd)), mode(s.stat(name))))
				unix.Close(fd)
			}
		}
	}

	// Changes of mode and owner after the kernel took bits away.
	member := setIDWriters[1].c
	other := setIDWriters[2].c
	say := func(what string, err error) {
		out = append(out, fmt.Sprintf("seq %s: %v stat %s", what, err, mode(s.stat("seq"))))
	}
	step("put seq", s.put("seq"))
	say("chown 0 70", s.chown("seq", 0, 70))
	say("chmod 06767", s.chmod("seq", 06767))
	fd, err := s.open("seq")
	step("open seq", err)
	defer unix.Close(fd)
	say("other writes", kernelOp(other, fd, "write"))
	say("chmod 06767", s.chmod("seq", 06767))
	say("chown -1 -1", s.chown("seq", -1, -1))
	say("member writes", kernelOp(member, fd, "write"))
	say("chown -1 0", s.chown("seq", -1, 0))
	say("member writes", kernelOp(member, fd, "write"))
	say("chmod 06777", s.chmod("seq", 06777))
	say("chown 1000 70", s.chown("seq", 1000, 70))
	say("chmod 02767", s.chmod("seq", 02767))
	say("member truncates", kernelOp(member, fd, "ftruncate"))
	say("chmod 04767", s.chmod("seq", 04767))
	say("root writes", kernelOp(Cred{}, fd, "write"))
	say("member view-writes", s.viewWrite(member, "seq"))

	// A file without a name.
	tfd, err := s.tmp()
	step("tmpfile", err)
	defer unix.Close(tfd)
	err = s.fchmod(tfd, 06777)
	out = append(out, fmt.Sprintf("tmpfile fchmod: %v fstat %s", err, mode(s.fstat(tfd))))
	err = kernelOp(other, tfd, "write")
	out = append(out, fmt.Sprintf("tmpfile other writes: %v fstat %s", err, mode(s.fstat(tfd))))
	return out
}

func TestSetIDKernelWrites(t *testing.T) {
	// tmpfs, in this process: the writing threads need no chroot.
	dir := mountTmpfs(t)
	dirfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(dirfd)
	host := setIDSide{
		put: func(name string) error {
			return os.WriteFile(filepath.Join(dir, name), nil, 0600)
		},
		chmod: func(name string, mode uint32) error { return unix.Chmod(filepath.Join(dir, name), mode) },
		chown: func(name string, uid, gid int) error { return unix.Chown(filepath.Join(dir, name), uid, gid) },
		open: func(name string) (int, error) {
			return unix.Open(filepath.Join(dir, name), unix.O_WRONLY|unix.O_CLOEXEC, 0)
		},
		stat: func(name string) (uint32, error) {
			var st unix.Stat_t
			err := unix.Stat(filepath.Join(dir, name), &st)
			return st.Mode, err
		},
		fstat: func(fd int) (uint32, error) {
			var st unix.Stat_t
			err := unix.Fstat(fd, &st)
			return st.Mode, err
		},
		tmp: func() (int, error) {
			return unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0600)
		},
		fchmod: func(fd int, mode uint32) error { return unix.Fchmod(fd, mode) },
		viewWrite: func(c Cred, name string) error {
			// The tmpfs's parents are 0700: open relative to its root.
			return asUser(c, func() error {
				fd, err := unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CLOEXEC, 0)
				if err != nil {
					return err
				}
				defer unix.Close(fd)
				_, err = unix.Write(fd, []byte("v"))
				return err
			})
		},
	}

	fs := New()
	defer fs.Close()
	var files []*File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	mem := setIDSide{
		put:   func(name string) error { return afero.WriteFile(fs, name, nil, 0600) },
		chmod: func(name string, mode uint32) error { return fs.Chmod(name, os.FileMode(mode)) },
		chown: func(name string, uid, gid int) error { return fs.Chown(name, uid, gid) },
		open: func(name string) (int, error) {
			// As the supervisor hands it to a program.
			memfd, err := fs.MemFD(name)
			if err != nil {
				return -1, err
			}
			defer unix.Close(memfd)
			return unix.Open(linuxvfs.ProcFD(memfd), unix.O_WRONLY|unix.O_CLOEXEC, 0)
		},
		stat: func(name string) (uint32, error) {
			fi, err := fs.Stat(name)
			if err != nil {
				return 0, err
			}
			return fi.Sys().(*Stat).Mode, nil
		},
		fstat: func(fd int) (uint32, error) {
			st, ok := fs.StatData(fd)
			if !ok {
				return 0, unix.EBADF
			}
			// OpenData's File must say the same.
			f, err := fs.OpenData(fd)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return 0, err
			}
			if m := fi.Sys().(*Stat).Mode; m != st.Mode {
				return 0, fmt.Errorf("StatData mode %o, OpenData Stat %o", st.Mode, m)
			}
			return st.Mode, nil
		},
		tmp: func() (int, error) {
			f, err := fs.OpenFile("/", unix.O_TMPFILE|unix.O_RDWR, 0600)
			if err != nil {
				return -1, err
			}
			files = append(files, f.(*File))
			return unix.Open(linuxvfs.ProcFD(int(f.(*File).Fd())), unix.O_RDWR|unix.O_CLOEXEC, 0)
		},
		fchmod: func(fd int, mode uint32) error {
			f, err := fs.OpenData(fd)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Chmod(os.FileMode(mode))
		},
		viewWrite: func(c Cred, name string) error {
			f, err := fs.As(linuxvfs.Who(c)).OpenFile(name, unix.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write([]byte("v"))
			return err
		},
	}

	want := setIDTranscript(t, host)
	got := setIDTranscript(t, mem)
	diffLines(t, "set-ID bits", want, got)
	if testing.Verbose() {
		for _, l := range want {
			t.Log(l)
		}
	}
	checkTree(t, fs)
}
