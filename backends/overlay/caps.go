// caps.go says which of the capabilities package caps names the overlay
// has: all of them, for its directories and its files read from a lower
// layer (an upper file is the upper layer's own, a mem.File).

package overlay

import "github.com/zvfs/zvfs/backends/caps"

var (
	_ caps.Linker      = (*FS)(nil)
	_ caps.DataLinker  = (*FS)(nil)
	_ caps.Unlinker    = (*FS)(nil)
	_ caps.FlagRenamer = (*FS)(nil)
	_ caps.Lchowner    = (*FS)(nil)
	_ caps.Truncater   = (*FS)(nil)
	_ caps.Toucher     = (*FS)(nil)
	_ caps.Utimenser   = (*FS)(nil)
	_ caps.StatFSer    = (*FS)(nil)
	_ caps.DataSourcer = (*FS)(nil)
	_ caps.DataOpener  = (*FS)(nil)
	_ caps.DataStater  = (*FS)(nil)

	_ caps.Direnter      = (*dirFile)(nil)
	_ caps.FileChmoder   = (*dirFile)(nil)
	_ caps.FileChowner   = (*dirFile)(nil)
	_ caps.FileToucher   = (*dirFile)(nil)
	_ caps.FileUtimenser = (*dirFile)(nil)
	_ caps.Fder          = (*dirFile)(nil)

	_ caps.FileChmoder   = (*lowerFile)(nil)
	_ caps.FileChowner   = (*lowerFile)(nil)
	_ caps.FileToucher   = (*lowerFile)(nil)
	_ caps.FileUtimenser = (*lowerFile)(nil)
	_ caps.Fder          = (*lowerFile)(nil)
)
