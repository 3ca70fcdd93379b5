/* Unit tests for storage/: VHD create/open/read/write/chains/merge/check
 * and the blockdev backends, over the in-memory file system. */
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

static int setup(void **state)
{
	(void)state;
	memfs_init(&fs);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	memfs_free(&fs);
	return 0;
}

static uint32_t seed = 1;

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
	int rc = vhd_create(&fs.ops, path, &p, &err);

	if (rc)
		fprintf(stderr, "create %s: %s\n", path, err.msg);
	assert_int_equal(rc, 0);
}

static struct vhd *op(const char *path, unsigned flags)
{
	struct vhd_err err = { "" };
	struct vhd *v = NULL;
	int rc = vhd_open(&fs.ops, path, flags, &v, &err);

	if (rc)
		fprintf(stderr, "open %s: %s\n", path, err.msg);
	assert_int_equal(rc, 0);
	return v;
}

/* Opening must fail with rc and a reason containing word. */
static void open_fails(const char *path, int rc, const char *word)
{
	struct vhd_err err = { "" };
	struct vhd *v = NULL;
	int got = vhd_open(&fs.ops, path, 0, &v, &err);

	if (got != rc || !strstr(err.msg, word))
		fprintf(stderr, "open %s: rc %d msg '%s' (want %d '%s')\n",
			path, got, err.msg, rc, word);
	assert_int_equal(got, rc);
	assert_non_null(strstr(err.msg, word));
	assert_null(v);
}

static void expect_content(struct vhd *v, const uint8_t *model, size_t size)
{
	uint8_t *buf = malloc(size);

	assert_non_null(buf);
	assert_int_equal(vhd_read(v, buf, size, 0), 0);
	assert_memory_equal(buf, model, size);
	free(buf);
}

static void test_chs(void **state)
{
	uint16_t c;
	uint8_t h, s;

	(void)state;
	/* Values from the spec's algorithm, cross-checked with qemu-img by
	 * tests/unit/storage/oracle_qemu.sh. */
	vhd_calc_chs(20480, &c, &h, &s);       /* 10 MiB */
	assert_true(c == 301 && h == 4 && s == 17);
	vhd_calc_chs(2048, &c, &h, &s);        /* 1 MiB */
	assert_true(c == 30 && h == 4 && s == 17);
	vhd_calc_chs(65535ull * 16 * 255, &c, &h, &s);
	assert_true(c == 65535 && h == 16 && s == 255);
	vhd_calc_chs(0xFF000000ull, &c, &h, &s); /* 2040 GiB: capped */
	assert_true(c == 65535 && h == 16 && s == 255);
	vhd_calc_chs(65535ull * 16 * 63, &c, &h, &s);
	assert_true(h == 16 && s == 255);
	vhd_calc_chs(65535ull * 16 * 63 - 1, &c, &h, &s);
	assert_true(h == 16 && s == 63 && c == 65534);
}

static void test_paths(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(vhd_path_join("/a/b", "../c.vhd", out, sizeof(out)),
			 0);
	assert_string_equal(out, "/a/c.vhd");
	vhd_path_join(".", "./x.vhd", out, sizeof(out));
	assert_string_equal(out, "x.vhd");
	vhd_path_join("..", "../x.vhd", out, sizeof(out));
	assert_string_equal(out, "../../x.vhd");
	vhd_path_join("/", "../x.vhd", out, sizeof(out));
	assert_string_equal(out, "/x.vhd");
	vhd_path_join("/a//b/.", "c/./../d.vhd", out, sizeof(out));
	assert_string_equal(out, "/a/b/d.vhd");
	vhd_path_make_relative("/a/b/c/kid.vhd", "/a/x/p.vhd", out, sizeof(out));
	assert_string_equal(out, "./../../x/p.vhd");
	vhd_path_make_relative("/a/kid.vhd", "/a/p.vhd", out, sizeof(out));
	assert_string_equal(out, "./p.vhd");
	vhd_path_from_windows("C:\\dir\\p.vhd", out, sizeof(out));
	assert_string_equal(out, "/dir/p.vhd");
	assert_int_equal(vhd_path_join("/a", "b", out, 4), -ENAMETOOLONG);
	/* UTF-16 both ways, with a surrogate pair. */
	{
		const char *name = "d\xc3\xa4\xf0\x9f\x98\x80.vhd";
		uint8_t u[64];
		size_t n;
		int be;

		for (be = 0; be < 2; be++) {
			memset(u, 0, sizeof(u));
			n = vhd_utf16_encode(name, be, u, sizeof(u));
			assert_int_equal(n, 2 * 8);   /* d ä (hi lo) . v h d */
			assert_int_equal(u[be ? 4 : 5], 0xD8);  /* U+D83D */
			assert_int_equal(vhd_utf16_detect_le(u, sizeof(u)),
					 !be);
			vhd_utf16_decode(u, sizeof(u), be, out, sizeof(out));
			assert_string_equal(out, name);
		}
	}
}

static void test_checksum(void **state)
{
	struct vhd_footer f;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.cookie[0] = 1;
	f.uuid[0] = 2;
	/* ~(1 + 2) */
	assert_int_equal(vhd_calc_checksum((uint8_t *)&f, sizeof(f),
			 offsetof(struct vhd_footer, checksum)), 0xFFFFFFFCu);
	f.checksum[0] = 0xFF; /* excluded from the sum */
	assert_int_equal(vhd_calc_checksum((uint8_t *)&f, sizeof(f),
			 offsetof(struct vhd_footer, checksum)), 0xFFFFFFFCu);
}

static void test_create_layouts(void **state)
{
	struct memfs_file *f;
	struct vhd_info in;
	struct vhd *v;

	(void)state;
	mk("/f.vhd", VHD_TYPE_FIXED, 1 << 20, 0, NULL);
	mk("/d.vhd", VHD_TYPE_DYNAMIC, 10 << 20, 0, NULL);
	f = memfs_lookup(&fs, "/f.vhd");
	assert_int_equal(f->size, (1 << 20) + 512);   /* spec: size + 512 */
	f = memfs_lookup(&fs, "/d.vhd");
	/* footer copy, header, BAT (5 entries -> 1 sector), footer */
	assert_int_equal(f->size, 512 + 1024 + 512 + 512);
	assert_memory_equal(f->data, f->data + f->size - 512, 512);
	assert_int_equal(vhd_be32(f->data + 1536), VHD_BAT_UNUSED);
	v = op("/d.vhd", 0);
	vhd_get_info(v, &in);
	assert_int_equal(in.type, VHD_TYPE_DYNAMIC);
	assert_int_equal(in.cur_size, 10 << 20);
	assert_true(in.cylinders == 301 && in.heads == 4 && in.spt == 17);
	assert_int_equal(in.block_size, 2 << 20);
	assert_int_equal(in.allocated_blocks, 0);
	assert_memory_equal(in.creator_os, "Wi2k", 4);
	assert_int_equal(in.uuid[6] >> 4, 4);
	vhd_close(v);
	/* Refusals: existing file, bad size, bad block size, too big. */
	{
		struct vhd_create_params p = { .type = VHD_TYPE_DYNAMIC,
					       .size = 1 << 20 };
		struct vhd_err e;

		assert_int_equal(vhd_create(&fs.ops, "/d.vhd", &p, &e),
				 -EEXIST);
		p.size = 1000;
		assert_int_equal(vhd_create(&fs.ops, "/x.vhd", &p, &e),
				 -EINVAL);
		p.size = 1 << 20;
		p.block_size = 3 << 20;
		assert_int_equal(vhd_create(&fs.ops, "/x.vhd", &p, &e),
				 -EINVAL);
		assert_non_null(strstr(e.msg, "power of two"));
		p.block_size = 0;
		p.size = VHD_MAX_SIZE + 512;
		assert_int_equal(vhd_create(&fs.ops, "/x.vhd", &p, &e),
				 -EFBIG);
	}
}

/* Random byte-granular writes against a model buffer. */
static void random_io(struct vhd *v, uint8_t *model, size_t size, int n)
{
	uint8_t *buf = malloc(size);
	size_t off, len;
	int i;

	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		off = rnd() % size;
		len = 1 + rnd() % (size - off < 70000 ? size - off : 70000);
		if (i % 5 == 0)
			memset(buf, 0, len);   /* zero writes too */
		else
			fill(buf, len);
		assert_int_equal(vhd_write(v, buf, len, off), 0);
		memcpy(model + off, buf, len);
		off = rnd() % size;
		len = rnd() % (size - off + 1);
		assert_int_equal(vhd_read(v, buf, len, off), 0);
		assert_memory_equal(buf, model + off, len);
	}
	free(buf);
	expect_content(v, model, size);
}

static void test_rw_fixed_dynamic(void **state)
{
	const size_t size = (3 << 20) + 1536;   /* partial last block */
	uint8_t *model = calloc(1, size);
	const int types[] = { VHD_TYPE_FIXED, VHD_TYPE_DYNAMIC };
	const char *names[] = { "/f.vhd", "/d.vhd" };
	struct vhd *v;
	int t;

	(void)state;
	for (t = 0; t < 2; t++) {
		memset(model, 0, size);
		mk(names[t], types[t], size, 64 << 10, NULL);
		v = op(names[t], VHD_OPEN_RDWR);
		random_io(v, model, size, 200);
		assert_int_equal(vhd_flush(v), 0);
		vhd_close(v);
		v = op(names[t], 0);   /* survives a reopen */
		expect_content(v, model, size);
		vhd_close(v);
	}
	free(model);
}

static void test_bounds_and_readonly(void **state)
{
	struct vhd *v;
	uint8_t b[16] = { 1 };

	(void)state;
	mk("/d.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 0, NULL);
	v = op("/d.vhd", 0);
	assert_int_equal(vhd_write(v, b, 1, 0), -EROFS);
	assert_int_equal(vhd_read(v, b, 16, (1 << 20) - 8), -EINVAL);
	assert_int_equal(vhd_read(v, b, 1, ~0ull), -EINVAL);
	assert_non_null(strstr(vhd_get_error(v), "past the disk end"));
	assert_int_equal(vhd_read(v, b, 8, (1 << 20) - 8), 0);
	vhd_close(v);
}

/* Flattened view of a chain, for comparison. */
static void test_chain_depth3(void **state)
{
	const size_t size = 1 << 20;
	uint8_t *model = calloc(1, size), *pm = calloc(1, size);
	struct vhd *v;
	const char *chain[] = { "/c/base.vhd", "/c/s1.vhd", "/c/s2.vhd",
				"/c/s3.vhd" };
	static int run;
	int i;

	(void)state;
	/* The second run uses a fixed base: chains start on any type. */
	mk(chain[0], run++ & 1 ? VHD_TYPE_FIXED : VHD_TYPE_DYNAMIC, size,
	   16 << 10, NULL);
	for (i = 0; i < 4; i++) {
		if (i)
			mk(chain[i], VHD_TYPE_DIFF, 0, 16 << 10, chain[i - 1]);
		v = op(chain[i], VHD_OPEN_RDWR);
		expect_content(v, model, size);   /* inherits the parent */
		random_io(v, model, size, 60);
		vhd_close(v);
		if (i == 1)
			memcpy(pm, model, size);
	}
	v = op(chain[3], 0);
	expect_content(v, model, size);
	vhd_close(v);
	v = op(chain[1], 0);   /* lower layers were not touched */
	expect_content(v, pm, size);
	vhd_close(v);
	free(model);
	free(pm);
}

/* Sector-granular pieces of 1..24 sectors (runs both below and above
 * VHD_MERGE_GAP's 32 KiB apart), some byte-granular, some larger. */
static void scatter_writes(struct vhd *v, uint8_t *model, size_t size, int n)
{
	uint8_t buf[96 << 10];
	size_t off, len;
	int i;

	for (i = 0; i < n; i++) {
		len = (i % 7 == 0 ? 40 + rnd() % 150 : 1 + rnd() % 24) *
		      VHD_SECTOR;
		off = (rnd() % (size / VHD_SECTOR)) * VHD_SECTOR;
		if (i % 5 == 0) {   /* unaligned edges: read-merge-write */
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

/* A depth-4 chain, each layer with its own block size and scattered
 * pieces, read back at arbitrary unaligned ranges against a model: a read
 * that took a sector from the wrong layer (a merged parent read landing
 * over the child's data, or a run boundary off by one) shows here. */
static void test_chain_extents(void **state)
{
	const size_t size = (1 << 20) + 3 * VHD_SECTOR;
	const uint32_t bs[] = { 64 << 10, 16 << 10, 128 << 10, 4 << 10 };
	const char *chain[] = { "/e/base.vhd", "/e/s1.vhd", "/e/s2.vhd",
				"/e/s3.vhd" };
	uint8_t *model = calloc(1, size), *snap[4], *buf = malloc(size);
	size_t off, len;
	struct vhd *v;
	int i, k;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < 4; i++) {
		mk(chain[i], i ? VHD_TYPE_DIFF : VHD_TYPE_DYNAMIC,
		   i ? 0 : size, bs[i], i ? chain[i - 1] : NULL);
		v = op(chain[i], VHD_OPEN_RDWR);
		scatter_writes(v, model, size, 120);
		assert_int_equal(vhd_flush(v), 0);
		vhd_close(v);
		snap[i] = malloc(size);
		memcpy(snap[i], model, size);
	}
	for (i = 0; i < 4; i++) {
		v = op(chain[i], 0);
		expect_content(v, snap[i], size);
		for (k = 0; k < 300; k++) {
			off = rnd() % size;
			len = rnd() % ((size - off < 300000 ? size - off :
					300000) + 1);
			assert_int_equal(vhd_read(v, buf, len, off), 0);
			assert_memory_equal(buf, snap[i] + off, len);
		}
		vhd_close(v);
		free(snap[i]);
	}
	free(model);
	free(buf);
}

/* New blocks' data start at block_size / 32 in the file (at most 64 KiB,
 * at least a sector), and no footer but the two real ones stays inside. */
static void test_block_alignment(void **state)
{
	const uint32_t bs[] = { 2u << 20, 512u << 10, 16u << 10 };
	const char *names[] = { "/a1.vhd", "/a2.vhd", "/a3.vhd" };
	uint8_t b[4096];
	struct memfs_file *f;
	struct vhd *v;
	uint64_t data, align, off;
	uint32_t i, k;

	(void)state;
	fill(b, sizeof(b));
	for (i = 0; i < 3; i++) {
		align = bs[i] / 32 > VHD_SECTOR ? bs[i] / 32 : VHD_SECTOR;
		mk(names[i], VHD_TYPE_DYNAMIC, 8 * bs[i], bs[i], NULL);
		v = op(names[i], VHD_OPEN_RDWR);
		for (k = 0; k < 8; k += 3)
			assert_int_equal(vhd_write(v, b, sizeof(b),
						   (uint64_t)k * bs[i]), 0);
		assert_int_equal(vhd_flush(v), 0);
		for (k = 0; k < 8; k += 3) {
			data = (uint64_t)v->bat[k] * VHD_SECTOR +
			       v->bitmap_bytes;
			assert_int_equal(data % align, 0);
		}
		vhd_close(v);
		f = memfs_lookup(&fs, names[i]);
		for (off = VHD_SECTOR; off + VHD_SECTOR < f->size;
		     off += VHD_SECTOR)
			assert_false(!memcmp(f->data + off, "conectix", 8));
	}
}

/* Reads that fail in one byte range of one file, to test the fallback of
 * a merged parent read. */
static struct fio_ops poison_ops;
static void *poison_fh;
static uint64_t poison_off, poison_end;

static int poison_pread(void *ctx, void *fh, void *buf, size_t len,
			uint64_t off)
{
	if (fh == poison_fh && off < poison_end && off + len > poison_off)
		return -EIO;
	return fs.ops.pread(ctx, fh, buf, len, off);
}

static struct vhd *op_poisoned(const char *path)
{
	struct vhd_err err = { "" };
	struct vhd *v = NULL;

	poison_ops = fs.ops;
	poison_ops.pread = poison_pread;
	assert_int_equal(vhd_open(&poison_ops, path, 0, &v, &err), 0);
	return v;
}

/* A bad sector in the parent under data the child holds must not fail
 * the child's read (the merged read over it fails, the runs alone do
 * not); one under data the child lacks must. */
static void test_chain_merge_fallback(void **state)
{
	uint8_t a[64 << 10], b[8 << 10], got[64 << 10];
	struct vhd *v;

	(void)state;
	fill(a, sizeof(a));
	fill(b, sizeof(b));
	mk("/m/base.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 64 << 10, NULL);
	v = op("/m/base.vhd", VHD_OPEN_RDWR);
	assert_int_equal(vhd_write(v, a, sizeof(a), 0), 0);
	assert_int_equal(vhd_flush(v), 0);
	vhd_close(v);
	mk("/m/s1.vhd", VHD_TYPE_DIFF, 0, 64 << 10, "/m/base.vhd");
	v = op("/m/s1.vhd", VHD_OPEN_RDWR);
	assert_int_equal(vhd_write(v, b, sizeof(b), 16 << 10), 0);
	assert_int_equal(vhd_flush(v), 0);
	vhd_close(v);
	memcpy(a + (16 << 10), b, sizeof(b));
	v = op_poisoned("/m/s1.vhd");
	poison_fh = v->parent->fh;
	poison_off = (uint64_t)v->parent->bat[0] * VHD_SECTOR +
		     v->parent->bitmap_bytes + (20 << 10);
	poison_end = poison_off + VHD_SECTOR;
	assert_int_equal(vhd_read(v, got, sizeof(got), 0), 0);
	assert_memory_equal(got, a, sizeof(got));
	poison_off -= 8 << 10;   /* now under a sector s1 lacks */
	poison_end -= 8 << 10;
	assert_int_equal(vhd_read(v, got, sizeof(got), 0), -EIO);
	poison_fh = NULL;
	vhd_close(v);
}

static void test_diff_zero_and_partial(void **state)
{
	uint8_t buf[4096], z[4096] = { 0 }, got[4096];
	struct vhd *v;
	int alloc;

	(void)state;
	mk("/p.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 0, NULL);
	v = op("/p.vhd", VHD_OPEN_RDWR);
	memset(buf, 0xAB, sizeof(buf));
	assert_int_equal(vhd_write(v, buf, sizeof(buf), 8192), 0);
	vhd_close(v);
	mk("/c.vhd", VHD_TYPE_DIFF, 0, 0, "/p.vhd");
	v = op("/c.vhd", VHD_OPEN_RDWR);
	/* Zeros over parent data must allocate and hide the parent. */
	assert_int_equal(vhd_write(v, z, 1024, 8192), 0);
	/* A 3-byte write mid-sector keeps the parent's other bytes. */
	assert_int_equal(vhd_write(v, "xyz", 3, 8192 + 2048 + 100), 0);
	assert_int_equal(vhd_read(v, got, sizeof(got), 8192), 0);
	assert_memory_equal(got, z, 1024);
	assert_memory_equal(got + 1024, buf, 1024 + 100);
	assert_memory_equal(got + 2048 + 100, "xyz", 3);
	assert_memory_equal(got + 2048 + 103, buf, 4096 - 2048 - 103);
	/* Allocation queries count every sector a byte range touches. */
	assert_int_equal(vhd_query_allocated(v, 8191, 2, &alloc), 0);
	assert_int_equal(alloc, 1);
	assert_int_equal(vhd_query_allocated(v, 9216, 1024, &alloc), 0);
	assert_int_equal(alloc, 0);
	assert_int_equal(vhd_query_allocated(v, 9216, 1025, &alloc), 0);
	assert_int_equal(alloc, 1);
	vhd_close(v);
	v = op("/p.vhd", 0);
	assert_int_equal(vhd_read(v, got, sizeof(got), 8192), 0);
	assert_memory_equal(got, buf, sizeof(buf));
	vhd_close(v);
}

static void test_parent_links(void **state)
{
	struct vhd *v;

	(void)state;
	mk("/d1/a.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 0, NULL);
	mk("/d1/sub/b.vhd", VHD_TYPE_DIFF, 0, 0, "/d1/a.vhd");
	v = op("/d1/sub/b.vhd", 0);
	assert_string_equal(vhd_get_path(vhd_get_parent(v)), "/d1/a.vhd");
	vhd_close(v);
	/* Move the pair: W2ku (/d1/a.vhd) is gone, W2ru (../a.vhd) finds
	 * the moved parent. */
	memfs_copy(&fs, "/d1/a.vhd", "/m/a.vhd");
	memfs_copy(&fs, "/d1/sub/b.vhd", "/m/sub/b.vhd");
	fs.ops.remove(&fs, "/d1/a.vhd");
	v = op("/m/sub/b.vhd", 0);
	assert_string_equal(vhd_get_path(vhd_get_parent(v)), "/m/a.vhd");
	vhd_close(v);
	/* A different disk under the parent's name: wrong UUID. */
	mk("/m/a2.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 0, NULL);
	fs.ops.remove(&fs, "/m/a.vhd");
	memfs_copy(&fs, "/m/a2.vhd", "/m/a.vhd");
	open_fails("/m/sub/b.vhd", -EINVAL, "wrong UUID");
	/* No parent at all. */
	fs.ops.remove(&fs, "/m/a.vhd");
	open_fails("/m/sub/b.vhd", -ENOENT, "parent disk not found");
	/* A locator pointing outside the file is named as the cause. */
	{
		struct memfs_file *f = memfs_lookup(&fs, "/m/sub/b.vhd");
		struct vhd_dyn_header *h = (void *)(f->data + 512);

		vhd_put_be64(h->loc[1].data_offset, 1ull << 40);
		vhd_header_seal(h);
		open_fails("/m/sub/b.vhd", -ENOENT, "locator 1 is damaged");
	}
}

static void reseal_header(struct memfs_file *f)
{
	struct vhd_dyn_header *h = (void *)(f->data + 512);

	vhd_header_seal(h);
}

static void test_parent_name_le(void **state)
{
	struct memfs_file *f;
	struct vhd_dyn_header *h;
	struct vhd *v;
	const char *name = "a.vhd";
	size_t i;

	(void)state;
	mk("/n/a.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 0, NULL);
	mk("/n/b.vhd", VHD_TYPE_DIFF, 0, 0, "/n/a.vhd");
	f = memfs_lookup(&fs, "/n/b.vhd");
	h = (void *)(f->data + 512);
	/* Only the parent name, stored UTF-16LE, as some writers do. */
	memset(h->loc, 0, sizeof(h->loc));
	memset(h->parent_name, 0, sizeof(h->parent_name));
	for (i = 0; name[i]; i++)
		h->parent_name[2 * i] = (uint8_t)name[i];
	reseal_header(f);
	v = op("/n/b.vhd", 0);
	assert_string_equal(vhd_get_path(vhd_get_parent(v)), "/n/a.vhd");
	vhd_close(v);
}

static void test_depth_cap(void **state)
{
	char name[32], prev[32];
	struct vhd *v;
	int i;

	(void)state;
	mk("/z/0.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 0, NULL);
	for (i = 1; i < VHD_MAX_DEPTH; i++) {
		snprintf(prev, sizeof(prev), "/z/%d.vhd", i - 1);
		snprintf(name, sizeof(name), "/z/%d.vhd", i);
		mk(name, VHD_TYPE_DIFF, 0, 0, prev);
	}
	v = op(name, 0);   /* 32 images: allowed */
	vhd_close(v);
	/* A 33rd: the chain is too deep (create checks via open). */
	{
		struct vhd_create_params p = { .type = VHD_TYPE_DIFF,
					       .parent = name };
		struct vhd_err e;

		assert_int_equal(vhd_create(&fs.ops, "/z/x.vhd", &p, &e),
				 -ELOOP);
		assert_non_null(strstr(e.msg, "deeper"));
	}
}

static void test_merge(void **state)
{
	const size_t size = 1 << 20;
	uint8_t *model = calloc(1, size);
	uint32_t done, total;
	struct vhd *v;
	struct vhd_err e;

	(void)state;
	mk("/g/base.vhd", VHD_TYPE_DYNAMIC, size, 16 << 10, NULL);
	v = op("/g/base.vhd", VHD_OPEN_RDWR);
	random_io(v, model, size, 20);
	vhd_close(v);
	mk("/g/kid.vhd", VHD_TYPE_DIFF, 0, 16 << 10, "/g/base.vhd");
	v = op("/g/kid.vhd", VHD_OPEN_RDWR);
	random_io(v, model, size, 40);
	vhd_close(v);
	assert_int_equal(vhd_merge_get_progress(&fs.ops, "/g/kid.vhd", &done,
					    &total), -ENOENT);
	assert_int_equal(vhd_merge(&fs.ops, "/g/kid.vhd", NULL, NULL, &e), 0);
	assert_null(memfs_lookup(&fs, "/g/kid.vhd"));
	assert_null(memfs_lookup(&fs, "/g/kid.vhd.merge"));
	v = op("/g/base.vhd", 0);
	expect_content(v, model, size);
	vhd_close(v);
	/* Merging a non-differencing disk is refused. */
	assert_int_equal(vhd_merge(&fs.ops, "/g/base.vhd", NULL, NULL, &e),
			 -EINVAL);
	assert_non_null(strstr(e.msg, "not a differencing"));
	free(model);
}

/* The merge by the file table's copy (the host's copy_file_range): the
 * same result as through a buffer, into a fixed parent (copied at the
 * disk offset) and a dynamic one (blocks allocated by the copy), and
 * nothing of a child block the child does not hold moved. */
static void merge_by_copy(int base_type)
{
	const size_t size = 1 << 20;
	uint8_t *model = calloc(1, size);
	struct vhd *v;
	struct vhd_err e;

	fs.ops.copy = memfs_copy_range;
	mk("/g/base.vhd", base_type, size, 16 << 10, NULL);
	v = op("/g/base.vhd", VHD_OPEN_RDWR);
	random_io(v, model, size, 20);
	vhd_close(v);
	/* The child's blocks four of the parent's: a run of the child's
	 * spans several of the parent's blocks. */
	mk("/g/kid.vhd", VHD_TYPE_DIFF, 0, 64 << 10, "/g/base.vhd");
	v = op("/g/kid.vhd", VHD_OPEN_RDWR);
	random_io(v, model, size, 40);
	vhd_close(v);
	assert_int_equal(fs.copies, 0);
	assert_int_equal(vhd_merge(&fs.ops, "/g/kid.vhd", NULL, NULL, &e), 0);
	assert_true(fs.copies > 0);
	assert_true(fs.copied % 512 == 0 && fs.copied <= (long)size);
	v = op("/g/base.vhd", 0);
	expect_content(v, model, size);
	vhd_close(v);
	assert_int_equal(vhd_check(&fs.ops, "/g/base.vhd", NULL, NULL), 0);
	free(model);
}

static void test_merge_copy_fixed(void **state)
{
	(void)state;
	merge_by_copy(VHD_TYPE_FIXED);
}

static void test_merge_copy_dynamic(void **state)
{
	(void)state;
	merge_by_copy(VHD_TYPE_DYNAMIC);
}

/* vhd_copy_in takes what the merge gives it and refuses the rest: an
 * unaligned range or one past the disk, a table without copy, a
 * read-only image. */
static void test_copy_in_refuses(void **state)
{
	struct vhd *src, *dst;
	uint8_t buf[1024];

	(void)state;
	mk("/g/a.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 16 << 10, NULL);
	mk("/g/b.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 16 << 10, NULL);
	src = op("/g/a.vhd", 0);
	dst = op("/g/b.vhd", VHD_OPEN_RDWR);
	assert_int_equal(vhd_copy_in(dst, src->fh, 0, 512, 0), -EINVAL);
	fs.ops.copy = memfs_copy_range;
	assert_int_equal(vhd_copy_in(dst, src->fh, 0, 500, 0), -EINVAL);
	assert_int_equal(vhd_copy_in(dst, src->fh, 0, 512, 1 << 20), -EINVAL);
	assert_int_equal(vhd_copy_in(src, dst->fh, 0, 512, 0), -EROFS);
	/* The first sector of a's file (its footer copy) at disk offset 4096. */
	assert_int_equal(vhd_copy_in(dst, src->fh, 0, 512, 4096), 0);
	assert_int_equal(vhd_read(dst, buf, 512, 4096), 0);
	assert_memory_equal(buf, "conectix", 8);
	vhd_close(src);
	vhd_close(dst);
}

/* ---- corruption corpus ---- */

static struct memfs_file *corpus_base(const char *name)
{
	struct vhd *v;
	uint8_t buf[8192];

	mk(name, VHD_TYPE_DYNAMIC, 1 << 20, 64 << 10, NULL);
	v = op(name, VHD_OPEN_RDWR);
	memset(buf, 0x5A, sizeof(buf));
	assert_int_equal(vhd_write(v, buf, sizeof(buf), 0), 0);
	assert_int_equal(vhd_write(v, buf, sizeof(buf), 200 << 10), 0);
	vhd_close(v);
	return memfs_lookup(&fs, name);
}

static void test_corrupt_footers(void **state)
{
	struct memfs_file *f;
	struct vhd_info in;
	struct vhd *v;
	uint8_t b[16];

	(void)state;
	/* Bad end footer: the copy at offset 0 is used, with a warning. */
	f = corpus_base("/k/end.vhd");
	f->data[f->size - 512 + 70] ^= 1;
	fs.warnings = 0;
	v = op("/k/end.vhd", 0);
	vhd_get_info(v, &in);
	assert_true(in.used_footer_copy);
	assert_true(fs.warnings > 0);
	assert_non_null(strstr(fs.last_warning, "checksum"));
	assert_int_equal(vhd_read(v, b, 16, 0), 0);
	assert_int_equal(b[0], 0x5A);
	vhd_close(v);
	/* A writable open repairs it. */
	v = op("/k/end.vhd", VHD_OPEN_RDWR);
	vhd_close(v);
	v = op("/k/end.vhd", 0);
	vhd_get_info(v, &in);
	assert_false(in.used_footer_copy);
	vhd_close(v);
	/* Bad copy: the end footer is used, with a warning. */
	f = corpus_base("/k/copy.vhd");
	f->data[70] ^= 1;
	fs.warnings = 0;
	v = op("/k/copy.vhd", 0);
	assert_true(fs.warnings > 0);
	vhd_close(v);
	/* Both bad: refused. */
	f->data[f->size - 512 + 70] ^= 1;
	open_fails("/k/copy.vhd", -EINVAL, "checksum");
	/* No footer at all (a raw file). */
	memset(b, 0x11, sizeof(b));
	memfs_put(&fs, "/k/raw.img", b, 16);
	open_fails("/k/raw.img", -EINVAL, "too small");
	{
		uint8_t *z = calloc(1, 4096);

		memfs_put(&fs, "/k/raw2.img", z, 4096);
		open_fails("/k/raw2.img", -EINVAL, "conectix");
		free(z);
	}
}

static void test_corrupt_header_bat(void **state)
{
	struct memfs_file *f;
	uint8_t *h;

	(void)state;
	f = corpus_base("/k/h.vhd");
	f->data[512 + 600] ^= 1;    /* parent name area, in the checksum */
	open_fails("/k/h.vhd", -EINVAL, "dynamic header checksum");
	/* Block size not a power of two. */
	f = corpus_base("/k/bs.vhd");
	h = f->data + 512;
	vhd_put_be32(h + offsetof(struct vhd_dyn_header, block_size),
		     3 << 16);
	reseal_header(f);
	open_fails("/k/bs.vhd", -EINVAL, "power of two");
	/* BAT entry past the end of file. */
	f = corpus_base("/k/past.vhd");
	vhd_put_be32(f->data + 1536 + 4, 0x100000);
	open_fails("/k/past.vhd", -EINVAL, "past the end");
	/* Two BAT entries pointing at overlapping blocks. */
	f = corpus_base("/k/ovl.vhd");
	vhd_put_be32(f->data + 1536 + 12, vhd_be32(f->data + 1536) + 1);
	open_fails("/k/ovl.vhd", -EINVAL, "overlap");
	/* BAT entry pointing into the metadata. */
	f = corpus_base("/k/meta.vhd");
	vhd_put_be32(f->data + 1536 + 12, 1);
	open_fails("/k/meta.vhd", -EINVAL, "metadata");
	/* A block over a differencing disk's parent locator data (here the
	 * locator is moved after the BAT, as other writers place it). */
	mk("/k/lp.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 64 << 10, NULL);
	mk("/k/lc.vhd", VHD_TYPE_DIFF, 0, 64 << 10, "/k/lp.vhd");
	f = memfs_lookup(&fs, "/k/lc.vhd");
	{
		uint8_t foot[512];
		uint64_t blk = f->size - 512;   /* block where the footer was */
		struct vhd_dyn_header *dh;

		memcpy(foot, f->data + f->size - 512, 512);
		assert_int_equal(fs.ops.pwrite(&fs, f, foot, 512,
					       blk + 512 + (64 << 10)), 0);
		dh = (void *)(f->data + 512);
		vhd_put_be32(f->data + vhd_be64(dh->table_offset),
			     (uint32_t)(blk / 512));
		memcpy(f->data + blk + 4096, f->data +
		       vhd_be64(dh->loc[0].data_offset), 512);
		vhd_put_be64(dh->loc[0].data_offset, blk + 4096);
		vhd_header_seal(dh);
	}
	open_fails("/k/lc.vhd", -EINVAL, "metadata");
	/* BAT too small for the disk. */
	f = corpus_base("/k/few.vhd");
	vhd_put_be32(f->data + 512 + offsetof(struct vhd_dyn_header,
					      max_entries), 2);
	reseal_header(f);
	open_fails("/k/few.vhd", -EINVAL, "needs");
	/* Truncated in the middle of the data: the end footer is gone, the
	 * copy is used, and then the BAT points past the end. */
	f = corpus_base("/k/trunc.vhd");
	f->size -= 40000;
	open_fails("/k/trunc.vhd", -EINVAL, "past the end");
}

static void test_check(void **state)
{
	struct memfs_file *f;
	int n;

	(void)state;
	corpus_base("/q/ok.vhd");
	assert_int_equal(vhd_check(&fs.ops, "/q/ok.vhd", NULL, NULL), 0);
	f = corpus_base("/q/bad.vhd");
	f->data[f->size - 512 + 70] ^= 1;
	n = vhd_check(&fs.ops, "/q/bad.vhd", NULL, NULL);
	assert_int_equal(n, 1);
	vhd_put_be32(f->data + 1536 + 4, 0x100000);
	n = vhd_check(&fs.ops, "/q/bad.vhd", NULL, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(vhd_check(&fs.ops, "/q/none.vhd", NULL, NULL),
			 -ENOENT);
}

static void test_blockdevs(void **state)
{
	struct blockdev bd;
	uint8_t b[1024], r[1024];
	struct vhd *v;

	(void)state;
	fill(b, sizeof(b));
	assert_int_equal(blockdev_ram_create(1 << 16, 512, &bd), 0);
	assert_int_equal(blockdev_write(&bd, 100, b, sizeof(b)), 0);
	assert_int_equal(blockdev_read(&bd, 100, r, sizeof(r)), 0);
	assert_memory_equal(b, r, sizeof(b));
	assert_int_equal(blockdev_read(&bd, (1 << 16) - 10, r, 11), -EINVAL);
	blockdev_close(&bd);
	memfs_put(&fs, "/r.img", b, sizeof(b));
	assert_int_equal(blockdev_file_open(&fs.ops, "/r.img", 512, 256, 0,
					    &bd), 0);
	assert_int_equal(blockdev_get_size(&bd), 256);
	assert_int_equal(blockdev_read(&bd, 0, r, 256), 0);
	assert_memory_equal(r, b + 512, 256);
	assert_int_equal(blockdev_write(&bd, 0, r, 1), -EROFS);
	assert_int_equal(blockdev_read(&bd, 200, r, 57), -EINVAL);
	blockdev_close(&bd);
	assert_int_equal(blockdev_file_open(&fs.ops, "/r.img", 512, 1024, 0,
					    &bd), -EINVAL);
	mk("/bd.vhd", VHD_TYPE_DYNAMIC, 1 << 20, 0, NULL);
	v = op("/bd.vhd", VHD_OPEN_RDWR);
	assert_int_equal(vhd_blockdev_wrap(v, 1, &bd), 0);
	assert_int_equal(blockdev_get_sector_size(&bd), 512);
	assert_int_equal(blockdev_write(&bd, 777, b, sizeof(b)), 0);
	assert_int_equal(blockdev_flush(&bd), 0);
	assert_int_equal(blockdev_read(&bd, 777, r, sizeof(r)), 0);
	assert_memory_equal(b, r, sizeof(b));
	assert_int_equal(blockdev_write(&bd, (1 << 20) - 1, b, 2), -EINVAL);
	blockdev_close(&bd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_layouts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rw_fixed_dynamic, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bounds_and_readonly,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_depth3, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chain_depth3, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chain_extents, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_block_alignment, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chain_merge_fallback,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_zero_and_partial,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_links, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parent_name_le, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_depth_cap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_copy_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_copy_dynamic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_in_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_footers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_header_bat, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blockdevs, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
