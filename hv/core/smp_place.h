/*
 * Where a new child vCPU runs (hv/core/smp_run.c, smp_place), and which
 * one moves when the loads drift apart (smp_balance, by counts;
 * smp_balance_load, by time used): portable, so that the host tests it
 * (tests/unit/hv/test_smp_place.c).
 */
#ifndef HV_CORE_SMP_PLACE_H
#define HV_CORE_SMP_PLACE_H
#include <stdbool.h>
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

/* ---- by load (hv/core/smp_run.c, smp_balance_load) ----
 * Counts of vCPUs even the loads only where every vCPU wants the CPU
 * alike: two spinners placed on one AP beside an AP whose vCPUs halt
 * share one CPU while the other idles. So hv also looks at the time each
 * vCPU spent in the guest over an interval. */
struct smp_use {
	uint32_t cpu;      /* where it runs */
	uint64_t ticks;    /* in the guest, this interval */
	bool settling;     /* moved lately, or claimed: counted, not moved */
};

/* An AP is saturated when its vCPUs used 7/8 of the interval; a vCPU is
 * busy at 1/16 of it (below that a move gains nothing and costs its
 * cached translations). */
#define SMP_SATURATED(iv) ((iv) - (iv) / 8)
#define SMP_BUSY(iv)      ((iv) / 16)

/* Each AP's time used (capped at the interval) and busy vCPUs. */
static inline void smp_sum_use(const struct smp_use *use, uint32_t nuse, uint32_t n,
			       uint64_t interval, uint64_t *sum, uint32_t *busy)
{
	for (uint32_t k = 0; k < nuse; k++) {
		uint32_t c = use[k].cpu;

		if (c >= n)
			continue;
		sum[c] += use[k].ticks;
		busy[c] += use[k].ticks >= SMP_BUSY(interval);
	}
	for (uint32_t i = 0; i < n; i++)
		if (sum[i] > interval)
			sum[i] = interval;
}

/* The saturated AP with two busy vCPUs or more that used the most time
 * (the lowest on a tie); 0 if none. */
static inline uint32_t smp_pick_crowded(const uint64_t *sum, const uint32_t *busy, uint32_t online,
					uint32_t n, uint64_t interval)
{
	uint32_t from = 0;

	for (uint32_t i = 1; i < n; i++)
		if ((online >> i & 1) && busy[i] >= 2 && sum[i] >= SMP_SATURATED(interval) &&
		    (!from || sum[i] > sum[from]))
			from = i;
	return from;
}

/* The AP with the most idle time (the lowest on a tie); 0 if none. */
static inline uint32_t smp_pick_idlest(const uint64_t *sum, uint32_t online, uint32_t n,
				       uint32_t not)
{
	uint32_t to = 0;

	for (uint32_t i = 1; i < n; i++)
		if ((online >> i & 1) && i != not && (!to || sum[i] < sum[to]))
			to = i;
	return to;
}

/* A move by load: from the crowded AP, its busiest vCPU whose time fits
 * in the idle time of the idlest AP, to that AP. The index in use of the
 * vCPU, with *to; -1 when no move helps. Only a vCPU whose time fits:
 * the AP it goes to is then not crowded by what it was seen to use, so
 * it does not send one back. A vCPU still settling (the caller's rule)
 * stays, so that a guest whose load swings cannot keep one moving. */
static inline int smp_pick_busy_move(const struct smp_use *use, uint32_t nuse, uint32_t online,
				     uint32_t n, uint64_t interval, uint32_t *to)
{
	uint64_t sum[32] = { 0 }, idle;
	uint32_t busy[32] = { 0 }, from;
	int best = -1;

	n = n < 32 ? n : 32;
	if (!interval)
		return -1;
	smp_sum_use(use, nuse, n, interval, sum, busy);
	from = smp_pick_crowded(sum, busy, online, n, interval);
	*to = smp_pick_idlest(sum, online, n, from);
	if (!from || !*to)
		return -1;
	idle = interval - sum[*to];
	for (uint32_t k = 0; k < nuse; k++)
		if (use[k].cpu == from && !use[k].settling && use[k].ticks >= SMP_BUSY(interval) &&
		    use[k].ticks <= idle && (best < 0 || use[k].ticks > use[best].ticks))
			best = (int)k;
	return best;
}
#endif
