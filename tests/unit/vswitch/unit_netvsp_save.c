/* unit_netvsp_save.c: netvsp's saved state (netvsp_save/netvsp_restore).
 *
 * A guest (the mock netvsc of nvg.c) is brought to a point of its
 * conversation; its netvsp is saved, destroyed, and a new one with the
 * same configuration is given the same channel back (the ring pair in
 * nvg stands for what the VMBus server's restore rebuilds) and the blob.
 * The guest must not notice: it goes on where it was, its frames flow
 * both ways, its completions of receives it held free them, replies that
 * waited for ring room arrive. Blobs that do not match, are cut, grown
 * or have a bit flipped are refused with nv as it was. */
#include "tests/unit/vswitch/nvg.h"
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/netvsp/netvsp_state.h"

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
#define BLOB_MAX (64u * 1024u)
#define MAIN_OFF sizeof(struct netvsp_st_hdr)

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct pair {
	struct vsw *sw;
	struct nvg a, b;
	uint8_t ma[6], mb[6];
	uint8_t blob[BLOB_MAX];
	size_t len;
};

static struct pair *pair_new(uint32_t ring_a, uint32_t rbuf_a)
{
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	assert_int_equal(vsw_create("s", VSW_TYPE_PRIVATE, NULL, &p->sw), 0);
	vswt_make_mac(p->ma, 1);
	vswt_make_mac(p->mb, 2);
	assert_int_equal(nvg_create(&p->a, p->sw, p->ma, 0, ring_a, rbuf_a,
				    SBUF), 0);
	assert_int_equal(nvg_create(&p->b, p->sw, p->mb, 0, RING, RBUF, SBUF), 0);
	return p;
}

static void pair_free(struct pair *p)
{
	if (p->a.proto_errors || p->b.proto_errors)
		print_error("guest saw: %s / %s\n",
			    p->a.last_error ? p->a.last_error : "-",
			    p->b.last_error ? p->b.last_error : "-");
	assert_int_equal(p->a.proto_errors, 0);
	assert_int_equal(p->b.proto_errors, 0);
	nvg_pair_destroy(&p->a, &p->b, p->sw);
	free(p);
}

static struct netvsp_st_main main_of(const struct pair *p)
{
	struct netvsp_st_main m;

	memcpy(&m, p->blob + MAIN_OFF, sizeof(m));
	return m;
}

/* The restoring host's instance for g: same configuration, the channel
 * given back (netvsp_open from the VMBus restore) when one was open. */
static void fresh_nv(struct pair *p, struct nvg *g, bool chan)
{
	struct netvsp_config cfg;

	nvg_config(g, p->sw, g == &p->a ? p->ma : p->mb, 0, &cfg);
	assert_int_equal(netvsp_create(&cfg, &g->nv), 0);
	if (chan)
		assert_int_equal(netvsp_open(g->nv, &g->host), 0);
}

/* Save-VM: the blob into p->blob, and the live instance gone. */
static void save_and_kill(struct pair *p, struct nvg *g)
{
	assert_int_equal(netvsp_save(g->nv, p->blob, sizeof(p->blob), &p->len), 0);
	assert_int_equal(p->len, netvsp_save_size(g->nv));
	netvsp_close(g->nv);
	netvsp_destroy(g->nv);
	g->nv = NULL;
}

/* The restored instance saves to the very same bytes. */
static void same_again(struct pair *p, struct nvg *g)
{
	uint8_t *again = malloc(BLOB_MAX);
	size_t len = 0;

	assert_non_null(again);
	assert_int_equal(netvsp_save(g->nv, again, BLOB_MAX, &len), 0);
	assert_int_equal(len, p->len);
	assert_memory_equal(again, p->blob, len);
	free(again);
}

/* Save, a new instance, restore: what a Save-VM and a start do. */
static void reincarnate(struct pair *p, struct nvg *g, bool chan)
{
	save_and_kill(p, g);
	fresh_nv(p, g, chan);
	assert_int_equal(netvsp_restore(g->nv, p->blob, p->len), 0);
	same_again(p, g);
}

static uint32_t frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
		      uint32_t plen, unsigned seed)
{
	uint8_t pay[1600];

	vswt_fill_payload(pay, plen, seed);
	return (uint32_t)vswt_build_frame(buf, dst, src, VSWT_UNTAGGED, 0,
					  0x88B5, pay, plen);
}

/* One frame from x; y receives exactly it (and completes it, unless it
 * holds its receives). */
static void one_way(struct nvg *x, struct nvg *y, const uint8_t *dst,
		    const uint8_t *src, uint32_t plen, bool gpa, unsigned seed)
{
	uint8_t f[1600];
	uint32_t len = frame(f, dst, src, plen, seed), before = y->n_frames;

	assert_int_equal(nvg_send_frame(x, f, len, ~0u, gpa), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(y) >= 0);
	assert_int_equal(y->n_frames, before + 1);
	assert_int_equal(y->frames[before % NVG_FRAMES].len, len);
	assert_memory_equal(y->frames[before % NVG_FRAMES].data, f, len);
	nvg_host_poll(y);
}

static void both_ways(struct pair *p, unsigned seed)
{
	one_way(&p->a, &p->b, p->mb, p->ma, 1500, false, seed);
	one_way(&p->b, &p->a, p->ma, p->mb, 700, false, seed + 1);
	one_way(&p->a, &p->b, bcast, p->ma, 46, true, seed + 2);
	one_way(&p->b, &p->a, bcast, p->mb, 1000, true, seed + 3);
}

/* Channel open, nothing negotiated: the guest's conversation starts
 * from the beginning on the restored instance. */
static void test_before_init(void **state)
{
	struct pair *p = pair_new(RING, RBUF);

	(void)state;
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	reincarnate(p, &p->a, true);
	assert_int_equal(main_of(p).nvsp_version, 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	both_ways(p, 1);
	pair_free(p);
}

/* No channel: the blob says so, and only an instance without one
 * takes it (and the other way round). */
static void test_no_channel(void **state)
{
	struct pair *p = pair_new(RING, RBUF);

	(void)state;
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_5), 0);
	netvsp_close(p->a.nv);
	reincarnate(p, &p->a, false);
	assert_int_equal(main_of(p).has_channel, 0);
	assert_int_equal(netvsp_open(p->a.nv, &p->a.host), 0);
	assert_int_equal(netvsp_restore(p->a.nv, p->blob, p->len), -EINVAL);
	p->a.n_table = 0;
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	both_ways(p, 1);
	/* An open channel's blob into an instance without one. */
	save_and_kill(p, &p->a);
	fresh_nv(p, &p->a, false);
	assert_int_equal(netvsp_restore(p->a.nv, p->blob, p->len), -EINVAL);
	assert_int_equal(netvsp_open(p->a.nv, &p->a.host), 0);
	assert_int_equal(netvsp_restore(p->a.nv, p->blob, p->len), 0);
	both_ways(p, 5);
	pair_free(p);
}

/* After INIT alone: the version holds (a second INIT is refused, one
 * negotiation per channel) and the rest of the conversation goes on. */
static void test_after_init(void **state)
{
	struct pair *p = pair_new(RING, RBUF);
	struct nvsp_msg m = { .type = NVSP_MSG_INIT }, r;
	uint64_t tid;

	(void)state;
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_init(&p->a, NVSP_VERSION_6), 0);
	reincarnate(p, &p->a, true);
	assert_int_equal(nvg_stats(&p->a).nvsp_version, NVSP_VERSION_6);
	m.init.min_ver = m.init.max_ver = NVSP_VERSION_6;
	assert_int_equal(nvg_send_nvsp(&p->a, &m, sizeof(m), true, &tid), 0);
	nvg_host_poll(&p->a);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_true(p->a.comp_tid == tid);
	memcpy(&r, p->a.comp, sizeof(r));
	assert_int_equal(r.init_complete.status, NVSP_STAT_FAIL);
	assert_int_equal(nvg_buffers(&p->a), 0);
	assert_int_equal(p->a.n_table, 1);
	assert_int_equal(nvg_ifup(&p->a), 0);
	both_ways(p, 1);
	pair_free(p);
}

/* After the buffers: both reopened by their handles; RNDIS comes up on
 * them and frames flow. */
static void test_after_buffers(void **state)
{
	struct pair *p = pair_new(RING, RBUF);
	struct netvsp_stats s;

	(void)state;
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_connect(&p->a, NVSP_VERSION_61), 0);
	reincarnate(p, &p->a, true);
	assert_true(p->a.recv.open && p->a.send.open);
	s = nvg_stats(&p->a);
	assert_int_equal(s.recv_sections, RBUF / 1728u);
	assert_int_equal(s.send_sections, SBUF / 6144u);
	assert_false(s.rndis_up);
	assert_int_equal(nvg_ifup(&p->a), 0);
	assert_int_equal(p->a.n_table, 1);   /* not sent again */
	both_ways(p, 1);
	pair_free(p);
}

static uint32_t netaddr_param(uint8_t *buf, const char *value)
{
	const char *name = "NetworkAddress";
	struct rndis_config_param h = { 20, 28, RNDIS_CONFIG_PARAM_STRING,
					48, 24 };

	memcpy(buf, &h, sizeof(h));
	for (unsigned i = 0; i < 14; i++) {
		buf[20 + 2 * i] = (uint8_t)name[i];
		buf[21 + 2 * i] = 0;
	}
	for (unsigned i = 0; i < 12; i++) {
		buf[48 + 2 * i] = (uint8_t)value[i];
		buf[49 + 2 * i] = 0;
	}
	return 72;
}

static void query_eq(struct nvg *g, uint32_t oid, const void *want,
		     uint32_t len)
{
	uint8_t out[256];
	uint32_t n = sizeof(out);

	assert_int_equal(nvg_query(g, oid, NULL, 0, out, &n), RNDIS_STATUS_SUCCESS);
	assert_int_equal(n, len);
	assert_memory_equal(out, want, len);
}

/* RNDIS up, filter, multicast list and a NetworkAddress set: all of it
 * answers the same after the restore, and frames flow both ways. */
static void test_after_rndis(void **state)
{
	struct pair *p = pair_new(RING, RBUF);
	uint8_t mc[12] = { 1, 0, 0x5e, 0, 0, 1, 1, 0, 0x5e, 0, 0, 2 };
	uint8_t param[80], mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	uint32_t filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST |
			  NDIS_PACKET_TYPE_MULTICAST, conn = 0;

	(void)state;
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_set(&p->a, OID_802_3_MULTICAST_LIST, mc, 12), 0);
	assert_int_equal(nvg_set(&p->a, OID_GEN_CURRENT_PACKET_FILTER, &filter, 4), 0);
	assert_int_equal(nvg_set(&p->a, OID_GEN_RNDIS_CONFIG_PARAMETER, param,
				 netaddr_param(param, "021122334455")), 0);
	reincarnate(p, &p->a, true);
	assert_true(nvg_stats(&p->a).rndis_up);
	query_eq(&p->a, OID_GEN_CURRENT_PACKET_FILTER, &filter, 4);
	query_eq(&p->a, OID_802_3_MULTICAST_LIST, mc, 12);
	query_eq(&p->a, OID_802_3_CURRENT_ADDRESS, mac, 6);
	query_eq(&p->a, OID_802_3_PERMANENT_ADDRESS, p->ma, 6);
	query_eq(&p->a, OID_GEN_MEDIA_CONNECT_STATUS, &conn, 4);
	/* The guest's own address is the one it receives at now. */
	one_way(&p->b, &p->a, mac, p->mb, 300, false, 9);
	one_way(&p->a, &p->b, p->mb, p->ma, 1500, false, 10);
	one_way(&p->b, &p->a, mc, p->mb, 300, true, 11);
	/* The link as the guest was last told: down, then up again. */
	netvsp_set_link(p->a.nv, false);
	reincarnate(p, &p->a, true);
	assert_int_equal(main_of(p).link_up, 0);
	netvsp_set_link(p->a.nv, true);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.last_indicate, RNDIS_STATUS_MEDIA_CONNECT);
	nvg_host_poll(&p->a);
	one_way(&p->b, &p->a, mac, p->mb, 1500, true, 20);
	one_way(&p->a, &p->b, p->mb, p->ma, 46, true, 21);
	pair_free(p);
}

/* Receives the guest holds at the save: the restored instance takes
 * their completions (nothing counted bad) and reuses the sections. One
 * of them spans three sections (a batch of three frames). */
static void test_held_sections(void **state)
{
	struct pair *p = pair_new(RING, 1728u * 8u);
	uint8_t f[1600], batch[6144];
	uint32_t len = frame(f, p->ma, p->mb, 1000, 1), off = 0;
	struct netvsp_stats s;
	uint64_t held[8];

	(void)state;
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	p->a.auto_complete = false;
	for (unsigned i = 0; i < 3; i++) {
		uint32_t n = nvg_build_packet(batch + off, f, len, ~0u);
		uint32_t pad = (n + 7u) & ~7u;

		memset(batch + off + n, 0, pad - n);
		memcpy(batch + off + 4, &pad, 4);
		off += pad;
	}
	assert_int_equal(nvg_rndis(&p->b, batch, off, NVSP_CHANNEL_DATA, false, 2),
			 NVSP_STAT_SUCCESS);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false),
				 NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.n_frames, 8);
	assert_int_equal(p->a.n_held, 6);
	assert_int_equal(p->a.held[0] >> 32, 3);
	memcpy(held, p->a.held, sizeof(held));
	reincarnate(p, &p->a, true);
	assert_int_equal(main_of(p).n_held, 6);
	s = nvg_stats(&p->a);
	assert_int_equal(s.recv_sections_used, 8);
	/* Full: the next frame is dropped, as it would have been. */
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->a).rx_drop_no_buffer, 1);
	nvg_complete_held(&p->a);
	nvg_host_poll(&p->a);
	s = nvg_stats(&p->a);
	assert_int_equal(s.recv_sections_used, 0);
	assert_int_equal(s.comp_bad, 0);
	/* A section the guest held carries a frame again. */
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.n_held, 1);
	assert_true((uint32_t)p->a.held[0] < 8u);
	assert_memory_equal(p->a.frames[8 % NVG_FRAMES].data, f, len);
	nvg_complete_held(&p->a);
	p->a.auto_complete = true;
	nvg_host_poll(&p->a);
	both_ways(p, 1);
	assert_int_equal(nvg_stats(&p->a).comp_bad, 0);
	pair_free(p);
}

/* Two pairs driven alike, one restored midway: afterwards their guests
 * see the same packets, to the section and the byte. */
static void drive(struct pair *p, unsigned seed, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		one_way(&p->b, &p->a, p->ma, p->mb, 46 + (seed + i) * 37 % 1400,
			i & 1, seed + i);
		one_way(&p->a, &p->b, p->mb, p->ma, 46 + (seed + i) * 53 % 1400,
			!(i & 1), seed + 100 + i);
	}
}

static void test_same_as_before(void **state)
{
	struct pair *p = pair_new(RING, 1728u * 64u);
	struct pair *q = pair_new(RING, 1728u * 64u);
	struct netvsp_stats sp, sq;

	(void)state;
	for (struct pair *x = p; x; x = x == p ? q : NULL) {
		assert_int_equal(nvg_bringup(&x->b, NVSP_VERSION_61), 0);
		assert_int_equal(nvg_bringup(&x->a, NVSP_VERSION_61), 0);
		drive(x, 1, 5);
		x->a.auto_complete = false;
		drive(x, 10, 3);
	}
	reincarnate(q, &q->a, true);
	drive(p, 20, 10);
	drive(q, 20, 10);
	assert_int_equal(p->a.n_held, 13);
	assert_int_equal(q->a.n_held, 13);
	assert_memory_equal(p->a.held, q->a.held, 13 * sizeof(uint64_t));
	assert_memory_equal(p->a.recv.mem, q->a.recv.mem, p->a.recv.bytes);
	assert_memory_equal(p->b.recv.mem, q->b.recv.mem, p->b.recv.bytes);
	for (struct pair *x = p; x; x = x == p ? q : NULL) {
		nvg_complete_held(&x->a);
		x->a.auto_complete = true;
		nvg_host_poll(&x->a);
		drive(x, 40, 4);
	}
	sp = nvg_stats(&p->b);
	sq = nvg_stats(&q->b);
	assert_int_equal(sp.rx_frames, sq.rx_frames);
	assert_int_equal(sp.rx_bytes, sq.rx_bytes);
	assert_int_equal(sp.tx_frames, sq.tx_frames);
	assert_int_equal(sp.tx_bytes, sq.tx_bytes);
	assert_int_equal(nvg_stats(&q->a).tx_frames, 14);
	assert_int_equal(nvg_stats(&q->a).rx_frames, 14);
	assert_int_equal(nvg_stats(&q->a).recv_sections_used, 0);
	assert_int_equal(nvg_stats(&q->a).comp_bad, 0);
	assert_memory_equal(p->a.recv.mem, q->a.recv.mem, p->a.recv.bytes);
	pair_free(p);
	pair_free(q);
}

/* Keepalives through sections 0..n-1 of g's send buffer, posted without
 * waiting for their replies. */
static void keepalives(struct nvg *g, uint32_t n)
{
	struct {
		struct rndis_hdr h;
		uint32_t id;
	} __attribute__((packed)) ka = { { RNDIS_MSG_KEEPALIVE, 12 }, 5 };
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };

	for (uint32_t i = 0; i < n; i++) {
		ka.id = 100 + i;
		memcpy(g->send.mem + i * 6144u, &ka, sizeof(ka));
		m.rndis_pkt.channel_type = NVSP_CHANNEL_CONTROL;
		m.rndis_pkt.section_index = i;
		m.rndis_pkt.section_size = sizeof(ka);
		assert_int_equal(nvg_send_nvsp(g, &m, sizeof(m), true, NULL), 0);
	}
}

/* A guest that has not read its full ring: the replies waiting for room
 * are saved and reach it after the restore, every one, in order. */
static void test_pending_replies(void **state)
{
	struct pair *p = pair_new(8192, RBUF);
	uint8_t f[1600];
	uint32_t len = frame(f, p->ma, p->mb, 1500, 1), n = 0, id;

	(void)state;
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	for (int i = 0; i < 400; i++)
		assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false),
				 NVSP_STAT_SUCCESS);
	assert_true(nvg_stats(&p->a).rx_drop_ring_full > 0);
	keepalives(&p->a, 20);
	nvg_host_poll(&p->a);
	reincarnate(p, &p->a, true);
	assert_true(main_of(p).n_pend >= 20);
	assert_true(main_of(p).n_held > 0);
	for (int round = 0; round < 50; round++) {
		uint32_t c0 = p->a.n_ctrl;

		assert_true(nvg_guest_drain(&p->a) >= 0);
		n += p->a.n_ctrl - c0;
		nvg_host_poll(&p->a);
	}
	assert_int_equal(n, 20);
	memcpy(&id, p->a.ctrl + 8, 4);
	assert_int_equal(id, 119);
	assert_int_equal(nvg_stats(&p->a).ctrl_dropped, 0);
	assert_int_equal(nvg_stats(&p->a).comp_bad, 0);
	assert_int_equal(nvg_stats(&p->a).recv_sections_used, 0);
	both_ways(p, 1);
	pair_free(p);
}

/* nv as just opened: no version, no buffers, no sections; the guest's
 * buffers not held open by it. */
static void assert_fresh(struct nvg *g)
{
	struct netvsp_stats s = nvg_stats(g);

	assert_int_equal(s.nvsp_version, 0);
	assert_int_equal(s.recv_sections, 0);
	assert_int_equal(s.send_sections, 0);
	assert_false(s.rndis_up);
	assert_false(g->recv.open);
	assert_false(g->send.open);
}

/* A buffer's GPADL gone or of another size, or an instance configured
 * with other section sizes: refused, nv unchanged, the buffer already
 * reopened closed again; the right blob then restores into it. */
static void test_mismatch(void **state)
{
	struct pair *p = pair_new(RING, RBUF);
	struct netvsp_config cfg;
	struct netvsp *other;

	(void)state;
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	save_and_kill(p, &p->a);
	fresh_nv(p, &p->a, true);
	p->a.recv.handle = 0x999;
	assert_int_equal(netvsp_restore(p->a.nv, p->blob, p->len), -EINVAL);
	assert_fresh(&p->a);
	p->a.recv.handle = NVG_RECV_HANDLE;
	p->a.send.bytes -= 6144u;      /* the receive buffer opens first */
	assert_int_equal(netvsp_restore(p->a.nv, p->blob, p->len), -EINVAL);
	assert_fresh(&p->a);
	p->a.send.bytes += 6144u;
	p->a.recv.bytes += 1u;         /* same section count, other size */
	assert_int_equal(netvsp_restore(p->a.nv, p->blob, p->len), -EINVAL);
	assert_fresh(&p->a);
	p->a.recv.bytes -= 1u;
	nvg_config(&p->a, NULL, p->ma, 0, &cfg);
	cfg.recv_section_size = 2048;
	assert_int_equal(netvsp_create(&cfg, &other), 0);
	assert_int_equal(netvsp_open(other, &p->a.host), 0);
	assert_int_equal(netvsp_restore(other, p->blob, p->len), -EINVAL);
	assert_false(p->a.recv.open);
	netvsp_destroy(other);
	assert_int_equal(netvsp_restore(p->a.nv, p->blob, p->len), 0);
	same_again(p, &p->a);
	assert_int_equal(netvsp_restore(p->a.nv, p->blob, p->len), -EBUSY);
	both_ways(p, 1);
	pair_free(p);
}

/* A state with everything in it: NVSP 6.1, buffers, RNDIS, multicast,
 * receives held (the guest read a few frames and has not completed
 * them), replies queued behind a full ring. The live instance is gone
 * and a fresh one waits in p->a.nv. */
static struct pair *rich(void)
{
	struct pair *p = pair_new(8192, RBUF);
	uint8_t mc[12] = { 1, 0, 0x5e, 0, 0, 1, 1, 0, 0x5e, 0, 0, 2 }, f[1600];
	uint32_t len = frame(f, p->ma, p->mb, 1500, 1);
	struct netvsp_st_main m;

	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_set(&p->a, OID_802_3_MULTICAST_LIST, mc, 12), 0);
	p->a.auto_complete = false;
	one_way(&p->b, &p->a, p->ma, p->mb, 200, false, 1);
	one_way(&p->b, &p->a, p->ma, p->mb, 200, false, 2);
	for (int i = 0; i < 200; i++)
		assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false),
				 NVSP_STAT_SUCCESS);
	keepalives(&p->a, 3);
	nvg_host_poll(&p->a);
	save_and_kill(p, &p->a);
	fresh_nv(p, &p->a, true);
	m = main_of(p);
	assert_true(m.n_held >= 2 && m.n_pend >= 3 && m.n_mcast == 2);
	return p;
}

/* The rest of the guest's life on the rich state, restored. */
static void rich_finish(struct pair *p)
{
	assert_int_equal(netvsp_restore(p->a.nv, p->blob, p->len), 0);
	for (int round = 0; round < 20; round++) {
		assert_true(nvg_guest_drain(&p->a) >= 0);
		nvg_complete_held(&p->a);
		nvg_host_poll(&p->a);
	}
	p->a.auto_complete = true;
	assert_int_equal(nvg_stats(&p->a).recv_sections_used, 0);
	assert_int_equal(nvg_stats(&p->a).comp_bad, 0);
	both_ways(p, 1);
	pair_free(p);
}

static void test_cut_grown_renamed(void **state)
{
	struct pair *p = rich();
	uint8_t *b = malloc(p->len + 16);
	uint32_t v;

	(void)state;
	assert_non_null(b);
	for (size_t n = 0; n < p->len; n++)
		assert_int_equal(netvsp_restore(p->a.nv, p->blob, n), -EINVAL);
	memcpy(b, p->blob, p->len);
	memset(b + p->len, 0, 16);
	assert_int_equal(netvsp_restore(p->a.nv, b, p->len + 1), -EINVAL);
	for (uint32_t grow = 1; grow <= 16; grow++) {
		v = (uint32_t)p->len + grow;      /* total says so, too */
		memcpy(b + 8, &v, 4);
		assert_int_equal(netvsp_restore(p->a.nv, b, v), -EINVAL);
	}
	memcpy(b, p->blob, p->len);
	b[0] ^= 0x20;                          /* magic */
	assert_int_equal(netvsp_restore(p->a.nv, b, p->len), -EINVAL);
	memcpy(b, p->blob, p->len);
	for (v = 0; v < 4; v++) {              /* versions 0, 1 (shorter), 3 */
		if (v == NETVSP_ST_VERSION)
			continue;
		memcpy(b + 4, &v, 4);
		assert_int_equal(netvsp_restore(p->a.nv, b, p->len), -EINVAL);
	}
	assert_int_equal(netvsp_restore(p->a.nv, NULL, 0), -EINVAL);
	assert_fresh(&p->a);
	free(b);
	rich_finish(p);
}

/* Bytes of the blob where any flipped bit must be refused: the header,
 * every padding byte, the fields that name what must exist or match
 * (channel, sub-channels, section sizes, buffers but their ids, counts),
 * the RSS record the guest never set, the high bytes of a held receive's
 * section count, a reply's channel and unused reply bytes. */
static bool must_refuse(const struct pair *p, size_t off)
{
	const struct netvsp_st_main m = main_of(p);
	size_t rss = MAIN_OFF + sizeof(m);
	size_t held = rss + sizeof(struct netvsp_st_rss);
	size_t pend = held + m.n_held * 8u, o;

#define IN(f) (o >= offsetof(struct netvsp_st_main, f) && \
	       o < offsetof(struct netvsp_st_main, f) + sizeof(m.f))
	if (off < MAIN_OFF)
		return true;
	if (off >= rss && off < held)
		return true;   /* no RSS set: the record is all 0 */
	if (off < rss) {
		o = off - MAIN_OFF;
		if (IN(rbuf.id) || IN(sbuf.id))
			return false;
		return IN(recv_sec_size) || IN(send_sec_size) || IN(rbuf) ||
		       IN(sbuf) || IN(has_channel) || IN(n_subch) || IN(pad1) ||
		       IN(n_held) || IN(n_pend);
	}
#undef IN
	if (off < pend)
		return (off - held) % 8u >= 5u;
	o = (off - pend) % sizeof(struct netvsp_st_pend);
	if (o == 1 || (o >= 4 && o < 8))
		return true;
	if (o >= offsetof(struct netvsp_st_pend, data)) {
		uint16_t len;

		memcpy(&len, p->blob + off - o + 2, 2);
		return o - offsetof(struct netvsp_st_pend, data) >= len;
	}
	return false;
}

/* Every single-bit flip: refused with nv unchanged, or (a field any
 * value of which is a state, say the filter) restored faithfully. */
static void test_bit_flips(void **state)
{
	struct pair *p = rich();
	uint8_t *b = malloc(p->len), *again = malloc(p->len);
	unsigned refused = 0;
	size_t len;

	(void)state;
	assert_true(b && again);
	for (size_t bit = 0; bit < p->len * 8u; bit++) {
		int rc;

		memcpy(b, p->blob, p->len);
		b[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
		rc = netvsp_restore(p->a.nv, b, p->len);
		if (rc) {
			assert_int_equal(rc, -EINVAL);
			assert_fresh(&p->a);
			refused++;
			continue;
		}
		if (must_refuse(p, bit / 8u))
			fail_msg("bit %zu (byte %zu) accepted", bit, bit / 8u);
		assert_int_equal(netvsp_save(p->a.nv, again, p->len, &len), 0);
		assert_memory_equal(again, b, p->len);
		netvsp_close(p->a.nv);
		assert_int_equal(netvsp_open(p->a.nv, &p->a.host), 0);
	}
	assert_true(refused > p->len * 8u / 2u);
	free(b);
	free(again);
	rich_finish(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_before_init),
		cmocka_unit_test(test_no_channel),
		cmocka_unit_test(test_after_init),
		cmocka_unit_test(test_after_buffers),
		cmocka_unit_test(test_after_rndis),
		cmocka_unit_test(test_held_sections),
		cmocka_unit_test(test_same_as_before),
		cmocka_unit_test(test_pending_replies),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_cut_grown_renamed),
		cmocka_unit_test(test_bit_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
