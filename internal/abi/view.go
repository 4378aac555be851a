package abi

// The namespace view: a region of shared memory that the supervisor keeps
// and every hooked process maps read-only, so that the stub can answer stat,
// access, readlink and read-only opens of paths in mounts without asking.
//
// The region is a memfd of ViewSize bytes (sparse: pages exist once
// written), sealed so that no one but the supervisor's own mapping can
// write it. It holds, in order: a ViewHeader, a table of ViewBuckets
// bucket heads by path, another by data, ViewEntries fixed-size ViewEntry
// slots, and a heap of strings (paths, symbolic link targets, host paths).
//
// An entry is found by the clean absolute path it describes: the FNV-1a
// hash of the path picks a bucket, whose chain links entries by index.
// An entry of a regular file is also found by its data's kernel identity
// (DataDev, DataIno: what fstat of an open descriptor of it gives), so that
// fstat of such a descriptor needs no message either.
// The region also holds the start table (ViewStarts slots after the
// header): for each executable file the run's processes have mapped, the
// file offsets of its system-call sites and the rewritten copy to map in
// its place, so that a process starting needs no hello when every file it
// maps is there (see ViewStart).
// Consistency is one sequence counter for the whole region (a seqlock):
// the supervisor makes it odd before a change and even after, and a reader
// copies what it needs, then checks that the counter was even and did not
// move; otherwise it tries again. Every offset and index a reader follows
// is checked against the region's bounds, so a torn read is never acted on
// and never faults.
const (
	ViewMagic      = 0x57454956 // "VIEW"
	ViewSize       = 160 << 20
	ViewBuckets    = 1 << 18
	ViewEntries    = 1 << 19
	ViewEntrySize  = 152
	ViewStarts     = 1024
	ViewStartSize  = 64
	ViewStartsOff  = 4096
	ViewBucketsOff = ViewStartsOff + ViewStarts*ViewStartSize
	ViewDataOff    = ViewBucketsOff + ViewBuckets*4
	ViewEntriesOff = ViewDataOff + ViewBuckets*4
	ViewHeapOff    = ViewEntriesOff + ViewEntries*ViewEntrySize
	ViewHeapSize   = ViewSize - ViewHeapOff
	// ViewHashSeed and ViewHashMul are FNV-1a's, 32 bits.
	ViewHashSeed = 2166136261
	ViewHashMul  = 16777619

	// EnvView tells the stub where the region is: "PID:FD", a descriptor
	// of the supervisor's to open through /proc.
	EnvView = "ZVFS_VIEW"
)

// ViewHeader starts the region.
type ViewHeader struct {
	Magic uint32
	Seq   uint32 // odd while the supervisor changes the view
	Pid   uint32 // the supervisor: ViewOpenData entries are opened through its /proc/PID/fd
	Flags uint32 // ViewHeader* bits
	// Moves counts the renames and removals of directories in the mounts,
	// raised before the call that made one is answered: a process whose
	// virtual working directory was set at another count asks where it is
	// now (CallSince).
	Moves uint32
	_     uint32
}

// ViewHeaderSize is ViewHeader's size in bytes.
const ViewHeaderSize = 24

// ViewEntry describes one name of a mount.
type ViewEntry struct {
	Next      uint32 // index + 1 of the next entry in the bucket's chain; 0 ends it
	Hash      uint32 // of the path
	Flags     uint32 // ViewEntry* bits
	Mode      uint32 // st_mode
	Uid       uint32
	Gid       uint32
	PathOff   uint32 // the clean absolute path, in the heap (offset from ViewHeapOff)
	PathLen   uint32
	TargetOff uint32 // a symbolic link's target, or the host file to open (ViewOpenHost)
	TargetLen uint32
	DataFd    int32 // ViewOpenData: the supervisor's descriptor of the file's data
	Mount     uint32
	Dev       uint64
	Ino       uint64
	Nlink     uint64
	Size      int64
	Blocks    int64
	Atime     int64
	Mtime     int64
	Ctime     int64
	AtimeNsec uint32
	MtimeNsec uint32
	CtimeNsec uint32
	_         uint32
	DataDev   uint64 // st_dev and st_ino of what opening the file gives, to check it
	DataIno   uint64
	DataNext  uint32 // index + 1 of the next entry in the data bucket's chain
	_         uint32
}

// ViewHeader flags.
const (
	// ViewHeaderWantReports: the run counts system calls (zvfs stats). A
	// process that starts from the start table, with no hello whose
	// answer would ask it to, reports its counters at exec and exit.
	ViewHeaderWantReports = 1 << 0
)

// ViewEntry flags.
const (
	ViewUsed     = 1 << 0 // the slot holds an entry
	ViewComplete = 1 << 1 // a directory whose every name has an entry: a name without one does not exist
	ViewStat     = 1 << 2 // the attributes are exact: stat may be answered from them
	ViewOpenData = 1 << 3 // a regular file opened by reopening /proc/Pid/fd/DataFd
	ViewOpenHost = 1 << 4 // a regular file opened by opening the host path in Target
	ViewSearch   = 1 << 5 // every directory above it in its mount lets everyone search it
	ViewRdonly   = 1 << 6 // on a read-only mount
)

// ViewDataHash is the hash entries are found by from their data: FNV-1a of
// the 16 little-endian bytes of dev and ino.
func ViewDataHash(dev, ino uint64) uint32 {
	h := uint32(ViewHashSeed)
	for _, v := range [2]uint64{dev, ino} {
		for i := 0; i < 8; i++ {
			h ^= uint32(byte(v >> (8 * i)))
			h *= ViewHashMul
		}
	}
	return h
}

// ViewHash is the hash entries are found by.
func ViewHash(p string) uint32 {
	h := uint32(ViewHashSeed)
	for i := 0; i < len(p); i++ {
		h ^= uint32(p[i])
		h *= ViewHashMul
	}
	return h
}

// ViewStart is a slot of the start table: what a hello would answer for
// one mapped file, valid while the file is the same one (dev, ino) with
// the same contents (size, mtime, ctime). The slot of a file is found from
// ViewDataHash(Dev, Ino), probing onward to the first unused slot.
//
// The blob, in the heap, holds NSites file offsets of sites to rewrite
// (little-endian u64), then the path of the rewritten copy to map
// (CopyLen bytes, no terminator; empty: rewrite in place).
type ViewStart struct {
	Dev, Ino uint64
	Size     int64
	Mtime    int64 // nanoseconds since the epoch
	Ctime    int64 // nanoseconds since the epoch
	BlobOff  uint32
	NSites   uint32
	CopyLen  uint32
	Flags    uint32 // ViewUsed
	_        uint64
}
