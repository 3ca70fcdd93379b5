/*
 * Regular files: open/create, read and write at any offset, truncate.
 * Unmapped blocks inside i_size are holes and read as zeros (Poirier 3.5, i_block:
 * a zero block number means no block). Bytes past i_size inside the last
 * block are kept zero, so a file grown later shows zeros there.
 */
#include <stdlib.h>
#include <string.h>

#include "partition/fs/ext2_priv.h"

/* Coalesced device reads are bounded so a single call stays reasonable. */
#define FILE_RUN_MAX 256u

static int open_existing(struct ext2_fs *fs, const char *path, uint32_t ino, unsigned flags)
{
	struct ext2_inode in;
	int rc = ext2_inode_read(fs, ino, &in);

	if (rc)
		return rc;
	if ((EXT2_GET16(in.i_mode) & EXT2_S_IFMT) == EXT2_S_IFDIR)
		return ext2_error_set(-EISDIR, "%s: is a directory", path);
	if ((EXT2_GET16(in.i_mode) & EXT2_S_IFMT) != EXT2_S_IFREG)
		return ext2_error_set(-EINVAL, "%s: not a regular file", path);
	if ((flags & EXT2_O_CREAT) && (flags & EXT2_O_EXCL))
		return ext2_error_set(-EEXIST, "%s: already exists", path);
	if ((flags & (EXT2_O_RDWR | EXT2_O_TRUNC)) && fs->read_only)
		return ext2_error_set(-EROFS, "volume is mounted read-only");
	return 0;
}

int ext2_file_open(struct ext2_fs *fs, const char *path, unsigned flags, struct ext2_file **out)
{
	struct ext2_file *f;
	uint32_t ino;
	int rc = ext2_path_resolve(fs, path, &ino);

	*out = NULL;
	if ((flags & EXT2_O_TRUNC) && !(flags & EXT2_O_RDWR))
		return ext2_error_set(-EINVAL, "%s: truncating needs a read-write open", path);
	if (rc == -ENOENT && (flags & EXT2_O_CREAT))
		rc = ext2_path_create(fs, path, EXT2_S_IFREG | 0644, &ino);
	else if (!rc)
		rc = open_existing(fs, path, ino, flags);
	if (rc)
		return rc;
	f = calloc(1, sizeof(*f));
	if (!f)
		return ext2_error_set(-ENOMEM, "no memory for a file handle");
	f->fs = fs;
	f->ino = ino;
	f->flags = flags;
	f->next = fs->files;
	fs->files = f;
	if (flags & EXT2_O_TRUNC) {
		rc = ext2_file_truncate(f, 0);
		if (rc) {
			ext2_file_close(f);
			return rc;
		}
	}
	*out = f;
	return 0;
}

int ext2_file_close(struct ext2_file *f)
{
	struct ext2_file **pp;

	if (!f)
		return 0;
	for (pp = &f->fs->files; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	free(f);
	return 0;
}

uint64_t ext2_file_size(const struct ext2_file *f)
{
	struct ext2_inode in;

	if (ext2_inode_read(f->fs, f->ino, &in))
		return 0;
	return ext2_inode_size_get(f->fs, &in);
}

/* Reads whole blocks lblk.. into buf, merging physically contiguous ones. */
static int read_run(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t lblk,
		    uint32_t nblk, uint8_t *buf, uint32_t *done)
{
	uint32_t pblk, next, n = 1;
	int rc = ext2_inode_bmap(fs, ino, in, lblk, 0, &pblk, NULL);

	if (rc)
		return rc;
	if (pblk == 0) {
		memset(buf, 0, fs->block_size);
		*done = 1;
		return 0;
	}
	while (n < nblk && n < FILE_RUN_MAX) {
		rc = ext2_inode_bmap(fs, ino, in, lblk + n, 0, &next, NULL);
		if (rc)
			return rc;
		if (next != pblk + n)
			break;
		n++;
	}
	rc = fs->ops->read(fs->ctx, (uint64_t)pblk * fs->block_size, buf, (size_t)n * fs->block_size);
	if (rc < 0)
		return ext2_error_set(-EIO, "read of blocks %u+%u failed", pblk, n);
	*done = n;
	return 0;
}

static int read_partial(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t lblk,
			uint32_t boff, uint32_t n, uint8_t *dst)
{
	uint32_t pblk;
	int rc = ext2_inode_bmap(fs, ino, in, lblk, 0, &pblk, NULL);

	if (rc)
		return rc;
	if (pblk == 0) {
		memset(dst, 0, n);
		return 0;
	}
	rc = ext2_block_read(fs, pblk, fs->iobuf);
	if (!rc)
		memcpy(dst, fs->iobuf + boff, n);
	return rc;
}

int64_t ext2_file_read(struct ext2_file *f, uint64_t off, void *buf, size_t len)
{
	struct ext2_fs *fs = f->fs;
	struct ext2_inode in;
	uint64_t size, done = 0;
	uint8_t *dst = buf;
	int rc = ext2_inode_read(fs, f->ino, &in);

	if (rc)
		return rc;
	size = ext2_inode_size_get(fs, &in);
	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	while (done < len) {
		uint64_t pos = off + done, lblk = pos / fs->block_size;
		uint32_t boff = (uint32_t)(pos % fs->block_size), n = fs->block_size - boff, got = 0;

		if (boff == 0 && len - done >= fs->block_size) {
			uint64_t whole = (len - done) / fs->block_size;

			rc = read_run(fs, f->ino, &in, lblk, whole > FILE_RUN_MAX ? FILE_RUN_MAX : (uint32_t)whole,
				      dst + done, &got);
			n = got * fs->block_size;
		} else {
			if (n > len - done)
				n = (uint32_t)(len - done);
			rc = read_partial(fs, f->ino, &in, lblk, boff, n, dst + done);
		}
		if (rc)
			return rc;
		done += n;
	}
	return (int64_t)done;
}

/* Writes one block's worth (or part of one); new blocks get zero fill. */
static int write_block(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t pos,
		       const uint8_t *src, uint32_t n)
{
	uint64_t lblk = pos / fs->block_size;
	uint32_t boff = (uint32_t)(pos % fs->block_size), pblk;
	int fresh, rc = ext2_inode_bmap(fs, ino, in, lblk, 1, &pblk, &fresh);

	if (rc)
		return rc;
	if (n == fs->block_size)
		return ext2_block_write(fs, pblk, src);
	if (fresh)
		memset(fs->iobuf, 0, fs->block_size);
	else if ((rc = ext2_block_read(fs, pblk, fs->iobuf)) != 0)
		return rc;
	memcpy(fs->iobuf + boff, src, n);
	return ext2_block_write(fs, pblk, fs->iobuf);
}

/* Whole aligned blocks: maps (allocating) blocks while they are physically
 * contiguous and writes them with one device call. */
static int write_run(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t lblk,
		     uint32_t nblk, const uint8_t *src, uint32_t *done)
{
	uint32_t first = 0, pblk, n = 0;
	int rc = 0, wrc;

	while (n < nblk && n < FILE_RUN_MAX) {
		rc = ext2_inode_bmap(fs, ino, in, lblk + n, 1, &pblk, NULL);
		if (rc)
			break;
		if (n == 0)
			first = pblk;
		else if (pblk != first + n)
			break; /* mapped now; the next run starts with it */
		n++;
	}
	if (n == 0)
		return rc;
	wrc = fs->ops->write(fs->ctx, (uint64_t)first * fs->block_size, src, (size_t)n * fs->block_size);
	if (wrc < 0)
		return ext2_error_set(-EIO, "write of blocks %u+%u failed", first, n);
	*done = n;
	return 0; /* an error after the run shows up again on the next call */
}

static int write_finish(struct ext2_fs *fs, struct ext2_file *f, struct ext2_inode *in,
			uint64_t end, int err)
{
	uint64_t size = ext2_inode_size_get(fs, in);
	int rc = 0;

	if (end > size)
		rc = ext2_inode_size_set(fs, in, end);
	size = ext2_inode_size_get(fs, in);
	/* A failed write may have left empty indirect blocks past the end. */
	if (err && !rc)
		rc = ext2_inode_trim(fs, f->ino, in, (size + fs->block_size - 1) / fs->block_size);
	EXT2_SET32(in->i_mtime, ext2_time_now(fs));
	EXT2_SET32(in->i_ctime, ext2_time_now(fs));
	{
		int wrc = ext2_inode_write(fs, f->ino, in);

		return rc ? rc : wrc;
	}
}

int64_t ext2_file_write(struct ext2_file *f, uint64_t off, const void *buf, size_t len)
{
	struct ext2_fs *fs = f->fs;
	struct ext2_inode in;
	const uint8_t *src = buf;
	uint64_t done = 0;
	int rc = ext2_rw_check(fs), frc;

	if (!rc && !(f->flags & EXT2_O_RDWR))
		rc = ext2_error_set(-EBADF, "file opened read-only");
	if (!rc && off + len < off)
		rc = ext2_error_set(-EFBIG, "write range overflows");
	if (!rc)
		rc = ext2_inode_read(fs, f->ino, &in);
	if (rc)
		return rc;
	while (done < len) {
		uint64_t pos = off + done, whole = (len - done) / fs->block_size;
		uint32_t n = fs->block_size - (uint32_t)(pos % fs->block_size), got = 0;

		if (pos % fs->block_size == 0 && whole > 0) {
			rc = write_run(fs, f->ino, &in, pos / fs->block_size,
				       whole > FILE_RUN_MAX ? FILE_RUN_MAX : (uint32_t)whole, src + done, &got);
			n = got * fs->block_size;
		} else {
			if (n > len - done)
				n = (uint32_t)(len - done);
			rc = write_block(fs, f->ino, &in, pos, src + done, n);
		}
		if (rc)
			break;
		done += n;
	}
	frc = write_finish(fs, f, &in, done ? off + done : 0, rc);
	if (done)
		return frc ? frc : (int64_t)done;
	return rc ? rc : frc;
}

int ext2_file_truncate(struct ext2_file *f, uint64_t size)
{
	struct ext2_fs *fs = f->fs;
	struct ext2_inode in;
	uint64_t old, keep = (size + fs->block_size - 1) / fs->block_size;
	uint32_t pblk, boff = (uint32_t)(size % fs->block_size);
	int rc = ext2_rw_check(fs);

	if (!rc && !(f->flags & EXT2_O_RDWR))
		rc = ext2_error_set(-EBADF, "file opened read-only");
	if (!rc)
		rc = ext2_inode_read(fs, f->ino, &in);
	if (rc)
		return rc;
	old = ext2_inode_size_get(fs, &in);
	if (size > 0 && size > old) {
		/* Growing only moves i_size; the gap is a hole. Check it is mappable. */
		rc = ext2_inode_bmap(fs, f->ino, &in, (size - 1) / fs->block_size, 0, &pblk, NULL);
	} else if (size < old) {
		rc = ext2_inode_trim(fs, f->ino, &in, keep);
		if (!rc && boff)
			rc = ext2_inode_bmap(fs, f->ino, &in, size / fs->block_size, 0, &pblk, NULL);
		if (!rc && boff && pblk && !(rc = ext2_block_read(fs, pblk, fs->iobuf))) {
			memset(fs->iobuf + boff, 0, fs->block_size - boff);
			rc = ext2_block_write(fs, pblk, fs->iobuf);
		}
	}
	if (!rc)
		rc = ext2_inode_size_set(fs, &in, size);
	if (rc)
		return rc;
	EXT2_SET32(in.i_mtime, ext2_time_now(fs));
	EXT2_SET32(in.i_ctime, ext2_time_now(fs));
	return ext2_inode_write(fs, f->ino, &in);
}
