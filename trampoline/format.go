// This file holds Format, the human listing printed by `zvfs sites FILE`.

package trampoline

import (
	"fmt"
	"io"

	"github.com/zvfs/zvfs/internal/sysnum"
)

// Format writes a plain, aligned listing of a's sites: a header line with
// the path, build-id, text size and counts, then one line per site with its
// hex file offset, kind and decision.
//
//	/lib/x86_64-linux-gnu/libc.so.6: build-id 93ac61ec…, text 1396988 bytes (1.33 MiB), 526 sites: 524 patched, 2 skipped
//	  0x0274e9  syscall   patch
//	  0x1098d7  syscall   skip: no function bounds (no unwind info or symbol)
//	  0x1180f9  syscall   skip: red zone: lea of negative rsp offset (at 0x1180ef), call sigaltstack
func Format(w io.Writer, path string, a *Analysis) {
	id := a.BuildID
	if id == "" {
		id = "none"
	}
	fmt.Fprintf(w, "%s: build-id %s, text %d bytes (%.2f MiB), %d sites: %d patched, %d skipped\n",
		path, id, a.TextBytes, float64(a.TextBytes)/(1<<20), len(a.Sites), a.Patched(), a.Skipped())
	width := 1
	for _, s := range a.Sites {
		width = max(width, len(fmt.Sprintf("%x", s.Offset)))
	}
	for _, s := range a.Sites {
		action := "patch"
		if !s.Patch {
			action = "skip: " + s.Reason
			if s.Call != CallUnknown {
				action += ", call " + sysnum.Name(s.Call)
			}
		}
		fmt.Fprintf(w, "  0x%0*x  %-8s  %s\n", width, s.Offset, s.Kind, action)
	}
}
