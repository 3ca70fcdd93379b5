/*
 * Multiboot v2 header (Multiboot2 Specification 2.0 §3.1): 8-byte
 * aligned within the first 32768 bytes; architecture 0 (i386, 32-bit
 * protected mode); only the terminating tag (type 0, size 8), so the
 * loader's default tags (cmdline, meminfo, mmap) describe the boot.
 */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386    0

	.section .mbheader, "a"
	.balign 8
	.globl guest_mb_header
guest_mb_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_end - guest_mb_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_end - guest_mb_header))
	.balign 8
	.short 0, 0		/* end tag: type 0, flags 0 */
	.long 8			/* size 8 */
mb2_end:

	.section .note.GNU-stack, "", @progbits
