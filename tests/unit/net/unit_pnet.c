/* unit_pnet.c: the parent's IP stack glue (partition/net/pnet.c) with lwIP
 * on a real internal switch (vswitch/), against a scripted station on a
 * VM port that builds and checks its frames by the RFCs itself: ARP
 * (RFC 826), ICMP echo both ways (RFC 792, checksums by RFC 1071),
 * addresses, the receive queue's bound, removal, lwIP's DHCP client
 * against the station as a DHCP server (RFC 2131, options RFC 2132), a
 * default gateway, and APIPA when no server answers (RFC 3927). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lwip/sys.h"
#include "partition/net/pnet.h"
#include "vswitch/vsw.h"

/* ---- what lwIP's port needs (the parent's is partition/net/pnet_sys.c) ---- */

static uint32_t fake_ms;

u32_t sys_now(void)
{
	return fake_ms;
}

void pnet_platform_assert(const char *msg, const char *file, int line)
{
	fprintf(stderr, "lwIP assertion %s at %s:%d\n", msg, file, line);
	abort();
}

uint32_t pnet_platform_rand(void)
{
	return (uint32_t)rand();
}

/* ---- the station: a VM port that records what it gets ---- */

#define ST_FRAMES 32
#define HOST_IP 0x0a000101u   /* 10.0.1.1 */
#define ST_IP   0x0a000102u   /* 10.0.1.2 */

static const uint8_t host_mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x0a, 0x01 };
static const uint8_t st_mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x0b, 0x02 };

struct frame {
	uint8_t b[1600];
	size_t len;
};

static struct {
	struct vsw *sw;
	struct vsw_port *port;
	struct pnet_if *nif;
	struct frame got[ST_FRAMES];
	int n;
} st;

static void st_deliver(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	if (st.n < ST_FRAMES && len <= sizeof(st.got[0].b)) {
		memcpy(st.got[st.n].b, f, len);
		st.got[st.n++].len = len;
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* RFC 1071: the ones' complement of the ones' complement sum. */
static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int st_send(uint8_t *f, size_t len)
{
	return vsw_port_send(st.port, f, len, 0);
}

static void eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, st_mac, 6);
	put16(f + 12, type);
}

/* RFC 826: an ARP packet for Ethernet and IPv4 from the station. */
static void st_arp(uint16_t op, const uint8_t *dst, const uint8_t *tha, uint32_t tpa)
{
	uint8_t f[60] = { 0 };

	eth(f, dst, 0x0806);
	put16(f + 14, 1);
	put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, op);
	memcpy(f + 22, st_mac, 6);
	put32(f + 28, ST_IP);
	memcpy(f + 32, tha, 6);
	put32(f + 38, tpa);
	assert_true(st_send(f, sizeof(f)) >= 0);
}

/* An IPv4 ICMP echo (type 8) or echo reply (0) from the station. */
static void st_icmp(uint8_t type, uint16_t id, uint16_t seq, const uint8_t *data, size_t n)
{
	uint8_t f[14 + 20 + 8 + 256] = { 0 };
	uint8_t *ip = f + 14, *ic = ip + 20;

	assert_true(n <= 256);
	eth(f, host_mac, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + n));
	ip[8] = 64;
	ip[9] = 1;
	put32(ip + 12, ST_IP);
	put32(ip + 16, HOST_IP);
	put16(ip + 10, csum(ip, 20));
	ic[0] = type;
	put16(ic + 4, id);
	put16(ic + 6, seq);
	memcpy(ic + 8, data, n);
	put16(ic + 2, csum(ic, 8 + n));
	assert_true(st_send(f, 14 + 20 + 8 + n) >= 0);
}

/* The parent's turn: its queue into lwIP, its answers into the switch. */
static void pump(void)
{
	pnet_poll();
}

static int setup(void **state)
{
	(void)state;
	struct vsw_port_config pc;

	memset(&st, 0, sizeof(st));
	assert_int_equal(vsw_create("S", VSW_TYPE_INTERNAL, NULL, &st.sw), 0);
	memset(&pc, 0, sizeof(pc));
	pc.kind = VSW_PORT_VM;
	memcpy(pc.mac, st_mac, 6);
	pc.deliver = st_deliver;
	assert_int_equal(vsw_port_add(st.sw, &pc, &st.port), 0);
	assert_int_equal(pnet_if_add(st.sw, "vEthernet (S)", host_mac, &st.nif), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pnet_if_remove(st.nif);
	vsw_destroy(st.sw);
	return 0;
}

/* ---- tests ---- */

static void test_addresses(void **state)
{
	uint32_t ip;
	unsigned prefix;
	char text[16];

	(void)state;
	assert_ptr_equal(pnet_if_find("VETHERNET (s)"), st.nif);
	assert_int_equal(pnet_if_index(st.nif), PNET_IFINDEX_BASE);
	assert_false(pnet_addr_get(st.nif, &ip, &prefix));
	assert_int_equal(pnet_addr_clear(st.nif), -ENOENT);
	assert_int_equal(pnet_addr_set(st.nif, 0x0a000100u, 24, 0), -EINVAL);  /* subnet's zero */
	assert_int_equal(pnet_addr_set(st.nif, 0x0a0001ffu, 24, 0), -EINVAL);  /* broadcast */
	assert_int_equal(pnet_addr_set(st.nif, 0xe0000001u, 8, 0), -EINVAL);   /* class D */
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 33, 0), -EINVAL);
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, 0), 0);
	assert_int_equal(pnet_addr_set(st.nif, ST_IP, 24, 0), -EEXIST);
	assert_true(pnet_addr_get(st.nif, &ip, &prefix));
	assert_int_equal(ip, HOST_IP);
	assert_int_equal(prefix, 24);
	assert_ptr_equal(pnet_route(0x0a0001feu), st.nif);
	assert_null(pnet_route(0x0a000201u));
	assert_int_equal(pnet_addr_clear(st.nif), 0);
	assert_null(pnet_route(ST_IP));
	pnet_ip_format(0xc0a80a01u, text);
	assert_string_equal(text, "192.168.10.1");
	assert_int_equal(pnet_ip_parse("10.0.1.254", &ip), 0);
	assert_int_equal(ip, 0x0a0001feu);
	assert_int_equal(pnet_ip_parse("10.0.1", &ip), -EINVAL);
	assert_int_equal(pnet_ip_parse("10.0.1.256", &ip), -EINVAL);
	assert_int_equal(pnet_ip_parse("10.0.1.1 ", &ip), -EINVAL);
	assert_int_equal(pnet_ip_parse("1000.0.1.1", &ip), -EINVAL);
}

/* The last frame the station got, of ethertype type, or NULL. */
static const struct frame *last_of(uint16_t type)
{
	for (int i = st.n - 1; i >= 0; i--)
		if (st.got[i].len >= 14 && get16(st.got[i].b + 12) == type)
			return &st.got[i];
	return NULL;
}

static void test_arp_and_echo_in(void **state)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	const struct frame *f;
	uint8_t data[40];
	const uint8_t *ip, *ic;

	(void)state;
	/* No address: an ARP request for 10.0.1.1 goes unanswered. */
	st_arp(1, bcast, zero, HOST_IP);
	pump();
	assert_null(last_of(0x0806));
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, 0), 0);
	st_arp(1, bcast, zero, HOST_IP);
	pump();
	f = last_of(0x0806);
	assert_non_null(f);
	assert_true(f->len >= 60);                    /* padded to Ethernet's minimum */
	assert_memory_equal(f->b, st_mac, 6);         /* to the station */
	assert_memory_equal(f->b + 6, host_mac, 6);
	assert_int_equal(get16(f->b + 20), 2);        /* a reply */
	assert_memory_equal(f->b + 22, host_mac, 6);  /* sender: the parent */
	assert_int_equal(get32(f->b + 28), HOST_IP);
	assert_int_equal(get32(f->b + 38), ST_IP);
	/* An echo request: the reply carries the same id, seq and data. */
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	st.n = 0;
	st_icmp(8, 0x1234, 7, data, sizeof(data));
	pump();
	f = last_of(0x0800);
	assert_non_null(f);
	ip = f->b + 14;
	ic = ip + 20;
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(csum(ip, 20), 0);
	assert_int_equal(ip[9], 1);
	assert_int_equal(ip[8], 128);                 /* Windows' default TTL */
	assert_int_equal(get32(ip + 12), HOST_IP);
	assert_int_equal(get32(ip + 16), ST_IP);
	assert_int_equal(get16(ip + 2), 20 + 8 + sizeof(data));
	assert_int_equal(ic[0], 0);
	assert_int_equal(csum(ic, 8 + sizeof(data)), 0);
	assert_int_equal(get16(ic + 4), 0x1234);
	assert_int_equal(get16(ic + 6), 7);
	assert_memory_equal(ic + 8, data, sizeof(data));
	pnet_addr_clear(st.nif);
}

static void test_ping_out(void **state)
{
	const struct frame *f;
	const uint8_t *ip, *ic;
	uint8_t data[32];
	uint16_t len;

	(void)state;
	assert_int_equal(pnet_ping_send(ST_IP, 1, 32, 80), -EHOSTUNREACH);  /* no address yet */
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, 0), 0);
	st.n = 0;
	assert_int_equal(pnet_ping_send(ST_IP, 1, 32, 80), 0);
	/* The station is not in the ARP cache of this fresh interface: a
	 * request for it first, the echo waits for the answer... */
	f = last_of(0x0806);
	assert_non_null(f);
	assert_null(last_of(0x0800));
	assert_int_equal(get16(f->b + 20), 1);
	assert_int_equal(get32(f->b + 38), ST_IP);
	st_arp(2, host_mac, host_mac, HOST_IP);
	pump();
	/* ...then the echo request: TTL 80, Windows' a..w data. */
	f = last_of(0x0800);
	assert_non_null(f);
	ip = f->b + 14;
	ic = ip + 20;
	assert_int_equal(ip[8], 80);
	assert_int_equal(csum(ip, 20), 0);
	len = get16(ip + 2);
	assert_int_equal(len, 20 + 8 + 32);
	assert_int_equal(ic[0], 8);
	assert_int_equal(csum(ic, 8 + 32), 0);
	assert_int_equal(get16(ic + 6), 1);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(ic[8 + i], 'a' + i % 23);
	memcpy(data, ic + 8, 32);
	assert_false(pnet_ping_reply(1));
	/* A reply with another identifier, or other data, is not ours. */
	st_icmp(0, (uint16_t)(get16(ic + 4) + 1), 1, data, 32);
	pump();
	assert_false(pnet_ping_reply(1));
	data[3] ^= 1;
	st_icmp(0, get16(ic + 4), 1, data, 32);
	pump();
	assert_false(pnet_ping_reply(1));
	data[3] ^= 1;
	st_icmp(0, get16(ic + 4), 1, data, 32);
	pump();
	assert_true(pnet_ping_reply(1));
	assert_false(pnet_ping_reply(2));
	pnet_ping_end();
	pnet_addr_clear(st.nif);
}

static void test_queue_bound_and_remove(void **state)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	struct pnet_if_stats s0, s1;
	struct vsw_port_stats ps;

	(void)state;
	pnet_if_stats(st.nif, &s0);
	for (int i = 0; i < PNET_RXQ_MAX + 6; i++)
		st_arp(1, bcast, zero, ST_IP + 5);
	assert_true(pnet_pending());
	pnet_if_stats(st.nif, &s1);
	assert_int_equal(s1.rx_frames - s0.rx_frames, PNET_RXQ_MAX);
	assert_int_equal(s1.rx_drops - s0.rx_drops, 6);
	pump();
	assert_false(pnet_pending());
	/* Removed with frames queued: freed (ASan checks), and the switch
	 * floods to the station's port alone. */
	st_arp(1, bcast, zero, ST_IP + 5);
	pnet_if_remove(st.nif);
	assert_false(pnet_pending());
	assert_null(pnet_if_find("vEthernet (S)"));
	assert_int_equal(st_send((uint8_t[60]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x15, 0x5d, 0, 0x0b, 2, 8, 6 }, 60), 0);
	vsw_port_get_stats(st.port, &ps);
	assert_true(ps.rx_frames > 0);
	/* Re-added for teardown. */
	assert_int_equal(pnet_if_add(st.sw, "vEthernet (S)", host_mac, &st.nif), 0);
}

/* ---- DHCP: the station as the server ---- */

#define DHCP_YIADDR 0x0a000132u   /* 10.0.1.50, what the station offers */
#define DHCP_ROUTER 0x0a0001feu
#define DHCP_LEASE  3600u
#define BOOTP_LEN   236u          /* RFC 2131 figure 1, up to the options */
#define DHCP_COOKIE 0x63825363u   /* RFC 2131 3: 99.130.83.99 */

/* The last DHCP message the parent sent (UDP 68 -> 67): its BOOTP part,
 * or NULL; *type gets option 53 (RFC 2132 9.6). */
static const uint8_t *last_dhcp(uint8_t *type)
{
	for (int i = st.n - 1; i >= 0; i--) {
		const struct frame *f = &st.got[i];
		const uint8_t *ip = f->b + 14, *b = ip + 28;

		if (f->len < 14 + 28 + BOOTP_LEN + 4 || get16(f->b + 12) != 0x0800 || ip[9] != 17 ||
		    get16(ip + 20) != 68 || get16(ip + 22) != 67 || get32(b + BOOTP_LEN) != DHCP_COOKIE)
			continue;
		for (size_t o = BOOTP_LEN + 4; b + o + 2 < f->b + f->len && b[o] != 255; o += 2u + b[o + 1])
			if (b[o] == 53)
				*type = b[o + 2];
		return b;
	}
	return NULL;
}

/* The station's reply of type (2 offer, 5 ack) to xid: to the parent's
 * MAC, from ST_IP port 67, yiaddr DHCP_YIADDR, with the server
 * identifier, lease, mask and router options. chaddr from mac. */
static void st_dhcp(uint8_t type, uint32_t xid, const uint8_t *mac)
{
	uint8_t f[14 + 28 + BOOTP_LEN + 64] = { 0 };
	uint8_t *ip = f + 14, *udp = ip + 20, *b = udp + 8, *o = b + BOOTP_LEN + 4;
	size_t blen;

	eth(f, host_mac, 0x0800);
	b[0] = 2;                 /* BOOTREPLY */
	b[1] = 1;                 /* Ethernet */
	b[2] = 6;
	put32(b + 4, xid);
	put32(b + 16, DHCP_YIADDR);
	put32(b + 20, ST_IP);     /* siaddr */
	memcpy(b + 28, mac, 6);
	put32(b + BOOTP_LEN, DHCP_COOKIE);
	*o++ = 53, *o++ = 1, *o++ = type;
	*o++ = 54, *o++ = 4, put32(o, ST_IP), o += 4;
	*o++ = 51, *o++ = 4, put32(o, DHCP_LEASE), o += 4;
	*o++ = 1, *o++ = 4, put32(o, 0xffffff00u), o += 4;
	*o++ = 3, *o++ = 4, put32(o, DHCP_ROUTER), o += 4;
	*o++ = 255;
	blen = (size_t)(o - b);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + blen));
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, ST_IP);
	put32(ip + 16, DHCP_YIADDR);
	put16(ip + 10, csum(ip, 20));
	put16(udp, 67);
	put16(udp + 2, 68);
	put16(udp + 4, (uint16_t)(8 + blen));   /* checksum 0: none (RFC 768) */
	assert_true(st_send(f, 14 + 28 + blen) >= 0);
}

/* Lets lwIP's timers run for ms (its DHCP fine timer is 500 ms). */
static void pass_ms(unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 100) {
		fake_ms += 100;
		pump();
	}
}

static void test_dhcp_lease(void **state)
{
	static const uint8_t other[6] = { 0x00, 0x15, 0x5d, 0x00, 0x0a, 0x99 };
	const uint8_t *b;
	uint8_t type = 0;
	struct pnet_lease lease;
	uint32_t ip, xid;
	unsigned prefix;

	(void)state;
	fake_ms += 100000;   /* the lease is dated from its ack, not from boot */
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, 0), 0);
	assert_int_equal(pnet_addr_origin(st.nif), PNET_ORIGIN_MANUAL);
	assert_false(pnet_dhcp_on(st.nif));
	st.n = 0;
	/* On: the static address goes, a DHCPDISCOVER is broadcast from
	 * 0.0.0.0 with the adapter's MAC as chaddr. */
	assert_int_equal(pnet_dhcp_set(st.nif, true), 0);
	assert_true(pnet_dhcp_on(st.nif));
	assert_false(pnet_addr_get(st.nif, &ip, &prefix));
	assert_int_equal(pnet_addr_origin(st.nif), PNET_ORIGIN_NONE);
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, 0), -EBUSY);
	b = last_dhcp(&type);
	assert_non_null(b);
	assert_int_equal(type, 1);
	assert_int_equal(b[0], 1);                     /* BOOTREQUEST */
	assert_memory_equal(b + 28, host_mac, 6);
	assert_memory_equal(st.got[st.n - 1].b, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(get32(b - 28 + 12), 0);       /* from 0.0.0.0 */
	xid = get32(b + 4);
	/* An offer for another transaction, or for another MAC, is not
	 * taken (RFC 2131 4.4.1: the client matches xid and chaddr). */
	st.n = 0;
	st_dhcp(2, xid + 1, host_mac);
	st_dhcp(2, xid, other);
	pump();
	assert_null(last_dhcp(&type));
	/* The offer: a DHCPREQUEST for it. */
	st_dhcp(2, xid, host_mac);
	pump();
	b = last_dhcp(&type);
	assert_non_null(b);
	assert_int_equal(type, 3);
	xid = get32(b + 4);
	assert_false(pnet_dhcp_lease(st.nif, &lease));
	/* The ack: after lwIP's ARP probe for the address goes unanswered
	 * (RFC 2131 4.4.1 "SHOULD" check), the lease is the adapter's. */
	st_dhcp(5, xid, host_mac);
	pump();
	pass_ms(1500);
	assert_true(pnet_addr_get(st.nif, &ip, &prefix));
	assert_int_equal(ip, DHCP_YIADDR);
	assert_int_equal(prefix, 24);
	assert_int_equal(pnet_addr_origin(st.nif), PNET_ORIGIN_DHCP);
	assert_ptr_equal(pnet_route(ST_IP), st.nif);
	assert_true(pnet_dhcp_lease(st.nif, &lease));
	assert_true(lease.left_s <= DHCP_LEASE && lease.left_s >= DHCP_LEASE - 2);
	assert_int_equal(lease.server, ST_IP);
	assert_int_equal(lease.router, DHCP_ROUTER);
	pass_ms(600 * 1000);
	assert_true(pnet_dhcp_lease(st.nif, &lease));
	assert_true(lease.left_s <= DHCP_LEASE - 600 && lease.left_s >= DHCP_LEASE - 602);
	/* A lease is not a static address: neither replaced nor cleared. */
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, 0), -EBUSY);
	assert_int_equal(pnet_addr_clear(st.nif), -EBUSY);
	/* Off: the lease is released (a DHCPRELEASE to the server, once ARP
	 * has its MAC: RFC 2131 4.4.6), the address gone. */
	st.n = 0;
	assert_int_equal(pnet_dhcp_set(st.nif, false), 0);
	assert_false(pnet_dhcp_on(st.nif));
	st_arp(2, host_mac, host_mac, DHCP_YIADDR);
	pump();
	b = last_dhcp(&type);
	assert_non_null(b);
	assert_int_equal(type, 7);
	assert_int_equal(get32(b + 12), DHCP_YIADDR);   /* ciaddr */
	assert_memory_equal(st.got[st.n - 1].b, st_mac, 6);
	assert_false(pnet_addr_get(st.nif, &ip, &prefix));
	assert_false(pnet_dhcp_lease(st.nif, &lease));
	assert_null(pnet_route(ST_IP));
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, 0), 0);
	/* On again (twice: no change), a new lease, then the interface
	 * removed while it holds it (teardown): the release goes out before
	 * the port does, and the client's state is freed (ASan). */
	assert_int_equal(pnet_dhcp_set(st.nif, true), 0);
	assert_int_equal(pnet_dhcp_set(st.nif, true), 0);
	assert_int_equal(pnet_addr_origin(st.nif), PNET_ORIGIN_NONE);
	b = last_dhcp(&type);
	assert_non_null(b);
	assert_int_equal(type, 1);
	st_dhcp(2, get32(b + 4), host_mac);
	pump();
	b = last_dhcp(&type);
	assert_int_equal(type, 3);
	st_dhcp(5, get32(b + 4), host_mac);
	pass_ms(1500);
	assert_int_equal(pnet_addr_origin(st.nif), PNET_ORIGIN_DHCP);
}

/* A static default gateway (New-NetIPAddress -DefaultGateway): an
 * off-link echo goes to the gateway's MAC (ARP asks for the gateway,
 * never for the destination), with the destination's IP; gateways not
 * on the subnet are refused. */
static void test_gateway(void **state)
{
	const struct frame *f;
	const uint32_t far = 0x08080808u;

	(void)state;
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, 0x0a000201u), -EDOM);  /* off the subnet */
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, HOST_IP), -EDOM);      /* itself */
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, 0x0a0001ffu), -EDOM);  /* broadcast */
	assert_false(pnet_gateway_check(HOST_IP, 24, 0x0a000100u));
	assert_true(pnet_gateway_check(HOST_IP, 24, ST_IP));
	assert_null(pnet_route(far));
	assert_int_equal(pnet_ping_send(far, 1, 32, 80), -EHOSTUNREACH);
	assert_int_equal(pnet_addr_set(st.nif, HOST_IP, 24, ST_IP), 0);
	assert_int_equal(pnet_gateway(st.nif), ST_IP);
	assert_ptr_equal(pnet_route(far), st.nif);
	st.n = 0;
	assert_int_equal(pnet_ping_send(far, 1, 32, 80), 0);
	f = last_of(0x0806);
	assert_non_null(f);
	assert_int_equal(get32(f->b + 38), ST_IP);   /* who has the gateway */
	assert_null(last_of(0x0800));
	st_arp(2, host_mac, host_mac, HOST_IP);
	pump();
	f = last_of(0x0800);
	assert_non_null(f);
	assert_memory_equal(f->b, st_mac, 6);
	assert_int_equal(get32(f->b + 14 + 16), far);
	pnet_ping_end();
	/* The address goes, and its gateway with it. */
	assert_int_equal(pnet_addr_clear(st.nif), 0);
	assert_int_equal(pnet_gateway(st.nif), 0);
	assert_null(pnet_route(far));
}

/* APIPA (RFC 3927): DHCP unanswered, after the third DISCOVER the
 * adapter probes a 169.254/16 address by ARP (sender IP 0.0.0.0, 2.2.1),
 * then takes it: PNET_ORIGIN_LINK, prefix 16, no gateway; the DHCP
 * client keeps asking, and turning it off takes the address away. */
static void test_apipa(void **state)
{
	uint32_t ip = 0, probed = 0;
	unsigned prefix = 0, probes = 0;

	(void)state;
	assert_int_equal(pnet_dhcp_set(st.nif, true), 0);
	for (unsigned t = 0; t < 30000 && pnet_addr_origin(st.nif) != PNET_ORIGIN_LINK; t += 100) {
		st.n = 0;
		pass_ms(100);
		for (int i = 0; i < st.n; i++) {
			const uint8_t *b = st.got[i].b;

			if (get16(b + 12) == 0x0806 && get16(b + 20) == 1 && get32(b + 28) == 0) {
				probes++;
				probed = get32(b + 38);
			}
		}
	}
	assert_int_equal(pnet_addr_origin(st.nif), PNET_ORIGIN_LINK);
	assert_true(pnet_addr_get(st.nif, &ip, &prefix));
	assert_int_equal(ip >> 16, 0xa9fe);
	assert_true((ip & 0xffff) >= 0x100 && (ip & 0xffff) < 0xff00);   /* 2.1: not .0.x, .255.x */
	assert_int_equal(prefix, 16);
	assert_int_equal(probed, ip);
	assert_true(probes >= 3);
	assert_int_equal(pnet_gateway(st.nif), 0);
	assert_ptr_equal(pnet_route(0xa9fe0102u), st.nif);
	assert_int_equal(pnet_addr_clear(st.nif), -EBUSY);
	assert_int_equal(pnet_dhcp_set(st.nif, false), 0);
	assert_false(pnet_addr_get(st.nif, &ip, &prefix));
	assert_int_equal(pnet_addr_origin(st.nif), PNET_ORIGIN_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_and_echo_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bound_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gateway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apipa, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
