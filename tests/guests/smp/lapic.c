/*
 * Each CPU's local APIC, in the one mode the command line chose for all:
 * xAPIC (the register page at the APIC base, register r at base + r * 16,
 * SDM Vol. 3A §11.4.1) or x2APIC (MSR 0x800 + r, §11.12.1.2). IPIs go
 * through the ICR (§11.6.1): in xAPIC mode the destination in ICR_HIGH
 * bits 31:24, then ICR_LOW, whose write sends, with delivery status
 * (bit 12) busy until the APIC has accepted it; in x2APIC mode one WRMSR
 * of the 64-bit ICR with the 32-bit destination in bits 63:32.
 */
#include "smp.h"

#define MSR_APIC_BASE  0x1b
#define BASE_EN        (1u << 11)
#define BASE_EXTD      (1u << 10)
#define CPUID1_X2APIC  (1u << 21)	/* CPUID.01H:ECX[21] */
#define X2APIC_MSR     0x800

enum { R_ID = 0x02, R_TPR = 0x08, R_EOI = 0x0b, R_LDR = 0x0d, R_DFR = 0x0e,
       R_SVR = 0x0f, R_ICR = 0x30, R_ICR2 = 0x31, R_SELF = 0x3f };
#define SVR_ON_0XFF    0x1ff		/* §11.9: bit 8 enables, vector 0xff */
#define ICR_BUSY       (1u << 12)

static int x2;
static volatile uint32_t *mmio;

static uint32_t rd(uint32_t r)
{
	return x2 ? (uint32_t)guest_rdmsr(X2APIC_MSR + r) : mmio[r * 4];
}

static void wr(uint32_t r, uint32_t v)
{
	if (x2)
		guest_wrmsr(X2APIC_MSR + r, v);
	else
		mmio[r * 4] = v;
}

/*
 * IA32_APIC_BASE moves only along §11.12.5's legal transitions: x2APIC ->
 * disabled -> xAPIC (hvpart starts children in x2APIC mode), xAPIC ->
 * x2APIC. Then the software enable in the SVR; TPR 0 takes every class.
 */
int smp_lapic_setup(int want_x2)
{
	uint32_t r[4];
	uint64_t base = guest_rdmsr(MSR_APIC_BASE);

	guest_cpuid(1, r);
	if (want_x2 && !(r[2] & CPUID1_X2APIC))
		return -1;
	if (!want_x2 && (base & BASE_EXTD)) {
		base &= ~(uint64_t)(BASE_EN | BASE_EXTD);
		guest_wrmsr(MSR_APIC_BASE, base);
	}
	if (!(base & BASE_EN)) {
		base |= BASE_EN;
		guest_wrmsr(MSR_APIC_BASE, base);
	}
	if (want_x2 && !(base & BASE_EXTD))
		guest_wrmsr(MSR_APIC_BASE, base | BASE_EXTD);
	x2 = want_x2;
	mmio = (volatile uint32_t *)(uint32_t)(base & 0xfffff000u);
	wr(R_SVR, SVR_ON_0XFF);
	wr(R_TPR, 0);
	return 0;
}

uint32_t smp_lapic_id(void)
{
	return x2 ? rd(R_ID) : rd(R_ID) >> 24;
}

/*
 * The logical ID: in xAPIC mode the flat model (DFR all ones, §11.6.2.2)
 * with bit `slot` of LDR[31:24] ours (slots 0-7; none above); in x2APIC
 * mode LDR is read-only, cluster (ID >> 4) in bits 31:16 and bit ID & 15
 * below (§11.12.10.2). Returns the value to name this CPU in an IPI's
 * destination (a mask of one bit; 0 if it has none).
 */
uint32_t smp_lapic_logical_setup(uint32_t slot)
{
	if (x2)
		return rd(R_LDR);
	wr(R_DFR, 0xffffffffu);
	wr(R_LDR, slot < 8 ? (1u << slot) << 24 : 0);
	return rd(R_LDR) >> 24;
}

void smp_lapic_eoi(void)
{
	wr(R_EOI, 0);
}

static int wait_idle(void)
{
	uint64_t end = guest_rdtsc() + smp_tsc_hz;

	while (mmio[R_ICR * 4] & ICR_BUSY)
		if (guest_rdtsc() > end)
			return -1;
	return 0;
}

/*
 * WRMSR to the x2APIC's registers is not serialising (§11.12.3), so a
 * fence first: the target's handler must see what we stored before the
 * IPI (Linux orders it so too, weak_wrmsr_fence in
 * arch/x86/include/asm/barrier.h).
 */
int smp_lapic_send(uint32_t dest, uint32_t icr_low)
{
	if (x2) {
		__asm__ volatile("mfence; lfence" ::: "memory");
		guest_wrmsr(X2APIC_MSR + R_ICR, ((uint64_t)dest << 32) | icr_low);
		return 0;
	}
	if (wait_idle() < 0)
		return -1;
	mmio[R_ICR2 * 4] = dest << 24;
	mmio[R_ICR * 4] = icr_low;
	return wait_idle();
}

/* x2APIC's SELF IPI register (§11.12.11); the self shorthand in xAPIC. */
int smp_lapic_self(uint8_t vector)
{
	if (!x2)
		return smp_lapic_send(0, ICR_SELF | ICR_FIXED | vector);
	__asm__ volatile("mfence; lfence" ::: "memory");
	guest_wrmsr(X2APIC_MSR + R_SELF, vector);
	return 0;
}
