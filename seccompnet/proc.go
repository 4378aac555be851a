package seccompnet

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/sysnum"
	"github.com/zvfs/zvfs/vfs"
)

// pidfdThread is PIDFD_THREAD (kernel 6.9): a pidfd of one thread.
const pidfdThread = unix.O_EXCL

// caller is the thread whose notification is being answered, and what was
// learnt of it so far.
type caller struct {
	tid   int
	lfd   int // the listener the notification came from
	id    uint64
	mem   vfs.ProcessMemory
	pidfd int // -1 until needed
	st    *procStatus
	fds   []int // copies of its descriptors, closed at the end
}

func (c *caller) close() {
	for _, fd := range c.fds {
		unix.Close(fd)
	}
	if c.pidfd >= 0 {
		unix.Close(c.pidfd)
	}
}

// getfd returns a copy of the caller's descriptor fd (closed with c).
func (c *caller) getfd(fd int) (int, error) {
	if c.pidfd < 0 {
		p, err := unix.PidfdOpen(c.tid, pidfdThread)
		if err != nil {
			return -1, err
		}
		c.pidfd = p
	}
	d, err := unix.PidfdGetfd(c.pidfd, fd, 0)
	if err != nil {
		return -1, err
	}
	c.fds = append(c.fds, d)
	return d, nil
}

func (c *caller) readlink(p string) (string, error) {
	s, err := os.Readlink(p)
	if err != nil {
		return "", err
	}
	return s, nil
}

// procStatus is what /proc/TID/status says of the caller.
type procStatus struct {
	cred       vfs.Cred // file-system user and group IDs, supplementary groups
	umask      uint32
	tgid, ppid int
}

// status reads the caller's /proc/TID/status once.
func (c *caller) status() (*procStatus, error) {
	if c.st != nil {
		return c.st, nil
	}
	st, err := readStatus(c.tid)
	if err != nil {
		return nil, err
	}
	c.st = st
	return st, nil
}

func readStatus(tid int) (*procStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return nil, err
	}
	st := &procStatus{umask: 0o022}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		key, val, ok := strings.Cut(string(line), ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		num := func(i int) uint64 {
			if i >= len(f) {
				return 0
			}
			n, _ := strconv.ParseUint(f[i], 10, 32)
			return n
		}
		switch key {
		case "Umask":
			if len(f) > 0 {
				n, _ := strconv.ParseUint(f[0], 8, 32)
				st.umask = uint32(n)
			}
		case "Tgid":
			st.tgid = int(num(0))
		case "PPid":
			st.ppid = int(num(0))
		case "Uid":
			st.cred.Uid = uint32(num(3)) // real, effective, saved, file system
		case "Gid":
			st.cred.Gid = uint32(num(3))
		case "Groups":
			for i := range f {
				st.cred.Groups = append(st.cred.Groups, uint32(num(i)))
			}
		}
	}
	return st, nil
}

// readPath reads a NUL-terminated path from the caller, a page at a time
// so that a path ending just before an unmapped page is read: "", EFAULT
// or ENAMETOOLONG as the kernel would answer.
func readPath(mem vfs.Memory, addr uint64) (string, unix.Errno) {
	var buf [unix.PathMax]byte
	n := 0
	for n < len(buf) {
		chunk := min(4096-int((addr+uint64(n))%4096), len(buf)-n)
		if err := mem.Read(addr+uint64(n), buf[n:n+chunk]); err != nil {
			return "", unix.EFAULT
		}
		if i := bytes.IndexByte(buf[n:n+chunk], 0); i >= 0 {
			return string(buf[:n+i]), 0
		}
		n += chunk
	}
	return "", unix.ENAMETOOLONG
}

// cwdTable holds the working directories of the processes that changed to
// a virtual one, by thread-group id; the kernel's is right for the rest.
type cwdTable struct {
	mu   sync.Mutex
	dirs map[int]string // "": the kernel's
}

// get returns the caller's working directory if it is virtual. A process
// the table does not know has its parent's, as fork gives it.
func (t *cwdTable) get(c *caller) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.dirs) == 0 {
		return "", false
	}
	st, err := c.status()
	if err != nil {
		return "", false
	}
	if d, ok := t.dirs[st.tgid]; ok {
		return d, d != ""
	}
	self := os.Getpid()
	for p, hops := st.ppid, 0; p > 1 && p != self && hops < 64; hops++ {
		if d, ok := t.dirs[p]; ok {
			t.dirs[st.tgid] = d
			return d, d != ""
		}
		ps, err := readStatus(p)
		if err != nil {
			break
		}
		p = ps.ppid
	}
	return "", false
}

// SetCwd makes dir the virtual working directory of process pid (which a
// stub kept, before pid execs a program that has none).
func (s *Server) SetCwd(pid int, dir string) {
	s.cwds.mu.Lock()
	s.cwds.dirs[pid] = dir
	s.cwds.mu.Unlock()
}

// set makes dir ("" for the kernel's) the caller's working directory.
// Children it forked earlier keep the one they were forked with.
func (t *cwdTable) set(c *caller, dir string) {
	st, err := c.status()
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old, known := t.dirs[st.tgid]
	if !known && dir == "" && len(t.dirs) == 0 {
		return
	}
	for _, child := range children(st.tgid) {
		if _, ok := t.dirs[child]; !ok {
			t.dirs[child] = old
		}
	}
	t.dirs[st.tgid] = dir
	if len(t.dirs) > 4096 {
		t.prune()
	}
}

// prune forgets processes that are gone.
func (t *cwdTable) prune() {
	for pid := range t.dirs {
		if unix.Kill(pid, 0) == unix.ESRCH {
			delete(t.dirs, pid)
		}
	}
}

// children lists the children of every thread of process pid.
func children(pid int) []int {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var out []int
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

func callName(nr int) string { return sysnum.Name(nr) }
