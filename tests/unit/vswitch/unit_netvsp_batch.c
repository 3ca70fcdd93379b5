/* unit_netvsp_batch.c: batching both ways through netvsp.
 *
 * Transmit: several RNDIS PACKET messages in one send-buffer section, as
 * Linux's netvsc_send() packs them while the stack says more frames
 * follow (each padded inside its own msg_len), forwarded in order and
 * completed once; a bad length in the middle refuses the rest and
 * nothing past the section is read. Receive: the frames one drain of a
 * guest's ring sends to another guest reach it as one transfer-page
 * packet with a range per frame (Linux's netvsc_receive() walks
 * range_cnt), completed once; a full batch, a full receive buffer and a
 * sender outside a burst each end a packet. */
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
#define SEC 6144u

struct pair {
	struct vsw *sw;
	struct nvg a, b;
	uint8_t ma[6], mb[6];
};

static struct pair *up(uint32_t rbuf_b)
{
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	assert_int_equal(vsw_create("t", VSW_TYPE_PRIVATE, NULL, &p->sw), 0);
	vswt_make_mac(p->ma, 1);
	vswt_make_mac(p->mb, 2);
	assert_int_equal(nvg_create(&p->a, p->sw, p->ma, 0, RING, RBUF, SBUF), 0);
	assert_int_equal(nvg_create(&p->b, p->sw, p->mb, 0, RING, rbuf_b, SBUF), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	return p;
}

static void down(struct pair *p)
{
	assert_int_equal(p->a.proto_errors, 0);
	assert_int_equal(p->b.proto_errors, 0);
	nvg_pair_destroy(&p->a, &p->b, p->sw);
	free(p);
}

/* Frame i of a test: to b, its length (60 to 659 bytes, so eight fit
 * a section) and payload from i. */
static uint32_t mkframe(const struct pair *p, uint8_t *f, unsigned i)
{
	uint8_t pay[1600];
	uint32_t plen = 46u + (i * 97u) % 600u;

	vswt_fill_payload(pay, plen, i);
	return (uint32_t)vswt_build_frame(f, p->mb, p->ma, VSWT_UNTAGGED, 0,
					  0x88B5, pay, plen);
}

/* Frames first..first+n-1 as PACKET messages back to back from sec,
 * each msg_len padded to 8 bytes as Linux pads them; returns the bytes
 * used. The frames are assumed to fit. */
static uint32_t pack(const struct pair *p, uint8_t *sec, unsigned first,
		     unsigned n)
{
	uint8_t f[1600];
	uint32_t off = 0;

	for (unsigned i = first; i < first + n; i++) {
		uint32_t len = nvg_build_packet(sec + off, f, mkframe(p, f, i), ~0u);
		uint32_t pad = (len + 7u) & ~7u;

		memset(sec + off + len, 0, pad - len);
		memcpy(sec + off + 4, &pad, 4);
		off += pad;
	}
	assert_true(off <= SEC);
	return off;
}

/* A SEND_RNDIS_PKT naming section s of size bytes, not waited for. */
static void post(struct nvg *g, uint32_t s, uint32_t size, uint64_t *tid)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };

	m.rndis_pkt.channel_type = NVSP_CHANNEL_DATA;
	m.rndis_pkt.section_index = s;
	m.rndis_pkt.section_size = size;
	assert_int_equal(nvg_send_nvsp(g, &m, sizeof(m), true, tid), 0);
}

/* Frames first..first+n-1 are b's last n, in order and intact. */
static void check_frames(const struct pair *p, unsigned first, unsigned n)
{
	uint8_t f[1600];

	assert_true(n <= NVG_FRAMES && p->b.n_frames >= n);
	for (unsigned i = 0; i < n; i++) {
		const struct nvg_frame *got =
			&p->b.frames[(p->b.n_frames - n + i) % NVG_FRAMES];
		uint32_t len = mkframe(p, f, first + i);

		assert_int_equal(got->len, len);
		assert_memory_equal(got->data, f, len);
	}
}

/* Three, then eight frames in one message batch: all forwarded in
 * order, one completion each time, one receive packet each time. */
static void test_section_batch(void **state)
{
	struct pair *p = up(RBUF);
	uint32_t len, comps = p->a.n_comp, xfers = p->b.n_xfer;

	(void)state;
	len = pack(p, p->a.send.mem + 3 * SEC, 0, 3);
	assert_int_equal(nvg_rndis(&p->a, p->a.send.mem + 3 * SEC, len,
				   NVSP_CHANNEL_DATA, false, 3), NVSP_STAT_SUCCESS);
	assert_int_equal(p->a.n_comp, comps + 1);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, 3);
	check_frames(p, 0, 3);
	/* Eight frames (the most netvsp offers per message batch), through
	 * page buffers this time. */
	len = pack(p, p->a.send.mem + 4 * SEC, 200, 8);
	assert_int_equal(nvg_rndis(&p->a, p->a.send.mem + 4 * SEC, len,
				   NVSP_CHANNEL_DATA, true, 0), NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, 11);
	check_frames(p, 200, 8);
	assert_int_equal(p->b.n_xfer, xfers + 2);
	assert_int_equal(p->b.last_ranges, 8);
	assert_int_equal(nvg_stats(&p->a).tx_frames, 11);
	assert_int_equal(nvg_stats(&p->a).tx_bad, 0);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	down(p);
}

/* A bad msg_len in the middle: what came before is forwarded, the rest
 * refused (INVALID_RNDIS_PKT in the one completion), and a good message
 * just past the section's end is never read. */
static void bad_middle(struct pair *p, uint32_t bad_len, bool cut)
{
	uint8_t *sec = p->a.send.mem + 5 * SEC;
	uint32_t two = pack(p, sec, 300, 2), three, size;
	uint32_t frames = p->b.n_frames, bad = (uint32_t)nvg_stats(&p->a).tx_bad;
	uint64_t tid;

	three = two + pack(p, sec + two, 302, 1);
	(void)pack(p, sec + three, 303, 1);
	/* The section ends inside the third message (cut), or the third
	 * message's length is bad and the section ends after it. */
	size = cut ? three - 8u : three;
	if (!cut)
		memcpy(sec + two + 4, &bad_len, 4);
	post(&p->a, 5, size, &tid);
	nvg_host_poll(&p->a);
	assert_true(nvg_guest_drain(&p->a) >= 0);
	assert_int_equal(p->a.comp_tid, tid);
	assert_int_equal(p->a.comp[4], NVSP_STAT_INVALID_RNDIS_PKT);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, frames + 2);
	check_frames(p, 300, 2);
	assert_int_equal(nvg_stats(&p->a).tx_bad, bad + 1);
	nvg_host_poll(&p->b);
}

static void test_bad_length_mid_section(void **state)
{
	struct pair *p = up(RBUF);
	uint32_t before;

	(void)state;
	bad_middle(p, 0, false);
	bad_middle(p, 4, false);           /* shorter than a header */
	bad_middle(p, 0xFFFFFFF8u, false); /* would wrap */
	/* Reaches into the message after the section. */
	bad_middle(p, 2 * SEC, false);
	bad_middle(p, 0, true);            /* the section cuts the third */
	assert_int_equal(nvg_stats(&p->a).rndis_bad, 5);
	/* A bad PACKET whose own length is right costs only itself. */
	before = p->b.n_frames;
	{
		uint8_t *sec = p->a.send.mem + 6 * SEC;
		uint32_t one = pack(p, sec, 400, 1), len;
		uint32_t huge = 0xFFFFFF00u;

		len = one + pack(p, sec + one, 401, 2);
		memcpy(sec + one + 12, &huge, 4);  /* second's data_len */
		assert_int_equal(nvg_rndis(&p->a, sec, len, NVSP_CHANNEL_DATA,
					   false, 6), NVSP_STAT_INVALID_RNDIS_PKT);
	}
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, before + 2);
	nvg_host_poll(&p->b);
	down(p);
}

/* One drain of a's ring: three sections of eight frames reach b as one
 * packet of 24 ranges, whose one completion frees all 24 sections; 40
 * frames make a full packet of 32 and one of 8. */
static void test_burst_ranges(void **state)
{
	struct pair *p = up(RBUF);
	uint32_t xfers;

	(void)state;
	xfers = p->b.n_xfer;  /* the bring-up's control replies */
	p->b.auto_complete = false;
	for (uint32_t s = 0; s < 3; s++)
		post(&p->a, 1 + s, pack(p, p->a.send.mem + (1 + s) * SEC, s * 8, 8),
		     NULL);
	nvg_host_poll(&p->a);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 24);
	assert_int_equal(nvg_stats(&p->b).rx_frames, 24);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_xfer, xfers + 1);
	assert_int_equal(p->b.last_ranges, 24);
	assert_int_equal(p->b.n_held, 1);
	check_frames(p, 0, 24);
	nvg_complete_held(&p->b);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	assert_int_equal(nvg_stats(&p->b).comp_bad, 0);
	xfers = p->b.n_xfer;
	for (uint32_t s = 0; s < 5; s++)
		post(&p->a, 1 + s, pack(p, p->a.send.mem + (1 + s) * SEC,
					100 + s * 8, 8), NULL);
	nvg_host_poll(&p->a);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_xfer, xfers + 2);
	assert_int_equal(p->b.last_ranges, 8);
	assert_int_equal(p->b.n_held, 2);
	check_frames(p, 100, 40);
	nvg_complete_held(&p->b);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	assert_true(nvg_guest_drain(&p->a) >= 0);  /* a's completions */
	assert_int_equal(nvg_stats(&p->a).tx_frames, 64);
	down(p);
}

/* b's buffer holds ten sections: a burst of 16 fills them in one
 * packet and the other six are dropped as no-buffer; a sender outside a
 * burst (a plain switch port) gets a packet per frame. */
static void test_buffer_full_and_no_burst(void **state)
{
	struct pair *p = up(1728u * 10u);
	struct vswt_sink sink = { 0 };
	struct vsw_port_config pc;
	struct vsw_port *port;
	uint8_t mc[6], f[1600];
	uint32_t xfers, len;

	(void)state;
	xfers = p->b.n_xfer;
	p->b.auto_complete = false;
	post(&p->a, 1, pack(p, p->a.send.mem + SEC, 0, 4), NULL);
	post(&p->a, 2, pack(p, p->a.send.mem + 2 * SEC, 4, 4), NULL);
	post(&p->a, 3, pack(p, p->a.send.mem + 3 * SEC, 8, 8), NULL);
	nvg_host_poll(&p->a);
	assert_int_equal(nvg_stats(&p->b).rx_frames, 10);
	assert_int_equal(nvg_stats(&p->b).rx_drop_no_buffer, 6);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_xfer, xfers + 1);
	assert_int_equal(p->b.last_ranges, 10);
	check_frames(p, 0, 10);
	nvg_complete_held(&p->b);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	p->b.auto_complete = true;
	vswt_make_mac(mc, 3);
	pc = vswt_port_config_vm(mc, 0, &sink);
	assert_int_equal(vsw_port_add(p->sw, &pc, &port), 0);
	xfers = p->b.n_xfer;
	for (unsigned i = 0; i < 3; i++) {
		len = mkframe(p, f, 500 + i);
		memcpy(f + 6, mc, 6);
		assert_true(vsw_port_send(port, f, len, 0) >= 1);
	}
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_xfer, xfers + 3);
	assert_int_equal(p->b.last_ranges, 1);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	down(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_section_batch),
		cmocka_unit_test(test_bad_length_mid_section),
		cmocka_unit_test(test_burst_ranges),
		cmocka_unit_test(test_buffer_full_and_no_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
