/* Host tests for hv/arch/x86/pagewalk.c: page tables built in a fake
 * guest memory, each case checking the SDM Vol. 3A chapter 4 result
 * (translation, #PF error code, accessed/dirty flags). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "hv/arch/x86/pagewalk.h"

#define MEM_SIZE (1u << 20)
static uint8_t mem[MEM_SIZE];
static unsigned ad_writes;

static int rd(void *ctx, uint64_t gpa, uint64_t *val, unsigned size)
{
	(void)ctx;
	if (gpa + size > MEM_SIZE)
		return -1;
	*val = 0;
	memcpy(val, mem + gpa, size);
	return 0;
}

static void setb(void *ctx, uint64_t gpa, uint64_t bits, unsigned size)
{
	uint64_t v = 0;

	(void)ctx;
	assert_true(gpa + size <= MEM_SIZE);
	memcpy(&v, mem + gpa, size);
	v |= bits;
	memcpy(mem + gpa, &v, size);
	ad_writes++;
}

static const struct pw_mem M = { NULL, rd, setb };

static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }
static uint64_t get64(uint64_t gpa) { uint64_t v; memcpy(&v, mem + gpa, 8); return v; }

#define P 1ull
#define RW 2ull
#define US 4ull
#define A 0x20ull
#define D 0x40ull
#define PS 0x80ull
#define XD (1ull << 63)
#define CR0_PG (1ull << 31)
#define CR0_WP (1ull << 16)
#define LMA (1ull << 10)
#define NXE (1ull << 11)

/* 4-level tables at 0x1000 (PML4), 0x2000, 0x3000, 0x4000 mapping
 * lin 0x0000_7f80_4020_3000 (indices 255, 2, 1, 3) to 0xabc000, with
 * flags f at every level (leaf_f at the PTE). */
#define LIN4 ((255ull << 39) | (2ull << 30) | (1ull << 21) | (3ull << 12))
static void build4(uint64_t f, uint64_t leaf_f)
{
	memset(mem, 0, MEM_SIZE);
	put64(0x1000 + 255 * 8, 0x2000 | f);
	put64(0x2000 + 2 * 8, 0x3000 | f);
	put64(0x3000 + 1 * 8, 0x4000 | f);
	put64(0x4000 + 3 * 8, 0xabc000 | leaf_f);
}

static struct pw_regs regs4(void)
{
	struct pw_regs r = { .cr0 = CR0_PG | 1, .cr3 = 0x1000, .cr4 = 1ull << 5,
			     .efer = LMA | NXE | (1ull << 8), .maxphyaddr = 39, .gb_pages = true };
	return r;
}

static int tr(const struct pw_regs *r, uint64_t lin, unsigned acc, uint64_t *gpa, uint32_t *err)
{
	*gpa = 0;
	*err = 0xdead;
	return pw_translate(r, &M, lin, acc, gpa, err);
}

static void test_paging_off(void **s)
{
	struct pw_regs r = { .cr0 = 1, .maxphyaddr = 39 };
	uint64_t g;
	uint32_t e;

	(void)s;
	assert_int_equal(tr(&r, 0x1234fee00030ull, PW_WRITE, &g, &e), 0);
	assert_int_equal(g, 0xfee00030);     /* 32-bit linear addresses */
}

static void test_4level(void **s)
{
	struct pw_regs r = regs4();
	uint64_t g;
	uint32_t e;

	(void)s;
	build4(P | RW | US, P | RW | US);
	ad_writes = 0;
	assert_int_equal(tr(&r, LIN4 | 0x123, 0, &g, &e), 0);
	assert_int_equal(g, 0xabc123);
	assert_true(get64(0x1000 + 255 * 8) & A);
	assert_true(get64(0x4000 + 3 * 8) & A);
	assert_false(get64(0x4000 + 3 * 8) & D);      /* a read sets no D */
	assert_int_equal(ad_writes, 4);
	assert_int_equal(tr(&r, LIN4, PW_WRITE, &g, &e), 0);
	assert_true(get64(0x4000 + 3 * 8) & D);
	assert_int_equal(ad_writes, 5);                /* only D was new */
	/* Not present at the PT: error code 0 for a supervisor read. */
	assert_int_equal(tr(&r, LIN4 + 0x1000, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, 0);
	r.cpl = 3;
	assert_int_equal(tr(&r, LIN4 + 0x1000, PW_WRITE, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_W | PF_U);
	/* Not present in the PML4. */
	assert_int_equal(tr(&r, 0, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_U);
}

static void test_rights(void **s)
{
	struct pw_regs r = regs4();
	uint64_t g;
	uint32_t e;

	(void)s;
	build4(P | RW, P);                            /* supervisor, read-only leaf */
	r.cpl = 3;
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_U);
	assert_false(get64(0x1000 + 255 * 8) & A);    /* nothing set on a fault */
	r.cpl = 0;
	assert_int_equal(tr(&r, LIN4, PW_WRITE, &g, &e), 0);   /* CR0.WP = 0 */
	r.cr0 |= CR0_WP;
	assert_int_equal(tr(&r, LIN4, PW_WRITE, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_W);
	assert_int_equal(tr(&r, LIN4, PW_FETCH, &g, &e), 0);
	/* XD in an upper level forbids fetches (I/D reported with NXE). */
	build4(P | RW | US, P | RW | US);
	put64(0x2000 + 2 * 8, 0x3000 | P | RW | US | XD);
	assert_int_equal(tr(&r, LIN4, PW_FETCH, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_I);
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), 0);
	/* Without NXE, bit 63 is reserved. */
	r.efer &= ~NXE;
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_RSVD);
	/* SMEP: supervisor fetch from a user page; SMAP: data unless AC. */
	r.efer |= NXE;
	build4(P | RW | US, P | RW | US);
	r.cr4 |= 1ull << 20;
	assert_int_equal(tr(&r, LIN4, PW_FETCH, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_I);
	r.cr4 |= 1ull << 21;
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P);
	r.rflags = 1ull << 18;
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), 0);
	assert_int_equal(tr(&r, LIN4, PW_IMPLICIT, &g, &e), PW_FAULT);
}

static void test_large_and_reserved(void **s)
{
	struct pw_regs r = regs4();
	uint64_t g;
	uint32_t e;

	(void)s;
	build4(P | RW, P | RW);
	put64(0x3000 + 1 * 8, 0x40000000 | P | RW | PS);          /* 2 MiB page */
	assert_int_equal(tr(&r, LIN4 | 0x45, 0, &g, &e), 0);
	assert_int_equal(g, 0x40000000 | (3 << 12) | 0x45);
	put64(0x3000 + 1 * 8, 0x40000000 | P | RW | PS | (1 << 13)); /* bit 13 reserved */
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_RSVD);
	put64(0x2000 + 2 * 8, 0x80000000 | P | RW | PS);          /* 1 GiB page */
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), 0);
	assert_int_equal(g, 0x80000000 | (1 << 21) | (3 << 12));
	r.gb_pages = false;                                       /* PS reserved in a PDPTE */
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_RSVD);
	r.gb_pages = true;
	put64(0x1000 + 255 * 8, 0x2000 | P | RW | PS);           /* PS in a PML4E is reserved */
	assert_int_equal(tr(&r, LIN4, PW_WRITE, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_RSVD | PF_W);
	build4(P | RW, P | RW);
	put64(0x4000 + 3 * 8, (1ull << 39) | P);                  /* past MAXPHYADDR */
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_RSVD);
	r.maxphyaddr = 46;
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), 0);
	assert_int_equal(g, 1ull << 39);
	r.cr3 = 0x200000;                                          /* table outside memory */
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), PW_BAD_TABLE);
}

static void test_5level(void **s)
{
	struct pw_regs r = regs4();
	uint64_t g, lin = (1ull << 48) | LIN4;
	uint32_t e;

	(void)s;
	build4(P | RW, P | RW);
	put64(0x5000 + 1 * 8, 0x1000 | P | RW);
	r.cr3 = 0x5000;
	r.cr4 |= 1ull << 12;
	assert_int_equal(tr(&r, lin | 7, 0, &g, &e), 0);
	assert_int_equal(g, 0xabc007);
	assert_int_equal(tr(&r, LIN4, 0, &g, &e), PW_FAULT);   /* PML5 index 0 absent */
	/* PS is reserved in a PML5E as in a PML4E (SDM Vol. 3A Table 4-12),
	 * and a walk past 48 bits still checks rights at every level. */
	put64(0x5000 + 1 * 8, 0x1000 | P | RW | PS);
	assert_int_equal(tr(&r, lin | 7, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_RSVD);
	put64(0x5000 + 1 * 8, 0x1000 | P);
	r.cr0 |= CR0_WP;                  /* else supervisor writes pass (§4.6.1) */
	assert_int_equal(tr(&r, lin | 7, PW_WRITE, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_W);
}

static void test_pae(void **s)
{
	struct pw_regs r = { .cr0 = CR0_PG | 1, .cr3 = 0x1020, .cr4 = 1ull << 5,
			     .efer = NXE, .maxphyaddr = 36 };
	uint64_t g, lin = (2ull << 30) | (5ull << 21) | (7ull << 12) | 0x10;
	uint32_t e;

	(void)s;
	memset(mem, 0, MEM_SIZE);
	put64(0x1020 + 2 * 8, 0x2000 | P);                         /* PDPTE: no RW/US */
	put64(0x2000 + 5 * 8, 0x3000 | P | RW | US);
	put64(0x3000 + 7 * 8, 0x123456000ull | P | RW | US | XD);
	r.cpl = 3;
	assert_int_equal(tr(&r, lin, PW_WRITE, &g, &e), 0);
	assert_int_equal(g, 0x123456010ull);
	assert_int_equal(get64(0x1020 + 2 * 8), 0x2000 | P);       /* no A in a PDPTE */
	assert_true(get64(0x3000 + 7 * 8) & D);
	assert_int_equal(tr(&r, lin, PW_FETCH, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_U | PF_I);
	put64(0x1020 + 2 * 8, 0x2000 | P | RW);                    /* bit 1 reserved in PDPTEs */
	assert_int_equal(tr(&r, lin, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_RSVD | PF_U);
	put64(0x1020 + 2 * 8, 0x2000 | P);
	put64(0x2000 + 5 * 8, 0x600000 | P | RW | US | PS);        /* 2 MiB */
	assert_int_equal(tr(&r, lin, 0, &g, &e), 0);
	assert_int_equal(g, 0x600000 | (7 << 12) | 0x10);
}

static void test_32bit(void **s)
{
	struct pw_regs r = { .cr0 = CR0_PG | CR0_WP | 1, .cr3 = 0x1000, .maxphyaddr = 36 };
	uint64_t g, lin = 0xfee00030;
	uint32_t e;

	(void)s;
	memset(mem, 0, MEM_SIZE);
	put32(0x1000 + (lin >> 22) * 4, 0x2000 | P | RW);
	put32(0x2000 + ((lin >> 12) & 0x3ff) * 4, 0xfee00000u | P | RW);
	assert_int_equal(tr(&r, lin, PW_WRITE, &g, &e), 0);
	assert_int_equal(g, 0xfee00030);
	assert_int_equal(mem[0x2000 + ((lin >> 12) & 0x3ff) * 4] & (A | D), A | D);
	assert_int_equal(tr(&r, lin, PW_FETCH, &g, &e), 0);         /* no XD in 32-bit paging */
	/* 4 MiB page with PSE; bits 20:13 are physical bits 39:32 (PSE-36). */
	put32(0x1000 + (lin >> 22) * 4, 0xfec00000u | (3u << 13) | P | PS);
	assert_int_equal(tr(&r, lin, 0, &g, &e), PW_BAD_TABLE);    /* PSE off: a table */
	r.cr4 = 1u << 4;
	assert_int_equal(tr(&r, lin, 0, &g, &e), 0);
	assert_int_equal(g, 0x3fee00030ull);
	assert_int_equal(tr(&r, lin, PW_WRITE, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_W);                           /* no I/D, no RSVD */
	put32(0x1000 + (lin >> 22) * 4, 0xfec00000u | (1u << 21) | P | PS);
	assert_int_equal(tr(&r, lin, 0, &g, &e), PW_FAULT);
	assert_int_equal(e, PF_P | PF_RSVD);
	r.maxphyaddr = 32;                                          /* PSE-36 bits reserved */
	put32(0x1000 + (lin >> 22) * 4, 0xfec00000u | (1u << 13) | P | PS);
	assert_int_equal(tr(&r, lin, 0, &g, &e), PW_FAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paging_off),
		cmocka_unit_test(test_4level),
		cmocka_unit_test(test_rights),
		cmocka_unit_test(test_large_and_reserved),
		cmocka_unit_test(test_5level),
		cmocka_unit_test(test_pae),
		cmocka_unit_test(test_32bit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
