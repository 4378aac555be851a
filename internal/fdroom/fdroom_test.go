package fdroom

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fdSize reads the size of this process's descriptor table (FDSize).
func fdSize(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "FDSize:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no FDSize in /proc/self/status")
	return 0
}

// WaitGrown starts the table's first growth and returns once the table
// holds minRoom descriptors (or the limit). First in the file: the other
// tests grow the table too.
func TestGrown(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	WaitGrown(10 * time.Second)
	select {
	case <-first:
	default:
		t.Fatal("the table's first growth never ended")
	}
	if n, want := fdSize(t), min(int64(minRoom), int64(lim.Cur)); int64(n) < want {
		t.Fatalf("FDSize %d once grown, want at least %d", n, want)
	}
}

// A descriptor past the mark has the table grown ahead, in the
// background, to four times it at least; the mark moves to half of it.
func TestNoteGrowsAhead(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur <= 8192 && lim.Max > 8192 {
		old := lim
		lim.Cur = min(lim.Max, 1<<16)
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		defer unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	}
	// 2 000 asks for a table of 8 192 (four times it, a power of two),
	// and moves the mark to 4 096; under a lower limit, a sixteenth of
	// the limit asks for a table the limit holds.
	fd, room := 2000, int64(8192)
	if lim.Cur <= 8192 {
		fd, room = int(lim.Cur/16), minRoom
		for room < 4*int64(fd) {
			room *= 2
		}
	}
	want := room / 2
	if uint64(room) >= lim.Cur {
		want = math.MaxInt64 // the table holds the limit: nothing more to grow
	}
	Note(fd)
	deadline := time.Now().Add(10 * time.Second)
	for (mark.Load() != want || growing.Load()) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := mark.Load(); got != want {
		t.Fatalf("mark %d after Note(%d) under a limit of %d, want %d", got, fd, lim.Cur, want)
	}
	if n := fdSize(t); int64(n) < min(room, int64(lim.Cur)) {
		t.Fatalf("FDSize %d after Note(%d), want at least %d", n, fd, min(room, int64(lim.Cur)))
	}
	// Below the mark, nothing is started.
	Note(100)
	if growing.Load() {
		t.Fatal("Note below the mark started a growth")
	}
}

// grow stops at the descriptor limit and then never tries again.
func TestGrowStopsAtLimit(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	old := mark.Load()
	defer mark.Store(old)
	grow(int(lim.Cur))
	if got := mark.Load(); got < int64(lim.Cur) {
		t.Fatalf("mark %d after grow at the limit %d: would try again", got, lim.Cur)
	}
}

// TestReserve: under a limit of 1 200, a tree makes no file whose
// descriptor is 1 125 or more (a reserve of 75, a sixteenth), and makes no
// blank ahead of need whose descriptor is 1 050 or more (twice that).
func TestReserve(t *testing.T) {
	old := limit.Load()
	defer limit.Store(old)
	limit.Store(1200)
	for _, c := range []struct {
		fd            int
		scarce, ample bool
	}{{100, false, true}, {1049, false, true}, {1050, false, false}, {1124, false, false}, {1125, true, false}} {
		if Scarce(c.fd) != c.scarce || Ample(c.fd) != c.ample {
			t.Errorf("descriptor %d: scarce %v, ample %v; want %v, %v", c.fd, Scarce(c.fd), Ample(c.fd), c.scarce, c.ample)
		}
	}
}
