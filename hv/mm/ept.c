/*
 * EPT on top of the shared 4-level walker (hv/mm/pagetable.c).
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

#define EPT_OPTS_ALL (EPT_OPT_NO_1G | EPT_OPT_AD | EPT_OPT_EXEC_ONLY | \
		      EPT_OPT_EPTP_UC)

int ept_init_opts(struct ept *ept, const struct ept_ops *ops, void *ctx,
		  unsigned opts)
{
	struct pt_ops po;

	if (!ops || (opts & ~EPT_OPTS_ALL))
		return -EINVAL;
	po.alloc_table = ops->alloc_table;
	po.free_table = ops->free_table;
	po.phys_to_virt = ops->phys_to_virt;
	ept->opts = opts;
	/* 1 GiB EPT leaves need IA32_VMX_EPT_VPID_CAP bit 17 (§29.3.2). */
	return ptwalk_init(&ept->w, &ept_format, &po, ctx,
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
	/* Bits 51:N of an entry are reserved (§29.3.2); N <= 52. */
	if (ept_check_range(gpa, size) || (hpa & (EPT_SIZE_4K - 1)) ||
	    hpa > EPT_ADDR_MASK || size > EPT_ADDR_MASK + EPT_SIZE_4K - hpa ||
	    ept_check_leaf(ept, perms, memtype))
		return -EINVAL;
	return ptwalk_map_range(&ept->w, gpa, hpa, size,
				perms | ((uint64_t)memtype << EPT_MT_SHIFT));
}

int ept_unmap_range(struct ept *ept, uint64_t gpa, uint64_t size)
{
	if (ept_check_range(gpa, size))
		return -EINVAL;
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
	if (perms)
		*perms = e & (EPT_RWX | EPT_IPAT);
	if (memtype)
		*memtype = (unsigned)((e & EPT_MT_MASK) >> EPT_MT_SHIFT);
	if (page_size)
		*page_size = span;
	return 0;
}

void ept_destroy(struct ept *ept)
{
	ptwalk_destroy(&ept->w);
}

/* SDM Vol. 3C §25.6.11: bits 2:0 paging-structure memory type, 5:3 walk
 * length minus one, 6 A/D enable, 51:12 PML4 physical address. */
uint64_t ept_eptp(const struct ept *ept)
{
	uint64_t mt = (ept->opts & EPT_OPT_EPTP_UC) ? EPT_MT_UC : EPT_MT_WB;
	uint64_t ad = (ept->opts & EPT_OPT_AD) ? EPTP_AD_ENABLE : 0;

	return (ept->w.root_pa & EPTP_ADDR_MASK) | EPTP_WALK_4 | ad | mt;
}

uint64_t ept_table_count(const struct ept *ept)
{
	return ept->w.tables;
}
