package supervisor

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/vfs"
)

// Hooks answers the calls a run routes to user code (package hook is the
// API over it). Hook runs on the supervisor thread serving the calling
// thread's connection: calls from different threads and processes reach it
// concurrently.
type Hooks interface {
	// Set is the call numbers the processes of the run send.
	Set() abi.HookSet
	// Hook answers one call.
	Hook(r *HookRequest) HookAnswer
}

// HookRequest is one hooked call.
type HookRequest struct {
	abi.HookCall
	Pid  int          // the calling process, as the kernel reported it for the connection
	Cred linuxvfs.Who // its credentials when it connected
	Mem  vfs.ProcessMemory
}

// HookAnswer is what a hook decided.
type HookAnswer struct {
	Action  HookAction
	Ret     int64           // HookReturn: the result, or -errno
	Fd      int             // HookFd: a descriptor to install in the caller; the server closes it once sent
	Cloexec bool            // HookFd: install it close-on-exec
	After   func(ret int64) // HookContinue: called with the call's result, if the call returns to the caller
	// Rewrite, for HookContinue: the arguments to replace before the call
	// is issued; nil: none.
	Rewrite *abi.Rewrite
}

// HookAction is what happens to a hooked call.
type HookAction int

const (
	HookContinue HookAction = iota // issue the call in the process
	HookReturn                     // return Ret without issuing it
	HookFd                         // return a new descriptor for Fd
)

// Reportable says whether a call returns to its caller in the usual way,
// so that its result can be reported to an After function. fork-like calls
// return twice, exec and exit never; the stub issues those without
// reporting.
func Reportable(nr int) bool {
	switch nr {
	case unix.SYS_FORK, unix.SYS_VFORK, unix.SYS_CLONE, unix.SYS_CLONE3, unix.SYS_EXECVE, unix.SYS_EXECVEAT,
		unix.SYS_EXIT, unix.SYS_EXIT_GROUP, unix.SYS_RT_SIGRETURN:
		return false
	}
	return true
}

// answerHook runs the hooks on call c of connection l and sends the reply.
func (s *Server) answerHook(l *link, p *peer, c abi.HookCall) error {
	req := &HookRequest{HookCall: c, Pid: int(p.pid), Cred: p.cred, Mem: vfs.ProcessMemory{Pid: int(p.pid)}}
	a := s.hooks.Hook(req)
	var r abi.Reply
	var rights []byte
	switch a.Action {
	case HookReturn:
		r.Ret = a.Ret
	case HookFd:
		defer unix.Close(a.Fd)
		r.Action = abi.ReplyFd
		if a.Cloexec {
			r.Fd = abi.FdCloexec
		}
		rights = unix.UnixRights(a.Fd)
	default:
		r.Action = abi.ReplyPass
		if a.After != nil && Reportable(c.Nr) {
			if p.after == nil {
				p.after = map[uint64]func(int64){}
			}
			p.nextToken++
			p.after[p.nextToken] = a.After
			r.Action, r.Ret = abi.ReplyAfter, int64(p.nextToken)
		}
		if a.Rewrite != nil {
			if r.Action == abi.ReplyAfter {
				r.Fd = abi.RewriteAfter
			}
			r.Action = abi.ReplyRewrite
			r.Str1, r.Str2 = a.Rewrite.Encode()
		}
	}
	return l.send(abi.EncodeReply(r), rights)
}
