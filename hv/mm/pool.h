/*
 * hv's pool: the pages hv keeps for its own structures (VMCS or VMCB
 * pages, bitmaps, EPT tables). They are never mapped into any partition
 * (docs/ARCHITECTURE.md rule 1: one owner per page).
 */
#ifndef HV_MM_POOL_H
#define HV_MM_POOL_H
#include <stdint.h>
#include <hv/mm/ept.h>

/* Largest pool hv takes (boot/memory.c picks less on small machines). */
#define HV_POOL_MAX (16ull << 20)

/* Hands [base, base + size) to the pool; 0 or -EINVAL. */
int hv_pool_init(uint64_t base, uint64_t size);
/* A zeroed page: 0 and its physical address, or -ENOMEM. */
int hv_pool_alloc(uint64_t *pa);
void hv_pool_free(uint64_t pa);
uint64_t hv_pool_free_bytes(void);

/* EPT for partitions: tables from hv's pool, reached through hv's
 * identity map. */
extern const struct ept_ops hv_ept_ops;
#endif
