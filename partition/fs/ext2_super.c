/*
 * ext2 mount, unmount and sync: superblock and group-descriptor validation,
 * block I/O helpers and error reporting.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition/fs/ext2_priv.h"

static char last_error[192];

int ext2_error_set(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *ext2_last_error(void)
{
	return last_error;
}

const char *ext2_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return "success";
	case ENOENT: return "no such file or directory";
	case EEXIST: return "file exists";
	case ENOSPC: return "no space left on volume";
	case ENOTDIR: return "not a directory";
	case EISDIR: return "is a directory";
	case ENOTEMPTY: return "directory not empty";
	case EROFS: return "read-only file system";
	case EIO: return "I/O error";
	case EUCLEAN: return "file system corrupted";
	case EINVAL: return "invalid argument";
	case ENOMEM: return "out of memory";
	case EFBIG: return "file too large";
	case EMLINK: return "too many links";
	case ENAMETOOLONG: return "name too long";
	case EBUSY: return "file is open";
	case ENOTSUP: return "unsupported file system feature";
	default: return "unknown error";
	}
}

int ext2_block_read(struct ext2_fs *fs, uint32_t blk, void *buf)
{
	int rc;

	if (blk >= fs->blocks_count)
		return ext2_error_set(-EUCLEAN, "block %u beyond end of volume (%u blocks)", blk,
				      fs->blocks_count);
	rc = fs->ops->read(fs->ctx, (uint64_t)blk * fs->block_size, buf, fs->block_size);
	if (rc < 0)
		return ext2_error_set(-EIO, "read of block %u failed (%d)", blk, rc);
	return 0;
}

int ext2_block_write(struct ext2_fs *fs, uint32_t blk, const void *buf)
{
	int rc;

	if (fs->read_only)
		return ext2_error_set(-EROFS, "volume is mounted read-only");
	if (blk >= fs->blocks_count)
		return ext2_error_set(-EUCLEAN, "write to block %u beyond end of volume", blk);
	rc = fs->ops->write(fs->ctx, (uint64_t)blk * fs->block_size, buf, fs->block_size);
	if (rc < 0)
		return ext2_error_set(-EIO, "write of block %u failed (%d)", blk, rc);
	return 0;
}

/* A block number taken from an inode or indirect block must name a block of
 * the volume past the boot/superblock area (Poirier 3.1, s_first_data_block). */
int ext2_block_check(struct ext2_fs *fs, uint32_t blk, uint32_t ino, const char *what)
{
	if (blk < fs->first_data_block || blk >= fs->blocks_count)
		return ext2_error_set(-EUCLEAN, "inode %u: %s block %u outside the volume (%u blocks)",
				      ino, what, blk, fs->blocks_count);
	return 0;
}

uint32_t ext2_time_now(struct ext2_fs *fs)
{
	uint32_t t = fs->now ? fs->now(fs->now_ctx) : EXT2_GET32(fs->sb.s_wtime);

	return t ? t : 1; /* dtime 0 means "not deleted" to e2fsck */
}

void ext2_clock_set(struct ext2_fs *fs, uint32_t (*now)(void *ctx), void *ctx)
{
	fs->now = now;
	fs->now_ctx = ctx;
}

int ext2_rw_check(struct ext2_fs *fs)
{
	if (fs->read_only)
		return ext2_error_set(-EROFS, "volume is mounted read-only");
	return 0;
}

int ext2_is_read_only(const struct ext2_fs *fs)
{
	return fs->read_only;
}

/* Check the fixed geometry in the superblock (Poirier 3.1). */
static int super_check_geometry(struct ext2_fs *fs, const struct ext2_super *sb, uint64_t dev)
{
	uint32_t log = EXT2_GET32(sb->s_log_block_size);
	uint64_t data;

	if (EXT2_GET16(sb->s_magic) != EXT2_SUPER_MAGIC)
		return ext2_error_set(-EUCLEAN, "bad superblock magic 0x%04x (want 0xef53)",
				      EXT2_GET16(sb->s_magic));
	if (log > EXT2_MAX_BLOCK_LOG - EXT2_MIN_BLOCK_LOG)
		return ext2_error_set(-EUCLEAN, "block size 1024<<%u out of range (1-4 KiB)", log);
	fs->block_size = 1024u << log;
	fs->ptrs = fs->block_size / 4;
	fs->rev = EXT2_GET32(sb->s_rev_level);
	if (fs->rev > EXT2_REV_DYNAMIC)
		return ext2_error_set(-EUCLEAN, "unknown revision level %u", fs->rev);
	fs->blocks_count = EXT2_GET32(sb->s_blocks_count);
	fs->inodes_count = EXT2_GET32(sb->s_inodes_count);
	fs->first_data_block = EXT2_GET32(sb->s_first_data_block);
	fs->blocks_per_group = EXT2_GET32(sb->s_blocks_per_group);
	fs->inodes_per_group = EXT2_GET32(sb->s_inodes_per_group);
	/* Block 0 of a 1 KiB volume is the boot block; the superblock is block 1. */
	if (fs->first_data_block != (fs->block_size == 1024 ? 1u : 0u))
		return ext2_error_set(-EUCLEAN, "first data block %u wrong for %u-byte blocks",
				      fs->first_data_block, fs->block_size);
	if (fs->blocks_count <= fs->first_data_block + 1)
		return ext2_error_set(-EUCLEAN, "block count %u too small", fs->blocks_count);
	if ((uint64_t)fs->blocks_count * fs->block_size > dev)
		return ext2_error_set(-EUCLEAN, "volume of %u blocks larger than the device (%llu bytes)",
				      fs->blocks_count, (unsigned long long)dev);
	/* Each group's bitmaps are one block, so a group holds at most 8*bs. */
	if (fs->blocks_per_group < 8 || fs->blocks_per_group > 8 * fs->block_size ||
	    fs->blocks_per_group % 8)
		return ext2_error_set(-EUCLEAN, "blocks per group %u invalid", fs->blocks_per_group);
	if (fs->inodes_per_group == 0 || fs->inodes_per_group > 8 * fs->block_size)
		return ext2_error_set(-EUCLEAN, "inodes per group %u invalid", fs->inodes_per_group);
	data = fs->blocks_count - fs->first_data_block;
	fs->groups = (uint32_t)((data + fs->blocks_per_group - 1) / fs->blocks_per_group);
	if ((uint64_t)fs->groups * fs->inodes_per_group != fs->inodes_count)
		return ext2_error_set(-EUCLEAN, "group count mismatch: %u groups x %u inodes != %u inodes",
				      fs->groups, fs->inodes_per_group, fs->inodes_count);
	return 0;
}

struct feature_name {
	uint32_t mask;
	const char *name;
};

/* Names as e2fsprogs prints them, so a refusal says which feature it was. */
static const struct feature_name incompat_names[] = {
	{ 0x0001, "compression" }, { 0x0004, "needs_recovery" }, { 0x0008, "journal_dev" },
	{ 0x0010, "meta_bg" },     { 0x0040, "extent" },         { 0x0080, "64bit" },
	{ 0x0100, "mmp" },         { 0x0200, "flex_bg" },        { 0x0400, "ea_inode" },
	{ 0x1000, "dirdata" },     { 0x2000, "metadata_csum_seed" }, { 0x4000, "large_dir" },
	{ 0x8000, "inline_data" }, { 0x10000, "encrypt" },       { 0x20000, "casefold" },
	{ 0, NULL },
};

static const struct feature_name ro_names[] = {
	{ 0x0008, "huge_file" },   { 0x0010, "uninit_bg" },      { 0x0020, "dir_nlink" },
	{ 0x0040, "extra_isize" }, { 0x0100, "quota" },          { 0x0200, "bigalloc" },
	{ 0x0400, "metadata_csum" }, { 0x1000, "readonly" },     { 0x2000, "project" },
	{ 0x8000, "verity" },      { 0, NULL },
};

static void features_name(const struct feature_name *t, uint32_t bits, char *out, size_t len)
{
	size_t used = 0;

	out[0] = 0;
	for (; t->name && used + 2 < len; t++) {
		if (!(bits & t->mask))
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", t->name);
		bits &= ~t->mask;
	}
	if (bits && used + 2 < len)
		snprintf(out + used, len - used, "%sunknown", used ? "," : "");
}

/* Revision-dependent fields and feature flags (Poirier 3.1, revision 1 fields). */
static int super_check_features(struct ext2_fs *fs, const struct ext2_super *sb, unsigned *flags)
{
	uint32_t incompat, ro;
	char names[96];

	fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
	fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
	if (fs->rev == EXT2_REV_GOOD_OLD)
		return 0;
	fs->inode_size = EXT2_GET16(sb->s_inode_size);
	fs->first_ino = EXT2_GET32(sb->s_first_ino);
	if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE || fs->inode_size > fs->block_size ||
	    (fs->inode_size & (fs->inode_size - 1)))
		return ext2_error_set(-EUCLEAN, "inode size %u invalid", fs->inode_size);
	if (fs->first_ino < EXT2_GOOD_OLD_FIRST_INO || fs->first_ino > fs->inodes_count)
		return ext2_error_set(-EUCLEAN, "first inode %u invalid", fs->first_ino);
	incompat = EXT2_GET32(sb->s_feature_incompat);
	if (incompat & ~EXT2_INCOMPAT_SUPPORTED) {
		features_name(incompat_names, incompat & ~EXT2_INCOMPAT_SUPPORTED, names, sizeof(names));
		return ext2_error_set(-ENOTSUP, "unsupported incompatible features 0x%x (%s)",
				      incompat & ~EXT2_INCOMPAT_SUPPORTED, names);
	}
	fs->filetype = (incompat & EXT2_INCOMPAT_FILETYPE) != 0;
	ro = EXT2_GET32(sb->s_feature_ro_compat);
	if ((ro & ~EXT2_RO_COMPAT_SUPPORTED) && !(*flags & EXT2_MOUNT_RDONLY)) {
		/* Unknown ro-compat features allow reading but not writing. */
		features_name(ro_names, ro & ~EXT2_RO_COMPAT_SUPPORTED, names, sizeof(names));
		ext2_error_set(0, "unsupported read-only-compatible features 0x%x (%s): mounted read-only",
			       ro & ~EXT2_RO_COMPAT_SUPPORTED, names);
		*flags |= EXT2_MOUNT_RDONLY;
	}
	return 0;
}

int ext2_group_has_super(const struct ext2_fs *fs, uint32_t g)
{
	const uint8_t *raw = (const uint8_t *)&fs->sb;
	uint32_t p;

	if (g == 0)
		return 1;
	/* sparse_super2 names at most two backup groups in the superblock. */
	if (EXT2_GET32(fs->sb.s_feature_compat) & EXT2_COMPAT_SPARSE_SUPER2)
		return g == ext2_get_le32(raw + EXT2_SUPER_BACKUP_BGS_OFF) ||
		       g == ext2_get_le32(raw + EXT2_SUPER_BACKUP_BGS_OFF + 4);
	/* sparse_super: copies only in groups 0, 1 and powers of 3, 5, 7
	 * (kernel Documentation/filesystems/ext2 "Superblock"). */
	if (g <= 1 || !(EXT2_GET32(fs->sb.s_feature_ro_compat) & EXT2_RO_COMPAT_SPARSE_SUPER))
		return 1;
	for (p = 3; p <= g; p *= 3)
		if (p == g) return 1;
	for (p = 5; p <= g; p *= 5)
		if (p == g) return 1;
	for (p = 7; p <= g; p *= 7)
		if (p == g) return 1;
	return 0;
}

static int gd_check_one(struct ext2_fs *fs, uint32_t g)
{
	const struct ext2_group_desc *d = &fs->gd[g];
	uint32_t first = fs->first_data_block + g * fs->blocks_per_group;
	uint32_t last = g + 1 == fs->groups ? fs->blocks_count - 1 : first + fs->blocks_per_group - 1;
	uint32_t itb = (uint32_t)(((uint64_t)fs->inodes_per_group * fs->inode_size + fs->block_size - 1) /
				  fs->block_size);
	uint32_t bb = EXT2_GET32(d->bg_block_bitmap), ib = EXT2_GET32(d->bg_inode_bitmap);
	uint32_t it = EXT2_GET32(d->bg_inode_table);

	/* Without flex_bg each group's bitmaps and inode table lie inside it. */
	if (bb < first || bb > last || ib < first || ib > last)
		return ext2_error_set(-EUCLEAN, "group %u: bitmap block outside the group", g);
	if (it < first || (uint64_t)it + itb - 1 > last)
		return ext2_error_set(-EUCLEAN, "group %u: inode table outside the group", g);
	if (EXT2_GET16(d->bg_free_blocks_count) > last - first + 1 ||
	    EXT2_GET16(d->bg_free_inodes_count) > fs->inodes_per_group ||
	    EXT2_GET16(d->bg_used_dirs_count) > fs->inodes_per_group)
		return ext2_error_set(-EUCLEAN, "group %u: free/used counts out of range", g);
	return 0;
}

static int gd_load(struct ext2_fs *fs)
{
	size_t len = (size_t)fs->groups * sizeof(struct ext2_group_desc);
	uint64_t off = (uint64_t)(fs->first_data_block + 1) * fs->block_size;
	uint32_t g;
	int rc;

	/* The descriptor table follows the superblock's block (Poirier 3.2). */
	fs->gdt_blocks = (uint32_t)((len + fs->block_size - 1) / fs->block_size);
	if (fs->first_data_block + 1 + fs->gdt_blocks > fs->blocks_per_group)
		return ext2_error_set(-EUCLEAN, "group descriptor table (%u blocks) does not fit group 0",
				      fs->gdt_blocks);
	fs->gd = malloc(len);
	if (!fs->gd)
		return ext2_error_set(-ENOMEM, "no memory for %u group descriptors", fs->groups);
	rc = fs->ops->read(fs->ctx, off, fs->gd, len);
	if (rc < 0)
		return ext2_error_set(-EIO, "reading group descriptors failed (%d)", rc);
	for (g = 0; g < fs->groups; g++) {
		rc = gd_check_one(fs, g);
		if (rc)
			return rc;
	}
	return 0;
}

static int root_scan_cb(struct ext2_fs *fs, struct ext2_scan *s, void *ctx)
{
	(void)fs;
	(void)s;
	(void)ctx;
	return 0;
}

static int super_check_counts(struct ext2_fs *fs)
{
	const struct ext2_super *sb = &fs->sb;
	struct ext2_inode root;
	int rc;

	if (EXT2_GET32(sb->s_free_blocks_count) > fs->blocks_count ||
	    EXT2_GET32(sb->s_free_inodes_count) > fs->inodes_count)
		return ext2_error_set(-EUCLEAN, "superblock free counts exceed totals");
	rc = ext2_inode_read(fs, EXT2_ROOT_INO, &root);
	if (rc)
		return rc;
	if ((EXT2_GET16(root.i_mode) & EXT2_S_IFMT) != EXT2_S_IFDIR)
		return ext2_error_set(-EUCLEAN, "root inode is not a directory");
	/* Walk the root directory once so a broken one fails the mount. */
	return ext2_dir_scan(fs, EXT2_ROOT_INO, root_scan_cb, NULL);
}

static int fs_alloc_buffers(struct ext2_fs *fs)
{
	size_t bs = fs->block_size;
	int i;

	fs->zero = calloc(1, bs);
	fs->bbm.buf = malloc(bs);
	fs->ibm.buf = malloc(bs);
	fs->dirbuf = malloc(bs);
	fs->iobuf = malloc(bs);
	for (i = 0; i < 4; i++)
		fs->ind[i] = malloc(bs);
	if (!fs->zero || !fs->bbm.buf || !fs->ibm.buf || !fs->dirbuf || !fs->iobuf || !fs->ind[0] ||
	    !fs->ind[1] || !fs->ind[2] || !fs->ind[3])
		return ext2_error_set(-ENOMEM, "no memory for block buffers");
	return 0;
}

static void fs_free(struct ext2_fs *fs)
{
	int i;

	if (!fs)
		return;
	free(fs->gd);
	free(fs->zero);
	free(fs->bbm.buf);
	free(fs->ibm.buf);
	free(fs->dirbuf);
	free(fs->iobuf);
	for (i = 0; i < 4; i++)
		free(fs->ind[i]);
	free(fs);
}

static int super_write(struct ext2_fs *fs)
{
	int rc = fs->ops->write(fs->ctx, EXT2_SUPER_OFFSET, &fs->sb, sizeof(fs->sb));

	return rc < 0 ? ext2_error_set(-EIO, "superblock write failed (%d)", rc) : 0;
}

/* Mounting read-write clears EXT2_VALID_FS so that a crash is noticed by the
 * next e2fsck (Poirier 3.1, s_state); unmount sets it again. */
static int mount_mark_dirty(struct ext2_fs *fs)
{
	struct ext2_super *sb = &fs->sb;
	int rc;

	fs->mount_state = EXT2_GET16(sb->s_state);
	EXT2_SET16(sb->s_state, fs->mount_state & ~EXT2_STATE_VALID);
	EXT2_SET16(sb->s_mnt_count, EXT2_GET16(sb->s_mnt_count) + 1);
	EXT2_SET32(sb->s_mtime, ext2_time_now(fs));
	rc = super_write(fs);
	if (!rc && fs->ops->flush && fs->ops->flush(fs->ctx) < 0)
		rc = ext2_error_set(-EIO, "device flush failed");
	return rc;
}

static int mount_setup(struct ext2_fs *fs, unsigned flags)
{
	int rc;

	if (fs->ops->size < EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE)
		return ext2_error_set(-EUCLEAN, "device too small for an ext2 superblock");
	rc = fs->ops->read(fs->ctx, EXT2_SUPER_OFFSET, &fs->sb, sizeof(fs->sb));
	if (rc < 0)
		return ext2_error_set(-EIO, "superblock read failed (%d)", rc);
	rc = super_check_geometry(fs, &fs->sb, fs->ops->size);
	if (!rc)
		rc = super_check_features(fs, &fs->sb, &flags);
	if (!rc)
		rc = fs_alloc_buffers(fs);
	if (!rc)
		rc = gd_load(fs);
	if (!rc)
		rc = super_check_counts(fs);
	if (rc)
		return rc;
	fs->read_only = (flags & EXT2_MOUNT_RDONLY) != 0;
	return fs->read_only ? 0 : mount_mark_dirty(fs);
}

int ext2_mount(const struct ext2_dev_ops *ops, void *ctx, unsigned flags, struct ext2_fs **out)
{
	struct ext2_fs *fs;
	int rc;

	*out = NULL;
	if (!ops || !ops->read || (!(flags & EXT2_MOUNT_RDONLY) && !ops->write))
		return ext2_error_set(-EINVAL, "device ops table incomplete");
	ext2_error_set(0, "");
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return ext2_error_set(-ENOMEM, "no memory for the mount");
	fs->ops = ops;
	fs->ctx = ctx;
	fs->read_only = 1; /* no writes until validated */
	rc = mount_setup(fs, flags);
	if (rc) {
		fs_free(fs);
		return rc;
	}
	*out = fs;
	return 0;
}

static int backups_write(struct ext2_fs *fs)
{
	struct ext2_super copy = fs->sb;
	uint32_t g;
	int rc;

	for (g = 1; g < fs->groups; g++) {
		uint64_t blk = fs->first_data_block + (uint64_t)g * fs->blocks_per_group;

		if (!ext2_group_has_super(fs, g))
			continue;
		EXT2_SET16(copy.s_block_group_nr, g);
		rc = fs->ops->write(fs->ctx, blk * fs->block_size, &copy, sizeof(copy));
		if (rc < 0)
			return ext2_error_set(-EIO, "backup superblock %u write failed", g);
	}
	fs->backups_dirty = 0;
	return 0;
}

int ext2_sync(struct ext2_fs *fs)
{
	uint64_t off;
	int rc;

	if (fs->read_only)
		return 0;
	rc = ext2_ind_cache_flush(fs);
	if (!rc)
		rc = ext2_bitmaps_flush(fs);
	if (rc)
		return rc;
	/* Bitmaps and data first, then the counts that describe them. */
	off = (uint64_t)(fs->first_data_block + 1) * fs->block_size;
	rc = fs->ops->write(fs->ctx, off, fs->gd, (size_t)fs->groups * sizeof(*fs->gd));
	if (rc < 0)
		return ext2_error_set(-EIO, "group descriptor write failed (%d)", rc);
	EXT2_SET32(fs->sb.s_wtime, ext2_time_now(fs));
	rc = super_write(fs);
	if (!rc && fs->backups_dirty)
		rc = backups_write(fs);
	if (!rc && fs->ops->flush && fs->ops->flush(fs->ctx) < 0)
		rc = ext2_error_set(-EIO, "device flush failed");
	return rc;
}

int ext2_unmount(struct ext2_fs *fs)
{
	int rc = 0;

	if (!fs)
		return 0;
	if (fs->files)
		return ext2_error_set(-EBUSY, "files still open");
	if (!fs->read_only) {
		/* Back to the state found at mount, as the kernel does: a volume
		 * that was not clean before stays marked for e2fsck. */
		EXT2_SET16(fs->sb.s_state, fs->mount_state);
		rc = ext2_sync(fs);
	}
	fs_free(fs);
	return rc;
}

int ext2_statfs_get(struct ext2_fs *fs, struct ext2_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->block_size = fs->block_size;
	st->blocks = fs->blocks_count;
	st->free_blocks = EXT2_GET32(fs->sb.s_free_blocks_count);
	st->inodes = fs->inodes_count;
	st->free_inodes = EXT2_GET32(fs->sb.s_free_inodes_count);
	st->read_only = fs->read_only;
	memcpy(st->label, fs->sb.s_volume_name, 16);
	st->label[16] = 0;
	return 0;
}

/* Indirect blocks changed by allocation are written back lazily: before
 * the buffer is reused, before any inode write (so an inode never points
 * at an unwritten map) and on sync; each after the bitmaps that mark the
 * blocks it names used (ext2_alloc_commit). */
int ext2_ind_cache_flush(struct ext2_fs *fs)
{
	int lvl, rc = ext2_alloc_commit(fs);

	for (lvl = 1; lvl < 4; lvl++) {
		if (!fs->ind_dirty[lvl] || !fs->ind_tag[lvl])
			continue;
		fs->ind_dirty[lvl] = 0;
		if (!rc)
			rc = ext2_block_write(fs, fs->ind_tag[lvl], fs->ind[lvl]);
	}
	return rc;
}

int ext2_ind_cache_drop(struct ext2_fs *fs)
{
	int rc = ext2_ind_cache_flush(fs);

	memset(fs->ind_tag, 0, sizeof(fs->ind_tag));
	return rc;
}
