/* Who owns each physical page below 4 GiB (docs/ARCHITECTURE.md rule 1). */
#ifndef HV_CORE_PAGES_H
#define HV_CORE_PAGES_H
#include <stdint.h>

#define PAGE_OWNER_NONE    0u       /* not RAM, or firmware's */
#define PAGE_OWNER_HV      1u
#define PAGE_OWNER_PARENT  2u
#define PAGE_OWNER_PENDING 0xffffu  /* transient, during a validated transfer */
#define PAGE_OWNER_HELD    0xfffeu  /* a deleted child's page the parent still maps (gpadl.c) */
#define PAGE_OWNER_STASH   0xfffdu  /* the parent's page lent to a capture (capture.c) */
#define PAGE_OWNER_CHILD(id) ((uint16_t)(3u + (id)))
#define PAGES_LIMIT (1ull << 32)

void pages_set(uint64_t pa, uint64_t len, uint16_t owner);
uint16_t pages_owner(uint64_t pa);

/* GPADL pages (hv/core/gpadl.c). At a child's delete: if the parent maps
 * pa, it becomes HELD (not scrubbed, stays mapped) and this says true. */
#include <stdbool.h>
bool gpadl_hold(uint64_t pa);
void gpadl_counts(uint64_t *mapped, uint64_t *held);
/* How many MAP_GPADL_PAGES mappings the parent holds of pa. */
unsigned gpadl_page_refs(uint64_t pa);
#endif
