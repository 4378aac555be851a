package seccompnet

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
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
	procs *procCache
	p     *proc // from procs, once needed
	fds   []int // copies of its descriptors, closed at the end
}

func (c *caller) close() {
	for _, fd := range c.fds {
		unix.Close(fd)
	}
}

// proc returns what the cache knows of the caller.
func (c *caller) proc() (*proc, error) {
	if c.p == nil {
		p, err := c.procs.get(c.tid)
		if err != nil {
			return nil, err
		}
		c.p = p
	}
	return c.p, nil
}

// getfd returns a copy of the caller's descriptor fd (closed with c).
func (c *caller) getfd(fd int) (int, error) {
	p, err := c.proc()
	if err != nil {
		return -1, err
	}
	d, err := unix.PidfdGetfd(p.pidfd, fd, 0)
	if err != nil {
		return -1, err
	}
	c.fds = append(c.fds, d)
	return d, nil
}

// status returns the caller's credentials, umask and ids.
func (c *caller) status() (procStatus, error) {
	p, err := c.proc()
	if err != nil {
		return procStatus{}, err
	}
	return c.procs.status(p)
}

// procStatus is what /proc/TID/status says of a thread.
type procStatus struct {
	cred       linuxvfs.Who // file-system user and group IDs, supplementary groups
	umask      uint32
	tgid, ppid int
}

// proc is a thread the net has heard from: a pidfd that tells when it is
// gone (so that a reused thread id is never mistaken for it), and its
// status.
type proc struct {
	tid   int
	pidfd int
	st    procStatus
}

// procCache keeps the status of threads, which costs ~40 µs to read from
// /proc. A thread's credentials change only by the calls of
// abi.CredCalls, which the net sees: a process that makes one has its
// status read afresh for every call from then on. The umask changes by
// umask(2), which the net sees too.
type procCache struct {
	mu       sync.Mutex
	byTid    map[int]*proc
	volatile map[int]bool // thread-group ids whose credentials changed
}

// maxProcs is how many threads the cache holds before it drops those
// that are gone.
const maxProcs = 512

// get returns the cache's entry for tid, made if needed.
func (pc *procCache) get(tid int) (*proc, error) {
	pc.mu.Lock()
	p := pc.byTid[tid]
	pc.mu.Unlock()
	if p != nil && alive(p.pidfd) {
		return p, nil
	}
	fd, err := unix.PidfdOpen(tid, pidfdThread)
	if err != nil {
		return nil, err
	}
	st, err := readStatus(tid)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	n := &proc{tid: tid, pidfd: fd, st: *st}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if old := pc.byTid[tid]; old != nil {
		unix.Close(old.pidfd)
	}
	pc.byTid[tid] = n
	if len(pc.byTid) > maxProcs {
		for t, q := range pc.byTid {
			if !alive(q.pidfd) {
				unix.Close(q.pidfd)
				delete(pc.byTid, t)
			}
		}
	}
	return n, nil
}

// status returns p's status, read again if its process changed
// credentials.
func (pc *procCache) status(p *proc) (procStatus, error) {
	pc.mu.Lock()
	st, fresh := p.st, pc.volatile[p.st.tgid]
	pc.mu.Unlock()
	if !fresh {
		return st, nil
	}
	s, err := readStatus(p.tid)
	if err != nil {
		return procStatus{}, err
	}
	return *s, nil
}

// credsChange notes that process tgid is changing its credentials.
func (pc *procCache) credsChange(tgid int) {
	pc.mu.Lock()
	pc.volatile[tgid] = true
	pc.mu.Unlock()
}

// umask notes process tgid's new umask.
func (pc *procCache) umask(tgid int, mask uint32) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for _, p := range pc.byTid {
		if p.st.tgid == tgid {
			p.st.umask = mask
		}
	}
}

// alive says whether the thread of a pidfd still runs.
func alive(pidfd int) bool {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n == 0
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

// SetCwd makes dir ("" for the kernel's) the working directory of process
// pid, which a stub keeps: before pid execs a program that has none, and
// whenever a process with a stub that carries the net changes it.
func (s *Server) SetCwd(pid int, dir string) {
	s.cwds.setTgid(pid, dir)
}

// set makes dir ("" for the kernel's) the caller's working directory.
func (t *cwdTable) set(c *caller, dir string) {
	st, err := c.status()
	if err != nil {
		return
	}
	t.setTgid(st.tgid, dir)
}

// setTgid makes dir process tgid's working directory. Children it forked
// earlier keep the one they were forked with.
func (t *cwdTable) setTgid(tgid int, dir string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, known := t.dirs[tgid]
	if !known && dir == "" && len(t.dirs) == 0 {
		return
	}
	for _, child := range children(tgid) {
		if _, ok := t.dirs[child]; !ok {
			t.dirs[child] = old
		}
	}
	t.dirs[tgid] = dir
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
