// cred.go finds who makes a FUSE request: the uid and gid the kernel sends
// with it, and the supplementary groups of the calling process.

package fusefs

import (
	"context"
	"os"
	"strconv"
	"strings"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// credOf returns the credentials of ctx's caller; root if the request has
// none (the kernel's own requests).
func credOf(ctx context.Context) linuxvfs.Who {
	c, ok := fuse.FromContext(ctx)
	if !ok {
		return linuxvfs.Who{}
	}
	return linuxvfs.Who{Uid: c.Uid, Gid: c.Gid, Groups: groupsOf(c.Pid)}
}

// groupsOf reads the supplementary groups of process pid; none if it is
// gone or cannot be read.
func groupsOf(pid uint32) []uint32 {
	if pid == 0 {
		return nil
	}
	b, err := os.ReadFile("/proc/" + strconv.FormatUint(uint64(pid), 10) + "/status")
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "Groups:")
		if !ok {
			continue
		}
		var gs []uint32
		for _, f := range strings.Fields(rest) {
			if g, err := strconv.ParseUint(f, 10, 32); err == nil {
				gs = append(gs, uint32(g))
			}
		}
		return gs
	}
	return nil
}
