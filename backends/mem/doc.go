// Package mem is the "mem:" backend of zvfs: a file system that lives in the
// supervisor's memory and behaves like a Linux tmpfs.
//
// zvfs answers the file system calls that a program makes on virtual paths,
// so the backend behind a virtual mount must give the answers the kernel
// would: the same errno for the same mistake, the same link counts, the same
// permission decisions. afero's MemMapFs is far from that (it creates files
// without a parent, removes non-empty directories, has no permissions and no
// symbolic links), so this package keeps its own tree of inodes and follows
// the rules of the Linux VFS and of tmpfs step by step.
//
// The bytes of every regular file are kept in a memfd, one per inode. This
// lets the supervisor give a program a real kernel file descriptor for an
// open file: it reopens /proc/self/fd/N of the memfd (see FS.MemFD), so that
// the program's reads and writes go straight to the kernel and never come
// back to Go. The package's own File does the same: every Open gets its own
// descriptor with its own offset and flags, which makes O_APPEND atomic.
// Because data changes bypass the tree, the size, blocks and modification
// time of a regular file are always read from the memfd (fstat), never kept
// in Go. The memfd also carries the file's set-user-ID and set-group-ID
// bits, so that the kernel takes them away when a program of another user
// writes or truncates, as on tmpfs; Stat reads from the memfd which of them
// are gone.
//
// Descriptors find their way back: given any descriptor of a memfd of the
// tree, however it was reopened or passed around, and even after the file
// was renamed or lost its last name, FS.OpenData returns a File for the
// inode behind it, so that fstat, fchmod, fchown, futimens and ftruncate
// from a program can be answered (File.Stat, Chmod, Chown, Utimens, Touch,
// Truncate), and FS.LinkData gives it a new name, as linkat(2) with
// AT_EMPTY_PATH does. That is how a file made with O_TMPFILE, which has no
// name (and no memfd of the tree's, only the descriptors of its Files),
// gets one.
//
// An FS acts as root: it never refuses for lack of permission. FS.As returns
// a view of the same tree that checks permissions for another user the way
// the kernel does. Paths are always taken relative to the FS's root: "a/b"
// and "/a/b" name the same file, and an absolute symbolic link target is
// resolved from the FS's root, not the host's.
//
// Directory listings (Readdir, Readdirnames) are sorted by name; tmpfs lists
// the newest (or last renamed) entry first, which no program may rely on.
//
// # Where it differs from tmpfs
//
// The differential tests compare the rules above with a real tmpfs; these
// are the known differences:
//
//   - Directory order is by name. Seek on a directory can only rewind, and
//     names added behind the read position are not returned.
//   - Device nodes, FIFOs and socket files are made with Mknod; opens of a
//     FIFO or device reach a host node of its kind (special.go), so the
//     kernel gives them their semantics. CopyFrom skips them. No O_PATH
//     (EINVAL), no RENAME_WHITEOUT (EINVAL), no ACLs (extended attributes
//     of the user, trusted and security namespaces are kept: xattr.go),
//     file flags or quotas. StatFS reports tmpfs-like numbers but nothing
//     enforces a size limit; it counts only the files that have a name,
//     where tmpfs counts open unnamed ones too.
//   - O_TMPFILE is supported; an unnamed file is named with FS.LinkData,
//     which stands for linkat(fd, "", AT_FDCWD, newname, AT_EMPTY_PATH).
//     The kernel lets a user without CAP_DAC_READ_SEARCH do that only on
//     a descriptor opened with the same credentials (since Linux 6.10;
//     never before): LinkData takes every descriptor as opened by the
//     view's user.
//   - A write or truncation through a File of a non-root view drops the
//     set-user-ID/set-group-ID bits as the kernel would, judged by the
//     view's user rather than by the writer's at the time of the write.
//     Through other descriptors of the memfd (those MemFD hands out,
//     reopened) the kernel judges, with the writer's credentials: the
//     memfd has the file's set-ID bits, and for a set-group-ID file
//     without group execute its owner and group. Without CAP_CHOWN the
//     memfd keeps the owner that made it, and a group other than one of
//     that user's makes it lose the set-group-ID bit to every writer,
//     as to that user. Likewise File.Chmod, Chown, Utimens and Touch are
//     judged by the user of the view the File came from.
//   - Times come from the coarse clock the kernel uses for inodes, without
//     the fine-grained stamps of multigrain timestamps. Access times of
//     regular files are the memfd's (updated on every read); those of
//     directories and symbolic links are not updated by reading them.
//   - Hard links follow fs.protected_hardlinks=1; protected_symlinks,
//     protected_regular and protected_fifos act as 0.
//   - Uid 0 has every capability; there are no user namespaces or ID
//     mappings. Inode and device numbers are the FS's own.
//   - RemoveAll reports the first error in name order, where os.RemoveAll
//     on tmpfs reports the first in directory order.
package mem
