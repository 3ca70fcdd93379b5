/* The VHD backend of the block-device interface. */
#include <errno.h>
#include <string.h>
#include "storage/vhd/vhd.h"

static int bd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return vhd_read(ctx, buf, len, off);
}

static int bd_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	return vhd_write(ctx, buf, len, off);
}

static int bd_flush(void *ctx)
{
	return vhd_flush(ctx);
}

static void bd_close(void *ctx)
{
	vhd_close(ctx);
}

static int bd_discard(void *ctx, uint64_t off, uint64_t len)
{
	return vhd_discard(ctx, off, len);
}

static const struct blockdev_ops vhd_bd_ops = {
	.read = bd_read, .write = bd_write, .flush = bd_flush,
	.close = bd_close,
};

/* Dynamic images can free blocks (SCSI UNMAP); fixed and differencing
 * ones offer no discard. */
static const struct blockdev_ops vhd_bd_dyn_ops = {
	.read = bd_read, .write = bd_write, .flush = bd_flush,
	.close = bd_close, .discard = bd_discard,
};

int vhd_blockdev_wrap(struct vhd *v, int writable, struct blockdev *out)
{
	struct vhd_info info;

	if (!v)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	vhd_get_info(v, &info);
	out->ops = info.type == VHD_TYPE_DYNAMIC ? &vhd_bd_dyn_ops : &vhd_bd_ops;
	out->ctx = v;
	out->size = vhd_get_size(v);
	out->sector_size = VHD_SECTOR;   /* VHD spec: 512-byte sectors */
	out->read_only = !writable;
	if (info.type == VHD_TYPE_DYNAMIC)
		out->discard_granularity = info.block_size;
	return 0;
}
