// memrun_test.go holds memRunner, which carries out the differential
// tests' steps on an FS or a view of one.

package mem

import (
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// memRunner runs steps on an FS (or a view of one).
type memRunner struct {
	fs    *FS
	files map[int]*File
}

func (r *memRunner) run(o op) outcome {
	fs := r.fs
	p, q := o.s(0), o.s(1)
	// The kernel refuses a path a program passes of PATH_MAX bytes or
	// more before any file system sees it (zvfs's stub and net do the
	// same); the file system itself takes longer ones, a working
	// directory and a relative name joined.
	if len(p) >= linuxvfs.PathMax || len(q) >= linuxvfs.PathMax {
		return outcome{Err: "ENAMETOOLONG"}
	}
	switch o.name {
	case "write", "pwrite", "read", "pread", "seek", "close", "fstat", "ftruncate", "readdir",
		"fchmod", "fchown", "futimes", "ftouch", "dup", "flink":
		if r.file(o) == nil {
			return outcome{Err: "EBADF"} // a handle that was never opened
		}
	}
	switch o.name {
	case "mkdir":
		return result("", fs.Mkdir(p, os.FileMode(o.mode(1, 0755))))
	case "mkdirall":
		return result("", fs.MkdirAll(p, linuxvfs.FileMode(o.mode(1, 0755))))
	case "put":
		f, err := fs.OpenFile(p, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, os.FileMode(o.mode(2, 0644)))
		if err != nil {
			return result("", err)
		}
		defer f.Close()
		_, err = f.Write([]byte(q))
		return result("", err)
	case "cat":
		f, err := fs.Open(p)
		if err != nil {
			return result("", err)
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		return result(string(b), err)
	case "open":
		f, err := fs.OpenFile(q, o.flags(2), os.FileMode(o.mode(3, 0644)))
		if err == nil {
			r.files[o.h()] = f.(*File)
		}
		return result("", err)
	case "write":
		n, err := r.file(o).Write([]byte(q))
		return count(n, err)
	case "pwrite":
		n, err := r.file(o).WriteAt([]byte(q), o.n(2))
		return count(n, err)
	case "read":
		b := make([]byte, o.n(1))
		n, err := r.file(o).Read(b)
		return result(string(b[:n]), err)
	case "pread":
		b := make([]byte, o.n(1))
		n, err := r.file(o).ReadAt(b, o.n(2))
		return result(string(b[:n]), err)
	case "seek":
		if r.file(o).node.isDir() {
			return outcome{Out: "dir"}
		}
		off, err := r.file(o).Seek(o.n(1), int(o.n(2)))
		return count(int(off), err)
	case "close":
		err := r.file(o).Close()
		delete(r.files, o.h())
		return result("", err)
	case "fstat":
		fi, err := r.file(o).Stat()
		if err != nil {
			return result("", err)
		}
		return result(describeMem(fi), nil)
	case "ftruncate":
		return result("", r.file(o).Truncate(o.n(1)))
	case "readdir":
		names, err := r.file(o).Readdirnames(-1)
		sort.Strings(names)
		return result(strings.Join(names, ","), err)
	case "ls":
		f, err := fs.OpenFile(p, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			return result("", err)
		}
		defer f.Close()
		names, err := f.Readdirnames(-1)
		sort.Strings(names)
		return result(strings.Join(names, ","), err)
	case "unlink":
		return result("", fs.Unlink(p))
	case "rmdir":
		return result("", fs.Rmdir(p))
	case "remove":
		return result("", fs.Remove(p))
	case "removeall":
		return result("", fs.RemoveAll(p))
	case "rename":
		return result("", fs.RenameFlags(p, q, uint(o.flags(2))))
	case "link":
		return result("", fs.Link(p, q))
	case "flink":
		// linkat(fd, "", AT_FDCWD, q, AT_EMPTY_PATH)
		return result("", fs.LinkData(int(r.file(o).Fd()), q))
	case "symlink":
		return result("", fs.SymlinkIfPossible(p, q))
	case "readlink":
		t, err := fs.ReadlinkIfPossible(p)
		return result(t, err)
	case "stat", "lstat":
		var fi os.FileInfo
		var err error
		if o.name == "stat" {
			fi, err = fs.Stat(p)
		} else {
			fi, _, err = fs.LstatIfPossible(p)
		}
		if err != nil {
			return result("", err)
		}
		return result(describeMem(fi), nil)
	case "chmod":
		return result("", fs.Chmod(p, os.FileMode(o.mode(1, 0))))
	case "chown":
		return result("", fs.Chown(p, int(o.n(1)), int(o.n(2))))
	case "lchown":
		return result("", fs.Lchown(p, int(o.n(1)), int(o.n(2))))
	case "truncate":
		return result("", fs.Truncate(p, o.n(1)))
	case "utimes", "lutimes":
		t := fixedTime
		return result("", fs.Utimens(p, &t, &t, o.name == "utimes"))
	case "touch", "ltouch":
		return result("", fs.Touch(p, o.name == "touch"))
	case "fchmod":
		return result("", r.file(o).Chmod(os.FileMode(o.mode(1, 0))))
	case "fchown":
		return result("", r.file(o).Chown(int(o.n(1)), int(o.n(2))))
	case "futimes":
		t := fixedTime
		return result("", r.file(o).Utimens(&t, &t))
	case "ftouch":
		return result("", r.file(o).Touch())
	case "dup":
		// OpenData of the File's descriptor stands for dup(2): the
		// kernel's answer to a descriptor handed back by a program.
		f, err := fs.OpenData(int(r.file(o).Fd()))
		if err == nil {
			r.files[int(o.n(1))] = f
		}
		return result("", err)
	}
	panic("unknown step " + o.line)
}

func (r *memRunner) file(o op) *File {
	if f, ok := r.files[o.h()]; ok {
		return f
	}
	return nil
}
