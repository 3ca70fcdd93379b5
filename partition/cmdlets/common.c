/*
 * What the path-taking cmdlets share (item.c, location.c, disk.c,
 * partition/cmdlets/cmdlets.h): one wording for path errors, path
 * arguments, the sync after a write and the space check before one.
 */
#include <errno.h>
#include "partition/console/cmd.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/volume/volume.h"

int cmdlet_path_error(struct cmd_ctx *ctx, const struct cmd_args *a, const char *what, int rc)
{
	if (rc == -ENOENT)
		return cmd_error(ctx, a, "Cannot find path '%s' because it does not exist.", what);
	if (rc == -ENXIO)
		return cmd_error(ctx, a, "Cannot find drive. A drive with the name '%c' does not exist.",
				 what[0]);
	if (rc == -EBUSY)
		return cmd_error(ctx, a, "'%s' is in use (an open or mounted VHD: Dismount-VHD it first).",
				 what);
	return cmd_error(ctx, a, "'%s': %s.", what, volume_strerror(rc));
}

/* Resolve a path argument, printing the error when it cannot be. */
int cmdlet_path_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const char *in,
		    struct vol_path *vp)
{
	int rc = volume_resolve(in, vp);

	if (rc)
		cmdlet_path_error(ctx, a, in ? in : "", rc);
	return rc;
}

void cmdlet_sync(struct cmd_ctx *ctx, const struct cmd_args *a, struct volume *v)
{
	int rc = volume_sync(v);

	if (rc)
		cmd_error(ctx, a, "Writing %c: back to disk failed: %s.", v->letter, volume_strerror(rc));
}

/* Refuse up front what cannot fit (data blocks only; indirect blocks are
 * caught by the write itself). */
int cmdlet_space_check(struct volume *v, uint64_t need, uint64_t have_now)
{
	struct ext2_statfs fs;

	if (volume_statfs(v, &fs) || v->kind != VOL_KIND_EXT2)
		return 0;
	if (need > have_now && need - have_now > fs.free_blocks * fs.block_size)
		return -ENOSPC;
	return 0;
}

