/* bench_netvsp.c: per-frame cost of netvsp + switch on the host, for
 * 1,514-byte frames (1,500-byte payload) from guest A's send buffer,
 * through a private switch, into guest B's receive buffer, with B's
 * completions freeing the sections. Only host work is timed: the two
 * netvsp_poll calls (A's: read the send section's headers and the
 * frame's head, switch, deliver into B's buffer and ring, the frame's
 * tail copied there straight out of A's send buffer, complete A; B's:
 * the receive completions). The mock guests' own work (writing
 * requests, reading rings) is not.
 *
 *   bench_netvsp time N   prints ns/frame, memcpy ns per 1,514 bytes and
 *                         the ratio of rates, then the bytes that pass
 *                         the guest-memory ops per frame over the
 *                         frame's length (its copies), with buf_ptr and
 *                         with it refused (the path before the split),
 *                         as "bench NAME: V UNIT (target T)" lines
 *   bench_netvsp loop N   runs N frames untimed (for callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/vswitch/nvg.h"

#define BATCH 64u
#define FRAME 1514u

static struct vsw *sw;
static struct nvg a, b;
static uint32_t msg_len;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *why)
{
	fprintf(stderr, "bench_netvsp: %s\n", why);
	exit(1);
}

static void setup(void)
{
	static const uint8_t ma[6] = { 2, 0, 0, 0, 0, 1 }, mb[6] = { 2, 0, 0, 0, 0, 2 };
	uint8_t f[FRAME], m[FRAME + 64];

	if (vsw_create("bench", VSW_TYPE_PRIVATE, NULL, &sw) ||
	    nvg_create(&a, sw, ma, 0, 1u << 20, 1728u * 1024u, 6144u * BATCH) ||
	    nvg_create(&b, sw, mb, 0, 1u << 20, 1728u * 1024u, 6144u * BATCH) ||
	    nvg_bringup(&a, NVSP_VERSION_61) || nvg_bringup(&b, NVSP_VERSION_61))
		die("setup failed");
	for (uint32_t i = 0; i < FRAME; i++)
		f[i] = (uint8_t)(i * 7u);
	memcpy(f, mb, 6);
	memcpy(f + 6, ma, 6);
	f[12] = 0x88;
	f[13] = 0xB5;
	msg_len = nvg_build_packet(m, f, FRAME, ~0u);
	for (uint32_t i = 0; i < BATCH; i++)
		memcpy(a.send.mem + i * a.send_section_size, m, msg_len);
	/* B has spoken once (an ARP reply, say): its MAC is learned, so the
	 * measured frames are switched by lookup, not flooded. */
	memcpy(f, ma, 6);
	memcpy(f + 6, mb, 6);
	if (nvg_send_frame(&b, f, 60, ~0u, false) != NVSP_STAT_SUCCESS ||
	    nvg_guest_drain(&a) < 0)
		die("learning frame lost");
	nvg_host_poll(&a);
}

/* One batch; returns the host nanoseconds it took. */
static double batch(void)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	double t0, t1, t2, t3;

	for (uint32_t i = 0; i < BATCH; i++) {
		m.rndis_pkt.section_index = i;
		m.rndis_pkt.section_size = msg_len;
		if (vmbus_chan_send(&a.guest, VMBUS_PKT_INBAND,
				    VMBUS_PKT_FLAG_COMPLETION_REQUESTED, i + 1,
				    &m, sizeof(m)))
			die("guest ring full");
	}
	t0 = now_ns();
	while (netvsp_poll(a.nv, BATCH) == 1)
		;
	t1 = now_ns();
	if (nvg_guest_drain(&a) < 0 || nvg_guest_drain(&b) < 0)
		die("guest ring broke");
	t2 = now_ns();
	while (netvsp_poll(b.nv, BATCH) == 1)
		;
	t3 = now_ns();
	return (t1 - t0) + (t3 - t2);
}

/* n copies of a frame's bytes between rotating buffers (noinline: the
 * callgrind run measures it by name). */
__attribute__((noinline)) void bench_copy_loop(unsigned long n);
__attribute__((noinline)) void bench_copy_loop(unsigned long n)
{
	static uint8_t src[BATCH][2048], dst[BATCH][2048];

	for (unsigned long i = 0; i < n; i++) {
		memcpy(dst[i % BATCH], src[(i * 7) % BATCH], FRAME);
		__asm__ volatile("" ::: "memory");
	}
}

/* Bytes through buf_read and buf_write of both guests per frame, over
 * 64 x 100 frames, divided by the frame's length: how often netvsp
 * copies each frame, RNDIS headers and its private head included. */
static double copies(void)
{
	uint64_t before = a.bytes_read + a.bytes_written + b.bytes_read +
			  b.bytes_written;

	for (int i = 0; i < 100; i++)
		batch();
	return (double)(a.bytes_read + a.bytes_written + b.bytes_read +
			b.bytes_written - before) / (100.0 * BATCH * FRAME);
}

static double memcpy_ns(unsigned long n)
{
	double t0 = now_ns();

	bench_copy_loop(n);
	return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 0) : 200000;
	struct netvsp_stats s;
	struct vsw_stats vs;
	double host = 0, per, mc;

	if (argc < 2)
		die("usage: bench_netvsp time|loop|copy N");
	if (!strcmp(argv[1], "copy")) {
		bench_copy_loop(n);
		return 0;
	}
	setup();
	for (int i = 0; i < 100; i++)
		batch();
	for (unsigned long done = 0; done < n; done += BATCH)
		host += batch();
	netvsp_get_stats(b.nv, &s);
	if (s.rx_drop_no_buffer || s.rx_drop_ring_full || a.proto_errors ||
	    b.proto_errors || s.recv_sections_used)
		die("frames were lost");
	vsw_get_stats(sw, &vs);
	if (vs.split < n)
		die("frames were not switched in two parts");
	if (strcmp(argv[1], "time"))
		return 0;
	per = host / (double)((n + BATCH - 1) / BATCH * BATCH);
	mc = memcpy_ns(n);
	printf("bench netvsp_frame_ns: %.1f ns/frame (1514-byte frames, send buffer -> switch -> receive buffer, every copy included; target: report)\n",
	       per);
	printf("bench netvsp_memcpy_1514_ns: %.1f ns (target: report)\n", mc);
	printf("bench netvsp_rate_vs_memcpy: %.1f %% (target >=50)\n",
	       100.0 * mc / per);
	printf("bench netvsp_frame_copies: %.2f copies of each frame's bytes (bytes through the guest-memory ops / 1514: the tail once, from A's send buffer into B's receive buffer; the head and the RNDIS headers read and written; target: report)\n",
	       copies());
	a.refuse_ptr = 1;
	printf("bench netvsp_frame_copies_no_ptr: %.2f copies (buf_ptr refused: netvsp copies the frame out of the send buffer first, as before the split path; target: report)\n",
	       copies());
	a.refuse_ptr = 0;
	nvg_destroy(&a);
	nvg_destroy(&b);
	vsw_destroy(sw);
	return 0;
}
