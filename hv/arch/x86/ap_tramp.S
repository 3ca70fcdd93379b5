/*
 * The AP start-up trampoline, copied to AP_TRAMP_BASE and entered there by
 * a SIPI in real mode, CS:IP = vector:0 (SDM Vol. 3A §9.4.4.1). It takes
 * the AP through protected mode into long mode (SDM Vol. 3A §10.8.5, as
 * boot.S does for the boot CPU) on hv's page tables, sets the stack hv
 * gave it and calls x86_ap_entry(arg). Every address is where the copy
 * runs: T(x) = AP_TRAMP_BASE + x's offset in the blob.
 */
#include "ap_tramp.h"

#define T(x) ((x) - ap_tramp_start + AP_TRAMP_BASE)

	.section .rodata.ap_tramp, "a"
	.global ap_tramp_start, ap_tramp_params, ap_tramp_end
	.code16
ap_tramp_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl T(tramp_gdt_ptr)
	movl %cr0, %eax
	orl $1, %eax                 /* PE */
	movl %eax, %cr0
	ljmpl $0x08, $T(tramp32)

	.code32
tramp32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $0x20, %eax              /* PAE */
	movl %eax, %cr4
	movl T(ap_tramp_params), %eax /* params.cr3 (below 4 GiB) */
	movl %eax, %cr3
	movl $0xC0000080, %ecx       /* IA32_EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	andl $0x9fffffff, %eax       /* caching on (CD, NW clear) */
	orl $0x80000001, %eax        /* PG | PE */
	movl %eax, %cr0
	ljmpl $0x18, $T(tramp64)

	.code64
tramp64:
	movq T(ap_tramp_params) + 8, %rsp
	movq T(ap_tramp_params) + 16, %rdi
	movq T(ap_tramp_params) + 24, %rax
	call *%rax                   /* never returns */
1:	cli
	hlt
	jmp 1b

	.align 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff     /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff     /* 0x10: data */
	.quad 0x00af9a000000ffff     /* 0x18: 64-bit code */
tramp_gdt_ptr:
	.word tramp_gdt_ptr - tramp_gdt - 1
	.long T(tramp_gdt)
	.align 8
ap_tramp_params:                 /* struct ap_tramp_params */
	.quad 0, 0, 0, 0
ap_tramp_end:

	.section .note.GNU-stack, "", @progbits
