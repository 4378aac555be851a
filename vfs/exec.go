// exec.go answers execve of a program in a mount: a descriptor of an
// ELF file, or the interpreter of a #! script.

package vfs

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
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
	if !h.r.Direct && h.ns.loaderOnHost(fd) { // a stub's question: the net runs it under itself anyway
		prog |= abi.ExecHostLoader
	}
	return Answer{Reply: abi.Reply{Action: abi.ReplyExec, Str1: p, Ret: prog}, Fd: fd}, nil
}

// loaderOnHost tells whether the dynamic loader, starting the ELF program
// whose descriptor fd is, looks for its libraries on the host only: then
// the new image needs no net for its loader (the stub still gives it one
// for a static program, a privileged one, or a library path of the
// environment in a mount). The program is a dynamic x86-64 one; no
// DT_NEEDED name holds a '/'; every DT_RPATH and DT_RUNPATH entry is an
// absolute path without a '$' (the loader would take $ORIGIN from
// /proc/self/exe, which names the memfd) that neither lies in a mount nor
// holds one. It reads the headers and the few strings it needs, not the
// sections (debug/elf took 1.1 ms for cc1, this a few µs). A file it
// cannot read that far says no: the net, as before.
func (ns *Namespace) loaderOnHost(fd int) bool {
	r := preader(fd)
	var eh elf.Header64
	if binary.Read(io.NewSectionReader(r, 0, 64), binary.LittleEndian, &eh) != nil ||
		string(eh.Ident[:4]) != elf.ELFMAG || elf.Class(eh.Ident[elf.EI_CLASS]) != elf.ELFCLASS64 ||
		elf.Data(eh.Ident[elf.EI_DATA]) != elf.ELFDATA2LSB || elf.Machine(eh.Machine) != elf.EM_X86_64 ||
		eh.Phentsize != 56 || eh.Phnum == 0 || eh.Phnum > 512 {
		return false
	}
	progs := make([]elf.Prog64, eh.Phnum)
	if binary.Read(io.NewSectionReader(r, int64(eh.Phoff), int64(eh.Phnum)*56), binary.LittleEndian, progs) != nil {
		return false
	}
	var dynamic *elf.Prog64
	interp := false
	for i := range progs {
		switch elf.ProgType(progs[i].Type) {
		case elf.PT_INTERP:
			interp = true
		case elf.PT_DYNAMIC:
			dynamic = &progs[i]
		}
	}
	if !interp || dynamic == nil || dynamic.Filesz > 64<<10 {
		return false
	}
	dyns := make([]elf.Dyn64, dynamic.Filesz/16)
	if binary.Read(io.NewSectionReader(r, int64(dynamic.Off), int64(len(dyns))*16), binary.LittleEndian, dyns) != nil {
		return false
	}
	var strtab, strsz uint64
	var named []elf.Dyn64 // the entries whose value is a string
	for _, d := range dyns {
		switch elf.DynTag(d.Tag) {
		case elf.DT_STRTAB:
			strtab = d.Val
		case elf.DT_STRSZ:
			strsz = d.Val
		case elf.DT_NEEDED, elf.DT_RPATH, elf.DT_RUNPATH:
			named = append(named, d)
		}
		if elf.DynTag(d.Tag) == elf.DT_NULL {
			break
		}
	}
	table, ok := fileOffset(progs, strtab)
	if !ok {
		return false
	}
	// The strings lie together in the table: read them with one call.
	lo, hi := strsz, uint64(0)
	for _, d := range named {
		if d.Val >= strsz {
			return false
		}
		lo, hi = min(lo, d.Val), max(hi, d.Val)
	}
	var window []byte
	if len(named) > 0 && hi-lo < 64<<10 {
		window = make([]byte, min(hi-lo+4096, strsz-lo))
		n, _ := r.ReadAt(window, int64(table+lo))
		window = window[:n]
	}
	for _, d := range named {
		s, ok := cString(window, d.Val-lo)
		if !ok {
			s, ok = cStringAt(r, int64(table+d.Val), min(strsz-d.Val, 4096))
		}
		if !ok {
			return false
		}
		if elf.DynTag(d.Tag) == elf.DT_NEEDED {
			if strings.Contains(s, "/") {
				return false
			}
			continue
		}
		for _, dir := range strings.Split(s, ":") {
			if !path.IsAbs(dir) || strings.Contains(dir, "$") {
				return false
			}
			dir = path.Clean(dir)
			if m, _ := ns.tab.Lookup(dir); m != nil || ns.tab.Holds(dir) {
				return false
			}
		}
	}
	return true
}

// fileOffset is the file offset of the address addr of an ELF file whose
// program headers are progs: inside one of its PT_LOAD segments' file
// contents.
func fileOffset(progs []elf.Prog64, addr uint64) (uint64, bool) {
	for _, p := range progs {
		if elf.ProgType(p.Type) == elf.PT_LOAD && addr >= p.Vaddr && addr-p.Vaddr < p.Filesz {
			return p.Off + addr - p.Vaddr, true
		}
	}
	return 0, false
}

// cString is the NUL-terminated string at off in b, if b holds all of it.
func cString(b []byte, off uint64) (string, bool) {
	if off >= uint64(len(b)) {
		return "", false
	}
	if i := bytes.IndexByte(b[off:], 0); i >= 0 {
		return string(b[off : off+uint64(i)]), true
	}
	return "", false
}

// cStringAt reads the NUL-terminated string at off, of at most max bytes
// with its NUL, 256 bytes at a time (a library's name, a library path).
func cStringAt(r io.ReaderAt, off int64, max uint64) (string, bool) {
	var b []byte
	var chunk [256]byte
	for uint64(len(b)) < max {
		n, _ := r.ReadAt(chunk[:min(uint64(len(chunk)), max-uint64(len(b)))], off+int64(len(b)))
		if i := bytes.IndexByte(chunk[:n], 0); i >= 0 {
			return string(append(b, chunk[:i]...)), true
		}
		if n == 0 {
			break
		}
		b = append(b, chunk[:n]...)
	}
	return "", false
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
