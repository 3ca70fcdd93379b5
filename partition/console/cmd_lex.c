/* cmd_lex: splits a command line into tokens. The rules are in cmd.h. */
#include "partition/console/cmd_internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Does c end an unquoted word? */
static bool ends_word(char c)
{
	return !c || is_blank(c) || c == '|' || c == ';';
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int emit(struct cmd_lexer *lx, char c)
{
	if (lx->out >= lx->end)
		return -E2BIG;
	*lx->out++ = c;
	return 0;
}

static int lex_single(struct cmd_lexer *lx, struct cmd_ctx *ctx)
{
	for (lx->p++;; lx->p++) {
		if (!*lx->p)
			return cmd_perr(ctx, NULL, -EINVAL,
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

static int lex_double(struct cmd_lexer *lx, struct cmd_ctx *ctx)
{
	const char *p = lx->p + 1;

	for (;; p++) {
		if (*p == '"' && p[1] != '"')
			break;
		if (*p == '"' || (*p == '`' && p[1]))
			p++;                  /* "" or `x: take the next char as is */
		if (!*p || (*p == '`' && !p[1]))
			return cmd_perr(ctx, NULL, -EINVAL,
					"The string is missing the terminator: \".");
		if (emit(lx, *p))
			return -E2BIG;
	}
	lx->p = p + 1;
	return 0;
}

/* Lex the rest of a value token into lx->out, NUL-terminated. */
static int lex_value(struct cmd_lexer *lx, struct cmd_ctx *ctx,
		     struct cmd_token *t)
{
	int rc = 0;

	while (rc == 0 && !ends_word(*lx->p)) {
		if (*lx->p == '\'' || *lx->p == '"') {
			t->quoted = true;
			rc = *lx->p == '\'' ? lex_single(lx, ctx) :
					      lex_double(lx, ctx);
		} else if (*lx->p == ',') {
			/* Unquoted comma: a list separator; blanks after it
			 * go, as "Format-List Name, State" is one list in
			 * PowerShell (about_Arrays, the comma operator). */
			for (lx->p++; *lx->p == ' ' || *lx->p == '\t'; lx->p++)
				;
			rc = emit(lx, CMD_LIST_SEP);
		} else {
			if (*lx->p == '`' && lx->p[1])
				lx->p++;
			rc = emit(lx, *lx->p++);
		}
	}
	return rc ? rc : emit(lx, '\0');
}

/* "-Name" or "-Name:..." at p? Returns the name length or 0. */
static size_t param_name_len(const char *p)
{
	size_t k = 1;

	if (p[0] != '-' || !isalpha((unsigned char)p[1]))
		return 0;
	while (is_ident(p[k]))
		k++;
	if (!ends_word(p[k]) && p[k] != ':')
		return 0;
	return k - 1;
}

/* "$name" or "$name.Prop.Prop" at p (not $true/$false/$null)? Returns its
 * length or 0. */
static size_t var_len(const char *p)
{
	size_t k = 1;

	if (p[0] != '$' || !is_ident(p[1]))
		return 0;
	while (is_ident(p[k]))
		k++;
	if ((k == 5 && (!strncasecmp(p, "$true", 5) ||
			!strncasecmp(p, "$null", 5))) ||
	    (k == 6 && !strncasecmp(p, "$false", 6)))
		return 0;
	while (p[k] == '.' && is_ident(p[k + 1]))
		for (k++; is_ident(p[k]); k++)
			;
	return ends_word(p[k]) || p[k] == '=' ? k : 0;
}

static int lex_param(struct cmd_lexer *lx, struct cmd_ctx *ctx,
		     struct cmd_token *t, size_t k)
{
	t->kind = CMD_TK_PARAM;
	for (size_t i = 1; i <= k; i++)
		if (emit(lx, lx->p[i]))
			return -E2BIG;
	if (emit(lx, '\0'))
		return -E2BIG;
	lx->p += k + 1;
	if (*lx->p != ':')
		return 0;
	lx->p++;
	if (ends_word(*lx->p))
		return 0;                 /* "-Name: value": value is the next token */
	t->colon = lx->out;
	return lex_value(lx, ctx, t);
}

static int lex_var(struct cmd_lexer *lx, struct cmd_token *t, size_t k)
{
	t->var = true;
	for (size_t i = 0; i < k; i++)
		if (emit(lx, lx->p[i]))
			return -E2BIG;
	lx->p += k;
	return emit(lx, '\0');
}

/* Skip a quoted string inside a script block (its text is kept raw). */
static const char *skip_quoted(const char *p)
{
	char q = *p++;

	for (; *p; p++) {
		if (q == '"' && *p == '`' && p[1])
			p++;
		else if (*p == q)
			return p + 1;
	}
	return p;
}

/* "{ ... }": the raw text inside, up to the matching brace. */
static int lex_block(struct cmd_lexer *lx, struct cmd_ctx *ctx,
		     struct cmd_token *t)
{
	const char *p = lx->p + 1, *start = p;
	int depth = 1;

	t->kind = CMD_TK_BLOCK;
	while (depth > 0) {
		if (!*p)
			return cmd_perr(ctx, NULL, -EINVAL, "Missing closing '}' "
					"in statement block.");
		if (*p == '\'' || *p == '"') {
			p = skip_quoted(p);
			continue;
		}
		if (*p == '`' && p[1])
			p++;
		else if (*p == '{')
			depth++;
		else if (*p == '}')
			depth--;
		p++;
	}
	for (; start < p - 1; start++)
		if (emit(lx, *start))
			return -E2BIG;
	lx->p = p;
	return emit(lx, '\0');
}

/* '|', ';' or an assignment's '='. Returns true when lexed. */
static bool lex_operator(struct cmd_lexer *lx, struct cmd_token *t)
{
	if (*lx->p == '|')
		t->kind = CMD_TK_PIPE;
	else if (*lx->p == ';')
		t->kind = CMD_TK_SEMI;
	else if (*lx->p == '=' && lx->ntok == lx->stmt + 1 &&
		 lx->tok[lx->stmt].var)
		t->kind = CMD_TK_ASSIGN;
	else
		return false;
	t->text = (char *)"";
	lx->p++;
	return true;
}

static int lex_token(struct cmd_lexer *lx, struct cmd_ctx *ctx)
{
	struct cmd_token *t = &lx->tok[lx->ntok];
	size_t k;

	memset(t, 0, sizeof *t);
	if (lex_operator(lx, t))
		return 0;
	t->text = lx->out;
	if (*lx->p == '{')
		return lex_block(lx, ctx, t);
	t->help = lx->p[0] == '-' && lx->p[1] == '?' && ends_word(lx->p[2]);
	if ((k = param_name_len(lx->p)) != 0)
		return lex_param(lx, ctx, t, k);
	if ((k = var_len(lx->p)) != 0)
		return lex_var(lx, t, k);
	return lex_value(lx, ctx, t);
}

int cmd_lex(struct cmd_lexer *lx, struct cmd_ctx *ctx)
{
	for (;;) {
		int rc;

		while (is_blank(*lx->p))
			lx->p++;
		if (!*lx->p || *lx->p == '#')
			return 0;
		if (lx->ntok == lx->max)
			return cmd_perr(ctx, NULL, -E2BIG, "The command line has "
					"too many arguments (at most %d).",
					lx->max - 1);
		rc = lex_token(lx, ctx);
		if (rc == -E2BIG)
			return cmd_perr(ctx, NULL, rc, "The command line is too long.");
		if (rc)
			return rc;
		if (lx->tok[lx->ntok++].kind == CMD_TK_SEMI)
			lx->stmt = lx->ntok;
	}
}
