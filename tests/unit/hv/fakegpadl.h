/* Test-only page space for the GPADL table (hv/mm/gpadl.c): npages
 * host pages at pa = index * 4096, each its own heap block (ASan sees any
 * write past a page), with an owner (hv/core/pages.h codes), the parent's
 * EPT permission for it, and children whose page numbers name host pages
 * as their EPT would. The ops record what the table did and count, in
 * `bad`, every call the table must never make (mapping a page the parent
 * already maps, unmapping one it does not, scrubbing a page that is not
 * HELD, giving back a page that is not zero...). Shared by
 * tests/unit/hv/test_gpadl.c and tests/fuzz/fuzz_gpadl.c. */
#ifndef TESTS_UNIT_HV_FAKEGPADL_H
#define TESTS_UNIT_HV_FAKEGPADL_H
#include <stdbool.h>
#include <stdint.h>
#include "hv/core/pages.h"
#include "hv/mm/gpadl.h"

#define FG_CHILD_PAGES 512    /* page numbers a fake child may have */
#define FG_NONE     UINT64_MAX
#define FG_RW       3u        /* the parent's EPT: a GPADL mapping */
#define FG_RWX      7u        /* the parent's own page */

struct fg_child {
	uint16_t id;              /* owner code PAGE_OWNER_CHILD(id) */
	uint64_t npages;          /* its size in pages (max_gpa >> 12) */
	uint64_t gpfn_pa[FG_CHILD_PAGES];   /* FG_NONE: not in its EPT */
};

struct fakegpadl {
	unsigned npages;
	uint16_t *owner;
	uint8_t *perm;                  /* the parent's EPT: 0, FG_RW, FG_RWX */
	uint8_t **mem;
	unsigned *scrubs, *give_backs;
	unsigned maps, unmaps, flushes;  /* pages */
	unsigned map_calls, unmap_calls;  /* op calls (runs) */
	int fail_map_after;             /* maps left before one fails; <0 never */
	unsigned bad;
	char why[160];                  /* the first bad call */
	uint8_t *ref;
	struct gpadl_table t;
};

extern const struct gpadl_ops fg_ops;

/* npages pages, every one the parent's (RWX, zero); the table empty. */
void fg_init(struct fakegpadl *f, unsigned npages);
void fg_fini(struct fakegpadl *f);
/* A child of id and npages pages, none in its EPT yet. */
void fg_child_init(struct fg_child *c, uint16_t id, uint64_t npages);
/* Deposit: host page `page` (the parent's) becomes the child's page
 * gpfn, leaving the parent's EPT, filled with `fill`. -1 if it was not
 * the parent's or the page number is past the child. */
int fg_deposit(struct fakegpadl *f, struct fg_child *c, uint64_t gpfn, unsigned page,
	       uint8_t fill);
/* DeletePartition's walk (hv/core/child.c child_return_pages): each of
 * the child's pages is HELD if the parent maps it, else scrubbed and
 * given back; the child's EPT is gone afterwards. */
void fg_delete(struct fakegpadl *f, struct fg_child *c);
/* Every byte of the page is b. */
bool fg_page_is(const struct fakegpadl *f, unsigned page, uint8_t b);
#endif
