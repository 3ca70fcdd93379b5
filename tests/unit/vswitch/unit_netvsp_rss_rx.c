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

/* ---- the hash value to the guest ---- */

static const struct nvg_frame *last(const struct nvg *g)
{
	return &g->frames[(g->n_frames - 1u) % NVG_FRAMES];
}

/* Flow i of a mix: TCP and UDP over IPv4 and IPv6 (3ffe::i -> fe80::1),
 * some IPv4 fragments. */
static struct rsst_flow flow_mix(unsigned i)
{
	struct rsst_flow f = rsst_flow4(i);

	f.proto = i % 2u ? 17 : 6;
	f.frag = i % 5u == 4u;
	if (i % 4u >= 2u) {
		rsst_flow_v6(&f, i);
		f.frag = false;
	}
	return f;
}

/* f (plen bytes) from a to b arrives intact with the hash the reference
 * gives for hashinfo, on the channel of that hash, or, not hashed (or
 * rss off), on the primary without per-packet info. */
static void check_flow(struct rsst_pair *p, const struct rsst_flow *f,
		       uint32_t hashinfo, bool rss, uint32_t plen)
{
	uint32_t h = 0, ch;
	bool hashed = rss && rsst_hash(rsst_ms_key, hashinfo, f, &h);

	ch = rsst_send(&p->a, &p->b, p->mb, p->ma, f, -1, plen, plen);
	assert_int_equal(last(&p->b)->has_hash, hashed);
	if (!hashed) {
		assert_int_equal(ch, 0);
		return;
	}
	assert_int_equal(last(&p->b)->hash, h);
	assert_int_equal(ch, p->table[h & (RSST_TAB - 1u)]);
}

/* Every hashed frame carries NBL_HASH_VALUE equal to the bit-at-a-time
 * Toeplitz of its NDIS input; ARP and other EtherTypes none; hash types
 * the guest turned off none; RSS disabled, none at all. */
static void test_hash_value(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	uint32_t tcp_only = NDIS_HASH_FUNC_TOEPLITZ | NDIS_HASH_TCP_IPV4 |
			    NDIS_HASH_TCP_IPV6;
	uint8_t f[64], pay[46];
	uint32_t len;

	(void)state;
	for (unsigned i = 0; i < 60; i++) {
		struct rsst_flow fl = flow_mix(i);

		check_flow(p, &fl, RSST_HASHINFO, true, 20u + i * 23u);
	}
	vswt_fill_payload(pay, sizeof(pay), 1);
	len = (uint32_t)vswt_build_frame(f, p->mb, p->ma, VSWT_UNTAGGED, 0,
					 0x0806, pay, sizeof(pay));
	assert_int_equal(rsst_send_raw(&p->a, &p->b, f, len, f, len), 0);
	assert_false(last(&p->b)->has_hash);
	assert_int_equal(rsst_set(&p->b, 0, tcp_only, p->table, RSST_TAB,
				  rsst_ms_key), RNDIS_STATUS_SUCCESS);
	for (unsigned i = 0; i < 20; i++) {
		struct rsst_flow fl = flow_mix(i);

		check_flow(p, &fl, tcp_only, true, 64);
	}
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_DISABLE_RSS, 0,
				  p->table, 0, rsst_ms_key), RNDIS_STATUS_SUCCESS);
	for (unsigned i = 0; i < 20; i++) {
		struct rsst_flow fl = flow_mix(i);

		check_flow(p, &fl, RSST_HASHINFO, false, 64);
	}
	rsst_pair_free(p);
}

/* RSS never set (sub-channels or not): the frames as before RSS, the
 * RNDIS_PACKET header alone, data right after it. */
static void test_hash_off(void **state)
{
	struct rsst_pair *p;

	(void)state;
	for (uint16_t subs = 0; subs <= 3; subs += 3) {
		p = rsst_pair_new(3, false);
		if (subs)
			assert_int_equal(nvg_subchannels(&p->b, subs), subs);
		for (unsigned i = 0; i < 12; i++) {
			struct rsst_flow fl = flow_mix(i);

			check_flow(p, &fl, RSST_HASHINFO, false, 64);
		}
		assert_false(nvg_stats(&p->b).rss_on);
		rsst_pair_free(p);
	}
}

/* The RNDIS_PACKET of the last frame g received in section sec: its
 * header and per-packet info length. */
static struct rndis_packet pkt_at(const struct nvg *g, uint32_t sec)
{
	struct rndis_packet r;

	memcpy(&r, g->recv.mem + sec * g->recv_section_size + RNDIS_HDR_SIZE,
	       sizeof(r));
	return r;
}

/* The layout in the receive buffer: header, one 16-byte element, data;
 * with RSS off, header and data. */
static void test_hash_layout(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	struct rsst_flow fl = flow_to(p, 0);
	struct rndis_packet r;
	struct rndis_ppi_hash e;

	(void)state;
	p->b.auto_complete = false;
	check_flow(p, &fl, RSST_HASHINFO, true, 100);
	assert_int_equal(p->b.n_held, 1);
	r = pkt_at(&p->b, (uint32_t)p->b.held[0]);
	assert_int_equal(r.ppi_off, sizeof(r));
	assert_int_equal(r.ppi_len, sizeof(e));
	assert_int_equal(r.data_off, sizeof(r) + sizeof(e));
	memcpy(&e, p->b.recv.mem + (uint32_t)p->b.held[0] * p->b.recv_section_size +
	       RNDIS_PKT_HDR_SIZE, sizeof(e));
	assert_int_equal(e.hdr.size, 16);
	assert_int_equal(e.hdr.type, RNDIS_PPI_HASH_VALUE);
	assert_int_equal(e.hdr.ppi_off, 12);
	assert_int_equal(e.value, last(&p->b)->hash);
	nvg_complete_held(&p->b);
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_DISABLE_RSS, 0,
				  p->table, 0, rsst_ms_key), RNDIS_STATUS_SUCCESS);
	nvg_complete_held(&p->b);   /* the SET's reply */
	check_flow(p, &fl, RSST_HASHINFO, false, 100);
	assert_int_equal(p->b.n_held, 1);
	r = pkt_at(&p->b, (uint32_t)p->b.held[0]);
	assert_int_equal(r.ppi_off, 0);
	assert_int_equal(r.ppi_len, 0);
	assert_int_equal(r.data_off, sizeof(r));
	nvg_complete_held(&p->b);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	rsst_pair_free(p);
}

/* A jumbo switch: frames that fit a 1,728-byte section with their hash
 * (1,668 bytes), one byte more (two sections), 6,000 bytes (four), each
 * intact with its hash. */
static void test_hash_jumbo(void **state)
{
	struct rsst_pair *p = rsst_pair_new_mtu(3, true, 9000);
	/* The largest a send section carries whole is 6,100 bytes. */
	static const uint32_t sizes[] = { 1668, 1669, 6000 }, secs[] = { 1, 2, 4 };

	(void)state;
	p->b.auto_complete = false;
	for (unsigned i = 0; i < 3; i++) {
		struct rsst_flow fl = rsst_flow4(i);

		/* 14 + 20 + 20 bytes of headers before the payload. */
		check_flow(p, &fl, RSST_HASHINFO, true, sizes[i] - 54u);
		assert_int_equal(last(&p->b)->len, sizes[i]);
		assert_int_equal(nvg_stats(&p->b).recv_sections_used, secs[i]);
		nvg_complete_held(&p->b);
		nvg_host_poll(&p->b);
		assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	}
	rsst_pair_free(p);
}

/* ---- IPv6 extension headers ---- */

/* An extension header: its type, length (a multiple of 8; 8 for a
 * fragment header) and, for a fragment header, its offset-and-flags
 * word. */
struct ext {
	uint8_t type;
	uint16_t bytes;
	uint16_t frag;
};

static const uint8_t v6_src[16] = { 0x3f, 0xfe, 0, 0, 0, 0, 0, 0,
				    0, 0, 0, 0, 0, 0, 0x12, 0x34 };
static const uint8_t v6_dst[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
				    0, 0, 0, 0, 0, 0, 0, 1 };

/* Extension header e at b, next header `next`; the options are Pad1. */
static void put_ext(uint8_t *b, const struct ext *e, uint8_t next)
{
	memset(b, 0, e->bytes);
	b[0] = next;
	if (e->type == 44) {
		vsw_put_be16(b + 2, e->frag);
		b[7] = 0x77;   /* identification */
	} else {
		b[1] = (uint8_t)(e->bytes / 8u - 1u);
	}
}

/* An IPv6 frame from p->ma to p->mb, v6_src -> v6_dst, with the n
 * extension headers e, then a 20-byte header of protocol proto (ports
 * 1234 -> 80) and 40 payload bytes; returns its length. */
static uint32_t v6_frame(uint8_t *b, const struct rsst_pair *p,
			 const struct ext *e, uint32_t n, uint8_t proto)
{
	uint32_t at = 54;

	memset(b, 0, 14 + 40);
	memcpy(b, p->mb, 6);
	memcpy(b + 6, p->ma, 6);
	vsw_put_be16(b + 12, 0x86dd);
	b[14] = 0x60;
	b[20] = n ? e[0].type : proto;
	b[21] = 64;
	memcpy(b + 22, v6_src, 16);
	memcpy(b + 38, v6_dst, 16);
	for (uint32_t i = 0; i < n; i++) {
		put_ext(b + at, &e[i], i + 1u < n ? e[i + 1u].type : proto);
		at += e[i].bytes;
	}
	memset(b + at, 0x5a, 60);
	vsw_put_be16(b + at, 1234);
	vsw_put_be16(b + at + 2, 80);
	b[at + 12] = 0x50;
	vsw_put_be16(b + 18, (uint16_t)(at + 60u - 54u));
	return at + 60u;
}

/* The reference hash of the addresses, with the ports when `ports`. */
static uint32_t v6_hash(bool ports)
{
	uint8_t in[36];

	memcpy(in, v6_src, 16);
	memcpy(in + 16, v6_dst, 16);
	vsw_put_be16(in + 32, 1234);
	vsw_put_be16(in + 34, 80);
	return rsst_toeplitz(rsst_ms_key, in, ports ? 36u : 32u);
}

enum v6_want { NONE, ADDR, PORTS };

/* Frame f (len bytes) from a to b: hashed as `want` says, its hash to
 * the guest and on that hash's channel. */
static void v6_check(struct rsst_pair *p, const uint8_t *f, uint32_t len,
		     enum v6_want want)
{
	uint32_t ch = rsst_send_raw(&p->a, &p->b, f, len, f, len);
	uint32_t h = v6_hash(want == PORTS);

	assert_int_equal(last(&p->b)->has_hash, want != NONE);
	if (want == NONE) {
		assert_int_equal(ch, 0);
		return;
	}
	assert_int_equal(last(&p->b)->hash, h);
	assert_int_equal(ch, p->table[h & (RSST_TAB - 1u)]);
}

static void v6_send(struct rsst_pair *p, const struct ext *e, uint32_t n,
		    uint8_t proto, enum v6_want want)
{
	static uint8_t f[2048];

	v6_check(p, f, v6_frame(f, p, e, n, proto), want);
}

/* Hop-by-hop, routing, destination options and atomic fragment headers
 * are walked to the TCP ports, up to eight of them; a real fragment, a
 * ninth header, AH, UDP: the addresses alone. */
static void test_ipv6_ext_walk(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	const struct ext hbh = { 0, 8, 0 }, rt = { 43, 24, 0 }, dst = { 60, 16, 0 };
	const struct ext atomic = { 44, 8, 0 }, first = { 44, 8, 0x0001 };
	const struct ext later = { 44, 8, 100u << 3 }, ah = { 51, 16, 0 };
	const struct ext resv = { 44, 8, 0x0006 };   /* reserved bits only */
	struct ext chain[9];

	(void)state;
	v6_send(p, NULL, 0, 6, PORTS);
	v6_send(p, &hbh, 1, 6, PORTS);
	v6_send(p, (struct ext[]){ hbh, rt, dst }, 3, 6, PORTS);
	v6_send(p, &atomic, 1, 6, PORTS);
	v6_send(p, &resv, 1, 6, PORTS);
	v6_send(p, (struct ext[]){ hbh, atomic, dst }, 3, 6, PORTS);
	v6_send(p, &first, 1, 6, ADDR);
	v6_send(p, &later, 1, 6, ADDR);
	v6_send(p, (struct ext[]){ hbh, rt, first }, 3, 6, ADDR);
	v6_send(p, &ah, 1, 6, ADDR);
	v6_send(p, &hbh, 1, 17, ADDR);
	chain[0] = hbh;
	for (uint32_t i = 1; i < 9; i++)
		chain[i] = dst;
	v6_send(p, chain, 8, 6, PORTS);
	v6_send(p, chain, 9, 6, ADDR);
	rsst_pair_free(p);
}

/* Lengths that leave the frame: an extension header cut short, one
 * whose length byte runs past the end, a TCP header without its ports.
 * The hash types the guest enabled decide the rest: without
 * NDIS_HASH_TCP_IPV6, addresses only; without NDIS_HASH_IPV6, nothing
 * that has no ports. */
static void test_ipv6_ext_bounds(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	const struct ext hbh = { 0, 8, 0 }, dst = { 60, 16, 0 };
	uint8_t f[256];
	uint32_t len;

	(void)state;
	len = v6_frame(f, p, (struct ext[]){ hbh, dst }, 2, 6);
	v6_check(p, f, 54 + 8 + 6, ADDR);        /* dst cut at 6 bytes */
	v6_check(p, f, 54 + 8 + 16 + 3, ADDR);   /* 3 bytes of TCP */
	v6_check(p, f, 54 + 8 + 16 + 4, PORTS);  /* the ports, no more */
	f[54 + 8 + 1] = 200;                     /* dst: 1,608 bytes */
	v6_check(p, f, len, ADDR);
	f[54 + 8 + 1] = 255;
	v6_check(p, f, len, ADDR);
	assert_int_equal(rsst_set(&p->b, 0, NDIS_HASH_FUNC_TOEPLITZ |
				  NDIS_HASH_IPV6, p->table, RSST_TAB,
				  rsst_ms_key), RNDIS_STATUS_SUCCESS);
	v6_send(p, (struct ext[]){ hbh, dst }, 2, 6, ADDR);
	assert_int_equal(rsst_set(&p->b, 0, NDIS_HASH_FUNC_TOEPLITZ |
				  NDIS_HASH_TCP_IPV6, p->table, RSST_TAB,
				  rsst_ms_key), RNDIS_STATUS_SUCCESS);
	v6_send(p, (struct ext[]){ hbh, dst }, 2, 6, PORTS);
	v6_send(p, (struct ext[]){ hbh, { 44, 8, 1 } }, 2, 6, NONE);
	v6_send(p, &hbh, 1, 17, NONE);
	rsst_pair_free(p);
}

/* ---- the send indirection table ---- */

/* g's last send table spreads over n channels and came on the primary. */
static void table_is(const struct nvg *g, uint32_t count, uint32_t n)
{
	assert_int_equal(g->n_table, count);
	assert_int_equal(g->table_chan, 0);
	for (uint32_t i = 0; i < NVSP_SEND_TAB_SIZE; i++)
		assert_int_equal(g->tx_table[i], i % n);
}

/* The table at SEND_SEND_BUF names the primary; a SUBCHANNEL grant of n
 * is followed by one over 1 + n channels, whatever version 5+ (Linux
 * reads it at offset 40 up to 6, at its offset on 6.1); a refusal sends
 * none. */
static void test_send_table(void **state)
{
	static const uint32_t vers[] = { NVSP_VERSION_5, NVSP_VERSION_6,
					 NVSP_VERSION_61 };
	struct rsst_pair *p = rsst_pair_new(3, false);
	struct nvg *b = &p->b;

	(void)state;
	table_is(b, 1, 1);
	assert_int_equal(nvg_subchannels(b, 7), 3);
	table_is(b, 2, 4);
	b->offer_err = -ENOSPC;
	assert_int_equal(nvg_subchannels(b, 2), -EPROTO);
	table_is(b, 2, 4);
	b->offer_err = 0;
	for (uint32_t v = 0; v < 3; v++) {
		for (uint16_t i = 1; i <= 3; i++)
			nvg_close_sub(b, i);
		netvsp_close(b->nv);
		assert_int_equal(netvsp_open(b->nv, &b->host), 0);
		b->n_table = 0;
		assert_int_equal(nvg_bringup(b, vers[v]), 0);
		table_is(b, 1, 1);
		assert_int_equal(nvg_subchannels(b, 1u + v), 1u + v);
		table_is(b, 2, 2u + v);
	}
	assert_int_equal(nvg_stats(b).nvsp_bad, 0);
	rsst_pair_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_queue_per_channel),
		cmocka_unit_test(test_hash_value),
		cmocka_unit_test(test_hash_off),
		cmocka_unit_test(test_hash_layout),
		cmocka_unit_test(test_hash_jumbo),
		cmocka_unit_test(test_ipv6_ext_walk),
		cmocka_unit_test(test_ipv6_ext_bounds),
		cmocka_unit_test(test_send_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
