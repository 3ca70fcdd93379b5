/* fio_posix's read_batch (io_uring, storage/host/fio_uring.c) on real
 * files: the same bytes and errors as a pread of each piece, in batches
 * larger than the ring, with reads past the end (short reads) and failing
 * ones among good ones, without io_uring, in two threads at once and in a
 * forked child; and a VHD chain read through it against the same chain
 * read without batching. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "storage/host/fio_posix.h"
#include "storage/vhd/vhd.h"

#define NFILES 3
#define NREADS 200

static const size_t file_size[NFILES] = { 1 << 20, 300000, 5000 };
static char dir[] = "/tmp/fio_posix_XXXXXX";
static char path[NFILES][64];
static uint8_t *content[NFILES];
static const struct fio_ops *ops;
static void *fh[NFILES];
static uint32_t seed = 3;

static uint32_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static void write_file(const char *p, const uint8_t *d, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, d, n), (ssize_t)n);
	close(fd);
}

static int setup(void **state)
{
	size_t i, k;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	ops = fio_posix_get_ops();
	for (i = 0; i < NFILES; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/f%zu", dir, i);
		content[i] = malloc(file_size[i]);
		for (k = 0; k < file_size[i]; k++)
			content[i][k] = (uint8_t)rnd();
		write_file(path[i], content[i], file_size[i]);
		if (ops->open(ops->ctx, path[i], 0, &fh[i]))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	size_t i;

	(void)state;
	for (i = 0; i < NFILES; i++) {
		ops->close(ops->ctx, fh[i]);
		free(content[i]);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* n reads at random places of the files into disjoint slices of out;
 * with bad, every seventh runs past its file's end. */
static void make_batch(struct fio_read *r, size_t n, uint8_t *out, int bad)
{
	size_t i, f, len, at = 0;

	for (i = 0; i < n; i++) {
		f = rnd() % NFILES;
		len = rnd() % (i % 3 ? 5000 : 70000);
		if (len > file_size[f])
			len = file_size[f];
		r[i] = (struct fio_read){ .fh = fh[f], .buf = out + at,
					  .len = len, .rc = 1,
					  .off = rnd() % (file_size[f] - len + 1) };
		if (bad && i % 7 == 3)
			r[i].off = file_size[f] - len / 2 + (i % 2);
		at += len;
	}
}

/* Each read's rc and bytes as pread gives them. */
static void check_batch(const struct fio_read *r, size_t n, int rc)
{
	int want_rc = 0, want;
	uint8_t *tmp;
	size_t i;

	for (i = 0; i < n; i++) {
		tmp = malloc(r[i].len + 1);
		assert_non_null(tmp);
		want = ops->pread(ops->ctx, r[i].fh, tmp, r[i].len, r[i].off);
		assert_int_equal(r[i].rc, want);
		if (!want)
			assert_memory_equal(r[i].buf, tmp, r[i].len);
		if (want && !want_rc)
			want_rc = want;
		free(tmp);
	}
	assert_int_equal(rc != 0, want_rc != 0);
}

static void run_batches(int bad)
{
	struct fio_read r[NREADS];
	uint8_t *out = malloc(NREADS * 70000);
	int k;

	assert_non_null(out);
	for (k = 0; k < 5; k++) {
		make_batch(r, NREADS - k * 37, out, bad);
		check_batch(r, NREADS - k * 37,
			    ops->read_batch(ops->ctx, r, NREADS - k * 37));
	}
	free(out);
}

static void test_batch_bytes(void **state)
{
	(void)state;
	assert_non_null(ops->read_batch);
	run_batches(0);
}

/* copy (copy_file_range): n bytes of f0 from soff to dst at doff, then
 * the whole of dst is what a pread and pwrite would have left. */
static void copy_and_check(void *dst, uint8_t *model, size_t *dsize,
			   uint64_t soff, uint64_t doff, size_t n)
{
	uint8_t *got;
	uint64_t sz;

	assert_int_equal(ops->copy(ops->ctx, fh[0], soff, dst, doff, n), 0);
	memcpy(model + doff, content[0] + soff, n);
	if (doff + n > *dsize)
		*dsize = doff + n;
	assert_int_equal(ops->size(ops->ctx, dst, &sz), 0);
	assert_int_equal(sz, *dsize);
	got = malloc(*dsize);
	assert_int_equal(ops->pread(ops->ctx, dst, got, *dsize, 0), 0);
	assert_memory_equal(got, model, *dsize);
	free(got);
}

/* Into a new file: past its end (the gap reads as zeros), over what it
 * holds, one byte; from past the source's end, -EIO. Then the same into
 * a file on another file system (tmpfs), where copy_file_range gives
 * EXDEV and the copy goes through a buffer. */
static void copy_cases(const char *to)
{
	uint8_t *model = calloc(1, 4 << 20);
	size_t dsize = 0;
	void *dst;

	assert_int_equal(ops->open(ops->ctx, to, FIO_O_RDWR | FIO_O_CREATE, &dst), 0);
	copy_and_check(dst, model, &dsize, 4096, 3 << 20, 512 << 10);
	copy_and_check(dst, model, &dsize, 12345, 1000, 70000);
	copy_and_check(dst, model, &dsize, 7, (3 << 20) + 9, 1);
	assert_int_equal(ops->copy(ops->ctx, fh[0], (1 << 20) - 10, dst, 0, 11), -EIO);
	assert_int_equal(ops->copy(ops->ctx, fh[0], 0, dst, 0, 0), 0);
	ops->close(ops->ctx, dst);
	free(model);
}

static void test_copy(void **state)
{
	char p[96], shm[] = "/dev/shm/fio_posix_XXXXXX";

	(void)state;
	assert_non_null(ops->copy);
	snprintf(p, sizeof(p), "%s/copy", dir);
	copy_cases(p);
	if (!mkdtemp(shm))
		return;   /* no tmpfs here: the buffered way is not reached */
	snprintf(p, sizeof(p), "%s/copy", shm);
	copy_cases(p);
	unlink(p);
	rmdir(shm);
	setenv("HVPART_FIO_NOCOPY", "1", 1);
	assert_null(fio_posix_get_ops()->copy);
	assert_non_null(fio_posix_get_ops()->read_batch);
	unsetenv("HVPART_FIO_NOCOPY");
}

/* Reads past the end (io_uring: a short read, finished by pread, which
 * gives -EIO) and a read of a directory (-EISDIR from the kernel) amid
 * good reads. */
static void test_batch_errors(void **state)
{
	struct fio_read r[3];
	uint8_t out[3][100];
	void *d;

	(void)state;
	run_batches(1);
	assert_int_equal(ops->open(ops->ctx, dir, 0, &d), 0);
	r[0] = (struct fio_read){ .fh = fh[2], .buf = out[0], .len = 100 };
	r[1] = (struct fio_read){ .fh = d, .buf = out[1], .len = 100 };
	r[2] = (struct fio_read){ .fh = fh[2], .buf = out[2], .len = 100,
				  .off = 4950 };
	assert_int_not_equal(ops->read_batch(ops->ctx, r, 3), 0);
	assert_int_equal(r[0].rc, 0);
	assert_memory_equal(out[0], content[2], 100);
	assert_int_equal(r[1].rc, -EISDIR);
	assert_int_equal(r[2].rc, -EIO);
	ops->close(ops->ctx, d);
}

static void *batches_thread(void *arg)
{
	run_batches(*(int *)arg);
	return NULL;
}

/* A thread's first batch decides whether it has a ring: one started with
 * HVPART_FIO_NOURING reads by pread, with the same results. Two threads
 * at once, each on its own ring. */
static void test_batch_threads(void **state)
{
	pthread_t t[2];
	int bad[2] = { 0, 1 };

	(void)state;
	setenv("HVPART_FIO_NOURING", "1", 1);
	assert_int_equal(pthread_create(&t[0], NULL, batches_thread, &bad[1]), 0);
	assert_int_equal(pthread_join(t[0], NULL), 0);
	unsetenv("HVPART_FIO_NOURING");
	assert_int_equal(pthread_create(&t[0], NULL, batches_thread, &bad[0]), 0);
	assert_int_equal(pthread_create(&t[1], NULL, batches_thread, &bad[1]), 0);
	assert_int_equal(pthread_join(t[0], NULL), 0);
	assert_int_equal(pthread_join(t[1], NULL), 0);
}

/* A forked child must not submit on its parent's ring (shared memory):
 * it gets its own, and both go on reading. */
static void test_batch_fork(void **state)
{
	struct fio_read r[2];
	uint8_t out[2][64];
	pid_t pid;
	int status, i, ok;

	(void)state;
	run_batches(0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (i = 0, ok = 1; i < 50 && ok; i++) {
			r[0] = (struct fio_read){ .fh = fh[0], .buf = out[0],
						  .len = 64, .off = (uint64_t)i };
			r[1] = (struct fio_read){ .fh = fh[1], .buf = out[1],
						  .len = 64, .off = (uint64_t)i };
			ok = !ops->read_batch(ops->ctx, r, 2) &&
			     !memcmp(out[0], content[0] + i, 64) &&
			     !memcmp(out[1], content[1] + i, 64);
		}
		_exit(ok ? 0 : 1);
	}
	run_batches(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* HVPART_FIO_NOBATCH: the table without read_batch. */
static void test_nobatch_table(void **state)
{
	const struct fio_ops *o;

	(void)state;
	setenv("HVPART_FIO_NOBATCH", "1", 1);
	o = fio_posix_get_ops();
	unsetenv("HVPART_FIO_NOBATCH");
	assert_null(o->read_batch);
	assert_non_null(fio_posix_get_ops()->read_batch);
}

/* A depth-3 chain on real files, layers holding scattered pieces: every
 * read through io_uring equals the same read without batching. */
static void test_vhd_chain(void **state)
{
	const size_t size = 4u << 20;
	const struct fio_ops *plain_ops;
	struct vhd_create_params cp = { .type = VHD_TYPE_DYNAMIC,
					.size = size, .block_size = 1u << 20 };
	struct vhd *v, *plain;
	char name[4][96];
	uint8_t *a = malloc(size), *b = malloc(size);
	size_t off, len;
	int i, k;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	setenv("HVPART_FIO_NOBATCH", "1", 1);
	plain_ops = fio_posix_get_ops();
	unsetenv("HVPART_FIO_NOBATCH");
	for (i = 0; i < 4; i++) {
		snprintf(name[i], sizeof(name[i]), "%s/c%d.vhd", dir, i);
		cp.type = i ? VHD_TYPE_DIFF : VHD_TYPE_DYNAMIC;
		cp.parent = i ? name[i - 1] : NULL;
		assert_int_equal(vhd_create(ops, name[i], &cp, NULL), 0);
		assert_int_equal(vhd_open(ops, name[i], VHD_OPEN_RDWR, &v, NULL), 0);
		for (k = 0; k < (i ? 300 : 8); k++) {
			len = i ? 4096 : size / 8;
			off = i ? (rnd() % (size / 4096)) * 4096 : k * len;
			memset(a, 'A' + i + k, len);
			assert_int_equal(vhd_write(v, a, len, off), 0);
		}
		vhd_close(v);
	}
	assert_int_equal(vhd_open(ops, name[3], 0, &v, NULL), 0);
	assert_int_equal(vhd_open(plain_ops, name[3], 0, &plain, NULL), 0);
	for (k = 0; k < 200; k++) {
		off = k ? rnd() % size : 0;
		len = k ? rnd() % (size - off < 1500000 ? size - off : 1500000) :
		      size;
		assert_int_equal(vhd_read(v, a, len, off), 0);
		assert_int_equal(vhd_read(plain, b, len, off), 0);
		assert_memory_equal(a, b, len);
	}
	vhd_close(plain);
	vhd_close(v);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_bytes),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_batch_errors),
		cmocka_unit_test(test_batch_threads),
		cmocka_unit_test(test_batch_fork),
		cmocka_unit_test(test_nobatch_table),
		cmocka_unit_test(test_vhd_chain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
