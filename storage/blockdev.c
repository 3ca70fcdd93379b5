/* Block-device front end (bounds checks) and the RAM, file and view
 * backends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storage/blockdev.h"

static int in_range(const struct blockdev *bd, uint64_t off, size_t len)
{
	return off <= bd->size && len <= bd->size - off;
}

int blockdev_read(struct blockdev *bd, uint64_t off, void *buf, size_t len)
{
	if (!in_range(bd, off, len))
		return -EINVAL;
	return len ? bd->ops->read(bd->ctx, off, buf, len) : 0;
}

int blockdev_write(struct blockdev *bd, uint64_t off, const void *buf,
		   size_t len)
{
	if (bd->read_only)
		return -EROFS;
	if (!in_range(bd, off, len))
		return -EINVAL;
	return len ? bd->ops->write(bd->ctx, off, buf, len) : 0;
}

int blockdev_flush(struct blockdev *bd)
{
	return bd->read_only ? 0 : bd->ops->flush(bd->ctx);
}

int blockdev_discard(struct blockdev *bd, uint64_t off, uint64_t len)
{
	if (bd->read_only)
		return -EROFS;
	if (!bd->ops->discard)
		return -EOPNOTSUPP;
	if (off > bd->size || len > bd->size - off)
		return -EINVAL;
	return len ? bd->ops->discard(bd->ctx, off, len) : 0;
}

int blockdev_can_discard(const struct blockdev *bd)
{
	return bd->ops && bd->ops->discard && !bd->read_only;
}

uint64_t blockdev_get_size(const struct blockdev *bd)
{
	return bd->size;
}

uint32_t blockdev_get_sector_size(const struct blockdev *bd)
{
	return bd->sector_size;
}

void blockdev_close(struct blockdev *bd)
{
	if (bd->ops && bd->ops->close)
		bd->ops->close(bd->ctx);
	bd->ops = NULL;
	bd->ctx = NULL;
}

/* RAM backend. */
static int ram_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, (uint8_t *)ctx + off, len);
	return 0;
}

static int ram_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	memcpy((uint8_t *)ctx + off, buf, len);
	return 0;
}

static int ram_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static int ram_discard(void *ctx, uint64_t off, uint64_t len)
{
	memset((uint8_t *)ctx + off, 0, (size_t)len);
	return 0;
}

static const struct blockdev_ops ram_ops = {
	.read = ram_read, .write = ram_write, .flush = ram_flush,
	.close = free, .discard = ram_discard,
};

int blockdev_ram_create(uint64_t size, uint32_t sector_size,
			struct blockdev *out)
{
	void *mem;

	if (!sector_size || (sector_size & (sector_size - 1)) ||
	    size % sector_size || size != (size_t)size)
		return -EINVAL;
	mem = calloc(1, size ? (size_t)size : 1);
	if (!mem)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	out->ops = &ram_ops;
	out->ctx = mem;
	out->size = size;
	out->sector_size = sector_size;
	return 0;
}

/* File (or file region) backend, through struct fio_ops. */
struct file_bd {
	const struct fio_ops *ops;
	void *fh;
	uint64_t base;
};

static int file_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct file_bd *f = ctx;

	return f->ops->pread(f->ops->ctx, f->fh, buf, len, f->base + off);
}

static int file_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct file_bd *f = ctx;

	return f->ops->pwrite(f->ops->ctx, f->fh, buf, len, f->base + off);
}

static int file_flush(void *ctx)
{
	struct file_bd *f = ctx;

	return f->ops->flush(f->ops->ctx, f->fh);
}

static void file_close(void *ctx)
{
	struct file_bd *f = ctx;

	f->ops->close(f->ops->ctx, f->fh);
	free(f);
}

static const struct blockdev_ops file_ops = {
	.read = file_read, .write = file_write, .flush = file_flush,
	.close = file_close,
};

int blockdev_file_open(const struct fio_ops *ops, const char *path,
		       uint64_t base, uint64_t len, int writable,
		       struct blockdev *out)
{
	struct file_bd *f = calloc(1, sizeof(*f));
	uint64_t fsize = 0;
	int rc;

	if (!f)
		return -ENOMEM;
	f->ops = ops;
	f->base = base;
	rc = ops->open(ops->ctx, path, writable ? FIO_O_RDWR : 0, &f->fh);
	if (rc)
		goto fail;
	rc = ops->size(ops->ctx, f->fh, &fsize);
	if (!rc && (base > fsize || (len && len > fsize - base)))
		rc = -EINVAL;   /* region must lie inside the file */
	if (rc) {
		ops->close(ops->ctx, f->fh);
		goto fail;
	}
	memset(out, 0, sizeof(*out));
	out->ops = &file_ops;
	out->ctx = f;
	out->size = len ? len : fsize - base;
	out->sector_size = 512;
	out->read_only = !writable;
	return 0;
fail:
	free(f);
	return rc;
}

/* View backend: ctx is the device viewed. */
static int view_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return blockdev_read(ctx, off, buf, len);
}

static int view_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	return blockdev_write(ctx, off, buf, len);
}

static int view_flush(void *ctx)
{
	return blockdev_flush(ctx);
}

static void view_close(void *ctx)
{
	(void)ctx;          /* the device viewed stays open */
}

static int view_discard(void *ctx, uint64_t off, uint64_t len)
{
	return blockdev_discard(ctx, off, len);
}

static const struct blockdev_ops view_ops = {
	.read = view_read, .write = view_write, .flush = view_flush,
	.close = view_close,
};
static const struct blockdev_ops view_discard_ops = {
	.read = view_read, .write = view_write, .flush = view_flush,
	.close = view_close, .discard = view_discard,
};

int blockdev_view_open(struct blockdev *under, int writable, struct blockdev *out)
{
	if (!under || !under->ops)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->ops = under->ops->discard ? &view_discard_ops : &view_ops;
	out->ctx = under;
	out->size = under->size;
	out->sector_size = under->sector_size;
	out->read_only = !writable || under->read_only;
	out->discard_granularity = under->discard_granularity;
	return 0;
}
