/* Integration-component messages (see ic.h). */
#include "vmbus/ic.h"

#include <errno.h>
#include <string.h>

static size_t ic_frame(uint8_t *buf, size_t cap, uint16_t msgtype, uint8_t tid, uint32_t fw,
		       uint32_t srv, size_t len)
{
	struct vmbus_ic_pipe_hdr p;
	struct vmbus_ic_hdr h;

	if (len > 0xffff || cap < VMBUS_IC_DATA_OFF + len)
		return 0;
	memset(&p, 0, sizeof(p));
	memset(&h, 0, sizeof(h));
	p.msgsize = (uint32_t)(sizeof(h) + len);
	h.frame = (struct vmbus_ic_version){ (uint16_t)(fw >> 16), (uint16_t)fw };
	h.msg = (struct vmbus_ic_version){ (uint16_t)(srv >> 16), (uint16_t)srv };
	h.msgtype = msgtype;
	h.msgsize = (uint16_t)len;
	h.transaction_id = tid;
	h.flags = VMBUS_IC_FLAG_TRANSACTION | VMBUS_IC_FLAG_REQUEST;
	memcpy(buf, &p, sizeof(p));
	memcpy(buf + VMBUS_IC_HDR_OFF, &h, sizeof(h));
	return VMBUS_IC_DATA_OFF + len;
}

size_t vmbus_ic_build_request(uint8_t *buf, size_t cap, uint16_t msgtype, uint8_t tid,
			      uint32_t fw, uint32_t srv, const void *data, size_t len)
{
	size_t n = ic_frame(buf, cap, msgtype, tid, fw, srv, len);

	if (n && len && data)
		memcpy(buf + VMBUS_IC_DATA_OFF, data, len);
	else if (n && len)
		memset(buf + VMBUS_IC_DATA_OFF, 0, len);
	return n;
}

size_t vmbus_ic_build_negotiate(uint8_t *buf, size_t cap, uint8_t tid, const uint32_t *fw,
				unsigned nfw, const uint32_t *srv, unsigned nsrv)
{
	size_t len = sizeof(struct vmbus_ic_negotiate) + (size_t)(nfw + nsrv) * 4;
	struct vmbus_ic_negotiate n;
	size_t total;

	if (nfw > VMBUS_IC_MAX_VERSIONS || nsrv > VMBUS_IC_MAX_VERSIONS)
		return 0;
	/* The header's versions of a negotiation are the lowest (1.0, as
	 * Hyper-V sends before anything is agreed). */
	total = ic_frame(buf, cap, VMBUS_IC_TYPE_NEGOTIATE, tid, VMBUS_IC_VER(1, 0),
			 VMBUS_IC_VER(1, 0), len);
	if (!total)
		return 0;
	memset(&n, 0, sizeof(n));
	n.frame_count = (uint16_t)nfw;
	n.msg_count = (uint16_t)nsrv;
	memcpy(buf + VMBUS_IC_DATA_OFF, &n, sizeof(n));
	for (unsigned i = 0; i < nfw + nsrv; i++) {
		uint32_t v = i < nfw ? fw[i] : srv[i - nfw];
		struct vmbus_ic_version iv = { (uint16_t)(v >> 16), (uint16_t)v };

		memcpy(buf + VMBUS_IC_DATA_OFF + sizeof(n) + i * 4, &iv, 4);
	}
	return total;
}

int vmbus_ic_parse_response(const uint8_t *buf, size_t len, struct vmbus_ic_hdr *hdr,
			    const uint8_t **data, size_t *dlen, const char **why)
{
	*why = "IC packet shorter than its headers";
	if (len < VMBUS_IC_DATA_OFF)
		return -EPROTO;
	memcpy(hdr, buf + VMBUS_IC_HDR_OFF, sizeof(*hdr));
	/* Linux answers in place with the request's length, so the data
	 * runs to the end of the packet (padding included); msgsize may be
	 * less (a negotiation answer says 0x10). */
	*why = "IC message size past the packet";
	if (hdr->msgsize > len - VMBUS_IC_DATA_OFF)
		return -EPROTO;
	*why = "IC packet is not a response";
	if (!(hdr->flags & VMBUS_IC_FLAG_RESPONSE))
		return -EPROTO;
	*data = buf + VMBUS_IC_DATA_OFF;
	*dlen = len - VMBUS_IC_DATA_OFF;
	return 0;
}

int vmbus_ic_negotiated(const uint8_t *data, size_t dlen, uint32_t *fw, uint32_t *srv)
{
	struct vmbus_ic_negotiate n;
	struct vmbus_ic_version v[2];

	if (dlen < sizeof(n) + sizeof(v))
		return -EPROTO;
	memcpy(&n, data, sizeof(n));
	memcpy(v, data + sizeof(n), sizeof(v));
	if (n.frame_count != 1 || n.msg_count != 1)
		return -EPROTO;
	*fw = VMBUS_IC_VER(v[0].major, v[0].minor);
	*srv = VMBUS_IC_VER(v[1].major, v[1].minor);
	return 0;
}

/* The first of ours (highest first) among the host's list[0..n). */
static int ic_pick(const uint8_t *list, unsigned n, const uint32_t *ours, unsigned nours,
		   uint32_t *got)
{
	for (unsigned i = 0; i < nours; i++)
		for (unsigned j = 0; j < n; j++) {
			struct vmbus_ic_version v;

			memcpy(&v, list + j * 4, 4);
			if (VMBUS_IC_VER(v.major, v.minor) == ours[i]) {
				*got = ours[i];
				return 1;
			}
		}
	return 0;
}

int vmbus_ic_answer_negotiate(uint8_t *buf, size_t len, const uint32_t *fw, unsigned nfw,
			      const uint32_t *srv, unsigned nsrv, uint32_t *got_fw,
			      uint32_t *got_srv)
{
	struct vmbus_ic_negotiate n;
	struct vmbus_ic_hdr h;
	struct vmbus_ic_version v[2];
	const uint8_t *list = buf + VMBUS_IC_DATA_OFF + sizeof(n);
	int ok;

	if (len < VMBUS_IC_DATA_OFF + sizeof(n) + sizeof(v))
		return -EPROTO;
	memcpy(&h, buf + VMBUS_IC_HDR_OFF, sizeof(h));
	memcpy(&n, buf + VMBUS_IC_DATA_OFF, sizeof(n));
	/* Both lists must be inside the packet (Linux checks the same
	 * before reading them, ICMSG_NEGOTIATE_PKT_SIZE). */
	if (n.frame_count > VMBUS_IC_MAX_VERSIONS || n.msg_count > VMBUS_IC_MAX_VERSIONS ||
	    len - VMBUS_IC_DATA_OFF - sizeof(n) < (size_t)(n.frame_count + n.msg_count) * 4)
		return -EPROTO;
	ok = ic_pick(list, n.frame_count, fw, nfw, got_fw) &&
	     ic_pick(list + n.frame_count * 4, n.msg_count, srv, nsrv, got_srv);
	n.frame_count = n.msg_count = ok ? 1 : 0;
	v[0] = (struct vmbus_ic_version){ ok ? (uint16_t)(*got_fw >> 16) : 0,
					  ok ? (uint16_t)*got_fw : 0 };
	v[1] = (struct vmbus_ic_version){ ok ? (uint16_t)(*got_srv >> 16) : 0,
					  ok ? (uint16_t)*got_srv : 0 };
	memcpy(buf + VMBUS_IC_DATA_OFF, &n, sizeof(n));
	memcpy(buf + VMBUS_IC_DATA_OFF + sizeof(n), v, sizeof(v));
	h.msgsize = 0x10;
	h.flags = VMBUS_IC_FLAG_TRANSACTION | VMBUS_IC_FLAG_RESPONSE;
	memcpy(buf + VMBUS_IC_HDR_OFF, &h, sizeof(h));
	return ok;
}
