/* GPA-direct and transfer-page packets: layout vs Linux, send/parse round
 * trips through a ring, and rejection of inconsistent headers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus/msg.h"
#include "vmbus/pkt.h"

#define DATA_SZ (8u * 4096u)

struct loop {
	uint8_t *mem;
	struct vmbus_chan ch;    /* sender: ch.out */
	struct vmbus_ring rx;    /* receiver view of the same ring */
	uint8_t buf[DATA_SZ];
	struct vmbus_pkt_info info;
};

static struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));
	size_t total = 4096 + DATA_SZ;

	assert_non_null(l);
	l->mem = aligned_alloc(4096, total);
	vmbus_ring_format(l->mem, total);
	assert_int_equal(vmbus_ring_attach(&l->ch.out, l->mem, total), 0);
	assert_int_equal(vmbus_ring_attach(&l->rx, l->mem, total), 0);
	return l;
}

static void loop_free(struct loop *l)
{
	free(l->mem);
	free(l);
}

static int loop_recv(struct loop *l)
{
	bool sig;

	return vmbus_ring_read(&l->rx, l->buf, sizeof(l->buf), &l->info, &sig);
}

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct vmbus_xfer_hdr, xfer_pageset_id), 16);
	assert_int_equal(offsetof(struct vmbus_xfer_hdr, sender_owns_set), 18);
	assert_int_equal(offsetof(struct vmbus_xfer_hdr, range_cnt), 20);
	assert_int_equal(sizeof(struct vmbus_xfer_hdr), 24);
	assert_int_equal(offsetof(struct vmbus_gpa_direct_hdr, range_cnt), 20);
	assert_int_equal(sizeof(struct vmbus_gpa_direct_hdr), 24);
}

static void test_gpa_roundtrip(void **state)
{
	struct loop *l = loop_new();
	uint64_t p1[3] = { 0x1000, 0x2000, 0x1234567 }, p2[1] = { 0x42 };
	struct vmbus_gpa_desc d[2] = { { 10000, 100, p1 }, { 4096, 0, p2 } };
	struct vmbus_gpa_view v[4];
	uint8_t pay[64];
	const char *why;
	unsigned n;

	(void)state;
	memset(pay, 0x77, sizeof(pay));
	assert_int_equal(vmbus_chan_send_gpa(&l->ch, 99, d, 2, pay, 64), 0);
	assert_true(loop_recv(l) > 0);
	assert_int_equal(l->info.desc.type, VMBUS_PKT_GPA_DIRECT);
	assert_int_equal(l->info.desc.flags, VMBUS_PKT_FLAG_COMPLETION_REQUESTED);
	/* 24 + (8 + 24) + (8 + 8) = 72 bytes of header. */
	assert_int_equal(l->info.payload_off, 72);
	assert_memory_equal(l->buf + 72, pay, 64);
	assert_int_equal(vmbus_pkt_gpa_parse(l->buf, &l->info, v, 4, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].byte_count, 10000);
	assert_int_equal(v[0].byte_offset, 100);
	assert_int_equal(v[0].pfn_count, 3);
	assert_true(vmbus_msg_pfn_at(v[0].pfns, 2) == 0x1234567);
	assert_int_equal(v[1].pfn_count, 1);
	assert_true(vmbus_msg_pfn_at(v[1].pfns, 0) == 0x42);
	/* Too small an output array. */
	assert_int_equal(vmbus_pkt_gpa_parse(l->buf, &l->info, v, 1, &n, &why),
			 -E2BIG);
	/* Bad descriptions refused at send time. */
	d[1].byte_offset = 4096;
	assert_int_equal(vmbus_chan_send_gpa(&l->ch, 1, d, 2, NULL, 0), -EINVAL);
	assert_int_equal(vmbus_chan_send_gpa(&l->ch, 1, d, 0, NULL, 0), -EINVAL);
	loop_free(l);
}

static void test_xfer_roundtrip(void **state)
{
	struct loop *l = loop_new();
	struct vmbus_xfer_range r[2] = { { 1514, 0 }, { 60, 6144 } }, got;
	struct vmbus_xfer_hdr h;
	const uint8_t *ranges;
	const char *why;
	uint32_t msg = 7;

	(void)state;
	assert_int_equal(vmbus_chan_send_xfer(&l->ch, 5, 0xCAFE, r, 2, &msg, 4), 0);
	assert_true(loop_recv(l) > 0);
	assert_int_equal(l->info.payload_off, 40);
	assert_int_equal(vmbus_pkt_xfer_parse(l->buf, &l->info, &h, &ranges, &why),
			 0);
	assert_int_equal(h.xfer_pageset_id, 0xCAFE);
	assert_int_equal(h.range_cnt, 2);
	assert_int_equal(vmbus_pkt_xfer_range(ranges, 1, 16 * 4096, &got), 0);
	assert_int_equal(got.byte_offset, 6144);
	assert_int_equal(got.byte_count, 60);
	assert_int_equal(vmbus_pkt_xfer_range(ranges, 1, 6200, &got), -ERANGE);
	assert_memory_equal(l->buf + 40, &msg, 4);
	assert_int_equal(vmbus_pkt_gpa_parse(l->buf, &l->info, NULL, 0,
					     &(unsigned){ 0 }, &why), -EINVAL);
	loop_free(l);
}

/* Raw packet with a chosen header area; returns after reading it back. */
static void raw(struct loop *l, uint16_t type, void *hdr, size_t hlen)
{
	struct vmbus_pkt_desc d = { .type = type, .offset8 = (uint16_t)(hlen / 8),
				    .len8 = (uint16_t)(hlen / 8) };
	struct vmbus_iovec v = { hdr, hlen };
	bool sig;

	memcpy(hdr, &d, sizeof(d));
	assert_int_equal(vmbus_ring_write(&l->ch.out, &v, 1, &sig), 0);
	assert_true(loop_recv(l) > 0);
}

static void test_bad_headers(void **state)
{
	struct loop *l = loop_new();
	uint8_t h[64] = { 0 };
	struct vmbus_gpa_view v[4];
	struct vmbus_xfer_hdr xh;
	const uint8_t *ranges;
	const char *why;
	unsigned n;
	uint32_t cnt, rg[2];

	(void)state;
	raw(l, VMBUS_PKT_GPA_DIRECT, h, 24);  /* range_cnt 0 */
	assert_int_equal(vmbus_pkt_gpa_parse(l->buf, &l->info, v, 4, &n, &why),
			 -EINVAL);
	cnt = 1;
	memcpy(h + 20, &cnt, 4);
	raw(l, VMBUS_PKT_GPA_DIRECT, h, 24);  /* range header missing */
	assert_int_equal(vmbus_pkt_gpa_parse(l->buf, &l->info, v, 4, &n, &why),
			 -EINVAL);
	rg[0] = 3 * 4096;  /* needs 3 PFNs, header carries 2 */
	rg[1] = 0;
	memcpy(h + 24, rg, 8);
	raw(l, VMBUS_PKT_GPA_DIRECT, h, 48);
	assert_int_equal(vmbus_pkt_gpa_parse(l->buf, &l->info, v, 4, &n, &why),
			 -EINVAL);
	assert_non_null(strstr(why, "PFNs"));
	rg[0] = 2 * 4096;
	memcpy(h + 24, rg, 8);
	raw(l, VMBUS_PKT_GPA_DIRECT, h, 48);  /* exactly right */
	assert_int_equal(vmbus_pkt_gpa_parse(l->buf, &l->info, v, 4, &n, &why), 0);
	rg[1] = 4096;  /* offset past the first page */
	memcpy(h + 24, rg, 8);
	raw(l, VMBUS_PKT_GPA_DIRECT, h, 48);
	assert_int_equal(vmbus_pkt_gpa_parse(l->buf, &l->info, v, 4, &n, &why),
			 -EINVAL);
	cnt = 1000;  /* more ranges than anyone sends */
	memcpy(h + 20, &cnt, 4);
	raw(l, VMBUS_PKT_XFER_PAGES, h, 48);
	assert_int_equal(vmbus_pkt_xfer_parse(l->buf, &l->info, &xh, &ranges,
					      &why), -EINVAL);
	cnt = 3;
	memcpy(h + 20, &cnt, 4);
	raw(l, VMBUS_PKT_XFER_PAGES, h, 48);  /* 3 ranges need 48 bytes */
	assert_int_equal(vmbus_pkt_xfer_parse(l->buf, &l->info, &xh, &ranges,
					      &why), 0);
	raw(l, VMBUS_PKT_XFER_PAGES, h, 40);
	assert_int_equal(vmbus_pkt_xfer_parse(l->buf, &l->info, &xh, &ranges,
					      &why), -EINVAL);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_gpa_roundtrip),
		cmocka_unit_test(test_xfer_roundtrip),
		cmocka_unit_test(test_bad_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
