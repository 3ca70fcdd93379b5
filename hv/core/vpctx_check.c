/*
 * Checks of an imported vCPU context (docs/hypercalls.md "vCPU
 * context"): every field is checked before anything changes, against
 * what the architecture allows and what hv emulates, so that a bad
 * context is HV_STATUS_INVALID_PARAMETER and never a failed VM entry or
 * a fault in hv. The backend adds what only its CPU refuses
 * (arch_vcpu_check_context); the vLAPIC, MSRs and XSAVE area are checked
 * by their owners (vlapic.c, msr.c, xstate.c).
 */
#include <errno.h>
#include <hv/hv.h>
#include <hv/x86.h>
#include "vpctx.h"

/* CR0 bits that exist (SDM Vol. 3A §2.5): PE MP EM TS ET NE WP AM NW CD PG. */
#define CR0_DEFINED 0xe005003full
/* CR4 bits a child may hold: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR
 * OSXMMEXCPT UMIP FSGSBASE PCIDE OSXSAVE SMEP SMAP, and LA57 where this
 * CPU has it (hv offers it, CPUID 7.0:ECX[16], and Linux on QEMU's CPU
 * models turns on 5-level paging). Not VMXE or SMXE (hidden,
 * docs/ARCHITECTURE.md "CPUID"), PKE or CET (not offered). */
#define CR4_ALLOWED 0x370fffull
#define CR4_LA57    (1ull << 12)
#define EFER_ALLOWED (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
/* RFLAGS: bit 1 is 1; 3, 5, 15 and 63:22 are reserved (Vol. 1 §3.4.3). */
#define RFLAGS_RSVD (0xffffffffffc08028ull)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_VM (1ull << 17)
/* VMX access rights: 11:8 and 31:17 reserved (Vol. 3C §25.4.1). */
#define AR_RSVD 0xfffe0f00u
#define AR_L (1u << 13)
#define AR_D (1u << 14)


static unsigned maxphyaddr(void)
{
	uint32_t r[4];

	cpuid(0x80000008u, 0, r);
	return r[0] & 0xff;
}

static uint64_t cr4_allowed(void)
{
	uint32_t r[4];

	cpuid(7, 0, r);
	return CR4_ALLOWED | ((r[2] >> 16) & 1 ? CR4_LA57 : 0);
}

static bool seg_ok(const struct hvpart_seg *s, bool base_canonical)
{
	return !(s->ar & AR_RSVD) && !s->rsvd[0] && !s->rsvd[1] && !s->rsvd[2] &&
	       (base_canonical ? x86_canonical(s->base) : !(s->base >> 32));
}

/* The control registers and EFER together (Vol. 3A §2.5, §9.8.5; the
 * VM-entry checks of Vol. 3C §26.3.1.1 that hold on any CPU). */
static int check_controls(const struct hvpart_vp_state *r)
{
	bool lma = r->efer & EFER_LMA, pg = r->cr0 & CR0_PG;

	if ((r->cr0 & ~CR0_DEFINED) || ((r->cr0 & CR0_NW) && !(r->cr0 & CR0_CD)) ||
	    (pg && !(r->cr0 & CR0_PE)))
		return -EINVAL;
	if ((r->cr4 & ~cr4_allowed()) || (r->efer & ~EFER_ALLOWED))
		return -EINVAL;
	if (lma != ((r->efer & EFER_LME) && pg) || (lma && !(r->cr4 & CR4_PAE)))
		return -EINVAL;
	if (r->cr3 >> maxphyaddr())
		return -EINVAL;
	if ((r->rflags & RFLAGS_RSVD) || !(r->rflags & 2) || (lma && (r->rflags & RFLAGS_VM)))
		return -EINVAL;
	return 0;
}

static int check_regs(const struct hvpart_vp_state *r)
{
	bool lma = r->efer & EFER_LMA, code64 = lma && (r->cs.ar & AR_L);
	const struct hvpart_seg *data[] = { &r->ds, &r->es, &r->ss };

	if (lma && (r->cs.ar & AR_L) && (r->cs.ar & AR_D))
		return -EINVAL;
	if (!seg_ok(&r->cs, false) || !seg_ok(&r->fs, true) || !seg_ok(&r->gs, true) ||
	    !seg_ok(&r->tr, true) || !seg_ok(&r->ldtr, true))
		return -EINVAL;
	for (unsigned i = 0; i < 3; i++)
		if (!seg_ok(data[i], false))
			return -EINVAL;
	if (!x86_canonical(r->gdtr_base) || !x86_canonical(r->idtr_base) ||
	    (r->gdtr_limit | r->idtr_limit) > 0xffff)
		return -EINVAL;
	return (code64 ? x86_canonical(r->rip) : !(r->rip >> 32)) ? 0 : -EINVAL;
}

/* The pending event and the shadows (Vol. 3C §26.3.1.4-§26.3.1.5, the
 * entry checks of event injection and interruptibility). */
static int check_events(const struct hvpart_vp_context_body *c)
{
	const struct hvpart_vp_events *e = &c->ev;
	uint32_t p = e->pending, type = (p >> 8) & 7, vec = p & 0xff;
	bool irq_ok = (c->regs.rflags & RFLAGS_IF) &&
		      !(e->shadow & (HVPART_SHADOW_STI | HVPART_SHADOW_MOV_SS));
	static const uint32_t with_error = (1u << 8) | (0x1fu << 10) | (1u << 17);

	if ((e->shadow & ~(HVPART_SHADOW_STI | HVPART_SHADOW_MOV_SS | HVPART_SHADOW_NMI_BLOCKED)) ||
	    (e->shadow & 3) == 3 || ((e->shadow & HVPART_SHADOW_STI) && !(c->regs.rflags & RFLAGS_IF)))
		return -EINVAL;
	if (e->halted > 2 || e->nmi_pending > 1 || e->rsvd)
		return -EINVAL;
	if (!(p & HVPART_EVENT_VALID))
		return p || e->error_code ? -EINVAL : 0;
	if (p & ~(0xffu | (7u << 8) | HVPART_EVENT_ERR_VALID | HVPART_EVENT_VALID))
		return -EINVAL;
	if (type == 0)
		return vec >= 16 && irq_ok && !(p & HVPART_EVENT_ERR_VALID) ? 0 : -EINVAL;
	if (type == 2)
		return vec == 2 && !(p & HVPART_EVENT_ERR_VALID) ? 0 : -EINVAL;
	if (type != 3 || vec >= 32 || vec == 2)
		return -EINVAL;
	return !!(p & HVPART_EVENT_ERR_VALID) == !!(with_error & (1u << vec)) ? 0 : -EINVAL;
}

static int check_debug(const struct hvpart_vp_context_body *c)
{
	for (unsigned i = 0; i < 4; i++)
		if (!x86_canonical(c->dr[i]))
			return -EINVAL;
	return (c->dr6 >> 32) || (c->dr7 >> 32) ? -EINVAL : 0;
}

const char *vpctx_check_cpu(const struct hvpart_vp_context_body *c)
{
	if (check_controls(&c->regs))
		return "control registers, EFER or RFLAGS";
	if (check_regs(&c->regs))
		return "segments, descriptor tables or RIP";
	if (check_events(c))
		return "pending event or shadows";
	if (check_debug(c))
		return "debug registers";
	return arch_vcpu_check_context(c) ? "state the backend refuses" : NULL;
}
