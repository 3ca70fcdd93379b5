/* Host tests for the EPT builder (hv/mm/ept.c) against a per-page model
 * and an independent software walker of the tables' raw entries. */
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

static struct fakemem mem;
static const struct ept_ops ops = {
	fakemem_alloc_table, fakemem_free_table, fakemem_phys_to_virt
};

/* Model: per 4 KiB page, host address, perms (0 = unmapped), memtype. */
static uint64_t m_hpa[NPG];
static uint8_t m_perm[NPG];
static uint8_t m_mt[NPG];

static void model_reset(void)
{
	memset(m_perm, 0, sizeof(m_perm));
}

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

/*
 * Independent walker over the raw entries (SDM Vol. 3C §29.3.2), asserting
 * that nothing would be an EPT misconfiguration (§29.3.3.1): no W without
 * R, no reserved memory type, reserved bits 7:3 clear in non-leaf entries,
 * address bits below the page size clear in large leaves, bits 63:52 and
 * 51:48 unused.
 */
static int sw_walk(uint64_t eptp, uint64_t gpa, uint64_t *hpa, uint8_t *perm,
		   uint8_t *mt, uint64_t *psize)
{
	uint64_t tbl = eptp & 0x000FFFFFFFFFF000ull;

	for (int lvl = 4; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (lvl - 1);
		const uint64_t *t = fakemem_phys_to_virt(&mem, tbl);
		uint64_t e = t[(gpa >> shift) & 511];
		uint64_t size = 1ull << shift;
		int leaf;

		if (!(e & 7))
			return -1;
		assert_false((e & 2) && !(e & 1));
		assert_int_equal(e >> 48, 0);
		leaf = lvl == 1 || (lvl != 4 && (e & 0x80));
		if (!leaf) {
			assert_int_equal(e & 0xf8, 0);
			tbl = e & 0x000FFFFFFFFFF000ull;
			continue;
		}
		if (lvl == 1)
			assert_int_equal(e & 0x80, 0);  /* ignored; keep clear */
		*mt = (uint8_t)((e >> 3) & 7);
		assert_true(*mt == 0 || *mt == 1 || *mt == 4 || *mt == 5 ||
			    *mt == 6);
		assert_int_equal(e & 0x000FFFFFFFFFF000ull & (size - 1), 0);
		*perm = (uint8_t)(e & 0x47);
		*hpa = (e & 0x000FFFFFFFFFF000ull) + (gpa & (size - 1));
		*psize = size;
		return 0;
	}
	return -1;
}

/* Count the tables reachable from the EPTP (the builder's count must agree,
 * and so must the allocator's live count). */
static uint64_t sw_count(uint64_t tbl, int lvl)
{
	const uint64_t *t = fakemem_phys_to_virt(&mem, tbl);
	uint64_t n = 1;

	for (int i = 0; lvl > 1 && i < 512; i++)
		if ((t[i] & 7) && (lvl == 4 || !(t[i] & 0x80)))
			n += sw_count(t[i] & 0x000FFFFFFFFFF000ull, lvl - 1);
	return n;
}

/* Check one page both through ept_lookup and the software walker. */
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
	/* A large page is only right if the model is uniform across it. */
	if (psz > 4096) {
		uint64_t first = (pg * 4096 & ~(psz - 1)) / 4096;

		assert_true(m_hpa[first] % psz == 0);
	}
}

static void check_all(const struct ept *e)
{
	for (uint64_t pg = 0; pg < NPG; pg++)
		check_page(e, pg);
	assert_int_equal(sw_count(ept_eptp(e) & ~0xfffull, 4),
			 ept_table_count(e));
	assert_int_equal(mem.live, ept_table_count(e));
}

static int setup(void **st)
{
	(void)st;
	fakemem_init(&mem, 0x7f00000000ull);
	model_reset();
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	assert_int_equal(mem.bad_frees, 0);
	fakemem_release(&mem);
	return 0;
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

/* Identity 0-4 GiB, holes at unaligned places, exact table counts. */
static void test_identity_holes(void **st)
{
	struct ept e;

	(void)st;
	assert_int_equal(ept_init(&e, &ops, &mem), 0);
	map_ok(&e, 0, 0, 4 * GIB, EPT_RWX, EPT_MT_WB);
	assert_int_equal(ept_table_count(&e), 2);       /* PML4 + PDPT */
	check_all(&e);
	unmap_ok(&e, 0xA0000, 0x60000);                 /* legacy VGA/ROM */
	assert_int_equal(ept_table_count(&e), 4);       /* + PD + PT */
	unmap_ok(&e, 2 * GIB - 4096, 2 * 4096);         /* across 1 GiB line */
	assert_int_equal(ept_table_count(&e), 8);
	map_ok(&e, 0xFEC00000, 0xFEC00000, 4096, EPT_R | EPT_W, EPT_MT_UC);
	unmap_ok(&e, 0xE0000000 + 12 * 4096, 3 * MIB + 4096);
	check_all(&e);
	/* Restoring whole aligned blocks collapses tables again. */
	map_ok(&e, 0, 0, 2 * MIB, EPT_RWX, EPT_MT_WB);
	map_ok(&e, 0, 0, GIB, EPT_RWX, EPT_MT_WB);
	check_all(&e);
	map_ok(&e, GIB, GIB, 2 * GIB, EPT_RWX, EPT_MT_WB);
	check_all(&e);
	unmap_ok(&e, 0, 4 * GIB);
	assert_int_equal(ept_table_count(&e), 1);       /* empty tables freed */
	check_all(&e);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

static void test_no_1g(void **st)
{
	struct ept e;
	uint64_t psz = 0;

	(void)st;
	assert_int_equal(ept_init_opts(&e, &ops, &mem, EPT_OPT_NO_1G), 0);
	map_ok(&e, 0, 0, 4 * GIB, EPT_RWX, EPT_MT_WB);
	assert_int_equal(ept_table_count(&e), 2 + 4);  /* 4 PDs of 2 MiB */
	assert_int_equal(ept_lookup(&e, 3 * GIB + 5, NULL, NULL, NULL, &psz), 0);
	assert_true(psz == 2 * MIB);
	check_all(&e);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

/* Every change moves the generation a cached translation is checked
 * against (hv/core/partition.c, partition_gpa_ptr); a lookup or a refused
 * call does not. */
static void test_generation(void **st)
{
	struct ept e;
	uint64_t g, hpa = 0;

	(void)st;
	assert_int_equal(ept_init(&e, &ops, &mem), 0);
	g = e.gen;
	map_ok(&e, 0, 0x200000, 4096, EPT_RWX, EPT_MT_WB);
	assert_true(e.gen != g);
	g = e.gen;
	assert_int_equal(ept_lookup(&e, 0x10, &hpa, NULL, NULL, NULL), 0);
	assert_true(hpa == 0x200010 && e.gen == g);
	assert_int_equal(ept_map_range(&e, 1, 0, 4096, EPT_RWX, EPT_MT_WB), -EINVAL);
	assert_true(e.gen == g);
	assert_int_equal(ept_unmap_range(&e, 0, 4096), 0);
	assert_true(e.gen != g);
	g = e.gen;
	ept_destroy(&e);
	assert_true(e.gen != g);
	assert_int_equal(mem.live, 0);
}

/* Non-identity, misaligned host addresses force smaller pages. */
static void test_page_size_choice(void **st)
{
	struct ept e;
	uint64_t psz = 0, hpa = 0;

	(void)st;
	assert_int_equal(ept_init(&e, &ops, &mem), 0);
	/* gpa 1 GiB aligned but hpa only 2 MiB aligned: 2 MiB pages. */
	map_ok(&e, GIB, 0x40200000ull + 8 * GIB, GIB, EPT_R | EPT_X, EPT_MT_WB);
	assert_int_equal(ept_lookup(&e, GIB + 0x300000 + 123, &hpa, NULL, NULL,
				    &psz), 0);
	assert_true(psz == 2 * MIB);
	assert_true(hpa == 0x40200000ull + 8 * GIB + 0x300000 + 123);
	/* hpa only 4 KiB aligned: all 4 KiB pages. */
	map_ok(&e, 0, 0x1000, 4 * MIB, EPT_RWX | EPT_IPAT, EPT_MT_WT);
	assert_int_equal(ept_lookup(&e, 2 * MIB, NULL, NULL, NULL, &psz), 0);
	assert_true(psz == 4096);
	/* Size not a multiple of 2 MiB: large head, small tail. */
	map_ok(&e, 2 * GIB, 2 * GIB, 2 * MIB + 8192, EPT_R, EPT_MT_WC);
	assert_int_equal(ept_lookup(&e, 2 * GIB, NULL, NULL, NULL, &psz), 0);
	assert_true(psz == 2 * MIB);
	assert_int_equal(ept_lookup(&e, 2 * GIB + 2 * MIB, NULL, NULL, NULL,
				    &psz), 0);
	assert_true(psz == 4096);
	check_all(&e);
	/* Above the model: 256 GiB .. + 1 GiB maps as one 1 GiB page, under
	 * a second PDPT. */
	assert_int_equal(ept_map_range(&e, 600 * GIB, 0, GIB, EPT_R,
				       EPT_MT_WB), 0);
	assert_int_equal(ept_lookup(&e, 600 * GIB + 7, &hpa, NULL, NULL, &psz), 0);
	assert_true(psz == GIB && hpa == 7);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

static void test_split_changes_subrange(void **st)
{
	struct ept e;
	uint64_t perms = 0, psz = 0;
	unsigned mt = 0;

	(void)st;
	assert_int_equal(ept_init(&e, &ops, &mem), 0);
	map_ok(&e, 0, 0, GIB, EPT_RWX, EPT_MT_WB);
	/* Change one 4 KiB page in the middle: 1G -> 2M -> 4K split. */
	map_ok(&e, 0x12345000, 0x12345000, 4096, EPT_R, EPT_MT_UC);
	assert_int_equal(ept_table_count(&e), 4);
	assert_int_equal(ept_lookup(&e, 0x12345000, NULL, &perms, &mt, &psz), 0);
	assert_true(perms == EPT_R && mt == EPT_MT_UC && psz == 4096);
	assert_int_equal(ept_lookup(&e, 0x12346000, NULL, &perms, &mt, &psz), 0);
	assert_true(perms == EPT_RWX && mt == EPT_MT_WB && psz == 4096);
	assert_int_equal(ept_lookup(&e, 0x12600000, NULL, &perms, &mt, &psz), 0);
	assert_true(psz == 2 * MIB);
	check_all(&e);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

static void test_bad_args(void **st)
{
	struct ept e;

	(void)st;
	assert_int_equal(ept_init_opts(&e, &ops, &mem, 0x100), -EINVAL);
	assert_int_equal(ept_init(&e, &ops, &mem), 0);
	assert_int_equal(ept_map_range(&e, 1, 0, 4096, EPT_R, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 1, 4096, EPT_R, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4095, EPT_R, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 0, EPT_R, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, 0, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_W, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_W | EPT_X, 6),
			 -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_X, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_R | (1 << 9), 6),
			 -EINVAL);
	for (unsigned mt = 2; mt <= 7; mt += (mt == 3 ? 4 : 1))
		assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_R, mt),
				 -EINVAL);
	assert_int_equal(ept_map_range(&e, EPT_GPA_LIMIT - 4096, 0, 8192,
				       EPT_R, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, (1ull << 52) - 4096, 8192,
				       EPT_R, 6), -EINVAL);
	assert_int_equal(ept_map_range(&e, 0, (1ull << 52) - 4096, 4096,
				       EPT_R, 6), 0);
	assert_int_equal(ept_lookup(&e, EPT_GPA_LIMIT, NULL, NULL, NULL, NULL),
			 -EINVAL);
	assert_int_equal(ept_unmap_range(&e, 4096, 1), -EINVAL);
	assert_int_equal(ept_unmap_range(&e, EPT_GPA_LIMIT - 4096, 4096), 0);
	assert_int_equal(ept_table_count(&e), 4);     /* only (1<<52)-4K left */
	ept_destroy(&e);
	assert_int_equal(ept_init_opts(&e, &ops, &mem, EPT_OPT_EXEC_ONLY), 0);
	assert_int_equal(ept_map_range(&e, 0, 0, 4096, EPT_X, 6), 0);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

static void test_eptp(void **st)
{
	struct ept e;
	uint64_t p;

	(void)st;
	assert_int_equal(ept_init(&e, &ops, &mem), 0);
	p = ept_eptp(&e);
	assert_int_equal(p & 7, 6);                 /* WB */
	assert_int_equal((p >> 3) & 7, 3);          /* 4-level walk */
	assert_int_equal(p & (1 << 6), 0);          /* A/D off */
	assert_int_equal(p & 0xf80, 0);             /* bits 11:7 reserved */
	assert_true((p & ~0xfffull) == e.w.root_pa);
	assert_true((p & ~0xfffull) >= mem.base);
	ept_destroy(&e);
	assert_int_equal(ept_init_opts(&e, &ops, &mem,
				       EPT_OPT_AD | EPT_OPT_EPTP_UC), 0);
	p = ept_eptp(&e);
	assert_int_equal(p & 7, 0);
	assert_int_equal((p >> 3) & 7, 3);
	assert_int_equal((p >> 6) & 1, 1);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

/* Table allocation failure: error, and nothing leaks or breaks. */
static void test_oom(void **st)
{
	struct ept e;

	(void)st;
	assert_int_equal(ept_init(&e, &ops, &mem), 0);
	map_ok(&e, 0, 0, GIB, EPT_RWX, EPT_MT_WB);
	mem.fail_after = 1;            /* PD split succeeds, PT split fails */
	assert_int_equal(ept_unmap_range(&e, 0x5000, 4096), -ENOMEM);
	/* The range stays fully mapped (now via 2 MiB pages). */
	check_all(&e);
	mem.fail_after = 0;
	assert_int_equal(ept_map_range(&e, 3 * GIB + 4096, 0, 4096, EPT_R, 6),
			 -ENOMEM);
	assert_int_equal(ept_init(&(struct ept){ 0 }, &ops, &mem), -ENOMEM);
	mem.fail_after = -1;
	check_all(&e);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Random aligned/unaligned maps and unmaps, model-checked. */
static void test_random(void **st)
{
	static const uint64_t perms[] = { EPT_R, EPT_R | EPT_W, EPT_R | EPT_X,
					  EPT_RWX, EPT_R | EPT_IPAT };
	static const unsigned mts[] = { 0, 1, 4, 5, 6 };
	struct ept e;

	(void)st;
	assert_int_equal(ept_init(&e, &ops, &mem), 0);
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
			map_ok(&e, gpa, hpa, size, perms[rnd() % 5],
			       mts[rnd() % 5]);
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

/* Write right along the raw walk (the AND of bit 1 at every level, EPT
 * W and NPT R/W alike), independent of ept_writable. */
static int sw_writable(const struct ept *e, uint64_t gpa)
{
	uint64_t tbl = ept_eptp(e) & 0x000FFFFFFFFFF000ull;
	int w = 1;

	for (int lvl = 4; lvl >= 1; lvl--) {
		const uint64_t *t = fakemem_phys_to_virt(&mem, tbl);
		uint64_t x = t[(gpa >> (12 + 9 * (lvl - 1))) & 511];

		w &= (int)(x >> 1) & 1;
		if (lvl == 1 || (lvl != 4 && (x & 0x80)))
			return w;
		tbl = x & 0x000FFFFFFFFFF000ull;
	}
	return w;
}

/* Model of the write right per page over [0, span), and the mapping. */
static uint8_t wp_model[(64 * MIB + 4 * MIB) / 4096];

static void wp_check(const struct ept *e, uint64_t pg)
{
	uint64_t hpa = 0;

	assert_int_equal(ept_writable(e, pg * 4096), wp_model[pg]);
	assert_int_equal(sw_writable(e, pg * 4096), wp_model[pg]);
	assert_int_equal(ept_lookup(e, pg * 4096, &hpa, NULL, NULL, NULL), 0);
	assert_true(hpa == 0x40000000ull + pg * 4096);   /* translation kept */
}

/* One layout: a 1 GiB-aligned host base, 2 MiB leaves and 4 KiB runs
 * mixed; protect an unaligned range, grant random pages (splitting 2 MiB
 * leaves, pushing table restrictions down), then grant the range back. */
static void wp_round(unsigned opts, uint64_t lo, uint64_t hi)
{
	const uint64_t span = 64 * MIB + 4 * MIB;
	struct ept e;

	assert_int_equal(ept_init_opts(&e, &ops, &mem, opts), 0);
	/* 2 MiB leaves, then 4 KiB ones (unaligned host addresses) */
	assert_int_equal(ept_map_range(&e, 0, 0x40000000ull, 32 * MIB, EPT_RWX, EPT_MT_WB), 0);
	for (uint64_t g = 32 * MIB; g < span; g += 4096)
		assert_int_equal(ept_map_range(&e, g, 0x40000000ull + g, 4096, EPT_RWX, EPT_MT_WB), 0);
	for (uint64_t pg = 0; pg < span / 4096; pg++)
		wp_model[pg] = !(pg * 4096 >= lo && pg * 4096 < hi);
	assert_int_equal(ept_write_protect(&e, lo, hi - lo), 0);
	for (uint64_t pg = 0; pg < span / 4096; pg += 7)
		wp_check(&e, pg);
	for (int k = 0; k < 300; k++) {
		uint64_t pg = rnd() % (span / 4096);

		assert_int_equal(ept_write_allow_page(&e, pg * 4096), 0);
		wp_model[pg] = 1;
		wp_check(&e, pg);
		for (int j = 0; j < 16; j++)
			wp_check(&e, rnd() % (span / 4096));
	}
	for (uint64_t pg = 0; pg < span / 4096; pg++)
		wp_check(&e, pg);
	assert_int_equal(ept_write_allow(&e, 0, span), 0);
	for (uint64_t pg = 0; pg < span / 4096; pg++)
		wp_model[pg] = 1;
	for (uint64_t pg = 0; pg < span / 4096; pg += 3)
		wp_check(&e, pg);
	assert_int_equal(ept_write_allow_page(&e, 3 * GIB), -ENOENT);
	assert_int_equal(ept_write_protect(&e, 4096, 0), -EINVAL);
	ept_destroy(&e);
	assert_int_equal(mem.live, 0);
}

/* Live memory capture's rights by level (hv/core/capture.c), both formats. */
static void test_write_protect(void **st)
{
	(void)st;
	for (int f = 0; f < 2; f++) {
		unsigned opts = f ? EPT_OPT_NPT : 0;

		wp_round(opts, 0, 64 * MIB + 4 * MIB);          /* whole, from a PML4E */
		wp_round(opts, 3 * MIB + 4096, 40 * MIB - 8192); /* edges inside leaves */
	}
	/* a split that cannot get its table: -ENOMEM, nothing granted */
	{
		struct ept e;

		assert_int_equal(ept_init(&e, &ops, &mem), 0);
		assert_int_equal(ept_map_range(&e, 0, 0x40000000ull, 4 * MIB, EPT_RWX, EPT_MT_WB), 0);
		assert_int_equal(ept_write_protect(&e, 0, 4 * MIB), 0);
		mem.fail_after = 0;
		assert_int_equal(ept_write_allow_page(&e, 8192), -ENOMEM);
		mem.fail_after = -1;
		assert_false(ept_writable(&e, 8192));
		assert_int_equal(ept_write_allow_page(&e, 8192), 0);
		assert_true(ept_writable(&e, 8192) && !ept_writable(&e, 4096));
		ept_destroy(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_1g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_size_choice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_changes_subrange, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eptp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_protect, setup, teardown),
	};

	return cmocka_run_group_tests_name("ept", tests, NULL, NULL);
}
