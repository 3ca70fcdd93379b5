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
#include "storage/vhd/vhd_format.h"
#include "tests/unit/storage/memfs.h"

/* Not a whole number of any block size: the last blocks are partial. */
#define DISK  (200u * 1024 + 3 * 512)
#define SMALL (160u * 1024 + 512)      /* the crash sweeps' disk */

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

static void report(void *ctx, const char *problem)
{
	fprintf(stderr, "# vhd check %s: %s\n", (const char *)ctx, problem);
}

static void check_clean(const char *path)
{
	assert_int_equal(vhd_check(&fs.ops, path, report, (void *)path), 0);
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

/* The merge's bytes move by the table's copy (memfs_copy_range, as the
 * host's copy_file_range) in half the runs of each kind. */
static int live_by_copy;

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
	if (live_by_copy)
		fs.ops.copy = memfs_copy_range;
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
	assert_true(!live_by_copy || fs.copies > 0);
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
	check_clean(c.top);
	check_clean(c.base);
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
	for (s = 1; s <= 4; s++) {
		live_by_copy = s > 2;
		test_one_live(K_DYNAMIC, s * 0x9e3779b9u);
	}
	live_by_copy = 0;
}

static void test_live_fixed(void **state)
{
	uint32_t s;

	(void)state;
	for (s = 1; s <= 4; s++) {
		live_by_copy = s > 2;
		test_one_live(K_FIXED, s * 0x85ebca6bu);
	}
	live_by_copy = 0;
}

static void test_live_diff_base(void **state)
{
	uint32_t s;

	(void)state;
	for (s = 1; s <= 4; s++) {
		live_by_copy = s > 2;
		test_one_live(K_DIFF, s * 0xc2b2ae35u);
	}
	live_by_copy = 0;
}

static void test_live_deep(void **state)
{
	uint32_t s;

	(void)state;
	for (s = 1; s <= 4; s++) {
		live_by_copy = s > 2;
		test_one_live(K_DEEP, s * 0x27d4eb2fu);
	}
	live_by_copy = 0;
}

/* ---- Power cuts ---- */

struct cut {
	enum memfs_cut how;
	uint32_t seed;
};

static const struct cut cuts[] = {
	{ MEMFS_KEEP_ALL, 0 }, { MEMFS_DROP_UNFLUSHED, 0 },
	{ MEMFS_KEEP_SUBSET, 0x9e3779b9u }, { MEMFS_KEEP_SUBSET, 777 },
	{ MEMFS_TEAR_SECTORS, 12345 }, { MEMFS_TEAR_SECTORS, 0xdeadbeefu },
};

struct stats {
	int copy_resumed;       /* resume picked up a copy mid-way */
	int switch_resumed;     /* resume finished a switch */
	int restarted;          /* no record: begin again */
};

/* begin, steps between reads and flushed writes of top, finish, with
 * the power failing after `budget` mutations: 0 if it all completed. */
static int cut_run(const struct chain *c, long budget, struct pending *pend)
{
	struct vhd *top = op(c->top, VHD_OPEN_RDWR), *mid;
	struct vhd_live_merge *lm = NULL;
	int rc, i;

	mid = in_chain(top, c->mid);
	fs.budget = budget;
	rc = vhd_live_merge_begin(top, mid, &lm, NULL);
	while (!rc) {
		for (i = 0; i < 2; i++)
			assert_int_equal(rand_read(top, c->size), 0);
		rc = rand_write(top, c->size, 1, pend);
		if (!rc)
			rc = vhd_live_merge_step(lm, 1 + next_rand() % 2, NULL);
		if (rc == 1) {
			rc = vhd_live_merge_finish(lm, NULL);
			lm = NULL;
			break;
		}
	}
	if (lm)
		vhd_live_merge_stop(lm);
	vhd_close(top);
	return rc;
}

/* After the cut, before any recovery: top opens and reads the model,
 * but for the range of a write that failed, where each sector is old or
 * new; the model takes what is there. */
static void check_cut(const struct chain *c, const struct pending *pend)
{
	static uint8_t buf[DISK], want[DISK];
	struct vhd *top = op(c->top, 0);
	uint64_t s;

	assert_int_equal(vhd_read(top, buf, (size_t)c->size, 0), 0);
	vhd_close(top);
	memcpy(want, model, (size_t)c->size);
	memcpy(want + pend->off, pend->data, pend->len);
	for (s = 0; s < c->size; s += 512)
		if (memcmp(buf + s, model + s, 512) &&
		    memcmp(buf + s, want + s, 512))
			fail_msg("sector %llu is neither old nor new",
				 (unsigned long long)s / 512);
	memcpy(model, buf, (size_t)c->size);
	/* vhd_check waits for recovery: a reordered cut may leave top's own
	 * end footer behind its last block (rule 7: the copy at offset 0
	 * serves, and the next writable open repairs it). */
}

static int header_torn(const char *child)
{
	struct memfs_file *f = memfs_lookup(&fs, child);

	return vhd_be32(f->data + 512 + 36) !=
	       vhd_calc_checksum(f->data + 512, 1024, 36);
}

/* resume, and whatever it leaves: the merge must complete. */
static void recover(const struct chain *c, struct stats *st)
{
	struct vhd_live_merge *lm = NULL;
	struct vhd_err e = { "" };
	struct pending *pend = malloc(sizeof(*pend));
	uint32_t done, total;
	struct vhd *top;
	int had_record;

	had_record = vhd_live_merge_query(&fs.ops, c->child, &done,
					  &total) == 0;
	top = op(c->top, VHD_OPEN_RDWR);
	if (vhd_live_merge_resume(top, &lm, &e))
		fail_msg("resume: %s", e.msg);
	if (lm) {
		vhd_live_merge_get_progress(lm, &done, &total);
		st->copy_resumed += done > 0 && done < total;
	} else if (in_chain(top, c->mid)) {
		st->restarted++;
		if (vhd_live_merge_begin(top, in_chain(top, c->mid), &lm, &e))
			fail_msg("begin again: %s", e.msg);
	} else {
		st->switch_resumed += had_record;
	}
	if (lm && vhd_live_merge_finish(lm, &e))
		fail_msg("finish after resume: %s", e.msg);
	assert_null(in_chain(top, c->mid));
	assert_null(memfs_lookup(&fs, c->mid));
	assert_int_equal(vhd_live_merge_query(&fs.ops, c->child, &done,
					      &total), -ENOENT);
	check_all(top, c->size);
	assert_int_equal(rand_write(top, c->size, 1, pend), 0);
	vhd_close(top);
	check_clean(c->top);
	check_clean(c->base);
	top = op(c->top, 0);
	check_all(top, c->size);
	vhd_close(top);
	free(pend);
}

static void cut_sweep(enum kind k, const struct cut *cut, struct stats *st)
{
	struct pending *pend = malloc(sizeof(*pend));
	struct chain c;
	long n;
	int rc;

	for (n = 0; ; n++) {
		rng = 0x1234567u + (uint32_t)k;
		memfs_init(&fs);
		build(k, SMALL, &c, 30);
		pend->off = 0;
		pend->len = 0;
		rc = cut_run(&c, n, pend);
		memfs_cut_power(&fs, cut->how, cut->seed + (uint32_t)n);
		check_cut(&c, pend);
		recover(&c, st);
		memfs_free(&fs);
		if (!rc)
			break;
	}
	assert_true(n > 20);
	free(pend);
}

static void cut_kind(enum kind k)
{
	struct stats st = { 0, 0, 0 };
	size_t i;

	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		cut_sweep(k, &cuts[i], &st);
	/* The sweeps did reach every kind of recovery. */
	assert_true(st.copy_resumed > 0);
	assert_true(st.switch_resumed > 0);
	assert_true(st.restarted > 0);
}

/* The switch record of child's merge, from the raw record file. */
static int switch_record(const char *child, struct vhd_live_rec *r)
{
	char path[300];
	struct memfs_file *f;
	int k, found = 0;

	snprintf(path, sizeof(path), "%s.lmerge", child);
	f = memfs_lookup(&fs, path);
	for (k = 0; f && k < 2; k++) {
		if (f->size < (k + 1) * sizeof(*r))
			continue;
		memcpy(r, f->data + k * sizeof(*r), sizeof(*r));
		if (vhd_be32(r->phase) == VHD_LIVE_SWITCH) {
			found = 1;
			break;
		}
	}
	return found;
}

/* A 1 KiB header write cut in half: the first sector new, the second
 * old. The chain still opens and reads through the record, which also
 * repairs it. */
static void torn_case(enum kind k)
{
	struct vhd_live_rec *r = malloc(sizeof(*r));
	struct pending *pend = malloc(sizeof(*pend));
	struct stats st = { 0, 0, 0 };
	struct memfs_file *f;
	struct chain c;
	long n;

	for (n = 0; ; n++) {
		rng = 0x1234567u;
		memfs_init(&fs);
		build(k, SMALL, &c, 30);
		pend->off = 0;
		pend->len = 0;
		assert_int_not_equal(cut_run(&c, n, pend), 0);
		memfs_cut_power(&fs, MEMFS_DROP_UNFLUSHED, 0);
		if (switch_record(c.child, r))
			break;
		memfs_free(&fs);
	}
	f = memfs_lookup(&fs, c.child);
	assert_false(header_torn(c.child));
	assert_memory_not_equal(f->data + 512, &r->hd, 512);
	memcpy(f->data + 512, &r->hd, 512);
	memcpy(f->durable + 512, &r->hd, 512);
	assert_true(header_torn(c.child));
	check_cut(&c, pend);
	recover(&c, &st);
	assert_int_equal(st.switch_resumed, 1);
	assert_false(header_torn(c.child));
	memfs_free(&fs);
	free(pend);
	free(r);
}

static void test_torn_header(void **state)
{
	(void)state;
	torn_case(K_DYNAMIC);
	torn_case(K_DEEP);
}

static void test_cut_dynamic(void **state)
{
	(void)state;
	cut_kind(K_DYNAMIC);
}

static void test_cut_fixed(void **state)
{
	(void)state;
	cut_kind(K_FIXED);
}

static void test_cut_diff_base(void **state)
{
	(void)state;
	cut_kind(K_DIFF);
}

static void test_cut_deep(void **state)
{
	(void)state;
	cut_kind(K_DEEP);
}

/* ---- Stopping, resuming, the record, refusals ---- */

static void expect_refused(struct vhd *top, struct vhd *mid, int want,
			   const char *why);

/* begin, a few steps, stop, close: the record keeps the progress, and
 * resume on a new open of the chain goes on from there. */
static void test_stop_resume(void **state)
{
	struct vhd_live_merge *lm;
	struct vhd_err e = { "" };
	struct chain c;
	struct vhd *top;
	uint32_t done, total, stopped;
	int i;

	(void)state;
	rng = 99;
	memfs_init(&fs);
	build(K_DYNAMIC, DISK, &c, 60);
	top = op(c.top, VHD_OPEN_RDWR);
	assert_int_equal(vhd_live_merge_begin(top, in_chain(top, c.mid), &lm,
					      &e), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(vhd_live_merge_step(lm, 5, &e), 0);
	vhd_live_merge_get_progress(lm, &stopped, &total);
	assert_true(stopped > 0 && stopped < total);
	assert_int_equal(vhd_live_merge_stop(lm), 0);
	vhd_close(top);
	assert_int_equal(vhd_live_merge_query(&fs.ops, c.top, &done, &total),
			 0);
	assert_int_equal(done, stopped);
	top = op(c.top, VHD_OPEN_RDWR);
	check_all(top, DISK);
	/* begin on the same mid goes on too; then resume finds it. */
	assert_int_equal(vhd_live_merge_begin(top, in_chain(top, c.mid), &lm,
					      &e), 0);
	vhd_live_merge_get_progress(lm, &done, &total);
	assert_int_equal(done, stopped);
	assert_int_equal(vhd_live_merge_stop(lm), 0);
	assert_int_equal(vhd_live_merge_resume(top, &lm, &e), 0);
	assert_non_null(lm);
	vhd_live_merge_get_progress(lm, &done, &total);
	assert_int_equal(done, stopped);
	assert_int_equal(vhd_live_merge_finish(lm, &e), 0);
	check_all(top, DISK);
	assert_int_equal(vhd_live_merge_resume(top, &lm, &e), 0);
	assert_null(lm);
	vhd_close(top);
	check_clean(c.top);
	memfs_free(&fs);
}

/* finish failing at each of its writes, the drive then working again
 * (no power cut): the same open chain still reads the model, begin says
 * to resume, and resume on it completes the merge. */
static void test_finish_fails(void **state)
{
	struct vhd_live_rec *r = malloc(sizeof(*r));
	struct vhd_live_merge *lm;
	struct vhd_err e = { "" };
	struct chain c;
	struct vhd *top;
	long n;
	int rc;

	(void)state;
	for (n = 0; ; n++) {
		rng = 11;
		memfs_init(&fs);
		build(K_DEEP, DISK, &c, 30);
		top = op(c.top, VHD_OPEN_RDWR);
		assert_int_equal(vhd_live_merge_begin(top, in_chain(top, c.mid),
						      &lm, &e), 0);
		while ((rc = vhd_live_merge_step(lm, 4, &e)) == 0)
			;
		assert_int_equal(rc, 1);
		fs.budget = n;
		rc = vhd_live_merge_finish(lm, &e);
		fs.budget = -1;
		fs.crashed = 0;
		check_all(top, DISK);
		if (rc && in_chain(top, c.mid) && switch_record(c.child, r))
			expect_refused(top, in_chain(top, c.mid), -EBUSY,
				       "resume it");
		if (rc && vhd_live_merge_resume(top, &lm, &e))
			fail_msg("resume after finish failed at %ld: %s", n,
				 e.msg);
		if (rc && lm)
			assert_int_equal(vhd_live_merge_finish(lm, &e), 0);
		assert_null(in_chain(top, c.mid));
		assert_null(memfs_lookup(&fs, c.mid));
		check_all(top, DISK);
		vhd_close(top);
		check_clean(c.top);
		check_clean(c.child);
		memfs_free(&fs);
		if (!rc)
			break;
	}
	assert_true(n > 5);
	free(r);
}

/* Slot k of the record file. */
static uint8_t *slot(const char *path, int k)
{
	struct memfs_file *f = memfs_lookup(&fs, path);

	assert_non_null(f);
	assert_true(f->size >= (k + 1) * sizeof(struct vhd_live_rec));
	return f->data + k * sizeof(struct vhd_live_rec);
}

/* A damaged newer slot leaves the older one; two damaged slots leave no
 * record (dropped by resume; begin starts over). */
static void test_record_slots(void **state)
{
	struct vhd_live_merge *lm;
	struct vhd_err e = { "" };
	const char *rec = "/v/top.vhd.lmerge";
	struct chain c;
	struct vhd *top;
	uint32_t d0, d1, total;
	int newer;

	(void)state;
	rng = 7;
	memfs_init(&fs);
	build(K_DYNAMIC, DISK, &c, 80);
	top = op(c.top, VHD_OPEN_RDWR);
	assert_int_equal(vhd_live_merge_begin(top, in_chain(top, c.mid), &lm,
					      &e), 0);
	while (vhd_live_merge_step(lm, 16, &e) == 0 &&
	       vhd_be32(slot(rec, 0) + 20) == 0)
		;
	assert_int_equal(vhd_live_merge_stop(lm), 0);
	d0 = vhd_be32(slot(rec, 0) + 20);
	d1 = vhd_be32(slot(rec, 1) + 20);
	assert_int_not_equal(d0, d1);
	newer = vhd_be32(slot(rec, 1) + 12) > vhd_be32(slot(rec, 0) + 12);
	slot(rec, newer)[100] ^= 1;
	assert_int_equal(vhd_live_merge_query(&fs.ops, c.top, &d0, &total), 0);
	assert_int_equal(d0, vhd_be32(slot(rec, !newer) + 20));
	slot(rec, !newer)[6000] ^= 0x40;
	assert_int_equal(vhd_live_merge_query(&fs.ops, c.top, &d0, &total),
			 -ENOENT);
	assert_int_equal(vhd_live_merge_resume(top, &lm, &e), 0);
	assert_null(lm);
	assert_null(memfs_lookup(&fs, rec));
	assert_int_equal(vhd_live_merge_begin(top, in_chain(top, c.mid), &lm,
					      &e), 0);
	vhd_live_merge_get_progress(lm, &d0, &total);
	assert_int_equal(d0, 0);
	assert_int_equal(vhd_live_merge_finish(lm, &e), 0);
	check_all(top, DISK);
	vhd_close(top);
	check_clean(c.top);
	check_clean(c.base);
	memfs_free(&fs);
}

static void expect_refused(struct vhd *top, struct vhd *mid, int want,
			   const char *why)
{
	struct vhd_live_merge *lm = (void *)1;
	struct vhd_err e = { "" };

	assert_int_equal(vhd_live_merge_begin(top, mid, &lm, &e), want);
	assert_null(lm);
	if (!strstr(e.msg, why))
		fail_msg("refused with '%s', not '%s'", e.msg, why);
}

/* What begin refuses, each with a reason and nothing written. */
static void test_refused(void **state)
{
	struct memfs_file *f;
	struct chain c;
	struct vhd *top, *other;
	int i;

	(void)state;
	rng = 3;
	memfs_init(&fs);
	build(K_DIFF, DISK, &c, 10);
	mk("/v/other.vhd", VHD_TYPE_DIFF, c.base, 0, 4096);
	top = op(c.top, VHD_OPEN_RDWR);
	other = op("/v/other.vhd", 0);
	expect_refused(top, top, -EINVAL, "not a parent in this chain");
	expect_refused(top, NULL, -EINVAL, "not a parent in this chain");
	expect_refused(top, other, -EINVAL, "not a parent in this chain");
	expect_refused(top, in_chain(top, "/v/b0.vhd"), -EINVAL,
		       "has no parent to merge into");
	vhd_close(other);
	/* One merge at a time in a chain. */
	{
		struct vhd_live_merge *lm;
		struct vhd_err e;

		assert_int_equal(vhd_live_merge_begin(top, in_chain(top,
					c.mid), &lm, &e), 0);
		expect_refused(top, in_chain(top, c.base), -EBUSY,
			       "under way");
		assert_int_equal(vhd_live_merge_stop(lm), 0);
		assert_int_equal(vhd_live_merge_resume(top, &lm, &e), 0);
		assert_int_equal(vhd_live_merge_finish(lm, &e), 0);
	}
	vhd_close(top);
	/* A top (now over base, over b0) without W2ku or W2ru locators:
	 * only its parent name leads to base, and there is no locator to
	 * name b0 in. */
	f = memfs_lookup(&fs, c.top);
	for (i = 0; i < 8; i++)
		if (f->data[512 + 576 + 24 * i])
			memcpy(f->data + 512 + 576 + 24 * i, "MacX", 4);
	vhd_put_be32(f->data + 512 + 36,
		     vhd_calc_checksum(f->data + 512, 1024, 36));
	top = op(c.top, VHD_OPEN_RDWR);
	expect_refused(top, in_chain(top, c.base), -ENOSPC, "locator");
	assert_null(memfs_lookup(&fs, "/v/top.vhd.lmerge"));
	vhd_close(top);
	memfs_free(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_dynamic),
		cmocka_unit_test(test_live_fixed),
		cmocka_unit_test(test_live_diff_base),
		cmocka_unit_test(test_live_deep),
		cmocka_unit_test(test_cut_dynamic),
		cmocka_unit_test(test_cut_fixed),
		cmocka_unit_test(test_cut_diff_base),
		cmocka_unit_test(test_cut_deep),
		cmocka_unit_test(test_torn_header),
		cmocka_unit_test(test_stop_resume),
		cmocka_unit_test(test_record_slots),
		cmocka_unit_test(test_finish_fails),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
