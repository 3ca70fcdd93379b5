/*
 * storvsp's saved state: storvsp_save / storvsp_restore (storvsp.h), in
 * the format of storvsp_state.h; storage/README.md ("Saved state") says
 * what is kept and why.
 *
 * Only the device's own protocol state is here. The channels, their rings
 * and the host's ring indices are the VMBus server's saved state
 * (vmbus/server_save.c), and its restore hands every open channel back
 * through storvsp_dev_ops.on_open, in relid order (a sub-channel maybe
 * before the primary), before storvsp_restore runs; the rings' shared
 * headers (both indices, pending_send_sz) and data are guest memory,
 * which the saved VM keeps. What remains is what storvsc has been told or
 * is owed: how far its init went (drivers/scsi/storvsc_drv.c
 * storvsc_channel_init runs once per open; a restored guest never runs it
 * again, so an SRB must still find SP_READY), the version it agreed to
 * (the packet size follows from it), the sub-channels it asked for (its
 * handle_multichannel_storage asks once per session, after init), the
 * completion each channel kept for ring room (the guest's request stays
 * outstanding until it arrives) and a rescan not yet sent. Statistics
 * (struct storvsp_stats) are not saved: they count this host's run and no
 * guest can see them.
 *
 * Restore checks the whole blob, and that it fits sp, before it changes
 * anything.
 */
#include "storage/storvsp/storvsp_int.h"
#include "storage/storvsp/storvsp_state.h"

#include <errno.h>
#include <string.h>

/* ---- the LUN set, in one canonical order ---- */

static uint32_t st_key(uint8_t path, uint8_t target, uint8_t lun)
{
	return (uint32_t)path << 16 | (uint32_t)target << 8 | lun;
}

/* sp's LUN addresses, ascending (insertion sort of at most 64); how many. */
static unsigned st_lun_keys(const struct storvsp *sp, uint32_t *keys)
{
	unsigned n = 0;

	for (unsigned i = 0; i < STORVSP_MAX_LUNS; i++) {
		const struct sp_lun *l = &sp->luns[i];
		unsigned j;

		if (!l->used)
			continue;
		for (j = n; j > 0 && keys[j - 1] > st_key(l->path, l->target, l->lun); j--)
			keys[j] = keys[j - 1];
		keys[j] = st_key(l->path, l->target, l->lun);
		n++;
	}
	return n;
}

/* ---- sizes ---- */

static size_t st_hdr_size(uint32_t version)
{
	return version == 1 ? STORVSP_ST_HDR_V1_SIZE : sizeof(struct storvsp_st_hdr);
}

static size_t st_size(uint32_t version, unsigned nluns, unsigned nheld)
{
	return st_hdr_size(version) + sizeof(struct storvsp_st_dev) +
	       (size_t)nluns * sizeof(struct storvsp_st_lun) +
	       (size_t)nheld * sizeof(struct storvsp_st_held);
}

/* ---- sub-channels holding a completion ---- */

/* The slot of open sub-channel sub_index when it holds a completion. */
static const struct sp_chan *st_held_chan(const struct storvsp *sp,
					  uint16_t sub_index)
{
	int k = sp_chan_slot(sp, sub_index);

	return k >= 0 && sp->chans[k].waiting ? &sp->chans[k] : NULL;
}

/* One record each (storvsp_st_held). */
static unsigned st_nheld(const struct storvsp *sp)
{
	unsigned n = 0;

	for (uint16_t i = 1; i < STORVSP_MAX_CHANNELS; i++)
		n += st_held_chan(sp, i) != NULL;
	return n;
}

size_t storvsp_save_size(const struct storvsp *sp)
{
	uint32_t keys[STORVSP_MAX_LUNS];

	return st_size(STORVSP_ST_VERSION, st_lun_keys(sp, keys), st_nheld(sp));
}

/* ---- save ---- */

static void st_save_dev(const struct storvsp *sp, struct storvsp_st_dev *d)
{
	int pi = sp_chan_slot(sp, 0);
	const struct sp_chan *c = pi < 0 ? NULL : &sp->chans[pi];

	memset(d, 0, sizeof(*d));
	d->kind = (uint8_t)sp->cfg.kind;
	d->open = pi >= 0;
	d->state = (uint8_t)sp->state;
	d->enum_pending = sp->enum_pending != 0;
	d->version = sp->version;
	d->subch = sp->subch;
	d->max_transfer = sp->max_transfer;
	d->max_subchannels = sp->cfg.max_subchannels;
	if (!c || !c->waiting)
		return;
	d->waiting = 1;
	d->held_len = c->len;
	d->held_tid = c->tid;
	memcpy(d->held_pkt, &c->pkt, c->len);
}

static uint8_t *st_save_luns(uint8_t *p, const uint32_t *keys, unsigned n)
{
	for (unsigned i = 0; i < n; i++, p += sizeof(struct storvsp_st_lun)) {
		struct storvsp_st_lun l;

		memset(&l, 0, sizeof(l));
		l.path = (uint8_t)(keys[i] >> 16);
		l.target = (uint8_t)(keys[i] >> 8);
		l.lun = (uint8_t)keys[i];
		memcpy(p, &l, sizeof(l));
	}
	return p;
}

/* The held records, ascending by sub-channel index. */
static void st_save_held(const struct storvsp *sp, uint8_t *p)
{
	for (uint16_t i = 1; i < STORVSP_MAX_CHANNELS; i++) {
		const struct sp_chan *c = st_held_chan(sp, i);
		struct storvsp_st_held r;

		if (!c)
			continue;
		memset(&r, 0, sizeof(r));
		r.sub_index = i;
		r.held_len = c->len;
		r.held_tid = c->tid;
		memcpy(r.held_pkt, &c->pkt, c->len);
		memcpy(p, &r, sizeof(r));
		p += sizeof(r);
	}
}

int storvsp_save(const struct storvsp *sp, void *buf, size_t cap, size_t *len)
{
	struct storvsp_st_hdr h = { STORVSP_ST_MAGIC, STORVSP_ST_VERSION, 0, 0, 0, 0 };
	struct storvsp_st_dev d;
	uint32_t keys[STORVSP_MAX_LUNS];
	uint8_t *p = buf;

	h.nluns = st_lun_keys(sp, keys);
	h.nheld = st_nheld(sp);
	h.total = (uint32_t)st_size(h.version, h.nluns, h.nheld);
	if (!buf || h.total > cap)
		return -ENOSPC;
	st_save_dev(sp, &d);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), &d, sizeof(d));
	st_save_held(sp, st_save_luns(p + sizeof(h) + sizeof(d), keys, h.nluns));
	*len = h.total;
	return 0;
}

/* ---- restore: checks ---- */

struct st_blob {
	struct storvsp_st_hdr h;      /* version 1: nheld and pad 0 */
	struct storvsp_st_dev d;
	const uint8_t *luns, *held;
};

static int st_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Magic and version: which header this is (version 1's is shorter). */
static int st_parse_hdr(const uint8_t *p, size_t len, struct storvsp_st_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (!p || len < STORVSP_ST_HDR_V1_SIZE)
		return -EINVAL;
	memcpy(h, p, STORVSP_ST_HDR_V1_SIZE);
	if (h->magic != STORVSP_ST_MAGIC ||
	    (h->version != 1 && h->version != STORVSP_ST_VERSION) ||
	    len < st_hdr_size(h->version))
		return -EINVAL;
	memcpy(h, p, st_hdr_size(h->version));
	return 0;
}

/* Lengths, all exact; no more records than sp could have written. */
static int st_parse(const void *buf, size_t len, struct st_blob *b)
{
	const uint8_t *p = buf;
	size_t hs;

	if (st_parse_hdr(p, len, &b->h))
		return -EINVAL;
	if (b->h.pad || b->h.nluns > STORVSP_MAX_LUNS ||
	    b->h.nheld > STORVSP_MAX_CHANNELS - 1 || b->h.total != len ||
	    len != st_size(b->h.version, b->h.nluns, b->h.nheld))
		return -EINVAL;
	hs = st_hdr_size(b->h.version);
	memcpy(&b->d, p + hs, sizeof(b->d));
	b->luns = p + hs + sizeof(b->d);
	b->held = b->luns + (size_t)b->h.nluns * sizeof(struct storvsp_st_lun);
	return 0;
}

/* Sub-channels asked for as op_subchannels accepts them: a SCSI guest
 * told of multi-channel (5.1 on) in QUERY_PROPERTIES, at most the count
 * it was told; Linux asks right after END_INITIALIZATION
 * (drivers/scsi/storvsc_drv.c handle_multichannel_storage). Version 1
 * had none. */
static int st_check_subch(const struct storvsp_st_dev *d, uint32_t version)
{
	if (version == 1 || d->kind != STORVSP_KIND_SCSI ||
	    (d->state != SP_PROPS && d->state != SP_READY) ||
	    d->version < VSTOR_VERSION_WIN8 || d->subch > d->max_subchannels)
		return -EINVAL;
	return 0;
}

/* The protocol state is one storvsp.c can be in: a state of enum
 * sp_state; a version once one was agreed (op_version) and then one
 * storvsp agrees to; nothing at all without a channel (sp_on_close ends
 * the session); a rescan only to an initialised guest from 4.2 on
 * (storvsp_notify_bus_change); sub-channels as st_check_subch. */
static int st_check_proto(const struct storvsp_st_dev *d, uint32_t version)
{
	if (d->open > 1 || d->state > SP_READY || d->enum_pending > 1 ||
	    d->waiting > 1 || d->pad || d->pad2)
		return -EINVAL;
	if (d->state < SP_VERSIONED ? d->version != 0 : !sp_version_ok(d->version))
		return -EINVAL;
	if (!d->open && (d->state != SP_NONE || d->enum_pending || d->waiting))
		return -EINVAL;
	if (d->enum_pending &&
	    (d->state != SP_READY || d->version < VSTOR_VERSION_WIN7))
		return -EINVAL;
	return d->subch ? st_check_subch(d, version) : 0;
}

/* A held completion is what sp_complete keeps: sized for the version in
 * force (reading stops while one is held, and sub-channels live no
 * longer than the session that agreed the version, so it cannot have
 * changed since), a COMPLETE_IO with no flags, zeros after it. */
static int st_check_pkt(uint16_t version, uint32_t len, const uint8_t *pkt)
{
	struct vstor_packet p;

	memcpy(&p, pkt, sizeof(p));
	if (len != sp_packet_size_of(version) || p.operation != VSTOR_OP_COMPLETE_IO ||
	    p.flags || !st_zero(pkt + len, sizeof(p) - len))
		return -EINVAL;
	return 0;
}

/* The primary's held completion as st_check_pkt; all zeros when none is
 * held. */
static int st_check_held(const struct storvsp_st_dev *d)
{
	if (!d->waiting)
		return d->held_len || d->held_tid ||
		       !st_zero(d->held_pkt, sizeof(d->held_pkt)) ? -EINVAL : 0;
	return st_check_pkt(d->version, d->held_len, d->held_pkt);
}

/* The sub-channels the server gave back were asked for in the saved
 * session: the server offers them when asked and rescinds them when the
 * primary closes, so one beyond subch means the two saved states are not
 * of one save. */
static int st_check_subs(const struct storvsp *sp, const struct storvsp_st_dev *d)
{
	for (unsigned i = 0; i < STORVSP_MAX_CHANNELS; i++)
		if (sp->chans[i].ch && sp->chans[i].ch->sub_index > d->subch)
			return -EINVAL;
	return 0;
}

/* The blob is sp's: same kind, a channel open on both sides or neither,
 * what QUERY_PROPERTIES told the guest still true, and sp's open
 * sub-channels ones it asked for. */
static int st_check_match(const struct storvsp *sp, const struct storvsp_st_dev *d)
{
	if (d->kind != (uint8_t)sp->cfg.kind || d->open != (sp->primary != NULL) ||
	    d->max_transfer != sp->max_transfer ||
	    d->max_subchannels != sp->cfg.max_subchannels)
		return -EINVAL;
	return st_check_subs(sp, d);
}

/* The LUN records are canonical (ascending, padding 0) and sp's set:
 * equal to sp's sorted keys one by one. */
static int st_check_luns(const struct storvsp *sp, const struct st_blob *b)
{
	uint32_t keys[STORVSP_MAX_LUNS];
	unsigned n = st_lun_keys(sp, keys);

	if (b->h.nluns != n)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		struct storvsp_st_lun l;

		memcpy(&l, b->luns + i * sizeof(l), sizeof(l));
		if (!st_zero(l.pad, sizeof(l.pad)) ||
		    st_key(l.path, l.target, l.lun) != keys[i])
			return -EINVAL;
	}
	return 0;
}

/* The held records: strictly ascending (canonical, so no index twice),
 * of sub-channels the session asked for and the server gave back,
 * padding 0, each packet as st_check_pkt. */
static int st_check_held_recs(const struct storvsp *sp, const struct st_blob *b)
{
	uint16_t prev = 0;

	for (unsigned i = 0; i < b->h.nheld; i++) {
		struct storvsp_st_held r;

		memcpy(&r, b->held + i * sizeof(r), sizeof(r));
		if (r.sub_index <= prev || r.sub_index > b->d.subch || r.pad ||
		    sp_chan_slot(sp, r.sub_index) < 0 ||
		    st_check_pkt(b->d.version, r.held_len, r.held_pkt))
			return -EINVAL;
		prev = r.sub_index;
	}
	return 0;
}

/* Every check, the blob's own consistency first, then its fit to sp:
 * all of them pass before st_apply changes anything. */
static int st_check(const struct storvsp *sp, const struct st_blob *b)
{
	int err = st_check_proto(&b->d, b->h.version);

	if (!err)
		err = st_check_held(&b->d);
	if (!err)
		err = st_check_match(sp, &b->d);
	if (!err)
		err = st_check_luns(sp, b);
	if (!err)
		err = st_check_held_recs(sp, b);
	return err;
}

/* sp as sp_on_open (or sp_on_close) leaves it: no session, nothing held.
 * Sub-channels may be open: the server's restore gives them back before
 * storvsp_restore, maybe before the primary, and they join no session. */
static int st_fresh(const struct storvsp *sp)
{
	if (sp->state != SP_NONE || sp->version || sp->enum_pending || sp->subch)
		return 0;
	for (unsigned i = 0; i < STORVSP_MAX_CHANNELS; i++)
		if (sp->chans[i].waiting)
			return 0;
	return 1;
}

/* ---- restore ---- */

static void st_hold(struct sp_chan *c, uint64_t tid, uint32_t len,
		    const uint8_t *pkt)
{
	c->waiting = 1;
	c->tid = tid;
	c->len = len;
	memset(&c->pkt, 0, sizeof(c->pkt));
	memcpy(&c->pkt, pkt, len);
}

/* Each held record into the slot of its sub-channel (st_check_held_recs
 * made sure it is open). */
static void st_apply_held(struct storvsp *sp, const struct st_blob *b)
{
	for (unsigned i = 0; i < b->h.nheld; i++) {
		struct storvsp_st_held r;

		memcpy(&r, b->held + i * sizeof(r), sizeof(r));
		st_hold(&sp->chans[sp_chan_slot(sp, r.sub_index)], r.held_tid,
			r.held_len, r.held_pkt);
	}
}

static void st_apply(struct storvsp *sp, const struct st_blob *b)
{
	const struct storvsp_st_dev *d = &b->d;
	int pi = sp_chan_slot(sp, 0);

	sp->state = (enum sp_state)d->state;
	sp->version = d->version;
	sp->enum_pending = d->enum_pending;
	sp->subch = d->subch;
	if (d->waiting && pi >= 0)
		st_hold(&sp->chans[pi], d->held_tid, d->held_len, d->held_pkt);
	st_apply_held(sp, b);
}

int storvsp_restore(struct storvsp *sp, const void *buf, size_t len)
{
	struct st_blob b;
	int err = st_parse(buf, len, &b);

	if (!err)
		err = st_check(sp, &b);
	if (err)
		return err;
	if (!st_fresh(sp))
		return -EBUSY;
	st_apply(sp, &b);
	return 0;
}
