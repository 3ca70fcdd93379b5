/* Channel protocol tests, single-threaded: server and client exchange
 * messages through the harness mailboxes, pumped by the test. Covers
 * version negotiation, offers, GPADL/open/close/teardown/unload, rescind,
 * and the server's handling of bad guest input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

struct fix {
	struct harness h;
	struct vmbus_server *s;
	struct vmbus_client *c;
	struct echo_dev dev[2];
	uint32_t relid[2];
	unsigned offers_seen;
	uint64_t comps;
	uint64_t last_tid;
};

static void on_offer(void *ctx, uint32_t relid, const struct vmbus_msg_offer *o)
{
	struct fix *f = (struct fix *)((char *)ctx - offsetof(struct fix, h));

	(void)relid;
	(void)o;
	f->offers_seen++;
}

static struct fix *fix_new(uint32_t max_version, int noffers)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	harness_init(&f->h, 1024);
	f->h.cops.on_offer = on_offer;
	f->s = vmbus_server_create(&f->h.sops, max_version);
	f->c = vmbus_client_create(&f->h.cops);
	assert_non_null(f->s);
	assert_non_null(f->c);
	for (int i = 0; i < noffers; i++) {
		struct vmbus_guid t = harness_guid((uint8_t)(0x10 * (i + 1)));
		struct vmbus_guid in = harness_guid((uint8_t)(0x80 + i));
		assert_int_equal(vmbus_server_offer(f->s, &t, &in, &echo_dev_ops,
						    &f->dev[i], &f->relid[i]), 0);
	}
	return f;
}

static void fix_free(struct fix *f)
{
	vmbus_client_destroy(f->c);
	vmbus_server_destroy(f->s);
	assert_int_equal(f->h.mem.maps, 0);  /* no mapping leaked */
	harness_fini(&f->h);
	free(f);
}

static void connect_ok(struct fix *f, uint32_t expect_version)
{
	assert_int_equal(vmbus_client_connect(f->c, NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_state(f->c), VMBUS_CL_READY);
	assert_int_equal(vmbus_client_version(f->c), expect_version);
	assert_int_equal(vmbus_server_version(f->s), expect_version);
}

static void test_negotiate_versions(void **state)
{
	static const uint32_t maxes[] = { VMBUS_VERSION_V5_3, VMBUS_VERSION_V5_0,
					  VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN8 };

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fix *f = fix_new(maxes[i], 0);
		connect_ok(f, maxes[i]);
		fix_free(f);
	}
}

static void test_negotiate_fail(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_WIN10_41, 0);
	uint32_t only[] = { VMBUS_VERSION_V5_3, 0x00010001u };

	(void)state;
	assert_int_equal(vmbus_client_connect(f->c, only, 2), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_state(f->c), VMBUS_CL_FAILED);
	assert_int_equal(vmbus_server_state(f->s), VMBUS_SRV_DISCONNECTED);
	fix_free(f);
}

static void test_offers(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 2);
	const struct vmbus_msg_offer *o;
	struct vmbus_guid t = harness_guid(0x70), in = harness_guid(0x71);
	uint32_t relid;

	(void)state;
	connect_ok(f, VMBUS_VERSION_V5_3);
	assert_int_equal(f->offers_seen, 2);
	o = vmbus_client_offer(f->c, f->relid[1]);
	assert_non_null(o);
	assert_int_equal(o->offer.if_type.b[0], 0x20);
	assert_int_equal(o->offer.if_instance.b[0], 0x81);
	assert_int_equal(o->flags8 & VMBUS_OFFER_MONITOR_ALLOCATED, 0);
	/* Late offer goes out immediately. */
	assert_int_equal(vmbus_server_offer(f->s, &t, &in, &echo_dev_ops,
					    &f->dev[0], &relid), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(f->offers_seen, 3);
	assert_int_equal(vmbus_client_chan_state(f->c, relid), VMBUS_CH_OFFERED);
	fix_free(f);
}

/* The transport's connection ids for channels (partition/vsp/ uses 0x100
 * + relid, keeping 1, 4 and its own below): the offer carries base +
 * relid; default base 0 is the relid. */
static void test_conn_base(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 2);
	const struct vmbus_msg_offer *o;

	(void)state;
	vmbus_server_set_conn_base(f->s, 0x100);
	connect_ok(f, VMBUS_VERSION_V5_3);
	o = vmbus_client_offer(f->c, f->relid[1]);
	assert_non_null(o);
	assert_int_equal(o->connection_id, 0x100 + f->relid[1]);
	assert_int_equal(o->child_relid, f->relid[1]);
	fix_free(f);
	f = fix_new(VMBUS_VERSION_V5_3, 1);
	connect_ok(f, VMBUS_VERSION_V5_3);
	assert_int_equal(vmbus_client_offer(f->c, f->relid[0])->connection_id, f->relid[0]);
	fix_free(f);
}

static int count_comp(void *ctx, struct vmbus_chan *ch,
		      const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	struct fix *f = ctx;

	(void)ch;
	(void)pkt;
	if (info->desc.type == VMBUS_PKT_COMP) {
		f->comps++;
		f->last_tid = info->desc.trans_id;
	}
	return 0;
}

static void open_ok(struct fix *f, uint32_t relid, uint32_t sp, uint32_t rp)
{
	assert_int_equal(vmbus_client_open(f->c, relid, sp, rp), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_chan_state(f->c, relid), VMBUS_CH_OPEN);
	assert_non_null(vmbus_server_chan(f->s, relid));
}

static void echo_once(struct fix *f, uint32_t relid, uint64_t tid)
{
	struct vmbus_chan *ch = vmbus_client_chan(f->c, relid);
	uint8_t buf[512];

	assert_non_null(ch);
	assert_int_equal(vmbus_chan_send(ch, VMBUS_PKT_INBAND,
					 VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
					 tid, "hello", 5), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_true(vmbus_chan_poll(ch, buf, sizeof(buf), count_comp, f, 0) >= 1);
	assert_true(f->last_tid == tid);
}

/* vmbus_chan_poll_view shows each packet in place, its payload split
 * across the ring's end when it wraps: reassembled, it is what was sent
 * (2-page rings, 1,004-byte payloads padded to 1,008: 1,032-byte
 * packets, so they straddle the ring's end now and then). */
struct view_seen {
	uint8_t got[1008];
	uint32_t len, split;
};

static int take_view(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_view *v)
{
	struct view_seen *s = ctx;
	uint32_t off = v->info.payload_off, end = v->info.pkt_len, s0 = v->seg_len[0];

	(void)ch;
	s->len = 0;
	for (uint32_t i = off; i < end && s->len < sizeof(s->got); i++)
		s->got[s->len++] = i < s0 ? v->seg[0][i] : v->seg[1][i - s0];
	s->split += v->seg_len[1] != 0;
	return 0;
}

static void test_poll_view(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 1);
	struct view_seen seen = { { 0 }, 0, 0 };
	uint8_t pkt[1004];

	(void)state;
	connect_ok(f, VMBUS_VERSION_V5_3);
	open_ok(f, f->relid[0], 2, 2);
	for (int k = 0; k < 20; k++) {
		for (unsigned i = 0; i < sizeof(pkt); i++)
			pkt[i] = (uint8_t)(k * 31 + i);
		assert_int_equal(vmbus_chan_send(vmbus_client_chan(f->c, f->relid[0]), VMBUS_PKT_INBAND,
						 0, (uint64_t)k, pkt, sizeof(pkt)), 0);
		assert_int_equal(vmbus_chan_poll_view(vmbus_server_chan(f->s, f->relid[0]), take_view,
						      &seen, 0), 1);
		assert_int_equal(seen.len, 1008);
		assert_memory_equal(seen.got, pkt, sizeof(pkt));
	}
	assert_true(seen.split > 0);   /* some packets did straddle the end */
	fix_free(f);
}

/* Full lifecycle with a GPADL that needs a header and two bodies. */
static void test_lifecycle(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 2);

	(void)state;
	connect_ok(f, VMBUS_VERSION_V5_3);
	open_ok(f, f->relid[0], 30, 30);  /* 60 PFNs: 26 + 28 + 6 */
	open_ok(f, f->relid[1], 2, 2);
	assert_int_equal(vmbus_server_gpadl_count(f->s), 2);
	echo_once(f, f->relid[0], 0xABCDEF0123ull);
	echo_once(f, f->relid[1], 42);
	assert_int_equal(f->dev[0].opens, 1);
	assert_int_equal(vmbus_client_close(f->c, f->relid[0]), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(f->dev[0].closes, 1);
	assert_int_equal(vmbus_client_chan_state(f->c, f->relid[0]),
			 VMBUS_CH_OFFERED);
	assert_int_equal(vmbus_server_gpadl_count(f->s), 1);
	/* Re-open works after a close. */
	open_ok(f, f->relid[0], 4, 4);
	assert_int_equal(vmbus_client_unload(f->c), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_state(f->c), VMBUS_CL_UNLOADED);
	assert_int_equal(vmbus_server_state(f->s), VMBUS_SRV_DISCONNECTED);
	assert_int_equal(vmbus_server_gpadl_count(f->s), 0);
	assert_int_equal(f->h.mem.maps, 0);
	assert_int_equal(f->dev[0].closes, 2);
	assert_int_equal(f->dev[1].closes, 1);
	assert_int_equal(f->h.logs, 0);
	/* And reconnect. */
	connect_ok(f, VMBUS_VERSION_V5_3);
	fix_free(f);
}

static void test_rescind(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 2);
	struct vmbus_guid t = harness_guid(1), in = harness_guid(2);
	uint32_t relid;

	(void)state;
	connect_ok(f, VMBUS_VERSION_V5_3);
	open_ok(f, f->relid[0], 2, 2);
	assert_int_equal(vmbus_server_rescind(f->s, f->relid[0]), 0);
	assert_int_equal(vmbus_server_rescind(f->s, f->relid[1]), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(f->dev[0].closes, 1);
	assert_int_equal(vmbus_client_chan_state(f->c, f->relid[0]),
			 VMBUS_CH_RESCINDED);
	/* Unopened one was released at once. */
	assert_int_equal(vmbus_client_chan_state(f->c, f->relid[1]), VMBUS_CH_NONE);
	assert_int_equal(vmbus_client_close(f->c, f->relid[0]), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_chan_state(f->c, f->relid[0]), VMBUS_CH_NONE);
	assert_int_equal(vmbus_server_gpadl_count(f->s), 0);
	assert_int_equal(f->h.logs, 0);
	/* Both relids released: slots reusable. */
	assert_int_equal(vmbus_server_offer(f->s, &t, &in, &echo_dev_ops,
					    &f->dev[0], &relid), 0);
	assert_int_equal(relid, 1);
	fix_free(f);
}

/* ---- bad guest input, sent raw to the server ---- */

static int take_reply(struct fix *f, uint32_t type, void *out, size_t len)
{
	struct mb_item it;

	while (mailbox_pop(&f->h.to_guest, &it, 0)) {
		if (((struct vmbus_msg_hdr *)it.data)->msgtype == type) {
			memcpy(out, it.data, len < it.len ? len : it.len);
			return 1;
		}
	}
	return 0;
}

static void raw_connect(struct fix *f)
{
	struct vmbus_msg_initiate in = { .hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT,
					 .version = VMBUS_VERSION_V5_3 };
	struct vmbus_msg_hdr rq = { .msgtype = VMBUS_MSG_REQUESTOFFERS };

	assert_int_equal(vmbus_server_handle_msg(f->s, &in, sizeof(in)), 0);
	assert_int_equal(vmbus_server_handle_msg(f->s, &rq, sizeof(rq)), 0);
	while (harness_pump(&f->h, f->s, NULL))
		;
	struct mb_item it;
	while (mailbox_pop(&f->h.to_guest, &it, 0))
		;
}

static uint32_t raw_gpadl(struct fix *f, uint32_t relid, uint32_t handle,
			  const uint64_t *pfns, uint32_t n)
{
	uint8_t buf[VMBUS_MSG_MAX];
	uint32_t used, done;
	struct vmbus_msg_gpadl_created cr;
	int len = vmbus_msg_gpadl_header_build(buf, relid, handle, pfns, n,
					       n * 4096u, &used);

	assert_true(len > 0);
	vmbus_server_handle_msg(f->s, buf, (size_t)len);
	for (done = used; done < n; done += used) {
		len = vmbus_msg_gpadl_body_build(buf, 0, handle, pfns + done,
						 n - done, &used);
		vmbus_server_handle_msg(f->s, buf, (size_t)len);
	}
	assert_true(take_reply(f, VMBUS_MSG_GPADL_CREATED, &cr, sizeof(cr)));
	assert_int_equal(cr.gpadl, handle);
	return cr.creation_status;
}

static void test_bad_gpadl(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 1);
	uint64_t pfns[40];
	int logs;

	(void)state;
	raw_connect(f);
	for (int i = 0; i < 40; i++)
		pfns[i] = GMEM_PFN_BASE + 10 + (uint64_t)i;
	assert_int_equal(raw_gpadl(f, f->relid[0], 7, pfns, 40), 0);
	/* Same handle again: dropped (no reply, no second GPADL). */
	logs = f->h.logs;
	{
		uint8_t buf[VMBUS_MSG_MAX];
		uint32_t used;
		int len = vmbus_msg_gpadl_header_build(buf, f->relid[0], 7, pfns,
						       4, 4 * 4096, &used);
		assert_int_equal(vmbus_server_handle_msg(f->s, buf, (size_t)len),
				 -EINVAL);
	}
	assert_int_equal(f->h.logs, logs + 1);
	assert_int_equal(vmbus_server_gpadl_count(f->s), 1);
	/* A PFN the guest does not own (hv memory, another child). */
	pfns[30] = 0x1234;
	assert_int_not_equal(raw_gpadl(f, f->relid[0], 8, pfns, 40), 0);
	pfns[30] = GMEM_PFN_BASE + 4096;  /* one past the guest's memory */
	assert_int_not_equal(raw_gpadl(f, f->relid[0], 9, pfns, 40), 0);
	assert_int_equal(f->h.mem.map_refusals, 2);
	/* GPADL for a relid that was never offered. */
	assert_int_not_equal(raw_gpadl(f, 33, 10, pfns, 2), 0);
	assert_int_equal(vmbus_server_gpadl_count(f->s), 1);
	assert_int_equal(f->h.mem.maps, 1);
	fix_free(f);
}

static int torn_handle;
static void note_teardown(void *dev, uint32_t handle)
{
	(void)dev;
	torn_handle = (int)handle;
}

/* A guest that starts GPADLs and never finishes them is capped. */
static void test_gpadl_pending_cap(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 1);
	uint8_t buf[VMBUS_MSG_MAX];
	uint64_t pfns[26] = { 0 };
	struct vmbus_msg_gpadl_created cr;
	uint32_t used;
	int len;

	(void)state;
	raw_connect(f);
	for (uint32_t i = 0; i < VMBUS_SERVER_MAX_PENDING_GPADLS; i++) {
		len = vmbus_msg_gpadl_header_build(buf, f->relid[0], 100 + i, pfns,
						   8000, 8000u * 4096u, &used);
		assert_int_equal(vmbus_server_handle_msg(f->s, buf, (size_t)len), 0);
	}
	len = vmbus_msg_gpadl_header_build(buf, f->relid[0], 200, pfns, 8000,
					   8000u * 4096u, &used);
	assert_int_equal(vmbus_server_handle_msg(f->s, buf, (size_t)len), -EINVAL);
	assert_true(take_reply(f, VMBUS_MSG_GPADL_CREATED, &cr, sizeof(cr)));
	assert_int_equal(cr.gpadl, 200);
	assert_int_not_equal(cr.creation_status, 0);
	assert_non_null(strstr(f->h.last_log, "unfinished"));
	assert_int_equal(vmbus_server_gpadl_count(f->s),
			 VMBUS_SERVER_MAX_PENDING_GPADLS);
	fix_free(f);
}

/* The GPADL table fills to VMBUS_SERVER_MAX_GPADLS and refuses the
 * next; a reconnect (INITIATE_CONTACT while connected) unmaps every one,
 * and the whole table is usable again (the server scans only up to its
 * high-water mark, which the reset brings back to 0). */
static void test_gpadl_table_reset(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 1);
	uint8_t buf[VMBUS_MSG_MAX];
	uint64_t pfn;
	uint32_t used;
	int len;

	(void)state;
	raw_connect(f);
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < VMBUS_SERVER_MAX_GPADLS; i++) {
			pfn = GMEM_PFN_BASE + 10 + i;
			assert_int_equal(raw_gpadl(f, f->relid[0], 1000 + i, &pfn, 1), 0);
		}
		assert_int_equal(vmbus_server_gpadl_count(f->s), VMBUS_SERVER_MAX_GPADLS);
		assert_int_equal(f->h.mem.maps, VMBUS_SERVER_MAX_GPADLS);
		len = vmbus_msg_gpadl_header_build(buf, f->relid[0], 5000, &pfn, 1, 4096, &used);
		vmbus_server_handle_msg(f->s, buf, (size_t)len);
		assert_non_null(strstr(f->h.last_log, "too many GPADLs"));
		assert_int_equal(vmbus_server_gpadl_count(f->s), VMBUS_SERVER_MAX_GPADLS);
		raw_connect(f);
		assert_int_equal(vmbus_server_gpadl_count(f->s), 0);
		assert_int_equal(f->h.mem.maps, 0);
	}
	fix_free(f);
}

/* A VSP looks up a data GPADL (netvsc receive buffer) by handle. */
static void test_gpadl_view(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 2);
	struct vmbus_dev_ops ops = echo_dev_ops;
	struct vmbus_msg_gpadl_teardown td = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
					       .child_relid = 1, .gpadl = 0xCAFE };
	uint64_t pfns[3] = { GMEM_PFN_BASE + 7, GMEM_PFN_BASE + 8,
			     GMEM_PFN_BASE + 9 };
	void *va;
	size_t bytes;

	(void)state;
	ops.on_gpadl_teardown = note_teardown;
	vmbus_server_destroy(f->s);
	f->s = vmbus_server_create(&f->h.sops, VMBUS_VERSION_V5_3);
	assert_int_equal(vmbus_server_offer(f->s, &(struct vmbus_guid){ { 1 } },
					    &(struct vmbus_guid){ { 2 } }, &ops,
					    &f->dev[0], &f->relid[0]), 0);
	raw_connect(f);
	assert_int_equal(raw_gpadl(f, f->relid[0], 0xCAFE, pfns, 3), 0);
	assert_int_equal(vmbus_server_gpadl_view(f->s, f->relid[0], 0xCAFE, &va,
						 &bytes), 0);
	assert_ptr_equal(va, f->h.mem.base + 7 * 4096);
	assert_int_equal(bytes, 3 * 4096);
	assert_int_equal(vmbus_server_gpadl_view(f->s, 2, 0xCAFE, &va, &bytes),
			 -ENOENT);
	assert_int_equal(vmbus_server_gpadl_view(f->s, f->relid[0], 0xBEEF, &va,
						 &bytes), -ENOENT);
	torn_handle = 0;
	assert_int_equal(vmbus_server_handle_msg(f->s, &td, sizeof(td)), 0);
	assert_int_equal(torn_handle, 0xCAFE);
	assert_int_equal(vmbus_server_gpadl_view(f->s, f->relid[0], 0xCAFE, &va,
						 &bytes), -ENOENT);
	fix_free(f);
}

/* Client-side data GPADL (e.g. netvsc receive buffer): both sides see
 * the same pages; refusal and teardown release them. */
static void test_client_data_gpadl(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 1);
	uint32_t h1, h2;
	uint8_t *cva;
	void *sva;
	size_t bytes;

	(void)state;
	connect_ok(f, VMBUS_VERSION_V5_3);
	open_ok(f, f->relid[0], 2, 2);
	assert_int_equal(vmbus_client_gpadl_create(f->c, f->relid[0], 40, &h1), 0);
	assert_int_equal(vmbus_client_gpadl_state(f->c, h1), VMBUS_GPADL_PENDING);
	assert_null(vmbus_client_gpadl_va(f->c, h1));
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_gpadl_state(f->c, h1), VMBUS_GPADL_LIVE);
	cva = vmbus_client_gpadl_va(f->c, h1);
	assert_non_null(cva);
	cva[40 * 4096 - 1] = 0x5C;
	assert_int_equal(vmbus_server_gpadl_view(f->s, f->relid[0], h1, &sva,
						 &bytes), 0);
	assert_int_equal(bytes, 40 * 4096);
	assert_int_equal(((uint8_t *)sva)[40 * 4096 - 1], 0x5C);
	/* Refused by the platform: FAILED, nothing mapped, slot released. */
	f->h.mem.refuse_maps = 1;
	assert_int_equal(vmbus_client_gpadl_create(f->c, f->relid[0], 3, &h2), 0);
	harness_pump(&f->h, f->s, f->c);
	f->h.mem.refuse_maps = 0;
	assert_int_equal(vmbus_client_gpadl_state(f->c, h2), VMBUS_GPADL_FAILED);
	assert_int_equal(vmbus_client_gpadl_teardown(f->c, h2), 0);
	assert_int_equal(vmbus_client_gpadl_state(f->c, h2), VMBUS_GPADL_NONE);
	assert_int_equal(vmbus_client_gpadl_teardown(f->c, h1), 0);
	assert_int_equal(vmbus_client_gpadl_state(f->c, h1), VMBUS_GPADL_TEARDOWN);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_gpadl_state(f->c, h1), VMBUS_GPADL_NONE);
	assert_int_equal(vmbus_server_gpadl_count(f->s), 1);  /* rings only */
	assert_int_equal(vmbus_client_gpadl_create(f->c, 77, 3, &h2), -EINVAL);
	fix_free(f);
}

static void test_bad_gpadl_body(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 1);
	uint8_t buf[VMBUS_MSG_MAX];
	uint64_t pfns[60];
	struct vmbus_msg_gpadl_created cr;
	uint32_t used;
	int len;

	(void)state;
	raw_connect(f);
	for (int i = 0; i < 60; i++)
		pfns[i] = GMEM_PFN_BASE + (uint64_t)i;
	/* Body for a GPADL nobody started. */
	len = vmbus_msg_gpadl_body_build(buf, 1, 99, pfns, 5, &used);
	assert_int_equal(vmbus_server_handle_msg(f->s, buf, (size_t)len), -EINVAL);
	/* Header announces 30 pages; bodies carry 28 + 28. */
	len = vmbus_msg_gpadl_header_build(buf, f->relid[0], 5, pfns, 30,
					   30 * 4096, &used);
	assert_int_equal(vmbus_server_handle_msg(f->s, buf, (size_t)len), 0);
	len = vmbus_msg_gpadl_body_build(buf, 1, 5, pfns + 26, 28, &used);
	assert_int_equal(vmbus_server_handle_msg(f->s, buf, (size_t)len), -EINVAL);
	assert_true(take_reply(f, VMBUS_MSG_GPADL_CREATED, &cr, sizeof(cr)));
	assert_int_not_equal(cr.creation_status, 0);
	assert_int_equal(vmbus_server_gpadl_count(f->s), 0);
	fix_free(f);
}

static uint32_t raw_open(struct fix *f, uint32_t relid, uint32_t gpadl,
			 uint32_t off)
{
	struct vmbus_msg_open o = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL,
				    .child_relid = relid, .openid = 77,
				    .ring_gpadl = gpadl,
				    .downstream_page_offset = off };
	struct vmbus_msg_open_result r;

	vmbus_server_handle_msg(f->s, &o, sizeof(o));
	assert_true(take_reply(f, VMBUS_MSG_OPENCHANNEL_RESULT, &r, sizeof(r)));
	assert_int_equal(r.openid, 77);
	return r.status;
}

static void test_bad_open(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 2);
	uint64_t pfns[8];
	struct vmbus_ring_hdr *rh;

	(void)state;
	raw_connect(f);
	for (int i = 0; i < 8; i++)
		pfns[i] = GMEM_PFN_BASE + 100 + (uint64_t)i;
	assert_int_equal(raw_gpadl(f, f->relid[0], 3, pfns, 8), 0);
	assert_int_not_equal(raw_open(f, f->relid[0], 4, 4), 0);  /* no GPADL */
	assert_int_not_equal(raw_open(f, f->relid[1], 3, 4), 0);  /* other relid */
	assert_int_not_equal(raw_open(f, 55, 3, 4), 0);           /* no channel */
	assert_int_not_equal(raw_open(f, f->relid[0], 3, 0), 0);
	assert_int_not_equal(raw_open(f, f->relid[0], 3, 1), 0);
	assert_int_not_equal(raw_open(f, f->relid[0], 3, 7), 0);
	assert_int_not_equal(raw_open(f, f->relid[0], 3, 0xFFFFFFFFu), 0);
	/* Ring header with an out-of-range index. */
	rh = (struct vmbus_ring_hdr *)(f->h.mem.base + 100 * 4096);
	rh->write_index = 0x7FFFFFF0u;
	assert_int_not_equal(raw_open(f, f->relid[0], 3, 4), 0);
	rh->write_index = 0;
	f->dev[0].refuse_open = 1;
	assert_int_not_equal(raw_open(f, f->relid[0], 3, 4), 0);
	f->dev[0].refuse_open = 0;
	assert_int_equal(raw_open(f, f->relid[0], 3, 4), 0);
	assert_int_not_equal(raw_open(f, f->relid[0], 3, 4), 0);  /* twice */
	assert_true(f->h.logs >= 10);
	fix_free(f);
}

static void test_bad_messages(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 1);
	struct vmbus_msg_relid cl = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL,
				      .child_relid = 1 };
	struct vmbus_msg_hdr h = { .msgtype = VMBUS_MSG_REQUESTOFFERS };
	uint8_t junk[VMBUS_MSG_MAX + 8] = { 0 };
	struct vmbus_msg_gpadl_teardown td = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
					       .gpadl = 1234 };
	struct vmbus_msg_gpadl_torndown tr;

	(void)state;
	/* Before negotiation everything but INITIATE_CONTACT is dropped. */
	assert_int_equal(vmbus_server_handle_msg(f->s, &h, sizeof(h)), -EINVAL);
	assert_int_equal(vmbus_server_handle_msg(f->s, NULL, 8), -EINVAL);
	assert_int_equal(vmbus_server_handle_msg(f->s, junk, 4), -EINVAL);
	junk[0] = 200;
	assert_int_equal(vmbus_server_handle_msg(f->s, junk, 16), -EINVAL);
	junk[0] = VMBUS_MSG_INITIATE_CONTACT;  /* too short */
	assert_int_equal(vmbus_server_handle_msg(f->s, junk, 20), -EINVAL);
	assert_int_equal(vmbus_server_handle_msg(f->s, junk, sizeof(junk)),
			 -EINVAL);
	raw_connect(f);
	assert_int_equal(vmbus_server_handle_msg(f->s, &cl, sizeof(cl)), -EINVAL);
	junk[0] = VMBUS_MSG_OFFERCHANNEL;  /* host-to-guest type */
	assert_int_equal(vmbus_server_handle_msg(f->s, junk, 196), -EINVAL);
	/* Unknown teardown is logged but still acknowledged. */
	assert_int_equal(vmbus_server_handle_msg(f->s, &td, sizeof(td)), 0);
	assert_true(take_reply(f, VMBUS_MSG_GPADL_TORNDOWN, &tr, sizeof(tr)));
	assert_int_equal(tr.gpadl, 1234);
	assert_int_equal(f->h.logs, 9);
	assert_int_equal(vmbus_server_state(f->s), VMBUS_SRV_CONNECTED);
	fix_free(f);
}

/* The guest corrupts its ring: the server closes that channel only. */
static void test_corrupt_ring_closes(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 2);
	struct vmbus_chan *ch;

	(void)state;
	connect_ok(f, VMBUS_VERSION_V5_3);
	open_ok(f, f->relid[0], 2, 2);
	open_ok(f, f->relid[1], 2, 2);
	ch = vmbus_client_chan(f->c, f->relid[0]);
	ch->out.hdr->write_index = 4095 * 8;  /* beyond a one-page ring */
	assert_int_equal(vmbus_server_handle_event(f->s, f->relid[0]), -EIO);
	assert_int_equal(f->dev[0].closes, 1);
	assert_null(vmbus_server_chan(f->s, f->relid[0]));
	echo_once(f, f->relid[1], 5);  /* the other channel still works */
	ch->out.hdr->write_index = 0;
	assert_int_equal(vmbus_client_close(f->c, f->relid[0]), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_chan_state(f->c, f->relid[0]),
			 VMBUS_CH_OFFERED);
	fix_free(f);
}

/* A guest that keeps the ring full cannot hold the server: each event
 * handles at most a budget of packets and asks to be called again. */
static void test_poll_budget(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 1);
	struct vmbus_chan *ch;

	(void)state;
	connect_ok(f, VMBUS_VERSION_V5_3);
	open_ok(f, f->relid[0], 2, 2);
	ch = vmbus_client_chan(f->c, f->relid[0]);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(vmbus_chan_send(ch, VMBUS_PKT_INBAND,
						 VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
						 i, "hello", 5), 0);
	assert_int_equal(vmbus_server_handle_event(f->s, f->relid[0]), 1);
	assert_true(f->dev[0].pkts == ECHO_BUDGET);
	assert_int_equal(vmbus_server_handle_event(f->s, f->relid[0]), 0);
	assert_true(f->dev[0].pkts == 100);
	assert_int_equal(vmbus_server_handle_event(f->s, f->relid[0]), 0);
	assert_int_equal(vmbus_server_handle_event(f->s, 999), -ENOENT);
	fix_free(f);
}

/* GPADL teardown while its channel is still open: channel closed first. */
static void test_teardown_while_open(void **state)
{
	struct fix *f = fix_new(VMBUS_VERSION_V5_3, 1);
	uint64_t pfns[4];
	struct vmbus_msg_gpadl_teardown td = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
					       .gpadl = 3 };

	(void)state;
	raw_connect(f);
	for (int i = 0; i < 4; i++)
		pfns[i] = GMEM_PFN_BASE + (uint64_t)i;
	assert_int_equal(raw_gpadl(f, f->relid[0], 3, pfns, 4), 0);
	assert_int_equal(raw_open(f, f->relid[0], 3, 2), 0);
	assert_int_equal(vmbus_server_handle_msg(f->s, &td, sizeof(td)), 0);
	assert_int_equal(f->dev[0].closes, 1);
	assert_int_equal(f->h.mem.maps, 0);
	assert_null(vmbus_server_chan(f->s, f->relid[0]));
	fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate_versions),
		cmocka_unit_test(test_negotiate_fail),
		cmocka_unit_test(test_offers),
		cmocka_unit_test(test_conn_base),
		cmocka_unit_test(test_poll_view),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_rescind),
		cmocka_unit_test(test_bad_gpadl),
		cmocka_unit_test(test_bad_gpadl_body),
		cmocka_unit_test(test_gpadl_view),
		cmocka_unit_test(test_gpadl_pending_cap),
		cmocka_unit_test(test_client_data_gpadl),
		cmocka_unit_test(test_bad_open),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_corrupt_ring_closes),
		cmocka_unit_test(test_teardown_while_open),
		cmocka_unit_test(test_poll_budget),
		cmocka_unit_test(test_gpadl_table_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
