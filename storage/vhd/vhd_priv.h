/* Internals shared by the storage/vhd/ source files. */
#ifndef STORAGE_VHD_PRIV_H
#define STORAGE_VHD_PRIV_H

#include <stdarg.h>
#include "storage/vhd/vhd.h"

#define VHD_PATH_MAX 1024
#define VHD_BM_CACHE_MAX 65536u   /* cached block bitmaps before we drop */
#define VHD_MAX_BLOCKS (16u << 20)  /* keeps the BAT in memory sane */
/* Lower reads merged across present runs up to this size (vhd_io.c). */
#define VHD_MERGE_GAP (32u << 10)
/* Extents of one batched read sent to the host at once (vhd_batch.c). */
#define VHD_BATCH_MAX 64u
/* A batched read's parent extent spans a child's present runs up to this
 * size, which the child's extents then overwrite (vhd_batch.c): copying
 * 8 KiB twice costs about what one more extent costs the host's page
 * cache (docs/benchmarks.md, "Libraries (host)"). */
#define VHD_OVERLAP_GAP (8u << 10)
#define VHD_DATA_ALIGN (64u << 10)  /* new blocks' data: most alignment */
#define VHD_DIRTY_BITMAP 1u
#define VHD_DIRTY_BAT    2u
/* vhd_open_at_depth: this image only, not its parent (a live merge's
 * writable handle of base, which only ever writes whole sectors). */
#define VHD_OPEN_ALONE   (1u << 8)

struct vhd {
	const struct fio_ops *ops;
	void *fh;
	char *path;
	int writable;
	struct vhd_footer ft;
	struct vhd_dyn_header hd;
	int type;
	uint64_t size;          /* current size: authoritative */
	uint64_t file_size;
	uint64_t bat_off;
	uint32_t max_entries;
	uint32_t nblocks;       /* ceil(size / block_size), <= max_entries */
	uint32_t *bat;          /* host order, max_entries entries */
	uint32_t block_size;
	uint32_t spb;           /* sectors per block */
	uint32_t bitmap_bytes;  /* bitmap size on disk, sector-rounded */
	uint64_t alloc_pos;     /* byte offset of the end footer: next block */
	uint8_t **bm;           /* cached bitmaps, NULL when not loaded */
	uint32_t bm_cached;
	/* Metadata written back at the next vhd_flush (see vhd_io.c). */
	uint8_t *dirty;         /* per block: VHD_DIRTY_* flags */
	uint32_t *dirty_list;   /* blocks with a flag set */
	uint32_t ndirty;
	uint32_t allocated;
	struct vhd *parent;
	/* While opening: a live merge's record in its switch phase, whose
	 * header (and locator data) stand for the file's own (vhd_live.c). */
	struct vhd_live_rec *pending;
	struct fio_read *batch; /* 2 * VHD_BATCH_MAX, made at the first batch */
	int used_copy;
	char err[VHD_ERR_LEN];
	char warn[VHD_ERR_LEN];  /* logged only if the open succeeds */
};

/* vhd_format.c */
void vhd_set_err(char *dst, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vhd_footer_check(const struct vhd_footer *f, uint64_t file_size,
		     char *why);
int vhd_header_check(const struct vhd_dyn_header *h, char *why);
void vhd_footer_seal(struct vhd_footer *f);
void vhd_header_seal(struct vhd_dyn_header *h);
size_t vhd_utf16_decode(const uint8_t *src, size_t bytes, int big_endian,
			char *dst, size_t dst_len);
size_t vhd_utf16_encode(const char *src, int big_endian, uint8_t *dst,
			size_t dst_bytes);
int vhd_utf16_detect_le(const uint8_t *name, size_t bytes);
void vhd_path_get_dir(const char *path, char *dst, size_t dst_len);
int vhd_path_join(const char *dir, const char *rel, char *dst,
		  size_t dst_len);
void vhd_path_make_relative(const char *from_file, const char *to_file, char *dst,
		       size_t dst_len);
void vhd_path_to_windows(const char *src, char *dst, size_t dst_len);
void vhd_path_from_windows(const char *src, char *dst, size_t dst_len);

/* vhd_io.c */
int vhd_bitmap_get(struct vhd *v, uint32_t blk, uint8_t **bm);
void vhd_bitmap_drop_all(struct vhd *v, int clean_only);
uint32_t vhd_bitmap_count_run(const uint8_t *bm, uint32_t s, uint32_t end);
int vhd_bitmap_next_run(const uint8_t *bm, uint64_t pos, uint64_t stop,
			uint32_t end_sector, uint64_t *run_end);
int vhd_read_raw(struct vhd *v, void *buf, size_t len, uint64_t off);
int vhd_write_raw(struct vhd *v, const void *buf, size_t len, uint64_t off);
/* vhd_write of n bytes at off (sector-aligned, inside one block) taken
 * from another file of the same table by ops->copy (vhd_io.c). */
int vhd_copy_in(struct vhd *v, void *src_fh, uint64_t src_off, uint32_t n,
		uint64_t off);

/* vhd_batch.c */
int vhd_read_batched(struct vhd *v, void *buf, size_t len, uint64_t off);

/* vhd_open.c */
int vhd_open_at_depth(const struct fio_ops *ops, const char *path,
		   unsigned flags, int depth, struct vhd **out, char *why);
int vhd_repair_footer(struct vhd *v);
int vhd_reload(struct vhd *v, char *why);

/* vhd_create.c */
int vhd_locator_put(struct vhd_dyn_header *h, int i, const char *code,
		    const char *path, uint8_t *area, uint32_t area_bytes,
		    uint64_t area_off);
void vhd_parent_name_put(struct vhd_dyn_header *h, const char *parent);

/* vhd_merge.c */
int vhd_merge_copy_block(struct vhd *src, struct vhd *dst, uint32_t blk,
			 uint8_t *buf, char *why);

/* vhd_live_rec.c */
int vhd_live_rec_path(const char *child, char *dst, size_t len);
int vhd_live_rec_load(const struct fio_ops *ops, const char *child,
		      struct vhd_live_rec *r);
int vhd_live_rec_save(const struct fio_ops *ops, const char *child,
		      struct vhd_live_rec *r);

/* Spec: block size is a power of two (default 2 MiB); we accept
 * 512 B .. 256 MiB so that bitmaps stay small. */
static inline int vhd_block_size_ok(uint32_t bs)
{
	return bs >= VHD_SECTOR && bs <= (256u << 20) && !(bs & (bs - 1));
}

static inline int vhd_bit_test(const uint8_t *bm, uint32_t i)
{
	/* Spec "Block Bitmap": sector i is bit 7 - (i % 8) of byte i / 8. */
	return (bm[i >> 3] >> (7 - (i & 7))) & 1;
}

static inline void vhd_bit_set(uint8_t *bm, uint32_t i)
{
	bm[i >> 3] = (uint8_t)(bm[i >> 3] | (0x80u >> (i & 7)));
}

#endif
