/* Live merge: mid, a differencing disk inside a running chain
 *
 *     top -> ... -> child -> mid -> base -> ...
 *
 * is merged into base while the chain's user (a running VM) keeps reading
 * and writing top; then child is moved onto base and mid deleted.
 * Hyper-V does this when a running VM's snapshot is deleted.
 *
 * Why reads never change. A read through child shows, for each sector,
 * mid's copy if mid's bitmap bit is set (VHD spec, "Differencing Hard
 * Disk Image" and "Block Bitmap"), else base's. The copy (step) writes
 * into base exactly the sectors mid holds, the same bytes, through a
 * second, writable handle of base; so while child still points at mid,
 * nothing a read can reach changes. The chain's own read-only handle of
 * base keeps its old BAT and bitmaps meanwhile: stale exactly where base
 * is being written, which reads never reach (mid covers them) and where
 * a stale entry still leads to old, never moved or freed, file space.
 * Once child points at base, base's copy of those sectors equals mid's,
 * and the chain's handle of base is read again from disk (vhd_reload)
 * before any read uses it.
 *
 * The record "<child>.lmerge" (struct vhd_live_rec, two slots,
 * vhd_live_rec.c) and the crash-safe order:
 *  begin   1. the record, phase COPY, block 0, in both slots; flushed.
 *  step    2. mid's present sectors into base (base's own rule-7 order:
 *             data, flush, BAT, flush), then the record with the next
 *             block, every LIVE_SAVE_EVERY copied blocks.
 *  finish  3. base flushed; 4. the record, phase SWITCH, holding
 *             child's whole new header (parent UUID, time stamp, name,
 *             locator entries; checksum) and the new locator data;
 *             flushed. 5. the locator data, then the header, into
 *             child's file in place; flushed. 6. in memory: base read
 *             again, child's parent set to base, mid closed. 7. mid
 *             deleted. 8. the record deleted.
 * A crash before 4 is durable leaves child's header untouched: the chain
 * opens through mid and reads as before; resume copies on from the
 * record's block (copying a block again is harmless). From 4 on, every
 * vhd_open of child takes the header and locators from the record
 * instead of the file, whose header may be old, new or torn (a 1 KiB
 * write cut in half): the chain opens through base, which by then holds
 * everything mid did. resume then redoes 5 to 8. The footer does not
 * change: nothing in it names the parent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storage/vhd/vhd_priv.h"

#define LIVE_SAVE_EVERY 16u   /* copied blocks between records */

struct vhd_live_merge {
	struct vhd *child;      /* the chain's image whose parent is mid */
	struct vhd *mid;
	struct vhd *base_w;     /* base, alone, opened for writing */
	uint8_t *buf;           /* one block of mid */
	uint32_t next;          /* first block of mid not yet copied */
	uint32_t unsaved;       /* blocks copied since the last record */
	struct vhd_live_rec rec;   /* the last record written */
};

static char *why_of(struct vhd_err *err, struct vhd_err *dummy)
{
	dummy->msg[0] = '\0';
	if (err)
		err->msg[0] = '\0';
	return (err ? err : dummy)->msg;
}

static int rec_write(struct vhd_live_merge *lm)
{
	vhd_put_be32(lm->rec.seq, vhd_be32(lm->rec.seq) + 1);
	return vhd_live_rec_save(lm->child->ops, lm->child->path, &lm->rec);
}

/* The record's copy-phase fields; seq stays (it only ever grows). */
static void rec_fill_copy(struct vhd_live_merge *lm)
{
	struct vhd_live_rec *r = &lm->rec;
	uint8_t seq[4];

	memcpy(seq, r->seq, 4);
	memset(r, 0, sizeof(*r));
	memcpy(r->seq, seq, 4);
	vhd_put_be32(r->phase, VHD_LIVE_COPY);
	vhd_put_be32(r->next_block, lm->next);
	vhd_put_be32(r->total_blocks, lm->mid->nblocks);
	memcpy(r->child_uuid, lm->child->ft.uuid, 16);
	memcpy(r->mid_uuid, lm->mid->ft.uuid, 16);
	memcpy(r->base_uuid, lm->mid->parent->ft.uuid, 16);
	r->loc_entry[0] = r->loc_entry[1] = VHD_LIVE_NO_ENTRY;
	strcpy(r->mid_path, lm->mid->path);   /* length checked at start */
}

/* Does old record r describe this very merge (same three images)? */
static int rec_matches(const struct vhd_live_rec *r, const struct vhd *c)
{
	const struct vhd *m = c->parent;

	return m && m->parent && !memcmp(r->child_uuid, c->ft.uuid, 16) &&
	       !memcmp(r->mid_uuid, m->ft.uuid, 16) &&
	       !memcmp(r->base_uuid, m->parent->ft.uuid, 16) &&
	       vhd_be32(r->total_blocks) == m->nblocks;
}

static void live_free(struct vhd_live_merge *lm)
{
	if (!lm)
		return;
	vhd_close(lm->base_w);
	free(lm->buf);
	free(lm);
}

static int open_base(struct vhd_live_merge *lm, char *why)
{
	const struct vhd *base = lm->mid->parent;
	char bwhy[VHD_ERR_LEN];
	int rc;

	rc = vhd_open_at_depth(base->ops, base->path,
			       VHD_OPEN_RDWR | VHD_OPEN_ALONE, 0, &lm->base_w,
			       bwhy);
	if (rc)
		return vhd_set_err(why, "cannot open %s for writing: %s",
				   base->path, bwhy), rc;
	if (memcmp(lm->base_w->ft.uuid, base->ft.uuid, 16))
		return vhd_set_err(why, "%s is no longer the chain's parent "
				   "file", base->path), -ESTALE;
	return 0;
}

/* old: a record found on disk (NULL: none); continued if it is this
 * merge's, outgrown otherwise (its sequence goes on, so it never wins). */
static int live_start(struct vhd *c, const struct vhd_live_rec *old,
		      struct vhd_live_merge **out, char *why)
{
	struct vhd_live_merge *lm = calloc(1, sizeof(*lm));
	int rc = -ENOMEM, fresh;

	if (!lm || !(lm->buf = malloc(c->parent->block_size)))
		goto out;
	rc = -ENAMETOOLONG;
	if (strlen(c->parent->path) >= VHD_LIVE_PATH_MAX) {
		vhd_set_err(why, "path of %s too long", c->parent->path);
		goto out;
	}
	lm->child = c;
	lm->mid = c->parent;
	fresh = !old || !rec_matches(old, c) ||
		vhd_be32(old->phase) != VHD_LIVE_COPY;
	if (old)
		memcpy(lm->rec.seq, old->seq, 4);
	lm->next = fresh ? 0 : vhd_be32(old->next_block);
	rc = open_base(lm, why);
	if (rc)
		goto out;
	rec_fill_copy(lm);
	rc = rec_write(lm);
	if (!rc && fresh)
		rc = rec_write(lm);   /* the other slot too: no old record */
	if (rc)
		vhd_set_err(why, "cannot write the merge record of %s: %s",
			    c->path, strerror(-rc));
out:
	if (rc && !why[0])
		vhd_set_err(why, "out of memory");
	if (rc)
		live_free(lm);
	else
		*out = lm;
	return rc;
}

static int check_mid(struct vhd *top, struct vhd *mid, struct vhd **child,
		     char *why)
{
	struct vhd *c;

	for (c = mid ? top : NULL; c && c->parent != mid; c = c->parent)
		;
	if (!c)
		return vhd_set_err(why, "the image to merge is not a parent "
				   "in this chain"), -EINVAL;
	if (mid->type != VHD_TYPE_DIFF || !mid->parent)
		return vhd_set_err(why, "%s has no parent to merge into",
				   mid->path), -EINVAL;
	if (mid->parent->size != mid->size)
		return vhd_set_err(why, "%s differs in size from its parent",
				   mid->path), -EINVAL;
	if (strlen(c->path) >= VHD_PATH_MAX)
		return vhd_set_err(why, "path too long"), -ENAMETOOLONG;
	*child = c;
	return 0;
}

/* One merge at a time in a chain: two would write into an image the
 * other copies from or deletes. Another image's record means another
 * merge (resume finishes or drops it). */
static int check_others(struct vhd *top, struct vhd *c,
			struct vhd_live_rec *scratch, char *why)
{
	struct vhd *x;

	for (x = top; x && x->parent; x = x->parent)
		if (x != c && x->type == VHD_TYPE_DIFF &&
		    vhd_live_rec_load(x->ops, x->path, scratch) != -ENOENT)
			return vhd_set_err(why, "a merge of %s's parent is "
					   "under way in this chain", x->path),
			       -EBUSY;
	return 0;
}

static int build_switch(struct vhd *c, struct vhd *base,
			struct vhd_live_rec *r, char *why);

int vhd_live_merge_begin(struct vhd *top, struct vhd *mid,
			 struct vhd_live_merge **out, struct vhd_err *err)
{
	struct vhd_err dummy;
	char *why = why_of(err, &dummy);
	struct vhd_live_rec *old = malloc(sizeof(*old));
	struct vhd *c;
	int rc = old ? 0 : -ENOMEM, found;

	*out = NULL;
	if (!rc)
		rc = check_mid(top, mid, &c, why);
	if (!rc)
		rc = check_others(top, c, old, why);
	/* A header that cannot be built now will not be at finish either:
	 * better refused before any copying. */
	if (!rc)
		rc = build_switch(c, mid->parent, old, why);
	if (rc)
		goto out;
	found = vhd_live_rec_load(top->ops, c->path, old) == 0;
	if (found && vhd_be32(old->phase) == VHD_LIVE_SWITCH) {
		rc = -EBUSY;
		vhd_set_err(why, "a merge of %s is being finished; resume it",
			    c->path);
	} else {
		rc = live_start(c, found ? old : NULL, out, why);
	}
out:
	free(old);
	return rc;
}

/* Base's new data durable first, then the record that counts it. */
static int save_progress(struct vhd_live_merge *lm, char *why)
{
	int rc = vhd_flush(lm->base_w);

	if (rc)
		return vhd_set_err(why, "%s", lm->base_w->err), rc;
	rec_fill_copy(lm);
	rc = rec_write(lm);
	if (rc)
		return vhd_set_err(why, "cannot write the merge record: %s",
				   strerror(-rc)), rc;
	lm->unsaved = 0;
	return 0;
}

static int step(struct vhd_live_merge *lm, uint32_t nblocks, char *why)
{
	struct vhd *mid = lm->mid;
	uint32_t copied = 0;
	int rc = 0;

	while (lm->next < mid->nblocks && copied < nblocks) {
		if (mid->bat[lm->next] != VHD_BAT_UNUSED) {
			rc = vhd_merge_copy_block(mid, lm->base_w, lm->next,
						  lm->buf, why);
			if (rc)
				return rc;
			copied++;
			lm->unsaved++;
		}
		lm->next++;
	}
	if (lm->unsaved >= LIVE_SAVE_EVERY ||
	    (lm->next == mid->nblocks && lm->unsaved))
		rc = save_progress(lm, why);
	return rc ? rc : lm->next == mid->nblocks;
}

int vhd_live_merge_step(struct vhd_live_merge *lm, uint32_t nblocks,
			struct vhd_err *err)
{
	struct vhd_err dummy;

	return step(lm, nblocks, why_of(err, &dummy));
}

void vhd_live_merge_get_progress(const struct vhd_live_merge *lm,
				 uint32_t *done, uint32_t *total)
{
	*done = lm->next;
	*total = lm->mid->nblocks;
}

int vhd_live_merge_stop(struct vhd_live_merge *lm)
{
	char why[VHD_ERR_LEN];
	int rc = 0;

	if (lm && lm->unsaved)
		rc = save_progress(lm, why);
	live_free(lm);
	return rc;
}

/* ---- Moving the child onto base (phase SWITCH) ---- */

static int find_entry(const struct vhd_dyn_header *h, const char *code)
{
	int i;

	for (i = 0; i < VHD_LOCATORS; i++)
		if (!memcmp(h->loc[i].platform, code, 4))
			return i;
	return -1;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* May [off, off + len) of child c take locator data? Only where it
 * touches none of the footer copy, the header, the BAT, a block, or the
 * space past the last block (where c, if it is a running top, allocates
 * next). */
static int area_free(const struct vhd *c, uint64_t off, uint64_t len)
{
	uint64_t blen = (uint64_t)c->bitmap_bytes + c->block_size;
	uint64_t bat_len = ((uint64_t)c->max_entries * 4 + VHD_SECTOR - 1) &
			   ~(uint64_t)(VHD_SECTOR - 1);
	uint32_t i;

	if (off < VHD_SECTOR || off > c->alloc_pos || len > c->alloc_pos - off)
		return 0;
	if (overlaps(off, len, vhd_be64(c->ft.data_offset), VHD_SECTOR * 2) ||
	    overlaps(off, len, c->bat_off, bat_len))
		return 0;
	for (i = 0; i < c->nblocks; i++)
		if (c->bat[i] != VHD_BAT_UNUSED &&
		    overlaps(off, len, (uint64_t)c->bat[i] * VHD_SECTOR, blen))
			return 0;
	return 1;
}

/* The room of locator entry e's data area: its data space, which the spec
 * gives in sectors and Windows writes in bytes (values under 512 are
 * taken as sectors, vhd-notes), at most what the record can hold. */
static uint32_t area_room(const struct vhd_dyn_header *h, int e)
{
	uint64_t ds = vhd_be32(h->loc[e].data_space);

	if (ds < VHD_SECTOR)
		ds *= VHD_SECTOR;
	return ds < VHD_LIVE_LOC_BYTES ? (uint32_t)ds : VHD_LIVE_LOC_BYTES;
}

/* Entry e of h (c's new header) names path, in e's old area. */
static int put_entry(const struct vhd *c, struct vhd_dyn_header *h, int e,
		     const char *code, const char *path, uint8_t *blob,
		     char *why)
{
	uint64_t off = vhd_be64(c->hd.loc[e].data_offset);

	if (vhd_locator_put(h, e, code, path, blob, area_room(&c->hd, e),
			    off))
		return vhd_set_err(why, "%s's %s locator has no room for %s",
				   c->path, code, path), -ENOSPC;
	if (!area_free(c, off, vhd_be32(h->loc[e].data_length)))
		return vhd_set_err(why, "%s's %s locator area overlaps its "
				   "data", c->path, code), -EINVAL;
	return 0;
}

/* c's header as it must read once base is its parent (spec "Dynamic Disk
 * Header Format": Parent Unique ID, Parent Time Stamp as the parent's
 * footer has it (vhd_create does the same), Parent Unicode Name, Parent
 * Locator Entries; Checksum), and the locator data, into r. The W2ku and
 * W2ru entries keep their areas; other platforms' entries named mid and
 * are dropped. */
static int build_switch(struct vhd *c, struct vhd *base,
			struct vhd_live_rec *r, char *why)
{
	struct vhd_dyn_header *h = &r->hd;
	int ku = find_entry(&c->hd, "W2ku"), ru = find_entry(&c->hd, "W2ru");
	char rel[VHD_PATH_MAX];
	int i, rc = 0;

	if (ku < 0 && ru < 0)
		return vhd_set_err(why, "%s has no W2ku or W2ru parent locator "
				   "to name its new parent with", c->path),
		       -ENOSPC;
	memcpy(h, &c->hd, sizeof(*h));
	memcpy(h->parent_uuid, base->ft.uuid, 16);
	memcpy(h->parent_timestamp, base->ft.timestamp, 4);
	vhd_parent_name_put(h, base->path);
	for (i = 0; i < VHD_LOCATORS; i++)
		if (i != ku && i != ru)
			memset(&h->loc[i], 0, sizeof(h->loc[i]));
	vhd_path_make_relative(c->path, base->path, rel, sizeof(rel));
	r->loc_entry[0] = ku < 0 ? VHD_LIVE_NO_ENTRY : (uint8_t)ku;
	r->loc_entry[1] = ru < 0 ? VHD_LIVE_NO_ENTRY : (uint8_t)ru;
	if (ku >= 0)
		rc = put_entry(c, h, ku, "W2ku", base->path, r->loc_data[0],
			       why);
	if (!rc && ru >= 0)
		rc = put_entry(c, h, ru, "W2ru", rel, r->loc_data[1], why);
	vhd_header_seal(h);
	return rc;
}

/* A record read back from disk is written into c only if it keeps c's
 * layout (cookie, BAT, block size) and its locator areas are free. */
static int rec_fits(const struct vhd *c, const struct vhd_live_rec *r)
{
	const struct vhd_dyn_header *h = &r->hd, *o = &c->hd;
	uint8_t e;
	int j;

	if (memcmp(h, o, offsetof(struct vhd_dyn_header, checksum)))
		return 0;
	for (j = 0; j < 2; j++) {
		e = r->loc_entry[j];
		if (e != VHD_LIVE_NO_ENTRY &&
		    !area_free(c, vhd_be64(h->loc[e].data_offset),
			       vhd_be32(h->loc[e].data_length)))
			return 0;
	}
	return 1;
}

/* Step 5: locator data, then the header, in place; flushed. Through the
 * chain's own handle when it writes (a running top), else a second one. */
static int write_header(struct vhd *c, const struct vhd_live_rec *r)
{
	const struct fio_ops *ops = c->ops;
	void *fh = c->fh;
	uint8_t e;
	int j, rc = 0;

	if (!c->writable && (rc = ops->open(ops->ctx, c->path, FIO_O_RDWR,
					    &fh)))
		return rc;
	for (j = 0; j < 2 && !rc; j++) {
		e = r->loc_entry[j];
		if (e != VHD_LIVE_NO_ENTRY)
			rc = ops->pwrite(ops->ctx, fh, r->loc_data[j],
					 vhd_be32(r->hd.loc[e].data_length),
					 vhd_be64(r->hd.loc[e].data_offset));
	}
	if (!rc)
		rc = ops->pwrite(ops->ctx, fh, &r->hd, sizeof(r->hd),
				 vhd_be64(c->ft.data_offset));
	if (!rc)
		rc = ops->flush(ops->ctx, fh);
	if (fh != c->fh)
		ops->close(ops->ctx, fh);
	return rc;
}

/* Where c stands against record r: 1 already on base (an open after the
 * crash took the record's header), 2 still on mid (over base), 0 on
 * neither: the record is not this chain's. */
static int chain_state(const struct vhd *c, const struct vhd_live_rec *r)
{
	const struct vhd *p = c->parent;

	if (memcmp(c->ft.uuid, r->child_uuid, 16) || !p)
		return 0;
	if (!memcmp(p->ft.uuid, r->base_uuid, 16))
		return 1;
	return !memcmp(p->ft.uuid, r->mid_uuid, 16) && p->parent &&
	       !memcmp(p->parent->ft.uuid, r->base_uuid, 16) ? 2 : 0;
}

/* Step 6: base read again, then child onto it and mid closed. */
static int swap_chain(struct vhd *c, const struct vhd_live_rec *r,
		      char *why)
{
	struct vhd *mid = c->parent, *base = mid->parent;
	int rc;

	if (chain_state(c, r) == 1) {
		memcpy(&c->hd, &r->hd, sizeof(c->hd));
		return 0;
	}
	rc = vhd_reload(base, why);
	if (rc)
		return rc;
	memcpy(&c->hd, &r->hd, sizeof(c->hd));
	c->parent = base;
	mid->parent = NULL;
	vhd_close(mid);
	return 0;
}

/* Steps 5 to 8, from a durable SWITCH record. */
static int live_switch(struct vhd *c, const struct vhd_live_rec *r,
		       char *why)
{
	const struct fio_ops *ops = c->ops;
	char path[VHD_PATH_MAX + 8];
	int rc;

	if (!chain_state(c, r) || !rec_fits(c, r))
		return vhd_set_err(why, "the merge record of %s does not fit "
				   "its chain", c->path), -ESTALE;
	rc = write_header(c, r);
	if (rc)
		return vhd_set_err(why, "cannot rewrite the header of %s: %s",
				   c->path, strerror(-rc)), rc;
	rc = swap_chain(c, r, why);
	if (rc)
		return rc;
	rc = ops->remove(ops->ctx, r->mid_path);
	if (rc && rc != -ENOENT)
		return vhd_set_err(why, "merged, but deleting %s failed: %s",
				   r->mid_path, strerror(-rc)), rc;
	rc = vhd_live_rec_path(c->path, path, sizeof(path));
	if (!rc)
		rc = ops->remove(ops->ctx, path);
	if (rc && rc != -ENOENT)
		return vhd_set_err(why, "merged, but deleting %s failed: %s",
				   path, strerror(-rc)), rc;
	return 0;
}

int vhd_live_merge_finish(struct vhd_live_merge *lm, struct vhd_err *err)
{
	struct vhd_err dummy;
	char *why = why_of(err, &dummy);
	int rc;

	while ((rc = step(lm, UINT32_MAX, why)) == 0)
		;
	if (rc < 0)
		goto out;
	rc = vhd_flush(lm->base_w);      /* step 3 */
	if (rc) {
		vhd_set_err(why, "%s", lm->base_w->err);
		goto out;
	}
	rec_fill_copy(lm);
	vhd_put_be32(lm->rec.phase, VHD_LIVE_SWITCH);
	rc = build_switch(lm->child, lm->mid->parent, &lm->rec, why);
	if (!rc && (rc = rec_write(lm)))  /* step 4 */
		vhd_set_err(why, "cannot write the merge record: %s",
			    strerror(-rc));
	if (!rc)
		rc = live_switch(lm->child, &lm->rec, why);
out:
	live_free(lm);
	return rc;
}

/* ---- After a crash or a stop ---- */

static int drop_record(const struct vhd *c)
{
	char path[VHD_PATH_MAX + 8];
	int rc = vhd_live_rec_path(c->path, path, sizeof(path));

	return rc ? rc : c->ops->remove(c->ops->ctx, path);
}

/* One image's record: finished if switching, started again (*out) if
 * copying, dropped if it names another chain or holds no valid slot (a
 * first write cut short: nothing was done yet). */
static int resume_one(struct vhd *c, struct vhd_live_rec *r,
		      struct vhd_live_merge **out, char *why)
{
	int rc = vhd_live_rec_load(c->ops, c->path, r);

	if (rc == -ENOENT)
		return 0;
	if (rc == -EINVAL)
		return drop_record(c);
	if (rc)
		return rc;
	if (vhd_be32(r->phase) == VHD_LIVE_SWITCH)
		return chain_state(c, r) ? live_switch(c, r, why) :
		       drop_record(c);
	if (!rec_matches(r, c))
		return drop_record(c);
	return live_start(c, r, out, why);
}

int vhd_live_merge_resume(struct vhd *top, struct vhd_live_merge **out,
			  struct vhd_err *err)
{
	struct vhd_err dummy;
	char *why = why_of(err, &dummy);
	struct vhd_live_rec *r = malloc(sizeof(*r));
	struct vhd *c;
	int rc = r ? 0 : -ENOMEM;

	*out = NULL;
	for (c = top; !rc && !*out && c && c->parent; c = c->parent)
		if (c->type == VHD_TYPE_DIFF)
			rc = resume_one(c, r, out, why);
	free(r);
	return rc;
}
