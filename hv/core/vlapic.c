/*
 * A child's local APIC (SDM Vol. 3A chapter 11): one register state
 * behind both interfaces, the x2APIC MSRs (§11.12) and the xAPIC page
 * at the APIC base (§11.4.1, Table 11-1; reached through hv/core/mmio.c,
 * the page having no RAM behind it), with IA32_APIC_BASE's disabled,
 * xAPIC and x2APIC modes and their legal transitions (§11.12.5):
 * ID, version, TPR, PPR, EOI, LDR/DFR, SVR, ISR/IRR/TMR, ESR, the LVTs
 * (timer, thermal, performance, LINT0, LINT1, error: masked at reset and
 * while software-disabled, §11.4.7.2), ICR (IPIs among the partition's
 * vCPUs: hv/core/ipi.c), SELF IPI, and the timer in
 * one-shot, periodic and TSC-deadline modes (§11.5.4). The timer counts
 * at the TSC rate divided by the divide configuration, as
 * docs/child-platform.md promises. A child has no LINT wires, thermal
 * sensor or PMU: those LVTs are kept but never fire.
 */
#include <errno.h>
#include <string.h>
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/x86.h>
#include "synic.h"
#include "mmio.h"

#define MSR_APIC_BASE     0x1b
#define MSR_TSC_DEADLINE  0x6e0
#define X2APIC_BASE       0x800
#define APIC_BASE_BSP     (1ull << 8)
#define APIC_BASE_EXTD    (1ull << 10)
#define APIC_BASE_EN      (1ull << 11)
/* At start the APIC is in x2APIC mode, as firmware that enabled x2APIC
 * leaves it (docs/child-platform.md). */
#define APIC_BASE_START   (0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP)
#define LVT_MASKED        (1u << 16)
#define LVT_TIMER_MODE(l) (((l) >> 17) & 3)
#define TIMER_ONESHOT     0
#define TIMER_PERIODIC    1
#define TIMER_DEADLINE    2
#define SVR_ENABLE        (1u << 8)
#define LVT_ERROR         4          /* lvt[] index of register 0x37 */
#define ESR_SEND_ILLEGAL  (1u << 5)  /* Figure 11-9 */
#define ESR_RECV_ILLEGAL  (1u << 6)
#define ESR_ILLEGAL_REG   (1u << 7)

/* Power-up and INIT state (§11.4.7.1): IRR, ISR, TMR, ICR, LDR, TPR 0,
 * DFR all ones, LVTs masked, SVR 0xff (software-disabled). */
void vlapic_reset(struct vlapic *l)
{
	memset(l, 0, sizeof(*l));
	l->svr = 0xff;
	l->lvt_timer = LVT_MASKED;
	for (unsigned i = 0; i < VLAPIC_NLVT; i++)
		l->lvt[i] = LVT_MASKED;
	l->dfr = ~0u;
	l->divide_shift = 1;      /* divide configuration 0 = divide by 2 */
	l->apic_base = APIC_BASE_START;
}

/* A child's APIC at its first instruction, as PC firmware leaves the
 * boot processor's: software-enabled, in virtual wire mode (Intel
 * MultiProcessor Specification 1.4 §3.6.2.2), LINT0 taking the 8259's
 * interrupts as ExtINT and LINT1 wired to NMI, both level-triggered. A
 * Multiboot kernel that only programs the 8259 pair then gets its
 * interrupts, as on a real PC; before, a child's APIC started
 * software-disabled and the 8259's requests stayed pending for ever. */
#define LVT_LINT0 2
#define LVT_LINT1 3
void vlapic_reset_firmware(struct vlapic *l, bool bsp)
{
	vlapic_reset(l);
	if (!bsp) {
		/* An AP waits for its INIT-SIPI in the power-up state, its
		 * BSP flag clear (§8.4.1, §11.4.4). */
		l->apic_base &= ~APIC_BASE_BSP;
		return;
	}
	l->svr = SVR_ENABLE | 0xff;
	l->lvt[LVT_LINT0] = 0x8700;
	l->lvt[LVT_LINT1] = 0x8400;
}

/* IA32_APIC_BASE modes: EN (bit 11) and EXTD (bit 10), §11.12.5. */
enum { APIC_DISABLED, APIC_INVALID, APIC_XAPIC, APIC_X2APIC };

static unsigned apic_mode(uint64_t base)
{
	return (unsigned)((base >> 10) & 3);
}

/* The transitions WRMSR may make (§11.12.5, Figure 11-28 "Local x2APIC
 * State Transitions"): none into the invalid state (EN = 0, EXTD = 1);
 * x2APIC to xAPIC and disabled to x2APIC only through xAPIC and disabled
 * respectively; writing the current mode (a base change) is allowed. */
static const bool apic_transition_ok[4][4] = {
	[APIC_DISABLED] = { [APIC_DISABLED] = true, [APIC_XAPIC] = true },
	[APIC_XAPIC] = { [APIC_DISABLED] = true, [APIC_XAPIC] = true, [APIC_X2APIC] = true },
	[APIC_X2APIC] = { [APIC_DISABLED] = true, [APIC_X2APIC] = true },
};

/* Reserved: bits 0-7, 9, and from MAXPHYADDR up (§11.4.4, Figure 11-5). */
static uint64_t apic_base_reserved(void)
{
	static uint64_t rsvd;
	uint32_t r[4];

	if (!rsvd) {
		cpuid(0x80000008u, 0, r);
		rsvd = 0x2ffull | ~((1ull << (r[0] & 0xff)) - 1);
	}
	return rsvd;
}

/* 0, or -2 (#GP) for reserved bits or an illegal transition. Disabling
 * puts the APIC back in its power-up state, as §11.4.3 allows ("prior
 * initialization to the APIC may be lost"): no interrupt from before
 * survives, and a later enable starts clean. The x2APIC ID, 0, stays. */
static int apic_base_write(struct vlapic *l, uint64_t val)
{
	unsigned from = apic_mode(l->apic_base), to = apic_mode(val);

	if ((val & apic_base_reserved()) || !apic_transition_ok[from][to])
		return -2;
	if (to == APIC_DISABLED && from != APIC_DISABLED)
		vlapic_reset(l);
	l->apic_base = val;
	return 0;
}

bool vlapic_enabled(const struct vcpu *v)
{
	return v->lapic.apic_base & APIC_BASE_EN;
}

/* Asked four times on an entry that injects (vlapic_pending_vector
 * before and after), mostly of an empty ISR: by 64-bit halves. */
static int highest(const uint32_t set[8])
{
	uint64_t q[4];

	__builtin_memcpy(q, set, sizeof(q));   /* inline: no call (-ffreestanding) */
	for (int w = 3; w >= 0; w--)
		if (q[w])
			return w * 64 + 63 - __builtin_clzll(q[w]);
	return -1;
}

static void set_bit256(uint32_t set[8], int v)
{
	set[v / 32] |= 1u << (v % 32);
}

static void clear_bit256(uint32_t set[8], int v)
{
	set[v / 32] &= ~(1u << (v % 32));
}

static void lapic_error(struct vlapic *l, uint32_t bits);

/* An interrupt from an LVT entry or a self IPI: vectors 0-15 are
 * illegal and set "Received Illegal Vector" instead (§11.5.3). */
static void local_interrupt(struct vlapic *l, uint32_t entry)
{
	if ((entry & 0xff) < 16)
		lapic_error(l, ESR_RECV_ILLEGAL);
	else
		set_bit256(l->irr, entry & 0xff);
}

/* An error is recorded for the next ESR write, and interrupts through
 * the error LVT if that is unmasked (§11.5.3). A masked error LVT or an
 * illegal vector in it raises nothing more (no recursion). */
static void lapic_error(struct vlapic *l, uint32_t bits)
{
	uint32_t e = l->lvt[LVT_ERROR];

	l->esr_pending |= bits;
	if (!(e & LVT_MASKED) && (e & 0xff) >= 16)
		set_bit256(l->irr, e & 0xff);
}

static void timer_arm(struct vlapic *l, uint64_t now)
{
	uint64_t ticks = (uint64_t)l->init_count << l->divide_shift;

	l->fire_tsc = 0;
	l->period = 0;
	if (LVT_TIMER_MODE(l->lvt_timer) == TIMER_DEADLINE || !l->init_count)
		return;
	l->fire_tsc = now + ticks;
	if (LVT_TIMER_MODE(l->lvt_timer) == TIMER_PERIODIC)
		l->period = ticks;
}

void vlapic_fire_timer(struct vcpu *v, uint64_t now)
{
	struct vlapic *l = &v->lapic;

	if (!l->fire_tsc || now < l->fire_tsc)
		return;
	if (!(l->lvt_timer & LVT_MASKED))
		local_interrupt(l, l->lvt_timer);
	l->timer_fired++;
	sched_timers_changed();   /* fire_tsc moves below */
	if (l->period) {
		l->fire_tsc += l->period;
		if (l->fire_tsc <= now)  /* missed periods coalesce (§11.5.4) */
			l->fire_tsc = now + l->period;
	} else {
		l->fire_tsc = 0;
		if (LVT_TIMER_MODE(l->lvt_timer) == TIMER_DEADLINE)
			l->tsc_deadline = 0;
	}
}

uint64_t vlapic_next_fire(const struct vcpu *v)
{
	return v->lapic.fire_tsc;
}

int vlapic_pending_vector(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;
	int irr = highest(l->irr), isr, ppr = (int)(l->tpr & 0xf0);

	/* Asked again after each injection, mostly of an empty IRR: the ISR
	 * only when there is a request. */
	if (irr < 0 || !(l->svr & SVR_ENABLE) || !(l->apic_base & APIC_BASE_EN))
		return -1;
	isr = highest(l->isr);
	if (isr >= 0 && (isr & 0xf0) > ppr)
		ppr = isr & 0xf0;
	/* Deliverable only above the processor-priority class (§11.8.3.1). */
	return (irr & 0xf0) > ppr ? irr : -1;
}

/* An AutoEOI SINT vector (TLFS inter-partition-communication.md "SINTx
 * Registers") is not put in service: the guest does not EOI it. */
void vlapic_accept(struct vcpu *v, int vector)
{
	struct vlapic *l = &v->lapic;

	clear_bit256(l->irr, vector);
	if (l->auto_eoi[vector / 32] & (1u << (vector % 32)))
		clear_bit256(l->auto_eoi, vector);
	else
		set_bit256(l->isr, vector);
}

/* A SynIC interrupt (hv/core/synic_vp.c): edge-triggered, so it only
 * sets the request bit (SDM Vol. 3A §11.8.3); the existing injection
 * path delivers it. */
void vlapic_raise(struct vcpu *v, uint8_t vector, bool auto_eoi)
{
	struct vlapic *l = &v->lapic;

	if (vector < 16)
		return;
	set_bit256(l->irr, vector);
	if (auto_eoi)
		set_bit256(l->auto_eoi, vector);
	else
		clear_bit256(l->auto_eoi, vector);
	smp_kick_vcpu(v);   /* v may run or wait on another CPU */
}

static uint64_t current_count(const struct vlapic *l, uint64_t now)
{
	if (!l->fire_tsc || LVT_TIMER_MODE(l->lvt_timer) == TIMER_DEADLINE || now >= l->fire_tsc)
		return 0;
	return (l->fire_tsc - now) >> l->divide_shift;
}

/* IA32_TSC_DEADLINE holds a time of the guest's TSC, which runs
 * msrs.tsc_adjust ticks ahead of the CPU's (hv/core/msr.c); the timer
 * fires at the CPU's time. 0 disarms it (§11.5.4.1). */
static void deadline_arm(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;
	uint64_t at = l->tsc_deadline - v->msrs.tsc_adjust;

	if (LVT_TIMER_MODE(l->lvt_timer) != TIMER_DEADLINE)
		return;
	l->fire_tsc = l->tsc_deadline ? (at ? at : 1) : 0;
}

void vlapic_tsc_moved(struct vcpu *v)
{
	deadline_arm(v);
}

/* ---- registers, shared by both interfaces ---- */

/* Register index: the xAPIC offset / 16, the x2APIC MSR - 0x800
 * (§11.12.1.2, Table 11-6). */
enum {
	R_ID = 0x02, R_VER = 0x03, R_TPR = 0x08, R_APR = 0x09, R_PPR = 0x0a, R_EOI = 0x0b,
	R_LDR = 0x0d, R_DFR = 0x0e, R_SVR = 0x0f, R_ISR = 0x10, R_TMR = 0x18, R_IRR = 0x20,
	R_ESR = 0x28, R_ICR = 0x30, R_ICR2 = 0x31, R_LVT_TIMER = 0x32, R_LVT_THERMAL = 0x33,
	R_LVT_ERROR = 0x37, R_INIT = 0x38, R_CUR = 0x39, R_DIV = 0x3e, R_SELF = 0x3f,
};

static uint32_t x2apic_ldr(const struct vcpu *v)
{
	/* Logical x2APIC ID: cluster in 31:16, one bit of 16 (§11.12.10.2). */
	return ((v->index >> 4) << 16) | (1u << (v->index & 0xf));
}

static int ppr_of(const struct vlapic *l)
{
	int isr = highest(l->isr), ppr = (int)(l->tpr & 0xf0);

	return isr >= 0 && (isr & 0xf0) > ppr ? isr & 0xf0 : ppr;
}

/* Registers both modes read alike; false if reg is not one of them. */
static bool common_read(struct vcpu *v, uint32_t reg, uint64_t *val)
{
	struct vlapic *l = &v->lapic;

	if (reg >= R_ISR && reg < R_ISR + 8)
		*val = l->isr[reg - R_ISR];
	else if (reg >= R_TMR && reg < R_TMR + 8)
		*val = 0;                      /* no level-triggered sources */
	else if (reg >= R_IRR && reg < R_IRR + 8)
		*val = l->irr[reg - R_IRR];
	else if (reg >= R_LVT_THERMAL && reg <= R_LVT_ERROR)
		*val = l->lvt[reg - R_LVT_THERMAL];
	else switch (reg) {
	case R_VER: *val = 0x50014; break;    /* version 0x14, 6 LVTs (max LVT 5) */
	case R_TPR: *val = l->tpr; break;
	case R_PPR: *val = (uint64_t)ppr_of(l); break;
	case R_SVR: *val = l->svr; break;
	case R_ESR: *val = l->esr; break;
	case R_LVT_TIMER: *val = l->lvt_timer; break;
	case R_INIT: *val = l->init_count; break;
	case R_CUR: *val = current_count(l, rdtsc()); break;
	case R_DIV: *val = ((l->divide_shift - 1) & 3) | (((l->divide_shift - 1) & 4) << 1); break;
	default: return false;
	}
	return true;
}

/* 0, or -2 for a register the mode does not have (x2APIC: #GP). */
static int reg_read(struct vcpu *v, uint32_t reg, bool x2, uint64_t *val)
{
	struct vlapic *l = &v->lapic;

	if (common_read(v, reg, val))
		return 0;
	switch (reg) {
	case R_ID: *val = x2 ? v->index : v->index << 24; return 0;
	case R_LDR: *val = x2 ? x2apic_ldr(v) : l->ldr; return 0;
	case R_DFR: *val = l->dfr; return x2 ? -2 : 0;
	case R_APR: *val = 0; return x2 ? -2 : 0;   /* no x2APIC APR (Table 11-6) */
	case R_ICR:                        /* delivery status (bit 12): always idle */
		*val = l->icr_low | (x2 ? (uint64_t)l->icr_high << 32 : 0);
		return 0;
	case R_ICR2: *val = l->icr_high; return x2 ? -2 : 0;
	default: return -2;
	}
}

static void eoi(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;
	int vec = highest(l->isr);

	if (vec < 0)
		return;
	clear_bit256(l->isr, vec);
	/* TLFS: the EOI of a SINT vector retries its queue. */
	synic_notify_eoi(v, (uint8_t)vec);
}

/* Whether the ICR's destination names this vCPU (§11.6.2, §11.12.9):
 * physical: its ID or the broadcast ID; logical: flat or cluster model
 * against the LDR (xAPIC), or the x2APIC logical ID. */
bool vlapic_ipi_match(struct vcpu *v, uint64_t icr, bool x2)
{
	struct vlapic *l = &v->lapic;
	uint32_t dest = x2 ? (uint32_t)(icr >> 32) : (uint32_t)(icr >> 56), ldr;
	bool logical = icr & (1u << 11);

	if (x2 && !logical)
		return dest == v->index || dest == ~0u;
	if (x2)
		return dest == ~0u || ((dest >> 16) == (x2apic_ldr(v) >> 16) &&
				       (dest & x2apic_ldr(v) & 0xffff));
	if (!logical)
		return dest == v->index || dest == 0xff;
	ldr = l->ldr >> 24;
	if ((l->dfr >> 28) == 0xf)
		return (dest & ldr) != 0;           /* flat model */
	return dest == 0xff || ((dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf));
}

/* A send error: the ICR named an illegal vector (§11.5.3). */
void vlapic_send_illegal(struct vcpu *v)
{
	lapic_error(&v->lapic, ESR_SEND_ILLEGAL);
}

/* INIT (§11.4.7.3): the power-up state but for the APIC base (x2APIC mode
 * survives INIT, §11.12.5.1) and the ID, which is the vCPU's index. */
void vlapic_init_reset(struct vcpu *v)
{
	uint64_t base = v->lapic.apic_base;

	vlapic_reset(&v->lapic);
	v->lapic.apic_base = base;
}

/* LVT writes keep the entry's defined bits (Figure 11-8); while the
 * APIC is software-disabled the mask bit cannot be cleared (§11.4.7.2). */
static void lvt_write(struct vlapic *l, uint32_t reg, uint32_t val)
{
	static const uint32_t keep[VLAPIC_NLVT] = {
		0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff,  /* thermal perf LINT0 LINT1 error */
	};

	if (!(l->svr & SVR_ENABLE))
		val |= LVT_MASKED;
	l->lvt[reg - R_LVT_THERMAL] = val & keep[reg - R_LVT_THERMAL];
}

/* Software disable masks every LVT (§11.4.7.2). */
static void svr_write(struct vlapic *l, uint32_t val)
{
	l->svr = val & 0x1ff;
	if (l->svr & SVR_ENABLE)
		return;
	l->lvt_timer |= LVT_MASKED;
	for (unsigned i = 0; i < VLAPIC_NLVT; i++)
		l->lvt[i] |= LVT_MASKED;
}

static int write_timer(struct vcpu *v, uint32_t reg, uint64_t val)
{
	struct vlapic *l = &v->lapic;
	uint32_t code;

	switch (reg) {
	case R_LVT_TIMER:
		if (!(l->svr & SVR_ENABLE))
			val |= LVT_MASKED;
		l->lvt_timer = (uint32_t)val & (0xff | LVT_MASKED | (3u << 17));
		deadline_arm(v);
		return 0;
	case R_INIT:
		l->init_count = (uint32_t)val;
		timer_arm(l, rdtsc());
		return 0;
	case R_DIV:
		/* Divide configuration bits 0, 1, 3 (§11.5.4, Figure 11-10):
		 * 0b111 divides by 1, else by 2^(code + 1). */
		code = ((uint32_t)val & 3) | (((uint32_t)val >> 1) & 4);
		l->divide_shift = (code + 1) & 7;
		return 0;
	default:
		return -2;
	}
}

/* Registers both modes write alike; -1 if reg is not one of them. */
static int common_write(struct vcpu *v, uint32_t reg, uint32_t val)
{
	struct vlapic *l = &v->lapic;

	if (reg >= R_LVT_THERMAL && reg <= R_LVT_ERROR) {
		lvt_write(l, reg, val);
		return 0;
	}
	switch (reg) {
	case R_TPR: l->tpr = val & 0xff; return 0;
	case R_SVR: svr_write(l, val); return 0;
	case R_LVT_TIMER: case R_INIT: case R_DIV: return write_timer(v, reg, val);
	default: return -1;
	}
}

/* 0, or -2: #GP in x2APIC mode (reserved register, read-only register,
 * nonzero EOI or ESR write, §11.12.1.2); the xAPIC page ignores such
 * writes. */
static int reg_write(struct vcpu *v, uint32_t reg, bool x2, uint64_t val)
{
	struct vlapic *l = &v->lapic;
	int rc = common_write(v, reg, (uint32_t)val);

	if (rc != -1)
		return rc;
	switch (reg) {
	case R_EOI:
		if (x2 && val)
			return -2;
		eoi(v);
		return 0;
	case R_ESR:                        /* a write latches the errors (§11.5.3) */
		if (x2 && val)
			return -2;
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		return 0;
	case R_ICR:
		/* Bits 31:0 less delivery status and reserved bits 13, 16-17,
		 * 20-31 (Figure 11-12); x2APIC bits 63:32 are the destination. */
		l->icr_low = (uint32_t)val & 0x000ccfffu;
		if (!x2)
			val = (uint32_t)val | (uint64_t)l->icr_high << 32;
		else
			l->icr_high = (uint32_t)(val >> 32);
		ipi_send(v, val, x2);
		return 0;
	case R_SELF:                       /* an illegal vector is a send error */
		if (!x2)
			return -2;
		if ((val & 0xff) < 16)
			lapic_error(l, ESR_SEND_ILLEGAL);
		else
			set_bit256(l->irr, val & 0xff);
		return 0;
	case R_LDR: if (x2) return -2; l->ldr = (uint32_t)val & 0xff000000u; return 0;
	case R_DFR: if (x2) return -2; l->dfr = (uint32_t)val | 0x0fffffffu; return 0;
	case R_ICR2: if (x2) return -2; l->icr_high = (uint32_t)val & 0xff000000u; return 0;
	default: return -2;
	}
}

/* ---- the x2APIC MSRs ---- */

int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vlapic *l = &v->lapic;

	if (msr == MSR_APIC_BASE) {
		*val = l->apic_base;
		return 0;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = l->tsc_deadline;
		return 0;
	}
	if (msr < X2APIC_BASE || msr > 0x8ff)
		return -1;
	/* The x2APIC registers exist only in x2APIC mode (§11.12.2). */
	if (apic_mode(l->apic_base) != APIC_X2APIC || msr - X2APIC_BASE == R_SELF ||
	    msr - X2APIC_BASE == R_EOI)
		return -2;                     /* SELF IPI and EOI are write-only */
	return reg_read(v, msr - X2APIC_BASE, true, val);
}

int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vlapic *l = &v->lapic;

	if (msr == MSR_APIC_BASE)
		return apic_base_write(l, val);
	if (msr == MSR_TSC_DEADLINE) {
		l->tsc_deadline = val;
		deadline_arm(v);
		return 0;
	}
	if (msr < X2APIC_BASE || msr > 0x8ff)
		return -1;
	if (apic_mode(l->apic_base) != APIC_X2APIC)
		return -2;
	/* Reserved bits 63:32 of every register but the ICR (§11.12.1.2). */
	if ((val >> 32) && msr - X2APIC_BASE != R_ICR)
		return -2;
	return reg_write(v, msr - X2APIC_BASE, true, val);
}

/* ---- the xAPIC page ---- */

bool vlapic_mmio_match(struct vcpu *v, uint64_t gpa)
{
	uint64_t base = v->lapic.apic_base;

	return apic_mode(base) == APIC_XAPIC && (gpa & ~0xfffull) == (base & ~0xfffull);
}

/* Registers are 32 bits at 16-byte boundaries (§11.4.1: other accesses
 * are undefined): a narrower read returns the bytes of the register it
 * falls in, offsets 4-15 of a slot read 0; only aligned 32-bit writes
 * take effect. Unimplemented registers read 0 and ignore writes. */
int vlapic_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
	uint32_t off = gpa & 0xfff;
	uint64_t r = 0;

	if ((off & 0xf) + size > 4 || reg_read(v, off >> 4, false, &r))
		r = 0;
	*val = (r >> (8 * (off & 3))) & (size >= 8 ? ~0ull : (1ull << (8 * size)) - 1);
	return 0;
}

int vlapic_mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	uint32_t off = gpa & 0xfff;

	if (size == 4 && !(off & 0xf))
		reg_write(v, off >> 4, false, (uint32_t)val);
	return 0;
}

void vlapic_nmi_taken(struct vcpu *v)
{
	v->lapic.nmi_pending = false;
}

/* ---- the vLAPIC in a vCPU context (hv/core/vpctx.c) ---- */

/* Timers are host-TSC times here; the context holds how far the next
 * expiry was from `now`, the moment the guest's time stopped. */
void vlapic_ctx_get(const struct vcpu *v, struct hvpart_lapic_state *s, uint64_t now)
{
	const struct vlapic *l = &v->lapic;

	*s = (struct hvpart_lapic_state){
		.apic_base = l->apic_base, .tpr = l->tpr, .svr = l->svr,
		.lvt_timer = l->lvt_timer, .init_count = l->init_count,
		.divide_shift = l->divide_shift, .esr = l->esr, .esr_pending = l->esr_pending,
		.ldr = l->ldr, .dfr = l->dfr, .icr_low = l->icr_low, .icr_high = l->icr_high,
		.tsc_deadline = l->tsc_deadline, .period = l->period,
	};
	memcpy(s->lvt, l->lvt, sizeof(s->lvt));
	memcpy(s->irr, l->irr, sizeof(s->irr));
	memcpy(s->isr, l->isr, sizeof(s->isr));
	memcpy(s->auto_eoi, l->auto_eoi, sizeof(s->auto_eoi));
	if (l->fire_tsc)
		s->timer_left = l->fire_tsc > now ? l->fire_tsc - now : 1;
}

/* What the registers' writes could never produce is refused: reserved
 * bits of IA32_APIC_BASE or its invalid mode (§11.12.5), bits outside
 * TPR, SVR, the LVTs' defined fields (Figure 11-8; lvt_write, svr_write
 * above), a divisor shift over 7, vectors 0-15 requested or in service
 * (§11.5.3: never accepted), a periodic timer without a period, and
 * timer distances past 2^62 ticks (no sum with a TSC may overflow). */
int vlapic_ctx_check(const struct hvpart_lapic_state *s)
{
	static const uint32_t keep[VLAPIC_NLVT] = { 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff };

	if ((s->apic_base & apic_base_reserved()) || apic_mode(s->apic_base) == APIC_INVALID)
		return -EINVAL;
	if ((s->tpr & ~0xffu) || (s->svr & ~0x1ffu) || s->divide_shift > 7 ||
	    (s->lvt_timer & ~(0xffu | LVT_MASKED | (3u << 17))) || LVT_TIMER_MODE(s->lvt_timer) == 3)
		return -EINVAL;
	for (unsigned i = 0; i < VLAPIC_NLVT; i++)
		if (s->lvt[i] & ~keep[i])
			return -EINVAL;
	if ((s->irr[0] | s->isr[0] | s->auto_eoi[0]) & 0xffff)
		return -EINVAL;
	if ((s->timer_left >> 62) || (s->period >> 62) ||
	    (s->period && (!s->timer_left || LVT_TIMER_MODE(s->lvt_timer) != TIMER_PERIODIC)))
		return -EINVAL;
	return 0;
}

void vlapic_ctx_set(struct vcpu *v, const struct hvpart_lapic_state *s, uint64_t now)
{
	struct vlapic *l = &v->lapic;

	vlapic_reset(l);
	l->apic_base = s->apic_base;
	l->tpr = s->tpr;
	l->svr = s->svr;
	l->lvt_timer = s->lvt_timer;
	l->init_count = s->init_count;
	l->divide_shift = s->divide_shift;
	l->esr = s->esr;
	l->esr_pending = s->esr_pending;
	l->ldr = s->ldr;
	l->dfr = s->dfr;
	l->icr_low = s->icr_low;
	l->icr_high = s->icr_high;
	l->tsc_deadline = s->tsc_deadline;
	l->period = s->period;
	memcpy(l->lvt, s->lvt, sizeof(l->lvt));
	memcpy(l->irr, s->irr, sizeof(l->irr));
	memcpy(l->isr, s->isr, sizeof(l->isr));
	memcpy(l->auto_eoi, s->auto_eoi, sizeof(l->auto_eoi));
	l->fire_tsc = s->timer_left ? now + s->timer_left : 0;
}

/* The guest's time stood still for delta host ticks (suspended, or an
 * imported context waiting for StartPartition): a one-shot or periodic
 * expiry moves out by as much; a TSC deadline follows the TSC offset,
 * which the caller has moved first. */
void vlapic_time_shift(struct vcpu *v, uint64_t delta)
{
	struct vlapic *l = &v->lapic;

	if (LVT_TIMER_MODE(l->lvt_timer) == TIMER_DEADLINE) {
		deadline_arm(v);
		return;
	}
	if (l->fire_tsc)
		l->fire_tsc += delta;
}
