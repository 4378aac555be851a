package integration

import (
	"strings"
	"testing"
)

// TestVFSFileAttrs runs testdata/vfs_fattr.c: futimens, fchmod and fchown
// on descriptors of files just written, as tar x makes them, which the stub
// answers itself when they only move times (view_fsetattr), and their
// refusals. Compared with tmpfs as root, and as an ordinary user under a
// zvfs run as root (whose memfds the user does not own: the supervisor
// answers) and under a zvfs run as that user (the stub answers).
func TestVFSFileAttrs(t *testing.T) {
	t.Run("root", func(t *testing.T) {
		differential(t, cprog(t, "vfs_fattr"), "$D")
	})
	prog, zvfs := userRun(t, "vfs_fattr")
	user := strings.Join(nobody, " ") + " '" + prog + "' \"$D/u\""
	script := `set -e; mkdir "$D/u"; chown 65534:65534 "$D/u"; ` + user

	t.Run("root-supervisor", func(t *testing.T) {
		native := nativeRun(t, "native", "zvfs-fattr-", []string{"sh", "-c", script})
		if !strings.Contains(native.stdout, "fchown to 1234: EPERM") {
			t.Fatalf("the native run did not run as the user:\n%s%s", native.stdout, native.stderr)
		}
		compareOutcomes(t, native, zvfsRun(t, []string{"sh", "-c", script}, "mem:"+vfsMount))
	})

	t.Run("user-supervisor", func(t *testing.T) {
		native := nativeRun(t, "native", "zvfs-fattr-", []string{"sh", "-c", script})
		w := hostDir(t, "zvfs-fattr-cwd-")
		env := userEnv(t, vfsMount)
		argv := append(append([]string(nil), nobody...), zvfs, "--mount", "mem:"+vfsMount, "--",
			"sh", "-c", `set -e; mkdir "$D/u"; '`+prog+`' "$D/u"`)
		compareOutcomes(t, native, normalise("zvfs", run(t, w, env, argv...), vfsMount, w))
	})
}
