/*
 * libFuzzer target for the ext2 driver: mounts a mutated image held in
 * memory, walks every directory, stats and reads every file, then (on a
 * read-write mount) creates, writes, renames, truncates and removes things.
 * Any crash, sanitizer report or hang is a bug: corrupt input must only
 * ever produce error codes.
 *
 * Two input forms: a whole image, or 'P' followed by patches (3-byte
 * offset, length, bytes) applied to a template image loaded at start-up
 * (FUZZ_EXT2_TEMPLATE or the committed 1 KiB seed). Patches let the fuzzer
 * spend its mutations on the few bytes that matter instead of 64 KiB.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition/fs/ext2.h"

#define FZ_MAX_IMAGE (1u << 20)
#define FZ_MAX_DEPTH 8
#define FZ_MAX_ENTRIES 512
#define FZ_READ_MAX 65536u

struct fz_dev {
	uint8_t *buf;
	size_t size;
};

struct fz_walk {
	struct ext2_fs *fs;
	char path[FZ_MAX_DEPTH * 260 + 2];
	int depth;
	int entries;
	uint8_t *rbuf;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static uint8_t *fz_tmpl;
static size_t fz_tmpl_size;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("FUZZ_EXT2_TEMPLATE");
	FILE *f;
	long n;

	(void)argc;
	(void)argv;
	f = fopen(path ? path : "tests/fuzz/seeds/fuzz_ext2/mke2fs-1k-64k.img", "rb");
	if (!f)
		return 0; /* patch inputs are then ignored */
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n <= (long)FZ_MAX_IMAGE) {
		fz_tmpl = malloc((size_t)n);
		rewind(f);
		if (fz_tmpl && fread(fz_tmpl, 1, (size_t)n, f) == (size_t)n)
			fz_tmpl_size = (size_t)n;
	}
	fclose(f);
	return 0;
}

/* Builds the image for a patch input; NULL when there is no template. */
static uint8_t *fz_patch(const uint8_t *data, size_t size)
{
	uint8_t *img;
	size_t i = 1;

	if (!fz_tmpl_size)
		return NULL;
	img = malloc(fz_tmpl_size);
	memcpy(img, fz_tmpl, fz_tmpl_size);
	while (i + 4 <= size) {
		size_t off = ((size_t)data[i] | ((size_t)data[i + 1] << 8) | ((size_t)data[i + 2] << 16)) %
			     fz_tmpl_size;
		size_t len = (size_t)(data[i + 3] % 16) + 1, k;

		i += 4;
		for (k = 0; k < len && i < size && off + k < fz_tmpl_size; k++)
			img[off + k] = data[i++];
	}
	return img;
}

static int fz_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct fz_dev *d = ctx;

	if (off > d->size || len > d->size - off)
		return -EIO;
	memcpy(buf, d->buf + off, len);
	return 0;
}

static int fz_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct fz_dev *d = ctx;

	if (off > d->size || len > d->size - off)
		return -EIO;
	memcpy(d->buf + off, buf, len);
	return 0;
}

static int fz_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static void fz_read_file(struct fz_walk *w)
{
	struct ext2_file *f;
	uint64_t size;

	if (ext2_file_open(w->fs, w->path, EXT2_O_RDONLY, &f))
		return;
	size = ext2_file_size(f);
	ext2_file_read(f, 0, w->rbuf, FZ_READ_MAX);
	if (size > FZ_READ_MAX)
		ext2_file_read(f, size - 1000, w->rbuf, FZ_READ_MAX);
	ext2_file_close(f);
}

static int fz_visit(void *ctx, const struct ext2_dirent *e)
{
	struct fz_walk *w = ctx;
	size_t len = strlen(w->path);
	struct ext2_stat st;

	if (++w->entries > FZ_MAX_ENTRIES)
		return 1;
	if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
		return 0;
	snprintf(w->path + len, sizeof(w->path) - len, "/%s", e->name);
	if (ext2_path_stat(w->fs, w->path, &st) == 0) {
		if (st.type == EXT2_TYPE_DIR && w->depth < FZ_MAX_DEPTH) {
			w->depth++;
			ext2_dir_list(w->fs, w->path, fz_visit, w);
			w->depth--;
		} else if (st.type == EXT2_TYPE_FILE) {
			fz_read_file(w);
		} else if (st.type == EXT2_TYPE_SYMLINK) {
			char target[300];

			ext2_link_read(w->fs, w->path, target, sizeof(target));
		}
	}
	w->path[len] = 0;
	return 0;
}

static void fz_mutate(struct ext2_fs *fs, uint8_t *rbuf)
{
	struct ext2_file *f;

	ext2_dir_create(fs, "/fz");
	if (ext2_file_open(fs, "/fz/a", EXT2_O_RDWR | EXT2_O_CREAT, &f) == 0) {
		memset(rbuf, 0x5a, 5000);
		ext2_file_write(f, 0, rbuf, 5000);
		ext2_file_write(f, 300000, rbuf, 100);
		ext2_file_truncate(f, 2000);
		ext2_file_close(f);
	}
	ext2_path_rename(fs, "/fz/a", "/b");
	ext2_path_rename(fs, "/fz", "/lost+found/fz");
	ext2_path_unlink(fs, "/b");
	ext2_dir_remove(fs, "/lost+found/fz");
	ext2_path_unlink(fs, "/file");
	ext2_sync(fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ext2_dev_ops ops = { fz_read, fz_write, fz_flush, 0 };
	struct fz_dev dev;
	struct fz_walk w;
	struct ext2_fs *fs;
	int pass;

	if (size >= 1 && data[0] == 'P' && size < 2048) {
		dev.buf = fz_patch(data, size);
		if (!dev.buf)
			return 0;
		size = fz_tmpl_size;
	} else {
		if (size < 2048 || size > FZ_MAX_IMAGE)
			return 0;
		dev.buf = malloc(size);
		memcpy(dev.buf, data, size);
	}
	dev.size = size;
	ops.size = size;
	memset(&w, 0, sizeof(w));
	w.rbuf = malloc(FZ_READ_MAX);
	for (pass = 0; pass < 2; pass++) {
		if (ext2_mount(&ops, &dev, pass == 0 ? EXT2_MOUNT_RDONLY : 0, &fs) != 0)
			break;
		(void)ext2_strerror(-EUCLEAN);
		w.fs = fs;
		w.path[0] = 0;
		w.entries = 0;
		ext2_dir_list(fs, "/", fz_visit, &w);
		if (pass == 1)
			fz_mutate(fs, w.rbuf);
		ext2_unmount(fs);
	}
	free(w.rbuf);
	free(dev.buf);
	return 0;
}
