// caps.go says that the overlay has every capability package caps names,
// for its directories and its files read from a lower layer (an upper file
// is the upper layer's own, a mem.File).

package overlay

import "github.com/zvfs/zvfs/backends/caps"

var (
	_ caps.FS         = (*FS)(nil)
	_ caps.DataPather = (*FS)(nil)
	_ caps.File       = (*dirFile)(nil)
	_ caps.Direnter   = (*dirFile)(nil)
	_ caps.Pather     = (*dirFile)(nil)
	_ caps.File       = (*lowerFile)(nil)
)
