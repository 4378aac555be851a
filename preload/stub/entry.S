/* entry.S — the hook entry every rewritten syscall site reaches, and the one
 * raw system-call helper all of the stub's C code uses.
 *
 * A site `syscall` became `call *%rax`: the call pushed the return address R
 * (site + 2) at the caller's rsp-8, a slot the site analysis proved dead, and
 * jumped into the NOP sled at address %rax, which slid into zvfs_entry. Here
 * %rcx and %r11 are free (the kernel clobbers them on syscall anyway); every
 * other register is the caller's. The fast path touches no stack at all. */

#include "zvfs.h"


	.text

/* long zvfs_raw(long nr, long a1, ..., long a6). Every call the stub issues
 * that the seccomp net could catch leaves through the gate, zvfs_gate:
 * `jmp *zvfs_gate(%rip)` stands for `syscall; ret` below. */
	.globl	zvfs_raw
	.hidden	zvfs_raw
	.type	zvfs_raw, @function
	.p2align 4
zvfs_raw:
	movq	zvfs_gate(%rip), %r11 /* %r11: where to issue it (the kernel clobbers it anyway) */
.Lissue:
	movq	%rdi, %rax
	movq	%rsi, %rdi
	movq	%rdx, %rsi
	movq	%rcx, %rdx
	movq	%r8, %r10
	movq	%r9, %r8
	movq	8(%rsp), %r9
	jmp	*%r11
	.size	zvfs_raw, . - zvfs_raw

/* long zvfs_netcall(long nr, long a1, ..., long a6): zvfs_raw, but from
 * this text, never from the gate: a process that carries the seccomp net
 * sends it to the supervisor as a call of the program's. */
	.globl	zvfs_netcall
	.hidden	zvfs_netcall
	.type	zvfs_netcall, @function
	.p2align 4
zvfs_netcall:
	leaq	.Ldirect(%rip), %r11
	jmp	.Lissue
	.size	zvfs_netcall, . - zvfs_netcall

/* The gate the stub's calls go through: `syscall; ret` in this text until
 * the trampoline is mapped, then the copy at ABI_GATE_ADDR (init.c), the
 * one address whose calls the seccomp net lets through. */
	.p2align 4
.Ldirect:
	syscall
	ret

	.data
	.p2align 3
	.globl	zvfs_gate
	.hidden	zvfs_gate
zvfs_gate:
	.quad	.Ldirect
	.text

	.globl	zvfs_entry
	.hidden	zvfs_entry
	.type	zvfs_entry, @function
	.p2align 4
zvfs_entry:
	cmpq	$0, %gs:BLK_SELF
	je	.Lnoblock
	/* Was this call made by a rewritten site? R must be in the site set;
	 * anything else (a call through a NULL function pointer) must fault. */
	movq	(%rsp), %r11
	imulq	$ABI_SITE_HASH_MUL, %r11, %rcx
	shrq	$32, %rcx
.Lprobe:
	andl	ABI_SITE_TABLE_ADDR, %ecx
	cmpq	%r11, ABI_SITE_SLOTS_ADDR(,%rcx,8)
	jne	.Lprobe_next
	cmpq	$ABI_NSLOTS, %rax
	jae	.Lother
	incq	%gs:BLK_COUNTS(,%rax,8)
	movzbl	ABI_CLASS_TABLE_ADDR(%rax), %ecx
	testl	%ecx, %ecx
	jnz	.Lspecial
	/* A call of class Pass is never one the seccomp net catches (abi's
	 * TestPassIsNeverNet), so it need not leave from the gate: the
	 * hottest path keeps its own syscall. */
	syscall
	ret

.Lprobe_next:
	cmpq	$0, ABI_SITE_SLOTS_ADDR(,%rcx,8)
	je	.Lnotsite
	incl	%ecx
	jmp	.Lprobe

.Lnotsite:
	/* Not a rewritten site: as without zvfs, the call to a low address
	 * must die with SIGSEGV. hlt in user mode raises exactly that. */
	hlt
	jmp	.Lnotsite

.Lother:
	incq	%gs:BLK_OTHER	/* above every call the net catches */
	syscall
	ret

.Lspecial:
	cmpl	$ABI_CLASS_VM, %ecx
	je	.Lvm
	cmpl	$ABI_CLASS_DATA, %ecx
	je	.Lfd_served
	cmpl	$ABI_CLASS_FD, %ecx
	je	.Lfd_virt
	cmpl	$ABI_CLASS_PATH, %ecx
	je	.Lslow
	cmpl	$ABI_CLASS_FD2, %ecx
	je	.Lfd2
	cmpl	$ABI_CLASS_MMAP, %ecx
	je	.Lmmap
	cmpl	$ABI_CLASS_SLOW, %ecx
	je	.Lslow
	cmpl	$ABI_CLASS_SIGRETURN, %ecx
	je	.Lsigreturn
	cmpl	$ABI_CLASS_VFORK, %ecx
	je	.Lvfork
	cmpl	$ABI_CLASS_CLONE, %ecx
	je	.Lclone
	/* clone3, prepared in C; and every hooked call: its class byte has
	 * ABI_CLASS_HOOKED set, so it equals none of the above (hook.c). */
	jmp	.Lslow

/* Calls about descriptors: the C path only when the bitmap says the
 * descriptor is virtual (served, for data calls). Negative and huge
 * descriptors compare above ABI_MAX_FD and go to the kernel. */
.Lfd_served:
	cmpq	$ABI_MAX_FD, %rdi
	jae	1f
	btq	%rdi, ABI_FD_SERVED_ADDR
	jc	.Lslow
1:	jmp	*zvfs_gate(%rip)

.Lfd_virt:
	cmpq	$ABI_MAX_FD, %rdi
	jae	1f
	btq	%rdi, ABI_FD_VIRT_ADDR
	jc	.Lslow
1:	jmp	*zvfs_gate(%rip)

.Lfd2:
	cmpq	$ABI_MAX_FD, %rdi
	jae	1f
	btq	%rdi, ABI_FD_VIRT_ADDR
	jc	.Lslow
1:	cmpq	$ABI_MAX_FD, %rsi
	jae	2f
	btq	%rsi, ABI_FD_VIRT_ADDR
	jc	.Lslow
2:	jmp	*zvfs_gate(%rip)

/* munmap, mprotect...: pages the stub found usable may no longer be. A brk
 * that grows the heap, or asks where it ends, takes nothing away (malloc
 * makes many): only one below the break last seen counts (zvfs_brk starts
 * unknown, all ones, so the first that moves it counts too). */
.Lvm:
	cmpl	$SYS_brk, %eax
	je	.Lbrk
	/* Memory made executable (a JIT) may hold system calls no site
	 * table knows: the C path puts the process under the net. */
	testl	$PROT_EXEC, %edx
	jz	1f
	cmpl	$SYS_mprotect, %eax
	je	.Lslow
	cmpl	$SYS_pkey_mprotect, %eax
	je	.Lslow
1:	lock incq zvfs_vm_gen(%rip)
	jmp	*zvfs_gate(%rip)
.Lbrk:
	testq	%rdi, %rdi
	jz	1f
	cmpq	zvfs_brk(%rip), %rdi
	jae	1f
	lock incq zvfs_vm_gen(%rip)
1:	syscall
	movq	%rax, zvfs_brk(%rip)
	ret
/* mmap(addr, len, prot=%rdx, flags=%r10, fd=%r8, off): only memory mapped
 * executable needs the C path (a file's code is rewritten; anonymous code,
 * a JIT's, puts the process under the net); the rest is hot. */

.Lmmap:
	testl	$MAP_FIXED, %r10d
	jz	2f
	lock incq zvfs_vm_gen(%rip)	/* it may replace mappings */
2:	testl	$PROT_EXEC, %edx
	jnz	.Lslow
	jmp	*zvfs_gate(%rip)

.Lsigreturn:
	/* The kernel reads the signal frame at rsp: drop R first. */
	leaq	8(%rsp), %rsp
	syscall
	hlt

/* clone(flags=%rdi, stack=%rsi, ...) */
.Lclone:
	testq	%rsi, %rsi
	jnz	.Lclone_stack
	testl	$CLONE_VM, %edi
	jnz	.Lvfork			/* shares our memory and our stack */
	jmp	.Lslow			/* fork-like: the C path fixes the child up */

.Lclone_stack:
	/* The child starts on its own stack: give it R to return to. */
	movq	(%rsp), %rcx
	movq	%rcx, -8(%rsi)
	subq	$8, %rsi
	syscall
	addq	$8, %rsi
	testq	%rax, %rax
	jnz	1f
	/* child, [rsp] = R. A vfork child borrows its parent's spare block;
	 * any other child gets its own block on its first system call. */
	xorl	%ecx, %ecx
	testl	$CLONE_VFORK, %edi
	jz	2f
	call	.Lchild_block
2:	call	zvfs_setgs
	xorl	%eax, %eax
1:	ret

/* vfork, or clone(CLONE_VM) with no new stack: the child runs on our stack
 * while we are suspended and will overwrite the slot holding R, so the parent
 * keeps R in its block and the child moves to a block of its own at once. */
.Lvfork:
	movq	(%rsp), %rcx
	movq	%rcx, %gs:BLK_VFORK_R
	syscall
	testq	%rax, %rax
	jz	1f
	leaq	8(%rsp), %rsp
	jmp	*%gs:BLK_VFORK_R
1:	leaq	-128(%rsp), %rsp	/* stay clear of the caller's red zone */
	call	.Lchild_block
	call	zvfs_setgs
	leaq	128(%rsp), %rsp
	xorl	%eax, %eax
	ret

/* %rcx = this thread's spare child block, its private stack reset. */
.Lchild_block:
	movq	%gs:BLK_CHILD, %rcx
	testq	%rcx, %rcx
	jz	1f
	movq	BLK_HI(%rcx), %r11
	movq	%r11, BLK_CUR(%rcx)
1:	ret

/* Slow path: run zvfs_slow(frame) on the thread's private stack. First make
 * sure the block is ours: a thread created by a clone the hook did not see
 * inherited its parent's %gs, and must not share its private stack. */
.Lslow:
	testb	$BLKF_VFORK_CHILD, %gs:BLK_FLAGS
	jnz	.Lslow_mine
	/* Our thread's TLS pointer? Then the block is ours (a thread made by a
	 * clone the hook did not see has its own). Else ask for the thread id.
	 * Without rdfsbase, the x86-64 TLS ABI's first word of the thread's
	 * TLS block, its own address, says the same (at %fs base 0 it reads
	 * page 0, which is ours). */
	testb	$ABI_DATAFLAG_FSGSBASE, ABI_FLAGS_ADDR
	jz	2f
	rdfsbase %rcx
	jmp	3f
2:	movq	%fs:0, %rcx
3:	testq	%rcx, %rcx
	jz	1f
	cmpq	%rcx, %gs:BLK_FSBASE
	je	.Lslow_mine
1:	leaq	-128(%rsp), %rsp
	pushq	%rax
	movl	$SYS_gettid, %eax
	syscall
	cmpq	%rax, %gs:BLK_TID
	popq	%rax
	leaq	128(%rsp), %rsp
	jne	.Lnoblock
.Lslow_mine:
	movq	%rsp, %r11
	movq	%gs:BLK_CUR, %rcx
	cmpq	%gs:BLK_LO, %r11
	jb	1f
	cmpq	%gs:BLK_HI, %r11
	jae	1f
	/* Already on the private stack (a signal handler running there):
	 * start below it and below the caller's red zone. */
	leaq	-128(%r11), %r11
	cmpq	%rcx, %r11
	cmovb	%r11, %rcx
	movq	%rsp, %r11
1:	andq	$-16, %rcx
	movq	%rcx, %rsp
	pushq	%gs:BLK_CUR		/* old_cur */
	pushq	%r11			/* user_rsp */
	leaq	-STACK_RESERVE(%rsp), %rcx
	movq	%rcx, %gs:BLK_CUR
	pushq	$0			/* pad */
	pushq	%rbp
	pushq	%rbx
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r9
	pushq	%r8
	pushq	%r10
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rax
	movq	%rsp, %rdi
	call	zvfs_slow
	movl	%eax, %ecx		/* action */
	popq	%rax
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%r10
	popq	%r8
	popq	%r9
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	popq	%rbx
	popq	%rbp
	leaq	8(%rsp), %rsp		/* pad */
	popq	%r11			/* user_rsp */
	popq	%gs:BLK_CUR
	movq	%r11, %rsp
	testl	%ecx, %ecx
	jnz	.Laction
	ret

/* What zvfs_slow left for the entry to issue (slow.c's ACTION_*). */
.Laction:
	cmpl	$1, %ecx
	je	.Lclone3_go
	/* 2: a hooked clone or vfork the hooks let through, with the
	 * registers as the program set them. */
	cmpl	$SYS_vfork, %eax
	je	.Lvfork
	jmp	.Lclone

/* clone3 with a new stack or shared memory. zvfs_slow copied the arguments
 * to the block's scratch area with the stack shortened by three words that
 * now hold, from the top: R, the caller's %rdi, the child's %gs base. */
.Lclone3_go:
	movq	%rdi, %gs:BLK_SAVE_RDI
	movq	%gs:BLK_SELF, %rdi
	addq	$BLK_SCRATCH, %rdi
	syscall
	testq	%rax, %rax
	jz	1f
	movq	%gs:BLK_SAVE_RDI, %rdi
	ret
1:	popq	%rcx
	call	zvfs_setgs
	popq	%rdi
	xorl	%eax, %eax
	ret

/* A thread with no block: make one, then start over. Runs C on the caller's
 * stack, below its red zone. */
.Lnoblock:
	leaq	-128(%rsp), %rsp
	pushq	%rax
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%r10
	pushq	%r8
	pushq	%r9
	pushq	%rbx
	movq	%rsp, %rbx
	andq	$-16, %rsp
	call	zvfs_attach
	movq	%rbx, %rsp
	movl	%eax, %ecx
	popq	%rbx
	popq	%r9
	popq	%r8
	popq	%r10
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rax
	leaq	128(%rsp), %rsp
	testl	%ecx, %ecx
	jz	zvfs_entry
	/* No memory for a block: pass the call through unobserved. */
	jmp	*zvfs_gate(%rip)
	.size	zvfs_entry, . - zvfs_entry

/* zvfs_setgs: set this thread's %gs base to %rcx. Preserves every register
 * but %rcx and %r11; uses 40 bytes below %rsp. */
	.globl	zvfs_setgs
	.hidden	zvfs_setgs
	.type	zvfs_setgs, @function
zvfs_setgs:
	testb	$ABI_DATAFLAG_FSGSBASE, ABI_FLAGS_ADDR
	jz	1f
	wrgsbase %rcx
	ret
1:	pushq	%rax
	pushq	%rdi
	pushq	%rsi
	movl	$SYS_arch_prctl, %eax
	movl	$ARCH_SET_GS, %edi
	movq	%rcx, %rsi
	syscall
	popq	%rsi
	popq	%rdi
	popq	%rax
	ret
	.size	zvfs_setgs, . - zvfs_setgs

	.section .note.GNU-stack,"",@progbits
