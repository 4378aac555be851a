// This file holds the Linux way of getting a file's device and inode.

//go:build linux

package trampoline

import (
	"os"
	"syscall"
)

func devIno(fi os.FileInfo) (dev, ino uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return st.Dev, st.Ino, true
}
