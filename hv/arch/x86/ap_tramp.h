/* The AP start-up trampoline (hv/arch/x86/ap_tramp.S, hv/arch/x86/smp.c). */
#ifndef HV_ARCH_X86_AP_TRAMP_H
#define HV_ARCH_X86_AP_TRAMP_H

/* A SIPI starts the AP in real mode at vector * 4 KiB (SDM Vol. 3A
 * §9.4.4.1): the page below 1 MiB where the trampoline is copied. */
#define AP_TRAMP_BASE 0x8000

#ifndef __ASSEMBLER__
#include <stdint.h>
/* What the trampoline's last 32 bytes hold for the AP it starts. */
struct ap_tramp_params {
	uint64_t cr3;                /* hv's page tables (below 4 GiB) */
	uint64_t stack;              /* top of the AP's stack, 16-byte aligned */
	uint64_t arg;                /* its struct percpu * */
	uint64_t entry;              /* x86_ap_entry */
};
_Static_assert(sizeof(struct ap_tramp_params) == 32, "trampoline parameters");
extern const uint8_t ap_tramp_start[], ap_tramp_params[], ap_tramp_end[];
#endif
#endif
