/*
 * storvsp's saved state: storvsp_save / storvsp_restore (storvsp.h), in
 * the format of storvsp_state.h; storage/README.md ("Saved state") says
 * what is kept and why.
 *
 * Only the device's own protocol state is here. The channel, its rings
 * and the host's ring indices are the VMBus server's saved state
 * (vmbus/server_save.c), and its restore hands the channel back through
 * storvsp_dev_ops.on_open before storvsp_restore runs; the rings' shared
 * headers (both indices, pending_send_sz) and data are guest memory,
 * which the saved VM keeps. What remains is what storvsc has been told or
 * is owed: how far its init went (drivers/scsi/storvsc_drv.c
 * storvsc_channel_init runs once per open; a restored guest never runs it
 * again, so an SRB must still find SP_READY), the version it agreed to
 * (the packet size follows from it), the completion kept for ring room
 * (the guest's request stays outstanding until it arrives) and a rescan
 * not yet sent. Statistics (struct storvsp_stats) are not saved: they
 * count this host's run and no guest can see them.
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

static size_t st_size(unsigned nluns)
{
	return sizeof(struct storvsp_st_hdr) + sizeof(struct storvsp_st_dev) +
	       (size_t)nluns * sizeof(struct storvsp_st_lun);
}

size_t storvsp_save_size(const struct storvsp *sp)
{
	uint32_t keys[STORVSP_MAX_LUNS];

	return st_size(st_lun_keys(sp, keys));
}

/* ---- channels ---- */

/* The primary channel's slot in sp->chans, -1 when none is open. */
static int st_primary(const struct storvsp *sp)
{
	for (int i = 0; sp->primary && i < STORVSP_MAX_CHANNELS; i++)
		if (sp->chans[i].ch == sp->primary)
			return i;
	return -1;
}

/* Sub-channels asked for, or a channel open besides the primary. */
static int st_has_subchannels(const struct storvsp *sp)
{
	if (sp->subch)
		return 1;
	for (unsigned i = 0; i < STORVSP_MAX_CHANNELS; i++)
		if (sp->chans[i].ch && sp->chans[i].ch != sp->primary)
			return 1;
	return 0;
}

/* ---- save ---- */

static void st_save_dev(const struct storvsp *sp, struct storvsp_st_dev *d)
{
	int pi = st_primary(sp);
	const struct sp_chan *c = pi < 0 ? NULL : &sp->chans[pi];

	memset(d, 0, sizeof(*d));
	d->kind = (uint8_t)sp->cfg.kind;
	d->open = pi >= 0;
	d->state = (uint8_t)sp->state;
	d->enum_pending = sp->enum_pending != 0;
	d->version = sp->version;
	d->max_transfer = sp->max_transfer;
	d->max_subchannels = sp->cfg.max_subchannels;
	if (!c || !c->waiting)
		return;
	d->waiting = 1;
	d->held_len = c->len;
	d->held_tid = c->tid;
	memcpy(d->held_pkt, &c->pkt, c->len);
}

static void st_put_lun(uint8_t *p, uint32_t key)
{
	struct storvsp_st_lun l;

	memset(&l, 0, sizeof(l));
	l.path = (uint8_t)(key >> 16);
	l.target = (uint8_t)(key >> 8);
	l.lun = (uint8_t)key;
	memcpy(p, &l, sizeof(l));
}

int storvsp_save(const struct storvsp *sp, void *buf, size_t cap, size_t *len)
{
	struct storvsp_st_hdr h = { STORVSP_ST_MAGIC, STORVSP_ST_VERSION, 0, 0 };
	struct storvsp_st_dev d;
	uint32_t keys[STORVSP_MAX_LUNS];
	unsigned n = st_lun_keys(sp, keys);
	uint8_t *p = buf;

	if (!buf || st_size(n) > cap)
		return -ENOSPC;
	/* Sub-channels' own slots and held completions are not in format
	 * version 1; saving without them would lose a guest's completions. */
	if (st_has_subchannels(sp))
		return -EBUSY;
	h.total = (uint32_t)st_size(n);
	h.nluns = n;
	st_save_dev(sp, &d);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), &d, sizeof(d));
	p += sizeof(h) + sizeof(d);
	for (unsigned i = 0; i < n; i++, p += sizeof(struct storvsp_st_lun))
		st_put_lun(p, keys[i]);
	*len = h.total;
	return 0;
}

/* ---- restore: checks ---- */

struct st_blob {
	struct storvsp_st_hdr h;
	struct storvsp_st_dev d;
	const uint8_t *luns;
};

static int st_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Magic, version and lengths, all exact. */
static int st_parse(const void *buf, size_t len, struct st_blob *b)
{
	const uint8_t *p = buf;

	if (!buf || len < st_size(0))
		return -EINVAL;
	memcpy(&b->h, p, sizeof(b->h));
	memcpy(&b->d, p + sizeof(b->h), sizeof(b->d));
	b->luns = p + st_size(0);
	if (b->h.magic != STORVSP_ST_MAGIC || b->h.version != STORVSP_ST_VERSION ||
	    b->h.nluns > STORVSP_MAX_LUNS || b->h.total != len ||
	    len != st_size(b->h.nluns))
		return -EINVAL;
	return 0;
}

/* The protocol state is one storvsp.c can be in: a state of enum
 * sp_state; a version once one was agreed (op_version) and then one
 * storvsp agrees to; nothing at all without a channel (sp_on_close ends
 * the session); a rescan only to an initialised guest from 4.2 on
 * (storvsp_notify_bus_change); no sub-channels (storvsp_save). */
static int st_check_proto(const struct storvsp_st_dev *d)
{
	if (d->open > 1 || d->state > SP_READY || d->enum_pending > 1 ||
	    d->waiting > 1 || d->subch || d->pad || d->pad2)
		return -EINVAL;
	if (d->state < SP_VERSIONED ? d->version != 0 : !sp_version_ok(d->version))
		return -EINVAL;
	if (!d->open && (d->state != SP_NONE || d->enum_pending || d->waiting))
		return -EINVAL;
	if (d->enum_pending &&
	    (d->state != SP_READY || d->version < VSTOR_VERSION_WIN7))
		return -EINVAL;
	return 0;
}

/* The held completion is what sp_complete keeps: sized for the version
 * in force (reading stops while one is held, so the version cannot have
 * changed since), a COMPLETE_IO with no flags, zeros after it; and all
 * zeros when none is held. */
static int st_check_held(const struct storvsp_st_dev *d)
{
	struct vstor_packet p;

	if (!d->waiting)
		return d->held_len || d->held_tid ||
		       !st_zero(d->held_pkt, sizeof(d->held_pkt)) ? -EINVAL : 0;
	memcpy(&p, d->held_pkt, sizeof(p));
	if (d->held_len != sp_packet_size_of(d->version) ||
	    p.operation != VSTOR_OP_COMPLETE_IO || p.flags ||
	    !st_zero(d->held_pkt + d->held_len, sizeof(d->held_pkt) - d->held_len))
		return -EINVAL;
	return 0;
}

/* The blob is sp's: same kind, a channel open on both sides or neither,
 * and what QUERY_PROPERTIES told the guest still true. */
static int st_check_match(const struct storvsp *sp, const struct storvsp_st_dev *d)
{
	if (d->kind != (uint8_t)sp->cfg.kind || d->open != (sp->primary != NULL) ||
	    d->max_transfer != sp->max_transfer ||
	    d->max_subchannels != sp->cfg.max_subchannels)
		return -EINVAL;
	return 0;
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

/* sp as sp_on_open (or sp_on_close) leaves it: no session, nothing held,
 * no sub-channel. */
static int st_fresh(const struct storvsp *sp)
{
	int pi = st_primary(sp);

	return sp->state == SP_NONE && !sp->version && !sp->enum_pending &&
	       !st_has_subchannels(sp) && (pi < 0 || !sp->chans[pi].waiting);
}

/* ---- restore ---- */

static void st_apply(struct storvsp *sp, const struct storvsp_st_dev *d)
{
	int pi = st_primary(sp);
	struct sp_chan *c;

	sp->state = (enum sp_state)d->state;
	sp->version = d->version;
	sp->enum_pending = d->enum_pending;
	if (!d->waiting || pi < 0)
		return;
	c = &sp->chans[pi];
	c->waiting = 1;
	c->tid = d->held_tid;
	c->len = d->held_len;
	memset(&c->pkt, 0, sizeof(c->pkt));
	memcpy(&c->pkt, d->held_pkt, d->held_len);
}

int storvsp_restore(struct storvsp *sp, const void *buf, size_t len)
{
	struct st_blob b;
	int err = st_parse(buf, len, &b);

	if (!err)
		err = st_check_proto(&b.d);
	if (!err)
		err = st_check_held(&b.d);
	if (!err)
		err = st_check_match(sp, &b.d);
	if (!err)
		err = st_check_luns(sp, &b);
	if (err)
		return err;
	if (!st_fresh(sp))
		return -EBUSY;
	st_apply(sp, &b.d);
	return 0;
}
