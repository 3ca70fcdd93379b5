/* cmd_var: variables ($x, $x.Prop, $_) and literal values. See cmd.h. */
#include "partition/console/cmd_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void cmd_session_clear(struct cmd_session *s)
{
	for (int i = 0; i < CMD_VARS_MAX; i++) {
		cmd_list_free(&s->vars[i].val);
		s->vars[i].name[0] = '\0';
	}
}

static struct cmd_var *var_find(struct cmd_session *s, const char *name)
{
	for (int i = 0; s && i < CMD_VARS_MAX; i++)
		if (s->vars[i].name[0] && cmd_name_eq(s->vars[i].name, name))
			return &s->vars[i];
	return NULL;
}

struct cmd_objlist *cmd_var_get(struct cmd_ctx *ctx, const char *name)
{
	struct cmd_var *v = var_find(ctx->session, name);

	return v ? &v->val : NULL;
}

static bool is_item(const char *name)
{
	return cmd_name_eq(name, "_") || cmd_name_eq(name, "PSItem");
}

int cmd_var_check(struct cmd_ctx *ctx, const char *name)
{
	if (strchr(name, '.'))
		return cmd_perr(ctx, NULL, -EINVAL, "Assigning to a property "
				"($%s) is not supported.", name);
	if (is_item(name))
		return cmd_perr(ctx, NULL, -EINVAL, "$%s is the current "
				"pipeline object and cannot be assigned.", name);
	if (strlen(name) >= CMD_VAR_NAME_MAX)
		return cmd_perr(ctx, NULL, -E2BIG, "The variable name '$%s' is "
				"too long (at most %d characters).", name,
				CMD_VAR_NAME_MAX - 1);
	if (!ctx->session)
		return cmd_perr(ctx, NULL, -ENOSYS, "Variables are not "
				"available here.");
	return 0;
}

int cmd_var_set(struct cmd_ctx *ctx, const char *name, struct cmd_objlist *val)
{
	struct cmd_var *v = var_find(ctx->session, name);

	if (cmd_var_check(ctx, name))
		return -EINVAL;
	for (int i = 0; !v && i < CMD_VARS_MAX; i++)
		if (!ctx->session->vars[i].name[0])
			v = &ctx->session->vars[i];
	if (!v)
		return cmd_perr(ctx, NULL, -E2BIG, "Too many variables (at most "
				"%d).", CMD_VARS_MAX);
	cmd_list_free(&v->val);
	snprintf(v->name, sizeof v->name, "%s", name);
	v->val = *val;
	memset(val, 0, sizeof *val);
	return 0;
}

struct cmd_obj *cmd_value_new(const char *name, const struct cmd_val *v)
{
	struct cmd_prop p = { name, *v };

	return cmd_obj_new(&cmd_type_value, &p, 1);
}

/* One object's property path ("State", or "A.B": objects hold no objects,
 * so a longer path is $null). Adds the value, if any, to out. */
static int member(const struct cmd_obj *o, const char *path,
		  struct cmd_objlist *out)
{
	const struct cmd_val *v;
	struct cmd_obj *val;
	int rc;

	if (strchr(path, '.'))
		return 0;
	v = o->type == &cmd_type_value ? NULL : cmd_obj_get(o, path);
	if (!v || v->type == CMD_V_NULL)
		return 0;
	val = cmd_value_new(path, v);
	if (!val)
		return -ENOMEM;
	rc = cmd_list_add(out, val);
	cmd_obj_put(val);
	return rc;
}

static int var_base(struct cmd_ctx *ctx, const char *name,
		    const struct cmd_obj **item, const struct cmd_objlist **l)
{
	*item = NULL;
	*l = NULL;
	if (is_item(name))
		*item = ctx->input;
	else
		*l = cmd_var_get(ctx, name);
	if (*item || *l)
		return 0;
	return cmd_perr(ctx, NULL, -ENOENT, "The variable '$%s' cannot be "
			"retrieved because it has not been set.", name);
}

int cmd_var_eval(struct cmd_ctx *ctx, const char *text,
		 struct cmd_objlist *out)
{
	char name[CMD_VAR_NAME_MAX + 1];
	const char *dot = strchr(text, '.');
	size_t len = dot ? (size_t)(dot - text) : strlen(text);
	const struct cmd_obj *item;
	const struct cmd_objlist *l;
	int rc, n;

	snprintf(name, sizeof name, "%.*s", (int)len, text);
	if ((rc = var_base(ctx, name, &item, &l)) != 0)
		return rc;
	n = item ? 1 : l->n;
	for (int i = 0; rc == 0 && i < n; i++) {
		struct cmd_obj *o = item ? (struct cmd_obj *)item : l->v[i];

		rc = dot ? member(o, dot + 1, out) : cmd_list_add(out, o);
	}
	if (rc)
		return cmd_perr(ctx, NULL, rc, "Out of memory.");
	return 0;
}

bool cmd_is_literal(const char *text)
{
	int64_t i;
	uint64_t u;

	if (cmd_name_eq(text, "$true") || cmd_name_eq(text, "$false") ||
	    cmd_name_eq(text, "$null"))
		return true;
	return cmd_parse_int(text, &i) == 0 || cmd_parse_size(text, &u) == 0;
}

void cmd_literal_val(const char *text, bool quoted, struct cmd_val *v)
{
	uint64_t u;

	memset(v, 0, sizeof *v);
	v->type = CMD_V_STR;
	v->s = text;
	if (quoted)
		return;
	if (cmd_name_eq(text, "$true") || cmd_name_eq(text, "$false")) {
		v->type = CMD_V_BOOL;
		v->i = cmd_name_eq(text, "$true");
	} else if (cmd_name_eq(text, "$null")) {
		v->type = CMD_V_NULL;
	} else if (cmd_parse_int(text, &v->i) == 0) {
		v->type = CMD_V_INT;
	} else if (cmd_parse_size(text, &u) == 0) {
		v->type = u > INT64_MAX ? CMD_V_BYTES : CMD_V_INT;
		v->i = (int64_t)(u > INT64_MAX ? 0 : u);
		v->u = u;
	}
}
