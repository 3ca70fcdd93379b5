/* mb2echo: Multiboot2 header and 32-bit protected-mode entry. */
#define MB2_MAGIC     0xe85250d6
#define MB2_ARCH_I386 0

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* end tag */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .text
	.globl _start
	.code32
_start:
	cli
	cld
	/* Our own GDT: Multiboot2 leaves GDTR undefined, and the interrupt
	 * gates below name a code selector that must be valid. */
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %cx
	mov %cx, %ds
	mov %cx, %es
	mov %cx, %fs
	mov %cx, %gs
	mov %cx, %ss
	mov $stack_top, %esp
	push %ebx		/* Multiboot2 information address */
	push %eax		/* boot loader magic */
	call mb2echo_main
1:	hlt
	jmp 1b

/* Every vector: end the 8259 pair's interrupt and return; the waiting
 * loop (getc_serial) reads the UART itself. */
	.globl mb2echo_isr
mb2echo_isr:
	push %eax
	mov $0x20, %al
	out %al, $0xa0
	out %al, $0x20
	pop %eax
	iret

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
gdt_desc:
	.short gdt_desc - gdt - 1
	.long gdt

	.section .bss
	.balign 16
stack:
	.skip 8192
stack_top:

	.section .note.GNU-stack, "", @progbits
