/*
 * Directories: linked lists of variable-length entries filling each block
 * (Poirier 4.1 "Linked Directories"; kernel Documentation/filesystems/ext2
 * "Directories"). Every entry is validated before use: rec_len at least 12,
 * a multiple of 4, inside the block and large enough for its name, and the
 * inode number within s_inodes_count.
 */
#include <stdlib.h>
#include <string.h>

#include "partition/fs/ext2_priv.h"

static int dir_inode(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in, uint32_t *nblocks)
{
	uint32_t size;
	int rc = ext2_inode_read(fs, dir, in);

	if (rc)
		return rc;
	if ((EXT2_GET16(in->i_mode) & EXT2_S_IFMT) != EXT2_S_IFDIR)
		return ext2_error_set(-ENOTDIR, "inode %u is not a directory", dir);
	size = EXT2_GET32(in->i_size);
	/* A directory is a whole number of blocks, none of them holes. */
	if (size % fs->block_size || size / fs->block_size > fs->blocks_count)
		return ext2_error_set(-EUCLEAN, "directory inode %u has bad size %u", dir, size);
	*nblocks = size / fs->block_size;
	return 0;
}

static int entry_parse(struct ext2_fs *fs, uint32_t dir, struct ext2_scan *s)
{
	const uint8_t *e = s->blk + s->off;

	if (s->off + 8 > fs->block_size)
		return ext2_error_set(-EUCLEAN, "directory %u: entry header crosses block end", dir);
	s->ino = ext2_get_le32(e);
	s->rec_len = (uint32_t)e[4] | ((uint32_t)e[5] << 8);
	s->name_len = e[6];
	s->ftype = fs->filetype ? e[7] : EXT2_FT_UNKNOWN;
	if (!fs->filetype)
		s->name_len |= (uint32_t)e[7] << 8; /* revision 0: 16-bit name_len */
	s->name = (const char *)e + 8;
	if (s->rec_len < EXT2_DIR_REC_LEN(1) || s->rec_len % 4 || s->off + s->rec_len > fs->block_size)
		return ext2_error_set(-EUCLEAN, "directory %u: bad rec_len %u at offset %u", dir,
				      s->rec_len, s->off);
	if (s->ino && (s->name_len == 0 || EXT2_DIR_REC_LEN(s->name_len) > s->rec_len))
		return ext2_error_set(-EUCLEAN, "directory %u: name_len %u does not fit rec_len %u", dir,
				      s->name_len, s->rec_len);
	if (s->ino > fs->inodes_count)
		return ext2_error_set(-EUCLEAN, "directory %u: entry names inode %u beyond %u", dir,
				      s->ino, fs->inodes_count);
	return 0;
}

static int scan_block(struct ext2_fs *fs, uint32_t dir, struct ext2_scan *s, ext2_scan_fn fn,
		      void *ctx)
{
	int rc;

	s->off = 0;
	s->prev = -1;
	s->dirty = 0;
	while (s->off < fs->block_size) {
		rc = entry_parse(fs, dir, s);
		if (rc)
			return rc;
		rc = fn(fs, s, ctx);
		if (s->dirty) {
			int wrc = ext2_block_write(fs, s->pblk, s->blk);

			if (wrc)
				return wrc;
		}
		if (rc)
			return rc;
		s->prev = (int32_t)s->off;
		s->off += s->rec_len;
	}
	return 0;
}

int ext2_dir_scan(struct ext2_fs *fs, uint32_t dir, ext2_scan_fn fn, void *ctx)
{
	struct ext2_inode in;
	struct ext2_scan s;
	uint32_t n = 0, lblk;
	int rc;

	rc = dir_inode(fs, dir, &in, &n);
	if (rc)
		return rc;
	/* Own buffer: callbacks may re-enter the driver (ext2_dir_list users). */
	s.blk = malloc(fs->block_size);
	if (!s.blk)
		return ext2_error_set(-ENOMEM, "no memory for a directory block");
	for (lblk = 0, rc = 0; lblk < n && rc == 0; lblk++) {
		rc = ext2_inode_bmap(fs, dir, &in, lblk, 0, &s.pblk, NULL);
		if (!rc && s.pblk == 0)
			rc = ext2_error_set(-EUCLEAN, "directory %u has a hole at block %u", dir, lblk);
		if (!rc)
			rc = ext2_block_read(fs, s.pblk, s.blk);
		if (!rc)
			rc = scan_block(fs, dir, &s, fn, ctx);
	}
	free(s.blk);
	return rc;
}

struct dir_name {
	const char *name;
	size_t len;
	uint32_t ino;
	uint32_t ftype;
};

static int name_is(const struct ext2_scan *s, const struct dir_name *n)
{
	return s->ino && s->name_len == n->len && memcmp(s->name, n->name, n->len) == 0;
}

static int find_cb(struct ext2_fs *fs, struct ext2_scan *s, void *ctx)
{
	struct dir_name *n = ctx;

	(void)fs;
	if (!name_is(s, n))
		return 0;
	n->ino = s->ino;
	return 1;
}

int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
	struct dir_name n = { name, len, 0, 0 };
	int rc = ext2_dir_scan(fs, dir, find_cb, &n);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return -ENOENT;
	if (n.ino == 0 || n.ino > fs->inodes_count)
		return ext2_error_set(-EUCLEAN, "directory %u: bad inode number", dir);
	*ino = n.ino;
	return 0;
}

static void entry_put(struct ext2_fs *fs, uint8_t *e, uint32_t ino, uint32_t rec_len,
		      const struct dir_name *n)
{
	ext2_put_le32(e, ino);
	e[4] = (uint8_t)rec_len;
	e[5] = (uint8_t)(rec_len >> 8);
	e[6] = (uint8_t)n->len;
	e[7] = fs->filetype ? (uint8_t)n->ftype : 0;
	memcpy(e + 8, n->name, n->len);
	/* zero the padding so the block stays deterministic */
	memset(e + 8 + n->len, 0, EXT2_DIR_REC_LEN(n->len) - 8 - n->len);
}

/* Modifying a hash-indexed directory without updating its index would break
 * it; clearing EXT2_INDEX_FL turns it back into a plain linked directory,
 * which the htree design keeps readable (kernel ext2 ignores the index). */
static int dir_touch(struct ext2_fs *fs, uint32_t dir)
{
	struct ext2_inode in;
	int rc = ext2_inode_read(fs, dir, &in);

	if (rc)
		return rc;
	EXT2_SET32(in.i_flags, EXT2_GET32(in.i_flags) & ~EXT2_INDEX_FL);
	EXT2_SET32(in.i_mtime, ext2_time_now(fs));
	EXT2_SET32(in.i_ctime, ext2_time_now(fs));
	return ext2_inode_write(fs, dir, &in);
}

static int add_cb(struct ext2_fs *fs, struct ext2_scan *s, void *ctx)
{
	struct dir_name *n = ctx;
	uint32_t used = s->ino ? EXT2_DIR_REC_LEN(s->name_len) : 0;
	uint32_t need = EXT2_DIR_REC_LEN(n->len);

	if (s->rec_len < used + need)
		return 0;
	if (used == 0) {
		entry_put(fs, s->blk + s->off, n->ino, s->rec_len, n);
	} else {
		s->blk[s->off + 4] = (uint8_t)used;
		s->blk[s->off + 5] = (uint8_t)(used >> 8);
		entry_put(fs, s->blk + s->off + used, n->ino, s->rec_len - used, n);
	}
	s->dirty = 1;
	return 1;
}

/* No room in any block: the directory grows by one block holding one entry. */
static int dir_append(struct ext2_fs *fs, uint32_t dir, const struct dir_name *n)
{
	struct ext2_inode in;
	uint32_t pblk, size;
	uint8_t *blk;
	int rc = ext2_inode_read(fs, dir, &in);

	if (rc)
		return rc;
	size = EXT2_GET32(in.i_size);
	if ((uint64_t)size + fs->block_size > 0x7fffffffu)
		return ext2_error_set(-EFBIG, "directory %u too large", dir);
	blk = calloc(1, fs->block_size);
	if (!blk)
		return ext2_error_set(-ENOMEM, "no memory for a directory block");
	rc = ext2_inode_bmap(fs, dir, &in, size / fs->block_size, 1, &pblk, NULL);
	if (!rc) {
		entry_put(fs, blk, n->ino, fs->block_size, n);
		rc = ext2_block_write(fs, pblk, blk);
	}
	if (!rc)
		EXT2_SET32(in.i_size, size + fs->block_size);
	else
		ext2_inode_trim(fs, dir, &in, size / fs->block_size); /* no block past i_size */
	free(blk);
	/* the inode is written even on failure: bmap may have allocated blocks */
	{
		int wrc = ext2_inode_write(fs, dir, &in);

		return rc ? rc : wrc;
	}
}

int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino,
		 uint32_t ftype)
{
	struct dir_name n = { name, len, ino, ftype };
	int rc = ext2_dir_scan(fs, dir, add_cb, &n);

	if (rc == 0)
		rc = dir_append(fs, dir, &n);
	if (rc < 0)
		return rc;
	return dir_touch(fs, dir);
}

static int unlink_cb(struct ext2_fs *fs, struct ext2_scan *s, void *ctx)
{
	uint8_t *prev;
	uint32_t merged;

	(void)fs;
	if (!name_is(s, ctx))
		return 0;
	if (s->prev < 0) {
		/* First entry of a block: mark it unused, keep its rec_len. */
		ext2_put_le32(s->blk + s->off, 0);
	} else {
		/* Otherwise the previous entry absorbs it (Poirier 4.1, rec_len). */
		prev = s->blk + s->prev;
		merged = ((uint32_t)prev[4] | ((uint32_t)prev[5] << 8)) + s->rec_len;
		prev[4] = (uint8_t)merged;
		prev[5] = (uint8_t)(merged >> 8);
	}
	s->dirty = 1;
	return 1;
}

int ext2_dir_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len)
{
	struct dir_name n = { name, len, 0, 0 };
	int rc = ext2_dir_scan(fs, dir, unlink_cb, &n);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return -ENOENT;
	return dir_touch(fs, dir);
}

static int retarget_cb(struct ext2_fs *fs, struct ext2_scan *s, void *ctx)
{
	struct dir_name *n = ctx;

	if (!name_is(s, n))
		return 0;
	ext2_put_le32(s->blk + s->off, n->ino);
	if (fs->filetype)
		s->blk[s->off + 7] = (uint8_t)n->ftype;
	s->dirty = 1;
	return 1;
}

int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino,
		      uint32_t ftype)
{
	struct dir_name n = { name, len, ino, ftype };
	int rc = ext2_dir_scan(fs, dir, retarget_cb, &n);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return ext2_error_set(-EUCLEAN, "directory %u lacks entry %.*s", dir, (int)len, name);
	return dir_touch(fs, dir);
}

static int empty_cb(struct ext2_fs *fs, struct ext2_scan *s, void *ctx)
{
	(void)fs;
	(void)ctx;
	if (!s->ino)
		return 0;
	if ((s->name_len == 1 && s->name[0] == '.') ||
	    (s->name_len == 2 && s->name[0] == '.' && s->name[1] == '.'))
		return 0;
	return 1;
}

int ext2_dir_is_empty(struct ext2_fs *fs, uint32_t dir)
{
	int rc = ext2_dir_scan(fs, dir, empty_cb, NULL);

	return rc < 0 ? rc : rc == 0;
}

/* A new directory's first block holds "." and ".." (Poirier 4.1). */
int ext2_dir_init(struct ext2_fs *fs, uint32_t dir, uint32_t parent, struct ext2_inode *in)
{
	struct dir_name dot = { ".", 1, dir, EXT2_FT_DIR }, dotdot = { "..", 2, parent, EXT2_FT_DIR };
	uint32_t pblk;
	uint8_t *blk = calloc(1, fs->block_size);
	int rc;

	if (!blk)
		return ext2_error_set(-ENOMEM, "no memory for a directory block");
	rc = ext2_inode_bmap(fs, dir, in, 0, 1, &pblk, NULL);
	if (!rc) {
		entry_put(fs, blk, dir, EXT2_DIR_REC_LEN(1), &dot);
		entry_put(fs, blk + EXT2_DIR_REC_LEN(1), parent, fs->block_size - EXT2_DIR_REC_LEN(1),
			  &dotdot);
		rc = ext2_block_write(fs, pblk, blk);
	}
	if (!rc)
		EXT2_SET32(in->i_size, fs->block_size);
	free(blk);
	return rc;
}
