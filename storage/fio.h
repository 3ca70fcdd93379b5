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

struct fio_ops {
	void *ctx;
	int (*open)(void *ctx, const char *path, unsigned flags, void **fh);
	void (*close)(void *ctx, void *fh);
	/* Reads exactly len bytes or fails: a read past end of file is -EIO. */
	int (*pread)(void *ctx, void *fh, void *buf, size_t len, uint64_t off);
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
