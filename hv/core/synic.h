/*
 * Hyper-V's synthetic MSRs and synthetic interrupt controller (TLFS v6.0
 * §2.4 "Hypervisor Synthetic MSRs", §3.13 hypercall page, chapter 11
 * "Inter-Partition Communication" for the SynIC).
 *
 * hv/core/synic.c owns the synthetic MSR range 0x40000000-0x400000ff.
 * Today: guest OS ID, hypercall page, VP index, TSC and APIC frequency.
 * The VMBus transport adds the SynIC proper here: SCONTROL, SVERSION,
 * SIEFP, SIMP, EOM and SINT0-15 as rows of its MSR table, per-vCPU
 * message and event-flag pages, and the HvPostMessage and HvSignalEvent
 * hypercalls (their handlers here, their rows in hypercall.c's table).
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
#endif
