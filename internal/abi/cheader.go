package abi

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/sysnum"
)

// CHeader renders this package's constants, class table and message layouts
// as a C header for the stub. `go generate ./preload` writes it to
// preload/stub/abi_gen.h; a test fails when the committed copy differs.
func CHeader() []byte {
	var b bytes.Buffer
	b.WriteString("/* abi_gen.h — generated from internal/abi by `go generate ./preload`; DO NOT EDIT.\n" +
		" * Fixed addresses, syscall classes and message layouts shared with the supervisor. */\n" +
		"#ifndef ZVFS_ABI_GEN_H\n#define ZVFS_ABI_GEN_H\n\n")
	consts := []struct {
		name string
		v    uint64
	}{
		{"ABI_TRAMPOLINE_ADDR", TrampolineAddr},
		{"ABI_SLED_SIZE", SledSize},
		{"ABI_DATA_ADDR", DataAddr},
		{"ABI_FLAGS_ADDR", FlagsAddr},
		{"ABI_CLASS_TABLE_ADDR", ClassTableAddr},
		{"ABI_ZERO_ADDR", ZeroAddr},
		{"ABI_SITE_TABLE_ADDR", SiteTableAddr},
		{"ABI_SITE_SLOTS_ADDR", SiteSlotsAddr},
		{"ABI_SITE_TABLE_LIMIT", SiteTableLimit},
		{"ABI_SITE_HASH_MUL", SiteHashMul},
		{"ABI_DATAFLAG_FSGSBASE", DataFlagFSGSBase},
		{"ABI_NSLOTS", NSlots},
		{"ABI_CLASS_PASS", uint64(ClassPass)},
		{"ABI_CLASS_SLOW", uint64(ClassSlow)},
		{"ABI_CLASS_SIGRETURN", uint64(ClassSigreturn)},
		{"ABI_CLASS_CLONE", uint64(ClassClone)},
		{"ABI_CLASS_VFORK", uint64(ClassVfork)},
		{"ABI_CLASS_CLONE3", uint64(ClassClone3)},
		{"ABI_CLASS_MMAP", uint64(ClassMmap)},
		{"ABI_MAGIC", Magic},
		{"ABI_VERSION", Version},
		{"ABI_MAX_MESSAGE", MaxMessage},
		{"ABI_MSG_HELLO", MsgHello},
		{"ABI_MSG_SITES", MsgSites},
		{"ABI_MSG_REPORT", MsgReport},
		{"ABI_MSG_ACK", MsgAck},
		{"ABI_SITES_MORE", SitesMore},
		{"ABI_SITES_WANT_REPORTS", SitesWantReports},
		{"ABI_REPORT_EXIT", ReportExit},
		{"ABI_REPORT_EXEC", ReportExec},
	}
	for _, c := range consts {
		fmt.Fprintf(&b, "#define %-26s 0x%x\n", c.name, c.v)
	}
	b.WriteString("\n/* System call numbers, from golang.org/x/sys/unix. */\n")
	for nr := 0; nr < sysnum.Count(); nr++ {
		if name := sysnum.Name(nr); !strings.HasPrefix(name, "syscall_") {
			fmt.Fprintf(&b, "#define SYS_%s %d\n", name, nr)
		}
	}
	b.WriteString("\n/* Kernel constants the stub uses, from golang.org/x/sys/unix. */\n")
	for _, c := range kernelConsts {
		fmt.Fprintf(&b, "#define %-20s %#x\n", c.name, c.v)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_ENV_SOCKET", EnvSocket)
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_ENV_LIB", EnvLib)

	b.WriteString("\n#ifndef __ASSEMBLER__\n")
	b.WriteString("typedef unsigned char abi_u8;\ntypedef unsigned short abi_u16;\ntypedef unsigned int abi_u32;\n" +
		"typedef int abi_i32;\ntypedef unsigned long long abi_u64;\n\n")
	for _, t := range []struct {
		name string
		v    any
		size int
	}{
		{"abi_header", Header{}, HeaderSize},
		{"abi_hello_fixed", HelloFixed{}, HelloFixedSize},
		{"abi_sites_fixed", SitesFixed{}, SitesFixedSize},
		{"abi_range", Range{}, RangeSize},
		{"abi_report_fixed", ReportFixed{}, ReportFixedSize},
		{"abi_ack_fixed", AckFixed{}, AckFixedSize},
	} {
		writeStruct(&b, t.name, reflect.TypeOf(t.v), t.size)
	}
	b.WriteString("static const abi_u8 abi_class_table[ABI_NSLOTS] = {")
	cl := Classes()
	for i, c := range cl {
		if i%32 == 0 {
			b.WriteString("\n\t")
		}
		fmt.Fprintf(&b, "%d,", c)
	}
	b.WriteString("\n};\n#endif\n\n#endif\n")
	return b.Bytes()
}

// kernelConsts are the kernel ABI values the stub needs, named as in C.
var kernelConsts = []struct {
	name string
	v    int64
}{
	{"PROT_READ", unix.PROT_READ}, {"PROT_WRITE", unix.PROT_WRITE}, {"PROT_EXEC", unix.PROT_EXEC},
	{"MAP_SHARED", unix.MAP_SHARED}, {"MAP_PRIVATE", unix.MAP_PRIVATE}, {"MAP_FIXED", unix.MAP_FIXED},
	{"MAP_ANONYMOUS", unix.MAP_ANONYMOUS}, {"MAP_FIXED_NOREPLACE", unix.MAP_FIXED_NOREPLACE},
	{"O_RDONLY", unix.O_RDONLY}, {"O_CLOEXEC", unix.O_CLOEXEC},
	{"AF_UNIX", unix.AF_UNIX}, {"SOCK_SEQPACKET", unix.SOCK_SEQPACKET}, {"SOCK_CLOEXEC", unix.SOCK_CLOEXEC},
	{"MSG_NOSIGNAL", unix.MSG_NOSIGNAL},
	{"SIG_BLOCK", unix.SIG_BLOCK}, {"SIG_SETMASK", unix.SIG_SETMASK},
	{"CLONE_VM", unix.CLONE_VM}, {"CLONE_VFORK", unix.CLONE_VFORK},
	{"ARCH_SET_GS", 0x1001},                        // asm/prctl.h; not in x/sys/unix
	{"AT_HWCAP2", 26}, {"HWCAP2_FSGSBASE", 1 << 1}, // elf.h and asm/hwcap2.h; not in x/sys/unix
	{"E2BIG", int64(unix.E2BIG)}, {"EEXIST", int64(unix.EEXIST)}, {"EFAULT", int64(unix.EFAULT)},
	{"EINTR", int64(unix.EINTR)}, {"EINVAL", int64(unix.EINVAL)}, {"ENAMETOOLONG", int64(unix.ENAMETOOLONG)},
	{"ENOMEM", int64(unix.ENOMEM)}, {"ESRCH", int64(unix.ESRCH)},
}

func writeStruct(b *bytes.Buffer, name string, t reflect.Type, size int) {
	fmt.Fprintf(b, "struct %s {\n", name)
	pad := 0
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		var ct string
		switch f.Type.Kind() {
		case reflect.Uint8:
			ct = "abi_u8"
		case reflect.Uint16:
			ct = "abi_u16"
		case reflect.Uint32:
			ct = "abi_u32"
		case reflect.Int32:
			ct = "abi_i32"
		case reflect.Uint64:
			ct = "abi_u64"
		default:
			panic("abi: unsupported field type " + f.Type.String())
		}
		fname := f.Name
		if fname == "_" {
			fname = fmt.Sprintf("pad%d", pad)
			pad++
		}
		fmt.Fprintf(b, "\t%s %s;\n", ct, snake(fname))
	}
	fmt.Fprintf(b, "};\n_Static_assert(sizeof(struct %s) == %d, \"%s size\");\n\n", name, size, name)
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
