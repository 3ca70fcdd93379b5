/*
 * Random operation sequences checked against an in-memory model
 * (path -> bytes, plus directories), with remounts along the way and
 * e2fsck -fn at the end of every sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/ext2/ext2_harness.h"

#define MAX_NODES 160

struct node {
	char path[200];
	int used, is_dir;
	uint8_t *data;
	size_t size;
};

struct model {
	struct node n[MAX_NODES];
	uint64_t rng;
	char img[512];
	struct himg h;
	struct ext2_fs *fs;
};

static int trace;

#define TRACE(...) do { if (trace) fprintf(stderr, "# " __VA_ARGS__); } while (0)

static uint32_t rnd(struct model *m, uint32_t below)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return below ? (uint32_t)(m->rng % below) : 0;
}

static struct node *find(struct model *m, const char *path)
{
	int i;

	for (i = 0; i < MAX_NODES; i++)
		if (m->n[i].used && !strcmp(m->n[i].path, path))
			return &m->n[i];
	return NULL;
}

static struct node *add(struct model *m, const char *path, int is_dir)
{
	int i;

	for (i = 0; i < MAX_NODES; i++) {
		if (!m->n[i].used) {
			memset(&m->n[i], 0, sizeof(m->n[i]));
			snprintf(m->n[i].path, sizeof(m->n[i].path), "%s", path);
			m->n[i].used = 1;
			m->n[i].is_dir = is_dir;
			return &m->n[i];
		}
	}
	return NULL;
}

static void drop(struct node *n)
{
	free(n->data);
	n->data = NULL;
	n->used = 0;
}

static int has_children(struct model *m, const char *dir)
{
	size_t l = strlen(dir);
	int i;

	for (i = 0; i < MAX_NODES; i++)
		if (m->n[i].used && !strncmp(m->n[i].path, dir, l) && m->n[i].path[l] == '/')
			return 1;
	return 0;
}

/* A random directory, or a random path in one for a new node. */
static struct node *pick(struct model *m, int want_dir)
{
	int i, start = (int)rnd(m, MAX_NODES);

	for (i = 0; i < MAX_NODES; i++) {
		struct node *n = &m->n[(start + i) % MAX_NODES];

		if (n->used && n->is_dir == want_dir)
			return n;
	}
	return NULL;
}

static void new_path(struct model *m, char *out, size_t len, const char *prefix)
{
	struct node *d = pick(m, 1);

	snprintf(out, len, "%s/%s%u", d->path, prefix, rnd(m, 10));
}

static void check_file(struct model *m, struct node *n)
{
	uint8_t *d;
	size_t len;

	assert_int_equal(h_read_file(m->fs, n->path, &d, &len), 0);
	assert_int_equal(len, n->size);
	assert_memory_equal(d, n->data, len);
	free(d);
}

static void op_write(struct model *m)
{
	char p[200];
	struct node *n = rnd(m, 3) ? pick(m, 0) : NULL;
	struct ext2_file *f;
	size_t off, len = rnd(m, 16384);
	uint8_t *buf;

	if (!n) {
		new_path(m, p, sizeof(p), "f");
		if (find(m, p))
			return;
		n = add(m, p, 0);
		if (!n)
			return;
	}
	TRACE("write %s\n", n->path);
	off = rnd(m, 4) == 0 ? rnd(m, 600000) : rnd(m, (uint32_t)n->size + 1);
	assert_int_equal(ext2_file_open(m->fs, n->path, EXT2_O_RDWR | EXT2_O_CREAT, &f), 0);
	buf = malloc(len + 1);
	h_pattern(buf, len, off, rnd(m, 1000));
	assert_int_equal(ext2_file_write(f, off, buf, len), (int64_t)len);
	ext2_file_close(f);
	if (off + len > n->size && len) {
		n->data = realloc(n->data, off + len);
		memset(n->data + n->size, 0, off + len - n->size);
		n->size = off + len;
	}
	memcpy(n->data + off, buf, len);
	free(buf);
}

static void op_truncate(struct model *m)
{
	struct node *n = pick(m, 0);
	struct ext2_file *f;
	size_t size;

	if (!n)
		return;
	size = rnd(m, (uint32_t)n->size * 2 + 2000);
	assert_int_equal(ext2_file_open(m->fs, n->path, EXT2_O_RDWR, &f), 0);
	assert_int_equal(ext2_file_truncate(f, size), 0);
	ext2_file_close(f);
	n->data = realloc(n->data, size + 1);
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	n->size = size;
}

static void op_unlink(struct model *m)
{
	struct node *n = pick(m, 0);

	if (!n)
		return;
	TRACE("unlink %s\n", n->path);
	assert_int_equal(ext2_path_unlink(m->fs, n->path), 0);
	drop(n);
}

static void op_mkdir(struct model *m)
{
	char p[200];

	new_path(m, p, sizeof(p), "d");
	if (strlen(p) > 100)
		return;
	if (find(m, p)) {
		assert_int_equal(ext2_dir_create(m->fs, p), -EEXIST);
		return;
	}
	if (!add(m, p, 1))
		return; /* model full */
	TRACE("mkdir %s\n", p);
	assert_int_equal(ext2_dir_create(m->fs, p), 0);
}

static void op_rmdir(struct model *m)
{
	struct node *n = pick(m, 1);

	if (!n || !strcmp(n->path, "") || !strcmp(n->path, "/lost+found"))
		return;
	if (has_children(m, n->path)) {
		assert_int_equal(ext2_dir_remove(m->fs, n->path), -ENOTEMPTY);
		return;
	}
	TRACE("rmdir %s\n", n->path);
	assert_int_equal(ext2_dir_remove(m->fs, n->path), 0);
	drop(n);
}

static void op_rename(struct model *m)
{
	char p[200];
	struct node *n = pick(m, 0), *old;

	if (!n)
		return;
	new_path(m, p, sizeof(p), "f");
	old = find(m, p);
	if (old && old->is_dir) {
		assert_int_equal(ext2_path_rename(m->fs, n->path, p), -EISDIR);
		return;
	}
	TRACE("rename %s %s\n", n->path, p);
	assert_int_equal(ext2_path_rename(m->fs, n->path, p), 0);
	if (old == n)
		return;
	if (old)
		drop(old);
	snprintf(n->path, sizeof(n->path), "%s", p);
}

static void verify_all(struct model *m)
{
	int i;

	for (i = 0; i < MAX_NODES; i++) {
		struct ext2_stat st;

		if (!m->n[i].used)
			continue;
		assert_int_equal(ext2_path_stat(m->fs, m->n[i].path[0] ? m->n[i].path : "/", &st), 0);
		assert_int_equal(st.type, m->n[i].is_dir ? EXT2_TYPE_DIR : EXT2_TYPE_FILE);
		if (!m->n[i].is_dir)
			check_file(m, &m->n[i]);
	}
}

static void summary(struct model *m, unsigned bs)
{
	unsigned files = 0, dirs = 0, i;
	size_t bytes = 0;

	for (i = 0; i < MAX_NODES; i++) {
		if (!m->n[i].used)
			continue;
		dirs += m->n[i].is_dir;
		files += !m->n[i].is_dir;
		bytes += m->n[i].size;
	}
	fprintf(stderr, "# model %u-byte blocks: %u files (%zu bytes), %u dirs at the end\n", bs, files,
		bytes, dirs);
}

/* An independent reader: debugfs dumps each file from the unmounted image. */
static void verify_debugfs(struct model *m)
{
	char out[600];
	int i;

	h_path(out, sizeof(out), "dump.bin");
	for (i = 0; i < MAX_NODES; i++) {
		struct node *n = &m->n[i];
		uint8_t *buf;
		FILE *f;

		if (!n->used || n->is_dir)
			continue;
		assert_int_equal(h_sh("rm -f '%s' && debugfs -R 'dump %s %s' '%s' >/dev/null 2>&1", out,
				      n->path, out, m->img), 0);
		f = fopen(out, "rb");
		assert_non_null(f);
		buf = malloc(n->size + 1);
		assert_int_equal(fread(buf, 1, n->size + 1, f), n->size);
		fclose(f);
		assert_memory_equal(buf, n->data, n->size);
		free(buf);
	}
}

static void remount(struct model *m)
{
	assert_int_equal(ext2_unmount(m->fs), 0);
	h_close(&m->h);
	assert_int_equal(h_mount(&m->h, m->img, 0, &m->fs), 0);
}

static void run_model(unsigned bs, uint64_t seed, int ops)
{
	struct model *m = calloc(1, sizeof(*m));
	int i;

	m->rng = seed;
	trace = getenv("EXT2_MODEL_TRACE") != NULL;
	snprintf(m->img, sizeof(m->img), "%s/model%u.img", h_scratch(), bs);
	assert_int_equal(h_mkfs(m->img, bs, "48M", NULL, NULL), 0);
	assert_int_equal(h_mount(&m->h, m->img, 0, &m->fs), 0);
	add(m, "", 1);
	add(m, "/lost+found", 1);
	for (i = 0; i < ops; i++) {
		uint32_t op = rnd(m, 20);

		if (op < 9) op_write(m);
		else if (op < 11) op_truncate(m);
		else if (op < 12) op_unlink(m);
		else if (op < 14) op_mkdir(m);
		else if (op < 15) op_rmdir(m);
		else if (op < 17) op_rename(m);
		else {
			struct node *n = pick(m, 0);

			if (n)
				check_file(m, n);
		}
		if (i % 150 == 149) {
			remount(m);
			verify_all(m);
		}
	}
	verify_all(m);
	summary(m, bs);
	assert_int_equal(ext2_unmount(m->fs), 0);
	h_close(&m->h);
	assert_int_equal(h_fsck(m->img), 0);
	verify_debugfs(m);
	for (i = 0; i < MAX_NODES; i++)
		free(m->n[i].data);
	free(m);
}

static void test_model_1k(void **state)
{
	(void)state;
	run_model(1024, 0x9e3779b97f4a7c15ull, 2500);
}

static void test_model_4k(void **state)
{
	(void)state;
	run_model(4096, 0x1234567887654321ull, 2000);
}

static void test_model_2k(void **state)
{
	(void)state;
	run_model(2048, 0xdeadbeefcafef00dull, 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_1k),
		cmocka_unit_test(test_model_4k),
		cmocka_unit_test(test_model_2k),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (rc == 0)
		h_sh("rm -rf '%s'", h_scratch());
	return rc;
}
