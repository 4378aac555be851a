// Package stubbuild compiles the stub (preload/stub) into libzvfs.so with the
// machine's C compiler and fixed, deterministic flags. `go generate ./preload`
// runs it; the staleness test runs it again into a temporary directory.
package stubbuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"github.com/zvfs/zvfs/internal/abi"
)

// Flags are the compiler and linker flags. They make a freestanding,
// position-independent library that never touches vector registers, has no
// stack protector or unwind tables, and is byte-for-byte reproducible. Its
// code and read-only data share one segment (-z noseparate-code): every
// process maps the library at start, and two segments fewer are two mmap
// calls fewer for the loader.
var Flags = []string{
	"-nostdlib", "-ffreestanding", "-fPIC", "-shared", "-O2",
	"-mgeneral-regs-only", "-mno-red-zone", "-fno-stack-protector",
	"-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
	"-fno-builtin", "-fno-tree-loop-distribute-patterns", "-fvisibility=hidden",
	"-fno-plt", "-fno-delete-null-pointer-checks", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
	"-Wl,--build-id=none", "-Wl,-z,noexecstack", "-Wl,-z,now", "-Wl,--hash-style=gnu",
	"-Wl,-soname,libzvfs.so", "-Wl,--no-undefined", "-Wl,-s", "-Wl,-z,noseparate-code",
}

// HeaderName is the generated header's file name inside the stub directory.
const HeaderName = "abi_gen.h"

// Build writes the generated header into stubDir when writeHeader is set,
// then compiles stubDir's .c and .S files into out. It runs the compiler in
// stubDir with relative file names so that no path leaks into the output.
func Build(stubDir, out string, writeHeader bool) error {
	if writeHeader {
		if err := os.WriteFile(filepath.Join(stubDir, HeaderName), abi.CHeader(), 0o644); err != nil {
			return fmt.Errorf("write header: %w", err)
		}
	}
	var srcs []string
	for _, pat := range []string{"*.c", "*.S"} {
		m, err := filepath.Glob(filepath.Join(stubDir, pat))
		if err != nil {
			return err
		}
		for _, f := range m {
			srcs = append(srcs, filepath.Base(f))
		}
	}
	sort.Strings(srcs)
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	args := append(append([]string{}, Flags...), "-o", absOut)
	args = append(args, srcs...)
	cmd := exec.Command(cc, args...)
	cmd.Dir = stubDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("compile stub: %s %v: %w\n%s", cc, args, err, stderr.String())
	}
	return nil
}
