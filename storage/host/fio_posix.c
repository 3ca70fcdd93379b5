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
#define PX_BOUNCE (1u << 20)

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

/* The rest of a copy through a buffer, where copy_file_range cannot
 * (files on two file systems, a kernel or file system without it). */
static int px_copy_bounce(void *ctx, void *src, uint64_t soff, void *dst,
			  uint64_t doff, size_t len)
{
	size_t chunk = len < PX_BOUNCE ? len : PX_BOUNCE, n;
	char *buf = malloc(chunk ? chunk : 1);
	int rc = buf ? 0 : -ENOMEM;

	for (; !rc && len; len -= n, soff += n, doff += n) {
		n = len < chunk ? len : chunk;
		rc = px_pread(ctx, src, buf, n, soff);
		if (!rc)
			rc = px_pwrite(ctx, dst, buf, n, doff);
	}
	free(buf);
	return rc;
}

/* copy_file_range(2) moves the bytes inside the kernel, page cache to
 * page cache, where a pread and a pwrite copy each byte out and back in
 * (docs/benchmarks.md, "Merges"). It may copy less than asked; 0 is the
 * source's end. */
static int px_copy(void *ctx, void *src, uint64_t soff, void *dst,
		   uint64_t doff, size_t len)
{
	loff_t si, di;
	ssize_t n;

	while (len) {
		si = (loff_t)soff;
		di = (loff_t)doff;
		n = copy_file_range(fd_of(src), &si, fd_of(dst), &di, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EXDEV || errno == EOPNOTSUPP ||
			      errno == ENOSYS || errno == EINVAL))
			return px_copy_bounce(ctx, src, soff, dst, doff, len);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;   /* past the source's end */
		soff += (uint64_t)n;
		doff += (uint64_t)n;
		len -= (size_t)n;
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

#define PX_OPS(batch, cp) {                                               \
	.ctx = NULL, .open = px_open, .close = px_close, .pread = px_pread, \
	.read_batch = (batch), .copy = (cp), .pwrite = px_pwrite,          \
	.flush = px_flush, .size = px_size, .truncate = px_truncate,       \
	.remove = px_remove, .now = px_now, .random = px_random,           \
	.log = px_log,                                                     \
}

/* Without read_batch (HVPART_FIO_NOBATCH) callers pread each piece
 * themselves, and without copy (HVPART_FIO_NOCOPY) they copy through
 * their own buffer: the VHD library's older paths, for comparisons. */
static const struct fio_ops posix_ops[4] = {
	PX_OPS(px_read_batch, px_copy), PX_OPS(NULL, px_copy),
	PX_OPS(px_read_batch, NULL), PX_OPS(NULL, NULL),
};

const struct fio_ops *fio_posix_get_ops(void)
{
	return &posix_ops[(getenv("HVPART_FIO_NOBATCH") ? 1 : 0) +
			  (getenv("HVPART_FIO_NOCOPY") ? 2 : 0)];
}
