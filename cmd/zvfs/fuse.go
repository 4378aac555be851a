// fuse.go is `zvfs fuse [--mount SPEC]... [--snapshot [TARGET=]FILE]
// MOUNTPOINT`: the mounts of a run served through FUSE (package fusefs)
// until the mount point is unmounted or zvfs is interrupted; then the
// snapshots are written as at the end of a run.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/zvfs/zvfs/backends"
	"github.com/zvfs/zvfs/fusefs"
	"github.com/zvfs/zvfs/internal/cli"
	"github.com/zvfs/zvfs/internal/fdroom"
)

func fuseCmd(args []string, stdout, stderr io.Writer) int {
	specs, snaps, opt, dir, code := fuseFlags(args, stderr)
	if code >= 0 {
		return code
	}
	fdroom.Raise() // a mem tree holds a descriptor per file
	mounts, overlays, err := cli.OpenMounts(specs, "zvfs", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "zvfs fuse: %v\n", err)
		return 2
	}
	defer cli.CloseMounts(mounts)
	srv, err := fusefs.Mount(dir, mounts, opt)
	if err != nil {
		fmt.Fprintf(stderr, "zvfs fuse: %v\n", err)
		return 1
	}
	stop := unmountOnSignal(srv, dir, stderr)
	srv.Wait()
	stop()
	code = 0
	for _, s := range snaps {
		done, err := cli.WriteSnapshot(s, overlays)
		if err != nil {
			fmt.Fprintf(stderr, "zvfs fuse: %v\n", err)
			code = 1
		} else if s.Pushes() {
			fmt.Fprintf(stderr, "zvfs fuse: %s\n", done)
		}
	}
	return code
}

// fuseFlags parses the command line; code is the exit status if it is
// not -1 (a usage error).
func fuseFlags(args []string, stderr io.Writer) (specs []backends.Spec, snaps []cli.Snapshot, opt fusefs.Options, dir string, code int) {
	fs := flag.NewFlagSet("zvfs fuse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	ma := cli.MountFlags(fs, backends.ParseSpecRoot, " below MOUNTPOINT (TARGET / is MOUNTPOINT itself)", "when unmounted")
	fs.BoolVar(&opt.Debug, "debug", false, "log every FUSE request")
	fs.DurationVar(&opt.Cache, "cache", 0, "let the kernel keep names and attributes for `DURATION` (faster stat; "+
		"permission checks of cached names are then skipped for other users)")
	if err := fs.Parse(args); err != nil {
		return nil, nil, opt, "", 2
	}
	specErr := ma.Check()
	if specErr == nil && fs.NArg() != 1 {
		specErr = errors.New("want one MOUNTPOINT after the flags")
	}
	if specErr == nil {
		specErr = ma.Fetch(context.Background(), "zvfs fuse", stderr)
	}
	if specErr != nil {
		fmt.Fprintf(stderr, "zvfs fuse: %v\n", specErr)
		return nil, nil, opt, "", 2
	}
	opt.AllowOther = os.Geteuid() == 0
	return ma.Specs, ma.Snaps, opt, fs.Arg(0), -1
}

// unmountOnSignal unmounts dir at SIGINT or SIGTERM: cleanly if nothing
// holds it, else lazily (the server ends when the last user lets go).
func unmountOnSignal(srv *fuse.Server, dir string, stderr io.Writer) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		if err := srv.Unmount(); err != nil {
			fmt.Fprintf(stderr, "zvfs fuse: unmount %s: %v; detaching it\n", dir, err)
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				fmt.Fprintf(stderr, "zvfs fuse: detach %s: %v\n", dir, err)
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}
