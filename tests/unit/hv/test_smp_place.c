/* Placement of child vCPUs on the application processors
 * (hv/core/smp_place.h): the least loaded AP, the lowest on a tie, never
 * the boot CPU while an AP is online, never an offline one; and a run of
 * placements and removals keeps the loads within one of each other; the
 * moves that even the loads after a removal (smp_pick_move); and the
 * moves by time used (smp_pick_busy_move). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "hv/core/smp_place.h"

static void test_pick(void **state)
{
	uint32_t homed[8] = { 0 };

	(void)state;
	assert_int_equal(smp_pick_cpu(homed, 0x1, 1), 0);     /* the boot CPU alone */
	assert_int_equal(smp_pick_cpu(homed, 0x1, 8), 0);     /* no AP online */
	assert_int_equal(smp_pick_cpu(homed, 0xf, 4), 1);     /* lowest on a tie */
	homed[1] = 2;
	homed[2] = 1;
	homed[3] = 1;
	assert_int_equal(smp_pick_cpu(homed, 0xf, 4), 2);
	assert_int_equal(smp_pick_cpu(homed, 0xb, 4), 3);     /* CPU 2 offline */
	assert_int_equal(smp_pick_cpu(homed, 0x3, 4), 1);     /* only CPU 1 */
	homed[0] = 0;
	assert_int_equal(smp_pick_cpu(homed, 0xff, 2), 1);    /* n bounds the search */
}

static void spread(uint32_t *homed, uint32_t n)
{
	uint32_t lo = ~0u, hi = 0;

	for (uint32_t i = 1; i < n; i++) {
		lo = homed[i] < lo ? homed[i] : lo;
		hi = homed[i] > hi ? homed[i] : hi;
	}
	assert_true(hi - lo <= 1);
	assert_int_equal(homed[0], 0);
}

/* 64 placements on 3 APs, then every third removed and 20 placed again:
 * the loads stay within one, the boot CPU gets none. */
static void test_balance(void **state)
{
	uint32_t homed[4] = { 0 }, where[84], n = 0;

	(void)state;
	for (; n < 64; n++) {
		where[n] = smp_pick_cpu(homed, 0xf, 4);
		homed[where[n]]++;
		spread(homed, 4);
	}
	for (uint32_t i = 0; i < 64; i += 3)
		homed[where[i]]--;
	for (; n < 84; n++) {
		where[n] = smp_pick_cpu(homed, 0xf, 4);
		homed[where[n]]++;
	}
	spread(homed, 4);
}

static void test_pick_move(void **state)
{
	uint32_t homed[4] = { 0, 2, 1, 1 }, to = 99;

	(void)state;
	assert_int_equal(smp_pick_move(homed, 0xf, 4, &to), 0);   /* within one */
	homed[1] = 3;
	assert_int_equal(smp_pick_move(homed, 0xf, 4, &to), 1);
	assert_int_equal(to, 2);
	homed[3] = 0;
	assert_int_equal(smp_pick_move(homed, 0xf, 4, &to), 1);
	assert_int_equal(to, 3);
	assert_int_equal(smp_pick_move(homed, 0x7, 4, &to), 1);   /* CPU 3 offline */
	assert_int_equal(to, 2);
	homed[2] = 3;
	assert_int_equal(smp_pick_move(homed, 0xf, 4, &to), 2);   /* the highest on a tie */
	assert_int_equal(to, 3);
	assert_int_equal(smp_pick_move(homed, 0x3, 4, &to), 0);   /* one AP: nowhere to go */
	homed[0] = 9;
	assert_int_equal(smp_pick_move(homed, 0x1, 4, &to), 0);   /* the boot CPU alone */
}

/* Placements and removals at random, each removal followed by the
 * moves smp_balance makes: the loads are always within one, no move
 * goes to or from the boot CPU, and the vCPUs are all still counted. */
static void test_moves_keep_spread(void **state)
{
	uint32_t homed[5] = { 0 }, where[64], n = 0, seed = 7, to, from;

	(void)state;
	for (int step = 0; step < 2000; step++) {
		seed = seed * 1103515245u + 12345u;
		if (n < 64 && (n == 0 || (seed >> 16) % 3)) {
			where[n] = smp_pick_cpu(homed, 0x1f, 5);
			homed[where[n++]]++;
		} else {
			uint32_t k = (seed >> 8) % n;
			homed[where[k]]--;
			where[k] = where[--n];
			while ((from = smp_pick_move(homed, 0x1f, 5, &to)) != 0) {
				assert_true(to != 0 && to != from);
				for (uint32_t i = 0; i < n; i++)
					if (where[i] == from) {
						where[i] = to;
						break;
					}
				homed[from]--;
				homed[to]++;
			}
		}
		spread(homed, 5);
		assert_int_equal(homed[1] + homed[2] + homed[3] + homed[4], n);
	}
}

/* Loads in thousandths of an interval of 1000 ticks. */
#define IV 1000

static int busy_move(const struct smp_use *u, uint32_t n, uint32_t *to)
{
	return smp_pick_busy_move(u, n, 0xf, 4, IV, to);
}

/* Two spinners placed on CPU 1 share it while CPU 2's vCPU halts and
 * CPU 3 has one spinner: a spinner goes to CPU 2, the idlest. */
static void test_busy_move_crowded(void **state)
{
	struct smp_use u[] = { { 1, 500, false }, { 1, 499, false }, { 2, 3, false }, { 3, 1000, false } };
	uint32_t to = 99;

	(void)state;
	assert_int_equal(busy_move(u, 4, &to), 0);
	assert_int_equal(to, 2);
	u[0].settling = true;                       /* moved lately: the other one */
	assert_int_equal(busy_move(u, 4, &to), 1);
	u[1].settling = true;
	assert_int_equal(busy_move(u, 4, &to), -1);
	u[0].settling = u[1].settling = false;
	assert_int_equal(smp_pick_busy_move(u, 4, 0xb, 4, IV, &to), -1);   /* CPU 2 offline: 3 is busy */
	assert_int_equal(smp_pick_busy_move(u, 4, 0x3, 4, IV, &to), -1);   /* one AP */
	assert_int_equal(smp_pick_busy_move(u, 4, 0xf, 4, 0, &to), -1);    /* no interval yet */
}

/* After that move nothing moves again: each AP has one busy vCPU. */
static void test_busy_move_settled(void **state)
{
	struct smp_use u[] = { { 1, 1000, false }, { 2, 990, false }, { 2, 3, false }, { 3, 1000, false } };
	uint32_t to;

	(void)state;
	assert_int_equal(busy_move(u, 4, &to), -1);
}

/* No move: one spinner alone (nothing to share); three spinners on CPU 1
 * beside busy CPUs (no idle time anywhere: moves by time used even the
 * CPUs' use, not the spinners' shares); a spinner beside vCPUs that
 * barely run; a CPU not saturated. */
static void test_busy_move_none(void **state)
{
	struct smp_use alone[] = { { 1, 1000, false }, { 2, 0, false } };
	struct smp_use full[] = { { 1, 333, false }, { 1, 333, false }, { 1, 333, false },
				  { 2, 1000, false }, { 3, 1000, false } };
	struct smp_use light[] = { { 1, 40, false }, { 1, 40, false }, { 1, 900, false } };
	struct smp_use half[] = { { 1, 400, false }, { 1, 400, false } };
	uint32_t to;

	(void)state;
	assert_int_equal(busy_move(alone, 2, &to), -1);
	assert_int_equal(busy_move(full, 5, &to), -1);
	assert_int_equal(busy_move(light, 3, &to), -1);   /* the 40s are under 1/16: one busy */
	assert_int_equal(busy_move(half, 2, &to), -1);    /* 800 of 1000: CPU 1 has time */
}

/* The busiest vCPU that fits goes: not one that would crowd the idlest
 * AP (CPU 3 has 400 ticks idle), and a CPU out of range or the boot CPU
 * is never a source. */
static void test_busy_move_fit(void **state)
{
	struct smp_use u[] = { { 1, 450, false }, { 1, 300, false }, { 1, 250, false },
			       { 2, 1000, false }, { 3, 600, false }, { 40, 5000, false },
			       { 0, 1000, false }, { 0, 1000, false } };
	uint32_t to;

	(void)state;
	assert_int_equal(busy_move(u, 8, &to), 1);
	assert_int_equal(to, 3);
	u[4].ticks = 900;                 /* 100 idle: nothing fits */
	assert_int_equal(busy_move(u, 8, &to), -1);
}

/* A crowded AP's vCPUs spread one move an interval until each AP has
 * its share: six spinners on CPU 1 of four, CPUs 2 and 3 idle. */
static void test_busy_move_spreads(void **state)
{
	struct smp_use u[6];
	uint32_t to, on[4];
	int k, moves = 0;

	(void)state;
	for (int i = 0; i < 6; i++)
		u[i] = (struct smp_use){ 1, 0, false };
	for (;;) {
		for (int c = 0; c < 4; c++)
			on[c] = 0;
		for (int i = 0; i < 6; i++)
			on[u[i].cpu]++;
		for (int i = 0; i < 6; i++)          /* spinners share their CPU evenly */
			u[i].ticks = IV / on[u[i].cpu];
		if ((k = busy_move(u, 6, &to)) < 0)
			break;
		u[k].cpu = to;
		assert_true(++moves <= 4);
	}
	assert_int_equal(on[0], 0);
	assert_true(on[1] >= 1 && on[2] >= 1 && on[3] >= 1);
	assert_true(on[1] <= 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_balance),
		cmocka_unit_test(test_pick_move),
		cmocka_unit_test(test_moves_keep_spread),
		cmocka_unit_test(test_busy_move_crowded),
		cmocka_unit_test(test_busy_move_settled),
		cmocka_unit_test(test_busy_move_none),
		cmocka_unit_test(test_busy_move_fit),
		cmocka_unit_test(test_busy_move_spreads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
