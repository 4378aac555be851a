// Command audit runs a program and logs every file its processes open under
// the watched directories (/etc/ by default), with the result, and denies
// chosen paths with EACCES. An example of package hook: typed hooks that
// read a path argument, answer some calls themselves and let the rest
// through.
//
//	audit [--watch DIR]... [--deny PATH]... [--log FILE] [--mount SPEC]... [--] PROG [ARGS...]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/hook"
)

// list is a repeatable flag of clean absolute paths.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }

func (l *list) Set(v string) error {
	if !filepath.IsAbs(v) {
		return fmt.Errorf("%q is not an absolute path", v)
	}
	*l = append(*l, filepath.Clean(v))
	return nil
}

// audit logs and denies opens.
type audit struct {
	hook.Default
	watch, deny list
	mu          sync.Mutex // hooks run concurrently: one log line at a time
	log         io.Writer
}

func (a *audit) Open(c *hook.Call, path string, flags int, mode uint32) hook.Result {
	return a.open(c, "open", unix.AT_FDCWD, path, flags)
}

func (a *audit) Openat(c *hook.Call, dirfd int, path string, flags int, mode uint32) hook.Result {
	return a.open(c, "openat", dirfd, path, flags)
}

func (a *audit) Execve(c *hook.Call, path string, argv, envp []string) hook.Result {
	if abs := c.Abs(unix.AT_FDCWD, path); a.denied(abs) {
		a.logf("pid %d execve %s: denied", c.Pid, abs)
		return c.Errno(unix.EACCES)
	}
	return c.Continue()
}

func (a *audit) open(c *hook.Call, call string, dirfd int, path string, flags int) hook.Result {
	abs := c.Abs(dirfd, path)
	if a.denied(abs) {
		a.logf("pid %d %s %s %s: denied", c.Pid, call, abs, access(flags))
		return c.Errno(unix.EACCES)
	}
	if !under(abs, a.watched()) {
		return c.Continue()
	}
	return c.After(func(ret int64) {
		if ret < 0 {
			a.logf("pid %d %s %s %s: %s", c.Pid, call, abs, access(flags), unix.ErrnoName(unix.Errno(-ret)))
		} else {
			a.logf("pid %d %s %s %s: fd %d", c.Pid, call, abs, access(flags), ret)
		}
	})
}

func (a *audit) watched() []string {
	if len(a.watch) == 0 {
		return []string{"/etc"}
	}
	return a.watch
}

func (a *audit) denied(p string) bool {
	for _, d := range a.deny {
		if p == d {
			return true
		}
	}
	return false
}

// under says whether p is one of dirs or inside one.
func under(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, strings.TrimSuffix(d, "/")+"/") {
			return true
		}
	}
	return false
}

func access(flags int) string {
	switch flags & unix.O_ACCMODE {
	case unix.O_WRONLY:
		return "w"
	case unix.O_RDWR:
		return "rw"
	}
	return "r"
}

func (a *audit) logf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.log, "audit: "+format+"\n", args...)
}

// output opens the log, once flags are parsed, at the first line.
type output struct {
	path *string
	once sync.Once
	w    io.Writer
}

func (o *output) Write(b []byte) (int, error) {
	o.once.Do(func() {
		o.w = os.Stderr
		if *o.path != "" {
			f, err := os.OpenFile(*o.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			if err != nil {
				fmt.Fprintf(os.Stderr, "audit: %v\n", err)
				return
			}
			o.w = f
		}
	})
	return o.w.Write(b)
}

func main() {
	a := &audit{}
	flag.Var(&a.watch, "watch", "log opens of files under `DIR` (repeatable; default /etc)")
	flag.Var(&a.deny, "deny", "answer opens and execs of `PATH` with EACCES (repeatable)")
	a.log = &output{path: flag.String("log", "", "append the log to `FILE` instead of standard error")}
	os.Exit(hook.Main(a, os.Args[1:]))
}
