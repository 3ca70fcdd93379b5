/* unit_vsw_split.c: vsw_port_send_split, a frame whose head the sender
 * copied and whose tail is still in guest-writable memory. The learned
 * unicast fast path hands a port with deliver_split the two parts (the
 * tail where it lies, not copied); every other path (flood, broadcast, a
 * tag to insert or strip, guards on the ingress port, a port without
 * deliver_split, a head too short to parse) copies the tail behind the
 * head first and delivers what vsw_port_send would. Every decision is
 * taken on the head: a tail that changes after the call, or that says
 * something else, changes nothing the switch decides. */
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/vsw_wire.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define FRAME 300u
#define HEAD 64u
#define SENTINEL 0xEEu

/* A port's receive side that takes frames in two parts too. */
struct sink2 {
	struct vswt_sink s;
	unsigned splits;
	const uint8_t *tail_ptr;    /* the tail pointer it was handed */
	size_t head_len, tail_len;
	uint8_t *scribble;          /* when set: rewritten while delivered */
};

static void deliver_split(void *ctx, const uint8_t *head, size_t head_len,
			  const uint8_t *tail, size_t tail_len)
{
	struct sink2 *k = ctx;
	size_t n = head_len + tail_len;

	k->splits++;
	k->s.count++;
	k->tail_ptr = tail;
	k->head_len = head_len;
	k->tail_len = tail_len;
	/* The guest rewrites its send buffer while we deliver: only the
	 * bytes copied from the tail after that can show it. */
	if (k->scribble)
		memset(k->scribble, 0xAB, n);
	k->s.last_len = n < VSWT_MAX_FRAME ? n : VSWT_MAX_FRAME;
	memcpy(k->s.last, head, head_len);
	memcpy(k->s.last + head_len, tail, k->s.last_len - head_len);
}

struct net {
	struct vsw *sw;
	struct vsw_port *p[4];
	struct sink2 k[4];
	uint8_t mac[4][6];
};

/* Port i: access VLAN vlan[i] (or a trunk of VLAN 10 with native 0 when
 * it is -1), deliver_split unless plain[i]. */
static void net_up(struct net *n, const int vlan[4], const bool plain[4],
		   const uint32_t flags[4])
{
	static const uint16_t v10[] = { 10 };

	memset(n, 0, sizeof(*n));
	assert_int_equal(vsw_create("sw", VSW_TYPE_PRIVATE, NULL, &n->sw), 0);
	for (int i = 0; i < 4; i++) {
		struct vsw_port_config pc;

		vswt_make_mac(n->mac[i], (unsigned)i + 1);
		n->k[i].s.id = i;
		pc = vswt_port_config_vm(n->mac[i], vlan[i] < 0 ? 0 : (uint16_t)vlan[i],
					 &n->k[i].s);
		if (vlan[i] < 0) {
			pc.vlan_mode = VSW_VLAN_TRUNK;
			pc.native_vlan = 0;
			pc.allowed_vlans = v10;
			pc.n_allowed = 1;
		}
		pc.ctx = &n->k[i];
		pc.deliver_split = plain[i] ? NULL : deliver_split;
		pc.flags = flags[i];
		assert_int_equal(vsw_port_add(n->sw, &pc, &n->p[i]), 0);
	}
}

static void net_plain(struct net *n)
{
	static const int vlan[4] = { 0, 0, 0, 0 };
	static const bool plain[4] = { false, false, false, false };
	static const uint32_t flags[4] = { 0, 0, 0, 0 };

	net_up(n, vlan, plain, flags);
}

static void net_clear(struct net *n)
{
	for (int i = 0; i < 4; i++) {
		n->k[i].s.count = 0;
		n->k[i].splits = 0;
		n->k[i].s.last_len = 0;
	}
}

/* Port i speaks once (a broadcast), so the switch learns its MAC. */
static void net_learn(struct net *n, int i)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[64 + VSW_HEADROOM], pl[46] = { 0 };

	vswt_build_frame(f + VSW_HEADROOM, bc, n->mac[i], VSWT_UNTAGGED, 0,
			 0x88B5, pl, sizeof(pl));
	assert_true(vsw_port_send(n->p[i], f + VSW_HEADROOM, 60, VSW_HEADROOM) >= 0);
	net_clear(n);
}

/* A frame of len bytes, dst -> src (untagged, EtherType 0x88B5). */
static void frame_make(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		       size_t len, unsigned seed)
{
	uint8_t pl[FRAME];

	vswt_fill_payload(pl, sizeof(pl), seed);
	vswt_build_frame(f, dst, src, VSWT_UNTAGGED, 0, 0x88B5, pl, len - 14);
}

/* What a sender hands vsw_port_send_split: the head copied into a
 * private buffer (headroom before it, the rest of it marked), the tail
 * left in "guest" memory. */
struct split_tx {
	uint8_t buf[VSW_HEADROOM + FRAME + 8];
	uint8_t guest[FRAME];
	size_t len, head;
};

static int split_send(struct vsw_port *p, struct split_tx *t,
		      const uint8_t *f, size_t len, size_t head)
{
	memset(t->buf, SENTINEL, sizeof(t->buf));
	memcpy(t->guest, f, len);
	memcpy(t->buf + VSW_HEADROOM, f, head);
	t->len = len;
	t->head = head;
	return vsw_port_send_split(p, t->buf + VSW_HEADROOM, head, VSW_HEADROOM,
				   t->guest + head, len - head);
}

/* The tail was not copied: buf past the head still holds the sentinel. */
static void assert_not_joined(const struct split_tx *t)
{
	for (size_t i = VSW_HEADROOM + t->head; i < sizeof(t->buf); i++)
		assert_int_equal(t->buf[i], SENTINEL);
}

static uint64_t split_count(struct vsw *sw)
{
	struct vsw_stats st;

	vsw_get_stats(sw, &st);
	return st.split;
}

static uint32_t mac_entries(struct vsw *sw)
{
	struct vsw_stats st;

	vsw_get_stats(sw, &st);
	return st.mac_entries;
}

/* Learned unicast to a port with deliver_split: the two parts, the tail
 * by the very pointer the sender gave (no copy), byte-identical when put
 * together; the switch's counters as for a whole frame. */
static void test_split_unicast(void **state)
{
	static const size_t heads[] = { VSW_SPLIT_HEAD_MIN, HEAD, FRAME - 1 };
	struct split_tx t;
	struct net n;
	struct vsw_port_stats ps;
	uint8_t f[FRAME];

	(void)state;
	net_plain(&n);
	net_learn(&n, 1);
	frame_make(f, n.mac[1], n.mac[0], FRAME, 1);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(split_send(n.p[0], &t, f, FRAME, heads[i]), 1);
		assert_int_equal(n.k[1].splits, i + 1);
		assert_ptr_equal(n.k[1].tail_ptr, t.guest + heads[i]);
		assert_int_equal(n.k[1].head_len, heads[i]);
		assert_int_equal(n.k[1].tail_len, FRAME - heads[i]);
		assert_int_equal(n.k[1].s.last_len, FRAME);
		assert_memory_equal(n.k[1].s.last, f, FRAME);
		assert_not_joined(&t);
		assert_int_equal(n.k[2].s.count + n.k[3].s.count + n.k[0].s.count, 0);
	}
	assert_int_equal(split_count(n.sw), 3);
	vsw_port_get_stats(n.p[1], &ps);
	assert_int_equal(ps.tx_frames, 3);
	assert_int_equal(ps.tx_bytes, 3 * FRAME);
	vsw_port_get_stats(n.p[0], &ps);
	assert_int_equal(ps.rx_bytes, 3 * FRAME);
	/* No tail: vsw_port_send's path. */
	memcpy(t.buf + VSW_HEADROOM, f, FRAME);
	assert_int_equal(vsw_port_send_split(n.p[0], t.buf + VSW_HEADROOM, FRAME,
					     VSW_HEADROOM, NULL, 0), 1);
	assert_int_equal(n.k[1].splits, 3);
	assert_memory_equal(n.k[1].s.last, f, FRAME);
	vsw_destroy(n.sw);
}

/* Checks the fallback: the destination(s) got the frame whole through
 * deliver (no split), equal to want, and the tail is now in buf. */
static void assert_joined(const struct net *n, const struct split_tx *t,
			  int dst, const uint8_t *want, size_t wlen)
{
	assert_int_equal(n->k[dst].splits, 0);
	assert_int_equal(n->k[dst].s.count, 1);
	assert_int_equal(n->k[dst].s.last_len, wlen);
	assert_memory_equal(n->k[dst].s.last, want, wlen);
	assert_memory_equal(t->buf + VSW_HEADROOM + t->head, t->guest + t->head,
			    t->len - t->head);
}

/* Unknown destination and broadcast flood; a head shorter than the L2
 * parse needs; a destination without deliver_split: each delivered whole,
 * the same bytes vsw_port_send gives. */
static void test_split_fallbacks(void **state)
{
	static const int vlan[4] = { 0, 0, 0, 0 };
	static const bool plain[4] = { false, false, true, false };
	static const uint32_t flags[4] = { 0, 0, 0, 0 };
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct split_tx t;
	struct net n;
	uint8_t f[FRAME];

	(void)state;
	net_up(&n, vlan, plain, flags);
	frame_make(f, n.mac[1], n.mac[0], FRAME, 2);
	assert_int_equal(split_send(n.p[0], &t, f, FRAME, HEAD), 3);  /* flood */
	for (int i = 1; i < 4; i++)
		assert_joined(&n, &t, i, f, FRAME);
	net_learn(&n, 1);
	net_learn(&n, 2);
	frame_make(f, bc, n.mac[0], FRAME, 3);
	assert_int_equal(split_send(n.p[0], &t, f, FRAME, HEAD), 3);
	for (int i = 1; i < 4; i++)
		assert_joined(&n, &t, i, f, FRAME);
	net_clear(&n);
	frame_make(f, n.mac[1], n.mac[0], FRAME, 4);
	assert_int_equal(split_send(n.p[0], &t, f, FRAME, VSW_SPLIT_HEAD_MIN - 1), 1);
	assert_joined(&n, &t, 1, f, FRAME);
	net_clear(&n);
	frame_make(f, n.mac[2], n.mac[0], FRAME, 5);   /* port 2: plain */
	assert_int_equal(split_send(n.p[0], &t, f, FRAME, HEAD), 1);
	assert_joined(&n, &t, 2, f, FRAME);
	assert_int_equal(split_count(n.sw), 0);
	vsw_destroy(n.sw);
}

/* Egress in the other form: port 0 (access VLAN 10) to the trunk port 1
 * gets the tag inserted (headroom), the trunk's tagged frame to port 0
 * gets it stripped; both from the joined frame. Trunk to trunk (ports 1
 * and 2) in VLAN 10 the tag stays: that frame goes in two parts. */
static void test_split_tagged(void **state)
{
	static const int vlan[4] = { 10, -1, -1, 0 };
	static const bool plain[4] = { false, false, false, false };
	static const uint32_t flags[4] = { 0, 0, 0, 0 };
	struct split_tx t;
	struct net n;
	uint8_t f[FRAME], want[FRAME + 4], pl[FRAME];

	(void)state;
	net_up(&n, vlan, plain, flags);
	vswt_fill_payload(pl, sizeof(pl), 6);
	/* Each learned in VLAN 10 first. */
	vswt_build_frame(f, n.mac[1], n.mac[0], VSWT_UNTAGGED, 0, 0x88B5, pl, 100);
	assert_true(split_send(n.p[0], &t, f, 114, HEAD) >= 0);
	vswt_build_frame(f, n.mac[0], n.mac[1], 10, 0, 0x88B5, pl, 100);
	assert_true(split_send(n.p[1], &t, f, 118, HEAD) >= 0);
	vswt_build_frame(f, n.mac[0], n.mac[2], 10, 0, 0x88B5, pl, 100);
	assert_true(split_send(n.p[2], &t, f, 118, HEAD) >= 0);
	net_clear(&n);
	vswt_build_frame(f, n.mac[1], n.mac[0], VSWT_UNTAGGED, 0, 0x88B5, pl,
			 FRAME - 14);
	vswt_build_frame(want, n.mac[1], n.mac[0], 10, 0, 0x88B5, pl, FRAME - 14);
	assert_int_equal(split_send(n.p[0], &t, f, FRAME, HEAD), 1);
	assert_int_equal(n.k[1].splits, 0);
	assert_int_equal(n.k[1].s.last_len, FRAME + 4);
	assert_memory_equal(n.k[1].s.last, want, FRAME + 4);
	net_clear(&n);
	vswt_build_frame(f, n.mac[0], n.mac[1], 10, 0, 0x88B5, pl, FRAME - 18);
	vswt_build_frame(want, n.mac[0], n.mac[1], VSWT_UNTAGGED, 0, 0x88B5, pl,
			 FRAME - 18);
	assert_int_equal(split_send(n.p[1], &t, f, FRAME, HEAD), 1);
	assert_int_equal(n.k[0].splits, 0);
	assert_int_equal(n.k[0].s.last_len, FRAME - 4);
	assert_memory_equal(n.k[0].s.last, want, FRAME - 4);
	assert_int_equal(split_count(n.sw), 0);
	net_clear(&n);
	vswt_build_frame(f, n.mac[2], n.mac[1], 10, 0, 0x88B5, pl, FRAME - 18);
	assert_int_equal(split_send(n.p[1], &t, f, FRAME, HEAD), 1);
	assert_int_equal(n.k[2].splits, 1);
	assert_memory_equal(n.k[2].s.last, f, FRAME);
	assert_not_joined(&t);
	assert_int_equal(split_count(n.sw), 1);
	vsw_destroy(n.sw);
}

/* A DHCP server message whose UDP header lies in the tail: the DHCP
 * guard of the ingress port parses the joined frame and drops it; a
 * harmless frame from the same port goes whole. */
static void test_split_guards(void **state)
{
	static const int vlan[4] = { 0, 0, 0, 0 };
	static const bool plain[4] = { false, false, false, false };
	static const uint32_t flags[4] = { VSW_PORT_DHCP_GUARD, 0, 0, 0 };
	struct split_tx t;
	struct net n;
	struct vsw_port_stats ps;
	uint8_t f[FRAME], ip[FRAME], data[100];

	(void)state;
	net_up(&n, vlan, plain, flags);
	net_learn(&n, 1);
	vswt_fill_payload(data, sizeof(data), 8);
	data[0] = 2;                                  /* BOOTREPLY */
	vswt_build_udp4(ip, 67, 68, data, sizeof(data));
	vswt_build_frame(f, n.mac[1], n.mac[0], VSWT_UNTAGGED, 0, 0x0800, ip, 128);
	assert_int_equal(split_send(n.p[0], &t, f, 142, VSW_SPLIT_HEAD_MIN), -EPERM);
	assert_int_equal(n.k[1].s.count, 0);
	vsw_port_get_stats(n.p[0], &ps);
	assert_int_equal(ps.drops[VSW_DROP_DHCP_GUARD], 1);
	vswt_build_udp4(ip, 68, 67, data, sizeof(data));   /* a client's */
	vswt_build_frame(f, n.mac[1], n.mac[0], VSWT_UNTAGGED, 0, 0x0800, ip, 128);
	assert_int_equal(split_send(n.p[0], &t, f, 142, VSW_SPLIT_HEAD_MIN), 1);
	assert_joined(&n, &t, 1, f, 142);
	assert_int_equal(split_count(n.sw), 0);
	vsw_destroy(n.sw);
}

/* The switch decides on the head alone: a tail that claims another
 * destination, or a spoofed source where the head has the port's own,
 * changes nothing; a spoofed head is dropped whatever the tail says;
 * the switch learns the head's source. Bytes the guest rewrites during
 * the delivery reach the receiver only from the tail (the data), never
 * from the head. */
static void test_split_head_decides(void **state)
{
	struct split_tx t;
	struct net n;
	struct vsw_port_stats ps;
	uint8_t f[FRAME], g[FRAME];

	(void)state;
	net_plain(&n);
	net_learn(&n, 1);
	net_learn(&n, 2);
	frame_make(f, n.mac[1], n.mac[0], FRAME, 9);
	/* What lies in guest memory says: to port 2, from port 3. */
	frame_make(g, n.mac[2], n.mac[3], FRAME, 9);
	memcpy(t.buf + VSW_HEADROOM, f, HEAD);
	memcpy(t.guest, g, FRAME);
	n.k[1].scribble = t.guest;
	assert_int_equal(vsw_port_send_split(n.p[0], t.buf + VSW_HEADROOM, HEAD,
					     VSW_HEADROOM, t.guest + HEAD,
					     FRAME - HEAD), 1);
	assert_int_equal(n.k[1].splits, 1);
	assert_int_equal(n.k[2].s.count, 0);
	assert_memory_equal(n.k[1].s.last, f, HEAD);
	for (size_t i = HEAD; i < FRAME; i++)
		assert_int_equal(n.k[1].s.last[i], 0xAB);
	n.k[1].scribble = NULL;
	/* The one source learned is the head's (port 0): a frame to it from
	 * port 1 is unicast, not flooded. */
	assert_int_equal(mac_entries(n.sw), 3);
	net_clear(&n);
	frame_make(f, n.mac[0], n.mac[1], FRAME, 10);
	assert_int_equal(split_send(n.p[1], &t, f, FRAME, HEAD), 1);
	assert_int_equal(n.k[0].splits, 1);
	assert_int_equal(n.k[3].s.count, 0);
	/* A spoofed head is dropped though the tail is innocent. */
	net_clear(&n);
	frame_make(f, n.mac[1], n.mac[3], FRAME, 11);
	memcpy(t.buf + VSW_HEADROOM, f, HEAD);
	frame_make(t.guest, n.mac[1], n.mac[0], FRAME, 11);
	assert_int_equal(vsw_port_send_split(n.p[0], t.buf + VSW_HEADROOM, HEAD,
					     VSW_HEADROOM, t.guest + HEAD,
					     FRAME - HEAD), -EPERM);
	vsw_port_get_stats(n.p[0], &ps);
	assert_int_equal(ps.drops[VSW_DROP_SPOOF], 1);
	assert_int_equal(n.k[1].s.count, 0);
	vsw_destroy(n.sw);
}

static void test_split_args(void **state)
{
	struct net n;
	uint8_t b[64] = { 0 };

	(void)state;
	net_plain(&n);
	assert_int_equal(vsw_port_send_split(NULL, b, 20, 0, b, 4), -EINVAL);
	assert_int_equal(vsw_port_send_split(n.p[0], NULL, 20, 0, b, 4), -EINVAL);
	assert_int_equal(vsw_port_send_split(n.p[0], b, 20, 0, NULL, 4), -EINVAL);
	assert_int_equal(vsw_port_send_split(n.p[0], b, 20, 0, b, SIZE_MAX), -EINVAL);
	/* Too long for the MTU: dropped before a byte is joined. */
	assert_int_equal(vsw_port_send_split(n.p[0], b, 20, 0, b, 1500), -EBADMSG);
	vsw_destroy(n.sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_unicast),
		cmocka_unit_test(test_split_fallbacks),
		cmocka_unit_test(test_split_tagged),
		cmocka_unit_test(test_split_guards),
		cmocka_unit_test(test_split_head_decides),
		cmocka_unit_test(test_split_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
