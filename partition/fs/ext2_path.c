/*
 * Path resolution and the namespace operations: stat, readdir, mkdir,
 * rmdir, unlink and rename, each keeping link counts as ext2 defines them
 * (a directory has 2 + one link per subdirectory: its entry, its "." and
 * each child's ".."; Poirier 3.5, i_links_count).
 */
#include <string.h>

#include "partition/fs/ext2_priv.h"

#define PATH_MAX_DEPTH 4096u

static int is_sep(char c)
{
	return c == '/' || c == '\\';
}

/* Next component of [*p, end); returns 0 at the end. */
static int comp_next(const char **p, const char *end, const char **name, size_t *len)
{
	const char *s = *p;

	while (s < end && is_sep(*s))
		s++;
	if (s == end)
		return 0;
	*name = s;
	while (s < end && !is_sep(*s))
		s++;
	*len = (size_t)(s - *name);
	*p = s;
	return 1;
}

static int resolve_n(struct ext2_fs *fs, const char *path, size_t plen, uint32_t *ino)
{
	const char *p = path, *end = path + plen, *name;
	uint32_t cur = EXT2_ROOT_INO;
	size_t len;
	int rc;

	while (comp_next(&p, end, &name, &len)) {
		if (len > EXT2_NAME_LEN)
			return ext2_error_set(-ENAMETOOLONG, "name longer than 255 bytes");
		if (len == 1 && name[0] == '.')
			continue;
		rc = ext2_dir_find(fs, cur, name, len, &cur);
		if (rc == -ENOENT)
			return ext2_error_set(-ENOENT, "%.*s: not found", (int)(p - path), path);
		if (rc)
			return rc;
	}
	*ino = cur;
	return 0;
}

int ext2_path_resolve(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
	return resolve_n(fs, path, strlen(path), ino);
}

int ext2_path_parent(struct ext2_fs *fs, const char *path, uint32_t *parent, const char **name,
		     size_t *len)
{
	size_t n = strlen(path);

	while (n > 0 && is_sep(path[n - 1]))
		n--;
	*len = 0;
	while (n > 0 && !is_sep(path[n - 1])) {
		n--;
		(*len)++;
	}
	*name = path + n;
	if (*len == 0 || (*len == 1 && (*name)[0] == '.') ||
	    (*len == 2 && (*name)[0] == '.' && (*name)[1] == '.'))
		return ext2_error_set(-EINVAL, "%s: needs a final name other than . or ..", path);
	if (*len > EXT2_NAME_LEN)
		return ext2_error_set(-ENAMETOOLONG, "name longer than 255 bytes");
	return resolve_n(fs, path, n, parent);
}

int ext2_file_busy(struct ext2_fs *fs, uint32_t ino)
{
	const struct ext2_file *f;

	for (f = fs->files; f; f = f->next)
		if (f->ino == ino)
			return 1;
	return 0;
}

int ext2_dir_lookup(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
	return ext2_path_resolve(fs, path, ino);
}

int ext2_path_stat(struct ext2_fs *fs, const char *path, struct ext2_stat *st)
{
	struct ext2_inode in;
	uint32_t ino;
	int rc = ext2_path_resolve(fs, path, &ino);

	if (!rc)
		rc = ext2_inode_read(fs, ino, &in);
	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->ino = ino;
	st->type = ext2_inode_ftype(&in);
	st->mode = EXT2_GET16(in.i_mode);
	st->links = EXT2_GET16(in.i_links_count);
	st->size = ext2_inode_size_get(fs, &in);
	st->blocks512 = EXT2_GET32(in.i_blocks);
	st->atime = EXT2_GET32(in.i_atime);
	st->mtime = EXT2_GET32(in.i_mtime);
	st->ctime = EXT2_GET32(in.i_ctime);
	return 0;
}

struct list_ctx {
	ext2_dir_cb cb;
	void *ctx;
	int user_rc;
};

static int list_cb(struct ext2_fs *fs, struct ext2_scan *s, void *ctx)
{
	struct list_ctx *l = ctx;
	struct ext2_dirent e;

	(void)fs;
	if (!s->ino)
		return 0;
	if (s->name_len > EXT2_NAME_LEN)
		return ext2_error_set(-EUCLEAN, "directory entry name longer than 255 bytes");
	e.ino = s->ino;
	e.type = s->ftype;
	e.name_len = s->name_len;
	memcpy(e.name, s->name, s->name_len);
	e.name[s->name_len] = 0;
	l->user_rc = l->cb(l->ctx, &e);
	return l->user_rc ? 1 : 0;
}

int ext2_dir_list(struct ext2_fs *fs, const char *path, ext2_dir_cb cb, void *ctx)
{
	struct list_ctx l = { cb, ctx, 0 };
	uint32_t ino;
	int rc = ext2_path_resolve(fs, path, &ino);

	if (!rc)
		rc = ext2_dir_scan(fs, ino, list_cb, &l);
	if (rc < 0)
		return rc;
	return l.user_rc < 0 ? l.user_rc : 0;
}

/* An inode and its link count; links_store writes a new count back,
 * stamped with the change time. */
static int links_load(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t *links)
{
	int rc = ext2_inode_read(fs, ino, in);

	if (!rc)
		*links = EXT2_GET16(in->i_links_count);
	return rc;
}

static int links_store(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t links)
{
	EXT2_SET16(in->i_links_count, links);
	EXT2_SET32(in->i_ctime, ext2_time_now(fs));
	return ext2_inode_write(fs, ino, in);
}

int ext2_inode_links_add(struct ext2_fs *fs, uint32_t ino, int delta)
{
	struct ext2_inode in;
	uint32_t links;
	int rc = links_load(fs, ino, &in, &links);

	if (rc)
		return rc;
	if (delta > 0 && links + (uint32_t)delta > EXT2_LINK_MAX)
		return ext2_error_set(-EMLINK, "inode %u has too many links", ino);
	links = delta < 0 && links < (uint32_t)-delta ? 0 : links + (uint32_t)delta;
	return links_store(fs, ino, &in, links);
}

static void inode_init(struct ext2_fs *fs, struct ext2_inode *in, uint32_t mode, uint32_t links)
{
	uint32_t now = ext2_time_now(fs);

	memset(in, 0, sizeof(*in));
	EXT2_SET16(in->i_mode, mode);
	EXT2_SET16(in->i_links_count, links);
	EXT2_SET32(in->i_atime, now);
	EXT2_SET32(in->i_ctime, now);
	EXT2_SET32(in->i_mtime, now);
}

/* Allocates and writes a fresh inode; large inodes get their tail zeroed. */
int ext2_node_create(struct ext2_fs *fs, uint32_t parent, uint32_t mode, uint32_t *ino,
		     struct ext2_inode *in)
{
	int is_dir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	int rc = ext2_inode_alloc(fs, parent, is_dir, ino);
	uint32_t g, idx;

	if (rc)
		return rc;
	g = (*ino - 1) / fs->inodes_per_group;
	idx = (*ino - 1) % fs->inodes_per_group;
	if (fs->inode_size > sizeof(*in)) {
		uint64_t off = (uint64_t)EXT2_GET32(fs->gd[g].bg_inode_table) * fs->block_size +
			       (uint64_t)idx * fs->inode_size;

		if (fs->ops->write(fs->ctx, off, fs->zero, fs->inode_size) < 0)
			rc = ext2_error_set(-EIO, "inode %u write failed", *ino);
	}
	inode_init(fs, in, mode, is_dir ? 2 : 1);
	if (!rc && is_dir)
		rc = ext2_dir_init(fs, *ino, parent, in);
	if (!rc)
		rc = ext2_inode_write(fs, *ino, in);
	if (rc) {
		ext2_inode_trim(fs, *ino, in, 0);
		ext2_inode_release(fs, *ino, is_dir);
	}
	return rc;
}

/* A new file or directory at path, which must not exist: a fresh inode,
 * for a directory the parent's link from "..", then the name in the
 * parent. A failure undoes what was done (and only that). */
int ext2_path_create(struct ext2_fs *fs, const char *path, uint32_t mode, uint32_t *ino)
{
	struct ext2_inode in;
	uint32_t parent, old;
	const char *name;
	size_t len;
	int is_dir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR, linked = 0;
	int rc = ext2_rw_check(fs);

	if (!rc)
		rc = ext2_path_parent(fs, path, &parent, &name, &len);
	if (rc)
		return rc;
	rc = ext2_dir_find(fs, parent, name, len, &old);
	if (rc != -ENOENT)
		return rc ? rc : ext2_error_set(-EEXIST, "%s: already exists", path);
	rc = ext2_node_create(fs, parent, mode, ino, &in);
	if (rc)
		return rc;
	if (is_dir) {
		rc = ext2_inode_links_add(fs, parent, 1);
		linked = !rc;
	}
	if (!rc)
		rc = ext2_dir_add(fs, parent, name, len, *ino,
				  is_dir ? EXT2_FT_DIR : EXT2_FT_REG_FILE);
	if (rc) {
		if (linked)
			ext2_inode_links_add(fs, parent, -1);
		ext2_inode_delete(fs, *ino, &in);
	}
	return rc;
}

int ext2_dir_create(struct ext2_fs *fs, const char *path)
{
	uint32_t ino;

	return ext2_path_create(fs, path, EXT2_S_IFDIR | 0755, &ino);
}

/* Drops one name of `ino`; deletes the inode when no names are left. */
int ext2_inode_unref(struct ext2_fs *fs, uint32_t ino, int is_dir)
{
	struct ext2_inode in;
	uint32_t links;
	int rc = links_load(fs, ino, &in, &links);

	if (rc)
		return rc;
	/* A directory's own "." link goes with its last name. */
	links = is_dir ? 0 : (links ? links - 1 : 0);
	if (links == 0)
		return ext2_inode_delete(fs, ino, &in);
	return links_store(fs, ino, &in, links);
}

/* Reads the type and checks the block map, so a removal of a corrupt inode
 * fails before its directory entry goes. */
static int node_kind(struct ext2_fs *fs, uint32_t ino, int *is_dir)
{
	struct ext2_inode in;
	int rc = ext2_inode_read(fs, ino, &in);

	if (rc)
		return rc;
	*is_dir = (EXT2_GET16(in.i_mode) & EXT2_S_IFMT) == EXT2_S_IFDIR;
	return ext2_inode_verify(fs, ino, &in);
}

static int remove_common(struct ext2_fs *fs, const char *path, int want_dir)
{
	uint32_t parent, ino;
	const char *name;
	size_t len;
	int rc = ext2_rw_check(fs), is_dir;

	if (!rc)
		rc = ext2_path_parent(fs, path, &parent, &name, &len);
	if (!rc)
		rc = ext2_dir_find(fs, parent, name, len, &ino);
	if (!rc)
		rc = node_kind(fs, ino, &is_dir);
	if (rc)
		return rc == -ENOENT ? ext2_error_set(rc, "%s: not found", path) : rc;
	if (want_dir && !is_dir)
		return ext2_error_set(-ENOTDIR, "%s: not a directory", path);
	if (!want_dir && is_dir)
		return ext2_error_set(-EISDIR, "%s: is a directory", path);
	if (ext2_file_busy(fs, ino))
		return ext2_error_set(-EBUSY, "%s: file is open", path);
	if (is_dir) {
		rc = ext2_dir_is_empty(fs, ino);
		if (rc <= 0)
			return rc ? rc : ext2_error_set(-ENOTEMPTY, "%s: directory not empty", path);
	}
	/* Entry first, then the inode: a crash leaks space but never dangles. */
	rc = ext2_dir_unlink(fs, parent, name, len);
	if (!rc && is_dir)
		rc = ext2_inode_links_add(fs, parent, -1);
	return rc ? rc : ext2_inode_unref(fs, ino, is_dir);
}

int ext2_path_unlink(struct ext2_fs *fs, const char *path)
{
	return remove_common(fs, path, 0);
}

int ext2_dir_remove(struct ext2_fs *fs, const char *path)
{
	return remove_common(fs, path, 1);
}

/* Symlink targets live in i_block when shorter than 60 bytes ("fast"
 * symlinks), otherwise in the first data block (Poirier 2.6 "Symbolic Links"). */
int ext2_link_read(struct ext2_fs *fs, const char *path, char *buf, size_t len)
{
	struct ext2_inode in;
	uint32_t ino, pblk, size;
	int rc = ext2_path_resolve(fs, path, &ino);

	if (!rc)
		rc = ext2_inode_read(fs, ino, &in);
	if (rc)
		return rc;
	if ((EXT2_GET16(in.i_mode) & EXT2_S_IFMT) != EXT2_S_IFLNK)
		return ext2_error_set(-EINVAL, "%s: not a symbolic link", path);
	size = EXT2_GET32(in.i_size);
	if (size >= len)
		return ext2_error_set(-ENAMETOOLONG, "%s: link target longer than the buffer", path);
	if (!ext2_inode_has_blocks(fs, &in)) {
		if (size > EXT2_FAST_LINK_MAX)
			return ext2_error_set(-EUCLEAN, "inode %u: fast symlink of %u bytes", ino, size);
		memcpy(buf, in.i_block, size);
	} else {
		if (size > fs->block_size)
			return ext2_error_set(-EUCLEAN, "inode %u: symlink of %u bytes", ino, size);
		rc = ext2_inode_bmap(fs, ino, &in, 0, 0, &pblk, NULL);
		if (!rc && pblk == 0)
			rc = ext2_error_set(-EUCLEAN, "inode %u: symlink without a block", ino);
		if (!rc)
			rc = ext2_block_read(fs, pblk, fs->iobuf);
		if (rc)
			return rc;
		memcpy(buf, fs->iobuf, size);
	}
	buf[size] = 0;
	return (int)size;
}
