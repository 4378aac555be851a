// diff.go is `zvfs diff [--json] FILE [--against DIR]`: what a snapshot
// layer adds, changes and deletes.

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/zvfs/zvfs/backends/layer"
)

func diff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zvfs diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print a JSON array of {\"kind\", \"path\"}")
	against := fs.String("against", "", "tell added from modified by comparing with the lower `DIR` (else every entry is A)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: zvfs diff [--json] [--against DIR] SNAPSHOT.tar")
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "zvfs diff: %v\n", err)
		return 1
	}
	defer f.Close()
	var changes []layer.Change
	if *against != "" {
		changes, err = layer.DiffAgainst(f, *against)
	} else {
		changes, err = layer.Diff(f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zvfs diff: %s: %v\n", fs.Arg(0), err)
		return 1
	}
	if *asJSON {
		type row struct {
			Kind string `json:"kind"`
			Path string `json:"path"`
		}
		rows := make([]row, len(changes))
		for i, c := range changes {
			rows[i] = row{string(c.Kind), c.Path}
		}
		b, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	for _, c := range changes {
		fmt.Fprintf(stdout, "%c %s\n", c.Kind, c.Path)
	}
	return 0
}
