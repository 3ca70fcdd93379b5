/*
 * Scheduling the parent and the children on one physical CPU, and the
 * generic part of every exit and entry (the backend calls
 * sched_finish_exit after its exit dispatch, and sched_prepare_entry
 * before every entry).
 * - Round-robin time slices, enforced with the backend's timer
 *   (arch_vcpu_set_timer; VT-x: the VMX-preemption timer).
 * - A child's HLT yields until its next interrupt (its vLAPIC timer).
 * - The parent is favoured when it has work: a physical interrupt while a
 *   child runs exits to hv (external-interrupt exiting is on for children),
 *   and hv resumes the parent, which then takes it natively; hv's messages
 *   to the parent (intercepts, stopped children) switch to it at once.
 * - With nothing runnable, the parent idles in the HLT activity state and
 *   the preemption timer wakes hv for the earliest child timer.
 * One run queue for now; its state is per CPU (this_cpu()), so per-CPU
 * queues can follow with SMP.
 */
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "intercept.h"

#define SLICE_CHILD  (2ull << 20)   /* TSC ticks */
#define SLICE_PARENT (8ull << 20)   /* favour the parent when it is busy */

uint64_t hv_tsc_hz;

void sched_set_parent(struct vcpu *v)
{
	this_cpu()->parent = v;
}

void sched_notify_parent(void)
{
	this_cpu()->parent->notify_pending = true;
}

void sched_child_started(void)
{
	this_cpu()->children_running++;
}

void sched_child_stopped(void)
{
	if (this_cpu()->children_running)
		this_cpu()->children_running--;
}

static bool child_ready(struct vcpu *v, uint64_t now)
{
	if (v->part->state != HVPART_STATE_RUNNING)
		return false;
	if (v->run == VCPU_HALTED) {
		vlapic_poll_timer(v, now);
		if (vlapic_pending_vector(v) >= 0)
			v->run = VCPU_RUNNABLE;
	}
	return v->run == VCPU_RUNNABLE;
}

static bool ready(struct vcpu *v, uint64_t now)
{
	if (v == sched_parent())
		return v->run == VCPU_RUNNABLE || v->notify_pending;
	return child_ready(v, now);
}

struct vcpu *sched_next(struct vcpu *cur)
{
	struct vcpu *parent_v = sched_parent();
	uint64_t now = rdtsc();
	bool parent_alive = parent_v->part->state == HVPART_STATE_RUNNING;

	if (parent_alive && parent_v->notify_pending)
		return parent_v;
	for (uint32_t i = 1; i <= MAX_PARTITIONS; i++) {
		struct partition *p = partition_by_id((cur->part->id + i) % MAX_PARTITIONS);

		if (p && p->nvcpus && p->state == HVPART_STATE_RUNNING && ready(p->vcpus[0], now))
			return p->vcpus[0];
	}
	if (parent_alive)
		return parent_v;   /* idle: the parent waits in HLT */
	hv_err("hv: no partition left to run; the machine is halted");
	hv_halt();
}

static uint64_t earliest_child_timer(void)
{
	uint64_t best = 0;

	for (uint32_t id = 1; id < MAX_PARTITIONS; id++) {
		struct partition *p = partition_by_id(id);
		uint64_t t;

		if (!p || !p->nvcpus || p->state != HVPART_STATE_RUNNING)
			continue;
		t = vlapic_next_fire(p->vcpus[0]);
		if (t && (!best || t < best))
			best = t;
	}
	return best;
}

static bool others_ready(struct vcpu *v, uint64_t now)
{
	for (uint32_t id = 0; id < MAX_PARTITIONS; id++) {
		struct partition *p = partition_by_id(id);

		if (p && p->nvcpus && p->vcpus[0] != v && p->state == HVPART_STATE_RUNNING &&
		    ready(p->vcpus[0], now))
			return true;
	}
	return false;
}

/* TSC ticks v may run from now (0: no limit needed). */
uint64_t sched_budget(struct vcpu *v)
{
	uint64_t now = rdtsc(), budget = 0, fire;

	if (!this_cpu()->children_running)
		return 0;
	if (others_ready(v, now)) {
		/* A turn is measured from when it began, so a vCPU that exits
		 * often cannot renew its slice by re-entering. */
		if (!v->slice_end)
			v->slice_end = now + (v == sched_parent() ? SLICE_PARENT : SLICE_CHILD);
		budget = v->slice_end > now ? v->slice_end - now : 1;
	} else {
		v->slice_end = 0;
	}
	fire = earliest_child_timer();
	if (fire) {
		uint64_t until = fire > now ? fire - now : 1;

		if (!budget || until < budget)
			budget = until;
	}
	return budget;
}

/* Pick who runs next, make its state current, and prepare its entry. */
struct vcpu *sched_switch(struct vcpu *v)
{
	struct vcpu *next = v;
	bool parent_called = v != sched_parent() && sched_parent()->notify_pending;

	if (v->part->state != HVPART_STATE_RUNNING || v->run != VCPU_RUNNABLE || v->yield ||
	    parent_called)
		next = sched_next(v);
	v->yield = false;
	if (next != v) {
		v->slice_end = 0;
		arch_vcpu_load(next);
	}
	sched_prepare_entry(next);
	return next;
}

struct vcpu *sched_finish_exit(struct vcpu *v, uint64_t t0)
{
	struct vcpu *next = sched_switch(v);

	if (next != v) {
		this_cpu()->switches++;
		this_cpu()->switch_ticks += rdtsc() - t0;
	}
	return next;
}

/* The interrupt stays pending (no acknowledge-on-exit); resuming the
 * parent lets it take it natively (docs/ARCHITECTURE.md rule 2). */
void sched_yield_to_parent(struct vcpu *v)
{
	sched_parent()->run = VCPU_RUNNABLE;
	v->yield = true;
}

void sched_yield(struct vcpu *v)
{
	v->yield = true;
}

void hv_handle_hlt(struct vcpu *v)
{
	arch_vcpu_skip_insn(v);
	if (v->part->privileged) {
		/* The parent halts in the guest where the CPU can (VT-x
		 * activity state HLT, SDM Vol. 3C §27.7.4): a physical
		 * interrupt, which is not intercepted for it, wakes it
		 * directly. Meanwhile children may run. */
		arch_vcpu_set_halted(v);
		v->run = VCPU_HALTED;
		return;
	}
	/* A child's HLT yields until its next interrupt, unless one is
	 * already waiting and can be taken. */
	vlapic_poll_timer(v, rdtsc());
	if (vlapic_pending_vector(v) < 0 || !arch_vcpu_irq_enabled(v))
		v->run = VCPU_HALTED;
}

/* The interrupt v should get next: the parent's notification, or the
 * highest deliverable vector of a child's vLAPIC; -1 if none. */
static int pending_vector(struct vcpu *v)
{
	if (v == sched_parent())
		return v->notify_pending ? HVPART_NOTIFY_VECTOR : -1;
	return vlapic_pending_vector(v);
}

void sched_prepare_entry(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	int vec;

	if (v->icpt_done)
		intercept_finish(v);
	if (v != c->parent)
		vlapic_poll_timer(v, rdtsc());
	vec = pending_vector(v);
	if (vec >= 0 && arch_vcpu_inject_irq(v, vec)) {
		if (v == c->parent)
			v->notify_pending = false;
		else
			vlapic_accept(v, vec);
	}
	if (c->children_running || v->timer_dirty) {
		arch_vcpu_set_timer(v, sched_budget(v));
		v->timer_dirty = c->children_running != 0;
	}
}
