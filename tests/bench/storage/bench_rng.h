/* The storage benchmarks' one pseudo-random sequence (splitmix64), so
 * that every tool timed on a pattern draws the same offsets. */
#ifndef TESTS_BENCH_STORAGE_BENCH_RNG_H
#define TESTS_BENCH_STORAGE_BENCH_RNG_H

#include <stdint.h>

static inline uint64_t bench_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

#endif
