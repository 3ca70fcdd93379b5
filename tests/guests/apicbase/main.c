/*
 * apicbase: IA32_APIC_BASE's modes and transitions (SDM Vol. 3A §11.12.5,
 * Figure 11-28; issue 12 item 1). From x2APIC mode only disabling is
 * legal; from disabled only xAPIC; the invalid state (EN = 0, EXTD = 1)
 * and reserved bits (0-7, 9, MAXPHYADDR up) raise #GP and change nothing.
 * While disabled, CPUID.1:EDX.APIC reads 0 (§11.4.3); outside x2APIC mode
 * the x2APIC MSRs raise #GP (§11.12.2); the xAPIC base can move. After
 * disabled -> xAPIC -> x2APIC the APIC works again: its timer wakes a
 * HLT. Under Hyper-V (hvpart) disabling also resets the registers
 * (§11.4.3 allows it: SVR 0xff, LVT timer masked). Options: count=N
 * (default 100000), the final sleep's APIC ticks.
 * Runs bare (Bochs starts in xAPIC mode, and its APIC, once disabled,
 * stays off until reset, as 3-wire-bus APICs did) and as a child (x2APIC
 * mode at start).
 */
#include "guest.h"

#define MSR_APIC_BASE 0x1b
#define BASE_EN   (1ull << 11)
#define BASE_EXTD (1ull << 10)
#define X2APIC_SVR 0x80f
#define X2APIC_LVT_TIMER 0x832
#define CPUID1_EDX_APIC (1u << 9)

static int failed, strict;
static uint64_t addr;           /* base address and BSP flag */

static void check(int ok, const char *what)
{
	if (!ok) {
		guest_printf("apicbase: check failed: %s\n", what);
		failed = 1;
	}
}

static uint64_t base(void)
{
	uint64_t v = 0;

	check(guest_rdmsr_safe(MSR_APIC_BASE, &v) == 0, "IA32_APIC_BASE reads");
	return v;
}

/* WRMSR of val: legal ones must take, illegal ones #GP and change nothing. */
static void base_write(uint64_t val, int legal, const char *what)
{
	uint64_t old = base(), now;
	int rc = guest_wrmsr_safe(MSR_APIC_BASE, val);

	now = base();
	if (legal ? (rc || now != val) : (!rc || now != old)) {
		guest_printf("apicbase: check failed: %s (WRMSR 0x%llx %s, now 0x%llx, was 0x%llx)\n",
			     what, val, rc ? "#GP" : "taken", now, old);
		failed = 1;
	}
}

static int x2apic_regs(void)
{
	uint64_t v;

	return guest_rdmsr_safe(X2APIC_SVR, &v) == 0;
}

static int cpuid_apic(void)
{
	uint32_t r[4];

	guest_cpuid(1, r);
	return (r[3] & CPUID1_EDX_APIC) != 0;
}

static void from_x2apic(uint32_t maxphy)
{
	guest_wrmsr(X2APIC_SVR, 0x1ff);
	guest_wrmsr(X2APIC_LVT_TIMER, 0x40);
	check(x2apic_regs(), "x2APIC registers in x2APIC mode");
	base_write(addr | BASE_EN, 0, "x2APIC to xAPIC");
	base_write(addr | BASE_EXTD, 0, "x2APIC to the invalid state");
	base_write(addr | BASE_EN | BASE_EXTD | 1, 0, "reserved bit 0");
	base_write(addr | BASE_EN | BASE_EXTD | (1u << 9), 0, "reserved bit 9");
	base_write(addr | BASE_EN | BASE_EXTD | (1ull << maxphy), 0, "bit MAXPHYADDR");
	base_write(addr, 1, "x2APIC to disabled");
}

static void from_disabled(void)
{
	check(!cpuid_apic(), "CPUID.1:EDX.APIC clear while disabled");
	check(!x2apic_regs(), "x2APIC registers #GP while disabled");
	base_write(addr | BASE_EN | BASE_EXTD, 0, "disabled to x2APIC");
	base_write(addr | BASE_EXTD, 0, "disabled to the invalid state");
	base_write(addr | BASE_EN, 1, "disabled to xAPIC");
}

static void from_xapic(void)
{
	check(cpuid_apic(), "CPUID.1:EDX.APIC set again");
	check(!x2apic_regs(), "x2APIC registers #GP in xAPIC mode");
	base_write((addr & 0xfff) | 0xfed00000u | BASE_EN, 1, "xAPIC base moved");
	base_write(addr | BASE_EN, 1, "xAPIC base back");
	base_write(addr, 1, "xAPIC to disabled");
	base_write(addr | BASE_EN, 1, "disabled to xAPIC again");
	base_write(addr | BASE_EN | BASE_EXTD, 1, "xAPIC to x2APIC");
	check(x2apic_regs(), "x2APIC registers back");
}

void guest_main(void)
{
	uint64_t b, svr, lvt;
	uint32_t r[4];

	guest_puts("apicbase: start\n");
	strict = guest_detect_hv();
	guest_cpuid(0x80000008u, r);
	b = base();
	addr = b & ~(BASE_EN | BASE_EXTD);
	guest_printf("apicbase: IA32_APIC_BASE 0x%llx at start\n", b);
	if ((b & (BASE_EN | BASE_EXTD)) == BASE_EN)
		base_write(b | BASE_EXTD, 1, "xAPIC to x2APIC at start");
	from_x2apic(r[0] & 0xff);
	from_disabled();
	from_xapic();
	guest_rdmsr_safe(X2APIC_SVR, &svr);
	guest_rdmsr_safe(X2APIC_LVT_TIMER, &lvt);
	guest_printf("apicbase: after disabling: SVR 0x%llx, LVT timer 0x%llx\n", svr, lvt);
	if (strict)
		check(svr == 0xff && (lvt & (1u << 16)), "disabling reset SVR and the LVT timer");
	/* Bochs models a 3-wire-bus APIC that stays off until reset (§11.4.3). */
	if (!x2apic_regs())
		guest_fail("apicbase", "the APIC could not be enabled again");
	guest_sleep(guest_get_arg_u32("count", 100000));
	guest_puts("apicbase: the timer woke the HLT\n");
	if (failed)
		guest_fail("apicbase", "see the checks above");
	guest_pass("apicbase");
}
