/*
 * volume: drive letters, the current location and path names.
 *
 * Drives: B: holds the files the boot loader handed over (GRUB modules,
 * read-only, flat); C: is the host volume, the first ext2 file system found
 * on a disk (whole disk, or MBR/GPT partition), or the one named on hv's
 * command line with "hostvolume=DISK" or "hostvolume=DISK:PARTITION"
 * (Get-Disk numbers). Later drives (V: on) are mounted VHDs. The current
 * location starts at C:\ when there is a host volume, otherwise at B:\.
 *
 * Paths: "\" and "/" both separate; "X:" names a drive; a leading separator
 * starts at the drive's root; anything else is relative to that drive's
 * current directory; "." and ".." are resolved here, ".." stops at the
 * root. Names on ext2 drives are case-sensitive, on B: they are not.
 * All calls return 0 or a negative errno.
 */
#ifndef PARENT_VOLUME_H
#define PARENT_VOLUME_H

#include <stdint.h>
#include "hv/abi/hvpart_abi.h"
#include "partition/drivers/disk.h"
#include "partition/fs/ext2.h"

#define VOL_PATH_MAX 256     /* a resolved path within a drive, with NUL */
#define VOL_NAME_MAX 255     /* one path component (ext2's limit) */
#define VOL_MAX 8

enum vol_kind { VOL_KIND_BOOT, VOL_KIND_EXT2 };
struct vol_cache;

struct volume {
	char letter;
	enum vol_kind kind;
	struct ext2_fs *fs;          /* VOL_KIND_EXT2 */
	struct disk *disk;           /* VOL_KIND_EXT2 */
	int part;                    /* partition number, 0 = whole disk */
	uint64_t base, size;         /* bytes on the disk */
	struct ext2_dev_ops ops;
	char cwd[VOL_PATH_MAX];      /* "/" or "/a/b" */
	struct vol_cache *cache;     /* small reads (inodes, maps), write-through */
};

/* A resolved name: a drive and an absolute path on it ("/" or "/a/b"). */
struct vol_path {
	struct volume *vol;
	char path[VOL_PATH_MAX];
};

/* File handle over either kind of drive. */
struct vol_file {
	struct volume *vol;
	struct ext2_file *f;                   /* ext2 */
	const struct hvpart_module *m;         /* B: */
};

/* Boot: create B:, find and mount the host volume as C:, print one line
 * about it; returns 0 or the reason there is no host volume. */
int volume_mount_host(void);
/* Mount the ext2 file system on disk d (partition part, 0 = whole disk)
 * as the given letter (0: the first free one from V:). */
int volume_mount_ext2(struct disk *d, int part, char letter, unsigned flags,
		      struct volume **out);
int volume_unmount(struct volume *v);
/* Flush and unmount every ext2 drive (before power-off). */
void volume_unmount_all(void);
int volume_sync(struct volume *v);

struct volume *volume_by_letter(char letter);
struct volume *volume_at(int i);              /* in letter order; NULL past the end */
struct volume *volume_current(void);

/* Resolve a user's path (NULL or "" = the current location). */
int volume_resolve(const char *in, struct vol_path *out);
/* "C:\a\b" for a resolved path. */
void volume_format(const struct vol_path *p, char *buf, size_t n);
/* The last component of a resolved path ("" for a root). */
const char *volume_basename(const struct vol_path *p);
/* Append a name to a resolved path (-ENAMETOOLONG if it does not fit). */
int volume_join(struct vol_path *p, const char *name);
/* Set-Location: the path must name a directory. */
int volume_set_location(const char *path);
/* The current location as "C:\a". */
void volume_location(char *buf, size_t n);

/* Names and files across drives (B: answers -EROFS to every write). */
int volume_stat(const struct vol_path *p, struct ext2_stat *st);
int volume_list(const struct vol_path *p, ext2_dir_cb cb, void *ctx);
int volume_open(const struct vol_path *p, unsigned ext2_flags, struct vol_file *out);
int64_t volume_file_read(struct vol_file *f, uint64_t off, void *buf, size_t len);
int64_t volume_file_write(struct vol_file *f, uint64_t off, const void *buf, size_t len);
uint64_t volume_file_size(const struct vol_file *f);
int volume_file_truncate(struct vol_file *f, uint64_t size);
int volume_file_close(struct vol_file *f);
int volume_mkdir(const struct vol_path *p);
int volume_rmdir(const struct vol_path *p);
int volume_unlink(const struct vol_path *p);
int volume_rename(const struct vol_path *from, const struct vol_path *to);
/* Read a whole file (any drive) into a malloc'd buffer, at most max bytes:
 * for callers that take a path, e.g. a kernel on C: for New-VM. */
int volume_load_file(const char *path, size_t max, void **buf, size_t *len);
/* Space on a drive. */
int volume_statfs(struct volume *v, struct ext2_statfs *st);
/* Seconds since 1970 for file times (the parent's wall clock, clock.h). */
uint32_t volume_now(void);

/* Text for an error from these calls (ext2's detail when it has one). */
const char *volume_strerror(int err);

#endif
