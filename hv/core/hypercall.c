/*
 * Hypercall dispatch (TLFS v6.0 §3.7 "Hypercall Inputs"): RCX holds the
 * control value (call code in bits 15:0, fast flag in bit 16), RDX the
 * input GPA (or value, fast), R8 the output GPA; the status goes to RAX.
 * Parameter blocks must be 8-byte aligned and may not cross a page
 * (TLFS §3.4); both are checked against the caller's own memory.
 */
#include <string.h>
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/hv.h>
#include <hv/x86.h>
#include "hypercall.h"
#include "sched_int.h"
#include "hv/abi/tlfs.h"

struct hc_entry {
	uint16_t code;
	uint8_t parent_only, fast;
	uint16_t in_size, out_size;
	uint16_t (*fn)(struct hc_args *a);
};

static uint16_t hc_null(struct hc_args *a)
{
	(void)a;
	return HV_STATUS_SUCCESS;
}

static uint16_t hc_get_partition_id(struct hc_args *a)
{
	*(uint64_t *)a->out = a->v->part->id;
	return HV_STATUS_SUCCESS;
}

static uint16_t hc_get_host_info(struct hc_args *a)
{
	hv_fill_host_info(a->out);
	return HV_STATUS_SUCCESS;
}

_Static_assert(VCPU_RUNNABLE == HVPART_VP_RUNNABLE && VCPU_HALTED == HVPART_VP_HALTED &&
	       VCPU_BLOCKED == HVPART_VP_BLOCKED && VCPU_WAIT_SIPI == HVPART_VP_WAIT_SIPI,
	       "partition info's vCPU states are enum vcpu_run's");

static uint16_t hc_get_partition_info(struct hc_args *a)
{
	struct partition *p = partition_by_id(*(const uint64_t *)a->in);
	struct hvpart_partition_info *pi = a->out;

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	memset(pi, 0, sizeof(*pi));
	pi->id = p->id;
	memcpy(pi->name, p->name, sizeof(pi->name));
	pi->state = p->state;
	pi->vcpus = p->nvcpus;
	pi->mem_bytes = p->mem_bytes;
	for (uint32_t i = 0; i < p->nvcpus; i++) {
		pi->exits_total += p->vcpus[i]->exits_total;
		for (int k = 0; k < HVPART_EXIT_KINDS; k++)
			pi->exits[k] += p->vcpus[i]->exits[k];
	}
	memcpy(pi->stop_reason, p->stop_reason, sizeof(pi->stop_reason));
	if (p->start_tsc)
		pi->run_tsc = (p->state == HVPART_STATE_STOPPED ? p->stop_tsc : rdtsc()) - p->start_tsc;
	pi->overhead_bytes = partition_overhead(p);
	pi->last_exit_reason = p->nvcpus ? p->vcpus[0]->last_exit : 0;
	for (uint32_t i = 0; i < p->nvcpus && i < 4; i++) {
		const struct vcpu *v = p->vcpus[i];

		pi->vp_states |= ((uint32_t)v->run | (v->icpt_taken ? HVPART_VP_FETCHED : 0) |
				  (v->icpt_done ? HVPART_VP_DONE : 0) |
				  (v->notify_pending ? HVPART_VP_NOTIFY : 0)) << (8 * i);
		pi->vp_run_tsc[i] = sched_run_ticks(v, rdtsc());
		pi->vp_cpu[i] = (uint8_t)v->cpu;
	}
	pi->exit_code = p->exit_code;
	pi->flags = HVPART_INFO_PRESENT | (p->has_exit_code ? HVPART_INFO_EXIT_CODE : 0) |
		    (p->suspended ? HVPART_INFO_SUSPENDED : 0);
	return HV_STATUS_SUCCESS;
}

static uint16_t hc_read_log(struct hc_args *a)
{
	struct hvpart_log_chunk *c = a->out;
	uint64_t off = *(const uint64_t *)a->in;
	uint64_t first;

	c->len = (uint32_t)log_read_ring(off, c->data, sizeof(c->data), &c->end);
	first = c->end > 64 * 1024 ? c->end - 64 * 1024 : 0;
	c->start = off < first ? first : off;
	return HV_STATUS_SUCCESS;
}

static uint16_t hc_power_off(struct hc_args *a)
{
	hv_info("hv: power-off requested by partition %lu", a->v->part->id);
	hv_power_off();
}

/* Looked up in order, first match: VMBus's two calls first, as they are
 * the ones on a message's or an event's round trip (docs/benchmarks.md). */
static const struct hc_entry hc_table[] = {
	{ HVCALL_POST_MESSAGE, 0, 0, sizeof(struct hv_input_post_message), 0, hc_post_message },
	{ HVCALL_SIGNAL_EVENT, 0, 1, 0, 0, hc_signal_event },
	{ HVCALL_GET_PARTITION_ID, 0, 0, 0, 8, hc_get_partition_id },
	{ HVCALL_HVPART_NULL, 1, 1, 0, 0, hc_null },
	{ HVCALL_HVPART_GET_HOST_INFO, 1, 0, 0, sizeof(struct hvpart_host_info), hc_get_host_info },
	{ HVCALL_HVPART_GET_PARTITION_INFO, 1, 0, 8, sizeof(struct hvpart_partition_info),
	  hc_get_partition_info },
	{ HVCALL_HVPART_READ_LOG, 1, 0, 8, sizeof(struct hvpart_log_chunk), hc_read_log },
	{ HVCALL_HVPART_POWER_OFF, 1, 1, 0, 0, hc_power_off },
	{ HVCALL_HVPART_CREATE_PARTITION, 1, 0, sizeof(struct hvpart_create_in), 8,
	  hc_create_partition },
	{ HVCALL_HVPART_DELETE_PARTITION, 1, 0, 8, 0, hc_delete_partition },
	{ HVCALL_HVPART_DEPOSIT_PAGES, 1, 0, sizeof(struct hvpart_deposit_in), 0, hc_deposit_pages },
	{ HVCALL_HVPART_CREATE_VP, 1, 0, 16, 0, hc_create_vp },
	{ HVCALL_START_VP, 1, 0, sizeof(struct hv_input_start_vp), 0, hc_start_vp },
	{ HVCALL_HVPART_SET_VP_STATE, 1, 0, sizeof(struct hvpart_vp_state_in), 0, hc_set_vp_state },
	{ HVCALL_HVPART_GET_VP_STATE, 1, 0, 16, sizeof(struct hvpart_vp_state), hc_get_vp_state },
	{ HVCALL_HVPART_START_PARTITION, 1, 0, 8, 0, hc_start_partition },
	{ HVCALL_HVPART_STOP_PARTITION, 1, 0, sizeof(struct hvpart_stop_in), 0, hc_stop_partition },
	{ HVCALL_HVPART_GET_INTERCEPT, 1, 0, 0, sizeof(struct hvpart_intercept), hc_get_intercept },
	{ HVCALL_HVPART_COMPLETE_INTERCEPT, 1, 0, sizeof(struct hvpart_complete_in), 0,
	  hc_complete_intercept },
	{ HVCALL_HVPART_SET_TSC_FREQUENCY, 1, 1, 0, 0, hc_set_tsc_frequency },
	{ HVCALL_HVPART_SET_INTERRUPT_LATENCY, 1, 1, 0, 0, hc_set_interrupt_latency },
	{ HVCALL_HVPART_MAP_GPADL_PAGES, 1, 0, sizeof(struct hvpart_gpadl_map_in),
	  sizeof(struct hvpart_gpadl_map_out), hc_map_gpadl_pages },
	{ HVCALL_HVPART_UNMAP_GPADL_PAGES, 1, 0, sizeof(struct hvpart_gpadl_unmap_in), 0,
	  hc_unmap_gpadl_pages },
	{ HVCALL_HVPART_ASSERT_INTERRUPT, 1, 0, sizeof(struct hvpart_assert_irq_in), 0,
	  hc_assert_interrupt },
	{ HVCALL_HVPART_SUSPEND_PARTITION, 1, 0, 8, 0, hc_suspend_partition },
	{ HVCALL_HVPART_RESUME_PARTITION, 1, 0, 8, 0, hc_resume_partition },
	{ HVCALL_HVPART_GET_VP_CONTEXT, 1, 0, sizeof(struct hvpart_vp_context_in), 0,
	  hc_get_vp_context },
	{ HVCALL_HVPART_SET_VP_CONTEXT, 1, 0, sizeof(struct hvpart_vp_context_in), 0,
	  hc_set_vp_context },
	{ HVCALL_HVPART_SET_SCHEDULING, 1, 0, sizeof(struct hvpart_sched_in), 0,
	  hc_set_scheduling },
	{ HVCALL_HVPART_CAPTURE_START, 1, 0, sizeof(struct hvpart_capture_start_in), 0,
	  hc_capture_start },
	{ HVCALL_HVPART_CAPTURE_TAKE, 1, 0, sizeof(struct hvpart_capture_take_in),
	  sizeof(struct hvpart_capture_take_out), hc_capture_take },
	{ HVCALL_HVPART_CAPTURE_DRAIN, 1, 0, sizeof(struct hvpart_capture_drain_in),
	  sizeof(struct hvpart_capture_drain_out), hc_capture_drain },
	{ HVCALL_HVPART_CAPTURE_END, 1, 0, 8, sizeof(struct hvpart_capture_stats), hc_capture_end },
	/* SynIC (TLFS inter-partition-communication.md): any partition may
	 * post and signal (the first rows); only the parent manages ports (CPUID 0x40000003
	 * EBX bits 6 and 7), for itself or a child. Legacy ConnectPort 0x59
	 * takes the 0x96 layout (hvpart's choice; the connection info is
	 * RsvdZ for message and event ports either way). */
	{ HVCALL_CREATE_PORT, 1, 0, sizeof(struct hv_input_create_port), 0, hc_create_port },
	{ HVCALL_CREATE_PORT_LEGACY, 1, 0, offsetof(struct hv_input_create_port, proximity), 0,
	  hc_create_port_legacy },
	{ HVCALL_DELETE_PORT, 1, 0, sizeof(struct hv_input_delete_port), 0, hc_delete_port },
	{ HVCALL_CONNECT_PORT, 1, 0, sizeof(struct hv_input_connect_port), 0, hc_connect_port },
	{ HVCALL_CONNECT_PORT_LEGACY, 1, 0, sizeof(struct hv_input_connect_port), 0,
	  hc_connect_port },
	{ HVCALL_DISCONNECT_PORT, 1, 0, sizeof(struct hv_input_disconnect_port), 0,
	  hc_disconnect_port },
};

static uint16_t hc_map_params(struct hc_args *a, const struct hc_entry *e,
			      uint64_t in_gpa, uint64_t out_gpa)
{
	struct partition *p = a->v->part;

	if ((e->in_size && (in_gpa & 7)) || (e->out_size && (out_gpa & 7)))
		return HV_STATUS_INVALID_ALIGNMENT;
	if (e->in_size) {
		const void *src = partition_gpa_ptr(p, in_gpa, e->in_size, false);

		if (!src)
			return (in_gpa & 0xfff) + e->in_size > 4096 ?
				HV_STATUS_INVALID_ALIGNMENT : HV_STATUS_INVALID_PARAMETER;
		/* Handlers check and then use their input: give them hv's own
		 * copy, so the caller cannot change it in between (another
		 * vCPU, or an output block overlapping the input). */
		memcpy(this_cpu()->hc_in, src, e->in_size);
		a->in = this_cpu()->hc_in;
	}
	if (e->out_size) {
		a->out = partition_gpa_ptr(p, out_gpa, e->out_size, true);
		if (!a->out)
			return (out_gpa & 0xfff) + e->out_size > 4096 ?
				HV_STATUS_INVALID_ALIGNMENT : HV_STATUS_INVALID_PARAMETER;
	}
	return HV_STATUS_SUCCESS;
}

/* TLFS §3.7 register mapping: 64-bit callers use RCX, RDX, R8 and get
 * RAX; 32-bit callers use EDX:EAX (control), EBX:ECX (input), EDI:ESI
 * (output) and get EDX:EAX. */
struct hc_regs {
	uint64_t ctl, in, out;
};

static void hc_read_regs(struct vcpu *v, bool long_mode, struct hc_regs *r)
{
	const uint64_t *g = v->gpr;

	if (long_mode) {
		*r = (struct hc_regs){ g[GPR_RCX], g[GPR_RDX], g[GPR_R8] };
		return;
	}
	r->ctl = (g[GPR_RDX] << 32) | (uint32_t)g[GPR_RAX];
	r->in = (g[GPR_RBX] << 32) | (uint32_t)g[GPR_RCX];
	r->out = (g[GPR_RDI] << 32) | (uint32_t)g[GPR_RSI];
}

void hv_handle_hypercall(struct vcpu *v)
{
	bool long_mode = arch_vcpu_long_mode(v);
	uint16_t st = HV_STATUS_INVALID_HYPERCALL_CODE, code;
	struct hc_regs r;
	struct hc_args a = { .v = v };
	const struct hc_entry *e = NULL;
	uint64_t ctl;

	hc_read_regs(v, long_mode, &r);
	ctl = r.ctl;
	code = HV_HC_CODE(ctl);
	a.fast_in = r.in;
	trace_event(v, TRACE_HCALL, code);

	for (size_t i = 0; i < ARRAY_SIZE(hc_table) && !e; i++)
		if (hc_table[i].code == code)
			e = &hc_table[i];
	if (!e)
		goto out;
	st = HV_STATUS_ACCESS_DENIED;
	if (e->parent_only && !v->part->privileged)
		goto out;
	st = HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (!!(ctl & HV_HC_FAST) != !!e->fast && (e->in_size || e->out_size))
		goto out;
	if (HV_HC_REP_COUNT(ctl))
		goto out;
	/* VMBus's two calls reach a child only through its SynIC (flags,
	 * messages, an interrupt): no child's timer or state moves. */
	v->exit_quiet = code == HVCALL_POST_MESSAGE || code == HVCALL_SIGNAL_EVENT;
	st = hc_map_params(&a, e, r.in, r.out);
	if (st == HV_STATUS_SUCCESS)
		st = e->fn(&a);
	if (st == HC_CONTINUE)
		return;   /* RIP stays on the call (TLFS §3.8) */
out:
	v->gpr[GPR_RAX] = st;
	if (!long_mode)
		v->gpr[GPR_RDX] = 0;
	arch_vcpu_skip_insn(v);
}
