/*
 * The VT-x backend's part of hv's generic structures: struct vcpu's
 * `arch` member and struct percpu's `arch` member (hv/include/hv/vcpu.h,
 * hv/include/hv/percpu.h), as Jailhouse keeps struct arch_cell apart
 * from struct cell. Generic code includes this header for the sizes only
 * and never reads a field; only hv/arch/x86/vmx/ does.
 */
#ifndef HV_ARCH_VMX_ARCH_TYPES_H
#define HV_ARCH_VMX_ARCH_TYPES_H
#include <stdint.h>

struct arch_vcpu {
	uint64_t launched;        /* first: vmx_entry.S reads it at vcpu + 128 */
	void *vmcs;               /* the VMCS region, in hv's pool */
	uint64_t vmcs_pa;
	uint16_t vpid;
	/* VM-exit instruction length of an intercept the parent completes
	 * later (arch_vcpu_defer_skip; SDM Vol. 3C §28.2.5). */
	uint8_t icpt_insn_len;
	/* Guest registers neither the VMCS nor the exit path switches, kept
	 * here while another vCPU runs: CR2, DR0-DR3, DR6 (DR7 is in the
	 * VMCS; vmx_vcpu.c, switch_regs). */
	uint64_t cr2;
	uint64_t dr[4];
	uint64_t dr6;
	/* 1 + the CPU whose host state (GS base, TR, GDT, exit stack) the
	 * VMCS holds (vmx_setup_host): a vCPU runs on an AP. */
	uint32_t host_cpu;
	/* 1 + the CPU it last entered the guest on (0: never): arriving
	 * anywhere else, its VPID's mappings are flushed (vmx_vpid_arrive). */
	uint32_t ran_cpu;
};

#define ARCH_EXIT_STACK_SIZE 16384

struct arch_cpu {
	/* hv's stack after a VM exit (HOST_RSP, SDM Vol. 3C §25.5); its top
	 * slot holds the running struct vcpu * (vmx_entry.S). */
	uint8_t exit_stack[ARCH_EXIT_STACK_SIZE] __attribute__((aligned(16)));
	uint64_t vmxon_pa;        /* this CPU's VMXON region (§24.7) */
	uint64_t timer_deadline;  /* TSC the preemption timer ends at, 0: none (vmx_vcpu.c) */
};
#endif
