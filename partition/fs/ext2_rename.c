/*
 * Rename within a directory or across directories, replacing an existing
 * target as POSIX rename does. A moved directory's ".." entry is pointed at
 * its new parent and both parents' link counts follow (Poirier 3.5, i_links_count).
 */
#include <string.h>

#include "partition/fs/ext2_priv.h"

struct rn_side {
	uint32_t dir;
	const char *name;
	size_t len;
	uint32_t ino;
	int is_dir;
};

static int kind_of(struct ext2_fs *fs, uint32_t ino, int *is_dir, uint32_t *ftype)
{
	struct ext2_inode in;
	int rc = ext2_inode_read(fs, ino, &in);

	if (rc)
		return rc;
	*is_dir = (EXT2_GET16(in.i_mode) & EXT2_S_IFMT) == EXT2_S_IFDIR;
	*ftype = ext2_inode_ftype(&in);
	return 0;
}

/* Moving a directory beneath itself would cut it off from the root: walk
 * up from the destination parent through ".." entries. */
static int check_not_ancestor(struct ext2_fs *fs, uint32_t src, uint32_t dst_parent)
{
	uint32_t cur = dst_parent, steps;
	int rc;

	for (steps = 0; steps < fs->inodes_count && steps < 65536; steps++) {
		if (cur == src)
			return ext2_error_set(-EINVAL, "cannot move a directory into itself");
		if (cur == EXT2_ROOT_INO)
			return 0;
		rc = ext2_dir_find(fs, cur, "..", 2, &cur);
		if (rc)
			return rc == -ENOENT ? ext2_error_set(-EUCLEAN, "directory lacks ..") : rc;
	}
	return ext2_error_set(-EUCLEAN, "directory loop above inode %u", dst_parent);
}

static int target_check(struct ext2_fs *fs, const struct rn_side *s, struct rn_side *d)
{
	uint32_t ft;
	int rc = kind_of(fs, d->ino, &d->is_dir, &ft);

	if (rc)
		return rc;
	if (!rc) {
		struct ext2_inode in;

		rc = ext2_inode_read(fs, d->ino, &in);
		if (!rc)
			rc = ext2_inode_verify(fs, d->ino, &in);
	}
	if (rc)
		return rc;
	if (s->is_dir && !d->is_dir)
		return ext2_error_set(-ENOTDIR, "rename target is not a directory");
	if (!s->is_dir && d->is_dir)
		return ext2_error_set(-EISDIR, "rename target is a directory");
	if (ext2_file_busy(fs, d->ino))
		return ext2_error_set(-EBUSY, "rename target is open");
	if (d->is_dir) {
		rc = ext2_dir_is_empty(fs, d->ino);
		if (rc <= 0)
			return rc ? rc : ext2_error_set(-ENOTEMPTY, "rename target directory not empty");
	}
	return 0;
}

static int sides_get(struct ext2_fs *fs, const char *from, const char *to, struct rn_side *s,
		     struct rn_side *d, uint32_t *ftype)
{
	int rc = ext2_path_parent(fs, from, &s->dir, &s->name, &s->len);

	if (!rc)
		rc = ext2_path_parent(fs, to, &d->dir, &d->name, &d->len);
	if (!rc)
		rc = ext2_dir_find(fs, s->dir, s->name, s->len, &s->ino);
	if (rc == -ENOENT)
		return ext2_error_set(-ENOENT, "%s: not found", from);
	if (!rc)
		rc = kind_of(fs, s->ino, &s->is_dir, ftype);
	if (!rc && s->is_dir)
		rc = check_not_ancestor(fs, s->ino, d->dir);
	if (rc)
		return rc;
	rc = ext2_dir_find(fs, d->dir, d->name, d->len, &d->ino);
	if (rc == -ENOENT) {
		d->ino = 0;
		return 0;
	}
	return rc ? rc : target_check(fs, s, d);
}

int ext2_path_rename(struct ext2_fs *fs, const char *from, const char *to)
{
	struct rn_side s, d;
	uint32_t ftype = 0;
	int rc = ext2_rw_check(fs);

	if (!rc)
		rc = sides_get(fs, from, to, &s, &d, &ftype);
	if (rc || d.ino == s.ino)
		return rc;
	if (s.is_dir && s.dir != d.dir && !d.ino) {
		rc = ext2_inode_links_add(fs, d.dir, 1); /* the moved dir's ".." */
		if (rc)
			return rc;
	}
	/* New name first, old name second: a crash leaves two names, not none. */
	if (d.ino)
		rc = ext2_dir_retarget(fs, d.dir, d.name, d.len, s.ino, ftype);
	else
		rc = ext2_dir_add(fs, d.dir, d.name, d.len, s.ino, ftype);
	if (rc) {
		if (s.is_dir && s.dir != d.dir && !d.ino)
			ext2_inode_links_add(fs, d.dir, -1);
		return rc;
	}
	rc = ext2_dir_unlink(fs, s.dir, s.name, s.len);
	if (!rc && d.ino)
		rc = ext2_inode_unref(fs, d.ino, d.is_dir);
	/* A replaced directory's ".." link to d.dir is gone; when d.dir also
	 * gains the moved directory the two cancel out. */
	if (!rc && d.ino && d.is_dir && s.dir == d.dir)
		rc = ext2_inode_links_add(fs, d.dir, -1);
	if (!rc && s.is_dir && s.dir != d.dir) {
		rc = ext2_dir_retarget(fs, s.ino, "..", 2, d.dir, EXT2_FT_DIR);
		if (!rc)
			rc = ext2_inode_links_add(fs, s.dir, -1);
	}
	return rc ? rc : ext2_inode_links_add(fs, s.ino, 0);
}
