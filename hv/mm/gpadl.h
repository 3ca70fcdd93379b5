/*
 * GPADL page accounting (docs/hypercalls.md "GPADL pages"): which of the
 * children's pages the parent maps, how many times, and what happens to
 * them when the parent releases them or their child is deleted. Portable
 * (docs/ARCHITECTURE.md rule 5): hv wires it in hv/core/gpadl.c (the
 * child's EPT, the owner map of hv/core/pages.c, the parent's EPT); the
 * host tests and the fuzzer give it a fake page space.
 *
 * Rule 1 (docs/ARCHITECTURE.md) is kept here: a mapped page stays its
 * child's; a page still mapped when its child is deleted becomes HELD,
 * stays mapped and is handed to nobody until the parent's last unmap,
 * which scrubs it and gives it back to the parent. Every call checks all
 * its input before it changes anything (rule 6): on an error nothing
 * changes, neither a count nor an owner nor a mapping.
 *
 * One caller at a time (hv: one CPU; calls never nest).
 */
#ifndef HV_MM_GPADL_H
#define HV_MM_GPADL_H
#include <stdbool.h>
#include <stdint.h>
#include "hv/abi/hvpart_abi.h"

/* Mappings of one page by the parent, at most (docs/hypercalls.md). */
#define GPADL_REF_MAX 127u

struct gpadl_ops {
	/* The owner codes (hv/core/pages.h) of the parent and of a HELD page. */
	uint16_t owner_parent, owner_held;
	/* The host page behind the child's page number gpfn, or false when
	 * the child has none there (past its size, not in its EPT). */
	bool (*child_page)(void *child, uint64_t gpfn, uint64_t *pa);
	uint16_t (*owner)(void *ctx, uint64_t pa);
	void (*set_owner)(void *ctx, uint64_t pa, uint16_t owner);
	/* The n pages from pa into the parent's EPT, read/write, no
	 * execute: 0, or a negative errno when hv's pool has no table left,
	 * with none of the n mapped (the op undoes its own part). Runs of
	 * contiguous pages go in one call: one walk of the tables for a
	 * storvsc request's buffer instead of one a page. */
	int (*map)(void *ctx, uint64_t pa, uint32_t n);
	/* The n pages from pa out of the parent's EPT. */
	void (*unmap)(void *ctx, uint64_t pa, uint32_t n);
	/* Zero the page. */
	void (*scrub)(void *ctx, uint64_t pa);
	/* A scrubbed page back to the parent: its EPT, read/write/execute. */
	void (*give_back)(void *ctx, uint64_t pa);
	/* Cached translations of the parent's EPT are stale. */
	void (*flush)(void *ctx);
};

/* Empty: ops, ctx, ref and npages set, ref[] and the rest zero (hv's is
 * a static initialiser). */
struct gpadl_table {
	const struct gpadl_ops *ops;
	void *ctx;
	/* Per page of [0, npages * 4096): bits 6:0 the parent's mappings,
	 * bit 7 "named in the call being checked" (clear between calls). */
	uint8_t *ref;
	uint64_t npages;
	uint64_t mapped;   /* pages with a mapping */
	uint64_t held;     /* of those, HELD (their child deleted) */
	uint64_t pa[HVPART_GPADL_PAGES];   /* the call being checked */
};

/* MapGpadlPages for a live child whose pages have owner code `owner`;
 * child is handed to ops->child_page. Out gets the host addresses in
 * input order. SUCCESS; INVALID_PARAMETER (nothing changed) for a count
 * of 0 or over 510, rsvd set, a page number the child has no page at, a
 * page that is not the child's or is counted GPADL_REF_MAX times, the same
 * page twice; INSUFFICIENT_MEMORY when ops->map fails (the call's pages
 * are unmapped again). The partition checks are the caller's. */
uint16_t gpadl_table_map(struct gpadl_table *t, void *child, uint16_t owner,
			 const struct hvpart_gpadl_map_in *in, struct hvpart_gpadl_map_out *out);

/* UnmapGpadlPages: one mapping fewer per address; at a page's last, it
 * leaves the parent's EPT (a live child's) or is scrubbed and given back
 * (a HELD one). SUCCESS; INVALID_PARAMETER (nothing changed) for a count
 * of 0 or over 510, rsvd set, an unaligned address, one that is not
 * mapped, the same one twice. */
uint16_t gpadl_table_unmap(struct gpadl_table *t, const struct hvpart_gpadl_unmap_in *in);

/* At a child's delete, for each of its pages: if the parent maps pa, it
 * becomes HELD (stays mapped, not scrubbed) and this says true. */
bool gpadl_table_hold(struct gpadl_table *t, uint64_t pa);

/* The parent's mappings of pa (0 for an address outside the table). */
unsigned gpadl_table_refs(const struct gpadl_table *t, uint64_t pa);
#endif
