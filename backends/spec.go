// Package backends turns the --mount specifications of the command line
// into file systems: it parses TYPE:TARGET[=SOURCE][,OPTION...] and builds
// the backend each type names. The backends themselves live in the
// packages below this one (mem); a bind mount needs none, the host
// directory is the kernel's.
package backends

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends/mem"
)

// Spec is one parsed --mount argument.
type Spec struct {
	Type     string // "mem" or "bind"
	Target   string // absolute and clean
	Source   string // absolute host directory, or "" for none
	ReadOnly bool
	raw      string
}

// Types lists the mount types and what their SOURCE is.
var types = map[string]struct {
	needSource bool
	help       string
}{
	"mem":  {false, "mem:TARGET[=SEED_DIR]"},
	"bind": {true, "bind:TARGET=HOST_DIR"},
}

// ParseSpec parses TYPE:TARGET[=SOURCE][,OPTION...]. The error is one line
// that names the spec.
func ParseSpec(s string) (Spec, error) {
	bad := func(format string, args ...any) (Spec, error) {
		return Spec{}, fmt.Errorf("--mount %q: %s", s, fmt.Sprintf(format, args...))
	}
	sp := Spec{raw: s}
	typ, rest, ok := strings.Cut(s, ":")
	if !ok || typ == "" {
		return bad("want TYPE:TARGET[=SOURCE][,OPTION...], e.g. mem:/data")
	}
	t, known := types[typ]
	if !known {
		return bad("unknown type %q (known: bind, mem)", typ)
	}
	sp.Type = typ
	rest, opts, _ := strings.Cut(rest, ",")
	target, source, hasSource := strings.Cut(rest, "=")
	if !path.IsAbs(target) {
		return bad("target %q is not an absolute path", target)
	}
	sp.Target = path.Clean(target)
	if sp.Target == "/" {
		return bad("cannot mount over /")
	}
	if strings.ContainsAny(sp.Target, ":") {
		return bad("a target may not contain ':'")
	}
	if hasSource && source == "" {
		return bad("empty source after '='")
	}
	if t.needSource && !hasSource {
		return bad("missing source directory: %s", t.help)
	}
	if hasSource {
		abs, err := filepath.Abs(source)
		if err != nil {
			return bad("%v", err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return bad("source: %v", err)
		}
		if !fi.IsDir() {
			return bad("source %s is not a directory", source)
		}
		sp.Source = abs
	}
	if opts != "" {
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "ro":
				sp.ReadOnly = true
			case "rw":
				sp.ReadOnly = false
			default:
				return bad("unknown option %q (known: ro, rw)", o)
			}
		}
	}
	return sp, nil
}

// Backend is what a spec becomes.
type Backend struct {
	FS      afero.Fs                                        // nil for bind
	View    func(uid, gid uint32, groups []uint32) afero.Fs // per-user view with permission checks; nil: FS
	HostDir string                                          // bind: the host directory
}

// Open builds the backend of sp: a mem file system, seeded from Source if
// given, or a bind mount's host directory.
func (sp Spec) Open() (Backend, error) {
	switch sp.Type {
	case "mem":
		fs := mem.New()
		if sp.Source != "" {
			if err := fs.CopyFrom(sp.Source); err != nil {
				return Backend{}, fmt.Errorf("--mount %q: copy %s: %w", sp.raw, sp.Source, err)
			}
		}
		return Backend{FS: fs, View: func(uid, gid uint32, groups []uint32) afero.Fs {
			if uid == 0 {
				return fs
			}
			return fs.As(mem.Cred{Uid: uid, Gid: gid, Groups: groups})
		}}, nil
	case "bind":
		return Backend{HostDir: sp.Source}, nil
	}
	return Backend{}, fmt.Errorf("--mount %q: unknown type", sp.raw)
}
