// Command zvfs runs a program with every one of its system calls passing
// through zvfs's hook, in it and in every process it starts.
//
//	zvfs [flags] [--] PROG [ARGS...]
//	zvfs stats [--json FILE] [--verbose] [--] PROG [ARGS...]
//	zvfs sites FILE...
//	zvfs doctor
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends"
	"github.com/zvfs/zvfs/supervisor"
	"github.com/zvfs/zvfs/trampoline"
	"github.com/zvfs/zvfs/vfs"
)

const usage = `usage:
  zvfs [--mount SPEC]... [--verbose] [--] PROG [ARGS...]
                                               run PROG with the hook in every process;
                                               SPEC is TYPE:TARGET[=SOURCE][,OPTION...]:
                                               mem:/data (in memory), mem:/data=./seed (starts as a copy),
                                               bind:/in=./dir[,ro] (a host directory)
  zvfs stats [--json FILE] [--verbose] [--] PROG [ARGS...]
                                                also count system calls per name
  zvfs sites FILE...                            list an ELF file's syscall sites
  zvfs doctor                                   check what zvfs needs from this machine
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "stats":
			return runProgram(args[1:], true, stderr)
		case "sites":
			return sites(args[1:], stdout, stderr)
		case "doctor":
			return doctor(stdout)
		case "help", "-h", "--help", "-help":
			fmt.Fprint(stdout, usage)
			return 0
		}
	}
	return runProgram(args, false, stderr)
}

func runProgram(args []string, stats bool, stderr io.Writer) int {
	name := "zvfs"
	if stats {
		name = "zvfs stats"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	verbose := fs.Bool("verbose", false, "report patched files and unpatched mappings at the end")
	var specs []backends.Spec
	var specErr error
	fs.Func("mount", "mount `TYPE:TARGET[=SOURCE][,OPTION...]` (repeatable): mem:/data, mem:/data=./seed, bind:/in=./dir,ro", func(v string) error {
		sp, err := backends.ParseSpec(v)
		if err != nil && specErr == nil {
			specErr = err
		}
		specs = append(specs, sp)
		return nil
	})
	var jsonPath *string
	if stats {
		jsonPath = fs.String("json", "", "also write the counts to `FILE` as JSON")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if specErr != nil {
		fmt.Fprintf(stderr, "zvfs: %v\n", specErr)
		return 2
	}
	mounts, err := openMounts(specs)
	if err != nil {
		fmt.Fprintf(stderr, "zvfs: %v\n", err)
		return 2
	}
	argv := fs.Args()
	if len(argv) == 0 {
		fmt.Fprintf(stderr, "%s: no program given\n", name)
		fmt.Fprint(stderr, usage)
		return 2
	}
	res, err := supervisor.Run(argv, supervisor.Options{Stats: stats, Verbose: *verbose, Stderr: stderr, Mounts: mounts})
	if err != nil {
		var ee *supervisor.ExitError
		if errors.As(err, &ee) {
			fmt.Fprintf(stderr, "zvfs: %s\n", ee.Msg)
			return ee.Code
		}
		fmt.Fprintf(stderr, "zvfs: %v\n", err)
		return 126
	}
	if stats {
		printStats(stderr, res.Stats)
		if *jsonPath != "" {
			if err := writeJSON(*jsonPath, res.Stats); err != nil {
				fmt.Fprintf(stderr, "zvfs: %v\n", err)
				if res.ExitCode == 0 {
					return 1
				}
			}
		}
	}
	return res.ExitCode
}

// openMounts builds the backends of the specs, in order.
func openMounts(specs []backends.Spec) ([]*vfs.Mount, error) {
	var out []*vfs.Mount
	seen := map[string]bool{}
	for _, sp := range specs {
		if seen[sp.Target] {
			return nil, fmt.Errorf("--mount: %s is mounted twice", sp.Target)
		}
		seen[sp.Target] = true
		b, err := sp.Open()
		if err != nil {
			return nil, err
		}
		m := &vfs.Mount{Target: sp.Target, FS: b.FS, HostDir: b.HostDir, ReadOnly: sp.ReadOnly}
		if b.View != nil {
			view := b.View
			m.View = func(c vfs.Cred) afero.Fs { return view(c.Uid, c.Gid, c.Groups) }
		}
		out = append(out, m)
	}
	return out, nil
}

func printStats(w io.Writer, st supervisor.Stats) {
	type row struct {
		name string
		n    uint64
	}
	rows := make([]row, 0, len(st.Syscalls))
	for k, v := range st.Syscalls {
		rows = append(rows, row{k, v})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].n != rows[j].n {
			return rows[i].n > rows[j].n
		}
		return rows[i].name < rows[j].name
	})
	fmt.Fprintf(w, "zvfs: %d system calls in %d processes\n", st.Total, st.Processes)
	for _, r := range rows {
		fmt.Fprintf(w, "%12d  %s\n", r.n, r.name)
	}
	if len(st.FileCalls) > 0 {
		rows = rows[:0]
		var total uint64
		for k, v := range st.FileCalls {
			rows = append(rows, row{k, v})
			total += v
		}
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].n != rows[j].n {
				return rows[i].n > rows[j].n
			}
			return rows[i].name < rows[j].name
		})
		fmt.Fprintf(w, "zvfs: %d of them on virtual paths and descriptors, answered by zvfs:\n", total)
		for _, r := range rows {
			fmt.Fprintf(w, "%12d  %s\n", r.n, r.name)
		}
	}
}

func writeJSON(path string, st supervisor.Stats) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func sites(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "zvfs sites: no file given")
		return 2
	}
	code := 0
	for _, p := range args {
		a, err := trampoline.AnalyzeFile(p)
		if err != nil {
			fmt.Fprintf(stderr, "zvfs sites: %v\n", err)
			code = 1
			continue
		}
		trampoline.Format(stdout, p, a)
	}
	return code
}
