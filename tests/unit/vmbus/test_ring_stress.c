/* Two-thread ring stress: a writer and a reader move randomised packets
 * through a 64 KiB ring for VMBUS_STRESS_SECONDS (default 10), sleeping on
 * semaphores and woken only by the ring's signalling rules. A lost wake-up
 * shows as a 2 s timeout with work pending; corruption as a checksum or
 * sequence error. Built with ASan/UBSan and separately with TSan. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "vmbus/ring.h"

#define RING_DATA (64u * 1024u)
#define MAX_PAY (20u * 1024u)

struct stress {
	uint8_t *mem;
	struct vmbus_ring w, r;
	sem_t wake_reader, wake_writer;
	_Atomic int stop;
	_Atomic int writer_done;
	uint64_t sent, sent_bytes, recv, recv_bytes;
	unsigned lost_wakeups, bad_sum, bad_seq, errors;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int wait2s(sem_t *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	while (sem_timedwait(s, &ts) != 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

static uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

/* Payload: u64 seq, u32 length, u32 checksum of the rest, random bytes. */
static size_t make_payload(uint8_t *buf, uint64_t seq, uint64_t *s)
{
	uint32_t len = 16 + rnd(s) % 600, sum;

	if (rnd(s) % 64 == 0)
		len = 16 + rnd(s) % (MAX_PAY - 16);
	if (rnd(s) % 97 == 0)
		len = 16;
	memcpy(buf, &seq, 8);
	memcpy(buf + 8, &len, 4);
	for (uint32_t i = 16; i < len; i++)
		buf[i] = (uint8_t)rnd(s);
	sum = fnv(buf + 16, len - 16);
	memcpy(buf + 12, &sum, 4);
	return len;
}

static void *writer(void *arg)
{
	struct stress *st = arg;
	static uint8_t buf[MAX_PAY];
	uint64_t s = 0x9E3779B97F4A7C15ull, seq = 0;

	while (!atomic_load(&st->stop)) {
		size_t len = make_payload(buf, seq, &s);
		struct vmbus_iovec v = { buf, len };
		bool sig;
		int rc;

		while ((rc = vmbus_ring_send(&st->w, VMBUS_PKT_INBAND, 0, seq,
					     &v, 1, &sig)) == -EAGAIN) {
			if (wait2s(&st->wake_writer) == 0)
				continue;
			/* Timed out: fine only if the ring really is full. */
			if (vmbus_ring_space(&st->w) > len + 40)
				st->lost_wakeups++;
			if (atomic_load(&st->stop))
				break;
		}
		if (rc == -EAGAIN)
			break;
		if (rc) {
			st->errors++;
			break;
		}
		if (sig)
			sem_post(&st->wake_reader);
		st->sent++;
		st->sent_bytes += len;
		seq++;
	}
	atomic_store(&st->writer_done, 1);
	sem_post(&st->wake_reader);
	return NULL;
}

static void check_packet(struct stress *st, const uint8_t *pkt,
			 const struct vmbus_pkt_info *info)
{
	uint64_t seq;
	uint32_t sum, len;
	const uint8_t *pay = pkt + info->payload_off;

	st->recv++;
	memcpy(&seq, pay, 8);
	memcpy(&len, pay + 8, 4);
	memcpy(&sum, pay + 12, 4);
	if (seq != st->recv - 1 || info->desc.trans_id != seq)
		st->bad_seq++;
	/* Payload is padded to 8 bytes (zeros) on the wire. */
	if (len < 16 || len > info->payload_len || info->payload_len - len >= 8 ||
	    fnv(pay + 16, len - 16) != sum) {
		st->bad_sum++;
		return;
	}
	st->recv_bytes += len;
}

/* Drain with interrupts masked, then unmask and re-check (mask_end). */
static int drain(struct stress *st, uint8_t *buf)
{
	struct vmbus_pkt_info info;
	int got = 0, rc;
	bool sig;

	vmbus_ring_mask_begin(&st->r);
	do {
		while ((rc = vmbus_ring_iter_next(&st->r, buf, MAX_PAY + 64,
						  &info)) > 0) {
			check_packet(st, buf, &info);
			/* Give space back in batches of about 8 packets. */
			if (++got % 8 == 0) {
				vmbus_ring_iter_commit(&st->r, &sig);
				if (sig)
					sem_post(&st->wake_writer);
			}
		}
		if (rc < 0)
			return rc;
		vmbus_ring_iter_commit(&st->r, &sig);
		if (sig)
			sem_post(&st->wake_writer);
	} while (vmbus_ring_mask_end(&st->r) != 0);
	return got;
}

static void *reader(void *arg)
{
	struct stress *st = arg;
	static uint8_t buf[MAX_PAY + 64];

	for (;;) {
		int rc = drain(st, buf);

		if (rc < 0) {
			st->errors++;
			break;
		}
		if (atomic_load(&st->writer_done) && vmbus_ring_avail(&st->r) == 0)
			break;
		if (rc == 0 && wait2s(&st->wake_reader) != 0 &&
		    vmbus_ring_avail(&st->r) != 0)
			st->lost_wakeups++;
	}
	return NULL;
}

static void test_stress(void **state)
{
	struct stress *st = calloc(1, sizeof(*st));
	const char *env = getenv("VMBUS_STRESS_SECONDS");
	double secs = env ? atof(env) : 10.0, t0;
	size_t total = VMBUS_PAGE_SIZE + RING_DATA;
	pthread_t tw, tr;

	(void)state;
	assert_non_null(st);
	st->mem = aligned_alloc(4096, total);
	assert_non_null(st->mem);
	vmbus_ring_format(st->mem, total);
	assert_int_equal(vmbus_ring_attach(&st->w, st->mem, total), 0);
	assert_int_equal(vmbus_ring_attach(&st->r, st->mem, total), 0);
	sem_init(&st->wake_reader, 0, 0);
	sem_init(&st->wake_writer, 0, 0);
	t0 = now_s();
	assert_int_equal(pthread_create(&tr, NULL, reader, st), 0);
	assert_int_equal(pthread_create(&tw, NULL, writer, st), 0);
	while (now_s() - t0 < secs) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	atomic_store(&st->stop, 1);
	sem_post(&st->wake_writer);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	printf("# stress %.1f s: %llu packets, %llu bytes, signals w%llu r%llu\n",
	       now_s() - t0, (unsigned long long)st->recv,
	       (unsigned long long)st->recv_bytes,
	       (unsigned long long)st->w.signals,
	       (unsigned long long)st->r.signals);
	assert_int_equal(st->errors, 0);
	assert_int_equal(st->bad_seq, 0);
	assert_int_equal(st->bad_sum, 0);
	assert_int_equal(st->lost_wakeups, 0);
	assert_true(st->recv == st->sent);
	assert_true(st->recv_bytes == st->sent_bytes);
	assert_true(st->sent > 1000);
	sem_destroy(&st->wake_reader);
	sem_destroy(&st->wake_writer);
	free(st->mem);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
