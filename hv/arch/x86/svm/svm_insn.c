/*
 * The bytes and length of the instruction behind an exit. With NRIPS the
 * CPU reports the next RIP (APM Vol. 2 §15.7.1); without it (QEMU's TCG,
 * older CPUs) hv reads the bytes at CS:RIP through the guest's own page
 * tables (hv/core/guestmem.c, the walker MMIO emulation uses) and decodes
 * the length (hv/arch/x86/insn_len.c). I/O exits
 * always carry the next RIP in EXITINFO2 (§15.10.2).
 */
#include "svm.h"
#include <hv/lib.h>
#include <hv/arch/x86/insn_len.h>
#include "hv/core/guestmem.h"

static int exit_op(uint64_t code)
{
	switch (code) {
	case SVM_EXIT_CPUID: return INSN_OP_CPUID;
	case SVM_EXIT_HLT: return INSN_OP_HLT;
	case SVM_EXIT_VMMCALL: return INSN_OP_VMMCALL;
	case SVM_EXIT_XSETBV: return INSN_OP_XSETBV;
	case SVM_EXIT_PAUSE: return INSN_OP_PAUSE;
	case SVM_EXIT_INVD: return INSN_OP_INVD;
	default: return -1;
	}
}

/* A vCPU spin-waiting exits at the same PAUSE again and again where the
 * CPU has no pause filter (QEMU's TCG, which has no NRIPS either): its
 * length, decoded once through the guest's page tables under hv's lock,
 * is kept for that place, so that the next exits there need no walk
 * (the unlocked one, sched_pause_quick, may not walk: see svm_exit.c).
 * The exit says the instruction is a PAUSE; only its prefixes could
 * differ if the guest rewrote the code at the same RIP, CS and CR3, and
 * a wrong length then misleads only that guest. */
static bool pause_at_cached(const struct vcpu *v, const struct vmcb *vm)
{
	const struct arch_vcpu *a = &v->arch;

	return a->pause_len && vm->save.rip == a->pause_rip && vm->save.cr3 == a->pause_cr3 &&
	       vm->save.cs.base == a->pause_cs_base && vm->save.cs.attrib == a->pause_cs_attrib;
}

static void pause_cache(struct vcpu *v, const struct vmcb *vm, int len)
{
	struct arch_vcpu *a = &v->arch;

	a->pause_len = (uint8_t)len;
	a->pause_rip = vm->save.rip;
	a->pause_cr3 = vm->save.cr3;
	a->pause_cs_base = vm->save.cs.base;
	a->pause_cs_attrib = vm->save.cs.attrib;
}

bool svm_pause_len_known(struct vcpu *v)
{
	return (svm_caps.features & SVM_F_NRIPS) || pause_at_cached(v, svm_vmcb(v));
}

unsigned svm_exit_insn_len(struct vcpu *v)
{
	const struct vmcb *vm = svm_vmcb(v);
	uint64_t code = vm->ctl.exitcode;
	uint8_t b[15];
	enum insn_mode mode;
	int op, n, len;

	if (code == SVM_EXIT_IOIO)
		return (unsigned)(vm->ctl.exitinfo2 - vm->save.rip);
	if ((svm_caps.features & SVM_F_NRIPS) && vm->ctl.nrip > vm->save.rip)
		return (unsigned)(vm->ctl.nrip - vm->save.rip);
	op = code == SVM_EXIT_MSR ? (vm->ctl.exitinfo1 ? INSN_OP_WRMSR : INSN_OP_RDMSR)
				  : exit_op(code);
	if (op < 0)
		return 0;
	if (op == INSN_OP_PAUSE && pause_at_cached(v, vm))
		return v->arch.pause_len;
	n = guest_peek_insn(v, b, &mode);
	len = n > 0 ? insn_len_of(b, (size_t)n, mode, (enum insn_op)op) : -1;
	if (len < 0) {
		/* The bytes are not there or not that instruction (the guest
		 * changed them): its length without prefixes. */
		hv_err("hv: partition %lu: cannot decode the instruction at %#lx (exit %#lx)",
		       v->part->id, vm->save.rip, code);
		return insn_len_bare((enum insn_op)op);
	}
	if (op == INSN_OP_PAUSE)
		pause_cache(v, vm, len);
	return (unsigned)len;
}
