/* fuzz_netvsp_state.c: libFuzzer target for netvsp_restore (a saved
 * state is a file a user can corrupt). The input:
 *   byte 0: bit 0 set: a's channel is closed before the restore (the
 *           blob must then say none was open); bits 1-2: how many of
 *           a's sub-channels (1..FZ_SUBCH) the VMBus restore opened
 *           before it (on an open channel);
 *   bytes 1-2: n, little-endian; then n bytes: the blob, restored into
 *           guest a's fresh netvsp (fuzz_netvsp_env.h: a switch, guests
 *           a and b, b up);
 *   then records [len lo][len hi][len bytes]: in-band NVSP messages a's
 *           guest sends after the restore.
 * Any blob ends in -EINVAL with a as it was (no version, no buffer held
 * open) or in 0, never in a crash, a leak or an access outside a buffer.
 * A restored state saves back to the same bytes (a version 1 blob as
 * version 2 with an empty RSS record); the guest then drains
 * what the state queued for it, completes the receives the state says it
 * holds (all sections free afterwards), gets a broadcast from b when its
 * RNDIS, filter and link say it should, sends its records, and fz_down
 * checks a frame from a reaches b and that neither guest saw anything
 * netvsc would reject. Seeds: mkseeds_netvsp_state.py. */
#include "tests/fuzz/fuzz_netvsp_env.h"

#include "vmbus/pkt.h"
#include "vswitch/netvsp/netvsp_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t fz_again[64u * 1024u], fz_want[64u * 1024u];

static void fz_refused(struct fz_env *e)
{
	struct netvsp_stats s;

	netvsp_get_stats(e->a.nv, &s);
	fz_check(!s.nvsp_version && !s.recv_sections && !s.send_sections &&
		 !s.rndis_up && !s.recv_sections_used);
	fz_check(!e->a.recv.open && !e->a.send.open);
}

/* The guest is the one that built the state: it knows its version and
 * the page-set id it gave, and holds the receives the state names. */
static void fz_guest_is(struct nvg *g, const struct netvsp_st_main *m,
			const uint8_t *held)
{
	g->version = m->nvsp_version;
	g->send_section_size = m->sbuf.open ? m->send_sec_size : 0;
	g->recv_id = m->rbuf.id;
	g->n_held = 0;
	for (uint32_t i = 0; i < m->n_held && i < NVG_HELD_MAX; i++) {
		g->held_ch[g->n_held] = 0;
		memcpy(&g->held[g->n_held++], held + (size_t)i * 8u, 8);
	}
}

/* Replies the state queued reach the guest, the held receives are
 * completed: nothing stays used. */
static void fz_settle(struct fz_env *e)
{
	struct netvsp_stats s;

	for (int round = 0; round < 4; round++) {
		fz_check(nvg_host_poll(&e->a) >= 0);
		fz_check(nvg_guest_drain(&e->a) >= 0);
		nvg_complete_held(&e->a);
	}
	fz_check(nvg_host_poll(&e->a) >= 0);
	netvsp_get_stats(e->a.nv, &s);
	fz_check(s.recv_sections_used == 0 && s.comp_bad == 0);
}

/* A broadcast from b reaches a exactly when the state says it can. It
 * is TCP over IPv4, so a restored RSS state hashes it to a channel (one
 * of a's open ones, else the primary). */
static void fz_broadcast(struct fz_env *e, const struct netvsp_st_main *m)
{
	static const uint8_t ip_tcp[24] = {
		0x08, 0x00, 0x45, 0, 0, 50, 0, 1, 0x40, 0, 64, 6, 0, 0,
		10, 0, 0, 2, 10, 0, 0, 1, 0x04, 0xd2,
	};
	uint8_t f[64];
	uint32_t n = e->a.n_frames;
	bool want = m->rndis_up && m->link_up && m->rbuf.open &&
		    (m->filter & (NDIS_PACKET_TYPE_BROADCAST |
				  NDIS_PACKET_TYPE_PROMISCUOUS));

	memset(f, 0xA5, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, fz_mac_b, 6);
	memcpy(f + 12, ip_tcp, sizeof(ip_tcp));
	fz_check(nvg_send_frame(&e->b, f, sizeof(f), ~0u, true) ==
		 NVSP_STAT_SUCCESS);
	fz_check(nvg_guest_drain(&e->a) >= 0);
	fz_check(e->a.n_frames == n + (want ? 1u : 0u));
	if (want)
		fz_check(!memcmp(e->a.frames[n % NVG_FRAMES].data, f, sizeof(f)));
	fz_check(nvg_host_poll(&e->a) >= 0);
}

/* What netvsp_save must write after restoring blob: the blob itself,
 * or a version 1 blob as version 2 (its RSS record, all 0, after the
 * main record). Returns its length; *held where the held tids start. */
static size_t fz_expected(const uint8_t *blob, size_t len, size_t *held)
{
	size_t fixed = sizeof(struct netvsp_st_hdr) + sizeof(struct netvsp_st_main);
	struct netvsp_st_hdr h;

	memcpy(&h, blob, sizeof(h));
	*held = fixed + sizeof(struct netvsp_st_rss);
	if (h.version == NETVSP_ST_VERSION) {
		memcpy(fz_want, blob, len);
		return len;
	}
	h.version = NETVSP_ST_VERSION;
	h.total = (uint32_t)(len + sizeof(struct netvsp_st_rss));
	memcpy(fz_want, &h, sizeof(h));
	memcpy(fz_want + sizeof(h), blob + sizeof(h), fixed - sizeof(h));
	memset(fz_want + fixed, 0, sizeof(struct netvsp_st_rss));
	memcpy(fz_want + *held, blob + fixed, len - fixed);
	return h.total;
}

static void fz_restored(struct fz_env *e, const uint8_t *blob, size_t len)
{
	struct netvsp_st_main m;
	size_t again = 0, held, want = fz_expected(blob, len, &held);

	fz_check(netvsp_save(e->a.nv, fz_again, sizeof(fz_again), &again) == 0);
	fz_check(again == want && !memcmp(fz_again, fz_want, want));
	memcpy(&m, blob + sizeof(struct netvsp_st_hdr), sizeof(m));
	fz_guest_is(&e->a, &m, fz_want + held);
	if (!m.has_channel)
		return;
	fz_settle(e);
	fz_broadcast(e, &m);
}

static void fz_records(struct nvg *g, const uint8_t *p, size_t size)
{
	size_t off = 0;

	while (off + 2 <= size) {
		size_t n = (size_t)p[off] | (size_t)p[off + 1] << 8;

		if (n > size - off - 2)
			n = size - off - 2;
		(void)vmbus_chan_send(&g->guest, VMBUS_PKT_INBAND,
				      VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 7,
				      p + off + 2, n);
		off += 2 + n;
		if (nvg_host_poll(g) < 0)
			break;
		fz_check(nvg_guest_drain(g) >= 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env e;
	size_t n;

	if (size < 3)
		return 0;
	n = (size_t)data[1] | (size_t)data[2] << 8;
	if (n > size - 3)
		n = size - 3;
	fz_up(&e, 0, 0);
	if (data[0] & 1u)
		netvsp_close(e.a.nv);
	else
		for (uint16_t i = 1; i <= (data[0] >> 1 & 3u); i++)
			fz_check(nvg_open_sub(&e.a, i) == 0);
	if (netvsp_restore(e.a.nv, data + 3, n) == 0)
		fz_restored(&e, data + 3, n);
	else
		fz_refused(&e);
	if (!(data[0] & 1u))
		fz_records(&e.a, data + 3 + n, size - 3 - n);
	fz_down(&e);
	return 0;
}
