// Package posix runs go-fuse's posixtest suite (github.com/hanwen/go-fuse/v2/posixtest)
// against the directory given as its argument; see TestPosix. Built with
// `CGO_ENABLED=1 go test -c` by integration/conformance_test.go, and run
// under zvfs (a mem or an overlay mount) or on a `zvfs fuse` mount point.
package posix

// Linking cgo makes the test binary dynamically linked, so that zvfs's hook
// reaches it (a static Go binary runs unhooked and sees the host's paths).

/*
static int posix_cgo(void) { return 1; }
*/
import "C"

// Cgo reports that the binary was linked with cgo.
func Cgo() bool { return C.posix_cgo() == 1 }
