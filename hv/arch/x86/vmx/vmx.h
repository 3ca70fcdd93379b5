/*
 * Internals of the VT-x backend, shared by the files of hv/arch/x86/vmx/
 * only. Generic code reaches the backend through hv/arch.h; the build
 * keeps every vmx_* symbol local to libhvarch-vmx.a (hv/module.mk).
 */
#ifndef HV_VMX_H
#define HV_VMX_H
#include <stdint.h>
#include <hv/vcpu.h>
#include "vmcs.h"

struct vmx_caps {
	uint32_t revision;
	uint32_t pin_ok[2], proc_ok[2], proc2_ok[2], exit_ok[2], entry_ok[2]; /* [0] must-be-1, [1] may-be-1 */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid;
	uint64_t misc;
	uint32_t features;                /* HVPART_VMXF_* */
};
extern struct vmx_caps vmx_caps;

/* The VMCS controls of a new vCPU (vmx_setup_controls). */
struct vmx_guest_init {
	uint64_t eptp;
	uint64_t msr_bitmap_pa, io_bitmap_a_pa, io_bitmap_b_pa;
	bool child;                  /* intercept interrupts and all port I/O */
	bool intr_exit;              /* the parent's interrupts exit too */
	uint64_t apic_access_pa;     /* children: the APIC-access page, 0 = none */
};

/* vmx_entry.S */
int vmx_enter_guest(struct vcpu *v);      /* returns only if entry failed */
void vmx_exit_stub(void);

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}

static inline void vmwrite(uint64_t field, uint64_t v)
{
	__asm__ volatile("vmwrite %1, %0" : : "r"(field), "rm"(v) : "cc", "memory");
}

/* Returns 0, or -1 if the VMX instruction failed (RFLAGS.CF or ZF, SDM
 * Vol. 3C §31.2 "Conventions"). */
static inline int vmx_insn_ok(uint8_t fail)
{
	return fail ? -1 : 0;
}

static inline int vmptrld(uint64_t pa)
{
	uint8_t fail;

	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return vmx_insn_ok(fail);
}

static inline int vmclear(uint64_t pa)
{
	uint8_t fail;

	__asm__ volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return vmx_insn_ok(fail);
}

/* vmx_entry.S calls these two. */
struct vcpu *vmx_handle_exit(struct vcpu *v);
struct vcpu *vmx_entry_failed(struct vcpu *v);
/* Before v's entry on this CPU: its VPID's cached translations go if it
 * last ran elsewhere (vmx.c). */
void vmx_vpid_arrive(struct vcpu *v);
/* Before a quick re-entry: the preemption timer set to the budget left;
 * false if none is (vmx_vcpu.c). */
bool vmx_timer_left(void);
#ifdef HV_TRACE
bool vmx_trace_arm(struct vcpu *v, uint64_t left);
uint64_t vmx_trace_ran(void);
#endif

int vmx_setup_controls(const struct vmx_guest_init *gi);
void vmx_cr_write(uint64_t cr0, uint64_t cr4);
/* CR0 and CR4 as the current vCPU's guest sees them (shadow for the
 * bits hv owns, the register for the rest). */
uint64_t vmx_cr0_read(void);
uint64_t vmx_cr4_read(void);
void vmx_setup_host(struct vcpu *v);
/* Step the current VMCS's guest past an instruction of len bytes. */
void vmx_advance_rip(uint64_t len);
/* Load v's VMCS, or the current vCPU's again (after touching another's). */
int vmx_load(struct vcpu *v);
void vmx_load_current(void);

_Static_assert(offsetof(struct vcpu, arch.launched) == 128, "vmx_entry.S offset");
#endif
