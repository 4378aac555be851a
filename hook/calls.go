package hook

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/sys/unix"
)

// A method ties a typed Hooks method to its system call: dispatch reads
// the call's arguments (from the caller's memory where they are pointers)
// and calls the method.
type method struct {
	nr       int
	name     string // the Hooks method's name
	dispatch func(h Hooks, c *Call) Result
}

// pathMax is the longest path the kernel takes, without its NUL.
const pathMax = unix.PathMax - 1

// sockaddrMax is the largest socket address the kernel takes.
const sockaddrMax = 128

// methods lists the typed methods of Hooks.
var methods = []method{
	{unix.SYS_READ, "Read", func(h Hooks, c *Call) Result { return h.Read(c, c.intArg(0), c.Args[1], c.Args[2]) }},
	{unix.SYS_WRITE, "Write", func(h Hooks, c *Call) Result { return h.Write(c, c.intArg(0), c.Args[1], c.Args[2]) }},
	{unix.SYS_OPEN, "Open", func(h Hooks, c *Call) Result {
		return c.withPath(0, func(p string) Result { return h.Open(c, p, c.intArg(1), uint32(c.Args[2])) })
	}},
	{unix.SYS_OPENAT, "Openat", func(h Hooks, c *Call) Result {
		return c.withPath(1, func(p string) Result { return h.Openat(c, c.intArg(0), p, c.intArg(2), uint32(c.Args[3])) })
	}},
	{unix.SYS_CLOSE, "Close", func(h Hooks, c *Call) Result { return h.Close(c, c.intArg(0)) }},
	{unix.SYS_LSEEK, "Lseek", func(h Hooks, c *Call) Result { return h.Lseek(c, c.intArg(0), int64(c.Args[1]), c.intArg(2)) }},
	{unix.SYS_STAT, "Stat", func(h Hooks, c *Call) Result {
		return c.withPath(0, func(p string) Result { return h.Stat(c, p, c.Args[1]) })
	}},
	{unix.SYS_LSTAT, "Lstat", func(h Hooks, c *Call) Result {
		return c.withPath(0, func(p string) Result { return h.Lstat(c, p, c.Args[1]) })
	}},
	{unix.SYS_FSTAT, "Fstat", func(h Hooks, c *Call) Result { return h.Fstat(c, c.intArg(0), c.Args[1]) }},
	{unix.SYS_NEWFSTATAT, "Newfstatat", func(h Hooks, c *Call) Result {
		return c.withPath(1, func(p string) Result { return h.Newfstatat(c, c.intArg(0), p, c.Args[2], c.intArg(3)) })
	}},
	{unix.SYS_STATX, "Statx", func(h Hooks, c *Call) Result {
		return c.withPath(1, func(p string) Result {
			return h.Statx(c, c.intArg(0), p, c.intArg(2), uint32(c.Args[3]), c.Args[4])
		})
	}},
	{unix.SYS_ACCESS, "Access", func(h Hooks, c *Call) Result {
		return c.withPath(0, func(p string) Result { return h.Access(c, p, c.intArg(1)) })
	}},
	{unix.SYS_FACCESSAT, "Faccessat", func(h Hooks, c *Call) Result {
		return c.withPath(1, func(p string) Result { return h.Faccessat(c, c.intArg(0), p, c.intArg(2)) })
	}},
	{unix.SYS_IOCTL, "Ioctl", func(h Hooks, c *Call) Result { return h.Ioctl(c, c.intArg(0), uint64(uint32(c.Args[1])), c.Args[2]) }},
	{unix.SYS_PIPE, "Pipe", func(h Hooks, c *Call) Result { return h.Pipe(c, c.Args[0]) }},
	{unix.SYS_PIPE2, "Pipe2", func(h Hooks, c *Call) Result { return h.Pipe2(c, c.Args[0], c.intArg(1)) }},
	{unix.SYS_DUP, "Dup", func(h Hooks, c *Call) Result { return h.Dup(c, c.intArg(0)) }},
	{unix.SYS_DUP2, "Dup2", func(h Hooks, c *Call) Result { return h.Dup2(c, c.intArg(0), c.intArg(1)) }},
	{unix.SYS_DUP3, "Dup3", func(h Hooks, c *Call) Result { return h.Dup3(c, c.intArg(0), c.intArg(1), c.intArg(2)) }},
	{unix.SYS_MMAP, "Mmap", func(h Hooks, c *Call) Result {
		return h.Mmap(c, c.Args[0], c.Args[1], c.intArg(2), c.intArg(3), c.intArg(4), int64(c.Args[5]))
	}},
	{unix.SYS_MUNMAP, "Munmap", func(h Hooks, c *Call) Result { return h.Munmap(c, c.Args[0], c.Args[1]) }},
	{unix.SYS_MPROTECT, "Mprotect", func(h Hooks, c *Call) Result { return h.Mprotect(c, c.Args[0], c.Args[1], c.intArg(2)) }},
	{unix.SYS_BRK, "Brk", func(h Hooks, c *Call) Result { return h.Brk(c, c.Args[0]) }},
	{unix.SYS_GETPID, "Getpid", func(h Hooks, c *Call) Result { return h.Getpid(c) }},
	{unix.SYS_GETTID, "Gettid", func(h Hooks, c *Call) Result { return h.Gettid(c) }},
	{unix.SYS_FORK, "Fork", func(h Hooks, c *Call) Result { return h.Fork(c) }},
	{unix.SYS_VFORK, "Vfork", func(h Hooks, c *Call) Result { return h.Vfork(c) }},
	{unix.SYS_CLONE, "Clone", func(h Hooks, c *Call) Result {
		return h.Clone(c, c.Args[0], c.Args[1], c.Args[2], c.Args[3], c.Args[4])
	}},
	{unix.SYS_CLONE3, "Clone3", func(h Hooks, c *Call) Result { return h.Clone3(c, c.Args[0], c.Args[1]) }},
	{unix.SYS_EXECVE, "Execve", func(h Hooks, c *Call) Result {
		return c.withPath(0, func(p string) Result {
			return c.withExecArgs(1, 2, func(argv, envp []string) Result { return h.Execve(c, p, argv, envp) })
		})
	}},
	{unix.SYS_EXECVEAT, "Execveat", func(h Hooks, c *Call) Result {
		return c.withPath(1, func(p string) Result {
			return c.withExecArgs(2, 3, func(argv, envp []string) Result {
				return h.Execveat(c, c.intArg(0), p, argv, envp, c.intArg(4))
			})
		})
	}},
	{unix.SYS_EXIT, "Exit", func(h Hooks, c *Call) Result { return h.Exit(c, c.intArg(0)) }},
	{unix.SYS_EXIT_GROUP, "ExitGroup", func(h Hooks, c *Call) Result { return h.ExitGroup(c, c.intArg(0)) }},
	{unix.SYS_SOCKET, "Socket", func(h Hooks, c *Call) Result { return h.Socket(c, c.intArg(0), c.intArg(1), c.intArg(2)) }},
	{unix.SYS_CONNECT, "Connect", func(h Hooks, c *Call) Result {
		return c.withSockaddr(1, 2, func(a Sockaddr) Result { return h.Connect(c, c.intArg(0), a) })
	}},
	{unix.SYS_ACCEPT, "Accept", func(h Hooks, c *Call) Result { return h.Accept(c, c.intArg(0), c.Args[1], c.Args[2]) }},
	{unix.SYS_ACCEPT4, "Accept4", func(h Hooks, c *Call) Result {
		return h.Accept4(c, c.intArg(0), c.Args[1], c.Args[2], c.intArg(3))
	}},
	{unix.SYS_BIND, "Bind", func(h Hooks, c *Call) Result {
		return c.withSockaddr(1, 2, func(a Sockaddr) Result { return h.Bind(c, c.intArg(0), a) })
	}},
	{unix.SYS_LISTEN, "Listen", func(h Hooks, c *Call) Result { return h.Listen(c, c.intArg(0), c.intArg(1)) }},
}

// intArg is argument i as the kernel reads an int: its low 32 bits, signed.
func (c *Call) intArg(i int) int { return int(int32(c.Args[i])) }

// withPath reads the path in argument i and calls fn with it, or answers
// as the kernel would when it cannot be read.
func (c *Call) withPath(i int, fn func(string) Result) Result {
	p, err := c.ReadString(c.Args[i], pathMax)
	if err != nil {
		return c.Errno(errnoOf(err))
	}
	return fn(p)
}

func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EFAULT
}

// withExecArgs reads exec's argv and envp (arguments i and j).
func (c *Call) withExecArgs(i, j int, fn func(argv, envp []string) Result) Result {
	argv, err := c.ReadStrings(c.Args[i])
	if err != nil {
		return c.Errno(errnoOf(err))
	}
	envp, err := c.ReadStrings(c.Args[j])
	if err != nil {
		return c.Errno(errnoOf(err))
	}
	return fn(argv, envp)
}

// withSockaddr reads the socket address of argument i, of the length in
// argument j.
func (c *Call) withSockaddr(i, j int, fn func(Sockaddr) Result) Result {
	n := int(int32(c.Args[j]))
	if n < 0 || n > sockaddrMax {
		return c.Errno(unix.EINVAL)
	}
	b := make([]byte, n)
	if err := c.ReadMemory(c.Args[i], b); err != nil {
		return c.Errno(unix.EFAULT)
	}
	return fn(Sockaddr(b))
}

// Sockaddr is a socket address as the program passed it (struct sockaddr
// bytes).
type Sockaddr []byte

// Family is the address family (unix.AF_*), or -1 if there is none.
func (a Sockaddr) Family() int {
	if len(a) < 2 {
		return -1
	}
	return int(binary.LittleEndian.Uint16(a))
}

// String formats the address: 192.0.2.1:80, [2001:db8::1]:443,
// unix:/run/x.sock, unix:@abstract, or the family and bytes.
func (a Sockaddr) String() string {
	switch a.Family() {
	case unix.AF_INET:
		if len(a) >= 8 {
			ip := netip.AddrFrom4([4]byte(a[4:8]))
			return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(a[2:])).String()
		}
	case unix.AF_INET6:
		if len(a) >= 24 {
			ip := netip.AddrFrom16([16]byte(a[8:24]))
			return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(a[2:])).String()
		}
	case unix.AF_UNIX:
		p := a[2:]
		if len(p) > 0 && p[0] == 0 {
			return "unix:@" + strings.TrimRight(string(p[1:]), "\x00")
		}
		if i := strings.IndexByte(string(p), 0); i >= 0 {
			p = p[:i]
		}
		return "unix:" + string(p)
	case -1:
		return "(none)"
	}
	return fmt.Sprintf("family %d %x", a.Family(), []byte(a))
}
