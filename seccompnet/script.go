// script.go runs a #! script stored in a mount for a program under the
// net. The kernel would run the script's interpreter itself, but it looks
// for the script on the host; and the net cannot change what the kernel
// runs, only the name it is given (execData). So the name given is the
// binary that runs the supervisor, started again as a small helper (any
// binary that links this package has it: see init), with the plan in a
// memfd: the interpreter, its optional argument and the script's path as
// the program gave it. The helper execs the interpreter as the kernel
// would have: argv is the interpreter, the argument, the script's path and
// the program's argv[1:]; the interpreter, under the net too, opens the
// script in the mount, and $0 is the path the program gave.

package seccompnet

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// planName names the plan's memfd; the helper finds it among its
// descriptors by it.
const planName = "zvfs-exec-plan"

func init() {
	if !startedThroughFd() {
		return
	}
	if plan, ok := takePlan(); ok {
		os.Exit(runPlan(plan))
	}
}

// startedThroughFd tells whether this image was executed as /dev/fd/N, as
// execData names a program (the kernel's AT_EXECFN): only then can it be
// the helper, and only then are its descriptors looked at.
func startedThroughFd() bool {
	auxv, err := unix.Auxv()
	if err != nil {
		return false
	}
	const atExecfn = 31
	for _, kv := range auxv {
		if kv[0] == atExecfn && kv[1] != 0 {
			// The kernel's string, on this process's stack.
			p := unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&kv[1]))), len("/dev/fd/"))
			return string(p) == "/dev/fd/"
		}
	}
	return false
}

// takePlan reads and closes the plan's memfd, if this process has one.
func takePlan() ([]string, bool) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, false
	}
	for _, e := range ents {
		link, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil || !strings.HasPrefix(link, "/memfd:"+planName) {
			continue
		}
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b := make([]byte, 3*unix.PathMax+8)
		n, _ := unix.Pread(fd, b, 0)
		unix.Close(fd)
		parts := strings.Split(string(b[:max(n, 0)]), "\x00")
		if len(parts) != 4 || parts[0] == "" || parts[2] == "" {
			return nil, false
		}
		return parts[:3], true
	}
	return nil, false
}

// runPlan execs the interpreter on the script; it returns only on failure.
func runPlan(plan []string) int {
	interp, arg, script := plan[0], plan[1], plan[2]
	argv := []string{interp}
	if arg != "" {
		argv = append(argv, arg)
	}
	argv = append(argv, script)
	if len(os.Args) > 1 {
		argv = append(argv, os.Args[1:]...)
	}
	err := syscall.Exec(interp, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "zvfs: %s: %s: %v\n", script, interp, err)
	if err == syscall.ENOENT {
		return 127
	}
	return 126
}

// newPlan makes the plan's memfd for the helper.
func newPlan(interp, arg, script string) (int, error) {
	fd, err := unix.MemfdCreate(planName, unix.MFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	var b bytes.Buffer
	for _, s := range []string{interp, arg, script} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	if _, err := unix.Pwrite(fd, b.Bytes(), 0); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
