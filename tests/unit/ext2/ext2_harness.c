/* Host-side helpers for the ext2 tests (see ext2_harness.h). */
#include "tests/unit/ext2/ext2_harness.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *h_scratch(void)
{
	static char dir[256];

	if (!dir[0]) {
		const char *env = getenv("EXT2_SCRATCH"), *path = getenv("PATH");
		char p[4096];

		/* e2fsprogs live in sbin, which a non-root PATH may lack. */
		snprintf(p, sizeof(p), "%s:/sbin:/usr/sbin", path ? path : "/usr/bin:/bin");
		setenv("PATH", p, 1);

		snprintf(dir, sizeof(dir), "%s/%d", env ? env : "build/test-scratch/ext2", (int)getpid());
		h_sh("mkdir -p '%s'", dir);
	}
	return dir;
}

void h_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", h_scratch(), name);
}

int h_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int h_mkfs(const char *img, unsigned bs, const char *size, const char *dir, const char *extra)
{
	char dflag[600] = "";

	if (dir)
		snprintf(dflag, sizeof(dflag), "-d '%s'", dir);
	h_sh("rm -f '%s'", img);
	return h_sh("mke2fs -q -t ext2 -b %u %s %s -F '%s' %s >/dev/null 2>&1", bs, dflag,
		    extra ? extra : "", img, size);
}

int h_fsck(const char *img)
{
	char log[600];
	int rc;

	snprintf(log, sizeof(log), "%s.fsck.log", img);
	rc = h_sh("e2fsck -fn '%s' >'%s' 2>&1", img, log);
	if (rc != 0) {
		fprintf(stderr, "# e2fsck -fn %s exited %d:\n", img, rc);
		h_sh("sed 's/^/# /' '%s' | head -40 >&2", log);
	}
	return rc;
}

static int f_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct himg *h = ctx;
	ssize_t n;

	h->reads++;
	n = pread(h->fd, buf, len, (off_t)off);

	if (n < 0)
		return -EIO;
	if ((size_t)n < len)
		memset((char *)buf + n, 0, len - (size_t)n);
	return 0;
}

static int f_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct himg *h = ctx;

	h->writes++;
	return pwrite(h->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

static int f_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

int h_open(struct himg *h, const char *img)
{
	struct stat st;

	memset(h, 0, sizeof(*h));
	snprintf(h->path, sizeof(h->path), "%s", img);
	h->fd = open(img, O_RDWR);
	if (h->fd < 0 || fstat(h->fd, &st) != 0)
		return -1;
	h->ops.read = f_read;
	h->ops.write = f_write;
	h->ops.flush = f_flush;
	h->ops.size = (uint64_t)st.st_size;
	return 0;
}

void h_close(struct himg *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

int h_mount(struct himg *h, const char *img, unsigned flags, struct ext2_fs **fs)
{
	if (h_open(h, img) != 0)
		return -EIO;
	return ext2_mount(&h->ops, h, flags, fs);
}

void h_pattern(uint8_t *buf, size_t len, uint64_t off, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t x = (off + i) * 2654435761u + seed * 40503u;

		buf[i] = (uint8_t)(x ^ (x >> 13) ^ (x >> 21));
	}
}

static void tree_file(const char *dir, const char *name, size_t size, uint32_t seed)
{
	char p[700];
	uint8_t *buf = malloc(size ? size : 1);
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	h_pattern(buf, size, 0, seed);
	f = fopen(p, "wb");
	if (f) {
		if (size)
			fwrite(buf, 1, size, f);
		fclose(f);
	}
	free(buf);
}

void h_make_tree(const char *dir, int with_sparse)
{
	static const size_t sizes[] = { 0, 1, 1023, 1024, 1025, 4096, 12 * 1024, 12 * 1024 + 1,
					100000, 300 * 1024, 1100 * 1024 };
	char name[64];
	unsigned i;

	h_sh("rm -rf '%s' && mkdir -p '%s/sub/deeper' '%s/empty dir' '%s/many'", dir, dir, dir, dir);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "f%u_%zu.bin", i, sizes[i]);
		tree_file(dir, name, sizes[i], i + 1);
	}
	tree_file(dir, "sub/hello world.txt", 13, 99);
	tree_file(dir, "sub/deeper/leaf", 5000, 98);
	for (i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "many/entry-with-a-longish-name-%03u", i);
		tree_file(dir, name, i * 7, 200 + i);
	}
	if (with_sparse) /* data past 64 MiB + 268 KiB: triple indirect with 1 KiB blocks */
		h_sh("printf 'triple' | dd of='%s/sparse.img' bs=1 seek=70000000 conv=notrunc "
		     "status=none", dir);
}

int h_write_file(struct ext2_fs *fs, const char *path, const void *data, size_t len)
{
	struct ext2_file *f;
	int64_t n;
	int rc = ext2_file_open(fs, path, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &f);

	if (rc)
		return rc;
	n = len ? ext2_file_write(f, 0, data, len) : 0;
	ext2_file_close(f);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -ENOSPC;
}

int h_read_file(struct ext2_fs *fs, const char *path, uint8_t **data, size_t *len)
{
	struct ext2_file *f;
	uint64_t size;
	int64_t n;
	int rc = ext2_file_open(fs, path, EXT2_O_RDONLY, &f);

	*data = NULL;
	if (rc)
		return rc;
	size = ext2_file_size(f);
	*data = malloc(size ? size : 1);
	n = ext2_file_read(f, 0, *data, size);
	ext2_file_close(f);
	if (n < 0 || (uint64_t)n != size) {
		free(*data);
		*data = NULL;
		return n < 0 ? (int)n : -EIO;
	}
	*len = (size_t)size;
	return 0;
}
