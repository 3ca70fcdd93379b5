/*
 * Reading images made by `mke2fs -t ext2 -d`: every file and directory of
 * the source folder must read back byte for byte, at 1, 2 and 4 KiB blocks.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/unit/ext2/ext2_harness.h"

struct names {
	char name[200][256];
	int n;
};

static int collect(void *ctx, const struct ext2_dirent *e)
{
	struct names *nm = ctx;

	if (strcmp(e->name, ".") && strcmp(e->name, "..") && nm->n < 200)
		snprintf(nm->name[nm->n++], 256, "%s", e->name);
	return 0;
}

static int has_name(const struct names *nm, const char *name)
{
	int i;

	for (i = 0; i < nm->n; i++)
		if (!strcmp(nm->name[i], name))
			return 1;
	return 0;
}

static void compare_file(struct ext2_fs *fs, const char *host, const char *rel, off_t size)
{
	uint8_t *got, *want = malloc(size ? (size_t)size : 1);
	size_t len = 0;
	FILE *f = fopen(host, "rb");

	assert_non_null(f);
	assert_int_equal(fread(want, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	assert_int_equal(h_read_file(fs, rel, &got, &len), 0);
	assert_int_equal(len, (size_t)size);
	assert_memory_equal(got, want, (size_t)size);
	free(got);
	free(want);
}

/* Walks the host folder and checks the image has the same tree. */
static void compare_tree(struct ext2_fs *fs, const char *host, const char *rel, int *files)
{
	struct names *nm = calloc(1, sizeof(*nm));
	DIR *d = opendir(host);
	struct dirent *de;
	int count = 0;

	assert_non_null(d);
	assert_int_equal(ext2_dir_list(fs, rel, collect, nm), 0);
	while ((de = readdir(d)) != NULL) {
		char hp[1024], rp[1024];
		struct ext2_stat st;
		struct stat hs;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		count++;
		snprintf(hp, sizeof(hp), "%s/%s", host, de->d_name);
		snprintf(rp, sizeof(rp), "%s/%s", rel, de->d_name);
		assert_true(has_name(nm, de->d_name));
		assert_int_equal(stat(hp, &hs), 0);
		assert_int_equal(ext2_path_stat(fs, rp, &st), 0);
		if (S_ISDIR(hs.st_mode)) {
			assert_int_equal(st.type, EXT2_TYPE_DIR);
			compare_tree(fs, hp, rp, files);
		} else {
			assert_int_equal(st.type, EXT2_TYPE_FILE);
			assert_int_equal(st.size, (uint64_t)hs.st_size);
			compare_file(fs, hp, rp, hs.st_size);
			(*files)++;
		}
	}
	closedir(d);
	if (strcmp(rel, "") == 0)
		count++; /* lost+found made by mke2fs */
	assert_int_equal(count, nm->n);
	free(nm);
}

static void read_all(unsigned bs)
{
	char src[512], img[512];
	struct ext2_fs *fs;
	struct himg h;
	int files = 0;

	h_path(src, sizeof(src), "src");
	snprintf(img, sizeof(img), "%s/read%u.img", h_scratch(), bs);
	h_make_tree(src, bs == 1024);
	assert_int_equal(h_mkfs(img, bs, "12M", src, NULL), 0);
	assert_int_equal(h_mount(&h, img, EXT2_MOUNT_RDONLY, &fs), 0);
	compare_tree(fs, src, "", &files);
	assert_true(files > 150);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
	assert_int_equal(h_fsck(img), 0);
}

static void test_read_1k(void **state)
{
	(void)state;
	read_all(1024);
}

static void test_read_2k(void **state)
{
	(void)state;
	read_all(2048);
}

static void test_read_4k(void **state)
{
	(void)state;
	read_all(4096);
}

static void test_sparse_triple(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct ext2_file *f;
	struct himg h;
	uint8_t buf[4096];

	(void)state;
	snprintf(img, sizeof(img), "%s/read1024.img", h_scratch());
	assert_int_equal(h_mount(&h, img, EXT2_MOUNT_RDONLY, &fs), 0);
	assert_int_equal(ext2_file_open(fs, "sparse.img", EXT2_O_RDONLY, &f), 0);
	assert_int_equal(ext2_file_size(f), 70000006u);
	/* A hole in the middle reads as zeros. */
	memset(buf, 0xAA, sizeof(buf));
	assert_int_equal(ext2_file_read(f, 5000000, buf, sizeof(buf)), (int64_t)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(ext2_file_read(f, 70000000 - 2, buf, 100), 8);
	assert_memory_equal(buf, "\0\0triple", 8);
	assert_int_equal(ext2_file_read(f, 70000006, buf, 100), 0);
	ext2_file_close(f);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
}

static void test_paths(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct ext2_stat st;
	struct himg h;
	uint32_t a, b;

	(void)state;
	snprintf(img, sizeof(img), "%s/read4096.img", h_scratch());
	assert_int_equal(h_mount(&h, img, EXT2_MOUNT_RDONLY, &fs), 0);
	assert_int_equal(ext2_dir_lookup(fs, "/sub/deeper/leaf", &a), 0);
	assert_int_equal(ext2_dir_lookup(fs, "\\sub\\deeper\\leaf", &b), 0);
	assert_int_equal(a, b);
	assert_int_equal(ext2_dir_lookup(fs, "sub/./deeper/../deeper//leaf", &b), 0);
	assert_int_equal(a, b);
	assert_int_equal(ext2_dir_lookup(fs, "/..", &b), 0);
	assert_int_equal(b, 2);
	assert_int_equal(ext2_dir_lookup(fs, "", &b), 0);
	assert_int_equal(b, 2);
	assert_int_equal(ext2_dir_lookup(fs, "/sub/nothere", &b), -ENOENT);
	assert_non_null(strstr(ext2_last_error(), "not found"));
	assert_int_equal(ext2_dir_lookup(fs, "/sub/deeper/leaf/x", &b), -ENOTDIR);
	assert_int_equal(ext2_path_stat(fs, "/sub", &st), 0);
	assert_int_equal(st.type, EXT2_TYPE_DIR);
	assert_int_equal(st.links, 3); /* ., entry in root, deeper/.. */
	/* Read-only mounts refuse every change. */
	assert_int_equal(ext2_dir_create(fs, "/newdir"), -EROFS);
	assert_int_equal(ext2_path_unlink(fs, "/sub/deeper/leaf"), -EROFS);
	assert_int_equal(ext2_is_read_only(fs), 1);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
}

/* Mounted read-write the state is "not clean"; unmount makes it clean. */
static void test_state_flag(void **state)
{
	char img[512];
	struct ext2_fs *fs;
	struct himg h;
	uint8_t st[2];
	FILE *f;

	(void)state;
	snprintf(img, sizeof(img), "%s/read4096.img", h_scratch());
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	f = fopen(img, "rb");
	assert_int_equal(fseek(f, 1024 + 58, SEEK_SET), 0);
	assert_int_equal(fread(st, 1, 2, f), 2);
	assert_int_equal(st[0] & 1, 0);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
	fclose(f);
	f = fopen(img, "rb");
	assert_int_equal(fseek(f, 1024 + 58, SEEK_SET), 0);
	assert_int_equal(fread(st, 1, 2, f), 2);
	assert_int_equal(st[0] & 1, 1);
	fclose(f);
	assert_int_equal(h_fsck(img), 0);
}

static void test_rev0(void **state)
{
	char src[512], img[512];
	struct ext2_fs *fs;
	struct himg h;
	uint8_t *data;
	size_t len;

	(void)state;
	h_path(src, sizeof(src), "src0");
	h_path(img, sizeof(img), "rev0.img");
	h_sh("rm -rf '%s' && mkdir -p '%s/d' && printf 'old revision' > '%s/d/f'", src, src, src);
	assert_int_equal(h_mkfs(img, 1024, "2M", src, "-r 0"), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(h_read_file(fs, "/d/f", &data, &len), 0);
	assert_int_equal(len, 12);
	assert_memory_equal(data, "old revision", 12);
	free(data);
	assert_int_equal(h_write_file(fs, "/d/g", "new", 3), 0);
	assert_int_equal(ext2_dir_create(fs, "/d/e"), 0);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
	assert_int_equal(h_fsck(img), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_1k),       cmocka_unit_test(test_read_2k),
		cmocka_unit_test(test_read_4k),       cmocka_unit_test(test_sparse_triple),
		cmocka_unit_test(test_paths),         cmocka_unit_test(test_state_flag),
		cmocka_unit_test(test_rev0),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (rc == 0)
		h_sh("rm -rf '%s'", h_scratch());
	return rc;
}
