/*
 * VHDs on the parent's drives: a storage/fio.h ops table over one ext2
 * drive, and the VHD cmdlets built on it (New-VHD, Get-VHD, Test-VHD,
 * Merge-VHD, Mount-VHD, Dismount-VHD).
 *
 * The VHD library sees paths in '/' form without a drive letter (it drops
 * letters from the parent locators it reads), so each table is bound to a
 * drive and a differencing disk's parent must be on the same drive.
 * Mount-VHD attaches the VHD as a disk (Get-Disk lists it, bus "VHD") and
 * mounts the ext2 file system in it (whole disk or first ext2 partition) as
 * the first free drive letter from V:.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/arch/cpu.h"
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/cmdlets/item.h"
#include "partition/volume/volume.h"
#include "storage/vhd/vhd.h"

/* ---- The fio table ------------------------------------------------------------ */

struct fx_ctx {
	struct volume *vol;
	struct cmd_ctx *out;           /* progress goes here while set */
	const char *what;              /* the cmdlet's name, for progress lines */
	uint64_t total, done;
	unsigned last_pct;
};

static int fx_resolve(struct fx_ctx *c, const char *path, struct vol_path *vp)
{
	if (path[0] != '/')
		return -EINVAL;   /* the library always passes absolute paths */
	vp->vol = c->vol;
	snprintf(vp->path, sizeof(vp->path), "/");
	for (const char *p = path; *p;) {
		const char *s;
		char name[VOL_NAME_MAX + 1];

		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		if (p == s)
			break;
		if ((size_t)(p - s) > VOL_NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, s, (size_t)(p - s));
		name[p - s] = '\0';
		if (strcmp(name, ".") && volume_join(vp, name))
			return -ENAMETOOLONG;   /* volume_join resolves ".." itself */
	}
	return 0;
}

static int fx_open(void *ctx, const char *path, unsigned flags, void **fh)
{
	struct vol_path vp;
	struct vol_file *f;
	unsigned ef = 0;
	int rc = fx_resolve(ctx, path, &vp);

	if (rc)
		return rc;
	if (flags & FIO_O_RDWR)
		ef |= EXT2_O_RDWR;
	if (flags & FIO_O_CREATE)
		ef |= EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_EXCL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	rc = volume_open(&vp, ef, f);
	if (rc) {
		free(f);
		return rc;
	}
	*fh = f;
	return 0;
}

static void fx_close(void *ctx, void *fh)
{
	(void)ctx;
	volume_file_close(fh);
	free(fh);
}

static int fx_pread(void *ctx, void *fh, void *buf, size_t len, uint64_t off)
{
	int64_t n = volume_file_read(fh, off, buf, len);

	(void)ctx;
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;   /* fio.h: short reads are errors */
}

static void fx_progress(struct fx_ctx *c, uint64_t done, uint64_t total)
{
	unsigned pct;

	if (!c->out || !total)
		return;
	pct = (unsigned)(done * 100 / total);
	if (pct / 10 == c->last_pct / 10 && pct != 100)
		return;
	if (pct == c->last_pct)
		return;
	c->last_pct = pct;
	cmd_printf(c->out, "%s: %u%% done\n", c->what, pct);
}

static int fx_pwrite(void *ctx, void *fh, const void *buf, size_t len, uint64_t off)
{
	struct fx_ctx *c = ctx;
	int64_t n = volume_file_write(fh, off, buf, len);

	if (n < 0)
		return (int)n;
	if ((size_t)n != len)
		return -ENOSPC;
	if (c->total) {
		c->done += len;
		fx_progress(c, c->done < c->total ? c->done : c->total, c->total);
	}
	return 0;
}

static int fx_flush(void *ctx, void *fh)
{
	struct fx_ctx *c = ctx;

	(void)fh;
	return volume_sync(c->vol);
}

static int fx_size(void *ctx, void *fh, uint64_t *size)
{
	(void)ctx;
	*size = volume_file_size(fh);
	return 0;
}

static int fx_truncate(void *ctx, void *fh, uint64_t size)
{
	(void)ctx;
	return volume_file_truncate(fh, size);
}

static int fx_remove(void *ctx, const char *path)
{
	struct vol_path vp;
	int rc = fx_resolve(ctx, path, &vp);

	return rc ? rc : volume_unlink(&vp);
}

static uint64_t fx_now(void *ctx)
{
	(void)ctx;
	return volume_now();
}

/* UUIDs need only be distinct: mix the TSC through a xorshift generator. */
static void fx_random(void *ctx, void *buf, size_t len)
{
	static uint64_t s;
	uint8_t *p = buf;

	(void)ctx;
	s ^= cpu_rdtsc() | 1;
	for (size_t i = 0; i < len; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		p[i] = (uint8_t)(s >> 32);
	}
}

static void fx_log(void *ctx, const char *msg)
{
	struct fx_ctx *c = ctx;

	if (c->out)
		cmd_printf(c->out, "WARNING: %s\n", msg);
	else
		printf("WARNING: %s\n", msg);
}

static void fx_ops_make(struct fx_ctx *c, struct fio_ops *ops)
{
	*ops = (struct fio_ops){
		.ctx = c, .open = fx_open, .close = fx_close, .pread = fx_pread,
		.pwrite = fx_pwrite, .flush = fx_flush, .size = fx_size,
		.truncate = fx_truncate, .remove = fx_remove, .now = fx_now,
		.random = fx_random, .log = fx_log,
	};
}

/* ---- Shared by the cmdlets --------------------------------------------------- */

/* A user's path to (drive, '/'-path) for the library; VHDs live on ext2 drives. */
static int vhd_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const char *name,
		   struct vol_path *vp)
{
	const char *in = cmd_arg_str(a, name);
	int rc = volume_resolve(in, vp);

	if (rc == -ENXIO)
		cmd_error(ctx, a, "Cannot find drive. A drive with the name '%c' does not exist.", in[0]);
	else if (rc)
		cmd_error(ctx, a, "'%s': %s.", in, volume_strerror(rc));
	else if (vp->vol->kind != VOL_KIND_EXT2)
		cmd_error(ctx, a, "'%s': VHD files must be on an ext2 drive (C: or a mounted VHD).", in);
	return rc ? rc : vp->vol->kind != VOL_KIND_EXT2 ? -EINVAL : 0;
}

/* The library's reason, after the drive-qualified name the user knows. */
static int vhd_fail(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vol_path *vp,
		    const char *why)
{
	char where[VOL_PATH_MAX + 4];

	volume_format(vp, where, sizeof(where));
	return cmd_error(ctx, a, "'%s': %s.", where, why);
}

static const char *vhd_type_name(int t)
{
	return t == VHD_TYPE_FIXED ? "Fixed" : t == VHD_TYPE_DYNAMIC ? "Dynamic" :
	       t == VHD_TYPE_DIFF ? "Differencing" : "Unknown";
}

/* ---- Mounted VHDs -------------------------------------------------------------- */

struct vhd_mount {
	struct fx_ctx fx;
	struct fio_ops ops;
	struct vol_path file;          /* the .vhd on its drive */
	struct disk *disk;
	struct volume *vol;            /* NULL: no file system mounted */
	int read_only;
};

static struct vhd_mount *mounts[DISK_MAX];

static struct vhd_mount *mount_find(const struct vol_path *vp)
{
	for (int i = 0; i < DISK_MAX; i++)
		if (mounts[i] && mounts[i]->file.vol == vp->vol &&
		    !strcmp(mounts[i]->file.path, vp->path))
			return mounts[i];
	return NULL;
}

/* The chain of a file that is mounted (or is the parent of one that is):
 * writing it underneath the mount would corrupt what the mount sees. */
static int file_in_use(const struct vol_path *vp)
{
	for (int i = 0; i < DISK_MAX; i++) {
		struct vhd *v;

		if (!mounts[i] || mounts[i]->file.vol != vp->vol)
			continue;
		v = mounts[i]->disk->bd.ctx;
		for (; v; v = vhd_get_parent(v))
			if (!strcmp(vhd_get_path(v), vp->path))
				return 1;
	}
	return 0;
}

static int mount_fs(struct vhd_mount *m)
{
	struct disk *d = m->disk;
	unsigned fl = m->read_only ? EXT2_MOUNT_RDONLY : 0;
	int rc = -ENOENT;

	if (!d->nparts)
		return volume_mount_ext2(d, 0, 0, fl, &m->vol);
	for (int k = 0; k < d->nparts && rc; k++)
		rc = volume_mount_ext2(d, d->parts[k].number, 0, fl, &m->vol);
	return rc;
}

static int mount_release(struct vhd_mount *m)
{
	int rc = 0;

	if (m->vol) {
		rc = volume_unmount(m->vol);
		if (rc == -EBUSY)
			return rc;
		m->vol = NULL;
	}
	m->disk->use = DISK_USE_OFFLINE;
	disk_unregister(m->disk);      /* closes the blockdev, which closes (and flushes) the VHD */
	for (int i = 0; i < DISK_MAX; i++)
		if (mounts[i] == m)
			mounts[i] = NULL;
	free(m);
	return rc;
}

void fio_ext2_dismount_all(void)
{
	for (int i = 0; i < DISK_MAX; i++)
		if (mounts[i])
			(void)mount_release(mounts[i]);
}

static int mount_slot(void)
{
	for (int i = 0; i < DISK_MAX; i++)
		if (!mounts[i])
			return i;
	return -1;
}

static int mount_attach(struct cmd_ctx *ctx, const struct cmd_args *a, struct vhd_mount *m)
{
	struct vhd_err err;
	struct vhd *v;
	struct blockdev bd;
	int rc = vhd_open(&m->ops, m->file.path, m->read_only ? 0 : VHD_OPEN_RDWR, &v, &err);

	if (rc)
		return vhd_fail(ctx, a, &m->file, err.msg), rc;
	vhd_blockdev_wrap(v, !m->read_only, &bd);
	m->disk = disk_register(&bd, "VHD", volume_basename(&m->file), "Virtual Disk", "");
	if (!m->disk) {
		vhd_close(v);
		cmd_error(ctx, a, "Too many disks (at most %d).", DISK_MAX);
		return -ENOSPC;
	}
	m->disk->use = DISK_USE_MOUNTED_VHD;
	return 0;
}

int file_mount_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vhd_mount *m;
	char where[VOL_PATH_MAX + 4];
	int rc, slot = mount_slot();

	if (slot < 0)
		return cmd_error(ctx, a, "Too many VHDs mounted (at most %d).", DISK_MAX);
	m = calloc(1, sizeof(*m));
	if (!m)
		return cmd_error(ctx, a, "Out of memory.");
	if (vhd_arg(ctx, a, "Path", &m->file)) {
		free(m);
		return 0;
	}
	volume_format(&m->file, where, sizeof(where));
	if (mount_find(&m->file) || file_in_use(&m->file)) {
		free(m);
		return cmd_error(ctx, a, "The disk '%s' is already mounted or in use by a mounted VHD.", where);
	}
	m->read_only = cmd_arg_present(a, "ReadOnly");
	m->fx.vol = m->file.vol;
	fx_ops_make(&m->fx, &m->ops);
	if (mount_attach(ctx, a, m)) {
		free(m);
		return 0;
	}
	mounts[slot] = m;
	rc = mount_fs(m);
	if (rc) {
		cmd_error(ctx, a, "'%s' holds no ext2 file system that can be mounted (%s).", where,
			  volume_strerror(rc));
		mount_release(m);
		return 0;
	}
	cmd_printf(ctx, "Mounted %s as disk %d, drive %c:%s\n", where, m->disk->number,
		   m->vol->letter, m->read_only ? " (read-only)" : "");
	return 0;
}

int file_dismount_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp;
	struct vhd_mount *m;
	char where[VOL_PATH_MAX + 4];
	int rc;

	if (vhd_arg(ctx, a, "Path", &vp))
		return 0;
	volume_format(&vp, where, sizeof(where));
	m = mount_find(&vp);
	if (!m)
		return cmd_error(ctx, a, "The disk '%s' is not mounted.", where);
	if (m->vol && volume_current() == m->vol) {
		rc = volume_set_location("C:\\");
		if (rc)
			(void)volume_set_location("B:\\");
	}
	rc = mount_release(m);
	if (rc)
		return cmd_error(ctx, a, "'%s': %s.", where, volume_strerror(rc));
	return 0;
}

/* ---- New-VHD, Get-VHD, Test-VHD, Merge-VHD -------------------------------------- */

static int new_vhd_params(struct cmd_ctx *ctx, const struct cmd_args *a,
			  struct vhd_create_params *p, struct vol_path *parent)
{
	int fixed = cmd_arg_present(a, "Fixed"), dyn = cmd_arg_present(a, "Dynamic");
	int diff = cmd_arg_present(a, "Differencing") || cmd_arg_str(a, "ParentPath");

	memset(p, 0, sizeof(*p));
	if (fixed + dyn + diff > 1)
		return cmd_error(ctx, a, "Use only one of -Fixed, -Dynamic and -Differencing."), -EINVAL;
	if (diff) {
		if (!cmd_arg_str(a, "ParentPath"))
			return cmd_error(ctx, a, "-Differencing needs -ParentPath."), -EINVAL;
		if (vhd_arg(ctx, a, "ParentPath", parent))
			return -EINVAL;
		p->type = VHD_TYPE_DIFF;
		p->parent = parent->path;
		return 0;
	}
	p->size = cmd_arg_size(a, "SizeBytes", 0);
	if (!p->size || p->size % 512)
		return cmd_error(ctx, a, "-SizeBytes must be given, and be a multiple of 512."), -EINVAL;
	p->type = fixed ? VHD_TYPE_FIXED : VHD_TYPE_DYNAMIC;   /* Hyper-V's default: dynamic */
	p->block_size = (uint32_t)cmd_arg_size(a, "BlockSizeBytes", 0);
	return 0;
}

int file_new_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp, parent;
	struct vhd_create_params p;
	struct fx_ctx fx = { 0 };
	struct fio_ops ops;
	struct vhd_err err;
	int rc;

	if (vhd_arg(ctx, a, "Path", &vp) || new_vhd_params(ctx, a, &p, &parent))
		return 0;
	if (p.type == VHD_TYPE_DIFF && parent.vol != vp.vol)
		return cmd_error(ctx, a, "A differencing disk and its parent must be on the same drive.");
	if (p.type == VHD_TYPE_FIXED) {
		struct ext2_statfs st;

		/* A fixed disk promises all its space: refuse what cannot fit. */
		if (!volume_statfs(vp.vol, &st) && p.size / st.block_size >= st.free_blocks)
			return cmd_error(ctx, a, "There is not enough space on drive %c: for a fixed %llu-byte VHD.",
					 vp.vol->letter, (unsigned long long)p.size);
	}
	fx.vol = vp.vol;
	fx.out = ctx;
	fx.what = "New-VHD";
	fx.total = p.type == VHD_TYPE_FIXED ? p.size : 0;
	fx_ops_make(&fx, &ops);
	rc = vhd_create(&ops, vp.path, &p, &err);
	volume_sync(vp.vol);
	if (rc)
		return vhd_fail(ctx, a, &vp, err.msg);
	{
		struct vhd *v;

		if (!vhd_open(&ops, vp.path, 0, &v, &err)) {
			char where[VOL_PATH_MAX + 4], sz[24];

			volume_format(&vp, where, sizeof(where));
			tbl_format_bytes(sz, sizeof(sz), vhd_get_size(v));
			cmd_printf(ctx, "Created %s: %s VHD, %s\n", where,
				   vhd_type_name(p.type), sz);
			vhd_close(v);
		}
	}
	return 0;
}

static void get_vhd_print(struct cmd_ctx *ctx, const struct vol_path *vp, struct vhd *v)
{
	struct vhd_info in;
	struct tbl_sink sink = cmd_sink(ctx);
	struct vhd_mount *m = mount_find(vp);
	struct vhd *par = vhd_get_parent(v);
	char where[VOL_PATH_MAX + 4], fsz[24], sz[24], bs[24], ppath[VOL_PATH_MAX + 4], dn[16];
	const char *names[] = { "Path", "VhdFormat", "VhdType", "FileSize", "Size",
		"LogicalSectorSize", "BlockSize", "ParentPath", "Attached", "DiskNumber" };
	const char *vals[10];

	vhd_get_info(v, &in);
	volume_format(vp, where, sizeof(where));
	snprintf(fsz, sizeof(fsz), "%llu", (unsigned long long)in.file_size);
	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)in.cur_size);
	snprintf(bs, sizeof(bs), "%u", in.block_size);
	if (par)
		snprintf(ppath, sizeof(ppath), "%c:%s", vp->vol->letter, vhd_get_path(par));
	else
		ppath[0] = '\0';
	for (char *p = ppath; *p; p++)
		*p = *p == '/' ? '\\' : *p;
	snprintf(dn, sizeof(dn), "%d", m ? m->disk->number : -1);
	vals[0] = where, vals[1] = "VHD", vals[2] = vhd_type_name(in.type), vals[3] = fsz;
	vals[4] = sz, vals[5] = "512", vals[6] = bs, vals[7] = ppath;
	vals[8] = m ? "True" : "False", vals[9] = m ? dn : "";
	tbl_newline(&sink);
	tbl_print_list(&sink, names, vals, 10);
	tbl_newline(&sink);
}

int file_get_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp;
	struct fx_ctx fx = { 0 };
	struct fio_ops ops;
	struct vhd_err err;
	struct vhd *v;
	struct vhd_mount *m;

	if (vhd_arg(ctx, a, "Path", &vp))
		return 0;
	m = mount_find(&vp);
	if (m) {
		get_vhd_print(ctx, &vp, m->disk->bd.ctx);
		return 0;
	}
	fx.vol = vp.vol;
	fx.out = ctx;
	fx_ops_make(&fx, &ops);
	if (vhd_open(&ops, vp.path, 0, &v, &err))
		return vhd_fail(ctx, a, &vp, err.msg);
	get_vhd_print(ctx, &vp, v);
	vhd_close(v);
	return 0;
}

static void test_report(void *cb_ctx, const char *problem)
{
	cmd_printf(cb_ctx, "  %s\n", problem);
}

int file_test_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp;
	struct fx_ctx fx = { 0 };
	struct fio_ops ops;
	int rc;

	if (vhd_arg(ctx, a, "Path", &vp))
		return 0;
	if (file_in_use(&vp))
		return cmd_error(ctx, a, "The disk is mounted; Dismount-VHD it first.");
	fx.vol = vp.vol;
	fx.out = ctx;
	fx_ops_make(&fx, &ops);
	rc = vhd_check(&ops, vp.path, test_report, ctx);
	if (rc < 0)
		return cmd_error(ctx, a, "'%s': %s.", cmd_arg_str(a, "Path"), volume_strerror(rc));
	cmd_printf(ctx, "%s\n", rc ? "False" : "True");
	return 0;
}

static void merge_progress(void *cb_ctx, uint64_t done, uint64_t total)
{
	fx_progress(cb_ctx, done, total);
}

int file_merge_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp;
	struct fx_ctx fx = { 0 };
	struct fio_ops ops;
	struct vhd_err err;
	int rc;

	if (vhd_arg(ctx, a, "Path", &vp))
		return 0;
	if (file_in_use(&vp))
		return cmd_error(ctx, a, "The disk is mounted; Dismount-VHD it first.");
	fx.vol = vp.vol;
	fx.out = ctx;
	fx.what = "Merge-VHD";
	fx_ops_make(&fx, &ops);
	rc = vhd_merge(&ops, vp.path, merge_progress, &fx, &err);
	volume_sync(vp.vol);
	if (rc)
		return vhd_fail(ctx, a, &vp, err.msg);
	return 0;
}

/* ---- Parameters ----------------------------------------------------------------- */

const struct cmd_param file_p_new_vhd[7] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The new .vhd file." },
	{ "SizeBytes", CMD_P_SIZE, 0, 1, "Its size (e.g. 64MB), a multiple of 512." },
	{ "Fixed", CMD_P_SWITCH, 0, -1, "Allocate all of it now." },
	{ "Dynamic", CMD_P_SWITCH, 0, -1, "Grow as written (the default)." },
	{ "Differencing", CMD_P_SWITCH, 0, -1, "Record changes to -ParentPath." },
	{ "ParentPath", CMD_P_STRING, 0, -1, "The parent of a differencing disk (same drive)." },
	{ "BlockSizeBytes", CMD_P_SIZE, 0, -1, "Dynamic block size (default 2MB)." },
};
const struct cmd_param file_p_vhd[1] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The .vhd file." },
};
const struct cmd_param file_p_mount_vhd[2] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The .vhd file." },
	{ "ReadOnly", CMD_P_SWITCH, 0, -1, "Refuse every write to it." },
};
