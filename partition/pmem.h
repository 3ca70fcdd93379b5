/* The parent's pool of physical pages for children (below 4 GiB, which
 * is what hv can hand over). Pages are identity-mapped in the parent. */
#ifndef PARENT_PMEM_H
#define PARENT_PMEM_H
#include <stdint.h>

#define PMEM_MAX_RUNS 64

/* A child's RAM: runs of contiguous host pages, in guest-physical order. */
struct pmem_run {
	uint64_t gpa, pa, npages;
};
struct pmem_set {
	uint32_t nruns;
	uint64_t bytes;
	struct pmem_run runs[PMEM_MAX_RUNS];
};

void pmem_init(void);
uint64_t pmem_free_bytes(void);
/* Allocate bytes (a 4 KiB multiple) as few 2 MiB-aligned runs as possible.
 * -ENOMEM: not enough free memory, or too fragmented (> PMEM_MAX_RUNS). */
int pmem_alloc(uint64_t bytes, struct pmem_set *set);
void pmem_release(struct pmem_set *set);
/* Host address of a guest-physical address inside set; 0 if outside.
 * *contig gets the bytes contiguous from there. */
uint64_t pmem_gpa_to_pa(const struct pmem_set *set, uint64_t gpa, uint64_t *contig);
#endif
