package linuxvfs

import (
	"os"

	"golang.org/x/sys/unix"
)

// fileTypes pairs the S_IFMT types of st_mode with the os.FileMode bits of
// the same type (fm) and the bit that tells an os.FileMode is of it (is).
var fileTypes = [...]struct {
	st     uint32
	fm, is os.FileMode
}{
	{unix.S_IFDIR, os.ModeDir, os.ModeDir},
	{unix.S_IFLNK, os.ModeSymlink, os.ModeSymlink},
	{unix.S_IFIFO, os.ModeNamedPipe, os.ModeNamedPipe},
	{unix.S_IFSOCK, os.ModeSocket, os.ModeSocket},
	{unix.S_IFCHR, os.ModeDevice | os.ModeCharDevice, os.ModeCharDevice},
	{unix.S_IFBLK, os.ModeDevice, os.ModeDevice},
}

// specialModes pairs the set-user-ID, set-group-ID and sticky bits of
// st_mode with those of os.FileMode.
var specialModes = [...]struct {
	st uint32
	fm os.FileMode
}{
	{unix.S_ISUID, os.ModeSetuid},
	{unix.S_ISGID, os.ModeSetgid},
	{unix.S_ISVTX, os.ModeSticky},
}

// FileMode turns st_mode bits into an os.FileMode.
func FileMode(m uint32) os.FileMode {
	fm := os.FileMode(m & 0777)
	for _, t := range fileTypes {
		if m&unix.S_IFMT == t.st {
			fm |= t.fm
			break
		}
	}
	for _, s := range specialModes {
		if m&s.st != 0 {
			fm |= s.fm
		}
	}
	return fm
}

// PermBits turns an os.FileMode into the 07777 bits of st_mode. The
// set-user-ID, set-group-ID and sticky bits may be given either as Go's
// ModeSetuid, ModeSetgid and ModeSticky or as the raw 04000, 02000 and 01000
// bits (os.FileMode leaves those bits unused), so a caller holding a mode_t
// can pass os.FileMode(mode) as it is.
func PermBits(fm os.FileMode) uint32 {
	return uint32(fm)&07777 | specialBits(fm)
}

// Mode turns an os.FileMode into st_mode bits: the file type (a regular
// file if fm has no type bit), the 0777 permission bits, and the
// set-user-ID, set-group-ID and sticky bits given as Go's ModeSetuid,
// ModeSetgid and ModeSticky.
func Mode(fm os.FileMode) uint32 {
	typ := uint32(unix.S_IFREG)
	for _, t := range fileTypes {
		if fm&t.is != 0 {
			typ = t.st
			break
		}
	}
	return typ | uint32(fm.Perm()) | specialBits(fm)
}

// specialBits is the S_ISUID, S_ISGID and S_ISVTX bits of Go's ModeSetuid,
// ModeSetgid and ModeSticky in fm.
func specialBits(fm os.FileMode) uint32 {
	var m uint32
	for _, s := range specialModes {
		if fm&s.fm != 0 {
			m |= s.st
		}
	}
	return m
}
