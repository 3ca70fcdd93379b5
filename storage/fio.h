/* fio: the file-access ops table through which storage/ reaches files.
 *
 * The VHD code and the file blockdev backend never call an OS directly:
 * on the host tests pass storage/host/fio_posix.c (or an in-memory file
 * system with crash injection), and in the parent partition the ext2 host
 * volume provides the same table.  All callbacks return 0 or a negative
 * errno value.  The library serialises nothing itself: callers that share a
 * handle between threads lock around it. */
#ifndef STORAGE_FIO_H
#define STORAGE_FIO_H

#include <stddef.h>
#include <stdint.h>

enum {
	FIO_O_RDWR   = 1u << 0,  /* open for writing as well as reading */
	FIO_O_CREATE = 1u << 1,  /* create the file; fails with -EEXIST if present */
};

/* One read of a batch (fio_ops.read_batch). */
struct fio_read {
	void *fh;
	void *buf;
	size_t len;
	uint64_t off;
	int rc;                 /* set by read_batch: 0 or a negative errno */
};

struct fio_ops {
	void *ctx;
	int (*open)(void *ctx, const char *path, unsigned flags, void **fh);
	void (*close)(void *ctx, void *fh);
	/* Reads exactly len bytes or fails: a read past end of file is -EIO. */
	int (*pread)(void *ctx, void *fh, void *buf, size_t len, uint64_t off);
	/* Optional (may be NULL; callers then pread each): n reads, each as
	 * pread would do it (exactly len bytes or an error), on any of the
	 * open files, done in any order or at once, so no two buffers may
	 * overlap. Sets every read's rc and returns 0 when all succeeded,
	 * else one of their errors. Lets a host submit all the pieces of a
	 * request in one system call (fio_posix: io_uring). */
	int (*read_batch)(void *ctx, struct fio_read *r, size_t n);
	/* Optional (may be NULL; callers then pread and pwrite): copies
	 * exactly len bytes from src at src_off to dst at dst_off, two files
	 * open in this table, as a pread then a pwrite would (a source read
	 * past end of file is -EIO; dst is extended with zeros if needed),
	 * without the bytes passing through the caller's memory. Lets a host
	 * keep a merge's copy inside the kernel (fio_posix:
	 * copy_file_range), one copy of each byte instead of two. */
	int (*copy)(void *ctx, void *src, uint64_t src_off, void *dst,
		    uint64_t dst_off, size_t len);
	/* Writes exactly len bytes, extending the file (with zeros) if needed. */
	int (*pwrite)(void *ctx, void *fh, const void *buf, size_t len,
		      uint64_t off);
	/* Makes every completed write durable (write barrier + cache flush). */
	int (*flush)(void *ctx, void *fh);
	int (*size)(void *ctx, void *fh, uint64_t *size);
	int (*truncate)(void *ctx, void *fh, uint64_t size);
	int (*remove)(void *ctx, const char *path);
	/* Seconds since 1970-01-01 UTC. */
	uint64_t (*now)(void *ctx);
	/* Fills buf with random bytes (for VHD UUIDs). */
	void (*random)(void *ctx, void *buf, size_t len);
	/* Warnings the library wants a human to see (may be NULL). */
	void (*log)(void *ctx, const char *msg);
};

#endif
