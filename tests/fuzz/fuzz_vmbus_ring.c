/* libFuzzer target: a reader and a writer attached to a ring whose header
 * (indices, mask, pending_send_sz, feature bits) and data come from the
 * input. Whatever the bytes, operations must return errors, not touch
 * memory outside the ring (ASan), and terminate. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmbus/pkt.h"
#include "vmbus/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whatever came out of the ring also goes through the packet parsers. */
static void parse_packet(const uint8_t *pkt, const struct vmbus_pkt_info *info)
{
	struct vmbus_gpa_view v[VMBUS_PKT_MAX_RANGES];
	struct vmbus_xfer_range xr;
	struct vmbus_xfer_hdr xh;
	const uint8_t *ranges;
	const char *why;
	unsigned n;

	(void)vmbus_pkt_gpa_parse(pkt, info, v, VMBUS_PKT_MAX_RANGES, &n, &why);
	if (vmbus_pkt_xfer_parse(pkt, info, &xh, &ranges, &why) == 0)
		for (uint32_t i = 0; i < xh.range_cnt; i++)
			(void)vmbus_pkt_xfer_range(ranges, i, 65536, &xr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t data_sz = (size > 0 && (data[0] & 1)) ? 8192u : 4096u;
	size_t total = VMBUS_PAGE_SIZE + data_sz, n;
	uint8_t *mem = malloc(total), buf[512];
	struct vmbus_ring r, w;
	struct vmbus_pkt_info info;
	uint8_t pay[40] = { 0 };
	struct vmbus_iovec v = { pay, sizeof(pay) };
	bool sig;

	if (!mem)
		return 0;
	memset(mem, 0, total);
	if (size > 1) {
		/* Bytes 1..20 become the first 20 header bytes (indices,
		 * mask, pending_send_sz, part of reserved); the rest the data. */
		n = size - 1 < 20 ? size - 1 : 20;
		memcpy(mem, data + 1, n);
		((struct vmbus_ring_hdr *)mem)->feature_bits = data[0] >> 1;
		if (size > 21) {
			n = size - 21 < data_sz ? size - 21 : data_sz;
			memcpy(mem + VMBUS_PAGE_SIZE, data + 21, n);
		}
	}
	if (vmbus_ring_attach(&r, mem, total) == 0) {
		/* Each successful read consumes >= 24 bytes: bounded loop. */
		for (int i = 0; i < 1024; i++) {
			int rc = (i & 3) == 3 ?
				vmbus_ring_peek(&r, buf, sizeof(buf), &info) :
				vmbus_ring_read(&r, buf, sizeof(buf), &info, &sig);
			if (rc <= 0)
				break;
			parse_packet(buf, &info);
		}
		(void)vmbus_ring_mask_end(&r);
	}
	if (vmbus_ring_attach(&w, mem, total) == 0) {
		for (int i = 0; i < 4; i++)
			if (vmbus_ring_send(&w, VMBUS_PKT_INBAND, 0, 1, &v, 1,
					    &sig))
				break;
		(void)vmbus_ring_space(&w);
	}
	free(mem);
	return 0;
}
