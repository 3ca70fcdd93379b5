/*
 * Namespace operations: create, unlink, mkdir, rmdir and rename, with link
 * counts, ".." entries and error cases; e2fsck -fn after each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/ext2/ext2_harness.h"

struct ctx {
	char img[512];
	struct himg h;
	struct ext2_fs *fs;
	uint64_t free0, ifree0;
};

static void fresh(struct ctx *c, const char *name, unsigned bs)
{
	struct ext2_statfs st;
	char src[512];

	h_path(src, sizeof(src), "nssrc");
	h_make_tree(src, 0);
	snprintf(c->img, sizeof(c->img), "%s/%s", h_scratch(), name);
	assert_int_equal(h_mkfs(c->img, bs, "16M", src, NULL), 0);
	assert_int_equal(h_mount(&c->h, c->img, 0, &c->fs), 0);
	ext2_statfs_get(c->fs, &st);
	c->free0 = st.free_blocks;
	c->ifree0 = st.free_inodes;
}

static void finish(struct ctx *c)
{
	assert_int_equal(ext2_unmount(c->fs), 0);
	h_close(&c->h);
	assert_int_equal(h_fsck(c->img), 0);
}

static uint32_t links(struct ctx *c, const char *path)
{
	struct ext2_stat st;

	assert_int_equal(ext2_path_stat(c->fs, path, &st), 0);
	return st.links;
}

static uint32_t ino_of(struct ctx *c, const char *path)
{
	uint32_t ino;

	assert_int_equal(ext2_dir_lookup(c->fs, path, &ino), 0);
	return ino;
}

static void expect_content(struct ctx *c, const char *path, const char *text)
{
	uint8_t *d;
	size_t n;

	assert_int_equal(h_read_file(c->fs, path, &d, &n), 0);
	assert_int_equal(n, strlen(text));
	assert_memory_equal(d, text, n);
	free(d);
}

static void test_mkdir_rmdir(void **state)
{
	struct ctx c;
	struct ext2_statfs st;

	(void)state;
	fresh(&c, "mkdir.img", 1024);
	uint32_t root_links = links(&c, "/");
	assert_int_equal(ext2_dir_create(c.fs, "/a"), 0);
	assert_int_equal(ext2_dir_create(c.fs, "/a/b"), 0);
	assert_int_equal(ext2_dir_create(c.fs, "/a/b/c"), 0);
	assert_int_equal(links(&c, "/"), root_links + 1);
	assert_int_equal(links(&c, "/a"), 3);
	assert_int_equal(links(&c, "/a/b/c"), 2);
	assert_int_equal(ino_of(&c, "/a/b/c/.."), ino_of(&c, "/a/b"));
	assert_int_equal(ext2_dir_create(c.fs, "/a"), -EEXIST);
	assert_int_equal(ext2_dir_create(c.fs, "/nope/x"), -ENOENT);
	assert_int_equal(ext2_dir_create(c.fs, "/f1_1.bin/x"), -ENOTDIR);
	assert_int_equal(ext2_dir_create(c.fs, "/a/.."), -EINVAL);
	assert_int_equal(ext2_dir_remove(c.fs, "/a"), -ENOTEMPTY);
	assert_int_equal(ext2_dir_remove(c.fs, "/f1_1.bin"), -ENOTDIR);
	assert_int_equal(ext2_dir_remove(c.fs, "/"), -EINVAL);
	assert_int_equal(ext2_path_unlink(c.fs, "/a"), -EISDIR);
	assert_int_equal(ext2_dir_remove(c.fs, "/a/b/c"), 0);
	assert_int_equal(ext2_dir_remove(c.fs, "a\\b"), 0);
	assert_int_equal(links(&c, "/a"), 2);
	assert_int_equal(ext2_dir_remove(c.fs, "/a/"), 0);
	assert_int_equal(links(&c, "/"), root_links);
	assert_int_equal(ext2_dir_remove(c.fs, "/empty dir"), 0);
	assert_int_equal(ext2_dir_lookup(c.fs, "/empty dir", &(uint32_t){0}), -ENOENT);
	ext2_statfs_get(c.fs, &st);
	assert_int_equal(st.free_inodes, c.ifree0 + 1);
	finish(&c);
}

static void test_create_unlink(void **state)
{
	char name[300];
	struct ctx c;
	struct ext2_file *f;
	unsigned i;

	(void)state;
	fresh(&c, "create.img", 1024);
	assert_int_equal(ext2_dir_create(c.fs, "/d"), 0);
	/* Enough entries to grow the directory over several blocks. */
	for (i = 0; i < 120; i++) {
		snprintf(name, sizeof(name), "/d/file-number-%03u-with-padding", i);
		assert_int_equal(h_write_file(c.fs, name, name, strlen(name)), 0);
	}
	assert_int_equal(ext2_file_open(c.fs, "/d/file-number-007-with-padding",
					EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_EXCL, &f), -EEXIST);
	assert_int_equal(ext2_file_open(c.fs, "/d", EXT2_O_RDONLY, &f), -EISDIR);
	assert_int_equal(ext2_file_open(c.fs, "/d/none", EXT2_O_RDONLY, &f), -ENOENT);
	memset(name, 'n', 257);
	name[0] = '/';
	name[257] = 0;
	assert_int_equal(ext2_file_open(c.fs, name, EXT2_O_RDWR | EXT2_O_CREAT, &f), -ENAMETOOLONG);
	name[256] = 0; /* exactly 255 bytes */
	assert_int_equal(h_write_file(c.fs, name, "max", 3), 0);
	expect_content(&c, name, "max");
	assert_int_equal(ext2_path_unlink(c.fs, name), 0);
	/* An open file cannot be unlinked. */
	assert_int_equal(ext2_file_open(c.fs, "/d/file-number-003-with-padding", EXT2_O_RDONLY, &f), 0);
	assert_int_equal(ext2_path_unlink(c.fs, "/d/file-number-003-with-padding"), -EBUSY);
	ext2_file_close(f);
	for (i = 0; i < 120; i += 2) {
		snprintf(name, sizeof(name), "/d/file-number-%03u-with-padding", i);
		assert_int_equal(ext2_path_unlink(c.fs, name), 0);
	}
	assert_int_equal(ext2_path_unlink(c.fs, "/d/file-number-000-with-padding"), -ENOENT);
	expect_content(&c, "/d/file-number-001-with-padding", "/d/file-number-001-with-padding");
	/* Entries go back into the freed slots. */
	assert_int_equal(h_write_file(c.fs, "/d/x", "x", 1), 0);
	/* Files that came from mke2fs -d. */
	assert_int_equal(ext2_path_unlink(c.fs, "/f10_1126400.bin"), 0);
	assert_int_equal(ext2_path_unlink(c.fs, "/sub/deeper/leaf"), 0);
	finish(&c);
}

static void test_rename(void **state)
{
	struct ctx c;
	uint32_t root_links, ino;

	(void)state;
	fresh(&c, "rename.img", 4096);
	root_links = links(&c, "/");
	assert_int_equal(h_write_file(c.fs, "/one", "first", 5), 0);
	assert_int_equal(h_write_file(c.fs, "/two", "second", 6), 0);
	ino = ino_of(&c, "/one");
	/* Same directory. */
	assert_int_equal(ext2_path_rename(c.fs, "/one", "/uno"), 0);
	assert_int_equal(ino_of(&c, "/uno"), ino);
	assert_int_equal(ext2_dir_lookup(c.fs, "/one", &ino), -ENOENT);
	/* Replacing a file frees the old one. */
	assert_int_equal(ext2_path_rename(c.fs, "/uno", "/two"), 0);
	expect_content(&c, "/two", "first");
	/* Across directories. */
	assert_int_equal(ext2_path_rename(c.fs, "/two", "/sub/deeper/moved"), 0);
	expect_content(&c, "/sub/deeper/moved", "first");
	/* Renaming to itself is a no-op. */
	assert_int_equal(ext2_path_rename(c.fs, "/sub/deeper/moved", "sub/./deeper/moved"), 0);
	/* A directory across parents: "..", link counts. */
	assert_int_equal(ext2_path_rename(c.fs, "/sub/deeper", "/many/deeper2"), 0);
	assert_int_equal(links(&c, "/sub"), 2);
	assert_int_equal(links(&c, "/many"), 3);
	assert_int_equal(ino_of(&c, "/many/deeper2/.."), ino_of(&c, "/many"));
	expect_content(&c, "/many/deeper2/moved", "first");
	/* Errors. */
	assert_int_equal(ext2_path_rename(c.fs, "/many", "/many/deeper2/x"), -EINVAL);
	assert_int_equal(ext2_path_rename(c.fs, "/many", "/sub"), -ENOTEMPTY);
	assert_int_equal(ext2_path_rename(c.fs, "/many/deeper2", "/f0_0.bin"), -ENOTDIR);
	assert_int_equal(ext2_path_rename(c.fs, "/f0_0.bin", "/sub"), -EISDIR);
	assert_int_equal(ext2_path_rename(c.fs, "/nothing", "/x"), -ENOENT);
	/* A directory replacing an empty directory, same parent and across. */
	assert_int_equal(ext2_dir_create(c.fs, "/e1"), 0);
	assert_int_equal(ext2_path_rename(c.fs, "/e1", "/empty dir"), 0);
	assert_int_equal(links(&c, "/"), root_links);
	assert_int_equal(ext2_dir_create(c.fs, "/sub/e2"), 0);
	assert_int_equal(ext2_path_rename(c.fs, "/many/deeper2", "/sub/e2"), 0);
	assert_int_equal(links(&c, "/many"), 2);
	assert_int_equal(links(&c, "/sub"), 3);
	assert_int_equal(ino_of(&c, "/sub/e2/.."), ino_of(&c, "/sub"));
	assert_int_equal(ext2_path_rename(c.fs, "/sub/e2", "/back"), 0);
	assert_int_equal(links(&c, "/"), root_links + 1);
	finish(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_rmdir),
		cmocka_unit_test(test_create_unlink),
		cmocka_unit_test(test_rename),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (rc == 0)
		h_sh("rm -rf '%s'", h_scratch());
	return rc;
}
