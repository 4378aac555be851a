// diff.go is `zvfs diff [--json] [--against DIR] FILE|oci://...`: what a
// snapshot layer adds, changes and deletes; and `zvfs push FILE REF`, a
// snapshot file sent to a registry (as a push at the end of a run would).

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/zvfs/zvfs/backends/layer"
	"github.com/zvfs/zvfs/internal/cli"
	"github.com/zvfs/zvfs/registry"
)

func diff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zvfs diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print a JSON array of {\"kind\", \"path\"} (and \"layer\", for an image of several)")
	against := fs.String("against", "", "tell added from modified by comparing with the lower `DIR` (else every entry is A)")
	insecure := fs.Bool("insecure", false, "plain HTTP to the registry of an oci:// reference")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: zvfs diff [--json] [--against DIR] SNAPSHOT.tar|oci://HOST/REPO:TAG")
		return 2
	}
	name := fs.Arg(0)
	layers := []registry.Layer{{Path: name}}
	if registry.IsRef(name) {
		var code int
		if layers, code = pullLayers(name, *insecure, stderr); code != 0 {
			return code
		}
	}
	type row struct {
		Kind  string `json:"kind"`
		Path  string `json:"path"`
		Layer string `json:"layer,omitempty"`
	}
	rows := []row{}
	several := len(layers) > 1
	for i, l := range layers {
		changes, err := diffFile(l.Path, *against)
		if err != nil {
			fmt.Fprintf(stderr, "zvfs diff: %s: %v\n", name, err)
			return 1
		}
		if several && !*asJSON {
			fmt.Fprintf(stdout, "# layer %d: %s\n", i+1, l.Digest)
		}
		for _, c := range changes {
			r := row{Kind: string(c.Kind), Path: c.Path}
			if several {
				r.Layer = l.Digest.String()
			}
			if *asJSON {
				rows = append(rows, r)
			} else {
				fmt.Fprintf(stdout, "%c %s\n", c.Kind, c.Path)
			}
		}
	}
	if *asJSON {
		b, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	}
	return 0
}

// diffFile is the changes of one layer file.
func diffFile(path, against string) ([]layer.Change, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if against != "" {
		return layer.DiffAgainst(f, against)
	}
	return layer.Diff(f)
}

// pullLayers fetches the layers of an image into the cache; code is the
// exit status if that failed.
func pullLayers(raw string, insecure bool, stderr io.Writer) ([]registry.Layer, int) {
	ref, err := registry.ParseRef(raw, insecure)
	if err != nil {
		fmt.Fprintf(stderr, "zvfs: %v\n", err)
		return nil, 2
	}
	c, err := registry.NewClient()
	if err != nil {
		fmt.Fprintf(stderr, "zvfs: %v\n", err)
		return nil, 1
	}
	layers, err := c.Pull(context.Background(), ref, func(w string) { fmt.Fprintf(stderr, "zvfs: warning: %s\n", w) })
	if err != nil {
		fmt.Fprintf(stderr, "zvfs: %v\n", err)
		return nil, 1
	}
	return layers, 0
}

// push is `zvfs push [--insecure] FILE oci://HOST/REPO:TAG`: the layer
// tarball FILE (a snapshot, or one a failed push at the end of a run kept)
// pushed as a one-layer image, created at SOURCE_DATE_EPOCH or now.
func push(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zvfs push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	insecure := fs.Bool("insecure", false, "plain HTTP to the registry")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: zvfs push [--insecure] SNAPSHOT.tar oci://HOST/REPO:TAG")
		return 2
	}
	file := fs.Arg(0)
	ref, err := registry.ParseRef(fs.Arg(1), *insecure)
	if err == nil {
		_, err = os.Stat(file)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zvfs push: %v\n", err)
		return 2
	}
	created, err := cli.ImageTime()
	if err != nil {
		fmt.Fprintf(stderr, "zvfs push: %v\n", err)
		return 2
	}
	c, err := registry.NewClient()
	if err != nil {
		fmt.Fprintf(stderr, "zvfs push: %v\n", err)
		return 1
	}
	p, err := c.Push(context.Background(), ref, file, created)
	if err != nil {
		fmt.Fprintf(stderr, "zvfs push: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s@%s (layer %s, %d bytes)\n", ref, p.Manifest, p.Layer, p.Size)
	return 0
}
