/* Batched reads (fio_ops.read_batch): a request to a dynamic or
 * differencing image is resolved, down the chain, into the file extents
 * that hold its bytes (a child's present sectors hide its parent's, spec
 * "Differencing Hard Disk Image"; a dynamic image's holes and what lies
 * past a smaller parent read as zeros), and the extents go to the host in
 * as few calls as their order allows.
 *
 * Why: a chain whose layers hold scattered small writes turns a 1 MiB
 * read into a pread a piece in every layer; vhd_io.c's one-pread-a-run
 * path already merges a parent's reads across the child's runs, which
 * leaves about 18 preads a MiB on the benchmark's depth-3 chain, each a
 * system call. Here the host reads a call's extents in any order or at
 * once (fio_posix: io_uring, one io_uring_enter for the lot, and the
 * files' reads overlap when they miss the page cache). What that gains
 * depends on the host's cost of a system call against its page cache's
 * cost of an extent (docs/benchmarks.md, "Libraries (host)").
 *
 * Overlap: as vhd_io.c does, a parent's read may span a child's present
 * runs of up to VHD_OVERLAP_GAP, which the child's own extents then
 * overwrite: the parent's run is one extent instead of one a piece. Each
 * extent has a wave, one more than the highest of the extents it lands
 * on (0 when none); a batch sends its waves one call each, lowest first,
 * so that no call holds two extents that overlap and every byte ends up
 * as the topmost layer that holds it has it.
 *
 * The zeros are written while planning: their bytes are in no extent
 * (no layer holds them), so no read can land on them later; a batch sent
 * early because the plan is full is read before anything planned after
 * it, so an overlay planned later may land on it in any wave. A failure
 * of any kind (a bitmap, an extent, memory for the plan) is not reported
 * from here: vhd_read then reads the request again its one-pread-a-run
 * way, which fails or not and reports the error exactly as it does
 * without batching, so a batch only ever changes how fast the same bytes
 * arrive. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storage/vhd/vhd_priv.h"

struct plan {
	const struct fio_ops *ops;
	struct fio_read *r;     /* VHD_BATCH_MAX entries, then as many for
				 * the wave being sent */
	uint8_t wave[VHD_BATCH_MAX];   /* at most a layer's depth above the
					* base, < VHD_MAX_DEPTH */
	size_t n;
	unsigned top;           /* the highest wave planned */
	unsigned sent;          /* batches sent: what came before is read */
};

/* Where a parent's span began in the plan: its extents are those an
 * overlay of the span can land on, and the one before, which plan_add
 * may have lengthened with the span's first. */
struct mark {
	size_t n;
	unsigned sent;
};

/* One call's extents. One goes as a plain pread: a batch of one saves
 * nothing and the host may do a pread more cheaply. */
static int plan_send(const struct fio_ops *ops, struct fio_read *r, size_t n)
{
	if (n == 1)
		return ops->pread(ops->ctx, r->fh, r->buf, r->len, r->off);
	return n ? ops->read_batch(ops->ctx, r, n) : 0;
}

/* The planned extents, read: one call a wave, lowest first, each wave's
 * extents gathered after the plan's. */
static int plan_submit(struct plan *p)
{
	struct fio_read *out = p->r + VHD_BATCH_MAX;
	size_t n = p->n, i, m;
	unsigned w, top = p->top;
	int rc = 0;

	p->n = 0;
	p->top = 0;
	p->sent++;
	if (!top)
		return plan_send(p->ops, p->r, n);
	for (w = 0; w <= top && !rc; w++) {
		for (i = m = 0; i < n; i++)
			if (p->wave[i] == w)
				out[m++] = p->r[i];
		rc = plan_send(p->ops, out, m);
	}
	return rc;
}

/* One more extent: joined to the last one when it continues it in both
 * the file and the buffer in the same wave (runs that meet at a sector of
 * another layer only, or blocks laid out back to back). */
static int plan_add(struct plan *p, void *fh, uint8_t *buf, size_t len,
		    uint64_t foff, unsigned wave)
{
	struct fio_read *last = p->n ? &p->r[p->n - 1] : NULL;
	int rc;

	if (last && last->fh == fh && last->off + last->len == foff &&
	    (uint8_t *)last->buf + last->len == buf &&
	    p->wave[p->n - 1] == wave) {
		last->len += len;
		return 0;
	}
	if (p->n == VHD_BATCH_MAX) {
		rc = plan_submit(p);
		if (rc)
			return rc;
		wave = 0;   /* what it lands on is read now */
	}
	p->wave[p->n] = (uint8_t)wave;
	p->top = wave > p->top ? wave : p->top;
	p->r[p->n++] = (struct fio_read){ .fh = fh, .buf = buf, .len = len,
					  .off = foff };
	return 0;
}

static struct mark plan_mark(const struct plan *p)
{
	return (struct mark){ .n = p->n ? p->n - 1 : 0, .sent = p->sent };
}

/* The wave of an overlay of [buf, buf + len): one above the highest
 * extent planned since m that it lands on. Extents of a batch sent since
 * are read already, so they do not count. */
static unsigned plan_wave_over(const struct plan *p, struct mark m,
			       const uint8_t *buf, size_t len)
{
	size_t i = m.sent == p->sent ? m.n : 0;
	unsigned w = 0;
	const uint8_t *b;

	for (; i < p->n; i++) {
		b = p->r[i].buf;
		if (b < buf + len && buf < b + p->r[i].len && p->wave[i] >= w)
			w = p->wave[i] + 1u;
	}
	return w;
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

/* One block's read: its bitmap and where its bytes are. */
struct blk_read {
	const uint8_t *bm;
	uint64_t vbase;         /* the block's first byte on the disk */
	uint64_t fbase;         /* its data's first byte in v's file */
	uint32_t boff;          /* the read's first byte in the block */
	uint32_t end;           /* sectors of the block the read reaches */
	uint8_t *buf;           /* where byte boff goes */
};

/* Where the parent's read that starts with the clear run ending at to
 * ends: across each present run of at most VHD_OVERLAP_GAP that a clear
 * run follows. Only with a parent: a dynamic image's holes are zeros,
 * which a wider span would only write more of. */
static uint64_t overlap_end(const struct vhd *v, const struct blk_read *b,
			    uint64_t to, uint64_t stop)
{
	uint64_t own_end, next_end;

	while (v->parent && to < stop) {
		vhd_bitmap_next_run(b->bm, to, stop, b->end, &own_end);
		if (own_end >= stop || own_end - to > VHD_OVERLAP_GAP)
			break;
		vhd_bitmap_next_run(b->bm, own_end, stop, b->end, &next_end);
		to = next_end;
	}
	return to;
}

/* [from, to) of the block, which starts and ends with clear runs: the
 * parent's bytes for all of it, then v's present runs over them. */
static int plan_span(struct plan *p, struct vhd *v, const struct blk_read *b,
		     uint64_t from, uint64_t to)
{
	struct mark m = plan_mark(p);
	uint64_t pos, run_end;
	uint8_t *dst;
	int rc;

	rc = plan_lower(p, v, b->buf + (from - b->boff), (size_t)(to - from),
			b->vbase + from);
	for (pos = from; pos < to && !rc; pos = run_end) {
		dst = b->buf + (pos - b->boff);
		if (vhd_bitmap_next_run(b->bm, pos, to, b->end, &run_end))
			rc = plan_add(p, v->fh, dst, (size_t)(run_end - pos),
				      b->fbase + pos,
				      plan_wave_over(p, m, dst,
						     (size_t)(run_end - pos)));
	}
	return rc;
}

/* [boff, boff + n) of block blk: each run of present sectors is an
 * extent of v's file, each clear run (with the short present runs
 * between, see overlap_end) what lies under v. */
static int plan_block(struct plan *p, struct vhd *v, uint32_t blk,
		      uint32_t boff, uint32_t n, uint8_t *buf)
{
	struct blk_read b = { .vbase = (uint64_t)blk * v->block_size,
			      .boff = boff, .buf = buf };
	uint64_t stop = (uint64_t)boff + n, pos, run_end, span_end;
	uint8_t *bm;
	int rc;

	if (v->bat[blk] == VHD_BAT_UNUSED)
		return plan_lower(p, v, buf, n, b.vbase + boff);
	rc = vhd_bitmap_get(v, blk, &bm);
	if (rc)
		return rc;
	b.bm = bm;
	b.fbase = (uint64_t)v->bat[blk] * VHD_SECTOR + v->bitmap_bytes;
	b.end = (uint32_t)((stop + VHD_SECTOR - 1) / VHD_SECTOR);
	for (pos = boff; pos < stop && !rc; pos = run_end) {
		if (vhd_bitmap_next_run(bm, pos, stop, b.end, &run_end)) {
			rc = plan_add(p, v->fh, buf + (pos - boff),
				      (size_t)(run_end - pos), b.fbase + pos,
				      0);
			continue;
		}
		span_end = overlap_end(v, &b, run_end, stop);
		if (span_end > run_end)
			rc = plan_span(p, v, &b, pos, span_end);
		else
			rc = plan_lower(p, v, buf + (pos - boff),
					(size_t)(run_end - pos), b.vbase + pos);
		run_end = span_end;
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
		return plan_add(p, v->fh, buf, len, off, 0);
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
	struct plan p;   /* its wave array needs no zeros */
	int rc;

	if (!v->batch)
		v->batch = malloc(2 * VHD_BATCH_MAX * sizeof(*v->batch));
	if (!v->batch)
		return -ENOMEM;
	p.ops = v->ops;
	p.r = v->batch;
	p.n = 0;
	p.top = 0;
	p.sent = 0;
	rc = plan_range(&p, v, buf, len, off);
	if (rc) {
		p.n = 0;   /* the caller reads it all again */
		return rc;
	}
	return plan_submit(&p);
}
