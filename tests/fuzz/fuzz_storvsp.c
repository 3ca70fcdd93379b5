/* libFuzzer target: the storvsp packet handler (storvsp_handle_packet) fed
 * packets cut from the input, as a guest could write them into the ring:
 * any type, flags, header size and payload, GPA ranges naming any PFN.
 * The first byte chooses whether the init sequence is done first (so the
 * SRB paths are reached) and the controller kind. Completions go to a real
 * ring that is emptied when full. Guest memory is 16 pages; anything
 * outside must be refused by the check callback, never touched (ASan). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/storvsp/storvsp.h"
#include "tests/fuzz/fuzz_storvsp_gmem.h"
#include "storage/storvsp/vstor.h"
#include "vmbus/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RING_BYTES (VMBUS_PAGE_SIZE + 8192u)
#define SP_FUZZ_MAX 9216u

/* Page views only for even pages, so both data paths run. */
static void *gm_ptr(void *ctx, uint64_t pfn, int w)
{
	if (gm_check(ctx, pfn, w) || (pfn & 1))
		return NULL;
	return gmem + (pfn - GM_BASE) * 4096u;
}

static const struct storvsp_gmem_ops gm = { gm_check, gm_read, gm_write,
					    gm_ptr, NULL, NULL, NULL };

/* A packet as the ring reader hands it over (descriptor validated: the
 * header offset is within the packet, lengths in 8-byte units). */
static void feed(struct storvsp *sp, struct vmbus_chan *ch, const uint8_t *p,
		 size_t n)
{
	uint8_t pkt[SP_FUZZ_MAX];
	struct vmbus_pkt_info info;

	memset(&info, 0, sizeof(info));
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, p, n);
	memcpy(&info.desc, pkt, sizeof(info.desc));
	info.pkt_len = (uint32_t)((n + 7) & ~(size_t)7);
	if (info.pkt_len < 16)
		info.pkt_len = 16;
	info.payload_off = (uint32_t)info.desc.offset8 * 8u;
	if (info.payload_off < 16 || info.payload_off > info.pkt_len)
		info.payload_off = 16;
	info.payload_len = info.pkt_len - info.payload_off;
	if (storvsp_handle_packet(sp, ch, &info, pkt) == -EAGAIN || ch->out.broken) {
		vmbus_ring_format(ch->out.hdr, RING_BYTES);
		(void)vmbus_ring_attach(&ch->out, ch->out.hdr, RING_BYTES);
	}
}

static void init_seq(struct storvsp *sp, struct vmbus_chan *ch, uint16_t ver)
{
	static const uint32_t ops[] = { VSTOR_OP_BEGIN_INIT,
		VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_OP_QUERY_PROPERTIES,
		VSTOR_OP_END_INIT };
	uint8_t p[16 + 64];

	for (unsigned i = 0; i < 4; i++) {
		struct vstor_packet v = { .operation = ops[i] };
		struct vmbus_pkt_desc d = { VMBUS_PKT_INBAND, 2, 10,
					    VMBUS_PKT_FLAG_COMPLETION_REQUESTED, i };

		v.version.major_minor = ver;
		memcpy(p, &d, 16);
		memcpy(p + 16, &v, 64);
		feed(sp, ch, p, sizeof(p));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct storvsp_config cfg = { 0 };
	struct vmbus_chan ch;
	struct blockdev bd;
	struct scsi_disk_params dp = { .serial = "FUZZ" };
	struct storvsp *sp;
	uint8_t *ring = aligned_alloc(4096, RING_BYTES);
	size_t pos = 1;

	if (!ring || size < 1 || blockdev_ram_create(64u << 10, 512, &bd)) {
		free(ring);
		return 0;
	}
	cfg.kind = data[0] & 1 ? STORVSP_KIND_IDE : STORVSP_KIND_SCSI;
	cfg.gmem = &gm;
	cfg.max_subchannels = 2;
	sp = storvsp_create(&cfg);
	memset(&ch, 0, sizeof(ch));
	vmbus_ring_format(ring, RING_BYTES);
	if (!sp || vmbus_ring_attach(&ch.out, ring, RING_BYTES) ||
	    storvsp_add_lun(sp, 0, 0, 0, &bd, &dp))
		goto out;
	storvsp_dev_ops.on_open(sp, &ch);
	if (data[0] & 2)
		init_seq(sp, &ch, data[0] & 4 ? VSTOR_VERSION_WIN7 : VSTOR_VERSION_WIN10);
	/* Then packets: a 2-byte length (mod SP_FUZZ_MAX) and the bytes. */
	while (pos + 2 <= size) {
		size_t n = (size_t)(data[pos] | data[pos + 1] << 8) % SP_FUZZ_MAX;

		pos += 2;
		if (n > size - pos)
			n = size - pos;
		feed(sp, &ch, data + pos, n);
		pos += n;
	}
	storvsp_dev_ops.on_close(sp, &ch);
out:
	storvsp_destroy(sp);
	blockdev_close(&bd);
	free(ring);
	return 0;
}
