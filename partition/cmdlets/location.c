/*
 * The location cmdlets: Set-Location and Get-Location. Each drive keeps
 * its own current directory (partition/volume/volume.h).
 */
#include <errno.h>
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/volume/volume.h"

static int cmdlet_set_location(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path");
	int rc = volume_set_location(in);

	if (rc == -ENOTDIR)
		return cmd_error(ctx, a, "'%s' is not a directory.", in);
	if (rc)
		return cmdlet_path_error(ctx, a, in, rc);
	return 0;
}

static int cmdlet_get_location(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const hdr[] = { "Path" };
	char where[VOL_PATH_MAX + 4];
	const char *row[1] = { where };
	struct tbl_sink sink = cmd_sink(ctx);

	(void)a;
	volume_location(where, sizeof(where));
	tbl_print(&sink, hdr, 1, row, 1, NULL);
	return 0;
}

static const struct cmd_param p_path_req[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "A path: C:\\dir\\file, dir/file, ..\\file, B:\\name." },
};
static const char *const a_cd[] = { "cd", "sl", "chdir", NULL };
static const char *const a_pwd[] = { "pwd", "gl", NULL };

const struct cmd_def cmdlets_location[] = {
	{ "Set-Location", "Changes the current location.",
	  "Makes a directory the current location; relative paths start there. Each drive keeps its own current directory; \"X:\" switches drive.",
	  p_path_req, 1, cmdlet_set_location, a_cd },
	{ "Get-Location", "Shows the current location.", "Shows the current drive and directory.",
	  NULL, 0, cmdlet_get_location, a_pwd },
};
const int cmdlets_location_count = sizeof(cmdlets_location) / sizeof(cmdlets_location[0]);
