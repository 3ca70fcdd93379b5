/* cmd_help: the built-in Get-Help command and syntax generation. */
#include "partition/console/cmd.h"
#include "partition/console/cmd_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct cmd_param help_params[] = {
	{ "Name", CMD_P_STRING, 0, 0, "The command to describe: a name, an "
	  "alias, or a pattern with * and ?.", NULL },
};
static const char *const help_aliases[] = { "help", NULL };

const struct cmd_def cmd_help_def = {
	"Get-Help", "Displays information about commands.",
	"Without a name, lists every command with its synopsis. With a name, "
	"shows the command's syntax, description and parameters. A pattern "
	"lists the matching commands.",
	help_params, 1, NULL, help_aliases,
};

const char *cmd_type_name(const struct cmd_param *p, bool multi)
{
	static const char *const one[] = { "string", "int", "size", "switch",
					   "scriptblock" };
	static const char *const many[] = { "string[]", "int[]", "size[]",
					    "switch", "scriptblock" };
	unsigned t = (unsigned)p->type < 5 ? (unsigned)p->type : 0;

	return multi && (p->flags & CMD_F_MULTI) ? many[t] : one[t];
}

struct sbuf {
	char *buf;
	size_t n, len;
};

static void sb_add(struct sbuf *sb, const char *a, const char *b,
		   const char *c)
{
	int k = snprintf(sb->buf + (sb->len < sb->n ? sb->len : sb->n),
			 sb->len < sb->n ? sb->n - sb->len : 0, "%s%s%s", a, b, c);

	if (k > 0)
		sb->len += (size_t)k;
}

static void syntax_param(struct sbuf *sb, const struct cmd_param *p)
{
	bool req = p->flags & CMD_F_REQUIRED;
	const char *type = cmd_type_name(p, true);

	sb_add(sb, " ", req ? "" : "[", "");
	if (p->type == CMD_P_SWITCH) {
		sb_add(sb, "-", p->name, req ? "" : "]");
		return;
	}
	if (p->position >= 0)
		sb_add(sb, "[-", p->name, "]");
	else
		sb_add(sb, "-", p->name, "");
	sb_add(sb, " <", type, req ? ">" : ">]");
}

/* The next positional parameter after (pos, index) in (position, index)
 * order; -1 when none. */
static int next_pos(const struct cmd_def *d, int pos, int idx)
{
	int best = -1;

	for (int i = 0; i < d->nparams; i++) {
		int p = d->params[i].position;

		if (p < 0 || d->params[i].type == CMD_P_SWITCH ||
		    p < pos || (p == pos && i <= idx))
			continue;
		if (best < 0 || p < d->params[best].position)
			best = i;
	}
	return best;
}

int cmd_format_syntax(const struct cmd_def *d, char *buf, size_t n)
{
	struct sbuf sb = { buf, n, 0 };

	if (n)
		buf[0] = '\0';
	sb_add(&sb, d->name, "", "");
	for (int i = next_pos(d, -1, -1); i >= 0;
	     i = next_pos(d, d->params[i].position, i))
		syntax_param(&sb, &d->params[i]);
	for (int i = 0; i < d->nparams; i++)
		if (d->params[i].position < 0 || d->params[i].type == CMD_P_SWITCH)
			syntax_param(&sb, &d->params[i]);
	return (int)sb.len;
}

static void indented(struct cmd_ctx *ctx, const char *text, int indent)
{
	while (text && *text) {
		size_t k = strcspn(text, "\n");

		cmd_printf(ctx, "%*s%.*s\n", indent, "", (int)k, text);
		text += k + (text[k] == '\n');
	}
}

static void section(struct cmd_ctx *ctx, const char *title, const char *text)
{
	cmd_printf(ctx, "%s\n", title);
	indented(ctx, text && *text ? text : "None.", 4);
	cmd_write(ctx, "\n", 1);
}

/* A parameter's aliases on a line of their own, "Aliases  VMName", as
 * the parameter tables of the cmdlets' documentation list them ("Aliases:
 * VMName"); only for a parameter that has some. */
static void help_param_aliases(struct cmd_ctx *ctx, const struct cmd_param *p)
{
	if (!p->aliases || !p->aliases[0])
		return;
	cmd_printf(ctx, "        Aliases  ");
	for (const char *const *al = p->aliases; *al; al++)
		cmd_printf(ctx, "%s%s", al == p->aliases ? "" : ", ", *al);
	cmd_write(ctx, "\n", 1);
}

static void help_params_section(struct cmd_ctx *ctx, const struct cmd_def *d)
{
	cmd_printf(ctx, "PARAMETERS\n");
	for (int i = 0; i < d->nparams; i++) {
		const struct cmd_param *p = &d->params[i];
		char pos[16];

		if (p->position >= 0)
			snprintf(pos, sizeof pos, "%d", p->position);
		cmd_printf(ctx, "    -%s", p->name);
		if (p->type != CMD_P_SWITCH)
			cmd_printf(ctx, " <%s>", cmd_type_name(p, true));
		cmd_write(ctx, "\n", 1);
		indented(ctx, p->help, 8);
		cmd_printf(ctx, "        Required? %s  Position? %s  "
			   "Multiple? %s",
			   p->flags & CMD_F_REQUIRED ? "true" : "false",
			   p->position >= 0 ? pos : "named",
			   p->flags & CMD_F_MULTI ? "true" : "false");
		if (p->flags & CMD_F_PIPELINE)
			cmd_printf(ctx, "  Pipeline input? true (by property "
				   "name)");
		cmd_write(ctx, "\n", 1);
		help_param_aliases(ctx, p);
		cmd_write(ctx, "\n", 1);
	}
	cmd_printf(ctx, "    <CommonParameters>\n");
	indented(ctx, "This cmdlet supports the common parameters: ErrorAction "
		 "(-ea) and WarningAction (-wa), each Continue, "
		 "SilentlyContinue, Ignore or Stop.", 8);
	cmd_write(ctx, "\n", 1);
}

static void help_one(struct cmd_ctx *ctx, const struct cmd_def *d)
{
	char syn[1024];
	int k = cmd_format_syntax(d, syn, sizeof syn);

	if (k >= 0 && (size_t)k < sizeof syn)
		snprintf(syn + k, sizeof syn - (size_t)k, " [<CommonParameters>]");
	cmd_write(ctx, "\n", 1);
	section(ctx, "NAME", d->name);
	section(ctx, "SYNOPSIS", d->synopsis);
	section(ctx, "SYNTAX", syn);
	section(ctx, "DESCRIPTION", d->description);
	help_params_section(ctx, d);
	if (d->aliases && d->aliases[0]) {
		cmd_printf(ctx, "ALIASES\n");
		for (const char *const *a = d->aliases; *a; a++)
			cmd_printf(ctx, "    %s\n", *a);
		cmd_write(ctx, "\n", 1);
	}
}


static void list_row(struct cmd_ctx *ctx, const struct cmd_def *d,
		     const size_t *w)
{
	struct tbl_sink out = cmd_sink(ctx);
	const char *cells[2] = { d->name, d->synopsis };

	tbl_print_row(&out, cells, w, 2, NULL);
}

/* Lists commands matching pattern (NULL = all); returns how many. */
static int help_list(const struct cmd_def *tab, int n, struct cmd_ctx *ctx,
		     const char *pattern)
{
	static const char *const hdr[2] = { "Name", "Synopsis" };
	struct tbl_sink out = cmd_sink(ctx);
	size_t w[2] = { 4, 8 };
	int count = 0;

	for (int i = -1; i < n + cmd_core_n; i++) {
		const struct cmd_def *d = cmd_entry(tab, n, i);
		size_t sl = d->synopsis ? strlen(d->synopsis) : 0;

		if (pattern && !cmd_match_glob(pattern, d->name))
			continue;
		count++;
		w[0] = strlen(d->name) > w[0] ? strlen(d->name) : w[0];
		w[1] = sl > w[1] ? sl : w[1];
	}
	if (count == 0)
		return 0;
	tbl_newline(&out);
	tbl_print_row(&out, hdr, w, 2, NULL);
	tbl_print_dashes(&out, w, 2);
	for (int i = -1; i < n + cmd_core_n; i++)
		if (!pattern || cmd_match_glob(pattern, cmd_entry(tab, n, i)->name))
			list_row(ctx, cmd_entry(tab, n, i), w);
	tbl_newline(&out);
	return count;
}

int cmd_help(const struct cmd_def *tab, int n, struct cmd_ctx *ctx,
	     const char *name)
{
	const struct cmd_def *d;

	if (!name || !*name) {
		help_list(tab, n, ctx, NULL);
		return 0;
	}
	if (strpbrk(name, "*?")) {
		if (help_list(tab, n, ctx, name) > 0)
			return 0;
	} else if ((d = cmd_find(tab, n, name)) != NULL) {
		help_one(ctx, d);
		return 0;
	}
	return cmd_perr(ctx, &cmd_help_def, -ENOENT, "Get-Help could not find "
			"'%s'.", name);
}
