/* blockdev: the block-device interface that device models (IDE, storvsp)
 * use.  A device sees a size, a sector size and byte-addressed read/write/
 * flush; it knows nothing of the disk format behind it.  Backends: RAM,
 * a file or a region of a file (through struct fio_ops), VHD
 * (storage/vhd/vhd.h, vhd_blockdev_wrap), and a view of another device
 * (a pass-through disk: the parent's disk registry keeps the driver's
 * device, a VM's disk is a view of it). */
#ifndef STORAGE_BLOCKDEV_H
#define STORAGE_BLOCKDEV_H

#include <stddef.h>
#include <stdint.h>
#include "storage/fio.h"

struct blockdev_ops {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	int (*flush)(void *ctx);
	void (*close)(void *ctx);
	/* Optional (NULL: not supported): the range no longer holds data
	 * and reads back as zeros afterwards (SCSI UNMAP with LBPRZ). */
	int (*discard)(void *ctx, uint64_t off, uint64_t len);
};

struct blockdev {
	const struct blockdev_ops *ops;
	void *ctx;
	uint64_t size;         /* bytes */
	uint32_t sector_size;  /* bytes, a power of two */
	int read_only;
	/* With discard: the unit in which it frees space (a dynamic VHD's
	 * block), bytes; 0 means a sector. Smaller pieces are zeroed. */
	uint32_t discard_granularity;
};

/* Bounds-checked entry points: -EINVAL past the end, -EROFS on a read-only
 * device; otherwise the backend's result. */
int blockdev_read(struct blockdev *bd, uint64_t off, void *buf, size_t len);
int blockdev_write(struct blockdev *bd, uint64_t off, const void *buf,
		   size_t len);
int blockdev_flush(struct blockdev *bd);
/* -EOPNOTSUPP when the backend has no discard; bounds as read/write. */
int blockdev_discard(struct blockdev *bd, uint64_t off, uint64_t len);
int blockdev_can_discard(const struct blockdev *bd);
uint64_t blockdev_get_size(const struct blockdev *bd);
uint32_t blockdev_get_sector_size(const struct blockdev *bd);
void blockdev_close(struct blockdev *bd);

/* RAM disk of size bytes, zero-filled. */
int blockdev_ram_create(uint64_t size, uint32_t sector_size,
			struct blockdev *out);
/* A file (len == 0: from base to the end of file) or a region of it. */
int blockdev_file_open(const struct fio_ops *ops, const char *path,
		       uint64_t base, uint64_t len, int writable,
		       struct blockdev *out);

/* A view of under: its size and sector size, reads, writes, flushes and
 * (when under has it) discard go to under through the checked entry
 * points above; read-only when !writable or under is. Closing the view
 * leaves under open; under must outlive it. 0 or -EINVAL (no device). */
int blockdev_view_open(struct blockdev *under, int writable, struct blockdev *out);

#endif
