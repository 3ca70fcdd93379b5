/* vsw_frame.c: Ethernet/802.1Q parsing and guard classification.
 *
 * Every read is bounds-checked against the frame length first; nothing here
 * trusts a length field inside the frame without checking it against the
 * bytes actually present.
 */
#include "vswitch/vsw_internal.h"

#include <errno.h>

/* RFC 2131 section 4.1: servers listen on 67, clients on 68; RFC 951
 * op 2 is BOOTREPLY. */
#define DHCP4_SERVER_PORT 67u
#define DHCP4_CLIENT_PORT 68u
#define BOOTP_OP_REPLY 2u
/* RFC 8415 section 7.2: clients listen on 546, servers/relays on 547. */
#define DHCP6_CLIENT_PORT 546u
#define DHCP6_SERVER_PORT 547u
/* RFC 4861 sections 4.2 and 4.5. */
#define ICMP6_ROUTER_ADVERT 134u
#define ICMP6_REDIRECT 137u
/* RFC 792 (redirect) and RFC 1256 (router advertisement). */
#define ICMP4_REDIRECT 5u
#define ICMP4_ROUTER_ADVERT 9u
#define IPPROTO_AH_ 51u
#define IPV6_MAX_EXT_HDRS 8
/* What an undeterminable IPv6 header chain counts as on guarded ports. */
#define CLASS_UNKNOWN (VSW_CLASS_DHCP_SERVER | VSW_CLASS_ROUTER)

int vsw_frame_parse(const uint8_t *frame, size_t len, uint32_t mtu,
		    struct vsw_frame_info *info)
{
	return vsw_parse_l2(frame, len, mtu, info);
}

/* RFC 2131 / RFC 8415: a DHCP server (or relay) message, as opposed to a
 * client's. Anything addressed to a client port is server traffic; from a
 * server port only BOOTREPLY / server message types are (relays forward
 * client requests server-port to server-port and must keep working). */
static unsigned class_udp(const uint8_t *p, size_t avail, bool v6)
{
	const struct vsw_udp_hdr *u = (const void *)p;
	uint16_t sport, dport;
	uint8_t msg;

	if (avail < sizeof(*u))
		return 0;
	sport = vsw_get_be16(u->sport);
	dport = vsw_get_be16(u->dport);
	avail -= sizeof(*u);
	msg = avail ? p[sizeof(*u)] : 0;
	if (!v6) {
		if (dport == DHCP4_CLIENT_PORT)
			return VSW_CLASS_DHCP_SERVER;
		if (sport == DHCP4_SERVER_PORT && (!avail || msg == BOOTP_OP_REPLY))
			return VSW_CLASS_DHCP_SERVER;
		return 0;
	}
	if (dport == DHCP6_CLIENT_PORT)
		return VSW_CLASS_DHCP_SERVER;
	/* RFC 8415 section 7.3: ADVERTISE 2, REPLY 7, RECONFIGURE 10,
	 * RELAY-REPL 13 come only from servers and relays. */
	if (sport == DHCP6_SERVER_PORT &&
	    (!avail || msg == 2 || msg == 7 || msg == 10 || msg == 13))
		return VSW_CLASS_DHCP_SERVER;
	return 0;
}

static unsigned class_ipv4(const uint8_t *p, size_t avail)
{
	const struct vsw_ipv4_hdr *h = (const void *)p;
	size_t hl;

	if (avail < sizeof(*h) || vsw_ipv4_version(h) != 4)
		return 0;
	hl = vsw_ipv4_hdr_len(h);
	if (hl < sizeof(*h) || hl > avail)
		return 0;
	/* RFC 791: only the first fragment carries the transport header. */
	if (vsw_ipv4_frag_off(h) != 0)
		return 0;
	p += hl;
	avail -= hl;
	if (h->proto == VSW_IPPROTO_UDP)
		return class_udp(p, avail, false);
	if (h->proto == VSW_IPPROTO_ICMP && avail >= 1 &&
	    (p[0] == ICMP4_REDIRECT || p[0] == ICMP4_ROUTER_ADVERT))
		return VSW_CLASS_ROUTER;
	return 0;
}

/* Walk the IPv6 extension header chain (RFC 8200 section 4). Returns the
 * upper-layer protocol and sets *off, or -1 when it cannot be found in
 * this frame, or -2 for a non-first fragment. */
static int ipv6_find_upper(const uint8_t *p, size_t avail, size_t *off)
{
	uint8_t nh = ((const struct vsw_ipv6_hdr *)(const void *)p)->next_hdr;
	size_t o = sizeof(struct vsw_ipv6_hdr);

	for (int i = 0; i <= IPV6_MAX_EXT_HDRS; i++) {
		size_t hl;

		if (nh == VSW_IPPROTO_FRAGMENT) {
			const struct vsw_ipv6_frag_hdr *f = (const void *)(p + o);

			if (avail - o < sizeof(*f))
				return -1;
			if (vsw_ipv6_frag_off(f) != 0)
				return -2;
			nh = f->next_hdr;
			o += sizeof(*f);
			continue;
		}
		if (nh != VSW_IPPROTO_HOPOPT && nh != VSW_IPPROTO_ROUTING &&
		    nh != VSW_IPPROTO_DSTOPTS && nh != IPPROTO_AH_) {
			*off = o;
			return nh;
		}
		if (avail - o < sizeof(struct vsw_ipv6_ext_hdr))
			return -1;
		/* RFC 4302 2.2: AH counts 4-octet units minus 2; the others
		 * count 8-octet units past the first 8 (RFC 8200 4.3). */
		hl = nh == IPPROTO_AH_ ? ((size_t)p[o + 1] + 2) * 4
				       : ((size_t)p[o + 1] + 1) * 8;
		if (hl > avail - o)
			return -1;
		nh = p[o];
		o += hl;
	}
	return -1;
}

static unsigned class_ipv6(const uint8_t *p, size_t avail)
{
	size_t off = 0;
	int nh;

	if (avail < sizeof(struct vsw_ipv6_hdr) || (p[0] >> 4) != 6)
		return 0;
	nh = ipv6_find_upper(p, avail, &off);
	/* RFC 7113 section 3 (RA-Guard) and RFC 7610 section 5 (DHCPv6
	 * Shield): a packet whose upper-layer header cannot be found is
	 * dropped on guarded ports; a non-first fragment carries none. */
	if (nh == -1)
		return CLASS_UNKNOWN;
	if (nh == -2)
		return 0;
	if (nh == VSW_IPPROTO_UDP)
		return class_udp(p + off, avail - off, true);
	if (nh == VSW_IPPROTO_ICMPV6 && avail - off >= 1 &&
	    (p[off] == ICMP6_ROUTER_ADVERT || p[off] == ICMP6_REDIRECT))
		return VSW_CLASS_ROUTER;
	return 0;
}

unsigned vsw_frame_classify(const uint8_t *frame, size_t len,
			    const struct vsw_frame_info *info)
{
	if (info->l3_off > len)
		return 0;
	if (info->ethertype == VSW_ETHERTYPE_IPV4)
		return class_ipv4(frame + info->l3_off, len - info->l3_off);
	if (info->ethertype == VSW_ETHERTYPE_IPV6)
		return class_ipv6(frame + info->l3_off, len - info->l3_off);
	return 0;
}
