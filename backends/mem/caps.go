// caps.go says which of the capabilities package caps names the tree has:
// all of them.

package mem

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

	_ caps.Direnter      = (*File)(nil)
	_ caps.FileChmoder   = (*File)(nil)
	_ caps.FileChowner   = (*File)(nil)
	_ caps.FileToucher   = (*File)(nil)
	_ caps.FileUtimenser = (*File)(nil)
	_ caps.Fder          = (*File)(nil)
)
