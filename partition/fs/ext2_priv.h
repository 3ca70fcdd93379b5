/*
 * ext2 driver internals shared between its source files. Nothing here is
 * part of the public API (see ext2.h).
 */
#ifndef HVPART_EXT2_PRIV_H
#define HVPART_EXT2_PRIV_H

#include "partition/fs/ext2.h"
#include "partition/fs/ext2_format.h"

/* One cached bitmap block (block or inode bitmap of one group), written back
 * when another group is needed and on sync. */
struct ext2_bmcache {
	uint8_t *buf;
	uint32_t group;
	int valid;
	int dirty;
};

struct ext2_fs {
	const struct ext2_dev_ops *ops;
	void *ctx;
	struct ext2_super sb;        /* primary copy, on-disk byte order */
	struct ext2_group_desc *gd;  /* all descriptors, on-disk byte order */
	uint32_t groups;
	uint32_t block_size;
	uint32_t ptrs;               /* block numbers per indirect block */
	uint32_t blocks_count;
	uint32_t first_data_block;
	uint32_t blocks_per_group;
	uint32_t inodes_per_group;
	uint32_t inodes_count;
	uint32_t inode_size;
	uint32_t first_ino;
	uint32_t gdt_blocks;
	uint32_t rev;
	int read_only;
	int filetype;                /* directory entries carry file_type */
	int sb_dirty;
	int backups_dirty;           /* feature flags changed: rewrite backups */
	uint32_t alloc_hint;         /* block after the last one allocated */
	uint32_t dir_rotor;          /* spreads new directories over groups */
	uint16_t mount_state;        /* s_state found at mount, restored at unmount */
	uint32_t ind_tag[4];         /* block held in ind[level], 0 = none */
	int ind_dirty[4];            /* ind[level] changed, not yet written */
	struct ext2_bmcache bbm, ibm;
	int alloc_unwritten;         /* a bitmap bit set since the bitmaps were written */
	uint8_t *zero;               /* one zeroed block */
	uint8_t *ind[4];             /* per-depth indirect-block buffers */
	uint8_t *dirbuf;             /* directory block buffer */
	uint8_t *iobuf;              /* file data staging block */
	struct ext2_file *files;     /* open handles */
	uint32_t (*now)(void *ctx);
	void *now_ctx;
};

struct ext2_file {
	struct ext2_fs *fs;
	struct ext2_file *next;
	uint32_t ino;
	unsigned flags;
};

/* Callback for ext2_dir_scan: sees one live or empty entry at `off` of a
 * directory block; `prev` is the previous entry's offset or -1. Returns 0
 * to go on, 1 to stop, negative errno on error; sets *dirty to have the
 * block written back. */
struct ext2_scan {
	uint8_t *blk;
	uint32_t pblk;
	uint32_t off;
	int32_t prev;
	uint32_t ino;
	uint32_t rec_len;
	uint32_t name_len;
	uint32_t ftype;
	const char *name;
	int dirty;
};
typedef int (*ext2_scan_fn)(struct ext2_fs *fs, struct ext2_scan *s, void *ctx);

/* ext2_super.c */
int ext2_error_set(int err, const char *fmt, ...);
int ext2_block_read(struct ext2_fs *fs, uint32_t blk, void *buf);
int ext2_block_write(struct ext2_fs *fs, uint32_t blk, const void *buf);
int ext2_block_check(struct ext2_fs *fs, uint32_t blk, uint32_t ino, const char *what);
uint32_t ext2_time_now(struct ext2_fs *fs);
int ext2_group_has_super(const struct ext2_fs *fs, uint32_t g);
int ext2_ind_cache_flush(struct ext2_fs *fs);
int ext2_ind_cache_drop(struct ext2_fs *fs);
int ext2_rw_check(struct ext2_fs *fs);

/* ext2_alloc.c */
int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *blk);
int ext2_block_free(struct ext2_fs *fs, uint32_t blk);
int ext2_block_in_use(struct ext2_fs *fs, uint32_t blk);
int ext2_inode_alloc(struct ext2_fs *fs, uint32_t parent, int is_dir, uint32_t *ino);
int ext2_inode_release(struct ext2_fs *fs, uint32_t ino, int is_dir);
int ext2_bitmaps_flush(struct ext2_fs *fs);
/* Writes the bitmaps if a bit was set since they were last written: before
 * any write that points at a new block or inode (ext2_alloc.c). */
int ext2_alloc_commit(struct ext2_fs *fs);

/* ext2_inode.c */
int ext2_inode_read(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_inode_write(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
uint64_t ext2_inode_size_get(const struct ext2_fs *fs, const struct ext2_inode *in);
int ext2_inode_size_set(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);
int ext2_inode_has_blocks(const struct ext2_fs *fs, const struct ext2_inode *in);
int ext2_inode_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t lblk,
		    int alloc, uint32_t *pblk, int *fresh);
int ext2_inode_trim(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t first);
int ext2_inode_verify(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
int ext2_inode_delete(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
uint32_t ext2_inode_ftype(const struct ext2_inode *in);

/* ext2_dir.c */
int ext2_dir_scan(struct ext2_fs *fs, uint32_t dir, ext2_scan_fn fn, void *ctx);
int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		  uint32_t *ino);
int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		 uint32_t ino, uint32_t ftype);
int ext2_dir_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len);
int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		      uint32_t ino, uint32_t ftype);
int ext2_dir_is_empty(struct ext2_fs *fs, uint32_t dir);
int ext2_dir_init(struct ext2_fs *fs, uint32_t dir, uint32_t parent, struct ext2_inode *in);

/* ext2_path.c */
int ext2_path_resolve(struct ext2_fs *fs, const char *path, uint32_t *ino);
int ext2_path_parent(struct ext2_fs *fs, const char *path, uint32_t *parent,
		     const char **name, size_t *len);
int ext2_file_busy(struct ext2_fs *fs, uint32_t ino);
/* Creates a file or directory (mode) at path; *ino gets its inode. */
int ext2_path_create(struct ext2_fs *fs, const char *path, uint32_t mode, uint32_t *ino);
int ext2_node_create(struct ext2_fs *fs, uint32_t parent, uint32_t mode, uint32_t *ino,
		     struct ext2_inode *in);
int ext2_inode_links_add(struct ext2_fs *fs, uint32_t ino, int delta);
int ext2_inode_unref(struct ext2_fs *fs, uint32_t ino, int is_dir);

#endif
