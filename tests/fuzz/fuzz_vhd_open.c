/* libFuzzer target: open, read (and lightly write) a VHD built from the
 * input bytes, over the in-memory file system.  The same bytes also sit
 * under two other names so that parent locators can lead somewhere
 * (including back to the file itself: chain loops, wrong UUIDs). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "storage/vhd/vhd.h"
#include "tests/unit/storage/memfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(struct vhd *v, const uint8_t *data, size_t size)
{
	static uint8_t buf[1 << 16];
	uint64_t dsize = vhd_get_size(v), off;
	struct vhd_info in;
	int alloc, i;

	vhd_read(v, buf, dsize < sizeof(buf) ? (size_t)dsize : sizeof(buf), 0);
	if (dsize > sizeof(buf))
		vhd_read(v, buf, sizeof(buf), dsize - sizeof(buf));
	for (i = 0; i + 8 <= (int)size && i < 64; i += 8) {
		memcpy(&off, data + i, 8);
		off %= dsize;
		vhd_read(v, buf, dsize - off < 4097 ? (size_t)(dsize - off) :
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
	struct vhd *v = NULL;

	if (size > (4u << 20))
		return 0;
	memfs_init(&fs);
	memfs_put(&fs, "/f.vhd", data, size);
	memfs_put(&fs, "/p.vhd", data, size);
	memfs_put(&fs, "/d/p.vhd", data, size);
	if (vhd_open(&fs.ops, "/f.vhd", 0, &v, NULL) == 0) {
		exercise(v, data, size);
		vhd_close(v);
		try_write(&fs, data, size);
	}
	vhd_check(&fs.ops, "/f.vhd", NULL, NULL);
	memfs_free(&fs);
	return 0;
}
