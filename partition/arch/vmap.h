/*
 * A window of the parent's virtual address space where runs of physical
 * pages that are not contiguous appear contiguous (partition/arch/vmap.c):
 * a child's GPADL pages, mapped into the parent by hv, seen as one ring
 * or buffer, as Linux's vmap does for its VMBus rings.
 */
#ifndef PARENT_VMAP_H
#define PARENT_VMAP_H
#include <stdint.h>

/* Map pa[0..n) (page-aligned, identity-mapped physical pages) at
 * consecutive virtual pages, read/write, not executable: the first
 * address, or NULL (no room in the window, or no memory for a table). */
void *vmap_pages(const uint64_t *pa, uint32_t n);
/* The physical page behind a page of the window (0 if none). */
uint64_t vmap_pa(const void *va);
/* Unmap n pages from va (as vmap_pages returned), flushing the TLB. */
void vmap_release(void *va, uint32_t n);
/* Pages mapped in the window now (a leak check). */
uint64_t vmap_count(void);
#endif
