// exec.go answers execve of a program in a mount: a descriptor of an
// ELF file, or the interpreter of a #! script.

package vfs

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/abi"
)

func (h *handler) exec() (Answer, error) {
	flags := 0
	if h.r.Call.Nr == unix.SYS_EXECVEAT {
		flags = int(h.a[4])
	}
	var l loc
	var err error
	if h.r.Call.Path1 == "" && flags&unix.AT_EMPTY_PATH != 0 {
		return Answer{}, errPass
	}
	l, err = h.path1(flags&unix.AT_SYMLINK_NOFOLLOW == 0)
	if err == nil && l.m != nil {
		h.note(noteRead, l)
		h.ns.NoteProgram(l.virt)
	}
	l, err = virtual(l, err)
	if err != nil {
		return Answer{}, err
	}
	fi, err := h.c.lstatName(l)
	if err != nil {
		return Answer{}, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return Answer{}, unix.ELOOP
	}
	a := attrOf(l.m, l.rel, fi)
	if a.Mode&unix.S_IFMT != unix.S_IFREG || !permitted(h.c.cred, a, 1) || a.Mode&0111 == 0 {
		return Answer{}, unix.EACCES
	}
	f, err := h.c.fs(l.m).OpenFile(l.name(), os.O_RDONLY, 0)
	if err != nil {
		return Answer{}, err
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if len(head) >= 2 && head[0] == '#' && head[1] == '!' {
		interp, arg, ok := shebang(head[2:])
		if !ok {
			return Answer{}, unix.ENOEXEC
		}
		return Answer{Reply: abi.Reply{Action: abi.ReplyExec, Str1: interp, Str2: arg}, Fd: -1}, nil
	}
	h.ns.handing.settle() // a writer's copy just handed out (cp, then run it) would make it ETXTBSY
	var fd int
	if k, ok := f.(caps.Fder); ok && k.Fd() != ^uintptr(0) {
		fd, err = unix.FcntlInt(k.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	} else {
		fd, err = copyToMemfd(f)
	}
	if err != nil {
		return Answer{}, err
	}
	// The program's path, as the kernel's /proc/PID/exe would give it
	// (links resolved), for the new image to give in place of the memfd's:
	// its stub from its environment, the net from the record.
	p := vpath(l.m, l.rel)
	h.ns.execs.put(h.r.Proc, fd, p)
	var prog int64
	if h.ns.loaderOnHost(fd) {
		prog |= abi.ExecHostLoader
	}
	return Answer{Reply: abi.Reply{Action: abi.ReplyExec, Str1: p, Ret: prog}, Fd: fd}, nil
}

// loaderOnHost tells whether the dynamic loader, starting the ELF program
// whose descriptor fd is, looks for its libraries on the host only: then
// the new image needs no net for its loader (the stub still gives it one
// for a static program, a privileged one, or a library path of the
// environment in a mount). The program is dynamic; no DT_NEEDED name
// holds a '/'; every DT_RPATH and DT_RUNPATH entry is an absolute path
// without a '$' (the loader would take $ORIGIN from /proc/self/exe, which
// names the memfd) that neither lies in a mount nor holds one. A file it
// cannot read that far says no: the net, as before.
func (ns *Namespace) loaderOnHost(fd int) (ok bool) {
	defer func() {
		if recover() != nil { // debug/elf on a hostile file
			ok = false
		}
	}()
	f, err := elf.NewFile(preader(fd))
	if err != nil {
		return false
	}
	dynamic := false
	for _, p := range f.Progs {
		dynamic = dynamic || p.Type == elf.PT_INTERP
	}
	if !dynamic {
		return false
	}
	needed, err := f.DynString(elf.DT_NEEDED)
	if err != nil {
		return false
	}
	for _, n := range needed {
		if strings.Contains(n, "/") {
			return false
		}
	}
	for _, tag := range []elf.DynTag{elf.DT_RPATH, elf.DT_RUNPATH} {
		paths, err := f.DynString(tag)
		if err != nil {
			return false
		}
		for _, list := range paths {
			for _, d := range strings.Split(list, ":") {
				if !path.IsAbs(d) || strings.Contains(d, "$") {
					return false
				}
				d = path.Clean(d)
				if m, _ := ns.tab.Lookup(d); m != nil || ns.tab.Holds(d) {
					return false
				}
			}
		}
	}
	return true
}

// preader reads a descriptor at offsets (pread(2)), as an io.ReaderAt.
type preader int

func (fd preader) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		k, err := unix.Pread(int(fd), b[n:], off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if k == 0 {
			return n, io.EOF
		}
		n += k
	}
	return n, nil
}

// programs records, by process, the program from a mount each was last
// given to run, with the identity of the descriptor it runs from, so that
// its /proc/PID/exe, which names that memfd, can be told for the program's
// path (Executed). The identity tells whether the process runs it still:
// an exec that failed, or a later one of a host program, leaves another
// file there.
type programs struct {
	mu  sync.Mutex
	run map[int]program
}

type program struct {
	path     string
	dev, ino uint64
}

// maxPrograms bounds the record; past it, the entries of processes that
// no longer run their program are dropped.
const maxPrograms = 1024

func (t *programs) put(pid, fd int, path string) {
	var st unix.Stat_t
	if pid <= 0 || unix.Fstat(fd, &st) != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run == nil {
		t.run = map[int]program{}
	}
	if len(t.run) >= maxPrograms {
		for p, e := range t.run {
			if !e.running(p) {
				delete(t.run, p)
			}
		}
	}
	t.run[pid] = program{path, st.Dev, st.Ino}
}

// running tells whether process pid runs the file of e.
func (e program) running(pid int) bool {
	var st unix.Stat_t
	return unix.Stat(fmt.Sprintf("/proc/%d/exe", pid), &st) == nil && st.Dev == e.dev && st.Ino == e.ino
}

// Executed returns the path of the program from a mount that process pid
// runs, if it runs one: what its /proc/PID/exe would name without zvfs.
func (ns *Namespace) Executed(pid int) (string, bool) {
	ns.execs.mu.Lock()
	e, ok := ns.execs.run[pid]
	ns.execs.mu.Unlock()
	if !ok || !e.running(pid) {
		return "", false
	}
	return e.path, true
}

// shebang parses what follows "#!": the interpreter and its one optional
// argument, as the kernel splits them.
func shebang(b []byte) (interp, arg string, ok bool) {
	end := len(b)
	for i, c := range b {
		if c == '\n' {
			end = i
			break
		}
	}
	if end == len(b) && len(b) >= 254 {
		// The kernel reads at most 256 bytes of the line.
	}
	line := b[:end]
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	j := i
	for j < len(line) && line[j] != ' ' && line[j] != '\t' {
		j++
	}
	interp = string(line[i:j])
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	k := len(line)
	for k > j && (line[k-1] == ' ' || line[k-1] == '\t' || line[k-1] == '\r') {
		k--
	}
	arg = string(line[j:k])
	return interp, arg, interp != ""
}

func copyToMemfd(f afero.File) (int, error) {
	fd, err := unix.MemfdCreate("zvfs-exec", unix.MFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		unix.Close(fd)
		return -1, err
	}
	out := os.NewFile(uintptr(fd), "zvfs-exec")
	if _, err := io.Copy(out, f); err != nil {
		out.Close()
		return -1, unix.EIO
	}
	fd2, err := unix.FcntlInt(out.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	out.Close()
	return fd2, err
}
