/* Shared between the cmd_*.c files; not part of the console API. */
#ifndef HVPART_CONSOLE_CMD_INTERNAL_H
#define HVPART_CONSOLE_CMD_INTERNAL_H

#include "partition/console/cmd.h"

/* Unquoted commas are stored as this byte (control characters never reach
 * the lexer) so that MULTI parameters can split "a,b" into two values. */
#define CMD_LIST_SEP '\x1f'

enum cmd_tok_kind { CMD_TK_WORD, CMD_TK_PARAM, CMD_TK_PIPE, CMD_TK_SEMI,
		    CMD_TK_BLOCK, CMD_TK_ASSIGN };

struct cmd_token {
	enum cmd_tok_kind kind;
	char *text;          /* unquoted text; PARAM: the name; BLOCK: inside */
	char *colon;         /* "-Name:value": the value, else NULL */
	bool help;           /* unquoted "-?" */
	bool var;            /* unquoted "$name" or "$name.Prop..." */
	bool quoted;         /* some part of it was quoted */
};

struct cmd_lexer {
	const char *p;       /* input cursor */
	char *out;           /* output cursor in the text buffer */
	char *end;           /* end of the text buffer */
	struct cmd_token *tok;
	int ntok, max;
	int stmt;            /* first token of the current statement */
};

/* Lex lx->p to its end into lx->tok (see cmd.h for the rules). 0, or a
 * negative errno after one error line. */
int cmd_lex(struct cmd_lexer *lx, struct cmd_ctx *ctx);

/* Error line "Cmd : message" (d NULL: no prefix); returns rc. */
int cmd_perr(struct cmd_ctx *ctx, const struct cmd_def *d, int rc,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool cmd_name_eq(const char *a, const char *b);
bool cmd_name_prefix(const char *prefix, size_t len, const char *name);
/* Is name p's name or one of its aliases: the whole of it, or with prefix
 * its start? */
bool cmd_param_spelled(const struct cmd_param *p, const char *name,
		       bool prefix);

/* Binding (cmd_bind.c). cmd_bind binds tok[1..ntok) (tok[0] is the
 * command's name) to a->def's parameters; objects that variables in the
 * arguments evaluate to are added to hold, which must outlive the call.
 * cmd_bind_input binds an input object's properties to the unbound
 * CMD_F_PIPELINE parameters, then checks the mandatory ones. Each returns
 * 0 or a negative errno after one error line. */
int cmd_bind(struct cmd_ctx *ctx, struct cmd_args *a, struct cmd_token *tok,
	     int ntok, struct cmd_objlist *hold);
int cmd_bind_input(struct cmd_ctx *ctx, struct cmd_args *a,
		   const struct cmd_obj *o);
int cmd_check_required(struct cmd_ctx *ctx, const struct cmd_args *a);
bool cmd_takes_input(const struct cmd_def *d);

/* The built-in commands: Get-Help (fn is NULL; cmd_run_line handles it)
 * and the pipeline cmdlets (cmd_core.c). */
extern const struct cmd_def cmd_help_def;
extern const struct cmd_def cmd_core_defs[];
extern const int cmd_core_n;
/* Entry i of all commands: Get-Help (-1), tab[0..n), then the core ones
 * (n .. n + cmd_core_n). */
const struct cmd_def *cmd_entry(const struct cmd_def *tab, int n, int i);
/* A core command's CMD_D_* flags (0 for any other command). */
#define CMD_D_INPUT 0x1u     /* called once with all input in ctx->in */
#define CMD_D_LAST  0x2u     /* must end its pipeline (Format-*) */
unsigned cmd_def_flags(const struct cmd_def *d);
/* "string", "int", "size", "switch", "scriptblock"; with multi, "string[]"
 * etc. for MULTI. */
const char *cmd_type_name(const struct cmd_param *p, bool multi);

/* The common parameters (cmd_common.c). cmd_common_find: the one named
 * or aliased (ea, wa) name, or with prefix also one whose name or alias
 * name starts; NULL if none. cmd_common_check: 0, or -EINVAL after
 * PowerShell's binding error for a value that is no ActionPreference. cmd_common_apply: the
 * bound values into ctx->erract and ctx->warnact (absent: CONTINUE). */
extern const struct cmd_param cmd_common_params[];
extern const int cmd_common_n;
const struct cmd_param *cmd_common_find(const char *name, bool prefix);
bool cmd_is_common(const struct cmd_param *p);
int cmd_common_check(struct cmd_ctx *ctx, const struct cmd_def *d,
		     const struct cmd_param *p, const char *value);
void cmd_common_apply(struct cmd_ctx *ctx, const struct cmd_args *a);

/* Variables (cmd_pipe.c). NULL when unset (or no session). */
struct cmd_objlist *cmd_var_get(struct cmd_ctx *ctx, const char *name);
/* Assign val to $name (val is moved into the variable and left empty).
 * 0 or a negative errno after an error line. */
int cmd_var_set(struct cmd_ctx *ctx, const char *name, struct cmd_objlist *val);
/* Can $name be assigned? 0, or a negative errno after an error line. */
int cmd_var_check(struct cmd_ctx *ctx, const char *name);
/* "$name" or "$name.P.Q" (text without the '$'; "_" is ctx->input) into
 * out as new references: objects, or for ".P" each object's property as a
 * single value (PowerShell's member enumeration). 0, or -ENOENT after an
 * error line for an unset variable, -ENOMEM. */
int cmd_var_eval(struct cmd_ctx *ctx, const char *text,
		 struct cmd_objlist *out);
/* A single value object named name. NULL when out of memory. */
struct cmd_obj *cmd_value_new(const char *name, const struct cmd_val *v);
/* Is the token text a literal value (number, $true/$false/$null) rather
 * than a command name? Quoted tokens always are. */
bool cmd_is_literal(const char *text);
/* The literal's value: $true/$false -> BOOL, a number -> INT (64MB too),
 * $null -> NULL, anything else -> STR pointing to text. */
void cmd_literal_val(const char *text, bool quoted, struct cmd_val *v);

/* Comparison (cmd_where.c): op is one of "eq" "ne" "gt" "ge" "lt" "le"
 * "like" "notlike" "match" "notmatch" (case-insensitive). The right side
 * is converted to the left side's type (and the left to the right's when
 * the left is plain text and the right is not). 1, 0, or a negative errno
 * after an error line naming d. */
int cmd_compare(struct cmd_ctx *ctx, const struct cmd_def *d,
		const struct cmd_val *l, const char *op,
		const struct cmd_val *r);
bool cmd_is_operator(const char *name);
/* Sort order of two values: $null first, numbers by value, the rest by
 * text, case-insensitively. */
int cmd_val_cmp(const struct cmd_val *a, const struct cmd_val *b);
int cmd_where_object(struct cmd_ctx *ctx, const struct cmd_args *a);
/* Select-String (cmd_text.c). */
int cmd_select_string(struct cmd_ctx *ctx, const struct cmd_args *a);


#endif
