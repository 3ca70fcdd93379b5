/*
 * vCPUs on SVM: a VMCB per vCPU (AMD APM Vol. 2 §15.5, Appendix B), its
 * intercepts and permission maps, ASIDs (§15.16), the architectural state
 * in and out, the VMRUN consistency checks hv makes before the CPU does
 * (§15.5.1, so a malformed state is refused with an error, never a
 * VMEXIT_INVALID later), and event injection (§15.20 EVENTINJ; §15.21.4
 * the virtual interrupt that asks for an exit when the guest can take
 * one).
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/mm/pool.h>
#include "svm.h"
#include "../cpu.h"
#include "hv/core/cpuid.h"

/* The VMCB is in memory: loading a vCPU makes it current and switches
 * DR0-DR3, which neither the VMCB nor VMSAVE/VMLOAD hold (APM Vol. 2
 * §15.5.1, Table B-2 has DR6 and DR7 only) and which a child writes
 * without an exit: one vCPU's breakpoints must neither fire in nor be
 * read by another, and a vCPU context must find them. */
#define READ_DR(n, x) __asm__ volatile("mov %%db" #n ", %0" : "=r"(x))
#define WRITE_DR(n, x) __asm__ volatile("mov %0, %%db" #n : : "r"(x))
void arch_vcpu_load(struct vcpu *v)
{
	struct vcpu *from = this_cpu()->current;

	if (from && from != v) {
		READ_DR(0, from->arch.dr[0]);
		READ_DR(1, from->arch.dr[1]);
		READ_DR(2, from->arch.dr[2]);
		READ_DR(3, from->arch.dr[3]);
	}
	if (from != v) {
		WRITE_DR(0, v->arch.dr[0]);
		WRITE_DR(1, v->arch.dr[1]);
		WRITE_DR(2, v->arch.dr[2]);
		WRITE_DR(3, v->arch.dr[3]);
	}
	this_cpu()->current = v;
}

/* The VMCB is memory any CPU can read; only DR0-DR3 (above) live in the
 * CPU. */
void arch_vcpu_release(struct vcpu *v)
{
	struct percpu *c = this_cpu();

	if (c->current != v)
		return;
	READ_DR(0, v->arch.dr[0]);
	READ_DR(1, v->arch.dr[1]);
	READ_DR(2, v->arch.dr[2]);
	READ_DR(3, v->arch.dr[3]);
	c->current = NULL;
}

/* VMX access rights (struct hvpart_seg, SDM Vol. 3C §25.4.1) to the VMCB's
 * 12 packed bits: ar 7:0 as they are, ar 15:12 to 11:8 (APM Vol. 2
 * §15.5.1). An unusable segment (ar 0 or bit 16) is not present. */
uint16_t svm_attr_from_ar(uint32_t ar)
{
	if (!ar || (ar & (1u << 16)))
		return 0;
	return (uint16_t)((ar & 0xff) | ((ar >> 4) & 0xf00));
}

uint32_t svm_ar_from_attr(uint16_t attr, uint32_t limit)
{
	(void)limit;
	if (!(attr & 0x80))
		return 1u << 16;
	return (attr & 0xff) | ((uint32_t)(attr & 0xf00) << 4);
}

static void seg_write(struct vmcb_seg *d, const struct hvpart_seg *s)
{
	d->sel = s->sel;
	d->attrib = svm_attr_from_ar(s->ar);
	d->limit = s->limit;
	d->base = s->base;
}

static void seg_read(const struct vmcb_seg *s, struct hvpart_seg *d)
{
	d->sel = s->sel;
	d->ar = svm_ar_from_attr(s->attrib, s->limit);
	d->limit = s->limit;
	d->base = s->base;
}

/* Intercepts (§15.9-§15.14). Always: CPUID, HLT, VMMCALL and the other
 * SVM instructions (VMRUN's intercept is mandatory, §15.5.1), XSETBV
 * (hv/core/xstate.c), MSRs through the MSRPM, I/O through the IOPM,
 * INVD, PAUSE (counted, then resumed), SHUTDOWN (a triple fault would
 * otherwise reset the machine) and INIT. Children also exit on physical
 * interrupts (INTR, with V_INTR_MASKING so the guest's IF cannot hold them
 * off, §15.21.1; docs/ARCHITECTURE.md rule 2). NMIs are not intercepted,
 * as on VT-x: with GIF clear after the exit, an intercepted NMI would be
 * taken by hv's own IDT at STGI, where it is fatal. */
static void setup_controls(struct vcpu *v, bool child)
{
	struct vmcb_control *c = &svm_vmcb(v)->ctl;

	c->intercept1 = SVM_I1_CPUID | SVM_I1_HLT | SVM_I1_IOIO | SVM_I1_MSR |
			SVM_I1_INVD | SVM_I1_SHUTDOWN | SVM_I1_INIT |
			((svm_caps.features & SVM_F_PAUSE) ? SVM_I1_PAUSE : 0) |
			(child ? SVM_I1_INTR : 0);
	c->intercept2 = SVM_I2_VMRUN | SVM_I2_VMMCALL | SVM_I2_VMLOAD | SVM_I2_VMSAVE |
			SVM_I2_STGI | SVM_I2_CLGI | SVM_I2_SKINIT | SVM_I2_XSETBV;
	c->intercept_dr = svm_dr_intercepts();
	c->pause_count = 0;       /* every PAUSE exits where the filter exists */
	c->iopm_pa = child ? svm_maps.child_iopm : svm_maps.pass_iopm;
	c->msrpm_pa = child ? svm_maps.child_msrpm : svm_maps.pass_msrpm;
	/* ASIDs 1.. (0 is the host's, §15.16); past the CPU's count (or
	 * SVM_ASIDS_MAX), partitions share one, and a VMCB taking over an
	 * ASID another ran with flushes the TLB (arch_vcpu_run). */
	c->asid = 1 + (uint32_t)(v->part->id %
				 (svm_caps.nasid - 1 < SVM_ASIDS_MAX ? svm_caps.nasid - 1 : SVM_ASIDS_MAX));
	c->vintr = child ? SVM_VINTR_MASKING : 0;
	c->np_ctl = 1;            /* NP_ENABLE */
	c->ncr3 = ept_eptp(&v->part->ept);
	c->clean = 0;
	v->arch.asid = c->asid;
}

/* The state-save fields arch_vcpu_set_state leaves alone (reset values,
 * APM Vol. 2 §14.1.3). */
static void init_save(struct vmcb_save *s)
{
	s->g_pat = 0x0007040600070406ull;    /* power-on PAT */
	s->dr7 = 0x400;
	s->dr6 = 0xffff0ff0;
}

/* SVM has no APIC-access page (AVIC, APM Vol. 2 §15.29, is not used):
 * a child's xAPIC page stays a nested page fault for hv/core/mmio.c. */
int arch_apic_access_page(uint64_t *hpa)
{
	(void)hpa;
	return -ENODEV;
}

int arch_vcpu_create(struct vcpu *v, const struct arch_vcpu_config *c)
{
	uint64_t pa;

	if (svm_setup_maps(c->passthrough ? c->trap_ports : NULL,
			   c->passthrough ? c->ntrap_ports : 0) || hv_pool_alloc(&pa))
		return -ENOMEM;
	v->arch.vmcb = (struct vmcb *)(uintptr_t)pa;
	v->arch.vmcb_pa = pa;
	v->arch.first_run = 1;
	v->arch.child = !c->passthrough;
	setup_controls(v, !c->passthrough);
	init_save(&v->arch.vmcb->save);
	return 0;
}

/* The PAUSE intercept (APM Vol. 2 §15.14.4) even where the CPU has no
 * pause filter (QEMU's TCG): then every PAUSE exits, which is what a
 * vCPU spinning for a sibling needs on one CPU. */
void arch_vcpu_pause_exiting(struct vcpu *v)
{
	struct vmcb_control *c = &svm_vmcb(v)->ctl;

	c->intercept1 |= SVM_I1_PAUSE;
	c->pause_count = 0;
	svm_dirty(v, VMCB_CLEAN_I);
}

void arch_vcpu_destroy(struct vcpu *v)
{
	if (this_cpu()->arch.last_vmcb == v->arch.vmcb_pa)
		this_cpu()->arch.last_vmcb = 0;
	hv_pool_free(v->arch.vmcb_pa);
	v->arch.vmcb = NULL;
	v->arch.vmcb_pa = 0;
}

/* What VMRUN would refuse (§15.5.1 "Canonicalization and Consistency
 * Checks"), checked here so that a malformed state from the parent is
 * -EINVAL and never reaches the CPU. */
int svm_check_state(const struct hvpart_vp_state *s)
{
	bool lma = s->efer & EFER_LMA, cs_l = s->cs.ar & (1u << 13), cs_d = s->cs.ar & (1u << 14);

	if (s->efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return -EINVAL;
	if ((s->cr0 >> 32) || ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD)))
		return -EINVAL;
	if ((s->cr4 & CR4_VMXE) || (s->cr4 >> 32))    /* no VMX on AMD; 63:32 MBZ */
		return -EINVAL;
	if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG) &&
	    (!(s->cr4 & CR4_PAE) || !(s->cr0 & CR0_PE)))
		return -EINVAL;
	if (lma != ((s->efer & EFER_LME) && (s->cr0 & CR0_PG)))
		return -EINVAL;
	if (lma && cs_l && cs_d)
		return -EINVAL;
	if (lma && (s->cr3 >> 52))
		return -EINVAL;
	return 0;
}

int arch_vcpu_set_state(struct vcpu *v, const struct hvpart_vp_state *s)
{
	struct vmcb_save *g = &svm_vmcb(v)->save;

	if (svm_check_state(s))
		return -EINVAL;
	memcpy(v->gpr, s->gpr, sizeof(v->gpr));
	g->rsp = s->gpr[GPR_RSP];
	g->rax = s->gpr[GPR_RAX];
	g->rip = s->rip;
	g->rflags = (s->rflags & 0x3f7fd7) | 2;
	g->cr0 = s->cr0 | CR0_ET;
	g->cr3 = s->cr3;
	g->cr4 = s->cr4;
	g->efer = s->efer | EFER_SVME;    /* §15.5.1: SVME must be set */
	seg_write(&g->cs, &s->cs);
	seg_write(&g->ds, &s->ds);
	seg_write(&g->es, &s->es);
	seg_write(&g->fs, &s->fs);
	seg_write(&g->gs, &s->gs);
	seg_write(&g->ss, &s->ss);
	seg_write(&g->tr, &s->tr);
	seg_write(&g->ldtr, &s->ldtr);
	g->cpl = (s->cr0 & CR0_PE) ? (uint8_t)((s->ss.ar >> 5) & 3) : 0;
	g->gdtr.base = s->gdtr_base;
	g->gdtr.limit = s->gdtr_limit;
	g->idtr.base = s->idtr_base;
	g->idtr.limit = s->idtr_limit;
	svm_vmcb(v)->ctl.eventinj = 0;
	svm_vmcb(v)->ctl.int_state = 0;
	v->arch.pause_len = 0;
	svm_virq_drop(v);
	svm_dirty(v, VMCB_CLEAN_CRX | VMCB_CLEAN_SEG | VMCB_CLEAN_DT);
	return 0;
}

void arch_vcpu_get_state(struct vcpu *v, struct hvpart_vp_state *s)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;

	memset(s, 0, sizeof(*s));
	memcpy(s->gpr, v->gpr, sizeof(s->gpr));
	s->gpr[GPR_RSP] = g->rsp;
	s->rip = g->rip;
	s->rflags = g->rflags;
	s->cr0 = g->cr0;
	s->cr3 = g->cr3;
	s->cr4 = g->cr4;
	s->efer = g->efer & ~EFER_SVME;
	seg_read(&g->cs, &s->cs);
	seg_read(&g->ds, &s->ds);
	seg_read(&g->es, &s->es);
	seg_read(&g->fs, &s->fs);
	seg_read(&g->gs, &s->gs);
	seg_read(&g->ss, &s->ss);
	seg_read(&g->tr, &s->tr);
	seg_read(&g->ldtr, &s->ldtr);
	s->gdtr_base = g->gdtr.base;
	s->gdtr_limit = g->gdtr.limit;
	s->idtr_base = g->idtr.base;
	s->idtr_limit = g->idtr.limit;
}

void arch_vcpu_defer_skip(struct vcpu *v)
{
	v->arch.icpt_insn_len = (uint8_t)svm_exit_insn_len(v);
}

void arch_vcpu_finish_deferred(struct vcpu *v)
{
	svm_advance_rip(v, v->arch.icpt_insn_len);
}

/* Ask for an exit as soon as the guest can take an interrupt: a virtual
 * interrupt (V_IRQ, priority above any TPR with V_IGN_TPR) is taken when
 * RFLAGS.IF and no shadow allow, and the VINTR intercept makes that an
 * exit instead (§15.21.4). */
static void set_intr_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &svm_vmcb(v)->ctl;
	uint64_t want = on ? (c->vintr | SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR | SVM_VINTR_PRIO_MASK)
			   : (c->vintr & ~(SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR | SVM_VINTR_PRIO_MASK));
	uint32_t i1 = on ? (c->intercept1 | SVM_I1_VINTR) : (c->intercept1 & ~SVM_I1_VINTR);

	if (want != c->vintr) {
		c->vintr = want;
		svm_dirty(v, VMCB_CLEAN_TPR);
	}
	if (i1 != c->intercept1) {
		c->intercept1 = i1;
		svm_dirty(v, VMCB_CLEAN_I);
	}
}

/* A maskable interrupt goes in as a virtual interrupt the guest takes
 * itself (V_IRQ with V_INTR_VECTOR and no VINTR intercept, §15.21.4),
 * not through EVENTINJ: QEMU 7.2's TCG delivers an EVENTINJ interrupt at
 * VMRUN but leaves its vector as the CPU's pending exception, and
 * delivers it a second time, whatever RFLAGS.IF says, at the next kick
 * of its vCPU loop before another exception or exit replaces it (seen
 * as the parent's serial handler run inside itself: typed characters
 * swapped on the console, test_config and test_vcpu under qemu-svm). The
 * CPU clears V_IRQ when it takes the interrupt and writes it back at
 * #VMEXIT (svm_virq_check). */
void svm_virq_offer(struct vcpu *v, int vec)
{
	struct vmcb_control *c = &svm_vmcb(v)->ctl;

	c->vintr = (c->vintr & ~SVM_VINTR_VECTOR_MASK) | SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR |
		   SVM_VINTR_PRIO_MASK | SVM_VINTR_VECTOR(vec);
	c->intercept1 &= ~SVM_I1_VINTR;
	svm_dirty(v, VMCB_CLEAN_TPR | VMCB_CLEAN_I);
	v->arch.virq = 1;
}

/* At each exit: the offered interrupt was taken if V_IRQ is clear. One
 * not taken yet (the guest's IF was off, or a physical interrupt came
 * first) stays offered. */
void svm_virq_check(struct vcpu *v)
{
	struct vmcb_control *c = &svm_vmcb(v)->ctl;

	if (!v->arch.virq || (c->vintr & SVM_VINTR_IRQ))
		return;
	v->arch.virq = 0;
	c->vintr &= ~(SVM_VINTR_IGN_TPR | SVM_VINTR_PRIO_MASK | SVM_VINTR_VECTOR_MASK);
	svm_dirty(v, VMCB_CLEAN_TPR);
}

/* The vector offered and not taken, or -1 (the vCPU context). */
int svm_virq_pending(struct vcpu *v)
{
	const struct vmcb_control *c = &svm_vmcb(v)->ctl;

	if (!v->arch.virq || !(c->vintr & SVM_VINTR_IRQ))
		return -1;
	return (int)((c->vintr & SVM_VINTR_VECTOR_MASK) >> 32);
}

/* The guest would take a maskable interrupt now: RFLAGS.IF set and no
 * STI or MOV SS shadow (APM Vol. 2 §15.21.4). */
static bool virq_deliverable(const struct vmcb *vm)
{
	return (vm->save.rflags & (1u << 9)) && !(vm->ctl.int_state & 1);
}

/* An offer still pending at the exit of an instruction the guest ran
 * with RFLAGS.IF set and no interrupt shadow (an intercepted HLT, PAUSE,
 * CPUID, RDMSR/WRMSR, IN/OUT or VMMCALL): the CPU stood at that
 * instruction's boundary able to take it, and the APM has it taken there
 * (Vol. 2 §15.21.4). Bochs 2.7's ryzen never does: its VMRUN loads RFLAGS
 * before it marks the CPU as in the guest, so its virtual-interrupt
 * event stays masked until the guest itself changes IF
 * (docs/ARCHITECTURE.md, "Bochs 2.7's ryzen loses..."), and the parent's
 * PIT calibration, a plain HLT loop, halted for ever at boot. Noted at
 * the exit (before its handler moves RIP), acted on at the next entry
 * (svm_virq_rescue). A CPU that follows the APM never gets here. */
void svm_virq_note_lost(struct vcpu *v, uint64_t code)
{
	const struct vmcb *vm = svm_vmcb(v);
	bool at_insn = virq_deliverable(vm) &&
		       (code == SVM_EXIT_HLT || code == SVM_EXIT_PAUSE || code == SVM_EXIT_CPUID ||
			code == SVM_EXIT_MSR || code == SVM_EXIT_IOIO || code == SVM_EXIT_VMMCALL);
	/* Or at any exit: the offer was deliverable at the VMRUN (IF set, no
	 * shadow) and the guest has run instructions since, so it passed a
	 * boundary where it had to be taken first (a spinner waiting for its
	 * timer makes no intercepted instruction; hv's timer ends its turn). */
	bool ran = v->arch.virq_entry_ok && vm->save.rip != v->arch.virq_entry_rip;

	v->arch.virq_lost = svm_virq_pending(v) >= 0 && !(vm->ctl.exitintinfo & SVM_EVT_V) &&
			    (at_insn || ran);
}

/* At VMRUN: whether an offer goes in deliverable, and where the guest
 * starts (svm_virq_note_lost). */
static void virq_note_entry(struct vcpu *v)
{
	const struct vmcb *vm = svm_vmcb(v);

	v->arch.virq_entry_ok = svm_virq_pending(v) >= 0 && virq_deliverable(vm) &&
				!(vm->ctl.eventinj & SVM_EVT_V);
	v->arch.virq_entry_rip = vm->save.rip;
}

/* A lost offer goes in through EVENTINJ, which Bochs delivers at once,
 * unless another event takes this entry (the offer then waits; that
 * event's handler, ending in IRET, changes IF). */
static void virq_inject_lost(struct vcpu *v)
{
	struct vmcb *vm = svm_vmcb(v);
	int vec = svm_virq_pending(v);
	static unsigned logged;

	if (vec < 0 || (vm->ctl.eventinj & SVM_EVT_V) || !(vm->save.rflags & (1u << 9)))
		return;
	svm_virq_drop(v);
	vm->ctl.eventinj = SVM_EVT_V | SVM_EVT_TYPE_INTR | (uint64_t)vec;
	if (logged++ < 4)
		hv_info("hv: partition %lu's virtual interrupt %#x was not taken where its "
			"interrupts were on (an emulator's V_IRQ defect); injected instead",
			v->part->id, vec);
}

/* Last before VMRUN. */
void svm_virq_rescue(struct vcpu *v)
{
	if (v->arch.virq_lost) {
		v->arch.virq_lost = 0;
		virq_inject_lost(v);
	}
	virq_note_entry(v);
}

bool arch_vcpu_irq_in_flight(struct vcpu *v)
{
	return svm_virq_pending(v) >= 0;
}

/* Drop an offer or a window (a new context, a reset). */
void svm_virq_drop(struct vcpu *v)
{
	struct vmcb_control *c = &svm_vmcb(v)->ctl;

	v->arch.virq = 0;
	c->vintr &= ~(SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR | SVM_VINTR_PRIO_MASK | SVM_VINTR_VECTOR_MASK);
	c->intercept1 &= ~SVM_I1_VINTR;
	svm_dirty(v, VMCB_CLEAN_TPR | VMCB_CLEAN_I);
}

bool arch_vcpu_inject_irq(struct vcpu *v, int vec)
{
	struct vmcb *vm = svm_vmcb(v);

	/* One offered and not taken holds the next until an exit shows it
	 * taken (V_IRQ carries one vector; a window would need it too). */
	if (v->arch.virq)
		return false;
	/* Another event goes in at this VMRUN (an exception, or a vector
	 * re-injected from EXITINTINFO): the VINTR intercept then exits
	 * once the guest can take this one too, after that event's handler
	 * (APM Vol. 2 §15.21.4). Without it a second pending vector waited
	 * for the guest's next exit, which a parent spinning in its idle
	 * loop never made: a child's intercept then went unserved for
	 * minutes. */
	if (!virq_deliverable(vm) || (vm->ctl.eventinj & SVM_EVT_V)) {
		set_intr_window(v, true);
		return false;
	}
	svm_virq_offer(v, vec);
	return true;
}

/* QEMU 7.2's TCG delivers an interrupt injected through EVENTINJ at
 * VMRUN but leaves its vector as the vCPU's pending exception; the next
 * kick of its vCPU loop delivers it again, whatever RFLAGS.IF says,
 * unless an exit or an exception came first (docs/ARCHITECTURE.md,
 * "QEMU 7.2's TCG delivers an EVENTINJ interrupt twice"): a child's
 * handler ran twice for one IPI. Children now take their interrupts
 * through V_IRQ as the parent does; EVENTINJ still carries one for them
 * where its delivery was cut short (svm_exit.c, reinject) or a restored
 * context holds it (svm_ctx.c). A child exits on a physical interrupt
 * whatever its own IF (V_INTR_MASKING, APM Vol. 2 §15.21.1), so a kick
 * pending at its VMRUN makes that exit right after the delivery, before
 * the guest's first instruction, and the exit replaces the vector.
 * Called last before VMRUN, with interrupts off. */
void svm_kick_after_inject(struct vcpu *v)
{
	const struct vmcb_control *c = &svm_vmcb(v)->ctl;

	if (!(c->eventinj & SVM_EVT_V) || (c->eventinj & SVM_EVT_TYPE_MASK) != SVM_EVT_TYPE_INTR ||
	    !(c->vintr & SVM_VINTR_MASKING) || !cpuid_host_is_qemu_tcg())
		return;
	x86_kick_self();
	this_cpu()->arch.self_kick = 1;
}

/* The exit svm_kick_after_inject asked for: true if its kick was taken,
 * nothing to schedule. A LAPIC interrupt of a lower class stays pending
 * and makes the next entry exit again, for the usual handling; another
 * CPU's kick merged with this one left its mark in this CPU's kicked,
 * which the exit's look reads (hv/core/sched.c, sched_switch). An 8259
 * interrupt may come first (QEMU hands ExtINT over before the LAPIC's
 * vectors): it is the parent's, and the kick stays pending. */
static bool take_self_kick(struct arch_cpu *a, bool locked)
{
	int vec;

	a->self_kick = 0;
	vec = x86_take_kick();
	if (vec == HV_KICK_VECTOR)
		return true;
	if (vec >= 0) {
		if (!locked)
			hv_lock();
		sched_parent_irq_taken(vec);
		if (!locked)
			hv_unlock();
	}
	return false;
}

/* From the INTR exit's handler, under hv's lock. */
bool svm_self_kick_taken(void)
{
	struct arch_cpu *a = &this_cpu()->arch;

	return a->self_kick && take_self_kick(a, true);
}

/* The same exit answered before hv's lock is taken, as a PAUSE is
 * (hv/core/sched_hlt.c): one exit per interrupt injected into a child
 * under QEMU would otherwise also go through the scheduler. Only when the
 * exit has nothing else to do: no delivery cut short (EXITINTINFO, for
 * reinject) and no other CPU's kick to answer; the exit is counted, not
 * traced. */
bool svm_self_kick_quick(struct vcpu *v)
{
	struct percpu *c = this_cpu();

	if (!c->arch.self_kick || (svm_vmcb(v)->ctl.exitintinfo & SVM_EVT_V) ||
	    __atomic_load_n(&c->kicked, __ATOMIC_ACQUIRE) || !take_self_kick(&c->arch, false))
		return false;
	svm_vmcb(v)->ctl.eventinj = 0;
	v->exits_total++;
	v->exits[HVPART_EXIT_EXT_INTR]++;
	return true;
}

/* TSC offset (§15.18.1), in the intercepts' clean group. */
void arch_vcpu_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	svm_vmcb(v)->ctl.tsc_offset = offset;
	svm_dirty(v, VMCB_CLEAN_I);
}

/* No HLT activity state to resume into: the parent's HLT completes and
 * its idle loop halts again (an exit each time), so hv keeps control to
 * run children between them. */
void arch_vcpu_set_halted(struct vcpu *v)
{
	(void)v;
}

bool arch_vcpu_halted(struct vcpu *v)
{
	(void)v;
	return false;
}

/* Event injection (§15.20): type 3 exception; #GP with error code 0. */
void arch_vcpu_inject_gp(struct vcpu *v)
{
	svm_vmcb(v)->ctl.eventinj = SVM_EVT_VECTOR(13) | SVM_EVT_TYPE_EXC | SVM_EVT_EV |
				    SVM_EVT_V | SVM_EVT_ERR(0);
}

void arch_vcpu_inject_ud(struct vcpu *v)
{
	svm_vmcb(v)->ctl.eventinj = SVM_EVT_VECTOR(6) | SVM_EVT_TYPE_EXC | SVM_EVT_V;
}

void arch_vcpu_inject_fault(struct vcpu *v, unsigned vector)
{
	bool err = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;

	svm_vmcb(v)->ctl.eventinj = SVM_EVT_VECTOR(vector) | SVM_EVT_TYPE_EXC | SVM_EVT_V |
				    (err ? SVM_EVT_EV | SVM_EVT_ERR(0) : 0);
}
