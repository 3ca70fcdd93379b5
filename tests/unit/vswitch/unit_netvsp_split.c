/* unit_netvsp_split.c: frames a guest sends through its send buffer
 * leave netvsp with only their head copied (NETVSP_SPLIT_HEAD bytes, the
 * switch's private copy) and their tail where the guest wrote it
 * (buf_ptr, vsw_port_send_split); a netvsp on the other end copies the
 * tail into its guest's receive buffer, the frame's one copy. Driven by
 * the mock netvsc guest (nvg.c): the unicast frames arrive byte for
 * byte by that path (counted, and the sender's buffer read for the head
 * alone); flood, a tag inserted by the PPI or at egress, guards on the
 * sender's port, a port without deliver_split, GPA-direct pages and a
 * refused buf_ptr all deliver the same bytes the old way; a guest that
 * rewrites its send buffer while netvsp sends from it changes neither
 * the switch's decisions nor a length, only the data its peer sees; RSS
 * hashes the split frames as the reference does. */
#include "tests/unit/vswitch/nvg.h"
#include "tests/unit/vswitch/rss_testlib.h"
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/netvsp/netvsp_internal.h"

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
/* nvg_send_frame's section: the frame starts past the message headers. */
#define SEC 1u
#define FRAME_AT (SEC * 6144u + RNDIS_PKT_HDR_SIZE)

struct pair {
	struct vsw *sw;
	struct nvg a, b;
	uint8_t ma[6], mb[6];
};

/* b speaks once (a 60-byte frame to a, drained by a's guest), so the
 * switch knows where it is. f: 60 zeroed bytes. */
static void learn_b(struct pair *p, uint8_t *f)
{
	memcpy(f, p->ma, 6);
	memcpy(f + 6, p->mb, 6);
	f[12] = 0x88;
	f[13] = 0xB5;
	assert_int_equal(nvg_send_frame(&p->b, f, 60, ~0u, false), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->a) >= 0);
}

/* a and b up on one switch (b in VLAN vlan_b); with learn, b has spoken
 * once, so the switch knows where it is. */
static struct pair *pair_new(uint16_t vlan_a, uint16_t vlan_b, bool learn)
{
	struct pair *p = calloc(1, sizeof(*p));
	uint8_t f[60] = { 0 };

	assert_non_null(p);
	assert_int_equal(vsw_create("s", VSW_TYPE_PRIVATE, NULL, &p->sw), 0);
	vswt_make_mac(p->ma, 1);
	vswt_make_mac(p->mb, 2);
	assert_int_equal(nvg_create(&p->a, p->sw, p->ma, vlan_a, RING, RBUF, SBUF), 0);
	assert_int_equal(nvg_create(&p->b, p->sw, p->mb, vlan_b, RING, RBUF, SBUF), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	if (learn) {
		learn_b(p, f);
		nvg_host_poll(&p->a);
	}
	return p;
}

static void pair_free(struct pair *p)
{
	uint32_t errors = nvg_pair_finish(&p->a, &p->b, p->sw);

	free(p);
	assert_int_equal(errors, 0);
}

static uint64_t splits(struct vsw *sw)
{
	struct vsw_stats st;

	vsw_get_stats(sw, &st);
	return st.split;
}

static uint32_t frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
		      uint32_t len, unsigned seed)
{
	uint8_t pay[1600];

	vswt_fill_payload(pay, len - 14u, seed);
	return (uint32_t)vswt_build_frame(buf, dst, src, VSWT_UNTAGGED, 0,
					  0x88B5, pay, len - 14u);
}

/* g's newest frame is want (wlen bytes), and the only one since before. */
static void got(struct nvg *g, uint32_t before, const uint8_t *want,
		uint32_t wlen)
{
	const struct nvg_frame *f = &g->frames[before % NVG_FRAMES];

	assert_true(nvg_guest_drain(g) >= 0);
	assert_int_equal(g->n_frames, before + 1);
	assert_int_equal(f->len, wlen);
	assert_memory_equal(f->data, want, wlen);
	nvg_host_poll(g);
}

/* a -> b through the send buffer: arrives intact; split (the switch
 * counts it, the sender's buffer was read for the message headers and
 * the head only) when longer than the head, whole otherwise. */
static void test_split_unicast(void **state)
{
	static const uint32_t lens[] = { 14, 60, NETVSP_SPLIT_HEAD,
					 NETVSP_SPLIT_HEAD + 1, 100, 1514 };
	struct pair *p = pair_new(0, 0, true);
	uint8_t f[1514];

	(void)state;
	for (unsigned i = 0; i < 6; i++) {
		uint64_t s = splits(p->sw), rd = p->a.bytes_read;
		uint32_t n = p->b.n_frames, len = frame(f, p->mb, p->ma, lens[i], i);
		bool split = len > NETVSP_SPLIT_HEAD;

		assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false),
				 NVSP_STAT_SUCCESS);
		got(&p->b, n, f, len);
		assert_int_equal(splits(p->sw), s + split);
		/* One read: the RNDIS and PACKET headers with the head. */
		if (split)
			assert_true(p->a.bytes_read - rd <=
				    RNDIS_PKT_HDR_SIZE + NETVSP_SPLIT_HEAD + 16u);
	}
	assert_int_equal(nvg_stats(&p->a).tx_frames, 6);
	assert_int_equal(nvg_stats(&p->a).tx_bytes, 14 + 60 + 64 + 65 + 100 + 1514);
	assert_int_equal(nvg_stats(&p->b).rx_bytes, 14 + 60 + 64 + 65 + 100 + 1514);
	pair_free(p);
}

/* A PACKET whose frame follows n per-packet info elements of 16 bytes
 * (NBL_HASH_VALUE, as Linux sends with several queues); returns its
 * length. */
static uint32_t packet_ppi(uint8_t *buf, const uint8_t *f, uint32_t len,
			   uint32_t n)
{
	struct rndis_packet pk = { 0 };
	struct rndis_ppi e = { 16, RNDIS_PPI_HASH_VALUE, 12 };
	struct rndis_hdr h = { RNDIS_MSG_PACKET, 0 };

	pk.ppi_off = sizeof(pk);
	pk.ppi_len = 16u * n;
	pk.data_off = (uint32_t)sizeof(pk) + pk.ppi_len;
	pk.data_len = len;
	h.msg_len = RNDIS_HDR_SIZE + pk.data_off + len;
	memset(buf, 0, h.msg_len);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + 8, &pk, sizeof(pk));
	for (uint32_t i = 0; i < n; i++)
		memcpy(buf + 8 + sizeof(pk) + 16u * i, &e, sizeof(e));
	memcpy(buf + 8 + pk.data_off, f, len);
	return h.msg_len;
}

/* Linux's layouts: a hash element before the frame (the head still in
 * the first read), two (the head read on its own), and three frames
 * packed into one section: each split, each intact. */
static void test_split_layouts(void **state)
{
	struct pair *p = pair_new(0, 0, true);
	static uint8_t m[6144];
	uint8_t f[3][400];
	uint32_t n, len, off = 0;

	(void)state;
	for (uint32_t k = 1; k <= 2; k++) {
		uint64_t s = splits(p->sw);

		len = frame(f[0], p->mb, p->ma, 300, k);
		n = p->b.n_frames;
		assert_int_equal(nvg_rndis(&p->a, m, packet_ppi(m, f[0], len, k),
					   NVSP_CHANNEL_DATA, false, SEC),
				 NVSP_STAT_SUCCESS);
		got(&p->b, n, f[0], len);
		assert_int_equal(splits(p->sw), s + 1);
	}
	for (uint32_t i = 0; i < 3; i++) {
		len = frame(f[i], p->mb, p->ma, 100u + 100u * i, 10u + i);
		off += nvg_build_packet(m + off, f[i], len, ~0u);
	}
	n = p->b.n_frames;
	assert_int_equal(nvg_rndis(&p->a, m, off, NVSP_CHANNEL_DATA, false, SEC),
			 NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, n + 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_memory_equal(p->b.frames[(n + i) % NVG_FRAMES].data, f[i],
				    100u + 100u * i);
	assert_int_equal(splits(p->sw), 5);
	nvg_host_poll(&p->b);
	pair_free(p);
}

/* A port's settings (trunk of VLAN 5, native 0, or flags). */
static void policy(struct nvg *g, bool trunk, uint32_t flags)
{
	static const uint16_t v5[] = { 5 };
	struct vsw_port_config pc;

	memset(&pc, 0, sizeof(pc));
	pc.vlan_mode = trunk ? VSW_VLAN_TRUNK : VSW_VLAN_ACCESS;
	pc.allowed_vlans = trunk ? v5 : NULL;
	pc.n_allowed = trunk ? 1 : 0;
	pc.access_vlan = trunk ? 0 : g->vlan;
	pc.flags = flags;
	assert_int_equal(netvsp_set_policy(g->nv, &pc), 0);
}

/* Sends f from a and checks b got want, by the old path (no split). */
static void send_whole(struct pair *p, const uint8_t *f, uint32_t len,
		       uint32_t vlan, bool gpa, const uint8_t *want,
		       uint32_t wlen)
{
	uint64_t s = splits(p->sw);
	uint32_t n = p->b.n_frames;

	assert_int_equal(nvg_send_frame(&p->a, f, len, vlan, gpa),
			 NVSP_STAT_SUCCESS);
	got(&p->b, n, want, wlen);
	assert_int_equal(splits(p->sw), s);
}

/* Every fallback delivers the very bytes the whole frame gives: b not
 * learned yet (flood), sent by GPA-direct pages, buf_ptr refused (netvsp
 * copies it all), the sender's port with a DHCP guard (the guards parse
 * the frame whole). */
static void test_split_fallbacks(void **state)
{
	struct pair *p = pair_new(0, 0, false);
	uint8_t f[1514];
	uint32_t len = frame(f, p->mb, p->ma, 1514, 1), ptr;
	uint64_t s;

	(void)state;
	send_whole(p, f, len, ~0u, false, f, len);          /* flood */
	assert_true(nvg_guest_drain(&p->a) >= 0);
	len = frame(f, p->ma, p->mb, 200, 2);               /* b speaks */
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	len = frame(f, p->mb, p->ma, 1514, 3);
	ptr = p->a.n_ptr;
	send_whole(p, f, len, ~0u, true, f, len);           /* GPA direct */
	assert_int_equal(p->a.n_ptr, ptr);
	p->a.refuse_ptr = 1;
	send_whole(p, f, len, ~0u, false, f, len);          /* no pointer */
	assert_int_equal(p->a.n_ptr, ptr + 1);
	p->a.refuse_ptr = 0;
	policy(&p->a, false, VSW_PORT_DHCP_GUARD);
	send_whole(p, f, len, ~0u, false, f, len);          /* guards */
	policy(&p->a, false, 0);
	s = splits(p->sw);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	assert_int_equal(splits(p->sw), s + 1);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	pair_free(p);
}

/* Tags: the 802.1Q PPI's tag goes in as netvsp copies the frame (never
 * split), and b, an access port of that VLAN, gets it untagged; b made
 * a trunk of VLAN 5 (native 0) gets a's untagged frames tagged at
 * egress, from the joined frame. */
static void test_split_tags(void **state)
{
	struct pair *p = pair_new(5, 5, true);
	uint8_t f[1514], want[1518], hello[60];
	uint32_t len = frame(f, p->mb, p->ma, 1000, 4), ptr = p->a.n_ptr;

	(void)state;
	send_whole(p, f, len, 5u << 4, false, f, len);   /* VID 5, PCP 0 */
	assert_int_equal(p->a.n_ptr, ptr);
	policy(&p->b, true, 0);
	/* Its MAC learned again (the update flushed it), in VLAN 5. */
	frame(hello, p->ma, p->mb, 60, 5);
	assert_int_equal(nvg_send_frame(&p->b, hello, 60, 5u << 4, false),
			 NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	memcpy(want, f, 12);
	want[12] = 0x81;
	want[13] = 0x00;
	want[14] = 0x00;
	want[15] = 0x05;
	memcpy(want + 16, f + 12, len - 12);
	send_whole(p, f, len, ~0u, false, want, len + 4);
	pair_free(p);
}

/* A plain switch port (deliver only) takes a's frame whole. */
static void test_split_plain_port(void **state)
{
	struct pair *p = pair_new(0, 0, true);
	struct vswt_sink sink = { 0 };
	struct vsw_port_config pc;
	struct vsw_port *port;
	uint8_t f[1514], mc[6];
	uint32_t len;

	(void)state;
	vswt_make_mac(mc, 3);
	pc = vswt_port_config_vm(mc, 0, &sink);
	assert_int_equal(vsw_port_add(p->sw, &pc, &port), 0);
	len = frame(f, p->ma, mc, 60, 6);
	assert_true(vsw_port_send(port, f, len, 0) >= 0);   /* learned */
	assert_true(nvg_guest_drain(&p->a) >= 0);
	len = frame(f, mc, p->ma, 1514, 7);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	assert_int_equal(sink.count, 1);
	assert_int_equal(sink.last_len, len);
	assert_memory_equal(sink.last, f, len);
	assert_int_equal(splits(p->sw), 0);
	vsw_port_remove(port);
	pair_free(p);
}

/* ---- a guest rewriting its send buffer as netvsp sends from it ---- */

static uint8_t evil_mac[6] = { 0x02, 0, 0, 0, 0, 0x66 };
static uint8_t evil_byte;

/* When netvsp asks for the tail: the frame's addresses and the message's
 * lengths rewritten in the send buffer (too late: netvsp has its copy). */
static void rewrite_head(struct nvg *g, uint32_t off, uint32_t len)
{
	uint8_t *fr = g->send.mem + off - NETVSP_SPLIT_HEAD;
	uint32_t huge = 0xFFFFFFF0u;

	(void)len;
	memcpy(fr, evil_mac, 6);
	memcpy(fr + 6, evil_mac, 6);
	memcpy(g->send.mem + FRAME_AT - 36u + 4u, &huge, 4);  /* data_len */
	memcpy(g->send.mem + FRAME_AT - 44u + 4u, &huge, 4);  /* msg_len */
}

/* ... or the source made a's own, where the frame had a spoofed one. */
static void rewrite_src(struct nvg *g, uint32_t off, uint32_t len)
{
	(void)len;
	memcpy(g->send.mem + off - NETVSP_SPLIT_HEAD + 6, g->mac, 6);
}

/* ... or the tail: the data b sees, nothing else. */
static void rewrite_tail(struct nvg *g, uint32_t off, uint32_t len)
{
	memset(g->send.mem + off, evil_byte, len);
}

static uint32_t mac_entries(struct vsw *sw)
{
	struct vsw_stats st;

	vsw_get_stats(sw, &st);
	return st.mac_entries;
}

static uint64_t spoof_drops(struct nvg *g)
{
	struct vsw_port_stats st;

	vsw_port_get_stats(netvsp_port(g->nv), &st);
	return st.drops[VSW_DROP_SPOOF];
}

/* The switch decides on netvsp's copy of the head: addresses rewritten
 * after it was taken change neither the destination, nor the spoofing
 * guard's verdict, nor what is learned, nor a length; a rewritten tail
 * is only other data for the peer. */
static void test_split_rewrite(void **state)
{
	struct pair *p = pair_new(0, 0, true);
	uint8_t f[1514], want[1514];
	uint32_t len = frame(f, p->mb, p->ma, 1514, 8), n;

	(void)state;
	p->a.on_ptr = rewrite_head;
	n = p->b.n_frames;
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	got(&p->b, n, f, len);
	assert_int_equal(spoof_drops(&p->a), 0);
	assert_int_equal(mac_entries(p->sw), 2);
	assert_int_equal(splits(p->sw), 1);
	/* Spoofed in the copy, a's own in the buffer by the switch's time:
	 * dropped by the guard, nothing learned. */
	p->a.on_ptr = rewrite_src;
	memcpy(f + 6, evil_mac, 6);
	n = p->b.n_frames;
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	assert_int_equal(spoof_drops(&p->a), 1);
	assert_int_equal(nvg_stats(&p->a).tx_switch_drops, 1);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, n);
	assert_int_equal(mac_entries(p->sw), 2);
	/* The tail rewritten: b gets the head as sent and the new tail. */
	p->a.on_ptr = rewrite_tail;
	evil_byte = 0x3C;
	memcpy(f + 6, p->ma, 6);
	memcpy(want, f, NETVSP_SPLIT_HEAD);
	memset(want + NETVSP_SPLIT_HEAD, evil_byte, len - NETVSP_SPLIT_HEAD);
	n = p->b.n_frames;
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	got(&p->b, n, want, len);
	assert_int_equal(splits(p->sw), 2);
	pair_free(p);
}

/* RSS on at the receiver: TCP flows over IPv4 and IPv6 from a's send
 * buffer go split and arrive with the reference hash on its channel. */
static void test_split_rss(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	uint8_t f[64] = { 0 };

	(void)state;
	memcpy(f, p->ma, 6);
	memcpy(f + 6, p->mb, 6);
	f[12] = 0x88;
	f[13] = 0xB5;
	assert_int_equal(nvg_send_frame(&p->b, f, 60, ~0u, false),
			 NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	for (unsigned i = 0; i < 40; i++) {
		struct rsst_flow fl = rsst_flow4(i);
		uint32_t h, ch;

		if (i % 2u)
			rsst_flow_v6(&fl, i);
		assert_true(rsst_hash(rsst_ms_key, RSST_HASHINFO, &fl, &h));
		ch = rsst_send(&p->a, &p->b, p->mb, p->ma, &fl, -1, 20u + 30u * i, i);
		assert_int_equal(ch, p->table[h & (RSST_TAB - 1u)]);
		assert_true(p->b.frames[(p->b.n_frames - 1u) % NVG_FRAMES].has_hash);
		assert_int_equal(p->b.frames[(p->b.n_frames - 1u) % NVG_FRAMES].hash, h);
		assert_int_equal(splits(p->sw), i + 1u);
	}
	rsst_pair_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_unicast),
		cmocka_unit_test(test_split_layouts),
		cmocka_unit_test(test_split_fallbacks),
		cmocka_unit_test(test_split_tags),
		cmocka_unit_test(test_split_plain_port),
		cmocka_unit_test(test_split_rewrite),
		cmocka_unit_test(test_split_rss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
