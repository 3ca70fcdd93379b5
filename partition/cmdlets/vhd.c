/*
 * The VHD cmdlets: New-VHD, Get-VHD, Test-VHD, Merge-VHD, Mount-VHD,
 * Dismount-VHD and the benchmark Measure-VHD, over the VHD library (storage/vhd) and a drive's file
 * operations (partition/volume/fio_ext2.h). Mount-VHD attaches the VHD as a
 * disk (Get-Disk lists it, bus "VHD") and mounts the ext2 file system in
 * it (whole disk or first ext2 partition) as the first free drive letter
 * from V: (partition/volume/vhd_mount.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/arch/cpu.h"
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/volume/fio_ext2.h"
#include "partition/volume/vhd_mount.h"
#include "partition/volume/volume.h"
#include "partition/vm.h"
#include "partition/vsp/vsp_stor.h"
#include "storage/bench_pattern.h"
#include "storage/vhd/vhd.h"

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

/* A path argument naming a VHD file that must exist: a missing one gets
 * PowerShell's sentence with the drive-qualified path (the library would
 * name its drive-relative path, which the user never typed). */
int cmdlet_vhd_file_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const char *name,
			struct vol_path *vp)
{
	char where[VOL_PATH_MAX + 4];
	struct ext2_stat st;
	int rc = vhd_arg(ctx, a, name, vp);

	if (rc)
		return rc;
	rc = volume_stat(vp, &st);
	if (!rc && st.type == EXT2_TYPE_DIR)
		rc = -EISDIR;
	if (rc) {
		volume_format(vp, where, sizeof(where));
		cmdlet_path_error(ctx, a, where, rc);
	}
	return rc;
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

/* ---- Mount-VHD, Dismount-VHD ---------------------------------------------------- */

/* A running VM's chain must not be written under it: the VHD may be
 * mounted for writing only when no VM reads it (as a differencing disk's
 * parent), read-only when no VM writes it; its parents when no VM writes
 * them. Nonzero after the error. */
static int mount_chain_check(struct cmd_ctx *ctx, const struct cmd_args *a,
			     const struct vol_path *file)
{
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vhd *v;
	char why[VOL_PATH_MAX + VHD_ERR_LEN + 16];
	int rc;

	if (vhd_mount_open_file(file, true, &fx, &ops, &v, why, sizeof(why)))
		return 0;    /* vhd_mount_open says why */
	rc = cmdlet_vhd_chain_check(ctx, a, file, v, !cmd_arg_present(a, "ReadOnly"),
				    "The disk cannot be mounted");
	vhd_close(v);
	return rc;
}

static int cmdlet_mount_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path file;
	struct vhd_mount *m;
	char where[VOL_PATH_MAX + 4], why[VOL_PATH_MAX + VHD_ERR_LEN + 16];

	if (cmdlet_vhd_file_arg(ctx, a, "Path", &file))
		return 0;
	if (cmdlet_vhd_owner(&file)) {
		volume_format(&file, where, sizeof(where));
		return cmd_error(ctx, a, "The disk '%s' is attached to virtual machine '%s' "
				 "(Remove-VMHardDiskDrive first): it is being used by another process.",
				 where, cmdlet_vhd_owner(&file)->name);
	}
	if (mount_chain_check(ctx, a, &file))
		return 0;
	if (vhd_mount_open(&file, cmd_arg_present(a, "ReadOnly"), &m, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	volume_format(&m->file, where, sizeof(where));
	cmd_printf(ctx, "Mounted %s as disk %d, drive %c:%s\n", where, m->disk->number,
		   m->vol->letter, m->read_only ? " (read-only)" : "");
	return 0;
}

static int cmdlet_dismount_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp;
	struct vhd_mount *m;
	char where[VOL_PATH_MAX + 4];
	int rc;

	if (vhd_arg(ctx, a, "Path", &vp))
		return 0;
	volume_format(&vp, where, sizeof(where));
	m = vhd_mount_find(&vp);
	if (!m)
		return cmd_error(ctx, a, "The disk '%s' is not mounted.", where);
	if (m->vol && volume_current() == m->vol) {
		rc = volume_set_location("C:\\");
		if (rc)
			(void)volume_set_location("B:\\");
	}
	rc = vhd_mount_close(m);
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
		if (cmdlet_vhd_file_arg(ctx, a, "ParentPath", parent))
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

static int cmdlet_new_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp, parent;
	struct vhd_create_params p;
	struct fio_ext2 fx;
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
	fio_ext2_bind(&fx, vp.vol, ctx, "New-VHD", &ops);
	fx.total = p.type == VHD_TYPE_FIXED ? p.size : 0;
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

static const struct cmd_type vhd_type = { "VirtualHardDisk", true, NULL, 0, NULL, NULL, NULL };

static int get_vhd_emit(struct cmd_ctx *ctx, const struct vol_path *vp, struct vhd *v)
{
	struct vhd_info in;
	struct vhd_mount *m = vhd_mount_find(vp);
	struct vhd *par = vhd_get_parent(v);
	char where[VOL_PATH_MAX + 4], ppath[VOL_PATH_MAX + 4] = "";
	struct cmd_prop p[] = {
		CMD_PROP_STR("Path", where),
		CMD_PROP_STR("VhdFormat", "VHD"),
		CMD_PROP_STR("VhdType", ""),
		CMD_PROP_INT("FileSize", 0),
		CMD_PROP_INT("Size", 0),
		CMD_PROP_INT("LogicalSectorSize", 512),
		CMD_PROP_INT("BlockSize", 0),
		CMD_PROP_STR("ParentPath", ppath),
		CMD_PROP_BOOL("Attached", m != NULL),
		CMD_PROP_NULL("DiskNumber"),
	};

	vhd_get_info(v, &in);
	volume_format(vp, where, sizeof(where));
	if (par)
		snprintf(ppath, sizeof(ppath), "%c:%s", vp->vol->letter, vhd_get_path(par));
	for (char *c = ppath; *c; c++)
		*c = *c == '/' ? '\\' : *c;
	p[2].v.s = vhd_type_name(in.type);
	p[3].v.i = (int64_t)in.file_size;
	p[4].v.i = (int64_t)in.cur_size;
	p[6].v.i = in.block_size;
	if (m)
		p[9] = (struct cmd_prop)CMD_PROP_INT("DiskNumber", m->disk->number);
	return cmd_emit(ctx, &vhd_type, p, 10);
}

static int cmdlet_get_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp;
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vhd_err err;
	struct vhd *v;
	struct vhd_mount *m;
	int rc;

	if (cmdlet_vhd_file_arg(ctx, a, "Path", &vp))
		return 0;
	m = vhd_mount_find(&vp);
	if (m)
		return get_vhd_emit(ctx, &vp, m->vhd);
	fio_ext2_bind(&fx, vp.vol, ctx, "Get-VHD", &ops);
	if (vhd_open(&ops, vp.path, 0, &v, &err))
		return vhd_fail(ctx, a, &vp, err.msg);
	rc = get_vhd_emit(ctx, &vp, v);
	vhd_close(v);
	return rc;
}

static void test_report(void *cb_ctx, const char *problem)
{
	cmd_printf(cb_ctx, "  %s\n", problem);
}

/* Test-VHD and Merge-VHD: -Path on an ext2 drive and not part of a mounted
 * VHD's chain; fx and ops bound to its drive. Nonzero when an error was
 * printed. */
static int vhd_offline_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const char *what,
			   struct vol_path *vp, struct fio_ext2 *fx, struct fio_ops *ops)
{
	if (cmdlet_vhd_file_arg(ctx, a, "Path", vp))
		return -EINVAL;
	if (vhd_mount_in_use(vp))
		return cmd_error(ctx, a, "The disk is mounted; Dismount-VHD it first."), -EBUSY;
	if (vsp_stor_in_use(vp))
		return cmd_error(ctx, a, "The disk is in use by a running virtual machine; stop it first."),
		       -EBUSY;
	fio_ext2_bind(fx, vp->vol, ctx, what, ops);
	return 0;
}

static int cmdlet_test_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp;
	struct fio_ext2 fx;
	struct fio_ops ops;
	int rc;

	if (vhd_offline_arg(ctx, a, "Test-VHD", &vp, &fx, &ops))
		return 0;
	rc = vhd_check(&ops, vp.path, test_report, ctx);
	if (rc < 0)
		return cmd_error(ctx, a, "'%s': %s.", cmd_arg_str(a, "Path"), volume_strerror(rc));
	cmd_printf(ctx, "%s\n", rc ? "False" : "True");
	return 0;
}

static void merge_progress(void *cb_ctx, uint64_t done, uint64_t total)
{
	fio_ext2_progress(cb_ctx, done, total);
}

/* Merge-VHD writes the parent: refused while a running VM's chain reads
 * it (another differencing disk of it) or it is mounted. An interrupted
 * merge whose child no longer opens is left to vhd_merge. */
static int merge_parent_check(struct cmd_ctx *ctx, const struct cmd_args *a,
			      const struct vol_path *child)
{
	struct vol_path pp = { .vol = child->vol };
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vhd *v, *par;
	char why[VOL_PATH_MAX + VHD_ERR_LEN + 16], where[VOL_PATH_MAX + 4];
	int user;

	if (vhd_mount_open_file(child, true, &fx, &ops, &v, why, sizeof(why)))
		return 0;
	par = vhd_get_parent(v);
	if (par)
		snprintf(pp.path, sizeof(pp.path), "%s", vhd_get_path(par));
	vhd_close(v);
	if (!par)
		return 0;     /* not differencing: vhd_merge says so */
	volume_format(&pp, where, sizeof(where));
	user = vsp_stor_user(&pp, true);
	if (user >= 0)
		return cmd_error(ctx, a, "The parent '%s' is in use by a running virtual machine (as its "
				 "disk or the parent of its differencing disk); stop it first.", where);
	if (vhd_mount_in_use(&pp))
		return cmd_error(ctx, a, "The parent '%s' is mounted; Dismount-VHD it first.", where);
	return 0;
}

static int cmdlet_merge_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct vol_path vp;
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct vhd_err err;
	int rc;

	if (vhd_offline_arg(ctx, a, "Merge-VHD", &vp, &fx, &ops) || merge_parent_check(ctx, a, &vp))
		return 0;
	rc = vhd_merge(&ops, vp.path, merge_progress, &fx, &err);
	volume_sync(vp.vol);
	if (rc)
		return vhd_fail(ctx, a, &vp, err.msg);
	return 0;
}

/* ---- Measure-VHD (benchmark) ------------------------------------------------------ */

/* Not a Hyper-V cmdlet: the parent's side of issue 15's child-versus-
 * parent benchmark (tests/bench/storage/bench_vhd_child_vs_parent.py).
 * The VHD is opened as vsp_stor opens a child's disk (vhd_mount_open_file,
 * vhd_blockdev_wrap) and requests go through the same blockdev calls
 * storvsp makes, one at a time, at the offsets the stortest guest draws
 * (storage/bench_pattern.h), timed with the TSC. Writes are not flushed
 * inside the timing, as a child's plain WRITE(10) is not. */
enum { MV_RANDOM4K, MV_SEQ1M };
static const char *const mv_patterns[] = { "Random4K", "Sequential1M", NULL };

struct mv_run {
	int pattern, write;
	uint64_t count, seed;
	uint8_t *buf;
};

static size_t mv_len(const struct mv_run *r)
{
	return r->pattern == MV_SEQ1M ? 1u << 20 : 4096u;
}

/* r->count requests on bd at base + the pattern's slots of size bytes. */
static int mv_pass(const struct mv_run *r, struct blockdev *bd, uint64_t base, uint64_t size,
		   int write, uint64_t *ticks)
{
	size_t len = mv_len(r);
	uint64_t nslots = size / len, state = r->seed, t0 = cpu_rdtsc();

	for (uint64_t i = 0; i < r->count; i++) {
		uint64_t slot = r->pattern == MV_SEQ1M ? bench_pat_seq(i, nslots) :
			       bench_pat_random(&state, nslots);
		int rc = write ? blockdev_write(bd, base + slot * len, r->buf, len) :
			 blockdev_read(bd, base + slot * len, r->buf, len);

		if (rc)
			return rc;
	}
	*ticks = cpu_rdtsc() - t0;
	return 0;
}

/* Opens the VHD as a child's disk is opened and runs r on it. */
static int mv_vhd(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vol_path *vp,
		  const struct mv_run *r, uint64_t *ticks)
{
	char why[VOL_PATH_MAX + VHD_ERR_LEN + 16];
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct blockdev bd;
	struct vhd *v;
	int rc;

	if (vhd_mount_open_file(vp, !r->write, &fx, &ops, &v, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why), -EIO;
	if (cmdlet_vhd_chain_check(ctx, a, vp, v, r->write, "The disk cannot be measured")) {
		vhd_close(v);
		return -EBUSY;
	}
	vhd_blockdev_wrap(v, r->write, &bd);
	if (vhd_get_size(v) < mv_len(r))
		rc = (cmd_error(ctx, a, "The disk is smaller than one request."), -EINVAL);
	else if ((rc = mv_pass(r, &bd, 0, vhd_get_size(v), r->write, ticks)) != 0)
		cmd_error(ctx, a, "'%s': %s.", cmd_arg_str(a, "Path"), vhd_get_error(v));
	if (r->write && blockdev_flush(&bd) && !rc)
		rc = (cmd_error(ctx, a, "'%s': %s.", cmd_arg_str(a, "Path"), vhd_get_error(v)), -EIO);
	blockdev_close(&bd);     /* vhd_close */
	return rc;
}

static int cmdlet_measure_vhd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct mv_run r = { 0, cmd_arg_present(a, "Write"), (uint64_t)cmd_arg_int(a, "Count", 128),
			    (uint64_t)cmd_arg_int(a, "Seed", 1), NULL };
	uint64_t t = 0, raw = 0;
	struct vol_path vp;
	struct fio_ext2 fx;
	struct fio_ops ops;
	int rc;

	r.pattern = cmd_arg_enum(ctx, a, "Pattern", mv_patterns, MV_RANDOM4K);
	if (r.pattern < 0)
		return 0;
	if (r.count < 1 || r.count > 1000000)
		return cmd_error(ctx, a, "-Count must be 1 to 1000000.");
	if (vhd_offline_arg(ctx, a, "Measure-VHD", &vp, &fx, &ops))
		return 0;
	r.buf = malloc(mv_len(&r));
	if (!r.buf)
		return cmdlet_path_error(ctx, a, cmd_arg_str(a, "Path"), -ENOMEM);
	memset(r.buf, 0x5a, mv_len(&r));
	rc = mv_vhd(ctx, a, &vp, &r, &t);
	/* The physical limit: as many reads of the raw disk under the drive. */
	if (!rc && r.pattern == MV_SEQ1M && !r.write &&
	    mv_pass(&r, &vp.vol->disk->bd, vp.vol->base, vp.vol->size, 0, &raw))
		cmd_error(ctx, a, "Reading the raw disk failed.");
	free(r.buf);
	if (r.write)
		cmdlet_sync(ctx, a, vp.vol);
	if (rc)
		return 0;
	cmd_printf(ctx, "Pattern              : %s\n", mv_patterns[r.pattern]);
	cmd_printf(ctx, "Write                : %s\n", r.write ? "True" : "False");
	cmd_printf(ctx, "Requests             : %llu\n", (unsigned long long)r.count);
	cmd_printf(ctx, "TscPerRequest        : %llu\n", (unsigned long long)(t / r.count));
	if (raw)
		cmd_printf(ctx, "RawReadTscPerRequest : %llu\n", (unsigned long long)(raw / r.count));
	return 0;
}

/* ---- Parameters and the table ------------------------------------------------------ */

static const struct cmd_param p_new_vhd[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The new .vhd file.", NULL },
	{ "SizeBytes", CMD_P_SIZE, 0, 1, "Its size (e.g. 64MB), a multiple of 512.", NULL },
	{ "Fixed", CMD_P_SWITCH, 0, -1, "Allocate all of it now.", NULL },
	{ "Dynamic", CMD_P_SWITCH, 0, -1, "Grow as written (the default).", NULL },
	{ "Differencing", CMD_P_SWITCH, 0, -1, "Record changes to -ParentPath.", NULL },
	{ "ParentPath", CMD_P_STRING, 0, -1, "The parent of a differencing disk (same drive).", NULL },
	{ "BlockSizeBytes", CMD_P_SIZE, 0, -1, "Dynamic block size (default 2MB).", NULL },
};
static const struct cmd_param p_vhd[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "The .vhd file (Get-ChildItem *.vhd | Get-VHD).", CMD_ALIASES("FullName") },
};
static const struct cmd_param p_measure_vhd[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The .vhd file (not in use by a running VM or mounted).", NULL },
	{ "Pattern", CMD_P_STRING, 0, -1, "Random4K (the default): 4 KiB at random 4 KiB slots of -Seed; Sequential1M: 1 MiB at a time from offset 0, wrapping.", NULL },
	{ "Count", CMD_P_INT, 0, -1, "Requests (default 128).", NULL },
	{ "Seed", CMD_P_INT, 0, -1, "Random4K's seed (default 1), as stortest's seed=.", NULL },
	{ "Write", CMD_P_SWITCH, 0, -1, "Write 0x5A bytes instead of reading (not flushed until the end, untimed).", NULL },
};
static const struct cmd_param p_mount_vhd[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The .vhd file.", CMD_ALIASES("FullName") },
	{ "ReadOnly", CMD_P_SWITCH, 0, -1, "Refuse every write to it.", NULL },
};

const struct cmd_def cmdlets_vhd[] = {
	{ "New-VHD", "Creates a VHD file.",
	  "Creates a fixed, dynamic (the default) or differencing VHD on an ext2 drive; a fixed one shows progress as it is written. A differencing disk's parent must be on the same drive.",
	  p_new_vhd, 7, cmdlet_new_vhd, NULL },
	{ "Get-VHD", "Shows a VHD's type, sizes and parent.",
	  "Shows a VHD's format, type, file size, virtual size, block size, parent and whether it is mounted.",
	  p_vhd, 1, cmdlet_get_vhd, NULL },
	{ "Test-VHD", "Checks a VHD for consistency.",
	  "Checks a VHD (and its parents) and prints True, or each problem found and False.",
	  p_vhd, 1, cmdlet_test_vhd, NULL },
	{ "Merge-VHD", "Merges a differencing VHD into its parent.",
	  "Writes a differencing disk's data into its parent, with progress, then deletes it. An interrupted merge resumes.",
	  p_vhd, 1, cmdlet_merge_vhd, NULL },
	{ "Mount-VHD", "Attaches a VHD and mounts its file system.",
	  "Attaches a VHD (fixed, dynamic or differencing) as a disk of the parent (Get-Disk lists it) and mounts the ext2 file system in it as the first free drive from V:, which it prints; copy files out of it or into it. -ReadOnly refuses every write. A VHD in use cannot be mounted.",
	  p_mount_vhd, 2, cmdlet_mount_vhd, NULL },
	{ "Dismount-VHD", "Flushes and detaches a mounted VHD.",
	  "Unmounts the VHD's drive, flushes everything to the .vhd file and detaches the disk.",
	  p_vhd, 1, cmdlet_dismount_vhd, NULL },
	{ "Measure-VHD", "Times requests on a VHD as a child's disk serves them.",
	  "A benchmark, not a Hyper-V cmdlet: opens the VHD as a child's disk is opened (the storage stack storvsp uses) and times -Count requests of -Pattern one at a time, printing TSC ticks per request; Sequential1M reads also time as many 1 MiB reads of the raw disk under the drive (RawReadTscPerRequest). The offsets are those the stortest guest's bench mode draws (storage/bench_pattern.h), for issue 15's child-versus-parent benchmark. -Write overwrites data in the VHD.",
	  p_measure_vhd, 5, cmdlet_measure_vhd, NULL },
};
const int cmdlets_vhd_count = sizeof(cmdlets_vhd) / sizeof(cmdlets_vhd[0]);
