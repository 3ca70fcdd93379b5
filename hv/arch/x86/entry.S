/* Exception stubs for hv's IDT: push a uniform frame (struct trap_frame in
 * cpu.h) and call cpu_handle_trap. Vectors 8, 10-14, 17, 21, 29, 30 push an
 * error code (SDM Vol. 3A §6.13); the others get a 0 pushed here. */
#include "lib/x86_gprs.h"
	.text
.macro STUB vec
trap_stub_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
.endm

.irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \v
.endr

/* cpu_handle_trap returns only for a #DB it dismisses (cpu.c): then the
 * frame goes back as it is, past the vector and error code. */
trap_common:
	PUSH_GPRS
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $-16, %rsp
	call cpu_handle_trap
	mov %rbx, %rsp
	POP_GPRS
	add $16, %rsp
	iretq

/* Vectors 32-255: a physical interrupt hv accepted in arch_take_interrupt's
 * window (cpu.c). Record the vector and return with RFLAGS.IF = 0 in the
 * saved frame, so the window accepts one interrupt at most. Each stub is
 * 16 bytes: irq_stubs + (vector - 32) * 16. */
	.global irq_stubs
	.align 16
irq_stubs:
	.set vec, 32
	.rept 224
	pushq $vec
	jmp irq_common
	.align 16
	.set vec, vec + 1
	.endr

irq_common:
	popq %gs:8                  /* this_cpu()->irq_vector (hv/include/hv/percpu.h) */
	andq $~0x200, 16(%rsp)      /* frame: RIP, CS, RFLAGS (SDM Vol. 3A §6.14.2) */
	iretq

	.section .rodata
	.global trap_stub_table
	.align 8
trap_stub_table:
.irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_stub_\v
.endr

	.section .note.GNU-stack, "", @progbits
