package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zvfs/zvfs/registry"
)

// Fetch does, before anything runs, the registry work the mounts and
// snapshots name: it pulls the images of oci:// layers and tar sources
// into the layer cache and puts the cached files in their place in
// ma.Specs (an image of several layers gives them all, bottom first), and
// checks that every oci:// snapshot (parsed by Check, which comes first)
// could be pushed. What deserves a line but stops nothing (a corrupt
// cached blob fetched again) goes to stderr as "PREFIX: warning: ...".
func (ma *MountArgs) Fetch(ctx context.Context, prefix string, stderr io.Writer) error {
	warn := func(w string) { fmt.Fprintf(stderr, "%s: warning: %s\n", prefix, w) }
	// The client (and its cache directory) only once a reference needs it.
	var c *registry.Client
	client := func() (*registry.Client, error) {
		if c != nil {
			return c, nil
		}
		var err error
		c, err = registry.NewClient()
		return c, err
	}
	pull := func(flag, raw string) ([]registry.Layer, error) {
		ref, err := registry.ParseRef(raw, ma.Insecure)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		c, err := client()
		if err != nil {
			return nil, err
		}
		return c.Pull(ctx, ref, warn)
	}
	for i := range ma.Specs {
		sp := &ma.Specs[i]
		var layers []string
		for _, l := range sp.Layers {
			if !registry.IsRef(l) {
				layers = append(layers, l)
				continue
			}
			got, err := pull("--mount "+sp.Target, l)
			if err != nil {
				return err
			}
			for _, g := range got {
				layers = append(layers, g.Path)
			}
		}
		sp.Layers = layers
		if sp.Type == "tar" && registry.IsRef(sp.Source) {
			got, err := pull("--mount "+sp.Target, sp.Source)
			if err != nil {
				return err
			}
			if len(got) != 1 {
				return fmt.Errorf("--mount tar:%s=%s: the image has %d layers; mount it as overlay layers (layers=%s)", sp.Target, sp.Source, len(got), sp.Source)
			}
			sp.Source = got[0].Path
		}
	}
	for i := range ma.Snaps {
		s := &ma.Snaps[i]
		if !s.Pushes() {
			continue
		}
		c, err := client()
		if err != nil {
			return err
		}
		if err := c.CheckPush(ctx, *s.ref); err != nil {
			return fmt.Errorf("--snapshot: %w", err)
		}
		s.client = c
	}
	return nil
}

// pushSnapshot writes the snapshot s, whose File is a registry reference,
// to a local file first (its times clamped to epoch if not nil), then
// pushes it, made at epoch or now; on success the local file goes
// (the blob stays in the cache), on failure it stays, and the error says
// where it is.
func pushSnapshot(s Snapshot, overlays map[string]Overlay, epoch *time.Time) (registry.Pushed, error) {
	c := s.client
	dir := filepath.Join(c.Cache, "unpushed")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return registry.Pushed{}, fmt.Errorf("snapshot of %s: %w", s.Target, err)
	}
	local := filepath.Join(dir, time.Now().UTC().Format("20060102T150405")+"-"+fileSafe(strings.TrimPrefix(s.File, registry.Scheme))+".tar")
	if err := writeLayer(s.Target, local, overlays, epoch); err != nil {
		return registry.Pushed{}, err
	}
	p, err := c.Push(context.Background(), *s.ref, local, imageTime(epoch))
	if err != nil {
		return p, fmt.Errorf("snapshot of %s: %w; the layer is kept in %s (zvfs push %s %s)", s.Target, err, local, local, s.File)
	}
	os.Remove(local)
	return p, nil
}

// fileSafe makes a reference a file name: every byte outside
// [A-Za-z0-9._-] becomes '_'.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, s)
}
