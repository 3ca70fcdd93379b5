/* The lost-wakeup race of SIM delivery (hv/synic/synvp_msg.c,
 * synvp_slot_free). Linux empties a slot with vmbus_signal_eom: cmpxchg
 * the type to NONE, full barrier, write EOM only if MessagePending.
 *
 * 1. Deterministic: synvp_msg.c is built here with SYNVP_TEST_RACE_HOOK,
 *    which calls synvp_test_race_hook between hv's steps on a busy slot;
 *    the hook runs the guest's whole protocol at that point, so both
 *    dangerous interleavings are checked exactly.
 * 2. Stress: an "hv" thread posts bursts under the SynIC lock while a
 *    "guest" thread consumes the slot concurrently; after each burst hv
 *    posts nothing until the guest has seen every message, so only the
 *    EOM protocol can move the last ones, and a lost wakeup stalls the
 *    burst and fails the test. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "hv/abi/tlfs.h"
#include "fakesynic.h"

#define SINT   2
#define BURSTS 20000
#define STALL_NS (5ull * 1000000000ull)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fakevm vm;
static struct fakevcpu cpu;
static struct synic_pool pool;
static struct synic_msgbuf bufs[16];
static uint32_t charge;
static uint64_t posted, received, bad_order, eoms;
static int done, stalled;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void hv_post_one(uint64_t seq)
{
	for (;;) {
		struct synic_msgbuf *b;

		pthread_mutex_lock(&lock);
		b = synic_pool_take(&pool, &charge);
		if (b) {
			b->msg.header.type = 1;
			b->msg.header.payload_size = sizeof(seq);
			memcpy(b->msg.payload, &seq, sizeof(seq));
			if (synvp_post_msg(&cpu.vp, SINT, b))
				abort();
			pthread_mutex_unlock(&lock);
			return;
		}
		pthread_mutex_unlock(&lock);
		sched_yield();
	}
}

static void *hv_thread(void *arg)
{
	(void)arg;
	for (unsigned burst = 0; burst < BURSTS && !stalled; burst++) {
		unsigned k = 1 + burst % 5;
		uint64_t start;

		for (unsigned j = 0; j < k; j++) {
			hv_post_one(posted);
			__atomic_add_fetch(&posted, 1, __ATOMIC_SEQ_CST);
		}
		start = now_ns();
		while (__atomic_load_n(&received, __ATOMIC_SEQ_CST) !=
		       __atomic_load_n(&posted, __ATOMIC_SEQ_CST)) {
			if (now_ns() - start > STALL_NS) {
				stalled = 1;
				break;
			}
			sched_yield();
		}
	}
	__atomic_store_n(&done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Linux vmbus_isr + vmbus_signal_eom, polling instead of interrupts. */
static void *guest_thread(void *arg)
{
	struct hv_message *slot = arg;

	while (!__atomic_load_n(&done, __ATOMIC_SEQ_CST)) {
		uint32_t type = __atomic_load_n(&slot->header.type, __ATOMIC_SEQ_CST);
		uint64_t seq;

		if (type == HV_MSG_NONE) {
			sched_yield();
			continue;
		}
		memcpy(&seq, slot->payload, sizeof(seq));
		if (seq != __atomic_load_n(&received, __ATOMIC_SEQ_CST))
			__atomic_add_fetch(&bad_order, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&received, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_compare_exchange_n(&slot->header.type, &type, HV_MSG_NONE, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			abort();
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&slot->header.flags, __ATOMIC_SEQ_CST) & HV_MSG_FLAG_PENDING) {
			pthread_mutex_lock(&lock);
			if (synvp_write_msr(&cpu.vp, HV_MSR_EOM, 0))
				abort();
			eoms++;
			pthread_mutex_unlock(&lock);
		}
	}
	return NULL;
}

/* ---- deterministic interleavings ---- */

static int hook_point;           /* run the guest at this point, once */
static bool guest_saw_pending;

/* The guest's side of vmbus_signal_eom, run inside hv's step. */
void synvp_test_race_hook(struct hv_message *slot, int point);
void synvp_test_race_hook(struct hv_message *slot, int point)
{
	uint32_t type;

	if (point != hook_point)
		return;
	hook_point = 0;
	type = __atomic_load_n(&slot->header.type, __ATOMIC_SEQ_CST);
	if (!__atomic_compare_exchange_n(&slot->header.type, &type, HV_MSG_NONE, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		abort();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	guest_saw_pending = __atomic_load_n(&slot->header.flags, __ATOMIC_SEQ_CST) &
			    HV_MSG_FLAG_PENDING;
}

static struct synic_msgbuf *msg(uint32_t type)
{
	struct synic_msgbuf *b = synic_pool_take(&pool, &charge);

	assert_non_null(b);
	b->msg.header.type = type;
	b->msg.header.payload_size = 0;
	return b;
}

static int setup(void **st)
{
	(void)st;
	fakevm_init(&vm);
	fakevcpu_init(&cpu, &vm, false);
	synic_pool_init(&pool, bufs, 16);
	fake_enable(&cpu, 1, 2, SINT, 0xf3);
	charge = 0;
	hook_point = 0;
	guest_saw_pending = false;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	fakevm_fini(&vm);
	return 0;
}

/* The guest empties the slot after hv saw it busy but before hv set
 * MessagePending: the guest sees no flag and will not write EOM, so hv
 * must notice the empty slot itself and deliver now. */
static void test_guest_empties_before_flag(void **st)
{
	(void)st;
	assert_int_equal(synvp_post_msg(&cpu.vp, SINT, msg(1)), 0);
	hook_point = 1;
	assert_int_equal(synvp_post_msg(&cpu.vp, SINT, msg(2)), 0);
	assert_int_equal(hook_point, 0);
	assert_false(guest_saw_pending);
	assert_int_equal(fake_slot(&cpu, SINT)->header.type, 2);
	assert_int_equal(synvp_count_queued(&cpu.vp, SINT), 0);
	assert_int_equal(cpu.nraised, 2);
}

/* The guest empties the slot after hv set the flag: the guest sees it
 * and writes EOM; hv may deliver at once too, and the extra EOM finds
 * nothing to do. Either way the message arrives exactly once. */
static void test_guest_empties_after_flag(void **st)
{
	(void)st;
	assert_int_equal(synvp_post_msg(&cpu.vp, SINT, msg(1)), 0);
	hook_point = 2;
	assert_int_equal(synvp_post_msg(&cpu.vp, SINT, msg(2)), 0);
	assert_int_equal(hook_point, 0);
	assert_true(guest_saw_pending);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_EOM, 0), 0);
	assert_int_equal(fake_slot(&cpu, SINT)->header.type, 2);
	assert_int_equal(synvp_count_queued(&cpu.vp, SINT), 0);
	assert_int_equal(cpu.nraised, 2);
	assert_int_equal(charge, 0);
}

/* ---- threaded stress ---- */

static void test_no_lost_wakeup(void **st)
{
	pthread_t hv, guest;

	(void)st;
	fakevm_init(&vm);
	fakevcpu_init(&cpu, &vm, false);
	synic_pool_init(&pool, bufs, 16);
	fake_enable(&cpu, 1, 2, SINT, 0xf3);
	assert_int_equal(pthread_create(&guest, NULL, guest_thread, fake_slot(&cpu, SINT)), 0);
	assert_int_equal(pthread_create(&hv, NULL, hv_thread, NULL), 0);
	pthread_join(hv, NULL);
	pthread_join(guest, NULL);
	print_message("# %lu messages, %lu EOMs\n", (unsigned long)posted, (unsigned long)eoms);
	assert_int_equal(stalled, 0);
	assert_int_equal(bad_order, 0);
	assert_int_equal(received, posted);
	assert_true(eoms > 0);
	assert_int_equal(charge, 0);
	assert_int_equal(pool.nfree, 16);
	fakevm_fini(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guest_empties_before_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_empties_after_flag, setup, teardown),
		cmocka_unit_test(test_no_lost_wakeup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
