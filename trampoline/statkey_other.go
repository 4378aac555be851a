// This file holds the fallback for systems where the device and inode are
// not read: cache keys then include the path instead.

//go:build !linux

package trampoline

import "os"

func devIno(os.FileInfo) (dev, ino uint64, ok bool) { return 0, 0, false }

func changeTime(os.FileInfo) (int64, bool) { return 0, false }
