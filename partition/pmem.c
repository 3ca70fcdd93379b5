/*
 * Physical pages the parent can give to children: the free RAM hv listed
 * in the boot information, below 4 GiB. The portable frame allocator from
 * lib/frame.c keeps the bitmap.
 */
#include <errno.h>
#include <string.h>
#include "lib/frame.h"
#include "partition/parent.h"
#include "partition/pmem.h"

#define PMEM_PAGES (1ull << 20)   /* 4 GiB */

static uint64_t pmem_bitmap[FRAME_BITMAP_WORDS(PMEM_PAGES)];
static struct frame_alloc pmem;

void pmem_init(void)
{
	frame_init(&pmem, 0, PMEM_PAGES, pmem_bitmap, sizeof(pmem_bitmap) / 8);
	for (uint32_t i = 0; i < parent_boot->mem_count; i++)
		frame_add_free_range(&pmem, parent_boot->mem[i].base, parent_boot->mem[i].length);
}

uint64_t pmem_free_bytes(void)
{
	return frame_count_free(&pmem) * 4096;
}

static int set_add(struct pmem_set *set, uint64_t pa, uint64_t npages)
{
	struct pmem_run *last = set->nruns ? &set->runs[set->nruns - 1] : NULL;

	if (last && last->pa + last->npages * 4096 == pa) {
		last->npages += npages;
	} else {
		if (set->nruns == PMEM_MAX_RUNS)
			return -ENOMEM;
		set->runs[set->nruns++] = (struct pmem_run){ set->bytes, pa, npages };
	}
	set->bytes += npages * 4096;
	return 0;
}

int pmem_alloc(uint64_t bytes, struct pmem_set *set)
{
	uint64_t pa;

	memset(set, 0, sizeof(*set));
	if (bytes > pmem_free_bytes())
		return -ENOMEM;
	/* 2 MiB-aligned chunks first, so the child's EPT can use large pages. */
	while (set->bytes + (2u << 20) <= bytes &&
	       frame_alloc_contig(&pmem, 512, 512, &pa) == 0)
		if (set_add(set, pa, 512))
			goto fail_with_pa_chunk;
	while (set->bytes < bytes) {
		if (frame_alloc_page(&pmem, &pa))
			goto fail;
		if (set_add(set, pa, 1)) {
			frame_free_page(&pmem, pa);
			goto fail;
		}
	}
	return 0;
fail_with_pa_chunk:
	frame_free_range(&pmem, pa, 512);
fail:
	pmem_release(set);
	return -ENOMEM;
}

void pmem_release(struct pmem_set *set)
{
	for (uint32_t i = 0; i < set->nruns; i++)
		frame_free_range(&pmem, set->runs[i].pa, set->runs[i].npages);
	memset(set, 0, sizeof(*set));
}

uint64_t pmem_gpa_to_pa(const struct pmem_set *set, uint64_t gpa, uint64_t *contig)
{
	for (uint32_t i = 0; i < set->nruns; i++) {
		const struct pmem_run *r = &set->runs[i];

		if (gpa >= r->gpa && gpa < r->gpa + r->npages * 4096) {
			*contig = r->gpa + r->npages * 4096 - gpa;
			return r->pa + (gpa - r->gpa);
		}
	}
	*contig = 0;
	return 0;
}
