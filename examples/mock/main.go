// Command mock runs a program with made-up answers: opening a chosen path
// gives a file holding fixed bytes (whether or not the path exists), and
// uname can report another host name. An example of package hook: hooks
// that answer calls themselves, with a descriptor (ReturnFile) or by
// writing into the caller's buffer (ReturnBytes), and hooks that change a
// call's path before the kernel sees it (Continue().Path).
//
//	mock [--file PATH=TEXT]... [--file-from PATH=HOSTFILE]... [--redirect PATH=OTHER]...
//	     [--hostname NAME] [--mount SPEC]... [--] PROG [ARGS...]
//
// Each open of a mocked path gets a private in-memory copy of the bytes:
// reads, fstat, lseek and mmap see them, writes change only that copy.
// Only opens are mocked: stat of the path still reaches the kernel.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/hook"
)

type mock struct {
	hook.Default
	files     map[string][]byte // by clean absolute path
	redirects map[string]string // opens of the key open the value instead
	hostname  *string
}

func (m *mock) Open(c *hook.Call, path string, flags int, mode uint32) hook.Result {
	return m.open(c, unix.AT_FDCWD, path, 0)
}

func (m *mock) Openat(c *hook.Call, dirfd int, path string, flags int, mode uint32) hook.Result {
	return m.open(c, dirfd, path, 1)
}

// open answers an open of path (argument arg of the call).
func (m *mock) open(c *hook.Call, dirfd int, path string, arg int) hook.Result {
	abs := c.Abs(dirfd, path)
	if other, ok := m.redirects[abs]; ok {
		return c.Continue().Path(arg, other)
	}
	data, ok := m.files[abs]
	if !ok {
		return c.Continue()
	}
	f, err := memFile(filepath.Base(path), data)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mock: %v\n", err)
		return c.Errno(unix.EIO)
	}
	defer f.Close()
	return c.ReturnFile(f)
}

// memFile returns an in-memory file holding data, at offset 0.
func memFile(name string, data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("mock:"+name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("seek %s: %w", name, err)
	}
	return f, nil
}

// SyscallNumbers sends uname, which has no typed method, to Syscall.
func (m *mock) SyscallNumbers() []int { return []int{unix.SYS_UNAME} }

func (m *mock) Syscall(c *hook.Call) hook.Result {
	if c.Nr != unix.SYS_UNAME || *m.hostname == "" {
		return c.Continue()
	}
	// The real answer, with the node name replaced, written into the
	// caller's struct utsname.
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return c.Continue()
	}
	clear(u.Nodename[:])
	copy(u.Nodename[:len(u.Nodename)-1], *m.hostname)
	return c.ReturnBytes(c.Args[0], unsafe.Slice((*byte)(unsafe.Pointer(&u)), unsafe.Sizeof(u)), 0)
}

// fileFlag is --file PATH=TEXT, or --file-from PATH=HOSTFILE with fromFile.
type fileFlag struct {
	files    map[string][]byte
	fromFile bool
}

func (f fileFlag) String() string { return "" }

func (f fileFlag) Set(v string) error {
	p, text, ok := strings.Cut(v, "=")
	if !ok || !filepath.IsAbs(p) {
		return fmt.Errorf("%q: want an absolute PATH=...", v)
	}
	data := []byte(text)
	if f.fromFile {
		b, err := os.ReadFile(text)
		if err != nil {
			return err
		}
		data = b
	}
	f.files[filepath.Clean(p)] = data
	return nil
}

// redirectFlag is --redirect PATH=OTHER.
type redirectFlag map[string]string

func (r redirectFlag) String() string { return "" }

func (r redirectFlag) Set(v string) error {
	p, other, ok := strings.Cut(v, "=")
	if !ok || !filepath.IsAbs(p) || other == "" {
		return fmt.Errorf("%q: want an absolute PATH=OTHER", v)
	}
	r[filepath.Clean(p)] = other
	return nil
}

func main() {
	m := &mock{files: map[string][]byte{}, redirects: map[string]string{}}
	flag.Var(redirectFlag(m.redirects), "redirect", "opens of `PATH=OTHER`'s path open OTHER instead (repeatable)")
	flag.Var(fileFlag{files: m.files}, "file", "opens of `PATH=TEXT`'s path read TEXT (repeatable)")
	flag.Var(fileFlag{files: m.files, fromFile: true}, "file-from", "opens of `PATH=HOSTFILE`'s path read HOSTFILE's bytes (repeatable)")
	m.hostname = flag.String("hostname", "", "uname reports `NAME` as the host name")
	os.Exit(hook.Main(m, os.Args[1:]))
}
