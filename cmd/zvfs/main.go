// Command zvfs runs a program, and every process it starts, with virtual
// mounts: file calls on mounted paths are answered by zvfs from in-memory,
// overlay, archive or host-directory backends; all else goes to the kernel.
//
//	zvfs [--mount SPEC]... [--snapshot [TARGET=]FILE] [--report FILE] [--verbose] [--] PROG [ARGS...]
//	zvfs stats [--json FILE] [same flags] [--] PROG [ARGS...]
//	zvfs diff [--json] [--against DIR] SNAPSHOT.tar
//	zvfs fuse [--mount SPEC]... [--snapshot [TARGET=]FILE] MOUNTPOINT
//	zvfs sites FILE...
//	zvfs doctor
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/zvfs/zvfs/internal/cli"
	"github.com/zvfs/zvfs/internal/reap"
	"github.com/zvfs/zvfs/trampoline"
)

const usage = `usage:
  zvfs [--mount SPEC]... [--snapshot [TARGET=]FILE] [--report FILE] [--verbose] [--] PROG [ARGS...]
      run PROG with the mounts in every process it starts. SPEC is TYPE:TARGET[=SOURCE][,OPTION...]:
        mem:/data                    in memory, empty
        mem:/data=./seed             in memory, starting as a copy of ./seed
        bind:/in=./dir[,ro]          a host directory
        overlay:/src=./dir[,layers=A.tar:B.tar]
                                     copy-on-write over ./dir (never written) and snapshot layers
                                     (a layer may be an image: oci://HOST/REPO:TAG or @sha256:DIGEST)
        tar:/ref=FILE.tar[.gz]       an archive (or a one-layer image, oci://...), read-only
      --snapshot [TARGET=]FILE       at exit, the overlay's changes as an OCI layer tarball;
                                     FILE oci://HOST/REPO:TAG pushes them as a one-layer image
      --insecure                     plain HTTP to registries (always so for localhost)
      --report FILE                  at exit, JSON: paths read, written, created, deleted; programs run
  zvfs stats [--json FILE] [same flags] [--] PROG [ARGS...]
                                                also count system calls per name
  zvfs diff [--json] [--against DIR] FILE|oci://...
                                                what a snapshot adds (A), changes (M), deletes (D)
  zvfs push [--insecure] FILE oci://HOST/REPO:TAG  push a snapshot file as a one-layer image
  zvfs sites FILE...                            list an ELF file's syscall sites
  zvfs doctor                                   check what zvfs needs from this machine
  zvfs --version                                this build's version, commit and Go release
  zvfs fuse [--mount SPEC]... [--snapshot [TARGET=]FILE] [--cache DURATION] MOUNTPOINT
                                                serve the mounts through FUSE until unmounted (TARGET / is MOUNTPOINT);
                                                --cache lets the kernel keep names and attributes (faster stat,
                                                but cached names skip other users' permission checks)
  zvfs bench [--quick] [--out FILE.json] [--svg FILE.svg]  time workloads natively, under zvfs and the alternatives
`

func main() {
	reap.Serve() // a helper's whole life, if this process is one
	reap.Enable()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "stats":
			return runProgram(args[1:], true, stderr)
		case "diff":
			return diff(args[1:], stdout, stderr)
		case "push":
			return push(args[1:], stdout, stderr)
		case "sites":
			return sites(args[1:], stdout, stderr)
		case "doctor":
			return doctor(stdout)
		case "fuse":
			return fuseCmd(args[1:], stdout, stderr)
		case "bench":
			return benchCmd(args[1:], stdout, stderr)
		case "help", "-h", "--help", "-help":
			fmt.Fprint(stdout, usage)
			return 0
		case "version", "--version", "-version":
			fmt.Fprintln(stdout, version())
			return 0
		}
	}
	return runProgram(args, false, stderr)
}

// version is what `zvfs --version` prints: the module's version (a
// release, or "(devel)" for a build from a checkout), the commit it was
// built from, and the Go release and platform.
func version() string {
	v, rev, dirty := "(unknown)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := "zvfs " + v
	if rev != "" {
		out += " commit " + rev[:min(12, len(rev))]
		if dirty {
			out += "+changes"
		}
	}
	return out + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// runProgram is `zvfs [stats] [flags] -- PROG` (package cli).
func runProgram(args []string, stats bool, stderr io.Writer) int {
	name := "zvfs"
	if stats {
		name = "zvfs stats"
	}
	return cli.Run(args, cli.Config{Name: name, Stats: stats, Usage: usage, Stderr: stderr})
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
