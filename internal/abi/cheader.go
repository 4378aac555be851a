package abi

import (
	"bytes"
	"debug/elf"
	"fmt"
	"reflect"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
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
		{"ABI_GATE_ADDR", GateAddr},
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
		{"ABI_CLASS_VM", uint64(ClassVM)},
		{"ABI_MAGIC", Magic},
		{"ABI_VERSION", Version},
		{"ABI_MAX_MESSAGE", MaxMessage},
		{"ABI_MSG_HELLO", MsgHello},
		{"ABI_MSG_SITES", MsgSites},
		{"ABI_MSG_REPORT", MsgReport},
		{"ABI_MSG_ACK", MsgAck},
		{"ABI_MSG_KEY", MsgKey},
		{"ABI_MSG_NET", MsgNet},
		{"ABI_MSG_NET_CWD", MsgNetCwd},
		{"ABI_KEY_SIZE", KeySize},
		{"ABI_KEY_PREFIX", KeyPrefix},
		{"ABI_SITES_MORE", SitesMore},
		{"ABI_SITES_WANT_REPORTS", SitesWantReports},
		{"ABI_SITES_NEED_NET", SitesNeedNet},
		{"ABI_REPORT_EXIT", ReportExit},
		{"ABI_REPORT_EXEC", ReportExec},
		{"ABI_FD_VIRT_ADDR", FdVirtAddr},
		{"ABI_FD_SERVED_ADDR", FdServedAddr},
		{"ABI_FD_MAP_END", FdMapEnd},
		{"ABI_MAX_FD", MaxFd},
		{"ABI_CLASS_PATH", uint64(ClassPath)},
		{"ABI_CLASS_FD", uint64(ClassFd)},
		{"ABI_CLASS_FD2", uint64(ClassFd2)},
		{"ABI_CLASS_DATA", uint64(ClassData)},
		{"ABI_REFUSED_CALL", RefusedCall},
		{"ABI_NOARG", NoArg},
		{"ABI_PATH_PLAIN", PathPlain},
		{"ABI_PATH_TWO", PathTwo},
		{"ABI_PATH_SYMLINK", PathSymlink},
		{"ABI_PATH_CHDIR", PathChdir},
		{"ABI_PATH_EXEC", PathExec},
		{"ABI_PATH_NULLFD", PathNullFd},
		{"ABI_MSG_CALL", MsgCall},
		{"ABI_MSG_REPLY", MsgReply},
		{"ABI_CALL_FD1", CallFd1},
		{"ABI_CALL_FD2", CallFd2},
		{"ABI_CALL_PATH1", CallPath1},
		{"ABI_CALL_PATH2", CallPath2},
		{"ABI_CALL_SELF1", CallSelf1},
		{"ABI_CALL_SINCE", CallSince},
		{"ABI_CALL_DIR1", CallDir1},
		{"ABI_REPLY_DONE", ReplyDone},
		{"ABI_REPLY_PASS", ReplyPass},
		{"ABI_REPLY_HOST", ReplyHost},
		{"ABI_REPLY_FD", ReplyFd},
		{"ABI_REPLY_EXEC", ReplyExec},
		{"ABI_REPLY_AGAIN", ReplyAgain},
		{"ABI_EXEC_HOST_LOADER", ExecHostLoader},
		{"ABI_FD_VIRT", FdVirt},
		{"ABI_FD_SERVED", FdServed},
		{"ABI_LISTING_CHUNK_HEADER", ListingChunkHeader},
		{"ABI_LISTING_MARK_SIZE", ListingMarkSize},
		{"ABI_CLASS_HOOKED", uint64(ClassHooked)},
		{"ABI_MSG_HOOK", MsgHook},
		{"ABI_MSG_HOOK_DONE", MsgHookDone},
		{"ABI_REPLY_AFTER", ReplyAfter},
		{"ABI_REPLY_REWRITE", ReplyRewrite},
		{"ABI_REWRITE_AFTER", RewriteAfter},
		{"ABI_FD_CLOEXEC", FdCloexec},
		{"ABI_VIEW_MAGIC", ViewMagic},
		{"ABI_VIEW_SIZE", ViewSize},
		{"ABI_VIEW_BUCKETS", ViewBuckets},
		{"ABI_VIEW_ENTRIES", ViewEntries},
		{"ABI_VIEW_STARTS", ViewStarts},
		{"ABI_VIEW_STARTS_OFF", ViewStartsOff},
		{"ABI_VIEW_BUCKETS_OFF", ViewBucketsOff},
		{"ABI_VIEW_DATA_OFF", ViewDataOff},
		{"ABI_VIEW_ENTRIES_OFF", ViewEntriesOff},
		{"ABI_VIEW_HEAP_OFF", ViewHeapOff},
		{"ABI_VIEW_HEAP_SIZE", ViewHeapSize},
		{"ABI_VIEW_HASH_SEED", ViewHashSeed},
		{"ABI_VIEW_HASH_MUL", ViewHashMul},
		{"ABI_VIEW_HEADER_WANT_REPORTS", ViewHeaderWantReports},
		{"ABI_VIEW_USED", ViewUsed},
		{"ABI_VIEW_COMPLETE", ViewComplete},
		{"ABI_VIEW_STAT", ViewStat},
		{"ABI_VIEW_OPEN_DATA", ViewOpenData},
		{"ABI_VIEW_OPEN_HOST", ViewOpenHost},
		{"ABI_VIEW_SEARCH", ViewSearch},
		{"ABI_VIEW_RDONLY", ViewRdonly},
		{"ABI_MSG_CHAN", MsgChan},
		{"ABI_MSG_WAKE", MsgWake},
		{"ABI_CHAN_SIZE", ChanSize},
		{"ABI_CHAN_ROOM", ChanRoom},
		{"ABI_CHAN_ON_SOCKET", ChanOnSocket},
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
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_ENV_MOUNTS", EnvMounts)
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_ENV_CWD", EnvCwd)
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_ENV_FDS", EnvFds)
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_ENV_EXE", EnvExe)
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_ENV_HOOKS", EnvHooks)
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_ENV_VIEW", EnvView)
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_ENV_NET", EnvNet)
	fmt.Fprintf(&b, "#define %-26s \"%s\"\n", "ABI_MODE_XATTR", caps.ModeXattr)

	b.WriteString("\n#ifndef __ASSEMBLER__\n")
	b.WriteString("typedef unsigned char abi_u8;\ntypedef unsigned short abi_u16;\ntypedef unsigned int abi_u32;\n" +
		"typedef int abi_i32;\ntypedef unsigned long long abi_u64;\ntypedef long long abi_i64;\n\n")
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
		{"abi_call_fixed", CallFixed{}, CallFixedSize},
		{"abi_reply_fixed", ReplyFixed{}, ReplyFixedSize},
		{"abi_pathcall", PathCall{}, 6},
		{"abi_hook_fixed", HookFixed{}, HookFixedSize},
		{"abi_hook_done_fixed", HookDoneFixed{}, HookDoneFixedSize},
		{"abi_rewrite_fixed", RewriteFixed{}, RewriteFixedSize},
		{"abi_view_header", ViewHeader{}, ViewHeaderSize},
		{"abi_view_entry", ViewEntry{}, ViewEntrySize},
		{"abi_view_start", ViewStart{}, ViewStartSize},
		{"abi_chan_header", ChanHeader{}, ChanHeaderSize},
	} {
		writeStruct(&b, t.name, reflect.TypeOf(t.v), t.size)
	}
	for _, t := range []struct {
		name string
		cl   [NSlots]Class
	}{{"abi_class_table", Classes()}, {"abi_kept_class_table", KeptClasses()}, {"abi_vfs_class_table", VFSClasses()}} {
		fmt.Fprintf(&b, "static const abi_u8 %s[ABI_NSLOTS] = {", t.name)
		for i, c := range t.cl {
			if i%32 == 0 {
				b.WriteString("\n\t")
			}
			fmt.Fprintf(&b, "%d,", c)
		}
		b.WriteString("\n};\n")
	}
	b.WriteString("/* Calls that change credentials, by number. */\nstatic const abi_u8 abi_cred_calls[ABI_NSLOTS] = {\n")
	for _, nr := range CredCalls {
		fmt.Fprintf(&b, "\t[SYS_%s] = 1,\n", sysnum.Name(nr))
	}
	b.WriteString("};\n")
	b.WriteString("/* Where the path-taking calls keep their arguments, by number. */\n" +
		"static const struct abi_pathcall abi_pathcalls[ABI_NSLOTS] = {\n")
	pcs := PathCalls()
	for nr := 0; nr < NSlots; nr++ {
		if pc, ok := pcs[nr]; ok {
			fmt.Fprintf(&b, "\t[SYS_%s] = {%d, %d, %d, %d, %d, %d},\n", sysnum.Name(nr), pc.Dir1, pc.Path1, pc.Dir2, pc.Path2, pc.Flags, pc.Kind)
		}
	}
	b.WriteString("};\n")
	fmt.Fprintf(&b, "/* The ioctls that change a file (FileFlagIoctls). */\n#define ABI_NFILE_FLAG_IOCTLS %d\n"+
		"static const abi_u32 abi_file_flag_ioctls[ABI_NFILE_FLAG_IOCTLS] = {", len(FileFlagIoctls))
	for i, cmd := range FileFlagIoctls {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%#x", cmd)
	}
	b.WriteString("};\n")
	b.WriteString("/* The seccomp net's filter (NetFilter), as struct sock_filter records. */\n" +
		"struct abi_sock_filter {\n\tabi_u16 code;\n\tabi_u8 jt, jf;\n\tabi_u32 k;\n};\n")
	filter := NetFilter()
	fmt.Fprintf(&b, "#define ABI_NET_FILTER_LEN %d\nstatic const struct abi_sock_filter abi_net_filter[ABI_NET_FILTER_LEN] = {\n", len(filter))
	for _, f := range filter {
		fmt.Fprintf(&b, "\t{%#x, %d, %d, %#x},\n", f.Code, f.Jt, f.Jf, f.K)
	}
	b.WriteString("};\n#endif\n\n#endif\n")
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
	{"MAP_POPULATE", unix.MAP_POPULATE}, {"MADV_POPULATE_WRITE", unix.MADV_POPULATE_WRITE},
	{"MADV_GUARD_INSTALL", unix.MADV_GUARD_INSTALL},
	{"O_RDONLY", unix.O_RDONLY}, {"O_CLOEXEC", unix.O_CLOEXEC},
	{"AF_UNIX", unix.AF_UNIX}, {"SOCK_SEQPACKET", unix.SOCK_SEQPACKET}, {"SOCK_CLOEXEC", unix.SOCK_CLOEXEC},
	{"MSG_NOSIGNAL", unix.MSG_NOSIGNAL}, {"MSG_PEEK", unix.MSG_PEEK}, {"MSG_DONTWAIT", unix.MSG_DONTWAIT},
	{"MSG_TRUNC", unix.MSG_TRUNC}, {"SEEK_SET", unix.SEEK_SET}, {"SEEK_CUR", unix.SEEK_CUR},
	{"SIG_BLOCK", unix.SIG_BLOCK}, {"SIG_SETMASK", unix.SIG_SETMASK},
	{"CLONE_VM", unix.CLONE_VM}, {"CLONE_VFORK", unix.CLONE_VFORK},
	{"ARCH_SET_GS", 0x1001},                        // asm/prctl.h; not in x/sys/unix
	{"AT_HWCAP2", 26}, {"HWCAP2_FSGSBASE", 1 << 1}, // elf.h and asm/hwcap2.h; not in x/sys/unix
	{"FUTEX_WAIT_PRIVATE", 128}, // linux/futex.h; not in x/sys/unix
	{"FUTEX_WAIT", FutexWait}, {"FUTEX_WAKE", FutexWake},
	{"MADV_DONTFORK", unix.MADV_DONTFORK}, {"ETIMEDOUT", int64(unix.ETIMEDOUT)}, {"EAGAIN", int64(unix.EAGAIN)}, {"EPIPE", int64(unix.EPIPE)},
	// linux/fs.h (Linux 6.11); not in x/sys/unix: _IOWR('f', 17, struct procmap_query), and its flags.
	{"PROCMAP_QUERY", 0xc0686611}, {"PROCMAP_QUERY_VMA_SHARED", 0x08},
	{"PROCMAP_QUERY_COVERING_OR_NEXT_VMA", 0x10}, {"PROCMAP_QUERY_VMA_EXECUTABLE", 0x04},
	{"E2BIG", int64(unix.E2BIG)}, {"EEXIST", int64(unix.EEXIST)}, {"EFAULT", int64(unix.EFAULT)},
	{"EINTR", int64(unix.EINTR)}, {"EINVAL", int64(unix.EINVAL)}, {"ENAMETOOLONG", int64(unix.ENAMETOOLONG)},
	{"ENOMEM", int64(unix.ENOMEM)}, {"ESRCH", int64(unix.ESRCH)}, {"ENOSYS", int64(unix.ENOSYS)},
	{"ENOENT", int64(unix.ENOENT)}, {"EXDEV", int64(unix.EXDEV)}, {"EIO", int64(unix.EIO)},
	{"EBADF", int64(unix.EBADF)}, {"ERANGE", int64(unix.ERANGE)}, {"ENOTTY", int64(unix.ENOTTY)}, {"ENOTDIR", int64(unix.ENOTDIR)},
	{"EMFILE", int64(unix.EMFILE)}, {"ENFILE", int64(unix.ENFILE)}, {"ELOOP", int64(unix.ELOOP)},
	{"AT_FDCWD", unix.AT_FDCWD}, {"AT_EMPTY_PATH", unix.AT_EMPTY_PATH},
	{"O_CREAT", unix.O_CREAT}, {"O_WRONLY", unix.O_WRONLY}, {"O_TRUNC", unix.O_TRUNC},
	{"SOL_SOCKET", unix.SOL_SOCKET}, {"SCM_RIGHTS", unix.SCM_RIGHTS}, {"MSG_CMSG_CLOEXEC", unix.MSG_CMSG_CLOEXEC},
	{"F_DUPFD", unix.F_DUPFD}, {"F_DUPFD_CLOEXEC", unix.F_DUPFD_CLOEXEC}, {"F_GETFD", unix.F_GETFD},
	{"F_SETFD", unix.F_SETFD}, {"F_GETFL", unix.F_GETFL}, {"FD_CLOEXEC", unix.FD_CLOEXEC},
	{"CLOSE_RANGE_CLOEXEC", unix.CLOSE_RANGE_CLOEXEC}, {"CLOSE_RANGE_UNSHARE", unix.CLOSE_RANGE_UNSHARE},
	{"O_ACCMODE", unix.O_ACCMODE}, {"O_PATH", unix.O_PATH}, {"O_DIRECTORY", unix.O_DIRECTORY},
	{"O_NOFOLLOW", unix.O_NOFOLLOW}, {"O_NOATIME", unix.O_NOATIME}, {"O_TMPFILE", unix.O_TMPFILE},
	{"O_NONBLOCK", unix.O_NONBLOCK}, {"O_NOCTTY", unix.O_NOCTTY}, {"O_LARGEFILE", unix.O_LARGEFILE},
	{"AT_SYMLINK_NOFOLLOW", unix.AT_SYMLINK_NOFOLLOW}, {"AT_EACCESS", unix.AT_EACCESS},
	{"AT_NO_AUTOMOUNT", unix.AT_NO_AUTOMOUNT}, {"AT_STATX_SYNC_TYPE", 0x6000},
	{"STATX_BASIC_STATS", unix.STATX_BASIC_STATS}, {"STATX__RESERVED", unix.STATX__RESERVED},
	{"S_IFMT", unix.S_IFMT}, {"S_IFDIR", unix.S_IFDIR}, {"S_IFREG", unix.S_IFREG}, {"S_IFLNK", unix.S_IFLNK},
	{"S_ISUID", unix.S_ISUID}, {"S_ISGID", unix.S_ISGID}, {"S_IXGRP", unix.S_IXGRP},
	{"EACCES", int64(unix.EACCES)}, {"EROFS", int64(unix.EROFS)}, {"ENODATA", int64(unix.ENODATA)},
	{"R_OK", unix.R_OK}, {"W_OK", unix.W_OK}, {"X_OK", unix.X_OK},
	{"CAP_DAC_OVERRIDE", unix.CAP_DAC_OVERRIDE}, {"CAP_DAC_READ_SEARCH", unix.CAP_DAC_READ_SEARCH},
	{"LINUX_CAPABILITY_VERSION_3", unix.LINUX_CAPABILITY_VERSION_3},
	{"PR_SET_NO_NEW_PRIVS", unix.PR_SET_NO_NEW_PRIVS}, {"SECCOMP_SET_MODE_FILTER", unix.SECCOMP_SET_MODE_FILTER},
	{"SECCOMP_FILTER_FLAG_NEW_LISTENER", unix.SECCOMP_FILTER_FLAG_NEW_LISTENER},
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
	{"PT_INTERP", int64(elf.PT_INTERP)}, {"ET_EXEC", int64(elf.ET_EXEC)}, {"ET_DYN", int64(elf.ET_DYN)},
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
		case reflect.Int64:
			ct = "abi_i64"
		case reflect.Array:
			if f.Type.Elem().Kind() != reflect.Uint64 {
				panic("abi: unsupported array type " + f.Type.String())
			}
			fmt.Fprintf(b, "\tabi_u64 %s[%d];\n", snake(f.Name), f.Type.Len())
			continue
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
