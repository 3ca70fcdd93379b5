/*
 * The location cmdlets: Set-Location and Get-Location. Each drive keeps
 * its own current directory (partition/volume/volume.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/console/cmd.h"
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

static const struct cmd_type path_type = { "PathInfo", false, NULL, 0, NULL, NULL, NULL };

static int cmdlet_get_location(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char where[VOL_PATH_MAX + 4];
	const struct cmd_prop p[] = { CMD_PROP_STR("Path", where) };

	(void)a;
	volume_location(where, sizeof(where));
	return cmd_emit(ctx, &path_type, p, 1);
}

/* ---- The prompt and path completion (the console's callbacks) ---- */

void cmdlets_prompt(void *ctx, char *buf, size_t n)
{
	char where[VOL_PATH_MAX + 4];
	size_t len;

	(void)ctx;
	volume_location(where, sizeof(where));
	len = strlen(where);
	/* PowerShell shows the whole location; one too long for the prompt
	 * keeps its drive and its tail: "PS C:\...\tail> ". */
	if (len + 6 > n && n > 16 && len > 3)
		snprintf(buf, n, "PS %.3s...%s> ", where, where + len - (n - 16));
	else
		snprintf(buf, n, "PS %s> ", where);
}

#define COMPLETE_MAX 64
struct completion {
	const char *base;             /* the part of the name typed so far */
	size_t base_len;
	const char *dir;              /* the directory part as typed */
	size_t dir_len;
	char sep;                     /* '\\' or '/' after a directory */
	char (*out)[VOL_PATH_MAX + 8];
	int n;
};

static int completion_add(void *vctx, const struct ext2_dirent *e)
{
	struct completion *c = vctx;

	if (!strcmp(e->name, ".") || !strcmp(e->name, "..") ||
	    strncasecmp(e->name, c->base, c->base_len))
		return 0;
	if (c->n < COMPLETE_MAX)
		snprintf(c->out[c->n], sizeof(c->out[0]), "%.*s%s%s", (int)c->dir_len, c->dir,
			 e->name, e->type == EXT2_TYPE_DIR ? (c->sep == '/' ? "/" : "\\") : "");
	c->n++;
	return 0;
}

int cmdlets_complete_path(void *ctx, const char *prefix, size_t len, const char **m, int max)
{
	static char out[COMPLETE_MAX][VOL_PATH_MAX + 8];
	char dir[VOL_PATH_MAX];
	struct completion c = { .out = out, .sep = '\\' };
	struct vol_path vp;
	size_t k = len;

	(void)ctx;
	while (k > 0 && prefix[k - 1] != '\\' && prefix[k - 1] != '/' &&
	       !(k == 2 && prefix[1] == ':'))
		k--;
	if (k >= sizeof(dir))
		return 0;
	memcpy(dir, prefix, k);
	dir[k] = '\0';
	if (k && prefix[k - 1] == '/')
		c.sep = '/';
	c.dir = prefix;
	c.dir_len = k;
	c.base = prefix + k;
	c.base_len = len - k;
	if (volume_resolve(dir, &vp) || volume_list(&vp, completion_add, &c))
		return 0;
	for (int i = 0; i < c.n && i < max && i < COMPLETE_MAX; i++)
		m[i] = out[i];
	return c.n;
}

static const struct cmd_param p_path_req[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "A path: C:\\dir\\file, dir/file, ..\\file, B:\\name.", NULL },
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
