/*
 * The VT-x backend's part of a vCPU context (hv/core/vpctx.c,
 * docs/hypercalls.md "vCPU context"): the VMCS guest-state fields the
 * generic state leaves out (SDM Vol. 3C §25.4: DR7, PAT, SYSENTER, the
 * interruptibility state), the pending event (VM-entry interruption
 * information, §25.8.3), and CR2, DR0-DR3 and DR6, which this backend
 * keeps in struct arch_vcpu while another vCPU runs (vmx_vcpu.c). The
 * vCPU is never the current one here: the parent's hypercall runs.
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/x86.h>
#include "vmx.h"

/* Event types (§25.8.3): 4 software interrupt, 5 privileged software
 * exception (INT1), 6 software exception (INT3, INTO). */
#define EVT_TYPE(i)  (((i) >> 8) & 7)

/* A software event re-queued after an exit during its delivery
 * (vmx_exit.c, requeue_vectoring) is the guest's own INT n, INT3 or
 * INTO: rather than carry it, step RIP back onto the instruction, which
 * raises it again when the guest runs (§28.2.4: the exit leaves RIP on
 * the instruction plus its length). */
static void read_event(struct hvpart_vp_context_body *c)
{
	uint32_t info = (uint32_t)vmread(VMCS_ENTRY_INTR_INFO);
	unsigned type = EVT_TYPE(info);

	if (!(info & HVPART_EVENT_VALID))
		return;
	if (type >= 4) {
		c->regs.rip -= vmread(VMCS_ENTRY_INSN_LEN);
		return;
	}
	c->ev.pending = info & (0xff | (7u << 8) | HVPART_EVENT_ERR_VALID | HVPART_EVENT_VALID);
	if (info & HVPART_EVENT_ERR_VALID)
		c->ev.error_code = (uint32_t)vmread(VMCS_ENTRY_EXC_ERROR);
}

void arch_vcpu_get_context(struct vcpu *v, struct hvpart_vp_context_body *c)
{
	arch_vcpu_get_state(v, &c->regs);
	c->arch = HVPART_ARCH_VMX;
	c->cr2 = v->arch.cr2;
	memcpy(c->dr, v->arch.dr, sizeof(c->dr));
	c->dr6 = v->arch.dr6;
	if (vmx_load(v))
		return;
	c->dr7 = vmread(VMCS_GUEST_DR7);
	c->msr.pat = vmread(VMCS_GUEST_PAT);
	c->msr.sysenter_cs = vmread(VMCS_GUEST_SYSENTER_CS);
	c->msr.sysenter_esp = vmread(VMCS_GUEST_SYSENTER_ESP);
	c->msr.sysenter_eip = vmread(VMCS_GUEST_SYSENTER_EIP);
	c->ev.shadow = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY) &
		       (HVPART_SHADOW_STI | HVPART_SHADOW_MOV_SS | HVPART_SHADOW_NMI_BLOCKED);
	read_event(c);
	vmx_load_current();
}

/* CR4.VMXE is hv's (nested VMX is not offered); the rest of what VM
 * entry checks is architectural and checked by hv/core/vpctx_check.c. */
int arch_vcpu_check_context(const struct hvpart_vp_context_body *c)
{
	return (c->regs.cr4 & CR4_VMXE) ? -EINVAL : 0;
}

void arch_vcpu_set_context(struct vcpu *v, const struct hvpart_vp_context_body *c)
{
	if (arch_vcpu_set_state(v, &c->regs) || vmx_load(v))
		return;
	v->arch.cr2 = c->cr2;
	memcpy(v->arch.dr, c->dr, sizeof(v->arch.dr));
	v->arch.dr6 = c->dr6;
	vmwrite(VMCS_GUEST_DR7, c->dr7);
	vmwrite(VMCS_GUEST_PAT, c->msr.pat);
	vmwrite(VMCS_GUEST_SYSENTER_CS, c->msr.sysenter_cs);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, c->msr.sysenter_esp);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, c->msr.sysenter_eip);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, c->ev.shadow);
	vmwrite(VMCS_ENTRY_INTR_INFO, c->ev.pending);
	if (c->ev.pending & HVPART_EVENT_ERR_VALID)
		vmwrite(VMCS_ENTRY_EXC_ERROR, c->ev.error_code);
	vmx_load_current();
}
