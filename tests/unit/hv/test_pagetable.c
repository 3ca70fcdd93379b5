/* Host tests for IA-32e 4-level page tables (hv/mm/pagetable.c): model
 * comparison and an independent walker over raw entries. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/mm/pagetable.h"
#include "tests/unit/hv/fakemem.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)
#define NPG (4 * GIB / 4096)
#define KBASE 0xFFFFFFFF80000000ull    /* -2 GiB: a kernel-style mapping */
#define ADDR 0x000FFFFFFFFFF000ull

static struct fakemem mem;
static const struct pt_ops ops = {
	fakemem_alloc_table, fakemem_free_table, fakemem_phys_to_virt
};

static uint64_t m_pa[NPG];
static uint64_t m_flags[NPG];        /* 0 = unmapped */

/*
 * SDM Vol. 3A §4.5.4: walk CR3 -> PML4E -> PDPTE -> PDE -> PTE, checking
 * that no reserved bit is set (PS in a PML4E, bits 29:13 / 20:13 of large
 * leaves, bits 51:48) and that non-leaf entries do not restrict access.
 */
static int sw_walk(uint64_t cr3, uint64_t va, uint64_t *pa, uint64_t *flags,
		   uint64_t *psize)
{
	uint64_t tbl = cr3 & ADDR;

	for (int lvl = 4; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (lvl - 1);
		const uint64_t *t = fakemem_phys_to_virt(&mem, tbl);
		uint64_t e = t[(va >> shift) & 511];
		uint64_t size = 1ull << shift;

		if (!(e & PT_P))
			return -1;
		assert_int_equal((e >> 48) & 0x7ff, 0);
		if (lvl == 4)
			assert_int_equal(e & PT_PS, 0);
		if (lvl == 1 || (lvl < 4 && (e & PT_PS))) {
			/* Bit 12 is PAT in a large leaf, the rest reserved;
			 * we never set PAT. Bit 7 of a PTE is PAT too. */
			assert_int_equal(e & ADDR & (size - 1), 0);
			if (lvl == 1)
				assert_int_equal(e & PT_PS, 0);
			*pa = (e & ADDR) + (va & (size - 1));
			*flags = e & PT_MAP_FLAGS;
			*psize = size;
			return 0;
		}
		assert_int_equal(e & (PT_P | PT_RW | PT_US | PT_NX | PT_PWT |
				      PT_PCD), PT_P | PT_RW | PT_US);
		tbl = e & ADDR;
	}
	return -1;
}

static uint64_t sw_count(uint64_t tbl, int lvl)
{
	const uint64_t *t = fakemem_phys_to_virt(&mem, tbl);
	uint64_t n = 1;

	for (int i = 0; lvl > 1 && i < 512; i++)
		if ((t[i] & PT_P) && (lvl == 4 || !(t[i] & PT_PS)))
			n += sw_count(t[i] & ADDR, lvl - 1);
	return n;
}

static void check_va(const struct pt *pt, uint64_t va, uint64_t want_pa,
		     uint64_t want_flags)
{
	uint64_t pa = 0, fl = 0, psz = 0, spa = 0, sfl = 0, spsz = 0;
	int rc = pt_lookup(pt, va, &pa, &fl, &psz);
	int src = sw_walk(pt_cr3(pt), va, &spa, &sfl, &spsz);

	if (!want_flags) {
		assert_int_equal(rc, -ENOENT);
		assert_int_equal(src, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(src, 0);
	assert_true(pa == want_pa);
	assert_true(fl == (want_flags | PT_P));
	assert_true(spa == pa && sfl == fl && spsz == psz);
}

static void check_page(const struct pt *pt, uint64_t pg)
{
	uint64_t off = pg * 53 % 4096;

	check_va(pt, pg * 4096 + off, m_pa[pg] + off, m_flags[pg]);
}

static void check_all(const struct pt *pt)
{
	for (uint64_t pg = 0; pg < NPG; pg++)
		check_page(pt, pg);
	assert_int_equal(sw_count(pt_cr3(pt), 4), pt_table_count(pt));
	assert_int_equal(mem.live, pt_table_count(pt));
}

static void map_ok(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
		   uint64_t flags)
{
	assert_int_equal(pt_map_range(pt, va, pa, size, flags), 0);
	for (uint64_t o = 0; va < 4 * GIB && o < size; o += 4096) {
		m_pa[(va + o) / 4096] = pa + o;
		m_flags[(va + o) / 4096] = flags | PT_P;
	}
}

static void unmap_ok(struct pt *pt, uint64_t va, uint64_t size)
{
	assert_int_equal(pt_unmap_range(pt, va, size), 0);
	if (va < 4 * GIB)
		memset(&m_flags[va / 4096], 0, size / 4096 * 8);
}

static int setup(void **st)
{
	(void)st;
	fakemem_init(&mem, 0);          /* tables at physical 0 too */
	memset(m_flags, 0, sizeof(m_flags));
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	assert_int_equal(mem.bad_frees, 0);
	fakemem_release(&mem);
	return 0;
}

/* hv's own map: identity 4 GiB + a high-half kernel window. */
static void test_hv_map(void **st)
{
	struct pt pt;
	uint64_t pa, fl, psz;

	(void)st;
	assert_int_equal(pt_init(&pt, &ops, &mem, 0), 0);
	map_ok(&pt, 0, 0, 4 * GIB, PT_RW | PT_NX);
	assert_int_equal(pt_table_count(&pt), 2);
	map_ok(&pt, KBASE, 0x200000, 16 * MIB, PT_RW | PT_G);
	assert_int_equal(pt_table_count(&pt), 4);  /* 2nd PDPT + PD, 2 MiB */
	assert_int_equal(pt_lookup(&pt, KBASE + 0x123456, &pa, &fl, &psz), 0);
	assert_true(pa == 0x200000 + 0x123456 && psz == 2 * MIB);
	assert_true(fl == (PT_P | PT_RW | PT_G));
	check_va(&pt, KBASE + 16 * MIB, 0, 0);
	/* Make the kernel text read-only and executable, 4 KiB grained. */
	map_ok(&pt, KBASE + 0x1000, 0x201000, 0x5000, PT_G);
	check_va(&pt, KBASE + 0x1000, 0x201000, PT_G);
	check_va(&pt, KBASE + 0x6000, 0x206000, PT_RW | PT_G);
	check_va(&pt, KBASE, 0x200000, PT_RW | PT_G);
	unmap_ok(&pt, 0, 4096);                      /* NULL guard page */
	unmap_ok(&pt, 0xFEE00000, 4096);             /* LAPIC as a hole */
	map_ok(&pt, 0xFEE00000, 0xFEE00000, 4096, PT_RW | PT_PCD | PT_PWT | PT_NX);
	check_all(&pt);
	pt_destroy(&pt);
	assert_int_equal(mem.live, 0);
}

static void test_no_1g_and_cr3(void **st)
{
	struct pt pt;
	uint64_t psz;

	(void)st;
	assert_int_equal(pt_init(&pt, &ops, &mem, 7), -EINVAL);
	assert_int_equal(pt_init(&pt, &ops, &mem, PT_OPT_NO_1G), 0);
	assert_int_equal(pt_cr3(&pt) & 0xfff, 0);
	map_ok(&pt, 0, 0, 4 * GIB, PT_RW);
	assert_int_equal(pt_table_count(&pt), 6);
	assert_int_equal(pt_lookup(&pt, GIB, NULL, NULL, &psz), 0);
	assert_true(psz == 2 * MIB);
	check_all(&pt);
	unmap_ok(&pt, 0, 4 * GIB);
	assert_int_equal(pt_table_count(&pt), 1);
	pt_destroy(&pt);
	assert_int_equal(mem.live, 0);
}

static void test_bad_args(void **st)
{
	struct pt pt;

	(void)st;
	assert_int_equal(pt_init(&pt, &ops, &mem, 0), 0);
	/* Non-canonical addresses (SDM Vol. 3A §3.3.7.1). */
	assert_int_equal(pt_map_range(&pt, 1ull << 47, 0, 4096, PT_RW), -EINVAL);
	assert_int_equal(pt_map_range(&pt, (1ull << 47) - 4096, 0, 8192, PT_RW),
			 -EINVAL);            /* would cross the hole */
	assert_int_equal(pt_map_range(&pt, 0xFFFF7FFFFFFFF000ull, 0, 4096, 0),
			 -EINVAL);
	assert_int_equal(pt_lookup(&pt, 0x0000800000000000ull, NULL, NULL, NULL),
			 -EINVAL);
	assert_int_equal(pt_map_range(&pt, 0, 0, 4096, PT_PS), -EINVAL);
	assert_int_equal(pt_map_range(&pt, 0, 0, 4096, 1ull << 12), -EINVAL);
	assert_int_equal(pt_map_range(&pt, 0, 0, 100, PT_RW), -EINVAL);
	assert_int_equal(pt_map_range(&pt, 0, 0x800, 4096, PT_RW), -EINVAL);
	assert_int_equal(pt_map_range(&pt, 0, 1ull << 52, 4096, PT_RW), -EINVAL);
	/* The very top page of the address space is fine. */
	map_ok(&pt, 0xFFFFFFFFFFFFF000ull, 0x5000, 4096, PT_RW);
	check_va(&pt, 0xFFFFFFFFFFFFFFFFull, 0x5fff, PT_RW);
	unmap_ok(&pt, 0xFFFFFFFFFFFFF000ull, 4096);
	assert_int_equal(pt_table_count(&pt), 1);
	assert_int_equal(pt_unmap_range(&pt, 1ull << 47, 4096), -EINVAL);
	pt_destroy(&pt);
	assert_int_equal(mem.live, 0);
}

static uint64_t rnd_state = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void test_random(void **st)
{
	static const uint64_t fls[] = { 0, PT_RW, PT_RW | PT_NX, PT_US | PT_G,
					PT_RW | PT_PCD | PT_A | PT_D };
	struct pt pt;

	(void)st;
	assert_int_equal(pt_init(&pt, &ops, &mem, 0), 0);
	for (int round = 0; round < 300; round++) {
		uint64_t align = (uint64_t[]){ 4096, 2 * MIB, GIB }[rnd() % 3];
		uint64_t va = (rnd() % (4 * GIB)) & ~(align - 1);
		uint64_t size = ((rnd() % 3 == 0) ? align : 4096) * (1 + rnd() % 600);
		uint64_t pa = (rnd() & 1) ? va : (rnd() % (64 * GIB)) & ~(align - 1);

		if (size > 4 * GIB - va)
			size = 4 * GIB - va;
		if (size > GIB + 8 * MIB)
			size = GIB + 8 * MIB;
		if (rnd() % 3 == 0)
			unmap_ok(&pt, va, size);
		else
			map_ok(&pt, va, pa, size, fls[rnd() % 5]);
		for (int k = 0; k < 64; k++)
			check_page(&pt, rnd() % NPG);
		check_page(&pt, va / 4096);
		check_page(&pt, (va + size) / 4096 - 1);
		if (round % 100 == 99)
			check_all(&pt);
	}
	check_all(&pt);
	pt_destroy(&pt);
	assert_int_equal(mem.live, 0);
}

static void test_oom(void **st)
{
	struct pt pt;

	(void)st;
	assert_int_equal(pt_init(&pt, &ops, &mem, 0), 0);
	mem.fail_after = 2;
	/* Needs PDPT, PD, PT: the third allocation fails. */
	assert_int_equal(pt_map_range(&pt, 0x1000, 0x1000, 4096, PT_RW),
			 -ENOMEM);
	mem.fail_after = -1;
	assert_int_equal(pt_lookup(&pt, 0x1000, NULL, NULL, NULL), -ENOENT);
	pt_destroy(&pt);
	assert_int_equal(mem.live, 0);
}

/* Pages of one table mapped, then unmapped one at a time in order,
 * backwards, from the middle out and with a stride (the emptiness check
 * looks after the page just cleared first): the table and the ones above
 * it go exactly when its last entry does, and never before. */
static void test_prune_orders(void **st)
{
	static const unsigned orders = 4, n = 40;
	struct pt pt;

	(void)st;
	assert_int_equal(pt_init(&pt, &ops, &mem, 0), 0);
	map_ok(&pt, 0, 0, GIB, PT_RW);   /* 1 GiB leaf: PML4 + PDPT */
	for (unsigned o = 0; o < orders; o++) {
		uint64_t base = 3 * GIB + 7 * 4096 + o * 2 * MIB, before = mem.live;

		for (unsigned i = 0; i < n; i++)
			map_ok(&pt, base + i * 4096ull, 0x40000000ull + i * 4096ull, 4096, PT_RW);
		assert_int_equal(mem.live, before + 2);   /* a PD and a PT */
		for (unsigned k = 0; k < n; k++) {
			unsigned i = o == 0 ? k : o == 1 ? n - 1 - k :
				     o == 2 ? (n / 2 + (k % 2 ? (k + 1) / 2 : n - k / 2)) % n :
				     (k * 7) % n;

			assert_int_equal(mem.live, before + 2);
			unmap_ok(&pt, base + i * 4096ull, 4096);
			check_page(&pt, (base + i * 4096ull) / 4096);
		}
		assert_int_equal(mem.live, before);
		check_all(&pt);
	}
	pt_destroy(&pt);
	assert_int_equal(mem.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hv_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_1g_and_cr3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
	};

	return cmocka_run_group_tests_name("pagetable", tests, NULL, NULL);
}
