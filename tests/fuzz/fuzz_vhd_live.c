/* libFuzzer target: the live-merge record "<child>.lmerge" (parsed by
 * storage/vhd/vhd_live_rec.c, then trusted by vhd_open and
 * vhd_live_merge_resume) fed damaged.
 *
 * Real records come first: once, a small chain base <- mid <- top is
 * merged live in the in-memory file system with the power cut at every
 * step, and two states are kept: one cut while copying (record in phase
 * COPY, mid-way) and one cut while switching (phase SWITCH, holding the
 * child's new header). Each input picks a state (byte 0, bits 0-1; 2:
 * the rest of the input is the whole record file), patches the record
 * with (offset, value) byte pairs, optionally seals both slots' CRCs
 * again (bit 2) so that the checks behind the CRC are reached, then
 * opens, reads, resumes, merges and checks the chain. Nothing may crash
 * or leak; whatever the record says, the chain must not lose its
 * readability. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/crc32.h"
#include "storage/vhd/vhd_priv.h"
#include "tests/unit/storage/memfs.h"

#define DISK   (128u * 1024)
#define REC    "/t/top.vhd.lmerge"
#define SLOT   sizeof(struct vhd_live_rec)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct snap {
	int n;
	char name[8][64];
	uint8_t *data[8];
	uint64_t size[8];
};

static struct memfs fs;
static struct snap states[2];
static int ready;

static void mk(const char *path, int type, const char *parent, uint32_t bs)
{
	struct vhd_create_params p = { .type = type, .size = DISK,
				       .block_size = bs, .parent = parent };

	vhd_create(&fs.ops, path, &p, NULL);
}

static void put(const char *path, uint8_t val, size_t len, uint64_t off)
{
	static uint8_t b[DISK];
	struct vhd *v;

	if (vhd_open(&fs.ops, path, VHD_OPEN_RDWR, &v, NULL))
		return;
	memset(b, val, len);
	vhd_write(v, b, len, off);
	vhd_close(v);
}

static void build(void)
{
	uint32_t i;

	memfs_init(&fs);
	mk("/t/base.vhd", VHD_TYPE_DYNAMIC, NULL, 16384);
	put("/t/base.vhd", 0xB0, 40000, 3000);
	mk("/t/mid.vhd", VHD_TYPE_DIFF, "/t/base.vhd", 2048);
	for (i = 0; i < DISK / 2048; i++)
		put("/t/mid.vhd", (uint8_t)i, 700 + i * 13, i * 2048 + 512);
	mk("/t/top.vhd", VHD_TYPE_DIFF, "/t/mid.vhd", 8192);
	put("/t/top.vhd", 0x70, 5000, 9000);
}

static void keep(struct snap *s)
{
	int i;

	for (i = 0; i < MEMFS_FILES && s->n < 8; i++) {
		if (!fs.f[i].exists)
			continue;
		strcpy(s->name[s->n], fs.f[i].name);
		s->size[s->n] = fs.f[i].size;
		s->data[s->n] = malloc(fs.f[i].size + 1);
		memcpy(s->data[s->n], fs.f[i].data, fs.f[i].size);
		s->n++;
	}
}

/* The live merge of mid, cut after n mutations: 0 once it completes. */
static int cut_run(long n)
{
	struct vhd_live_merge *lm = NULL;
	struct vhd *top;
	int rc;

	build();
	if (vhd_open(&fs.ops, "/t/top.vhd", VHD_OPEN_RDWR, &top, NULL))
		return 0;
	fs.budget = n;
	rc = vhd_live_merge_begin(top, vhd_get_parent(top), &lm, NULL);
	while (!rc)
		rc = vhd_live_merge_step(lm, 3, NULL);
	if (rc == 1) {
		rc = vhd_live_merge_finish(lm, NULL);
		lm = NULL;
	}
	vhd_live_merge_stop(lm);
	vhd_close(top);
	memfs_cut_power(&fs, MEMFS_DROP_UNFLUSHED, 0);
	return rc;
}

static void init_states(void)
{
	struct vhd_live_rec *r = malloc(sizeof(*r));
	uint32_t phase, next;
	long n;

	for (n = 0; n < 100000 && (!states[0].n || !states[1].n); n++) {
		int rc = cut_run(n);

		if (vhd_live_rec_load(&fs.ops, "/t/top.vhd", r) == 0) {
			phase = vhd_be32(r->phase);
			next = vhd_be32(r->next_block);
			if (phase == VHD_LIVE_COPY && next && !states[0].n &&
			    next < vhd_be32(r->total_blocks))
				keep(&states[0]);
			if (phase == VHD_LIVE_SWITCH && !states[1].n)
				keep(&states[1]);
		}
		memfs_free(&fs);
		if (!rc)
			break;
	}
	free(r);
	ready = 1;
}

static void restore(const struct snap *s)
{
	int i;

	memfs_init(&fs);
	for (i = 0; i < s->n; i++)
		memfs_put(&fs, s->name[i], s->data[i], s->size[i]);
}

/* Byte pairs (offset high, offset low, value) over the record file. */
static void patch(const uint8_t *p, size_t n)
{
	struct memfs_file *f = memfs_lookup(&fs, REC);
	size_t i, off;

	for (i = 0; f && i + 3 <= n; i += 3) {
		off = ((size_t)p[i] << 8 | p[i + 1]) * 7 % (2 * SLOT);
		if (off < f->size)
			f->data[off] = p[i + 2];
	}
}

static void seal(void)
{
	struct memfs_file *f = memfs_lookup(&fs, REC);
	struct vhd_live_rec *r;
	int k;

	for (k = 0; f && k < 2 && f->size >= (k + 1) * SLOT; k++) {
		r = (struct vhd_live_rec *)(f->data + k * SLOT);
		memset(r->crc, 0, 4);
		vhd_put_be32(r->crc, crc32_compute(r, SLOT));
	}
}

static void exercise(int finish)
{
	static uint8_t buf[DISK];
	struct vhd_live_merge *lm = NULL;
	uint32_t done, total;
	struct vhd *top;

	vhd_live_merge_query(&fs.ops, "/t/top.vhd", &done, &total);
	if (vhd_open(&fs.ops, "/t/top.vhd", 0, &top, NULL) == 0) {
		vhd_read(top, buf, vhd_get_size(top), 0);
		vhd_close(top);
	}
	if (vhd_open(&fs.ops, "/t/top.vhd", VHD_OPEN_RDWR, &top, NULL))
		return;
	if (vhd_live_merge_resume(top, &lm, NULL) == 0 && lm) {
		vhd_live_merge_step(lm, 2, NULL);
		if (finish)
			vhd_live_merge_finish(lm, NULL);
		else
			vhd_live_merge_stop(lm);
	}
	vhd_read(top, buf, vhd_get_size(top), 0);
	vhd_close(top);
	vhd_check(&fs.ops, "/t/top.vhd", NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mode;

	if (!ready)
		init_states();
	if (size < 1 || size > 3 * SLOT)
		return 0;
	mode = data[0] & 3;
	restore(&states[mode == 1]);
	if (mode == 2)
		memfs_put(&fs, REC, data + 1, size - 1);
	else
		patch(data + 1, size - 1);
	if (data[0] & 4)
		seal();
	exercise(data[0] & 8);
	memfs_free(&fs);
	return 0;
}
