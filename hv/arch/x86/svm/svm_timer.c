/*
 * hv's timer on SVM, which has no preemption timer: the physical LAPIC
 * timer in TSC-deadline mode (SDM Vol. 3A §11.5.4.1), or one-shot mode
 * calibrated against the TSC where the CPU lacks it, with a vector of
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

#define MSR_APIC_BASE      0x1b
#define MSR_TSC_DEADLINE   0x6e0
#define APIC_BASE_EN       (1ull << 11)
#define APIC_BASE_EXTD     (1ull << 10)
#define LAPIC_SVR          0xf0
#define LAPIC_EOI          0xb0
#define LAPIC_LVT_TIMER    0x320
#define LAPIC_TIMER_INIT   0x380
#define LAPIC_TIMER_CUR    0x390
#define LAPIC_TIMER_DIV    0x3e0
#define LVT_TSC_DEADLINE   (2u << 17)
#define LVT_MASKED         (1u << 16)
#define X2APIC_MSR(off)    (0x800 + ((off) >> 4))

static struct {
	bool ok, x2apic, deadline;
	uint64_t ratio;           /* one-shot mode: LAPIC ticks per 2^20 TSC ticks */
	volatile uint32_t *mmio;
} tm;

static uint32_t lapic_read(uint32_t off)
{
	return tm.x2apic ? (uint32_t)rdmsr(X2APIC_MSR(off)) : tm.mmio[off / 4];
}

static void lapic_write(uint32_t off, uint32_t v)
{
	if (tm.x2apic)
		wrmsr(X2APIC_MSR(off), v);
	else
		tm.mmio[off / 4] = v;
}

/* One-shot mode without TSC-deadline: the LAPIC timer's rate against the
 * TSC, counted over 2^20 TSC ticks with divide-by-1 (SDM Vol. 3A
 * §11.5.4). */
static void calibrate(void)
{
	uint64_t t0;

	lapic_write(LAPIC_TIMER_DIV, 0xb);                  /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, SVM_TIMER_VECTOR | LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	t0 = rdtsc();
	while (rdtsc() - t0 < (1u << 20))
		;
	tm.ratio = 0xffffffffull - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, SVM_TIMER_VECTOR);      /* one-shot */
}

/* At boot: use the LAPIC timer if the firmware left the LAPIC enabled
 * (hv does not change the parent's interrupt set-up); TSC-deadline mode
 * where the CPU has it (CPUID.1:ECX[24]), else one-shot. Returns why not,
 * or NULL. */
const char *svm_timer_init(void)
{
	uint32_t r[4];
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_EN))
		return "the LAPIC is disabled (IA32_APIC_BASE.EN = 0)";
	tm.x2apic = base & APIC_BASE_EXTD;
	tm.mmio = (volatile uint32_t *)(uintptr_t)(base & 0xfffff000ull);
	if (!(lapic_read(LAPIC_SVR) & (1u << 8)))
		return "the LAPIC is software-disabled (SVR bit 8 = 0)";
	cpuid(1, 0, r);
	tm.deadline = r[2] & (1u << 24);
	if (tm.deadline) {
		wrmsr(MSR_TSC_DEADLINE, 0);
		lapic_write(LAPIC_LVT_TIMER, SVM_TIMER_VECTOR | LVT_TSC_DEADLINE);
	} else {
		calibrate();
		if (!tm.ratio)
			return "the LAPIC timer does not count";
	}
	tm.ok = true;
	hv_info("hv: hv's timer: LAPIC %s, vector %#x", tm.deadline ? "TSC-deadline" : "one-shot",
		SVM_TIMER_VECTOR);
	return NULL;
}

/* An AP's LAPIC timer, as svm_timer_init left the boot CPU's (the same
 * mode and rate: the CPUs are alike). */
void svm_timer_init_ap(void)
{
	if (!tm.ok)
		return;
	if (tm.deadline) {
		wrmsr(MSR_TSC_DEADLINE, 0);
		lapic_write(LAPIC_LVT_TIMER, SVM_TIMER_VECTOR | LVT_TSC_DEADLINE);
		return;
	}
	lapic_write(LAPIC_TIMER_DIV, 0xb);                  /* divide by 1 */
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, SVM_TIMER_VECTOR);      /* one-shot */
}

/* Arm (deadline: a TSC value) or disarm (0) the LAPIC timer. */
static void timer_write(uint64_t deadline)
{
	uint64_t now, n;

	if (tm.deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline);
		return;
	}
	now = rdtsc();
	n = deadline > now ? (((deadline - now) * tm.ratio) >> 20) + 1 : 1;
	lapic_write(LAPIC_TIMER_INIT, deadline ? (uint32_t)(n > 0xffffffffu ? 0xffffffffu : n) : 0);
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
		lapic_write(LAPIC_EOI, 0);
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
 * child's timer. The timer is hv's alone on an AP (svm_timer_init_ap) and
 * disarmed after; a firing that raced the disarm waits in the LAPIC for
 * arch_cpu_take_interrupt, which drops it. */
bool arch_cpu_wait_until(uint64_t due)
{
	struct arch_cpu *a = &this_cpu()->arch;

	if (!tm.ok)
		return false;
	a->timer_armed = due;
	timer_write(due);
	arch_cpu_wait();
	timer_write(0);
	a->timer_armed = 0;
	a->timer_fired = false;
	return true;
}

/* Whether hv's timer is why a child exited on INTR. */
bool svm_timer_fired(void)
{
	const struct arch_cpu *a = &this_cpu()->arch;

	return tm.ok && (a->timer_fired || (a->timer_armed && rdtsc() >= a->timer_armed));
}

/* Whether hv's vector waits in the LAPIC's IRR (offset 200h + 10h per 32
 * vectors, SDM Vol. 3A §11.8.4). */
static bool vector_pending(void)
{
	return lapic_read(0x200 + (SVM_TIMER_VECTOR / 32) * 0x10) & (1u << (SVM_TIMER_VECTOR % 32));
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

	if (!tm.ok)
		return;
	if (a->timer_armed) {
		timer_write(0);
		/* Read after the disarm: a deadline before now may have fired. */
		if (rdtsc() >= a->timer_armed)
			a->timer_fired = true;
		a->timer_armed = 0;
	}
	if (a->timer_fired && !vector_pending())
		a->timer_fired = false;      /* the disarm was in time after all */
	if (ticks) {
		a->timer_armed = rdtsc() + ticks;
		timer_write(a->timer_armed);
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
	if (!v->arch.child && !v->arch.drain && tm.ok)
		set_intr_exit(v, true);
}
