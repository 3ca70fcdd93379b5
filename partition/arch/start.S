/* Parent entry: hv starts us in 64-bit mode with RDI = boot information
 * (struct hvpart_boot_info, identity-mapped) and interrupts off. */
#include "lib/x86_gprs.h"
	.section .text.start, "ax"
	.global _start
_start:
	lea boot_stack_top(%rip), %rsp
	xor %ebp, %ebp
	call parent_main
1:	cli
	hlt
	jmp 1b

/* The parent's other processors (psmp.c): hv starts each here in 64-bit
 * mode, interrupts off, RSP on its own stack, whose top word holds its
 * index. */
	.global psmp_ap_entry
psmp_ap_entry:
	mov (%rsp), %rdi
	xor %ebp, %ebp
	call psmp_ap_main
1:	cli
	hlt
	jmp 1b

/* Interrupt and exception stubs: uniform frame, then parent_trap(). */
	.text
.macro STUB vec
irq_stub_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp irq_common
.endm

.altmacro
.set i, 0
.rept 64
	STUB %i
	.set i, i + 1
.endr

irq_common:
	PUSH_GPRS
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $-16, %rsp
	call parent_trap
	mov %rbx, %rsp
	POP_GPRS
	add $16, %rsp
	iretq

.macro STUBADDR vec
	.quad irq_stub_\vec
.endm
	.section .rodata
	.global irq_stub_table
	.align 8
irq_stub_table:
.set i, 0
.rept 64
	STUBADDR %i
	.set i, i + 1
.endr

	.bss
	.align 16
boot_stack:
	.space 65536
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
