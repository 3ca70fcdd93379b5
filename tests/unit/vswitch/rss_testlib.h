/* rss_testlib.h: what the netvsp receive-side scaling tests share
 * (unit_netvsp_rss.c, unit_netvsp_rss_save.c): a slow Toeplitz reference,
 * TCP frames and the channel a frame must arrive on, the RSS parameters
 * as Linux builds them, and a pair of mock guests (nvg.h) where b has
 * three sub-channels and RSS on. Uses cmocka's asserts. */
#ifndef RSS_TESTLIB_H
#define RSS_TESTLIB_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/unit/vswitch/nvg.h"

#define RSST_RING (256u * 1024u)
#define RSST_RBUF (1728u * 512u)
#define RSST_SBUF (6144u * 64u)
#define RSST_KEY 40u
#define RSST_TAB 128u
/* What Linux enables (rndis_set_rss_param_msg()). */
#define RSST_HASHINFO (NDIS_HASH_FUNC_TOEPLITZ | NDIS_HASH_IPV4 | \
		       NDIS_HASH_TCP_IPV4 | NDIS_HASH_IPV6 | NDIS_HASH_TCP_IPV6)

/* The key of Microsoft's "Verifying the RSS Hash Calculation" (NDIS). */
extern const uint8_t rsst_ms_key[RSST_KEY];

/* Toeplitz as that page defines it: for each input bit, most significant
 * first, XOR the key's leftmost 32 bits when set, shift the key left. */
uint32_t rsst_toeplitz(const uint8_t *key, const uint8_t *in, uint32_t n);

/* A flow: addresses (4 or 16 bytes used), ports, IP protocol. */
struct rsst_flow {
	bool v6;
	uint8_t proto;                   /* 6 TCP, 17 UDP */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	bool frag;                       /* IPv4: more fragments */
};

/* Ethernet frame of flow f (20-byte TCP/UDP header then plen payload
 * bytes; vid >= 0: 802.1Q tagged); returns its length. */
uint32_t rsst_frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
		    const struct rsst_flow *f, int vid, uint32_t plen,
		    unsigned seed);
/* The hash NDIS defines for f with this key and hash types (the
 * reference above); false when f is not hashed. */
bool rsst_hash(const uint8_t *key, uint32_t hashinfo,
	       const struct rsst_flow *f, uint32_t *hash);
/* The channel NDIS says f goes on with this key, table (n entries, a
 * power of two) and hash types; 0 when not hashed. */
uint32_t rsst_expect(const uint8_t *key, const uint8_t *table, uint32_t n,
		     uint32_t hashinfo, const struct rsst_flow *f);
/* Flow i of a family of distinct TCP/IPv4 flows 10.0.x.y -> 10.1.0.1. */
struct rsst_flow rsst_flow4(unsigned i);
/* f made IPv6 of i: 3ffe::i (its last two bytes) -> fe80::1. */
void rsst_flow_v6(struct rsst_flow *f, unsigned i);

/* OID_GEN_RECEIVE_SCALE_PARAMETERS as Linux's rndis_set_rss_param_msg()
 * (drivers/net/hyperv/rndis_filter.c) lays it out: the 40-byte header,
 * n 32-bit entries, the key; returns its length. */
uint32_t rsst_params(uint8_t *buf, uint16_t flags, uint32_t hashinfo,
		     const uint8_t *table, uint32_t n, const uint8_t *key);
/* Sets them; returns the RNDIS status. */
uint32_t rsst_set(struct nvg *g, uint16_t flags, uint32_t hashinfo,
		  const uint8_t *table, uint32_t n, const uint8_t *key);

/* The table the tests use: 128 entries over channels 0..3, in no
 * regular order. */
void rsst_table4(uint8_t *table);

struct rsst_pair {
	struct vsw *sw;
	struct nvg a, b;
	uint8_t ma[6], mb[6];
	uint8_t table[RSST_TAB];
};

/* a (no sub-channels) and b (max_subchannels max_b) up on one switch at
 * NVSP 6.1; with rss, b also has three sub-channels open and RSS set
 * with rsst_table4 and Microsoft's key. */
/* The same on a switch of the given MTU (0: the default), a's netvsp
 * made with it. */
struct rsst_pair *rsst_pair_new_mtu(uint16_t max_b, bool rss, uint32_t mtu);
struct rsst_pair *rsst_pair_new(uint16_t max_b, bool rss);
/* Checks neither guest saw a protocol error, frees it all. */
void rsst_pair_free(struct rsst_pair *p);

/* Sends flow f (plen bytes, untagged) from x to y and returns the
 * channel y got it on, having checked it arrived once and intact (with
 * an 802.1Q tag of vid when vid >= 0: y is a trunk port); y completes
 * it. */
uint32_t rsst_send(struct nvg *x, struct nvg *y, const uint8_t *dst,
		   const uint8_t *src, const struct rsst_flow *f, int vid,
		   uint32_t plen, unsigned seed);

/* The same for any frame f, which y must get as want. */
uint32_t rsst_send_raw(struct nvg *x, struct nvg *y, const uint8_t *f,
		       uint32_t len, const uint8_t *want, uint32_t wlen);

#endif
