package hook

// Hooks has one method per system call it types, and Syscall for every
// other number. Embed Default and override what you need: only the calls
// whose methods are overridden leave the fast path.
//
// Arguments are as the kernel reads them: descriptors and flags as int,
// sizes and addresses as uint64, paths read from the caller's memory.
type Hooks interface {
	// Files.
	Read(c *Call, fd int, buf uint64, count uint64) Result
	Write(c *Call, fd int, buf uint64, count uint64) Result
	Open(c *Call, path string, flags int, mode uint32) Result
	Openat(c *Call, dirfd int, path string, flags int, mode uint32) Result
	Close(c *Call, fd int) Result
	Lseek(c *Call, fd int, offset int64, whence int) Result
	Stat(c *Call, path string, statbuf uint64) Result
	Lstat(c *Call, path string, statbuf uint64) Result
	Fstat(c *Call, fd int, statbuf uint64) Result
	Newfstatat(c *Call, dirfd int, path string, statbuf uint64, flags int) Result
	Statx(c *Call, dirfd int, path string, flags int, mask uint32, statxbuf uint64) Result
	Access(c *Call, path string, mode int) Result
	Faccessat(c *Call, dirfd int, path string, mode int) Result
	Ioctl(c *Call, fd int, req uint64, arg uint64) Result
	Pipe(c *Call, fds uint64) Result
	Pipe2(c *Call, fds uint64, flags int) Result
	Dup(c *Call, fd int) Result
	Dup2(c *Call, oldfd, newfd int) Result
	Dup3(c *Call, oldfd, newfd, flags int) Result

	// Memory.
	Mmap(c *Call, addr, length uint64, prot, flags, fd int, offset int64) Result
	Munmap(c *Call, addr, length uint64) Result
	Mprotect(c *Call, addr, length uint64, prot int) Result
	Brk(c *Call, addr uint64) Result

	// Processes.
	Getpid(c *Call) Result
	Gettid(c *Call) Result
	Fork(c *Call) Result
	Vfork(c *Call) Result
	Clone(c *Call, flags, stack, parentTid, childTid, tls uint64) Result
	Clone3(c *Call, args, size uint64) Result
	Execve(c *Call, path string, argv, envp []string) Result
	Execveat(c *Call, dirfd int, path string, argv, envp []string, flags int) Result
	Exit(c *Call, status int) Result
	ExitGroup(c *Call, status int) Result

	// Sockets.
	Socket(c *Call, domain, typ, protocol int) Result
	Connect(c *Call, fd int, addr Sockaddr) Result
	Accept(c *Call, fd int, addr, addrlen uint64) Result
	Accept4(c *Call, fd int, addr, addrlen uint64, flags int) Result
	Bind(c *Call, fd int, addr Sockaddr) Result
	Listen(c *Call, fd, backlog int) Result

	// Syscall is called for every number without a method above
	// (c.Nr, c.Args).
	Syscall(c *Call) Result
}

// Default continues every call to the kernel. Embed it in a Hooks type.
type Default struct{}

func (Default) Read(c *Call, fd int, buf uint64, count uint64) Result  { return c.Continue() }
func (Default) Write(c *Call, fd int, buf uint64, count uint64) Result { return c.Continue() }
func (Default) Open(c *Call, path string, flags int, mode uint32) Result {
	return c.Continue()
}
func (Default) Openat(c *Call, dirfd int, path string, flags int, mode uint32) Result {
	return c.Continue()
}
func (Default) Close(c *Call, fd int) Result                           { return c.Continue() }
func (Default) Lseek(c *Call, fd int, offset int64, whence int) Result { return c.Continue() }
func (Default) Stat(c *Call, path string, statbuf uint64) Result       { return c.Continue() }
func (Default) Lstat(c *Call, path string, statbuf uint64) Result      { return c.Continue() }
func (Default) Fstat(c *Call, fd int, statbuf uint64) Result           { return c.Continue() }
func (Default) Access(c *Call, path string, mode int) Result           { return c.Continue() }
func (Default) Ioctl(c *Call, fd int, req uint64, arg uint64) Result   { return c.Continue() }
func (Default) Pipe(c *Call, fds uint64) Result                        { return c.Continue() }
func (Default) Pipe2(c *Call, fds uint64, flags int) Result            { return c.Continue() }
func (Default) Dup(c *Call, fd int) Result                             { return c.Continue() }
func (Default) Dup2(c *Call, oldfd, newfd int) Result                  { return c.Continue() }
func (Default) Dup3(c *Call, oldfd, newfd, flags int) Result           { return c.Continue() }
func (Default) Munmap(c *Call, addr, length uint64) Result             { return c.Continue() }
func (Default) Mprotect(c *Call, addr, length uint64, prot int) Result { return c.Continue() }
func (Default) Brk(c *Call, addr uint64) Result                        { return c.Continue() }
func (Default) Getpid(c *Call) Result                                  { return c.Continue() }
func (Default) Gettid(c *Call) Result                                  { return c.Continue() }
func (Default) Fork(c *Call) Result                                    { return c.Continue() }
func (Default) Vfork(c *Call) Result                                   { return c.Continue() }
func (Default) Clone3(c *Call, args, size uint64) Result               { return c.Continue() }
func (Default) Exit(c *Call, status int) Result                        { return c.Continue() }
func (Default) ExitGroup(c *Call, status int) Result                   { return c.Continue() }
func (Default) Socket(c *Call, domain, typ, protocol int) Result       { return c.Continue() }
func (Default) Connect(c *Call, fd int, addr Sockaddr) Result          { return c.Continue() }
func (Default) Accept(c *Call, fd int, addr, addrlen uint64) Result    { return c.Continue() }
func (Default) Bind(c *Call, fd int, addr Sockaddr) Result             { return c.Continue() }
func (Default) Listen(c *Call, fd, backlog int) Result                 { return c.Continue() }
func (Default) Syscall(c *Call) Result                                 { return c.Continue() }
func (Default) Faccessat(c *Call, dirfd int, path string, mode int) Result {
	return c.Continue()
}
func (Default) Newfstatat(c *Call, dirfd int, path string, statbuf uint64, flags int) Result {
	return c.Continue()
}
func (Default) Statx(c *Call, dirfd int, path string, flags int, mask uint32, statxbuf uint64) Result {
	return c.Continue()
}
func (Default) Mmap(c *Call, addr, length uint64, prot, flags, fd int, offset int64) Result {
	return c.Continue()
}
func (Default) Clone(c *Call, flags, stack, parentTid, childTid, tls uint64) Result {
	return c.Continue()
}
func (Default) Execve(c *Call, path string, argv, envp []string) Result { return c.Continue() }
func (Default) Execveat(c *Call, dirfd int, path string, argv, envp []string, flags int) Result {
	return c.Continue()
}
func (Default) Accept4(c *Call, fd int, addr, addrlen uint64, flags int) Result {
	return c.Continue()
}

var _ Hooks = Default{}
