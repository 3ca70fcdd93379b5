/* Merging a differencing child into its parent, restartably, and `check`.
 *
 * Why a merge can stop anywhere: it only copies sectors the child holds
 * (bitmap bit set) into the parent, and reading through the child shows
 * the child's copy of exactly those sectors.  So while the merge runs, the
 * child's view never changes, and copying a block twice is harmless.  The
 * progress record ("<child>.merge") only saves work: it is written after
 * the parent is flushed, and a torn or stale record just restarts at 0. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storage/vhd/vhd_priv.h"

#define MERGE_MAGIC "hvpMERGE"
#define MERGE_SAVE_EVERY 16u   /* blocks copied between progress records */

static int rec_path(const char *child, char *dst, size_t len)
{
	size_t n = strlen(child);

	if (n + 7 > len)
		return -ENAMETOOLONG;
	memcpy(dst, child, n);
	memcpy(dst + n, ".merge", 7);
	return 0;
}

static int rec_load(const struct fio_ops *ops, const char *child,
		    struct vhd_merge_rec *r)
{
	char path[VHD_PATH_MAX + 8];
	void *fh;
	int rc;

	rc = rec_path(child, path, sizeof(path));
	if (rc || ops->open(ops->ctx, path, 0, &fh))
		return -ENOENT;
	rc = ops->pread(ops->ctx, fh, r, sizeof(*r), 0);
	ops->close(ops->ctx, fh);
	if (rc || memcmp(r->magic, MERGE_MAGIC, 8) ||
	    vhd_be32(r->checksum) != vhd_calc_checksum((uint8_t *)r,
			sizeof(*r), offsetof(struct vhd_merge_rec, checksum)) ||
	    vhd_be32(r->next_block) > vhd_be32(r->total_blocks))
		return -ENOENT;   /* torn or foreign: start over */
	return 0;
}

static int rec_save(const struct fio_ops *ops, const char *child,
		    const struct vhd *c, uint32_t next)
{
	struct vhd_merge_rec r;
	char path[VHD_PATH_MAX + 8];
	void *fh;
	int rc;

	memset(&r, 0, sizeof(r));
	memcpy(r.magic, MERGE_MAGIC, 8);
	vhd_put_be32(r.version, 1);
	vhd_put_be32(r.next_block, next);
	vhd_put_be32(r.total_blocks, c->nblocks);
	memcpy(r.child_uuid, c->ft.uuid, 16);
	memcpy(r.parent_uuid, c->hd.parent_uuid, 16);
	vhd_put_be32(r.checksum, vhd_calc_checksum((uint8_t *)&r, sizeof(r),
		     offsetof(struct vhd_merge_rec, checksum)));
	rc = rec_path(child, path, sizeof(path));
	if (rc)
		return rc;
	if (ops->open(ops->ctx, path, FIO_O_RDWR, &fh) &&
	    (rc = ops->open(ops->ctx, path, FIO_O_RDWR | FIO_O_CREATE, &fh)))
		return rc;
	rc = ops->pwrite(ops->ctx, fh, &r, sizeof(r), 0);
	if (!rc)
		rc = ops->flush(ops->ctx, fh);
	ops->close(ops->ctx, fh);
	return rc;
}

int vhd_merge_get_progress(const struct fio_ops *ops, const char *child,
		       uint32_t *done, uint32_t *total)
{
	struct vhd_merge_rec r;
	int rc = rec_load(ops, child, &r);

	if (rc)
		return rc;
	*done = vhd_be32(r.next_block);
	*total = vhd_be32(r.total_blocks);
	return 0;
}

/* One run of present sectors: by the file table's copy where it has one
 * and both images are its (the host's copy_file_range keeps the bytes in
 * the kernel), else read into buf and written. */
static int copy_run(struct vhd *src, struct vhd *dst, uint8_t *buf, size_t n,
		    uint64_t foff, uint64_t voff)
{
	int rc;

	if (src->ops->copy && src->ops == dst->ops)
		return vhd_copy_in(dst, src->fh, foff, (uint32_t)n, voff);
	rc = vhd_read_raw(src, buf, n, foff);
	return rc ? rc : vhd_write(dst, buf, n, voff);
}

/* Copies the sectors src holds in its block blk (bitmap bits set) to the
 * same disk offsets in dst, through dst's own writes (so dst allocates as
 * rule 7 says). Only present sectors move: dst's other sectors keep what
 * they held, which is what a read through src showed there anyway. The
 * offline merge and the live one (vhd_live.c) share it. buf holds one
 * block of src. */
int vhd_merge_copy_block(struct vhd *src, struct vhd *dst, uint32_t blk,
			 uint8_t *buf, char *why)
{
	uint64_t fbase, vbase = (uint64_t)blk * src->block_size;
	uint32_t s = 0, run, end = src->spb;
	uint8_t *bm;
	size_t n;
	int rc;

	if (src->bat[blk] == VHD_BAT_UNUSED)
		return 0;
	if (vbase + src->block_size > src->size)
		end = (uint32_t)((src->size - vbase) / VHD_SECTOR);
	rc = vhd_bitmap_get(src, blk, &bm);
	if (rc && why != src->err)
		vhd_set_err(why, "%s", src->err);
	fbase = (uint64_t)src->bat[blk] * VHD_SECTOR + src->bitmap_bytes;
	for (; !rc && s < end; s += run) {
		run = vhd_bitmap_count_run(bm, s, end);
		if (!vhd_bit_test(bm, s))
			continue;
		n = (size_t)run * VHD_SECTOR;
		rc = copy_run(src, dst, buf, n, fbase + (uint64_t)s * VHD_SECTOR,
			      vbase + (uint64_t)s * VHD_SECTOR);
		if (rc)
			vhd_set_err(why, "copying block %u to %s failed: %s",
				    blk, dst->path, dst->err);
	}
	return rc;
}

static int reopen_rw(struct vhd *p)
{
	void *fh;
	int rc = p->ops->open(p->ops->ctx, p->path, FIO_O_RDWR, &fh);

	if (rc)
		return rc;
	p->ops->close(p->ops->ctx, p->fh);
	p->fh = fh;
	p->writable = 1;
	return p->used_copy ? vhd_repair_footer(p) : 0;
}

static int merge_loop(const struct fio_ops *ops, const char *child,
		      struct vhd *c, uint32_t blk, vhd_progress_fn cb,
		      void *cb_ctx)
{
	uint8_t *buf = malloc(c->block_size);
	uint32_t copied = 0;
	int rc = buf ? 0 : -ENOMEM;

	/* A record every MERGE_SAVE_EVERY blocks copied, not looked at: the
	 * flush behind each is the merge's cost, and a sparse child's empty
	 * BAT entries cost nothing to look at again after a crash. */
	for (; !rc && blk < c->nblocks; blk++) {
		copied += c->bat[blk] != VHD_BAT_UNUSED;
		rc = vhd_merge_copy_block(c, c->parent, blk, buf, c->err);
		if (!rc && c->bat[blk] != VHD_BAT_UNUSED && copied % MERGE_SAVE_EVERY == 0) {
			rc = vhd_flush(c->parent);
			if (!rc)
				rc = rec_save(ops, child, c, blk + 1);
		}
		if (cb)
			cb(cb_ctx, blk + 1, c->nblocks);
	}
	free(buf);
	if (!rc)
		rc = vhd_flush(c->parent);
	if (!rc)
		rc = rec_save(ops, child, c, c->nblocks);
	return rc;
}

static int merge_start(const struct fio_ops *ops, const char *child,
		       struct vhd *c, uint32_t *start, char *why)
{
	struct vhd_merge_rec r;

	*start = 0;
	if (c->type != VHD_TYPE_DIFF)
		return vhd_set_err(why, "not a differencing disk"), -EINVAL;
	if (c->parent->size != c->size)
		return vhd_set_err(why, "parent size differs from the child's"),
		       -EINVAL;
	if (reopen_rw(c->parent))
		return vhd_set_err(why, "cannot open parent %s for writing",
				   c->parent->path), -EACCES;
	if (rec_load(ops, child, &r) == 0 &&
	    !memcmp(r.child_uuid, c->ft.uuid, 16) &&
	    !memcmp(r.parent_uuid, c->hd.parent_uuid, 16) &&
	    vhd_be32(r.total_blocks) == c->nblocks)
		*start = vhd_be32(r.next_block);
	return 0;
}

int vhd_merge(const struct fio_ops *ops, const char *child, vhd_progress_fn cb,
	      void *cb_ctx, struct vhd_err *err)
{
	struct vhd_err dummy;
	char *why = (err ? err : &dummy)->msg, rp[VHD_PATH_MAX + 8];
	struct vhd *c = NULL;
	uint32_t start, done, total;
	int rc;

	rc = vhd_open(ops, child, 0, &c, err ? err : &dummy);
	if (rc == -ENOENT && vhd_merge_get_progress(ops, child, &done, &total) == 0
	    && done == total && rec_path(child, rp, sizeof(rp)) == 0)
		return ops->remove(ops->ctx, rp);  /* finished, then cut */
	if (rc)
		return rc;
	rc = merge_start(ops, child, c, &start, why);
	if (!rc)
		rc = merge_loop(ops, child, c, start, cb, cb_ctx);
	if (rc && !why[0])
		vhd_set_err(why, "%s", c->err);
	vhd_close(c);
	if (rc)
		return rc;
	/* The parent now holds everything; the child is obsolete. */
	rc = ops->remove(ops->ctx, child);
	if (!rc && rec_path(child, rp, sizeof(rp)) == 0)
		rc = ops->remove(ops->ctx, rp);
	if (rc)
		vhd_set_err(why, "merged, but removing the child failed: %s",
			    strerror(-rc));
	return rc;
}

static void report(vhd_report_fn cb, void *ctx, int *n, const char *msg)
{
	(*n)++;
	if (cb)
		cb(ctx, msg);
}

/* Footer problems that open() tolerates (it falls back to the good copy)
 * are still problems for `check`. */
static int check_footers(const struct fio_ops *ops, void *fh, uint64_t fsize,
			 vhd_report_fn cb, void *ctx)
{
	struct vhd_footer end, copy;
	char why[VHD_ERR_LEN], line[VHD_ERR_LEN];
	int n = 0, end_ok;

	if (fsize < VHD_SECTOR)
		return 0;   /* vhd_open reports it */
	end_ok = ops->pread(ops->ctx, fh, &end, sizeof(end),
			    fsize - VHD_SECTOR) == 0 &&
		 vhd_footer_check(&end, fsize, why) == 0;
	if (!end_ok) {
		vhd_set_err(line, "end-of-file footer: %s", why);
		report(cb, ctx, &n, line);
	}
	if (fsize < 2 * VHD_SECTOR || ops->pread(ops->ctx, fh, &copy,
	    sizeof(copy), 0))
		return n;
	if (end_ok && vhd_be32(end.disk_type) == VHD_TYPE_FIXED)
		return n;
	if (vhd_footer_check(&copy, fsize, why)) {
		if (end_ok) {
			vhd_set_err(line, "footer copy at offset 0: %s", why);
			report(cb, ctx, &n, line);
		}
	} else if (end_ok && memcmp(&end, &copy, sizeof(end))) {
		report(cb, ctx, &n, "footer copy at offset 0 differs from the "
		       "end-of-file footer");
	}
	return n;
}

int vhd_check(const struct fio_ops *ops, const char *path, vhd_report_fn cb,
	      void *cb_ctx)
{
	struct vhd_err err;
	struct vhd *v = NULL;
	uint64_t fsize = 0;
	void *fh;
	int n = 0, rc;

	rc = ops->open(ops->ctx, path, 0, &fh);
	if (rc)
		return rc;
	if (ops->size(ops->ctx, fh, &fsize) == 0)
		n = check_footers(ops, fh, fsize, cb, cb_ctx);
	ops->close(ops->ctx, fh);
	err.msg[0] = '\0';
	rc = vhd_open(ops, path, 0, &v, &err);
	if (rc)
		report(cb, cb_ctx, &n, err.msg);
	vhd_close(v);
	return n;
}
