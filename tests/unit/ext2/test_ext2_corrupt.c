/*
 * Corrupted images: each must be refused with -EUCLEAN (or -ENOTSUP for
 * unsupported features) and a reason from ext2_last_error(), never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/ext2/ext2_harness.h"

static char base[512];

/* Copies the base image to a new name for one corruption. */
static void copy_base(char *img, size_t n, const char *name)
{
	snprintf(img, n, "%s/%s", h_scratch(), name);
	assert_int_equal(h_sh("cp '%s' '%s'", base, img), 0);
}

static void poke32(const char *img, long off, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	FILE *f = fopen(img, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fwrite(b, 1, 4, f), 4);
	fclose(f);
}

static void poke16(const char *img, long off, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	FILE *f = fopen(img, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fwrite(b, 1, 2, f), 2);
	fclose(f);
}

/* Physical block of logical block 0 of PATH, through debugfs. */
static long bmap0(const char *img, const char *path)
{
	char cmd[1024], line[128] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "debugfs -R 'bmap %s 0' '%s' 2>/dev/null", path, img);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	pclose(p);
	return atol(line);
}

static void expect_mount_fail(const char *img, int err, const char *why)
{
	struct ext2_fs *fs = NULL;
	struct himg h;

	assert_int_equal(h_mount(&h, img, 0, &fs), err);
	assert_null(fs);
	if (!strstr(ext2_last_error(), why))
		fprintf(stderr, "# last error '%s' lacks '%s'\n", ext2_last_error(), why);
	assert_non_null(strstr(ext2_last_error(), why));
	h_close(&h);
}

static int setup(void **state)
{
	char src[512];

	(void)state;
	h_path(src, sizeof(src), "csrc");
	h_path(base, sizeof(base), "base.img");
	h_sh("rm -rf '%s' && mkdir -p '%s/a/b' && printf 'some data' > '%s/file'", src, src, src);
	h_sh("head -c 50000 /dev/zero | tr '\\0' 'z' > '%s/a/big'", src);
	return h_mkfs(base, 1024, "4M", src, NULL);
}

static void test_bad_magic(void **state)
{
	char img[512];

	(void)state;
	copy_base(img, sizeof(img), "magic.img");
	poke16(img, 1024 + 56, 0x1234);
	expect_mount_fail(img, -EUCLEAN, "magic");
}

static void test_block_size(void **state)
{
	char img[512];

	(void)state;
	copy_base(img, sizeof(img), "bsize.img");
	poke32(img, 1024 + 24, 7);
	expect_mount_fail(img, -EUCLEAN, "block size");
	poke32(img, 1024 + 24, 0xffffffffu);
	expect_mount_fail(img, -EUCLEAN, "block size");
}

static void test_group_count(void **state)
{
	char img[512];

	(void)state;
	copy_base(img, sizeof(img), "groups.img");
	poke32(img, 1024 + 0, 12345); /* s_inodes_count */
	expect_mount_fail(img, -EUCLEAN, "group count mismatch");
	copy_base(img, sizeof(img), "groups2.img");
	poke32(img, 1024 + 32, 0); /* s_blocks_per_group */
	expect_mount_fail(img, -EUCLEAN, "blocks per group");
}

static void test_device_short(void **state)
{
	char img[512];

	(void)state;
	copy_base(img, sizeof(img), "short.img");
	poke32(img, 1024 + 4, 1u << 30); /* s_blocks_count far past the file */
	expect_mount_fail(img, -EUCLEAN, "larger than the device");
	copy_base(img, sizeof(img), "tiny.img");
	assert_int_equal(h_sh("truncate -s 1500 '%s'", img), 0);
	expect_mount_fail(img, -EUCLEAN, "too small");
}

static void test_group_desc(void **state)
{
	char img[512];

	(void)state;
	copy_base(img, sizeof(img), "gd.img");
	poke32(img, 2048 + 8, 999999); /* group 0 bg_inode_table */
	expect_mount_fail(img, -EUCLEAN, "inode table outside");
	copy_base(img, sizeof(img), "gd2.img");
	poke32(img, 2048 + 0, 0); /* group 0 bg_block_bitmap */
	expect_mount_fail(img, -EUCLEAN, "bitmap block outside");
}

static void test_features(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct himg h;

	(void)state;
	copy_base(img, sizeof(img), "incompat.img");
	poke32(img, 1024 + 96, 0x2 | 0x40); /* filetype + extents */
	expect_mount_fail(img, -ENOTSUP, "incompatible features 0x40 (extent)");
	copy_base(img, sizeof(img), "rocompat.img");
	poke32(img, 1024 + 100, 0x3 | 0x1000); /* unknown ro-compat bit */
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_non_null(strstr(ext2_last_error(), "(readonly): mounted read-only"));
	assert_int_equal(ext2_is_read_only(fs), 1);
	assert_int_equal(h_write_file(fs, "/new", "x", 1), -EROFS);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
	assert_int_equal(h.writes, 0);
}

static void test_dir_rec_len(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct himg h;
	uint32_t ino;

	(void)state;
	copy_base(img, sizeof(img), "reclen.img");
	poke16(img, bmap0(img, "/") * 1024 + 4, 0); /* "." of the root */
	expect_mount_fail(img, -EUCLEAN, "rec_len");
	copy_base(img, sizeof(img), "reclen2.img");
	poke16(img, bmap0(img, "/a") * 1024 + 12 + 4, 2000); /* ".." of /a runs past the block */
	assert_int_equal(h_mount(&h, img, EXT2_MOUNT_RDONLY, &fs), 0);
	assert_int_equal(ext2_dir_lookup(fs, "/a/b", &ino), -EUCLEAN);
	assert_non_null(strstr(ext2_last_error(), "rec_len"));
	ext2_unmount(fs);
	h_close(&h);
	copy_base(img, sizeof(img), "dirino.img");
	poke32(img, bmap0(img, "/a") * 1024 + 12, 0x7fffffff); /* ".." inode number */
	assert_int_equal(h_mount(&h, img, EXT2_MOUNT_RDONLY, &fs), 0);
	assert_int_equal(ext2_dir_lookup(fs, "/a/b", &ino), -EUCLEAN);
	assert_non_null(strstr(ext2_last_error(), "beyond"));
	ext2_unmount(fs);
	h_close(&h);
}

static void test_inode_past_disk(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct himg h;
	uint8_t *data;
	size_t len;

	(void)state;
	copy_base(img, sizeof(img), "pastdisk.img");
	assert_int_equal(h_sh("debugfs -w -R 'sif /file block[0] 9999999' '%s' >/dev/null 2>&1", img), 0);
	assert_int_equal(h_sh("debugfs -w -R 'sif /a/big block[IND] 4000000000' '%s' >/dev/null 2>&1",
			      img), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(h_read_file(fs, "/file", &data, &len), -EUCLEAN);
	assert_non_null(strstr(ext2_last_error(), "outside the volume"));
	assert_int_equal(h_read_file(fs, "/a/big", &data, &len), -EUCLEAN);
	/* Deleting it must not free anything outside the volume either. */
	assert_int_equal(ext2_path_unlink(fs, "/a/big"), -EUCLEAN);
	assert_int_equal(ext2_dir_lookup(fs, "/a/big", &(uint32_t){0}), 0);
	ext2_unmount(fs);
	h_close(&h);
}

static void test_dir_loop(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct himg h;
	uint32_t b;

	(void)state;
	copy_base(img, sizeof(img), "loop.img");
	assert_int_equal(h_mount(&h, img, EXT2_MOUNT_RDONLY, &fs), 0);
	assert_int_equal(ext2_dir_lookup(fs, "/a/b", &b), 0);
	ext2_unmount(fs);
	h_close(&h);
	poke32(img, bmap0(img, "/a/b") * 1024 + 12, b); /* /a/b/.. -> /a/b */
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(ext2_dir_create(fs, "/x"), 0);
	assert_int_equal(ext2_path_rename(fs, "/x", "/a/b/x"), -EUCLEAN);
	assert_non_null(strstr(ext2_last_error(), "loop"));
	ext2_unmount(fs);
	h_close(&h);
}

static void test_double_free(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct himg h;

	(void)state;
	copy_base(img, sizeof(img), "dfree.img");
	assert_int_equal(h_sh("debugfs -w -R 'freeb %ld' '%s' >/dev/null 2>&1", bmap0(img, "/file"), img),
			 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(ext2_path_unlink(fs, "/file"), -EUCLEAN);
	assert_non_null(strstr(ext2_last_error(), "marked free"));
	/* nothing changed: the name is still there */
	assert_int_equal(ext2_dir_lookup(fs, "/file", &(uint32_t){0}), 0);
	ext2_unmount(fs);
	h_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_magic),    cmocka_unit_test(test_block_size),
		cmocka_unit_test(test_group_count),  cmocka_unit_test(test_device_short),
		cmocka_unit_test(test_group_desc),   cmocka_unit_test(test_features),
		cmocka_unit_test(test_dir_rec_len),  cmocka_unit_test(test_inode_past_disk),
		cmocka_unit_test(test_dir_loop),     cmocka_unit_test(test_double_free),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);

	if (rc == 0)
		h_sh("rm -rf '%s'", h_scratch());
	return rc;
}
