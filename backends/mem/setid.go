// setid.go keeps the set-user-ID and set-group-ID bits of a regular file on
// its memfd as well, so that the kernel takes them away when a program
// writes to or truncates the file through a descriptor of its own (the
// tree never sees those writes), exactly as it would on tmpfs, and so that
// Stat reports what the kernel took. (A memfd lives on the kernel's internal
// shmem mount, where execve never honours set-ID bits (mnt_may_suid): a
// program executed through one gains nothing from them.)

package mem

import "golang.org/x/sys/unix"

// setID is the set-user-ID and set-group-ID bits.
const setID = unix.S_ISUID | unix.S_ISGID

// dataPerm is the permission bits of a new memfd (makeBlank): everyone
// may read and execute it (the stub's reopens through /proc, a program
// run from a mount), but only its owner, the supervisor's user, or root
// may write its inode, and so set caps.ModeXattr on it: no one else can
// give a file permission bits through it.
const dataPerm = 0755

// dataMode is the mode the memfd of a regular file of mode m is given:
// dataPerm with m's set-ID bits, without group execute if m is
// set-group-ID but not group-executable.
//
// On a write or truncation by a task without CAP_FSETID, file_remove_privs
// asks setattr_should_drop_suidgid (fs/attr.c) what to take from the
// memfd, which then decides as it would for the file on tmpfs: S_ISUID
// always goes; S_ISGID goes if the inode is group-executable, and
// otherwise only if the writer is neither in the inode's group nor has
// CAP_FSETID over it (setattr_should_drop_sgid, in_group_or_capable).
// For that last case the memfd must also have the file's group, and its
// owner too, so that the owner keeps execute permission on the memfd
// although its group class lacks it (see mirror).
func dataMode(m uint32) uint32 {
	d := dataPerm | m&setID
	if m&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID {
		d &^= unix.S_IXGRP
	}
	return d
}

// memfdMode is the mode n's memfd was last given (n.dmode): dataPerm for
// a new memfd.
func (n *inode) memfdMode() uint32 {
	if n.dmode == 0 {
		return dataPerm
	}
	return n.dmode
}

// mirror gives the memfd of the regular file n the mode dataMode(n.mode),
// and, when that is set-group-ID without group execute, n's owner and
// group. It costs no system call for a file that has never had a set-ID
// bit: the kernel only ever takes bits away from a memfd. fd is a
// descriptor of n's data, for a file that has no memfd left (see dataFD),
// or -1. The caller holds the write lock and calls it after any change of
// n.mode.
//
// Without CAP_CHOWN the memfd keeps its owner (the supervisor's user) and
// gets only a group the supervisor is in; if it cannot have the file's
// group, the supervisor's user is not in that group, and it is made
// group-executable, which takes S_ISGID from every writer. A memfd that
// cannot be changed at all keeps what it has; n.dmode records the mode it
// really has, so that Stat never reports as taken a bit that the memfd
// never had.
func mirror(n *inode, fd int) {
	if !n.isReg() {
		return
	}
	want := dataMode(n.mode)
	owner := want&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID
	if want == dataPerm && n.memfdMode() == dataPerm {
		return
	}
	fd, ks, ok := dataStat(n, fd)
	if !ok {
		return
	}
	if owner && (ks.Uid != n.uid || ks.Gid != n.gid) {
		if unix.Fchown(fd, int(n.uid), int(n.gid)) != nil {
			unix.Fchown(fd, -1, int(n.gid))
		}
		// A change of owner takes set-ID bits away.
		if unix.Fstat(fd, &ks) != nil {
			return
		}
		if ks.Gid != n.gid {
			// Neither root nor in the file's group: nor are the
			// programs of this supervisor's user, so the kernel is to
			// take S_ISGID from all of them, as from a group-executable
			// file.
			want |= unix.S_IXGRP
		}
	}
	have := ks.Mode & 07777
	if have != want && unix.Fchmod(fd, want) == nil {
		have = want
	}
	n.dmode = have
}

// dataStat is fstat of n's data through dataFD(n, fd), and the descriptor
// it used; ok is false if n has none.
func dataStat(n *inode, fd int) (int, unix.Stat_t, bool) {
	var ks unix.Stat_t
	if fd = dataFD(n, fd); fd < 0 || unix.Fstat(fd, &ks) != nil {
		return -1, ks, false
	}
	return fd, ks, true
}

// lostPrivs is the set-ID bits that the kernel has taken from n's memfd,
// whose status is ks, since mirror gave them: the bits Stat must not
// report although n.mode still has them. The caller holds the lock (a read
// lock will do).
func lostPrivs(n *inode, ks *unix.Stat_t) uint32 {
	return n.dmode & setID &^ ks.Mode
}

// fold takes out of n.mode the set-ID bits that the kernel has taken from
// n's memfd. fd is as for mirror. The caller holds the write lock and calls
// it before an operation that looks at n's set-ID bits to decide (chown,
// the dropping of privileges, hard link protection); one that replaces
// them (chmod) need not.
func fold(n *inode, fd int) {
	if !n.isReg() || n.dmode&setID == 0 {
		return
	}
	_, ks, ok := dataStat(n, fd)
	if !ok {
		return
	}
	lost := lostPrivs(n, &ks)
	n.mode &^= lost
	n.dmode &^= lost
}
