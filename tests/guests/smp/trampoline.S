/*
 * Where an AP starts. A STARTUP IPI with vector VV starts the AP in real
 * mode at VV000 (CS = VV00, IP = 0; SDM Vol. 3A §9.4.3, §11.6.1), with
 * interrupts off. main.c copies [smp_tramp_start, smp_tramp_end) to such
 * a page below 1 MiB, so this code runs from wherever that is: it finds
 * its base from CS, points its own GDT's descriptor at itself, enters
 * protected mode (§10.9.1: PE, then a far jump) and jumps to ap_entry32
 * in the image, which takes a slot and its stack with LOCK XADD (or,
 * restarted, finds the one it had) and loads the BSP's GDT and IDT.
 */
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define STACK_SHIFT 13		/* SMP_STACK_SIZE 8192 in smp.h */
#define MAX_APS 15		/* SMP_MAX_CPUS - 1 */
#define MSR_APIC_BASE 0x1b
#define BASE_EXTD (1 << 10)
#define MSR_X2APIC_ID 0x802

	.section .rodata
	.code16
	.globl smp_tramp_start, smp_tramp_end
	.balign 16
smp_tramp_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	xor %eax, %eax
	mov %cs, %ax
	shl $4, %eax			/* linear base of this copy */
	add $(tramp_gdt - smp_tramp_start), %eax
	mov %eax, (tramp_gdtr - smp_tramp_start + 2)
	lgdtl (tramp_gdtr - smp_tramp_start)
	mov %cr0, %eax
	or $1, %eax			/* CR0.PE */
	mov %eax, %cr0
	ljmpl *(tramp_far - smp_tramp_start)

	.balign 8
/* Flat 4 GiB code and data (SDM Vol. 3A §3.4.5), the selectors the
 * runtime's GDT uses too. */
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
tramp_gdt_end:
tramp_gdtr:
	.short tramp_gdt_end - tramp_gdt - 1
	.long 0				/* filled in above */
tramp_far:
	.long ap_entry32
	.short SEL_CODE
smp_tramp_end:

	.section .text
	.code32
ap_entry32:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	/* An AP restarted by INIT and STARTUP (storm=1) keeps its slot:
	 * found by its APIC ID, from the x2APIC ID MSR in x2APIC mode
	 * (IA32_APIC_BASE.EXTD, which INIT leaves as it is, SDM Vol. 3A
	 * §11.12.5.1) or the xAPIC ID register's bits 31:24 (§11.4.6). */
	mov $MSR_APIC_BASE, %ecx
	rdmsr
	test $BASE_EXTD, %eax
	jz 2f
	mov $MSR_X2APIC_ID, %ecx
	rdmsr
	jmp 3f
2:	and $0xfffff000, %eax
	mov 0x20(%eax), %eax
	shr $24, %eax
3:	cmp $255, %eax
	ja 4f
	movzbl smp_slot_of_id(%eax), %ecx
	test %ecx, %ecx
	jnz 5f
4:	mov $1, %eax
	lock xadd %eax, smp_ap_next	/* this AP's slot - 1 */
	cmp $MAX_APS, %eax
	jae park
	inc %eax			/* slot: 1 .. MAX_APS */
	mov %eax, %ecx
5:	mov %ecx, %eax
	shl $STACK_SHIFT, %eax
	add $smp_ap_stacks, %eax	/* top of slot's stack */
	mov %eax, %esp
	lgdt smp_bsp_gdtr
	ljmp $SEL_CODE, $1f
1:	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	lidt smp_bsp_idtr
	push %ecx
	call smp_ap_main
park:	cli
	hlt
	jmp park

	.section .data
	.balign 4
	.globl smp_ap_next, smp_bsp_gdtr, smp_bsp_idtr, smp_slot_of_id
smp_ap_next:
	.long 0
/* An AP's slot by its APIC ID, once it took one (smp_ap_main). */
smp_slot_of_id:
	.skip 256
	.balign 8
smp_bsp_gdtr:
	.skip 6
	.balign 8
smp_bsp_idtr:
	.skip 6

	.section .bss
	.balign 16
	.globl smp_ap_stacks
/* Slot s's stack is [smp_ap_stacks + (s - 1) * 8 KiB, + 8 KiB). */
smp_ap_stacks:
	.skip (MAX_APS << STACK_SHIFT)

	.section .note.GNU-stack, "", @progbits
