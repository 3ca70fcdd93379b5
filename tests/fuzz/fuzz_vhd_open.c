/* libFuzzer target: open, read (and lightly write) a VHD built from the
 * input bytes, over the in-memory file system, every read also through
 * the batched path, which must agree with it.  The same bytes also sit
 * under two other names so that parent locators can lead somewhere
 * (including back to the file itself: chain loops, wrong UUIDs). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "storage/vhd/vhd.h"
#include "tests/unit/storage/memfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same read through the batched path (vhd_batch.c, over
 * memfs_read_batch, which aborts on overlapping pieces) must give the
 * same result: rc, and the bytes when it succeeds. */
static void read_both(struct vhd *v, struct vhd *vb, size_t len,
		      uint64_t off)
{
	static uint8_t buf[1 << 16], bbuf[1 << 16];
	int rc = vhd_read(v, buf, len, off);

	if (vb && (vhd_read(vb, bbuf, len, off) != rc ||
		   (!rc && memcmp(buf, bbuf, len))))
		__builtin_trap();
}

static void exercise(struct vhd *v, struct vhd *vb, const uint8_t *data,
		     size_t size)
{
	uint64_t dsize = vhd_get_size(v), off;
	struct vhd_info in;
	int alloc, i;

	read_both(v, vb, dsize < (1 << 16) ? (size_t)dsize : (1 << 16), 0);
	if (dsize > (1 << 16))
		read_both(v, vb, 1 << 16, dsize - (1 << 16));
	for (i = 0; i + 8 <= (int)size && i < 64; i += 8) {
		memcpy(&off, data + i, 8);
		off %= dsize;
		read_both(v, vb, dsize - off < 4097 ? (size_t)(dsize - off) :
			  4097, off);
		vhd_query_allocated(v, off, 1, &alloc);
	}
	vhd_get_info(v, &in);
	(void)in;
}

static void try_write(struct memfs *fs, const uint8_t *data, size_t size)
{
	struct vhd_info in;
	struct vhd *v = NULL;
	uint8_t sec[1024];
	uint64_t off = 0;

	if (vhd_open(&fs->ops, "/f.vhd", VHD_OPEN_RDWR, &v, NULL))
		return;
	vhd_get_info(v, &in);
	if (in.block_size <= (2u << 20)) {
		memset(sec, 0xA5, sizeof(sec));
		if (size >= 8)
			memcpy(&off, data + size - 8, 8);
		off %= vhd_get_size(v);
		if (off + 700 > vhd_get_size(v))
			off = 0;
		if (vhd_write(v, sec, 700 < vhd_get_size(v) ? 700 : 1, off) ==
		    0)
			vhd_read(v, sec, 1, off);
		vhd_flush(v);
	}
	vhd_close(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct memfs fs;
	static struct fio_ops batch_ops;
	struct vhd *v = NULL, *vb = NULL;

	if (size > (4u << 20))
		return 0;
	memfs_init(&fs);
	memfs_put(&fs, "/f.vhd", data, size);
	memfs_put(&fs, "/p.vhd", data, size);
	memfs_put(&fs, "/d/p.vhd", data, size);
	batch_ops = fs.ops;
	batch_ops.read_batch = memfs_read_batch;
	if (vhd_open(&fs.ops, "/f.vhd", 0, &v, NULL) == 0) {
		vhd_open(&batch_ops, "/f.vhd", 0, &vb, NULL);
		exercise(v, vb, data, size);
		vhd_close(vb);
		vhd_close(v);
		try_write(&fs, data, size);
	}
	vhd_check(&fs.ops, "/f.vhd", NULL, NULL);
	memfs_free(&fs);
	return 0;
}
