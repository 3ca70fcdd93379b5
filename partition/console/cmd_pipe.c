/* cmd_pipe: runs a command line: statements, pipelines, assignments and
 * the display of what reaches the end. The rules are in cmd.h. */
#include "partition/console/cmd_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum elem_kind { EL_CMD, EL_VAR, EL_LIT };

struct elem {
	struct cmd_token *tok;  /* the element's tokens */
	int ntok;
	enum elem_kind kind;
};

/* Everything one line needs; allocated per line (it is large). */
struct line {
	char copy[CMD_LINE_MAX];
	char text[2 * CMD_LINE_MAX];          /* unquoted token text */
	struct cmd_token tok[CMD_TOKEN_MAX];
	int ntok;
	struct elem el[CMD_PIPE_MAX];         /* of the statement running */
	int nel;
	struct cmd_args args[CMD_PIPE_MAX];   /* bound from the command line */
	struct cmd_args call;                 /* plus one input object */
	struct cmd_objlist hold;              /* what argument variables hold */
};

/* Rejects control characters and over-long lines; returns the length to
 * use (a trailing CR/LF dropped) or a negative errno. */
static int check_line(struct cmd_ctx *ctx, const char *line)
{
	size_t n = strnlen(line, CMD_LINE_MAX + 2);

	while (n > 0 && n <= CMD_LINE_MAX && (line[n - 1] == '\n' ||
					       line[n - 1] == '\r'))
		n--;
	if (n >= CMD_LINE_MAX)
		return cmd_perr(ctx, NULL, -E2BIG, "The command line is too long "
				"(at most %d characters).", CMD_LINE_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return cmd_perr(ctx, NULL, -EINVAL, "The command line "
					"contains the control character 0x%02X "
					"at column %u.", c, (unsigned)i + 1);
	}
	return (int)n;
}

/* ---- syntax: statements and pipeline elements ---- */

static int elem_kind(struct cmd_ctx *ctx, struct elem *e, int idx)
{
	struct cmd_token *t = e->tok;

	for (char *c = t->text; *c; c++)
		if (*c == CMD_LIST_SEP)
			*c = ',';                   /* a name is not a list */
	e->kind = EL_CMD;
	if (t->kind == CMD_TK_WORD && t->var)
		e->kind = EL_VAR;
	else if (t->kind == CMD_TK_WORD && (t->quoted || cmd_is_literal(t->text)))
		e->kind = EL_LIT;
	else if (t->kind == CMD_TK_BLOCK)
		return cmd_perr(ctx, NULL, -EINVAL, "A script block { } cannot "
				"start a command; it is an argument (Where-Object "
				"{ ... }).");
	else if (t->kind == CMD_TK_ASSIGN)
		return cmd_perr(ctx, NULL, -EINVAL, "The assignment expression "
				"is not valid: only $variable = pipeline.");
	if (e->kind == EL_CMD)
		return 0;
	if (idx > 0)
		return cmd_perr(ctx, NULL, -EINVAL, "Expressions are only "
				"allowed as the first element of a pipeline.");
	if (e->ntok > 1)
		return cmd_perr(ctx, NULL, -EINVAL, "Unexpected token '%s' in "
				"expression or statement.", e->tok[1].text);
	return 0;
}

/* Split tokens [0, n) (one statement, after any "$x =") into pipeline
 * elements. */
static int split_pipeline(struct cmd_ctx *ctx, struct line *L,
			  struct cmd_token *tok, int n)
{
	int start = 0, rc;

	L->nel = 0;
	for (int i = 0; i <= n; i++) {
		struct elem *e;

		if (i < n && tok[i].kind != CMD_TK_PIPE)
			continue;
		if (i == start)
			return cmd_perr(ctx, NULL, -EINVAL, "An empty pipe element "
					"is not allowed.");
		if (L->nel == CMD_PIPE_MAX)
			return cmd_perr(ctx, NULL, -E2BIG, "The pipeline has too "
					"many commands (at most %d).",
					CMD_PIPE_MAX);
		e = &L->el[L->nel];
		e->tok = &tok[start];
		e->ntok = i - start;
		if ((rc = elem_kind(ctx, e, L->nel++)) != 0)
			return rc;
		start = i + 1;
	}
	return 0;
}

/* A statement's tokens [s, e): the assigned variable (or NULL) and the
 * pipeline's first token. */
static int split_statement(struct cmd_ctx *ctx, struct line *L, int s, int e,
			   const char **var)
{
	*var = NULL;
	if (e - s >= 2 && L->tok[s + 1].kind == CMD_TK_ASSIGN) {
		int rc;

		*var = L->tok[s].text + 1;
		if ((rc = cmd_var_check(ctx, *var)) != 0)
			return rc;
		s += 2;
		if (s == e)
			return cmd_perr(ctx, NULL, -EINVAL, "You must provide a "
					"value expression following the '=' "
					"operator.");
	}
	return split_pipeline(ctx, L, &L->tok[s], e - s);
}

/* ---- running ---- */

static int call(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->def == &cmd_help_def)
		return cmd_help(ctx->tab, ctx->ntab, ctx, cmd_arg_str(a, "Name"));
	if (!a->def->fn)
		return cmd_perr(ctx, a->def, -ENOSYS, "This command is not "
				"implemented.");
	return a->def->fn(ctx, a);
}

/* The command's CMD_F_EACH parameter given two items or more, or NULL. */
static const struct cmd_param *each_param(const struct cmd_args *a)
{
	for (int i = 0; i < a->def->nparams; i++) {
		const struct cmd_param *p = &a->def->params[i];

		if ((p->flags & CMD_F_EACH) == CMD_F_EACH && cmd_arg_count(a, p->name) > 1)
			return p;
	}
	return NULL;
}

/* a's values with only the k-th of p's. */
static void keep_item(const struct cmd_args *a, const struct cmd_param *p, int k,
		      struct cmd_args *one)
{
	*one = *a;
	one->nvalues = 0;
	for (int i = 0, n = 0; i < a->nvalues; i++)
		if (a->values[i].param != p || n++ == k)
			one->values[one->nvalues++] = a->values[i];
}

/* One run per item of a CMD_F_EACH parameter (cmd.h), in order; the
 * first negative result is the statement's, after every item ran. */
static int call_each(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const struct cmd_param *p = each_param(a);
	struct cmd_args one;
	int n, rc = 0, r;

	if (!p)
		return call(ctx, a);
	n = cmd_arg_count(a, p->name);
	for (int k = 0; k < n; k++) {
		keep_item(a, p, k, &one);
		r = call(ctx, &one);
		if (rc >= 0)
			rc = r;
	}
	return rc;
}

/* Bind element i's command-line arguments. Returns 1 when the element
 * asked for help (shown instead), 0, or a negative errno. */
static int prepare(struct cmd_ctx *ctx, struct line *L, int i)
{
	struct elem *e = &L->el[i];
	struct cmd_args *a = &L->args[i];
	const struct cmd_token *t0 = &e->tok[0];
	int rc;

	memset(a, 0, offsetof(struct cmd_args, buf));
	if (e->kind != EL_CMD)
		return 0;
	a->def = cmd_find(ctx->tab, ctx->ntab, t0->text);
	if (!a->def)
		return cmd_perr(ctx, NULL, -ENOENT, "The term '%s%s' is not "
				"recognized as the name of a cmdlet.",
				t0->kind == CMD_TK_PARAM ? "-" : "", t0->text);
	for (int k = 1; k < e->ntok; k++)
		if (e->tok[k].help)
			return cmd_help(ctx->tab, ctx->ntab, ctx, a->def->name) < 0 ?
			       -ENOENT : 1;
	if ((cmd_def_flags(a->def) & CMD_D_LAST) && i + 1 < L->nel)
		return cmd_perr(ctx, a->def, -EINVAL, "%s must be the last "
				"command of a pipeline.", a->def->name);
	if ((rc = cmd_bind(ctx, a, e->tok, e->ntok, &L->hold)) != 0)
		return rc;
	/* Only a per-object command's mandatory parameters may still come
	 * from its input; one that reads all its input at once (Select-String
	 * -Pattern) has them all now. */
	if (i == 0 || !cmd_takes_input(a->def) ||
	    (cmd_def_flags(a->def) & CMD_D_INPUT))
		return cmd_check_required(ctx, a);
	return 0;
}

/* A later command, once per input object (PowerShell's process block).
 * An object that does not bind is skipped (its error printed); a
 * negative handler result stops the pipeline. */
static int run_per_object(struct cmd_ctx *ctx, struct line *L, int i,
			  const struct cmd_objlist *in)
{
	int rc = 0, bind_rc = 0;
	bool called = false;

	for (int k = 0; k < in->n && !ctx->halted; k++) {
		int b;

		L->call = L->args[i];
		ctx->input = in->v[k];
		if ((b = cmd_bind_input(ctx, &L->call, in->v[k])) != 0) {
			bind_rc = b;
			continue;
		}
		called = true;
		if ((rc = call_each(ctx, &L->call)) < 0)
			break;
	}
	ctx->input = NULL;
	return called ? rc : bind_rc;
}

static int run_literal(struct cmd_ctx *ctx, const struct cmd_token *t,
		       struct cmd_objlist *out)
{
	struct cmd_val v;
	struct cmd_obj *o;
	int rc;

	cmd_literal_val(t->text, t->quoted, &v);
	if (v.type == CMD_V_NULL)
		return 0;
	o = cmd_value_new("Value", &v);
	rc = o ? cmd_list_add(out, o) : -ENOMEM;
	cmd_obj_put(o);
	return rc ? cmd_perr(ctx, NULL, rc, "Out of memory.") : 0;
}

static int run_elem(struct cmd_ctx *ctx, struct line *L, int i,
		    const struct cmd_objlist *in, struct cmd_objlist *out)
{
	struct elem *e = &L->el[i];
	const struct cmd_def *d = L->args[i].def;

	ctx->cmd = d;
	ctx->in = in;
	ctx->out = out;
	ctx->input = NULL;
	cmd_common_apply(ctx, &L->args[i]);
	if (e->kind == EL_VAR)
		return cmd_var_eval(ctx, e->tok[0].text + 1, out);
	if (e->kind == EL_LIT)
		return run_literal(ctx, &e->tok[0], out);
	if (i == 0 || (cmd_def_flags(d) & CMD_D_INPUT))
		return call_each(ctx, &L->args[i]);
	return run_per_object(ctx, L, i, in);
}

static void reset_ctx(struct cmd_ctx *ctx)
{
	ctx->cmd = NULL;
	ctx->in = NULL;
	ctx->out = NULL;
	ctx->input = NULL;
	ctx->erract = ctx->warnact = CMD_ACT_CONTINUE;
}

/* Run the pipeline in L->el; its output goes to the variable or the
 * screen. */
static int run_statement(struct cmd_ctx *ctx, struct line *L, const char *var)
{
	struct cmd_objlist in = { 0 }, out = { 0 };
	int rc = 0;

	for (int i = 0; i < L->nel && rc == 0; i++)
		rc = prepare(ctx, L, i);
	if (rc) {
		rc = rc > 0 ? 0 : rc;           /* 1: help was shown instead */
		goto done;
	}
	for (int i = 0; i < L->nel; i++) {
		rc = run_elem(ctx, L, i, &in, &out);
		cmd_list_free(&in);
		in = out;
		memset(&out, 0, sizeof out);
		if (ctx->halted && rc >= 0)
			rc = -ECANCELED;        /* -ErrorAction Stop */
		if (rc < 0)
			goto done;
	}
	reset_ctx(ctx);
	if (var) {
		int vr = cmd_var_set(ctx, var, &in);

		rc = vr ? vr : rc;
	} else {
		cmd_show(ctx, (const struct cmd_obj *const *)in.v, in.n);
	}
done:
	reset_ctx(ctx);
	cmd_list_free(&in);
	cmd_list_free(&L->hold);
	return rc;
}

/* Check (run false) or run each non-empty statement. Returns the first
 * negative result, else the last. */
static int each_statement(struct cmd_ctx *ctx, struct line *L, bool run)
{
	int s = 0, rc = 0, first_err = 0;

	for (int i = 0; i <= L->ntok; i++) {
		const char *var;

		if (i < L->ntok && L->tok[i].kind != CMD_TK_SEMI)
			continue;
		if (i > s) {
			rc = split_statement(ctx, L, s, i, &var);
			if (!run && rc)
				return rc;
			if (run)
				rc = run_statement(ctx, L, var);
			if (rc < 0 && !first_err)
				first_err = rc;
			if (ctx->halted)
				break;          /* the rest of the line too */
		}
		s = i + 1;
	}
	return first_err ? first_err : rc;
}

int cmd_run_line(const struct cmd_def *tab, int n, struct cmd_ctx *ctx,
		 const char *line)
{
	struct cmd_lexer lx;
	struct line *L;
	int len = check_line(ctx, line), rc;

	if (len < 0)
		return len;
	L = calloc(1, sizeof *L);
	if (!L)
		return cmd_perr(ctx, NULL, -ENOMEM, "Out of memory.");
	memcpy(L->copy, line, (size_t)len);
	L->copy[len] = '\0';
	lx = (struct cmd_lexer){ L->copy, L->text, L->text + sizeof L->text,
				 L->tok, 0, CMD_TOKEN_MAX, 0 };
	ctx->tab = tab;
	ctx->ntab = n;
	ctx->halted = false;
	reset_ctx(ctx);
	rc = cmd_lex(&lx, ctx);
	L->ntok = lx.ntok;
	if (rc == 0)
		rc = each_statement(ctx, L, false);
	if (rc == 0)
		rc = each_statement(ctx, L, true);
	ctx->halted = false;
	free(L);
	return rc;
}
