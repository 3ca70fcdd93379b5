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

/* Consistency check: calls report once per problem found; returns the
 * number of problems (0: clean) or a negative errno if it could not run. */
typedef void (*vhd_report_fn)(void *cb_ctx, const char *problem);
int vhd_check(const struct fio_ops *ops, const char *path, vhd_report_fn cb,
	      void *cb_ctx);

/* Wraps an open VHD (chain) as a block device; closing the blockdev closes
 * the VHD. */
int vhd_blockdev_wrap(struct vhd *v, int writable, struct blockdev *out);

#endif
