/*
 * The storage benchmarks' request patterns, shared by every side that is
 * timed against another: the host benchmarks (tests/bench/storage), the
 * parent's Measure-VHD cmdlet and the stortest guest's bench mode, so
 * that a child and its parent issue the very same offsets. Pure and
 * header-only (the guest links no storage/ library).
 *
 * Offsets are slot numbers: a request of LEN bytes at slot s covers
 * bytes [s * LEN, (s + 1) * LEN); a disk of SIZE bytes has SIZE / LEN
 * whole slots.
 */
#ifndef STORAGE_BENCH_PATTERN_H
#define STORAGE_BENCH_PATTERN_H

#include <stdint.h>

/* splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): one 64-bit state, every seed usable. */
static inline uint64_t bench_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* x mod n (n > 0) by shift and subtract: 32-bit guests (stortest) link
 * no libgcc, whose __umoddi3 a 64-bit % needs there. Same result as %. */
static inline uint64_t bench_mod64_bits(uint64_t x, uint64_t n)
{
	uint64_t r = 0;

	for (int b = 63; b >= 0; b--) {
		/* r < n before the shift; a bit carried out of r means
		 * r + 2^64 >= n, and the wrapped subtraction is exact. */
		uint64_t carry = r >> 63;

		r = (r << 1) | ((x >> b) & 1);
		if (carry || r >= n)
			r -= n;
	}
	return r;
}

static inline uint64_t bench_mod64(uint64_t x, uint64_t n)
{
#if defined(__x86_64__) || defined(__aarch64__)
	return x % n;
#else
	return bench_mod64_bits(x, n);
#endif
}

/* The random pattern's next slot of nslots (> 0). The modulo's bias is
 * below nslots / 2^64: irrelevant to a benchmark. */
static inline uint64_t bench_pat_random(uint64_t *state, uint64_t nslots)
{
	return bench_mod64(bench_rng_next(state), nslots);
}

/* The sequential pattern's i-th slot, wrapping at the end of the disk. */
static inline uint64_t bench_pat_seq(uint64_t i, uint64_t nslots)
{
	return bench_mod64(i, nslots);
}

/* The byte offset after off in `qemu-img bench`'s strided walk: it adds
 * the step and wraps modulo the image size (qemu-img.c bench_cb as of
 * QEMU 7.2; later versions wrap modulo size - buffer size). With size a
 * and step multiples of the request's length, every request stays whole
 * and aligned under either rule. */
static inline uint64_t bench_pat_stride(uint64_t off, uint64_t step, uint64_t size)
{
	return size ? bench_mod64(off + step, size) : 0;
}

#endif
