/*
 * A child's GPADL in the parent (partition/vsp/vsp_gpadl.c): hv maps the
 * pages (HVCALL_HVPART_MAP_GPADL_PAGES, docs/hypercalls.md "GPADL
 * pages"), which checks that each is the child's, and the parent's vmap
 * window shows them as one contiguous buffer. Any VSP's view of a
 * child's shared memory comes from here (vmbus/server's map op).
 */
#ifndef PARENT_VSP_GPADL_H
#define PARENT_VSP_GPADL_H
#include <stdint.h>

/* Map the child's guest pages gpfn[0..n) contiguously: 0 and *va, or
 * -EPERM (hv refused a page: not the child's, named twice, ...),
 * -ENOMEM; nothing stays mapped on failure. */
int vsp_gpadl_map(uint64_t child, const uint64_t *gpfn, uint32_t n, void **va);
/* Release what vsp_gpadl_map gave (hv scrubs a deleted child's pages
 * only now). */
void vsp_gpadl_unmap(void *va, uint32_t n);
/* Low level, for tests: hv's calls on host-physical page lists, in
 * chunks of HVPART_GPADL_PAGES; the TLFS status of the first failure
 * (map undoes the chunks that succeeded). */
uint16_t vsp_gpadl_hv_map(uint64_t child, const uint64_t *gpfn, uint32_t n, uint64_t *pa);
/* Set while a live capture runs (partition/vm_capture.c): hv refused a
 * map of child's pages for want of stash (HV_STATUS_INSUFFICIENT_BUFFERS,
 * docs/hypercalls.md "Memory capture"); it makes room for those pages,
 * 0, and the map is asked again. */
extern int (*vsp_gpadl_room)(uint64_t child, const uint64_t *gpfn, uint32_t n);
uint16_t vsp_gpadl_hv_unmap(const uint64_t *pa, uint32_t n);
#endif
