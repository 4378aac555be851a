package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zvfs/zvfs/internal/testenv"
)

// TestAudit: opens under /etc/ are logged with their result, wherever the
// program's working directory is; a denied path gives EACCES to cat and
// python, and its contents never reach the output.
func TestAudit(t *testing.T) {
	testenv.RequireHook(t)
	testenv.Need(t, "python3")
	bin := testenv.GoBuild(t, "github.com/zvfs/zvfs/examples/audit")
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("hunter2\n"), 0o644)
	log := filepath.Join(dir, "audit.log")
	script := `cat /etc/hostname > /dev/null
cd /etc && cat ./os-release > /dev/null
cat ` + secret + `; echo "cat: $?"
python3 -c 'import sys
try:
    open(sys.argv[1])
except PermissionError as e:
    print("python:", e.strerror)' ` + secret + `
cat /etc/does-not-exist 2>/dev/null; true`
	r := testenv.Run(t, bin, "--deny", secret, "--log", log, "--", "sh", "-c", script)
	if r.Code != 0 {
		t.Fatalf("status %d\n%s", r.Code, r.Stderr)
	}
	if strings.Contains(r.Stdout, "hunter2") || !strings.Contains(r.Stdout, "cat: 1\n") || !strings.Contains(r.Stdout, "python: Permission denied\n") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		"openat /etc/hostname r: fd 3",
		"openat /etc/os-release r: fd 3", // opened as ./os-release from /etc
		"openat " + secret + " r: denied",
		"openat /etc/does-not-exist r: ENOENT",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, secret+" r: denied"); n != 2 {
		t.Errorf("%d denials logged, want 2 (cat and python):\n%s", n, text)
	}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if !strings.HasPrefix(line, "audit: pid ") {
			t.Errorf("malformed line %q", line)
		}
	}
}

// TestAuditUsage: a bad flag is one line and exit 2, nothing run.
func TestAuditUsage(t *testing.T) {
	bin := testenv.GoBuild(t, "github.com/zvfs/zvfs/examples/audit")
	marker := filepath.Join(t.TempDir(), "ran")
	r := testenv.Run(t, bin, "--deny", "relative/path", "--", "touch", marker)
	if r.Code != 2 || !strings.Contains(r.Stderr, "not an absolute path") {
		t.Errorf("status %d stderr %q", r.Code, r.Stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the program ran")
	}
}
