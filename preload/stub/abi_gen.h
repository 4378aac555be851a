/* abi_gen.h — generated from internal/abi by `go generate ./preload`; DO NOT EDIT.
 * Fixed addresses, syscall classes and message layouts shared with the supervisor. */
#ifndef ZVFS_ABI_GEN_H
#define ZVFS_ABI_GEN_H

#define ABI_TRAMPOLINE_ADDR        0x0
#define ABI_SLED_SIZE              0x200
#define ABI_DATA_ADDR              0x1000
#define ABI_FLAGS_ADDR             0x1000
#define ABI_CLASS_TABLE_ADDR       0x1200
#define ABI_ZERO_ADDR              0x1800
#define ABI_SITE_TABLE_ADDR        0x10000
#define ABI_SITE_SLOTS_ADDR        0x10008
#define ABI_SITE_TABLE_LIMIT       0x400000
#define ABI_SITE_HASH_MUL          0x2545f491
#define ABI_DATAFLAG_FSGSBASE      0x1
#define ABI_NSLOTS                 0x200
#define ABI_CLASS_PASS             0x0
#define ABI_CLASS_SLOW             0x1
#define ABI_CLASS_SIGRETURN        0x2
#define ABI_CLASS_CLONE            0x3
#define ABI_CLASS_VFORK            0x4
#define ABI_CLASS_CLONE3           0x5
#define ABI_CLASS_MMAP             0x6
#define ABI_MAGIC                  0x5346565a
#define ABI_VERSION                0x1
#define ABI_MAX_MESSAGE            0x400000
#define ABI_MSG_HELLO              0x1
#define ABI_MSG_SITES              0x2
#define ABI_MSG_REPORT             0x3
#define ABI_MSG_ACK                0x4
#define ABI_SITES_MORE             0x1
#define ABI_SITES_WANT_REPORTS     0x2
#define ABI_REPORT_EXIT            0x1
#define ABI_REPORT_EXEC            0x2
#define ABI_ENV_SOCKET             "ZVFS_SOCK"
#define ABI_ENV_LIB                "ZVFS_LIB"

#ifndef __ASSEMBLER__
typedef unsigned char abi_u8;
typedef unsigned short abi_u16;
typedef unsigned int abi_u32;
typedef int abi_i32;
typedef unsigned long long abi_u64;

struct abi_header {
	abi_u32 magic;
	abi_u16 version;
	abi_u16 type;
	abi_u32 length;
	abi_i32 pid;
};
_Static_assert(sizeof(struct abi_header) == 16, "abi_header size");

struct abi_hello_fixed {
	abi_u64 stub_addr;
	abi_u32 maps_len;
	abi_u32 flags;
};
_Static_assert(sizeof(struct abi_hello_fixed) == 16, "abi_hello_fixed size");

struct abi_sites_fixed {
	abi_u32 nranges;
	abi_u32 nsites;
	abi_u32 flags;
	abi_u32 str_len;
};
_Static_assert(sizeof(struct abi_sites_fixed) == 16, "abi_sites_fixed size");

struct abi_range {
	abi_u64 start;
	abi_u64 end;
	abi_u64 file_offset;
	abi_u32 prot;
	abi_u32 nsites;
	abi_u32 path_off;
	abi_u32 path_len;
};
_Static_assert(sizeof(struct abi_range) == 40, "abi_range size");

struct abi_report_fixed {
	abi_u32 reason;
	abi_u32 nslots;
};
_Static_assert(sizeof(struct abi_report_fixed) == 8, "abi_report_fixed size");

struct abi_ack_fixed {
	abi_i32 status;
	abi_u32 pad0;
};
_Static_assert(sizeof(struct abi_ack_fixed) == 8, "abi_ack_fixed size");

static const abi_u8 abi_class_table[ABI_NSLOTS] = {
	0,0,0,0,0,0,0,0,0,6,0,0,0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3,1,4,1,1,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,5,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
};
#endif

#endif
