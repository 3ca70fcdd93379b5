/* fuzz_nvsp.c: libFuzzer target for netvsp's NVSP layer. The input is a
 * stream of packets the guest writes into its ring:
 *   byte 0: bits 0-1 stage (fresh / connected / RNDIS up), bits 2-4 the
 *           NVSP version index;
 *   then records [kind][flags][len lo][len hi][len bytes]:
 *     kind 0 in-band NVSP message, 1 GPA-direct (the bytes are the range
 *     header area, then a SEND_RNDIS_PKT), 2 completion (8-byte tid +
 *     payload), 3 transfer-page packet, 4 a bare descriptor of any type,
 *     5 bytes written into the send buffer (a 16-bit offset, then the
 *     bytes), which a later SEND_RNDIS_PKT names by section: RNDIS
 *     messages and frames there, so frames to b take the split path;
 *     flags bit 1: the guest rewrites its send buffer as netvsp takes a
 *     frame's tail (fz_rewrite), from this record on.
 * The host polls after every record; the guest drains and completes.
 * Invariants: see fuzz_netvsp_env.h. */
#include "tests/fuzz/fuzz_netvsp_env.h"

#include "vmbus/pkt.h"
#include "vmbus/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t fz_versions[8] = {
	NVSP_VERSION_1, NVSP_VERSION_2, NVSP_VERSION_4, NVSP_VERSION_5,
	NVSP_VERSION_6, NVSP_VERSION_61, NVSP_VERSION_61, NVSP_VERSION_5,
};

static void fz_gpa(struct nvg *g, uint16_t flags, const uint8_t *p, size_t n)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	uint8_t hdr[256 + 24];
	struct vmbus_iovec v[2];
	struct vmbus_pkt_desc d;
	bool sig;
	size_t h = n > 256 ? 256 : n;

	/* A hand-made GPA-direct header: descriptor, then the fuzzer's
	 * bytes as reserved/range_cnt/ranges, padded to 8. */
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr + 16, p, h);
	h = (16 + h + 7) & ~(size_t)7;
	m.rndis_pkt.section_index = NVSP_INVALID_SECTION;
	d = (struct vmbus_pkt_desc){ VMBUS_PKT_GPA_DIRECT, (uint16_t)(h / 8),
				     (uint16_t)((h + sizeof(m)) / 8), flags, 9 };
	memcpy(hdr, &d, sizeof(d));
	v[0] = (struct vmbus_iovec){ hdr, h };
	v[1] = (struct vmbus_iovec){ &m, sizeof(m) };
	(void)vmbus_ring_write(&g->guest.out, v, 2, &sig);
}

/* Record 5: bytes into the send buffer at the offset they begin with. */
static void fz_poke(struct nvg *g, const uint8_t *p, size_t n)
{
	uint32_t off;

	if (n < 2 || !g->send.bytes)
		return;
	off = (uint32_t)(p[0] | p[1] << 8) % g->send.bytes;
	n -= 2;
	if (n > g->send.bytes - off)
		n = g->send.bytes - off;
	memcpy(g->send.mem + off, p + 2, n);
}

static void fz_record(struct nvg *g, uint8_t kind, uint8_t flags,
		      const uint8_t *p, size_t n)
{
	struct vmbus_xfer_range r = { 0, 0 };
	uint64_t tid = 0;

	if (flags & 2u)
		g->on_ptr = fz_rewrite;
	switch (kind % 6) {
	case 0:
		(void)vmbus_chan_send(&g->guest, VMBUS_PKT_INBAND, flags & 1, 1,
				      p, n);
		break;
	case 1:
		fz_gpa(g, flags & 1, p, n);
		break;
	case 2:
		if (n >= 8)
			memcpy(&tid, p, 8);
		(void)vmbus_chan_send_comp(&g->guest, tid, n > 8 ? p + 8 : p,
					   n > 8 ? n - 8 : 0);
		break;
	case 3:
		if (n >= 8)
			memcpy(&r, p, 8);
		(void)vmbus_chan_send_xfer(&g->guest, 3, NVSP_RECV_BUF_ID, &r, 1,
					   p, n);
		break;
	case 4:
		(void)vmbus_chan_send(&g->guest, flags, 0, 5, p, n);
		break;
	default:
		fz_poke(g, p, n);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env e;
	size_t off = 1;

	if (size < 1)
		return 0;
	fz_up(&e, data[0] & 3u, fz_versions[data[0] >> 2 & 7u]);
	fz_key = data;
	fz_key_len = size;
	while (off + 4 <= size) {
		size_t n = (size_t)data[off + 2] | (size_t)data[off + 3] << 8;

		if (n > size - off - 4)
			n = size - off - 4;
		fz_record(&e.a, data[off], data[off + 1], data + off + 4, n);
		off += 4 + n;
		if (nvg_host_poll(&e.a) < 0)
			break;
		fz_check(nvg_guest_drain(&e.a) >= 0);
	}
	fz_down(&e);
	return 0;
}
