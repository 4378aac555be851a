// Package hook runs a command with system-call hooks written in Go.
//
// A hook program embeds Default in a type, overrides the methods of the
// calls it wants to see, and hands it to Main:
//
//	type audit struct{ hook.Default }
//
//	func (audit) Openat(c *hook.Call, dirfd int, path string, flags int, mode uint32) hook.Result {
//		if strings.HasPrefix(path, "/etc/") {
//			log.Printf("pid %d opens %s", c.Pid, path)
//		}
//		return c.Continue() // run the real system call in the process
//	}
//
//	func main() { os.Exit(hook.Main(audit{}, os.Args[1:])) }
//
// Main takes the command line of a zvfs run (`[--mount SPEC]... [--] PROG
// [ARGS...]`): the same run can have virtual mounts and hooks. Every
// process the command starts is hooked, across fork and exec. Flags the
// program defines on flag.CommandLine before calling Main are parsed with
// the run's (do not call flag.Parse). With mounts, hooks see each call as
// the program made it, before the mounts do: a call on a mounted path that
// a hook continues is then answered by the mount. A value that is an
// Ender gets End once the program has ended, to print or write what it
// gathered. Run does the same for a Go caller.
//
// # Where hooks run
//
// Hooks run in the supervisor, the Go process that started the command,
// never inside the hooked process: the stub in the process sends the call's
// number and registers over a socket and waits for the answer. So a hook
// may do anything a Go program does — allocate, lock, log, make system
// calls of its own — with no re-entrancy hazard, and a hook that crashes
// does not take the process with it (a panic is logged and the call fails
// with EIO). The price is a round trip of a few microseconds per hooked
// call (see the README's figures).
//
// Hooks are called concurrently: calls from different threads and
// processes are answered by different supervisor threads at once, so a hook
// that keeps state must guard it (sync/atomic, a mutex). Calls of one
// thread arrive in order.
//
// # Which calls are sent
//
// Only the calls whose methods the Hooks value overrides are sent to the
// supervisor; found by reflection when Main starts (a method is overridden
// unless it is the one promoted from the embedded Default). Every other call
// stays on the hook engine's fast path, a few nanoseconds over native.
// Syscall, the generic method, receives the numbers that have no typed
// method; overriding it sends all of them, which is slow but sees
// everything, unless the value is a SyscallFilter that lists the numbers
// it wants.
//
// Not seen by any hook: rt_sigreturn; calls the vDSO answers without
// entering the kernel (clock_gettime, gettimeofday, time, getcpu); calls of
// statically linked programs, which LD_PRELOAD does not reach; the calls the
// dynamic loader makes before the hook is installed; and the calls zvfs
// makes itself (the file calls it issues for mounts, its own socket).
//
// # Results
//
// A method returns one of the Call's results: Continue (issue the call in
// the process, unchanged), Return or Errno (answer without issuing it),
// ReturnBytes (write into the caller's buffer, then return a value),
// ReturnFile (answer with a new descriptor of a file the hook opened), or
// After (issue the call, then run a function with its result).
//
// # The caller's memory
//
// Typed methods receive pointer arguments already read: paths as strings,
// argv and envp as slices, socket addresses as Sockaddr. A call whose
// pointer argument cannot be read is answered with EFAULT, as the kernel
// would, without calling the method. Other buffers are read and written with
// Call.ReadMemory and Call.WriteMemory, which return EFAULT for memory the
// process does not have; neither side crashes.
//
// Arguments are read while the calling thread waits, but other threads of
// the process may change the memory before Continue lets the kernel read it
// again: hooks observe and answer calls; they are not a security boundary.
package hook
