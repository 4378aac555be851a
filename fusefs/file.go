// file.go holds Open and the open file: Read, Write, Allocate, Fsync,
// Flush, Release, each on the backend's afero.File.

package fusefs

import (
	"context"
	"errors"
	"io"
	"syscall"

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
}

var (
	_ fs.FileReader    = (*handle)(nil)
	_ fs.FileWriter    = (*handle)(nil)
	_ fs.FileFsyncer   = (*handle)(nil)
	_ fs.FileFlusher   = (*handle)(nil)
	_ fs.FileReleaser  = (*handle)(nil)
	_ fs.FileAllocater = (*handle)(nil)
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
	fsys := p.b.as(credOf(ctx))
	if writes(flags) {
		if fsys, err = changer(credOf(ctx), "open", p); err != nil {
			return nil, 0, errnoOf(err)
		}
	}
	f, err := fsys.OpenFile(p.name(), backendFlags(flags), 0)
	if err != nil {
		return nil, 0, errnoOf(err)
	}
	return &handle{f: f, b: p.b, rel: p.rel}, 0, 0
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
	return errnoOf(h.f.Close())
}
