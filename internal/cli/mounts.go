package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends"
	"github.com/zvfs/zvfs/backends/layer"
	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/mtab"
	"github.com/zvfs/zvfs/registry"
)

// Snapshot is one --snapshot [TARGET=]FILE: the changes of the overlay
// mounted at Target, to be written to File.
type Snapshot struct {
	Target, File string
	// ref is File as a registry reference (oci://), parsed by Check;
	// client pushes it, once Fetch has checked that a push could work.
	ref    *registry.Ref
	client *registry.Client
}

// Pushes tells whether the snapshot goes to a registry (File is an
// oci:// reference) rather than to a file.
func (s Snapshot) Pushes() bool { return s.ref != nil }

// Overlay is what a snapshot is taken of: the layer of the run's changes,
// and a test of what the lower layers had.
type Overlay struct {
	upper   *mem.FS
	inLower func(path string) bool
}

// parseSnapshot parses --snapshot [TARGET=]FILE.
func parseSnapshot(v string) (Snapshot, error) {
	s := Snapshot{File: v}
	if t, f, ok := strings.Cut(v, "="); ok && strings.HasPrefix(t, "/") {
		s.Target, s.File = filepath.Clean(t), f
	}
	if s.File == "" {
		return s, fmt.Errorf("--snapshot %q: no file", v)
	}
	return s, nil
}

// MountArgs are the --mount and --snapshot flags of a command, once
// parsed; call Check before using them.
type MountArgs struct {
	Specs []backends.Spec
	Snaps []Snapshot
	// Insecure speaks plain HTTP to the registries of oci:// references
	// (always so for localhost).
	Insecure bool
	specErr  error // the first bad --mount
}

// MountFlags defines --mount (parsed with parse) and --snapshot on fs;
// where and when say where mounts appear and when snapshots are written.
func MountFlags(fs *flag.FlagSet, parse func(string) (backends.Spec, error), where, when string) *MountArgs {
	ma := &MountArgs{}
	fs.Func("mount", "mount `TYPE:TARGET[=SOURCE][,OPTION...]`"+where+" (repeatable)", func(v string) error {
		sp, err := parse(v)
		if err != nil && ma.specErr == nil {
			ma.specErr = err
		}
		ma.Specs = append(ma.Specs, sp)
		return nil
	})
	fs.Func("snapshot", when+", write the overlay's changes to `[TARGET=]FILE` as an OCI layer tarball (FILE oci://HOST/REPO:TAG: push them as a one-layer image)", func(v string) error {
		s, err := parseSnapshot(v)
		ma.Snaps = append(ma.Snaps, s)
		return err
	})
	fs.BoolVar(&ma.Insecure, "insecure", false, "speak plain HTTP to the registries of oci:// references (as always to localhost)")
	return ma
}

// Check reports the first bad --mount, or a --snapshot without its
// overlay or that could not be written; it fills in the Target of a
// snapshot naming none. What needs a registry is Fetch's.
func (ma *MountArgs) Check() error {
	if ma.specErr != nil {
		return ma.specErr
	}
	if err := checkSnapshots(ma.Snaps, ma.Specs); err != nil {
		return err
	}
	for i, s := range ma.Snaps {
		if registry.IsRef(s.File) {
			ref, err := registry.ParseRef(s.File, ma.Insecure)
			if err != nil {
				return fmt.Errorf("--snapshot: %w", err)
			}
			ma.Snaps[i].ref = &ref
			continue
		}
		if err := CheckOutput("--snapshot", s.File, ma.Specs); err != nil {
			return err
		}
	}
	return nil
}

// CheckOutput reports, before anything runs, why a file that flag names
// and zvfs writes at the end could not be written: a name that is a flag
// (`--snapshot --`), a path inside one of the run's mounts (zvfs writes on
// the host, where the mount is not), a directory, or a directory to write
// it in that is missing or not writable.
func CheckOutput(flag, path string, specs []backends.Spec) error {
	if strings.HasPrefix(path, "-") {
		return fmt.Errorf("%s %s: a flag, not a file (./%s names a file so called)", flag, path, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	for _, sp := range specs {
		if abs == sp.Target || strings.HasPrefix(abs, strings.TrimSuffix(sp.Target, "/")+"/") {
			return fmt.Errorf("%s %s: inside the mount %s; zvfs writes it on the host, after the run, where %s is not mounted", flag, path, sp.Target, sp.Target)
		}
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return fmt.Errorf("%s %s: is a directory", flag, path)
	}
	dir := filepath.Dir(abs)
	di, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("%s %s: directory %s: %w", flag, path, dir, errors.Unwrap(err))
	case !di.IsDir():
		return fmt.Errorf("%s %s: %s is not a directory", flag, path, dir)
	}
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return fmt.Errorf("%s %s: cannot write in %s: %w", flag, path, dir, err)
	}
	return nil
}

// checkSnapshots gives each --snapshot its overlay: the one named, or the
// only overlay of the run.
func checkSnapshots(snaps []Snapshot, specs []backends.Spec) error {
	var overlays []string
	for _, sp := range specs {
		if sp.Type == "overlay" {
			overlays = append(overlays, sp.Target)
		}
	}
	for i := range snaps {
		s := &snaps[i]
		switch {
		case len(overlays) == 0:
			return fmt.Errorf("--snapshot %s: no overlay mount to take it of (--mount overlay:TARGET=DIR)", s.File)
		case s.Target == "" && len(overlays) > 1:
			return fmt.Errorf("--snapshot %s: %d overlays; name one: --snapshot %s=%s", s.File, len(overlays), overlays[0], s.File)
		case s.Target == "":
			s.Target = overlays[0]
		}
		found := false
		for _, o := range overlays {
			found = found || o == s.Target
		}
		if !found {
			return fmt.Errorf("--snapshot %s=%s: %s is not an overlay mount", s.Target, s.File, s.Target)
		}
	}
	return nil
}

// WriteSnapshot writes the changes of the overlay s names, from overlays
// (as OpenMounts returned them), to s.File as an OCI layer tarball, or
// pushes them to the registry s.File names (after Fetch). Its times are
// SOURCE_DATE_EPOCH's if that is set, and so is a pushed image's. done is
// one line on what was done.
func WriteSnapshot(s Snapshot, overlays map[string]Overlay) (done string, err error) {
	start := time.Now()
	epoch, err := sourceDateEpoch()
	if err != nil {
		return "", err
	}
	if s.Pushes() {
		p, err := pushSnapshot(s, overlays, epoch)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("pushed the changes of %s to %s: layer %s, %d bytes, manifest %s, in %v",
			s.Target, s.File, p.Layer, p.Size, p.Manifest, time.Since(start).Round(time.Millisecond)), nil
	}
	if err := writeLayer(s.Target, s.File, overlays, epoch); err != nil {
		return "", err
	}
	size := int64(-1)
	if fi, err := os.Stat(s.File); err == nil {
		size = fi.Size()
	}
	return fmt.Sprintf("snapshot of %s: %s, %d bytes in %v", s.Target, s.File, size, time.Since(start).Round(time.Microsecond)), nil
}

// writeLayer writes the changes of the overlay at target to file as an
// OCI layer tarball, its times clamped to epoch if not nil.
func writeLayer(target, file string, overlays map[string]Overlay, epoch *time.Time) error {
	opt := layer.Options{SourceDateEpoch: epoch}
	ov := overlays[target]
	if ov.inLower != nil {
		opt.Modified = func(p string) bool { return ov.inLower("/" + p) }
	}
	if err := layer.WriteFile(file, ov.upper, opt); err != nil {
		return fmt.Errorf("snapshot of %s: %w", target, err)
	}
	return nil
}

// ImageTime is when a pushed image says it was made: SOURCE_DATE_EPOCH,
// or now.
func ImageTime() (time.Time, error) {
	epoch, err := sourceDateEpoch()
	return imageTime(epoch), err
}

func imageTime(epoch *time.Time) time.Time {
	if epoch != nil {
		return *epoch
	}
	return time.Now()
}

// sourceDateEpoch is SOURCE_DATE_EPOCH as a time, nil if unset.
func sourceDateEpoch() (*time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return nil, nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("SOURCE_DATE_EPOCH=%q: not a number of seconds", v)
	}
	t := time.Unix(sec, 0)
	return &t, nil
}

// CloseMounts closes the file systems of mounts that hold resources beyond
// the process (a mem.FS's host nodes of special files), once the run and
// its snapshots are done.
func CloseMounts(mounts []*mtab.Mount) {
	for _, m := range mounts {
		if c, ok := m.FS.(io.Closer); ok {
			c.Close()
		}
	}
}

// OpenMounts builds the backends of the specs, in order, and returns the
// overlays by target. A backend's warning goes to stderr as
// "PREFIX: warning: ...".
func OpenMounts(specs []backends.Spec, prefix string, stderr io.Writer) ([]*mtab.Mount, map[string]Overlay, error) {
	var out []*mtab.Mount
	overlays := map[string]Overlay{}
	seen := map[string]bool{}
	for _, sp := range specs {
		if seen[sp.Target] {
			return nil, nil, fmt.Errorf("--mount: %s is mounted twice", sp.Target)
		}
		seen[sp.Target] = true
		b, err := sp.Open()
		if err != nil {
			return nil, nil, err
		}
		if b.Warning != "" {
			fmt.Fprintf(stderr, "%s: warning: %s\n", prefix, b.Warning)
		}
		m := &mtab.Mount{Target: sp.Target, FS: b.FS, HostDir: b.HostDir, ReadOnly: sp.ReadOnly}
		if b.Upper != nil {
			ov := Overlay{upper: b.Upper}
			if l, ok := b.FS.(interface{ InLower(string) bool }); ok {
				ov.inLower = l.InLower
			}
			overlays[sp.Target] = ov
		}
		out = append(out, m)
	}
	return out, overlays, nil
}
