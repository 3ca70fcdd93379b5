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
		.port = port, .size = (uint8_t)size, .is_write = is_write, .value = value,
		.rip = arch_vcpu_rip(v),
	};
	v->icpt_taken = false;
	v->run = VCPU_BLOCKED;
	sched_notify_parent();
}

void intercept_complete_io(struct vcpu *v, uint32_t value)
{
	v->icpt_result = value;
	v->icpt_done = true;
	v->run = VCPU_RUNNABLE;
}

/* The parent emulated the port access: give IN its result and step past
 * the instruction. */
void intercept_finish(struct vcpu *v)
{
	const struct hvpart_intercept *ic = &v->icpt;

	if (!ic->is_write)
		v->gpr[GPR_RAX] = intercept_merge_result(v->gpr[GPR_RAX], ic->size, v->icpt_result);
	arch_vcpu_finish_deferred(v);
	v->icpt_done = false;
}

static struct vcpu *child_vcpu(uint64_t id)
{
	struct partition *p = partition_by_id(id);

	return p && !p->privileged && p->nvcpus ? p->vcpus[0] : NULL;
}

uint16_t hc_get_intercept(struct hc_args *a)
{
	for (uint64_t id = 1; id < MAX_PARTITIONS; id++) {
		struct vcpu *v = child_vcpu(id);

		if (!v || v->run != VCPU_BLOCKED || v->icpt_taken ||
		    v->part->state != HVPART_STATE_RUNNING)
			continue;
		memcpy(a->out, &v->icpt, sizeof(v->icpt));
		v->icpt_taken = true;
		return HV_STATUS_SUCCESS;
	}
	return HV_STATUS_NO_DATA;
}

uint16_t hc_complete_intercept(struct hc_args *a)
{
	const struct hvpart_complete_in *in = a->in;
	struct vcpu *v = child_vcpu(in->partition_id);

	if (!v)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (v->run != VCPU_BLOCKED || !v->icpt_taken || v->icpt.seq != in->seq)
		return HV_STATUS_INVALID_PARAMETER;
	intercept_complete_io(v, in->value);
	return HV_STATUS_SUCCESS;
}
