/* netvsp_rss.c: receive-side scaling over sub-channels.
 *
 * A guest with several processors asks how many receive queues the NIC
 * has (OID_GEN_RECEIVE_SCALE_CAPABILITIES), takes a sub-channel for each
 * queue but the first (NVSP SUBCHANNEL, netvsp_nvsp.c), and sets a
 * Toeplitz key and an indirection table (OID_GEN_RECEIVE_SCALE_
 * PARAMETERS); Linux's rndis_filter_device_add() and
 * rndis_set_subchannel() (drivers/net/hyperv/rndis_filter.c) do it in
 * that order. Each received IPv4 or IPv6 frame is then hashed as
 * Microsoft's "Verifying the RSS Hash Calculation" (NDIS) defines it,
 * over source and destination address and, for TCP, the ports; the
 * hash's low bits pick a table entry, the entry a channel. Frames of a
 * TCP connection thus all arrive on one channel, so on one CPU, in
 * order; IPv6 extension headers are walked to the TCP header. Fragments
 * and other IP protocols are hashed on the addresses alone when the
 * guest enabled NDIS_HASH_IPV4 / NDIS_HASH_IPV6 (NDIS "RSS Hashing
 * Types"; Linux enables them), else, as anything else (ARP, other
 * EtherTypes, a cut header, RSS off), they go on the primary. A hashed
 * frame takes its hash to the guest (NBL_HASH_VALUE, netvsp_rx.c).
 */
#include "vswitch/netvsp/netvsp_internal.h"

#include <stdlib.h>

/* The 32 key bits starting at bit k (bit 0 the top bit of key[0]);
 * bits past the key are 0. */
static uint32_t key_window(const uint8_t *key, uint32_t k)
{
	uint64_t w = 0;

	for (uint32_t i = 0; i < 5; i++) {
		uint32_t at = k / 8u + i;

		w = w << 8 | (at < NETVSP_RSS_KEY ? key[at] : 0u);
	}
	return (uint32_t)(w >> (8u - k % 8u));
}

/* Toeplitz: for every input bit set (most significant first), the key
 * window at that bit's index is XORed into the hash. nib[p][v] is what
 * nibble p of the input contributes when it holds v. */
void netvsp_rss_prepare(struct netvsp_rss *rss)
{
	for (uint32_t p = 0; p < 2u * NETVSP_RSS_IN_MAX; p++) {
		for (uint32_t v = 0; v < 16u; v++) {
			uint32_t h = 0;

			for (uint32_t j = 0; j < 4u; j++)
				if (v & (8u >> j))
					h ^= key_window(rss->key, 4u * p + j);
			rss->nib[p][v] = h;
		}
	}
}

uint32_t netvsp_rss_hash(const struct netvsp_rss *rss, const uint8_t *in,
			 uint32_t n)
{
	uint32_t h = 0;

	for (uint32_t i = 0; i < n && i < NETVSP_RSS_IN_MAX; i++)
		h ^= rss->nib[2u * i][in[i] >> 4] ^ rss->nib[2u * i + 1u][in[i] & 15u];
	return h;
}

/* The frame is read through frame_read alone, which takes each byte
 * from the head or the tail, wherever the switch split it, and checks
 * every read against the frame's length first: so a frame gets the same
 * hash in two parts as whole (one flow stays on one channel). The tail
 * is the sender's send buffer: a byte it rewrites meanwhile, read twice
 * (a header's type, then its length), may disagree with itself, but
 * every offset is checked again at its own read against f->len, which
 * the switch fixed. Such a frame can only get another hash, so another
 * channel and another NBL_HASH_VALUE for the receiver, as if the sender
 * had sent other bytes: never a read outside the frame, never a
 * security decision (the switch decided on the head). */
static bool frame_read(const struct netvsp_frame *f, uint32_t off, void *dst,
		       uint32_t n)
{
	uint8_t *d = dst;

	if (off > f->len || n > f->len - off)
		return false;
	if (off < f->head_len) {
		uint32_t k = f->head_len - off < n ? f->head_len - off : n;

		memcpy(d, f->head + off, k);
		d += k;
		off += k;
		n -= k;
	}
	if (n)
		memcpy(d, f->tail + (off - f->head_len), n);
	return true;
}

/* The hash input of an IPv4 frame whose header starts at l3: addresses,
 * and the ports of an unfragmented TCP segment. 0: not hashed. */
static uint32_t in_ipv4(const struct netvsp_rss *rss,
			const struct netvsp_frame *f, uint32_t l3, uint8_t *in)
{
	uint8_t h[20];
	uint32_t ihl;

	if (!frame_read(f, l3, h, sizeof(h)) || h[0] >> 4 != 4u)
		return 0;
	ihl = (h[0] & 15u) * 4u;
	if (ihl < 20u || f->len < l3 + ihl)
		return 0;
	memcpy(in, h + 12, 8);
	/* RFC 791: MF set or a fragment offset, no TCP header to hash. */
	if (h[9] == 6u && (rss->hashinfo & NDIS_HASH_TCP_IPV4) &&
	    !(h[6] & 0x3fu) && !h[7] && frame_read(f, l3 + ihl, in + 8, 4))
		return 12;
	return (rss->hashinfo & NDIS_HASH_IPV4) ? 8u : 0u;
}

/* IPv6 extension headers (RFC 8200 4.1) walked to find TCP: at most
 * this many, each inside the frame. */
#define IPV6_EXT_MAX 8u

/* The length of the extension header of type `type` whose first 8
 * bytes are e, 0 when the walk stops there.
 * Hop-by-hop options (0), routing (43) and destination options (60)
 * give theirs in 8-octet units past the first 8. A fragment header (44)
 * is 8 octets; a real fragment, its offset or M bit set, stops the
 * walk: NDIS hashes fragmented IP packets on their addresses ("RSS
 * Hashing Types"), and only the first would hold the ports. An atomic
 * fragment (offset 0, M clear, RFC 6946) is not fragmented: it holds
 * the whole datagram, RFC 6946 has it processed as unfragmented, and
 * hashing its ports keeps it on the channel of the rest of its TCP
 * connection (a sender told of a path MTU below 1,280 put one in every
 * segment before RFC 8021), so it is walked past. */
static uint32_t ipv6_ext_len(const uint8_t *e, uint32_t type)
{
	switch (type) {
	case 0:
	case 43:
	case 60:
		return (e[1] + 1u) * 8u;
	case 44:
		return ((uint32_t)e[2] << 8 | e[3]) & 0xfff9u ? 0 : 8u;
	default:
		return 0;   /* ESP, AH, no next header...: not walked */
	}
}

/* Where the TCP header of the IPv6 packet at l3 (next header `type`)
 * starts; 0 when it has none NDIS_HASH_TCP_IPV6 would hash: another
 * protocol, a real fragment, a chain too long or cut short (the ports
 * are read, and checked to be inside the frame, by the caller).
 * NDIS_HASH_IPV6_EX, which would swap in a home address or a routing
 * header's address, is not offered and Linux does not ask for it
 * (rndis_set_rss_param_msg()), so the fixed header's addresses stay. */
static uint32_t ipv6_tcp_at(const struct netvsp_frame *f, uint32_t l3,
			    uint32_t type)
{
	uint32_t at = l3 + 40u, ext;
	uint8_t e[8];

	for (uint32_t i = 0; type != 6u; i++) {
		if (i == IPV6_EXT_MAX || !frame_read(f, at, e, sizeof(e)))
			return 0;
		ext = ipv6_ext_len(e, type);
		if (!ext)
			return 0;
		type = e[0];
		at += ext;
	}
	return at;
}

/* IPv6: addresses, and the ports of an unfragmented TCP segment found
 * past any extension headers (NDIS_HASH_TCP_IPV6 skips them). */
static uint32_t in_ipv6(const struct netvsp_rss *rss,
			const struct netvsp_frame *f, uint32_t l3, uint8_t *in)
{
	uint8_t h[40];
	uint32_t tcp;

	if (!frame_read(f, l3, h, sizeof(h)) || h[0] >> 4 != 6u)
		return 0;
	memcpy(in, h + 8, 32);
	if ((rss->hashinfo & NDIS_HASH_TCP_IPV6) &&
	    (tcp = ipv6_tcp_at(f, l3, h[6])) && frame_read(f, tcp, in + 32, 4))
		return 36;
	return (rss->hashinfo & NDIS_HASH_IPV6) ? 32u : 0u;
}

bool netvsp_rss_frame(const struct netvsp *nv, const struct netvsp_frame *f,
		      uint32_t *hash)
{
	const struct netvsp_rss *rss = &nv->rss;
	uint8_t in[NETVSP_RSS_IN_MAX], t[2];
	uint32_t l3 = 14, type, n;

	if (!rss->on || !nv->subch || !frame_read(f, 12, t, 2))
		return false;
	type = (uint32_t)t[0] << 8 | t[1];
	/* IEEE 802.1Q tag */
	if (type == 0x8100u && frame_read(f, 16, t, 2)) {
		type = (uint32_t)t[0] << 8 | t[1];
		l3 = 18;
	}
	if (type == 0x0800u)
		n = in_ipv4(rss, f, l3, in);
	else if (type == 0x86ddu)
		n = in_ipv6(rss, f, l3, in);
	else
		n = 0;
	if (!n)
		return false;
	*hash = netvsp_rss_hash(rss, in, n);
	return true;
}

/* ---- the OIDs ---- */

/* One queue per channel the guest may have; no sub-channels to give,
 * one queue, and Linux stays on the primary. */
uint32_t netvsp_rss_caps(struct netvsp *nv, uint8_t *out, uint32_t *out_len)
{
	struct ndis_rss_caps c = {
		{ NDIS_OBJECT_TYPE_RSS_CAPABILITIES, NDIS_RSS_CAPS_REVISION_2,
		  sizeof(struct ndis_rss_caps) },
		NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV4 | NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV6,
		1, 1u + nv->cfg.max_subchannels, NETVSP_RSS_TAB,
	};

	memcpy(out, &c, sizeof(c));
	*out_len = sizeof(c);
	return RNDIS_STATUS_SUCCESS;
}

/* [off, off + n) inside an information buffer of len bytes. */
static bool in_buf(uint32_t off, uint32_t n, uint32_t len)
{
	return off <= len && n <= len - off;
}

/* The table: 32-bit entries, a power of two of them up to what we
 * advertised, each a channel this session has (1 + granted). */
static uint32_t rss_table(const struct netvsp *nv, const uint8_t *in,
			  uint32_t len, const struct ndis_rss_params *p,
			  struct netvsp_rss *r)
{
	uint32_t n = p->indirect_tabsize / 4u;

	if (p->indirect_tabsize % 4u || n == 0 || n > NETVSP_RSS_TAB ||
	    (n & (n - 1u)) || !in_buf(p->indirect_taboffset, p->indirect_tabsize, len))
		return RNDIS_STATUS_INVALID_DATA;
	memset(r->table, 0, sizeof(r->table));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t e;

		memcpy(&e, in + p->indirect_taboffset + 4u * i, 4);
		if (e > nv->subch)
			return RNDIS_STATUS_INVALID_DATA;
		r->table[i] = (uint8_t)e;
	}
	r->n_table = (uint16_t)n;
	return RNDIS_STATUS_SUCCESS;
}

/* The parts the guest did not mark unchanged; what it marks unchanged
 * must have been set before (a SET took: its table is there, and with
 * it hash types and a key; an all-zero key never set would send every
 * frame to table[0]). */
static uint32_t rss_parse(const struct netvsp *nv, const uint8_t *in,
			  uint32_t len, const struct ndis_rss_params *p,
			  struct netvsp_rss *r)
{
	bool had = r->n_table != 0;
	uint32_t st;

	if ((p->flag & NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED) && !had)
		return RNDIS_STATUS_INVALID_DATA;
	if (!(p->flag & NDIS_RSS_PARAM_FLAG_HASH_INFO_UNCHANGED))
		r->hashinfo = p->hashinfo;
	if ((r->hashinfo & NDIS_HASH_FUNC_MASK) != NDIS_HASH_FUNC_TOEPLITZ)
		return RNDIS_STATUS_INVALID_DATA;
	if (!(p->flag & NDIS_RSS_PARAM_FLAG_ITABLE_UNCHANGED)) {
		st = rss_table(nv, in, len, p, r);
		if (st)
			return st;
	}
	if (!(p->flag & NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED)) {
		if (p->hashkey_size != NETVSP_RSS_KEY ||
		    !in_buf(p->hashkey_offset, NETVSP_RSS_KEY, len))
			return RNDIS_STATUS_INVALID_DATA;
		memcpy(r->key, in + p->hashkey_offset, NETVSP_RSS_KEY);
	}
	return r->n_table ? RNDIS_STATUS_SUCCESS : RNDIS_STATUS_INVALID_DATA;
}

/* Built aside and applied whole: a refused SET changes nothing. */
uint32_t netvsp_rss_set(struct netvsp *nv, const uint8_t *in, uint32_t len)
{
	struct netvsp_rss *r;
	struct ndis_rss_params p;
	uint32_t st;

	if (len < sizeof(p))
		return RNDIS_STATUS_INVALID_LENGTH;
	memcpy(&p, in, sizeof(p));
	if (p.hdr.type != NDIS_OBJECT_TYPE_RSS_PARAMETERS)
		return RNDIS_STATUS_INVALID_DATA;
	if (p.flag & NDIS_RSS_PARAM_FLAG_DISABLE_RSS) {
		netvsp_lock(nv);
		nv->rss.on = false;
		netvsp_unlock(nv);
		return RNDIS_STATUS_SUCCESS;
	}
	r = malloc(sizeof(*r));   /* 4.8 KiB, off the stack */
	if (!r)
		return RNDIS_STATUS_FAILURE;
	*r = nv->rss;
	st = rss_parse(nv, in, len, &p, r);
	if (!st) {
		netvsp_rss_prepare(r);
		r->on = true;
		netvsp_lock(nv);
		nv->rss = *r;
		netvsp_unlock(nv);
	}
	free(r);
	return st;
}
