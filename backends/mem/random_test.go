// random_test.go holds the randomized differential test: scenarios drawn
// from a small pool of names, targets and operations, compared with the
// kernel like the written ones. The seeds are fixed so that a failure can
// be replayed; ZVFS_MEM_RANDOM=N runs N scenarios from seed
// ZVFS_MEM_RANDOM_SEED to explore further.

package mem

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var (
	randPaths = []string{"a", "b", "d", "d/a", "d/e", "d/e/f", "l", "d/l", "e", "e/x", "..", ".", "d/..",
		"a/", "d/", "l/", "/", "d/e/..", "/d/e", "l/a", "d/./a", "nope/x", "ld", "ld/f", "d/e/",
		"d/e/f/g", "l/..", "ld/..", "a/.", "d//e", "x", "d/x", "d/e/f/g/h", "/d/../d/e", "d/e/a"}
	randTargets = []string{"a", "d", "d/e", "/d", "../a", "nowhere", "l", "d/l", ".", "e/", "/", "ld",
		"d/e/f", "../..", "x"}
	randModes = []string{"0", "0644", "0755", "0700", "0711", "0666", "0777", "01777", "02775", "04755", "0600", "0444"}
	randFlags = []string{"RDONLY", "WRONLY", "RDWR", "CREAT", "EXCL", "TRUNC", "APPEND", "DIRECTORY", "NOFOLLOW"}
	randIDs   = []string{"-1", "0", "1000", "50", "70"}
)

func randomSteps(r *rand.Rand, n int, user bool) []string {
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	p := func() string { return pick(randPaths) }
	var steps []string
	for len(steps) < n {
		h := r.IntN(3) + 1
		var s string
		switch r.IntN(34) {
		case 0, 1:
			s = fmt.Sprintf("mkdir %s %s", p(), pick(randModes))
		case 2, 3:
			s = fmt.Sprintf("put %s data%d %s", p(), r.IntN(100), pick(randModes))
		case 4:
			var fl []string
			fl = append(fl, randFlags[r.IntN(3)])
			for _, f := range randFlags[3:] {
				if r.IntN(3) == 0 {
					fl = append(fl, f)
				}
			}
			s = fmt.Sprintf("open %d %s %s %s", h, p(), strings.Join(fl, "|"), pick(randModes))
		case 5:
			s = fmt.Sprintf("write %d w%d", h, r.IntN(10))
		case 6:
			s = fmt.Sprintf("read %d %d", h, r.IntN(8))
		case 7:
			s = fmt.Sprintf("close %d", h)
		case 8:
			s = "unlink " + p()
		case 9:
			s = "rmdir " + p()
		case 10:
			s = "remove " + p()
		case 11, 12:
			fl := []string{"0", "0", "NOREPLACE", "EXCHANGE"}[r.IntN(4)]
			s = fmt.Sprintf("rename %s %s %s", p(), p(), fl)
		case 13:
			s = fmt.Sprintf("link %s %s", p(), p())
		case 14, 15:
			s = fmt.Sprintf("symlink %s %s", pick(randTargets), p())
		case 16:
			s = "readlink " + p()
		case 17:
			s = "stat " + p()
		case 18:
			s = "lstat " + p()
		case 19:
			s = fmt.Sprintf("chmod %s %s", p(), pick(randModes))
		case 20:
			if user || r.IntN(2) == 0 {
				s = fmt.Sprintf("chown %s %s %s", p(), pick(randIDs), pick(randIDs))
			} else {
				s = fmt.Sprintf("lchown %s %s %s", p(), pick(randIDs), pick(randIDs))
			}
		case 21:
			s = fmt.Sprintf("truncate %s %d", p(), r.IntN(6)-1)
		case 22:
			s = "ls " + p()
		case 23:
			s = fmt.Sprintf("fstat %d", h)
		case 24:
			s = fmt.Sprintf("pwrite %d p%d %d", h, r.IntN(10), r.IntN(12))
		case 25:
			s = fmt.Sprintf("ftruncate %d %d", h, r.IntN(8))
		case 26:
			s = fmt.Sprintf("readdir %d", h)
		case 27:
			s = "removeall " + p()
		case 28:
			s = fmt.Sprintf("mkdirall %s %s", p(), pick(randModes))
		case 29:
			s = []string{"utimes ", "lutimes "}[r.IntN(2)] + p()
		case 30:
			s = fmt.Sprintf("seek %d %d %d", h, r.IntN(10)-2, r.IntN(3))
		case 31:
			s = []string{"touch ", "ltouch "}[r.IntN(2)] + p()
		case 32:
			if r.IntN(2) == 0 {
				s = fmt.Sprintf("fchmod %d %s", h, pick(randModes))
			} else {
				s = fmt.Sprintf("fchown %d %s %s", h, pick(randIDs), pick(randIDs))
			}
		case 33:
			s = fmt.Sprintf("%s %d", []string{"ftouch", "futimes"}[r.IntN(2)], h)
		}
		steps = append(steps, s)
	}
	return steps
}

func TestDifferentialRandom(t *testing.T) {
	count, seed := 40, uint64(1)
	if v, err := strconv.Atoi(os.Getenv("ZVFS_MEM_RANDOM")); err == nil {
		count = v
	}
	if v, err := strconv.ParseUint(os.Getenv("ZVFS_MEM_RANDOM_SEED"), 10, 64); err == nil {
		seed = v
	}
	base := mountTmpfs(t)
	for i := 0; i < count; i++ {
		s := seed + uint64(i)
		r := rand.New(rand.NewPCG(s, 0x7a76))
		sc := scenario{name: fmt.Sprintf("seed%d", s)}
		if s%2 == 0 {
			// As a user, in a tree that root prepared.
			sc.cred = user
			// Handles are closed: a write is judged with the writer's
			// credentials by the kernel, the opener's by FS.
			sc.setup = append(randomSteps(r, 25, false), "close 1", "close 2", "close 3")
			sc.steps = randomSteps(r, 35, true)
		} else {
			sc.steps = randomSteps(r, 60, false)
		}
		t.Run(sc.name, func(t *testing.T) {
			runDifferential(t, filepath.Join(base, sc.name), sc)
		})
	}
}
