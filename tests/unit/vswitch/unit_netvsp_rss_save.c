/* unit_netvsp_rss_save.c: the saved state of a netvsp with sub-channels
 * and RSS (format version 2, netvsp_state.h).
 *
 * The receiver of a pair (rss_testlib.c: three sub-channels, RSS set)
 * is saved and its instance destroyed; a new one with the same
 * configuration is given its channels back through netvsp_open, as the
 * VMBus server's restore does (in any order: a sub-channel may come
 * before its primary), and the blob. Frames must then arrive on the very
 * channels they did before, receives held on sub-channels be freed by
 * their completions, a reply queued for a sub-channel arrive there, a
 * queued send table over the granted channels arrive on the primary. A
 * version 1 blob (before sub-channels) restores; blobs granting more
 * sub-channels than the host gives, naming channels not granted, or
 * otherwise unlike what netvsp writes are refused with nv unchanged. */
#include "tests/unit/vswitch/rss_testlib.h"
#include "vswitch/netvsp/netvsp_internal.h"
#include "vswitch/netvsp/netvsp_state.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define BLOB_MAX (64u * 1024u)
#define HDR_SZ sizeof(struct netvsp_st_hdr)
#define MAIN_OFF HDR_SZ
#define RSS_OFF (HDR_SZ + sizeof(struct netvsp_st_main))
#define HELD_OFF (RSS_OFF + sizeof(struct netvsp_st_rss))
#define FLOWS 48u

struct saved {
	uint8_t b[BLOB_MAX];
	size_t len;
	uint32_t chan[FLOWS];   /* where flow i arrived before the save */
};

static struct netvsp_st_main main_get(const uint8_t *b)
{
	struct netvsp_st_main m;

	memcpy(&m, b + MAIN_OFF, sizeof(m));
	return m;
}

static struct netvsp_st_rss rss_get(const uint8_t *b)
{
	struct netvsp_st_rss r;

	memcpy(&r, b + RSS_OFF, sizeof(r));
	return r;
}

/* Flow i's frame from a to b; the channel b got it on. */
static uint32_t flow(struct rsst_pair *p, unsigned i)
{
	struct rsst_flow f = rsst_flow4(500 + i);

	return rsst_send(&p->a, &p->b, p->mb, p->ma, &f, -1, 64 + i * 29u % 1400u, i);
}

/* Save-VM: b's blob, and b's instance gone. */
static void save_and_kill(struct rsst_pair *p, struct saved *s)
{
	struct nvg *g = &p->b;

	assert_int_equal(netvsp_save(g->nv, s->b, sizeof(s->b), &s->len), 0);
	assert_int_equal(s->len, netvsp_save_size(g->nv));
	netvsp_close(g->nv);
	netvsp_destroy(g->nv);
	g->nv = NULL;
}

/* The restoring host's instance (max sub-channels to give), its
 * channels opened in the order given (0 the primary). */
static void fresh_nv(struct nvg *g, uint16_t max, const uint16_t *order,
		     unsigned n)
{
	struct netvsp_config cfg;

	nvg_config(g, g->sw, g->mac, g->vlan, &cfg);
	cfg.max_subchannels = max;
	assert_int_equal(netvsp_create(&cfg, &g->nv), 0);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(netvsp_open(g->nv, order[i] ?
					     &g->sub[order[i]].host : &g->host), 0);
}

static const uint16_t all4[4] = { 2, 0, 1, 3 };   /* a sub first */

/* The restored instance saves to the very same bytes. */
static void same_again(struct nvg *g, const uint8_t *b, size_t len)
{
	uint8_t *again = malloc(BLOB_MAX);
	size_t n = 0;

	assert_non_null(again);
	assert_int_equal(netvsp_save(g->nv, again, BLOB_MAX, &n), 0);
	assert_int_equal(n, len);
	assert_memory_equal(again, b, len);
	free(again);
}

/* A refused restore leaves nv as it was: nothing negotiated, no
 * sub-channel granted, no RSS, no buffer held open. */
static void refused(struct nvg *g, const uint8_t *b, size_t len)
{
	struct netvsp_stats s;

	assert_int_equal(netvsp_restore(g->nv, b, len), -EINVAL);
	s = nvg_stats(g);
	assert_int_equal(s.nvsp_version, 0);
	assert_int_equal(s.subchannels, 0);
	assert_false(s.rss_on);
	assert_int_equal(s.recv_sections, 0);
	assert_false(g->recv.open);
	assert_false(g->send.open);
}

/* An RSS session saved: FLOWS flows sent and their channels noted, four
 * receives (on four channels) still held by the guest. */
static struct rsst_pair *rss_saved(struct saved *s)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	struct netvsp_st_main m;
	struct netvsp_st_rss r;

	for (unsigned i = 0; i < FLOWS; i++)
		s->chan[i] = flow(p, i);
	p->b.auto_complete = false;
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(flow(p, i), s->chan[i]);
	assert_int_equal(p->b.n_held, 4);
	save_and_kill(p, s);
	m = main_get(s->b);
	r = rss_get(s->b);
	assert_int_equal(m.n_subch, 3);
	assert_int_equal(m.n_held, 4);
	assert_int_equal(r.on, 1);
	assert_int_equal(r.n_table, RSST_TAB);
	assert_int_equal(r.hashinfo, RSST_HASHINFO);
	assert_memory_equal(r.key, rsst_ms_key, RSST_KEY);
	assert_memory_equal(r.table, p->table, RSST_TAB);
	return p;
}

/* The channels back (a sub-channel before the primary), the blob: the
 * held receives complete on their channels and free their sections,
 * every flow arrives where it did, a send on a sub-channel is completed
 * there. */
static void test_restore_steering(void **state)
{
	struct saved *s = malloc(sizeof(*s));
	struct rsst_pair *p = rss_saved(s);
	struct netvsp_stats st;
	uint32_t on[4] = { 0 }, sub = 0;

	(void)state;
	fresh_nv(&p->b, 3, all4, 4);
	assert_int_equal(netvsp_restore(p->b.nv, s->b, s->len), 0);
	same_again(&p->b, s->b, s->len);
	st = nvg_stats(&p->b);
	assert_int_equal(st.subchannels, 3);
	assert_int_equal(st.channels_open, 4);
	assert_true(st.rss_on);
	assert_true(st.recv_sections_used >= 4);
	for (unsigned i = 0; i < 4; i++)
		on[p->b.held_ch[i]]++;
	assert_true(on[1] + on[2] + on[3] > 0);
	nvg_complete_held(&p->b);
	p->b.auto_complete = true;
	nvg_host_poll(&p->b);
	st = nvg_stats(&p->b);
	assert_int_equal(st.recv_sections_used, 0);
	assert_int_equal(st.comp_bad, 0);
	for (unsigned i = 0; i < FLOWS; i++) {
		assert_int_equal(flow(p, i), s->chan[i]);
		sub += s->chan[i] != 0;
	}
	assert_true(sub > 0 && sub < FLOWS);
	/* Counters start again with the new instance. */
	assert_int_equal(nvg_stats(&p->b).rx_frames, FLOWS);
	assert_int_equal(nvg_stats(&p->b).rx_frames_sub, sub);
	{
		struct rsst_flow f = rsst_flow4(3);
		uint8_t fr[400];
		uint32_t len = rsst_frame(fr, p->ma, p->mb, &f, -1, 200, 1);

		assert_int_equal(nvg_send_frame_on(&p->b, 2, fr, len, ~0u, false),
				 NVSP_STAT_SUCCESS);
		assert_int_equal(p->b.comp_chan, 2);
	}
	rsst_pair_free(p);
	free(s);
}

/* Appends a queued reply (kind, channel, tid, data) to the blob. */
static size_t add_pend(uint8_t *b, size_t len, uint8_t kind, uint8_t chan,
		       uint64_t tid, const void *data, uint16_t n)
{
	struct netvsp_st_pend q;
	struct netvsp_st_main m = main_get(b);
	struct netvsp_st_hdr h;

	memset(&q, 0, sizeof(q));
	q.kind = kind;
	q.chan = chan;
	q.len = n;
	q.tid = tid;
	memcpy(q.data, data, n);
	memcpy(b + len, &q, sizeof(q));
	len += sizeof(q);
	m.n_pend++;
	memcpy(b + MAIN_OFF, &m, sizeof(m));
	memcpy(&h, b, sizeof(h));
	h.total = (uint32_t)len;
	memcpy(b, &h, sizeof(h));
	return len;
}

/* A completion queued for sub-channel 2 goes there after the restore;
 * one for a channel not granted, or a control reply on a sub-channel,
 * is refused. */
static void test_restore_pending_on_sub(void **state)
{
	struct saved *s = malloc(sizeof(*s));
	struct rsst_pair *p = rss_saved(s);
	uint8_t *b = malloc(BLOB_MAX);
	uint32_t comp[2] = { NVSP_MSG1_SEND_RNDIS_PKT_COMP, NVSP_STAT_SUCCESS };
	uint32_t ka[4] = { RNDIS_MSG_KEEPALIVE | RNDIS_MSG_COMPLETION, 16, 5, 0 };
	size_t len;

	(void)state;
	assert_non_null(b);
	fresh_nv(&p->b, 3, all4, 4);
	memcpy(b, s->b, s->len);
	len = add_pend(b, s->len, NETVSP_ST_COMP, 4, 0x77, comp, 8);
	refused(&p->b, b, len);
	memcpy(b, s->b, s->len);
	len = add_pend(b, s->len, NETVSP_ST_CTRL, 1, 0, ka, 16);
	refused(&p->b, b, len);
	memcpy(b, s->b, s->len);
	len = add_pend(b, s->len, NETVSP_ST_COMP, 2, 0x77, comp, 8);
	assert_int_equal(netvsp_restore(p->b.nv, b, len), 0);
	same_again(&p->b, b, len);
	nvg_host_poll(&p->b);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_true(p->b.comp_tid == 0x77);
	assert_int_equal(p->b.comp_chan, 2);
	nvg_complete_held(&p->b);
	p->b.auto_complete = true;
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	assert_int_equal(nvg_stats(&p->b).ctrl_dropped, 0);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(flow(p, i), s->chan[i]);
	rsst_pair_free(p);
	free(b);
	free(s);
}

/* A send table queued for the primary, over the primary and up to the
 * three sub-channels granted, is sent after the restore; one naming a
 * fourth, or not quite as netvsp builds it, is refused. */
static void test_restore_pending_table(void **state)
{
	struct saved *s = malloc(sizeof(*s));
	struct rsst_pair *p = rss_saved(s);
	uint8_t *b = malloc(BLOB_MAX);
	struct nvsp_send_table_msg t;
	size_t len;

	(void)state;
	assert_non_null(b);
	fresh_nv(&p->b, 3, all4, 4);
	netvsp_send_table_build(&t, 5);
	memcpy(b, s->b, s->len);
	refused(&p->b, b, add_pend(b, s->len, NETVSP_ST_INBAND, 0, 0, &t, sizeof(t)));
	netvsp_send_table_build(&t, 4);
	t.table[15] = 0;
	memcpy(b, s->b, s->len);
	refused(&p->b, b, add_pend(b, s->len, NETVSP_ST_INBAND, 0, 0, &t, sizeof(t)));
	netvsp_send_table_build(&t, 4);
	memcpy(b, s->b, s->len);
	refused(&p->b, b, add_pend(b, s->len, NETVSP_ST_INBAND, 1, 0, &t, sizeof(t)));
	memcpy(b, s->b, s->len);
	len = add_pend(b, s->len, NETVSP_ST_INBAND, 0, 0, &t, sizeof(t));
	assert_int_equal(netvsp_restore(p->b.nv, b, len), 0);
	same_again(&p->b, b, len);
	p->b.n_table = 0;
	nvg_host_poll(&p->b);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_table, 1);
	assert_int_equal(p->b.table_chan, 0);
	for (uint32_t i = 0; i < NVSP_SEND_TAB_SIZE; i++)
		assert_int_equal(p->b.tx_table[i], i % 4u);
	nvg_complete_held(&p->b);
	p->b.auto_complete = true;
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	rsst_pair_free(p);
	free(b);
	free(s);
}

/* Version 2 to version 1: the RSS record out, the version and total
 * changed; n_subch is version 1's pad. */
static size_t to_v1(uint8_t *b, size_t len)
{
	struct netvsp_st_hdr h;

	memmove(b + RSS_OFF, b + HELD_OFF, len - HELD_OFF);
	len -= sizeof(struct netvsp_st_rss);
	memcpy(&h, b, sizeof(h));
	h.version = NETVSP_ST_VERSION_1;
	h.total = (uint32_t)len;
	memcpy(b, &h, sizeof(h));
	return len;
}

static void set_subch(uint8_t *b, uint8_t n)
{
	struct netvsp_st_main m = main_get(b);

	m.n_subch = n;
	memcpy(b + MAIN_OFF, &m, sizeof(m));
}

/* A version 1 blob (a host before sub-channels) restores and saves
 * back as version 2 with the RSS record empty; one whose pad says
 * sub-channels is refused. An RSS session's, made version 1 (no
 * sub-channel), restores into a host whose sub-channels are closed,
 * and every frame then arrives on the primary. */
static void test_restore_v1(void **state)
{
	struct saved *s = malloc(sizeof(*s));
	struct rsst_pair *p = rsst_pair_new(3, false);
	uint8_t *b = malloc(BLOB_MAX);
	const uint16_t primary[1] = { 0 };
	size_t len;

	(void)state;
	assert_non_null(b);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(flow(p, i), 0);
	save_and_kill(p, s);
	memcpy(b, s->b, s->len);
	len = to_v1(b, s->len);
	fresh_nv(&p->b, 3, primary, 1);
	set_subch(b, 1);
	refused(&p->b, b, len);
	set_subch(b, 0);
	assert_int_equal(netvsp_restore(p->b.nv, b, len), 0);
	same_again(&p->b, s->b, s->len);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(flow(p, i), 0);
	rsst_pair_free(p);
	p = rss_saved(s);
	memcpy(b, s->b, s->len);
	len = to_v1(b, s->len);
	set_subch(b, 0);
	fresh_nv(&p->b, 3, all4, 4);
	refused(&p->b, b, len);     /* sub-channels open, none granted */
	netvsp_close(p->b.nv);
	netvsp_destroy(p->b.nv);
	fresh_nv(&p->b, 3, primary, 1);
	for (uint16_t i = 1; i <= 3; i++)
		nvg_close_sub(&p->b, i);
	assert_int_equal(netvsp_restore(p->b.nv, b, len), 0);
	assert_false(nvg_stats(&p->b).rss_on);
	nvg_complete_held(&p->b);
	p->b.auto_complete = true;
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(flow(p, i), 0);
	rsst_pair_free(p);
	free(b);
	free(s);
}

/* A copy of the saved blob with its RSS record or n_subch changed. */
static uint8_t *with_rss(const struct saved *s, uint8_t *b,
			 const struct netvsp_st_rss *r)
{
	memcpy(b, s->b, s->len);
	memcpy(b + RSS_OFF, r, sizeof(*r));
	return b;
}

/* RSS records unlike any netvsp_rss_set leaves. */
static void refuse_rss(struct rsst_pair *p, const struct saved *s, uint8_t *b)
{
	struct netvsp_st_rss r0 = rss_get(s->b), r;

	r = r0, r.table[9] = 4;           /* a channel not granted */
	refused(&p->b, with_rss(s, b, &r), s->len);
	r = r0, r.n_table = 96;           /* not a power of two */
	refused(&p->b, with_rss(s, b, &r), s->len);
	r = r0, r.n_table = 256;          /* more than advertised */
	refused(&p->b, with_rss(s, b, &r), s->len);
	r = r0, r.n_table = 64;           /* entries past the table */
	refused(&p->b, with_rss(s, b, &r), s->len);
	r = r0, r.on = 2;
	refused(&p->b, with_rss(s, b, &r), s->len);
	r = r0, r.pad = 1;
	refused(&p->b, with_rss(s, b, &r), s->len);
	r = r0, r.hashinfo = RSST_HASHINFO + 1;   /* not Toeplitz */
	refused(&p->b, with_rss(s, b, &r), s->len);
	r = r0, r.n_table = 0;            /* never set, yet a key */
	refused(&p->b, with_rss(s, b, &r), s->len);
}

/* Sub-channels more than the host gives (or than granted while open),
 * before version 5, a table naming one not granted: refused, nv
 * unchanged; the blob as saved then restores. */
static void test_restore_refused(void **state)
{
	struct saved *s = malloc(sizeof(*s));
	struct rsst_pair *p = rss_saved(s);
	uint8_t *b = malloc(BLOB_MAX);
	struct netvsp_st_rss r;
	struct netvsp_st_main m;

	(void)state;
	assert_non_null(b);
	fresh_nv(&p->b, 3, all4, 4);
	memcpy(b, s->b, s->len);
	set_subch(b, 4);
	refused(&p->b, b, s->len);
	/* Two granted: the table may not name 3, nor may 3 be open. */
	set_subch(b, 2);
	refused(&p->b, b, s->len);
	r = rss_get(s->b);
	for (unsigned i = 0; i < RSST_TAB; i++)
		r.table[i] = r.table[i] == 3 ? 2 : r.table[i];
	memcpy(b + RSS_OFF, &r, sizeof(r));
	refused(&p->b, b, s->len);
	memcpy(b, s->b, s->len);
	m = main_get(b);
	m.nvsp_version = NVSP_VERSION_4;
	memcpy(b + MAIN_OFF, &m, sizeof(m));
	refused(&p->b, b, s->len);
	refuse_rss(p, s, b);
	/* A host that gives two sub-channels takes none of this. */
	netvsp_close(p->b.nv);
	netvsp_destroy(p->b.nv);
	fresh_nv(&p->b, 2, all4, 3);
	refused(&p->b, s->b, s->len);
	netvsp_close(p->b.nv);
	netvsp_destroy(p->b.nv);
	fresh_nv(&p->b, 3, all4, 4);
	assert_int_equal(netvsp_restore(p->b.nv, s->b, s->len), 0);
	nvg_complete_held(&p->b);
	p->b.auto_complete = true;
	nvg_host_poll(&p->b);
	for (unsigned i = 0; i < FLOWS; i++)
		assert_int_equal(flow(p, i), s->chan[i]);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	rsst_pair_free(p);
	free(b);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restore_steering),
		cmocka_unit_test(test_restore_pending_on_sub),
		cmocka_unit_test(test_restore_pending_table),
		cmocka_unit_test(test_restore_v1),
		cmocka_unit_test(test_restore_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
