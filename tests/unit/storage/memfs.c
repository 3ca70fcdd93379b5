/* In-memory file system with crash injection (see memfs.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/storage/memfs.h"

static struct memfs *fs_of(void *ctx)
{
	return ctx;
}

struct memfs_file *memfs_lookup(struct memfs *fs, const char *name)
{
	int i;

	for (i = 0; i < MEMFS_FILES; i++)
		if (fs->f[i].exists && !strcmp(fs->f[i].name, name))
			return &fs->f[i];
	return NULL;
}

/* Files grow by doubling their buffers: tests append block after block,
 * and a realloc a write made the crash sweeps quadratic. */
static int grow(uint8_t **buf, uint64_t *size, uint64_t *cap, uint64_t need)
{
	uint64_t ncap = *cap;
	uint8_t *n;

	if (need <= *size)
		return 0;
	if (need > (256u << 20))
		return -EFBIG;
	if (need > *cap) {
		ncap = need > 2 * *cap ? need : 2 * *cap;
		n = realloc(*buf, (size_t)ncap);
		if (!n)
			return -ENOMEM;
		*buf = n;
		*cap = ncap;
	}
	memset(*buf + *size, 0, (size_t)(need - *size));
	*size = need;
	return 0;
}

static void drop_pending(struct memfs_file *f)
{
	size_t i;

	for (i = 0; i < f->npend; i++)
		free(f->pend[i].data);
	free(f->pend);
	f->pend = NULL;
	f->npend = 0;
}

static void clear_file(struct memfs_file *f)
{
	drop_pending(f);
	free(f->data);
	free(f->durable);
	memset(f, 0, sizeof(*f));
}

/* Counts a mutating op; fails once the crash budget is spent. */
static int mutate(struct memfs *fs)
{
	if (fs->crashed)
		return -EIO;
	if (fs->budget == 0) {
		fs->crashed = 1;
		return -EIO;
	}
	if (fs->budget > 0)
		fs->budget--;
	fs->mutations++;
	return 0;
}

static int m_open(void *ctx, const char *path, unsigned flags, void **fh)
{
	struct memfs *fs = fs_of(ctx);
	struct memfs_file *f = memfs_lookup(fs, path);
	int i;

	if (f && (flags & FIO_O_CREATE))
		return -EEXIST;
	if (!f && !(flags & FIO_O_CREATE))
		return -ENOENT;
	if (!f) {
		if (strlen(path) >= sizeof(f->name) || mutate(fs))
			return -EIO;
		for (i = 0; i < MEMFS_FILES && fs->f[i].exists; i++)
			;
		if (i == MEMFS_FILES)
			return -ENOSPC;
		f = &fs->f[i];
		strcpy(f->name, path);
		f->exists = 1;   /* creation is durable at once (simplification) */
	}
	*fh = f;
	return 0;
}

static void m_close(void *ctx, void *fh)
{
	(void)ctx;
	(void)fh;
}

static int m_pread(void *ctx, void *fh, void *buf, size_t len, uint64_t off)
{
	struct memfs *fs = fs_of(ctx);
	struct memfs_file *f = fh;

	if (off > f->size || len > f->size - off)
		return -EIO;
	if (f == fs->bad && off < fs->bad_end && off + len > fs->bad_off)
		return -EIO;
	memcpy(buf, f->data + off, len);
	return 0;
}

static int m_pwrite(void *ctx, void *fh, const void *buf, size_t len,
		    uint64_t off)
{
	struct memfs *fs = fs_of(ctx);
	struct memfs_file *f = fh;
	struct memfs_write *w;
	int rc = mutate(fs);

	if (!rc)
		rc = grow(&f->data, &f->size, &f->cap, off + len);
	if (rc)
		return rc;
	memcpy(f->data + off, buf, len);
	w = realloc(f->pend, (f->npend + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	f->pend = w;
	w[f->npend].off = off;
	w[f->npend].len = len;
	w[f->npend].data = malloc(len ? len : 1);
	if (!w[f->npend].data)
		return -ENOMEM;
	memcpy(w[f->npend].data, buf, len);
	f->npend++;
	return 0;
}

static int overlap(const struct fio_read *a, const struct fio_read *b)
{
	const uint8_t *pa = a->buf, *pb = b->buf;

	return a->len && b->len && pa < pb + b->len && pb < pa + a->len;
}

int memfs_read_batch(void *ctx, struct fio_read *r, size_t n)
{
	struct memfs *fs = fs_of(ctx);
	size_t i, k;
	int rc = 0;

	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			if (overlap(&r[i], &r[k]))
				abort();
	fs->batches++;
	fs->batch_reads += (long)n;
	for (i = n; i-- > 0;) {
		r[i].rc = m_pread(ctx, r[i].fh, r[i].buf, r[i].len, r[i].off);
		if (r[i].rc)
			rc = r[i].rc;
	}
	return rc;
}

/* A copy is a read and then a write of the same bytes, with the write's
 * crash model (pending until a flush, torn or dropped at a cut). */
int memfs_copy_range(void *ctx, void *src, uint64_t soff, void *dst,
		     uint64_t doff, size_t len)
{
	struct memfs *fs = fs_of(ctx);
	uint8_t *buf = malloc(len ? len : 1);
	int rc = buf ? m_pread(ctx, src, buf, len, soff) : -ENOMEM;

	if (!rc)
		rc = m_pwrite(ctx, dst, buf, len, doff);
	free(buf);
	fs->copies++;
	fs->copied += (long)len;
	return rc;
}

static int apply(struct memfs_file *f, const struct memfs_write *w)
{
	int rc = grow(&f->durable, &f->dsize, &f->dcap, w->off + w->len);

	if (!rc)
		memcpy(f->durable + w->off, w->data, w->len);
	return rc;
}

static int m_flush(void *ctx, void *fh)
{
	struct memfs *fs = fs_of(ctx);
	struct memfs_file *f = fh;
	size_t i;
	int rc = mutate(fs);

	for (i = 0; !rc && i < f->npend; i++)
		rc = apply(f, &f->pend[i]);
	if (!rc)
		drop_pending(f);
	return rc;
}

static int m_size(void *ctx, void *fh, uint64_t *size)
{
	(void)ctx;
	*size = ((struct memfs_file *)fh)->size;
	return 0;
}

static int m_truncate(void *ctx, void *fh, uint64_t size)
{
	struct memfs_file *f = fh;
	int rc = mutate(fs_of(ctx)), i;

	if (rc)
		return rc;
	/* Truncation is treated as durable at once, on both views. */
	for (i = 0; i < 2; i++) {
		uint8_t **b = i ? &f->durable : &f->data;
		uint64_t *s = i ? &f->dsize : &f->size;
		uint64_t *c = i ? &f->dcap : &f->cap;

		if (size > *s)
			rc = grow(b, s, c, size);
		else
			*s = size;
	}
	return rc;
}

static int m_remove(void *ctx, const char *path)
{
	struct memfs *fs = fs_of(ctx);
	struct memfs_file *f = memfs_lookup(fs, path);
	int rc;

	if (!f)
		return -ENOENT;
	rc = mutate(fs);
	if (!rc)
		clear_file(f);
	return rc;
}

static uint64_t m_now(void *ctx)
{
	(void)ctx;
	return 1700000000ull;
}

static uint32_t next_rand(uint32_t *s)
{
	/* xorshift32: deterministic, so failures reproduce. */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void m_random(void *ctx, void *buf, size_t len)
{
	struct memfs *fs = fs_of(ctx);
	size_t i;

	for (i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)next_rand(&fs->rng);
}

static void m_log(void *ctx, const char *msg)
{
	struct memfs *fs = fs_of(ctx);

	fs->warnings++;
	strncpy(fs->last_warning, msg, sizeof(fs->last_warning) - 1);
}

void memfs_init(struct memfs *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->budget = -1;
	fs->rng = 0x12345678u;
	fs->ops = (struct fio_ops){
		.ctx = fs, .open = m_open, .close = m_close,
		.pread = m_pread, .pwrite = m_pwrite, .flush = m_flush,
		.size = m_size, .truncate = m_truncate, .remove = m_remove,
		.now = m_now, .random = m_random, .log = m_log,
	};
}

void memfs_free(struct memfs *fs)
{
	int i;

	for (i = 0; i < MEMFS_FILES; i++)
		clear_file(&fs->f[i]);
}

/* The sectors (of the file's 512-byte grid) of write w, each kept or not. */
static void apply_torn(struct memfs_file *f, const struct memfs_write *w,
		       uint32_t *seed)
{
	struct memfs_write part;
	uint64_t pos = w->off, end = w->off + w->len, cut;

	while (pos < end) {
		cut = (pos | 511) + 1;
		if (cut > end)
			cut = end;
		part.off = pos;
		part.len = (size_t)(cut - pos);
		part.data = w->data + (pos - w->off);
		if (next_rand(seed) & 1)
			apply(f, &part);
		pos = cut;
	}
}

void memfs_cut_power(struct memfs *fs, enum memfs_cut how, uint32_t seed)
{
	struct memfs_file *f;
	size_t k;
	int i;

	for (i = 0; i < MEMFS_FILES; i++) {
		f = &fs->f[i];
		if (!f->exists)
			continue;
		for (k = 0; k < f->npend; k++)
			if (how == MEMFS_TEAR_SECTORS)
				apply_torn(f, &f->pend[k], &seed);
			else if (how == MEMFS_KEEP_ALL ||
			    (how == MEMFS_KEEP_SUBSET && (next_rand(&seed) & 1)))
				apply(f, &f->pend[k]);
		drop_pending(f);
		free(f->data);
		f->data = malloc(f->dsize ? (size_t)f->dsize : 1);
		if (f->data && f->dsize)
			memcpy(f->data, f->durable, (size_t)f->dsize);
		f->size = f->dsize;
		f->cap = f->data ? f->dsize : 0;
	}
	fs->crashed = 0;
	fs->budget = -1;
}

int memfs_put(struct memfs *fs, const char *name, const void *data,
	      uint64_t size)
{
	struct memfs_file *f;
	void *fh;
	int rc;

	f = memfs_lookup(fs, name);
	if (f)
		clear_file(f);
	rc = m_open(fs, name, FIO_O_RDWR | FIO_O_CREATE, &fh);
	if (!rc && size)
		rc = m_pwrite(fs, fh, data, (size_t)size, 0);
	if (!rc)
		rc = m_flush(fs, fh);
	return rc;
}

int memfs_copy(struct memfs *fs, const char *from, const char *to)
{
	struct memfs_file *f = memfs_lookup(fs, from);
	uint8_t *tmp;
	int rc;

	if (!f)
		return -ENOENT;
	tmp = malloc(f->size ? (size_t)f->size : 1);
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, f->data, (size_t)f->size);
	rc = memfs_put(fs, to, tmp, f->size);
	free(tmp);
	return rc;
}
