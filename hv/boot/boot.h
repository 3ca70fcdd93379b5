/* hv boot stages: memory takeover and parent loading (hv/boot/). */
#ifndef HV_BOOT_BOOT_H
#define HV_BOOT_BOOT_H
#include <stdint.h>
#include <hv/boot/mb2.h>
#include <lib/frame.h>
#include <hv/vcpu.h>

#define HV_PHYS_LIMIT (1ull << 32)   /* hv's identity map (boot.S) */

struct hv_mem {
	struct frame_alloc phys;     /* RAM below 4 GiB not yet given out */
	uint64_t pool_base, pool_size; /* hv's own pages (hv/mm/pool.c) */
	uint64_t hv_start, hv_end;
	uint64_t info_pa, info_len;
	uint64_t ram_total, ram_top; /* usable RAM, and the end of the highest range */
	uint64_t parent_bytes;
	const struct mb2_info *mbi;
};

struct hv_parent_image {
	uint64_t entry, cr3, boot_info_gpa;
};

int boot_memory_init(struct hv_mem *m, const struct mb2_info *mbi, uint64_t hv_start,
		     uint64_t hv_end, uint64_t info_pa, const char **why);
int boot_load_parent(struct hv_mem *m, const struct mb2_info *mbi, uint64_t boot_tsc,
		     struct hv_parent_image *img, const char **why);
int boot_parent_ept(struct hv_mem *m, struct partition *p);
void boot_parent_vp_state(const struct hv_parent_image *img, struct hvpart_vp_state *s);
#endif
