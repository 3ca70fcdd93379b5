/*
 * Hyper-V's synthetic MSRs and synthetic interrupt controller (TLFS v6.0
 * §2.4 "Hypervisor Synthetic MSRs", §3.13 hypercall page, chapter 11
 * "Inter-Partition Communication" for the SynIC).
 *
 * hv/core/synic.c owns the synthetic MSR range 0x40000000-0x400000ff:
 * guest OS ID, hypercall page, VP index, TSC and APIC frequency, reference
 * time, VP assist page, and the SynIC and synthetic timer MSRs, which go
 * to the vCPU's portable SynIC (hv/synic/synvp.h). hv/core/synic_vp.c
 * holds the rest: message buffers, hooks, timers for the scheduler, and
 * the SynIC hypercalls (rows in hypercall.c's table, hypercall.h).
 */
#ifndef HV_CORE_SYNIC_H
#define HV_CORE_SYNIC_H
#include <stdint.h>
#include <hv/vcpu.h>

/* 0 and *val, or -1: not a synthetic MSR this vCPU may read (#GP). */
int synic_read_msr(struct vcpu *v, uint32_t msr, uint64_t *val);
/* 0, or -1: not a synthetic MSR this vCPU may write, or a value the
 * TLFS refuses (#GP). */
int synic_write_msr(struct vcpu *v, uint32_t msr, uint64_t val);

/* hv/core/synic_vp.c. A partition's SynIC: after partition_create (0 or
 * -ENOMEM, nothing kept); destroy before partition_release (ports,
 * connections, queued messages and the buffers' pages go). */
int synic_partition_init(struct partition *p);
void synic_partition_destroy(struct partition *p);
void synic_partition_free_pages(struct partition *p);
/* After v->part and v->index are set. */
void synic_vcpu_init(struct vcpu *v);
/* Reference time (100 ns since the partition's creation); false while
 * the TSC rate is unknown. */
bool synic_time_ok(struct partition *p);
uint64_t synic_ref_time(struct partition *p);
void synic_publish_ref_tsc(struct partition *p);
/* Before every entry: fire due synthetic timers. Mostly none is armed,
 * which is tested inline (all four at once). */
static inline bool synic_timers_armed(const struct vcpu *v)
{
	const struct stimer *t = v->synic.timer;

	_Static_assert(HV_STIMER_COUNT == 4, "four synthetic timers (TLFS)");
	return t[0].armed | t[1].armed | t[2].armed | t[3].armed;
}

void synic_poll_timers(struct vcpu *v);
static inline void synic_poll(struct vcpu *v)
{
	if (synic_timers_armed(v))
		synic_poll_timers(v);
}
/* TSC at which v's next synthetic timer is due, 0 if none. */
uint64_t synic_next_tsc(struct vcpu *v);
/* A child's EOI of vector (hv/core/vlapic.c). */
void synic_notify_eoi(struct vcpu *v, uint8_t vector);
/* The parent's highest SINT vector waiting, -1 if none; and its taking.
 * Asked several times on each exit and entry (the scheduler's
 * parent_has_message, the injection), so a summary of the words that
 * hold one answers without a scan of all eight. */
static inline int synic_parent_vector(const struct vcpu *v)
{
	int w;

	if (!v->synic_irr_words)
		return -1;
	w = 31 - __builtin_clz(v->synic_irr_words);
	return w * 32 + 31 - __builtin_clz(v->synic_irr[w]);
}

void synic_parent_accept(struct vcpu *v, int vector);
#endif
