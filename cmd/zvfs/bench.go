// bench.go is `zvfs bench [--quick] [--out FILE.json] [--svg FILE.svg]`:
// the benchmark suite of package bench, run with this very binary as the
// zvfs the contenders start; the table goes to stdout, progress to stderr.

package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/zvfs/zvfs/bench"
)

func benchCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zvfs bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	quick := fs.Bool("quick", false, "one repetition and shorter loops (about a minute)")
	out := fs.String("out", "", "also write the results to `FILE` as JSON")
	svg := fs.String("svg", "", "also write a chart of the ratios to native to `FILE` (SVG)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "zvfs bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "zvfs bench: cannot find the zvfs binary: %v\n", err)
		return 1
	}
	res, err := bench.Run(bench.Options{Zvfs: exe, Quick: *quick, Log: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "zvfs bench: %v\n", err)
		return 1
	}
	return writeBench(res, *out, *svg, stdout, stderr)
}

// writeBench prints the table and writes the files asked for.
func writeBench(res *bench.Results, out, svg string, stdout, stderr io.Writer) int {
	bench.WriteTable(stdout, res)
	code := 0
	if out != "" {
		if err := bench.WriteJSON(out, res); err != nil {
			fmt.Fprintf(stderr, "zvfs bench: %v\n", err)
			code = 1
		}
	}
	if svg != "" {
		if err := bench.WriteSVGFile(svg, res); err != nil {
			fmt.Fprintf(stderr, "zvfs bench: %v\n", err)
			code = 1
		}
	}
	return code
}
