/*
 * cmd_text: text in the pipeline. Cmdlets whose output is text (logs)
 * emit it a line at a time, as PowerShell's Get-Content does, so that
 * Select-Object -Last 5, Measure-Object and Where-Object work on lines;
 * an object's text form (PowerShell's ToString); and Select-String, which
 * keeps the lines that match a pattern.
 */
#include "partition/console/cmd_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text as lines ---- */

/* A line equal to the one before is the same object again (objects are
 * immutable), so a flood of blank or repeated lines costs a pointer each
 * rather than an object each. */
static struct cmd_obj *lines_obj(struct cmd_lines *l)
{
	const char *text = l->buf ? l->buf : "";
	const struct cmd_prop p = CMD_PROP_STR("Value", text);

	if (l->last && l->last->props[0].v.type == CMD_V_STR &&
	    strcmp(l->last->props[0].v.s, text) == 0)
		return l->last;
	cmd_obj_put(l->last);
	l->last = cmd_obj_new(&cmd_type_value, &p, 1);
	return l->last;
}

static int lines_emit(struct cmd_ctx *ctx, struct cmd_lines *l)
{
	struct cmd_obj *o = lines_obj(l);
	int rc = o ? cmd_emit_obj(ctx, o) :
		 cmd_perr(ctx, ctx->cmd, -ENOMEM, "Out of memory for the "
			  "pipeline's objects.");

	l->len = 0;
	if (l->buf)
		l->buf[0] = '\0';
	return rc;
}

/* Room for one more character and the NUL; doubling keeps a long line's
 * reallocations few. */
static int lines_grow(struct cmd_ctx *ctx, struct cmd_lines *l)
{
	size_t cap = l->cap ? l->cap * 2 : 128;
	char *b;

	if (l->len + 2 <= l->cap)
		return 0;
	if (cap > CMD_TEXT_LINE_MAX + 1)
		cap = CMD_TEXT_LINE_MAX + 1;
	b = realloc(l->buf, cap);
	if (!b)
		return cmd_perr(ctx, ctx->cmd, -ENOMEM, "Out of memory for the "
				"pipeline's objects.");
	l->buf = b;
	l->cap = cap;
	return 0;
}

static int lines_put(struct cmd_ctx *ctx, struct cmd_lines *l, char c)
{
	int rc;

	if (c == '\n') {
		if (l->len && l->buf[l->len - 1] == '\r')
			l->buf[--l->len] = '\0';        /* CRLF text: one line */
		return lines_emit(ctx, l);
	}
	if (c == '\0')
		return 0;       /* a terminal shows nothing; a string ends there */
	if (l->len == CMD_TEXT_LINE_MAX && (rc = lines_emit(ctx, l)) != 0)
		return rc;
	if ((rc = lines_grow(ctx, l)) != 0)
		return rc;
	l->buf[l->len++] = c;
	l->buf[l->len] = '\0';
	return 0;
}

int cmd_lines_feed(struct cmd_ctx *ctx, struct cmd_lines *l, const char *s,
		   size_t n)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = lines_put(ctx, l, s[i]);
	return rc;
}

void cmd_lines_free(struct cmd_lines *l)
{
	cmd_obj_put(l->last);
	free(l->buf);
	*l = (struct cmd_lines){ 0 };
}

int cmd_lines_end(struct cmd_ctx *ctx, struct cmd_lines *l)
{
	int rc = l->len ? lines_emit(ctx, l) : 0;

	cmd_lines_free(l);
	return rc;
}

/* ---- an object's text ---- */

const struct cmd_val *cmd_obj_scalar(const struct cmd_obj *o)
{
	if (o->type == &cmd_type_value)
		return o->nprops ? &o->props[0].v : NULL;
	if (o->type == &cmd_type_matchinfo)
		return cmd_obj_get(o, "Line");
	return NULL;
}

/* "@{Name=web1; State=Running}", cut to fit n. */
static void custom_text(const struct cmd_obj *o, char *buf, size_t n)
{
	size_t len = 0;

	len += (size_t)snprintf(buf, n, "@{");
	for (int i = 0; i < o->nprops && len < n; i++) {
		char v[64];
		const struct cmd_val *val = &o->props[i].v;
		const char *text = val->type == CMD_V_STR ? val->s :
				   (cmd_val_text(val, v, sizeof v), v);

		len += (size_t)snprintf(buf + len, n - len, "%s%s=%s",
					i ? "; " : "", o->props[i].name, text);
	}
	if (len < n)
		snprintf(buf + len, n - len, "}");
}

const char *cmd_obj_text(const struct cmd_obj *o, char *buf, size_t n)
{
	const struct cmd_val *v = cmd_obj_scalar(o);

	if (n == 0)
		return "";
	buf[0] = '\0';
	if (v && v->type == CMD_V_STR)
		return v->s;
	if (v)
		cmd_val_text(v, buf, n);
	else if (o->type != &cmd_type_value)
		custom_text(o, buf, n);
	return buf;
}

/* ---- Select-String ---- */

static void show_matches(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
			 int n);

static const struct cmd_column match_cols[] = {
	{ "LineNumber", NULL, 0 }, { "Line", NULL, 0 }, { "Pattern", NULL, 0 },
};
const struct cmd_type cmd_type_matchinfo = {
	"MatchInfo", false, match_cols, 3, NULL, NULL, show_matches,
};

/* PowerShell shows a MatchInfo of pipeline input as its line. */
static void show_matches(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
			 int n)
{
	for (int i = 0; i < n; i++) {
		const struct cmd_val *v = cmd_obj_get(objs[i], "Line");
		const char *s = v && v->type == CMD_V_STR ? v->s : "";

		cmd_write(ctx, s, strlen(s));
		cmd_write(ctx, "\n", 1);
	}
}

#define SEL_TEXT_MAX 1024       /* an object's @{...} text, cut there */

struct sel {
	const struct cmd_args *a;
	struct cmd_regex *re[CMD_ARG_MAX];
	int npat;
	bool simple, cs, notmatch;
	char *text;             /* SEL_TEXT_MAX: objects' text */
};

static bool has_text(const char *s, const char *needle, bool cs)
{
	size_t k = strlen(needle);

	for (; *s; s++) {
		size_t i = 0;

		while (i < k && s[i] && (cs ? s[i] == needle[i] :
		       tolower((unsigned char)s[i]) ==
		       tolower((unsigned char)needle[i])))
			i++;
		if (i == k)
			return true;
	}
	return k == 0;
}

/* The index of the first pattern that matches s, -1 for none, or a
 * negative errno after an error line. */
static int sel_match(struct cmd_ctx *ctx, struct sel *st, const char *s)
{
	for (int i = 0; i < st->npat; i++) {
		const char *pat = cmd_arg_str_at(st->a, "Pattern", i);
		int r = st->simple ? has_text(s, pat, st->cs) :
			cmd_regex_exec(st->re[i], s);

		if (r < 0)
			return cmd_perr(ctx, st->a->def, r, "The regular "
					"expression %s is too complex for this "
					"text.", pat);
		if (r)
			return i;
	}
	return -1;
}

static int sel_emit(struct cmd_ctx *ctx, const struct sel *st,
		    const char *line, int64_t number, int pat)
{
	const struct cmd_prop p[] = {
		CMD_PROP_BOOL("IgnoreCase", !st->cs),
		CMD_PROP_INT("LineNumber", number),
		CMD_PROP_STR("Line", line),
		CMD_PROP_STR("Filename", "InputStream"),
		CMD_PROP_STR("Path", "InputStream"),
		CMD_PROP_STR("Pattern", cmd_arg_str_at(st->a, "Pattern", pat)),
	};

	return cmd_emit(ctx, &cmd_type_matchinfo, p, 6);
}

static int sel_line(struct cmd_ctx *ctx, struct sel *st, const char *line,
		    int64_t number)
{
	int m = sel_match(ctx, st, line);

	if (m < -1)
		return m;
	if ((m >= 0) == st->notmatch)
		return 0;
	return sel_emit(ctx, st, line, number, m >= 0 ? m : 0);
}

static int sel_compile(struct cmd_ctx *ctx, struct sel *st)
{
	for (int i = 0; i < st->npat; i++) {
		const char *pat = cmd_arg_str_at(st->a, "Pattern", i);
		int rc;

		if (!*pat)
			return cmd_perr(ctx, st->a->def, -EINVAL, "Cannot bind "
					"argument to parameter 'Pattern' because "
					"it is an empty string.");
		if (st->simple)
			continue;
		rc = cmd_regex_compile(pat, st->cs, &st->re[i]);
		if (rc == -ENOMEM)
			return cmd_perr(ctx, st->a->def, rc, "Out of memory.");
		if (rc)
			return cmd_perr(ctx, st->a->def, rc, "The string %s is "
					"not a valid regular expression.", pat);
	}
	return 0;
}

/* Each input object is a line, numbered from 1 (PowerShell's
 * LineNumber for pipeline input); -InputObject is the one line. */
static int sel_run(struct cmd_ctx *ctx, struct sel *st)
{
	const char *given = cmd_arg_str(st->a, "InputObject");
	int rc = 0;

	if (given)
		return sel_line(ctx, st, given, 1);
	for (int i = 0; rc == 0 && ctx->in && i < ctx->in->n; i++)
		rc = sel_line(ctx, st, cmd_obj_text(ctx->in->v[i], st->text,
						    SEL_TEXT_MAX), i + 1);
	return rc;
}

int cmd_select_string(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct sel *st = calloc(1, sizeof *st);
	int rc;

	if (!st || !(st->text = malloc(SEL_TEXT_MAX))) {
		free(st);
		return cmd_perr(ctx, a->def, -ENOMEM, "Out of memory.");
	}
	st->a = a;
	st->npat = cmd_arg_count(a, "Pattern");
	st->simple = cmd_arg_present(a, "SimpleMatch");
	st->cs = cmd_arg_present(a, "CaseSensitive");
	st->notmatch = cmd_arg_present(a, "NotMatch");
	rc = sel_compile(ctx, st);
	if (rc == 0)
		rc = sel_run(ctx, st);
	for (int i = 0; i < st->npat; i++)
		cmd_regex_free(st->re[i]);
	free(st->text);
	free(st);
	return rc;
}
