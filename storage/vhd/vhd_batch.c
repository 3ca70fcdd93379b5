/* Batched reads (fio_ops.read_batch): a request to a dynamic or
 * differencing image is resolved, down the chain, into the file extents
 * that hold its bytes, each byte taken from the one layer that owns it
 * (a child's present sectors hide its parent's, spec "Differencing Hard
 * Disk Image"; a dynamic image's holes and what lies past a smaller
 * parent read as zeros), and the extents go to the host in one call.
 *
 * Why: a chain whose layers hold scattered small writes turns a 1 MiB
 * read into a pread a piece in every layer; vhd_io.c's one-pread-a-run
 * path already merges a parent's reads across the child's runs, which
 * leaves about 18 preads a MiB on the benchmark's depth-3 chain, each a
 * system call. Here no two extents overlap (about 30 a MiB there), so
 * the host may read them in any order or at once (fio_posix: io_uring,
 * one io_uring_enter for the lot, and the files' reads overlap when they
 * miss the page cache), and no byte is copied twice. What that gains
 * depends on the host's cost of a system call against its page cache's
 * cost of an extent (docs/benchmarks.md, "Libraries (host)").
 *
 * The zeros are written while planning: their bytes are in no extent, so
 * no read can land on them later, and a batch sent early because the plan
 * is full leaves nothing to order. A failure of any kind (a bitmap, an
 * extent, memory for the plan) is not reported from here: vhd_read then
 * reads the request again its one-pread-a-run way, which fails or not and
 * reports the error exactly as it does without batching, so a batch only
 * ever changes how fast the same bytes arrive. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storage/vhd/vhd_priv.h"

struct plan {
	const struct fio_ops *ops;
	struct fio_read *r;     /* VHD_BATCH_MAX entries */
	size_t n;
};

/* The planned extents, read. One extent goes as a plain pread: a batch
 * of one saves nothing and the host may do a pread more cheaply. */
static int plan_submit(struct plan *p)
{
	const struct fio_ops *ops = p->ops;
	struct fio_read *r = p->r;
	size_t n = p->n;

	p->n = 0;
	if (n == 1)
		return ops->pread(ops->ctx, r->fh, r->buf, r->len, r->off);
	return n ? ops->read_batch(ops->ctx, r, n) : 0;
}

/* One more extent: joined to the last one when it continues it in both
 * the file and the buffer (runs that meet at a sector of another layer
 * only, or blocks laid out back to back). */
static int plan_add(struct plan *p, void *fh, uint8_t *buf, size_t len,
		    uint64_t foff)
{
	struct fio_read *last = p->n ? &p->r[p->n - 1] : NULL;
	int rc;

	if (last && last->fh == fh && last->off + last->len == foff &&
	    (uint8_t *)last->buf + last->len == buf) {
		last->len += len;
		return 0;
	}
	if (p->n == VHD_BATCH_MAX) {
		rc = plan_submit(p);
		if (rc)
			return rc;
	}
	p->r[p->n++] = (struct fio_read){ .fh = fh, .buf = buf, .len = len,
					  .off = foff };
	return 0;
}

static int plan_range(struct plan *p, struct vhd *v, uint8_t *buf,
		      size_t len, uint64_t off);

/* What lies under v at [off, off + len): its parent's bytes as far as the
 * parent reaches, zeros past it and under a dynamic image (the same rule
 * as vhd_io.c's read_lower). */
static int plan_lower(struct plan *p, struct vhd *v, uint8_t *buf,
		      size_t len, uint64_t off)
{
	struct vhd *par = v->parent;
	size_t n = 0;
	int rc;

	if (par && off < par->size) {
		n = par->size - off < len ? (size_t)(par->size - off) : len;
		rc = plan_range(p, par, buf, n, off);
		if (rc)
			return rc;
	}
	if (len > n)
		memset(buf + n, 0, len - n);
	return 0;
}

/* [boff, boff + n) of block blk: each run of present sectors is an
 * extent of v's file, each clear run what lies under v. */
static int plan_block(struct plan *p, struct vhd *v, uint32_t blk,
		      uint32_t boff, uint32_t n, uint8_t *buf)
{
	uint64_t vbase = (uint64_t)blk * v->block_size;
	uint64_t stop = (uint64_t)boff + n, pos, run_end, fbase;
	uint32_t end = (uint32_t)((stop + VHD_SECTOR - 1) / VHD_SECTOR);
	uint8_t *bm, *dst;
	int rc;

	if (v->bat[blk] == VHD_BAT_UNUSED)
		return plan_lower(p, v, buf, n, vbase + boff);
	rc = vhd_bitmap_get(v, blk, &bm);
	if (rc)
		return rc;
	fbase = (uint64_t)v->bat[blk] * VHD_SECTOR + v->bitmap_bytes;
	for (pos = boff; pos < stop && !rc; pos = run_end) {
		dst = buf + (pos - boff);
		if (vhd_bitmap_next_run(bm, pos, stop, end, &run_end))
			rc = plan_add(p, v->fh, dst, (size_t)(run_end - pos),
				      fbase + pos);
		else
			rc = plan_lower(p, v, dst, (size_t)(run_end - pos),
					vbase + pos);
	}
	return rc;
}

/* [off, off + len) as v shows it; the range lies inside v (callers clip
 * to its size). */
static int plan_range(struct plan *p, struct vhd *v, uint8_t *buf,
		      size_t len, uint64_t off)
{
	uint32_t blk, boff, n;
	int rc;

	if (v->type == VHD_TYPE_FIXED)
		return plan_add(p, v->fh, buf, len, off);
	while (len) {
		blk = (uint32_t)(off / v->block_size);
		boff = (uint32_t)(off % v->block_size);
		n = v->block_size - boff < len ? v->block_size - boff :
		    (uint32_t)len;
		rc = plan_block(p, v, blk, boff, n, buf);
		if (rc)
			return rc;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* 0 when the whole range was read; otherwise (the caller reads it again
 * without batching) any negative value. The range is checked by
 * vhd_read. */
int vhd_read_batched(struct vhd *v, void *buf, size_t len, uint64_t off)
{
	struct plan p = { .ops = v->ops };
	int rc;

	if (!v->batch)
		v->batch = malloc(VHD_BATCH_MAX * sizeof(*v->batch));
	if (!v->batch)
		return -ENOMEM;
	p.r = v->batch;
	rc = plan_range(&p, v, buf, len, off);
	if (rc) {
		p.n = 0;   /* the caller reads it all again */
		return rc;
	}
	return plan_submit(&p);
}
