/* cmd: PowerShell-style command line parser and dispatcher. See cmd.h. */
#include "partition/console/cmd.h"
#include "partition/console/cmd_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Unquoted commas are stored as this byte (control characters never reach
 * the lexer) so that MULTI parameters can split "a,b" into two values. */
#define CMD_LIST_SEP '\x1f'

struct token {
	char *text;          /* unquoted text (parameter: the name) */
	char *colon;         /* "-Name:value": the value, else NULL */
	bool param;          /* unquoted "-" + letter */
	bool help;           /* unquoted "-?" */
};

struct lexer {
	const char *p;       /* input cursor */
	char *out;           /* output cursor in args->buf */
	char *end;           /* end of args->buf */
	struct token tok[CMD_TOKEN_MAX];
	int ntok;
};

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

static void verr(struct cmd_ctx *ctx, const struct cmd_def *d,
		 const char *fmt, va_list ap)
{
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

__attribute__((format(printf, 4, 5)))
static int perr(struct cmd_ctx *ctx, const struct cmd_def *d, int rc,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(ctx, d, fmt, ap);
	va_end(ap);
	return rc;
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

/* ---- lexer ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int emit(struct lexer *lx, char c)
{
	if (lx->out >= lx->end)
		return -E2BIG;
	*lx->out++ = c;
	return 0;
}

static int lex_single(struct lexer *lx, struct cmd_ctx *ctx)
{
	for (lx->p++;; lx->p++) {
		if (!*lx->p)
			return perr(ctx, NULL, -EINVAL,
				    "The string is missing the terminator: '.");
		if (*lx->p == '\'') {
			if (lx->p[1] != '\'')
				break;
			lx->p++;
		}
		if (emit(lx, *lx->p))
			return -E2BIG;
	}
	lx->p++;
	return 0;
}

static int lex_double(struct lexer *lx, struct cmd_ctx *ctx)
{
	const char *p = lx->p + 1;

	for (;; p++) {
		if (*p == '"' && p[1] != '"')
			break;
		if (*p == '"' || (*p == '`' && p[1]))
			p++;                  /* "" or `x: take the next char as is */
		if (!*p || (*p == '`' && !p[1]))
			return perr(ctx, NULL, -EINVAL,
				    "The string is missing the terminator: \".");
		if (emit(lx, *p))
			return -E2BIG;
	}
	lx->p = p + 1;
	return 0;
}

/* Lex the rest of a value token into lx->out, NUL-terminated. */
static int lex_value(struct lexer *lx, struct cmd_ctx *ctx)
{
	int rc = 0;

	while (rc == 0 && *lx->p && !is_blank(*lx->p)) {
		if (*lx->p == '\'')
			rc = lex_single(lx, ctx);
		else if (*lx->p == '"')
			rc = lex_double(lx, ctx);
		else if (*lx->p == ',') {
			lx->p++;
			rc = emit(lx, CMD_LIST_SEP);  /* unquoted comma: list separator */
		} else {
			if (*lx->p == '`' && lx->p[1])
				lx->p++;
			rc = emit(lx, *lx->p++);
		}
	}
	return rc ? rc : emit(lx, '\0');
}

/* "-Name" or "-Name:..." at lx->p? Returns the name length or 0. */
static size_t param_name_len(const char *p)
{
	size_t k = 1;

	if (p[0] != '-' || !isalpha((unsigned char)p[1]))
		return 0;
	while (isalnum((unsigned char)p[k]) || p[k] == '_')
		k++;
	if (p[k] && !is_blank(p[k]) && p[k] != ':')
		return 0;
	return k - 1;
}

static int lex_token(struct lexer *lx, struct cmd_ctx *ctx)
{
	struct token *t = &lx->tok[lx->ntok];
	size_t k = param_name_len(lx->p);

	memset(t, 0, sizeof *t);
	t->text = lx->out;
	t->help = lx->p[0] == '-' && lx->p[1] == '?' &&
		  (!lx->p[2] || is_blank(lx->p[2]));
	if (k == 0)
		return lex_value(lx, ctx);
	t->param = true;
	for (size_t i = 1; i <= k; i++)
		if (emit(lx, lx->p[i]))
			return -E2BIG;
	if (emit(lx, '\0'))
		return -E2BIG;
	lx->p += k + 1;
	if (*lx->p != ':')
		return 0;
	lx->p++;
	if (!*lx->p || is_blank(*lx->p))
		return 0;                 /* "-Name: value": value is the next token */
	t->colon = lx->out;
	return lex_value(lx, ctx);
}

static int lex_line(struct lexer *lx, struct cmd_ctx *ctx)
{
	for (;;) {
		int rc;

		while (is_blank(*lx->p))
			lx->p++;
		if (!*lx->p || *lx->p == '#')
			return 0;
		if (lx->ntok == CMD_TOKEN_MAX)
			return perr(ctx, NULL, -E2BIG,
				    "The command line has too many arguments (at most %d).",
				    CMD_TOKEN_MAX - 1);
		rc = lex_token(lx, ctx);
		if (rc == -E2BIG)
			return perr(ctx, NULL, rc, "The command line is too long.");
		if (rc)
			return rc;
		lx->ntok++;
	}
}

/* Rejects control characters and over-long lines; returns the length to
 * use (a trailing CR/LF dropped) or a negative errno. */
static int check_line(struct cmd_ctx *ctx, const char *line)
{
	size_t n = strnlen(line, CMD_LINE_MAX + 2);

	while (n > 0 && n <= CMD_LINE_MAX && (line[n - 1] == '\n' ||
					       line[n - 1] == '\r'))
		n--;
	if (n >= CMD_LINE_MAX)
		return perr(ctx, NULL, -E2BIG,
			    "The command line is too long (at most %d characters).",
			    CMD_LINE_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return perr(ctx, NULL, -EINVAL,
				    "The command line contains the control character "
				    "0x%02X at column %u.", c, (unsigned)i + 1);
	}
	return (int)n;
}

/* ---- lookup ---- */

static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

static bool name_prefix(const char *prefix, size_t len, const char *name)
{
	for (size_t i = 0; i < len; i++)
		if (!name[i] || tolower((unsigned char)name[i]) !=
				tolower((unsigned char)prefix[i]))
			return false;
	return true;
}

const struct cmd_def *cmd_find(const struct cmd_def *tab, int n,
			       const char *name)
{
	if (name_eq(name, cmd_help_def.name) || name_eq(name, "help"))
		return &cmd_help_def;
	for (int i = 0; i < n; i++) {
		if (name_eq(name, tab[i].name))
			return &tab[i];
		for (const char *const *al = tab[i].aliases; al && *al; al++)
			if (name_eq(name, *al))
				return &tab[i];
	}
	return NULL;
}

int cmd_complete(const struct cmd_def *tab, int n, const char *prefix,
		 size_t len, const char **matches, int max)
{
	int count = 0;

	for (int i = -1; i < n; i++) {
		const char *name = i < 0 ? cmd_help_def.name : tab[i].name;

		if (!name_prefix(prefix, len, name))
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
		if (name_eq(a->values[i].param->name, name) && idx-- == 0)
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
		if (name_eq(s, set[i]))
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

/* ---- binding ---- */

static int resolve_param(struct cmd_ctx *ctx, const struct cmd_def *d,
			 const char *name, const struct cmd_param **out)
{
	size_t len = strlen(name);
	int hits = 0;

	for (int i = 0; i < d->nparams; i++) {
		if (name_eq(name, d->params[i].name)) {
			*out = &d->params[i];
			return 0;
		}
		if (name_prefix(name, len, d->params[i].name)) {
			*out = &d->params[i];
			hits++;
		}
	}
	if (hits == 1)
		return 0;
	if (hits == 0)
		return perr(ctx, d, -EINVAL, "A parameter cannot be found that "
			    "matches parameter name '%s'.", name);
	cmd_printf(ctx, "%s : Parameter cannot be processed because the "
		   "parameter name '%s' is ambiguous. Possible matches include:",
		   d->name, name);
	for (int i = 0; i < d->nparams; i++)
		if (name_prefix(name, len, d->params[i].name))
			cmd_printf(ctx, " -%s", d->params[i].name);
	cmd_write(ctx, ".\n", 2);
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

	if (!(p->flags & CMD_F_MULTI) && find_value(a, p->name, 0))
		return perr(ctx, a->def, -EINVAL, "Cannot bind parameter because "
			    "parameter '%s' is specified more than once.", p->name);
	if (a->nvalues == CMD_ARG_MAX)
		return perr(ctx, a->def, -E2BIG, "Too many arguments (at most %d).",
			    CMD_ARG_MAX);
	v = &a->values[a->nvalues];
	memset(v, 0, sizeof *v);
	v->param = p;
	rc = convert(v, text);
	if (rc == 0) {
		a->nvalues++;
		return 0;
	}
	return perr(ctx, a->def, -EINVAL, "Cannot bind parameter '%s'. Cannot "
		    "convert value \"%s\" to type \"%s\".%s", p->name, text,
		    cmd_type_name(p, false), rc == -ERANGE ?
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
			return perr(ctx, a->def, -EINVAL, "Missing an item in the list "
				    "for parameter '%s'.", p->name);
		if ((rc = bind_value(ctx, a, p, item)) != 0 || !sep)
			return rc;
		item = sep + 1;
	}
}

/* Bind named parameters; collect positional values' token indexes. */
static int bind_named(struct cmd_ctx *ctx, struct cmd_args *a,
		      struct lexer *lx, int *pos, int *npos)
{
	for (int i = 1; i < lx->ntok; i++) {
		const struct token *t = &lx->tok[i];
		const struct cmd_param *p = NULL;
		char *val = t->colon;
		int rc;

		if (!t->param) {
			pos[(*npos)++] = i;
			continue;
		}
		if ((rc = resolve_param(ctx, a->def, t->text, &p)) != 0)
			return rc;
		if (p->type == CMD_P_SWITCH && !val) {
			if ((rc = bind_value(ctx, a, p, "True")) != 0)
				return rc;
			continue;
		}
		if (!val) {
			if (i + 1 >= lx->ntok || lx->tok[i + 1].param)
				return perr(ctx, a->def, -EINVAL, "Missing an argument for "
					    "parameter '%s'. Specify a parameter of type "
					    "'%s' and try again.", p->name,
					    cmd_type_name(p, false));
			val = lx->tok[++i].text;
		}
		if ((rc = bind_text(ctx, a, p, val)) != 0)
			return rc;
	}
	return 0;
}

/* The unbound positional parameter with the lowest position, or NULL. */
static const struct cmd_param *next_positional(const struct cmd_args *a)
{
	const struct cmd_param *best = NULL;

	for (int i = 0; i < a->def->nparams; i++) {
		const struct cmd_param *p = &a->def->params[i];

		if (p->position < 0 || p->type == CMD_P_SWITCH ||
		    find_value(a, p->name, 0))
			continue;
		if (!best || p->position < best->position)
			best = p;
	}
	return best;
}

/* All mandatory parameters bound? Else one error line naming them. */
static int check_required(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int missing = 0;

	for (int i = 0; i < a->def->nparams; i++) {
		const struct cmd_param *p = &a->def->params[i];

		if (!(p->flags & CMD_F_REQUIRED) || find_value(a, p->name, 0))
			continue;
		if (missing++ == 0)
			cmd_printf(ctx, "%s : Cannot process command because of one or "
				   "more missing mandatory parameters:", a->def->name);
		cmd_printf(ctx, " %s", p->name);
	}
	if (missing == 0)
		return 0;
	cmd_write(ctx, ".\n", 2);
	return -EINVAL;
}

static int bind_all(struct cmd_ctx *ctx, struct cmd_args *a, struct lexer *lx)
{
	int pos[CMD_TOKEN_MAX], npos = 0, rc;

	if ((rc = bind_named(ctx, a, lx, pos, &npos)) != 0)
		return rc;
	for (int i = 0; i < npos; i++) {
		const struct cmd_param *p = next_positional(a);
		char *text = lx->tok[pos[i]].text;

		if (!p) {
			restore_commas(text);
			return perr(ctx, a->def, -EINVAL, "A positional parameter cannot "
				    "be found that accepts argument '%s'.", text);
		}
		if ((rc = bind_text(ctx, a, p, text)) != 0)
			return rc;
	}
	return check_required(ctx, a);
}

static int run_parsed(const struct cmd_def *tab, int n, struct cmd_ctx *ctx,
		      struct cmd_args *a, struct lexer *lx)
{
	int rc;

	restore_commas(lx->tok[0].text);
	a->def = cmd_find(tab, n, lx->tok[0].text);
	if (!a->def)
		return perr(ctx, NULL, -ENOENT, "The term '%s%s' is not recognized "
			    "as the name of a cmdlet.", lx->tok[0].param ? "-" : "",
			    lx->tok[0].text);
	for (int i = 1; i < lx->ntok; i++)
		if (lx->tok[i].help)
			return cmd_help(tab, n, ctx, a->def->name);
	if ((rc = bind_all(ctx, a, lx)) != 0)
		return rc;
	if (a->def == &cmd_help_def)
		return cmd_help(tab, n, ctx, cmd_arg_str(a, "Name"));
	if (!a->def->fn)
		return perr(ctx, a->def, -ENOSYS, "This command is not implemented.");
	return a->def->fn(ctx, a);
}

int cmd_run_line(const struct cmd_def *tab, int n, struct cmd_ctx *ctx,
		 const char *line)
{
	struct cmd_args a;
	struct lexer lx;
	int len = check_line(ctx, line), rc;
	char copy[CMD_LINE_MAX];

	if (len < 0)
		return len;
	memcpy(copy, line, (size_t)len);
	copy[len] = '\0';
	memset(&a, 0, offsetof(struct cmd_args, buf));
	lx.p = copy;
	lx.out = a.buf;
	lx.end = a.buf + sizeof a.buf;
	lx.ntok = 0;
	if ((rc = lex_line(&lx, ctx)) != 0)
		return rc;
	if (lx.ntok == 0)
		return 0;
	return run_parsed(tab, n, ctx, &a, &lx);
}
