/*
 * The XSAVE feature set as guests see it (SDM Vol. 1 Chapter 13 "Managing
 * State Using the XSAVE Feature Set"): the XCR0 state components, and the
 * rules XSETBV enforces on a new XCR0 value (SDM Vol. 2D "XSETBV",
 * Protected Mode Exceptions; Vol. 1 §13.3 "Enabling the XSAVE Feature Set
 * and XSAVE-Enabled Features"). Pure functions only, so that the host
 * tests check the rules (tests/unit/hv/test_xstate.c); hv/core/xstate.c
 * holds the per-vCPU state and its switching.
 */
#ifndef HV_CORE_XSTATE_H
#define HV_CORE_XSTATE_H
#include <stdbool.h>
#include <stdint.h>

/* XCR0 bits: state components (SDM Vol. 1 §13.1, Table 13-1). */
#define XFEAT_X87       (1ull << 0)
#define XFEAT_SSE       (1ull << 1)
#define XFEAT_AVX       (1ull << 2)
#define XFEAT_BNDREGS   (1ull << 3)
#define XFEAT_BNDCSR    (1ull << 4)
#define XFEAT_OPMASK    (1ull << 5)
#define XFEAT_ZMM_HI256 (1ull << 6)
#define XFEAT_HI16_ZMM  (1ull << 7)
#define XFEAT_PKRU      (1ull << 9)
#define XFEAT_TILECFG   (1ull << 17)
#define XFEAT_TILEDATA  (1ull << 18)
#define XFEAT_AVX512    (XFEAT_OPMASK | XFEAT_ZMM_HI256 | XFEAT_HI16_ZMM)

/* The user state components hv switches between vCPUs and so may offer
 * to guests: x87, SSE, AVX and AVX-512, all in the standard format's
 * first 2,688 bytes, so one page holds a vCPU's area. MPX (deprecated),
 * PKRU (needs CR4.PKE, which hv does not offer) and AMX (its tile data
 * alone is 8 KiB) are not offered. */
#define XFEAT_OFFERABLE (XFEAT_X87 | XFEAT_SSE | XFEAT_AVX | XFEAT_AVX512)

/* Reset value of XCR0 (SDM Vol. 1 §13.3: XCR0 is 1 after reset). */
#define XCR0_RESET XFEAT_X87

/* May XSETBV load val into XCR0, given the components hv offers? The
 * rules of SDM Vol. 2D "XSETBV" #GP(0): a bit not offered (reserved or
 * unsupported) set, XCR0[0] clear, XCR0[2:1] = 10b, XCR0[3] != XCR0[4],
 * AVX-512 bits set without XCR0[2:1] = 11b, XCR0[7:5] other than 000b or
 * 111b, and XCR0[17] != XCR0[18]. */
static inline bool xcr0_valid(uint64_t val, uint64_t offered)
{
	if (val & ~offered)
		return false;
	if (!(val & XFEAT_X87))
		return false;
	if ((val & XFEAT_AVX) && !(val & XFEAT_SSE))
		return false;
	if (!(val & XFEAT_BNDREGS) != !(val & XFEAT_BNDCSR))
		return false;
	if ((val & XFEAT_AVX512) &&
	    ((val & XFEAT_AVX512) != XFEAT_AVX512 || !(val & XFEAT_AVX)))
		return false;
	return !(val & XFEAT_TILECFG) == !(val & XFEAT_TILEDATA);
}

/* Sizes of an XSAVE area (SDM Vol. 1 §13.4 "XSAVE Area"): the legacy
 * region (512 bytes) and the header (64) come first; each component i >= 2
 * has a size and, in the standard format, an offset (CPUID.(EAX=0DH,
 * ECX=i):EAX and EBX), and in the compacted format starts at the next
 * 64-byte boundary when CPUID.(EAX=0DH,ECX=i):ECX[1] is set (§13.4.3). */
#define XSTATE_LEGACY_HEADER 576u
#define XSTATE_HEADER_OFFSET 512u   /* its first field: XSTATE_BV (§13.4.2) */

/* An area's XSTATE_BV: the components not in their initial state. */
static inline uint64_t xstate_area_bv(const void *area)
{
	uint64_t bv;

	__builtin_memcpy(&bv, (const uint8_t *)area + XSTATE_HEADER_OFFSET, sizeof(bv));
	return bv;
}
#define XSTATE_COMPONENTS 8    /* bits 0-7: what XFEAT_OFFERABLE covers */

struct xstate_layout {
	uint32_t size[XSTATE_COMPONENTS], offset[XSTATE_COMPONENTS];
	bool align64[XSTATE_COMPONENTS];
};

/* Bytes of a standard-format area holding the components of xcr0. */
static inline uint32_t xstate_size_standard(const struct xstate_layout *l, uint64_t xcr0)
{
	uint32_t end = XSTATE_LEGACY_HEADER;

	for (unsigned i = 2; i < XSTATE_COMPONENTS; i++)
		if ((xcr0 & (1ull << i)) && l->offset[i] + l->size[i] > end)
			end = l->offset[i] + l->size[i];
	return end;
}

/* Bytes of a compacted-format area (XSAVEC) holding those of xcr0. */
static inline uint32_t xstate_size_compacted(const struct xstate_layout *l, uint64_t xcr0)
{
	uint32_t end = XSTATE_LEGACY_HEADER;

	for (unsigned i = 2; i < XSTATE_COMPONENTS; i++) {
		if (!(xcr0 & (1ull << i)))
			continue;
		if (l->align64[i])
			end = (end + 63) & ~63u;
		end += l->size[i];
	}
	return end;
}
#endif
