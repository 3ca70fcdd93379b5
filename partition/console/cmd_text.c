/*
 * cmd_text: text in the pipeline. Cmdlets whose output is text (logs)
 * emit it a line at a time, as PowerShell's Get-Content does, so that
 * Select-Object -Last 5, Measure-Object and Where-Object work on lines.
 */
#include "partition/console/cmd_internal.h"

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
