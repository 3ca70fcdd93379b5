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
#include "../../core/smp.h"

#define MSR_APIC_BASE     0x1bu
#define APIC_BASE_EXTD    (1ull << 10)
#define X2APIC_ICR        0x830u
#define XAPIC_ICR_LO      0x300u
#define XAPIC_ICR_HI      0x310u
#define ICR_BUSY          (1u << 12)     /* delivery status, xAPIC only */
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
	smp_ap_main(pc);
}

__attribute__((noreturn)) void arch_cpu_park(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}
