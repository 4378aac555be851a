package vfs

import (
	"os"
	"path"
	"strings"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/mtab"
)

// Limits of the Linux VFS.
const (
	nameMax     = linuxvfs.NameMax
	maxSymlinks = linuxvfs.MaxSymlinks
)

// loc is where a path leads.
type loc struct {
	m     *mtab.Mount // nil: on the host
	rel   string      // inside m: "" for its root, else "a/b"
	host  string      // the host path, when m is nil or a bind mount
	virt  string      // the absolute clean path in the namespace
	slash bool        // the path ended with a slash
	// dot is "." or ".." when the path's last component was one: the
	// backend sees it (rmdir "d/." is EINVAL, rename ".." EBUSY), applied
	// to rel, which is then the directory before it.
	dot string
}

// onHost says the kernel answers for l.
func (l loc) onHost() bool { return l.m == nil || l.m.FS == nil }

// name is l's path as its backend takes it.
func (l loc) name() string {
	if l.dot != "" {
		if l.rel == "" {
			return "/" + l.dot
		}
		return "/" + l.rel + "/" + l.dot
	}
	if l.slash && l.rel != "" {
		return "/" + l.rel + "/"
	}
	return "/" + l.rel
}

// ctx is one call's view of the namespace.
type ctx struct {
	ns   *Namespace
	cred linuxvfs.Who
	// views are the mounts the call has used, as its caller sees them: a
	// call uses one or two, so a list, not a map to allocate.
	views []mountView
}

type mountView struct {
	m  *mtab.Mount
	fs afero.Fs
}

func (c *ctx) fs(m *mtab.Mount) afero.Fs {
	for _, v := range c.views {
		if v.m == m {
			return v.fs
		}
	}
	v := m.As(c.cred)
	c.views = append(c.views, mountView{m, v})
	return v
}

func (c *ctx) lstat(m *mtab.Mount, rel string) (os.FileInfo, error) {
	return caps.Lstat(c.fs(m), "/"+rel)
}

func (c *ctx) readlink(m *mtab.Mount, rel string) (string, error) {
	if r, ok := c.fs(m).(afero.LinkReader); ok {
		return r.ReadlinkIfPossible("/" + rel)
	}
	return "", unix.EINVAL
}

// resolve finds where the absolute path p leads. Symbolic links are
// followed in every component but the last, and in the last when follow is
// set or the path ends with a slash. A last component that does not exist
// is not an error: the caller may create it.
func (c *ctx) resolve(p string, follow bool) (loc, error) {
	if p == "" {
		return loc{}, unix.ENOENT
	}
	return c.resolveIn("/", p, len(p), follow)
}

// resolveIn is resolve of the path rest relative to dir, a clean absolute
// path an earlier resolve found (no symbolic link in it), whose own
// components are not looked up again; size is the length of the whole
// path as the caller gave it.
func (c *ctx) resolveIn(dir, rest string, size int, follow bool) (loc, error) {
	if size >= abi.MaxSentPath {
		// PATH_MAX bounds what a program passes (the stub and the net
		// check it); the path may be a working directory and a name joined.
		return loc{}, unix.ENAMETOOLONG
	}
	slash := len(rest) > 1 && strings.HasSuffix(rest, "/")
	cur := dir
	links := 0
walk:
	for {
		// The components of rest, one at a time: [start, end) each.
		for start, end := 0, 0; start < len(rest); start = end + 1 {
			end = start + strings.IndexByte(rest[start:], '/')
			if end < start {
				end = len(rest)
			}
			comp := rest[start:end]
			// The last real component: nothing but slashes after it.
			last := comp != "" && strings.Trim(rest[end:], "/") == ""
			if comp == "" || comp == "." || comp == ".." {
				if last && links == 0 {
					// The path ends in "." or "..": keep it for the backend
					// when it stays inside a mount.
					if m, rel := c.ns.tab.Lookup(cur); m != nil && m.FS != nil && (comp == "." || rel != "") {
						l := loc{m: m, rel: rel, virt: cur, dot: comp, slash: slash}
						if comp == ".." {
							l.virt = path.Dir(cur)
						}
						return l, nil
					}
				}
				if comp == ".." {
					cur = path.Dir(cur)
				}
				continue
			}
			if len(comp) > nameMax {
				return loc{}, unix.ENAMETOOLONG
			}
			next := join(cur, comp) // cur is clean, comp a plain name: path.Join without its Clean
			m, rel := c.ns.tab.Lookup(next)
			if m == nil || m.FS == nil || rel == "" {
				// The host's (the kernel resolves it) or a mount's root.
				cur = next
				continue
			}
			if last && !follow && !slash {
				// Nothing about the last name changes where the path
				// leads: the call's own backend operation finds it (or
				// not) and answers as the kernel would. One lookup fewer
				// for every create, unlink and lstat.
				cur = next
				break
			}
			typ, err := caps.LstatType(c.fs(m), inMount(next, rel))
			if err != nil {
				e := errnoOf(err)
				if e == unix.ENOENT && last {
					cur = next
					break
				}
				if e == unix.ENOENT {
					// Where the walk stopped, for the view's publisher
					// (names below a missing directory are missing).
					return loc{m: m, rel: rel, virt: next}, e
				}
				return loc{}, e
			}
			if typ == unix.S_IFLNK && (!last || follow || slash) {
				links++
				if links > maxSymlinks {
					return loc{}, unix.ELOOP
				}
				target, err := c.readlink(m, rel)
				if err != nil {
					return loc{}, errnoOf(err)
				}
				if target == "" {
					return loc{}, unix.ENOENT
				}
				remaining := ""
				if end < len(rest) {
					remaining = rest[end+1:]
				}
				if strings.HasPrefix(target, "/") {
					cur = "/"
				}
				rest = target
				if remaining != "" {
					rest += "/" + remaining
				} else if slash {
					rest += "/"
				}
				continue walk
			}
			if !last && typ != unix.S_IFDIR {
				return loc{}, unix.ENOTDIR
			}
			cur = next
		}
		break
	}
	m, rel := c.ns.tab.Lookup(cur)
	l := loc{m: m, rel: rel, virt: cur, slash: slash}
	switch {
	case m == nil:
		l.host = cur
	case m.FS == nil:
		l.host = path.Join(m.HostDir, rel)
	}
	if l.host != "" && slash {
		l.host += "/"
	}
	return l, nil
}

// inMount is "/"+rel, rel being the name in its mount of the clean path
// p: the end of p itself, where it is that (as mtab.Table.Lookup gives
// rel), without making a string.
func inMount(p, rel string) string {
	if n := len(p) - len(rel) - 1; n >= 0 && p[n] == '/' && p[n+1:] == rel {
		return p[n:]
	}
	return "/" + rel
}

// join makes p absolute against base (a virtual directory's path).
func join(base, p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	if base == "/" {
		return "/" + p
	}
	return base + "/" + p
}
