/*
 * 4-level page-table builders.
 *
 * Two users share one walker (struct ptwalk): ordinary IA-32e paging (this
 * header's pt_* API; SDM Vol. 3A §4.5 "4-Level Paging and 5-Level
 * Paging") and EPT (hv/mm/ept.h; SDM Vol. 3C §29.3). Both formats have four
 * levels of 512 eight-byte entries, a page-size bit 7 in the PDPTE/PDE and
 * the address in bits 51:12, so the walker is parameterised only by which
 * bits mean "present", which bits a table entry carries, and which
 * attribute bits a leaf may carry.
 *
 * Tables are reached through ops->phys_to_virt only; nothing assumes an
 * identity map. Callers own TLB/EPT invalidation (INVLPG, INVEPT) after
 * changing live tables.
 */
#ifndef HV_MM_PAGETABLE_H
#define HV_MM_PAGETABLE_H

#include <stdint.h>

/* One page-table entry / one table: SDM Vol. 3A §4.5, Tables 4-15..4-20. */
typedef uint64_t pt_entry_t;
_Static_assert(sizeof(pt_entry_t) == 8, "pt_entry_t size");
#define PT_ENTRIES 512
struct pt_table {
	pt_entry_t e[PT_ENTRIES];
};
_Static_assert(sizeof(struct pt_table) == 4096, "pt_table size");

/* IA-32e entry bits (SDM Vol. 3A §4.5.4, Tables 4-15..4-20). */
#define PT_P    (1ull << 0)   /* present */
#define PT_RW   (1ull << 1)   /* writable */
#define PT_US   (1ull << 2)   /* user */
#define PT_PWT  (1ull << 3)   /* page-level write-through */
#define PT_PCD  (1ull << 4)   /* page-level cache disable */
#define PT_A    (1ull << 5)   /* accessed */
#define PT_D    (1ull << 6)   /* dirty (leaf only) */
#define PT_PS   (1ull << 7)   /* page size: 1 GiB PDPTE / 2 MiB PDE */
#define PT_G    (1ull << 8)   /* global (leaf only) */
#define PT_NX   (1ull << 63)  /* execute-disable (needs IA32_EFER.NXE) */
#define PT_ADDR_MASK 0x000FFFFFFFFFF000ull   /* bits 51:12 */
/* Flags pt_map_range accepts. PAT (bit 7 in a PTE, bit 12 in a large
 * leaf) is deliberately not supported: it moves between page sizes. */
#define PT_MAP_FLAGS (PT_P | PT_RW | PT_US | PT_PWT | PT_PCD | PT_A | PT_D | \
		      PT_G | PT_NX)

#define PT_SIZE_4K (1ull << 12)
#define PT_SIZE_2M (1ull << 21)
#define PT_SIZE_1G (1ull << 30)

/* Memory for tables; shared by the EPT builder. */
struct pt_ops {
	/* A zeroed, 4 KiB-aligned 4 KiB page; *pa gets its physical address.
	 * Returns its virtual address, or NULL when out of memory. */
	void *(*alloc_table)(void *ctx, uint64_t *pa);
	void (*free_table)(void *ctx, uint64_t pa);
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
};

/* ---- Generic 4-level walker (used by pt_* and ept_*) ---- */

struct ptwalk_format {
	uint64_t present;     /* entry is present if any of these bits is set */
	uint64_t table_bits;  /* what a non-leaf entry carries besides the PA */
	uint64_t leaf_attrs;  /* attribute bits a leaf may carry (no PS, no PA) */
	uint64_t large;       /* page-size bit in PDPTE/PDE */
};

struct ptwalk {
	const struct ptwalk_format *fmt;
	struct pt_ops ops;
	void *ctx;
	uint64_t root_pa;
	uint64_t tables;      /* tables currently allocated, root included */
	unsigned max_leaf;    /* highest level with leaves: 3 (1 GiB) or 2 */
};

/* Levels: 4 = PML4 (512 GiB per entry), 3 = PDPT (1 GiB), 2 = PD (2 MiB),
 * 1 = PT (4 KiB). Input addresses are 48-bit; sizes and addresses 4 KiB
 * aligned; the wrappers check ranges. */
int ptwalk_init(struct ptwalk *w, const struct ptwalk_format *fmt,
		const struct pt_ops *ops, void *ctx, unsigned max_leaf);
int ptwalk_map_range(struct ptwalk *w, uint64_t va, uint64_t pa,
		     uint64_t size, uint64_t attrs);
int ptwalk_unmap_range(struct ptwalk *w, uint64_t va, uint64_t size);
/* Leaf entry and its level for va; -ENOENT if not mapped. */
int ptwalk_lookup_entry(const struct ptwalk *w, uint64_t va,
			uint64_t *entry, unsigned *level);
void ptwalk_destroy(struct ptwalk *w);
/* Access rights by level (hv/core/capture.c). bits: table-entry bits
 * (format's table_bits), which every level ANDs.
 * restrict_range: bits cleared for [va, va + size) with as few stores as
 *   the tables allow (an entry wholly inside at its own level; a large
 *   leaf at an edge split). -EINVAL, -ENOMEM (a split).
 * grant_range: bits set in every present entry over the range, tables
 *   and leaves alike (undoes restrict_range and every grant_page).
 * grant_page: the 4 KiB page at va gets bits along its whole walk; a
 *   table entry without them passes the restriction to its entries first
 *   (so its other pages stay restricted); a large leaf is split.
 *   -ENOENT not mapped, -ENOMEM.
 * lookup_rights: *rights = mask ANDed with every entry of va's walk.
 *   -ENOENT not mapped. */
int ptwalk_restrict_range(struct ptwalk *w, uint64_t va, uint64_t size, uint64_t bits);
int ptwalk_grant_range(struct ptwalk *w, uint64_t va, uint64_t size, uint64_t bits);
int ptwalk_grant_page(struct ptwalk *w, uint64_t va, uint64_t bits);
int ptwalk_lookup_rights(const struct ptwalk *w, uint64_t va, uint64_t mask, uint64_t *rights);

/* ---- IA-32e paging ---- */

#define PT_OPT_NO_1G 1u    /* CPU lacks 1 GiB pages (CPUID 80000001h EDX[26]) */

struct pt {
	struct ptwalk w;
};

/* Allocates the PML4. -ENOMEM, -EINVAL (unknown opts). */
int pt_init(struct pt *pt, const struct pt_ops *ops, void *ctx, unsigned opts);

/*
 * Map [va, va + size) to [pa, pa + size) with flags (subset of
 * PT_MAP_FLAGS; PT_P is implied), using 1 GiB and 2 MiB pages wherever
 * alignment and size allow; existing mappings in the range are replaced
 * (large pages split as needed). va must be canonical and the range must
 * not cross the non-canonical hole. -EINVAL for bad arguments; -ENOMEM if
 * a table could not be allocated, in which case part of the range may be
 * mapped (unmap it to recover).
 */
int pt_map_range(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
		 uint64_t flags);

/* Unmap [va, va + size), splitting large pages that straddle the ends and
 * freeing tables that become empty. -ENOMEM only when a split fails. */
int pt_unmap_range(struct pt *pt, uint64_t va, uint64_t size);

/* Translate va: *pa (with va's page offset), *flags (leaf flags without PS
 * and address), *page_size. -ENOENT if not mapped, -EINVAL non-canonical. */
int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa,
	      uint64_t *flags, uint64_t *page_size);

/* Free every table, the PML4 included. */
void pt_destroy(struct pt *pt);

/* CR3 value (SDM Vol. 3A §4.5.2): PML4 address, PWT = PCD = 0, no PCID. */
uint64_t pt_cr3(const struct pt *pt);

/* Tables currently allocated (PML4 included). */
uint64_t pt_table_count(const struct pt *pt);

#endif /* HV_MM_PAGETABLE_H */
