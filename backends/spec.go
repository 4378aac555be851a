// Package backends turns the --mount specifications of the command line
// into file systems: it parses TYPE:TARGET[=SOURCE][,OPTION...] and builds
// the backend each type names. The backends themselves live in the
// packages below this one (mem, overlay; layer reads and writes snapshot
// tarballs); a bind mount needs none, the host directory is the kernel's.
// Backends know nothing of system calls: package vfs turns calls into
// afero calls on them.
package backends

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends/layer"
	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/backends/overlay"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/registry"
)

// Spec is one parsed --mount argument.
type Spec struct {
	Type     string   // "mem", "bind", "overlay" or "tar"
	Target   string   // absolute and clean
	Source   string   // absolute host directory (a file for tar, or an oci:// reference until fetched), or "" for none
	ReadOnly bool     // ro: every change fails with EROFS (always for tar)
	Layers   []string // overlay: snapshot layers above the directory, bottom first (files, or oci:// references until fetched)
	// Root is mem's root directory, as tmpfs's uid=, gid= and mode=
	// options set it: by default the user who runs zvfs owns it, mode
	// 0755 (a seed directory's own owner and mode with =SEED_DIR).
	Root RootAttrs
	raw  string
}

// RootAttrs are a mount root's owner and mode; -1 for what the mount
// type gives by default.
type RootAttrs struct {
	Uid, Gid, Mode int64
}

// Types lists the mount types and what their SOURCE is.
var types = map[string]struct {
	needSource bool
	file       bool // the source is a file, not a directory
	help       string
}{
	"mem":     {false, false, "mem:TARGET[=SEED_DIR]"},
	"bind":    {true, false, "bind:TARGET=HOST_DIR"},
	"overlay": {true, false, "overlay:TARGET=HOST_DIR[,layers=A.tar:oci://HOST/REPO:TAG…]"},
	"tar":     {true, true, "tar:TARGET=FILE.tar[.gz] or tar:TARGET=oci://HOST/REPO:TAG"},
}

// ParseSpec parses TYPE:TARGET[=SOURCE][,OPTION...]. The error is one line
// that names the spec. A run cannot mount over "/".
func ParseSpec(s string) (Spec, error) { return parseSpec(s, false) }

// ParseSpecRoot is ParseSpec that also takes the target "/" (zvfs fuse:
// the mount point itself).
func ParseSpecRoot(s string) (Spec, error) { return parseSpec(s, true) }

func parseSpec(s string, rootOK bool) (Spec, error) {
	bad := func(format string, args ...any) (Spec, error) {
		return Spec{}, fmt.Errorf("--mount %q: %s", s, fmt.Sprintf(format, args...))
	}
	sp := Spec{raw: s, Root: RootAttrs{-1, -1, -1}}
	typ, rest, ok := strings.Cut(s, ":")
	if !ok || typ == "" {
		return bad("want TYPE:TARGET[=SOURCE][,OPTION...], e.g. mem:/data")
	}
	t, known := types[typ]
	if !known {
		return bad("unknown type %q (known: bind, mem, overlay, tar)", typ)
	}
	sp.Type = typ
	rest, opts, _ := strings.Cut(rest, ",")
	target, source, hasSource := strings.Cut(rest, "=")
	if !path.IsAbs(target) {
		return bad("target %q is not an absolute path", target)
	}
	sp.Target = path.Clean(target)
	if sp.Target == "/" && !rootOK {
		return bad("cannot mount over /")
	}
	if strings.ContainsAny(sp.Target, ":") {
		return bad("a target may not contain ':'")
	}
	if hasSource && source == "" {
		return bad("empty source after '='")
	}
	if t.needSource && !hasSource {
		return bad("missing source: %s", t.help)
	}
	if hasSource && t.file && registry.IsRef(source) {
		// An image in a registry, fetched before the mounts are opened.
		if _, err := registry.ParseRef(source, false); err != nil {
			return bad("source %v", err)
		}
		sp.Source = source
	} else if hasSource {
		abs, err := filepath.Abs(source)
		if err != nil {
			return bad("%v", err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return bad("source: %v", err)
		}
		if t.file && fi.IsDir() {
			return bad("source %s is a directory, not an archive", source)
		}
		if !t.file && !fi.IsDir() {
			return bad("source %s is not a directory", source)
		}
		sp.Source = abs
	}
	if typ == "tar" {
		sp.ReadOnly = true
	}
	if opts != "" {
		for _, o := range strings.Split(opts, ",") {
			name, val, _ := strings.Cut(o, "=")
			switch {
			case o == "ro":
				sp.ReadOnly = true
			case o == "rw" && typ != "tar":
				sp.ReadOnly = false
			case (name == "uid" || name == "gid") && typ == "mem":
				n, err := strconv.ParseUint(val, 10, 32)
				if err != nil || n == 1<<32-1 {
					return bad("%s=%q: want a numeric id", name, val)
				}
				if name == "uid" {
					sp.Root.Uid = int64(n)
				} else {
					sp.Root.Gid = int64(n)
				}
			case name == "mode" && typ == "mem":
				n, err := strconv.ParseUint(val, 8, 32)
				if err != nil || n > 0o7777 {
					return bad("mode=%q: want octal permission bits, e.g. mode=1777", val)
				}
				sp.Root.Mode = int64(n)
			case name == "layers" && typ == "overlay" && val != "":
				for _, l := range registry.SplitList(val) {
					if registry.IsRef(l) {
						// Fetched into the cache before the mounts are
						// opened (cli), which puts the files in its place.
						if _, err := registry.ParseRef(l, false); err != nil {
							return bad("layer %v", err)
						}
						sp.Layers = append(sp.Layers, l)
						continue
					}
					abs, err := filepath.Abs(l)
					if err != nil {
						return bad("%v", err)
					}
					fi, err := os.Stat(abs)
					switch {
					case err != nil:
						return bad("layer %s: %v", l, errors.Unwrap(err))
					case fi.IsDir():
						return bad("layer %s: is a directory, not an archive", l)
					}
					sp.Layers = append(sp.Layers, abs)
				}
			default:
				known := "ro, rw"
				switch typ {
				case "mem":
					known = "ro, rw, uid=N, gid=N, mode=OCTAL"

				case "overlay":
					known = "ro, rw, layers=A.tar:B.tar"
				case "tar":
					known = "ro"
				}
				return bad("unknown option %q (known: %s)", o, known)
			}
		}
	}
	return sp, nil
}

// Backend is what a spec becomes.
type Backend struct {
	FS      afero.Fs // nil for bind; a caps.Viewer has per-user views
	HostDir string   // bind: the host directory
	Upper   *mem.FS  // overlay: the layer of the run's changes
	Warning string   // something to tell the user; the mount works
}

// openLayer reads an archive into memory; entries it cannot hold (device
// nodes, FIFOs) are skipped with a warning.
func openLayer(raw, path string) (*mem.FS, string, error) {
	fs, err := layer.Open(path)
	if errors.Is(err, layer.ErrSkipped) {
		return fs, fmt.Sprintf("--mount %q: %v", raw, err), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("--mount %q: %w", raw, err)
	}
	return fs, "", nil
}

// Open builds the backend of sp: a mem file system, seeded from Source if
// given, or a bind mount's host directory.
func (sp Spec) Open() (Backend, error) {
	switch sp.Type {
	case "mem":
		fs := mem.New()
		root := sp.Root
		if sp.Source != "" {
			if err := fs.CopyFrom(sp.Source); err != nil {
				return Backend{}, fmt.Errorf("--mount %q: copy %s: %w", sp.raw, sp.Source, err)
			}
		} else {
			// Like a tmpfs mounted for the user: theirs.
			if root.Uid < 0 {
				root.Uid = int64(os.Geteuid())
			}
			if root.Gid < 0 {
				root.Gid = int64(os.Getegid())
			}
		}
		if root.Uid >= 0 || root.Gid >= 0 {
			if err := fs.Chown("/", int(root.Uid), int(root.Gid)); err != nil {
				return Backend{}, fmt.Errorf("--mount %q: %w", sp.raw, err)
			}
		}
		if root.Mode >= 0 {
			if err := fs.Chmod("/", linuxvfs.FileMode(uint32(root.Mode))); err != nil {
				return Backend{}, fmt.Errorf("--mount %q: %w", sp.raw, err)
			}
		}
		return Backend{FS: fs}, nil
	case "bind":
		return Backend{HostDir: sp.Source}, nil
	case "overlay":
		lowers := []overlay.Layer{overlay.HostDir(sp.Source)}
		var warn []string
		for _, l := range sp.Layers {
			fs, w, err := openLayer(sp.raw, l)
			if err != nil {
				return Backend{}, err
			}
			if w != "" {
				warn = append(warn, w)
			}
			lowers = append(lowers, overlay.MemLayer(fs))
		}
		upper := mem.New()
		fs := overlay.New(lowers, upper)
		return Backend{FS: fs, Upper: upper, Warning: strings.Join(warn, "; ")}, nil
	case "tar":
		fs, w, err := openLayer(sp.raw, sp.Source)
		if err != nil {
			return Backend{}, err
		}
		return Backend{FS: fs, Warning: w}, nil
	}
	return Backend{}, fmt.Errorf("--mount %q: unknown type", sp.raw)
}
