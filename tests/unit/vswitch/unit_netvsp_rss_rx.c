/* unit_netvsp_rss_rx.c: what netvsp's channels give a guest beyond
 * steering (unit_netvsp_rss.c), driven by the mock netvsc guest (nvg.c):
 * replies queued per channel (a sub-channel whose ring is full holds
 * back only its own, which then go out in order); the RSS hash passed
 * with each hashed frame as NBL_HASH_VALUE per-packet info, equal to the
 * bit-at-a-time reference, and no per-packet info with RSS off or for
 * what is not hashed; IPv6 extension headers walked to the TCP ports;
 * the send indirection table over the granted channels. */
#include "tests/unit/vswitch/rss_testlib.h"
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/netvsp/netvsp_internal.h"
#include "vswitch/vsw_wire.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define FILL_TID 0xF111F111F111F111ull

/* A flow whose frames go on channel c of p->b. */
static struct rsst_flow flow_to(const struct rsst_pair *p, uint32_t c)
{
	for (unsigned i = 0;; i++) {
		struct rsst_flow f = rsst_flow4(2000 + i);

		if (rsst_expect(rsst_ms_key, p->table, RSST_TAB, RSST_HASHINFO,
				&f) == c)
			return f;
	}
}

/* ---- replies queued per channel ---- */

/* Fills the host-to-guest ring of host end ch with completions the
 * guest will read as FILL_TID; returns how many. */
static uint32_t fill_ring(struct vmbus_chan *ch)
{
	uint32_t n = 0, w = 0;

	while (vmbus_chan_send(ch, VMBUS_PKT_COMP, 0, FILL_TID, &w, 4) == 0)
		n++;
	assert_true(n > 0);
	return n;
}

/* g sends frame f on channel ch from send section sec, completion
 * asked for, and does not wait; returns the trans_id. */
static uint64_t send_nowait(struct nvg *g, uint32_t ch, uint32_t sec,
			    const uint8_t *f, uint32_t len)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	uint8_t *at = g->send.mem + sec * g->send_section_size;
	uint64_t tid;

	m.rndis_pkt.channel_type = NVSP_CHANNEL_DATA;
	m.rndis_pkt.section_index = sec;
	m.rndis_pkt.section_size = nvg_build_packet(at, f, len, ~0u);
	assert_int_equal(nvg_send_nvsp_on(g, ch, &m, sizeof(m), true, &tid), 0);
	return tid;
}

/* The trans_ids of the completions g read on channel ch, fillers aside,
 * oldest first; returns how many. */
static uint32_t comps_on(const struct nvg *g, uint32_t ch, uint64_t *out,
			 uint32_t max)
{
	uint32_t n = 0, first = g->n_comp_log > NVG_COMP_LOG ?
				g->n_comp_log - NVG_COMP_LOG : 0;

	for (uint32_t i = first; i < g->n_comp_log && n < max; i++)
		if (g->comp_log_ch[i % NVG_COMP_LOG] == ch &&
		    g->comp_log[i % NVG_COMP_LOG] != FILL_TID)
			out[n++] = g->comp_log[i % NVG_COMP_LOG];
	return n;
}

/* Sub-channel 1's ring is full and its guest CPU does not read it: its
 * drain stops with NETVSP_PEND_SUB completions queued, while the
 * primary's RNDIS replies and another sub-channel's completions go out.
 * Once the guest reads, channel 1's completions arrive, in order, then
 * the rest of its requests are served. */
static void test_reply_queue_per_channel(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	struct {
		struct rndis_hdr h;
		uint32_t id;
	} __attribute__((packed)) ka = { { RNDIS_MSG_KEEPALIVE, 12 }, 9 };
	struct rsst_flow fl = flow_to(p, 2);
	struct nvg *b = &p->b;
	uint64_t tid[5], got[8];
	uint8_t f[200];
	uint32_t len, fills;

	(void)state;
	fills = fill_ring(&b->sub[1].host);
	b->sub[1].hold = true;
	for (uint32_t k = 0; k < 5; k++) {
		struct rsst_flow x = rsst_flow4(k);

		len = rsst_frame(f, p->ma, p->mb, &x, -1, 100, k);
		tid[k] = send_nowait(b, 1, 2 + k, f, len);
	}
	nvg_host_poll(b);
	assert_int_equal(b->nv->pend_count, NETVSP_PEND_SUB);
	assert_int_equal(nvg_stats(b).tx_frames_sub, NETVSP_PEND_SUB);
	/* The primary and sub-channel 2 are not held back. */
	assert_int_equal(nvg_rndis(b, &ka, sizeof(ka), NVSP_CHANNEL_CONTROL,
				   false, 0), NVSP_STAT_SUCCESS);
	assert_int_equal(b->comp_chan, 0);
	assert_int_equal(b->ctrl_chan, 0);
	assert_int_equal(rsst_send(&p->a, b, p->mb, p->ma, &fl, -1, 300, 1), 2);
	len = rsst_frame(f, p->ma, p->mb, &fl, -1, 100, 7);
	assert_int_equal(nvg_send_frame_on(b, 2, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	assert_int_equal(b->comp_chan, 2);
	assert_int_equal(comps_on(b, 1, got, 8), 0);
	assert_int_equal(b->nv->pend_count, NETVSP_PEND_SUB);
	/* The guest reads channel 1 again: room, and all five in order. */
	b->sub[1].hold = false;
	assert_true(nvg_guest_drain(b) >= (int)fills);
	nvg_host_poll(b);
	assert_true(nvg_guest_drain(b) >= 0);
	nvg_host_poll(b);
	assert_true(nvg_guest_drain(b) >= 0);
	assert_int_equal(comps_on(b, 1, got, 8), 5);
	for (uint32_t k = 0; k < 5; k++)
		assert_true(got[k] == tid[k]);
	assert_int_equal(b->nv->pend_count, 0);
	assert_int_equal(nvg_stats(b).tx_frames_sub, 6);
	assert_int_equal(nvg_stats(b).ctrl_dropped, 0);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.n_frames, 6);
	rsst_pair_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_queue_per_channel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
