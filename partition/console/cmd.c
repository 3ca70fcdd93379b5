/* cmd: output helpers, command lookup and argument accessors. See cmd.h. */
#include "partition/console/cmd.h"
#include "partition/console/cmd_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- output ---- */

void cmd_write(struct cmd_ctx *ctx, const char *s, size_t n)
{
	size_t start = 0;

	if (!ctx->write)
		return;
	if (!ctx->crlf) {
		if (n)
			ctx->write(ctx->wctx, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n' || (i > 0 && s[i - 1] == '\r'))
			continue;
		if (i > start)
			ctx->write(ctx->wctx, s + start, i - start);
		ctx->write(ctx->wctx, "\r\n", 2);
		start = i + 1;
	}
	if (n > start)
		ctx->write(ctx->wctx, s + start, n - start);
}

static int vprint(struct cmd_ctx *ctx, const char *fmt, va_list ap)
{
	char buf[1024];
	int k = vsnprintf(buf, sizeof buf, fmt, ap);

	if (k < 0)
		return k;
	cmd_write(ctx, buf, (size_t)k < sizeof buf ? (size_t)k : sizeof buf - 1);
	return k;
}

int cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vprint(ctx, fmt, ap);
	va_end(ap);
	return k;
}

/* Is an error line shown, by the running command's -ErrorAction? Under
 * STOP it also ends the line (outside a command erract is CONTINUE). */
static bool error_shown(struct cmd_ctx *ctx)
{
	if (ctx->erract == CMD_ACT_STOP)
		ctx->halted = true;
	return ctx->erract != CMD_ACT_SILENT && ctx->erract != CMD_ACT_IGNORE;
}

static void verr(struct cmd_ctx *ctx, const struct cmd_def *d,
		 const char *fmt, va_list ap)
{
	if (!error_shown(ctx))
		return;
	if (d)
		cmd_printf(ctx, "%s : ", d->name);
	vprint(ctx, fmt, ap);
	cmd_write(ctx, "\n", 1);
}

int cmd_error(struct cmd_ctx *ctx, const struct cmd_args *a,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(ctx, a ? a->def : NULL, fmt, ap);
	va_end(ap);
	return 0;
}

int cmd_perr(struct cmd_ctx *ctx, const struct cmd_def *d, int rc,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(ctx, d, fmt, ap);
	va_end(ap);
	return rc;
}

/* A warning under STOP is a terminating error whatever -ErrorAction
 * says, so its error line is printed here rather than by verr. */
int cmd_warning(struct cmd_ctx *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ctx->warnact == CMD_ACT_SILENT || ctx->warnact == CMD_ACT_IGNORE)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cmd_printf(ctx, "WARNING: %s\n", msg);
	if (ctx->warnact != CMD_ACT_STOP)
		return 0;
	cmd_printf(ctx, "%s%sThe running command stopped because the "
		   "preference variable \"WarningPreference\" or common "
		   "parameter is set to Stop: %s\n", ctx->cmd ? ctx->cmd->name : "",
		   ctx->cmd ? " : " : "", msg);
	ctx->halted = true;
	return -ECANCELED;
}

static void sink_write(void *c, const char *s, size_t n)
{
	cmd_write(c, s, n);
}

struct tbl_sink cmd_sink(struct cmd_ctx *ctx)
{
	struct tbl_sink s = { sink_write, ctx, false };

	return s;
}

/* ---- lookup ---- */

bool cmd_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

bool cmd_name_prefix(const char *prefix, size_t len, const char *name)
{
	for (size_t i = 0; i < len; i++)
		if (!name[i] || tolower((unsigned char)name[i]) !=
				tolower((unsigned char)prefix[i]))
			return false;
	return true;
}

static bool spells(const char *name, size_t len, const char *s, bool prefix)
{
	return prefix ? cmd_name_prefix(name, len, s) : cmd_name_eq(name, s);
}

bool cmd_param_spelled(const struct cmd_param *p, const char *name,
		       bool prefix)
{
	size_t len = strlen(name);

	if (spells(name, len, p->name, prefix))
		return true;
	for (const char *const *al = p->aliases; al && *al; al++)
		if (spells(name, len, *al, prefix))
			return true;
	return false;
}

static const struct cmd_def *find_in(const struct cmd_def *tab, int n,
				     const char *name)
{
	for (int i = 0; i < n; i++) {
		if (cmd_name_eq(name, tab[i].name))
			return &tab[i];
		for (const char *const *al = tab[i].aliases; al && *al; al++)
			if (cmd_name_eq(name, *al))
				return &tab[i];
	}
	return NULL;
}

const struct cmd_def *cmd_find(const struct cmd_def *tab, int n,
			       const char *name)
{
	const struct cmd_def *d;

	if (cmd_name_eq(name, cmd_help_def.name) || cmd_name_eq(name, "help"))
		return &cmd_help_def;
	d = find_in(tab, n, name);
	return d ? d : find_in(cmd_core_defs, cmd_core_n, name);
}

const struct cmd_def *cmd_entry(const struct cmd_def *tab, int n, int i)
{
	if (i < 0)
		return &cmd_help_def;
	return i < n ? &tab[i] : &cmd_core_defs[i - n];
}

int cmd_complete(const struct cmd_def *tab, int n, const char *prefix,
		 size_t len, const char **matches, int max)
{
	int count = 0;

	for (int i = -1; i < n + cmd_core_n; i++) {
		const char *name = cmd_entry(tab, n, i)->name;

		if (!cmd_name_prefix(prefix, len, name))
			continue;
		if (count < max)
			matches[count] = name;
		count++;
	}
	return count;
}

static const struct cmd_value *find_value(const struct cmd_args *a,
					  const char *name, int idx)
{
	for (int i = 0; i < a->nvalues; i++)
		if (cmd_name_eq(a->values[i].param->name, name) && idx-- == 0)
			return &a->values[i];
	return NULL;
}

const struct cmd_value *cmd_arg_at(const struct cmd_args *a, const char *name,
				   int i)
{
	return i < 0 ? NULL : find_value(a, name, i);
}

const char *cmd_arg_str_at(const struct cmd_args *a, const char *name, int i)
{
	const struct cmd_value *v = cmd_arg_at(a, name, i);

	return v ? v->str : NULL;
}

const char *cmd_arg_str(const struct cmd_args *a, const char *name)
{
	return cmd_arg_str_at(a, name, 0);
}

bool cmd_arg_present(const struct cmd_args *a, const char *name)
{
	const struct cmd_value *v = find_value(a, name, 0);

	if (!v)
		return false;
	return v->param->type != CMD_P_SWITCH || v->i != 0;
}

int64_t cmd_arg_int(const struct cmd_args *a, const char *name, int64_t def)
{
	const struct cmd_value *v = find_value(a, name, 0);

	return v ? v->i : def;
}

uint64_t cmd_arg_size(const struct cmd_args *a, const char *name, uint64_t def)
{
	const struct cmd_value *v = find_value(a, name, 0);

	return v ? v->u : def;
}

int cmd_arg_enum(struct cmd_ctx *ctx, const struct cmd_args *a,
		 const char *name, const char *const *set, int def)
{
	const char *s = cmd_arg_str(a, name);
	const struct cmd_value *v = find_value(a, name, 0);

	if (!s)
		return def;
	for (int i = 0; set[i]; i++)
		if (cmd_name_eq(s, set[i]))
			return i;
	cmd_printf(ctx, "%s : Cannot validate argument on parameter '%s'. The "
		   "argument \"%s\" does not belong to the set \"", a->def->name,
		   v->param->name, s);
	for (int i = 0; set[i]; i++)
		cmd_printf(ctx, "%s%s", i ? "," : "", set[i]);
	cmd_write(ctx, "\".\n", 3);
	return -EINVAL;
}

int cmd_arg_count(const struct cmd_args *a, const char *name)
{
	int k = 0;

	while (find_value(a, name, k))
		k++;
	return k;
}

