/*
 * Children's virtual processors on the application processors
 * (hv/core/smp_run.c; docs/ARCHITECTURE.md, "Processors"): hv's lock,
 * kicks between CPUs, remote EPT flushes, and a vCPU's hardware state
 * borrowed by another CPU.
 */
#ifndef HV_SMP_H
#define HV_SMP_H
#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct partition;

/* Set once at boot, before the parent runs (smp_runtime_init): children
 * run on the APs. Without it hv runs on the boot CPU alone (the APs wait
 * for nothing), and the lock, kicks and flushes below cost one test. */
extern bool smp_on;

/* hv's one lock: held from every VM exit to the next VM entry, on every
 * CPU; guest code runs without it. A CPU waiting for it serves the
 * flushes other CPUs ask of it (smp_service). */
void hv_lock_slow(void);
void hv_unlock_slow(void);
static inline void hv_lock(void)
{
	if (smp_on)
		hv_lock_slow();
}

static inline void hv_unlock(void)
{
	if (smp_on)
		hv_unlock_slow();
}

/* After the APs started, before the parent's vCPU exists: whether
 * children go to the APs (the backend can, the boot CPU's LAPIC takes
 * kicks). */
void smp_runtime_init(void);
bool smp_children_on_aps(void);
/* The parent's processors beyond its first, one per AP that came up, up
 * to a partition's limit, stopped until it starts them
 * (hv/core/parent_vp.c); none without children on the APs. */
struct arch_vcpu_config;
void parent_vps_create(struct partition *p, const struct arch_vcpu_config *cfg);
/* The AP's loop (from smp_ap_main, never returns). */
__attribute__((noreturn)) void smp_ap_run(void);

/* A new child vCPU gets its CPU; a deleted one gives it back. */
void smp_place(struct vcpu *v);
void smp_unplace(struct vcpu *v);
/* Evens the APs' loads after vCPUs went (a partition deleted): while
 * one has two more than another, one of its vCPUs moves there. */
void smp_balance(void);
/* From the parent's exits on the boot CPU: every BALANCE_PERIODS
 * accounting periods, one vCPU moves off an AP crowded with busy vCPUs
 * to one with idle time its time fits in (hv/core/smp_place.h). */
void smp_balance_load(uint64_t now);
/* Make CPU cpu, or v's CPU, look again (no-op for this CPU). */
void smp_kick(uint32_t cpu);
void smp_kick_vcpu(const struct vcpu *v);
/* Drop every cached guest-physical translation on every CPU (an EPT
 * lost pages): returns once each CPU has flushed. */
void smp_ept_flush(void);
/* A CPU's part of other CPUs' requests: its flush. */
void smp_service(void);

/* v's hardware state on this CPU for a while (the parent reads or
 * writes a child's registers): the CPU that holds it lets it go, v
 * does not run meanwhile, and smp_vcpu_return gives it back. Without
 * children on the APs both do nothing. smp_vcpu_claim may drop hv's
 * lock while it waits. */
void smp_vcpu_claim(struct vcpu *v);
void smp_vcpu_return(struct vcpu *v);
/* Every vCPU of p out of the guest before this returns (a suspend, a
 * stop, a delete). */
void smp_quiesce(struct partition *p);
/* On v's CPU, at a point where it runs no vCPU's exit: what other CPUs
 * asked to be released is released. */
void smp_honor_releases(void);
/* v's state leaves this CPU: extended state, switched MSRs, the
 * backend's (arch_vcpu_release). */
void smp_release_here(struct vcpu *v);
/* Load v on this CPU for running it (arch_vcpu_load). */
void smp_vcpu_load(struct vcpu *v);
#endif
