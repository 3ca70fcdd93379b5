/* rss_testlib.c: see rss_testlib.h. */
#include "tests/unit/vswitch/rss_testlib.h"
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/vsw_wire.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

const uint8_t rsst_ms_key[RSST_KEY] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Key bit i (bit 0: the top bit of key[0]); none past the 320th. */
static uint32_t key_bit(const uint8_t *key, uint32_t i)
{
	return i < 8u * RSST_KEY ? key[i / 8u] >> (7u - i % 8u) & 1u : 0u;
}

uint32_t rsst_toeplitz(const uint8_t *key, const uint8_t *in, uint32_t n)
{
	uint32_t result = 0, k = 0;

	/* The key's leftmost 32 bits, refilled one bit per input bit. */
	for (uint32_t i = 0; i < 32u; i++)
		k = k << 1 | key_bit(key, i);
	for (uint32_t b = 0; b < 8u * n; b++) {
		if (in[b / 8u] >> (7u - b % 8u) & 1u)
			result ^= k;
		k = k << 1 | key_bit(key, b + 32u);
	}
	return result;
}

static void put16(uint8_t *p, uint16_t v)
{
	vsw_put_be16(p, v);
}

/* The IP header of f with l4 bytes after it; returns its length. */
static uint32_t ip_header(uint8_t *p, const struct rsst_flow *f, uint32_t l4)
{
	if (f->v6) {
		memset(p, 0, 40);
		p[0] = 0x60;
		put16(p + 4, (uint16_t)l4);
		p[6] = f->proto;
		p[7] = 64;
		memcpy(p + 8, f->src, 16);
		memcpy(p + 24, f->dst, 16);
		return 40;
	}
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20u + l4));
	put16(p + 4, 0x1234);
	p[6] = f->frag ? 0x20 : 0x40;   /* MF, or DF */
	p[8] = 64;
	p[9] = f->proto;
	memcpy(p + 12, f->src, 4);
	memcpy(p + 16, f->dst, 4);
	return 20;
}

uint32_t rsst_frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
		    const struct rsst_flow *f, int vid, uint32_t plen,
		    unsigned seed)
{
	uint32_t o = 12, l4 = 20u + plen;
	uint8_t *t;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	if (vid >= 0) {
		put16(buf + 12, VSW_ETHERTYPE_VLAN);
		put16(buf + 14, (uint16_t)vid);
		o = 16;
	}
	put16(buf + o, f->v6 ? VSW_ETHERTYPE_IPV6 : VSW_ETHERTYPE_IPV4);
	o += 2;
	o += ip_header(buf + o, f, l4);
	t = buf + o;
	memset(t, 0, 20);
	put16(t, f->sport);
	put16(t + 2, f->dport);
	if (f->proto == 6)
		t[12] = 0x50;               /* TCP data offset: 5 words */
	else
		put16(t + 4, (uint16_t)l4); /* UDP length */
	vswt_fill_payload(t + 20, plen, seed);
	return o + l4;
}

bool rsst_hash(const uint8_t *key, uint32_t hashinfo,
	       const struct rsst_flow *f, uint32_t *hash)
{
	uint8_t in[36];
	uint32_t a = f->v6 ? 16u : 4u, len;
	bool tcp = f->proto == 6 && !f->frag &&
		   (hashinfo & (f->v6 ? NDIS_HASH_TCP_IPV6 : NDIS_HASH_TCP_IPV4));

	/* "Verifying the RSS Hash Calculation": source address, destination
	 * address, then source and destination port for TCP. */
	memcpy(in, f->src, a);
	memcpy(in + a, f->dst, a);
	put16(in + 2u * a, f->sport);
	put16(in + 2u * a + 2u, f->dport);
	if (tcp)
		len = 2u * a + 4u;
	else if (hashinfo & (f->v6 ? NDIS_HASH_IPV6 : NDIS_HASH_IPV4))
		len = 2u * a;
	else
		return false;
	*hash = rsst_toeplitz(key, in, len);
	return true;
}

uint32_t rsst_expect(const uint8_t *key, const uint8_t *table, uint32_t n,
		     uint32_t hashinfo, const struct rsst_flow *f)
{
	uint32_t h;

	return rsst_hash(key, hashinfo, f, &h) ? table[h & (n - 1u)] : 0u;
}

struct rsst_flow rsst_flow4(unsigned i)
{
	struct rsst_flow f = { .proto = 6 };

	f.src[0] = 10;
	f.src[2] = (uint8_t)(i >> 8);
	f.src[3] = (uint8_t)(i * 13u);
	f.dst[0] = 10;
	f.dst[1] = 1;
	f.dst[3] = 1;
	f.sport = (uint16_t)(1024u + i * 7919u % 60000u);
	f.dport = (uint16_t)(i % 3u == 0 ? 80u : 443u + i);
	return f;
}

void rsst_flow_v6(struct rsst_flow *f, unsigned i)
{
	f->v6 = true;
	memset(f->src, 0, 16);
	memset(f->dst, 0, 16);
	f->src[0] = 0x3f;
	f->src[1] = 0xfe;
	f->src[14] = (uint8_t)(i >> 8);
	f->src[15] = (uint8_t)(i * 29u);
	f->dst[0] = 0xfe;
	f->dst[1] = 0x80;
	f->dst[15] = 1;
}

uint32_t rsst_params(uint8_t *buf, uint16_t flags, uint32_t hashinfo,
		     const uint8_t *table, uint32_t n, const uint8_t *key)
{
	struct ndis_rss_params p;

	memset(&p, 0, sizeof(p));
	p.hdr = (struct ndis_obj_hdr){ NDIS_OBJECT_TYPE_RSS_PARAMETERS, 2,
				       sizeof(p) };
	p.flag = flags;
	p.hashinfo = hashinfo;
	p.indirect_tabsize = (uint16_t)(n * 4u);
	p.indirect_taboffset = sizeof(p);
	p.hashkey_size = RSST_KEY;
	p.hashkey_offset = (uint32_t)sizeof(p) + n * 4u;
	memcpy(buf, &p, sizeof(p));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t e = table[i];

		memcpy(buf + sizeof(p) + 4u * i, &e, 4);
	}
	memcpy(buf + p.hashkey_offset, key, RSST_KEY);
	return p.hashkey_offset + RSST_KEY;
}

uint32_t rsst_set(struct nvg *g, uint16_t flags, uint32_t hashinfo,
		  const uint8_t *table, uint32_t n, const uint8_t *key)
{
	uint8_t buf[1200];
	uint32_t len = rsst_params(buf, flags, hashinfo, table, n, key);

	return (uint32_t)nvg_set(g, OID_GEN_RECEIVE_SCALE_PARAMETERS, buf, len);
}

void rsst_table4(uint8_t *table)
{
	for (uint32_t i = 0; i < RSST_TAB; i++)
		table[i] = (uint8_t)((i * 7u ^ i >> 3) & 3u);
}

/* a's netvsp again with the switch's MTU (nvg_create makes it with
 * the default). */
static void pair_mtu(struct rsst_pair *p, uint32_t mtu)
{
	struct netvsp_config cfg;

	netvsp_close(p->a.nv);
	netvsp_destroy(p->a.nv);
	nvg_config(&p->a, p->sw, p->ma, 0, &cfg);
	cfg.mtu = mtu;
	assert_int_equal(netvsp_create(&cfg, &p->a.nv), 0);
	assert_int_equal(netvsp_open(p->a.nv, &p->a.host), 0);
}

struct rsst_pair *rsst_pair_new_mtu(uint16_t max_b, bool rss, uint32_t mtu)
{
	struct rsst_pair *p = calloc(1, sizeof(*p));
	struct vsw_config c = { .mtu = mtu };

	assert_non_null(p);
	assert_int_equal(vsw_create("s", VSW_TYPE_PRIVATE, mtu ? &c : NULL, &p->sw), 0);
	vswt_make_mac(p->ma, 1);
	vswt_make_mac(p->mb, 2);
	assert_int_equal(nvg_create(&p->a, p->sw, p->ma, 0, RSST_RING, RSST_RBUF,
				    RSST_SBUF), 0);
	assert_int_equal(nvg_create(&p->b, p->sw, p->mb, 0, RSST_RING, RSST_RBUF,
				    RSST_SBUF), 0);
	if (mtu)
		pair_mtu(p, mtu);
	assert_int_equal(nvg_set_max_subchannels(&p->b, max_b), 0);
	assert_int_equal(nvg_bringup(&p->a, NVSP_VERSION_61), 0);
	assert_int_equal(nvg_bringup(&p->b, NVSP_VERSION_61), 0);
	rsst_table4(p->table);
	if (!rss)
		return p;
	assert_int_equal(nvg_subchannels(&p->b, 3), 3);
	assert_int_equal(rsst_set(&p->b, 0, RSST_HASHINFO, p->table, RSST_TAB,
				  rsst_ms_key), RNDIS_STATUS_SUCCESS);
	return p;
}

struct rsst_pair *rsst_pair_new(uint16_t max_b, bool rss)
{
	return rsst_pair_new_mtu(max_b, rss, 0);
}

void rsst_pair_free(struct rsst_pair *p)
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

uint32_t rsst_send_raw(struct nvg *x, struct nvg *y, const uint8_t *f,
		       uint32_t len, const uint8_t *want, uint32_t wlen)
{
	uint32_t before = y->n_frames;
	const struct nvg_frame *got = &y->frames[before % NVG_FRAMES];

	assert_int_equal(nvg_send_frame(x, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	assert_true(nvg_guest_drain(y) >= 0);
	assert_int_equal(y->n_frames, before + 1);
	assert_int_equal(got->len, wlen);
	assert_memory_equal(got->data, want, wlen);
	nvg_host_poll(y);   /* its completion, on that channel */
	return got->chan;
}

uint32_t rsst_send(struct nvg *x, struct nvg *y, const uint8_t *dst,
		   const uint8_t *src, const struct rsst_flow *f, int vid,
		   uint32_t plen, unsigned seed)
{
	static uint8_t buf[NVG_FRAME_MAX], want[NVG_FRAME_MAX];  /* jumbo */
	uint32_t len = rsst_frame(buf, dst, src, f, -1, plen, seed);
	uint32_t wlen = rsst_frame(want, dst, src, f, vid, plen, seed);

	return rsst_send_raw(x, y, buf, len, want, wlen);
}
