/* Creating fixed, dynamic and differencing VHDs (spec "Creating a Hard
 * Disk Image").  The current size is authoritative; the CHS geometry is
 * what the spec's appendix computes from it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storage/vhd/vhd_priv.h"

#define VHD_CREATOR_APP "hvpt"
#define VHD_CREATOR_VER 0x00010000u
#define VHD_LOC_SPACE   512u   /* bytes reserved per locator (Windows: 512) */

static void make_footer(const struct fio_ops *ops, struct vhd_footer *f,
			int type, uint64_t size)
{
	uint64_t now = ops->now ? ops->now(ops->ctx) : VHD_EPOCH_UNIX;
	uint16_t c;
	uint8_t h, s;

	memset(f, 0, sizeof(*f));
	memcpy(f->cookie, VHD_FOOTER_COOKIE, 8);
	vhd_put_be32(f->features, VHD_FEATURES_RESERVED);
	vhd_put_be32(f->version, VHD_VERSION);
	vhd_put_be64(f->data_offset, type == VHD_TYPE_FIXED ? VHD_NO_OFFSET :
		     VHD_SECTOR);
	vhd_put_be32(f->timestamp, now > VHD_EPOCH_UNIX ?
		     (uint32_t)(now - VHD_EPOCH_UNIX) : 0);
	memcpy(f->creator_app, VHD_CREATOR_APP, 4);
	vhd_put_be32(f->creator_ver, VHD_CREATOR_VER);
	memcpy(f->creator_os, "Wi2k", 4);
	vhd_put_be64(f->orig_size, size);
	vhd_put_be64(f->cur_size, size);
	vhd_calc_chs(size / VHD_SECTOR, &c, &h, &s);
	vhd_put_be16(f->cylinders, c);
	f->heads = h;
	f->spt = s;
	vhd_put_be32(f->disk_type, (uint32_t)type);
	ops->random(ops->ctx, f->uuid, 16);
	/* RFC 4122 version 4 (random) UUID. */
	f->uuid[6] = (uint8_t)((f->uuid[6] & 0x0F) | 0x40);
	f->uuid[8] = (uint8_t)((f->uuid[8] & 0x3F) | 0x80);
	vhd_footer_seal(f);
}

static int check_params(const struct vhd_create_params *p, uint64_t size,
			uint32_t bs, char *why)
{
	if (p->type != VHD_TYPE_FIXED && p->type != VHD_TYPE_DYNAMIC &&
	    p->type != VHD_TYPE_DIFF)
		return vhd_set_err(why, "unknown disk type %d", p->type),
		       -EINVAL;
	if (size == 0 || size % VHD_SECTOR)
		return vhd_set_err(why, "size %llu is not a positive multiple "
				   "of 512", (unsigned long long)size), -EINVAL;
	if (size > VHD_MAX_SIZE)
		return vhd_set_err(why, "size %llu exceeds the VHD limit of "
				   "2040G", (unsigned long long)size), -EFBIG;
	if (!vhd_block_size_ok(bs))
		return vhd_set_err(why, "block size %u is not a power of two "
				   "between 512 and 256M", bs), -EINVAL;
	if ((size + bs - 1) / bs > VHD_MAX_BLOCKS)
		return vhd_set_err(why, "block size %u is too small for this "
				   "size", bs), -EINVAL;
	return 0;
}

/* Locator data: one UTF-16LE path (what Windows writes, spec "Parent
 * Locator Entry") in its area of area_bytes at area_off; entry i names
 * it. The area's data space field is the caller's. A path too long for
 * the area is refused, never cut. */
int vhd_locator_put(struct vhd_dyn_header *h, int i, const char *code,
		    const char *path, uint8_t *area, uint32_t area_bytes,
		    uint64_t area_off)
{
	char win[VHD_PATH_MAX];
	uint8_t enc[2 * VHD_PATH_MAX];   /* any path of VHD_PATH_MAX fits */
	size_t len;

	vhd_path_to_windows(path, win, sizeof(win));
	len = vhd_utf16_encode(win, 0, enc, sizeof(enc));
	if (len > area_bytes)
		return -ENAMETOOLONG;
	memset(area, 0, area_bytes);
	memcpy(area, enc, len);
	memcpy(h->loc[i].platform, code, 4);
	vhd_put_be32(h->loc[i].data_length, (uint32_t)len);
	memset(h->loc[i].reserved, 0, sizeof(h->loc[i].reserved));
	vhd_put_be64(h->loc[i].data_offset, area_off);
	return 0;
}

/* Spec "Dynamic Disk Header Format", Parent Unicode Name: UTF-16BE. */
void vhd_parent_name_put(struct vhd_dyn_header *h, const char *parent)
{
	char win[VHD_PATH_MAX];

	vhd_path_to_windows(parent, win, sizeof(win));
	memset(h->parent_name, 0, VHD_PARENT_NAME_BYTES);
	vhd_utf16_encode(win, 1, h->parent_name, VHD_PARENT_NAME_BYTES);
}

struct layout {
	struct vhd_footer ft;
	struct vhd_dyn_header hd;
	uint8_t *bat;
	size_t bat_bytes;
	uint8_t *loc;           /* two locator areas, diff only */
	uint64_t loc_off, bat_off, end;
};

static int link_parent(const struct fio_ops *ops, const char *path,
		       const char *parent, struct layout *l, char *why)
{
	struct vhd *p = NULL;
	char rel[VHD_PATH_MAX];
	int rc, i;

	rc = vhd_open_at_depth(ops, parent, 0, 1, &p, why);
	if (rc)
		return rc;
	memcpy(l->hd.parent_uuid, p->ft.uuid, 16);
	memcpy(l->hd.parent_timestamp, p->ft.timestamp, 4);
	vhd_parent_name_put(&l->hd, parent);
	vhd_path_make_relative(path, parent, rel, sizeof(rel));
	rc = vhd_locator_put(&l->hd, 0, "W2ku", parent, l->loc,
			     VHD_LOC_SPACE * 4, l->loc_off);
	if (!rc)
		rc = vhd_locator_put(&l->hd, 1, "W2ru", rel,
				     l->loc + VHD_LOC_SPACE * 4,
				     VHD_LOC_SPACE * 4,
				     l->loc_off + VHD_LOC_SPACE * 4);
	/* Data space in bytes, as Windows writes it (readers accept both). */
	for (i = 0; i < 2; i++)
		vhd_put_be32(l->hd.loc[i].data_space, VHD_LOC_SPACE * 4);
	if (rc)
		vhd_set_err(why, "parent path %s is too long", parent);
	vhd_close(p);
	return rc;
}

static int build_dynamic(const struct fio_ops *ops, const char *path,
			 const struct vhd_create_params *p, uint64_t size,
			 uint32_t bs, struct layout *l, char *why)
{
	uint32_t entries = (uint32_t)((size + bs - 1) / bs);

	memset(&l->hd, 0, sizeof(l->hd));
	memcpy(l->hd.cookie, VHD_HEADER_COOKIE, 8);
	vhd_put_be64(l->hd.data_offset, VHD_NO_OFFSET);
	vhd_put_be32(l->hd.version, VHD_VERSION);
	vhd_put_be32(l->hd.max_entries, entries);
	vhd_put_be32(l->hd.block_size, bs);
	l->bat_bytes = ((size_t)entries * 4 + VHD_SECTOR - 1) &
		       ~(size_t)(VHD_SECTOR - 1);
	l->bat = malloc(l->bat_bytes);
	if (!l->bat)
		return vhd_set_err(why, "out of memory"), -ENOMEM;
	memset(l->bat, 0xFF, l->bat_bytes);
	/* Locator data goes between the header and the BAT: readers that
	 * put the first new block right after the BAT (qemu does, ignoring
	 * locators) then cannot overwrite it. */
	l->loc_off = 3 * VHD_SECTOR;
	l->bat_off = l->loc_off;
	if (p->type == VHD_TYPE_DIFF) {
		l->loc = calloc(2, VHD_LOC_SPACE * 4);
		if (!l->loc)
			return vhd_set_err(why, "out of memory"), -ENOMEM;
		l->bat_off += 2 * VHD_LOC_SPACE * 4;
		if (link_parent(ops, path, p->parent, l, why))
			return -EINVAL;
	}
	vhd_put_be64(l->hd.table_offset, l->bat_off);
	l->end = l->bat_off + l->bat_bytes;
	vhd_header_seal(&l->hd);
	return 0;
}

static int write_image(const struct fio_ops *ops, void *fh, int type,
		       struct layout *l)
{
	uint64_t size = vhd_be64(l->ft.cur_size);
	int rc;

	if (type == VHD_TYPE_FIXED)
		return ops->pwrite(ops->ctx, fh, &l->ft, sizeof(l->ft), size);
	rc = ops->pwrite(ops->ctx, fh, &l->ft, sizeof(l->ft), 0);
	if (!rc)
		rc = ops->pwrite(ops->ctx, fh, &l->hd, sizeof(l->hd),
				 VHD_SECTOR);
	if (!rc)
		rc = ops->pwrite(ops->ctx, fh, l->bat, l->bat_bytes,
				 l->bat_off);
	if (!rc && l->loc)
		rc = ops->pwrite(ops->ctx, fh, l->loc, 2 * VHD_LOC_SPACE * 4,
				 l->loc_off);
	if (!rc)
		rc = ops->pwrite(ops->ctx, fh, &l->ft, sizeof(l->ft), l->end);
	return rc;
}

static int parent_size(const struct fio_ops *ops, const char *parent,
		       uint64_t *size, char *why)
{
	struct vhd *p;
	char pwhy[VHD_ERR_LEN];
	int rc;

	if (!parent)
		return vhd_set_err(why, "a differencing disk needs a parent"),
		       -EINVAL;
	rc = vhd_open_at_depth(ops, parent, 0, 1, &p, pwhy);
	if (rc)
		return vhd_set_err(why, "parent %s: %s", parent, pwhy), rc;
	*size = p->size;
	vhd_close(p);
	return 0;
}

int vhd_create(const struct fio_ops *ops, const char *path,
	       const struct vhd_create_params *p, struct vhd_err *err)
{
	struct vhd_err dummy;
	char *why = (err ? err : &dummy)->msg;
	uint32_t bs = p->block_size ? p->block_size : VHD_DEFAULT_BLOCK;
	uint64_t size = p->size;
	struct layout l;
	void *fh = NULL;
	int rc;

	memset(&l, 0, sizeof(l));
	if (p->type == VHD_TYPE_DIFF) {
		rc = parent_size(ops, p->parent, &size, why);
		if (rc)
			return rc;
	}
	rc = check_params(p, size, bs, why);
	if (rc)
		return rc;
	make_footer(ops, &l.ft, p->type, size);
	if (p->type != VHD_TYPE_FIXED) {
		rc = build_dynamic(ops, path, p, size, bs, &l, why);
		if (rc)
			goto out;
	}
	rc = ops->open(ops->ctx, path, FIO_O_RDWR | FIO_O_CREATE, &fh);
	if (rc) {
		vhd_set_err(why, rc == -EEXIST ? "file already exists" :
			    "cannot create the file: %s", strerror(-rc));
		goto out;
	}
	rc = write_image(ops, fh, p->type, &l);
	if (!rc)
		rc = ops->flush(ops->ctx, fh);
	if (rc)
		vhd_set_err(why, "write failed: %s", strerror(-rc));
	ops->close(ops->ctx, fh);
out:
	free(l.bat);
	free(l.loc);
	return rc;
}
