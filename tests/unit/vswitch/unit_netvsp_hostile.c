/* unit_netvsp_hostile.c: a guest that breaks every NVSP and RNDIS rule
 * (malformed, out of order, oversized, offsets and ranges outside its
 * buffers, bogus completions, floods). Each bad request must end in an
 * error status or a counted drop; afterwards the same instance still
 * carries a good frame, and the other guest's traffic is untouched. */
#include "tests/unit/vswitch/nvg.h"
#include "tests/unit/vswitch/vsw_testlib.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus/pkt.h"
#include "vmbus/ring.h"

#define RING (256u * 1024u)
#define RBUF (1728u * 256u)
#define SBUF (6144u * 16u)

struct pair {
	struct vsw *sw;
	struct nvg a, b;  /* a: hostile, b: well behaved */
	uint8_t ma[6], mb[6];
};

static struct pair *up(void)
{
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	assert_int_equal(vsw_create("h", VSW_TYPE_PRIVATE, NULL, &p->sw), 0);
	vswt_make_mac(p->ma, 1);
	vswt_make_mac(p->mb, 2);
	assert_int_equal(nvg_create(&p->a, p->sw, p->ma, 0, RING, RBUF, SBUF), 0);
	assert_int_equal(nvg_create(&p->b, p->sw, p->mb, 0, RING, RBUF, SBUF), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	return p;
}

static uint32_t mkframe(uint8_t *f, const uint8_t *dst, const uint8_t *src,
			uint32_t plen)
{
	uint8_t pay[1600];

	vswt_fill_payload(pay, plen, plen);
	return (uint32_t)vswt_build_frame(f, dst, src, VSWT_UNTAGGED, 0, 0x88B5,
					  pay, plen);
}

/* Both directions still work, and nothing reached b it should not have. */
static void still_fine(struct pair *p)
{
	uint8_t f[1600];
	uint32_t len, n = p->b.n_frames;

	len = mkframe(f, p->mb, p->ma, 200);
	assert_int_equal(nvg_send_frame(&p->a, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, n + 1);
	assert_memory_equal(p->b.frames[n % NVG_FRAMES].data, f, len);
	nvg_host_poll(&p->b);
	n = p->a.n_frames;
	len = mkframe(f, p->ma, p->mb, 300);
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, true),
			 NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.n_frames, n + 1);
	nvg_host_poll(&p->a);
}

static void down(struct pair *p)
{
	struct netvsp_stats s;

	netvsp_get_stats(p->b.nv, &s);
	assert_int_equal(s.nvsp_bad + s.rndis_bad + s.tx_bad + s.comp_bad, 0);
	assert_int_equal(p->a.proto_errors, 0);
	assert_int_equal(p->b.proto_errors, 0);
	nvg_pair_destroy(&p->a, &p->b, p->sw);
	free(p);
}

/* SEND_RNDIS_PKT with raw section fields. */
static uint32_t section_req(struct nvg *g, uint32_t idx, uint32_t size)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	uint64_t tid;

	m.rndis_pkt.section_index = idx;
	m.rndis_pkt.section_size = size;
	assert_int_equal(nvg_send_nvsp(g, &m, sizeof(m), true, &tid), 0);
	nvg_host_poll(g);
	assert_true(nvg_guest_drain(g) >= 0);
	assert_true(g->comp_tid == tid);
	assert_int_equal(g->comp[0], NVSP_MSG1_SEND_RNDIS_PKT_COMP);
	return g->comp[4];
}

static void test_bad_sections(void **state)
{
	struct pair *p = up();

	(void)state;
	assert_int_equal(section_req(&p->a, 16, 100), NVSP_STAT_INVALID_RNDIS_PKT);
	assert_int_equal(section_req(&p->a, 0xFFFFFFF0u, 100),
			 NVSP_STAT_INVALID_RNDIS_PKT);
	assert_int_equal(section_req(&p->a, 0, 0), NVSP_STAT_INVALID_RNDIS_PKT);
	assert_int_equal(section_req(&p->a, 0, 6145), NVSP_STAT_INVALID_RNDIS_PKT);
	/* Data named by index 0xFFFFFFFF must come as page buffers. */
	assert_int_equal(section_req(&p->a, NVSP_INVALID_SECTION, 100),
			 NVSP_STAT_INVALID_RNDIS_PKT);
	assert_int_equal(nvg_stats(&p->a).tx_bad, 5);
	still_fine(p);
	down(p);
}

/* One RNDIS message (or batch) as the guest wrote it. */
static int raw_rndis(struct nvg *g, const void *m, uint32_t len, bool gpa)
{
	return nvg_rndis(g, m, len, NVSP_CHANNEL_DATA, gpa, 2);
}

static void put32(uint8_t *b, uint32_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static void test_bad_rndis(void **state)
{
	struct pair *p = up();
	uint8_t m[6144], f[1600];
	uint32_t len, flen = mkframe(f, p->mb, p->ma, 100), before;

	(void)state;
	memset(m, 0, sizeof(m));
	/* Header lengths. */
	put32(m, 0, RNDIS_MSG_KEEPALIVE);
	put32(m, 4, 4);
	assert_int_equal(raw_rndis(&p->a, m, 12, false), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 4, 100);
	assert_int_equal(raw_rndis(&p->a, m, 12, false), NVSP_STAT_INVALID_RNDIS_PKT);
	assert_int_equal(raw_rndis(&p->a, m, 4, false), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 0, 0x42);
	put32(m, 4, 12);
	assert_int_equal(raw_rndis(&p->a, m, 12, false), NVSP_STAT_INVALID_RNDIS_PKT);
	/* Nine messages in one batch (we offered eight). */
	for (uint32_t i = 0; i < 9; i++) {
		put32(m, i * 16, RNDIS_MSG_KEEPALIVE);
		put32(m, i * 16 + 4, 16);
	}
	assert_int_equal(raw_rndis(&p->a, m, 9 * 16, false),
			 NVSP_STAT_INVALID_RNDIS_PKT);
	/* PACKET fields, one at a time, from a good message. */
	before = p->b.n_frames;
	len = nvg_build_packet(m, f, flen, ~0u);
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_SUCCESS);
	put32(m, 8, 4);                 /* data_off inside the header */
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 8, 0xFFFFFFF0u);       /* data_off beyond */
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 8, 36);
	put32(m, 12, flen + 1);         /* data_len beyond */
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 12, 0xFFFFFFFFu);
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 12, 10);               /* runt */
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 12, flen);
	put32(m, 28, 0xFFFFFF00u);      /* ppi_off beyond, with a length */
	put32(m, 32, 16);
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_INVALID_RNDIS_PKT);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, before + 1);
	/* PPI elements: size 0, size past the area, offset past the size. */
	len = nvg_build_packet(m, f, flen, 5u << 4);
	put32(m, 44, 0);
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 44, 64);
	assert_int_equal(raw_rndis(&p->a, m, len, true), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 44, 16);
	put32(m, 52, 14);
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 40, 0xFFFFFFF0u);      /* ppi_len wraps */
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_INVALID_RNDIS_PKT);
	still_fine(p);
	down(p);
}

static void test_oversize(void **state)
{
	struct pair *p = up();
	uint8_t f[9100], m[9300];
	uint32_t flen, len;

	(void)state;
	memset(f, 0, sizeof(f));
	memcpy(f, p->mb, 6);
	memcpy(f + 6, p->ma, 6);
	/* 1519 bytes: over MTU + header + tag. */
	flen = 1519;
	len = nvg_build_packet(m, f, flen, ~0u);
	assert_int_equal(raw_rndis(&p->a, m, len, true), NVSP_STAT_INVALID_RNDIS_PKT);
	/* 1518: netvsp takes it (room for a tag), the switch refuses. */
	len = nvg_build_packet(m, f, 1518, ~0u);
	assert_int_equal(raw_rndis(&p->a, m, len, false), NVSP_STAT_SUCCESS);
	assert_int_equal(nvg_stats(&p->a).tx_switch_drops, 1);
	/* A message longer than a section cannot be named at all. */
	assert_int_equal(nvg_rndis(&p->a, m, 6144, NVSP_CHANNEL_DATA, false, 15),
			 NVSP_STAT_INVALID_RNDIS_PKT);
	still_fine(p);
	down(p);
}

static void test_bad_oid_requests(void **state)
{
	struct pair *p = up();
	uint8_t m[64] = { 0 };
	uint32_t w[4];

	(void)state;
	/* QUERY whose information buffer lies outside the message. */
	put32(m, 0, RNDIS_MSG_QUERY);
	put32(m, 4, 28 + 8);
	put32(m, 8, 9);
	put32(m, 12, OID_GEN_LINK_SPEED);
	put32(m, 16, 8);
	put32(m, 20, 1000);
	assert_int_equal(nvg_rndis(&p->a, m, 36, NVSP_CHANNEL_CONTROL, false, 0),
			 NVSP_STAT_SUCCESS);
	memcpy(w, p->a.ctrl, 16);
	assert_int_equal(w[0], RNDIS_MSG_QUERY | RNDIS_MSG_COMPLETION);
	assert_int_equal(w[2], 9);
	assert_int_equal(w[3], RNDIS_STATUS_INVALID_LENGTH);
	/* SET with a huge length. */
	put32(m, 0, RNDIS_MSG_SET);
	put32(m, 16, 0xFFFFFFFFu);
	put32(m, 20, 20);
	assert_int_equal(nvg_rndis(&p->a, m, 36, NVSP_CHANNEL_CONTROL, false, 0),
			 NVSP_STAT_SUCCESS);
	memcpy(w, p->a.ctrl, 16);
	assert_int_equal(w[0], RNDIS_MSG_SET | RNDIS_MSG_COMPLETION);
	assert_int_equal(w[3], RNDIS_STATUS_INVALID_LENGTH);
	/* QUERY cut short. */
	put32(m, 0, RNDIS_MSG_QUERY);
	put32(m, 4, 16);
	assert_int_equal(nvg_rndis(&p->a, m, 16, NVSP_CHANNEL_CONTROL, false, 0),
			 NVSP_STAT_SUCCESS);
	memcpy(w, p->a.ctrl, 16);
	assert_int_equal(w[3], RNDIS_STATUS_INVALID_LENGTH);
	still_fine(p);
	down(p);
}

static void test_bad_gpa(void **state)
{
	struct pair *p = up();
	uint8_t f[1600], m[1700];
	uint32_t len = nvg_build_packet(m, f, mkframe(f, p->mb, p->ma, 500), ~0u);
	struct nvsp_msg n = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	uint64_t pfn = 0x123456, tid;
	struct vmbus_gpa_desc d = { 100, 0, &pfn };

	(void)state;
	/* Pages the guest does not own. */
	p->a.refuse_gpa = 1;
	assert_int_equal(raw_rndis(&p->a, m, len, true), NVSP_STAT_INVALID_RNDIS_PKT);
	p->a.refuse_gpa = 0;
	n.rndis_pkt.section_index = NVSP_INVALID_SECTION;
	tid = 4242;
	assert_int_equal(vmbus_chan_send_gpa(&p->a.guest, tid, &d, 1, &n,
					     sizeof(n)), 0);
	nvg_host_poll(&p->a);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_true(p->a.comp_tid == tid);
	assert_int_equal(p->a.comp[4], NVSP_STAT_INVALID_RNDIS_PKT);
	/* A GPA-direct packet that is not SEND_RNDIS_PKT: dropped. */
	n.type = NVSP_MSG1_SEND_RECV_BUF;
	assert_int_equal(vmbus_chan_send_gpa(&p->a.guest, 7, &d, 1, &n,
					     sizeof(n)), 0);
	nvg_host_poll(&p->a);
	assert_true(nvg_stats(&p->a).nvsp_bad >= 1);
	still_fine(p);
	down(p);
}

static void test_bad_packets(void **state)
{
	struct pair *p = up();
	struct vmbus_xfer_range r = { 100, 0 };
	struct nvsp_msg n = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	uint64_t before = nvg_stats(&p->a).nvsp_bad;

	(void)state;
	/* Transfer pages go host to guest only, even inside the buffer. */
	assert_int_equal(vmbus_chan_send_xfer(&p->a.guest, 1, NVSP_RECV_BUF_ID,
					      &r, 1, &n, sizeof(n)), 0);
	r.byte_offset = 0xFFFFFF00u;
	assert_int_equal(vmbus_chan_send_xfer(&p->a.guest, 1, NVSP_RECV_BUF_ID,
					      &r, 1, &n, sizeof(n)), 0);
	/* An unknown packet type and an in-band message of 2 bytes. */
	assert_int_equal(vmbus_chan_send(&p->a.guest, 0x8, 0, 1, &n, 8), 0);
	assert_int_equal(vmbus_chan_send(&p->a.guest, VMBUS_PKT_INBAND, 1, 1,
					 &n, 2), 0);
	nvg_host_poll(&p->a);
	assert_int_equal(nvg_stats(&p->a).nvsp_bad, before + 4);
	still_fine(p);
	down(p);
}

/* Messages shorter than their structures. An NVSP SEND_RNDIS_PKT of
 * its 16 meaningful bytes is served from a zero-padded private copy
 * (whole messages take a fixed-size copy, nvsp_copy); an RNDIS PACKET
 * too short for its own header is refused, as is one that holds the
 * header and no frame (m_packet reads the header from the batch's first
 * read only when it is all there). */
static void test_short_messages(void **state)
{
	struct pair *p = up();
	struct nvsp_msg n = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	uint8_t f[1600], m[64];
	uint32_t flen = mkframe(f, p->mb, p->ma, 100), before = p->b.n_frames;
	uint64_t tid;

	(void)state;
	n.rndis_pkt.channel_type = NVSP_CHANNEL_DATA;
	n.rndis_pkt.section_index = 3;
	n.rndis_pkt.section_size = nvg_build_packet(
		p->a.send.mem + 3u * p->a.send_section_size, f, flen, ~0u);
	assert_int_equal(nvg_send_nvsp(&p->a, &n, 16, true, &tid), 0);
	nvg_host_poll(&p->a);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_true(p->a.comp_tid == tid);
	assert_int_equal(p->a.comp[4], NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, before + 1);
	assert_memory_equal(p->b.frames[before % NVG_FRAMES].data, f, flen);
	/* PACKET with msg_len 28: 20 of its 36 header bytes. */
	memset(m, 0, sizeof(m));
	put32(m, 0, RNDIS_MSG_PACKET);
	put32(m, 4, 28);
	put32(m, 8, 36);
	assert_int_equal(raw_rndis(&p->a, m, 28, false),
			 NVSP_STAT_INVALID_RNDIS_PKT);
	assert_int_equal(raw_rndis(&p->a, m, 28, true),
			 NVSP_STAT_INVALID_RNDIS_PKT);
	/* msg_len 44: the whole header, data_off at its end, no frame. */
	put32(m, 4, 44);
	put32(m, 12, 14);
	assert_int_equal(raw_rndis(&p->a, m, 44, false),
			 NVSP_STAT_INVALID_RNDIS_PKT);
	put32(m, 12, 0);
	assert_int_equal(raw_rndis(&p->a, m, 44, false),
			 NVSP_STAT_INVALID_RNDIS_PKT);
	assert_int_equal(nvg_stats(&p->a).tx_bad, 4);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, before + 1);
	still_fine(p);
	down(p);
}

/* Completions the host never asked for, or twice. */
static void test_bogus_completions(void **state)
{
	struct pair *p = up();
	uint8_t f[1600];
	uint32_t len = mkframe(f, p->ma, p->mb, 100);
	uint64_t tids[6];
	struct nvsp_msg c = { .type = NVSP_MSG1_SEND_RNDIS_PKT_COMP };

	(void)state;
	p->a.auto_complete = false;
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.n_held, 1);
	/* Wrong count, next section, far section, beyond the buffer... */
	tids[0] = 0;
	tids[1] = p->a.held[0] ^ (3ull << 32);
	tids[2] = p->a.held[0] + 1;
	tids[3] = (p->a.held[0] + 100) % 256 | 1ull << 32;
	tids[4] = 1ull << 32 | 5000;
	tids[5] = ~0ull;
	for (size_t i = 0; i < sizeof(tids) / sizeof(tids[0]); i++)
		assert_int_equal(vmbus_chan_send_comp(&p->a.guest, tids[i], &c, 8),
				 0);
	nvg_host_poll(&p->a);
	assert_int_equal(nvg_stats(&p->a).comp_bad, 6);
	assert_int_equal(nvg_stats(&p->a).recv_sections_used, 1);
	/* The real one, then the same again. */
	assert_int_equal(vmbus_chan_send_comp(&p->a.guest, p->a.held[0], &c, 8), 0);
	assert_int_equal(vmbus_chan_send_comp(&p->a.guest, p->a.held[0], &c, 8), 0);
	nvg_host_poll(&p->a);
	assert_int_equal(nvg_stats(&p->a).recv_sections_used, 0);
	assert_int_equal(nvg_stats(&p->a).comp_bad, 7);
	p->a.n_held = 0;
	p->a.auto_complete = true;
	still_fine(p);
	down(p);
}

/* A packet larger than any NVSP message breaks that channel only. */
static void test_huge_packet(void **state)
{
	struct pair *p = up();
	static uint8_t big[40000];

	(void)state;
	assert_int_equal(vmbus_chan_send(&p->a.guest, VMBUS_PKT_INBAND, 0, 1, big,
					 sizeof(big)), 0);
	assert_int_equal(netvsp_poll(p->a.nv, 0), -EIO);
	/* The other guest is unaffected; a is closed and reopened by its
	 * owner, then works again. */
	netvsp_close(p->a.nv);
	nvg_destroy(&p->a);
	assert_int_equal(nvg_create(&p->a, p->sw, p->ma, 0, RING, RBUF, SBUF), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_4), 0);
	still_fine(p);
	down(p);
}

/* Garbage floods: random NVSP messages and random RNDIS batches in the
 * send buffer. Afterwards the guest re-initialises RNDIS and works. */
static void test_random_flood(void **state)
{
	struct pair *p = up();
	uint32_t seed = 12345, filter = 0xD;
	uint8_t m[64];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		uint32_t len;

		for (size_t k = 0; k < sizeof(m); k++) {
			seed = seed * 1103515245u + 12345u;
			m[k] = (uint8_t)(seed >> 16);
		}
		len = 8u + m[3] % 56u;
		if (i % 2 == 0) {
			/* Mostly data messages naming real sections. */
			put32(m, 0, NVSP_MSG1_SEND_RNDIS_PKT);
			put32(m, 8, m[8] % 20u);
			put32(m, 12, (uint32_t)m[12] * 30u);
			for (uint32_t k = 0; k < 64; k++)
				p->a.send.mem[(seed + k * 97u) % SBUF] = (uint8_t)(seed >> k % 24);
		} else if (m[0] & 1) {
			put32(m, 0, 100u + m[1] % 40u);
		}
		assert_int_equal(vmbus_chan_send(&p->a.guest, VMBUS_PKT_INBAND,
						 m[2] & 1u, (uint64_t)i, m,
						 len), 0);
		if (i % 64 == 0) {
			nvg_host_poll(&p->a);
			assert_true(nvg_guest_drain(&p->a) >= 0);
		}
	}
	nvg_host_poll(&p->a);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	nvg_host_poll(&p->a);
	/* The garbage was seen and refused, not silently eaten. */
	assert_true(nvg_stats(&p->a).nvsp_bad > 1000);
	assert_true(nvg_stats(&p->a).tx_bad + nvg_stats(&p->a).rndis_bad > 1000);
	p->a.proto_errors = 0;  /* garbage answers garbage; not our check */
	if (nvg_stats(&p->a).recv_sections == 0 || nvg_stats(&p->a).send_sections == 0) {
		/* The garbage revoked a buffer: reconnect from scratch. */
		netvsp_close(p->a.nv);
		assert_int_equal(netvsp_open(p->a.nv, &p->a.host), 0);
		p->a.recv.open = p->a.send.open = false;
		assert_int_equal(nvg_connect(&p->a, NVSP_VERSION_61), 0);
	}
	assert_int_equal(nvg_rndis_init(&p->a), 0);
	assert_int_equal(nvg_set(&p->a, OID_GEN_CURRENT_PACKET_FILTER, &filter, 4),
			 0);
	still_fine(p);
	down(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_sections),
		cmocka_unit_test(test_bad_rndis),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_bad_oid_requests),
		cmocka_unit_test(test_bad_gpa),
		cmocka_unit_test(test_bad_packets),
		cmocka_unit_test(test_short_messages),
		cmocka_unit_test(test_bogus_completions),
		cmocka_unit_test(test_huge_packet),
		cmocka_unit_test(test_random_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
