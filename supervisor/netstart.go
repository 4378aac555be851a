// netstart.go starts a program that carries the seccomp net from its first
// instruction. The filter cannot be installed on a thread of the
// supervisor that then starts the program: Go starts it with vfork, so
// that thread and the runtime's P wait in the kernel until the child's
// execve — a call the net must answer — is done, and a garbage
// collection in that window waits for that P forever; and the child would
// hold the listener, so it would not even see the supervisor die. Instead
// the binary that runs the supervisor is started again as a small helper
// (any binary that links this package has it: see init): the helper
// installs the filter on itself, hands the listener over a socket, waits
// for the supervisor to take it, closes its copy and execs the program.

package supervisor

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/seccompnet"
)

// envNetHelper, set in the helper's environment, makes the binary the helper.
const envNetHelper = "ZVFS_NET_HELPER"

// helperSock is the helper's descriptor of its socket to the supervisor
// (cmd.ExtraFiles[0]).
const helperSock = 3

func init() {
	if os.Getenv(envNetHelper) != "" {
		os.Exit(netHelper())
	}
}

// netHelper installs the net and execs os.Args[1] with arguments
// os.Args[2:]; it returns only on failure.
func netHelper() int {
	runtime.LockOSThread()
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "zvfs: %v\n", err)
		return 126
	}
	if len(os.Args) < 3 {
		return fail(fmt.Errorf("net helper: no program"))
	}
	lfd, err := seccompnet.Install()
	if err != nil {
		return fail(err)
	}
	if err := unix.Sendmsg(helperSock, []byte{0}, unix.UnixRights(lfd), nil, 0); err != nil {
		return fail(fmt.Errorf("net helper: hand the listener over: %w", err))
	}
	var ack [1]byte
	if n, err := unix.Read(helperSock, ack[:]); n != 1 {
		return fail(fmt.Errorf("net helper: the supervisor did not take the listener: %v", err))
	}
	unix.Close(lfd)
	unix.Close(helperSock)
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if len(kv) <= len(envNetHelper) || kv[:len(envNetHelper)+1] != envNetHelper+"=" {
			env = append(env, kv)
		}
	}
	err = syscall.Exec(os.Args[1], os.Args[2:], env)
	return fail(fmt.Errorf("%s: %w", os.Args[2], err))
}

// startCaught starts cmd through the helper and serves the listener it
// hands over.
func startCaught(cmd *exec.Cmd, net *seccompnet.Server) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("seccomp net: find this binary: %w", err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("seccomp net: socketpair: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "net-helper"), os.NewFile(uintptr(fds[1]), "net-helper")
	defer ours.Close()
	cmd.Args = append([]string{self, cmd.Path}, cmd.Args...)
	cmd.Path = self
	cmd.Env = append(cmd.Env, envNetHelper+"=1")
	cmd.ExtraFiles = []*os.File{theirs}
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		return err
	}
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(fds[0], buf, oob, unix.MSG_CMSG_CLOEXEC)
	for err == unix.EINTR {
		_, oobn, _, _, err = unix.Recvmsg(fds[0], buf, oob, unix.MSG_CMSG_CLOEXEC)
	}
	var lfds []int
	if err == nil {
		if msgs, perr := unix.ParseSocketControlMessage(oob[:oobn]); perr == nil && len(msgs) == 1 {
			lfds, _ = unix.ParseUnixRights(&msgs[0])
		}
	}
	if len(lfds) != 1 {
		// The helper failed and said why on stderr; its exit status is the run's.
		return nil
	}
	net.Serve(lfds[0])
	unix.Write(fds[0], []byte{1})
	return nil
}
