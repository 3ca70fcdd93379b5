/*
 * Multiboot v1 header (Multiboot Specification 0.6.96 §3.1): 4-byte
 * aligned within the first 8192 bytes of the image. Flags: bit 0 asks
 * for page-aligned modules, bit 1 for memory information (mem_* and
 * mmap_*). The image is ELF, so bit 16 (address fields) stays clear.
 */
#define MB1_HEADER_MAGIC 0x1badb002
#define MB1_FLAGS        0x00000003

	.section .mbheader, "a"
	.balign 4
	.globl guest_mb_header
guest_mb_header:
	.long MB1_HEADER_MAGIC
	.long MB1_FLAGS
	.long -(MB1_HEADER_MAGIC + MB1_FLAGS)	/* checksum: sum is 0 */

	.section .note.GNU-stack, "", @progbits
