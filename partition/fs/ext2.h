/*
 * ext2 driver for the parent's host volume: portable C, no hardware headers.
 * The volume reaches the driver through struct ext2_dev_ops (byte offsets,
 * so it sits on top of the block-device layer). All calls return 0 or a
 * positive count on success and a negative errno on failure; -EUCLEAN means
 * the image is corrupt, and ext2_last_error() then says what and where.
 * Not thread-safe: the parent serialises calls per volume.
 */
#ifndef HVPART_EXT2_H
#define HVPART_EXT2_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifndef EUCLEAN
#define EUCLEAN 200 /* newlib lacks it; Linux uses 117, which newlib gives to EHOSTDOWN */
#endif

struct ext2_dev_ops {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	int (*flush)(void *ctx);
	uint64_t size; /* bytes */
};

struct ext2_fs;
struct ext2_file;

/* ext2_mount flags */
#define EXT2_MOUNT_RDONLY 0x1u

/* ext2_file_open flags */
#define EXT2_O_RDONLY 0x0u
#define EXT2_O_RDWR 0x1u
#define EXT2_O_CREAT 0x2u
#define EXT2_O_EXCL 0x4u
#define EXT2_O_TRUNC 0x8u

/* Type values for ext2_stat.type / ext2_dirent.type (the on-disk FT_* codes). */
#define EXT2_TYPE_UNKNOWN 0u
#define EXT2_TYPE_FILE 1u
#define EXT2_TYPE_DIR 2u
#define EXT2_TYPE_SYMLINK 7u

struct ext2_stat {
	uint32_t ino;
	uint32_t type;  /* EXT2_TYPE_* */
	uint32_t mode;  /* full i_mode */
	uint32_t links;
	uint64_t size;
	uint64_t blocks512; /* allocated space in 512-byte units */
	uint32_t atime, mtime, ctime;
};

struct ext2_dirent {
	uint32_t ino;
	uint32_t type; /* EXT2_TYPE_*; UNKNOWN without the filetype feature */
	uint32_t name_len;
	char name[256]; /* NUL-terminated */
};

struct ext2_statfs {
	uint32_t block_size;
	uint64_t blocks, free_blocks;
	uint32_t inodes, free_inodes;
	int read_only;
	char label[17];
};

/* Mount and unmount. */
int ext2_mount(const struct ext2_dev_ops *ops, void *ctx, unsigned flags, struct ext2_fs **out);
int ext2_unmount(struct ext2_fs *fs);
int ext2_sync(struct ext2_fs *fs);
int ext2_statfs_get(struct ext2_fs *fs, struct ext2_statfs *st);
int ext2_is_read_only(const struct ext2_fs *fs);
/* Timestamp source (seconds since 1970); defaults to the superblock's s_wtime. */
void ext2_clock_set(struct ext2_fs *fs, uint32_t (*now)(void *ctx), void *ctx);

/* Errors. */
const char *ext2_strerror(int err);
const char *ext2_last_error(void);

/* Names and directories. Paths use '/' or '\\'; a leading separator is optional
 * (all paths start at the root); "." and ".." are honoured. */
int ext2_dir_lookup(struct ext2_fs *fs, const char *path, uint32_t *ino);
int ext2_path_stat(struct ext2_fs *fs, const char *path, struct ext2_stat *st);
typedef int (*ext2_dir_cb)(void *ctx, const struct ext2_dirent *ent);
int ext2_dir_list(struct ext2_fs *fs, const char *path, ext2_dir_cb cb, void *ctx);
int ext2_dir_create(struct ext2_fs *fs, const char *path);
int ext2_dir_remove(struct ext2_fs *fs, const char *path);
int ext2_path_unlink(struct ext2_fs *fs, const char *path);
int ext2_path_rename(struct ext2_fs *fs, const char *from, const char *to);
/* Target of a symbolic link, NUL-terminated; returns its length. */
int ext2_link_read(struct ext2_fs *fs, const char *path, char *buf, size_t len);

/* Files. Reads and writes take an explicit byte offset and return the byte
 * count (short only at end of file for reads) or a negative errno. */
int ext2_file_open(struct ext2_fs *fs, const char *path, unsigned flags, struct ext2_file **out);
int64_t ext2_file_read(struct ext2_file *f, uint64_t off, void *buf, size_t len);
int64_t ext2_file_write(struct ext2_file *f, uint64_t off, const void *buf, size_t len);
int ext2_file_truncate(struct ext2_file *f, uint64_t size);
uint64_t ext2_file_size(const struct ext2_file *f);
int ext2_file_close(struct ext2_file *f);

#endif
