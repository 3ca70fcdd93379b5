/*
 * The parent's clocks.
 *
 * Wall-clock time comes from the CMOS real-time clock, the one clock that
 * keeps the date and runs on its own crystal. It counts whole seconds, so
 * the parent watches for the moment each second begins (the PIT interrupt
 * reads the seconds register at 100 Hz) and measures the time since then
 * with the PIT's ticks and, within a tick, the TSC. The second in progress
 * is capped just short of one second: the clock's own next update carries
 * the time forward, so the PIT or TSC running fast or slow, or a lost PIT
 * interrupt, can never move the time more than the rest of one second, and
 * the time never goes back. (Counting PIT ticks from one reading at boot
 * would drift with every lost interrupt; the TSC alone is no timebase
 * under an emulator, where it counts instructions and races ahead while
 * the CPU halts.) If the clock stops updating for two seconds the PIT
 * carries the time on alone.
 *
 * The monotonic clock is the PIT tick count, refined by the TSC within a
 * tick. Built with -mgeneral-regs-only: clock_tick runs in the PIT
 * interrupt handler.
 */
#include <stdbool.h>
#include "partition/arch/cpu.h"
#include "partition/clock.h"
#include "partition/drivers/pit.h"
#include "partition/drivers/rtc.h"
#include "partition/time/civil.h"

#define NS_PER_SEC 1000000000ull
#define NS_PER_TICK (NS_PER_SEC / PIT_HZ)
#define RTC_STALL_NS (2 * NS_PER_SEC)
#define INIT_TRIES 1000000      /* an update takes at most 2 ms; this is far more */

static struct {
	uint64_t tsc_hz;
	volatile uint64_t tick_tsc;         /* TSC at the latest PIT tick */
	struct civil_rtc_regs edge_regs;    /* the RTC at its latest second change */
	volatile uint64_t edge_ticks;       /* PIT ticks when it was seen */
	volatile uint32_t edge_seq;         /* counts changes of edge_regs */
	volatile bool edge_seen;            /* a change seen since boot */
	int last_sec;                       /* seconds register at the last look */
	uint32_t decoded_seq;               /* edge_seq that decoded_epoch is of */
	int64_t decoded_epoch;
	uint64_t last_mono;                 /* latest value returned */
} clk;

static uint64_t irq_save(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static void irq_restore(uint64_t flags)
{
	if (flags & 0x200)   /* RFLAGS.IF */
		__asm__ volatile("sti" ::: "memory");
}

/* PIT interrupt: note the TSC, and catch the RTC's second changing. */
static void clock_tick(void)
{
	int s;

	clk.tick_tsc = cpu_rdtsc();
	s = rtc_read_seconds();
	if (s < 0 || s == clk.last_sec)
		return;
	if (rtc_read_regs(&clk.edge_regs))
		return;               /* an update began meanwhile: look again next tick */
	clk.last_sec = clk.edge_regs.sec;
	clk.edge_ticks = pit_ticks;
	clk.edge_seq++;
	clk.edge_seen = true;
}

void clock_init(uint64_t tsc_hz)
{
	uint64_t flags = irq_save();
	int i;

	clk.tsc_hz = tsc_hz;
	clk.tick_tsc = cpu_rdtsc();
	for (i = 0; i < INIT_TRIES && rtc_read_regs(&clk.edge_regs); i++)
		;
	clk.last_sec = clk.edge_regs.sec;
	clk.edge_ticks = pit_ticks;
	clk.edge_seq++;
	pit_set_tick_hook(clock_tick);
	irq_restore(flags);
}

/* Time since the latest PIT tick from the TSC, below one tick. */
static uint64_t since_tick_ns(uint64_t tsc_at_tick, uint64_t now)
{
	uint64_t d = now > tsc_at_tick ? now - tsc_at_tick : 0;

	if (!clk.tsc_hz)
		return 0;
	if (d >= clk.tsc_hz / PIT_HZ)
		return NS_PER_TICK - 1;
	return d * NS_PER_SEC / clk.tsc_hz;
}

uint64_t clock_monotonic_ns(void)
{
	uint64_t flags = irq_save();
	uint64_t ns = pit_ticks * NS_PER_TICK + since_tick_ns(clk.tick_tsc, cpu_rdtsc());

	if (ns < clk.last_mono)
		ns = clk.last_mono;
	clk.last_mono = ns;
	irq_restore(flags);
	return ns;
}

/* Seconds since 1970 of the RTC's latest change, decoded once per change
 * (0 if the clock holds garbage: the time then counts from 1970). */
static int64_t edge_epoch(uint32_t seq, const struct civil_rtc_regs *r)
{
	int64_t e;

	if (clk.decoded_seq != seq) {
		clk.decoded_epoch = civil_decode_rtc(r, &e) ? 0 : e;
		clk.decoded_seq = seq;
	}
	return clk.decoded_epoch;
}

/* The boot reading is up to a second old, and only the clock's next
 * update says how much: the first caller waits for it (at most a second,
 * once; the PIT interrupt sees it) rather than get a time up to a second
 * late. Not with interrupts off, which would wait forever. */
static void wait_first_change(void)
{
	uint64_t flags, start = pit_ticks;

	__asm__ volatile("pushfq; pop %0" : "=r"(flags));
	if (!(flags & 0x200))
		return;
	while (!clk.edge_seen && pit_ticks - start <= PIT_HZ + PIT_HZ / 10)
		__asm__ volatile("hlt" ::: "memory");
}

void clock_realtime(int64_t *sec, uint32_t *nsec)
{
	struct civil_rtc_regs r;
	uint64_t flags, edge_ns, since;
	uint32_t seq;

	if (!clk.edge_seen)
		wait_first_change();
	flags = irq_save();
	r = clk.edge_regs;
	edge_ns = clk.edge_ticks * NS_PER_TICK;
	seq = clk.edge_seq;
	irq_restore(flags);
	since = clock_monotonic_ns() - edge_ns;
	/* Staying below the clock's next second keeps the time from going
	 * back when that second comes. */
	if (since < RTC_STALL_NS && since >= NS_PER_SEC)
		since = NS_PER_SEC - 1;
	*sec = edge_epoch(seq, &r) + (int64_t)(since / NS_PER_SEC);
	*nsec = (uint32_t)(since % NS_PER_SEC);
}
