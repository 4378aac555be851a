package reap

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMain is the helper too: Hand starts this test binary again, as
// zvfs's main would be.
func TestMain(m *testing.M) {
	Serve()
	os.Exit(m.Run())
}

// TestHand: 512 memfds of 1 MiB each, handed over and closed here, live
// on in the helper (the kernel's shared memory does not drop) until the
// socket to it is closed, as zvfs's exit closes it; then the helper exits
// 0 and the memory is freed. The helper is detached: its own session,
// /dev/null for its standard streams, / for its directory. Nothing is
// handed before Enable, or below MinFds.
func TestHand(t *testing.T) {
	const size = 1 << 20
	base := shmem(t)
	fds := make([]int, MinFds)
	for i := range fds {
		fd, err := unix.MemfdCreate("reap-test", unix.MFD_CLOEXEC)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := unix.Pwrite(fd, bytes.Repeat([]byte{1}, size), 0); err != nil {
			t.Fatal(err)
		}
		fds[i] = fd
	}
	if Hand(fds) {
		t.Fatal("handed before Enable")
	}
	Enable()
	if Hand(fds[:MinFds-1]) {
		t.Fatal("handed fewer than MinFds")
	}
	if !Hand(fds) {
		t.Fatal("not handed")
	}
	for _, fd := range fds {
		unix.Close(fd)
	}
	held := shmem(t)
	if held-base < MinFds*size/2 {
		t.Errorf("shared memory %d KiB with the files handed, %d KiB before them: not held", held>>10, base>>10)
	}
	named := false // once its Serve runs
	for i := 0; i < 500 && !named; i++ {
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if named = string(comm) == "zvfs-reap\n"; !named {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !named {
		t.Error("the helper is not named zvfs-reap")
	}
	if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err != nil {
		t.Fatal(err)
	} else if f := strings.Fields(string(st)[strings.LastIndexByte(string(st), ')')+2:]); f[3] != strconv.Itoa(pid) {
		t.Errorf("helper's session %s, want its own (%d)", f[3], pid)
	}
	for link, want := range map[string]string{"fd/0": os.DevNull, "fd/1": os.DevNull, "fd/2": os.DevNull, "cwd": "/"} {
		if got, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/" + link); err != nil || got != want {
			t.Errorf("helper's %s: %q %v, want %q", link, got, err, want)
		}
	}
	unix.Close(sock) // as zvfs's exit does
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil || !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("helper: %v, status %v", err, ws)
	}
	// Freed at its exit; give the kernel a moment, not a deadline.
	freed := false
	for i := 0; i < 100 && !freed; i++ {
		freed = held-shmem(t) >= MinFds*size/2
		if !freed {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !freed {
		t.Errorf("shared memory %d KiB after the helper's exit, %d KiB while it lived", shmem(t)>>10, held>>10)
	}
}

// shmem is the kernel's shared memory in use, in bytes (/proc/meminfo).
func shmem(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "Shmem:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no Shmem in /proc/meminfo")
	return 0
}
