/*
 * Memory takeover at boot (docs/ARCHITECTURE.md rule 1, one owner per
 * page): hv keeps its image and a pool for its own structures; every
 * other page is the parent's. The firmware map comes from Multiboot2 (tag 6).
 */
#include <errno.h>
#include <string.h>
#include <hv/lib.h>
#include <hv/mm/pool.h>
#include "boot.h"
#include "../core/pages.h"

#define PHYS_PAGES (HV_PHYS_LIMIT / 4096)

static uint64_t phys_bitmap[FRAME_BITMAP_WORDS(PHYS_PAGES)];

static void mem_scan_ram(struct hv_mem *m)
{
	for (uint32_t i = 0; i < m->mbi->mmap_count; i++) {
		const struct mb2_mmap_entry *e = &m->mbi->mmap[i];

		if (e->type != MB2_MEM_AVAILABLE || !e->length)
			continue;
		m->ram_total += e->length;
		if (e->base_addr + e->length > m->ram_top)
			m->ram_top = e->base_addr + e->length;
		frame_add_free_range(&m->phys, e->base_addr, e->length);
	}
}

static void mem_reserve_boot(struct hv_mem *m)
{
	/* Real-mode IVT, BIOS data and option ROMs stay untouched. */
	frame_reserve_range(&m->phys, 0, 1 << 20);
	frame_reserve_range(&m->phys, m->hv_start, m->hv_end - m->hv_start);
	frame_reserve_range(&m->phys, m->info_pa, m->info_len);
	for (uint32_t i = 0; i < m->mbi->module_count; i++) {
		const struct mb2_module *mod = &m->mbi->modules[i];

		frame_reserve_range(&m->phys, mod->start, mod->end - mod->start);
	}
}

static int mem_take_pool(struct hv_mem *m, const char **why)
{
	uint64_t size = HV_POOL_MAX;

	/* Small machines give hv an eighth of RAM, never under 4 MiB. */
	while (size > (4ull << 20) && size > m->ram_total / 8)
		size >>= 1;
	if (frame_alloc_contig(&m->phys, size / 4096, 512, &m->pool_base) &&
	    frame_alloc_contig(&m->phys, size / 4096, 1, &m->pool_base)) {
		*why = "not enough free memory below 4 GiB for hv's pool";
		return -ENOMEM;
	}
	m->pool_size = size;
	if (hv_pool_init(m->pool_base, size)) {
		*why = "cannot set up hv's pool allocator";
		return -EINVAL;
	}
	return 0;
}

int boot_memory_init(struct hv_mem *m, const struct mb2_info *mbi, uint64_t hv_start,
		     uint64_t hv_end, uint64_t info_pa, const char **why)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->mbi = mbi;
	m->hv_start = hv_start;
	m->hv_end = hv_end;
	m->info_pa = info_pa;
	m->info_len = mbi->total_size;
	if (!mbi->mmap_count) {
		*why = "the boot loader passed no memory map (Multiboot2 tag 6)";
		return -EINVAL;
	}
	frame_init(&m->phys, 0, PHYS_PAGES, phys_bitmap, ARRAY_SIZE(phys_bitmap));
	mem_scan_ram(m);
	mem_reserve_boot(m);
	if (frame_count_free(&m->phys) * 4096 < (24ull << 20)) {
		*why = "too little memory: hvpart needs at least 24 MiB of free RAM below 4 GiB";
		return -ENOMEM;
	}
	rc = mem_take_pool(m, why);
	if (rc)
		return rc;
	m->parent_bytes = m->ram_total - (hv_end - hv_start) - m->pool_size;
	/* Ownership: all listed RAM is the parent's but hv's image and pool. */
	for (uint32_t i = 0; i < mbi->mmap_count; i++)
		if (mbi->mmap[i].type == MB2_MEM_AVAILABLE)
			pages_set(mbi->mmap[i].base_addr, mbi->mmap[i].length, PAGE_OWNER_PARENT);
	pages_set(0, 1 << 20, PAGE_OWNER_NONE);
	pages_set(hv_start, hv_end - hv_start, PAGE_OWNER_HV);
	pages_set(m->pool_base, m->pool_size, PAGE_OWNER_HV);
	hv_info("hv: RAM %lu MiB, hv image %lu KiB, hv pool %lu MiB at %#lx",
		m->ram_total >> 20, (hv_end - hv_start) >> 10, m->pool_size >> 20,
		m->pool_base);
	return 0;
}
