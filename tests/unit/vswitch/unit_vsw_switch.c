/* unit_vsw_switch.c: switch types, ports, MAC pool, learning, aging,
 * eviction, flooding, bursts, counters, VLANs, spoofing guard. */
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/vsw_wire.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#define NP 6

static uint64_t fake_now;
static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

struct net {
	struct vsw *sw;
	struct vsw_port *p[NP];
	struct vswt_sink s[NP];
	uint8_t mac[NP][6];
};

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

/* n VM ports on a private switch, all in the untagged network. */
static void net_up(struct net *n, int np, const struct vsw_config *cfg)
{
	memset(n, 0, sizeof(*n));
	assert_int_equal(vsw_create("sw", VSW_TYPE_PRIVATE, cfg, &n->sw), 0);
	for (int i = 0; i < np; i++) {
		struct vsw_port_config pc;

		vswt_make_mac(n->mac[i], (unsigned)i + 1);
		n->s[i].id = i;
		pc = vswt_port_config_vm(n->mac[i], 0, &n->s[i]);
		assert_int_equal(vsw_port_add(n->sw, &pc, &n->p[i]), 0);
	}
}

static void net_reset_counts(struct net *n)
{
	for (int i = 0; i < NP; i++)
		n->s[i].count = 0;
}

/* Send a 64-byte untagged frame from port i. */
static int net_send(struct net *n, int i, const uint8_t dst[6])
{
	uint8_t buf[64 + VSW_HEADROOM], pl[46];

	vswt_fill_payload(pl, sizeof(pl), (unsigned)i);
	vswt_build_frame(buf + VSW_HEADROOM, dst, n->mac[i], VSWT_UNTAGGED, 0,
			 0x0800, pl, sizeof(pl));
	return vsw_port_send(n->p[i], buf + VSW_HEADROOM, 60, VSW_HEADROOM);
}

static void test_create_args(void **state)
{
	struct vsw *sw = NULL;
	struct vsw_config c = { 0 };
	char longname[VSW_NAME_MAX + 1];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[VSW_NAME_MAX] = 0;
	assert_int_equal(vsw_create(NULL, VSW_TYPE_PRIVATE, NULL, &sw), -EINVAL);
	assert_int_equal(vsw_create("", VSW_TYPE_PRIVATE, NULL, &sw), -EINVAL);
	assert_int_equal(vsw_create(longname, VSW_TYPE_PRIVATE, NULL, &sw), -EINVAL);
	assert_int_equal(vsw_create("x", (enum vsw_type)7, NULL, &sw), -EINVAL);
	c.mtu = 20;
	assert_int_equal(vsw_create("x", VSW_TYPE_PRIVATE, &c, &sw), -EINVAL);
	c.mtu = 0;
	c.max_ports = 5000;
	assert_int_equal(vsw_create("x", VSW_TYPE_PRIVATE, &c, &sw), -EINVAL);
	c.max_ports = 0;
	c.mac_table_size = 100;
	assert_int_equal(vsw_create("Ext", VSW_TYPE_EXTERNAL, &c, &sw), 0);
	assert_string_equal(vsw_get_name(sw), "Ext");
	assert_int_equal(vsw_get_type(sw), VSW_TYPE_EXTERNAL);
	struct vsw_stats st;
	vsw_get_stats(sw, &st);
	assert_int_equal(st.mac_capacity, 128); /* rounded up, 4-way sets */

	vsw_destroy(sw);
}

static int add_kind(struct vsw *sw, enum vsw_port_kind k, unsigned macn,
		    struct vsw_port **out)
{
	static struct vswt_sink sink;
	struct vsw_port_config pc;
	uint8_t mac[6];

	vswt_make_mac(mac, macn);
	pc = vswt_port_config_vm(mac, 0, &sink);
	pc.kind = k;
	return vsw_port_add(sw, &pc, out);
}

/* Hyper-V network types: which port kinds each accepts. */
static void test_switch_types(void **state)
{
	struct vsw *priv, *intl, *ext;
	struct vsw_port *p, *host, *x;

	(void)state;
	assert_int_equal(vsw_create("p", VSW_TYPE_PRIVATE, NULL, &priv), 0);
	assert_int_equal(vsw_create("i", VSW_TYPE_INTERNAL, NULL, &intl), 0);
	assert_int_equal(vsw_create("e", VSW_TYPE_EXTERNAL, NULL, &ext), 0);
	assert_int_equal(add_kind(priv, VSW_PORT_VM, 1, &p), 0);
	assert_int_equal(add_kind(priv, VSW_PORT_HOST, 2, &p), -EPERM);
	assert_int_equal(add_kind(priv, VSW_PORT_EXTERNAL, 3, &p), -EPERM);
	assert_int_equal(add_kind(intl, VSW_PORT_HOST, 2, &host), 0);
	assert_int_equal(add_kind(intl, VSW_PORT_HOST, 4, &p), -EEXIST);
	assert_int_equal(add_kind(intl, VSW_PORT_EXTERNAL, 3, &p), -EPERM);
	assert_int_equal(vsw_set_mgmt_share(intl, true), -EINVAL);
	/* External: host port only while the adapter is shared. */
	assert_int_equal(add_kind(ext, VSW_PORT_EXTERNAL, 3, &x), 0);
	assert_int_equal(add_kind(ext, VSW_PORT_EXTERNAL, 5, &p), -EEXIST);
	assert_int_equal(add_kind(ext, VSW_PORT_HOST, 2, &host), -EPERM);
	assert_int_equal(vsw_set_mgmt_share(ext, true), 0);
	assert_int_equal(add_kind(ext, VSW_PORT_HOST, 2, &host), 0);
	assert_int_equal(vsw_set_mgmt_share(ext, false), -EBUSY);
	assert_int_equal(vsw_port_remove(host), 0);
	assert_int_equal(vsw_set_mgmt_share(ext, false), 0);
	assert_int_equal(add_kind(ext, VSW_PORT_HOST, 2, &host), -EPERM);
	vsw_destroy(priv);
	vsw_destroy(intl);
	vsw_destroy(ext);
}

static void test_port_args(void **state)
{
	struct net n;
	struct vsw_port_config pc;
	struct vsw_port *p;
	uint8_t mac[6];
	uint16_t bad_allowed[] = { 10, 4095 };

	(void)state;
	net_up(&n, 2, NULL);
	vswt_make_mac(mac, 99);
	pc = vswt_port_config_vm(n.mac[0], 0, &n.s[5]);
	assert_int_equal(vsw_port_add(n.sw, &pc, &p), -EEXIST); /* dup MAC */
	pc = vswt_port_config_vm(mcast, 0, &n.s[5]);
	assert_int_equal(vsw_port_add(n.sw, &pc, &p), -EINVAL);
	memset(mac, 0, 6);
	pc = vswt_port_config_vm(mac, 0, &n.s[5]);
	assert_int_equal(vsw_port_add(n.sw, &pc, &p), -EINVAL);
	vswt_make_mac(mac, 99);
	pc = vswt_port_config_vm(mac, 4095, &n.s[5]);
	assert_int_equal(vsw_port_add(n.sw, &pc, &p), -EINVAL);
	pc = vswt_port_config_vm(mac, 0, &n.s[5]);
	pc.vlan_mode = VSW_VLAN_TRUNK;
	pc.allowed_vlans = bad_allowed;
	pc.n_allowed = 2;
	assert_int_equal(vsw_port_add(n.sw, &pc, &p), -EINVAL);
	pc = vswt_port_config_vm(mac, 0, &n.s[5]);
	pc.deliver = NULL;
	assert_int_equal(vsw_port_add(n.sw, &pc, &p), -EINVAL);
	pc = vswt_port_config_vm(mac, 0, &n.s[5]);
	pc.flags = 0x80;
	assert_int_equal(vsw_port_add(n.sw, &pc, &p), -EINVAL);
	pc = vswt_port_config_vm(mac, 0, &n.s[5]);
	pc.mac_mode = VSW_MAC_DYNAMIC; /* no pool configured */
	assert_int_equal(vsw_port_add(n.sw, &pc, &p), -EINVAL);
	assert_int_equal(vsw_port_remove(NULL), -EINVAL);
	assert_int_equal(vsw_port_send(NULL, mac, 6, 0), -EINVAL);
	vsw_destroy(n.sw);
}

static void test_port_limit(void **state)
{
	struct vsw_config c = { .max_ports = 2 };
	struct vsw *sw;
	struct vsw_port *a, *b, *x;

	(void)state;
	assert_int_equal(vsw_create("s", VSW_TYPE_PRIVATE, &c, &sw), 0);
	assert_int_equal(add_kind(sw, VSW_PORT_VM, 1, &a), 0);
	assert_int_equal(add_kind(sw, VSW_PORT_VM, 2, &b), 0);
	assert_int_equal(add_kind(sw, VSW_PORT_VM, 3, &x), -ENOSPC);
	assert_int_equal(vsw_port_remove(a), 0);
	assert_int_equal(add_kind(sw, VSW_PORT_VM, 3, &x), 0);
	vsw_destroy(sw);
}

/* Hyper-V's dynamic MAC range under 00:15:5D. */
static void test_mac_pool(void **state)
{
	struct vsw_macpool pool;
	struct vsw_config c = { .pool = &pool };
	struct vsw *sw;
	struct vsw_port *p[3];
	struct vswt_sink sink;
	struct vsw_port_config pc;
	uint8_t mac[6], m0[6] = { 0 };

	(void)state;
	assert_int_equal(vsw_macpool_init(&pool, 0xC0, 0xA8, 0x10, 0x11), 0);
	assert_int_equal(vsw_macpool_init(&pool, 0, 0, 5, 4), -EINVAL);
	assert_int_equal(vsw_macpool_init(&pool, 0xC0, 0xA8, 0x10, 0x11), 0);
	assert_int_equal(vsw_create("s", VSW_TYPE_PRIVATE, &c, &sw), 0);
	pc = vswt_port_config_vm(m0, 0, &sink);
	pc.mac_mode = VSW_MAC_DYNAMIC;
	assert_int_equal(vsw_port_add(sw, &pc, &p[0]), 0);
	assert_int_equal(vsw_port_add(sw, &pc, &p[1]), 0);
	assert_int_equal(vsw_port_add(sw, &pc, &p[2]), -ENOSPC);
	vsw_port_get_mac(p[0], mac);
	assert_memory_equal(mac, ((uint8_t[]){ 0x00, 0x15, 0x5D, 0xC0, 0xA8, 0x10 }), 6);
	vsw_port_get_mac(p[1], mac);
	assert_int_equal(mac[5], 0x11);
	/* Removing a port gives its address back to the pool. */
	assert_int_equal(vsw_port_remove(p[0]), 0);
	assert_int_equal(vsw_port_add(sw, &pc, &p[2]), 0);
	vsw_port_get_mac(p[2], mac);
	assert_int_equal(mac[5], 0x10);
	assert_int_equal(vsw_macpool_release(&pool, m0), -ENOENT);
	vsw_destroy(sw);
	/* vsw_destroy released both addresses too. */
	assert_int_equal(vsw_macpool_alloc(&pool, mac), 0);
	assert_int_equal(mac[5], 0x10);
}

/* Learning: unknown unicast floods, the answer goes straight back. */
static void test_learning(void **state)
{
	struct net n;
	struct vsw_stats st;

	(void)state;
	net_up(&n, 4, NULL);
	assert_int_equal(net_send(&n, 0, n.mac[1]), 3); /* flood */
	assert_int_equal(n.s[0].count, 0);
	assert_int_equal(n.s[1].count + n.s[2].count + n.s[3].count, 3);
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 1, n.mac[0]), 1); /* 0 was learned */
	assert_int_equal(n.s[0].count, 1);
	assert_int_equal(n.s[2].count + n.s[3].count, 0);
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 0, n.mac[1]), 1); /* 1 was learned */
	assert_int_equal(n.s[1].count, 1);
	assert_int_equal(n.s[0].count + n.s[2].count + n.s[3].count, 0);
	vsw_get_stats(n.sw, &st);
	assert_int_equal(st.mac_entries, 2);
	assert_int_equal(st.mac_learned, 2);
	assert_int_equal(st.flooded, 1);
	assert_int_equal(st.forwarded, 2);
	vsw_destroy(n.sw);
}

/* Broadcast and multicast reach everyone but the sender, even when the
 * group address were somehow "learned"; a frame to the sender's own MAC
 * goes nowhere. */
static void test_flooding(void **state)
{
	struct net n;
	struct vsw_port_stats ps;

	(void)state;
	net_up(&n, 5, NULL);
	assert_int_equal(net_send(&n, 2, bcast), 4);
	assert_int_equal(n.s[2].count, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(n.s[i].count, i == 2 ? 0 : 1);
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 3, mcast), 4);
	assert_int_equal(n.s[3].count, 0);
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 2, n.mac[2]), 0); /* own MAC, learned */
	for (int i = 0; i < 5; i++)
		assert_int_equal(n.s[i].count, 0);
	vsw_port_get_stats(n.p[2], &ps);
	assert_int_equal(ps.drops[VSW_DROP_LOCAL], 1);
	vsw_destroy(n.sw);
}

static unsigned flushes[NP], at_flush[NP];

static void on_flush(void *ctx)
{
	struct vswt_sink *s = ctx;

	flushes[s->id]++;
	at_flush[s->id] = s->count;
}

/* Ports with a flush callback hear it after each send, or once when a
 * burst ends (the last of nested ones); a port removed while queued
 * hears nothing; a port without one is unaffected. */
static void test_bursts(void **state)
{
	struct net n;

	(void)state;
	net_up(&n, 0, NULL);
	memset(flushes, 0, sizeof(flushes));
	for (int i = 0; i < 4; i++) {
		struct vsw_port_config pc;

		vswt_make_mac(n.mac[i], (unsigned)i + 1);
		n.s[i].id = i;
		pc = vswt_port_config_vm(n.mac[i], 0, &n.s[i]);
		pc.flush = i < 3 ? on_flush : NULL;
		assert_int_equal(vsw_port_add(n.sw, &pc, &n.p[i]), 0);
	}
	assert_int_equal(net_send(&n, 0, bcast), 3);
	assert_int_equal(flushes[0], 0);
	assert_int_equal(flushes[1], 1);
	assert_int_equal(at_flush[1], 1);
	vsw_burst_begin(n.p[0]);
	for (int k = 0; k < 3; k++)
		assert_int_equal(net_send(&n, 0, bcast), 3);
	assert_int_equal(flushes[1] + flushes[2], 2);
	vsw_burst_begin(n.p[1]);
	vsw_burst_end(n.p[0]);
	assert_int_equal(flushes[1], 1);
	vsw_burst_end(n.p[1]);
	assert_int_equal(flushes[1], 2);
	assert_int_equal(flushes[2], 2);
	assert_int_equal(at_flush[1], 4);
	assert_int_equal(flushes[0], 0);
	vsw_burst_begin(n.p[0]);
	assert_int_equal(net_send(&n, 0, bcast), 3);
	assert_int_equal(vsw_port_remove(n.p[2]), 0);
	vsw_burst_end(n.p[0]);
	assert_int_equal(flushes[1], 3);
	assert_int_equal(flushes[2], 2);
	vsw_burst_end(n.p[0]);  /* unbalanced: ignored */
	assert_int_equal(net_send(&n, 3, bcast), 2);
	assert_int_equal(flushes[1], 4);
	vsw_destroy(n.sw);
}

static void test_aging(void **state)
{
	struct vsw_config c = { .aging_ms = 10000, .ops.now_ms = fake_clock };
	struct vsw_stats st;
	struct net n;

	(void)state;
	fake_now = 1000000;
	net_up(&n, 3, &c);
	net_send(&n, 0, bcast);               /* learn port 0 */
	fake_now += 9984;                      /* just inside the ageing time */
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 1, n.mac[0]), 1);
	fake_now += 10240 + 512;               /* port 0 silent too long */
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 1, n.mac[0]), 2); /* flooded again */
	vsw_get_stats(n.sw, &st);
	assert_int_equal(st.mac_aged, 1);
	assert_int_equal(st.mac_entries, 1);  /* only port 1 now */
	/* Periodic ageing removes silent entries without any lookup. */
	fake_now += 20000;
	vsw_age_macs(n.sw);
	vsw_get_stats(n.sw, &st);
	assert_int_equal(st.mac_entries, 0);
	assert_int_equal(st.mac_aged, 2);
	vsw_destroy(n.sw);
}

/* A bounded table: 8 entries (two sets of four). Twenty stations fill it;
 * each full set evicts its idlest entry, so the table stays at 8, the
 * first station is gone and the latest is still known. */
static void test_eviction(void **state)
{
	struct vsw_config c = { .mac_table_size = 8, .ops.now_ms = fake_clock };
	struct vsw *sw;
	struct vsw_port *ext, *vm;
	struct vswt_sink se = { 0 }, sv = { 0 };
	struct vsw_port_config pc;
	struct vsw_stats st;
	uint8_t buf[64], mac[6], vmmac[6];

	(void)state;
	fake_now = 0;
	assert_int_equal(vsw_create("e", VSW_TYPE_EXTERNAL, &c, &sw), 0);
	vswt_make_mac(mac, 0);
	pc = vswt_port_config_vm(mac, 0, &se);
	pc.kind = VSW_PORT_EXTERNAL;
	assert_int_equal(vsw_port_add(sw, &pc, &ext), 0);
	vswt_make_mac(vmmac, 1000);
	pc = vswt_port_config_vm(vmmac, 0, &sv);
	assert_int_equal(vsw_port_add(sw, &pc, &vm), 0);
	for (unsigned i = 1; i <= 20; i++) {
		fake_now += 1000;
		vswt_make_mac(mac, i);
		vswt_build_frame(buf, bcast, mac, VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
		assert_int_equal(vsw_port_send(ext, buf, 60, 0), 1);
	}
	vsw_get_stats(sw, &st);
	assert_int_equal(st.mac_capacity, 8);
	assert_int_equal(st.mac_entries, 8);
	assert_int_equal(st.mac_learned, 20);
	assert_int_equal(st.mac_evicted, 12);
	/* Station 1 (idlest) is gone: a frame to it floods back out of ext. */
	vswt_make_mac(mac, 1);
	vswt_build_frame(buf, mac, vmmac, VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(vm, buf, 60, 0), 1);
	vsw_get_stats(sw, &st);
	assert_int_equal(st.flooded, 21);
	/* Station 20 is known: forwarded, not flooded. */
	vswt_make_mac(mac, 20);
	vswt_build_frame(buf, mac, vmmac, VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(vm, buf, 60, 0), 1);
	vsw_get_stats(sw, &st);
	assert_int_equal(st.flooded, 21);
	assert_int_equal(st.forwarded, 1);
	assert_int_equal(st.mac_entries, 8);
	vsw_destroy(sw);
}

static void test_counters(void **state)
{
	struct net n;
	struct vsw_port_stats s0, s1;
	uint8_t runt[13] = { 0 };

	(void)state;
	net_up(&n, 2, NULL);
	net_send(&n, 0, bcast);
	net_send(&n, 0, n.mac[1]);
	vsw_port_send(n.p[0], runt, sizeof(runt), 0);
	vsw_port_get_stats(n.p[0], &s0);
	vsw_port_get_stats(n.p[1], &s1);
	assert_int_equal(s0.rx_frames, 3);
	assert_int_equal(s0.rx_bytes, 60 + 60 + 13);
	assert_int_equal(s0.tx_frames, 0);
	assert_int_equal(s0.drops[VSW_DROP_RUNT], 1);
	assert_int_equal(s1.tx_frames, 2);
	assert_int_equal(s1.tx_bytes, 120);
	assert_int_equal(s1.rx_frames, 0);
	vsw_destroy(n.sw);
}

/* Runts, oversize frames, bad tags, group source addresses. */
static void test_malformed(void **state)
{
	struct net n;
	struct vsw_port_stats ps;
	uint8_t buf[1600] = { 0 };

	(void)state;
	net_up(&n, 2, NULL);
	vswt_build_frame(buf, bcast, n.mac[0], VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(n.p[0], buf, 13, 0), -EBADMSG);
	assert_int_equal(vsw_port_send(n.p[0], buf, 0, 0), -EBADMSG);
	assert_int_equal(vsw_port_send(n.p[0], buf, 1514, 0), 1);
	assert_int_equal(vsw_port_send(n.p[0], buf, 1515, 0), -EBADMSG);
	vswt_build_frame(buf, bcast, n.mac[0], 0, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(n.p[0], buf, 1518, 0), 1); /* prio tag */
	vswt_build_frame(buf, bcast, n.mac[0], 0, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(n.p[0], buf, 1519, 0), -EBADMSG);
	vswt_build_frame(buf, bcast, n.mac[0], 0, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(n.p[0], buf, 17, 0), -EBADMSG);
	vswt_build_frame(buf, bcast, n.mac[0], 0xFFF, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(n.p[0], buf, 60, 0), -EBADMSG);
	vswt_build_frame(buf, bcast, mcast, VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(n.p[0], buf, 60, 0), -EBADMSG);
	vsw_port_get_stats(n.p[0], &ps);
	assert_int_equal(ps.drops[VSW_DROP_RUNT], 2);
	assert_int_equal(ps.drops[VSW_DROP_OVERSIZE], 2);
	assert_int_equal(ps.drops[VSW_DROP_BAD_TAG], 2);
	assert_int_equal(ps.drops[VSW_DROP_BAD_SRC], 1);
	assert_int_equal(n.s[1].count, 2);
	vsw_destroy(n.sw);
}

static void test_spoof_guard(void **state)
{
	struct net n;
	struct vsw_port_config pc;
	struct vsw_port *sp;
	struct vsw_port_stats ps;
	uint8_t buf[64], fake[6];

	(void)state;
	net_up(&n, 3, NULL);
	vswt_make_mac(fake, 77);
	vswt_build_frame(buf, bcast, fake, VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(n.p[0], buf, 60, 0), -EPERM);
	assert_int_equal(n.s[1].count + n.s[2].count, 0);
	vsw_port_get_stats(n.p[0], &ps);
	assert_int_equal(ps.drops[VSW_DROP_SPOOF], 1);
	/* Spoofing allowed: forwarded and learned on that port. */
	vswt_make_mac(fake, 78);
	pc = vswt_port_config_vm(fake, 0, &n.s[3]);
	pc.flags = VSW_PORT_ALLOW_SPOOF;
	assert_int_equal(vsw_port_add(n.sw, &pc, &sp), 0);
	vswt_make_mac(fake, 77);
	vswt_build_frame(buf, bcast, fake, VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(sp, buf, 60, 0), 3);
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 1, fake), 1);
	assert_int_equal(n.s[3].count, 1);
	vsw_destroy(n.sw);
}

/* VLANs: access ports in 10, 20 and the untagged network; a trunk. */
static void test_vlan_isolation(void **state)
{
	struct vsw *sw;
	struct vsw_port *p[5];
	struct vswt_sink s[5] = { 0 };
	static const uint16_t vids[4] = { 10, 10, 20, 0 };
	static const uint16_t allowed[] = { 20 };
	struct vsw_port_config pc;
	uint8_t mac[5][6], buf[80];

	(void)state;
	assert_int_equal(vsw_create("v", VSW_TYPE_PRIVATE, NULL, &sw), 0);
	for (int i = 0; i < 5; i++) {
		vswt_make_mac(mac[i], (unsigned)i + 1);
		pc = vswt_port_config_vm(mac[i], i < 4 ? vids[i] : 0, &s[i]);
		if (i == 4) {
			pc.vlan_mode = VSW_VLAN_TRUNK;
			pc.allowed_vlans = allowed;
			pc.n_allowed = 1;
		}
		assert_int_equal(vsw_port_add(sw, &pc, &p[i]), 0);
	}
	vswt_build_frame(buf, bcast, mac[0], VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(p[0], buf, 60, 0), 1);
	assert_int_equal(s[1].count, 1);
	/* Unicast to a MAC learned in VLAN 10, sent from VLAN 20: unknown
	 * there, so it floods VLAN 20 only and never reaches port 0. */
	vswt_build_frame(buf, mac[0], mac[2], VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(p[2], buf, 60, 0), 1);
	assert_int_equal(s[0].count, 0);
	assert_int_equal(s[4].count, 1);
	/* A VLAN 10 tag smuggled in from an access port of VLAN 20: dropped. */
	vswt_build_frame(buf, bcast, mac[2], 10, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(p[2], buf, 64, 0), -EPERM);
	/* The trunk may not send into VLAN 10 (not allowed) either. */
	vswt_build_frame(buf, bcast, mac[4], 10, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(p[4], buf, 64, 0), -EPERM);
	/* Untagged network: port 3 and the trunk's native (0). */
	vswt_build_frame(buf, bcast, mac[3], VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(p[3], buf, 60, 0), 1);
	assert_int_equal(s[4].count, 2);
	assert_int_equal(s[4].last_len, 60);
	assert_int_equal(s[0].count + s[2].count, 0);
	vsw_destroy(sw);
}

/* Access port: tag stripped on egress and inserted on ingress; both with
 * headroom (in place) and without (scratch copy). */
static void check_tagging(size_t headroom)
{
	struct vsw *sw;
	struct vsw_port *acc, *trk;
	struct vswt_sink sa = { 0 }, st = { 0 };
	static const uint16_t allowed[] = { 10, 30 };
	struct vsw_port_config pc;
	uint8_t ma[6], mt[6], pl[50], store[100], *buf = store + 8, expect[100];
	size_t len;

	assert_int_equal(vsw_create("t", VSW_TYPE_PRIVATE, NULL, &sw), 0);
	vswt_make_mac(ma, 1);
	vswt_make_mac(mt, 2);
	pc = vswt_port_config_vm(ma, 10, &sa);
	assert_int_equal(vsw_port_add(sw, &pc, &acc), 0);
	pc = vswt_port_config_vm(mt, 0, &st);
	pc.vlan_mode = VSW_VLAN_TRUNK;
	pc.native_vlan = 30;
	pc.allowed_vlans = allowed;
	pc.n_allowed = 2;
	assert_int_equal(vsw_port_add(sw, &pc, &trk), 0);
	vswt_fill_payload(pl, sizeof(pl), 3);
	/* Trunk -> access: tagged VID 10 (PCP 5) arrives untagged. */
	len = vswt_build_frame(buf, bcast, mt, 10, 5, 0x86DD, pl, sizeof(pl));
	assert_int_equal(vsw_port_send(trk, buf, len, headroom), 1);
	vswt_build_frame(expect, bcast, mt, VSWT_UNTAGGED, 0, 0x86DD, pl, sizeof(pl));
	assert_int_equal(sa.last_len, len - 4);
	assert_memory_equal(sa.last, expect, len - 4);
	/* Access -> trunk: untagged arrives tagged with VID 10. */
	len = vswt_build_frame(buf, mt, ma, VSWT_UNTAGGED, 0, 0x0800, pl, sizeof(pl));
	assert_int_equal(vsw_port_send(acc, buf, len, headroom), 1);
	vswt_build_frame(expect, mt, ma, 10, 0, 0x0800, pl, sizeof(pl));
	assert_int_equal(st.last_len, len + 4);
	assert_memory_equal(st.last, expect, len + 4);
	/* Trunk native VLAN 30 leaves the trunk untagged; priority tag from
	 * the access port lands in VLAN 10 and gets that VID, PCP kept. */
	len = vswt_build_frame(buf, mt, ma, 0, 6, 0x0800, pl, sizeof(pl));
	assert_int_equal(vsw_port_send(acc, buf, len, headroom), 1);
	vswt_build_frame(expect, mt, ma, 10, 6, 0x0800, pl, sizeof(pl));
	assert_memory_equal(st.last, expect, len);
	vsw_destroy(sw);
}

static void test_vlan_tagging(void **state)
{
	(void)state;
	check_tagging(VSW_HEADROOM);
	check_tagging(0);
}

/* Removing a port forgets what was learned on it: its MAC floods again,
 * and a new port taking the freed slot gets nothing meant for the old
 * one by unicast. Traffic keeps flowing between the other ports. */
static void test_port_remove_flushes(void **state)
{
	struct net n;
	struct vsw_stats st;
	struct vsw_port_config pc;
	struct vsw_port *np;
	uint8_t newmac[6];

	(void)state;
	net_up(&n, 3, NULL);
	net_send(&n, 1, bcast);                       /* learn port 1 */
	assert_int_equal(net_send(&n, 0, n.mac[1]), 1);
	assert_int_equal(vsw_port_remove(n.p[1]), 0);
	vsw_get_stats(n.sw, &st);
	assert_int_equal(st.mac_entries, 1);          /* only port 0 */
	net_reset_counts(&n);
	vswt_make_mac(newmac, 50);
	pc = vswt_port_config_vm(newmac, 0, &n.s[4]);
	assert_int_equal(vsw_port_add(n.sw, &pc, &np), 0);
	/* Old MAC unknown now: flooded to 2 and the new port, not sent by
	 * unicast to whatever took slot 1. */
	assert_int_equal(net_send(&n, 0, n.mac[1]), 2);
	assert_int_equal(n.s[1].count, 0);
	assert_int_equal(n.s[2].count, 1);
	assert_int_equal(n.s[4].count, 1);
	vsw_get_stats(n.sw, &st);
	assert_int_equal(st.flooded, 2);
	assert_int_equal(net_send(&n, 2, n.mac[0]), 1);
	vsw_destroy(n.sw);
}

/* The external port as a trunk of every VLAN: tagged frames of any VID
 * 1..4094 enter, VID 0xFFF never does, and each VLAN stays separate. */
static void test_trunk_all(void **state)
{
	struct vsw *sw;
	struct vsw_port *ext, *a, *b;
	struct vswt_sink se = { 0 }, sa = { 0 }, sb = { 0 };
	struct vsw_port_config pc;
	uint8_t m[3][6], buf[80];

	(void)state;
	assert_int_equal(vsw_create("x", VSW_TYPE_EXTERNAL, NULL, &sw), 0);
	for (unsigned i = 0; i < 3; i++)
		vswt_make_mac(m[i], i + 1);
	pc = vswt_port_config_vm(m[0], 0, &se);
	pc.kind = VSW_PORT_EXTERNAL;
	pc.vlan_mode = VSW_VLAN_TRUNK;
	pc.flags = VSW_PORT_TRUNK_ALL;
	assert_int_equal(vsw_port_add(sw, &pc, &ext), 0);
	pc = vswt_port_config_vm(m[1], 4094, &sa);
	assert_int_equal(vsw_port_add(sw, &pc, &a), 0);
	pc = vswt_port_config_vm(m[2], 1, &sb);
	assert_int_equal(vsw_port_add(sw, &pc, &b), 0);
	vswt_build_frame(buf, bcast, m[0], 4094, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(ext, buf, 64, 0), 1);
	assert_int_equal(sa.count, 1);
	vswt_build_frame(buf, bcast, m[0], 1, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(ext, buf, 64, 0), 1);
	assert_int_equal(sb.count, 1);
	vswt_build_frame(buf, bcast, m[0], 2000, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(ext, buf, 64, 0), 0); /* nobody there */
	vswt_build_frame(buf, bcast, m[1], VSWT_UNTAGGED, 0, 0x0800, NULL, 0);
	assert_int_equal(vsw_port_send(a, buf, 60, 0), 1);   /* scratch tag */
	assert_int_equal(se.count, 1);
	assert_int_equal(se.last_len, 64);
	assert_int_equal(sb.count, 1);
	vsw_destroy(sw);
}

/* Ports removed from inside a deliver callback, while the frame is still
 * being flooded: the removed ports get nothing more, nothing is freed
 * under the walk (ASan watches), later frames skip them. */
static struct net *cb_net;
static int cb_victims[2];

static void deliver_and_remove(void *ctx, const uint8_t *frame, size_t len)
{
	vswt_deliver_record(ctx, frame, len);
	for (int k = 0; k < 2; k++) {
		int v = cb_victims[k];

		if (v >= 0 && cb_net->p[v]) {
			assert_int_equal(vsw_port_remove(cb_net->p[v]), 0);
			cb_net->p[v] = NULL;
		}
	}
}

/* Port 4's callback is the remover. */
static void net_add_remover(struct net *n)
{
	struct vsw_port_config pc;

	vswt_make_mac(n->mac[4], 5);
	n->s[4].id = 4;
	pc = vswt_port_config_vm(n->mac[4], 0, &n->s[4]);
	pc.deliver = deliver_and_remove;
	assert_int_equal(vsw_port_add(n->sw, &pc, &n->p[4]), 0);
	cb_net = n;
}

static void test_remove_from_callback(void **state)
{
	struct net n;
	struct vsw_port_config pc;

	(void)state;
	net_up(&n, 4, NULL);
	net_add_remover(&n);
	assert_int_equal(vsw_port_remove(n.p[1]), 0);
	pc = vswt_port_config_vm(n.mac[1], 0, &n.s[1]);
	assert_int_equal(vsw_port_add(n.sw, &pc, &n.p[1]), 0);
	/* active[] is now 0 4 2 3 1 (removal swapped 4 into slot 1). Port 4
	 * removes itself and port 2 mid-flood: 3 and 1 must still get the
	 * frame (an immediate unlink would shift 1 under the walk). */
	cb_victims[0] = 4;
	cb_victims[1] = 2;
	assert_int_equal(net_send(&n, 0, bcast), 3);
	assert_int_equal(n.s[4].count, 1);
	assert_int_equal(n.s[3].count, 1);
	assert_int_equal(n.s[1].count, 1);
	assert_int_equal(n.s[2].count, 0);
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 0, bcast), 2);  /* 3 and 1 */
	assert_int_equal(n.s[4].count + n.s[2].count, 0);
	vsw_destroy(n.sw);
}

/* Unicast: the receiver removes the sender from its callback. */
static void test_remove_sender_from_callback(void **state)
{
	struct net n;
	struct vsw_stats st;

	(void)state;
	net_up(&n, 2, NULL);
	net_add_remover(&n);
	cb_victims[0] = cb_victims[1] = -1;
	assert_int_equal(net_send(&n, 0, bcast), 2);  /* learn 0 */
	assert_int_equal(net_send(&n, 4, bcast), 2);  /* learn 4 */
	cb_victims[0] = 1;
	assert_int_equal(net_send(&n, 1, n.mac[4]), 1);
	assert_null(n.p[1]);
	vsw_get_stats(n.sw, &st);
	assert_int_equal(st.mac_entries, 2);          /* 0 and 4; 1 flushed */
	vsw_destroy(n.sw);
}

/* Unicast: the receiver removes itself from its callback; the switch
 * must not touch the freed port after the call (sanitizers watch). */
static void test_remove_receiver_from_callback(void **state)
{
	struct net n;
	struct vsw_stats st;

	(void)state;
	net_up(&n, 2, NULL);
	net_add_remover(&n);
	cb_victims[0] = cb_victims[1] = -1;
	assert_int_equal(net_send(&n, 4, bcast), 2);  /* learn 4 */
	cb_victims[0] = 4;
	assert_int_equal(net_send(&n, 0, n.mac[4]), 1);
	assert_null(n.p[4]);
	vsw_get_stats(n.sw, &st);
	assert_int_equal(st.mac_entries, 1);          /* 0; 4 flushed */
	assert_int_equal(net_send(&n, 0, n.mac[4]), 1);  /* unknown: floods to 1 */
	vsw_destroy(n.sw);
}

/* A running port moves from VLAN 0 to VLAN 10 and gains guards. */
static void test_port_update(void **state)
{
	struct net n;
	struct vsw_port_config pc;
	struct vsw_stats st;
	uint8_t fake[6];

	(void)state;
	net_up(&n, 3, NULL);
	assert_int_equal(net_send(&n, 0, bcast), 2);
	pc = vswt_port_config_vm(n.mac[0], 10, NULL);
	pc.flags = VSW_PORT_ALLOW_SPOOF;
	assert_int_equal(vsw_port_update(n.p[0], &pc), 0);
	vsw_get_stats(n.sw, &st);
	assert_int_equal(st.mac_entries, 0);             /* flushed */
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 0, bcast), 0);     /* alone in VLAN 10 */
	assert_int_equal(net_send(&n, 1, bcast), 1);     /* 2 only */
	assert_int_equal(n.s[0].count, 0);
	pc = vswt_port_config_vm(n.mac[2], 10, NULL);
	assert_int_equal(vsw_port_update(n.p[2], &pc), 0);
	net_reset_counts(&n);
	assert_int_equal(net_send(&n, 0, n.mac[2]), 1);  /* now neighbours */
	assert_int_equal(n.s[2].count, 1);
	vswt_make_mac(fake, 99);                          /* spoofing allowed */
	memcpy(n.mac[0], fake, 6);
	assert_int_equal(net_send(&n, 0, bcast), 1);
	pc.access_vlan = 4095;
	assert_int_equal(vsw_port_update(n.p[2], &pc), -EINVAL);
	pc.access_vlan = 10;
	pc.flags = 0x100;
	assert_int_equal(vsw_port_update(n.p[2], &pc), -EINVAL);
	vsw_destroy(n.sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_switch_types),
		cmocka_unit_test(test_port_args),
		cmocka_unit_test(test_port_limit),
		cmocka_unit_test(test_mac_pool),
		cmocka_unit_test(test_learning),
		cmocka_unit_test(test_flooding),
		cmocka_unit_test(test_bursts),
		cmocka_unit_test(test_aging),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_spoof_guard),
		cmocka_unit_test(test_vlan_isolation),
		cmocka_unit_test(test_vlan_tagging),
		cmocka_unit_test(test_port_remove_flushes),
		cmocka_unit_test(test_trunk_all),
		cmocka_unit_test(test_remove_from_callback),
		cmocka_unit_test(test_remove_sender_from_callback),
		cmocka_unit_test(test_remove_receiver_from_callback),
		cmocka_unit_test(test_port_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
