/*
 * Second-level page-table builder in two formats behind one API:
 *  - Intel EPT: 4-level extended page tables (SDM Vol. 3C §29.3 "The
 *    Extended Page Table Mechanism (EPT)"), the default;
 *  - AMD NPT (EPT_OPT_NPT): nested page tables, which are ordinary
 *    long-mode page tables (AMD APM Vol. 2 §15.25.5 "Nested Table Walk",
 *    §5.3 "Long-Mode Page Translation").
 * Callers speak EPT's terms either way (EPT_R/W/X, EPT_MT_*), so the
 * generic code in hv/core/ needs no vendor test; the NPT flavour
 * translates them (see npt_attrs in ept.c). Both are built with the shared
 * walker in hv/mm/pagetable.h. Tables come from ops (caller memory) and
 * are reached through ops->phys_to_virt. The caller flushes cached
 * translations (INVEPT, or an SVM TLB flush) after changing the tables of
 * a running guest.
 */
#ifndef HV_MM_EPT_H
#define HV_MM_EPT_H

#include <stdint.h>

#include "hv/mm/pagetable.h"

/* One EPT paging-structure entry (SDM Vol. 3C §29.3.2, Tables 29-1..29-6)
 * and the EPTP VMCS field (SDM Vol. 3C §25.6.11), both 64-bit. */
typedef uint64_t ept_entry_t;
_Static_assert(sizeof(ept_entry_t) == 8, "ept_entry_t size");
typedef uint64_t ept_eptp_t;
_Static_assert(sizeof(ept_eptp_t) == 8, "ept_eptp_t size");

/* Entry bits. An entry is present if any of bits 2:0 is set. */
#define EPT_R        (1ull << 0)   /* read */
#define EPT_W        (1ull << 1)   /* write */
#define EPT_X        (1ull << 2)   /* execute (supervisor, with MBEC) */
#define EPT_RWX      (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT 3             /* bits 5:3, leaf only */
#define EPT_MT_MASK  (7ull << EPT_MT_SHIFT)
#define EPT_IPAT     (1ull << 6)   /* ignore guest PAT, leaf only */
#define EPT_LARGE    (1ull << 7)   /* 1 GiB PDPTE / 2 MiB PDE leaf */
#define EPT_ACCESSED (1ull << 8)   /* set by the CPU when EPTP[6] = 1 */
#define EPT_DIRTY    (1ull << 9)   /* leaf only, likewise */
#define EPT_ADDR_MASK 0x000FFFFFFFFFF000ull   /* bits 51:12 */

/* EPT memory types (SDM Vol. 3C §29.3.7); 2, 3 and 7 are reserved and
 * cause an EPT misconfiguration in a leaf (§29.3.3.1). */
#define EPT_MT_UC 0u
#define EPT_MT_WC 1u
#define EPT_MT_WT 4u
#define EPT_MT_WP 5u
#define EPT_MT_WB 6u

/* EPTP fields (SDM Vol. 3C §25.6.11). */
#define EPTP_MT_MASK      7ull          /* bits 2:0: UC (0) or WB (6) */
#define EPTP_WALK_SHIFT   3             /* bits 5:3: walk length - 1 */
#define EPTP_WALK_4       (3ull << EPTP_WALK_SHIFT)
#define EPTP_AD_ENABLE    (1ull << 6)
#define EPTP_ADDR_MASK    0x000FFFFFFFFFF000ull

#define EPT_SIZE_4K (1ull << 12)
#define EPT_SIZE_2M (1ull << 21)
#define EPT_SIZE_1G (1ull << 30)
#define EPT_GPA_LIMIT (1ull << 48)  /* 4-level EPT translates 48 bits */

/* Options for ept_init_opts. */
#define EPT_OPT_NO_1G     1u  /* IA32_VMX_EPT_VPID_CAP[17] clear */
#define EPT_OPT_AD        2u  /* set EPTP[6] (IA32_VMX_EPT_VPID_CAP[21]) */
#define EPT_OPT_EXEC_ONLY 4u  /* allow X without R (IA32_VMX_EPT_VPID_CAP[0]) */
#define EPT_OPT_EPTP_UC   8u  /* paging-structure memory type UC, not WB */
/* AMD nested page tables instead of EPT (APM Vol. 2 §15.25). Only WB, WT
 * and UC memory types (the host PAT's power-on entries 0, 1 and 3, APM
 * Vol. 2 §7.8.2: hv leaves IA32_PAT at its reset value); no IPAT (the guest
 * PAT always combines, §15.25.8); every leaf is readable, so R is required
 * and there is no execute-only; no X is the NX bit, which hv's EFER.NXE
 * makes valid (the SVM backend sets it). Incompatible with AD and
 * EXEC_ONLY. */
#define EPT_OPT_NPT      16u

struct ept_ops {
	/* A zeroed 4 KiB page; *pa gets its physical address. NULL: no memory. */
	void *(*alloc_table)(void *ctx, uint64_t *pa);
	void (*free_table)(void *ctx, uint64_t pa);
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
};

struct ept {
	struct ptwalk w;
	unsigned opts;
	/* Changes with every map, unmap and destroy: a translation a caller
	 * cached (hv/core/partition.c, partition_gpa_ptr) is good only while
	 * gen is what it was at the lookup. */
	uint64_t gen;
};

/* Allocates the PML4. -ENOMEM; -EINVAL for bad ops or options. */
int ept_init(struct ept *ept, const struct ept_ops *ops, void *ctx);
int ept_init_opts(struct ept *ept, const struct ept_ops *ops, void *ctx,
		  unsigned opts);

/*
 * Map guest-physical [gpa, gpa + size) to host-physical [hpa, hpa + size)
 * with perms (EPT_R/W/X, optionally EPT_IPAT) and memtype (EPT_MT_*), using
 * 1 GiB and 2 MiB pages where alignment and size allow. Existing mappings
 * in the range are replaced; a large page only partly covered is split.
 * -EINVAL: unaligned, empty, beyond 2^48 (gpa) / 2^52 (hpa), perms 0,
 * write without read (an EPT misconfiguration, §29.3.3.1), execute-only
 * without EPT_OPT_EXEC_ONLY, or a reserved memtype. -ENOMEM: a table could
 * not be allocated; part of the range may then be mapped.
 */
int ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size,
		  uint64_t perms, unsigned memtype);

/* Unmap [gpa, gpa + size): splits large pages at the edges, frees tables
 * that become empty. -EINVAL bad range; -ENOMEM if a split failed. */
int ept_unmap_range(struct ept *ept, uint64_t gpa, uint64_t size);

/* Translate gpa. Any out pointer may be NULL. *perms gets R/W/X/IPAT bits.
 * -ENOENT not mapped; -EINVAL gpa beyond 2^48. */
int ept_lookup(const struct ept *ept, uint64_t gpa, uint64_t *hpa,
	       uint64_t *perms, unsigned *memtype, uint64_t *page_size);

/* Write protection by level, for a live memory capture
 * (hv/core/capture.c): write_protect takes the write right from
 * [gpa, gpa + size) in as few entries as the tables allow (a table entry
 * covers everything below it); write_allow gives it back to every entry
 * over the range; write_allow_page gives it to one 4 KiB page, the rest
 * staying protected (large pages split: -ENOMEM); ept_writable says
 * whether a write to gpa would pass every level. ept_lookup's perms are
 * the leaf's alone. -EINVAL bad range; -ENOENT (allow_page) not mapped. */
#include <stdbool.h>
int ept_write_protect(struct ept *ept, uint64_t gpa, uint64_t size);
int ept_write_allow(struct ept *ept, uint64_t gpa, uint64_t size);
int ept_write_allow_page(struct ept *ept, uint64_t gpa);
bool ept_writable(const struct ept *ept, uint64_t gpa);

/* Free every table (the PML4 included); the ept must be re-inited to reuse. */
void ept_destroy(struct ept *ept);

/* EPTP for the VMCS: WB (or UC) | walk length 4 | optional A/D | PML4.
 * With EPT_OPT_NPT: the VMCB's N_CR3 (APM Vol. 2 §15.25.4; a CR3 value:
 * the PML4's address, PWT = PCD = 0, i.e. table walks WB). */
uint64_t ept_eptp(const struct ept *ept);

/* Tables currently allocated, PML4 included (4 KiB each). */
uint64_t ept_table_count(const struct ept *ept);

#endif /* HV_MM_EPT_H */
