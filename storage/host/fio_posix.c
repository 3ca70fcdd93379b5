/* struct fio_ops over POSIX files, for host tools, tests and benchmarks.
 * Host-only (not part of the target library): the parent partition links
 * its own table over the ext2 host volume instead. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "storage/host/fio_posix.h"
#include "storage/host/fio_uring.h"

static int px_open(void *ctx, const char *path, unsigned flags, void **fh)
{
	int mode = (flags & FIO_O_RDWR) ? O_RDWR : O_RDONLY;
	int fd;

	(void)ctx;
	if (flags & FIO_O_CREATE)
		mode |= O_CREAT | O_EXCL;
	fd = open(path, mode | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	*fh = (void *)(intptr_t)(fd + 1);
	return 0;
}

static int fd_of(void *fh)
{
	return (int)(intptr_t)fh - 1;
}

static void px_close(void *ctx, void *fh)
{
	(void)ctx;
	close(fd_of(fh));
}

static int px_pread(void *ctx, void *fh, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	(void)ctx;
	while (done < len) {
		n = pread(fd_of(fh), (char *)buf + done, len - done,
			  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;   /* past end of file */
		done += (size_t)n;
	}
	return 0;
}

/* What io_uring left of one read: done, failed, or (a short read, an
 * interrupted one, none at all) the rest by pread, which also turns the
 * end of the file into -EIO as the fio contract wants. */
static int px_finish(void *ctx, struct fio_read *r, int32_t res)
{
	size_t got = res > 0 ? (size_t)res : 0;

	if (res < 0 && res != -EAGAIN && res != -EINTR)
		return res;
	if (got >= r->len)
		return 0;
	return px_pread(ctx, r->fh, (char *)r->buf + got, r->len - got,
			r->off + got);
}

/* Pieces of at most 1 GiB go to io_uring (its lengths are 32-bit); the
 * rest of a larger one is read by px_finish. */
#define PX_URING_MAX_LEN (1u << 30)
#define PX_BATCH 64

/* The batch through this thread's io_uring, one system call per
 * PX_BATCH reads (fio_uring.c); pread each where there is none. */
static int px_read_batch(void *ctx, struct fio_read *r, size_t n)
{
	struct fio_uring_read u[PX_BATCH];
	size_t i, k, m;
	int rc = 0;

	for (i = 0; i < n; i += m) {
		m = n - i < PX_BATCH ? n - i : PX_BATCH;
		for (k = 0; k < m; k++)
			u[k] = (struct fio_uring_read){
				.fd = fd_of(r[i + k].fh), .buf = r[i + k].buf,
				.len = r[i + k].len < PX_URING_MAX_LEN ?
				       (uint32_t)r[i + k].len : PX_URING_MAX_LEN,
				.off = r[i + k].off };
		if (fio_uring_read_many(u, m))
			for (k = 0; k < m; k++)
				u[k].res = 0;
		for (k = 0; k < m; k++) {
			r[i + k].rc = px_finish(ctx, &r[i + k], u[k].res);
			if (r[i + k].rc && !rc)
				rc = r[i + k].rc;
		}
	}
	return rc;
}

static int px_pwrite(void *ctx, void *fh, const void *buf, size_t len,
		     uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	(void)ctx;
	while (done < len) {
		n = pwrite(fd_of(fh), (const char *)buf + done, len - done,
			   (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int px_flush(void *ctx, void *fh)
{
	(void)ctx;
	if (getenv("HVPART_FIO_NOSYNC"))
		return 0;
	return fdatasync(fd_of(fh)) ? -errno : 0;
}

static int px_size(void *ctx, void *fh, uint64_t *size)
{
	struct stat st;

	(void)ctx;
	if (fstat(fd_of(fh), &st))
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int px_truncate(void *ctx, void *fh, uint64_t size)
{
	(void)ctx;
	return ftruncate(fd_of(fh), (off_t)size) ? -errno : 0;
}

static int px_remove(void *ctx, const char *path)
{
	(void)ctx;
	return unlink(path) ? -errno : 0;
}

static uint64_t px_now(void *ctx)
{
	(void)ctx;
	return (uint64_t)time(NULL);
}

static void px_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	if (getrandom(buf, len, 0) != (ssize_t)len) {
		/* Not security-relevant: UUIDs only need to be distinct. */
		size_t i;

		for (i = 0; i < len; i++)
			((unsigned char *)buf)[i] = (unsigned char)rand();
	}
}

static void px_log(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "warning: %s\n", msg);
}

static const struct fio_ops posix_ops = {
	.ctx = NULL, .open = px_open, .close = px_close, .pread = px_pread,
	.read_batch = px_read_batch, .pwrite = px_pwrite, .flush = px_flush,
	.size = px_size, .truncate = px_truncate, .remove = px_remove,
	.now = px_now, .random = px_random, .log = px_log,
};

/* The same without read_batch: callers pread each piece themselves (the
 * VHD library's path without batching, for comparisons). */
static const struct fio_ops posix_ops_nobatch = {
	.ctx = NULL, .open = px_open, .close = px_close, .pread = px_pread,
	.pwrite = px_pwrite, .flush = px_flush, .size = px_size,
	.truncate = px_truncate, .remove = px_remove, .now = px_now,
	.random = px_random, .log = px_log,
};

const struct fio_ops *fio_posix_get_ops(void)
{
	return getenv("HVPART_FIO_NOBATCH") ? &posix_ops_nobatch : &posix_ops;
}
