/* Many preads in one system call through Linux's io_uring (host builds
 * only; fio_posix's read_batch). Raw system calls, no liburing. */
#ifndef STORAGE_HOST_FIO_URING_H
#define STORAGE_HOST_FIO_URING_H

#include <stddef.h>
#include <stdint.h>

struct fio_uring_read {
	int fd;
	void *buf;
	uint32_t len;
	uint64_t off;
	int32_t res;            /* out: bytes read (may be short) or -errno */
};

/* Reads n pieces, in any order or at once (their buffers must not
 * overlap), on this thread's ring, made at its first call. Returns 0 with
 * every res set, or -ENOSYS with none read when there is no ring (an old
 * kernel, io_uring disabled by sysctl or seccomp, HVPART_FIO_NOURING set
 * when the thread first asked): the caller then preads each. */
int fio_uring_read_many(struct fio_uring_read *r, size_t n);

#endif
