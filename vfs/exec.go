// exec.go answers execve of a program in a mount: a descriptor of an
// ELF file, or the interpreter of a #! script.

package vfs

import (
	"io"
	"os"

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
	// (links resolved), for the new image to give in place of the memfd's.
	return Answer{Reply: abi.Reply{Action: abi.ReplyExec, Str1: vpath(l.m, l.rel)}, Fd: fd}, nil
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
