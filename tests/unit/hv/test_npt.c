/* Host tests for the AMD NPT flavour of the second-level page-table
 * builder (hv/mm/ept.c with EPT_OPT_NPT), against a per-page model and an
 * independent software walker of the raw long-mode entries (AMD APM
 * Vol. 2 §5.3.3 and §15.25.5), which checks what the CPU would fault on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/mm/ept.h"
#include "tests/unit/hv/fakemem.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)
#define NPG (4 * GIB / 4096)        /* model covers GPA 0..4 GiB */
#define ADDR 0x000FFFFFFFFFF000ull

static struct fakemem mem;
static const struct ept_ops ops = {
	fakemem_alloc_table, fakemem_free_table, fakemem_phys_to_virt
};

static uint64_t m_hpa[NPG];
static uint8_t m_perm[NPG];
static uint8_t m_mt[NPG];

static void model_map(uint64_t gpa, uint64_t hpa, uint64_t size,
		      uint8_t perm, uint8_t mt)
{
	for (uint64_t o = 0; o < size; o += 4096) {
		m_hpa[(gpa + o) / 4096] = hpa + o;
		m_perm[(gpa + o) / 4096] = perm;
		m_mt[(gpa + o) / 4096] = mt;
	}
}

static void model_unmap(uint64_t gpa, uint64_t size)
{
	memset(&m_perm[gpa / 4096], 0, size / 4096);
}

/* The memory type of an NPT leaf under the reset-value host PAT (APM
 * Vol. 2 §7.8.2: 0 WB, 1 WT, 2 UC-, 3 UC), as EPT memtype numbers. */
static uint8_t pat_type(uint64_t e)
{
	static const uint8_t t[4] = { 6, 4, 0xff, 0 };

	return t[((e >> 4) & 1) << 1 | ((e >> 3) & 1)];
}

/*
 * The walk as an AMD CPU does it for a guest access (user, since nested
 * walks are user accesses, §15.25.5): every level present, U/S and R/W
 * set on table entries (a guest page-table walk is a user write), no
 * reserved bits (51:48 with 48-bit physical addresses here, the G bit
 * is ignored but kept clear, a large leaf's address bits below its size
 * must be zero), PS clear in the PML4E. The effective permission is the
 * leaf's: R always, W from R/W, X from NX.
 */
static int sw_walk(uint64_t ncr3, uint64_t gpa, uint64_t *hpa, uint8_t *perm,
		   uint8_t *mt, uint64_t *psize)
{
	uint64_t tbl = ncr3 & ADDR;

	for (int lvl = 4; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (lvl - 1);
		const uint64_t *t = fakemem_phys_to_virt(&mem, tbl);
		uint64_t e = t[(gpa >> shift) & 511];
		uint64_t size = 1ull << shift;
		int leaf;

		if (!(e & 1))
			return -1;
		assert_int_equal((e >> 48) & 0x7fff, 0);   /* 62:48 */
		assert_true(e & 4);                        /* U/S */
		leaf = lvl == 1 || (lvl != 4 && (e & 0x80));
		assert_false(lvl == 4 && (e & 0x80));
		if (!leaf) {
			assert_true(e & 2);                /* R/W */
			assert_int_equal(e >> 63, 0);      /* NX on a table */
			assert_int_equal(e & 0x18, 0);     /* tables WB */
			tbl = e & ADDR;
			continue;
		}
		assert_int_equal(e & 0x100, 0);            /* G */
		assert_int_equal(e & ADDR & (size - 1), 0);
		*mt = pat_type(e);
		assert_true(*mt != 0xff);                  /* never UC- */
		*perm = (uint8_t)(EPT_R | ((e & 2) ? EPT_W : 0) |
				  ((e >> 63) ? 0 : EPT_X));
		*hpa = (e & ADDR) + (gpa & (size - 1));
		*psize = size;
		return 0;
	}
	return -1;
}

static uint64_t sw_count(uint64_t tbl, int lvl)
{
	const uint64_t *t = fakemem_phys_to_virt(&mem, tbl);
	uint64_t n = 1;

	for (int i = 0; lvl > 1 && i < 512; i++)
		if ((t[i] & 1) && (lvl == 4 || !(t[i] & 0x80)))
			n += sw_count(t[i] & ADDR, lvl - 1);
	return n;
}

static void check_page(const struct ept *e, uint64_t pg)
{
	uint64_t gpa = pg * 4096 + (pg * 37 % 4096), hpa = 0, perms = 0;
	uint64_t psz = 0, shpa = 0, spsz = 0;
	unsigned mt = 99;
	uint8_t sperm = 0, smt = 0;
	int rc = ept_lookup(e, gpa, &hpa, &perms, &mt, &psz);
	int src = sw_walk(ept_eptp(e), gpa, &shpa, &sperm, &smt, &spsz);

	if (!m_perm[pg]) {
		assert_int_equal(rc, -ENOENT);
		assert_int_equal(src, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(src, 0);
	assert_true(hpa == m_hpa[pg] + gpa % 4096);
	assert_int_equal(perms, m_perm[pg]);
	assert_int_equal(mt, m_mt[pg]);
	assert_true(shpa == hpa && sperm == perms && smt == mt && spsz == psz);
}

static void check_all(const struct ept *e)
{
	for (uint64_t pg = 0; pg < NPG; pg++)
		check_page(e, pg);
	assert_int_equal(sw_count(ept_eptp(e), 4), ept_table_count(e));
	assert_int_equal(mem.live, ept_table_count(e));
}

static int setup(void **st)
{
	(void)st;
	fakemem_init(&mem, 0x7f00000000ull);
	memset(m_perm, 0, sizeof(m_perm));
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	assert_int_equal(mem.bad_frees, 0);
	fakemem_release(&mem);
	return 0;
}

static void npt_init(struct ept *e, unsigned opts)
{
	assert_int_equal(ept_init_opts(e, &ops, &mem, EPT_OPT_NPT | opts), 0);
}

static void map_ok(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
		   uint64_t perm, unsigned mt)
{
	assert_int_equal(ept_map_range(e, gpa, hpa, size, perm, mt), 0);
	model_map(gpa, hpa, size, (uint8_t)perm, (uint8_t)mt);
}

static void unmap_ok(struct ept *e, uint64_t gpa, uint64_t size)
{
	assert_int_equal(ept_unmap_range(e, gpa, size), 0);
	model_unmap(gpa, size);
}

/* The parent's layout (hv/boot/parent.c): UC identity, WB RAM, holes for
 * hv's image and pool; large pages where they fit. */
static void test_parent_layout(void **st)
{
	struct ept e;
	uint64_t psz = 0;

	(void)st;
	npt_init(&e, 0);
	map_ok(&e, 0, 0, 4 * GIB, EPT_RWX, EPT_MT_UC);
	assert_int_equal(ept_table_count(&e), 2);       /* PML4 + PDPT */
	map_ok(&e, 0, 0, 0x9f000, EPT_RWX, EPT_MT_WB);
	map_ok(&e, MIB, MIB, 2 * GIB - MIB, EPT_RWX, EPT_MT_WB);
	unmap_ok(&e, 2 * MIB, 2 * MIB);                 /* hv's image */
	unmap_ok(&e, 64 * MIB, 16 * MIB);               /* hv's pool */
	assert_int_equal(ept_lookup(&e, 512 * MIB, NULL, NULL, NULL, &psz), 0);
	assert_true(psz == 2 * MIB);
	assert_int_equal(ept_lookup(&e, 3 * GIB, NULL, NULL, NULL, &psz), 0);
	assert_true(psz == GIB);
	check_all(&e);
	unmap_ok(&e, 0, 4 * GIB);
	assert_int_equal(ept_table_count(&e), 1);
	check_all(&e);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

/* Permission and memory-type round trips, and the raw bits they become. */
static void test_leaf_bits(void **st)
{
	static const struct { uint64_t perm; unsigned mt; uint64_t bits; } c[] = {
		{ EPT_RWX, EPT_MT_WB, 0x7 },
		{ EPT_R, EPT_MT_WB, 0x5 | (1ull << 63) },
		{ EPT_R | EPT_W, EPT_MT_UC, 0x1f | (1ull << 63) },
		{ EPT_R | EPT_X, EPT_MT_WT, 0xd },
	};
	struct ept e;
	uint64_t perms, psz;
	unsigned mt;

	(void)st;
	npt_init(&e, 0);
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const uint64_t *pml4, *pdpt, *pd, *pt;

		map_ok(&e, 0x5000, 0x123456000ull, 4096, c[i].perm, c[i].mt);
		assert_int_equal(ept_lookup(&e, 0x5000, NULL, &perms, &mt, &psz), 0);
		assert_true(perms == c[i].perm && mt == c[i].mt && psz == 4096);
		pml4 = fakemem_phys_to_virt(&mem, ept_eptp(&e));
		assert_true((pml4[0] & 0xfff) == 0x7);
		pdpt = fakemem_phys_to_virt(&mem, pml4[0] & ADDR);
		pd = fakemem_phys_to_virt(&mem, pdpt[0] & ADDR);
		pt = fakemem_phys_to_virt(&mem, pd[0] & ADDR);
		assert_true(pt[5] == (0x123456000ull | c[i].bits));
	}
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

static void test_bad_args(void **st)
{
	struct ept e;

	(void)st;
	assert_int_equal(ept_init_opts(&e, &ops, &mem, EPT_OPT_NPT | EPT_OPT_AD),
			 -EINVAL);
	assert_int_equal(ept_init_opts(&e, &ops, &mem,
				       EPT_OPT_NPT | EPT_OPT_EXEC_ONLY), -EINVAL);
	assert_int_equal(ept_init_opts(&e, &ops, &mem,
				       EPT_OPT_NPT | EPT_OPT_EPTP_UC), -EINVAL);
	assert_int_equal(mem.live, 0);
	npt_init(&e, 0);
	/* Not expressible in NPT: no read, IPAT, WC/WP (no host PAT entry). */
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, 0, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_X, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_W, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_R | EPT_IPAT, 6),
			 -EINVAL);
	for (unsigned mt = 1; mt <= 7; mt++)
		if (mt != EPT_MT_WT && mt != EPT_MT_WB)
			assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_R, mt),
					 -EINVAL);
	assert_int_equal(ept_map_range(&e, 1, 0, 4096, EPT_R, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, EPT_GPA_LIMIT - 4096, 0, 8192,
				       EPT_R, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, (1ull << 52) - 4096, 8192,
				       EPT_R, 6), -EINVAL);
	assert_int_equal(ept_table_count(&e), 1);
	/* N_CR3: the PML4's address, PWT = PCD = 0 (WB walks). */
	assert_true(ept_eptp(&e) == e.w.root_pa);
	assert_int_equal(ept_eptp(&e) & 0xfff, 0);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

static void test_no_1g(void **st)
{
	struct ept e;
	uint64_t psz = 0;

	(void)st;
	npt_init(&e, EPT_OPT_NO_1G);
	map_ok(&e, 0, 0, 4 * GIB, EPT_RWX, EPT_MT_WB);
	assert_int_equal(ept_table_count(&e), 2 + 4);
	assert_int_equal(ept_lookup(&e, 3 * GIB + 5, NULL, NULL, NULL, &psz), 0);
	assert_true(psz == 2 * MIB);
	check_all(&e);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

static uint64_t rnd_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Random maps and unmaps of every size class, model-checked; splitting a
 * large NPT leaf must keep its NX, R/W and PAT bits in every piece. */
static void test_random(void **st)
{
	static const uint64_t perms[] = { EPT_R, EPT_R | EPT_W, EPT_R | EPT_X,
					  EPT_RWX };
	static const unsigned mts[] = { EPT_MT_UC, EPT_MT_WT, EPT_MT_WB };
	struct ept e;

	(void)st;
	npt_init(&e, 0);
	for (int round = 0; round < 400; round++) {
		uint64_t align = (uint64_t[]){ 4096, 2 * MIB, GIB }[rnd() % 3];
		uint64_t gpa = (rnd() % (4 * GIB)) & ~(align - 1);
		uint64_t size = ((rnd() % 3 == 0) ? align : 4096) *
				(1 + rnd() % 600);
		uint64_t hpa;

		if (size > 4 * GIB - gpa)
			size = 4 * GIB - gpa;
		if (size > GIB + 8 * MIB)
			size = GIB + 8 * MIB;
		hpa = (rnd() & 1) ? gpa : (rnd() % (64 * GIB)) & ~(align - 1);
		if (rnd() % 3 == 0)
			unmap_ok(&e, gpa, size);
		else
			map_ok(&e, gpa, hpa, size, perms[rnd() % 4],
			       mts[rnd() % 3]);
		for (int k = 0; k < 64; k++)
			check_page(&e, rnd() % NPG);
		check_page(&e, gpa / 4096);
		check_page(&e, (gpa + size) / 4096 - 1);
		if ((gpa + size) / 4096 < NPG)
			check_page(&e, (gpa + size) / 4096);
		if (round % 100 == 99)
			check_all(&e);
	}
	check_all(&e);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parent_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_1g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	};

	return cmocka_run_group_tests_name("npt", tests, NULL, NULL);
}
