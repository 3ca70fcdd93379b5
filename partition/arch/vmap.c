/*
 * The parent's vmap window (vmap.h): one PML4 slot of its own, with page
 * tables from the heap, which is identity-mapped (hv/boot/parent.c), so a
 * table's address is its physical address. Four-level paging structures:
 * SDM Vol. 3A §4.5 (entry bit 0 present, bit 1 writable, bit 63
 * execute-disable with EFER.NXE, which the parent runs with).
 */
#include <malloc.h>
#include <string.h>
#include "partition/arch/vmap.h"

#define VMAP_SLOT   500u
#define VMAP_BASE   (0xffff000000000000ull | ((uint64_t)VMAP_SLOT << 39))
#define VMAP_PAGES  (256u * 1024)          /* 1 GiB */
#define PTE_P       (1ull << 0)
#define PTE_W       (1ull << 1)
#define PTE_NX      (1ull << 63)
#define PTE_ADDR    0x000ffffffffff000ull

static uint64_t used[VMAP_PAGES / 64];
static uint64_t mapped;

static uint64_t *table_of(uint64_t *entry, int create)
{
	void *t;

	if (*entry & PTE_P)
		return (uint64_t *)(uintptr_t)(*entry & PTE_ADDR);
	if (!create)
		return NULL;
	t = memalign(4096, 4096);
	if (!t)
		return NULL;
	memset(t, 0, 4096);
	*entry = (uint64_t)(uintptr_t)t | PTE_P | PTE_W;
	return t;
}

/* The PTE for window page i (tables made on the way when create). */
static uint64_t *pte_of(uint32_t i, int create)
{
	uint64_t cr3, *t;
	uint64_t va = VMAP_BASE + (uint64_t)i * 4096;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	t = (uint64_t *)(uintptr_t)(cr3 & PTE_ADDR);
	for (int shift = 39; shift > 12 && t; shift -= 9)
		t = table_of(&t[(va >> shift) & 511], create);
	return t ? &t[(va >> 12) & 511] : NULL;
}

static int is_used(uint32_t i)
{
	return (used[i / 64] >> (i % 64)) & 1;
}

static void set_used(uint32_t i, int on)
{
	if (on)
		used[i / 64] |= 1ull << (i % 64);
	else
		used[i / 64] &= ~(1ull << (i % 64));
}

/* First fit: the first run of n free window pages, or VMAP_PAGES. */
static uint32_t find_free(uint32_t n)
{
	uint32_t run = 0;

	for (uint32_t i = 0; i < VMAP_PAGES; i++) {
		run = is_used(i) ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return VMAP_PAGES;
}

void *vmap_pages(const uint64_t *pa, uint32_t n)
{
	uint32_t first, k;

	if (!n || n > VMAP_PAGES)
		return NULL;
	first = find_free(n);
	if (first == VMAP_PAGES)
		return NULL;
	for (k = 0; k < n; k++) {
		uint64_t *pte = pte_of(first + k, 1);

		if (!pte || (pa[k] & ~PTE_ADDR))
			break;
		*pte = pa[k] | PTE_P | PTE_W | PTE_NX;
		set_used(first + k, 1);
		mapped++;
	}
	if (k < n) {
		vmap_release((void *)(uintptr_t)(VMAP_BASE + (uint64_t)first * 4096), k);
		return NULL;
	}
	return (void *)(uintptr_t)(VMAP_BASE + (uint64_t)first * 4096);
}

static int window_index(const void *va, uint32_t *i)
{
	uint64_t a = (uint64_t)(uintptr_t)va;

	if (a < VMAP_BASE || a >= VMAP_BASE + (uint64_t)VMAP_PAGES * 4096)
		return -1;
	*i = (uint32_t)((a - VMAP_BASE) >> 12);
	return 0;
}

uint64_t vmap_pa(const void *va)
{
	uint32_t i;
	uint64_t *pte;

	if (window_index(va, &i) || !is_used(i))
		return 0;
	pte = pte_of(i, 0);
	return pte ? *pte & PTE_ADDR : 0;
}

void vmap_release(void *va, uint32_t n)
{
	uint32_t first;

	if (window_index(va, &first))
		return;
	for (uint32_t k = 0; k < n && first + k < VMAP_PAGES; k++) {
		uint64_t *pte = pte_of(first + k, 0);
		uint64_t a = VMAP_BASE + (uint64_t)(first + k) * 4096;

		if (!is_used(first + k))
			continue;
		if (pte)
			*pte = 0;
		__asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
		set_used(first + k, 0);
		mapped--;
	}
}

uint64_t vmap_count(void)
{
	return mapped;
}
