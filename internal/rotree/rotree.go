// Package rotree gives a read-only view of a host directory: a descriptor
// of a detached copy of its mount (open_tree(2) with OPEN_TREE_CLONE), made
// read-only (mount_setattr(2)). A file opened beneath it is the same file
// (the same device and inode), which can be read, but never written,
// truncated, chmod'ed, chown'ed or given flags or attributes, through that
// descriptor or any other made from it — a reopen of /proc/PID/fd/N of it
// by any process included: the kernel answers EROFS. An overlay reads its
// lower directories through one, so that whatever a program does with a
// descriptor of a lower file, the host file stays as it was.
//
// Root makes the copy in its own process. An ordinary user cannot
// (open_tree needs CAP_SYS_ADMIN over the mount): the binary runs again as
// a helper in a new user and mount namespace, where it can, and passes the
// descriptor back over a socket (the copy stays usable from the caller's
// namespaces). Where neither works (a kernel before 5.12, user namespaces
// disabled), Open says so and the caller uses host paths.
package rotree

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// helperName is the helper's argv[0]: a binary that links this package
// and is run with it becomes the helper (see init).
const helperName = "zvfs-rotree-helper"

func init() {
	if len(os.Args) == 2 && os.Args[0] == helperName {
		os.Exit(helper(os.Args[1]))
	}
}

// Open returns a close-on-exec descriptor of a read-only copy of the mount
// of dir, rooted at dir. Files are reached beneath it with the *at calls
// (openat, fstatat, readlinkat).
func Open(dir string) (int, error) {
	fd, err := clone(dir)
	if errors.Is(err, unix.EPERM) {
		fd, err = fromHelper(dir)
	}
	if err != nil {
		return -1, fmt.Errorf("read-only view of %s: %w", dir, err)
	}
	return fd, nil
}

// clone makes the read-only copy in this process.
func clone(dir string) (int, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, dir, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err != nil {
		return -1, fmt.Errorf("open_tree: %w", err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("mount_setattr: %w", err)
	}
	return fd, nil
}

// fromHelper has the copy made by this binary run again in a new user
// namespace (where this user is root, and may) and a new mount namespace,
// and receives its descriptor on a socket pair (the helper's descriptor 3).
func fromHelper(dir string) (int, error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socketpair: %w", err)
	}
	defer unix.Close(pair[0])
	theirs := os.NewFile(uintptr(pair[1]), "rotree")
	cmd := &exec.Cmd{Path: "/proc/self/exe", Args: []string{helperName, dir}, ExtraFiles: []*os.File{theirs},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		}}
	out, err := cmd.CombinedOutput()
	theirs.Close()
	if err != nil {
		return -1, fmt.Errorf("helper: %v: %s", err, out)
	}
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(pair[0], buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("helper's descriptor: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, fmt.Errorf("helper's descriptor: no descriptor")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return -1, fmt.Errorf("helper's descriptor: no descriptor")
	}
	return fds[0], nil
}

// helper is the helper's whole life: the copy of dir's mount, sent on
// descriptor 3. Its exit status is 0 if it was sent.
func helper(dir string) int {
	fd, err := clone(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := unix.Sendmsg(3, []byte{0}, unix.UnixRights(fd), nil, 0); err != nil {
		fmt.Fprintln(os.Stderr, "sendmsg:", err)
		return 1
	}
	return 0
}
