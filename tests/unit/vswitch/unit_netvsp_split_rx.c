/* unit_netvsp_split_rx.c: netvsp receiving a frame in two parts
 * (netvsp_deliver_split): the RSS hash of a frame split anywhere equals
 * the hash of the frame whole (IPv4, IPv6, its extension headers, 802.1Q
 * tags, cut headers; each part in a buffer of its own, so ASan sees a
 * read past either), and split frames a switch port sends reach the
 * mock netvsc guest (nvg.c) intact, with the reference hash, on that
 * hash's channel, in one section or a run of them. */
#include "tests/unit/vswitch/rss_testlib.h"
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/netvsp/netvsp_internal.h"
#include "vswitch/vsw_wire.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define MAXF 2048u

/* An extension header of an IPv6 frame: type and length (a fragment
 * header: 8, with its offset-and-flags word). */
struct ext {
	uint8_t type;
	uint16_t bytes;
	uint16_t frag;
};

/* IPv6 frame dst <- src (vid >= 0: tagged), 3ffe::1234 -> fe80::1, with
 * the n extension headers e then a 20-byte header of protocol proto
 * (ports 1234 -> 80) and 24 payload bytes; returns its length. */
static uint32_t v6_frame(uint8_t *b, const uint8_t *dst, const uint8_t *src,
			 int vid, const struct ext *e, uint32_t n, uint8_t proto)
{
	uint32_t l3 = vid >= 0 ? 18u : 14u, at = l3 + 40u;

	memset(b, 0, MAXF);
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (vid >= 0) {
		vsw_put_be16(b + 12, VSW_ETHERTYPE_VLAN);
		vsw_put_be16(b + 14, (uint16_t)vid);
	}
	vsw_put_be16(b + l3 - 2, VSW_ETHERTYPE_IPV6);
	b[l3] = 0x60;
	b[l3 + 6] = n ? e[0].type : proto;
	b[l3 + 7] = 64;
	b[l3 + 8] = 0x3f;
	b[l3 + 9] = 0xfe;
	b[l3 + 22] = 0x12;
	b[l3 + 23] = 0x34;
	b[l3 + 24] = 0xfe;
	b[l3 + 25] = 0x80;
	b[l3 + 39] = 1;
	for (uint32_t i = 0; i < n; i++) {
		b[at] = i + 1u < n ? e[i + 1u].type : proto;
		if (e[i].type == 44)
			vsw_put_be16(b + at + 2, e[i].frag);
		else
			b[at + 1] = (uint8_t)(e[i].bytes / 8u - 1u);
		at += e[i].bytes;
	}
	vsw_put_be16(b + at, 1234);
	vsw_put_be16(b + at + 2, 80);
	b[at + 12] = 0x50;
	vswt_fill_payload(b + at + 20, 24, n);
	vsw_put_be16(b + l3 + 4, (uint16_t)(at + 44u - l3 - 40u));
	return at + 44u;
}

/* The frame set: TCP and UDP over IPv4 and IPv6, an IPv4 fragment, IPv4
 * options, tags, IPv6 chains the walk follows and ones it stops at, an
 * ARP frame. Returns how many were built into f[i] (lengths in len[i]). */
static uint32_t frame_set(uint8_t f[][MAXF], uint32_t *len, const uint8_t *d,
			  const uint8_t *s)
{
	const struct ext hbh = { 0, 8, 0 }, rt = { 43, 24, 0 }, dst = { 60, 16, 0 };
	const struct ext atomic = { 44, 8, 0 }, frag = { 44, 8, 0x0001 };
	const struct ext ah = { 51, 16, 0 };
	const struct ext chain[9] = { hbh, dst, dst, dst, dst, dst, dst, dst, dst };
	uint32_t n = 0;

	for (unsigned i = 0; i < 8; i++) {
		struct rsst_flow fl = rsst_flow4(i);

		fl.proto = i % 2u ? 17 : 6;
		fl.frag = i == 4;
		if (i >= 5)
			rsst_flow_v6(&fl, i);
		len[n] = rsst_frame(f[n], d, s, &fl, i == 3 || i == 6 ? 7 : -1,
				    40, i);
		n++;
	}
	/* IPv4 with 8 bytes of options: the ports lie past them. */
	memcpy(f[n], f[0], len[0]);
	memmove(f[n] + 42, f[n] + 34, len[0] - 34);
	f[n][14] = 0x47;
	len[n] = len[0] + 8u;
	n++;
	len[n] = v6_frame(f[n], d, s, -1, (struct ext[]){ hbh, rt, dst }, 3, 6);
	n++;
	len[n] = v6_frame(f[n], d, s, 5, (struct ext[]){ hbh, atomic, dst }, 3, 6);
	n++;
	len[n] = v6_frame(f[n], d, s, -1, (struct ext[]){ hbh, frag }, 2, 6);
	n++;
	len[n] = v6_frame(f[n], d, s, -1, &ah, 1, 6);
	n++;
	len[n] = v6_frame(f[n], d, s, -1, chain, 8, 6);
	n++;
	len[n] = v6_frame(f[n], d, s, -1, chain, 9, 6);
	n++;
	len[n] = (uint32_t)vswt_build_frame(f[n], d, s, VSWT_UNTAGGED, 0, 0x0806,
					    f[0] + 14, 46);
	n++;
	return n;
}

/* netvsp_rss_frame of f cut to len and split after k bytes, each part
 * in an allocation of its exact size; *hashed whether it was hashed. */
static uint32_t hash_split(const struct netvsp *nv, const uint8_t *f,
			   uint32_t len, uint32_t k, bool *hashed)
{
	uint8_t *head = malloc(k ? k : 1), *tail = malloc(len - k + 1u);
	struct netvsp_frame fr = { head, tail, k, len };
	uint32_t h = 0;

	memcpy(head, f, k);
	memcpy(tail, f + k, len - k);
	*hashed = netvsp_rss_frame(nv, &fr, &h);
	free(head);
	free(tail);
	return h;
}

/* Every frame of the set, cut at every length, split at every byte:
 * the same hash (and the same "not hashed") as the same bytes whole, for
 * the hash types Linux enables, TCP alone, and the addresses alone. */
static void test_hash_split_equal(void **state)
{
	static uint8_t f[16][MAXF];
	static const uint32_t types[] = {
		RSST_HASHINFO,
		NDIS_HASH_FUNC_TOEPLITZ | NDIS_HASH_TCP_IPV4 | NDIS_HASH_TCP_IPV6,
		NDIS_HASH_FUNC_TOEPLITZ | NDIS_HASH_IPV4 | NDIS_HASH_IPV6,
	};
	struct rsst_pair *p = rsst_pair_new(3, true);
	uint32_t len[16], n = frame_set(f, len, p->mb, p->ma), hashed_any = 0;

	(void)state;
	assert_true(n <= 16);
	for (unsigned t = 0; t < 3; t++) {
		assert_int_equal(rsst_set(&p->b, 0, types[t], p->table, RSST_TAB,
					  rsst_ms_key), RNDIS_STATUS_SUCCESS);
		for (uint32_t i = 0; i < n; i++) {
			for (uint32_t cut = 0; cut <= len[i]; cut++) {
				bool hw, hs;
				uint32_t whole = hash_split(p->b.nv, f[i], cut, cut, &hw);

				hashed_any += hw;
				for (uint32_t k = 0; k < cut; k++) {
					uint32_t h = hash_split(p->b.nv, f[i], cut, k, &hs);

					assert_int_equal(hs, hw);
					if (hw)
						assert_int_equal(h, whole);
				}
			}
		}
	}
	assert_true(hashed_any > 1000);
	rsst_pair_free(p);
}

/* A plain switch port (no netvsp) beside the pair, which splits what it
 * sends as vsw_port_send_split lets it. */
struct sender {
	struct vsw_port *port;
	struct vswt_sink sink;
	uint8_t mac[6];
};

static void sender_add(struct rsst_pair *p, struct sender *s)
{
	struct vsw_port_config pc;
	uint8_t f[64], pl[46] = { 0 };
	uint32_t len;

	memset(s, 0, sizeof(*s));
	vswt_make_mac(s->mac, 0x77);
	pc = vswt_port_config_vm(s->mac, 0, &s->sink);
	assert_int_equal(vsw_port_add(p->sw, &pc, &s->port), 0);
	/* b speaks once: the switch learns where it is. */
	len = (uint32_t)vswt_build_frame(f, s->mac, p->mb, VSWT_UNTAGGED, 0,
					 0x88B5, pl, sizeof(pl));
	assert_int_equal(nvg_send_frame(&p->b, f, len, ~0u, false),
			 NVSP_STAT_SUCCESS);
	assert_int_equal(s->sink.count, 1);
}

static uint64_t splits(struct vsw *sw)
{
	struct vsw_stats st;

	vsw_get_stats(sw, &st);
	return st.split;
}

/* f (len bytes) from the sender, split after k: b gets it whole and
 * intact, by the split path, hashed as the same frame whole would be
 * (want: the hash, or ~0u for none) and on that hash's channel. */
static void send_split(struct rsst_pair *p, struct sender *s, const uint8_t *f,
		       uint32_t len, uint32_t k, uint64_t want)
{
	static uint8_t buf[VSW_HEADROOM + 9100];
	uint8_t *tail = malloc(len - k);
	uint32_t before = p->b.n_frames;
	uint64_t n = splits(p->sw);
	const struct nvg_frame *got;

	memcpy(buf + VSW_HEADROOM, f, k);
	memcpy(tail, f + k, len - k);
	assert_int_equal(vsw_port_send_split(s->port, buf + VSW_HEADROOM, k,
					     VSW_HEADROOM, tail, len - k), 1);
	free(tail);
	assert_int_equal(splits(p->sw), n + 1);
	assert_true(nvg_guest_drain(&p->b) >= 0);
	assert_int_equal(p->b.n_frames, before + 1);
	got = &p->b.frames[before % NVG_FRAMES];
	assert_int_equal(got->len, len);
	assert_memory_equal(got->data, f, len);
	assert_int_equal(got->has_hash, want != ~0ull);
	if (want != ~0ull) {
		assert_int_equal(got->hash, (uint32_t)want);
		assert_int_equal(got->chan, p->table[want & (RSST_TAB - 1u)]);
	} else {
		assert_int_equal(got->chan, 0);
	}
	nvg_host_poll(&p->b);
}

/* The frame set through the switch in two parts, split right after the
 * L2 header's minimum, inside the IP header, at 64 bytes and before
 * the last byte; each checked against the reference where a flow gives
 * one, else against netvsp's hash of the frame whole. */
static void test_rx_split(void **state)
{
	static uint8_t f[16][MAXF];
	struct rsst_pair *p = rsst_pair_new(3, true);
	struct sender s;
	uint32_t len[16], n;

	(void)state;
	sender_add(p, &s);
	n = frame_set(f, len, p->mb, s.mac);
	for (uint32_t i = 0; i < n; i++) {
		const uint32_t ks[] = { VSW_SPLIT_HEAD_MIN, 30, 64, len[i] - 1u };
		struct netvsp_frame whole = { f[i], NULL, len[i], len[i] };
		uint32_t h = 0;
		uint64_t want = netvsp_rss_frame(p->b.nv, &whole, &h) ? h : ~0ull;

		if (i < 8) {   /* the flows: the reference agrees */
			struct rsst_flow fl = rsst_flow4(i);

			fl.proto = i % 2u ? 17 : 6;
			fl.frag = i == 4;
			if (i >= 5)
				rsst_flow_v6(&fl, i);
			assert_true(rsst_hash(rsst_ms_key, RSST_HASHINFO, &fl, &h));
			assert_int_equal(want, h);
		}
		/* The sender is an access port: tagged frames are for the
		 * hash test above. */
		if (vsw_get_be16(f[i] + 12) == VSW_ETHERTYPE_VLAN)
			continue;
		for (unsigned j = 0; j < 4; j++)
			if (ks[j] < len[i])
				send_split(p, &s, f[i], len[i], ks[j], want);
	}
	vsw_port_remove(s.port);
	rsst_pair_free(p);
}

/* On a 9,000-byte switch a split frame of 6,000 bytes takes a run of
 * sections like any jumbo frame, freed by the guest's completion. */
static void test_rx_split_jumbo(void **state)
{
	static uint8_t f[9100];
	struct rsst_pair *p = rsst_pair_new_mtu(3, true, 9000);
	struct rsst_flow fl = rsst_flow4(3);
	struct sender s;
	uint32_t len, h;

	(void)state;
	sender_add(p, &s);
	len = rsst_frame(f, p->mb, s.mac, &fl, -1, 6000u - 54u, 9);
	assert_true(rsst_hash(rsst_ms_key, RSST_HASHINFO, &fl, &h));
	p->b.auto_complete = false;
	send_split(p, &s, f, len, 64, h);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 4);
	nvg_complete_held(&p->b);
	nvg_host_poll(&p->b);
	assert_int_equal(nvg_stats(&p->b).recv_sections_used, 0);
	vsw_port_remove(s.port);
	rsst_pair_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_split_equal),
		cmocka_unit_test(test_rx_split),
		cmocka_unit_test(test_rx_split_jumbo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
