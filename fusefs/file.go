// file.go holds Open and the open file: Read, Write, Allocate, Fsync,
// Flush, Release, each on the backend's afero.File.

package fusefs

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
)

var _ fs.NodeOpener = (*node)(nil)

// handle is an open file of a backend.
type handle struct {
	f   afero.File
	b   *backend
	rel string
	// n is the node it was opened on; cached is true until the kernel
	// is offered passthrough for it (see PassthroughFd).
	n      *node
	cached bool
}

// newHandle is an open file of n, counted among n's cached opens until
// PassthroughFd says otherwise.
func newHandle(n *node, f afero.File, p place) *handle {
	n.cachedOpens.Add(1)
	return &handle{f: f, b: p.b, rel: p.rel, n: n, cached: true}
}

var (
	_ fs.FileReader    = (*handle)(nil)
	_ fs.FileWriter    = (*handle)(nil)
	_ fs.FileFsyncer   = (*handle)(nil)
	_ fs.FileFlusher   = (*handle)(nil)
	_ fs.FileReleaser  = (*handle)(nil)
	_ fs.FileAllocater = (*handle)(nil)

	_ fs.FilePassthroughFder = (*handle)(nil)
)

// backendFlags keeps the open flags a backend acts on. O_APPEND is
// dropped: the kernel sends every write with its offset, the end of the
// file for an O_APPEND descriptor.
func backendFlags(flags uint32) int {
	return int(flags) & (syscall.O_ACCMODE | syscall.O_TRUNC | syscall.O_SYNC | syscall.O_DSYNC | syscall.O_EXCL)
}

func writes(flags uint32) bool {
	return flags&syscall.O_ACCMODE != syscall.O_RDONLY || flags&syscall.O_TRUNC != 0
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	p, err := n.here()
	if err != nil {
		return nil, 0, errnoOf(err)
	}
	if p.b == nil {
		return nil, 0, syscall.EISDIR
	}
	who := credOf(ctx)
	fsys := p.b.as(who)
	if writes(flags) {
		if fsys, err = changer(who, "open", p); err != nil {
			return nil, 0, errnoOf(err)
		}
	}
	f, err := fsys.OpenFile(p.name(), backendFlags(flags), 0)
	if err != nil {
		return nil, 0, errnoOf(err)
	}
	if n.passOpens.Load() > 0 && writes(flags) && who.Uid != 0 {
		if fi, err := f.Stat(); err == nil && fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
			n.awaitPassthroughGone()
		}
	}
	return newHandle(n, f, p), 0, 0
}

// awaitPassthroughGone waits, a little, until no open file of n is
// served by passthrough. go-fuse gives every open of an inode that has
// passthrough opens the same passthrough descriptor without asking
// PassthroughFd, and a passthrough write runs with the server's
// credentials, which keep set-ID bits: an unprivileged writer's open of a
// set-ID file must wait for them to go. The kernel sends the release of a
// closed file after close(2) has returned, so a file made and closed, then
// made set-ID and opened by another user (setid.py) found its first open
// still there under load and kept its set-group-ID bit through a write.
// An open file another process keeps is waited for 50 ms at most; after
// that the writer's writes keep the bits (ARCHITECTURE.md, known gaps).
func (n *node) awaitPassthroughGone() {
	for i := 0; i < 50 && n.passOpens.Load() > 0; i++ {
		time.Sleep(time.Millisecond)
	}
	// go-fuse drops its descriptor just after Release returns.
	time.Sleep(time.Millisecond)
}

// PassthroughFd offers the kernel the file's own data descriptor, so
// that reads, writes and mmap of the open file go to it without a FUSE
// request (passthrough, kernel 6.9 and later; go-fuse asks once per inode
// while it has open files and gives up quietly where the kernel refuses,
// as for a server without CAP_SYS_ADMIN). Only a backend file whose
// descriptor is its data for life qualifies (caps.DataFder: mem's memfds,
// an overlay's upper copies): the kernel reuses the descriptor for every
// later open of the inode, and an overlay's lower file must never get the
// writes of an open that copied it up. A set-user-ID or set-group-ID file
// stays on FUSE requests: the kernel writes a passthrough file with the
// server's credentials, which would not clear those bits.
//
// The kernel fails with EIO an open of an inode in the other mode than
// its open files (cached or passthrough): an overlay file opened from
// its lower layer, then for writing (copied up), is one such. So a file
// is offered only when no other open of its node is cached; go-fuse asks
// only while none is passthrough, and gives every open after the first
// passthrough one the same descriptor without asking.
func (h *handle) PassthroughFd() (int, bool) {
	d, ok := h.f.(caps.DataFder)
	if !ok || h.n.cachedOpens.Load() > 1 {
		return -1, false
	}
	fi, err := h.f.Stat()
	if err != nil || fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
		return -1, false
	}
	fd, ok := d.DataFd()
	if ok {
		h.cached = false
		h.n.cachedOpens.Add(-1)
		h.n.passOpens.Add(1)
	}
	return fd, ok
}

func (h *handle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := h.f.ReadAt(dest, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, errnoOf(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

func (h *handle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	n, err := h.f.WriteAt(data, off)
	if err != nil {
		return uint32(n), errnoOf(err)
	}
	return uint32(n), 0
}

// Allocate is fallocate(2): on the file's own kernel descriptor when the
// backend has one (mem's memfds), else EOPNOTSUPP.
func (h *handle) Allocate(ctx context.Context, off uint64, size uint64, mode uint32) syscall.Errno {
	k, ok := h.f.(caps.Fder)
	if !ok || k.Fd() == ^uintptr(0) {
		return syscall.EOPNOTSUPP
	}
	for {
		err := unix.Fallocate(int(k.Fd()), mode, int64(off), int64(size))
		if err != unix.EINTR {
			return errnoOf(err)
		}
	}
}

func (h *handle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	return errnoOf(h.f.Sync())
}

// Flush is close(2) of one descriptor; the data is already in the
// backend.
func (h *handle) Flush(ctx context.Context) syscall.Errno { return 0 }

func (h *handle) Release(ctx context.Context) syscall.Errno {
	if h.cached {
		h.n.cachedOpens.Add(-1)
	} else {
		h.n.passOpens.Add(-1)
	}
	return errnoOf(h.f.Close())
}
