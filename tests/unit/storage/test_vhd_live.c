/* Live merge (storage/vhd/vhd_live.c): a chain's middle image merged into
 * its parent while the chain's top is read and written between the
 * merge's steps. A flat array models what top reads; every read is
 * checked against it and every write applied to it. Then the same with
 * the power cut after every mutating step of begin, step and finish (and
 * of top's own writes), under the drive models of memfs.h, followed by
 * recovery (vhd_live_merge_resume) and a merge that completes. */
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

/* Not a whole number of any block size: the last blocks are partial. */
#define DISK  (200u * 1024 + 3 * 512)
#define SMALL (48u * 1024 + 512)       /* the crash sweeps' disk */

static struct memfs fs;
static uint8_t model[DISK];
static uint32_t rng;

enum kind {
	K_DYNAMIC,      /* base dynamic <- mid <- top */
	K_FIXED,        /* base fixed <- mid <- top */
	K_DIFF,         /* b0 <- base (differencing) <- mid <- top */
	K_DEEP,         /* base <- mid <- child <- top: child is not top */
};

struct chain {
	const char *top, *mid, *base, *child;
	uint64_t size;
};

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void mk(const char *path, int type, const char *parent, uint64_t size,
	       uint32_t bs)
{
	struct vhd_create_params p = { .type = type, .size = size,
				       .block_size = bs, .parent = parent };
	struct vhd_err e;

	if (vhd_create(&fs.ops, path, &p, &e))
		fail_msg("create %s: %s", path, e.msg);
}

static struct vhd *op(const char *path, unsigned flags)
{
	struct vhd_err e = { "" };
	struct vhd *v = NULL;

	if (vhd_open(&fs.ops, path, flags, &v, &e))
		fail_msg("open %s: %s", path, e.msg);
	return v;
}

/* A random range: sometimes sector-aligned, sometimes not, sometimes a
 * whole block or more. */
static void rand_range(uint64_t size, uint64_t *off, size_t *len)
{
	uint32_t r = next_rand();

	*len = r % 4 == 0 ? 1 + next_rand() % 9000 :
	       r % 4 == 1 ? 512 * (1 + next_rand() % 40) :
	       r % 4 == 2 ? 1 + next_rand() % 700 : 16384;
	if (*len > size)
		*len = (size_t)size;
	*off = next_rand() % (size - *len + 1);
	if (r % 8 == 1)
		*off &= ~(uint64_t)511;
}

/* n random writes of random bytes into one image, into the model too
 * (layers are filled bottom up, so the model is the flattened view). */
static void fill(const char *path, int n, uint64_t size)
{
	struct vhd *v = op(path, VHD_OPEN_RDWR);
	uint8_t *b = malloc(16384 + 9000);
	uint64_t off;
	size_t len, i;

	while (n--) {
		rand_range(size, &off, &len);
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)next_rand();
		assert_int_equal(vhd_write(v, b, len, off), 0);
		memcpy(model + off, b, len);
	}
	assert_int_equal(vhd_flush(v), 0);
	vhd_close(v);
	free(b);
}

static void build(enum kind k, uint64_t size, struct chain *c, int writes)
{
	memset(model, 0, sizeof(model));
	c->size = size;
	c->top = "/v/top.vhd";
	c->mid = "/v/mid.vhd";
	c->base = "/v/base.vhd";
	c->child = k == K_DEEP ? "/v/child.vhd" : c->top;
	if (k == K_DIFF) {
		mk("/v/b0.vhd", VHD_TYPE_DYNAMIC, NULL, size, 16384);
		fill("/v/b0.vhd", writes, size);
		mk(c->base, VHD_TYPE_DIFF, "/v/b0.vhd", 0, 8192);
	} else {
		mk(c->base, k == K_FIXED ? VHD_TYPE_FIXED : VHD_TYPE_DYNAMIC,
		   NULL, size, 16384);
	}
	fill(c->base, writes / 5, size);   /* sparse: the merge allocates */
	mk(c->mid, VHD_TYPE_DIFF, c->base, 0, 4096);
	fill(c->mid, writes, size);
	if (k == K_DEEP) {
		mk(c->child, VHD_TYPE_DIFF, c->mid, 0, 8192);
		fill(c->child, writes / 2, size);
		mk(c->top, VHD_TYPE_DIFF, c->child, 0, 16384);
	} else {
		mk(c->top, VHD_TYPE_DIFF, c->mid, 0, 8192);
	}
	fill(c->top, writes / 2, size);
}

/* The image of v's chain at path, or NULL. */
static struct vhd *in_chain(struct vhd *v, const char *path)
{
	for (; v; v = vhd_get_parent(v))
		if (!strcmp(vhd_get_path(v), path))
			return v;
	return NULL;
}

static void check_all(struct vhd *v, uint64_t size)
{
	static uint8_t buf[DISK];

	assert_int_equal(vhd_read(v, buf, (size_t)size, 0), 0);
	assert_memory_equal(buf, model, (size_t)size);
}

static int rand_read(struct vhd *v, uint64_t size)
{
	static uint8_t buf[16384 + 9000];
	uint64_t off;
	size_t len;
	int rc;

	rand_range(size, &off, &len);
	rc = vhd_read(v, buf, len, off);
	if (!rc)
		assert_memory_equal(buf, model + off, len);
	return rc;
}

/* A write to top (applied to the model only once it is flushed), or
 * with flush 0 left in top's cache. A failed one leaves its range
 * undecided: each sector old or new (*pend says which range). */
struct pending {
	uint64_t off;
	size_t len;
	uint8_t data[16384 + 9000];
};

static int rand_write(struct vhd *v, uint64_t size, int flush,
		      struct pending *pend)
{
	uint64_t off;
	size_t len, i;
	int rc;

	rand_range(size, &off, &len);
	for (i = 0; i < len; i++)
		pend->data[i] = (uint8_t)next_rand();
	pend->off = off;
	pend->len = len;
	rc = vhd_write(v, pend->data, len, off);
	if (!rc && flush)
		rc = vhd_flush(v);
	if (!rc) {
		memcpy(model + off, pend->data, len);
		pend->len = 0;
	}
	return rc;
}

/* ---- Live merge with interleaved reads and writes ---- */

static void test_one_live(enum kind k, uint32_t seed)
{
	struct vhd_live_merge *lm;
	struct vhd_err e = { "" };
	struct pending *pend = malloc(sizeof(*pend));
	struct chain c;
	struct vhd *top, *mid;
	uint32_t done, total, last = 0;
	int rc, i;

	rng = seed;
	memfs_init(&fs);
	build(k, DISK, &c, 40);
	top = op(c.top, VHD_OPEN_RDWR);
	mid = in_chain(top, c.mid);
	assert_non_null(mid);
	if (vhd_live_merge_begin(top, mid, &lm, &e))
		fail_msg("begin: %s", e.msg);
	assert_int_equal(vhd_live_merge_query(&fs.ops, c.child, &done, &total),
			 0);
	do {
		for (i = 0; i < 3; i++)
			assert_int_equal(rand_read(top, DISK), 0);
		assert_int_equal(rand_write(top, DISK, next_rand() & 1, pend),
				 0);
		rc = vhd_live_merge_step(lm, 1 + next_rand() % 3, &e);
		if (rc < 0)
			fail_msg("step: %s", e.msg);
		vhd_live_merge_get_progress(lm, &done, &total);
		assert_true(done >= last && done <= total);
		last = done;
	} while (rc == 0);
	assert_int_equal(done, total);
	check_all(top, DISK);
	if (vhd_live_merge_finish(lm, &e))
		fail_msg("finish: %s", e.msg);
	/* mid is gone, from the chain and from the disk, with its record. */
	assert_null(in_chain(top, c.mid));
	assert_null(memfs_lookup(&fs, c.mid));
	assert_null(memfs_lookup(&fs, "/v/top.vhd.lmerge"));
	assert_null(memfs_lookup(&fs, "/v/child.vhd.lmerge"));
	assert_string_equal(vhd_get_path(vhd_get_parent(in_chain(top,
			    c.child))), c.base);
	check_all(top, DISK);
	/* top goes on working as it was. */
	for (i = 0; i < 30; i++) {
		assert_int_equal(rand_write(top, DISK, 0, pend), 0);
		assert_int_equal(rand_read(top, DISK), 0);
	}
	assert_int_equal(vhd_flush(top), 0);
	check_all(top, DISK);
	vhd_close(top);
	assert_int_equal(vhd_check(&fs.ops, c.top, NULL, NULL), 0);
	assert_int_equal(vhd_check(&fs.ops, c.base, NULL, NULL), 0);
	top = op(c.top, 0);
	check_all(top, DISK);
	vhd_close(top);
	memfs_free(&fs);
	free(pend);
}

static void test_live_dynamic(void **state)
{
	uint32_t s;

	(void)state;
	for (s = 1; s <= 4; s++)
		test_one_live(K_DYNAMIC, s * 0x9e3779b9u);
}

static void test_live_fixed(void **state)
{
	uint32_t s;

	(void)state;
	for (s = 1; s <= 4; s++)
		test_one_live(K_FIXED, s * 0x85ebca6bu);
}

static void test_live_diff_base(void **state)
{
	uint32_t s;

	(void)state;
	for (s = 1; s <= 4; s++)
		test_one_live(K_DIFF, s * 0xc2b2ae35u);
}

static void test_live_deep(void **state)
{
	uint32_t s;

	(void)state;
	for (s = 1; s <= 4; s++)
		test_one_live(K_DEEP, s * 0x27d4eb2fu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_dynamic),
		cmocka_unit_test(test_live_fixed),
		cmocka_unit_test(test_live_diff_base),
		cmocka_unit_test(test_live_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
