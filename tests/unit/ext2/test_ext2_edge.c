/*
 * Less common on-disk shapes: hash-indexed directories, extended attribute
 * blocks, fast and slow symlinks, a volume that was not clean at mount, and
 * a block bitmap that calls metadata free. e2fsck -fn is the oracle.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/ext2/ext2_harness.h"

static uint16_t peek16(const char *img, long off)
{
	uint8_t b[2] = { 0, 0 };
	FILE *f = fopen(img, "rb");

	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fread(b, 1, 2, f), 2);
	fclose(f);
	return (uint16_t)(b[0] | (b[1] << 8));
}

static void finish(struct ext2_fs *fs, struct himg *h, const char *img)
{
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(h);
	assert_int_equal(h_fsck(img), 0);
}

/* e2fsck -D builds htree indexes; changing such a directory must leave it
 * valid (the driver drops the index flag and keeps the linear layout). */
static void test_htree_dir(void **state)
{
	char src[512], img[512], name[300];
	struct ext2_fs *fs;
	struct himg h;
	unsigned i;

	(void)state;
	h_path(src, sizeof(src), "htsrc");
	h_path(img, sizeof(img), "htree.img");
	h_sh("rm -rf '%s' && mkdir -p '%s/big'", src, src);
	for (i = 0; i < 400; i++)
		h_sh("echo %u > '%s/big/a-rather-long-file-name-to-fill-blocks-%04u'", i, src, i);
	assert_int_equal(h_mkfs(img, 1024, "8M", src, NULL), 0);
	h_sh("e2fsck -fyD '%s' >/dev/null 2>&1", img);
	assert_int_equal(h_sh("debugfs -R 'stat /big' '%s' 2>/dev/null | grep -q 'Flags: 0x1000'", img), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	for (i = 0; i < 400; i += 3) {
		snprintf(name, sizeof(name), "/big/a-rather-long-file-name-to-fill-blocks-%04u", i);
		assert_int_equal(ext2_path_unlink(fs, name), 0);
	}
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "/big/new-%u", i);
		assert_int_equal(h_write_file(fs, name, "n", 1), 0);
	}
	assert_int_equal(ext2_dir_lookup(fs, "/big/a-rather-long-file-name-to-fill-blocks-0398",
					 &(uint32_t){0}), 0);
	finish(fs, &h, img);
}

/* An xattr block is shared by refcount and freed with its last user. */
static void test_xattr_block(void **state)
{
	char src[512], img[512], val[512];
	struct ext2_fs *fs;
	struct himg h;
	struct ext2_statfs st0, st1;

	(void)state;
	h_path(src, sizeof(src), "xsrc");
	h_path(img, sizeof(img), "xattr.img");
	h_path(val, sizeof(val), "xval");
	h_sh("rm -rf '%s' && mkdir -p '%s' && echo data > '%s/f' && head -c 400 /dev/zero | tr '\\0' v > '%s'",
	     src, src, src, val);
	assert_int_equal(h_mkfs(img, 1024, "4M", src, "-I 128"), 0);
	assert_int_equal(h_sh("debugfs -w -R 'ea_set -f %s /f user.big' '%s' >/dev/null 2>&1", val, img), 0);
	assert_int_equal(h_sh("debugfs -R 'stat /f' '%s' 2>/dev/null | grep -q 'File ACL: [1-9]'", img), 0);
	assert_int_equal(h_fsck(img), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	ext2_statfs_get(fs, &st0);
	assert_int_equal(ext2_path_unlink(fs, "/f"), 0);
	ext2_statfs_get(fs, &st1);
	assert_int_equal(st1.free_blocks, st0.free_blocks + 2); /* data + xattr block */
	finish(fs, &h, img);
}

static void test_symlinks(void **state)
{
	char src[512], img[512];
	struct ext2_fs *fs;
	struct ext2_stat st;
	struct himg h;

	(void)state;
	h_path(src, sizeof(src), "lsrc");
	h_path(img, sizeof(img), "links.img");
	h_sh("rm -rf '%s' && mkdir -p '%s' && echo t > '%s/target' && ln -s target '%s/fast' && "
	     "ln -s %0120d '%s/slow'", src, src, src, src, 7, src);
	assert_int_equal(h_mkfs(img, 1024, "4M", src, NULL), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(ext2_path_stat(fs, "/fast", &st), 0);
	assert_int_equal(st.type, EXT2_TYPE_SYMLINK);
	assert_int_equal(st.size, 6);
	assert_int_equal(ext2_path_stat(fs, "/slow", &st), 0);
	assert_int_equal(st.size, 120);
	assert_int_equal(ext2_file_open(fs, "/fast", EXT2_O_RDONLY, &(struct ext2_file *){NULL}), -EINVAL);
	{
		char t[200], want[130];

		assert_int_equal(ext2_link_read(fs, "/fast", t, sizeof(t)), 6);
		assert_string_equal(t, "target");
		snprintf(want, sizeof(want), "%0120d", 7);
		assert_int_equal(ext2_link_read(fs, "/slow", t, sizeof(t)), 120);
		assert_string_equal(t, want);
		assert_int_equal(ext2_link_read(fs, "/slow", t, 50), -ENAMETOOLONG);
		assert_int_equal(ext2_link_read(fs, "/target", t, sizeof(t)), -EINVAL);
	}
	assert_int_equal(ext2_path_rename(fs, "/fast", "/fast2"), 0);
	assert_int_equal(ext2_path_unlink(fs, "/fast2"), 0);
	assert_int_equal(ext2_path_unlink(fs, "/slow"), 0);
	finish(fs, &h, img);
}

/* A volume that was not clean when mounted stays marked for e2fsck. */
static void test_unclean_kept(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct himg h;
	FILE *f;

	(void)state;
	h_path(img, sizeof(img), "unclean.img");
	assert_int_equal(h_mkfs(img, 4096, "8M", NULL, NULL), 0);
	f = fopen(img, "r+b");
	assert_int_equal(fseek(f, 1024 + 58, SEEK_SET), 0);
	assert_int_equal(fputc(0, f), 0);
	fclose(f);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
	assert_int_equal(peek16(img, 1024 + 58) & 1, 0);
}

/* A bitmap that frees the inode table must not get it overwritten. */
static void test_bitmap_metadata(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct himg h;
	int rc;

	(void)state;
	h_path(img, sizeof(img), "meta.img");
	assert_int_equal(h_mkfs(img, 1024, "4M", NULL, NULL), 0);
	assert_int_equal(h_sh("b=$(dumpe2fs '%s' 2>/dev/null | sed -n 's/.*Inode table at \\([0-9]*\\)-.*/\\1/p' "
			      "| head -1) && debugfs -w -R \"freeb $b\" '%s' >/dev/null 2>&1", img, img), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	rc = h_write_file(fs, "/f", "data", 4);
	assert_int_equal(rc, -EUCLEAN);
	assert_non_null(strstr(ext2_last_error(), "metadata"));
	ext2_unmount(fs);
	h_close(&h);
}

/* The disk goes away mid-operation (a pulled VHD backing file): after the
 * Nth device call every read and write fails. Each call must return an
 * error, never crash or leak, for every N. */
struct faulty {
	struct himg h;
	struct ext2_dev_ops ops;
	int budget;
};

static int fl_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct faulty *f = ctx;

	if (f->budget-- <= 0)
		return -EIO;
	return f->h.ops.read(&f->h, off, buf, len);
}

static int fl_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct faulty *f = ctx;

	if (f->budget-- <= 0)
		return -EIO;
	return f->h.ops.write(&f->h, off, buf, len);
}

static int fl_flush(void *ctx)
{
	struct faulty *f = ctx;

	return f->budget-- <= 0 ? -EIO : 0;
}

static int rc_ok(int64_t rc)
{
	return rc >= 0 || rc == -EIO || rc == -ENOENT || rc == -EEXIST;
}

static int pulled_run(const char *img, int budget)
{
	static uint8_t buf[40000];
	struct faulty fl;
	struct ext2_fs *fs;
	struct ext2_file *f;
	int rc;

	assert_int_equal(h_open(&fl.h, img), 0);
	fl.ops = (struct ext2_dev_ops){ fl_read, fl_write, fl_flush, fl.h.ops.size };
	fl.budget = budget;
	rc = ext2_mount(&fl.ops, &fl, 0, &fs);
	assert_true(rc == 0 || rc == -EIO);
	if (rc == 0) {
		assert_true(rc_ok(ext2_dir_create(fs, "/d")));
		rc = ext2_file_open(fs, "/d/f", EXT2_O_RDWR | EXT2_O_CREAT, &f);
		assert_true(rc_ok(rc));
		if (rc == 0) {
			assert_true(rc_ok(ext2_file_write(f, 0, buf, sizeof(buf))));
			assert_true(rc_ok(ext2_file_write(f, 300000, buf, 100)));
			assert_true(rc_ok(ext2_file_read(f, 0, buf, sizeof(buf))));
			assert_true(rc_ok(ext2_file_truncate(f, 5)));
			ext2_file_close(f);
		}
		assert_true(rc_ok(ext2_path_rename(fs, "/d/f", "/g")));
		assert_true(rc_ok(ext2_path_unlink(fs, "/g")));
		assert_true(rc_ok(ext2_dir_remove(fs, "/d")));
		rc = ext2_unmount(fs);
		assert_true(rc == 0 || rc == -EIO);
	}
	h_close(&fl.h);
	return fl.budget > 0; /* finished with calls to spare */
}

static void test_disk_pulled(void **state)
{
	char base[512], img[512];
	int n;

	(void)state;
	h_path(base, sizeof(base), "pulled-base.img");
	h_path(img, sizeof(img), "pulled.img");
	assert_int_equal(h_mkfs(base, 1024, "2M", NULL, NULL), 0);
	for (n = 0; n < 400; n += 2) {
		assert_int_equal(h_sh("cp '%s' '%s'", base, img), 0);
		if (pulled_run(img, n))
			break;
	}
	assert_true(n < 400); /* the script completes with enough calls */
	assert_int_equal(h_fsck(img), 0);
}

/* A directory at the link limit (EXT2_LINK_MAX) refuses a subdirectory
 * with -EMLINK and keeps its link count: the failed mkdir must not undo an
 * increment it never made. The file it tried to create is gone too. */
static void test_mkdir_link_limit(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct ext2_stat st;
	struct ext2_statfs before, after;
	struct himg h;

	(void)state;
	h_path(img, sizeof(img), "linkmax.img");
	assert_int_equal(h_mkfs(img, 1024, "2M", NULL, NULL), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(ext2_dir_create(fs, "/d"), 0);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
	assert_int_equal(h_sh("debugfs -w -R 'sif /d links_count 32000' '%s' >/dev/null 2>&1",
			      img), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(ext2_statfs_get(fs, &before), 0);
	assert_int_equal(ext2_dir_create(fs, "/d/x"), -EMLINK);
	assert_int_equal(ext2_path_stat(fs, "/d", &st), 0);
	assert_int_equal(st.links, 32000);
	assert_int_equal(ext2_path_stat(fs, "/d/x", &st), -ENOENT);
	assert_int_equal(ext2_statfs_get(fs, &after), 0);
	assert_int_equal(after.free_inodes, before.free_inodes);
	assert_int_equal(after.free_blocks, before.free_blocks);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_htree_dir),    cmocka_unit_test(test_xattr_block),
		cmocka_unit_test(test_symlinks),     cmocka_unit_test(test_unclean_kept),
		cmocka_unit_test(test_bitmap_metadata), cmocka_unit_test(test_disk_pulled),
		cmocka_unit_test(test_mkdir_link_limit),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (rc == 0)
		h_sh("rm -rf '%s'", h_scratch());
	return rc;
}
