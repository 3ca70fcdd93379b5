/* Inline wrappers for x86 instructions hv uses (SDM Vol. 2); port I/O is
 * lib/pio.h. */
#ifndef HV_X86_H
#define HV_X86_H
#include <stdbool.h>
#include <stdint.h>

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* Whether a is canonical for this processor: its linear addresses are
 * 57 bits wide where it has 5-level paging (CPUID.(7,0):ECX[16]), 48
 * otherwise. WRMSR to the base and entry-point MSRs and VM entry check
 * addresses against that width whatever CR4.LA57 holds (SDM Vol. 1
 * §3.3.7.1, Vol. 3A §4.1.1: a 5-level guest keeps its per-CPU data above
 * 48 bits, in GS base and KERNEL_GS_BASE). */
static inline bool x86_canonical(uint64_t a)
{
	uint32_t r[4];
	unsigned drop;

	cpuid(7, 0, r);
	drop = (r[2] >> 16) & 1 ? 64 - 57 : 64 - 48;
	return (uint64_t)((int64_t)(a << drop) >> drop) == a;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* XCR0 and the extended-state instructions (SDM Vol. 2D XSETBV, XSAVE,
 * XRSTOR; Vol. 2A FXSAVE, FXRSTOR). The 64-bit forms keep the full x87
 * instruction and data pointers. The area must be 64-byte (XSAVE) or
 * 16-byte (FXSAVE) aligned; rfbm selects components (EDX:EAX). */
static inline void xsetbv(uint32_t xcr, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return (uint64_t)hi << 32 | lo;
}

static inline void xsave64(void *area, uint64_t rfbm)
{
	__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((uint32_t)rfbm),
			 "d"((uint32_t)(rfbm >> 32)) : "memory");
}

static inline void xsavec64(void *area, uint64_t rfbm)
{
	__asm__ volatile("xsavec64 (%0)" : : "r"(area), "a"((uint32_t)rfbm),
			 "d"((uint32_t)(rfbm >> 32)) : "memory");
}

static inline void xrstor64(const void *area, uint64_t rfbm)
{
	__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)rfbm),
			 "d"((uint32_t)(rfbm >> 32)) : "memory");
}

static inline void fxsave64(void *area)
{
	__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static inline void fxrstor64(const void *area)
{
	__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

#define DEF_CR(n)                                                         \
	static inline uint64_t read_cr##n(void)                           \
	{                                                                 \
		uint64_t v;                                               \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));         \
		return v;                                                 \
	}                                                                 \
	static inline void write_cr##n(uint64_t v)                        \
	{                                                                 \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEF_CR(0)
DEF_CR(3)
DEF_CR(4)
#undef DEF_CR

#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_PAT 0x277
#define MSR_IA32_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_DE (1ull << 3)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_VMXE (1ull << 13)
#define CR4_OSXSAVE (1ull << 18)
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#endif
