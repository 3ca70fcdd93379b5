/* Shared by the scheduler (hv/core/sched.c), its processor resource
 * control (hv/core/sched_share.c) and a guest's HLT and PAUSE
 * (hv/core/sched_hlt.c); hv's own, not the backends'. */
#ifndef HV_CORE_SCHED_INT_H
#define HV_CORE_SCHED_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <hv/hv.h>

#define SLICE_CHILD      (2ull << 20)   /* TSC ticks */

/* TSC ticks a microsecond (HvpartSetTscFrequency). */
extern uint64_t sched_tsc_per_us;

static inline uint64_t sched_us_to_tsc(uint64_t us)
{
	return sched_tsc_per_us * us;
}

/* The resource control's accounting period (sched_share.c). */
static inline uint64_t sched_period_ticks(void)
{
	return sched_us_to_tsc(HVPART_SCHED_PERIOD_US);
}

static inline uint64_t sched_pct_ticks(uint32_t pct)
{
	return sched_period_ticks() / 100 * pct;
}

/* At its maximum share of this period: not ready until the next. */
static inline bool sched_capped(const struct vcpu *v)
{
	return v->part->max_pct < 100 && v->period_used >= sched_pct_ticks(v->part->max_pct);
}

/* Ticks v may still run this period under its maximum (at least 1). */
static inline uint64_t sched_cap_left(const struct vcpu *v)
{
	uint64_t cap = sched_pct_ticks(v->part->max_pct);

	return cap > v->period_used ? cap - v->period_used : 1;
}

/* Under its reserve: picked before the others. */
static inline bool sched_under_reserve(const struct vcpu *v)
{
	return v->part->reserve_pct && v->period_used < sched_pct_ticks(v->part->reserve_pct);
}

/* The time v spent in the guest since its entry (sched_prepare_entry),
 * at every exit. */
static inline void sched_account_exit(struct vcpu *v, uint64_t t_exit)
{
	uint64_t d;

	if (v->entered_tsc && t_exit > v->entered_tsc) {
		d = t_exit - v->entered_tsc;
		v->run_ticks += d;
		v->period_used += d;
	}
	v->entered_tsc = 0;
}

/* v is placed on this CPU. */
static inline bool sched_here(const struct vcpu *v)
{
	return v->cpu == this_cpu()->index;
}

/* An interrupt ends v's HLT. Halted with interrupts off, only an NMI:
 * woken, it would halt again at once, and woken_child would pick it
 * again before every other child, for ever. */
static inline bool sched_halt_ends(struct vcpu *v)
{
	return (vlapic_pending_vector(v) >= 0 && !v->halt_masked) || vlapic_nmi_pending(v);
}

uint64_t sched_weighted_slice(const struct vcpu *v);
/* The earliest TSC at which a child timer on this CPU is due, 0: none
 * (sched.c). */
uint64_t sched_earliest_timer(void);
/* An AP's kicks and timer vector taken and dropped; its wait, hv's lock
 * dropped, until a vCPU here is ready (sched_hlt.c). */
void sched_drain_kicks(void);
struct vcpu *sched_ap_idle(void);
bool sched_parent_idle(uint64_t due);
void sched_period_roll(uint64_t now);
uint64_t sched_run_ticks(const struct vcpu *v, uint64_t now);

#endif
