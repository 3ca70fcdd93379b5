/* Sub-channels (vmbus_server_offer_subchannels): a device behind an open
 * primary asks for more channels; the server offers them with the
 * primary's GUIDs and a sub_channel_index, as Hyper-V does for storvsc
 * and netvsc (Linux vmbus_process_offer files them under the primary).
 * They carry the primary's device, go when the guest closes the primary,
 * when the host rescinds it and when the guest reconnects, and survive a
 * save and restore into a host that offered only the primaries. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "vmbus/server_state.h"

struct fix {
	struct harness h;
	struct vmbus_server *s;
	struct vmbus_client *c;
	struct echo_dev dev[2], dev2[2];
	uint32_t relid[2];
	unsigned relid_calls, rescinds;
	uint32_t refuse_relid;
	uint8_t *blob;
	size_t len;
};

static struct fix *fix_of(void *ctx)
{
	return (struct fix *)((char *)ctx - offsetof(struct fix, h));
}

static int on_relid(void *ctx, uint32_t relid)
{
	struct fix *f = fix_of(ctx);

	f->relid_calls++;
	return relid == f->refuse_relid ? -EIO : 0;
}

static void on_rescind(void *ctx, uint32_t relid)
{
	(void)relid;
	fix_of(ctx)->rescinds++;
}

static void offer(struct vmbus_server *s, int i, struct echo_dev *dev, uint32_t *relid)
{
	struct vmbus_guid t = harness_guid((uint8_t)(0x10 * (i + 1))), in = harness_guid((uint8_t)(0x80 + i));

	assert_int_equal(vmbus_server_offer(s, &t, &in, &echo_dev_ops, dev, relid), 0);
}

static struct fix *fix_new(void)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	harness_init(&f->h, 1024);
	f->h.sops.on_relid = on_relid;
	f->h.cops.on_rescind = on_rescind;
	f->s = vmbus_server_create(&f->h.sops, VMBUS_VERSION_V5_3);
	f->c = vmbus_client_create(&f->h.cops);
	assert_non_null(f->s);
	assert_non_null(f->c);
	for (int i = 0; i < 2; i++)
		offer(f->s, i, &f->dev[i], &f->relid[i]);
	assert_int_equal(vmbus_client_connect(f->c, NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_state(f->c), VMBUS_CL_READY);
	return f;
}

static void fix_free(struct fix *f)
{
	vmbus_client_destroy(f->c);
	vmbus_server_destroy(f->s);
	assert_int_equal(f->h.mem.maps, 0);
	harness_fini(&f->h);
	free(f->blob);
	free(f);
}

static void open_ok(struct fix *f, uint32_t relid)
{
	assert_int_equal(vmbus_client_open(f->c, relid, 2, 2), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_client_chan_state(f->c, relid), VMBUS_CH_OPEN);
}

static void close_ok(struct fix *f, uint32_t relid)
{
	assert_int_equal(vmbus_client_close(f->c, relid), 0);
	harness_pump(&f->h, f->s, f->c);
}

/* The relid the client was offered for (primary i, sub-channel idx). */
static uint32_t sub_relid(struct fix *f, int i, uint16_t idx)
{
	struct vmbus_guid in = harness_guid((uint8_t)(0x80 + i));

	for (uint32_t r = 1; r <= VMBUS_SERVER_MAX_CHANNELS; r++) {
		const struct vmbus_msg_offer *o = vmbus_client_offer(f->c, r);

		if (o && o->offer.sub_channel_index == idx &&
		    !memcmp(&o->offer.if_instance, &in, sizeof(in)))
			return r;
	}
	return 0;
}

static int take_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		    const uint8_t *pkt)
{
	(void)ch;
	(void)pkt;
	*(uint64_t *)ctx = info->desc.trans_id;
	return 0;
}

/* One request on relid, answered by the echo device behind it. */
static void echo_once(struct fix *f, uint32_t relid, uint64_t tid)
{
	struct vmbus_chan *ch = vmbus_client_chan(f->c, relid);
	uint64_t got = 0;
	uint8_t buf[512];

	assert_non_null(ch);
	assert_int_equal(vmbus_chan_send(ch, VMBUS_PKT_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
					 tid, "hi", 2), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(vmbus_chan_poll(ch, buf, sizeof(buf), take_pkt, &got, 0), 1);
	assert_int_equal(got, tid);
}

static void test_offer(void **state)
{
	struct fix *f = fix_new();
	unsigned calls;
	uint32_t r1, r2, r3, relid;

	(void)state;
	/* Only an open primary may have sub-channels. */
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[0], 2), -ENOENT);
	open_ok(f, f->relid[0]);
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[0], 0), -EINVAL);
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[0],
							VMBUS_SERVER_MAX_SUBCHANNELS + 1), -EINVAL);
	assert_int_equal(vmbus_server_offer_subchannels(f->s, 99, 1), -ENOENT);
	calls = f->relid_calls;
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[0], 2), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(f->relid_calls, calls + 2);
	r1 = sub_relid(f, 0, 1);
	r2 = sub_relid(f, 0, 2);
	assert_true(r1 && r2 && r1 != r2 && r1 != f->relid[0]);
	assert_int_equal(vmbus_client_offer(f->c, r1)->offer.if_type.b[0], 0x10);
	/* Asking again offers only what is missing. */
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[0], 3), 0);
	harness_pump(&f->h, f->s, f->c);
	r3 = sub_relid(f, 0, 3);
	assert_true(r3 != 0);
	assert_int_equal(f->relid_calls, calls + 3);
	/* A sub-channel is no primary: none of its own, and relid_of names
	 * the primary. */
	open_ok(f, r1);
	assert_int_equal(vmbus_server_offer_subchannels(f->s, r1, 1), -ENOENT);
	assert_int_equal(vmbus_server_relid_of(f->s, &(struct vmbus_guid){ 0 },
					       &(struct vmbus_guid){ 0 }, &relid), -ENOENT);
	{
		struct vmbus_guid t = harness_guid(0x10), in = harness_guid(0x80);

		assert_int_equal(vmbus_server_relid_of(f->s, &t, &in, &relid), 0);
		assert_int_equal(relid, f->relid[0]);
	}
	/* The primary's device serves it, and knows which channel it is. */
	assert_int_equal(f->dev[0].opens, 2);
	assert_int_equal(vmbus_server_chan(f->s, r1)->sub_index, 1);
	assert_int_equal(vmbus_server_chan(f->s, f->relid[0])->sub_index, 0);
	echo_once(f, r1, 7);
	echo_once(f, f->relid[0], 8);
	assert_int_equal(f->h.logs, 0);
	fix_free(f);
}

/* The transport refusing a relid refuses the offer. */
static void test_relid_refused(void **state)
{
	struct fix *f = fix_new();

	(void)state;
	open_ok(f, f->relid[0]);
	f->refuse_relid = 3;
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[0], 1), -ENOSPC);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(sub_relid(f, 0, 1), 0);
	fix_free(f);
}

/* Both primaries open, n0 sub-channels offered for device 0 and one
 * for device 1. */
static void both_with_subs(struct fix *f, unsigned n0)
{
	open_ok(f, f->relid[0]);
	open_ok(f, f->relid[1]);
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[0], n0), 0);
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[1], 1), 0);
	harness_pump(&f->h, f->s, f->c);
}

/* Linux closes the sub-channels, then the primary (vmbus_close); the
 * host then rescinds them and the guest releases them. */
static void test_close_primary(void **state)
{
	struct fix *f = fix_new();
	uint32_t r1, r2;

	(void)state;
	both_with_subs(f, 2);
	r1 = sub_relid(f, 0, 1);
	r2 = sub_relid(f, 0, 2);
	open_ok(f, r1);
	close_ok(f, r1);
	close_ok(f, f->relid[0]);
	assert_int_equal(f->rescinds, 2);
	assert_int_equal(vmbus_client_chan_state(f->c, r1), VMBUS_CH_NONE);
	assert_int_equal(vmbus_client_chan_state(f->c, r2), VMBUS_CH_NONE);
	/* The other device's sub-channel stays. */
	assert_int_not_equal(sub_relid(f, 1, 1), 0);
	/* A new session asks again and gets them again. */
	open_ok(f, f->relid[0]);
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[0], 2), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_not_equal(sub_relid(f, 0, 2), 0);
	assert_int_equal(f->h.logs, 0);
	fix_free(f);
}

/* An open sub-channel is closed (its device told) when the host
 * rescinds the primary; a reconnecting guest is offered primaries only. */
static void test_rescind_and_reconnect(void **state)
{
	struct fix *f = fix_new();
	uint32_t r1;

	(void)state;
	both_with_subs(f, 1);
	r1 = sub_relid(f, 0, 1);
	open_ok(f, r1);
	assert_int_equal(vmbus_server_rescind(f->s, f->relid[0]), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(f->dev[0].closes, 2);
	assert_int_equal(f->rescinds, 2);
	assert_null(vmbus_server_chan(f->s, r1));
	/* Unload and connect again: only the other primary is offered. */
	assert_int_equal(vmbus_client_unload(f->c), 0);
	harness_pump(&f->h, f->s, f->c);
	vmbus_client_destroy(f->c);
	f->c = vmbus_client_create(&f->h.cops);
	assert_int_equal(vmbus_client_connect(f->c, NULL, 0), 0);
	harness_pump(&f->h, f->s, f->c);
	assert_int_equal(sub_relid(f, 1, 1), 0);
	assert_non_null(vmbus_client_offer(f->c, f->relid[1]));
	assert_int_equal(vmbus_client_offer(f->c, f->relid[1])->offer.sub_channel_index, 0);
	fix_free(f);
}

/* MODIFYCHANNEL moves an open channel's interrupts (the VP the transport
 * is told, vmbus_chan.target_vp) and is answered from 5.3 on; one for a
 * channel that is not open fails. */
static int take_modify_response(struct fix *f, struct vmbus_msg_modify_response *r)
{
	struct mb_item it;

	while (mailbox_pop(&f->h.to_guest, &it, 0))
		if (((struct vmbus_msg_hdr *)it.data)->msgtype == VMBUS_MSG_MODIFYCHANNEL_RESPONSE) {
			memcpy(r, it.data, sizeof(*r));
			return 1;
		}
	return 0;
}

static void test_modify(void **state)
{
	struct fix *f = fix_new();
	struct vmbus_msg_modify m = { .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL };
	struct vmbus_msg_modify_response r;

	(void)state;
	open_ok(f, f->relid[0]);
	m.child_relid = f->relid[0];
	m.target_vp = 2;
	assert_int_equal(vmbus_server_handle_msg(f->s, &m, sizeof(m)), 0);
	assert_int_equal(vmbus_server_chan(f->s, f->relid[0])->target_vp, 2);
	assert_true(take_modify_response(f, &r));
	assert_int_equal(r.child_relid, f->relid[0]);
	assert_int_equal(r.status, VMBUS_STATUS_OK);
	m.child_relid = f->relid[1];
	assert_int_equal(vmbus_server_handle_msg(f->s, &m, sizeof(m)), 0);
	assert_true(take_modify_response(f, &r));
	assert_int_equal(r.status, VMBUS_STATUS_UNSUCCESSFUL);
	/* Short, it is refused before the server sees it. */
	assert_true(vmbus_server_handle_msg(f->s, &m, sizeof(m) - 1) < 0);
	assert_false(take_modify_response(f, &r));
	echo_once(f, f->relid[0], 9);
	fix_free(f);
}

/* ---- saved state ---- */

static void save_into_new_host(struct fix *f)
{
	size_t cap = vmbus_server_save_size(f->s);
	uint32_t relid;

	f->blob = malloc(cap);
	assert_int_equal(vmbus_server_save(f->s, f->blob, cap, &f->len), 0);
	vmbus_server_destroy(f->s);
	f->s = vmbus_server_create(&f->h.sops, VMBUS_VERSION_V5_3);
	assert_non_null(f->s);
	offer(f->s, 1, &f->dev2[1], &relid);
	offer(f->s, 0, &f->dev2[0], &relid);
}

/* Two sub-channels of device 0, the second open with its interrupts
 * on VP 3. */
static void sub_pair(struct fix *f, uint32_t *r1, uint32_t *r2)
{
	open_ok(f, f->relid[0]);
	assert_int_equal(vmbus_server_offer_subchannels(f->s, f->relid[0], 2), 0);
	harness_pump(&f->h, f->s, f->c);
	*r1 = sub_relid(f, 0, 1);
	*r2 = sub_relid(f, 0, 2);
	assert_int_equal(vmbus_client_set_target_vp(f->c, *r2, 3), 0);
	open_ok(f, *r2);
	assert_int_equal(vmbus_client_set_target_vp(f->c, *r2, 1), -ENOENT);
	assert_int_equal(vmbus_server_chan(f->s, *r2)->target_vp, 3);
	assert_int_equal(vmbus_server_chan(f->s, f->relid[0])->target_vp, 0);
}

static void test_save_restore(void **state)
{
	struct fix *f = fix_new();
	unsigned calls;
	uint32_t r1, r2;

	(void)state;
	sub_pair(f, &r1, &r2);
	save_into_new_host(f);
	calls = f->relid_calls;
	assert_int_equal(vmbus_server_restore(f->s, f->blob, f->len), 0);
	assert_true(f->relid_calls >= calls + 4);
	/* The open sub-channel is back, at its relid, on the new device. */
	assert_int_equal(f->dev2[0].opens, 2);
	assert_non_null(vmbus_server_chan(f->s, r2));
	assert_int_equal(vmbus_server_chan(f->s, r2)->sub_index, 2);
	assert_int_equal(vmbus_server_chan(f->s, r2)->target_vp, 3);
	assert_null(vmbus_server_chan(f->s, r1));
	echo_once(f, r2, 21);
	open_ok(f, r1);
	echo_once(f, r1, 22);
	assert_int_equal(f->dev2[0].opens, 3);
	/* They still go with the primary. */
	close_ok(f, r1);
	close_ok(f, r2);
	close_ok(f, f->relid[0]);
	assert_int_equal(f->rescinds, 2);
	assert_int_equal(f->h.logs, 0);
	fix_free(f);
}

/* Record k's channel payload in a blob (0: the first channel). */
static struct vmbus_st_chan *chan_rec(uint8_t *blob, unsigned k)
{
	size_t off = sizeof(struct vmbus_st_hdr);
	struct vmbus_st_rec r;

	for (unsigned n = 0;; n++) {
		memcpy(&r, blob + off, sizeof(r));
		if (r.type == VMBUS_ST_CHAN && k-- == 0)
			return (struct vmbus_st_chan *)(blob + off + sizeof(r));
		off += sizeof(r) + r.len;
	}
}

static struct vmbus_st_chan *sub_rec(uint8_t *blob, uint16_t idx)
{
	for (unsigned k = 0;; k++) {
		struct vmbus_st_chan *c = chan_rec(blob, k);

		if (c->sub_index == idx)
			return c;
	}
}

static void refused(struct fix *f, const uint8_t *b)
{
	assert_int_equal(vmbus_server_restore(f->s, b, f->len), -EINVAL);
	assert_int_equal(f->h.mem.maps, 0);
	assert_int_equal(vmbus_server_state(f->s), VMBUS_SRV_DISCONNECTED);
}

static void test_refusals(void **state)
{
	struct fix *f = fix_new();
	struct vmbus_st_hdr *h;
	uint8_t *b;
	uint32_t r1, r2;

	(void)state;
	sub_pair(f, &r1, &r2);
	save_into_new_host(f);
	b = malloc(f->len);
	/* Format 1 had no sub-channels. */
	memcpy(b, f->blob, f->len);
	h = (struct vmbus_st_hdr *)b;
	h->version = 1;
	refused(f, b);
	/* A sub-channel index beyond the server's, twice the same one, one
	 * whose primary is not in the state. */
	memcpy(b, f->blob, f->len);
	sub_rec(b, 2)->sub_index = VMBUS_SERVER_MAX_SUBCHANNELS + 1;
	refused(f, b);
	memcpy(b, f->blob, f->len);
	sub_rec(b, 2)->sub_index = 1;
	refused(f, b);
	memcpy(b, f->blob, f->len);
	sub_rec(b, 2)->inst.b[3] ^= 0x40;
	refused(f, b);
	/* A target VP for a channel that is not open; padding. */
	memcpy(b, f->blob, f->len);
	sub_rec(b, 1)->target_vp = 1;
	refused(f, b);
	memcpy(b, f->blob, f->len);
	sub_rec(b, 2)->pad3 = 1;
	refused(f, b);
	/* The transport refusing a saved relid refuses the restore. */
	f->refuse_relid = r2;
	refused(f, f->blob);
	f->refuse_relid = 0;
	assert_int_equal(vmbus_server_restore(f->s, f->blob, f->len), 0);
	free(b);
	fix_free(f);
}

/* The blob as format 1 wrote it: channel records without target_vp,
 * header version 1. */
static uint8_t *to_v1(const uint8_t *b, size_t len, size_t *len1)
{
	uint8_t *o = malloc(len);
	size_t in = sizeof(struct vmbus_st_hdr), out = in;
	struct vmbus_st_hdr h;
	struct vmbus_st_rec r;

	while (in < len) {
		memcpy(&r, b + in, sizeof(r));
		if (r.type == VMBUS_ST_CHAN) {
			const struct vmbus_st_chan *c = (const void *)(b + in + sizeof(r));

			assert_int_equal(c->target_vp, 0);
			r.len = VMBUS_ST_CHAN_V1_SIZE;
		}
		memcpy(o + out, &r, sizeof(r));
		memcpy(o + out + sizeof(r), b + in + sizeof(r), r.len);
		in += sizeof(r) + (r.type == VMBUS_ST_CHAN ? sizeof(struct vmbus_st_chan) : r.len);
		out += sizeof(r) + r.len;
	}
	memcpy(&h, b, sizeof(h));
	h.version = 1;
	h.total = (uint32_t)out;
	memcpy(o, &h, sizeof(h));
	*len1 = out;
	return o;
}

/* A format 1 state (no sub-channels then, interrupts on VP 0) is still
 * read; the target VP OPENCHANNEL named is kept in format 2. */
static void test_version1(void **state)
{
	struct fix *f = fix_new();
	uint8_t *v1;
	size_t len1;

	(void)state;
	open_ok(f, f->relid[0]);
	save_into_new_host(f);
	v1 = to_v1(f->blob, f->len, &len1);
	assert_int_equal(vmbus_server_restore(f->s, v1, len1), 0);
	assert_int_equal(vmbus_server_chan(f->s, f->relid[0])->target_vp, 0);
	echo_once(f, f->relid[0], 5);
	free(v1);
	fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer),
		cmocka_unit_test(test_relid_refused),
		cmocka_unit_test(test_close_primary),
		cmocka_unit_test(test_rescind_and_reconnect),
		cmocka_unit_test(test_modify),
		cmocka_unit_test(test_save_restore),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_version1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
