/*
 * GPADL page accounting (hv/mm/gpadl.h; docs/hypercalls.md "GPADL
 * pages"). A call is checked whole first (marks catch a page named twice
 * and are cleared before returning), then applied; the only failure
 * while applying, ops->map out of tables, is undone before returning.
 */
#include "hv/mm/gpadl.h"

#define REF_MARK 0x80u
#define REF_MASK 0x7fu
_Static_assert(GPADL_REF_MAX == REF_MASK, "refs fill bits 6:0");

static bool in_table(const struct gpadl_table *t, uint64_t pa)
{
	return !(pa & 0xfff) && (pa >> 12) < t->npages;
}

unsigned gpadl_table_refs(const struct gpadl_table *t, uint64_t pa)
{
	return in_table(t, pa) ? t->ref[pa >> 12] & REF_MASK : 0;
}

static void marks_clear(struct gpadl_table *t, const uint64_t *pa, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		t->ref[pa[i] >> 12] &= (uint8_t)~REF_MARK;
}

/* Mark pa for this call; false if it already was (a duplicate). */
static bool mark(struct gpadl_table *t, uint64_t pa)
{
	if (t->ref[pa >> 12] & REF_MARK)
		return false;
	t->ref[pa >> 12] |= REF_MARK;
	return true;
}

/* The child's page gpfn, if the parent may map it once more. */
static bool child_page(struct gpadl_table *t, void *child, uint16_t owner, uint64_t gpfn,
		       uint64_t *pa)
{
	return t->ops->child_page(child, gpfn, pa) && in_table(t, *pa) &&
	       t->ops->owner(t->ctx, *pa) == owner && gpadl_table_refs(t, *pa) < GPADL_REF_MAX;
}

static uint16_t map_check(struct gpadl_table *t, void *child, uint16_t owner,
			  const struct hvpart_gpadl_map_in *in)
{
	uint32_t i;

	if (!in->count || in->count > HVPART_GPADL_PAGES || in->rsvd)
		return HV_STATUS_INVALID_PARAMETER;
	for (i = 0; i < in->count; i++)
		if (!child_page(t, child, owner, in->gpfn[i], &t->pa[i]) || !mark(t, t->pa[i]))
			break;
	marks_clear(t, t->pa, i);
	return i == in->count ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_PARAMETER;
}

/* Drop one mapping of pa; at the last, the page leaves the parent's EPT
 * (a live child's: true, the caller unmaps it) or comes back to the
 * parent scrubbed (a HELD one). */
static bool drop(struct gpadl_table *t, uint64_t pa)
{
	const struct gpadl_ops *o = t->ops;

	if (--t->ref[pa >> 12])
		return false;
	t->mapped--;
	if (o->owner(t->ctx, pa) != o->owner_held)
		return true;
	t->held--;
	o->scrub(t->ctx, pa);
	o->set_owner(t->ctx, pa, o->owner_parent);
	o->give_back(t->ctx, pa);
	return false;
}

static void unref(struct gpadl_table *t, uint64_t pa)
{
	if (drop(t, pa))
		t->ops->unmap(t->ctx, pa, 1);
}

/* End of the run of contiguous, unmapped pages of t->pa[] from i. */
static uint32_t run_end(const struct gpadl_table *t, uint32_t i, uint32_t count)
{
	uint32_t j = i + 1;

	while (j < count && t->pa[j] == t->pa[j - 1] + 4096 && !gpadl_table_refs(t, t->pa[j]))
		j++;
	return j;
}

/* Map t->pa[0..count) (checked): runs of unmapped pages in one op call
 * each, pages already mapped only counted. count, or the index of the
 * first page of the run that could not be mapped. */
static uint32_t map_runs(struct gpadl_table *t, uint32_t count)
{
	uint32_t i, j;

	for (i = 0; i < count; i = j) {
		j = i + 1;
		if (!gpadl_table_refs(t, t->pa[i])) {
			j = run_end(t, i, count);
			if (t->ops->map(t->ctx, t->pa[i], j - i))
				return i;
		}
		for (uint32_t k = i; k < j; k++)
			if (!t->ref[t->pa[k] >> 12]++)
				t->mapped++;
	}
	return count;
}

uint16_t gpadl_table_map(struct gpadl_table *t, void *child, uint16_t owner,
			 const struct hvpart_gpadl_map_in *in, struct hvpart_gpadl_map_out *out)
{
	uint16_t st = map_check(t, child, owner, in);
	uint32_t i;

	if (st)
		return st;
	i = map_runs(t, in->count);
	if (i < in->count) {
		/* hv's pool ran dry for an EPT table: undo, all or nothing. */
		while (i--)
			unref(t, t->pa[i]);
		t->ops->flush(t->ctx);
		return HV_STATUS_INSUFFICIENT_MEMORY;
	}
	for (i = 0; i < in->count; i++)
		out->pa[i] = t->pa[i];
	t->ops->flush(t->ctx);
	return HV_STATUS_SUCCESS;
}

/* One mapping fewer for each page of in (checked); the pages that leave
 * the parent's EPT go in runs of contiguous ones, one op call each. */
static void unmap_runs(struct gpadl_table *t, const struct hvpart_gpadl_unmap_in *in)
{
	uint64_t run = 0;
	uint32_t n = 0;

	for (uint32_t i = 0; i < in->count; i++) {
		if (!drop(t, in->pa[i]))
			continue;
		if (n && in->pa[i] == run + (uint64_t)n * 4096) {
			n++;
			continue;
		}
		if (n)
			t->ops->unmap(t->ctx, run, n);
		run = in->pa[i];
		n = 1;
	}
	if (n)
		t->ops->unmap(t->ctx, run, n);
}

uint16_t gpadl_table_unmap(struct gpadl_table *t, const struct hvpart_gpadl_unmap_in *in)
{
	uint32_t i;

	if (!in->count || in->count > HVPART_GPADL_PAGES || in->rsvd)
		return HV_STATUS_INVALID_PARAMETER;
	for (i = 0; i < in->count; i++)
		if (!gpadl_table_refs(t, in->pa[i]) || !mark(t, in->pa[i]))
			break;
	marks_clear(t, in->pa, i);
	if (i < in->count)
		return HV_STATUS_INVALID_PARAMETER;
	unmap_runs(t, in);
	t->ops->flush(t->ctx);
	return HV_STATUS_SUCCESS;
}

bool gpadl_table_hold(struct gpadl_table *t, uint64_t pa)
{
	if (!gpadl_table_refs(t, pa))
		return false;
	if (t->ops->owner(t->ctx, pa) != t->ops->owner_held) {
		t->ops->set_owner(t->ctx, pa, t->ops->owner_held);
		t->held++;
	}
	return true;
}
