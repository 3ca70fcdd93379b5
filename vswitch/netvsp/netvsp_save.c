/* netvsp_save.c: a netvsp's saved state (netvsp.h; the format is
 * netvsp_state.h, what it holds and why README.md "Saved state").
 *
 * Everything netvsp shares with the guest lives in guest memory, saved
 * with the VM: the rings (vmbus/ saves the host's indices), the receive
 * and send buffers and what netvsp wrote into them. What only netvsp
 * knows is what the guest negotiated, which Linux never repeats on a
 * live channel (netvsc_connect_vsp() and rndis_filter_device_add() run
 * once per channel open, drivers/net/hyperv/netvsc.c, rndis_filter.c);
 * which receive sections the guest still holds (netvsc_receive()
 * completes each transfer-page packet once, by its trans_id); and the
 * replies that wait for ring room, which the guest waits for without a
 * timeout (wait_for_completion() in netvsc_init_buf() and
 * rndis_filter_query_device()): a lost one hangs it.
 *
 * Restore checks the whole blob against nv's configuration first, then
 * reopens the buffers and builds the section allocator aside, and only
 * then changes nv, under the ops' lock, all at once.
 */
#include "vswitch/netvsp/netvsp_internal.h"
#include "vswitch/netvsp/netvsp_state.h"

#include <stdlib.h>

_Static_assert((int)NETVSP_ST_COMP == (int)PEND_COMP &&
	       (int)NETVSP_ST_CTRL == (int)PEND_CTRL &&
	       (int)NETVSP_ST_INBAND == (int)PEND_INBAND,
	       "reply kinds are saved as they are");
_Static_assert(NETVSP_ST_MCAST == NETVSP_MCAST_MAX, "the whole multicast list");
_Static_assert(NETVSP_ST_REPLY == NETVSP_CTRL_MAX, "the largest reply");
_Static_assert(NETVSP_ST_RSS_KEY == NETVSP_RSS_KEY &&
	       NETVSP_ST_RSS_TAB == NETVSP_RSS_TAB, "the whole key and table");

/* ---- save ---- */

/* The ops' lock keeps the switch's deliveries (other VMs still run) off
 * the allocator while it is read; netvsp_save changes nothing. */
static void st_lock(const struct netvsp *nv)
{
	if (nv->cfg.ops.lock)
		nv->cfg.ops.lock(nv->cfg.ops.ctx);
}

static void st_unlock(const struct netvsp *nv)
{
	if (nv->cfg.ops.unlock)
		nv->cfg.ops.unlock(nv->cfg.ops.ctx);
}

/* An allocation the guest was told of. The batch still being built is
 * not (netvsp_rx.c): its frames are dropped, not saved, and its
 * sections are free after a restore. */
static bool st_held(const struct netvsp *nv, uint32_t i)
{
	return nv->rx.alloc_n[i] && !(nv->rxb.n && nv->rxb.first == i);
}

static uint32_t st_nheld(const struct netvsp *nv)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < nv->rx.n; i++)
		n += st_held(nv, i);
	return n;
}

static size_t st_size(const struct netvsp *nv)
{
	return sizeof(struct netvsp_st_hdr) + sizeof(struct netvsp_st_main) +
	       sizeof(struct netvsp_st_rss) + (size_t)st_nheld(nv) * 8u +
	       (size_t)nv->pend_count * sizeof(struct netvsp_st_pend);
}

size_t netvsp_save_size(const struct netvsp *nv)
{
	size_t n;

	st_lock(nv);
	n = st_size(nv);
	st_unlock(nv);
	return n;
}

static void st_put_buf(const struct netvsp_buf *b, uint32_t sec,
		       struct netvsp_st_buf *w)
{
	memset(w, 0, sizeof(*w));
	if (!b->h)
		return;
	w->gpadl = b->gpadl;
	w->bytes = b->bytes;
	w->sections = b->bytes / sec;   /* sec is set before a buffer is */
	w->id = b->id;
	w->open = 1;
}

static void st_put_main(const struct netvsp *nv, struct netvsp_st_main *m)
{
	memset(m, 0, sizeof(*m));
	m->nvsp_version = nv->version;
	m->ndis_major = nv->ndis_major;
	m->ndis_minor = nv->ndis_minor;
	m->guest_mtu = nv->guest_mtu;
	m->recv_sec_size = nv->recv_sec_size;
	m->send_sec_size = nv->send_sec_size;
	st_put_buf(&nv->rbuf, nv->recv_sec_size, &m->rbuf);
	st_put_buf(&nv->sbuf, nv->send_sec_size, &m->sbuf);
	m->rx_cursor = nv->rx.cursor;
	m->filter = nv->filter;
	m->has_channel = nv->chans[0] != NULL;
	m->n_subch = (uint8_t)nv->subch;
	m->rndis_up = nv->rndis_up;
	m->link_up = nv->link_up;
	memcpy(m->cur_mac, nv->cur_mac, 6);
	m->n_mcast = nv->n_mcast;
	memcpy(m->mcast, nv->mcast, nv->n_mcast * 6u);
	m->n_held = st_nheld(nv);
	m->n_pend = nv->pend_count;
}

static void st_put_rss(const struct netvsp_rss *r, struct netvsp_st_rss *w)
{
	memset(w, 0, sizeof(*w));
	w->on = r->on;
	w->n_table = r->n_table;
	w->hashinfo = r->hashinfo;
	memcpy(w->key, r->key, sizeof(w->key));
	memcpy(w->table, r->table, sizeof(w->table));
}

/* Each held allocation as the trans_id the guest will complete it with
 * (count << 32 | first section, netvsp_rx.c), ascending. */
static uint8_t *st_put_held(const struct netvsp *nv, uint8_t *p)
{
	for (uint32_t i = 0; i < nv->rx.n; i++) {
		uint64_t tid = (uint64_t)nv->rx.alloc_n[i] << 32 | i;

		if (!st_held(nv, i))
			continue;
		memcpy(p, &tid, 8);
		p += 8;
	}
	return p;
}

static void st_put_pend(const struct netvsp *nv, uint8_t *p)
{
	struct netvsp_st_pend w;

	for (uint32_t k = 0; k < nv->pend_count; k++) {
		const struct netvsp_pend *q = &nv->pend[k];

		memset(&w, 0, sizeof(w));
		w.kind = q->kind;
		w.chan = q->chan;
		w.len = q->len;
		w.tid = q->tid;
		memcpy(w.data, q->data, q->len);
		memcpy(p + k * sizeof(w), &w, sizeof(w));
	}
}

int netvsp_save(const struct netvsp *nv, void *buf, size_t cap, size_t *len)
{
	struct netvsp_st_hdr h = { NETVSP_ST_MAGIC, NETVSP_ST_VERSION, 0, 0 };
	struct netvsp_st_main m;
	struct netvsp_st_rss r;
	uint8_t *p = buf;
	size_t n;

	if (!nv || !len || (!buf && cap))
		return -EINVAL;
	st_lock(nv);
	n = st_size(nv);
	*len = n;
	if (n > cap) {
		st_unlock(nv);
		return -ENOSPC;
	}
	h.total = (uint32_t)n;
	st_put_main(nv, &m);
	st_put_rss(&nv->rss, &r);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), &m, sizeof(m));
	memcpy(p + sizeof(h) + sizeof(m), &r, sizeof(r));
	st_put_pend(nv, st_put_held(nv, p + sizeof(h) + sizeof(m) + sizeof(r)));
	st_unlock(nv);
	return 0;
}

/* ---- restore: checks ---- */

/* The blob, checked, and what restore builds from it before nv changes. */
struct st_in {
	struct netvsp_st_main m;
	struct netvsp_st_rss rss;      /* version 1: all 0 */
	const uint8_t *held;           /* m.n_held tids, unaligned */
	const uint8_t *pend;           /* m.n_pend replies, unaligned */
	struct netvsp_buf rbuf, sbuf;  /* reopened */
	struct netvsp_rxalloc rx;
	struct netvsp_rss rss_built;   /* rss with its hash tables */
};

static bool st_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Header and lengths: exact, no byte unaccounted for. */
static int st_parse(const uint8_t *p, size_t len, struct st_in *in)
{
	struct netvsp_st_hdr h;
	size_t fixed = sizeof(h) + sizeof(in->m);
	uint64_t want;

	if (len < fixed)
		return -EINVAL;
	memcpy(&h, p, sizeof(h));
	memcpy(&in->m, p + sizeof(h), sizeof(in->m));
	if (h.magic != NETVSP_ST_MAGIC || h.pad || h.total != len ||
	    (h.version != NETVSP_ST_VERSION && h.version != NETVSP_ST_VERSION_1))
		return -EINVAL;
	if (h.version == NETVSP_ST_VERSION) {
		if (len < fixed + sizeof(in->rss))
			return -EINVAL;
		memcpy(&in->rss, p + fixed, sizeof(in->rss));
		fixed += sizeof(in->rss);
	} else if (in->m.n_subch) {
		return -EINVAL;   /* version 1's pad */
	}
	want = fixed + (uint64_t)in->m.n_held * 8u +
	       (uint64_t)in->m.n_pend * sizeof(struct netvsp_st_pend);
	if (want != len || in->m.n_pend > NETVSP_PEND_MAX)
		return -EINVAL;
	in->held = p + fixed;
	in->pend = in->held + (size_t)in->m.n_held * 8u;
	return 0;
}

/* A buffer as buf_take and the SEND_*_BUF handlers leave it: all zero
 * when absent, else within their size bounds and cut into sections of
 * the configured size (the restoring host has nv's configuration). */
static bool st_buf_ok(const struct netvsp_st_buf *b, uint32_t sec,
		      uint32_t saved_sec, uint32_t max)
{
	if (!b->open)
		return st_zero(b, sizeof(*b));
	return b->open == 1 && !b->pad && saved_sec == sec && b->bytes >= sec &&
	       b->bytes <= max && b->sections == b->bytes / sec;
}

/* RNDIS state is reached only through SEND_RNDIS_PKT, which needs a
 * negotiated version; the filter is set only while RNDIS is up and HALT
 * clears it; a NetworkAddress is a station address (netvsp_oid.c). */
static int st_check_rndis(const struct netvsp *nv,
			  const struct netvsp_st_main *m)
{
	bool new_mac = memcmp(m->cur_mac, nv->mac, 6) != 0;

	if (m->n_mcast > NETVSP_ST_MCAST ||
	    !st_zero(m->mcast[m->n_mcast], (NETVSP_ST_MCAST - m->n_mcast) * 6u))
		return -EINVAL;
	if (new_mac && ((m->cur_mac[0] & 1u) || st_zero(m->cur_mac, 6)))
		return -EINVAL;
	if (!m->nvsp_version && (m->rbuf.open || m->sbuf.open || m->rndis_up ||
				 m->n_mcast || new_mac))
		return -EINVAL;
	if (m->filter && !m->rndis_up)
		return -EINVAL;
	/* Closed: state_reset's state, the link and the sizes aside. */
	if (!m->has_channel && (m->nvsp_version || m->n_pend))
		return -EINVAL;
	return 0;
}

static int st_check_main(const struct netvsp *nv,
			 const struct netvsp_st_main *m)
{
	const struct netvsp_config *c = &nv->cfg;

	if (m->pad1[0] || m->pad1[1] || m->has_channel > 1 ||
	    m->rndis_up > 1 || m->link_up > 1)
		return -EINVAL;
	if (m->has_channel != (nv->chans[0] != NULL))
		return -EINVAL;
	/* Sub-channels: granted on a negotiated v5 session (h_subchannel),
	 * within this host's configuration; the ones the VMBus server gave
	 * back open among them. */
	if (m->n_subch > c->max_subchannels ||
	    (m->n_subch && m->nvsp_version < NVSP_VERSION_5))
		return -EINVAL;
	for (uint32_t i = 1u + m->n_subch; i < NETVSP_MAX_CHANNELS; i++)
		if (nv->chans[i])
			return -EINVAL;
	if (m->nvsp_version && !netvsp_version_known(m->nvsp_version))
		return -EINVAL;
	if ((m->recv_sec_size && m->recv_sec_size != c->recv_section_size) ||
	    (m->send_sec_size && m->send_sec_size != c->send_section_size))
		return -EINVAL;
	if (!st_buf_ok(&m->rbuf, c->recv_section_size, m->recv_sec_size,
		       NETVSP_RECV_BUF_MAX) ||
	    !st_buf_ok(&m->sbuf, c->send_section_size, m->send_sec_size,
		       NETVSP_SEND_BUF_MAX))
		return -EINVAL;
	/* The allocator's cursor stays below its section count (0 without). */
	if (m->rx_cursor >= (m->rbuf.open ? m->rbuf.sections : 1u) ||
	    m->n_held > m->rbuf.sections)
		return -EINVAL;
	return st_check_rndis(nv, m);
}

/* Each held receive: 1..255 sections (alloc_n is a byte; rx_grow's cap)
 * inside the buffer, ascending and apart, so each is unique. */
static int st_check_held(const struct st_in *in)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < in->m.n_held; i++) {
		uint64_t tid;
		uint32_t first, k;

		memcpy(&tid, in->held + (size_t)i * 8u, 8);
		first = (uint32_t)tid;
		k = (uint32_t)(tid >> 32);
		if (k == 0 || k > 255u || first < end ||
		    (uint64_t)first + k > in->m.rbuf.sections)
			return -EINVAL;
		end = (uint64_t)first + k;
	}
	return 0;
}

/* RSS as netvsp_rss_set leaves it: nothing before a SET took; after, a
 * Toeplitz hash, a power-of-two table naming granted channels, zeros
 * past it. Only on a negotiated session. */
static int st_check_rss(const struct st_in *in)
{
	const struct netvsp_st_rss *r = &in->rss;
	uint32_t n = r->n_table;

	if (r->pad || r->on > 1)
		return -EINVAL;
	if (!n)
		return st_zero(r, sizeof(*r)) ? 0 : -EINVAL;
	if (!in->m.nvsp_version || n > NETVSP_ST_RSS_TAB || (n & (n - 1u)) ||
	    (r->hashinfo & NDIS_HASH_FUNC_MASK) != NDIS_HASH_FUNC_TOEPLITZ ||
	    !st_zero(r->table + n, NETVSP_ST_RSS_TAB - n))
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (r->table[i] > in->m.n_subch)
			return -EINVAL;
	return 0;
}

/* The completions netvsp sends (nvsp_table's reply column). */
static bool st_comp_type(uint32_t t)
{
	return t == NVSP_MSG_INIT_COMPLETE || t == NVSP_MSG1_SEND_RECV_BUF_COMP ||
	       t == NVSP_MSG1_SEND_SEND_BUF_COMP ||
	       t == NVSP_MSG1_SEND_RNDIS_PKT_COMP || t == NVSP_MSG5_SUBCHANNEL;
}

/* RNDIS messages netvsp sends: a completion of a request it answers, a
 * header and at least the request id (ctrl_reply), or the media status
 * indication (netvsp_set_link). Linux's rndis_filter_receive() takes
 * nothing else from a host. */
static bool st_ctrl_ok(const uint8_t *d, uint32_t len)
{
	struct rndis_hdr h;

	if (len < RNDIS_HDR_SIZE + 4u)
		return false;
	memcpy(&h, d, sizeof(h));
	if (h.msg_len != len)
		return false;
	switch (h.type) {
	case RNDIS_MSG_INIT | RNDIS_MSG_COMPLETION:
	case RNDIS_MSG_QUERY | RNDIS_MSG_COMPLETION:
	case RNDIS_MSG_SET | RNDIS_MSG_COMPLETION:
	case RNDIS_MSG_RESET | RNDIS_MSG_COMPLETION:
	case RNDIS_MSG_KEEPALIVE | RNDIS_MSG_COMPLETION:
		return true;
	case RNDIS_MSG_INDICATE:
		return len == RNDIS_HDR_SIZE + sizeof(struct rndis_indicate);
	default:
		return false;
	}
}

/* The only in-band message netvsp sends (send_table): the table over
 * the primary alone or with up to the sub-channels granted. */
static bool st_table_ok(const struct netvsp_st_pend *q, uint32_t n_subch)
{
	struct nvsp_send_table_msg t;

	if (q->tid || q->len != sizeof(t))
		return false;
	for (uint32_t k = 1; k <= 1u + n_subch; k++) {
		netvsp_send_table_build(&t, k);
		if (!memcmp(q->data, &t, sizeof(t)))
			return true;
	}
	return false;
}

static bool st_pend_ok(const struct netvsp_st_pend *q, uint32_t n_subch)
{
	uint32_t type;

	/* Only a completion goes on a sub-channel (the request's). */
	if (q->chan > (q->kind == NETVSP_ST_COMP ? n_subch : 0u))
		return false;
	if (q->pad2 || q->len > NETVSP_ST_REPLY ||
	    !st_zero(q->data + q->len, NETVSP_ST_REPLY - q->len))
		return false;
	switch (q->kind) {
	case NETVSP_ST_COMP:
		if (q->len < 4 || q->len > NVSP_MSG_SIZE)
			return false;
		memcpy(&type, q->data, 4);
		return st_comp_type(type);
	case NETVSP_ST_CTRL:
		return !q->tid && st_ctrl_ok(q->data, q->len);
	case NETVSP_ST_INBAND:
		return st_table_ok(q, n_subch);
	default:
		return false;
	}
}

static int st_check(const struct netvsp *nv, const void *buf, size_t len,
		    struct st_in *in)
{
	struct netvsp_st_pend q;
	int err = st_parse(buf, len, in);

	if (!err)
		err = st_check_main(nv, &in->m);
	if (!err)
		err = st_check_rss(in);
	if (!err)
		err = st_check_held(in);
	for (uint32_t k = 0; !err && k < in->m.n_pend; k++) {
		memcpy(&q, in->pend + (size_t)k * sizeof(q), sizeof(q));
		if (!st_pend_ok(&q, in->m.n_subch))
			err = -EINVAL;
	}
	return err;
}

/* ---- restore: build aside, then apply ---- */

/* Opens the GPADL a saved buffer names. Its size must be the saved one:
 * another GPADL behind the handle is not the buffer the guest gave. */
static int st_open_buf(struct netvsp *nv, const struct netvsp_st_buf *s,
		       struct netvsp_buf *b)
{
	const struct netvsp_guest_ops *ops = &nv->cfg.ops;
	void *h = NULL;
	uint32_t bytes = 0;

	if (!s->open)
		return 0;
	if (ops->buf_open(ops->ctx, s->gpadl, &h, &bytes)) {
		netvsp_log(nv, "restore refused", "a buffer's GPADL is gone");
		return -EINVAL;
	}
	if (bytes != s->bytes) {
		ops->buf_close(ops->ctx, h);
		netvsp_log(nv, "restore refused", "a buffer's size differs");
		return -EINVAL;
	}
	*b = (struct netvsp_buf){ h, s->gpadl, s->bytes, s->id };
	return 0;
}

/* The section allocator with the guest's held receives marked taken. */
static int st_build_rx(struct st_in *in)
{
	int err;

	if (!in->m.rbuf.open)
		return 0;
	err = netvsp_rxalloc_init(&in->rx, in->m.rbuf.sections);
	if (err)
		return err;
	for (uint32_t i = 0; i < in->m.n_held; i++) {
		uint64_t tid;

		memcpy(&tid, in->held + (size_t)i * 8u, 8);
		netvsp_rxalloc_take(&in->rx, (uint32_t)tid, (uint32_t)(tid >> 32));
	}
	in->rx.cursor = in->m.rx_cursor;
	return 0;
}

static void st_build_rss(struct st_in *in)
{
	struct netvsp_rss *r = &in->rss_built;

	r->on = in->rss.on;
	r->n_table = in->rss.n_table;
	r->hashinfo = in->rss.hashinfo;
	memcpy(r->key, in->rss.key, sizeof(r->key));
	memcpy(r->table, in->rss.table, sizeof(r->table));
	netvsp_rss_prepare(r);
}

static void st_undo(struct netvsp *nv, struct st_in *in)
{
	const struct netvsp_guest_ops *ops = &nv->cfg.ops;

	netvsp_rxalloc_free(&in->rx);
	if (in->rbuf.h)
		ops->buf_close(ops->ctx, in->rbuf.h);
	if (in->sbuf.h)
		ops->buf_close(ops->ctx, in->sbuf.h);
}

/* Replies oldest first from slot 0, as the array keeps them; the next
 * poll sends them, each channel's in its order. */
static void st_apply_pend(struct netvsp *nv, const struct st_in *in)
{
	struct netvsp_st_pend w;

	for (uint32_t k = 0; k < in->m.n_pend; k++) {
		struct netvsp_pend *p = &nv->pend[k];

		memcpy(&w, in->pend + (size_t)k * sizeof(w), sizeof(w));
		p->kind = w.kind;
		p->chan = w.chan;
		p->len = w.len;
		p->tid = w.tid;
		memcpy(p->data, w.data, w.len);
	}
	nv->pend_count = in->m.n_pend;
}

static void st_apply(struct netvsp *nv, const struct st_in *in)
{
	const struct netvsp_st_main *m = &in->m;

	netvsp_lock(nv);
	nv->version = m->nvsp_version;
	nv->ndis_major = m->ndis_major;
	nv->ndis_minor = m->ndis_minor;
	nv->guest_mtu = m->guest_mtu;
	nv->recv_sec_size = m->recv_sec_size;
	nv->send_sec_size = m->send_sec_size;
	nv->rbuf = in->rbuf;
	nv->sbuf = in->sbuf;
	nv->send_secs = m->sbuf.sections;
	nv->rx = in->rx;     /* nv's was empty: st_fresh */
	nv->rndis_up = m->rndis_up;
	nv->link_up = m->link_up;
	nv->filter = m->filter;
	memcpy(nv->cur_mac, m->cur_mac, 6);
	nv->n_mcast = m->n_mcast;
	memcpy(nv->mcast, m->mcast, sizeof(nv->mcast));
	nv->subch = m->n_subch;
	nv->rss = in->rss_built;
	st_apply_pend(nv, in);
	netvsp_unlock(nv);
}

/* As netvsp_open, netvsp_create or netvsp_close leave it (state_reset). */
static bool st_fresh(const struct netvsp *nv)
{
	return !nv->version && !nv->rbuf.h && !nv->sbuf.h && !nv->rx.n &&
	       !nv->rndis_up && !nv->pend_count && !nv->filter && !nv->n_mcast &&
	       !nv->subch && !nv->rss.n_table;
}

int netvsp_restore(struct netvsp *nv, const void *buf, size_t len)
{
	struct st_in *in;
	int err;

	if (!nv || (!buf && len))
		return -EINVAL;
	if (!st_fresh(nv))
		return -EBUSY;
	in = calloc(1, sizeof(*in));   /* 5 KiB with the RSS hash tables */
	if (!in)
		return -ENOMEM;
	err = st_check(nv, buf, len, in);
	if (!err)
		err = st_open_buf(nv, &in->m.rbuf, &in->rbuf);
	if (!err)
		err = st_open_buf(nv, &in->m.sbuf, &in->sbuf);
	if (!err)
		err = st_build_rx(in);
	if (!err)
		st_build_rss(in);
	if (err)
		st_undo(nv, in);
	else
		st_apply(nv, in);
	free(in);
	return err;
}
