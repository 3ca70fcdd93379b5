/* libFuzzer target: the input bytes are a disk (its size rounded down to
 * 512-byte sectors) whose partition table ptable_read parses: MBR, the
 * extended-boot-record chain, protective MBR, GPT headers (primary and
 * backup) and entry arrays. Besides the sanitizers' checks, every table
 * it returns must keep ptable.h's promises; a broken one aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "storage/ptable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct image {
	const uint8_t *data;
	size_t size;
};

static int image_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct image *im = ctx;

	if (off > im->size || len > im->size - off)
		abort();   /* blockdev_read's bounds check let a read past the end through */
	memcpy(buf, im->data + off, len);
	return 0;
}

static void check(const struct ptable *pt, int rc, uint64_t dev_size)
{
	if (pt->nparts < 0 || pt->nparts > PTABLE_PART_MAX)
		abort();
	if (pt->style == PTABLE_STYLE_RAW && pt->nparts != 0)
		abort();
	if (pt->style == PTABLE_STYLE_MBR && pt->nparts == 0)
		abort();   /* an MBR with no usable entry is RAW */
	if (rc < 0 && (pt->nparts || pt->style != PTABLE_STYLE_RAW))
		abort();
	if (!memchr(pt->note, 0, sizeof(pt->note)))
		abort();
	for (int i = 0; i < pt->nparts; i++) {
		const struct ptable_part *p = &pt->parts[i];

		if (!p->size || p->offset > dev_size || p->size > dev_size - p->offset)
			abort();
		if (p->number < 1 || ptable_find(pt, p->number) != &pt->parts[i])
			abort();   /* numbers are unique */
		if (!memchr(p->type, 0, sizeof(p->type)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct blockdev_ops ops = { .read = image_read };
	struct image im = { data, size / PTABLE_SECTOR * PTABLE_SECTOR };
	struct blockdev bd = { .ops = &ops, .ctx = &im, .size = im.size,
			       .sector_size = PTABLE_SECTOR, .read_only = 1 };
	struct ptable pt;
	int rc = ptable_read(&bd, &pt);

	check(&pt, rc, bd.size);
	return 0;
}
