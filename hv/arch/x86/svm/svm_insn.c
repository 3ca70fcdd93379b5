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
	n = guest_peek_insn(v, b, &mode);
	len = n > 0 ? insn_len_of(b, (size_t)n, mode, (enum insn_op)op) : -1;
	if (len < 0) {
		/* The bytes are not there or not that instruction (the guest
		 * changed them): its length without prefixes. */
		hv_err("hv: partition %lu: cannot decode the instruction at %#lx (exit %#lx)",
		       v->part->id, vm->save.rip, code);
		return insn_len_bare((enum insn_op)op);
	}
	return (unsigned)len;
}
