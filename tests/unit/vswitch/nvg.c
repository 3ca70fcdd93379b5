/* nvg.c: the mock netvsc guest (see nvg.h). */
#include "nvg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmbus/msg.h"
#include "vmbus/pkt.h"
#include "vmbus/ring.h"

static void perr(struct nvg *g, const char *why)
{
	g->proto_errors++;
	g->last_error = why;
}

/* ---- host-side guest-memory ops ---- */

static struct nvg_buf *find_buf(struct nvg *g, uint32_t handle)
{
	if (g->recv.handle == handle && g->recv.mem)
		return &g->recv;
	if (g->send.handle == handle && g->send.mem)
		return &g->send;
	return NULL;
}

static int m_open(void *ctx, uint32_t handle, void **buf, uint32_t *bytes)
{
	struct nvg_buf *b = find_buf(ctx, handle);

	if (!b)
		return -ENOENT;
	b->open = true;
	*buf = b;
	*bytes = b->bytes;
	return 0;
}

static void m_close(void *ctx, void *buf)
{
	(void)ctx;
	((struct nvg_buf *)buf)->open = false;
}

static int m_read(void *ctx, void *buf, uint32_t off, void *dst, uint32_t len)
{
	struct nvg_buf *b = buf;

	if (!b->open || off > b->bytes || len > b->bytes - off)
		return -EFAULT;
	memcpy(dst, b->mem + off, len);
	((struct nvg *)ctx)->bytes_read += len;
	return 0;
}

static int m_write(void *ctx, void *buf, uint32_t off, const void *src,
		   uint32_t len)
{
	struct nvg_buf *b = buf;

	if (!b->open || off > b->bytes || len > b->bytes - off)
		return -EFAULT;
	memcpy(b->mem + off, src, len);
	((struct nvg *)ctx)->bytes_written += len;
	return 0;
}

/* Each buffer is one allocation, contiguous as vsp_net.c's mapped
 * GPADLs are. */
static const void *m_ptr(void *ctx, void *buf, uint32_t off, uint32_t len)
{
	struct nvg *g = ctx;
	struct nvg_buf *b = buf;

	g->n_ptr++;
	if (g->refuse_ptr || !b->open || off > b->bytes || len > b->bytes - off)
		return NULL;
	if (g->on_ptr)
		g->on_ptr(g, off, len);
	return b->mem + off;
}

static int m_gpa(void *ctx, uint64_t pfn, uint32_t off, void *dst, uint32_t len)
{
	struct nvg *g = ctx;

	if (g->refuse_gpa || pfn < NVG_PFN_BASE || pfn >= NVG_PFN_BASE + NVG_PAGES ||
	    off >= 4096u || len > 4096u - off)
		return -EFAULT;
	memcpy(dst, g->pages + (pfn - NVG_PFN_BASE) * 4096u + off, len);
	return 0;
}

static int sig_guest(void *ctx, uint32_t id)
{
	(void)id;
	((struct nvg *)ctx)->guest_signals++;
	return 0;
}

static int sig_host(void *ctx, uint32_t id)
{
	(void)id;
	((struct nvg *)ctx)->host_signals++;
	return 0;
}

static void nvg_log(void *ctx, const char *what, const char *why)
{
	(void)ctx;
	fprintf(stderr, "# netvsp: %s: %s\n", what, why);
}

/* The VMBus server's vmbus_server_offer_subchannels, as far as the
 * guest sees it: counted; the guest opens what the completion grants. */
static int m_offer(void *ctx, uint16_t count)
{
	struct nvg *g = ctx;

	g->n_offers++;
	g->last_offer = count;
	return g->offer_err;
}

void nvg_ops(struct nvg *g, struct netvsp_guest_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->buf_open = m_open;
	ops->buf_close = m_close;
	ops->buf_read = m_read;
	ops->buf_write = m_write;
	ops->buf_ptr = m_ptr;
	ops->gpa_read = m_gpa;
	ops->ctx = g;
	if (getenv("NVG_LOG")) ops->log = nvg_log;
}

void nvg_config(struct nvg *g, struct vsw *sw, const uint8_t mac[6],
		uint16_t vlan, struct netvsp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sw = sw;
	cfg->port.kind = VSW_PORT_VM;
	cfg->port.mac_mode = VSW_MAC_STATIC;
	memcpy(cfg->port.mac, mac, 6);
	cfg->port.vlan_mode = VSW_VLAN_ACCESS;
	cfg->port.access_vlan = vlan;
	cfg->max_subchannels = g->max_subchannels;
	cfg->offer_subchannels = m_offer;
	nvg_ops(g, &cfg->ops);
}

/* A ring pair of g->ring_bytes each way, formatted afresh (allocated the
 * first time): host writes *h2g and reads *g2h, the guest the reverse. */
static int ring_pair(struct nvg *g, struct vmbus_chan *host,
		     struct vmbus_chan *guest, uint8_t **h2g, uint8_t **g2h)
{
	size_t total = 4096u + g->ring_bytes;

	if (!*h2g)
		*h2g = aligned_alloc(4096, total);
	if (!*g2h)
		*g2h = aligned_alloc(4096, total);
	if (!*h2g || !*g2h)
		return -ENOMEM;
	vmbus_ring_format(*h2g, total);
	vmbus_ring_format(*g2h, total);
	if (vmbus_ring_attach(&host->out, *h2g, total) ||
	    vmbus_ring_attach(&host->in, *g2h, total) ||
	    vmbus_ring_attach(&guest->out, *g2h, total) ||
	    vmbus_ring_attach(&guest->in, *h2g, total))
		return -EINVAL;
	host->signal = sig_guest;
	host->signal_ctx = g;
	guest->signal = sig_host;
	guest->signal_ctx = g;
	return 0;
}

static int rings(struct nvg *g, uint32_t ring_bytes)
{
	g->ring_bytes = ring_bytes;
	return ring_pair(g, &g->host, &g->guest, &g->h2g, &g->g2h);
}

/* g's netvsp from nvg_config, its primary opened. */
static int nv_build(struct nvg *g)
{
	struct netvsp_config cfg;
	int err;

	nvg_config(g, g->sw, g->mac, g->vlan, &cfg);
	err = netvsp_create(&cfg, &g->nv);
	if (err)
		return err;
	return netvsp_open(g->nv, &g->host);
}

/* g's netvsp gone; the sub-channels with it (the server closes them
 * with the primary). */
static void nv_drop(struct nvg *g)
{
	if (g->nv) {
		netvsp_close(g->nv);
		netvsp_destroy(g->nv);
		g->nv = NULL;
	}
	for (uint32_t i = 1; i < NVG_CHANNELS; i++)
		g->sub[i].open = false;
}

int nvg_create(struct nvg *g, struct vsw *sw, const uint8_t mac[6],
	       uint16_t vlan, uint32_t ring_bytes, uint32_t recv_bytes,
	       uint32_t send_bytes)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->sw = sw;
	memcpy(g->mac, mac, 6);
	g->vlan = vlan;
	g->auto_complete = true;
	g->next_tid = 1;
	g->recv_id = NVSP_RECV_BUF_ID;
	err = rings(g, ring_bytes);
	if (err)
		return err;
	g->recv = (struct nvg_buf){ NVG_RECV_HANDLE, calloc(1, recv_bytes),
				    recv_bytes, false };
	g->send = (struct nvg_buf){ NVG_SEND_HANDLE, calloc(1, send_bytes),
				    send_bytes, false };
	g->pages = aligned_alloc(4096, NVG_PAGES * 4096u);
	g->pktbuf = malloc(NVG_PKTBUF);
	if (!g->recv.mem || !g->send.mem || !g->pages || !g->pktbuf)
		return -ENOMEM;
	return nv_build(g);
}

void nvg_destroy(struct nvg *g)
{
	nv_drop(g);
	free(g->h2g);
	free(g->g2h);
	for (uint32_t i = 1; i < NVG_CHANNELS; i++) {
		free(g->sub[i].h2g);
		free(g->sub[i].g2h);
	}
	free(g->recv.mem);
	free(g->send.mem);
	free(g->pages);
	free(g->pktbuf);
	memset(g, 0, sizeof(*g));
}

/* The guest end of channel ch: the primary for 0, one not open, or an
 * index out of range. */
static struct vmbus_chan *guest_ch(struct nvg *g, uint32_t ch)
{
	if (ch && ch < NVG_CHANNELS && g->sub[ch].open)
		return &g->sub[ch].guest;
	return &g->guest;
}

static uint32_t chan_of(const struct nvg *g, const struct vmbus_chan *ch)
{
	for (uint32_t i = 1; i < NVG_CHANNELS; i++)
		if (ch == &g->sub[i].guest)
			return i;
	return 0;
}

int nvg_send_nvsp(struct nvg *g, const void *msg, uint32_t len, bool comp,
		  uint64_t *tid)
{
	return nvg_send_nvsp_on(g, 0, msg, len, comp, tid);
}

int nvg_send_nvsp_on(struct nvg *g, uint32_t ch, const void *msg,
		     uint32_t len, bool comp, uint64_t *tid)
{
	uint64_t t = g->next_tid++;

	if (tid)
		*tid = t;
	return vmbus_chan_send(guest_ch(g, ch), VMBUS_PKT_INBAND,
			       comp ? VMBUS_PKT_FLAG_COMPLETION_REQUESTED : 0, t,
			       msg, len);
}

/* One round over the open sub-channels: 1 when one may have more, a
 * negative errno when one broke, else 0. */
static int poll_subs(struct nvg *g)
{
	int more = 0;

	for (uint32_t i = 1; i < NVG_CHANNELS; i++) {
		int rc;

		if (!g->sub[i].open)
			continue;
		rc = netvsp_poll_chan(g->nv, &g->sub[i].host, 0);
		if (rc < 0)
			return rc;
		more |= rc == 1;
	}
	return more;
}

int nvg_host_poll(struct nvg *g)
{
	int rc, subs, rounds = 0;

	do {
		rc = netvsp_poll(g->nv, 0);
		subs = poll_subs(g);
		if (subs < 0)
			return rc < 0 ? rc : subs;
	} while ((rc == 1 || subs == 1) && ++rounds < 1000);
	return rc;
}

/* ---- guest receive path, checked as Linux checks it ---- */

/* The per-packet info of a received RNDIS packet, walked as Linux's
 * rndis_get_ppi() walks it (drivers/net/hyperv/rndis_filter.c): an
 * element larger than what is left, or whose data offset is not inside
 * it, makes that loop spin forever, so netvsp must never send one; the
 * hash value (NBL_HASH_VALUE, not internal, 4 bytes) is kept. -1 on a
 * malformed element. */
static int rx_ppi(struct nvg *g, const uint8_t *a, uint32_t len,
		  struct nvg_frame *f)
{
	struct rndis_ppi e;

	while (len > 0) {
		if (len < sizeof(e))
			break;
		memcpy(&e, a, sizeof(e));
		if (e.size < sizeof(e) || e.size > len || e.ppi_off >= e.size)
			break;
		if (e.type == RNDIS_PPI_HASH_VALUE) {
			if (e.size - e.ppi_off < 4u || f->has_hash)
				break;
			memcpy(&f->hash, a + e.ppi_off, 4);
			f->has_hash = true;
		}
		a += e.size;
		len -= e.size;
	}
	if (len)
		perr(g, "per-packet info malformed");
	return len ? -1 : 0;
}

static void rx_packet(struct nvg *g, const uint8_t *m, uint32_t len,
		      uint32_t ch)
{
	struct rndis_packet p;
	struct nvg_frame *f = &g->frames[g->n_frames % NVG_FRAMES];
	uint32_t body = len - RNDIS_HDR_SIZE;

	/* rndis_filter_receive_data() */
	if (len < RNDIS_PKT_HDR_SIZE)
		return perr(g, "RNDIS packet too short");
	memcpy(&p, m + RNDIS_HDR_SIZE, sizeof(p));
	if (p.data_off >= body || p.data_len > body - p.data_off)
		return perr(g, "RNDIS data outside message");
	if (p.ppi_off && (p.ppi_off < sizeof(p) || p.ppi_off > body))
		return perr(g, "invalid per_pkt_info_offset");
	/* rndis_get_ppi(): a PPI area shorter than one PPI header is an
	 * error Linux logs for every frame. */
	if (p.ppi_off && (p.ppi_len < 12u || p.ppi_len > body - p.ppi_off))
		return perr(g, "invalid per_pkt_info_len");
	if (p.data_len > NVG_FRAME_MAX)
		return perr(g, "frame larger than the test keeps");
	f->has_hash = false;
	if (p.ppi_off && rx_ppi(g, m + RNDIS_HDR_SIZE + p.ppi_off, p.ppi_len, f))
		return;
	f->len = p.data_len;
	f->vlan = ~0u;
	f->chan = ch;
	memcpy(f->data, m + RNDIS_HDR_SIZE + p.data_off, p.data_len);
	g->n_frames++;
	g->n_frames_ch[ch]++;
}

static void rx_rndis(struct nvg *g, const uint8_t *m, uint32_t buflen,
		     uint32_t ch)
{
	struct rndis_hdr h;

	/* rndis_filter_receive() */
	memcpy(&h, m, sizeof(h));
	if (buflen < RNDIS_HDR_SIZE || h.msg_len < RNDIS_HDR_SIZE ||
	    buflen < h.msg_len)
		return perr(g, "RNDIS message length");
	switch (h.type) {
	case RNDIS_MSG_PACKET:
		return rx_packet(g, m, h.msg_len, ch);
	case RNDIS_MSG_INDICATE: {
		struct rndis_indicate ind;

		if (h.msg_len < RNDIS_HDR_SIZE + sizeof(ind))
			return perr(g, "indicate too short");
		memcpy(&ind, m + RNDIS_HDR_SIZE, sizeof(ind));
		g->n_indicate++;
		g->last_indicate = ind.status;
		return;
	}
	default:
		if (!(h.type & RNDIS_MSG_COMPLETION) || h.msg_len > sizeof(g->ctrl))
			return perr(g, "unexpected RNDIS message from host");
		memcpy(g->ctrl, m, h.msg_len);
		g->ctrl_len = h.msg_len;
		g->ctrl_chan = ch;
		g->n_ctrl++;
	}
}

/* On the channel the receive came on: Linux's netvsc_receive() queues
 * the completion on that channel's ring (enq_receive_complete(),
 * netvsc_send_recv_completion()). */
static void rx_complete(struct nvg *g, uint32_t ch, uint64_t tid)
{
	struct nvsp_msg c = { .type = NVSP_MSG1_SEND_RNDIS_PKT_COMP };

	c.rndis_pkt_complete.status = NVSP_STAT_SUCCESS;
	/* netvsc_send_recv_completion(): header + status only. */
	if (vmbus_chan_send_comp(guest_ch(g, ch), tid, &c, 8))
		perr(g, "receive completion did not fit");
}

void nvg_complete_held(struct nvg *g)
{
	for (uint32_t i = 0; i < g->n_held; i++)
		rx_complete(g, g->held_ch[i], g->held[i]);
	g->n_held = 0;
}

static void rx_xfer(struct nvg *g, const struct vmbus_pkt_info *info,
		    const uint8_t *pkt, uint32_t ch)
{
	struct vmbus_xfer_hdr xh;
	struct vmbus_xfer_range r;
	const uint8_t *ranges;
	const char *why;
	uint32_t type;

	/* netvsc_receive() */
	if (info->payload_len < 4)
		return perr(g, "xfer packet without NVSP message");
	memcpy(&type, pkt + info->payload_off, 4);
	if (type != NVSP_MSG1_SEND_RNDIS_PKT)
		return perr(g, "xfer packet is not SEND_RNDIS_PKT");
	if (vmbus_pkt_xfer_parse(pkt, info, &xh, &ranges, &why))
		return perr(g, why);
	if (xh.xfer_pageset_id != g->recv_id)
		return perr(g, "wrong page set id");
	g->n_xfer++;
	g->n_xfer_ch[ch]++;
	g->last_ranges = xh.range_cnt;
	for (uint32_t i = 0; i < xh.range_cnt; i++) {
		if (vmbus_pkt_xfer_range(ranges, i, g->recv.bytes, &r))
			return perr(g, "xfer range outside the receive buffer");
		rx_rndis(g, g->recv.mem + r.byte_offset, r.byte_count, ch);
	}
	if (g->auto_complete) {
		rx_complete(g, ch, info->desc.trans_id);
	} else if (g->n_held < NVG_HELD_MAX) {
		g->held_ch[g->n_held] = (uint8_t)ch;
		g->held[g->n_held++] = info->desc.trans_id;
	} else {
		perr(g, "too many held receives");
	}
}

static void rx_inband(struct nvg *g, const struct vmbus_pkt_info *info,
		      const uint8_t *pkt, uint32_t ch)
{
	struct nvsp_send_table t;
	uint32_t type, msglen = info->payload_len, off;

	memcpy(&type, pkt + info->payload_off, 4);
	if (type != NVSP_MSG5_SEND_INDIRECTION_TABLE)
		return perr(g, "unexpected in-band message");
	/* netvsc_send_table() */
	if (msglen < 12)
		return perr(g, "send table too short");
	memcpy(&t, pkt + info->payload_off + 4, sizeof(t));
	off = t.offset;
	if (t.count != NVSP_SEND_TAB_SIZE)
		return perr(g, "send table size");
	if (g->version <= NVSP_VERSION_6 && msglen >= NVSP_MSG_SIZE + t.count * 4u)
		off = NVSP_MSG_SIZE;
	if (msglen < t.count * 4u || off > msglen - t.count * 4u)
		return perr(g, "send table outside the message");
	g->n_table++;
	g->table_count = t.count;
	g->table_chan = ch;
	memcpy(g->tx_table, pkt + info->payload_off + off, sizeof(g->tx_table));
}

static int on_pkt(void *ctx, struct vmbus_chan *ch,
		  const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	struct nvg *g = ctx;
	uint32_t n = info->payload_len, i = chan_of(g, ch);

	switch (info->desc.type) {
	case VMBUS_PKT_COMP:
		g->comp_tid = info->desc.trans_id;
		g->comp_len = n < sizeof(g->comp) ? n : sizeof(g->comp);
		memset(g->comp, 0, sizeof(g->comp));
		memcpy(g->comp, pkt + info->payload_off, g->comp_len);
		g->comp_chan = i;
		g->n_comp++;
		g->n_comp_ch[i]++;
		g->comp_log[g->n_comp_log % NVG_COMP_LOG] = info->desc.trans_id;
		g->comp_log_ch[g->n_comp_log++ % NVG_COMP_LOG] = (uint8_t)i;
		break;
	case VMBUS_PKT_XFER_PAGES:
		rx_xfer(g, info, pkt, i);
		break;
	case VMBUS_PKT_INBAND:
		rx_inband(g, info, pkt, i);
		break;
	default:
		perr(g, "unexpected packet type from host");
	}
	return 0;
}

int nvg_guest_drain(struct nvg *g)
{
	int n = vmbus_chan_poll(&g->guest, g->pktbuf, NVG_PKTBUF, on_pkt, g, 0);

	for (uint32_t i = 1; n >= 0 && i < NVG_CHANNELS; i++) {
		int k;

		if (!g->sub[i].open || g->sub[i].hold)
			continue;
		k = vmbus_chan_poll(&g->sub[i].guest, g->pktbuf, NVG_PKTBUF,
				    on_pkt, g, 0);
		n = k < 0 ? k : n + k;
	}
	return n;
}

/* Sends, lets the host run, reads its answers; the completion for tid
 * must be among them. Returns 0 and the completion in g->comp. */
static int round_trip(struct nvg *g, uint64_t tid)
{
	uint32_t before = g->n_comp;

	nvg_host_poll(g);
	if (nvg_guest_drain(g) < 0)
		return -EIO;
	nvg_host_poll(g);  /* our receive completions */
	if (g->n_comp == before || g->comp_tid != tid)
		return -ETIMEDOUT;
	return 0;
}

static int nvsp_req(struct nvg *g, struct nvsp_msg *m, uint32_t reply_type)
{
	uint64_t tid;
	uint32_t type;

	if (nvg_send_nvsp(g, m, sizeof(*m), true, &tid) || round_trip(g, tid))
		return -EIO;
	memcpy(&type, g->comp, 4);
	return type == reply_type ? 0 : -EPROTO;
}

int nvg_connect(struct nvg *g, uint32_t version)
{
	int err = nvg_init(g, version);

	return err ? err : nvg_buffers(g);
}

int nvg_init(struct nvg *g, uint32_t version)
{
	struct nvsp_msg m = { .type = NVSP_MSG_INIT };
	struct nvsp_msg r;

	m.init.min_ver = m.init.max_ver = version;
	if (nvsp_req(g, &m, NVSP_MSG_INIT_COMPLETE))
		return -1;
	memcpy(&r, g->comp, sizeof(r));
	if (r.init_complete.status != NVSP_STAT_SUCCESS ||
	    r.init_complete.negotiated_ver != version)
		return -2;
	g->version = version;
	return 0;
}

int nvg_buffers(struct nvg *g)
{
	uint32_t version = g->version;
	struct nvsp_msg m, r;

	if (version >= NVSP_VERSION_2) {
		memset(&m, 0, sizeof(m));
		m.type = NVSP_MSG2_SEND_NDIS_CONFIG;
		m.ndis_config.mtu = 1514;
		m.ndis_config.capability = NVSP_CAP_IEEE8021Q;
		if (nvg_send_nvsp(g, &m, sizeof(m), false, NULL))
			return -3;
	}
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_NDIS_VER;
	m.ndis_ver.major = version <= NVSP_VERSION_4 ? 5 : 6;
	m.ndis_ver.minor = version <= NVSP_VERSION_4 ? 1 : 30;
	if (nvg_send_nvsp(g, &m, sizeof(m), false, NULL))
		return -4;
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_RECV_BUF;
	m.send_buf.gpadl_handle = NVG_RECV_HANDLE;
	m.send_buf.id = g->recv_id;
	if (nvsp_req(g, &m, NVSP_MSG1_SEND_RECV_BUF_COMP))
		return -5;
	memcpy(&r, g->comp, sizeof(r));
	/* netvsc_init_buf(): exactly one section at offset 0, at least an
	 * MTU's worth, and inside the buffer. */
	if (r.recv_buf_complete.status != NVSP_STAT_SUCCESS ||
	    r.recv_buf_complete.num_sections != 1 ||
	    r.recv_buf_complete.section.offset != 0 ||
	    r.recv_buf_complete.section.sub_alloc_size < 68 ||
	    (uint64_t)r.recv_buf_complete.section.sub_alloc_size *
	    r.recv_buf_complete.section.num_sub_allocs > g->recv.bytes)
		return -6;
	g->recv_section_size = r.recv_buf_complete.section.sub_alloc_size;
	g->recv_sections = r.recv_buf_complete.section.num_sub_allocs;
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_SEND_BUF;
	m.send_buf.gpadl_handle = NVG_SEND_HANDLE;
	m.send_buf.id = 0;
	if (nvsp_req(g, &m, NVSP_MSG1_SEND_SEND_BUF_COMP))
		return -7;
	memcpy(&r, g->comp, sizeof(r));
	if (r.send_buf_complete.status != NVSP_STAT_SUCCESS ||
	    r.send_buf_complete.section_size < 68)
		return -8;
	g->send_section_size = r.send_buf_complete.section_size;
	return 0;
}

static int send_gpa(struct nvg *g, struct vmbus_chan *ch,
		    const struct nvsp_msg *m, const void *data, uint32_t len,
		    uint64_t tid)
{
	struct vmbus_gpa_desc d[3];
	uint64_t pfns[3];
	unsigned n = 0;
	uint32_t off = 0;

	/* Page buffers as vmbus_sendpacket_pagebuffer() builds them: one
	 * range per page piece; the data starts 4000 bytes into page 0 so
	 * it crosses pages. */
	if (len > 2 * 4096u)
		return -EMSGSIZE;
	memcpy(g->pages + 4000, data, len);
	while (off < len) {
		uint32_t pos = 4000u + off, chunk = 4096u - pos % 4096u;

		if (chunk > len - off)
			chunk = len - off;
		pfns[n] = NVG_PFN_BASE + pos / 4096u;
		d[n] = (struct vmbus_gpa_desc){ chunk, pos % 4096u, &pfns[n] };
		n++;
		off += chunk;
	}
	return vmbus_chan_send_gpa(ch, tid, d, n, m, sizeof(*m));
}

int nvg_rndis(struct nvg *g, const void *msg, uint32_t len, uint32_t channel,
	      bool gpa, uint32_t section)
{
	return nvg_rndis_on(g, 0, msg, len, channel, gpa, section);
}

int nvg_rndis_on(struct nvg *g, uint32_t ch, const void *msg, uint32_t len,
		 uint32_t channel, bool gpa, uint32_t section)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	struct vmbus_chan *c = guest_ch(g, ch);
	uint64_t tid = g->next_tid++;
	int err;

	m.rndis_pkt.channel_type = channel;
	if (gpa) {
		m.rndis_pkt.section_index = NVSP_INVALID_SECTION;
		err = send_gpa(g, c, &m, msg, len, tid);
	} else {
		if ((uint64_t)(section + 1) * g->send_section_size > g->send.bytes ||
		    len > g->send_section_size)
			return -EINVAL;
		memcpy(g->send.mem + section * g->send_section_size, msg, len);
		m.rndis_pkt.section_index = section;
		m.rndis_pkt.section_size = len;
		err = vmbus_chan_send(c, VMBUS_PKT_INBAND,
				      VMBUS_PKT_FLAG_COMPLETION_REQUESTED, tid,
				      &m, sizeof(m));
	}
	if (err)
		return err;
	err = round_trip(g, tid);
	if (err)
		return err;
	/* netvsc_send_completion() looks trans_id up in the requestor of
	 * the channel the completion came on. */
	if (g->comp_chan != chan_of(g, c))
		perr(g, "completion on another channel than its request");
	if (g->comp[0] != NVSP_MSG1_SEND_RNDIS_PKT_COMP)
		return -EPROTO;
	return (int)g->comp[4];
}

static int ctrl_request(struct nvg *g, const void *msg, uint32_t len,
			uint32_t want)
{
	uint32_t before = g->n_ctrl, type, id;
	int st = nvg_rndis(g, msg, len, NVSP_CHANNEL_CONTROL, false, 0);

	if (st != NVSP_STAT_SUCCESS)
		return st < 0 ? st : -EPROTO;
	if (g->n_ctrl == before)
		return -ETIMEDOUT;
	memcpy(&type, g->ctrl, 4);
	memcpy(&id, g->ctrl + 8, 4);
	if (type != (want | RNDIS_MSG_COMPLETION) || id != g->rndis_req_id)
		return -EPROTO;
	return 0;
}

int nvg_rndis_init(struct nvg *g)
{
	struct {
		struct rndis_hdr h;
		struct rndis_init_req r;
	} __attribute__((packed)) m = {
		{ RNDIS_MSG_INIT, sizeof(m) },
		{ ++g->rndis_req_id, 1, 0, 0x4000 },
	};
	struct rndis_init_comp c;
	int err = ctrl_request(g, &m, sizeof(m), RNDIS_MSG_INIT);

	if (err)
		return err;
	memcpy(&c, g->ctrl + 8, sizeof(c));
	return (int)c.status;
}

static uint32_t oid_msg(struct nvg *g, uint8_t *buf, uint32_t type,
			uint32_t oid, const void *in, uint32_t in_len)
{
	struct rndis_hdr h = { type, (uint32_t)(8 + sizeof(struct rndis_oid_req)) + in_len };
	struct rndis_oid_req r = { ++g->rndis_req_id, oid, in_len,
				   in_len ? sizeof(r) : 0, 0 };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + 8, &r, sizeof(r));
	if (in_len)
		memcpy(buf + 8 + sizeof(r), in, in_len);
	return h.msg_len;
}

int nvg_query(struct nvg *g, uint32_t oid, const void *in, uint32_t in_len,
	      void *out, uint32_t *out_len)
{
	uint8_t buf[512];
	struct rndis_query_comp c;
	uint32_t n = oid_msg(g, buf, RNDIS_MSG_QUERY, oid, in, in_len);
	int err = ctrl_request(g, buf, n, RNDIS_MSG_QUERY);

	if (err)
		return err;
	memcpy(&c, g->ctrl + 8, sizeof(c));
	/* rndis_filter_query_device(): the answer lies in the message and
	 * fits the caller's buffer. */
	if (c.info_len > *out_len ||
	    (c.info_len && (c.info_off < sizeof(c) ||
			    8u + c.info_off + c.info_len > g->ctrl_len)))
		return -EPROTO;
	memcpy(out, g->ctrl + 8 + c.info_off, c.info_len);
	*out_len = c.info_len;
	return (int)c.status;
}

int nvg_set(struct nvg *g, uint32_t oid, const void *in, uint32_t in_len)
{
	/* Room for the RSS parameters with a 256-entry table and the key
	 * (Linux rndis_set_rss_param_msg(): 40 + 1,024 + 40 bytes). */
	uint8_t buf[1200];
	struct rndis_status_comp c;
	uint32_t n;
	int err;

	if (in_len > sizeof(buf) - 8u - sizeof(struct rndis_oid_req))
		return -EMSGSIZE;
	n = oid_msg(g, buf, RNDIS_MSG_SET, oid, in, in_len);
	err = ctrl_request(g, buf, n, RNDIS_MSG_SET);
	if (err)
		return err;
	memcpy(&c, g->ctrl + 8, sizeof(c));
	return (int)c.status;
}

int nvg_bringup(struct nvg *g, uint32_t version)
{
	return nvg_connect(g, version) ? -1 : nvg_ifup(g);
}

int nvg_ifup(struct nvg *g)
{
	uint8_t mac[6], caps[256];
	uint32_t n, v, filter = NDIS_PACKET_TYPE_DIRECTED |
		NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_ALL_MULTICAST;
	struct ndis_obj_hdr params = { 0x80, 3, 40 };
	uint8_t pbuf[40] = { 0 };

	if (nvg_rndis_init(g))
		return -1;
	n = sizeof(mac);
	if (nvg_query(g, OID_802_3_PERMANENT_ADDRESS, NULL, 0, mac, &n) || n != 6)
		return -2;
	n = 4;
	if (nvg_query(g, OID_GEN_MEDIA_CONNECT_STATUS, NULL, 0, &v, &n) || n != 4)
		return -3;
	n = sizeof(caps);
	memset(caps, 0, sizeof(caps));
	if (nvg_query(g, OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, caps, 4, caps, &n) ||
	    caps[0] != NDIS_OBJECT_TYPE_OFFLOAD || caps[1] < 1 || n < 112)
		return -4;
	memcpy(pbuf, &params, sizeof(params));
	if (nvg_set(g, OID_TCP_OFFLOAD_PARAMETERS, pbuf, sizeof(pbuf)))
		return -5;
	if (nvg_set(g, OID_GEN_CURRENT_PACKET_FILTER, &filter, 4))
		return -6;
	return 0;
}

uint32_t nvg_build_packet(uint8_t *buf, const uint8_t *frame, uint32_t len,
			  uint32_t vlan)
{
	struct rndis_hdr h = { RNDIS_MSG_PACKET, 0 };
	struct rndis_packet p = { 0 };
	struct rndis_ppi e = { 16, RNDIS_PPI_8021Q, 12 };
	uint32_t ppi = vlan != ~0u ? 16u : 0u;

	p.ppi_off = sizeof(p);
	p.ppi_len = ppi;
	p.data_off = (uint32_t)sizeof(p) + ppi;
	p.data_len = len;
	h.msg_len = RNDIS_HDR_SIZE + p.data_off + len;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + 8, &p, sizeof(p));
	if (ppi) {
		memcpy(buf + 8 + sizeof(p), &e, sizeof(e));
		memcpy(buf + 8 + sizeof(p) + sizeof(e), &vlan, 4);
	}
	memcpy(buf + 8 + p.data_off, frame, len);
	return h.msg_len;
}

int nvg_send_frame(struct nvg *g, const uint8_t *frame, uint32_t len,
		   uint32_t vlan, bool gpa)
{
	return nvg_send_frame_on(g, 0, frame, len, vlan, gpa);
}

int nvg_send_frame_on(struct nvg *g, uint32_t ch, const uint8_t *frame,
		      uint32_t len, uint32_t vlan, bool gpa)
{
	static uint8_t buf[NVG_FRAME_MAX + 128];
	uint32_t n = nvg_build_packet(buf, frame, len, vlan);

	return nvg_rndis_on(g, ch, buf, n, NVSP_CHANNEL_DATA, gpa, 1);
}

void nvg_pair_destroy(struct nvg *a, struct nvg *b, struct vsw *sw)
{
	nvg_destroy(a);
	nvg_destroy(b);
	vsw_destroy(sw);
}

uint32_t nvg_pair_finish(struct nvg *a, struct nvg *b, struct vsw *sw)
{
	uint32_t errors = a->proto_errors + b->proto_errors;

	if (errors)
		fprintf(stderr, "guest saw: %s / %s\n", a->last_error ? a->last_error : "-",
			b->last_error ? b->last_error : "-");
	nvg_pair_destroy(a, b, sw);
	return errors;
}

struct netvsp_stats nvg_stats(struct nvg *g)
{
	struct netvsp_stats s;

	netvsp_get_stats(g->nv, &s);
	return s;
}

/* ---- sub-channels ---- */

int nvg_set_max_subchannels(struct nvg *g, uint16_t max)
{
	uint16_t old = g->max_subchannels;
	int err;

	nv_drop(g);
	g->max_subchannels = max;
	err = nv_build(g);
	if (err) {
		/* Refused (more than netvsp takes): back as it was. */
		nv_drop(g);
		g->max_subchannels = old;
		if (nv_build(g))
			perr(g, "netvsp not rebuilt");
	}
	return err;
}

int nvg_open_sub(struct nvg *g, uint16_t idx)
{
	struct nvg_sub *s;
	int err;

	if (idx == 0 || idx >= NVG_CHANNELS)
		return -EINVAL;
	s = &g->sub[idx];
	if (!s->open) {
		/* Fresh rings, as a new open's GPADL would be. */
		memset(&s->host, 0, sizeof(s->host));
		memset(&s->guest, 0, sizeof(s->guest));
		err = ring_pair(g, &s->host, &s->guest, &s->h2g, &s->g2h);
		if (err)
			return err;
		s->host.sub_index = idx;
	}
	err = netvsp_open(g->nv, &s->host);
	if (!err)
		s->open = true;
	return err;
}

void nvg_close_sub(struct nvg *g, uint16_t idx)
{
	if (idx == 0 || idx >= NVG_CHANNELS || !g->sub[idx].open)
		return;
	netvsp_close_chan(g->nv, &g->sub[idx].host);
	g->sub[idx].open = false;
}

int nvg_subchannels(struct nvg *g, uint32_t n)
{
	struct nvsp_msg m = { .type = NVSP_MSG5_SUBCHANNEL }, r;
	int err;

	m.subchannel.op_or_status = NVSP_SUBCHANNEL_ALLOCATE;
	m.subchannel.num_subchannels = n;
	if (nvsp_req(g, &m, NVSP_MSG5_SUBCHANNEL))
		return -EIO;
	memcpy(&r, g->comp, sizeof(r));
	if (r.subchannel.op_or_status != NVSP_STAT_SUCCESS)
		return -EPROTO;
	/* rndis_set_subchannel(): more than asked for is refused. */
	if (r.subchannel.num_subchannels > n ||
	    r.subchannel.num_subchannels >= NVG_CHANNELS) {
		perr(g, "more sub-channels granted than asked for");
		return -EPROTO;
	}
	for (uint16_t i = 1; i <= r.subchannel.num_subchannels; i++) {
		err = nvg_open_sub(g, i);
		if (err)
			return err;
	}
	return (int)r.subchannel.num_subchannels;
}
