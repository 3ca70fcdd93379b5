/* ahcitest: Multiboot2 header and 32-bit protected-mode entry (GRUB loads
 * us at 1 MiB with paging off: virtual == physical). */
#define MB2_MAGIC     0xe85250d6
#define MB2_ARCH_I386 0

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
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
	mov $stack_top, %esp
	call ahcitest_main
1:	hlt
	jmp 1b

	.section .bss
	.balign 16
stack:
	.skip 32768
stack_top:

	.section .note.GNU-stack, "", @progbits
