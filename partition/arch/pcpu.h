/*
 * Each of the parent's processors' own data (docs/ARCHITECTURE.md, "The
 * parent's processors"), reached through its GS base: the parent runs in
 * long mode at CPL 0 and never loads GS, so IA32_GS_BASE (SDM Vol. 3A
 * §3.4.4.1) is free to point at the processor's struct pcpu, whose first
 * member points at itself. hv keeps each virtual processor's GS base
 * (the VMCS's guest GS base, the VMCB's save area), so reading %gs:0 is
 * one load and no exit, where reading HV_X64_MSR_VP_INDEX is an exit.
 */
#ifndef PARENT_PCPU_H
#define PARENT_PCPU_H
#include <stdint.h>

struct pcpu {
	struct pcpu *self;       /* %gs:0 */
	uint32_t vp;             /* the processor's index (HV_X64_MSR_VP_INDEX) */
	uint32_t rsvd;
	/* Its hypercall input and output pages (TLFS "Hypercall Interface":
	 * a call's parameters are in memory for its duration, so two
	 * processors must never share them). */
	uint8_t *hc_in, *hc_out;
};

static inline struct pcpu *this_pcpu(void)
{
	struct pcpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* The first processor's, from the start of parent_main (before anything
 * takes a lock). */
void pcpu_init_boot(void);
/* A new processor's, with its own two hypercall pages; NULL without
 * memory. Its GS base goes in the context it starts with. */
struct pcpu *pcpu_create(uint32_t vp);
void pcpu_destroy(struct pcpu *p);
#endif
