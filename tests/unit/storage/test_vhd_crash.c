/* Crash simulation (docs/ARCHITECTURE.md rule 7): cut the power after every
 * mutating step of a block allocation, a bitmap update, a merge and a
 * discard, under three drive models (all writes kept, unflushed writes
 * lost, a random subset of unflushed writes kept).  The image must still
 * open, hold the old or the new data, and keep every acknowledged
 * (flushed) write. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "storage/vhd/vhd.h"
#include "tests/unit/storage/memfs.h"

#define DISK (256u << 10)
#define BS   (16u << 10)

static struct memfs fs;

struct cut {
	enum memfs_cut how;
	uint32_t seed;
};

static const struct cut cuts[] = {
	{ MEMFS_KEEP_ALL, 0 }, { MEMFS_DROP_UNFLUSHED, 0 },
	{ MEMFS_KEEP_SUBSET, 0x9e3779b9u }, { MEMFS_KEEP_SUBSET, 12345 },
	{ MEMFS_KEEP_SUBSET, 777 }, { MEMFS_KEEP_SUBSET, 0xdeadbeefu },
};

static void mk(const char *path, int type, const char *parent, uint32_t bs)
{
	struct vhd_create_params p = { .type = type, .size = DISK,
				       .block_size = bs, .parent = parent };
	struct vhd_err e;

	assert_int_equal(vhd_create(&fs.ops, path, &p, &e), 0);
}

static struct vhd *op(const char *path, unsigned flags)
{
	struct vhd_err e = { "" };
	struct vhd *v = NULL;

	if (vhd_open(&fs.ops, path, flags, &v, &e))
		fail_msg("open %s after crash: %s", path, e.msg);
	return v;
}

static void put(const char *path, uint8_t val, size_t len, uint64_t off)
{
	struct vhd *v = op(path, VHD_OPEN_RDWR);
	uint8_t *b = malloc(len);

	memset(b, val, len);
	assert_int_equal(vhd_write(v, b, len, off), 0);
	assert_int_equal(vhd_flush(v), 0);
	vhd_close(v);
	free(b);
}

static int range_is(struct vhd *v, uint64_t off, size_t len, uint8_t val)
{
	uint8_t *b = malloc(len);
	size_t i;
	int ok = 1;

	assert_int_equal(vhd_read(v, b, len, off), 0);
	for (i = 0; i < len; i++)
		ok &= b[i] == val;
	free(b);
	return ok;
}

/* After a crash the image must still accept writes and check clean. */
static void still_usable(const char *path)
{
	struct vhd *v;

	put(path, 0x77, 4096, 12 * BS);
	v = op(path, 0);
	assert_true(range_is(v, 12 * BS, 4096, 0x77));
	vhd_close(v);
	assert_int_equal(vhd_check(&fs.ops, path, NULL, NULL), 0);
}

/* One write of 3000 bytes at an unaligned offset into a new block. */
static void alloc_case(int diff, const struct cut *c)
{
	const char *top = diff ? "/c.vhd" : "/b.vhd";
	const uint64_t off = 5 * BS + 700;
	uint8_t old = diff ? 0xB5 : 0x00, nb[3000];
	struct vhd *v;
	long k;
	int rc;

	memset(nb, 0xEE, sizeof(nb));
	for (k = 0; ; k++) {
		memfs_init(&fs);
		mk("/b.vhd", VHD_TYPE_DYNAMIC, NULL, BS);
		put("/b.vhd", 0xA0, 4096, 0);           /* acknowledged */
		if (diff) {
			put("/b.vhd", 0xB5, BS, 5 * BS);  /* parent data */
			mk("/c.vhd", VHD_TYPE_DIFF, "/b.vhd", BS);
			put("/c.vhd", 0xC0, 1024, 0);
		}
		v = op(top, VHD_OPEN_RDWR);
		fs.budget = k;
		rc = vhd_write(v, nb, sizeof(nb), off);
		if (!rc)
			rc = vhd_flush(v);
		vhd_close(v);
		memfs_cut_power(&fs, c->how, c->seed + (uint32_t)k);
		v = op(top, 0);
		assert_true(range_is(v, off, sizeof(nb), 0xEE) ||
			    (!rc ? 0 : range_is(v, off, sizeof(nb), old)));
		/* Bytes around the write in the same sectors are intact. */
		assert_true(range_is(v, 5 * BS, 700, old));
		assert_true(range_is(v, 0, diff ? 1024 : 4096,
				     diff ? 0xC0 : 0xA0));
		vhd_close(v);
		still_usable(top);
		memfs_free(&fs);
		if (!rc)
			break;
	}
	assert_true(k >= 4);   /* footer, data, bitmap, flush, BAT, flush */
}

static void test_alloc_dynamic(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		alloc_case(0, &cuts[i]);
}

static void test_alloc_diff(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		alloc_case(1, &cuts[i]);
}

/* Old content of sector s (byte offset) in the multi-block case. */
static uint8_t multi_old(uint64_t pos)
{
	if (pos >= 4 * BS && pos < 5 * BS)
		return 0xB5;                      /* from the parent */
	if (pos >= 5 * BS + 4096 && pos < 5 * BS + 6144)
		return 0xC1;                      /* the child's own */
	return 0;
}

/* One write over four blocks (three new to the child, one it already
 * has), flushed once.  Newly allocated blocks are all old or all new;
 * in the existing block each sector is old or new (sector atomicity, as
 * a disk gives for an unacknowledged write). */
static void multi_check(struct vhd *v, uint64_t off, uint64_t len, int rc)
{
	uint8_t sec[512];
	uint64_t pos;
	int b, state[8] = { 0 };   /* per block: 1 old seen, 2 new seen */

	for (pos = off & ~511ull; pos < off + len; pos += 512) {
		assert_int_equal(vhd_read(v, sec, 512, pos), 0);
		b = (int)(pos / BS);
		if (sec[511] == 0xEE && (pos + 512 <= off + len))
			state[b] |= 2;
		else if (sec[511] == multi_old(pos + 511))
			state[b] |= 1;
		else if (pos + 512 > off + len && sec[0] == 0xEE)
			state[b] |= 2;    /* tail sector: new head bytes */
		else
			fail_msg("garbage at %llu", (unsigned long long)pos);
		/* Bytes before the write in its first sector stay old. */
		if (pos < off)
			assert_int_equal(sec[0], multi_old(pos));
	}
	for (b = 3; b <= 6; b++) {
		if (!rc)
			assert_int_equal(state[b], 2);
		else if (b != 5)
			assert_true(state[b] == 1 || state[b] == 2);
	}
}

static void test_multi_block(void **state)
{
	const uint64_t off = 3 * BS + 1024, len = 3 * BS + 512;
	uint8_t *nb = malloc(len);
	struct vhd *v;
	size_t i;
	long k;
	int rc;

	(void)state;
	memset(nb, 0xEE, len);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		for (k = 0; ; k++) {
			memfs_init(&fs);
			mk("/b.vhd", VHD_TYPE_DYNAMIC, NULL, BS);
			put("/b.vhd", 0xB5, BS, 4 * BS);
			mk("/c.vhd", VHD_TYPE_DIFF, "/b.vhd", BS);
			put("/c.vhd", 0xC1, 2048, 5 * BS + 4096);
			v = op("/c.vhd", VHD_OPEN_RDWR);
			fs.budget = k;
			rc = vhd_write(v, nb, len, off);
			if (!rc)
				rc = vhd_flush(v);
			vhd_close(v);
			memfs_cut_power(&fs, cuts[i].how,
					cuts[i].seed + (uint32_t)k);
			v = op("/c.vhd", 0);
			multi_check(v, off, len, rc);
			vhd_close(v);
			memfs_free(&fs);
			if (!rc)
				break;
		}
	}
	free(nb);
}

/* Setting a bitmap bit in an allocated differencing block: data, flush,
 * bitmap.  Sector 10 shows the parent or the new data, never garbage. */
static void test_bitmap_update(void **state)
{
	size_t i;
	struct vhd *v;
	uint8_t nb[512];
	long k;
	int rc;

	(void)state;
	memset(nb, 0xEE, sizeof(nb));
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		for (k = 0; ; k++) {
			memfs_init(&fs);
			mk("/b.vhd", VHD_TYPE_DYNAMIC, NULL, BS);
			put("/b.vhd", 0xB5, BS, 5 * BS);
			mk("/c.vhd", VHD_TYPE_DIFF, "/b.vhd", BS);
			put("/c.vhd", 0xC0, 512, 5 * BS);
			v = op("/c.vhd", VHD_OPEN_RDWR);
			fs.budget = k;
			rc = vhd_write(v, nb, 512, 5 * BS + 10 * 512);
			if (!rc)
				rc = vhd_flush(v);
			vhd_close(v);
			memfs_cut_power(&fs, cuts[i].how, cuts[i].seed);
			v = op("/c.vhd", 0);
			assert_true(range_is(v, 5 * BS + 5120, 512, 0xEE) ||
				    (rc && range_is(v, 5 * BS + 5120, 512,
						    0xB5)));
			assert_true(range_is(v, 5 * BS, 512, 0xC0));
			assert_true(range_is(v, 5 * BS + 512, 512 * 9, 0xB5));
			vhd_close(v);
			memfs_free(&fs);
			if (!rc)
				break;
		}
	}
}

/* Discard (SCSI UNMAP) on a dynamic image: block 3 wholly (freed: its BAT
 * entry, flushed) and the first 1 KiB of block 4 (zeroed). After a cut at
 * any step each range holds its old data or zeros, never anything else;
 * once vhd_discard returned 0, zeros; and nothing else moved. */
static void test_discard_crash(void **state)
{
	size_t i;
	struct vhd *v;
	long k;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		for (k = 0; ; k++) {
			memfs_init(&fs);
			mk("/b.vhd", VHD_TYPE_DYNAMIC, NULL, BS);
			put("/b.vhd", 0xA0, 4096, 0);
			put("/b.vhd", 0xD0, BS, 3 * BS);
			put("/b.vhd", 0xD1, 4096, 4 * BS);
			v = op("/b.vhd", VHD_OPEN_RDWR);
			fs.budget = k;
			rc = vhd_discard(v, 3 * BS, BS + 1024);
			vhd_close(v);
			memfs_cut_power(&fs, cuts[i].how, cuts[i].seed + (uint32_t)k);
			v = op("/b.vhd", 0);
			assert_true(range_is(v, 3 * BS, BS, 0) ||
				    (rc && range_is(v, 3 * BS, BS, 0xD0)));
			assert_true(range_is(v, 4 * BS, 1024, 0) ||
				    (rc && range_is(v, 4 * BS, 1024, 0xD1)));
			assert_true(range_is(v, 4 * BS + 1024, 3072, 0xD1));
			assert_true(range_is(v, 0, 4096, 0xA0));
			vhd_close(v);
			still_usable("/b.vhd");
			memfs_free(&fs);
			if (!rc)
				break;
		}
		assert_true(k >= 3);   /* zeros, flush, BAT, flush */
	}
}

/* Merge: a kid over a base, 64 blocks of 4 KiB, data in most of them. */
static uint8_t model[DISK];

static void merge_setup(void)
{
	struct vhd *v;
	uint32_t b;

	mk("/m/base.vhd", VHD_TYPE_DYNAMIC, NULL, 4096);
	mk("/m/kid.vhd", VHD_TYPE_DIFF, "/m/base.vhd", 4096);
	memset(model, 0, sizeof(model));
	v = op("/m/base.vhd", VHD_OPEN_RDWR);
	for (b = 0; b < DISK / 4096; b += 3) {
		memset(model + b * 4096, (int)(b + 1), 4096);
		assert_int_equal(vhd_write(v, model + b * 4096, 4096,
					   b * 4096), 0);
	}
	vhd_close(v);
	v = op("/m/kid.vhd", VHD_OPEN_RDWR);
	for (b = 0; b < DISK / 4096; b += 1 + (b & 1)) {
		memset(model + b * 4096 + 1024, (int)(0x80 + b), 2048);
		assert_int_equal(vhd_write(v, model + b * 4096 + 1024, 2048,
					   b * 4096 + 1024), 0);
	}
	assert_int_equal(vhd_flush(v), 0);
	vhd_close(v);
}

static void view_is_model(const char *path)
{
	static uint8_t buf[DISK];
	struct vhd *v = op(path, 0);

	assert_int_equal(vhd_read(v, buf, DISK, 0), 0);
	assert_memory_equal(buf, model, DISK);
	vhd_close(v);
}

/* The merge copies by the table's copy (memfs_copy_range); the copies
 * it made over all cuts. */
static int merge_by_copy;
static long merge_copies;

static void merge_case(const struct cut *c, int *resumed)
{
	struct vhd_err e = { "" };
	uint32_t done, total;
	long k;
	int rc;

	for (k = 0; ; k += 1 + k / 40) {
		memfs_init(&fs);
		if (merge_by_copy)
			fs.ops.copy = memfs_copy_range;
		merge_setup();
		fs.budget = k;
		rc = vhd_merge(&fs.ops, "/m/kid.vhd", NULL, NULL, &e);
		memfs_cut_power(&fs, c->how, c->seed + (uint32_t)k);
		if (memfs_lookup(&fs, "/m/kid.vhd"))
			view_is_model("/m/kid.vhd");   /* view unchanged */
		if (vhd_merge_get_progress(&fs.ops, "/m/kid.vhd", &done,
				       &total) == 0) {
			assert_true(done <= total && total == DISK / 4096);
			*resumed |= done > 0 && done < total;
		}
		/* Restart and finish. */
		e.msg[0] = '\0';
		if (rc && vhd_merge(&fs.ops, "/m/kid.vhd", NULL, NULL, &e))
			fail_msg("restarted merge (cut at %ld): %s", k, e.msg);
		assert_null(memfs_lookup(&fs, "/m/kid.vhd"));
		assert_null(memfs_lookup(&fs, "/m/kid.vhd.merge"));
		view_is_model("/m/base.vhd");
		assert_int_equal(vhd_check(&fs.ops, "/m/base.vhd", NULL,
					   NULL), 0);
		merge_copies += fs.copies;
		memfs_free(&fs);
		if (!rc)
			break;
	}
}

static void test_merge_crash(void **state)
{
	int resumed = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		merge_case(&cuts[i], &resumed);
	assert_true(resumed);   /* some restart did resume mid-way */
}

/* The same with the bytes moved by the table's copy: a copy is a pending
 * write like any, and the merge's flushes and records order it. */
static void test_merge_copy_crash(void **state)
{
	merge_by_copy = 1;
	test_merge_crash(state);
	merge_by_copy = 0;
	assert_true(merge_copies > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_dynamic),
		cmocka_unit_test(test_alloc_diff),
		cmocka_unit_test(test_bitmap_update),
		cmocka_unit_test(test_multi_block),
		cmocka_unit_test(test_merge_crash),
		cmocka_unit_test(test_merge_copy_crash),
		cmocka_unit_test(test_discard_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
