/*
 * Drive letters, the current location, path resolution, and file access
 * across the boot-files drive (B:) and ext2 drives (C: and mounted VHDs).
 * See volume.h for the rules.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "partition/clock.h"
#include "partition/parent.h"
#include "partition/volume/volume.h"
#include "partition/volume/vhd_mount.h"

#define EXT2_MAGIC_OFFSET 1080   /* superblock at 1024, s_magic at byte 56 */

static struct volume *vols[VOL_MAX];
static struct volume boot_vol = { .letter = 'B', .kind = VOL_KIND_BOOT, .cwd = "/" };
static struct volume *current;

/* ---- Clock ------------------------------------------------------------------ */

/* File times: seconds since 1970 from the parent's wall clock (clock.c). */
static uint32_t vol_now(void *ctx)
{
	int64_t sec;
	uint32_t nsec;

	(void)ctx;
	clock_realtime(&sec, &nsec);
	return sec < 0 ? 0 : sec > UINT32_MAX ? UINT32_MAX : (uint32_t)sec;
}

uint32_t volume_now(void)
{
	return vol_now(NULL);
}

/* ---- Registry -------------------------------------------------------------- */

struct volume *volume_by_letter(char letter)
{
	if (letter >= 'a' && letter <= 'z')
		letter = (char)(letter - 'a' + 'A');
	if (letter == 'B')
		return &boot_vol;
	for (int i = 0; i < VOL_MAX; i++)
		if (vols[i] && vols[i]->letter == letter)
			return vols[i];
	return NULL;
}

struct volume *volume_at(int i)
{
	int n = 0;

	for (char l = 'A'; l <= 'Z'; l++) {
		struct volume *v = volume_by_letter(l);

		if (v && n++ == i)
			return v;
	}
	return NULL;
}

struct volume *volume_current(void)
{
	return current ? current : &boot_vol;
}

/* A direct-mapped, write-through cache of 4 KiB lines for the small reads
 * ext2 makes (inodes, block maps, directory blocks): without it each one
 * costs a disk command. Large reads and all writes go to the disk; writes
 * also refresh the lines they overlap, so the cache never holds stale data. */
#define VCACHE_LINES 256
#define VCACHE_LINE 4096u

struct vol_cache {
	uint64_t tag[VCACHE_LINES];    /* line number + 1; 0 = empty */
	uint8_t data[VCACHE_LINES][VCACHE_LINE];
};

static int cache_fill(struct volume *v, uint64_t line, uint8_t **out)
{
	struct vol_cache *c = v->cache;
	unsigned idx = (unsigned)(line % VCACHE_LINES);
	uint64_t off = line * VCACHE_LINE;
	size_t n = v->size - off < VCACHE_LINE ? (size_t)(v->size - off) : VCACHE_LINE;
	int rc;

	if (c->tag[idx] != line + 1) {
		c->tag[idx] = 0;
		rc = blockdev_read(&v->disk->bd, v->base + off, c->data[idx], n);
		if (rc)
			return rc;
		c->tag[idx] = line + 1;
	}
	*out = c->data[idx];
	return 0;
}

static int dev_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct volume *v = ctx;
	uint8_t *p = buf;

	if (off > v->size || len > v->size - off)
		return -EINVAL;
	if (!v->cache || len >= VCACHE_LINE)
		return blockdev_read(&v->disk->bd, v->base + off, buf, len);
	while (len) {
		uint8_t *line;
		size_t in = (size_t)(off % VCACHE_LINE), n = VCACHE_LINE - in < len ? VCACHE_LINE - in : len;
		int rc = cache_fill(v, off / VCACHE_LINE, &line);

		if (rc)
			return rc;
		memcpy(p, line + in, n);
		p += n, off += n, len -= n;
	}
	return 0;
}

/* A small write inside one line: patch the cached line and write the whole
 * sectors it touches from there, so the disk layer need not read them
 * back first (a read-modify-write per inode update otherwise). */
static int dev_write_small(struct volume *v, uint64_t off, const void *buf, size_t len)
{
	uint64_t line = off / VCACHE_LINE, ls = line * VCACHE_LINE;
	size_t in = (size_t)(off - ls), s0 = in & ~(size_t)511, e0 = (in + len + 511) & ~(size_t)511;
	uint8_t *data;
	int rc = cache_fill(v, line, &data);

	if (rc)
		return rc;
	if (ls + e0 > v->size)
		e0 = (size_t)(v->size - ls);
	memcpy(data + in, buf, len);
	rc = blockdev_write(&v->disk->bd, v->base + ls + s0, data + s0, e0 - s0);
	if (rc)
		v->cache->tag[line % VCACHE_LINES] = 0;
	return rc;
}

static int dev_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct volume *v = ctx;
	int rc;

	if (off > v->size || len > v->size - off)
		return -EINVAL;
	if (v->cache && len && len < VCACHE_LINE && off / VCACHE_LINE == (off + len - 1) / VCACHE_LINE &&
	    ((off | len) & 511))
		return dev_write_small(v, off, buf, len);
	rc = blockdev_write(&v->disk->bd, v->base + off, buf, len);
	if (!v->cache || !len)
		return rc;
	for (uint64_t line = off / VCACHE_LINE; line <= (off + len - 1) / VCACHE_LINE; line++) {
		unsigned idx = (unsigned)(line % VCACHE_LINES);
		uint64_t ls = line * VCACHE_LINE, s0 = off > ls ? off : ls;
		uint64_t e0 = off + len < ls + VCACHE_LINE ? off + len : ls + VCACHE_LINE;

		if (v->cache->tag[idx] != line + 1)
			continue;
		if (rc)
			v->cache->tag[idx] = 0;   /* the disk may hold either: forget it */
		else
			memcpy(v->cache->data[idx] + (s0 - ls), (const uint8_t *)buf + (s0 - off), e0 - s0);
	}
	return rc;
}

static int dev_flush(void *ctx)
{
	struct volume *v = ctx;

	return blockdev_flush(&v->disk->bd);
}

static char free_letter(char from)
{
	for (char l = from; l <= 'Z'; l++)
		if (!volume_by_letter(l))
			return l;
	return 0;
}

static int vol_slot(void)
{
	for (int i = 0; i < VOL_MAX; i++)
		if (!vols[i])
			return i;
	return -1;
}

static void vol_mark(struct volume *v, char letter)
{
	if (!v->part) {
		v->disk->volume = letter;
		return;
	}
	for (int i = 0; i < v->disk->table.nparts; i++)
		if (v->disk->table.parts[i].number == v->part)
			v->disk->part_volume[i] = letter;
}

static int vol_locate(struct disk *d, int part, uint64_t *base, uint64_t *size)
{
	const struct ptable_part *pp;

	if (!part) {
		*base = 0;
		*size = d->bd.size;
		return 0;
	}
	pp = ptable_find(&d->table, part);
	if (!pp)
		return -ENOENT;
	*base = pp->offset;
	*size = pp->size;
	return 0;
}

int volume_mount_ext2(struct disk *d, int part, char letter, unsigned flags,
		      struct volume **out)
{
	struct volume *v;
	int rc, slot = vol_slot();

	if (!letter)
		letter = free_letter('V');
	/* An offline disk (Set-Disk -IsOffline, a pass-through disk) is
	 * never mounted. */
	if (slot < 0 || !letter || volume_by_letter(letter) || d->offline)
		return -EBUSY;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->letter = letter;
	v->kind = VOL_KIND_EXT2;
	v->disk = d;
	v->part = part;
	strcpy(v->cwd, "/");
	rc = vol_locate(d, part, &v->base, &v->size);
	v->ops = (struct ext2_dev_ops){ dev_read, dev_write, dev_flush, v->size };
	v->cache = calloc(1, sizeof(*v->cache));   /* optional: without it, no caching */
	if (!rc)
		rc = ext2_mount(&v->ops, v, flags, &v->fs);
	if (rc) {
		free(v->cache);
		free(v);
		return rc;
	}
	ext2_clock_set(v->fs, vol_now, NULL);
	vol_mark(v, letter);
	vols[slot] = v;
	if (out)
		*out = v;
	return 0;
}

int volume_unmount(struct volume *v)
{
	int rc;

	if (v->kind != VOL_KIND_EXT2)
		return -EINVAL;
	rc = ext2_unmount(v->fs);
	if (rc == -EBUSY)
		return rc;
	vol_mark(v, 0);
	for (int i = 0; i < VOL_MAX; i++)
		if (vols[i] == v)
			vols[i] = NULL;
	if (current == v)
		current = volume_by_letter('C') ? volume_by_letter('C') : &boot_vol;
	free(v->cache);
	free(v);
	return rc;
}

void volume_unmount_all(void)
{
	vhd_mount_close_all();   /* VHD drives first: they hold files open on C: */
	for (int i = 0; i < VOL_MAX; i++)
		if (vols[i])
			(void)volume_unmount(vols[i]);
}

int volume_sync(struct volume *v)
{
	return v->kind == VOL_KIND_EXT2 ? ext2_sync(v->fs) : 0;
}

/* ---- Finding the host volume ----------------------------------------------- */

static int has_ext2_magic(struct disk *d, uint64_t base, uint64_t size)
{
	uint8_t m[2];

	if (size < 2048 || blockdev_read(&d->bd, base + EXT2_MAGIC_OFFSET, m, 2))
		return 0;
	return m[0] == 0x53 && m[1] == 0xef;   /* EXT2_SUPER_MAGIC 0xEF53, little-endian */
}

static int try_host(struct disk *d, int part)
{
	uint64_t base, size;
	struct volume *v;
	int rc;

	if (vol_locate(d, part, &base, &size) || !has_ext2_magic(d, base, size))
		return -ENOENT;
	rc = volume_mount_ext2(d, part, 'C', 0, &v);
	if (rc) {
		printf("parent: disk %d%s%.0d: ext2 mount failed: %s (%s)\n", d->number,
		       part ? " partition " : "", part, ext2_strerror(rc), ext2_last_error());
		return rc;
	}
	d->use = DISK_USE_HOST_VOLUME;
	current = v;
	{
		struct ext2_statfs st;
		char label[20];

		ext2_statfs_get(v->fs, &st);
		snprintf(label, sizeof(label), "%s", st.label[0] ? st.label : "(no label)");
		printf("parent: host volume C: is ext2 \"%s\" on disk %d%s%.0d (%llu MiB)\n",
		       label, d->number, part ? " partition " : "", part,
		       (unsigned long long)(size >> 20));
	}
	return 0;
}

/* "hostvolume=D" or "hostvolume=D:P" on hv's command line. */
static int host_choice(int *disk, int *part)
{
	const char *c = parent_boot->cmdline, *p = c;
	char *end;

	while ((p = strstr(p, "hostvolume=")) != NULL) {
		if (p == c || p[-1] == ' ')
			break;
		p++;
	}
	if (!p)
		return 0;
	*disk = (int)strtol(p + 11, &end, 10);
	*part = *end == ':' ? (int)strtol(end + 1, &end, 10) : 0;
	return 1;
}

int volume_mount_host(void)
{
	int want_disk = -1, want_part = 0;

	current = &boot_vol;
	if (host_choice(&want_disk, &want_part)) {
		struct disk *d = disk_find(want_disk);

		if (!d) {
			printf("parent: hostvolume=%d: no such disk\n", want_disk);
			return -ENOENT;
		}
		return try_host(d, want_part);
	}
	for (int i = 0; disk_at(i); i++) {
		struct disk *d = disk_at(i);

		if (!d->table.nparts && !try_host(d, 0))
			return 0;
		for (int k = 0; k < d->table.nparts; k++)
			if (!try_host(d, d->table.parts[k].number))
				return 0;
	}
	return -ENOENT;
}

/* ---- Paths ------------------------------------------------------------------ */

static int is_sep(char c)
{
	return c == '/' || c == '\\';
}

/* Append one component to an absolute path, handling "." and "..". */
static int path_push(char *path, const char *name, size_t len)
{
	size_t cur = strlen(path);

	if (!len || (len == 1 && name[0] == '.'))
		return 0;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		char *slash = strrchr(path, '/');

		if (slash == path)
			path[1] = '\0';
		else if (slash)
			*slash = '\0';
		return 0;
	}
	if (len > VOL_NAME_MAX)
		return -ENAMETOOLONG;
	if (cur + (cur > 1) + len + 1 > VOL_PATH_MAX)
		return -ENAMETOOLONG;
	if (cur > 1)
		path[cur++] = '/';
	memcpy(path + cur, name, len);
	path[cur + len] = '\0';
	return 0;
}

int volume_resolve(const char *in, struct vol_path *out)
{
	struct volume *v = volume_current();
	const char *p = in ? in : "";

	if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':') {
		v = volume_by_letter(p[0]);
		if (!v)
			return -ENXIO;
		p += 2;
	}
	out->vol = v;
	if (is_sep(*p))
		strcpy(out->path, "/");
	else
		snprintf(out->path, sizeof(out->path), "%s", v->cwd);
	while (*p) {
		const char *s = p;
		int rc;

		while (*p && !is_sep(*p))
			p++;
		rc = path_push(out->path, s, (size_t)(p - s));
		if (rc)
			return rc;
		while (is_sep(*p))
			p++;
	}
	return 0;
}

void volume_format(const struct vol_path *p, char *buf, size_t n)
{
	size_t k;

	snprintf(buf, n, "%c:%s", p->vol->letter, p->path);
	for (k = 0; buf[k]; k++)
		if (buf[k] == '/')
			buf[k] = '\\';
}

const char *volume_basename(const struct vol_path *p)
{
	return strrchr(p->path, '/') + 1;
}

int volume_join(struct vol_path *p, const char *name)
{
	if (strchr(name, '/') || strchr(name, '\\'))
		return -EINVAL;
	return path_push(p->path, name, strlen(name));
}

int volume_set_location(const char *path)
{
	struct vol_path vp;
	struct ext2_stat st;
	int rc = volume_resolve(path, &vp);

	if (!rc)
		rc = volume_stat(&vp, &st);
	if (rc)
		return rc;
	if (st.type != EXT2_TYPE_DIR)
		return -ENOTDIR;
	strcpy(vp.vol->cwd, vp.path);
	current = vp.vol;
	return 0;
}

void volume_location(char *buf, size_t n)
{
	struct vol_path vp;

	vp.vol = volume_current();
	strcpy(vp.path, vp.vol->cwd);
	volume_format(&vp, buf, n);
}

/* ---- Boot-files drive ------------------------------------------------------- */

static const struct hvpart_module *boot_find(const char *path)
{
	return path[0] == '/' && path[1] ? parent_file_find(path + 1) : NULL;
}

static int boot_stat(const char *path, struct ext2_stat *st)
{
	const struct hvpart_module *m = boot_find(path);

	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->type = EXT2_TYPE_DIR;
		st->mode = 040555;
		return 0;
	}
	if (!m)
		return -ENOENT;
	st->type = EXT2_TYPE_FILE;
	st->mode = 0100444;
	st->size = m->length;
	return 0;
}

static int boot_list(const char *path, ext2_dir_cb cb, void *ctx)
{
	if (strcmp(path, "/"))
		return boot_find(path) ? -ENOTDIR : -ENOENT;
	for (uint32_t i = 0; i < parent_boot->module_count; i++) {
		struct ext2_dirent e = { .ino = i + 1, .type = EXT2_TYPE_FILE };
		int rc;

		snprintf(e.name, sizeof(e.name), "%s", parent_boot->modules[i].name);
		e.name_len = (uint32_t)strlen(e.name);
		rc = cb(ctx, &e);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	return 0;
}

/* ---- Files across drives ---------------------------------------------------- */

int volume_stat(const struct vol_path *p, struct ext2_stat *st)
{
	if (p->vol->kind == VOL_KIND_BOOT)
		return boot_stat(p->path, st);
	return ext2_path_stat(p->vol->fs, p->path, st);
}

int volume_list(const struct vol_path *p, ext2_dir_cb cb, void *ctx)
{
	if (p->vol->kind == VOL_KIND_BOOT)
		return boot_list(p->path, cb, ctx);
	return ext2_dir_list(p->vol->fs, p->path, cb, ctx);
}

int volume_open(const struct vol_path *p, unsigned ext2_flags, struct vol_file *out)
{
	memset(out, 0, sizeof(*out));
	out->vol = p->vol;
	if (p->vol->kind == VOL_KIND_BOOT) {
		if (ext2_flags & (EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC))
			return -EROFS;
		if (!strcmp(p->path, "/"))
			return -EISDIR;
		out->m = boot_find(p->path);
		return out->m ? 0 : -ENOENT;
	}
	return ext2_file_open(p->vol->fs, p->path, ext2_flags, &out->f);
}

int64_t volume_file_read(struct vol_file *f, uint64_t off, void *buf, size_t len)
{
	if (f->m) {
		if (off >= f->m->length)
			return 0;
		if (len > f->m->length - off)
			len = (size_t)(f->m->length - off);
		memcpy(buf, (const char *)(uintptr_t)f->m->base + off, len);
		return (int64_t)len;
	}
	return ext2_file_read(f->f, off, buf, len);
}

int64_t volume_file_write(struct vol_file *f, uint64_t off, const void *buf, size_t len)
{
	return f->m ? -EROFS : ext2_file_write(f->f, off, buf, len);
}

uint64_t volume_file_size(const struct vol_file *f)
{
	return f->m ? f->m->length : ext2_file_size(f->f);
}

int volume_file_truncate(struct vol_file *f, uint64_t size)
{
	return f->m ? -EROFS : ext2_file_truncate(f->f, size);
}

int volume_file_close(struct vol_file *f)
{
	int rc = f->f ? ext2_file_close(f->f) : 0;

	f->f = NULL;
	f->m = NULL;
	return rc;
}

int volume_mkdir(const struct vol_path *p)
{
	return p->vol->kind == VOL_KIND_BOOT ? -EROFS : ext2_dir_create(p->vol->fs, p->path);
}

int volume_rmdir(const struct vol_path *p)
{
	return p->vol->kind == VOL_KIND_BOOT ? -EROFS : ext2_dir_remove(p->vol->fs, p->path);
}

int volume_unlink(const struct vol_path *p)
{
	return p->vol->kind == VOL_KIND_BOOT ? -EROFS : ext2_path_unlink(p->vol->fs, p->path);
}

int volume_rename(const struct vol_path *from, const struct vol_path *to)
{
	if (from->vol != to->vol)
		return -EXDEV;
	if (from->vol->kind == VOL_KIND_BOOT)
		return -EROFS;
	return ext2_path_rename(from->vol->fs, from->path, to->path);
}

int volume_load_file(const char *path, size_t max, void **buf, size_t *len)
{
	struct vol_path vp;
	struct vol_file f;
	uint64_t size;
	int64_t n;
	void *p;
	int rc = volume_resolve(path, &vp);

	if (!rc)
		rc = volume_open(&vp, EXT2_O_RDONLY, &f);
	if (rc)
		return rc;
	size = volume_file_size(&f);
	p = size <= max ? malloc(size ? (size_t)size : 1) : NULL;
	n = p ? volume_file_read(&f, 0, p, (size_t)size) : size > max ? -EFBIG : -ENOMEM;
	volume_file_close(&f);
	if (n >= 0 && (uint64_t)n != size)
		n = -EIO;
	if (n < 0) {
		free(p);
		return (int)n;
	}
	*buf = p;
	*len = (size_t)size;
	return 0;
}

int volume_statfs(struct volume *v, struct ext2_statfs *st)
{
	if (v->kind == VOL_KIND_EXT2)
		return ext2_statfs_get(v->fs, st);
	memset(st, 0, sizeof(*st));
	st->block_size = 1;
	for (uint32_t i = 0; i < parent_boot->module_count; i++)
		st->blocks += parent_boot->modules[i].length;
	st->read_only = 1;
	snprintf(st->label, sizeof(st->label), "boot files");
	return 0;
}

const char *volume_strerror(int err)
{
	switch (-err) {
	case ENXIO: return "no such drive";
	case EXDEV: return "source and destination are on different drives";
	case EROFS: return "the drive is read-only";
	case ENAMETOOLONG: return "name too long (255 bytes per name, 255 per path)";
	case ELOOP: return "directory loop or tree deeper than 64 levels (run e2fsck on the volume)";
	default: break;
	}
	if (err == -EUCLEAN && ext2_last_error()[0])
		return ext2_last_error();
	return ext2_strerror(err);
}
