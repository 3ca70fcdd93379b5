/* netvsp_rndis.c: RNDIS messages from the guest ([MS-RNDIS] 2.2), as
 * Linux's rndis_filter.c and netvsc_drv.c send them.
 *
 * One SEND_RNDIS_PKT carries a batch: Linux packs up to max_pkt_per_msg
 * messages into one send-buffer section, each padded into its msg_len
 * (netvsc_send()), so the batch is walked by msg_len. Every header is
 * copied out of guest memory before it is checked and used (the guest
 * can rewrite shared memory at any time), and every offset and length in
 * it is checked against the message it belongs to.
 */
#include "vswitch/netvsp/netvsp_internal.h"

#include "vmbus/msg.h"

#include <stddef.h>

/* Copy from a GPA-direct source: ranges one after another, each a run of
 * bytes starting byte_offset into its first page. Out of line: inlined,
 * its loop made netvsp_src_read save six registers on every call, also
 * for the send-buffer reads of the data path (one per frame, the
 * message's first; two when its frame is not split). */
__attribute__((noinline))
static int gpa_copy(const struct netvsp_src *s, uint32_t off, uint8_t *dst,
		    uint32_t len)
{
	const struct netvsp_guest_ops *ops = &s->nv->cfg.ops;

	for (unsigned i = 0; i < s->nr && len; i++) {
		const struct vmbus_gpa_view *r = &s->r[i];

		if (off >= r->byte_count) {
			off -= r->byte_count;
			continue;
		}
		while (len && off < r->byte_count) {
			uint64_t pos = (uint64_t)r->byte_offset + off;
			uint32_t pg = (uint32_t)(pos / 4096u), po = (uint32_t)(pos % 4096u);
			uint32_t n = 4096u - po;

			if (n > len)
				n = len;
			if (n > r->byte_count - off)
				n = r->byte_count - off;
			if (pg >= r->pfn_count ||
			    ops->gpa_read(ops->ctx, vmbus_msg_pfn_at(r->pfns, pg),
					  po, dst, n))
				return -EFAULT;
			dst += n;
			off += n;
			len -= n;
		}
		off = 0;
	}
	return len ? -EFAULT : 0;
}

int netvsp_src_read(const struct netvsp_src *src, uint32_t off, void *dst,
		    uint32_t len)
{
	const struct netvsp_guest_ops *ops = &src->nv->cfg.ops;

	if (off > src->len || len > src->len - off)
		return -EFAULT;
	if (!src->r)
		return ops->buf_read(ops->ctx, src->nv->sbuf.h, src->base + off,
				     dst, len);
	return gpa_copy(src, off, dst, len);
}

/* Per-packet info Linux puts before a frame it sends: NBL_HASH_VALUE
 * (a 12-byte element header and the hash) when it has more than one
 * queue (netvsc_xmit(), drivers/net/hyperv/netvsc_drv.c). */
#define LINUX_TX_PPI 16u

/* One message being handled: its place in the batch and its header. */
struct rmsg {
	struct netvsp *nv;
	const struct netvsp_src *src;
	uint32_t off;      /* of the message in the source */
	uint32_t pre_len;  /* valid bytes of pre */
	/* The header and the first body bytes, read in one copy: a PACKET
	 * header is all most messages need, and a frame's head right after
	 * it (and Linux's hash element) is the private copy the switch
	 * decides on (m_packet). */
	struct rndis_hdr h;
	uint8_t pre[sizeof(struct rndis_packet) + LINUX_TX_PPI +
		    NETVSP_SPLIT_HEAD];
};
_Static_assert(offsetof(struct rmsg, pre) ==
	       offsetof(struct rmsg, h) + sizeof(struct rndis_hdr),
	       "one read fills the header and pre");

static uint32_t body_read(const struct rmsg *m, uint32_t off, void *dst,
			  uint32_t len)
{
	if (off > m->h.msg_len - RNDIS_HDR_SIZE ||
	    len > m->h.msg_len - RNDIS_HDR_SIZE - off)
		return RNDIS_STATUS_INVALID_LENGTH;
	if (off + len <= m->pre_len) {
		memcpy(dst, m->pre + off, len);
		return 0;
	}
	if (netvsp_src_read(m->src, m->off + RNDIS_HDR_SIZE + off, dst, len))
		return RNDIS_STATUS_INVALID_DATA;
	return 0;
}

static void ctrl_reply(struct netvsp *nv, uint32_t type, const void *body,
		       uint32_t len)
{
	uint8_t buf[NETVSP_CTRL_MAX];
	struct rndis_hdr h = { type | RNDIS_MSG_COMPLETION, RNDIS_HDR_SIZE + len };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	netvsp_lock(nv);
	netvsp_send_ctrl(nv, buf, h.msg_len);
	netvsp_unlock(nv);
}

static uint32_t m_init(struct rmsg *m)
{
	struct rndis_init_req rq;
	struct rndis_init_comp c = { 0 };

	if (body_read(m, 0, &rq, sizeof(rq)))
		return NVSP_STAT_INVALID_RNDIS_PKT;
	c.req_id = rq.req_id;
	c.status = RNDIS_STATUS_SUCCESS;
	c.major = RNDIS_MAJOR;
	c.minor = RNDIS_MINOR;
	c.dev_flags = RNDIS_DF_CONNECTIONLESS;
	c.medium = RNDIS_MEDIUM_802_3;
	/* Batches of up to 8 messages aligned to 8 bytes, as Hyper-V
	 * offers (Linux RNDIS_MAX_PKT_DEFAULT, RNDIS_PKT_ALIGN_DEFAULT). */
	c.max_pkt_per_msg = NETVSP_BATCH_MAX;
	c.pkt_align_factor = 3;
	c.max_xfer_size = m->nv->send_sec_size ? m->nv->send_sec_size : 6144u;
	netvsp_lock(m->nv);
	m->nv->rndis_up = true;
	netvsp_unlock(m->nv);
	ctrl_reply(m->nv, RNDIS_MSG_INIT, &c, sizeof(c));
	return NVSP_STAT_SUCCESS;
}

static uint32_t m_halt(struct rmsg *m)
{
	/* No reply ([MS-RNDIS] 2.2.4); stop indicating frames. */
	netvsp_lock(m->nv);
	m->nv->rndis_up = false;
	m->nv->filter = 0;
	netvsp_unlock(m->nv);
	return NVSP_STAT_SUCCESS;
}

/* Reads a QUERY/SET request and its information buffer (checked to lie
 * inside the message). */
static uint32_t oid_req(struct rmsg *m, struct rndis_oid_req *rq,
			uint8_t *info, uint32_t cap)
{
	if (body_read(m, 0, rq, sizeof(*rq)))
		return RNDIS_STATUS_INVALID_LENGTH;
	if (rq->info_len == 0)
		return 0;
	if (rq->info_len > cap)
		return RNDIS_STATUS_INVALID_LENGTH;
	return body_read(m, rq->info_off, info, rq->info_len);
}

static uint32_t m_query(struct rmsg *m)
{
	struct rndis_oid_req rq;
	uint8_t in[NETVSP_CTRL_MAX], out[NETVSP_OID_OUT_MAX];
	struct rndis_query_comp c = { 0 };
	uint32_t st, n = 0;

	memset(&rq, 0, sizeof(rq));
	st = oid_req(m, &rq, in, sizeof(in));
	if (!st)
		st = netvsp_oid_query(m->nv, rq.oid, in, rq.info_len, out, &n);
	c.req_id = rq.req_id;
	c.status = st;
	if (st) {
		n = 0;
		m->nv->st.oid_unhandled += st == RNDIS_STATUS_NOT_SUPPORTED;
	}
	c.info_len = n;
	c.info_off = n ? sizeof(c) : 0;
	memcpy(in, &c, sizeof(c));
	memcpy(in + sizeof(c), out, n);
	ctrl_reply(m->nv, RNDIS_MSG_QUERY, in, (uint32_t)sizeof(c) + n);
	return NVSP_STAT_SUCCESS;
}

static uint32_t m_set(struct rmsg *m)
{
	struct rndis_oid_req rq;
	uint8_t in[NETVSP_SET_IN_MAX];
	struct rndis_status_comp c = { 0 };
	uint32_t st;

	memset(&rq, 0, sizeof(rq));
	st = oid_req(m, &rq, in, sizeof(in));
	if (!st)
		st = netvsp_oid_set(m->nv, rq.oid, in, rq.info_len);
	m->nv->st.oid_unhandled += st == RNDIS_STATUS_NOT_SUPPORTED;
	c.req_id = rq.req_id;
	c.status = st;
	ctrl_reply(m->nv, RNDIS_MSG_SET, &c, sizeof(c));
	return NVSP_STAT_SUCCESS;
}

static uint32_t m_reset(struct rmsg *m)
{
	struct rndis_reset_comp c = { RNDIS_STATUS_SUCCESS, 0 };

	ctrl_reply(m->nv, RNDIS_MSG_RESET, &c, sizeof(c));
	return NVSP_STAT_SUCCESS;
}

static uint32_t m_keepalive(struct rmsg *m)
{
	struct rndis_status_comp c = { 0, RNDIS_STATUS_SUCCESS };

	if (body_read(m, 0, &c.req_id, sizeof(c.req_id)))
		return NVSP_STAT_INVALID_RNDIS_PKT;
	ctrl_reply(m->nv, RNDIS_MSG_KEEPALIVE, &c, sizeof(c));
	return NVSP_STAT_SUCCESS;
}

/* Walks the per-packet info; *vlan = the 802.1Q value or ~0u. */
static int ppi_walk(const struct rmsg *m, const struct rndis_packet *p,
		    uint32_t *vlan)
{
	uint32_t off = p->ppi_off, end;
	struct rndis_ppi e;

	*vlan = ~0u;
	if (!p->ppi_len)
		return 0;
	if (off < sizeof(*p) || p->ppi_len > m->h.msg_len - RNDIS_HDR_SIZE - off)
		return -EINVAL;  /* (off itself checked by the caller) */
	end = off + p->ppi_len;
	while (off < end) {
		if (end - off < sizeof(e) || body_read(m, off, &e, sizeof(e)))
			return -EINVAL;
		if (e.size < sizeof(e) || e.size > end - off ||
		    e.ppi_off < sizeof(e) || e.ppi_off > e.size - 4u)
			return -EINVAL;
		if (e.type == RNDIS_PPI_8021Q &&
		    body_read(m, off + e.ppi_off, vlan, 4))
			return -EINVAL;
		/* Checksum and LSO requests never come: no offload is
		 * offered (OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES). */
		off += e.size;
	}
	return 0;
}

/* The PACKET header: the batch read it with the message header (pre
 * holds a whole one whenever the message is that long, pre_len <=
 * msg_len - RNDIS_HDR_SIZE), so it is a fixed-size copy from our own
 * memory; body_read (a call and a variable-length memcpy) only for a
 * message too short to hold one, which it refuses. */
static uint32_t pkt_hdr(const struct rmsg *m, struct rndis_packet *p)
{
	if (m->pre_len >= sizeof(*p)) {
		memcpy(p, m->pre, sizeof(*p));
		return 0;
	}
	return body_read(m, 0, p, sizeof(*p));
}

/* Where the len bytes at data offset off of this message lie in the
 * guest's send buffer, as a pointer, or NULL: a GPA-direct message, no
 * buf_ptr, or one that refuses. The offsets are inside the message
 * (m_packet), the message inside the section (netvsp_rndis_batch), the
 * section inside the buffer (h_rndis_pkt); buf_ptr checks again. */
static const uint8_t *send_ptr(const struct rmsg *m, uint32_t off,
			       uint32_t len)
{
	const struct netvsp_guest_ops *ops = &m->nv->cfg.ops;

	if (m->src->r || !ops->buf_ptr)
		return NULL;
	return ops->buf_ptr(ops->ctx, m->nv->sbuf.h,
			    m->src->base + m->off + RNDIS_HDR_SIZE + off, len);
}

/* The frame at data offset off (len bytes, no tag to insert) into f:
 * its head always, our private copy that the switch decides on; then,
 * for a frame in the send buffer, a pointer to the rest where it lies
 * (*tail, the switch's vsw_port_send_split), else the rest copied too.
 * Returns the bytes in f, 0 when a read failed. */
static uint32_t pkt_read(const struct rmsg *m, uint32_t off, uint32_t len,
			 uint8_t *f, const uint8_t **tail)
{
	uint32_t head = len < NETVSP_SPLIT_HEAD ? len : NETVSP_SPLIT_HEAD;

	*tail = NULL;
	if (m->src->r || head == len)
		return body_read(m, off, f, len) ? 0 : len;
	if (body_read(m, off, f, head))
		return 0;
	*tail = send_ptr(m, off + head, len - head);
	if (*tail)
		return head;
	return body_read(m, off + head, f + head, len - head) ? 0 : len;
}

/* The frame with the tag the 802.1Q PPI asks for inserted, all of it
 * copied into f (tagged frames are never split). Returns its length, 0
 * when a read failed. */
static uint32_t pkt_read_tagged(const struct rmsg *m, uint32_t off,
				uint32_t len, uint32_t vlan, uint8_t *f)
{
	/* IEEE 802.1Q 9.5: TPID 0x8100, then PCP and VID. */
	uint16_t tci = (uint16_t)(RNDIS_8021Q_PRI(vlan) << 13 |
				  RNDIS_8021Q_VID(vlan));

	if (body_read(m, off, f, 12) || body_read(m, off + 12, f + 16, len - 12))
		return 0;
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = (uint8_t)(tci >> 8);
	f[15] = (uint8_t)tci;
	return len + 4;
}

/* Switches the frame: from the private transmit buffer, whole or (sent
 * through the send buffer, no tag to insert) as its head there and its
 * tail in the send buffer, which the destination copies once. */
static uint32_t m_packet(struct rmsg *m)
{
	struct netvsp *nv = m->nv;
	struct rndis_packet p;
	uint32_t body = m->h.msg_len - RNDIS_HDR_SIZE, vlan, len, n, hr = VSW_HEADROOM;
	const uint8_t *tail = NULL;
	uint8_t *f;
	int rc;

	if (pkt_hdr(m, &p) || p.data_off < sizeof(p) ||
	    p.data_off > body || p.data_len > body - p.data_off ||
	    p.ppi_off > body || ppi_walk(m, &p, &vlan))
		return NVSP_STAT_INVALID_RNDIS_PKT;
	len = p.data_len;
	if (len < VSW_FRAME_MIN || len > nv->cfg.mtu + 18u)
		return NVSP_STAT_INVALID_RNDIS_PKT;
	f = nv->txbuf + 4u;
	n = vlan == ~0u ? pkt_read(m, p.data_off, len, f, &tail) :
			  pkt_read_tagged(m, p.data_off, len, vlan, f);
	if (!n)
		return NVSP_STAT_INVALID_RNDIS_PKT;
	if (tail) {
		rc = vsw_port_send_split(nv->port, f, n, hr, tail, len - n);
	} else {
		len = n;
		rc = vsw_port_send(nv->port, f, len, hr);
	}
	if (rc < 0) {
		nv->st.tx_switch_drops++;
	} else {
		nv->st.tx_frames++;
		if (m->src->chan)
			nv->st.tx_frames_sub++;
		nv->st.tx_bytes += len;
	}
	return NVSP_STAT_SUCCESS;
}

static uint32_t m_unhandled(struct rmsg *m)
{
	m->nv->st.rndis_bad++;
	netvsp_log(m->nv, "RNDIS message dropped", "unknown type");
	return NVSP_STAT_INVALID_RNDIS_PKT;
}

struct rndis_handler {
	uint32_t type;
	bool before_init;   /* allowed before INITIALIZE */
	uint32_t (*fn)(struct rmsg *m);
};

static const struct rndis_handler rndis_table[] = {
	{ RNDIS_MSG_PACKET, false, m_packet },
	{ RNDIS_MSG_INIT, true, m_init },
	{ RNDIS_MSG_HALT, false, m_halt },
	{ RNDIS_MSG_QUERY, false, m_query },
	{ RNDIS_MSG_SET, false, m_set },
	{ RNDIS_MSG_RESET, false, m_reset },
	{ RNDIS_MSG_KEEPALIVE, false, m_keepalive },
};

static const struct rndis_handler rndis_unhandled = { 0, true, m_unhandled };

static const struct rndis_handler *rndis_lookup(const struct rmsg *m)
{
	for (size_t i = 0; i < sizeof(rndis_table) / sizeof(rndis_table[0]); i++)
		if (rndis_table[i].type == m->h.type)
			return &rndis_table[i];
	return &rndis_unhandled;
}

uint32_t netvsp_rndis_batch(struct netvsp *nv, const struct netvsp_src *src)
{
	struct rmsg m;
	uint32_t status = NVSP_STAT_SUCCESS, n = 0;

	/* Not an initializer: it would zero pre, which each message's read
	 * fills (pre_len says how far) before anything looks at it. */
	m.nv = nv;
	m.src = src;
	m.off = 0;

	while (m.off < src->len) {
		const struct rndis_handler *h;
		uint32_t st, got = src->len - m.off;

		if (got > sizeof(m.h) + sizeof(m.pre))
			got = sizeof(m.h) + sizeof(m.pre);
		/* h and pre are adjacent: one read fills both. */
		if (got < sizeof(m.h) || netvsp_src_read(src, m.off, &m.h, got))
			goto bad;
		if (m.h.msg_len < sizeof(m.h) || m.h.msg_len > src->len - m.off ||
		    ++n > NETVSP_BATCH_MAX)
			goto bad;
		m.pre_len = got - (uint32_t)sizeof(m.h);
		if (m.pre_len > m.h.msg_len - sizeof(m.h))
			m.pre_len = m.h.msg_len - (uint32_t)sizeof(m.h);
		h = rndis_lookup(&m);
		if (!h->before_init && !nv->rndis_up) {
			nv->st.rndis_bad++;
			st = NVSP_STAT_INVALID_RNDIS_PKT;
		} else {
			st = h->fn(&m);
		}
		if (st != NVSP_STAT_SUCCESS)
			status = st;
		m.off += m.h.msg_len;
	}
	return status;
bad:
	nv->st.rndis_bad++;
	return NVSP_STAT_INVALID_RNDIS_PKT;
}

void netvsp_set_link(struct netvsp *nv, bool up)
{
	struct {
		struct rndis_hdr h;
		struct rndis_indicate i;
	} __attribute__((packed)) s;

	netvsp_lock(nv);
	if (nv->link_up != up && nv->rndis_up) {
		memset(&s, 0, sizeof(s));
		s.h.type = RNDIS_MSG_INDICATE;
		s.h.msg_len = sizeof(s);
		s.i.status = up ? RNDIS_STATUS_MEDIA_CONNECT :
				  RNDIS_STATUS_MEDIA_DISCONNECT;
		netvsp_send_ctrl(nv, &s, sizeof(s));
	}
	nv->link_up = up;
	netvsp_unlock(nv);
}
