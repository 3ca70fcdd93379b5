/*
 * The SVM backend's part of a vCPU context (hv/core/vpctx.c,
 * docs/hypercalls.md "vCPU context"), from the VMCB (AMD APM Vol. 2
 * Appendix B): CR2, DR6, DR7, G_PAT, SYSENTER, the interrupt shadow
 * (INTERRUPT_SHADOW, §15.21.5) and the pending event (EVENTINJ, §15.20,
 * whose low 32 bits have the layout of VT-x's interruption information
 * that the context uses). DR0-DR3 live in struct arch_vcpu while
 * another vCPU runs (svm_vcpu.c). SVM without virtual NMIs keeps no NMI
 * blocking hv could read: the context carries none from here, and one
 * imported here is dropped (docs/hypercalls.md says so).
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/x86.h>
#include "svm.h"

#define EVT_LOW_MASK (0xffu | (7u << 8) | HVPART_EVENT_ERR_VALID | HVPART_EVENT_VALID)

void arch_vcpu_get_context(struct vcpu *v, struct hvpart_vp_context_body *c)
{
	const struct vmcb *vm = svm_vmcb(v);
	uint64_t ev = vm->ctl.eventinj;

	arch_vcpu_get_state(v, &c->regs);
	c->arch = HVPART_ARCH_SVM;
	c->cr2 = vm->save.cr2;
	memcpy(c->dr, v->arch.dr, sizeof(c->dr));
	c->dr6 = vm->save.dr6;
	c->dr7 = vm->save.dr7;
	c->msr.pat = vm->save.g_pat;
	c->msr.sysenter_cs = vm->save.sysenter_cs;
	c->msr.sysenter_esp = vm->save.sysenter_esp;
	c->msr.sysenter_eip = vm->save.sysenter_eip;
	/* SVM has one interrupt shadow (§15.21.5) for STI and MOV SS alike;
	 * with RFLAGS.IF clear it cannot be STI's, so it is carried as
	 * MOV SS's (QEMU's TCG reported it with IF clear for the counter
	 * guest, whose STI-shadow context SetVpContext then refused). */
	if (vm->ctl.int_state & 1)
		c->ev.shadow = (vm->save.rflags & (1u << 9)) ? HVPART_SHADOW_STI : HVPART_SHADOW_MOV_SS;
	/* hv injects no software interrupts (svm_exit.c, reinject). */
	if ((ev & SVM_EVT_V) && ((ev >> 8) & 7) != 4) {
		c->ev.pending = (uint32_t)ev & EVT_LOW_MASK;
		c->ev.error_code = (uint32_t)(ev >> 32);
	} else if (svm_virq_pending(v) >= 0) {
		/* offered through V_IRQ, not taken yet: an external interrupt */
		c->ev.pending = (uint32_t)svm_virq_pending(v) | HVPART_EVENT_VALID;
	}
}

int arch_vcpu_check_context(const struct hvpart_vp_context_body *c)
{
	return svm_check_state(&c->regs);
}

void arch_vcpu_set_context(struct vcpu *v, const struct hvpart_vp_context_body *c)
{
	struct vmcb *vm = svm_vmcb(v);

	if (arch_vcpu_set_state(v, &c->regs))
		return;
	vm->save.cr2 = c->cr2;
	memcpy(v->arch.dr, c->dr, sizeof(v->arch.dr));
	vm->save.dr6 = c->dr6;
	vm->save.dr7 = c->dr7;
	vm->save.g_pat = c->msr.pat;
	vm->save.sysenter_cs = c->msr.sysenter_cs;
	vm->save.sysenter_esp = c->msr.sysenter_esp;
	vm->save.sysenter_eip = c->msr.sysenter_eip;
	vm->ctl.int_state = (c->ev.shadow & (HVPART_SHADOW_STI | HVPART_SHADOW_MOV_SS)) ? 1 : 0;
	vm->ctl.eventinj = 0;
	/* A pending event goes back through EVENTINJ (hv's own export puts
	 * an external interrupt back in the vLAPIC's IRR instead, vpctx.c);
	 * svm_kick_after_inject keeps QEMU from delivering one twice. */
	if (c->ev.pending & HVPART_EVENT_VALID)
		vm->ctl.eventinj = (c->ev.pending & EVT_LOW_MASK) |
				   ((c->ev.pending & HVPART_EVENT_ERR_VALID) ?
				    SVM_EVT_ERR(c->ev.error_code) : 0);
	svm_dirty(v, VMCB_CLEAN_ALL);
}
