/*
 * cmd: PowerShell-style command lines for the parent console: the parser,
 * the parameter binder, the pipeline and variables.
 *
 * A line is one or more statements separated by ';'. A statement is a
 * pipeline, optionally assigned to a variable ("$x = Get-VM web1"). A
 * pipeline is one or more elements separated by '|': the first may be a
 * command, a variable ("$x", "$x.State") or a literal ('text', 64MB);
 * the others are commands. Objects a command emits (obj.h) go to the next
 * command; what reaches the end is shown by the console (its type's
 * default view), or kept in the variable. Errors name the command that
 * failed ("Stop-VM : ...").
 *
 * Within a command: Verb-Noun [args...] [# comment]. Rules:
 *  - command names, aliases and parameter names are case-insensitive;
 *  - "-Param value", "-Param:value", and positional values (bound, after all
 *    named parameters, to the unbound parameters with position >= 0 in
 *    ascending position order);
 *  - a parameter may have aliases, other names that bind it as its own
 *    name does (PowerShell's Alias attribute: Start-VM -VMName is -Name);
 *    the command sees the value under the parameter's name, and naming a
 *    parameter twice, by any of its names, is an error;
 *  - a parameter may be abbreviated to any unambiguous prefix of its name
 *    or of an alias (an exact name or alias always wins; a prefix that
 *    matches only names and aliases of one parameter is not ambiguous);
 *  - a token is a parameter name only if it starts, unquoted, with '-' and a
 *    letter, so "-5" is a value;
 *  - switches take no value; "-Switch:$true|$false|true|false|1|0" is allowed;
 *  - quoting: '...' (a doubled '' is one quote), "..." (backtick escapes the
 *    next character, a doubled "" is one quote); a backtick outside quotes
 *    escapes the next character; quoted and bare pieces of one token
 *    concatenate (ab"c d" is one value "abc d"); '$' is not expanded inside
 *    quotes;
 *  - an unquoted '|' or ';' ends the command; an unquoted '{' starting a
 *    token begins a script block running to its matching '}' (bound only to
 *    CMD_P_BLOCK parameters, which take nothing else);
 *  - an unquoted "$name" or "$name.Property" argument is the variable's
 *    value: a single value's text, each value for a CMD_F_MULTI parameter,
 *    or, for an object, its property named like the parameter (or like an
 *    alias, as pipeline input binds); "$true", "$false" and "$null" are
 *    plain words;
 *  - an unquoted comma separates list items: "-Module a,b" binds two values
 *    to a CMD_F_MULTI parameter (an empty item is an error); for any other
 *    parameter the comma is just part of the value;
 *  - INT: optional sign, decimal or 0x hex, range-checked to int64;
 *  - SIZE: an unsigned decimal number with an optional fraction and an
 *    optional suffix KB, MB, GB, TB, PB (powers of 1024, case-insensitive),
 *    overflow-checked; a fraction must come out to whole bytes after rounding
 *    to nearest ("1.5KB" = 1536);
 *  - '#' starting a token begins a comment; blank and comment lines do
 *    nothing and return 0;
 *  - one trailing CR/LF is stripped; tabs count as blanks; any other control
 *    character, or a line of CMD_LINE_MAX characters or more, is rejected.
 *
 * Pipeline input: a command after '|' is called once per input object.
 * Its CMD_F_PIPELINE parameters not given on the command line take the
 * object's property of the same name, or else of the first of its aliases
 * the object has (PowerShell's ValueFromPipelineByPropertyName), or the
 * value itself when the object is a single value (ValueFromPipeline);
 * mandatory parameters are checked after that. The built-in pipeline
 * cmdlets (Where-Object, Format-Table) are called once and read all their
 * input from ctx->in.
 *
 * Errors: a syntax error anywhere runs nothing of the line; a binding error
 * (unknown parameter, bad value, missing mandatory parameter) runs nothing
 * of its statement, and later statements still run. Every such error
 * prints exactly one line (PowerShell wording, e.g. "New-VM : A parameter
 * cannot be found that matches parameter name 'Foo'.").
 *
 * Get-Help (alias help) is built in: "Get-Help" lists all commands with
 * their synopsis; "Get-Help NAME" prints NAME, SYNOPSIS, SYNTAX (generated
 * from the parameter table), DESCRIPTION, PARAMETERS (each with its
 * aliases) and ALIASES (the command's); NAME may be an alias or a wildcard
 * pattern with * and ? (then matching commands are listed). "CMD ... -?"
 * anywhere in a command shows CMD's help instead of running the statement.
 * The pipeline cmdlets are built in too (cmd_core.c): Get-Command,
 * Where-Object, Select-Object, Select-String, Sort-Object, Measure-Object,
 * Format-Table, Format-List.
 */
#ifndef HVPART_CONSOLE_CMD_H
#define HVPART_CONSOLE_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "partition/console/lineedit.h"
#include "partition/console/obj.h"
#include "partition/console/table.h"

#define CMD_LINE_MAX  512   /* longest accepted line is CMD_LINE_MAX-1 */
#define CMD_TOKEN_MAX 128   /* tokens per line */
#define CMD_ARG_MAX   32    /* bound values per command */
#define CMD_PIPE_MAX  16    /* commands per pipeline */
#define CMD_VARS_MAX  32    /* variables per session */
#define CMD_VAR_NAME_MAX 32 /* longest variable name is CMD_VAR_NAME_MAX-1 */

enum cmd_ptype { CMD_P_STRING, CMD_P_INT, CMD_P_SIZE, CMD_P_SWITCH,
		 CMD_P_BLOCK };

#define CMD_F_REQUIRED 0x1u  /* mandatory */
#define CMD_F_MULTI    0x2u  /* may be given several times */
#define CMD_F_PIPELINE 0x4u  /* takes pipeline input (see above) */
/* A string[] naming what the command acts on (Hyper-V's -VMName and -Name,
 * "Get-VMProcessor a,b"): the command runs once per item, in order, each
 * run seeing that item alone; one item's error does not stop the next
 * (PowerShell's non-terminating errors). Implies CMD_F_MULTI. */
#define CMD_F_EACH     (0x8u | CMD_F_MULTI)

struct cmd_param {
	const char *name;        /* canonical spelling, e.g. "MemoryStartupBytes" */
	enum cmd_ptype type;
	unsigned flags;          /* CMD_F_* */
	int position;            /* 0, 1, ... or -1 if named only */
	const char *help;
	const char *const *aliases;   /* other names, NULL-terminated, or NULL */
};

/* A parameter's aliases in its table entry: CMD_ALIASES("VMName"). */
#define CMD_ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct cmd_ctx;
struct cmd_args;

struct cmd_def {
	const char *name;
	const char *synopsis;
	const char *description;
	const struct cmd_param *params;
	int nparams;
	int (*fn)(struct cmd_ctx *ctx, const struct cmd_args *args);
	const char *const *aliases;   /* NULL-terminated list, or NULL */
};

/* Variables live in a session, kept across lines. A zeroed session is
 * empty; cmd_session_clear frees what its variables hold. */
struct cmd_var {
	char name[CMD_VAR_NAME_MAX];
	struct cmd_objlist val;
};

struct cmd_session {
	struct cmd_var vars[CMD_VARS_MAX];
};

void cmd_session_clear(struct cmd_session *s);

/* An error's or a warning's effect (PowerShell's ActionPreference), set
 * per command by the common parameters -ErrorAction (-ea) and
 * -WarningAction (-wa), which every command accepts: CONTINUE shows it
 * (the default), SILENT and IGNORE do not (there is no $Error to keep it
 * in, so they are the same), STOP shows it and ends the line: the command
 * emits nothing more, the rest of its pipeline and of the line does not
 * run, and the line's result is -ECANCELED unless a handler's is already
 * negative. A handler that goes on after an error under STOP may check
 * ctx->halted. Any other value is a binding error. */
enum cmd_action { CMD_ACT_CONTINUE, CMD_ACT_SILENT, CMD_ACT_STOP,
		  CMD_ACT_IGNORE };

/* Output sink. write/wctx receive all output; with crlf set, cmd_printf and
 * the tables end lines with "\r\n" instead of "\n". user is for the
 * commands' own state; session (NULL: no variables) for $variables. The
 * rest is set by cmd_run_line for the command running: the table, where
 * cmd_emit puts objects, the whole input (the built-in pipeline cmdlets) and the
 * input object this call is for (NULL for the first command). */
struct cmd_ctx {
	le_write_fn write;
	void *wctx;
	bool crlf;
	void *user;
	struct cmd_session *session;
	const struct cmd_def *tab;
	int ntab;
	const struct cmd_def *cmd;
	struct cmd_objlist *out;
	const struct cmd_objlist *in;
	const struct cmd_obj *input;
	enum cmd_action erract, warnact;   /* of the command running */
	bool halted;              /* an error under STOP: the line ends */
};

struct cmd_value {
	const struct cmd_param *param;
	const char *str;          /* the text as given (switches: "True"/"False") */
	int64_t i;                /* CMD_P_INT; switches: 0/1 */
	uint64_t u;               /* CMD_P_SIZE */
};

/* The bound arguments handed to a command (valid during the call only). */
struct cmd_args {
	const struct cmd_def *def;
	int nvalues;
	struct cmd_value values[CMD_ARG_MAX];
	size_t used;              /* of buf */
	char buf[CMD_LINE_MAX];   /* text of values bound from pipeline input */
};

/* Parse and run one line. Returns the first negative result of a
 * statement, else the last statement's: a statement's result is the first
 * negative handler result, else the last handler's (0 when none ran).
 * A blank or comment line returns 0. Errors (after printing one error
 * line): -ENOENT unknown command or unset variable, -EINVAL
 * bad/ambiguous/unknown parameter, conversion error, missing mandatory
 * parameter, too many positional arguments, unterminated quote or block,
 * misplaced pipe or expression; -E2BIG line, token or pipeline too long. */
int cmd_run_line(const struct cmd_def *tab, int n, struct cmd_ctx *ctx,
		 const char *line);

/* Lookups by canonical parameter name (case-insensitive). */
const char *cmd_arg_str(const struct cmd_args *a, const char *name);
bool cmd_arg_present(const struct cmd_args *a, const char *name); /* switch: its value */
int64_t cmd_arg_int(const struct cmd_args *a, const char *name, int64_t def);
uint64_t cmd_arg_size(const struct cmd_args *a, const char *name, uint64_t def);
int cmd_arg_count(const struct cmd_args *a, const char *name);   /* MULTI */
/* A value restricted to a set (PowerShell's ValidateSet), matched
 * case-insensitively against the NULL-terminated set: returns its index,
 * def when the parameter is absent, or -EINVAL after printing
 * "Cmd : Cannot validate argument on parameter 'P'. The argument "x" does
 * not belong to the set "A,B,C"." (call it before changing anything). */
int cmd_arg_enum(struct cmd_ctx *ctx, const struct cmd_args *a,
		 const char *name, const char *const *set, int def);
const struct cmd_value *cmd_arg_at(const struct cmd_args *a, const char *name,
				   int i);                         /* NULL if none */
const char *cmd_arg_str_at(const struct cmd_args *a, const char *name, int i);

/* Command names (Get-Help, the table in order, then the built-in pipeline
 * cmdlets) starting with prefix, case-insensitively. Returns the total
 * count; the first max go to matches. */
int cmd_complete(const struct cmd_def *tab, int n, const char *prefix,
		 size_t len, const char **matches, int max);
/* Completion of the word before the cursor, for le_complete_fn: a command
 * name when the word starts a pipeline element; after an unquoted '-',
 * that command's parameter names, and the aliases of those whose name does
 * not match (*start is then just past the '-');
 * otherwise a path from path() (NULL: none). A word starting with a quote
 * does not complete. *start is where the word being completed begins. */
typedef int (*cmd_path_fn)(void *ctx, const char *prefix, size_t len,
			   const char **matches, int max);
int cmd_complete_line(const struct cmd_def *tab, int n, const char *line,
		      size_t cur, size_t *start, const char **matches, int max,
		      cmd_path_fn path, void *pctx);
/* Find a command by name or alias (case-insensitive); NULL if unknown. */
const struct cmd_def *cmd_find(const struct cmd_def *tab, int n,
			       const char *name);

/* Output helpers. cmd_printf output is truncated at 1023 characters. */
void cmd_write(struct cmd_ctx *ctx, const char *s, size_t n);
int cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "Name : message" plus a line end, PowerShell's error shape;
 * while a command runs, as its -ErrorAction says (cmd_perr too). */
int cmd_error(struct cmd_ctx *ctx, const struct cmd_args *a,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints "WARNING: message" plus a line end, as the running command's
 * -WarningAction says (under STOP also the error that stops it). 0, or
 * -ECANCELED when the line stops. */
int cmd_warning(struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A table sink writing to ctx (for tbl_print and friends). */
struct tbl_sink cmd_sink(struct cmd_ctx *ctx);
/* Value conversions used for CMD_P_INT / CMD_P_SIZE / switch values:
 * 0, -EINVAL (syntax) or -ERANGE (overflow). */
int cmd_parse_int(const char *s, int64_t *out);
int cmd_parse_size(const char *s, uint64_t *out);
int cmd_parse_bool(const char *s, int64_t *out);
/* A time span as PowerShell's TimeSpan parses it: "d", "h:m", "h:m:s",
 * "d.h:m" or "d.h:m:s" (hours < 24, minutes and seconds < 60), in
 * seconds: 0, -EINVAL or -ERANGE. */
int cmd_parse_span(const char *s, uint64_t *out);
/* Does the regular expression re match somewhere in s, case-insensitively
 * (PowerShell's -match)? 1, 0, -EINVAL (bad pattern) or -E2BIG (too much
 * backtracking). Supported: literals, '.', [...] and [^...] with ranges,
 * \d \w \s \D \W \S and escaped characters, ^ and $, groups ( ) and
 * (?: ), alternation |, greedy quantifiers * + ? {m} {m,} {m,n}. */
int cmd_regex_match(const char *re, const char *s);
/* The same in steps, for one pattern against many lines (Select-String):
 * cmd_regex_compile gives 0 and *out, or -EINVAL (bad pattern), -E2BIG
 * (too large) or -ENOMEM; case_sensitive false is -match's rule.
 * cmd_regex_exec: 1, 0 or -E2BIG, with a fresh step budget each call. */
struct cmd_regex;
int cmd_regex_compile(const char *re, bool case_sensitive,
		      struct cmd_regex **out);
int cmd_regex_exec(struct cmd_regex *re, const char *s);
void cmd_regex_free(struct cmd_regex *re);              /* NULL: nothing */
/* The generated syntax line, e.g.
 * "New-VM [-Name] <string> -MemoryStartupBytes <size> [-TurnOff]".
 * Returns the full length (snprintf semantics). */
int cmd_format_syntax(const struct cmd_def *d, char *buf, size_t n);
/* Case-insensitive wildcard match with * and ?. */
bool cmd_match_glob(const char *pattern, const char *name);
/* Print Get-Help output for the table (name NULL = the command list). */
int cmd_help(const struct cmd_def *tab, int n, struct cmd_ctx *ctx,
	     const char *name);

#endif
