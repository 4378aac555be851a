#include "textflag.h"

// sigRelay is the kernel's handler of the relayed signals (sigrelay.go):
// it writes {signal, si_code, 0, 0} as four int32 to relayFd and
// returns. It runs on the thread's signal stack, outside Go.
TEXT ·sigRelay(SB),NOSPLIT|NOFRAME,$0
	SUBQ	$16, SP
	MOVL	DI, 0(SP)
	MOVL	8(SI), AX
	MOVL	AX, 4(SP)
	MOVL	$0, 8(SP)
	MOVL	$0, 12(SP)
	MOVQ	·relayFd(SB), DI
	MOVQ	SP, SI
	MOVQ	$16, DX
	MOVQ	$1, AX // write
	SYSCALL
	ADDQ	$16, SP
	RET

// sigRestorer returns from the handler (rt_sigreturn).
TEXT ·sigRestorer(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$15, AX // rt_sigreturn
	SYSCALL
	INT	$3

// relayAddrs returns the addresses of sigRelay and sigRestorer themselves
// (a Go func value of them would be an ABI wrapper).
TEXT ·relayAddrs(SB),NOSPLIT,$0-16
	LEAQ	·sigRelay(SB), AX
	MOVQ	AX, handler+0(FP)
	LEAQ	·sigRestorer(SB), AX
	MOVQ	AX, restorer+8(FP)
	RET
