// starts.go keeps the start table: for each executable file the run's
// processes map, the sites a hello would name and the rewritten copy, so
// that a process whose every file is there starts without asking.

package view

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"

	"github.com/zvfs/zvfs/internal/abi"
)

// Start is what the start table says of one file.
type Start struct {
	// Dev, Ino, Size, Mtime and Ctime (nanoseconds) identify the file and
	// its contents, as stat gives them.
	Dev, Ino           uint64
	Size, Mtime, Ctime int64
	Offsets            []uint64 // file offsets of the sites to rewrite
	Copy               string   // the rewritten copy to map, or "" to rewrite in place
}

func (r *Region) start(i uint32) *abi.ViewStart {
	return (*abi.ViewStart)(unsafe.Pointer(&r.mem[abi.ViewStartsOff+uintptr(i)*abi.ViewStartSize]))
}

// PutStart records s in the start table, replacing what it said of the
// same file (dev, ino). Saying again what the table already says changes
// nothing (readers are not made to retry), so a hello may put every file
// it names. It returns false when the table or the heap is full: processes
// mapping the file then ask.
func (r *Region) PutStart(s Start) bool {
	blob := make([]byte, 0, 8*len(s.Offsets)+len(s.Copy))
	for _, o := range s.Offsets {
		blob = binary.LittleEndian.AppendUint64(blob, o)
	}
	blob = append(blob, s.Copy...)
	r.mu.Lock()
	defer r.mu.Unlock()
	h := abi.ViewDataHash(s.Dev, s.Ino)
	var slot *abi.ViewStart
	for k := uint32(0); k < abi.ViewStarts; k++ {
		v := r.start((h + k) & (abi.ViewStarts - 1))
		if v.Flags&abi.ViewUsed == 0 || v.Dev == s.Dev && v.Ino == s.Ino {
			slot = v
			break
		}
	}
	if slot == nil {
		return false
	}
	used := slot.Flags&abi.ViewUsed != 0
	if used && slot.Size == s.Size && slot.Mtime == s.Mtime && slot.Ctime == s.Ctime &&
		int(slot.NSites) == len(s.Offsets) && int(slot.CopyLen) == len(s.Copy) &&
		string(r.mem[abi.ViewHeapOff+uintptr(slot.BlobOff):][:len(blob)]) == string(blob) {
		return true // already said
	}
	// A change: readers retry while it is under way (Begin and End
	// without the lock, which is held).
	atomic.AddUint32(r.seq(), 1)
	defer atomic.AddUint32(r.seq(), 1)
	if used {
		r.heap.free(slot.BlobOff, 8*slot.NSites+slot.CopyLen)
	}
	off, ok := r.heap.alloc(r.mem, string(blob))
	if !ok {
		// The slot stays, unused, in its probe chain: a reader passes it.
		*slot = abi.ViewStart{Dev: s.Dev, Ino: s.Ino, Flags: abi.ViewUsed, Size: -1}
		return false
	}
	*slot = abi.ViewStart{
		Dev: s.Dev, Ino: s.Ino, Size: s.Size, Mtime: s.Mtime, Ctime: s.Ctime,
		BlobOff: off, NSites: uint32(len(s.Offsets)), CopyLen: uint32(len(s.Copy)), Flags: abi.ViewUsed,
	}
	return true
}
