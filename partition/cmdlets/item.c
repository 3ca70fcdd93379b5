/*
 * The item cmdlets over the parent's drives (partition/volume/volume.h):
 * Get-ChildItem, Get-Content, Set-Content, Add-Content, New-Item,
 * Copy-Item, Move-Item, Remove-Item. Each resolves its paths first, prints
 * one clear error (PowerShell wording where PowerShell has one) and
 * changes nothing when an argument is bad. Every cmdlet that writes syncs
 * the drive before it returns, so a write the console reported is on the
 * disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/volume/volume.h"

#define REMOVE_DEPTH_MAX 64

/* ---- Get-ChildItem ----------------------------------------------------------- */

struct item {
	char name[VOL_NAME_MAX + 1];
	struct ext2_stat st;
};

struct listing {
	struct vol_path dir;
	const char *pattern;
	struct item *items;
	int n, cap, err;
};

static int listing_add(void *vctx, const struct ext2_dirent *e)
{
	struct listing *l = vctx;
	struct vol_path p = l->dir;

	if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
		return 0;
	if (l->pattern && !cmd_match_glob(l->pattern, e->name))
		return 0;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		struct item *it = realloc(l->items, (size_t)cap * sizeof(*it));

		if (!it)
			return l->err = -ENOMEM;
		l->items = it;
		l->cap = cap;
	}
	snprintf(l->items[l->n].name, sizeof(l->items[0].name), "%s", e->name);
	if (volume_join(&p, e->name) || volume_stat(&p, &l->items[l->n].st))
		memset(&l->items[l->n].st, 0, sizeof(l->items[0].st));
	l->n++;
	return 0;
}

/* Directories first, then files, each by name (as PowerShell lists). */
static int item_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	int da = a->st.type == EXT2_TYPE_DIR, db = b->st.type == EXT2_TYPE_DIR;

	if (da != db)
		return db - da;
	return strcmp(a->name, b->name);
}

/* Get-ChildItem's objects: a table per directory, as PowerShell groups
 * them ("    Directory: C:\vms"); B: keeps the listing the console has
 * always printed, Name and Length. Path repeats FullName so that
 * Get-ChildItem | Get-VHD binds it. */
static const struct cmd_column item_cols[] = {
	{ "Mode", NULL, 0 }, { "LastWriteTime", NULL, 0 }, { "Length", NULL, 0 },
	{ "Name", NULL, 0 },
};
static const struct cmd_type item_type = {
	"FileInfo", false, item_cols, 4, "Directory", "Directory", NULL,
};
static const struct cmd_column boot_cols[] = { { "Name", NULL, 0 }, { "Length", NULL, 0 } };
static const struct cmd_type boot_item_type = {
	"BootFile", false, boot_cols, 2, NULL, NULL, NULL,
};

static int item_emit(struct cmd_ctx *ctx, const struct vol_path *dir, const char *where,
		     const struct item *it)
{
	time_t t = it->st.mtime;
	struct tm tm;
	bool isdir = it->st.type == EXT2_TYPE_DIR;
	char when[32] = "", full[VOL_PATH_MAX + 4];
	struct vol_path p = *dir;
	const struct cmd_prop props[] = {
		CMD_PROP_STR("Mode", isdir ? "d-----" : it->st.type == EXT2_TYPE_SYMLINK ?
			     "-a---l" : "-a----"),
		CMD_PROP_STR("LastWriteTime", when),
		isdir ? (struct cmd_prop)CMD_PROP_NULL("Length") :
			(struct cmd_prop)CMD_PROP_INT("Length", (int64_t)it->st.size),
		CMD_PROP_STR("Name", it->name),
		CMD_PROP_STR("Directory", where),
		CMD_PROP_STR("FullName", full),
		CMD_PROP_STR("Path", full),
		CMD_PROP_BOOL("PSIsContainer", isdir),
	};

	if (t && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	if (volume_join(&p, it->name) == 0)
		volume_format(&p, full, sizeof(full));
	else
		snprintf(full, sizeof(full), "%s", where);
	if (dir->vol->kind == VOL_KIND_BOOT) {
		const struct cmd_prop boot[] = { props[3], props[2], props[5], props[6] };

		return cmd_emit(ctx, &boot_item_type, boot, 4);
	}
	return cmd_emit(ctx, &item_type, props, 8);
}

static int emit_items(struct cmd_ctx *ctx, const struct vol_path *dir, const struct item *items,
		      int n)
{
	char where[VOL_PATH_MAX + 4];
	int rc = 0;

	volume_format(dir, where, sizeof(where));
	for (int i = 0; rc == 0 && i < n; i++)
		rc = item_emit(ctx, dir, where, &items[i]);
	return rc;
}

static void path_parent(struct vol_path *p)
{
	char *slash = strrchr(p->path, '/');

	if (slash == p->path)
		p->path[1] = '\0';
	else
		*slash = '\0';
}

/* A path that names a file lists that file; a wildcard in its last part
 * lists the matches in the directory above. */
static int listing_setup(struct cmd_ctx *ctx, const struct cmd_args *a, const char *in,
			 struct listing *l, char *pat, size_t patn)
{
	struct ext2_stat st;
	const char *base;
	int rc = cmdlet_path_arg(ctx, a, in, &l->dir);

	if (rc)
		return rc;
	base = volume_basename(&l->dir);
	if (!strpbrk(base, "*?")) {
		rc = volume_stat(&l->dir, &st);
		if (rc) {
			cmdlet_path_error(ctx, a, in ? in : ".", rc);
			return rc;
		}
		if (st.type == EXT2_TYPE_DIR)
			return 0;
	}
	snprintf(pat, patn, "%s", base);
	l->pattern = pat;
	path_parent(&l->dir);
	return 0;
}

static int cmdlet_get_childitem(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path");
	struct listing l = { 0 };
	char pat[VOL_NAME_MAX + 1];
	int rc = listing_setup(ctx, a, in, &l, pat, sizeof(pat));

	if (rc)
		return rc;
	rc = volume_list(&l.dir, listing_add, &l);
	if (!rc)
		rc = l.err;
	if (rc) {
		free(l.items);
		return cmdlet_path_error(ctx, a, in ? in : ".", rc);
	}
	if (!l.n && l.pattern && !strpbrk(l.pattern, "*?")) {
		free(l.items);
		return cmdlet_path_error(ctx, a, in, -ENOENT);
	}
	qsort(l.items, (size_t)l.n, sizeof(*l.items), item_cmp);
	rc = emit_items(ctx, &l.dir, l.items, l.n);
	free(l.items);
	return rc;
}

/* ---- Get-Content, Set-Content, Add-Content ----------------------------------- */

static int is_text(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			return 0;
	return 1;
}

/* Pass one checks the whole file is text, pass two prints it. */
static int content_print(struct cmd_ctx *ctx, struct vol_file *f, char *buf, int print)
{
	uint64_t off = 0;
	char last = '\n';

	for (;;) {
		int64_t n = volume_file_read(f, off, buf, CMDLET_CHUNK);

		if (n < 0)
			return (int)n;
		if (!n)
			break;
		if (!print && !is_text(buf, (size_t)n))
			return -EILSEQ;
		if (print)
			cmd_write(ctx, buf, (size_t)n);
		last = buf[n - 1];
		off += (uint64_t)n;
	}
	if (print && last != '\n')
		cmd_write(ctx, "\n", 1);
	return 0;
}

static int cmdlet_get_content(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path");
	struct vol_path vp;
	struct vol_file f;
	char *buf;
	int rc;

	if (cmdlet_path_arg(ctx, a, in, &vp))
		return 0;
	rc = volume_open(&vp, EXT2_O_RDONLY, &f);
	if (rc)
		return cmdlet_path_error(ctx, a, in, rc);
	buf = malloc(CMDLET_CHUNK);
	rc = buf ? content_print(ctx, &f, buf, 0) : -ENOMEM;
	if (!rc)
		rc = content_print(ctx, &f, buf, 1);
	volume_file_close(&f);
	free(buf);
	if (rc == -EILSEQ)
		return cmd_error(ctx, a, "'%s' is a binary file; Get-Content shows text only.", in);
	if (rc)
		return cmdlet_path_error(ctx, a, in, rc);
	return 0;
}

/* Write value plus a line end at the end of the file (append) or as its
 * whole content; creates the file. */
static int content_write(struct cmd_ctx *ctx, const struct cmd_args *a, const char *in,
			 const char *value, int append)
{
	struct vol_path vp;
	struct vol_file f;
	size_t n = value ? strlen(value) : 0;
	int64_t w = 0;
	int rc;

	if (cmdlet_path_arg(ctx, a, in, &vp))
		return 0;
	rc = volume_open(&vp, EXT2_O_RDWR | EXT2_O_CREAT | (append ? 0 : EXT2_O_TRUNC), &f);
	if (rc)
		return cmdlet_path_error(ctx, a, in, rc);
	if (n)
		w = volume_file_write(&f, volume_file_size(&f), value, n);
	if (w >= 0 && value)
		w = volume_file_write(&f, volume_file_size(&f), "\n", 1);
	rc = volume_file_close(&f);
	if (w < 0 || rc) {
		cmdlet_path_error(ctx, a, in, w < 0 ? (int)w : rc);
		cmdlet_sync(ctx, a, vp.vol);
		return 0;
	}
	cmdlet_sync(ctx, a, vp.vol);
	return 0;
}

static int cmdlet_set_content(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return content_write(ctx, a, cmd_arg_str(a, "Path"), cmd_arg_str(a, "Value"), 0);
}

static int cmdlet_add_content(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return content_write(ctx, a, cmd_arg_str(a, "Path"), cmd_arg_str(a, "Value"), 1);
}

/* ---- New-Item ------------------------------------------------------------------ */

static int show_one(struct cmd_ctx *ctx, const struct vol_path *vp)
{
	struct item it;
	struct vol_path dir = *vp;

	snprintf(it.name, sizeof(it.name), "%s", volume_basename(vp));
	if (volume_stat(vp, &it.st))
		return 0;
	path_parent(&dir);
	return emit_items(ctx, &dir, &it, 1);
}

static int cmdlet_new_item(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const types[] = { "File", "Directory", NULL };
	const char *in = cmd_arg_str(a, "Path"), *value = cmd_arg_str(a, "Value");
	int type = cmd_arg_enum(ctx, a, "ItemType", types, 0);
	struct vol_path vp;
	struct ext2_stat st;
	char where[VOL_PATH_MAX + 4];
	int rc;

	if (type < 0 || cmdlet_path_arg(ctx, a, in, &vp))
		return 0;
	volume_format(&vp, where, sizeof(where));
	if (!volume_stat(&vp, &st))
		return cmd_error(ctx, a, "An item with the specified name %s already exists.", where);
	if (type == 1 && value)
		return cmd_error(ctx, a, "-Value is for files, not directories.");
	if (type == 1) {
		rc = volume_mkdir(&vp);
	} else {
		struct vol_file f;

		rc = volume_open(&vp, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_EXCL, &f);
		if (!rc) {
			int64_t w = 0;

			if (value && *value)
				w = volume_file_write(&f, 0, value, strlen(value));
			if (w >= 0 && value)
				w = volume_file_write(&f, volume_file_size(&f), "\n", 1);
			rc = volume_file_close(&f);
			if (w < 0) {
				volume_unlink(&vp);
				rc = (int)w;
			}
		}
	}
	if (rc) {
		cmdlet_path_error(ctx, a, where, rc);
		cmdlet_sync(ctx, a, vp.vol);
		return 0;
	}
	cmdlet_sync(ctx, a, vp.vol);
	return show_one(ctx, &vp);
}

/* ---- Copy-Item, Move-Item ----------------------------------------------------- */

/* The destination: a directory receives the source's name. */
static int dest_resolve(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vol_path *src,
			const char *in, struct vol_path *dst)
{
	struct ext2_stat st;
	int rc;

	if (cmdlet_path_arg(ctx, a, in, dst))
		return -EINVAL;
	if (!volume_stat(dst, &st) && st.type == EXT2_TYPE_DIR) {
		rc = volume_join(dst, volume_basename(src));
		if (rc) {
			cmdlet_path_error(ctx, a, in, rc);
			return rc;
		}
	}
	if (dst->vol == src->vol && !strcmp(dst->path, src->path)) {
		cmd_error(ctx, a, "Cannot overwrite the item with itself.");
		return -EINVAL;
	}
	return 0;
}

/* Copies of 8 MiB and more report progress every 10%. */
#define COPY_PROGRESS_MIN (8ull << 20)

static void copy_progress(struct cmd_ctx *ctx, uint64_t done, uint64_t size, unsigned *last)
{
	unsigned pct = (unsigned)(done * 100 / size);

	if (size < COPY_PROGRESS_MIN || pct / 10 == *last / 10)
		return;
	*last = pct;
	cmd_printf(ctx, "Copy-Item: %u%% done\n", pct / 10 * 10);
}

static int copy_data(struct cmd_ctx *ctx, struct vol_file *s, struct vol_file *d, char *buf)
{
	uint64_t off = 0, size = volume_file_size(s);
	unsigned last = 0;

	while (off < size) {
		int64_t n = volume_file_read(s, off, buf, CMDLET_CHUNK), w;

		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		w = volume_file_write(d, off, buf, (size_t)n);
		if (w < 0)
			return (int)w;
		if (w != n)
			return -ENOSPC;
		off += (uint64_t)n;
		copy_progress(ctx, off, size, &last);
	}
	return 0;
}

static int copy_file(struct cmd_ctx *ctx, const struct vol_path *src, const struct vol_path *dst)
{
	struct vol_file s, d;
	struct ext2_stat old;
	char *buf;
	int rc = volume_open(src, EXT2_O_RDONLY, &s);

	if (rc)
		return rc;
	if (volume_stat(dst, &old))
		old.size = 0;
	rc = cmdlet_space_check(dst->vol, volume_file_size(&s), old.size);
	if (!rc)
		rc = volume_open(dst, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &d);
	if (rc) {
		volume_file_close(&s);
		return rc;
	}
	buf = malloc(CMDLET_CHUNK);
	rc = buf ? copy_data(ctx, &s, &d, buf) : -ENOMEM;
	free(buf);
	volume_file_close(&s);
	if (volume_file_close(&d) && !rc)
		rc = -EIO;
	if (rc)
		volume_unlink(dst);   /* no half-copied file is left behind */
	return rc;
}

/* Copy-Item and Move-Item: -Path resolved and stat'ed, what the cmdlet
 * refuses to take as a source, then -Destination (dest_resolve). Nonzero
 * when an error was printed. */
static int item_paths(struct cmd_ctx *ctx, const struct cmd_args *a, int move,
		      struct vol_path *src, struct ext2_stat *st, struct vol_path *dst)
{
	const char *in = cmd_arg_str(a, "Path");
	int rc;

	if (cmdlet_path_arg(ctx, a, in, src))
		return -EINVAL;
	rc = volume_stat(src, st);
	if (rc)
		return cmdlet_path_error(ctx, a, in, rc), rc;
	if (!move && st->type == EXT2_TYPE_DIR)
		return cmd_error(ctx, a, "'%s' is a directory; Copy-Item copies files.", in),
		       -EISDIR;
	if (move && !strcmp(src->path, "/"))
		return cmd_error(ctx, a, "Cannot move the root of a drive."), -EINVAL;
	return dest_resolve(ctx, a, src, cmd_arg_str(a, "Destination"), dst);
}

static int cmdlet_copy_item(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path"), *out = cmd_arg_str(a, "Destination");
	struct vol_path src, dst;
	struct ext2_stat st;
	int rc;

	if (item_paths(ctx, a, 0, &src, &st, &dst))
		return 0;
	rc = copy_file(ctx, &src, &dst);
	if (rc == -ENOSPC)
		cmd_error(ctx, a, "There is not enough space on the disk for '%s' (%llu bytes).",
			  in, (unsigned long long)st.size);
	else if (rc)
		cmdlet_path_error(ctx, a, rc == -ENOENT ? out : in, rc);
	if (dst.vol->kind == VOL_KIND_EXT2)
		cmdlet_sync(ctx, a, dst.vol);
	return 0;
}

static int cmdlet_move_item(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path");
	struct vol_path src, dst;
	struct ext2_stat st;
	int rc;

	if (item_paths(ctx, a, 1, &src, &st, &dst))
		return 0;
	if (st.type == EXT2_TYPE_DIR && dst.vol == src.vol &&
	    !strncmp(dst.path, src.path, strlen(src.path)) && dst.path[strlen(src.path)] == '/')
		return cmd_error(ctx, a, "Cannot move '%s' into itself.", in);
	rc = volume_rename(&src, &dst);
	if (rc)
		cmdlet_path_error(ctx, a, in, rc);
	if (src.vol->kind == VOL_KIND_EXT2)
		cmdlet_sync(ctx, a, src.vol);
	return 0;
}

/* ---- Remove-Item ---------------------------------------------------------------- */

struct names {
	char (*v)[VOL_NAME_MAX + 1];
	int n, cap, err;
};

static int names_add(void *vctx, const struct ext2_dirent *e)
{
	struct names *l = vctx;

	if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
		return 0;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		void *v = realloc(l->v, (size_t)cap * sizeof(*l->v));

		if (!v)
			return l->err = -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	snprintf(l->v[l->n++], VOL_NAME_MAX + 1, "%s", e->name);
	return 0;
}

/* Depth-first: the names of a directory are gathered before any is
 * removed, so the directory is never changed while it is being read. The
 * inodes on the way down are kept: meeting one again is a directory loop
 * (a corrupt volume), reported before anything is removed because the
 * caller walks the tree once with remove == 0 first. */
static int remove_tree(const struct vol_path *p, uint32_t *anc, int depth, int remove)
{
	struct names l = { 0 };
	struct ext2_stat st;
	int rc = volume_stat(p, &st);

	if (rc || st.type != EXT2_TYPE_DIR)
		return rc ? rc : remove ? volume_unlink(p) : 0;
	if (depth >= REMOVE_DEPTH_MAX)
		return -ELOOP;
	for (int i = 0; i < depth; i++)
		if (anc[i] == st.ino)
			return -ELOOP;
	anc[depth] = st.ino;
	rc = volume_list(p, names_add, &l);
	if (!rc)
		rc = l.err;
	for (int i = 0; !rc && i < l.n; i++) {
		struct vol_path c = *p;

		rc = volume_join(&c, l.v[i]);
		if (!rc)
			rc = remove_tree(&c, anc, depth + 1, remove);
	}
	free(l.v);
	return rc || !remove ? rc : volume_rmdir(p);
}

/* A drive whose current directory went away goes back to its root. */
static void cwd_fixup(const struct vol_path *gone)
{
	size_t n = strlen(gone->path);
	char *cwd = gone->vol->cwd;

	if (!strncmp(cwd, gone->path, n) && (cwd[n] == '\0' || cwd[n] == '/'))
		strcpy(cwd, "/");
}

static int cmdlet_remove_item(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path");
	struct vol_path vp;
	struct ext2_stat st;
	char where[VOL_PATH_MAX + 4];
	int rc;

	if (cmdlet_path_arg(ctx, a, in, &vp))
		return 0;
	rc = volume_stat(&vp, &st);
	if (rc)
		return cmdlet_path_error(ctx, a, in, rc);
	volume_format(&vp, where, sizeof(where));
	if (!strcmp(vp.path, "/"))
		return cmd_error(ctx, a, "Cannot remove the root of drive %c:.", vp.vol->letter);
	if (vp.vol->kind == VOL_KIND_BOOT)
		return cmdlet_path_error(ctx, a, where, -EROFS);
	if (st.type != EXT2_TYPE_DIR)
		rc = volume_unlink(&vp);
	else if (cmd_arg_present(a, "Recurse")) {
		uint32_t anc[REMOVE_DEPTH_MAX];

		rc = remove_tree(&vp, anc, 0, 0);
		if (!rc)
			rc = remove_tree(&vp, anc, 0, 1);
	}
	else
		rc = volume_rmdir(&vp);
	if (rc == -ENOTEMPTY)
		cmd_error(ctx, a, "The item at %s has children and the Recurse parameter was not specified.",
			  where);
	else if (rc)
		cmdlet_path_error(ctx, a, where, rc);
	if (st.type == EXT2_TYPE_DIR)
		cwd_fixup(&vp);
	cmdlet_sync(ctx, a, vp.vol);
	return 0;
}

/* ---- Parameters and the table ------------------------------------------------------ */

static const struct cmd_param p_path[] = {
	{ "Path", CMD_P_STRING, CMD_F_PIPELINE, 0, "A directory, file or wildcard pattern (default: the current location).", NULL },
};
static const struct cmd_param p_path_req[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "A path: C:\\dir\\file, dir/file, ..\\file, B:\\name.", NULL },
};
static const struct cmd_param p_content[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The file.", NULL },
	{ "Value", CMD_P_STRING, CMD_F_REQUIRED, 1, "The text (a line end is added).", NULL },
};
static const struct cmd_param p_new[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The new item's path.", NULL },
	{ "ItemType", CMD_P_STRING, 0, -1, "File (default) or Directory.", CMD_ALIASES("Type") },
	{ "Value", CMD_P_STRING, 0, -1, "A new file's text (a line end is added).", CMD_ALIASES("Target") },
};
static const struct cmd_param p_copy[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "The source (Get-ChildItem ... | Copy-Item -Destination D).", NULL },
	{ "Destination", CMD_P_STRING, CMD_F_REQUIRED, 1, "A new name, or a directory to put it in.", NULL },
};
static const struct cmd_param p_remove[] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "The file or directory (Get-ChildItem *.tmp | Remove-Item).", NULL },
	{ "Recurse", CMD_P_SWITCH, 0, -1, "Also delete everything in a directory.", NULL },
};
static const char *const a_ls[] = { "ls", "dir", "gci", NULL };
static const char *const a_cat[] = { "cat", "type", "gc", NULL };
static const char *const a_cp[] = { "copy", "cp", "cpi", NULL };
static const char *const a_mv[] = { "move", "mv", "mi", NULL };
static const char *const a_rm[] = { "del", "rm", "erase", "ri", "rmdir", "rd", NULL };
static const char *const a_ni[] = { "ni", NULL };
static const char *const a_sc[] = { "sc", NULL };
static const char *const a_ac[] = { "ac", NULL };

const struct cmd_def cmdlets_item[] = {
	{ "Get-ChildItem", "Lists the files in a directory.",
	  "Lists a directory (default: the current location), one file, or the names matching a wildcard in the last part of the path. Drive C: is the host volume (ext2); drive B: holds the files the boot loader handed over (GRUB modules, read-only), which New-VM -Kernel and -Module take by name. Without a host volume the current location is B:\\.",
	  p_path, 1, cmdlet_get_childitem, a_ls },
	{ "Get-Content", "Prints a text file.",
	  "Prints a text file (a path on any drive; B: holds the boot files). Binary files are refused.",
	  p_path_req, 1, cmdlet_get_content, a_cat },
	{ "Set-Content", "Writes text to a file.",
	  "Replaces a file's content with the value and a line end, creating the file if needed.",
	  p_content, 2, cmdlet_set_content, a_sc },
	{ "Add-Content", "Appends text to a file.",
	  "Appends the value and a line end to a file, creating the file if needed.",
	  p_content, 2, cmdlet_add_content, a_ac },
	{ "New-Item", "Creates a file or a directory.",
	  "Creates an empty file (or one holding -Value and a line end), or a directory with -ItemType Directory. The parent directory must exist.",
	  p_new, 3, cmdlet_new_item, a_ni },
	{ "Copy-Item", "Copies a file.",
	  "Copies a file to a new name or into a directory, on the same or another drive (for example from B:, the boot files, to C:). An existing destination file is replaced. A copy that runs out of space is removed.",
	  p_copy, 2, cmdlet_copy_item, a_cp },
	{ "Move-Item", "Moves or renames a file or directory.",
	  "Renames a file or directory, or moves it into a directory, on the same drive.",
	  p_copy, 2, cmdlet_move_item, a_mv },
	{ "Remove-Item", "Deletes a file or directory.",
	  "Deletes a file or an empty directory; -Recurse deletes a directory with everything in it.",
	  p_remove, 2, cmdlet_remove_item, a_rm },
};
const int cmdlets_item_count = sizeof(cmdlets_item) / sizeof(cmdlets_item[0]);
