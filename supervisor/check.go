package supervisor

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// MinAddrFix is the command that lets zvfs map its trampoline at address 0.
const MinAddrFix = "sysctl -w vm.mmap_min_addr=0"

// MmapMinAddr reads vm.mmap_min_addr.
func MmapMinAddr() (string, error) {
	b, err := os.ReadFile("/proc/sys/vm/mmap_min_addr")
	return strings.TrimSpace(string(b)), err
}

// CheckAddressZero maps and unmaps one page at address 0 in this process
// (whose credentials the program inherits) and explains a failure.
func CheckAddressZero() error {
	p, err := unix.MmapPtr(-1, 0, nil, 4096, unix.PROT_READ,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE)
	if err == nil && p == nil {
		unix.MunmapPtr(p, 4096)
		return nil
	}
	if err == nil {
		unix.MunmapPtr(p, 4096)
		err = fmt.Errorf("the kernel placed it at %p", p)
	}
	v, _ := MmapMinAddr()
	return fmt.Errorf("cannot map the system-call trampoline at address 0 (vm.mmap_min_addr=%s: %v); fix: %s", v, err, MinAddrFix)
}
