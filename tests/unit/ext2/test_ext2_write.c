/*
 * Writing files: across the direct / single / double / triple indirect
 * boundaries, holes, truncate both ways, files over 2 GiB, and a full
 * volume. e2fsck -fn must find the image clean after every test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/ext2/ext2_harness.h"

#define KIB 1024ull
#define MIB (1024ull * 1024)

struct ctx {
	char img[512];
	struct himg h;
	struct ext2_fs *fs;
	uint64_t free0, ifree0;
};

static void fresh(struct ctx *c, const char *name, unsigned bs, const char *size)
{
	struct ext2_statfs st;

	snprintf(c->img, sizeof(c->img), "%s/%s", h_scratch(), name);
	assert_int_equal(h_mkfs(c->img, bs, size, NULL, NULL), 0);
	assert_int_equal(h_mount(&c->h, c->img, 0, &c->fs), 0);
	ext2_statfs_get(c->fs, &st);
	c->free0 = st.free_blocks;
	c->ifree0 = st.free_inodes;
}

static void remount(struct ctx *c)
{
	assert_int_equal(ext2_unmount(c->fs), 0);
	h_close(&c->h);
	assert_int_equal(h_fsck(c->img), 0);
	assert_int_equal(h_mount(&c->h, c->img, 0, &c->fs), 0);
}

static void finish(struct ctx *c)
{
	assert_int_equal(ext2_unmount(c->fs), 0);
	h_close(&c->h);
	assert_int_equal(h_fsck(c->img), 0);
}

static void check_free(struct ctx *c)
{
	struct ext2_statfs st;

	ext2_statfs_get(c->fs, &st);
	assert_int_equal(st.free_blocks, c->free0);
	assert_int_equal(st.free_inodes, c->ifree0);
}

/* Checks [off, off+len) of the file against the pattern (or zeros). */
static void expect(struct ext2_file *f, uint64_t off, size_t len, uint32_t seed, int zero)
{
	uint8_t *got = malloc(len), *want = malloc(len);

	if (zero)
		memset(want, 0, len);
	else
		h_pattern(want, len, off, seed);
	assert_int_equal(ext2_file_read(f, off, got, len), (int64_t)len);
	assert_memory_equal(got, want, len);
	free(got);
	free(want);
}

static void put(struct ext2_file *f, uint64_t off, size_t len, uint32_t seed)
{
	uint8_t *buf = malloc(len);

	h_pattern(buf, len, off, seed);
	assert_int_equal(ext2_file_write(f, off, buf, len), (int64_t)len);
	free(buf);
}

/* Sparse writes straddling each level change of the 1 KiB block map. */
static void test_boundaries_1k(void **state)
{
	static const uint64_t edges[] = { 12 * KIB, 268 * KIB, 64 * MIB + 268 * KIB };
	struct ctx c;
	struct ext2_file *f;
	struct ext2_stat st;
	unsigned i;

	(void)state;
	fresh(&c, "bound1k.img", 1024, "16M");
	assert_int_equal(ext2_file_open(c.fs, "/sparse", EXT2_O_RDWR | EXT2_O_CREAT, &f), 0);
	for (i = 0; i < 3; i++)
		put(f, edges[i] - 1500, 3000, 7);
	assert_int_equal(ext2_file_size(f), edges[2] + 1500);
	for (i = 0; i < 3; i++)
		expect(f, edges[i] - 1500, 3000, 7, 0);
	expect(f, 0, 8 * KIB, 0, 1);            /* leading hole */
	expect(f, 1 * MIB, 64 * KIB, 0, 1);     /* hole in double-indirect range */
	expect(f, edges[2] - 70 * KIB, 60 * KIB, 0, 1);
	ext2_file_close(f);
	remount(&c);
	assert_int_equal(ext2_file_open(c.fs, "sparse", EXT2_O_RDWR, &f), 0);
	for (i = 0; i < 3; i++)
		expect(f, edges[i] - 1500, 3000, 7, 0);
	ext2_file_close(f);
	assert_int_equal(ext2_path_stat(c.fs, "sparse", &st), 0);
	assert_true(st.blocks512 >= 2 * (3 * 4 + 1 + 2 + 3));
	assert_int_equal(ext2_path_unlink(c.fs, "sparse"), 0);
	check_free(&c);
	finish(&c);
}

/* A dense file written in odd-sized pieces through double indirect. */
static void dense(unsigned bs, const char *name)
{
	const uint64_t total = bs == 1024 ? 1536 * KIB : 4200 * KIB + 123;
	struct ctx c;
	struct ext2_file *f;
	uint64_t off;

	fresh(&c, name, bs, "16M");
	assert_int_equal(ext2_file_open(c.fs, "\\dense.bin", EXT2_O_RDWR | EXT2_O_CREAT, &f), 0);
	for (off = 0; off < total; off += 7777)
		put(f, off, (size_t)(total - off < 7777 ? total - off : 7777), 3);
	assert_int_equal(ext2_file_size(f), total);
	expect(f, 0, (size_t)total, 3, 0);
	ext2_file_close(f);
	remount(&c);
	assert_int_equal(ext2_file_open(c.fs, "dense.bin", EXT2_O_RDONLY, &f), 0);
	expect(f, 0, (size_t)total, 3, 0);
	/* read-only handles refuse writes */
	assert_int_equal(ext2_file_write(f, 0, "x", 1), -EBADF);
	assert_int_equal(ext2_file_truncate(f, 0), -EBADF);
	assert_int_equal(ext2_file_open(c.fs, "dense.bin", EXT2_O_TRUNC, &(struct ext2_file *){NULL}),
			 -EINVAL);
	ext2_file_close(f);
	assert_int_equal(ext2_path_unlink(c.fs, "dense.bin"), 0);
	check_free(&c);
	finish(&c);
}

static void test_dense_1k(void **state)
{
	(void)state;
	dense(1024, "dense1k.img");
}

static void test_dense_4k(void **state)
{
	(void)state;
	dense(4096, "dense4k.img");
}

static void test_truncate(void **state)
{
	struct ctx c;
	struct ext2_file *f;
	struct ext2_stat st;

	(void)state;
	fresh(&c, "trunc.img", 1024, "16M");
	assert_int_equal(ext2_file_open(c.fs, "t", EXT2_O_RDWR | EXT2_O_CREAT, &f), 0);
	put(f, 0, 1536 * KIB, 5);
	assert_int_equal(ext2_file_truncate(f, 300 * KIB + 5), 0); /* double -> single */
	assert_int_equal(ext2_file_size(f), 300 * KIB + 5);
	expect(f, 0, 300 * KIB + 5, 5, 0);
	assert_int_equal(ext2_file_truncate(f, 1 * MIB), 0); /* grow: zeros */
	expect(f, 300 * KIB + 5, 1 * MIB - 300 * KIB - 5, 0, 1);
	assert_int_equal(ext2_unmount(c.fs), -EBUSY); /* handle still open */
	ext2_file_close(f);
	remount(&c);
	assert_int_equal(ext2_file_open(c.fs, "t", EXT2_O_RDWR, &f), 0);
	expect(f, 0, 300 * KIB + 5, 5, 0);
	assert_int_equal(ext2_file_truncate(f, 11 * KIB), 0); /* single -> direct */
	expect(f, 0, 11 * KIB, 5, 0);
	put(f, 70 * MIB, 10, 9); /* triple indirect */
	assert_int_equal(ext2_file_truncate(f, 66 * MIB), 0);
	assert_int_equal(ext2_path_stat(c.fs, "t", &st), 0);
	assert_int_equal(st.blocks512, 2 * 11);
	assert_int_equal(ext2_file_truncate(f, 0), 0);
	assert_int_equal(ext2_path_stat(c.fs, "t", &st), 0);
	assert_int_equal(st.blocks512, 0);
	ext2_file_close(f);
	remount(&c);
	/* O_TRUNC on open */
	assert_int_equal(h_write_file(c.fs, "u", "abcdef", 6), 0);
	assert_int_equal(ext2_file_open(c.fs, "u", EXT2_O_RDWR | EXT2_O_TRUNC, &f), 0);
	assert_int_equal(ext2_file_size(f), 0);
	ext2_file_close(f);
	assert_int_equal(ext2_path_unlink(c.fs, "u"), 0);
	assert_int_equal(ext2_path_unlink(c.fs, "t"), 0);
	check_free(&c);
	finish(&c);
}

/* VHDs exceed 2 GiB: i_size_high and the large_file feature. */
static void test_large_file(void **state)
{
	const uint64_t big = 5 * 1024 * MIB;
	struct ctx c;
	struct ext2_file *f;
	uint8_t ro[4];
	FILE *fp;

	(void)state;
	fresh(&c, "large.img", 4096, "32M");
	assert_int_equal(ext2_unmount(c.fs), 0);
	h_close(&c.h);
	assert_int_equal(h_sh("debugfs -R 'feature -large_file' -w '%s' >/dev/null 2>&1", c.img), 0);
	assert_int_equal(h_mount(&c.h, c.img, 0, &c.fs), 0);
	assert_int_equal(ext2_file_open(c.fs, "disk.vhd", EXT2_O_RDWR | EXT2_O_CREAT, &f), 0);
	put(f, 3 * 1024 * MIB + 10, 5000, 11);
	put(f, big - 512, 512, 12);
	assert_int_equal(ext2_file_size(f), big);
	ext2_file_close(f);
	remount(&c);
	fp = fopen(c.img, "rb");
	assert_int_equal(fseek(fp, 1024 + 100, SEEK_SET), 0);
	assert_int_equal(fread(ro, 1, 4, fp), 4);
	fclose(fp);
	assert_true(ro[0] & 2); /* large_file set again */
	assert_int_equal(ext2_file_open(c.fs, "disk.vhd", EXT2_O_RDWR, &f), 0);
	assert_int_equal(ext2_file_size(f), big);
	expect(f, 3 * 1024 * MIB + 10, 5000, 11, 0);
	expect(f, big - 512, 512, 12, 0);
	expect(f, 2 * 1024 * MIB, 4096, 0, 1);
	assert_int_equal(ext2_file_truncate(f, 2 * 1024 * MIB + 1), 0);
	assert_int_equal(ext2_file_size(f), 2 * 1024 * MIB + 1);
	ext2_file_close(f);
	finish(&c);
}

static void test_enospc(void **state)
{
	static uint8_t chunk[64 * 1024];
	struct ctx c;
	struct ext2_file *f;
	struct ext2_statfs st;
	uint64_t off = 0;
	char name[240];
	int made = 0;
	int64_t n;

	(void)state;
	fresh(&c, "full.img", 1024, "4M");
	assert_int_equal(ext2_file_open(c.fs, "big", EXT2_O_RDWR | EXT2_O_CREAT, &f), 0);
	for (;;) {
		h_pattern(chunk, sizeof(chunk), off, 21);
		n = ext2_file_write(f, off, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		off += (uint64_t)n;
		if ((size_t)n < sizeof(chunk))
			break;
	}
	assert_true(n == -ENOSPC || (n > 0 && (size_t)n < sizeof(chunk)));
	assert_int_equal(ext2_file_write(f, off, chunk, 1), -ENOSPC);
	assert_int_equal(ext2_file_size(f), off);
	assert_true(off > 3 * MIB);
	ext2_statfs_get(c.fs, &st);
	assert_int_equal(st.free_blocks, 0);
	assert_int_equal(ext2_dir_create(c.fs, "d"), -ENOSPC);
	assert_int_equal(h_write_file(c.fs, "small", "x", 1), -ENOSPC);
	expect(f, 0, (size_t)off, 21, 0);
	ext2_file_close(f);
	/* The root directory cannot grow either: creation fails cleanly. */
	{
		int rc = 0;

		for (made = 0; made < 200 && rc == 0; made++) {
			snprintf(name, sizeof(name), "/%0200d", made);
			rc = h_write_file(c.fs, name, NULL, 0);
		}
		made--; /* the last one failed */
		assert_int_equal(rc, -ENOSPC);
		assert_true(made > 0);
		assert_int_equal(ext2_dir_lookup(c.fs, name, &(uint32_t){0}), -ENOENT);
	}
	remount(&c);
	/* Recovery: delete and write again. */
	assert_int_equal(ext2_path_unlink(c.fs, "big"), 0);
	assert_int_equal(ext2_path_unlink(c.fs, "small"), 0);
	while (made-- > 0) {
		snprintf(name, sizeof(name), "/%0200d", made);
		assert_int_equal(ext2_path_unlink(c.fs, name), 0);
	}
	check_free(&c);
	assert_int_equal(ext2_dir_create(c.fs, "d"), 0);
	h_pattern(chunk, sizeof(chunk), 0, 22);
	assert_int_equal(h_write_file(c.fs, "d/again", chunk, sizeof(chunk)), 0);
	finish(&c);
}

/* Sequential I/O is merged into large device calls (the parent's disk
 * path is slow per request): 16 MiB in 1 MiB pieces on 4 KiB blocks. */
static void test_io_runs(void **state)
{
	static uint8_t chunk[1024 * 1024];
	struct ctx c;
	struct ext2_file *f;
	uint64_t off, r0, w0;

	(void)state;
	fresh(&c, "runs.img", 4096, "64M");
	assert_int_equal(ext2_file_open(c.fs, "vhd", EXT2_O_RDWR | EXT2_O_CREAT, &f), 0);
	w0 = c.h.writes;
	for (off = 0; off < 16 * MIB; off += sizeof(chunk)) {
		h_pattern(chunk, sizeof(chunk), off, 31);
		assert_int_equal(ext2_file_write(f, off, chunk, sizeof(chunk)), (int64_t)sizeof(chunk));
	}
	assert_true(c.h.writes - w0 < 400); /* 4096 blocks of data */
	r0 = c.h.reads;
	for (off = 0; off < 16 * MIB; off += sizeof(chunk))
		expect(f, off, sizeof(chunk), 31, 0);
	assert_true(c.h.reads - r0 < 200);
	ext2_file_close(f);
	finish(&c);
}

/* A file spanning several block groups (1 KiB blocks: 8 MiB per group),
 * written through two handles in turns so allocations interleave. */
static void test_multi_group(void **state)
{
	static uint8_t chunk[256 * 1024];
	struct ctx c;
	struct ext2_file *a, *b;
	uint64_t off;

	(void)state;
	fresh(&c, "groups.img", 1024, "40M");
	assert_int_equal(ext2_dir_create(c.fs, "/x"), 0);
	assert_int_equal(ext2_file_open(c.fs, "/a", EXT2_O_RDWR | EXT2_O_CREAT, &a), 0);
	assert_int_equal(ext2_file_open(c.fs, "/x/b", EXT2_O_RDWR | EXT2_O_CREAT, &b), 0);
	for (off = 0; off < 12 * MIB; off += sizeof(chunk)) {
		h_pattern(chunk, sizeof(chunk), off, 41);
		assert_int_equal(ext2_file_write(a, off, chunk, sizeof(chunk)), (int64_t)sizeof(chunk));
		h_pattern(chunk, sizeof(chunk), off, 42);
		assert_int_equal(ext2_file_write(b, off, chunk, sizeof(chunk)), (int64_t)sizeof(chunk));
	}
	ext2_file_close(a);
	ext2_file_close(b);
	assert_int_equal(ext2_unmount(c.fs), 0);
	h_close(&c.h);
	assert_int_equal(h_fsck(c.img), 0);
	assert_int_equal(h_mount(&c.h, c.img, 0, &c.fs), 0);
	assert_int_equal(ext2_file_open(c.fs, "/x/b", EXT2_O_RDONLY, &b), 0);
	expect(b, 0, 12 * MIB, 42, 0);
	ext2_file_close(b);
	assert_int_equal(ext2_path_unlink(c.fs, "/a"), 0);
	assert_int_equal(ext2_path_unlink(c.fs, "/x/b"), 0);
	assert_int_equal(ext2_dir_remove(c.fs, "/x"), 0);
	check_free(&c);
	finish(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundaries_1k), cmocka_unit_test(test_dense_1k),
		cmocka_unit_test(test_dense_4k),      cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_large_file),    cmocka_unit_test(test_enospc),
		cmocka_unit_test(test_io_runs),       cmocka_unit_test(test_multi_group),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (rc == 0)
		h_sh("rm -rf '%s'", h_scratch());
	return rc;
}
