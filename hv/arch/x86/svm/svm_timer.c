/*
 * hv's timer on SVM, which has no preemption timer: the physical LAPIC
 * timer as ../lapic_timer.c sets it up (TSC-deadline or calibrated
 * one-shot mode, the policy VT-x's idle APs share), with a vector of
 * hv's own, armed for children only. A child exits on it like on any
 * physical interrupt (INTR is intercepted for children); hv accepts it
 * (arch_cpu_take_interrupt below swallows and EOIs it), so the parent,
 * which owns the interrupt hardware and does not use its LAPIC timer
 * (docs/ARCHITECTURE.md rule 2), never sees the vector. It also bounds
 * the parent's turn while children run. The parent always runs with
 * INTR intercepted (svm_timer_before_run).
 * With the LAPIC disabled there is no timer, and a child's turn ends at
 * the parent's next interrupt instead.
 */
#include "svm.h"
#include <hv/lib.h>
#include <hv/x86.h>
#include "../cpu.h"

/* At boot: hv's LAPIC timer (../lapic_timer.c) with SVM's vector. */
const char *svm_timer_init(void)
{
	return x86_timer_init(SVM_TIMER_VECTOR);
}

/* A pending interrupt accepted in hv (hv/core/sched.c looks for the
 * parent's); hv's own timer vector is EOIed and dropped here. */
int arch_cpu_take_interrupt(void)
{
	struct arch_cpu *a = &this_cpu()->arch;

	for (int i = 0; i < 2; i++) {
		int vec = x86_take_interrupt();

		if (vec != SVM_TIMER_VECTOR)
			return vec;
		x86_lapic_eoi();
		/* One IRR bit holds every firing so far (SDM Vol. 3A §11.8.4). */
		a->timer_fired = false;
		if (a->timer_armed && rdtsc() >= a->timer_armed)
			a->timer_armed = 0;
	}
	return -1;
}

/* An AP with nothing ready before due (hv/core/sched.c, idle_until_ready):
 * HLT with hv's timer armed for due rather than a PAUSE loop, which kept
 * the processor (and an emulator's host thread) busy for every halted
 * child's timer. The timer is hv's alone on an AP (x86_timer_init_ap) and
 * disarmed after; a firing that raced the disarm waits in the LAPIC for
 * arch_cpu_take_interrupt, which drops it. */
bool arch_cpu_wait_until(uint64_t due)
{
	struct arch_cpu *a = &this_cpu()->arch;

	if (!x86_timer_ok())
		return false;
	a->timer_armed = due;
	x86_timer_wait_until(due);
	a->timer_armed = 0;
	a->timer_fired = false;
	return true;
}

/* No HLT activity state (APM Vol. 2 §15.9: HLT is intercepted or runs):
 * the parent's HLT exit is its idle, and the boot CPU halts in hv for
 * it. Re-entered at once instead, the parent ran its idle loop and
 * halted again, an exit each time, and the processor never rested. */
bool arch_cpu_halts_in_guest(void)
{
	return false;
}

bool arch_cpu_idle(uint64_t due, int *vec)
{
	struct arch_cpu *a = &this_cpu()->arch;
	bool waited;

	if (due && x86_timer_ok())
		a->timer_armed = due;
	waited = x86_timer_idle(due, SVM_TIMER_VECTOR, vec);
	if (due && waited) {
		a->timer_armed = 0;
		a->timer_fired = false;   /* a firing that raced the disarm: arch_cpu_take_interrupt */
	}
	return waited;
}

/* Whether hv's timer is why a child exited on INTR. */
bool svm_timer_fired(void)
{
	const struct arch_cpu *a = &this_cpu()->arch;

	return x86_timer_ok() && (a->timer_fired || (a->timer_armed && rdtsc() >= a->timer_armed));
}

/* The parent's INTR intercept: on while hv's timer is armed during its
 * turn or its vector may still be pending, so that the parent never takes
 * it; its own interrupts meanwhile are accepted by hv and injected
 * (hv/core/sched.c, parent_called), as on VT-x with Bochs. */
static void set_intr_exit(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &svm_vmcb(v)->ctl;
	uint32_t i1 = on ? (c->intercept1 | SVM_I1_INTR) : (c->intercept1 & ~SVM_I1_INTR);

	v->arch.drain = on;
	if (i1 != c->intercept1) {
		c->intercept1 = i1;
		svm_dirty(v, VMCB_CLEAN_I);
	}
}

bool arch_timer_is_interrupt(void)
{
	return true;
}

void arch_vcpu_set_timer(struct vcpu *v, uint64_t ticks)
{
	struct arch_cpu *a = &this_cpu()->arch;

	if (!x86_timer_ok())
		return;
	if (a->timer_armed) {
		x86_timer_write(0);
		/* Read after the disarm: a deadline before now may have fired. */
		if (rdtsc() >= a->timer_armed)
			a->timer_fired = true;
		a->timer_armed = 0;
	}
	if (a->timer_fired && !x86_timer_pending())
		a->timer_fired = false;      /* the disarm was in time after all */
	if (ticks) {
		a->timer_armed = rdtsc() + ticks;
		x86_timer_write(a->timer_armed);
	}
	if (!v->arch.child)
		set_intr_exit(v, true);
}

/* Before every VMRUN: the parent runs with its INTR intercept on, so hv
 * takes its interrupts and injects them (hv/core/sched.c, parent_called).
 * It was on only while hv's timer was armed or known to have fired, but
 * hv cannot always know: QEMU's one-shot LAPIC timer runs on its own
 * clock, and a firing whose TSC estimate had passed (so the armed deadline was
 * cleared) arrived later, into a parent entered without the intercept:
 * vector 0xec through its 64-entry IDT, #GP, the parent halted (after
 * Stop-VM of a resumed VM in test_config, every time). Costs an exit
 * per parent interrupt. */
void svm_timer_before_run(struct vcpu *v)
{
	if (!v->arch.child && !v->arch.drain && x86_timer_ok())
		set_intr_exit(v, true);
}
