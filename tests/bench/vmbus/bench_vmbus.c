/* VMBus ring throughput: a writer and a reader thread on two cores stream
 * packets of 64 B, 1500 B, 4 KiB and 64 KiB through one ring, the reader
 * polling with interrupts masked. Main figures: the reader consumes each
 * packet in place (vmbus_ring_iter_view, as Linux's hv_pkt_iter users do),
 * reading one word of every cache line so all bytes cross cores. The
 * "copyout" figures use vmbus_ring_iter_next (a second full copy).
 * Beside each, the single-thread memcpy bandwidth for the same bytes in
 * the same block size, measured in the same run. Prints "bench" lines. */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmbus/ring.h"

#define RUN_SECONDS 0.4
#define TRIES 5  /* best of: the build host is shared, runs get preempted */

struct bench {
	struct vmbus_ring w, r;
	uint8_t *mem;
	size_t pay;
	int copyout;
	uint64_t sink;
	atomic_int stop, writer_done;
	uint64_t sent, recv, recv_bytes;
	uint8_t *src, *dst;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pinning helps on an idle machine and hurts on a shared one (a pinned
 * spinner cannot move away from a busy core): opt in with VMBUS_BENCH_PIN. */
static void pin(int cpu)
{
	cpu_set_t set;
	int n = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2 || !getenv("VMBUS_BENCH_PIN"))
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % n, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Spin briefly (the peer is probably running on the other core), then
 * yield (it probably is not). */
static void backoff(unsigned *spins)
{
	if (++*spins < 256) {
		__builtin_ia32_pause();
		return;
	}
	*spins = 0;
	sched_yield();
}

static void *writer(void *arg)
{
	struct bench *b = arg;
	struct vmbus_iovec v = { b->src, b->pay };
	unsigned spins = 0;
	bool sig;

	pin(0);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		int rc = vmbus_ring_send(&b->w, VMBUS_PKT_INBAND, 0, b->sent, &v,
					 1, &sig);
		if (rc == -EAGAIN) {
			backoff(&spins);
			continue;
		}
		if (rc)
			break;
		spins = 0;
		b->sent++;
	}
	atomic_store(&b->writer_done, 1);
	return NULL;
}

/* Reads one word per cache line of the packet, in place. */
static int consume_view(struct bench *b)
{
	struct vmbus_pkt_view v;
	int rc = vmbus_ring_iter_view(&b->r, &v);
	uint64_t acc = 0, w;

	if (rc <= 0)
		return rc;
	for (int k = 0; k < 2; k++)
		for (uint32_t off = 0; off + 8 <= v.seg_len[k]; off += 64) {
			memcpy(&w, v.seg[k] + off, 8);
			acc += w;
		}
	b->sink += acc;
	b->recv_bytes += v.info.payload_len;
	return rc;
}

static void *reader(void *arg)
{
	struct bench *b = arg;
	struct vmbus_pkt_info info;
	unsigned spins = 0;
	bool sig;

	pin(1);
	vmbus_ring_mask_begin(&b->r);  /* polling: writer need not signal */
	for (;;) {
		int n = 0, rc;

		while (n < 64) {
			if (b->copyout) {
				rc = vmbus_ring_iter_next(&b->r, b->dst,
							  b->pay + 64, &info);
				if (rc > 0)
					b->recv_bytes += info.payload_len;
			} else {
				rc = consume_view(b);
			}
			if (rc <= 0)
				break;
			b->recv++;
			n++;
			/* Give room back every eighth of the ring. */
			if (vmbus_ring_uncommitted(&b->r) >= b->r.size / 8)
				vmbus_ring_iter_commit(&b->r, &sig);
		}
		if (n) {
			vmbus_ring_iter_commit(&b->r, &sig);
			spins = 0;
			continue;
		}
		if (b->r.broken)
			break;
		if (atomic_load(&b->writer_done) && vmbus_ring_avail(&b->r) == 0)
			break;
		backoff(&spins);
	}
	return NULL;
}

/* Same bytes, same block size, one thread, from the same source block
 * into a destination as large as the ring: exactly the writer's copy,
 * without a reader, so both see the same cache footprint. */
static double memcpy_bw(uint8_t *dst, const uint8_t *src, size_t ring,
			size_t blk, uint64_t total)
{
	uint64_t done = 0;
	size_t off = 0;
	double t0 = now_s(), dt;

	while (done < total) {
		if (off + blk > ring)
			off = 0;
		memcpy(dst + off, src, blk);
		__asm__ volatile("" : : "r"(dst) : "memory");
		off += (blk + 7) & ~(size_t)7;
		done += blk;
	}
	dt = now_s() - t0;
	return (double)total / dt;
}

/* One timed stream; returns packets per second, sets *bytes_ps. */
static double stream(size_t pay, size_t ring, int copyout, double *bytes_ps,
		     uint8_t **src_out, uint8_t **dst_out, uint64_t *pkts)
{
	struct bench b;
	pthread_t tw, tr;
	double t0, dt;
	size_t total = VMBUS_PAGE_SIZE + ring;

	memset(&b, 0, sizeof(b));
	b.pay = pay;
	b.copyout = copyout;
	b.mem = aligned_alloc(4096, total);
	b.src = aligned_alloc(4096, ring + 4096);
	b.dst = aligned_alloc(4096, ring + 4096);
	memset(b.src, 0x5A, ring + 4096);
	memset(b.dst, 0, ring + 4096);
	vmbus_ring_format(b.mem, total);
	vmbus_ring_attach(&b.w, b.mem, total);
	vmbus_ring_attach(&b.r, b.mem, total);
	t0 = now_s();
	pthread_create(&tr, NULL, reader, &b);
	pthread_create(&tw, NULL, writer, &b);
	while (now_s() - t0 < RUN_SECONDS) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	atomic_store(&b.stop, 1);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	dt = now_s() - t0;
	if (b.recv != b.sent || b.r.broken || b.w.broken)
		printf("bench vmbus_ring_errors: %llu lost (target 0)\n",
		       (unsigned long long)(b.sent - b.recv));
	*bytes_ps = (double)b.recv * (double)pay / dt;
	*pkts = b.recv;
	free(b.mem);
	*src_out = b.src;
	*dst_out = b.dst;
	return (double)b.recv / dt;
}

static void run(size_t pay, size_t ring, const char *name, double pps_target,
		double pct_target)
{
	uint8_t *src, *dst;
	uint64_t pkts;
	double bw, cbw, mbw, pps, cpps;

	cpps = pps = cbw = bw = mbw = 0;
	for (int t = 0; t < TRIES; t++) {
		double x, xb;

		x = stream(pay, ring, 1, &xb, &src, &dst, &pkts);
		free(src);
		free(dst);
		if (x > cpps) {
			cpps = x;
			cbw = xb;
		}
		x = stream(pay, ring, 0, &xb, &src, &dst, &pkts);
		if (x > pps) {
			pps = x;
			bw = xb;
		}
		x = memcpy_bw(dst, src, ring, pay, pkts * pay);
		mbw = x > mbw ? x : mbw;
		free(src);
		free(dst);
	}
	printf("bench vmbus_%s_pps: %.2f Mpkt/s (target %s)\n", name,
	       pps / 1e6, pps_target > 0 ? ">= 5" : "none");
	printf("bench vmbus_%s_bw: %.0f MB/s (target none)\n", name, bw / 1e6);
	printf("bench vmbus_%s_memcpy_bw: %.0f MB/s (target none)\n", name,
	       mbw / 1e6);
	if (pct_target > 0)
		printf("bench vmbus_%s_vs_memcpy: %.0f %% (target >= %.0f)\n",
		       name, 100.0 * bw / mbw, pct_target);
	else
		printf("bench vmbus_%s_vs_memcpy: %.0f %% (target none)\n", name,
		       100.0 * bw / mbw);
	printf("bench vmbus_%s_copyout_pps: %.2f Mpkt/s (target none)\n", name,
	       cpps / 1e6);
	printf("bench vmbus_%s_copyout_vs_memcpy: %.0f %% (target none)\n", name,
	       100.0 * cbw / mbw);
}

/* The host may be shared (CI, other builds): say how busy it was. */
static void print_load(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = -1;

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	printf("bench vmbus_host_loadavg: %.2f runnable (target none, cpus %ld)\n",
	       l, sysconf(_SC_NPROCESSORS_ONLN));
}

int main(void)
{
	print_load();
	run(64, 2048 * 1024, "64B", 5e6, 0);
	run(1500, 2048 * 1024, "1500B", 0, 0);
	run(4096, 2048 * 1024, "4KiB", 0, 0);
	run(65536, 2048 * 1024, "64KiB", 0, 50);
	return 0;
}
