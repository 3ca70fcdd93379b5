/* On-disk structures of the VHD format ("Virtual Hard Disk Image Format
 * Specification", Microsoft, 2006).  All multi-byte fields are big-endian
 * (spec "Hard Disk Footer Format"), so every field is a byte array read
 * through the vhd_be* accessors below: no C bitfields, no host-order
 * integers, no padding (every member is byte-aligned). */
#ifndef STORAGE_VHD_FORMAT_H
#define STORAGE_VHD_FORMAT_H

#include <stdint.h>

#define VHD_SECTOR            512u
#define VHD_FOOTER_COOKIE     "conectix"
#define VHD_HEADER_COOKIE     "cxsparse"
#define VHD_VERSION           0x00010000u
#define VHD_FEATURES_RESERVED 0x00000002u   /* spec: bit 1 always set */
#define VHD_NO_OFFSET         0xFFFFFFFFFFFFFFFFull
#define VHD_BAT_UNUSED        0xFFFFFFFFu
#define VHD_MAX_SECTORS       0xFF000000ull  /* spec: 2040 GiB limit */
#define VHD_MAX_SIZE          (VHD_MAX_SECTORS * VHD_SECTOR)
#define VHD_EPOCH_UNIX        946684800ull   /* 2000-01-01 00:00 UTC */

enum vhd_disk_type {
	VHD_TYPE_FIXED   = 2,
	VHD_TYPE_DYNAMIC = 3,
	VHD_TYPE_DIFF    = 4,
};

/* Spec "Hard Disk Footer Format": 512 bytes at the end of every VHD, and a
 * copy at offset 0 of dynamic and differencing disks. */
struct vhd_footer {
	char    cookie[8];
	uint8_t features[4];
	uint8_t version[4];
	uint8_t data_offset[8];
	uint8_t timestamp[4];
	char    creator_app[4];
	uint8_t creator_ver[4];
	char    creator_os[4];
	uint8_t orig_size[8];
	uint8_t cur_size[8];
	uint8_t cylinders[2];
	uint8_t heads;
	uint8_t spt;
	uint8_t disk_type[4];
	uint8_t checksum[4];
	uint8_t uuid[16];
	uint8_t saved_state;
	uint8_t reserved[427];
};
_Static_assert(sizeof(struct vhd_footer) == 512, "VHD footer is 512 bytes");

/* Spec "Dynamic Disk Header Format", entry of the parent locator table. */
struct vhd_locator {
	char    platform[4];     /* "W2ku", "W2ru", ... */
	uint8_t data_space[4];   /* spec: sectors; Windows writes bytes */
	uint8_t data_length[4];  /* bytes */
	uint8_t reserved[4];
	uint8_t data_offset[8];  /* absolute byte offset in the file */
};
_Static_assert(sizeof(struct vhd_locator) == 24, "locator entry is 24 bytes");

#define VHD_LOCATORS 8
#define VHD_PARENT_NAME_BYTES 512

/* Spec "Dynamic Disk Header Format": 1024 bytes, pointed to by the footer's
 * data offset (usually 512). */
struct vhd_dyn_header {
	char    cookie[8];
	uint8_t data_offset[8];    /* unused, all ones */
	uint8_t table_offset[8];   /* absolute byte offset of the BAT */
	uint8_t version[4];
	uint8_t max_entries[4];
	uint8_t block_size[4];
	uint8_t checksum[4];
	uint8_t parent_uuid[16];
	uint8_t parent_timestamp[4];
	uint8_t reserved1[4];
	uint8_t parent_name[VHD_PARENT_NAME_BYTES]; /* UTF-16BE per spec */
	struct vhd_locator loc[VHD_LOCATORS];
	uint8_t reserved2[256];
};
_Static_assert(sizeof(struct vhd_dyn_header) == 1024,
	       "dynamic disk header is 1024 bytes");

/* Restartable-merge progress record, our own format, kept in the sidecar
 * file "<child>.merge" so the VHD files themselves stay standard. */
struct vhd_merge_rec {
	char    magic[8];          /* "hvpMERGE" */
	uint8_t version[4];
	uint8_t next_block[4];     /* first child block not yet merged */
	uint8_t total_blocks[4];
	uint8_t checksum[4];       /* VHD-style one's complement sum */
	uint8_t child_uuid[16];
	uint8_t parent_uuid[16];
	uint8_t reserved[8];
};
_Static_assert(sizeof(struct vhd_merge_rec) == 64, "merge record is 64 bytes");

/* Live-merge record, our own format too: the sidecar "<child>.lmerge" of
 * the image whose parent (mid) is being merged into mid's parent (base)
 * while a VM runs on the chain (storage/vhd/vhd_live.c). The file holds
 * two slots of this layout, at 0 and at sizeof(struct vhd_live_rec); each
 * write goes to the other slot than the last one, so a torn write leaves
 * the previous record whole, and the valid slot with the higher sequence
 * number is the record. */
#define VHD_LIVE_MAGIC     "hvpLIVEM"
#define VHD_LIVE_VERSION   1u
#define VHD_LIVE_COPY      1u     /* copying mid's sectors into base */
#define VHD_LIVE_SWITCH    2u     /* copied; the child's header moves to base */
#define VHD_LIVE_LOC_BYTES 2048u  /* room for one locator's data */
#define VHD_LIVE_NO_ENTRY  0xFFu
#define VHD_LIVE_PATH_MAX  1024u

struct vhd_live_rec {
	char    magic[8];          /* VHD_LIVE_MAGIC */
	uint8_t version[4];
	uint8_t seq[4];            /* one more at every write */
	uint8_t phase[4];          /* VHD_LIVE_COPY or VHD_LIVE_SWITCH */
	uint8_t next_block[4];     /* first block of mid not yet in base */
	uint8_t total_blocks[4];   /* mid's block count */
	uint8_t crc[4];            /* CRC-32 of the slot, this field as zero */
	uint8_t child_uuid[16];
	uint8_t mid_uuid[16];
	uint8_t base_uuid[16];
	uint8_t loc_entry[2];      /* switch: the header entries of loc_data */
	uint8_t reserved[46];
	char    mid_path[VHD_LIVE_PATH_MAX];  /* NUL-terminated, '/' form */
	struct vhd_dyn_header hd;  /* switch: the child's new header, sealed */
	uint8_t loc_data[2][VHD_LIVE_LOC_BYTES];  /* switch: locator data */
};
_Static_assert(sizeof(struct vhd_live_rec) == 6272,
	       "live-merge record slot is 6272 bytes");

static inline uint16_t vhd_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t vhd_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t vhd_be64(const uint8_t *p)
{
	return ((uint64_t)vhd_be32(p) << 32) | vhd_be32(p + 4);
}

static inline void vhd_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void vhd_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void vhd_put_be64(uint8_t *p, uint64_t v)
{
	vhd_put_be32(p, (uint32_t)(v >> 32));
	vhd_put_be32(p + 4, (uint32_t)v);
}

#endif
