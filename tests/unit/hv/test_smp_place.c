/* Placement of child vCPUs on the application processors
 * (hv/core/smp_place.h): the least loaded AP, the lowest on a tie, never
 * the boot CPU while an AP is online, never an offline one; and a run of
 * placements and removals keeps the loads within one of each other. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_balance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
