/*
 * Block and inode allocation through the per-group bitmaps, keeping the
 * group descriptor and superblock free counts in step (Poirier 3.3 "Block
 * Bitmap", 3.4 "Inode Bitmap": bit i of group g stands for block
 * first_data_block + g * blocks_per_group + i, or inode g * inodes_per_group + i + 1).
 */
#include <string.h>

#include "partition/fs/ext2_priv.h"

static int bm_flush_one(struct ext2_fs *fs, struct ext2_bmcache *c, int inodes)
{
	const struct ext2_group_desc *d;
	int rc;

	if (!c->valid || !c->dirty)
		return 0;
	d = &fs->gd[c->group];
	rc = ext2_block_write(fs, EXT2_GET32(inodes ? d->bg_inode_bitmap : d->bg_block_bitmap), c->buf);
	if (rc)
		return rc;
	c->dirty = 0;
	return 0;
}

int ext2_bitmaps_flush(struct ext2_fs *fs)
{
	int rc = bm_flush_one(fs, &fs->bbm, 0);

	if (!rc)
		rc = bm_flush_one(fs, &fs->ibm, 1);
	if (!rc)
		fs->alloc_unwritten = 0;
	return rc;
}

/* Without a journal, the order of writes is what keeps a crash harmless
 * (McKusick and Ganger, "Soft Updates", 1999: never point to a resource
 * before it is marked used). A block or inode allocated in a cached
 * bitmap is written to the bitmap on disk before anything that points at
 * it (an inode, an indirect block, see ext2_inode_write and the indirect
 * cache): otherwise a crash leaves a file owning a block the bitmap calls
 * free, the next mount (there is no fsck at boot) hands it to another
 * file, and the two files then overwrite each other's data. Frees keep
 * the lazy order (the bitmap after the inode that dropped the pointer),
 * unless an allocation's write takes them along. */
int ext2_alloc_commit(struct ext2_fs *fs)
{
	return fs->alloc_unwritten ? ext2_bitmaps_flush(fs) : 0;
}

static int bm_load(struct ext2_fs *fs, uint32_t group, int inodes)
{
	struct ext2_bmcache *c = inodes ? &fs->ibm : &fs->bbm;
	const struct ext2_group_desc *d = &fs->gd[group];
	int rc;

	if (c->valid && c->group == group)
		return 0;
	rc = bm_flush_one(fs, c, inodes);
	if (rc)
		return rc;
	c->valid = 0;
	rc = ext2_block_read(fs, EXT2_GET32(inodes ? d->bg_inode_bitmap : d->bg_block_bitmap), c->buf);
	if (rc)
		return rc;
	c->group = group;
	c->valid = 1;
	return 0;
}

static uint32_t group_blocks(const struct ext2_fs *fs, uint32_t g)
{
	/* The last group may be short (Poirier 3.2). */
	if (g + 1 == fs->groups)
		return fs->blocks_count - fs->first_data_block - g * fs->blocks_per_group;
	return fs->blocks_per_group;
}

/* First clear bit in [start, n) then [0, start); -1 if none. */
static int64_t bm_find_zero(const uint8_t *bm, uint32_t n, uint32_t start)
{
	uint32_t i, k;

	for (k = 0; k < n; k++) {
		i = start + k;
		if (i >= n)
			i -= n;
		if ((i & 7) == 0 && bm[i >> 3] == 0xff && i + 8 <= n) {
			k += 7;
			continue;
		}
		if (!(bm[i >> 3] & (1u << (i & 7))))
			return i;
	}
	return -1;
}

static void counts_adjust(struct ext2_fs *fs, uint32_t g, int dblocks, int dinodes, int ddirs)
{
	struct ext2_group_desc *d = &fs->gd[g];
	struct ext2_super *sb = &fs->sb;

	EXT2_SET16(d->bg_free_blocks_count, EXT2_GET16(d->bg_free_blocks_count) + dblocks);
	EXT2_SET16(d->bg_free_inodes_count, EXT2_GET16(d->bg_free_inodes_count) + dinodes);
	EXT2_SET16(d->bg_used_dirs_count, EXT2_GET16(d->bg_used_dirs_count) + ddirs);
	EXT2_SET32(sb->s_free_blocks_count, EXT2_GET32(sb->s_free_blocks_count) + dblocks);
	EXT2_SET32(sb->s_free_inodes_count, EXT2_GET32(sb->s_free_inodes_count) + dinodes);
	fs->sb_dirty = 1;
}

/* A bitmap that calls a group's own metadata free is corrupt; refusing such
 * a block keeps the superblock copy, descriptor table (plus the resize_inode
 * reserve), bitmaps and inode table from being overwritten (Poirier 3.2 lists
 * the layout of a block group). */
static int block_is_meta(const struct ext2_fs *fs, uint32_t g, uint32_t blk)
{
	const struct ext2_group_desc *d = &fs->gd[g];
	uint32_t first = fs->first_data_block + g * fs->blocks_per_group;
	uint32_t it = EXT2_GET32(d->bg_inode_table), resv = 0;
	uint64_t itb = ((uint64_t)fs->inodes_per_group * fs->inode_size + fs->block_size - 1) /
		       fs->block_size;

	if (EXT2_GET32(fs->sb.s_feature_compat) & EXT2_COMPAT_RESIZE_INO)
		resv = EXT2_GET16(fs->sb.s_reserved_gdt_blocks);
	if (ext2_group_has_super(fs, g) && blk <= (uint64_t)first + fs->gdt_blocks + resv)
		return 1;
	if (blk == EXT2_GET32(d->bg_block_bitmap) || blk == EXT2_GET32(d->bg_inode_bitmap))
		return 1;
	return blk >= it && blk < it + itb;
}

static int block_alloc_in(struct ext2_fs *fs, uint32_t g, uint32_t start, uint32_t *blk)
{
	uint32_t n = group_blocks(fs, g);
	int64_t bit;
	int rc;

	if (EXT2_GET16(fs->gd[g].bg_free_blocks_count) == 0)
		return 0;
	rc = bm_load(fs, g, 0);
	if (rc)
		return rc;
	bit = bm_find_zero(fs->bbm.buf, n, start < n ? start : 0);
	if (bit < 0)
		return ext2_error_set(-EUCLEAN, "group %u: free block count %u but bitmap full", g,
				      EXT2_GET16(fs->gd[g].bg_free_blocks_count));
	*blk = fs->first_data_block + g * fs->blocks_per_group + (uint32_t)bit;
	if (block_is_meta(fs, g, *blk))
		return ext2_error_set(-EUCLEAN, "group %u: bitmap marks metadata block %u free", g, *blk);
	fs->bbm.buf[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	fs->bbm.dirty = 1;
	fs->alloc_unwritten = 1;
	counts_adjust(fs, g, -1, 0, 0);
	return 1;
}

int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *blk)
{
	uint32_t g0 = 0, start = 0, k;
	int rc;

	if (fs->read_only)
		return ext2_error_set(-EROFS, "volume is mounted read-only");
	if (goal >= fs->first_data_block && goal < fs->blocks_count) {
		g0 = (goal - fs->first_data_block) / fs->blocks_per_group;
		start = (goal - fs->first_data_block) % fs->blocks_per_group;
	}
	if (EXT2_GET32(fs->sb.s_free_blocks_count) == 0)
		return ext2_error_set(-ENOSPC, "no free blocks left");
	for (k = 0; k < fs->groups; k++) {
		uint32_t g = (g0 + k) % fs->groups;

		rc = block_alloc_in(fs, g, k == 0 ? start : 0, blk);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	return ext2_error_set(-ENOSPC, "no free blocks left");
}

int ext2_block_in_use(struct ext2_fs *fs, uint32_t blk)
{
	uint32_t g = (blk - fs->first_data_block) / fs->blocks_per_group;
	uint32_t bit = (blk - fs->first_data_block) % fs->blocks_per_group;
	int rc = ext2_block_check(fs, blk, 0, "checked");

	if (!rc)
		rc = bm_load(fs, g, 0);
	if (rc)
		return rc;
	return (fs->bbm.buf[bit >> 3] >> (bit & 7)) & 1;
}

int ext2_block_free(struct ext2_fs *fs, uint32_t blk)
{
	uint32_t g, bit;
	int rc;

	rc = ext2_block_check(fs, blk, 0, "freed");
	if (rc)
		return rc;
	g = (blk - fs->first_data_block) / fs->blocks_per_group;
	bit = (blk - fs->first_data_block) % fs->blocks_per_group;
	rc = bm_load(fs, g, 0);
	if (rc)
		return rc;
	if (!(fs->bbm.buf[bit >> 3] & (1u << (bit & 7))))
		return ext2_error_set(-EUCLEAN, "block %u freed twice (bitmap bit already clear)", blk);
	if (EXT2_GET16(fs->gd[g].bg_free_blocks_count) >= group_blocks(fs, g))
		return ext2_error_set(-EUCLEAN, "group %u: free block count overflow", g);
	fs->bbm.buf[bit >> 3] &= (uint8_t)~(1u << (bit & 7));
	fs->bbm.dirty = 1;
	counts_adjust(fs, g, 1, 0, 0);
	/* a cached indirect block must not outlive its allocation */
	return ext2_ind_cache_drop(fs);
}

static int inode_alloc_in(struct ext2_fs *fs, uint32_t g, int is_dir, uint32_t *ino)
{
	uint32_t start = 0;
	int64_t bit;
	int rc;

	if (EXT2_GET16(fs->gd[g].bg_free_inodes_count) == 0)
		return 0;
	rc = bm_load(fs, g, 1);
	if (rc)
		return rc;
	/* Inodes below s_first_ino are reserved (Poirier 3.1, s_first_ino). */
	if (g * fs->inodes_per_group < fs->first_ino - 1)
		start = fs->first_ino - 1 - g * fs->inodes_per_group;
	if (start >= fs->inodes_per_group)
		return 0;
	for (bit = start; bit < fs->inodes_per_group; bit++)
		if (!(fs->ibm.buf[bit >> 3] & (1u << (bit & 7))))
			break;
	if (bit >= fs->inodes_per_group)
		return ext2_error_set(-EUCLEAN, "group %u: free inode count %u but bitmap full", g,
				      EXT2_GET16(fs->gd[g].bg_free_inodes_count));
	fs->ibm.buf[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	fs->ibm.dirty = 1;
	fs->alloc_unwritten = 1;
	counts_adjust(fs, g, 0, -1, is_dir ? 1 : 0);
	*ino = g * fs->inodes_per_group + (uint32_t)bit + 1;
	return 1;
}

int ext2_inode_alloc(struct ext2_fs *fs, uint32_t parent, int is_dir, uint32_t *ino)
{
	uint32_t g0, k;
	int rc;

	if (fs->read_only)
		return ext2_error_set(-EROFS, "volume is mounted read-only");
	if (EXT2_GET32(fs->sb.s_free_inodes_count) == 0)
		return ext2_error_set(-ENOSPC, "no free inodes left");
	/* Files go near their directory; directories are spread round-robin. */
	g0 = (parent - 1) / fs->inodes_per_group;
	if (is_dir)
		g0 = fs->dir_rotor++ % fs->groups;
	for (k = 0; k < fs->groups; k++) {
		rc = inode_alloc_in(fs, (g0 + k) % fs->groups, is_dir, ino);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	return ext2_error_set(-ENOSPC, "no free inodes left");
}

int ext2_inode_release(struct ext2_fs *fs, uint32_t ino, int is_dir)
{
	uint32_t g = (ino - 1) / fs->inodes_per_group, bit = (ino - 1) % fs->inodes_per_group;
	int rc;

	if (ino < fs->first_ino || ino > fs->inodes_count)
		return ext2_error_set(-EUCLEAN, "release of reserved or invalid inode %u", ino);
	rc = bm_load(fs, g, 1);
	if (rc)
		return rc;
	if (!(fs->ibm.buf[bit >> 3] & (1u << (bit & 7))))
		return ext2_error_set(-EUCLEAN, "inode %u freed twice (bitmap bit already clear)", ino);
	if (EXT2_GET16(fs->gd[g].bg_free_inodes_count) >= fs->inodes_per_group ||
	    (is_dir && EXT2_GET16(fs->gd[g].bg_used_dirs_count) == 0))
		return ext2_error_set(-EUCLEAN, "group %u: inode counts out of range", g);
	fs->ibm.buf[bit >> 3] &= (uint8_t)~(1u << (bit & 7));
	fs->ibm.dirty = 1;
	counts_adjust(fs, g, 0, 1, is_dir ? -1 : 0);
	return 0;
}
