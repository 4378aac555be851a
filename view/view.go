// Package view is the supervisor's half of the namespace view: a region of
// shared memory, laid out as internal/abi describes, in which the
// supervisor publishes the names of its mounts with their attributes so
// that the stub in every hooked process can answer stat, access, readlink
// and read-only opens without a round trip, and what hellos answered (the
// start table, starts.go), so that a process can start without one, in a
// run with mounts or without.
//
// The region is a sealed memfd: processes map it read-only (they cannot
// get a writable mapping of it), the supervisor writes it through the one
// writable mapping it made before sealing. Every change happens between
// Begin and End, which make the region's sequence counter odd and then
// even again; readers retry when it moved. The package knows nothing of
// mounts or backends: vfs decides what to publish.
package view

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
)

// Entry is what the view says of one path.
type Entry struct {
	Flags               uint32 // abi.View* bits (ViewUsed is set by Put)
	Mode, Uid, Gid      uint32
	Dev, Ino, Nlink     uint64
	Size, Blocks        int64
	Atime, Mtime, Ctime time.Time
	// Target is a symbolic link's target, or the host file to open for
	// abi.ViewOpenHost.
	Target string
	// DataFd is, for abi.ViewOpenData, the supervisor's descriptor of the
	// file's data; DataDev and DataIno are what fstat of an open of it (or
	// of Target) gives, which the stub checks.
	DataFd           int32
	DataDev, DataIno uint64
}

// Region is the view's shared memory.
type Region struct {
	mu    sync.Mutex
	fd    int
	mem   []byte
	index map[string]uint32 // path → slot
	free  []uint32          // slots to reuse
	next  uint32            // slots below it have been used
	limit uint32            // slots it may use
	heap  heap
	depth int // Begin nesting
}

// New makes an empty view that holds up to entries names (at most
// abi.ViewEntries; 0 means that many).
func New(entries int) (*Region, error) {
	if entries <= 0 || entries > abi.ViewEntries {
		entries = abi.ViewEntries
	}
	fd, err := unix.MemfdCreate("zvfs-view", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("view: memfd_create: %w", err)
	}
	fail := func(op string, err error) (*Region, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("view: %s: %w", op, err)
	}
	if err := unix.Ftruncate(fd, abi.ViewSize); err != nil {
		return fail("ftruncate", err)
	}
	mem, err := unix.Mmap(fd, 0, abi.ViewSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fail("mmap", err)
	}
	// From now on no one can map it writable, write it or resize it; this
	// mapping stays writable.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS,
		unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_FUTURE_WRITE|unix.F_SEAL_SEAL); err != nil {
		unix.Munmap(mem)
		return fail("seal", err)
	}
	r := &Region{fd: fd, mem: mem, index: map[string]uint32{}, limit: uint32(entries)}
	h := r.header()
	h.Pid = uint32(os.Getpid())
	h.Magic = abi.ViewMagic
	return r, nil
}

// Env is the value of abi.EnvView that lets a process map the view.
func (r *Region) Env() string { return fmt.Sprintf("%d:%d", os.Getpid(), r.fd) }

// Close unmaps the view. Processes keep their mappings.
func (r *Region) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := unix.Munmap(r.mem)
	unix.Close(r.fd)
	r.mem = nil
	return err
}

// Len is the number of entries.
func (r *Region) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.index)
}

// Bytes is how much of the region is in use: the fixed tables, the
// entries and the strings.
func (r *Region) Bytes() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return abi.ViewBucketsOff + abi.ViewBuckets*4 + int64(r.next)*abi.ViewEntrySize + int64(r.heap.used)
}

func (r *Region) header() *abi.ViewHeader { return (*abi.ViewHeader)(unsafe.Pointer(&r.mem[0])) }

func (r *Region) seq() *uint32 { return &r.header().Seq }

// WantReports tells every process that maps the view to report its
// counters (ViewHeaderWantReports). Set before the first process starts.
func (r *Region) WantReports() {
	h := r.header()
	atomic.StoreUint32(&h.Flags, atomic.LoadUint32(&h.Flags)|abi.ViewHeaderWantReports)
}

// SetMoves publishes n as the count of directory moves (ViewHeader.Moves).
func (r *Region) SetMoves(n uint32) { atomic.StoreUint32(&r.header().Moves, n) }

// Begin locks the view for a change and tells readers one is under way.
// Changes made until the matching End are seen by readers all together.
func (r *Region) Begin() {
	r.mu.Lock()
	atomic.AddUint32(r.seq(), 1)
}

// End ends a change begun with Begin.
func (r *Region) End() {
	atomic.AddUint32(r.seq(), 1)
	r.mu.Unlock()
}

func (r *Region) entry(i uint32) *abi.ViewEntry {
	return (*abi.ViewEntry)(unsafe.Pointer(&r.mem[abi.ViewEntriesOff+uintptr(i)*abi.ViewEntrySize]))
}

func (r *Region) bucket(h uint32) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.mem[abi.ViewBucketsOff+uintptr(h&(abi.ViewBuckets-1))*4]))
}

func (r *Region) dataBucket(dev, ino uint64) *uint32 {
	h := abi.ViewDataHash(dev, ino)
	return (*uint32)(unsafe.Pointer(&r.mem[abi.ViewDataOff+uintptr(h&(abi.ViewBuckets-1))*4]))
}

// unlinkData takes entry i out of its data chain.
func (r *Region) unlinkData(i uint32) {
	v := r.entry(i)
	if v.DataIno == 0 {
		return
	}
	for link := r.dataBucket(v.DataDev, v.DataIno); *link != 0; link = &r.entry(*link - 1).DataNext {
		if *link == i+1 {
			*link = v.DataNext
			break
		}
	}
	v.DataNext = 0
}

// Flags returns the flags of p's entry; ok is false if it has none. Call
// it between Begin and End.
func (r *Region) Flags(p string) (flags uint32, ok bool) {
	i, ok := r.index[p]
	if !ok {
		return 0, false
	}
	return r.entry(i).Flags, true
}

// Mode returns the mode of p's entry, 0 if it has none. Call it between
// Begin and End.
func (r *Region) Mode(p string) uint32 {
	if i, ok := r.index[p]; ok {
		return r.entry(i).Mode
	}
	return 0
}

// DataPaths returns the paths whose entries hold the data dev, ino (the
// names of one file). Call it between Begin and End.
func (r *Region) DataPaths(dev, ino uint64) []string {
	var out []string
	for i := *r.dataBucket(dev, ino); i != 0; i = r.entry(i - 1).DataNext {
		if v := r.entry(i - 1); v.DataDev == dev && v.DataIno == ino {
			out = append(out, string(r.mem[abi.ViewHeapOff+uintptr(v.PathOff):abi.ViewHeapOff+uintptr(v.PathOff)+uintptr(v.PathLen)]))
		}
	}
	return out
}

// SetFlags sets and clears flags of p's entry, if it has one. Call it
// between Begin and End.
func (r *Region) SetFlags(p string, set, clear uint32) {
	if i, ok := r.index[p]; ok {
		e := r.entry(i)
		e.Flags = (e.Flags | set) &^ clear
	}
}

// Put makes e the entry of path p (a clean absolute path). It returns
// false if the view is full; p then has no entry. Call it between Begin
// and End.
func (r *Region) Put(p string, e Entry) bool {
	i, ok := r.index[p]
	if ok {
		old := r.entry(i)
		r.heap.free(old.TargetOff, old.TargetLen)
		old.TargetLen = 0
		r.unlinkData(i)
	} else {
		switch {
		case len(r.free) > 0:
			i = r.free[len(r.free)-1]
			r.free = r.free[:len(r.free)-1]
		case r.next < r.limit:
			i = r.next
			r.next++
		default:
			return false
		}
	}
	v := r.entry(i)
	var pathOff uint32
	if ok {
		pathOff = v.PathOff
	} else {
		off, okp := r.heap.alloc(r.mem, p)
		if !okp {
			r.free = append(r.free, i)
			return false
		}
		pathOff = off
	}
	targetOff, okt := r.heap.alloc(r.mem, e.Target)
	if !okt {
		if ok {
			r.remove(p, i)
		} else {
			r.heap.free(pathOff, uint32(len(p)))
			r.free = append(r.free, i)
		}
		return false
	}
	next, hash := v.Next, abi.ViewHash(p)
	if !ok {
		b := r.bucket(hash)
		next = *b
	}
	*v = abi.ViewEntry{
		Next: next, Hash: hash, Flags: e.Flags | abi.ViewUsed, Mode: e.Mode, Uid: e.Uid, Gid: e.Gid,
		PathOff: pathOff, PathLen: uint32(len(p)), TargetOff: targetOff, TargetLen: uint32(len(e.Target)),
		DataFd: e.DataFd, Dev: e.Dev, Ino: e.Ino, Nlink: e.Nlink, Size: e.Size, Blocks: e.Blocks,
		Atime: e.Atime.Unix(), Mtime: e.Mtime.Unix(), Ctime: e.Ctime.Unix(),
		AtimeNsec: uint32(e.Atime.Nanosecond()), MtimeNsec: uint32(e.Mtime.Nanosecond()),
		CtimeNsec: uint32(e.Ctime.Nanosecond()), DataDev: e.DataDev, DataIno: e.DataIno,
	}
	if !ok {
		*r.bucket(hash) = i + 1
		r.index[p] = i
	}
	if e.DataIno != 0 {
		b := r.dataBucket(e.DataDev, e.DataIno)
		v.DataNext = *b
		*b = i + 1
	}
	return true
}

// Remove drops p's entry, if it has one. Call it between Begin and End.
func (r *Region) Remove(p string) {
	if i, ok := r.index[p]; ok {
		r.remove(p, i)
	}
}

func (r *Region) remove(p string, i uint32) {
	r.unlinkData(i)
	v := r.entry(i)
	for link := r.bucket(v.Hash); *link != 0; link = &r.entry(*link - 1).Next {
		if *link == i+1 {
			*link = v.Next
			break
		}
	}
	r.heap.free(v.PathOff, v.PathLen)
	r.heap.free(v.TargetOff, v.TargetLen)
	*v = abi.ViewEntry{}
	delete(r.index, p)
	r.free = append(r.free, i)
}

// heap hands out room for strings in the region's heap, in power-of-two
// classes from 16 bytes, reusing freed room of the same class.
type heap struct {
	used  uint32
	freed [13][]uint32 // by class: 16 << class bytes
}

func class(n uint32) int {
	c := 0
	for 16<<c < n {
		c++
	}
	return c
}

// alloc stores s and returns its offset from abi.ViewHeapOff. The empty
// string takes no room.
func (h *heap) alloc(mem []byte, s string) (uint32, bool) {
	n := uint32(len(s))
	if n == 0 {
		return 0, true
	}
	c := class(n)
	if c >= len(h.freed) {
		return 0, false
	}
	var off uint32
	if l := h.freed[c]; len(l) > 0 {
		off = l[len(l)-1]
		h.freed[c] = l[:len(l)-1]
	} else {
		if uint64(h.used)+uint64(16<<c) > abi.ViewHeapSize {
			return 0, false
		}
		off = h.used
		h.used += 16 << c
	}
	copy(mem[abi.ViewHeapOff+uintptr(off):], s)
	return off, true
}

func (h *heap) free(off, n uint32) {
	if n == 0 {
		return
	}
	c := class(n)
	h.freed[c] = append(h.freed[c], off)
}
