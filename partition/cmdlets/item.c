/*
 * File cmdlets over the parent's drives (partition/volume.h): each
 * resolves its paths first, prints one clear error (PowerShell wording
 * where PowerShell has one) and changes nothing when an argument is bad.
 * Every cmdlet that writes syncs the drive before it returns, so a write
 * the console reported is on the disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "partition/arch/cpu.h"
#include "partition/console/cmd.h"
#include "partition/console/table.h"
#include "partition/drivers/disk.h"
#include "partition/cmdlets/item.h"
#include "partition/volume/volume.h"

#define COPY_CHUNK (64u * 1024u)
#define REMOVE_DEPTH_MAX 64

static int path_error(struct cmd_ctx *ctx, const struct cmd_args *a, const char *what, int rc)
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
static int resolve_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const char *in,
		       struct vol_path *vp)
{
	int rc = volume_resolve(in, vp);

	if (rc)
		path_error(ctx, a, in ? in : "", rc);
	return rc;
}

static void sync_after(struct cmd_ctx *ctx, const struct cmd_args *a, struct volume *v)
{
	int rc = volume_sync(v);

	if (rc)
		cmd_error(ctx, a, "Writing %c: back to disk failed: %s.", v->letter, volume_strerror(rc));
}

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

static void item_cells(const struct item *it, char cells[4][32])
{
	time_t t = it->st.mtime;
	struct tm tm;
	int dir = it->st.type == EXT2_TYPE_DIR;

	snprintf(cells[0], 32, "%s", dir ? "d-----" : it->st.type == EXT2_TYPE_SYMLINK ?
		 "-a---l" : "-a----");
	if (t && gmtime_r(&t, &tm))
		strftime(cells[1], 32, "%Y-%m-%d %H:%M", &tm);
	else
		cells[1][0] = '\0';
	if (dir)
		cells[2][0] = '\0';
	else
		snprintf(cells[2], 32, "%llu", (unsigned long long)it->st.size);
}

static int print_items(struct cmd_ctx *ctx, const struct vol_path *dir,
		       const struct item *items, int n)
{
	static const char *const hdr[] = { "Mode", "LastWriteTime", "Length", "Name" };
	struct tbl_sink sink = cmd_sink(ctx);
	char (*cells)[4][32] = calloc((size_t)n + 1, sizeof(*cells));
	const char **rows = calloc((size_t)n * 4 + 1, sizeof(*rows));
	char where[VOL_PATH_MAX + 4];

	if (!cells || !rows) {
		free(cells);
		free(rows);
		return -ENOMEM;
	}
	volume_format(dir, where, sizeof(where));
	tbl_newline(&sink);
	cmd_printf(ctx, "    Directory: %s\n", where);
	for (int i = 0; i < n; i++) {
		item_cells(&items[i], cells[i]);
		rows[i * 4] = cells[i][0];
		rows[i * 4 + 1] = cells[i][1];
		rows[i * 4 + 2] = cells[i][2];
		rows[i * 4 + 3] = items[i].name;
	}
	if (n)
		tbl_print(&sink, hdr, 4, rows, n, "llrl");
	else
		tbl_newline(&sink);
	free(cells);
	free(rows);
	return 0;
}

/* B: keeps the listing the console has always printed: Name and Length. */
static int print_boot_items(struct cmd_ctx *ctx, const struct item *items, int n)
{
	static const char *const hdr[] = { "Name", "Length" };
	struct tbl_sink sink = cmd_sink(ctx);
	char (*len)[24] = calloc((size_t)n + 1, sizeof(*len));
	const char **rows = calloc((size_t)n * 2 + 1, sizeof(*rows));

	if (!len || !rows) {
		free(len);
		free(rows);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		snprintf(len[i], sizeof(len[0]), "%llu", (unsigned long long)items[i].st.size);
		rows[i * 2] = items[i].name;
		rows[i * 2 + 1] = len[i];
	}
	tbl_print(&sink, hdr, 2, rows, n, "lr");
	free(len);
	free(rows);
	return 0;
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
	int rc = resolve_arg(ctx, a, in, &l->dir);

	if (rc)
		return rc;
	base = volume_basename(&l->dir);
	if (!strpbrk(base, "*?")) {
		rc = volume_stat(&l->dir, &st);
		if (rc) {
			path_error(ctx, a, in ? in : ".", rc);
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

int file_get_childitem(struct cmd_ctx *ctx, const struct cmd_args *a)
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
		return path_error(ctx, a, in ? in : ".", rc);
	}
	if (!l.n && l.pattern && !strpbrk(l.pattern, "*?")) {
		free(l.items);
		return path_error(ctx, a, in, -ENOENT);
	}
	qsort(l.items, (size_t)l.n, sizeof(*l.items), item_cmp);
	rc = l.dir.vol->kind == VOL_KIND_BOOT ? print_boot_items(ctx, l.items, l.n) :
	     print_items(ctx, &l.dir, l.items, l.n);
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
		int64_t n = volume_file_read(f, off, buf, COPY_CHUNK);

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

int file_get_content(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path");
	struct vol_path vp;
	struct vol_file f;
	char *buf;
	int rc;

	if (resolve_arg(ctx, a, in, &vp))
		return 0;
	rc = volume_open(&vp, EXT2_O_RDONLY, &f);
	if (rc)
		return path_error(ctx, a, in, rc);
	buf = malloc(COPY_CHUNK);
	rc = buf ? content_print(ctx, &f, buf, 0) : -ENOMEM;
	if (!rc)
		rc = content_print(ctx, &f, buf, 1);
	volume_file_close(&f);
	free(buf);
	if (rc == -EILSEQ)
		return cmd_error(ctx, a, "'%s' is a binary file; Get-Content shows text only.", in);
	if (rc)
		return path_error(ctx, a, in, rc);
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

	if (resolve_arg(ctx, a, in, &vp))
		return 0;
	rc = volume_open(&vp, EXT2_O_RDWR | EXT2_O_CREAT | (append ? 0 : EXT2_O_TRUNC), &f);
	if (rc)
		return path_error(ctx, a, in, rc);
	if (n)
		w = volume_file_write(&f, volume_file_size(&f), value, n);
	if (w >= 0 && value)
		w = volume_file_write(&f, volume_file_size(&f), "\n", 1);
	rc = volume_file_close(&f);
	if (w < 0 || rc) {
		path_error(ctx, a, in, w < 0 ? (int)w : rc);
		sync_after(ctx, a, vp.vol);
		return 0;
	}
	sync_after(ctx, a, vp.vol);
	return 0;
}

int file_set_content(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return content_write(ctx, a, cmd_arg_str(a, "Path"), cmd_arg_str(a, "Value"), 0);
}

int file_add_content(struct cmd_ctx *ctx, const struct cmd_args *a)
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
	return print_items(ctx, &dir, &it, 1);
}

int file_new_item(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const types[] = { "File", "Directory", NULL };
	const char *in = cmd_arg_str(a, "Path"), *value = cmd_arg_str(a, "Value");
	int type = cmd_arg_enum(ctx, a, "ItemType", types, 0);
	struct vol_path vp;
	struct ext2_stat st;
	char where[VOL_PATH_MAX + 4];
	int rc;

	if (type < 0 || resolve_arg(ctx, a, in, &vp))
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
		path_error(ctx, a, where, rc);
		sync_after(ctx, a, vp.vol);
		return 0;
	}
	sync_after(ctx, a, vp.vol);
	return show_one(ctx, &vp);
}

/* ---- Copy-Item, Move-Item ----------------------------------------------------- */

/* The destination: a directory receives the source's name. */
static int dest_resolve(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vol_path *src,
			const char *in, struct vol_path *dst)
{
	struct ext2_stat st;
	int rc;

	if (resolve_arg(ctx, a, in, dst))
		return -EINVAL;
	if (!volume_stat(dst, &st) && st.type == EXT2_TYPE_DIR) {
		rc = volume_join(dst, volume_basename(src));
		if (rc) {
			path_error(ctx, a, in, rc);
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
		int64_t n = volume_file_read(s, off, buf, COPY_CHUNK), w;

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

/* Refuse up front what cannot fit (data blocks only; indirect blocks are
 * caught by the write itself). */
static int space_check(struct volume *v, uint64_t need, uint64_t have_now)
{
	struct ext2_statfs fs;

	if (volume_statfs(v, &fs) || v->kind != VOL_KIND_EXT2)
		return 0;
	if (need > have_now && need - have_now > fs.free_blocks * fs.block_size)
		return -ENOSPC;
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
	rc = space_check(dst->vol, volume_file_size(&s), old.size);
	if (!rc)
		rc = volume_open(dst, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &d);
	if (rc) {
		volume_file_close(&s);
		return rc;
	}
	buf = malloc(COPY_CHUNK);
	rc = buf ? copy_data(ctx, &s, &d, buf) : -ENOMEM;
	free(buf);
	volume_file_close(&s);
	if (volume_file_close(&d) && !rc)
		rc = -EIO;
	if (rc)
		volume_unlink(dst);   /* no half-copied file is left behind */
	return rc;
}

int file_copy_item(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path"), *out = cmd_arg_str(a, "Destination");
	struct vol_path src, dst;
	struct ext2_stat st;
	int rc;

	if (resolve_arg(ctx, a, in, &src))
		return 0;
	rc = volume_stat(&src, &st);
	if (rc)
		return path_error(ctx, a, in, rc);
	if (st.type == EXT2_TYPE_DIR)
		return cmd_error(ctx, a, "'%s' is a directory; Copy-Item copies files.", in);
	if (dest_resolve(ctx, a, &src, out, &dst))
		return 0;
	rc = copy_file(ctx, &src, &dst);
	if (rc == -ENOSPC)
		cmd_error(ctx, a, "There is not enough space on the disk for '%s' (%llu bytes).",
			  in, (unsigned long long)st.size);
	else if (rc)
		path_error(ctx, a, rc == -ENOENT ? out : in, rc);
	if (dst.vol->kind == VOL_KIND_EXT2)
		sync_after(ctx, a, dst.vol);
	return 0;
}

int file_move_item(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path"), *out = cmd_arg_str(a, "Destination");
	struct vol_path src, dst;
	struct ext2_stat st;
	int rc;

	if (resolve_arg(ctx, a, in, &src))
		return 0;
	rc = volume_stat(&src, &st);
	if (rc)
		return path_error(ctx, a, in, rc);
	if (!strcmp(src.path, "/"))
		return cmd_error(ctx, a, "Cannot move the root of a drive.");
	if (dest_resolve(ctx, a, &src, out, &dst))
		return 0;
	if (st.type == EXT2_TYPE_DIR && dst.vol == src.vol &&
	    !strncmp(dst.path, src.path, strlen(src.path)) && dst.path[strlen(src.path)] == '/')
		return cmd_error(ctx, a, "Cannot move '%s' into itself.", in);
	rc = volume_rename(&src, &dst);
	if (rc)
		path_error(ctx, a, in, rc);
	if (src.vol->kind == VOL_KIND_EXT2)
		sync_after(ctx, a, src.vol);
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

int file_remove_item(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path");
	struct vol_path vp;
	struct ext2_stat st;
	char where[VOL_PATH_MAX + 4];
	int rc;

	if (resolve_arg(ctx, a, in, &vp))
		return 0;
	rc = volume_stat(&vp, &st);
	if (rc)
		return path_error(ctx, a, in, rc);
	volume_format(&vp, where, sizeof(where));
	if (!strcmp(vp.path, "/"))
		return cmd_error(ctx, a, "Cannot remove the root of drive %c:.", vp.vol->letter);
	if (vp.vol->kind == VOL_KIND_BOOT)
		return path_error(ctx, a, where, -EROFS);
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
		path_error(ctx, a, where, rc);
	if (st.type == EXT2_TYPE_DIR)
		cwd_fixup(&vp);
	sync_after(ctx, a, vp.vol);
	return 0;
}

/* ---- Set-Location, Get-Location ------------------------------------------------- */

int file_set_location(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *in = cmd_arg_str(a, "Path");
	int rc = volume_set_location(in);

	if (rc == -ENOTDIR)
		return cmd_error(ctx, a, "'%s' is not a directory.", in);
	if (rc)
		return path_error(ctx, a, in, rc);
	return 0;
}

int file_get_location(struct cmd_ctx *ctx, const struct cmd_args *a)
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

/* ---- Get-Volume ------------------------------------------------------------------ */

#define VOLCOLS 7
int file_get_volume(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const hdr[VOLCOLS] = { "DriveLetter", "FileSystemLabel", "FileSystem",
		"DriveType", "Location", "SizeRemaining", "Size" };
	static char cells[VOL_MAX + 1][VOLCOLS][48];
	const char *rows[(VOL_MAX + 1) * VOLCOLS];
	const char *want = cmd_arg_str(a, "DriveLetter");
	struct tbl_sink sink = cmd_sink(ctx);
	struct volume *v;
	int n = 0;

	for (int i = 0; (v = volume_at(i)) != NULL && n <= VOL_MAX; i++) {
		struct ext2_statfs st;
		char (*c)[48] = cells[n];

		if (want && (!want[0] || (want[0] | 0x20) != (v->letter | 0x20)))
			continue;
		volume_statfs(v, &st);
		snprintf(c[0], 48, "%c", v->letter);
		snprintf(c[1], 48, "%s", st.label);
		snprintf(c[2], 48, "%s", v->kind == VOL_KIND_EXT2 ? "ext2" : "BootFiles");
		snprintf(c[3], 48, "%s", v->kind == VOL_KIND_BOOT ? "Boot" :
			 v->disk->use == DISK_USE_MOUNTED_VHD ? "VHD" : "Fixed");
		if (v->kind == VOL_KIND_EXT2)
			snprintf(c[4], 48, "Disk %d%s%.0d", v->disk->number, v->part ? " Part " : "", v->part);
		else
			snprintf(c[4], 48, "GRUB modules");
		tbl_format_bytes(c[5], 48, st.free_blocks * st.block_size);
		tbl_format_bytes(c[6], 48, st.blocks * st.block_size);
		for (int k = 0; k < VOLCOLS; k++)
			rows[n * VOLCOLS + k] = c[k];
		n++;
	}
	if (!n && want)
		return cmd_error(ctx, a, "No MSFT_Volume objects found with property 'DriveLetter' equal to '%s'.",
				 want);
	tbl_print(&sink, hdr, VOLCOLS, rows, n, "lllllrr");
	return 0;
}

/* ---- Get-Disk, Get-Partition ------------------------------------------------------ */

#define DISKCOLS 8
static void disk_cells(const struct disk *d, char c[DISKCOLS][48])
{
	snprintf(c[0], 48, "%d", d->number);
	snprintf(c[1], 48, "%s", d->model);
	snprintf(c[2], 48, "%s", d->serial[0] ? d->serial : "-");
	tbl_format_bytes(c[3], 48, d->bd.size);
	snprintf(c[4], 48, "%s", disk_style_name(d->style));
	snprintf(c[5], 48, "%d", d->nparts);
	/* ATAPI drives are read-only optical media (partition/drivers/atapi.h). */
	snprintf(c[6], 48, "%s", !strcmp(d->bus, "ATAPI") ? "Optical" : disk_use_name(d->use));
	snprintf(c[7], 48, "%s %s", d->bus, d->location);
}

/* CRC-32 as zlib computes it (IEEE 802.3 polynomial, reflected, initial
 * value and final XOR 0xffffffff), so a host can check a sector dump. */
static uint32_t sector_crc32(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* Get-Disk -Number N -ReadSector LBA: a diagnostic that reads one sector
 * (the disk's own sector size) and prints its CRC-32 and first 16 bytes. */
static int disk_read_sector_cmd(struct cmd_ctx *ctx, const struct cmd_args *a, int64_t number,
				int64_t lba)
{
	struct disk *d = number >= 0 ? disk_find((int)number) : NULL;
	uint32_t ss;
	uint8_t *buf;
	int rc;

	if (number < 0)
		return cmd_error(ctx, a, "-ReadSector needs -Number (the disk to read).");
	if (!d)
		return cmd_error(ctx, a, "No MSFT_Disk objects found with property 'Number' equal to '%lld'.",
				 (long long)number);
	ss = d->bd.sector_size ? d->bd.sector_size : 512;
	if ((uint64_t)lba >= d->bd.size / ss)
		return cmd_error(ctx, a, "Sector %lld is past the end of disk %d (%llu sectors of %u bytes).",
				 (long long)lba, d->number, (unsigned long long)(d->bd.size / ss), ss);
	if (!(buf = malloc(ss)))
		return cmd_error(ctx, a, "Out of memory.");
	rc = blockdev_read(&d->bd, (uint64_t)lba * ss, buf, ss);
	if (rc) {
		free(buf);
		return cmd_error(ctx, a, "Reading sector %lld of disk %d failed: %s.", (long long)lba,
				 d->number, strerror(-rc));
	}
	cmd_printf(ctx, "Disk %d sector %lld (%u bytes): CRC32 %08x, bytes 0-15:", d->number,
		   (long long)lba, ss, (unsigned)sector_crc32(buf, ss));
	for (int i = 0; i < 16; i++)
		cmd_printf(ctx, " %02x", buf[i]);
	cmd_printf(ctx, "\n");
	free(buf);
	return 0;
}

#define PARTCOLS 6
static int print_partitions(struct cmd_ctx *ctx, const struct cmd_args *a, int only)
{
	static const char *const hdr[PARTCOLS] = { "DiskNumber", "PartitionNumber", "DriveLetter",
		"Offset", "Size", "Type" };
	static char cells[DISK_MAX * (DISK_PART_MAX + 1)][PARTCOLS][48];
	const char *rows[DISK_MAX * (DISK_PART_MAX + 1) * PARTCOLS];
	struct tbl_sink sink = cmd_sink(ctx);
	struct disk *d;
	int n = 0;

	for (int i = 0; (d = disk_at(i)) != NULL; i++) {
		if (only >= 0 && d->number != only)
			continue;
		for (int p = 0; p < d->nparts; p++) {
			const struct disk_part *dp = &d->parts[p];
			char (*c)[48] = cells[n];

			snprintf(c[0], 48, "%d", d->number);
			snprintf(c[1], 48, "%d", dp->number);
			snprintf(c[2], 48, "%c", dp->volume ? dp->volume : ' ');
			snprintf(c[3], 48, "%llu", (unsigned long long)dp->offset);
			tbl_format_bytes(c[4], 48, dp->size);
			snprintf(c[5], 48, "%s", dp->type);
			for (int k = 0; k < PARTCOLS; k++)
				rows[n * PARTCOLS + k] = c[k];
			n++;
		}
		if (d->note[0])
			cmd_printf(ctx, "Disk %d: %s\n", d->number, d->note);
	}
	if (!n) {
		if (only >= 0 && !disk_find(only))
			return cmd_error(ctx, a, "No MSFT_Disk objects found with property 'Number' equal to '%d'.",
					 only);
		cmd_printf(ctx, "No partitions (a whole-disk file system or an empty disk).\n");
		return 0;
	}
	tbl_print(&sink, hdr, PARTCOLS, rows, n, "rrlrrl");
	return 0;
}

int file_get_disk(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const hdr[DISKCOLS] = { "Number", "FriendlyName", "SerialNumber",
		"Size", "PartitionStyle", "Partitions", "Use", "Location" };
	static char cells[DISK_MAX][DISKCOLS][48];
	const char *rows[DISK_MAX * DISKCOLS];
	int64_t only = cmd_arg_int(a, "Number", -1);
	struct tbl_sink sink = cmd_sink(ctx);
	struct disk *d;
	int n = 0;

	if (cmd_arg_int(a, "ReadSector", -1) >= 0)
		return disk_read_sector_cmd(ctx, a, only, cmd_arg_int(a, "ReadSector", -1));
	for (int i = 0; (d = disk_at(i)) != NULL && n < DISK_MAX; i++) {
		if (only >= 0 && d->number != only)
			continue;
		disk_cells(d, cells[n]);
		for (int k = 0; k < DISKCOLS; k++)
			rows[n * DISKCOLS + k] = cells[n][k];
		n++;
	}
	if (!n && only >= 0)
		return cmd_error(ctx, a, "No MSFT_Disk objects found with property 'Number' equal to '%lld'.",
				 (long long)only);
	if (!n) {
		cmd_printf(ctx, "No disks found.\n");
		return 0;
	}
	tbl_print(&sink, hdr, DISKCOLS, rows, n, "rllrlrll");
	if (only >= 0)
		return print_partitions(ctx, a, (int)only);
	return 0;
}

int file_get_partition(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return print_partitions(ctx, a, (int)cmd_arg_int(a, "DiskNumber", -1));
}

/* ---- Measure-Volume (benchmark) ---------------------------------------------------- */

/* Sequential transfer of size bytes in COPY_CHUNK pieces: 0 file write,
 * 1 file read, 2 raw read of the volume's own sectors. */
static int measure_pass(struct volume *v, struct vol_file *f, int kind, uint64_t size, char *buf,
			uint64_t *ticks)
{
	uint64_t t0 = cpu_rdtsc();

	for (uint64_t off = 0; off < size; off += COPY_CHUNK) {
		size_t n = size - off < COPY_CHUNK ? (size_t)(size - off) : COPY_CHUNK;
		int64_t r = kind == 0 ? volume_file_write(f, off, buf, n) :
			    kind == 1 ? volume_file_read(f, off, buf, n) :
			    blockdev_read(&v->disk->bd, v->base + off, buf, n);

		if (r < 0)
			return (int)r;
	}
	if (kind == 0) {
		int rc = volume_sync(v);

		if (rc)
			return rc;
	}
	*ticks = cpu_rdtsc() - t0;
	return 0;
}

int file_measure_volume(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	uint64_t size = cmd_arg_size(a, "SizeBytes", 16ull << 20), t[3] = { 0 }, mib;
	struct vol_path vp;
	struct vol_file f;
	char *buf;
	int rc;

	if (resolve_arg(ctx, a, "measure-volume.tmp", &vp))
		return 0;
	if (vp.vol->kind != VOL_KIND_EXT2 || size < (1u << 20) || size > vp.vol->size)
		return cmd_error(ctx, a, "Measure-Volume needs an ext2 current drive and 1MB <= -SizeBytes <= its size.");
	mib = size >> 20;
	rc = space_check(vp.vol, size, 0);
	buf = malloc(COPY_CHUNK);
	if (!rc && buf) {
		memset(buf, 0x5a, COPY_CHUNK);
		rc = volume_open(&vp, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &f);
		if (!rc) {
			rc = measure_pass(vp.vol, &f, 0, size, buf, &t[0]);
			for (int k = 1; k < 3 && !rc; k++)
				rc = measure_pass(vp.vol, &f, k, size, buf, &t[k]);
			volume_file_close(&f);
			volume_unlink(&vp);
			sync_after(ctx, a, vp.vol);
		}
	}
	free(buf);
	if (rc || !buf)
		return path_error(ctx, a, "measure-volume.tmp", buf ? rc : -ENOMEM);
	cmd_printf(ctx, "FileWriteTscPerMiB : %llu\n", (unsigned long long)(t[0] / mib));
	cmd_printf(ctx, "FileReadTscPerMiB  : %llu\n", (unsigned long long)(t[1] / mib));
	cmd_printf(ctx, "RawReadTscPerMiB   : %llu\n", (unsigned long long)(t[2] / mib));
	cmd_printf(ctx, "FileReadVsRaw      : %llu%%\n", (unsigned long long)(t[1] ? t[2] * 100 / t[1] : 0));
	return 0;
}

/* ---- Parameters and the table ------------------------------------------------------ */

const struct cmd_param file_p_path[1] = {
	{ "Path", CMD_P_STRING, 0, 0, "A directory, file or wildcard pattern (default: the current location)." },
};
const struct cmd_param file_p_path_req[1] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "A path: C:\\dir\\file, dir/file, ..\\file, B:\\name." },
};
const struct cmd_param file_p_content[2] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The file." },
	{ "Value", CMD_P_STRING, CMD_F_REQUIRED, 1, "The text (a line end is added)." },
};
const struct cmd_param file_p_new[3] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The new item's path." },
	{ "ItemType", CMD_P_STRING, 0, -1, "File (default) or Directory." },
	{ "Value", CMD_P_STRING, 0, -1, "A new file's text (a line end is added)." },
};
const struct cmd_param file_p_copy[2] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The source." },
	{ "Destination", CMD_P_STRING, CMD_F_REQUIRED, 1, "A new name, or a directory to put it in." },
};
const struct cmd_param file_p_remove[2] = {
	{ "Path", CMD_P_STRING, CMD_F_REQUIRED, 0, "The file or directory." },
	{ "Recurse", CMD_P_SWITCH, 0, -1, "Also delete everything in a directory." },
};
const struct cmd_param file_p_volume[1] = {
	{ "DriveLetter", CMD_P_STRING, 0, 0, "Only this drive (C, B, V, ...)." },
};
const struct cmd_param file_p_disk[2] = {
	{ "Number", CMD_P_INT, 0, 0, "Only this disk, with its partitions." },
	{ "ReadSector", CMD_P_INT, 0, -1, "Diagnostic: read this sector (LBA, in the disk's sector size) of disk -Number and print its CRC-32 and first 16 bytes." },
};
const struct cmd_param file_p_measure[1] = {
	{ "SizeBytes", CMD_P_SIZE, 0, 0, "How much to write and read (default 16MB)." },
};
const struct cmd_param file_p_part[1] = {
	{ "DiskNumber", CMD_P_INT, 0, 0, "Only this disk's partitions." },
};
const char *const file_a_ls[] = { "ls", "dir", "gci", NULL };
const char *const file_a_cat[] = { "cat", "type", "gc", NULL };
const char *const file_a_cp[] = { "copy", "cp", "cpi", NULL };
const char *const file_a_mv[] = { "move", "mv", "mi", NULL };
const char *const file_a_rm[] = { "del", "rm", "erase", "ri", "rmdir", "rd", NULL };
const char *const file_a_cd[] = { "cd", "sl", "chdir", NULL };
const char *const file_a_pwd[] = { "pwd", "gl", NULL };
const char *const file_a_ni[] = { "ni", NULL };
const char *const file_a_sc[] = { "sc", NULL };
const char *const file_a_ac[] = { "ac", NULL };

const struct cmd_def file_cmds[] = { FILE_CMDS_ENTRIES };
const int file_ncmds = sizeof(file_cmds) / sizeof(file_cmds[0]);
