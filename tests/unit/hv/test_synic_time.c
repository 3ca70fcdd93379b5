/* Host tests for reference time maths (hv/synic/reftime.c), checked
 * against the compiler's 128-bit arithmetic, and for the synthetic timers
 * (hv/synic/stimer.c and their delivery in synvp). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/abi/tlfs.h"
#include "hv/synic/reftime.h"
#include "hv/synic/stimer.h"
#include "fakesynic.h"

typedef unsigned __int128 u128;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random values biased to the edges: all ones, powers of two, small. */
static uint64_t rnd_edge(void)
{
	switch (rnd() % 4) {
	case 0: return ~0ull >> (rnd() % 64);
	case 1: return 1ull << (rnd() % 64);
	case 2: return rnd() % 1000;
	default: return rnd();
	}
}

static void test_mul_hi(void **st)
{
	(void)st;
	assert_int_equal(reftime_mul_hi(~0ull, ~0ull), ~0ull - 1);
	assert_int_equal(reftime_mul_hi(1ull << 63, 2), 1);
	assert_int_equal(reftime_mul_hi(0, ~0ull), 0);
	for (int i = 0; i < 200000; i++) {
		uint64_t a = rnd_edge(), b = rnd_edge();

		assert_int_equal(reftime_mul_hi(a, b), (uint64_t)(((u128)a * b) >> 64));
	}
}

static void test_div128(void **st)
{
	uint64_t q = 1, r = 1;

	(void)st;
	assert_int_equal(reftime_div128(5, 0, 5, &q, &r), -ERANGE);
	assert_int_equal(reftime_div128(0, 9, 0, &q, &r), -ERANGE);
	assert_int_equal(q, 1);
	assert_int_equal(reftime_div128(~0ull - 1, ~0ull, ~0ull, &q, &r), 0);
	assert_int_equal(q, ~0ull);
	assert_int_equal(r, ~0ull - 1);
	for (int i = 0; i < 200000; i++) {
		uint64_t d = rnd_edge() | 1, hi = rnd_edge() % d, lo = rnd_edge();
		u128 n = ((u128)hi << 64) | lo;

		assert_int_equal(reftime_div128(hi, lo, d, &q, &r), 0);
		assert_int_equal(q, (uint64_t)(n / d));
		assert_int_equal(r, (uint64_t)(n % d));
	}
}

static void test_scale_matches_int128(void **st)
{
	static const uint64_t hz[] = {
		10000001ull, 14318180ull, 1000000000ull, 2200000000ull,
		2999999999ull, 3600000000ull, 5000000000ull, 10000000000ull, ~0ull,
	};

	(void)st;
	assert_int_equal(reftime_scale(0), 0);
	assert_int_equal(reftime_scale(1), 0);
	assert_int_equal(reftime_scale(10000000ull), 0);   /* 2^64: does not fit */
	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++)
		assert_int_equal(reftime_scale(hz[i]),
				 (uint64_t)(((u128)HV_REF_TIME_HZ << 64) / hz[i]));
	for (int i = 0; i < 100000; i++) {
		uint64_t f = 10000001ull + rnd() % 20000000000ull;

		assert_int_equal(reftime_scale(f), (uint64_t)(((u128)HV_REF_TIME_HZ << 64) / f));
	}
}

static void test_read_and_init(void **st)
{
	struct reftime r;
	uint64_t hz = 2500000000ull, tsc0 = 123456789012345ull, prev;

	(void)st;
	assert_int_equal(reftime_init(&r, 9999999, 0, 0), -EINVAL);
	assert_int_equal(reftime_init(&r, hz, tsc0, 0), 0);
	/* Zero at creation; one second of ticks is 10^7 units (+-1 from flooring). */
	assert_int_equal(reftime_read(&r, tsc0), 0);
	int64_t one_s = (int64_t)reftime_read(&r, tsc0 + hz);
	assert_true(one_s >= 10000000 - 1 && one_s <= 10000000);
	/* The TLFS formula exactly, and monotonic. */
	prev = 0;
	for (int i = 0; i < 100000; i++) {
		uint64_t t = tsc0 + (rnd() >> 8);
		uint64_t want = (uint64_t)(((u128)t * r.scale) >> 64) + (uint64_t)r.offset;

		assert_int_equal(reftime_read(&r, t), want);
	}
	for (uint64_t t = tsc0; t < tsc0 + 1000000; t += 997) {
		uint64_t v = reftime_read(&r, t);

		assert_true(v >= prev);
		prev = v;
	}
	/* A later restart keeps the time: ref0 at tsc1. */
	assert_int_equal(reftime_init(&r, hz, 5000, 777), 0);
	assert_int_equal(reftime_read(&r, 5000), 777);
}

static void test_to_tsc_never_early(void **st)
{
	struct reftime r;

	(void)st;
	for (int k = 0; k < 4; k++) {
		uint64_t hz = 10000001ull + rnd() % 5000000000ull, t;

		assert_int_equal(reftime_init(&r, hz, rnd() >> 4, rnd() >> 20), 0);
		for (int i = 0; i < 20000; i++) {
			uint64_t ref = reftime_read(&r, rnd() >> 4) + rnd() % 100000;

			assert_int_equal(reftime_to_tsc(&r, ref, &t), 0);
			assert_true(reftime_read(&r, t) >= ref);
			assert_true(reftime_read(&r, t - 1) < ref);
		}
	}
	/* Beyond the TSC's range. */
	assert_int_equal(reftime_init(&r, 20000000ull, 0, 0), 0);
	uint64_t t;
	assert_int_equal(reftime_to_tsc(&r, ~0ull, &t), -ERANGE);
}

static void test_sequence_and_publish(void **st)
{
	struct hv_ref_tsc_page *pg = calloc(1, sizeof(*pg));
	struct reftime r;

	(void)st;
	assert_non_null(pg);
	assert_int_equal(reftime_next_seq(0), 1);
	assert_int_equal(reftime_next_seq(5), 6);
	assert_int_equal(reftime_next_seq(0xfffffffeu), 1);
	assert_int_equal(reftime_next_seq(0xffffffffu), 1);
	assert_int_equal(reftime_init(&r, 3000000000ull, 1000, 0), 0);
	pg->tsc_sequence = 0xffffffff;   /* a guest scribble is not trusted */
	assert_int_equal(reftime_publish(pg, &r, 7, true), 8);
	assert_int_equal(pg->tsc_sequence, 8);
	assert_int_equal(pg->tsc_scale, r.scale);
	assert_int_equal(pg->tsc_offset, r.offset);
	/* Invalid (e.g. an unstable TSC): sequence 0, the guest reads the MSR. */
	assert_int_equal(reftime_publish(pg, &r, 8, false), 0);
	assert_int_equal(pg->tsc_sequence, 0);
	free(pg);
}

/* ---- synthetic timer registers ---- */

#define CFG(sint, vec) (((uint64_t)(sint) << 16) | ((uint64_t)(vec) << 4))

static void test_stimer_config_rules(void **st)
{
	struct stimer t = { 0 };

	(void)st;
	/* RsvdZ bits #GP. */
	assert_int_equal(stimer_write_config(&t, 1ull << 13, true, 0), -EINVAL);
	assert_int_equal(stimer_write_config(&t, 1ull << 20, true, 0), -EINVAL);
	assert_int_equal(stimer_write_config(&t, 1ull << 63, true, 0), -EINVAL);
	/* Direct mode: only when offered, and with a valid vector. */
	assert_int_equal(stimer_write_config(&t, HV_STIMER_DIRECT | CFG(0, 0xed), false, 0), -EINVAL);
	assert_int_equal(stimer_write_config(&t, HV_STIMER_DIRECT | CFG(0, 15), true, 0), -EINVAL);
	assert_int_equal(t.config, 0);
	assert_int_equal(stimer_write_config(&t, HV_STIMER_DIRECT | CFG(0, 0xed) | 1, true, 0), 0);
	assert_true(t.config & HV_STIMER_ENABLE);   /* direct: SINTx 0 is fine */
	/* Message mode with SINTx 0: Enable cleared at once. */
	assert_int_equal(stimer_write_config(&t, CFG(0, 0) | HV_STIMER_ENABLE, true, 0), 0);
	assert_false(t.config & HV_STIMER_ENABLE);
	/* Lazy is accepted and kept. */
	assert_int_equal(stimer_write_config(&t, CFG(2, 0) | HV_STIMER_LAZY, false, 0), 0);
	assert_int_equal(t.config, CFG(2, 0) | HV_STIMER_LAZY);
}

static void test_stimer_count_rules(void **st)
{
	struct stimer t = { 0 };
	uint64_t exp;

	(void)st;
	/* AutoEnable: a nonzero count enables. */
	assert_int_equal(stimer_write_config(&t, CFG(2, 0) | HV_STIMER_AUTO_ENABLE, false, 0), 0);
	assert_false(stimer_is_due(&t, ~0ull >> 1));
	stimer_write_count(&t, 500, 100);
	assert_true(t.config & HV_STIMER_ENABLE);
	assert_false(stimer_is_due(&t, 499));
	assert_true(stimer_is_due(&t, 500));
	/* Zero disables, whatever AutoEnable says. */
	stimer_write_count(&t, 0, 100);
	assert_false(t.config & HV_STIMER_ENABLE);
	assert_false(stimer_is_due(&t, 1000));
	/* AutoEnable with SINTx 0 in message mode stays disabled. */
	assert_int_equal(stimer_write_config(&t, CFG(0, 0) | HV_STIMER_AUTO_ENABLE, false, 0), 0);
	stimer_write_count(&t, 500, 100);
	assert_false(t.config & HV_STIMER_ENABLE);
	/* Without AutoEnable: count first, then Enable. */
	assert_int_equal(stimer_write_config(&t, CFG(3, 0), false, 0), 0);
	stimer_write_count(&t, 50, 100);
	assert_false(stimer_is_due(&t, 1000));
	assert_int_equal(stimer_write_config(&t, CFG(3, 0) | 1, false, 100), 0);
	/* A one-shot in the past expires at once, then is disabled. */
	assert_true(stimer_is_due(&t, 100));
	stimer_expire(&t, 100, &exp);
	assert_int_equal(exp, 50);
	assert_false(t.config & HV_STIMER_ENABLE);
	assert_false(stimer_is_due(&t, 1000));
}

static void test_stimer_periodic_and_wrap(void **st)
{
	struct stimer t = { 0 };
	uint64_t exp;

	(void)st;
	stimer_write_count(&t, 100, 0);
	assert_int_equal(stimer_write_config(&t, CFG(1, 0) | HV_STIMER_PERIODIC | 1, false, 1000), 0);
	/* The first period starts when enabled. */
	assert_false(stimer_is_due(&t, 1099));
	assert_true(stimer_is_due(&t, 1100));
	stimer_expire(&t, 1100, &exp);
	assert_int_equal(exp, 1100);
	assert_true(t.config & HV_STIMER_ENABLE);
	assert_true(stimer_is_due(&t, 1200));
	/* Missed periods are skipped, not replayed. */
	stimer_expire(&t, 1750, &exp);
	assert_int_equal(exp, 1200);
	assert_false(stimer_is_due(&t, 1849));
	assert_true(stimer_is_due(&t, 1850));
	/* A one-shot across the wrap of the reference time. */
	assert_int_equal(stimer_write_config(&t, CFG(1, 0), false, 0), 0);
	stimer_write_count(&t, 10, ~0ull - 5);
	assert_int_equal(stimer_write_config(&t, CFG(1, 0) | 1, false, ~0ull - 5), 0);
	assert_false(stimer_is_due(&t, ~0ull - 5));
	assert_true(stimer_is_due(&t, 10));
}

/* A periodic COUNT of 2^63 or more once looked like the past after every
 * expiry, so the timer fired without end (found by fuzz_synic). */
static void test_stimer_huge_period(void **st)
{
	struct stimer t = { 0 };
	uint64_t exp;

	(void)st;
	stimer_write_count(&t, 0xf300005641b9557eull, 0);
	assert_int_equal(stimer_write_config(&t, CFG(1, 0) | HV_STIMER_PERIODIC | 1, false, 0), 0);
	assert_false(stimer_is_due(&t, 0));
	assert_false(stimer_is_due(&t, 1ull << 61));
	assert_true(stimer_is_due(&t, 1ull << 62));
	stimer_expire(&t, 1ull << 62, &exp);
	assert_false(stimer_is_due(&t, 1ull << 62));
	assert_true(stimer_is_due(&t, 1ull << 63));
}

static void test_stimer_message(void **st)
{
	struct hv_message m;
	struct hv_timer_message_payload p;

	(void)st;
	memset(&m, 0xcc, sizeof(m));
	stimer_fill_message(&m, 3, 0x1122334455667788ull);
	assert_int_equal(m.header.type, HV_MSG_TIMER_EXPIRED);
	assert_int_equal(m.header.payload_size, 24);
	assert_int_equal(m.header.flags, 0);
	assert_int_equal(m.header.origin, 0);
	memcpy(&p, m.payload, sizeof(p));
	assert_int_equal(p.timer_index, 3);
	assert_int_equal(p.reserved, 0);
	assert_int_equal(p.expiration_time, 0x1122334455667788ull);
}

/* ---- timers through the vCPU's SynIC ---- */

static struct fakevm vm;
static struct fakevcpu cpu;

static int setup(void **st)
{
	(void)st;
	fakevm_init(&vm);
	fakevcpu_init(&cpu, &vm, true);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	fakevm_fini(&vm);
	return 0;
}

static struct hv_timer_message_payload slot_payload(unsigned sint)
{
	struct hv_timer_message_payload p;

	memcpy(&p, fake_slot(&cpu, sint)->payload, sizeof(p));
	return p;
}

static void test_vp_timer_message(void **st)
{
	uint64_t due;

	(void)st;
	fake_enable(&cpu, 1, 2, 2, 0xf3);
	vm.now = 1000;
	assert_false(synvp_next_timer(&cpu.vp, vm.now, &due));
	/* Linux's pattern: one-shot, AutoEnable, COUNT = now + delta. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_STIMER0_CONFIG + 2,
				    CFG(2, 0) | HV_STIMER_AUTO_ENABLE), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_STIMER0_CONFIG + 3, 1500), 0);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_STIMER0_CONFIG + 2) & 1, 1);
	assert_true(synvp_next_timer(&cpu.vp, vm.now, &due));
	assert_int_equal(due, 1500);
	synvp_poll_timers(&cpu.vp, 1499);
	assert_int_equal(cpu.nraised, 0);
	vm.now = 1510;
	synvp_poll_timers(&cpu.vp, vm.now);
	assert_int_equal(fake_slot(&cpu, 2)->header.type, HV_MSG_TIMER_EXPIRED);
	assert_int_equal(slot_payload(2).timer_index, 1);
	assert_int_equal(slot_payload(2).expiration_time, 1500);
	assert_int_equal(slot_payload(2).delivery_time, 1510);
	assert_int_equal(cpu.nraised, 1);
	/* One-shot: disabled after firing. */
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_STIMER0_CONFIG + 2) & 1, 0);
	assert_false(synvp_next_timer(&cpu.vp, vm.now, &due));
}

static void test_vp_timer_waits_for_its_buffer(void **st)
{
	uint64_t due;

	(void)st;
	fake_enable(&cpu, 1, 2, 2, 0xf3);
	/* A guest message occupies the slot: the timer message queues. */
	fake_slot(&cpu, 2)->header.type = 1;
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_STIMER0_COUNT, 100), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_STIMER0_CONFIG,
				    CFG(2, 0) | HV_STIMER_PERIODIC | 1), 0);
	vm.now = 100;
	synvp_poll_timers(&cpu.vp, vm.now);
	assert_int_equal(synvp_count_queued(&cpu.vp, 2), 1);
	assert_int_equal(fake_slot(&cpu, 2)->header.flags, HV_MSG_FLAG_PENDING);
	/* Its next period comes: still one message, and the timer does not
	 * ask to be woken while it waits for the guest. */
	vm.now = 250;
	synvp_poll_timers(&cpu.vp, vm.now);
	assert_int_equal(synvp_count_queued(&cpu.vp, 2), 1);
	assert_false(synvp_next_timer(&cpu.vp, vm.now, &due));
	/* The guest's EOM delivers it and lets the timer fire again. */
	vm.now = 260;
	assert_true(fake_ack(&cpu, 2));
	assert_int_equal(slot_payload(2).expiration_time, 100);
	assert_int_equal(slot_payload(2).delivery_time, 260);
	assert_int_equal(synvp_count_queued(&cpu.vp, 2), 1);
	assert_true(fake_ack(&cpu, 2));
	assert_int_equal(slot_payload(2).expiration_time, 200);
	assert_true(synvp_next_timer(&cpu.vp, vm.now, &due));
	assert_int_equal(due, 300);
}

static void test_vp_timer_simp_off_not_stuck(void **st)
{
	(void)st;
	/* The timer fires while the SIM page is off; it must not stay pending
	 * forever once the page is on (the bug of microsoft/openvmm PR #4029). */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SCONTROL, 1), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + 2, 0xf3), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_STIMER0_CONFIG + 6,
				    CFG(2, 0) | HV_STIMER_AUTO_ENABLE), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_STIMER0_CONFIG + 7, 10), 0);
	vm.now = 20;
	synvp_poll_timers(&cpu.vp, vm.now);
	assert_int_equal(synvp_count_queued(&cpu.vp, 2), 1);
	assert_int_equal(cpu.nraised, 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIMP, fake_gpa(1) | 1), 0);
	assert_int_equal(fake_slot(&cpu, 2)->header.type, HV_MSG_TIMER_EXPIRED);
	assert_int_equal(slot_payload(2).timer_index, 3);
	assert_int_equal(cpu.nraised, 1);
}

static void test_vp_timer_direct(void **st)
{
	struct fakevcpu nodirect;

	(void)st;
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_STIMER0_CONFIG,
				    HV_STIMER_DIRECT | CFG(0, 0xed) | HV_STIMER_AUTO_ENABLE), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_STIMER0_COUNT, 30), 0);
	synvp_poll_timers(&cpu.vp, 30);
	assert_int_equal(cpu.nraised, 1);
	assert_int_equal(cpu.last_vector, 0xed);
	assert_false(cpu.last_auto_eoi);
	assert_int_equal(synvp_count_queued(&cpu.vp, 0), 0);
	/* Without the CPUID bit, direct mode raises #GP. */
	fakevcpu_init(&nodirect, &vm, false);
	assert_int_equal(fake_wrmsr(&nodirect, HV_MSR_STIMER0_CONFIG,
				    HV_STIMER_DIRECT | CFG(0, 0xed)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mul_hi),
		cmocka_unit_test(test_div128),
		cmocka_unit_test(test_scale_matches_int128),
		cmocka_unit_test(test_read_and_init),
		cmocka_unit_test(test_to_tsc_never_early),
		cmocka_unit_test(test_sequence_and_publish),
		cmocka_unit_test(test_stimer_config_rules),
		cmocka_unit_test(test_stimer_count_rules),
		cmocka_unit_test(test_stimer_periodic_and_wrap),
		cmocka_unit_test(test_stimer_huge_period),
		cmocka_unit_test(test_stimer_message),
		cmocka_unit_test_setup_teardown(test_vp_timer_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vp_timer_waits_for_its_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vp_timer_simp_off_not_stuck, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vp_timer_direct, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
