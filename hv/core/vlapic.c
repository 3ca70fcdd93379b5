/*
 * A child's local APIC, x2APIC MSR interface only (SDM Vol. 3A §11.12),
 * with IA32_APIC_BASE's disabled, xAPIC and x2APIC modes and their legal
 * transitions (§11.12.5); in xAPIC mode the register page at the APIC
 * base is not emulated yet (the access is an unbacked GPA):
 * ID, version, TPR, PPR, EOI, SVR, ISR/IRR/TMR, ESR, LVTs, ICR (self IPIs),
 * SELF IPI, and the timer in one-shot, periodic and TSC-deadline modes
 * (§11.5.4). The timer counts at the TSC rate divided by the divide
 * configuration, as docs/child-platform.md promises.
 */
#include <string.h>
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/x86.h>
#include "synic.h"

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

void vlapic_reset(struct vlapic *l)
{
	memset(l, 0, sizeof(*l));
	l->svr = 0xff;            /* software-disabled after reset (§11.4.7.1) */
	l->lvt_timer = LVT_MASKED;
	l->divide_shift = 1;      /* divide configuration 0 = divide by 2 */
	l->apic_base = APIC_BASE_START;
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

static int highest(const uint32_t set[8])
{
	for (int w = 7; w >= 0; w--)
		if (set[w])
			return w * 32 + 31 - __builtin_clz(set[w]);
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

void vlapic_poll_timer(struct vcpu *v, uint64_t now)
{
	struct vlapic *l = &v->lapic;

	if (!l->fire_tsc || now < l->fire_tsc)
		return;
	if (!(l->lvt_timer & LVT_MASKED) && (l->lvt_timer & 0xff) >= 16)
		set_bit256(l->irr, l->lvt_timer & 0xff);
	l->timer_fired++;
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
	int irr = highest(l->irr), isr = highest(l->isr);
	int ppr = (int)(l->tpr & 0xf0);

	if (irr < 0 || !(l->svr & SVR_ENABLE) || !(l->apic_base & APIC_BASE_EN))
		return -1;
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
}

static uint64_t current_count(const struct vlapic *l, uint64_t now)
{
	if (!l->fire_tsc || LVT_TIMER_MODE(l->lvt_timer) == TIMER_DEADLINE || now >= l->fire_tsc)
		return 0;
	return (l->fire_tsc - now) >> l->divide_shift;
}

int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vlapic *l = &v->lapic;
	uint32_t reg = msr - X2APIC_BASE;

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
	if (apic_mode(l->apic_base) != APIC_X2APIC)
		return -2;
	switch (reg) {
	case 0x02: *val = v->index; break;
	case 0x03: *val = 0x50014; break;               /* version 0x14, 6 LVTs */
	case 0x08: *val = l->tpr; break;
	case 0x0a: *val = l->tpr & 0xf0; break;
	case 0x0d: *val = 0; break;
	case 0x0f: *val = l->svr; break;
	case 0x28: *val = l->esr; break;
	case 0x32: *val = l->lvt_timer; break;
	case 0x38: *val = l->init_count; break;
	case 0x39: *val = current_count(l, rdtsc()); break;
	case 0x3e: *val = ((l->divide_shift - 1) & 3) | (((l->divide_shift - 1) & 4) << 1); break;
	default:
		if (reg >= 0x10 && reg < 0x18)
			*val = l->isr[reg - 0x10];
		else if (reg >= 0x20 && reg < 0x28)
			*val = l->irr[reg - 0x20];
		else if ((reg >= 0x18 && reg < 0x20) || (reg >= 0x2f && reg <= 0x37))
			*val = reg >= 0x2f ? LVT_MASKED : 0;
		else
			return -2;
	}
	return 0;
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

static int vlapic_write_timer(struct vcpu *v, uint32_t reg, uint64_t val)
{
	struct vlapic *l = &v->lapic;
	uint64_t now = rdtsc();
	uint32_t code;

	switch (reg) {
	case 0x32:
		l->lvt_timer = (uint32_t)val & (0xff | LVT_MASKED | (3u << 17));
		deadline_arm(v);
		break;
	case 0x38:
		l->init_count = (uint32_t)val;
		timer_arm(l, now);
		break;
	case 0x3e:
		/* Divide configuration bits 0, 1, 3 (§11.5.4, Figure 11-10):
		 * 0b111 divides by 1, else by 2^(code + 1). */
		code = ((uint32_t)val & 3) | (((uint32_t)val >> 1) & 4);
		l->divide_shift = (code + 1) & 7;
		break;
	default:
		return -2;
	}
	return 0;
}

int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vlapic *l = &v->lapic;
	uint32_t reg = msr - X2APIC_BASE;

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
	switch (reg) {
	case 0x08: l->tpr = (uint32_t)val & 0xff; return 0;
	case 0x0b:                 /* EOI: must write 0 in x2APIC mode (§11.12.1) */
		if (val)
			return -2;
		if (highest(l->isr) >= 0) {
			int vec = highest(l->isr);

			clear_bit256(l->isr, vec);
			/* TLFS: the EOI of a SINT vector retries its queue. */
			synic_notify_eoi(v, (uint8_t)vec);
		}
		return 0;
	case 0x0f: l->svr = (uint32_t)val & 0x1ff; return 0;
	case 0x28: l->esr = 0; return 0;
	case 0x30:                 /* ICR: only self IPIs go anywhere */
		if (((val >> 18) & 3) == 1 && ((val >> 8) & 7) == 0 && (val & 0xff) >= 16)
			set_bit256(l->irr, val & 0xff);
		return 0;
	case 0x3f:                 /* SELF IPI */
		if ((val & 0xff) >= 16)
			set_bit256(l->irr, val & 0xff);
		return 0;
	case 0x2f: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
		return 0;              /* other LVTs: accepted, never fire */
	default:
		return vlapic_write_timer(v, reg, val);
	}
}
