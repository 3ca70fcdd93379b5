/*
 * Starting the application processors (SDM Vol. 3A §9.4 "Multiple-
 * Processor (MP) Initialization"): the trampoline (ap_tramp.S) is copied
 * to a page below 1 MiB whose bytes are put back afterwards, and the AP
 * is woken with INIT, then two start-up IPIs, through the boot CPU's
 * local APIC in xAPIC or x2APIC mode, whichever the firmware left on.
 * One AP starts at a time, so the trampoline's parameters and the saved
 * page need no lock. Vendor-neutral: AMD's APM Vol. 2 §16.5 keeps the same
 * INIT/SIPI protocol.
 */
#include <errno.h>
#include <string.h>
#include <hv/arch.h>
#include <hv/lib.h>
#include <hv/percpu.h>
#include <hv/x86.h>
#include "ap_tramp.h"
#include "cpu.h"
#include "../../core/smp.h"

#define MSR_APIC_BASE     0x1bu
#define APIC_BASE_EXTD    (1ull << 10)
#define X2APIC_ICR        0x830u
#define XAPIC_ICR_LO      0x300u
#define XAPIC_ICR_HI      0x310u
#define ICR_BUSY          (1u << 12)     /* delivery status, xAPIC only */
#define X2APIC_EOI        0x80bu
#define X2APIC_SVR        0x80fu
#define XAPIC_EOI         0xb0u
#define XAPIC_SVR         0xf0u
#define SVR_ENABLE        (1u << 8)      /* APIC software enable (§11.4.7) */
#define SPURIOUS_VECTOR   0xffu
#define ICR_FIXED         0x4000u        /* fixed, physical, edge, assert */
#define ICR_TO_SELF       (1u << 18)     /* destination shorthand 01b */
/* ICR delivery modes with level assert (SDM Vol. 3A §11.6.1). */
#define ICR_INIT          0x4500u
#define ICR_STARTUP       0x4600u

#define AP_STACK_SIZE     8192u
static uint8_t ap_stacks[HV_MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t saved_page[4096];

void x86_ap_entry(struct percpu *pc);

/* TSC ticks per microsecond, from CPUID's nominal frequency (leaf 0x16,
 * else leaf 0x15's crystal ratio), else 3 GHz: only the waits of the
 * start-up protocol use it, and a longer wait is harmless. */
static uint64_t tsc_per_us(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] >= 0x16) {
		cpuid(0x16, 0, r);
		if (r[0] & 0xffff)
			return r[0] & 0xffff;
	}
	return 3000;
}

static void wait_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_per_us();

	while (rdtsc() < end)
		__asm__ volatile("pause");
}

/* One IPI to apic_id; the xAPIC's MMIO page is identity-mapped (boot.S). */
static void send_ipi(uint32_t apic_id, uint32_t icr)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	volatile uint32_t *mmio = (volatile uint32_t *)(uintptr_t)(base & ~0xfffull);

	if (base & APIC_BASE_EXTD) {
		wrmsr(X2APIC_ICR, ((uint64_t)apic_id << 32) | icr);
		return;
	}
	mmio[XAPIC_ICR_HI / 4] = apic_id << 24;
	mmio[XAPIC_ICR_LO / 4] = icr;
	for (int i = 0; i < 1000 && (mmio[XAPIC_ICR_LO / 4] & ICR_BUSY); i++)
		wait_us(1);
}

static volatile uint32_t *xapic_mmio(void)
{
	return (volatile uint32_t *)(uintptr_t)(rdmsr(MSR_APIC_BASE) & ~0xfffull);
}

static bool x2apic_on(void)
{
	return (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) != 0;
}

void x86_lapic_eoi(void)
{
	if (x2apic_on())
		wrmsr(X2APIC_EOI, 0);
	else
		xapic_mmio()[XAPIC_EOI / 4] = 0;
}

/* A LAPIC that is software-disabled takes no fixed interrupt (SDM Vol.
 * 3A §11.4.7.2); an AP's is after INIT (§11.4.7.1: SVR reads 0FFH). Its
 * LVTs stay masked as INIT left them: the 8259's interrupts go to the
 * boot CPU alone. */
static void lapic_enable(void)
{
	if (x2apic_on())
		wrmsr(X2APIC_SVR, rdmsr(X2APIC_SVR) | SVR_ENABLE | SPURIOUS_VECTOR);
	else
		xapic_mmio()[XAPIC_SVR / 4] |= SVR_ENABLE | SPURIOUS_VECTOR;
}

bool arch_cpu_lapic_enabled(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & (1ull << 11)))
		return false;
	return ((base & APIC_BASE_EXTD) ? rdmsr(X2APIC_SVR) : xapic_mmio()[XAPIC_SVR / 4]) & SVR_ENABLE;
}

/* HLT with interrupts open until one comes; irq_common returns with IF
 * clear (entry.S). STI's shadow covers the HLT, so a kick already pending
 * wakes it at once (SDM Vol. 2B, STI). Only an AP waits here, and every
 * interrupt an AP takes is its LAPIC's (a kick, or hv's timer on SVM,
 * armed for the vCPU it ran last): each is EOIed, or it would stay in
 * service and block the timer for good (seen under QEMU: ISR 0xec, two
 * spinners on one AP never took turns). */
void arch_cpu_wait(void)
{
	struct percpu *c = this_cpu();

	c->irq_vector = ~0ull;
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	if (c->irq_vector != ~0ull)
		x86_lapic_eoi();
}

void arch_cpu_kick(uint32_t apic_id)
{
	send_ipi(apic_id, ICR_FIXED | HV_KICK_VECTOR);
}

/* The self shorthand ignores the destination field (SDM Vol. 3A
 * §11.6.1, Table 11-4; in x2APIC mode as well, §11.12.9). */
void x86_kick_self(void)
{
	send_ipi(0, ICR_FIXED | ICR_TO_SELF | HV_KICK_VECTOR);
}

static void tramp_install(struct percpu *pc)
{
	uint8_t *page = (uint8_t *)(uintptr_t)AP_TRAMP_BASE;
	size_t len = (size_t)(ap_tramp_end - ap_tramp_start);
	struct ap_tramp_params p = {
		.cr3 = read_cr3(),
		.stack = (uint64_t)(ap_stacks[pc->index] + AP_STACK_SIZE),
		.arg = (uint64_t)pc,
		.entry = (uint64_t)x86_ap_entry,
	};

	memcpy(saved_page, page, sizeof(saved_page));
	memcpy(page, ap_tramp_start, len);
	memcpy(page + (ap_tramp_params - ap_tramp_start), &p, sizeof(p));
}

/* Waits up to us microseconds for the AP to leave the trampoline. */
static bool wait_alive(struct percpu *pc, uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_per_us();

	while (!__atomic_load_n(&pc->online, __ATOMIC_ACQUIRE) && rdtsc() < end)
		__asm__ volatile("pause");
	return __atomic_load_n(&pc->online, __ATOMIC_ACQUIRE) != 0;
}

/* INIT, then SIPI twice (§9.4.4.1); modern CPUs need no 10 ms after
 * INIT, as Linux's smpboot.c found, and a second SIPI is ignored by an AP
 * that left wait-for-SIPI. */
int arch_cpu_start_ap(struct percpu *pc)
{
	uint32_t vec = AP_TRAMP_BASE >> 12;
	bool up;

	if (pc->index >= HV_MAX_CPUS)
		return -EINVAL;
	tramp_install(pc);
	send_ipi(pc->apic_id, ICR_INIT);
	wait_us(10);
	send_ipi(pc->apic_id, ICR_STARTUP | vec);
	if (!(up = wait_alive(pc, 200))) {
		send_ipi(pc->apic_id, ICR_STARTUP | vec);
		up = wait_alive(pc, 100000);
	}
	if (!up)
		send_ipi(pc->apic_id, ICR_INIT);   /* back to wait-for-SIPI */
	memcpy((void *)(uintptr_t)AP_TRAMP_BASE, saved_page, sizeof(saved_page));
	return up ? 0 : -ETIMEDOUT;
}

/* The AP in long mode on its own stack (ap_tramp.S). */
void x86_ap_entry(struct percpu *pc)
{
	percpu_install(pc, pc->index, pc->apic_id);
	arch_cpu_init();
	lapic_enable();
	smp_ap_main(pc);
}

__attribute__((noreturn)) void arch_cpu_park(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}
