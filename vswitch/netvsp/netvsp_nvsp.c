/* netvsp_nvsp.c: instance lifetime and the NVSP layer (see netvsp.h).
 *
 * Conversation, as Linux's netvsc_connect_vsp() and netvsc_init_buf()
 * drive it (drivers/net/hyperv/netvsc.c): INIT per version until one
 * succeeds, NDIS_CONFIG (v2+) and NDIS_VER (no replies), SEND_RECV_BUF
 * and SEND_SEND_BUF (each answered by a completion echoing trans_id),
 * then SEND_RNDIS_PKT for RNDIS control and data. Anything out of that
 * order is refused (a FAIL completion where one is expected) and counted.
 */
#include "vswitch/netvsp/netvsp_internal.h"

#include <stdlib.h>

static const uint32_t nvsp_versions[] = {
	NVSP_VERSION_61, NVSP_VERSION_6, NVSP_VERSION_5,
	NVSP_VERSION_4, NVSP_VERSION_2, NVSP_VERSION_1,
};

bool netvsp_version_known(uint32_t v)
{
	for (size_t i = 0; i < sizeof(nvsp_versions) / sizeof(nvsp_versions[0]); i++)
		if (nvsp_versions[i] == v)
			return true;
	return false;
}

int netvsp_create(const struct netvsp_config *cfg, struct netvsp **out)
{
	struct vsw_port_config pc;
	struct netvsp *nv;
	int err;

	if (!cfg || !out || !cfg->ops.buf_open ||
	    !cfg->ops.buf_close || !cfg->ops.buf_read ||
	    !cfg->ops.buf_write || !cfg->ops.gpa_read)
		return -EINVAL;
	if (cfg->max_subchannels >= NETVSP_MAX_CHANNELS ||
	    (cfg->max_subchannels && !cfg->offer_subchannels))
		return -EINVAL;
	if ((cfg->recv_section_size &&
	     (cfg->recv_section_size < 256u || cfg->recv_section_size > 65536u)) ||
	    (cfg->send_section_size &&
	     (cfg->send_section_size < 2048u || cfg->send_section_size > 65536u)))
		return -EINVAL;
	nv = calloc(1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	nv->cfg = *cfg;
	if (!nv->cfg.mtu)
		nv->cfg.mtu = VSW_MTU_DEFAULT;
	if (nv->cfg.mtu < VSW_MTU_MIN || nv->cfg.mtu > VSW_MTU_MAX) {
		err = -EINVAL;
		goto fail;
	}
	if (!nv->cfg.recv_section_size)
		nv->cfg.recv_section_size = 1728u;
	if (!nv->cfg.send_section_size)
		nv->cfg.send_section_size = 6144u;
	if (!nv->cfg.link_speed_100bps)
		nv->cfg.link_speed_100bps = 100000000u;
	/* Without a switch: a NIC whose cable is out (static MAC only). */
	nv->link_up = cfg->sw != NULL;
	if (!cfg->sw) {
		err = -EINVAL;
		if (cfg->port.mac_mode != VSW_MAC_STATIC)
			goto fail;
		memcpy(nv->mac, cfg->port.mac, 6);
		memcpy(nv->cur_mac, nv->mac, 6);
		*out = nv;
		return 0;
	}
	pc = cfg->port;
	pc.kind = VSW_PORT_VM;
	pc.deliver = netvsp_deliver;
	pc.deliver_split = netvsp_deliver_split;
	pc.flush = netvsp_deliver_flush;
	pc.ctx = nv;
	err = vsw_port_add(cfg->sw, &pc, &nv->port);
	if (err)
		goto fail;
	vsw_port_get_mac(nv->port, nv->mac);
	memcpy(nv->cur_mac, nv->mac, 6);
	*out = nv;
	return 0;
fail:
	free(nv);
	return err;
}

void netvsp_destroy(struct netvsp *nv)
{
	if (!nv)
		return;
	/* First: once this returns no delivery is in flight to us. */
	if (nv->port)
		vsw_port_remove(nv->port);
	netvsp_close(nv);
	free(nv);
}

static void buf_close(struct netvsp *nv, struct netvsp_buf *b)
{
	if (b->h)
		nv->cfg.ops.buf_close(nv->cfg.ops.ctx, b->h);
	memset(b, 0, sizeof(*b));
}

/* Called with the lock held. */
static void state_reset(struct netvsp *nv)
{
	netvsp_rx_fini(nv);
	buf_close(nv, &nv->rbuf);
	buf_close(nv, &nv->sbuf);
	nv->version = 0;
	nv->rndis_up = false;
	nv->filter = 0;
	nv->n_mcast = 0;
	memcpy(nv->cur_mac, nv->mac, 6);   /* a new NIC instance in the guest */
	nv->send_secs = 0;
	nv->pend_count = 0;
	nv->subch = 0;
	memset(&nv->rss, 0, sizeof(nv->rss));
}

/* A sub-channel joins whatever session there is: the VMBus server's
 * restore may open it before the primary, and the primary's open resets
 * the session but not the sub-channels (when the guest closes the
 * primary the server closes them first, vmbus/server.h). */
int netvsp_open(struct netvsp *nv, struct vmbus_chan *ch)
{
	uint16_t i;

	if (!nv || !ch)
		return -EINVAL;
	i = ch->sub_index;
	if (i >= NETVSP_MAX_CHANNELS || (i && i > nv->cfg.max_subchannels) ||
	    (i && nv->chans[i]))
		return -EINVAL;
	netvsp_lock(nv);
	if (i == 0)
		state_reset(nv);
	nv->chans[i] = ch;
	netvsp_unlock(nv);
	return 0;
}

void netvsp_close(struct netvsp *nv)
{
	netvsp_lock(nv);
	state_reset(nv);
	memset(nv->chans, 0, sizeof(nv->chans));
	netvsp_unlock(nv);
}

void netvsp_close_chan(struct netvsp *nv, struct vmbus_chan *ch)
{
	if (!ch || ch == nv->chans[0]) {
		netvsp_close(nv);
		return;
	}
	netvsp_lock(nv);
	/* Frames batched for it go out on the primary (netvsp_ch). */
	for (uint32_t i = 1; i < NETVSP_MAX_CHANNELS; i++)
		if (nv->chans[i] == ch)
			nv->chans[i] = NULL;
	netvsp_unlock(nv);
}

void netvsp_gpadl_teardown(struct netvsp *nv, uint32_t handle)
{
	netvsp_lock(nv);
	if (nv->rbuf.h && nv->rbuf.gpadl == handle) {
		netvsp_rx_fini(nv);
		buf_close(nv, &nv->rbuf);
	}
	if (nv->sbuf.h && nv->sbuf.gpadl == handle) {
		buf_close(nv, &nv->sbuf);
		nv->send_secs = 0;
	}
	netvsp_unlock(nv);
}

/* ---- NVSP message handlers ---- */

struct nvsp_ctx {
	struct netvsp *nv;
	uint32_t chan;       /* the channel it came on: replies go there */
	const struct vmbus_pkt_info *info;
	const uint8_t *pkt;
	struct nvsp_msg m;   /* zero-padded private copy */
	uint32_t len;        /* bytes the guest sent */
};

static void reply(struct nvsp_ctx *c, struct nvsp_msg *r)
{
	netvsp_lock(c->nv);
	netvsp_send_comp(c->nv, c->chan, c->info->desc.trans_id, r, sizeof(*r));
	netvsp_unlock(c->nv);
}

static int h_init(struct nvsp_ctx *c)
{
	struct nvsp_msg r = { .type = NVSP_MSG_INIT_COMPLETE };
	uint32_t lo = c->m.init.min_ver, hi = c->m.init.max_ver;

	r.init_complete.status = NVSP_STAT_FAIL;
	/* Highest version we speak inside [min, max]; one negotiation per
	 * channel (a second INIT after success would reset live buffers). */
	for (size_t i = 0; !c->nv->version && lo <= hi &&
	     i < sizeof(nvsp_versions) / sizeof(nvsp_versions[0]); i++) {
		if (nvsp_versions[i] < lo || nvsp_versions[i] > hi)
			continue;
		c->nv->version = nvsp_versions[i];
		r.init_complete.negotiated_ver = nvsp_versions[i];
		r.init_complete.status = NVSP_STAT_SUCCESS;
	}
	if (r.init_complete.status != NVSP_STAT_SUCCESS)
		c->nv->st.nvsp_bad++;
	reply(c, &r);
	return 0;
}

static int h_ndis_ver(struct nvsp_ctx *c)
{
	c->nv->ndis_major = c->m.ndis_ver.major;
	c->nv->ndis_minor = c->m.ndis_ver.minor;
	return 0;
}

static int h_ndis_config(struct nvsp_ctx *c)
{
	/* Linux sends its MTU plus the Ethernet header; informational. */
	c->nv->guest_mtu = c->m.ndis_config.mtu;
	return 0;
}

/* Opens the GPADL a SEND_*_BUF names; 0 or a reason. */
static const char *buf_take(struct netvsp *nv, struct netvsp_buf *b,
			    const struct nvsp_send_buf *sb, uint32_t min,
			    uint32_t max)
{
	void *h = NULL;
	uint32_t bytes = 0;

	if (b->h)
		return "buffer already set";
	if (nv->cfg.ops.buf_open(nv->cfg.ops.ctx, sb->gpadl_handle, &h, &bytes))
		return "no such GPADL";
	if (bytes < min || bytes > max) {
		nv->cfg.ops.buf_close(nv->cfg.ops.ctx, h);
		return "buffer size out of bounds";
	}
	b->h = h;
	b->gpadl = sb->gpadl_handle;
	b->bytes = bytes;
	b->id = sb->id;
	return NULL;
}

static int h_recv_buf(struct nvsp_ctx *c)
{
	struct netvsp *nv = c->nv;
	struct nvsp_msg r = { .type = NVSP_MSG1_SEND_RECV_BUF_COMP };
	struct nvsp_recv_buf_complete *rc = &r.recv_buf_complete;
	uint32_t sec = nv->cfg.recv_section_size;
	const char *why;

	netvsp_lock(nv);
	why = buf_take(nv, &nv->rbuf, &c->m.send_buf, sec, NETVSP_RECV_BUF_MAX);
	/* Geometry first: a delivery may look as soon as sections exist. */
	nv->recv_sec_size = sec;
	if (!why && netvsp_rx_init(nv, nv->rbuf.bytes / sec)) {
		buf_close(nv, &nv->rbuf);
		why = "no memory for the section map";
	}
	netvsp_unlock(nv);
	rc->status = NVSP_STAT_FAIL;
	if (why) {
		nv->st.nvsp_bad++;
		netvsp_log(nv, "SEND_RECV_BUF refused", why);
	} else {
		/* One section of equal sub-allocations starting at 0: Linux
		 * refuses anything else (netvsc_init_buf()). */
		rc->status = NVSP_STAT_SUCCESS;
		rc->num_sections = 1;
		rc->section.sub_alloc_size = sec;
		rc->section.num_sub_allocs = nv->rx.n;
		rc->section.end_offset = nv->rx.n * sec;
	}
	reply(c, &r);
	return 0;
}

void netvsp_send_table_build(struct nvsp_send_table_msg *t, uint32_t nchan)
{
	/* Entry i names channel i % nchan, as Linux fills its own table
	 * once its sub-channels are open (rndis_set_subchannel()). Linux
	 * reads the table from offset 40 on versions <= 6 whatever offset
	 * says (a Hyper-V bug it works around, netvsc_send_table()), and
	 * from offset on 6.1. */
	memset(t, 0, sizeof(*t));
	t->msg.type = NVSP_MSG5_SEND_INDIRECTION_TABLE;
	t->msg.send_table.count = NVSP_SEND_TAB_SIZE;
	t->msg.send_table.offset = NVSP_MSG_SIZE;
	for (uint32_t i = 0; i < NVSP_SEND_TAB_SIZE; i++)
		t->table[i] = nchan ? i % nchan : 0u;
}

/* The send indirection table over the primary and the sub-channels
 * granted (in-band, on the primary). Linux's netvsc_send_table() takes
 * it on any channel at any time, checking only its count and offset,
 * and picks each flow's send channel from it (netvsc_pick_tx()). Lock
 * held. */
static void send_table(struct netvsp *nv, uint32_t nchan)
{
	struct nvsp_send_table_msg t;

	netvsp_send_table_build(&t, nchan);
	netvsp_send_inband(nv, &t, sizeof(t));
}

static int h_send_buf(struct nvsp_ctx *c)
{
	struct netvsp *nv = c->nv;
	struct nvsp_msg r = { .type = NVSP_MSG1_SEND_SEND_BUF_COMP };
	uint32_t sec = nv->cfg.send_section_size;
	const char *why;

	netvsp_lock(nv);
	why = buf_take(nv, &nv->sbuf, &c->m.send_buf, sec, NETVSP_SEND_BUF_MAX);
	if (!why) {
		nv->send_sec_size = sec;
		nv->send_secs = nv->sbuf.bytes / sec;
		r.send_buf_complete.status = NVSP_STAT_SUCCESS;
		r.send_buf_complete.section_size = sec;
	} else {
		r.send_buf_complete.status = NVSP_STAT_FAIL;
		nv->st.nvsp_bad++;
		netvsp_log(nv, "SEND_SEND_BUF refused", why);
	}
	netvsp_send_comp(nv, c->chan, c->info->desc.trans_id, &r, sizeof(r));
	/* v5+: the send indirection table once the buffers are in place, as
	 * Hyper-V does when the channels are ready (the primary alone, but
	 * for a guest that took sub-channels first). */
	if (!why && nv->version >= NVSP_VERSION_5)
		send_table(nv, 1u + nv->subch);
	netvsp_unlock(nv);
	return 0;
}

static int h_revoke_recv(struct nvsp_ctx *c)
{
	struct netvsp *nv = c->nv;

	netvsp_lock(nv);
	if (nv->rbuf.h && nv->rbuf.id == c->m.revoke.id) {
		netvsp_rx_fini(nv);
		buf_close(nv, &nv->rbuf);
	} else {
		nv->st.nvsp_bad++;
	}
	netvsp_unlock(nv);
	return 0;
}

static int h_revoke_send(struct nvsp_ctx *c)
{
	struct netvsp *nv = c->nv;

	netvsp_lock(nv);
	if (nv->sbuf.h && nv->sbuf.id == c->m.revoke.id) {
		buf_close(nv, &nv->sbuf);
		nv->send_secs = 0;
	} else {
		nv->st.nvsp_bad++;
	}
	netvsp_unlock(nv);
	return 0;
}

/* Completes a SEND_RNDIS_PKT when the guest asked for it. */
static void rndis_done(struct nvsp_ctx *c, uint32_t status)
{
	struct nvsp_msg r = { .type = NVSP_MSG1_SEND_RNDIS_PKT_COMP };

	if (status != NVSP_STAT_SUCCESS)
		c->nv->st.tx_bad++;
	if (!(c->info->desc.flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED))
		return;
	r.rndis_pkt_complete.status = status;
	/* Type and status only, as Linux completes receives; Linux's
	 * netvsc_send_completion() needs no more for this type. */
	netvsp_lock(c->nv);
	/* On the request's channel: Linux looks its trans_id up in that
	 * channel's requestor (netvsc_send_completion()). */
	netvsp_send_comp(c->nv, c->chan, c->info->desc.trans_id, &r, 8);
	netvsp_unlock(c->nv);
}

/* RNDIS in a send-buffer section (in-band packet). */
static int h_rndis_pkt(struct nvsp_ctx *c)
{
	struct netvsp *nv = c->nv;
	const struct nvsp_rndis_pkt *p = &c->m.rndis_pkt;
	struct netvsp_src src = { .nv = nv, .chan = c->chan };

	/* Every guest-given index and size checked against our own
	 * geometry before the section is touched. */
	if (!nv->sbuf.h || p->section_index >= nv->send_secs ||
	    p->section_size == 0 || p->section_size > nv->send_sec_size) {
		netvsp_log(nv, "SEND_RNDIS_PKT", "bad send-buffer section");
		rndis_done(c, NVSP_STAT_INVALID_RNDIS_PKT);
		return 0;
	}
	src.base = p->section_index * nv->send_sec_size;
	src.len = p->section_size;
	rndis_done(c, netvsp_rndis_batch(nv, &src));
	return 0;
}

/* SUBCHANNEL ALLOCATE (v5; Linux rndis_set_subchannel(), once RSS
 * capabilities said more than one queue): up to max_subchannels are
 * offered first, then the completion says how many. Linux then waits
 * without a timeout, under rtnl, for that many to open, so the count is
 * never more than the offers made; a failure says FAIL and Linux stays
 * on one channel (netvsc_subchan_work()). Asked again in the same
 * session, the ones offered already are not offered twice
 * (vmbus_server_offer_subchannels). Only on the primary. A grant is
 * followed, on the primary, by a send indirection table spreading the
 * guest's sends over the primary and the n sub-channels, as Hyper-V
 * sends one; Linux then writes the same table itself when they are
 * open, so one that comes first does no harm: a channel it has not
 * opened yet stands for the primary (netvsc_device_add() points every
 * slot at it). */
static int h_subchannel(struct nvsp_ctx *c)
{
	struct netvsp *nv = c->nv;
	struct nvsp_msg r = { .type = NVSP_MSG5_SUBCHANNEL };
	uint32_t n = c->m.subchannel.num_subchannels;

	r.subchannel.op_or_status = NVSP_STAT_FAIL;
	if (c->chan || c->m.subchannel.op_or_status != NVSP_SUBCHANNEL_ALLOCATE ||
	    n == 0) {
		nv->st.nvsp_bad++;
		netvsp_log(nv, "SUBCHANNEL refused", "not an allocation on the primary");
	} else if (nv->cfg.max_subchannels) {
		if (n > nv->cfg.max_subchannels)
			n = nv->cfg.max_subchannels;
		if (!nv->cfg.offer_subchannels(nv->cfg.ops.ctx, (uint16_t)n)) {
			r.subchannel.op_or_status = NVSP_STAT_SUCCESS;
			r.subchannel.num_subchannels = n;
			if (n > nv->subch)
				nv->subch = (uint16_t)n;
		}
	}
	reply(c, &r);
	if (r.subchannel.op_or_status == NVSP_STAT_SUCCESS) {
		netvsp_lock(nv);
		send_table(nv, 1u + n);
		netvsp_unlock(nv);
	}
	return 0;
}

static int h_ignore(struct nvsp_ctx *c)
{
	(void)c;  /* switch data path, VF association: no VF here */
	return 0;
}

struct nvsp_handler {
	uint32_t type;
	uint32_t min_len;   /* type word plus the body we read */
	uint32_t min_ver;   /* negotiated version needed; 0: none */
	uint32_t reply;     /* completion type the guest waits for; 0: none */
	int (*fn)(struct nvsp_ctx *c);
};

/* The data path's message first: the lookup is a linear scan. */
static const struct nvsp_handler nvsp_table[] = {
	{ NVSP_MSG1_SEND_RNDIS_PKT, 16, NVSP_VERSION_1,
	  NVSP_MSG1_SEND_RNDIS_PKT_COMP, h_rndis_pkt },
	{ NVSP_MSG_INIT, 12, 0, NVSP_MSG_INIT_COMPLETE, h_init },
	{ NVSP_MSG1_SEND_NDIS_VER, 12, NVSP_VERSION_1, 0, h_ndis_ver },
	{ NVSP_MSG1_SEND_RECV_BUF, 10, NVSP_VERSION_1,
	  NVSP_MSG1_SEND_RECV_BUF_COMP, h_recv_buf },
	{ NVSP_MSG1_REVOKE_RECV_BUF, 6, NVSP_VERSION_1, 0, h_revoke_recv },
	{ NVSP_MSG1_SEND_SEND_BUF, 10, NVSP_VERSION_1,
	  NVSP_MSG1_SEND_SEND_BUF_COMP, h_send_buf },
	{ NVSP_MSG1_REVOKE_SEND_BUF, 6, NVSP_VERSION_1, 0, h_revoke_send },
	{ NVSP_MSG2_SEND_NDIS_CONFIG, 20, NVSP_VERSION_2, 0, h_ndis_config },
	{ NVSP_MSG4_SWITCH_DATA_PATH, 8, NVSP_VERSION_4, 0, h_ignore },
	{ NVSP_MSG4_SEND_VF_ASSOCIATION, 4, NVSP_VERSION_4, 0, h_ignore },
	{ NVSP_MSG5_SUBCHANNEL, 12, NVSP_VERSION_5, NVSP_MSG5_SUBCHANNEL,
	  h_subchannel },
};

/* The explicit "unhandled" entry: unknown types are counted, logged and
 * dropped (no reply is defined for them). */
static int h_unhandled(struct nvsp_ctx *c)
{
	c->nv->st.nvsp_bad++;
	netvsp_log(c->nv, "NVSP message dropped", "unknown type");
	return 0;
}

static const struct nvsp_handler nvsp_unhandled = { 0, 0, 0, 0, h_unhandled };

/* A known request that is too short or comes before INIT: the guest
 * waits for its completion, so it gets one saying FAIL. */
static void nvsp_refuse(struct nvsp_ctx *c, const struct nvsp_handler *h)
{
	struct nvsp_msg r = { .type = h->reply };

	c->nv->st.nvsp_bad++;
	netvsp_log(c->nv, "NVSP request refused", "too short or out of order");
	if (!h->reply)
		return;
	if (h->reply == NVSP_MSG_INIT_COMPLETE)
		r.init_complete.status = NVSP_STAT_FAIL;
	else
		r.rndis_pkt_complete.status = NVSP_STAT_FAIL; /* word 0 */
	reply(c, &r);
}

static void nvsp_dispatch(struct nvsp_ctx *c)
{
	for (size_t i = 0; i < sizeof(nvsp_table) / sizeof(nvsp_table[0]); i++) {
		const struct nvsp_handler *h = &nvsp_table[i];

		if (h->type != c->m.type)
			continue;
		if (c->len < h->min_len || c->nv->version < h->min_ver)
			nvsp_refuse(c, h);
		else
			h->fn(c);
		return;
	}
	nvsp_unhandled.fn(c);
}

/* Private copy of the NVSP message at the packet's payload offset,
 * zero-padded when the guest sent less than a whole message. A whole one
 * (Linux always sends sizeof(struct nvsp_message)) is one fixed-size copy:
 * a length the compiler cannot see became a byte loop, per packet.
 * (payload_off + payload_len lie inside the packet: ring_next_desc.) */
static int nvsp_copy(struct nvsp_ctx *c)
{
	const uint8_t *src = c->pkt + c->info->payload_off;
	uint32_t n = c->info->payload_len;

	c->len = n;
	if (n >= sizeof(c->m)) {
		memcpy(&c->m, src, sizeof(c->m));
		return 0;
	}
	memset(&c->m, 0, sizeof(c->m));
	if (n < 4)
		return -EINVAL;
	memcpy(&c->m, src, n);
	return 0;
}

/* GPA-direct: SEND_RNDIS_PKT whose RNDIS bytes are in guest pages. */
static int pkt_gpa(struct nvsp_ctx *c)
{
	struct vmbus_gpa_view r[VMBUS_PKT_MAX_RANGES];
	struct netvsp_src src = { .nv = c->nv, .chan = c->chan, .r = r };
	const char *why = "not SEND_RNDIS_PKT";
	uint64_t total = 0;

	if (c->m.type != NVSP_MSG1_SEND_RNDIS_PKT || c->len < 16 ||
	    !c->nv->version ||
	    vmbus_pkt_gpa_parse(c->pkt, c->info, r, VMBUS_PKT_MAX_RANGES,
				&src.nr, &why)) {
		c->nv->st.nvsp_bad++;
		netvsp_log(c->nv, "GPA-direct packet dropped", why);
		if (c->m.type == NVSP_MSG1_SEND_RNDIS_PKT && c->nv->version)
			rndis_done(c, NVSP_STAT_INVALID_RNDIS_PKT);
		return 0;
	}
	for (unsigned i = 0; i < src.nr; i++)
		total += r[i].byte_count;
	src.len = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
	rndis_done(c, netvsp_rndis_batch(c->nv, &src));
	return 0;
}

static int on_pkt(void *ctx, struct vmbus_chan *ch,
		  const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	struct nvsp_ctx c = { .nv = ctx, .info = info, .pkt = pkt };

	(void)ch;
	c.chan = c.nv->poll_chan;   /* netvsp_poll_chan found it */
	switch (info->desc.type) {
	case VMBUS_PKT_COMP:
		/* The guest is done with a receive transfer. */
		netvsp_lock(c.nv);
		netvsp_rx_complete(c.nv, info->desc.trans_id);
		netvsp_unlock(c.nv);
		break;
	case VMBUS_PKT_INBAND:
		if (nvsp_copy(&c))
			h_unhandled(&c);
		else
			nvsp_dispatch(&c);
		break;
	case VMBUS_PKT_GPA_DIRECT:
		if (nvsp_copy(&c))
			h_unhandled(&c);
		else
			pkt_gpa(&c);
		break;
	default:
		/* Transfer-page packets go host to guest only. */
		h_unhandled(&c);
		break;
	}
	/* Stop the drain while the reply queue could not take another
	 * packet's worth, or this sub-channel's ring is full; the ring's
	 * pending_send_sz wakes us. */
	if (c.nv->pend_count && netvsp_pend_full(c.nv, c.chan))
		return -EBUSY;
	return 0;
}

int netvsp_poll(struct netvsp *nv, unsigned budget)
{
	return netvsp_poll_chan(nv, nv->chans[0], budget);
}

/* ch's index among the open channels, or -1. */
static int chan_slot(const struct netvsp *nv, const struct vmbus_chan *ch)
{
	for (uint32_t i = 0; ch && i < NETVSP_MAX_CHANNELS; i++)
		if (nv->chans[i] == ch)
			return (int)i;
	return -1;
}

int netvsp_poll_chan(struct netvsp *nv, struct vmbus_chan *ch,
		     unsigned budget)
{
	int slot = chan_slot(nv, ch), n;
	bool full;

	if (slot < 0)
		return 0;
	/* Once per drain, not per packet: on_pkt's replies go back here. */
	nv->poll_chan = (uint32_t)slot;
	netvsp_lock(nv);
	full = netvsp_flush(nv) && netvsp_pend_full(nv, (uint32_t)slot);
	netvsp_unlock(nv);
	if (full)
		return 1;
	if (!budget)
		budget = 64;
	/* One burst for the drain: the frames this guest sends to another
	 * are announced to it together when the drain ends (vsw.h). */
	vsw_burst_begin(nv->port);
	n = vmbus_chan_poll(ch, nv->pkt, sizeof(nv->pkt), on_pkt, nv,
			    budget);
	vsw_burst_end(nv->port);
	if (n == -EBUSY)
		return 1;
	if (n < 0)
		return n;
	return (unsigned)n >= budget ? 1 : 0;
}

void netvsp_get_stats(struct netvsp *nv, struct netvsp_stats *out)
{
	netvsp_lock(nv);
	*out = nv->st;
	out->nvsp_version = nv->version;
	out->recv_sections = nv->rx.n;
	out->recv_sections_used = nv->rx.in_use;
	out->send_sections = nv->send_secs;
	out->packet_filter = nv->filter;
	out->rndis_up = nv->rndis_up;
	out->subchannels = nv->subch;
	out->rss_on = nv->rss.on;
	out->channels_open = 0;
	for (uint32_t i = 0; i < NETVSP_MAX_CHANNELS; i++)
		out->channels_open += nv->chans[i] != NULL;
	netvsp_unlock(nv);
}

int netvsp_set_switch(struct netvsp *nv, struct vsw *sw)
{
	struct vsw_port_config pc = nv->cfg.port;
	struct vsw_port *np = NULL, *old;
	int err;

	if (sw == nv->cfg.sw)
		return 0;   /* already there (or already unplugged) */
	if (sw) {
		/* The NIC keeps its address from switch to switch. */
		pc.kind = VSW_PORT_VM;
		pc.mac_mode = VSW_MAC_STATIC;
		memcpy(pc.mac, nv->mac, 6);
		pc.deliver = netvsp_deliver;
		pc.deliver_split = netvsp_deliver_split;
		pc.flush = netvsp_deliver_flush;
		pc.ctx = nv;
		err = vsw_port_add(sw, &pc, &np);
		if (err)
			return err;
	}
	old = nv->port;
	/* The send path reads nv->port on the poll thread, which is ours
	 * (netvsp.h); the old port goes after the swap: once vsw_port_remove
	 * returns, no frame from the old switch is in flight to us. */
	netvsp_lock(nv);
	nv->port = np;
	nv->cfg.sw = sw;
	netvsp_unlock(nv);
	if (old)
		vsw_port_remove(old);
	/* The old port's flush will not come: announce what it delivered. */
	netvsp_lock(nv);
	netvsp_rx_flush(nv);
	netvsp_unlock(nv);
	netvsp_set_link(nv, sw != NULL);
	return 0;
}

int netvsp_set_policy(struct netvsp *nv, const struct vsw_port_config *pc)
{
	struct vsw_port_config c = nv->cfg.port;
	int err;

	c.vlan_mode = pc->vlan_mode;
	c.access_vlan = pc->access_vlan;
	c.native_vlan = pc->native_vlan;
	c.allowed_vlans = pc->allowed_vlans;
	c.n_allowed = pc->n_allowed;
	c.flags = pc->flags;
	/* The live port first (it checks the values): a refusal changes
	 * nothing; unplugged, the next switch gets them (set_switch). */
	if (nv->port) {
		err = vsw_port_update(nv->port, &c);
		if (err)
			return err;
	}
	nv->cfg.port = c;
	return 0;
}

struct vsw_port *netvsp_port(struct netvsp *nv)
{
	return nv->port;
}
