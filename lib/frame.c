/*
 * Bitmap frame allocator. Frame numbers below are relative to fa->base;
 * alignment requests are applied to absolute physical frame numbers.
 */
#include "lib/frame.h"

#include <errno.h>
#include <string.h>

/* hv's errno.h carries the Linux values; keep building if it lacks one. */
#ifndef EALREADY
#define EALREADY 114
#endif

static int bit_get(const uint64_t *map, uint64_t i)
{
	return (int)((map[i / 64] >> (i % 64)) & 1);
}

static void bit_set(uint64_t *map, uint64_t i)
{
	map[i / 64] |= 1ull << (i % 64);
}

static void bit_clear(uint64_t *map, uint64_t i)
{
	map[i / 64] &= ~(1ull << (i % 64));
}

int frame_init(struct frame_alloc *fa, uint64_t base, uint64_t npages,
	       uint64_t *bitmap, size_t bitmap_words)
{
	uint64_t words = (npages + 63) / 64;

	if ((base & (FRAME_SIZE - 1)) || npages == 0 ||
	    npages > (UINT64_MAX - base) / FRAME_SIZE + 1)
		return -EINVAL;
	if (bitmap_words < 2 * words)
		return -ENOSPC;
	memset(fa, 0, sizeof(*fa));
	fa->base = base;
	fa->npages = npages;
	fa->words = words;
	fa->managed = bitmap;
	fa->free = bitmap + words;
	memset(bitmap, 0, (size_t)(2 * words * sizeof(uint64_t)));
	return 0;
}

/*
 * Clip the frame-index range [first, last) to the window, from a byte
 * range. outward: round to cover partial frames; else only whole frames.
 */
static int frame_clip(const struct frame_alloc *fa, uint64_t pa, uint64_t size,
		      int outward, uint64_t *first, uint64_t *last)
{
	uint64_t end, lo, hi, win_end;

	if (size == 0 || pa + size < pa)
		return size == 0 ? 1 : -EINVAL;
	end = pa + size;                 /* may be 0 only on exact 2^64 wrap */
	win_end = fa->base + (fa->npages - 1) * FRAME_SIZE;   /* last frame */
	lo = outward ? pa & ~(FRAME_SIZE - 1)
		     : (pa + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
	if (!outward && lo < pa)
		return 1;                /* rounding up wrapped past 2^64 */
	hi = outward ? ((end - 1) & ~(FRAME_SIZE - 1))
		     : (end & ~(FRAME_SIZE - 1)) - FRAME_SIZE;
	if (!outward && (end & ~(FRAME_SIZE - 1)) <= lo)
		return 1;                /* no whole frame inside */
	/* [lo, hi] are the first and last frame addresses, inclusive. */
	if (hi < fa->base || lo > win_end)
		return 1;
	if (lo < fa->base)
		lo = fa->base;
	if (hi > win_end)
		hi = win_end;
	*first = (lo - fa->base) / FRAME_SIZE;
	*last = (hi - fa->base) / FRAME_SIZE + 1;
	return 0;
}

int64_t frame_add_free_range(struct frame_alloc *fa, uint64_t pa,
			     uint64_t size)
{
	uint64_t i, first, last;
	int64_t added = 0;
	int rc = frame_clip(fa, pa, size, 0, &first, &last);

	if (rc)
		return rc < 0 ? rc : 0;
	for (i = first; i < last; i++) {
		if (bit_get(fa->managed, i))
			continue;
		bit_set(fa->managed, i);
		bit_set(fa->free, i);
		added++;
	}
	fa->total += (uint64_t)added;
	fa->nfree += (uint64_t)added;
	if (added)
		fa->hint = first / 64;
	return added;
}

int frame_reserve_range(struct frame_alloc *fa, uint64_t pa, uint64_t size)
{
	uint64_t i, first, last;
	int rc = frame_clip(fa, pa, size, 1, &first, &last);

	if (rc)
		return rc < 0 ? rc : 0;
	for (i = first; i < last; i++)
		if (bit_get(fa->managed, i) && !bit_get(fa->free, i))
			return -EBUSY;
	for (i = first; i < last; i++) {
		if (!bit_get(fa->managed, i))
			continue;
		bit_clear(fa->managed, i);
		bit_clear(fa->free, i);
		fa->total--;
		fa->nfree--;
	}
	return 0;
}

static void frame_take(struct frame_alloc *fa, uint64_t i)
{
	bit_clear(fa->free, i);
	fa->nfree--;
}

int frame_alloc_page(struct frame_alloc *fa, uint64_t *pa)
{
	uint64_t n, w;

	if (fa->nfree == 0)
		return -ENOMEM;
	for (n = 0; n < fa->words; n++) {
		w = (fa->hint + n) % fa->words;
		if (fa->free[w]) {
			uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(fa->free[w]);

			frame_take(fa, i);
			fa->hint = w;
			*pa = fa->base + i * FRAME_SIZE;
			return 0;
		}
	}
	return -ENOMEM;     /* unreachable while nfree is consistent */
}

/* First relative index >= i whose absolute frame number is aligned. */
static uint64_t frame_align_idx(const struct frame_alloc *fa, uint64_t i,
				uint64_t align)
{
	uint64_t abs = fa->base / FRAME_SIZE + i;

	return i + ((align - (abs & (align - 1))) & (align - 1));
}

int frame_alloc_contig(struct frame_alloc *fa, uint64_t n,
		       uint64_t align_pages, uint64_t *pa)
{
	uint64_t i, j;

	if (align_pages == 0)
		align_pages = 1;
	if (n == 0 || (align_pages & (align_pages - 1)))
		return -EINVAL;
	if (n > fa->nfree)
		return -ENOMEM;
	i = frame_align_idx(fa, 0, align_pages);
	while (i < fa->npages && fa->npages - i >= n) {
		for (j = i; j < i + n; j++)
			if (!bit_get(fa->free, j))
				break;
		if (j == i + n) {
			for (j = i; j < i + n; j++)
				frame_take(fa, j);
			*pa = fa->base + i * FRAME_SIZE;
			return 0;
		}
		/* Skip past the busy frame: no run containing it can work. */
		i = frame_align_idx(fa, j + 1, align_pages);
	}
	return -ENOMEM;
}

/* Validate [pa, pa + npages frames) for freeing; *first gets the index. */
static int frame_check_free(const struct frame_alloc *fa, uint64_t pa,
			    uint64_t npages, uint64_t *first)
{
	uint64_t i, idx;

	if (pa & (FRAME_SIZE - 1))
		return -EINVAL;
	if (pa < fa->base || (pa - fa->base) / FRAME_SIZE >= fa->npages ||
	    npages > fa->npages - (pa - fa->base) / FRAME_SIZE)
		return -ERANGE;
	idx = (pa - fa->base) / FRAME_SIZE;
	for (i = idx; i < idx + npages; i++) {
		if (!bit_get(fa->managed, i))
			return -ENOENT;
		if (bit_get(fa->free, i))
			return -EALREADY;
	}
	*first = idx;
	return 0;
}

int frame_free_range(struct frame_alloc *fa, uint64_t pa, uint64_t npages)
{
	uint64_t i, first = 0;
	int rc = frame_check_free(fa, pa, npages, &first);

	if (rc)
		return rc;
	for (i = first; i < first + npages; i++) {
		bit_set(fa->free, i);
		if (fa->owners)
			fa->owners[i] = FRAME_OWNER_NONE;
	}
	fa->nfree += npages;
	if (npages && first / 64 < fa->hint)
		fa->hint = first / 64;
	return 0;
}

int frame_free_page(struct frame_alloc *fa, uint64_t pa)
{
	return frame_free_range(fa, pa, 1);
}

int frame_is_allocated(const struct frame_alloc *fa, uint64_t pa)
{
	uint64_t i;

	if (pa < fa->base || (pa - fa->base) / FRAME_SIZE >= fa->npages)
		return 0;
	i = (pa - fa->base) / FRAME_SIZE;
	return bit_get(fa->managed, i) && !bit_get(fa->free, i);
}

uint64_t frame_count_total(const struct frame_alloc *fa)
{
	return fa->total;
}

uint64_t frame_count_free(const struct frame_alloc *fa)
{
	return fa->nfree;
}

void frame_owner_attach(struct frame_alloc *fa, uint16_t *owners)
{
	uint64_t i;

	fa->owners = owners;
	for (i = 0; i < fa->npages; i++)
		owners[i] = FRAME_OWNER_NONE;
}

/* Range check shared by the owner calls; *first gets the index. */
static int frame_owner_range(const struct frame_alloc *fa, uint64_t pa,
			     uint64_t npages, uint64_t *first)
{
	if (!fa->owners)
		return -ENODEV;
	if (pa & (FRAME_SIZE - 1))
		return -EINVAL;
	if (pa < fa->base || (pa - fa->base) / FRAME_SIZE >= fa->npages ||
	    npages > fa->npages - (pa - fa->base) / FRAME_SIZE)
		return -ERANGE;
	*first = (pa - fa->base) / FRAME_SIZE;
	return 0;
}

int frame_owner_set(struct frame_alloc *fa, uint64_t pa, uint64_t npages,
		    uint16_t owner)
{
	uint64_t i, first = 0;
	int rc = frame_owner_range(fa, pa, npages, &first);

	if (rc)
		return rc;
	for (i = first; i < first + npages; i++)
		fa->owners[i] = owner;
	return 0;
}

int frame_owner_get(const struct frame_alloc *fa, uint64_t pa,
		    uint16_t *owner)
{
	uint64_t first = 0;
	int rc = frame_owner_range(fa, pa & ~(FRAME_SIZE - 1), 1, &first);

	if (rc)
		return rc;
	*owner = fa->owners[first];
	return 0;
}

int frame_owner_transfer(struct frame_alloc *fa, uint64_t pa,
			 uint64_t npages, uint16_t from, uint16_t to)
{
	uint64_t i, first = 0;
	int rc = frame_owner_range(fa, pa, npages, &first);

	if (rc)
		return rc;
	for (i = first; i < first + npages; i++)
		if (fa->owners[i] != from)
			return -EPERM;
	for (i = first; i < first + npages; i++)
		fa->owners[i] = to;
	return 0;
}
