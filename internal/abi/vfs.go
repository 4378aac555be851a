package abi

import (
	"slices"

	"golang.org/x/sys/unix"
)

// The virtual file system half of the contract: where the stub keeps its
// descriptor bitmaps, which system calls it looks at when mounts exist, how
// it finds their path and descriptor arguments, and the call and reply
// messages of a request to the supervisor.

// Descriptor bitmaps, one bit per descriptor below MaxFd, in a writable
// region the entry reads with absolute addresses.
const (
	// FdVirtAddr: the descriptor is virtual; calls about it (fstat, fchdir,
	// openat relative to it...) go to the supervisor.
	FdVirtAddr = 0x2000
	// FdServedAddr: the descriptor is a placeholder for a file the
	// supervisor serves; its data calls (read, lseek...) go there too.
	FdServedAddr = 0x4000
	// FdMapEnd ends the bitmap region.
	FdMapEnd = 0x6000
	// MaxFd bounds the descriptors that can be virtual.
	MaxFd = 0x10000
)

// Classes that only apply when the run has mounts (see VFSClasses).
const (
	ClassPath Class = 7  // takes a path (or a dirfd and a path): the C handler decides
	ClassFd   Class = 8  // about the descriptor in %rdi: the C handler if it is virtual
	ClassFd2  Class = 9  // about the descriptors in %rdi and %rsi (dup2, dup3)
	ClassData Class = 10 // data call on %rdi: the C handler if it is served
)

// Environment variables that carry the stub's VFS state across exec.
const (
	EnvMounts = "ZVFS_MOUNTS" // mount targets, ':'-separated
	EnvCwd    = "ZVFS_CWD"    // the virtual working directory, when there is one
	EnvFds    = "ZVFS_FDS"    // virtual descriptors: "N" (virtual) or "Ns" (served), ','-separated
	EnvExe    = "ZVFS_EXE"    // the program's path, when it is stored in a mount (/proc/self/exe)
)

// PathCall says where a path-taking system call's arguments are: the
// indexes (0-5) of its directory descriptors, paths and flags, or NoArg.
type PathCall struct {
	Dir1, Path1 uint8
	Dir2, Path2 uint8
	Flags       uint8 // argument with AT_EMPTY_PATH / AT_SYMLINK_NOFOLLOW style flags
	Kind        uint8 // PathKind*
}

// NoArg marks an argument a call does not have.
const NoArg = 0xff

// Path call kinds: how the stub treats a call beyond its paths.
const (
	PathPlain   = 0 // one or two paths; the supervisor does the rest
	PathTwo     = 1 // two paths that must be on one side (rename, link): EXDEV otherwise
	PathSymlink = 2 // Path1 is the link's content, not a path to resolve
	PathChdir   = 3 // changes the working directory
	PathExec    = 4 // execve, execveat
	PathNullFd  = 5 // a NULL path means the call is about Dir1 itself (utimensat)
)

// PathCalls lists the path-taking calls the stub classifies.
func PathCalls() map[int]PathCall {
	const n = NoArg
	one := func(p uint8) PathCall { return PathCall{n, p, n, n, n, PathPlain} }
	at := func(flags uint8) PathCall { return PathCall{0, 1, n, n, flags, PathPlain} }
	return map[int]PathCall{
		unix.SYS_OPEN:              one(0),
		unix.SYS_CREAT:             one(0),
		unix.SYS_OPENAT:            at(n),
		unix.SYS_OPENAT2:           at(n),
		unix.SYS_STAT:              one(0),
		unix.SYS_LSTAT:             one(0),
		unix.SYS_NEWFSTATAT:        at(3),
		unix.SYS_STATX:             at(2),
		unix.SYS_ACCESS:            one(0),
		unix.SYS_FACCESSAT:         at(n),
		unix.SYS_FACCESSAT2:        at(3),
		unix.SYS_MKDIR:             one(0),
		unix.SYS_MKDIRAT:           at(n),
		unix.SYS_MKNOD:             one(0),
		unix.SYS_MKNODAT:           at(n),
		unix.SYS_RMDIR:             one(0),
		unix.SYS_UNLINK:            one(0),
		unix.SYS_UNLINKAT:          at(n),
		unix.SYS_RENAME:            {n, 0, n, 1, n, PathTwo},
		unix.SYS_RENAMEAT:          {0, 1, 2, 3, n, PathTwo},
		unix.SYS_RENAMEAT2:         {0, 1, 2, 3, n, PathTwo},
		unix.SYS_LINK:              {n, 0, n, 1, n, PathTwo},
		unix.SYS_LINKAT:            {0, 1, 2, 3, 4, PathTwo},
		unix.SYS_SYMLINK:           {n, 0, n, 1, n, PathSymlink},
		unix.SYS_SYMLINKAT:         {n, 0, 1, 2, n, PathSymlink},
		unix.SYS_READLINK:          one(0),
		unix.SYS_READLINKAT:        at(n),
		unix.SYS_CHDIR:             {n, 0, n, n, n, PathChdir},
		unix.SYS_TRUNCATE:          one(0),
		unix.SYS_CHMOD:             one(0),
		unix.SYS_FCHMODAT:          at(n),
		unix.SYS_FCHMODAT2:         at(3),
		unix.SYS_CHOWN:             one(0),
		unix.SYS_LCHOWN:            one(0),
		unix.SYS_FCHOWNAT:          at(4),
		unix.SYS_UTIMENSAT:         {0, 1, n, n, 3, PathNullFd},
		unix.SYS_UTIMES:            one(0),
		unix.SYS_UTIME:             one(0),
		unix.SYS_FUTIMESAT:         {0, 1, n, n, n, PathNullFd},
		unix.SYS_STATFS:            one(0),
		unix.SYS_EXECVE:            {n, 0, n, n, n, PathExec},
		unix.SYS_EXECVEAT:          {0, 1, n, n, 4, PathExec},
		unix.SYS_GETXATTR:          one(0),
		unix.SYS_LGETXATTR:         one(0),
		unix.SYS_SETXATTR:          one(0),
		unix.SYS_LSETXATTR:         one(0),
		unix.SYS_LISTXATTR:         one(0),
		unix.SYS_LLISTXATTR:        one(0),
		unix.SYS_REMOVEXATTR:       one(0),
		unix.SYS_LREMOVEXATTR:      one(0),
		unix.SYS_INOTIFY_ADD_WATCH: {n, 1, n, n, n, PathPlain},
		unix.SYS_NAME_TO_HANDLE_AT: at(4),
	}
}

// FdCalls are the calls about one descriptor (in %rdi) that the stub sends
// to the supervisor when that descriptor is virtual. close, dup and fcntl
// are here so the stub can keep its bitmaps right.
var FdCalls = []int{
	unix.SYS_FSTAT, unix.SYS_FSTATFS, unix.SYS_FCHMOD, unix.SYS_FCHOWN, unix.SYS_FCHDIR,
	unix.SYS_GETDENTS64, unix.SYS_GETDENTS, unix.SYS_FGETXATTR, unix.SYS_FSETXATTR,
	unix.SYS_FLISTXATTR, unix.SYS_FREMOVEXATTR, unix.SYS_CLOSE, unix.SYS_DUP, unix.SYS_FCNTL,
}

// CredCalls change a thread's credentials. The supervisor learns who calls
// from the connection (SO_PEERCRED, fixed when it is made), so after one of
// these the stub makes new connections.
var CredCalls = []int{
	unix.SYS_SETUID, unix.SYS_SETGID, unix.SYS_SETREUID, unix.SYS_SETREGID, unix.SYS_SETRESUID,
	unix.SYS_SETRESGID, unix.SYS_SETFSUID, unix.SYS_SETFSGID, unix.SYS_SETGROUPS, unix.SYS_CAPSET,
}

// DataCalls are the calls that go to the supervisor only for a served
// descriptor: the kernel answers them for every other one.
var DataCalls = []int{
	unix.SYS_READ, unix.SYS_WRITE, unix.SYS_PREAD64, unix.SYS_PWRITE64, unix.SYS_READV,
	unix.SYS_WRITEV, unix.SYS_PREADV, unix.SYS_PWRITEV, unix.SYS_PREADV2, unix.SYS_PWRITEV2,
	unix.SYS_LSEEK, unix.SYS_FSYNC, unix.SYS_FDATASYNC, unix.SYS_FALLOCATE, unix.SYS_FTRUNCATE,
}

// VFSClasses returns the class table a process uses when the run has
// mounts: KeptClasses plus the calls that may concern a virtual path or
// descriptor. Without mounts the stub keeps Classes (KeptClasses with
// hooks), so the file calls of a plain run stay on the fast path.
func VFSClasses() [NSlots]Class {
	t := KeptClasses()
	for nr := range PathCalls() {
		if t[nr] == ClassPass {
			t[nr] = ClassPath
		}
	}
	t[unix.SYS_GETCWD] = ClassPath
	t[unix.SYS_UMASK] = ClassPath
	for _, nr := range CredCalls {
		t[nr] = ClassPath
	}
	for _, nr := range FdCalls {
		t[nr] = ClassFd
	}
	t[unix.SYS_IOCTL] = ClassFd // FileFlagIoctls on a virtual descriptor; the C handler passes the others on
	t[unix.SYS_DUP2] = ClassFd2
	t[unix.SYS_DUP3] = ClassFd2
	for _, nr := range DataCalls {
		t[nr] = ClassData
	}
	// getsockname of a socket bound in a mount gives the name the program
	// bound, not the host path the socket is bound to.
	t[unix.SYS_GETSOCKNAME] = ClassPath
	for _, nr := range SockCalls {
		t[nr] = ClassPath
	}
	t[RefusedCall] = ClassPath
	return t
}

// FileFlagIoctls are the ioctls that change a file through a descriptor
// open for reading alone (the owner may): its flags (chattr: append-only,
// immutable...), its version, fs-verity. On a mount's kernel-backed
// descriptor they would reach the memfd, or an overlay's lower file on the
// host: a run with mounts answers them ENOTTY there (the mounts keep no
// such flags), the stub for its virtual descriptors (ioctl is ClassFd) and
// the supervisor for the net, whose filter sends them alone of all ioctls.
var FileFlagIoctls = []uint32{
	unix.FS_IOC_SETFLAGS, 0x40046602, // and FS_IOC32_SETFLAGS
	0x40087602, 0x40047602, // FS_IOC_SETVERSION, FS_IOC32_SETVERSION
	0x401c5820, // FS_IOC_FSSETXATTR
	unix.FS_IOC_ENABLE_VERITY,
}

// IsFileFlagIoctl tells whether cmd is one of FileFlagIoctls.
func IsFileFlagIoctl(cmd uint32) bool { return slices.Contains(FileFlagIoctls, cmd) }

// RefusedCall is the call a run with mounts answers ENOSYS, with and
// without the stub (the net's filter refuses it too): io_uring_setup,
// whose ring would open, read and write files in the kernel's own threads,
// where neither the stub nor the net sees a path (libuv, liburing and tokio
// fall back to system calls).
const RefusedCall = unix.SYS_IO_URING_SETUP

// SockCalls name a socket file by the path in their sockaddr_un: bind and
// connect of a Unix-domain socket. With a path in a mount, the stub sends
// the call (CallFd1 with the socket, CallPath1 with the path made
// absolute), and the supervisor binds or connects a copy of the socket to
// the host path the mount keeps for the file.
var SockCalls = []int{unix.SYS_BIND, unix.SYS_CONNECT}

// Message types of the VFS requests.
const (
	MsgCall  = 5 // stub → supervisor: CallFixed, Path1Len + Path2Len bytes; SCM_RIGHTS: the virtual descriptors named by Flags
	MsgReply = 6 // supervisor → stub: ReplyFixed, Len1 + Len2 bytes; SCM_RIGHTS: a descriptor for ReplyFd and ReplyExec
)

// CallFixed starts a MsgCall payload.
type CallFixed struct {
	Nr       uint32
	Flags    uint32    // CallFd*: which descriptor arguments travel as SCM_RIGHTS, in this order
	Args     [6]uint64 // the registers as the program passed them
	Path1Len uint32    // the first path, made absolute against the working directory when it was relative to it
	Path2Len uint32
	Umask    uint32 // the process's umask, for calls that create
	Since    uint32 // with CallSince: the view's moves count the working directory in Path1 was true at
	Dir1Len  uint32 // with CallDir1: Path1's first Dir1Len bytes are the directory it was relative to
	_        uint32
	Dir1Dev  uint64 // with CallDir1: that directory's identity, as the view gave it
	Dir1Ino  uint64
}

// Call flags.
const (
	CallFd1   = 1 << 0 // Args[Dir1] (or Args[0] for fd calls) is a virtual descriptor, passed
	CallFd2   = 1 << 1 // Args[Dir2] (or Args[1]) is, too
	CallPath1 = 1 << 2 // Path1 is present (Path1Len may be 0 for an empty path)
	CallPath2 = 1 << 3
	CallSelf1 = 1 << 4 // Path1 named the descriptor itself (/proc/self/fd/N, /dev/fd/N): it is Args-independent and passed
	// CallSince: Path1 is a virtual working directory that was true when
	// the view's ViewHeader.Moves was Since. With getcwd, the reply gives
	// where the renames since have taken it (Len1), or ENOENT if it was
	// removed; with a call of the stat family, the attributes of the
	// directory as it was removed (nlink 0), for stat(".") in it.
	CallSince = 1 << 5
	// CallDir1: Path1 was relative to a directory descriptor whose path
	// the view gave (a directory zvfs opened, noted by its inode): the
	// stub sends that path joined with the name instead of the
	// descriptor, which costs a socket passed and closed each way. If
	// Path1's first Dir1Len bytes no longer lead to the directory
	// Dir1Dev/Dir1Ino (a rename moved it meanwhile), the answer is
	// ReplyAgain, and the stub sends the descriptor.
	CallDir1 = 1 << 6
)

// ReplyFixed starts a MsgReply payload.
type ReplyFixed struct {
	Ret    int64  // the call's result or -errno, for ReplyDone; for ReplyFd of a served directory, its inode number (0: not one)
	Action uint32 // Reply*
	Fd     uint32 // FdVirt/FdServed bits of the descriptor passed with ReplyFd
	Len1   uint32 // strings that follow: host paths for ReplyHost, the directory for a chdir
	Len2   uint32
}

// Reply actions.
const (
	ReplyDone  = 0 // Ret is the answer
	ReplyPass  = 1 // not virtual after all: issue the call as the program made it (and forget the descriptor)
	ReplyHost  = 2 // issue the call on the host with the paths replaced by the strings
	ReplyFd    = 3 // the passed descriptor is the result (open): install it at the lowest free number
	ReplyExec  = 4 // exec: the passed descriptor is the program, Str1 its path, Ret its Exec* flags; or a #! line (interpreter, optional argument) in the strings
	ReplyAgain = 5 // CallDir1's directory is no longer at its path: send the call again with the descriptor
)

// Flags of a program in ReplyFixed.Ret of a ReplyExec with a descriptor.
const (
	// ExecHostLoader: the program is dynamic and its loader looks for its
	// libraries on the host only (no library path of its own in a mount,
	// none relative to it): the new image needs no net for its start.
	ExecHostLoader = 1 << 0
)

// Descriptor bits in ReplyFixed.Fd and in the stub's bitmaps.
const (
	FdVirt   = 1 << 0
	FdServed = 1 << 1
)

// A served directory's placeholder is a SOCK_SEQPACKET pair. The
// supervisor queues its listing there, as getdents64 renders it, so that
// the stub answers getdents without asking: each message is a chunk, a
// ListingChunkHeader-byte position (the d_off before its first record)
// followed by whole linux_dirent64 records; a ListingMarkSize-byte message
// says the listing is all read. An empty queue means: ask. A chunk larger
// than the caller's buffer is put back by asking to lseek to its position.
const (
	ListingChunkHeader = 8
	ListingMarkSize    = 1
	ListingChunkMax    = 32 << 10 // glibc's readdir buffer
)

// Sizes of the VFS messages' fixed parts.
const (
	CallFixedSize  = 96
	ReplyFixedSize = 24
)

// Call is a decoded MsgCall.
type Call struct {
	Nr           uint32
	Flags        uint32
	Args         [6]uint64
	Umask        uint32
	Since        uint32
	Dir1Len      uint32 // with CallDir1 (CallFixed)
	Dir1Dev      uint64
	Dir1Ino      uint64
	Path1, Path2 string
}

// MaxSentPath bounds a path in a MsgCall. The kernel's PATH_MAX applies to
// what a program passes, which the stub checks (ENAMETOOLONG); it sends the
// path made absolute, a working directory and a relative name each under
// PATH_MAX joined.
const MaxSentPath = 2 * unix.PathMax

// DecodeCall decodes a MsgCall payload. Paths may not hold NUL bytes or be
// MaxSentPath bytes or longer.
func DecodeCall(p []byte) (Call, error) {
	var c Call
	if len(p) < CallFixedSize {
		return c, bad("call: %d bytes", len(p))
	}
	c.Nr = le.Uint32(p)
	c.Flags = le.Uint32(p[4:])
	for i := range c.Args {
		c.Args[i] = le.Uint64(p[8+8*i:])
	}
	l1, l2 := uint64(le.Uint32(p[56:])), uint64(le.Uint32(p[60:]))
	c.Umask = le.Uint32(p[64:]) & 0777
	c.Since = le.Uint32(p[68:])
	c.Dir1Len = le.Uint32(p[72:])
	c.Dir1Dev = le.Uint64(p[80:])
	c.Dir1Ino = le.Uint64(p[88:])
	if l1+l2 != uint64(len(p)-CallFixedSize) {
		return c, bad("call: paths of %d and %d bytes but %d bytes follow", l1, l2, len(p)-CallFixedSize)
	}
	if l1 >= MaxSentPath || l2 >= MaxSentPath {
		return c, bad("call: path of %d bytes", max(l1, l2))
	}
	if c.Flags&^(CallFd1|CallFd2|CallPath1|CallPath2|CallSelf1|CallSince|CallDir1) != 0 {
		return c, bad("call: flags %#x", c.Flags)
	}
	if c.Flags&CallDir1 != 0 && (c.Flags&(CallFd1|CallSelf1|CallSince) != 0 || c.Flags&CallPath1 == 0 ||
		uint64(c.Dir1Len) > l1 || c.Dir1Len == 0) {
		return c, bad("call: CallDir1 with flags %#x, a directory of %d bytes in a path of %d", c.Flags, c.Dir1Len, l1)
	}
	rest := p[CallFixedSize:]
	c.Path1, c.Path2 = string(rest[:l1]), string(rest[l1:])
	for _, s := range []string{c.Path1, c.Path2} {
		for i := 0; i < len(s); i++ {
			if s[i] == 0 {
				return c, bad("call: NUL inside a path")
			}
		}
	}
	return c, nil
}

// EncodeCall builds a whole MsgCall datagram (tests and fuzz seeds; the
// stub builds its own).
func EncodeCall(pid int32, c Call) []byte {
	b := AppendHeader(nil, MsgCall, CallFixedSize+len(c.Path1)+len(c.Path2), pid)
	b = le.AppendUint32(b, c.Nr)
	b = le.AppendUint32(b, c.Flags)
	for _, a := range c.Args {
		b = le.AppendUint64(b, a)
	}
	b = le.AppendUint32(b, uint32(len(c.Path1)))
	b = le.AppendUint32(b, uint32(len(c.Path2)))
	b = le.AppendUint32(b, c.Umask)
	b = le.AppendUint32(b, c.Since)
	b = le.AppendUint32(b, c.Dir1Len)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint64(b, c.Dir1Dev)
	b = le.AppendUint64(b, c.Dir1Ino)
	b = append(b, c.Path1...)
	return append(b, c.Path2...)
}

// Reply is a MsgReply to encode.
type Reply struct {
	Ret        int64
	Action     uint32
	Fd         uint32
	Str1, Str2 string
}

// EncodeReply builds a whole MsgReply datagram.
func EncodeReply(r Reply) []byte {
	b := AppendHeader(nil, MsgReply, ReplyFixedSize+len(r.Str1)+len(r.Str2), 0)
	b = le.AppendUint64(b, uint64(r.Ret))
	b = le.AppendUint32(b, r.Action)
	b = le.AppendUint32(b, r.Fd)
	b = le.AppendUint32(b, uint32(len(r.Str1)))
	b = le.AppendUint32(b, uint32(len(r.Str2)))
	b = append(b, r.Str1...)
	return append(b, r.Str2...)
}
