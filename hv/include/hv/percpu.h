/*
 * State of one physical CPU, reached through this_cpu() alone: each CPU's
 * GS base points at its own struct percpu, whose first field points at
 * itself (VT-x restores GS base from the VMCS's host area at every exit,
 * SDM Vol. 3C §28.5.2; the SVM backend's VMSAVE/VMLOAD pair does, APM
 * Vol. 2 §15.5.2). docs/ARCHITECTURE.md, "Per-CPU state".
 */
#ifndef HV_PERCPU_H
#define HV_PERCPU_H
#include <stdbool.h>
#include <stdint.h>
#include <arch/arch_types.h>

#define HV_MAX_CPUS 8

struct vcpu;

struct percpu {
	struct percpu *self;         /* first: this_cpu() reads it at %gs:0 */
	/* Second: the vector of a physical interrupt hv took, stored by
	 * irq_common (hv/arch/x86/entry.S) at %gs:8. */
	volatile uint64_t irq_vector;
	uint32_t index;              /* in hv_percpu[]; 0 is the boot CPU */
	uint32_t apic_id;
	volatile uint32_t online;    /* an AP sets it once in VMX/SVM root (hv/core/smp.c) */
	struct vcpu *current;        /* the vCPU whose state is loaded */
	/* Extended state (hv/core/xstate.c): the vCPU whose x87/SSE/AVX
	 * registers the CPU holds, and the XCR0 it has. */
	struct vcpu *xstate_owner;
	uint64_t xcr0;
	/* The vCPU whose SYSCALL MSRs and TSC_AUX the CPU holds
	 * (hv/core/msr.c). */
	struct vcpu *msr_owner;
	/* Scheduler (hv/core/sched.c). */
	struct vcpu *parent;         /* the parent's vCPU on this CPU */
	/* An AP: the parent's processor pinned here (hv/core/parent_vp.c),
	 * NULL if none; parent stays NULL on an AP. */
	struct vcpu *parent_ap;
	uint32_t children_running;   /* children in state Running */
	bool parent_woken;           /* an interrupt exit: the parent goes next */
	/* The parent's physical interrupts hv accepted, to inject, by
	 * vector (hv/core/sched.c, parent_called). */
	uint64_t parent_irqs[4];
	bool look_only;              /* a timer exit that found nothing to do */
	/* Child vCPUs by slot: partition id * PARTITION_MAX_VCPUS + index. */
	uint64_t rr_last;            /* the slot that took the last turn */
	uint64_t kept_turn;          /* 1 + the slot whose turn the parent took; 0: none */
	uint64_t period_start;       /* this accounting period's (hv/core/sched.c) */
	uint64_t next_fire;          /* earliest child timer at the last budget */
	uint64_t fire_gen;           /* next_fire holds while timers_gen is this */
	struct vcpu *lone;           /* lone_child's answer while timers_gen is lone_gen */
	uint64_t lone_gen;
	uint64_t latency_us;         /* HvpartSetInterruptLatency; 0: default */
	uint64_t latency_tsc;        /* the same in TSC ticks; 0: not yet known (sched.c) */
	/* Exit handling that resumed another vCPU: count and TSC ticks
	 * (Get-VMHost, Measure-VMHost). */
	uint64_t switches, switch_ticks;
	/* Extended-state switches among them and their TSC ticks. */
	uint64_t xstate_switches, xstate_ticks;
	/* Hypercall input, copied before the handler checks it
	 * (hv/core/hypercall.c). */
	uint64_t hc_in[4096 / 8];
	/* A guest's breakpoints are armed in hv itself for the moment
	 * (hv/arch/x86/svm/svm_dr.c): a #DB in hv is theirs. */
	bool guest_breakpoints;
	/* Processors (hv/core/smp_run.c). */
	volatile uint32_t kicked;    /* another CPU changed what this one runs */
	volatile uint32_t release_asked; /* a vCPU loaded here is claimed */
	uint32_t homed;              /* child vCPUs placed here */
	bool parent_waited;          /* an AP: a vCPU here waits for the parent (sched.c) */
	volatile uint64_t flush_seen; /* the last smp_flush_gen this CPU flushed for */
	uint64_t kicks_sent, flushes_sent;
	/* vCPUs this CPU moved to another (smp_balance); a vCPU's cached
	 * translations flushed as it arrived here from another CPU. */
	uint64_t vcpu_moves, tlb_flushes;
	uint64_t timed_halts;        /* an AP's HLTs timed for a halted vCPU (sched.c) */
	struct arch_cpu arch;        /* the backend's (hv/include/hv/arch.h) */
};
_Static_assert(__builtin_offsetof(struct percpu, irq_vector) == 8, "irq_common stores at %gs:8");

extern struct percpu hv_percpu[HV_MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* The CPU's own area in its GS base (hv/core/percpu.c), at boot on each. */
void percpu_install(struct percpu *p, uint32_t index, uint32_t apic_id);
/* CPUs started (the boot CPU and the APs that came up). */
uint32_t percpu_online_count(void);
#endif
