/* Host tests for the ticket lock (lib/spinlock.h) on threads: mutual
 * exclusion under load, first come first served, trylock, contention
 * counted, and the recursive form held across nested takes. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

/* Four threads on two cores: a waiter gives its core away while it waits
 * (lib/spinlock.h, spin_relax). */
#define SPIN_RELAX sched_yield
#include "lib/spinlock.h"

#define THREADS 4
#define ROUNDS  50000

static struct spinlock lock;
static volatile uint64_t counter;
static int use_rec;

static void nap_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* A read, a yield now and then, a write: without the lock other threads'
 * increments fall between and are lost. */
static void *hammer(void *arg)
{
	uint32_t self = (uint32_t)(uintptr_t)arg;

	for (int i = 0; i < ROUNDS; i++) {
		if (use_rec) {
			spin_lock_rec(&lock, self);
			spin_lock_rec(&lock, self);
		} else {
			spin_lock(&lock);
		}
		uint64_t v = counter;

		if ((i & 255) == 0)
			sched_yield();
		counter = v + 1;
		if (use_rec)
			spin_unlock_rec(&lock);
		if (use_rec)
			spin_unlock_rec(&lock);
		else
			spin_unlock(&lock);
	}
	return NULL;
}

static void run_hammer(int rec)
{
	pthread_t t[THREADS];

	memset(&lock, 0, sizeof(lock));
	counter = 0;
	use_rec = rec;
	for (uintptr_t i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, (void *)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(counter, (uint64_t)THREADS * ROUNDS);
	assert_int_equal(lock.taken, (uint64_t)THREADS * ROUNDS);
	assert_true(lock.contended <= lock.taken);
	assert_int_equal(lock.next, lock.serving);
	assert_int_equal(lock.holder, 0);
}

static void test_exclusion(void **st)
{
	(void)st;
	run_hammer(0);
}

static void test_exclusion_recursive(void **st)
{
	(void)st;
	run_hammer(1);
}

static volatile int order[2], order_n, got;

static void *taker(void *arg)
{
	spin_lock(&lock);
	order[order_n++] = (int)(uintptr_t)arg;
	spin_unlock(&lock);
	return NULL;
}

static void wait_tickets(uint32_t n)
{
	while (__atomic_load_n(&lock.next, __ATOMIC_ACQUIRE) != n)
		nap_ms(1);
}

/* Two waiters are served in the order they drew their tickets, and each
 * counts as contended; the holder's own take did not wait. */
static void test_fifo_and_contention(void **st)
{
	pthread_t a, b;

	(void)st;
	memset(&lock, 0, sizeof(lock));
	order_n = 0;
	spin_lock(&lock);
	assert_int_equal(pthread_create(&a, NULL, taker, (void *)1), 0);
	wait_tickets(2);
	assert_int_equal(pthread_create(&b, NULL, taker, (void *)2), 0);
	wait_tickets(3);
	nap_ms(5);
	assert_int_equal(order_n, 0);
	spin_unlock(&lock);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	assert_int_equal(order_n, 2);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(lock.taken, 3);
	assert_int_equal(lock.contended, 2);
}

static void test_trylock(void **st)
{
	(void)st;
	memset(&lock, 0, sizeof(lock));
	assert_int_equal(spin_trylock(&lock), 1);
	assert_int_equal(spin_trylock(&lock), 0);
	assert_int_equal(lock.next, 1);        /* a failed try draws nothing */
	spin_unlock(&lock);
	assert_int_equal(spin_trylock(&lock), 1);
	spin_unlock(&lock);
	assert_int_equal(lock.taken, 2);
	assert_int_equal(lock.next, lock.serving);
}

static void *rec_taker(void *arg)
{
	(void)arg;
	spin_lock_rec(&lock, 1);
	got = 1;
	spin_unlock_rec(&lock);
	return NULL;
}

/* Held three deep by one, another waits until the last of the three
 * unlocks, not the first. */
static void test_recursive_depth(void **st)
{
	pthread_t t;

	(void)st;
	memset(&lock, 0, sizeof(lock));
	got = 0;
	for (int i = 0; i < 3; i++)
		spin_lock_rec(&lock, 0);
	assert_int_equal(lock.depth, 3);
	assert_int_equal(lock.taken, 1);
	assert_int_equal(pthread_create(&t, NULL, rec_taker, NULL), 0);
	wait_tickets(2);
	for (int i = 0; i < 2; i++) {
		spin_unlock_rec(&lock);
		nap_ms(5);
		assert_int_equal(got, 0);
	}
	spin_unlock_rec(&lock);
	pthread_join(t, NULL);
	assert_int_equal(got, 1);
	assert_int_equal(lock.holder, 0);
	assert_int_equal(lock.next, lock.serving);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exclusion),
		cmocka_unit_test(test_exclusion_recursive),
		cmocka_unit_test(test_fifo_and_contention),
		cmocka_unit_test(test_trylock),
		cmocka_unit_test(test_recursive_depth),
	};

	return cmocka_run_group_tests_name("spinlock", tests, NULL, NULL);
}
