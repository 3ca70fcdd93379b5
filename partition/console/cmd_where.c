/*
 * cmd_where: comparisons and Where-Object, in both of PowerShell's forms:
 *   Where-Object State -eq Running                (comparison statement)
 *   Where-Object { $_.MemoryAssigned -gt 64MB }   (script block)
 * A script block holds comparisons "operand [-op operand]" joined by -and
 * and -or, evaluated left to right (PowerShell gives both the same
 * precedence). An operand is $_ or $_.Property ($PSItem too), a variable
 * ($x, $x.Property, holding one value), or a literal (quoted text, a word,
 * a number such as 64MB, $true, $false, $null). A lone operand tests its
 * truth: not $null, not empty, not zero, not False.
 */
#include "partition/console/cmd_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op { OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE, OP_LIKE, OP_NOTLIKE,
	  OP_MATCH, OP_NOTMATCH, OP_N };

static const char *const op_names[OP_N] = {
	"EQ", "NE", "GT", "GE", "LT", "LE", "Like", "NotLike", "Match",
	"NotMatch",
};

static int op_find(const char *name)
{
	for (int i = 0; i < OP_N; i++)
		if (cmd_name_eq(name, op_names[i]))
			return i;
	return -1;
}

bool cmd_is_operator(const char *name)
{
	return op_find(name) >= 0;
}

/* ---- conversion and comparison ---- */

static const char *type_word(enum cmd_vtype t)
{
	static const char *const w[] = { "null", "string", "int", "size",
					 "TimeSpan", "enum", "bool" };

	return (unsigned)t < sizeof w / sizeof w[0] ? w[t] : "value";
}

static int bad_enum(struct cmd_ctx *ctx, const struct cmd_def *d,
		    const char *text, const char *const *names)
{
	cmd_printf(ctx, "%s%sCannot convert value \"%s\": specify one of ",
		   d ? d->name : "", d ? " : " : "", text);
	for (int i = 0; names && names[i]; i++)
		cmd_printf(ctx, "%s%s", i ? ", " : "", names[i]);
	cmd_write(ctx, ".\n", 2);
	return -EINVAL;
}

/* Text to the type of like; 0 or an error line. */
static int to_type(struct cmd_ctx *ctx, const struct cmd_def *d,
		   const char *text, const struct cmd_val *like,
		   struct cmd_val *out)
{
	int rc = 0;

	*out = *like;
	switch (like->type) {
	case CMD_V_INT:
		if ((rc = cmd_parse_int(text, &out->i)) == -EINVAL &&
		    (rc = cmd_parse_size(text, &out->u)) == 0) {
			out->type = CMD_V_BYTES;        /* 64MB */
		}
		break;
	case CMD_V_BYTES:
		if ((rc = cmd_parse_size(text, &out->u)) == -EINVAL &&
		    (rc = cmd_parse_int(text, &out->i)) == 0)
			out->type = CMD_V_INT;           /* a negative number */
		break;
	case CMD_V_SPAN:
		rc = cmd_parse_span(text, &out->u);
		break;
	case CMD_V_BOOL:
		rc = cmd_parse_bool(text, &out->i);
		break;
	case CMD_V_ENUM:
		for (out->i = 0; like->names && like->names[out->i]; out->i++)
			if (cmd_name_eq(text, like->names[out->i]))
				return 0;
		return bad_enum(ctx, d, text, like->names);
	default:
		out->type = CMD_V_STR;
		out->s = text;
		return 0;
	}
	if (rc)
		return cmd_perr(ctx, d, -EINVAL, "Cannot convert value \"%s\" to "
				"type \"%s\".", text, type_word(like->type));
	return 0;
}

/* Signed comparison of two numeric values (INT, BYTES, SPAN, ENUM index,
 * BOOL). */
static int num_cmp(const struct cmd_val *a, const struct cmd_val *b)
{
	bool na = a->type != CMD_V_BYTES && a->type != CMD_V_SPAN && a->i < 0;
	bool nb = b->type != CMD_V_BYTES && b->type != CMD_V_SPAN && b->i < 0;
	uint64_t ma, mb;

	if (na != nb)
		return na ? -1 : 1;
	ma = a->type == CMD_V_BYTES || a->type == CMD_V_SPAN ? a->u :
	     (uint64_t)a->i;
	mb = b->type == CMD_V_BYTES || b->type == CMD_V_SPAN ? b->u :
	     (uint64_t)b->i;
	return ma < mb ? -1 : ma > mb;
}

static int text_cmp(const char *a, const char *b)
{
	for (; *a && tolower((unsigned char)*a) == tolower((unsigned char)*b);
	     a++, b++)
		;
	return tolower((unsigned char)*a) - tolower((unsigned char)*b);
}

static bool order_result(enum op op, int c)
{
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_GT: return c > 0;
	case OP_GE: return c >= 0;
	case OP_LT: return c < 0;
	default:    return c <= 0;
	}
}

static int pattern_op(struct cmd_ctx *ctx, const struct cmd_def *d, enum op op,
		      const struct cmd_val *l, const struct cmd_val *r)
{
	char lt[64], rt[64];
	const char *ls = l->type == CMD_V_STR ? l->s :
			 (cmd_val_text(l, lt, sizeof lt), lt);
	const char *rs = r->type == CMD_V_STR ? r->s :
			 (cmd_val_text(r, rt, sizeof rt), rt);
	int m;

	if (op == OP_LIKE || op == OP_NOTLIKE)
		return cmd_match_glob(rs, ls) == (op == OP_LIKE);
	m = cmd_regex_match(rs, ls);
	if (m == -EINVAL)
		return cmd_perr(ctx, d, m, "Invalid regular expression pattern: "
				"%s.", rs);
	if (m < 0)
		return cmd_perr(ctx, d, m, "The regular expression %s is too "
				"complex for this text.", rs);
	return m == (op == OP_MATCH);
}

static int compare_op(struct cmd_ctx *ctx, const struct cmd_def *d, enum op op,
		      const struct cmd_val *l, const struct cmd_val *r)
{
	struct cmd_val conv;
	int rc;

	if (l->type == CMD_V_NULL || r->type == CMD_V_NULL) {
		bool both = l->type == r->type;

		return op == OP_EQ ? both : op == OP_NE ? !both : 0;
	}
	if (op >= OP_LIKE)
		return pattern_op(ctx, d, op, l, r);
	if (l->type != CMD_V_STR && r->type == CMD_V_STR) {
		if ((rc = to_type(ctx, d, r->s, l, &conv)) != 0)
			return rc;
		r = &conv;
	} else if (l->type == CMD_V_STR && r->type != CMD_V_STR) {
		if ((rc = to_type(ctx, d, l->s, r, &conv)) != 0)
			return rc;
		l = &conv;
	}
	if (l->type == CMD_V_STR && r->type == CMD_V_STR)
		return order_result(op, text_cmp(l->s, r->s));
	return order_result(op, num_cmp(l, r));
}

int cmd_compare(struct cmd_ctx *ctx, const struct cmd_def *d,
		const struct cmd_val *l, const char *op,
		const struct cmd_val *r)
{
	int k = op_find(op);

	if (k < 0)
		return cmd_perr(ctx, d, -EINVAL, "Unknown operator -%s.", op);
	return compare_op(ctx, d, (enum op)k, l, r);
}

int cmd_val_cmp(const struct cmd_val *a, const struct cmd_val *b)
{
	char at[64], bt[64];

	if (a->type == CMD_V_NULL || b->type == CMD_V_NULL)
		return (a->type != CMD_V_NULL) - (b->type != CMD_V_NULL);
	if (a->type != CMD_V_STR && b->type != CMD_V_STR)
		return num_cmp(a, b);
	return text_cmp(a->type == CMD_V_STR ? a->s :
			(cmd_val_text(a, at, sizeof at), at),
			b->type == CMD_V_STR ? b->s :
			(cmd_val_text(b, bt, sizeof bt), bt));
}

static bool truthy(const struct cmd_val *v)
{
	switch (v->type) {
	case CMD_V_NULL: return false;
	case CMD_V_STR:  return v->s[0] != '\0';
	case CMD_V_BYTES:
	case CMD_V_SPAN: return v->u != 0;
	case CMD_V_ENUM: return true;
	default:         return v->i != 0;
	}
}

/* ---- script blocks ---- */

struct block {
	char text[2 * CMD_LINE_MAX];
	struct cmd_token tok[CMD_TOKEN_MAX];
	int ntok;
};

static int block_error(struct cmd_ctx *ctx, const struct cmd_def *d)
{
	return cmd_perr(ctx, d, -EINVAL, "The script block supports "
			"comparisons { $_.Property -op Value } joined by -and "
			"or -or; -op is one of -eq -ne -gt -ge -lt -le -like "
			"-notlike -match -notmatch.");
}

static bool is_operand(const struct cmd_token *t)
{
	return t->kind == CMD_TK_WORD;
}

static bool is_join(const struct cmd_token *t)
{
	return t->kind == CMD_TK_PARAM && !t->colon &&
	       (cmd_name_eq(t->text, "and") || cmd_name_eq(t->text, "or"));
}

/* Checks the shape: operand [op operand] { join operand [op operand] }. */
static int block_check(struct cmd_ctx *ctx, const struct cmd_def *d,
		       const struct block *b)
{
	int i = 0;

	for (;;) {
		if (i >= b->ntok || !is_operand(&b->tok[i++]))
			return block_error(ctx, d);
		if (i + 1 < b->ntok && b->tok[i].kind == CMD_TK_PARAM &&
		    !b->tok[i].colon && cmd_is_operator(b->tok[i].text)) {
			if (!is_operand(&b->tok[i + 1]))
				return block_error(ctx, d);
			i += 2;
		}
		if (i == b->ntok)
			return 0;
		if (!is_join(&b->tok[i++]))
			return block_error(ctx, d);
	}
}

static int block_parse(struct cmd_ctx *ctx, const struct cmd_def *d,
		       const char *text, struct block *b)
{
	struct cmd_lexer lx = { text, b->text, b->text + sizeof b->text,
				b->tok, 0, CMD_TOKEN_MAX, 0 };
	int rc = cmd_lex(&lx, ctx);

	b->ntok = lx.ntok;
	return rc ? rc : block_check(ctx, d, b);
}

/* An operand's value; held objects go to hold. */
static int operand(struct cmd_ctx *ctx, const struct cmd_def *d,
		   const struct cmd_token *t, struct cmd_objlist *hold,
		   struct cmd_val *v)
{
	int first = hold->n, rc;

	if (!t->var) {
		cmd_literal_val(t->text, t->quoted, v);
		if (v->type == CMD_V_INT || v->type == CMD_V_BYTES) {
			v->type = CMD_V_STR;    /* compares as the other side */
			v->s = t->text;
		}
		return 0;
	}
	memset(v, 0, sizeof *v);
	if ((rc = cmd_var_eval(ctx, t->text + 1, hold)) != 0)
		return rc;
	if (hold->n - first > 1)
		return cmd_perr(ctx, d, -EINVAL, "%s holds %d values; a "
				"comparison takes one.", t->text, hold->n - first);
	if (hold->n == first)
		return 0;                       /* $null */
	if (!cmd_obj_scalar(hold->v[first]))
		return cmd_perr(ctx, d, -EINVAL, "%s is a %s object; compare "
				"one of its properties ($x.Name).", t->text,
				hold->v[first]->type->name);
	*v = *cmd_obj_scalar(hold->v[first]);
	return 0;
}

/* One comparison at tok[*i]; advances *i past it. */
static int term(struct cmd_ctx *ctx, const struct cmd_def *d,
		const struct block *b, int *i, struct cmd_objlist *hold)
{
	struct cmd_val l, r;
	const struct cmd_token *t = b->tok;
	int rc;

	if ((rc = operand(ctx, d, &t[*i], hold, &l)) != 0)
		return rc;
	(*i)++;
	if (*i >= b->ntok || is_join(&t[*i]))
		return truthy(&l);
	if ((rc = operand(ctx, d, &t[*i + 1], hold, &r)) != 0)
		return rc;
	*i += 2;
	if (l.type == CMD_V_STR && t[*i - 3].kind == CMD_TK_WORD &&
	    !t[*i - 3].var && !t[*i - 3].quoted)
		cmd_literal_val(t[*i - 3].text, false, &l); /* 5 -gt 10 */
	return cmd_compare(ctx, d, &l, t[*i - 2].text, &r);
}

static int block_eval(struct cmd_ctx *ctx, const struct cmd_def *d,
		      const struct block *b)
{
	struct cmd_objlist hold = { 0 };
	int i = 0, res = term(ctx, d, b, &i, &hold);

	while (res >= 0 && i < b->ntok) {
		bool and = cmd_name_eq(b->tok[i++].text, "and");
		int skip = and ? !res : res;    /* short-circuit */

		if (skip) {
			while (i < b->ntok && !is_join(&b->tok[i]))
				i++;
			continue;
		}
		res = term(ctx, d, b, &i, &hold);
	}
	cmd_list_free(&hold);
	return res;
}

/* ---- Where-Object ---- */

/* The one operator switch given, OP_N for none, or -1 for several. */
static int where_op(const struct cmd_args *a)
{
	int op = OP_N;

	for (int i = 0; i < OP_N; i++) {
		if (!cmd_arg_present(a, op_names[i]))
			continue;
		if (op != OP_N)
			return -1;
		op = i;
	}
	return op;
}

static int where_statement(struct cmd_ctx *ctx, const struct cmd_args *a,
			   const struct cmd_obj *o, int op)
{
	const struct cmd_val *v = cmd_obj_get(o, cmd_arg_str(a, "Property"));
	struct cmd_val r, none = { 0 };

	if (o->type == &cmd_type_value)
		v = NULL;
	if (op == OP_N)
		return v && truthy(v);
	cmd_literal_val(cmd_arg_str(a, "Value"), true, &r);
	return compare_op(ctx, a->def, (enum op)op, v ? v : &none, &r);
}

static int where_check(struct cmd_ctx *ctx, const struct cmd_args *a,
		       int op, bool block)
{
	const struct cmd_def *d = a->def;
	bool value = cmd_arg_str(a, "Value") != NULL;

	if (block == (cmd_arg_str(a, "Property") != NULL))
		return cmd_perr(ctx, d, -EINVAL, "Give a property (Where-Object "
				"State -eq Running) or a script block "
				"(Where-Object { $_.State -eq 'Running' }).");
	if (op < 0)
		return cmd_perr(ctx, d, -EINVAL, "Give one operator.");
	if (block && (op != OP_N || value))
		return cmd_perr(ctx, d, -EINVAL, "With a script block, the "
				"comparison goes inside it.");
	if (!block && op != OP_N && !value)
		return cmd_perr(ctx, d, -EINVAL, "The -%s operator needs a "
				"value: Where-Object Property -%s Value.",
				op_names[op], op_names[op]);
	if (!block && op == OP_N && value)
		return cmd_perr(ctx, d, -EINVAL, "A value needs an operator: "
				"Where-Object Property -EQ Value.");
	return 0;
}

int cmd_where_object(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *text = cmd_arg_str(a, "FilterScript");
	struct block *b = NULL;
	int op = where_op(a), rc = where_check(ctx, a, op, text != NULL);

	if (rc == 0 && text && !(b = malloc(sizeof *b)))
		rc = cmd_perr(ctx, a->def, -ENOMEM, "Out of memory.");
	if (rc == 0 && b)
		rc = block_parse(ctx, a->def, text, b);
	for (int i = 0; rc == 0 && ctx->in && i < ctx->in->n; i++) {
		struct cmd_obj *o = ctx->in->v[i];
		int r;

		ctx->input = o;
		r = b ? block_eval(ctx, a->def, b) :
			where_statement(ctx, a, o, op);
		if (r < 0)
			rc = r;
		else if (r)
			rc = cmd_emit_obj(ctx, o);
	}
	ctx->input = NULL;
	free(b);
	return rc;
}
