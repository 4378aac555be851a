/* vfs.h — what the files of the stub's virtual file system share (vfs.c:
 * the calls; vfs_fds.c: the descriptor bitmaps; vfs_paths.c: paths and the
 * working directory; vfs_exec.c: exec and the state passed on at exec). */
#ifndef ZVFS_VFS_H
#define ZVFS_VFS_H
#include "zvfs.h"

#define MAX_MOUNTS 64

struct vfs_state {
	/* The small fields first, then the start of mounts: one page (each
	 * page of the stub's data a process touches is a fault at its start). */
	int on;
	unsigned umask;
	int nmounts;
	/* Working directory: vcwd when virtual (vcwd[0] == '/'), else the host
	 * one as getcwd gave it, to join relative paths with. cwd_seq is odd
	 * while a writer changes them. */
	unsigned cwd_seq;
	int cwd_lock;
	/* The view's moves count when vcwd was last checked (cwd_follow) and
	 * when it was last known true, and whether the directory was removed
	 * since: then cwd_true is what the supervisor replays to it. */
	unsigned cwd_moves, cwd_true;
	int cwd_gone;
	unsigned short mlen[MAX_MOUNTS];
	unsigned short moff[MAX_MOUNTS];
	char mounts[PATH_MAX_];
	char hcwd[PATH_MAX_];
	char vcwd[PATH_MAX_];
	char exe[PATH_MAX_]; /* the program's path if it is stored in a mount (EnvExe), else "" */
};
extern struct vfs_state vs;

/* One path argument as the stub sees it. */
enum { P_HOST, P_HOST_ABS, P_VIRT, P_VIRT_FD, P_SELF };
struct path {
	int kind;
	long fd;              /* P_SELF: the descriptor the path names */
	int parent_only;      /* virtual only to list mount points in a host directory */
	int gone_cwd;         /* "." in a removed working directory: s is what it was (CALL_SINCE) */
	int exe_link;         /* this process's /proc/self/exe (also thread-self's, its PID's) */
	int other_fd;         /* another process's /proc/PID/fd/N */
	long len;             /* of s */
	/* ABI_CALL_DIR1: s was relative to a directory descriptor, and is
	 * now that directory's path (its first dir_len bytes), joined with
	 * it; the directory's identity, as the view gave it. */
	unsigned long dir_len, dir_dev, dir_ino;
	char s[PATH_MAX_ * 2]; /* the path as sent: absolute, or relative to a virtual dirfd */
};

/* vfs_fds.c (fd_bits: zvfs.h) */
int may_track(void);
void fd_set(long fd, int bits);
/* fd_dup gives to, a duplicate of fd, fd's bits and what the view noted
 * of it; fd_note_dir has the view note fd, a directory the supervisor
 * opened (inode ino) by the absolute path path (view_note_dir). */
void fd_dup(long fd, long to, int bits);
void fd_note_dir(long fd, const char *path, unsigned long n, unsigned long ino);
/* listing_read answers getdents (getdents64 if is64) of the served
 * directory fd into buf from the chunks queued in its placeholder: bytes,
 * -errno, VIEW_ASK when none is queued, or LISTING_RESEEK when the next
 * chunk does not fit: the queue is dropped and *pos is its position, to
 * lseek to before asking. */
#define LISTING_RESEEK (-100001L)
long listing_read(long fd, unsigned long buf, unsigned long count, int is64, unsigned long *pos);
/* listing_drop empties fd's queue; 1 (with *pos, the position of the first
 * record left unread) if it held records, else 0. */
long listing_drop(long fd, unsigned long *pos);

/* vfs_paths.c */
int under_mount(const char *c, unsigned long n);
int mount_parent(const char *c, unsigned long n);
unsigned long cwd_copy(char *out, int *virt);
void cwd_set(const char *dir, unsigned long n, int virt);
void cwd_change(const char *dir, unsigned long n, int virt);
/* cwd_follow brings a virtual working directory up to date with the
 * directory renames and removals made since it was set; 1 if it was
 * removed. */
int cwd_follow(void);
#define CWD_MOVES_UNSET (~0u) /* cwd_view_ready (zvfs.h) */
long upath(unsigned long u, char *raw);
long classify(struct path *p, unsigned long u, long dirfd, int empty_ok, int opens);

/* vfs.c */
long request(unsigned nr, unsigned flags, const struct frame *f, const struct path *p1, const struct path *p2,
	     const int *fds, int n, struct reply *rep);
const char *str2(const struct reply *rep);
long path_call(struct frame *f, const unsigned long *mask, int depth);

/* vfs_exec.c */
long vfs_exec_host(struct frame *f, const unsigned long *mask, const char *s);
long vfs_exec_virtual(struct frame *f, const unsigned long *mask, struct reply *rep, int depth);
#endif
