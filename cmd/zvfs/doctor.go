package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/preload"
	"github.com/zvfs/zvfs/seccompnet"
	"github.com/zvfs/zvfs/supervisor"
)

// doctor checks what zvfs needs and prints the fix for anything missing.
func doctor(w io.Writer) int {
	failed := 0
	check := func(name string, err error, fix string) {
		if err == nil {
			fmt.Fprintf(w, "ok    %s\n", name)
			return
		}
		failed++
		fmt.Fprintf(w, "FAIL  %s: %v\n", name, err)
		if fix != "" {
			fmt.Fprintf(w, "      fix: %s\n", fix)
		}
	}
	var archErr error
	if runtime.GOARCH != "amd64" || runtime.GOOS != "linux" {
		archErr = fmt.Errorf("%s/%s; zvfs needs linux/amd64", runtime.GOOS, runtime.GOARCH)
	}
	check("architecture linux/amd64", archErr, "")

	var u unix.Utsname
	var kerr error
	if err := unix.Uname(&u); err != nil {
		kerr = err
	} else {
		rel := unix.ByteSliceToString(u.Release[:])
		if !kernelAtLeast(rel, 5, 9) {
			kerr = fmt.Errorf("kernel %s; zvfs needs 5.9 or later (clone3, MAP_FIXED_NOREPLACE, FSGSBASE)", rel)
		}
	}
	check("kernel 5.9 or later", kerr, "run on a newer kernel")

	check("seccomp user notification", seccompnet.Available(), "run on a kernel built with CONFIG_SECCOMP_FILTER, outside a seccomp profile that forbids it")

	// Address 0 decides the mode, not whether zvfs runs.
	if err := supervisor.CheckAddressZero(); err != nil {
		v, _ := supervisor.MmapMinAddr()
		fmt.Fprintf(w, "note  address 0 cannot be mapped (vm.mmap_min_addr=%s): zvfs runs in net mode, every file call through the supervisor "+
			"(correct, slower; no hooks or counters)\n      fast path, as root: %s  (persist: echo vm.mmap_min_addr=0 > /etc/sysctl.d/60-zvfs.conf)\n",
			v, supervisor.MinAddrFix)
	} else {
		fmt.Fprintf(w, "ok    address 0 can be mapped: fast path (hooked system calls)\n")
	}

	// Not a requirement: without it a thread's hook block is set with a
	// system call when the thread starts.
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil && !strings.Contains(string(b), " fsgsbase") {
		fmt.Fprintf(w, "note  wrgsbase not available: the CPU lacks FSGSBASE; each new thread costs one arch_prctl more (correct, a little slower)\n")
	} else {
		fmt.Fprintf(w, "ok    wrgsbase available\n")
	}

	_, ierr := preload.Install("")
	check("stub can be installed in the cache directory", ierr, "set XDG_CACHE_HOME or TMPDIR to a writable directory")
	if failed > 0 {
		return 1
	}
	return 0
}

func kernelAtLeast(rel string, major, minor int) bool {
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
