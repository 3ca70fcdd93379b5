/* unit_netvsp.c: netvsp driven as Linux's hv_netvsc drives it (the mock
 * guest in nvg.c, which checks what it receives as Linux does), through
 * a VMBus ring pair, with frames crossing a real switch between two
 * netvsp ports; then hostile input of every kind, after which the
 * instance must still carry traffic. */
#include "tests/unit/vswitch/nvg.h"
#include "tests/unit/vswitch/vsw_testlib.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define RING (256u * 1024u)
#define RBUF (1728u * 512u)
#define SBUF (6144u * 64u)

static const uint32_t versions[] = {
	NVSP_VERSION_1, NVSP_VERSION_2, NVSP_VERSION_4,
	NVSP_VERSION_5, NVSP_VERSION_6, NVSP_VERSION_61,
};
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct pair {
	struct vsw *sw;
	struct nvg a, b;
	uint8_t ma[6], mb[6];
};

static struct pair *pair_new(uint16_t vlan_a, uint16_t vlan_b, uint32_t ring_b,
			     uint32_t rbuf_b)
{
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	assert_int_equal(vsw_create("s", VSW_TYPE_PRIVATE, NULL, &p->sw), 0);
	vswt_make_mac(p->ma, 1);
	vswt_make_mac(p->mb, 2);
	assert_int_equal(nvg_create(&p->a, p->sw, p->ma, vlan_a, RING, RBUF, SBUF), 0);
	assert_int_equal(nvg_create(&p->b, p->sw, p->mb, vlan_b, ring_b, rbuf_b,
				    SBUF), 0);
	return p;
}

static void pair_free(struct pair *p)
{
	uint32_t errors = nvg_pair_finish(&p->a, &p->b, p->sw);

	free(p);
	assert_int_equal(errors, 0);
}

static uint32_t frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
		      uint32_t plen, unsigned seed)
{
	uint8_t pay[9000];

	vswt_fill_payload(pay, plen, seed);
	return (uint32_t)vswt_build_frame(buf, dst, src, VSWT_UNTAGGED, 0,
					  0x88B5, pay, plen);
}

/* INIT with each version Linux 6.1/6.12 tries, then the buffers; the
 * indirection table arrives from 5 on. */
static void test_versions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		struct pair *p = pair_new(0, 0, RING, RBUF);
		struct netvsp_stats s;

		assert_int_equal(nvg_connect(&p->a, versions[i]), 0);
		s = nvg_stats(&p->a);
		assert_int_equal(s.nvsp_version, versions[i]);
		assert_int_equal(s.recv_sections, RBUF / 1728u);
		assert_int_equal(p->a.recv_sections, RBUF / 1728u);
		assert_int_equal(p->a.recv_section_size, 1728);
		assert_int_equal(s.send_sections, 64);
		assert_int_equal(p->a.send_section_size, 6144);
		assert_int_equal(p->a.n_table, versions[i] >= NVSP_VERSION_5);
		if (versions[i] >= NVSP_VERSION_5)
			assert_int_equal(p->a.table_count, 16);
		assert_int_equal(s.nvsp_bad, 0);
		pair_free(p);
	}
}

static uint32_t init_status(struct nvg *g, uint32_t lo, uint32_t hi)
{
	struct nvsp_msg m = { .type = NVSP_MSG_INIT };
	struct nvsp_msg r;
	uint64_t tid;

	m.init.min_ver = lo;
	m.init.max_ver = hi;
	assert_int_equal(nvg_send_nvsp(g, &m, sizeof(m), true, &tid), 0);
	nvg_host_poll(g);
	assert_true(nvg_guest_drain(g) >= 0);
	assert_true(g->comp_tid == tid);
	memcpy(&r, g->comp, sizeof(r));
	assert_int_equal(r.type, NVSP_MSG_INIT_COMPLETE);
	return r.init_complete.status == NVSP_STAT_SUCCESS ?
	       r.init_complete.negotiated_ver : 0;
}

static void test_version_negotiation(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);

	(void)state;
	/* Unknown versions fail; Linux then tries the next one down. */
	assert_int_equal(init_status(&p->a, 0x70000, 0x70000), 0);
	assert_int_equal(init_status(&p->a, 3, 3), 0);
	assert_int_equal(init_status(&p->a, 5, 4), 0);
	/* A range gets the highest we speak inside it. */
	assert_int_equal(init_status(&p->a, NVSP_VERSION_2, NVSP_VERSION_5),
			 NVSP_VERSION_5);
	/* One negotiation per channel. */
	assert_int_equal(init_status(&p->a, NVSP_VERSION_61, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_stats(&p->a).nvsp_version, NVSP_VERSION_5);
	pair_free(p);
}

static uint32_t req_status(struct nvg *g, struct nvsp_msg *m, uint32_t len,
			   uint32_t want_type)
{
	uint64_t tid;
	uint32_t type, st;

	assert_int_equal(nvg_send_nvsp(g, m, len, true, &tid), 0);
	nvg_host_poll(g);
	assert_true(nvg_guest_drain(g) >= 0);
	assert_true(g->comp_tid == tid);
	memcpy(&type, g->comp, 4);
	memcpy(&st, g->comp + 4, 4);
	assert_int_equal(type, want_type);
	return st;
}

/* Requests out of order or naming what is not there get FAIL. */
static void test_out_of_order(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RECV_BUF };

	(void)state;
	m.send_buf.gpadl_handle = NVG_RECV_HANDLE;
	m.send_buf.id = NVSP_RECV_BUF_ID;
	assert_int_equal(req_status(&p->a, &m, sizeof(m),
				    NVSP_MSG1_SEND_RECV_BUF_COMP), NVSP_STAT_FAIL);
	m.type = NVSP_MSG1_SEND_RNDIS_PKT;
	assert_int_equal(req_status(&p->a, &m, sizeof(m),
				    NVSP_MSG1_SEND_RNDIS_PKT_COMP), NVSP_STAT_FAIL);
	assert_int_equal(init_status(&p->a, NVSP_VERSION_1, NVSP_VERSION_1),
			 NVSP_VERSION_1);
	/* NDIS config is a v2 message. */
	m.type = NVSP_MSG2_SEND_NDIS_CONFIG;
	assert_int_equal(nvg_send_nvsp(&p->a, &m, sizeof(m), false, NULL), 0);
	nvg_host_poll(&p->a);
	assert_int_equal(nvg_stats(&p->a).nvsp_bad, 3);
	/* A GPADL that does not exist, then a real one, then again. */
	m.type = NVSP_MSG1_SEND_RECV_BUF;
	m.send_buf.gpadl_handle = 0x999;
	assert_int_equal(req_status(&p->a, &m, sizeof(m),
				    NVSP_MSG1_SEND_RECV_BUF_COMP), NVSP_STAT_FAIL);
	m.send_buf.gpadl_handle = NVG_RECV_HANDLE;
	assert_int_equal(req_status(&p->a, &m, sizeof(m),
				    NVSP_MSG1_SEND_RECV_BUF_COMP), NVSP_STAT_SUCCESS);
	assert_int_equal(req_status(&p->a, &m, sizeof(m),
				    NVSP_MSG1_SEND_RECV_BUF_COMP), NVSP_STAT_FAIL);
	/* Too short to carry a handle. */
	m.type = NVSP_MSG1_SEND_SEND_BUF;
	assert_int_equal(req_status(&p->a, &m, 6, NVSP_MSG1_SEND_SEND_BUF_COMP),
			 NVSP_STAT_FAIL);
	/* Unknown type: counted, no reply. */
	m.type = 99;
	assert_int_equal(nvg_send_nvsp(&p->a, &m, sizeof(m), true, NULL), 0);
	nvg_host_poll(&p->a);
	assert_int_equal(nvg_stats(&p->a).nvsp_bad, 7);
	pair_free(p);
}

static void test_rndis_oids(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);
	uint8_t out[256], mc[12] = { 1, 0, 0x5e, 0, 0, 1, 1, 0, 0x5e, 0, 0, 2 };
	uint32_t n, v, st;
	bool found = false;

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_true(nvg_stats(&p->a).rndis_up);
	n = sizeof(out);
	assert_int_equal(nvg_query(&p->a, OID_802_3_PERMANENT_ADDRESS, NULL, 0,
				   out, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(out, p->ma, 6);
	n = 4;
	assert_int_equal(nvg_query(&p->a, OID_GEN_MAXIMUM_FRAME_SIZE, NULL, 0,
				   &v, &n), 0);
	assert_int_equal(v, 1500);
	n = 4;
	assert_int_equal(nvg_query(&p->a, OID_GEN_LINK_SPEED, NULL, 0, &v, &n), 0);
	assert_int_equal(v, 100000000);
	n = 4;
	assert_int_equal(nvg_query(&p->a, OID_GEN_MEDIA_CONNECT_STATUS, NULL, 0,
				   &v, &n), 0);
	assert_int_equal(v, 0);
	n = 4;
	assert_int_equal(nvg_query(&p->a, OID_GEN_HARDWARE_STATUS, NULL, 0, &v,
				   &n), 0);
	assert_int_equal(v, 0);
	n = sizeof(out);
	assert_int_equal(nvg_query(&p->a, OID_GEN_SUPPORTED_LIST, NULL, 0, out,
				   &n), 0);
	assert_true(n >= 40 && n % 4 == 0);
	for (uint32_t i = 0; i < n; i += 4) {
		memcpy(&v, out + i, 4);
		found |= v == OID_802_3_PERMANENT_ADDRESS;
	}
	assert_true(found);
	/* Without sub-channels to give, RSS says one queue: Linux then
	 * stays on the primary (rsscap.num_recv_que < 2). */
	n = sizeof(out);
	st = (uint32_t)nvg_query(&p->a, OID_GEN_RECEIVE_SCALE_CAPABILITIES, NULL,
				 0, out, &n);
	assert_int_equal(st, RNDIS_STATUS_SUCCESS);
	assert_int_equal(n, sizeof(struct ndis_rss_caps));
	memcpy(&v, out + 12, 4);
	assert_int_equal(v, 1);
	n = sizeof(out);
	st = (uint32_t)nvg_query(&p->a, 0x12345678, NULL, 0, out, &n);
	assert_int_equal(st, RNDIS_STATUS_NOT_SUPPORTED);
	/* The MAC belongs to the switch port. */
	st = (uint32_t)nvg_set(&p->a, OID_802_3_CURRENT_ADDRESS, p->mb, 6);
	assert_int_equal(st, RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(nvg_stats(&p->a).oid_unhandled, 2);
	/* Multicast list round trip; a ragged list is refused. */
	assert_int_equal(nvg_set(&p->a, OID_802_3_MULTICAST_LIST, mc, 12), 0);
	n = sizeof(out);
	assert_int_equal(nvg_query(&p->a, OID_802_3_MULTICAST_LIST, NULL, 0, out,
				   &n), 0);
	assert_int_equal(n, 12);
	assert_memory_equal(out, mc, 12);
	st = (uint32_t)nvg_set(&p->a, OID_802_3_MULTICAST_LIST, mc, 7);
	assert_int_equal(st, RNDIS_STATUS_INVALID_LENGTH);
	st = (uint32_t)nvg_set(&p->a, OID_GEN_CURRENT_PACKET_FILTER, &v, 2);
	assert_int_equal(st, RNDIS_STATUS_INVALID_LENGTH);
	n = 4;
	assert_int_equal(nvg_query(&p->a, OID_GEN_CURRENT_PACKET_FILTER, NULL, 0,
				   &v, &n), 0);
	assert_int_equal(v, nvg_stats(&p->a).packet_filter);
	assert_int_equal(v, 0xD);
	pair_free(p);
}

static void test_keepalive_reset(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);
	struct {
		struct rndis_hdr h;
		uint32_t id;
	} __attribute__((packed)) ka = { { RNDIS_MSG_KEEPALIVE, 12 }, 77 };
	uint32_t w[4];

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_5), 0);
	assert_int_equal(nvg_rndis(&p->a, &ka, sizeof(ka), NVSP_CHANNEL_CONTROL,
				   false, 0), NVSP_STAT_SUCCESS);
	memcpy(w, p->a.ctrl, 16);
	assert_int_equal(w[0], RNDIS_MSG_KEEPALIVE | RNDIS_MSG_COMPLETION);
	assert_int_equal(w[1], 16);
	assert_int_equal(w[2], 77);
	assert_int_equal(w[3], RNDIS_STATUS_SUCCESS);
	ka.h.type = RNDIS_MSG_RESET;
	assert_int_equal(nvg_rndis(&p->a, &ka, sizeof(ka), NVSP_CHANNEL_CONTROL,
				   false, 0), NVSP_STAT_SUCCESS);
	memcpy(w, p->a.ctrl, 16);
	assert_int_equal(w[0], RNDIS_MSG_RESET | RNDIS_MSG_COMPLETION);
	assert_int_equal(w[2], RNDIS_STATUS_SUCCESS);
	pair_free(p);
}

/* Sends one frame from x; y must receive exactly it. */
static void one_way(struct nvg *x, struct nvg *y, const uint8_t *dst,
		    const uint8_t *src, uint32_t plen, bool gpa, unsigned seed)
{
	uint8_t f[9100];
	uint32_t len = frame(f, dst, src, plen, seed), before = y->n_frames;

	assert_int_equal(nvg_send_frame(x, f, len, ~0u, gpa), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(y) >= 0);
	assert_int_equal(y->n_frames, before + 1);
	assert_int_equal(y->frames[before % NVG_FRAMES].len, len);
	assert_memory_equal(y->frames[before % NVG_FRAMES].data, f, len);
	nvg_host_poll(y);  /* y's receive completion frees the section */
}

static void test_frames_both_ways(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);
	struct netvsp_stats s;

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_2), 0);
	one_way(&p->a, &p->b, bcast, p->ma, 100, false, 1);
	one_way(&p->b, &p->a, p->ma, p->mb, 1500, false, 2);
	one_way(&p->a, &p->b, p->mb, p->ma, 1500, true, 3);
	one_way(&p->b, &p->a, p->ma, p->mb, 46, true, 4);
	for (unsigned i = 0; i < 300; i++)
		one_way(&p->a, &p->b, p->mb, p->ma, 46 + i * 5 % 1455, i & 1, 10 + i);
	s = nvg_stats(&p->a);
	assert_int_equal(s.tx_frames, 302);
	assert_int_equal(s.rx_frames, 2);
	assert_int_equal(s.recv_sections_used, 0);
	s = nvg_stats(&p->b);
	assert_int_equal(s.rx_frames, 302);
	assert_int_equal(s.recv_sections_used, 0);
	assert_int_equal(s.rx_drop_no_buffer + s.rx_drop_ring_full, 0);
	pair_free(p);
}

/* A jumbo switch: a frame spans several receive sections. */
static void test_jumbo(void **state)
{
	struct vsw_config c = { .mtu = 9000 };
	struct pair *p = calloc(1, sizeof(*p));
	struct netvsp_config cfg;
	uint8_t f[9100];
	uint32_t len;

	(void)state;
	assert_int_equal(vsw_create("j", VSW_TYPE_PRIVATE, &c, &p->sw), 0);
	vswt_make_mac(p->ma, 1);
	vswt_make_mac(p->mb, 2);
	assert_int_equal(nvg_create(&p->a, p->sw, p->ma, 0, RING, RBUF, SBUF), 0);
	assert_int_equal(nvg_create(&p->b, p->sw, p->mb, 0, RING, RBUF, SBUF), 0);
	/* Rebuild b's netvsp with the jumbo MTU. */
	netvsp_close(p->b.nv);
	netvsp_destroy(p->b.nv);
	memset(&cfg, 0, sizeof(cfg));
	cfg.sw = p->sw;
	cfg.mtu = 9000;
	memcpy(cfg.port.mac, p->mb, 6);
	nvg_ops(&p->b, &cfg.ops);
	assert_int_equal(netvsp_create(&cfg, &p->b.nv), 0);
	assert_int_equal(netvsp_open(p->b.nv, &p->b.host), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	p->b.auto_complete = false;
	len = frame(f, p->mb, p->ma, 1500, 9);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	/* b's netvsp takes 9000-byte frames... */
	len = frame(f, p->ma, p->mb, 4000, 9);
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->b).tx_switch_drops, 0);
	/* ...and the switch delivers it to a in 3 receive sections (the
	 * receive side never limits a frame the switch accepted). */
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.n_frames, 1);
	assert_int_equal(p->a.frames[0].len, len);
	assert_memory_equal(p->a.frames[0].data, f, len);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 1);
	nvg_complete_held(&p->b);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	nvg_host_poll(&p->a);
	assert_int_equal(nvg_stats(&p->a).recv_sections_used, 0);
	pair_free(p);
}

/* The 802.1Q PPI becomes a tag the switch checks against the port. */
static void test_vlan_ppi(void **state)
{
	struct pair *p = pair_new(5, 5, RING, RBUF);
	uint8_t f[200];
	uint32_t len = frame(f, p->mb, p->ma, 100, 3);

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	/* VID 5, priority 3 on an access port of VLAN 5: delivered
	 * untagged, byte for byte. */
	assert_int_equal(nvg_send_frame(&p->a, f, len, 5u << 4 | 3u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, 1);
	assert_int_equal(p->b.frames[0].len, len);
	assert_memory_equal(p->b.frames[0].data, f, len);
	/* VID 6 is not this port's VLAN: the switch drops it. */
	assert_int_equal(nvg_send_frame(&p->a, f, len, 6u << 4, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, 1);
	assert_int_equal(nvg_stats(&p->a).tx_switch_drops, 1);
	pair_free(p);
}

static void test_filter_and_state(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);
	uint8_t f[200];
	uint32_t len, filt = NDIS_PACKET_TYPE_DIRECTED;
	struct {
		struct rndis_hdr h;
		uint32_t id;
	} __attribute__((packed)) halt = { { RNDIS_MSG_HALT, 12 }, 1 };

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_connect(&p->b, NVSP_VERSION_61), 0);
	len = frame(f, p->mb, p->ma, 100, 1);
	/* b has buffers but no RNDIS yet: nothing indicated. */
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->b).rx_drop_not_ready, 1);
	assert_int_equal(nvg_rndis_init(&p->b), 0);
	/* RNDIS up, packet filter still 0. */
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->b).rx_drop_not_ready, 2);
	assert_int_equal(nvg_set(&p->b, OID_GEN_CURRENT_PACKET_FILTER, &filt, 4), 0);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, 1);
	/* Directed only: broadcast filtered. */
	len = frame(f, bcast, p->ma, 100, 1);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->b).rx_drop_filtered, 1);
	/* Link down: indicated, queried, frames dropped; then up again. */
	netvsp_set_link(p->b.nv, false);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_indicate, 1);
	assert_int_equal(p->b.last_indicate, RNDIS_STATUS_MEDIA_DISCONNECT);
	len = frame(f, p->mb, p->ma, 100, 1);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->b).rx_drop_not_ready, 3);
	netvsp_set_link(p->b.nv, true);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_indicate, 2);
	assert_int_equal(p->b.last_indicate, RNDIS_STATUS_MEDIA_CONNECT);
	/* HALT: no more frames. */
	assert_int_equal(nvg_rndis(&p->b, &halt, sizeof(halt),
				   NVSP_CHANNEL_CONTROL, false, 0), NVSP_STAT_SUCCESS);
	assert_false(nvg_stats(&p->b).rndis_up);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->b).rx_drop_not_ready, 4);
	assert_int_equal(p->b.n_frames, 1);
	pair_free(p);
}

/* Disconnect-VMNetworkAdapter / Connect-VMNetworkAdapter: b unplugged
 * (link down indicated, its frames go nowhere, a's do not reach it),
 * then plugged into a second switch with c, keeping its MAC. */
static void test_set_switch(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);
	struct vsw *sw2;
	struct vsw_port *port;
	struct nvg c, e;
	uint8_t f[200], mc[6], mac[6];
	uint32_t len, filt = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST;

	(void)state;
	assert_int_equal(vsw_create("s2", VSW_TYPE_PRIVATE, NULL, &sw2), 0);
	vswt_make_mac(mc, 3);
	assert_int_equal(nvg_create(&c, sw2, mc, 0, RING, RBUF, SBUF), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&c, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_set(&c, OID_GEN_CURRENT_PACKET_FILTER, &filt, 4), 0);
	assert_int_equal(netvsp_set_switch(p->b.nv, NULL), 0);
	assert_null(netvsp_port(p->b.nv));
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.last_indicate, RNDIS_STATUS_MEDIA_DISCONNECT);
	len = frame(f, p->ma, p->mb, 100, 1);
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->b).tx_switch_drops, 1);
	assert_int_equal(nvg_stats(&p->a).rx_frames, 0);
	/* Into sw2: the same MAC, link up, frames reach c and not a. */
	assert_int_equal(netvsp_set_switch(p->b.nv, sw2), 0);
	vsw_port_get_mac(netvsp_port(p->b.nv), mac);
	assert_memory_equal(mac, p->mb, 6);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.last_indicate, RNDIS_STATUS_MEDIA_CONNECT);
	len = frame(f, bcast, p->mb, 100, 2);
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&c) >= 0);
	assert_int_equal(c.n_frames, 1);
	assert_int_equal(nvg_stats(&p->a).rx_frames, 0);
	/* The switch it is on is no change; a MAC already on the target
	 * switch (e has c's, on the first switch) is refused and nothing
	 * changes. */
	assert_int_equal(netvsp_set_switch(c.nv, sw2), 0);
	assert_non_null(netvsp_port(c.nv));
	assert_int_equal(nvg_create(&e, p->sw, mc, 0, RING, RBUF, SBUF), 0);
	port = netvsp_port(e.nv);
	assert_int_equal(netvsp_set_switch(e.nv, sw2), -EEXIST);
	assert_ptr_equal(netvsp_port(e.nv), port);
	nvg_destroy(&e);
	len = frame(f, p->mb, mc, 100, 3);
	assert_int_equal(nvg_send_frame(&c, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, 1);
	nvg_destroy(&c);
	pair_free(p);
	vsw_destroy(sw2);
}

/* hv_netvsc's "NetworkAddress" config parameter (rndis_filter.c,
 * rndis_filter_set_device_mac): 0x1C-byte header then the name and 12
 * hex digits, UTF-16LE. */
static uint32_t netaddr_param(uint8_t *buf, const char *name, const char *value)
{
	struct rndis_config_param h = { 20, 0, RNDIS_CONFIG_PARAM_STRING, 0, 0 };
	uint32_t off = 20;

	h.name_len = (uint32_t)strlen(name) * 2u;
	h.value_off = h.name_off + h.name_len;
	h.value_len = (uint32_t)strlen(value) * 2u;
	for (const char *s = name; *s; s++, off += 2)
		buf[off] = (uint8_t)*s, buf[off + 1] = 0;
	for (const char *s = value; *s; s++, off += 2)
		buf[off] = (uint8_t)*s, buf[off + 1] = 0;
	memcpy(buf, &h, sizeof(h));
	return off;
}

static uint64_t port_drops(struct nvg *g, enum vsw_drop why)
{
	struct vsw_port_stats s;

	vsw_port_get_stats(netvsp_port(g->nv), &s);
	return s.drops[why];
}

/* The guest changes its address (ip link set eth0 address): with the
 * MAC-spoofing guard (the default) its frames from the new address are
 * dropped and counted; netvsp_set_policy(ALLOW_SPOOF) lets them through
 * and frames to the new address reach it. Malformed parameters are
 * refused and change nothing. */
static void test_guest_mac_and_spoofing(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);
	struct vsw_port_config pc;
	uint8_t buf[128], f[200], out[8], mn[6] = { 0x00, 0x15, 0x5d, 0xff, 0xff, 0x01 };
	uint32_t len, n;
	struct rndis_config_param *h = (struct rndis_config_param *)buf;

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	len = netaddr_param(buf, "NetworkAddress", "00155dffff01");
	assert_int_equal(nvg_set(&p->a, OID_GEN_RNDIS_CONFIG_PARAMETER, buf, len), 0);
	n = sizeof(out);
	assert_int_equal(nvg_query(&p->a, OID_802_3_CURRENT_ADDRESS, NULL, 0, out, &n), 0);
	assert_memory_equal(out, mn, 6);
	n = sizeof(out);
	assert_int_equal(nvg_query(&p->a, OID_802_3_PERMANENT_ADDRESS, NULL, 0, out, &n), 0);
	assert_memory_equal(out, p->ma, 6);
	/* Spoofing off: dropped at the switch, counted on a's port. */
	len = frame(f, bcast, mn, 100, 1);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, 0);
	assert_int_equal(port_drops(&p->a, VSW_DROP_SPOOF), 1);
	assert_int_equal(nvg_stats(&p->a).tx_switch_drops, 1);
	/* Spoofing on: through, and b's answer to mn reaches a. */
	memset(&pc, 0, sizeof(pc));
	pc.vlan_mode = VSW_VLAN_ACCESS;
	pc.flags = VSW_PORT_ALLOW_SPOOF;
	assert_int_equal(netvsp_set_policy(p->a.nv, &pc), 0);
	one_way(&p->a, &p->b, bcast, mn, 100, false, 2);
	one_way(&p->b, &p->a, mn, p->mb, 100, false, 3);
	assert_int_equal(port_drops(&p->a, VSW_DROP_SPOOF), 1);
	/* Bad parameters: short, out of bounds, other names, not a MAC. */
	assert_int_equal((uint32_t)nvg_set(&p->a, OID_GEN_RNDIS_CONFIG_PARAMETER, buf, 19),
			 RNDIS_STATUS_INVALID_LENGTH);
	len = netaddr_param(buf, "NetworkAddress", "00155dffff02");
	h->value_off = len - 2;
	assert_int_equal((uint32_t)nvg_set(&p->a, OID_GEN_RNDIS_CONFIG_PARAMETER, buf, len),
			 RNDIS_STATUS_INVALID_LENGTH);
	len = netaddr_param(buf, "Speed", "00155dffff02");
	assert_int_equal((uint32_t)nvg_set(&p->a, OID_GEN_RNDIS_CONFIG_PARAMETER, buf, len),
			 RNDIS_STATUS_NOT_SUPPORTED);
	len = netaddr_param(buf, "NetworkAddress", "01155dffff02");   /* group */
	assert_int_equal((uint32_t)nvg_set(&p->a, OID_GEN_RNDIS_CONFIG_PARAMETER, buf, len),
			 RNDIS_STATUS_INVALID_DATA);
	len = netaddr_param(buf, "NetworkAddress", "00155dffff0g");
	assert_int_equal((uint32_t)nvg_set(&p->a, OID_GEN_RNDIS_CONFIG_PARAMETER, buf, len),
			 RNDIS_STATUS_INVALID_DATA);
	len = netaddr_param(buf, "NetworkAddress", "00155dffff0");
	assert_int_equal((uint32_t)nvg_set(&p->a, OID_GEN_RNDIS_CONFIG_PARAMETER, buf, len),
			 RNDIS_STATUS_INVALID_DATA);
	n = sizeof(out);
	assert_int_equal(nvg_query(&p->a, OID_802_3_CURRENT_ADDRESS, NULL, 0, out, &n), 0);
	assert_memory_equal(out, mn, 6);
	pair_free(p);
}

/* Set-VMNetworkAdapterVlan on a live port: a on access VLAN 5 no longer
 * hears b (untagged); b on VLAN 5 too, it does; a bad policy is refused
 * and changes nothing; the policy survives unplugging and plugging. */
static void test_set_policy_vlan(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);
	struct vsw_port_config pc;
	uint8_t f[200];
	uint16_t bad_list[1] = { 4095 };
	uint32_t len;

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	memset(&pc, 0, sizeof(pc));
	pc.vlan_mode = VSW_VLAN_ACCESS;
	pc.access_vlan = 5;
	assert_int_equal(netvsp_set_policy(p->a.nv, &pc), 0);
	len = frame(f, bcast, p->mb, 100, 1);
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.n_frames, 0);
	assert_int_equal(netvsp_set_policy(p->b.nv, &pc), 0);
	one_way(&p->b, &p->a, bcast, p->mb, 100, false, 2);
	pc.vlan_mode = VSW_VLAN_TRUNK;
	pc.allowed_vlans = bad_list;
	pc.n_allowed = 1;
	assert_int_equal(netvsp_set_policy(p->a.nv, &pc), -EINVAL);
	one_way(&p->b, &p->a, bcast, p->mb, 100, false, 3);
	/* a unplugged and plugged back keeps VLAN 5; b back to untagged. */
	assert_int_equal(netvsp_set_switch(p->a.nv, NULL), 0);
	assert_int_equal(netvsp_set_switch(p->a.nv, p->sw), 0);
	one_way(&p->b, &p->a, bcast, p->mb, 100, false, 4);
	pc.vlan_mode = VSW_VLAN_ACCESS;
	pc.n_allowed = 0;
	pc.allowed_vlans = NULL;
	pc.access_vlan = 0;
	assert_int_equal(netvsp_set_policy(p->b.nv, &pc), 0);
	len = frame(f, bcast, p->mb, 100, 5);
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.n_frames, 3);   /* a (VLAN 5 still) did not get it */
	pair_free(p);
}

/* Revoke, GPADL teardown, close and reopen. */
static void test_revoke_reopen(void **state)
{
	struct pair *p = pair_new(0, 0, RING, RBUF);
	struct nvsp_msg m = { .type = NVSP_MSG1_REVOKE_RECV_BUF };
	uint8_t f[200];
	uint32_t len = frame(f, p->mb, p->ma, 100, 1);

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	m.revoke.id = NVSP_RECV_BUF_ID;
	assert_int_equal(nvg_send_nvsp(&p->b, &m, sizeof(m), false, NULL), 0);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections, 0);
	assert_false(p->b.recv.open);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->b).rx_drop_not_ready, 1);
	/* Send buffer torn down under the host: section sends now fail. */
	netvsp_gpadl_teardown(p->a.nv, NVG_SEND_HANDLE);
	assert_false(p->a.send.open);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false),
			 NVSP_STAT_INVALID_RNDIS_PKT);
	/* ...but page buffers still work. */
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, true), NVSP_STAT_SUCCESS);
	/* Close and reopen b: a fresh conversation. */
	netvsp_close(p->b.nv);
	assert_false(p->b.send.open);
	assert_int_equal(nvg_stats(&p->b).nvsp_version, 0);
	assert_int_equal(netvsp_open(p->b.nv, &p->b.host), 0);
	p->b.n_table = 0;
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_6), 0);
	one_way(&p->a, &p->b, p->mb, p->ma, 500, true, 7);
	pair_free(p);
}

/* The receive buffer fills when the guest holds its completions: the
 * excess is dropped and counted, and traffic resumes once it completes. */
static void test_flood(void **state)
{
	struct pair *p = pair_new(0, 0, RING, 1728u * 64u);
	uint8_t f[1600];
	uint32_t len = frame(f, p->mb, p->ma, 1500, 1);
	struct netvsp_stats s;

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	p->b.auto_complete = false;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
		assert_true(nvg_guest_drain(&p->b) >= 0);
	}
	s = nvg_stats(&p->b);
	assert_int_equal(s.rx_frames, 64);
	assert_int_equal(s.rx_drop_no_buffer, 36);
	assert_int_equal(s.recv_sections_used, 64);
	assert_int_equal(p->b.n_frames, 64);
	nvg_complete_held(&p->b);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	p->b.auto_complete = true;
	one_way(&p->a, &p->b, p->mb, p->ma, 1500, false, 5);
	pair_free(p);
}

/* A guest that never reads its ring: frames are dropped at the ring,
 * control replies wait in the queue and arrive once it reads. */
static void test_ring_full(void **state)
{
	struct pair *p = pair_new(0, 0, 8192, RBUF);
	uint8_t f[1600];
	uint32_t len = frame(f, p->mb, p->ma, 1500, 1), n = 0;
	struct {
		struct rndis_hdr h;
		uint32_t id;
	} __attribute__((packed)) ka = { { RNDIS_MSG_KEEPALIVE, 12 }, 5 };
	uint8_t buf[64];
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };

	(void)state;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	for (int i = 0; i < 400; i++)
		assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_stats(&p->b).rx_drop_ring_full > 0);
	assert_int_equal(nvg_stats(&p->b).rx_drop_ring_full + nvg_stats(&p->b).rx_frames,
			 400);
	/* Ring full: 20 keepalives through sections 0..19, unanswered. */
	for (uint32_t i = 0; i < 20; i++) {
		memcpy(buf, &ka, sizeof(ka));
		memcpy(p->b.send.mem + i * 6144u, buf, sizeof(ka));
		m.rndis_pkt.channel_type = NVSP_CHANNEL_CONTROL;
		m.rndis_pkt.section_index = i;
		m.rndis_pkt.section_size = sizeof(ka);
		assert_int_equal(nvg_send_nvsp(&p->b, &m, sizeof(m), true, NULL), 0);
	}
	nvg_host_poll(&p->b);
	/* Now read: frames, then every queued reply in order. */
	for (int round = 0; round < 50; round++) {
		uint32_t c0 = p->b.n_ctrl;

		assert_true(nvg_guest_drain(&p->b) >= 0);
		n += p->b.n_ctrl - c0;
		nvg_host_poll(&p->b);
	}
	assert_int_equal(n, 20);
	assert_int_equal(nvg_stats(&p->b).ctrl_dropped, 0);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	pair_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_version_negotiation),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_rndis_oids),
		cmocka_unit_test(test_keepalive_reset),
		cmocka_unit_test(test_frames_both_ways),
		cmocka_unit_test(test_jumbo),
		cmocka_unit_test(test_vlan_ppi),
		cmocka_unit_test(test_filter_and_state),
		cmocka_unit_test(test_set_switch),
		cmocka_unit_test(test_guest_mac_and_spoofing),
		cmocka_unit_test(test_set_policy_vlan),
		cmocka_unit_test(test_revoke_reopen),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_ring_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
