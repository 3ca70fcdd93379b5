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
 * (a live child's) or comes back to the parent scrubbed (a HELD one). */
static void unref(struct gpadl_table *t, uint64_t pa)
{
	const struct gpadl_ops *o = t->ops;

	if (--t->ref[pa >> 12])
		return;
	t->mapped--;
	if (o->owner(t->ctx, pa) != o->owner_held) {
		o->unmap(t->ctx, pa);
		return;
	}
	t->held--;
	o->scrub(t->ctx, pa);
	o->set_owner(t->ctx, pa, o->owner_parent);
	o->give_back(t->ctx, pa);
}

uint16_t gpadl_table_map(struct gpadl_table *t, void *child, uint16_t owner,
			 const struct hvpart_gpadl_map_in *in, struct hvpart_gpadl_map_out *out)
{
	uint16_t st = map_check(t, child, owner, in);
	uint32_t i;

	if (st)
		return st;
	for (i = 0; i < in->count; i++) {
		if (!gpadl_table_refs(t, t->pa[i]) && t->ops->map(t->ctx, t->pa[i]))
			break;
		if (!t->ref[t->pa[i] >> 12]++)
			t->mapped++;
	}
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
	for (i = 0; i < in->count; i++)
		unref(t, in->pa[i]);
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
