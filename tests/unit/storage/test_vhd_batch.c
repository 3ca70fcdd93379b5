/* The batched read path (storage/vhd/vhd_batch.c) against the one-pread-
 * a-run path, over the in-memory file system: every read of a chain must
 * give the same bytes, the same return code and the same error message
 * with fio_ops.read_batch as without it, whatever the layers hold and
 * wherever a read fails. memfs_read_batch reads a batch last to first and
 * aborts if two pieces overlap, so an order the plan relied on, or a byte
 * planned twice, shows here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "storage/vhd/vhd.h"
#include "storage/vhd/vhd_priv.h"
#include "tests/unit/storage/memfs.h"

static struct memfs fs;
static struct fio_ops batch_ops;   /* fs.ops with read_batch */

static int setup(void **state)
{
	(void)state;
	memfs_init(&fs);
	batch_ops = fs.ops;
	batch_ops.read_batch = memfs_read_batch;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	memfs_free(&fs);
	return 0;
}

static uint32_t seed = 7;

static uint32_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static void fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(rnd() | 1);
}

static void mk(const char *path, int type, uint64_t size, uint32_t bs,
	       const char *parent)
{
	struct vhd_create_params p = { .type = type, .size = size,
				       .block_size = bs, .parent = parent };
	struct vhd_err err = { "" };

	assert_int_equal(vhd_create(&fs.ops, path, &p, &err), 0);
}

static struct vhd *op(const struct fio_ops *ops, const char *path,
		      unsigned flags)
{
	struct vhd_err err = { "" };
	struct vhd *v = NULL;
	int rc = vhd_open(ops, path, flags, &v, &err);

	if (rc)
		fprintf(stderr, "open %s: %s\n", path, err.msg);
	assert_int_equal(rc, 0);
	return v;
}

/* Pieces of 1 to 40 sectors at sector offsets, some with unaligned
 * edges (read-merge-write), so that each layer's runs interleave with the
 * others' at every granularity. */
static void scatter(struct vhd *v, uint8_t *model, size_t size, int n)
{
	uint8_t buf[40 * VHD_SECTOR];
	size_t off, len;
	int i;

	for (i = 0; i < n; i++) {
		len = (1 + rnd() % 40) * VHD_SECTOR;
		off = (rnd() % (size / VHD_SECTOR)) * VHD_SECTOR;
		if (i % 4 == 0) {
			off += rnd() % VHD_SECTOR;
			len -= rnd() % VHD_SECTOR;
		}
		if (off + len > size)
			len = size - off;
		fill(buf, len);
		assert_int_equal(vhd_write(v, buf, len, off), 0);
		memcpy(model + off, buf, len);
	}
}

/* Builds base (type base_type, block size bs[0]) and n - 1 differencing
 * layers, each with scattered writes; model holds the top's contents. */
static void mk_chain(const char *const *names, int n, int base_type,
		     const uint32_t *bs, size_t size, uint8_t *model, int writes)
{
	struct vhd *v;
	int i;

	memset(model, 0, size);
	for (i = 0; i < n; i++) {
		mk(names[i], i ? VHD_TYPE_DIFF : base_type, i ? 0 : size,
		   base_type == VHD_TYPE_FIXED && !i ? 0 : bs[i],
		   i ? names[i - 1] : NULL);
		v = op(&fs.ops, names[i], VHD_OPEN_RDWR);
		scatter(v, model, size, writes);
		assert_int_equal(vhd_flush(v), 0);
		vhd_close(v);
	}
}

/* One read through both paths: same rc, same bytes when it succeeds, the
 * same message when it fails. */
static int read_both(struct vhd *plain, struct vhd *batched, size_t len,
		     uint64_t off)
{
	uint8_t *a = malloc(len + 1), *b = malloc(len + 1);
	int ra, rb;

	assert_non_null(a);
	assert_non_null(b);
	ra = vhd_read(plain, a, len, off);
	rb = vhd_read(batched, b, len, off);
	assert_int_equal(ra, rb);
	if (!ra)
		assert_memory_equal(a, b, len);
	else
		assert_string_equal(vhd_get_error(plain),
				    vhd_get_error(batched));
	free(a);
	free(b);
	return ra;
}

/* Depth 4 with a different block size in each layer (runs of one layer
 * cross the blocks of another), on a dynamic and on a fixed base: random
 * unaligned ranges, the whole disk, and the model. */
static void test_batch_same_bytes(void **state)
{
	static const char *const names[] = { "/b/base.vhd", "/b/s1.vhd",
					     "/b/s2.vhd", "/b/s3.vhd" };
	const uint32_t bs[] = { 64 << 10, 16 << 10, 128 << 10, 4 << 10 };
	const size_t size = (1 << 20) + 5 * VHD_SECTOR;
	uint8_t *model = malloc(size), *buf = malloc(size);
	struct vhd *plain, *batched;
	size_t off, len;
	int t, k;

	(void)state;
	assert_non_null(model);
	assert_non_null(buf);
	for (t = 0; t < 2; t++) {
		mk_chain(names, 4, t ? VHD_TYPE_FIXED : VHD_TYPE_DYNAMIC, bs,
			 size, model, 150);
		plain = op(&fs.ops, names[3], 0);
		batched = op(&batch_ops, names[3], 0);
		fs.batches = 0;
		assert_int_equal(vhd_read(batched, buf, size, 0), 0);
		assert_memory_equal(buf, model, size);
		assert_true(fs.batches > 0);
		for (k = 0; k < 400; k++) {
			off = rnd() % size;
			len = rnd() % ((size - off < 200000 ? size - off :
					200000) + 1);
			assert_int_equal(read_both(plain, batched, len, off), 0);
			assert_int_equal(vhd_read(batched, buf, len, off), 0);
			assert_memory_equal(buf, model + off, len);
		}
		vhd_close(plain);
		vhd_close(batched);
		for (k = 0; k < 4; k++)
			assert_int_equal(fs.ops.remove(fs.ops.ctx, names[k]), 0);
	}
	free(model);
	free(buf);
}

/* A top smaller than its parent is impossible (a differencing disk has
 * its parent's size), but a dynamic layer over nothing and the zeros of
 * its holes are planned, not read: a hole-only read sends no batch. */
static void test_batch_holes(void **state)
{
	static const char *const names[] = { "/h/base.vhd", "/h/s1.vhd" };
	uint8_t buf[8192], zero[8192] = { 0 }, d[VHD_SECTOR];
	struct vhd *v;

	(void)state;
	mk(names[0], VHD_TYPE_DYNAMIC, 1 << 20, 16 << 10, NULL);
	mk(names[1], VHD_TYPE_DIFF, 0, 16 << 10, names[0]);
	v = op(&fs.ops, names[1], VHD_OPEN_RDWR);
	fill(d, sizeof(d));
	assert_int_equal(vhd_write(v, d, sizeof(d), 3 * VHD_SECTOR), 0);
	assert_int_equal(vhd_flush(v), 0);
	vhd_close(v);
	v = op(&batch_ops, names[1], 0);
	fs.batches = fs.batch_reads = 0;
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(vhd_read(v, buf, sizeof(buf), 64 << 10), 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_int_equal(fs.batches, 0);
	/* Zeros, s1's sector, zeros: one extent, a plain pread. */
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(vhd_read(v, buf, sizeof(buf), 0), 0);
	assert_memory_equal(buf, zero, 3 * VHD_SECTOR);
	assert_memory_equal(buf + 3 * VHD_SECTOR, d, sizeof(d));
	assert_memory_equal(buf + 4 * VHD_SECTOR, zero,
			    sizeof(buf) - 4 * VHD_SECTOR);
	assert_int_equal(fs.batches, 0);
	vhd_close(v);
}

/* One sector in two of s1 over a full base: a 1 MiB read is s1's 1,024
 * sectors and one extent of the base under all but the first
 * (vhd_batch.c's overlap), sent in batches of VHD_BATCH_MAX: the first
 * plan as two (the base's extent and s1's first sector, then 62 of s1's
 * sectors over them), then 15 of 64 of s1's sectors, the last one alone
 * a pread; and pieces of one file that continue each other are sent as
 * one extent. */
static void test_batch_many_extents(void **state)
{
	static const char *const names[] = { "/x/base.vhd", "/x/s1.vhd" };
	const size_t size = 1 << 20;
	uint8_t *model = malloc(size), *buf = malloc(size);
	struct vhd *v;
	size_t s;

	(void)state;
	assert_non_null(model);
	assert_non_null(buf);
	fill(model, size);
	mk(names[0], VHD_TYPE_DYNAMIC, size, 0, NULL);
	v = op(&fs.ops, names[0], VHD_OPEN_RDWR);
	assert_int_equal(vhd_write(v, model, size, 0), 0);
	assert_int_equal(vhd_flush(v), 0);
	vhd_close(v);
	mk(names[1], VHD_TYPE_DIFF, 0, 0, names[0]);
	v = op(&fs.ops, names[1], VHD_OPEN_RDWR);
	for (s = 0; s < size / VHD_SECTOR; s += 2) {
		fill(model + s * VHD_SECTOR, VHD_SECTOR);
		assert_int_equal(vhd_write(v, model + s * VHD_SECTOR,
					   VHD_SECTOR, s * VHD_SECTOR), 0);
	}
	assert_int_equal(vhd_flush(v), 0);
	vhd_close(v);
	v = op(&batch_ops, names[1], 0);
	fs.batches = fs.batch_reads = 0;
	assert_int_equal(vhd_read(v, buf, size, 0), 0);
	assert_memory_equal(buf, model, size);
	assert_int_equal(fs.batch_reads, 1024);
	assert_int_equal(fs.batches, 17);
	vhd_close(v);
	/* The base alone: its one block is one extent. So is the base under
	 * an empty child of 4 KiB blocks: 256 pieces of the base's file,
	 * each continuing the last, joined. */
	v = op(&batch_ops, names[0], 0);
	fs.batches = 0;
	assert_int_equal(vhd_read(v, buf, size, 0), 0);
	assert_int_equal(fs.batches, 0);
	vhd_close(v);
	mk("/x/t.vhd", VHD_TYPE_DIFF, 0, 4 << 10, names[0]);
	v = op(&batch_ops, "/x/t.vhd", 0);
	assert_int_equal(vhd_read(v, buf, size, 0), 0);
	assert_int_equal(fs.batches, 0);
	vhd_close(v);
	free(model);
	free(buf);
}

/* The image at depth layer (0: the base) of the chain under top. */
static struct vhd *layer_of(struct vhd *top, int depth, int layer)
{
	for (; depth > layer; depth--)
		top = vhd_get_parent(top);
	return top;
}

static void drop_bitmaps(struct vhd *v)
{
	for (; v; v = vhd_get_parent(v))
		vhd_bitmap_drop_all(v, 0);
}

/* A bad sector at 60 places of each file of a depth-3 chain (its data,
 * and the bitmaps of its first blocks): in a parent under the child's
 * data, both paths may read it in a parent's read across the child's
 * runs and then read again without it (the batch by the one-pread-a-run
 * path, which reads the runs alone), so both succeed; under data the
 * child lacks, or in the top's own, both fail alike. */
static void test_batch_bad_sectors(void **state)
{
	static const char *const names[] = { "/e/base.vhd", "/e/s1.vhd",
					     "/e/s2.vhd" };
	const uint32_t bs[] = { 64 << 10, 32 << 10, 16 << 10 };
	const size_t size = 512 << 10;
	uint8_t *model = malloc(size);
	struct vhd *plain, *batched, *l;
	uint64_t at;
	int layer, k, failed = 0, passed = 0;

	(void)state;
	assert_non_null(model);
	mk_chain(names, 3, VHD_TYPE_DYNAMIC, bs, size, model, 120);
	plain = op(&fs.ops, names[2], 0);
	batched = op(&batch_ops, names[2], 0);
	for (layer = 0; layer < 3; layer++) {
		l = layer_of(plain, 2, layer);
		fs.bad = memfs_lookup(&fs, names[layer]);
		for (k = 0; k < 60; k++) {
			at = rnd() % fs.bad->size;
			if (k < 4 && l->bat[k] != VHD_BAT_UNUSED)
				at = (uint64_t)l->bat[k] * VHD_SECTOR;
			fs.bad_off = at & ~(uint64_t)(VHD_SECTOR - 1);
			fs.bad_end = fs.bad_off + VHD_SECTOR;
			drop_bitmaps(plain);   /* so that both read them */
			drop_bitmaps(batched);
			if (read_both(plain, batched, size, 0))
				failed++;
			else
				passed++;
			read_both(plain, batched, 3000, at % (size - 3000));
		}
	}
	fs.bad = NULL;
	assert_true(failed > 0);
	assert_true(passed > 0);
	vhd_close(batched);
	vhd_close(plain);
	free(model);
}

/* An error in the last of several batches of one request (s1 holds every
 * other sector of 64 KiB: 128 extents, two batches), and parents cut
 * short under open chains (their reads run past the end: -EIO from
 * pread, a short read for a host). */
static void test_batch_late_errors(void **state)
{
	static const char *const names[] = { "/l/base.vhd", "/l/s1.vhd",
					     "/l/s2.vhd" };
	const uint32_t bs[] = { 64 << 10, 64 << 10, 16 << 10 };
	const size_t size = 256 << 10;
	uint8_t *model = malloc(size);
	struct vhd *plain, *batched;
	struct memfs_file *f;
	uint64_t at, was;
	int layer;

	(void)state;
	assert_non_null(model);
	mk_chain(names, 2, VHD_TYPE_DYNAMIC, bs, size, model, 40);
	plain = op(&fs.ops, names[1], VHD_OPEN_RDWR);
	for (at = 0; at < (64 << 10); at += 2 * VHD_SECTOR) {
		fill(model + at, VHD_SECTOR);
		assert_int_equal(vhd_write(plain, model + at, VHD_SECTOR, at),
				 0);
	}
	assert_int_equal(vhd_flush(plain), 0);
	vhd_close(plain);
	mk(names[2], VHD_TYPE_DIFF, 0, bs[2], names[1]);
	plain = op(&fs.ops, names[2], 0);
	batched = op(&batch_ops, names[2], 0);
	fs.bad = memfs_lookup(&fs, names[1]);
	fs.bad_off = (uint64_t)vhd_get_parent(batched)->bat[0] * VHD_SECTOR +
		     vhd_get_parent(batched)->bitmap_bytes + (60 << 10);
	fs.bad_end = fs.bad_off + VHD_SECTOR;
	fs.batches = 0;
	assert_int_equal(read_both(plain, batched, 64 << 10, 0), -EIO);
	assert_true(fs.batches >= 2);
	fs.bad = NULL;
	assert_int_equal(read_both(plain, batched, size, 0), 0);
	for (layer = 0; layer < 3; layer++) {
		f = memfs_lookup(&fs, names[layer]);
		was = f->size;
		f->size = f->size * 2 / 3;
		drop_bitmaps(plain);
		drop_bitmaps(batched);
		read_both(plain, batched, size, 0);
		read_both(plain, batched, 4096, size - 4096);
		f->size = was;
	}
	vhd_close(batched);
	vhd_close(plain);
	free(model);
}

/* Sector s of layer l as the overlap tests write it: never all zeros, and
 * different in every layer, so a byte from the wrong layer shows. */
static void layer_sector(uint8_t *p, int l, uint32_t s)
{
	uint32_t i;

	for (i = 0; i < VHD_SECTOR; i++)
		p[i] = (uint8_t)((l + 1) * 61 + s * 7 + i * 13);
	p[0] = (uint8_t)(0x80 | l);
}

/* Writes sectors [s, s + n) into layer l and records it as their owner. */
static void layer_put(struct vhd *v, int l, uint32_t s, uint32_t n,
		      int8_t *owner)
{
	uint8_t buf[VHD_SECTOR];
	uint32_t i;

	for (i = s; i < s + n; i++) {
		layer_sector(buf, l, i);
		assert_int_equal(vhd_write(v, buf, VHD_SECTOR,
					   (uint64_t)i * VHD_SECTOR), 0);
		owner[i] = (int8_t)l;
	}
}

/* The disk as the chain must show it, one sector at a time: the topmost
 * layer that wrote the sector, zeros where none did. */
static void build_reference(const int8_t *owner, uint32_t sectors,
			    uint8_t *ref)
{
	uint32_t s;

	for (s = 0; s < sectors; s++) {
		if (owner[s] < 0)
			memset(ref + (size_t)s * VHD_SECTOR, 0, VHD_SECTOR);
		else
			layer_sector(ref + (size_t)s * VHD_SECTOR, owner[s],
				     s);
	}
}

static struct vhd *layer_open_rw(const char *path, int type, uint64_t size,
				 uint32_t bs, const char *parent)
{
	mk(path, type, size, bs, parent);
	return op(&fs.ops, path, VHD_OPEN_RDWR);
}

static void layer_close(struct vhd *v)
{
	assert_int_equal(vhd_flush(v), 0);
	vhd_close(v);
}

/* A depth-3 chain whose upper layers hold pieces of 1 to 16 sectors
 * inside a lower layer's runs (a read of the lower layer may span them
 * and be overwritten by them) over a base with a hole and a half-written
 * block, some inside each other's pieces, each layer with its own block
 * size: every read, whole or across block boundaries, byte for byte
 * against the reference built sector by sector, and the same as the
 * one-pread-a-run path. */
static void test_batch_overlap_reference(void **state)
{
	static const char *const names[] = { "/o/base.vhd", "/o/s1.vhd",
					     "/o/s2.vhd", "/o/s3.vhd" };
	const uint32_t bs[] = { 64 << 10, 32 << 10, 16 << 10, 128 << 10 };
	const uint32_t sectors = (640 << 10) / VHD_SECTOR;
	const size_t size = (size_t)sectors * VHD_SECTOR;
	uint8_t *ref = malloc(size), *buf = malloc(size);
	int8_t *owner = malloc(sectors);
	uint32_t s, n, i, k, b;
	struct vhd *v, *plain, *batched;
	size_t off, len;
	int l;

	(void)state;
	assert_non_null(ref);
	assert_non_null(buf);
	assert_non_null(owner);
	memset(owner, -1, sectors);
	v = layer_open_rw(names[0], VHD_TYPE_DYNAMIC, size, bs[0], NULL);
	for (s = 0; s < sectors; s += 128)   /* block 3 a hole, 6 half */
		if (s / 128 != 3)
			layer_put(v, 0, s, s / 128 == 6 ? 64 : 128, owner);
	layer_close(v);
	for (l = 1; l < 4; l++) {
		v = layer_open_rw(names[l], VHD_TYPE_DIFF, 0, bs[l],
				  names[l - 1]);
		for (k = 0; k < (l == 3 ? 20u : 60u); k++) {
			n = 1 + rnd() % 16;
			s = rnd() % (sectors - n);
			layer_put(v, l, s, n, owner);
		}
		/* On the layer below's pieces: a sector inside one. */
		for (k = 0, s = 1; l > 1 && k < 10 && s + 1 < sectors; s++)
			if (owner[s - 1] == l - 1 && owner[s] == l - 1 &&
			    owner[s + 1] == l - 1) {
				layer_put(v, l, s, 1, owner);
				k++;
				s += 100;
			}
		layer_close(v);
	}
	build_reference(owner, sectors, ref);
	plain = op(&fs.ops, names[3], 0);
	batched = op(&batch_ops, names[3], 0);
	fs.batches = 0;
	assert_int_equal(vhd_read(batched, buf, size, 0), 0);
	assert_memory_equal(buf, ref, size);
	assert_true(fs.batches > 0);
	/* Across every block boundary of every layer. */
	for (b = 16 << 10; b < size; b += 16 << 10)
		for (i = 0; i < 3; i++) {
			off = b - (i ? rnd() % (20 << 10) : 1);
			len = (i ? rnd() % (150 << 10) : 2) + (b - off);
			if (off + len > size)
				len = size - off;
			assert_int_equal(read_both(plain, batched, len, off), 0);
			assert_int_equal(vhd_read(batched, buf, len, off), 0);
			assert_memory_equal(buf, ref + off, len);
		}
	vhd_close(plain);
	vhd_close(batched);
	free(ref);
	free(buf);
	free(owner);
}

/* A depth-2 chain of 64 KiB blocks (s2's of 32 KiB): base full, s1 holds
 * sectors 10, 19-21 and 30 of its first block and two in its second, s2
 * sector 20 (on s1's run) and 127-128 (across a block boundary of every
 * layer). */
static const char *const wave_names[] = { "/w/base.vhd", "/w/s1.vhd",
					  "/w/s2.vhd" };

static void mk_wave_chain(int8_t *owner, uint32_t sectors)
{
	struct vhd *v;

	memset(owner, -1, sectors);
	v = layer_open_rw(wave_names[0], VHD_TYPE_DYNAMIC,
			  (uint64_t)sectors * VHD_SECTOR, 64 << 10, NULL);
	layer_put(v, 0, 0, sectors, owner);
	layer_close(v);
	v = layer_open_rw(wave_names[1], VHD_TYPE_DIFF, 0, 64 << 10,
			  wave_names[0]);
	layer_put(v, 1, 10, 1, owner);
	layer_put(v, 1, 19, 3, owner);
	layer_put(v, 1, 30, 1, owner);
	layer_put(v, 1, 130, 2, owner);   /* in the next block */
	layer_close(v);
	v = layer_open_rw(wave_names[2], VHD_TYPE_DIFF, 0, 32 << 10,
			  wave_names[1]);
	layer_put(v, 2, 20, 1, owner);
	layer_put(v, 2, 127, 2, owner);   /* across s2's and base's blocks */
	layer_close(v);
}

/* Over mk_wave_chain: the base's block is one extent under all of the
 * first 32 KiB, s1's three runs land on it, s2's sector on s1's run:
 * three waves, each sent after the one under it (an extent alone is a
 * pread, so one batch: s1's three). */
static void test_batch_overlap_waves(void **state)
{
	const uint32_t sectors = (256 << 10) / VHD_SECTOR;
	uint8_t *ref = malloc((size_t)sectors * VHD_SECTOR);
	uint8_t *buf = malloc((size_t)sectors * VHD_SECTOR);
	int8_t owner[(256 << 10) / VHD_SECTOR];
	struct vhd *plain, *batched;

	(void)state;
	assert_non_null(ref);
	assert_non_null(buf);
	mk_wave_chain(owner, sectors);
	build_reference(owner, sectors, ref);
	batched = op(&batch_ops, wave_names[2], 0);
	fs.batches = fs.batch_reads = 0;
	assert_int_equal(vhd_read(batched, buf, 32 << 10, 0), 0);
	assert_memory_equal(buf, ref, 32 << 10);
	assert_int_equal(fs.batches, 1);
	assert_int_equal(fs.batch_reads, 3);
	/* Across the blocks of all three layers. */
	plain = op(&fs.ops, wave_names[2], 0);
	assert_int_equal(read_both(plain, batched, 80 << 10, 20 << 10), 0);
	assert_int_equal(vhd_read(batched, buf, (size_t)sectors * VHD_SECTOR,
				  0), 0);
	assert_memory_equal(buf, ref, (size_t)sectors * VHD_SECTOR);
	vhd_close(plain);
	vhd_close(batched);
	free(ref);
	free(buf);
}

/* The file offset of sector s in layer v's first block. */
static uint64_t sector_in_file(struct vhd *v, uint32_t s)
{
	return (uint64_t)v->bat[s / v->spb] * VHD_SECTOR + v->bitmap_bytes +
	       (uint64_t)(s % v->spb) * VHD_SECTOR;
}

/* Errors around small pieces over a lower layer's run, over
 * mk_wave_chain, each with the same result and message as the
 * one-pread-a-run path: a bad sector in an upper layer's piece (s1's
 * sectors 10 and 21, s2's 20) fails the read; one in the base where s1
 * or s2 hides it (sectors 30 and 20) does not (a read that spans it is
 * read again without it), and the bytes are the upper layer's; one they
 * do not hide (40) fails. */
static void test_batch_overlap_errors(void **state)
{
	const uint32_t sectors = (256 << 10) / VHD_SECTOR;
	uint8_t *ref = malloc((size_t)sectors * VHD_SECTOR);
	uint8_t *buf = malloc(64 << 10);
	int8_t owner[(256 << 10) / VHD_SECTOR];
	struct vhd *plain, *batched, *l;
	static const struct { int layer; uint32_t sector; int rc; } bad[] = {
		{ 1, 10, -EIO }, { 2, 20, -EIO }, { 1, 21, -EIO },
		{ 0, 30, 0 }, { 0, 20, 0 }, { 0, 40, -EIO },
	};
	size_t k;

	(void)state;
	assert_non_null(ref);
	assert_non_null(buf);
	mk_wave_chain(owner, sectors);
	build_reference(owner, sectors, ref);
	plain = op(&fs.ops, wave_names[2], 0);
	batched = op(&batch_ops, wave_names[2], 0);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		l = layer_of(batched, 2, bad[k].layer);
		fs.bad = memfs_lookup(&fs, wave_names[bad[k].layer]);
		fs.bad_off = sector_in_file(l, bad[k].sector);
		fs.bad_end = fs.bad_off + VHD_SECTOR;
		fs.batches = 0;
		assert_int_equal(read_both(plain, batched, 64 << 10, 0),
				 bad[k].rc);
		assert_true(fs.batches > 0);
		memset(buf, 0, 64 << 10);
		assert_int_equal(vhd_read(batched, buf, 64 << 10, 0),
				 bad[k].rc);
		if (!bad[k].rc)
			assert_memory_equal(buf, ref, 64 << 10);
	}
	fs.bad = NULL;
	vhd_close(plain);
	vhd_close(batched);
	free(ref);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_same_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_holes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_many_extents, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_bad_sectors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_late_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_overlap_reference,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_overlap_waves,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_overlap_errors,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
