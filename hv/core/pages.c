/* Page ownership map: one u16 per 4 KiB page below 4 GiB. hv changes an
 * owner only in a validated, all-or-nothing transfer (hv/core/child.c). */
#include "pages.h"

static uint16_t owner_map[PAGES_LIMIT / 4096];

/* Whole pages inside [pa, pa + len) only: a page the firmware lists only
 * in part is nobody's to give away. */
void pages_set(uint64_t pa, uint64_t len, uint16_t owner)
{
	uint64_t end = (pa + len) & ~0xfffull;

	for (uint64_t p = (pa + 0xfff) & ~0xfffull; p < end && p < PAGES_LIMIT; p += 4096)
		owner_map[p >> 12] = owner;
}

uint16_t pages_owner(uint64_t pa)
{
	return pa < PAGES_LIMIT ? owner_map[pa >> 12] : PAGE_OWNER_NONE;
}
