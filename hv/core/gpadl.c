/*
 * GPADL pages: a child's pages that the child shared with the parent
 * (VMBus ring buffers and device buffers), mapped into the parent's EPT
 * on the parent's request (docs/hypercalls.md "GPADL pages").
 *
 * docs/ARCHITECTURE.md rule 1 keeps one owner per page: a mapped page
 * stays the child's, and the parent reaches it only while it is mapped,
 * at its host-physical address (where it was before the deposit, so the
 * parent's identity page tables already cover it) and without execute.
 * The counting, the checks and the HELD pages of a deleted child are the
 * portable hv/mm/gpadl.c (host-tested, fuzzed); this file wires it to
 * the partitions, the owner map (pages.c) and the parent's EPT.
 */
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include "hv/mm/gpadl.h"
#include "hypercall.h"
#include "pages.h"

/* Child gpfn -> the host page behind it in the child's EPT. */
static bool child_page(void *child, uint64_t gpfn, uint64_t *pa)
{
	struct partition *p = child;
	uint64_t hpa, perms, ps;
	unsigned mt;

	if (gpfn >= (p->max_gpa >> 12) || ept_lookup(&p->ept, gpfn << 12, &hpa, &perms, &mt, &ps))
		return false;
	*pa = hpa & ~0xfffull;
	return true;
}

static uint16_t owner(void *ctx, uint64_t pa)
{
	(void)ctx;
	return pages_owner(pa);
}

static void set_owner(void *ctx, uint64_t pa, uint16_t o)
{
	(void)ctx;
	pages_set(pa, 4096, o);
}

/* Each live child's count of its pages the parent maps (a capture
 * looks for them only when there are some, hv/core/capture.c). */
static void count_pages(uint64_t pa, uint32_t n, int64_t d)
{
	for (uint32_t k = 0; k < n; k++) {
		uint16_t o = pages_owner(pa + (uint64_t)k * 4096);

		if (o >= PAGE_OWNER_CHILD(0) && o < PAGE_OWNER_CHILD(MAX_PARTITIONS))
			partition_table[o - PAGE_OWNER_CHILD(0)].gpadl_pages += (uint64_t)d;
	}
}

/* A run fails only for want of a table, maybe half way: what it mapped
 * goes again, so that the parent reaches no page uncounted (rule 1). */
static int map(void *ctx, uint64_t pa, uint32_t n)
{
	struct ept *e = &((struct partition *)ctx)->ept;
	int rc = ept_map_range(e, pa, pa, (uint64_t)n * 4096, EPT_R | EPT_W, EPT_MT_WB);

	if (rc)
		ept_unmap_range(e, pa, (uint64_t)n * 4096);
	else
		count_pages(pa, n, 1);
	return rc;
}

static void unmap(void *ctx, uint64_t pa, uint32_t n)
{
	count_pages(pa, n, -1);
	ept_unmap_range(&((struct partition *)ctx)->ept, pa, (uint64_t)n * 4096);
}

/* hv identity-maps the first 4 GiB (boot.S), the whole table. */
static void scrub(void *ctx, uint64_t pa)
{
	(void)ctx;
	memset((void *)(uintptr_t)pa, 0, 4096);
}

static void give_back(void *ctx, uint64_t pa)
{
	ept_map_range(&((struct partition *)ctx)->ept, pa, pa, 4096, EPT_RWX, EPT_MT_WB);
}

static void flush(void *ctx)
{
	(void)ctx;
	smp_ept_flush();
}

static const struct gpadl_ops ops = {
	.owner_parent = PAGE_OWNER_PARENT, .owner_held = PAGE_OWNER_HELD,
	.child_page = child_page, .owner = owner, .set_owner = set_owner, .map = map,
	.unmap = unmap, .scrub = scrub, .give_back = give_back, .flush = flush,
};

static uint8_t ref_map[PAGES_LIMIT / 4096];
/* ctx, the parent, is set at its first call (one parent). */
static struct gpadl_table table = { .ops = &ops, .ref = ref_map, .npages = PAGES_LIMIT / 4096 };

uint16_t hc_map_gpadl_pages(struct hc_args *a)
{
	const struct hvpart_gpadl_map_in *in = a->in;
	struct partition *p = partition_by_id(in->partition_id);

	if (!p || p->privileged)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->state == HVPART_STATE_STOPPED || p->deleting)
		return HV_STATUS_INVALID_PARTITION_STATE;
	table.ctx = a->v->part;
	/* Under a live capture the parent may write what it maps: each page
	 * is captured first (docs/hypercalls.md "Memory capture"). */
	if (p->cap.active && in->count <= HVPART_GPADL_PAGES) {
		uint16_t st = capture_before_map(p, in->gpfn, in->count);

		if (st)
			return st;
	}
	return gpadl_table_map(&table, p, PAGE_OWNER_CHILD(p->id), in, a->out);
}

uint16_t hc_unmap_gpadl_pages(struct hc_args *a)
{
	table.ctx = a->v->part;
	return gpadl_table_unmap(&table, a->in);
}

bool gpadl_hold(uint64_t pa)
{
	return gpadl_table_hold(&table, pa);
}

unsigned gpadl_page_refs(uint64_t pa)
{
	return gpadl_table_refs(&table, pa);
}

void gpadl_counts(uint64_t *mapped, uint64_t *held)
{
	*mapped = table.mapped;
	*held = table.held;
}
