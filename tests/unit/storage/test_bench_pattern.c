/* Unit tests for storage/bench_pattern.h, the offsets every storage
 * benchmark side draws: splitmix64 against its published first outputs
 * for seed 0 (Vigna's reference splitmix64.c), the 32-bit guests' modulo
 * against the compiler's, random slots in range and
 * repeatable from a seed, the sequential walk's wrap, and the qemu-img
 * bench stride walk (QEMU 7.2 qemu-img.c bench_cb: + step, modulo size). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "storage/bench_pattern.h"

static void test_rng_reference(void **state)
{
	uint64_t s = 0;

	(void)state;
	assert_true(bench_rng_next(&s) == 0xE220A8397B1DCDAFull);
	assert_true(bench_rng_next(&s) == 0x6E789E6AA1B965F4ull);
	assert_true(bench_rng_next(&s) == 0x06C45D188009454Full);
}

/* The shift-and-subtract modulo (the 32-bit guests') against %, on edge
 * values and a pseudo-random spread, including divisors above 2^63. */
static void test_mod64_bits_matches(void **state)
{
	static const uint64_t edge[] = { 0, 1, 2, 3, 4095, 4096, 0xFFFFFFFFull, 1ull << 32,
					 (1ull << 63) - 1, 1ull << 63, (1ull << 63) + 1, ~0ull };
	uint64_t s = 99;

	(void)state;
	for (unsigned i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (unsigned j = 0; j < sizeof(edge) / sizeof(edge[0]); j++)
			if (edge[j])
				assert_true(bench_mod64_bits(edge[i], edge[j]) == edge[i] % edge[j]);
	for (int i = 0; i < 100000; i++) {
		uint64_t x = bench_rng_next(&s), n = bench_rng_next(&s) >> (i % 64);

		if (n)
			assert_true(bench_mod64_bits(x, n) == x % n);
	}
}

static void test_random_in_range_and_repeatable(void **state)
{
	uint64_t a = 42, b = 42, c = 43, hits[16] = { 0 };
	int differ = 0;

	(void)state;
	for (int i = 0; i < 4000; i++) {
		uint64_t x = bench_pat_random(&a, 16), y = bench_pat_random(&b, 16);

		assert_true(x < 16);
		assert_true(x == y);
		differ |= bench_pat_random(&c, 16) != x;
		hits[x]++;
	}
	assert_true(differ);              /* another seed, another walk */
	for (int i = 0; i < 16; i++)      /* ~250 each: none starved */
		assert_true(hits[i] > 150 && hits[i] < 350);
	a = 7;
	assert_true(bench_pat_random(&a, 1) == 0);
}

static void test_seq_wraps(void **state)
{
	(void)state;
	assert_true(bench_pat_seq(0, 64) == 0);
	assert_true(bench_pat_seq(63, 64) == 63);
	assert_true(bench_pat_seq(64, 64) == 0);
	assert_true(bench_pat_seq(130, 64) == 2);
}

static void test_stride_visits_every_slot(void **state)
{
	const uint64_t size = 256ull << 20, step = 12345ull * 4096, n = size / 4096;
	uint8_t *seen = calloc(n, 1);
	uint64_t off = 0;

	(void)state;
	assert_non_null(seen);
	for (uint64_t i = 0; i < n; i++) {
		assert_true(off % 4096 == 0 && off + 4096 <= size);
		assert_false(seen[off / 4096]);   /* an odd step: no repeat */
		seen[off / 4096] = 1;
		off = bench_pat_stride(off, step, size);
	}
	assert_true(off == 0);                    /* back at the start */
	free(seen);
	assert_true(bench_pat_stride(3u << 20, 1u << 20, 4u << 20) == 0);
	assert_true(bench_pat_stride(5, 7, 0) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_reference),
		cmocka_unit_test(test_mod64_bits_matches),
		cmocka_unit_test(test_random_in_range_and_repeatable),
		cmocka_unit_test(test_seq_wraps),
		cmocka_unit_test(test_stride_visits_every_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
