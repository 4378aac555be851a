// xattr.go answers the extended-attribute calls (setxattr, getxattr,
// listxattr, removexattr, and their l and f forms) from the backend
// (caps.Xattrer by path, caps.FileXattrer by descriptor), with the
// kernel's buffer rules: a size of 0 asks for the size, a smaller buffer
// is ERANGE.

package vfs

import (
	"bytes"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// xattrOp is what an xattr call does.
type xattrOp int

const (
	xattrGet xattrOp = iota
	xattrSet
	xattrList
	xattrRemove
)

// xattrCalls says, per call, what it does, whether it names its file by a
// descriptor, and whether a path's final symbolic link is followed.
var xattrCalls = map[uint32]struct {
	op             xattrOp
	byFd, noFollow bool
}{
	unix.SYS_GETXATTR: {xattrGet, false, false}, unix.SYS_LGETXATTR: {xattrGet, false, true}, unix.SYS_FGETXATTR: {xattrGet, true, false},
	unix.SYS_SETXATTR: {xattrSet, false, false}, unix.SYS_LSETXATTR: {xattrSet, false, true}, unix.SYS_FSETXATTR: {xattrSet, true, false},
	unix.SYS_LISTXATTR: {xattrList, false, false}, unix.SYS_LLISTXATTR: {xattrList, false, true}, unix.SYS_FLISTXATTR: {xattrList, true, false},
	unix.SYS_REMOVEXATTR: {xattrRemove, false, false}, unix.SYS_LREMOVEXATTR: {xattrRemove, false, true}, unix.SYS_FREMOVEXATTR: {xattrRemove, true, false},
}

// fileXattrs is the attribute store of one file, by path or by descriptor.
type fileXattrs struct {
	set    func(attr string, value []byte, flags int) error
	get    func(attr string) ([]byte, error)
	list   func() ([]string, error)
	remove func(attr string) error
}

func (h *handler) xattr() (Answer, error) { return h.xattrOf(xattrCalls[h.r.Call.Nr].byFd) }

// xattrOf answers an xattr call on the call's descriptor (byFd: the f
// forms, and the others through /proc/self/fd/N of one) or on its path.
func (h *handler) xattrOf(byFd bool) (Answer, error) {
	c := xattrCalls[h.r.Call.Nr]
	writes := c.op == xattrSet || c.op == xattrRemove
	var x fileXattrs
	if byFd {
		f, err := h.fdOf()
		if err != nil {
			return Answer{}, err
		}
		defer f.release()
		if writes && f.m != nil && f.m.ReadOnly {
			return Answer{}, unix.EROFS
		}
		fx, ok := f.file().(caps.FileXattrer)
		if !ok {
			return noXattrs(c.op)
		}
		x = fileXattrs{fx.SetXattr, fx.GetXattr, fx.ListXattr, fx.RemoveXattr}
	} else {
		l, err := h.path1(!c.noFollow)
		if writes {
			l, err = h.mutate(noteWritten)(l, err)
		} else {
			l, err = virtual(l, err)
		}
		if err != nil {
			return Answer{}, err
		}
		px, ok := h.c.fs(l.m).(caps.Xattrer)
		if !ok {
			if _, err := h.c.lstatName(l); err != nil {
				return Answer{}, err
			}
			return noXattrs(c.op)
		}
		name, follow := l.name(), !c.noFollow
		x = fileXattrs{
			set:    func(a string, v []byte, fl int) error { return px.SetXattr(name, a, v, fl, follow) },
			get:    func(a string) ([]byte, error) { return px.GetXattr(name, a, follow) },
			list:   func() ([]string, error) { return px.ListXattr(name, follow) },
			remove: func(a string) error { return px.RemoveXattr(name, a, follow) },
		}
	}
	a := h.a
	switch c.op {
	case xattrList:
		names, err := x.list()
		if err != nil {
			return Answer{}, err
		}
		return h.xattrOut(linuxvfs.XattrList(names), a[1], a[2], linuxvfs.XattrListMax)
	}
	attr, err := h.xattrName(a[1])
	if err != nil {
		return Answer{}, err
	}
	switch c.op {
	case xattrGet:
		v, err := x.get(attr)
		if err != nil {
			return Answer{}, err
		}
		return h.xattrOut(v, a[2], a[3], linuxvfs.XattrSizeMax)
	case xattrSet:
		size := a[3]
		if size > linuxvfs.XattrSizeMax {
			return Answer{}, unix.E2BIG
		}
		v := make([]byte, size)
		if size > 0 {
			if err := h.r.Mem.Read(a[2], v); err != nil {
				return Answer{}, unix.EFAULT
			}
		}
		return okAnswer.withErr(x.set(attr, v, int(int32(a[4]))))
	default:
		return okAnswer.withErr(x.remove(attr))
	}
}

// xattrOut gives the caller b in its buffer at addr of size bytes: the
// size alone if size is 0, or linuxvfs.XattrFit's error.
func (h *handler) xattrOut(b []byte, addr, size uint64, limit int) (Answer, error) {
	if e := linuxvfs.XattrFit(len(b), size, limit); e != 0 {
		return Answer{}, e
	}
	if size > 0 && len(b) > 0 {
		if err := h.r.Mem.Write(addr, b); err != nil {
			return Answer{}, unix.EFAULT
		}
	}
	return done(int64(len(b)))
}

// xattrName reads an attribute's name from the caller, as the kernel's
// strncpy_from_user of XATTR_NAME_MAX+1 bytes: ERANGE if it is longer or
// empty, EFAULT if it cannot be read.
func (h *handler) xattrName(addr uint64) (string, error) {
	var buf [linuxvfs.XattrNameMax + 1]byte
	n := 0
	for n < len(buf) {
		chunk := min(4096-int((addr+uint64(n))%4096), len(buf)-n)
		if err := h.r.Mem.Read(addr+uint64(n), buf[n:n+chunk]); err != nil {
			return "", unix.EFAULT
		}
		if i := bytes.IndexByte(buf[n:n+chunk], 0); i >= 0 {
			if n+i == 0 {
				return "", unix.ERANGE
			}
			return string(buf[:n+i]), nil
		}
		n += chunk
	}
	return "", unix.ERANGE
}

// noXattrs answers for a backend that keeps no attributes: none to get or
// remove, an empty list, and none can be set.
func noXattrs(op xattrOp) (Answer, error) {
	switch op {
	case xattrList:
		return done(0)
	case xattrSet:
		return Answer{}, unix.EOPNOTSUPP
	}
	return Answer{}, unix.ENODATA
}
