/*
 * Partition reference time maths (TLFS timers.md); see reftime.h.
 */
#include <errno.h>
#include <stddef.h>
#include "reftime.h"

uint64_t reftime_mul_hi(uint64_t a, uint64_t b)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	/* Each term is below 2^32, so the middle column cannot overflow. */
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;

	return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* Restoring long division, one quotient bit per step. hi < d keeps the
 * running remainder below d; a bit shifted out of it (carry) means the
 * true remainder is at least 2^64 > d, and the 64-bit subtraction still
 * gives the right value modulo 2^64. */
int reftime_div128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *rem)
{
	uint64_t r = hi, quot = 0;

	if (hi >= d)
		return -ERANGE;
	for (int i = 63; i >= 0; i--) {
		uint64_t carry = r >> 63;

		r = (r << 1) | ((lo >> i) & 1);
		quot <<= 1;
		if (carry || r >= d) {
			r -= d;
			quot |= 1;
		}
	}
	*q = quot;
	if (rem)
		*rem = r;
	return 0;
}

/* scale = floor(2^64 * 10^7 / f): the TLFS formula's multiplier for 100 ns
 * units (KVM compute_tsc_page_parameters computes the same). */
uint64_t reftime_scale(uint64_t tsc_hz)
{
	uint64_t q;

	return reftime_div128(HV_REF_TIME_HZ, 0, tsc_hz, &q, NULL) ? 0 : q;
}

int reftime_init(struct reftime *r, uint64_t tsc_hz, uint64_t tsc0, uint64_t ref0)
{
	uint64_t scale = reftime_scale(tsc_hz);

	if (!scale)
		return -EINVAL;
	r->scale = scale;
	r->offset = (int64_t)(ref0 - reftime_mul_hi(tsc0, scale));
	return 0;
}

uint64_t reftime_read(const struct reftime *r, uint64_t tsc)
{
	return reftime_mul_hi(tsc, r->scale) + (uint64_t)r->offset;
}

/* floor(t * scale / 2^64) >= x exactly when t * scale >= x * 2^64, so the
 * first such t is the ceiling of x * 2^64 / scale. */
int reftime_to_tsc(const struct reftime *r, uint64_t ref, uint64_t *tsc)
{
	uint64_t x = ref - (uint64_t)r->offset, q, rem;

	if (reftime_div128(x, 0, r->scale, &q, &rem))
		return -ERANGE;
	if (rem && q == UINT64_MAX)
		return -ERANGE;
	*tsc = q + (rem != 0);
	return 0;
}

uint32_t reftime_next_seq(uint32_t seq)
{
	seq++;
	if (seq == 0 || seq == 0xffffffffu)
		seq = 1;
	return seq;
}

/*
 * The guest reads sequence, scale, offset, sequence and retries if the
 * two reads differ or fall back to TIME_REF_COUNT on 0 (TLFS "Partition
 * Reference TSC Mechanism"). The writer therefore makes 0 visible before
 * touching scale and offset, and the new sequence only after them, with
 * a store barrier at each step (KVM kvm_hv_setup_tsc_page: smp_wmb()).
 * Release fences order earlier stores before later ones; on x86 they
 * only stop the compiler, as stores are not reordered with other stores
 * (Intel SDM Vol. 3A §9.2.2).
 */
uint32_t reftime_publish(struct hv_ref_tsc_page *pg, const struct reftime *r,
			 uint32_t prev_seq, bool valid)
{
	uint32_t seq = reftime_next_seq(prev_seq);

	__atomic_store_n(&pg->tsc_sequence, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (!valid)
		return 0;
	__atomic_store_n(&pg->tsc_scale, r->scale, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->tsc_offset, r->offset, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&pg->tsc_sequence, seq, __ATOMIC_RELAXED);
	return seq;
}
