/* I/O pattern driver for tests/bench/storage/vhd: runs a pattern through
 * the VHD library or on a raw file, or prints the same pattern as qemu-io
 * commands, so that each can be timed beside the others on identical data.
 *   vhd_bench run    PATTERN FILE COUNT SEED  -> seconds (VHD, flush timed)
 *   vhd_bench raw    PATTERN FILE COUNT SEED  -> seconds (raw file, the same)
 *   vhd_bench script PATTERN FILE COUNT SEED  -> qemu-io commands
 *   vhd_bench qimg   PATTERN FILE COUNT STEP  -> seconds
 * PATTERN: seq-read | seq-write (1 MiB) | rand-read | rand-write (4 KiB,
 * SEED's offsets) | stride-read | stride-write (4 KiB, qimg only).
 * qimg is `qemu-img bench -d 1 -t writeback -o 0 -S STEP`'s walk (1 MiB
 * with STEP 1 MiB for seq-*): one request at a time from offset 0, each
 * next at +STEP modulo the size (storage/bench_pattern.h), through the
 * page cache; as qemu-img bench, only the requests are timed (the flush
 * that a write run needs comes after the clock stops).
 * Writes write 0x5A bytes (qemu-img bench --pattern=0x5a). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "storage/bench_pattern.h"
#include "storage/host/fio_posix.h"
#include "storage/vhd/vhd.h"

/* A VHD opened through the library, or a raw file through the same fio
 * table (so that both pay the same system calls per byte). */
struct tgt {
	struct vhd *v;
	void *fh;
	uint64_t size;
};

enum mode { M_RUN, M_RAW, M_SCRIPT, M_QIMG };

static const struct fio_ops *fo;

static int tgt_open(struct tgt *t, const char *path, int raw, int wr)
{
	struct vhd_err err = { "" };

	if (raw) {
		if (fo->open(fo->ctx, path, wr ? FIO_O_RDWR : 0, &t->fh) ||
		    fo->size(fo->ctx, t->fh, &t->size))
			return fprintf(stderr, "%s: cannot open\n", path), -1;
		return 0;
	}
	if (vhd_open(fo, path, wr ? VHD_OPEN_RDWR : 0, &t->v, &err))
		return fprintf(stderr, "%s: %s\n", path, err.msg), -1;
	t->size = vhd_get_size(t->v);
	return 0;
}

static int tgt_io(struct tgt *t, int wr, void *buf, size_t len, uint64_t off)
{
	if (t->v)
		return wr ? vhd_write(t->v, buf, len, off) : vhd_read(t->v, buf, len, off);
	return wr ? fo->pwrite(fo->ctx, t->fh, buf, len, off) :
		    fo->pread(fo->ctx, t->fh, buf, len, off);
}

static int tgt_flush(struct tgt *t)
{
	return t->v ? vhd_flush(t->v) : fo->flush(fo->ctx, t->fh);
}

static void tgt_close(struct tgt *t)
{
	if (t->v)
		vhd_close(t->v);
	else
		fo->close(fo->ctx, t->fh);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The i-th request's byte offset; *prev carries qimg's walk. */
static uint64_t op_offset(enum mode m, const char *pat, uint64_t i, uint64_t *state,
			  uint64_t *prev, uint64_t step, uint64_t size, size_t len)
{
	if (m == M_QIMG)
		return *prev = i ? bench_pat_stride(*prev, step, size) : 0;
	if (!strncmp(pat, "seq", 3))
		return bench_pat_seq(i, size / len) * len;
	return bench_pat_random(state, size / len) * len;
}

static int pattern_ok(enum mode m, const char *pat)
{
	static const char *const pats[] = { "seq-read", "seq-write", "rand-read",
					    "rand-write", "stride-read", "stride-write" };

	for (int i = 0; i < 6; i++)
		if (!strcmp(pat, pats[i]))
			return (i < 4) != (m == M_QIMG) || i < 2;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "run", "raw", "script", "qimg" };
	uint64_t i, count, seed, step, prev = 0, off;
	int m = -1, wr, rc = 0;
	struct tgt t = { NULL, NULL, 0 };
	size_t len;
	uint8_t *buf;
	double t0, el;

	for (int k = 0; argc == 6 && k < 4; k++)
		if (!strcmp(argv[1], modes[k]))
			m = k;
	if (m < 0 || !pattern_ok(m, argv[2]))
		return fprintf(stderr, "usage: see source\n"), 2;
	fo = fio_posix_get_ops();
	wr = strstr(argv[2], "write") != NULL;
	len = !strncmp(argv[2], "seq", 3) ? (1u << 20) : 4096;
	count = strtoull(argv[4], NULL, 0);
	seed = step = strtoull(argv[5], NULL, 0);
	if (tgt_open(&t, argv[3], m == M_RAW, wr && m != M_SCRIPT))
		return 1;
	if (t.size < len || (m == M_QIMG && (step % len || t.size % len)))
		return fprintf(stderr, "%s: size or step not a multiple of %zu\n",
			       argv[3], len), tgt_close(&t), 2;
	buf = malloc(len);
	memset(buf, 0x5A, len);
	t0 = now();
	for (i = 0; i < count && !rc; i++) {
		off = op_offset(m, argv[2], i, &seed, &prev, step, t.size, len);
		if (m == M_SCRIPT)
			printf(wr ? "write -q -P 0x5a %llu %zu\n" : "read -q %llu %zu\n",
			       (unsigned long long)off, len);
		else
			rc = tgt_io(&t, wr, buf, len, off);
	}
	if (m != M_SCRIPT && wr && !rc && m != M_QIMG)
		rc = tgt_flush(&t);
	el = now() - t0;
	if (m == M_QIMG && wr && !rc)
		rc = tgt_flush(&t);
	if (m != M_SCRIPT)
		printf("%.6f\n", el);
	if (rc)
		fprintf(stderr, "%s: %s\n", argv[3], t.v ? vhd_get_error(t.v) : "I/O error");
	tgt_close(&t);
	free(buf);
	return rc ? 1 : 0;
}
