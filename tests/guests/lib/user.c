/*
 * User mode for tests of privilege checks: a TSS so that an exception at
 * CPL 3 finds a ring-0 stack (SDM Vol. 3A §6.12.1 "Exception- or
 * Interrupt-Handler Procedures": the CPU takes SS0:ESP0 from the TSS),
 * and its descriptor in the GDT of entry.S. guest_run_user is in entry.S.
 */
#include "guest.h"

extern uint64_t guest_gdt_tss;
extern char guest_ring0_stack_top[];

static struct guest_tss tss __attribute__((aligned(128)));

/* Base 31:24 in bits 63:56, 23:0 in bits 39:16 of the descriptor (SDM
 * Vol. 3A §7.2.2, Figure 7-3); type 9 (available 32-bit TSS), limit 103.
 * LTR marks it busy. */
void guest_init_user(void)
{
	uint32_t base = (uint32_t)&tss;
	static int done;

	if (done)
		return;
	tss.ss0 = GUEST_SEL_DATA;
	tss.esp0 = (uint32_t)guest_ring0_stack_top;
	tss.iomap_base = sizeof(tss);
	guest_gdt_tss = (sizeof(tss) - 1) | ((uint64_t)(base & 0xffffff) << 16) |
			(0x89ull << 40) | ((uint64_t)(base >> 24) << 56);
	__asm__ volatile("ltr %w0" : : "r"(GUEST_SEL_TSS) : "memory");
	done = 1;
}
