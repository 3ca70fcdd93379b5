/* Opening a VHD: footer (with fallback to the copy at offset 0), dynamic
 * header, BAT bounds and overlaps, and the parent link of differencing
 * disks.  Anything malformed is refused with a reason, never trusted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storage/vhd/vhd_priv.h"

#define VHD_MAX_LOCATOR_BYTES 8192u

static void warn(struct vhd *v, const char *msg)
{
	if (!v->warn[0])
		vhd_set_err(v->warn, "%s: %s", v->path, msg);
}

static int read_at(struct vhd *v, void *buf, size_t len, uint64_t off)
{
	if (off > v->file_size || len > v->file_size - off)
		return -EIO;
	return v->ops->pread(v->ops->ctx, v->fh, buf, len, off);
}

/* Spec "Hard Disk Footer Format": the end-of-file footer is authoritative;
 * dynamic disks keep a copy at offset 0 "for redundancy", which we use when
 * the end copy is damaged (e.g. a torn write at the end of the file). */
static int load_footer(struct vhd *v, char *why)
{
	struct vhd_footer copy;
	char why2[VHD_ERR_LEN];
	int rc = -EINVAL, rc2 = -EINVAL;

	if (v->file_size < VHD_SECTOR)
		return vhd_set_err(why, "file is %llu bytes, too small for a "
				   "VHD footer", (unsigned long long)
				   v->file_size), -EINVAL;
	rc = read_at(v, &v->ft, sizeof(v->ft), v->file_size - VHD_SECTOR);
	if (rc == 0)
		rc = vhd_footer_check(&v->ft, v->file_size, why);
	if (v->file_size >= 2 * VHD_SECTOR &&
	    read_at(v, &copy, sizeof(copy), 0) == 0)
		rc2 = vhd_footer_check(&copy, v->file_size, why2);
	if (rc2 == 0 && vhd_be32(copy.disk_type) == VHD_TYPE_FIXED)
		rc2 = -EINVAL;  /* a fixed disk has no copy; that was data */
	if (rc == 0) {
		v->alloc_pos = v->file_size - VHD_SECTOR;
		if (vhd_be32(v->ft.disk_type) != VHD_TYPE_FIXED &&
		    (rc2 || memcmp(&copy, &v->ft, sizeof(copy)))) {
			warn(v, "footer copy at offset 0 is damaged or differs;"
			     " using the end-of-file footer");
			v->used_copy = 2;
		}
		return 0;
	}
	if (rc2 == 0) {
		v->ft = copy;
		v->alloc_pos = (v->file_size + VHD_SECTOR - 1) &
			       ~(uint64_t)(VHD_SECTOR - 1);
		v->used_copy = 1;
		vhd_set_err(why2, "end-of-file footer is bad (%s); using the "
			    "copy at offset 0", why);
		warn(v, why2);
		return 0;
	}
	if (rc == -EIO)
		vhd_set_err(why, "cannot read the footer");
	return -EINVAL;
}

static int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
			  uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int load_header(struct vhd *v, char *why)
{
	uint64_t hoff = vhd_be64(v->ft.data_offset), need;
	int rc = 0;

	if (v->pending)
		memcpy(&v->hd, &v->pending->hd, sizeof(v->hd));
	else
		rc = read_at(v, &v->hd, sizeof(v->hd), hoff);
	if (!v->pending && rc)
		return vhd_set_err(why, "cannot read the dynamic header at "
				   "%llu", (unsigned long long)hoff), rc;
	rc = vhd_header_check(&v->hd, why);
	if (rc)
		return rc;
	v->block_size = vhd_be32(v->hd.block_size);
	v->spb = v->block_size / VHD_SECTOR;
	/* Spec "Block Bitmap": one bit per sector, padded to a sector. */
	v->bitmap_bytes = ((v->spb + 7) / 8 + VHD_SECTOR - 1) &
			  ~(VHD_SECTOR - 1);
	v->max_entries = vhd_be32(v->hd.max_entries);
	v->bat_off = vhd_be64(v->hd.table_offset);
	need = (v->size + v->block_size - 1) / v->block_size;
	if (need > v->max_entries)
		return vhd_set_err(why, "BAT has %u entries but a %llu-byte "
				   "disk needs %llu", v->max_entries,
				   (unsigned long long)v->size,
				   (unsigned long long)need), -EINVAL;
	if (need > VHD_MAX_BLOCKS)
		return vhd_set_err(why, "%llu blocks is more than we support",
				   (unsigned long long)need), -EINVAL;
	v->nblocks = (uint32_t)need;
	if (v->bat_off < VHD_SECTOR || v->bat_off > v->alloc_pos ||
	    (uint64_t)v->nblocks * 4 > v->alloc_pos - v->bat_off)
		return vhd_set_err(why, "BAT at %llu runs outside the file",
				   (unsigned long long)v->bat_off), -EINVAL;
	if (ranges_overlap(v->bat_off, (uint64_t)v->nblocks * 4, hoff,
			   sizeof(v->hd)))
		return vhd_set_err(why, "BAT overlaps the dynamic header"),
		       -EINVAL;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Parent locator data (differencing disks) is metadata too. */
static int overlaps_locator(const struct vhd *v, uint64_t off, uint64_t len)
{
	const struct vhd_locator *l;
	int i;

	if (v->type != VHD_TYPE_DIFF)
		return 0;
	for (i = 0; i < VHD_LOCATORS; i++) {
		l = &v->hd.loc[i];
		if (vhd_be32(l->data_length) && ranges_overlap(off, len,
		    vhd_be64(l->data_offset), vhd_be32(l->data_length)))
			return 1;
	}
	return 0;
}

/* Every allocated block must sit inside the data area and not overlap the
 * metadata or another block (a corrupt BAT must not alias two blocks). */
static int check_bat(struct vhd *v, char *why)
{
	uint64_t blen = (uint64_t)v->bitmap_bytes + v->block_size, off;
	uint64_t bat_len = ((uint64_t)v->nblocks * 4 + VHD_SECTOR - 1) &
			   ~(uint64_t)(VHD_SECTOR - 1);
	uint64_t hoff = vhd_be64(v->ft.data_offset);
	uint32_t *sorted, i, n = 0;

	for (i = 0; i < v->nblocks; i++) {
		if (v->bat[i] == VHD_BAT_UNUSED)
			continue;
		off = (uint64_t)v->bat[i] * VHD_SECTOR;
		if (off > v->alloc_pos || blen > v->alloc_pos - off)
			return vhd_set_err(why, "BAT entry %u (sector %u) lies "
					   "past the end of the file", i,
					   v->bat[i]), -EINVAL;
		if (off < VHD_SECTOR ||
		    ranges_overlap(off, blen, hoff, sizeof(v->hd)) ||
		    ranges_overlap(off, blen, v->bat_off, bat_len) ||
		    overlaps_locator(v, off, blen))
			return vhd_set_err(why, "BAT entry %u (sector %u) "
					   "overlaps the VHD metadata", i,
					   v->bat[i]), -EINVAL;
		n++;
	}
	v->allocated = n;
	sorted = malloc((size_t)n * 4 + 4);
	if (!sorted)
		return -ENOMEM;
	for (i = 0, n = 0; i < v->nblocks; i++)
		if (v->bat[i] != VHD_BAT_UNUSED)
			sorted[n++] = v->bat[i];
	qsort(sorted, n, 4, cmp_u32);
	for (i = 1; i < n; i++)
		if ((uint64_t)(sorted[i] - sorted[i - 1]) * VHD_SECTOR < blen)
			break;
	if (i < n) {
		vhd_set_err(why, "BAT entries at sectors %u and %u overlap",
			    sorted[i - 1], sorted[i]);
		free(sorted);
		return -EINVAL;
	}
	free(sorted);
	return 0;
}

static int load_bat(struct vhd *v, char *why)
{
	uint8_t *raw;
	uint32_t i;
	int rc;

	v->bat = malloc((size_t)v->nblocks * 4 + 4);
	v->bm = calloc((size_t)v->nblocks + 1, sizeof(*v->bm));
	v->dirty = calloc((size_t)v->nblocks + 1, 1);
	v->dirty_list = malloc(((size_t)v->nblocks + 1) * 4);
	raw = malloc((size_t)v->nblocks * 4 + 4);
	if (!v->bat || !v->bm || !v->dirty || !v->dirty_list || !raw) {
		free(raw);
		return vhd_set_err(why, "out of memory for the BAT"), -ENOMEM;
	}
	rc = read_at(v, raw, (size_t)v->nblocks * 4, v->bat_off);
	if (rc) {
		free(raw);
		return vhd_set_err(why, "cannot read the BAT"), rc;
	}
	for (i = 0; i < v->nblocks; i++)
		v->bat[i] = vhd_be32(raw + 4 * (size_t)i);
	free(raw);
	return check_bat(v, why);
}

/* A pending switch's locator data come from its record, as its header
 * does (the file's may be torn): entry i's, if the record has them. */
static int pending_locator(const struct vhd_live_rec *r, int i, uint8_t *dst,
			   uint32_t len)
{
	int j;

	for (j = 0; j < 2; j++)
		if (r->loc_entry[j] == i && len <= VHD_LIVE_LOC_BYTES) {
			memcpy(dst, r->loc_data[j], len);
			return 0;
		}
	return -EINVAL;
}

/* Reads locator i's path into dst ('/' form); 0 if none usable. */
static int locator_path(struct vhd *v, int i, char *dst, size_t dst_len)
{
	const struct vhd_locator *l = &v->hd.loc[i];
	uint32_t len = vhd_be32(l->data_length);
	uint64_t off = vhd_be64(l->data_offset);
	uint8_t *raw;
	char tmp[VHD_PATH_MAX];
	int rc;

	if (len == 0 || len > VHD_MAX_LOCATOR_BYTES || off < VHD_SECTOR)
		return -EINVAL;
	raw = malloc(len);
	if (!raw)
		return -ENOMEM;
	rc = v->pending ? pending_locator(v->pending, i, raw, len) :
	     read_at(v, raw, len, off);
	if (rc == 0) {
		/* Both W2ku and W2ru are UTF-16LE in practice. */
		vhd_utf16_decode(raw, len, !vhd_utf16_detect_le(raw, len),
				 tmp, sizeof(tmp));
		vhd_path_from_windows(tmp, dst, dst_len);
	}
	free(raw);
	return rc;
}

static int try_parent(struct vhd *v, const char *cand, int depth,
		      char *why)
{
	struct vhd *p = NULL;
	char pwhy[VHD_ERR_LEN];
	void *fh;
	int rc;

	/* Probe first, so that "no such file" is told apart from a parent
	 * that exists but is itself broken (e.g. its own parent missing). */
	if (v->ops->open(v->ops->ctx, cand, 0, &fh))
		return -ENOENT;
	v->ops->close(v->ops->ctx, fh);
	rc = vhd_open_at_depth(v->ops, cand, 0, depth + 1, &p, pwhy);
	if (rc == -ELOOP) {
		memcpy(why, pwhy, VHD_ERR_LEN);   /* already says it all */
		return rc;
	}
	if (rc) {
		vhd_set_err(why, "parent %s: %s", cand, pwhy);
		return rc == -ENOENT ? -ENXIO : rc;
	}
	if (memcmp(p->ft.uuid, v->hd.parent_uuid, 16) != 0) {
		vhd_set_err(why, "parent %s has the wrong UUID (not the one "
			    "this differencing disk was made from)", cand);
		vhd_close(p);
		return -EINVAL;
	}
	v->parent = p;
	return 0;
}

/* Builds candidate i (W2ru, W2ku, parent name, its basename). */
static int parent_candidate(struct vhd *v, int k, const char *dir,
			    char *cand, size_t cand_len)
{
	char tmp[VHD_PATH_MAX], name[VHD_PATH_MAX];
	const char *base;
	int i, le;

	if (k < 2 * VHD_LOCATORS) {
		i = k % VHD_LOCATORS;
		if (memcmp(v->hd.loc[i].platform,
			   k < VHD_LOCATORS ? "W2ru" : "W2ku", 4))
			return -ENOENT;
		if (locator_path(v, i, tmp, sizeof(tmp)))
			return -EINVAL;   /* damaged locator */
		return vhd_path_join(dir, tmp, cand, cand_len);
	}
	le = vhd_utf16_detect_le(v->hd.parent_name, VHD_PARENT_NAME_BYTES);
	vhd_utf16_decode(v->hd.parent_name, VHD_PARENT_NAME_BYTES, !le, tmp,
			 sizeof(tmp));
	vhd_path_from_windows(tmp, name, sizeof(name));
	if (!name[0])
		return -ENOENT;
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	return vhd_path_join(dir, k == 2 * VHD_LOCATORS ? name : base, cand,
			     cand_len);
}

static int open_parent(struct vhd *v, int depth, char *why)
{
	char dir[VHD_PATH_MAX], cand[VHD_PATH_MAX], pwhy[VHD_ERR_LEN];
	int k, rc, err = -ENOENT, bad_loc = -1;

	if (depth + 1 >= VHD_MAX_DEPTH)
		return vhd_set_err(why, "differencing chain is deeper than %d",
				   VHD_MAX_DEPTH), -ELOOP;
	vhd_path_get_dir(v->path, dir, sizeof(dir));
	for (k = 0; k < 2 * VHD_LOCATORS + 2; k++) {
		rc = parent_candidate(v, k, dir, cand, sizeof(cand));
		if (rc == -EINVAL)
			bad_loc = k % VHD_LOCATORS;
		if (rc)
			continue;
		rc = try_parent(v, cand, depth, pwhy);
		if (rc == 0)
			return 0;
		if (rc != -ENOENT && err == -ENOENT) {
			err = rc;
			memcpy(why, pwhy, VHD_ERR_LEN);
		}
		if (rc == -ELOOP)
			return rc;
	}
	if (err == -ENOENT && bad_loc >= 0)
		vhd_set_err(why, "parent disk not found (parent locator %d "
			    "is damaged: length or offset outside the file)",
			    bad_loc);
	else if (err == -ENOENT)
		vhd_set_err(why, "parent disk not found (no locator or parent "
			    "name leads to an existing file)");
	return err;
}

/* After falling back to a footer copy, or finding a bad copy, a writable
 * open repairs the damaged one so other tools can read the file again. */
int vhd_repair_footer(struct vhd *v)
{
	int rc;

	if (v->used_copy == 1)
		rc = v->ops->pwrite(v->ops->ctx, v->fh, &v->ft, sizeof(v->ft),
				    v->alloc_pos);
	else
		rc = v->ops->pwrite(v->ops->ctx, v->fh, &v->ft, sizeof(v->ft),
				    0);
	if (rc == 0 && v->used_copy == 1)
		v->file_size = v->alloc_pos + VHD_SECTOR;
	return rc ? rc : v->ops->flush(v->ops->ctx, v->fh);
}

/* A live merge cut short in its switch phase left the child's new
 * header in the record "<child>.lmerge": that header, not the one in the
 * file (old, new, or torn by the crash), names the parent, and the open
 * goes on with it (vhd_live.c; the record is checked before use). */
static int load_pending(struct vhd *v)
{
	struct vhd_live_rec *r = malloc(sizeof(*r));

	if (!r)
		return -ENOMEM;
	if (vhd_live_rec_load(v->ops, v->path, r) ||
	    vhd_be32(r->phase) != VHD_LIVE_SWITCH ||
	    memcmp(r->child_uuid, v->ft.uuid, 16)) {
		free(r);
		return 0;
	}
	v->pending = r;
	return 0;
}

/* Footer, header and BAT: everything of this image but its parent. */
static int load_meta(struct vhd *v, char *why)
{
	int rc;

	rc = load_footer(v, why);
	if (rc)
		return rc;
	v->type = (int)vhd_be32(v->ft.disk_type);
	v->size = vhd_be64(v->ft.cur_size);
	if (v->type == VHD_TYPE_FIXED) {
		v->alloc_pos = v->size;
		return 0;
	}
	if (v->type == VHD_TYPE_DIFF && load_pending(v))
		return vhd_set_err(why, "out of memory"), -ENOMEM;
	rc = load_header(v, why);
	if (rc == 0)
		rc = load_bat(v, why);
	return rc;
}

static int open_layers(struct vhd *v, unsigned flags, int depth, char *why)
{
	int rc = load_meta(v, why);

	if (rc == 0 && v->type == VHD_TYPE_DIFF && !(flags & VHD_OPEN_ALONE))
		rc = open_parent(v, depth, why);
	free(v->pending);
	v->pending = NULL;
	if (rc == 0 && v->writable && v->used_copy)
		rc = vhd_repair_footer(v);
	return rc;
}

/* Reads v's footer, header and BAT again, keeping its handle, path and
 * parent, and drops its cached bitmaps: for a read-only image another
 * handle has written (a live merge's base, vhd_live.c). On failure v is
 * unchanged. */
int vhd_reload(struct vhd *v, char *why)
{
	struct vhd *n = calloc(1, sizeof(*n));
	struct vhd old;
	int rc;

	if (!n)
		return vhd_set_err(why, "out of memory"), -ENOMEM;
	n->ops = v->ops;
	n->fh = v->fh;
	n->path = v->path;
	rc = v->ops->size(v->ops->ctx, v->fh, &n->file_size);
	if (rc == 0)
		rc = load_meta(n, why);
	free(n->pending);
	n->pending = NULL;
	if (rc == 0 && (v->writable || v->ndirty ||
			memcmp(n->ft.uuid, v->ft.uuid, 16))) {
		vhd_set_err(why, "%s changed identity", v->path);
		rc = -EINVAL;
	}
	if (rc == 0) {
		old = *v;
		*v = *n;
		v->parent = old.parent;
		memcpy(v->err, old.err, sizeof(v->err));
		*n = old;
		n->parent = NULL;
	}
	n->fh = NULL;
	n->path = NULL;
	vhd_close(n);
	return rc;
}

int vhd_open_at_depth(const struct fio_ops *ops, const char *path,
		   unsigned flags, int depth, struct vhd **out, char *why)
{
	struct vhd *v = calloc(1, sizeof(*v));
	size_t plen = strlen(path);
	int rc;

	*out = NULL;
	if (!v)
		return vhd_set_err(why, "out of memory"), -ENOMEM;
	v->ops = ops;
	v->writable = !!(flags & VHD_OPEN_RDWR);
	v->path = malloc(plen + 1);
	if (!v->path) {
		rc = -ENOMEM;
		goto fail;
	}
	memcpy(v->path, path, plen + 1);
	rc = ops->open(ops->ctx, path, v->writable ? FIO_O_RDWR : 0, &v->fh);
	if (rc) {
		vhd_set_err(why, "cannot open %s: %s", path, strerror(-rc));
		v->fh = NULL;
		goto fail;
	}
	rc = ops->size(ops->ctx, v->fh, &v->file_size);
	if (rc == 0)
		rc = open_layers(v, flags, depth, why);
	if (rc)
		goto fail;
	/* Warnings of a file we then refuse would only add noise. */
	if (v->warn[0] && ops->log)
		ops->log(ops->ctx, v->warn);
	*out = v;
	return 0;
fail:
	vhd_close(v);
	return rc;
}

int vhd_open(const struct fio_ops *ops, const char *path, unsigned flags,
	     struct vhd **out, struct vhd_err *err)
{
	struct vhd_err dummy;

	return vhd_open_at_depth(ops, path, flags, 0, out,
			      (err ? err : &dummy)->msg);
}

void vhd_close(struct vhd *v)
{
	if (!v)
		return;
	if (v->parent)
		vhd_close(v->parent);
	if (v->ndirty)
		vhd_flush(v);   /* like a disk's cache flush at shutdown */
	if (v->fh)
		v->ops->close(v->ops->ctx, v->fh);
	vhd_bitmap_drop_all(v, 0);
	free(v->pending);
	free(v->dirty);
	free(v->dirty_list);
	free(v->bm);
	free(v->bat);
	free(v->batch);
	free(v->path);
	free(v);
}

uint64_t vhd_get_size(const struct vhd *v)
{
	return v->size;
}

const char *vhd_get_path(const struct vhd *v)
{
	return v->path;
}

struct vhd *vhd_get_parent(const struct vhd *v)
{
	return v->parent;
}

const char *vhd_get_error(const struct vhd *v)
{
	return v->err;
}

void vhd_get_info(const struct vhd *v, struct vhd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->type = v->type;
	info->cur_size = v->size;
	info->orig_size = vhd_be64(v->ft.orig_size);
	info->file_size = v->file_size;
	info->cylinders = vhd_be16(v->ft.cylinders);
	info->heads = v->ft.heads;
	info->spt = v->ft.spt;
	memcpy(info->uuid, v->ft.uuid, 16);
	memcpy(info->creator_app, v->ft.creator_app, 4);
	info->creator_ver = vhd_be32(v->ft.creator_ver);
	memcpy(info->creator_os, v->ft.creator_os, 4);
	info->timestamp = vhd_be32(v->ft.timestamp);
	info->block_size = v->block_size;
	info->max_entries = v->max_entries;
	info->allocated_blocks = v->allocated;
	if (v->type == VHD_TYPE_DIFF)
		memcpy(info->parent_uuid, v->hd.parent_uuid, 16);
	info->used_footer_copy = v->used_copy == 1;
}
