/*
 * timer: the child's local APIC timer (SDM Vol. 3A §10.5.4) in periodic,
 * one-shot and TSC-deadline modes, plus a masked LVT. With the Hyper-V
 * interface present (hvpart) the timer must count at the TSC rate
 * (docs/child-platform.md), so the mean of ten periods must be count +-10%
 * TSC ticks and each one within jitter= percent (default 10); elsewhere the
 * APIC frequency is unknown and only arrival and
 * silence are checked. With wait=hlt it waits for each interrupt it
 * expects in HLT instead of a PAUSE loop, as an idle OS does (its vCPU
 * halted with only its timer to wake it). With wakes=N it runs only N
 * one-shots of varying length instead, each waited for in "sti; hlt",
 * so that the hypervisor's exits land at every point of that sequence; a
 * wake-up lost there (the interrupt taken before the HLT rather than
 * waking it) hangs the guest.
 */
#include "guest.h"

#define TIMER_VECTOR     0x40
#define LVT_MASKED       (1u << 16)	/* SDM Vol. 3A §10.5.1, Fig. 10-8 */
#define LVT_ONESHOT      (0u << 17)
#define LVT_PERIODIC     (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define DCR_DIVIDE_BY_1  0x0b		/* SDM Vol. 3A §10.5.4, Fig. 10-10 */
#define MSR_TSC_DEADLINE 0x6e0
#define CPUID1_TSC_DEADLINE (1u << 24)	/* CPUID.01H:ECX[24] */
#define HV_MSR_TSC_FREQUENCY  0x40000022
#define HV_MSR_APIC_FREQUENCY 0x40000023
#define PERIODS 10
#define MAX_STAMPS 16

static volatile uint32_t ticks;
static volatile uint64_t stamps[MAX_STAMPS];
static uint32_t count;
static int strict;
static int failed;
static int halt;   /* wait=hlt */

static void on_timer(struct guest_frame *f)
{
	(void)f;
	if (ticks < MAX_STAMPS)
		stamps[ticks] = guest_rdtsc();
	ticks++;
	guest_signal_eoi();
}

static void check(int ok, const char *what)
{
	if (!ok) {
		guest_printf("timer: check failed: %s\n", what);
		failed = 1;
	}
}

/* Spins with interrupts on until `want` ticks or `limit` TSC ticks. */
static int wait_ticks(uint32_t want, uint64_t limit)
{
	uint64_t t0 = guest_rdtsc();

	guest_sti();
	while (ticks < want && guest_rdtsc() - t0 < limit)
		guest_pause();
	guest_cli();
	return ticks >= want;
}

/* The same for interrupts that must come: with wait=hlt in HLT, which
 * STI's shadow makes atomic with the test of ticks (SDM Vol. 2B, STI). A
 * lost interrupt then hangs the guest, which the host's timeout reports. */
static int wait_arrivals(uint32_t want, uint64_t limit)
{
	if (!halt)
		return wait_ticks(want, limit);
	for (;;) {
		guest_cli();
		if (ticks >= want)
			return 1;
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}

/*
 * Masks and disarms the timer (an ICR of 0 stops it, SDM Vol. 3A
 * §10.5.4), then opens a short interrupt window so that a tick already
 * latched in IRR is taken now rather than counted by the next test.
 */
static void timer_stop(void)
{
	guest_write_apic(APIC_REG_LVT_TMR, LVT_MASKED | TIMER_VECTOR);
	guest_write_apic(APIC_REG_TMR_ICR, 0);
	guest_sti();
	for (int i = 0; i < 10000; i++)
		guest_pause();
	guest_cli();
	ticks = 0;
}

static uint64_t timeout(void)
{
	return (uint64_t)count * 1000 + 1000000000ull;
}

/* jitter=N (percent, default 10): how far one interrupt may come late or
 * early against its neighbours. On an emulator whose TSC is the host's
 * real time (QEMU TCG) a delivery waits for exits that cost tens of
 * microseconds each, so single periods scatter while their mean stays
 * right; the mean is always held to 10%. */
static uint32_t jitter = 10;

static int within_jitter(uint64_t v, uint32_t want)
{
	uint64_t w = (uint64_t)want;   /* products: no 64-bit division here */

	return v * 100 + w * jitter >= w * 100 && v * 100 <= w * (100 + jitter);
}

/* Periodic: 11 interrupts, 10 periods measured between them. */
static uint64_t test_periodic(void)
{
	uint64_t longest = 0, sum = 0;

	timer_stop();
	guest_write_apic(APIC_REG_TMR_DCR, DCR_DIVIDE_BY_1);
	guest_write_apic(APIC_REG_LVT_TMR, LVT_PERIODIC | TIMER_VECTOR);
	guest_write_apic(APIC_REG_TMR_ICR, count);
	check(wait_arrivals(PERIODS + 1, timeout() * PERIODS),
	      "periodic: 11 interrupts arrive");
	timer_stop();
	for (int i = 1; i <= PERIODS && i < MAX_STAMPS; i++) {
		uint64_t p = stamps[i] - stamps[i - 1];
		guest_printf("timer: periodic period %d: %llu TSC ticks\n", i, p);
		if (p > longest)
			longest = p;
		sum += p;
		if (strict)
			check(within_jitter(p, count), "periodic: period within the jitter");
	}
	if (strict)
		check(sum * 10 + (uint64_t)count * PERIODS >= (uint64_t)count * PERIODS * 10 &&
		      sum * 10 <= (uint64_t)count * PERIODS * 11, "periodic: mean period within 10%");
	return longest;
}

/* Masked LVT: the counter may run but no interrupt is delivered
 * (SDM Vol. 3A §10.5.1, "Mask" bit). */
static void test_masked(uint64_t period)
{
	timer_stop();
	guest_write_apic(APIC_REG_LVT_TMR, LVT_MASKED | LVT_PERIODIC |
			 TIMER_VECTOR);
	guest_write_apic(APIC_REG_TMR_ICR, count);
	wait_ticks(1, period * 20);
	guest_printf("timer: masked: %u interrupts in 20 periods\n", ticks);
	check(ticks == 0, "masked: no interrupt");
	timer_stop();
}

/* One-shot: exactly one interrupt, count ticks after the ICR write. */
static void test_oneshot(void)
{
	uint64_t t0, delay;

	timer_stop();
	guest_write_apic(APIC_REG_LVT_TMR, LVT_ONESHOT | TIMER_VECTOR);
	t0 = guest_rdtsc();
	guest_write_apic(APIC_REG_TMR_ICR, count);
	check(wait_arrivals(1, timeout()), "one-shot: interrupt arrives");
	delay = ticks ? stamps[0] - t0 : 0;
	guest_printf("timer: one-shot fired after %llu TSC ticks\n", delay);
	if (strict)
		check(within_jitter(delay, count), "one-shot: delay within the jitter");
	wait_ticks(2, delay * 10 + 1000);
	guest_printf("timer: one-shot: %u interrupts, current count %u\n",
		     ticks, guest_read_apic(APIC_REG_TMR_CCR));
	check(ticks == 1, "one-shot: exactly one interrupt");
	timer_stop();
}

/*
 * TSC-deadline: arm IA32_TSC_DEADLINE = now + count; the interrupt must
 * come at or after the deadline (SDM Vol. 3A §10.5.4.1). MFENCE orders
 * the LVT write before the deadline write, as that section advises.
 */
static void test_deadline(void)
{
	uint32_t r[4];
	uint64_t deadline;

	guest_cpuid(1, r);
	if (!(r[2] & CPUID1_TSC_DEADLINE)) {
		guest_puts("timer: TSC-deadline skipped: CPUID.01H:ECX[24] clear\n");
		return;
	}
	timer_stop();
	guest_write_apic(APIC_REG_LVT_TMR, LVT_TSC_DEADLINE | TIMER_VECTOR);
	__asm__ volatile("mfence" ::: "memory");
	deadline = guest_rdtsc() + count;
	guest_wrmsr(MSR_TSC_DEADLINE, deadline);
	check(wait_arrivals(1, timeout()), "deadline: interrupt arrives");
	if (ticks) {
		guest_printf("timer: deadline: fired %lld TSC ticks after the deadline\n",
			     (int64_t)(stamps[0] - deadline));
		/* Lateness depends on scheduling; only earliness is wrong. */
		check(stamps[0] >= deadline, "deadline: not before the deadline");
	}
	wait_ticks(2, (uint64_t)count * 20);
	check(ticks == 1, "deadline: exactly one interrupt");
	guest_wrmsr(MSR_TSC_DEADLINE, 0);
	timer_stop();
}

/* wakes=N: N one-shots of 1,000 to about 400,000 ticks, in an order
 * that walks the range (a prime stride), each awaited in "sti; hlt".
 * That pair is written afresh for each (a new place in stub_page), so
 * that an emulator translates it again (QEMU's TCG takes interrupts
 * between its translated blocks, and STI ends one): the time the timer
 * may fire in then spans the pair, where a lost STI shadow shows. */
static uint8_t stub_page[4096] __attribute__((aligned(4096)));

static void wait_fresh(uint32_t i)
{
	volatile uint8_t *s = stub_page + (i % 512) * 8;
	void (*sti_hlt)(void) = (void (*)(void))(uintptr_t)s;

	s[0] = 0xfb;   /* sti */
	s[1] = 0xf4;   /* hlt */
	s[2] = 0xc3;   /* ret */
	for (;;) {
		guest_cli();
		if (ticks >= 1)
			return;
		sti_hlt();
	}
}

static void test_wakes(uint32_t n)
{
	guest_write_apic(APIC_REG_TMR_DCR, DCR_DIVIDE_BY_1);
	for (uint32_t i = 0; i < n; i++) {
		timer_stop();
		guest_write_apic(APIC_REG_LVT_TMR, LVT_ONESHOT | TIMER_VECTOR);
		guest_write_apic(APIC_REG_TMR_ICR, 1000 + (i * 7919u) % 400009u);
		wait_fresh(i);
	}
	timer_stop();
	guest_printf("timer: %u one-shot wake-ups from sti; hlt\n", n);
}

static void describe_clock(void)
{
	if (!guest_detect_hv()) {
		guest_puts("timer: period check skipped: APIC frequency unknown "
			   "(no Hyper-V interface)\n");
		return;
	}
	strict = 1;
	guest_printf("timer: Hyper-V: TSC %llu Hz, APIC timer %llu Hz\n",
		     guest_rdmsr(HV_MSR_TSC_FREQUENCY),
		     guest_rdmsr(HV_MSR_APIC_FREQUENCY));
}

void guest_main(void)
{
	uint64_t period;
	int x2;

	guest_puts("timer: start\n");
	count = guest_get_arg_u32("count", 100000);
	jitter = guest_get_arg_u32("jitter", 10);
	halt = guest_test_arg("wait", "hlt");
	if (count == 0)
		guest_fail("timer", "count=0");
	x2 = guest_enable_apic();
	guest_printf("timer: %s, count %u, divide 1, vector 0x%x, waits in %s\n",
		     x2 ? "x2APIC" : "xAPIC (no x2APIC in CPUID)", count,
		     TIMER_VECTOR, halt ? "HLT" : "a PAUSE loop");
	describe_clock();
	guest_set_handler(TIMER_VECTOR, on_timer);
	if (guest_get_arg_u32("wakes", 0)) {
		test_wakes(guest_get_arg_u32("wakes", 0));
		guest_pass("timer");
	}
	period = test_periodic();
	test_masked(period ? period : count);
	test_oneshot();
	test_deadline();
	if (failed)
		guest_fail("timer", "see the checks above");
	guest_pass("timer");
}
