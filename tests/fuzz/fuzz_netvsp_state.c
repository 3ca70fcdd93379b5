/* fuzz_netvsp_state.c: libFuzzer target for netvsp_restore (a saved
 * state is a file a user can corrupt). The input:
 *   byte 0: bit 0 set: a's channel is closed before the restore (the
 *           blob must then say none was open);
 *   bytes 1-2: n, little-endian; then n bytes: the blob, restored into
 *           guest a's fresh netvsp (fuzz_netvsp_env.h: a switch, guests
 *           a and b, b up);
 *   then records [len lo][len hi][len bytes]: in-band NVSP messages a's
 *           guest sends after the restore.
 * Any blob ends in -EINVAL with a as it was (no version, no buffer held
 * open) or in 0, never in a crash, a leak or an access outside a buffer.
 * A restored state saves back to the same bytes; the guest then drains
 * what the state queued for it, completes the receives the state says it
 * holds (all sections free afterwards), gets a broadcast from b when its
 * RNDIS, filter and link say it should, sends its records, and fz_down
 * checks a frame from a reaches b and that neither guest saw anything
 * netvsc would reject. Seeds: mkseeds_netvsp_state.py. */
#include "tests/fuzz/fuzz_netvsp_env.h"

#include "vmbus/pkt.h"
#include "vswitch/netvsp/netvsp_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t fz_again[64u * 1024u];

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
	for (uint32_t i = 0; i < m->n_held &&
	     i < sizeof(g->held) / sizeof(g->held[0]); i++)
		memcpy(&g->held[g->n_held++], held + (size_t)i * 8u, 8);
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

/* A broadcast from b reaches a exactly when the state says it can. */
static void fz_broadcast(struct fz_env *e, const struct netvsp_st_main *m)
{
	uint8_t f[64];
	uint32_t n = e->a.n_frames;
	bool want = m->rndis_up && m->link_up && m->rbuf.open &&
		    (m->filter & (NDIS_PACKET_TYPE_BROADCAST |
				  NDIS_PACKET_TYPE_PROMISCUOUS));

	memset(f, 0xA5, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, fz_mac_b, 6);
	fz_check(nvg_send_frame(&e->b, f, sizeof(f), ~0u, true) ==
		 NVSP_STAT_SUCCESS);
	fz_check(nvg_guest_drain(&e->a) >= 0);
	fz_check(e->a.n_frames == n + (want ? 1u : 0u));
	if (want)
		fz_check(!memcmp(e->a.frames[n % NVG_FRAMES].data, f, sizeof(f)));
	fz_check(nvg_host_poll(&e->a) >= 0);
}

static void fz_restored(struct fz_env *e, const uint8_t *blob, size_t len)
{
	struct netvsp_st_main m;
	size_t again = 0;

	fz_check(netvsp_save(e->a.nv, fz_again, sizeof(fz_again), &again) == 0);
	fz_check(again == len && !memcmp(fz_again, blob, len));
	memcpy(&m, blob + sizeof(struct netvsp_st_hdr), sizeof(m));
	fz_guest_is(&e->a, &m, blob + sizeof(struct netvsp_st_hdr) + sizeof(m));
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
	if (netvsp_restore(e.a.nv, data + 3, n) == 0)
		fz_restored(&e, data + 3, n);
	else
		fz_refused(&e);
	if (!(data[0] & 1u))
		fz_records(&e.a, data + 3 + n, size - 3 - n);
	fz_down(&e);
	return 0;
}
