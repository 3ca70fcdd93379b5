/*
 * The SVM backend's part of hv's generic structures: struct vcpu's
 * `arch` member and struct percpu's `arch` member (hv/include/hv/vcpu.h,
 * hv/include/hv/percpu.h). Generic code includes this header for the
 * sizes only and never reads a field; only hv/arch/x86/svm/ does.
 */
#ifndef HV_ARCH_SVM_ARCH_TYPES_H
#define HV_ARCH_SVM_ARCH_TYPES_H
#include <stdint.h>

struct vmcb;

struct arch_vcpu {
	uint64_t vmcb_pa;         /* first: svm_entry.S reads it at vcpu + 128 */
	struct vmcb *vmcb;        /* in hv's pool (identity-mapped) */
	uint32_t asid;
	/* Length of an intercept the parent completes later
	 * (arch_vcpu_defer_skip). */
	uint8_t icpt_insn_len;
	uint8_t first_run;        /* VMCB never run: every clean bit 0 */
	uint32_t flush_gen;       /* arch_ept_flush generation last seen */
	/* 1 + the CPU it last ran on (0: never): arriving elsewhere, its
	 * ASID's entries are flushed (svm.c), as VMX's VPID's. */
	uint32_t ran_cpu;
	uint8_t child;            /* not passthrough: INTR intercepted */
	uint8_t drain;            /* parent: INTR intercepted to drain hv's timer */
	/* DR0-DR3: the VMCB holds only DR6 and DR7, and the guest writes
	 * the others without exits, so they follow the vCPU here while
	 * another runs (svm_vcpu.c, arch_vcpu_load). */
	uint64_t dr[4];
	/* NMI blocking, which SVM leaves to the hypervisor for an NMI it
	 * injects (svm_guest.c): set at the injection, ended once the
	 * guest's IRET (intercepted) has run, i.e. at an exit with RIP no
	 * longer at that IRET. */
	uint8_t nmi_masked;
	/* A maskable interrupt offered through V_IRQ and not yet taken
	 * (svm_vcpu.c, svm_virq_offer): no other goes in until it is. */
	uint8_t virq;
	/* At the last exit the offer had been deliverable and was not taken
	 * (svm_virq_note_lost). */
	uint8_t virq_lost;
	uint8_t virq_entry_ok;     /* the offer was deliverable at VMRUN */
	uint64_t virq_entry_rip;   /* and the guest started here */
	uint8_t nmi_await_iret;
	uint64_t nmi_iret_rip;
	/* The last PAUSE decoded without NRIPS (svm_insn.c): its length,
	 * where it was (RIP, CS base and attributes, CR3); 0: none. */
	uint8_t pause_len;
	uint16_t pause_cs_attrib;
	uint64_t pause_rip, pause_cs_base, pause_cr3;
};

#define ARCH_EXIT_STACK_SIZE 16384

struct arch_cpu {
	uint64_t hsave_pa;        /* VM_HSAVE_PA (APM Vol. 2 §15.30.4) */
	uint64_t host_vmcb_pa;    /* hv's FS/GS/TR/LDTR for VMSAVE/VMLOAD */
	uint64_t last_vmcb;       /* VMCB that ran last here (clean bits) */
	/* hv's timer on this CPU's LAPIC (svm_timer.c): the TSC deadline
	 * armed (0: none), and whether an earlier one may have fired with
	 * its vector not drained yet. */
	uint64_t timer_armed;
	uint8_t timer_fired;
	/* A kick this CPU sent itself before a VMRUN that injected an
	 * interrupt (svm.c, QEMU's TCG), not taken yet. */
	uint8_t self_kick;
	/* The VMCB whose translations each ASID tags in this CPU's TLB
	 * (svm.c; 1..SVM_ASIDS_MAX). */
	uint64_t asid_owner[65];
};
#endif
