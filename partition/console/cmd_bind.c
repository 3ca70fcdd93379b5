/* cmd_bind: binds a command's arguments, and its pipeline input, to its
 * parameters. The rules are in cmd.h. */
#include "partition/console/cmd_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct cmd_value *bound(const struct cmd_args *a,
				     const struct cmd_param *p)
{
	for (int i = 0; i < a->nvalues; i++)
		if (a->values[i].param == p)
			return &a->values[i];
	return NULL;
}

/* PowerShell lists the parameters themselves, by name, whichever of their
 * names or aliases the prefix matched. */
static void ambiguous(struct cmd_ctx *ctx, const struct cmd_def *d,
		      const char *name)
{
	cmd_printf(ctx, "%s : Parameter cannot be processed because the "
		   "parameter name '%s' is ambiguous. Possible matches include:",
		   d->name, name);
	for (int i = 0; i < d->nparams; i++)
		if (cmd_param_spelled(&d->params[i], name, true))
			cmd_printf(ctx, " -%s", d->params[i].name);
	cmd_write(ctx, ".\n", 2);
}

/* d's own parameter with the name or alias name, or NULL. */
static const struct cmd_param *own_exact(const struct cmd_def *d,
					 const char *name)
{
	for (int i = 0; i < d->nparams; i++)
		if (cmd_param_spelled(&d->params[i], name, false))
			return &d->params[i];
	return NULL;
}

/* The first of d's own parameters that name is a prefix of a name or an
 * alias of (an alias abbreviates as a name does: "Test1 -Sys" for the
 * alias System, PowerShell Language Specification 12.3.1); *hits counts
 * those parameters, each once, for a prefix is ambiguous only "with
 * respect to the names of the other parameters" (2.3.4): Test-Connection
 * -B, matching BufferSize and its aliases BS and Bytes, is one. */
static const struct cmd_param *own_prefix(const struct cmd_def *d,
					  const char *name, int *hits)
{
	const struct cmd_param *hit = NULL;

	*hits = 0;
	for (int i = 0; i < d->nparams; i++) {
		if (!cmd_param_spelled(&d->params[i], name, true))
			continue;
		hit = hit ? hit : &d->params[i];
		(*hits)++;
	}
	return hit;
}

/* Exact names and aliases first (the command's own, then a common
 * parameter's), then prefixes of the command's own; a common parameter by
 * prefix only when none of those match, so that the abbreviations that
 * worked before there were common parameters still do. */
static int resolve_param(struct cmd_ctx *ctx, const struct cmd_def *d,
			 const char *name, const struct cmd_param **out)
{
	int hits;

	if ((*out = own_exact(d, name)) != NULL ||
	    (*out = cmd_common_find(name, false)) != NULL)
		return 0;
	*out = own_prefix(d, name, &hits);
	if (hits == 0 && (*out = cmd_common_find(name, true)) != NULL)
		return 0;
	if (hits == 1)
		return 0;
	if (hits == 0)
		return cmd_perr(ctx, d, -EINVAL, "A parameter cannot be found that "
				"matches parameter name '%s'.", name);
	ambiguous(ctx, d, name);
	return -EINVAL;
}

static int convert(struct cmd_value *v, const char *text)
{
	int rc = 0;

	v->str = text;
	switch (v->param->type) {
	case CMD_P_INT:
		rc = cmd_parse_int(text, &v->i);
		break;
	case CMD_P_SIZE:
		rc = cmd_parse_size(text, &v->u);
		break;
	case CMD_P_SWITCH:
		rc = cmd_parse_bool(text, &v->i);
		v->str = v->i ? "True" : "False";
		break;
	default:
		break;
	}
	return rc;
}

static int bind_value(struct cmd_ctx *ctx, struct cmd_args *a,
		      const struct cmd_param *p, const char *text)
{
	struct cmd_value *v;
	int rc;

	if (!(p->flags & CMD_F_MULTI) && bound(a, p))
		return cmd_perr(ctx, a->def, -EINVAL, "Cannot bind parameter "
				"because parameter '%s' is specified more than "
				"once.", p->name);
	if (a->nvalues == CMD_ARG_MAX)
		return cmd_perr(ctx, a->def, -E2BIG, "Too many arguments (at "
				"most %d).", CMD_ARG_MAX);
	v = &a->values[a->nvalues];
	memset(v, 0, sizeof *v);
	v->param = p;
	rc = convert(v, text);
	if (rc == 0 && cmd_is_common(p))
		rc = cmd_common_check(ctx, a->def, p, text);
	if (rc == 0) {
		a->nvalues++;
		return 0;
	}
	if (cmd_is_common(p))
		return rc;              /* its own message, already printed */
	return cmd_perr(ctx, a->def, -EINVAL, "Cannot bind parameter '%s'. "
			"Cannot convert value \"%s\" to type \"%s\".%s", p->name,
			text, cmd_type_name(p, false), rc == -ERANGE ?
			" Value was either too large or too small." : "");
}

static void restore_commas(char *s)
{
	for (; *s; s++)
		if (*s == CMD_LIST_SEP)
			*s = ',';
}

/* Bind a token's text: a MULTI parameter takes each comma-separated item,
 * any other parameter the text with its commas. */
static int bind_text(struct cmd_ctx *ctx, struct cmd_args *a,
		     const struct cmd_param *p, char *text)
{
	char *item = text, *sep;
	int rc;

	if (!(p->flags & CMD_F_MULTI) || !strchr(text, CMD_LIST_SEP)) {
		restore_commas(text);
		return bind_value(ctx, a, p, text);
	}
	for (;;) {
		sep = strchr(item, CMD_LIST_SEP);
		if (sep)
			*sep = '\0';
		if (!*item)
			return cmd_perr(ctx, a->def, -EINVAL, "Missing an item in "
					"the list for parameter '%s'.", p->name);
		if ((rc = bind_value(ctx, a, p, item)) != 0 || !sep)
			return rc;
		item = sep + 1;
	}
}

/* Text kept in a->buf for the call (values bound from objects). */
static const char *keep_text(struct cmd_args *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *dst = a->buf + a->used;

	if (n > sizeof a->buf - a->used)
		return NULL;
	memcpy(dst, s, n);
	a->used += n;
	return dst;
}

/* Bind a property value: strings as they are, others by their text. */
static int bind_val(struct cmd_ctx *ctx, struct cmd_args *a,
		    const struct cmd_param *p, const struct cmd_val *v)
{
	char tmp[64];
	const char *text = v->s;

	if (v->type == CMD_V_NULL)
		return cmd_perr(ctx, a->def, -EINVAL, "Cannot bind argument to "
				"parameter '%s' because it is null.", p->name);
	if (p->type == CMD_P_BLOCK)
		return cmd_perr(ctx, a->def, -EINVAL, "Cannot bind parameter "
				"'%s': it takes a script block { ... }.", p->name);
	if (v->type != CMD_V_STR) {
		cmd_val_text(v, tmp, sizeof tmp);
		text = keep_text(a, tmp);
		if (!text)
			return cmd_perr(ctx, a->def, -E2BIG, "Too many "
					"arguments.");
	}
	return bind_value(ctx, a, p, text);
}

/* The value an object gives parameter p: a single value itself, else its
 * property named like p, or else like the first of p's aliases it has, in
 * their order (ValueFromPipelineByPropertyName: about_Functions_Advanced_
 * Parameters, PowerShell Language Specification 12.3.7). NULL when none. */
static const struct cmd_val *obj_value_for(const struct cmd_obj *o,
					   const struct cmd_param *p)
{
	const struct cmd_val *v;

	if (o->type == &cmd_type_value)
		return o->nprops ? &o->props[0].v : NULL;
	v = cmd_obj_get(o, p->name);
	for (const char *const *al = p->aliases; !v && al && *al; al++)
		v = cmd_obj_get(o, *al);
	return v;
}

static int bind_var(struct cmd_ctx *ctx, struct cmd_args *a,
		    const struct cmd_param *p, const char *text,
		    struct cmd_objlist *hold)
{
	struct cmd_objlist vals = { 0 };
	int rc = cmd_var_eval(ctx, text + 1, &vals);

	if (rc == 0 && vals.n == 0)
		rc = cmd_perr(ctx, a->def, -EINVAL, "Cannot bind argument to "
			      "parameter '%s' because it is null.", p->name);
	if (rc == 0 && vals.n > 1 && !(p->flags & CMD_F_MULTI))
		rc = cmd_perr(ctx, a->def, -EINVAL, "Cannot bind parameter "
			      "'%s': %s holds %d values and the parameter takes "
			      "one.", p->name, text, vals.n);
	for (int i = 0; rc == 0 && i < vals.n; i++) {
		const struct cmd_val *v = obj_value_for(vals.v[i], p);

		if (!v)
			rc = cmd_perr(ctx, a->def, -EINVAL, "Cannot bind "
				      "parameter '%s': the %s object in %s has "
				      "no property '%s'.", p->name,
				      vals.v[i]->type->name, text, p->name);
		else
			rc = bind_val(ctx, a, p, v);
	}
	for (int i = 0; rc == 0 && i < vals.n; i++)
		rc = cmd_list_add(hold, vals.v[i]);
	cmd_list_free(&vals);
	return rc == -ENOMEM ? cmd_perr(ctx, a->def, rc, "Out of memory.") :
			       rc;
}

static int bind_token(struct cmd_ctx *ctx, struct cmd_args *a,
		      const struct cmd_param *p, struct cmd_token *t,
		      struct cmd_objlist *hold)
{
	if ((t->kind == CMD_TK_BLOCK) != (p->type == CMD_P_BLOCK))
		return cmd_perr(ctx, a->def, -EINVAL, "Cannot bind parameter "
				"'%s'. Cannot convert %s%s%s to type \"%s\".",
				p->name, t->kind == CMD_TK_BLOCK ? "the script "
				"block {" : "value \"", t->text,
				t->kind == CMD_TK_BLOCK ? "}" : "\"",
				cmd_type_name(p, false));
	if (t->var)
		return bind_var(ctx, a, p, t->text, hold);
	if (t->kind == CMD_TK_BLOCK)
		return bind_value(ctx, a, p, t->text);
	return bind_text(ctx, a, p, t->text);
}

static int missing_arg(struct cmd_ctx *ctx, const struct cmd_args *a,
		       const struct cmd_param *p)
{
	return cmd_perr(ctx, a->def, -EINVAL, "Missing an argument for "
			"parameter '%s'. Specify a parameter of type '%s' and "
			"try again.", p->name, cmd_type_name(p, false));
}

/* Bind named parameters; collect positional values' token indexes. */
static int bind_named(struct cmd_ctx *ctx, struct cmd_args *a,
		      struct cmd_token *tok, int ntok, int *pos, int *npos,
		      struct cmd_objlist *hold)
{
	for (int i = 1; i < ntok; i++) {
		const struct cmd_param *p = NULL;
		int rc;

		if (tok[i].kind != CMD_TK_PARAM) {
			pos[(*npos)++] = i;
			continue;
		}
		if ((rc = resolve_param(ctx, a->def, tok[i].text, &p)) != 0)
			return rc;
		if (tok[i].colon && p->type == CMD_P_BLOCK)
			rc = cmd_perr(ctx, a->def, -EINVAL, "Cannot bind parameter "
				      "'%s': give the script block after a blank "
				      "(-%s { ... }).", p->name, p->name);
		else if (tok[i].colon)
			rc = bind_text(ctx, a, p, tok[i].colon);
		else if (p->type == CMD_P_SWITCH)
			rc = bind_value(ctx, a, p, "True");
		else if (i + 1 >= ntok || tok[i + 1].kind == CMD_TK_PARAM)
			rc = missing_arg(ctx, a, p);
		else
			rc = bind_token(ctx, a, p, &tok[++i], hold);
		if (rc)
			return rc;
	}
	return 0;
}

/* The unbound positional parameter with the lowest position that takes
 * this kind of token (script blocks only go to CMD_P_BLOCK), or NULL. */
static const struct cmd_param *next_positional(const struct cmd_args *a,
					       bool block)
{
	const struct cmd_param *best = NULL;

	for (int i = 0; i < a->def->nparams; i++) {
		const struct cmd_param *p = &a->def->params[i];

		if (p->position < 0 || p->type == CMD_P_SWITCH ||
		    (p->type == CMD_P_BLOCK) != block || bound(a, p))
			continue;
		if (!best || p->position < best->position)
			best = p;
	}
	return best;
}

int cmd_check_required(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int missing = 0;

	for (int i = 0; i < a->def->nparams; i++) {
		const struct cmd_param *p = &a->def->params[i];

		if (!(p->flags & CMD_F_REQUIRED) || bound(a, p))
			continue;
		if (missing++ == 0)
			cmd_printf(ctx, "%s : Cannot process command because of "
				   "one or more missing mandatory parameters:",
				   a->def->name);
		cmd_printf(ctx, " %s", p->name);
	}
	if (missing == 0)
		return 0;
	cmd_write(ctx, ".\n", 2);
	return -EINVAL;
}

int cmd_bind(struct cmd_ctx *ctx, struct cmd_args *a, struct cmd_token *tok,
	     int ntok, struct cmd_objlist *hold)
{
	int pos[CMD_TOKEN_MAX], npos = 0, rc;

	if ((rc = bind_named(ctx, a, tok, ntok, pos, &npos, hold)) != 0)
		return rc;
	for (int i = 0; i < npos; i++) {
		struct cmd_token *t = &tok[pos[i]];
		const struct cmd_param *p =
			next_positional(a, t->kind == CMD_TK_BLOCK);

		if (!p) {
			restore_commas(t->text);
			return cmd_perr(ctx, a->def, -EINVAL, "A positional "
					"parameter cannot be found that accepts "
					"argument '%s%s%s'.",
					t->kind == CMD_TK_BLOCK ? "{" : "",
					t->text,
					t->kind == CMD_TK_BLOCK ? "}" : "");
		}
		if ((rc = bind_token(ctx, a, p, t, hold)) != 0)
			return rc;
	}
	return 0;
}

bool cmd_takes_input(const struct cmd_def *d)
{
	if (cmd_def_flags(d) & CMD_D_INPUT)
		return true;
	for (int i = 0; i < d->nparams; i++)
		if (d->params[i].flags & CMD_F_PIPELINE)
			return true;
	return false;
}

int cmd_bind_input(struct cmd_ctx *ctx, struct cmd_args *a,
		   const struct cmd_obj *o)
{
	bool any = false;

	for (int i = 0; i < a->def->nparams; i++) {
		const struct cmd_param *p = &a->def->params[i];
		const struct cmd_val *v;
		int rc;

		if (!(p->flags & CMD_F_PIPELINE) || bound(a, p))
			continue;
		v = obj_value_for(o, p);
		if (!v || v->type == CMD_V_NULL)
			continue;
		if ((rc = bind_val(ctx, a, p, v)) != 0)
			return rc;
		any = true;
		if (o->type == &cmd_type_value)
			break;                  /* a value binds once */
	}
	if (!any)
		return cmd_perr(ctx, a->def, -EINVAL, "The input object cannot "
				"be bound to any parameters for the command "
				"either because the command does not take "
				"pipeline input or the input and its properties "
				"do not match any of the parameters that take "
				"pipeline input.");
	return cmd_check_required(ctx, a);
}
