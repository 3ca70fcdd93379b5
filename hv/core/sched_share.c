/*
 * Processor resource control: each child vCPU's time in the guest,
 * counted in accounting periods, against its partition's weight, reserve
 * and maximum (HvpartSetScheduling; the scheduler that applies them is
 * hv/core/sched.c).
 */
#include <hv/hv.h>
#include <hv/lib.h>
#include "hypercall.h"
#include "sched_int.h"

/* ---- Processor resource control (HvpartSetScheduling) ----
 * (The per-pick predicates, capped and under reserve, are inline in
 * sched_int.h: the scheduler asks them of every candidate.)
 * Hyper-V's Set-VMProcessor -RelativeWeight, -Reserve and -Maximum, per
 * child vCPU. hv counts each vCPU's time in the guest (entry to exit) in
 * accounting periods of HVPART_SCHED_PERIOD_US, which start for all at
 * once:
 * - the weight scales its turn (SLICE_CHILD at 100, clamped to 1/64 to 64
 *   times that), so vCPUs that all want the CPU share it as their weights;
 * - at its maximum share of the period a vCPU is not ready until the next
 *   period, and its turn ends where it reaches that share;
 * - a ready vCPU under its reserve goes before the others. */
uint64_t sched_weighted_slice(const struct vcpu *v)
{
	uint64_t t = SLICE_CHILD * v->part->weight / 100;

	if (t < SLICE_CHILD / 64)
		return SLICE_CHILD / 64;
	return t > SLICE_CHILD * 64 ? SLICE_CHILD * 64 : t;
}

uint16_t hc_set_scheduling(struct hc_args *a)
{
	const struct hvpart_sched_in *in = a->in;
	struct partition *p = partition_by_id(in->partition_id);

	if (!p || p->privileged)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (!in->weight || in->weight > HVPART_WEIGHT_MAX || !in->max_pct || in->max_pct > 100 ||
	    in->reserve_pct > in->max_pct)
		return HV_STATUS_INVALID_PARAMETER;
	p->weight = in->weight;
	p->reserve_pct = in->reserve_pct;
	p->max_pct = in->max_pct;
	return HV_STATUS_SUCCESS;
}

/* v's time in the guest up to now: a vCPU in the guest on another
 * processor (entered, not yet exited) counts its present stint too. With
 * no exit there (an AP running one vCPU with no other to take turns
 * with, where hv's timer is an interrupt and makes no looks) its total
 * would otherwise stand still in Get-VMProcessor for as long as it ran. */
uint64_t sched_run_ticks(const struct vcpu *v, uint64_t now)
{
	uint64_t in = __atomic_load_n(&v->entered_tsc, __ATOMIC_ACQUIRE);

	return v->run_ticks + (in && now > in ? now - in : 0);
}

/* A new accounting period for every child vCPU. */
void sched_period_roll(uint64_t now)
{
	struct percpu *c = this_cpu();
	struct vcpu *v;

	if (now - c->period_start < sched_period_ticks())
		return;
	c->period_start = now;
	sched_timers_changed();   /* the capped are ready again */
	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];

		for (uint32_t i = 0; i < p->nvcpus; i++)
			if ((v = p->vcpus[i])->cpu == c->index)
				v->period_used = 0;
	}
}
