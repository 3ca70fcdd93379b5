/*
 * Debug-VMHost -Action HypercallValidation, GPADL part: hv's
 * MAP_GPADL_PAGES and UNMAP_GPADL_PAGES (docs/hypercalls.md "GPADL
 * pages") fed pages a child does not own, duplicates, counts out of
 * range, and a mix of good and bad pages (refused whole: the mapped-page
 * counter does not move); then the good path through the parent's vmap
 * view, a page mapped twice (counted), the child deleted while its pages
 * are mapped (they stay mapped and unscrubbed, HELD, and cannot be
 * deposited elsewhere), and the last unmap giving them back scrubbed.
 * Finally hv's pool, the parent's free pages and the vmap window are as
 * before (no leak).
 */
#include <stdio.h>
#include <string.h>
#include "partition/arch/vmap.h"
#include "partition/hvcheck.h"
#include "partition/parent.h"
#include "partition/pmem.h"
#include "partition/vsp/vsp_gpadl.h"

#define NPAGES 3
#define PATTERN(k) (0x5a5a0000u + (k))

struct gpadl_fixture {
	uint64_t id, pa[NPAGES];
	struct pmem_set set;
};

static void counts(uint64_t *mapped, uint64_t *held)
{
	struct hvpart_host_info hi;

	memset(&hi, 0, sizeof(hi));
	(void)hvcall(HVCALL_HVPART_GET_HOST_INFO, NULL, 0, &hi, sizeof(hi));
	*mapped = hi.gpadl_pages;
	*held = hi.gpadl_held_pages;
}

static uint16_t map(uint64_t id, const uint64_t *gpfn, uint32_t n, uint64_t *pa)
{
	static struct hvpart_gpadl_map_in in;
	static struct hvpart_gpadl_map_out out;
	uint16_t st;

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	in.count = n;
	memcpy(in.gpfn, gpfn, (n < HVPART_GPADL_PAGES ? n : HVPART_GPADL_PAGES) * 8);
	st = hvcall(HVCALL_HVPART_MAP_GPADL_PAGES, &in, sizeof(in), &out, sizeof(out));
	if (!st && pa)
		memcpy(pa, out.pa, n * 8);
	return st;
}

static uint16_t unmap(const uint64_t *pa, uint32_t n)
{
	static struct hvpart_gpadl_unmap_in in;

	memset(&in, 0, sizeof(in));
	in.count = n;
	memcpy(in.pa, pa, (n < HVPART_GPADL_PAGES ? n : HVPART_GPADL_PAGES) * 8);
	return hvcall(HVCALL_HVPART_UNMAP_GPADL_PAGES, &in, sizeof(in), NULL, 0);
}

/* A child with pages 0..NPAGES-1 deposited, each page starting with its
 * pattern (deposit does not scrub: the mapping must show these). */
static int deposit_all(uint64_t id, const struct pmem_set *set, uint32_t n);

static int fixture_make(struct gpadl_fixture *f)
{
	struct hvpart_create_in cin;

	memset(&cin, 0, sizeof(cin));
	strcpy(cin.name, "hvcheck-gpadl");
	cin.max_gpa = 4u << 20;
	if (pmem_alloc(NPAGES * 4096, &f->set))
		return -1;
	if (hvcall(HVCALL_HVPART_CREATE_PARTITION, &cin, sizeof(cin), &f->id, 8)) {
		pmem_release(&f->set);
		return -1;
	}
	for (uint32_t k = 0; k < NPAGES; k++) {
		uint64_t contig;

		f->pa[k] = pmem_gpa_to_pa(&f->set, (uint64_t)k * 4096, &contig);
		*(volatile uint32_t *)(uintptr_t)f->pa[k] = PATTERN(k);
	}
	return deposit_all(f->id, &f->set, NPAGES);
}

/* The parameter blocks themselves (TLFS §3.4; docs/hypercalls.md
 * statuses): refused by the dispatcher before the handler runs. The map
 * input is a whole page and its output 4080 bytes, the unmap input 4088,
 * so an offset of 8, 24 and 16 crosses a page. */
static void check_param_blocks(struct chk *c)
{
	uint64_t in = hvcall_in_gpa(), out = hvcall_out_gpa();

	hvcheck_expect(c, "gpadl map: input GPA not 8-byte aligned",
		       hvcall_raw(HVCALL_HVPART_MAP_GPADL_PAGES, in + 4, out), HV_STATUS_INVALID_ALIGNMENT);
	hvcheck_expect(c, "gpadl map: input crossing a page",
		       hvcall_raw(HVCALL_HVPART_MAP_GPADL_PAGES, in + 8, out), HV_STATUS_INVALID_ALIGNMENT);
	hvcheck_expect(c, "gpadl map: output crossing a page",
		       hvcall_raw(HVCALL_HVPART_MAP_GPADL_PAGES, in, out + 24),
		       HV_STATUS_INVALID_ALIGNMENT);
	hvcheck_expect(c, "gpadl map: input GPA in hv's memory",
		       hvcall_raw(HVCALL_HVPART_MAP_GPADL_PAGES, 0x200000, out),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "gpadl unmap: input crossing a page",
		       hvcall_raw(HVCALL_HVPART_UNMAP_GPADL_PAGES, in + 16, 0),
		       HV_STATUS_INVALID_ALIGNMENT);
	hvcheck_expect(c, "gpadl unmap: input GPA in hv's memory",
		       hvcall_raw(HVCALL_HVPART_UNMAP_GPADL_PAGES, 0x200000, 0),
		       HV_STATUS_INVALID_PARAMETER);
}

static void check_refusals(struct chk *c, uint64_t id)
{
	uint64_t m0, h0, m, h, bad[4];

	counts(&m0, &h0);
	bad[0] = 0;
	hvcheck_expect(c, "gpadl map: unknown partition", map(99, bad, 1, NULL),
		       HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "gpadl map: the parent", map(0, bad, 1, NULL),
		       HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "gpadl map: no pages", map(id, bad, 0, NULL), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "gpadl map: 511 pages in one call", map(id, bad, HVPART_GPADL_PAGES + 1, NULL),
		       HV_STATUS_INVALID_PARAMETER);
	bad[0] = 3;
	hvcheck_expect(c, "gpadl map: a GPA the child has no page at", map(id, bad, 1, NULL),
		       HV_STATUS_INVALID_PARAMETER);
	bad[0] = 0x200;
	hvcheck_expect(c, "gpadl map: hv's page number (0x200)", map(id, bad, 1, NULL),
		       HV_STATUS_INVALID_PARAMETER);
	bad[0] = hvcall_in_gpa() >> 12;
	hvcheck_expect(c, "gpadl map: a parent page's number", map(id, bad, 1, NULL),
		       HV_STATUS_INVALID_PARAMETER);
	bad[0] = ~0ull >> 12;
	hvcheck_expect(c, "gpadl map: a PFN that overflows a GPA", map(id, bad, 1, NULL),
		       HV_STATUS_INVALID_PARAMETER);
	bad[0] = 1, bad[1] = 0, bad[2] = 1;
	hvcheck_expect(c, "gpadl map: the same page twice", map(id, bad, 3, NULL),
		       HV_STATUS_INVALID_PARAMETER);
	bad[0] = 0, bad[1] = 1, bad[2] = 2, bad[3] = 1u << 20;
	hvcheck_expect(c, "gpadl map: three good pages and a bad one", map(id, bad, 4, NULL),
		       HV_STATUS_INVALID_PARAMETER);
	check_param_blocks(c);
	counts(&m, &h);
	hvcheck_true(c, "refused maps mapped nothing", m == m0 && h == h0);
}

static void check_unmap_refusals(struct chk *c, const struct gpadl_fixture *f)
{
	uint64_t two[2] = { f->pa[0], f->pa[0] };

	hvcheck_expect(c, "gpadl unmap: a page not mapped", unmap(&f->pa[2], 1),
		       HV_STATUS_INVALID_PARAMETER);
	two[1] = f->pa[0] + 8;
	hvcheck_expect(c, "gpadl unmap: an unaligned address", unmap(&two[1], 1),
		       HV_STATUS_INVALID_PARAMETER);
	two[1] = f->pa[0];
	hvcheck_expect(c, "gpadl unmap: the same page twice", unmap(two, 2),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "gpadl unmap: no pages", unmap(two, 0), HV_STATUS_INVALID_PARAMETER);
}

static int view_has(volatile const uint8_t *view, uint32_t k, uint32_t want)
{
	return *(volatile const uint32_t *)(view + (uint64_t)k * 4096) == want;
}

/* Map pages 0 and 1 as one view, page 1 a second time; delete the child
 * with both mapped; release; all comes back. */
static void check_lifecycle(struct chk *c, struct gpadl_fixture *f)
{
	uint64_t gpfn[2] = { 0, 1 }, pa[2], pa1, m, h;
	uint8_t *view;

	hvcheck_expect(c, "gpadl map: the child's pages 0 and 1", map(f->id, gpfn, 2, pa),
		       HV_STATUS_SUCCESS);
	hvcheck_true(c, "gpadl map: returns their host pages", pa[0] == f->pa[0] && pa[1] == f->pa[1]);
	view = vmap_pages(pa, 2);
	hvcheck_true(c, "gpadl view: shows what the pages hold",
		     view && view_has(view, 0, PATTERN(0)) && view_has(view, 1, PATTERN(1)));
	hvcheck_expect(c, "gpadl map: page 1 again (counted)", map(f->id, &gpfn[1], 1, &pa1),
		       HV_STATUS_SUCCESS);
	counts(&m, &h);
	hvcheck_true(c, "gpadl counters: 2 pages mapped, none held", m == 2 && h == 0);
	check_unmap_refusals(c, f);
	hvcheck_expect(c, "gpadl unmap: page 1 once", unmap(&pa1, 1), HV_STATUS_SUCCESS);
	hvcheck_true(c, "gpadl view: page 1 still mapped", view && view_has(view, 1, PATTERN(1)));
	hvcheck_expect(c, "delete: the child, pages 0 and 1 mapped",
		       hvcall(HVCALL_HVPART_DELETE_PARTITION, &f->id, 8, NULL, 0), HV_STATUS_SUCCESS);
	counts(&m, &h);
	hvcheck_true(c, "gpadl counters: both pages held", m == 2 && h == 2);
	if (view)
		view[4096 + 8] = 0x77;
	hvcheck_true(c, "gpadl view: held pages unscrubbed and writable",
		     view && view_has(view, 0, PATTERN(0)) && view[4096 + 8] == 0x77);
	hvcheck_true(c, "page 2 (not mapped) came back scrubbed",
		     *(volatile uint32_t *)(uintptr_t)f->pa[2] == 0);
	if (view)
		vmap_release(view, 2);
	hvcheck_expect(c, "gpadl unmap: the held pages", unmap(pa, 2), HV_STATUS_SUCCESS);
	counts(&m, &h);
	hvcheck_true(c, "gpadl counters: nothing mapped or held", m == 0 && h == 0);
	hvcheck_true(c, "released held pages are the parent's, scrubbed",
		     *(volatile uint32_t *)(uintptr_t)f->pa[0] == 0 &&
		     *(volatile uint32_t *)(uintptr_t)(f->pa[1] + 8) == 0);
}

/* A GPADL longer than one call (vsp_gpadl_hv_map splits it): a refused
 * first piece maps nothing. */
static void check_chunks(struct chk *c, uint64_t id)
{
	static uint64_t gpfn[HVPART_GPADL_PAGES + 1], pa[HVPART_GPADL_PAGES + 1];
	uint64_t m0, h0, m, h;

	counts(&m0, &h0);
	for (uint32_t k = 0; k <= HVPART_GPADL_PAGES; k++)
		gpfn[k] = k % 2;   /* duplicates within the first piece */
	hvcheck_expect(c, "gpadl map (2 calls): duplicate pages",
		       vsp_gpadl_hv_map(id, gpfn, HVPART_GPADL_PAGES + 1, pa), HV_STATUS_INVALID_PARAMETER);
	counts(&m, &h);
	hvcheck_true(c, "gpadl map (2 calls): nothing left mapped", m == m0 && h == h0);
}

/* Deposit a child's pages 0..n-1 from set, in runs as long as the set's
 * contiguous stretches, as many calls as the runs need. */
static int deposit_all(uint64_t id, const struct pmem_set *set, uint32_t n)
{
	static struct hvpart_deposit_in in;

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	for (uint32_t k = 0; k < n;) {
		uint64_t contig, pa = pmem_gpa_to_pa(set, (uint64_t)k * 4096, &contig);
		uint64_t len = contig / 4096 < n - k ? contig / 4096 : n - k;

		in.runs[in.nruns++] = (struct hvpart_deposit_run){ (uint64_t)k * 4096, pa >> 12, len };
		k += (uint32_t)len;
		if (in.nruns == HVPART_DEPOSIT_RUNS || k == n) {
			if (hvcall(HVCALL_HVPART_DEPOSIT_PAGES, &in, sizeof(in), NULL, 0))
				return -1;
			in.nruns = 0;
		}
	}
	return 0;
}

/* Every piece alone is clean (the child's own pages, each once), but a
 * page repeats across pieces: refused before any call, nothing mapped. */
static void check_chunk_repeat(struct chk *c)
{
	static uint64_t gpfn[HVPART_GPADL_PAGES + 1], pa[HVPART_GPADL_PAGES + 1];
	struct hvpart_create_in cin;
	struct pmem_set set;
	uint64_t id, m0, h0, m, h;

	memset(&cin, 0, sizeof(cin));
	strcpy(cin.name, "hvcheck-gpadl2");
	cin.max_gpa = 4u << 20;
	if (pmem_alloc(HVPART_GPADL_PAGES * 4096, &set))
		goto fail;
	if (hvcall(HVCALL_HVPART_CREATE_PARTITION, &cin, sizeof(cin), &id, 8))
		goto fail_set;
	if (deposit_all(id, &set, HVPART_GPADL_PAGES))
		goto fail_part;
	counts(&m0, &h0);
	for (uint32_t k = 0; k < HVPART_GPADL_PAGES; k++)
		gpfn[k] = k;
	gpfn[HVPART_GPADL_PAGES] = 7;
	hvcheck_expect(c, "gpadl map (2 calls): a page repeated across calls",
		       vsp_gpadl_hv_map(id, gpfn, HVPART_GPADL_PAGES + 1, pa), HV_STATUS_INVALID_PARAMETER);
	counts(&m, &h);
	hvcheck_true(c, "gpadl map (2 calls, repeat): nothing left mapped", m == m0 && h == h0);
	hvcheck_expect(c, "gpadl map: the same 510 pages once each (one call)",
		       vsp_gpadl_hv_map(id, gpfn, HVPART_GPADL_PAGES, pa), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "gpadl unmap: those 510", vsp_gpadl_hv_unmap(pa, HVPART_GPADL_PAGES),
		       HV_STATUS_SUCCESS);
	hvcall(HVCALL_HVPART_DELETE_PARTITION, &id, sizeof(id), NULL, 0);
	pmem_release(&set);
	return;
fail_part:
	hvcall(HVCALL_HVPART_DELETE_PARTITION, &id, sizeof(id), NULL, 0);
fail_set:
	pmem_release(&set);
fail:
	hvcheck_true(c, "gpadl: set up a child with 510 pages", 0);
}

void hvcheck_gpadl(struct chk *c)
{
	struct gpadl_fixture f;
	uint64_t free0 = pmem_free_bytes(), vm0 = vmap_count();

	memset(&f, 0, sizeof(f));
	if (fixture_make(&f)) {
		hvcheck_true(c, "gpadl: set up a child with 3 pages", 0);
		return;
	}
	check_refusals(c, f.id);
	check_chunks(c, f.id);
	check_chunk_repeat(c);
	check_lifecycle(c, &f);
	pmem_release(&f.set);
	hvcheck_true(c, "gpadl: parent pages and vmap window as before",
		     pmem_free_bytes() == free0 && vmap_count() == vm0);
}
