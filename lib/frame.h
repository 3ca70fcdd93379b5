/*
 * Physical frame allocator: a bitmap over [base, base + npages * 4 KiB).
 *
 * Every frame is in one of three states: unmanaged (never added, or taken
 * out again by frame_reserve_range), free, or allocated. Two bitmaps in
 * caller storage record "managed" and "free"; nothing is allocated here.
 * An optional u16-per-frame owner array (caller storage) records who owns
 * each page (docs/ARCHITECTURE.md rule 1: one owner per page).
 *
 * Not thread-safe; callers serialise. One copy for hv (its RAM and its
 * pool), the parent (the pages it gives children) and the host tests.
 */
#ifndef LIB_FRAME_H
#define LIB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_SHIFT 12
#define FRAME_SIZE  (1ull << FRAME_SHIFT)

/* uint64_t words of bitmap storage frame_init needs for npages frames. */
#define FRAME_BITMAP_WORDS(npages) (2 * (((uint64_t)(npages) + 63) / 64))

/* Owner ids for frame_owner_set/get. */
#define FRAME_OWNER_NONE      0u   /* free / unassigned */
#define FRAME_OWNER_HV        1u
#define FRAME_OWNER_PARENT    2u
#define FRAME_OWNER_CHILD(id) (3u + (uint16_t)(id))  /* id < 65533 */

struct frame_alloc {
	uint64_t base;        /* physical address of frame 0, 4 KiB aligned */
	uint64_t npages;
	uint64_t words;       /* words per bitmap */
	uint64_t *managed;    /* bit set: frame was added (free or allocated) */
	uint64_t *free;       /* bit set: frame is free */
	uint16_t *owners;     /* NULL until frame_owner_attach */
	uint64_t total;       /* managed frames */
	uint64_t nfree;       /* free frames */
	uint64_t hint;        /* word where the next single-page search starts */
};

/*
 * Set up an allocator with every frame unmanaged. bitmap must hold
 * FRAME_BITMAP_WORDS(npages) words (given as bitmap_words).
 * -EINVAL: base unaligned, npages 0, or base + size wraps; -ENOSPC: bitmap
 * too small.
 */
int frame_init(struct frame_alloc *fa, uint64_t base, uint64_t npages,
	       uint64_t *bitmap, size_t bitmap_words);

/*
 * Make the whole frames inside [pa, pa + size) free (start rounded up, end
 * rounded down, clipped to the allocator's window). Frames already managed
 * are left as they are, so overlapping firmware map entries are harmless.
 * Returns the number of frames added (>= 0) or -EINVAL if the range wraps.
 */
int64_t frame_add_free_range(struct frame_alloc *fa, uint64_t pa,
			     uint64_t size);

/*
 * Take every frame touching [pa, pa + size) out of the allocator (rounded
 * outward, clipped). -EBUSY and no change if one of them is allocated.
 */
int frame_reserve_range(struct frame_alloc *fa, uint64_t pa, uint64_t size);

/* One frame; *pa receives its address. -ENOMEM if none is free. */
int frame_alloc_page(struct frame_alloc *fa, uint64_t *pa);

/*
 * n physically contiguous frames whose first address is a multiple of
 * align_pages * 4 KiB (align_pages a power of two; 0 means 1).
 * -EINVAL for bad arguments, -ENOMEM if no such run is free.
 */
int frame_alloc_contig(struct frame_alloc *fa, uint64_t n,
		       uint64_t align_pages, uint64_t *pa);

/*
 * Return frames. -EINVAL unaligned, -ERANGE outside the window, -ENOENT a
 * frame that was never added (or was reserved), -EALREADY a frame that is
 * already free (double free). On error nothing changes. Freeing resets the
 * frame's owner to FRAME_OWNER_NONE.
 */
int frame_free_page(struct frame_alloc *fa, uint64_t pa);
int frame_free_range(struct frame_alloc *fa, uint64_t pa, uint64_t npages);

/* True if pa's frame is managed and allocated. */
int frame_is_allocated(const struct frame_alloc *fa, uint64_t pa);

uint64_t frame_count_total(const struct frame_alloc *fa);
uint64_t frame_count_free(const struct frame_alloc *fa);

/* Attach owner storage (npages u16s); every frame starts FRAME_OWNER_NONE. */
void frame_owner_attach(struct frame_alloc *fa, uint16_t *owners);

/* Set the owner of npages frames from pa. -EINVAL/-ERANGE as above,
 * -ENODEV if no owner array is attached. */
int frame_owner_set(struct frame_alloc *fa, uint64_t pa, uint64_t npages,
		    uint16_t owner);
int frame_owner_get(const struct frame_alloc *fa, uint64_t pa,
		    uint16_t *owner);

/*
 * Move npages frames from owner `from` to owner `to`, all or nothing:
 * -EPERM (and no change) if any frame is not owned by `from`.
 */
int frame_owner_transfer(struct frame_alloc *fa, uint64_t pa,
			 uint64_t npages, uint16_t from, uint16_t to);

#endif /* LIB_FRAME_H */
