/*
 * Tiny freestanding Multiboot test kernel, compiled at build time with
 * -m32 (ELF32, Multiboot v1) or -m64 -DMB2 (ELF64, Multiboot2, linked at a
 * higher-half virtual address with p_paddr at 1 MiB). The loader tests
 * compare the guest image with this file's PT_LOAD segments byte for byte.
 */
#include <stdint.h>

#ifdef MB2
/* Multiboot2 §3.1.2 header with an optional unknown tag and the end tag. */
struct mb2hdr {
	uint32_t magic, arch, len, sum;
	uint16_t t1, f1; uint32_t s1;     /* unknown type 0x7777, optional */
	uint16_t t0, f0; uint32_t s0;     /* end */
};
__attribute__((section(".multiboot"), aligned(8), used))
static const struct mb2hdr hdr = {
	0xE85250D6u, 0, sizeof(struct mb2hdr),
	(uint32_t)-(0xE85250D6u + (uint32_t)sizeof(struct mb2hdr)), 0x7777, 1, 8, 0, 0, 8
};
#else
/* Multiboot 0.6.96 §3.1.1: page-align modules and memory info. */
__attribute__((section(".multiboot"), aligned(4), used))
static const uint32_t hdr[3] = { 0x1BADB002u, 3u, -(0x1BADB002u + 3u) };
#endif

volatile uint32_t kern_data[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 };
volatile uint8_t kern_bss[8192];

void _start(void);
void _start(void)
{
	for (;;)
		kern_bss[0] = (uint8_t)kern_data[0];
}
