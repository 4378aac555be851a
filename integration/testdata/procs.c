/* procs: fork, vfork, posix_spawn, system(), raw clone3 with and without a
 * new stack; prints what each child reports, in order. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile int shared_flag;

static int vm_child(void)
{
	shared_flag = 7;
	return 9;
}

/* raw_clone3 issues clone3 with a new stack; the child calls fn there and
 * exits with its result, the way a libc would. */
__attribute__((noinline)) static long raw_clone3(void *args, unsigned long size, int (*fn)(void))
{
	long r;
	__asm__ volatile("movq %[fn], %%r12\n"
			 "movl $435, %%eax\n"
			 "syscall\n"
			 "testq %%rax, %%rax\n"
			 "jnz 1f\n"
			 "call *%%r12\n"
			 "movl %%eax, %%edi\n"
			 "movl $60, %%eax\n"
			 "syscall\n"
			 "1:\n"
			 : "=a"(r)
			 : "D"(args), "S"(size), [fn] "r"(fn)
			 : "rcx", "r11", "r12", "memory");
	return r;
}

static int thread_fn(void *arg)
{
	shared_flag = 42;
	syscall(SYS_getppid);
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int st;
	pid_t p = fork();
	if (p == 0) {
		printf("fork child\n");
		_exit(3);
	}
	waitpid(p, &st, 0);
	printf("fork status %d\n", WEXITSTATUS(st));

	p = vfork();
	if (p == 0)
		_exit(4);
	waitpid(p, &st, 0);
	printf("vfork status %d\n", WEXITSTATUS(st));

	p = vfork();
	if (p == 0) {
		char *argv[] = {"echo", "vfork exec", NULL};
		execve("/bin/echo", argv, environ);
		_exit(127);
	}
	waitpid(p, &st, 0);
	printf("vfork+exec status %d\n", WEXITSTATUS(st));

	char *argv[] = {"echo", "spawned", NULL};
	if (posix_spawn(&p, "/bin/echo", NULL, NULL, argv, environ) != 0)
		return 1;
	waitpid(p, &st, 0);
	printf("spawn status %d\n", WEXITSTATUS(st));

	st = system("echo from system; exit 5");
	printf("system status %d\n", WEXITSTATUS(st));

	/* clone3 without a stack: fork-like */
	struct clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.exit_signal = SIGCHLD;
	long r = syscall(SYS_clone3, &ca, sizeof ca);
	if (r == 0) {
		printf("clone3 child\n");
		_exit(6);
	}
	waitpid((pid_t)r, &st, 0);
	printf("clone3 status %d\n", WEXITSTATUS(st));

	/* clone with CLONE_VM and a new stack: thread-like child sharing memory */
	size_t sz = 1 << 16;
	char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = clone(thread_fn, stack + sz, CLONE_VM | SIGCHLD, NULL);
	waitpid(p, &st, 0);
	printf("clone(CLONE_VM) status %d flag %d\n", WEXITSTATUS(st), shared_flag);

	/* clone3 as posix_spawn uses it (CLONE_VM|CLONE_VFORK, own stack),
	 * with an oversized, zero-padded argument struct */
	struct {
		struct clone_args a;
		char pad[512 - sizeof(struct clone_args)];
	} big;
	memset(&big, 0, sizeof big);
	big.a.flags = CLONE_VM | CLONE_VFORK;
	big.a.exit_signal = SIGCHLD;
	big.a.stack = (unsigned long)stack;
	big.a.stack_size = sz;
	r = raw_clone3(&big, sizeof big, vm_child);
	waitpid((pid_t)r, &st, 0);
	printf("clone3(CLONE_VM|CLONE_VFORK) status %d flag %d\n", WEXITSTATUS(st), shared_flag);
	big.pad[100] = 1;
	r = raw_clone3(&big, sizeof big, vm_child);
	printf("clone3 with a non-zero tail: %s\n", r == -E2BIG ? "E2BIG" : "other");
	return 0;
}
