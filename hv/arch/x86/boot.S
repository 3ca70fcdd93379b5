/*
 * hv entry from a Multiboot2 loader (Multiboot2 spec §3.3, "I386 machine
 * state"): 32-bit protected mode, paging off, EAX = magic 0x36d76289,
 * EBX = physical address of the boot information.
 * We build a 4 GiB identity map with 2 MiB pages, enter long mode
 * (SDM Vol. 3A §10.8.5 "Initializing IA-32e Mode") and call hv_main.
 */
#define MB2_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0
#define COM1 0x3f8

	.section .multiboot2, "a"
	.align 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* end tag: type 0, flags 0, size 8 */
	.word 0, 0
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.global _start
_start:
	cli
	cld
	mov $boot_stack_top, %esp
	mov %eax, boot_magic
	mov %ebx, boot_info

	/* Long mode needs CPUID.80000001h:EDX[29]. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..3; PDs: 2 MiB pages RW. */
	mov $early_pml4, %edi
	mov $early_pdpt, %eax
	or $3, %eax
	mov %eax, (%edi)
	mov $early_pdpt, %edi
	mov $early_pd, %eax
	or $3, %eax
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 1b
	mov $early_pd, %edi
	mov $0x83, %eax          /* P | RW | PS */
	xor %edx, %edx
	mov $2048, %ecx
2:	mov %eax, (%edi)
	mov %edx, 4(%edi)
	add $0x200000, %eax
	adc $0, %edx
	add $8, %edi
	loop 2b

	mov $early_pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x20, %eax           /* PAE */
	mov %eax, %cr4
	mov $0xC0000080, %ecx    /* IA32_EFER */
	rdmsr
	or $0x100, %eax          /* LME */
	wrmsr
	mov %cr0, %eax
	and $0x9fffffff, %eax    /* clear CD and NW: GRUB may leave caching off */
	or $0x80000001, %eax     /* PG | PE */
	mov %eax, %cr0
	lgdt early_gdt_ptr
	ljmp $0x08, $long_entry

no_long_mode:
	mov $msg_no_lm, %esi
3:	lodsb
	test %al, %al
	jz 5f
	mov %al, %bl
	mov $COM1 + 5, %dx
4:	inb %dx, %al
	test $0x20, %al
	jz 4b
	mov $COM1, %dx
	mov %bl, %al
	outb %al, %dx
	jmp 3b
5:	cli
	hlt
	jmp 5b

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	mov $boot_stack_top, %rsp
	mov boot_magic(%rip), %edi
	mov boot_info(%rip), %esi
	call hv_main
6:	cli
	hlt
	jmp 6b

	.section .rodata
msg_no_lm:
	.asciz "hv: this CPU has no 64-bit long mode; hvpart needs an x86-64 CPU with VT-x. Halting.\r\n"
	.align 8
early_gdt:
	.quad 0
	.quad 0x00af9a000000ffff   /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff   /* 0x10: data */
early_gdt_ptr:
	.word early_gdt_ptr - early_gdt - 1
	.long early_gdt

	.section .data
	.align 4
boot_magic: .long 0
boot_info:  .long 0

	.section .bss
	.align 4096
early_pml4: .space 4096
early_pdpt: .space 4096
early_pd:   .space 4 * 4096
	.global boot_stack_top
boot_stack: .space 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
