/*
 * counter: keeps counting in memory while its local APIC timer fires
 * (periodic, SDM Vol. 3A §10.5.4), for the vCPU-context round trip
 * (Debug-VMHost -Action SaveRestore, docs/hypercalls.md "vCPU context").
 * Every `every` ticks (default 10) it prints
 *     counter: tick T count C gap G
 * T the timer interrupts so far, C its main loop's count (kept in memory,
 * in a register between), G the longest TSC gap between two ticks since
 * the last line, in timer periods: a guest whose time stood still while
 * it was saved sees about 1, one whose TSC ran on sees the save's length.
 * Args: count= (TSC ticks per period, default 2000000), every=, ticks=
 * (stop with PASS after that many ticks; 0, the default, runs for ever).
 */
#include "guest.h"

#define TIMER_VECTOR    0x40		/* the runtime's gate for the APIC timer */
#define LVT_PERIODIC    (1u << 17)	/* SDM Vol. 3A §10.5.1, Fig. 10-8 */
#define DCR_DIVIDE_BY_1 0x0b		/* §10.5.4, Fig. 10-10 */

static volatile uint32_t ticks;
static volatile uint64_t last_tsc, max_gap;
static volatile uint32_t counted;

static void on_timer(struct guest_frame *f)
{
	uint64_t now = guest_rdtsc();

	(void)f;
	if (last_tsc && now - last_tsc > max_gap)
		max_gap = now - last_tsc;
	last_tsc = now;
	ticks++;
	guest_signal_eoi();
}

/* gap / count without 64-bit division (no libgcc in a guest). */
static uint32_t periods(uint64_t gap, uint32_t count)
{
	uint32_t n = 0;

	while (gap >= count && n < 1000000) {
		gap -= count;
		n++;
	}
	return n;
}

void guest_main(void)
{
	uint32_t count = guest_get_arg_u32("count", 2000000);
	uint32_t every = guest_get_arg_u32("every", 10);
	uint32_t stop = guest_get_arg_u32("ticks", 0), shown = 0;

	guest_puts("counter: start\n");
	if (!count || !every)
		guest_fail("counter", "count=0 or every=0");
	guest_enable_apic();
	guest_set_handler(TIMER_VECTOR, on_timer);
	guest_write_apic(APIC_REG_TMR_DCR, DCR_DIVIDE_BY_1);
	guest_write_apic(APIC_REG_LVT_TMR, LVT_PERIODIC | TIMER_VECTOR);
	guest_write_apic(APIC_REG_TMR_ICR, count);
	guest_sti();
	for (;;) {
		uint32_t t = ticks;

		counted++;
		if (t / every == shown)
			continue;
		shown = t / every;
		guest_printf("counter: tick %u count %u gap %u\n", t, counted,
			     periods(max_gap, count));
		max_gap = 0;
		if (stop && t >= stop)
			guest_pass("counter");
	}
}
