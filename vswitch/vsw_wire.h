/* vsw_wire.h: every on-the-wire layout the virtual switch looks at.
 *
 * Frames arrive as byte buffers with no alignment promise, so each layout is
 * a struct of byte arrays (alignment 1, no padding) read through the
 * big-endian accessors below. Sizes are pinned with _Static_assert so a
 * layout can never silently drift from the standard that defines it.
 */
#ifndef VSW_WIRE_H
#define VSW_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define VSW_ETH_ALEN 6

/* IEEE 802.3 clause 3.1.1: destination, source, length/type. */
struct vsw_eth_hdr {
	uint8_t dst[VSW_ETH_ALEN];
	uint8_t src[VSW_ETH_ALEN];
	uint8_t type[2];
};
_Static_assert(sizeof(struct vsw_eth_hdr) == 14, "Ethernet header is 14 bytes");

/* IEEE 802.1Q clause 9.5: TPID then TCI (PCP:3, DEI:1, VID:12). */
struct vsw_vlan_tag {
	uint8_t tpid[2];
	uint8_t tci[2];
};
_Static_assert(sizeof(struct vsw_vlan_tag) == 4, "802.1Q tag is 4 bytes");

/* RFC 791 section 3.1: the fixed part of the IPv4 header. */
struct vsw_ipv4_hdr {
	uint8_t ver_ihl;
	uint8_t tos;
	uint8_t total_len[2];
	uint8_t id[2];
	uint8_t flags_frag[2];
	uint8_t ttl;
	uint8_t proto;
	uint8_t csum[2];
	uint8_t src[4];
	uint8_t dst[4];
};
_Static_assert(sizeof(struct vsw_ipv4_hdr) == 20, "IPv4 header is 20 bytes");

/* RFC 8200 section 3: the fixed IPv6 header. */
struct vsw_ipv6_hdr {
	uint8_t ver_tc_flow[4];
	uint8_t payload_len[2];
	uint8_t next_hdr;
	uint8_t hop_limit;
	uint8_t src[16];
	uint8_t dst[16];
};
_Static_assert(sizeof(struct vsw_ipv6_hdr) == 40, "IPv6 header is 40 bytes");

/* RFC 8200 section 4.3-4.6: hop-by-hop, routing and destination options
 * headers all start with next-header and a length in 8-octet units not
 * counting the first 8 octets. */
struct vsw_ipv6_ext_hdr {
	uint8_t next_hdr;
	uint8_t len_8;
};
_Static_assert(sizeof(struct vsw_ipv6_ext_hdr) == 2, "IPv6 ext header prefix");

/* RFC 8200 section 4.5: fragment header (fixed 8 bytes). */
struct vsw_ipv6_frag_hdr {
	uint8_t next_hdr;
	uint8_t reserved;
	uint8_t off_flags[2];
	uint8_t id[4];
};
_Static_assert(sizeof(struct vsw_ipv6_frag_hdr) == 8, "IPv6 fragment header");

/* RFC 768: UDP header. */
struct vsw_udp_hdr {
	uint8_t sport[2];
	uint8_t dport[2];
	uint8_t len[2];
	uint8_t csum[2];
};
_Static_assert(sizeof(struct vsw_udp_hdr) == 8, "UDP header is 8 bytes");

/* RFC 792 / RFC 4443 section 2.1: ICMP and ICMPv6 share type, code, sum. */
struct vsw_icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint8_t csum[2];
};
_Static_assert(sizeof(struct vsw_icmp_hdr) == 4, "ICMP header prefix");

/* Ethertypes (IEEE Registration Authority). */
#define VSW_ETHERTYPE_IPV4 0x0800u
#define VSW_ETHERTYPE_VLAN 0x8100u /* IEEE 802.1Q C-TAG TPID */
#define VSW_ETHERTYPE_IPV6 0x86DDu

/* IEEE 802.1Q Table 9-2: VID 0 = priority tag only, 0xFFF reserved. */
#define VSW_VID_PRIORITY 0u
#define VSW_VID_RESERVED 0xFFFu
#define VSW_VID_MAX      4094u

#define VSW_IPPROTO_ICMP   1u
#define VSW_IPPROTO_UDP    17u
#define VSW_IPPROTO_ICMPV6 58u
#define VSW_IPPROTO_HOPOPT 0u
#define VSW_IPPROTO_ROUTING 43u
#define VSW_IPPROTO_FRAGMENT 44u
#define VSW_IPPROTO_DSTOPTS 60u

static inline uint16_t vsw_get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline void vsw_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* 802.1Q TCI accessors (clause 9.6). */
static inline uint16_t vsw_tci_vid(uint16_t tci) { return tci & 0x0FFFu; }
static inline uint8_t vsw_tci_pcp(uint16_t tci) { return (uint8_t)(tci >> 13); }
static inline uint16_t vsw_tci_make(uint8_t pcp, uint16_t vid)
{
	return (uint16_t)(((unsigned)pcp & 7u) << 13 | (vid & 0x0FFFu));
}

/* IEEE 802 clause 8.2: the I/G bit is the low bit of the first octet. */
static inline int vsw_mac_is_group(const uint8_t *mac) { return mac[0] & 1; }

/* IPv4 accessors (RFC 791 section 3.1). */
static inline unsigned vsw_ipv4_version(const struct vsw_ipv4_hdr *h)
{
	return h->ver_ihl >> 4;
}
static inline size_t vsw_ipv4_hdr_len(const struct vsw_ipv4_hdr *h)
{
	return (size_t)(h->ver_ihl & 0x0Fu) * 4u;
}
static inline uint16_t vsw_ipv4_frag_off(const struct vsw_ipv4_hdr *h)
{
	return vsw_get_be16(h->flags_frag) & 0x1FFFu;
}

/* IPv6 fragment offset (RFC 8200 section 4.5): upper 13 bits. */
static inline uint16_t vsw_ipv6_frag_off(const struct vsw_ipv6_frag_hdr *h)
{
	return vsw_get_be16(h->off_flags) >> 3;
}

#endif /* VSW_WIRE_H */
