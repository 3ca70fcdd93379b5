/*
 * The guest state generic code reads and sets for emulation (MMIO with
 * paging on, hv/core/guestmem.c and mmio.c), from the VMCB's save area
 * (AMD APM Vol. 2 §15.5.1, Appendix B), as vmx_exit.c does from the VMCS.
 */
#include <hv/hv.h>
#include <hv/x86.h>
#include "svm.h"
#include "vmcb.h"

void arch_vcpu_paging(struct vcpu *v, struct pw_regs *r)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;

	r->cr0 = g->cr0;
	r->cr3 = g->cr3;
	r->cr4 = g->cr4;
	r->efer = g->efer;
	r->rflags = g->rflags;
	r->cpl = arch_vcpu_cpl(v);
}

/* 64-bit in long mode with CS.L; else CS.D (attribute bit 10) in
 * protected mode; real and virtual-8086 mode are 16-bit (§4.8). */
enum insn_mode arch_vcpu_insn_mode(struct vcpu *v)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;

	if (arch_vcpu_long_mode(v))
		return INSN_MODE64;
	if (!(g->cr0 & CR0_PE) || (g->rflags & (1u << 17)))
		return INSN_MODE16;
	return (g->cs.attrib & (1u << 10)) ? INSN_MODE32 : INSN_MODE16;
}

/* ES, CS, SS, DS, FS, GS are consecutive in the save area, as
 * enum insn_seg orders them. */
uint64_t arch_vcpu_seg_base(struct vcpu *v, unsigned seg)
{
	const struct vmcb_seg *s = &svm_vmcb(v)->save.es;

	return seg <= INSN_GS ? s[seg].base : 0;
}

/* The VMCB's attributes are the descriptor's bits 47:40 and 55:52
 * packed into 11:0 (APM Vol. 2 §15.5.1): spread to the VMCS layout. */
uint32_t arch_vcpu_seg_limit(struct vcpu *v, unsigned seg, uint32_t *ar)
{
	const struct vmcb_seg *s = &svm_vmcb(v)->save.es;

	if (seg > INSN_GS) {
		*ar = 1u << 16;
		return 0;
	}
	*ar = (s[seg].attrib & 0xffu) | ((uint32_t)(s[seg].attrib & 0xf00u) << 4);
	return s[seg].limit;
}

uint64_t arch_vcpu_rflags(struct vcpu *v)
{
	return svm_vmcb(v)->save.rflags;
}

/* RFLAGS is never cached (§15.15.3: no clean bit covers it). */
void arch_vcpu_set_rflags(struct vcpu *v, uint64_t rflags)
{
	svm_vmcb(v)->save.rflags = rflags;
}

/* #PF with its error code; CR2 is in the save area (CRX-independent, no
 * clean bit covers it: §15.15.3 lists CR2 under "CR2" group 9). */
void arch_vcpu_inject_pf(struct vcpu *v, uint64_t lin, uint32_t err)
{
	struct vmcb *vm = svm_vmcb(v);

	vm->save.cr2 = lin;
	svm_dirty(v, VMCB_CLEAN_CR2);
	vm->ctl.eventinj = SVM_EVT_VECTOR(14) | SVM_EVT_TYPE_EXC | SVM_EVT_EV | SVM_EVT_V |
			   SVM_EVT_ERR(err);
}

/* An NMI waits while an event is being injected, in an interrupt
 * shadow, and while the guest runs the handler of the last NMI hv
 * injected: an NMI delivered through the IDT blocks further NMIs until
 * the next IRET (SDM Vol. 3A §6.7.1; APM Vol. 2 §8.2.18), but EVENTINJ
 * ignores that blocking (§15.20), so hv keeps it: masked from the
 * injection, and the IRET intercepted to learn when it ends. */
bool arch_vcpu_inject_nmi(struct vcpu *v)
{
	struct vmcb *vm = svm_vmcb(v);

	if ((vm->ctl.eventinj & SVM_EVT_V) || (vm->ctl.int_state & 1) || v->arch.nmi_masked)
		return false;
	vm->ctl.eventinj = SVM_EVT_VECTOR(2) | SVM_EVT_TYPE_NMI | SVM_EVT_V;
	v->arch.nmi_masked = 1;
	v->arch.nmi_await_iret = 0;
	vm->ctl.intercept1 |= SVM_I1_IRET;
	svm_dirty(v, VMCB_CLEAN_I);
	return true;
}

/* The IRET intercept comes before the IRET runs (§15.9): the blocking
 * ends at the first exit after it, once RIP has left it (the guest may
 * take an exit before its first instruction, an interrupt at VMRUN). */
void svm_nmi_iret(struct vcpu *v)
{
	struct vmcb *vm = svm_vmcb(v);

	v->arch.nmi_await_iret = 1;
	v->arch.nmi_iret_rip = vm->save.rip;
	vm->ctl.intercept1 &= ~SVM_I1_IRET;
	svm_dirty(v, VMCB_CLEAN_I);
}

void svm_nmi_check_unmask(struct vcpu *v)
{
	if (v->arch.nmi_await_iret && svm_vmcb(v)->save.rip != v->arch.nmi_iret_rip) {
		v->arch.nmi_await_iret = 0;
		v->arch.nmi_masked = 0;
	}
}

/* EXITINTINFO valid: the exit came while the CPU delivered an event
 * (§15.7.2), which the exit path injects again. */
bool arch_vcpu_delivering_event(struct vcpu *v)
{
	return svm_vmcb(v)->ctl.exitintinfo & SVM_EVT_V;
}
