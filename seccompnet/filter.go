// Package seccompnet is the net under the hook: a seccomp filter that
// sends the file calls the stub cannot see — those of statically linked
// programs, which load no stub — to the supervisor as user notifications,
// and the server that answers them with the same namespace code as the
// stub's requests. Calls on host paths go back to the kernel untouched
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE); calls on virtual paths are answered
// here, descriptors installed in the caller with SECCOMP_IOCTL_NOTIF_ADDFD.
//
// A filter costs every system call of the process carrying it some tens of
// nanoseconds, so it is installed only where it is needed: on a statically
// linked program the run starts. Processes inherit it through fork and keep
// it through exec, so every descendant of such a program is caught too.
package seccompnet

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
)

// Install sets no_new_privs and installs the filter on the calling
// thread, which must be locked to its goroutine (runtime.LockOSThread)
// and never unlocked: the thread carries the filter from now on, and so
// does every process it starts. It returns the listener.
func Install() (int, error) {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("seccomp net: prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	prog := abi.NetFilter()
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	// A non-fatal signal must not take back a call the supervisor already
	// holds (kernel 5.19); older kernels install without it.
	for _, flags := range []uintptr{unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
		unix.SECCOMP_FILTER_FLAG_NEW_LISTENER} {
		fd, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog)))
		runtime.KeepAlive(prog)
		if e == 0 {
			return int(fd), nil
		}
		if e != unix.EINVAL {
			return -1, fmt.Errorf("seccomp net: install the filter: %w", e)
		}
	}
	return -1, fmt.Errorf("seccomp net: install the filter: %w", unix.EINVAL)
}

// Available says whether this kernel lets an unprivileged process install
// a filter that notifies a listener (SECCOMP_RET_USER_NOTIF, kernel 5.0;
// descriptors installed in the caller need 5.9).
func Available() error {
	action := uint32(unix.SECCOMP_RET_USER_NOTIF)
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&action)))
	if e != 0 {
		return fmt.Errorf("seccomp user notification is unavailable: %w", e)
	}
	return nil
}
