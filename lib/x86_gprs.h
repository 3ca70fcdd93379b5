/*
 * Assembler macros that save and restore the fifteen general-purpose
 * registers in the order of a trap frame (RAX pushed first, so R15 is at
 * the lowest address): the one copy for hv's and the parent's trap stubs.
 * The C side of the frame is struct trap_frame in each program's cpu.h.
 */
#ifndef LIB_X86_GPRS_H
#define LIB_X86_GPRS_H

.macro PUSH_GPRS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro POP_GPRS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm
#endif
