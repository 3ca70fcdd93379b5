/*
 * The parent's intercepts, the whole request/response cycle in one place:
 * forwarding (hv/core/io.c decides what is forwarded), the GetIntercept
 * and CompleteIntercept hypercalls, and applying the result at the
 * child's next entry. Every value the parent passes back is checked
 * against the request it answers (partition, sequence number, state).
 */
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include "hypercall.h"
#include "intercept.h"
#include "io.h"

uint64_t intercept_merge_result(uint64_t reg, unsigned size, uint64_t value)
{
	switch (size) {
	case 1:
		return (reg & ~0xffull) | (value & 0xff);
	case 2:
		return (reg & ~0xffffull) | (value & 0xffff);
	case 4:
		return (uint32_t)value;
	default:
		return value;
	}
}

/* The parent is told through HVPART_NOTIFY_VECTOR. */
void intercept_forward_io(struct vcpu *v, uint16_t port, unsigned size, bool is_write,
			  uint32_t value)
{
	struct partition *p = v->part;

	arch_vcpu_defer_skip(v);
	v->icpt = (struct hvpart_intercept){
		.partition_id = p->id, .seq = ++p->icpt_seq, .type = HVPART_ICPT_IO,
		.vp_index = v->index, .port = port, .size = (uint8_t)size, .is_write = is_write, .value = value,
		.rip = arch_vcpu_rip(v),
	};
	v->icpt_taken = false;
	v->icpt_string = false;
	v->run = VCPU_BLOCKED;
	sched_notify_parent();
}

void intercept_complete_io(struct vcpu *v, uint32_t value)
{
	v->icpt_result = value;
	v->icpt_done = true;
	v->run = VCPU_RUNNABLE;
	v->answered = true;
	smp_kick_vcpu(v);
}

/* The parent emulated the port access: give IN its result and step past
 * the instruction (an INS/OUTS element: io_string_finish). */
void intercept_finish(struct vcpu *v)
{
	const struct hvpart_intercept *ic = &v->icpt;

	if (v->icpt_string) {
		v->icpt_string = false;
		v->icpt_done = false;
		io_string_finish(v, v->icpt_result);
		return;
	}
	if (!ic->is_write)
		v->gpr[GPR_RAX] = intercept_merge_result(v->gpr[GPR_RAX], ic->size, v->icpt_result);
	arch_vcpu_finish_deferred(v);
	v->icpt_done = false;
}

/* The vCPU of p whose intercept the parent has not fetched yet. */
static struct vcpu *untaken(struct partition *p)
{
	for (uint32_t i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = p->vcpus[i];

		if (v->run == VCPU_BLOCKED && !v->icpt_taken)
			return v;
	}
	return NULL;
}

/* The first child vCPU whose port access waits for the parent unfetched
 * (NULL: none). */
/* On every HLT of the parent (hv/core/sched.c): the children only. */
struct vcpu *intercept_unfetched(void)
{
	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];
		struct vcpu *v;

		if (p->state == HVPART_STATE_RUNNING && (v = untaken(p)))
			return v;
	}
	return NULL;
}

uint16_t hc_get_intercept(struct hc_args *a)
{
	for (uint64_t id = 1; id < MAX_PARTITIONS; id++) {
		struct partition *p = partition_child_by_id(id);
		struct vcpu *v;

		if (!p || p->state != HVPART_STATE_RUNNING || !(v = untaken(p)))
			continue;
		memcpy(a->out, &v->icpt, sizeof(v->icpt));
		v->icpt_taken = true;
		return HV_STATUS_SUCCESS;
	}
	return HV_STATUS_NO_DATA;
}

/* The vCPU of p that waits for the intercept numbered seq (sequence
 * numbers are the partition's, so at most one matches). */
static struct vcpu *waiting(struct partition *p, uint64_t seq)
{
	for (uint32_t i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = p->vcpus[i];

		if (v->run == VCPU_BLOCKED && v->icpt_taken && v->icpt.seq == seq)
			return v;
	}
	return NULL;
}

uint16_t hc_complete_intercept(struct hc_args *a)
{
	const struct hvpart_complete_in *in = a->in;
	struct partition *p = partition_child_by_id(in->partition_id);
	struct vcpu *v;

	if (!p || !p->nvcpus)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (!(v = waiting(p, in->seq))) {
		hv_err("hv: CompleteIntercept of partition %lu sequence %lu: no vCPU waits for it",
		       p->id, in->seq);
		return HV_STATUS_INVALID_PARAMETER;
	}
	intercept_complete_io(v, in->value);
	return HV_STATUS_SUCCESS;
}
