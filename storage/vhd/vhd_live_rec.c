/* The live-merge record "<child>.lmerge" (struct vhd_live_rec in
 * vhd_format.h; what it is for: vhd_live.c).
 *
 * Two slots, so that a record survives its own torn rewrite: write n goes
 * to slot n % 2, and a load takes the valid slot with the higher sequence
 * number. A slot is valid when its magic, version and CRC-32 match and
 * every field is in range; anything else is as if the slot were not
 * there. The first write of a merge fills both slots (vhd_live.c), so
 * that no older record can come back from the other one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/crc32.h"
#include "storage/vhd/vhd_priv.h"

#define SLOT ((uint64_t)sizeof(struct vhd_live_rec))

int vhd_live_rec_path(const char *child, char *dst, size_t len)
{
	size_t n = strlen(child);

	if (n + 8 > len)
		return -ENAMETOOLONG;
	memcpy(dst, child, n);
	memcpy(dst + n, ".lmerge", 8);
	return 0;
}

/* CRC-32 of the slot with its crc field taken as zero. */
static uint32_t slot_crc(struct vhd_live_rec *r)
{
	uint8_t keep[4];
	uint32_t crc;

	memcpy(keep, r->crc, 4);
	memset(r->crc, 0, 4);
	crc = crc32_compute(r, sizeof(*r));
	memcpy(r->crc, keep, 4);
	return crc;
}

/* The switch phase's header and locator data are written into the child
 * as they are, so they are checked here as the child's own would be. */
static int switch_ok(const struct vhd_live_rec *r)
{
	char why[VHD_ERR_LEN];
	uint8_t e;
	int j;

	if (vhd_header_check(&r->hd, why))
		return 0;
	if (r->loc_entry[0] == r->loc_entry[1] &&
	    r->loc_entry[0] != VHD_LIVE_NO_ENTRY)
		return 0;
	for (j = 0; j < 2; j++) {
		e = r->loc_entry[j];
		if (e == VHD_LIVE_NO_ENTRY)
			continue;
		if (e >= VHD_LOCATORS ||
		    vhd_be32(r->hd.loc[e].data_length) > VHD_LIVE_LOC_BYTES)
			return 0;
	}
	return 1;
}

static int slot_ok(struct vhd_live_rec *r)
{
	uint32_t phase = vhd_be32(r->phase);

	if (memcmp(r->magic, VHD_LIVE_MAGIC, 8) ||
	    vhd_be32(r->version) != VHD_LIVE_VERSION ||
	    vhd_be32(r->crc) != slot_crc(r))
		return 0;
	if (phase != VHD_LIVE_COPY && phase != VHD_LIVE_SWITCH)
		return 0;
	if (vhd_be32(r->total_blocks) > VHD_MAX_BLOCKS ||
	    vhd_be32(r->next_block) > vhd_be32(r->total_blocks))
		return 0;
	if (!r->mid_path[0] || !memchr(r->mid_path, 0, sizeof(r->mid_path)))
		return 0;
	return phase == VHD_LIVE_COPY || switch_ok(r);
}

/* Slot k into r: 1 if it is there and valid. */
static int slot_load(const struct fio_ops *ops, void *fh, uint64_t fsize,
		     int k, struct vhd_live_rec *r)
{
	if (fsize < (k + 1) * SLOT)
		return 0;
	if (ops->pread(ops->ctx, fh, r, sizeof(*r), k * SLOT))
		return 0;
	return slot_ok(r);
}

/* 0: r holds the record; -ENOENT: there is none; -EINVAL: the file is
 * there but holds no valid slot (a first write cut short). */
int vhd_live_rec_load(const struct fio_ops *ops, const char *child,
		      struct vhd_live_rec *r)
{
	char path[VHD_PATH_MAX + 8];
	struct vhd_live_rec *other = malloc(sizeof(*other));
	uint64_t fsize = 0;
	void *fh;
	int ok0, ok1;

	if (!other)
		return -ENOMEM;
	if (vhd_live_rec_path(child, path, sizeof(path)) ||
	    ops->open(ops->ctx, path, 0, &fh)) {
		free(other);
		return -ENOENT;
	}
	if (ops->size(ops->ctx, fh, &fsize))
		fsize = 0;
	ok0 = slot_load(ops, fh, fsize, 0, r);
	ok1 = slot_load(ops, fh, fsize, 1, other);
	ops->close(ops->ctx, fh);
	if (ok1 && (!ok0 || vhd_be32(other->seq) > vhd_be32(r->seq)))
		memcpy(r, other, sizeof(*r));
	free(other);
	return ok0 || ok1 ? 0 : -EINVAL;
}

/* Seals r (its seq already set by the caller) into slot seq % 2, and
 * flushes: the record is durable when this returns 0. */
int vhd_live_rec_save(const struct fio_ops *ops, const char *child,
		      struct vhd_live_rec *r)
{
	char path[VHD_PATH_MAX + 8];
	void *fh;
	int rc;

	memcpy(r->magic, VHD_LIVE_MAGIC, 8);
	vhd_put_be32(r->version, VHD_LIVE_VERSION);
	vhd_put_be32(r->crc, slot_crc(r));
	rc = vhd_live_rec_path(child, path, sizeof(path));
	if (rc)
		return rc;
	if (ops->open(ops->ctx, path, FIO_O_RDWR, &fh) &&
	    (rc = ops->open(ops->ctx, path, FIO_O_RDWR | FIO_O_CREATE, &fh)))
		return rc;
	rc = ops->pwrite(ops->ctx, fh, r, sizeof(*r),
			 (vhd_be32(r->seq) & 1) * SLOT);
	if (!rc)
		rc = ops->flush(ops->ctx, fh);
	ops->close(ops->ctx, fh);
	return rc;
}

int vhd_live_merge_query(const struct fio_ops *ops, const char *child,
			 uint32_t *done, uint32_t *total)
{
	struct vhd_live_rec *r = malloc(sizeof(*r));
	int rc = r ? vhd_live_rec_load(ops, child, r) : -ENOMEM;

	if (rc == 0) {
		*total = vhd_be32(r->total_blocks);
		*done = vhd_be32(r->phase) == VHD_LIVE_SWITCH ? *total :
			vhd_be32(r->next_block);
	}
	free(r);
	return rc == -EINVAL ? -ENOENT : rc;
}
