/* abi_gen.h — generated from internal/abi by `go generate ./preload`; DO NOT EDIT.
 * Fixed addresses, syscall classes and message layouts shared with the supervisor. */
#ifndef ZVFS_ABI_GEN_H
#define ZVFS_ABI_GEN_H

#define ABI_TRAMPOLINE_ADDR        0x0
#define ABI_SLED_SIZE              0x200
#define ABI_GATE_ADDR              0x210
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
#define ABI_CLASS_VM               0xb
#define ABI_MAGIC                  0x5346565a
#define ABI_VERSION                0x1
#define ABI_MAX_MESSAGE            0x400000
#define ABI_MSG_HELLO              0x1
#define ABI_MSG_SITES              0x2
#define ABI_MSG_REPORT             0x3
#define ABI_MSG_ACK                0x4
#define ABI_MSG_KEY                0x9
#define ABI_MSG_NET                0xa
#define ABI_MSG_NET_CWD            0xb
#define ABI_KEY_SIZE               0x10
#define ABI_KEY_PREFIX             0x21
#define ABI_SITES_MORE             0x1
#define ABI_SITES_WANT_REPORTS     0x2
#define ABI_SITES_NEED_NET         0x4
#define ABI_REPORT_EXIT            0x1
#define ABI_REPORT_EXEC            0x2
#define ABI_FD_VIRT_ADDR           0x2000
#define ABI_FD_SERVED_ADDR         0x4000
#define ABI_FD_MAP_END             0x6000
#define ABI_MAX_FD                 0x10000
#define ABI_CLASS_PATH             0x7
#define ABI_CLASS_FD               0x8
#define ABI_CLASS_FD2              0x9
#define ABI_CLASS_DATA             0xa
#define ABI_REFUSED_CALL           0x1a9
#define ABI_NOARG                  0xff
#define ABI_PATH_PLAIN             0x0
#define ABI_PATH_TWO               0x1
#define ABI_PATH_SYMLINK           0x2
#define ABI_PATH_CHDIR             0x3
#define ABI_PATH_EXEC              0x4
#define ABI_PATH_NULLFD            0x5
#define ABI_MSG_CALL               0x5
#define ABI_MSG_REPLY              0x6
#define ABI_CALL_FD1               0x1
#define ABI_CALL_FD2               0x2
#define ABI_CALL_PATH1             0x4
#define ABI_CALL_PATH2             0x8
#define ABI_CALL_SELF1             0x10
#define ABI_CALL_SINCE             0x20
#define ABI_CALL_DIR1              0x40
#define ABI_REPLY_DONE             0x0
#define ABI_REPLY_PASS             0x1
#define ABI_REPLY_HOST             0x2
#define ABI_REPLY_FD               0x3
#define ABI_REPLY_EXEC             0x4
#define ABI_REPLY_AGAIN            0x5
#define ABI_EXEC_HOST_LOADER       0x1
#define ABI_FD_VIRT                0x1
#define ABI_FD_SERVED              0x2
#define ABI_LISTING_CHUNK_HEADER   0x8
#define ABI_LISTING_MARK_SIZE      0x1
#define ABI_CLASS_HOOKED           0x80
#define ABI_MSG_HOOK               0x7
#define ABI_MSG_HOOK_DONE          0x8
#define ABI_REPLY_AFTER            0x5
#define ABI_REPLY_REWRITE          0x6
#define ABI_REWRITE_AFTER          0x8
#define ABI_FD_CLOEXEC             0x4
#define ABI_VIEW_MAGIC             0x57454956
#define ABI_VIEW_SIZE              0xa000000
#define ABI_VIEW_BUCKETS           0x40000
#define ABI_VIEW_ENTRIES           0x80000
#define ABI_VIEW_STARTS            0x400
#define ABI_VIEW_STARTS_OFF        0x1000
#define ABI_VIEW_BUCKETS_OFF       0x11000
#define ABI_VIEW_DATA_OFF          0x111000
#define ABI_VIEW_ENTRIES_OFF       0x211000
#define ABI_VIEW_HEAP_OFF          0x4e11000
#define ABI_VIEW_HEAP_SIZE         0x51ef000
#define ABI_VIEW_HASH_SEED         0x811c9dc5
#define ABI_VIEW_HASH_MUL          0x1000193
#define ABI_VIEW_HEADER_WANT_REPORTS 0x1
#define ABI_VIEW_USED              0x1
#define ABI_VIEW_COMPLETE          0x2
#define ABI_VIEW_STAT              0x4
#define ABI_VIEW_OPEN_DATA         0x8
#define ABI_VIEW_OPEN_HOST         0x10
#define ABI_VIEW_SEARCH            0x20
#define ABI_VIEW_RDONLY            0x40
#define ABI_MSG_CHAN               0xc
#define ABI_MSG_WAKE               0xd
#define ABI_CHAN_SIZE              0x4000
#define ABI_CHAN_ROOM              0x3fc0
#define ABI_CHAN_ON_SOCKET         0x0

/* System call numbers, from golang.org/x/sys/unix. */
#define SYS_read 0
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_stat 4
#define SYS_fstat 5
#define SYS_lstat 6
#define SYS_poll 7
#define SYS_lseek 8
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_brk 12
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn 15
#define SYS_ioctl 16
#define SYS_pread64 17
#define SYS_pwrite64 18
#define SYS_readv 19
#define SYS_writev 20
#define SYS_access 21
#define SYS_pipe 22
#define SYS_select 23
#define SYS_sched_yield 24
#define SYS_mremap 25
#define SYS_msync 26
#define SYS_mincore 27
#define SYS_madvise 28
#define SYS_shmget 29
#define SYS_shmat 30
#define SYS_shmctl 31
#define SYS_dup 32
#define SYS_dup2 33
#define SYS_pause 34
#define SYS_nanosleep 35
#define SYS_getitimer 36
#define SYS_alarm 37
#define SYS_setitimer 38
#define SYS_getpid 39
#define SYS_sendfile 40
#define SYS_socket 41
#define SYS_connect 42
#define SYS_accept 43
#define SYS_sendto 44
#define SYS_recvfrom 45
#define SYS_sendmsg 46
#define SYS_recvmsg 47
#define SYS_shutdown 48
#define SYS_bind 49
#define SYS_listen 50
#define SYS_getsockname 51
#define SYS_getpeername 52
#define SYS_socketpair 53
#define SYS_setsockopt 54
#define SYS_getsockopt 55
#define SYS_clone 56
#define SYS_fork 57
#define SYS_vfork 58
#define SYS_execve 59
#define SYS_exit 60
#define SYS_wait4 61
#define SYS_kill 62
#define SYS_uname 63
#define SYS_semget 64
#define SYS_semop 65
#define SYS_semctl 66
#define SYS_shmdt 67
#define SYS_msgget 68
#define SYS_msgsnd 69
#define SYS_msgrcv 70
#define SYS_msgctl 71
#define SYS_fcntl 72
#define SYS_flock 73
#define SYS_fsync 74
#define SYS_fdatasync 75
#define SYS_truncate 76
#define SYS_ftruncate 77
#define SYS_getdents 78
#define SYS_getcwd 79
#define SYS_chdir 80
#define SYS_fchdir 81
#define SYS_rename 82
#define SYS_mkdir 83
#define SYS_rmdir 84
#define SYS_creat 85
#define SYS_link 86
#define SYS_unlink 87
#define SYS_symlink 88
#define SYS_readlink 89
#define SYS_chmod 90
#define SYS_fchmod 91
#define SYS_chown 92
#define SYS_fchown 93
#define SYS_lchown 94
#define SYS_umask 95
#define SYS_gettimeofday 96
#define SYS_getrlimit 97
#define SYS_getrusage 98
#define SYS_sysinfo 99
#define SYS_times 100
#define SYS_ptrace 101
#define SYS_getuid 102
#define SYS_syslog 103
#define SYS_getgid 104
#define SYS_setuid 105
#define SYS_setgid 106
#define SYS_geteuid 107
#define SYS_getegid 108
#define SYS_setpgid 109
#define SYS_getppid 110
#define SYS_getpgrp 111
#define SYS_setsid 112
#define SYS_setreuid 113
#define SYS_setregid 114
#define SYS_getgroups 115
#define SYS_setgroups 116
#define SYS_setresuid 117
#define SYS_getresuid 118
#define SYS_setresgid 119
#define SYS_getresgid 120
#define SYS_getpgid 121
#define SYS_setfsuid 122
#define SYS_setfsgid 123
#define SYS_getsid 124
#define SYS_capget 125
#define SYS_capset 126
#define SYS_rt_sigpending 127
#define SYS_rt_sigtimedwait 128
#define SYS_rt_sigqueueinfo 129
#define SYS_rt_sigsuspend 130
#define SYS_sigaltstack 131
#define SYS_utime 132
#define SYS_mknod 133
#define SYS_uselib 134
#define SYS_personality 135
#define SYS_ustat 136
#define SYS_statfs 137
#define SYS_fstatfs 138
#define SYS_sysfs 139
#define SYS_getpriority 140
#define SYS_setpriority 141
#define SYS_sched_setparam 142
#define SYS_sched_getparam 143
#define SYS_sched_setscheduler 144
#define SYS_sched_getscheduler 145
#define SYS_sched_get_priority_max 146
#define SYS_sched_get_priority_min 147
#define SYS_sched_rr_get_interval 148
#define SYS_mlock 149
#define SYS_munlock 150
#define SYS_mlockall 151
#define SYS_munlockall 152
#define SYS_vhangup 153
#define SYS_modify_ldt 154
#define SYS_pivot_root 155
#define SYS__sysctl 156
#define SYS_prctl 157
#define SYS_arch_prctl 158
#define SYS_adjtimex 159
#define SYS_setrlimit 160
#define SYS_chroot 161
#define SYS_sync 162
#define SYS_acct 163
#define SYS_settimeofday 164
#define SYS_mount 165
#define SYS_umount2 166
#define SYS_swapon 167
#define SYS_swapoff 168
#define SYS_reboot 169
#define SYS_sethostname 170
#define SYS_setdomainname 171
#define SYS_iopl 172
#define SYS_ioperm 173
#define SYS_create_module 174
#define SYS_init_module 175
#define SYS_delete_module 176
#define SYS_get_kernel_syms 177
#define SYS_query_module 178
#define SYS_quotactl 179
#define SYS_nfsservctl 180
#define SYS_getpmsg 181
#define SYS_putpmsg 182
#define SYS_afs_syscall 183
#define SYS_tuxcall 184
#define SYS_security 185
#define SYS_gettid 186
#define SYS_readahead 187
#define SYS_setxattr 188
#define SYS_lsetxattr 189
#define SYS_fsetxattr 190
#define SYS_getxattr 191
#define SYS_lgetxattr 192
#define SYS_fgetxattr 193
#define SYS_listxattr 194
#define SYS_llistxattr 195
#define SYS_flistxattr 196
#define SYS_removexattr 197
#define SYS_lremovexattr 198
#define SYS_fremovexattr 199
#define SYS_tkill 200
#define SYS_time 201
#define SYS_futex 202
#define SYS_sched_setaffinity 203
#define SYS_sched_getaffinity 204
#define SYS_set_thread_area 205
#define SYS_io_setup 206
#define SYS_io_destroy 207
#define SYS_io_getevents 208
#define SYS_io_submit 209
#define SYS_io_cancel 210
#define SYS_get_thread_area 211
#define SYS_lookup_dcookie 212
#define SYS_epoll_create 213
#define SYS_epoll_ctl_old 214
#define SYS_epoll_wait_old 215
#define SYS_remap_file_pages 216
#define SYS_getdents64 217
#define SYS_set_tid_address 218
#define SYS_restart_syscall 219
#define SYS_semtimedop 220
#define SYS_fadvise64 221
#define SYS_timer_create 222
#define SYS_timer_settime 223
#define SYS_timer_gettime 224
#define SYS_timer_getoverrun 225
#define SYS_timer_delete 226
#define SYS_clock_settime 227
#define SYS_clock_gettime 228
#define SYS_clock_getres 229
#define SYS_clock_nanosleep 230
#define SYS_exit_group 231
#define SYS_epoll_wait 232
#define SYS_epoll_ctl 233
#define SYS_tgkill 234
#define SYS_utimes 235
#define SYS_vserver 236
#define SYS_mbind 237
#define SYS_set_mempolicy 238
#define SYS_get_mempolicy 239
#define SYS_mq_open 240
#define SYS_mq_unlink 241
#define SYS_mq_timedsend 242
#define SYS_mq_timedreceive 243
#define SYS_mq_notify 244
#define SYS_mq_getsetattr 245
#define SYS_kexec_load 246
#define SYS_waitid 247
#define SYS_add_key 248
#define SYS_request_key 249
#define SYS_keyctl 250
#define SYS_ioprio_set 251
#define SYS_ioprio_get 252
#define SYS_inotify_init 253
#define SYS_inotify_add_watch 254
#define SYS_inotify_rm_watch 255
#define SYS_migrate_pages 256
#define SYS_openat 257
#define SYS_mkdirat 258
#define SYS_mknodat 259
#define SYS_fchownat 260
#define SYS_futimesat 261
#define SYS_newfstatat 262
#define SYS_unlinkat 263
#define SYS_renameat 264
#define SYS_linkat 265
#define SYS_symlinkat 266
#define SYS_readlinkat 267
#define SYS_fchmodat 268
#define SYS_faccessat 269
#define SYS_pselect6 270
#define SYS_ppoll 271
#define SYS_unshare 272
#define SYS_set_robust_list 273
#define SYS_get_robust_list 274
#define SYS_splice 275
#define SYS_tee 276
#define SYS_sync_file_range 277
#define SYS_vmsplice 278
#define SYS_move_pages 279
#define SYS_utimensat 280
#define SYS_epoll_pwait 281
#define SYS_signalfd 282
#define SYS_timerfd_create 283
#define SYS_eventfd 284
#define SYS_fallocate 285
#define SYS_timerfd_settime 286
#define SYS_timerfd_gettime 287
#define SYS_accept4 288
#define SYS_signalfd4 289
#define SYS_eventfd2 290
#define SYS_epoll_create1 291
#define SYS_dup3 292
#define SYS_pipe2 293
#define SYS_inotify_init1 294
#define SYS_preadv 295
#define SYS_pwritev 296
#define SYS_rt_tgsigqueueinfo 297
#define SYS_perf_event_open 298
#define SYS_recvmmsg 299
#define SYS_fanotify_init 300
#define SYS_fanotify_mark 301
#define SYS_prlimit64 302
#define SYS_name_to_handle_at 303
#define SYS_open_by_handle_at 304
#define SYS_clock_adjtime 305
#define SYS_syncfs 306
#define SYS_sendmmsg 307
#define SYS_setns 308
#define SYS_getcpu 309
#define SYS_process_vm_readv 310
#define SYS_process_vm_writev 311
#define SYS_kcmp 312
#define SYS_finit_module 313
#define SYS_sched_setattr 314
#define SYS_sched_getattr 315
#define SYS_renameat2 316
#define SYS_seccomp 317
#define SYS_getrandom 318
#define SYS_memfd_create 319
#define SYS_kexec_file_load 320
#define SYS_bpf 321
#define SYS_execveat 322
#define SYS_userfaultfd 323
#define SYS_membarrier 324
#define SYS_mlock2 325
#define SYS_copy_file_range 326
#define SYS_preadv2 327
#define SYS_pwritev2 328
#define SYS_pkey_mprotect 329
#define SYS_pkey_alloc 330
#define SYS_pkey_free 331
#define SYS_statx 332
#define SYS_io_pgetevents 333
#define SYS_rseq 334
#define SYS_uretprobe 335
#define SYS_uprobe 336
#define SYS_pidfd_send_signal 424
#define SYS_io_uring_setup 425
#define SYS_io_uring_enter 426
#define SYS_io_uring_register 427
#define SYS_open_tree 428
#define SYS_move_mount 429
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#define SYS_fspick 433
#define SYS_pidfd_open 434
#define SYS_clone3 435
#define SYS_close_range 436
#define SYS_openat2 437
#define SYS_pidfd_getfd 438
#define SYS_faccessat2 439
#define SYS_process_madvise 440
#define SYS_epoll_pwait2 441
#define SYS_mount_setattr 442
#define SYS_quotactl_fd 443
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#define SYS_memfd_secret 447
#define SYS_process_mrelease 448
#define SYS_futex_waitv 449
#define SYS_set_mempolicy_home_node 450
#define SYS_cachestat 451
#define SYS_fchmodat2 452
#define SYS_map_shadow_stack 453
#define SYS_futex_wake 454
#define SYS_futex_wait 455
#define SYS_futex_requeue 456
#define SYS_statmount 457
#define SYS_listmount 458
#define SYS_lsm_get_self_attr 459
#define SYS_lsm_set_self_attr 460
#define SYS_lsm_list_modules 461
#define SYS_mseal 462
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#define SYS_open_tree_attr 467
#define SYS_file_getattr 468
#define SYS_file_setattr 469
#define SYS_listns 470
#define SYS_rseq_slice_yield 471

/* Kernel constants the stub uses, from golang.org/x/sys/unix. */
#define PROT_READ            0x1
#define PROT_WRITE           0x2
#define PROT_EXEC            0x4
#define MAP_SHARED           0x1
#define MAP_PRIVATE          0x2
#define MAP_FIXED            0x10
#define MAP_ANONYMOUS        0x20
#define MAP_FIXED_NOREPLACE  0x100000
#define MAP_POPULATE         0x8000
#define MADV_POPULATE_WRITE  0x17
#define MADV_GUARD_INSTALL   0x66
#define O_RDONLY             0x0
#define O_CLOEXEC            0x80000
#define AF_UNIX              0x1
#define SOCK_SEQPACKET       0x5
#define SOCK_CLOEXEC         0x80000
#define MSG_NOSIGNAL         0x4000
#define MSG_PEEK             0x2
#define MSG_DONTWAIT         0x40
#define MSG_TRUNC            0x20
#define SEEK_SET             0x0
#define SEEK_CUR             0x1
#define SIG_BLOCK            0x0
#define SIG_SETMASK          0x2
#define CLONE_VM             0x100
#define CLONE_VFORK          0x4000
#define ARCH_SET_GS          0x1001
#define AT_HWCAP2            0x1a
#define HWCAP2_FSGSBASE      0x2
#define FUTEX_WAIT_PRIVATE   0x80
#define FUTEX_WAIT           0x0
#define FUTEX_WAKE           0x1
#define MADV_DONTFORK        0xa
#define ETIMEDOUT            0x6e
#define EAGAIN               0xb
#define EPIPE                0x20
#define PROCMAP_QUERY        0xc0686611
#define PROCMAP_QUERY_VMA_SHARED 0x8
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10
#define PROCMAP_QUERY_VMA_EXECUTABLE 0x4
#define E2BIG                0x7
#define EEXIST               0x11
#define EFAULT               0xe
#define EINTR                0x4
#define EINVAL               0x16
#define ENAMETOOLONG         0x24
#define ENOMEM               0xc
#define ESRCH                0x3
#define ENOSYS               0x26
#define ENOENT               0x2
#define EXDEV                0x12
#define EIO                  0x5
#define EBADF                0x9
#define ERANGE               0x22
#define ENOTTY               0x19
#define ENOTDIR              0x14
#define EMFILE               0x18
#define ENFILE               0x17
#define ELOOP                0x28
#define AT_FDCWD             -0x64
#define AT_EMPTY_PATH        0x1000
#define O_CREAT              0x40
#define O_WRONLY             0x1
#define O_TRUNC              0x200
#define SOL_SOCKET           0x1
#define SCM_RIGHTS           0x1
#define MSG_CMSG_CLOEXEC     0x40000000
#define F_DUPFD              0x0
#define F_DUPFD_CLOEXEC      0x406
#define F_GETFD              0x1
#define F_SETFD              0x2
#define F_GETFL              0x3
#define FD_CLOEXEC           0x1
#define CLOSE_RANGE_CLOEXEC  0x4
#define CLOSE_RANGE_UNSHARE  0x2
#define O_ACCMODE            0x3
#define O_PATH               0x200000
#define O_DIRECTORY          0x10000
#define O_NOFOLLOW           0x20000
#define O_NOATIME            0x40000
#define O_TMPFILE            0x410000
#define O_NONBLOCK           0x800
#define O_NOCTTY             0x100
#define O_LARGEFILE          0x0
#define AT_SYMLINK_NOFOLLOW  0x100
#define AT_EACCESS           0x200
#define AT_NO_AUTOMOUNT      0x800
#define AT_STATX_SYNC_TYPE   0x6000
#define STATX_BASIC_STATS    0x7ff
#define STATX__RESERVED      0x80000000
#define S_IFMT               0xf000
#define S_IFDIR              0x4000
#define S_IFREG              0x8000
#define S_IFLNK              0xa000
#define S_ISUID              0x800
#define S_ISGID              0x400
#define S_IXGRP              0x8
#define EACCES               0xd
#define EROFS                0x1e
#define ENODATA              0x3d
#define R_OK                 0x4
#define W_OK                 0x2
#define X_OK                 0x1
#define CAP_DAC_OVERRIDE     0x1
#define CAP_DAC_READ_SEARCH  0x2
#define LINUX_CAPABILITY_VERSION_3 0x20080522
#define PR_SET_NO_NEW_PRIVS  0x26
#define SECCOMP_SET_MODE_FILTER 0x1
#define SECCOMP_FILTER_FLAG_NEW_LISTENER 0x8
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV 0x20
#define PT_INTERP            0x3
#define ET_EXEC              0x2
#define ET_DYN               0x3

#define ABI_ENV_SOCKET             "ZVFS_SOCK"
#define ABI_ENV_LIB                "ZVFS_LIB"
#define ABI_ENV_MOUNTS             "ZVFS_MOUNTS"
#define ABI_ENV_CWD                "ZVFS_CWD"
#define ABI_ENV_FDS                "ZVFS_FDS"
#define ABI_ENV_EXE                "ZVFS_EXE"
#define ABI_ENV_HOOKS              "ZVFS_HOOKS"
#define ABI_ENV_VIEW               "ZVFS_VIEW"
#define ABI_ENV_NET                "ZVFS_NET"
#define ABI_MODE_XATTR             "user.zvfs.mode"

#ifndef __ASSEMBLER__
typedef unsigned char abi_u8;
typedef unsigned short abi_u16;
typedef unsigned int abi_u32;
typedef int abi_i32;
typedef unsigned long long abi_u64;
typedef long long abi_i64;

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

struct abi_call_fixed {
	abi_u32 nr;
	abi_u32 flags;
	abi_u64 args[6];
	abi_u32 path1_len;
	abi_u32 path2_len;
	abi_u32 umask;
	abi_u32 since;
	abi_u32 dir1_len;
	abi_u32 pad0;
	abi_u64 dir1_dev;
	abi_u64 dir1_ino;
};
_Static_assert(sizeof(struct abi_call_fixed) == 96, "abi_call_fixed size");

struct abi_reply_fixed {
	abi_i64 ret;
	abi_u32 action;
	abi_u32 fd;
	abi_u32 len1;
	abi_u32 len2;
};
_Static_assert(sizeof(struct abi_reply_fixed) == 24, "abi_reply_fixed size");

struct abi_pathcall {
	abi_u8 dir1;
	abi_u8 path1;
	abi_u8 dir2;
	abi_u8 path2;
	abi_u8 flags;
	abi_u8 kind;
};
_Static_assert(sizeof(struct abi_pathcall) == 6, "abi_pathcall size");

struct abi_hook_fixed {
	abi_u32 nr;
	abi_i32 tid;
	abi_u64 args[6];
};
_Static_assert(sizeof(struct abi_hook_fixed) == 56, "abi_hook_fixed size");

struct abi_hook_done_fixed {
	abi_u64 token;
	abi_i64 ret;
};
_Static_assert(sizeof(struct abi_hook_done_fixed) == 16, "abi_hook_done_fixed size");

struct abi_rewrite_fixed {
	abi_u32 mask;
	abi_u32 path_arg;
	abi_u64 args[6];
};
_Static_assert(sizeof(struct abi_rewrite_fixed) == 56, "abi_rewrite_fixed size");

struct abi_view_header {
	abi_u32 magic;
	abi_u32 seq;
	abi_u32 pid;
	abi_u32 flags;
	abi_u32 moves;
	abi_u32 pad0;
};
_Static_assert(sizeof(struct abi_view_header) == 24, "abi_view_header size");

struct abi_view_entry {
	abi_u32 next;
	abi_u32 hash;
	abi_u32 flags;
	abi_u32 mode;
	abi_u32 uid;
	abi_u32 gid;
	abi_u32 path_off;
	abi_u32 path_len;
	abi_u32 target_off;
	abi_u32 target_len;
	abi_i32 data_fd;
	abi_u32 mount;
	abi_u64 dev;
	abi_u64 ino;
	abi_u64 nlink;
	abi_i64 size;
	abi_i64 blocks;
	abi_i64 atime;
	abi_i64 mtime;
	abi_i64 ctime;
	abi_u32 atime_nsec;
	abi_u32 mtime_nsec;
	abi_u32 ctime_nsec;
	abi_u32 pad0;
	abi_u64 data_dev;
	abi_u64 data_ino;
	abi_u32 data_next;
	abi_u32 pad1;
};
_Static_assert(sizeof(struct abi_view_entry) == 152, "abi_view_entry size");

struct abi_view_start {
	abi_u64 dev;
	abi_u64 ino;
	abi_i64 size;
	abi_i64 mtime;
	abi_i64 ctime;
	abi_u32 blob_off;
	abi_u32 nsites;
	abi_u32 copy_len;
	abi_u32 flags;
	abi_u64 pad0;
};
_Static_assert(sizeof(struct abi_view_start) == 64, "abi_view_start size");

struct abi_chan_header {
	abi_u32 req;
	abi_u32 rep;
	abi_u32 req_len;
	abi_u32 rep_len;
	abi_u32 gone;
	abi_u32 parked;
	abi_u64 _[5];
};
_Static_assert(sizeof(struct abi_chan_header) == 64, "abi_chan_header size");

static const abi_u8 abi_class_table[ABI_NSLOTS] = {
	0,0,0,0,0,0,0,0,0,6,11,11,11,0,0,2,0,0,0,0,0,0,0,0,0,11,0,0,11,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3,1,4,1,1,0,0,0,
	0,0,0,11,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,1,0,0,0,0,0,0,11,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,5,0,0,0,0,11,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
};
static const abi_u8 abi_kept_class_table[ABI_NSLOTS] = {
	0,0,0,8,0,0,0,0,0,6,11,11,11,0,0,2,0,0,0,0,0,0,0,0,0,11,0,0,11,0,0,0,
	0,9,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3,1,4,1,1,0,0,0,
	0,0,0,11,0,0,0,0,8,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,9,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,1,0,0,0,0,0,0,11,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,5,7,0,0,0,11,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
};
static const abi_u8 abi_vfs_class_table[ABI_NSLOTS] = {
	10,10,7,8,7,8,7,0,10,6,11,11,11,0,0,2,8,10,10,10,10,7,0,0,0,11,0,0,11,0,0,0,
	8,9,0,0,0,0,0,0,0,0,7,0,0,0,0,0,0,7,0,7,0,0,0,0,3,1,4,1,1,0,0,0,
	0,0,0,11,0,0,0,0,8,0,10,10,7,10,8,7,7,8,7,7,7,7,7,7,7,7,7,8,7,8,7,7,
	0,0,0,0,0,0,0,0,0,7,7,0,0,0,0,0,0,7,7,0,7,7,0,7,0,0,7,7,0,0,7,0,
	0,0,0,0,7,7,0,0,0,7,8,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,7,7,8,7,
	7,8,7,7,8,7,7,8,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,8,0,0,0,0,0,0,
	0,0,0,0,0,0,0,1,0,0,0,7,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,7,0,
	0,7,7,7,7,7,7,7,7,7,7,7,7,7,0,0,0,0,0,0,0,0,0,0,7,0,0,0,0,10,0,0,
	0,0,0,0,9,0,0,10,10,0,0,0,0,0,0,7,0,0,0,0,0,0,0,0,0,0,0,0,7,0,0,0,
	0,0,1,0,0,0,0,10,10,11,0,0,7,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,7,0,0,0,0,0,0,0,0,0,5,7,7,0,7,11,0,0,0,0,0,0,0,
	0,0,0,0,7,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
};
/* Calls that change credentials, by number. */
static const abi_u8 abi_cred_calls[ABI_NSLOTS] = {
	[SYS_setuid] = 1,
	[SYS_setgid] = 1,
	[SYS_setreuid] = 1,
	[SYS_setregid] = 1,
	[SYS_setresuid] = 1,
	[SYS_setresgid] = 1,
	[SYS_setfsuid] = 1,
	[SYS_setfsgid] = 1,
	[SYS_setgroups] = 1,
	[SYS_capset] = 1,
};
/* Where the path-taking calls keep their arguments, by number. */
static const struct abi_pathcall abi_pathcalls[ABI_NSLOTS] = {
	[SYS_open] = {255, 0, 255, 255, 255, 0},
	[SYS_stat] = {255, 0, 255, 255, 255, 0},
	[SYS_lstat] = {255, 0, 255, 255, 255, 0},
	[SYS_access] = {255, 0, 255, 255, 255, 0},
	[SYS_execve] = {255, 0, 255, 255, 255, 4},
	[SYS_truncate] = {255, 0, 255, 255, 255, 0},
	[SYS_chdir] = {255, 0, 255, 255, 255, 3},
	[SYS_rename] = {255, 0, 255, 1, 255, 1},
	[SYS_mkdir] = {255, 0, 255, 255, 255, 0},
	[SYS_rmdir] = {255, 0, 255, 255, 255, 0},
	[SYS_creat] = {255, 0, 255, 255, 255, 0},
	[SYS_link] = {255, 0, 255, 1, 255, 1},
	[SYS_unlink] = {255, 0, 255, 255, 255, 0},
	[SYS_symlink] = {255, 0, 255, 1, 255, 2},
	[SYS_readlink] = {255, 0, 255, 255, 255, 0},
	[SYS_chmod] = {255, 0, 255, 255, 255, 0},
	[SYS_chown] = {255, 0, 255, 255, 255, 0},
	[SYS_lchown] = {255, 0, 255, 255, 255, 0},
	[SYS_utime] = {255, 0, 255, 255, 255, 0},
	[SYS_mknod] = {255, 0, 255, 255, 255, 0},
	[SYS_statfs] = {255, 0, 255, 255, 255, 0},
	[SYS_setxattr] = {255, 0, 255, 255, 255, 0},
	[SYS_lsetxattr] = {255, 0, 255, 255, 255, 0},
	[SYS_getxattr] = {255, 0, 255, 255, 255, 0},
	[SYS_lgetxattr] = {255, 0, 255, 255, 255, 0},
	[SYS_listxattr] = {255, 0, 255, 255, 255, 0},
	[SYS_llistxattr] = {255, 0, 255, 255, 255, 0},
	[SYS_removexattr] = {255, 0, 255, 255, 255, 0},
	[SYS_lremovexattr] = {255, 0, 255, 255, 255, 0},
	[SYS_utimes] = {255, 0, 255, 255, 255, 0},
	[SYS_inotify_add_watch] = {255, 1, 255, 255, 255, 0},
	[SYS_openat] = {0, 1, 255, 255, 255, 0},
	[SYS_mkdirat] = {0, 1, 255, 255, 255, 0},
	[SYS_mknodat] = {0, 1, 255, 255, 255, 0},
	[SYS_fchownat] = {0, 1, 255, 255, 4, 0},
	[SYS_futimesat] = {0, 1, 255, 255, 255, 5},
	[SYS_newfstatat] = {0, 1, 255, 255, 3, 0},
	[SYS_unlinkat] = {0, 1, 255, 255, 255, 0},
	[SYS_renameat] = {0, 1, 2, 3, 255, 1},
	[SYS_linkat] = {0, 1, 2, 3, 4, 1},
	[SYS_symlinkat] = {255, 0, 1, 2, 255, 2},
	[SYS_readlinkat] = {0, 1, 255, 255, 255, 0},
	[SYS_fchmodat] = {0, 1, 255, 255, 255, 0},
	[SYS_faccessat] = {0, 1, 255, 255, 255, 0},
	[SYS_utimensat] = {0, 1, 255, 255, 3, 5},
	[SYS_name_to_handle_at] = {0, 1, 255, 255, 4, 0},
	[SYS_renameat2] = {0, 1, 2, 3, 255, 1},
	[SYS_execveat] = {0, 1, 255, 255, 4, 4},
	[SYS_statx] = {0, 1, 255, 255, 2, 0},
	[SYS_openat2] = {0, 1, 255, 255, 255, 0},
	[SYS_faccessat2] = {0, 1, 255, 255, 3, 0},
	[SYS_fchmodat2] = {0, 1, 255, 255, 3, 0},
};
/* The ioctls that change a file (FileFlagIoctls). */
#define ABI_NFILE_FLAG_IOCTLS 6
static const abi_u32 abi_file_flag_ioctls[ABI_NFILE_FLAG_IOCTLS] = {0x40086602, 0x40046602, 0x40087602, 0x40047602, 0x401c5820, 0x40806685};
/* The seccomp net's filter (NetFilter), as struct sock_filter records. */
struct abi_sock_filter {
	abi_u16 code;
	abi_u8 jt, jf;
	abi_u32 k;
};
#define ABI_NET_FILTER_LEN 100
static const struct abi_sock_filter abi_net_filter[ABI_NET_FILTER_LEN] = {
	{0x20, 0, 0, 0x4},
	{0x15, 0, 97, 0xc000003e},
	{0x20, 0, 0, 0x0},
	{0x45, 95, 0, 0x40000000},
	{0x15, 94, 0, 0x1a9},
	{0x15, 79, 0, 0x10},
	{0x15, 86, 0, 0x2},
	{0x15, 85, 0, 0x4},
	{0x15, 84, 0, 0x5},
	{0x15, 83, 0, 0x6},
	{0x15, 82, 0, 0x8},
	{0x15, 81, 0, 0x15},
	{0x15, 80, 0, 0x2a},
	{0x15, 79, 0, 0x31},
	{0x15, 78, 0, 0x3b},
	{0x15, 77, 0, 0x4c},
	{0x15, 76, 0, 0x4e},
	{0x15, 75, 0, 0x4f},
	{0x15, 74, 0, 0x50},
	{0x15, 73, 0, 0x51},
	{0x15, 72, 0, 0x52},
	{0x15, 71, 0, 0x53},
	{0x15, 70, 0, 0x54},
	{0x15, 69, 0, 0x55},
	{0x15, 68, 0, 0x56},
	{0x15, 67, 0, 0x57},
	{0x15, 66, 0, 0x58},
	{0x15, 65, 0, 0x59},
	{0x15, 64, 0, 0x5a},
	{0x15, 63, 0, 0x5b},
	{0x15, 62, 0, 0x5c},
	{0x15, 61, 0, 0x5d},
	{0x15, 60, 0, 0x5e},
	{0x15, 59, 0, 0x5f},
	{0x15, 58, 0, 0x69},
	{0x15, 57, 0, 0x6a},
	{0x15, 56, 0, 0x71},
	{0x15, 55, 0, 0x72},
	{0x15, 54, 0, 0x74},
	{0x15, 53, 0, 0x75},
	{0x15, 52, 0, 0x77},
	{0x15, 51, 0, 0x7a},
	{0x15, 50, 0, 0x7b},
	{0x15, 49, 0, 0x7e},
	{0x15, 48, 0, 0x84},
	{0x15, 47, 0, 0x85},
	{0x15, 46, 0, 0x89},
	{0x15, 45, 0, 0x8a},
	{0x15, 44, 0, 0xbc},
	{0x15, 43, 0, 0xbd},
	{0x15, 42, 0, 0xbe},
	{0x15, 41, 0, 0xbf},
	{0x15, 40, 0, 0xc0},
	{0x15, 39, 0, 0xc1},
	{0x15, 38, 0, 0xc2},
	{0x15, 37, 0, 0xc3},
	{0x15, 36, 0, 0xc4},
	{0x15, 35, 0, 0xc5},
	{0x15, 34, 0, 0xc6},
	{0x15, 33, 0, 0xc7},
	{0x15, 32, 0, 0xd9},
	{0x15, 31, 0, 0xeb},
	{0x15, 30, 0, 0xfe},
	{0x15, 29, 0, 0x101},
	{0x15, 28, 0, 0x102},
	{0x15, 27, 0, 0x103},
	{0x15, 26, 0, 0x104},
	{0x15, 25, 0, 0x105},
	{0x15, 24, 0, 0x106},
	{0x15, 23, 0, 0x107},
	{0x15, 22, 0, 0x108},
	{0x15, 21, 0, 0x109},
	{0x15, 20, 0, 0x10a},
	{0x15, 19, 0, 0x10b},
	{0x15, 18, 0, 0x10c},
	{0x15, 17, 0, 0x10d},
	{0x15, 16, 0, 0x118},
	{0x15, 15, 0, 0x12f},
	{0x15, 14, 0, 0x13c},
	{0x15, 13, 0, 0x142},
	{0x15, 12, 0, 0x14c},
	{0x15, 11, 0, 0x1b5},
	{0x15, 10, 0, 0x1b7},
	{0x15, 9, 0, 0x1c4},
	{0x6, 0, 0, 0x7fff0000},
	{0x20, 0, 0, 0x18},
	{0x15, 6, 0, 0x40086602},
	{0x15, 5, 0, 0x40046602},
	{0x15, 4, 0, 0x40087602},
	{0x15, 3, 0, 0x40047602},
	{0x15, 2, 0, 0x401c5820},
	{0x15, 1, 0, 0x40806685},
	{0x6, 0, 0, 0x7fff0000},
	{0x20, 0, 0, 0xc},
	{0x15, 0, 3, 0x0},
	{0x20, 0, 0, 0x8},
	{0x15, 0, 1, 0x212},
	{0x6, 0, 0, 0x7fff0000},
	{0x6, 0, 0, 0x7fc00000},
	{0x6, 0, 0, 0x50026},
};
#endif

#endif
