package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/mtab"
	"github.com/zvfs/zvfs/supervisor"
)

// TestServedBackend runs real programs on a stock afero.MemMapFs, which has
// no kernel descriptors: every open file is served by the supervisor
// through a placeholder descriptor, data calls included.
func TestServedBackend(t *testing.T) {
	requireHook(t)
	need(t, "python3")
	out := filepath.Join(t.TempDir(), "out")
	script := `
set -e
echo hello > /m/x
echo world >> /m/x
cat /m/x
mkdir /m/d
echo inner > /m/d/f
ls /m | tr '\n' ' '; echo
wc -c < /m/x
cd /m/d && cat f && pwd
python3 -c '
import os
fd = os.open("/m/x", os.O_RDWR)
os.lseek(fd, 6, 0)
print(os.read(fd, 5).decode())
os.pwrite(fd, b"W", 6)
print(os.pread(fd, 11, 0).decode())
print(os.fstat(fd).st_size)
os.close(fd)
print(sorted(os.listdir("/m")))
with open("/m/big", "wb") as f:
    f.write(b"z" * 300000)
print(os.stat("/m/big").st_size, len(open("/m/big", "rb").read()))
'
sh -c 'exec 4</m/d/f; cat <&4'
rm /m/d/f && rmdir /m/d && ls /m | tr '\n' ' '; echo
`
	res, err := supervisor.Run([]string{"sh", "-c", "{\n" + script + "\n} > " + out + " 2>&1"}, supervisor.Options{
		Stderr: os.Stderr,
		Mounts: []*mtab.Mount{{Target: "/m", FS: afero.NewMemMapFs()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want := `hello
world
d x 
12
inner
/m/d
world
hello
World
12
['d', 'x']
300000 300000
inner
big x 
`
	if res.ExitCode != 0 || string(got) != want {
		t.Fatalf("exit %d, output:\n%s\nwant:\n%s", res.ExitCode, got, want)
	}
	if strings.Contains(string(got), "Bad file") {
		t.Fatal(string(got))
	}
}
