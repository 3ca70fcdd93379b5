/*
 * ext2 on-disk format: every structure the driver reads or writes, with its
 * size pinned by _Static_assert. Fields are stored little-endian on disk
 * ("The Second Extended File System", Dave Poirier, section 3: "all values
 * are stored in little-endian byte order"), so code never uses a field
 * directly: it goes through EXT2_GET16/32 and EXT2_SET16/32 (ext2_le*,
 * ext2_cpu*), or ext2_get_le32/ext2_put_le32 inside a raw block.
 * Flags are plain masks; no C bitfields (their layout is compiler-defined).
 */
#ifndef HVPART_EXT2_FORMAT_H
#define HVPART_EXT2_FORMAT_H

#include <stdint.h>
#include <string.h>

/* The superblock lives 1024 bytes into the volume whatever the block size
 * (Poirier 3.1 "Superblock"; kernel Documentation/filesystems/ext2 "Superblock"). */
#define EXT2_SUPER_OFFSET 1024u
#define EXT2_SUPER_SIZE 1024u
#define EXT2_SUPER_MAGIC 0xEF53u
#define EXT2_MIN_BLOCK_LOG 10u /* 1 KiB */
#define EXT2_MAX_BLOCK_LOG 12u /* 4 KiB: what this driver accepts */

/* s_state (Poirier 3.1, s_state). */
#define EXT2_STATE_VALID 0x0001u
#define EXT2_STATE_ERROR 0x0002u

/* s_rev_level (Poirier 3.1, s_rev_level). */
#define EXT2_REV_GOOD_OLD 0u
#define EXT2_REV_DYNAMIC 1u
/* Revision 0 has fixed values for what revision 1 stores (Poirier 3.1, s_first_ino, s_inode_size). */
#define EXT2_GOOD_OLD_FIRST_INO 11u
#define EXT2_GOOD_OLD_INODE_SIZE 128u

/* Feature masks (Poirier 3.1, s_feature_*). */
#define EXT2_COMPAT_DIR_PREALLOC 0x0001u
#define EXT2_COMPAT_IMAGIC_INODES 0x0002u
#define EXT2_COMPAT_HAS_JOURNAL 0x0004u
#define EXT2_COMPAT_EXT_ATTR 0x0008u
#define EXT2_COMPAT_RESIZE_INO 0x0010u
#define EXT2_COMPAT_DIR_INDEX 0x0020u
#define EXT2_COMPAT_SPARSE_SUPER2 0x0200u /* backups only in s_backup_bgs */
#define EXT2_SUPER_BACKUP_BGS_OFF 0x24Cu /* two u32 group numbers */

#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001u
#define EXT2_RO_COMPAT_LARGE_FILE 0x0002u
#define EXT2_RO_COMPAT_BTREE_DIR 0x0004u
/* Read-only-compatible features this driver can write without breaking. */
#define EXT2_RO_COMPAT_SUPPORTED \
	(EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE | EXT2_RO_COMPAT_BTREE_DIR)

#define EXT2_INCOMPAT_COMPRESSION 0x0001u
#define EXT2_INCOMPAT_FILETYPE 0x0002u
#define EXT2_INCOMPAT_RECOVER 0x0004u
#define EXT2_INCOMPAT_JOURNAL_DEV 0x0008u
#define EXT2_INCOMPAT_META_BG 0x0010u
#define EXT2_INCOMPAT_EXTENTS 0x0040u
#define EXT2_INCOMPAT_64BIT 0x0080u
#define EXT2_INCOMPAT_FLEX_BG 0x0200u
#define EXT2_INCOMPAT_SUPPORTED EXT2_INCOMPAT_FILETYPE

/* Reserved inode numbers (Poirier 3.5 "Defined Reserved Inodes"). */
#define EXT2_ROOT_INO 2u

/* i_mode type bits (Poirier 3.5, i_mode). */
#define EXT2_S_IFMT 0xF000u
#define EXT2_S_IFSOCK 0xC000u
#define EXT2_S_IFLNK 0xA000u
#define EXT2_S_IFREG 0x8000u
#define EXT2_S_IFBLK 0x6000u
#define EXT2_S_IFDIR 0x4000u
#define EXT2_S_IFCHR 0x2000u
#define EXT2_S_IFIFO 0x1000u

/* i_flags (Poirier 3.5, i_flags). */
#define EXT2_INDEX_FL 0x00001000u    /* hash-indexed directory */
#define EXT2_EXTENTS_FL 0x00080000u  /* ext4 extent map: not ext2 */

/* i_block layout (Poirier 3.5, i_block): 12 direct, then single, double, triple. */
#define EXT2_NDIR_BLOCKS 12u
#define EXT2_IND_BLOCK 12u
#define EXT2_DIND_BLOCK 13u
#define EXT2_TIND_BLOCK 14u
#define EXT2_N_BLOCKS 15u
/* A fast symlink keeps its target in i_block when shorter than this. */
#define EXT2_FAST_LINK_MAX 60u

/* Directory entry file_type (Poirier 4.1, file_type, with the filetype feature). */
#define EXT2_FT_UNKNOWN 0u
#define EXT2_FT_REG_FILE 1u
#define EXT2_FT_DIR 2u
#define EXT2_FT_CHRDEV 3u
#define EXT2_FT_BLKDEV 4u
#define EXT2_FT_FIFO 5u
#define EXT2_FT_SOCK 6u
#define EXT2_FT_SYMLINK 7u
#define EXT2_NAME_LEN 255u
#define EXT2_LINK_MAX 32000u /* kernel ext2: EXT2_LINK_MAX */

/* Extended attribute block header (kernel fs/ext2/xattr.h). */
#define EXT2_XATTR_MAGIC 0xEA020000u
#define EXT2_XATTR_REFCOUNT_OFF 4u

struct ext2_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count;
	uint32_t s_r_blocks_count;
	uint32_t s_free_blocks_count;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block;
	uint32_t s_log_block_size; /* block size = 1024 << this */
	uint32_t s_log_frag_size;
	uint32_t s_blocks_per_group;
	uint32_t s_frags_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;
	uint32_t s_wtime;
	uint16_t s_mnt_count;
	uint16_t s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;
	uint16_t s_def_resgid;
	/* Revision 1 (EXT2_DYNAMIC_REV) fields. */
	uint32_t s_first_ino;
	uint16_t s_inode_size;
	uint16_t s_block_group_nr; /* which group this copy lives in */
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	uint32_t s_algo_bitmap;
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks; /* resize_inode: GDT growth room */
	uint8_t s_rest[1024 - 208]; /* journal, hash seed, ...: preserved as is */
};
_Static_assert(sizeof(struct ext2_super) == EXT2_SUPER_SIZE, "ext2 superblock is 1024 bytes");

struct ext2_group_desc {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_pad;
	uint32_t bg_reserved[3];
};
_Static_assert(sizeof(struct ext2_group_desc) == 32, "ext2 group descriptor is 32 bytes");

struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size;
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;
	uint32_t i_dtime;
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks; /* in 512-byte units, indirect blocks included */
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_generation;
	uint32_t i_file_acl;
	uint32_t i_size_high; /* i_dir_acl for directories in revision 0 */
	uint32_t i_faddr;
	uint8_t i_osd2[12];
};
_Static_assert(sizeof(struct ext2_inode) == EXT2_GOOD_OLD_INODE_SIZE, "ext2 inode core is 128 bytes");

/* Linked-list directory entry header; the name follows (Poirier 4.1). */
struct ext2_dir_entry {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type; /* high byte of a 16-bit name_len without filetype */
};
_Static_assert(sizeof(struct ext2_dir_entry) == 8, "ext2 directory entry header is 8 bytes");

/* Entry size for a name: header plus name, padded to 4 bytes (Poirier 4.1, rec_len). */
#define EXT2_DIR_REC_LEN(name_len) ((8u + (unsigned)(name_len) + 3u) & ~3u)

/* Little-endian access that works on any host byte order and alignment. */
static inline uint16_t ext2_le16(uint16_t v)
{
	uint8_t b[2];
	memcpy(b, &v, 2);
	return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t ext2_le32(uint32_t v)
{
	uint8_t b[4];
	memcpy(b, &v, 4);
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline uint16_t ext2_cpu16(uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	uint16_t r;
	memcpy(&r, b, 2);
	return r;
}

static inline uint32_t ext2_cpu32(uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	uint32_t r;
	memcpy(&r, b, 4);
	return r;
}

/* Read/write a little-endian 32-bit value inside a raw block buffer. */
static inline uint32_t ext2_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline void ext2_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#define EXT2_GET16(field) ext2_le16(field)
#define EXT2_GET32(field) ext2_le32(field)
#define EXT2_SET16(field, v) ((field) = ext2_cpu16((uint16_t)(v)))
#define EXT2_SET32(field, v) ((field) = ext2_cpu32((uint32_t)(v)))

#endif
