/*
 * nettest's netvsc client: the guest half of NVSP and RNDIS as Linux's
 * hv_netvsc drives them (drivers/net/hyperv/netvsc.c netvsc_connect_vsp,
 * netvsc_init_buf, netvsc_send, netvsc_receive; rndis_filter.c
 * rndis_filter_init_device, rndis_filter_query_device,
 * rndis_filter_receive_data). Wire formats are netvsp's own headers
 * (vswitch/netvsp/nvsp_wire.h, rndis_wire.h: Linux's hyperv_net.h
 * layouts). Everything the host sends is checked as Linux checks it;
 * what fails counts in rx_bad or unexpected, which the roles report.
 */
#include "guest.h"
#include "vmbus/client.h"
#include "vmbus/msg.h"
#include "nettest.h"
#include "tests/guests/libc/errno.h"
#include "tests/guests/libc/string.h"

/* trans_id of a frame send: TX_TAG | section, or TX_TAG | GPA_SLOT | slot. */
#define TX_TAG   (1ull << 62)
#define GPA_SLOT 0x100u
/* Page-buffer sends: three pages each, the message starting 4,000 bytes
 * into the first so that it crosses a page (vmbus_sendpacket_pagebuffer
 * ranges, one per page piece). */
#define GPA_SLOTS  4u
#define GPA_OFFSET 4000u

static uint8_t gpa_area[GPA_SLOTS][3 * 4096] __attribute__((aligned(4096)));
static uint32_t gpa_busy;
static uint8_t pktbuf[4096];
static uint8_t msgbuf[NT_FRAME_MAX + 128];
static uint64_t next_tid = 1;
uint32_t nt_wait_ms = 3000;

/* ---- receive path, checked as Linux's netvsc_receive() does ---- */

static void rx_packet(struct nt_nic *n, const uint8_t *m, uint32_t len)
{
	struct rndis_packet p;
	uint32_t body = len - RNDIS_HDR_SIZE;

	/* rndis_filter_receive_data() */
	if (len < RNDIS_PKT_HDR_SIZE) {
		n->rx_bad++;
		return;
	}
	memcpy(&p, m + RNDIS_HDR_SIZE, sizeof(p));
	if (p.data_off >= body || p.data_len > body - p.data_off ||
	    (p.ppi_off && (p.ppi_off < sizeof(p) || p.ppi_off > body ||
			   p.ppi_len < sizeof(struct rndis_ppi) || p.ppi_len > body - p.ppi_off))) {
		n->rx_bad++;
		return;
	}
	n->rx_frames++;
	if (n->rx)
		n->rx(n->rx_ctx, m + RNDIS_HDR_SIZE + p.data_off, p.data_len);
}

static void rx_rndis(struct nt_nic *n, const uint8_t *m, uint32_t len)
{
	struct rndis_hdr h;

	memcpy(&h, m, sizeof(h));
	if (len < RNDIS_HDR_SIZE || h.msg_len < RNDIS_HDR_SIZE || h.msg_len > len) {
		n->rx_bad++;
		return;
	}
	if (h.type == RNDIS_MSG_PACKET) {
		rx_packet(n, m, h.msg_len);
	} else if (h.type == RNDIS_MSG_INDICATE && h.msg_len >= RNDIS_HDR_SIZE + 12) {
		struct rndis_indicate ind;

		memcpy(&ind, m + RNDIS_HDR_SIZE, sizeof(ind));
		if (ind.status == RNDIS_STATUS_MEDIA_CONNECT)
			n->link = 0;
		else if (ind.status == RNDIS_STATUS_MEDIA_DISCONNECT)
			n->link = 1;
	} else if ((h.type & RNDIS_MSG_COMPLETION) && h.msg_len <= sizeof(n->ctrl)) {
		memcpy(n->ctrl, m, h.msg_len);
		n->ctrl_len = h.msg_len;
		n->n_ctrl++;
	} else {
		n->unexpected++;
	}
}

/* Completion of a receive: header and status (netvsc_send_recv_completion). */
static void rx_done(struct nt_nic *n, uint64_t tid)
{
	struct { uint32_t type, status; } c = { NVSP_MSG1_SEND_RNDIS_PKT_COMP, NVSP_STAT_SUCCESS };

	for (int i = 0; i < 1000; i++) {
		int err = vmbus_chan_send_comp(n->ch, tid, &c, sizeof(c));

		if (err != -EAGAIN)
			return;
		nt_idle();
	}
}

static void rx_xfer(struct nt_nic *n, const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	struct vmbus_xfer_hdr xh;
	struct vmbus_xfer_range r;
	const uint8_t *ranges;
	const char *why;
	uint32_t type;

	memcpy(&type, pkt + info->payload_off, 4);
	if (info->payload_len < 4 || type != NVSP_MSG1_SEND_RNDIS_PKT ||
	    vmbus_pkt_xfer_parse(pkt, info, &xh, &ranges, &why) ||
	    xh.xfer_pageset_id != NVSP_RECV_BUF_ID) {
		n->rx_bad++;
	} else {
		for (uint32_t i = 0; i < xh.range_cnt; i++) {
			if (vmbus_pkt_xfer_range(ranges, i, n->recv_bytes, &r)) {
				n->rx_bad++;
				break;
			}
			rx_rndis(n, n->recv + r.byte_offset, r.byte_count);
		}
	}
	rx_done(n, info->desc.trans_id);
}

static void tx_done(struct nt_nic *n, uint64_t tid, uint32_t status)
{
	uint32_t slot = (uint32_t)tid & 0xffff;

	if (slot & GPA_SLOT)
		gpa_busy &= ~(1u << (slot & 0xff));
	else
		n->sec_busy &= ~(1u << slot);
	n->tx_busy--;
	if (status != NVSP_STAT_SUCCESS)
		n->tx_bad++;
}

static int on_pkt(void *ctx, struct vmbus_chan *ch, const struct vmbus_pkt_info *info,
		  const uint8_t *pkt)
{
	struct nt_nic *n = ctx;
	uint32_t w[2] = { 0, 0 };

	(void)ch;
	memcpy(w, pkt + info->payload_off, info->payload_len < 8 ? info->payload_len : 8);
	switch (info->desc.type) {
	case VMBUS_PKT_COMP:
		if (info->desc.trans_id & TX_TAG) {
			tx_done(n, info->desc.trans_id, w[1]);
			break;
		}
		n->comp_type = w[0];
		n->comp_status = w[1];
		n->comp_tid = info->desc.trans_id;
		memset(n->comp, 0, sizeof(n->comp));
		memcpy(n->comp, pkt + info->payload_off,
		       info->payload_len < sizeof(n->comp) ? info->payload_len : sizeof(n->comp));
		n->n_comp++;
		break;
	case VMBUS_PKT_XFER_PAGES:
		rx_xfer(n, info, pkt);
		break;
	case VMBUS_PKT_INBAND:
		if (w[0] == NVSP_MSG5_SEND_INDIRECTION_TABLE)
			n->n_table++;
		else
			n->unexpected++;
		break;
	default:
		n->unexpected++;
	}
	return 0;
}

int nt_nic_poll(struct nt_nic *n)
{
	if (nt_send_flush(n))
		return -1;
	nt_take_events();
	return vmbus_chan_poll(n->ch, pktbuf, sizeof(pktbuf), on_pkt, n, 64);
}

/* ---- requests ---- */

/* Polls until *counter moves past before (and tid matches, when given). */
static int wait_for(struct nt_nic *n, const uint32_t *counter, uint32_t before, uint64_t tid)
{
	uint64_t t0 = guest_rdtsc();

	while (guest_rdtsc() - t0 < nt_ms(nt_wait_ms)) {
		int got = nt_nic_poll(n);

		if (got < 0)
			return -1;
		if (*counter != before && (!tid || n->comp_tid == tid))
			return 0;
		if (got == 0)
			nt_idle();
	}
	return -1;
}

static int send_inband(struct nt_nic *n, const void *msg, uint32_t len, uint64_t tid)
{
	for (uint64_t t0 = guest_rdtsc(); guest_rdtsc() - t0 < nt_ms(3000);) {
		int err = vmbus_chan_send(n->ch, VMBUS_PKT_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
					  tid, msg, len);

		if (err != -EAGAIN)
			return err;
		if (nt_nic_poll(n) == 0)
			nt_idle();
	}
	return -EAGAIN;
}

int nt_nvsp_req(struct nt_nic *n, const void *msg, uint32_t len)
{
	uint64_t tid = next_tid++;

	if (send_inband(n, msg, len, tid))
		return -1;
	return wait_for(n, &n->n_comp, n->n_comp, tid);
}

/* Page buffers for msg: up to three ranges, one per page piece. */
static int send_gpa(struct nt_nic *n, uint32_t slot, const struct nvsp_msg *m,
		    const void *msg, uint32_t len, uint64_t tid)
{
	static uint64_t pfns[GPA_SLOTS][3];
	struct vmbus_gpa_desc d[3];
	uint8_t *area = gpa_area[slot];
	unsigned k = 0;

	memcpy(area + GPA_OFFSET, msg, len);
	for (uint32_t off = 0; off < len; k++) {
		uint32_t pos = GPA_OFFSET + off, chunk = 4096u - pos % 4096u;

		if (chunk > len - off)
			chunk = len - off;
		pfns[slot][k] = ((uint32_t)area >> 12) + pos / 4096u;
		d[k] = (struct vmbus_gpa_desc){ chunk, pos % 4096u, &pfns[slot][k] };
		off += chunk;
	}
	for (uint64_t t0 = guest_rdtsc(); guest_rdtsc() - t0 < nt_ms(3000);) {
		int err = vmbus_chan_send_gpa(n->ch, tid, d, k, m, sizeof(*m));

		if (err != -EAGAIN)
			return err;
		if (nt_nic_poll(n) == 0)
			nt_idle();
	}
	return -EAGAIN;
}

int nt_rndis_raw(struct nt_nic *n, const void *msg, uint32_t len, uint32_t channel, int gpa,
		 uint32_t sec)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	uint64_t tid = next_tid++;
	uint32_t before = n->n_comp;
	int err;

	m.rndis_pkt.channel_type = channel;
	if (gpa) {
		m.rndis_pkt.section_index = NVSP_INVALID_SECTION;
		if (len > 2 * 4096u)
			return -1;
		err = send_gpa(n, GPA_SLOTS - 1, &m, msg, len, tid);
	} else {
		if (sec >= n->send_secs || len > n->send_sec)
			return -1;
		memcpy(n->send + sec * n->send_sec, msg, len);
		m.rndis_pkt.section_index = sec;
		m.rndis_pkt.section_size = len;
		err = send_inband(n, &m, sizeof(m), tid);
	}
	if (err || wait_for(n, &n->n_comp, before, tid))
		return -1;
	return n->comp_type == NVSP_MSG1_SEND_RNDIS_PKT_COMP ? (int)n->comp_status : -1;
}

int nt_rndis_ctrl(struct nt_nic *n, const void *msg, uint32_t len, uint32_t want_type)
{
	uint32_t before = n->n_ctrl, type, id, st;

	if (nt_rndis_raw(n, msg, len, NVSP_CHANNEL_CONTROL, 0, 0) != NVSP_STAT_SUCCESS)
		return -1;
	if (n->n_ctrl == before && wait_for(n, &n->n_ctrl, before, 0))
		return -1;
	memcpy(&type, n->ctrl, 4);
	memcpy(&id, n->ctrl + 8, 4);
	memcpy(&st, n->ctrl + 12, 4);
	if (type != (want_type | RNDIS_MSG_COMPLETION) || id != n->req_id)
		return -1;
	return (int)st;
}

static uint32_t oid_msg(struct nt_nic *n, uint8_t *buf, uint32_t type, uint32_t oid,
			const void *in, uint32_t in_len)
{
	struct rndis_hdr h = { type, (uint32_t)(RNDIS_HDR_SIZE + sizeof(struct rndis_oid_req)) + in_len };
	struct rndis_oid_req r = { ++n->req_id, oid, in_len, in_len ? sizeof(r) : 0, 0 };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + RNDIS_HDR_SIZE, &r, sizeof(r));
	memcpy(buf + RNDIS_HDR_SIZE + sizeof(r), in, in_len);
	return h.msg_len;
}

int nt_query(struct nt_nic *n, uint32_t oid, void *out, uint32_t *out_len)
{
	uint8_t buf[64];
	struct rndis_query_comp c;
	int st = nt_rndis_ctrl(n, buf, oid_msg(n, buf, RNDIS_MSG_QUERY, oid, NULL, 0),
			       RNDIS_MSG_QUERY);

	if (st)
		return st;
	/* rndis_filter_query_device(): the answer inside the reply. */
	memcpy(&c, n->ctrl + RNDIS_HDR_SIZE, sizeof(c));
	if (c.info_len > *out_len ||
	    (c.info_len && (c.info_off < sizeof(c) ||
			    RNDIS_HDR_SIZE + c.info_off + c.info_len > n->ctrl_len)))
		return -1;
	memcpy(out, n->ctrl + RNDIS_HDR_SIZE + c.info_off, c.info_len);
	*out_len = c.info_len;
	return 0;
}

int nt_set(struct nt_nic *n, uint32_t oid, const void *in, uint32_t in_len)
{
	uint8_t buf[128];

	if (in_len > sizeof(buf) - 28)
		return -1;
	return nt_rndis_ctrl(n, buf, oid_msg(n, buf, RNDIS_MSG_SET, oid, in, in_len), RNDIS_MSG_SET);
}

/* ---- bring-up ---- */

static int same_guid(const struct vmbus_guid *a, const struct vmbus_guid *b)
{
	for (int i = 0; i < 16; i++)
		if (a->b[i] != b->b[i])
			return 0;
	return 1;
}

static int find_nic(struct vmbus_client *c)
{
	struct vmbus_guid nic;

	if (vmbus_guid_parse(VMBUS_GUID_NIC, &nic))
		return 0;
	for (uint32_t relid = 1; relid < VMBUS_CLIENT_MAX_CHANNELS; relid++) {
		const struct vmbus_msg_offer *o = vmbus_client_offer(c, relid);

		if (o && same_guid(&o->offer.if_type, &nic))
			return (int)relid;
	}
	return 0;
}

static int chan_open(struct vmbus_client *c, uint32_t relid)
{
	int st = vmbus_client_chan_state(c, relid & 0xffff);

	return st == VMBUS_CH_OPEN || st == VMBUS_CH_FAILED;
}

static int gpadl_done(struct vmbus_client *c, uint32_t h)
{
	int st = vmbus_client_gpadl_state(c, h);

	return st != VMBUS_GPADL_PENDING;
}

int nt_nic_open_raw(struct nt_nic *n, struct vmbus_client *c)
{
	memset(n, 0, sizeof(*n));
	n->open_sec = -1;
	n->cl = c;
	n->relid = (uint32_t)find_nic(c);
	guest_printf("nettest: NIC offer relid %u\n", n->relid);
	if (!n->relid || vmbus_client_open(c, n->relid, NT_RING_PAGES, NT_RING_PAGES) ||
	    !nt_pump(c, chan_open, n->relid) ||
	    vmbus_client_chan_state(c, n->relid) != VMBUS_CH_OPEN)
		return -1;
	n->ch = vmbus_client_chan(c, n->relid);
	return n->ch ? 0 : -1;
}

static int make_buf(struct nt_nic *n, uint32_t pages, uint32_t *h, uint8_t **va)
{
	if (vmbus_client_gpadl_create(n->cl, n->relid, pages, h) ||
	    !nt_pump(n->cl, gpadl_done, *h) ||
	    vmbus_client_gpadl_state(n->cl, *h) != VMBUS_GPADL_LIVE)
		return -1;
	*va = vmbus_client_gpadl_va(n->cl, *h);
	return *va ? 0 : -1;
}

int nt_nic_make_buffers(struct nt_nic *n)
{
	if (make_buf(n, NT_RECV_PAGES, &n->recv_gpadl, &n->recv) ||
	    make_buf(n, NT_SEND_PAGES, &n->send_gpadl, &n->send))
		return -1;
	return 0;
}

/* netvsc_connect_vsp(): INIT per version, newest first (min == max). */
int nt_nic_nvsp_init(struct nt_nic *n)
{
	static const uint32_t versions[] = {
		NVSP_VERSION_61, NVSP_VERSION_6, NVSP_VERSION_5,
		NVSP_VERSION_4, NVSP_VERSION_2, NVSP_VERSION_1,
	};
	struct nvsp_msg m;

	for (uint32_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.type = NVSP_MSG_INIT;
		m.init.min_ver = m.init.max_ver = versions[i];
		if (nt_nvsp_req(n, &m, sizeof(m)))
			return -1;
		memcpy(&m, n->comp, sizeof(m));
		if (n->comp_type == NVSP_MSG_INIT_COMPLETE &&
		    m.init_complete.status == NVSP_STAT_SUCCESS) {
			n->version = versions[i];
			return 0;
		}
	}
	return -1;
}

/* NDIS config (v2+) and NDIS version: no replies. */
int nt_nic_nvsp_ndis(struct nt_nic *n)
{
	struct nvsp_msg m;

	if (n->version >= NVSP_VERSION_2) {
		memset(&m, 0, sizeof(m));
		m.type = NVSP_MSG2_SEND_NDIS_CONFIG;
		m.ndis_config.mtu = 1500 + 14;
		m.ndis_config.capability = NVSP_CAP_IEEE8021Q;
		if (vmbus_chan_send(n->ch, VMBUS_PKT_INBAND, 0, 0, &m, sizeof(m)))
			return -1;
	}
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_NDIS_VER;
	m.ndis_ver.major = 6;
	m.ndis_ver.minor = n->version <= NVSP_VERSION_4 ? 1 : 30;
	return vmbus_chan_send(n->ch, VMBUS_PKT_INBAND, 0, 0, &m, sizeof(m)) ? -1 : 0;
}

/* netvsc_init_buf(): the receive buffer (page set 0xCAFE; exactly one
 * section at offset 0, inside the buffer), then the send buffer. */
int nt_nic_give_buffers(struct nt_nic *n)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RECV_BUF };
	struct nvsp_msg r;

	m.send_buf.gpadl_handle = n->recv_gpadl;
	m.send_buf.id = NVSP_RECV_BUF_ID;
	if (nt_nvsp_req(n, &m, sizeof(m)))
		return -1;
	memcpy(&r, n->comp, sizeof(r));
	if (n->comp_type != NVSP_MSG1_SEND_RECV_BUF_COMP ||
	    r.recv_buf_complete.status != NVSP_STAT_SUCCESS ||
	    r.recv_buf_complete.num_sections != 1 || r.recv_buf_complete.section.offset != 0 ||
	    r.recv_buf_complete.section.sub_alloc_size < 68 ||
	    r.recv_buf_complete.section.end_offset > NT_RECV_PAGES * 4096u)
		return -1;
	n->recv_bytes = NT_RECV_PAGES * 4096u;
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_SEND_BUF;
	m.send_buf.gpadl_handle = n->send_gpadl;
	m.send_buf.id = 0;
	if (nt_nvsp_req(n, &m, sizeof(m)))
		return -1;
	memcpy(&r, n->comp, sizeof(r));
	if (n->comp_type != NVSP_MSG1_SEND_SEND_BUF_COMP ||
	    r.send_buf_complete.status != NVSP_STAT_SUCCESS ||
	    r.send_buf_complete.section_size < 2048 ||
	    r.send_buf_complete.section_size > NT_SEND_PAGES * 4096u)
		return -1;
	n->send_sec = r.send_buf_complete.section_size;
	n->send_secs = NT_SEND_PAGES * 4096u / n->send_sec;
	if (n->send_secs > 32)
		n->send_secs = 32;
	return 0;
}

int nt_nic_open(struct nt_nic *n, struct vmbus_client *c)
{
	if (nt_nic_open_raw(n, c))
		return -1;
	if (nt_nic_nvsp_init(n))
		return -2;
	if (nt_nic_nvsp_ndis(n))
		return -3;
	if (nt_nic_make_buffers(n))
		return -4;
	if (nt_nic_give_buffers(n))
		return -5;
	return 0;
}

int nt_nic_rndis_up(struct nt_nic *n, uint32_t filter)
{
	struct {
		struct rndis_hdr h;
		struct rndis_init_req r;
	} __attribute__((packed)) init = {
		{ RNDIS_MSG_INIT, sizeof(init) }, { ++n->req_id, 1, 0, 0x4000 },
	};
	uint32_t len = 6;

	if (nt_rndis_ctrl(n, &init, sizeof(init), RNDIS_MSG_INIT) != 0)
		return -1;
	if (nt_query(n, OID_802_3_PERMANENT_ADDRESS, n->mac, &len) || len != 6)
		return -2;
	len = 4;
	if (nt_query(n, OID_GEN_MEDIA_CONNECT_STATUS, &n->link, &len) || len != 4)
		return -3;
	if (nt_set(n, OID_GEN_CURRENT_PACKET_FILTER, &filter, 4))
		return -4;
	return 0;
}

/* ---- frames ---- */

static int free_slot(uint32_t busy, uint32_t first, uint32_t n)
{
	for (uint32_t i = first; i < n; i++)
		if (!(busy & (1u << i)))
			return (int)i;
	return -1;
}

/* The RNDIS PACKET for frame: header, packet, an 802.1Q PPI when vlan is
 * not ~0u (ndis_pkt_8021q_info: VID in bits 4..15), then the frame. */
static uint32_t build_packet(uint8_t *buf, const uint8_t *frame, uint32_t len, uint32_t vlan)
{
	struct rndis_hdr h = { RNDIS_MSG_PACKET, 0 };
	struct rndis_packet p;
	struct rndis_ppi e = { 16, RNDIS_PPI_8021Q, 12 };
	uint32_t ppi = vlan != ~0u ? 16u : 0u, v = (vlan & 0xfffu) << 4;

	memset(&p, 0, sizeof(p));
	p.ppi_off = ppi ? sizeof(p) : 0;
	p.ppi_len = ppi;
	p.data_off = (uint32_t)sizeof(p) + ppi;
	p.data_len = len;
	h.msg_len = RNDIS_HDR_SIZE + p.data_off + len;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + RNDIS_HDR_SIZE, &p, sizeof(p));
	if (ppi) {
		memcpy(buf + RNDIS_HDR_SIZE + sizeof(p), &e, sizeof(e));
		memcpy(buf + RNDIS_HDR_SIZE + sizeof(p) + sizeof(e), &v, 4);
	}
	memcpy(buf + RNDIS_HDR_SIZE + p.data_off, frame, len);
	return h.msg_len;
}

/* A free section (1.., section 0 is for control) or GPA slot, polling
 * for completions meanwhile. */
static int take_slot(struct nt_nic *n, int gpa)
{
	uint64_t t0 = guest_rdtsc();

	while (guest_rdtsc() - t0 < nt_ms(3000)) {
		int s = gpa ? free_slot(gpa_busy, 0, GPA_SLOTS - 1) : free_slot(n->sec_busy, 1, n->send_secs);

		int got;

		if (s >= 0 && n->tx_busy < NT_TX_WINDOW)
			return s;
		got = nt_nic_poll(n);
		if (got < 0)
			return -1;
		if (got == 0)
			nt_idle();
	}
	return -1;
}

/* SEND_RNDIS_PKT naming section s with its first size bytes. */
static int post_section(struct nt_nic *n, uint32_t s, uint32_t size)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };

	m.rndis_pkt.channel_type = NVSP_CHANNEL_DATA;
	m.rndis_pkt.section_index = s;
	m.rndis_pkt.section_size = size;
	return send_inband(n, &m, sizeof(m), TX_TAG | s);
}

int nt_send_flush(struct nt_nic *n)
{
	uint32_t s = (uint32_t)n->open_sec;

	if (n->open_sec < 0 || !n->open_n)
		return 0;
	n->open_sec = -1;
	if (post_section(n, s, n->open_len)) {
		n->sec_busy &= ~(1u << s);
		n->tx_busy--;
		return -1;
	}
	return 0;
}

/* Appends to the open section when the message fits (each msg_len
 * padded to 8 bytes, the alignment netvsp's RNDIS INITIALIZE completion
 * offers); 1 when appended, 0 when not, -1 when the flush failed. */
static int pack_frame(struct nt_nic *n, const uint8_t *frame, uint32_t len)
{
	uint8_t *sec;
	uint32_t mlen;

	if (n->open_sec >= 0 &&
	    (n->open_n >= n->pack || n->open_n >= NT_PACK_MAX ||
	     n->open_len + RNDIS_PKT_HDR_SIZE + len + 7u > n->send_sec))
		if (nt_send_flush(n))
			return -1;
	if (n->open_sec < 0)
		return 0;
	sec = n->send + (uint32_t)n->open_sec * n->send_sec + n->open_len;
	mlen = (build_packet(sec, frame, len, ~0u) + 7u) & ~7u;
	memcpy(sec + 4, &mlen, 4);
	n->open_len += mlen;
	n->open_n++;
	return 1;
}

/* pack > 1: a new open section holding this frame. */
static int open_section(struct nt_nic *n, uint32_t s, const uint8_t *frame, uint32_t len)
{
	n->sec_busy |= 1u << s;
	n->tx_busy++;
	n->open_sec = (int)s;
	n->open_len = 0;
	n->open_n = 0;
	return pack_frame(n, frame, len) == 1 ? 0 : -1;
}

int nt_send_frame(struct nt_nic *n, const uint8_t *frame, uint32_t len, uint32_t vlan, int gpa)
{
	struct nvsp_msg m = { .type = NVSP_MSG1_SEND_RNDIS_PKT };
	int s, err, packed = 0;
	uint32_t mlen;

	if (len > NT_FRAME_MAX)
		return -1;
	if (n->pack > 1 && !gpa && vlan == ~0u)
		packed = pack_frame(n, frame, len);
	else if (nt_send_flush(n))  /* frames keep their order */
		return -1;
	if (packed)
		return packed < 0 ? -1 : 0;
	s = take_slot(n, gpa);
	if (s < 0)
		return -1;
	if (n->pack > 1 && !gpa && vlan == ~0u)
		return open_section(n, (uint32_t)s, frame, len);
	m.rndis_pkt.channel_type = NVSP_CHANNEL_DATA;
	if (gpa) {
		mlen = build_packet(msgbuf, frame, len, vlan);
		m.rndis_pkt.section_index = NVSP_INVALID_SECTION;
		gpa_busy |= 1u << s;
		err = send_gpa(n, (uint32_t)s, &m, msgbuf, mlen, TX_TAG | GPA_SLOT | (uint32_t)s);
	} else {
		mlen = build_packet(n->send + (uint32_t)s * n->send_sec, frame, len, vlan);
		n->sec_busy |= 1u << s;
		err = post_section(n, (uint32_t)s, mlen);
	}
	if (err) {
		if (gpa)
			gpa_busy &= ~(1u << s);
		else
			n->sec_busy &= ~(1u << s);
		return -1;
	}
	n->tx_busy++;
	return 0;
}

int nt_nic_drain(struct nt_nic *n, uint32_t ms)
{
	uint64_t t0 = guest_rdtsc();

	if (nt_send_flush(n))
		return -1;
	while (n->tx_busy && guest_rdtsc() - t0 < nt_ms(ms)) {
		int got = nt_nic_poll(n);

		if (got < 0)
			return -1;
		if (got == 0)
			nt_idle();
	}
	return n->tx_busy ? -1 : 0;
}
