/* unit_netvsp_rss.c: netvsp's receive-side scaling (netvsp_rss.c and
 * the sub-channel paths of netvsp_nvsp.c and netvsp_rx.c), driven by the
 * mock netvsc guest (nvg.c) with sub-channels of its own.
 *
 * The Toeplitz hash against Microsoft's published vectors ("Verifying the
 * RSS Hash Calculation", NDIS) and against a bit-at-a-time reference;
 * the RSS capabilities; NVSP SUBCHANNEL granted, clipped and refused;
 * OID_GEN_RECEIVE_SCALE_PARAMETERS taken, refused (nothing changes) and
 * partly unchanged; then frames between two guests on one switch, the
 * receiver with three sub-channels: each arrives on the channel the
 * reference hash and the table name, intact, completed on its channel;
 * what is not hashed stays on the primary; a closed sub-channel's frames
 * go on the primary; a send on a sub-channel is completed there; closing
 * the primary forgets it all. Saved state: unit_netvsp_rss_save.c. */
#include "tests/unit/vswitch/rss_testlib.h"
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/netvsp/netvsp_internal.h"
#include "vswitch/netvsp/netvsp_state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* ---- the hash ---- */

/* Microsoft's vectors: destination and source with their ports, the
 * hash of the addresses alone and with the ports. */
struct vec {
	const char *dst;
	uint16_t dport;
	const char *src;
	uint16_t sport;
	uint32_t ip, tcp;
};

static const struct vec vec4[] = {
	{ "161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178 },
	{ "65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea },
	{ "12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a },
	{ "209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f },
	{ "202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2 },
};

static const struct vec vec6[] = {
	{ "3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794,
	  0x2cc18cd5, 0x40207d3d },
	{ "ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230,
	  0x0f0c461c, 0xdde51bbf },
	{ "fe80::200:f8ff:fe21:67cf", 38024, "3ffe:1900:4545:3:200:f8ff:fe21:67cf",
	  44251, 0x4b61e985, 0x02d1feef },
};

static struct netvsp_rss *rss_with_key(const uint8_t *key)
{
	struct netvsp_rss *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	memcpy(r->key, key, sizeof(r->key));
	netvsp_rss_prepare(r);
	return r;
}

/* The input: source, destination, source port, destination port. */
static void check_vec(const struct netvsp_rss *r, const struct vec *v, int af)
{
	uint8_t in[36];
	uint32_t a = af == AF_INET ? 4u : 16u;

	assert_int_equal(inet_pton(af, v->src, in), 1);
	assert_int_equal(inet_pton(af, v->dst, in + a), 1);
	in[2 * a] = (uint8_t)(v->sport >> 8);
	in[2 * a + 1] = (uint8_t)v->sport;
	in[2 * a + 2] = (uint8_t)(v->dport >> 8);
	in[2 * a + 3] = (uint8_t)v->dport;
	assert_int_equal(netvsp_rss_hash(r, in, 2 * a), v->ip);
	assert_int_equal(netvsp_rss_hash(r, in, 2 * a + 4), v->tcp);
	assert_int_equal(rsst_toeplitz(rsst_ms_key, in, 2 * a), v->ip);
	assert_int_equal(rsst_toeplitz(rsst_ms_key, in, 2 * a + 4), v->tcp);
}

static void test_toeplitz_vectors(void **state)
{
	struct netvsp_rss *r = rss_with_key(rsst_ms_key);

	(void)state;
	for (size_t i = 0; i < sizeof(vec4) / sizeof(vec4[0]); i++)
		check_vec(r, &vec4[i], AF_INET);
	for (size_t i = 0; i < sizeof(vec6) / sizeof(vec6[0]); i++)
		check_vec(r, &vec6[i], AF_INET6);
	free(r);
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The nibble tables against the bit-at-a-time reference: random keys,
 * random inputs of every length netvsp hashes (0..36 bytes); longer
 * inputs are hashed over their first 36 (no NDIS input is longer). */
static void test_toeplitz_random(void **state)
{
	uint32_t seed = 0x12345678u;
	uint8_t key[RSST_KEY], in[48];

	(void)state;
	for (unsigned k = 0; k < 300; k++) {
		struct netvsp_rss *r;

		for (uint32_t i = 0; i < RSST_KEY; i++)
			key[i] = (uint8_t)xorshift(&seed);
		if (k == 0)
			memset(key, 0xff, sizeof(key));
		r = rss_with_key(key);
		for (uint32_t n = 0; n <= sizeof(in); n++) {
			uint32_t m = n < 36u ? n : 36u;

			for (uint32_t i = 0; i < n; i++)
				in[i] = (uint8_t)xorshift(&seed);
			assert_int_equal(netvsp_rss_hash(r, in, n),
					 rsst_toeplitz(key, in, m));
		}
		free(r);
	}
}

/* ---- capabilities and sub-channels ---- */

static struct ndis_rss_caps caps_of(struct nvg *g)
{
	struct ndis_rss_caps c;
	uint8_t out[64];
	uint32_t n = sizeof(out);

	assert_int_equal(nvg_query(g, OID_GEN_RECEIVE_SCALE_CAPABILITIES, NULL, 0,
				   out, &n), RNDIS_STATUS_SUCCESS);
	assert_int_equal(n, sizeof(c));
	memcpy(&c, out, sizeof(c));
	assert_int_equal(c.hdr.type, NDIS_OBJECT_TYPE_RSS_CAPABILITIES);
	assert_int_equal(c.hdr.revision, NDIS_RSS_CAPS_REVISION_2);
	assert_int_equal(c.hdr.size, sizeof(c));
	assert_int_equal(c.cap_flag, NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV4 |
				     NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV6);
	assert_int_equal(c.num_indirect_tabent, RSST_TAB);
	return c;
}

/* One queue per channel the guest may have: Linux asks for that many
 * minus one sub-channels (rndis_filter_device_add()). */
static void test_caps(void **state)
{
	struct rsst_pair *p = rsst_pair_new(0, false);

	(void)state;
	assert_int_equal(caps_of(&p->b).num_recv_que, 1);
	rsst_pair_free(p);
	p = rsst_pair_new(3, false);
	assert_int_equal(caps_of(&p->b).num_recv_que, 4);
	assert_int_equal(caps_of(&p->a).num_recv_que, 1);
	rsst_pair_free(p);
}

/* NVSP SUBCHANNEL on channel ch: the completion's status, the count in
 * *n. The completion must come back on ch. */
static uint32_t subch_req(struct nvg *g, uint32_t ch, uint32_t op, uint32_t n,
			  uint32_t len, uint32_t *granted)
{
	struct nvsp_msg m = { .type = NVSP_MSG5_SUBCHANNEL }, r;
	uint64_t tid;

	m.subchannel.op_or_status = op;
	m.subchannel.num_subchannels = n;
	assert_int_equal(nvg_send_nvsp_on(g, ch, &m, len, true, &tid), 0);
	nvg_host_poll(g);
	assert_true(nvg_guest_drain(g) >= 0);
	assert_true(g->comp_tid == tid);
	assert_int_equal(g->comp_chan, ch);
	memcpy(&r, g->comp, sizeof(r));
	assert_int_equal(r.type, NVSP_MSG5_SUBCHANNEL);
	if (granted)
		*granted = r.subchannel.num_subchannels;
	return r.subchannel.op_or_status;
}

static uint32_t subch(struct nvg *g, uint32_t n, uint32_t *granted)
{
	return subch_req(g, 0, NVSP_SUBCHANNEL_ALLOCATE, n, NVSP_MSG_SIZE,
			 granted);
}

/* Granted up to max_subchannels, offered first (the callback gets the
 * count the completion then says); asked again, never fewer kept. */
static void test_subchannel_grant(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, false);
	struct vmbus_chan bad = { .sub_index = 8 };
	uint32_t n = 0;

	(void)state;
	assert_int_equal(subch(&p->b, 2, &n), NVSP_STAT_SUCCESS);
	assert_int_equal(n, 2);
	assert_int_equal(p->b.n_offers, 1);
	assert_int_equal(p->b.last_offer, 2);
	assert_int_equal(nvg_stats(&p->b).subchannels, 2);
	assert_int_equal(subch(&p->b, 7, &n), NVSP_STAT_SUCCESS);
	assert_int_equal(n, 3);
	assert_int_equal(p->b.last_offer, 3);
	assert_int_equal(nvg_stats(&p->b).subchannels, 3);
	assert_int_equal(subch(&p->b, 1, &n), NVSP_STAT_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(p->b.n_offers, 3);
	assert_int_equal(nvg_stats(&p->b).subchannels, 3);
	for (uint16_t i = 1; i <= 3; i++)
		assert_int_equal(nvg_open_sub(&p->b, i), 0);
	assert_int_equal(nvg_stats(&p->b).channels_open, 4);
	/* Past max_subchannels, twice, or no such index: refused. */
	assert_int_equal(nvg_open_sub(&p->b, 4), -EINVAL);
	assert_int_equal(nvg_open_sub(&p->b, 2), -EINVAL);
	assert_int_equal(netvsp_open(p->b.nv, &bad), -EINVAL);
	assert_int_equal(nvg_stats(&p->b).channels_open, 4);
	assert_int_equal(nvg_stats(&p->b).nvsp_bad, 0);
	/* Without RSS set, everything on the primary. */
	for (unsigned i = 0; i < 8; i++) {
		struct rsst_flow f = rsst_flow4(i);

		assert_int_equal(rsst_send(&p->a, &p->b, p->mb, p->ma, &f, -1,
					   100, i), 0);
	}
	assert_int_equal(nvg_stats(&p->b).rx_frames_sub, 0);
	rsst_pair_free(p);
}

/* FAIL: nothing to give, the offer failed, on a sub-channel, another
 * op, zero, too short, before version 5 or before INIT. */
static void test_subchannel_refused(void **state)
{
	struct rsst_pair *p = rsst_pair_new(0, false);
	uint32_t n = 9;

	(void)state;
	assert_int_equal(subch(&p->b, 2, &n), NVSP_STAT_FAIL);
	assert_int_equal(n, 0);
	assert_int_equal(p->b.n_offers, 0);
	rsst_pair_free(p);
	p = rsst_pair_new(3, false);
	p->b.offer_err = -ENOSPC;
	assert_int_equal(subch(&p->b, 2, &n), NVSP_STAT_FAIL);
	assert_int_equal(p->b.n_offers, 1);
	assert_int_equal(nvg_stats(&p->b).subchannels, 0);
	p->b.offer_err = 0;
	assert_int_equal(subch_req(&p->b, 0, 2, 2, NVSP_MSG_SIZE, NULL),
			 NVSP_STAT_FAIL);
	assert_int_equal(subch(&p->b, 0, NULL), NVSP_STAT_FAIL);
	assert_int_equal(subch_req(&p->b, 0, NVSP_SUBCHANNEL_ALLOCATE, 2, 8,
				   NULL), NVSP_STAT_FAIL);
	assert_int_equal(p->b.n_offers, 1);
	assert_int_equal(nvg_stats(&p->b).nvsp_bad, 3);
	/* On a sub-channel: refused there, the grant as it was. */
	assert_int_equal(nvg_subchannels(&p->b, 1), 1);
	assert_int_equal(subch_req(&p->b, 1, NVSP_SUBCHANNEL_ALLOCATE, 3,
				   NVSP_MSG_SIZE, NULL), NVSP_STAT_FAIL);
	assert_int_equal(nvg_stats(&p->b).subchannels, 1);
	assert_int_equal(p->b.n_offers, 2);
	/* A new session: before INIT, then at version 4. */
	nvg_close_sub(&p->b, 1);
	netvsp_close(p->b.nv);
	assert_int_equal(nvg_stats(&p->b).subchannels, 0);
	assert_int_equal(netvsp_open(p->b.nv, &p->b.host), 0);
	assert_int_equal(subch(&p->b, 2, NULL), NVSP_STAT_FAIL);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_4), 0);
	assert_int_equal(subch(&p->b, 2, NULL), NVSP_STAT_FAIL);
	assert_int_equal(p->b.n_offers, 2);
	assert_int_equal(nvg_stats(&p->b).subchannels, 0);
	rsst_pair_free(p);
}

/* ---- OID_GEN_RECEIVE_SCALE_PARAMETERS ---- */

/* RSS as netvsp keeps it, read through its saved state. */
static struct netvsp_st_rss rss_rec(struct nvg *g)
{
	struct netvsp_st_rss r;
	size_t cap = netvsp_save_size(g->nv), len = 0;
	uint8_t *blob = malloc(cap);

	assert_non_null(blob);
	assert_int_equal(netvsp_save(g->nv, blob, cap, &len), 0);
	memcpy(&r, blob + sizeof(struct netvsp_st_hdr) +
	       sizeof(struct netvsp_st_main), sizeof(r));
	free(blob);
	return r;
}

static void rec_is(struct nvg *g, bool on, uint32_t hashinfo,
		   const uint8_t *table, uint32_t n, const uint8_t *key)
{
	struct netvsp_st_rss r = rss_rec(g);
	uint8_t zero[RSST_TAB] = { 0 };

	assert_int_equal(r.on, on);
	assert_int_equal(r.hashinfo, hashinfo);
	assert_int_equal(r.n_table, n);
	assert_memory_equal(r.table, table, n);
	if (n < RSST_TAB)
		assert_memory_equal(r.table + n, zero, RSST_TAB - n);
	assert_memory_equal(r.key, key, RSST_KEY);
	assert_int_equal(nvg_stats(g).rss_on, on);
}

/* Tables of 1 to 128 entries naming granted channels; DISABLE turns
 * RSS off and keeps what was set. Before any sub-channel, a table may
 * name the primary only. */
static void test_rss_set(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, false);
	uint8_t t[RSST_TAB] = { 0 }, one[1] = { 1 };

	(void)state;
	assert_int_equal(rsst_set(&p->b, 0, RSST_HASHINFO, one, 1, rsst_ms_key),
			 RNDIS_STATUS_INVALID_DATA);
	assert_int_equal(rsst_set(&p->b, 0, RSST_HASHINFO, t, 4, rsst_ms_key),
			 RNDIS_STATUS_SUCCESS);
	rec_is(&p->b, true, RSST_HASHINFO, t, 4, rsst_ms_key);
	assert_int_equal(nvg_subchannels(&p->b, 3), 3);
	for (uint32_t n = 1; n <= RSST_TAB; n *= 2) {
		for (uint32_t i = 0; i < n; i++)
			t[i] = (uint8_t)((i + n) % 4u);
		assert_int_equal(rsst_set(&p->b, 0, RSST_HASHINFO, t, n,
					  rsst_ms_key), RNDIS_STATUS_SUCCESS);
		rec_is(&p->b, true, RSST_HASHINFO, t, n, rsst_ms_key);
	}
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_DISABLE_RSS, 0, t,
				  0, rsst_ms_key), RNDIS_STATUS_SUCCESS);
	rec_is(&p->b, false, RSST_HASHINFO, t, RSST_TAB, rsst_ms_key);
	rsst_table4(t);
	assert_int_equal(rsst_set(&p->b, 0, RSST_HASHINFO, t, RSST_TAB,
				  rsst_ms_key), RNDIS_STATUS_SUCCESS);
	rec_is(&p->b, true, RSST_HASHINFO, t, RSST_TAB, rsst_ms_key);
	assert_int_equal(nvg_stats(&p->b).oid_unhandled, 0);
	rsst_pair_free(p);
}

static struct ndis_rss_params params_of(const uint8_t *buf)
{
	struct ndis_rss_params q;

	memcpy(&q, buf, sizeof(q));
	return q;
}

/* A SET of buf (len bytes) is refused with st; RSS as it was. */
static void refused(struct rsst_pair *p, const uint8_t *buf, uint32_t len,
		    uint32_t st)
{
	struct netvsp_st_rss before = rss_rec(&p->b), after;

	assert_int_equal((uint32_t)nvg_set(&p->b, OID_GEN_RECEIVE_SCALE_PARAMETERS,
					   buf, len), st);
	after = rss_rec(&p->b);
	assert_memory_equal(&before, &after, sizeof(before));
}

/* Linux's parameters with one field changed. */
#define PATCHED(field, value) do { \
	len = rsst_params(buf, 0, RSST_HASHINFO, p->table, RSST_TAB, rsst_ms_key); \
	q = params_of(buf); \
	q.field = (value); \
	memcpy(buf, &q, sizeof(q)); \
	refused(p, buf, len, RNDIS_STATUS_INVALID_DATA); \
} while (0)

static void test_rss_set_refused(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	uint8_t buf[1200], big[256] = { 0 };
	struct ndis_rss_params q;
	uint32_t len, e;

	(void)state;
	memset(buf, 0, sizeof(buf));
	len = rsst_params(buf, 0, RSST_HASHINFO, p->table, RSST_TAB, rsst_ms_key);
	refused(p, buf, sizeof(q) - 1, RNDIS_STATUS_INVALID_LENGTH);
	refused(p, buf, 0, RNDIS_STATUS_INVALID_LENGTH);
	PATCHED(hdr.type, NDIS_OBJECT_TYPE_RSS_CAPABILITIES);
	PATCHED(indirect_tabsize, 12);          /* 3 entries */
	PATCHED(indirect_tabsize, 10);          /* not whole entries */
	PATCHED(indirect_tabsize, 0);
	PATCHED(indirect_taboffset, len - 8);   /* past the end */
	PATCHED(indirect_taboffset, 0xfffffff0u);
	PATCHED(hashkey_size, 39);
	PATCHED(hashkey_size, 41);
	PATCHED(hashkey_size, 0);
	PATCHED(hashkey_offset, len - 39);
	PATCHED(hashkey_offset, 0xffffffffu);
	PATCHED(hashinfo, RSST_HASHINFO & ~NDIS_HASH_FUNC_MASK);
	PATCHED(hashinfo, RSST_HASHINFO + 1);   /* function 2 */
	/* More entries than advertised (256, Linux's ITAB_NUM_MAX). */
	len = rsst_params(buf, 0, RSST_HASHINFO, big, 256, rsst_ms_key);
	refused(p, buf, len, RNDIS_STATUS_INVALID_DATA);
	/* A channel not granted (3 are), in the last entry or beyond a byte. */
	len = rsst_params(buf, 0, RSST_HASHINFO, p->table, RSST_TAB, rsst_ms_key);
	e = 4;
	memcpy(buf + sizeof(q) + 4u * (RSST_TAB - 1u), &e, 4);
	refused(p, buf, len, RNDIS_STATUS_INVALID_DATA);
	e = 0x100;
	memcpy(buf + sizeof(q) + 4u * (RSST_TAB - 1u), &e, 4);
	refused(p, buf, len, RNDIS_STATUS_INVALID_DATA);
	/* Larger than any information buffer netvsp takes (1,104 bytes). */
	refused(p, buf, 1105, RNDIS_STATUS_INVALID_LENGTH);
	assert_true(nvg_stats(&p->b).rss_on);
	rsst_pair_free(p);
}

/* The *_UNCHANGED flags keep what was set, whatever the fields say;
 * what was never set cannot be kept. */
static void test_rss_unchanged(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	uint8_t k2[RSST_KEY], t2[RSST_TAB], buf[1200];
	struct ndis_rss_params q;
	uint32_t len, tcp4 = NDIS_HASH_FUNC_TOEPLITZ | NDIS_HASH_TCP_IPV4;

	(void)state;
	for (uint32_t i = 0; i < RSST_KEY; i++)
		k2[i] = (uint8_t)(i * 37u + 1u);
	memset(t2, 3, sizeof(t2));
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_ITABLE_UNCHANGED,
				  RSST_HASHINFO, t2, 2, k2), RNDIS_STATUS_SUCCESS);
	rec_is(&p->b, true, RSST_HASHINFO, p->table, RSST_TAB, k2);
	/* The key kept though its size says nothing; a new table. */
	len = rsst_params(buf, NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED,
			  RSST_HASHINFO, t2, RSST_TAB, rsst_ms_key);
	q = params_of(buf);
	q.hashkey_size = 0;
	memcpy(buf, &q, sizeof(q));
	assert_int_equal(nvg_set(&p->b, OID_GEN_RECEIVE_SCALE_PARAMETERS, buf,
				 len), RNDIS_STATUS_SUCCESS);
	rec_is(&p->b, true, RSST_HASHINFO, t2, RSST_TAB, k2);
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_HASH_INFO_UNCHANGED,
				  0, p->table, RSST_TAB, rsst_ms_key),
			 RNDIS_STATUS_SUCCESS);
	rec_is(&p->b, true, RSST_HASHINFO, p->table, RSST_TAB, rsst_ms_key);
	assert_int_equal(rsst_set(&p->b, 0, tcp4, t2, 8, k2), RNDIS_STATUS_SUCCESS);
	/* Off, then on again with everything kept. */
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_DISABLE_RSS, 0,
				  t2, 0, k2), RNDIS_STATUS_SUCCESS);
	assert_false(nvg_stats(&p->b).rss_on);
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_ITABLE_UNCHANGED |
				  NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED |
				  NDIS_RSS_PARAM_FLAG_HASH_INFO_UNCHANGED, 0,
				  p->table, 0, rsst_ms_key), RNDIS_STATUS_SUCCESS);
	rec_is(&p->b, true, tcp4, t2, 8, k2);
	rsst_pair_free(p);
	/* A session that never set RSS has nothing to keep. */
	p = rsst_pair_new(3, false);
	assert_int_equal(nvg_subchannels(&p->b, 3), 3);
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_ITABLE_UNCHANGED,
				  RSST_HASHINFO, p->table, RSST_TAB, rsst_ms_key),
			 RNDIS_STATUS_INVALID_DATA);
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_HASH_INFO_UNCHANGED,
				  RSST_HASHINFO, p->table, RSST_TAB, rsst_ms_key),
			 RNDIS_STATUS_INVALID_DATA);
	/* No key was ever given: not an all-zero one kept. */
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED,
				  RSST_HASHINFO, p->table, RSST_TAB, rsst_ms_key),
			 RNDIS_STATUS_INVALID_DATA);
	assert_false(nvg_stats(&p->b).rss_on);
	rsst_pair_free(p);
}

/* ---- steering ---- */

static uint32_t expect(const struct rsst_pair *p, const struct rsst_flow *f,
		       uint32_t hashinfo)
{
	return rsst_expect(rsst_ms_key, p->table, RSST_TAB, hashinfo, f);
}

/* 200 TCP/IPv4 connections: each frame on the channel the reference
 * names, every channel used, each completed on its channel (no section
 * left used), the counters to match; one connection always on one. */
static void test_steer_tcp4(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	uint32_t count[4] = { 0 }, ctrl = p->b.n_xfer_ch[0];
	struct netvsp_stats s;

	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		struct rsst_flow f = rsst_flow4(i);
		uint32_t want = expect(p, &f, RSST_HASHINFO);

		assert_int_equal(rsst_send(&p->a, &p->b, p->mb, p->ma, &f, -1,
					   46 + i * 7u % 1400u, i), want);
		count[want]++;
	}
	for (unsigned k = 0; k < 3; k++) {
		struct rsst_flow f = rsst_flow4(7);

		assert_int_equal(rsst_send(&p->a, &p->b, p->mb, p->ma, &f, -1,
					   1400, k), expect(p, &f, RSST_HASHINFO));
		count[expect(p, &f, RSST_HASHINFO)]++;
	}
	for (uint32_t c = 0; c < 4; c++) {
		assert_true(count[c] > 0);
		assert_int_equal(p->b.n_frames_ch[c], count[c]);
		assert_int_equal(p->b.n_xfer_ch[c], count[c] + (c ? 0 : ctrl));
	}
	s = nvg_stats(&p->b);
	assert_int_equal(s.rx_frames, 203);
	assert_int_equal(s.rx_frames_sub, 203 - count[0]);
	assert_int_equal(s.recv_sections_used, 0);
	assert_int_equal(s.comp_bad, 0);
	assert_int_equal(s.subchannels, 3);
	assert_int_equal(s.channels_open, 4);
	assert_true(s.rss_on);
	s = nvg_stats(&p->a);
	assert_int_equal(s.tx_frames, 203);
	assert_int_equal(s.tx_frames_sub, 0);
	assert_int_equal(s.channels_open, 1);
	assert_false(s.rss_on);
	rsst_pair_free(p);
}

/* Frames of one burst (eight RNDIS packets in one send section) to
 * several channels: each on its own, in order, intact; the guest holds
 * the receives and completes them later, each on its channel. */
static void test_steer_burst(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	uint8_t batch[6144], f[400];
	uint32_t off = 0, want[8];
	struct netvsp_stats s;

	(void)state;
	p->b.auto_complete = false;
	for (unsigned i = 0; i < 8; i++) {
		struct rsst_flow fl = rsst_flow4(100 + i);
		uint32_t len = rsst_frame(f, p->mb, p->ma, &fl, -1, 200, i);
		uint32_t n = nvg_build_packet(batch + off, f, len, ~0u);
		uint32_t pad = (n + 7u) & ~7u;

		memset(batch + off + n, 0, pad - n);
		memcpy(batch + off + 4, &pad, 4);
		off += pad;
		want[i] = expect(p, &fl, RSST_HASHINFO);
	}
	assert_int_equal(nvg_rndis(&p->a, batch, off, NVSP_CHANNEL_DATA, false, 2),
			 NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, 8);
	for (unsigned i = 0; i < 8; i++) {
		struct rsst_flow fl = rsst_flow4(100 + i);
		uint32_t len = rsst_frame(f, p->mb, p->ma, &fl, -1, 200, i);
		const struct nvg_frame *g = NULL;

		/* Drained channel by channel: find it by its bytes. */
		for (unsigned j = 0; j < 8 && !g; j++)
			if (p->b.frames[j].len == len &&
			    !memcmp(p->b.frames[j].data, f, len))
				g = &p->b.frames[j];
		assert_non_null(g);
		assert_int_equal(g->chan, want[i]);
	}
	assert_true(nvg_stats(&p->b).recv_sections_used >= 8);
	nvg_complete_held(&p->b);
	nvg_host_poll(&p->b);
	s = nvg_stats(&p->b);
	assert_int_equal(s.recv_sections_used, 0);
	assert_int_equal(s.comp_bad, 0);
	rsst_pair_free(p);
}

/* A flow of i for IPv6 (3ffe::i -> fe80::1) or UDP. */
static struct rsst_flow flow_other(unsigned i, bool v6, uint8_t proto)
{
	struct rsst_flow f = rsst_flow4(i);

	f.proto = proto;
	if (v6)
		rsst_flow_v6(&f, i);
	return f;
}

/* Flows of each kind arrive where NDIS says for hashinfo; returns how
 * many landed off the primary. */
static uint32_t steer_kinds(struct rsst_pair *p, uint32_t hashinfo, int vid)
{
	uint32_t off = 0;

	for (unsigned i = 0; i < 24; i++) {
		struct rsst_flow f = flow_other(i, i % 4u >= 2u,
						i % 2u ? 17 : 6);

		f.frag = i % 8u == 1u;   /* some IPv4 UDP fragments */
		if (i % 8u == 4u)
			f.frag = true;   /* and IPv4 TCP ones */
		if (f.v6)
			f.frag = false;
		assert_int_equal(rsst_send(&p->a, &p->b, p->mb, p->ma, &f, vid,
					   300, i), expect(p, &f, hashinfo));
		off += expect(p, &f, hashinfo) != 0;
	}
	return off;
}

/* ARP, another EtherType, a truncated IPv4 header: the primary. */
static void steer_unhashed(struct rsst_pair *p)
{
	uint8_t f[64], pay[46];
	uint16_t types[3] = { 0x0806, 0x88B5, 0x0800 };

	for (unsigned i = 0; i < 3; i++) {
		uint32_t len;

		vswt_fill_payload(pay, sizeof(pay), i);
		len = (uint32_t)vswt_build_frame(f, p->mb, p->ma, VSWT_UNTAGGED, 0,
						 types[i], pay, i == 2 ? 10 : 46);
		assert_int_equal(rsst_send_raw(&p->a, &p->b, f, len, f, len), 0);
	}
}

/* IPv6, UDP, fragments (hashed on addresses when IPV4 / IPV6 are on,
 * as NDIS has it, else on the primary), the unhashed, an 802.1Q tagged
 * frame on a trunk port; RSS off: all on the primary. */
static void test_steer_kinds(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	uint32_t tcp_only = NDIS_HASH_FUNC_TOEPLITZ | NDIS_HASH_TCP_IPV4 |
			    NDIS_HASH_TCP_IPV6;
	uint16_t five = 5;
	struct vsw_port_config pc;

	(void)state;
	assert_true(steer_kinds(p, RSST_HASHINFO, -1) > 8);
	steer_unhashed(p);
	assert_int_equal(rsst_set(&p->b, 0, tcp_only, p->table, RSST_TAB,
				  rsst_ms_key), RNDIS_STATUS_SUCCESS);
	assert_true(steer_kinds(p, tcp_only, -1) > 0);
	/* b a trunk allowing VLAN 5, a on VLAN 5: b gets them tagged. */
	memset(&pc, 0, sizeof(pc));
	pc.vlan_mode = VSW_VLAN_ACCESS;
	pc.access_vlan = 5;
	assert_int_equal(netvsp_set_policy(p->a.nv, &pc), 0);
	pc.vlan_mode = VSW_VLAN_TRUNK;
	pc.allowed_vlans = &five;
	pc.n_allowed = 1;
	assert_int_equal(netvsp_set_policy(p->b.nv, &pc), 0);
	assert_true(steer_kinds(p, tcp_only, 5) > 0);
	assert_int_equal(rsst_set(&p->b, NDIS_RSS_PARAM_FLAG_DISABLE_RSS, 0,
				  p->table, 0, rsst_ms_key), RNDIS_STATUS_SUCCESS);
	assert_int_equal(steer_kinds(p, 0, 5), 0);
	assert_int_equal(p->b.n_frames_ch[0] + p->b.n_frames_ch[1] +
			 p->b.n_frames_ch[2] + p->b.n_frames_ch[3], p->b.n_frames);
	rsst_pair_free(p);
}

/* A flow whose frames go on channel c. */
static struct rsst_flow flow_to(const struct rsst_pair *p, uint32_t c)
{
	for (unsigned i = 0;; i++) {
		struct rsst_flow f = rsst_flow4(1000 + i);

		if (expect(p, &f, RSST_HASHINFO) == c)
			return f;
	}
}

/* A sub-channel closed: its frames on the primary, the rest as they
 * were; open again, back on it. A receive held on a sub-channel that
 * closes is completed on the primary and freed. */
static void test_steer_closed_sub(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	struct rsst_flow f[4];
	struct netvsp_stats s;

	(void)state;
	for (uint32_t c = 0; c < 4; c++)
		f[c] = flow_to(p, c);
	nvg_close_sub(&p->b, 2);
	assert_int_equal(nvg_stats(&p->b).channels_open, 3);
	for (uint32_t c = 0; c < 4; c++)
		assert_int_equal(rsst_send(&p->a, &p->b, p->mb, p->ma, &f[c], -1,
					   500, c), c == 2 ? 0 : c);
	assert_int_equal(nvg_stats(&p->b).rx_frames_sub, 2);
	assert_int_equal(nvg_open_sub(&p->b, 2), 0);
	assert_int_equal(rsst_send(&p->a, &p->b, p->mb, p->ma, &f[2], -1, 500, 9),
			 2);
	p->b.auto_complete = false;
	assert_int_equal(rsst_send(&p->a, &p->b, p->mb, p->ma, &f[1], -1, 500, 9),
			 1);
	assert_int_equal(p->b.n_held, 1);
	assert_int_equal(p->b.held_ch[0], 1);
	nvg_close_sub(&p->b, 1);
	nvg_complete_held(&p->b);
	nvg_host_poll(&p->b);
	s = nvg_stats(&p->b);
	assert_int_equal(s.recv_sections_used, 0);
	assert_int_equal(s.comp_bad, 0);
	assert_int_equal(s.channels_open, 3);
	rsst_pair_free(p);
}

/* A frame sent on a sub-channel (send section or page buffers) reaches
 * the peer and is completed on that sub-channel; a control message
 * there is completed there too, its RNDIS reply on the primary. */
static void test_send_on_sub(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	struct {
		struct rndis_hdr h;
		uint32_t id;
	} __attribute__((packed)) ka = { { RNDIS_MSG_KEEPALIVE, 12 }, 77 };
	uint8_t f[1600];
	uint32_t w[4], len;
	struct netvsp_stats s;

	(void)state;
	for (uint32_t c = 1; c <= 3; c++) {
		struct rsst_flow fl = rsst_flow4(c);

		len = rsst_frame(f, p->ma, p->mb, &fl, -1, 1000, c);
		assert_int_equal(nvg_send_frame_on(&p->b, c, f, len, ~0u, c == 3),
				 NVSP_STAT_SUCCESS);
		assert_int_equal(p->b.comp_chan, c);
		assert_int_equal(p->b.n_comp_ch[c], 1);
		assert_true(nvg_guest_drain(&p->a) >= 0);
		assert_int_equal(p->a.n_frames, c);
		assert_int_equal(p->a.frames[c - 1].len, len);
		assert_memory_equal(p->a.frames[c - 1].data, f, len);
		assert_int_equal(p->a.frames[c - 1].chan, 0);
		nvg_host_poll(&p->a);
	}
	assert_int_equal(nvg_rndis_on(&p->b, 1, &ka, sizeof(ka),
				      NVSP_CHANNEL_CONTROL, false, 0),
			 NVSP_STAT_SUCCESS);
	assert_int_equal(p->b.comp_chan, 1);
	assert_int_equal(p->b.ctrl_chan, 0);
	memcpy(w, p->b.ctrl, sizeof(w));
	assert_int_equal(w[0], RNDIS_MSG_KEEPALIVE | RNDIS_MSG_COMPLETION);
	assert_int_equal(w[2], 77);
	s = nvg_stats(&p->b);
	assert_int_equal(s.tx_frames, 3);
	assert_int_equal(s.tx_frames_sub, 3);
	assert_int_equal(s.tx_bad, 0);
	assert_int_equal(nvg_stats(&p->a).rx_frames, 3);
	rsst_pair_free(p);
}

/* Closing the primary ends the session: no sub-channel, no RSS; the
 * guest then starts again and gets them back. */
static void test_close_primary(void **state)
{
	struct rsst_pair *p = rsst_pair_new(3, true);
	struct rsst_flow f = flow_to(p, 3);
	struct netvsp_stats s;

	(void)state;
	netvsp_close(p->b.nv);
	s = nvg_stats(&p->b);
	assert_int_equal(s.subchannels, 0);
	assert_int_equal(s.channels_open, 0);
	assert_false(s.rss_on);
	for (uint16_t i = 1; i <= 3; i++)
		nvg_close_sub(&p->b, i);
	assert_int_equal(netvsp_open(p->b.nv, &p->b.host), 0);
	s = nvg_stats(&p->b);
	assert_int_equal(s.channels_open, 1);
	assert_false(s.rss_on);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	assert_int_equal(rsst_send(&p->a, &p->b, p->mb, p->ma, &f, -1, 64, 1), 0);
	assert_int_equal(nvg_subchannels(&p->b, 3), 3);
	assert_int_equal(rsst_set(&p->b, 0, RSST_HASHINFO, p->table, RSST_TAB,
				  rsst_ms_key), RNDIS_STATUS_SUCCESS);
	assert_int_equal(rsst_send(&p->a, &p->b, p->mb, p->ma, &f, -1, 64, 2), 3);
	assert_int_equal(nvg_stats(&p->b).channels_open, 4);
	rsst_pair_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toeplitz_vectors),
		cmocka_unit_test(test_toeplitz_random),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_subchannel_grant),
		cmocka_unit_test(test_subchannel_refused),
		cmocka_unit_test(test_rss_set),
		cmocka_unit_test(test_rss_set_refused),
		cmocka_unit_test(test_rss_unchanged),
		cmocka_unit_test(test_steer_tcp4),
		cmocka_unit_test(test_steer_burst),
		cmocka_unit_test(test_steer_kinds),
		cmocka_unit_test(test_steer_closed_sub),
		cmocka_unit_test(test_send_on_sub),
		cmocka_unit_test(test_close_primary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
