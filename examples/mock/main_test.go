package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zvfs/zvfs/internal/testenv"
)

// TestMock: a mocked path reads the fixed bytes in cat, head, python
// (read, fstat-sized read, mmap) and a shell redirect, whether the path
// exists or not; other paths are untouched; a redirected path opens
// another file; uname gives the made-up name.
func TestMock(t *testing.T) {
	testenv.RequireHook(t)
	testenv.Need(t, "python3", "hostname")
	bin := testenv.GoBuild(t, "github.com/zvfs/zvfs/examples/mock")
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	os.WriteFile(real, []byte("on disk\n"), 0o644)
	payload := filepath.Join(dir, "payload")
	os.WriteFile(payload, []byte("from a host file\n"), 0o644)
	script := `cat /etc/hostname
head -c 3 /nonexistent/config; echo
python3 -c 'import mmap,os
f = open("/nonexistent/config", "rb")
print(len(f.read()), os.fstat(f.fileno()).st_size)
m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
print(m[:3].decode())'
while read line; do echo "line: $line"; done < /nonexistent/config
cd ` + dir + ` && cat real ./other
cat /nonexistent/elsewhere
hostname`
	r := testenv.Run(t, bin, "--file", "/etc/hostname=sandbox\n", "--file", "/nonexistent/config=a=1\nb=2\n",
		"--file-from", filepath.Join(dir, "other")+"="+payload, "--redirect", "/nonexistent/elsewhere="+real,
		"--hostname", "fakehost", "--", "sh", "-c", script)
	want := "sandbox\na=1\n8 8\na=1\nline: a=1\nline: b=2\non disk\nfrom a host file\non disk\nfakehost\n"
	if r.Code != 0 || r.Stdout != want {
		t.Errorf("status %d stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.Code, r.Stdout, want, r.Stderr)
	}
}
