/* Hypercall handler interface shared by the files of hv/core. */
#ifndef HV_CORE_HYPERCALL_H
#define HV_CORE_HYPERCALL_H
#include <hv/vcpu.h>

/* A handler's "call me again" (TLFS §3.8 hypercall continuation): the
 * guest's instruction pointer stays on the call, so it takes its pending
 * interrupts and then repeats it. Never returned to a guest. */
#define HC_CONTINUE 0xffffu

struct hc_args {
	struct vcpu *v;
	const void *in;    /* NULL for fast calls */
	void *out;
	uint64_t fast_in;  /* RDX for fast calls */
};

/* Partition management (hv/core/child.c). */
uint16_t hc_create_partition(struct hc_args *a);
uint16_t hc_delete_partition(struct hc_args *a);
uint16_t hc_deposit_pages(struct hc_args *a);
uint16_t hc_create_vp(struct hc_args *a);
/* The parent's own processors (hv/core/parent_vp.c). */
uint16_t hc_start_vp(struct hc_args *a);
uint16_t hc_set_vp_state(struct hc_args *a);
uint16_t hc_get_vp_state(struct hc_args *a);
uint16_t hc_start_partition(struct hc_args *a);
uint16_t hc_stop_partition(struct hc_args *a);
uint16_t hc_get_intercept(struct hc_args *a);
uint16_t hc_complete_intercept(struct hc_args *a);
uint16_t hc_set_tsc_frequency(struct hc_args *a);
/* GPADL pages (hv/core/gpadl.c). */
uint16_t hc_map_gpadl_pages(struct hc_args *a);
uint16_t hc_unmap_gpadl_pages(struct hc_args *a);
uint16_t hc_assert_interrupt(struct hc_args *a);
/* Suspend, resume and the vCPU context (hv/core/vpctx.c). */
uint16_t hc_suspend_partition(struct hc_args *a);
uint16_t hc_resume_partition(struct hc_args *a);
uint16_t hc_get_vp_context(struct hc_args *a);
uint16_t hc_set_vp_context(struct hc_args *a);
/* Live memory capture (hv/core/capture.c). */
uint16_t hc_capture_start(struct hc_args *a);
uint16_t hc_capture_take(struct hc_args *a);
uint16_t hc_capture_drain(struct hc_args *a);
uint16_t hc_capture_end(struct hc_args *a);
/* Scheduler (hv/core/sched.c). */
uint16_t hc_set_interrupt_latency(struct hc_args *a);
uint16_t hc_set_scheduling(struct hc_args *a);

/* SynIC (hv/core/synic_vp.c; docs/hypercalls.md). */
uint16_t hc_post_message(struct hc_args *a);
uint16_t hc_signal_event(struct hc_args *a);
uint16_t hc_create_port(struct hc_args *a);
uint16_t hc_create_port_legacy(struct hc_args *a);
uint16_t hc_delete_port(struct hc_args *a);
uint16_t hc_connect_port(struct hc_args *a);
uint16_t hc_disconnect_port(struct hc_args *a);
#endif
