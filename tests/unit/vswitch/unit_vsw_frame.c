/* unit_vsw_frame.c: the frame parser, the DHCP guard and the router guard
 * (classification and their effect on a switch port). */
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/vsw_wire.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t src_mac[6] = { 0x02, 0, 0, 0, 0, 1 };

static void test_parse(void **state)
{
	uint8_t f[64] = { 0 };
	struct vsw_frame_info fi;

	(void)state;
	vswt_build_frame(f, bcast, src_mac, 123, 3, 0x86DD, NULL, 0);
	assert_int_equal(vsw_frame_parse(f, 60, 1500, &fi), 0);
	assert_true(fi.tagged);
	assert_int_equal(fi.vid, 123);
	assert_int_equal(fi.pcp, 3);
	assert_int_equal(fi.ethertype, 0x86DD);
	assert_int_equal(fi.l3_off, 18);
	vswt_build_frame(f, bcast, src_mac, VSWT_UNTAGGED, 0, 0x0806, NULL, 0);
	assert_int_equal(vsw_frame_parse(f, 14, 1500, &fi), 0);
	assert_false(fi.tagged);
	assert_int_equal(fi.vid, 0);
	assert_int_equal(fi.ethertype, 0x0806);
	assert_int_equal(fi.l3_off, 14);
	assert_int_equal(vsw_frame_parse(f, 13, 1500, &fi), -EBADMSG);
	assert_int_equal(fi.why, VSW_DROP_RUNT);
	assert_int_equal(vsw_frame_parse(f, 61, 46, &fi), -EBADMSG);
	assert_int_equal(fi.why, VSW_DROP_OVERSIZE);
	vswt_build_frame(f, bcast, src_mac, 0xFFF, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_frame_parse(f, 60, 1500, &fi), -EBADMSG);
	assert_int_equal(fi.why, VSW_DROP_BAD_TAG);
	/* Stacked C-tags (double-tagging VLAN hopping): refused. */
	vswt_build_frame(f, bcast, src_mac, 10, 0, VSW_ETHERTYPE_VLAN, NULL, 0);
	assert_int_equal(vsw_frame_parse(f, 60, 1500, &fi), -EBADMSG);
	assert_int_equal(fi.why, VSW_DROP_BAD_TAG);
	vswt_build_frame(f, bcast, src_mac, 0xFFF, 0, 0x0800, NULL, 0);
	for (size_t n = 14; n < 18; n++) {
		assert_int_equal(vsw_frame_parse(f, n, 1500, &fi), -EBADMSG);
		assert_int_equal(fi.why, VSW_DROP_BAD_TAG);
	}
}

/* Build an Ethernet frame around an L3 packet; returns frame length. */
static size_t mk(uint8_t *f, uint16_t type, const uint8_t *l3, size_t n, int vid)
{
	return vswt_build_frame(f, bcast, src_mac, vid, 0, type, l3, n);
}

static unsigned classify(const uint8_t *f, size_t len)
{
	struct vsw_frame_info fi;

	assert_int_equal(vsw_frame_parse(f, len, 1500, &fi), 0);
	return vsw_frame_classify(f, len, &fi);
}

/* RFC 2131: server replies (op 2, port 67 -> 68) are server traffic;
 * client requests and relayed requests (op 1) are not. */
static void test_classify_dhcp4(void **state)
{
	uint8_t l3[400], f[500], bootp[240] = { 0 };
	size_t n, len;

	(void)state;
	bootp[0] = 2; /* BOOTREPLY */
	n = vswt_build_udp4(l3, 67, 68, bootp, sizeof(bootp));
	len = mk(f, 0x0800, l3, n, VSWT_UNTAGGED);
	assert_int_equal(classify(f, len), VSW_CLASS_DHCP_SERVER);
	len = mk(f, 0x0800, l3, n, 7); /* behind a tag too */
	assert_int_equal(classify(f, len), VSW_CLASS_DHCP_SERVER);
	n = vswt_build_udp4(l3, 67, 67, bootp, sizeof(bootp)); /* relay reply */
	assert_int_equal(classify(f, mk(f, 0x0800, l3, n, -1)), VSW_CLASS_DHCP_SERVER);
	bootp[0] = 1; /* BOOTREQUEST */
	n = vswt_build_udp4(l3, 68, 67, bootp, sizeof(bootp));
	assert_int_equal(classify(f, mk(f, 0x0800, l3, n, -1)), 0);
	n = vswt_build_udp4(l3, 67, 67, bootp, sizeof(bootp)); /* relay request */
	assert_int_equal(classify(f, mk(f, 0x0800, l3, n, -1)), 0);
	/* A non-first fragment has no UDP header to judge. */
	bootp[0] = 2;
	n = vswt_build_udp4(l3, 67, 68, bootp, sizeof(bootp));
	l3[7] = 10;
	assert_int_equal(classify(f, mk(f, 0x0800, l3, n, -1)), 0);
	/* Header length past the end of the frame: not DHCP, no overread. */
	l3[7] = 0;
	l3[0] = 0x4F;
	assert_int_equal(classify(f, mk(f, 0x0800, l3, 30, -1)), 0);
}

/* RFC 8415: ADVERTISE (2) / REPLY (7) from port 547 are server messages. */
static void test_classify_dhcp6(void **state)
{
	uint8_t udp[16] = { 0 }, l3[100], f[200];
	size_t n;

	(void)state;
	vsw_put_be16(udp, 547);
	vsw_put_be16(udp + 2, 546);
	udp[8] = 2;
	n = vswt_build_ipv6(l3, VSW_IPPROTO_UDP, udp, sizeof(udp));
	assert_int_equal(classify(f, mk(f, 0x86DD, l3, n, -1)), VSW_CLASS_DHCP_SERVER);
	vsw_put_be16(udp, 546);
	vsw_put_be16(udp + 2, 547);
	udp[8] = 1; /* SOLICIT */
	n = vswt_build_ipv6(l3, VSW_IPPROTO_UDP, udp, sizeof(udp));
	assert_int_equal(classify(f, mk(f, 0x86DD, l3, n, -1)), 0);
}

/* RFC 4861: RA (134) and redirect (137) are router messages, also behind
 * extension headers; an unparseable chain counts as both (RFC 7113). */
static void test_classify_router(void **state)
{
	uint8_t pl[64] = { 0 }, l3[200], f[300], ip4[40] = { 0 };
	size_t n;

	(void)state;
	pl[0] = 134;
	n = vswt_build_ipv6(l3, VSW_IPPROTO_ICMPV6, pl, 16);
	assert_int_equal(classify(f, mk(f, 0x86DD, l3, n, -1)), VSW_CLASS_ROUTER);
	pl[0] = 135; /* neighbour solicitation: fine */
	n = vswt_build_ipv6(l3, VSW_IPPROTO_ICMPV6, pl, 16);
	assert_int_equal(classify(f, mk(f, 0x86DD, l3, n, -1)), 0);
	/* Hop-by-hop (8 bytes) + destination options (16 bytes) + redirect. */
	memset(pl, 0, sizeof(pl));
	pl[0] = VSW_IPPROTO_DSTOPTS;
	pl[1] = 0;
	pl[8] = VSW_IPPROTO_ICMPV6;
	pl[9] = 1;
	pl[24] = 137;
	n = vswt_build_ipv6(l3, VSW_IPPROTO_HOPOPT, pl, 32);
	assert_int_equal(classify(f, mk(f, 0x86DD, l3, n, -1)), VSW_CLASS_ROUTER);
	/* Same chain cut short: the upper layer cannot be found. */
	assert_int_equal(classify(f, mk(f, 0x86DD, l3, 40 + 12, -1)),
			 VSW_CLASS_ROUTER | VSW_CLASS_DHCP_SERVER);
	/* First fragment holding the RA: caught; later fragment: passes. */
	memset(pl, 0, sizeof(pl));
	pl[0] = VSW_IPPROTO_ICMPV6;
	pl[8] = 134;
	n = vswt_build_ipv6(l3, VSW_IPPROTO_FRAGMENT, pl, 24);
	assert_int_equal(classify(f, mk(f, 0x86DD, l3, n, -1)), VSW_CLASS_ROUTER);
	vsw_put_be16(l3 + 42, 8 << 3);
	assert_int_equal(classify(f, mk(f, 0x86DD, l3, n, -1)), 0);
	/* IPv4 ICMP redirect (RFC 792 type 5). */
	ip4[0] = 0x45;
	ip4[9] = VSW_IPPROTO_ICMP;
	ip4[20] = 5;
	assert_int_equal(classify(f, mk(f, 0x0800, ip4, 28, -1)), VSW_CLASS_ROUTER);
	ip4[20] = 8; /* echo request */
	assert_int_equal(classify(f, mk(f, 0x0800, ip4, 28, -1)), 0);
}

/* The guards on a port: server messages and RAs dropped and counted only
 * where the guard is on. */
static void test_guards_on_ports(void **state)
{
	struct vsw *sw;
	struct vsw_port *guarded, *open, *peer;
	struct vswt_sink sg = { 0 }, so = { 0 }, sp = { 0 };
	struct vsw_port_config pc;
	struct vsw_port_stats ps;
	uint8_t m1[6], m2[6], m3[6], bootp[240] = { 0 }, l3[300], f[400], pl[16] = { 0 };
	size_t n, len;

	(void)state;
	assert_int_equal(vsw_create("g", VSW_TYPE_INTERNAL, NULL, &sw), 0);
	vswt_make_mac(m1, 1);
	vswt_make_mac(m2, 2);
	vswt_make_mac(m3, 3);
	pc = vswt_port_config_vm(m1, 0, &sg);
	pc.flags = VSW_PORT_DHCP_GUARD | VSW_PORT_ROUTER_GUARD;
	assert_int_equal(vsw_port_add(sw, &pc, &guarded), 0);
	pc = vswt_port_config_vm(m2, 0, &so);
	pc.kind = VSW_PORT_HOST; /* the management OS runs the real DHCP */
	assert_int_equal(vsw_port_add(sw, &pc, &open), 0);
	pc = vswt_port_config_vm(m3, 0, &sp);
	assert_int_equal(vsw_port_add(sw, &pc, &peer), 0);
	bootp[0] = 2;
	n = vswt_build_udp4(l3, 67, 68, bootp, sizeof(bootp));
	len = vswt_build_frame(f, bcast, m1, -1, 0, 0x0800, l3, n);
	assert_int_equal(vsw_port_send(guarded, f, len, 0), -EPERM);
	len = vswt_build_frame(f, bcast, m2, -1, 0, 0x0800, l3, n);
	assert_int_equal(vsw_port_send(open, f, len, 0), 2);
	bootp[0] = 1;
	n = vswt_build_udp4(l3, 68, 67, bootp, sizeof(bootp));
	len = vswt_build_frame(f, bcast, m1, -1, 0, 0x0800, l3, n);
	assert_int_equal(vsw_port_send(guarded, f, len, 0), 2);
	pl[0] = 134;
	n = vswt_build_ipv6(l3, VSW_IPPROTO_ICMPV6, pl, sizeof(pl));
	len = vswt_build_frame(f, bcast, m1, -1, 0, 0x86DD, l3, n);
	assert_int_equal(vsw_port_send(guarded, f, len, 0), -EPERM);
	len = vswt_build_frame(f, bcast, m3, -1, 0, 0x86DD, l3, n);
	assert_int_equal(vsw_port_send(peer, f, len, 0), 2);
	vsw_port_get_stats(guarded, &ps);
	assert_int_equal(ps.drops[VSW_DROP_DHCP_GUARD], 1);
	assert_int_equal(ps.drops[VSW_DROP_ROUTER_GUARD], 1);
	assert_int_equal(ps.rx_frames, 3);
	assert_int_equal(sp.count, 2); /* the open OFFER and the client request */
	vsw_destroy(sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_classify_dhcp4),
		cmocka_unit_test(test_classify_dhcp6),
		cmocka_unit_test(test_classify_router),
		cmocka_unit_test(test_guards_on_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
