/* VHD data path: byte-granular read and write, sector bitmaps, chain
 * resolution and crash-safe block allocation (docs/ARCHITECTURE.md rule 7). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storage/vhd/vhd_priv.h"

int vhd_read_raw(struct vhd *v, void *buf, size_t len, uint64_t off)
{
	return v->ops->pread(v->ops->ctx, v->fh, buf, len, off);
}

int vhd_write_raw(struct vhd *v, const void *buf, size_t len, uint64_t off)
{
	return v->ops->pwrite(v->ops->ctx, v->fh, buf, len, off);
}

/* Frees cached bitmaps; with clean_only, keeps those not yet written. */
void vhd_bitmap_drop_all(struct vhd *v, int clean_only)
{
	uint32_t i;

	if (!v->bm)
		return;
	for (i = 0; i < v->nblocks && v->bm_cached; i++)
		if (v->bm[i] && !(clean_only && v->dirty[i])) {
			free(v->bm[i]);
			v->bm[i] = NULL;
			v->bm_cached--;
		}
}

static void mark_dirty(struct vhd *v, uint32_t blk, uint8_t what)
{
	if (!v->dirty[blk])
		v->dirty_list[v->ndirty++] = blk;
	v->dirty[blk] = (uint8_t)(v->dirty[blk] | what);
}

int vhd_bitmap_get(struct vhd *v, uint32_t blk, uint8_t **bm)
{
	uint8_t *b;
	int rc;

	if (v->bm[blk]) {
		*bm = v->bm[blk];
		return 0;
	}
	if (v->bm_cached >= VHD_BM_CACHE_MAX)
		vhd_bitmap_drop_all(v, 1);
	b = malloc(v->bitmap_bytes);
	if (!b)
		return -ENOMEM;
	rc = vhd_read_raw(v, b, v->bitmap_bytes,
			  (uint64_t)v->bat[blk] * VHD_SECTOR);
	if (rc) {
		free(b);
		vhd_set_err(v->err, "cannot read bitmap of block %u", blk);
		return rc;
	}
	v->bm[blk] = b;
	v->bm_cached++;
	*bm = b;
	return 0;
}

/* What lies under this image: the parent (spec "Differencing Hard Disk
 * Image": clear bits defer to the parent) or zeros for dynamic disks. */
static int read_lower(struct vhd *v, uint8_t *buf, size_t len, uint64_t off)
{
	struct vhd *p = v->parent;
	size_t n = 0;

	if (p && off < p->size) {
		n = p->size - off < len ? (size_t)(p->size - off) : len;
		if (vhd_read(p, buf, n, off)) {
			vhd_set_err(v->err, "reading parent %s: %s", p->path,
				    p->err);
			return -EIO;
		}
	}
	if (len > n)
		memset(buf + n, 0, len - n);
	return 0;
}

/* Length of the run of sectors from s (inclusive, < end) sharing s's bit.
 * Bits are MSB first (spec "Block Bitmap"), so a byte XORed with the run's
 * fill shows the first differing sector as its highest set bit; whole
 * aligned words of fill are skipped eight bytes at a time. */
uint32_t vhd_bitmap_count_run(const uint8_t *bm, uint32_t s, uint32_t end)
{
	uint8_t fill = vhd_bit_test(bm, s) ? 0xFF : 0x00;
	uint64_t word_fill = fill ? ~0ull : 0, w;
	uint32_t i = s, x;

	x = (uint32_t)(bm[i >> 3] ^ fill) & (0xFFu >> (i & 7));
	i = (i | 7) + 1;
	while (!x && i < end) {
		if (!(i & 63) && end - i >= 64) {
			memcpy(&w, bm + (i >> 3), sizeof(w));
			if (w == word_fill) {
				i += 64;
				continue;
			}
		}
		x = (uint32_t)(bm[i >> 3] ^ fill);
		i += 8;
	}
	if (x)   /* i is past the byte holding the first differing bit */
		i = i - 8 + (uint32_t)__builtin_clz(x) - 24;
	return (i < end ? i : end) - s;
}

/* One run of same-bit sectors inside a block read, clipped to the bytes
 * asked for: [pos, *run_end) relative to the block; returns the bit. */
int vhd_bitmap_next_run(const uint8_t *bm, uint64_t pos, uint64_t stop,
			uint32_t end_sector, uint64_t *run_end)
{
	uint32_t s = (uint32_t)(pos / VHD_SECTOR);

	*run_end = (uint64_t)(s + vhd_bitmap_count_run(bm, s, end_sector)) *
		   VHD_SECTOR;
	if (*run_end > stop)
		*run_end = stop;
	return vhd_bit_test(bm, s);
}

/* The clear runs of [from, to) one by one: the fallback of a merged read. */
static int read_lower_runs(struct vhd *v, const uint8_t *bm, uint32_t boff,
			   uint64_t from, uint64_t to, uint32_t end_sector,
			   uint8_t *buf, uint64_t vbase)
{
	uint64_t pos, run_end;
	int rc = 0;

	for (pos = from; pos < to && !rc; pos = run_end)
		if (!vhd_bitmap_next_run(bm, pos, to, end_sector, &run_end))
			rc = read_lower(v, buf + (pos - boff),
					(size_t)(run_end - pos), vbase + pos);
	return rc;
}

/* Pass 1 of read_block: what this image lacks comes from below. Clear
 * runs closer than VHD_MERGE_GAP are fetched by one lower read across the
 * present run between them, which pass 2 then overwrites: copying a few
 * KiB twice costs less than one more pread in every lower layer (a chain
 * whose layers hold scattered 4 KiB writes otherwise turns a 1 MiB read
 * into one pread a piece in every layer, docs/benchmarks.md). If the
 * merged read fails, the runs are read alone, so that an error in what
 * this image covers cannot fail the read. */
static int read_block_lower(struct vhd *v, const uint8_t *bm, uint32_t boff,
			    uint32_t n, uint8_t *buf, uint64_t vbase)
{
	uint64_t stop = (uint64_t)boff + n, pos, run_end, from = 0, to = 0;
	uint32_t end = (uint32_t)((stop + VHD_SECTOR - 1) / VHD_SECTOR);
	int have = 0, rc = 0;

	for (pos = boff; pos < stop && !rc; pos = run_end) {
		if (vhd_bitmap_next_run(bm, pos, stop, end, &run_end))
			continue;
		if (have && pos - to <= VHD_MERGE_GAP) {
			to = run_end;
			continue;
		}
		if (have && read_lower(v, buf + (from - boff),
				       (size_t)(to - from), vbase + from))
			rc = read_lower_runs(v, bm, boff, from, to, end, buf,
					     vbase);
		from = pos;
		to = run_end;
		have = 1;
	}
	if (!rc && have && read_lower(v, buf + (from - boff),
				      (size_t)(to - from), vbase + from))
		rc = read_lower_runs(v, bm, boff, from, to, end, buf, vbase);
	return rc;
}

/* Pass 2: this image's own sectors, one pread a run, over pass 1. */
static int read_block_own(struct vhd *v, const uint8_t *bm, uint32_t blk,
			  uint32_t boff, uint32_t n, uint8_t *buf)
{
	uint64_t fbase = (uint64_t)v->bat[blk] * VHD_SECTOR + v->bitmap_bytes;
	uint64_t stop = (uint64_t)boff + n, pos, run_end;
	uint32_t end = (uint32_t)((stop + VHD_SECTOR - 1) / VHD_SECTOR);
	int rc = 0;

	for (pos = boff; pos < stop && !rc; pos = run_end)
		if (vhd_bitmap_next_run(bm, pos, stop, end, &run_end))
			rc = vhd_read_raw(v, buf + (pos - boff),
					  (size_t)(run_end - pos), fbase + pos);
	return rc;
}

static int read_block(struct vhd *v, uint32_t blk, uint32_t boff,
		      uint32_t n, uint8_t *buf)
{
	uint64_t vbase = (uint64_t)blk * v->block_size;
	uint32_t s0, end;
	uint8_t *bm;
	int rc;

	if (v->bat[blk] == VHD_BAT_UNUSED)
		return read_lower(v, buf, n, vbase + boff);
	rc = vhd_bitmap_get(v, blk, &bm);
	if (rc)
		return rc;
	s0 = boff / VHD_SECTOR;
	end = (uint32_t)(((uint64_t)boff + n + VHD_SECTOR - 1) / VHD_SECTOR);
	if (vhd_bitmap_count_run(bm, s0, end) == end - s0) {   /* one run */
		rc = vhd_bit_test(bm, s0) ?
		     vhd_read_raw(v, buf, n, (uint64_t)v->bat[blk] *
				  VHD_SECTOR + v->bitmap_bytes + boff) :
		     read_lower(v, buf, n, vbase + boff);
	} else {
		rc = read_block_lower(v, bm, boff, n, buf, vbase);
		if (!rc)
			rc = read_block_own(v, bm, blk, boff, n, buf);
	}
	if (rc)
		vhd_set_err(v->err, "read error in block %u", blk);
	return rc;
}

static int check_range(struct vhd *v, size_t len, uint64_t off)
{
	if (off > v->size || len > v->size - off) {
		vhd_set_err(v->err, "range %llu+%llu is past the disk end %llu",
			    (unsigned long long)off, (unsigned long long)len,
			    (unsigned long long)v->size);
		return -EINVAL;
	}
	return 0;
}

int vhd_read(struct vhd *v, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	uint32_t blk, boff, n;
	int rc = check_range(v, len, off);

	if (rc)
		return rc;
	if (v->type == VHD_TYPE_FIXED)
		return vhd_read_raw(v, buf, len, off);
	/* A host that reads many extents at once gets them (vhd_batch.c);
	 * if that fails, the runs one by one below give the error. */
	if (v->ops->read_batch && vhd_read_batched(v, buf, len, off) == 0)
		return 0;
	while (len) {
		blk = (uint32_t)(off / v->block_size);
		boff = (uint32_t)(off % v->block_size);
		n = v->block_size - boff < len ? v->block_size - boff :
		    (uint32_t)len;
		rc = read_block(v, blk, boff, n, p);
		if (rc)
			return rc;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Where a write's bytes come from: the caller's buffer, or (vhd_copy_in)
 * a range of another file open in the same table, which ops->copy moves
 * without it passing through our memory. */
struct wsrc {
	const uint8_t *buf;
	void *fh;
	uint64_t off;
};

static int put_data(struct vhd *v, const struct wsrc *src, size_t n,
		    uint64_t pos)
{
	if (src->buf)
		return vhd_write_raw(v, src->buf, n, pos);
	return v->ops->copy(v->ops->ctx, src->fh, src->off, v->fh, pos, n);
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* docs/ARCHITECTURE.md rule 7, in this order: (1) the footer at the new
 * end of file, (2) data and bitmap where the old footer was, flush, (3)
 * the BAT entry, flush.  Steps (1)-(2) happen here; the flush, BAT entry and flush happen
 * in vhd_flush, batched over every block allocated since the last one, as
 * a disk with a write cache acknowledges writes only at a cache flush.  A
 * crash before the BAT entry is durable leaves the old BAT, so the old
 * data; the footer copy at offset 0 covers a torn end footer. */
/* Where a new block's bitmap goes: so that its data start on a boundary
 * of block_size / 32 in the file (64 KiB for the default 2 MiB, at most
 * 64 KiB, at least a sector), which skips at most 1/32 of a block. Linux
 * caches an aligned range of the file in large folios, so that reading
 * it costs fewer page-cache lookups: measured on sequential 1 MiB reads
 * of a dynamic disk, 87-88 % of a raw file's speed with data at 4 KiB,
 * 94-96 % at 64 KiB (docs/benchmarks.md). The spec places a block at any
 * sector (its BAT entry is a sector offset, "Block Allocation Table"). */
static uint64_t alloc_where(const struct vhd *v)
{
	uint64_t align = v->block_size / 32, data;

	if (align > VHD_DATA_ALIGN)
		align = VHD_DATA_ALIGN;
	if (align < VHD_SECTOR)
		align = VHD_SECTOR;
	data = (v->alloc_pos + v->bitmap_bytes + align - 1) & ~(align - 1);
	return data - v->bitmap_bytes;
}

/* The old end footer, now inside the skipped sectors before a new block:
 * zeros, so that no stale footer stays in the file; the rest of the gap
 * was never written (a hole, reading as zeros). */
static int zero_pad(struct vhd *v, uint64_t pos)
{
	static const uint8_t zero[VHD_SECTOR];
	uint64_t n = pos - v->alloc_pos;

	if (n == 0)
		return 0;
	return vhd_write_raw(v, zero, (size_t)(n < VHD_SECTOR ? n : VHD_SECTOR),
			     v->alloc_pos);
}

static int alloc_block(struct vhd *v, uint32_t blk, uint32_t boff,
		       uint32_t n, const struct wsrc *src)
{
	uint64_t pos = alloc_where(v);
	uint64_t end = pos + v->bitmap_bytes + v->block_size;
	uint8_t *bm = calloc(1, v->bitmap_bytes);
	uint32_t s;
	int rc;

	if (!bm)
		return -ENOMEM;
	if (pos / VHD_SECTOR >= VHD_BAT_UNUSED) {
		rc = -EFBIG;
		goto out;
	}
	/* Dynamic: fresh space past the old end reads as zeros, so every
	 * sector may be marked present (as Hyper-V and qemu do).
	 * Differencing: only sectors really written, so the parent still
	 * shows through the others (spec "Block Bitmap"). */
	for (s = 0; s < v->spb; s++)
		if (v->type == VHD_TYPE_DYNAMIC ||
		    (s >= boff / VHD_SECTOR && s < (boff + n) / VHD_SECTOR))
			vhd_bit_set(bm, s);
	rc = vhd_write_raw(v, &v->ft, sizeof(v->ft), end);
	if (!rc)
		rc = put_data(v, src, n, pos + v->bitmap_bytes + boff);
	if (!rc)
		rc = zero_pad(v, pos);
	if (!rc)
		rc = vhd_write_raw(v, bm, v->bitmap_bytes, pos);
	if (rc)
		goto out;
	v->bat[blk] = (uint32_t)(pos / VHD_SECTOR);
	v->alloc_pos = end;
	v->file_size = end + VHD_SECTOR;
	v->allocated++;
	if (v->bm_cached >= VHD_BM_CACHE_MAX)
		vhd_bitmap_drop_all(v, 1);
	v->bm[blk] = bm;
	v->bm_cached++;
	mark_dirty(v, blk, VHD_DIRTY_BAT);
	return 0;
out:
	vhd_set_err(v->err, "allocating block %u failed: %s", blk,
		    strerror(-rc));
	free(bm);
	return rc;
}

/* Data now; the bitmap bits it sets are written by vhd_flush after the
 * data is durable, so the bitmap never names sectors not yet on disk. */
static int write_block(struct vhd *v, uint32_t blk, uint32_t boff,
		       uint32_t n, const struct wsrc *src)
{
	uint64_t base;
	uint32_t s, s0 = boff / VHD_SECTOR, s1 = (boff + n) / VHD_SECTOR;
	uint8_t *bm;
	int rc;

	if (v->bat[blk] == VHD_BAT_UNUSED) {
		if (v->type == VHD_TYPE_DYNAMIC && src->buf && all_zero(src->buf, n))
			return 0;  /* a hole already reads as zeros */
		return alloc_block(v, blk, boff, n, src);
	}
	base = (uint64_t)v->bat[blk] * VHD_SECTOR;
	rc = vhd_bitmap_get(v, blk, &bm);
	if (!rc)
		rc = put_data(v, src, n, base + v->bitmap_bytes + boff);
	for (s = s0; !rc && s < s1; s++)
		if (!vhd_bit_test(bm, s)) {
			vhd_bit_set(bm, s);
			mark_dirty(v, blk, VHD_DIRTY_BITMAP);
		}
	return rc;
}

/* An unaligned piece inside one block: read the partial edge sectors
 * (through the chain), merge, and write the whole sector range in one
 * write_block, so that a crash leaves this block all old or all new. */
static int write_unaligned(struct vhd *v, const uint8_t *buf, uint32_t n,
			   uint64_t off)
{
	uint64_t a = off & ~(uint64_t)(VHD_SECTOR - 1);
	uint64_t b = (off + n + VHD_SECTOR - 1) & ~(uint64_t)(VHD_SECTOR - 1);
	uint32_t len = (uint32_t)(b - a);
	uint8_t *tmp = malloc(len);
	int rc = tmp ? 0 : -ENOMEM;

	if (!rc && a != off)
		rc = vhd_read(v, tmp, VHD_SECTOR, a);
	if (!rc && b != off + n && (b - VHD_SECTOR != a || a == off))
		rc = vhd_read(v, tmp + len - VHD_SECTOR, VHD_SECTOR,
			      b - VHD_SECTOR);
	if (!rc) {
		memcpy(tmp + (off - a), buf, n);
		rc = write_block(v, (uint32_t)(a / v->block_size),
				 (uint32_t)(a % v->block_size), len,
				 &(struct wsrc){ .buf = tmp });
	}
	free(tmp);
	return rc;
}

/* A write's range is inside the disk and the image is open for writing
 * (vhd_write, vhd_copy_in). */
static int check_writable(struct vhd *v, size_t len, uint64_t off)
{
	int rc = check_range(v, len, off);

	if (!rc && !v->writable)
		return vhd_set_err(v->err, "image is open read-only"), -EROFS;
	return rc;
}

int vhd_write(struct vhd *v, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	uint32_t n;
	int rc = check_writable(v, len, off);

	if (rc)
		return rc;
	if (v->type == VHD_TYPE_FIXED || len == 0)
		return vhd_write_raw(v, buf, len, off);
	while (len && !rc) {
		n = v->block_size - (uint32_t)(off % v->block_size);
		if (n > len)
			n = (uint32_t)len;
		if ((off | n) % VHD_SECTOR)
			rc = write_unaligned(v, p, n, off);
		else
			rc = write_block(v, (uint32_t)(off / v->block_size),
					 (uint32_t)(off % v->block_size), n,
					 &(struct wsrc){ .buf = p });
		p += n;
		off += n;
		len -= n;
	}
	return rc;
}

/* vhd_write of n bytes at off taken from src_fh at src_off by ops->copy
 * (the merge's copy, vhd_merge_copy_block): sector-aligned, as the runs
 * of a block bitmap are; split at v's blocks, whose size need not be the
 * source's. */
int vhd_copy_in(struct vhd *v, void *src_fh, uint64_t src_off, uint32_t n,
		uint64_t off)
{
	struct wsrc src = { .fh = src_fh, .off = src_off };
	uint32_t k;
	int rc = check_writable(v, n, off);

	if (rc)
		return rc;
	if (!v->ops->copy || (off | n) % VHD_SECTOR)
		return vhd_set_err(v->err, "unaligned or no copy"), -EINVAL;
	if (v->type == VHD_TYPE_FIXED)
		return put_data(v, &src, n, off);
	for (; n && !rc; n -= k, off += k, src.off += k) {
		k = v->block_size - (uint32_t)(off % v->block_size);
		if (k > n)
			k = n;
		rc = write_block(v, (uint32_t)(off / v->block_size),
				 (uint32_t)(off % v->block_size), k, &src);
	}
	return rc;
}

/* A block leaves the BAT (written back by the next vhd_flush); its bitmap
 * is dropped, and any bitmap update pending for it with it. */
static void free_block(struct vhd *v, uint32_t blk)
{
	if (v->bat[blk] == VHD_BAT_UNUSED)
		return;
	v->bat[blk] = VHD_BAT_UNUSED;
	v->allocated--;
	if (v->bm[blk]) {
		free(v->bm[blk]);
		v->bm[blk] = NULL;
		v->bm_cached--;
	}
	mark_dirty(v, blk, VHD_DIRTY_BAT);
	v->dirty[blk] = VHD_DIRTY_BAT;
}

/* Zeros over the allocated parts of [off, off + len), which lies in one
 * block (holes of a dynamic image already read as zeros). */
static int zero_in_block(struct vhd *v, uint64_t off, uint64_t len)
{
	static const uint8_t zero[64 * 1024];
	int rc = 0;

	if (v->bat[off / v->block_size] == VHD_BAT_UNUSED)
		return 0;
	while (len && !rc) {
		uint32_t n = len < sizeof(zero) ? (uint32_t)len : sizeof(zero);

		rc = vhd_write(v, zero, n, off);
		off += n;
		len -= n;
	}
	return rc;
}

/* Discard on a dynamic image (SCSI UNMAP): every block wholly inside the
 * range is freed: its BAT entry goes back to unused, so it reads as zeros
 * again. Its bytes stay in the file, unreferenced (blocks are only ever
 * appended, so they are never handed out again; compacting is `vhd`
 * tooling's job). The rest of the range is written with zeros where it is
 * allocated, so that the whole range reads as zeros (LBPRZ). Fixed and
 * differencing images: -EOPNOTSUPP (a freed differencing block would show
 * the parent's data again). Durable on return: the BAT entries are written
 * by the vhd_flush here, in rule 7's order (data flush, BAT, flush). */
int vhd_discard(struct vhd *v, uint64_t off, uint64_t len)
{
	int rc = check_range(v, len, off);

	if (rc)
		return rc;
	if (!v->writable)
		return -EROFS;
	if (v->type != VHD_TYPE_DYNAMIC)
		return -EOPNOTSUPP;
	while (len && !rc) {
		uint64_t boff = off % v->block_size;
		uint64_t n = v->block_size - boff;

		if (n > len)
			n = len;
		if (boff == 0 && n == v->block_size)
			free_block(v, (uint32_t)(off / v->block_size));
		else
			rc = zero_in_block(v, off, n);
		off += n;
		len -= n;
	}
	return rc ? rc : vhd_flush(v);
}

static int write_back(struct vhd *v, uint32_t blk)
{
	uint64_t base = (uint64_t)v->bat[blk] * VHD_SECTOR;
	uint8_t be[4];
	int rc = 0;

	if (v->dirty[blk] & VHD_DIRTY_BITMAP)
		rc = vhd_write_raw(v, v->bm[blk], v->bitmap_bytes, base);
	if (!rc && (v->dirty[blk] & VHD_DIRTY_BAT)) {
		vhd_put_be32(be, v->bat[blk]);
		rc = vhd_write_raw(v, be, 4, v->bat_off + 4ull * blk);
	}
	return rc;
}

/* Flush, then the metadata that points at the now-durable data (bitmaps
 * of existing blocks, BAT entries of new ones), then flush again. */
int vhd_flush(struct vhd *v)
{
	uint32_t i;
	int rc;

	if (!v->writable)
		return 0;
	rc = v->ops->flush(v->ops->ctx, v->fh);
	if (rc || !v->ndirty)
		goto out;
	for (i = 0; !rc && i < v->ndirty; i++)
		rc = write_back(v, v->dirty_list[i]);
	if (!rc)
		rc = v->ops->flush(v->ops->ctx, v->fh);
	for (i = 0; !rc && i < v->ndirty; i++)
		v->dirty[v->dirty_list[i]] = 0;
	if (!rc)
		v->ndirty = 0;
out:
	if (rc)
		vhd_set_err(v->err, "flush failed: %s", strerror(-rc));
	return rc;
}

int vhd_query_allocated(struct vhd *v, uint64_t off, uint64_t len,
			int *allocated)
{
	uint32_t blk, boff, n, s0, s1;
	uint8_t *bm;
	int rc;

	*allocated = 0;
	if (check_range(v, (size_t)len, off))
		return -EINVAL;
	if (v->type == VHD_TYPE_FIXED) {
		*allocated = len > 0;
		return 0;
	}
	for (; len; off += n, len -= n) {
		blk = (uint32_t)(off / v->block_size);
		boff = (uint32_t)(off % v->block_size);
		n = v->block_size - boff < len ? v->block_size - boff :
		    (uint32_t)len;
		if (v->bat[blk] == VHD_BAT_UNUSED)
			continue;
		rc = vhd_bitmap_get(v, blk, &bm);
		if (rc)
			return rc;
		/* Every sector the bytes touch, even partly. */
		s0 = boff / VHD_SECTOR;
		s1 = (boff + n + VHD_SECTOR - 1) / VHD_SECTOR;
		if (vhd_bit_test(bm, s0) ||
		    vhd_bitmap_count_run(bm, s0, s1) < s1 - s0)
			return *allocated = 1, 0;
	}
	return 0;
}

int vhd_query_chain_allocated(struct vhd *v, uint64_t off, uint64_t len,
			      int *allocated)
{
	uint64_t n;
	int rc = 0;

	*allocated = 0;
	for (; v && !rc && !*allocated; v = v->parent) {
		if (off >= v->size)
			continue;
		n = v->size - off < len ? v->size - off : len;
		rc = vhd_query_allocated(v, off, n, allocated);
	}
	return rc;
}
