/*
 * Guest entry and interrupt stubs, 32-bit protected mode.
 * Multiboot v1 §3.2 / v2 §3.3: EAX holds the boot magic, EBX the
 * information address, CS/DS flat but GDTR undefined, so we load our own
 * GDT before any interrupt can reload CS (SDM Vol. 3A §6.12.1).
 */
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_UCODE 0x1b		/* GDT entry 3, RPL 3 */
#define SEL_UDATA 0x23		/* GDT entry 4, RPL 3 */
#define SEL_TSS 0x28		/* GDT entry 5 */

	.section .text
	.globl _start
	.code32
_start:
	mov %eax, %esi			/* keep the boot magic */
	rdtsc				/* first instruction's TSC, for benchmarks */
	mov %eax, guest_entry_tsc
	mov %edx, guest_entry_tsc + 4
	cli
	cld
	mov $guest_stack_top, %esp
	lgdt gdt_ptr
	ljmp $SEL_CODE, $1f
1:	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	push %ebx			/* boot information address */
	push %esi			/* boot magic */
	call guest_run_main
2:	cli
	hlt
	jmp 2b

	.section .data
	.globl guest_entry_tsc
	.align 8
guest_entry_tsc:
	.quad 0

	.section .text
/* Stubs: push a dummy error code where the CPU pushes none (SDM Vol. 3A
 * §6.13, Table 6-1: vectors 8, 10-14, 17, 21, 29, 30 push one). */
.macro STUB vec, has_err
	.globl guest_isr_\vec
guest_isr_\vec:
	.if \has_err == 0
	push $0
	.endif
	push $\vec
	jmp isr_common
.endm

	STUB 0, 0
	STUB 1, 0
	STUB 2, 0
	STUB 3, 0
	STUB 4, 0
	STUB 5, 0
	STUB 6, 0
	STUB 7, 0
	STUB 8, 1
	STUB 9, 0
	STUB 10, 1
	STUB 11, 1
	STUB 12, 1
	STUB 13, 1
	STUB 14, 1
	STUB 15, 0
	STUB 16, 0
	STUB 17, 1
	STUB 18, 0
	STUB 19, 0
	STUB 20, 0
	STUB 21, 1
	STUB 22, 0
	STUB 23, 0
	STUB 24, 0
	STUB 25, 0
	STUB 26, 0
	STUB 27, 0
	STUB 28, 0
	STUB 29, 1
	STUB 30, 1
	STUB 31, 0
	STUB 64, 0
	STUB 80, 0
	STUB 81, 0
	STUB 82, 0
	STUB 83, 0
	STUB 255, 0

isr_common:
	pushal
	push %esp			/* struct guest_frame * */
	call guest_dispatch_vector
	add $4, %esp
	popal
	add $8, %esp			/* vector, error code */
	iret

/*
 * int guest_run_user(void (*fn)(void)): runs fn at CPL 3 (flat ring-3
 * segments, IF = 0) on its own stack until an exception ends it; the
 * dispatcher (idt.c) then calls guest_user_return(vector), which resumes
 * here on the saved ring-0 stack and returns the vector. An interrupt
 * from ring 3 switches to the TSS's ring-0 stack (SDM Vol. 3A §6.12.1),
 * so guest_tss must be loaded (guest_init_user does it). IRET to an
 * outer level pops SS:ESP too (SDM Vol. 2A "IRET").
 */
	.globl guest_run_user
guest_run_user:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, user_saved_esp
	mov 20(%esp), %eax
	mov $SEL_UDATA, %cx
	mov %cx, %ds
	mov %cx, %es
	push $SEL_UDATA
	push $guest_user_stack_top
	pushf
	andl $~0x200, (%esp)
	push $SEL_UCODE
	push %eax
	iret

/* void guest_user_return(uint32_t vector): back to guest_run_user's caller. */
	.globl guest_user_return
guest_user_return:
	mov 4(%esp), %eax
	mov $SEL_DATA, %cx
	mov %cx, %ds
	mov %cx, %es
	mov user_saved_esp, %esp
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

	.section .data
	.balign 8
/* Flat 4 GiB descriptors (SDM Vol. 3A §3.4.5): base 0, limit 0xfffff,
 * G=1, D/B=1, P=1; type 0xA code execute/read, 0x2 data r/w; DPL 0 for
 * the kernel, DPL 3 for user mode; then a 32-bit TSS (type 9, §7.2.2)
 * whose base guest_init_user fills in, and a spare entry. */
	.globl guest_gdt_tss
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
	.quad 0x00cffa000000ffff
	.quad 0x00cff2000000ffff
guest_gdt_tss:
	.quad 0x0000890000000067
/* A spare entry (selector 0x30) a test fills with a segment of its own
 * (the xapic guest: a data segment with a small limit). */
	.globl guest_gdt_spare
guest_gdt_spare:
	.quad 0
gdt_end:
gdt_ptr:
	.short gdt_end - gdt - 1
	.long gdt

	.section .bss
	.balign 16
	.globl guest_stack_top
guest_stack:
	.skip 16384
guest_stack_top:
	.globl guest_user_stack_top, guest_ring0_stack_top
	.skip 4096
guest_user_stack_top:
	.skip 4096
guest_ring0_stack_top:
user_saved_esp:
	.skip 4

	.section .note.GNU-stack, "", @progbits
