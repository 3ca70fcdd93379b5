/*
 * Helpers shared by the child boot-protocol loaders (Multiboot now, the
 * Linux boot protocol next): error text, guest-range checks, the child's
 * memory map, module placement, boot-information writing, image loading
 * (ELF program headers, raw address ranges) and the flat 32-bit vCPU state.
 */
#ifndef PARTITION_LOADER_LDR_COMMON_H
#define PARTITION_LOADER_LDR_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "partition/loader/multiboot.h"

#define LDR_PAGE 0x1000u
#define LDR_INFO_BASE 0x9000u     /* boot information: first choice */
#define LDR_LOW_END 0x9fc00u      /* end of low RAM (EBDA and up reserved) */
#define LDR_HIGH_BASE 0x100000u   /* 1 MiB */
#define LDR_MAX_SEGS 64           /* PT_LOAD segments per kernel */
#define LDR_MAX_PHNUM 512         /* program headers examined */

/* A memory-map range (Multiboot type 1 available, 2 reserved; e820 alike). */
struct ldr_range { uint64_t base, len; uint32_t type; };
#define LDR_MMAP_MAX 3

/* Result of loading a kernel image. */
struct ldr_image {
	uint64_t entry;           /* physical entry point */
	uint64_t lo, hi;          /* lowest loaded GPA, one past the highest */
	int nsegs;
	uint64_t seg_lo[LDR_MAX_SEGS], seg_hi[LDR_MAX_SEGS];
};

/* Address fields of the Multiboot a.out kludge / Multiboot2 address tag. */
struct ldr_raw_addrs {
	uint64_t hdr_off;         /* file offset of the Multiboot header */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
};

/* A placed module (GPA range [start, end)). */
struct ldr_placed { uint64_t start, end; };

/* Guest RAM the loader has filled so far: the kernel's segments and the
 * modules placed until now. */
struct ldr_taken {
	const struct ldr_image *img;
	const struct ldr_placed *mods;
	int nmods;
};

/* Writes boot information sequentially into [cur, end) of guest memory. */
struct ldr_info_writer {
	const struct ldr_gmem *mem;
	uint64_t cur, end;
	int err;
};

int ldr_fail(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *ldr_name(const struct ldr_file *f);
void ldr_size_text(uint64_t bytes, char *buf, size_t len);
int ldr_range_check(const struct ldr_gmem *mem, uint64_t gpa, uint64_t len);
int ldr_mmap_build(const struct ldr_gmem *mem, struct ldr_range *out);
uint64_t ldr_align_up(uint64_t v, uint64_t a);

int ldr_image_load_elf(const struct ldr_gmem *mem, const struct ldr_file *kernel,
		       struct ldr_image *img, char *why, size_t whylen);
int ldr_image_load_raw(const struct ldr_gmem *mem, const struct ldr_file *kernel,
		       const struct ldr_raw_addrs *ra, struct ldr_image *img,
		       char *why, size_t whylen);
int ldr_find_free(const struct ldr_gmem *mem, const struct ldr_taken *t,
		  uint64_t from, uint64_t len, uint64_t *out);
int ldr_modules_place(const struct ldr_gmem *mem, const struct ldr_file *mods,
		      int nmods, const struct ldr_image *img,
		      struct ldr_placed *out, char *why, size_t whylen);

void ldr_iw_init(struct ldr_info_writer *w, const struct ldr_gmem *mem,
		 uint64_t base, uint64_t end);
uint64_t ldr_iw_put(struct ldr_info_writer *w, const void *src, size_t len,
		    uint64_t align);
int ldr_iw_patch(struct ldr_info_writer *w, uint64_t gpa, const void *src,
		 size_t len);

void ldr_vp_flat32(struct ldr_vp_state *vp, uint32_t entry);

#endif
