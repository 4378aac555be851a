package seccompnet

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's notification structures (linux/seccomp.h), for x86-64.

// notif is struct seccomp_notif with its struct seccomp_data.
type notif struct {
	id    uint64
	pid   uint32 // the calling thread, as our pid namespace sees it
	flags uint32
	nr    int32
	arch  uint32
	ip    uint64
	args  [6]uint64
}

// notifResp is struct seccomp_notif_resp.
type notifResp struct {
	id    uint64
	val   int64
	error int32
	flags uint32
}

// notifAddfd is struct seccomp_notif_addfd.
type notifAddfd struct {
	id         uint64
	flags      uint32
	srcfd      uint32
	newfd      uint32
	newfdFlags uint32
}

func ioctl(fd int, req uint, arg unsafe.Pointer) (uintptr, error) {
	for {
		r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return r, e
		}
		return r, nil
	}
}

// recv waits for the next notification.
func recv(lfd int, n *notif) error {
	*n = notif{}
	_, err := ioctl(lfd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(n))
	return err
}

// valid says whether the notification id still waits for its answer (the
// caller has not died or been interrupted): checked after reading the
// caller's memory, before acting on what was read.
func valid(lfd int, id uint64) bool {
	_, err := ioctl(lfd, unix.SECCOMP_IOCTL_NOTIF_ID_VALID, unsafe.Pointer(&id))
	return err == nil
}

// reply answers a notification with a result (>= 0) or -errno.
func reply(lfd int, id uint64, ret int64) error {
	r := notifResp{id: id, val: ret}
	if ret < 0 {
		r.val, r.error = 0, int32(ret)
	}
	_, err := ioctl(lfd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&r))
	return err
}

// proceed lets the kernel run the call as the program made it.
func proceed(lfd int, id uint64) error {
	r := notifResp{id: id, flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE}
	_, err := ioctl(lfd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&r))
	return err
}

// install puts a copy of fd, ours, at the caller's lowest free descriptor
// and answers the call with that number. Not in one step
// (SECCOMP_ADDFD_FLAG_SEND): a signal to our thread while the kernel waits
// for the caller to take the descriptor would leave the call answered with
// 0 and no descriptor; the two steps can each be retried.
func install(lfd int, id uint64, fd int, cloexec bool) error {
	n, err := addfd(lfd, id, fd, cloexec)
	if err != nil {
		return err
	}
	return reply(lfd, id, int64(n))
}

// addfd puts a copy of fd, ours, at the caller's lowest free descriptor
// and returns its number; the call is still to be answered.
func addfd(lfd int, id uint64, fd int, cloexec bool) (int, error) {
	a := notifAddfd{id: id, srcfd: uint32(fd)}
	if cloexec {
		a.newfdFlags = unix.O_CLOEXEC
	}
	n, err := ioctl(lfd, unix.SECCOMP_IOCTL_NOTIF_ADDFD, unsafe.Pointer(&a))
	return int(n), err
}

// syncWake asks the kernel to run the notified thread and the answering
// one on one CPU, handing it over directly (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP).
func syncWake(lfd int) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(lfd), unix.SECCOMP_IOCTL_NOTIF_SET_FLAGS, unix.SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)
	if e != 0 {
		return e
	}
	return nil
}
