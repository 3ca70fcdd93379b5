/*
 * What lwIP asks of its port in the parent (lwIP 2.1's
 * src/include/lwip/sys.h and arch.h): the millisecond clock its timers
 * run on (NO_SYS: sys_now only), an assertion stop and random numbers.
 */
#include <stdint.h>
#include <stdio.h>
#include "lwip/sys.h"
#include "partition/clock.h"
#include "partition/net/pnet.h"

u32_t sys_now(void)
{
	return (u32_t)(clock_monotonic_ns() / 1000000u);
}

/* An lwIP invariant broke: the parent stops here rather than run on with
 * the stack's state undefined; hv and the children keep their own. */
void pnet_platform_assert(const char *msg, const char *file, int line)
{
	printf("parent: lwIP assertion \"%s\" failed at %s:%d; halting the parent.\n", msg, file, line);
	fflush(stdout);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* DHCP transaction IDs and IP identification: unpredictable enough from
 * the time-stamp counter mixed through a xorshift (no secrets ride on
 * it; lwIP's own ports use rand()). */
uint32_t pnet_platform_rand(void)
{
	static uint64_t s;
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	s ^= ((uint64_t)hi << 32 | lo) + 0x9E3779B97F4A7C15ull;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s >> 16);
}
