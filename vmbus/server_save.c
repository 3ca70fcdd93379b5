/*
 * Save and restore of a channel server's state (server_state.h for the
 * format, vmbus/README.md "Saved state" for what it holds and why).
 *
 * What makes a restore possible at all is that everything the guest and
 * the host share lives in guest memory, which a saved VM keeps: the ring
 * header pages with both indices, interrupt_mask and pending_send_sz
 * (Linux include/linux/hyperv.h struct hv_ring_buffer), the ring data
 * and every GPADL page. The host's side is only a view of those pages
 * (mappings, private copies of its own ring indices) plus the protocol
 * state of server.c; that is what is saved here, and rebuilt.
 *
 * Restore parses and checks the whole blob into a staging area, builds a
 * complete new server image there (mapping pages through ops->map, which
 * refuses pages not the guest's), and only then swaps it in; a device
 * refusing its channel in on_open undoes the swap.
 */
#include "vmbus/server_int.h"
#include "vmbus/server_state.h"

#include <errno.h>
#include <string.h>

/* ---- save ---- */

static uint32_t st_npfns(const struct srv_gpadl *g)
{
	return g->complete ? g->total : g->have;
}

size_t vmbus_server_save_size(const struct vmbus_server *s)
{
	size_t n = sizeof(struct vmbus_st_hdr) + sizeof(struct vmbus_st_rec) +
		   sizeof(struct vmbus_st_server);

	for (unsigned i = 0; i < s->chan_hi; i++)
		if (s->chans[i].state != CH_FREE)
			n += sizeof(struct vmbus_st_rec) + sizeof(struct vmbus_st_chan);
	for (unsigned i = 0; i < s->gpadl_hi; i++)
		if (s->gpadls[i].used)
			n += sizeof(struct vmbus_st_rec) + sizeof(struct vmbus_st_gpadl) +
			     (size_t)st_npfns(&s->gpadls[i]) * 8u;
	return n;
}

struct st_writer {
	uint8_t *buf;
	size_t off;
	uint32_t nrecs;
};

static void st_put(struct st_writer *w, uint16_t type, const void *p,
		   size_t len, const void *tail, size_t tail_len)
{
	struct vmbus_st_rec r = { type, 1, (uint32_t)(len + tail_len) };

	memcpy(w->buf + w->off, &r, sizeof(r));
	memcpy(w->buf + w->off + sizeof(r), p, len);
	if (tail_len)
		memcpy(w->buf + w->off + sizeof(r) + len, tail, tail_len);
	w->off += sizeof(r) + len + tail_len;
	w->nrecs++;
}

static uint8_t st_chan_state(enum srv_ch_state st)
{
	if (st == CH_OPEN)
		return VMBUS_ST_CH_OPEN;
	return st == CH_RESCINDED ? VMBUS_ST_CH_RESCINDED : VMBUS_ST_CH_OFFERED;
}

static void st_save_chan(const struct vmbus_server *s, unsigned i,
			 struct vmbus_st_chan *w)
{
	const struct srv_chan *c = &s->chans[i];

	memset(w, 0, sizeof(*w));
	w->relid = i + 1;
	w->state = st_chan_state(c->state);
	w->type = c->type;
	w->inst = c->inst;
	w->sub_index = c->sub_index;
	if (c->state != CH_OPEN)
		return;
	/* A ring found corrupt by a device's send: the channel is closed on
	 * the next handle_event; keep that verdict across the restore. */
	w->in_broken = c->ch.in.broken;
	w->out_broken = c->ch.out.broken;
	w->ring_gpadl = c->ring_gpadl->handle;
	w->target_vp = c->ch.target_vp;
	w->in_pages = c->ch.in.size / VMBUS_PAGE_SIZE + 1u;
	w->out_pages = c->ch.out.size / VMBUS_PAGE_SIZE + 1u;
	w->in_read = c->ch.in.priv_read;
	w->out_write = c->ch.out.priv_write;
}

static void st_save_gpadl(const struct srv_gpadl *g, struct vmbus_st_gpadl *w)
{
	memset(w, 0, sizeof(*w));
	w->handle = g->handle;
	w->relid = g->relid;
	w->total = g->total;
	w->have = g->have;
	w->byte_count = g->byte_count;
	w->byte_offset = g->byte_offset;
	w->complete = (uint8_t)(g->complete != 0);
	w->is_ring = (uint8_t)(g->is_ring != 0);
}

/* Inside a device's poll the inbound ring has reads not yet given back
 * (chan.c commits before returning): not a point to save at. */
static int st_quiet(const struct vmbus_server *s)
{
	for (unsigned i = 0; i < s->chan_hi; i++)
		if (s->chans[i].state == CH_OPEN &&
		    s->chans[i].ch.in.priv_read != s->chans[i].ch.in.start_read)
			return 0;
	return 1;
}

static void st_save_records(const struct vmbus_server *s, struct st_writer *w,
			    struct vmbus_st_server *srv)
{
	for (unsigned i = 0; i < s->chan_hi; i++) {
		struct vmbus_st_chan c;

		if (s->chans[i].state == CH_FREE)
			continue;
		st_save_chan(s, i, &c);
		st_put(w, VMBUS_ST_CHAN, &c, sizeof(c), NULL, 0);
		srv->nchans++;
	}
	for (unsigned i = 0; i < s->gpadl_hi; i++) {
		const struct srv_gpadl *g = &s->gpadls[i];
		struct vmbus_st_gpadl r;

		if (!g->used)
			continue;
		st_save_gpadl(g, &r);
		st_put(w, VMBUS_ST_GPADL, &r, sizeof(r), g->pfns,
		       (size_t)st_npfns(g) * 8u);
		srv->ngpadls++;
	}
}

int vmbus_server_save(const struct vmbus_server *s, void *buf, size_t cap,
		      size_t *len)
{
	struct vmbus_st_hdr h = { VMBUS_ST_MAGIC, VMBUS_ST_VERSION, 0, 0 };
	struct vmbus_st_server srv;
	struct st_writer w = { buf, sizeof(h) + sizeof(struct vmbus_st_rec) + sizeof(srv), 0 };
	size_t total = vmbus_server_save_size(s);

	if (!buf || total > cap || total > UINT32_MAX)
		return -ENOSPC;
	if (!st_quiet(s))
		return -EBUSY;
	memset(&srv, 0, sizeof(srv));
	srv.version = s->version;
	srv.conn_base = s->conn_base;
	srv.state = (uint8_t)s->state;
	srv.offers_requested = (uint8_t)(s->offers_requested != 0);
	st_save_records(s, &w, &srv);
	/* The server record goes first, once its counts are known. */
	w.off = sizeof(h);
	st_put(&w, VMBUS_ST_SERVER, &srv, sizeof(srv), NULL, 0);
	h.nrecs = w.nrecs;
	h.total = (uint32_t)total;
	memcpy(buf, &h, sizeof(h));
	*len = total;
	return 0;
}

/* ---- restore: parse ---- */

/* Everything restore works on, in one ops->alloc (it is too large for a
 * parent stack): the records as read, which offered slot each channel
 * matched, the image being built and the server as it was. */
struct st_load {
	struct vmbus_st_server srv;
	struct vmbus_st_chan chans[VMBUS_SERVER_MAX_CHANNELS];
	struct vmbus_st_gpadl gpadls[VMBUS_SERVER_MAX_GPADLS];
	const uint8_t *pfns[VMBUS_SERVER_MAX_GPADLS];  /* into the blob */
	uint32_t ver;                          /* the file's format version */
	int match[VMBUS_SERVER_MAX_CHANNELS];  /* slot in s, -1: rescinded or sub */
	int prim[VMBUS_SERVER_MAX_CHANNELS];   /* a sub-channel's primary record */
	int ring[VMBUS_SERVER_MAX_CHANNELS];   /* index into gpadls */
	struct vmbus_server img, old;
};

struct st_reader {
	const uint8_t *buf;
	size_t len, off;
};

/* Next record of the given type with a payload of exactly want bytes
 * (plus tail bytes after it, which the caller sizes from the payload). */
static const uint8_t *st_get(struct st_reader *r, uint16_t type, size_t want,
			     uint32_t *len)
{
	struct vmbus_st_rec h;
	const uint8_t *p;

	if (r->len - r->off < sizeof(h))
		return NULL;
	memcpy(&h, r->buf + r->off, sizeof(h));
	if (h.type != type || h.version != 1 || h.len < want ||
	    r->len - r->off - sizeof(h) < h.len)
		return NULL;
	p = r->buf + r->off + sizeof(h);
	r->off += sizeof(h) + h.len;
	*len = h.len;
	return p;
}

static int st_parse_gpadl(struct st_reader *r, struct st_load *L, unsigned j)
{
	struct vmbus_st_gpadl *g = &L->gpadls[j];
	const uint8_t *p;
	uint32_t len;

	p = st_get(r, VMBUS_ST_GPADL, sizeof(*g), &len);
	if (!p)
		return -EINVAL;
	memcpy(g, p, sizeof(*g));
	/* The PFN count follows from fields checked later; here only that
	 * the record's length agrees with it. */
	if (g->have > VMBUS_ST_MAX_PFNS || g->total > VMBUS_ST_MAX_PFNS)
		return -EINVAL;
	if (len != sizeof(*g) + (size_t)(g->complete ? g->total : g->have) * 8u)
		return -EINVAL;
	L->pfns[j] = p + sizeof(*g);
	return 0;
}

static int st_parse(struct st_load *L, const void *buf, size_t len)
{
	struct st_reader r = { buf, len, sizeof(struct vmbus_st_hdr) };
	struct vmbus_st_hdr h;
	const uint8_t *p;
	uint32_t n;

	if (!buf || len < sizeof(h) || len > UINT32_MAX)
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != VMBUS_ST_MAGIC || h.version < 1 || h.version > VMBUS_ST_VERSION ||
	    h.total != len)
		return -EINVAL;
	L->ver = h.version;
	p = st_get(&r, VMBUS_ST_SERVER, sizeof(L->srv), &n);
	if (!p || n != sizeof(L->srv))
		return -EINVAL;
	memcpy(&L->srv, p, sizeof(L->srv));
	if (L->srv.nchans > VMBUS_SERVER_MAX_CHANNELS ||
	    L->srv.ngpadls > VMBUS_SERVER_MAX_GPADLS ||
	    h.nrecs != 1u + L->srv.nchans + L->srv.ngpadls)
		return -EINVAL;
	for (unsigned k = 0; k < L->srv.nchans; k++) {
		size_t want = L->ver < 2 ? VMBUS_ST_CHAN_V1_SIZE : sizeof(L->chans[k]);

		p = st_get(&r, VMBUS_ST_CHAN, want, &n);
		if (!p || n != want)
			return -EINVAL;
		memset(&L->chans[k], 0, sizeof(L->chans[k]));
		memcpy(&L->chans[k], p, want);
	}
	for (unsigned j = 0; j < L->srv.ngpadls; j++)
		if (st_parse_gpadl(&r, L, j))
			return -EINVAL;
	return r.off == len ? 0 : -EINVAL;
}

/* ---- restore: checks ---- */

static int st_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Only a server that has offered devices and nothing else: restore
 * replaces its whole state and must not drop anything live. */
static int st_fresh(const struct vmbus_server *s)
{
	if (s->state != VMBUS_SRV_DISCONNECTED || s->offers_requested ||
	    s->gpadl_hi)
		return 0;
	for (unsigned i = 0; i < s->chan_hi; i++)
		if (s->chans[i].state != CH_FREE && s->chans[i].state != CH_OFFERED)
			return 0;
	return 1;
}

static int st_check_server(const struct vmbus_server *s,
			   const struct vmbus_st_server *w)
{
	if (!st_zero(w->pad, sizeof(w->pad)) || w->pad2 || w->offers_requested > 1 ||
	    w->conn_base != s->conn_base)
		return -EINVAL;
	if (w->state == VMBUS_SRV_DISCONNECTED)
		return w->version || w->offers_requested || w->ngpadls ? -EINVAL : 0;
	if (w->state != VMBUS_SRV_CONNECTED || !vmbus_msg_version_known(w->version) ||
	    w->version > s->max_version)
		return -EINVAL;
	return 0;
}

/* The offered, not yet claimed slot of s with c's GUIDs, or -1. */
static int st_match(const struct vmbus_server *s, const struct st_load *L,
		    unsigned nclaimed, const struct vmbus_st_chan *c)
{
	for (unsigned i = 0; i < s->chan_hi; i++) {
		const struct srv_chan *o = &s->chans[i];
		unsigned k;

		if (o->state != CH_OFFERED || !srv_same_guids(&o->type, &o->inst, &c->type, &c->inst))
			continue;
		for (k = 0; k < nclaimed && L->match[k] != (int)i; k++)
			;
		if (k == nclaimed)
			return (int)i;
	}
	return -1;
}

/* An index into a ring's data area of `pages` pages (header included). */
static int st_index_ok(uint32_t idx, uint32_t pages)
{
	return (idx & 7u) == 0 && idx < (pages - 1u) * VMBUS_PAGE_SIZE;
}

static int st_check_ring_fields(const struct vmbus_st_chan *c)
{
	if (c->state != VMBUS_ST_CH_OPEN)
		return c->in_broken || c->out_broken || c->ring_gpadl || c->in_pages ||
		       c->out_pages || c->in_read || c->out_write || c->target_vp ? -EINVAL : 0;
	if (c->in_broken > 1 || c->out_broken > 1 ||
	    c->in_pages < 2 || c->in_pages > VMBUS_ST_MAX_PFNS ||
	    c->out_pages < 2 || c->out_pages > VMBUS_ST_MAX_PFNS)
		return -EINVAL;
	return st_index_ok(c->in_read, c->in_pages) &&
	       st_index_ok(c->out_write, c->out_pages) ? 0 : -EINVAL;
}

static int st_check_chan(const struct vmbus_server *s, struct st_load *L,
			 unsigned k)
{
	const struct vmbus_st_chan *c = &L->chans[k];
	uint32_t prev = k ? L->chans[k - 1].relid : 0;

	if (c->relid <= prev || c->relid > VMBUS_SERVER_MAX_CHANNELS || c->pad ||
	    c->pad2 || c->pad3 || c->state < VMBUS_ST_CH_OFFERED || c->state > VMBUS_ST_CH_RESCINDED ||
	    c->sub_index > VMBUS_SERVER_MAX_SUBCHANNELS || (L->ver < 2 && c->sub_index))
		return -EINVAL;
	/* Open needs a connection; a rescind is only sent after offers. */
	if ((c->state == VMBUS_ST_CH_OPEN && L->srv.state != VMBUS_SRV_CONNECTED) ||
	    (c->state == VMBUS_ST_CH_RESCINDED && !L->srv.offers_requested))
		return -EINVAL;
	if (st_check_ring_fields(c))
		return -EINVAL;
	L->match[k] = -1;
	if (c->state == VMBUS_ST_CH_RESCINDED || c->sub_index)
		return 0;
	L->match[k] = st_match(s, L, k, c);
	return L->match[k] < 0 ? -EINVAL : 0;
}

/* A live sub-channel needs its primary among the records (matched to a
 * device), and no other live sub-channel of it with the same index. */
static int st_check_sub(struct st_load *L, unsigned k)
{
	const struct vmbus_st_chan *c = &L->chans[k];

	L->prim[k] = -1;
	if (!c->sub_index || c->state == VMBUS_ST_CH_RESCINDED)
		return 0;
	for (unsigned i = 0; i < L->srv.nchans; i++) {
		const struct vmbus_st_chan *o = &L->chans[i];

		if (i == k || o->state == VMBUS_ST_CH_RESCINDED ||
		    !srv_same_guids(&o->type, &o->inst, &c->type, &c->inst))
			continue;
		if (o->sub_index == c->sub_index)
			return -EINVAL;
		if (!o->sub_index)
			L->prim[k] = (int)i;
	}
	return L->prim[k] < 0 ? -EINVAL : 0;
}

/* Every saved channel matched an offered device, and every offered
 * device was matched: the guest knows exactly the saved set. */
static int st_check_chans(const struct vmbus_server *s, struct st_load *L)
{
	unsigned offered = 0, matched = 0;

	for (unsigned k = 0; k < L->srv.nchans; k++) {
		if (st_check_chan(s, L, k))
			return -EINVAL;
		matched += L->match[k] >= 0;
	}
	for (unsigned k = 0; k < L->srv.nchans; k++)
		if (st_check_sub(L, k))
			return -EINVAL;
	for (unsigned i = 0; i < s->chan_hi; i++)
		offered += s->chans[i].state == CH_OFFERED;
	return offered == matched ? 0 : -EINVAL;
}

/* The rules GPADL_HEADER obeyed (msg.c gpadl_header_check) and the
 * server's own: a single range whose pages the PFN count covers. */
static int st_check_gpadl(const struct st_load *L, unsigned j)
{
	const struct vmbus_st_gpadl *g = &L->gpadls[j];
	uint64_t pages = ((uint64_t)g->byte_offset + g->byte_count + 4095u) / 4096u;

	if (g->relid == 0 || g->relid > VMBUS_SERVER_MAX_CHANNELS ||
	    !st_zero(g->pad, sizeof(g->pad)) || g->complete > 1 || g->is_ring > 1 ||
	    g->byte_count == 0 || g->byte_offset >= 4096u || g->total == 0 ||
	    pages != g->total)
		return -EINVAL;
	if (g->complete ? g->have != g->total : (g->have >= g->total || g->is_ring))
		return -EINVAL;
	for (unsigned i = 0; i < j; i++)
		if (L->gpadls[i].handle == g->handle)
			return -EINVAL;
	return 0;
}

static int st_check_gpadls(const struct st_load *L)
{
	unsigned pending = 0;

	for (unsigned j = 0; j < L->srv.ngpadls; j++) {
		if (st_check_gpadl(L, j))
			return -EINVAL;
		pending += !L->gpadls[j].complete;
	}
	return pending > VMBUS_SERVER_MAX_PENDING_GPADLS ? -EINVAL : 0;
}

/* An open channel's rings: a complete ring GPADL of its own, used by no
 * other channel, split exactly into the two saved ring sizes. */
static int st_check_ring(struct st_load *L, unsigned k)
{
	const struct vmbus_st_chan *c = &L->chans[k];
	const struct vmbus_st_gpadl *g;
	unsigned j;

	L->ring[k] = -1;
	if (c->state != VMBUS_ST_CH_OPEN)
		return 0;
	for (j = 0; j < L->srv.ngpadls && L->gpadls[j].handle != c->ring_gpadl; j++)
		;
	if (j == L->srv.ngpadls)
		return -EINVAL;
	g = &L->gpadls[j];
	if (!g->complete || !g->is_ring || g->relid != c->relid ||
	    (uint64_t)c->in_pages + c->out_pages != g->total)
		return -EINVAL;
	for (unsigned i = 0; i < k; i++)
		if (L->ring[i] == (int)j)
			return -EINVAL;
	L->ring[k] = (int)j;
	return 0;
}

static int st_check(const struct vmbus_server *s, struct st_load *L)
{
	if (st_check_server(s, &L->srv) || st_check_chans(s, L) || st_check_gpadls(L))
		return -EINVAL;
	for (unsigned k = 0; k < L->srv.nchans; k++)
		if (st_check_ring(L, k))
			return -EINVAL;
	return 0;
}

/* ---- restore: build, swap in ---- */

/* Releases what st_build took for image img (mappings, PFN arrays). */
static void st_unbuild(const struct vmbus_server *s, struct vmbus_server *img)
{
	for (unsigned j = 0; j < img->gpadl_hi; j++) {
		struct srv_gpadl *g = &img->gpadls[j];

		if (g->va)
			s->ops.unmap(s->ops.ctx, g->va, g->total);
		if (g->pfns)
			s->ops.free(s->ops.ctx, g->pfns);
		g->va = NULL;
		g->pfns = NULL;
	}
}

static int st_build_gpadl(const struct vmbus_server *s, const struct st_load *L,
			  unsigned j, struct srv_gpadl *g)
{
	const struct vmbus_st_gpadl *w = &L->gpadls[j];

	g->used = 1;
	g->handle = w->handle;
	g->relid = w->relid;
	g->total = w->total;
	g->have = w->have;
	g->byte_count = w->byte_count;
	g->byte_offset = w->byte_offset;
	g->is_ring = w->is_ring;
	g->pfns = s->ops.alloc(s->ops.ctx, (size_t)w->total * 8u);
	if (!g->pfns)
		return -ENOMEM;
	memcpy(g->pfns, L->pfns[j], (size_t)(w->complete ? w->total : w->have) * 8u);
	if (!w->complete)
		return 0;
	/* ops->map is the check that every page is this guest's. */
	if (s->ops.map(s->ops.ctx, g->pfns, g->total, &g->va) || !g->va) {
		g->va = NULL;
		return -EINVAL;
	}
	g->complete = 1;
	return 0;
}

static void st_ring_broken(struct vmbus_chan *ch, struct vmbus_ring *r, int broken)
{
	if (!broken)
		return;
	r->broken = true;
	r->why = "ring found corrupt before the save";
	ch->why = r->why;
}

/* Attaches an open channel's rings as srv_attach_rings does, then puts
 * back the host's own indices: the host never trusts the shared copy of
 * its index after attach (ring.h), so the saved private one wins. */
static int st_build_rings(struct vmbus_server *s, struct st_load *L,
			  unsigned k, struct srv_chan *c)
{
	const struct vmbus_st_chan *w = &L->chans[k];
	struct srv_gpadl *g = &L->img.gpadls[L->ring[k]];
	uint8_t *va = g->va;
	size_t split = (size_t)w->in_pages * VMBUS_PAGE_SIZE;

	if (vmbus_ring_attach(&c->ch.in, va, split) ||
	    vmbus_ring_attach(&c->ch.out, va + split,
			      (size_t)w->out_pages * VMBUS_PAGE_SIZE))
		return -EINVAL;
	c->ch.in.priv_read = c->ch.in.start_read = w->in_read;
	c->ch.out.priv_write = w->out_write;
	st_ring_broken(&c->ch, &c->ch.in, w->in_broken);
	st_ring_broken(&c->ch, &c->ch.out, w->out_broken);
	c->ch.relid = w->relid;
	c->ch.sub_index = w->sub_index;
	c->ch.target_vp = w->target_vp;
	c->ch.signal_id = w->relid;
	c->ch.signal = s->ops.signal;
	c->ch.signal_ctx = s->ops.ctx;
	/* Pointers name s's slots: the image is copied there whole. */
	g->user = &s->chans[w->relid - 1];
	c->ring_gpadl = &s->gpadls[L->ring[k]];
	c->state = CH_OPEN;
	return 0;
}

static void st_build_chan(const struct vmbus_server *s, const struct st_load *L,
			  unsigned k, struct srv_chan *c)
{
	const struct vmbus_st_chan *w = &L->chans[k];
	int m = L->prim[k] >= 0 ? L->match[L->prim[k]] : L->match[k];

	memset(c, 0, sizeof(*c));
	if (m >= 0) {
		const struct srv_chan *o = &s->chans[m];

		c->dops = o->dops;
		c->dev = o->dev;
	}
	c->type = w->type;
	c->inst = w->inst;
	c->sub_index = w->sub_index;
	c->state = w->state == VMBUS_ST_CH_RESCINDED ? CH_RESCINDED : CH_OFFERED;
}

static int st_build(struct vmbus_server *s, struct st_load *L)
{
	struct vmbus_server *img = &L->img;
	int err;

	memset(img, 0, sizeof(*img));
	img->ops = s->ops;
	img->max_version = s->max_version;
	img->conn_base = s->conn_base;
	img->version = L->srv.version;
	img->state = L->srv.state;
	img->offers_requested = L->srv.offers_requested;
	for (unsigned k = 0; k < L->srv.nchans; k++) {
		st_build_chan(s, L, k, &img->chans[L->chans[k].relid - 1]);
		img->chan_hi = L->chans[k].relid;
		/* The saved relids' connections must reach the host again. */
		if (s->ops.on_relid && s->ops.on_relid(s->ops.ctx, L->chans[k].relid))
			return -EINVAL;
	}
	for (unsigned j = 0; j < L->srv.ngpadls; j++) {
		img->gpadl_hi = j + 1;
		err = st_build_gpadl(s, L, j, &img->gpadls[j]);
		if (err)
			return err;
	}
	for (unsigned k = 0; k < L->srv.nchans; k++)
		if (L->ring[k] >= 0 &&
		    st_build_rings(s, L, k, &img->chans[L->chans[k].relid - 1]))
			return -EINVAL;
	return 0;
}

/* A device's channel back: on_restore when it has one (a device that
 * opens the conversation itself must not send again), else on_open. */
static int st_give_back(struct srv_chan *c)
{
	if (c->dops->on_restore)
		return c->dops->on_restore(c->dev, &c->ch);
	return c->dops->on_open ? c->dops->on_open(c->dev, &c->ch) : 0;
}

/* Swaps the image in and gives each open channel back to its device; a
 * device refusing undoes everything (the devices already given theirs
 * are told of the close first). */
static int st_commit(struct vmbus_server *s, struct st_load *L)
{
	L->old = *s;
	*s = L->img;
	for (unsigned i = 0; i < s->chan_hi; i++) {
		struct srv_chan *c = &s->chans[i];

		if (c->state != CH_OPEN || !c->dops || !st_give_back(c))
			continue;
		while (i--) {
			c = &s->chans[i];
			if (c->state == CH_OPEN && c->dops && c->dops->on_close)
				c->dops->on_close(c->dev, &c->ch);
		}
		st_unbuild(s, s);
		*s = L->old;
		return -EINVAL;
	}
	return 0;
}

int vmbus_server_restore(struct vmbus_server *s, const void *buf, size_t len)
{
	struct st_load *L;
	int err;

	if (!st_fresh(s))
		return -EBUSY;
	L = s->ops.alloc(s->ops.ctx, sizeof(*L));
	if (!L)
		return -ENOMEM;
	err = st_parse(L, buf, len);
	if (!err)
		err = st_check(s, L);
	if (!err) {
		err = st_build(s, L);
		if (err)
			st_unbuild(s, &L->img);
	}
	if (!err)
		err = st_commit(s, L);
	s->ops.free(s->ops.ctx, L);
	return err;
}
