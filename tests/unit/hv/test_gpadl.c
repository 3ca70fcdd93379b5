/* Host tests for the GPADL table (hv/mm/gpadl.c, hv's MapGpadlPages and
 * UnmapGpadlPages; docs/hypercalls.md "GPADL pages") over the fake page
 * space of fakegpadl.c: counts per page, every refusal with its status
 * and nothing changed, running out of EPT tables mid-call, and a child
 * deleted while the parent maps its pages (HELD until the last unmap,
 * then scrubbed and given back exactly once). The status codes are the
 * TLFS's (hv/abi/hvpart_abi.h: INVALID_PARAMETER 5, INSUFFICIENT_MEMORY
 * 0xB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fakegpadl.h"

#define KID  4      /* child ids */
#define KID2 5
#define NPAGES 600   /* host pages: kid2 holds 64..575 */
#define PG(i) ((uint64_t)(i) << 12)

static struct fakegpadl f;
static struct fg_child kid, kid2;
static struct hvpart_gpadl_map_in min;
static struct hvpart_gpadl_map_out mout;
static struct hvpart_gpadl_unmap_in uin;

/* kid: gpfn g -> host page 10 + g for g < 8 (gpfn 8.. holes), 16 pages
 * in size; kid2: gpfn g -> page 64 + g for its 512 pages. */
static int setup(void **st)
{
	(void)st;
	fg_init(&f, NPAGES);
	fg_child_init(&kid, KID, 16);
	fg_child_init(&kid2, KID2, FG_CHILD_PAGES);
	for (unsigned g = 0; g < 8; g++)
		assert_int_equal(fg_deposit(&f, &kid, g, 10 + g, (uint8_t)(0xa0 + g)), 0);
	for (unsigned g = 0; g < FG_CHILD_PAGES; g++)
		assert_int_equal(fg_deposit(&f, &kid2, g, 64 + g, 0x55), 0);
	f.owner[1] = PAGE_OWNER_HV;
	f.perm[1] = 0;
	f.owner[2] = PAGE_OWNER_NONE;
	f.perm[2] = 0;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	assert_int_equal(f.bad, 0);
	fg_fini(&f);
	return 0;
}

static uint16_t map(const struct fg_child *c, uint32_t n, const uint64_t *gpfn)
{
	memset(&min, 0, sizeof(min));
	min.partition_id = c->id;
	min.count = n;
	for (uint32_t i = 0; i < n && i < HVPART_GPADL_PAGES; i++)
		min.gpfn[i] = gpfn[i];
	memset(&mout, 0xee, sizeof(mout));
	return gpadl_table_map(&f.t, (void *)c, PAGE_OWNER_CHILD(c->id), &min, &mout);
}

static uint16_t unmap(uint32_t n, const uint64_t *pa)
{
	memset(&uin, 0, sizeof(uin));
	uin.count = n;
	for (uint32_t i = 0; i < n && i < HVPART_GPADL_PAGES; i++)
		uin.pa[i] = pa[i];
	return gpadl_table_unmap(&f.t, &uin);
}

/* The table's counters agree with its per-page counts and the owners,
 * and no mark is left over from a call. */
static void check_counts(void)
{
	uint64_t mapped = 0, held = 0;

	for (unsigned i = 0; i < NPAGES; i++) {
		assert_int_equal(f.ref[i] & 0x80, 0);
		mapped += f.ref[i] != 0;
		held += f.owner[i] == PAGE_OWNER_HELD;
		if (f.ref[i])
			assert_int_equal(f.perm[i], FG_RW);
	}
	assert_int_equal(f.t.mapped, mapped);
	assert_int_equal(f.t.held, held);
	assert_int_equal(f.bad, 0);
}

struct snap {
	uint16_t owner[NPAGES];
	uint8_t perm[NPAGES], ref[NPAGES];
	unsigned scrubs[NPAGES];
	unsigned maps, unmaps;
	uint64_t mapped, held;
};

static void take(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->owner, f.owner, sizeof(s->owner));
	memcpy(s->perm, f.perm, sizeof(s->perm));
	memcpy(s->ref, f.ref, sizeof(s->ref));
	memcpy(s->scrubs, f.scrubs, sizeof(s->scrubs));
	s->maps = f.maps;
	s->unmaps = f.unmaps;
	s->mapped = f.t.mapped;
	s->held = f.t.held;
}

static void assert_unchanged(const struct snap *s)
{
	static struct snap now;

	take(&now);
	assert_memory_equal(s, &now, sizeof(now));
}

static void test_map_counts_per_page(void **st)
{
	const uint64_t g[3] = { 2, 0, 5 }, again[2] = { 5, 2 };
	uint64_t pa[3];
	unsigned flushes;

	(void)st;
	assert_int_equal(map(&kid, 3, g), HV_STATUS_SUCCESS);
	/* Host addresses in input order; read/write in the parent. */
	assert_int_equal(mout.pa[0], PG(12));
	assert_int_equal(mout.pa[1], PG(10));
	assert_int_equal(mout.pa[2], PG(15));
	memcpy(pa, mout.pa, sizeof(pa));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(gpadl_table_refs(&f.t, pa[i]), 1);
		assert_int_equal(f.perm[pa[i] >> 12], FG_RW);
		assert_int_equal(f.owner[pa[i] >> 12], PAGE_OWNER_CHILD(KID));
	}
	assert_int_equal(f.maps, 3);
	assert_int_equal(f.flushes, 1);
	assert_int_equal(f.t.mapped, 3);
	/* Mapped again (a second GPADL): counted, not mapped twice. */
	assert_int_equal(map(&kid, 2, again), HV_STATUS_SUCCESS);
	assert_int_equal(gpadl_table_refs(&f.t, PG(15)), 2);
	assert_int_equal(gpadl_table_refs(&f.t, PG(12)), 2);
	assert_int_equal(gpadl_table_refs(&f.t, PG(10)), 1);
	assert_int_equal(f.maps, 3);
	assert_int_equal(f.t.mapped, 3);
	check_counts();
	/* One mapping fewer per unmap; the page leaves at the last only. */
	assert_int_equal(unmap(1, &pa[0]), HV_STATUS_SUCCESS);
	assert_int_equal(gpadl_table_refs(&f.t, PG(12)), 1);
	assert_int_equal(f.perm[12], FG_RW);
	assert_int_equal(f.unmaps, 0);
	assert_int_equal(unmap(3, pa), HV_STATUS_SUCCESS);
	assert_int_equal(gpadl_table_refs(&f.t, PG(15)), 1);
	assert_int_equal(f.perm[15], FG_RW);
	flushes = f.flushes;
	assert_int_equal(unmap(1, &pa[2]), HV_STATUS_SUCCESS);
	/* The parent's cached translations go with its EPT entries. */
	assert_int_equal(f.flushes, flushes + 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(gpadl_table_refs(&f.t, pa[i]), 0);
		assert_int_equal(f.perm[pa[i] >> 12], 0);
		/* Still the live child's, its data untouched. */
		assert_int_equal(f.owner[pa[i] >> 12], PAGE_OWNER_CHILD(KID));
		assert_true(fg_page_is(&f, (unsigned)(pa[i] >> 12), (uint8_t)(0xa0 + (pa[i] >> 12) - 10)));
		assert_int_equal(f.scrubs[pa[i] >> 12], 0);
	}
	assert_int_equal(f.unmaps, 3);
	assert_int_equal(unmap(1, &pa[2]), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(f.t.mapped, 0);
	check_counts();
}

/* A whole call: 510 pages at once, then refused at 511 with nothing
 * changed (the 510 stay counted once). */
static void test_map_full_call(void **st)
{
	static uint64_t g[HVPART_GPADL_PAGES + 1], pa[HVPART_GPADL_PAGES];
	static struct snap s;

	(void)st;
	for (uint32_t i = 0; i <= HVPART_GPADL_PAGES; i++)
		g[i] = HVPART_GPADL_PAGES - i;   /* 510 .. 0, in reverse */
	assert_int_equal(map(&kid2, HVPART_GPADL_PAGES, g), HV_STATUS_SUCCESS);
	for (uint32_t i = 0; i < HVPART_GPADL_PAGES; i++)
		assert_int_equal(mout.pa[i], PG(64 + g[i]));
	memcpy(pa, mout.pa, sizeof(pa));
	assert_int_equal(f.t.mapped, HVPART_GPADL_PAGES);
	assert_int_equal(f.maps, HVPART_GPADL_PAGES);
	take(&s);
	memset(&min, 0, sizeof(min));
	min.count = HVPART_GPADL_PAGES + 1;
	assert_int_equal(gpadl_table_map(&f.t, &kid2, PAGE_OWNER_CHILD(KID2), &min, &mout),
			 HV_STATUS_INVALID_PARAMETER);
	assert_unchanged(&s);
	assert_int_equal(unmap(HVPART_GPADL_PAGES, pa), HV_STATUS_SUCCESS);
	assert_int_equal(f.t.mapped, 0);
	assert_int_equal(f.unmaps, HVPART_GPADL_PAGES);
	check_counts();
}

struct bad_map {
	const char *what;
	uint32_t count, rsvd;
	uint64_t gpfn[4];
};

/* Each refused with INVALID_PARAMETER and nothing changed, with pages 0
 * and 1 of kid already mapped once (their counts must stay 1). */
static void test_map_refused(void **st)
{
	const uint64_t pre[2] = { 0, 1 };
	const struct bad_map cases[] = {
		{ "count 0", 0, 0, { 0 } },
		{ "count 511", HVPART_GPADL_PAGES + 1, 0, { 2 } },
		{ "reserved field set", 1, 1, { 2 } },
		{ "page number past the child", 2, 0, { 2, 16 } },
		{ "page number overflowing", 2, 0, { 3, UINT64_MAX } },
		{ "page number with no page (a hole)", 2, 0, { 2, 9 } },
		{ "hv's page", 2, 0, { 2, 12 } },
		{ "the parent's page", 2, 0, { 2, 13 } },
		{ "another child's page", 2, 0, { 2, 14 } },
		{ "no RAM (owner none)", 2, 0, { 2, 15 } },
		{ "a page past the table", 2, 0, { 2, 11 } },
		{ "the same page twice", 3, 0, { 2, 3, 2 } },
		{ "an already mapped page twice", 2, 0, { 0, 0 } },
		{ "two numbers, one host page", 2, 0, { 4, 10 } },
		{ "good pages, then a bad one", 4, 0, { 0, 2, 3, 9 } },
	};
	static struct snap s;

	(void)st;
	assert_int_equal(map(&kid, 2, pre), HV_STATUS_SUCCESS);
	/* kid's EPT, as a broken or hostile setup would have it: gpfn 12 ->
	 * hv's page, 13 -> a parent page, 14 -> kid2's, 15 -> no RAM, 11 ->
	 * past the table, 10 -> the page behind gpfn 4 again. */
	kid.gpfn_pa[12] = PG(1);
	kid.gpfn_pa[13] = PG(40);
	kid.gpfn_pa[14] = PG(65);
	kid.gpfn_pa[15] = PG(2);
	kid.gpfn_pa[11] = PG(NPAGES);
	kid.gpfn_pa[10] = PG(14);
	take(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_map *c = &cases[i];

		memset(&min, 0, sizeof(min));
		min.partition_id = KID;
		min.count = c->count;
		min.rsvd = c->rsvd;
		memcpy(min.gpfn, c->gpfn, sizeof(c->gpfn));
		memset(&mout, 0xee, sizeof(mout));
		print_message("# %s\n", c->what);
		assert_int_equal(gpadl_table_map(&f.t, &kid, PAGE_OWNER_CHILD(KID), &min, &mout),
				 HV_STATUS_INVALID_PARAMETER);
		assert_unchanged(&s);
		assert_int_equal(mout.pa[0], 0xeeeeeeeeeeeeeeeeull);
		assert_int_equal(f.flushes, 1);
	}
	assert_int_equal(gpadl_table_refs(&f.t, PG(10)), 1);
	assert_int_equal(gpadl_table_refs(&f.t, PG(11)), 1);
	check_counts();
}

/* A page may be counted 127 times (docs/hypercalls.md); the 128th map is
 * refused, and unmapping 127 times releases it. */
static void test_ref_limit(void **st)
{
	const uint64_t g = 6, pa = PG(16);
	static struct snap s;

	(void)st;
	for (unsigned i = 0; i < GPADL_REF_MAX; i++)
		assert_int_equal(map(&kid, 1, &g), HV_STATUS_SUCCESS);
	assert_int_equal(gpadl_table_refs(&f.t, pa), GPADL_REF_MAX);
	take(&s);
	assert_int_equal(map(&kid, 1, &g), HV_STATUS_INVALID_PARAMETER);
	assert_unchanged(&s);
	for (unsigned i = 0; i < GPADL_REF_MAX; i++)
		assert_int_equal(unmap(1, &pa), HV_STATUS_SUCCESS);
	assert_int_equal(f.perm[16], 0);
	assert_int_equal(unmap(1, &pa), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(f.maps, 1);
	assert_int_equal(f.unmaps, 1);
	check_counts();
}

struct bad_unmap {
	const char *what;
	uint32_t count, rsvd;
	uint64_t pa[3];
};

static void test_unmap_refused(void **st)
{
	const uint64_t g[2] = { 0, 1 };
	const struct bad_unmap cases[] = {
		{ "count 0", 0, 0, { PG(10) } },
		{ "count 511", HVPART_GPADL_PAGES + 1, 0, { PG(10) } },
		{ "reserved field set", 1, 1, { PG(10) } },
		{ "unaligned", 1, 0, { PG(10) + 8 } },
		{ "never mapped (the child's)", 2, 0, { PG(10), PG(12) } },
		{ "never mapped (the parent's)", 2, 0, { PG(10), PG(40) } },
		{ "hv's page", 2, 0, { PG(10), PG(1) } },
		{ "past the table", 2, 0, { PG(10), PG(NPAGES) } },
		{ "far past the table", 2, 0, { PG(10), UINT64_MAX & ~0xfffull } },
		{ "the same page twice", 3, 0, { PG(10), PG(11), PG(10) } },
	};
	static struct snap s;

	(void)st;
	assert_int_equal(map(&kid, 2, g), HV_STATUS_SUCCESS);
	take(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_unmap *c = &cases[i];

		memset(&uin, 0, sizeof(uin));
		uin.count = c->count;
		uin.rsvd = c->rsvd;
		memcpy(uin.pa, c->pa, sizeof(c->pa));
		print_message("# %s\n", c->what);
		assert_int_equal(gpadl_table_unmap(&f.t, &uin), HV_STATUS_INVALID_PARAMETER);
		assert_unchanged(&s);
	}
	check_counts();
}

/* hv's pool runs dry on the third new page: the call's pages are
 * unmapped again, counts as before, INSUFFICIENT_MEMORY. */
static void test_map_out_of_tables(void **st)
{
	const uint64_t pre = 1, g[5] = { 0, 1, 2, 3, 4 };
	uint64_t pa[5];
	static struct snap s;

	(void)st;
	assert_int_equal(map(&kid, 1, &pre), HV_STATUS_SUCCESS);
	take(&s);
	f.fail_map_after = 2;
	assert_int_equal(map(&kid, 5, g), HV_STATUS_INSUFFICIENT_MEMORY);
	assert_int_equal(f.flushes, 2);   /* the undone pages were in the EPT */
	assert_int_equal(mout.pa[0], 0xeeeeeeeeeeeeeeeeull);
	/* Pages 10 and 12 were mapped, then unmapped; 11 kept its one. */
	assert_int_equal(f.maps, s.maps + 2);
	assert_int_equal(f.unmaps, s.unmaps + 2);
	s.maps = f.maps;
	s.unmaps = f.unmaps;
	assert_unchanged(&s);
	assert_int_equal(gpadl_table_refs(&f.t, PG(11)), 1);
	f.fail_map_after = -1;
	assert_int_equal(map(&kid, 5, g), HV_STATUS_SUCCESS);
	memcpy(pa, mout.pa, sizeof(pa));
	assert_int_equal(unmap(5, pa), HV_STATUS_SUCCESS);
	assert_int_equal(unmap(1, &pa[1]), HV_STATUS_SUCCESS);
	assert_int_equal(f.t.mapped, 0);
	check_counts();
}

/* Contiguous pages go into and out of the EPT as runs, one op call each
 * (a storvsc buffer's pages: one table walk, not one a page): a run ends
 * at a gap, at a page out of order and at a page already mapped; the
 * unmaps coalesce the pages that leave, whatever order they come in. */
static void test_runs(void **st)
{
	const uint64_t pre = 3, g[7] = { 0, 1, 2, 3, 4, 5, 7 };
	const uint64_t back[7] = { PG(12), PG(10), PG(11), PG(13), PG(14), PG(15), PG(17) };
	const uint64_t last = PG(13);
	static uint64_t all[HVPART_GPADL_PAGES], pa[HVPART_GPADL_PAGES];

	(void)st;
	assert_int_equal(map(&kid, 1, &pre), HV_STATUS_SUCCESS);
	f.map_calls = 0;
	/* 10-12 one run, 13 counted only, 14-15 a run, 17 alone */
	assert_int_equal(map(&kid, 7, g), HV_STATUS_SUCCESS);
	assert_int_equal(f.map_calls, 3);
	assert_int_equal(f.maps, 1 + 6);
	assert_int_equal(gpadl_table_refs(&f.t, PG(13)), 2);
	/* 12 | 10-11 | (13 stays: one ref left) 14-15 | 17 */
	assert_int_equal(unmap(7, back), HV_STATUS_SUCCESS);
	assert_int_equal(f.unmap_calls, 4);
	assert_int_equal(f.unmaps, 6);
	assert_int_equal(f.perm[13], FG_RW);
	assert_int_equal(unmap(1, &last), HV_STATUS_SUCCESS);
	assert_int_equal(f.t.mapped, 0);
	/* kid2's 510 contiguous pages: one call each way */
	f.map_calls = f.unmap_calls = 0;
	for (uint32_t i = 0; i < HVPART_GPADL_PAGES; i++)
		all[i] = i;
	assert_int_equal(map(&kid2, HVPART_GPADL_PAGES, all), HV_STATUS_SUCCESS);
	assert_int_equal(f.map_calls, 1);
	memcpy(pa, mout.pa, sizeof(pa));
	assert_int_equal(unmap(HVPART_GPADL_PAGES, pa), HV_STATUS_SUCCESS);
	assert_int_equal(f.unmap_calls, 1);
	assert_int_equal(f.t.mapped, 0);
	check_counts();
}

/* Delete kid while the parent maps pages 0 (twice) and 1: those two are
 * HELD (mapped, data intact, not the parent's, not depositable); the rest
 * are scrubbed and back. The last unmap of a held page scrubs it and
 * gives it back, once. */
static void test_delete_while_mapped(void **st)
{
	const uint64_t g[2] = { 0, 1 }, p0 = PG(10), p1 = PG(11);
	struct fg_child next;

	(void)st;
	assert_int_equal(map(&kid, 2, g), HV_STATUS_SUCCESS);
	assert_int_equal(map(&kid, 1, g), HV_STATUS_SUCCESS);
	fg_delete(&f, &kid);
	assert_int_equal(f.owner[10], PAGE_OWNER_HELD);
	assert_int_equal(f.owner[11], PAGE_OWNER_HELD);
	assert_int_equal(f.perm[10], FG_RW);
	assert_true(fg_page_is(&f, 10, 0xa0));
	assert_true(fg_page_is(&f, 11, 0xa1));
	for (unsigned i = 12; i < 18; i++) {
		assert_int_equal(f.owner[i], PAGE_OWNER_PARENT);
		assert_int_equal(f.perm[i], FG_RWX);
		assert_true(fg_page_is(&f, i, 0));
	}
	assert_int_equal(f.t.mapped, 2);
	assert_int_equal(f.t.held, 2);
	check_counts();
	/* Not reused: a new child cannot get a held page; kid2 cannot map it. */
	fg_child_init(&next, 6, 4);
	assert_int_equal(fg_deposit(&f, &next, 0, 10, 0x11), -1);
	kid2.gpfn_pa[3] = p0;
	assert_int_equal(map(&kid2, 1, (const uint64_t[]){ 3 }), HV_STATUS_INVALID_PARAMETER);
	kid2.gpfn_pa[3] = PG(67);
	/* A second hold (a delete restarted) counts nothing twice. */
	assert_true(gpadl_table_hold(&f.t, p0));
	assert_int_equal(f.t.held, 2);
	assert_false(gpadl_table_hold(&f.t, PG(12)));
	/* p0: the first unmap keeps it, the second releases it. */
	assert_int_equal(unmap(1, &p0), HV_STATUS_SUCCESS);
	assert_int_equal(f.owner[10], PAGE_OWNER_HELD);
	assert_true(fg_page_is(&f, 10, 0xa0));
	assert_int_equal(unmap(2, (const uint64_t[]){ p1, p0 }), HV_STATUS_SUCCESS);
	for (unsigned i = 10; i < 12; i++) {
		assert_int_equal(f.owner[i], PAGE_OWNER_PARENT);
		assert_int_equal(f.perm[i], FG_RWX);
		assert_true(fg_page_is(&f, i, 0));
		assert_int_equal(f.scrubs[i], 1);
		assert_int_equal(f.give_backs[i], 1);
	}
	assert_int_equal(f.unmaps, 0);
	assert_int_equal(f.t.mapped, 0);
	assert_int_equal(f.t.held, 0);
	/* Released once: a further unmap is refused and scrubs nothing. */
	assert_int_equal(unmap(1, &p0), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(f.scrubs[10], 1);
	/* And the page is the parent's to deposit again. */
	assert_int_equal(fg_deposit(&f, &next, 0, 10, 0x11), 0);
	check_counts();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_counts_per_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ref_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_out_of_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_while_mapped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
