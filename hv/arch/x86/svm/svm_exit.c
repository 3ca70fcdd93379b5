/*
 * #VMEXIT dispatch (AMD APM Vol. 2 §15.6, exit codes in Appendix C). One
 * table maps each exit code to a handler and a vendor-neutral statistics
 * bucket, in the same shape as the VT-x backend's; codes without an entry
 * take the explicit "unhandled" path, which logs the code, EXITINFO1/2
 * and a VMCB dump, and stops only that partition. The handlers only
 * decode; policy is the generic hv_handle_* of hv/core/.
 */
#include "svm.h"
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "hv/core/guestmem.h"
#include "hv/core/msr.h"

typedef void (*exit_fn)(struct vcpu *v, uint64_t info1);

struct exit_entry {
	exit_fn fn;
	uint8_t kind;      /* enum hvpart_exit_kind */
	const char *name;
};

uint64_t arch_vcpu_rip(struct vcpu *v) { return svm_vmcb(v)->save.rip; }
uint64_t arch_vcpu_rsp(struct vcpu *v) { return svm_vmcb(v)->save.rsp; }
void arch_vcpu_set_rsp(struct vcpu *v, uint64_t rsp) { svm_vmcb(v)->save.rsp = rsp; }
uint64_t arch_vcpu_cr4(struct vcpu *v) { return svm_vmcb(v)->save.cr4; }
/* The VMCB keeps the CPL itself (§15.5.1; SS.DPL need not match it). */
unsigned arch_vcpu_cpl(struct vcpu *v) { return svm_vmcb(v)->save.cpl & 3; }

bool arch_vcpu_long_mode(struct vcpu *v)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;

	return (g->efer & EFER_LMA) && (g->cs.attrib & (1u << 9));   /* CS.L */
}

bool arch_vcpu_irq_enabled(struct vcpu *v)
{
	return svm_vmcb(v)->save.rflags & (1u << 9);
}

void svm_advance_rip(struct vcpu *v, uint64_t len)
{
	struct vmcb *vm = svm_vmcb(v);

	vm->save.rip += len;
	/* Completing an instruction ends an STI/MOV SS shadow (§15.21.5). */
	vm->ctl.int_state &= ~1ull;
	/* With RFLAGS.TF the instruction hv completed ends in a single-step
	 * trap, as the CPU's own would (APM Vol. 2 §13.1.4: #DB after it,
	 * DR6.BS set). SVM has no pending-debug field like VT-x's, so hv
	 * injects the #DB itself, unless an event is already being injected
	 * again (EXITINTINFO), which comes first. */
	if ((vm->save.rflags & (1u << 8)) && !(vm->ctl.eventinj & SVM_EVT_V)) {
		vm->save.dr6 |= 1u << 14;
		svm_dirty(v, VMCB_CLEAN_DRX);
		vm->ctl.eventinj = SVM_EVT_VECTOR(1) | SVM_EVT_TYPE_EXC | SVM_EVT_V;
	}
}

void arch_vcpu_skip_insn(struct vcpu *v) { svm_advance_rip(v, svm_exit_insn_len(v)); }
void arch_vcpu_advance_rip(struct vcpu *v, uint64_t len) { svm_advance_rip(v, len); }

void arch_vcpu_dump(struct vcpu *v)
{
	const struct vmcb *vm = svm_vmcb(v);
	const struct vmcb_save *g = &vm->save;

	hv_err("  rip %#lx rsp %#lx rflags %#lx cs %#x/%#x cpl %u",
	       g->rip, g->rsp, g->rflags, g->cs.sel, g->cs.attrib, g->cpl);
	hv_err("  cr0 %#lx cr3 %#lx cr4 %#lx efer %#lx",
	       g->cr0, g->cr3, g->cr4, g->efer);
	hv_err("  rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx",
	       g->rax, v->gpr[GPR_RBX], v->gpr[GPR_RCX],
	       v->gpr[GPR_RDX], v->gpr[GPR_RSI], v->gpr[GPR_RDI]);
	hv_err("  exitcode %#lx info1 %#lx info2 %#lx intinfo %#lx eventinj %#lx",
	       vm->ctl.exitcode, vm->ctl.exitinfo1, vm->ctl.exitinfo2,
	       vm->ctl.exitintinfo, vm->ctl.eventinj);
	hv_err("  asid %u intercepts %#x %#x ncr3 %#lx clean %#x",
	       vm->ctl.asid, vm->ctl.intercept1, vm->ctl.intercept2,
	       vm->ctl.ncr3, vm->ctl.clean);
}

static void exit_cpuid(struct vcpu *v, uint64_t i1) { (void)i1; hv_handle_cpuid(v); }
static void exit_xsetbv(struct vcpu *v, uint64_t i1) { (void)i1; hv_handle_xsetbv(v); }
static void exit_vmmcall(struct vcpu *v, uint64_t i1) { (void)i1; hv_handle_hypercall(v); }
static void exit_hlt(struct vcpu *v, uint64_t i1) { (void)i1; hv_handle_hlt(v); }

static void exit_skip(struct vcpu *v, uint64_t i1)
{
	(void)i1;
	arch_vcpu_skip_insn(v);
}

static void exit_pause(struct vcpu *v, uint64_t i1)
{
	(void)i1;
	hv_handle_pause(v);
}

/* EFER is the guest's but for SVME, which VMRUN needs set (§15.5.1) and
 * the guest must neither see nor clear; a CPU without SVM (what CPUID
 * shows) has it reserved, so setting it is #GP (APM Vol. 2 §3.1.7). */
static bool efer_access(struct vcpu *v, bool write)
{
	struct vmcb_save *g = &svm_vmcb(v)->save;
	uint64_t val = (v->gpr[GPR_RAX] & 0xffffffffull) | (v->gpr[GPR_RDX] << 32);

	if ((uint32_t)v->gpr[GPR_RCX] != MSR_IA32_EFER)
		return false;
	if (!write) {
		v->gpr[GPR_RAX] = (uint32_t)(g->efer & ~EFER_SVME);
		v->gpr[GPR_RDX] = (g->efer & ~EFER_SVME) >> 32;
	} else if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) {
		arch_vcpu_inject_gp(v);
		return true;
	} else {
		/* LMA is the CPU's to set (§14.6.1): the written bit is ignored. */
		g->efer = (val & ~EFER_LMA) | (g->efer & EFER_LMA) | EFER_SVME;
		svm_dirty(v, VMCB_CLEAN_CRX);
	}
	arch_vcpu_skip_insn(v);
	return true;
}

const uint32_t svm_write_checked_msrs[SVM_WRITE_CHECKED] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_LSTAR,
};

/* Where a child's value of a write-checked MSR lives: SYSENTER in its VMCB
 * for the next VMLOAD (§15.5.2); PAT in G_PAT (§15.25.8), read through an
 * exit too, because QEMU 7.2 reads the CPU's PAT and ignores G_PAT; LSTAR
 * in the CPU, which hv/core/msr.c switches (svm_entry.S). */
static uint64_t *vmcb_msr_slot(struct vmcb_save *g, uint32_t msr)
{
	switch (msr) {
	case MSR_IA32_SYSENTER_CS: return &g->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP: return &g->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP: return &g->sysenter_eip;
	case MSR_IA32_PAT: return &g->g_pat;
	default: return NULL;
	}
}

/* A child's access to one of them: checked as WRMSR must check it (Vol. 2B
 * WRMSR #GP), where an emulator does not (QEMU takes a reserved PAT type
 * or a non-canonical LSTAR, and keeps 16 bits of SYSENTER_CS). */
static bool vmcb_msr_access(struct vcpu *v, bool write)
{
	struct vmcb_save *g = &svm_vmcb(v)->save;
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t val = (v->gpr[GPR_RAX] & 0xffffffffull) | (v->gpr[GPR_RDX] << 32);
	uint64_t *slot = vmcb_msr_slot(g, msr);

	if (!slot && !(write && msr == MSR_LSTAR))
		return false;
	if (!write) {
		v->gpr[GPR_RAX] = (uint32_t)*slot;
		v->gpr[GPR_RDX] = *slot >> 32;
	} else if (!msr_value_valid(msr, val)) {
		arch_vcpu_inject_gp(v);
		return true;
	} else if (slot) {
		*slot = val;
		if (msr == MSR_IA32_PAT)
			svm_dirty(v, VMCB_CLEAN_NP);
	} else {
		wrmsr(MSR_LSTAR, val);
	}
	arch_vcpu_skip_insn(v);
	return true;
}

/* EXITINFO1: 0 RDMSR, 1 WRMSR (§15.11). */
static void exit_msr(struct vcpu *v, uint64_t i1)
{
	if (efer_access(v, i1 & 1) || vmcb_msr_access(v, i1 & 1))
		return;
	if (i1 & 1)
		hv_handle_wrmsr(v);
	else
		hv_handle_rdmsr(v);
}

/* EXITINFO1 of an I/O intercept (§15.10.2, Figure 15-2). */
static void exit_io(struct vcpu *v, uint64_t q)
{
	const struct hv_io_access a = {
		.port = SVM_IO_PORT(q), .size = (uint8_t)SVM_IO_SZ(q),
		.in = q & SVM_IO_IN, .string = q & SVM_IO_STR,
	};

	hv_handle_io(v, &a);
}

/* #NPF: EXITINFO1 a page-fault error code, EXITINFO2 the GPA (§15.25.6). */
static void exit_npf(struct vcpu *v, uint64_t q)
{
	const struct hv_gpa_fault f = {
		.gpa = svm_vmcb(v)->ctl.exitinfo2, .detail = q,
		.write = q & SVM_NPF_W, .fetch = q & SVM_NPF_ID,
		.read = !(q & (SVM_NPF_W | SVM_NPF_ID)),
	};

	hv_handle_gpa_fault(v, &f);
}

/* The guest's triple fault; the VMCB's state is undefined after it
 * (§15.12), so the partition never runs again. The reason reads as the
 * VT-x backend's: Get-VM shows the same words on either. */
static void exit_shutdown(struct vcpu *v, uint64_t i1)
{
	(void)i1;
	arch_vcpu_dump(v);
	partition_stop(v->part, "triple fault at rip %#lx", svm_vmcb(v)->save.rip);
}

/* VMRUN refused the guest state (§15.5.1). */
static void exit_invalid(struct vcpu *v, uint64_t i1)
{
	(void)i1;
	arch_vcpu_dump(v);
	partition_stop(v->part, "VMRUN failed: invalid guest state in the VMCB");
}

static void exit_inject_ud(struct vcpu *v, uint64_t i1)
{
	/* SVM instructions in a guest: no nested virtualisation; #UD as on
	 * a CPU without SVM (which is what CPUID reports). */
	(void)i1;
	arch_vcpu_inject_ud(v);
}

/* A physical interrupt exits where the guest stands in an STI shadow
 * whenever it comes (V_INTR_MASKING: the host's IF decides, APM Vol. 2
 * §15.21.1), also right before the HLT of "sti; hlt", the idle loop of
 * Linux (native_safe_halt), of the parent and of the test guests. The
 * shadow then holds the guest's interrupts until the HLT has run, and the
 * interrupt wakes the HLT (SDM Vol. 2B, STI; APM Vol. 3, STI). QEMU 7.2's
 * TCG loses it at the next VMRUN: it took the VINTR exit that the vector
 * waiting for the shadow asked for before the HLT, with INTERRUPT_SHADOW
 * clear, so hv delivered the vector there; its handler returned to the
 * HLT, which then waited for another interrupt (apicbase.elf, after its
 * only timer, never woke: test_vcpu in CI run 34, and 4 runs of 40 of
 * tests/system/stress_apicbase.py). hv runs the HLT itself now, as the
 * CPU would after the re-entry (its exit is intercepted either way), so
 * any vector goes in after it. A bare F4 only: a prefixed HLT keeps the
 * old way. Other instructions in a shadow may still see the vector one
 * instruction early under QEMU. */
static void shadowed_hlt(struct vcpu *v)
{
	uint8_t b[15];
	enum insn_mode mode;

	if (!(svm_vmcb(v)->ctl.int_state & 1) || guest_peek_insn(v, b, &mode) < 1 || b[0] != 0xf4)
		return;
	svm_advance_rip(v, 1);   /* also ends the shadow */
	hv_complete_hlt(v);
}

/* A child's: hv's timer (its turn is over: hv/core/sched.c looks for
 * the parent's interrupts and drops hv's vector, svm_timer.c), or the
 * parent's interrupt, not acknowledged: it stays pending for the parent,
 * which takes it natively when it runs (docs/ARCHITECTURE.md rule 2).
 * The parent's (INTR intercepted while hv's timer is armed, svm_timer.c):
 * the scheduler looks, accepts the interrupt and drops hv's vector or
 * injects the parent's own. */
static void exit_intr(struct vcpu *v, uint64_t i1)
{
	(void)i1;
	if (svm_self_kick_taken())
		return;
	shadowed_hlt(v);
	if (!v->arch.child || svm_timer_fired())
		sched_yield(v);
	else
		sched_yield_to_parent(v);
}

static void exit_init(struct vcpu *v, uint64_t i1)
{
	(void)i1;
	hv_err("hv: INIT signal while partition %lu ran; ignored", v->part->id);
	sched_yield_to_parent(v);
}

/* The guest can take an interrupt: sched_prepare_entry injects it. */
static void exit_vintr(struct vcpu *v, uint64_t i1)
{
	struct vmcb_control *c = &svm_vmcb(v)->ctl;

	(void)i1;
	c->vintr &= ~(SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR | SVM_VINTR_PRIO_MASK);
	c->intercept1 &= ~SVM_I1_VINTR;
	svm_dirty(v, VMCB_CLEAN_TPR | VMCB_CLEAN_I);
}

static void exit_iret(struct vcpu *v, uint64_t i1) { (void)i1; svm_nmi_iret(v); }

static const struct exit_entry exit_table[SVM_EXIT_TABLE] = {
	[SVM_EXIT_WRITE_DR5] = { svm_exit_dr_write, HVPART_EXIT_OTHER, "DR5 write" },
	[SVM_EXIT_WRITE_DR7] = { svm_exit_dr_write, HVPART_EXIT_OTHER, "DR7 write" },
	[SVM_EXIT_INTR] = { exit_intr, HVPART_EXIT_EXT_INTR, "INTR" },
	[SVM_EXIT_INIT] = { exit_init, HVPART_EXIT_OTHER, "INIT" },
	[SVM_EXIT_VINTR] = { exit_vintr, HVPART_EXIT_OTHER, "VINTR" },
	[SVM_EXIT_CPUID] = { exit_cpuid, HVPART_EXIT_CPUID, "CPUID" },
	[SVM_EXIT_IRET] = { exit_iret, HVPART_EXIT_OTHER, "IRET" },
	[SVM_EXIT_INVD] = { exit_skip, HVPART_EXIT_OTHER, "INVD" },
	[SVM_EXIT_PAUSE] = { exit_pause, HVPART_EXIT_OTHER, "PAUSE" },
	[SVM_EXIT_HLT] = { exit_hlt, HVPART_EXIT_HLT, "HLT" },
	[SVM_EXIT_IOIO] = { exit_io, HVPART_EXIT_IO, "IOIO" },
	[SVM_EXIT_MSR] = { exit_msr, HVPART_EXIT_MSR_READ, "MSR" },
	[SVM_EXIT_SHUTDOWN] = { exit_shutdown, HVPART_EXIT_TRIPLE_FAULT, "shutdown" },
	[SVM_EXIT_VMRUN] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMRUN" },
	[SVM_EXIT_VMMCALL] = { exit_vmmcall, HVPART_EXIT_HYPERCALL, "VMMCALL" },
	[SVM_EXIT_VMLOAD] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMLOAD" },
	[SVM_EXIT_VMSAVE] = { exit_inject_ud, HVPART_EXIT_OTHER, "VMSAVE" },
	[SVM_EXIT_STGI] = { exit_inject_ud, HVPART_EXIT_OTHER, "STGI" },
	[SVM_EXIT_CLGI] = { exit_inject_ud, HVPART_EXIT_OTHER, "CLGI" },
	[SVM_EXIT_SKINIT] = { exit_inject_ud, HVPART_EXIT_OTHER, "SKINIT" },
	[SVM_EXIT_XSETBV] = { exit_xsetbv, HVPART_EXIT_OTHER, "XSETBV" },
};

/* The codes past the table's range that have a row of their own. */
static const struct exit_entry exit_npf_entry = { exit_npf, HVPART_EXIT_EPT_VIOLATION, "NPF" };
static const struct exit_entry exit_invalid_entry = { exit_invalid, HVPART_EXIT_OTHER, "VMEXIT_INVALID" };

static void exit_unhandled(struct vcpu *v, uint64_t code, uint64_t i1)
{
	hv_err("hv: unhandled #VMEXIT %#lx in partition %lu: EXITINFO1 %#lx EXITINFO2 %#lx",
	       code, v->part->id, i1, svm_vmcb(v)->ctl.exitinfo2);
	arch_vcpu_dump(v);
	partition_stop(v->part, "unhandled #VMEXIT %#lx (info1 %#lx) at rip %#lx",
		       code, i1, svm_vmcb(v)->save.rip);
}

static const struct exit_entry *exit_lookup(uint64_t code)
{
	if (code < SVM_EXIT_TABLE)
		return exit_table[code].fn ? &exit_table[code] : NULL;
	if (code == SVM_EXIT_NPF)
		return &exit_npf_entry;
	/* VMEXIT_INVALID is -1; QEMU 7.2 writes only its low 32 bits
	 * (/work/shared/bochs-notes.md, "AMD SVM under emulation"). */
	if ((uint32_t)code == 0xffffffffu)
		return &exit_invalid_entry;
	return NULL;
}

/* An exit in the middle of delivering an event (an injected interrupt
 * whose IDT or stack page faulted in the nested tables, a physical
 * interrupt during delivery) leaves the event in EXITINTINFO: inject it
 * again so that it is not lost (APM Vol. 2 §15.7.2). Software interrupts
 * (type 4) would need nRIP; hv injects none. QEMU's TCG records an
 * external interrupt it was delivering as an exception (type 3), which
 * its VMRUN refuses past vector 31: it goes back as what it was. A
 * virtual interrupt (svm_virq_offer) cut short that QEMU still has pending
 * in V_IRQ is delivered again from there; injecting it too would deliver
 * it twice. */
static void reinject(struct vcpu *v, struct vmcb *vm)
{
	uint64_t ii = vm->ctl.exitintinfo, type = ii & SVM_EVT_TYPE_MASK;
	int vec = (int)SVM_EVT_VECTOR(ii);

	vm->ctl.eventinj = 0;
	if (!(ii & SVM_EVT_V) || type == SVM_EVT_TYPE_SOFT)
		return;
	if (type == SVM_EVT_TYPE_EXC && vec >= 32) {
		ii &= ~(SVM_EVT_TYPE_MASK | SVM_EVT_EV);
		type = SVM_EVT_TYPE_INTR;
	}
	if (type == SVM_EVT_TYPE_INTR && svm_virq_pending(v) == vec)
		return;
	vm->ctl.eventinj = ii;
}

struct vcpu *svm_handle_exit(struct vcpu *v)
{
	uint64_t t0 = rdtsc();
	struct vmcb *vm = svm_vmcb(v);
	uint64_t code = vm->ctl.exitcode, i1 = vm->ctl.exitinfo1;
	const struct exit_entry *e = exit_lookup(code);
	uint32_t reason = (uint32_t)code;
	struct vcpu *next;

	svm_virq_note_lost(v, code);
	/* hv's timer, a physical interrupt, goes on counting meanwhile.
	 * Only where the PAUSE's length is known without a walk: the CPU
	 * reports the next RIP (NRIPS), or the same PAUSE was decoded before
	 * (svm_insn.c). Without NRIPS (QEMU's TCG) the length comes from a
	 * walk of the guest's page tables, which is not safe outside the
	 * lock: tried, every later walk of a Linux child's kernel faulted
	 * (its exits' "cannot decode", test_linux on three processors). */
	if (code == SVM_EXIT_PAUSE && svm_pause_len_known(v) && sched_pause_quick(v))
		return v;
	if (code == SVM_EXIT_INTR && svm_self_kick_quick(v))
		return v;
	hv_lock();
	svm_virq_check(v);
	reinject(v, vm);
	svm_nmi_check_unmask(v);
	xstate_follow_xcr0(v);   /* an XSETBV that did not exit */
	if (e) {
		sched_count_exit(v, reason, code == SVM_EXIT_MSR && (i1 & 1) ?
				 HVPART_EXIT_MSR_WRITE : e->kind);
		e->fn(v, i1);
	} else {
		sched_count_exit(v, reason, HVPART_EXIT_OTHER);
		exit_unhandled(v, code, i1);
	}
	next = sched_finish_exit(v, t0);
	hv_unlock();
	return next;
}
