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
// As root and as an ordinary user.
func TestRunEndManyFiles(t *testing.T) {
	requireHook(t)
	need(t, "sh", "seq", "ls", "wc")
	users := map[string][]string{"self": nil}
	if os.Geteuid() == 0 {
		users["nobody"] = nobody
	}
	const script = `for i in $(seq 700); do echo $i > /m/f$i; echo $i > /o/f$i; done
ls /m | wc -l; ls /o | wc -l; cat /m/f700 /o/f1; exit 3`
	for name, as := range users {
		t.Run(name, func(t *testing.T) {
			dir := hostDir(t, "zvfs-end-")
			lower := filepath.Join(dir, "lower")
			if err := os.Mkdir(lower, 0o755); err != nil {
				t.Fatal(err)
			}
			if as != nil {
				for _, p := range []string{dir, lower} {
					if err := os.Chown(p, 65534, 65534); err != nil {
						t.Fatal(err)
					}
				}
			}
			env := []string{"HOME=" + dir, "XDG_CACHE_HOME=" + dir, "TMPDIR=" + dir}
			argv := append(append([]string(nil), as...), zvfsBin, "--mount", "mem:/m", "--mount", "overlay:/o="+lower, "--", "sh", "-c", script)
			r := run(t, dir, env, argv...)
			if want := "700\n700\n700\n1\n"; r.code != 3 || r.stdout != want {
				t.Fatalf("exit %d, want 3\nstdout %q, want %q\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
			}
			if ents, err := os.ReadDir(lower); err != nil || len(ents) != 0 {
				t.Fatalf("the overlay's host directory: %d entries, %v", len(ents), err)
			}
		})
	}
}
