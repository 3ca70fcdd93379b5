/*
 * Inodes: reading and writing the inode table, the block map through
 * direct, single, double and triple indirect blocks (Poirier 3.5, i_block
 * i_block), freeing blocks on truncate and deleting inodes.
 */
#include <string.h>

#include "partition/fs/ext2_priv.h"

static int inode_locate(struct ext2_fs *fs, uint32_t ino, uint64_t *off)
{
	uint32_t g, idx;

	if (ino == 0 || ino > fs->inodes_count)
		return ext2_error_set(-EUCLEAN, "inode number %u out of range (1-%u)", ino,
				      fs->inodes_count);
	/* Inode n lives in group (n-1)/ipg at index (n-1)%ipg of its table (Poirier 3.5). */
	g = (ino - 1) / fs->inodes_per_group;
	idx = (ino - 1) % fs->inodes_per_group;
	*off = (uint64_t)EXT2_GET32(fs->gd[g].bg_inode_table) * fs->block_size +
	       (uint64_t)idx * fs->inode_size;
	return 0;
}

int ext2_inode_read(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	uint64_t off;
	int rc = inode_locate(fs, ino, &off);

	if (rc)
		return rc;
	rc = fs->ops->read(fs->ctx, off, in, sizeof(*in));
	if (rc < 0)
		return ext2_error_set(-EIO, "inode %u read failed (%d)", ino, rc);
	if (EXT2_GET32(in->i_flags) & EXT2_EXTENTS_FL)
		return ext2_error_set(-EUCLEAN, "inode %u uses ext4 extents", ino);
	return 0;
}

int ext2_inode_write(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
	uint64_t off;
	int rc = ext2_rw_check(fs);

	/* Bitmaps, then indirect blocks (ext2_ind_cache_flush commits the
	 * bitmaps first), then the inode: each only after what it points at
	 * is marked used on disk (ext2_alloc_commit). */
	if (!rc)
		rc = ext2_ind_cache_flush(fs);
	if (!rc)
		rc = inode_locate(fs, ino, &off);
	if (rc)
		return rc;
	/* Only the 128-byte core is written; large-inode extra space is kept. */
	rc = fs->ops->write(fs->ctx, off, in, sizeof(*in));
	if (rc < 0)
		return ext2_error_set(-EIO, "inode %u write failed (%d)", ino, rc);
	return 0;
}

uint32_t ext2_inode_ftype(const struct ext2_inode *in)
{
	switch (EXT2_GET16(in->i_mode) & EXT2_S_IFMT) {
	case EXT2_S_IFREG: return EXT2_FT_REG_FILE;
	case EXT2_S_IFDIR: return EXT2_FT_DIR;
	case EXT2_S_IFLNK: return EXT2_FT_SYMLINK;
	case EXT2_S_IFCHR: return EXT2_FT_CHRDEV;
	case EXT2_S_IFBLK: return EXT2_FT_BLKDEV;
	case EXT2_S_IFIFO: return EXT2_FT_FIFO;
	case EXT2_S_IFSOCK: return EXT2_FT_SOCK;
	default: return EXT2_FT_UNKNOWN;
	}
}

uint64_t ext2_inode_size_get(const struct ext2_fs *fs, const struct ext2_inode *in)
{
	uint64_t size = EXT2_GET32(in->i_size);

	/* Revision 1 keeps the high 32 bits of a regular file's size in
	 * i_size_high (i_dir_acl for directories) (Poirier 3.5, i_dir_acl/i_size_high). */
	if (fs->rev >= EXT2_REV_DYNAMIC && (EXT2_GET16(in->i_mode) & EXT2_S_IFMT) == EXT2_S_IFREG)
		size |= (uint64_t)EXT2_GET32(in->i_size_high) << 32;
	return size;
}

int ext2_inode_size_set(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
	uint32_t ro = EXT2_GET32(fs->sb.s_feature_ro_compat);

	if (size > 0x7fffffffu) {
		if (fs->rev < EXT2_REV_DYNAMIC)
			return ext2_error_set(-EFBIG, "revision 0 volumes cannot hold files over 2 GiB");
		/* Files of 2 GiB and more need the large_file ro-compat flag. */
		if (!(ro & EXT2_RO_COMPAT_LARGE_FILE)) {
			EXT2_SET32(fs->sb.s_feature_ro_compat, ro | EXT2_RO_COMPAT_LARGE_FILE);
			fs->sb_dirty = 1;
			fs->backups_dirty = 1;
		}
	}
	EXT2_SET32(in->i_size, (uint32_t)size);
	if (fs->rev >= EXT2_REV_DYNAMIC && (EXT2_GET16(in->i_mode) & EXT2_S_IFMT) == EXT2_S_IFREG)
		EXT2_SET32(in->i_size_high, (uint32_t)(size >> 32));
	return 0;
}

/* Does i_block hold block numbers? Devices keep a device number there, and a
 * fast symlink its target (Poirier 3.5, i_block and "Symbolic links"). */
int ext2_inode_has_blocks(const struct ext2_fs *fs, const struct ext2_inode *in)
{
	uint32_t type = EXT2_GET16(in->i_mode) & EXT2_S_IFMT;
	uint32_t acl = EXT2_GET32(in->i_file_acl) ? fs->block_size / 512 : 0;

	if (type == EXT2_S_IFREG || type == EXT2_S_IFDIR)
		return 1;
	if (type == EXT2_S_IFLNK)
		return EXT2_GET32(in->i_blocks) > acl;
	return 0;
}

/* Splits a logical block into the path of slots down the tree. */
static int bmap_path(struct ext2_fs *fs, uint64_t lblk, uint32_t path[4], int *depth)
{
	uint64_t p = fs->ptrs;

	if (lblk < EXT2_NDIR_BLOCKS) {
		path[0] = (uint32_t)lblk;
		*depth = 0;
		return 0;
	}
	lblk -= EXT2_NDIR_BLOCKS;
	if (lblk < p) {
		path[0] = EXT2_IND_BLOCK;
		path[1] = (uint32_t)lblk;
		*depth = 1;
		return 0;
	}
	lblk -= p;
	if (lblk < p * p) {
		path[0] = EXT2_DIND_BLOCK;
		path[1] = (uint32_t)(lblk / p);
		path[2] = (uint32_t)(lblk % p);
		*depth = 2;
		return 0;
	}
	lblk -= p * p;
	if (lblk < p * p * p) {
		path[0] = EXT2_TIND_BLOCK;
		path[1] = (uint32_t)(lblk / (p * p));
		path[2] = (uint32_t)((lblk / p) % p);
		path[3] = (uint32_t)(lblk % p);
		*depth = 3;
		return 0;
	}
	return ext2_error_set(-EFBIG, "file offset beyond the triple-indirect limit");
}

/* Allocates a block for slot `level` of the path; indirect blocks start zeroed. */
static int bmap_new(struct ext2_fs *fs, struct ext2_inode *in, uint32_t goal, int indirect,
		    uint32_t *blk)
{
	int rc;

	/* i_blocks counts 512-byte sectors in 32 bits (Poirier 3.5, i_blocks). */
	if (EXT2_GET32(in->i_blocks) > UINT32_MAX - fs->block_size / 512)
		return ext2_error_set(-EFBIG, "file would exceed 2 TiB of allocated space");
	/* Continue after the last allocation so a growing file stays
	 * contiguous and the bitmap search starts at a free bit. */
	if (fs->alloc_hint > fs->first_data_block && fs->alloc_hint < fs->blocks_count)
		goal = fs->alloc_hint;
	rc = ext2_block_alloc(fs, goal, blk);
	if (rc)
		return rc;
	fs->alloc_hint = *blk + 1;
	if (indirect) {
		rc = ext2_block_write(fs, *blk, fs->zero);
		if (rc) {
			ext2_block_free(fs, *blk);
			return rc;
		}
	}
	EXT2_SET32(in->i_blocks, EXT2_GET32(in->i_blocks) + fs->block_size / 512);
	return 0;
}

int ext2_inode_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t lblk,
		    int alloc, uint32_t *pblk, int *fresh)
{
	uint32_t path[4] = { 0, 0, 0, 0 }, cur, next, goal;
	int depth = 0, lvl, rc;

	*pblk = 0;
	if (fresh)
		*fresh = 0;
	rc = bmap_path(fs, lblk, path, &depth);
	if (rc)
		return rc;
	goal = EXT2_GET32(fs->gd[(ino - 1) / fs->inodes_per_group].bg_inode_table);
	cur = EXT2_GET32(in->i_block[path[0]]);
	if (cur == 0) {
		if (!alloc)
			return 0;
		rc = bmap_new(fs, in, goal, depth > 0, &cur);
		if (rc)
			return rc;
		EXT2_SET32(in->i_block[path[0]], cur);
		if (fresh && depth == 0)
			*fresh = 1;
	} else if ((rc = ext2_block_check(fs, cur, ino, "mapped")) != 0) {
		return rc;
	}
	for (lvl = 1; lvl <= depth; lvl++) {
		uint8_t *buf = fs->ind[lvl];

		/* Sequential access maps neighbouring blocks through the same
		 * indirect blocks: keep the last one of each level. */
		if (fs->ind_tag[lvl] != cur) {
			if (fs->ind_dirty[lvl] && fs->ind_tag[lvl])
				rc = ext2_alloc_commit(fs);
			if (!rc && fs->ind_dirty[lvl] && fs->ind_tag[lvl])
				rc = ext2_block_write(fs, fs->ind_tag[lvl], buf);
			fs->ind_dirty[lvl] = 0;
			fs->ind_tag[lvl] = 0;
			if (!rc)
				rc = ext2_block_read(fs, cur, buf);
			if (rc)
				return rc;
			fs->ind_tag[lvl] = cur;
		}
		next = ext2_get_le32(buf + 4 * path[lvl]);
		if (next == 0) {
			if (!alloc)
				return 0;
			rc = bmap_new(fs, in, cur, lvl < depth, &next);
			if (rc)
				return rc;
			/* bmap_new keeps the cache (only frees drop it) */
			ext2_put_le32(buf + 4 * path[lvl], next);
			fs->ind_dirty[lvl] = 1;
			if (fresh && lvl == depth)
				*fresh = 1;
		} else if ((rc = ext2_block_check(fs, next, ino, "indirect-mapped")) != 0) {
			return rc;
		}
		cur = next;
	}
	*pblk = cur;
	return 0;
}

static void blocks_sub(struct ext2_fs *fs, struct ext2_inode *in)
{
	uint32_t b = EXT2_GET32(in->i_blocks), d = fs->block_size / 512;

	EXT2_SET32(in->i_blocks, b > d ? b - d : 0);
}

struct trim {
	uint32_t ino;
	struct ext2_inode *in;
	uint64_t first; /* first logical block to free */
};

/* Frees the data blocks >= t->first under `blk`, a node at `depth` (0 = data
 * block) covering logical blocks from `base`. *gone says `blk` itself was freed. */
static int trim_tree(struct ext2_fs *fs, struct trim *t, uint32_t blk, int depth, uint64_t base,
		     int *gone)
{
	uint64_t span = 1;
	uint8_t *buf = fs->ind[depth];
	uint32_t i, live = 0;
	int rc, dirty = 0, child_gone;

	*gone = 0;
	rc = ext2_block_check(fs, blk, t->ino, "indirect");
	if (rc)
		return rc;
	if (depth == 0)
		goto free_it;
	for (i = 1; i < (uint32_t)depth; i++)
		span *= fs->ptrs;
	rc = ext2_block_read(fs, blk, buf);
	for (i = 0; !rc && i < fs->ptrs; i++) {
		uint32_t child = ext2_get_le32(buf + 4 * i);
		uint64_t cbase = base + i * span;

		if (child == 0)
			continue;
		if (cbase + span <= t->first) {
			live++;
			continue;
		}
		rc = trim_tree(fs, t, child, depth - 1, cbase, &child_gone);
		if (!rc && child_gone) {
			/* the recursion reused buffers of lower depths only */
			ext2_put_le32(buf + 4 * i, 0);
			dirty = 1;
		} else if (!rc) {
			live++;
		}
	}
	if (rc)
		return rc;
	if (live)
		return dirty ? ext2_block_write(fs, blk, buf) : 0;
free_it:
	rc = ext2_block_free(fs, blk);
	if (rc)
		return rc;
	blocks_sub(fs, t->in);
	*gone = 1;
	return 0;
}

int ext2_inode_trim(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t first)
{
	struct trim t = { ino, in, first };
	uint64_t p = fs->ptrs, base[EXT2_N_BLOCKS];
	uint32_t i;
	int rc, gone;

	rc = ext2_ind_cache_drop(fs); /* trim_tree reuses the indirect buffers */
	if (rc)
		return rc;
	if (!ext2_inode_has_blocks(fs, in))
		return 0;
	for (i = 0; i < EXT2_NDIR_BLOCKS; i++)
		base[i] = i;
	base[EXT2_IND_BLOCK] = EXT2_NDIR_BLOCKS;
	base[EXT2_DIND_BLOCK] = EXT2_NDIR_BLOCKS + p;
	base[EXT2_TIND_BLOCK] = EXT2_NDIR_BLOCKS + p + p * p;
	for (i = 0; i < EXT2_N_BLOCKS; i++) {
		uint32_t blk = EXT2_GET32(in->i_block[i]);
		int depth = i < EXT2_NDIR_BLOCKS ? 0 : (int)(i - EXT2_NDIR_BLOCKS + 1);
		uint64_t span = depth == 0 ? 1 : depth == 1 ? p : depth == 2 ? p * p : p * p * p;

		if (blk == 0 || base[i] + span <= first)
			continue;
		rc = trim_tree(fs, &t, blk, depth, base[i], &gone);
		if (rc)
			return rc;
		if (gone)
			EXT2_SET32(in->i_block[i], 0);
	}
	return 0;
}

/* Checks every block an inode maps lies inside the volume and is marked in
 * use, before a deletion changes anything: a corrupt map then fails cleanly
 * instead of freeing half of itself. */
static int verify_tree(struct ext2_fs *fs, uint32_t ino, uint32_t blk, int depth)
{
	uint8_t *buf = fs->ind[depth];
	uint32_t i;
	int rc = ext2_block_check(fs, blk, ino, "mapped");

	if (!rc)
		rc = ext2_block_in_use(fs, blk);
	if (rc == 0)
		return ext2_error_set(-EUCLEAN, "inode %u maps block %u, which is marked free", ino, blk);
	if (rc < 0)
		return rc;
	if (depth == 0)
		return 0;
	rc = ext2_block_read(fs, blk, buf);
	for (i = 0; !rc && i < fs->ptrs; i++) {
		uint32_t child = ext2_get_le32(buf + 4 * i);

		if (child)
			rc = verify_tree(fs, ino, child, depth - 1);
	}
	return rc;
}

int ext2_inode_verify(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
	uint32_t i, acl = EXT2_GET32(in->i_file_acl);
	int rc = ext2_ind_cache_drop(fs);

	if (!rc && acl)
		rc = ext2_block_check(fs, acl, ino, "xattr");
	if (rc || !ext2_inode_has_blocks(fs, in))
		return rc;
	for (i = 0; i < EXT2_N_BLOCKS && !rc; i++) {
		uint32_t blk = EXT2_GET32(in->i_block[i]);

		if (blk)
			rc = verify_tree(fs, ino, blk, i < EXT2_NDIR_BLOCKS ? 0 : (int)(i - EXT2_NDIR_BLOCKS + 1));
	}
	return rc;
}

/* Drops an extended-attribute block reference (kernel fs/ext2/xattr.c keeps a
 * refcount in the block header; the block is freed when it reaches zero). */
static int xattr_release(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	uint32_t blk = EXT2_GET32(in->i_file_acl), refs;
	uint8_t *buf = fs->ind[0];
	int rc;

	if (blk == 0)
		return 0;
	rc = ext2_block_check(fs, blk, ino, "xattr");
	if (!rc)
		rc = ext2_block_read(fs, blk, buf);
	if (rc)
		return rc;
	if (ext2_get_le32(buf) != EXT2_XATTR_MAGIC)
		return ext2_error_set(-EUCLEAN, "inode %u: xattr block %u has bad magic", ino, blk);
	refs = ext2_get_le32(buf + EXT2_XATTR_REFCOUNT_OFF);
	if (refs > 1) {
		ext2_put_le32(buf + EXT2_XATTR_REFCOUNT_OFF, refs - 1);
		rc = ext2_block_write(fs, blk, buf);
	} else {
		rc = ext2_block_free(fs, blk);
	}
	if (rc)
		return rc;
	blocks_sub(fs, in);
	EXT2_SET32(in->i_file_acl, 0);
	return 0;
}

int ext2_inode_delete(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	int is_dir = (EXT2_GET16(in->i_mode) & EXT2_S_IFMT) == EXT2_S_IFDIR;
	int rc = ext2_inode_verify(fs, ino, in);

	if (!rc)
		rc = ext2_inode_trim(fs, ino, in, 0);
	if (!rc)
		rc = xattr_release(fs, ino, in);
	if (rc)
		return rc;
	/* A deleted inode has no links and a deletion time (Poirier 3.5, i_dtime). */
	EXT2_SET16(in->i_links_count, 0);
	EXT2_SET32(in->i_dtime, ext2_time_now(fs));
	EXT2_SET32(in->i_size, 0);
	EXT2_SET32(in->i_size_high, 0);
	rc = ext2_inode_write(fs, ino, in);
	return rc ? rc : ext2_inode_release(fs, ino, is_dir);
}
