/*
 * GPADL pages: a child's pages that the child shared with the parent
 * (VMBus ring buffers and device buffers), mapped into the parent's EPT
 * on the parent's request (docs/hypercalls.md "GPADL pages").
 *
 * docs/ARCHITECTURE.md rule 1 keeps one owner per page: a mapped page
 * stays the child's, and the parent reaches it only while it is mapped,
 * at its host-physical address (where it was before the deposit, so the
 * parent's identity page tables already cover it) and without execute.
 * hv counts the parent's mappings per page. A page still mapped when its
 * child is deleted is neither scrubbed nor reused: it becomes HELD, stays
 * mapped for the parent (a device model in the middle of a transfer never
 * faults, rule 6), and goes back to the parent, scrubbed, at its last
 * unmap.
 *
 * Every call checks all its input before it changes anything; a page
 * named twice in one call, a page that is not the child's (hv's, the
 * parent's, another child's, or no page at all) or whose count is full
 * refuses the whole call.
 */
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include "hypercall.h"
#include "pages.h"

/* Per page below 4 GiB: bits 6:0 the parent's mappings, bit 7 "named in
 * the call being checked" (found duplicates, cleared before return). */
#define REF_MARK 0x80u
#define REF_MAX  0x7fu

static uint8_t ref_map[PAGES_LIMIT / 4096];
static uint64_t mapped_pages, held_pages;

static uint8_t ref_of(uint64_t pa)
{
	return ref_map[pa >> 12] & REF_MAX;
}

static void marks_clear(const uint64_t *pa, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		ref_map[pa[i] >> 12] &= (uint8_t)~REF_MARK;
}

/* Mark pa for this call; false if it already was (a duplicate). */
static bool mark(uint64_t pa)
{
	if (ref_map[pa >> 12] & REF_MARK)
		return false;
	ref_map[pa >> 12] |= REF_MARK;
	return true;
}

/* Child gpfn -> host page, if it is the child's own RAM page. */
static bool child_page(struct partition *p, uint64_t gpfn, uint64_t *pa)
{
	uint64_t hpa, perms, ps;
	unsigned mt;

	if (gpfn >= (p->max_gpa >> 12) || ept_lookup(&p->ept, gpfn << 12, &hpa, &perms, &mt, &ps))
		return false;
	hpa &= ~0xfffull;
	*pa = hpa;
	return hpa < PAGES_LIMIT && pages_owner(hpa) == PAGE_OWNER_CHILD(p->id) &&
	       ref_of(hpa) < REF_MAX;
}

static uint16_t map_check(struct partition *p, const struct hvpart_gpadl_map_in *in, uint64_t *pa)
{
	uint32_t i;

	if (!in->count || in->count > HVPART_GPADL_PAGES || in->rsvd)
		return HV_STATUS_INVALID_PARAMETER;
	for (i = 0; i < in->count; i++)
		if (!child_page(p, in->gpfn[i], &pa[i]) || !mark(pa[i]))
			break;
	marks_clear(pa, i);
	return i == in->count ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_PARAMETER;
}

/* Drop one mapping of pa; at the last, the page leaves the parent's EPT
 * (a live child's) or comes back to the parent scrubbed (a HELD one). */
static void unref(struct partition *parent, uint64_t pa)
{
	if (--ref_map[pa >> 12])
		return;
	mapped_pages--;
	if (pages_owner(pa) != PAGE_OWNER_HELD) {
		ept_unmap_range(&parent->ept, pa, 4096);
		return;
	}
	held_pages--;
	memset((void *)(uintptr_t)pa, 0, 4096);
	pages_set(pa, 4096, PAGE_OWNER_PARENT);
	ept_map_range(&parent->ept, pa, pa, 4096, EPT_RWX, EPT_MT_WB);
}

uint16_t hc_map_gpadl_pages(struct hc_args *a)
{
	const struct hvpart_gpadl_map_in *in = a->in;
	struct hvpart_gpadl_map_out *out = a->out;
	struct partition *p = partition_by_id(in->partition_id), *parent = a->v->part;
	static uint64_t pa[HVPART_GPADL_PAGES];   /* one CPU; calls never nest */
	uint16_t st;
	uint32_t i;

	if (!p || p->privileged)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->state == HVPART_STATE_STOPPED || p->deleting)
		return HV_STATUS_INVALID_PARTITION_STATE;
	st = map_check(p, in, pa);
	if (st)
		return st;
	for (i = 0; i < in->count; i++) {
		if (!ref_of(pa[i]) &&
		    ept_map_range(&parent->ept, pa[i], pa[i], 4096, EPT_R | EPT_W, EPT_MT_WB))
			break;
		if (!ref_map[pa[i] >> 12]++)
			mapped_pages++;
	}
	if (i < in->count) {
		/* hv's pool ran dry for an EPT table: undo, all or nothing. */
		while (i--)
			unref(parent, pa[i]);
		arch_ept_flush();
		return HV_STATUS_INSUFFICIENT_MEMORY;
	}
	memcpy(out->pa, pa, in->count * sizeof(pa[0]));
	arch_ept_flush();
	return HV_STATUS_SUCCESS;
}

uint16_t hc_unmap_gpadl_pages(struct hc_args *a)
{
	const struct hvpart_gpadl_unmap_in *in = a->in;
	uint32_t i;

	if (!in->count || in->count > HVPART_GPADL_PAGES || in->rsvd)
		return HV_STATUS_INVALID_PARAMETER;
	for (i = 0; i < in->count; i++)
		if ((in->pa[i] & 0xfff) || in->pa[i] >= PAGES_LIMIT || !ref_of(in->pa[i]) ||
		    !mark(in->pa[i]))
			break;
	marks_clear(in->pa, i);
	if (i < in->count)
		return HV_STATUS_INVALID_PARAMETER;
	for (i = 0; i < in->count; i++)
		unref(a->v->part, in->pa[i]);
	arch_ept_flush();
	return HV_STATUS_SUCCESS;
}

bool gpadl_hold(uint64_t pa)
{
	if (pa >= PAGES_LIMIT || !ref_of(pa))
		return false;
	pages_set(pa, 4096, PAGE_OWNER_HELD);
	held_pages++;
	return true;
}

void gpadl_counts(uint64_t *mapped, uint64_t *held)
{
	*mapped = mapped_pages;
	*held = held_pages;
}
