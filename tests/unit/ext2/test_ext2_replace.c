/*
 * Replacing a file atomically, as the parent writes a VM's config.txt
 * (partition/vmstore.c, docs/vm-config.md "Writing"): write NAME.new,
 * sync, rename it over NAME, sync. The power is cut after every device
 * write of that sequence in turn (later writes never reach the image);
 * the image, mounted afresh, must then hold the old file or the new one
 * under NAME, whole, never a mix, a short file or no file. After the last
 * sync it holds the new one and e2fsck -fn is clean.
 *
 * Growing a file, as a dynamic VHD grows under a running VM: the power is
 * cut after every device write of sparse writes that allocate data and
 * indirect blocks; the image is then mounted and written again without
 * an fsck (as the parent does at boot), and no block may end up owned by
 * two files (e2fsck's "multiply-claimed"): a bitmap written after the
 * inode that points at its new block would let the next mount hand it out
 * again (partition/fs/ext2_alloc.c ext2_alloc_commit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/ext2/ext2_harness.h"

#define OLD_LEN 5000u
#define NEW_LEN 7300u

/* A device that loses power after budget writes: the driver keeps
 * running on "live" (it reads back what it wrote, as the machine would
 * until it stops), while "disk", what is left after the cut, gets only
 * the writes made before it. */
struct cut {
	struct himg *live, *disk;
	long budget;       /* writes that reach the disk; < 0: all */
	long writes;
};

static int cut_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct cut *c = ctx;

	return c->live->ops.read(c->live, off, buf, len);
}

static int cut_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct cut *c = ctx;
	int rc = c->live->ops.write(c->live, off, buf, len);

	c->writes++;
	if (rc >= 0 && (c->budget < 0 || c->writes <= c->budget))
		rc = c->disk->ops.write(c->disk, off, buf, len);
	return rc;
}

static int cut_flush(void *ctx)
{
	struct cut *c = ctx;

	return c->disk->ops.flush(c->disk);
}

static void base_image(const char *img, uint8_t *old)
{
	struct himg h;
	struct ext2_fs *fs;

	assert_int_equal(h_mkfs(img, 1024, "4M", NULL, NULL), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(ext2_dir_create(fs, "/vm"), 0);
	assert_int_equal(h_write_file(fs, "/vm/config.txt", old, OLD_LEN), 0);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
}

/* The replacement, through a device that may lose power; returns the
 * number of device writes it made. live is a scratch copy of img. */
static long replace(const char *img, const char *live_img, long budget, const uint8_t *data)
{
	struct himg disk, live;
	struct cut c = { &live, &disk, budget, 0 };
	struct ext2_dev_ops ops;
	struct ext2_fs *fs;
	long total;

	assert_int_equal(h_open(&disk, img), 0);
	assert_int_equal(h_open(&live, live_img), 0);
	ops = (struct ext2_dev_ops){ cut_read, cut_write, cut_flush, disk.ops.size };
	assert_int_equal(ext2_mount(&ops, &c, 0, &fs), 0);
	assert_int_equal(h_write_file(fs, "/vm/config.txt.new", data, NEW_LEN), 0);
	assert_int_equal(ext2_sync(fs), 0);
	assert_int_equal(ext2_path_rename(fs, "/vm/config.txt.new", "/vm/config.txt"), 0);
	assert_int_equal(ext2_sync(fs), 0);
	total = c.writes;
	/* After a cut nothing more reaches the disk, unmount included: the
	 * image is what the power cut left. */
	if (budget >= 0)
		c.budget = 0;
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&disk);
	h_close(&live);
	return total;
}

static void check_after(const char *img, const uint8_t *old, const uint8_t *new_data,
			int must_be_new, int *saw_old, int *saw_new)
{
	struct himg h;
	struct ext2_fs *fs;
	uint8_t *got;
	size_t len = 0;

	assert_int_equal(h_mount(&h, img, EXT2_MOUNT_RDONLY, &fs), 0);
	assert_int_equal(h_read_file(fs, "/vm/config.txt", &got, &len), 0);
	if (len == OLD_LEN && !memcmp(got, old, OLD_LEN) && !must_be_new)
		(*saw_old)++;
	else if (len == NEW_LEN && !memcmp(got, new_data, NEW_LEN))
		(*saw_new)++;
	else
		fail_msg("config.txt is neither the old file nor the new one (%zu bytes)", len);
	free(got);
	ext2_unmount(fs);
	h_close(&h);
}

static void test_replace_cut_everywhere(void **state)
{
	char img[512], work[512], live[512];
	uint8_t old[OLD_LEN], new_data[NEW_LEN];
	int saw_old = 0, saw_new = 0;
	long total;

	(void)state;
	h_pattern(old, sizeof(old), 0, 1);
	h_pattern(new_data, sizeof(new_data), 0, 2);
	h_path(img, sizeof(img), "replace-base.img");
	h_path(work, sizeof(work), "replace-work.img");
	h_path(live, sizeof(live), "replace-live.img");
	base_image(img, old);
	assert_int_equal(h_sh("cp %s %s && cp %s %s", img, work, img, live), 0);
	total = replace(work, live, -1, new_data);
	assert_true(total > 4);
	check_after(work, old, new_data, 1, &saw_old, &saw_new);
	assert_int_equal(h_fsck(work), 0);
	for (long k = 0; k < total; k++) {
		assert_int_equal(h_sh("cp %s %s && cp %s %s", img, work, img, live), 0);
		replace(work, live, k, new_data);
		check_after(work, old, new_data, 0, &saw_old, &saw_new);
	}
	/* Both outcomes happen: the cut points span the rename. */
	assert_true(saw_old > 0);
	assert_true(saw_new > 1);
	print_message("%ld cut points: old file %d times, new file %d times\n", total, saw_old,
		      saw_new - 1);
}

/* Sparse 1 KiB writes into /vm/disk.vhd past its 12 direct blocks, each
 * allocating a data block and some an indirect block, with no sync. */
static long grow(const char *img, const char *live_img, long budget)
{
	struct himg disk, live;
	struct cut c = { &live, &disk, budget, 0 };
	struct ext2_dev_ops ops;
	struct ext2_fs *fs;
	struct ext2_file *f;
	uint8_t blk[1024];
	long total;

	assert_int_equal(h_open(&disk, img), 0);
	assert_int_equal(h_open(&live, live_img), 0);
	ops = (struct ext2_dev_ops){ cut_read, cut_write, cut_flush, disk.ops.size };
	assert_int_equal(ext2_mount(&ops, &c, 0, &fs), 0);
	assert_int_equal(ext2_file_open(fs, "/vm/disk.vhd", EXT2_O_RDWR, &f), 0);
	for (uint32_t i = 0; i < 6; i++) {
		h_pattern(blk, sizeof(blk), i, 3);
		assert_int_equal(ext2_file_write(f, (20 + i * 300ull) * 1024, blk, sizeof(blk)), 1024);
	}
	total = c.writes;
	ext2_file_close(f);
	c.budget = budget < 0 ? -1 : 0;
	ext2_unmount(fs);
	h_close(&disk);
	h_close(&live);
	return total;
}

/* After the cut: the parent's next boot mounts without fsck and makes a
 * file; then no block may belong to two files. */
static void after_reboot(const char *img)
{
	struct himg h;
	struct ext2_fs *fs;
	uint8_t data[64 * 1024];

	h_pattern(data, sizeof(data), 0, 4);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(h_write_file(fs, "/vm/after.txt", data, sizeof(data)), 0);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
	assert_int_not_equal(h_sh("e2fsck -fn %s 2>&1 | grep -qi multiply-claimed", img), 0);
}

static void test_grow_cut_no_shared_blocks(void **state)
{
	char img[512], work[512], live[512];
	uint8_t first[4096];
	struct himg h;
	struct ext2_fs *fs;
	long total;

	(void)state;
	h_path(img, sizeof(img), "grow-base.img");
	h_path(work, sizeof(work), "grow-work.img");
	h_path(live, sizeof(live), "grow-live.img");
	assert_int_equal(h_mkfs(img, 1024, "4M", NULL, NULL), 0);
	assert_int_equal(h_mount(&h, img, 0, &fs), 0);
	assert_int_equal(ext2_dir_create(fs, "/vm"), 0);
	h_pattern(first, sizeof(first), 0, 5);
	assert_int_equal(h_write_file(fs, "/vm/disk.vhd", first, sizeof(first)), 0);
	assert_int_equal(ext2_unmount(fs), 0);
	h_close(&h);
	assert_int_equal(h_sh("cp %s %s && cp %s %s", img, work, img, live), 0);
	total = grow(work, live, -1);
	assert_true(total > 12);
	for (long k = 0; k <= total; k++) {
		assert_int_equal(h_sh("cp %s %s && cp %s %s", img, work, img, live), 0);
		grow(work, live, k);
		after_reboot(work);
	}
	print_message("%ld cut points, no block owned twice after a remount\n", total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_cut_everywhere),
		cmocka_unit_test(test_grow_cut_no_shared_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
