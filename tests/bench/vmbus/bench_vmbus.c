/* VMBus ring throughput: a writer and a reader thread stream packets of
 * 64 B, 1500 B, 4 KiB and 64 KiB through one ring. Each packet is a
 * separate ring packet (descriptor, payload, trailer). The writer sends
 * back to back and signals the reader whenever the ring says so (per
 * packet, as Linux does). The reader polls with interrupts masked and
 * drains in batches of at most BATCH packets (netvsc's NAPI budget),
 * publishing read_index once per batch (as Linux's hv_pkt_iter does);
 * "batch1" figures commit after every packet instead.
 *
 * Waiting follows the ring's own protocol: a side that finds the ring
 * empty (reader) or full (writer) polls briefly with backoff, then sleeps
 * until the peer signals it (interrupt_mask cleared / pending_send_sz
 * armed), as a real channel does; doorbells are coalesced per burst (see
 * bench_tx_ring_bell). On a shared 2-CPU host this lets the two threads
 * share a core with a background job instead of burning the slice
 * spinning. Threads are not pinned (VMBUS_BENCH_PIN=1 pins them).
 *
 * Main figures: the reader consumes each packet in place
 * (vmbus_ring_iter_view, as hv_pkt_iter users do), reading one word of
 * every cache line so all bytes cross cores. "copyout" figures use
 * vmbus_ring_iter_next (a second full copy). After each stream the
 * single-thread memcpy bandwidth for the same bytes in the same block size
 * into a buffer as large as the ring is measured; ratios divide by the
 * best memcpy of the run (a memcpy slowed by background load would
 * flatter the ring). Every figure is run TRIES times; the figure is the
 * median (the target applies to it), the best is on a _best line. */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmbus/ring.h"

#define RUN_SECONDS 0.25
#define TRIES 7      /* the build host is shared: report median and best */
#define BATCH 64     /* netvsc NAPI budget: packets per drained batch */
/* Waiting side: POLLS polls of the ring with exponential backoff between
 * them (1, 2, 4 ... 32 pauses: each poll pulls the header line that the
 * peer writes every packet away from it), about 10 us in all, then sleep
 * until signalled. Longer spins, and sched_yield(), measured worse here:
 * under background load the peer is often descheduled, and a spinning or
 * yielding waiter only burns or gives away the time the peer needs. */
#define POLLS 10
#define RING_BYTES (2048u * 1024u)

enum mode { MODE_VIEW, MODE_COPYOUT, MODE_BATCH1 };

/* Each side's hot state on its own cache lines (128: the adjacent-line
 * prefetcher pairs lines). */
struct bench_tx {
	_Alignas(128) struct vmbus_ring ring;
	uint64_t sent;
	bool owe;         /* the ring asked us to signal the reader */
	uint32_t owed;    /* bytes written since */
	sem_t bell;       /* posted when the reader signals "room" */
};

struct bench_rx {
	_Alignas(128) struct vmbus_ring ring;
	uint64_t recv, recv_bytes, sink;
	bool owe;         /* the ring asked us to signal the writer */
	uint32_t owed;    /* bytes drained since */
	sem_t bell;       /* posted when the writer signals "data" */
};

struct bench {
	struct bench_tx tx;
	struct bench_rx rx;
	_Alignas(128) atomic_int stop;
	atomic_int writer_done;
	size_t pay;
	enum mode mode;
	uint8_t *mem, *src, *dst;
};

struct sample {
	double pps, bw, memcpy_bw;
};

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pinning helps on an idle machine and hurts on a shared one (a pinned
 * thread cannot move away from a busy core): opt in with VMBUS_BENCH_PIN. */
static void bench_pin(int cpu)
{
	cpu_set_t set;
	int n = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2 || !getenv("VMBUS_BENCH_PIN"))
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % n, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void bench_wait_bell(sem_t *s)
{
	while (sem_wait(s) != 0 && errno == EINTR)
		;
}

/* Backs off before the next poll; returns 1 when it is time to sleep. */
static int bench_backoff(unsigned *polls)
{
	unsigned n = *polls < 5 ? 1u << *polls : 32u;

	if (++*polls >= POLLS) {
		*polls = 0;
		return 1;
	}
	while (n--)
		__builtin_ia32_pause();
	return 0;
}

/* Doorbells are coalesced (as a NIC driver batches doorbells under
 * xmit_more): the ring decides when a signal is due, exactly; the bench
 * delivers it at the end of a burst (BATCH packets or an eighth of the
 * ring), and always before the side waits. Delivering each at once makes
 * two threads that share a core under load ping-pong per packet: the woken
 * side preempts the signaller, finds one packet, and sleeps again. */
static void bench_tx_ring_bell(struct bench *b)
{
	if (b->tx.owe)
		sem_post(&b->rx.bell);
	b->tx.owe = false;
	b->tx.owed = 0;
}

static void bench_tx_sent(struct bench *b, bool sig, unsigned *burst)
{
	b->tx.sent++;
	if (sig)
		b->tx.owe = true;
	if (b->tx.owe)
		b->tx.owed += (uint32_t)b->pay;
	if (++*burst >= BATCH || b->tx.owed >= b->tx.ring.size / 8) {
		bench_tx_ring_bell(b);
		*burst = 0;
	}
}

/* Writer found the ring full (pending_send_sz is now armed): spin a while,
 * then sleep until the reader's commit signals room. */
static void bench_tx_wait(struct bench *b, unsigned *spins)
{
	bench_tx_ring_bell(b);
	if (bench_backoff(spins))
		bench_wait_bell(&b->tx.bell);
}

static void *bench_writer(void *arg)
{
	struct bench *b = arg;
	struct vmbus_iovec v = { b->src, b->pay };
	unsigned spins = 0, burst = 0;
	bool sig;

	bench_pin(0);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		int rc = vmbus_ring_send(&b->tx.ring, VMBUS_PKT_INBAND, 0,
					 b->tx.sent, &v, 1, &sig);

		if (rc == -EAGAIN) {
			bench_tx_wait(b, &spins);
			continue;
		}
		if (rc)
			break;
		spins = 0;
		bench_tx_sent(b, sig, &burst);
	}
	atomic_store(&b->writer_done, 1);
	sem_post(&b->rx.bell);
	return NULL;
}

/* Reads one word per cache line of the packet, in place. */
static int bench_consume_view(struct bench_rx *rx)
{
	struct vmbus_pkt_view v;
	int rc = vmbus_ring_iter_view(&rx->ring, &v);
	uint64_t acc = 0, w;

	if (rc <= 0)
		return rc;
	for (int k = 0; k < 2; k++)
		for (uint32_t off = 0; off + 8 <= v.seg_len[k]; off += 64) {
			memcpy(&w, v.seg[k] + off, 8);
			acc += w;
		}
	rx->sink += acc;
	rx->recv_bytes += v.info.payload_len;
	return rc;
}

static int bench_consume_copy(struct bench *b)
{
	struct vmbus_pkt_info info;
	int rc = vmbus_ring_iter_next(&b->rx.ring, b->dst, b->pay + 64, &info);

	if (rc > 0)
		b->rx.recv_bytes += info.payload_len;
	return rc;
}

static void bench_rx_ring_bell(struct bench *b)
{
	if (b->rx.owe)
		sem_post(&b->tx.bell);
	b->rx.owe = false;
	b->rx.owed = 0;
}

/* The "room" doorbell goes out once a quarter ring more has been drained
 * (the writer then has room for a burst) or when the reader goes idle. */
static void bench_rx_commit(struct bench *b)
{
	bool sig;

	vmbus_ring_iter_commit(&b->rx.ring, &sig);
	if (sig)
		b->rx.owe = true;
	if (b->rx.owe && b->rx.owed >= b->rx.ring.size / 4)
		bench_rx_ring_bell(b);
}

/* One drained batch; read_index is published once at its end (and every
 * eighth of the ring, so a writer waiting for room is not held up). */
static int bench_drain(struct bench *b)
{
	int n = 0, rc;

	while (n < BATCH) {
		rc = b->mode == MODE_COPYOUT ? bench_consume_copy(b) :
					      bench_consume_view(&b->rx);
		if (rc <= 0)
			break;
		n++;
		if (b->rx.owe)
			b->rx.owed += (uint32_t)rc + VMBUS_PKT_TRAILER;
		if (b->mode == MODE_BATCH1 ||
		    vmbus_ring_uncommitted(&b->rx.ring) >= b->rx.ring.size / 8)
			bench_rx_commit(b);
	}
	bench_rx_commit(b);
	b->rx.recv += (uint64_t)n;
	return n;
}

/* Ring empty: spin a while, then unmask and sleep until the writer's
 * signal (mask_end reports data that raced the unmask). Returns 1 when
 * the writer has finished and everything is read. */
static int bench_rx_idle(struct bench *b, unsigned *spins)
{
	int done = atomic_load(&b->writer_done);

	bench_rx_ring_bell(b);
	if (done && vmbus_ring_avail(&b->rx.ring) == 0)
		return 1;
	if (!bench_backoff(spins))
		return 0;
	if (vmbus_ring_mask_end(&b->rx.ring) == 0 && !done)
		bench_wait_bell(&b->rx.bell);
	vmbus_ring_mask_begin(&b->rx.ring);
	return 0;
}

static void *bench_reader(void *arg)
{
	struct bench *b = arg;
	unsigned spins = 0;

	bench_pin(1);
	vmbus_ring_mask_begin(&b->rx.ring);  /* polling: no signals needed */
	while (!b->rx.ring.broken) {
		if (bench_drain(b)) {
			spins = 0;
			continue;
		}
		if (bench_rx_idle(b, &spins))
			break;
	}
	return NULL;
}

/* Same bytes, same block size, one thread, from the same source block
 * into a destination as large as the ring: exactly the writer's copy,
 * without a reader, so both see the same cache footprint. */
static double bench_memcpy_bw(uint8_t *dst, const uint8_t *src, size_t ring,
			      size_t blk, uint64_t total)
{
	uint64_t done = 0;
	size_t off = 0;
	double t0 = bench_now();

	while (done < total) {
		if (off + blk > ring)
			off = 0;
		memcpy(dst + off, src, blk);
		__asm__ volatile("" : : "r"(dst) : "memory");
		off += (blk + 7) & ~(size_t)7;
		done += blk;
	}
	return (double)total / (bench_now() - t0);
}

static void bench_setup(struct bench *b, size_t pay, enum mode mode)
{
	size_t total = VMBUS_PAGE_SIZE + RING_BYTES;

	memset(b, 0, sizeof(*b));
	b->pay = pay;
	b->mode = mode;
	b->mem = aligned_alloc(4096, total);
	b->src = aligned_alloc(4096, RING_BYTES + 4096);
	b->dst = aligned_alloc(4096, RING_BYTES + 4096);
	memset(b->src, 0x5A, RING_BYTES + 4096);
	memset(b->dst, 0, RING_BYTES + 4096);
	memset(b->mem, 0, total);  /* fault the ring in, as dst is */
	vmbus_ring_format(b->mem, total);
	vmbus_ring_attach(&b->tx.ring, b->mem, total);
	vmbus_ring_attach(&b->rx.ring, b->mem, total);
	sem_init(&b->tx.bell, 0, 0);
	sem_init(&b->rx.bell, 0, 0);
}

static void bench_teardown(struct bench *b)
{
	sem_destroy(&b->tx.bell);
	sem_destroy(&b->rx.bell);
	free(b->mem);
	free(b->src);
	free(b->dst);
}

/* One timed stream plus the memcpy run for the same bytes right after. */
static struct sample bench_stream(size_t pay, enum mode mode)
{
	static struct bench b;
	struct sample s;
	pthread_t tw, tr;
	double t0, dt;

	bench_setup(&b, pay, mode);
	t0 = bench_now();
	pthread_create(&tr, NULL, bench_reader, &b);
	pthread_create(&tw, NULL, bench_writer, &b);
	while (bench_now() - t0 < RUN_SECONDS) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	atomic_store(&b.stop, 1);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	dt = bench_now() - t0;
	if (b.rx.recv != b.tx.sent || b.rx.ring.broken || b.tx.ring.broken)
		printf("bench vmbus_ring_errors: %llu lost (target 0)\n",
		       (unsigned long long)(b.tx.sent - b.rx.recv));
	s.pps = (double)b.rx.recv / dt;
	s.bw = (double)b.rx.recv * (double)pay / dt;
	s.memcpy_bw = bench_memcpy_bw(b.dst, b.src, RING_BYTES, pay,
				      b.rx.recv * pay);
	bench_teardown(&b);
	return s;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v[TRIES]: median is v[TRIES / 2], best v[TRIES - 1]. */
static void bench_sort(double *v)
{
	qsort(v, TRIES, sizeof(*v), bench_cmp);
}

/* The median carries the target (the host is shared, the best is luck);
 * the best is printed on its own line. */
static void bench_print(const char *name, const char *what, double *v,
			double scale, const char *unit, const char *target)
{
	bench_sort(v);
	printf("bench vmbus_%s_%s: %.2f %s (target %s)\n", name, what,
	       v[TRIES / 2] * scale, unit, target);
	printf("bench vmbus_%s_%s_best: %.2f %s (target none)\n", name, what,
	       v[TRIES - 1] * scale, unit);
}

/* Ratio to memcpy: stream bandwidths (median, best) over the best memcpy
 * of the run, since a memcpy slowed by background load would flatter the
 * ring. */
static void bench_print_ratio(const char *size, const char *name, double *bw,
			      double *mbw, const char *target)
{
	double best;

	bench_sort(bw);
	bench_sort(mbw);
	best = mbw[TRIES - 1];
	printf("bench vmbus_%s_memcpy_bw: %.0f MB/s (target none)\n", size,
	       best / 1e6);
	printf("bench vmbus_%s: %.0f %% (target %s)\n", name,
	       100.0 * bw[TRIES / 2] / best, target);
	printf("bench vmbus_%s_best: %.0f %% (target none)\n", name,
	       100.0 * bw[TRIES - 1] / best);
}

static void bench_run(size_t pay, const char *name, const char *pps_target,
		      const char *pct_target)
{
	double pps[3][TRIES], bw[2][TRIES], mbw[TRIES];
	char n[64];

	for (int t = 0; t < TRIES; t++) {
		struct sample v = bench_stream(pay, MODE_VIEW);
		struct sample c = bench_stream(pay, MODE_COPYOUT);
		struct sample one = bench_stream(pay, MODE_BATCH1);

		pps[0][t] = v.pps;
		bw[0][t] = v.bw;
		pps[1][t] = c.pps;
		bw[1][t] = c.bw;
		pps[2][t] = one.pps;
		mbw[t] = v.memcpy_bw > c.memcpy_bw ? v.memcpy_bw : c.memcpy_bw;
		mbw[t] = one.memcpy_bw > mbw[t] ? one.memcpy_bw : mbw[t];
	}
	bench_print(name, "pps", pps[0], 1e-6, "Mpkt/s", pps_target);
	bench_print(name, "bw", bw[0], 1e-6, "MB/s", "none");
	snprintf(n, sizeof(n), "%s_vs_memcpy", name);
	bench_print_ratio(name, n, bw[0], mbw, pct_target);
	bench_print(name, "copyout_pps", pps[1], 1e-6, "Mpkt/s", "none");
	snprintf(n, sizeof(n), "%s_copyout_vs_memcpy", name);
	printf("bench vmbus_%s: %.0f %% (target none)\n", n,
	       100.0 * bw[1][TRIES / 2] / mbw[TRIES - 1]);
	snprintf(n, sizeof(n), "%s_batch1", name);
	bench_print(n, "pps", pps[2], 1e-6, "Mpkt/s", "none");
}

/* The host may be shared (CI, other builds): say how busy it was. */
static void bench_print_load(void)
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
	bench_print_load();
	printf("bench vmbus_batch: %d packets per drained batch (target none)\n",
	       BATCH);
	bench_run(64, "64B", ">= 5", "none");
	bench_run(1500, "1500B", "none", "none");
	bench_run(4096, "4KiB", "none", "none");
	bench_run(65536, "64KiB", "none", ">= 50");
	bench_print_load();
	return 0;
}
