/*
 * VMBus channel client (guest side). Sequence and field use follow what
 * Linux's hv_vmbus does (drivers/hv/connection.c vmbus_negotiate_version,
 * channel.c vmbus_open / __vmbus_establish_gpadl / vmbus_teardown_gpadl,
 * channel_mgmt.c offer and rescind handling): our own implementation.
 * Messages from the host are validated like the server validates the
 * guest's: a confused or hostile host gets its message dropped and logged.
 */
#include "vmbus/client.h"

#include <errno.h>
#include <string.h>

/* Linux starts GPADL handles here (next_gpadl_handle); any non-zero value
 * unique per connection works. */
#define CL_FIRST_GPADL 0xE1E10u

static const uint32_t cl_default_versions[] = {
	VMBUS_VERSION_V5_3, VMBUS_VERSION_V5_2, VMBUS_VERSION_V5_1,
	VMBUS_VERSION_V5_0, VMBUS_VERSION_WIN10_41, VMBUS_VERSION_WIN10,
	VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN8,
};
#define CL_MAX_VERSIONS 16u

struct cl_chan {
	int state;
	uint32_t relid, gpadl, npages, send_pages;
	uint32_t target_vp;     /* named in OPENCHANNEL */
	int gpadl_live, rescinded;
	struct vmbus_msg_offer offer;
	void *va;
	uint64_t *pfns;
	struct vmbus_chan ch;
};

/* A GPADL for device data (e.g. netvsc receive/send buffers). */
struct cl_gpadl {
	int state;  /* enum vmbus_client_gpadl_state */
	uint32_t relid, handle, npages;
	void *va;
	uint64_t *pfns;
};

struct vmbus_client {
	struct vmbus_client_ops ops;
	struct cl_gpadl data[VMBUS_CLIENT_MAX_GPADLS];
	int state;
	uint32_t versions[CL_MAX_VERSIONS];
	unsigned nver, vidx;
	uint32_t version, msg_conn, next_gpadl;
	struct cl_chan chans[VMBUS_CLIENT_MAX_CHANNELS];
};

static int cl_drop(struct vmbus_client *c, uint32_t type, const char *why)
{
	if (c->ops.log)
		c->ops.log(c->ops.ctx, vmbus_msg_name(type), why);
	return -EINVAL;
}

static int cl_post(struct vmbus_client *c, const void *msg, size_t len)
{
	return c->ops.post_msg(c->ops.ctx, c->msg_conn, msg, len);
}

static void cl_hdr(void *msg, size_t len, uint32_t type)
{
	memset(msg, 0, len);
	((struct vmbus_msg_hdr *)msg)->msgtype = type;
}

static struct cl_chan *cl_find(struct vmbus_client *c, uint32_t relid)
{
	for (unsigned i = 0; i < VMBUS_CLIENT_MAX_CHANNELS; i++)
		if (c->chans[i].state != VMBUS_CH_NONE &&
		    c->chans[i].relid == relid)
			return &c->chans[i];
	return NULL;
}

static struct cl_chan *cl_find_gpadl(struct vmbus_client *c, uint32_t gpadl)
{
	for (unsigned i = 0; i < VMBUS_CLIENT_MAX_CHANNELS; i++)
		if (c->chans[i].state != VMBUS_CH_NONE && c->chans[i].va &&
		    c->chans[i].gpadl == gpadl)
			return &c->chans[i];
	return NULL;
}

static void cl_free_pages(struct vmbus_client *c, struct cl_chan *ch)
{
	if (ch->va)
		c->ops.free_pages(c->ops.ctx, ch->va, ch->npages);
	if (ch->pfns)
		c->ops.free(c->ops.ctx, ch->pfns);
	ch->va = NULL;
	ch->pfns = NULL;
	ch->gpadl_live = 0;
	memset(&ch->ch, 0, sizeof(ch->ch));
}

static void cl_data_free(struct vmbus_client *c, struct cl_gpadl *g)
{
	if (g->va)
		c->ops.free_pages(c->ops.ctx, g->va, g->npages);
	if (g->pfns)
		c->ops.free(c->ops.ctx, g->pfns);
	memset(g, 0, sizeof(*g));
}

static struct cl_gpadl *cl_data_find(struct vmbus_client *c, uint32_t handle)
{
	for (unsigned i = 0; i < VMBUS_CLIENT_MAX_GPADLS; i++)
		if (c->data[i].state != VMBUS_GPADL_NONE &&
		    c->data[i].handle == handle)
			return &c->data[i];
	return NULL;
}

/* GPADL_CREATED for a data GPADL: 0 if it was one of ours. */
static int cl_data_created(struct vmbus_client *c,
			   const struct vmbus_msg_gpadl_created *m)
{
	struct cl_gpadl *g = cl_data_find(c, m->gpadl);

	if (!g || g->state != VMBUS_GPADL_PENDING || g->relid != m->child_relid)
		return -ENOENT;
	if (m->creation_status != 0) {
		/* The host has nothing mapped: the pages are ours again. */
		cl_data_free(c, g);
		g->state = VMBUS_GPADL_FAILED;
		g->handle = m->gpadl;
		return 0;
	}
	g->state = VMBUS_GPADL_LIVE;
	return 0;
}

static int cl_data_torndown(struct vmbus_client *c, uint32_t handle)
{
	struct cl_gpadl *g = cl_data_find(c, handle);

	if (!g || g->state != VMBUS_GPADL_TEARDOWN)
		return -ENOENT;
	cl_data_free(c, g);
	return 0;
}

struct vmbus_client *vmbus_client_create(const struct vmbus_client_ops *ops)
{
	struct vmbus_client *c;

	if (!ops || !ops->post_msg || !ops->signal || !ops->alloc_pages ||
	    !ops->free_pages || !ops->alloc || !ops->free)
		return NULL;
	c = ops->alloc(ops->ctx, sizeof(*c));
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->ops = *ops;
	c->next_gpadl = CL_FIRST_GPADL;
	c->msg_conn = VMBUS_CONNID_MESSAGE;
	return c;
}

void vmbus_client_destroy(struct vmbus_client *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < VMBUS_CLIENT_MAX_CHANNELS; i++)
		cl_free_pages(c, &c->chans[i]);
	for (unsigned i = 0; i < VMBUS_CLIENT_MAX_GPADLS; i++)
		cl_data_free(c, &c->data[i]);
	c->ops.free(c->ops.ctx, c);
}

static int cl_send_initiate(struct vmbus_client *c)
{
	struct vmbus_msg_initiate m;
	uint32_t v = c->versions[c->vidx];

	cl_hdr(&m, sizeof(m), VMBUS_MSG_INITIATE_CONTACT);
	m.version = v;
	if (v >= VMBUS_VERSION_V5_0) {
		/* 5.x: byte 0 of interrupt_page is msg_sint; contact goes to
		 * connection id 4 (hyperv-notes.md, Linux connection.c). */
		m.interrupt_page = VMBUS_MSG_SINT;
		c->msg_conn = VMBUS_CONNID_MESSAGE_4;
	} else {
		/* Legacy interrupt page: our transport has none to offer. */
		c->msg_conn = VMBUS_CONNID_MESSAGE;
	}
	return cl_post(c, &m, sizeof(m));
}

int vmbus_client_connect(struct vmbus_client *c, const uint32_t *versions,
			 unsigned n)
{
	if (!versions) {
		versions = cl_default_versions;
		n = sizeof(cl_default_versions) / sizeof(cl_default_versions[0]);
	}
	if (n == 0 || n > CL_MAX_VERSIONS ||
	    (c->state != VMBUS_CL_IDLE && c->state != VMBUS_CL_UNLOADED &&
	     c->state != VMBUS_CL_FAILED))
		return -EINVAL;
	memcpy(c->versions, versions, n * sizeof(*versions));
	c->nver = n;
	c->vidx = 0;
	c->state = VMBUS_CL_CONNECTING;
	return cl_send_initiate(c);
}

static int cl_on_version(struct vmbus_client *c, const void *msg)
{
	struct vmbus_msg_version_response r;
	struct vmbus_msg_hdr req;

	memcpy(&r, msg, sizeof(r));
	if (c->state != VMBUS_CL_CONNECTING)
		return cl_drop(c, VMBUS_MSG_VERSION_RESPONSE, "not negotiating");
	if (!r.version_supported) {
		/* Walk down our list, as Linux vmbus_connect does. */
		if (++c->vidx >= c->nver) {
			c->state = VMBUS_CL_FAILED;
			return cl_drop(c, VMBUS_MSG_VERSION_RESPONSE,
				       "host refused every version we know");
		}
		return cl_send_initiate(c);
	}
	c->version = c->versions[c->vidx];
	if (c->version >= VMBUS_VERSION_V5_0)
		c->msg_conn = r.msg_conn_id;
	c->state = VMBUS_CL_CONNECTED;
	cl_hdr(&req, sizeof(req), VMBUS_MSG_REQUESTOFFERS);
	return cl_post(c, &req, sizeof(req));
}

static int cl_on_offer(struct vmbus_client *c, const void *msg)
{
	struct vmbus_msg_offer o;
	struct cl_chan *ch = NULL;

	memcpy(&o, msg, sizeof(o));
	if (c->state != VMBUS_CL_CONNECTED && c->state != VMBUS_CL_READY)
		return cl_drop(c, VMBUS_MSG_OFFERCHANNEL, "offer while not connected");
	if (o.child_relid == 0 || cl_find(c, o.child_relid))
		return cl_drop(c, VMBUS_MSG_OFFERCHANNEL, "relid zero or duplicate");
	for (unsigned i = 0; i < VMBUS_CLIENT_MAX_CHANNELS && !ch; i++)
		if (c->chans[i].state == VMBUS_CH_NONE)
			ch = &c->chans[i];
	if (!ch)
		return cl_drop(c, VMBUS_MSG_OFFERCHANNEL, "too many channels");
	memset(ch, 0, sizeof(*ch));
	ch->state = VMBUS_CH_OFFERED;
	ch->relid = o.child_relid;
	ch->offer = o;
	if (c->ops.on_offer)
		c->ops.on_offer(c->ops.ctx, ch->relid, &ch->offer);
	return 0;
}

/* Sends the GPADL describing all ring pages: one header then bodies
 * (at most 26 and 28 PFNs each, Linux create_gpadl_header). */
static int cl_send_gpadl(struct vmbus_client *c, uint32_t relid,
			 uint32_t handle, const uint64_t *pfns, uint32_t npages)
{
	uint8_t buf[VMBUS_MSG_MAX];
	uint32_t done = 0, used = 0, msgno = 1;
	int len, err;

	len = vmbus_msg_gpadl_header_build(buf, relid, handle, pfns, npages,
					   npages * VMBUS_PAGE_SIZE, &used);
	if (len < 0)
		return len;
	err = cl_post(c, buf, (size_t)len);
	for (done = used; !err && done < npages; done += used) {
		len = vmbus_msg_gpadl_body_build(buf, msgno++, handle,
						 pfns + done, npages - done,
						 &used);
		if (len < 0)
			return len;
		err = cl_post(c, buf, (size_t)len);
	}
	return err;
}

int vmbus_client_gpadl_create(struct vmbus_client *c, uint32_t relid,
			      uint32_t npages, uint32_t *handle)
{
	struct cl_gpadl *g = NULL;
	int err;

	if (!cl_find(c, relid) || npages == 0 || npages > VMBUS_GPADL_MAX_PFNS)
		return -EINVAL;
	for (unsigned i = 0; i < VMBUS_CLIENT_MAX_GPADLS && !g; i++)
		if (c->data[i].state == VMBUS_GPADL_NONE)
			g = &c->data[i];
	if (!g)
		return -ENOSPC;
	g->pfns = c->ops.alloc(c->ops.ctx, (size_t)npages * 8u);
	if (!g->pfns)
		return -ENOMEM;
	err = c->ops.alloc_pages(c->ops.ctx, npages, &g->va, g->pfns);
	if (err || !g->va) {
		g->va = NULL;
		cl_data_free(c, g);
		return err ? err : -ENOMEM;
	}
	g->npages = npages;
	g->relid = relid;
	g->handle = c->next_gpadl++;
	g->state = VMBUS_GPADL_PENDING;
	err = cl_send_gpadl(c, relid, g->handle, g->pfns, npages);
	if (err) {
		cl_data_free(c, g);
		return err;
	}
	*handle = g->handle;
	return 0;
}

int vmbus_client_gpadl_state(const struct vmbus_client *c, uint32_t handle)
{
	const struct cl_gpadl *g = cl_data_find((struct vmbus_client *)c, handle);

	return g ? g->state : VMBUS_GPADL_NONE;
}

void *vmbus_client_gpadl_va(struct vmbus_client *c, uint32_t handle)
{
	struct cl_gpadl *g = cl_data_find(c, handle);

	return g && g->state == VMBUS_GPADL_LIVE ? g->va : NULL;
}

int vmbus_client_gpadl_teardown(struct vmbus_client *c, uint32_t handle)
{
	struct cl_gpadl *g = cl_data_find(c, handle);
	struct vmbus_msg_gpadl_teardown t;

	if (!g)
		return -ENOENT;
	if (g->state == VMBUS_GPADL_FAILED) {
		memset(g, 0, sizeof(*g));
		return 0;
	}
	if (g->state != VMBUS_GPADL_LIVE)
		return -EBUSY;
	cl_hdr(&t, sizeof(t), VMBUS_MSG_GPADL_TEARDOWN);
	t.child_relid = g->relid;
	t.gpadl = handle;
	g->state = VMBUS_GPADL_TEARDOWN;
	return cl_post(c, &t, sizeof(t));
}

static int cl_alloc_rings(struct vmbus_client *c, struct cl_chan *ch,
			  uint32_t send_pages, uint32_t recv_pages)
{
	uint8_t *va;
	int err;

	ch->npages = send_pages + recv_pages;
	ch->send_pages = send_pages;
	ch->pfns = c->ops.alloc(c->ops.ctx, (size_t)ch->npages * 8u);
	if (!ch->pfns)
		return -ENOMEM;
	err = c->ops.alloc_pages(c->ops.ctx, ch->npages, &ch->va, ch->pfns);
	if (err || !ch->va) {
		ch->va = NULL;
		cl_free_pages(c, ch);
		return err ? err : -ENOMEM;
	}
	va = ch->va;
	vmbus_ring_format(va, (size_t)send_pages * VMBUS_PAGE_SIZE);
	vmbus_ring_format(va + (size_t)send_pages * VMBUS_PAGE_SIZE,
			  (size_t)recv_pages * VMBUS_PAGE_SIZE);
	/* Our outbound ring comes first (downstream offset = send pages). */
	if (vmbus_ring_attach(&ch->ch.out, va,
			      (size_t)send_pages * VMBUS_PAGE_SIZE) ||
	    vmbus_ring_attach(&ch->ch.in, va + (size_t)send_pages * VMBUS_PAGE_SIZE,
			      (size_t)recv_pages * VMBUS_PAGE_SIZE)) {
		cl_free_pages(c, ch);
		return -EINVAL;
	}
	ch->ch.relid = ch->relid;
	ch->ch.signal_id = ch->offer.connection_id;
	ch->ch.signal = c->ops.signal;
	ch->ch.signal_ctx = c->ops.ctx;
	return 0;
}

int vmbus_client_open(struct vmbus_client *c, uint32_t relid,
		      uint32_t send_pages, uint32_t recv_pages)
{
	struct cl_chan *ch = cl_find(c, relid);
	int err;

	if (!ch || ch->state != VMBUS_CH_OFFERED)
		return -ENOENT;
	if (send_pages < 2 || recv_pages < 2 ||
	    (uint64_t)send_pages + recv_pages > VMBUS_GPADL_MAX_PFNS)
		return -EINVAL;
	err = cl_alloc_rings(c, ch, send_pages, recv_pages);
	if (err)
		return err;
	ch->gpadl = c->next_gpadl++;
	ch->state = VMBUS_CH_GPADL_PENDING;
	err = cl_send_gpadl(c, ch->relid, ch->gpadl, ch->pfns, ch->npages);
	if (err) {
		cl_free_pages(c, ch);
		ch->state = VMBUS_CH_OFFERED;
	}
	return err;
}

int vmbus_client_set_target_vp(struct vmbus_client *c, uint32_t relid, uint32_t vp)
{
	struct cl_chan *ch = cl_find(c, relid);

	if (!ch || ch->state != VMBUS_CH_OFFERED)
		return -ENOENT;
	ch->target_vp = vp;
	return 0;
}

static int cl_on_gpadl_created(struct vmbus_client *c, const void *msg)
{
	struct vmbus_msg_gpadl_created m;
	struct vmbus_msg_open o;
	struct cl_chan *ch;

	memcpy(&m, msg, sizeof(m));
	if (cl_data_created(c, &m) == 0)
		return 0;
	ch = cl_find_gpadl(c, m.gpadl);
	if (!ch || ch->state != VMBUS_CH_GPADL_PENDING || ch->relid != m.child_relid)
		return cl_drop(c, VMBUS_MSG_GPADL_CREATED, "no GPADL pending");
	if (m.creation_status != 0) {
		ch->state = VMBUS_CH_FAILED;
		return cl_drop(c, VMBUS_MSG_GPADL_CREATED, "host refused GPADL");
	}
	ch->gpadl_live = 1;
	cl_hdr(&o, sizeof(o), VMBUS_MSG_OPENCHANNEL);
	o.child_relid = ch->relid;
	o.openid = ch->relid;
	o.ring_gpadl = ch->gpadl;
	o.target_vp = ch->target_vp;
	o.downstream_page_offset = ch->send_pages;
	ch->state = VMBUS_CH_OPENING;
	return cl_post(c, &o, sizeof(o));
}

static int cl_on_open_result(struct vmbus_client *c, const void *msg)
{
	struct vmbus_msg_open_result r;
	struct cl_chan *ch;

	memcpy(&r, msg, sizeof(r));
	ch = cl_find(c, r.child_relid);
	if (!ch || ch->state != VMBUS_CH_OPENING || r.openid != ch->relid)
		return cl_drop(c, VMBUS_MSG_OPENCHANNEL_RESULT, "no open pending");
	if (r.status != 0) {
		ch->state = VMBUS_CH_FAILED;
		return cl_drop(c, VMBUS_MSG_OPENCHANNEL_RESULT, "host refused open");
	}
	ch->state = VMBUS_CH_OPEN;
	return 0;
}

static int cl_send_teardown(struct vmbus_client *c, struct cl_chan *ch)
{
	struct vmbus_msg_gpadl_teardown t;

	cl_hdr(&t, sizeof(t), VMBUS_MSG_GPADL_TEARDOWN);
	t.child_relid = ch->relid;
	t.gpadl = ch->gpadl;
	ch->state = VMBUS_CH_TEARDOWN;
	return cl_post(c, &t, sizeof(t));
}

/* Channel no longer known to the host: tell it the relid is free. */
static int cl_release(struct vmbus_client *c, struct cl_chan *ch)
{
	struct vmbus_msg_relid m;

	cl_hdr(&m, sizeof(m), VMBUS_MSG_RELID_RELEASED);
	m.child_relid = ch->relid;
	cl_free_pages(c, ch);
	memset(ch, 0, sizeof(*ch));
	return cl_post(c, &m, sizeof(m));
}

int vmbus_client_close(struct vmbus_client *c, uint32_t relid)
{
	struct cl_chan *ch = cl_find(c, relid);
	struct vmbus_msg_relid m;
	int err;

	if (!ch || (ch->state != VMBUS_CH_OPEN && ch->state != VMBUS_CH_FAILED &&
		    ch->state != VMBUS_CH_RESCINDED))
		return -ENOENT;
	if (ch->state == VMBUS_CH_OPEN && !ch->rescinded) {
		cl_hdr(&m, sizeof(m), VMBUS_MSG_CLOSECHANNEL);
		m.child_relid = relid;
		err = cl_post(c, &m, sizeof(m));
		if (err)
			return err;
	}
	if (ch->gpadl_live)
		return cl_send_teardown(c, ch);
	cl_free_pages(c, ch);
	if (ch->rescinded)
		return cl_release(c, ch);
	ch->state = VMBUS_CH_OFFERED;
	return 0;
}

static int cl_on_torndown(struct vmbus_client *c, const void *msg)
{
	struct vmbus_msg_gpadl_torndown m;
	struct cl_chan *ch;

	memcpy(&m, msg, sizeof(m));
	if (cl_data_torndown(c, m.gpadl) == 0)
		return 0;
	ch = cl_find_gpadl(c, m.gpadl);
	if (!ch || ch->state != VMBUS_CH_TEARDOWN)
		return cl_drop(c, VMBUS_MSG_GPADL_TORNDOWN, "no teardown pending");
	/* Only now may the pages be reused: the host has unmapped them. */
	cl_free_pages(c, ch);
	if (ch->rescinded)
		return cl_release(c, ch);
	ch->state = VMBUS_CH_OFFERED;
	return 0;
}

static int cl_on_rescind(struct vmbus_client *c, const void *msg)
{
	struct vmbus_msg_relid m;
	struct cl_chan *ch;

	memcpy(&m, msg, sizeof(m));
	ch = cl_find(c, m.child_relid);
	if (!ch || ch->rescinded)
		return cl_drop(c, VMBUS_MSG_RESCIND_OFFER, "unknown relid");
	ch->rescinded = 1;
	if (c->ops.on_rescind)
		c->ops.on_rescind(c->ops.ctx, ch->relid);
	if (!ch->va)
		return cl_release(c, ch);
	/* Pages are still shared: the owner calls close(), which tears the
	 * GPADL down and then releases the relid. */
	if (ch->state == VMBUS_CH_OPEN || ch->state == VMBUS_CH_OPENING)
		ch->state = VMBUS_CH_RESCINDED;
	return 0;
}

static int cl_on_unload_response(struct vmbus_client *c)
{
	if (c->state != VMBUS_CL_UNLOADING)
		return cl_drop(c, VMBUS_MSG_UNLOAD_RESPONSE, "no unload pending");
	/* The host has dropped every channel and GPADL. */
	for (unsigned i = 0; i < VMBUS_CLIENT_MAX_GPADLS; i++)
		cl_data_free(c, &c->data[i]);
	for (unsigned i = 0; i < VMBUS_CLIENT_MAX_CHANNELS; i++) {
		cl_free_pages(c, &c->chans[i]);
		memset(&c->chans[i], 0, sizeof(c->chans[i]));
	}
	c->state = VMBUS_CL_UNLOADED;
	return 0;
}

int vmbus_client_unload(struct vmbus_client *c)
{
	struct vmbus_msg_hdr m;

	if (c->state != VMBUS_CL_CONNECTED && c->state != VMBUS_CL_READY)
		return -EINVAL;
	c->state = VMBUS_CL_UNLOADING;
	cl_hdr(&m, sizeof(m), VMBUS_MSG_UNLOAD);
	return cl_post(c, &m, sizeof(m));
}

static int cl_dispatch(struct vmbus_client *c, int type, const void *msg)
{
	switch (type) {
	case VMBUS_MSG_VERSION_RESPONSE:
		return cl_on_version(c, msg);
	case VMBUS_MSG_OFFERCHANNEL:
		return cl_on_offer(c, msg);
	case VMBUS_MSG_ALLOFFERS_DELIVERED:
		if (c->state != VMBUS_CL_CONNECTED)
			return cl_drop(c, (uint32_t)type, "not expecting offers");
		c->state = VMBUS_CL_READY;
		return 0;
	case VMBUS_MSG_GPADL_CREATED:
		return cl_on_gpadl_created(c, msg);
	case VMBUS_MSG_OPENCHANNEL_RESULT:
		return cl_on_open_result(c, msg);
	case VMBUS_MSG_GPADL_TORNDOWN:
		return cl_on_torndown(c, msg);
	case VMBUS_MSG_RESCIND_OFFER:
		return cl_on_rescind(c, msg);
	case VMBUS_MSG_UNLOAD_RESPONSE:
		return cl_on_unload_response(c);
	default:
		return cl_drop(c, (uint32_t)type,
			       "guest-to-host message sent by the host");
	}
}

int vmbus_client_handle_msg(struct vmbus_client *c, const void *msg,
			    size_t len)
{
	const char *why;
	int type = vmbus_msg_validate(msg, len, &why);

	if (type < 0)
		return cl_drop(c, 0, why);
	return cl_dispatch(c, type, msg);
}

int vmbus_client_handle_event(struct vmbus_client *c, uint32_t relid)
{
	struct cl_chan *ch = cl_find(c, relid);
	int more = 0;

	if (!ch || ch->state != VMBUS_CH_OPEN)
		return -ENOENT;
	if (c->ops.on_event)
		more = c->ops.on_event(c->ops.ctx, relid, &ch->ch) > 0;
	return vmbus_chan_broken(&ch->ch) ? -EIO : more;
}

int vmbus_client_state(const struct vmbus_client *c)
{
	return c->state;
}

uint32_t vmbus_client_version(const struct vmbus_client *c)
{
	return c->version;
}

int vmbus_client_chan_state(const struct vmbus_client *c, uint32_t relid)
{
	const struct cl_chan *ch = cl_find((struct vmbus_client *)c, relid);

	return ch ? ch->state : VMBUS_CH_NONE;
}

struct vmbus_chan *vmbus_client_chan(struct vmbus_client *c, uint32_t relid)
{
	struct cl_chan *ch = cl_find(c, relid);

	return ch && ch->state == VMBUS_CH_OPEN ? &ch->ch : NULL;
}

const struct vmbus_msg_offer *vmbus_client_offer(const struct vmbus_client *c,
						 uint32_t relid)
{
	const struct cl_chan *ch = cl_find((struct vmbus_client *)c, relid);

	return ch ? &ch->offer : NULL;
}
