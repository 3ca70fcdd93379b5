/*
 * EPT and AMD NPT on top of the shared 4-level walker (hv/mm/pagetable.c).
 */
#include "hv/mm/ept.h"

#include <errno.h>

/*
 * SDM Vol. 3C §29.3.2: an entry is present if any of bits 2:0 is set.
 * Non-leaf entries get R|W|X: access rights are the AND along the walk, so
 * the leaf decides, and bits 7:3 of a non-leaf entry are reserved (zero).
 * Leaves carry RWX, memory type (5:3), ignore-PAT (6) and, once the CPU
 * sets them, accessed/dirty (8, 9).
 */
static const struct ptwalk_format ept_format = {
	.present = EPT_RWX,
	.table_bits = EPT_RWX,
	.leaf_attrs = EPT_RWX | EPT_MT_MASK | EPT_IPAT | EPT_ACCESSED |
		      EPT_DIRTY,
	.large = EPT_LARGE,
};

/*
 * AMD NPT: long-mode entries (APM Vol. 2 §5.3.3, Figures 5-17..5-23).
 * Every access the nested walk checks is a user access, and a walk of the
 * guest's own page tables a user write (APM Vol. 2 §15.25.5), so every
 * table entry carries P|RW|US and the leaf alone restricts. A leaf is
 * P|US, RW when writable, NX when not executable, and PWT/PCD selecting
 * the host PAT entry of its memory type (npt_pat_bits).
 */
static const struct ptwalk_format npt_format = {
	.present = PT_P,
	.table_bits = PT_P | PT_RW | PT_US,
	.leaf_attrs = PT_P | PT_RW | PT_US | PT_PWT | PT_PCD | PT_A | PT_D |
		      PT_NX,
	.large = PT_PS,
};

#define EPT_OPTS_ALL (EPT_OPT_NO_1G | EPT_OPT_AD | EPT_OPT_EXEC_ONLY | \
		      EPT_OPT_EPTP_UC | EPT_OPT_NPT)
#define NPT_OPTS_BAD (EPT_OPT_AD | EPT_OPT_EXEC_ONLY | EPT_OPT_EPTP_UC)

/* Host PAT at its reset value (APM Vol. 2 §7.8.2, Table 7-10): entry 0
 * WB, 1 WT, 3 UC; PAT index = PAT:PCD:PWT. WC and WP have no entry. */
static int npt_pat_bits(unsigned memtype, uint64_t *bits)
{
	switch (memtype) {
	case EPT_MT_WB: *bits = 0; return 0;
	case EPT_MT_WT: *bits = PT_PWT; return 0;
	case EPT_MT_UC: *bits = PT_PWT | PT_PCD; return 0;
	default: return -EINVAL;
	}
}

static unsigned npt_memtype(uint64_t e)
{
	switch (e & (PT_PWT | PT_PCD)) {
	case 0: return EPT_MT_WB;
	case PT_PWT: return EPT_MT_WT;
	default: return EPT_MT_UC;      /* PCD alone (UC-) is never built */
	}
}

/* EPT_R/W/X and a memory type as an NPT leaf's attributes. */
static int npt_attrs(uint64_t perms, unsigned memtype, uint64_t *attrs)
{
	uint64_t pat;

	if ((perms & ~EPT_RWX) || !(perms & EPT_R) || npt_pat_bits(memtype, &pat))
		return -EINVAL;
	*attrs = PT_P | PT_US | pat | ((perms & EPT_W) ? PT_RW : 0) |
		 ((perms & EPT_X) ? 0 : PT_NX);
	return 0;
}

int ept_init_opts(struct ept *ept, const struct ept_ops *ops, void *ctx,
		  unsigned opts)
{
	struct pt_ops po;

	if (!ops || (opts & ~EPT_OPTS_ALL) ||
	    ((opts & EPT_OPT_NPT) && (opts & NPT_OPTS_BAD)))
		return -EINVAL;
	po.alloc_table = ops->alloc_table;
	po.free_table = ops->free_table;
	po.phys_to_virt = ops->phys_to_virt;
	ept->opts = opts;
	ept->gen++;
	/* 1 GiB EPT leaves need IA32_VMX_EPT_VPID_CAP bit 17 (§29.3.2);
	 * 1 GiB NPT leaves, CPUID 8000_0001h EDX[26] (APM Vol. 2 §5.3.5). */
	return ptwalk_init(&ept->w,
			   (opts & EPT_OPT_NPT) ? &npt_format : &ept_format,
			   &po, ctx,
			   (opts & EPT_OPT_NO_1G) ? 2 : 3);
}

int ept_init(struct ept *ept, const struct ept_ops *ops, void *ctx)
{
	return ept_init_opts(ept, ops, ctx, 0);
}

/* Leaf settings that would be an EPT misconfiguration (§29.3.3.1). */
static int ept_check_leaf(const struct ept *ept, uint64_t perms,
			  unsigned memtype)
{
	if (perms & ~(EPT_RWX | EPT_IPAT) || !(perms & EPT_RWX))
		return -EINVAL;
	if ((perms & EPT_W) && !(perms & EPT_R))
		return -EINVAL;         /* write-only / write+execute */
	if ((perms & EPT_RWX) == EPT_X && !(ept->opts & EPT_OPT_EXEC_ONLY))
		return -EINVAL;         /* execute-only needs the capability */
	if (memtype == 2 || memtype == 3 || memtype > 6)
		return -EINVAL;         /* reserved memory types */
	return 0;
}

static int ept_check_range(uint64_t gpa, uint64_t size)
{
	if (size == 0 || ((gpa | size) & (EPT_SIZE_4K - 1)) ||
	    gpa >= EPT_GPA_LIMIT || size > EPT_GPA_LIMIT - gpa)
		return -EINVAL;
	return 0;
}

int ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size,
		  uint64_t perms, unsigned memtype)
{
	uint64_t attrs = perms | ((uint64_t)memtype << EPT_MT_SHIFT);

	/* Bits 51:N of an entry are reserved (§29.3.2, APM Vol. 2 §5.3.3);
	 * N <= 52. */
	if (ept_check_range(gpa, size) || (hpa & (EPT_SIZE_4K - 1)) ||
	    hpa > EPT_ADDR_MASK || size > EPT_ADDR_MASK + EPT_SIZE_4K - hpa)
		return -EINVAL;
	if (ept->opts & EPT_OPT_NPT) {
		if (npt_attrs(perms, memtype, &attrs))
			return -EINVAL;
	} else if (ept_check_leaf(ept, perms, memtype)) {
		return -EINVAL;
	}
	ept->gen++;   /* also when it fails half way: some entries may have changed */
	return ptwalk_map_range(&ept->w, gpa, hpa, size, attrs);
}

int ept_unmap_range(struct ept *ept, uint64_t gpa, uint64_t size)
{
	if (ept_check_range(gpa, size))
		return -EINVAL;
	ept->gen++;
	return ptwalk_unmap_range(&ept->w, gpa, size);
}

int ept_lookup(const struct ept *ept, uint64_t gpa, uint64_t *hpa,
	       uint64_t *perms, unsigned *memtype, uint64_t *page_size)
{
	uint64_t e, span;
	unsigned level;
	int rc;

	if (gpa >= EPT_GPA_LIMIT)
		return -EINVAL;
	rc = ptwalk_lookup_entry(&ept->w, gpa, &e, &level);
	if (rc)
		return rc;
	span = 1ull << (12 + 9 * (level - 1));
	if (hpa)
		*hpa = (e & EPT_ADDR_MASK & ~(span - 1)) | (gpa & (span - 1));
	if (ept->opts & EPT_OPT_NPT) {
		/* Present means readable (APM Vol. 2 §5.6). */
		if (perms)
			*perms = EPT_R | ((e & PT_RW) ? EPT_W : 0) |
				 ((e & PT_NX) ? 0 : EPT_X);
		if (memtype)
			*memtype = npt_memtype(e);
	} else {
		if (perms)
			*perms = e & (EPT_RWX | EPT_IPAT);
		if (memtype)
			*memtype = (unsigned)((e & EPT_MT_MASK) >> EPT_MT_SHIFT);
	}
	if (page_size)
		*page_size = span;
	return 0;
}

/* The write right in either format: EPT's W (bit 1, SDM Vol. 3C
 * Table 29-1..29-6) and long mode's R/W (bit 1, APM Vol. 2 §5.4.1). */
static uint64_t write_bit(const struct ept *ept)
{
	return (ept->opts & EPT_OPT_NPT) ? PT_RW : EPT_W;
}

int ept_write_protect(struct ept *ept, uint64_t gpa, uint64_t size)
{
	int rc = ept_check_range(gpa, size);

	ept->gen++;
	return rc ? rc : ptwalk_restrict_range(&ept->w, gpa, size, write_bit(ept));
}

int ept_write_allow(struct ept *ept, uint64_t gpa, uint64_t size)
{
	int rc = ept_check_range(gpa, size);

	ept->gen++;
	return rc ? rc : ptwalk_grant_range(&ept->w, gpa, size, write_bit(ept));
}

int ept_write_allow_page(struct ept *ept, uint64_t gpa)
{
	ept->gen++;
	return gpa >= EPT_GPA_LIMIT ? -EINVAL : ptwalk_grant_page(&ept->w, gpa & ~0xfffull, write_bit(ept));
}

bool ept_writable(const struct ept *ept, uint64_t gpa)
{
	uint64_t r = 0;

	return gpa < EPT_GPA_LIMIT && !ptwalk_lookup_rights(&ept->w, gpa, write_bit(ept), &r) && r;
}

void ept_destroy(struct ept *ept)
{
	ept->gen++;
	ptwalk_destroy(&ept->w);
}

/* SDM Vol. 3C §25.6.11: bits 2:0 paging-structure memory type, 5:3 walk
 * length minus one, 6 A/D enable, 51:12 PML4 physical address. */
uint64_t ept_eptp(const struct ept *ept)
{
	if (ept->opts & EPT_OPT_NPT)
		return ept->w.root_pa & PT_ADDR_MASK;   /* N_CR3 */

	uint64_t mt = (ept->opts & EPT_OPT_EPTP_UC) ? EPT_MT_UC : EPT_MT_WB;
	uint64_t ad = (ept->opts & EPT_OPT_AD) ? EPTP_AD_ENABLE : 0;

	return (ept->w.root_pa & EPTP_ADDR_MASK) | EPTP_WALK_4 | ad | mt;
}

uint64_t ept_table_count(const struct ept *ept)
{
	return ept->w.tables;
}
