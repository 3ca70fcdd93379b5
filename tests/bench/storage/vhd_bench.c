/* I/O pattern driver for tests/bench/storage/vhd: runs a pattern through
 * the VHD library, or prints the same pattern as qemu-io commands so the
 * two can be timed side by side on identical files.
 *   vhd_bench run    PATTERN FILE COUNT SEED   -> elapsed seconds
 *   vhd_bench script PATTERN FILE COUNT SEED   -> qemu-io commands
 * PATTERN: seq-read | seq-write (1 MiB) | rand-read | rand-write (4 KiB). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "storage/host/fio_posix.h"
#include "storage/vhd/vhd.h"
#include "tests/bench/storage/bench_rng.h"

static uint64_t rng;

static uint64_t next(void)
{
	return bench_rng_next(&rng);
}

static uint64_t op_offset(int seq, uint64_t i, uint64_t size, size_t len)
{
	if (seq)
		return (i * len) % (size - size % len);
	return (next() % (size / len)) * len;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct vhd_err err = { "" };
	struct vhd *v;
	uint64_t i, count, size, off;
	int seq, wr, script, rc = 0;
	size_t len;
	uint8_t *buf;
	double t0;

	if (argc != 6)
		return fprintf(stderr, "usage: see source\n"), 2;
	script = !strcmp(argv[1], "script");
	seq = !strncmp(argv[2], "seq", 3);
	wr = strstr(argv[2], "write") != NULL;
	len = seq ? (1u << 20) : 4096;
	count = strtoull(argv[4], NULL, 0);
	rng = strtoull(argv[5], NULL, 0);
	if (vhd_open(fio_posix_get_ops(), argv[3], wr ? VHD_OPEN_RDWR : 0, &v,
		     &err))
		return fprintf(stderr, "%s: %s\n", argv[3], err.msg), 1;
	size = vhd_get_size(v);
	buf = malloc(len);
	memset(buf, 0x5A, len);
	t0 = now();
	for (i = 0; i < count && !rc; i++) {
		off = op_offset(seq, i, size, len);
		if (script)
			printf(wr ? "write -q -P 0x5a %llu %zu\n" :
			       "read -q %llu %zu\n", (unsigned long long)off,
			       len);
		else if (wr)
			rc = vhd_write(v, buf, len, off);
		else
			rc = vhd_read(v, buf, len, off);
	}
	if (!script && wr && !rc)
		rc = vhd_flush(v);
	if (!script)
		printf("%.6f\n", now() - t0);
	if (rc)
		fprintf(stderr, "%s: %s\n", argv[3], vhd_get_error(v));
	vhd_close(v);
	free(buf);
	return rc ? 1 : 0;
}
