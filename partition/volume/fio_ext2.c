/*
 * fio_ext2: the storage/fio.h file operations the VHD library uses, over
 * one of the parent's ext2 drives (partition/volume/volume.h).
 *
 * The VHD library sees paths in '/' form without a drive letter (it drops
 * letters from the parent locators it reads), so each table is bound to a
 * drive and a differencing disk's parent must be on the same drive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/arch/cpu.h"
#include "partition/console/cmd.h"
#include "partition/volume/fio_ext2.h"

static int fx_resolve(struct fio_ext2 *c, const char *path, struct vol_path *vp)
{
	if (path[0] != '/')
		return -EINVAL;   /* the library always passes absolute paths */
	vp->vol = c->vol;
	snprintf(vp->path, sizeof(vp->path), "/");
	for (const char *p = path; *p;) {
		const char *s;
		char name[VOL_NAME_MAX + 1];

		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		if (p == s)
			break;
		if ((size_t)(p - s) > VOL_NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, s, (size_t)(p - s));
		name[p - s] = '\0';
		if (strcmp(name, ".") && volume_join(vp, name))
			return -ENAMETOOLONG;   /* volume_join resolves ".." itself */
	}
	return 0;
}

static int fx_open(void *ctx, const char *path, unsigned flags, void **fh)
{
	struct vol_path vp;
	struct vol_file *f;
	unsigned ef = 0;
	int rc = fx_resolve(ctx, path, &vp);

	if (rc)
		return rc;
	if (flags & FIO_O_RDWR)
		ef |= EXT2_O_RDWR;
	if (flags & FIO_O_CREATE)
		ef |= EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_EXCL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	rc = volume_open(&vp, ef, f);
	if (rc) {
		free(f);
		return rc;
	}
	*fh = f;
	return 0;
}

static void fx_close(void *ctx, void *fh)
{
	(void)ctx;
	volume_file_close(fh);
	free(fh);
}

static int fx_pread(void *ctx, void *fh, void *buf, size_t len, uint64_t off)
{
	int64_t n = volume_file_read(fh, off, buf, len);

	(void)ctx;
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;   /* fio.h: short reads are errors */
}

void fio_ext2_progress(struct fio_ext2 *c, uint64_t done, uint64_t total)
{
	unsigned pct;

	if (!c->out || !total)
		return;
	pct = (unsigned)(done * 100 / total);
	if (pct / 10 == c->last_pct / 10 && pct != 100)
		return;
	if (pct == c->last_pct)
		return;
	c->last_pct = pct;
	cmd_printf(c->out, "%s: %u%% done\n", c->what, pct);
}

static int fx_pwrite(void *ctx, void *fh, const void *buf, size_t len, uint64_t off)
{
	struct fio_ext2 *c = ctx;
	int64_t n = volume_file_write(fh, off, buf, len);

	if (n < 0)
		return (int)n;
	if ((size_t)n != len)
		return -ENOSPC;
	if (c->total) {
		c->done += len;
		fio_ext2_progress(c, c->done < c->total ? c->done : c->total, c->total);
	}
	return 0;
}

static int fx_flush(void *ctx, void *fh)
{
	struct fio_ext2 *c = ctx;

	(void)fh;
	return volume_sync(c->vol);
}

static int fx_size(void *ctx, void *fh, uint64_t *size)
{
	(void)ctx;
	*size = volume_file_size(fh);
	return 0;
}

static int fx_truncate(void *ctx, void *fh, uint64_t size)
{
	(void)ctx;
	return volume_file_truncate(fh, size);
}

static int fx_remove(void *ctx, const char *path)
{
	struct vol_path vp;
	int rc = fx_resolve(ctx, path, &vp);

	return rc ? rc : volume_unlink(&vp);
}

static uint64_t fx_now(void *ctx)
{
	(void)ctx;
	return volume_now();
}

/* UUIDs need only be distinct: mix the TSC through a xorshift generator. */
static void fx_random(void *ctx, void *buf, size_t len)
{
	static uint64_t s;
	uint8_t *p = buf;

	(void)ctx;
	s ^= cpu_rdtsc() | 1;
	for (size_t i = 0; i < len; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		p[i] = (uint8_t)(s >> 32);
	}
}

static void fx_log(void *ctx, const char *msg)
{
	struct fio_ext2 *c = ctx;

	if (c->out)
		cmd_warning(c->out, "%s", msg);     /* obeys -WarningAction */
	else
		printf("WARNING: %s\n", msg);
}

void fio_ext2_bind(struct fio_ext2 *c, struct volume *vol, struct cmd_ctx *out,
		   const char *what, struct fio_ops *ops)
{
	*c = (struct fio_ext2){ .vol = vol, .out = out, .what = what };
	*ops = (struct fio_ops){
		.ctx = c, .open = fx_open, .close = fx_close, .pread = fx_pread,
		.pwrite = fx_pwrite, .flush = fx_flush, .size = fx_size,
		.truncate = fx_truncate, .remove = fx_remove, .now = fx_now,
		.random = fx_random, .log = fx_log,
	};
}
