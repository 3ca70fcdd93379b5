/* vsw_bench.c: learned-unicast forwarding benchmark for the vswitch.
 *
 *   vsw_bench time N     frames/s for N ports (one MAC each), one core;
 *                        prints a "bench" line
 *   vsw_bench loop N K   warm up, then forward K learned-unicast frames;
 *                        run under callgrind by run.sh, which takes the
 *                        difference of two K to cancel the warm-up
 *
 * Every port learns its MAC with one broadcast first; then port i sends to
 * port i+1 (mod N) round robin, so every frame is a table hit for both
 * source and destination. The deliver callback only counts (no payload
 * copy), as the issue asks.
 */
#include "vswitch/vsw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAME_LEN 60
#define HEADROOM 4

struct bench {
	struct vsw *sw;
	unsigned n;
	struct vsw_port **ports;
	uint8_t (*frames)[HEADROOM + FRAME_LEN];
};

static unsigned long delivered;
static uint64_t bench_ms;

static uint64_t bench_clock(void *ctx)
{
	(void)ctx;
	return bench_ms;
}

static void bench_deliver(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	(void)frame;
	(void)len;
	delivered++;
}

static void bench_mac(uint8_t *mac, unsigned i)
{
	mac[0] = 0x00;
	mac[1] = 0x15;
	mac[2] = 0x5D;
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

static void bench_setup(struct bench *b, unsigned n)
{
	struct vsw_config c = {
		.max_ports = n, .mac_table_size = 4 * n < 4096 ? 4096 : 16 * n,
		.ops.now_ms = bench_clock,
	};
	struct vsw_port_config pc;
	uint8_t bc[HEADROOM + FRAME_LEN];

	b->n = n;
	b->ports = calloc(n, sizeof(*b->ports));
	b->frames = calloc(n, sizeof(*b->frames));
	if (!b->ports || !b->frames || vsw_create("bench", VSW_TYPE_PRIVATE, &c, &b->sw))
		abort();
	for (unsigned i = 0; i < n; i++) {
		memset(&pc, 0, sizeof(pc));
		bench_mac(pc.mac, i + 1);
		pc.deliver = bench_deliver;
		if (vsw_port_add(b->sw, &pc, &b->ports[i]))
			abort();
		uint8_t *f = b->frames[i] + HEADROOM;
		bench_mac(f, (i + 1) % n + 1);
		bench_mac(f + 6, i + 1);
		f[12] = 0x08;
		f[13] = 0x00;
		memcpy(bc, b->frames[i], sizeof(bc));
		memset(bc + HEADROOM, 0xff, 6);
		vsw_port_send(b->ports[i], bc + HEADROOM, FRAME_LEN, HEADROOM);
	}
}

static void bench_run(struct bench *b, unsigned long k)
{
	unsigned i = 0;

	while (k--) {
		vsw_port_send(b->ports[i], b->frames[i] + HEADROOM, FRAME_LEN, HEADROOM);
		if (++i == b->n)
			i = 0;
	}
}

static int bench_check(struct bench *b)
{
	struct vsw_stats st;

	vsw_get_stats(b->sw, &st);
	if (st.flooded != b->n || st.mac_evicted) {
		fprintf(stderr, "vsw_bench: table misses (%llu floods), not a learned-unicast run\n",
			(unsigned long long)st.flooded);
		return 1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct bench b;
	unsigned n;

	if (argc < 3)
		return 2;
	n = (unsigned)strtoul(argv[2], NULL, 0);
	if (n < 2 || n > 4096)
		return 2;
	bench_setup(&b, n);
	if (!strcmp(argv[1], "loop") && argc == 4) {
		bench_run(&b, strtoul(argv[3], NULL, 0));
		return bench_check(&b);
	}
	if (strcmp(argv[1], "time"))
		return 2;
	double best = 0;
	unsigned long k = 4000000;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = now_s();
		bench_run(&b, k);
		double rate = k / (now_s() - t0);
		if (rate > best)
			best = rate;
	}
	if (bench_check(&b))
		return 1;
	printf("bench vswitch_unicast_%uports: %.1f Mframes/s (target >=10)\n", n, best / 1e6);
	return 0;
}
