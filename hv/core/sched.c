/*
 * Scheduling the parent and the children on one physical CPU.
 * - Round-robin time slices, enforced with the VMX-preemption timer.
 * - A child's HLT yields until its next interrupt (its vLAPIC timer).
 * - The parent is favoured when it has work: a physical interrupt while a
 *   child runs exits to hv (external-interrupt exiting is on for children),
 *   and hv resumes the parent, which then takes it natively; hv's messages
 *   to the parent (intercepts, stopped children) switch to it at once.
 * - With nothing runnable, the parent idles in the HLT activity state and
 *   the preemption timer wakes hv for the earliest child timer.
 * One run queue for now; per-CPU queues come with SMP.
 */
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>

#define SLICE_CHILD  (2ull << 20)   /* TSC ticks */
#define SLICE_PARENT (8ull << 20)   /* favour the parent when it is busy */

uint64_t hv_tsc_hz;
uint32_t sched_children_running;
static struct vcpu *parent_v;

void sched_set_parent(struct vcpu *v)
{
	parent_v = v;
}

struct vcpu *sched_parent(void)
{
	return parent_v;
}

void sched_notify_parent(void)
{
	parent_v->notify_pending = true;
}

void sched_child_started(void)
{
	sched_children_running++;
}

void sched_child_stopped(void)
{
	if (sched_children_running)
		sched_children_running--;
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
	if (v == parent_v)
		return v->run == VCPU_RUNNABLE || v->notify_pending;
	return child_ready(v, now);
}

struct vcpu *sched_next(struct vcpu *cur)
{
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

	if (!sched_children_running)
		return 0;
	if (others_ready(v, now)) {
		/* A turn is measured from when it began, so a vCPU that exits
		 * often cannot renew its slice by re-entering. */
		if (!v->slice_end)
			v->slice_end = now + (v == parent_v ? SLICE_PARENT : SLICE_CHILD);
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

/* A child's port access waits for the parent's emulation (DESIGN.md
 * rule 3); the parent is told through HVPART_NOTIFY_VECTOR. */
void hv_forward_io(struct vcpu *v, uint16_t port, unsigned size, bool is_write, uint32_t value)
{
	struct partition *p = v->part;

	v->icpt = (struct hvpart_intercept){
		.partition_id = p->id, .seq = ++p->icpt_seq, .type = HVPART_ICPT_IO,
		.port = port, .size = (uint8_t)size, .is_write = is_write, .value = value,
		.rip = arch_vcpu_rip(v),
	};
	v->icpt_taken = false;
	v->run = VCPU_BLOCKED;
	sched_notify_parent();
}

void hv_complete_io(struct vcpu *v, uint32_t value)
{
	v->icpt_result = value;
	v->icpt_done = true;
	v->run = VCPU_RUNNABLE;
}
