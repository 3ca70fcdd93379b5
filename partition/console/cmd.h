/*
 * cmd: PowerShell-style cmdlet parser and dispatcher for the parent console.
 *
 * A line is: Verb-Noun [args...] [# comment]. Rules:
 *  - command names, aliases and parameter names are case-insensitive;
 *  - "-Param value", "-Param:value", and positional values (bound, after all
 *    named parameters, to the unbound parameters with position >= 0 in
 *    ascending position order);
 *  - a parameter may be abbreviated to any unambiguous prefix (an exact name
 *    always wins);
 *  - a token is a parameter name only if it starts, unquoted, with '-' and a
 *    letter, so "-5" is a value;
 *  - switches take no value; "-Switch:$true|$false|true|false|1|0" is allowed;
 *  - quoting: '...' (a doubled '' is one quote), "..." (backtick escapes the
 *    next character, a doubled "" is one quote); a backtick outside quotes
 *    escapes the next character; quoted and bare pieces of one token
 *    concatenate (ab"c d" is one value "abc d");
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
 * Every error prints exactly one line (PowerShell wording, e.g.
 * "New-VM : A parameter cannot be found that matches parameter name 'Foo'.")
 * and runs nothing.
 *
 * Get-Help (alias help) is built in: "Get-Help" lists all commands with
 * their synopsis; "Get-Help NAME" prints NAME, SYNOPSIS, SYNTAX (generated
 * from the parameter table), DESCRIPTION, PARAMETERS and ALIASES; NAME may be
 * an alias or a wildcard pattern with * and ? (then matching commands are
 * listed). "CMD ... -?" anywhere on a line shows CMD's help instead of
 * running it.
 */
#ifndef HVPART_CONSOLE_CMD_H
#define HVPART_CONSOLE_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "partition/console/lineedit.h"
#include "partition/console/table.h"

#define CMD_LINE_MAX  512   /* longest accepted line is CMD_LINE_MAX-1 */
#define CMD_TOKEN_MAX 64    /* tokens per line */
#define CMD_ARG_MAX   32    /* bound values per line */

enum cmd_ptype { CMD_P_STRING, CMD_P_INT, CMD_P_SIZE, CMD_P_SWITCH };

#define CMD_F_REQUIRED 0x1u  /* mandatory */
#define CMD_F_MULTI    0x2u  /* may be given several times */

struct cmd_param {
	const char *name;        /* canonical spelling, e.g. "MemoryStartupBytes" */
	enum cmd_ptype type;
	unsigned flags;          /* CMD_F_* */
	int position;            /* 0, 1, ... or -1 if named only */
	const char *help;
};

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

/* Output sink. write/wctx receive all output; with crlf set, cmd_printf and
 * the tables end lines with "\r\n" instead of "\n". user is for the
 * commands' own state. */
struct cmd_ctx {
	le_write_fn write;
	void *wctx;
	bool crlf;
	void *user;
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
	char buf[CMD_LINE_MAX];   /* unquoted token text lives here */
};

/* Parse and run one line. Returns the handler's result, 0 for a blank or
 * comment line, or a negative errno for a parse error (after printing one
 * error line): -ENOENT unknown command, -EINVAL bad/ambiguous/unknown
 * parameter, conversion error, missing mandatory parameter, too many
 * positional arguments or unterminated quote; -E2BIG line or token count too
 * long. */
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

/* Command-name completion for le_complete_fn: names (and Get-Help) starting
 * with prefix, case-insensitively, in table order. Returns the total count. */
int cmd_complete(const struct cmd_def *tab, int n, const char *prefix,
		 size_t len, const char **matches, int max);
/* Find a command by name or alias (case-insensitive); NULL if unknown. */
const struct cmd_def *cmd_find(const struct cmd_def *tab, int n,
			       const char *name);

/* Output helpers. cmd_printf output is truncated at 1023 characters. */
void cmd_write(struct cmd_ctx *ctx, const char *s, size_t n);
int cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "Name : message" plus a line end, PowerShell's error shape. */
int cmd_error(struct cmd_ctx *ctx, const struct cmd_args *a,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A table sink writing to ctx (for tbl_print and friends). */
struct tbl_sink cmd_sink(struct cmd_ctx *ctx);
/* Value conversions used for CMD_P_INT / CMD_P_SIZE / switch values:
 * 0, -EINVAL (syntax) or -ERANGE (overflow). */
int cmd_parse_int(const char *s, int64_t *out);
int cmd_parse_size(const char *s, uint64_t *out);
int cmd_parse_bool(const char *s, int64_t *out);
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
