/* Placement of child vCPUs on the application processors
 * (hv/core/smp_place.h): the least loaded AP, the lowest on a tie, never
 * the boot CPU while an AP is online, never an offline one; and a run of
 * placements and removals keeps the loads within one of each other; the
 * moves that even the loads after a removal (smp_pick_move). */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_balance),
		cmocka_unit_test(test_pick_move),
		cmocka_unit_test(test_moves_keep_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
