/* Shared by the scheduler (hv/core/sched.c) and its processor resource
 * control (hv/core/sched_share.c); hv's own, not the backends'. */
#ifndef HV_CORE_SCHED_INT_H
#define HV_CORE_SCHED_INT_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

#define SLICE_CHILD      (2ull << 20)   /* TSC ticks */

/* TSC ticks a microsecond (HvpartSetTscFrequency). */
extern uint64_t sched_tsc_per_us;

static inline uint64_t sched_us_to_tsc(uint64_t us)
{
	return sched_tsc_per_us * us;
}

uint64_t sched_period_ticks(void);
bool sched_capped(const struct vcpu *v);
uint64_t sched_cap_left(const struct vcpu *v);
bool sched_under_reserve(const struct vcpu *v);
uint64_t sched_weighted_slice(const struct vcpu *v);
void sched_account_exit(struct vcpu *v, uint64_t t_exit);
void sched_period_roll(uint64_t now);
uint64_t sched_run_ticks(const struct vcpu *v, uint64_t now);

#endif
