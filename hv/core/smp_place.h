/*
 * Where a new child vCPU runs (hv/core/smp_run.c, smp_place), and which
 * one moves when the loads drift apart (smp_balance): portable, so that
 * the host tests it (tests/unit/hv/test_smp_place.c).
 */
#ifndef HV_CORE_SMP_PLACE_H
#define HV_CORE_SMP_PLACE_H
#include <stdint.h>

/* Among the application processors 1..n-1 online (bit i of online), the
 * one with the fewest child vCPUs placed (homed[i]), the lowest on a tie;
 * 0 (the boot CPU) when there is none. */
static inline uint32_t smp_pick_cpu(const uint32_t *homed, uint32_t online, uint32_t n)
{
	uint32_t best = 0;

	for (uint32_t i = 1; i < n && i < 32; i++)
		if ((online >> i & 1) && (!best || homed[i] < homed[best]))
			best = i;
	return best;
}

/* A move that evens the loads (hv/core/smp_run.c, smp_balance): the AP
 * with the most child vCPUs placed (the highest on a tie), with *to the
 * one with the fewest (smp_pick_cpu); 0 when they differ by less than
 * two, where a move would only swap which one has more. */
static inline uint32_t smp_pick_move(const uint32_t *homed, uint32_t online, uint32_t n,
				     uint32_t *to)
{
	uint32_t most = 0;

	*to = smp_pick_cpu(homed, online, n);
	for (uint32_t i = 1; i < n && i < 32; i++)
		if ((online >> i & 1) && (!most || homed[i] >= homed[most]))
			most = i;
	if (!most || !*to || homed[most] < homed[*to] + 2)
		return 0;
	return most;
}
#endif
