/*
 * hv's LAPIC timer, one policy for both backends (docs/ARCHITECTURE.md,
 * "Children on the APs"): TSC-deadline mode (SDM Vol. 3A §11.5.4.1) where
 * the CPU has it (CPUID.01H:ECX[24]), else one-shot mode calibrated
 * against the TSC (§11.5.4), with a vector of the backend's choosing.
 * SVM, which has no preemption timer, arms it for every child's turn
 * and for an idle AP's wait (svm/svm_timer.c); VT-x, whose VMX-preemption
 * timer counts only in VMX non-root operation (SDM Vol. 3C §26.5.1), for
 * an idle AP's wait alone (vmx/vmx_vcpu.c). The CPUs are alike, so the
 * boot CPU's mode and rate serve every AP.
 */
#include <hv/arch.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "cpu.h"

#define MSR_APIC_BASE      0x1bu
#define MSR_TSC_DEADLINE   0x6e0u
#define APIC_BASE_EN       (1ull << 11)
#define APIC_BASE_EXTD     (1ull << 10)
#define LAPIC_SVR          0xf0u
#define LAPIC_LVT_TIMER    0x320u
#define LAPIC_TIMER_INIT   0x380u
#define LAPIC_TIMER_CUR    0x390u
#define LAPIC_TIMER_DIV    0x3e0u
#define LVT_TSC_DEADLINE   (2u << 17)      /* timer mode 10b (§11.5.1) */
#define LVT_MASKED         (1u << 16)
#define SVR_ENABLE         (1u << 8)       /* APIC software enable (§11.4.7) */
#define CPUID1_TSC_DEADLINE (1u << 24)
#define DIVIDE_BY_1        0xbu            /* divide configuration 1011b */
/* x2APIC MSR of an xAPIC register offset (§11.12.1.2). */
#define X2APIC_MSR(off)    (0x800u + ((off) >> 4))

static struct {
	bool ok, x2apic, deadline;
	uint32_t vector;
	uint64_t ratio;           /* one-shot: LAPIC ticks per 2^20 TSC ticks */
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

/* The LAPIC timer's rate against the TSC, counted over 2^20 TSC ticks
 * with divide-by-1, the LVT masked meanwhile. */
static void calibrate(void)
{
	uint64_t t0;

	lapic_write(LAPIC_TIMER_DIV, DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER, tm.vector | LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	t0 = rdtsc();
	while (rdtsc() - t0 < (1u << 20))
		;
	tm.ratio = 0xffffffffull - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

/* This CPU's LVT timer in the chosen mode, disarmed. The MFENCE orders
 * the switch to TSC-deadline mode before any deadline write, as
 * §11.5.4.1 asks (x2APIC writes are not serializing). */
static void setup_this_cpu(void)
{
	if (tm.deadline) {
		wrmsr(MSR_TSC_DEADLINE, 0);
		lapic_write(LAPIC_LVT_TIMER, tm.vector | LVT_TSC_DEADLINE);
		__asm__ volatile("mfence" ::: "memory");
		return;
	}
	lapic_write(LAPIC_TIMER_DIV, DIVIDE_BY_1);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, tm.vector);             /* one-shot */
}

/* At boot, on the boot CPU: only if the firmware left its LAPIC enabled
 * (hv does not change the parent's interrupt set-up). Returns why not,
 * or NULL. */
const char *x86_timer_init(uint32_t vector)
{
	uint32_t r[4];
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_EN))
		return "the LAPIC is disabled (IA32_APIC_BASE.EN = 0)";
	tm.x2apic = base & APIC_BASE_EXTD;
	tm.mmio = (volatile uint32_t *)(uintptr_t)(base & 0xfffff000ull);
	tm.vector = vector;
	if (!(lapic_read(LAPIC_SVR) & SVR_ENABLE))
		return "the LAPIC is software-disabled (SVR bit 8 = 0)";
	cpuid(1, 0, r);
	tm.deadline = r[2] & CPUID1_TSC_DEADLINE;
	if (!tm.deadline) {
		calibrate();
		if (!tm.ratio)
			return "the LAPIC timer does not count";
	}
	setup_this_cpu();
	tm.ok = true;
	hv_info("hv: hv's timer: LAPIC %s, vector %#x", tm.deadline ? "TSC-deadline" : "one-shot",
		vector);
	return NULL;
}

/* An AP's, once hv has enabled its LAPIC (smp.c). */
void x86_timer_init_ap(void)
{
	if (tm.ok)
		setup_this_cpu();
}

bool x86_timer_ok(void)
{
	return tm.ok;
}

/* Arm for a TSC value, or disarm (0). One-shot mode counts the ticks
 * left from now, at least one: a deadline already past fires at once. */
void x86_timer_write(uint64_t deadline)
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

/* Whether the timer's vector waits in the IRR (offset 200h + 10h per 32
 * vectors, SDM Vol. 3A §11.8.4). */
bool x86_timer_pending(void)
{
	return lapic_read(0x200u + (tm.vector / 32) * 0x10u) & (1u << (tm.vector % 32));
}

/* An AP with nothing to run before due: HLT with the timer armed for
 * it, then disarmed. A firing that raced the disarm waits in the LAPIC
 * and is taken as the backend takes its vector. */
/* The boot CPU's idle for the parent (arch_cpu_idle): HLT until an
 * interrupt, hv's timer armed for due if any; *vec the vector taken, or
 * -1 when it was hv's own (own: the backend's timer vector), EOIed here.
 * False, not halting, without a timer for a due. */
bool x86_timer_idle(uint64_t due, int own, int *vec)
{
	if (due && !tm.ok)
		return false;
	if (due)
		x86_timer_write(due);
	*vec = x86_wait_interrupt();
	if (due)
		x86_timer_write(0);
	if (*vec == own || *vec == HV_KICK_VECTOR) {
		x86_lapic_eoi();
		*vec = -1;
	}
	return true;
}

bool x86_timer_wait_until(uint64_t due)
{
	if (!tm.ok)
		return false;
	x86_timer_write(due);
	arch_cpu_wait();
	x86_timer_write(0);
	return true;
}
