/*
 * VMBus channel message validation and GPADL message assembly. Sizes and
 * rules from include/linux/hyperv.h and drivers/hv/channel.c /
 * channel_mgmt.c (facts only).
 */
#include "vmbus/msg.h"

#include <errno.h>
#include <string.h>

struct msg_rule {
	const char *name;
	uint16_t min_len;
};

/* Minimum lengths per type: the fixed part of each message (Linux
 * channel_message_table[].min_payload_len uses the same sizes). */
static const struct msg_rule msg_rules[VMBUS_MSG_COUNT] = {
	[VMBUS_MSG_INVALID] = { "INVALID", 0 },
	[VMBUS_MSG_OFFERCHANNEL] = { "OFFERCHANNEL", sizeof(struct vmbus_msg_offer) },
	[VMBUS_MSG_RESCIND_OFFER] = { "RESCIND_OFFER", sizeof(struct vmbus_msg_relid) },
	[VMBUS_MSG_REQUESTOFFERS] = { "REQUESTOFFERS", sizeof(struct vmbus_msg_hdr) },
	[VMBUS_MSG_ALLOFFERS_DELIVERED] = { "ALLOFFERS_DELIVERED",
					    sizeof(struct vmbus_msg_hdr) },
	[VMBUS_MSG_OPENCHANNEL] = { "OPENCHANNEL", sizeof(struct vmbus_msg_open) },
	[VMBUS_MSG_OPENCHANNEL_RESULT] = { "OPENCHANNEL_RESULT",
					   sizeof(struct vmbus_msg_open_result) },
	[VMBUS_MSG_CLOSECHANNEL] = { "CLOSECHANNEL", sizeof(struct vmbus_msg_relid) },
	[VMBUS_MSG_GPADL_HEADER] = { "GPADL_HEADER",
				     sizeof(struct vmbus_msg_gpadl_header) },
	[VMBUS_MSG_GPADL_BODY] = { "GPADL_BODY", sizeof(struct vmbus_msg_gpadl_body) },
	[VMBUS_MSG_GPADL_CREATED] = { "GPADL_CREATED",
				      sizeof(struct vmbus_msg_gpadl_created) },
	[VMBUS_MSG_GPADL_TEARDOWN] = { "GPADL_TEARDOWN",
				       sizeof(struct vmbus_msg_gpadl_teardown) },
	[VMBUS_MSG_GPADL_TORNDOWN] = { "GPADL_TORNDOWN",
				       sizeof(struct vmbus_msg_gpadl_torndown) },
	[VMBUS_MSG_RELID_RELEASED] = { "RELID_RELEASED",
				       sizeof(struct vmbus_msg_relid) },
	[VMBUS_MSG_INITIATE_CONTACT] = { "INITIATE_CONTACT",
					 sizeof(struct vmbus_msg_initiate) },
	[VMBUS_MSG_VERSION_RESPONSE] = { "VERSION_RESPONSE",
					 sizeof(struct vmbus_msg_version_response) },
	[VMBUS_MSG_UNLOAD] = { "UNLOAD", sizeof(struct vmbus_msg_hdr) },
	[VMBUS_MSG_UNLOAD_RESPONSE] = { "UNLOAD_RESPONSE",
					sizeof(struct vmbus_msg_hdr) },
	/* 18-21 and 23: no entry, so unknown (msg_check). */
	[VMBUS_MSG_MODIFYCHANNEL] = { "MODIFYCHANNEL", sizeof(struct vmbus_msg_modify) },
	[VMBUS_MSG_MODIFYCHANNEL_RESPONSE] = { "MODIFYCHANNEL_RESPONSE",
					       sizeof(struct vmbus_msg_modify_response) },
};

const char *vmbus_msg_name(uint32_t type)
{
	return type < VMBUS_MSG_COUNT && msg_rules[type].name ? msg_rules[type].name : "?";
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vmbus_guid_parse(const char *text, struct vmbus_guid *out)
{
	/* Wire position of the n-th written byte: fields 1-3 byte-swapped. */
	static const uint8_t pos[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
					 8, 9, 10, 11, 12, 13, 14, 15 };
	unsigned n = 0, i = 0;

	if (!text)
		return -EINVAL;
	/* Strictly 8-4-4-4-12; each character is checked before the next is
	 * read, so a short string stops at its terminator. */
	while (i < 36) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i++] != '-')
				return -EINVAL;
			continue;
		}
		hi = hex_val(text[i]);
		if (hi < 0)
			return -EINVAL;
		lo = hex_val(text[i + 1]);
		if (lo < 0)
			return -EINVAL;
		out->b[pos[n++]] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return text[36] == '\0' ? 0 : -EINVAL;
}

int vmbus_msg_version_known(uint32_t version)
{
	switch (version) {
	case VMBUS_VERSION_WIN8: case VMBUS_VERSION_WIN8_1:
	case VMBUS_VERSION_WIN10: case VMBUS_VERSION_WIN10_41:
	case VMBUS_VERSION_V5_0: case VMBUS_VERSION_V5_1:
	case VMBUS_VERSION_V5_2: case VMBUS_VERSION_V5_3:
		return 1;
	default:
		return 0;
	}
}

uint64_t vmbus_msg_pfn_at(const uint8_t *pfns, uint32_t i)
{
	uint64_t v;

	memcpy(&v, pfns + (size_t)i * 8u, sizeof(v));
	return v;
}

/* Checks a GPADL_HEADER from one private copy of its fixed part and range
 * (the guest may change the message under us: no double fetch) and, when
 * out is given and the GPADL is single-range, decodes it from the same
 * copies; out->total_pfns stays 0 for a multi-range GPADL. */
static int gpadl_header_check(const void *buf, size_t len, const char **why,
			      struct vmbus_gpadl_hdr_info *out)
{
	struct vmbus_msg_gpadl_header hh, *h = &hh;
	struct vmbus_gpa_range rg;
	uint64_t pages;

	memcpy(&hh, buf, sizeof(hh));
	if (h->rangecount == 0) {
		*why = "GPADL_HEADER with no ranges";
		return -EINVAL;
	}
	if (len < sizeof(*h) + sizeof(rg) ||
	    h->range_buflen < sizeof(rg) ||
	    (h->range_buflen - sizeof(rg)) % 8u != 0) {
		*why = "GPADL_HEADER range shorter than a gpa_range";
		return -EINVAL;
	}
	if ((len - sizeof(*h) - sizeof(rg)) % 8u != 0) {
		*why = "GPADL_HEADER length not a whole number of PFNs";
		return -EINVAL;
	}
	memcpy(&rg, (const uint8_t *)buf + sizeof(*h), sizeof(rg));
	if (rg.byte_count == 0 || rg.byte_offset >= 4096u) {
		*why = "GPADL_HEADER byte_count zero or byte_offset >= page";
		return -EINVAL;
	}
	if (h->rangecount != 1)
		return 0;  /* decode refuses these with its own reason */
	pages = ((uint64_t)rg.byte_offset + rg.byte_count + 4095u) / 4096u;
	if (pages != (h->range_buflen - sizeof(rg)) / 8u) {
		*why = "GPADL_HEADER PFN count disagrees with byte_count";
		return -EINVAL;
	}
	if ((len - sizeof(*h) - sizeof(rg)) / 8u > pages) {
		*why = "GPADL_HEADER carries more PFNs than its range";
		return -EINVAL;
	}
	if (out) {
		out->child_relid = h->child_relid;
		out->gpadl = h->gpadl;
		out->byte_count = rg.byte_count;
		out->byte_offset = rg.byte_offset;
		out->total_pfns = (uint32_t)pages;
		out->pfns_here = (uint32_t)((len - sizeof(*h) - sizeof(rg)) / 8u);
		out->pfns = (const uint8_t *)buf + sizeof(*h) + sizeof(rg);
	}
	return 0;
}

static int body_check(size_t len, const char **why)
{
	size_t n = len - sizeof(struct vmbus_msg_gpadl_body);

	if (n == 0 || n % 8u != 0) {
		*why = "GPADL_BODY without a whole number of PFNs";
		return -EINVAL;
	}
	return 0;
}

static int msg_check(const void *buf, size_t len, const char **why,
		     struct vmbus_gpadl_hdr_info *gi)
{
	struct vmbus_msg_hdr h;
	static const char *ok = "ok";

	*why = ok;
	if (!buf || len < sizeof(h)) {
		*why = "message shorter than its header";
		return -EINVAL;
	}
	if (len > VMBUS_MSG_MAX) {
		*why = "message longer than 240 bytes";
		return -EMSGSIZE;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.msgtype == VMBUS_MSG_INVALID || h.msgtype >= VMBUS_MSG_COUNT ||
	    !msg_rules[h.msgtype].name) {
		*why = "unknown message type";
		return -EPROTO;
	}
	if (len < msg_rules[h.msgtype].min_len) {
		*why = "message shorter than its type requires";
		return -EINVAL;
	}
	if (h.msgtype == VMBUS_MSG_GPADL_HEADER) {
		int err = gpadl_header_check(buf, len, why, gi);

		if (err)
			return err;
	}
	if (h.msgtype == VMBUS_MSG_GPADL_BODY && body_check(len, why))
		return -EINVAL;
	return (int)h.msgtype;
}

int vmbus_msg_validate(const void *buf, size_t len, const char **why)
{
	return msg_check(buf, len, why, NULL);
}

int vmbus_msg_gpadl_header_decode(const void *buf, size_t len,
				  struct vmbus_gpadl_hdr_info *out,
				  const char **why)
{
	struct vmbus_gpadl_hdr_info gi = { 0 };

	if (msg_check(buf, len, why, &gi) != VMBUS_MSG_GPADL_HEADER) {
		if (**why == 'o')
			*why = "not a GPADL_HEADER";
		return -EINVAL;
	}
	if (gi.total_pfns == 0) {
		*why = "multi-range GPADL not supported";
		return -EOPNOTSUPP;
	}
	*out = gi;
	return 0;
}

int vmbus_msg_gpadl_header_build(void *buf, uint32_t relid, uint32_t gpadl,
				 const uint64_t *pfns, uint32_t npfn,
				 uint32_t byte_count, uint32_t *used)
{
	struct vmbus_msg_gpadl_header h;
	struct vmbus_gpa_range rg = { .byte_count = byte_count,
				      .byte_offset = 0 };
	uint32_t here = npfn < VMBUS_GPADL_HEADER_MAX_PFNS ?
			npfn : (uint32_t)VMBUS_GPADL_HEADER_MAX_PFNS;
	uint8_t *p = buf;

	/* range_buflen is 16 bits and covers every PFN of the GPADL. */
	if (npfn == 0 || (uint64_t)npfn * 8u + sizeof(rg) > 0xFFFFu ||
	    ((uint64_t)byte_count + 4095u) / 4096u != npfn)
		return -EINVAL;
	memset(&h, 0, sizeof(h));
	h.hdr.msgtype = VMBUS_MSG_GPADL_HEADER;
	h.child_relid = relid;
	h.gpadl = gpadl;
	h.range_buflen = (uint16_t)(sizeof(rg) + (size_t)npfn * 8u);
	h.rangecount = 1;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), &rg, sizeof(rg));
	memcpy(p + sizeof(h) + sizeof(rg), pfns, (size_t)here * 8u);
	*used = here;
	return (int)(sizeof(h) + sizeof(rg) + (size_t)here * 8u);
}

int vmbus_msg_gpadl_body_build(void *buf, uint32_t msgnumber, uint32_t gpadl,
			       const uint64_t *pfns, uint32_t npfn,
			       uint32_t *used)
{
	struct vmbus_msg_gpadl_body b;
	uint32_t here = npfn < VMBUS_GPADL_BODY_MAX_PFNS ?
			npfn : (uint32_t)VMBUS_GPADL_BODY_MAX_PFNS;

	if (npfn == 0)
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	b.hdr.msgtype = VMBUS_MSG_GPADL_BODY;
	b.msgnumber = msgnumber;
	b.gpadl = gpadl;
	memcpy(buf, &b, sizeof(b));
	memcpy((uint8_t *)buf + sizeof(b), pfns, (size_t)here * 8u);
	*used = here;
	return (int)(sizeof(b) + (size_t)here * 8u);
}

uint32_t vmbus_msg_gpadl_body_count(size_t len)
{
	return (uint32_t)((len - sizeof(struct vmbus_msg_gpadl_body)) / 8u);
}
