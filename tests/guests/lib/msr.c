/*
 * RDMSR and WRMSR that report #GP instead of taking it, for tests of which
 * MSRs exist (SDM Vol. 2B RDMSR/WRMSR: #GP(0) for a reserved or
 * unimplemented MSR or reserved bits). While one runs, the dispatcher
 * (idt.c) hands a #GP to guest_msr_fixup, which steps over the 2-byte
 * instruction (0F 32, 0F 30) and notes the fault.
 */
#include "guest.h"

static volatile int probing, faulted;

int guest_msr_fixup(struct guest_frame *f)
{
	const uint8_t *p = (const uint8_t *)f->eip;

	if (!probing || p[0] != 0x0f || (p[1] != 0x30 && p[1] != 0x32))
		return 0;
	faulted = 1;
	f->eip += 2;
	return 1;
}

int guest_rdmsr_safe(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;

	faulted = 0;
	probing = 1;
	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	probing = 0;
	*v = (uint64_t)hi << 32 | lo;
	return faulted ? -1 : 0;
}

int guest_wrmsr_safe(uint32_t msr, uint64_t v)
{
	faulted = 0;
	probing = 1;
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
	probing = 0;
	return faulted ? -1 : 0;
}
