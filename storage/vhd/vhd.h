/* VHD disk images: fixed, dynamic and differencing (VHD spec 2006).
 * All file access goes through struct fio_ops, so the same code runs in host
 * tools and in the parent partition.  Every function returns 0 or a negative
 * errno; a failed open/create/merge/check also fills a one-line reason.
 *
 * Durability: like a disk with a write cache, vhd_write's data is durable
 * only after vhd_flush returns 0 (which also writes the BAT entries and
 * bitmaps that point at it, in docs/ARCHITECTURE.md rule 7's order).
 * vhd_close flushes.  Locking: none inside; callers serialise calls on one
 * chain. */
#ifndef STORAGE_VHD_H
#define STORAGE_VHD_H

#include <stddef.h>
#include <stdint.h>
#include "storage/fio.h"
#include "storage/blockdev.h"
#include "storage/vhd/vhd_format.h"

#define VHD_MAX_DEPTH 32            /* longest differencing chain we follow */
#define VHD_DEFAULT_BLOCK (2u << 20)
#define VHD_ERR_LEN 256

struct vhd;

struct vhd_err {
	char msg[VHD_ERR_LEN];
};

enum {
	VHD_OPEN_RDWR = 1u << 0,   /* open the top image for writing */
};

/* Decoded metadata of one image, for `vhd info`. */
struct vhd_info {
	int type;                  /* enum vhd_disk_type */
	uint64_t cur_size, orig_size, file_size;
	uint16_t cylinders;
	uint8_t heads, spt;
	uint8_t uuid[16];
	char creator_app[5];
	uint32_t creator_ver;
	char creator_os[5];
	uint32_t timestamp;        /* seconds since 2000-01-01 */
	uint32_t block_size;       /* 0 for fixed */
	uint32_t max_entries, allocated_blocks;
	uint8_t parent_uuid[16];
	int used_footer_copy;      /* end-of-file footer was bad */
};

int vhd_open(const struct fio_ops *ops, const char *path, unsigned flags,
	     struct vhd **out, struct vhd_err *err);
void vhd_close(struct vhd *v);

int vhd_read(struct vhd *v, void *buf, size_t len, uint64_t off);
int vhd_write(struct vhd *v, const void *buf, size_t len, uint64_t off);
int vhd_flush(struct vhd *v);
/* Dynamic images only (-EOPNOTSUPP otherwise): blocks wholly inside the
 * range are freed (read as zeros; file space not reclaimed), the rest is
 * zeroed where allocated. Flushes before returning. */
int vhd_discard(struct vhd *v, uint64_t off, uint64_t len);

uint64_t vhd_get_size(const struct vhd *v);
void vhd_get_info(const struct vhd *v, struct vhd_info *info);
const char *vhd_get_path(const struct vhd *v);
struct vhd *vhd_get_parent(const struct vhd *v);   /* NULL at chain end */
const char *vhd_get_error(const struct vhd *v);
/* Is the byte range [off, off+len) stored in this image itself (not its
 * parent, not a hole)?  *allocated is set to 1 if any sector is. */
int vhd_query_allocated(struct vhd *v, uint64_t off, uint64_t len,
			int *allocated);
/* The same over the whole chain: 0 means the range reads as zeros. */
int vhd_query_chain_allocated(struct vhd *v, uint64_t off, uint64_t len,
			      int *allocated);

struct vhd_create_params {
	int type;                  /* VHD_TYPE_FIXED / _DYNAMIC / _DIFF */
	uint64_t size;             /* bytes, multiple of 512 (ignored for diff) */
	uint32_t block_size;       /* 0: 2 MiB */
	const char *parent;        /* differencing only: parent's path */
};

int vhd_create(const struct fio_ops *ops, const char *path,
	       const struct vhd_create_params *p, struct vhd_err *err);

/* Spec appendix "CHS Calculation". */
void vhd_calc_chs(uint64_t sectors, uint16_t *cyl, uint8_t *heads,
		  uint8_t *spt);
uint32_t vhd_calc_checksum(const uint8_t *buf, size_t len, size_t csum_off);

/* Merge a differencing child into its parent, then delete the child.
 * Progress is kept in "<child>.merge" so an interrupted merge resumes. */
typedef void (*vhd_progress_fn)(void *cb_ctx, uint64_t done, uint64_t total);
int vhd_merge(const struct fio_ops *ops, const char *child, vhd_progress_fn cb,
	      void *cb_ctx, struct vhd_err *err);
/* -ENOENT when no merge of child is under way. */
int vhd_merge_get_progress(const struct fio_ops *ops, const char *child,
		       uint32_t *done, uint32_t *total);

/* Live merge (vhd_live.c): merges mid, a differencing ancestor of an
 * open chain's top, into mid's parent (base) while the chain stays in
 * use, then deletes mid; Hyper-V's deletion of a running VM's snapshot.
 * The chain's user calls begin, then step between its own vhd_read and
 * vhd_write calls on top (same thread), then finish; no read through
 * top ever returns other data than it would without the merge. Progress
 * and the phase are kept in "<child>.lmerge", child being the image whose
 * parent mid is, so that a merge a crash interrupted resumes: vhd_open
 * reads a chain that a crash left in any state as it was, and resume
 * picks the merge up. Neither mid nor base may be used by any other chain
 * (the caller's claims, vhd_claim.h), and base must stay read-only to
 * everyone else until finish returns. */
struct vhd_live_merge;

/* Prepares merging mid (an image of top's chain with a parent, top
 * excluded) into its parent: opens base for writing through top's
 * fio_ops, writes the record. A record of an earlier, stopped merge of
 * the same mid continues where it stood. -EINVAL: mid is not such an
 * image; -EBUSY: another merge is under way in the chain, or this one
 * is being finished (resume it); -ENOSPC: the child has no W2ku/W2ru
 * locator area that can hold base's path. */
int vhd_live_merge_begin(struct vhd *top, struct vhd *mid,
			 struct vhd_live_merge **out, struct vhd_err *err);
/* Copies the present sectors of mid's next allocated blocks, at most
 * nblocks of them (unallocated blocks cost nothing), into base. 0: more
 * to do; 1: everything is copied (call finish); < 0: error, the merge
 * stays where it was (step again, or stop). */
int vhd_live_merge_step(struct vhd_live_merge *lm, uint32_t nblocks,
			struct vhd_err *err);
/* Copies whatever is left, then moves the child onto base (on disk, then
 * in memory: the child's parent becomes base, read again from disk, and
 * mid is closed: pointers to mid die here), then deletes mid and the
 * record. top stays open and usable. Frees lm whatever the outcome; on
 * error the chain reads as before, and resume finishes the rest. */
int vhd_live_merge_finish(struct vhd_live_merge *lm, struct vhd_err *err);
/* Stops a merge to resume it later (before closing the chain): makes
 * its progress durable and frees lm. */
int vhd_live_merge_stop(struct vhd_live_merge *lm);
/* After a crash or a stop: completes any merge of top's chain that was
 * past copying, and returns in *out one still copying (then step and
 * finish it), or NULL when none is under way. */
int vhd_live_merge_resume(struct vhd *top, struct vhd_live_merge **out,
			  struct vhd_err *err);
/* Blocks of mid done and in all ("Merging (37 %)"). */
void vhd_live_merge_get_progress(const struct vhd_live_merge *lm,
				 uint32_t *done, uint32_t *total);
/* The same from the record of child's merge, without an open chain;
 * -ENOENT when none is under way. */
int vhd_live_merge_query(const struct fio_ops *ops, const char *child,
			 uint32_t *done, uint32_t *total);

/* Consistency check: calls report once per problem found; returns the
 * number of problems (0: clean) or a negative errno if it could not run. */
typedef void (*vhd_report_fn)(void *cb_ctx, const char *problem);
int vhd_check(const struct fio_ops *ops, const char *path, vhd_report_fn cb,
	      void *cb_ctx);

/* Wraps an open VHD (chain) as a block device; closing the blockdev closes
 * the VHD. */
int vhd_blockdev_wrap(struct vhd *v, int writable, struct blockdev *out);

#endif
