/*
 * The TSC's rate, for the INIT/SIPI delays and for every timeout: from
 * Hyper-V's TSC frequency MSR where the hypervisor offers it (TLFS §2.4.4
 * AccessFrequencyMsrs, CPUID 0x40000003 EAX bit 11; hvpart's children
 * have no PIT), else measured against 10 ms of PIT channel 2 (Intel
 * 8254 datasheet: mode 0, its OUT on port 0x61 bit 5, gate on bit 0,
 * as Linux's pit_calibrate_tsc in arch/x86/kernel/tsc.c), else assumed.
 */
#include "smp.h"

#define HV_CPUID_FEATURES  0x40000003
#define HV_FREQUENCY_MSRS  (1u << 11)
#define HV_MSR_TSC_FREQ    0x40000022
#define PIT_HZ             1193182u
#define PIT_LATCH          (PIT_HZ / 100)		/* 10 ms */
#define ASSUMED_HZ         3000000000ull	/* errs towards long timeouts */

uint64_t smp_tsc_hz = ASSUMED_HZ;

static int hv_rate(void)
{
	uint32_t r[4];

	if (!guest_detect_hv())
		return 0;
	guest_cpuid(HV_CPUID_FEATURES, r);
	if (!(r[0] & HV_FREQUENCY_MSRS))
		return 0;
	smp_tsc_hz = guest_rdmsr(HV_MSR_TSC_FREQ);
	return smp_tsc_hz != 0;
}

/* 100 times the TSC ticks of 10 ms; 0 when no PIT answers. */
static int pit_rate(void)
{
	uint8_t p61 = pio_inb(0x61);
	uint64_t t0, t1;
	uint32_t spins = 0;

	if (p61 == 0xff)
		return 0;
	pio_outb(0x61, (uint8_t)((p61 & ~0x02) | 0x01));
	pio_outb(0x43, 0xb0);		/* channel 2, lo/hi byte, mode 0 */
	pio_outb(0x42, PIT_LATCH & 0xff);
	pio_outb(0x42, PIT_LATCH >> 8);
	t0 = guest_rdtsc();
	while (!(pio_inb(0x61) & 0x20))
		if (++spins > 50000000u)
			return 0;
	t1 = guest_rdtsc();
	pio_outb(0x61, p61);
	if (t1 - t0 < 10000)		/* under 1 MHz: not a real PIT */
		return 0;
	smp_tsc_hz = (t1 - t0) * 100;
	return 1;
}

const char *smp_time_calibrate(void)
{
	if (hv_rate())
		return "hyper-v";
	if (pit_rate())
		return "pit";
	smp_tsc_hz = ASSUMED_HZ;
	return "assumed";
}

/* At least us microseconds: tsc_hz >> 19 ticks is 1.9 us (no 64-bit
 * division without libgcc), and the SDM's delays are minimums. */
void smp_time_delay_us(uint32_t us)
{
	uint64_t per_us = (smp_tsc_hz >> 19) + 1;
	uint64_t end = guest_rdtsc() + per_us * us;

	while (guest_rdtsc() < end)
		guest_pause();
}
