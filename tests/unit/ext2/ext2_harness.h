/*
 * Host-side helpers for the ext2 tests: images made by mke2fs in
 * build/test-scratch/ext2, a file-backed ext2_dev_ops, e2fsck as the oracle,
 * and a deterministic source folder for `mke2fs -d`.
 */
#ifndef HVPART_TEST_EXT2_HARNESS_H
#define HVPART_TEST_EXT2_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "partition/fs/ext2.h"

struct himg {
	char path[512];
	int fd;
	struct ext2_dev_ops ops;
	uint64_t writes; /* write calls seen */
	uint64_t reads;  /* read calls seen */
};

/* Scratch directory (created on demand) and a path inside it. */
const char *h_scratch(void);
void h_path(char *out, size_t n, const char *name);
/* Runs a shell command; returns its exit status. */
int h_sh(const char *fmt, ...);
/* mke2fs -t ext2 -b BS [-d DIR] [-r REV] IMG SIZE; returns 0 on success. */
int h_mkfs(const char *img, unsigned bs, const char *size, const char *dir, const char *extra);
/* e2fsck -fn; prints its output on failure; returns its exit status. */
int h_fsck(const char *img);
int h_open(struct himg *h, const char *img);
void h_close(struct himg *h);
int h_mount(struct himg *h, const char *img, unsigned flags, struct ext2_fs **fs);
/* Builds the deterministic source folder DIR (files across every indirection level). */
void h_make_tree(const char *dir, int with_sparse);
/* Fills buf with a pattern depending on (seed, offset). */
void h_pattern(uint8_t *buf, size_t len, uint64_t off, uint32_t seed);
/* Whole-file helpers through the driver. */
int h_write_file(struct ext2_fs *fs, const char *path, const void *data, size_t len);
int h_read_file(struct ext2_fs *fs, const char *path, uint8_t **data, size_t *len);

#endif
