/* fuzz_netvsp_env.h: shared setup of the netvsp fuzzers: a private switch
 * with two mock netvsc guests (tests/unit/vswitch/nvg.c), "a" fed by the
 * fuzzer, "b" well behaved, each fresh for every input. a's netvsp may
 * grant up to FZ_SUBCH sub-channels (the offer always succeeds), so
 * SUBCHANNEL, the RSS parameters and steering are reached; b has
 * FZ_SUBCH sub-channels and RSS on, as Linux sets it, so every frame a
 * sends b is hashed (IPv4, IPv6 and its extension headers) and b's
 * guest checks the hash element it comes with. b has spoken once, so
 * the switch knows its MAC: a's frames to b from the send buffer take
 * the split path (only their head copied by a's netvsp, the tail read
 * by b's straight out of a's send buffer, nvg.c's buf_ptr), and with
 * fz_rewrite a rewrites its send buffer at the moment netvsp takes that
 * pointer (after netvsp copied the headers and the head), as a guest on
 * another CPU could. Invariants after every input: neither guest saw
 * anything Linux's netvsc would reject, the receive-section count stays
 * within the buffer, and b still gets a frame from a (unless a's channel
 * broke, which closes only a), through guest pages and through the send
 * buffer, the latter by the split path. */
#ifndef FUZZ_NETVSP_ENV_H
#define FUZZ_NETVSP_ENV_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/vswitch/nvg.h"

#define FZ_RING (64u * 1024u)
#define FZ_RBUF (1728u * 64u)
#define FZ_SBUF (6144u * 8u)
#define FZ_SUBCH 3u

struct fz_env {
	struct vsw *sw;
	struct nvg a, b;
};

static const uint8_t fz_mac_a[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t fz_mac_b[6] = { 2, 0, 0, 0, 0, 2 };

static void fz_check(int ok)
{
	if (!ok)
		abort();
}

/* g's RSS on as Linux's rndis_set_rss_param_msg() sets it: Toeplitz
 * over IPv4, IPv6 and their TCP ports, 128 entries over the primary and
 * FZ_SUBCH sub-channels, a key of its own. */
static void fz_rss_on(struct nvg *g)
{
	uint8_t buf[sizeof(struct ndis_rss_params) + 4u * 128u + 40u];
	struct ndis_rss_params p = {
		{ NDIS_OBJECT_TYPE_RSS_PARAMETERS, 2, sizeof(p) }, 0, 0,
		NDIS_HASH_FUNC_TOEPLITZ | NDIS_HASH_IPV4 | NDIS_HASH_TCP_IPV4 |
		NDIS_HASH_IPV6 | NDIS_HASH_TCP_IPV6,
		4u * 128u, 0, sizeof(p), 40, 0, sizeof(p) + 4u * 128u, 0, 0, 0,
	};

	memcpy(buf, &p, sizeof(p));
	for (uint32_t i = 0; i < 128u; i++) {
		uint32_t e = i % (1u + FZ_SUBCH);

		memcpy(buf + sizeof(p) + 4u * i, &e, 4);
	}
	for (uint32_t i = 0; i < 40u; i++)
		buf[p.hashkey_offset + i] = (uint8_t)(i * 37u + 1u);
	fz_check(nvg_subchannels(g, FZ_SUBCH) == (int)FZ_SUBCH);
	fz_check(nvg_set(g, OID_GEN_RECEIVE_SCALE_PARAMETERS, buf,
			 sizeof(buf)) == (int)RNDIS_STATUS_SUCCESS);
}

/* What fz_rewrite XORs over a's send buffer (the fuzzer's input). */
static const uint8_t *fz_key;
static size_t fz_key_len;

/* nvg's on_ptr: the tail netvsp is about to hand the switch, and the
 * 128 bytes before it (the head and the message headers netvsp has
 * copied already), rewritten by the guest. */
static void fz_rewrite(struct nvg *g, uint32_t off, uint32_t len)
{
	uint32_t from = off > 128u ? off - 128u : 0;

	for (uint32_t i = from; i < off + len && fz_key_len; i++)
		g->send.mem[i] ^= fz_key[(i - from) % fz_key_len];
}

static uint64_t fz_splits(struct vsw *sw)
{
	struct vsw_stats st;

	vsw_get_stats(sw, &st);
	return st.split;
}

/* b says hello to a: the switch learns where b is. */
static void fz_learn_b(struct fz_env *e)
{
	uint8_t f[60];

	memset(f, 0, sizeof(f));
	memcpy(f, fz_mac_a, 6);
	memcpy(f + 6, fz_mac_b, 6);
	f[12] = 0x88;
	f[13] = 0xB5;
	fz_check(nvg_send_frame(&e->b, f, sizeof(f), ~0u, false) ==
		 NVSP_STAT_SUCCESS);
}

/* stage 0: channel open only; 1: NVSP connected; 2: RNDIS up. */
static void fz_up(struct fz_env *e, unsigned stage, uint32_t version)
{
	memset(e, 0, sizeof(*e));
	fz_check(vsw_create("f", VSW_TYPE_PRIVATE, NULL, &e->sw) == 0);
	fz_check(nvg_create(&e->a, e->sw, fz_mac_a, 0, FZ_RING, FZ_RBUF,
			    FZ_SBUF) == 0);
	fz_check(nvg_set_max_subchannels(&e->a, FZ_SUBCH) == 0);
	fz_check(nvg_create(&e->b, e->sw, fz_mac_b, 0, FZ_RING, FZ_RBUF,
			    FZ_SBUF) == 0);
	fz_check(nvg_set_max_subchannels(&e->b, FZ_SUBCH) == 0);
	fz_check(nvg_bringup(&e->b, NVSP_VERSION_61) == 0);
	fz_rss_on(&e->b);
	fz_learn_b(e);
	if (stage == 1)
		fz_check(nvg_connect(&e->a, version) == 0);
	else if (stage >= 2)
		fz_check(nvg_bringup(&e->a, version) == 0);
}

/* A frame a's netvsp accepts for b reaches b, intact and once; from
 * the send buffer by the split path. */
static void fz_check_frame(struct fz_env *e, bool rndis_up, bool gpa)
{
	uint8_t f[200];
	uint32_t n;
	uint64_t splits = fz_splits(e->sw);

	/* What a sent b before (fuzz_nvsp's records) read first. */
	fz_check(nvg_guest_drain(&e->b) >= 0);
	nvg_host_poll(&e->b);
	n = e->b.n_frames;
	memset(f, 0x5A, sizeof(f));
	memcpy(f, fz_mac_b, 6);
	memcpy(f + 6, fz_mac_a, 6);
	if (nvg_send_frame(&e->a, f, sizeof(f), ~0u, gpa) != NVSP_STAT_SUCCESS ||
	    !rndis_up)
		return;
	fz_check(nvg_guest_drain(&e->b) >= 0);
	fz_check(e->b.n_frames == n + 1);
	fz_check(!memcmp(e->b.frames[n % NVG_FRAMES].data, f, sizeof(f)));
	fz_check(fz_splits(e->sw) == splits + !gpa);
	nvg_host_poll(&e->b);
}

static void fz_down(struct fz_env *e)
{
	struct netvsp_stats s;
	int broken;

	e->a.on_ptr = NULL;
	broken = nvg_host_poll(&e->a) < 0;
	if (!broken)
		fz_check(nvg_guest_drain(&e->a) >= 0);
	nvg_host_poll(&e->a);
	netvsp_get_stats(e->a.nv, &s);
	fz_check(s.recv_sections_used <= s.recv_sections);
	fz_check(e->b.proto_errors == 0);
	/* a may have been told garbage answers to garbage requests, but
	 * never a malformed transfer, table or completion. */
	fz_check(e->a.proto_errors == 0);
	/* Whatever a did, a frame a's netvsp accepts for b reaches b,
	 * intact and once. */
	if (!broken && s.nvsp_version) {
		fz_check_frame(e, s.rndis_up, true);
		fz_check_frame(e, s.rndis_up, false);
	}
	nvg_destroy(&e->a);
	nvg_destroy(&e->b);
	vsw_destroy(e->sw);
}

#endif
