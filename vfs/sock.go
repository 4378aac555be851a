// sock.go answers bind and connect of a Unix-domain socket by a path in a
// mount (abi.SockCalls). The caller's socket comes as a descriptor (a copy
// of the same socket) and the path made absolute; the socket file is a
// special file of the backend (caps.Mknoder), and the socket itself is
// bound or connected here, on the copy, to the host path the backend keeps
// for the file (caps.HostNoder): the caller's socket is then bound or
// connected too, with the kernel's semantics from there on.

package vfs

import (
	"errors"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// sockPath resolves the path a socket call names (absolute: the stub made
// it so, and the socket travels where a directory descriptor would) and
// takes the socket.
func (h *handler) sockPath(follow bool) (loc, int, error) {
	fd, ok := h.nextFd()
	if !ok {
		return loc{}, -1, unix.EBADF
	}
	l, err := h.c.resolve(h.r.Call.Path1, follow)
	return l, fd, err
}

// bind makes the socket file, as the kernel's unix_bind does (EADDRINUSE
// if the name exists, a symbolic link included; mode 0777 less the umask),
// then binds the socket to the file's host path. A failed bind takes the
// file away again.
func (h *handler) bind() (Answer, error) {
	l, fd, err := h.sockPath(false)
	l, err = h.mutate(noteCreated)(l, err)
	if err != nil {
		return Answer{}, err
	}
	fs := h.c.fs(l.m)
	mk, ok1 := fs.(caps.Mknoder)
	hn, ok2 := fs.(caps.HostNoder)
	if !ok1 || !ok2 || l.rel == "" {
		return Answer{}, unix.EADDRINUSE
	}
	if err := mk.Mknod(l.name(), unix.S_IFSOCK|0o777&^h.r.Call.Umask, 0); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return Answer{}, unix.EADDRINUSE
		}
		return Answer{}, err
	}
	p, err := hn.HostNode(l.name())
	if err == nil {
		err = unix.Bind(fd, &unix.SockaddrUnix{Name: p})
	}
	if err != nil {
		fs.Remove(l.name())
		return Answer{}, err
	}
	return done(0)
}

// connect connects the socket to the socket file's host path, for a
// caller with write permission on the file, as unix_find_bsd does:
// ECONNREFUSED for another kind of file, or a socket file nothing is bound
// to.
func (h *handler) connect() (Answer, error) {
	if p := h.r.Call.Path1; h.ns.IsHostNode(p) {
		// The host path a socket bound in a mount reports to getsockname
		// (a program passes its address on): the host's, as it is.
		return Answer{}, hostAnswer{p1: p}
	}
	l, fd, err := h.sockPath(true)
	fi, err := h.existing(l, err)
	if err != nil {
		return Answer{}, err
	}
	a := attrOf(l.m, l.rel, fi)
	hn, ok := h.c.fs(l.m).(caps.HostNoder)
	switch {
	case !permitted(h.c.cred, a, linuxvfs.MayWrite):
		return Answer{}, unix.EACCES
	case a.Mode&unix.S_IFMT != unix.S_IFSOCK || !ok:
		return Answer{}, unix.ECONNREFUSED
	}
	p, err := hn.HostNode(l.name())
	if err != nil {
		return Answer{}, err
	}
	switch err := unix.Connect(fd, &unix.SockaddrUnix{Name: p}); err {
	case nil:
		return done(0)
	case unix.ENOENT:
		return Answer{}, unix.ECONNREFUSED // made by mknod, never bound
	default:
		return Answer{}, err
	}
}

// IsHostNode says whether p is in the host directory of some mount's host
// nodes (caps.HostNodeDirer).
func (ns *Namespace) IsHostNode(p string) bool {
	for _, m := range ns.tab.Mounts() {
		if d, ok := m.FS.(caps.HostNodeDirer); ok {
			if dir := d.HostNodes(); dir != "" && strings.HasPrefix(p, dir+"/") {
				return true
			}
		}
	}
	return false
}
