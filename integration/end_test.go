package integration

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRunEndManyFiles: a run whose trees hold more files than zvfs closes
// itself at its end (internal/reap.MinFds) hands them to a helper and
// ends with the program's status; its output is whole, the files were
// all there until the end, and the overlay's host directory is untouched.
// As root and as nobody.
func TestRunEndManyFiles(t *testing.T) {
	requireHook(t)
	need(t, "sh", "seq", "ls", "wc")
	const script = `for i in $(seq 700); do echo $i > /m/f$i; echo $i > /o/f$i; done
ls /m | wc -l; ls /o | wc -l; cat /m/f700 /o/f1; exit 3`
	asEachUser(t, "zvfs-end-", func(t *testing.T, user, w, mnt string) {
		lower := filepath.Join(w, "lower")
		if err := os.Mkdir(lower, 0o755); err != nil {
			t.Fatal(err)
		}
		if user == "nobody" {
			if err := os.Chown(lower, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}
		argv, env := asUser(t, user, mnt, "--mount", "mem:/m", "--mount", "overlay:/o="+lower, "--", "sh", "-c", script)
		r := run(t, w, env, argv...)
		if want := "700\n700\n700\n1\n"; r.code != 3 || r.stdout != want {
			t.Fatalf("exit %d, want 3\nstdout %q, want %q\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
		}
		if ents, err := os.ReadDir(lower); err != nil || len(ents) != 0 {
			t.Fatalf("the overlay's host directory: %d entries, %v", len(ents), err)
		}
	})
}
