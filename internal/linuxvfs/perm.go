package linuxvfs

// Who is a caller as permission checks see it: file-system user and group,
// and supplementary groups. Uid 0 has every capability.
type Who struct {
	Uid, Gid uint32
	Groups   []uint32
}

// InGroup reports whether gid is w's group or one of its supplementary
// groups.
func (w Who) InGroup(gid uint32) bool {
	if w.Gid == gid {
		return true
	}
	for _, g := range w.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

// Permitted is the kernel's generic_permission for mask (MAY_READ 4,
// MAY_WRITE 2, MAY_EXEC 1) on a file of mode (type bits included), owner
// uid and group gid: the owner, group or other bits decide; root may do
// anything but execute a non-directory without any execute bit.
func (w Who) Permitted(mode, uid, gid, mask uint32) bool {
	bits := mode
	switch {
	case uid == w.Uid:
		bits >>= 6
	case w.InGroup(gid):
		bits >>= 3
	}
	if mask&^bits&7 == 0 {
		return true
	}
	if w.Uid != 0 {
		return false
	}
	return mode&0o170000 == 0o040000 || mask&1 == 0 || mode&0o111 != 0
}
