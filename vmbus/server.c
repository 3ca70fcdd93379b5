/*
 * VMBus channel server (host side). Protocol facts from Linux
 * drivers/hv/connection.c, channel.c and channel_mgmt.c, which implement
 * the guest end of the same exchanges:
 *   INITIATE_CONTACT -> VERSION_RESPONSE; REQUESTOFFERS -> OFFERCHANNEL*,
 *   ALLOFFERS_DELIVERED; GPADL_HEADER, GPADL_BODY* -> GPADL_CREATED;
 *   OPENCHANNEL -> OPENCHANNEL_RESULT; CLOSECHANNEL (no reply);
 *   GPADL_TEARDOWN -> GPADL_TORNDOWN; RESCIND_OFFER -> RELID_RELEASED;
 *   UNLOAD -> UNLOAD_RESPONSE.
 * Every guest message is validated (vmbus_msg_validate) and every
 * reference it makes (relid, GPADL handle, page offset, PFN) is checked
 * before use; a bad message is dropped with a logged reason, or answered
 * with a failure status where the guest would otherwise wait forever.
 */
#include "vmbus/server.h"
#include "vmbus/server_int.h"

#include <errno.h>
#include <string.h>

static int srv_drop(struct vmbus_server *s, uint32_t type, const char *why)
{
	if (s->ops.log)
		s->ops.log(s->ops.ctx, vmbus_msg_name(type), why);
	return -EINVAL;
}

static int srv_post(struct vmbus_server *s, const void *msg, size_t len)
{
	return s->ops.post_msg(s->ops.ctx, msg, len);
}

static void srv_hdr(void *msg, size_t len, uint32_t type)
{
	memset(msg, 0, len);
	((struct vmbus_msg_hdr *)msg)->msgtype = type;
}

static struct srv_chan *srv_chan_by_relid(struct vmbus_server *s,
					  uint32_t relid)
{
	if (relid == 0 || relid > VMBUS_SERVER_MAX_CHANNELS)
		return NULL;
	if (s->chans[relid - 1].state == CH_FREE)
		return NULL;
	return &s->chans[relid - 1];
}

static uint32_t srv_relid(const struct vmbus_server *s,
			  const struct srv_chan *c)
{
	return (uint32_t)(c - s->chans) + 1;
}

static struct srv_gpadl *srv_gpadl_find(struct vmbus_server *s,
					uint32_t handle)
{
	for (unsigned i = 0; i < s->gpadl_hi; i++)
		if (s->gpadls[i].used && s->gpadls[i].handle == handle)
			return &s->gpadls[i];
	return NULL;
}

static void srv_gpadl_free(struct vmbus_server *s, struct srv_gpadl *g)
{
	struct srv_chan *c = srv_chan_by_relid(s, g->relid);

	/* Tell the device before its view disappears (ring GPADLs are only
	 * ever used through the channel, which is closed by now). */
	if (g->complete && !g->is_ring && c && c->dops &&
	    c->dops->on_gpadl_teardown)
		c->dops->on_gpadl_teardown(c->dev, g->handle);
	if (g->va)
		s->ops.unmap(s->ops.ctx, g->va, g->total);
	if (g->pfns)
		s->ops.free(s->ops.ctx, g->pfns);
	memset(g, 0, sizeof(*g));
}

/* Closes an open channel: tell the device, detach the rings. */
static void srv_chan_close(struct srv_chan *c)
{
	if (c->state != CH_OPEN)
		return;
	if (c->dops && c->dops->on_close)
		c->dops->on_close(c->dev, &c->ch);
	if (c->ring_gpadl)
		c->ring_gpadl->user = NULL;
	c->ring_gpadl = NULL;
	memset(&c->ch, 0, sizeof(c->ch));
	c->state = CH_OFFERED;
}

/* Back to a fresh connection: closes channels, frees GPADLs, forgets
 * rescinded channels (the guest that would release them is gone) and
 * sub-channels (its driver asks for them again on its next open). */
static void srv_reset(struct vmbus_server *s)
{
	for (unsigned i = 0; i < s->chan_hi; i++) {
		srv_chan_close(&s->chans[i]);
		if (s->chans[i].state == CH_RESCINDED || s->chans[i].sub_index)
			memset(&s->chans[i], 0, sizeof(s->chans[i]));
	}
	while (s->chan_hi && s->chans[s->chan_hi - 1].state == CH_FREE)
		s->chan_hi--;
	for (unsigned i = 0; i < s->gpadl_hi; i++)
		if (s->gpadls[i].used)
			srv_gpadl_free(s, &s->gpadls[i]);
	s->gpadl_hi = 0;
	s->state = VMBUS_SRV_DISCONNECTED;
	s->offers_requested = 0;
	s->version = 0;
}

struct vmbus_server *vmbus_server_create(const struct vmbus_server_ops *ops,
					 uint32_t max_version)
{
	struct vmbus_server *s;

	if (!ops || !ops->post_msg || !ops->signal || !ops->map ||
	    !ops->unmap || !ops->alloc || !ops->free ||
	    max_version < VMBUS_VERSION_WIN8)
		return NULL;
	s = ops->alloc(ops->ctx, sizeof(*s));
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->ops = *ops;
	s->max_version = max_version;
	return s;
}

void vmbus_server_destroy(struct vmbus_server *s)
{
	if (!s)
		return;
	srv_reset(s);
	s->ops.free(s->ops.ctx, s);
}

static int srv_send_offer(struct vmbus_server *s, struct srv_chan *c)
{
	struct vmbus_msg_offer m;

	srv_hdr(&m, sizeof(m), VMBUS_MSG_OFFERCHANNEL);
	m.offer.if_type = c->type;
	m.offer.if_instance = c->inst;
	m.offer.sub_channel_index = c->sub_index;
	m.child_relid = srv_relid(s, c);
	/* monitor_allocated = 0: the guest signals with HvSignalEvent on
	 * connection_id (hyperv-notes.md): conn_base + relid, so the
	 * transport can keep its own connection ids below conn_base. */
	m.connection_id = s->conn_base + m.child_relid;
	return srv_post(s, &m, sizeof(m));
}

/* A free slot, claimed as an offered channel of dev; NULL when full or
 * the transport refuses the relid. */
static struct srv_chan *srv_claim(struct vmbus_server *s, const struct vmbus_guid *type,
				  const struct vmbus_guid *instance,
				  const struct vmbus_dev_ops *dops, void *dev)
{
	for (unsigned i = 0; i < VMBUS_SERVER_MAX_CHANNELS; i++) {
		struct srv_chan *c = &s->chans[i];

		if (c->state != CH_FREE)
			continue;
		if (s->ops.on_relid && s->ops.on_relid(s->ops.ctx, i + 1))
			return NULL;
		memset(c, 0, sizeof(*c));
		c->state = CH_OFFERED;
		c->type = *type;
		c->inst = *instance;
		c->dops = dops;
		c->dev = dev;
		if (s->chan_hi < i + 1)
			s->chan_hi = i + 1;
		return c;
	}
	return NULL;
}

int vmbus_server_offer(struct vmbus_server *s, const struct vmbus_guid *type,
		       const struct vmbus_guid *instance,
		       const struct vmbus_dev_ops *dops, void *dev,
		       uint32_t *relid)
{
	struct srv_chan *c = srv_claim(s, type, instance, dops, dev);

	if (!c)
		return -ENOSPC;
	*relid = srv_relid(s, c);
	return s->offers_requested ? srv_send_offer(s, c) : 0;
}

/* Whether c is a live (offered or open) sub-channel of primary p. */
static int srv_is_sub_of(const struct srv_chan *c, const struct srv_chan *p)
{
	return c->sub_index && (c->state == CH_OFFERED || c->state == CH_OPEN) &&
	       srv_same_guids(&c->type, &c->inst, &p->type, &p->inst);
}

static int srv_has_sub(const struct vmbus_server *s, const struct srv_chan *p, unsigned idx)
{
	for (unsigned i = 0; i < s->chan_hi; i++)
		if (srv_is_sub_of(&s->chans[i], p) && s->chans[i].sub_index == idx)
			return 1;
	return 0;
}

int vmbus_server_offer_subchannels(struct vmbus_server *s, uint32_t primary_relid,
				   unsigned count)
{
	struct srv_chan *p = srv_chan_by_relid(s, primary_relid), *c;
	int err;

	if (!p || p->state != CH_OPEN || p->sub_index)
		return -ENOENT;
	if (count == 0 || count > VMBUS_SERVER_MAX_SUBCHANNELS)
		return -EINVAL;
	for (unsigned idx = 1; idx <= count; idx++) {
		if (srv_has_sub(s, p, idx))
			continue;
		c = srv_claim(s, &p->type, &p->inst, p->dops, p->dev);
		if (!c)
			return -ENOSPC;
		c->sub_index = (uint16_t)idx;
		err = srv_send_offer(s, c);
		if (err)
			return err;
	}
	return 0;
}

/* Withdraws c: closed, and RESCIND_OFFER sent once the guest has had
 * the offers; the slot stays reserved until RELID_RELEASED. */
static int srv_withdraw(struct vmbus_server *s, struct srv_chan *c)
{
	struct vmbus_msg_relid m;

	srv_chan_close(c);
	if (!s->offers_requested) {
		memset(c, 0, sizeof(*c));
		return 0;
	}
	/* The relid is not reused while the guest still knows it. The device
	 * is the caller's to free once this returns: the channel's GPADLs
	 * that the guest still holds are torn down without telling it. */
	c->state = CH_RESCINDED;
	c->dops = NULL;
	c->dev = NULL;
	srv_hdr(&m, sizeof(m), VMBUS_MSG_RESCIND_OFFER);
	m.child_relid = srv_relid(s, c);
	return srv_post(s, &m, sizeof(m));
}

/* A primary's sub-channels go with its session: Linux closes them
 * before the primary (vmbus_close) and releases rescinded ones it holds
 * closed (vmbus_onoffer_rescind, hv_process_channel_removal). */
static void srv_withdraw_subs(struct vmbus_server *s, struct srv_chan *p)
{
	if (p->sub_index)
		return;
	for (unsigned i = 0; i < s->chan_hi; i++)
		if (srv_is_sub_of(&s->chans[i], p))
			(void)srv_withdraw(s, &s->chans[i]);
}

/* Closes a channel the guest or a broken ring ends, and a primary's
 * sub-channels with it. */
static void srv_end_chan(struct vmbus_server *s, struct srv_chan *c)
{
	srv_chan_close(c);
	srv_withdraw_subs(s, c);
}

int vmbus_server_rescind(struct vmbus_server *s, uint32_t relid)
{
	struct srv_chan *c = srv_chan_by_relid(s, relid);

	if (!c || c->state == CH_RESCINDED)
		return -ENOENT;
	srv_withdraw_subs(s, c);
	return srv_withdraw(s, c);
}

/* INITIATE_CONTACT: accept the requested version if we implement it and
 * it is not above our maximum; the guest walks down its list otherwise
 * (Linux vmbus_connect). */
static int srv_on_initiate(struct vmbus_server *s, const void *msg)
{
	struct vmbus_msg_initiate in;
	struct vmbus_msg_version_response r;

	memcpy(&in, msg, sizeof(in));
	if (s->state != VMBUS_SRV_DISCONNECTED) {
		/* A guest reconnecting (kexec, crash) starts from scratch. */
		srv_drop(s, VMBUS_MSG_INITIATE_CONTACT,
			 "reconnect while connected: resetting all channels");
		srv_reset(s);
	}
	srv_hdr(&r, sizeof(r), VMBUS_MSG_VERSION_RESPONSE);
	if (vmbus_msg_version_known(in.version) && in.version <= s->max_version) {
		s->state = VMBUS_SRV_CONNECTED;
		s->version = in.version;
		r.version_supported = 1;
		/* 5.x guests post later messages to this connection id. */
		r.msg_conn_id = VMBUS_CONNID_MESSAGE_4;
	}
	return srv_post(s, &r, sizeof(r));
}

static int srv_on_request_offers(struct vmbus_server *s)
{
	struct vmbus_msg_hdr done;
	int err;

	s->offers_requested = 1;
	for (unsigned i = 0; i < s->chan_hi; i++) {
		if (s->chans[i].state != CH_OFFERED &&
		    s->chans[i].state != CH_OPEN)
			continue;
		err = srv_send_offer(s, &s->chans[i]);
		if (err)
			return err;
	}
	srv_hdr(&done, sizeof(done), VMBUS_MSG_ALLOFFERS_DELIVERED);
	return srv_post(s, &done, sizeof(done));
}

static int srv_gpadl_reply(struct vmbus_server *s, uint32_t relid,
			   uint32_t handle, uint32_t status)
{
	struct vmbus_msg_gpadl_created m;

	srv_hdr(&m, sizeof(m), VMBUS_MSG_GPADL_CREATED);
	m.child_relid = relid;
	m.gpadl = handle;
	m.creation_status = status;
	return srv_post(s, &m, sizeof(m));
}

/* All PFNs received: have the platform validate and map them. */
static int srv_gpadl_complete(struct vmbus_server *s, struct srv_gpadl *g)
{
	uint32_t relid = g->relid, handle = g->handle;
	int err = s->ops.map(s->ops.ctx, g->pfns, g->total, &g->va);

	if (err || !g->va) {
		g->va = NULL;
		srv_gpadl_free(s, g);
		srv_drop(s, VMBUS_MSG_GPADL_HEADER,
			 "GPADL names pages the guest does not own");
		return srv_gpadl_reply(s, relid, handle,
				       VMBUS_STATUS_UNSUCCESSFUL);
	}
	g->complete = 1;
	/* The PFN list stays (8 bytes a page, freed with the GPADL): a saved
	 * state names the pages, and restore maps them again
	 * (server_save.c). */
	return srv_gpadl_reply(s, relid, handle, VMBUS_STATUS_OK);
}

static struct srv_gpadl *srv_gpadl_slot(struct vmbus_server *s)
{
	struct srv_gpadl *free_slot = NULL;
	unsigned pending = 0;

	for (unsigned i = 0; i < s->gpadl_hi; i++) {
		if (!s->gpadls[i].used && !free_slot)
			free_slot = &s->gpadls[i];
		else if (s->gpadls[i].used && !s->gpadls[i].complete)
			pending++;
	}
	if (!free_slot && s->gpadl_hi < VMBUS_SERVER_MAX_GPADLS)
		free_slot = &s->gpadls[s->gpadl_hi];
	if (pending >= VMBUS_SERVER_MAX_PENDING_GPADLS || !free_slot)
		return NULL;
	if (free_slot == &s->gpadls[s->gpadl_hi])
		s->gpadl_hi++;   /* the caller fills it; used implies below gpadl_hi */
	return free_slot;
}

static int srv_gpadl_refuse(struct vmbus_server *s, uint32_t relid,
			    uint32_t handle, const char *why)
{
	srv_drop(s, VMBUS_MSG_GPADL_HEADER, why);
	/* Answer anyway: Linux waits for GPADL_CREATED without a timeout. */
	(void)srv_gpadl_reply(s, relid, handle, VMBUS_STATUS_UNSUCCESSFUL);
	return -EINVAL;
}

static int srv_on_gpadl_header(struct vmbus_server *s, const void *msg,
			       size_t len)
{
	struct vmbus_gpadl_hdr_info gi;
	struct srv_chan *c;
	struct srv_gpadl *g;
	const char *why;

	if (vmbus_msg_gpadl_header_decode(msg, len, &gi, &why))
		return srv_drop(s, VMBUS_MSG_GPADL_HEADER, why);
	c = srv_chan_by_relid(s, gi.child_relid);
	if (!c || c->state == CH_RESCINDED)
		return srv_gpadl_refuse(s, gi.child_relid, gi.gpadl,
					"GPADL for an unknown or rescinded channel");
	if (srv_gpadl_find(s, gi.gpadl))
		return srv_drop(s, VMBUS_MSG_GPADL_HEADER,
				"GPADL handle already in use");
	g = srv_gpadl_slot(s);
	if (!g)
		return srv_gpadl_refuse(s, gi.child_relid, gi.gpadl,
					"too many GPADLs (or too many unfinished)");
	g->pfns = s->ops.alloc(s->ops.ctx, (size_t)gi.total_pfns * 8u);
	if (!g->pfns)
		return srv_gpadl_refuse(s, gi.child_relid, gi.gpadl,
					"out of memory for GPADL");
	g->used = 1;
	g->handle = gi.gpadl;
	g->relid = gi.child_relid;
	g->total = gi.total_pfns;
	g->byte_count = gi.byte_count;
	g->byte_offset = gi.byte_offset;
	for (uint32_t i = 0; i < gi.pfns_here; i++)
		g->pfns[i] = vmbus_msg_pfn_at(gi.pfns, i);
	g->have = gi.pfns_here;
	if (g->have == g->total)
		return srv_gpadl_complete(s, g);
	return 0;
}

static int srv_on_gpadl_body(struct vmbus_server *s, const void *msg,
			     size_t len)
{
	struct vmbus_msg_gpadl_body b;
	const uint8_t *pfns = (const uint8_t *)msg + sizeof(b);
	uint32_t n = vmbus_msg_gpadl_body_count(len);
	struct srv_gpadl *g;

	memcpy(&b, msg, sizeof(b));
	g = srv_gpadl_find(s, b.gpadl);
	if (!g || g->complete)
		return srv_drop(s, VMBUS_MSG_GPADL_BODY,
				"body for no GPADL under construction");
	if (n > g->total - g->have) {
		uint32_t relid = g->relid, handle = g->handle;

		srv_gpadl_free(s, g);
		return srv_gpadl_refuse(s, relid, handle,
					"GPADL bodies carry more PFNs than "
					"the header announced");
	}
	for (uint32_t i = 0; i < n; i++)
		g->pfns[g->have + i] = vmbus_msg_pfn_at(pfns, i);
	g->have += n;
	if (g->have == g->total)
		return srv_gpadl_complete(s, g);
	return 0;
}

static int srv_open_reply(struct vmbus_server *s,
			  const struct vmbus_msg_open *o, uint32_t status)
{
	struct vmbus_msg_open_result r;

	srv_hdr(&r, sizeof(r), VMBUS_MSG_OPENCHANNEL_RESULT);
	r.child_relid = o->child_relid;
	r.openid = o->openid;
	r.status = status;
	return srv_post(s, &r, sizeof(r));
}

/* Checks the ring GPADL and attaches both rings. The guest's send ring
 * (pages [0, off)) is our inbound ring; pages [off, total) our outbound
 * (Linux vmbus_open: downstream_ringbuffer_pageoffset = send pages). */
static const char *srv_attach_rings(struct vmbus_server *s,
				    struct srv_chan *c,
				    const struct vmbus_msg_open *o,
				    struct srv_gpadl *g)
{
	uint32_t off = o->downstream_page_offset;
	uint8_t *va;

	if (!g || !g->complete || g->relid != o->child_relid)
		return "ring GPADL unknown or not for this channel";
	if (g->user)
		return "ring GPADL already used by an open channel";
	if (off < 2 || off > g->total || g->total - off < 2)
		return "ring page offset leaves a ring under two pages";
	va = g->va;
	memset(&c->ch, 0, sizeof(c->ch));
	if (vmbus_ring_attach(&c->ch.in, va, (size_t)off * VMBUS_PAGE_SIZE))
		return c->ch.in.why;
	if (vmbus_ring_attach(&c->ch.out, va + (size_t)off * VMBUS_PAGE_SIZE,
			      (size_t)(g->total - off) * VMBUS_PAGE_SIZE))
		return c->ch.out.why;
	c->ch.relid = srv_relid(s, c);
	c->ch.sub_index = c->sub_index;
	c->ch.target_vp = o->target_vp;
	c->ch.signal_id = c->ch.relid;
	c->ch.signal = s->ops.signal;
	c->ch.signal_ctx = s->ops.ctx;
	return NULL;
}

static int srv_on_open(struct vmbus_server *s, const void *msg)
{
	struct vmbus_msg_open o;
	struct srv_chan *c;
	struct srv_gpadl *g;
	const char *why;

	memcpy(&o, msg, sizeof(o));
	c = srv_chan_by_relid(s, o.child_relid);
	if (!c || c->state != CH_OFFERED) {
		srv_drop(s, VMBUS_MSG_OPENCHANNEL,
			 "channel unknown, rescinded or already open");
		return srv_open_reply(s, &o, VMBUS_STATUS_UNSUCCESSFUL);
	}
	g = srv_gpadl_find(s, o.ring_gpadl);
	why = srv_attach_rings(s, c, &o, g);
	if (!why && c->dops && c->dops->on_open &&
	    c->dops->on_open(c->dev, &c->ch))
		why = "device refused the open";
	if (why) {
		memset(&c->ch, 0, sizeof(c->ch));
		srv_drop(s, VMBUS_MSG_OPENCHANNEL, why);
		return srv_open_reply(s, &o, VMBUS_STATUS_UNSUCCESSFUL);
	}
	g->user = c;
	g->is_ring = 1;
	c->ring_gpadl = g;
	c->state = CH_OPEN;
	return srv_open_reply(s, &o, VMBUS_STATUS_OK);
}

static int srv_on_close(struct vmbus_server *s, const void *msg)
{
	struct vmbus_msg_relid m;
	struct srv_chan *c;

	memcpy(&m, msg, sizeof(m));
	c = srv_chan_by_relid(s, m.child_relid);
	if (!c || c->state != CH_OPEN)
		return srv_drop(s, VMBUS_MSG_CLOSECHANNEL, "channel not open");
	srv_end_chan(s, c);
	return 0;
}

/* MODIFYCHANNEL: later signals of the channel go to the VP named (the
 * transport checks it, as at open). Answered from 5.3 on, as Linux then
 * waits for the answer (vmbus_send_modifychannel). */
static int srv_on_modify(struct vmbus_server *s, const void *msg)
{
	struct vmbus_msg_modify m;
	struct vmbus_msg_modify_response r;
	struct srv_chan *c;

	memcpy(&m, msg, sizeof(m));
	c = srv_chan_by_relid(s, m.child_relid);
	srv_hdr(&r, sizeof(r), VMBUS_MSG_MODIFYCHANNEL_RESPONSE);
	r.child_relid = m.child_relid;
	r.status = VMBUS_STATUS_OK;
	if (!c || c->state != CH_OPEN) {
		r.status = VMBUS_STATUS_UNSUCCESSFUL;
		srv_drop(s, VMBUS_MSG_MODIFYCHANNEL, "channel not open");
	} else {
		c->ch.target_vp = m.target_vp;
	}
	if (s->version >= VMBUS_VERSION_V5_3)
		return srv_post(s, &r, sizeof(r));
	return r.status == VMBUS_STATUS_OK ? 0 : -EINVAL;
}

static int srv_on_teardown(struct vmbus_server *s, const void *msg)
{
	struct vmbus_msg_gpadl_teardown t;
	struct vmbus_msg_gpadl_torndown r;
	struct srv_gpadl *g;

	memcpy(&t, msg, sizeof(t));
	g = srv_gpadl_find(s, t.gpadl);
	if (!g) {
		srv_drop(s, VMBUS_MSG_GPADL_TEARDOWN, "unknown GPADL handle");
	} else {
		if (g->user) {
			/* Out of order: pages must not stay mapped under an
			 * open channel, so close it first. */
			srv_drop(s, VMBUS_MSG_GPADL_TEARDOWN,
				 "GPADL still holds open rings: closing channel");
			srv_end_chan(s, g->user);
		}
		srv_gpadl_free(s, g);
	}
	/* Acknowledge in every case: Linux waits for TORNDOWN. */
	srv_hdr(&r, sizeof(r), VMBUS_MSG_GPADL_TORNDOWN);
	r.gpadl = t.gpadl;
	return srv_post(s, &r, sizeof(r));
}

static int srv_on_released(struct vmbus_server *s, const void *msg)
{
	struct vmbus_msg_relid m;
	struct srv_chan *c;

	memcpy(&m, msg, sizeof(m));
	c = srv_chan_by_relid(s, m.child_relid);
	if (!c || c->state != CH_RESCINDED)
		return srv_drop(s, VMBUS_MSG_RELID_RELEASED,
				"relid was not rescinded");
	/* GPADLs of the channel are the guest's to tear down; slot is free. */
	memset(c, 0, sizeof(*c));
	return 0;
}

static int srv_on_unload(struct vmbus_server *s)
{
	struct vmbus_msg_hdr r;

	srv_reset(s);
	srv_hdr(&r, sizeof(r), VMBUS_MSG_UNLOAD_RESPONSE);
	return srv_post(s, &r, sizeof(r));
}

static int srv_dispatch(struct vmbus_server *s, int type, const void *msg,
			size_t len)
{
	switch (type) {
	case VMBUS_MSG_REQUESTOFFERS:
		return srv_on_request_offers(s);
	case VMBUS_MSG_GPADL_HEADER:
		return srv_on_gpadl_header(s, msg, len);
	case VMBUS_MSG_GPADL_BODY:
		return srv_on_gpadl_body(s, msg, len);
	case VMBUS_MSG_OPENCHANNEL:
		return srv_on_open(s, msg);
	case VMBUS_MSG_CLOSECHANNEL:
		return srv_on_close(s, msg);
	case VMBUS_MSG_GPADL_TEARDOWN:
		return srv_on_teardown(s, msg);
	case VMBUS_MSG_RELID_RELEASED:
		return srv_on_released(s, msg);
	case VMBUS_MSG_UNLOAD:
		return srv_on_unload(s);
	case VMBUS_MSG_MODIFYCHANNEL:
		return srv_on_modify(s, msg);
	default:
		return srv_drop(s, (uint32_t)type,
				"host-to-guest message sent by the guest");
	}
}

int vmbus_server_handle_msg(struct vmbus_server *s, const void *msg,
			    size_t len)
{
	const char *why;
	int type = vmbus_msg_validate(msg, len, &why);

	if (type < 0)
		return srv_drop(s, msg && len >= 4 ? *(const uint8_t *)msg : 0,
				why);
	if (type == VMBUS_MSG_INITIATE_CONTACT)
		return srv_on_initiate(s, msg);
	if (s->state != VMBUS_SRV_CONNECTED)
		return srv_drop(s, (uint32_t)type,
				"message before version negotiation");
	return srv_dispatch(s, type, msg, len);
}

int vmbus_server_handle_event(struct vmbus_server *s, uint32_t conn_id)
{
	struct srv_chan *c = srv_chan_by_relid(s, conn_id);
	int more = 0;

	if (!c || c->state != CH_OPEN)
		return -ENOENT;  /* spurious or late signal: harmless */
	if (c->dops && c->dops->on_event)
		more = c->dops->on_event(c->dev, &c->ch) > 0;
	if (vmbus_chan_broken(&c->ch)) {
		if (s->ops.log)
			s->ops.log(s->ops.ctx, "channel closed",
				   c->ch.why ? c->ch.why : "ring broken");
		srv_end_chan(s, c);
		return -EIO;
	}
	return more;
}

void vmbus_server_set_conn_base(struct vmbus_server *s, uint32_t base)
{
	s->conn_base = base;
}

int vmbus_server_state(const struct vmbus_server *s)
{
	return s->state;
}

uint32_t vmbus_server_version(const struct vmbus_server *s)
{
	return s->version;
}

struct vmbus_chan *vmbus_server_chan(struct vmbus_server *s, uint32_t relid)
{
	struct srv_chan *c = srv_chan_by_relid(s, relid);

	return c && c->state == CH_OPEN ? &c->ch : NULL;
}

int vmbus_server_gpadl_view(struct vmbus_server *s, uint32_t relid,
			    uint32_t handle, void **va, size_t *bytes)
{
	struct srv_gpadl *g = srv_gpadl_find(s, handle);

	if (!g || !g->complete || g->relid != relid)
		return -ENOENT;
	/* In bounds: the header check tied total pages to offset + count. */
	*va = (uint8_t *)g->va + g->byte_offset;
	*bytes = g->byte_count;
	return 0;
}

unsigned vmbus_server_gpadl_count(const struct vmbus_server *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->gpadl_hi; i++)
		n += s->gpadls[i].used ? 1u : 0u;
	return n;
}

int vmbus_server_relid_of(const struct vmbus_server *s,
			  const struct vmbus_guid *type,
			  const struct vmbus_guid *instance, uint32_t *relid)
{
	for (unsigned i = 0; i < s->chan_hi; i++) {
		const struct srv_chan *c = &s->chans[i];

		if ((c->state == CH_OFFERED || c->state == CH_OPEN) && !c->sub_index &&
		    srv_same_guids(&c->type, &c->inst, type, instance)) {
			*relid = i + 1;
			return 0;
		}
	}
	return -ENOENT;
}
