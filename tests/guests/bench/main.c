/*
 * bench: figures for tests/bench/children. Prints the TSC of the
 * kernel's first instruction and the TSC ticks a fixed CPU-bound loop
 * takes; run once as a child partition and once bare (booted by GRUB as
 * the machine's kernel) to compare. Options: loops=N (default 20000000).
 */
#include "guest.h"

static uint64_t rdtsc64(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Integer work the compiler cannot fold away. */
static uint32_t spin_loop(uint32_t n)
{
	uint32_t x = 1;

	for (uint32_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

void guest_main(void)
{
	uint32_t loops = guest_get_arg_u32("loops", 20000000);
	uint64_t t0, t1;
	uint32_t x;

	guest_printf("bench: entry_tsc=%llu\n", (unsigned long long)guest_entry_tsc);
	t0 = rdtsc64();
	x = spin_loop(loops);
	t1 = rdtsc64();
	guest_printf("bench: loop_ticks=%llu check=%x\n", (unsigned long long)(t1 - t0), x);
	guest_pass("bench");
}
