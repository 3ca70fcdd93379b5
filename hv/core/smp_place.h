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
	bool settling;     /* started or moved lately, or claimed: counted, not moved */
};

/* An AP is saturated when its vCPUs used 7/8 of the interval; a vCPU is
 * busy at 1/16 of it (below that a move gains nothing and costs its
 * cached translations). */
#define SMP_SATURATED(iv) ((iv) - (iv) / 8)
#define SMP_BUSY(iv)      ((iv) / 16)

/* Each CPU's time used (capped at the interval) and busy vCPUs. The
 * boot CPU's time includes the parent's (boot, when children may run
 * there), which is never a busy vCPU: it cannot move. */
static inline void smp_sum_use(const struct smp_use *use, uint32_t nuse, uint32_t n,
			       uint64_t interval, uint64_t boot, uint64_t *sum, uint32_t *busy)
{
	sum[0] = boot;
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

/* The AP with the most idle time (the lowest on a tie), not not; 0 if
 * none. */
static inline uint32_t smp_pick_idlest(const uint64_t *sum, uint32_t online, uint32_t n,
				       uint32_t not)
{
	uint32_t to = 0;

	for (uint32_t i = 1; i < n; i++)
		if ((online >> i & 1) && i != not && (!to || sum[i] < sum[to]))
			to = i;
	return to;
}

/* On CPU from, the busiest vCPU not settling whose time fits in idle
 * ticks; -1 if none. */
static inline int smp_pick_fitting(const struct smp_use *use, uint32_t nuse, uint32_t from,
				   uint64_t idle, uint64_t interval)
{
	int best = -1;

	for (uint32_t k = 0; k < nuse; k++)
		if (use[k].cpu == from && !use[k].settling && use[k].ticks >= SMP_BUSY(interval) &&
		    use[k].ticks <= idle && (best < 0 || use[k].ticks > use[best].ticks))
			best = (int)k;
	return best;
}

/* Where the boot CPU may take children (boot_busy not NULL: the parent's
 * time there this interval), in this order:
 * - from the crowded AP to the idlest AP, if one fits there;
 * - else from the crowded AP to the boot CPU, if one fits in what the
 *   parent and the children there left idle;
 * - else a busy child on the boot CPU goes back to the idlest AP if it
 *   fits there without saturating it (so that AP is not crowded by it
 *   and sends nothing back): the parent's CPU is the last choice, as
 *   each of the parent's interrupts ends the turn of a child there. */
static inline int smp_pick_boot_move(const struct smp_use *use, uint32_t nuse, uint32_t from,
				     const uint64_t *sum, uint64_t interval, uint32_t idlest,
				     uint32_t *to)
{
	int k;

	if (from && (k = smp_pick_fitting(use, nuse, from, interval - sum[0], interval)) >= 0) {
		*to = 0;
		return k;
	}
	if (idlest && sum[idlest] < SMP_SATURATED(interval) &&
	    (k = smp_pick_fitting(use, nuse, 0, SMP_SATURATED(interval) - sum[idlest], interval)) >= 0) {
		*to = idlest;
		return k;
	}
	return -1;
}

/* A move by load: from the crowded AP, its busiest vCPU whose time fits
 * in the idle time of the idlest AP, to that AP. The index in use of the
 * vCPU, with *to; -1 when no move helps. Only a vCPU whose time fits:
 * the CPU it goes to is then not crowded by what it was seen to use, so
 * it does not send one back. A vCPU still settling (the caller's rule)
 * stays, so that a guest whose load swings cannot keep one moving. With
 * boot_busy, the boot CPU takes part (smp_pick_boot_move). */
static inline int smp_pick_busy_move(const struct smp_use *use, uint32_t nuse, uint32_t online,
				     uint32_t n, uint64_t interval, const uint64_t *boot_busy,
				     uint32_t *to)
{
	uint64_t sum[32] = { 0 };
	uint32_t busy[32] = { 0 }, from, idlest;
	int k;

	n = n < 32 ? n : 32;
	if (!interval)
		return -1;
	smp_sum_use(use, nuse, n, interval, boot_busy ? *boot_busy : 0, sum, busy);
	from = smp_pick_crowded(sum, busy, online, n, interval);
	idlest = smp_pick_idlest(sum, online, n, from);
	*to = idlest;
	if (from && idlest && (k = smp_pick_fitting(use, nuse, from, interval - sum[idlest], interval)) >= 0)
		return k;
	if (!boot_busy || !(online & 1))
		return -1;
	return smp_pick_boot_move(use, nuse, from, sum, interval, smp_pick_idlest(sum, online, n, 0), to);
}
#endif
