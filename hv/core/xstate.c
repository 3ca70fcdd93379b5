/*
 * Each vCPU's extended state (x87, SSE, AVX, AVX-512) and XCR0 (SDM Vol. 1
 * Chapter 13 "Managing State Using the XSAVE Feature Set").
 *
 * VT-x and SVM switch neither XCR0 nor the registers XSAVE manages, so hv
 * does: the registers and XCR0 always hold the state of one vCPU, this
 * CPU's xstate_owner, and before a different vCPU enters
 * (sched_prepare_entry -> xstate_load -> xstate_switch) hv saves the owner's state into its
 * area and loads the next one's. Save and restore run with XCR0 set to
 * every component hv switches, so that a component a vCPU has disabled in
 * its own XCR0 is still saved and restored, and a component absent from
 * an area's XSTATE_BV is put in its initial state by XRSTOR (SDM Vol. 1
 * §13.8.1 "Standard Form of XRSTOR"): no vCPU ever sees another's
 * registers. hv itself is built with -mgeneral-regs-only and touches none
 * of them otherwise.
 *
 * XSETBV exits unconditionally (SDM Vol. 3C §26.1.2); hv validates the new
 * XCR0 against what it offers (CPUID leaf 0xD, built here) and keeps it
 * per vCPU. Without XSAVE in the CPU, hv switches x87/SSE with FXSAVE and
 * offers no XSAVE (XSETBV is then #UD in the guest, as CR4.OSXSAVE cannot
 * be set).
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "xstate.h"

#define CPUID1_ECX_FMA     (1u << 12)
#define CPUID1_ECX_XSAVE   (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX     (1u << 28)
#define CPUID1_ECX_F16C    (1u << 29)
/* CPUID.(EAX=7,ECX=0) (SDM Vol. 2A CPUID, "Structured Extended Feature
 * Flags"): AVX2, MPX, the AVX-512 family, PKU/OSPKE and AMX. */
#define CPUID7_EBX_AVX2    (1u << 5)
#define CPUID7_EBX_MPX     (1u << 14)
#define CPUID7_EBX_AVX512  0xdc230000u   /* F DQ IFMA PF ER CD BW VL: 16 17 21 26 27 28 30 31 */
#define CPUID7_ECX_AVX512  0x00005842u   /* VBMI VBMI2 VNNI BITALG VPOPCNTDQ: 1 6 11 12 14 */
#define CPUID7_ECX_PKU     (3u << 3)     /* PKU, OSPKE */
#define CPUID7_EDX_AVX512  0x0080010cu   /* 4VNNIW 4FMAPS VP2INTERSECT FP16: 2 3 8 23 */
#define CPUID7_EDX_AMX     0x03400000u   /* AMX-BF16, AMX-TILE, AMX-INT8: 22 24 25 */
/* CPUID.(EAX=0DH,ECX=1):EAX (SDM Vol. 1 §13.2): XSAVEOPT, XSAVEC, XGETBV
 * with ECX = 1; XSAVES (bit 3) is not offered: IA32_XSS is not emulated.
 * XSAVEC only where it stores what the SDM says (xsavec_sound). */
#define CPUID_D1_EAX_OFFERED 0x7u
#define CPUID_D1_EAX_XSAVEC  (1u << 1)

/* FXSAVE image of the initial state (SDM Vol. 1 §10.5.1, Table 10-2):
 * FCW 0x37f, MXCSR 0x1f80 at byte 24. XRSTOR takes MXCSR from the legacy
 * region whenever it restores SSE or AVX, initial or not (§13.8.1). */
#define LEGACY_FCW_OFF   0
#define LEGACY_MXCSR_OFF 24
#define FCW_INIT   0x037f
#define MXCSR_INIT 0x1f80u

static struct {
	bool xsave;                  /* the CPU has XSAVE (CPUID.1:ECX[26]) */
	uint64_t mask;               /* XCR0 components hv switches and offers */
	uint32_t size;               /* standard-format bytes for mask */
	uint32_t d1_eax;             /* CPUID.(0DH,1):EAX bits offered */
	struct xstate_layout layout;
} xs;

/* XCR0 as this CPU has it; written only here. */
static void xcr0_load(uint64_t val)
{
	struct percpu *c = this_cpu();

	if (c->xcr0 != val) {
		xsetbv(0, val);
		c->xcr0 = val;
	}
}

static void layout_read(void)
{
	uint32_t r[4];

	for (unsigned i = 2; i < XSTATE_COMPONENTS; i++) {
		if (!(xs.mask & (1ull << i)))
			continue;
		cpuid(0xd, i, r);
		xs.layout.size[i] = r[0];
		xs.layout.offset[i] = r[1];
		xs.layout.align64[i] = r[2] & 2;
	}
}

/* In the compacted format the first component above SSE starts at byte
 * 576, right after the XSAVE header (SDM Vol. 1 §13.4.3). Bochs 2.7's
 * XSAVEC stores it at 416, inside the legacy region, while its XRSTOR
 * reads it from 576: a guest that switches tasks with XSAVEC (Linux 6.1
 * does when XSAVES is absent) gets other registers' bytes back in YMM and
 * ZMM, and its processes die (a busybox's TLS set-up copied zeros).
 * So hv stores a known YMM0 once and offers XSAVEC only if its upper
 * half lands at 576. Runs at boot, before any vCPU's state is loaded. */
static bool xsavec_sound(void)
{
	static uint8_t area[1024] __attribute__((aligned(64)));
	static const uint64_t pat[4] = { 0x0123456789abcdefull, 0xfedcba9876543210ull,
					 0x5a5a5a5a0f0f0f0full, 0xa5a5a5a5f0f0f0f0ull };
	uint64_t hi[2];

	memset(area, 0, sizeof(area));
	xsetbv(0, XFEAT_X87 | XFEAT_SSE | XFEAT_AVX);
	__asm__ volatile("vmovdqu %0, %%ymm0" : : "m"(pat));
	xsavec64(area, XFEAT_X87 | XFEAT_SSE | XFEAT_AVX);
	__asm__ volatile("vzeroall");
	memcpy(hi, area + 576, sizeof(hi));
	return hi[0] == pat[2] && hi[1] == pat[3];
}

static void d1_probe(void)
{
	uint32_t r[4];

	cpuid(0xd, 1, r);
	xs.d1_eax = r[0] & CPUID_D1_EAX_OFFERED;
	if (!(xs.d1_eax & CPUID_D1_EAX_XSAVEC) || !(xs.mask & XFEAT_AVX) || xsavec_sound())
		return;
	xs.d1_eax &= ~CPUID_D1_EAX_XSAVEC;
	hv_info("hv: XSAVEC stores AVX state off the SDM's compacted layout: not offered");
}

void xstate_init(void)
{
	uint32_t r[4];
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	cpuid(1, 0, r);
	xs.xsave = r[2] & CPUID1_ECX_XSAVE;
	xs.mask = XFEAT_X87 | XFEAT_SSE;
	xs.size = 512;
	if (!xs.xsave) {
		write_cr4(cr4);
		return;
	}
	write_cr4(cr4 | CR4_OSXSAVE);
	cpuid(0xd, 0, r);
	xs.mask = ((uint64_t)r[3] << 32 | r[0]) & XFEAT_OFFERABLE;
	/* Offer AVX-512 whole, and only with AVX (the XSETBV rules). */
	if ((xs.mask & XFEAT_AVX512) != XFEAT_AVX512 || !(xs.mask & XFEAT_AVX))
		xs.mask &= ~XFEAT_AVX512;
	if (!(xs.mask & XFEAT_SSE))
		xs.mask &= ~XFEAT_AVX;
	layout_read();
	xs.size = xstate_size_standard(&xs.layout, xs.mask);
	if (xs.size > 4096)
		hv_panic("hv: XSAVE area of %u bytes for XCR0 %#lx exceeds a page", xs.size, xs.mask);
	d1_probe();
	this_cpu()->xcr0 = XCR0_RESET;
	xsetbv(0, XCR0_RESET);
	hv_info("hv: XSAVE: XCR0 components %#lx offered, %u-byte areas", xs.mask, xs.size);
}

/* An AP, once the boot CPU's xstate_init has read the CPU: the same CR4
 * bits (XSETBV #UDs without CR4.OSXSAVE, SDM Vol. 2D) and XCR0. */
void xstate_init_ap(void)
{
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	if (!xs.xsave) {
		write_cr4(cr4);
		return;
	}
	write_cr4(cr4 | CR4_OSXSAVE);
	this_cpu()->xcr0 = XCR0_RESET;
	xsetbv(0, XCR0_RESET);
}

int xstate_vcpu_init(struct vcpu *v)
{
	uint64_t pa;
	uint8_t *a;
	uint16_t fcw = FCW_INIT;
	uint32_t mxcsr = MXCSR_INIT;

	if (hv_pool_alloc(&pa))
		return -1;
	/* A zeroed page: XSTATE_BV and XCOMP_BV 0 (every component in its
	 * initial state, standard format), then FCW and MXCSR as at reset
	 * for FXRSTOR, which reads the whole legacy image. */
	a = (uint8_t *)(uintptr_t)pa;
	memcpy(a + LEGACY_FCW_OFF, &fcw, sizeof(fcw));
	memcpy(a + LEGACY_MXCSR_OFF, &mxcsr, sizeof(mxcsr));
	v->xsave_area = a;
	v->xcr0 = XCR0_RESET;
	return 0;
}

void xstate_vcpu_free(struct vcpu *v)
{
	struct percpu *c = this_cpu();

	if (!v->xsave_area)
		return;
	/* The registers keep the state of a vCPU that is gone; the next
	 * vCPU's load overwrites all of them, and nothing saves them. */
	if (c->xstate_owner == v)
		c->xstate_owner = NULL;
	hv_pool_free((uint64_t)(uintptr_t)v->xsave_area);
	v->xsave_area = NULL;
}

/* Whether the x87 state (component 0) in two standard-form areas is
 * the same: both in its initial configuration (XSTATE_BV bit 0 clear in
 * the header at byte 512, SDM Vol. 1 §13.4.2), or both saved with the
 * same FCW, FSW, FTW, FOP, FIP, FDP (bytes 0-23) and ST0-ST7 (bytes
 * 32-159, §13.4.1, Table 13-1). MXCSR (byte 24) is the SSE component's. */
static bool x87_same(const uint8_t *a, const uint8_t *b)
{
	uint64_t ia = xstate_area_bv(a) & XFEAT_X87, ib = xstate_area_bv(b) & XFEAT_X87;

	if (ia != ib)
		return false;
	return !ia || (!memcmp(a, b, 24) && !memcmp(a + 32, b + 32, 128));
}

/* XRSTOR leaves a component out of RFBM untouched (SDM Vol. 1 §13.8):
 * where the x87 state hv would load is the one the CPU has (most
 * vCPUs never run an x87 instruction), it is left out. Besides the
 * bytes, this keeps away QEMU 7.2's TCG race (docs/ARCHITECTURE.md,
 * "Children on the APs"): every restore of the x87 state there clears
 * IGNNE in the boot CPU's flags by an unlocked read-modify-write, which
 * can put back the nested-paging bit of a #VMEXIT it straddles. */
static uint64_t restore_mask(const struct vcpu *prev, const struct vcpu *v)
{
	if (prev && x87_same(prev->xsave_area, v->xsave_area))
		return xs.mask & ~(uint64_t)XFEAT_X87;
	return xs.mask;
}

void xstate_switch(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	struct vcpu *prev = c->xstate_owner;
	uint64_t t0 = rdtsc();

	if (!xs.xsave) {
		if (prev)
			fxsave64(prev->xsave_area);
		fxrstor64(v->xsave_area);
	} else {
		xcr0_load(xs.mask);
		if (prev)
			xsave64(prev->xsave_area, xs.mask);
		xrstor64(v->xsave_area, restore_mask(prev, v));
		xcr0_load(v->xcr0);
	}
	c->xstate_owner = v;
	if (prev) {
		c->xstate_switches++;
		c->xstate_ticks += rdtsc() - t0;
	}
}

/* v's registers leave this CPU (hv/core/smp_run.c): saved to its area
 * if the CPU holds them, so that another CPU can load or read them. */
void xstate_release(struct vcpu *v)
{
	struct percpu *c = this_cpu();

	if (c->xstate_owner != v)
		return;
	if (!xs.xsave) {
		fxsave64(v->xsave_area);
	} else {
		xcr0_load(xs.mask);
		xsave64(v->xsave_area, xs.mask);
	}
	c->xstate_owner = NULL;
}

/* XSETBV (SDM Vol. 2D): ECX names the XCR (only XCR0 exists), EDX:EAX the
 * value. #GP(0) at CPL > 0 (the CPU may check that before or after the
 * exit: Bochs exits first), for another XCR, and for a value the rules of
 * xcr0_valid refuse. */
void hv_handle_xsetbv(struct vcpu *v)
{
	uint64_t val = (v->gpr[GPR_RDX] << 32) | (uint32_t)v->gpr[GPR_RAX];

	if (arch_vcpu_cpl(v) != 0 || (uint32_t)v->gpr[GPR_RCX] != 0 ||
	    !xcr0_valid(val, xs.xsave ? xs.mask : 0)) {
		arch_vcpu_inject_gp(v);
		return;
	}
	v->xcr0 = val;
	if (this_cpu()->xstate_owner != v)
		hv_panic("hv: XSETBV of partition %lu while another vCPU's state is loaded",
			 v->part->id);
	xcr0_load(val);
	arch_vcpu_skip_insn(v);
}

/*
 * After an exit on a CPU that may not have exited for the guest's XSETBV:
 * QEMU 7.2's TCG emulates SVM but its XSETBV never checks the intercept
 * (target/i386/tcg/fpu_helper.c, helper_xsetbv), so the guest's XSETBV
 * runs natively, XCR0 changes under hv, and CPUID leaf 0xD then reported
 * sizes for a stale XCR0 (Linux: "XSAVE consistency problem", XSAVE
 * turned off). XCR0 belongs to the vCPU that owns the registers, so hv
 * follows it. A component hv does not offer is taken away again: the
 * guest ran an XSETBV hv would have refused with #GP.
 */
void xstate_follow_xcr0(struct vcpu *v)
{
	static bool warned;
	struct percpu *c = this_cpu();
	uint64_t now;

	if (!xs.xsave || c->xstate_owner != v)
		return;
	now = xgetbv(0);
	if (now == c->xcr0)
		return;
	c->xcr0 = now;
	if (now & ~xs.mask) {
		if (!warned)
			hv_warn("hv: partition %lu set XCR0 %#lx without an XSETBV exit; %#lx kept",
				v->part->id, now, v->xcr0);
		warned = true;
		xcr0_load(v->xcr0);
		return;
	}
	v->xcr0 = now;
}

/* Leaf 1 ECX: XSAVE and AVX as offered; OSXSAVE is the guest's own
 * CR4.OSXSAVE (SDM Vol. 2A CPUID, Table 3-10, bit 27): the CPUID hv runs
 * reflects hv's CR4, not the guest's. */
static void leaf1(struct vcpu *v, uint32_t r[4])
{
	r[2] &= ~(CPUID1_ECX_OSXSAVE | (xs.xsave ? 0 : CPUID1_ECX_XSAVE));
	if (!(xs.mask & XFEAT_AVX))
		r[2] &= ~(CPUID1_ECX_AVX | CPUID1_ECX_FMA | CPUID1_ECX_F16C);
	if (arch_vcpu_cr4(v) & CR4_OSXSAVE)
		r[2] |= CPUID1_ECX_OSXSAVE;
}

/* Leaf 7 sub-leaf 0: no feature whose state hv does not switch. */
static void leaf7(uint32_t r[4])
{
	r[1] &= ~CPUID7_EBX_MPX;
	r[2] &= ~CPUID7_ECX_PKU;
	r[3] &= ~CPUID7_EDX_AMX;
	if (!(xs.mask & XFEAT_AVX))
		r[1] &= ~CPUID7_EBX_AVX2;
	if (!(xs.mask & XFEAT_AVX512)) {
		r[1] &= ~CPUID7_EBX_AVX512;
		r[2] &= ~CPUID7_ECX_AVX512;
		r[3] &= ~CPUID7_EDX_AVX512;
	}
}

/* Leaf 0xD (SDM Vol. 1 §13.2): sub-leaf 0 the offered components, the
 * size for the vCPU's XCR0 (EBX) and for all offered ones (ECX);
 * sub-leaf 1 without XSAVES and IA32_XSS, EBX the compacted size for its
 * XCR0; sub-leaves 2-7 of offered components as the CPU has them; the
 * rest 0. */
static void leaf_d(struct vcpu *v, uint32_t sub, uint32_t r[4])
{
	if (!xs.xsave || (sub >= 2 && (sub >= 64 || !(xs.mask & (1ull << sub))))) {
		r[0] = r[1] = r[2] = r[3] = 0;
		return;
	}
	if (sub == 0) {
		r[0] = (uint32_t)xs.mask;
		r[1] = xstate_size_standard(&xs.layout, v->xcr0);
		r[2] = xs.size;
		r[3] = (uint32_t)(xs.mask >> 32);
	} else if (sub == 1) {
		r[0] &= xs.d1_eax;
		r[1] = xstate_size_compacted(&xs.layout, v->xcr0);
		r[2] = r[3] = 0;
	}
}

void xstate_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	if (leaf == 1)
		leaf1(v, r);
	else if (leaf == 7 && sub == 0)
		leaf7(r);
	else if (leaf == 0xd)
		leaf_d(v, sub, r);
}

/* ---- the vCPU context's XSAVE area (hv/core/vpctx.c) ---- */

/* The parent, whose hypercall runs, owns the registers, so v's state is
 * in its area (xstate_switch saved it when the parent entered). */
uint32_t xstate_ctx_get(struct vcpu *v, void *dst, uint64_t *xcr0)
{
	if (this_cpu()->xstate_owner == v)
		hv_panic("hv: context of partition %lu read while its state is loaded",
			 v->part->id);
	memcpy(dst, v->xsave_area, xs.size);
	*xcr0 = v->xcr0;
	return xs.size;
}

/* MXCSR bits the CPU takes (FXSAVE's MXCSR_MASK; 0 means 0xFFBF, SDM
 * Vol. 1 §11.6.6). FXRSTOR and XRSTOR #GP on any other (SDM Vol. 2A
 * FXRSTOR, Vol. 2D XRSTOR). */
static uint32_t mxcsr_mask(void)
{
	static uint8_t img[512] __attribute__((aligned(64)));
	static uint32_t mask;

	if (!mask) {
		fxsave64(img);
		memcpy(&mask, img + 28, sizeof(mask));
		if (!mask)
			mask = 0xffbf;
	}
	return mask;
}

/* What XRSTOR in standard form would fault on (SDM Vol. 1 §13.8.1 and
 * Vol. 2D XRSTOR #GP): XSTATE_BV naming a component hv does not switch,
 * XCOMP_BV or header bytes 63:16 not 0, reserved MXCSR bits; and an XCR0
 * XSETBV would refuse. The size must be this host's (same layout). */
int xstate_ctx_check(const void *area, uint32_t size, uint64_t xcr0)
{
	const uint8_t *a = area;
	uint64_t hdr[8];
	uint32_t mxcsr;

	memcpy(&mxcsr, a + LEGACY_MXCSR_OFF, sizeof(mxcsr));
	if (size != xs.size || (mxcsr & ~mxcsr_mask()))
		return -EINVAL;
	if (!xs.xsave)
		return xcr0 == XCR0_RESET ? 0 : -EINVAL;
	if (!xcr0_valid(xcr0, xs.mask))
		return -EINVAL;
	memcpy(hdr, a + 512, sizeof(hdr));
	if (hdr[0] & ~xs.mask)
		return -EINVAL;
	for (unsigned i = 1; i < 8; i++)
		if (hdr[i])
			return -EINVAL;
	return 0;
}

void xstate_ctx_set(struct vcpu *v, const void *area, uint32_t size, uint64_t xcr0)
{
	memcpy(v->xsave_area, area, size);
	v->xcr0 = xcr0;
}
