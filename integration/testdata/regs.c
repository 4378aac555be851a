/* regs: fill general and vector registers with known values, make a raw
 * getppid, and check that every register the kernel preserves came back. */
#include <stdio.h>
#include <string.h>

unsigned long in[12], out[12];
unsigned char vin[16 * 32], vout[16 * 32];

#define V(i) "vmovdqu " #i "*32+vin(%%rip), %%ymm" #i "\n"
#define W(i) "vmovdqu %%ymm" #i ", " #i "*32+vout(%%rip)\n"

int main(void)
{
	for (int i = 0; i < 12; i++)
		in[i] = 0x1111111111111111UL * (unsigned long)(i + 1) ^ 0x0123456789abcdefUL;
	for (int i = 0; i < (int)sizeof vin; i++)
		vin[i] = (unsigned char)(i * 7 + 3);
	__asm__ volatile(
		V(0) V(1) V(2) V(3) V(4) V(5) V(6) V(7) V(8) V(9) V(10) V(11) V(12) V(13) V(14) V(15)
		"pushq %%rbp\n"
		"movq in+0(%%rip), %%rbx\n movq in+8(%%rip), %%rdx\n movq in+16(%%rip), %%rsi\n"
		"movq in+24(%%rip), %%rdi\n movq in+32(%%rip), %%rbp\n movq in+40(%%rip), %%r8\n"
		"movq in+48(%%rip), %%r9\n movq in+56(%%rip), %%r10\n movq in+64(%%rip), %%r12\n"
		"movq in+72(%%rip), %%r13\n movq in+80(%%rip), %%r14\n movq in+88(%%rip), %%r15\n"
		"movl $110, %%eax\n" /* getppid */
		"syscall\n"
		"movq %%rbx, out+0(%%rip)\n movq %%rdx, out+8(%%rip)\n movq %%rsi, out+16(%%rip)\n"
		"movq %%rdi, out+24(%%rip)\n movq %%rbp, out+32(%%rip)\n movq %%r8, out+40(%%rip)\n"
		"movq %%r9, out+48(%%rip)\n movq %%r10, out+56(%%rip)\n movq %%r12, out+64(%%rip)\n"
		"movq %%r13, out+72(%%rip)\n movq %%r14, out+80(%%rip)\n movq %%r15, out+88(%%rip)\n"
		"popq %%rbp\n"
		W(0) W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8) W(9) W(10) W(11) W(12) W(13) W(14) W(15)
		"vzeroupper\n"
		:
		:
		: "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		  "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	int bad = 0;
	const char *names[] = {"rbx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r12", "r13", "r14", "r15"};
	for (int i = 0; i < 12; i++)
		if (in[i] != out[i]) {
			printf("%s changed: %lx -> %lx\n", names[i], in[i], out[i]);
			bad = 1;
		}
	if (memcmp(vin, vout, sizeof vin) != 0) {
		printf("vector registers changed\n");
		bad = 1;
	}
	printf(bad ? "FAIL\n" : "registers intact\n");
	return bad;
}
