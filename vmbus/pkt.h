/*
 * VMBus data packets that carry memory references (include/linux/hyperv.h
 * struct vmtransfer_page_packet_header and struct vmdata_gpa_direct):
 *  - type 9 GPA direct: the sender lists guest pages (storvsc data);
 *  - type 7 transfer pages: ranges inside a buffer shared earlier by GPADL
 *    (netvsc receive buffer, page set 0xCAFE).
 * Parsers validate every count and length against the packet; builders
 * send through a channel.
 */
#ifndef VMBUS_PKT_H
#define VMBUS_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "vmbus/chan.h"
#include "vmbus/ring.h"

/* struct vmtransfer_page_range */
struct vmbus_xfer_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_xfer_range) == 8, "vmtransfer_page_range");

/* struct vmtransfer_page_packet_header without its ranges[] */
struct vmbus_xfer_hdr {
	struct vmbus_pkt_desc d;
	uint16_t xfer_pageset_id;
	uint8_t sender_owns_set;
	uint8_t reserved;
	uint32_t range_cnt;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_xfer_hdr) == 24, "xfer page header");

/* struct vmdata_gpa_direct without its ranges; each range is a
 * struct gpa_range (vmbus_gpa_range in msg.h) followed by its PFNs. */
struct vmbus_gpa_direct_hdr {
	struct vmbus_pkt_desc d;
	uint32_t reserved;
	uint32_t range_cnt;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpa_direct_hdr) == 24, "vmdata_gpa_direct");

/* Bounds on what we build and accept (storvsc's largest request, 2 MiB
 * in 4 KiB pages, fits with room to spare). */
#define VMBUS_PKT_MAX_RANGES 16u
#define VMBUS_PKT_MAX_PFNS 1024u

/* One GPA range, decoded (pfns points into the packet copy, unaligned
 * little-endian u64s: read with vmbus_msg_pfn_at). */
struct vmbus_gpa_view {
	uint32_t byte_count;
	uint32_t byte_offset;  /* into the first page, < 4096 */
	uint32_t pfn_count;
	const uint8_t *pfns;
};

/* Decodes a type-9 packet held in pkt (as returned by vmbus_ring_read
 * etc.). Fills up to max ranges; *n = count. Returns 0 or -EINVAL / -E2BIG
 * with *why. */
int vmbus_pkt_gpa_parse(const uint8_t *pkt, const struct vmbus_pkt_info *info,
			struct vmbus_gpa_view *ranges, unsigned max,
			unsigned *n, const char **why);

/* Decodes a type-7 packet: header and ranges (validated to fit before the
 * payload; ranges point into pkt). Range contents are the device's to
 * check against its buffer size (vmbus_pkt_xfer_range). */
int vmbus_pkt_xfer_parse(const uint8_t *pkt, const struct vmbus_pkt_info *info,
			 struct vmbus_xfer_hdr *hdr, const uint8_t **ranges,
			 const char **why);
/* Range i of a parsed transfer-page packet, checked to lie inside a
 * buffer of buf_len bytes. Returns 0 or -ERANGE. */
int vmbus_pkt_xfer_range(const uint8_t *ranges, uint32_t i, uint32_t buf_len,
			 struct vmbus_xfer_range *out);

/* A GPA range to send: pfn_count = pages spanned by offset + count. */
struct vmbus_gpa_desc {
	uint32_t byte_count;
	uint32_t byte_offset;
	const uint64_t *pfns;
};

/* Sends a GPA-direct packet (type 9, completion requested) with the given
 * ranges and an in-band payload after them. */
int vmbus_chan_send_gpa(struct vmbus_chan *ch, uint64_t trans_id,
			const struct vmbus_gpa_desc *ranges, unsigned n,
			const void *payload, size_t len);

/* Sends a transfer-page packet (type 7, completion requested) naming
 * ranges of page set pageset_id, with an in-band payload. */
int vmbus_chan_send_xfer(struct vmbus_chan *ch, uint64_t trans_id,
			 uint16_t pageset_id,
			 const struct vmbus_xfer_range *ranges, unsigned n,
			 const void *payload, size_t len);

#endif /* VMBUS_PKT_H */
