/*
 * Partition reference time (Hyper-V TLFS timers.md "Reference Counter",
 * "Partition Reference Time Enlightenment"): 100 ns units since the
 * partition was created, computed from the guest's TSC as
 *     time = ((tsc * scale) >> 64) + offset
 * for both TIME_REF_COUNT and the reference TSC page, so the two never
 * disagree (KVM arch/x86/kvm/hyperv.c get_time_ref_counter uses the
 * page's formula too). Pure integer code: the 128-bit products and
 * quotients are done in 64-bit halves, so hv needs neither SSE nor
 * libgcc's 128-bit division.
 */
#ifndef HV_SYNIC_REFTIME_H
#define HV_SYNIC_REFTIME_H
#include <stdbool.h>
#include <stdint.h>
#include <hv/abi/tlfs.h>

struct reftime {
	uint64_t scale;              /* floor(2^64 * 10^7 / tsc_hz) */
	int64_t offset;
};

/* High 64 bits of a * b. */
uint64_t reftime_mul_hi(uint64_t a, uint64_t b);
/* floor((hi:lo) / d) into *q, *rem (may be NULL): 0, or -ERANGE when the
 * quotient does not fit 64 bits (hi >= d, which includes d == 0). */
int reftime_div128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *rem);
/* Scale for a TSC of tsc_hz; 0 if tsc_hz <= 10 MHz (the scale would not
 * fit 64 bits). */
uint64_t reftime_scale(uint64_t tsc_hz);
/* Reference time ref0 at guest TSC tsc0 (0 at partition creation):
 * 0, or -EINVAL for an unusable frequency. */
int reftime_init(struct reftime *r, uint64_t tsc_hz, uint64_t tsc0, uint64_t ref0);
/* TIME_REF_COUNT at guest TSC value tsc. */
uint64_t reftime_read(const struct reftime *r, uint64_t tsc);
/* The first guest TSC value at which the reference time is >= ref (for
 * arming a timer: never early, TLFS "Synthetic Timers"): 0 and *tsc, or
 * -ERANGE if that TSC would not fit 64 bits. */
int reftime_to_tsc(const struct reftime *r, uint64_t ref, uint64_t *tsc);
/* The sequence number after seq: +1, skipping 0 (invalid) and
 * 0xFFFFFFFF (KVM kvm_hv_setup_tsc_page never publishes it either). */
uint32_t reftime_next_seq(uint32_t seq);
/* Publish r in the guest's reference TSC page: sequence 0, scale and
 * offset, then the sequence after prev_seq (hv keeps it: the page is
 * guest-writable); with valid false the page stays at sequence 0 and the
 * guest falls back to TIME_REF_COUNT. Returns the sequence written. */
uint32_t reftime_publish(struct hv_ref_tsc_page *pg, const struct reftime *r,
			 uint32_t prev_seq, bool valid);
#endif
