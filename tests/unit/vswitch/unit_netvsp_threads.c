/* unit_netvsp_threads.c: two guests on one switch, each driven by its own
 * thread (its guest side and its netvsp_poll), sending to each other at
 * full speed. Each netvsp's outbound ring is written by its own poll
 * (completions) and by the other thread's deliveries, serialised by the
 * ops' lock; the switch has its own lock. Must not deadlock (netvsp never
 * holds its lock across vsw_port_send), lose a frame without counting it,
 * or leak a section. */
#include "tests/unit/vswitch/nvg.h"
#include "tests/unit/vswitch/vsw_testlib.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus/ring.h"

#define FRAMES 20000u

struct side {
	struct nvg g;
	pthread_mutex_t lock;
	const uint8_t *dst, *src;
	uint32_t sent, refused;
};

static pthread_mutex_t sw_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;
static int finished;  /* threads past their sending loop */

static void l_lock(void *ctx)
{
	pthread_mutex_lock(ctx);
}

static void l_unlock(void *ctx)
{
	pthread_mutex_unlock(ctx);
}

/* The nvg ops with a lock: ctx stays the guest, the lock wraps it. */
static struct side *lock_side[2];
static void s0_lock(void *ctx) { (void)ctx; l_lock(&lock_side[0]->lock); }
static void s0_unlock(void *ctx) { (void)ctx; l_unlock(&lock_side[0]->lock); }
static void s1_lock(void *ctx) { (void)ctx; l_lock(&lock_side[1]->lock); }
static void s1_unlock(void *ctx) { (void)ctx; l_unlock(&lock_side[1]->lock); }

static void *run(void *arg)
{
	struct side *s = arg;
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	uint8_t f[1514], pkt[1600];
	uint32_t len, sec = 0;

	memset(f, 0x3C, sizeof(f));
	memcpy(f, s->dst, 6);
	memcpy(f + 6, s->src, 6);
	len = nvg_build_packet(pkt, f, 600, ~0u);
	for (uint32_t i = 0; i < 8; i++)
		memcpy(s->g.send.mem + i * s->g.send_section_size, pkt, len);
	pthread_barrier_wait(&start);
	while (s->sent < FRAMES) {
		m.rndis_pkt.section_index = sec++ % 8u;
		m.rndis_pkt.section_size = len;
		if (vmbus_chan_send(&s->g.guest, VMBUS_PKT_INBAND,
				    VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 1, &m,
				    sizeof(m)) == 0)
			s->sent++;
		else
			s->refused++;
		(void)netvsp_poll(s->g.nv, 16);
		/* Guest reads; a drain that ran while the other thread wrote
		 * is fine: the ring is one writer (under the lock), one reader. */
		if (nvg_guest_drain(&s->g) < 0)
			break;
	}
	/* Keep receiving until the peer has sent everything too. */
	__atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < 2) {
		(void)netvsp_poll(s->g.nv, 0);
		(void)nvg_guest_drain(&s->g);
	}
	for (int i = 0; i < 10; i++) {
		(void)netvsp_poll(s->g.nv, 0);
		(void)nvg_guest_drain(&s->g);
	}
	return NULL;
}

static void test_two_threads(void **state)
{
	struct vsw_config c = { .ops = { NULL, l_lock, l_unlock, &sw_lock } };
	struct side *s[2];
	struct vsw *sw;
	pthread_t t[2];
	uint8_t mac[2][6];
	struct netvsp_config cfg;

	(void)state;
	assert_int_equal(vsw_create("t", VSW_TYPE_PRIVATE, &c, &sw), 0);
	for (int i = 0; i < 2; i++) {
		s[i] = calloc(1, sizeof(*s[i]));
		lock_side[i] = s[i];
		pthread_mutex_init(&s[i]->lock, NULL);
		vswt_make_mac(mac[i], (unsigned)i + 1);
		assert_int_equal(nvg_create(&s[i]->g, sw, mac[i], 0, 64u * 1024u,
					    1728u * 128u, 6144u * 16u), 0);
		/* Replace the instance with one that has the lock. */
		netvsp_close(s[i]->g.nv);
		netvsp_destroy(s[i]->g.nv);
		memset(&cfg, 0, sizeof(cfg));
		cfg.sw = sw;
		memcpy(cfg.port.mac, mac[i], 6);
		nvg_ops(&s[i]->g, &cfg.ops);
		cfg.ops.lock = i ? s1_lock : s0_lock;
		cfg.ops.unlock = i ? s1_unlock : s0_unlock;
		assert_int_equal(netvsp_create(&cfg, &s[i]->g.nv), 0);
		assert_int_equal(netvsp_open(s[i]->g.nv, &s[i]->g.host), 0);
		assert_int_equal(nvg_bringup(&s[i]->g, NVSP_VERSION_61), 0);
	}
	s[0]->dst = mac[1];
	s[0]->src = mac[0];
	s[1]->dst = mac[0];
	s[1]->src = mac[1];
	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, run, s[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* Both threads have stopped: settle what is still in the rings. */
	for (int r = 0; r < 4; r++)
		for (int i = 0; i < 2; i++) {
			assert_true(nvg_guest_drain(&s[i]->g) >= 0);
			assert_true(netvsp_poll(s[i]->g.nv, 0) >= 0);
		}
	for (int i = 0; i < 2; i++) {
		struct netvsp_stats me, peer;

		netvsp_get_stats(s[i]->g.nv, &me);
		netvsp_get_stats(s[!i]->g.nv, &peer);
		print_message("side %d: n_frames %u perr %u (%s) n_held %u comp %u, guest in-ring %s, host in-ring %s\n", i, s[i]->g.n_frames, s[i]->g.proto_errors, s[i]->g.last_error ? s[i]->g.last_error : "-", s[i]->g.n_held, s[i]->g.n_comp, s[i]->g.guest.in.why ? s[i]->g.guest.in.why : "ok", s[i]->g.host.in.why ? s[i]->g.host.in.why : "ok");
		print_message("side %d: rx %lu, dropped %lu (buffer) %lu (ring), "
			      "sends refused by a full ring %u\n", i,
			      (unsigned long)me.rx_frames,
			      (unsigned long)me.rx_drop_no_buffer,
			      (unsigned long)me.rx_drop_ring_full, s[i]->refused);
		assert_int_equal(s[i]->sent, FRAMES);
		assert_int_equal(me.tx_frames, FRAMES);
		/* Every frame the peer sent was delivered or counted. */
		assert_int_equal(me.rx_frames + me.rx_drop_no_buffer +
				 me.rx_drop_ring_full, peer.tx_frames);
		assert_int_equal(s[i]->g.n_frames, me.rx_frames);
		assert_int_equal(me.recv_sections_used, 0);
		assert_int_equal(s[i]->g.proto_errors, 0);
		assert_int_equal(me.nvsp_bad + me.rndis_bad + me.tx_bad +
				 me.comp_bad + me.ctrl_dropped, 0);
	}
	for (int i = 0; i < 2; i++) {
		nvg_destroy(&s[i]->g);
		free(s[i]);
	}
	vsw_destroy(sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
