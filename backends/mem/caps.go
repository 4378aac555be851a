// caps.go says that the tree has every capability package caps names.

package mem

import "github.com/zvfs/zvfs/backends/caps"

var (
	_ caps.FS       = (*FS)(nil)
	_ caps.File     = (*File)(nil)
	_ caps.Direnter = (*File)(nil)
	_ caps.DataFder = (*File)(nil)
)
