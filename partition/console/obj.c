/* obj: objects, object lists, value text and the default display.
 * See obj.h. */
#include "partition/console/obj.h"
#include "partition/console/cmd_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show_values(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
			int n);
static void show_custom(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
			int n);

const struct cmd_type cmd_type_value = {
	"Value", false, NULL, 0, NULL, NULL, show_values,
};
const struct cmd_type cmd_type_custom = {
	"PSCustomObject", false, NULL, 0, NULL, NULL, show_custom,
};

/* ---- objects and lists ---- */

static size_t obj_extra(const struct cmd_prop *props, int n)
{
	size_t extra = 0;

	for (int i = 0; i < n; i++) {
		extra += strlen(props[i].name ? props[i].name : "") + 1;
		if (props[i].v.type == CMD_V_STR && props[i].v.s)
			extra += strlen(props[i].v.s) + 1;
	}
	return extra;
}

static const char *copy_str(char **p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *dst = *p;

	memcpy(dst, s, n);
	*p += n;
	return dst;
}

struct cmd_obj *cmd_obj_new(const struct cmd_type *t,
			    const struct cmd_prop *props, int n)
{
	struct cmd_obj *o;
	char *p;

	if (n < 0 || n > CMD_PROPS_MAX || (n && !props))
		return NULL;
	o = malloc(sizeof *o + (size_t)n * sizeof o->props[0] +
		   obj_extra(props, n));
	if (!o)
		return NULL;
	o->type = t ? t : &cmd_type_custom;
	o->refs = 1;
	o->nprops = n;
	p = (char *)&o->props[n];
	for (int i = 0; i < n; i++) {
		struct cmd_prop *d = &o->props[i];

		*d = props[i];
		d->name = copy_str(&p, props[i].name ? props[i].name : "");
		if (d->v.type == CMD_V_STR && d->v.s)
			d->v.s = copy_str(&p, d->v.s);
		else if (d->v.type == CMD_V_STR)
			d->v.type = CMD_V_NULL;
	}
	return o;
}

void cmd_obj_put(struct cmd_obj *o)
{
	if (o && --o->refs == 0)
		free(o);
}

const struct cmd_val *cmd_obj_get(const struct cmd_obj *o, const char *name)
{
	for (int i = 0; i < o->nprops; i++)
		if (cmd_name_eq(o->props[i].name, name))
			return &o->props[i].v;
	return NULL;
}

int cmd_list_add(struct cmd_objlist *l, struct cmd_obj *o)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		struct cmd_obj **v;

		if (l->n >= CMD_OBJS_MAX)
			return -E2BIG;
		v = realloc(l->v, (size_t)cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	o->refs++;
	l->v[l->n++] = o;
	return 0;
}

void cmd_list_free(struct cmd_objlist *l)
{
	for (int i = 0; i < l->n; i++)
		cmd_obj_put(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---- values ---- */

int cmd_val_text(const struct cmd_val *v, char *buf, size_t n)
{
	switch (v->type) {
	case CMD_V_STR:
		return snprintf(buf, n, "%s", v->s);
	case CMD_V_INT:
		return snprintf(buf, n, "%lld", (long long)v->i);
	case CMD_V_BYTES:
		return snprintf(buf, n, "%llu", (unsigned long long)v->u);
	case CMD_V_SPAN:
		return tbl_format_uptime(buf, n, v->u);
	case CMD_V_ENUM:
		for (int64_t i = 0; v->names && v->names[i]; i++)
			if (i == v->i)
				return snprintf(buf, n, "%s", v->names[i]);
		return snprintf(buf, n, "%lld", (long long)v->i);
	case CMD_V_BOOL:
		return snprintf(buf, n, "%s", v->i ? "True" : "False");
	default:
		return snprintf(buf, n, "%s", "");
	}
}

int cmd_val_display(const struct cmd_val *v, char *buf, size_t n)
{
	if (v->type == CMD_V_BYTES)
		return tbl_format_bytes(buf, n, v->u);
	return cmd_val_text(v, buf, n);
}

bool cmd_val_numeric(const struct cmd_val *v)
{
	return v->type == CMD_V_INT || v->type == CMD_V_BYTES ||
	       v->type == CMD_V_SPAN;
}

/* A cell's text: a string as it is (any length), others in buf. */
static const char *cell(const struct cmd_val *v, char *buf, size_t n)
{
	if (!v)
		return "";
	if (v->type == CMD_V_STR)
		return v->s;
	cmd_val_display(v, buf, n);
	return buf;
}

/* ---- emitting ---- */

int cmd_emit_obj(struct cmd_ctx *ctx, struct cmd_obj *o)
{
	const struct cmd_obj *one[1] = { o };
	int rc;

	if (ctx->halted)
		return -ECANCELED;      /* stopped by -ErrorAction Stop */
	if (!ctx->out) {
		cmd_show(ctx, one, 1);          /* no pipeline: show it now */
		return 0;
	}
	rc = cmd_list_add(ctx->out, o);
	if (rc == -E2BIG)
		return cmd_perr(ctx, ctx->cmd, rc, "Too many objects in the "
				"pipeline (at most %d).", CMD_OBJS_MAX);
	if (rc)
		return cmd_perr(ctx, ctx->cmd, rc, "Out of memory for the "
				"pipeline's objects.");
	return 0;
}

int cmd_emit(struct cmd_ctx *ctx, const struct cmd_type *t,
	     const struct cmd_prop *props, int n)
{
	struct cmd_obj *o = cmd_obj_new(t, props, n);
	int rc;

	if (!o)
		return cmd_perr(ctx, ctx->cmd, -ENOMEM, "Out of memory for the "
				"pipeline's objects.");
	rc = cmd_emit_obj(ctx, o);
	cmd_obj_put(o);
	return rc;
}

/* ---- formatting ---- */

#define CELL_MAX 48

/* The columns to show: cols, or every property of the first object. */
static int pick_cols(const struct cmd_obj *first, const struct cmd_column *cols,
		     int ncols, struct cmd_column *out, int max)
{
	int n = cols ? ncols : first->nprops;

	if (n > max)
		n = max;
	for (int c = 0; c < n; c++) {
		if (cols) {
			out[c] = cols[c];
		} else {
			out[c].prop = first->props[c].name;
			out[c].label = NULL;
			out[c].align = 0;
		}
	}
	return n;
}

/* 'r' for a column whose first value is a number, else 'l'. */
static char col_align(const struct cmd_column *col,
		      const struct cmd_obj *const *objs, int n)
{
	if (col->align)
		return col->align;
	for (int r = 0; r < n; r++) {
		const struct cmd_val *v = cmd_obj_get(objs[r], col->prop);

		if (v && v->type != CMD_V_NULL)
			return cmd_val_numeric(v) ? 'r' : 'l';
	}
	return 'l';
}

void cmd_show_table(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
		    int n, const struct cmd_column *cols, int ncols)
{
	struct cmd_column c[TBL_COLS_MAX];
	const char *hdr[TBL_COLS_MAX];
	char align[TBL_COLS_MAX + 1];
	struct tbl_sink sink = cmd_sink(ctx);
	const char **cells;
	char (*bufs)[CELL_MAX];
	int nc;

	if (n <= 0 || (nc = pick_cols(objs[0], cols, ncols, c, TBL_COLS_MAX)) == 0)
		return;
	cells = malloc((size_t)n * (size_t)nc * sizeof *cells);
	bufs = malloc((size_t)n * (size_t)nc * sizeof *bufs);
	if (!cells || !bufs) {
		cmd_perr(ctx, NULL, 0, "Out of memory for the table.");
		goto out;
	}
	for (int k = 0; k < nc; k++) {
		hdr[k] = c[k].label ? c[k].label : c[k].prop;
		align[k] = col_align(&c[k], objs, n);
		for (int r = 0; r < n; r++)
			cells[r * nc + k] = cell(cmd_obj_get(objs[r], c[k].prop),
						 bufs[r * nc + k], CELL_MAX);
	}
	align[nc] = '\0';
	tbl_print(&sink, hdr, nc, cells, n, align);
out:
	free(cells);
	free(bufs);
}

void cmd_show_fields(struct cmd_ctx *ctx, const struct cmd_obj *o,
		     const struct cmd_column *cols, int ncols)
{
	struct cmd_column c[CMD_PROPS_MAX];
	const char *names[CMD_PROPS_MAX], *vals[CMD_PROPS_MAX];
	char (*bufs)[CELL_MAX] = malloc(CMD_PROPS_MAX * sizeof *bufs);
	struct tbl_sink sink = cmd_sink(ctx);
	int nc = pick_cols(o, cols, ncols, c, CMD_PROPS_MAX);

	if (!bufs) {
		cmd_perr(ctx, NULL, 0, "Out of memory for the list.");
		return;
	}
	for (int k = 0; k < nc; k++) {
		names[k] = c[k].label ? c[k].label : c[k].prop;
		vals[k] = cell(cmd_obj_get(o, c[k].prop), bufs[k], CELL_MAX);
	}
	tbl_print_list(&sink, names, vals, nc);
	tbl_newline(&sink);
	free(bufs);
}

void cmd_show_list(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
		   int n, const struct cmd_column *cols, int ncols)
{
	if (n <= 0)
		return;
	cmd_write(ctx, "\n", 1);
	for (int i = 0; i < n; i++)
		cmd_show_fields(ctx, objs[i], cols, ncols);
}

/* Strings go out whole (a log line may be far longer than cmd_printf's
 * 1023 characters). */
static void show_values(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
			int n)
{
	for (int i = 0; i < n; i++) {
		char buf[CELL_MAX];
		const struct cmd_val *v = objs[i]->nprops ? &objs[i]->props[0].v :
							   NULL;
		const char *text = buf;

		if (!v || v->type == CMD_V_NULL)
			continue;               /* $null shows nothing */
		if (v->type == CMD_V_STR)
			text = v->s;
		else
			cmd_val_text(v, buf, sizeof buf);
		cmd_write(ctx, text, strlen(text));
		cmd_write(ctx, "\n", 1);
	}
}

static void show_custom(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
			int n)
{
	if (objs[0]->nprops <= 4)
		cmd_show_table(ctx, objs, n, NULL, 0);
	else
		cmd_show_list(ctx, objs, n, NULL, 0);
}

/* A table per run of objects with equal group_by values. */
static void show_grouped(struct cmd_ctx *ctx, const struct cmd_type *t,
			 const struct cmd_obj *const *objs, int n)
{
	char a[CELL_MAX], b[CELL_MAX];

	for (int i = 0, j; i < n; i = j) {
		const char *g = cell(cmd_obj_get(objs[i], t->group_by), a,
				     sizeof a);

		for (j = i + 1; j < n; j++)
			if (strcmp(g, cell(cmd_obj_get(objs[j], t->group_by), b,
					   sizeof b)))
				break;
		cmd_printf(ctx, "\n    %s: %s\n", t->group_label, g);
		cmd_show_table(ctx, objs + i, j - i, t->cols, t->ncols);
	}
}

static void show_type(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
		      int n)
{
	const struct cmd_type *t = objs[0]->type;

	if (t->show)
		t->show(ctx, objs, n);
	else if (t->list)
		cmd_show_list(ctx, objs, n, t->cols, t->ncols);
	else if (t->group_by)
		show_grouped(ctx, t, objs, n);
	else
		cmd_show_table(ctx, objs, n, t->cols, t->ncols);
}

void cmd_show(struct cmd_ctx *ctx, const struct cmd_obj *const *objs, int n)
{
	for (int i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && objs[j]->type == objs[i]->type; j++)
			;
		show_type(ctx, objs + i, j - i);
	}
}
