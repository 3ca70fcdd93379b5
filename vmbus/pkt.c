/*
 * GPA-direct and transfer-page packets (see pkt.h). The in-packet header
 * area is [16, offset8 * 8): descriptor, then the type's fixed header and
 * ranges; the in-band payload follows at offset8 * 8 (Linux
 * vmbus_sendpacket_mpb_desc sets offset8 to the header size this way).
 */
#include "vmbus/pkt.h"

#include <errno.h>
#include <string.h>

#include "vmbus/msg.h"

static int pkt_bad(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

/* Pages spanned by a range starting byte_offset into its first page. */
static uint64_t pkt_pages(uint32_t byte_offset, uint32_t byte_count)
{
	return ((uint64_t)byte_offset + byte_count + 4095u) / 4096u;
}

static int gpa_one(const uint8_t *pkt, uint32_t *off, uint32_t end,
		   struct vmbus_gpa_view *v, const char **why)
{
	struct vmbus_gpa_range rg;
	uint64_t pages;

	if ((uint64_t)*off + sizeof(rg) > end)
		return pkt_bad(why, "GPA range header beyond packet header");
	memcpy(&rg, pkt + *off, sizeof(rg));
	*off += (uint32_t)sizeof(rg);
	if (rg.byte_count == 0 || rg.byte_offset >= 4096u)
		return pkt_bad(why, "GPA range empty or offset beyond a page");
	pages = pkt_pages(rg.byte_offset, rg.byte_count);
	if (pages > VMBUS_PKT_MAX_PFNS || (uint64_t)*off + pages * 8u > end)
		return pkt_bad(why, "GPA range PFNs beyond packet header");
	v->byte_count = rg.byte_count;
	v->byte_offset = rg.byte_offset;
	v->pfn_count = (uint32_t)pages;
	v->pfns = pkt + *off;
	*off += (uint32_t)pages * 8u;
	return 0;
}

int vmbus_pkt_gpa_parse(const uint8_t *pkt, const struct vmbus_pkt_info *info,
			struct vmbus_gpa_view *ranges, unsigned max,
			unsigned *n, const char **why)
{
	struct vmbus_gpa_direct_hdr h;
	uint32_t off = sizeof(h), end = info->payload_off;
	int err;

	*n = 0;
	if (info->desc.type != VMBUS_PKT_GPA_DIRECT || end < sizeof(h))
		return pkt_bad(why, "not a GPA-direct packet");
	memcpy(&h, pkt, sizeof(h));
	if (h.range_cnt == 0)
		return pkt_bad(why, "GPA-direct packet without ranges");
	if (h.range_cnt > max || h.range_cnt > VMBUS_PKT_MAX_RANGES) {
		*why = "too many GPA ranges";
		return -E2BIG;
	}
	for (uint32_t i = 0; i < h.range_cnt; i++) {
		err = gpa_one(pkt, &off, end, &ranges[i], why);
		if (err)
			return err;
	}
	*n = h.range_cnt;
	return 0;
}

int vmbus_pkt_xfer_parse(const uint8_t *pkt, const struct vmbus_pkt_info *info,
			 struct vmbus_xfer_hdr *hdr, const uint8_t **ranges,
			 const char **why)
{
	uint32_t end = info->payload_off;

	if (info->desc.type != VMBUS_PKT_XFER_PAGES || end < sizeof(*hdr))
		return pkt_bad(why, "not a transfer-page packet");
	memcpy(hdr, pkt, sizeof(*hdr));
	if (hdr->range_cnt == 0 ||
	    (uint64_t)sizeof(*hdr) + (uint64_t)hdr->range_cnt * 8u > end)
		return pkt_bad(why, "transfer-page ranges beyond packet header");
	*ranges = pkt + sizeof(*hdr);
	return 0;
}

int vmbus_pkt_xfer_range(const uint8_t *ranges, uint32_t i, uint32_t buf_len,
			 struct vmbus_xfer_range *out)
{
	memcpy(out, ranges + (size_t)i * sizeof(*out), sizeof(*out));
	if ((uint64_t)out->byte_offset + out->byte_count > buf_len)
		return -ERANGE;
	return 0;
}

/* Sends v[0..n) (v[0] starts with room for the descriptor, hlen bytes of
 * header in total) then the payload, with offset8 covering the header. */
static int pkt_send(struct vmbus_chan *ch, uint16_t type, uint64_t trans_id,
		    struct vmbus_iovec *v, unsigned n, size_t hlen,
		    const void *payload, size_t len)
{
	struct vmbus_pkt_desc d = {
		.type = type,
		.offset8 = (uint16_t)(hlen / 8u),
		.len8 = (uint16_t)((hlen + len + 7u) / 8u),
		.flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
		.trans_id = trans_id,
	};
	bool sig = false;
	int err;

	if (len > 0xFFFFu * 8u - hlen)  /* hlen <= 24 + 16 * 16 + 1024 * 8 */
		return -EMSGSIZE;
	memcpy((void *)v[0].base, &d, sizeof(d));
	v[n].base = payload;
	v[n].len = len;
	err = vmbus_ring_write(&ch->out, v, n + 1, &sig);
	if (!err && sig && ch->signal)
		(void)ch->signal(ch->signal_ctx, ch->signal_id);
	return err;
}

int vmbus_chan_send_gpa(struct vmbus_chan *ch, uint64_t trans_id,
			const struct vmbus_gpa_desc *ranges, unsigned n,
			const void *payload, size_t len)
{
	struct vmbus_gpa_direct_hdr h = { .range_cnt = n };
	struct vmbus_gpa_range rg[VMBUS_PKT_MAX_RANGES];
	/* Gathered straight from the caller's PFN arrays: no big buffer. */
	struct vmbus_iovec v[2 + 2 * VMBUS_PKT_MAX_RANGES];
	size_t hlen = sizeof(h), total = 0;

	if (n == 0 || n > VMBUS_PKT_MAX_RANGES)
		return -EINVAL;
	v[0].base = &h;
	v[0].len = sizeof(h);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pages = pkt_pages(ranges[i].byte_offset,
					   ranges[i].byte_count);

		total += pages;
		if (ranges[i].byte_count == 0 || ranges[i].byte_offset >= 4096u ||
		    total > VMBUS_PKT_MAX_PFNS || !ranges[i].pfns)
			return -EINVAL;
		rg[i].byte_count = ranges[i].byte_count;
		rg[i].byte_offset = ranges[i].byte_offset;
		v[1 + 2 * i].base = &rg[i];
		v[1 + 2 * i].len = sizeof(rg[i]);
		v[2 + 2 * i].base = ranges[i].pfns;
		v[2 + 2 * i].len = (size_t)pages * 8u;
		hlen += sizeof(rg[i]) + (size_t)pages * 8u;
	}
	return pkt_send(ch, VMBUS_PKT_GPA_DIRECT, trans_id, v, 1 + 2 * n, hlen,
			payload, len);
}

int vmbus_chan_send_xfer(struct vmbus_chan *ch, uint64_t trans_id,
			 uint16_t pageset_id,
			 const struct vmbus_xfer_range *ranges, unsigned n,
			 const void *payload, size_t len)
{
	struct vmbus_xfer_hdr h = { .xfer_pageset_id = pageset_id,
				    .range_cnt = n };
	struct vmbus_iovec v[3] = { { &h, sizeof(h) },
				    { ranges, (size_t)n * 8u } };

	if (n == 0 || n > VMBUS_PKT_MAX_RANGES || !ranges)
		return -EINVAL;
	/* 24 + 8n: the header ends on the 8-byte boundary offset8 needs. */
	return pkt_send(ch, VMBUS_PKT_XFER_PAGES, trans_id, v, 2,
			sizeof(h) + (size_t)n * 8u, payload, len);
}
